/*
 * checkpoint.h — checkpoints in the safetensors format (huggingface/safetensors):
 *
 *   8 bytes   little-endian u64 N, the header length
 *   N bytes   JSON: {"__metadata__": {string: string}, "<tensor>": {"dtype": "F32",
 *             "shape": [784, 10], "data_offsets": [begin, end]}, ...}, space-padded to
 *             a multiple of 8
 *   rest      the tensor bytes, little-endian, C order; offsets count from here
 *
 * Parameters are stored under their model tensor names ("dense_1.W"); the optimizer
 * slots as "optimizer.state"; early stopping's best weights as "early_stopping.best";
 * standardization statistics as "data.mean", "data.std", "data.y_mean", "data.y_std".
 * Everything else (model name, fingerprint, epoch, step, seed, the number of examples the
 * split was cut from, optimizer, schedule and early-stopping counters, class names) is
 * metadata, the last entry "crc32": the file's
 * CRC-32, checked on loading (a file without one loads unchecked). Files are written to a temporary
 * file of their own beside PATH (PATH.tmp.PID.N, created new: a file already there is
 * left alone), fsync'ed and renamed over PATH, so a crash never leaves a torn checkpoint.
 */
#ifndef NNRT_CHECKPOINT_H
#define NNRT_CHECKPOINT_H

#include "dataset.h"
#include "json.h"
#include "schedule.h"

/* Training progress that a checkpoint restores with --resume. */
typedef struct TrainState {
    int epoch;        /* epochs completed */
    int64_t step;     /* optimizer updates done */
    uint64_t seed;
} TrainState;

/* Everything saved or restored; NULL members are skipped. */
typedef struct CkptParts {
    const NnrtModel *m;
    void *params;          /* param_size elements, model precision */
    void *opt_state;       /* opt_state_size elements */
    TrainState *state;
    Schedule *sched;
    EarlyStop *es;
    Standardizer *stats;
    ClassVocab *vocab;     /* class names learned from CSV labels */
    bool fingerprint_differs; /* set by load: layouts fit, but the graph hash differs */
    bool has_seed;         /* set by load: the metadata holds the run's seed, */
    uint64_t seed;         /* this one (also without resume: a split = [...] follows it) */
    int64_t split_examples;/* examples of the training data the run cut its validation and
                              test parts from (after --limit), 0: none (no split, or a file
                              without it); saved, and set by load */
} CkptParts;

bool nnrt_ckpt_save(const char *path, const CkptParts *p, NnrtError *err);
/* Whether nnrt_ckpt_save could write `path` (not a directory, in a writable one, where
 * its temporary copy can be created beside it: one is, and removed): asked before the data
 * is read, so a bad --save fails before any training, not after it. */
bool nnrt_ckpt_can_save(const char *path, NnrtError *err);
/* Loads the parameters (and statistics and class names, when present). With resume,
 * also the optimizer state, the TrainState and the schedule/early-stopping counters.
 * The first model tensor that is missing or has another shape is named in the error. */
bool nnrt_ckpt_load(const char *path, CkptParts *p, bool resume, NnrtError *err);

/* ---- the safetensors layer underneath ---- */

typedef struct StEntry {   /* a tensor to write */
    const char *name;
    int elem_size;         /* 4 = F32, 8 = F64 */
    int rank;
    int64_t dims[NNRT_MAX_RANK];
    const void *data;
} StEntry;

/* meta: key, value, key, value, ..., NULL. */
bool nnrt_st_write(const char *path, const StEntry *e, int n, const char *const *meta,
                   NnrtError *err);

typedef struct SafeTensors {
    const char *path;
    unsigned char *bytes;  /* the whole file */
    size_t size;
    size_t data_start;     /* 8 + N */
    Json header;
} SafeTensors;

typedef struct StView {    /* a tensor found in a file */
    int elem_size;         /* 4 or 8; other dtypes are rejected */
    int rank;
    int64_t dims[NNRT_MAX_RANK];
    int64_t count;
    const unsigned char *data;
} StView;

bool nnrt_st_open(SafeTensors *st, const char *path, NnrtError *err);
/* Checks the file's CRC-32 against its metadata "crc32", which nnrt_st_write writes
 * (a file without one, from another program, passes). */
bool nnrt_st_verify(SafeTensors *st, NnrtError *err);
void nnrt_st_close(SafeTensors *st);
const char *nnrt_st_meta(const SafeTensors *st, const char *key); /* NULL if absent */
/* 1 found (and valid), 0 absent, -1 malformed entry (err set). */
int nnrt_st_find(const SafeTensors *st, const char *name, StView *v, NnrtError *err);
/* Element i of a tensor as double (handles F32/F64 and unaligned data). */
double nnrt_st_get(const StView *v, int64_t i);

#endif
