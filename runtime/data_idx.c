/*
 * data_idx.c — IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/), plain
 * or gzip-compressed. Layout: magic 00 00 TT ND, ND big-endian uint32 dimensions, then
 * the values, big-endian, row-major. TT is the value type (08 ubyte ... 0E double).
 * The features file's first dimension counts examples and the rest must multiply to
 * the model's input size; the labels file must hold as many examples (for
 * categorical_crossentropy, as class indices or as one-hot rows, dimensions (N, classes)).
 */
#include "data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDX_MAX_DIMS 8
#define CHUNK_BYTES (1 << 20)

typedef struct IdxHeader {
    int type;           /* 0x08 .. 0x0E */
    int elem_bytes;
    int ndims;
    int64_t dims[IDX_MAX_DIMS];
    int64_t n;          /* dims[0] */
    int64_t per;        /* product of dims[1..]: values per example */
    int64_t data_offset;
} IdxHeader;

static int idx_elem_bytes(int type) {
    switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
    }
}

static uint32_t be32(const unsigned char *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool read_dims(GzIn *in, IdxHeader *h, NnrtError *err) {
    unsigned char b[4 * IDX_MAX_DIMS];
    int64_t want = 4 * h->ndims;
    int64_t got = nnrt_gz_read(in, b, want, err);
    if (got < 0)
        return false;
    if (got < want)
        return nnrt_fail(err, "%s: byte 4: expected %d dimensions (%lld bytes), the file ends after %lld",
                         in->path, h->ndims, (long long)want, (long long)got);
    h->per = 1;
    for (int i = 0; i < h->ndims; i++) {
        h->dims[i] = be32(b + 4 * i);
        if (i > 0)
            h->per = nnrt_mul_checked(h->per, h->dims[i]);
    }
    h->n = h->dims[0];
    if (h->per < 0 || nnrt_mul_checked(h->per, h->n) < 0) {
        char dims[160];
        nnrt_format_dims(dims, sizeof dims, h->dims, h->ndims);
        return nnrt_fail(err, "%s: byte 4: the dimensions %s multiply to more values than any "
                         "file holds (2^63); the header is damaged", in->path, dims);
    }
    h->data_offset = 4 + want;
    return true;
}

static bool read_header(GzIn *in, IdxHeader *h, NnrtError *err) {
    unsigned char m[4] = {0};
    int64_t got = nnrt_gz_read(in, m, 4, err);
    if (got < 0)
        return false;
    if (got < 4)
        return nnrt_fail(err, "%s: byte 0: expected a 4-byte IDX magic number, the file has %lld "
                         "byte%s", in->path, (long long)got, got == 1 ? "" : "s");
    h->type = m[2];
    h->ndims = m[3];
    h->elem_bytes = idx_elem_bytes(h->type);
    if (m[0] != 0 || m[1] != 0 || h->elem_bytes == 0 || h->ndims < 1)
        /* a CSV file under another name (data.txt) is the usual cause: said so */
        return nnrt_fail(err, "%s: byte 0: not an IDX file: expected magic 00 00 TT ND (TT = 08, 09 "
                         "or 0B..0E, ND >= 1), found %02x %02x %02x %02x%s",
                         in->path, m[0], m[1], m[2], m[3], nnrt_looks_like(m, 4));
    if (h->ndims > IDX_MAX_DIMS)
        return nnrt_fail(err, "%s: byte 3: %d dimensions, at most %d are supported", in->path,
                         h->ndims, IDX_MAX_DIMS);
    return read_dims(in, h, err);
}

static double idx_value(const unsigned char *b, int type) {
    switch (type) {
    case 0x08: return b[0];
    case 0x09: return (signed char)b[0];
    case 0x0B: return (int16_t)(uint16_t)(b[0] << 8 | b[1]);
    case 0x0C: return (int32_t)be32(b);
    case 0x0D: {
        uint32_t u = be32(b);
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    default: {
        uint64_t u = (uint64_t)be32(b) << 32 | be32(b + 4);
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    }
}

/* Reads `count` values into *dstp as float, or (bytesp != NULL, an unsigned-byte file) as
 * they are into *bytesp; the buffer (from nnrt_alloc, *cap values) grows with nnrt_grow as
 * values arrive. `what` names them for the truncation error: "bytes of pixels (60000
 * examples of 28x28)". labels != NULL: they are labels, each checked against that spec;
 * one_hot: values of one-hot rows, each checked to be 0 or 1 (nnrt_store_one_hot);
 * indices != NULL: features that are indices, each checked to be a row of the embedding. */
static bool read_values(GzIn *in, const IdxHeader *h, int64_t count, int64_t per, float **dstp,
                        uint8_t **bytesp, int64_t *cap, const char *what, const DataSpec *labels,
                        bool one_hot, const DataSpec *indices, NnrtError *err) {
    unsigned char *buf = nnrt_realloc(NULL, CHUNK_BYTES);
    int64_t total = count * h->elem_bytes, done = 0;
    while (done < total) {
        int64_t want = total - done < CHUNK_BYTES ? total - done : CHUNK_BYTES;
        int64_t got = nnrt_gz_read(in, buf, want, err);
        if (got < 0)
            break;
        if (got < want) {
            nnrt_fail(err, "%s: byte %lld: expected %lld bytes of %s, the file ends after %lld",
                      in->path, (long long)h->data_offset, (long long)total, what,
                      (long long)(done + got));
            break;
        }
        if (bytesp)
            nnrt_grow((void **)bytesp, cap, (done + got) / h->elem_bytes, count, 1);
        else
            nnrt_grow((void **)dstp, cap, (done + got) / h->elem_bytes, count, sizeof(float));
        float *dst = dstp ? *dstp : NULL;
        if (bytesp) {
            memcpy(*bytesp + done, buf, (size_t)got);
            char why[200]; /* bytes kept as bytes are indices too: named by their byte */
            for (int64_t i = 0; indices && i < got; i++)
                if (!nnrt_index_ok(indices, buf[i], NULL, why, sizeof why)) {
                    free(buf);
                    return nnrt_fail(err, "%s: byte %lld (example %lld): %s", in->path,
                                     (long long)(h->data_offset + done + i),
                                     (long long)((done + i) / per + 1), why);
                }
        } else
            for (int64_t i = 0; i < got / h->elem_bytes; i++) {
                int64_t k = done / h->elem_bytes + i, byte = h->data_offset + k * h->elem_bytes;
                double v = idx_value(buf + i * h->elem_bytes, h->type);
                /* IDX integers are at most 32 bits: a double holds them exactly */
                if (one_hot ? !nnrt_store_one_hot(v, NULL, &dst[k], in->path, byte, k, per, err)
                            : !nnrt_store_float32(v, NULL, &dst[k], in->path, byte, k, per,
                                                  labels, indices, err)) {
                    free(buf);
                    return false;
                }
            }
        done += got;
    }
    free(buf);
    return done == total;
}

static void describe_rows(char *buf, size_t size, const IdxHeader *h, int64_t n, const char *unit) {
    int k = snprintf(buf, size, "%s (%lld example%s", unit, (long long)n, n == 1 ? "" : "s");
    for (int i = 1; i < h->ndims && k < (int)size; i++)
        k += snprintf(buf + k, size - (size_t)k, "%s%lld", i == 1 ? " of " : "x", (long long)h->dims[i]);
    if (k < (int)size)
        snprintf(buf + k, size - (size_t)k, ")");
}

static bool read_features(const char *path, const DataSpec *spec, Table *t, int64_t *n_file,
                          NnrtError *err) {
    GzIn in;
    IdxHeader h;
    if (!nnrt_gz_open(&in, path, err))
        return false;
    bool ok = read_header(&in, &h, err);
    if (ok && h.per != spec->input_size) {
        char want[128];
        nnrt_format_dims(want, sizeof want, spec->input_dims, spec->input_rank);
        if (h.ndims == 1) /* a labels file given where the images go */
            ok = nnrt_fail(err, "%s: byte 4: the file holds one value per example (a labels "
                           "file?), but the model input %s has %lld", path, want,
                           (long long)spec->input_size);
        else
            ok = nnrt_fail(err, "%s: byte 4: each example has %lld value%s, but the model input "
                           "%s has %lld", path, (long long)h.per, h.per == 1 ? "" : "s", want,
                           (long long)spec->input_size);
    }
    char what[160];
    if (ok)
        ok = nnrt_check_layout(path, 4, h.dims + 1, h.ndims - 1, spec, err);
    if (ok) {
        t->n = spec->limit > 0 && spec->limit < h.n ? spec->limit : h.n;
        describe_rows(what, sizeof what, &h, t->n, h.type == 0x08 ? "pixels" : "values");
        ok = nnrt_gz_can_hold(&in, h.data_offset,
                              nnrt_mul_checked(nnrt_mul_checked(t->n, h.per), h.elem_bytes), what,
                              err);
    }
    if (ok) {
        t->dim = h.per;
        bool bytes = spec->keep_bytes && h.type == 0x08;
        int64_t count = nnrt_mul_checked(t->n, t->dim), cap = 0;
        void *buf = nnrt_data_alloc(&in, h.data_offset, count, h.elem_bytes,
                                    bytes ? 1 : sizeof(float), what, &cap, err);
        ok = buf != NULL;
        if (bytes) {
            t->x8 = buf;
            t->x8_scale = 1;
            t->x8_shift = 0;
        } else {
            t->x = buf;
        }
        ok = ok && read_values(&in, &h, count, t->dim, bytes ? NULL : &t->x, bytes ? &t->x8 : NULL,
                               &cap, what, NULL, false,
                               nnrt_index_spec(spec), err) &&
             (t->n < h.n || nnrt_gz_expect_end(&in, what, err));
        *n_file = h.n;
    }
    nnrt_gz_close(&in);
    return ok;
}

static bool read_labels(const char *path, const DataSpec *spec, Table *t, int64_t n_features,
                        NnrtError *err) {
    GzIn in;
    IdxHeader h;
    if (!nnrt_gz_open(&in, path, err))
        return false;
    bool ok = read_header(&in, &h, err);
    if (ok && h.n != n_features)
        ok = nnrt_fail(err, "%s: byte 4: holds %lld label%s, but the features file holds %lld "
                       "example%s", path, (long long)h.n, h.n == 1 ? "" : "s",
                       (long long)n_features, n_features == 1 ? "" : "s");
    /* class indices, or (categorical crossentropy) one-hot rows of the n_classes classes:
     * dimensions (N, classes), as Keras' to_categorical shapes them */
    bool rows = ok && spec->one_hot_rows && spec->ydim == 1 && spec->n_classes > 1 &&
                h.ndims == 2 && h.dims[1] == spec->n_classes;
    if (ok && !rows && h.per != spec->ydim)
        ok = nnrt_label_shape_fail(path, 4, "dimensions", h.dims, h.ndims, spec, err);
    char what[160];
    if (ok) {
        describe_rows(what, sizeof what, &h, t->n, "labels");
        ok = nnrt_gz_can_hold(&in, h.data_offset,
                              nnrt_mul_checked(nnrt_mul_checked(t->n, h.per), h.elem_bytes), what,
                              err);
    }
    int64_t count = ok ? nnrt_mul_checked(t->n, h.per) : 0, cap = 0;
    if (ok) {
        t->y = nnrt_data_alloc(&in, h.data_offset, count, h.elem_bytes, sizeof(float), what,
                               &cap, err);
        ok = t->y != NULL;
    }
    if (ok) {
        /* one-hot rows are checked as values of 0 or 1, then as rows, not as class indices */
        ok = read_values(&in, &h, count, h.per, &t->y, NULL, &cap, what, rows ? NULL : spec,
                         rows, NULL, err) &&
             (t->n < h.n || nnrt_gz_expect_end(&in, what, err)) &&
             (!rows || nnrt_one_hot_to_indices(path, t, h.per, h.data_offset, h.elem_bytes,
                                                0, err));
        t->ydim = spec->ydim;
    }
    nnrt_gz_close(&in);
    return ok;
}

bool nnrt_read_idx(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err) {
    int64_t n_file = 0;
    if (!read_features(src->features_path, spec, t, &n_file, err))
        return false;
    if (!spec->labels)
        return true;
    if (!src->labels_path || !src->labels_path[0])
        return nnrt_fail(err, "%s: IDX features need a labels file (pass it after the images: "
                         "--data IMAGES LABELS)", src->features_path);
    return read_labels(src->labels_path, spec, t, n_file, err);
}
