#!/usr/bin/python3
"""random_models.py — a random-model sweep of nnlc's back end (slow: not part of ctest).

  random_models.py gen SEED               print the random model of SEED
  random_models.py run NNLC WORK FIRST COUNT [--keep]
                                          check models FIRST .. FIRST+COUNT-1, one line each
  (run it with /usr/bin/python3, whose PyTorch the oracle uses; about 5-20 s a model)

Every model is small (at most 6,000 parameters), valid and a function of its seed alone
(Python's random.Random(SEED)): chains and named-tensor graphs of every layer of
docs/language.md (add and multiply of equal or broadcasting shapes and concat on any axis,
of two or three paths or the same tensor twice; blocks used once or twice, with the same
or other arguments; a layer repeated 2-4 times, which loops_share.c gives one function;
conv1d/conv2d with strides, padding, odd and non-square sizes; pooling; global pooling;
batchnorm; dropout; reshape/flatten; embedding; the recurrent layers with and without
return_sequences; glu; every activation), with a legal loss, optimizer, clipping, l2,
schedule, validation, early stopping, augmentation and batch size (1, 3, 5 or 32). A third
of the models are wide (widths past 16, the f32 vector length; a few past 96, a tile's
columns). The header is zoo_data.py's, so a failing model can go to tests/codegen/models
as it is (with its forward in zoo_oracle.py). `run` checks, per model:
  summary   nnlc --summary exits 0 and its totals are Keras' (counted here independently);
            the graph IR's layer names and shapes are the ones predicted here
  gradcheck f64, --parallel-min-work=0: --gradcheck --threads 3 passes on 6 examples (a
            failure is retried on other data, as a kink of relu, max or mae can fail it)
  threads   f32, --parallel-min-work=0: 2 epochs at 1, 2 and 3 threads give byte-identical
            checkpoints (docs/ir.md), without a NaN; so does 1 epoch at 2 threads resumed
            for the second at 3 (docs/abi.md §10); --predict prints the same at 1 and 3
  jobs      f32 compiled with --jobs=1: the same checkpoint as --jobs=2 (nnlc --help)
  O0        f64 at -O0 against -O2: the same weights after 2 epochs within 1e-7 (no
            promise of identical bits: the vectorizer may reorder a reduction's additions)
  oracle    with PyTorch and NumPy: the forward pass (--predict) and one SGD step in f64
            against zoo_oracle.py's layers (the model with sgd(lr=0.1), one batch of 8,
            dropout rate 0 and no l2)
A failing model's files and report.txt stay in WORK/SEED (every model's with --keep)."""
import os, random, re, shutil, struct, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zoo_data  # noqa: E402  (the zoo's data writer and generator)

ACTS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax", "gelu", "swish"]
RNN_ACTS = [a for a in ACTS if a != "softmax"]
ACT_LAYER_BASE = {"relu": "re_lu", "softmax": "softmax", "leaky_relu": "leaky_re_lu", "elu": "elu"}


def act_text(a):
    name, alpha = a
    return name if alpha is None else f"{name}(alpha={alpha})"


def conv_out(n, k, s, padding):
    return -(-n // s) if padding == "same" else (n - k) // s + 1


def pair(v):
    return list(v) if isinstance(v, (list, tuple)) else [v, v]


def num_text(v):
    return f"[{v[0]}, {v[1]}]" if isinstance(v, (list, tuple)) else str(v)


def prod(xs):
    p = 1
    for x in xs:
        p *= x
    return p


def broadcast(shapes):
    """The shape add and multiply give inputs of these shapes (one example each), as Keras'
    merge layers broadcast them: lined up at the last axis, sizes equal or 1; None if they
    cannot."""
    out = ()
    for sh in shapes:
        n = max(len(out), len(sh))
        a, b = (1,) * (n - len(out)) + tuple(out), (1,) * (n - len(sh)) + tuple(sh)
        if any(p != q and p != 1 and q != 1 for p, q in zip(a, b)):
            return None
        out = tuple(max(p, q) if 1 in (p, q) else p for p, q in zip(a, b))
    return out


class Arg:
    """A block parameter: its name in the block's text, its value in one use."""
    def __init__(s, name, value):
        s.name, s.value = name, value

    def __str__(s):
        return s.name


def val(v):
    return v.value if isinstance(v, Arg) else v


def opt_text(v):
    if isinstance(v, Arg):
        return v.name
    if isinstance(v, tuple):
        return act_text(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return num_text(v)
    return str(v)


class Spec:
    """One layer: kind and options (values or block Args)."""
    def __init__(s, kind, **o):
        s.kind, s.o = kind, o

    def get(s, k, default=None):
        return val(s.o.get(k, default))

    def base(s):
        """Keras' automatic name of the layer's class, before _1, _2, ..."""
        k = s.kind
        if k == "pool":
            return {"max": "max_pooling", "avg": "average_pooling", "min": "min_pooling"}[s.get("op")] + \
                f"{s.get('dims')}d"
        if k == "gpool":
            return ("global_average_pooling" if s.get("op") == "avg" else "global_max_pooling") + \
                f"{s.get('dims')}d"
        if k == "act":
            return ACT_LAYER_BASE.get(s.get("act")[0], "activation") if s.get("form") == "layer" else "activation"
        if k == "merge":
            return {"add": "add", "multiply": "multiply", "concat": "concatenate"}[s.get("op")]
        if k == "rnn":
            return s.get("cell")
        return {"bn": "batch_normalization", "emb": "embedding"}.get(k, k)

    def shape(s, ins):
        """Output shape of one example, or None where the layer cannot read ins."""
        k, x = s.kind, ins[0]
        if k == "dense":
            return x[:-1] + (s.get("units"),) if len(x) <= 2 else None
        if k in ("conv1d", "conv2d"):
            nd = 1 if k == "conv1d" else 2
            if len(x) != nd + 1:
                return None
            ks, ss = pair(s.get("kernel"))[:nd], pair(s.get("strides", 1))[:nd]
            out = tuple(conv_out(x[i], ks[i], ss[i], s.get("padding", "valid")) for i in range(nd))
            return out + (s.get("filters"),) if min(out) >= 1 else None
        if k == "pool":
            nd = s.get("dims")
            if len(x) != nd + 1:
                return None
            ks = pair(s.get("size", 2))[:nd]
            ss = pair(s.get("strides") or s.get("size", 2))[:nd]
            out = tuple(conv_out(x[i], ks[i], ss[i], s.get("padding", "valid")) for i in range(nd))
            return out + (x[-1],) if min(out) >= 1 else None
        if k == "gpool":
            return (x[-1],) if len(x) == s.get("dims") + 1 else None
        if k == "flatten":
            return (prod(x),)
        if k == "reshape":
            t = list(s.get("shape"))
            if -1 in t:
                t[t.index(-1)] = prod(x) // -prod(t)
            return tuple(t) if prod(t) == prod(x) else None
        if k in ("dropout", "bn", "act"):
            return x
        if k == "glu":
            if s.get("units") is None:
                return x[:-1] + (x[-1] // 2,) if x[-1] % 2 == 0 else None
            return x[:-1] + (s.get("units"),) if len(x) <= 2 else None
        if k == "rnn":
            if len(x) != 2:
                return None
            return (x[0], s.get("units")) if s.get("seq") else (s.get("units"),)
        if k == "emb":
            return x + (s.get("dim"),) if len(x) == 1 else None
        if k == "merge":
            if s.get("op") != "concat":
                return broadcast(ins)
            ax = s.get("axis", -1)
            ax = len(x) - 1 if ax == -1 else ax - 1
            if any(len(i) != len(x) or i[:ax] + i[ax + 1:] != x[:ax] + x[ax + 1:] for i in ins):
                return None
            return x[:ax] + (sum(i[ax] for i in ins),) + x[ax + 1:]
        raise ValueError(k)

    def params(s, ins):
        """(total, trainable) as Keras counts them."""
        k, x = s.kind, ins[0]
        bias = s.get("bias", True)
        if k == "dense":
            n = x[-1] * s.get("units") + (s.get("units") if bias else 0)
        elif k in ("conv1d", "conv2d"):
            nd = 1 if k == "conv1d" else 2
            n = prod(pair(s.get("kernel"))[:nd]) * x[-1] * s.get("filters") + (s.get("filters") if bias else 0)
        elif k == "bn":
            return 4 * x[-1], 2 * x[-1]
        elif k == "glu" and s.get("units") is not None:
            u = s.get("units")
            n = 2 * (x[-1] * u + (u if bias else 0))
        elif k == "rnn":
            u, f = s.get("units"), x[-1]
            gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[s.get("cell")]
            nb = u * (2 if s.get("cell") == "gru" and s.get("reset_after", True) else 1)
            n = gates * (u * (f + u) + (nb if bias else 0))
        elif k == "emb":
            n = s.get("vocab") * s.get("dim")
        else:
            n = 0
        return n, n

    def text(s, l2=True, dropout=True):
        """The call, without the inputs applied to it."""
        k, o = s.kind, s.o
        ops = []

        def add(key, default=None, name=None):
            if key in o and (default is None or isinstance(o[key], Arg) or o[key] != default):
                ops.append(f"{name or key}={opt_text(o[key])}")

        keras = s.get("keras", False)
        if k == "dense":
            head = ["Dense" if keras else "dense", opt_text(o["units"])]
            add("act", ("linear", None), "activation")
        elif k in ("conv1d", "conv2d"):
            head = [("Conv1D" if k == "conv1d" else "Conv2D") if keras else k, opt_text(o["filters"])]
            ops.append(("kernel_size=" if keras else "kernel=") + opt_text(o["kernel"]))
            add("strides", 1)
            add("padding", "valid")
            add("act", ("linear", None), "activation")
        elif k == "pool":
            nm = {"max": "maxpool", "avg": "avgpool", "min": "minpool"}[s.get("op")]
            if keras:
                nm = {"max": "MaxPooling", "avg": "AveragePooling", "min": "MinPooling"}[s.get("op")]
                head = [f"{nm}{s.get('dims')}D"]
                if "size" in o:
                    ops.append("pool_size=" + opt_text(o["size"]))
            else:
                head = [f"{nm}{s.get('dims')}d"] + ([opt_text(o["size"])] if "size" in o else [])
            add("strides")
            add("padding", "valid")
        elif k == "gpool":
            head = [f"global_{s.get('op')}_pool{s.get('dims')}d"]
        elif k == "flatten":
            head = ["Flatten" if keras else "flatten"]
        elif k == "reshape":
            head = ["reshape", "[" + ", ".join(str(v) for v in s.get("shape")) + "]"]
        elif k == "dropout":
            head = ["dropout", opt_text(o["rate"]) if dropout else "0"]
        elif k == "bn":
            head = ["BatchNormalization" if keras else "batchnorm"]
            add("momentum")
            add("epsilon")
        elif k == "act":
            a = s.get("act")
            if s.get("form") == "layer":
                head = [a[0]]
                if a[1] is not None:
                    ops.append(f"alpha={a[1]}")
            else:
                head = ["activation", opt_text(o["act"])]
        elif k == "glu":
            head = ["glu"] + ([opt_text(o["units"])] if "units" in o else [])
        elif k == "rnn":
            head = [s.get("cell"), opt_text(o["units"])]
            add("act", ("tanh", None), "activation")
            add("ract", ("sigmoid", None), "recurrent_activation")
            add("seq", False, "return_sequences")
            add("reset_after", True)
        elif k == "emb":
            head = ["embedding", opt_text(o["vocab"]), opt_text(o["dim"])]
        elif k == "merge":
            head = [s.get("op")]
            add("axis", -1)
        else:
            raise ValueError(k)
        add("bias", True, "use_bias")
        add("init", None, "kernel_initializer")
        if l2:
            add("l2")
        return f"{head[0]}({', '.join(head[1:] + ops)})"


class Reject(Exception):
    """A random choice that does not fit: the caller undoes it and chooses again."""


class Tensor:
    """The output of a statement (stmt), or a block's `in` (block_in: stmt is the use)."""
    def __init__(s, shape, stmt, ints=False, block_in=False):
        s.shape, s.stmt, s.ints, s.block_in, s.uses = tuple(shape), stmt, ints, block_in, 0


class Stmt:
    """A layer (spec), a block use (block, args; out is the block's result), or the input."""
    def __init__(s, spec, ins, scope, block=None):
        s.spec, s.ins, s.scope, s.block = spec, ins, scope, block
        s.out, s.result = None, None
        s.bind = s.name = None
        s.explicit, s.record = False, True


class Model:
    """The random model of one seed: statements in expansion order (a block's layers
    after its use), from which come the text, the names, the counts and the oracle."""

    def __init__(s, seed):
        s.seed, s.rng = seed, random.Random(seed)
        while True:      # small enough to train in a second: else another draw
            s.stmts, s.blocks, s.nbind = [], [], 0
            s.scope, s.prev = "model", None
            s.build()
            if s.totals()[0] <= 6000:
                break

    def chance(s, p):
        return s.rng.random() < p

    # ---- statements ------------------------------------------------------------------
    def layer(s, spec, ins):
        out = spec.shape([t.shape for t in ins])
        if out is None or prod(out) > s.cap:
            raise Reject()
        st = Stmt(spec, ins, s.scope)
        st.out = Tensor(out, st)
        st.explicit = spec.kind == "merge" or len(ins) != 1 or ins[0] is not s.prev
        for t in ins:
            t.uses += 1
        s.stmts.append(st)
        s.prev = st.out
        return st.out

    def snapshot(s):
        return len(s.stmts), len(s.blocks), s.prev

    def restore(s, snap):
        del s.stmts[snap[0]:]
        del s.blocks[snap[1]:]
        s.prev = snap[2]
        for st in s.stmts:
            st.out.uses = 0
        for st in s.stmts:
            for t in st.ins + ([st.result] if st.result else []):
                t.uses += 1

    def attempt(s, f, *a):
        """f(*a), or None with every statement it added undone."""
        snap = s.snapshot()
        try:
            return f(*a)
        except Reject:
            s.restore(snap)
            return None

    def ref(s, t):
        """The name t is read by explicitly, binding one to its statement if needed."""
        if t.block_in:
            return "in"
        st = t.stmt
        if st.bind is None:
            s.nbind += 1
            st.bind = f"t{s.nbind}" if st.scope == "model" else f"h{s.nbind}"
        return st.bind

    # ---- random layers ---------------------------------------------------------------
    def act(s, allow_softmax=True, rnn=False):
        pool = RNN_ACTS if rnn or not allow_softmax else ACTS
        a, alpha = s.rng.choice(pool), None
        if a == "leaky_relu":  # always given: its default is 0.2 as an activation=, 0.3 as a layer
            alpha = s.rng.choice([0.01, 0.1, 0.2, 0.5])
        if a == "elu" and s.chance(0.5):
            alpha = s.rng.choice([0.5, 1.5])
        return (a, alpha)

    def weights_opts(s, o):
        if s.chance(0.15):
            o["bias"] = False
        if s.chance(0.1):
            o["init"] = s.rng.choice(["he_uniform", "glorot_normal", "lecun_normal", "orthogonal",
                                      "random_uniform", "he_normal"])
        if s.chance(0.1):
            o["l2"] = s.rng.choice([0.01, 0.001])
        if s.chance(0.1):
            o["keras"] = True
        return o

    def rand_spec(s, shape):
        """One random layer that may read one tensor of this shape (its shape() decides)."""
        r, c = s.rng, len(shape)
        kinds = ["act", "bn", "dropout", "glu"]
        kinds += {1: ["dense", "dense", "dense", "reshape"],
                  2: ["dense", "conv1d", "conv1d", "pool1", "rnn", "rnn", "gpool", "flatten", "reshape"],
                  3: ["conv2d", "conv2d", "conv2d", "pool2", "pool2", "gpool", "flatten", "reshape"]}[c]
        k = r.choice(kinds)
        if k == "dense":
            return Spec("dense", **s.weights_opts(dict(units=s.w(9), act=s.act())))
        if k == "act":
            return Spec("act", act=s.act(), form=r.choice(["layer", "activation"]))
        if k == "bn":
            o = dict(keras=s.chance(0.2))
            if s.chance(0.4):
                o["momentum"] = r.choice([0.9, 0.5, 0.0, 1.0])
            if s.chance(0.3):
                o["epsilon"] = r.choice([0.01, 1e-05])
            return Spec("bn", **o)
        if k == "dropout":
            return Spec("dropout", rate=r.choice([0.1, 0.25, 0.5, 0.0]))
        if k == "glu":
            if shape[-1] % 2 == 0 and s.chance(0.5):
                return Spec("glu")
            return Spec("glu", **s.weights_opts(dict(units=s.w(6))))
        if k in ("conv1d", "conv2d"):
            nd = 1 if k == "conv1d" else 2
            if nd == 2 and s.chance(0.4):
                kern = [r.randint(1, min(4, shape[0] + 1)), r.randint(1, min(4, shape[1] + 1))]
            else:
                kern = r.randint(1, min(5, max(shape[:nd]) + 1))
            o = dict(filters=s.w(6), kernel=kern, padding=r.choice(["valid", "same", "same"]),
                     act=s.act())
            if s.chance(0.4):
                o["strides"] = r.choice([2, 3]) if nd == 1 or s.chance(0.5) else [r.randint(1, 3), r.randint(1, 3)]
            return Spec(k, **s.weights_opts(o))
        if k in ("pool1", "pool2"):
            nd = int(k[-1])
            o = dict(op=r.choice(["max", "avg", "min"]), dims=nd, keras=s.chance(0.2))
            if s.chance(0.7):
                o["size"] = r.randint(1, 4) if nd == 1 or s.chance(0.6) else [r.randint(1, 3), r.randint(1, 3)]
            if s.chance(0.4):
                o["strides"] = r.randint(1, 3)
            if s.chance(0.5):
                o["padding"] = "same"
            return Spec("pool", **o)
        if k == "gpool":
            return Spec("gpool", op=r.choice(["avg", "max"]), dims=c - 1)
        if k == "flatten":
            return Spec("flatten", keras=s.chance(0.2))
        if k == "reshape":
            return s.rand_reshape(shape)
        cell = r.choice(["simple_rnn", "lstm", "gru"])
        o = dict(cell=cell, units=s.w(5), seq=s.chance(0.5))
        if s.chance(0.4):
            o["act"] = s.act(rnn=True)
        if cell != "simple_rnn" and s.chance(0.3):
            o["ract"] = s.act(rnn=True)
        if cell == "gru" and s.chance(0.4):
            o["reset_after"] = False
        if s.chance(0.2):
            o["bias"] = False
        return Spec("rnn", **o)

    def rand_reshape(s, shape):
        n, r = prod(shape), s.rng
        divs = [d for d in range(1, n + 1) if n % d == 0]
        rank = r.choice([1, 2, 2, 3])
        a = r.choice(divs)
        if rank == 1:
            t = [n]
        elif rank == 2:
            t = [a, n // a]
        else:
            b = r.choice([d for d in divs if (n // a) % d == 0])
            t = [a, b, n // a // b]
        if rank > 1 and s.chance(0.4):
            t[r.randrange(rank)] = -1
        return Spec("reshape", shape=t)

    # ---- structures ------------------------------------------------------------------
    def chain_step(s, x):
        for _ in range(30):
            y = s.attempt(lambda: s.layer(s.rand_spec(x.shape), [x]))
            if y is not None and not (len(y.shape) == 3 and y.shape[0] * y.shape[1] > s.cap // 3):
                return y
            if y is not None:
                s.restore((len(s.stmts) - 1, len(s.blocks), x if s.prev is y else s.prev))
        return s.layer(Spec("act", act=s.act(), form="layer"), [x])

    def path(s, x, want):
        """0 to 2 layers from x whose result satisfies want(shape); else Reject."""
        t = x
        for _ in range(s.rng.choice([0, 1, 1, 1, 2])):
            t = s.layer(s.rand_spec(t.shape), [t])
        if not want(t.shape):
            raise Reject()
        return t

    def merge(s, x):
        """Two or three paths from x joined by add, multiply or concat (any axis); add and
        multiply of equal shapes, or half the time of any shapes that broadcast with the
        first one (Keras' rule, broadcast() below)."""
        r = s.rng
        op = r.choice(["add", "multiply", "concat", "concat"])
        first = s.attempt_n(lambda: s.path(x, lambda sh: True))
        fs = first.shape
        if op == "concat":
            ax = r.choice([-1] + list(range(1, len(fs) + 1)))
            k = len(fs) - 1 if ax == -1 else ax - 1
            want = lambda sh: len(sh) == len(fs) and sh[:k] + sh[k + 1:] == fs[:k] + fs[k + 1:]
        elif s.chance(0.5):
            ax, want = -1, lambda sh: broadcast([fs, sh]) is not None
        else:
            ax, want = -1, lambda sh: sh == fs
        ins = [first]
        for _ in range(r.choice([1, 1, 2])):
            ins.append(s.attempt_n(lambda: s.path(x, want)))
        if all(t is x for t in ins) and op != "concat":
            raise Reject()
        spec = Spec("merge", op=op, axis=ax) if ax != -1 else Spec("merge", op=op)
        return s.layer(spec, ins)

    def repeat(s, x):
        """One layer that keeps x's shape, 2 to 4 times in a row: equal loops, which
        loops_share.c gives one function."""
        for _ in range(30):
            spec = s.rand_spec(x.shape)
            if spec.kind in ("dense", "conv1d", "conv2d", "bn", "rnn", "glu") and spec.shape([x.shape]) == x.shape:
                break
        else:
            raise Reject()
        for _ in range(s.rng.randint(2, 4)):
            x = s.layer(spec, [x])
        return x

    def attempt_n(s, f, n=25):
        for _ in range(n):
            y = s.attempt(f)
            if y is not None:
                return y
        raise Reject()

    def use_block(s, x):
        """A new block for x's rank, used once or twice in a row."""
        f = s.rng.choice({1: [block_vector, block_gate], 2: [block_seq, block_gate],
                          3: [block_image]}[len(x.shape)])
        blk = Block(f"b{len(s.blocks)}", f, s.rng.random())
        s.blocks.append(blk)
        same = s.chance(0.4)      # the second use with the first one's arguments, if they fit
        for i in range(s.rng.choice([1, 2])):
            x = blk.use(s, x, first=i == 0, args=blk.last_args if i and same else None)
        return x

    def w(s, hi):
        """A width up to hi; in a wide model, half of them from hi + 1 to 4·hi + 4 (and a
        few from 90 to 200), so that vector loops have full vectors (16 floats), remainders
        and tiles of several column blocks."""
        if s.wide and hi >= 6 and s.chance(0.1):
            return s.rng.randint(90, 200)      # past a tile's 96 columns
        return s.rng.randint(hi + 1, 4 * hi + 4) if s.wide and s.chance(0.5) else s.rng.randint(1, hi)

    def build(s):
        r = s.rng
        s.wide = s.chance(0.35)
        s.cap = 1200 if s.wide else 240
        kind = r.choice(["vector", "seq", "seq", "image", "image", "tokens"])
        if kind == "vector":
            shape = (r.choice([1, 2, 3, 5, 7, 8, 11] + ([17, 33, 130, 290] if s.wide else [])),)
        elif kind in ("seq", "tokens"):
            shape = (s.w(7),) + ((s.w(5),) if kind == "seq" else ())
        else:
            shape = (s.w(9), s.w(9), r.randint(1, 4 if s.wide else 3))
        st = Stmt(None, [], "model")
        st.out, st.bind = Tensor(shape, st, ints=kind == "tokens"), "x"
        s.stmts.append(st)
        s.input = s.prev = x = st.out
        s.vocab = r.randint(2, 9)
        if kind == "tokens":
            x = s.tokens(x)
        for _ in range(r.randint(2, 6)):
            p, y = r.random(), None
            if p < 0.25:
                y = s.attempt(s.merge, x)
            elif p < 0.4:
                y = s.attempt(s.use_block, x)
            elif p < 0.5:
                y = s.attempt(s.repeat, x)
            x = y or s.chain_step(x)
        s.head(x)
        for st in s.stmts:
            if st.out is not s.out and st.out.uses == 0:
                raise AssertionError(f"seed {s.seed}: unused output of {st.spec and st.spec.kind}")

    def tokens(s, x):
        """embedding(vocab, dim), and sometimes a second reader of the indices, concatenated."""
        r = s.rng
        e = s.layer(Spec("emb", vocab=s.vocab, dim=s.w(4)), [x])
        if not s.chance(0.4):
            return e
        if s.chance(0.5):
            o = s.layer(Spec("emb", vocab=s.vocab, dim=r.randint(1, 3)), [x])
            return s.layer(Spec("merge", op="concat", **({"axis": 1} if s.chance(0.3) and
                                                          o.shape[1] == e.shape[1] else {})), [e, o])
        o = s.layer(Spec("dense", units=r.randint(1, 4)), [x])
        f = s.layer(Spec("flatten"), [e])
        return s.layer(Spec("merge", op="concat"), [f, o])

    def head(s, x):
        """The output layers for a random loss: softmax, sigmoid or regression units."""
        r = s.rng
        s.loss = r.choice(["mse", "mae", "bce", "cce", "scce", "scce"])
        if s.loss in ("mse", "mae") and len(x.shape) == 2 and s.chance(0.4):
            k = r.randint(1, 3)
            s.out = s.layer(Spec("dense", units=k, act=s.act(allow_softmax=False)), [x])
            s.labels = f"seq {x.shape[0]} {k}"
            return
        while len(x.shape) > 1:
            c = r.random()
            if c < 0.4:
                x = s.layer(Spec("flatten"), [x])
            elif c < 0.7:
                x = s.layer(Spec("gpool", op=r.choice(["avg", "max"]), dims=len(x.shape) - 1), [x])
            elif len(x.shape) == 2:
                x = s.layer(Spec("rnn", cell=r.choice(["simple_rnn", "lstm", "gru"]), units=r.randint(1, 5)), [x])
            else:
                x = s.layer(Spec("pool", op="max", dims=2, size=2, padding="same"), [x])
        if s.loss in ("mse", "mae"):
            k = r.randint(1, 3)
            x = s.layer(Spec("dense", **s.weights_opts(dict(units=k, act=s.act(allow_softmax=k > 1)))), [x])
            if s.chance(0.15):
                x = s.layer(Spec("bn"), [x])
        else:
            k = r.randint(1, 4) if s.loss == "bce" else r.randint(2, 5)
            a = ("sigmoid", None) if s.loss == "bce" else ("softmax", None)
            if s.chance(0.2):
                x = s.layer(Spec("dense", units=k), [x])
                x = s.layer(Spec("act", act=a, form=r.choice(["layer", "activation"])), [x])
            else:
                x = s.layer(Spec("dense", **s.weights_opts(dict(units=k, act=a))), [x])
        s.labels, s.out = f"{s.loss} {k}", x

    # ---- names, counts, text ---------------------------------------------------------
    def name_layers(s):
        """A layer's name is its model-level binding, else Keras' automatic one, which
        skips the names the model binds."""
        bound = {st.bind for st in s.stmts if st.scope == "model" and st.bind}
        count = {}
        for st in s.stmts:
            if st.spec is None:
                st.name = st.bind
            elif st.scope == "model" and st.bind:
                st.name = st.bind
            else:
                b = st.spec.base()
                while True:
                    i = count.get(b, 0)
                    count[b] = i + 1
                    st.name = b if i == 0 else f"{b}_{i}"
                    if st.name not in bound:
                        break

    def totals(s):
        tot = tr = 0
        for st in s.stmts:
            if st.spec is not None:
                a, b = st.spec.params([t.shape for t in st.ins])
                tot, tr = tot + a, tr + b
        return tot, tr

    def render(s, oracle=False):
        """The .nn text; oracle: sgd(lr=0.1) on one batch of 8, no l2, dropout rate 0."""
        for st in s.stmts:        # bind every name read before writing any line
            if st.explicit:
                for t in st.ins:
                    s.ref(t)
        s.name_layers()
        body, blocks = [], {b.name: [] for b in s.blocks}
        for st in s.stmts:
            bind = f"{st.bind} = " if st.bind else ""
            if st.spec is None and st.block is None:
                body.append(f"    x = input [{', '.join(map(str, st.out.shape))}]")
            elif st.block is not None:
                call = st.block.call_text(st.args) + (f"({s.ref(st.ins[0])})" if st.explicit else "")
                body.append(f"    {bind}{call}")
            else:
                call = st.spec.text(l2=not oracle, dropout=not oracle)
                if st.spec.kind == "merge":
                    names = ", ".join(s.ref(t) for t in st.ins)
                    call = call.replace("(", f"({names}" + (", " if call[-2] != "(" else ""), 1)
                elif st.explicit:
                    call += f"({s.ref(st.ins[0])})"
                if st.scope == "model":
                    body.append(f"    {bind}{call}")
                elif st.record:
                    blocks[st.scope.name].append(f"    {bind}{call}")
        out = [f"# random_models.py seed {s.seed}", f"# params: {s.totals()[0]}",
               f"# features: {'int %d' % s.vocab if s.input.ints else 'float'}", f"# labels: {s.labels}"]
        for b in s.blocks:
            out += [f"block {b.name}({b.signature()}) {{"] + blocks[b.name] + ["}"]
        out += [f"model m{s.seed} {{"] + body + ["}", "train {", "    " + s.train_text(oracle), "}"]
        return "\n".join(out) + "\n"

    def train_text(s, oracle):
        loss = {"mse": "mse", "mae": "mae", "bce": "binary_crossentropy", "cce": "categorical_crossentropy",
                "scce": "sparse_categorical_crossentropy"}[s.loss]
        if oracle:
            return f"loss = {loss}  optimizer = sgd(lr=0.1)  batch = 8"
        r = random.Random(s.seed * 7919 + 1)
        o = r.choice(["sgd(lr=0.05)", "sgd(lr=0.02, momentum=0.9)",
                      "SGD(learning_rate=0.02, momentum=0.5, nesterov=true)", "adagrad(lr=0.05)",
                      "rmsprop()", "rmsprop(lr=0.002, momentum=0.5)", "adadelta(lr=1.0)", "adam(lr=0.01)",
                      "adam(amsgrad=true)", "nadam(lr=0.005)", "AdamW(weight_decay=0.01)"])
        if r.random() < 0.2:
            o = o[:-1] + ("" if o.endswith("()") else ", ") + r.choice(["clipnorm=1.0", "clipvalue=0.5"]) + ")"
        s.batch = r.choice([1, 3, 5, 32])
        t = [f"loss = {loss}", f"optimizer = {o}", f"batch = {s.batch}", "epochs = 2",
             f"seed = {r.randint(0, 10 ** 6)}"]
        if r.random() < 0.2:
            t.append(f"l2 = {r.choice([0.001, 0.01])}")
        if r.random() < 0.2:
            t.append("schedule = " + r.choice(["exponential(rate=0.5, steps=3)", "cosine(steps=7)",
                                               "step(every=1, factor=0.5)"]))
        if r.random() < 0.15:
            t.append("shuffle = false")
        if r.random() < 0.25:
            t.append("validation = 0.3")
            if r.random() < 0.4:
                t.append(r.choice(["early_stopping = 1", "early_stopping = early_stopping(patience=1, restore_best=true)"]
                                  + ([] if any(v.startswith("schedule") for v in t) else
                                     ["schedule = reduce_on_plateau(factor=0.5, patience=1)"])))
        if not s.input.ints and r.random() < 0.25:
            aug = ["noise(0.1)"] + (["flip()", "flip(vertical)", "shift(0.2)", "rotate(30)"]
                                    if len(s.input.shape) == 3 else [])
            t.append(f"augment = [{', '.join(r.sample(aug, r.randint(1, min(2, len(aug)))))}]")
        return "  ".join(t)


class Block:
    """A block: its parameters and a body builder whose random choices are made once
    (replayed with the same seed at every use), so that every use has one text."""

    def __init__(s, name, body, seed):
        s.name, s.body, s.seed = name, body, seed
        s.params = body(None, None, None, None)      # [(name, default or None)]

    def signature(s):
        return ", ".join(n if d is None else f"{n} = {opt_text(d)}" for n, d in s.params)

    def call_text(s, args):
        parts = [(opt_text(args[n]) if i == 0 and args["_pos"] else f"{n}={opt_text(args[n])}")
                 for i, (n, d) in enumerate(s.params) if n in args]
        return f"{s.name}({', '.join(parts)})"

    def use(s, m, x, first, args=None):
        r = m.rng
        if args is None:
            args = {"_pos": m.chance(0.5)}
            for n, d in s.params:
                if d is None or m.chance(0.5):
                    args[n] = {"u": lambda: m.w(6), "act": m.act, "stride": lambda: r.choice([1, 2]),
                               "k": lambda: r.choice([1, 2, 3])}[n]()
        s.last_args = args
        use = Stmt(None, [x], "model", block=s)
        use.args, use.explicit = args, x is not m.prev
        x.uses += 1
        m.stmts.append(use)
        inner = Tensor(x.shape, use, block_in=True)
        scope, m.scope, m.prev = m.scope, s, inner
        n0 = len(m.stmts)
        try:
            y = s.body(m, inner, {n: Arg(n, args.get(n, d)) for n, d in s.params}, random.Random(s.seed))
        finally:
            m.scope = scope
        for st in m.stmts[n0:]:
            st.record = first
        y.uses += 1
        use.inner, use.result, use.out = inner, y, Tensor(y.shape, use)
        m.prev = use.out
        return use.out


def block_vector(m, x, a, r):
    """dense(u, act) [bn | dropout], h = dense(u); s = dense(u)(in); add | multiply | concat."""
    if m is None:
        return [("u", None), ("act", ("relu", None))]
    mid, op, nobias = r.choice([None, "bn", "dropout"]), r.choice(["add", "multiply", "concat"]), r.random() < 0.5
    h = m.layer(Spec("dense", units=a["u"], act=a["act"]), [x])
    if mid:
        h = m.layer(Spec("bn") if mid == "bn" else Spec("dropout", rate=0.2), [h])
    h = m.layer(Spec("dense", units=a["u"]), [h])
    sk = m.layer(Spec("dense", units=a["u"], **({"bias": False} if nobias else {})), [x])
    return m.layer(Spec("merge", op=op), [h, sk])


def block_gate(m, x, a, r):
    """g = dense(u, activation=sigmoid); v = dense(u)(in); multiply(v, g); activation(act)."""
    if m is None:
        return [("u", None), ("act", ("tanh", None))]
    g = m.layer(Spec("dense", units=a["u"], act=("sigmoid", None)), [x])
    v = m.layer(Spec("dense", units=a["u"]), [x])
    y = m.layer(Spec("merge", op="multiply"), [v, g] if r.random() < 0.5 else [g, v])
    return m.layer(Spec("act", act=a["act"], form="activation"), [y])


def block_seq(m, x, a, r):
    """h = rnn(u, return_sequences=true); s = conv1d(u, kernel=k, padding=same)(in); merge."""
    if m is None:
        return [("u", None), ("k", 3)]
    cell, op = r.choice(["simple_rnn", "lstm", "gru"]), r.choice(["add", "concat", "multiply", "concat1"])
    h = m.layer(Spec("rnn", cell=cell, units=a["u"], seq=True), [x])
    sk = m.layer(Spec("conv1d", filters=a["u"], kernel=a["k"], padding="same"), [x])
    if op == "concat1":
        return m.layer(Spec("merge", op="concat", axis=1), [h, sk])
    return m.layer(Spec("merge", op=op), [h, sk])


def block_image(m, x, a, r):
    """conv2d(u, k, strides=stride, same) [bn] activation(act); h = conv2d(u, 1|3|[1, 3], same);
    s = the 1x1 strided shortcut of in (or 1x1 then maxpool2d(1, strides=stride)); add(h, s)."""
    if m is None:
        return [("u", None), ("stride", 1), ("k", 3), ("act", ("relu", None))]
    bn, nobias, pool = r.random() < 0.6, r.random() < 0.5, r.random() < 0.3
    o = dict(filters=a["u"], kernel=a["k"], strides=a["stride"], padding="same")
    if nobias:
        o["bias"] = False
    h = m.layer(Spec("conv2d", **o), [x])
    if bn:
        h = m.layer(Spec("bn"), [h])
    h = m.layer(Spec("act", act=a["act"], form="activation"), [h])
    h = m.layer(Spec("conv2d", filters=a["u"], kernel=r.choice([1, 3, [1, 3]]), padding="same"), [h])
    if pool:
        sk = m.layer(Spec("conv2d", filters=a["u"], kernel=1), [x])
        sk = m.layer(Spec("pool", op="max", dims=2, size=1, strides=a["stride"]), [sk])
    else:
        sk = m.layer(Spec("conv2d", filters=a["u"], kernel=1, strides=a["stride"]), [x])
    return m.layer(Spec("merge", op="add"), [h, sk])


# ---- the checks -----------------------------------------------------------------------
def sh(cmd, timeout=120):
    """(exit status, stdout + stderr); status None when it ran past timeout seconds."""
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        return r.returncode, r.stdout
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")


def write_data(model, prefix, n, seed):
    argv, sys.argv = sys.argv, ["zoo_data.py", model, prefix, str(n), str(seed)]
    try:
        zoo_data.main()
    finally:
        sys.argv = argv


def read_st(path):
    """A checkpoint's tensors as lists of floats (optimizer state and metadata left out)."""
    import json
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    out = {}
    for k, v in json.loads(b[8:8 + n]).items():
        if k in ("__metadata__", "optimizer.state"):
            continue
        s, e = v["data_offsets"]
        fmt = {"F64": "d", "F32": "f"}[v["dtype"]]
        out[k] = struct.unpack("<%d%s" % ((e - s) // struct.calcsize(fmt), fmt), b[8 + n + s:8 + n + e])
    return out


def ir_shapes(text):
    """{layer name: shape of one example} from --emit=ir."""
    out = {}
    for mt in re.finditer(r"^  %(\S+) = \S+.* : \(B,?([0-9,]*)\)", text, re.M):
        out[mt.group(1)] = tuple(int(v) for v in mt.group(2).split(",") if v)
    return out


class Checker:
    def __init__(s, nnlc, work, seed):
        s.nnlc, s.seed, s.dir = nnlc, seed, os.path.join(work, str(seed))
        shutil.rmtree(s.dir, ignore_errors=True)
        os.makedirs(s.dir)
        s.m = Model(seed)
        s.src = s.path("model.nn")
        open(s.src, "w").write(s.m.render())
        s.fails, s.notes = [], []

    def path(s, name):
        return os.path.join(s.dir, name)

    def fail(s, what, detail=""):
        s.fails.append(what)
        with open(s.path("report.txt"), "a") as f:
            f.write(f"FAIL {what}\n{detail}\n")

    def compile(s, exe, *opts, src=None):
        code, out = sh([s.nnlc, "--parallel-min-work=0", *opts, src or s.src, "-o", s.path(exe)])
        if code != 0:
            s.fail(f"compile {' '.join(opts) or 'f32'}" + (" (timeout)" if code is None else f" (exit {code})"), out)
            return False
        return True

    def train(s, exe, threads, ck, data="train", epochs=None, resume=None):
        more = (["--epochs", str(epochs)] if epochs else []) + (["--resume", s.path(resume)] if resume else [])
        code, out = sh([s.path(exe), "--threads", str(threads), "--quiet", "--data", s.path(data + "_x.npy"),
                        s.path(data + "_y.npy"), "--save", s.path(ck)] + more, timeout=90)
        if code != 0 or re.search(r"\bnan\b", out, re.I):
            s.fail(f"train {exe} at {threads} threads" + (" (timeout)" if code is None else f" (exit {code})"),
                   out)
            return False
        return True

    def summary(s):
        code, out = sh([s.nnlc, "--summary", s.src])
        if code != 0:
            s.fail("summary" + (" (timeout)" if code is None else f" (exit {code})"), out)
            return False
        tot, tr = s.m.totals()
        got = [re.search(rf"^{w} params: ([0-9,]+)", out, re.M) for w in ("Total", "Trainable")]
        got = [int(g.group(1).replace(",", "")) if g else None for g in got]
        if got != [tot, tr]:
            s.fail("summary params", f"nnlc {got}, Keras {[tot, tr]}\n{out}")
        code, out = sh([s.nnlc, "--emit=ir", s.src])
        shapes = ir_shapes(out)
        want = {st.name: st.out.shape for st in s.m.stmts if st.block is None}
        if shapes != want:
            diff = sorted(set(shapes.items()) ^ set(want.items()))
            s.fail("ir names/shapes", f"differ: {diff}\n{out}")
        return True

    def gradcheck(s):
        if not s.compile("f64", "--precision=f64"):
            return False
        results = []
        for seed in (5, 6, 7):
            write_data(s.src, s.path(f"gc{seed}"), 6, seed)
            code, out = sh([s.path("f64"), "--gradcheck", "--threads", "3", "--data", s.path(f"gc{seed}_x.npy"),
                            s.path(f"gc{seed}_y.npy")])
            ok = code == 0 and re.search(r"^gradcheck: passed: [0-9]+ tensors", out, re.M)
            results.append(bool(ok))
            if ok:
                break
            with open(s.path("report.txt"), "a") as f:
                f.write(f"gradcheck on data seed {seed}: exit {code}\n{out}\n")
        if not results[-1]:
            s.fail("gradcheck", "failed on 3 data sets")
        elif len(results) > 1:
            s.notes.append(f"gradcheck passed on data set {len(results)}")
        return True

    def determinism(s):
        n = random.Random(s.seed).choice([7, 13, 24])
        write_data(s.src, s.path("train"), n, 1)
        if not s.compile("f32"):
            return
        for t in (1, 2, 3):
            if not s.train("f32", t, f"t{t}.st"):
                return
        for t in (2, 3):
            if open(s.path("t1.st"), "rb").read() != open(s.path(f"t{t}.st"), "rb").read():
                s.fail(f"threads 1 and {t} differ", diff_st(s.path("t1.st"), s.path(f"t{t}.st")))
        if (s.train("f32", 2, "half.st", epochs=1) and
                s.train("f32", 3, "resumed.st", resume="half.st")):
            if open(s.path("t1.st"), "rb").read() != open(s.path("resumed.st"), "rb").read():
                s.fail("resumed after epoch 1 (2 then 3 threads) differs", diff_st(s.path("t1.st"),
                                                                                   s.path("resumed.st")))
        preds = [sh([s.path("f32"), "--load", s.path("t1.st"), "--predict", s.path("train_x.npy"),
                     "--threads", str(t)]) for t in (1, 3)]
        if preds[0][0] != 0 or preds[0] != preds[1]:
            s.fail("--predict at 1 and 3 threads", f"{preds[0][1]}\n---\n{preds[1][1]}")
        if s.compile("f32_j1", "--jobs=1") and s.train("f32_j1", 1, "j1.st"):
            if open(s.path("t1.st"), "rb").read() != open(s.path("j1.st"), "rb").read():
                s.fail("--jobs=1 and 2 differ", diff_st(s.path("t1.st"), s.path("j1.st")))
        if (os.path.exists(s.path("f64")) and s.compile("f64_O0", "--precision=f64", "-O0") and
                s.train("f64", 1, "o2.st") and s.train("f64_O0", 1, "o0.st")):
            a, b = read_st(s.path("o2.st")), read_st(s.path("o0.st"))
            err = max((abs(x - y) / max(1.0, abs(x)) for k in a for x, y in zip(a[k], b[k])), default=0)
            if set(a) != set(b) or err > 1e-7:
                s.fail("-O0 and -O2 differ", f"max relative difference {err:.3g}\n" +
                       diff_st(s.path("o2.st"), s.path("o0.st")))

    def oracle(s):
        try:
            import zoo_oracle as zo
            import numpy as np
            import torch
        except ImportError:
            return
        src = s.path("oracle.nn")
        open(src, "w").write(s.m.render(oracle=True))
        if not s.compile("oracle", "--precision=f64", src=src):
            return
        write_data(s.src, s.path("or"), 8, 5)
        xp, yp = s.path("or_x.npy"), s.path("or_y.npy")
        ck0, ck1 = s.path("start.st"), s.path("step.st")
        common = ["--threads", "2", "--quiet"]
        code, out = sh([s.path("oracle"), "--data", xp, yp, "--epochs", "1", "--save", ck0] + common)
        code2, pout = sh([s.path("oracle"), "--load", ck0, "--predict", xp, "--threads", "2"])
        code3, out3 = sh([s.path("oracle"), "--load", ck0, "--data", xp, yp, "--epochs", "1", "--save", ck1] + common)
        if code or code2 or code3:
            s.fail("oracle runs", out + pout + out3)
            return
        rows = [l.split(",") for l in pout.strip().splitlines()]
        cols = [i for i, h in enumerate(rows[0]) if re.fullmatch(r"[py]\d*", h)]
        pred = np.array([[float(r[i]) for i in cols] for r in rows[1:]])
        x = torch.tensor(np.load(xp).astype(np.float32).astype(np.float64))
        y = torch.tensor(np.load(yp).astype(np.float32).astype(np.float64))
        P0 = zo.load_st(ck0)
        with torch.no_grad():
            ref = forward(s.m, oracle_net(zo)(P0, False), x).reshape(8, -1).numpy()
        ferr = float(np.max(np.abs(ref - pred) / (np.abs(ref) + 1e-3))) if ref.shape == pred.shape else 1e9
        P1 = zo.load_st(ck1)
        Pt = {k: v.clone().requires_grad_(True) for k, v in P0.items()}
        net = oracle_net(zo)(Pt, True)
        zo.loss_fn(s.m.loss, forward(s.m, net, x), y).backward()
        serr, worst = 0.0, "-"
        for k, v in Pt.items():
            g = v.grad if v.grad is not None else torch.zeros_like(v)
            new = net.updates[k] if k in net.updates else v.detach() - 0.1 * g
            # absolute below 1, relative above: a weight a step moved to 2e7 keeps f64's
            # relative rounding (1e-16), which an absolute 1e-9 would not allow
            e = ((new - P1[k]).abs() / new.abs().clamp(min=1)).max().item()
            if e > serr:
                serr, worst = e, k
        s.notes.append(f"oracle {ferr:.1e} {serr:.1e}")
        if not (ferr < 2e-5 and serr < 1e-9):
            s.fail("oracle", f"forward relative error {ferr:.2e} (< 2e-5), one SGD step max error (relative above 1) {serr:.2e} "
                             f"(< 1e-9, worst {worst})")


def oracle_net(zo):
    """zoo_oracle's Net with contiguous convolution kernels (PyTorch 1.13's slow_conv2d
    backward refuses the permuted view)."""
    class Net(zo.Net):
        def conv2d(s, x, name, *a, **k):
            P, s.P = s.P, dict(s.P)
            s.P[name + ".W"] = P[name + ".W"].permute(3, 2, 0, 1).contiguous().permute(2, 3, 1, 0)
            try:
                return zo.Net.conv2d(s, x, name, *a, **k)
            finally:
                s.P = P
    return Net


def diff_st(a, b):
    A, B = read_st(a), read_st(b)
    out = []
    for k in sorted(set(A) | set(B)):
        if A.get(k) != B.get(k):
            d = max((abs(x - y) for x, y in zip(A.get(k, ()), B.get(k, ()))), default=float("nan"))
            out.append(f"  {k}: max difference {d:.3g}")
    return "\n".join(out) or "  (the tensors agree: metadata or optimizer state differs)"


def forward(m, net, x):
    """The model in PyTorch, through zoo_oracle's layers (Keras' semantics)."""
    import torch
    import zoo_oracle as zo
    env = {id(m.input): x}

    def get(t):
        while t.stmt.block is not None and t is t.stmt.out:
            t = t.stmt.result
        return env[id(t)]

    for st in m.stmts[1:]:
        if st.block is not None:
            env[id(st.inner)] = get(st.ins[0])
            continue
        sp, n, xs = st.spec, st.name, [get(t) for t in st.ins]
        env[id(st.out)] = layer_forward(sp, n, xs, net, zo, torch)
    return get(m.out)


def layer_forward(sp, n, xs, net, zo, torch):
    k, v, g = sp.kind, xs[0], sp.get
    if k == "dense":
        return net.dense(v, n, g("act", ("linear", None)), g("bias", True))
    if k == "conv1d":
        return net.conv1d(v, n, g("strides", 1), g("padding", "valid"), g("act", ("linear", None)), g("bias", True))
    if k == "conv2d":
        return net.conv2d(v, n, tuple(pair(g("strides", 1))), g("padding", "valid"), g("act", ("linear", None)),
                          g("bias", True))
    if k == "pool":
        size = g("size", 2)
        return net.pool(v, g("op"), size, g("strides") or size, g("padding", "valid"))
    if k == "gpool":
        dims = tuple(range(1, g("dims") + 1))
        return v.mean(dims) if g("op") == "avg" else v.amax(dims)
    if k == "flatten":
        return v.reshape(len(v), -1)
    if k == "reshape":
        return v.reshape(len(v), *g("shape"))
    if k == "dropout":
        return v
    if k == "bn":
        return net.bn(v, n, g("momentum", 0.99), g("epsilon", 0.001))
    if k == "act":
        return zo.act(v, g("act"))
    if k == "glu":
        if g("units") is None:
            return net.glu(v)
        u = g("units")
        y = v @ net.P[n + ".W"] + (net.P[n + ".b"] if g("bias", True) else 0)
        return y[..., :u] * torch.sigmoid(y[..., u:])
    if k == "rnn":
        a, ra, seq, u = g("act", ("tanh", None)), g("ract", ("sigmoid", None)), g("seq", False), g("units")
        if g("cell") == "simple_rnn":
            return net.simple_rnn(v, n, u, a, seq)
        if g("cell") == "lstm":
            return net.lstm(v, n, u, a, ra, seq)
        return net.gru(v, n, u, a, ra, seq, g("reset_after", True))
    if k == "emb":
        return net.emb(v, n)
    if k == "merge":
        if g("op") in ("add", "multiply"):
            return zo.keras_merge(torch.add if g("op") == "add" else torch.mul, *xs)
        ax = g("axis", -1)
        return torch.cat(xs, ax)
    raise ValueError(k)


def check(nnlc, work, seed, keep):
    c = Checker(nnlc, work, seed)
    try:
        if c.summary():
            c.gradcheck()
            c.determinism()
            c.oracle()
    except Exception:
        import traceback
        c.fail("harness", traceback.format_exc())
    if not c.fails and not keep:
        shutil.rmtree(c.dir)
    return c


def run(nnlc, work, first, count, keep):
    failed = 0
    for seed in range(first, first + count):
        c = check(nnlc, work, seed, keep)
        failed += bool(c.fails)
        print(f"{'FAIL' if c.fails else 'ok  '} {seed}: " + "; ".join(c.fails + c.notes), flush=True)
    print(f"{count - failed} of {count} models passed")
    return 1 if failed else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "gen":
        sys.stdout.write(Model(int(sys.argv[2])).render())
        return 0
    if len(sys.argv) >= 6 and sys.argv[1] == "run":
        return run(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), "--keep" in sys.argv)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
