/*
 * fuzz_common.c — see fuzz_common.h.
 */
#include "fuzz_common.h"

#include "run.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- input ---- */

uint8_t fz_byte(FzInput *in) {
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

uint16_t fz_u16(FzInput *in) {
    uint16_t lo = fz_byte(in);
    return (uint16_t)(lo | fz_byte(in) << 8);
}

const uint8_t *fz_take(FzInput *in, size_t len, size_t *got) {
    const uint8_t *p = in->p;
    *got = len < in->n ? len : in->n;
    in->p += *got;
    in->n -= *got;
    return p;
}

FzPair fz_take_pair(FzInput *in) {
    FzPair f;
    uint16_t len = fz_u16(in);
    f.x = fz_take(in, len, &f.xn);
    f.y = fz_take(in, SIZE_MAX, &f.yn);
    return f;
}

/* ---- files ---- */

static char scratch[256];

static void cleanup(void) {
    if (!scratch[0])
        return;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", scratch);
}

const char *fz_path(const char *name) {
    static struct { char *name, *path; } known[16];
    for (int i = 0; i < 16 && known[i].name; i++)
        if (strcmp(known[i].name, name) == 0)
            return known[i].path;
    if (!scratch[0]) {
        struct stat sb;
        const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(scratch, sizeof scratch, "%s/fuzzrt-XXXXXX", base);
        if (!mkdtemp(scratch)) {
            perror("mkdtemp");
            abort();
        }
        atexit(cleanup);
        /* the trainer's normal output (predictions, results) is not what is tested */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            close(null);
        }
    }
    int k = 0;
    while (k < 16 && known[k].name)
        k++;
    if (k == 16)
        abort();
    known[k].name = strdup(name);
    known[k].path = malloc(strlen(scratch) + strlen(name) + 2);
    sprintf(known[k].path, "%s/%s", scratch, name);
    return known[k].path;
}

void fz_write(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

void fz_write_gz(const char *path, const void *data, size_t n, int members) {
    gzFile gz = gzopen(path, "wb6");
    size_t first = members > 1 ? n / 2 : n;
    if (!gz || (first && gzwrite(gz, data, (unsigned)first) != (int)first) || gzclose(gz) != Z_OK)
        abort();
    if (members > 1) {
        gz = gzopen(path, "ab6"); /* a second member appended */
        size_t rest = n - first;
        if (!gz || (rest && gzwrite(gz, (const char *)data + first, (unsigned)rest) != (int)rest) ||
            gzclose(gz) != Z_OK)
            abort();
    }
}

uint8_t *fz_read(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f)
        abort();
    size_t cap = 4096;
    uint8_t *b = malloc(cap);
    *n = 0;
    for (;;) {
        *n += fread(b + *n, 1, cap - *n, f);
        if (*n < cap)
            break;
        b = realloc(b, cap *= 2);
    }
    fclose(f);
    return b;
}

/* ---- the model ---- */

static void fz_noop(NnrtCtx *c) { (void)c; }
static size_t fz_no_work(int64_t b) { (void)b; return 0; }
static const NnrtModel *current;
static volatile double sink;

/* Reads every input value of the batch (the sanitizers check the loader's buffers) and
 * writes valid probabilities or finite predictions. */
static void fz_forward(NnrtCtx *c) {
    const NnrtModel *m = current;
    double s = 0;
    for (int64_t i = 0; i < c->batch * m->input_size; i++)
        s += nnrt_get(c->x, m->elem_size, i);
    sink = s;
    for (int64_t r = 0; r < c->batch; r++)
        for (int64_t k = 0; k < m->n_outputs; k++) {
            double v = m->task == NNRT_TASK_REGRESS ? 0.25 * (double)k
                       : m->task == NNRT_TASK_BINARY ? 0.25 + 0.5 * (double)(k % 2)
                       : k == r % m->n_outputs ? 0.5 : 0.5 / (double)(m->n_outputs - 1);
            nnrt_set(c->out, m->elem_size, r * m->n_outputs + k, v);
        }
}

static double fz_loss(NnrtCtx *c) {
    const NnrtModel *m = current;
    bool one_hot;
    int64_t cols = nnrt_target_cols(m, &one_hot);
    double s = 0;
    for (int64_t i = 0; i < c->batch * cols; i++)
        s += nnrt_get(c->y, m->elem_size, i);
    sink = s;
    return 0.5;
}

static const char *const names3[] = {"cat", "dog", "emu"};
static const char *const names2[] = {"no", "yes"};

/*
 * cfg0: bits 0-1 input shape [4], [2, 2, 1], [2, 2], [3, 2]; bits 2-3 task: sparse
 *       categorical CE (3 classes), categorical CE (one-hot), binary CE, MSE regression;
 *       bit 4 standardize; bit 5 class names; bit 6 the input feeds an embedding of 6
 *       rows; bit 7 f64.
 * cfg1: bits 0-1 none, validation_split 0.25, split [0.6, 0.2, 0.2], split [0.5, 0.5, 0];
 *       bits 2-3 --limit 0, 1, 3, 100; bits 4-5 train, train, --evaluate, --predict;
 *       bit 6 --no-shuffle; bit 7 two binary outputs, or one regression output.
 */
void fz_model_config(FzModel *fm, uint8_t cfg0, uint8_t cfg1) {
    memset(fm, 0, sizeof *fm);
    NnrtModel *m = &fm->m;
    static const int64_t shapes[4][3] = {{4, 0, 0}, {2, 2, 1}, {2, 2, 0}, {3, 2, 0}};
    static const int ranks[4] = {1, 3, 2, 2};
    int s = cfg0 & 3;
    m->abi_version = NNRT_ABI_VERSION;
    m->name = "fz";
    m->source = "fz.nn";
    m->fingerprint = 0xc436b79c0f526559ull;
    m->elem_size = cfg0 & 0x80 ? 8 : 4;
    m->input_rank = ranks[s];
    m->input_size = 1;
    for (int i = 0; i < ranks[s]; i++) {
        m->input_dims[i] = shapes[s][i];
        m->input_size *= shapes[s][i];
    }
    int task = cfg0 >> 2 & 3;
    bool variant = cfg1 & 0x80;
    switch (task) {
    case 0: case 1:
        m->task = NNRT_TASK_CLASSIFY;
        m->loss = task == 0 ? NNRT_LOSS_SPARSE_CATEGORICAL_CE : NNRT_LOSS_CATEGORICAL_CE;
        m->one_hot = task == 1;
        m->n_classes = m->n_outputs = 3;
        m->top_k = variant ? 2 : 0;
        break;
    case 2:
        m->task = NNRT_TASK_BINARY;
        m->loss = NNRT_LOSS_BINARY_CE;
        m->n_outputs = variant ? 2 : 1;
        m->n_classes = 2;
        break;
    default:
        m->task = NNRT_TASK_REGRESS;
        m->loss = NNRT_LOSS_MSE;
        m->n_outputs = variant ? 1 : 2;
        break;
    }
    if (cfg0 & 0x20) {
        for (int i = 0; i < 3; i++)
            fm->class_names[i] = m->task == NNRT_TASK_BINARY ? (i < 2 ? names2[i] : NULL)
                                                             : names3[i];
        if (m->task != NNRT_TASK_REGRESS && !(m->task == NNRT_TASK_BINARY && m->n_outputs > 1))
            m->class_names = fm->class_names;
    }
    fm->tensors[0] = (NnrtTensor){"dense.W", 2, {m->input_size, m->n_outputs}, 0,
                                  m->input_size * m->n_outputs, 1, NNRT_INIT_GLOROT_UNIFORM,
                                  m->input_size, m->n_outputs, 0, {.seeded = 0}};
    fm->tensors[1] = (NnrtTensor){"dense.b", 1, {m->n_outputs}, m->input_size * m->n_outputs,
                                  m->n_outputs, 1, NNRT_INIT_ZEROS, m->input_size,
                                  m->n_outputs, 0, {.seeded = 0}};
    m->tensors = fm->tensors;
    m->n_tensors = 2;
    m->param_size = (m->input_size + 1) * m->n_outputs;
    m->opt_state_size = 2 * m->param_size;
    m->work_size = fz_no_work;
    m->forward = fz_forward;
    m->loss_fn = fz_loss;
    m->backward = fz_noop;
    m->update = fz_noop;
    m->optimizer = "adam";
    m->lr = 0.01;
    m->epochs = 1;
    m->batch = 4;
    m->seed = 1;
    m->shuffle = 1;
    m->verbose = 0;
    m->input_index_limit = cfg0 & 0x40 ? 6 : 0;
    switch (cfg1 & 3) {
    case 1: m->validation_split = 0.25; break;
    case 2: m->split_train = 0.6; m->split_val = 0.2; m->split_test = 0.2; break;
    case 3: m->split_train = 0.5; m->split_val = 0.5; break;
    default: break;
    }
    m->data.standardize = cfg0 & 0x10 ? 1 : 0;
    m->data.scale = 1;
    m->data.csv_header = 1;
    m->data.csv_label_index = -1;
    static const int64_t limits[4] = {0, 1, 3, 100};
    fm->limit = limits[cfg1 >> 2 & 3];
    fm->evaluate = (cfg1 >> 4 & 3) == 2;
    fm->predict = (cfg1 >> 4 & 3) == 3;
    fm->no_shuffle = cfg1 & 0x40;
}

/* ---- checks ---- */

void fz_check_error(const char *msg, const char *const *files) {
    const char *why = NULL;
    if (!msg[0])
        why = "an empty message";
    for (const char *c = msg; !why && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            why = *c == '\n' ? "a message of several lines" : "a control character in the message";
    bool named = false;
    for (int i = 0; files && files[i]; i++)
        named = named || strstr(msg, files[i]) || strstr(msg, nnrt_basename(files[i]));
    if (!why && files && !named)
        why = "a message that names none of the files";
    if (why) {
        fprintf(stderr, "fuzz: %s: \"%s\"\n", why, msg);
        abort();
    }
}

static void fail_check(const char *what, const Dataset *d, int64_t i, double v) {
    fprintf(stderr, "fuzz: the %s set was accepted, but %s (index %lld: %g)\n", d->name, what,
            (long long)i, v);
    abort();
}

/* What a data set the runtime accepted must hold: finite features of the model's size,
 * labels the model can use. */
static void check_dataset(const Dataset *d, const NnrtModel *m, bool labels) {
    if (d->n == 0)
        return;
    if (d->n < 0 || d->dim != m->input_size || (!d->x && !d->x8))
        fail_check("its shape is not the model's", d, d->n, (double)d->dim);
    for (int64_t i = 0; i < d->n * d->dim; i++) {
        double v = d->x ? d->x[i] : d->x8[i] * (double)d->x8_scale + d->x8_shift;
        if (!isfinite(v))
            fail_check("a value is not finite", d, i, v);
    }
    if (!labels)
        return;
    int64_t ydim = nnrt_label_dim(m);
    if (d->ydim != ydim || !d->y)
        fail_check("its labels are not the model's", d, d->ydim, (double)ydim);
    for (int64_t i = 0; i < d->n * d->ydim; i++) {
        double v = d->y[i];
        if (!isfinite(v))
            fail_check("a label is not finite", d, i, v);
        if (m->task == NNRT_TASK_CLASSIFY && (v < 0 || v >= (double)m->n_classes || v != floor(v)))
            fail_check("a label is not a class index", d, i, v);
        if (m->task == NNRT_TASK_BINARY && v != 0 && v != 1)
            fail_check("a binary label is not 0 or 1", d, i, v);
    }
}

/* ---- the run ---- */

void fz_options(Options *o, const NnrtModel *m, const char *const *args) {
    const char *argv[32];
    int argc = 0;
    argv[argc++] = "fuzz";
    for (int i = 0; args[i] && argc < 31; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    if (nnrt_cli_parse(o, m, argc, (char **)argv, null, stderr) != CLI_RUN)
        abort(); /* the harness's own arguments */
}

void fz_run_trainer(FzModel *fm, const char *const *files) {
    const NnrtModel *m = &fm->m;
    current = m;
    NnrtError err = {0};
    if (!nnrt_check_model(m, &err)) {
        fprintf(stderr, "fuzz: harness model refused: %s\n", err.msg);
        abort();
    }
    char limit[32];
    snprintf(limit, sizeof limit, "%lld", (long long)fm->limit);
    const char *args[16] = {"--threads", "1", "--quiet"};
    int n = 3;
    if (fm->limit > 0) {
        args[n++] = "--limit";
        args[n++] = limit;
    }
    if (fm->no_shuffle)
        args[n++] = "--no-shuffle";
    if (fm->evaluate)
        args[n++] = "--evaluate";
    if (fm->predict) {
        args[n++] = "--predict";
        args[n++] = m->data.features_path;
    }
    if (fm->checkpoint) {
        args[n++] = fm->resume ? "--resume" : "--load";
        args[n++] = fm->checkpoint;
        if (fm->resume) {
            args[n++] = "--epochs";
            args[n++] = "3";
        }
    }
    args[n] = NULL;
    Options o;
    fz_options(&o, m, args);
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    Trainer t;
    bool ok = nnrt_trainer_init(&t, m, &o, &err) && nnrt_trainer_restore(&t, &err);
    if (ok && fm->restore_only) {
        /* nothing more */
    } else if (ok) { /* run.c's run_mode */
        DataRequest rq = {.limit = o.limit, .seed = t.state.seed, .file_order = !o.shuffle};
        if (o.evaluate) {
            rq.train = t.stats.active && !t.stats.ready;
            rq.test = true;
            rq.test_limit = rq.limit;
            rq.limit = 0;
            ok = nnrt_trainer_load_data(&t, &rq, &err) && nnrt_trainer_test(&t, null, &err);
        } else if (o.predict) {
            if (t.stats.active && !t.stats.ready) {
                rq.train = true;
                rq.limit = 0;
                ok = nnrt_trainer_load_data(&t, &rq, &err);
            }
            ok = ok && nnrt_trainer_predict(&t, o.predict, null, &err);
        } else {
            rq.train = rq.test = true;
            ok = nnrt_trainer_load_data(&t, &rq, &err) && nnrt_trainer_fit(&t, &err) &&
                 nnrt_trainer_results(&t, null, &err);
        }
    }
    static int show = -1;
    if (show < 0)
        show = getenv("FUZZ_SHOW") != NULL;
    if (show)
        fprintf(stderr, "fuzz: %s: %s\n", ok ? "accepted" : "refused",
                ok ? m->data.features_path : err.msg);
    if (!ok) {
        fz_check_error(err.msg, files);
    } else {
        check_dataset(&t.data.train, m, true);
        check_dataset(&t.data.val, m, true);
        check_dataset(&t.data.test, m, true);
    }
    nnrt_trainer_free(&t);
}

void fz_run_two_files(FzModel *fm, int kind, const char *features, const char *labels) {
    NnrtDataSource *src = fz_source(fm);
    src->kind = kind;
    src->features_path = features;
    src->labels_path = labels;
    const char *files[] = {features, labels, NULL};
    fz_run_trainer(fm, files);
}
