#!/usr/bin/env bash
# accuracy.sh MODEL [--epochs N] [--seeds "1 2 3"] [--limit N] — test accuracy of nnlc
# and PyTorch over several seeds. After a few epochs a model's test accuracy moves with
# the seed (initial weights, shuffling) by a few tenths of a percent, as much as the two
# implementations differ, so one seed cannot tell whether nnlc trains as well as
# PyTorch; the mean over several can. Each seed trains both sides from scratch on the
# full Fashion-MNIST (the models of bench/compare.sh, bench/models.sh); the table gives
# each seed's accuracies and their difference, then the means and on how many seeds
# nnlc was at least as accurate. No timing: the nnlc trainer runs on every core (its
# weights do not depend on the thread count), PyTorch on one (faster than two at these
# batch sizes).
#
#   bench/accuracy.sh cnn --epochs 2 --seeds "1 2 3 4 5"
#
# Environment: NNLC (default build/compiler/nnlc), BENCH_TORCH (directory of
# bench_torch.py, default ../shared/bench), WORK (default /tmp/nnlc-accuracy).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bench_torch=${BENCH_TORCH:-$root/../shared/bench}
. "$root/bench/models.sh"
usage() {
    echo "usage: accuracy.sh $BENCH_MODEL_NAMES [--epochs N] [--seeds \"S1 S2 ...\"] [--limit N]${1:+ ($1)}" >&2
    exit 2
}
model=${1:-}
[ -n "$model" ] || usage
bench_model "$model" || usage "unknown model '$model'"
shift
epochs="" seeds="1 2 3" limit=""
number() { case $2 in '' | *[!0-9]*) usage "$1 needs a whole number, got '$2'" ;; esac; }
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage "'$1' needs a value"
    case $1 in
        --epochs) number "$1" "$2"; epochs=$2 ;;
        --limit) number "$1" "$2"; limit=$2 ;;
        --seeds) for s in $2; do number "$1" "$s"; done; seeds=$2 ;;
        *) usage "unknown option '$1'" ;;
    esac
    shift 2
done
[ -n "$seeds" ] || usage "--seeds needs at least one seed"
nnlc=${NNLC:-$root/build/compiler/nnlc}
work=${WORK:-/tmp/nnlc-accuracy}/$model
mkdir -p "$work"
batch=$(bench_setting batch)
[ -n "$epochs" ] || epochs=$(bench_setting epochs)
# Both sides train on all 60,000 images, as in bench/compare.sh.
bench_copy "$work/$model.nn"
"$nnlc" "$work/$model.nn" -o "$work/$model"

echo "== $model: $(basename "$src") vs PyTorch ${torch_cmd[1]}; $epochs epochs, batch $batch${limit:+, first $limit training images}; test accuracy by seed"
printf '   %6s %10s %10s %10s\n' seed nnlc PyTorch "nnlc - PT"
for s in $seeds; do
    a=$("$work/$model" --epochs "$epochs" --seed "$s" ${limit:+--limit "$limit"} --quiet |
        grep -Eo 'test_accuracy: [0-9.]+' | tail -1 | cut -d' ' -f2)
    /usr/bin/python3 "${torch_cmd[@]}" --epochs "$epochs" --threads 1 --batch "$batch" --seed "$s" \
        ${limit:+--limit "$limit"} > "$work/torch.out"
    b=$(/usr/bin/python3 -c '
import json, sys
print(json.loads([l for l in open(sys.argv[1]) if l.startswith("JSON ")][-1][5:])["final_test_acc"])' \
        "$work/torch.out")
    echo "$s $a $b" >> "$work/rows.$$"
    awk -v s="$s" -v a="$a" -v b="$b" 'BEGIN { printf "   %6s %10.4f %10.4f %+10.4f\n", s, a, b, a - b }'
done
awk '{ a += $2; b += $3; n++; if ($2 >= $3) w++ }
     END { printf "   %6s %10.4f %10.4f %+10.4f\n", "mean", a / n, b / n, (a - b) / n
           printf "   nnlc at least as accurate on %d of %d seeds\n", w, n }' "$work/rows.$$"
rm -f "$work/rows.$$"
