/*
 * loader.c — mini-batch gathering (see loader.h).
 */
#include "loader.h"

#include <string.h>

int64_t nnrt_target_cols(const NnrtModel *m, bool *one_hot) {
    /* Sparse CE takes class indices; every other loss compares whole output rows, so a
     * classifier trained with categorical CE (or MSE) gets one-hot rows. */
    *one_hot = m->task == NNRT_TASK_CLASSIFY && m->loss != NNRT_LOSS_SPARSE_CATEGORICAL_CE;
    return m->loss == NNRT_LOSS_SPARSE_CATEGORICAL_CE ? 1 : m->n_outputs;
}

static bool copy_next_row(void *arg);

/* Label values per row of yf (at least 1, so that a data set without labels still has a
 * buffer to point at). */
static int64_t label_width(const Dataset *ds) { return ds->ydim > 0 ? ds->ydim : 1; }

int64_t nnrt_batch_rows(int64_t batch, int64_t n) { return n < batch ? (n > 0 ? n : 1) : batch; }

void nnrt_loader_init(DataLoader *dl, const Dataset *ds, const NnrtModel *m, int64_t batch,
                      bool shuffle, Augmenter *aug, uint64_t seed) {
    memset(dl, 0, sizeof *dl);
    dl->ds = ds;
    dl->elem_size = m->elem_size;
    dl->batch = batch;
    dl->ycols = nnrt_target_cols(m, &dl->one_hot);
    dl->shuffle = shuffle;
    dl->seed = seed;
    dl->aug = aug;
    dl->order = nnrt_alloc(sizeof(int64_t) * (size_t)(ds->n > 0 ? ds->n : 1));
    int64_t rows = dl->rows = nnrt_batch_rows(batch, ds->n);
    dl->x = nnrt_alloc((size_t)(rows * m->input_size * m->elem_size));
    dl->xf = m->elem_size == 4 ? dl->x : nnrt_alloc(sizeof(float) * (size_t)(rows * m->input_size));
    dl->y = nnrt_alloc((size_t)(rows * dl->ycols * m->elem_size));
    dl->yf = nnrt_alloc(sizeof(float) * (size_t)(rows * label_width(ds)));
    dl->next.work = (IdleWork){copy_next_row, dl};
    atomic_init(&dl->next.claimed, 0);
    nnrt_loader_start_epoch(dl, 0);
}

void nnrt_loader_set_pool(DataLoader *dl, NnrtPool *pool) {
    dl->pool = pool;
    if (pool && nnrt_pool_threads(pool) > 1 && !dl->aug && !dl->next.x) {
        size_t values = (size_t)(dl->rows * dl->ds->dim);
        dl->next.x = nnrt_alloc(values * (size_t)dl->elem_size);
        dl->next.xf = dl->elem_size == 4 ? dl->next.x : nnrt_alloc(sizeof(float) * values);
        dl->next.yf = nnrt_alloc(sizeof(float) * (size_t)(dl->rows * label_width(dl->ds)));
    }
}

/* Rows of the batch that starts at position pos (the last one of an epoch may be short). */
static int64_t rows_at(const DataLoader *dl, int64_t pos) {
    return dl->ds->n - pos < dl->batch ? dl->ds->n - pos : dl->batch;
}

/* Takes the offered batch back from the pool's idle threads; when this returns, none of
 * them is still copying one of its rows. */
static void withdraw_next(DataLoader *dl) {
    if (dl->pool && atomic_load(&dl->pool->idle) == &dl->next.work)
        nnrt_pool_set_idle(dl->pool, NULL);
}

/* Offers the batch at dl->pos to the pool's idle threads; not while the pool is serial
 * (--threads auto running on one thread), where the trainer runs as with one thread and
 * the workers sleep instead of taking a core from whatever made one thread faster. */
static void offer_next(DataLoader *dl) {
    NextBatch *nx = &dl->next;
    nx->first = -1;
    if (!nx->x || dl->pos >= dl->ds->n || dl->pool->serial)
        return;
    nx->first = dl->pos;
    nx->rows = rows_at(dl, dl->pos);
    atomic_store(&nx->claimed, 0);
    nnrt_pool_set_idle(dl->pool, &nx->work);
}

void nnrt_loader_free(DataLoader *dl) {
    withdraw_next(dl);
    if (dl->next.xf != dl->next.x)
        nnrt_free(dl->next.xf);
    nnrt_free(dl->next.x);
    nnrt_free(dl->next.yf);
    if (dl->xf != dl->x)
        nnrt_free(dl->xf);
    nnrt_free(dl->x);
    nnrt_free(dl->y);
    nnrt_free(dl->yf);
    nnrt_free(dl->order);
    memset(dl, 0, sizeof *dl);
}

void nnrt_loader_start_epoch(DataLoader *dl, int epoch) {
    withdraw_next(dl); /* the order changes under it */
    for (int64_t i = 0; i < dl->ds->n; i++)
        dl->order[i] = i;
    if (dl->shuffle) {
        Rng rng;
        nnrt_rng_seed(&rng, dl->seed, RNG_SHUFFLE, (uint64_t)epoch);
        nnrt_rng_shuffle(&rng, dl->order, dl->ds->n);
    }
    nnrt_rng_seed(&dl->aug_rng, dl->seed, RNG_AUGMENT, (uint64_t)epoch);
    dl->pos = 0;
    dl->first = 0;
    offer_next(dl);
}

int64_t nnrt_loader_steps(const DataLoader *dl) {
    return (dl->ds->n + dl->batch - 1) / dl->batch;
}

/* y, in model precision (one-hot rows for class indices when the loss wants them), from
 * the labels the copy of the rows gathered into yf. */
static void convert_labels(DataLoader *dl, int64_t b) {
    const Dataset *ds = dl->ds;
    if (!ds->y)
        return;
    if (!dl->one_hot) {
        nnrt_from_float(dl->y, dl->elem_size, dl->yf, b * ds->ydim);
        return;
    }
    memset(dl->y, 0, (size_t)(b * dl->ycols * dl->elem_size));
    for (int64_t i = 0; i < b; i++)
        nnrt_set(dl->y, dl->elem_size, i * dl->ycols + (int64_t)dl->yf[i], 1.0);
}

/* Asks for every line of row `row` of the dataset (float or byte storage), so that they
 * travel from memory together instead of one after another as the copy reaches them.
 * Always inlined: GCC takes a function that only prefetches for one without effects and
 * drops its calls. */
__attribute__((always_inline)) static inline void prefetch_row(const Dataset *ds, int64_t row) {
    const char *p = ds->x ? (const char *)(ds->x + row * ds->dim)
                          : (const char *)(ds->x8 + row * ds->dim);
    size_t bytes = (ds->x ? sizeof(float) : 1) * (size_t)ds->dim;
    for (size_t b = 0; b < bytes; b += 64)
        __builtin_prefetch(p + b, 0, 3);
    if (ds->y)
        __builtin_prefetch(ds->y + row * ds->ydim, 0, 3);
}

/* dst[k] = src[k]·s + b: a row of an image data set kept as bytes, the loop that
 * gathering a batch spends its time in. It is compiled once per instruction set on
 * x86-64 (the CPU picks its version when the program starts), because the runtime
 * library itself is built for any x86-64, and vectorized (GCC does it at -O2 only for
 * loops whose length it knows). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default"),
               optimize("tree-vectorize", "vect-cost-model=dynamic")))
#elif defined(__x86_64__) && defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void bytes_to_floats(float *dst, const uint8_t *src, int64_t n, float s, float b) {
    for (int64_t k = 0; k < n; k++)
        dst[k] = (float)src[k] * s + b;
}

/* Row `row` of the dataset as floats into dst, and its labels (if any) into ydst. The
 * labels travel with their row: gathering them afterwards, one scattered read per row,
 * would be serial work on the training thread. */
static void copy_row(const Dataset *ds, int64_t row, float *dst, float *ydst) {
    if (ds->x)
        memcpy(dst, ds->x + row * ds->dim, sizeof(float) * (size_t)ds->dim);
    else
        bytes_to_floats(dst, ds->x8 + row * ds->dim, ds->dim, ds->x8_scale, ds->x8_shift);
    if (!ds->y)
        return;
    const float *y = ds->y + row * ds->ydim;
    for (int64_t k = 0; k < ds->ydim; k++)
        ydst[k] = y[k];
}

/* Rows [begin, end) of the batch: scattered reads from the dataset, which cost as much
 * as a small model's step when done by one thread; each row is requested in full a few
 * rows ahead, so that several are on their way from memory at once. */
enum { ROWS_AHEAD = 3 };

static void copy_rows(void *arg, int64_t begin, int64_t end, int chunk) {
    (void)chunk;
    DataLoader *dl = arg;
    const Dataset *ds = dl->ds;
    for (int64_t i = begin; i < end && i < begin + ROWS_AHEAD; i++)
        prefetch_row(ds, dl->order[dl->first + i]);
    for (int64_t i = begin; i < end; i++) {
        if (i + ROWS_AHEAD < end)
            prefetch_row(ds, dl->order[dl->first + i + ROWS_AHEAD]);
        copy_row(ds, dl->order[dl->first + i], dl->xf + i * ds->dim, dl->yf + i * ds->ydim);
    }
}

/* Idle work: copies one row of the offered batch (converted to model precision) and its
 * labels; returns false when every row has been handed out. Runs on any thread of the
 * pool, and on the loader's own when it needs the batch. */
static bool copy_next_row(void *arg) {
    DataLoader *dl = arg;
    const Dataset *ds = dl->ds;
    NextBatch *nx = &dl->next;
    int64_t r = atomic_fetch_add(&nx->claimed, 1);
    if (r >= nx->rows)
        return false;
    /* ROWS_AHEAD rows ahead, in this batch or in the one offered next (its first rows are
     * then in cache when the copying starts again, a step later) */
    if (nx->first + r + ROWS_AHEAD < ds->n)
        prefetch_row(ds, dl->order[nx->first + r + ROWS_AHEAD]);
    float *row = nx->xf + r * ds->dim;
    copy_row(ds, dl->order[nx->first + r], row, nx->yf + r * ds->ydim);
    if (nx->xf != nx->x)
        nnrt_from_float((char *)nx->x + r * ds->dim * dl->elem_size, dl->elem_size, row, ds->dim);
    return true;
}

/* The offered batch becomes the current one: the rows nobody copied yet are copied here,
 * then the buffers are swapped. */
static void take_next(DataLoader *dl) {
    NextBatch *nx = &dl->next;
    while (copy_next_row(dl))
        ;
    withdraw_next(dl);
    void *x = dl->x;
    float *xf = dl->xf;
    dl->x = nx->x;
    dl->xf = nx->xf;
    nx->x = x;
    nx->xf = xf;
    float *yf = dl->yf;
    dl->yf = nx->yf;
    nx->yf = yf;
    nx->first = -1;
}

/* Rows [0, b) of the batch at dl->first into x, on the pool's threads. */
static void copy_batch(DataLoader *dl, int64_t b) {
    const Dataset *ds = dl->ds;
    if (dl->aug) { /* augmentation draws from one stream in row order */
        for (int64_t i = 0; i < b; i++) {
            copy_rows(dl, i, i + 1, 0);
            nnrt_augment_apply(dl->aug, dl->xf + i * ds->dim, &dl->aug_rng);
        }
    } else {
        nnrt_parallel_for(dl->pool, b, copy_rows, dl);
    }
    if (dl->xf != dl->x)
        nnrt_from_float(dl->x, dl->elem_size, dl->xf, b * ds->dim);
}

void nnrt_loader_prefetch_next(const DataLoader *dl) {
    if (dl->next.first == dl->pos) /* offered to the pool's idle threads */
        return;
    int64_t b = rows_at(dl, dl->pos);
    for (int64_t i = 0; i < b; i++)
        prefetch_row(dl->ds, dl->order[dl->pos + i]);
}

int64_t nnrt_loader_next(DataLoader *dl) {
    int64_t b = rows_at(dl, dl->pos);
    if (b <= 0)
        return 0;
    dl->first = dl->pos;
    if (dl->next.first == dl->pos) /* copied ahead, in model precision */
        take_next(dl);
    else
        copy_batch(dl, b);
    convert_labels(dl, b);
    dl->pos += b;
    offer_next(dl);
    return b;
}
