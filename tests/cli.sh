#!/bin/sh
# cli.sh NNLC EXAMPLES — flags, exit codes and messages of the nnlc command line.
set -u
nnlc=$1 examples=$2
fails=0 passes=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS PATTERN -- command...: exit status must be STATUS and the combined
# output must match the extended regular expression PATTERN.
expect() {
    want=$1 pattern=$2
    shift 3
    "$@" >"$tmp/out" 2>&1
    got=$?
    if [ $got -ne "$want" ] || ! grep -Eq -- "$pattern" "$tmp/out"; then
        echo "FAIL: $* -> exit $got (want $want), output:" >&2
        sed 's/^/    /' "$tmp/out" >&2
        fails=$((fails + 1))
    else
        passes=$((passes + 1))
    fi
}

expect 0 '^usage: nnlc'                    -- "$nnlc" --help
expect 0 '--emit=KIND'                     -- "$nnlc" -h
expect 0 '^nnlc [0-9]+\.[0-9]+'            -- "$nnlc" --version
expect 2 'no input file'                   -- "$nnlc"
expect 2 "unknown option '--frobnicate'"   -- "$nnlc" --frobnicate "$examples/mlp.nn"
expect 2 "unknown --emit kind 'pdf'"       -- "$nnlc" --emit=pdf "$examples/mlp.nn"
# --jobs' default is one per CPU nnlc may run on (its affinity), at most 2.
if command -v taskset >/dev/null && [ "$(nproc --all)" -gt 1 ]; then
    expect 0 'LLVM, 1 module ' -- taskset -c 0 "$nnlc" --time "$examples/mlp.nn" -o "$tmp/pinned"
fi
# An output nnlc cannot write is said before LLVM's passes and code generation, not by
# the linker after them; a missing TMPDIR is named.
expect 2 "cannot write '$tmp/none/m': $tmp/none: No such file or directory" -- \
    "$nnlc" "$examples/mlp.nn" -o "$tmp/none/m"
expect 2 "cannot write '$tmp': it is a directory" -- "$nnlc" "$examples/mlp.nn" -o "$tmp"
# A device or a pipe as the trainer is said before linking: gold wrote "No space left on
# device" without end for -o /dev/full, and waited forever on a FIFO with no reader.
# /dev/null, a check that the model compiles and links, stays allowed.
# The model's data files are not written over either (the trainer or an object file there
# lost the data): said before compiling, the file left as it was.
printf 'x,y\n1,0\n2,1\n' > "$tmp/points.csv"
printf 'model m {\n    input [1]\n    dense(2, activation=softmax)\n}\ntrain {\n    loss = sparse_categorical_crossentropy\n    data = csv("points.csv")\n}\n' > "$tmp/points.nn"
expect 2 "the output '$tmp/points.csv' is the model's training data \\('$tmp/points.csv'\\)" -- \
    "$nnlc" "$tmp/points.nn" -o "$tmp/points.csv"
expect 2 "is the model's training data" -- "$nnlc" -c "$tmp/points.nn" -o "$tmp/points.csv"
# Nor is any text output (--summary, --emit=...): the file was opened, and emptied, before
# the model was read.
for kind in --summary --emit=tokens --emit=ast --emit=ir --emit=dot --emit=loops --emit=llvm; do
    expect 2 "the output '$tmp/points.csv' is the model's training data" -- \
        "$nnlc" "$kind" "$tmp/points.nn" -o "$tmp/points.csv"
done
expect 0 '^kept$' -- sh -c "head -n 1 '$tmp/points.csv' | grep -qx 'x,y' && echo kept"
# A text output is written only once there is something to write: a model with errors
# (in its train block only, for --summary, which still prints the table on standard
# output) leaves the -o file as it was.
printf 'model m {\n    input [1]\n    dense(2)\n}\ntrain {\n    epochs = 0\n}\n' > "$tmp/trainbad.nn"
echo earlier > "$tmp/earlier.txt"
expect 1 'epochs' -- "$nnlc" --summary "$tmp/trainbad.nn" -o "$tmp/earlier.txt"
expect 1 'error' -- "$nnlc" --emit=loops "$tmp/trainbad.nn" -o "$tmp/earlier.txt"
expect 0 '^kept$' -- sh -c "grep -qx earlier '$tmp/earlier.txt' && echo kept"
# Started with standard error closed (2>&-), nnlc's warning went into the file -o named
# (the first file it opened took descriptor 2): --emit=ir's IR began with it.
printf 'model w {\n    input [1]\n    dense(2, activation=softmax)\n    dense(1, activation=softmax)\n}\n' > "$tmp/warns.nn"
expect 0 '^clean$' -- sh -c "'$nnlc' --emit=ir '$tmp/warns.nn' -o '$tmp/warns.ir' 2>&- && ! grep -q warning '$tmp/warns.ir' && echo clean"
mkfifo "$tmp/fifo"
expect 2 "cannot write '$tmp/fifo': not a regular file" -- timeout 60 "$nnlc" "$examples/mlp.nn" -o "$tmp/fifo"
if [ -c /dev/full ]; then
    # (ulimit -f: without the check, the linker's endless messages stop at 50 KB)
    expect 2 "cannot write '/dev/full': not a regular file" -- \
        sh -c "ulimit -f 100; exec timeout 60 '$nnlc' '$examples/mlp.nn' -o /dev/full"
fi
expect 0 '^linked$' -- sh -c "'$nnlc' '$examples/mlp.nn' -o /dev/null && echo linked"
# -o "" is a usage error, not the linker's "output filename may not be empty"
expect 2 "^nnlc: error: -o needs a file name" -- "$nnlc" "$examples/mlp.nn" -o ""
expect 2 "cannot write '$tmp/none/m.o'" -- "$nnlc" -c "$examples/mlp.nn" -o "$tmp/none/m.o"
expect 2 "cannot create a temporary directory in $tmp/none \\(TMPDIR\\)" -- \
    env TMPDIR="$tmp/none" "$nnlc" "$examples/mlp.nn" -o "$tmp/m"
# Without PATH (env -i) the linker driver runs with the system's default PATH, as a shell
# would: gcc found no liblto_plugin.so.
expect 0 '^linked$' -- sh -c "env -i '$nnlc' '$examples/mlp.nn' -o '$tmp/nopath' && echo linked"
expect 0 '^linked$' -- sh -c "env -i PATH= '$nnlc' '$examples/mlp.nn' -o '$tmp/nopath' && echo linked"
# /proc takes no new directories, and says ENOENT: "No such file or directory" misled.
if [ -d /proc/self ]; then
    expect 2 "cannot create a temporary directory in /proc \\(TMPDIR\\): it takes no new directories" -- \
        env TMPDIR=/proc "$nnlc" "$examples/mlp.nn" -o "$tmp/m"
fi
expect 2 "unknown precision 'f16'"         -- "$nnlc" --precision=f16 "$examples/mlp.nn"
expect 2 "unknown target CPU"              -- "$nnlc" --target-cpu=z80 "$examples/mlp.nn"
# A misspelled option or value names the nearest one, as written (its value kept); none
# when two are as near ('as': ast or asm?) or the name is one letter away from another.
expect 2 "unknown option '--emt=loops'; did you mean '--emit=loops'\?" -- "$nnlc" --emt=loops "$examples/mlp.nn"
expect 2 "unknown option '--summmary'; did you mean '--summary'\?" -- "$nnlc" --summmary "$examples/mlp.nn"
# Two letters swapped are one edit (before, two: over the limit of a four-letter word).
expect 2 "unknown option '--emti=loops'; did you mean '--emit=loops'\?" -- "$nnlc" --emti=loops "$examples/mlp.nn"
expect 2 "unknown --emit kind 'lvlm' \(.*\); did you mean 'llvm'\?" -- "$nnlc" --emit=lvlm "$examples/mlp.nn"
expect 2 "unknown option '-summary'; did you mean '--summary'\?" -- "$nnlc" -summary "$examples/mlp.nn"
expect 2 "unknown option '-s'; did you mean '-S'\?" -- "$nnlc" -s "$examples/mlp.nn"
expect 2 "unknown option '-x'\$"             -- "$nnlc" -x "$examples/mlp.nn"
expect 2 "unknown option '-0'; did you mean '-O2'\?" -- "$nnlc" -0 2 "$examples/mlp.nn"
expect 2 "unknown option '-1'; did you mean '-O1'\?" -- "$nnlc" -1 "$examples/mlp.nn"
expect 2 "unknown option '-O4'; the optimization levels are -O0, -O1, -O2 and -O3" -- "$nnlc" -O4 "$examples/mlp.nn"
expect 2 "unknown option '--max-error=3'; did you mean '--max-errors=3'\?" -- "$nnlc" --max-error=3 "$examples/mlp.nn"
expect 2 "unknown --emit kind 'loop' \(.*\); did you mean 'loops'\?" -- "$nnlc" --emit=loop "$examples/mlp.nn"
expect 2 "unknown --emit kind 'as' \(tokens, ast, ir, dot, loops, llvm, asm\)\$" -- "$nnlc" --emit=as "$examples/mlp.nn"
expect 2 "unknown precision 'double' \(f32 or f64\); did you mean 'f64'\?" -- "$nnlc" --precision=double "$examples/mlp.nn"
expect 2 "unknown precision 'f62' \(f32 or f64\)\$" -- "$nnlc" --precision=f62 "$examples/mlp.nn"
expect 2 "unknown target CPU 'natve' \(native or generic\); did you mean 'native'\?" -- "$nnlc" --target-cpu=natve "$examples/mlp.nn"
expect 2 "unknown precision 'x{100}' \(f32 or f64\)\$" -- "$nnlc" "--precision=$(printf '%0100d' 0 | tr 0 x)" "$examples/mlp.nn"
expect 2 '-o needs a file name'            -- "$nnlc" "$examples/mlp.nn" -o
expect 2 'more than one input file'        -- "$nnlc" "$examples/mlp.nn" "$examples/mlp.nn"
expect 1 "cannot open '/nonexistent.nn'"   -- "$nnlc" --summary /nonexistent.nn
expect 1 "cannot read '.*': it is a directory" -- "$nnlc" --summary "$tmp"
expect 0 'Total params: 79,510'            -- "$nnlc" --summary "$examples/mlp.nn"
# - reads the model from standard input (it was "cannot open '-'"), named <stdin> in
# messages; its relative data paths are from the current directory; a trainer or an
# object file has no name to take after it, so -o must give one.
expect 0 'Total params: 79,510'            -- sh -c "'$nnlc' --summary - < '$examples/mlp.nn'"
expect 0 '^graph mlp \{'                    -- sh -c "cat '$examples/mlp.nn' | '$nnlc' --emit=ir -"
printf 'model m {\n    input [28, 28, 1]\n    dense(10)\n}\n' >"$tmp/stdin_bad.nn"
expect 1 '^<stdin>:3:5: error: dense expects a vector' -- sh -c "'$nnlc' --summary - < '$tmp/stdin_bad.nn'"
mkdir -p "$tmp/cwd/sub"
printf 'model m { input [4] dense(1) }\ntrain { loss = mse  data = csv("sub") }\n' >"$tmp/stdin_dir.nn"
expect 1 '^<stdin>:2:.*error: .*sub.*directory' -- sh -c "cd '$tmp/cwd' && '$nnlc' --summary - < '$tmp/stdin_dir.nn'"
expect 2 'the model is read from standard input, so the trainer has no name to take after it: give it with -o FILE' -- \
    sh -c "'$nnlc' - < '$examples/mlp.nn'"
expect 2 'so the object file has no name' -- sh -c "'$nnlc' -c - < '$examples/mlp.nn'"
expect 0 '^built$' -- sh -c "'$nnlc' -O0 - -o '$tmp/from_stdin' < '$examples/mlp.nn' && test -x '$tmp/from_stdin' && echo built"
# A model whose training needs more memory than the machine has (10^12 parameters, 7 TB at
# f32 with their gradients, more than any machine this runs on) is a warning that names
# the estimate and the machine's memory; it passed --summary without a word, and its trainer
# failed at allocation. The summary still prints, and the exit status is 0.
printf 'model big {\n    input [1000000]\n    dense(1000000)\n}\n' >"$tmp/big.nn"
expect 0 "big.nn:1:7: warning: training 'big' needs about 7.28 TB at batch 32, more than this machine's memory \([0-9.]+ [KMGT]?B\)" -- "$nnlc" --summary "$tmp/big.nn"
expect 0 'Total params: 1,000,001,000,000' -- "$nnlc" --summary "$tmp/big.nn"
# -o - is standard output for every text output, as for --emit=llvm (no file named '-').
expect 0 '^Model: "mlp"' -- sh -c "cd '$tmp' && '$nnlc' --summary '$examples/mlp.nn' -o -"
[ ! -e "$tmp/-" ] || { echo "FAIL: -o - wrote a file named '-'" >&2; fails=$((fails + 1)); }
expect 2 "a trainer is an executable file, not '-'" -- "$nnlc" "$examples/mlp.nn" -o -
# Without an optimizer setting the trainer uses Keras' compile() default, RMSprop.
printf 'model m { input [4] dense(1) }\ntrain { loss = mse  data = csv("d.csv") }\n' >"$tmp/noopt.nn"
expect 0 'optimizer state .*\(rmsprop: 1 slot per parameter\)' -- "$nnlc" --summary "$tmp/noopt.nn"
# Activation layers are named as Keras 3 names their classes, suffixes counted per name.
printf 'model m { input [4] relu() ReLU() softmax() LeakyReLU() leaky_relu() elu() activation(relu) tanh() sigmoid() }\n' >"$tmp/acts.nn"
expect 0 '^ re_lu_1 \(ReLU\) '                 -- "$nnlc" --summary "$tmp/acts.nn"
expect 0 '^ softmax \(Softmax\) '              -- "$nnlc" --summary "$tmp/acts.nn"
expect 0 '^ leaky_re_lu_1 \(LeakyReLU\) '      -- "$nnlc" --summary "$tmp/acts.nn"
expect 0 '^ elu \(ELU\) '                      -- "$nnlc" --summary "$tmp/acts.nn"
expect 0 '^ activation_2 \(Activation\) '      -- "$nnlc" --summary "$tmp/acts.nn"
expect 0 'leaky_re_lu_1 : LeakyReLU'            -- "$nnlc" --emit=dot "$tmp/acts.nn"
# Errors only in the train block: --summary still prints the table, and exits 1.
printf 'model m { input [28, 28] dense(10, activation=softmax) }\ntrain { loss = sparse_categorical_crossentropy  data = csv("d.csv") }\n' >"$tmp/noflat.nn"
expect 1 '^ dense \(Dense\) +\(None, 28, 10\)'  -- "$nnlc" --summary "$tmp/noflat.nn"
# ... and names the optimizer written, though its options have an error (it said rmsprop).
printf 'model m { input [4] dense(2, activation=softmax) }\ntrain { loss = sparse_categorical_crossentropy  optimizer = adam(lr=0.001, momentum=0.9) }\n' >"$tmp/optbad.nn"
expect 1 'optimizer state .*\(adam: 2 slots per parameter\)' -- "$nnlc" --summary "$tmp/optbad.nn"
# A let before the input leaves it the first statement: no "should be the first" warning.
printf 'model m {\n  let n = 4\n  input [n]\n  dense(n)\n}\n' >"$tmp/letinput.nn"
expect 0 '^no warning$' -- sh -c "err=\$('$nnlc' --summary '$tmp/letinput.nn' 2>&1 >/dev/null); [ \$? -eq 0 ] && [ -z \"\$err\" ] && echo no warning"
# One-word '//' comments that stay comments say nothing (a word nearly a constant's name
# is a warning: diag.floor_division_word).
slash_comments=$(dirname "$0")/summary/slash_comments.nn
expect 0 '^no warning$' -- sh -c "err=\$('$nnlc' --summary '$slash_comments' 2>&1 >/dev/null); [ \$? -eq 0 ] && [ -z \"\$err\" ] && echo no warning"
# ... and one nearly a constant's name is said once, not at every use of its block.
printf 'block b(units, heads) {\n  let per = units // head\n  dense(per)\n}\nmodel m { input [8] b(16, 2) b(16, 4) }\n' >"$tmp/slashblock.nn"
expect 0 '^1$' -- sh -c "'$nnlc' --summary '$tmp/slashblock.nn' 2>&1 >/dev/null | grep -c \"warning: '//' starts a comment, so 'head' is a comment here\""
# A softmax over one value (Dense(1, activation=softmax), for a regression or a yes/no
# output) is a constant 1: a warning at the layer, the model still compiles (it was
# silent); none for a softmax over several values, nor on top of an error (a classifier's
# loss on one unit is one: diag.categorical_one_unit).
printf 'model m { input [10, 1] lstm(8) dense(1, activation=softmax) }\ntrain { loss = mse }\n' >"$tmp/softmax1.nn"
expect 0 "softmax1.nn:1:33: warning: softmax over one value is always 1: 'dense' outputs a constant, and nothing before it trains" -- "$nnlc" --summary "$tmp/softmax1.nn"
printf 'model m { input [4] dense(8) Activation("softmax") reshape([8, 1]) softmax() flatten() dense(1) }\n' >"$tmp/softmax2.nn"
expect 0 '^1$' -- sh -c "'$nnlc' --summary '$tmp/softmax2.nn' 2>&1 >/dev/null | grep -c 'warning: softmax over one value is always 1'"
# Dropout after the output's softmax or sigmoid (Keras takes it; a learner's loss stayed at
# 3.9) is a warning with where the dropout goes; none for a dropout before the last layer.
printf 'model m {\n input [784]\n dense(64, activation=relu)\n dense(10, activation=softmax)\n dropout(0.5)\n}\n' >"$tmp/dropout_out.nn"
expect 0 "dropout_out.nn:5:2: warning: dropout after the output's softmax \('dense_1'\): in training it zeroes some of the probabilities and scales the others by 2" -- "$nnlc" --summary "$tmp/dropout_out.nn"
printf 'model m {\n input [784]\n dense(64, activation=relu)\n dropout(0.5)\n dense(10, activation=softmax)\n}\n' >"$tmp/dropout_in.nn"
expect 0 '^no warning$' -- sh -c "err=\$('$nnlc' --summary '$tmp/dropout_in.nn' 2>&1 >/dev/null); [ \$? -eq 0 ] && [ -z \"\$err\" ] && echo no warning"
# Keras 1's Convolution2D(32, 3, 3) (a 3x3 kernel there) is, in Keras 2 and 3 as here, a
# kernel of 3 with strides 3: Keras' alias Convolution2D is taken, and a third positional
# argument that repeats a one-number kernel, or any under the Keras 1 name, is a warning
# with the tuple form; Conv2D(32, 3, 2) and strides=3 by name say nothing.
printf 'model m { input [28, 28, 1]\n Convolution2D(32, 3, 3, activation="relu")\n Conv2D(8, 3, 2)\n Conv2D(8, 3, strides=3)\n flatten() }\n' >"$tmp/keras1conv.nn"
expect 0 "keras1conv.nn:2:23: warning: the third argument of Convolution2D is its strides, 3: a kernel of 3 moved 3 at a time" -- "$nnlc" --summary "$tmp/keras1conv.nn"
expect 0 '^1$' -- sh -c "'$nnlc' --summary '$tmp/keras1conv.nn' 2>&1 >/dev/null | grep -c 'warning:'"
printf 'model m { input [28, 28] dense(10, activation=sofmax) }\n' >"$tmp/modelerr.nn"
expect 0 '^no table$' -- sh -c "out=\$('$nnlc' --summary '$tmp/modelerr.nn' 2>/dev/null); [ \$? -eq 1 ] && [ -z \"\$out\" ] && echo no table"
# Totals past 2^63 saturate and say "over" instead of wrapping negative: five conv2d of
# 2^61 FLOPs each, and activations of 2^41 values at a batch of 2^20 in f64.
printf 'model m { input [1024, 1024, 1024]\n' >"$tmp/hugeflops.nn"
for i in 1 2 3 4 5; do printf '  conv2d(1024, kernel=1024, padding=same)\n' >>"$tmp/hugeflops.nn"; done
printf '}\n' >>"$tmp/hugeflops.nn"
expect 0 '^FLOPs per example \(forward\): over 9\.22e\+18 ' -- "$nnlc" --summary "$tmp/hugeflops.nn"
expect 0 '^FLOPs per example \(training step\): over 9\.22e\+18 ' -- "$nnlc" --summary "$tmp/hugeflops.nn"
printf 'model m { input [1048576, 1048576] relu() relu() }\ntrain { loss = mse  batch = 1048576 }\n' >"$tmp/hugemem.nn"
expect 0 '^  activations +over 8\.00 EB ' -- "$nnlc" --summary --precision=f64 "$tmp/hugemem.nn"
expect 0 '^  total +over 8\.00 EB$' -- "$nnlc" --summary --precision=f64 "$tmp/hugemem.nn"
# split: whole-number parts are ratios whatever their sum ([2, 1, 1] as [6, 2, 2]).
printf 'model m { input [4] dense(2, activation=softmax) }\ntrain { loss = sparse_categorical_crossentropy  data = csv("d.csv")  split = [2, 1, 1] }\n' >"$tmp/split211.nn"
expect 0 'Total params: 10'                  -- "$nnlc" --summary "$tmp/split211.nn"
# The output never replaces the model's source: a name without .nn, -o naming the input
# (also through a symbolic link, and for text outputs); the source is intact afterwards.
cp "$examples/mlp.nn" "$tmp/mymodel"
cp "$examples/mlp.nn" "$tmp/m.nn"
ln -s m.nn "$tmp/link.nn"
expect 2 "the output '.*mymodel' is the input file" -- sh -c "cd '$tmp' && '$nnlc' mymodel"
expect 2 "the output '.*m.nn' is the input file" -- "$nnlc" "$tmp/m.nn" -o "$tmp/m.nn"
expect 2 "the output '.*link.nn' is the input file" -- "$nnlc" "$tmp/m.nn" --emit=loops -o "$tmp/link.nn"
if ! cmp -s "$examples/mlp.nn" "$tmp/mymodel" || ! cmp -s "$examples/mlp.nn" "$tmp/m.nn"; then
    echo "FAIL: a model source was overwritten" >&2
    fails=$((fails + 1))
fi
expect 0 'Total params: 79,510 \(621\.17 KB\)' -- "$nnlc" --summary --precision=f64 "$examples/mlp.nn"
# Values float32 cannot hold (an lr or epsilon it rounds to 0, a beta to 1, a constant or
# alpha beyond its range) are errors at the default precision (tests/diag's goldens), and
# not with --precision=f64, whose float64 holds them.
for case in lr_float32_zero epsilon_float32_zero optimizer_float32_betas \
        optimizer_float32_beta2 float32_range_values; do
    expect 1 "is (0|1) in float32|beyond the range of float32" -- \
        "$nnlc" --summary "$(dirname "$0")/diag/$case.nn"
    expect 0 '^Total params' -- "$nnlc" --summary --precision=f64 "$(dirname "$0")/diag/$case.nn"
done
# A data source's scale is checked in float32 at either precision: the trainer reads the
# data as float32 with --precision=f64 too.
expect 1 "scale 1e-50 is 0 in float32" -- \
    "$nnlc" --summary --precision=f64 "$(dirname "$0")/diag/data_scale_float32.nn"
expect 0 '^1:1 keyword model|keyword model' -- "$nnlc" --emit=tokens "$examples/mlp.nn"
expect 0 '\(model mlp'                      -- "$nnlc" --emit=ast "$examples/mlp.nn"
expect 0 '%dense = dense %input_layer'      -- "$nnlc" --emit=ir "$examples/mlp.nn"
expect 0 '^digraph "mlp"'                  -- "$nnlc" --emit=dot "$examples/mlp.nn"
"$nnlc" --summary -o "$tmp/summary.txt" "$examples/mlp.nn"
expect 0 'Total params: 79,510'            -- cat "$tmp/summary.txt"
printf 'model m {\n  input [4]\n  dense(2)\n}\n\000' >"$tmp/binary.nn"
expect 1 'not a text file \(NUL byte at offset 35\)' -- "$nnlc" --summary "$tmp/binary.nn"
: >"$tmp/empty.nn"
expect 1 'no model in this file'           -- "$nnlc" --summary "$tmp/empty.nn"
# The file names and arguments nnlc quotes are escaped: an ESC in them reached the terminal,
# which ran it (a file name's recolored every diagnostic of the file).
esc=$(printf '\033')
cp "$tmp/empty.nn" "$tmp/e${esc}[31m.nn"
expect 1 '^e\\x1b\[31m\.nn: error: no model in this file' -- sh -c 'cd "$1" && "$2" --summary "$3"' \
    sh "$tmp" "$nnlc" "e${esc}[31m.nn"
expect 1 "cannot open '.*/none\\\\x1b\\[2J\\.nn'" -- "$nnlc" --summary "$tmp/none${esc}[2J.nn"
expect 2 "unknown option '--\\\\x1b\\[2Jx'"  -- "$nnlc" "--${esc}[2Jx"

# Code generation: every output form, and nothing on stderr from LLVM (its remarks and
# warnings are not the user's business).
expect 0 'parallel for rb in 0\.\.B/4'   -- "$nnlc" --emit=loops "$examples/mlp.nn"
# A layer of a block says which use of the block it is, and the model's line using it.
expect 0 '# conv2d_4 forward \(line 5, block residual_1 at line 21\)' -- "$nnlc" --emit=loops "$examples/resnet_bn.nn"
expect 0 'define internal void @dense.forward\(ptr %ctx\).*!nnlc.source' \
                                            -- "$nnlc" -O0 --emit=llvm "$examples/mlp.nn"
expect 0 'dense forward \(line 6\): y = sigmoid\(x\*W \+ b\)' -- "$nnlc" --emit=llvm "$examples/mlp.nn"
expect 0 '@nnrt_model = .*constant'           -- "$nnlc" --emit=llvm "$examples/mlp.nn"
expect 0 'xmm'                              -- "$nnlc" -S --target-cpu=generic "$examples/mlp.nn"
if grep -qw fma /proc/cpuinfo && grep -qw avx2 /proc/cpuinfo; then
    expect 0 'vfmadd[0-9]+ps.*[yz]mm'       -- "$nnlc" -S --target-cpu=native "$examples/mlp.nn"
    # -O2 runs nnlc's own list of LLVM passes (cg_module.c): its products must be as
    # vectorized as with LLVM's whole default<O3> (-O3), within 2% of the vector FMAs.
    # Each vector exp (cg_loops.c, gen_expf: one vcvttps2dq, its exponent made integer)
    # has 8 FMAs of its own, and -O3 unrolls the sigmoid loop further: not counted.
    product_fmas() {
        "$nnlc" "$1" -S -o - "$2" | awk '/vfmadd[0-9]+ps.*[yz]mm/ { n++ }
            /vcvttps2dq.*[yz]mm/ { n -= 8 } END { print n + 0 }'
    }
    for model in mlp fashion_cnn; do
        o2=$(product_fmas -O2 "$examples/$model.nn")
        o3=$(product_fmas -O3 "$examples/$model.nn")
        if [ "$o2" -gt 0 ] && [ $((o2 * 100)) -ge $((o3 * 98)) ]; then
            passes=$((passes + 1))
        else
            echo "FAIL: $model: $o2 vector FMAs at -O2, $o3 at -O3" >&2
            fails=$((fails + 1))
        fi
    done
fi
"$nnlc" -c "$examples/mlp.nn" -o "$tmp/mlp.o" 2>"$tmp/err"
expect 0 'nnrt_model'                       -- nm "$tmp/mlp.o"
for model in lstm_rows resnet_bn; do
    "$nnlc" "$examples/$model.nn" -o "$tmp/$model" 2>"$tmp/err.$model"
    if [ -s "$tmp/err.$model" ]; then
        echo "FAIL: nnlc wrote to stderr compiling $model:" >&2
        sed 's/^/    /' "$tmp/err.$model" >&2
        fails=$((fails + 1))
    else
        passes=$((passes + 1))
    fi
    expect 0 "^usage: $model"               -- "$tmp/$model" --help
done

# check MESSAGE command...: the command must succeed (its output is not looked at).
check() {
    message=$1
    shift
    if "$@" >/dev/null 2>&1; then
        passes=$((passes + 1))
    else
        echo "FAIL: $message" >&2
        fails=$((fails + 1))
    fi
}

# $CC is a command and its arguments, as make and the shell read it ("ccache cc",
# "cc -fsanitize=address"): its first word runs, with the others before nnlc's own.
printf '#!/bin/sh\necho "$@" >"%s/cc.args"\nexec cc "$@"\n' "$tmp" >"$tmp/mycc"
chmod +x "$tmp/mycc"
check 'CC with arguments: linking failed' env CC="$tmp/mycc -g  -O1" "$nnlc" "$examples/mlp.nn" -o "$tmp/mlp_cc"
expect 0 '^-g -O1 -o .*mlp_cc ' -- cat "$tmp/cc.args"

# A linked trainer's code is compiled in N threads, one object file each (--jobs): any N
# must give the same trainer, i.e. the same weights after training; the calls between
# the objects stay inside the trainer; no temporary file is left behind.
expect 2 '--jobs needs a whole number from 1 to 64' -- "$nnlc" --jobs=0 "$examples/mlp.nn"
expect 2 "'--summary' and '-S' ask for different outputs" -- "$nnlc" --summary -S "$examples/mlp.nn"
expect 2 '--parallel-min-work needs a whole number of at least 0' -- "$nnlc" --parallel-min-work=-1 "$examples/mlp.nn"
expect 2 '--max-errors needs a whole number'  -- "$nnlc" --max-errors= "$examples/mlp.nn"
# Digits only, as the trainer's options take them (strtoll read ' 2' and '+3' as numbers);
# an option written with a space before its value is named, not "unknown".
expect 2 "--jobs needs a whole number from 1 to 64, got ' 2'" -- "$nnlc" "--jobs= 2" "$examples/mlp.nn"
expect 2 "--max-errors needs a whole number of at least 0, got '\+3'" -- "$nnlc" --max-errors=+3 "$examples/mlp.nn"
expect 2 "--jobs takes its value after '=': --jobs=2" -- "$nnlc" --jobs 2 "$examples/mlp.nn"
expect 2 "--emit takes its value after '=': --emit=ir" -- "$nnlc" --emit ir "$examples/mlp.nn"
expect 2 "--precision takes its value after '=': --precision=VALUE" -- "$nnlc" "$examples/mlp.nn" --precision
awk 'BEGIN { print "a,b,c,d,y"; s = 7
             for (i = 0; i < 96; i++) {
                 row = ""; t = 0
                 for (k = 0; k < 4; k++) {
                     s = (s * 1103515245 + 12345) % 2147483648; v = s / 2147483648
                     t += v * (k + 1); row = row sprintf("%.4f,", v)
                 }
                 print row int(t) % 3
             } }' >"$tmp/tiny.csv"
cat >"$tmp/tiny.nn" <<END
model tiny {
    input [4]
    dense(8, activation=relu)
    dense(3, activation=softmax)
}
train {
    loss = sparse_categorical_crossentropy
    optimizer = adam(lr=0.01)
    epochs = 2   batch = 8   seed = 1
    data = csv("$tmp/tiny.csv")
}
END
mkdir "$tmp/tmpdir"
for jobs in 1 2 3; do
    check "nnlc --jobs=$jobs failed" env TMPDIR="$tmp/tmpdir" "$nnlc" --jobs=$jobs \
        "$tmp/tiny.nn" -o "$tmp/tiny$jobs"
    expect 0 'Epoch 2/2'                    -- "$tmp/tiny$jobs" --save "$tmp/tiny$jobs.st"
done
check '--jobs=2 and --jobs=1 trainers give different weights' cmp "$tmp/tiny1.st" "$tmp/tiny2.st"
# A train-block seed takes the trainer's --seed range, up to 2^64 - 1, exactly.
sed 's/seed = 1$/seed = 18446744073709551615/' "$tmp/tiny.nn" >"$tmp/tinyseed.nn"
check 'nnlc refused seed = 2^64 - 1' "$nnlc" "$tmp/tinyseed.nn" -o "$tmp/tinyseed"
expect 0 'Epoch 2/2'                        -- "$tmp/tinyseed" --save "$tmp/tinyseed.st"
check 'seed = 2^64 - 1 is not the seed the trainer used' \
    grep -aq '"seed":"18446744073709551615"' "$tmp/tinyseed.st"
check '--jobs=3 and --jobs=1 trainers give different weights' cmp "$tmp/tiny1.st" "$tmp/tiny3.st"
check 'a trainer compiled with --jobs=2 has functions of default visibility' \
    sh -c "! readelf -sW '$tmp/tiny2' | grep -E 'GLOBAL +DEFAULT .*(forward|backward)'"
# Every optimization level splits the same way: at -O0 no pass removes a part's unused
# declarations of the other parts' functions, which the linker must not see.
for level in -O0 -O1 -O3; do
    check "nnlc $level --jobs=3 failed" env TMPDIR="$tmp/tmpdir" "$nnlc" $level --jobs=3 \
        "$tmp/tiny.nn" -o "$tmp/tiny$level"
    expect 0 'Epoch 2/2'                    -- "$tmp/tiny$level"
done
check 'nnlc left files in its temporary directory' rmdir "$tmp/tmpdir"
# A trainer's --help says what data the model declares: none (then --data), or a split.
sed '/data = csv/d' "$tmp/tiny.nn" >"$tmp/tinynodata.nn"
check 'nnlc refused a model without data' "$nnlc" "$tmp/tinynodata.nn" -o "$tmp/tinynodata"
expect 0 '^  training    none: give --data PATH \[LABELS\]$' -- "$tmp/tinynodata" --help
# ... and training it without --data is a usage error, exit 2 (it was 1, as for bad data)
expect 2 'error: the model declares no training data; pass --data PATH \[LABELS\]' -- "$tmp/tinynodata" --epochs 1
expect 2 'the model declares no training data' -- "$tmp/tinynodata" --gradcheck
sed 's/seed = 1$/split = [6, 2, 2]/' "$tmp/tiny.nn" >"$tmp/tinysplit.nn"
check 'nnlc refused a model with a split' "$nnlc" "$tmp/tinysplit.nn" -o "$tmp/tinysplit"
expect 0 '^  split: +\[6, 2, 2\]: of the training data, 0\.6 for training, 0\.2 for validation and 0\.2 for testing$' \
    -- "$tmp/tinysplit" --help
# Messages quote the split as written, not its fractions (split = [0.333333, 0.333333,
# 0.333333] for [1, 1, 1], before).
sed 's/seed = 1$/split = [1, 1, 1]/' "$tmp/tiny.nn" >"$tmp/tinysplit111.nn"
check 'nnlc refused a model with split = [1, 1, 1]' "$nnlc" "$tmp/tinysplit111.nn" -o "$tmp/tinysplit111"
expect 1 '--limit leaves 1 example, too few for split = \[1, 1, 1\]: the training, validation and test sets each need at least one$' \
    -- "$tmp/tinysplit111" --epochs 1 --limit 1
# --time: each stage on stderr, one line per module, as many modules as --jobs; the
# functions of the modules add up to those of the one module of -c.
expect 0 'module 2 \([0-9]+ functions?\): IR [0-9.]+ s, passes [0-9.]+ s, code generation' \
    -- "$nnlc" --time --jobs=3 "$tmp/tiny.nn" -o "$tmp/tinytime"
expect 0 '^nnlc: time: link \(cc\)  [0-9.]+ s$' -- "$nnlc" --time "$tmp/tiny.nn" -o "$tmp/tinytime"
"$nnlc" --time --jobs=3 "$tmp/tiny.nn" -o "$tmp/tinytime" 2>"$tmp/time3"
"$nnlc" --time -c "$tmp/tiny.nn" -o "$tmp/tinytime.o" 2>"$tmp/time1"
count_functions() { sed -n 's/.*module [0-9]* (\([0-9]*\) functions*).*/\1/p' "$1" | awk '{ s += $1 } END { print s }'; }
check '--time: the modules of --jobs=3 and of -c define different numbers of functions' \
    test "$(count_functions "$tmp/time3")" = "$(count_functions "$tmp/time1")" -a \
         "$(count_functions "$tmp/time1")" -gt 3
check '--time -c links' sh -c "! grep -q 'link' '$tmp/time1'"
expect 0 '^nnlc: time: front end' -- "$nnlc" --time --emit=loops "$tmp/tiny.nn" -o /dev/null

# --summary: columns widen to fit large counts; a model that nested blocks expand to 65,536
# layers is summarized in seconds (naming layers scanned every layer: 22 s).
printf 'model m { input [100000, 100000] dense(100000) }\n' >"$tmp/wide.nn"
expect 0 ' 10,000,100,000  2,000,010,000,000,000$' -- "$nnlc" --summary "$tmp/wide.nn"
{
    echo 'block b0(n) { dense(n) }'
    for i in $(seq 1 16); do echo "block b$i(n) { b$((i - 1))(n) b$((i - 1))(n) }"; done
    echo 'model m { input [4] b16(2) }'
} >"$tmp/deep.nn"
expect 0 'Total params: 393,220' -- timeout 20 "$nnlc" --summary "$tmp/deep.nn"

# --max-errors: the "too many errors" note comes after the last shown error's hint (not
# between them), only when an error is really left out, and the count says how many shown.
printf 'model m {\n input [4]\n dens(3)\n dens(3)\n dens(3)\n}\n' >"$tmp/three.nn"
printf 'model m {\n input [4]\n dens(3)\n dens(3)\n}\n' >"$tmp/two.nn"
"$nnlc" --summary --max-errors=2 "$tmp/three.nn" >/dev/null 2>"$tmp/three.err"
if [ "$(grep -E 'error:|hint:|note: too many|generated' "$tmp/three.err" | cut -d' ' -f2- |
        tr '\n' '|')" != "error: unknown layer 'dens'|hint: did you mean 'dense'?|error: unknown \
layer 'dens'|hint: did you mean 'dense'?|note: too many errors (limit is 2); further errors are \
not shown|errors generated (2 shown).|" ]; then
    echo "FAIL: --max-errors=2 on three errors:" >&2; sed 's/^/    /' "$tmp/three.err" >&2
    fails=$((fails + 1))
else
    passes=$((passes + 1))
fi
expect 1 '^2 errors generated\.$' -- "$nnlc" --summary --max-errors=2 "$tmp/two.nn"
if grep -q 'too many errors' "$tmp/out"; then
    echo "FAIL: --max-errors=2 on two errors says some are not shown" >&2
    fails=$((fails + 1))
fi

echo "cli: $passes passed, $fails failed"
[ $fails -eq 0 ]
