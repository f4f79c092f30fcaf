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
echo "resume: bit-identical to the uninterrupted run"
