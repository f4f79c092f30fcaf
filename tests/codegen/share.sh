#!/usr/bin/env bash
# share.sh NNLC MODEL — layers whose loops are the same share one function (loops_share.c):
# in models/zoo_shared_layers.nn the block's second and third uses call the first use's
# functions with their own buffers, and so do the equal dense layers; the LLVM function
# takes those buffers' addresses. (zoo.sh runs the same model's gradcheck, which checks
# that the shared functions compute each layer's gradients on that layer's buffers.)
set -u
nnlc=$1 model=$2
fail() { printf 'FAIL share: %s\n' "$*"; exit 1; }
loops=$("$nnlc" --emit=loops "$model") || fail "nnlc --emit=loops"
# "CALLER -> CALLEE": the caller's body is its title, the note and the call
calls=$(awk '/^func /{f=$2; sub(/\(.*/, "", f)} /^  call /{c=$2; sub(/\(.*/, "", c); if (f !~ /^(forward|backward)$/) print f " -> " c}' <<<"$loops")
for want in "conv2d_2.forward -> conv2d_1.forward" "conv2d_3.forward -> conv2d_1.forward" \
            "batch_normalization_1.forward -> batch_normalization.forward" \
            "batch_normalization_2.forward -> batch_normalization.forward" \
            "dense_2.forward -> dense_1.forward" "dense_1.backward -> dense_2.backward" \
            "conv2d_2.backward -> conv2d_3.backward" "conv2d_1.backward -> conv2d_3.backward"; do
    grep -qxF "$want" <<<"$calls" || fail "expected '$want' among the shared calls:
$calls"
done
# layers that differ keep their own loops: the first conv (1x1) and the output layer
for own in conv2d.forward dense.forward dense_3.forward; do
    grep -q "^$own " <<<"$calls" && fail "$own should keep its own loops"
done
# update calls one function per tensor, and tensors of one size share theirs
grep -q "^  call dense_1.W.update(ctx" <<<"$(sed -n '/^func update(ctx):/,/^$/p' <<<"$loops")" ||
    fail "update does not call dense_1.W.update"
grep -q "^  call dense_1.W.update(ctx, " <<<"$(sed -n '/^func dense_2.W.update(ctx):/,/^$/p' <<<"$loops")" ||
    fail "dense_2.W.update does not call dense_1.W.update, the update of a tensor of its size"
grep -qxF "  call conv2d_1.forward(ctx, re_lu_1.y, conv2d_3.y, conv2d_3.W)" <<<"$loops" ||
    fail "conv2d_3.forward does not pass its own buffers"
grep -q "^func conv2d_1.forward(ctx, conv2d.y, conv2d_1.y, conv2d_1.W):" <<<"$loops" ||
    fail "the shared function does not list the buffers it takes"
llvm=$("$nnlc" -O0 --emit=llvm "$model") || fail "nnlc --emit=llvm"
grep -q '^define internal void @conv2d_1.forward(ptr %ctx, ptr %conv2d.y, ptr %conv2d_1.y, ptr %conv2d_1.W)' <<<"$llvm" ||
    fail "the LLVM function does not take the buffers"
# Functions that differ only in the sign of a zero constant stay apart (leaky_relu with
# alpha=0 and alpha=-0.0: dy·(x > 0 ? 1 : -0) is not dy·(x > 0 ? 1 : 0)).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' 'model z { input [4] dense(4) leaky_relu(alpha=0) dense(4) leaky_relu(alpha=-0.0) dense(1) }' \
    'train { loss = mse }' >"$tmp/zero.nn"
"$nnlc" --emit=loops "$tmp/zero.nn" | grep -A3 '^func leaky_re_lu.*backward' | grep -q 'the same loops' &&
    fail "leaky_relu(alpha=0) and leaky_relu(alpha=-0.0) share a function"
# Recurrent layers keep their own functions (LLVM left a shared LSTM step's gate loop scalar).
printf '%s\n' 'model r { input [3, 2] lstm(4, return_sequences=true) lstm(4, return_sequences=true)' \
    'lstm(4, return_sequences=true) gru(4, return_sequences=true) gru(4, return_sequences=true)' \
    'simple_rnn(4, return_sequences=true) simple_rnn(4) dense(1) }' 'train { loss = mse }' >"$tmp/rnn.nn"
"$nnlc" --emit=loops "$tmp/rnn.nn" | awk '/^func /{f=$2} /the same loops/{print f}' | grep -v '\.update(' |
    grep . && fail "a recurrent layer's function calls a shared one"
echo "ok   share: $(wc -l <<<"$calls") layer functions call a shared one"
