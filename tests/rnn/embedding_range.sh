#!/usr/bin/env bash
# embedding_range.sh NNLC MODEL WORK_DIR
# An input value outside the embedding's table (7 for a table of 7 rows), or not a whole
# number as the file writes it, is refused before training with one error line naming
# the file, line and column (counted from 1 as in the file: line 3 is the second
# example, and 7 its third column), or the byte and example of a binary file.
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
"$expect" 1 "range2.csv:3: column 4: 7 is not an index 0..6" "$work/range2"
# An index is checked as the file writes it, not as float32 holds it: 3.0000001 would
# become the row 3. In a CSV, and in a float64 .npy (the 9th value: byte 128 + 8·8).
printf 'a,b,c,d,e,f,label\n1,2,3,4,5,6,0\n1,2,3.0000001,4,5,6,1\n' > "$work/range3.csv"
"$expect" 1 "range3.csv:3: column 3: 3.0000001 is not an index 0..6" \
    "$work/range" --data "$work/range3.csv"
npy() { # DESCR SHAPE DATA: a .npy v1.0 file whose header takes 128 bytes, then DATA
    local h="{'descr': '$1', 'fortran_order': False, 'shape': $2, }"
    printf '\223NUMPY\001\000\166\000%s%*s\n' "$h" $((117 - ${#h})) ''
    printf "$3"
}
one='\000\000\000\000\000\000\360\077' two='\000\000\000\000\000\000\000\100'
rest='\000\000\000\000\000\000\020\100\000\000\000\000\000\000\024\100\000\000\000\000\000\000\030\100'
npy '<f8' '(2, 6)' "$one$two\000\000\000\000\000\000\010\100$rest$one$two\115\371\153\015\000\000\010\100$rest" \
    > "$work/range_x.npy" # 1 2 3 4 5 6 / 1 2 3.0000001 4 5 6
npy '<i8' '(2,)' '\000\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000' > "$work/range_y.npy"
"$expect" 1 "range_x.npy: byte 192 \(example 2\): 3.0000001 is not an index 0..6" \
    "$work/range" --data "$work/range_x.npy" "$work/range_y.npy"
# The range is that of the indices the model reads, after the source's shift: ids counted
# from 1 (7 is the last of 7 rows) train with shift=-1, and 0 (-1 after it) is refused.
printf 'a,b,c,d,e,f,label\n1,2,3,4,5,7,0\n7,6,5,4,3,2,1\n' > "$work/ids1.csv"
sed 's|^train {|train { data = csv("ids1.csv", shift=-1)|' "$model" > "$work/ids1.nn"
"$nnlc" "$work/ids1.nn" -o "$work/ids1" 2>/dev/null
"$expect" 0 "loss" "$work/ids1" --epochs 1 --verbose 2
printf 'a,b,c,d,e,f,label\n1,2,3,4,5,7,0\n0,6,5,4,3,2,1\n' > "$work/ids0.csv"
exec "$expect" 1 "ids0.csv:3: column 1: -1 is not an index 0..6" "$work/ids1" --data "$work/ids0.csv"
