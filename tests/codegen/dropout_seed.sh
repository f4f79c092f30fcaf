#!/bin/sh
# dropout_seed.sh NNLC CG_TOOL WORK_DIR — Keras' Dropout(rate, noise_shape, seed) through a
# generated trainer: Dropout(0.5, None, 42) draws its masks from its own seed. With every
# initializer seeded and the examples in file order, nothing else depends on --seed, so
# the weights after training are the same for --seed 1 and 2, bit for bit; with an
# unseeded Dropout(0.5) they are not (--emit=loops shows the seeded slice). Resuming after epoch 1 gives the weights of the
# uninterrupted run (the masks of epoch e come from (seed, e)).
set -u
nnlc=$1 tool=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cases.sh"

/usr/bin/python3 - "$here" <<'PY' || exit 1
import sys
sys.path.insert(0, sys.argv[1])
from zoo_data import write_npy  # noqa: E402
n = 48
write_npy("x.npy", (n, 6), [((i * 5) % 11) / 11 - 0.4 for i in range(n * 6)], "<f4")
write_npy("y.npy", (n,), [(i * 7) % 3 for i in range(n)], "<i8")
PY

model() {
    cat <<NN
model m {
    input [6]
    dense(16, activation=relu, kernel_initializer=GlorotUniform(seed=1))
    $1
    dense(3, activation=softmax, kernel_initializer=GlorotUniform(seed=2))
}
train { loss = sparse_categorical_crossentropy  optimizer = sgd(lr=0.1)  epochs = 2  batch = 8
        data = npy("x.npy", "y.npy")  shuffle = false  verbose = 0 }
NN
}
model "Dropout(0.5, None, 42)" >seeded.nn
model "Dropout(0.5)" >unseeded.nn
for m in seeded unseeded; do
    "$nnlc" $m.nn -o $m || { echo "FAIL: nnlc could not compile $m.nn"; exit 1; }
    check 0 "" ./$m --save ${m}1.safetensors --seed 1
    check 0 "" ./$m --save ${m}2.safetensors --seed 2
done
# --emit=loops names the slice of the noise row that the seed draws
check 0 '^# noise \[0, 16\) of a row: from seed 42$' "$nnlc" --emit=loops seeded.nn
"$tool" same seeded1.safetensors seeded2.safetensors >/dev/null ||
    fail "Dropout(0.5, None, 42): the weights changed with --seed"
"$tool" same unseeded1.safetensors unseeded2.safetensors >/dev/null &&
    fail "Dropout(0.5): the weights did not change with --seed (the test shows nothing)"
check 0 "" ./seeded --save half.safetensors --seed 2 --epochs 1
check 0 "" ./seeded --resume half.safetensors --save resumed.safetensors
"$tool" same seeded1.safetensors resumed.safetensors >/dev/null ||
    fail "Dropout(0.5, None, 42): --resume after epoch 1 gave other weights"

[ "$fails" -eq 0 ] || { echo "dropout_seed: $fails failed"; exit 1; }
echo "dropout_seed: a seeded dropout's masks follow its seed, not --seed"
