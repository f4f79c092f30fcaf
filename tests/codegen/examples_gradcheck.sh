#!/usr/bin/env bash
# examples_gradcheck.sh NNLC EXAMPLES_DIR WORK_DIR
# The shipped convolutional examples, compiled in f64, pass --gradcheck on the first
# Fashion-MNIST images. Their ReLUs and max-pools put many inputs at a kink (zero biases
# over the images' zero background), where a central difference averages two slopes:
# the check must tell those from wrong gradients (runtime/gradcheck.c), and did not
# before (fashion_cnn's conv biases and resnet_bn's first convolution failed with
# correct gradients). resnet_bn runs at two seeds, fashion_cnn at one.
# Skipped (exit 77) without the Debian package dataset-fashion-mnist.
set -u
nnlc=$1 examples=$2 work=$3
. "$(dirname "$0")/../fashion_common.sh"
fashion_require
mkdir -p "$work"
for run in "fashion_cnn 42" "resnet_bn 42" "resnet_bn 3"; do
    set -- $run
    model=$1 seed=$2
    "$nnlc" --precision=f64 "$examples/$model.nn" -o "$work/$model" ||
        { echo "FAIL: nnlc could not compile $model"; exit 1; }
    out=$("$work/$model" --gradcheck --seed "$seed" 2>&1)
    if ! printf '%s\n' "$out" | grep -q '^gradcheck: passed'; then
        printf 'FAIL: %s --gradcheck --seed %s\n%s\n' "$model" "$seed" "$out"
        exit 1
    fi
    echo "$model (seed $seed): $(printf '%s\n' "$out" | tail -1)"
done
