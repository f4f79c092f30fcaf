#!/bin/sh
# limits.sh NNLC — inputs past the compiler's limits get an error at the expression, never a
# crash: long flat chains `1 + 1 + … + 1` (one nesting level per operator: 100,000 of them
# overflowed the C stack in sema) and chains of constants that each hold a long chain; and
# scopes of very many names, constants used many times and tens of thousands of errors
# stay fast.
set -u
nnlc=$1
fails=0 passes=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS PATTERN FILE: `nnlc --summary FILE` must exit with STATUS and its output
# must match the extended regular expression PATTERN (within 60 s: a regression here can
# run for hours).
expect() {
    timeout 60 "$nnlc" --summary "$3" >"$tmp/out" 2>&1
    got=$?
    if [ $got -ne "$1" ] || ! grep -Eq -- "$2" "$tmp/out"; then
        echo "FAIL: nnlc --summary $3 -> exit $got (want $1), output:" >&2
        cut -c1-200 "$tmp/out" | sed 's/^/    /' >&2
        fails=$((fails + 1))
    else
        passes=$((passes + 1))
    fi
}

# The speed checks below measure CPU time (user + system) rather than wall time: on a
# machine shared with other jobs (a load average of 8 on 2 cores) a run of 3 CPU seconds
# took over 10 s of wall time and failed, while a regression to a quadratic algorithm
# (what these checks are for) costs CPU time wherever it runs. The shell's `times` gives
# the CPU time of the children it has waited for; it must run in this shell, not in a
# command substitution's subshell, whose children times start at 0.
# cpu_mark NAME: notes the CPU time of the children so far as NAME.
cpu_mark() {
    times >"$tmp/cpu.$1"
}
# cpu_over NAME LIMIT: whether more than LIMIT CPU seconds went by since cpu_mark NAME; the
# seconds are in $cpu_used.
cpu_over() {
    cpu_mark now
    cpu_used=$(awk 'FNR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); sub(/s$/, "", t[2])
                                                          s[FILENAME] += t[1] * 60 + t[2] } }
                    END { printf "%.2f", s[ARGV[2]] - s[ARGV[1]] }' "$tmp/cpu.$1" "$tmp/cpu.now")
    awk -v used="$cpu_used" -v limit="$2" 'BEGIN { exit !(used > limit) }'
}
cpu_mark script

# expect_fast STATUS PATTERN FILE WHAT: as expect, and within 10 CPU seconds (WHAT names
# the input for the message).
expect_fast() {
    cpu_mark start
    expect "$1" "$2" "$3"
    if cpu_over start 10; then
        echo "FAIL: $4 took over 10 s of CPU time ($cpu_used s)" >&2
        fails=$((fails + 1))
    fi
}

# block_chain BODY TAIL: blocks b1..b30 that each use the one before twice, b0 { BODY },
# and a model that uses b30 then TAIL: 2^30 uses of b0.
block_chain() {
    awk -v body="$1" -v tail="$2" 'BEGIN { print "block b0() { " body " }"
        for (i = 1; i <= 30; i++) printf "block b%d() { b%d() b%d() }\n", i, i - 1, i - 1
        print "model m { input [4] b30() " tail "}" }'
}

# chain N OP: "1 OP 1 OP … 1" with N terms.
chain() {
    yes 1 | head -n "$1" | paste -sd "$2" -
}

for op in + '*'; do
    printf 'model m { input [4] dense(%s) }\n' "$(chain 100000 "$op")" >"$tmp/flat.nn"
    expect 1 'flat\.nn:1:27: error: expression nested too deeply \(limit is 10000 levels\)' "$tmp/flat.nn"
    # 9,999 operators and the call are 10,000 levels: evaluated
    printf 'model m { input [4] dense(%s) }\n' "$(chain 10000 "$op")" >"$tmp/ok.nn"
    expect 0 'Total params: ' "$tmp/ok.nn"
done
printf 'model m { input [4] dense(%s + 1) }\n' "$(chain 10001 +)" >"$tmp/over.nn"
expect 1 'over\.nn:1:27: error: expression nested too deeply \(limit is 10000 levels\)' "$tmp/over.nn"

# The parser's stack is not the limit users meet: 9,000 unary minuses (9,001 levels with
# the call) are evaluated (they stopped at the parser's 10,000 entries, which a call
# nested 5,000 times also filled); 100,000 bare parentheses, which add no level, exhaust it.
printf 'model m { input [4] dense(%s3) }\n' "$(printf '%9000s' '' | tr ' ' '-')" >"$tmp/minus.nn"
expect 0 'Total params: 15 ' "$tmp/minus.nn"
printf 'model m { input [4] dense(%s3%s) }\n' "$(printf '%100000s' '' | tr ' ' '(')" \
    "$(printf '%100000s' '' | tr ' ' ')')" >"$tmp/parens.nn"
expect 1 'error: expression nested too deeply \(the parser holds at most 80000 ' "$tmp/parens.nn"

# The passes run on a stack of their own, whatever `ulimit -s` gives the main thread: with
# 512 KB, 9,000 minus signs and a chain of 19,990 constants (within the limits) crashed nnlc.
awk 'BEGIN { print "let b0 = 3"; for (i = 1; i <= 19990; i++) printf "let b%d = b%d\n", i, i - 1
             print "model m { input [4] dense(b19990) }" }' >"$tmp/aliases.nn"
for f in minus aliases; do
    if (ulimit -s 512 && "$nnlc" --summary "$tmp/$f.nn" >"$tmp/out" 2>&1) &&
       grep -q 'Total params: 15 ' "$tmp/out"; then
        passes=$((passes + 1))
    else
        echo "FAIL: nnlc --summary $f.nn with ulimit -s 512: not 'Total params: 15'" >&2
        fails=$((fails + 1))
    fi
done

# A chain of aliases is followed once: each constant on it keeps the value at its end. Two
# chains of 19,990 (one declared from its end, one from its start) were followed again for
# every constant on them, in n² steps: 20 s, and 30,000 aliases 30 s.
awk 'BEGIN { for (i = 0; i < 19990; i++) printf "let a%d = a%d\n", i, i + 1
             print "let a19990 = 3"
             print "let b0 = 3"; for (i = 1; i <= 19990; i++) printf "let b%d = b%d\n", i, i - 1
             print "model m { input [4] dense(a0 + b19990 - 3) }" }' >"$tmp/chains.nn"
expect_fast 0 'Total params: 15 ' "$tmp/chains.nn" "two chains of 19,990 aliases"

# Constants chain expressions: three of 9,000 levels each, used together.
{
    echo "let a0 = $(chain 9000 +)"
    echo "let a1 = a0 + $(chain 9000 +)"
    echo "let a2 = a1 + $(chain 9000 +)"
    echo 'model m { input [4] dense(a2 - a2 + 3) }'
} >"$tmp/lets.nn"
expect 1 'lets\.nn:4:27: error: this value nests too deeply through expressions and constants \(limit is 20000 levels\)' "$tmp/lets.nn"

# Many names in one scope are found through a hash index: 100,000 constants and 20,000
# named tensors (each definition checked against the names before it) take well under
# a second; the walk of a list took 6.5 s for 50,000 constants.
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "let a%d = %d\n", i, i % 7 + 1
             print "model m {"; print "    h0 = input [4]"
             for (i = 1; i <= 20000; i++) printf "    h%d = dropout(0.1)(h%d)\n", i, i - 1
             print "    dense(a99999)(h20000)"; print "}" }' >"$tmp/names.nn"
expect_fast 0 'Total params: 25 ' "$tmp/names.nn" "120,000 names"

# A constant's value is computed once: 60 constants that each use the one before three
# times (3^59 evaluations if recomputed at every use), and a chain of 200 plain aliases
# (more than 64 was taken for a cycle).
awk 'BEGIN { print "let a0 = 1"
             for (i = 1; i < 60; i++) printf "let a%d = a%d + a%d - a%d\n", i, i - 1, i - 1, i - 1
             print "let b0 = 3"
             for (i = 1; i < 200; i++) printf "let b%d = b%d\n", i, i - 1
             print "model m { input [4] dense(a59 + b199) }" }' >"$tmp/reuse.nn"
if timeout 20 "$nnlc" --summary "$tmp/reuse.nn" 2>&1 | grep -q 'Total params: 20 '; then
    passes=$((passes + 1))
else
    echo "FAIL: 60 reused constants and 200 aliases: not 'Total params: 20' within 20 s" >&2
    fails=$((fails + 1))
fi

# Blocks that each use the one before twice: 2^30 layers took minutes and gigabytes before
# failing; the model stops at its layer limit in about a second.
block_chain 'dense(2)' '' >"$tmp/blocks.nn"
expect_fast 1 'blocks\.nn:1:14: error: the model has too many layers \(limit is 100000\)' \
    "$tmp/blocks.nn" "2^30 block layers"
# The same with blocks that make no layer: 2^30 uses, limited as the layers are (they
# went on for minutes and gigabytes, the layer limit never reached).
block_chain '' 'dense(2) ' >"$tmp/empty_blocks.nn"
expect_fast 1 'empty_blocks\.nn:3:19: error: the model uses blocks too many times \(limit is 1000000 uses\)' \
    "$tmp/empty_blocks.nn" "2^30 empty block uses"

# Each use binds every parameter of its block: a block of 2,000 parameters used 2^30 times
# (the first 10^6 uses were allowed) ran for minutes and took gigabytes; the bindings are
# limited as the uses are.
awk 'BEGIN { printf "block b0("; for (i = 0; i < 2000; i++) printf "%sp%d = 1", i ? ", " : "", i
             print ") { }"
             for (i = 1; i <= 30; i++) printf "block b%d() { b%d() b%d() }\n", i, i - 1, i - 1
             print "model m { input [4] b30() dense(2) }" }' >"$tmp/params_uses.nn"
expect_fast 1 'params_uses\.nn:2:14: error: the model binds block parameters too many times \(limit is 1000000 bindings\)' \
    "$tmp/params_uses.nn" "2^30 uses of a block of 2,000 parameters"
# A block of 50,000 parameters, every argument named: each name was looked for among all
# the parameters, several times (minutes); now through a hash table.
awk 'BEGIN { printf "block b("; for (i = 0; i < 50000; i++) printf "%sp%d", i ? ", " : "", i
             print ") { dense(p49999 - p49996 + p0) }"
             printf "model m { input [4] b("
             for (i = 49999; i >= 0; i--) printf "p%d = %d%s", i, i, i ? ", " : ""
             print ") }" }' >"$tmp/params.nn"
expect_fast 0 'Total params: 15 ' "$tmp/params.nn" "a block of 50,000 named parameters"

# A classes list is compared name against name for duplicates: beyond the trainer's
# 1024 classes it is refused first (100,000 names took 24 s).
awk 'BEGIN { printf "model m { input [4] dense(2, activation=softmax) }\ntrain { loss = sparse_categorical_crossentropy  classes = ["
             for (i = 0; i < 100000; i++) printf "%s\"c%d\"", i ? ", " : "", i
             print "] }" }' >"$tmp/classes.nn"
expect_fast 1 'error: classes names 100000 classes; the trainer supports at most 1024' \
    "$tmp/classes.nn" "100,000 class names"

# Code generation for a deep model: 4,000 equal dense layers to an object file at -O0.
# Grouping the buffers for alias scopes pair by pair and finding functions by a linear
# search took 18 s; sorted intervals and indices take about 3 s.
awk 'BEGIN { print "block b() { dense(4, activation=relu) }\nmodel deep {\n  input [4]"
             for (i = 0; i < 4000; i++) print "  b()"
             print "  dense(2, activation=softmax)\n}\ntrain { loss = sparse_categorical_crossentropy }" }' >"$tmp/deep.nn"
cpu_mark start
timeout 120 "$nnlc" -O0 -c "$tmp/deep.nn" -o "$tmp/deep.o" >"$tmp/out" 2>&1
got=$?
cpu_over start 10
slow=$?
if [ $got -eq 0 ] && [ -s "$tmp/deep.o" ] && [ $slow -ne 0 ]; then
    passes=$((passes + 1))
else
    echo "FAIL: nnlc -O0 -c on 4,000 dense layers: exit $got or over 10 s of CPU time ($cpu_used s):" >&2
    cut -c1-200 "$tmp/out" | sed 's/^/    /' >&2
    fails=$((fails + 1))
fi

# Every error shows its source line. With --max-errors=0, 100,000 errors on as many lines
# (each line found by reading the file from its start: 44 s) and 50,000 on one line
# (written to the unbuffered standard error a character at a time: 21 s) take a second or two.
awk 'BEGIN { print "model m {\n    input [4]"; for (i = 0; i < 100000; i++) print ";"; print "}" }' \
    >"$tmp/errors.nn"
# Line 100,000 and later: the gutter is as wide as the line's number, so the caret stays
# under its column (the caret line's gutter stayed 5 wide, and the caret came a column
# left of the option it underlines).
awk 'BEGIN { print "model m {"; print "    input [4]"; for (i = 3; i < 100000; i++) print "    relu()"
             print "    dense(4, actvation=relu)"; print "}" }' >"$tmp/tall.nn"
"$nnlc" --summary "$tmp/tall.nn" >"$tmp/out" 2>&1
if grep -Fxq '100000 |     dense(4, actvation=relu)' "$tmp/out" &&
   grep -Fxq '       |              ^~~~~~~~~' "$tmp/out"; then
    passes=$((passes + 1))
else
    echo "FAIL: an error on line 100000 is not underlined at its column:" >&2
    head -n 3 "$tmp/out" | sed 's/^/    /' >&2
    fails=$((fails + 1))
fi

# A model of 100,001 relu() statements, without a block: the error at the 100,000th, on line
# 100002 (the input is the first of the 100,000 layers), without the hint about blocks
# that use blocks (it gave that hint).
awk 'BEGIN { print "model m {"; print "    input [4]"; for (i = 0; i < 100001; i++) print "    relu()"
             print "}" }' >"$tmp/layers.nn"
"$nnlc" --summary "$tmp/layers.nn" >"$tmp/out" 2>&1
if grep -q 'layers\.nn:100002:5: error: the model has too many layers (limit is 100000)' "$tmp/out" &&
   ! grep -q 'hint:' "$tmp/out"; then
    passes=$((passes + 1))
else
    echo "FAIL: 100,001 layers without a block:" >&2
    sed 's/^/    /' "$tmp/out" >&2
    fails=$((fails + 1))
fi

awk 'BEGIN { printf "model m { input [4] "; for (i = 0; i < 50000; i++) printf "; "; print "}" }' \
    >"$tmp/errors_line.nn"
for f in errors errors_line; do
    cpu_mark start
    timeout 120 "$nnlc" --max-errors=0 --summary "$tmp/$f.nn" >"$tmp/out" 2>&1
    got=$?
    cpu_over start 10
    slow=$?
    want=$([ $f = errors ] && echo 100000 || echo 50000)
    if [ $got -eq 1 ] && [ "$(tail -n 1 "$tmp/out")" = "$want errors generated." ] &&
       [ $slow -ne 0 ]; then
        passes=$((passes + 1))
    else
        echo "FAIL: nnlc --max-errors=0 on $want errors ($f.nn): exit $got or over 10 s of CPU time ($cpu_used s):" >&2
        tail -n 3 "$tmp/out" | cut -c1-200 | sed 's/^/    /' >&2
        fails=$((fails + 1))
    fi
done

# The CPU times above are real: the script's runs of nnlc take several CPU seconds in all
# (a shell whose `times` said 0 would pass every speed check unmeasured).
if cpu_over script 1; then
    passes=$((passes + 1))
else
    echo "FAIL: the CPU time of the whole script reads as $cpu_used s: the speed checks measured nothing" >&2
    fails=$((fails + 1))
fi

echo "limits: $passes passed, $fails failed"
[ $fails -eq 0 ]
