#!/usr/bin/env bash
# zoo_f32_gradcheck.sh NNLC MODEL WORK_DIR — FAILS TODAY (models/zoo_bug_f32_gradcheck.nn):
# the same model and 8 examples (zoo_data.py, seed 1) must pass the gradient check both
# in f64 (tolerance 1e-6) and in f32 (the trainer's default tolerance for f32, 1e-2).
# Today f64 passes with max error ~4e-10 and one f32 SGD step agrees with PyTorch to
# ~1e-5, but the f32 check reports conv2d.W at ~1.1e-2 (not recognized as a kink).
set -u
nnlc=$1 model=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
/usr/bin/python3 "$here/zoo_data.py" "$model" "$work/d" 8 1 || exit 1
status=0
for p in f64 f32; do
    "$nnlc" --precision=$p "$model" -o "$work/m_$p" || exit 1
    out=$("$work/m_$p" --gradcheck --data "$work/d_x.npy" "$work/d_y.npy" 2>&1)
    printf '%s: %s\n' "$p" "$(printf '%s\n' "$out" | tail -n 1)"
    grep -Eq '^gradcheck: passed' <<<"$out" || { printf '%s\n' "$out"; status=1; }
done
exit $status
