#!/bin/sh
# outputs.sh NNLC WORK_DIR — what a generated trainer writes besides its progress: the
# --predict and --history CSV files (RFC 4180 quoting of class names, every metric the
# console shows), what --quiet still prints, the warnings at the start of training, and
# write errors (a full disk) of the trainer and of nnlc.
# Each case names what it checks when it fails.
set -u
nnlc=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cases.sh"
compile() { "$nnlc" "$1.nn" -o "$1" || { echo "FAIL: nnlc could not compile $1.nn"; exit 1; }; }

awk 'BEGIN { print "a,b,c,y"; for (i = 0; i < 40; i++) printf "%d,%d,%d,%d\n", i % 7, i % 5, i % 3, i % 3 }' >cls.csv

# --predict: class names holding a comma, a quote or a newline are quoted (RFC 4180), so
# every row has as many fields as the header.
cat >names.nn <<'NN'
model names { input [3] dense(3, activation=softmax) }
train { loss = sparse_categorical_crossentropy  epochs = 1  batch = 8
        data = csv("cls.csv")  classes = ["low, small", "mid \"x\"", "hi\nbig"] }
NN
compile names
./names --save names.st --quiet >/dev/null || fail "training names"
printf 'a,b,c\n0,0,0\n1,1,1\n2,2,2\n6,4,2\n' >p.csv
./names --load names.st --predict p.csv >pred.csv || fail "--predict names"
grep -q '^[0-9]*,0,"low, small",' pred.csv && grep -q '^[0-9]*,1,"mid ""x""",' pred.csv &&
    ! grep -q ',low, small,' pred.csv || fail "--predict does not quote class names: $(cat pred.csv)"
# A CSV reader gets the header's 6 fields in every row (when Python is there to check).
if command -v python3 >/dev/null; then python3 - pred.csv <<'PY' || fails=$((fails + 1))
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
names = {"low, small", 'mid "x"', "hi\nbig"}
bad = [r for r in rows if len(r) != len(rows[0])]
bad += [r for r in rows[1:] if r[2] not in names]
if len(rows) != 5 or bad:
    print("FAIL: --predict CSV does not parse back into 5 rows of", len(rows[0]), "fields:", rows)
    sys.exit(1)
PY
fi
# The confusion matrix shows each class on one line: a newline in a name becomes a space.
check 0 '   2 hi big +[0-9]+ +[0-9]+ +[0-9]+ ' ./names --load names.st --evaluate --test cls.csv

# Class names from a CSV file that names fewer classes than the model has (2 of 3): the
# confusion matrix and --predict leave the third unnamed (before: a crash reading past
# the two names).
awk 'BEGIN { print "a,b,c,y"; for (i = 0; i < 40; i++) printf "%d,%d,%d,%s\n", i % 7, i % 5, i % 3, (i % 2 ? "dog" : "cat") }' >two.csv
cat >three.nn <<'NN'
model three { input [3] dense(3, activation=softmax) }
train { loss = sparse_categorical_crossentropy  epochs = 1  batch = 8
        data = csv("two.csv")  test = csv("two.csv") }
NN
compile three
check 0 '^   2 +0 +0 +0 +-$' ./three --save three.st
./three --load three.st --predict p.csv >pred3.csv 2>&1 || fail "--predict with 2 names for 3 classes: $(cat pred3.csv)"
[ "$(grep -c '^[0-9],[0-2],\(cat\|dog\|\),' pred3.csv)" -eq 4 ] || fail "--predict rows: $(cat pred3.csv)"
# A class name with a line break (a quoted CSV label) survives the checkpoint: --predict
# names it and --evaluate maps the labels as training did (before: split into two names).
awk 'BEGIN { print "a,b,c,y"; for (i = 0; i < 40; i++) printf "%d,%d,%d,%s\n", i % 7, i % 5, i % 3, (i % 2 ? "\"x\ny\"" : "z") }' >nl.csv
cat >nl.nn <<'NN'
model nl { input [3] dense(2, activation=softmax) }
train { loss = sparse_categorical_crossentropy  epochs = 1  batch = 8  data = csv("nl.csv") }
NN
compile nl
./nl --save nl.st --quiet >/dev/null || fail "training nl"
./nl --load nl.st --predict p.csv >prednl.csv || fail "--predict nl"
if command -v python3 >/dev/null; then python3 - prednl.csv <<'PY' || fails=$((fails + 1))
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
bad = [r for r in rows[1:] if r[2] != ("x\ny" if r[1] == "0" else "z")]
if len(rows) != 5 or bad:
    print("FAIL: class names after a checkpoint:", rows)
    sys.exit(1)
PY
fi
check 0 'Test: 40 examples' ./nl --load nl.st --evaluate --test nl.csv

# --history: one column per value the console shows (top-k included), empty validation
# fields without validation data.
cat >val.nn <<'NN'
model val { input [3] dense(3, activation=softmax) }
train { loss = sparse_categorical_crossentropy  epochs = 2  batch = 8  validation = 0.25
        metrics = [accuracy, top_k(2)]  data = csv("cls.csv") }
NN
compile val
./val --history h.csv >val.out || fail "training val"
head -1 h.csv | grep -qx 'epoch,loss,accuracy,top_2_accuracy,val_loss,val_accuracy,val_top_2_accuracy,lr,seconds' ||
    fail "history header: $(head -1 h.csv)"
[ "$(awk -F, 'NR > 1 && NF == 9' h.csv | wc -l)" -eq 2 ] || fail "history rows: $(cat h.csv)"
# The last epoch's top-2 accuracy in the history is the console's.
top2=$(tail -1 h.csv | awk -F, '{ printf "%.4f", $4 }')
grep -q "Epoch 2/2" val.out && grep -q " - top_2_accuracy: $top2 " val.out ||
    fail "history top_2_accuracy $top2 is not the console's: $(cat val.out)"
# Metrics in the order the train block lists them, as Keras shows them (they came in a
# fixed order: rmse before mae, accuracy before top-k): the progress line, the --history
# columns and the final line alike; metrics = [] leaves the loss alone (accuracy was
# shown all the same).
awk 'BEGIN { print "a,b,y"; for (i = 0; i < 16; i++) printf "%d,%d,%g\n", i % 5, i % 3, i / 4 }' >reg.csv
cat >order.nn <<'NN'
model order { input [2] dense(1) }
train { loss = mse  epochs = 1  batch = 4  validation = 0.25  verbose = 2
        metrics = [mae, mse, rmse]  data = csv("reg.csv") }
NN
compile order
check 0 ' - loss: [0-9.]+ - mae: [0-9.]+ - mse: [0-9.]+ - rmse: [0-9.]+ - val_loss: [0-9.]+ - val_mae: [0-9.]+ - val_mse: [0-9.]+ - val_rmse: [0-9.]+$' ./order
./order --history ho.csv --quiet >order.out || fail "training order with --history"
head -1 ho.csv | grep -qx 'epoch,loss,mae,mse,rmse,val_loss,val_mae,val_mse,val_rmse,lr,seconds' ||
    fail "history header not in the metrics' order: $(head -1 ho.csv)"
grep -Eqx 'Validation: 4 examples - val_loss: [0-9.]+ - val_mae: [0-9.]+ - val_mse: [0-9.]+ - val_rmse: [0-9.]+' order.out ||
    fail "final line not in the metrics' order: $(cat order.out)"
sed 's/metrics = .*/metrics = [top_k(2), accuracy]  data = csv("cls.csv") }/; s/loss = mse/loss = sparse_categorical_crossentropy/; s/dense(1)/dense(3, activation=softmax)/; s/input \[2\]/input [3]/' order.nn >topk.nn
compile topk
check 0 ' - loss: [0-9.]+ - top_2_accuracy: [0-9.]+ - accuracy: [0-9.]+ - val_loss: [0-9.]+ - val_top_2_accuracy: [0-9.]+ - val_accuracy: [0-9.]+$' ./topk
sed 's/metrics = .*/metrics = []  data = csv("cls.csv") }/' topk.nn >none.nn
compile none
check 0 ' - loss: [0-9.]+ - val_loss: [0-9.]+$' ./none
./none --history hnone.csv --quiet >none.out || fail "training none with --history"
head -1 hnone.csv | grep -qx 'epoch,loss,val_loss,lr,seconds' || fail "metrics = []: history header $(head -1 hnone.csv)"
grep -Eqx 'Validation: 10 examples - val_loss: [0-9.]+' none.out || fail "metrics = []: final line $(cat none.out)"
./names --history hn.csv --quiet >/dev/null || fail "training names with --history"
[ "$(sed -n 2p hn.csv | cut -d, -f4,5)" = "," ] || fail "no validation: expected empty val fields: $(cat hn.csv)"

# --quiet still prints the result: validation metrics without a test set, the last
# epoch's training metrics without either, the test line with a test set.
check 0 '^Validation: 10 examples - val_loss: [0-9.]+ - val_accuracy: [0-9.]+ - val_top_2_accuracy: [0-9.]+$' ./val --quiet
[ "$(./val --quiet | wc -l)" -eq 1 ] || fail "--quiet with validation: not one line: $(./val --quiet)"
check 0 '^Training, epoch 1: 40 examples - loss: [0-9.]+ - accuracy: [0-9.]+$' ./names --quiet
check 0 '^Test: 40 examples - test_loss: ' ./val --quiet --test cls.csv

# early_stopping / reduce_on_plateau without validation data: one warning before training
# says what they watch instead and how to add validation data; none with validation.
monitored() { # NAME SETTINGS
    printf 'model %s { input [3] dense(3, activation=softmax) }\n' "$1"
    printf 'train { loss = sparse_categorical_crossentropy  epochs = 3  batch = 8  %s\n' "$2"
    printf '        data = csv("cls.csv") }\n'
}
monitored es 'early_stopping = 2' >es.nn
monitored rop 'schedule = reduce_on_plateau(patience=1)' >rop.nn
monitored both 'early_stopping = 2  schedule = reduce_on_plateau()' >both.nn
monitored esval 'early_stopping = 2  validation = 0.25' >esval.nn
for m in es rop both esval; do compile $m; done
check 0 "^es: warning: early_stopping watches val_loss, but there is no validation data: stopping will follow the training loss instead; add 'validation = 0.2' \\(or a data source\\) to the train block" ./es --quiet
check 0 "^rop: warning: reduce_on_plateau watches val_loss, but there is no validation data: lr reductions will follow the training loss" ./rop --quiet
check 0 "^both: warning: early_stopping and reduce_on_plateau watch val_loss, but there is no validation data: stopping and lr reductions will follow" ./both --quiet
[ "$(./both 2>&1 >/dev/null | grep -c warning)" -eq 1 ] || fail "the no-validation warning is not printed once"
[ -z "$(./esval --quiet 2>&1 >/dev/null)" ] || fail "a warning with validation data: $(./esval --quiet 2>&1 >/dev/null)"
# Keras' EarlyStopping without a patience takes Keras' default, 0, which acts as 1: no
# epoch improves by min_delta=1e9, so it stops after epoch 2, as Keras' does (it stopped
# after epoch 4, with nnlc's early_stopping()'s default of 3, which stays).
monitored ksz "early_stopping = EarlyStopping(monitor='val_loss', min_delta=1e9)" >ksz.nn
monitored esz 'early_stopping = early_stopping(min_delta=1e9)' >esz.nn
for m in ksz esz; do compile $m; done
check 0 '^Epoch 2: early stopping$' ./ksz --epochs 9 --verbose 2
check 0 '^Epoch 4: early stopping$' ./esz --epochs 9 --verbose 2
# --lr with --resume of a reduce_on_plateau run is the lr from there on (the checkpoint's
# plateau lr replaced it without a word); without --lr the checkpoint's goes on.
rm -f rop.st rop.csv rop_lr.csv
./rop --epochs 1 --save rop.st --quiet 2>/dev/null >/dev/null || fail "training rop"
./rop --resume rop.st --epochs 2 --lr 0.5 --history rop_lr.csv --quiet 2>/dev/null >/dev/null
[ "$(awk -F, 'NR == 2 { print $(NF - 1) }' rop_lr.csv)" = 0.5 ] ||
    fail "--resume --lr 0.5 of a reduce_on_plateau run: $(cat rop_lr.csv)"
./rop --resume rop.st --epochs 2 --history rop.csv --quiet 2>/dev/null >/dev/null
[ "$(awk -F, 'NR == 2 { print $(NF - 1) }' rop.csv)" = 0.001 ] ||
    fail "--resume of a reduce_on_plateau run without --lr: $(cat rop.csv)"

# A full disk: --history, the trainer's output (--predict above all) and nnlc's outputs
# fail with a message and a non-zero exit instead of losing the data with exit 0. A
# private /dev/full (needs root to create; skipped otherwise), removed at the end.
rm -f full
if mknod -m 666 full c 1 7 2>/dev/null; then
    check 1 "^names: error: --history: cannot write full: No space left on device" \
        ./names --quiet --history full
    check 1 "^names: error: cannot write standard output: " sh -c './names --load names.st --predict p.csv >full'
    check 1 "^names: error: cannot write standard output: " sh -c './names --epochs 2 >full'
    check 1 "^names: error: cannot write standard output: " sh -c './names --help >full'
    check 2 "^nnlc: error: cannot write standard output: " sh -c '"$0" --summary names.nn >full' "$nnlc"
    check 2 "^nnlc: error: cannot write standard output: " sh -c '"$0" --emit=llvm names.nn >full' "$nnlc"
    check 2 "^nnlc: error: cannot write 'full': No space left on device" "$nnlc" -S names.nn -o full
    check 2 "^nnlc: error: cannot write 'full': No space left on device" "$nnlc" --emit=ir names.nn -o full
    [ -c full ] || fail "the full device was replaced by a file"
    rm -f full
fi

[ $fails -eq 0 ] && echo "outputs: every file and message as expected"
[ $fails -eq 0 ]
