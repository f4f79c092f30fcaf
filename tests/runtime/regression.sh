#!/usr/bin/env bash
# regression.sh TRAINER DATA_DIR WORK_DIR
# The series-regression reference model (ref_linear.c) on a smooth two-column series:
# windows, chronological split, standardized targets reported back in data units,
# ReduceLROnPlateau, early stopping with restored weights, --history, and --predict
# reusing the checkpoint's standardization statistics; the best weights restored when the
# epochs run out first; resuming the early-stopped run trains nothing.
set -eu
trainer=$1 data=$2 work=$3
mkdir -p "$work"
rm -f "$work"/lin.*
out=$("$trainer" --data "$data/series.csv" --history "$work/lin.csv" --save "$work/lin.safetensors")
printf '%s\n' "$out" | tail -n 4
fail() { echo "FAIL: $*"; printf '%s\n' "$out"; exit 1; }

# 400 rows -> 392 windows of 8 -> floor(392 * 0.15) = 58 each for validation and test,
# the remaining 276 for training (fractions summing to 1 leave no row unused).
printf '%s\n' "$out" | grep -q '^linear: 17 parameters (f64), 276 training examples, 58 validation, 58 test' ||
    fail "unexpected split"
printf '%s\n' "$out" | grep -Eq '^Epoch [0-9]+: ReduceLROnPlateau reducing learning rate to ' || fail "no plateau"
printf '%s\n' "$out" | grep -Eq '^Restoring model weights from the end of the best epoch: [0-9]+\.$' || fail "no restore"
stop=$(printf '%s\n' "$out" | sed -n 's/^Epoch \([0-9]*\): early stopping$/\1/p')
[ -n "$stop" ] || fail "no early stopping"
# RMSE in the data's units (b swings by +-10): a linear AR model does far better than 1.
rmse=$(printf '%s\n' "$out" | grep -Eo 'test_rmse: [0-9.]+' | cut -d' ' -f2)
awk -v r="$rmse" 'BEGIN { exit !(r < 1.0) }' || fail "test RMSE $rmse >= 1"

# The history holds every metric the console shows, rmse included.
head -1 "$work/lin.csv" | grep -qx 'epoch,loss,rmse,mae,val_loss,val_rmse,val_mae,lr,seconds' ||
    fail "history header $(head -1 "$work/lin.csv")"
[ "$(tail -n +2 "$work/lin.csv" | wc -l)" -eq "$stop" ] || fail "history rows != $stop epochs"

# A run whose epochs run out before its patience does ends with its best epoch's weights
# too, as Keras 3 restores them on_train_end (they were the last epoch's): one epoch short
# of the stop, the best epoch is the one the stopped run restored, so the two predict alike.
short=$("$trainer" --data "$data/series.csv" --epochs $((stop - 1)) --verbose 2 --save "$work/lin.short.safetensors")
best=$(printf '%s\n' "$out" | sed -n 's/^Restoring model weights from the end of the best epoch: \([0-9]*\)\.$/\1/p')
printf '%s\n' "$short" | grep -qx "Restoring model weights from the end of the best epoch: $best\." ||
    fail "a run of $((stop - 1)) epochs did not restore epoch $best: $short"
printf '%s\n' "$short" | grep -q 'early stopping' && fail "a run of $((stop - 1)) epochs stopped early"
"$trainer" --load "$work/lin.short.safetensors" --predict "$data/series.csv" > "$work/lin.short.pred"
"$trainer" --load "$work/lin.safetensors" --predict "$data/series.csv" > "$work/lin.stopped.pred"
cmp -s "$work/lin.short.pred" "$work/lin.stopped.pred" ||
    fail "the run of $((stop - 1)) epochs saved other weights than the best epoch's"

# The run early stopping ended is finished: resuming its checkpoint trains nothing (it
# trained one more epoch from the restored weights, added a history row and stopped again).
cp "$work/lin.safetensors" "$work/lin.stopped.safetensors"
again=$("$trainer" --data "$data/series.csv" --history "$work/lin.csv" --resume "$work/lin.safetensors" \
        --save "$work/lin.safetensors")
printf '%s\n' "$again" | grep -qx "The checkpoint's run was ended by early stopping at epoch $stop (no improvement in [0-9]* epochs); nothing to train." ||
    fail "resuming the early-stopped run: $again"
printf '%s\n' "$again" | grep -q '^Epoch ' && fail "resuming the early-stopped run trained: $again"
[ "$(tail -n +2 "$work/lin.csv" | wc -l)" -eq "$stop" ] || fail "resuming the early-stopped run added history rows"
cmp -s "$work/lin.safetensors" "$work/lin.stopped.safetensors" || fail "resuming the early-stopped run changed its checkpoint"
tail -n +2 "$work/lin.csv" | cut -d, -f9 | grep -Eqvx '[0-9]+\.[0-9]{4}' &&
    fail "history seconds not to 0.1 ms"
last_rmse=$(tail -1 "$work/lin.csv" | awk -F, '{ printf "%.4f - mae: %.4f - val_loss: %.4f - val_rmse: %.4f", $3, $4, $5, $6 }')
printf '%s\n' "$out" | grep -q -- "rmse: $last_rmse" || fail "history's last row ($last_rmse) is not the console's"

# Predictions in data units: window 0 (rows 0..7) predicts b at row 8, about 60.1.
"$trainer" --load "$work/lin.safetensors" --predict "$data/series.csv" > "$work/lin.pred"
head -1 "$work/lin.pred" | grep -qx 'row,y0' || fail "prediction header"
# 400 rows: 392 windows with a target 1 row ahead, and --predict also forecasts from the
# last window (rows 392..399), whose target would be row 400, past the file's end.
[ "$(wc -l < "$work/lin.pred")" -eq 394 ] || fail "expected 393 predictions"
first=$(sed -n 2p "$work/lin.pred" | cut -d, -f2)
awk -v p="$first" 'BEGIN { exit !(p > 59 && p < 61.2) }' || fail "first prediction $first, expected ~60.1"
echo "regression: early stop at epoch $stop, test RMSE $rmse, first prediction $first"
