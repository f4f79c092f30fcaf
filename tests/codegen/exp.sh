#!/bin/sh
# exp.sh NNLC WORK_DIR — the exponential f32 trainers compute without libm (cg_loops.c,
# gen_expf): a model whose output is σ(x) = 1 / (1 + e^−x), its weight set to 1 and its
# bias to 0 in a checkpoint, predicts σ for x from −87 to 30 (multiples of 3/8, exact
# in f32) and at the ends of the range, and the values are compared with awk's double
# precision. For x < 0, σ(x) is within a factor (1 + e^x) of e^x, so its relative error
# is exp's (from e^87 down). --predict prints 6 significant digits: each value may differ
# by half a unit of its 6th digit plus 1.5e-6 of itself (a few float roundings: exp's
# polynomial, 1 + e^−x, the division). The polynomial with its r² coefficient 0.5
# changed to 0.5001 fails this.
set -u
nnlc=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cases.sh"

cat >sig.nn <<'NN'
model sig { input [1] dense(1, activation=sigmoid) }
train { loss = binary_crossentropy  epochs = 1  batch = 4  data = csv("d.csv") }
NN
awk 'BEGIN { print "x,y"; for (i = 0; i < 8; i++) printf "%d,%d\n", i, i % 2 }' >d.csv
"$nnlc" sig.nn -o sig || { echo "FAIL: nnlc could not compile sig.nn"; exit 1; }
./sig --save sig.st --quiet >/dev/null || { echo "FAIL: training sig"; exit 1; }

# The checkpoint's data follow its 8-byte header length and the JSON header; dense.W's
# 4 bytes come first, then dense.b's (data_offsets [0,4] and [4,8]).
grep -aq '"dense.W":{"dtype":"F32","shape":\[1,1\],"data_offsets":\[0,4\]},"dense.b":{"dtype":"F32","shape":\[1\],"data_offsets":\[4,8\]}' sig.st ||
    { echo "FAIL: unexpected checkpoint layout: $(head -c 400 sig.st)"; exit 1; }
len=$(od -An -tu4 -N4 sig.st | tr -d ' ')
printf '\000\000\200\077\000\000\000\000' |
    dd of=sig.st bs=1 seek=$((8 + len)) conv=notrunc status=none # W = 1.0f, b = 0.0f
# The edit changes the file's CRC-32: its metadata "crc32" is renamed "Xrc32" (a
# checkpoint without one loads unchecked).
crc=$(grep -abo '"crc32":"' sig.st | cut -d: -f1)
printf 'X' | dd of=sig.st bs=1 seek=$((crc + 1)) conv=notrunc status=none

awk 'BEGIN { print "x"; for (i = 0; i <= 312; i++) printf "%.3f\n", -87 + i * 0.375;
             print "-88.7"; print "-89"; print "-104"; print "-200"; print "89"; print "200" }' >x.csv
./sig --load sig.st --predict x.csv >p.csv || { echo "FAIL: --predict"; exit 1; }
paste -d, x.csv p.csv | awk -F, '
    function abs(v) { return v < 0 ? -v : v }
    # half a unit of the 6th significant digit of v, the rounding of %.6g
    function half_digit(v) { return 0.5 * 10 ^ (int(log(v) / log(10) + 100) - 100 - 5) }
    NR == 1 { next }
    { x = $1; got = $5; want = 1 / (1 + exp(-x)); rows++
      err = want > 0 ? abs(got - want) / want : got
      if (x < -88.8 && got != 0) { print "FAIL: sigma(" x ") = " got ", not 0 (e^" -x " is inf in f32)"; bad++ }
      else if (x >= -88.7 && x < -87.5 && (got < 0.99 * want || got > 1.01 * want)) {
          print "FAIL: sigma(" x ") = " got ", want " want; bad++ }   # a subnormal result
      else if (x >= -87 && x <= 30 && abs(got - want) > half_digit(got) + 1.5e-6 * want) {
          print "FAIL: sigma(" x ") = " got ", want " want " (relative error " err ")"; bad++ }
      else if (x > 88 && got != 1) { print "FAIL: sigma(" x ") = " got ", not 1"; bad++ } }
    END { if (rows != 319) { print "FAIL: " rows " predictions, expected 319"; bad++ }
          exit bad > 0 }' || fails=$((fails + 1))

# A model that diverges (inputs of 1e30, a learning rate of 1e6) stops at its first NaN
# loss, with the message that says so.
awk 'BEGIN { print "x,y"; for (i = 0; i < 8; i++) printf "%g,%d\n", (i - 4) * 1e30, i % 2 }' >big.csv
cat >div.nn <<'NN'
model div { input [1] dense(1, activation=sigmoid) }
train { loss = binary_crossentropy  optimizer = sgd(lr=1e6)  epochs = 20  batch = 4  data = csv("big.csv") }
NN
"$nnlc" div.nn -o div || { echo "FAIL: nnlc could not compile div.nn"; exit 1; }
check 1 'error: the training loss became NaN at epoch 1' ./div --threads 1

[ "$fails" -eq 0 ] && echo "exp: sigma(x) from e^x in f32 agrees with double precision"
exit "$fails"
