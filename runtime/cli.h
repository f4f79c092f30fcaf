/*
 * cli.h — the trainer's command line. Options are described once, in a table in cli.c
 * that drives both parsing and --help, so the two cannot disagree. Defaults come from
 * the model's train block.
 */
#ifndef NNRT_CLI_H
#define NNRT_CLI_H

#include "nnrt.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct Options {
    const char *prog;          /* for messages: basename of argv[0] */
    int epochs;
    int64_t batch;
    double lr;
    bool lr_given;             /* --resume of a reduce_on_plateau run takes it as the current lr */
    uint64_t seed;
    bool seed_given;           /* --resume keeps the checkpoint's seed unless --seed is given */
    int threads;
    bool threads_auto;         /* --threads auto (the default): all threads or one, whichever
                                * trains faster, compared every second (thread_choice.h) */
    int64_t limit;             /* 0 = all */
    const char *data_path, *data_labels;
    const char *test_path, *test_labels;
    const char *history, *save, *load, *resume, *predict;
    bool evaluate, gradcheck;
    bool shuffle;              /* a fresh random order of the training examples per epoch */
    int verbose;               /* 0 only the final result (--quiet), 1 progress bar, 2 a line per epoch */
    double tolerance;          /* 0 = the default for the model's precision */
} Options;

enum { CLI_RUN = 0, CLI_HELP = 1, CLI_USAGE = 2 };

/* Fills o from the model's defaults and argv. Prints --help to out, usage errors to err. */
int nnrt_cli_parse(Options *o, const NnrtModel *m, int argc, char **argv, FILE *out, FILE *err);

#endif
