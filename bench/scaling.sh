#!/usr/bin/env bash
# scaling.sh MODEL.nn [--epochs N] [--pairs K] [--limit N] [--auto] — what a second thread
# gains: the trainer of MODEL.nn runs at 1 and at 2 threads back to back, K times, and each
# pair prints both images/s and their ratio, the 2-thread target of the speed issue (>= 1.8x).
# With --auto, a third run with --threads auto (the trainer's default: all threads or one,
# whichever is faster, compared every second) and its ratio to 1 thread.
# A pair's two runs are seconds apart, so the machine is in the same state for both; the
# round trip of a cache line between two cores (bench/core_latency.c) is printed before
# each pair, as it decides what a second thread gains on a small model, and how fast the
# two CPUs compute at once against alone (about 50%: two hyperthreads of one core, where no
# program gains much from a second thread). No PyTorch needed.
#
#   bench/scaling.sh examples/mlp.nn --epochs 3 --pairs 5
#   bench/scaling.sh examples/fashion_cnn.nn --epochs 2 --limit 12000
#
# Images/s are over the epochs after the first (the first one also faults in the
# trainer's buffers); with --epochs 1, over that one. The model is compiled from a copy
# without `validation` and `early_stopping`, as bench/compare.sh does.
# Environment: NNLC (default build/compiler/nnlc), WORK (default /tmp/nnlc-scaling).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
usage() {
    echo "usage: scaling.sh MODEL.nn [--epochs N] [--pairs K] [--limit N] [--auto]${1:+ ($1)}" >&2
    exit 2
}
src=${1:-}
[ -n "$src" ] || usage
[ -f "$src" ] || usage "no file '$src'"
shift
epochs=3 pairs=3 limit=() auto=""
while [ $# -gt 0 ]; do
    [ "$1" = --auto ] && { auto=1; shift; continue; }
    [ $# -ge 2 ] || usage "'$1' needs a value"
    case $2 in
        '' | *[!0-9]*) usage "'$1' needs a number, got '$2'" ;;
    esac
    case $1 in
        --epochs) epochs=$2; shift 2 ;;
        --pairs) pairs=$2; shift 2 ;;
        --limit) limit=(--limit "$2"); shift 2 ;;
        *) usage "unknown option '$1'" ;;
    esac
done
nnlc=${NNLC:-$root/build/compiler/nnlc}
work=${WORK:-/tmp/nnlc-scaling}
mkdir -p "$work"
name=$(basename "$src" .nn)
sed -e 's/validation = [0-9.]*//' -e '/early_stopping/d' "$src" > "$work/$name.nn"
"$nnlc" "$work/$name.nn" -o "$work/$name"
latency=""
if cc -O2 -pthread "$root/bench/core_latency.c" -o "$work/core_latency" 2>/dev/null; then
    latency=$work/core_latency
fi

# images/s of one run: training images × epochs / their seconds (the last column of --history)
run() {
    rm -f "$work/history.csv"
    "$work/$name" --epochs "$epochs" --threads "$1" "${limit[@]}" \
        --history "$work/history.csv" > "$work/out.txt"
    local n
    n=$(grep -m1 -Eo '[0-9]+ training examples' "$work/out.txt" | grep -Eo '^[0-9]+')
    awk -F, -v n="$n" -v e="$epochs" 'NR > 1 && (e == 1 || NR > 2) { s += $NF; k++ }
        END { printf "%.0f", n * k / s }' "$work/history.csv"
}

echo "== $name: $epochs epoch(s) per run, $pairs pair(s), 1 then 2 threads${auto:+, then auto}"
for k in $(seq "$pairs"); do
    state=""
    if [ -n "$latency" ]; then
        cores=$("$latency")
        state=" ($(grep -Eo '[0-9]+ ns' <<<"$cores") round trip, the CPUs at once each at $(grep -Eo '[0-9]+%' <<<"$cores") of alone)"
    fi
    one=$(run 1)
    two=$(run 2)
    awk -v a="$one" -v b="$two" -v k="$k" -v s="$state" 'BEGIN {
        printf "   pair %d%s: 1 thread %d images/s, 2 threads %d images/s: %.2fx\n", k, s, a, b, b / a }'
    if [ -n "$auto" ]; then
        three=$(run auto)
        awk -v a="$one" -v c="$three" 'BEGIN {
            printf "          --threads auto %d images/s: %.2fx", c, c / a }'
        grep -o '2 for [0-9]*% of the [0-9]* steps' "$work/out.txt" | sed 's/^/ (/; s/$/)/' || echo
    fi
done
