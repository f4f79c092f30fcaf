#!/bin/sh
# bn_moving.sh NNLC MODEL WORKDIR — batch norm's training and evaluation modes: one
# training step over x = 1, 2, 3, 4 normalizes with the batch's statistics (loss =
# mean of ((x − 2.5)/√(1.25 + 0.001))² = 0.9992), updates the moving statistics to
# mean 1.25 and variance 1.125 (momentum 0.5, biased batch variance as Keras), and
# prediction afterwards uses them: y = (x − 1.25)/√1.126.
set -eu
nnlc=$1 model=$2 work=$3
mkdir -p "$work"
"$nnlc" --precision=f64 "$model" -o "$work/bn" 2>"$work/nnlc.err" || {
    cat "$work/nnlc.err" >&2
    exit 1
}
printf 'x,y\n1,0\n2,0\n3,0\n4,0\n' >"$work/train.csv"
printf 'x\n1\n2\n3\n4\n' >"$work/x.csv"
train=$("$work/bn" --data "$work/train.csv" --save "$work/bn.safetensors" --threads 1)
printf '%s\n' "$train"
if ! printf '%s\n' "$train" | grep -q 'loss: 0.9992 '; then
    echo "FAIL: the training step did not normalize with the batch's statistics"
    exit 1
fi
"$work/bn" --load "$work/bn.safetensors" --predict "$work/x.csv" >"$work/out.csv"
cat "$work/out.csv"
awk -F, 'NR > 1 {
    want = ($1 + 1 - 1.25) / sqrt(1.126); d = $2 - want
    if (d < -1e-5 || d > 1e-5) { printf "FAIL: row %d: %s, expected %.6g\n", $1, $2, want; bad = 1 }
    n++
} END { if (bad || n != 4) exit 1; print "bn_moving: evaluation uses the moving statistics" }' \
    "$work/out.csv"
