#!/bin/sh
# forward.sh NNLC ST_WRITE MODEL WORKDIR — loads known weights into forward.nn and
# compares --predict on one example x[h, w, c] = (4h + w)·2 + c + 1 with values computed
# by hand from the definitions (Keras layouts, TensorFlow's 'same' padding, pooling that
# ignores padding, batch norm from its moving statistics). Tolerance 1e-5, relative.
set -eu
nnlc=$1 st_write=$2 model=$3 work=$4
mkdir -p "$work"
"$nnlc" --precision=f64 "$model" -o "$work/forward" 2>"$work/nnlc.err" || {
    cat "$work/nnlc.err" >&2
    exit 1
}
"$st_write" "$work/weights.safetensors" \
    a.W=2x2x2x2:index a.b=2:0.5,-0.25 n.W=1x1x2x2:-1,0,0,-1 e.W=3x3x2x1:ones \
    g.gamma=2:1,2 g.beta=2:0.5,-0.5 g.moving_mean=2:1,2 g.moving_var=2:3,0.999 \
    h.W=3x2x2:index h.b=2:1,-1
awk 'BEGIN {
    for (i = 0; i < 32; i++) printf "%sf%d", (i ? "," : ""), i
    print ""
    for (i = 1; i <= 32; i++) printf "%s%d", (i > 1 ? "," : ""), i
    print ""
}' >"$work/x.csv"
"$work/forward" --load "$work/weights.safetensors" --predict "$work/x.csv" >"$work/out.csv" \
    2>"$work/err.txt"
# a: conv2d 2x2 stride 2, W[kh,kw,c,f] = ((2kh + kw)·2 + c)·2 + f, b = (0.5, -0.25)
# b: avgpool2d 3 stride 2 'same' (pad 0 before, 1 after; the corner window averages 4)
# c: maxpool2d 3 stride 2 'same' of −x (pad 1 after: 0 would win if padding counted)
# d: minpool2d 2 stride 3 'same' (the last window holds only x[3, 3])
# e: conv2d 3x3 'same' of ones: window sums with zero padding
# f: global average; g: batch norm, gamma·(x − moving_mean)/√(moving_var + 0.001) + beta
# h: conv1d 3 stride 2 'same' over (16, 2), W[k,c,f] = (2k + c)·2 + f, b = (1, −1)
# i, j: maxpool1d and avgpool1d 3 stride 2 'same' over (16, 2)
expected="512.5 563.75 736.5 819.75 1408.5 1587.75 1632.5 1843.75
11 12 14 15 23 24 26 27
-1 -2 -5 -6 -17 -18 -21 -22
1 2 7 8 25 26 31 32
52 90 114 84 126 207 243 174 222 351 387 270 180 282 306 212
16 17
0.5 -0.5 1.654508136 3.5 2.809016273 7.5 3.963524409 11.5 5.118032546 15.5 6.272540682 19.5
7.427048818 23.5 8.581556955 27.5 9.736065091 31.5 10.89057323 35.5 12.04508136 39.5
13.1995895 43.5 14.35409764 47.5 15.50860577 51.5 16.66311391 55.5 17.81762205 59.5
141 160 261 304 381 448 501 592 621 736 741 880 861 1024 377 497
5 6 9 10 13 14 17 18 21 22 25 26 29 30 31 32
3 4 7 8 11 12 15 16 19 20 23 24 27 28 30 31"
printf '%s\n' "$expected" | awk -v got="$(sed -n 2p "$work/out.csv")" '
    { for (i = 1; i <= NF; i++) want[++n] = $i }
    END {
        m = split(got, g, ",") - 1
        if (m != n) { printf "FAIL: %d outputs, expected %d\n", m, n; exit 1 }
        bad = 0
        for (i = 1; i <= n; i++) {
            d = g[i + 1] - want[i]; if (d < 0) d = -d
            s = want[i] < 0 ? -want[i] : want[i]
            if (d > 1e-9 * (s > 1 ? s : 1)) { # f64, printed whole (6 digits before)
                printf "FAIL: output y%d = %s, expected %s\n", i - 1, g[i + 1], want[i]; bad++
            }
        }
        if (bad) exit 1
        printf "forward: %d outputs match the hand computation\n", n
    }'
