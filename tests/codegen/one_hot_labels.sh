#!/usr/bin/env bash
# one_hot_labels.sh NNLC MODEL WORK_DIR — MODEL is a 3-class categorical_crossentropy model
# (models/one_hot_labels.nn). Its .npy labels may be class indices, shape (N,), or one-hot
# rows, shape (N, 3), as Keras' to_categorical writes them (float32 or float64): both
# train to the same weights. Before, one-hot rows were refused ("the model needs 1 label
# value per example"). Rows that are not one-hot (soft labels) and rows of another width
# are refused, naming the file, the byte and the example and value, counted from 1 as the
# other data errors count them (they were counted from 0: the sixth example was "example
# 5"). The same for IDX label files of dimensions (N, 3) (bytes or floats), beside class
# indices of dimensions (N,).
set -u
nnlc=$1 model=$2 work=$3
mkdir -p "$work"
trainer=$work/one_hot_labels
"$nnlc" "$model" -o "$trainer" || exit 1
/usr/bin/python3 - "$work" "$(dirname "$0")" <<'PY' || exit 1
import struct
import sys
sys.path.insert(0, sys.argv[2])
from zoo_data import write_npy  # noqa: E402
w = sys.argv[1]
n = 24
x = [((i * 37) % 17) / 8.0 - 1 for i in range(n * 4)]
y = [max(range(3), key=lambda k: x[r * 4 + k]) for r in range(n)]
one_hot = [1.0 if k == y[r] else 0.0 for r in range(n) for k in range(3)]
write_npy(w + "/x.npy", (n, 4), x, "<f4")
write_npy(w + "/y.npy", (n,), y, "<i8")
write_npy(w + "/y_onehot.npy", (n, 3), one_hot, "<f4")
write_npy(w + "/y_onehot64.npy", (n, 3), one_hot, "<f8")
soft = list(one_hot)
soft[3 * 5:3 * 6] = [0.1, 0.8, 0.1]
write_npy(w + "/y_soft.npy", (n, 3), soft, "<f4")
empty = list(one_hot)
empty[0:3] = [0.0, 0.0, 0.0]
write_npy(w + "/y_empty.npy", (n, 3), empty, "<f4")
write_npy(w + "/y_wide.npy", (n, 4), [1.0 if k == y[r] else 0.0 for r in range(n) for k in range(4)], "<f4")


def write_idx(path, dims, values, code):
    """IDX: 00 00 TYPE NDIMS, big-endian uint32 dimensions, big-endian values."""
    fmt = {0x08: "B", 0x0D: "f"}[code]
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, code, len(dims)))
        f.write(struct.pack(">%dI" % len(dims), *dims))
        f.write(struct.pack(">%d%s" % (len(values), fmt), *values))


write_idx(w + "/x.idx", (n, 4), x, 0x0D)
write_idx(w + "/y.idx", (n,), y, 0x08)
write_idx(w + "/y_onehot.idx", (n, 3), [int(v) for v in one_hot], 0x08)
write_idx(w + "/y_onehot_f.idx", (n, 3), one_hot, 0x0D)
write_idx(w + "/y_soft.idx", (n, 3), soft, 0x0D)
two = [int(v) for v in one_hot]
two[3 * 7:3 * 8] = [0, 1, 1]
write_idx(w + "/y_two.idx", (n, 3), two, 0x08)
write_idx(w + "/y_wide.idx", (n, 4), [1 if k == y[r] else 0 for r in range(n) for k in range(4)], 0x08)
PY
fail() { echo "FAIL: $*"; exit 1; }
run() { "$trainer" --data "$work/x.npy" "$work/$1" --quiet --save "$work/$1.st" 2>&1; }
out=$(run y.npy) || fail "class indices: $out"
out=$(run y_onehot.npy) || fail "one-hot rows: $out"
cmp -s "$work/y.npy.st" "$work/y_onehot.npy.st" || fail "one-hot rows trained to other weights than class indices"
out=$(run y_onehot64.npy) || fail "float64 one-hot rows: $out"
cmp -s "$work/y.npy.st" "$work/y_onehot64.npy.st" || fail "float64 one-hot rows trained to other weights"
out=$(run y_soft.npy) && fail "soft labels were accepted"
echo "$out" | grep -q "y_soft.npy: byte 188 (example 6): value 1 of its row is 0.1, but a row of one-hot labels holds one 1 and 2 zeros" ||
    fail "soft labels: unexpected message: $out"
out=$(run y_empty.npy) && fail "a row without a 1 was accepted"
echo "$out" | grep -q "y_empty.npy: byte 128 (example 1): the row of 3 one-hot labels holds no 1" ||
    fail "a row without a 1: unexpected message: $out"
out=$(run y_wide.npy) && fail "rows of 4 values for 3 classes were accepted"
echo "$out" | grep -q "y_wide.npy: byte 10: shape (24, 4), but the model needs 1 label value per example (class indices, or one-hot rows of the classes)" ||
    fail "rows of 4: unexpected message: $out"
# IDX labels of dimensions (N, 3): one-hot rows of bytes or of floats
run_idx() { "$trainer" --data "$work/x.idx" "$work/$1" --quiet --save "$work/$1.st" 2>&1; }
out=$(run_idx y.idx) || fail "IDX class indices: $out"
out=$(run_idx y_onehot.idx) || fail "IDX one-hot rows: $out"
cmp -s "$work/y.idx.st" "$work/y_onehot.idx.st" || fail "IDX one-hot rows trained to other weights than class indices"
out=$(run_idx y_onehot_f.idx) || fail "IDX float one-hot rows: $out"
cmp -s "$work/y.idx.st" "$work/y_onehot_f.idx.st" || fail "IDX float one-hot rows trained to other weights"
out=$(run_idx y_soft.idx) && fail "IDX soft labels were accepted"
echo "$out" | grep -q "y_soft.idx: byte 72 (example 6): value 1 of its row is 0.1, but a row of one-hot labels holds one 1 and 2 zeros" ||
    fail "IDX soft labels: unexpected message: $out"
out=$(run_idx y_two.idx) && fail "IDX rows with two 1s were accepted"
echo "$out" | grep -q "y_two.idx: byte 35 (example 8): values 2 and 3 of its row are both 1, but a row of one-hot labels holds one 1 and 2 zeros" ||
    fail "IDX rows with two 1s: unexpected message: $out"
out=$(run_idx y_wide.idx) && fail "IDX rows of 4 values for 3 classes were accepted"
echo "$out" | grep -q "y_wide.idx: byte 4: expected 1 label value per example (a class index, or a one-hot row of the classes), found 4" ||
    fail "IDX rows of 4: unexpected message: $out"
echo "one-hot labels: .npy rows of float32 and float64 and IDX rows of bytes and floats train as class indices do; soft and wide rows refused"
