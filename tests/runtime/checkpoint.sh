#!/usr/bin/env bash
# checkpoint.sh F32_TRAINER F64_HIDDEN_TRAINER DATA_DIR WORK_DIR
# --save then --load for --evaluate and --predict, and loading a checkpoint of another
# model, which must fail naming the first tensor that does not fit.
set -eu
small=$1 hidden=$2 data=$3 work=$4
here=$(dirname "$0")
mkdir -p "$work"
ck="$work/small.safetensors"
rm -f "$ck"
"$small" --data "$data/imgs.idx" "$data/labels.idx" --test "$data/imgs.idx.gz" "$data/labels.idx.gz" \
         --epochs 2 --batch 5 --save "$ck" --quiet > "$work/train.txt"
trained=$(grep -Eo 'test_accuracy: [0-9.]+' "$work/train.txt")

# Evaluating the saved weights reproduces the test result of the run that saved them.
"$here/expect.sh" 0 "Test: 20 examples.*$trained" \
    "$small" --load "$ck" --evaluate --test "$data/imgs.idx" "$data/labels.idx"
# Predictions: a CSV header with class names, then one row per example.
"$small" --load "$ck" --predict "$data/x32.npy" > "$work/pred.csv"
head -1 "$work/pred.csv" | grep -q '^row,class,name,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9$'
[ "$(wc -l < "$work/pred.csv")" -eq 21 ]
grep -Eq '^19,[0-9],(T-shirt/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot),' "$work/pred.csv"
# Another model's checkpoint.
"$here/expect.sh" 1 "small.safetensors: has no tensor \"hidden.W\" \(model 'ref' expects shape \[784, 16\]\)" \
    "$hidden" --load "$ck" --evaluate --test "$data/imgs.idx" "$data/labels.idx"
# A file that is not a checkpoint.
"$here/expect.sh" 1 "imgs.idx: byte 0: not a safetensors file: its first 8 bytes should give the length" \
    "$small" --load "$data/imgs.idx" --evaluate --test "$data/imgs.idx" "$data/labels.idx"
# A checkpoint cut short is refused whole, whichever of its tensors were cut off (a
# loader that only checked the ones it reads took a file without its optimizer state);
# so is something that is not a regular file.
size=$(wc -c < "$ck")
head -c $((size - 100)) "$ck" > "$work/cut.safetensors"
"$here/expect.sh" 1 "cut.safetensors: byte $((size - 100)): the file is truncated: tensor \"[^\"]+\" ends at byte [0-9]+" \
    "$small" --load "$work/cut.safetensors" --evaluate --test "$data/imgs.idx" "$data/labels.idx"
# Cut inside its header: truncated, not "not a safetensors file".
head -c 300 "$ck" > "$work/cut_header.safetensors"
"$here/expect.sh" 1 "cut_header.safetensors: byte 300: the file is truncated: its header \(JSON from byte 8\) is [0-9]+ bytes long and would end at byte [0-9]+" \
    "$small" --load "$work/cut_header.safetensors" --evaluate --test "$data/imgs.idx" "$data/labels.idx"
"$here/expect.sh" 1 "/dev/zero: not a regular file" \
    "$small" --load /dev/zero --evaluate --test "$data/imgs.idx" "$data/labels.idx"
# A big file given to --load (a disk image, the data by mistake) is refused by its first
# bytes, not read into memory whole first, and a checkpoint beyond the memory is named as
# such (before: "out of memory allocating 536870912 bytes", naming no file). Sparse files.
truncate -s 300M "$work/zeros.bin"
printf '\002\000\000\000\000\000\000\000{}' > "$work/huge.safetensors"
truncate -s 300M "$work/huge.safetensors"
"$here/expect.sh" 1 "zeros.bin: header \(JSON from byte 8\): byte 0: unexpected end" \
    sh -c 'ulimit -v 200000 && exec "$@"' sh "$small" --load "$work/zeros.bin" --predict "$data/x32.npy"
"$here/expect.sh" 1 "huge.safetensors: the file's 0.315 GB do not fit in the memory available \(0.2[0-9]* GB\)" \
    sh -c 'ulimit -v 200000 && exec "$@"' sh "$small" --load "$work/huge.safetensors" --predict "$data/x32.npy"
rm -f "$work/zeros.bin" "$work/huge.safetensors"
# A weight that is NaN (a damaged file) is refused on loading, not predicted with.
cp "$ck" "$work/nan.safetensors"
header=$(od -An -t u8 -N8 "$work/nan.safetensors" | tr -d ' ')
printf '\000\000\300\177' | dd of="$work/nan.safetensors" bs=1 seek=$((8 + header)) conv=notrunc 2>/dev/null
"$here/expect.sh" 1 "nan.safetensors: byte $((8 + header)): tensor \"[^\"]+\" holds NaN at element 0" \
    "$small" --load "$work/nan.safetensors" --predict "$data/x32.npy"
# A bit flipped in a weight (the lowest of the first one: a plausible value still), or in
# the metadata's epoch ("2" made "3"), is refused by the file's CRC-32, its metadata
# "crc32" (before: loaded, and trained or predicted with, without a word).
flip_bit() { # FILE OFFSET
    local b
    b=$(od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' ')
    printf "\\$(printf %03o $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp "$ck" "$work/flip_weight.safetensors"
flip_bit "$work/flip_weight.safetensors" $((8 + header))
"$here/expect.sh" 1 "flip_weight.safetensors: the file is damaged: its CRC-32 is 0x[0-9a-f]{8}, but its metadata \"crc32\" says 0x[0-9a-f]{8}" \
    "$small" --load "$work/flip_weight.safetensors" --predict "$data/x32.npy"
cp "$ck" "$work/flip_epoch.safetensors"
flip_bit "$work/flip_epoch.safetensors" $(($(grep -abo '"epoch":"2"' "$ck" | cut -d: -f1) + 9))
grep -q '"epoch":"3"' "$work/flip_epoch.safetensors" || { echo "FAIL: flip_bit"; exit 1; }
"$here/expect.sh" 1 "flip_epoch.safetensors: the file is damaged: its CRC-32" \
    "$small" --resume "$work/flip_epoch.safetensors" --epochs 4 --data "$data/imgs.idx" "$data/labels.idx"
# A save writes a temporary file of its own beside the checkpoint and renames it over the
# checkpoint: a file the user has at CK.tmp survives (before: removed, then replaced and
# renamed away), and a save that fails (here: a file size limit, so the write fails with
# EFBIG) removes its temporary file and leaves the user's file and no other.
rm -rf "$work/own" && mkdir "$work/own"
echo "the user's notes" > "$work/own/m.safetensors.tmp"
"$small" --data "$data/imgs.idx" "$data/labels.idx" --epochs 1 --save "$work/own/m.safetensors" \
    --quiet > /dev/null
[ "$(cat "$work/own/m.safetensors.tmp")" = "the user's notes" ] ||
    { echo "FAIL: --save removed or replaced the user's m.safetensors.tmp"; exit 1; }
[ "$(ls "$work/own")" = "$(printf 'm.safetensors\nm.safetensors.tmp')" ] ||
    { echo "FAIL: --save left other files: $(ls "$work/own")"; exit 1; }
"$here/expect.sh" 1 "error: cannot write .*/own/m.safetensors: File too large" \
    sh -c 'trap "" XFSZ; ulimit -f 1; exec "$@"' sh "$small" --data "$data/imgs.idx" \
    "$data/labels.idx" --epochs 1 --save "$work/own/m.safetensors" --quiet
[ "$(cat "$work/own/m.safetensors.tmp")" = "the user's notes" ] ||
    { echo "FAIL: a failed --save removed or replaced the user's m.safetensors.tmp"; exit 1; }
[ "$(ls "$work/own")" = "$(printf 'm.safetensors\nm.safetensors.tmp')" ] ||
    { echo "FAIL: a failed --save left other files: $(ls "$work/own")"; exit 1; }
# The same limit without the trap: the trainer ignores SIGXFSZ itself, so the save fails
# as above (before: the signal ended the process mid-save, leaving its partial
# m.safetensors.tmp.PID.N beside the checkpoint).
"$here/expect.sh" 1 "error: cannot write .*/own/m.safetensors: File too large" \
    sh -c 'ulimit -f 1; exec "$@"' sh "$small" --data "$data/imgs.idx" \
    "$data/labels.idx" --epochs 1 --save "$work/own/m.safetensors" --quiet
[ "$(ls "$work/own")" = "$(printf 'm.safetensors\nm.safetensors.tmp')" ] ||
    { echo "FAIL: a --save ended by a file size limit left other files: $(ls "$work/own")"; exit 1; }
# Weights that diverge in the last step of an epoch (one batch an epoch here), whose loss
# came before the update and was finite, are not saved: the checkpoint stays as it was
# and loads (before: replaced by one holding infinity, which --load refuses).
cp "$ck" "$work/diverge.safetensors"
"$here/expect.sh" 1 "error: the weights became (-?infinity|NaN) in epoch 1 \(tensor \"[^\"]+\", element [0-9]+\), though every loss was finite; .*diverge.safetensors is left as it was; try a lower learning rate" \
    "$small" --data "$data/imgs.idx" "$data/labels.idx" --load "$work/diverge.safetensors" \
    --save "$work/diverge.safetensors" --batch 100 --epochs 3 --lr 1e300 --quiet
cmp -s "$ck" "$work/diverge.safetensors" ||
    { echo "FAIL: a diverged run replaced the checkpoint"; exit 1; }
echo "checkpoint: evaluate/predict from --load, mismatches named, truncated, NaN, bit-flipped and oversized files refused, the user's CK.tmp kept, diverged weights not saved"
