#!/bin/sh
# keras.sh NNLC — Keras' spellings in the train block and Python's in values are accepted:
# optimizer, loss and metric class names (any case), True/False, single-quoted strings,
# names in quotes, padding in any case.
set -u
nnlc=$1
fails=0 passes=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# summary_matches WHAT FILE PATTERN…: `nnlc --summary FILE` succeeds and its output matches
# every extended regular expression PATTERN; else WHAT and the output are printed.
summary_matches() {
    what=$1 file=$2
    shift 2
    ok=true
    "$nnlc" --summary "$file" >"$tmp/out" 2>&1 || ok=false
    output_matches "$what" "$ok" "$@"
}

# output_matches WHAT OK PATTERN…: counts a pass when OK (the command succeeded) is true
# and $tmp/out matches every PATTERN; else a failure, printing WHAT and the output.
output_matches() {
    what=$1 ok=$2
    shift 2
    for pattern in "$@"; do
        grep -Eq -- "$pattern" "$tmp/out" || ok=false
    done
    if $ok; then
        passes=$((passes + 1))
    else
        echo "FAIL: $what, output:" >&2
        sed 's/^/    /' "$tmp/out" >&2
        fails=$((fails + 1))
    fi
}

# accept PATTERN LOSS OPTIMIZER METRICS: the summary of a 3-class model trained so must
# match PATTERN (its data .npy files: a regression loss makes its 3 outputs 3 targets,
# which a CSV file, one label column, cannot hold).
accept() {
    printf "model m { input [4] dense(3, activation=softmax, use_bias=True) }
train { loss = %s  optimizer = %s  metrics = %s  data = npy('x.npy', 'y.npy') }\n" \
        "$2" "$3" "$4" >"$tmp/m.nn"
    summary_matches "loss=$2 optimizer=$3 metrics=$4" "$tmp/m.nn" "$1"
}

ce=SparseCategoricalCrossentropy
accept '\(sgd: 1 slot'      "$ce()" 'SGD(learning_rate=0.1, momentum=0.9, nesterov=True)' accuracy
accept '\(rmsprop: 1 slot'  "$ce" 'RMSprop()' '[accuracy]'
accept '\(adam: 2 slots'    CategoricalCrossentropy 'Adam(beta_1=0.8)' accuracy
accept '\(adagrad: 1 slot'  sparse_categorical_crossentropy Adagrad accuracy
accept '\(adagrad: 1 slot'  "$ce" 'Adagrad(initial_accumulator_value=0.2)' accuracy
accept '\(adadelta: 2 slots' "$ce" 'Adadelta()' accuracy
accept '\(nadam: 2 slots'   "$ce" Nadam accuracy
accept '\(adamw: 2 slots'   "$ce" 'AdamW(weight_decay=0.01)' accuracy
accept '\(adam: 2 slots'    MeanSquaredError ADAM '[RootMeanSquaredError(), MeanAbsoluteError()]'
accept '\(sgd: 0 slots'     'MeanAbsoluteError()' sgd MeanSquaredError
accept '\(adam: 2 slots'    mean_squared_error adam "['mean_squared_error', 'mean_absolute_error', 'root_mean_squared_error']"
accept 'Total params: 15'   "$ce" adam "['acc']"
accept '\(rmsprop: 1 slot'  "$ce" 'RMSprop(0.001, 0.9, 0.0, 1e-07, False)' accuracy
accept '\(rmsprop: 1 slot'  "$ce" 'RMSprop(centered=False)' accuracy
accept 'Total params: 15'   "$ce" adam "['sparse_categorical_accuracy']"
accept 'Total params: 15'   CategoricalCrossentropy adam 'CategoricalAccuracy()'
accept 'Total params: 15'   "$ce" adam 'SparseCategoricalAccuracy'

# Names in quotes, as Keras writes them.
printf "model m { input [8, 8, 1] conv2d(4, (3, 3), padding='same', activation='relu') flatten()
  dense(3, activation=\"softmax\") }
train { loss = 'sparse_categorical_crossentropy'  optimizer = 'rmsprop'  data = csv('d.csv') }\n" >"$tmp/q.nn"
summary_matches "quoted names" "$tmp/q.nn" 're_lu|conv2d'

# padding in any case, as Keras lower-cases it ('SAME' is TensorFlow's spelling).
printf "model m { input [8, 8, 1] conv2d(2, 3, padding='SAME') maxpool2d(3, padding=Valid)
  flatten() dense(2, activation=softmax) }
train { loss = sparse_categorical_crossentropy  data = csv('d.csv') }\n" >"$tmp/p.nn"
summary_matches "padding='SAME'" "$tmp/p.nn" 'conv2d \(Conv2D\) +\(None, 8, 8, 2\)' \
    'max_pooling2d \(MaxPooling2D\) +\(None, 2, 2, 2\)'

# Pooling's options by position, in Keras' order (pool_size, strides, padding).
printf "model m { input [9, 9, 1] MaxPooling2D(2, 2) AveragePooling2D((2, 2), (1, 1), 'same')
  reshape([16, 1]) MaxPooling1D(3, 2, 'same') flatten() }\n" >"$tmp/pp.nn"
summary_matches "MaxPooling2D(2, 2)" "$tmp/pp.nn" 'max_pooling2d \(MaxPooling2D\) +\(None, 4, 4, 1\)' \
    'average_pooling2d \(AveragePooling2D\) +\(None, 4, 4, 1\)' \
    'max_pooling1d \(MaxPooling1D\) +\(None, 8, 1\)'

# fit()'s arguments as Keras spells them: shuffle=False, verbose='auto' (or 0, 1, 2),
# validation_data (a data source; what a trainer makes of them is codegen/settings.sh).
for fit in "shuffle=False  verbose='auto'  validation_data=csv('v.csv')" "shuffle=True  verbose=0" \
           "verbose=2  validation_data=npy('vx.npy', 'vy.npy')"; do
    printf "model m { input [4] dense(3, activation='softmax') }
train { loss = 'sparse_categorical_crossentropy'  data = csv('d.csv')  %s }\n" "$fit" >"$tmp/f.nn"
    summary_matches "$fit" "$tmp/f.nn" 'Total params: 15'
done

# EarlyStopping's restore_best_weights= is restore_best.
printf "model m { input [4] dense(3, activation='softmax') }
train { loss = 'sparse_categorical_crossentropy'  data = csv('d.csv')  validation_split = 0.2
  early_stopping = early_stopping(patience=2, restore_best_weights=True) }\n" >"$tmp/e.nn"
summary_matches "restore_best_weights=True" "$tmp/e.nn" 'Total params: 15'

# Keras' class names EarlyStopping and ReduceLROnPlateau, with monitor='val_loss' (the only
# quantity watched) and EarlyStopping's Keras order by position (monitor, min_delta,
# patience): they were "unknown early-stopping rule" and "unknown schedule".
printf "model m { input [4] dense(3, activation='softmax') }
train { loss = 'sparse_categorical_crossentropy'  data = csv('d.csv')  validation_split = 0.2
  early_stopping = EarlyStopping(monitor='val_loss', patience=2, restore_best_weights=True)
  schedule = ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=1, min_lr=1e-5) }
" >"$tmp/k.nn"
summary_matches "EarlyStopping(monitor=…), ReduceLROnPlateau(monitor=…)" "$tmp/k.nn" 'Total params: 15'
printf "model m { input [4] dense(3, activation='softmax') }
train { loss = 'sparse_categorical_crossentropy'  data = csv('d.csv')  validation_split = 0.2
  early_stopping = EarlyStopping('val_loss', 0.001, 2) }
" >"$tmp/k.nn"
summary_matches "EarlyStopping('val_loss', 0.001, 2)" "$tmp/k.nn" 'Total params: 15'

# Keras' patience=0 (which acts as 1 in EarlyStopping and ReduceLROnPlateau) is accepted.
printf "model m { input [4] dense(3, activation='softmax') }
train { loss = 'sparse_categorical_crossentropy'  data = csv('d.csv')  validation_split = 0.2
  early_stopping = early_stopping(patience=0)
  schedule = reduce_on_plateau(factor=0.5, patience=0) }
" >"$tmp/p.nn"
summary_matches "patience=0" "$tmp/p.nn" 'Total params: 15'

# Optimizers' options by position, in Keras' order (learning_rate first; Keras 3 and 2 agree
# up to the last of these): SGD(0.05, 0.9, True) was "too many positional arguments for
# SGD (it takes 1)". The loop IR shows the values bound (momentum 0.9 twice: Nesterov's).
loops_matches() {
    what=$1 optimizer=$2
    shift 2
    printf "model m { input [4] dense(3, activation='softmax') }
train { loss = sparse_categorical_crossentropy  optimizer = %s }\n" "$optimizer" >"$tmp/o.nn"
    ok=true
    "$nnlc" --emit=loops "$tmp/o.nn" >"$tmp/out" 2>&1 || ok=false
    output_matches "$what" "$ok" "$@"
}
loops_matches "SGD(0.05, 0.9, True)" 'SGD(0.05, 0.9, True)' \
    'v = \(\(0\.9 \* dense\.b\.velocity\[i\]\) - \(lr \* g\)\)' \
    'dense\.b\[i\] = \(dense\.b\[i\] \+ \(\(0\.9 \* v\) - \(lr \* g\)\)\)'
loops_matches "RMSprop(0.02, 0.8, 0.5, 1e-6)" 'RMSprop(0.02, 0.8, 0.5, 1e-6)' \
    'v = \(\(0\.8 \* dense\.b\.v\[i\]\)' 'mom = \(\(0\.5 \* dense\.b\.momentum' 'sqrt\(\(v \+ 1e-06\)\)'
loops_matches "AdamW(0.01, 0.1, 0.7, 0.95, 1e-5, True)" 'AdamW(0.01, 0.1, 0.7, 0.95, 1e-5, True)' \
    'w = \(dense\.b\[i\] - \(\(lr \* 0\.1\)' 'm = \(\(0\.7 \* dense\.b\.m' 'v = \(\(0\.95 \* dense\.b\.v' \
    'vmax = max' 'sqrt\(vmax\) \+ 1e-05'
loops_matches "Adagrad(0.01, 0.2, 1e-3)" 'Adagrad(0.01, 0.2, 1e-3)' 'sqrt\(\(acc \+ 0\.201\)\)'
loops_matches "Adadelta(1.0, 0.5, 1e-5)" 'Adadelta(1.0, 0.5, 1e-5)' 'ag = \(\(0\.5 \* dense\.b\.accum_grad'
loops_matches "Nadam(0.004, 0.7, 0.9, 1e-4)" 'Nadam(0.004, 0.7, 0.9, 1e-4)' 'mu = \(0\.7 \*' 'b2t = pow\(0\.9, step\)'
loops_matches "Adam(0.01, 0.8, 0.99, 1e-6, True)" 'Adam(0.01, 0.8, 0.99, 1e-6, True)' \
    'm = \(\(0\.8 \* dense\.b\.m' 'vmax = max' 'sqrt\(vmax\) \+ 1e-06'

echo "keras: $passes passed, $fails failed"
[ $fails -eq 0 ]
