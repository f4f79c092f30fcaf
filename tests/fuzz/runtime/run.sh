#!/bin/sh
# run.sh [SECONDS] — builds the runtime's libFuzzer harnesses and fuzzes each of them in
# turn for SECONDS (default 300) of wall time. Not part of `make check`.
#
#   tests/fuzz/runtime/run.sh            # every harness, 5 minutes each
#   tests/fuzz/runtime/run.sh 60 fuzz_csv fuzz_npy
#   FUZZ_BUILD_ONLY=1 tests/fuzz/runtime/run.sh      # build and seed, no fuzzing
#   build/fuzz-runtime/fuzz_csv CRASH-FILE           # replay one input
#
# Harnesses (each file's header comment gives its input layout): fuzz_idx and fuzz_idx_gz
# (IDX images and labels, plain and gzip), fuzz_npy, fuzz_csv (CSV examples and series),
# fuzz_ckpt (checkpoints through --load/--resume), fuzz_json (checkpoint headers),
# fuzz_cli (the trainer's command line). They are built with clang (CC, default clang;
# clang-14 and libclang-rt-14-dev suffice) and -fsanitize=fuzzer,address,undefined into
# FUZZ_OUT (default build/fuzz-runtime). Seeds: seeds.py writes small valid inputs, and
# the checkpoint seeds come from trainers nnlc compiles (models/tiny.nn, examples/mlp.nn;
# build nnlc first: cmake --build build). The corpus grows in FUZZ_OUT/corpus/NAME,
# findings land in FUZZ_OUT/artifacts/NAME/. One fuzzer runs at a time, at nice 19, with
# -rss_limit_mb=2048 -timeout=10; FUZZ_FLAGS adds libFuzzer options.
set -eu
# (FUZZ_SHOW=1 makes the data harnesses print what the trainer accepted or refused.)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
seconds=${1:-300}
[ $# -gt 0 ] && shift
out=${FUZZ_OUT:-$root/build/fuzz-runtime}
cc=${CC:-clang}
nnlc=${NNLC:-$root/build/compiler/nnlc}
all="fuzz_idx fuzz_idx_gz fuzz_npy fuzz_csv fuzz_ckpt fuzz_json fuzz_cli"
names=${*:-$all}
mkdir -p "$out/obj"

# ---- build ----
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $san -I$root/runtime -I$here"
objs=
for src in "$root"/runtime/*.c; do
    base=$(basename "$src" .c)
    [ "$base" = main ] && continue # the harness is the program
    obj="$out/obj/$base.o"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$here/run.sh" -nt "$obj" ] ||
       [ -n "$(find "$root/runtime" -name '*.h' -newer "$obj")" ]; then
        $cc $cflags -fsanitize=fuzzer-no-link -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -Wall -c "$src" -o "$obj"
    fi
    objs="$objs $obj"
done
$cc $cflags -fsanitize=fuzzer-no-link -std=gnu11 -c "$here/fuzz_common.c" -o "$out/obj/fuzz_common.o"
for name in $all; do
    src=$here/$name.c defs=
    [ "$name" = fuzz_idx_gz ] && src=$here/fuzz_idx.c defs=-DFUZZ_GZ
    $cc $cflags -fsanitize=fuzzer -std=gnu11 $defs "$src" "$out/obj/fuzz_common.o" $objs \
        -lz -lm -lpthread -o "$out/$name"
done

# ---- seeds ----
seeds=$out/seeds
if [ ! -d "$seeds" ]; then
    python3 "$here/seeds.py" "$seeds.tmp"
    if [ -x "$nnlc" ]; then
        # checkpoints as trainers write them: tiny (f32 and f64, CSV class names,
        # standardization, early stopping's best weights) and examples/mlp.nn
        w=$out/ckpt-work
        rm -rf "$w" && mkdir -p "$w"
        cp "$here/models/tiny.nn" "$w/tiny.nn"
        python3 - "$w" <<'PY'
import random, struct, sys
w = sys.argv[1]
random.seed(1)
with open(w + "/tiny.csv", "w") as f:
    f.write("a,b,c,d,label\n")
    for i in range(16):
        f.write(",".join("%.3f" % random.uniform(-1, 1) for _ in range(4)) + "," + ["cat", "dog", "emu"][i % 3] + "\n")
with open(w + "/img.idx", "wb") as f:
    f.write(bytes([0, 0, 8, 3]) + struct.pack(">III", 16, 28, 28) + bytes(random.randrange(256) for _ in range(16 * 784)))
with open(w + "/lab.idx", "wb") as f:
    f.write(bytes([0, 0, 8, 1]) + struct.pack(">I", 16) + bytes(i % 10 for i in range(16)))
PY
        (cd "$w" && "$nnlc" tiny.nn -o tiny && "$nnlc" --precision=f64 tiny.nn -o tiny64 &&
         "$nnlc" "$root/examples/mlp.nn" -o mlp &&
         ./tiny --threads 1 --quiet --save tiny.safetensors >/dev/null &&
         ./tiny64 --threads 1 --quiet --save tiny64.safetensors >/dev/null &&
         ./mlp --threads 1 --quiet --epochs 1 --data img.idx lab.idx --save mlp.safetensors >/dev/null)
        # the first byte is fuzz_ckpt's cfg: model, --load or --resume, standardize, ...
        mkdir -p "$seeds.tmp/fuzz_ckpt" "$seeds.tmp/fuzz_json"
        k=0
        for cfg in 00 04 08 0c 10 20 28 40 48 6c; do
            k=$((k + 1))
            { printf "\\$(printf %03o "0x$cfg")"; cat "$w/tiny.safetensors"; } > "$seeds.tmp/fuzz_ckpt/tiny$k"
        done
        for cfg in 01 05 0d 49; do
            { printf "\\$(printf %03o "0x$cfg")"; cat "$w/tiny64.safetensors"; } > "$seeds.tmp/fuzz_ckpt/tiny64-$cfg"
        done
        for cfg in 02 06 22; do
            { printf "\\$(printf %03o "0x$cfg")"; cat "$w/mlp.safetensors"; } > "$seeds.tmp/fuzz_ckpt/mlp-$cfg"
        done
        # their headers for the JSON reader
        for f in tiny tiny64 mlp; do
            python3 -c 'import struct, sys; b = open(sys.argv[1], "rb").read(); n = struct.unpack("<Q", b[:8])[0]; sys.stdout.buffer.write(b[8:8 + n])' \
                "$w/$f.safetensors" > "$seeds.tmp/fuzz_json/$f.json"
        done
    else
        echo "run.sh: $nnlc not built: fuzz_ckpt starts without checkpoint seeds" >&2
    fi
    mv "$seeds.tmp" "$seeds"
fi
[ -n "${FUZZ_BUILD_ONLY:-}" ] && exit 0

# ---- fuzz, one harness at a time ----
for name in $names; do
    mkdir -p "$out/corpus/$name" "$out/artifacts/$name" "$seeds/$name"
    echo "== $name: ${seconds}s" >&2
    flags="-rss_limit_mb=2048 -timeout=10 -max_total_time=$seconds -print_final_stats=1"
    # a checkpoint of examples/mlp.nn is 640 kB; the other inputs stay small
    [ "$name" = fuzz_ckpt ] && flags="$flags -max_len=700000 -len_control=20"
    [ -f "$here/$name.dict" ] && flags="$flags -dict=$here/$name.dict"
    (cd "$out/artifacts/$name" &&
     nice -n 19 "$out/$name" $flags ${FUZZ_FLAGS:-} -artifact_prefix="$out/artifacts/$name/" \
         "$out/corpus/$name" "$seeds/$name") || echo "== $name stopped: see $out/artifacts/$name" >&2
done
