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
# An integer index out of range is shown as the file writes it, with its byte: 2^62 in an
# int64 .npy was "example 2, position 3: 4.611686018427388e+18 is not an index 0..6"
# (float32's value, without the byte); 2^62 + 1 (a double's 2^62) keeps its last digit.
big='\000\000\000\000\000\000\000\100' big1='\001\000\000\000\000\000\000\100'
i1='\001\000\000\000\000\000\000\000' i2='\002\000\000\000\000\000\000\000'
npy '<i8' '(2, 6)' "$i1$i2$i1$i2$i1$i2$i1$i2$big$i2$i1$i2" > "$work/range_big.npy"
"$expect" 1 "range_big.npy: byte 192 \(example 2\): 4611686018427387904 is not an index 0..6 \(the model's embedding has 7 rows\)" \
    "$work/range" --data "$work/range_big.npy" "$work/range_y.npy"
npy '<i8' '(2, 6)' "$i1$i2$i1$i2$i1$i2$i1$i2$big1$i2$i1$i2" > "$work/range_big1.npy"
"$expect" 1 "range_big1.npy: byte 192 \(example 2\): 4611686018427387905 is not an index 0..6" \
    "$work/range" --data "$work/range_big1.npy" "$work/range_y.npy"
# IDX files too: an int32 one (byte 12 + 4·9 of the 10th value), and unsigned bytes,
# which the trainer keeps as bytes (byte 12 + 7: the 2nd example's 2nd value).
idx_labels='\000\000\010\001\000\000\000\002\000\001'
printf "$idx_labels" > "$work/range_y.idx"
printf '\000\000\014\002\000\000\000\002\000\000\000\006' > "$work/range_i.idx"
for v in 1 2 3 4 5 6 1 2 3 9 5 6; do printf "\\000\\000\\000\\$(printf %03o $v)"; done >> "$work/range_i.idx"
"$expect" 1 "range_i.idx: byte 48 \(example 2\): 9 is not an index 0..6" \
    "$work/range" --data "$work/range_i.idx" "$work/range_y.idx"
printf '\000\000\010\002\000\000\000\002\000\000\000\006\001\002\003\004\005\006\001\011\003\004\005\006' \
    > "$work/range_b.idx"
"$expect" 1 "range_b.idx: byte 19 \(example 2\): 9 is not an index 0..6" \
    "$work/range" --data "$work/range_b.idx" "$work/range_y.idx"
# The range is that of the indices the model reads, after the source's shift: ids counted
# from 1 (7 is the last of 7 rows) train with shift=-1, and 0 (-1 after it) is refused,
# shown as written and after the shift (it was "-1 is not an index").
printf 'a,b,c,d,e,f,label\n1,2,3,4,5,7,0\n7,6,5,4,3,2,1\n' > "$work/ids1.csv"
sed 's|^train {|train { data = csv("ids1.csv", shift=-1)|' "$model" > "$work/ids1.nn"
"$nnlc" "$work/ids1.nn" -o "$work/ids1" 2>/dev/null
"$expect" 0 "loss" "$work/ids1" --epochs 1 --verbose 2
printf 'a,b,c,d,e,f,label\n1,2,3,4,5,7,0\n0,6,5,4,3,2,1\n' > "$work/ids0.csv"
"$expect" 1 "ids0.csv:3: column 1: 0 \(-1 after the source's scale and shift\) is not an index 0..6" \
    "$work/ids1" --data "$work/ids0.csv"
# A CSV's integer past 2^53 is shown with its digits (it was 4.611686018427388e+18).
printf 'a,b,c,d,e,f,label\n1,2,3,4,5,6,0\n1,2,4611686018427387905,4,5,6,1\n' > "$work/range_big.csv"
exec "$expect" 1 "range_big.csv:3: column 3: 4611686018427387905 is not an index 0..6" \
    "$work/range" --data "$work/range_big.csv"
