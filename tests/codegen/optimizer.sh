#!/usr/bin/env bash
# optimizer.sh NNLC CG_TOOL DATA_DIR WORK_DIR CASE [PRECISION]
# Three optimizer steps of a generated trainer (f64, or PRECISION) against a plain-C
# reference of Keras' update rules (keras_opt.c): cg_tool writes the model (dense(2) on 3
# inputs, mse, the optimizer of CASE, epochs = 3, batch = 2) and its initial weights; the
# trainer starts from them with --load, trains on 2 examples (one batch per epoch, so 3
# updates) and saves; cg_tool compares the saved weights with the reference (relative
# error 1e-12 in f64, 1e-6 in f32).
set -u
nnlc=$1 tool=$2 data=$3 work=$4 case=$5 precision=${6:-f64}
work=$work/$precision
mkdir -p "$work"
rm -f "$work/$case" "$work/$case.safetensors" "$work/$case.init.safetensors"
"$tool" opt-model "$case" > "$work/$case.nn" || exit 1
# One initial-weights file per case: the cases run in parallel in one directory.
"$tool" opt-init "$work/$case.init.safetensors" || exit 1
if ! "$nnlc" --precision="$precision" "$work/$case.nn" -o "$work/$case"; then
    echo "FAIL: nnlc could not compile:"; cat "$work/$case.nn"
    exit 1
fi
if ! "$work/$case" --load "$work/$case.init.safetensors" --data "$data/opt_x.npy" "$data/opt_y.npy" \
        --threads 2 --quiet --save "$work/$case.safetensors"; then
    echo "FAIL: the trainer failed"
    exit 1
fi
"$tool" opt-check "$case" "$work/$case.safetensors"
