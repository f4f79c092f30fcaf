#!/usr/bin/env bash
# zoo_nocrash.sh NNLC MODEL WORK_DIR — nnlc must compile MODEL (exit 0) or refuse it with
# an error (exit 1), never die of a signal. FAILS TODAY for models/zoo_bug_input_*.nn:
# a model whose output (or the input of its fused softmax/sigmoid output layer) is the
# model's input or a view of it crashes nnlc with SIGSEGV (exit 139) in loop_schedule:
# loss_backward (compiler/loops_train.c) stores d loss / d output into the gradient
# buffer of the model input, which does not exist (a store to a NULL Buf), and
# writes_shared (compiler/loops_schedule.c) dereferences it.
set -u
nnlc=$1 model=$2 work=$3
mkdir -p "$work"
out=$("$nnlc" "$model" -o "$work/$(basename "$model" .nn)" 2>&1)
code=$?
printf '%s\n' "$out" | tail -n 3
if [ $code -gt 1 ]; then
    echo "FAIL: nnlc exited with $code on $model"
    exit 1
fi
if [ $code -eq 1 ] && ! grep -q 'error:' <<<"$out"; then
    echo "FAIL: nnlc exited with 1 without an error message"
    exit 1
fi
echo "ok: exit $code"
