/*
 * st.h — the file formats the code-generation tests read and write, implemented here
 * from their specifications and independently of the runtime's own readers, so a bug
 * in runtime/checkpoint.c cannot hide itself:
 *   - safetensors: 8-byte little-endian header length N, N bytes of JSON, raw data
 *     (https://github.com/huggingface/safetensors), read and written;
 *   - .npy v1.0 (little-endian, C order), written.
 */
#ifndef CG_ST_H
#define CG_ST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ST_MAX_RANK 8

typedef struct StTensor {
    char name[128];
    char dtype[8];            /* "F64", "F32", … */
    int rank;
    int64_t dims[ST_MAX_RANK];
    int64_t count;            /* product of dims */
    const unsigned char *data; /* into StFile.bytes */
    size_t nbytes;
} StTensor;

typedef struct StFile {
    const char *path;
    unsigned char *bytes;
    size_t size;
    StTensor *tensors;
    int n;
    char *meta[64][2];        /* __metadata__ keys and values (strings) */
    int nmeta;
} StFile;

/* Reads and parses a safetensors file; on failure prints "path: byte N: why" and
 * returns false. */
bool st_read(StFile *f, const char *path);
void st_free(StFile *f);
const StTensor *st_find(const StFile *f, const char *name);
const char *st_meta(const StFile *f, const char *key);
/* Element i of a F32 or F64 tensor as a double. */
double st_get(const StTensor *t, int64_t i);

/* One tensor to write: F64 values. */
typedef struct StOut {
    const char *name;
    int rank;
    int64_t dims[ST_MAX_RANK];
    const double *values;
} StOut;

bool st_write_f64(const char *path, const StOut *t, int n);

/* .npy writers: descr "<f4" (float values) or "<i8" (int64 values). */
bool npy_write_f4(const char *path, const float *v, const int64_t *shape, int rank);
bool npy_write_i8(const char *path, const int64_t *v, const int64_t *shape, int rank);

#endif
