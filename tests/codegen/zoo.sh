#!/usr/bin/env bash
# zoo.sh NNLC MODEL WORK_DIR — one unusual model of tests/codegen/models/zoo_*.nn, end to end:
#   1. --summary prints the "# params:" total of the model's header (Keras' count)
#   2. in f64 with --parallel-min-work=0: --gradcheck on 8 examples at 3 threads passes
#   3. in f32 with --parallel-min-work=0: 3 epochs on 24 examples give bit-identical
#      checkpoints at 1, 2 and 3 threads
# Data: zoo_data.py (from the header's "# features:" and "# labels:" lines).
set -u
nnlc=$1 model=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$model" .nn)
mkdir -p "$work"
fail() { printf 'FAIL %s: %s\n' "$name" "$*"; exit 1; }

want=$(sed -n 's/^# params: //p' "$model")
total=$("$nnlc" --summary "$model" | sed -n 's/^Total params: \([0-9,]*\).*/\1/p' | tr -d ,)
[ "$total" = "$want" ] || fail "summary total params '$total', Keras counts $want"

/usr/bin/python3 "$here/zoo_data.py" "$model" "$work/gc" 8 5 || fail "zoo_data.py"
/usr/bin/python3 "$here/zoo_data.py" "$model" "$work/train" 24 1 || fail "zoo_data.py"

out=$("$nnlc" --precision=f64 --parallel-min-work=0 "$model" -o "$work/$name.f64" 2>&1) ||
    fail "nnlc --precision=f64: $out"
out=$("$work/$name.f64" --gradcheck --threads 3 --data "$work/gc_x.npy" "$work/gc_y.npy" 2>&1)
code=$?
printf '%s\n' "$out" | tail -n 1
[ $code -eq 0 ] && grep -Eq '^gradcheck: passed: [0-9]+ tensors' <<<"$out" ||
    fail "gradcheck (exit $code):
$out"

out=$("$nnlc" --parallel-min-work=0 "$model" -o "$work/$name.f32" 2>&1) || fail "nnlc: $out"
for t in 1 2 3; do
    rm -f "$work/t$t.safetensors"
    out=$("$work/$name.f32" --threads $t --epochs 3 --quiet --data "$work/train_x.npy" \
          "$work/train_y.npy" --save "$work/t$t.safetensors" 2>&1) || fail "training at $t threads: $out"
done
cmp -s "$work/t1.safetensors" "$work/t2.safetensors" || fail "weights differ at 1 and 2 threads"
cmp -s "$work/t1.safetensors" "$work/t3.safetensors" || fail "weights differ at 1 and 3 threads"
echo "ok   $name: $total params, gradcheck passed, weights identical at 1, 2 and 3 threads"
