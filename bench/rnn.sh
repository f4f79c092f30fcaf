#!/usr/bin/env bash
# bench/rnn.sh — long runs of the recurrent layers (not part of make check).
#   1. examples/lstm_rows.nn: LSTM(128) over the 28 rows of
#      Fashion-MNIST images, 12 epochs with a cosine-decayed learning rate;
#      target: test accuracy >= 0.88.
#   2. examples/co2_forecast.nn: GRU(32) forecasting weekly Mauna Loa CO2 one week ahead.
#      The trainer predicts every window (--predict); this script turns the predicted
#      weekly changes into level forecasts (last week + change) and compares RMSE and MAE
#      on the held-out last 20% with the naive forecast "next week = this week", computed
#      here from the same rows. Target: beat it on both.
# Usage: bench/rnn.sh [lstm|co2|all]   (NNLC and WORK override the defaults)
# Prints one RESULT line per run; exits 1 if a target is missed.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
nnlc=${NNLC:-$root/build/compiler/nnlc}
work=${WORK:-$root/build/bench-rnn}
what=${1:-all}
mkdir -p "$work"
status=0

bench_lstm() {
    "$nnlc" "$root/examples/lstm_rows.nn" -o "$work/lstm_rows" 2>/dev/null
    local start=$SECONDS
    "$work/lstm_rows" --history "$work/lstm_rows.history.csv" > "$work/lstm_rows.log"
    local secs=$((SECONDS - start))
    grep -E '^[0-9]+/[0-9]+ - |^Test:' "$work/lstm_rows.log"
    local acc
    acc=$(grep -Eo 'test_accuracy: [0-9.]+' "$work/lstm_rows.log" | cut -d' ' -f2)
    local verdict=PASS
    awk -v a="$acc" 'BEGIN { exit !(a >= 0.88) }' || { verdict=FAIL; status=1; }
    local epochs
    epochs=$(tail -n +2 "$work/lstm_rows.history.csv" | wc -l)
    echo "RESULT lstm_rows: $epochs epochs in ${secs}s, test accuracy $acc (target >= 0.88) $verdict"
}

bench_co2() {
    "$root/scripts/fetch-co2.sh" >/dev/null
    local data=$root/data/co2.csv
    "$nnlc" "$root/examples/co2_forecast.nn" -o "$work/co2" 2>/dev/null
    (cd "$root/examples" && "$work/co2" --save "$work/co2.safetensors") > "$work/co2.log"
    grep -E '^Test:' "$work/co2.log"
    local ntest
    ntest=$(sed -n 's/^Test: \([0-9]*\) examples.*/\1/p' "$work/co2.log")
    "$work/co2" --load "$work/co2.safetensors" --predict "$data" > "$work/co2.pred"
    # Window i (rows i..i+51) forecasts row i+52: co2[i+51] + predicted change.
    awk -F, -v T=52 -v ntest="$ntest" '
        FNR == 1 { next }
        NR == FNR { co2[FNR - 2] = $2; next }     # data rows from 0
        { pred[$1] = $2; n++ }
        END {
            for (i = n - ntest; i < n; i++) {
                last = co2[i + T - 1]; truth = co2[i + T]
                e = last + pred[i] - truth; se += e * e; ae += (e < 0 ? -e : e)
                e = last - truth;           sn += e * e; an += (e < 0 ? -e : e)
            }
            printf "co2 level forecasts, last %d weeks: model RMSE %.4f MAE %.4f; naive RMSE %.4f MAE %.4f\n",
                   ntest, sqrt(se / ntest), ae / ntest, sqrt(sn / ntest), an / ntest
            exit !(se < sn && ae < an)
        }' "$data" "$work/co2.pred" > "$work/co2.result" && verdict=PASS || { verdict=FAIL; status=1; }
    echo "RESULT $(cat "$work/co2.result") $verdict"
}

case $what in
lstm) bench_lstm ;;
co2) bench_co2 ;;
all) bench_co2; bench_lstm ;;
*) echo "usage: bench/rnn.sh [lstm|co2|all]" >&2; exit 2 ;;
esac
exit $status
