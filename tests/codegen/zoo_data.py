#!/usr/bin/python3
"""zoo_data.py MODEL.nn OUT_PREFIX N SEED — writes OUT_PREFIX_x.npy and OUT_PREFIX_y.npy
(float64, C order, without NumPy) for a tests/codegen/models/zoo_*.nn model, from its
header comments:
  # features: float | int VOCAB    uniform in [-1, 1], or whole numbers in [0, VOCAB)
  # labels: scce K | cce K | bce K | mse K | mae K | seq T K
The input shape comes from the model's `input [...]` line, or from Keras' input_shape=(...)
(or [...]), input_dim=N or input_length=N on its first layer. Values come from a fixed
linear congruential generator, so the data is the same on every machine."""
import re, struct, sys


def header(path):
    text = open(path).read()
    feat = re.search(r'^# features: (.*)$', text, re.M).group(1).split()
    lab = re.search(r'^# labels: (.*)$', text, re.M).group(1).split()
    m = (re.search(r'input \[([^\]]*)\]', text) or
         re.search(r'input_shape=[(\[]([^)\]]*)[)\]]', text) or
         re.search(r'input_(?:dim|length)=(\d+)', text))
    shape = [int(v) for v in m.group(1).split(',') if v.strip()]
    return feat, lab, shape


class Lcg:
    def __init__(self, seed):
        self.s = seed * 2654435761 % 2**64 or 1

    def uniform(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.s >> 11) / 2.0**53


def write_npy(path, shape, values, descr="<f8"):
    """A version 1.0 .npy file of values in C order; descr '<f8', '<f4' or '<i8'."""
    d = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else ""))
    d += " " * (-(10 + len(d) + 1) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d.encode())
        f.write(struct.pack("<%d%s" % (len(values), {"<f8": "d", "<f4": "f", "<i8": "q"}[descr]),
                            *values))


def main():
    model, prefix, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    feat, lab, shape = header(model)
    rng = Lcg(seed)
    per = 1
    for s in shape:
        per *= s
    if feat[0] == "int":
        x = [float(int(rng.uniform() * int(feat[1]))) for _ in range(n * per)]
    else:
        x = [round(rng.uniform() * 2 - 1, 4) for _ in range(n * per)]
    write_npy(prefix + "_x.npy", [n] + shape, x)
    kind = lab[0]
    if kind in ("scce", "cce"):
        k = int(lab[1])
        y, yshape = [float(int(rng.uniform() * k)) for _ in range(n)], [n]
    elif kind == "bce":
        k = int(lab[1])
        y = [float(rng.uniform() < 0.5) for _ in range(n * k)]
        yshape = [n] if k == 1 else [n, k]
    elif kind == "seq":
        t, k = int(lab[1]), int(lab[2])
        y, yshape = [round(rng.uniform() * 2 - 1, 4) for _ in range(n * t * k)], [n, t, k]
    else:
        k = int(lab[1])
        y = [round(rng.uniform() * 2 - 1, 4) for _ in range(n * k)]
        yshape = [n] if k == 1 else [n, k]
    write_npy(prefix + "_y.npy", yshape, y)


if __name__ == "__main__":
    main()
