#!/usr/bin/env bash
# series.sh NNLC WORK_DIR
# series() end to end with a compiled LSTM: a CSV time series (a date column that is
# ignored, a driver a and a target b: two seasons, one of them lagging a, plus noise) cut
# into windows of 16 rows predicting b 2 rows ahead,
# chronological 70/10/20 split, standardization from the training part, RMSE/MAE in the
# data's units. It must beat the naive forecast "b two rows ahead = b now" on the test
# windows (computed here) by 30%, and --predict must reproduce the trainer's test RMSE.
# --predict cuts every complete window: 1485 of 1500 rows, the last 2 of them forecasts of
# rows 1500 and 1501, past the file's end (the trainer's 1483 windows need a target).
set -eu
nnlc=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
awk 'BEGIN { srand(5); print "date,a,b"
    for (t = 0; t < 1500; t++) {
        a = sin(2 * 3.14159265 * t / 40)
        b = 3 * sin(2 * 3.14159265 * (t - 5) / 40) + sin(2 * 3.14159265 * t / 9)
        printf "d%d,%.5f,%.5f\n", t, a, b + 0.2 * (rand() - 0.5)
    } }' > "$work/series.csv"
cp "$here/learn/series_sine.nn" "$work/"
"$nnlc" "$work/series_sine.nn" -o "$work/series_sine" 2>/dev/null
out=$(cd "$work" && ./series_sine --save series.safetensors)
printf '%s\n' "$out" | grep -E '^series_sine:|^Test:'
rmse=$(printf '%s\n' "$out" | grep -Eo 'test_rmse: [0-9.]+' | cut -d' ' -f2)
ntest=$(printf '%s\n' "$out" | sed -n 's/^Test: \([0-9]*\) examples.*/\1/p')
# 1500 rows -> 1483 windows; 20% = 296 test windows at the end, in time order.
[ "$ntest" = 296 ] || { echo "FAIL: $ntest test windows, expected 296"; exit 1; }
(cd "$work" && ./series_sine --load series.safetensors --predict series.csv) > "$work/series.pred"
awk -F, -v T=16 -v h=2 -v ntest="$ntest" -v rmse="$rmse" '
    FNR == 1 { next }
    NR == FNR { b[FNR - 2] = $3; next }
    { pred[$1] = $2; n++ }
    END {
        if (n != 1500 - T + 1) { print "FAIL: " n " predictions, expected " 1500 - T + 1; exit 1 }
        n -= h # the windows with a target, those the trainer tested on
        for (i = n - ntest; i < n; i++) {
            truth = b[i + T - 1 + h]
            e = pred[i] - truth; sp += e * e
            e = b[i + T - 1] - truth; sn += e * e
        }
        p = sqrt(sp / ntest); naive = sqrt(sn / ntest)
        printf "test RMSE %s (from --predict %.4f), naive %.4f\n", rmse, p, naive
        if ((p - rmse) > 1e-3 || (rmse - p) > 1e-3) { print "FAIL: --predict disagrees"; exit 1 }
        if (!(rmse < 0.7 * naive)) { print "FAIL: does not beat the naive forecast by 30%"; exit 1 }
        print "PASS"
    }' "$work/series.csv" "$work/series.pred"
