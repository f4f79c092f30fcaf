#!/usr/bin/env bash
# one_hot_labels.sh NNLC MODEL WORK_DIR — MODEL is a 3-class categorical_crossentropy model
# (models/one_hot_labels.nn). Its .npy labels may be class indices, shape (N,), or one-hot
# rows, shape (N, 3), as Keras' to_categorical writes them (float32 or float64): both
# train to the same weights. A float64 row is checked as the file stores it: 0.99999999
# and 1e-46 are refused (as float32 they were 1 and 0, and passed). Before, one-hot rows were refused ("the model needs 1 label
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
with open(w + "/y.txt", "w") as f:
    f.write("".join("%d\n" % c for c in y))
write_npy(w + "/y_onehot.npy", (n, 3), one_hot, "<f4")
write_npy(w + "/y_onehot64.npy", (n, 3), one_hot, "<f8")
soft = list(one_hot)
soft[3 * 5:3 * 6] = [0.1, 0.8, 0.1]
write_npy(w + "/y_soft.npy", (n, 3), soft, "<f4")
empty = list(one_hot)
empty[0:3] = [0.0, 0.0, 0.0]
write_npy(w + "/y_empty.npy", (n, 3), empty, "<f4")
write_npy(w + "/y_n13.npy", (n, 1, 3), one_hot, "<f4")
write_npy(w + "/y_n131.npy", (n, 1, 3, 1), one_hot, "<f4")
write_npy(w + "/y_wide.npy", (n, 4), [1.0 if k == y[r] else 0.0 for r in range(n) for k in range(4)], "<f4")
# float64 values that float32 rounds to 1 and to 0: checked as the file stores them
near = list(one_hot)
near[3 * 4 + y[4]] = 0.99999999
write_npy(w + "/y_near1.npy", (n, 3), near, "<f8")
tiny = list(one_hot)
tiny[3 * 9 + (y[9] + 1) % 3] = 1e-46
write_npy(w + "/y_tiny.npy", (n, 3), tiny, "<f8")


def write_idx(path, dims, values, code):
    """IDX: 00 00 TYPE NDIMS, big-endian uint32 dimensions, big-endian values."""
    fmt = {0x08: "B", 0x0D: "f", 0x0E: "d"}[code]
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
write_idx(w + "/y_onehot_d.idx", (n, 3), one_hot, 0x0E)
write_idx(w + "/y_near1.idx", (n, 3), near, 0x0E)
write_idx(w + "/y_tiny.idx", (n, 3), tiny, 0x0E)
write_idx(w + "/y_n13.idx", (n, 1, 3), [int(v) for v in one_hot], 0x08)
write_idx(w + "/y_wide.idx", (n, 4), [1 if k == y[r] else 0 for r in range(n) for k in range(4)], 0x08)
PY
fail() { echo "FAIL: $*"; exit 1; }
label_of() { sed -n "$(($1 + 1))p" "$work/y.txt"; } # the class of example $1, from 0
run_npy() { "$trainer" --data "$work/x.npy" "$work/$1" --quiet --save "$work/$1.st" 2>&1; }
run_idx() { "$trainer" --data "$work/x.idx" "$work/$1" --quiet --save "$work/$1.st" 2>&1; }
# accepts RUN FILE INDICES WHAT: training on the labels of FILE succeeds and, with INDICES
# (the class indices' file), gives their weights byte for byte
accepts() {
    local out
    out=$($1 "$2") || fail "$4: $out"
    [ -z "$3" ] || cmp -s "$work/$3.st" "$work/$2.st" || fail "$4 trained to other weights than class indices"
}
# refuses RUN FILE WHAT MESSAGE: training on the labels of FILE fails, saying MESSAGE
refuses() {
    local out
    out=$($1 "$2") && fail "$3 were accepted"
    echo "$out" | grep -qF -- "$4" || fail "$3: unexpected message: $out"
}
accepts run_npy y.npy "" "class indices"
accepts run_npy y_onehot.npy y.npy "one-hot rows"
accepts run_npy y_onehot64.npy y.npy "float64 one-hot rows"
refuses run_npy y_soft.npy "soft labels" \
    "y_soft.npy: byte 188 (example 6): value 1 of its row is 0.1, but a row of one-hot labels holds one 1 and 2 zeros"
# float64 rows are checked in float64 (before, as float32: 0.99999999 passed as a 1, and
# 1e-46 as a 0)
refuses run_npy y_near1.npy "a float64 0.99999999" \
    "y_near1.npy: byte $((128 + (3 * 4 + $(label_of 4)) * 8)) (example 5): value $(($(label_of 4) + 1)) of its row is 0.99999999, but a row of one-hot labels holds one 1 and 2 zeros"
refuses run_npy y_tiny.npy "a float64 1e-46" \
    "y_tiny.npy: byte $((128 + (3 * 9 + ($(label_of 9) + 1) % 3) * 8)) (example 10): value $((($(label_of 9) + 1) % 3 + 1)) of its row is 1e-46, but a row"
refuses run_npy y_empty.npy "rows without a 1" \
    "y_empty.npy: byte 128 (example 1): the row of 3 one-hot labels holds no 1"
refuses run_npy y_wide.npy "rows of 4 values for 3 classes" \
    "y_wide.npy: byte 10: labels of shape (24, 4), but the model takes class indices, shape (24,) or (24, 1), or one-hot rows of its 3 classes, shape (24, 3)"
# rows with a size-1 axis, as a (None, 1, 3) output writes them, are refused, as Keras
# refuses them for a (None, 3) output: the message says how to squeeze the axis (before:
# "the model needs 1 label value per example (class indices, or one-hot rows of the
# classes)", though one-hot rows were 3 values)
refuses run_npy y_n13.npy "rows of shape (N, 1, 3)" \
    "y_n13.npy: byte 10: labels of shape (24, 1, 3), but the model takes class indices, shape (24,) or (24, 1), or one-hot rows of its 3 classes, shape (24, 3); squeeze the size-1 axis first: np.squeeze(y, axis=1)"
refuses run_npy y_n131.npy "rows of shape (N, 1, 3, 1)" \
    "y_n131.npy: byte 10: labels of shape (24, 1, 3, 1), but the model takes class indices, shape (24,) or (24, 1), or one-hot rows of its 3 classes, shape (24, 3); squeeze the size-1 axes first: np.squeeze(y, axis=(1, 3))"
# IDX labels of dimensions (N, 3): one-hot rows of bytes or of floats
accepts run_idx y.idx "" "IDX class indices"
accepts run_idx y_onehot.idx y.idx "IDX one-hot rows"
accepts run_idx y_onehot_f.idx y.idx "IDX float one-hot rows"
accepts run_idx y_onehot_d.idx y.idx "IDX float64 one-hot rows"
refuses run_idx y_near1.idx "an IDX float64 0.99999999" \
    "y_near1.idx: byte $((12 + (3 * 4 + $(label_of 4)) * 8)) (example 5): value $(($(label_of 4) + 1)) of its row is 0.99999999, but a row"
refuses run_idx y_tiny.idx "an IDX float64 1e-46" \
    "y_tiny.idx: byte $((12 + (3 * 9 + ($(label_of 9) + 1) % 3) * 8)) (example 10): value $((($(label_of 9) + 1) % 3 + 1)) of its row is 1e-46, but a row"
refuses run_idx y_soft.idx "IDX soft labels" \
    "y_soft.idx: byte 72 (example 6): value 1 of its row is 0.1, but a row of one-hot labels holds one 1 and 2 zeros"
refuses run_idx y_two.idx "IDX rows with two 1s" \
    "y_two.idx: byte 35 (example 8): values 2 and 3 of its row are both 1, but a row of one-hot labels holds one 1 and 2 zeros"
refuses run_idx y_wide.idx "IDX rows of 4 values for 3 classes" \
    "y_wide.idx: byte 4: labels of dimensions (24, 4), but the model takes class indices, dimensions (24,) or (24, 1), or one-hot rows of its 3 classes, dimensions (24, 3)"
refuses run_idx y_n13.idx "IDX rows of dimensions (N, 1, 3)" \
    "y_n13.idx: byte 4: labels of dimensions (24, 1, 3), but the model takes class indices, dimensions (24,) or (24, 1), or one-hot rows of its 3 classes, dimensions (24, 3); squeeze the size-1 axis first: np.squeeze(y, axis=1)"
echo "one-hot labels: .npy rows of float32 and float64 and IDX rows of bytes and floats train as class indices do; soft, wide and (N, 1, 3) rows refused, float64 ones checked in float64"
