#!/usr/bin/env bash
# threads.sh TRAINER DATA_DIR WORK_DIR
# The reference model reduces every sum inside one chunk of nnrt_parallel_for, so with
# the pool's fixed partition its results must not depend on the thread count, and two
# runs with the same count must be identical.
set -eu
trainer=$1 data=$2 work=$3
mkdir -p "$work"
args=(--data "$data/imgs.idx" "$data/labels.idx" --batch 4 --epochs 2 --quiet)
"$trainer" "${args[@]}" --threads 1 --save "$work/t1.safetensors"
"$trainer" "${args[@]}" --threads 3 --save "$work/t3.safetensors"
"$trainer" "${args[@]}" --threads 3 --save "$work/t3b.safetensors"
cmp "$work/t3.safetensors" "$work/t3b.safetensors"
cmp "$work/t1.safetensors" "$work/t3.safetensors"
"$trainer" "${args[@]}" --threads 1 --seed 7 --save "$work/seed7.safetensors"
if cmp -s "$work/t1.safetensors" "$work/seed7.safetensors"; then
    echo "FAIL: another seed gave the same weights"
    exit 1
fi
echo "threads: 1 and 3 threads give identical checkpoints; the seed matters"
