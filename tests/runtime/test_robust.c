/*
 * test_robust.c — regression tests for what fuzzing the runtime's readers found
 * (tests/fuzz/runtime): each input below once crashed, hung, took memory out of proportion
 * to the file, or drew a message that did not say clearly what was wrong. Files are
 * written to a fresh temporary directory; tests that bound memory run in a child process
 * and read its peak resident size.
 */
#include "check.h"
#include "checkpoint.h"
#include "fixtures.h"
#include "data.h"
#include "dataset.h"
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

/* An error message is one line of printable text. */
#define ASSERT_ONE_LINE(msg)                                                                   \
    check(one_line(msg), #msg, __FILE__, __LINE__, "\"%s\" holds a control character", (msg))

static bool one_line(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* Bytes to a file in the scratch directory; a failed write ends the tests. */
static void write_file(const char *path, const void *data, size_t n) {
    if (!fx_write(path, data, n, false)) {
        perror(path);
        exit(1);
    }
}

/* ---- a model: input (2, 2, 1), 3 classes ---- */

static void noop(NnrtCtx *c) { (void)c; }
static double zero_loss(NnrtCtx *c) { (void)c; return 0; }

static const NnrtTensor tensors[] = {
    {"dense.W", 2, {4, 3}, 0, 12, 1, NNRT_INIT_GLOROT_UNIFORM, 4, 3, 0, {.seeded = 0}},
    {"dense.b", 1, {3}, 12, 3, 1, NNRT_INIT_ZEROS, 4, 3, 0, {.seeded = 0}},
};

static NnrtModel make_model(void) {
    NnrtModel m = {
        .abi_version = NNRT_ABI_VERSION, .name = "tiny", .source = "tiny.nn",
        .fingerprint = 0x1234, .elem_size = 4,
        .input_rank = 3, .input_dims = {2, 2, 1}, .input_size = 4,
        .n_outputs = 3, .task = NNRT_TASK_CLASSIFY, .loss = NNRT_LOSS_SPARSE_CATEGORICAL_CE,
        .n_classes = 3, .tensors = tensors, .n_tensors = 2, .param_size = 15,
        .opt_state_size = 30, .forward = noop, .loss_fn = zero_loss, .backward = noop,
        .update = noop, .optimizer = "adam", .lr = 0.001, .epochs = 1, .batch = 4, .seed = 7,
        .shuffle = 1, .verbose = 1,
    };
    return m;
}

/* Reads src for the model (with labels or features only); returns whether it was
 * accepted. */
static bool read_data(const NnrtDataSource *src, bool labels, ClassVocab *v, NnrtError *err) {
    NnrtModel m = make_model();
    DataSpec spec = fx_spec(&m, v);
    spec.labels = labels;
    Table t;
    bool ok = nnrt_read_source(src, &spec, &t, err);
    if (ok)
        nnrt_table_free(&t);
    return ok;
}

/* Reads a CSV text (header, label last) for the model; returns whether it was accepted. */
static bool read_csv(const char *name, const char *text, size_t len, ClassVocab *v,
                     NnrtError *err) {
    write_file(tmp(name), text, len);
    NnrtDataSource src = {.kind = NNRT_DATA_CSV, .features_path = tmp(name), .scale = 1,
                          .csv_header = 1, .csv_label_index = -1};
    return read_data(&src, true, v, err);
}

/* ---- memory: the peak resident size of a child running f ---- */

static long child_peak_kb(void (*f)(void)) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        f();
        _exit(0);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    return ru.ru_maxrss;
}

static void nothing(void) {}

/* A child running f, which must succeed, peaks within 64 MB of a child doing nothing;
 * `input` says what f reads, for the message. */
#define ASSERT_SMALL_PEAK(f, input)                                                            \
    do {                                                                                       \
        long base_ = child_peak_kb(nothing), peak_ = child_peak_kb(f);                         \
        check(base_ > 0 && peak_ > 0 && peak_ - base_ < 64 * 1024, #f, __FILE__, __LINE__,     \
              "%s took %ld kB (a child doing nothing: %ld kB)", (input), peak_ - base_,        \
              base_);                                                                          \
    } while (0)

/* ---- CSV ---- */

/* A quote inside a field (0"4) opens nothing, but the row's buffer was sized by a scan
 * that took it for an opening quote: the field after it, quoted across a long second
 * line, was copied past the end of a buffer of a few bytes (heap overflow, found by
 * fuzz_csv). The tokenizer now sizes a row with the scan that copies it. */
static void test_csv_quote_inside_field(void) {
    size_t n = 100000;
    char *text = malloc(n + 64);
    size_t k = (size_t)sprintf(text, "1;0\"4;3;\"\n");
    memset(text + k, 'A', n);
    k += n;
    k += (size_t)sprintf(text + k, ";\"x\"\n5;6;7;8\n");
    CsvReader r;
    NnrtError err = {0};
    nnrt_csv_init(&r, "q.csv", text, k);
    ASSERT_TRUE(nnrt_csv_next(&r, &err) == 1);
    ASSERT_TRUE(r.nfields == 4);
    if (r.nfields == 4) {
        ASSERT_TRUE(strcmp(r.fields[1], "0\"4") == 0);
        ASSERT_TRUE(strlen(r.fields[3]) == 1 + n + 1 + 2); /* \n, the A's, ;, then x" */
        ASSERT_TRUE(r.fields[3][0] == '\n' && strcmp(r.fields[3] + 1 + n, ";x\"") == 0);
    }
    ASSERT_TRUE(nnrt_csv_next(&r, &err) == 1 && r.line == 3 && r.nfields == 4);
    ASSERT_TRUE(nnrt_csv_next(&r, &err) == 0);
    nnrt_csv_free(&r);
    free(text);
}

/* Messages quote fields; a line break (a quoted field) or another control byte used to
 * reach the terminal as it was: two-line errors, a CR overwriting the line. */
static void test_messages_one_line(void) {
    ClassVocab v = {0};
    NnrtError err = {0};
    const char nl[] = "a,b,c,d,y\n1,\"2\n3\",4,5,0\n";
    ASSERT_TRUE(!read_csv("nl.csv", nl, sizeof nl - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "nl.csv:2: column 2: expected a number, found '2\\n3'");
    ASSERT_ONE_LINE(err.msg);
    const char esc[] = "a,b,c,d,y\n1,2\x1b[2J\r,4,5,0\n";
    ASSERT_TRUE(!read_csv("esc.csv", esc, sizeof esc - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "found '2\\x1b[2J'"); /* the CR before the comma ends the field */
    ASSERT_ONE_LINE(err.msg);
    const char label[] = "a,b,c,d,y\n1,2,3,4,0\n1,2,3,4,\"x\ny\"\n";
    ASSERT_TRUE(!read_csv("nl_label.csv", label, sizeof label - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "other labels are class names ('x\\ny' on line 3)");
    ASSERT_ONE_LINE(err.msg);
    nnrt_vocab_free(&v);
}

/* A file in another encoding than UTF-8: its labels were kept as class names of raw bytes
 * (a checkpoint's JSON header then held them, and --predict printed them), and a message
 * quoting one sent the bytes, or a C1 control (U+009B, a terminal's CSI), to the terminal. */
static void test_labels_not_utf8(void) {
    ClassVocab v = {0};
    NnrtError err = {0};
    const char latin1[] = "a,b,c,d,y\n1,2,3,4,dog\n1,2,3,4,caf\xe9\n";
    ASSERT_TRUE(!read_csv("latin1.csv", latin1, sizeof latin1 - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "latin1.csv:3: column 5: label 'caf\\xe9' is not UTF-8 text (byte "
                             "4 of it): the file is in another encoding");
    const char c1[] = "a,b,c,d,y\n1,\xc2\x9b" "2J,3,4,dog\n";
    ASSERT_TRUE(!read_csv("c1.csv", c1, sizeof c1 - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "c1.csv:2: column 2: expected a number, found '\\xc2\\x9b2J'");
    /* an ESC in a class name went out raw with --predict's classes */
    const char esc[] = "a,b,c,d,y\n1,2,3,4,dog\n1,2,3,4,\x1b[31mcat\n";
    ASSERT_TRUE(!read_csv("esc.csv", esc, sizeof esc - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "esc.csv:3: column 5: label '\\x1b[31mcat' holds a control "
                             "character (byte 1 of it)");
    const char csi[] = "a,b,c,d,y\n1,2,3,4,dog\n1,2,3,4,c\xc2\x9b" "2Jat\n";
    ASSERT_TRUE(!read_csv("csi.csv", csi, sizeof csi - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "csi.csv:3: column 5: label 'c\\xc2\\x9b2Jat' holds a control "
                             "character (byte 2 of it)");
    /* a right-to-left override reorders what a terminal shows after it */
    const char rlo[] = "a,b,c,d,y\n1,2,3,4,dog\n1,2,3,4,c\xe2\x80\xae" "tac\n";
    ASSERT_TRUE(!read_csv("rlo.csv", rlo, sizeof rlo - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "rlo.csv:3: column 5: label 'c\\xe2\\x80\\xaetac' holds a "
                             "control character (byte 2 of it)");
    const char utf8[] = "a,b,c,d,y\n1,2,3,4,caf\xc3\xa9\n1,2,3,4,\xe7\x8c\xab\n";
    nnrt_vocab_free(&v);
    ClassVocab ok = {0};
    ASSERT_TRUE(read_csv("utf8.csv", utf8, sizeof utf8 - 1, &ok, &err));
    nnrt_vocab_free(&ok);
}

/* 1e999 is a decimal number beyond a double's range: it was "expected a number, found
 * '1e999'", and as a label it became a class name ("label '0' is a number, but other
 * labels are class names ('1e999' ...)"). */
static void test_csv_huge_numbers(void) {
    ClassVocab v = {0};
    NnrtError err = {0};
    const char x[] = "a,b,c,d,y\n1,2,3,4,0\n1,-1e999,3,4,1\n";
    ASSERT_TRUE(!read_csv("huge.csv", x, sizeof x - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "huge.csv:3: column 2: '-1e999' is out of range for float32");
    const char y[] = "a,b,c,d,y\n1,2,3,4,0\n1,2,3,4,1e999\n";
    ASSERT_TRUE(!read_csv("huge_label.csv", y, sizeof y - 1, &v, &err));
    ASSERT_CONTAINS(err.msg, "huge_label.csv:3: column 5: label '1e999' is out of range for float32");
    nnrt_vocab_free(&v);
}

/* A field of thousands of bytes filled the 1024-byte message, cutting off the rest. */
static void test_csv_long_field(void) {
    ClassVocab v = {0};
    NnrtError err = {0};
    size_t n = 5000;
    char *text = malloc(n + 64);
    size_t k = (size_t)sprintf(text, "a,b,c,d,y\n1,0x");
    memset(text + k, 'f', n - 2);
    k += n - 2;
    k += (size_t)sprintf(text + k, ",3,4,0\n");
    ASSERT_TRUE(!read_csv("long.csv", text, k, &v, &err));
    ASSERT_CONTAINS(err.msg, "long.csv:2: column 2: expected a number, found '0xffff");
    ASSERT_CONTAINS(err.msg, "... (5000 bytes)' (CSV values are decimal numbers");
    ASSERT_TRUE(strlen(err.msg) < 300);
    free(text);
    nnrt_vocab_free(&v);
}

/* Distinct labels beyond the model's classes were refused only after the whole file,
 * each label compared with every name kept: 100,000 of them took 30 s, a million an
 * hour. The first name too many is refused where it is. */
static void test_csv_many_names(void) {
    ClassVocab v = {0};
    NnrtError err = {0};
    size_t rows = 20000, k = 0;
    char *text = malloc(rows * 32 + 32);
    k += (size_t)sprintf(text, "a,b,c,d,y\n");
    for (size_t i = 0; i < rows; i++)
        k += (size_t)sprintf(text + k, "1,2,3,4,name%zu\n", i);
    ASSERT_TRUE(!read_csv("names.csv", text, k, &v, &err));
    ASSERT_CONTAINS(err.msg, "names.csv:5: column 5: label 'name3' is the 4th class name in the "
                             "file, but the model has 3 classes (the first: 'name0', 'name1', "
                             "'name2')");
    nnrt_vocab_free(&v);
    /* the model's own class names: the first other name is refused where it is */
    static const char *const names[] = {"name0", "name1", "name2"};
    v.names = malloc(sizeof names);
    for (int i = 0; i < 3; i++)
        v.names[i] = strdup(names[i]);
    v.n = 3;
    v.fixed = true;
    ASSERT_TRUE(!read_csv("names.csv", text, k, &v, &err));
    ASSERT_CONTAINS(err.msg, "names.csv:5: column 5: unknown class 'name3'");
    nnrt_vocab_free(&v);
    free(text);
}

/* A gzip bomb: 256 kB of .csv.gz inflating to 256 MB of zeros. The text was read whole
 * (a gigabyte per megabyte of file) before the NUL at its start was refused. */
static void read_zero_bomb(void) {
    gzFile f = gzopen(tmp("bomb.csv.gz"), "wb9");
    char *zeros = calloc(1, 1 << 20);
    bool ok = f && gzputs(f, "a,b,c,d,y\n1,2,3,4,0\n") > 0;
    for (int i = 0; ok && i < 256; i++)
        ok = gzwrite(f, zeros, 1 << 20) == 1 << 20;
    if (!f || gzclose(f) != Z_OK || !ok)
        _exit(3);
    free(zeros);
    ClassVocab v = {0};
    NnrtModel m = make_model();
    DataSpec spec = fx_spec(&m, &v);
    NnrtDataSource src = {.kind = NNRT_DATA_CSV, .features_path = tmp("bomb.csv.gz"),
                          .scale = 1, .csv_header = 1, .csv_label_index = -1};
    Table t;
    NnrtError err = {0};
    if (nnrt_read_source(&src, &spec, &t, &err) ||
        !strstr(err.msg, "bomb.csv.gz: byte 20: a NUL byte; expected text"))
        _exit(2);
}

static void test_csv_gzip_bomb(void) {
    ASSERT_SMALL_PEAK(read_zero_bomb, "256 MB of zeros");
}

/* ---- .npy ---- */

/* The whole header was quoted, filling the message. */
static void test_npy_long_header(void) {
    char text[2200];
    int hlen = 2000;
    memcpy(text, "\x93NUMPY\x01\x00", 8);
    text[8] = (char)(hlen & 0xff), text[9] = (char)(hlen >> 8);
    int k = snprintf(text + 10, sizeof text - 10, "{'descr': '<f4', 'fortran_order': False, ");
    memset(text + 10 + k, ' ', (size_t)(hlen - k - 1));
    text[10 + hlen - 1] = '}'; /* not space: the 2000 bytes are kept in the quoted header */
    write_file(tmp("long.npy"), text, (size_t)(10 + hlen));
    NnrtDataSource src = {.kind = NNRT_DATA_NPY, .features_path = tmp("long.npy"),
                          .labels_path = tmp("long.npy"), .scale = 1};
    ClassVocab v = {0};
    NnrtError err = {0};
    ASSERT_TRUE(!read_data(&src, true, &v, &err));
    ASSERT_CONTAINS(err.msg, "long.npy: byte 10: the header lacks 'shape': {'descr': '<f4'");
    ASSERT_CONTAINS(err.msg, "... (2000 bytes)");
}

/* A shape whose sizes multiply past 2^63 drew "shape (2, 4611686018427387904,
 * 4611686018427387904) gives -1 values per example" (the overflow's -1), and 9 or more
 * dimensions, or a size past 2^63, "cannot read the shape (need at least one dimension)". */
static void write_npy(const char *name, const char *dict) {
    char text[128];
    int hlen = 118; /* 10 + 118: the data start 64-aligned, as numpy writes it */
    memcpy(text, "\x93NUMPY\x01\x00", 8);
    text[8] = (char)hlen, text[9] = 0;
    int k = snprintf(text + 10, sizeof text - 10, "%s", dict);
    memset(text + 10 + k, ' ', (size_t)(hlen - k - 1));
    text[10 + hlen - 1] = '\n';
    write_file(tmp(name), text, (size_t)(10 + hlen));
}

/* Reading a .npy file whose header is dict fails with a message containing msg. */
static void expect_npy_header_refused(const char *dict, const char *msg) {
    write_npy("hdr.npy", dict);
    NnrtDataSource src = {.kind = NNRT_DATA_NPY, .features_path = tmp("hdr.npy"),
                          .labels_path = tmp("hdr.npy"), .scale = 1};
    ClassVocab v = {0};
    NnrtError err = {0};
    ASSERT_TRUE(!read_data(&src, true, &v, &err));
    ASSERT_CONTAINS(err.msg, msg);
}

static void test_npy_shape_messages(void) {
    static const struct {
        const char *shape, *msg;
    } cases[] = {
        {"(2, 4611686018427387904, 4611686018427387904)",
         "byte 10: the shape (2, 4611686018427387904, 4611686018427387904) multiplies to more "
         "values than any file holds (2^63); the header is damaged"},
        {"(2, 1, 1, 1, 1, 1, 1, 1, 4)", "cannot read the shape (more than 8 dimensions)"},
        {"(99999999999999999999, 4)", "cannot read the shape (a size is too large)"},
        {"(2, -4)", "cannot read the shape (expected a size)"},
        {"()", "cannot read the shape (need at least one dimension)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dict[160];
        snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
                 cases[i].shape);
        expect_npy_header_refused(dict, cases[i].msg);
    }
}

/* numpy reads the header with ast.literal_eval and refuses what is not a dict of exactly
 * its three keys; this reader looked for the keys anywhere in the text, and took a dict
 * without its '}', a shape (2, 4,,) or (4) (an int in Python), or a key numpy refuses.
 * Each is now an error naming the byte where it goes wrong; what numpy writes, and Python
 * spellings it reads (double quotes, no padding, Python 2's 4L), still read. */
static void test_npy_header_syntax(void) {
    static const struct {
        const char *dict, *msg;
    } bad[] = {
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), ",
         "byte 67: expected a key in quotes or '}', found the end of the header (numpy reads "
         "the header as a Python dict): {'descr'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4) ",
         "byte 66: expected ',' or '}', found the end of the header"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4,,), }",
         "byte 66: expected a value or ')', found ','"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (,), }",
         "byte 61: expected a value or ')', found ','"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), } x",
         "byte 70: expected the end of the header after its '}', found 'x'"},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': (2, 4), }", /* '<f4, ' is the string */
         "byte 27: expected ',' or '}', found 'f'"},
        {"{'descr': '<f4', 'fortran_order': False 'shape': (2, 4), }",
         "byte 50: expected ',' or '}', found '''"},
        {"'descr': '<f4', 'fortran_order': False, 'shape': (2, 4)",
         "byte 10: expected '{' (the header is a Python dict), found '''"},
        {"{'descr': '<f4', 'fortran_order': Flase, 'shape': (2, 4), }",
         "byte 44: expected a value, found 'F'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4), }",
         "byte 10: cannot read the shape (it is not a tuple: one size is written (N,))"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), 'order': 'C', }",
         "byte 68: the header has a key 'order', which numpy refuses (it holds 'descr', "
         "'fortran_order' and 'shape' only)"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), 'shape': (2, 4)}",
         "byte 68: the header gives 'shape' twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_npy_header_refused(bad[i].dict, bad[i].msg);
    /* read as numpy reads them: the header is good, the 32 bytes of values are missing */
    static const char *const good[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2, 1), }",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 4)}",
        "{'shape': (2L, 4L), 'fortran_order': False, 'descr': '<f4'}",
        "{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 2 , 4 , ) , }",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        expect_npy_header_refused(good[i], "hdr.npy: byte 128: expected 32 bytes of <f4 values");
}

/* A dtype the reader does not take was quoted cut at 20 bytes, mid-text: "dtype '[('a',
 * '<f4'), ('b'' is not supported" of a structured dtype. It is quoted whole as the header
 * writes it (a long one shortened with "..."), and a structured one says how to save its
 * fields. */
static void test_npy_dtype_messages(void) {
    static const struct {
        const char *descr, *msg;
    } cases[] = {
        {"[('a', '<f4'), ('b', '<i4')]",
         "hdr.npy: byte 10: dtype [('a', '<f4'), ('b', '<i4')] is not supported (use float16, "
         "float32, float64, bool or integers; a structured dtype's fields are read one array at "
         "a time: save each as its own .npy, as np.save('a.npy', x['a']))"},
        {"[('aaa', '<f4'), ('bbb', '<i4'), ('ccc', '<f8'), ('ddd', '<u1')]",
         "byte 10: dtype [('aaa', '<f4'), ('bbb', '<i4'), ('ccc', '<f8'), ('ddd',... (64 bytes) "
         "is not supported (use float16, float32, float64, bool or integers; a structured"},
        {"'<U12345678901234567890'", "byte 10: dtype '<U12345678901234567890' is not supported "
         "(use float16, float32, float64, bool or integers)"},
        {"\"<c8\"", "byte 10: dtype \"<c8\" is not supported (use float16, float32, float64, "
         "bool or integers)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dict[160];
        snprintf(dict, sizeof dict, "{'descr': %s, 'fortran_order': False, 'shape': (2,)}",
                 cases[i].descr);
        expect_npy_header_refused(dict, cases[i].msg);
    }
}

/* A NUL byte inside the header was "found the end of the header", with more header after
 * it: the byte is named for what it is. */
static void test_npy_header_nul(void) {
    char text[128];
    int hlen = 118;
    memcpy(text, "\x93NUMPY\x01\x00", 8);
    text[8] = (char)hlen, text[9] = 0;
    const char dict[] = "{'descr': '<f4', 'fortran_order': False,\0 'shape': (2, 4), }";
    memcpy(text + 10, dict, sizeof dict - 1);
    memset(text + 10 + sizeof dict - 1, ' ', (size_t)hlen - (sizeof dict - 1) - 1);
    text[10 + hlen - 1] = '\n';
    write_file(tmp("nul.npy"), text, (size_t)(10 + hlen));
    NnrtDataSource src = {.kind = NNRT_DATA_NPY, .features_path = tmp("nul.npy"),
                          .labels_path = tmp("nul.npy"), .scale = 1};
    ClassVocab v = {0};
    NnrtError err = {0};
    ASSERT_TRUE(!read_data(&src, true, &v, &err));
    ASSERT_CONTAINS(err.msg, "nul.npy: byte 50: expected a key in quotes or '}', found the byte "
                             "0x00");
    ASSERT_ONE_LINE(err.msg);
}

/* ---- gzip ---- */

/* A 2 MB .gz whose size trailer (ISIZE, its last 4 bytes) claims 4 GB, behind an IDX
 * header announcing 200 MB of pixels: the whole buffer was allocated and zeroed at once
 * (a 4 MB file of that kind took 3.8 GB and 15 s before it was found damaged). Memory is
 * now taken as values arrive. */
static void read_forged_isize(void) {
    size_t raw = 2 << 20; /* more than zlib reads ahead: the trailer is checked last */
    unsigned char *data = malloc(16 + raw);
    memcpy(data, (const unsigned char[]){0, 0, 8, 3, 0x02, 0xfa, 0xf0, 0x80, 0, 0, 0, 2, 0, 0,
                                         0, 2}, 16); /* 50,000,000 images of 2x2 */
    uint32_t lcg = 1;
    for (size_t i = 0; i < raw; i++)
        data[16 + i] = (unsigned char)((lcg = lcg * 1103515245u + 12345u) >> 24);
    uLong bound = compressBound((uLong)(16 + raw)) + 32;
    unsigned char *gz = malloc(bound);
    z_stream z = {0};
    deflateInit2(&z, 1, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY); /* a gzip wrapper */
    z.next_in = data, z.avail_in = (uInt)(16 + raw), z.next_out = gz, z.avail_out = (uInt)bound;
    deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    memset(gz + n - 4, 0xff, 4); /* ISIZE: 4 GB */
    write_file(tmp("forged.idx.gz"), gz, n);
    free(gz);
    free(data);
    NnrtModel m = make_model();
    ClassVocab v = {0};
    DataSpec spec = fx_spec(&m, &v);
    spec.keep_bytes = true;
    spec.labels = false;
    NnrtDataSource src = {.kind = NNRT_DATA_IDX, .features_path = tmp("forged.idx.gz"),
                          .scale = 1};
    Table t;
    NnrtError err = {0};
    if (nnrt_read_source(&src, &spec, &t, &err) || !strstr(err.msg, "forged.idx.gz: byte "))
        _exit(2);
}

static void test_gz_forged_size(void) {
    ASSERT_SMALL_PEAK(read_forged_isize, "a 2 MB file");
}

/* zlib's gzread returns nothing from the read that meets damage, so the byte named was
 * where that read began: a file whose check (CRC) fails after 300 kB of good data was
 * "damaged" at byte 0 (zlib had read it all ahead). The byte is now where its data stop. */
static void test_gz_damage_offset(void) {
    size_t n = 75000;
    unsigned char *data = malloc(16 + 4 * n);
    memcpy(data, (const unsigned char[]){0, 0, 8, 3, 0, 1, 0x24, 0xf8, 0, 0, 0, 2, 0, 0, 0, 2},
           16); /* 75000 images of 2x2 */
    uint32_t lcg = 7;
    for (size_t i = 0; i < 4 * n; i++)
        data[16 + i] = (unsigned char)((lcg = lcg * 1103515245u + 12345u) >> 24);
    uLong bound = compressBound((uLong)(16 + 4 * n)) + 64;
    unsigned char *gz = malloc(bound);
    z_stream z = {0};
    deflateInit2(&z, 0, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY); /* stored: CRC finds it */
    z.next_in = data, z.avail_in = (uInt)(16 + 4 * n), z.next_out = gz, z.avail_out = (uInt)bound;
    deflate(&z, Z_FINISH);
    size_t len = z.total_out;
    deflateEnd(&z);
    gz[len / 2] ^= 0x55;
    write_file(tmp("crc.idx.gz"), gz, len);
    free(gz);
    free(data);
    NnrtDataSource src = {.kind = NNRT_DATA_IDX, .features_path = tmp("crc.idx.gz"), .scale = 1};
    ClassVocab v = {0};
    NnrtError err = {0};
    ASSERT_TRUE(!read_data(&src, false, &v, &err));
    ASSERT_CONTAINS(err.msg, "crc.idx.gz: byte 300016: the gzip-compressed data is damaged "
                             "(incorrect data check)");
}

/* "byte 4: dimensions are too large" said neither which nor why. */
static void test_idx_dims_overflow(void) {
    const unsigned char hdr[] = {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff};
    write_file(tmp("dims.idx"), hdr, sizeof hdr);
    NnrtDataSource src = {.kind = NNRT_DATA_IDX, .features_path = tmp("dims.idx"),
                          .labels_path = tmp("dims.idx"), .scale = 1};
    ClassVocab v = {0};
    NnrtError err = {0};
    ASSERT_TRUE(!read_data(&src, true, &v, &err));
    ASSERT_CONTAINS(err.msg, "dims.idx: byte 4: the dimensions (4294967295, 4294967295, "
                             "4294967295) multiply to more values than any file holds");
}

/* ---- JSON and checkpoints ---- */

static void test_json_keys(void) {
    Json j;
    char why[200];
    const char dup[] = "{\"a\": 1, \"b\": {\"c\": 2, \"c\": 3}}";
    ASSERT_TRUE(!nnrt_json_parse(dup, sizeof dup - 1, &j, why, sizeof why));
    ASSERT_CONTAINS(why, "byte 23: the key \"c\" is given twice in an object");
    const char nul[] = "{\"dense.W\\u0000x\": 1}";
    ASSERT_TRUE(!nnrt_json_parse(nul, sizeof nul - 1, &j, why, sizeof why));
    ASSERT_CONTAINS(why, "byte 9: \\u0000 in a string");
    /* keys are found whatever their order */
    const char many[] = "{\"z\": 1, \"b\": 2, \"m\": 3, \"a\": 4}";
    ASSERT_TRUE(nnrt_json_parse(many, sizeof many - 1, &j, why, sizeof why));
    ASSERT_TRUE(nnrt_json_get(&j, "a") && nnrt_json_get(&j, "a")->integer == 4);
    ASSERT_TRUE(nnrt_json_get(&j, "z") && nnrt_json_get(&j, "z")->integer == 1);
    ASSERT_TRUE(!nnrt_json_get(&j, "c"));
    nnrt_json_free(&j);
}

/* Numbers as JSON writes them, no more: strtod's 01, +1, 1. and .5 were taken, and an
 * integer beyond int64 saturated (a later check then blamed data_offsets). */
static void test_json_numbers(void) {
    Json j;
    char why[200];
    static const char *const bad[] = {"[01]", "[1.]", "[-01]", "[1e]", "[-]", "[1e+]",
                                      "[--1]", "[1.e5]", NULL};
    for (int i = 0; bad[i]; i++) {
        ASSERT_TRUE(!nnrt_json_parse(bad[i], strlen(bad[i]), &j, why, sizeof why));
        ASSERT_CONTAINS(why, "byte 1: bad number");
    }
    ASSERT_TRUE(!nnrt_json_parse("[+1]", 4, &j, why, sizeof why)); /* not a value's start */
    ASSERT_TRUE(!nnrt_json_parse("[.5]", 4, &j, why, sizeof why));
    const char big[] = "{\"data_offsets\": [0, 99999999999999999999]}";
    ASSERT_TRUE(!nnrt_json_parse(big, sizeof big - 1, &j, why, sizeof why));
    ASSERT_CONTAINS(why, "byte 21: integer beyond the range of int64");
    const char good[] = "[0, -0, 7, -12, 1.5, -0.25e-3, 2E+8, 9223372036854775807]";
    ASSERT_TRUE(nnrt_json_parse(good, sizeof good - 1, &j, why, sizeof why));
    ASSERT_TRUE(j.n == 8 && j.items[3].integer == -12 && j.items[7].integer == INT64_MAX);
    ASSERT_TRUE(!j.items[4].is_integer && j.items[5].number == -0.25e-3);
    nnrt_json_free(&j);
}

/* Each string took a buffer the size of the rest of the text: a header of 100,000 names
 * took 4.8 GB (and st_open compared every name with every other: over a minute). */
static void parse_many_strings(void) {
    size_t n = 50000, k = 0;
    char *text = malloc(n * 8 + 8);
    text[k++] = '[';
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(text + k, "%s\"s%zu\"", i ? "," : "", i % 10);
    text[k++] = ']';
    Json j;
    char why[200];
    if (!nnrt_json_parse(text, k, &j, why, sizeof why) || j.n != (int)n)
        _exit(2);
    nnrt_json_free(&j);
    free(text);
}

static void test_json_memory(void) {
    ASSERT_SMALL_PEAK(parse_many_strings, "300 kB of JSON");
}

static void write_header(const char *name, const char *json) {
    size_t n = strlen(json);
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)n >> (8 * i));
    FILE *f = fopen(tmp(name), "wb");
    if (!f || fwrite(len8, 1, 8, f) != 8 || fwrite(json, 1, n, f) != n || fclose(f) != 0)
        exit(1);
}

/* begin + 48 == end after wrapping around 2^64 (undefined behavior; the message then
 * blamed a truncated file). */
static void test_st_offsets_overflow(void) {
    write_header("ovf.safetensors", "{\"dense.W\":{\"dtype\":\"F32\",\"shape\":[4,3],"
                                    "\"data_offsets\":[9223372036854775760,"
                                    "-9223372036854775808]}}");
    SafeTensors st;
    NnrtError err = {0};
    ASSERT_TRUE(!nnrt_st_open(&st, tmp("ovf.safetensors"), &err));
    ASSERT_CONTAINS(err.msg, "tensor \"dense.W\": data_offsets [9223372036854775760, "
                             "-9223372036854775808] do not match its shape and dtype (48 bytes)");
}

/* A tensor entry the reader cannot use names the byte of the value at fault and what
 * was expected there (each was "tensor \"dense.W\": malformed header entry"). */
static void test_st_entry_messages(void) {
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"{\"dense.W\":1e300}", "st.safetensors: byte 19: tensor \"dense.W\": expected an object "
         "{\"dtype\", \"shape\", \"data_offsets\"}, found a number"},
        {"{\"dense.W\":{\"shape\":[4,3],\"data_offsets\":[0,48]}}", "byte 19: tensor \"dense.W\": "
         "expected a \"dtype\" string (\"F32\" or \"F64\")"},
        {"{\"dense.W\":{\"dtype\":5,\"shape\":[4,3],\"data_offsets\":[0,48]}}", "byte 28: "
         "tensor \"dense.W\": expected a \"dtype\" string (\"F32\" or \"F64\"), found a number"},
        {"{\"dense.W\":{\"dtype\":\"F32\",\"shape\":[4,-3],\"data_offsets\":[0,48]}}",
         "byte 45: tensor \"dense.W\": expected a size (an integer >= 0) in \"shape\", found -3"},
        {"{\"dense.W\":{\"dtype\":\"F32\",\"shape\":[1,2,3,4,5],\"data_offsets\":[0,480]}}",
         "byte 42: tensor \"dense.W\": expected a \"shape\" of at most 4 sizes, found 5"},
        {"{\"dense.W\":{\"dtype\":\"F32\",\"shape\":\"4x3\",\"data_offsets\":[0,48]}}",
         "byte 42: tensor \"dense.W\": expected \"shape\" to be a list of sizes, found a string"},
        {"{\"dense.W\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":\"0-48\"}}",
         "byte 63: tensor \"dense.W\": expected \"data_offsets\" as two integers [begin, end], "
         "found a string"},
        {"{\"dense.W\":{\"dtype\":\"F16\",\"shape\":[4,3],\"data_offsets\":[0,24]}}",
         "byte 28: tensor \"dense.W\" has dtype F16; only F32 and F64 are supported"},
        {"{\"dense.W\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,24]}}",
         "byte 63: tensor \"dense.W\": data_offsets [0, 24] do not match its shape and dtype "
         "(48 bytes)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_header("st.safetensors", cases[i].json);
        SafeTensors st;
        NnrtError err = {0};
        ASSERT_TRUE(!nnrt_st_open(&st, tmp("st.safetensors"), &err));
        ASSERT_CONTAINS(err.msg, cases[i].msg);
    }
}

/* A checkpoint whose statistics turn finite data into infinities (a standard deviation
 * of 1e-38): the values reached the model as infinities, and the run failed later with a
 * NaN loss blamed on the learning rate. */
static void test_std_overflow(void) {
    NnrtModel m = make_model();
    m.data.kind = NNRT_DATA_CSV;
    m.data.standardize = 1;
    m.data.csv_header = 1;
    m.data.csv_label_index = -1;
    m.data.features_path = tmp("std.csv");
    const char csv[] = "a,b,c,d,y\n1,5,3,4,0\n5,6,7,8,1\n";
    write_file(tmp("std.csv"), csv, sizeof csv - 1);
    float params[15] = {0}, mean[4] = {0, 0, 0, 0}, std[4] = {1, 1e-38f, 1, 1};
    Standardizer s;
    nnrt_std_init(&s, &m);
    memcpy(s.mean, mean, sizeof mean);
    memcpy(s.std, std, sizeof std);
    s.ready = true;
    CkptParts p = {.m = &m, .params = params, .stats = &s};
    NnrtError err = {0};
    const char *ck = tmp("std.safetensors");
    ASSERT_TRUE(nnrt_ckpt_save(ck, &p, &err));
    nnrt_std_free(&s);
    nnrt_std_init(&s, &m);
    DataSplits d = {0};
    CkptParts q = {.m = &m, .params = params, .stats = &s, .vocab = &d.vocab};
    ASSERT_TRUE(nnrt_ckpt_load(ck, &q, false, &err) && s.ready);
    DataRequest rq = {.seed = 1, .train = true};
    ASSERT_TRUE(!nnrt_data_load(&d, &m, &rq, &s, &err));
    ASSERT_CONTAINS(err.msg, "std.csv: example 1, value 2: 5 standardized with the mean 0 and "
                             "the standard deviation 1e-38 of ");
    ASSERT_CONTAINS(err.msg, "std.safetensors is beyond float32's range");
    nnrt_data_free(&d);
    nnrt_std_free(&s);
}

/* An embedding index out of range was shown with %g: "1.23457e+06 is not an index",
 * naming another number than the file's 1234567. */
static void test_index_digits(void) {
    NnrtModel m = make_model();
    m.input_index_limit = 7;
    m.data.kind = NNRT_DATA_CSV;
    m.data.csv_header = 1;
    m.data.csv_label_index = -1;
    m.data.scale = 1;
    m.data.features_path = tmp("ids.csv");
    const char csv[] = "a,b,c,d,y\n1,2,3,4,0\n5,6,1234567,1,1\n";
    write_file(tmp("ids.csv"), csv, sizeof csv - 1);
    Standardizer s;
    nnrt_std_init(&s, &m);
    DataSplits d = {0};
    DataRequest rq = {.seed = 1, .train = true};
    NnrtError err = {0};
    ASSERT_TRUE(!nnrt_data_load(&d, &m, &rq, &s, &err));
    ASSERT_CONTAINS(err.msg, "ids.csv:3: column 3: 1234567 is not an index 0..6 (the model's "
                             "embedding has 7 rows)");
    nnrt_data_free(&d);
    /* past 2^24 float32 rounds whole numbers (16777217 became 16777216, shown so, and an
     * embedding that large would have read row 16777216): refused as written */
    const char big[] = "a,b,c,d,y\n1,2,3,4,0\n5,6,16777217,1,1\n";
    write_file(tmp("ids.csv"), big, sizeof big - 1);
    m.input_index_limit = 20000000;
    ASSERT_TRUE(!nnrt_data_load(&d, &m, &rq, &s, &err));
    ASSERT_CONTAINS(err.msg, "ids.csv:3: column 3: index 16777217 is beyond 16777216, the largest "
                             "whole number float32 holds with its neighbours (the model's "
                             "embedding has 20000000 rows)");
    nnrt_data_free(&d);
    const char edge[] = "a,b,c,d,y\n1,2,3,4,0\n5,6,16777216,1,1\n"; /* exact: accepted */
    write_file(tmp("ids.csv"), edge, sizeof edge - 1);
    ASSERT_TRUE(nnrt_data_load(&d, &m, &rq, &s, &err));
    nnrt_data_free(&d);
    nnrt_std_free(&s);
}

/* Early stopping's best weights, restored as the final ones, were loaded unchecked. */
static void test_best_weights_nan(void) {
    NnrtModel m = make_model();
    m.early_stop_patience = 2;
    m.early_stop_restore_best = 1;
    float params[15] = {0}, opt[30] = {0};
    TrainState ts = {1, 4, 7};
    Schedule sched;
    nnrt_sched_init(&sched, &m, 0.01);
    EarlyStop es;
    nnrt_es_init(&es, &m);
    es.best = 0.5;
    es.have_best = true;
    ((float *)es.best_params)[3] = NAN;
    CkptParts p = {.m = &m, .params = params, .opt_state = opt, .state = &ts, .sched = &sched,
                   .es = &es};
    NnrtError err = {0};
    const char *ck = tmp("best.safetensors");
    ASSERT_TRUE(nnrt_ckpt_save(ck, &p, &err));
    EarlyStop es2;
    nnrt_es_init(&es2, &m);
    TrainState ts2 = {0};
    CkptParts q = {.m = &m, .params = params, .opt_state = opt, .state = &ts2, .sched = &sched,
                   .es = &es2};
    ASSERT_TRUE(!nnrt_ckpt_load(ck, &q, true, &err));
    ASSERT_CONTAINS(err.msg, "best.safetensors: cannot resume: tensor \"early_stopping.best\" "
                             "holds nan at element 3");
    nnrt_es_free(&es);
    nnrt_es_free(&es2);
}

/* Class names from a checkpoint (of another model, here) that the data does not use: the
 * message named only the CSV file, and classes the user had never written. */
static void test_checkpoint_class_names(void) {
    NnrtModel m = make_model();
    m.data.kind = NNRT_DATA_CSV;
    m.data.csv_header = 1;
    m.data.csv_label_index = -1;
    m.data.features_path = tmp("emu.csv");
    const char csv[] = "a,b,c,d,y\n1,2,3,4,cat\n5,6,7,8,emu\n";
    write_file(tmp("emu.csv"), csv, sizeof csv - 1);
    float params[15] = {0};
    ClassVocab v = {0};
    nnrt_vocab_alloc(&v, 3, 3);
    const char *names[] = {"cat", "dog", "nmu"};
    for (int i = 0; i < 3; i++)
        v.names[i] = strdup(names[i]);
    v.n = 3;
    v.fixed = true;
    CkptParts p = {.m = &m, .params = params, .vocab = &v};
    NnrtError err = {0};
    const char *ck = tmp("names.safetensors");
    ASSERT_TRUE(nnrt_ckpt_save(ck, &p, &err));
    nnrt_vocab_free(&v);
    Standardizer s;
    nnrt_std_init(&s, &m);
    DataSplits d = {0};
    CkptParts q = {.m = &m, .params = params, .vocab = &d.vocab};
    ASSERT_TRUE(nnrt_ckpt_load(ck, &q, false, &err));
    DataRequest rq = {.seed = 1, .train = true};
    ASSERT_TRUE(!nnrt_data_load(&d, &m, &rq, &s, &err));
    ASSERT_CONTAINS(err.msg, "emu.csv:3: column 5: unknown class 'emu' (the classes of ");
    ASSERT_CONTAINS(err.msg, "names.safetensors are 'cat' ... 'nmu')");
    nnrt_data_free(&d);
    nnrt_std_free(&s);
}

static const struct {
    const char *name;
    void (*run)(void);
} TESTS[] = {
    {"csv_quote_inside_field", test_csv_quote_inside_field},
    {"messages_one_line", test_messages_one_line},
    {"csv_huge_numbers", test_csv_huge_numbers},
    {"csv_long_field", test_csv_long_field},
    {"csv_many_names", test_csv_many_names},
    {"csv_gzip_bomb", test_csv_gzip_bomb},
    {"npy_long_header", test_npy_long_header},
    {"npy_shape_messages", test_npy_shape_messages},
    {"npy_header_syntax", test_npy_header_syntax},
    {"npy_dtype_messages", test_npy_dtype_messages},
    {"npy_header_nul", test_npy_header_nul},
    {"gz_forged_size", test_gz_forged_size},
    {"gz_damage_offset", test_gz_damage_offset},
    {"idx_dims_overflow", test_idx_dims_overflow},
    {"json_keys", test_json_keys},
    {"json_memory", test_json_memory},
    {"st_offsets_overflow", test_st_offsets_overflow},
    {"st_entry_messages", test_st_entry_messages},
    {"labels_not_utf8", test_labels_not_utf8},
    {"json_numbers", test_json_numbers},
    {"std_overflow", test_std_overflow},
    {"index_digits", test_index_digits},
    {"best_weights_nan", test_best_weights_nan},
    {"checkpoint_class_names", test_checkpoint_class_names},
};

/* rt_robust [NAME]: every test, or the one named. */
int main(int argc, char **argv) {
    if (!check_begin("nnrt_robust"))
        return 1;
    int ran = 0;
    for (size_t i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++)
        if (argc < 2 || strcmp(argv[1], TESTS[i].name) == 0) {
            TESTS[i].run();
            ran++;
        }
    int status = check_end();
    if (!ran) {
        fprintf(stderr, "rt_robust: no test named %s\n", argv[1]);
        return 2;
    }
    return status;
}
