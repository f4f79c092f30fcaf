/*
 * run.h — nnrt_main, the whole trainer program behind main(): parse the command line,
 * check the compiled model, then train, evaluate, predict or gradcheck. Exit codes:
 * 0 success, 1 bad data / checkpoint / model or a numerical failure, 2 bad usage.
 */
#ifndef NNRT_RUN_H
#define NNRT_RUN_H

#include "nnrt.h"
#include "util.h"

int nnrt_main(const NnrtModel *m, int argc, char **argv);

/* Rejects a model description the runtime cannot trust (a compiler bug). */
bool nnrt_check_model(const NnrtModel *m, NnrtError *err);

#endif
