#!/bin/sh
# fashion.sh NNLC MODEL WORKDIR — compiles fashion_small.nn (f32) and trains it for two
# epochs on the first 4000 Fashion-MNIST training images; its accuracy on the full test
# set must exceed 0.78 (it reaches about 0.82; softmax regression gets about 0.77 from
# 5000 images). A few seconds on 2 cores. Skipped (exit 77) without the data set.
set -eu
nnlc=$1 model=$2 work=$3
dir=/usr/share/datasets/fashion-mnist
if [ ! -r "$dir/t10k-labels-idx1-ubyte.gz" ]; then
    echo "SKIP: $dir not found (apt-get install dataset-fashion-mnist)"
    exit 77
fi
mkdir -p "$work"
"$nnlc" "$model" -o "$work/fashion" 2>"$work/nnlc.err" || {
    cat "$work/nnlc.err" >&2
    exit 1
}
out=$("$work/fashion" --limit 4000 --threads 2)
printf '%s\n' "$out"
acc=$(printf '%s\n' "$out" | grep -Eo 'test_accuracy: [0-9.]+' | cut -d' ' -f2)
if awk -v a="$acc" 'BEGIN { exit !(a > 0.78) }'; then
    echo "fashion: test accuracy $acc > 0.78"
else
    echo "FAIL: test accuracy ${acc:-missing} <= 0.78"
    exit 1
fi
