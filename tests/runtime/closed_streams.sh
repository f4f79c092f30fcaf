#!/bin/sh
# closed_streams.sh TRAINER DATA_DIR WORK_DIR
# A trainer started with standard output closed (>&-): the --history file it opened took
# descriptor 1, the lowest free, and the progress lines ("Epoch 1/2") went into it among
# its rows. Now the history holds its header and one row per epoch, and the closed
# standard output is still said (exit 1, as for a full disk).
set -u
trainer=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
code=0
"$trainer" --data "$data/imgs.idx" "$data/labels.idx" --epochs 2 --verbose 2 \
    --history "$work/h.csv" >&- 2>"$work/err.txt" || code=$?
[ "$code" -eq 1 ] || { echo "FAIL: exit code $code with standard output closed, expected 1"; cat "$work/err.txt"; exit 1; }
grep -q "cannot write standard output" "$work/err.txt" ||
    { echo "FAIL: the closed standard output was not said"; cat "$work/err.txt"; exit 1; }
if grep -Evq '^(epoch,|[12],)' "$work/h.csv" || [ "$(wc -l < "$work/h.csv")" -ne 3 ]; then
    echo "FAIL: the history file holds more than its header and 2 rows:"
    cat "$work/h.csv"
    exit 1
fi
echo "closed_streams: with standard output closed, the history holds only its rows"
