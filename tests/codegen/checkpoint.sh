#!/usr/bin/env bash
# checkpoint.sh TRAINER CG_TOOL DATA_DIR WORK_DIR
# A generated trainer's checkpoint, loaded again, gives the same evaluation as the run
# that saved it, and --predict prints what the saved weights compute (cg_tool recomputes
# the forward pass of models/checkpoint.nn in plain C from the checkpoint).
set -eu
trainer=$1 tool=$2 data=$3 work=$4
here=$(dirname "$0")/../runtime
mkdir -p "$work"
ck="$work/ck.safetensors"
rm -f "$ck"
set_data=(--data "$data/ck_x.npy" "$data/ck_y.npy" --test "$data/ck_x.npy" "$data/ck_y.npy")
"$trainer" "${set_data[@]}" --epochs 2 --save "$ck" --quiet > "$work/train.txt"
cat "$work/train.txt"
trained=$(grep -E '^Test: 96 examples - test_loss: [0-9.]+ - test_accuracy: [0-9.]+$' "$work/train.txt")

# --load + --evaluate reproduces the test line of the run that saved the checkpoint.
"$here/expect.sh" 0 "^$trained\$" "$trainer" --load "$ck" --evaluate --test "$data/ck_x.npy" "$data/ck_y.npy"
# --predict: one row per example, the probabilities the saved weights give.
"$trainer" --load "$ck" --predict "$data/ck_x.npy" > "$work/pred.csv"
"$tool" predict-check "$ck" "$work/pred.csv"
# Predicting again from the same checkpoint prints the same bytes.
"$trainer" --load "$ck" --predict "$data/ck_x.npy" --threads 1 > "$work/pred2.csv"
cmp "$work/pred.csv" "$work/pred2.csv"
# The graph fingerprint hashes layer and activation names and shapes, not nnlc's enum
# values: adding a layer kind to nnlc (global_max_pool moved every later kind's number)
# must leave the fingerprints of existing models and their checkpoints as they are. It
# changes only when models/checkpoint.nn does.
head -c 4096 "$ck" | grep -aq '"fingerprint":"0xb7dda14ec520a50b"' ||
    { echo "FAIL: the fingerprint of models/checkpoint.nn changed"; exit 1; }
echo "checkpoint: evaluate and predict from --load match the saved run and the weights"
