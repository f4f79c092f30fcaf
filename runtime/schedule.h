/*
 * schedule.h — the learning rate for each step, and the two epoch-end monitors that
 * watch the validation loss (the training loss when there is no validation set):
 * ReduceLROnPlateau (NNRT_SCHED_PLATEAU) and EarlyStopping. Both follow Keras'
 * callbacks, including min_delta (Keras' default 1e-4 for the plateau) and
 * "patience epochs without improvement", and Keras 3's restoring of the best weights at
 * the end of training. Their state is part of a checkpoint.
 */
#ifndef NNRT_SCHEDULE_H
#define NNRT_SCHEDULE_H

#include "nnrt.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct Schedule {
    const NnrtModel *m;
    double base_lr;       /* the model's lr or --lr */
    int64_t run_steps;    /* updates in the whole run: cosine's default decay_steps */
    double plateau_lr;    /* current lr under NNRT_SCHED_PLATEAU */
    double plateau_best;  /* best monitored value so far */
    int plateau_wait;     /* epochs since it improved */
} Schedule;

void nnrt_sched_init(Schedule *s, const NnrtModel *m, double base_lr);
/* lr for the `step`-th update (1-based) during epoch `epoch` (0-based). Like Keras,
 * step-based decays see the number of updates done before this one. */
double nnrt_sched_lr(const Schedule *s, int epoch, int64_t step);
/* Plateau bookkeeping after an epoch; returns true if it lowered the lr. */
bool nnrt_sched_epoch_end(Schedule *s, double monitored);

typedef struct EarlyStop {
    int patience;         /* 0: off */
    double min_delta;
    bool restore_best;
    double best;
    int wait;
    int best_epoch;       /* 0-based */
    bool have_best;       /* best_params holds a copy */
    void *best_params;    /* param_size elements, when restore_best */
    size_t bytes;
} EarlyStop;

void nnrt_es_init(EarlyStop *e, const NnrtModel *m);
void nnrt_es_free(EarlyStop *e);
/* Returns true when training should stop; then, with restore_best, params has been
 * overwritten with the best epoch's weights. */
bool nnrt_es_epoch_end(EarlyStop *e, double monitored, int epoch, void *params);
/* When training ends after `last_epoch` (0-based) without early stopping having ended it:
 * with restore_best, params gets the best epoch's weights, as Keras 3's on_train_end
 * restores them however training ended. Returns true if that changed them (the best
 * epoch was not the last). */
bool nnrt_es_train_end(EarlyStop *e, int last_epoch, void *params);
/* Whether a run whose state this is, after `epochs_done` epochs, has been stopped by it:
 * nnrt_es_epoch_end stops exactly when `wait` reaches `patience` after an epoch but the
 * first, so a checkpoint's counters say so without a flag of their own. */
bool nnrt_es_stopped(const EarlyStop *e, int epochs_done);

#endif
