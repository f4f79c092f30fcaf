/*
 * trainer.h — the Trainer: owns every buffer the generated code touches, the data,
 * the loaders and metrics, and runs fit / evaluate / predict.
 *
 * Per training batch the generated entry points are called in this order, with
 * ctx.training = 1:   forward -> loss_fn -> backward -> update
 * and for evaluation and prediction (ctx.training = 0):   forward [-> loss_fn]
 * Every buffer is allocated once, 64-byte aligned, in nnrt_trainer_init (and the
 * loaders' in nnrt_trainer_load_data); the batch loop allocates nothing.
 */
#ifndef NNRT_TRAINER_H
#define NNRT_TRAINER_H

#include "augment.h"
#include "checkpoint.h"
#include "cli.h"
#include "loader.h"
#include "metrics.h"
#include "progress.h"
#include "schedule.h"
#include "stop_signals.h"
#include "thread_choice.h"
#include "threadpool.h"

#include <stdio.h>

/* Rows of the batch --gradcheck differentiates: not a multiple of 4, so that the rows
 * left after a dense product's 4-example tiles (B mod 4) are checked too. */
#define NNRT_GRADCHECK_BATCH 6

typedef struct Trainer {
    const NnrtModel *m;
    const Options *opt;
    ThreadPool pool;
    ThreadChoice choice;   /* --threads auto: all threads or one, per training step */
    int64_t max_batch;     /* rows the buffers hold: --batch capped at the data's size, at
                            * least the gradcheck batch; 0 before data is loaded */
    void *params;          /* (param_size) model precision */
    void *grads;           /* (param_size) */
    void *opt_state;       /* (opt_state_size) */
    void *work;            /* work_size(max_batch) bytes */
    void *out;             /* (max_batch, n_outputs) */
    void *noise;           /* (max_batch, noise_per_example) */
    NnrtCtx ctx;
    DataSplits data;
    Standardizer stats;
    Augmenter aug;
    DataLoader train_dl, val_dl, test_dl;
    bool loaders_ready;
    Metrics train_m, eval_m;
    Schedule sched;
    EarlyStop es;
    TrainState state;
    int64_t ckpt_split_examples; /* --load/--resume: the examples its run cut its validation
                                    and test parts from (a checkpoint's split_examples), 0:
                                    none known */
    int64_t first_step;    /* state.step when this run's training began (after --resume) */
    int first_epoch;       /* state.epoch when it began */
    bool saved;            /* --save's file holds the weights and state as they are now */
    StopSignals stop;      /* SIGINT, SIGTERM: stop.signo when one ended training */
    double last_lr;        /* lr of the latest update, for the history */
    Progress progress;
    FILE *history;
    Rng noise_rng;
    Rng *seeded_noise_rng; /* one per NnrtModel.noise_seeds, seeded at every epoch */
} Trainer;

/* Allocates buffers, starts the pool and initializes weights from the seed. */
bool nnrt_trainer_init(Trainer *t, const NnrtModel *m, const Options *o, NnrtError *err);
void nnrt_trainer_free(Trainer *t);

/* Applies --load or --resume, if given. */
bool nnrt_trainer_restore(Trainer *t, NnrtError *err);
/* Reads the data sets the request asks for and prepares the loaders. */
bool nnrt_trainer_load_data(Trainer *t, const DataRequest *rq, NnrtError *err);

/* The epoch loop, from state.epoch to --epochs, with validation, schedules, early
 * stopping, --history and --save. SIGINT, SIGTERM or SIGHUP ends it between two steps: false,
 * with stop.signo set and err saying what the checkpoint holds. */
bool nnrt_trainer_fit(Trainer *t, NnrtError *err);
/* Evaluates a loader's whole dataset with training = 0 into mt. */
bool nnrt_trainer_evaluate(Trainer *t, DataLoader *dl, Metrics *mt, NnrtError *err);
/* Evaluates the test set and prints the result line (and confusion matrix). */
bool nnrt_trainer_test(Trainer *t, FILE *out, NnrtError *err);
/* After training: the test result (nnrt_trainer_test); at verbosity 0 and no test set,
 * the validation metrics, or without validation data the last epoch's training ones. */
bool nnrt_trainer_results(Trainer *t, FILE *out, NnrtError *err);
/* Prints one CSV row of predictions per row of the file (its first --limit rows). */
bool nnrt_trainer_predict(Trainer *t, const char *path, FILE *out, NnrtError *err);
bool nnrt_trainer_save(Trainer *t, const char *path, NnrtError *err);

/* Fills the first rows * noise_per_example values of t->noise with U[0, 1), row by row:
 * the slices of NnrtModel.noise_seeds from seeded[i] (NULL: from rng too), the rest from
 * rng, so that without seeded slices the values are rng's, one after the other. */
void nnrt_trainer_fill_noise(Trainer *t, Rng *rng, Rng *seeded, int64_t rows);
/* The class names to show: the model's, else those found in CSV labels, else NULL. */
const char *const *nnrt_trainer_class_names(const Trainer *t);

/* --gradcheck (gradcheck.c): returns 0 if every tensor is within tolerance, 1 if not,
 * -1 on an error (err set). */
int nnrt_gradcheck(Trainer *t, double tolerance, FILE *out, NnrtError *err);

#endif
