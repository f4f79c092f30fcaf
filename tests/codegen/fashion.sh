#!/usr/bin/env bash
# fashion.sh NNLC MODEL WORK_DIR
# End to end: nnlc compiles MODEL (examples/mlp.nn: 784 → 100 sigmoid → 10 softmax,
# RMSprop), and the trainer, run for one epoch on the first 5,000 Fashion-MNIST
# training images, must exceed 70% accuracy on the 10,000 real test images, in seconds.
# The model is compiled from a copy without its validation split, so all 5,000 images
# train (157 steps of 32). It reaches 0.738 (seed 42; seeds 1-5 give 0.71-0.75, as
# PyTorch does on the same data).
# Skipped (exit 77) without the Debian package dataset-fashion-mnist.
set -u
nnlc=$1 model=$2 work=$3
. "$(dirname "$0")/../fashion_common.sh"
fashion_require
dir=$fashion_dir
mkdir -p "$work"
rm -f "$work/fashion"
sed 's/validation = [0-9.]*//' "$model" > "$work/fashion.nn"
"$nnlc" "$work/fashion.nn" -o "$work/fashion" || { echo "FAIL: nnlc could not compile $model"; exit 1; }
start=$(date +%s.%N)
out=$("$work/fashion" --limit 5000 --epochs 1 --threads 2 \
      --data "$dir/train-images-idx3-ubyte.gz" "$dir/train-labels-idx1-ubyte.gz" \
      --test "$dir/t10k-images-idx3-ubyte.gz" "$dir/t10k-labels-idx1-ubyte.gz" 2>&1)
code=$?
seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
printf '%s\n' "$out"
[ $code -eq 0 ] || { echo "FAIL: the trainer exited with $code"; exit 1; }
grep -q '^Epoch 1/1$' <<<"$out" || { echo "FAIL: no 'Epoch 1/1' line"; exit 1; }
grep -Eq '^157/157 - ' <<<"$out" || { echo "FAIL: expected 157 steps (5000 images, batch 32)"; exit 1; }
grep -q '^Test: 10000 examples - ' <<<"$out" || { echo "FAIL: the test set is not the 10,000 images"; exit 1; }
fashion_accuracy_above "$out" 0.70 fashion "in ${seconds}s"
