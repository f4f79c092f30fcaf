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
    dl->x = nnrt_alloc((size_t)(batch * m->input_size * m->elem_size));
    dl->xf = m->elem_size == 4 ? dl->x : nnrt_alloc(sizeof(float) * (size_t)(batch * m->input_size));
    dl->y = nnrt_alloc((size_t)(batch * dl->ycols * m->elem_size));
    dl->yf = nnrt_alloc(sizeof(float) * (size_t)(batch * (ds->ydim > 0 ? ds->ydim : 1)));
    nnrt_loader_start_epoch(dl, 0);
}

void nnrt_loader_free(DataLoader *dl) {
    if (dl->xf != dl->x)
        nnrt_free(dl->xf);
    nnrt_free(dl->x);
    nnrt_free(dl->y);
    nnrt_free(dl->yf);
    nnrt_free(dl->order);
    memset(dl, 0, sizeof *dl);
}

void nnrt_loader_start_epoch(DataLoader *dl, int epoch) {
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
}

int64_t nnrt_loader_steps(const DataLoader *dl) {
    return (dl->ds->n + dl->batch - 1) / dl->batch;
}

static void gather_labels(DataLoader *dl, int64_t b) {
    const Dataset *ds = dl->ds;
    if (!ds->y)
        return;
    for (int64_t i = 0; i < b; i++)
        memcpy(dl->yf + i * ds->ydim, ds->y + dl->order[dl->first + i] * ds->ydim,
               sizeof(float) * (size_t)ds->ydim);
    if (!dl->one_hot) {
        nnrt_from_float(dl->y, dl->elem_size, dl->yf, b * ds->ydim);
        return;
    }
    memset(dl->y, 0, (size_t)(b * dl->ycols * dl->elem_size));
    for (int64_t i = 0; i < b; i++)
        nnrt_set(dl->y, dl->elem_size, i * dl->ycols + (int64_t)dl->yf[i], 1.0);
}

/* Rows [begin, end) of the batch: scattered reads from the dataset, which cost as much
 * as a small model's step when done by one thread (each row starts with a miss to
 * memory: the first lines of a row a few rows ahead are requested early). */
static void copy_rows(void *arg, int64_t begin, int64_t end, int chunk) {
    (void)chunk;
    DataLoader *dl = arg;
    const Dataset *ds = dl->ds;
    for (int64_t i = begin; i < end; i++) {
        if (i + 4 < end) { /* the hardware streams a row once started: start it early */
            const char *ahead = (const char *)(ds->x + dl->order[dl->first + i + 4] * ds->dim);
            __builtin_prefetch(ahead, 0, 3);
            __builtin_prefetch(ahead + 64, 0, 3);
        }
        memcpy(dl->xf + i * ds->dim, ds->x + dl->order[dl->first + i] * ds->dim,
               sizeof(float) * (size_t)ds->dim);
    }
}

int64_t nnrt_loader_next(DataLoader *dl) {
    const Dataset *ds = dl->ds;
    int64_t b = ds->n - dl->pos < dl->batch ? ds->n - dl->pos : dl->batch;
    if (b <= 0)
        return 0;
    dl->first = dl->pos;
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
    gather_labels(dl, b);
    dl->pos += b;
    return b;
}
