#!/usr/bin/env bash
# resume.sh TRAINER CG_TOOL DATA_DIR WORK_DIR
# docs/abi.md §10: resuming after epoch 1 gives bit-identical weights and optimizer
# state to an uninterrupted 2-epoch run (same threads), with a generated trainer whose
# model uses dropout, Adam, shuffling and a validation split.
set -u
trainer=$1 tool=$2 data=$3 work=$4
mkdir -p "$work"
rm -f "$work"/*.safetensors
args=(--data "$data/ck_x.npy" "$data/ck_y.npy" --threads 2 --quiet)
"$trainer" "${args[@]}" --epochs 2 --save "$work/straight.safetensors" > /dev/null || exit 1
"$trainer" "${args[@]}" --epochs 1 --save "$work/half.safetensors" > /dev/null || exit 1
"$trainer" "${args[@]}" --epochs 2 --resume "$work/half.safetensors" \
    --save "$work/resumed.safetensors" > /dev/null || exit 1
if "$tool" same "$work/half.safetensors" "$work/straight.safetensors" > /dev/null; then
    echo "FAIL: one epoch and two epochs gave the same weights (the test cannot tell)"
    exit 1
fi
if ! "$tool" same "$work/straight.safetensors" "$work/resumed.safetensors"; then
    echo "FAIL: resuming after epoch 1 differs from an uninterrupted 2-epoch run"
    exit 1
fi
# --history continues the interrupted run's file from the checkpoint's epoch: a row the
# run wrote for an epoch it never saved (killed between the two), or half a row, is cut
# before the resumed run writes that epoch's row again (before: rows 1, 2, 2).
h="$work/history.csv"
rm -f "$h"
"$trainer" "${args[@]}" --epochs 1 --save "$work/h1.safetensors" --history "$h" > /dev/null &&
    cp "$work/h1.safetensors" "$work/h1b.safetensors" &&
    "$trainer" "${args[@]}" --epochs 2 --resume "$work/h1.safetensors" --history "$h" > /dev/null &&
    printf '3,0.5,0.' >> "$h" && # half a row of an epoch the checkpoint below never reached
    "$trainer" "${args[@]}" --epochs 2 --resume "$work/h1b.safetensors" --history "$h" > /dev/null ||
    exit 1
epochs=$(cut -d, -f1 "$h" | tr '\n' ' ')
if [ "$epochs" != "epoch 1 2 " ]; then
    echo "FAIL: --history after resuming twice from epoch 1 has the rows: $epochs"
    exit 1
fi
echo "resume: bit-identical to the uninterrupted run; --history continues from the checkpoint"
