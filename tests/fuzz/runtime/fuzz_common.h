/*
 * fuzz_common.h — what the runtime's libFuzzer harnesses share (tests/fuzz/runtime/run.sh
 * builds and runs them; they are not part of `make check`).
 *
 * Each harness writes its input to files and hands them to the runtime the way a trainer
 * does: a small model description (FzModel, the stand-in for the object nnlc emits), the
 * trainer's own option parser, nnrt_trainer_init / _restore / _load_data, then a real
 * epoch, evaluation or --predict with no-op generated code. What it checks beyond the
 * sanitizers (fz_check_error, fz_check_data): a refused input gets one line naming one of
 * the files; an accepted one holds what the model expects.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include "checkpoint.h"
#include "cli.h"
#include "data.h"
#include "dataset.h"
#include "trainer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fuzzer's input, consumed from the front. */
typedef struct FzInput {
    const uint8_t *p;
    size_t n;
} FzInput;

uint8_t fz_byte(FzInput *in);     /* 0 when empty */
uint16_t fz_u16(FzInput *in);     /* little-endian; 0 when empty */
/* The next `len` bytes (fewer when the input is shorter); *got set to the count. */
const uint8_t *fz_take(FzInput *in, size_t len, size_t *got);

/* Two files' contents: a little-endian 16-bit length, the first file's bytes, and the
 * rest of the input as the second's. */
typedef struct FzPair {
    const uint8_t *x, *y;
    size_t xn, yn;
} FzPair;
FzPair fz_take_pair(FzInput *in);

/* A file of the per-process scratch directory (in /dev/shm when there is one); the
 * same string for the same name, for the life of the process. */
const char *fz_path(const char *name);
void fz_write(const char *path, const void *data, size_t n);
/* n bytes gzip-compressed into path, in `members` gzip members (1 or 2). */
void fz_write_gz(const char *path, const void *data, size_t n, int members);
/* A whole file (malloc'ed) and its size. */
uint8_t *fz_read(const char *path, size_t *n);

/* A model of one dense layer whose shapes and settings come from two config bytes
 * (see fz_model_config in fuzz_common.c for the bits). */
typedef struct FzModel {
    NnrtModel m;
    NnrtTensor tensors[2];
    const char *class_names[4];
    const char *series_inputs[3];
    /* run settings */
    int64_t limit;
    bool predict, evaluate, no_shuffle;
    const char *checkpoint;  /* --load FILE, or --resume FILE with resume */
    bool resume;
    bool restore_only;       /* stop after the checkpoint is read */
} FzModel;

void fz_model_config(FzModel *fm, uint8_t cfg0, uint8_t cfg1);
/* The model's data source after fz_model_config (its kind and paths are the harness's). */
static inline NnrtDataSource *fz_source(FzModel *fm) { return (NnrtDataSource *)&fm->m.data; }

/* Runs the trainer on fm's data as run.c does (train one epoch, --evaluate or --predict),
 * then checks the outcome: the message of a refusal (fz_check_error with `files`, NULL
 * terminated), or the data sets it accepted. */
void fz_run_trainer(FzModel *fm, const char *const *files);

/* A format of features and labels in two files (IDX, .npy): fm's data source reads
 * them, and fz_run_trainer runs. */
void fz_run_two_files(FzModel *fm, int kind, const char *features, const char *labels);

/* Aborts (a finding) when msg is empty, spans several lines, holds control characters,
 * or names none of `files` (by path or by base name). */
void fz_check_error(const char *msg, const char *const *files);

/* The trainer options of a run: nnrt_cli_parse on these arguments (NULL terminated). */
void fz_options(Options *o, const NnrtModel *m, const char *const *args);

#endif
