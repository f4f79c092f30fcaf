#!/bin/sh
# direct.sh NNLC MODEL WORKDIR — the direct schedule of a 1-channel convolution with few
# filters (loops_conv.c: vectorized over output columns) against the im2col product it
# replaces (NNLC_CONV_PRODUCT=1), both in f64 on tests/codegen/models/zoo_conv_direct.nn
# ('valid' and 'same', row tails): the same weights must give the same --predict output
# (6 digits), and 3 epochs the same losses (8 digits). The gradient check alone does
# not catch a wrong forward here: a tail left unwritten holds stale scratch, and its
# noisy finite differences pass as kinks.
set -eu
nnlc=$1 model=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
/usr/bin/python3 "$here/../codegen/zoo_data.py" "$model" "$work/d" 16 3
"$nnlc" --precision=f64 "$model" -o "$work/direct"
NNLC_CONV_PRODUCT=1 "$nnlc" --precision=f64 "$model" -o "$work/product"
if cmp -s "$work/direct" "$work/product"; then
    echo "FAIL: NNLC_CONV_PRODUCT=1 changed nothing (no direct convolution?)"; exit 1
fi
# NNLC_CONV_PRODUCT=0, as NNLC_UNFUSED_UPDATE=0, is the default (it chose the product)
"$nnlc" --emit=loops "$model" >"$work/direct.loops"
NNLC_CONV_PRODUCT=0 "$nnlc" --emit=loops "$model" >"$work/zero.loops"
cmp -s "$work/direct.loops" "$work/zero.loops" || {
    echo "FAIL: NNLC_CONV_PRODUCT=0 is not the default"; exit 1; }
rm -f "$work/w.st"
"$work/product" --epochs 2 --quiet --data "$work/d_x.npy" "$work/d_y.npy" --save "$work/w.st" >/dev/null
for k in direct product; do
    "$work/$k" --load "$work/w.st" --predict "$work/d_x.npy" >"$work/$k.pred"
    "$work/$k" --epochs 3 --quiet --data "$work/d_x.npy" "$work/d_y.npy" \
        --history "$work/$k.csv" >/dev/null
    cut -d, -f1-5 "$work/$k.csv" >"$work/$k.loss"
done
cmp -s "$work/direct.pred" "$work/product.pred" || {
    echo "FAIL: --predict differs"; diff "$work/direct.pred" "$work/product.pred" | head; exit 1; }
cmp -s "$work/direct.loss" "$work/product.loss" || {
    echo "FAIL: losses differ"; diff "$work/direct.loss" "$work/product.loss"; exit 1; }
echo "ok   direct convolution = im2col product: predictions and 3 epochs of losses"
