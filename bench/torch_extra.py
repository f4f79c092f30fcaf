#!/usr/bin/python3
"""PyTorch anchors that ../shared/bench/bench_torch.py does not have, with its data
loading, Keras initialization, timing rules and JSON summary (imported from it).

usage: /usr/bin/python3 bench/torch_extra.py MODEL [--epochs N] [--threads N] [--batch N]
                                             [--limit N] [--seed N]
MODEL: mlp_wide  784 -> 256 relu -> 128 relu -> 100 relu -> 10 softmax (examples/mlp_wide.nn):
                 Adam(lr 1e-3, betas 0.9/0.999, eps 1e-7), batch 32, and Keras'
                 ExponentialDecay(rate 0.9, decay_steps 1500) applied per step.

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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", choices=["mlp_wide"])
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
    xtr = torch.from_numpy(xtr.astype(np.float32) / np.float32(255.0)).contiguous()
    xte = torch.from_numpy(xte.astype(np.float32) / np.float32(255.0)).contiguous()
    ytr = torch.from_numpy(ytr.astype(np.int64))
    yte = torch.from_numpy(yte.astype(np.int64))

    model, opt, sched, nparams = build_wide()
    macs = [WIDE[i] * WIDE[i + 1] for i in range(len(WIDE) - 1)]
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
