#!/usr/bin/python3
"""PyTorch anchors that ../shared/bench/bench_torch.py does not have, with its data
loading, Keras initialization, timing rules and JSON summary (imported from it).

usage: /usr/bin/python3 bench/torch_extra.py MODEL [--epochs N] [--threads N] [--batch N]
                                             [--limit N] [--seed N]
MODEL: mlp_wide  784 -> 256 relu -> 128 relu -> 100 relu -> 10 softmax (examples/mlp_wide.nn):
                 Adam(lr 1e-3, betas 0.9/0.999, eps 1e-7), batch 32, and Keras'
                 ExponentialDecay(rate 0.9, decay_steps 1500) applied per step.
The twins of bench/models/NAME.nn (the survey of models that are not the examples); Adam
is Adam(lr 1e-3, betas 0.9/0.999, eps 1e-7) in each:
       lenet5    conv 6 5x5 same relu, avgpool 2, conv 16 5x5 relu, avgpool 2, dense 120 relu,
                 84 relu, 10; SGD(lr 0.01, momentum 0.9), batch 64
       vgg       3x3 same convs 32, 32 relu, maxpool 2, 64, 64 relu, maxpool 2, dense 128 relu,
                 dropout 0.5, 10; Adam, batch 128
       vgg_bn    vgg with bias-free convs, each followed by BatchNorm (Keras' momentum 0.99,
                 epsilon 1e-3) and then ReLU
       strided   3x3 'same' convs with stride 2: 32, 64, 128 relu (28 -> 14 -> 7 -> 4; the
                 odd padding after, as TensorFlow pads), dense 10; Adam, batch 64
       mlp_drop  784 -> 512 relu -> dropout 0.2 -> 512 relu -> dropout 0.2 -> 10; Adam, batch 128
       gru_rows  GRU(128) over the 28 rows of 28 pixels (reset_after, Keras' initialization:
                 Glorot kernel, orthogonal recurrent kernel, zero biases), dense 10; Adam, batch 64
       rnn_rows  the same with a tanh simple RNN(128)
The fourteenth session's survey (bench/models/NAME.nn as well):
       mlp_narrow6  784 -> 64 relu x 6 -> 10; Adam, batch 32
       mlp_1024     784 -> 1024 relu -> 10; Adam, batch 256
       cnn_gap      3x3 same conv 32 relu, 1x1 conv 32 relu, maxpool 2, 3x3 same conv 64 relu,
                    1x1 conv 64 relu, maxpool 2, 1x1 conv 10, global average pooling; Adam,
                    batch 64
       conv1d_rows  Conv1d over the 28 rows (28 channels, 28 steps): 64 k3 same relu, maxpool 2,
                    128 k3 same relu, global max pooling, dense 10; Adam, batch 64
       cnn_bn_drop  3x3 valid bias-free conv 32, BatchNorm, ReLU, maxpool 2, dropout 0.25,
                    the same with 64, dense 128 relu, dropout 0.5, 10; Adam, batch 64
       lstm2_rows   LSTM(64) returning sequences, LSTM(64), dense 10 (Keras' initialization,
                    one bias per layer with the forget gate's at 1); Adam, batch 64
Parameter counts are Keras' (BatchNorm's moving mean and variance included) and are
checked against nnlc --summary's numbers written here.

Set BENCH_TORCH to the directory of bench_torch.py if it is not ../../shared/bench.
"""
import argparse, json, os, platform, resource, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("BENCH_TORCH", os.path.join(HERE, "..", "..", "shared", "bench")))
import bench_torch as bt  # sets OMP/OpenBLAS threads from --threads before torch loads

import numpy as np
import torch
import torch.nn as nn

WIDE = [784, 256, 128, 100, 10]


def build_wide():
    layers = [nn.Flatten()]
    for i in range(len(WIDE) - 1):
        layers.append(nn.Linear(WIDE[i], WIDE[i + 1]))
        if i + 2 < len(WIDE):
            layers.append(nn.ReLU())
    m = nn.Sequential(*layers)
    bt.keras_init(m)
    n = sum(p.numel() for p in m.parameters())
    assert n == sum(WIDE[i] * WIDE[i + 1] + WIDE[i + 1] for i in range(len(WIDE) - 1))
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.9 ** (step / 1500))
    return m, opt, sched, n


def adam(params):
    return torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-7)


class Rows(nn.Module):
    """A recurrent layer over the image's rows, returning the last state (Keras'
    return_sequences=false), then dense 10."""

    def __init__(self, cell, units):
        super().__init__()
        self.rnn = cell(28, units, batch_first=True)
        self.out = nn.Linear(units, 10)
        for name, p in self.rnn.named_parameters():
            if name.startswith("weight_ih"):
                nn.init.xavier_uniform_(p)    # Keras' kernel (F, gates*units): same fans
            elif name.startswith("weight_hh"):
                nn.init.orthogonal_(p)        # Keras' recurrent_initializer
            else:
                nn.init.zeros_(p)
        if cell is nn.RNN:  # Keras' SimpleRNN has one bias: PyTorch's second stays 0
            self.rnn.bias_hh_l0.requires_grad_(False)

    def forward(self, x):
        return self.out(self.rnn(x)[0][:, -1])


class Lstm2(nn.Module):
    """Two stacked LSTMs (Keras' return_sequences=true, then false) over the rows, then
    dense 10. Keras has one bias per layer, initialized 0 with the forget gate's at 1
    (unit_forget_bias): PyTorch's bias_ih holds it and bias_hh stays 0, frozen."""

    def __init__(self, units):
        super().__init__()
        self.rnn = nn.LSTM(28, units, num_layers=2, batch_first=True)
        self.out = nn.Linear(units, 10)
        for name, p in self.rnn.named_parameters():
            if name.startswith("weight_ih"):
                nn.init.xavier_uniform_(p)
            elif name.startswith("weight_hh"):
                nn.init.orthogonal_(p)
            else:
                nn.init.zeros_(p)
                if name.startswith("bias_ih"):
                    with torch.no_grad():
                        p[units:2 * units] = 1.0   # gate order i, f, g, o as Keras' i, f, c, o
                else:
                    p.requires_grad_(False)

    def forward(self, x):
        return self.out(self.rnn(x)[0][:, -1])


class Conv1dRows(nn.Module):
    """Keras' Conv1D reads (T, C); PyTorch's Conv1d reads (C, T): the rows are the steps and
    their 28 pixels the channels."""

    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Conv1d(28, 64, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2),
                               nn.Conv1d(64, 128, 3, padding=1), nn.ReLU(),
                               nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(128, 10))

    def forward(self, x):
        return self.f(x.transpose(1, 2))


def vgg_layers(bn):
    layers, c = [], 1
    for f in [32, 32, "M", 64, 64, "M"]:
        if f == "M":
            layers.append(nn.MaxPool2d(2))
            continue
        layers.append(nn.Conv2d(c, f, 3, padding=1, bias=not bn))
        if bn:
            layers.append(nn.BatchNorm2d(f, eps=1e-3, momentum=0.01))  # Keras 0.99
        layers.append(nn.ReLU())
        c = f
    return layers + [nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.5),
                     nn.Linear(128, 10)]


# model, optimizer, no schedule, Keras parameter count, input layout ("image": NCHW, "flat",
# "rows": 28 steps of 28), multiply-adds per image of each layer
def build_survey(name):
    if name == "lenet5":
        m = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
        mk = lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)
        want, layout = 61706, "image"
        macs = [28 * 28 * 6 * 25, 10 * 10 * 16 * 150, 400 * 120, 120 * 84, 84 * 10]
    elif name in ("vgg", "vgg_bn"):
        m = nn.Sequential(*vgg_layers(name == "vgg_bn"))
        mk, layout = adam, "image"
        want = 467818 if name == "vgg" else 468394
        macs = [784 * 32 * 9, 784 * 32 * 288, 196 * 64 * 288, 196 * 64 * 576, 3136 * 128, 1280]
    elif name == "strided":
        # TensorFlow's 'same' with stride 2 pads 28 and 14 by one row/column after only
        m = nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(1, 32, 3, stride=2), nn.ReLU(),
                          nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(),
                          nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.ReLU(),
                          nn.Flatten(), nn.Linear(4 * 4 * 128, 10))
        mk, layout, want = adam, "image", 113162
        macs = [196 * 32 * 9, 49 * 64 * 288, 16 * 128 * 576, 2048 * 10]
    elif name == "mlp_drop":
        m = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))
        mk, layout, want = adam, "flat", 669706
        macs = [784 * 512, 512 * 512, 5120]
    elif name == "gru_rows":
        m = Rows(nn.GRU, 128)
        mk, layout, want = adam, "rows", 61962
        macs = [28 * 3 * 128 * (28 + 128), 1280]
    elif name == "rnn_rows":
        m = Rows(nn.RNN, 128)
        mk, layout, want = adam, "rows", 21386
        macs = [28 * 128 * (28 + 128), 1280]
    elif name == "mlp_narrow6":
        dims = [784] + [64] * 6
        layers = [nn.Flatten()]
        for i in range(6):
            layers += [nn.Linear(dims[i], dims[i + 1]), nn.ReLU()]
        m = nn.Sequential(*layers, nn.Linear(64, 10))
        mk, layout, want = adam, "flat", 71690
        macs = [784 * 64] + [64 * 64] * 5 + [640]
    elif name == "mlp_1024":
        m = nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 10))
        mk, layout, want = adam, "flat", 814090
        macs = [784 * 1024, 10240]
    elif name == "cnn_gap":
        m = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(64, 64, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(64, 10, 1),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten())
        mk, layout, want = adam, "image", 24682
        macs = [784 * 32 * 9, 784 * 32 * 32, 196 * 64 * 288, 196 * 64 * 64, 49 * 10 * 64]
    elif name == "conv1d_rows":
        m = Conv1dRows()
        mk, layout, want = adam, "rows", 31434
        macs = [28 * 64 * 84, 14 * 128 * 192, 1280]
    elif name == "cnn_bn_drop":
        m = nn.Sequential(nn.Conv2d(1, 32, 3, bias=False), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                          nn.Conv2d(32, 64, 3, bias=False), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                          nn.Linear(5 * 5 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
        mk, layout, want = adam, "image", 225322
        macs = [676 * 32 * 9, 121 * 64 * 288, 1600 * 128, 1280]
    elif name == "lstm2_rows":
        m = Lstm2(64)
        mk, layout, want = adam, "rows", 57482
        macs = [28 * 4 * 64 * (28 + 64), 28 * 4 * 64 * 128, 640]
    for layer in m.modules():  # bench_torch.keras_init, for bias-free convolutions too
        if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    params = [p for p in m.parameters() if p.requires_grad]
    n = sum(p.numel() for p in params)
    n += sum(b.numel() for k, b in m.named_buffers() if k.endswith(("running_mean", "running_var")))
    assert n == want, f"{name}: {n} parameters, nnlc --summary says {want}"
    return m, mk(params), None, n, layout, macs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", choices=["mlp_wide", "lenet5", "vgg", "vgg_bn", "strided",
                                      "mlp_drop", "gru_rows", "rnn_rows", "mlp_narrow6",
                                      "mlp_1024", "cnn_gap", "conv1d_rows", "cnn_bn_drop",
                                      "lstm2_rows"])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default=bt.DATA)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)

    xtr = bt.load_idx(f"{a.data}/train-images-idx3-ubyte.gz")
    ytr = bt.load_idx(f"{a.data}/train-labels-idx1-ubyte.gz")
    xte = bt.load_idx(f"{a.data}/t10k-images-idx3-ubyte.gz")
    yte = bt.load_idx(f"{a.data}/t10k-labels-idx1-ubyte.gz")
    if a.limit:
        xtr, ytr = xtr[:a.limit], ytr[:a.limit]
    if a.model == "mlp_wide":
        model, opt, sched, nparams = build_wide()
        layout, macs = "flat", [WIDE[i] * WIDE[i + 1] for i in range(len(WIDE) - 1)]
    else:
        model, opt, sched, nparams, layout, macs = build_survey(a.model)
    # (N, 28, 28) as loaded; images NCHW for the CNNs, rows (N, 28 steps, 28) for the RNNs
    shape = (lambda x: x.unsqueeze(1)) if layout == "image" else (lambda x: x)
    xtr = shape(torch.from_numpy(xtr.astype(np.float32) / np.float32(255.0))).contiguous()
    xte = shape(torch.from_numpy(xte.astype(np.float32) / np.float32(255.0))).contiguous()
    ytr = torch.from_numpy(ytr.astype(np.int64))
    yte = torch.from_numpy(yte.astype(np.int64))
    train_flop = 3 * 2 * sum(macs)
    lossf = nn.CrossEntropyLoss()
    n = len(xtr)
    print(f"torch {torch.__version__}  python {platform.python_version()}  torch threads "
          f"{torch.get_num_threads()}  OpenBLAS threads {bt.openblas_threads()}", flush=True)
    print(f"model {a.model}  params {nparams}  batch {a.batch}  train images {n}  "
          f"train FLOP/image {train_flop:,}", flush=True)
    epochs = []
    for ep in range(1, a.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        tot = 0.0
        for i in range(0, n, a.batch):
            idx = perm[i:i + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            if sched:
                sched.step()
            tot += loss.item() * len(idx)
        dt = time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            acc = sum((model(xte[j:j + 1000]).argmax(1) == yte[j:j + 1000]).sum().item()
                      for j in range(0, len(xte), 1000)) / len(xte)
        epochs.append({"train_s": round(dt, 3), "images_per_s": round(n / dt, 1),
                       "train_loss": round(tot / n, 4), "test_acc": round(acc, 4)})
        print(f"epoch {ep}: train {dt:.3f} s  {n / dt:,.0f} images/s  loss {tot / n:.4f}  "
              f"test acc {acc:.4f}", flush=True)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"peak RSS {rss_mib:.1f} MiB", flush=True)
    summary = {"model": a.model, "params": nparams, "batch": a.batch, "threads": a.threads,
               "epochs": a.epochs, "train_images": n, "train_flop_per_image": train_flop,
               "torch": torch.__version__,
               "epoch_s": [e["train_s"] for e in epochs],
               "images_per_s": [e["images_per_s"] for e in epochs],
               "train_loss": [e["train_loss"] for e in epochs],
               "test_acc": [e["test_acc"] for e in epochs],
               "final_test_acc": epochs[-1]["test_acc"] if epochs else None,
               "peak_rss_mib": round(rss_mib, 1)}
    print("JSON " + json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
