#!/usr/bin/env bash
# e2e_fashion.sh TRAINER
# Softmax regression trained on the first 5000 Fashion-MNIST images for one epoch must
# exceed 70% accuracy on the full 10,000-image test set (it reaches about 77%).
# Skipped (exit 77) when the Debian package dataset-fashion-mnist is not installed.
set -eu
trainer=$1
dir=/usr/share/datasets/fashion-mnist
if [ ! -r "$dir/t10k-labels-idx1-ubyte.gz" ]; then
    echo "SKIP: $dir not found (apt-get install dataset-fashion-mnist)"
    exit 77
fi
out=$("$trainer" --limit 5000 --epochs 1 --lr 0.003 --threads 2)
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q '^Epoch 1/1$'
printf '%s\n' "$out" | grep -Eq '^157/157 - [0-9]+s [0-9]+(us|ms|s)/step - loss: [0-9.]+ - accuracy: [0-9.]+$'
printf '%s\n' "$out" | grep -q '^Test: 10000 examples - test_loss: '
printf '%s\n' "$out" | grep -q ' Ankle boot '
acc=$(printf '%s\n' "$out" | grep -Eo 'test_accuracy: [0-9.]+' | cut -d' ' -f2)
if awk -v a="$acc" 'BEGIN { exit !(a > 0.70) }'; then
    echo "e2e: test accuracy $acc > 0.70"
else
    echo "FAIL: test accuracy $acc <= 0.70"
    exit 1
fi
