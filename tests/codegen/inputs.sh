#!/bin/sh
# inputs.sh NNLC WORK_DIR — a generated trainer facing inputs it must refuse or handle:
# a checkpoint of a model with other activations (warning), --predict on a CSV without the
# header line the model's data has (note), damaged resume counters, a
# NUL byte in a CSV, data errors' lines and columns, a series' class targets, an overflowed optimizer state, prediction and first loss, splits that would round to nothing, a data set too small for its
# split or left empty by it, a checkpoint's split kept for --load and --resume, CSV labels mixing numbers and names, hex numbers, a .CSV name
# and CSV text named .txt, --batch beyond the data or the memory (--batch 1 of a model only one
# example of which fits), out of memory, trainer
# options out of range, a regression of 2 outputs given a CSV file with --data, and IDX images read in another layout (with Fashion-MNIST installed). Each case names what it checks when it fails.
set -u
nnlc=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cases.sh"

awk 'BEGIN { print "a,b,c,y"; for (i = 0; i < 40; i++) printf "%d,%d,%d,%d\n", i % 7, i % 5, i % 3, i % 2 }' >data.csv
model() { # NAME ACTIVATION [SETTINGS]
    printf 'model %s { input [3] dense(4, activation=%s) dense(2, activation=softmax) }\n' "$1" "$2"
    printf 'train { loss = sparse_categorical_crossentropy  epochs = 2  batch = 4  %s\n' "${3:-}"
    printf '        data = csv("data.csv") }\n'
}
model relu_m relu >relu_m.nn
model tanh_m tanh >tanh_m.nn
model split_m relu 'split = [0.8, 0.1, 0.1]' >split_m.nn
model val_m relu 'validation = 0.5' >val_m.nn
for m in relu_m tanh_m split_m val_m; do
    "$nnlc" "$m.nn" -o "$m" || { echo "FAIL: nnlc could not compile $m.nn"; exit 1; }
done

# A checkpoint whose tensors fit but whose activations differ: loaded, with a warning.
./relu_m --epochs 10 --save ck.safetensors --quiet >/dev/null || { echo "FAIL: training relu_m"; exit 1; }
check 0 "warning: .*ck.safetensors was written by a different build of the model" \
    ./tanh_m --load ck.safetensors --evaluate --test data.csv
# --predict on a file without the header line the model's CSV has: its first example is
# read as the header, and the user is told; a file with a header gets no note.
printf '1,2,3\n4,5,6\n' >noheader.csv
check 0 'noheader.csv:1: note: this line is read as the header \(a CSV file for this model starts with one\)' \
    ./relu_m --load ck.safetensors --predict noheader.csv
printf 'a,b,c\n4,5,6\n' >header.csv
./relu_m --load ck.safetensors --predict header.csv 2>predict.err >/dev/null
[ ! -s predict.err ] || { echo "FAIL: a note for a CSV with a header:"; cat predict.err; fails=$((fails + 1)); }
# --save never replaces what is not a checkpoint file: a pipe is refused before training;
# through a symbolic link the linked file is written (created if new) and the link stays;
# a link at PATH.tmp is left alone, neither followed nor removed (the save writes a
# temporary file of its own, PATH.tmp.PID.N).
rm -rf pipe.safetensors link.safetensors real.safetensors dangling.safetensors sub \
    victim.txt planted.safetensors planted.safetensors.tmp
mkfifo pipe.safetensors
check 1 '--save: pipe.safetensors is not a regular file' ./relu_m --epochs 1 --save pipe.safetensors
[ -p pipe.safetensors ] || { echo "FAIL: --save replaced a pipe"; fails=$((fails + 1)); }
ln -sf real.safetensors link.safetensors
./relu_m --epochs 1 --save link.safetensors --quiet >/dev/null 2>&1
{ [ -L link.safetensors ] && [ -f real.safetensors ]; } ||
    { echo "FAIL: --save through a link did not write the linked file"; fails=$((fails + 1)); }
check 0 'test_accuracy' ./relu_m --load link.safetensors --evaluate --test data.csv
mkdir -p sub && ln -sf sub/new.safetensors dangling.safetensors
./relu_m --epochs 1 --save dangling.safetensors --quiet >/dev/null 2>&1
{ [ -L dangling.safetensors ] && [ -f sub/new.safetensors ]; } ||
    { echo "FAIL: --save through a link to a new file"; fails=$((fails + 1)); }
rm -f chain1.safetensors chain2.safetensors loop1.safetensors loop2.safetensors
ln -s chain2.safetensors chain1.safetensors && ln -s sub/chained.safetensors chain2.safetensors
./relu_m --epochs 1 --save chain1.safetensors --quiet >/dev/null 2>&1
{ [ -L chain1.safetensors ] && [ -L chain2.safetensors ] && [ -f sub/chained.safetensors ]; } ||
    { echo "FAIL: --save through a chain of links to a new file"; fails=$((fails + 1)); }
ln -s loop2.safetensors loop1.safetensors && ln -s loop1.safetensors loop2.safetensors
check 1 '--save: cannot follow the symbolic link loop1.safetensors: Too many levels of symbolic links' \
    ./relu_m --epochs 1 --save loop1.safetensors
echo keep >victim.txt
ln -sf victim.txt planted.safetensors.tmp
./relu_m --epochs 1 --save planted.safetensors --quiet >/dev/null 2>&1
{ [ "$(cat victim.txt)" = keep ] && [ -f planted.safetensors ] && [ -L planted.safetensors.tmp ]; } ||
    { echo "FAIL: --save wrote through or removed a link at PATH.tmp"; fails=$((fails + 1)); }
# --save and --history replace only a checkpoint and a history file (or an empty file): a
# slip naming the data or the model's source leaves it whole (before: replaced by a
# checkpoint or a history, after the epochs had run on the data read before).
cp data.csv keep.csv && cp relu_m.nn keep.nn
check 1 '--save: keep.csv exists and is not a checkpoint \(safetensors\) file; it is left as it is' \
    ./relu_m --epochs 1 --data keep.csv --save keep.csv
check 1 '--save: keep.nn exists and is not a checkpoint' ./relu_m --epochs 1 --save keep.nn
check 1 "--history: keep.csv exists and is not a history file \(its first line does not start with 'epoch,'\)" \
    ./relu_m --epochs 1 --data keep.csv --history keep.csv
check 1 "--history: keep.csv exists and is not a history file" \
    ./relu_m --epochs 2 --resume ck.safetensors --history keep.csv
{ cmp -s keep.csv data.csv && cmp -s keep.nn relu_m.nn; } ||
    { echo "FAIL: --save or --history replaced a file that was neither"; fails=$((fails + 1)); }
# A checkpoint made read-only is kept, not replaced by the save's rename (which only the
# directory's permissions govern), for root as for anyone.
cp ck.safetensors kept.safetensors && chmod a-w kept.safetensors
check 1 '--save: kept.safetensors is read-only; it is left as it is: make it writable \(chmod u\+w\)' \
    ./relu_m --epochs 1 --save kept.safetensors
cmp -s kept.safetensors ck.safetensors ||
    { echo "FAIL: --save replaced a read-only checkpoint"; fails=$((fails + 1)); }
chmod u+w kept.safetensors
rm -f same.out && check 1 '--history and --save name the same file, same.out' \
    ./relu_m --epochs 1 --history same.out --save ./same.out
./relu_m --epochs 1 --history hist.csv --save again.safetensors --quiet >/dev/null 2>&1 &&
    ./relu_m --epochs 1 --history hist.csv --save again.safetensors --quiet >/dev/null 2>&1 ||
    { echo "FAIL: a second run replacing its own history and checkpoint"; fails=$((fails + 1)); }
# Resume counters out of range (the metadata's "10" epochs made "-1", same length).
perl -pe 's/"epoch":"10"/"epoch":"-1"/' ck.safetensors >bad_epoch.safetensors
check 1 'bad_epoch.safetensors: cannot resume: metadata "epoch" is -1, expected a whole number from 0 to 2147483647' \
    ./relu_m --resume bad_epoch.safetensors --epochs 12
# Class names in the metadata that the model cannot have (4 for 2 classes; same length
# as "cat\u000adog"): refused, not read past the model's classes.
printf 'a,b,c,y\n1,2,3,cat\n4,5,6,dog\n' >pets2.csv
./relu_m --data pets2.csv --epochs 1 --save pets.safetensors --quiet >/dev/null ||
    { echo "FAIL: training on class names"; fails=$((fails + 1)); }
perl -pe 's/"class_names":"cat\\u000adog"/"class_names":"c\\na\\nt\\ndog"/' pets.safetensors >bad_names.safetensors
check 1 'bad_names.safetensors: metadata "class_names" names 4 classes, but model .relu_m. has 2' \
    ./relu_m --load bad_names.safetensors --predict header.csv
# A learning rate of the schedule below 0 (the metadata's "0.001" made "-0.01"), and
# damaged standardization statistics: refused, not trained backwards or predicted as one
# number (a std of 0) or as infinities.
perl -pe 's/"plateau_lr":"0.001"/"plateau_lr":"-0.01"/' ck.safetensors >bad_lr.safetensors
check 1 'bad_lr.safetensors: cannot resume: metadata "plateau_lr" is -0.01, expected a learning rate above 0' \
    ./relu_m --resume bad_lr.safetensors --epochs 12
model std_m relu >std_m.nn
sed -i 's/loss = sparse_categorical_crossentropy/loss = mse/; s/dense(2, activation=softmax)/dense(1)/; s/csv("data.csv")/csv("data.csv", standardize=true)/' std_m.nn
"$nnlc" std_m.nn -o std_m || { echo "FAIL: nnlc could not compile std_m.nn"; exit 1; }
./std_m --save std.safetensors --quiet >/dev/null || { echo "FAIL: training std_m"; fails=$((fails + 1)); }
if command -v python3 >/dev/null; then
    for t in data.std data.y_std; do
        python3 - "$t" <<'PY' || { echo "FAIL: editing std.safetensors"; fails=$((fails + 1)); }
import json, struct, sys
b = bytearray(open("std.safetensors", "rb").read())
n = struct.unpack("<Q", b[:8])[0]
begin = 8 + n + json.loads(b[8:8 + n])[sys.argv[1]]["data_offsets"][0]
b[begin:begin + 4] = struct.pack("<f", 0.0)
open("bad_%s.safetensors" % sys.argv[1], "wb").write(b)
PY
        check 1 "bad_$t.safetensors: tensor \"$t\" holds 0 at element 0, but a standard deviation is a positive number" \
            ./std_m --load "bad_$t.safetensors" --predict header.csv
    done
    # An f64 checkpoint's weight beyond float32's range, loaded into the f32 model: refused,
    # not turned into an infinity.
    "$nnlc" --precision=f64 relu_m.nn -o relu64 || { echo "FAIL: nnlc --precision=f64"; exit 1; }
    ./relu64 --epochs 1 --save ck64.safetensors --quiet >/dev/null || { echo "FAIL: training relu64"; fails=$((fails + 1)); }
    python3 - <<'PY' || { echo "FAIL: editing ck64.safetensors"; fails=$((fails + 1)); }
import json, struct
b = bytearray(open("ck64.safetensors", "rb").read())
n = struct.unpack("<Q", b[:8])[0]
begin = 8 + n + json.loads(b[8:8 + n])["dense.W"]["data_offsets"][0]
b[begin:begin + 8] = struct.pack("<d", 1e39)
open("big64.safetensors", "wb").write(b)
PY
    check 1 'big64.safetensors: byte [0-9]+: tensor "dense.W" holds 1e\+39 at element 0, out of range for the f32 model' \
        ./relu_m --load big64.safetensors --predict header.csv
fi
# A NUL byte in a text file.
printf 'a,b,c,y\n1,2,3,0\n1,2\0003,1\n' >nul.csv
check 1 'nul.csv: byte 19: a NUL byte; expected text' ./relu_m --data nul.csv
# 9 rows split 0.8 / 0.1 / 0.1: one validation and one test example, not none.
head -10 data.csv >nine.csv
check 0 '7 training examples, 1 validation, 1 test' ./split_m --data nine.csv
# A file the model declares that is missing (a trainer copied to another machine) is named
# as the model's, with the option that gives other data (it was "cannot open PATH: No such
# file or directory" alone).
rm -f gone.csv gone_test.csv
printf 'model gone { input [3] dense(2, activation=softmax) }\ntrain { loss = sparse_categorical_crossentropy\n  data = csv("gone.csv")  test = csv("gone_test.csv") }\n' >gone.nn
"$nnlc" gone.nn -o gone || { echo "FAIL: nnlc could not compile gone.nn"; exit 1; }
check 1 "cannot open .*/gone.csv: No such file or directory \(the training data the model declares; pass other data with --data PATH \[LABELS\]\)$" ./gone
check 1 "cannot open .*/gone_test.csv: No such file or directory \(the test data the model declares; pass other data with --test PATH \[LABELS\]\)$" \
    ./gone --data data.csv --epochs 1
# A split = [...] orders the examples by the seed before it cuts its parts: --load takes the
# checkpoint's seed (unless --seed is given, then with a warning), so --evaluate tests the
# examples that the run which wrote it held out (it used the model's seed: other examples,
# some of them trained on).
trained=$(./split_m --seed 5 --epochs 20 --save split5.st --quiet 2>&1)
check 0 "^${trained}$" ./split_m --load split5.st --evaluate --quiet
check 0 "warning: --seed 6 splits the data otherwise than the run that wrote split5.st \(seed 5\)" \
    ./split_m --load split5.st --evaluate --quiet --seed 6
# And from the examples that run cut them from, which the checkpoint keeps: after a run
# with --limit 30, --load ck --evaluate (whose --limit counts test examples) tested the test
# part of all 40, some of them trained on; --resume trained on all 40 (not the run it
# continues); another --limit, or a file that holds fewer examples now, is warned about.
trained=$(./split_m --seed 5 --limit 30 --epochs 20 --save split30.st --quiet 2>&1)
check 0 "^${trained}$" ./split_m --load split30.st --evaluate --quiet
./split_m --seed 5 --limit 30 --epochs 2 --save split30_2.st --quiet >/dev/null 2>&1 ||
    fail "training split_m for 2 epochs"
whole=$(./split_m --seed 5 --limit 30 --epochs 4 --quiet 2>&1)
check 0 "^${whole}$" ./split_m --resume split30_2.st --epochs 4 --quiet
check 0 "warning: --limit 20 splits other examples than the run that wrote split30.st \(its first 30\): the validation and test parts now hold examples that run trained on" \
    ./split_m --load split30.st --epochs 1 --limit 20 --quiet
head -21 data.csv >twenty.csv
check 0 "warning: the training data now holds 20 examples, but the run that wrote split30.st split 30" \
    ./split_m --load split30.st --evaluate --data twenty.csv --quiet
# --help names the split among the model's data (it named only the training file, the
# validation and test parts unmentioned).
check 0 'split: +of the training data, 0.8 for training, 0.1 for validation and 0.1 for testing' ./split_m --help
# 10 rows split [1, 1, 98]: validation's one row comes from the test part (the largest),
# not from nowhere (before: 1 training, no validation, 9 test).
model ratio_m relu 'split = [1, 1, 98]' >ratio_m.nn
"$nnlc" ratio_m.nn -o ratio_m || { echo "FAIL: nnlc could not compile ratio_m.nn"; exit 1; }
head -11 data.csv >ten.csv
check 0 '1 training example, 1 validation, 8 test' ./ratio_m --data ten.csv --epochs 1
# Fewer examples than the split's non-empty parts: an error naming the file and the
# counts, not a run without a test set; three examples give one to each part.
head -3 data.csv >two.csv
check 1 'two.csv: holds 2 examples, too few for split = \[0.8, 0.1, 0.1\]: the training, validation and test sets each need at least one' \
    ./split_m --data two.csv
check 1 'data.csv: --limit leaves 2 examples, too few for split = \[0.8, 0.1, 0.1\]' ./split_m --limit 2
head -4 data.csv >three.csv
check 0 '1 training example, 1 validation, 1 test' ./split_m --data three.csv
# One row, half of it for validation: nothing left to train on, and the file used is named.
head -2 data.csv >one.csv
check 1 'one.csv: holds 1 example, none left for training after the validation and test splits' \
    ./val_m --data one.csv
# A --limit that leaves that one row is named as such: the file holds more ("holds 1").
check 1 'ten.csv: --limit leaves 1 example, none left for training after the validation and test splits' \
    ./val_m --data ten.csv --limit 1
# Data errors count from 1 and name the line and column as they are in the file: a
# number float32 cannot hold (a label too), and a class name the training file lacks.
printf 'a,b,c,y\n1,2,3,0\n1,-1e39,3,1\n' >big.csv
check 1 "big.csv:3: column 2: '-1e39' is out of range for float32" ./relu_m --data big.csv
printf 'a,b,c,y\n1,2,3,0\n1,2,3,1e39\n' >biglabel.csv
check 1 "biglabel.csv:3: column 4: label '1e39' is out of range for float32" ./relu_m --data biglabel.csv
printf 'a,b,c,y\n1,2,3,0\n1,2,3,5\n' >badlabel.csv
check 1 "badlabel.csv:3: column 4: label 5 is not a class index 0..1" ./relu_m --data badlabel.csv
printf 'a,b,c,y\n1,2,3,cat\n4,5,6,dog\n' >pets.csv
printf 'a,b,c,y\n1,2,3,cat\n\n4,5,6,fish\n' >fish.csv
check 1 "fish.csv:4: column 4: unknown class 'fish' \(the classes are 'cat' ... 'dog'\)" \
    ./relu_m --data pets.csv --test fish.csv
# Labels are decided by the whole file, not by its first row: numbers among class names
# are an error in either order (not renumbered as names), naming the number's place.
printf 'a,b,c,y\n1,2,3,cat\n4,5,6,1\n7,8,9,0\n' >mixed1.csv
printf 'a,b,c,y\n1,2,3,1\n4,5,6,0\n7,8,9,cat\n' >mixed2.csv
check 1 "mixed1.csv:3: column 4: label '1' is a number, but other labels are class names \('cat' on line 2\)" \
    ./relu_m --data mixed1.csv
check 1 "mixed2.csv:2: column 4: label '1' is a number, but other labels are class names \('cat' on line 4\)" \
    ./relu_m --data mixed2.csv
# ... unless the model's classes list the number as a name.
model named_m relu 'classes = ["1", "cat"]' >named_m.nn
"$nnlc" named_m.nn -o named_m || { echo "FAIL: nnlc could not compile named_m.nn"; exit 1; }
printf 'a,b,c,y\n1,2,3,cat\n4,5,6,1\n7,8,9,1\n' >named.csv
check 0 "Epoch 2/2" ./named_m --data named.csv
# CSV numbers are decimal, as pandas reads them: no hex feature or label.
printf 'a,b,c,y\n1,2,3,0\n0x10,2,3,1\n' >hexfeat.csv
check 1 "hexfeat.csv:3: column 1: expected a number, found '0x10' \(CSV values are decimal numbers" \
    ./relu_m --data hexfeat.csv
printf 'a,b,c,y\n1,2,3,0\n4,5,6,0x1\n' >hexlabel.csv
check 1 "hexlabel.csv:3: column 4: label '0x1' is not a decimal number or a class name" \
    ./relu_m --data hexlabel.csv
# The format follows the extension, case-insensitively; CSV text read as IDX gets a hint.
cp data.csv DATA.CSV
check 0 "Epoch 2/2" ./relu_m --data DATA.CSV
cp data.csv data.txt
check 1 "data.txt: byte 0: not an IDX file: .*the file looks like text: .*must end in .csv" \
    ./relu_m --data data.txt labels.idx
# A pipe, or a name under /dev/, says no format: it is read in the model's (CSV here). It
# was read as IDX, "the file looks like text ... must end in .csv", which a pipe cannot.
check 0 "Epoch 2/2" sh -c './relu_m --data /dev/stdin < data.csv'
check 0 "Epoch 2/2" sh -c 'cat data.csv | ./relu_m --data /dev/stdin'
check 0 "^0,[01],,[0-9.e-]+,[0-9.e-]+$" sh -c 'cat header.csv | ./relu_m --load ck.safetensors --predict /dev/stdin'
# ... and a second operand after one, LABELS, which a CSV file's name has refused on the
# command line, is refused there too (it went unread without a word).
check 1 "error: --data: /dev/stdin is read as CSV \(the model's format: its name says none\), which holds its own labels; unexpected 'labels.idx'" \
    sh -c './relu_m --data /dev/stdin labels.idx < data.csv'
# A --batch larger than the data allocates for the data, as Keras does; a batch whose
# buffers exceed the memory the process may use (here a 1 GB ulimit, about 0.8 MB per
# example of this model) is refused up front, not tried as one huge allocation.
awk 'BEGIN { print "a,b,c,y"; for (i = 0; i < 2000; i++) printf "%d,%d,%d,%d\n", i % 7, i % 5, i % 3, i % 2 }' >wide.csv
printf 'model wide_m { input [3] dense(65536, activation=relu) dense(2, activation=softmax) }\n' >wide_m.nn
printf 'train { loss = sparse_categorical_crossentropy  epochs = 1  batch = 4  data = csv("wide.csv") }\n' >>wide_m.nn
"$nnlc" wide_m.nn -o wide_m || { echo "FAIL: nnlc could not compile wide_m.nn"; exit 1; }
check 1 "^wide_m: error: --batch 2000: a batch of 2000 examples needs [0-9.]+ GB of buffers \([0-9.]+ MB per example\), more than the [0-9.]+ GB of memory available; use a smaller --batch" \
    sh -c 'ulimit -v 1000000 && exec ./wide_m --batch 2000 --quiet'
check 0 "Training, epoch 1: 40 examples" sh -c 'ulimit -v 1000000 && exec ./wide_m --batch 1048576 --data data.csv --quiet'
# Only --gradcheck needs 6 rows of buffers whatever the batch; every run took them, so a
# model whose one example fits (17 MB here, under an 80 MB ulimit) but six do not was
# refused at --batch 1, told to use a smaller --batch ("a batch of 6 examples needs …").
awk 'BEGIN { printf "y"; for (j = 0; j < 4096; j++) printf ",p%d", j; print ""
             for (i = 0; i < 8; i++) { printf "%d", i % 2; for (j = 0; j < 4096; j++) printf ",%d", (i * j) % 5; print "" } }' >tall.csv
printf 'model tall_m { input [64, 64, 1] conv2d(512, kernel=3, padding=same, activation=relu) global_max_pool2d() dense(2, activation=softmax) }\n' >tall_m.nn
printf 'train { loss = sparse_categorical_crossentropy  epochs = 1  data = csv("tall.csv", label="y") }\n' >>tall_m.nn
"$nnlc" tall_m.nn -o tall_m || { echo "FAIL: nnlc could not compile tall_m.nn"; exit 1; }
check 0 "Training, epoch 1: 8 examples" sh -c 'ulimit -v 80000 && exec ./tall_m --batch 1 --threads 1 --quiet'
check 1 "^tall_m: error: --batch 6: a batch of 6 examples needs [0-9.]+ GB of buffers" \
    sh -c 'ulimit -v 80000 && exec ./tall_m --batch 6 --threads 1 --quiet'
# Out of memory (400M parameters, 1.6 GB each for weights, gradients, optimizer state):
# one line with the program's name, like every other error.
printf 'model huge_m { input [3] dense(20000) dense(20000) dense(2, activation=softmax) }\n' >huge_m.nn
printf 'train { loss = sparse_categorical_crossentropy  epochs = 1  data = csv("wide.csv") }\n' >>huge_m.nn
"$nnlc" huge_m.nn -o huge_m || { echo "FAIL: nnlc could not compile huge_m.nn"; exit 1; }
check 1 "^huge_m: error: out of memory allocating [0-9]+ bytes" sh -c 'ulimit -v 1000000 && exec ./huge_m --quiet'
# A series whose overlapping windows need more memory than the process may use (5000
# windows of 5000 steps x 2 columns, 200 MB, under a 150 MB ulimit): an error naming the
# file (before: "out of memory allocating 200000000 bytes").
awk 'BEGIN { print "t,a,b"; for (i = 0; i < 10000; i++) printf "%d,%d,%d\n", i, i % 7, i % 5 }' >long.csv
printf 'model long_m { input [5000, 2] flatten() dense(1) }\n' >long_m.nn
printf 'train { loss = mse  epochs = 1  data = series("long.csv", inputs=["a", "b"], target="b", window=5000) }\n' >>long_m.nn
"$nnlc" long_m.nn -o long_m || { echo "FAIL: nnlc could not compile long_m.nn"; exit 1; }
check 1 "^long_m: error: .*long.csv: 5000 windows of 5000 steps x 2 columns need 0.2 GB of memory, more than the 0.15[0-9]* GB available; use --limit or a shorter window" \
    sh -c 'ulimit -v 150000 && exec ./long_m --quiet'
# A series' class targets are checked as written, as a CSV file's labels are: 1.00000001
# is no class index (before: read as float32 first, it was the class 1, and trained), and
# 16777217 is named as written (before: "label 16777216").
printf 't,v,c\n0,1,0\n1,2,1\n2,3,2\n3,4,1.00000001\n4,5,0\n5,6,2\n' >class_series.csv
printf 'model class_series_m { input [3, 1] flatten() dense(3, activation=softmax) }\n' >class_series_m.nn
printf 'train { loss = sparse_categorical_crossentropy  epochs = 1  batch = 2\n' >>class_series_m.nn
printf '        data = series("class_series.csv", inputs=["v"], target="c", window=3) }\n' >>class_series_m.nn
"$nnlc" class_series_m.nn -o class_series_m || { echo "FAIL: nnlc could not compile class_series_m.nn"; exit 1; }
check 1 "class_series.csv:5: target of window 1: label 1.00000001 is not an integer class index \(expected 0..2\)" \
    ./class_series_m --quiet
sed 's/^3,4,1.00000001$/3,4,16777217/' class_series.csv >class_series_big.csv
check 1 "class_series_big.csv:5: target of window 1: label 16777217 is not a class index 0..2" \
    ./class_series_m --data class_series_big.csv --quiet
# Features of 1e20 overflow RMSprop's running average of squared gradients (float32) with
# every loss finite: the updates stop, and --resume refuses the state. The run now stops
# there, before the save (before: exit 0, a checkpoint that cannot be resumed).
awk 'BEGIN { print "a,b,c,y"; for (i = 0; i < 8; i++) printf "%de20,%de20,1,%d\n", i, 7 - i, i % 2 }' >extreme.csv
rm -f extreme.safetensors
check 1 "error: the optimizer state became infinity in epoch 1 \(element [0-9]+ of rmsprop's\), though every loss was finite: the gradients are beyond the model's precision \(data of an extreme scale\? standardize it\); extreme.safetensors is left as it was" \
    ./relu_m --data extreme.csv --save extreme.safetensors --quiet
[ ! -e extreme.safetensors ] || fail "a checkpoint of an overflowed optimizer state was saved"
# A prediction that overflows inside the model (features of 3e38) is an error naming the
# example, as --evaluate's NaN loss is (before: "-nan" probabilities and the class 0).
printf 'a,b,c\n1,2,3\n3e38,-3e38,3e38\n' >extreme_predict.csv
check 1 "error: extreme_predict.csv: example 2 \(row 1 of the predictions\): the model's output [01] is (NaN|-?infinity) \(the example has extreme values, or the weights do\)" \
    ./relu_m --load ck.safetensors --predict extreme_predict.csv
# A NaN loss at the run's first step, before any update, is the data's (or the loaded
# weights'), not the learning rate's (before: "try a lower learning rate").
printf 'a,b,c,y\n3e38,-3e38,3e38,0\n-3e38,3e38,3e38,1\n' >extreme_train.csv
check 1 "error: the training loss is (NaN|-?infinity) at epoch 1, step 1, before this run made any update: the batch's examples have extreme values \(standardize the data\?\), or the weights do" \
    ./relu_m --data extreme_train.csv --quiet
# Trainer options out of range.
check 2 "--batch expects 1 to 1048576, got '100000000'" ./relu_m --batch 100000000
check 2 "--seed expects a whole number from 0 to 18446744073709551615, got '-1'" ./relu_m --seed -1

# IDX images: an image model must read them in their own layout; a vector does not care.
fm=/usr/share/datasets/fashion-mnist
if [ -r "$fm/t10k-labels-idx1-ubyte.gz" ]; then
    for shape in "14, 56, 1" "784, 1"; do
        name=$(echo "$shape" | tr -d ' ,')
        printf 'model m%s { input [%s] flatten() dense(10, activation=softmax) }\n' "$name" "$shape" >"m$name.nn"
        printf 'train { loss = sparse_categorical_crossentropy  epochs = 1\n' >>"m$name.nn"
        printf '        data = idx("%s/t10k-images-idx3-ubyte.gz", "%s/t10k-labels-idx1-ubyte.gz", scale=1/255) }\n' "$fm" "$fm" >>"m$name.nn"
        "$nnlc" "m$name.nn" -o "m$name" || { echo "FAIL: nnlc could not compile m$name.nn"; exit 1; }
    done
    check 1 'each example is \(28, 28\), but the model input is \(14, 56, 1\)' ./m14561 --limit 64 --quiet
    check 0 'Epoch 1/1' ./m7841 --limit 64
    # A labels file where the images go (--predict or --data): said so, not '1 values'.
    check 1 't10k-labels-idx1-ubyte.gz: byte 4: the file holds one value per example \(a labels file\?\), but the model input \(784, 1\) has 784' \
        ./m7841 --predict "$fm/t10k-labels-idx1-ubyte.gz"
fi
# A regression of 2 outputs on a CSV file, one label column: nnlc refuses the model's own
# csv(…) (diag.csv_several_targets); the trainer still refuses a --data file, by name.
printf 'model two { input [3] dense(2) }\ntrain { loss = mse  epochs = 1 }\n' >two.nn
"$nnlc" two.nn -o two || fail "nnlc could not compile two.nn"
check 1 'two: error: data.csv: a CSV file holds one label column, but the model needs 2 target values per example \(use .npy labels\)' \
    ./two --data data.csv
# --predict on rows of another width says what the model reads (its feature columns, and
# the label column it ignores) and what the file has, with the file and line: a 4th column
# not named 'y' was "no column named 'y' in the header", 5 columns "5 features".
printf 'model named_y { input [3] dense(2, activation=softmax) }\ntrain { loss = sparse_categorical_crossentropy  epochs = 1  batch = 4  data = csv("data.csv", label="y") }\n' >named_y.nn
"$nnlc" named_y.nn -o named_y && ./named_y --save named_y.st --quiet >/dev/null ||
    fail "could not compile and train named_y.nn"
printf 'a,b,c,d\n1,2,3,4\n' >extra4.csv
check 1 "^named_y: error: extra4.csv:1: rows have 4 columns, but the model reads 3 feature columns \\(its input \\(3,\\) has 3 values\\), or 4 with its label column 'y', which --predict ignores \\(this header has no column of that name\\)\$" \
    ./named_y --load named_y.st --predict extra4.csv
printf 'a,b,c,y,z\n1,2,3,0,4\n' >extra5.csv
check 1 "^named_y: error: extra5.csv:1: rows have 5 columns, but the model reads 3 feature columns \\(its input \\(3,\\) has 3 values\\), or 4 with its label column 'y', which --predict ignores\$" \
    ./named_y --load named_y.st --predict extra5.csv
printf 'y,a,b,c\n1,0,1,2\n' >ylabel.csv
check 0 '^0,[01],' ./named_y --load named_y.st --predict ylabel.csv
# the last column is the label of a model that names none
check 1 "^relu_m: error: extra5.csv:1: rows have 5 columns, but the model reads 3 feature columns \\(its input \\(3,\\) has 3 values\\), or 4 with its label column \\(the last\\), which --predict ignores\$" \
    ./relu_m --load ck.safetensors --predict extra5.csv
# A model of 2 outputs has no CSV label column to ignore: a 4th column is one too many,
# said as such (it was "a CSV file holds one label column", of a file --predict reads no
# label from).
if command -v python3 >/dev/null; then
    python3 - <<'PY'
import struct
def save(name, shape, values):
    head = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (shape,)
    head += " " * (63 - (10 + len(head)) % 64) + "\n"
    with open(name, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode())
        f.write(struct.pack("<%df" % len(values), *values))
save("two_x.npy", (8, 3), [float(i % 5) for i in range(24)])
save("two_y.npy", (8, 2), [float(i % 3) for i in range(16)])
PY
    ./two --data two_x.npy two_y.npy --save two.st --quiet >/dev/null || fail "training two on .npy"
    check 1 "^two: error: extra4.csv:1: rows have 4 columns, but the model reads 3 feature columns \\(its input \\(3,\\) has 3 values\\)\$" \
        ./two --load two.st --predict extra4.csv
fi
[ $fails -eq 0 ] && echo "inputs: every case refused or handled as expected"
[ $fails -eq 0 ]
