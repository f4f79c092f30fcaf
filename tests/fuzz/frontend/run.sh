#!/bin/sh
# run.sh [SECONDS] — builds the front-end fuzzer (fuzz_frontend.c: one input is one .nn
# file, through what `nnlc --emit=loops` runs) with clang's libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, and fuzzes it for SECONDS (default 600) of wall time in one
# process at nice 19. Not part of `make check`.
#
#   tests/fuzz/frontend/run.sh 1800                       # half an hour
#   FUZZ_FLAGS=-jobs=1 tests/fuzz/frontend/run.sh 900     # in a worker, log in fuzz-0.log
#   FUZZ_BUILD_ONLY=1 tests/fuzz/frontend/run.sh          # build, dictionary and seeds
#   FUZZ_SHOW=1 build/fuzz-frontend/fuzz_frontend FILE    # replay one input, diagnostics
#                                                         # on stderr
#
# Everything goes to FUZZ_OUT (default build/fuzz-frontend): the binary, the scanner and
# parser flex and bison generate, the dictionary (the keywords and every name the compiler
# looks up: the identifier-like string literals of lexer.l, ops.def and sema*.c;
# punctuation; numbers at the edges of int, int64_t and double), the seeds (examples/*.nn
# and every tests/**/*.nn, the diag cases and seeds/ here included), the corpus (kept
# between runs) and artifacts/ (crash-*, timeout-*, oom-*, leak-*, slow-unit-*). CC picks
# the compiler (default clang; clang-14 and libclang-rt-14-dev suffice). libFuzzer runs
# with -rss_limit_mb=2048 -timeout=10 -max_len=8192; FUZZ_FLAGS adds options. -timeout is
# wall time: at nice 19 on a busy machine an input that takes a second can pass 10 s, so
# time a timeout again on its own before calling it a hang.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
seconds=${1:-600}
out=${FUZZ_OUT:-$root/build/fuzz-frontend}
cc=${CC:-clang}
mkdir -p "$out/gen" "$out/corpus" "$out/seeds" "$out/artifacts"

# ---- build: every compiler source but the driver and code generation ----
bison -Wall -o "$out/gen/parser.c" --defines="$out/gen/parser.h" "$root/compiler/parser.y"
flex --header-file="$out/gen/lexer.h" -o "$out/gen/lexer.c" "$root/compiler/lexer.l"
sources=$(ls "$root"/compiler/*.c | grep -v -e '/main\.c$' -e '/cg_[^/]*\.c$')
# shellcheck disable=SC2086
"$cc" -std=c11 -D_XOPEN_SOURCE=700 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root/compiler" -I"$out/gen" -I"$root/runtime" \
    $sources "$out/gen/parser.c" "$out/gen/lexer.c" "$here/fuzz_frontend.c" \
    -lm -lpthread -o "$out/fuzz_frontend"

# ---- dictionary ----
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

# ---- seeds ----
rm -f "$out"/seeds/*
find "$root/examples" "$root/tests" -name '*.nn' | while read -r f; do
    cp "$f" "$out/seeds/$(printf '%s' "${f#"$root"/}" | tr '/' '_')"
done
[ -n "${FUZZ_BUILD_ONLY:-}" ] && exit 0

# ---- fuzz ----
cd "$out"
# shellcheck disable=SC2086
nice -n 19 ./fuzz_frontend -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len=8192 -dict=nnl.dict -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
    ${FUZZ_FLAGS:-} corpus seeds
