#!/usr/bin/env bash
# gradcheck.sh NNLC MODEL WORK_DIR FEATURES TARGET [VOCAB]
# Compiles MODEL in f64, writes a small CSV of random examples (FEATURES values in
# [-1, 1), or integer indices below VOCAB, then a target column: TARGET is `real`, `binary`
# or the number of classes) and runs the trainer's --gradcheck on it (docs/abi.md §11:
# central differences on the first 4 examples, tolerance 1e-6). Exit 0 only if it passes.
set -eu
nnlc=$1 model=$2 work=$3 features=$4 target=$5 vocab=${6:-0}
name=$(basename "$model" .nn)
mkdir -p "$work"
csv="$work/$name.csv" trainer="$work/$name"
awk -v f="$features" -v t="$target" -v v="$vocab" -v seed="${#name}" 'BEGIN {
    srand(seed)
    for (i = 0; i < f; i++) printf "x%d,", i
    print "label"
    for (r = 0; r < 16; r++) {
        for (i = 0; i < f; i++)
            printf (v > 0 ? "%d," : "%.6f,"), (v > 0 ? int(rand() * v) : 2 * rand() - 1)
        if (t == "real") printf "%.6f\n", 2 * rand() - 1
        else if (t == "binary") printf "%d\n", rand() < 0.5
        else printf "%d\n", int(rand() * t)
    }
}' > "$csv"
"$nnlc" --precision=f64 "$model" -o "$trainer"
out=$("$trainer" --gradcheck --data "$csv" 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q 'gradcheck: passed' || { echo "FAIL: gradcheck exit $rc"; exit 1; }
