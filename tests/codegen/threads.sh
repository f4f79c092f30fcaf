#!/usr/bin/env bash
# threads.sh TRAINER CG_TOOL DATA_DIR WORK_DIR
# docs/abi.md §9: nnrt_parallel_for partitions work the same way every time, so the same
# seed and thread count must give bit-identical weights, and a generated kernel that
# keeps every reduction inside one chunk gives the same weights for any thread count.
# A different seed must give different weights (else the comparisons prove nothing).
set -u
trainer=$1 tool=$2 data=$3 work=$4
mkdir -p "$work"
rm -f "$work"/*.safetensors
args=(--data "$data/ck_x.npy" "$data/ck_y.npy" --batch 16 --epochs 2 --quiet)
for run in t1:1 t2:2 t2b:2 t3:3; do
    "$trainer" "${args[@]}" --threads "${run#*:}" --save "$work/${run%%:*}.safetensors" > /dev/null || exit 1
done
"$trainer" "${args[@]}" --threads 2 --seed 8 --save "$work/seed8.safetensors" > /dev/null || exit 1
failed=0
"$tool" same "$work/t2.safetensors" "$work/t2b.safetensors" ||
    { echo "FAIL: two runs with 2 threads differ"; failed=1; }
"$tool" same "$work/t1.safetensors" "$work/t2.safetensors" ||
    { echo "FAIL: 1 and 2 threads differ"; failed=1; }
"$tool" same "$work/t1.safetensors" "$work/t3.safetensors" ||
    { echo "FAIL: 1 and 3 threads differ"; failed=1; }
if "$tool" same "$work/t2.safetensors" "$work/seed8.safetensors" > /dev/null; then
    echo "FAIL: another seed gave the same weights"; failed=1
fi
[ $failed -eq 0 ] && echo "threads: same seed, same weights; 1, 2 and 3 threads identical"
exit $failed
