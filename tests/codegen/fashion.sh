#!/usr/bin/env bash
# fashion.sh NNLC MODEL WORK_DIR
# End to end: nnlc compiles MODEL (examples/mlp.nn: 784 → 100 sigmoid → 10 softmax,
# RMSprop), and the trainer, run for one epoch on the first 5,000 Fashion-MNIST
# training images, must exceed 70% accuracy on the 10,000 real test images, in seconds.
# The model is compiled from a copy without its validation split, so all 5,000 images
# train (157 steps of 32). It reaches 0.738 (seed 42; seeds 1-5 give 0.71-0.75, as
# PyTorch does on the same data). Then --predict on the test images (IDX bytes, the
# path --predict shares with training) must give the accuracy the trainer reported.
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
out=$("$work/fashion" --limit 5000 --epochs 1 --threads 2 --save "$work/fashion.safetensors" \
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
"$work/fashion" --load "$work/fashion.safetensors" --predict "$dir/t10k-images-idx3-ubyte.gz" \
    > "$work/pred.csv" || { echo "FAIL: --predict failed"; exit 1; }
gzip -dc "$dir/t10k-labels-idx1-ubyte.gz" | tail -c +9 | od -An -tu1 -v | tr -s ' ' '\n' |
    grep -v '^$' > "$work/labels.txt"
predicted=$(awk -F, 'NR == FNR { label[FNR] = $1; next } FNR > 1 { n++; ok += $2 == label[FNR - 1] }
                     END { printf "%d %.4f", n, ok / n }' "$work/labels.txt" "$work/pred.csv")
reported=$(grep -Eo 'test_accuracy: [0-9.]+' <<<"$out" | cut -d' ' -f2)
[ "$predicted" = "10000 $reported" ] ||
    { echo "FAIL: --predict gave (rows, accuracy) $predicted, the trainer reported $reported"; exit 1; }
echo "fashion: --predict on the 10,000 test images: accuracy $reported, as reported"
