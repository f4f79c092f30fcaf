/*
 * test_robust.c — regression tests for what fuzzing the runtime's readers found
 * (tests/fuzz/runtime): each input below once crashed, hung, took memory out of proportion
 * to the file, or drew a message that did not say clearly what was wrong. Files are
 * written to a fresh temporary directory; tests that bound memory run in a child process
 * and read its peak resident size.
 */
#include "checkpoint.h"
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

static int failures, checks;

static void check(bool ok, const char *expr, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void check(bool ok, const char *expr, int line, const char *fmt, ...) {
    checks++;
    if (ok)
        return;
    failures++;
    fprintf(stderr, "test_robust.c:%d: FAILED: %s: ", line, expr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

#define ASSERT_TRUE(cond) check((cond), #cond, __LINE__, "is false")
#define ASSERT_CONTAINS(text, needle)                                                          \
    check(strstr((text), (needle)) != NULL, #text, __LINE__, "\"%s\" does not contain \"%s\"", \
          (text), (needle))
/* An error message is one line of printable text. */
#define ASSERT_ONE_LINE(msg)                                                                   \
    check(one_line(msg), #msg, __LINE__, "\"%s\" holds a control character", (msg))

static bool one_line(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static char tmpdir[256];

static const char *tmp(const char *name) {
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static void write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* ---- a model: input (2, 2, 1), 3 classes ---- */

static void noop(NnrtCtx *c) { (void)c; }
static double zero_loss(NnrtCtx *c) { (void)c; return 0; }

static const NnrtTensor tensors[] = {
    {"dense.W", 2, {4, 3}, 0, 12, 1, NNRT_INIT_GLOROT_UNIFORM, 4, 3, 0},
    {"dense.b", 1, {3}, 12, 3, 1, NNRT_INIT_ZEROS, 4, 3, 0},
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

static DataSpec spec_for(const NnrtModel *m, ClassVocab *v) {
    DataSpec s = {m->input_size, m->input_dims, m->input_rank, m->task, m->n_classes,
                  nnrt_label_dim(m), true, 0, v, false};
    return s;
}

/* Reads a CSV text (header, label last) for the model; returns whether it was accepted. */
static bool read_csv(const char *name, const char *text, size_t len, ClassVocab *v,
                     NnrtError *err) {
    NnrtModel m = make_model();
    DataSpec spec = spec_for(&m, v);
    write_file(tmp(name), text, len);
    NnrtDataSource src = {.kind = NNRT_DATA_CSV, .features_path = tmp(name), .scale = 1,
                          .csv_header = 1, .csv_label_index = -1};
    Table t;
    bool ok = nnrt_read_source(&src, &spec, &t, err);
    if (ok)
        nnrt_table_free(&t);
    return ok;
}

/* Messages quote fields; a line break (a quoted field) or another control byte used to
 * reach the terminal as it was: two-line errors, a CR overwriting the line. */
static void test_messages_one_line(void) {
    ClassVocab v = {0};
    NnrtError err = {{0}};
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

static const struct {
    const char *name;
    void (*run)(void);
} TESTS[] = {
    {"messages_one_line", test_messages_one_line},
};

/* rt_robust [NAME]: every test, or the one named. */
int main(int argc, char **argv) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nnrt_robust_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int ran = 0;
    for (size_t i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++)
        if (argc < 2 || strcmp(argv[1], TESTS[i].name) == 0) {
            TESTS[i].run();
            ran++;
        }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", tmpdir);
    if (!ran) {
        fprintf(stderr, "rt_robust: no test named %s\n", argv[1]);
        return 2;
    }
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
