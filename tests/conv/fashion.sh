#!/bin/sh
# fashion.sh NNLC MODEL WORKDIR — compiles fashion_small.nn (f32) and trains it for two
# epochs on the first 4000 Fashion-MNIST training images; its accuracy on the full test
# set must exceed 0.78 (it reaches about 0.82; softmax regression gets about 0.77 from
# 5000 images). A few seconds on 2 cores. Skipped (exit 77) without the data set.
set -eu
nnlc=$1 model=$2 work=$3
. "$(dirname "$0")/../fashion_common.sh"
fashion_require
mkdir -p "$work"
"$nnlc" "$model" -o "$work/fashion" 2>"$work/nnlc.err" || {
    cat "$work/nnlc.err" >&2
    exit 1
}
out=$("$work/fashion" --limit 4000 --threads 2)
printf '%s\n' "$out"
fashion_accuracy_above "$out" 0.78 fashion
