#!/usr/bin/env bash
# zoo_no_params.sh NNLC MODEL WORK_DIR — a model without trainable parameters (its output
# the model input, a view of it, or a softmax/sigmoid of it fused with the loss) must be
# refused with an error when compiling a trainer (nnlc crashed on them), and its summary
# must still print.
set -u
nnlc=$1 model=$2 work=$3
mkdir -p "$work"
out=$("$nnlc" "$model" -o "$work/$(basename "$model" .nn)" 2>&1)
code=$?
printf '%s\n' "$out" | head -n 1
[ $code -eq 1 ] || { echo "FAIL: nnlc exited with $code on $model, not 1"; exit 1; }
grep -q "error: model '[a-z_]*' has no trainable parameters" <<<"$out" ||
    { echo "FAIL: no error about the missing parameters"; exit 1; }
"$nnlc" --summary "$model" | grep -q '^Total params: 0' || { echo "FAIL: --summary"; exit 1; }
echo ok
