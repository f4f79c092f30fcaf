#!/usr/bin/env bash
# expect.sh CODE REGEX COMMAND [ARGS...]
# Runs COMMAND and passes if it exits with CODE and its output (stdout and stderr
# together) matches the extended REGEX. On failure prints what it got.
set -u
want_code=$1 regex=$2
shift 2
out=$("$@" 2>&1)
code=$?
if [ "$code" -ne "$want_code" ]; then
    printf 'FAIL: exit code %s, expected %s\ncommand: %s\noutput:\n%s\n' "$code" "$want_code" "$*" "$out"
    exit 1
fi
if ! grep -Eq -- "$regex" <<<"$out"; then
    printf 'FAIL: output does not match /%s/\ncommand: %s\noutput:\n%s\n' "$regex" "$*" "$out"
    exit 1
fi
# Errors are one line each: no stack traces, no multi-line dumps on stderr.
if [ "$want_code" -ne 0 ] && [ "$(printf '%s\n' "$out" | grep -c 'error:')" -gt 1 ]; then
    printf 'FAIL: more than one error line\n%s\n' "$out"
    exit 1
fi
printf '%s\n' "$out" | tail -n 3
