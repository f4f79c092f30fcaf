#!/usr/bin/python3
"""zoo_oracle.py NNLC MODEL WORK_DIR — a tests/codegen/models/zoo_*.nn model against
PyTorch (float64), written out layer by layer below with Keras' semantics (TensorFlow's
'same' padding with the odd pixel after, average pooling that does not count padding,
Keras' gate orders and GRU reset_after, batch norm with biased batch variance and
Keras' moving-statistics update):
  forward   the trainer's --predict (with --load, so batch norm uses moving statistics)
            against the PyTorch forward pass, relative error < 2e-5 (--predict prints
            6 significant digits)
  one step  one SGD step (lr 0.1) on all 8 examples in one batch: every parameter and
            moving statistic after the step against PyTorch's, < 1e-9
The model is compiled in f64 with its optimizer replaced by sgd(lr=0.1) and batch 8, with
--parallel-min-work=0, and run at 2 threads. Exit 77 (skip) without PyTorch or NumPy."""
import json, os, re, struct, subprocess, sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    print("SKIP: PyTorch or NumPy is not installed")
    sys.exit(77)

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def load_st(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h, d = json.loads(b[8:8 + n]), {}
    for k, v in h.items():
        if k == "__metadata__" or k == "optimizer.state":
            continue
        s, e = v["data_offsets"]
        dt = {"F64": np.float64, "F32": np.float32}[v["dtype"]]
        d[k] = torch.tensor(np.frombuffer(b[8 + n + s:8 + n + e], dtype=dt)
                            .reshape(v["shape"]).astype(np.float64))
    return d


def act(x, a):
    a, al = a if isinstance(a, tuple) else (a, None)
    if a in (None, "linear"):
        return x
    return {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
            "softmax": lambda v: torch.softmax(v, -1), "gelu": F.gelu,
            "swish": lambda v: v * torch.sigmoid(v),
            "elu": lambda v: F.elu(v, 1.0 if al is None else al),
            "leaky_relu": lambda v: F.leaky_relu(v, 0.3 if al is None else al)}[a](x)


def same_pad(n, k, s):
    out = -(-n // s)
    tot = max((out - 1) * s + k - n, 0)
    return tot // 2, tot - tot // 2


class Net:
    def __init__(s, P, training):
        s.P, s.training, s.updates = P, training, {}

    def dense(s, x, name, a=None, bias=True):
        y = x @ s.P[name + ".W"]
        return act(y + s.P[name + ".b"] if bias else y, a)

    def conv1d(s, x, name, stride=1, padding="valid", a=None, bias=True):
        W = s.P[name + ".W"]
        xt = x.permute(0, 2, 1)
        if padding == "same":
            xt = F.pad(xt, same_pad(x.shape[1], W.shape[0], stride))
        y = F.conv1d(xt, W.permute(2, 1, 0), s.P[name + ".b"] if bias else None, stride=stride)
        return act(y.permute(0, 2, 1), a)

    def conv2d(s, x, name, stride=(1, 1), padding="valid", a=None, bias=True):
        W = s.P[name + ".W"]
        xt = x.permute(0, 3, 1, 2)
        if padding == "same":
            ph, pw = same_pad(x.shape[1], W.shape[0], stride[0]), same_pad(x.shape[2], W.shape[1], stride[1])
            xt = F.pad(xt, (pw[0], pw[1], ph[0], ph[1]))
        y = F.conv2d(xt, W.permute(3, 2, 0, 1), s.P[name + ".b"] if bias else None, stride=stride)
        return act(y.permute(0, 2, 3, 1), a)

    def pool(s, x, kind, size, stride, padding="valid"):
        nd = x.dim() - 2
        size = size if isinstance(size, (list, tuple)) else (size,) * nd
        stride = stride if isinstance(stride, (list, tuple)) else (stride,) * nd
        xt = x.permute(0, nd + 1, *range(1, nd + 1))
        pads = []
        for i in reversed(range(nd)):
            pads += list(same_pad(x.shape[1 + i], size[i], stride[i])) if padding == "same" else [0, 0]
        mp, ap = (F.max_pool1d, F.avg_pool1d) if nd == 1 else (F.max_pool2d, F.avg_pool2d)
        if kind == "max":
            y = mp(F.pad(xt, pads, value=-1e300), size, stride)
        elif kind == "min":
            y = -mp(F.pad(-xt, pads, value=-1e300), size, stride)
        else:
            y = ap(F.pad(xt, pads), size, stride) / ap(F.pad(torch.ones_like(xt), pads), size, stride)
        return y.permute(0, *range(2, nd + 2), 1)

    def bn(s, x, name, momentum=0.99, eps=1e-3):
        if s.training:
            dims = tuple(range(x.dim() - 1))
            m = x.mean(dims)
            v = ((x - m) ** 2).mean(dims)
            for k, new in (("moving_mean", m), ("moving_var", v)):
                s.updates[f"{name}.{k}"] = momentum * s.P[f"{name}.{k}"] + (1 - momentum) * new.detach()
        else:
            m, v = s.P[name + ".moving_mean"], s.P[name + ".moving_var"]
        return (x - m) / torch.sqrt(v + eps) * s.P[name + ".gamma"] + s.P[name + ".beta"]

    def simple_rnn(s, x, name, u, a="tanh", seq=False):
        h, out = torch.zeros(x.shape[0], u), []
        for t in range(x.shape[1]):
            h = act(x[:, t] @ s.P[name + ".W"] + h @ s.P[name + ".U"] + s.P.get(name + ".b", 0), a)
            out.append(h)
        return torch.stack(out, 1) if seq else h

    def lstm(s, x, name, u, a="tanh", ra="sigmoid", seq=False):
        h, c, out = torch.zeros(x.shape[0], u), torch.zeros(x.shape[0], u), []
        for t in range(x.shape[1]):
            z = x[:, t] @ s.P[name + ".W"] + h @ s.P[name + ".U"] + s.P.get(name + ".b", 0)
            i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
            c = act(f, ra) * c + act(i, ra) * act(g, a)
            h = act(o, ra) * act(c, a)
            out.append(h)
        return torch.stack(out, 1) if seq else h

    def gru(s, x, name, u, a="tanh", ra="sigmoid", seq=False, reset_after=True):
        W, U = s.P[name + ".W"], s.P[name + ".U"]
        b = s.P.get(name + ".b", torch.zeros((2, 3 * u) if reset_after else (3 * u,)))
        h, out = torch.zeros(x.shape[0], u), []
        for t in range(x.shape[1]):
            if reset_after:
                xi, hr = x[:, t] @ W + b[0], h @ U + b[1]
                z, r = act(xi[:, :u] + hr[:, :u], ra), act(xi[:, u:2 * u] + hr[:, u:2 * u], ra)
                hh = act(xi[:, 2 * u:] + r * hr[:, 2 * u:], a)
            else:
                xi = x[:, t] @ W + b
                z, r = act(xi[:, :u] + h @ U[:, :u], ra), act(xi[:, u:2 * u] + h @ U[:, u:2 * u], ra)
                hh = act(xi[:, 2 * u:] + (r * h) @ U[:, 2 * u:], a)
            h = z * h + (1 - z) * hh
            out.append(h)
        return torch.stack(out, 1) if seq else h

    def glu(s, x, name=None, units=None):
        if name is None:
            n = x.shape[-1] // 2
            return x[..., :n] * torch.sigmoid(x[..., n:])
        y = x @ s.P[name + ".W"] + s.P[name + ".b"]
        return y[..., :units] * torch.sigmoid(y[..., units:])

    def emb(s, x, name):
        return s.P[name + ".E"][x.long()]


def flat(x):
    return x.reshape(len(x), -1)


def res(n, x, i, stride):
    cv = lambda k: "conv2d" if k == 0 else f"conv2d_{k}"
    bn = lambda k: "batch_normalization" if k == 0 else f"batch_normalization_{k}"
    h = F.relu(n.bn(n.conv2d(x, cv(3 * i), (stride, stride), "same", bias=False), bn(2 * i)))
    h = n.bn(n.conv2d(h, cv(3 * i + 1), padding="same"), bn(2 * i + 1))
    y = h + n.conv2d(x, cv(3 * i + 2), (stride, stride))
    return y * torch.sigmoid(y)


def act_layers(n, x):
    h = x
    for i, a in enumerate(["relu", "sigmoid", ("elu", 0.5), ("leaky_relu", 0.01), "gelu",
                           "swish", "linear", "tanh", "softmax", "relu"]):
        h = act(n.dense(h, "dense" if i == 0 else f"dense_{i}"), a)
    return n.dense(h, "dense_10", "softmax")


def merge_mix(n, x):
    a, b = n.dense(x, "a", "swish"), n.dense(x, "b", "gelu")
    return n.dense(torch.cat([(a + b + x) * a, x, a], -1), "dense", "softmax")


def concat_img(n, x):
    c = torch.cat([n.conv2d(x, "a", padding="same", a="relu"), n.conv2d(x, "b")], -1)
    return n.dense(flat(n.pool(torch.cat([c, c], 2), "max", 3, 2, "same")), "dense", "softmax")


def concat_heights_views(n, x):
    f = flat(torch.cat([n.conv2d(x, "a", padding="same"), x], 1))
    d1, d2 = n.dense(torch.cat([f, flat(x), f], -1), "d1", "relu"), n.dense(f, "d2")
    return n.dense(n.simple_rnn((d1 + d2 + d2).reshape(-1, 3, 1), "simple_rnn", 2), "dense", "softmax")


def gru_stack_modes(n, x):
    h = n.gru(x, "gru", 3, seq=True, reset_after=False)
    h = n.simple_rnn(n.gru(h, "gru_1", 3, a="relu", seq=True), "simple_rnn", 2, a="swish", seq=True)
    return n.dense(n.lstm(h, "lstm", 2, seq=True).mean(1), "dense")


def emb_fanout(n, x):
    c = torch.cat([n.emb(x, "e1"), n.emb(x, "e2")], -1)
    return n.dense(torch.cat([flat(c), n.dense(x, "d")], -1), "dense", "softmax")


def global_max_2d(n, x):
    c = n.conv2d(x, "c", a="tanh")
    g = n.pool(c, "max", 2, 2).amax((1, 2))
    return n.dense(torch.cat([c.amax((1, 2)), g], -1), "dense", "softmax")


def reshape_chain(n, x):
    h = flat(n.conv1d(x.reshape(-1, 3, 4), "conv1d", a="sigmoid")).reshape(-1, 2, 2, 1)
    return n.dense(flat(n.conv2d(h, "conv2d")), "dense", "sigmoid")


def shared_layers(n, x):
    h = n.conv2d(x, "conv2d")
    for i in range(3):
        h = F.relu(n.bn(n.conv2d(h, f"conv2d_{i + 1}", padding="same", bias=False),
                        "batch_normalization" if i == 0 else f"batch_normalization_{i}"))
    h = flat(h)
    for name in ("dense", "dense_1", "dense_2"):
        h = n.dense(h, name, "tanh")
    return n.dense(h, "dense_3", "softmax")


def strided_mul_concat(n, x):
    a = n.conv2d(x, "a", (2, 2), "same", "elu")
    h = n.conv2d(torch.cat([a, a * n.conv2d(x, "b", (2, 2))], -1), "conv2d", (3, 2), "same", "gelu")
    return n.dense(flat(h), "dense", "softmax")


def conv1d_strides_global(n, x):
    c = n.pool(n.conv1d(x, "a", 3, "same", "swish") + n.conv1d(x, "b", 2), "avg", 3, 2, "same")
    return n.dense(torch.cat([c.mean(1), c.amax(1)], -1), "dense", "tanh")


def seq_concat_nobias_lstm(n, x):
    a = n.lstm(x, "a", 4, ("leaky_relu", 0.2), "relu", seq=True)
    h = act(torch.cat([a, n.conv1d(x, "b", 1, "same")], 1), "swish")
    h = torch.softmax(n.simple_rnn(h, "simple_rnn", 2, "gelu", True), -1)
    return n.dense(h.mean(1), "dense", "softmax")


def pool1d_mix(n, x):
    a = n.conv1d(x, "a", 3, a="tanh")
    p, q = n.pool(a * a * a, "max", 3, 2, "same"), n.pool(a, "min", 3, 2, "same")
    r = n.conv1d(x + x, "r", 6, "same", bias=False)
    h = n.pool(n.glu(torch.cat([p, q, r], -1)), "avg", 2, 1, "same")
    return n.dense(flat(h), "dense", "sigmoid")


def keras_merge(op, *xs):
    """add or multiply as Keras' merge layers broadcast: an input of lower rank is expanded
    at axis 1, after the batch, until the ranks agree (PyTorch alone would line its batch
    axis up with another axis of the others), then sizes of 1 repeat."""
    r = max(x.dim() for x in xs)
    xs = [x.reshape(x.shape[0], *([1] * (r - x.dim())), *x.shape[1:]) for x in xs]
    y = xs[0]
    for v in xs[1:]:
        y = op(y, v)
    return y


def bcast_se(n, x):
    c = n.conv2d(x, "c", padding="same", a="relu")
    s = n.dense(n.dense(c.mean((1, 2)), "dense", "relu"), "dense_1", "sigmoid").reshape(-1, 1, 1, 8)
    y = n.conv2d(keras_merge(torch.mul, c, s), "conv2d", (2, 2), a="tanh")
    return n.dense(flat(y), "dense_2", "softmax")


def bcast_first(n, x):
    c = n.conv2d(x, "c", padding="same", a="elu")
    a = keras_merge(torch.add, n.dense(c.amax((1, 2)), "v", "tanh"), c)
    m = keras_merge(torch.mul, n.conv2d(a, "g", a="sigmoid"), a)
    return n.dense(m.mean((1, 2)), "dense", "softmax")


def bcast_mixed(n, x):
    r, p = n.dense(x, "step"), n.dense(flat(x), "p", "swish")
    d = n.dense(flat(keras_merge(torch.add, r, p.reshape(-1, 1, 5), p)), "d", "tanh")
    k = n.dense(flat(keras_merge(torch.mul, d.reshape(-1, 2, 1, 3), d.reshape(-1, 2, 3))), "scale", "sigmoid")
    return n.dense(flat(keras_merge(torch.add, keras_merge(torch.mul, x, k), x, k)), "dense")


FORWARD = {
    "zoo_conv1d_strides_global": (conv1d_strides_global, "mse"),
    "zoo_gru_nobias": (lambda n, x: n.dense(n.gru(n.gru(n.gru(x, "gru", 3, seq=True), "gru_1", 4, seq=True, reset_after=False),
                                                  "gru_2", 2, a="relu"), "dense"), "mse"),
    "zoo_pool1d_mix": (pool1d_mix, "mse"),
    "zoo_seq_concat_nobias_lstm": (seq_concat_nobias_lstm, "scce"),
    "zoo_strided_mul_concat": (strided_mul_concat, "scce"),
    "zoo_act_layers": (act_layers, "scce"),
    "zoo_bn_relu_wide": (lambda n, x: n.dense(n.bn(n.conv2d(act(n.bn(n.conv2d(x, "conv2d", bias=False),
                                                                      "batch_normalization"), "relu"),
                                                               "conv2d_1", (2, 2)), "batch_normalization_1", 0.9)
                                               .mean((1, 2)), "dense", "softmax"), "scce"),
    "zoo_bcast_first": (bcast_first, "cce"),
    "zoo_bcast_mixed": (bcast_mixed, "mse"),
    "zoo_bcast_se": (bcast_se, "scce"),
    "zoo_bn_batch1": (lambda n, x: n.dense(flat(n.bn(x, "batch_normalization")), "dense"), "mse"),
    "zoo_bn_seq_rnn": (lambda n, x: n.dense(n.gru(n.bn(n.lstm(n.bn(x, "batch_normalization"), "lstm", 4, seq=True),
                                                        "batch_normalization_1", 0.9), "gru", 3), "dense", "softmax"), "scce"),
    "zoo_concat_heights_views": (concat_heights_views, "scce"),
    "zoo_concat_img": (concat_img, "scce"),
    "zoo_conv1d_same_stride": (lambda n, x: n.dense(n.pool(n.conv1d(x, "conv1d", 3, "same", "elu"), "max", 3, 2, "same")
                                                     .mean(1), "dense", "sigmoid"), "bce"),
    "zoo_conv2d_nonsquare": (lambda n, x: n.dense(flat(n.pool(n.conv2d(x, "conv2d", (2, 1), a=("leaky_relu", 0.1)),
                                                              "avg", (3, 2), (2, 2), "same")), "dense", "softmax"), "cce"),
    "zoo_conv_direct": (lambda n, x: n.dense(flat(n.pool(n.conv2d(n.conv2d(x, "conv2d"), "conv2d_1", padding="same",
                                                                  a="tanh"), "max", 2, 2)), "dense", "softmax"), "cce"),
    "zoo_conv_skip": (lambda n, x: n.dense(flat(n.conv2d(n.pool(n.conv2d(x, "conv2d", (3, 3), a="swish"), "max", 2, 1),
                                                         "conv2d_1", (1, 2), "same")), "dense", "softmax"), "scce"),
    "zoo_emb_conv": (lambda n, x: n.dense(flat(n.pool(n.conv1d(n.emb(x, "embedding"), "conv1d", 1, "same", "gelu"),
                                                      "min", 3, 1)), "dense", "sigmoid"), "bce"),
    "zoo_emb_fanout": (emb_fanout, "scce"),
    "zoo_global_max_1d": (lambda n, x: n.dense(n.conv1d(n.emb(x, "embedding"), "conv1d", a="relu").amax(1),
                                               "dense", "sigmoid"), "bce"),
    "zoo_global_max_2d": (global_max_2d, "scce"),
    "zoo_glu_seq": (lambda n, x: n.dense(flat(n.glu(n.glu(x), "glu_1", 4)), "dense", "softmax"), "scce"),
    "zoo_gru_stack_modes": (gru_stack_modes, "mse"),
    "zoo_merge_mix": (merge_mix, "cce"),
    "zoo_multilabel_bce": (lambda n, x: n.dense(n.dense(x, "dense", "relu"), "dense_1", "sigmoid"), "bce"),
    "zoo_out_bn": (lambda n, x: n.bn(n.dense(x, "dense"), "batch_normalization"), "mae"),
    "zoo_pool1d_odd": (lambda n, x: n.dense(flat(n.conv1d(n.pool(n.pool(x, "min", 3, 2), "avg", 2, 1, "same"), "conv1d")),
                                            "dense", "softmax"), "cce"),
    "zoo_pool_big_same": (lambda n, x: n.dense(flat(n.pool(n.pool(n.conv2d(x, "conv2d", (5, 5), "same", "tanh"),
                                                                  "max", 5, 4, "same"), "avg", 3, 3, "same")),
                                               "dense", "softmax"), "scce"),
    "zoo_res_block": (lambda n, x: n.dense(res(n, res(n, x, 0, 2), 1, 1).mean((1, 2)), "dense", "softmax"), "scce"),
    "zoo_reshape_chain": (reshape_chain, "bce"),
    "zoo_shared_layers": (shared_layers, "scce"),
    "zoo_rnn_stack": (lambda n, x: n.dense(n.lstm(n.gru(n.simple_rnn(x, "simple_rnn", 3, "relu", True), "gru", 4, ra="tanh",
                                                        seq=True, reset_after=False), "lstm", 2, a="elu"), "dense"), "mse"),
    "zoo_seq_out_mse": (lambda n, x: n.dense(n.lstm(x, "lstm", 4, seq=True), "dense"), "mse"),
    "zoo_split_rest": (lambda n, x: n.dense(n.dense(x, "dense", "relu"), "dense_1", "softmax"), "scce"),
    "zoo_split_wide": (lambda n, x: n.dense(n.dense(x, "dense", "relu"), "dense_1", "softmax"), "scce"),
    "zoo_split_pack_rest": (lambda n, x: n.dense(n.dense(x, "dense", "relu"), "dense_1", "softmax"), "scce"),
    "zoo_dw_packed": (lambda n, x: n.dense(n.dense(n.dense(x, "dense", "relu"), "dense_1", "tanh"), "dense_2", "softmax"), "scce"),
    "zoo_tiny_1x1": (lambda n, x: n.dense(flat(n.bn(n.conv2d(x, "conv2d"), "batch_normalization")), "dense"), "mse"),
}


def loss_fn(kind, p, y):
    if kind in ("scce", "cce"):
        return -torch.log(p[torch.arange(len(y)), y.long()]).mean()
    y = y.reshape(p.shape)
    if kind == "bce":
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    return ((p - y) ** 2).mean() if kind == "mse" else (p - y).abs().mean()


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(" ".join(cmd) + "\n" + r.stdout + r.stderr)
    return r.stdout


def main():
    nnlc, model, work = sys.argv[1], sys.argv[2], sys.argv[3]
    name = os.path.basename(model)[:-3]
    fwd, loss = FORWARD[name]
    os.makedirs(work, exist_ok=True)
    lr, n = 0.1, 8
    text = open(model).read()
    text = re.sub(r"optimizer = \w+\([^)]*\)", f"optimizer = sgd(lr={lr})", text)
    text = re.sub(r"batch = \d+", f"batch = {n}", text)
    src, exe = os.path.join(work, name + ".nn"), os.path.join(work, name)
    open(src, "w").write(text)
    run([nnlc, "--precision=f64", "--parallel-min-work=0", src, "-o", exe])
    xp, yp = os.path.join(work, "x.npy"), os.path.join(work, "y.npy")
    run(["/usr/bin/python3", os.path.join(HERE, "zoo_data.py"), model, os.path.join(work, ""), str(n), "5"])
    os.replace(os.path.join(work, "_x.npy"), xp)
    os.replace(os.path.join(work, "_y.npy"), yp)
    ck0, ck1 = os.path.join(work, "start.safetensors"), os.path.join(work, "step.safetensors")
    common = ["--threads", "2", "--quiet"]
    # one epoch from the seeded initialization: weights that are not the initial ones
    run([exe, "--data", xp, yp, "--epochs", "1", "--save", ck0] + common)
    out = run([exe, "--load", ck0, "--predict", xp, "--threads", "2"])
    rows = [l.split(",") for l in out.strip().splitlines()]
    cols = [i for i, h in enumerate(rows[0]) if re.fullmatch(r"[py]\d*", h)]
    pred = np.array([[float(r[i]) for i in cols] for r in rows[1:]])
    # the trainer keeps examples in float32 (runtime: nnrt_store_float32), in f64 models too
    x = torch.tensor(np.load(xp).astype(np.float32).astype(np.float64))
    y = torch.tensor(np.load(yp).astype(np.float32).astype(np.float64))
    P0 = load_st(ck0)
    with torch.no_grad():
        ref = fwd(Net(P0, False), x).reshape(n, -1).numpy()
    ferr = float(np.max(np.abs(ref - pred) / (np.abs(ref) + 1e-3)))
    run([exe, "--load", ck0, "--data", xp, yp, "--epochs", "1", "--save", ck1] + common)
    P1 = load_st(ck1)
    Pt = {k: v.clone().requires_grad_(True) for k, v in P0.items()}
    net = Net(Pt, True)
    loss_fn(loss, fwd(net, x), y).backward()
    serr, worst = 0.0, "-"
    for k, v in Pt.items():
        new = net.updates[k] if k in net.updates else v.detach() - lr * v.grad
        # absolute below 1, relative above: a weight a step moved to 2e7 keeps f64's
        # relative rounding (1e-16), which an absolute 1e-9 would not allow
        e = ((new - P1[k]).abs() / new.abs().clamp(min=1)).max().item()
        if e > serr:
            serr, worst = e, k
    ok = ferr < 2e-5 and serr < 1e-9
    print(f"{'ok  ' if ok else 'FAIL'} {name}: forward relative error {ferr:.2e} (< 2e-5), "
          f"one SGD step max error (relative above 1) {serr:.2e} (< 1e-9, worst {worst})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
