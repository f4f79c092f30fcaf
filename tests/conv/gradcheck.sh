#!/bin/sh
# gradcheck.sh NNLC MODEL WORKDIR [CLASSES] — compiles MODEL in f64, writes 8 random
# examples that fit its input (features uniform in [-1, 1], labels 0..CLASSES-1, default 3)
# and runs the trainer's gradient check (every trainable tensor against central
# differences, tolerance 1e-6). Passes if the check passes.
set -eu
nnlc=$1 model=$2 work=$3 classes=${4:-3}
mkdir -p "$work"
name=$(basename "$model" .nn)
"$nnlc" --precision=f64 "$model" -o "$work/$name" 2>"$work/nnlc.err" || {
    cat "$work/nnlc.err" >&2
    exit 1
}
# Features per example: the product of the input shape, read from the graph IR.
features=$("$nnlc" --emit=ir "$model" | awk '/= input/ {
    s = $0; sub(/.*: \(B,/, "", s); sub(/\).*/, "", s)
    n = split(s, d, ","); p = 1; for (i = 1; i <= n; i++) p *= d[i]; print p; exit }')
awk -v f="$features" -v k="$classes" 'BEGIN {
    srand(7)
    for (j = 0; j < f; j++) printf "f%d,", j
    print "label"
    for (i = 0; i < 8; i++) {
        for (j = 0; j < f; j++) printf "%.4f,", rand() * 2 - 1
        print int(rand() * k)
    }
}' >"$work/data.csv"
out=$("$work/$name" --gradcheck --data "$work/data.csv" 2>&1) && status=0 || status=$?
printf '%s\n' "$out"
if [ "$status" -ne 0 ] || ! printf '%s\n' "$out" | grep -Eq '^gradcheck: passed: [0-9]+ tensors'; then
    echo "FAIL: gradient check of $model (exit $status)"
    exit 1
fi
