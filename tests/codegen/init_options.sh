#!/bin/sh
# init_options.sh NNLC WORK_DIR — initializers with Keras' arguments, through a generated
# trainer: the arguments written in the .nn file reach the runtime's initializer
# (RandomNormal(stddev=0.01) draws with 0.01, not with the default 0.05; Constant,
# Identity, VarianceScaling, TruncatedNormal; an LSTM bias keeps its forget gate's ones),
# and a seed= gives the same weights whatever the run's --seed and whatever layer is added
# before it. The initial weights are read
# from the checkpoint of one epoch at a learning rate of 1e-30, which leaves every weight
# of magnitude above 1e-20 as it was drawn (f32 has 24 bits) and moves a 0 by less than
# 1e-20.
set -u
nnlc=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cases.sh"

/usr/bin/python3 - "$here" <<'PY' || exit 1
import sys
sys.path.insert(0, sys.argv[1])
from zoo_data import write_npy  # noqa: E402
n = 64
write_npy("x.npy", (n, 8), [((i * 7) % 13) / 13 for i in range(n * 8)], "<f4")
write_npy("y.npy", (n,), [i % 2 for i in range(n)], "<i8")
PY

# d's kernel (256, 256) is seeded; `extra` (model b) comes before it, so its tensors
# move to other places without changing its weights.
model() {
    cat <<NN
model m {
    input [8]
    a = dense(512, kernel_initializer=RandomNormal(mean=0.0, stddev=0.01), bias_initializer=Constant(0.1))
    $1
    b = dense(256, kernel_initializer=TruncatedNormal(mean=0.5, stddev=0.02), bias_initializer=Constant(value=-0.25))
    c = dense(256, kernel_initializer=Identity(gain=2))
    d = dense(256, kernel_initializer=GlorotUniform(seed=42))
    e = dense(256, kernel_initializer=VarianceScaling(2.0, "fan_out", "uniform"))
    dense(2, activation=softmax)
}
train { loss = sparse_categorical_crossentropy  optimizer = sgd(lr=1e-30)  data = npy("x.npy", "y.npy")
        verbose = 0 }
NN
}
model "" >a.nn
model "extra = dense(512)" >b.nn
# Keras' unit_forget_bias with a bias initializer of the LSTM's own: ones on the forget
# gate, Constant(0.25) on the other three (the examples' 8 values read as 4 steps of 2)
cat >lstm.nn <<'NN'
model lstm {
    input [4, 2]
    LSTM(5, bias_initializer=Constant(0.25))
    dense(2, activation=softmax)
}
train { loss = sparse_categorical_crossentropy  optimizer = sgd(lr=1e-30)  data = npy("x.npy", "y.npy")
        verbose = 0 }
NN
for m in a b lstm; do
    "$nnlc" $m.nn -o $m || { echo "FAIL: nnlc could not compile $m.nn"; exit 1; }
done
check 0 "" ./a --save a1.safetensors --seed 1
check 0 "" ./a --save a2.safetensors --seed 2
check 0 "" ./b --save b1.safetensors --seed 1
check 0 "" ./lstm --save lstm.safetensors

python3 - <<'PY' || fails=$((fails + 1))
import json, math, struct, sys

def tensors(path):
    with open(path, "rb") as f:
        data = f.read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    out = {}
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] != "F32":
            continue
        begin, end = t["data_offsets"]
        raw = data[8 + size + begin:8 + size + end]
        out[name] = struct.unpack("<%df" % (len(raw) // 4), raw)
    return out

a1, a2, b1, lstm = (tensors(p) for p in ("a1.safetensors", "a2.safetensors", "b1.safetensors",
                                          "lstm.safetensors"))
failed = []
def expect(ok, what):
    if not ok:
        failed.append(what)
        print("FAIL:", what)

def stats(v):
    mean = sum(v) / len(v)
    return mean, math.sqrt(sum((x - mean) ** 2 for x in v) / len(v))

# RandomNormal(stddev=0.01), 4096 values: the stddev within 6% (its standard error is 1.1%);
# the default 0.05 is five times off. Not truncated: about 4.6% beyond 2 stddev.
mean, std = stats(a1["a.W"])
expect(abs(mean) < 0.001 and abs(std - 0.01) < 0.0006, "a.W: RandomNormal(stddev=0.01) has mean %g, stddev %g" % (mean, std))
beyond = sum(abs(x) > 0.02 for x in a1["a.W"]) / len(a1["a.W"])
expect(0.03 < beyond < 0.06, "a.W: %g beyond 2 stddev (a normal has 0.046)" % beyond)
expect(all(x == struct.unpack("<f", struct.pack("<f", 0.1))[0] for x in a1["a.b"]), "a.b: Constant(0.1)")
# TruncatedNormal(mean=0.5, stddev=0.02): within 0.5 ± 0.04, stddev .88 · 0.02
mean, std = stats(a1["b.W"])
expect(abs(mean - 0.5) < 0.0005 and abs(std - 0.02 * 0.8796) < 0.02 * 0.8796 * 0.03,
       "b.W: TruncatedNormal(0.5, 0.02) has mean %g, stddev %g" % (mean, std))
expect(max(abs(x - 0.5) for x in a1["b.W"]) <= 0.04 + 1e-7, "b.W: a value beyond 2 stddev")
expect(all(x == -0.25 for x in a1["b.b"]), "b.b: Constant(value=-0.25)")
# Identity(gain=2): 2 on the diagonal of (256, 256), 0 elsewhere (where the step of
# 1e-30 · gradient shows)
expect(all(x == 2 if i // 256 == i % 256 else abs(x) < 1e-20 for i, x in enumerate(a1["c.W"])),
       "c.W: Identity(gain=2)")
# VarianceScaling(2, fan_out, uniform) on (256, 256): U(-l, l), l = sqrt(3 · 2 / 256)
limit = math.sqrt(6 / 256)
m = max(abs(x) for x in a1["e.W"])
expect(0.99 * limit < m <= limit, "e.W: VarianceScaling(2, fan_out, uniform) reaches %g, limit %g" % (m, limit))
# GlorotUniform(seed=42): the same whatever --seed, and with a layer added before it;
# the unseeded kernels follow --seed
expect(a1["d.W"] == a2["d.W"], "d.W: GlorotUniform(seed=42) changed with --seed")
expect(a1["d.W"] == b1["d.W"], "d.W: GlorotUniform(seed=42) changed when a layer was added before it")
expect(a1["e.W"] != a2["e.W"], "e.W: an unseeded kernel did not change with --seed")
expect(list(lstm["lstm.b"]) == [0.25] * 5 + [1] * 5 + [0.25] * 10,
       "lstm.b: Constant(0.25) with ones on the forget gate, got %s" % (lstm["lstm.b"],))
sys.exit(1 if failed else 0)
PY

[ "$fails" -eq 0 ] || { echo "init_options: $fails failed"; exit 1; }
echo "init_options: initializer arguments and seeds reach the trainer's weights"
