#!/bin/sh
# settings.sh NNLC WORK_DIR — the train settings of Keras' fit() through a generated
# trainer, and the trainer options that override them:
#   shuffle = false / --no-shuffle   training examples in file order every epoch, checked
#                                    against plain SGD computed here in that order;
#                                    --shuffle and the default shuffle differ from it
#   verbose = 0, 1, 2 / --verbose    only the final result; a progress bar on a
#                                    terminal; one line per epoch; --quiet is --verbose 0
#   validation_data = csv(…)         Keras' spelling of validation = <source>
#   --limit N with --predict FILE    predicts the first N rows of FILE (a series: windows;
#                                    without --limit every complete window, the last too)
#   --limit N with --evaluate        evaluates the first N examples of the test set
#   series(…, horizon=0)             the target of each window's last row: every complete
#                                    window an example, in training and in --predict
# Each case names what it checks when it fails.
set -u
nnlc=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cases.sh"
compile() { "$nnlc" --precision=f64 "$1.nn" -o "$1" || { echo "FAIL: nnlc could not compile $1.nn"; exit 1; }; }

# y = w·x + b from zero weights, one example per step: the weights after two epochs depend
# on the order the examples come in.
cat >lin.csv <<'CSV'
x,y
1,2
2,1
-1,0
0.5,3
3,-1
-2,1
CSV
printf 'x,y\n1,1\n-1,2\n' >lin_val.csv
printf 'x\n0\n1\n' >at.csv
cat >lin_off.nn <<'NN'
model lin_off { input [1] dense(1, kernel_initializer=zeros) }
train { loss = mse  optimizer = sgd(lr=0.05)  epochs = 2  batch = 1  data = csv("lin.csv")
        shuffle = false  verbose = 0 }
NN
cat >lin_on.nn <<'NN'
model lin_on { input [1] dense(1, kernel_initializer=zeros) }
train { loss = mse  optimizer = sgd(lr=0.05)  epochs = 2  batch = 1  data = csv("lin.csv")
        validation_data = csv("lin_val.csv")  verbose = 2 }
NN
compile lin_off
compile lin_on

# SGD on (p − y)², p = w·x + b, rows in file order, two epochs: b and w + b, what
# --predict prints for x = 0 and x = 1.
expected=$(awk -F, 'BEGIN { n = 0 } NR > 1 { x[n] = $1; y[n++] = $2 }
    END { w = 0; b = 0
          for (e = 0; e < 2; e++) for (i = 0; i < n; i++) {
              g = 2 * (w * x[i] + b - y[i]); w -= 0.05 * g * x[i]; b -= 0.05 * g }
          printf "%.5f %.5f\n", b, w + b }' lin.csv)
# predicted TRAINER [OPTIONS]: its two predictions after training, as "b w+b".
predicted() {
    t=$1
    shift
    "./$t" --save "$t.st" "$@" >/dev/null || { echo "training failed"; return; }
    "./$t" --load "$t.st" --predict at.csv | awk -F, 'NR > 1 { printf "%s%.5f", (NR > 2 ? " " : ""), $2 }'
}
same() { [ "$2" = "$expected" ] || fail "$1: predictions $2, SGD in file order gives $expected"; }
differs() { [ "$2" != "$expected" ] || fail "$1: predictions $2 are those of file order (no shuffling)"; }
same "shuffle = false" "$(predicted lin_off)"
same "shuffle = false, another seed" "$(predicted lin_off --seed 7)"
differs "shuffle = false, --shuffle" "$(predicted lin_off --shuffle)"
differs "default shuffle" "$(predicted lin_on)"
same "default shuffle, --no-shuffle" "$(predicted lin_on --no-shuffle)"
# the last of --shuffle and --no-shuffle counts
same "--shuffle --no-shuffle" "$(predicted lin_on --shuffle --no-shuffle)"
differs "--no-shuffle --shuffle" "$(predicted lin_on --no-shuffle --shuffle)"
# the trainers' --help say which is the model's default
check 0 '--no-shuffle +visit them in file order every epoch .*\(default\)' ./lin_off --help
check 0 '--shuffle +visit the training examples in a new random order every epoch \(default\)' ./lin_on --help
check 0 '--verbose N .*\(default 0\)' ./lin_off --help
check 0 '--verbose N .*\(default 2\)' ./lin_on --help
# validation_data is the model's validation source
check 0 'validation +CSV .*lin_val.csv' ./lin_on --help

# verbose = 0: only the final result, one line (the last epoch's training metrics)
./lin_off >v0.txt 2>&1 || fail "verbose = 0: training failed"
[ "$(wc -l <v0.txt)" -eq 1 ] && grep -Eq '^Training, epoch 2: 6 examples - loss: [0-9.]+ - rmse: [0-9.]+ - mae: [0-9.]+$' v0.txt ||
    fail "verbose = 0 prints more than the final result: $(cat v0.txt)"
check 0 'Epoch 2/2' ./lin_off --verbose 1
check 0 'Epoch 2/2' ./lin_off --verbose=2
# verbose = 2: the Epoch lines and one line per epoch, with the validation of validation_data
./lin_on >v2.txt 2>&1 || fail "verbose = 2: training failed"
[ "$(grep -c '^Epoch [12]/2$' v2.txt)" -eq 2 ] &&
    [ "$(grep -Ec '^6/6 - [0-9]+s [0-9]+[mu]?s/step - loss: [0-9.]+ - rmse: .* - val_loss: [0-9.]+ - val_rmse: [0-9.]+ - val_mae: [0-9.]+$' v2.txt)" -eq 2 ] ||
    fail "verbose = 2 with validation_data: $(cat v2.txt)"
# --quiet is --verbose 0, and the last of them counts
for args in "--quiet" "--verbose 0" "--verbose 2 --quiet"; do
    # shellcheck disable=SC2086
    ./lin_on $args >q.txt 2>&1 || fail "lin_on $args: training failed"
    [ "$(wc -l <q.txt)" -eq 1 ] && grep -Eq '^Validation: 2 examples - val_loss: [0-9.]+ - val_rmse: [0-9.]+ - val_mae: [0-9.]+$' q.txt ||
        fail "lin_on $args prints more than the final result: $(cat q.txt)"
done
check 0 'Epoch 2/2' ./lin_on --quiet --verbose 2
# usage errors, exit 2
check 2 "error: --verbose expects 0 to 2 or auto, got '3'" ./lin_on --verbose 3
check 2 "error: --verbose needs a value" ./lin_on --verbose
check 2 "error: --shuffle takes no value" ./lin_on --shuffle=false

# On a terminal (script(1) gives it one), verbose 1 draws the bar, verbose 2 does not.
if command -v script >/dev/null; then
    script -qec "./lin_on --verbose 1" /dev/null >tty1.txt 2>&1 </dev/null
    script -qec "./lin_on" /dev/null >tty2.txt 2>&1 </dev/null
    grep -q '6/6 \[==============================\]' tty1.txt ||
        fail "--verbose 1 on a terminal draws no progress bar: $(cat tty1.txt)"
    grep -q 'Epoch 2/2' tty2.txt && ! grep -q '\[=' tty2.txt ||
        fail "verbose = 2 on a terminal draws a progress bar: $(cat tty2.txt)"
else
    echo "note: script(1) missing, the terminal cases are skipped"
fi

# --limit N with --predict: the first N rows of FILE (before: every row).
awk 'BEGIN { print "x"; for (i = 0; i < 50; i++) print i / 10 }' >many.csv
./lin_off --load lin_off.st --predict many.csv --limit 3 >lim.csv 2>&1 || fail "--predict --limit 3 failed"
[ "$(cat lim.csv | tr '\n' ' ')" = "$(./lin_off --load lin_off.st --predict many.csv | head -4 | tr '\n' ' ')" ] ||
    fail "--predict many.csv --limit 3 is not the header and the first 3 rows: $(cat lim.csv)"
./lin_off --load lin_off.st --predict many.csv --limit 1000 >lim.csv 2>&1 || fail "--predict --limit 1000 failed"
[ "$(wc -l <lim.csv)" -eq 51 ] || fail "--predict many.csv --limit 1000: $(wc -l <lim.csv) lines, not 51"

# --limit N with --evaluate: the first N examples of the test set, whether it is a test file
# or the test part of a split of the whole training data (before: ignored for a test file,
# and with a split it cut the training data, so that the test set had N/4 examples).
awk 'BEGIN { print "x,y"; for (i = 0; i < 200; i++) print i / 100 "," (i % 7) / 3 }' >ev.csv
awk 'BEGIN { print "x,y"; for (i = 0; i < 30; i++) print i / 30 "," i % 2 }' >ev_test.csv
cat >ev.nn <<'NN'
model ev { input [1] dense(1) }
train { loss = mse  epochs = 1  data = csv("ev.csv")  split = [2, 1, 1]  verbose = 0 }
NN
compile ev
./ev --save ev.st >/dev/null 2>&1 || fail "ev: training failed"
check 0 '^Test: 50 examples - test_loss' ./ev --load ev.st --evaluate
check 0 '^Test: 10 examples - test_loss' ./ev --load ev.st --evaluate --limit 10
check 0 '^Test: 10 examples - test_loss' ./ev --load ev.st --evaluate --limit 10 --test ev_test.csv
check 0 '^Test: 30 examples - test_loss' ./ev --load ev.st --evaluate --test ev_test.csv
# a limit past the test set changes nothing: the split is of the whole training data
[ "$(./ev --load ev.st --evaluate --limit 50)" = "$(./ev --load ev.st --evaluate)" ] ||
    fail "--evaluate --limit 50 does not evaluate the 50 examples --evaluate does"
# A series' examples are its windows: --predict --limit 3 predicts 3 windows (3 rows could
# not make one window of 5), as the docs now say.
awk 'BEGIN { print "t,a,b"; for (i = 0; i < 40; i++) print i "," sin(i / 5) "," cos(i / 5) }' >ser.csv
head -n 5 ser.csv >ser_short.csv
cat >ser.nn <<'NN'
model ser { input [5, 2] flatten() dense(1) }
train { loss = mse  epochs = 1  verbose = 0  data = series("ser.csv", inputs=["a", "b"], target="a", window=5) }
NN
compile ser
./ser --save ser.st >/dev/null 2>&1 || fail "ser: training failed"
[ "$(./ser --load ser.st --predict ser.csv --limit 3 | wc -l)" -eq 4 ] ||
    fail "series --predict --limit 3 does not print a header and 3 windows"
# --predict needs no target: every complete window is cut, the last one (rows 35..39 of
# 40) too, whose target would be row 40, past the end; it was dropped, and a file of the
# latest 5 rows, the forecast a series model is for, was "too few for windows".
[ "$(./ser --load ser.st --predict ser.csv | wc -l)" -eq 37 ] ||
    fail "series --predict of 40 rows does not print a header and 36 windows"
{ echo "a,b"; tail -n 5 ser.csv | cut -d, -f2,3; } >ser_last.csv
last=$(./ser --load ser.st --predict ser_last.csv 2>&1)
[ "$last" = "$(printf 'row,y0\n0,%s' "$(./ser --load ser.st --predict ser.csv | tail -n 1 | cut -d, -f2)")" ] ||
    fail "series --predict of the last 5 rows does not forecast what the whole file's last window does: $last"
check 1 'ser_short.csv: 4 rows are too few for a window of 5 steps' ./ser --load ser.st --predict ser_short.csv
# horizon=0: each window's target is its last row's (nnlc refused horizon=0, which the
# trainer took): b = 2a + 1 row by row is learned exactly from windows of one row, every
# one of the 40 rows a window (39 with horizon=1, and nothing to learn), and --predict's
# last window gives the last row's b.
awk 'BEGIN { srand(3); print "t,a,b"; for (i = 0; i < 40; i++) { a = 2 * rand() - 1; print i "," a "," 2 * a + 1 } }' >now.csv
cat >now.nn <<'NN'
model now { input [1] dense(1) }
train { loss = mse  optimizer = adam(lr=0.1)  epochs = 100  batch = 8  verbose = 0  split = [0.8, 0, 0.2]
        data = series("now.csv", inputs=["a"], target="b", window=1, horizon=0, standardize=false) }
NN
compile now
check 0 '^Test: 8 examples - test_loss: [0-9.e-]+ - test_rmse: [0-9.]+e-0[5-9]' ./now --save now.st
last=$(./now --load now.st --predict now.csv | tail -n 1)
awk -F, -v last="$last" 'END { split(last, p, ","); d = p[2] - $3
    exit !(p[1] == 39 && d < 1e-4 && d > -1e-4) }' now.csv ||
    fail "series horizon=0: --predict's last window ($last) is not row 39's b ($(tail -n 1 now.csv))"
# one example, one 'example'
check 0 '^Training, epoch 2: 1 example - loss' ./lin_off --limit 1
check 0 '^Test: 1 example - test_loss' ./ev --load ev.st --evaluate --limit 1

[ "$fails" -eq 0 ] && echo "settings: shuffle, verbose, validation_data, --predict --limit, --evaluate --limit, horizon=0: ok"
exit $((fails > 0))
