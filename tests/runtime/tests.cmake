# Runtime tests (libnnrt). Included by tests/CMakeLists.txt; relies only on the `nnrt`
# target and on paths relative to this file.
set(NNRT_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

# A trainer executable made of ref_model.c (the stand-in for generated code) + libnnrt.
function(nnrt_ref_trainer name)
    add_executable(${name} ${NNRT_TEST_DIR}/ref_model.c)
    target_link_libraries(${name} PRIVATE nnrt)
    target_compile_definitions(${name} PRIVATE ${ARGN})
endfunction()

nnrt_ref_trainer(rt_ref_f32)                                       # softmax regression, SGD
nnrt_ref_trainer(rt_ref_f32_adam REF_ADAM)
nnrt_ref_trainer(rt_ref_f64 REF_F64 REF_HIDDEN=16 REF_ADAM)        # hidden layer + dropout
nnrt_ref_trainer(rt_ref_f64_bug REF_F64 REF_HIDDEN=16 REF_ADAM REF_BUG)
nnrt_ref_trainer(rt_ref_f32_hidden REF_HIDDEN=16 REF_ADAM)
nnrt_ref_trainer(rt_ref_f64_aug REF_F64 REF_HIDDEN=16 REF_ADAM REF_AUGMENT)
add_executable(rt_ref_linear ${NNRT_TEST_DIR}/ref_linear.c)                # series regression
target_link_libraries(rt_ref_linear PRIVATE nnrt)

add_executable(rt_unit ${NNRT_TEST_DIR}/test_runtime.c ${NNRT_TEST_DIR}/check.c
                       ${NNRT_TEST_DIR}/fixtures.c)
target_link_libraries(rt_unit PRIVATE nnrt)
target_include_directories(rt_unit PRIVATE ${NNRT_TEST_DIR})
target_compile_definitions(rt_unit PRIVATE _POSIX_C_SOURCE=200809L)
add_test(NAME runtime.unit COMMAND rt_unit)

# The initializers, statistically, with their Keras arguments (runtime/init.c).
add_executable(rt_init ${NNRT_TEST_DIR}/test_init.c ${NNRT_TEST_DIR}/check.c)
target_link_libraries(rt_init PRIVATE nnrt)
target_include_directories(rt_init PRIVATE ${NNRT_TEST_DIR})
target_compile_definitions(rt_init PRIVATE _POSIX_C_SOURCE=200809L)
add_test(NAME runtime.init COMMAND rt_init)

# What fuzzing the readers found (tests/fuzz/runtime): crashes, hangs, memory out of
# proportion to a file, unclear messages.
add_executable(rt_robust ${NNRT_TEST_DIR}/test_robust.c ${NNRT_TEST_DIR}/check.c
                         ${NNRT_TEST_DIR}/fixtures.c)
target_include_directories(rt_robust PRIVATE ${NNRT_TEST_DIR})
target_link_libraries(rt_robust PRIVATE nnrt)
target_compile_definitions(rt_robust PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
add_test(NAME runtime.robust COMMAND rt_robust)

add_executable(rt_fixtures ${NNRT_TEST_DIR}/make_fixtures.c ${NNRT_TEST_DIR}/fixtures.c)
target_link_libraries(rt_fixtures PRIVATE nnrt) # for zlib and libm; its own main() wins

# The data files of the tests below, written once per ctest run.
set(RT_DATA ${CMAKE_CURRENT_BINARY_DIR}/rt_data)
set(RT_WORK ${CMAKE_CURRENT_BINARY_DIR}/rt_work)
set(RT_EXPECT ${NNRT_TEST_DIR}/expect.sh)
add_test(NAME runtime.fixtures COMMAND rt_fixtures ${RT_DATA})
set_tests_properties(runtime.fixtures PROPERTIES FIXTURES_SETUP rt_data)

# runtime_expect(NAME CODE REGEX trainer-args...): run rt_ref_f32, check code and output.
function(runtime_expect name code regex)
    add_test(NAME runtime.${name} COMMAND ${RT_EXPECT} ${code} ${regex} $<TARGET_FILE:rt_ref_f32> ${ARGN})
    set_tests_properties(runtime.${name} PROPERTIES FIXTURES_REQUIRED rt_data)
endfunction()

# Bad data: exit 1 and one line naming the file and the byte, line or example.
runtime_expect(error.idx_truncated 1
    "trunc.idx.gz: byte 16: expected 15680 bytes of pixels \\(20 examples of 28x28\\), the file ends after 3920"
    --data ${RT_DATA}/trunc.idx.gz ${RT_DATA}/labels.idx.gz)
# Data after the values the header announces, and a .gz file cut short (zlib reads it as a
# shorter file: before, a CSV cut at a line's end trained on the rows before the cut).
runtime_expect(error.idx_trailing 1
    "trail.idx: byte 15696: the file goes on after the pixels \\(20 examples of 28x28\\) its header announces \\(3 more bytes\\)"
    --data ${RT_DATA}/trail.idx ${RT_DATA}/labels.idx)
runtime_expect(data.idx_trailing_limit 0 "ref: 7850 parameters \\(f32\\), 8 training examples"
    --data ${RT_DATA}/trail.idx ${RT_DATA}/labels.idx --limit 8 --test ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx)
runtime_expect(error.npy_short_header 1
    "shorthdr.npy: byte 62832: the file goes on after the <f4 values \\(shape \\(20, 28, 28\\)\\) its header announces \\(16 more bytes\\)"
    --data ${RT_DATA}/shorthdr.npy ${RT_DATA}/y.npy)
runtime_expect(error.npy_magic 1
    "badmagic.npy: byte 0: not a .npy file: expected the magic .x93NUMPY \\(93 4e 55 4d 50 59\\), found 93 4e 55 4d 50 5a$"
    --data ${RT_DATA}/badmagic.npy ${RT_DATA}/y.npy)
# 'f4' without '<' is float32 in the machine's byte order, as numpy reads it (before: "dtype
# 'f4' is not supported (use float32, ...)").
runtime_expect(data.npy_no_order 0 "ref: 7850 parameters \\(f32\\), 20 training examples"
    --data ${RT_DATA}/no_order.npy ${RT_DATA}/y.npy --epochs 1 --test ${RT_DATA}/x32.npy ${RT_DATA}/y.npy)
# numpy's name of the type, 'float32' (np.load reads it), in the machine's byte order
# (before: "dtype 'float32' is not supported (use float16, float32, ...)").
runtime_expect(data.npy_numpy_name 0 "ref: 7850 parameters \\(f32\\), 20 training examples"
    --data ${RT_DATA}/numpy_name.npy ${RT_DATA}/y.npy --epochs 1 --test ${RT_DATA}/x32.npy ${RT_DATA}/y.npy)
runtime_expect(error.npy_descr 1 "descr.npy: byte 10: dtype '<f4x' is not supported"
    --data ${RT_DATA}/descr.npy ${RT_DATA}/y.npy)
runtime_expect(error.csv_gz_truncated 1
    "cut.csv.gz: byte [0-9]+: the gzip-compressed data ends early: the file is truncated"
    --data ${RT_DATA}/cut.csv.gz)
# Gzip members one after the other (and zero padding) are one file; bytes after a member
# that start no other one are an error (before: zlib ignored them, and a .csv.gz with rows
# appended uncompressed, or a damaged second member, trained on the first member's rows).
runtime_expect(data.csv_gz_members 0 "ref: 7850 parameters \\(f32\\), 20 training examples"
    --data ${RT_DATA}/members.csv.gz --test ${RT_DATA}/data.csv --epochs 1)
runtime_expect(error.csv_gz_appended 1
    "appended.csv.gz: byte [0-9]+: the gzip-compressed data ends, but the file goes on \\(at its byte [0-9]+\\) with bytes that start no gzip member"
    --data ${RT_DATA}/appended.csv.gz)
# Values a header announces beyond the memory the process may use: an error naming the
# file (before: "out of memory allocating 196000000 bytes"); a .gz file announcing more
# than it holds allocates what arrives, not the announcement.
add_test(NAME runtime.error.idx_memory COMMAND ${RT_EXPECT} 1
    "claim.idx.gz: byte 16: the pixels \\(250000 examples of 28x28\\) the header announces need 0.196 GB of memory, more than the 0.15[0-9]* GB available; read fewer with --limit"
    sh -c "ulimit -v 150000 && exec \"$0\" \"$@\"" $<TARGET_FILE:rt_ref_f32> --data ${RT_DATA}/claim.idx.gz ${RT_DATA}/labels.idx)
add_test(NAME runtime.error.idx_claim_gz COMMAND ${RT_EXPECT} 1
    "claim.idx.gz: byte 16: expected 196000000 bytes of pixels \\(250000 examples of 28x28\\), the file ends after 262144"
    sh -c "ulimit -v 198000 && exec \"$0\" \"$@\"" $<TARGET_FILE:rt_ref_f32> --data ${RT_DATA}/claim.idx.gz ${RT_DATA}/labels.idx --threads 1)
# CSV rows beyond the memory left beside the file's text: an error naming the file and the
# line (before: "out of memory allocating 102760448 bytes").
add_test(NAME runtime.error.csv_memory COMMAND ${RT_EXPECT} 1
    "rows.csv.gz:[0-9]+: .*read fewer with --limit"
    sh -c "ulimit -v 200000 && exec \"$0\" \"$@\"" $<TARGET_FILE:rt_ref_f32> --data ${RT_DATA}/rows.csv.gz --threads 1)
set_tests_properties(runtime.error.idx_memory runtime.error.idx_claim_gz runtime.error.csv_memory
                     PROPERTIES FIXTURES_REQUIRED rt_data)
runtime_expect(error.idx_magic 1 "badmagic.idx: byte 0: not an IDX file: .*found 50 4b 03 04"
    --data ${RT_DATA}/badmagic.idx ${RT_DATA}/labels.idx)
# Compressed with other than gzip, or UTF-16 text: said so (before: "a NUL byte; expected
# text", or for bzip2's printable "BZh9", "the file looks like text").
runtime_expect(error.csv_xz 1
    "xz.csv: byte 5: a NUL byte. expected text. the file is xz-compressed, and only gzip is read: decompress it \\(xz -d\\) or compress it with gzip"
    --data ${RT_DATA}/xz.csv)
runtime_expect(error.csv_utf16 1 "utf16.csv: byte 3: a NUL byte. expected text. the file is UTF-16 text"
    --data ${RT_DATA}/utf16.csv)
runtime_expect(error.idx_bzip2 1 "bz2.idx: byte 0: not an IDX file: .*found 42 5a 68 39. the file is bzip2-compressed"
    --data ${RT_DATA}/bz2.idx ${RT_DATA}/labels.idx)
runtime_expect(error.idx_label_range 1
    "labels_big.idx: byte 15 \\(example 8\\): label 12 is not a class index 0..9 \\(the model has 10 classes\\)"
    --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels_big.idx)
runtime_expect(error.idx_label_count 1 "labels_short.idx: byte 4: holds 10 labels, but the features file holds 20 examples"
    --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels_short.idx)
runtime_expect(error.idx_shape 1 "small.idx: byte 4: each example has 196 values, but the model input \\(28, 28, 1\\) has 784"
    --data ${RT_DATA}/small.idx ${RT_DATA}/labels.idx)
runtime_expect(error.idx_huge_count_limit 1
    "huge_count.idx: byte 16: expected 15680 bytes of pixels \\(20 examples of 28x28\\), the file ends after 3920"
    --data ${RT_DATA}/huge_count.idx ${RT_DATA}/labels.idx --limit 20)
runtime_expect(error.idx_huge_count_all 1
    "huge_count.idx: byte 16: the header announces 1683627179248 bytes of pixels \\(2147483647 examples of 28x28\\), more than the file's 3936 bytes can hold"
    --data ${RT_DATA}/huge_count.idx ${RT_DATA}/labels.idx)
runtime_expect(error.not_a_file 1 "cannot read /dev/zero: not a regular file"
    --data /dev/zero ${RT_DATA}/labels.idx)
runtime_expect(error.idx_layout 1 "wide.idx: byte 4: each example is \\(14, 56\\), but the model input is \\(28, 28, 1\\). if the model means to read it differently, say so in it \\(input \\(14, 56\\), or input_shape=\\(14, 56\\) on its first layer. then reshape"
    --data ${RT_DATA}/wide.idx ${RT_DATA}/labels.idx)
runtime_expect(error.idx_no_labels 1 "imgs.idx: IDX features need a labels file" --data ${RT_DATA}/imgs.idx)
runtime_expect(error.missing_file 1 "cannot open .*/nope.idx: No such file or directory"
    --data ${RT_DATA}/nope.idx ${RT_DATA}/labels.idx)
runtime_expect(error.csv_ragged 1 "ragged.csv:6: expected 785 fields like the header, found 784"
    --data ${RT_DATA}/ragged.csv)
# Fields separated by spaces, as np.savetxt writes them by default: said so (before only
# "rows have 1 columns (0 features and a label)").
add_test(NAME runtime.error.csv_spaces COMMAND ${RT_EXPECT} 1
         "spaces.csv:1: rows have 1 column \\(0 features and a label\\), but the model input \\(28, 28, 1\\) has 784 values. its first line has no ',', ';' or tab between fields, but spaces \\(as np.savetxt writes unless told delimiter=','\\)"
         sh -c "mkdir -p \"$2\" && tr ',' ' ' < \"$1/data.csv\" > \"$2/spaces.csv\" && exec \"$0\" --data \"$2/spaces.csv\""
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/spaces)
set_tests_properties(runtime.error.csv_spaces PROPERTIES FIXTURES_REQUIRED rt_data)
# A training file without a header line (np.savetxt writes none): its first example is
# read as the header, as the model says, but with a note (before: dropped without a word);
# pandas' column names 0, 1, 2, ... get none.
add_test(NAME runtime.data.csv_numbers_header COMMAND ${RT_EXPECT} 0
         "nohdr.csv:1: note: this line is read as the header .*, but it holds only numbers. if it is an example, add a header line \\(or give the model's csv\\(\\) header=false\\)"
         sh -c "mkdir -p \"$2\" && tail -n +2 \"$1/data.csv\" > \"$2/nohdr.csv\" && exec \"$0\" --data \"$2/nohdr.csv\" --epochs 1 --quiet"
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/nohdr)
set_tests_properties(runtime.data.csv_numbers_header PROPERTIES FIXTURES_REQUIRED rt_data)
# Class names after ', ': the blank before a name is part of it, as pandas reads it; the
# message says that the name without its blanks is a class (before: only "unknown class").
add_test(NAME runtime.error.csv_spaced_class COMMAND ${RT_EXPECT} 1
         "spaced.csv:2: column 785: unknown class ' Trouser' \\(.*\\). without the blanks around it, it is one"
         sh -c "mkdir -p \"$2\" && awk -F, 'BEGIN { OFS = \", \" } NR > 1 { $NF = \"Trouser\" } { $1 = $1; print }' \"$1/data.csv\" > \"$2/spaced.csv\" && exec \"$0\" --data \"$2/spaced.csv\""
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/spaced)
set_tests_properties(runtime.error.csv_spaced_class PROPERTIES FIXTURES_REQUIRED rt_data)
# A test file with the training file's columns in another order: an error naming both
# (before: each feature went to the input of the column at its place in the training file,
# and the run reported the test metrics of shuffled inputs); a header renamed in the same
# order, which nothing can match, is read.
add_test(NAME runtime.error.csv_reordered COMMAND ${RT_EXPECT} 1
         "swapped.csv:1: column 1 is 'p1', but feature 1 of .*data.csv \\(the first data file of this run\\) is 'p0', which this file has as column 2. the model reads the features by position"
         sh -c "mkdir -p \"$2\" && awk -F, 'BEGIN { OFS = \",\" } { t = $1; $1 = $2; $2 = t; print }' \"$1/data.csv\" > \"$2/swapped.csv\" && exec \"$0\" --data \"$1/data.csv\" --test \"$2/swapped.csv\" --epochs 1"
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/reordered)
add_test(NAME runtime.data.csv_renamed COMMAND ${RT_EXPECT} 0 "Test: 20 examples - test_loss"
         sh -c "mkdir -p \"$2\" && awk -F, 'BEGIN { OFS = \",\" } NR == 1 { for (i = 1; i < NF; i++) $i = \"q\" i } { print }' \"$1/data.csv\" > \"$2/renamed.csv\" && exec \"$0\" --data \"$1/data.csv\" --test \"$2/renamed.csv\" --epochs 1 --quiet"
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/renamed)
set_tests_properties(runtime.error.csv_reordered runtime.data.csv_renamed PROPERTIES FIXTURES_REQUIRED rt_data)
runtime_expect(error.csv_number 1 "notnum.csv:4: column 6: expected a number, found 'abc'"
    --data ${RT_DATA}/notnum.csv)
runtime_expect(error.npy_nan 1 "nan.npy: byte 9564 \\(example 4, value 8\\): NaN. the data must be finite numbers"
    --data ${RT_DATA}/nan.npy ${RT_DATA}/y.npy)
# A number float32 cannot hold is named as such, where it is (not as an "infinity").
runtime_expect(error.csv_float32_range 1 "big.csv:4: column 6: '1e39' is out of range for float32"
    --data ${RT_DATA}/big.csv)
runtime_expect(error.npy_float32_range 1 "big64.npy: byte 12712 \\(example 3\\): 1e\\+39 is out of range for float32"
    --data ${RT_DATA}/big64.npy ${RT_DATA}/y.npy)
runtime_expect(error.csv_no_label 1 "nolabel.csv:4: column 785: the label is missing"
    --data ${RT_DATA}/nolabel.csv)
runtime_expect(error.npy_header 1 "badhdr.npy: byte 10: the header lacks 'shape'"
    --data ${RT_DATA}/badhdr.npy ${RT_DATA}/y.npy)
runtime_expect(error.npy_truncated 1 "trunc.npy: byte 128: expected 62720 bytes of <f4 values \\(shape \\(20, 28, 28\\)\\), the file ends after 31360"
    --data ${RT_DATA}/trunc.npy ${RT_DATA}/y.npy)
runtime_expect(error.npy_huge_shape 1
    "huge_shape.npy: byte 128: the header announces 313600000000000 bytes of <f4 values, more than the file's 62848 bytes can hold"
    --data ${RT_DATA}/huge_shape.npy ${RT_DATA}/y.npy)
runtime_expect(error.npy_dtype 1
    "complex.npy: byte 10: dtype '<c8' is not supported \\(use float16, float32, float64, bool or integers\\)"
    --data ${RT_DATA}/complex.npy ${RT_DATA}/y.npy)
# float16 ('<f2', as numpy users often save) is read, exactly (before: "dtype '<f2' is not
# supported"); a NaN or infinity in it is the error a float32 file's gets.
runtime_expect(error.npy_f2_nan 1 "nan16.npy: byte 4846 \\(example 4, value 8\\): NaN. the data must be finite numbers"
    --data ${RT_DATA}/nan16.npy ${RT_DATA}/y.npy)
runtime_expect(error.npy_f2_inf 1 "inf16.npy: byte 4846 \\(example 4, value 8\\): infinity. the data must be finite numbers"
    --data ${RT_DATA}/inf16.npy ${RT_DATA}/y.npy)
runtime_expect(data.npy_f2 0 "Test: 20 examples - test_loss"
    --data ${RT_DATA}/x16.npy ${RT_DATA}/y.npy --test ${RT_DATA}/x16.npy ${RT_DATA}/y.npy --epochs 1)
runtime_expect(error.npy_label_fraction 1 "y_frac.npy: byte 160 \\(example 5\\): label 3.5 is not an integer class index"
    --data ${RT_DATA}/x64.npy ${RT_DATA}/y_frac.npy)
# Labels of a shape the model does not take: the message names the shapes it takes and,
# for one-hot rows (here with a size-1 axis), the way to class indices (before: "the
# model needs 1 label value per example (class indices: np.argmax(y, axis=1))", which for
# (N, 1, 10) gives all zeros).
runtime_expect(error.npy_label_shape 1
    "y_onehot_n110.npy: byte 10: labels of shape \\(20, 1, 10\\), but the model takes class indices, shape \\(20,\\) or \\(20, 1\\). for one-hot rows, use loss = categorical_crossentropy, or give their class indices: np.argmax\\(y.reshape\\(len\\(y\\), -1\\), axis=1\\)"
    --data ${RT_DATA}/x32.npy ${RT_DATA}/y_onehot_n110.npy)
runtime_expect(error.nan_loss 1 "the training loss became (NaN|infinity) at epoch 1, step [2-5]. try a lower learning rate"
    --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --lr 1e30 --batch 4 --quiet)

# Good data in every format trains and tests.
runtime_expect(data.idx_gz 0 "Test: 20 examples - test_loss: [0-9.]+ - test_accuracy"
    --data ${RT_DATA}/imgs.idx.gz ${RT_DATA}/labels.idx.gz --test ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx)
runtime_expect(data.csv 0 "Test: 20 examples - test_loss"
    --data ${RT_DATA}/data.csv --test ${RT_DATA}/data.csv)
runtime_expect(data.npy_f4 0 "Test: 20 examples - test_loss"
    --data ${RT_DATA}/x32.npy ${RT_DATA}/y.npy --test ${RT_DATA}/x64.npy ${RT_DATA}/y.npy)
runtime_expect(data.limit 0 "ref: 7850 parameters \\(f32\\), 8 training examples"
    --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --test ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --limit 8)

# The command line.
runtime_expect(cli.help 0 "--resume FILE .*continue an interrupted run" --help)
runtime_expect(cli.unknown 2 "error: unknown option '--bogus'" --bogus)
# An unknown option near a known one says which (before: only "unknown option"): a
# misspelling, one dash, another case, Keras' --batch_size; '--' ends the options, and
# the trainer takes no arguments after it (before: "unknown option '--'").
runtime_expect(cli.unknown_near 2 "error: unknown option '--epoch'. did you mean --epochs\\?" --epoch 3)
# Keras' fit()/compile() arguments that the model fixes when compiled say where they go.
runtime_expect(cli.unknown_model_setting 2 "error: unknown option '--validation_split'. the validation split \\(validation = 0.2\\) is the model's: write it in the .nn file's train block and compile it again" --validation_split 0.2)
runtime_expect(cli.unknown_dash 2 "error: unknown option '-h'. did you mean --help\\?" -h)
# Two letters swapped are one edit, as in nnlc's own suggestions (before: two, over the
# limit of a four-letter name, so no suggestion).
runtime_expect(cli.unknown_swapped 2 "error: unknown option '--laod'. did you mean --load\\?" --laod x)
runtime_expect(cli.unknown_keras 2 "error: unknown option '--batch_size=64'. did you mean --batch\\?"
    --batch_size=64)
# The arguments an error quotes are escaped, as a file's text is: an ESC in a mistyped
# option reached the terminal and recolored it.
string(ASCII 27 RT_ESC)
runtime_expect(cli.unknown_escaped 2 "error: unknown option '--.x1b.31mx'$" "--${RT_ESC}[31mx")
runtime_expect(cli.value_escaped 2 "error: --epochs expects a positive integer, got '.x1b.2J'$"
    --epochs "${RT_ESC}[2J")
runtime_expect(cli.after_dashes 2
    "error: unexpected argument '--quiet' after '--' \\(the trainer takes options only\\)" -- --quiet)
runtime_expect(cli.dashes_last 0 "ref: 7850 parameters"
    --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --epochs 1 --)
# 1e400 is a positive number, but no double: the refusal says why (before: only "expects a
# positive number").
runtime_expect(cli.lr_range 2
    "error: --lr expects a positive number, got '1e400', beyond a double's range \\(about 1.8e308\\)"
    --lr 1e400)
runtime_expect(cli.lr_tiny 2 "error: --lr expects a positive number, got '1e-400', too small for a double"
    --lr 1e-400)
# A positive --lr that float32, the f32 trainer's precision, rounds to 0 trained nothing and
# said nothing; 1e-44 is still a float32 (a subnormal one).
runtime_expect(cli.lr_float32_zero 2 "error: --lr 1e-50 is 0 as a float32 number, the trainer's precision"
    --lr 1e-50)
runtime_expect(cli.lr_float32_subnormal 0 "ref: 7850 parameters"
    --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --epochs 1 --lr 1e-44)
runtime_expect(cli.bad_value 2 "error: --epochs expects a positive integer, got 'x'" --epochs x)
runtime_expect(cli.conflict 2 "error: --load and --resume cannot be used together" --load a --resume b)
runtime_expect(cli.save_directory 1 "--save: .*rt_data is a directory. give a file name"
    --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --save ${RT_DATA})
# A --save path where no file can be created is refused before the data is read (so
# before any training; the data file here does not even exist): /proc lets root write
# into it (access() says yes), but creates no file, so the first save failed after the
# first epoch. A missing directory too. (A new file's name: an existing one, such as
# /proc/version, is refused first as read-only, mode 0444.)
runtime_expect(cli.save_unwritable 1
    "--save: cannot write /proc/nnrt-save.safetensors: its temporary copy /proc/nnrt-save.safetensors.tmp.[0-9]+.0 cannot be created: [A-Za-z]"
    --data ${RT_DATA}/missing.idx ${RT_DATA}/labels.idx --save /proc/nnrt-save.safetensors)
runtime_expect(cli.save_missing_dir 1 "--save: cannot write into /nonexistent-dir: No such file"
    --data ${RT_DATA}/missing.idx ${RT_DATA}/labels.idx --save /nonexistent-dir/m.safetensors)
# A file name over NAME_MAX (255 bytes): the temporary copy's name is cut to fit, so it was
# created, and the rename failed after the first epoch ("cannot write ...: File name too
# long"); refused before the data is read (here missing), as other unwritable names are.
string(REPEAT "n" 252 RT_LONG_NAME)
runtime_expect(cli.save_name_too_long 1
    "--save: cannot write .*/n+.safetensors: its name is 266 bytes long, and a file name has at most 255. give a shorter one$"
    --data ${RT_DATA}/missing.idx ${RT_DATA}/labels.idx --save ${RT_DATA}/${RT_LONG_NAME}nn.safetensors)
# A path under a file, and one ending in '/': the directory check asked access(), which
# says EACCES of a file (it lacks x), so "cannot write into labels.idx: Permission denied";
# a trailing '/' was "cannot write into m.safetensors: Permission denied" of the file it
# follows, or the missing directory; an existing directory's hint doubled its '/'.
runtime_expect(cli.save_under_file 1
    "--save: cannot write into .*/labels.idx: it is a file, not a directory"
    --data ${RT_DATA}/missing.idx ${RT_DATA}/labels.idx --save ${RT_DATA}/labels.idx/m.safetensors)
runtime_expect(cli.save_trailing_slash 1
    "--save: .*/labels.idx/ ends in '/', so it names a directory, not a file. give a file name"
    --data ${RT_DATA}/missing.idx ${RT_DATA}/labels.idx --save ${RT_DATA}/labels.idx/)
runtime_expect(cli.save_directory_slash 1
    "--save: .*rt_data/ is a directory. give a file name such as .*rt_data/model.safetensors"
    --data ${RT_DATA}/missing.idx ${RT_DATA}/labels.idx --save ${RT_DATA}/)
# --save and --history with a mode that does not train wrote nothing, and exited 0.
runtime_expect(cli.save_evaluate 2
    "error: --save writes what training gives, and --evaluate does not train: it would write nothing"
    --load ${RT_DATA}/missing.safetensors --evaluate --save ${RT_WORK}/never.safetensors)
runtime_expect(cli.history_predict 2
    "error: --history writes what training gives, and --predict does not train"
    --load ${RT_DATA}/missing.safetensors --predict ${RT_DATA}/x32.npy --history ${RT_WORK}/never.csv)
runtime_expect(cli.save_gradcheck 2 "error: --save writes what training gives, and --gradcheck does not train"
    --gradcheck --save ${RT_WORK}/never.safetensors)
runtime_expect(cli.history_unwritable 1 "--history: cannot write /nonexistent-dir/h.csv: No such file"
    --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --history /nonexistent-dir/h.csv)
# A --data or --test the mode would not read is refused (exit 2), not silently unused:
# --evaluate evaluated the test set and --predict predicted, the user's file unread
# (a model that standardizes reads --data when the checkpoint lacks the statistics).
runtime_expect(cli.evaluate_data 2
    "error: --data .*/imgs.idx: --evaluate reads no training data here. it evaluates the test set \\(--test's\\): to evaluate on this file, give it as --test PATH \\[LABELS\\]$"
    --evaluate --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --test ${RT_DATA}/imgs.idx.gz ${RT_DATA}/labels.idx.gz)
runtime_expect(cli.predict_data 2
    "error: --data .*/imgs.idx: --predict reads no training data here \\(the model standardizes nothing\\)"
    --predict ${RT_DATA}/x32.npy --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx)
runtime_expect(cli.predict_test 2
    "error: --test .*/imgs.idx: --predict reads no test set \\(it predicts for the examples of its FILE\\)"
    --predict ${RT_DATA}/x32.npy --test ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx)
runtime_expect(cli.gradcheck_test 2 "error: --test .*/imgs.idx: --gradcheck reads no test set"
    --gradcheck --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --test ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx)
# --predict IMAGES LABELS, as --data takes them: "unknown argument 'LABELS'" named neither
# the option nor why; now the option, and for --predict where labelled data goes.
runtime_expect(cli.predict_two_files 2
    "error: --predict takes one file. unexpected '.*/labels.idx' after '.*/imgs.idx' \\(predictions need no labels. to score the model on labelled data: --evaluate --test PATH \\[LABELS\\]\\)$"
    --predict ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx)
# A CSV file holds its labels: a second operand is refused, not silently unused.
runtime_expect(cli.csv_extra_operand 2 "error: --data: a CSV file holds its own labels. unexpected 'extra.csv'"
    --data ${RT_DATA}/data.csv extra.csv)
runtime_expect(cli.csv_extra_operand_test 2 "error: --test: a CSV file holds its own labels. unexpected '.*/y.npy'"
    --data ${RT_DATA}/data.csv --test ${RT_DATA}/data.csv ${RT_DATA}/y.npy)
# --data given again replaces both operands (before: the first one's labels were read with
# the second one's images); --data=PATH takes its labels operand too.
runtime_expect(cli.data_twice 1 "imgs.idx: IDX features need a labels file"
    --data ${RT_DATA}/small.idx ${RT_DATA}/labels.idx --data ${RT_DATA}/imgs.idx)
runtime_expect(cli.data_equals 0 "ref: 7850 parameters \\(f32\\), 20 training examples"
    --data=${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --test=${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx)
runtime_expect(cli.missing_value 2 "error: --save needs a value \\(FILE\\)" --save)
# Keras' fit(verbose=) is 0, 1 or 2; --shuffle and --no-shuffle are flags.
runtime_expect(cli.verbose_range 2 "error: --verbose expects 0 to 2 or auto, got '3'" --verbose 3)
runtime_expect(cli.verbose_plus 2 "error: --verbose expects 0 to 2 or auto, got '\\+2'" --verbose +2)
runtime_expect(cli.verbose_auto 0 "Epoch 1/1"
    --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx --epochs 1 --verbose auto)
# A path option without its value does not take the next option as its file (--save
# --quiet wrote a checkpoint named --quiet and trained verbosely).
runtime_expect(cli.value_is_option 2
    "error: --save needs a value \\(FILE\\), but the next argument is the option '--quiet' \\(a file of that name is ./--quiet, or --save=--quiet\\)"
    --save --quiet)
runtime_expect(cli.no_shuffle_value 2 "error: --no-shuffle takes no value" --no-shuffle=1)
# --limit N with --predict: the first N rows of the file (before: every row, and an IDX
# file going on after its announced pixels was refused even past the rows asked for).
add_test(NAME runtime.predict.limit COMMAND ${RT_EXPECT} 0 "^rows 5, last 4$"
         sh -c "\"$0\" --predict \"$1\" --limit 5 | awk -F, 'NR > 1 { last = $1 } END { print \"rows \" NR - 1 \", last \" last }'"
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA}/trail.idx)
# A Fortran-order .npy (np.save of an F-contiguous array, such as pandas' df.values) is
# read as the same examples as the C-order one, with --limit too (before: refused).
add_test(NAME runtime.data.npy_fortran COMMAND ${RT_EXPECT} 0 "^same$"
         sh -c "mkdir -p \"$3\" && \"$0\" --predict \"$1\" --limit 7 > \"$3/c.csv\" &&
                \"$0\" --predict \"$2\" --limit 7 > \"$3/f.csv\" && \"$0\" --predict \"$2\" > /dev/null &&
                cmp \"$3/c.csv\" \"$3/f.csv\" && echo same"
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA}/x32.npy ${RT_DATA}/x32_fortran.npy ${RT_WORK}/fortran)
# float16 pixels predict what the same float32 pixels do.
add_test(NAME runtime.data.npy_f2_same COMMAND ${RT_EXPECT} 0 "^same$"
         sh -c "mkdir -p \"$3\" && \"$0\" --predict \"$1\" > \"$3/f4.csv\" &&
                \"$0\" --predict \"$2\" > \"$3/f2.csv\" && cmp \"$3/f4.csv\" \"$3/f2.csv\" && echo same"
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA}/x32.npy ${RT_DATA}/x16.npy ${RT_WORK}/f2)
set_tests_properties(runtime.predict.limit runtime.data.npy_fortran runtime.data.npy_f2_same
                     PROPERTIES FIXTURES_REQUIRED rt_data)

# Gradients of the reference model against finite differences.
function(runtime_gradcheck name trainer code regex)
    add_test(NAME runtime.gradcheck.${name}
             COMMAND ${RT_EXPECT} ${code} ${regex} $<TARGET_FILE:${trainer}> --gradcheck
                     --data ${RT_DATA}/imgs.idx ${RT_DATA}/labels.idx ${ARGN})
    set_tests_properties(runtime.gradcheck.${name} PROPERTIES FIXTURES_REQUIRED rt_data)
endfunction()
runtime_gradcheck(f64 rt_ref_f64 0 "gradcheck: passed: 4 tensors, max error .* <= 1e-06")
runtime_gradcheck(f32 rt_ref_f32_hidden 0 "gradcheck: passed: 4 tensors, max error .* <= 0.01")
runtime_gradcheck(f64_wrong_backward rt_ref_f64_bug 1 "dense.b .*FAIL")
runtime_gradcheck(f64_tolerance rt_ref_f64 1 "FAILED: [1-4] of 4 tensors exceed the tolerance 1e-15" --tolerance 1e-15)

# Whole runs.
add_test(NAME runtime.resume COMMAND ${NNRT_TEST_DIR}/resume.sh $<TARGET_FILE:rt_ref_f64_aug> ${RT_DATA} ${RT_WORK}/resume)
add_test(NAME runtime.threads COMMAND ${NNRT_TEST_DIR}/threads.sh $<TARGET_FILE:rt_ref_f64> ${RT_DATA} ${RT_WORK}/threads)
add_test(NAME runtime.checkpoint COMMAND ${NNRT_TEST_DIR}/checkpoint.sh $<TARGET_FILE:rt_ref_f32>
                                         $<TARGET_FILE:rt_ref_f64> ${RT_DATA} ${RT_WORK}/checkpoint)
add_test(NAME runtime.interrupt COMMAND ${NNRT_TEST_DIR}/interrupt.sh $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/interrupt)
add_test(NAME runtime.closed_streams COMMAND ${NNRT_TEST_DIR}/closed_streams.sh $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/closed_streams)
set_tests_properties(runtime.resume runtime.threads runtime.checkpoint runtime.interrupt
                     runtime.closed_streams PROPERTIES FIXTURES_REQUIRED rt_data)
add_test(NAME runtime.e2e_fashion COMMAND ${NNRT_TEST_DIR}/e2e_fashion.sh $<TARGET_FILE:rt_ref_f32_adam>)
set_tests_properties(runtime.e2e_fashion PROPERTIES SKIP_RETURN_CODE 77)
add_test(NAME runtime.regression COMMAND ${NNRT_TEST_DIR}/regression.sh $<TARGET_FILE:rt_ref_linear> ${RT_DATA} ${RT_WORK}/regression)
add_test(NAME runtime.gradcheck.regression COMMAND ${RT_EXPECT} 0 "gradcheck: passed: 2 tensors"
         $<TARGET_FILE:rt_ref_linear> --gradcheck --data ${RT_DATA}/series.csv)
add_test(NAME runtime.error.series_gap COMMAND ${RT_EXPECT} 1 "series_gap.csv:102: a blank line inside a series"
         $<TARGET_FILE:rt_ref_linear> --data ${RT_DATA}/series_gap.csv)
add_test(NAME runtime.error.series_float32_range
         COMMAND ${RT_EXPECT} 1 "series_big.csv:3: column 2: '1e39' is out of range for float32"
         $<TARGET_FILE:rt_ref_linear> --data ${RT_DATA}/series_big.csv)
# --history naming a data file of the run: a series whose header starts "epoch," (Unix
# times) looked like a history file and was replaced by the history (before: exit 0, the
# data gone); now refused before the first epoch, the file left as it is.
add_test(NAME runtime.cli.history_is_data
         COMMAND ${RT_EXPECT} 1 "--history: .*/epoch_series.csv is a data file of this run .*it is left as it is"
         sh -c "mkdir -p \"$2\" && sed '1s/^t,/epoch,/' \"$1/series.csv\" > \"$2/epoch_series.csv\" &&
                cp \"$2/epoch_series.csv\" \"$2/epoch_series.orig\" &&
                { \"$0\" --data \"$2/epoch_series.csv\" --history \"$2/epoch_series.csv\" --epochs 1; rc=$?; } &&
                cmp -s \"$2/epoch_series.csv\" \"$2/epoch_series.orig\" || { echo 'FAIL: the data file was replaced'; exit 3; };
                exit $rc"
         $<TARGET_FILE:rt_ref_linear> ${RT_DATA} ${RT_WORK}/history_data)
set_tests_properties(runtime.regression runtime.gradcheck.regression runtime.error.series_gap
                     runtime.cli.history_is_data
                     runtime.error.series_float32_range
                     PROPERTIES FIXTURES_REQUIRED rt_data)
# A named pipe (mkfifo) that no process reads or writes: --history waited in fopen forever,
# with Ctrl-C and SIGTERM deferred as training had begun (only SIGKILL ended it), and
# --load waited in fopen before looking at what the file is. Now an error each, at once
# (timeout -s KILL bounds a regression).
add_test(NAME runtime.cli.history_fifo
         COMMAND ${RT_EXPECT} 1 "error: --history: cannot write .*/h.fifo: it is a named pipe that no process reads$"
         sh -c "mkdir -p \"$2\" && rm -f \"$2/h.fifo\" && mkfifo \"$2/h.fifo\" &&
                exec timeout -s KILL 60 \"$0\" --data \"$1/imgs.idx\" \"$1/labels.idx\" --epochs 1 --history \"$2/h.fifo\""
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/fifo)
add_test(NAME runtime.cli.load_fifo
         COMMAND ${RT_EXPECT} 1 "error: .*/ck.fifo: not a regular file \\(a checkpoint is a .safetensors file\\)$"
         sh -c "mkdir -p \"$2\" && rm -f \"$2/ck.fifo\" && mkfifo \"$2/ck.fifo\" &&
                exec timeout -s KILL 60 \"$0\" --load \"$2/ck.fifo\" --predict \"$1/x32.npy\""
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/fifo)
set_tests_properties(runtime.cli.history_fifo runtime.cli.load_fifo PROPERTIES FIXTURES_REQUIRED rt_data)
# The final save after training wrote again what the last epoch's save had just written:
# the checkpoint's time and room twice, and with room for one copy only the run failed
# ("No space left on device", exit 1) with the checkpoint saved whole. One rename per
# epoch (3), then, with --resume and nothing left to train, one to write --save's file.
# Counted with strace (skipped without it, or where it may not trace).
add_test(NAME runtime.save_once_per_epoch
         COMMAND sh -c "command -v strace > /dev/null && strace -o /dev/null true 2> /dev/null || exit 77
                mkdir -p \"$2\" && rm -f \"$2\"/*.safetensors \"$2\"/*.log &&
                a=$(strace -f -e trace=rename,renameat,renameat2 -o \"$2/a.log\" \"$0\" --data \"$1/imgs.idx\" \"$1/labels.idx\" --epochs 3 --save \"$2/a.safetensors\" --quiet > /dev/null && grep -c 'rename.* = 0$' \"$2/a.log\") &&
                b=$(strace -f -e trace=rename,renameat,renameat2 -o \"$2/b.log\" \"$0\" --data \"$1/imgs.idx\" \"$1/labels.idx\" --epochs 3 --resume \"$2/a.safetensors\" --save \"$2/b.safetensors\" --quiet > /dev/null && grep -c 'rename.* = 0$' \"$2/b.log\") &&
                cmp \"$2/a.safetensors\" \"$2/b.safetensors\" &&
                if [ \"$a $b\" = '3 1' ]; then echo 'one save per epoch'; else echo \"FAIL: $a and $b renames, expected 3 and 1\"; exit 1; fi"
         $<TARGET_FILE:rt_ref_f32> ${RT_DATA} ${RT_WORK}/save_once)
set_tests_properties(runtime.save_once_per_epoch PROPERTIES FIXTURES_REQUIRED rt_data SKIP_RETURN_CODE 77)
