#!/usr/bin/env bash
# resume.sh TRAINER DATA_DIR WORK_DIR
# An interrupted run resumed with --resume must end with bit-identical weights and
# optimizer state to an uninterrupted one: 2 epochs straight vs 1 epoch + resume to 2.
# The trainer is the f64 reference model with dropout, augmentation, Adam and a
# validation split, so every random stream takes part.
set -eu
trainer=$1 data=$2 work=$3
mkdir -p "$work"
rm -f "$work"/*.safetensors "$work"/*.csv
args=(--data "$data/imgs.idx" "$data/labels.idx" --batch 4 --threads 2 --quiet)

"$trainer" "${args[@]}" --epochs 2 --save "$work/straight.safetensors"
"$trainer" "${args[@]}" --epochs 1 --save "$work/half.safetensors" --history "$work/h.csv"
"$trainer" "${args[@]}" --epochs 2 --resume "$work/half.safetensors" \
           --save "$work/resumed.safetensors" --history "$work/h.csv"

if cmp -s "$work/half.safetensors" "$work/straight.safetensors"; then
    echo "FAIL: one epoch and two epochs gave the same checkpoint (the test cannot tell)"
    exit 1
fi
if ! cmp "$work/straight.safetensors" "$work/resumed.safetensors"; then
    echo "FAIL: resuming after epoch 1 differs from an uninterrupted 2-epoch run"
    exit 1
fi
# The history of the resumed run continues the file: header + epochs 1 and 2.
rows=$(cut -d, -f1 "$work/h.csv" | tr '\n' ' ')
if [ "$rows" != "epoch 1 2 " ]; then
    echo "FAIL: history epochs are '$rows', expected 'epoch 1 2 '"
    cat "$work/h.csv"
    exit 1
fi
# Resumed again at --quiet, the finished run trains nothing and says so (it said nothing)
again=$("$trainer" "${args[@]}" --epochs 2 --resume "$work/resumed.safetensors")
if ! printf '%s\n' "$again" | grep -qx "The checkpoint is already at epoch 2 of 2; nothing to train."; then
    echo "FAIL: a quiet resume of a finished run printed '$again'"
    exit 1
fi
echo "resume: bit-identical after 2 epochs; history continued; a finished run says so"
