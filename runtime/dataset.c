/*
 * dataset.c — from declared sources to train/validation/test sets (see dataset.h):
 * source overrides, splitting, standardization.
 */
#include "dataset.h"

#include "rng.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int64_t nnrt_label_dim(const NnrtModel *m) {
    return m->task == NNRT_TASK_CLASSIFY ? 1 : m->n_outputs;
}

DataSpec nnrt_data_spec(const NnrtModel *m, ClassVocab *vocab, int64_t limit, bool labels) {
    DataSpec s = {
        .input_size = m->input_size,
        .input_dims = m->input_dims,
        .input_rank = m->input_rank,
        .task = m->task,
        .n_classes = m->n_classes,
        .ydim = nnrt_label_dim(m),
        .labels = labels,
        .limit = limit,
        .vocab = vocab,
        .keep_bytes = !m->data.standardize, /* standardized features must be floats */
        .index_limit = m->input_index_limit,
        .one_hot_rows = m->task == NNRT_TASK_CLASSIFY && m->loss == NNRT_LOSS_CATEGORICAL_CE,
    };
    return s;
}

/* base with its file names replaced by a command-line override. */
static NnrtDataSource override(NnrtDataSource base, const char *path, const char *labels) {
    if (!path)
        return base;
    int kind = nnrt_data_kind_for(path);
    /* A pipe's name (--data <(zcat d.csv.gz), /dev/stdin, /dev/fd/3) says no format, and
     * was read as IDX, the rule for a name without .csv or .npy: a CSV model's data could
     * not come through one (the error's hint, to name the file .csv, cannot be followed).
     * A pipe, or a name under /dev/, is read in the format of the model's own source. */
    struct stat sb;
    if (kind == NNRT_DATA_IDX && base.kind != NNRT_DATA_NONE &&
        (strncmp(path, "/dev/", 5) == 0 || (stat(path, &sb) == 0 && S_ISFIFO(sb.st_mode))))
        kind = base.kind == NNRT_DATA_SERIES ? NNRT_DATA_CSV : base.kind;
    if (!(base.kind == NNRT_DATA_SERIES && kind == NNRT_DATA_CSV) && kind != base.kind) {
        /* Another format: its options take the language's defaults (header, last column
         * is the label); the preprocessing (scale, shift, standardize) stays. */
        base.kind = kind;
        base.csv_header = 1;
        base.csv_label = NULL;
        base.csv_label_index = -1;
    }
    base.features_path = path;
    base.labels_path = labels;
    return base;
}

Dataset nnrt_dataset_view(const char *name, const Table *t, const char *origin, int64_t begin,
                          int64_t end) {
    Dataset d = {name, origin, end - begin, t->dim, t->ydim,
                 t->x ? t->x + begin * t->dim : NULL, t->y ? t->y + begin * t->ydim : NULL,
                 t->x8 ? t->x8 + begin * t->dim : NULL, t->x8_scale, t->x8_shift};
    return d;
}

static int compare_rows(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Puts the rows of t in a seeded random order (for split_train/val/test). With in_order,
 * the first parts[0] rows, the next parts[1] and the next parts[2] (the split's training,
 * validation and test parts) are then each put back in file order: the parts hold the
 * same rows as when shuffling, and a run with shuffle off visits its training part in
 * file order. */
static void shuffle_table(Table *t, uint64_t seed, bool in_order, const int64_t parts[3]) {
    int64_t *perm = nnrt_realloc(NULL, sizeof(int64_t) * (size_t)t->n);
    for (int64_t i = 0; i < t->n; i++)
        perm[i] = i;
    Rng rng;
    nnrt_rng_seed(&rng, seed, RNG_SPLIT, 0);
    nnrt_rng_shuffle(&rng, perm, t->n);
    for (int64_t k = 0, at = 0; in_order && k < 3; at += parts[k++])
        qsort(perm + at, (size_t)parts[k], sizeof *perm, compare_rows);
    size_t row = (t->x ? sizeof(float) : 1) * (size_t)t->dim;
    char *from = t->x ? (char *)t->x : (char *)t->x8;
    char *x = nnrt_alloc(row * (size_t)t->n);
    float *y = t->y ? nnrt_alloc(sizeof(float) * (size_t)(t->n * t->ydim)) : NULL;
    for (int64_t i = 0; i < t->n; i++) {
        memcpy(x + (size_t)i * row, from + (size_t)perm[i] * row, row);
        if (y)
            memcpy(y + i * t->ydim, t->y + perm[i] * t->ydim, sizeof(float) * (size_t)t->ydim);
    }
    nnrt_free(from);
    nnrt_free(t->y);
    if (t->x)
        t->x = (float *)x;
    else
        t->x8 = (uint8_t *)x;
    t->y = y;
    free(perm);
}

static bool has_fraction_split(const NnrtModel *m) {
    return m->split_train > 0 || m->split_val > 0 || m->split_test > 0;
}

/* Cuts the training table into train / validation / test views. want_val and want_test
 * say whether those still need to come from it (no separate source was given). Every
 * part of a `split` with a fraction above 0 gets at least one example: a file with fewer
 * examples than such parts is an error. */
static bool split_training(DataSplits *d, const NnrtModel *m, const char *origin, bool want_val,
                           bool want_test, const DataRequest *rq, NnrtError *err) {
    int64_t limit = rq->limit;
    Table *t = &d->tables[0];
    int64_t n = t->n, n_val = 0, n_test = 0, n_train = n;
    if (has_fraction_split(m)) {
        bool val = want_val && m->split_val > 0, test = want_test && m->split_test > 0;
        int parts = 1 + val + test;
        if (n < parts) { /* parts >= 2 here: a file holds at least one example */
            /* the split as the model writes it ([1, 1, 1], not its fractions) */
            char fractions[96];
            return nnrt_fail(err, "%s: %s %lld example%s, too few for split = %s: the "
                             "training%s sets each need at least one", origin,
                             n == limit ? "--limit leaves" : "holds", (long long)n,
                             n == 1 ? "" : "s", m->split_text ? m->split_text
                                             : nnrt_format_split(fractions, sizeof fractions, m),
                             val && test ? ", validation and test" : val ? " and validation"
                                                                       : " and test");
        }
        n_val = val ? (int64_t)floor((double)n * m->split_val) : 0;
        n_test = test ? (int64_t)floor((double)n * m->split_test) : 0;
        double total = m->split_train + m->split_val + m->split_test;
        /* Fractions summing to 1 give every row a home; otherwise the rest is unused. */
        n_train = fabs(total - 1.0) < 1e-9 ? n - n_val - n_test : (int64_t)floor((double)n * m->split_train);
        /* A part asked for is never rounded down to nothing (9 rows, split 0.8/0.1/0.1: one
         * each; 10 rows, [1, 1, 98]: one for validation too): it takes an unused row, or
         * one of the largest part's (n >= parts, so that part has two or more). */
        int64_t *size[3] = {&n_train, &n_val, &n_test};
        bool asked[3] = {true, val, test};
        for (int k = 0; k < 3; k++) {
            if (!asked[k] || *size[k] > 0)
                continue;
            if (n - n_train - n_val - n_test < 1) {
                int largest = 0;
                for (int j = 1; j < 3; j++)
                    if (*size[j] > *size[largest])
                        largest = j;
                (*size[largest])--;
            }
            *size[k] = 1;
        }
        int64_t sizes[3] = {n_train, n_val, n_test};
        if (m->data.kind != NNRT_DATA_SERIES)
            shuffle_table(t, rq->seed, rq->file_order, sizes);
    } else if (want_val && m->validation_split > 0) {
        /* Keras: split_at = floor(n * (1 - validation_split)); validation = x[split_at:]. */
        n_train = (int64_t)floor((double)n * (1.0 - m->validation_split));
        n_val = n - n_train;
    }
    d->split_from = n_val > 0 || n_test > 0 ? n : 0;
    d->train = nnrt_dataset_view("training", t, origin, 0, n_train);
    if (n_val > 0)
        d->val = nnrt_dataset_view("validation", t, origin, n_train, n_train + n_val);
    int64_t test_n = rq->test_limit > 0 && rq->test_limit < n_test ? rq->test_limit : n_test;
    if (test_n > 0)
        d->test = nnrt_dataset_view("test", t, origin, n_train + n_val, n_train + n_val + test_n);
    return true;
}

static void init_vocab(ClassVocab *v, const NnrtModel *m) {
    memset(v, 0, sizeof *v);
    if (!m->class_names || m->task == NNRT_TASK_REGRESS)
        return;
    int n = (int)(m->task == NNRT_TASK_CLASSIFY ? m->n_classes : 2);
    v->names = nnrt_realloc(NULL, sizeof(char *) * (size_t)n);
    for (int i = 0; i < n; i++)
        v->names[i] = nnrt_strdup(m->class_names[i] ? m->class_names[i] : "");
    v->n = n;
    v->fixed = true;
}

/* Reads one source. An embedding's indices (spec->index_limit) are checked by the readers
 * as each value is read, after the source's scale and shift (nnrt_index_ok), naming
 * the byte or the line and column. */
static bool read_checked(const NnrtDataSource *src, const DataSpec *spec, Table *t,
                         NnrtError *err) {
    bool ok = nnrt_read_source(src, spec, t, err);
    nnrt_free(t->lines); /* only messages about the file use them */
    t->lines = NULL;
    return ok;
}

/* A file of a source the model declares that is not there (the trainer copied to another
 * machine, the data moved since nnlc compiled it): "cannot open PATH: No such file" alone
 * did not say the path was the model's, nor how to give another. */
static bool declared_present(const NnrtDataSource *src, bool overridden, const char *role,
                             const char *option, NnrtError *err) {
    const char *paths[2] = {src->features_path, src->labels_path};
    for (int i = 0; i < 2 && !overridden; i++)
        if (paths[i] && access(paths[i], F_OK) != 0 && errno == ENOENT)
            return nnrt_fail(err, "cannot open %s: %s (the %s data the model declares; %s%s)",
                             paths[i], strerror(ENOENT), role,
                             option ? "pass other data with " : "edit the train block and "
                             "compile it again", option ? option : "");
    return true;
}

static bool load_sources(DataSplits *d, const NnrtModel *m, const DataRequest *rq, NnrtError *err) {
    NnrtDataSource train_src = override(m->data, rq->data_path, rq->data_labels);
    NnrtDataSource test_src = override(m->test.kind != NNRT_DATA_NONE ? m->test : m->data,
                                       rq->test_path, rq->test_labels);
    /* The command line refuses a CSV file's second operand by its name; a pipe read as CSV
     * (the model's format) has none, and its LABELS went unread without a word */
    const NnrtDataSource *given[2] = {rq->data_path ? &train_src : NULL,
                                      rq->test_path ? &test_src : NULL};
    for (int i = 0; i < 2; i++)
        if (given[i] && given[i]->labels_path &&
            (given[i]->kind == NNRT_DATA_CSV || given[i]->kind == NNRT_DATA_SERIES))
            return nnrt_fail(err, "--%s: %s is read as CSV (the model's format: its name says "
                             "none), which holds its own labels; unexpected '%s'",
                             i ? "test" : "data", given[i]->features_path,
                             given[i]->labels_path);
    bool sep_val = m->validation.kind != NNRT_DATA_NONE;
    bool sep_test = rq->test_path || m->test.kind != NNRT_DATA_NONE;
    bool need_train = rq->train || (rq->test && !sep_test && m->split_test > 0);
    DataSpec all = nnrt_data_spec(m, &d->vocab, 0, true);
    DataSpec limited = nnrt_data_spec(m, &d->vocab, rq->limit, true);
    DataSpec test_limited = nnrt_data_spec(m, &d->vocab, rq->test_limit, true);
    all.feature_names = limited.feature_names = test_limited.feature_names = &d->feature_names;
    if (need_train) {
        if (train_src.kind == NNRT_DATA_NONE)
            /* training, or checking gradients, with no data anywhere: a missing operand */
            return nnrt_fail_usage(err, "the model declares no training data; pass --data PATH "
                                   "[LABELS]");
        d->origin[0] = train_src.features_path;
        d->label_origin[0] = train_src.labels_path;
        if (!declared_present(&train_src, rq->data_path != NULL, "training", "--data PATH [LABELS]",
                              err) ||
            !read_checked(&train_src, &limited, &d->tables[0], err))
            return false;
        if (!split_training(d, m, train_src.features_path, !sep_val, rq->test && !sep_test, rq,
                            err))
            return false;
    }
    if (rq->train && sep_val) {
        d->origin[1] = m->validation.features_path;
        d->label_origin[1] = m->validation.labels_path;
        if (!declared_present(&m->validation, false, "validation", NULL, err) ||
            !read_checked(&m->validation, &all, &d->tables[1], err))
            return false;
        d->val = nnrt_dataset_view("validation", &d->tables[1], m->validation.features_path, 0,
                                   d->tables[1].n);
    }
    if (rq->test && sep_test) {
        d->origin[2] = test_src.features_path;
        d->label_origin[2] = test_src.labels_path;
        if (!declared_present(&test_src, rq->test_path != NULL, "test", "--test PATH [LABELS]", err) ||
            !read_checked(&test_src, &test_limited, &d->tables[2], err))
            return false;
        d->test = nnrt_dataset_view("test", &d->tables[2], test_src.features_path, 0,
                                    d->tables[2].n);
    }
    return true;
}

bool nnrt_data_load(DataSplits *d, const NnrtModel *m, const DataRequest *rq, Standardizer *st,
                    NnrtError *err) {
    /* Class names restored from a checkpoint (nnrt_ckpt_load) survive; the data must
     * then use the same names. */
    ClassVocab vocab = d->vocab;
    memset(d, 0, sizeof *d);
    d->vocab = vocab;
    if (!d->vocab.fixed)
        init_vocab(&d->vocab, m);
    if (!load_sources(d, m, rq, err))
        return false;
    /* tables[0] holds what --limit kept: the file holds more (as split_training says) */
    if (rq->train && d->train.n == 0)
        return nnrt_fail(err, "%s: %s %lld example%s, none left for training after the "
                         "validation and test splits",
                         rq->data_path ? rq->data_path : m->data.features_path,
                         d->tables[0].n == rq->limit ? "--limit leaves" : "holds",
                         (long long)d->tables[0].n, d->tables[0].n == 1 ? "" : "s");
    if (st->active && !st->ready) {
        if (d->train.n == 0)
            return nnrt_fail(err, "standardization needs the training data (or a checkpoint that "
                             "holds its statistics)");
        nnrt_std_fit(st, &d->train);
    }
    for (int i = 0; i < 3; i++)
        if (!nnrt_std_apply(st, &d->tables[i], d->origin[i], d->label_origin[i], err))
            return false;
    return true;
}

void nnrt_data_free(DataSplits *d) {
    for (int i = 0; i < 3; i++)
        nnrt_table_free(&d->tables[i]);
    nnrt_vocab_free(&d->vocab);
    nnrt_csv_feature_names_free(&d->feature_names);
    memset(d, 0, sizeof *d);
}

bool nnrt_data_load_predict(Table *t, const NnrtModel *m, const char *path, int64_t limit,
                            const Standardizer *st, NnrtError *err) {
    NnrtDataSource src = override(m->data, path, NULL);
    ClassVocab vocab = {0};
    DataSpec spec = nnrt_data_spec(m, &vocab, limit, false);
    bool ok = read_checked(&src, &spec, t, err) && nnrt_std_apply(st, t, path, NULL, err);
    nnrt_vocab_free(&vocab);
    if (!ok)
        nnrt_table_free(t);
    return ok;
}

/* ---- standardization ---- */

void nnrt_std_init(Standardizer *st, const NnrtModel *m) {
    memset(st, 0, sizeof *st);
    st->active = m->data.standardize != 0;
    /* A window is (T, F) row-major, so value i belongs to column i % F. */
    bool series = m->data.kind == NNRT_DATA_SERIES && m->data.n_series_inputs > 0;
    st->dim = series ? m->data.n_series_inputs : m->input_size;
    st->mean = nnrt_alloc(sizeof(float) * (size_t)st->dim);
    st->std = nnrt_alloc(sizeof(float) * (size_t)st->dim);
    if (m->task == NNRT_TASK_REGRESS) {
        st->ydim = m->n_outputs;
        st->y_mean = nnrt_alloc(sizeof(float) * (size_t)st->ydim);
        st->y_std = nnrt_alloc(sizeof(float) * (size_t)st->ydim);
    }
}

/* Mean and population standard deviation of each of `dim` features over (n, stride)
 * rows, value i of a row being feature i % dim. A constant feature gets std 1 rather
 * than Keras' 1e-7 floor, so a pixel that is always 0 in training cannot explode to 1e7
 * on a test image. */
static void column_stats(const float *v, int64_t n, int64_t stride, int64_t dim, float *mean,
                         float *std) {
    double *sum = calloc((size_t)dim, sizeof(double)), *sq = calloc((size_t)dim, sizeof(double));
    for (int64_t i = 0; i < n * stride; i++)
        sum[i % stride % dim] += v[i];
    int64_t count = n * (stride / dim);
    for (int64_t j = 0; j < dim; j++)
        sum[j] /= (double)count;
    for (int64_t i = 0; i < n * stride; i++) {
        double dv = v[i] - sum[i % stride % dim];
        sq[i % stride % dim] += dv * dv;
    }
    for (int64_t j = 0; j < dim; j++) {
        double sd = sqrt(sq[j] / (double)count);
        mean[j] = (float)sum[j];
        std[j] = sd < 1e-7 ? 1.0f : (float)sd;
    }
    free(sum);
    free(sq);
}

void nnrt_std_fit(Standardizer *st, const Dataset *train) {
    column_stats(train->x, train->n, train->dim, st->dim, st->mean, st->std);
    if (st->ydim && train->y)
        column_stats(train->y, train->n, train->ydim, st->ydim, st->y_mean, st->y_std);
    st->ready = true;
}

/* v[i] = (v[i] - mean[j]) / std[j], j = i % stride % dim, over n rows of `stride`; false,
 * naming the value, when a result is beyond float32's range: statistics from a damaged
 * checkpoint (a standard deviation of 1e-30), or a value far outside the training data,
 * would otherwise reach the model as an infinity and surface as a NaN loss. */
static bool standardize(float *v, int64_t n, int64_t stride, int64_t dim, const float *mean,
                        const float *std, const char *from, const char *path, const char *what,
                        NnrtError *err) {
    for (int64_t i = 0; i < n * stride; i++) {
        int64_t j = i % stride % dim;
        float x = v[i];
        v[i] = (x - mean[j]) / std[j];
        if (!isfinite(v[i]))
            return nnrt_fail(err, "%s: example %lld, %s %lld: %g standardized with the mean %g "
                             "and the standard deviation %g%s%s is beyond float32's range (%s)",
                             path, (long long)(i / stride + 1), what, (long long)(i % stride + 1),
                             (double)x, (double)mean[j], (double)std[j], from ? " of " : "",
                             from ? from : "", from ? "is the checkpoint damaged?"
                                                    : "a value far outside the training data");
    }
    return true;
}

bool nnrt_std_apply(const Standardizer *st, Table *t, const char *path, const char *labels_path,
                    NnrtError *err) {
    if (!st->active || !st->ready || t->n == 0)
        return true;
    if (!standardize(t->x, t->n, t->dim, st->dim, st->mean, st->std, st->from, path, "value",
                     err))
        return false;
    if (!st->ydim || !t->y)
        return true;
    return standardize(t->y, t->n, t->ydim, st->ydim, st->y_mean, st->y_std, st->from,
                       labels_path ? labels_path : path, "target", err);
}

void nnrt_std_free(Standardizer *st) {
    nnrt_free(st->mean);
    nnrt_free(st->std);
    nnrt_free(st->y_mean);
    nnrt_free(st->y_std);
    memset(st, 0, sizeof *st);
}
