#!/bin/sh
# keras.sh NNLC — Keras' spellings in the train block and Python's in values are accepted:
# optimizer, loss and metric class names (any case), True/False, single-quoted strings,
# names in quotes, padding in any case.
set -u
nnlc=$1
fails=0 passes=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# accept PATTERN LOSS OPTIMIZER METRICS: the summary of a 3-class model trained so must
# match PATTERN.
accept() {
    printf "model m { input [4] dense(3, activation=softmax, use_bias=True) }
train { loss = %s  optimizer = %s  metrics = %s  data = csv('d.csv', header=False) }\n" \
        "$2" "$3" "$4" >"$tmp/m.nn"
    if "$nnlc" --summary "$tmp/m.nn" >"$tmp/out" 2>&1 && grep -Eq -- "$1" "$tmp/out"; then
        passes=$((passes + 1))
    else
        echo "FAIL: loss=$2 optimizer=$3 metrics=$4, output:" >&2
        sed 's/^/    /' "$tmp/out" >&2
        fails=$((fails + 1))
    fi
}

ce=SparseCategoricalCrossentropy
accept '\(sgd: 1 slot'      "$ce()" 'SGD(learning_rate=0.1, momentum=0.9, nesterov=True)' accuracy
accept '\(rmsprop: 1 slot'  "$ce" 'RMSprop()' '[accuracy]'
accept '\(adam: 2 slots'    CategoricalCrossentropy 'Adam(beta_1=0.8)' accuracy
accept '\(adagrad: 1 slot'  sparse_categorical_crossentropy Adagrad accuracy
accept '\(adadelta: 2 slots' "$ce" 'Adadelta()' accuracy
accept '\(nadam: 2 slots'   "$ce" Nadam accuracy
accept '\(adamw: 2 slots'   "$ce" 'AdamW(weight_decay=0.01)' accuracy
accept '\(adam: 2 slots'    MeanSquaredError ADAM '[RootMeanSquaredError(), MeanAbsoluteError()]'
accept '\(sgd: 0 slots'     'MeanAbsoluteError()' sgd MeanSquaredError
accept 'Total params: 15'   "$ce" adam "['acc']"
accept 'Total params: 15'   "$ce" adam "['sparse_categorical_accuracy']"
accept 'Total params: 15'   CategoricalCrossentropy adam 'CategoricalAccuracy()'
accept 'Total params: 15'   "$ce" adam 'SparseCategoricalAccuracy'

# Names in quotes, as Keras writes them.
printf "model m { input [8, 8, 1] conv2d(4, (3, 3), padding='same', activation='relu') flatten()
  dense(3, activation=\"softmax\") }
train { loss = 'sparse_categorical_crossentropy'  optimizer = 'rmsprop'  data = csv('d.csv') }\n" >"$tmp/q.nn"
if "$nnlc" --summary "$tmp/q.nn" >"$tmp/out" 2>&1 && grep -q 're_lu\|conv2d' "$tmp/out"; then
    passes=$((passes + 1))
else
    echo "FAIL: quoted names, output:" >&2
    sed 's/^/    /' "$tmp/out" >&2
    fails=$((fails + 1))
fi

# padding in any case, as Keras lower-cases it ('SAME' is TensorFlow's spelling).
printf "model m { input [8, 8, 1] conv2d(2, 3, padding='SAME') maxpool2d(3, padding=Valid)
  flatten() dense(2, activation=softmax) }
train { loss = sparse_categorical_crossentropy  data = csv('d.csv') }\n" >"$tmp/p.nn"
if "$nnlc" --summary "$tmp/p.nn" >"$tmp/out" 2>&1 && grep -Eq 'conv2d \(Conv2D\) +\(None, 8, 8, 2\)' "$tmp/out" &&
    grep -Eq 'max_pooling2d \(MaxPooling2D\) +\(None, 2, 2, 2\)' "$tmp/out"; then
    passes=$((passes + 1))
else
    echo "FAIL: padding='SAME', output:" >&2
    sed 's/^/    /' "$tmp/out" >&2
    fails=$((fails + 1))
fi

# fit()'s arguments as Keras spells them: shuffle=False, verbose='auto' (or 0, 1, 2),
# validation_data (a data source; what a trainer makes of them is codegen/settings.sh).
for fit in "shuffle=False  verbose='auto'  validation_data=csv('v.csv')" "shuffle=True  verbose=0" \
           "verbose=2  validation_data=npy('vx.npy', 'vy.npy')"; do
    printf "model m { input [4] dense(3, activation='softmax') }
train { loss = 'sparse_categorical_crossentropy'  data = csv('d.csv')  %s }\n" "$fit" >"$tmp/f.nn"
    if "$nnlc" --summary "$tmp/f.nn" >"$tmp/out" 2>&1 && grep -q 'Total params: 15' "$tmp/out"; then
        passes=$((passes + 1))
    else
        echo "FAIL: $fit, output:" >&2
        sed 's/^/    /' "$tmp/out" >&2
        fails=$((fails + 1))
    fi
done

echo "keras: $passes passed, $fails failed"
[ $fails -eq 0 ]
