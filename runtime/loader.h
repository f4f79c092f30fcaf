/*
 * loader.h — the DataLoader: turns a Dataset into mini-batches in model precision.
 *
 * Each epoch visits every example once, in a fresh shuffled order when shuffling is on
 * (Keras fit(shuffle=True)); the last batch may be short. The order of epoch e comes
 * from an Rng seeded with (seed, e), and so does the augmentation, so a run resumed at
 * epoch e sees exactly the batches an uninterrupted run would. All buffers are
 * allocated by nnrt_loader_init and nnrt_loader_set_pool; nnrt_loader_next only copies.
 *
 * With a pool of several threads (and no augmentation), the rows of the next batch are
 * copied ahead into a second set of buffers by whichever threads of the pool wait
 * between kernels (the pool's idle work); nnrt_loader_next copies what is left, swaps
 * the buffers and offers the batch after. The batches are the same either way.
 */
#ifndef NNRT_LOADER_H
#define NNRT_LOADER_H

#include "augment.h"
#include "dataset.h"
#include "nnrt.h"
#include "rng.h"
#include "threadpool.h"

#include <stdatomic.h>

/* The next batch, being copied ahead (see above). */
typedef struct NextBatch {
    float *xf;          /* (batch, dim) staging of the next batch; aliases x for f32 */
    void *x;            /* (batch, dim) model precision */
    float *yf;          /* (batch, ydim) its labels as stored */
    int64_t first;      /* its first position, or -1: nothing offered */
    int64_t rows;
    atomic_int_fast64_t claimed; /* rows handed out to copiers so far */
    IdleWork work;      /* what the pool runs: one row per step */
} NextBatch;

typedef struct DataLoader {
    const Dataset *ds;
    int elem_size;
    int64_t batch;      /* rows per full batch */
    int64_t rows;       /* rows the buffers hold: batch, or the data size if smaller */
    int64_t ycols;      /* label values per row of y: 1, n_classes (one-hot) or n_outputs */
    bool one_hot;       /* expand class indices into one-hot rows */
    bool shuffle;
    uint64_t seed;
    Augmenter *aug;     /* NULL: no augmentation (validation, test, predict) */
    Rng aug_rng;
    int64_t *order;     /* (n) dataset row of each position in the epoch */
    int64_t pos;        /* next position */
    int64_t first;      /* position of the current batch's first row */
    float *xf;          /* (batch, dim) float staging; aliases x for f32 models */
    void *x;            /* (batch, dim) model precision */
    void *y;            /* (batch, ycols) model precision */
    float *yf;          /* (batch, ydim) labels as stored, for the metrics */
    NnrtPool *pool;     /* copies the rows of a batch in parallel when set (no augmentation) */
    NextBatch next;     /* used with a pool of 2+ threads and no augmentation */
} DataLoader;

/* Rows a batch of n examples can have: --batch, or n when the data set is smaller (the
 * buffers then hold the data, not --batch rows, as in Keras). */
int64_t nnrt_batch_rows(int64_t batch, int64_t n);

/* The layout of ctx->y for model m: its columns per row and whether class indices are
 * expanded to one-hot rows (see docs/abi.md, "Targets"). */
int64_t nnrt_target_cols(const NnrtModel *m, bool *one_hot);

void nnrt_loader_init(DataLoader *dl, const Dataset *ds, const NnrtModel *m, int64_t batch,
                      bool shuffle, Augmenter *aug, uint64_t seed);
/* Copies rows with `pool` from now on (NULL: on the calling thread). */
void nnrt_loader_set_pool(DataLoader *dl, NnrtPool *pool);
void nnrt_loader_free(DataLoader *dl);      /* before the pool is freed */
void nnrt_loader_start_epoch(DataLoader *dl, int epoch);
/* Fills x, y and yf with the next batch; returns its row count, 0 after the last. */
int64_t nnrt_loader_next(DataLoader *dl);
/* Asks the memory for every line of the next batch's rows, so that nnrt_loader_next
 * converts them from cache instead of waiting for each row in turn: call it when the
 * model is done with the current batch. Does nothing when the pool's threads copy the
 * next batch ahead (they fetch the rows themselves) or at the end of the epoch. */
void nnrt_loader_prefetch_next(const DataLoader *dl);
int64_t nnrt_loader_steps(const DataLoader *dl); /* batches per epoch */

#endif
