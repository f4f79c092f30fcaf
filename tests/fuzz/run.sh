#!/bin/sh
# run.sh [SECONDS [LIBFUZZER-OPTION...]] — builds the front-end fuzzer (fuzz_frontend.c)
# with clang's libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer, and fuzzes for
# SECONDS (default 600; 0 only builds) in one process at the lowest priority. Not part of
# `make check`.
#
# Everything goes to build-fuzz/ (NNLC_FUZZ_DIR): the binary, the dictionary, the seeds,
# the growing corpus (kept between runs) and artifacts/ (crash-*, timeout-*, oom-*,
# leak-*: each a .nn file to replay with
#   NNLC_FUZZ_VERBOSE=1 build-fuzz/fuzz_frontend build-fuzz/artifacts/crash-…
# or to give to nnlc --emit=loops). CC picks the compiler (default clang, 14 or later,
# with libclang-rt-dev for libFuzzer). Extra arguments go to libFuzzer, e.g. -jobs=2.
set -eu
seconds=${1:-600}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${NNLC_FUZZ_DIR:-$root/build-fuzz}
cc=${CC:-clang}
mkdir -p "$out/gen" "$out/corpus" "$out/seeds" "$out/artifacts"

# The scanner and parser as the CMake build generates them.
bison -Wall -o "$out/gen/parser.c" --defines="$out/gen/parser.h" "$root/compiler/parser.y"
flex --header-file="$out/gen/lexer.h" -o "$out/gen/lexer.c" "$root/compiler/lexer.l"
# The front and middle end: every compiler source but the driver and code generation.
sources=$(ls "$root"/compiler/*.c | grep -v -e '/main\.c$' -e '/cg_[^/]*\.c$')
# shellcheck disable=SC2086
"$cc" -std=c11 -D_XOPEN_SOURCE=700 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root/compiler" -I"$out/gen" -I"$root/runtime" \
    $sources "$out/gen/parser.c" "$out/gen/lexer.c" "$here/fuzz_frontend.c" \
    -lm -o "$out/fuzz_frontend"

# The dictionary: the keywords and every name the compiler looks up (layers, options,
# losses, optimizers, settings: the identifier-like string literals of lexer.l, ops.def
# and sema*.c), punctuation, and numbers at the edges of int, int64_t and double.
{
    cat "$root/compiler/lexer.l" "$root/compiler/ops.def" "$root"/compiler/sema*.c |
        grep -o '"[A-Za-z_][A-Za-z0-9_]*"' | sort -u
    for t in '(' ')' '[' ']' '{' '}' '=' ',' '+' '-' '*' '/' '#' '\x0A' "'" '\"' '\\' \
             '1e308' '1e309' '0.5' '1/255' '2147483647' '2147483648' '4294967296' \
             '9223372036854775807' '9223372036854775808' '18446744073709551616' \
             '16777217' '65536' '-1' '0'; do
        printf '"%s"\n' "$t"
    done
} >"$out/nnl.dict"

# Seeds: the examples, every test model (the diagnostics cases included).
rm -f "$out"/seeds/*
find "$root/examples" "$root/tests" -name '*.nn' | while read -r f; do
    cp "$f" "$out/seeds/$(printf '%s' "${f#"$root"/}" | tr '/' '_')"
done

[ "$seconds" = 0 ] && exit 0
cd "$out"
nice -n 19 ./fuzz_frontend -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len=8192 -dict=nnl.dict -artifact_prefix=artifacts/ -print_final_stats=1 \
    "$@" corpus seeds
