/*
 * util.h — small services every runtime module uses: error values, aligned allocation,
 * a monotonic clock and reading/writing elements of model-precision buffers.
 *
 * Errors travel as an NnrtError filled by the function that noticed them and returned
 * as `false`; only run.c prints them (as "prog: error: msg") and picks the exit code,
 * so every module stays testable without exiting. Running out of memory is the one
 * exception: there is nothing sensible to return to, so nnrt_alloc prints and exits 1.
 */
#ifndef NNRT_UTIL_H
#define NNRT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NNRT_ALIGN 64 /* cache line: every big buffer starts on one (ABI promise) */

typedef struct NnrtError {
    char msg[1024]; /* one line, no trailing newline, no "error:" prefix */
    bool usage;     /* the command line is at fault (the trainer exits 2, not 1) */
} NnrtError;

/* Formats msg into err (if err is not NULL) and returns false, so callers can write
 * `return nnrt_fail(err, "...")`. Control characters (from a file's text the message
 * quotes) are written escaped (\n, \xNN), so the message stays one line, and so are bytes
 * that are no UTF-8, C1 and bidirectional controls (utf8.h). */
bool nnrt_fail(NnrtError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for an error of the command line found once the model, its checkpoint or its
 * data are known (--data that the mode would not read, no data anywhere): err->usage. */
bool nnrt_fail_usage(NnrtError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *nnrt_alloc(size_t bytes);               /* zeroed, NNRT_ALIGN-aligned; exits on OOM */
/* The same, its contents undefined: for a buffer filled as data arrive, whose pages then
 * cost memory only once written (a header announcing more than a file holds must not
 * cost what it announces). */
void *nnrt_alloc_unzeroed(size_t bytes);
void *nnrt_realloc(void *p, size_t bytes);    /* plain realloc that exits on OOM */
void nnrt_free(void *p);
char *nnrt_strdup(const char *s);

/* Bytes of the machine's memory this process may use: physical memory, or less under a
 * ulimit (RLIMIT_AS / RLIMIT_DATA). 0 if unknown. */
uint64_t nnrt_memory_limit(void);

/* a * b, or -1 if it would not fit in int64_t (sizes read from files are untrusted). */
int64_t nnrt_mul_checked(int64_t a, int64_t b);

double nnrt_now(void); /* monotonic seconds */

/* Element i of a model-precision buffer (elem_size 4 = float, 8 = double). */
/* Inline: the metrics read every output of every batch through them. */
static inline double nnrt_get(const void *buf, int elem_size, int64_t i) {
    return elem_size == 8 ? ((const double *)buf)[i] : (double)((const float *)buf)[i];
}

static inline void nnrt_set(void *buf, int elem_size, int64_t i, double v) {
    if (elem_size == 8)
        ((double *)buf)[i] = v;
    else
        ((float *)buf)[i] = (float)v;
}
/* dst[i] = src[i] for n elements, dst in model precision. */
void nnrt_from_float(void *dst, int elem_size, const float *src, int64_t n);

/* Writes s as one CSV field (RFC 4180): in double quotes, with "" for a quote, when it
 * holds a comma, a quote, a CR or a newline; as it is otherwise. */
void nnrt_csv_write_field(FILE *f, const char *s);

/* The last path component, for messages ("data/train.gz" -> "train.gz"). */
const char *nnrt_basename(const char *path);

#endif
