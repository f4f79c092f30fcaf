#!/usr/bin/env bash
# bench/cnn.sh — long runs of the convolutional models (not part of make check).
#   1. examples/fashion_cnn.nn: the Keras tutorial CNN (93,322 parameters), 5 epochs on
#      the full Fashion-MNIST training set (20% held out for validation);
#      target: test accuracy >= 0.90.
#   2. examples/resnet_bn.nn: a residual CNN with batch normalization and augmentation
#      (78,298 parameters), its own 20 epochs (cosine-decayed lr); target: test accuracy
#      >= 0.92.
# Usage: bench/cnn.sh [cnn|resnet|all]   (NNLC, WORK, EPOCHS, THREADS override defaults)
# Prints one RESULT line per run (epochs, seconds, ms per step, test accuracy); exits 1 if
# a target is missed. Histories go to WORK/*.history.csv.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
nnlc=${NNLC:-$root/build/compiler/nnlc}
work=${WORK:-$root/build/bench-cnn}
epochs=${EPOCHS:-}   # default: each example's own train block
threads=${THREADS:-$(nproc)}
what=${1:-all}
mkdir -p "$work"
status=0

# bench NAME TARGET: compile examples/NAME.nn (f32), train, test, report.
bench() {
    local name=$1 target=$2
    "$nnlc" "$root/examples/$name.nn" -o "$work/$name" 2>"$work/$name.nnlc.log"
    local start=$SECONDS
    "$work/$name" ${epochs:+--epochs "$epochs"} --threads "$threads" \
        --history "$work/$name.history.csv" >"$work/$name.log"
    local secs=$((SECONDS - start))
    grep -E '^[0-9]+/[0-9]+ - |^Test:' "$work/$name.log"
    local acc step
    acc=$(grep -Eo 'test_accuracy: [0-9.]+' "$work/$name.log" | cut -d' ' -f2)
    step=$(grep -Eo '[0-9]+ms/step' "$work/$name.log" | tail -1)
    local verdict=PASS
    awk -v a="$acc" -v t="$target" 'BEGIN { exit !(a >= t) }' || { verdict=FAIL; status=1; }
    echo "RESULT $name: $epochs epochs in ${secs}s ($step, $threads threads), test accuracy $acc (target >= $target) $verdict"
}

case $what in
cnn) bench fashion_cnn 0.90 ;;
resnet) bench resnet_bn 0.92 ;;
all) bench fashion_cnn 0.90; bench resnet_bn 0.92 ;;
*) echo "usage: bench/cnn.sh [cnn|resnet|all]" >&2; exit 2 ;;
esac
exit $status
