#!/usr/bin/env bash
# learn.sh NNLC TASK WORK_DIR
# A short training run (seconds) that must learn a synthetic sequence task. The data is
# written here, from a seeded generator (awk), 2000 training and 500 test examples:
#   window_sum  GRU regression: the sum of 10 steps of U[-1, 1)  -> test RMSE < 0.15
#               (predicting the mean gives 1.8)
#   rising      LSTM classifier: 12 steps of 2 features, a slope of random sign plus
#               noise; is it rising?                           -> test accuracy >= 0.95
#   contains    embedding + SimpleRNN: does token 3 occur in 8 tokens of 10?
#                                                              -> test accuracy >= 0.95
#               (about 43% of sequences contain it)
set -eu
nnlc=$1 task=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
gen() { # gen SEED COUNT > file
    awk -v task="$task" -v seed="$1" -v n="$2" 'BEGIN {
        srand(seed)
        if (task == "window_sum") T = 10; else if (task == "rising") T = 24; else T = 8
        for (i = 0; i < T; i++) printf "x%d,", i
        print "label"
        for (r = 0; r < n; r++) {
            if (task == "window_sum") {
                s = 0
                for (i = 0; i < T; i++) { v = 2 * rand() - 1; s += v; printf "%.5f,", v }
                printf "%.5f\n", s
            } else if (task == "rising") {
                up = rand() < 0.5; slope = (up ? 1 : -1) * (0.05 + 0.1 * rand()); b = 2 * rand() - 1
                for (t = 0; t < 12; t++)   # (T=12, F=2): a feature with the trend, one of noise
                    printf "%.5f,%.5f,", b + slope * t + 0.15 * (rand() - 0.5), rand() - 0.5
                printf "%d\n", up
            } else {
                has = 0
                for (i = 0; i < T; i++) { v = int(10 * rand()); has = has || v == 3; printf "%d,", v }
                printf "%d\n", has
            }
        }
    }'
}
gen 11 2000 > "$work/$task.train.csv"
gen 22 500 > "$work/$task.test.csv"
"$nnlc" "$here/learn/$task.nn" -o "$work/$task" 2>/dev/null
out=$("$work/$task" --data "$work/$task.train.csv" --test "$work/$task.test.csv")
printf '%s\n' "$out" | grep -E '^[0-9]+/[0-9]+ - |^Test:' | tail -n 3
case $task in
window_sum) metric=test_rmse rule='v < 0.15' ;;
rising) metric=test_accuracy rule='v >= 0.95' ;;
*) metric=test_accuracy rule='v >= 0.95' ;;
esac
v=$(printf '%s\n' "$out" | grep -Eo "$metric: [0-9.]+" | cut -d' ' -f2)
[ -n "$v" ] || { echo "FAIL: no $metric in the output"; printf '%s\n' "$out"; exit 1; }
awk -v v="$v" "BEGIN { exit !($rule) }" || { echo "FAIL: $metric $v, expected $rule"; exit 1; }
echo "PASS: $task $metric $v ($rule)"
