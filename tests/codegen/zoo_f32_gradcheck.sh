#!/usr/bin/env bash
# zoo_f32_gradcheck.sh NNLC MODEL WORK_DIR — the f32 gradient check of a conv -> batchnorm
# -> relu model (models/zoo_bn_relu_wide.nn) on 8 examples: its finite differences are
# approximate (rounding, and ReLU inputs crossing 0 within h = 1e-3), so a correct model
# may pass or fail; a failure must say that the exact check is an f64 trainer's, and the
# f64 trainer must pass on the same data.
set -u
nnlc=$1 model=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
/usr/bin/python3 "$here/zoo_data.py" "$model" "$work/d" 8 1 || exit 1
for p in f64 f32; do
    "$nnlc" --precision=$p "$model" -o "$work/m_$p" || exit 1
    out=$("$work/m_$p" --gradcheck --data "$work/d_x.npy" "$work/d_y.npy" 2>&1)
    code=$?
    printf '%s: exit %d, %s\n' "$p" $code "$(printf '%s\n' "$out" | grep '^gradcheck: [pF]')"
    if [ $p = f64 ]; then
        [ $code -eq 0 ] && grep -q '^gradcheck: passed' <<<"$out" || { printf '%s\n' "$out"; exit 1; }
    elif [ $code -ne 0 ] && ! grep -q '^gradcheck: note: in f32, finite differences are approximate' <<<"$out"; then
        printf 'FAIL: the f32 check failed without its note:\n%s\n' "$out"
        exit 1
    fi
done
echo ok
