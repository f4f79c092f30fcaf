#!/usr/bin/env python3
"""seeds.py OUT — writes the seed inputs of the runtime fuzzers into OUT/<harness>/ (one
small valid input per interesting model configuration, in each harness's input layout:
see the comment at the top of each fuzz_*.c). The checkpoint seeds come from real
trainers: run.sh trains them (seeds_ckpt) and adds them to OUT/fuzz_ckpt and OUT/fuzz_json."""
import os
import struct
import sys
import zlib

out = sys.argv[1]
count = {}


def seed(harness, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    count[harness] = count.get(harness, 0) + 1
    with open(os.path.join(d, "seed%03d" % count[harness]), "wb") as f:
        f.write(data)


def frame(cfg, first, rest):
    return bytes(cfg) + struct.pack("<H", len(first)) + first + rest


# ---- IDX ----
IDX_FMT = {0x08: ">B", 0x09: ">b", 0x0B: ">h", 0x0C: ">i", 0x0D: ">f", 0x0E: ">d"}


def idx(code, dims, values):
    head = bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    return head + b"".join(struct.pack(IDX_FMT[code], v) for v in values)


SHAPES = {0: (4,), 1: (2, 2), 2: (2, 2), 3: (3, 2)}  # cfg0 bits 0-1 -> image dims
N = 8


def labels_for(task, variant, n=N):
    """(dims, values) of labels for cfg0 bits 2-3 and cfg1 bit 7."""
    if task in (0, 1):
        return (n,), [i % 3 for i in range(n)]
    if task == 2:
        k = 2 if variant else 1
        return ((n, k) if k > 1 else (n,)), [i % 2 for i in range(n * k)]
    k = 1 if variant else 2
    return ((n, k) if k > 1 else (n,)), [0.5 * i for i in range(n * k)]


CONFIGS = [  # (cfg0, cfg1)
    (0x00, 0x00), (0x01, 0x01), (0x02, 0x02), (0x03, 0x03), (0x04, 0x04), (0x08, 0x08),
    (0x88, 0x80), (0x0C, 0x00), (0x0D, 0x80), (0x10, 0x20), (0x21, 0x30), (0x40, 0x40),
    (0x9C, 0x11), (0x29, 0x2E),
]

for c0, c1 in CONFIGS:
    shape, task, variant = SHAPES[c0 & 3], c0 >> 2 & 3, c1 >> 7
    per = 1
    for d in shape:
        per *= d
    ldims, lvals = labels_for(task, variant)
    for code in (0x08, 0x0D) if c0 & 0x40 == 0 else (0x08,):
        vals = [(i * 37) % 6 if c0 & 0x40 else (i * 37) % 256 for i in range(N * per)]
        x = idx(code, (N,) + shape, vals)
        lcode = 0x08 if task != 3 else 0x0D
        y = idx(lcode, ldims, lvals)
        seed("fuzz_idx", frame([c0, c1], x, y))
        seed("fuzz_idx_gz", frame([c0, c1, 3], x, y))
for code in (0x09, 0x0B, 0x0C, 0x0E):
    x = idx(code, (N, 4), [i % 100 for i in range(N * 4)])
    y = idx(0x08, (N,), [i % 3 for i in range(N)])
    seed("fuzz_idx", frame([0, 0], x, y))
x = idx(0x08, (N, 2, 2), list(range(N * 4)))
y = idx(0x08, (N,), [i % 3 for i in range(N)])
for gz in (0x01, 0x07, 0x11, 0x21, 0x31, 0x05):
    seed("fuzz_idx_gz", frame([1, 0, gz], x, y))

# ---- .npy ----
NPY_FMT = {"f4": "f", "f8": "d", "u1": "B", "i1": "b", "u2": "H", "i2": "h", "u4": "I",
           "i4": "i", "u8": "Q", "i8": "q", "b1": "?"}


def npy(descr, shape, values, version=1):
    order = "<" if descr[0] in "<|" else ">"
    kind = descr[1:]
    body = b"".join(struct.pack(order + NPY_FMT[kind], v) for v in values)
    dims = "".join("%d, " % d for d in shape) if len(shape) == 1 else ", ".join(map(str, shape))
    if len(shape) == 1:
        dims = "%d," % shape[0]
    text = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    pre = 10 if version == 1 else 12
    total = pre + len(text) + 1
    text += " " * ((64 - total % 64) % 64) + "\n"
    hlen = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + hlen + text.encode() + body


NPY_X = ["<f4", ">f8", "|u1", "<i8", "<f8", ">i2", "|b1", "<u4"]
for k, (c0, c1) in enumerate(CONFIGS):
    shape, task, variant = SHAPES[c0 & 3], c0 >> 2 & 3, c1 >> 7
    per = 1
    for d in shape:
        per *= d
    descr = "|u1" if c0 & 0x40 else NPY_X[k % len(NPY_X)]
    vals = [(i * 7) % 6 if (c0 & 0x40 or descr == "|u1") else (i % 2 if descr == "|b1" else (i * 7) % 50)
            for i in range(N * per)]
    ldims, lvals = labels_for(task, variant)
    ldescr = "<f4" if task == 3 else ("<i8" if k % 2 else "|u1")
    seed("fuzz_npy", frame([c0, c1], npy(descr, (N,) + shape, vals, 1 + k % 3),
                           npy(ldescr, ldims, lvals)))

# ---- CSV and series ----
def csv_text(c0, c1, c2):
    size = 6 if c0 & 3 == 3 else 4
    task, variant = c0 >> 2 & 3, c1 >> 7
    names = ["f%d" % i for i in range(size)]
    lines = []
    labels = []
    for i in range(N):
        if task in (0, 1):
            lab = ["cat", "dog", "emu"][i % 3] if i % 2 or c0 & 0x20 else str(i % 3)
            lab = ["cat", "dog", "emu"][i % 3] if c0 & 0x20 else str(i % 3)
        elif task == 2:
            lab = str(i % 2)
        else:
            lab = "%.3g" % (0.25 * i - 1)
        labels.append(lab)
    lc = c2 & 3
    for i in range(N):
        feats = ["%d" % ((i * 7 + j) % 6) if c0 & 0x40 else "%.4g" % ((i * 7 + j) % 11 - 5.5)
                 for j in range(size)]
        row = [labels[i]] + feats if lc == 2 else feats + [labels[i]]
        lines.append(",".join(row))
    head = ["label"] + names if lc == 2 else names + ["label"]
    text = ("" if c2 & 4 else ",".join(head) + "\n") + "\n".join(lines) + "\n"
    return text.encode()


for c0, c1 in CONFIGS:
    if c0 >> 2 & 3 == 2 and c1 >> 7:  # two binary outputs: not in one CSV label column
        continue
    if c0 >> 2 & 3 == 3 and not c1 >> 7:
        c1 |= 0x80  # one regression output
    for c2 in (0x00, 0x01, 0x02, 0x04, 0x08):
        if c2 == 0x04 and c0 & 0x20:
            continue
        seed("fuzz_csv", bytes([c0, c1, c2]) + csv_text(c0, c1, c2 if c2 != 1 else 1))
seed("fuzz_csv", bytes([0, 0, 0]) + b'a;b;c;d;label\r\n1;2;3;4;"x"\r\n5;6;7;8;"y, z"\r\n')
seed("fuzz_csv", bytes([0x20, 0, 1]) + b'\xef\xbb\xbfa\tb\tc\td\tlabel\n1\t2\t3\t4\t"cat"\n\n5\t6\t7\t8\tdog\n')
seed("fuzz_csv", bytes([0, 0, 0]) + b'a,b,c,d,label\r1,2,3,4,0\r5,6,7,8,1\r')
for c0, c1, c2, cols in ((0x0C, 0x80, 0x10, "ab"), (0x0F, 0x80, 0x50, "ab"), (0x1C, 0x81, 0x30, "a"),
                         (0x00, 0x00, 0x10, "ab"), (0x0C, 0xB0, 0x10, "ab")):
    rows = ["t," + ",".join(cols) + ",label"]
    for i in range(12):
        lab = str(i % 3) if c0 >> 2 & 3 == 0 else "%.3g" % (0.1 * i)
        rows.append("%d," % i + ",".join("%.3g" % (0.5 * i + k) for k in range(len(cols))) + "," + lab)
    seed("fuzz_csv", bytes([c0, c1, c2]) + ("\n".join(rows) + "\n").encode())

# ---- JSON ----
for text in (b'{"__metadata__":{"format":"nnrt"},"a.W":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}',
             b'["x\\ny", "\\u00e9\\t", -1.5e3, 0, true, false, null, {}, []]',
             b'{"k": [1, [2, [3, {"z": "\\"\\\\\\/\\b\\f\\n\\r\\t"}]]]}'):
    seed("fuzz_json", text)

# ---- command lines ----
for args in (["--epochs", "5", "--batch=32", "--lr", "0.001", "--seed", "7"],
             ["--data", "train.idx", "labels.idx", "--test=t.csv", "--limit", "10", "--quiet"],
             ["--resume", "ck.safetensors", "--threads", "2", "--verbose", "auto", "--no-shuffle"],
             ["--gradcheck", "--tolerance", ".001", "--shuffle"],
             ["--load", "ck.safetensors", "--evaluate", "--history", "h.csv", "--save", "s"],
             ["--predict", "x.npy", "--verbose=2"], ["--help"], ["--epochs"], ["--save", "--quiet"]):
    seed("fuzz_cli", bytes([0]) + b"\0".join(a.encode() for a in args))
