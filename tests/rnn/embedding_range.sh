#!/usr/bin/env bash
# embedding_range.sh NNLC MODEL WORK_DIR
# An input value outside the embedding's table (7 for a table of 7 rows) is refused
# before training with one error line naming the file, line and column (counted from 1
# as in the file: line 3 is the second example, and 7 its third column).
set -eu
nnlc=$1 model=$2 work=$3
mkdir -p "$work"
printf 'a,b,c,d,e,f,label\n1,2,3,4,5,6,0\n1,2,7,4,5,6,1\n' > "$work/range.csv"
"$nnlc" "$model" -o "$work/range" 2>/dev/null
expect="$(dirname "$0")/../runtime/expect.sh"
"$expect" 1 "range.csv:3: column 3: 7 is not an index 0..6 \(the model's embedding has 7 rows\)" \
    "$work/range" --data "$work/range.csv"
# With the label in the first column, the third value is the file's fourth column.
printf 'label,a,b,c,d,e,f\n0,1,2,3,4,5,6\n1,1,2,7,4,5,6\n' > "$work/range2.csv"
sed 's|^train {|train { data = csv("range2.csv", label="label")|' "$model" > "$work/range2.nn"
"$nnlc" "$work/range2.nn" -o "$work/range2" 2>/dev/null
exec "$expect" 1 "range2.csv:3: column 4: 7 is not an index 0..6" "$work/range2"
