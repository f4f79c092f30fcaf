#!/usr/bin/env bash
# compare.sh MODEL [--epochs N] [--threads N] [--limit N] [--seed N] [--no-torch] — nnlc
# against PyTorch on the full Fashion-MNIST (60,000 training, 10,000 test images), in
# one run, same model, batch, epochs and threads. Prints images/s, seconds per epoch,
# achieved GFLOP/s and its share of the sgemm peak measured on the same machine, test
# accuracy and peak RSS of both, and the ratio; with more than one thread, also the time
# a cache line takes between two cores (bench/core_latency.c), which decides what a
# second thread gains on a small model, and whether the two CPUs share one core. Not part of `make check` (it takes minutes and
# needs PyTorch: bench/install-bench-deps.sh).
#
#   MODEL     nnlc side                  PyTorch side                         target
#   mlp       examples/mlp.nn            bench_torch.py mlp_small             >= 0.85
#   mlp_wide  examples/mlp_wide.nn       bench/torch_extra.py mlp_wide        >= 0.883
#   mlp_relu  bench/models/mlp_relu.nn   bench_torch.py mlp_relu
#   cnn       examples/fashion_cnn.nn    bench_torch.py cnn
#   lenet5 vgg vgg_bn strided mlp_drop gru_rows rnn_rows mlp_narrow6 mlp_1024 cnn_gap
#   conv1d_rows cnn_bn_drop lstm2_rows (models that are not the examples)
#             bench/models/MODEL.nn      bench/torch_extra.py MODEL
#
# --limit N trains both sides on the first N training images only (for the slow models;
# the test set stays the full 10,000). --seed N gives both sides that seed instead of
# their defaults (the train block's seed; 42 for PyTorch); a few epochs' test accuracy
# depends on the seed by a few tenths of a percent, so bench/accuracy.sh compares it
# over several.
# The nnlc model is compiled from a copy without `validation` and `early_stopping`, so
# both sides train on all 60,000 images every epoch, as bench_torch.py does. Epoch time
# is the trainer's --history `seconds` (the training batches and their metrics; with no
# validation nothing else), PyTorch's is bench_torch.py's "train seconds".
# Environment: NNLC (default build/compiler/nnlc), BENCH_TORCH (directory of
# bench_torch.py, default ../shared/bench), WORK (default /tmp/nnlc-bench),
# OMP_WAIT_POLICY (PyTorch side; PASSIVE by default with more than one thread).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-}
shift || true
epochs="" threads=1 torch=1 limit="" seed=""
while [ $# -gt 0 ]; do
    case $1 in
        --epochs) epochs=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --limit) limit=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --no-torch) torch=0; shift ;;
        *) echo "compare.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
bench_torch=${BENCH_TORCH:-$root/../shared/bench}
. "$root/bench/models.sh"
if ! bench_model "$model"; then
    echo "usage: compare.sh $BENCH_MODEL_NAMES [--epochs N] [--threads N] [--limit N] [--seed N] [--no-torch]" >&2
    exit 2
fi
nnlc=${NNLC:-$root/build/compiler/nnlc}
work=${WORK:-/tmp/nnlc-bench}/$model
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "compare.sh: needs GNU time (bench/install-bench-deps.sh)" >&2; exit 2; }
batch=$(bench_setting batch)
[ -n "$epochs" ] || epochs=$(bench_setting epochs)

echo "== $model: $(basename "$src") vs PyTorch ${torch_cmd[1]}; $epochs epochs, batch $batch, $threads thread(s)${limit:+, first $limit training images}${seed:+, seed $seed}"
echo "   $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $("$nnlc" --version)"
# Other jobs on the machine distort timings (threads most): say how busy it was.
echo "   load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# What a second thread can gain on a small model depends on how long a cache line takes
# between the cores (docs/performance.md, sixth speed session): measure it.
if [ "$threads" -gt 1 ] && cc -O2 -pthread "$root/bench/core_latency.c" -o "$work/core_latency" 2>/dev/null; then
    "$work/core_latency" 2>&1 | sed 's/^/   /'
fi

# ---- nnlc ----
bench_copy "$work/$model.nn"
nnlc_ok=1
if ! "$nnlc" "$work/$model.nn" -o "$work/$model" 2> "$work/nnlc.err"; then
    nnlc_ok=0
    echo "   nnlc cannot compile it yet: $(grep -m1 'error' "$work/nnlc.err")"
fi
if [ $nnlc_ok -eq 1 ]; then
    rm -f "$work/history.csv"
    /usr/bin/time -v "$work/$model" --epochs "$epochs" --threads "$threads" ${limit:+--limit "$limit"} \
        ${seed:+--seed "$seed"} --history "$work/history.csv" \
        > "$work/nnlc.out" 2> "$work/nnlc.time"
    n_train=$(grep -Eo '[0-9]+ training examples' "$work/nnlc.out" | grep -Eo '^[0-9]+')
    n_epochs=$(($(wc -l < "$work/history.csv") - 1))
    nnlc_s=$(awk -F, 'NR > 1 { printf "%s%.3f", sep, $NF; sep = " " }' "$work/history.csv")
    nnlc_total=$(awk -F, 'NR > 1 { s += $NF } END { print s }' "$work/history.csv")
    nnlc_ips=$(awk -v n="$n_train" -v e="$n_epochs" -v s="$nnlc_total" 'BEGIN { printf "%.0f", n * e / s }')
    nnlc_acc=$(grep -Eo 'test_accuracy: [0-9.]+' "$work/nnlc.out" | tail -1 | cut -d' ' -f2)
    nnlc_rss=$(awk '/Maximum resident/ { printf "%.1f", $NF / 1024 }' "$work/nnlc.time")
    echo "   nnlc:    ${n_train} images/epoch, epochs (s): $nnlc_s"
fi

# ---- PyTorch ----
# With more than one thread, Debian's torch runs OpenBLAS' pthread pool while ATen's
# OpenMP threads spin-wait: 4 busy threads on 2 cores make it slower than 1 thread and
# erratic. Passive OpenMP waiting removes most of that (docs/performance.md).
if [ "$threads" -gt 1 ] && [ -z "${OMP_WAIT_POLICY:-}" ]; then
    export OMP_WAIT_POLICY=PASSIVE
fi
if [ $torch -eq 1 ]; then
    /usr/bin/time -v /usr/bin/python3 "${torch_cmd[@]}" --epochs "$epochs" --threads "$threads" --batch "$batch" \
        ${limit:+--limit "$limit"} ${seed:+--seed "$seed"} \
        > "$work/torch.out" 2> "$work/torch.time"
    read -r torch_ips torch_acc torch_s < <(/usr/bin/python3 -c '
import json, sys
j = json.loads([l for l in open(sys.argv[1]) if l.startswith("JSON ")][-1][5:])
print(round(j["train_images"] * len(j["epoch_s"]) / sum(j["epoch_s"])), j["final_test_acc"],
      " ".join("%.3f" % s for s in j["epoch_s"]))' "$work/torch.out")
    torch_rss=$(awk '/Maximum resident/ { printf "%.1f", $NF / 1024 }' "$work/torch.time")
    echo "   PyTorch: $(head -1 "$work/torch.out")${OMP_WAIT_POLICY:+  OMP_WAIT_POLICY=$OMP_WAIT_POLICY}"
    echo "   PyTorch: epochs (s): $torch_s"
fi

# ---- achieved FLOP rate against the machine's sgemm peak ----
# Training FLOPs per image as nnlc --summary counts them: the forward pass, the weight
# gradients, and the input gradients except the first layer's (nothing needs it), the
# count the speed issue uses; the peak is the best of 5 sgemm (2048 × 2048, float32)
# through PyTorch/OpenBLAS with the same thread count.
step_flops=$("$nnlc" --summary "$work/$model.nn" | grep -Eo 'FLOPs per example \(training step\): [0-9,]+' |
             grep -Eo '[0-9,]+$' | tr -d ,)
# (an empty value prints nothing and succeeds: under set -e, `x=$(gflops "")` must not
# end the script, which --no-torch did before printing its table)
gflops() { [ -z "$1" ] || awk -v ips="$1" -v f="$step_flops" 'BEGIN { printf "%.1f", ips * f / 1e9 }'; }
nnlc_gf=$(gflops "${nnlc_ips:-}") torch_gf=$(gflops "${torch_ips:-}")
peak=""
if [ $torch -eq 1 ]; then
    peak=$(/usr/bin/python3 -c '
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]))
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
for _ in range(2): torch.mm(a, b)
best = 1e9
for _ in range(5):
    t = time.perf_counter(); torch.mm(a, b); best = min(best, time.perf_counter() - t)
print("%.1f" % (2 * 2048 ** 3 / best / 1e9))' "$threads")
    echo "   sgemm peak (2048^3, float32, $threads thread(s)): $peak GFLOP/s"
fi
pct() { [ -z "$1" ] || [ -z "$peak" ] || awk -v g="$1" -v p="$peak" 'BEGIN { printf "%.0f%%", 100 * g / p }'; }

# ---- table ----
printf '   %-22s %14s %14s %8s\n' "" nnlc PyTorch "ratio"
row() { # label nnlc torch [ratio-direction]
    local r=""
    if [ -n "$2" ] && [ -n "$3" ] && [ "$2" != - ] && [ "$3" != - ]; then
        r=$(awk -v a="$2" -v b="$3" -v inv="${4:-0}" 'BEGIN { if (b > 0 && a > 0) printf "%.2fx", inv ? b / a : a / b }')
    fi
    printf '   %-22s %14s %14s %8s\n' "$1" "${2:--}" "${3:--}" "$r"
}
row "images/s" "${nnlc_ips:-}" "${torch_ips:-}"
row "s/epoch (mean)" "$( [ -n "${nnlc_total:-}" ] && awk -v s="$nnlc_total" -v e="$n_epochs" 'BEGIN { printf "%.3f", s / e }')" \
    "$( [ -n "${torch_s:-}" ] && awk '{ for (i = 1; i <= NF; i++) s += $i } END { printf "%.3f", s / NF }' <<<"$torch_s")" 1
row "GFLOP/s (train step)" "${nnlc_gf:-}" "${torch_gf:-}"
row "% of sgemm peak" "$(pct "${nnlc_gf:-}")" "$(pct "${torch_gf:-}")"
row "test accuracy" "${nnlc_acc:-}" "${torch_acc:-}"
row "peak RSS (MiB)" "${nnlc_rss:-}" "${torch_rss:-}" 1
if [ -n "$target" ] && [ -n "${nnlc_acc:-}" ]; then
    if awk -v a="$nnlc_acc" -v t="$target" 'BEGIN { exit !(a >= t) }'; then
        echo "   nnlc test accuracy $nnlc_acc >= target $target: met"
    else
        echo "   nnlc test accuracy $nnlc_acc < target $target: NOT met"
    fi
fi
echo "   load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   (ratios: images/s nnlc/PyTorch; s/epoch and RSS PyTorch/nnlc: above 1 means nnlc is better)"
