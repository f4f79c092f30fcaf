#!/usr/bin/env bash
# mse_class_labels.sh NNLC WORK_DIR — a classifier of 3 softmax units trained with mse on
# class indices, shape (N,), as a learner writes it for Fashion-MNIST: the trainer refuses
# the labels (mse wants a target per output) and says which loss takes class indices
# (before, it named the shapes only).
set -u
nnlc=$1 work=$2
mkdir -p "$work"
cat >"$work/m.nn" <<'NN'
model m {
    input [4]
    dense(3, activation=softmax)
}
train { loss = 'mse' }
NN
"$nnlc" "$work/m.nn" -o "$work/m" || exit 1
/usr/bin/python3 - "$work" "$(dirname "$0")" <<'PY' || exit 1
import sys
sys.path.insert(0, sys.argv[2])
from zoo_data import write_npy  # noqa: E402
w = sys.argv[1]
write_npy(w + "/x.npy", (6, 4), [float(i % 5) for i in range(24)], "<f4")
write_npy(w + "/y.npy", (6,), [i % 3 for i in range(6)], "<i8")
PY
out=$("$work/m" --data "$work/x.npy" "$work/y.npy" --quiet 2>&1) && { echo "FAIL: accepted"; exit 1; }
want="y.npy: byte 10: labels of shape (6,), but the model takes 3 label values per example, shape (6, 3); a regression (mse, mae) has a target per output: for class indices, use loss = sparse_categorical_crossentropy"
echo "$out" | grep -qF -- "$want" || { echo "FAIL: unexpected message: $out"; exit 1; }
echo "mse_class_labels: passed"
