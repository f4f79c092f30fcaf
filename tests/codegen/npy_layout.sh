#!/usr/bin/env bash
# npy_layout.sh NNLC MODEL WORK_DIR — MODEL has input [5, 7] (models/npy_layout.nn).
# Features saved as an array of shape (8, 7, 5) hold 35 values per example like (8, 5, 7)
# but in another layout (a transposed sequence): the trainer must refuse them, naming the
# file, as it refuses an IDX file of 28x28 images for input [14, 56, 1]
# (nnrt_check_layout); before, the .npy reader compared only the number of values per
# example and trained on the scrambled data. The flat (8, 35) array, (8, 5, 7) and shapes
# with size-1 axes anywhere (PyTorch's (N, 1, H, W) for [H, W, 1]) are accepted.
set -u
nnlc=$1 model=$2 work=$3
mkdir -p "$work"
trainer=$work/npy_layout
"$nnlc" "$model" -o "$trainer" || exit 1
/usr/bin/python3 - "$work" "$(dirname "$0")" <<'PY' || exit 1
import sys
sys.path.insert(0, sys.argv[2])
from zoo_data import write_npy  # noqa: E402
w = sys.argv[1]
x = [((i * 37) % 17) / 8.0 - 1 for i in range(8 * 35)]
write_npy(w + "/x_flat.npy", (8, 35), x, "<f4")
write_npy(w + "/x_transposed.npy", (8, 7, 5), x, "<f4")
write_npy(w + "/x_same.npy", (8, 5, 7), x, "<f4")
write_npy(w + "/x_ones.npy", (8, 1, 5, 1, 7), x, "<f4")
write_npy(w + "/y.npy", (8,), [i % 3 for i in range(8)], "<i8")
PY
for f in flat same ones; do # (8, 35), (8, 5, 7), and size-1 axes anywhere (8, 1, 5, 1, 7)
    "$trainer" --data "$work/x_$f.npy" "$work/y.npy" --epochs 1 --quiet ||
        { echo "FAIL: the features x_$f.npy were refused"; exit 1; }
done
out=$("$trainer" --data "$work/x_transposed.npy" "$work/y.npy" --epochs 1 --quiet 2>&1)
code=$?
printf '%s\n' "$out"
if [ $code -ne 1 ] || ! grep -q "x_transposed.npy: byte 10: each example is (7, 5), but the model input is (5, 7)" <<<"$out"; then
    echo "FAIL: features of shape (8, 7, 5) for input [5, 7] were not refused (exit $code)"
    exit 1
fi
echo ok
