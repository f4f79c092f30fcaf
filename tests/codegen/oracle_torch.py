#!/usr/bin/python3
"""oracle_torch.py CG_TOOL WORK_DIR — checks the test oracle itself: the plain-C Keras
reference of keras_opt.c against PyTorch (float64), for the optimizer cases whose
PyTorch update is the same formula as Keras 3's:
  SGD (momentum, Nesterov, L2 through the loss)   same algebra with a constant lr
  Adadelta                                         identical
  NAdam with momentum_decay=1, foreach=True        Keras 3's mu_t = b1(1 - 0.96^t / 2)
(torch 1.13's single-tensor NAdam multiplies mu_product by mu twice; the foreach path
does not.) Adam, RMSprop and Adagrad put epsilon elsewhere in PyTorch, so they cannot
agree to 1e-12 and are not compared. Writes each PyTorch result as a checkpoint and
runs `cg_tool opt-check` on it. Exit 77 (skip) without PyTorch.
"""
import json, os, struct, subprocess, sys

try:
    import torch
except ImportError:
    print("SKIP: PyTorch is not installed (bench/install-bench-deps.sh)")
    sys.exit(77)

torch.set_default_dtype(torch.float64)
X = torch.tensor([[1.0, -0.5, 0.25], [0.5, 1.5, -1.0]])      # keras_opt.c: opt_x
Y = torch.tensor([[0.75, -0.25], [-0.5, 1.25]])               # opt_y
W0 = [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]]                   # opt_w0
B0 = [0.05, -0.1]

CASES = {
    "sgd": (lambda p: torch.optim.SGD(p, lr=0.1), 0.0),
    "sgd_default": (lambda p: torch.optim.SGD(p, lr=0.01), 0.0),
    "sgd_momentum": (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), 0.0),
    "sgd_nesterov": (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), 0.0),
    "sgd_l2": (lambda p: torch.optim.SGD(p, lr=0.1), 0.05),
    "adadelta": (lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-7), 0.0),
    "adadelta_options": (lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.5, eps=1e-4), 0.0),
    "nadam": (lambda p: torch.optim.NAdam(p, lr=0.01, eps=1e-7, momentum_decay=1.0, foreach=True), 0.0),
}


def train(make, l2):
    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    opt = make([W, b])
    for _ in range(3):
        opt.zero_grad()
        loss = ((X @ W + b - Y) ** 2).mean() + l2 * (W ** 2).sum()
        loss.backward()
        opt.step()
    return W.detach().flatten().tolist() + b.detach().tolist()


def write_checkpoint(path, values):
    header = {"__metadata__": {"epoch": "3", "step": "3"},
              "dense.W": {"dtype": "F64", "shape": [3, 2], "data_offsets": [0, 48]},
              "dense.b": {"dtype": "F64", "shape": [2], "data_offsets": [48, 64]}}
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + struct.pack("<8d", *values))


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    failed = 0
    for name, (make, l2) in CASES.items():
        path = os.path.join(work, name + ".torch.safetensors")
        write_checkpoint(path, train(make, l2))
        r = subprocess.run([tool, "opt-check", name, path], capture_output=True, text=True)
        print(r.stdout.strip().splitlines()[-1])
        if r.returncode != 0:
            print(r.stdout)
            failed += 1
    print(f"oracle: {len(CASES) - failed} of {len(CASES)} cases agree with PyTorch")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
