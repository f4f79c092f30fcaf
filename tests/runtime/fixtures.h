/*
 * fixtures.h — writers for the small data files the runtime tests read: IDX (plain or
 * gzip), .npy, CSV, and a set of deliberately broken files. Used by the unit tests and
 * by rt_fixtures, which writes them all into a directory for the CLI error tests.
 */
#ifndef NNRT_TEST_FIXTURES_H
#define NNRT_TEST_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

/* The trainer's spec for m (nnrt_data_spec), but IDX pixels always read as floats, which
 * the tests look at (Table.x). */
DataSpec fx_spec(const NnrtModel *m, ClassVocab *v);

/* Bytes to a file, optionally gzip-compressed. Returns false on I/O failure. */
bool fx_write(const char *path, const void *data, size_t n, bool gz);
/* A whole file into *data (malloc'ed, free it) and its size into *n. */
bool fx_read(const char *path, unsigned char **data, size_t *n);
/* An IDX file of ubyte values: magic 00 00 08 ndims, dims, then data. */
bool fx_idx_u8(const char *path, const uint8_t *data, const int *dims, int ndims, bool gz);
/* A .npy v1.0 file; descr like "<f4"; data already in that dtype. */
bool fx_npy(const char *path, const char *descr, const int64_t *shape, int ndims, const void *data,
            size_t bytes);
/* The image value of pixel i of example n (deterministic, covers 0..255). */
uint8_t fx_pixel(int n, int i);

/* Writes every fixture file into dir (which must exist). */
bool fx_write_all(const char *dir);

#endif
