#!/usr/bin/env bash
# embedding_range.sh NNLC MODEL WORK_DIR
# An input value outside the embedding's table (7 for a table of 7 rows) is refused
# before training with one error line naming the file, the example and the position.
set -eu
nnlc=$1 model=$2 work=$3
mkdir -p "$work"
printf 'a,b,c,d,e,f,label\n1,2,3,4,5,6,0\n1,2,7,4,5,6,1\n' > "$work/range.csv"
"$nnlc" "$model" -o "$work/range" 2>/dev/null
exec "$(dirname "$0")/../runtime/expect.sh" 1 \
    "range.csv: example 1, position 2: 7 is not an index 0..6 \(the model's embedding has 7 rows\)" \
    "$work/range" --data "$work/range.csv"
