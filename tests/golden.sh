#!/bin/sh
# golden.sh NNLC MODE INPUT EXPECTED [LAYER...] — runs nnlc on INPUT and diffs against EXPECTED.
#   MODE summary: `nnlc --summary INPUT` must succeed; stdout is compared.
#   MODE ir:      `nnlc --emit=ir INPUT` must succeed; stdout is compared.
#   MODE loops:   `nnlc --emit=loops INPUT` must succeed; stdout is compared, or with
#                 LAYERs only their functions (LAYER.forward, LAYER.backward, each up to
#                 the blank line after it), in the order printed.
#   MODE diag:    `nnlc --summary INPUT` must fail; stderr plus a final "exit: N" line is
#                 compared. It runs in INPUT's directory so messages name the bare file.
# NNLC_UPDATE=1 rewrites EXPECTED instead (review the diff before committing).
set -u
nnlc=$1 mode=$2 input=$3 expected=$4
shift 4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
case $mode in
summary|ir|loops)
    flag=--summary
    [ "$mode" = ir ] && flag=--emit=ir
    [ "$mode" = loops ] && flag=--emit=loops
    "$nnlc" "$flag" "$input" >"$out"
    status=$?
    if [ $status -ne 0 ]; then
        echo "FAIL: nnlc $flag $input exited $status" >&2
        exit 1
    fi
    if [ $# -gt 0 ]; then
        awk -v layers="$*" 'BEGIN { n = split(layers, name, " ") }
            /^func / { keep = 0
                       for (i = 1; i <= n; i++)
                           if (index($2, name[i] ".forward(") == 1 || index($2, name[i] ".backward(") == 1)
                               keep = 1 }
            keep { print } /^$/ { keep = 0 }' "$out" >"$out.layers" && mv "$out.layers" "$out"
    fi ;;
diag)
    dir=$(dirname "$input") base=$(basename "$input")
    (cd "$dir" && "$nnlc" --summary "$base" >/dev/null 2>"$out"; echo "exit: $?" >>"$out")
    if grep -q '^exit: 0$' "$out"; then
        echo "FAIL: nnlc accepted $input, which must be rejected" >&2
        exit 1
    fi ;;
*)
    echo "golden.sh: unknown mode $mode" >&2
    exit 2 ;;
esac
if [ "${NNLC_UPDATE:-0}" = 1 ]; then
    cp "$out" "$expected"
    echo "updated $expected"
    exit 0
fi
if ! diff -u "$expected" "$out"; then
    echo "FAIL: output differs from $expected (NNLC_UPDATE=1 rewrites it)" >&2
    exit 1
fi
