#!/usr/bin/env bash
# interrupt.sh TRAINER DATA_DIR WORK_DIR
# Ctrl-C (SIGINT), SIGTERM and SIGHUP during training with --save: training stops between two
# steps, says which epoch the checkpoint holds, exits 128 + the signal, leaves no
# temporary file beside the checkpoint, and --resume continues from that epoch. Before,
# the signal killed the trainer where it was, a save's temporary file with it.
set -eu
trainer=$1 data=$2 work=$3
# job control: a background job of a script ignores SIGINT otherwise
set -m

interrupt() { # SIGNAL CODE
    local sig=$1 want=$2 dir="$work/$1"
    rm -rf "$dir" && mkdir -p "$dir"
    # batches of one and a save every epoch: the saves take much of the time
    "$trainer" --data "$data/imgs.idx" "$data/labels.idx" --epochs 1000000 --batch 1 \
        --threads 2 --save "$dir/m.safetensors" --quiet > "$dir/out.txt" 2>&1 &
    local pid=$! i
    for i in $(seq 1200); do [ -e "$dir/m.safetensors" ] && break; sleep 0.05; done # up to a minute
    sleep 0.3
    kill "-$sig" "$pid"
    local code=0
    wait "$pid" || code=$?
    [ "$code" -eq "$want" ] || { echo "FAIL: SIG$sig: exit code $code, expected $want"; cat "$dir/out.txt"; exit 1; }
    grep -Eq "^[^ ]+: training stopped by SIG$sig.* (before|in) epoch [0-9]+ of 1000000.*; .*/m.safetensors holds epoch [0-9]+: continue with --resume .*/m.safetensors$" "$dir/out.txt" ||
        { echo "FAIL: SIG$sig: the message"; cat "$dir/out.txt"; exit 1; }
    [ "$(ls "$dir")" = "$(printf 'm.safetensors\nout.txt')" ] ||
        { echo "FAIL: SIG$sig: files beside the checkpoint: $(ls "$dir")"; exit 1; }
    local held
    held=$(grep -Eo 'holds epoch [0-9]+' "$dir/out.txt" | grep -Eo '[0-9]+')
    "$trainer" --data "$data/imgs.idx" "$data/labels.idx" --epochs $((held + 1)) \
        --resume "$dir/m.safetensors" --verbose 2 > "$dir/resumed.txt" 2>&1 ||
        { echo "FAIL: SIG$sig: --resume"; cat "$dir/resumed.txt"; exit 1; }
    grep -q "^Epoch $((held + 1))/$((held + 1))$" "$dir/resumed.txt" ||
        { echo "FAIL: SIG$sig: --resume did not continue with epoch $((held + 1))"; cat "$dir/resumed.txt"; exit 1; }
}
interrupt INT 130
interrupt TERM 143
# SIGHUP (the terminal closed) too: it killed the trainer mid-save, a FILE.tmp.PID.N left
interrupt HUP 129
# A run resumed from its --save file and stopped before it ends an epoch says that the file
# still holds the epoch it began at (before: "m.safetensors was not written", as if the
# checkpoint were gone). The SIGINT is made pending before the trainer starts: blocked and
# sent by the process that then execs it, it is taken at the first step.
dir="$work/INT"
pending_int() { python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
os.kill(os.getpid(), signal.SIGINT)
os.execv(sys.argv[1], sys.argv[1:])' "$@"; }
code=0
pending_int "$trainer" --data "$data/imgs.idx" "$data/labels.idx" --epochs 1000000 \
    --resume "$dir/m.safetensors" --save "$dir/m.safetensors" > "$dir/again.txt" 2>&1 || code=$?
[ "$code" -eq 130 ] || { echo "FAIL: pending SIGINT: exit code $code"; cat "$dir/again.txt"; exit 1; }
grep -Eq "training stopped by SIGINT.* before epoch [0-9]+ of 1000000, before this run ended an epoch; .*/m.safetensors was not written, and holds epoch [0-9]+ as before: continue with --resume .*/m.safetensors$" "$dir/again.txt" ||
    { echo "FAIL: pending SIGINT: the message"; cat "$dir/again.txt"; exit 1; }
# A signal ignored when the trainer starts stays ignored while it trains: under nohup
# (SIGHUP ignored) the terminal's closing leaves it training. Before, the trainer blocked
# SIGHUP while training, which kept the ignored signal pending, and stopped with
# "training stopped by SIGHUP" (exit 129).
dir="$work/nohup"
rm -rf "$dir" && mkdir -p "$dir"
python3 -c 'import os, signal, sys
signal.signal(signal.SIGHUP, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])' "$trainer" --data "$data/imgs.idx" "$data/labels.idx" \
    --epochs 1000000 --batch 1 --threads 2 --save "$dir/m.safetensors" --quiet > "$dir/out.txt" 2>&1 &
pid=$!
for i in $(seq 1200); do [ -e "$dir/m.safetensors" ] && break; sleep 0.05; done
sleep 0.3
kill -HUP "$pid"
sleep 1
kill -0 "$pid" 2>/dev/null || { echo "FAIL: SIGHUP, ignored (nohup), stopped training"; cat "$dir/out.txt"; exit 1; }
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
[ "$code" -eq 143 ] || { echo "FAIL: nohup: exit code $code after SIGTERM, expected 143"; cat "$dir/out.txt"; exit 1; }
grep -q "training stopped by SIGTERM" "$dir/out.txt" ||
    { echo "FAIL: nohup: the message"; cat "$dir/out.txt"; exit 1; }
echo "interrupt: SIGINT, SIGTERM and SIGHUP stop training between steps, the checkpoint of the last epoch kept and resumable; an ignored SIGHUP (nohup) stays ignored"
