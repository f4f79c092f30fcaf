#!/usr/bin/env bash
# e2e_fashion.sh TRAINER
# Softmax regression trained on the first 5000 Fashion-MNIST images for one epoch must
# exceed 70% accuracy on the full 10,000-image test set (it reaches about 77%).
# Skipped (exit 77) when the Debian package dataset-fashion-mnist is not installed.
set -eu
trainer=$1
. "$(dirname "$0")/../fashion_common.sh"
fashion_require
out=$("$trainer" --limit 5000 --epochs 1 --lr 0.003 --threads 2)
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q '^Epoch 1/1$'
printf '%s\n' "$out" | grep -Eq '^157/157 - [0-9]+s [0-9]+(us|ms|s)/step - loss: [0-9.]+ - accuracy: [0-9.]+$'
printf '%s\n' "$out" | grep -q '^Test: 10000 examples - test_loss: '
printf '%s\n' "$out" | grep -q ' Ankle boot '
fashion_accuracy_above "$out" 0.70 e2e
