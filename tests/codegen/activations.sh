#!/bin/sh
# activations.sh NNLC WORK_DIR — tanh, elu and gelu where their textbook formulas cancel
# (cg_loops.c gen_tanh and gen_expm1, loops_layers.c normal_cdf): a model whose three
# outputs are tanh(x), elu(x) and gelu(x) (dense layers of one unit, weight 1 and bias 0
# from their initializers) predicts them, in f32 and in f64, for x near 0 (1e-8 to 0.7,
# either sign, both sides of tanh's switch at 0.625), in gelu's far tail (x = −5 … −8)
# and beyond, and the values are compared with Python's math.tanh, math.expm1 and
# math.erfc. --predict prints 6 significant digits: each value may differ by half a unit
# of its 6th digit plus 2e-6 of itself (a few float roundings). The formulas before
# (2/(1 + e^−2x) − 1, e^x − 1, x/2·(1 + erf(x/√2))) were off by 0.14% for tanh(1e-5) and
# 100% for tanh(1e-8) in f32, 1.3% for elu(−1e-6), 100% for gelu(−6) in f32 and 1.8% for
# gelu(−8) in f64.
set -u
nnlc=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cases.sh"

cat >act.nn <<'NN'
model act {
    x = input [1]
    t = dense(1, activation=tanh, kernel_initializer=ones)(x)
    e = dense(1, activation=elu, kernel_initializer=ones)(x)
    g = dense(1, activation=gelu, kernel_initializer=ones)(x)
    concat(t, e, g)
}
train { loss = mse }
NN
printf '%s\n' x 1e-8 -1e-8 1e-6 -1e-6 1e-5 -3e-5 1e-4 -1e-3 0.01 -0.1 0.3 -0.34 0.35 \
    -0.5 0.62 -0.625 0.63 -0.7 1.5 -3 -5 -6 -7 -8 9 20 >x.csv
for precision in f32 f64; do
    "$nnlc" --precision=$precision act.nn -o act_$precision ||
        { echo "FAIL: nnlc could not compile act.nn in $precision"; exit 1; }
    ./act_$precision --predict x.csv 2>/dev/null >p_$precision.csv ||
        { echo "FAIL: --predict in $precision"; exit 1; }
    python3 - x.csv p_$precision.csv $precision <<'PY' || fails=$((fails + 1))
import math, sys
xs = [float(v) for v in open(sys.argv[1]).read().split()[1:]]
rows = [line.split(",") for line in open(sys.argv[2]).read().split("\n")[1:] if line]
want = {"tanh": math.tanh, "elu": lambda x: x if x > 0 else math.expm1(x),
        "gelu": lambda x: 0.5 * x * math.erfc(-x / math.sqrt(2))}
bad = 0
if len(rows) != len(xs):
    print("FAIL: %d predictions for %d inputs" % (len(rows), len(xs)))
    sys.exit(1)
for x, row in zip(xs, rows):
    for name, got in zip(want, row[1:4]):
        w, g = want[name](x), float(got)
        half_digit = 0.5 * 10 ** (math.floor(math.log10(abs(w))) - 5)
        if abs(g - w) > half_digit + 2e-6 * abs(w):
            print("FAIL: %s: %s(%g) = %s, want %.7g (relative error %.2g)"
                  % (sys.argv[3], name, x, got, w, abs(g - w) / abs(w)))
            bad += 1
sys.exit(bad > 0)
PY
done

[ "$fails" -eq 0 ] && echo "activations: tanh, elu and gelu near 0 and in the tails agree with double precision"
exit "$fails"
