#!/usr/bin/env bash
# threads.sh TRAINER CG_TOOL DATA_DIR WORK_DIR
# docs/abi.md §9: nnrt_parallel_for partitions work the same way every time, so the same
# seed and thread count must give bit-identical weights, and a generated kernel that
# keeps every reduction inside one chunk gives the same weights for any thread count.
# A different seed must give different weights (else the comparisons prove nothing).
# --threads auto, which moves between all threads and one during training, too.
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
# --threads auto (the default) runs each step on all threads or on one, whichever was
# faster when they were last compared (runtime/thread_choice.h). A run long enough for
# a comparison (a 0.05 s warm-up, then four windows of at least 5 ms) switches between
# them, and must still end with 1 thread's weights.
# (--save writes every epoch: few long epochs, of 3,000 made-up examples.)
awk 'BEGIN { srand(1); printf "x1"; for (j = 2; j <= 12; j++) printf ",x%d", j; print ",label"
             for (i = 0; i < 3000; i++) {
                 s = 0
                 for (j = 0; j < 12; j++) { v = 2 * rand() - 1; s += v * (j % 3 - 1); printf "%s%.4f", j ? "," : "", v }
                 print "," (s > 0.5 ? 2 : s < -0.5 ? 0 : 1) } }' > "$work/long.csv"
long=(--data "$work/long.csv" --batch 16 --epochs 200)
"$trainer" "${long[@]}" --threads 1 --quiet --save "$work/long1.safetensors" > /dev/null || exit 1
"$trainer" "${long[@]}" --verbose 2 --save "$work/auto.safetensors" > "$work/auto.txt" || exit 1
if [ "$(nproc)" -gt 1 ] && ! grep -q "^Threads (auto): .*(compared [1-9]" "$work/auto.txt"; then
    echo "FAIL: --threads auto did not compare all threads with one:"; tail -3 "$work/auto.txt"
    failed=1
fi
"$tool" same "$work/long1.safetensors" "$work/auto.safetensors" ||
    { echo "FAIL: --threads auto and 1 thread differ"; failed=1; }
# --threads auto counts the processors the trainer may run on (its CPU affinity), not
# those online: pinned to one CPU (taskset, a batch system's allocation) it runs 1 thread.
if command -v taskset > /dev/null && [ "$(nproc --all)" -gt 1 ]; then
    taskset -c 0 "$trainer" "${args[@]}" --epochs 1 --verbose 2 > "$work/pinned.txt" || exit 1
    head -1 "$work/pinned.txt" | grep -q ', 1 thread$' ||
        { echo "FAIL: --threads auto on one allowed CPU:"; head -1 "$work/pinned.txt"; failed=1; }
fi
[ $failed -eq 0 ] && echo "threads: same seed, same weights; 1, 2, 3 threads and auto identical"
exit $failed
