/*
 * st.c — safetensors reading and writing and .npy writing for the tests (see st.h).
 * The JSON parser accepts exactly what a safetensors header holds: one object whose
 * values are objects of strings, numbers and arrays of numbers.
 */
#include "st.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small JSON reader over the header ---- */

typedef struct Json {
    const char *path;
    const char *s;
    size_t pos, len, base; /* base: file offset of s[0], for messages */
    bool failed;
} Json;

static bool jfail(Json *j, const char *why) {
    if (!j->failed)
        fprintf(stderr, "%s: byte %zu: %s\n", j->path, j->base + j->pos, why);
    j->failed = true;
    return false;
}

static void jws(Json *j) {
    while (j->pos < j->len && strchr(" \t\r\n", j->s[j->pos]))
        j->pos++;
}

static bool jchar(Json *j, char c) {
    jws(j);
    if (j->pos < j->len && j->s[j->pos] == c) {
        j->pos++;
        return true;
    }
    char why[64];
    snprintf(why, sizeof why, "expected '%c' in the JSON header", c);
    return jfail(j, why);
}

static bool jpeek(Json *j, char c) {
    jws(j);
    return j->pos < j->len && j->s[j->pos] == c;
}

/* A string without escapes other than \" and \\ (enough for tensor names). */
static bool jstring(Json *j, char *out, size_t size) {
    if (!jchar(j, '"'))
        return false;
    size_t k = 0;
    while (j->pos < j->len && j->s[j->pos] != '"') {
        char c = j->s[j->pos++];
        if (c == '\\' && j->pos < j->len) {
            c = j->s[j->pos++];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        if (k + 1 < size)
            out[k++] = c;
    }
    out[k] = '\0';
    return j->pos < j->len ? (j->pos++, true) : jfail(j, "unterminated string");
}

static bool jint(Json *j, int64_t *v) {
    jws(j);
    char *end;
    errno = 0;
    long long x = strtoll(j->s + j->pos, &end, 10);
    if (end == j->s + j->pos || errno)
        return jfail(j, "expected an integer");
    j->pos = (size_t)(end - j->s);
    *v = x;
    return true;
}

static bool jints(Json *j, int64_t *v, int max, int *n) {
    *n = 0;
    if (!jchar(j, '['))
        return false;
    if (jpeek(j, ']'))
        return jchar(j, ']');
    do {
        if (*n >= max)
            return jfail(j, "too many numbers in an array");
        if (!jint(j, &v[(*n)++]))
            return false;
    } while (jpeek(j, ',') && jchar(j, ','));
    return jchar(j, ']');
}

static bool parse_meta(Json *j, StFile *f) {
    if (!jchar(j, '{'))
        return false;
    if (jpeek(j, '}'))
        return jchar(j, '}');
    do {
        char key[256], value[4096];
        if (!jstring(j, key, sizeof key) || !jchar(j, ':') || !jstring(j, value, sizeof value))
            return false;
        if (f->nmeta < 64) {
            f->meta[f->nmeta][0] = strdup(key);
            f->meta[f->nmeta][1] = strdup(value);
            f->nmeta++;
        }
    } while (jpeek(j, ',') && jchar(j, ','));
    return jchar(j, '}');
}

static size_t dtype_size(const char *dtype) {
    return strcmp(dtype, "F64") == 0 || strcmp(dtype, "I64") == 0 ? 8
           : strcmp(dtype, "F32") == 0 || strcmp(dtype, "I32") == 0 ? 4 : 0;
}

static bool parse_tensor(Json *j, StFile *f, StTensor *t, size_t data_start) {
    int64_t offsets[2] = {-1, -1};
    int noff = 0;
    bool shape = false;
    if (!jchar(j, '{'))
        return false;
    do {
        char key[64];
        if (!jstring(j, key, sizeof key) || !jchar(j, ':'))
            return false;
        if (strcmp(key, "dtype") == 0) {
            if (!jstring(j, t->dtype, sizeof t->dtype))
                return false;
        } else if (strcmp(key, "shape") == 0) {
            int64_t dims[ST_MAX_RANK];
            if (!jints(j, dims, ST_MAX_RANK, &t->rank))
                return false;
            memcpy(t->dims, dims, sizeof dims);
            shape = true;
        } else if (strcmp(key, "data_offsets") == 0) {
            if (!jints(j, offsets, 2, &noff))
                return false;
        } else {
            return jfail(j, "unknown key in a tensor entry");
        }
    } while (jpeek(j, ',') && jchar(j, ','));
    if (!jchar(j, '}'))
        return false;
    t->count = 1;
    for (int d = 0; d < t->rank; d++)
        t->count *= t->dims[d];
    size_t es = dtype_size(t->dtype);
    if (!shape || noff != 2 || es == 0)
        return jfail(j, "a tensor entry needs a known dtype, a shape and data_offsets");
    if (offsets[0] < 0 || offsets[1] - offsets[0] != t->count * (int64_t)es ||
        data_start + (size_t)offsets[1] > f->size)
        return jfail(j, "data_offsets do not match the shape or lie outside the file");
    t->data = f->bytes + data_start + offsets[0];
    t->nbytes = (size_t)(offsets[1] - offsets[0]);
    return true;
}

static bool read_all(const char *path, unsigned char **bytes, size_t *size) {
    FILE *in = fopen(path, "rb");
    if (!in) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return false;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    size_t got;
    while ((got = fread(b + n, 1, cap - n, in)) > 0) {
        n += got;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(in);
    *bytes = b;
    *size = n;
    return true;
}

bool st_read(StFile *f, const char *path) {
    memset(f, 0, sizeof *f);
    f->path = path;
    if (!read_all(path, &f->bytes, &f->size))
        return false;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0 && f->size >= 8; i--)
        hlen = hlen << 8 | f->bytes[i];
    if (f->size < 8 || hlen > f->size - 8) {
        fprintf(stderr, "%s: byte 0: not a safetensors file (header length %llu, file %zu bytes)\n",
                path, (unsigned long long)hlen, f->size);
        return false;
    }
    if ((8 + hlen) % 8 != 0)
        fprintf(stderr, "%s: note: tensor data starts at byte %llu, not 8-byte aligned\n", path,
                (unsigned long long)(8 + hlen));
    Json j = {path, (const char *)f->bytes + 8, 0, (size_t)hlen, 8, false};
    if (!jchar(&j, '{'))
        return false;
    int cap = 16;
    f->tensors = calloc((size_t)cap, sizeof(StTensor));
    while (!jpeek(&j, '}')) {
        char key[128];
        if (!jstring(&j, key, sizeof key) || !jchar(&j, ':'))
            return false;
        if (strcmp(key, "__metadata__") == 0) {
            if (!parse_meta(&j, f))
                return false;
        } else {
            if (f->n == cap)
                f->tensors = realloc(f->tensors, sizeof(StTensor) * (size_t)(cap *= 2));
            StTensor *t = &f->tensors[f->n++];
            memset(t, 0, sizeof *t);
            snprintf(t->name, sizeof t->name, "%s", key);
            if (!parse_tensor(&j, f, t, 8 + (size_t)hlen))
                return false;
        }
        if (!jpeek(&j, ','))
            break;
        jchar(&j, ',');
    }
    if (!jchar(&j, '}'))
        return false;
    jws(&j);
    if (j.pos != j.len)
        return jfail(&j, "text after the JSON header (only spaces may pad it)");
    return true;
}

void st_free(StFile *f) {
    for (int i = 0; i < f->nmeta; i++)
        free(f->meta[i][0]), free(f->meta[i][1]);
    free(f->tensors);
    free(f->bytes);
    memset(f, 0, sizeof *f);
}

const StTensor *st_find(const StFile *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

const char *st_meta(const StFile *f, const char *key) {
    for (int i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta[i][0], key) == 0)
            return f->meta[i][1];
    return NULL;
}

/* Little-endian data on a little-endian host (x86-64, which is what nnlc targets). */
double st_get(const StTensor *t, int64_t i) {
    if (strcmp(t->dtype, "F64") == 0) {
        double d;
        memcpy(&d, t->data + 8 * i, 8);
        return d;
    }
    float v;
    memcpy(&v, t->data + 4 * i, 4);
    return v;
}

/* ---- writing ---- */

bool st_write_f64(const char *path, const StOut *t, int n) {
    char header[4096];
    int k = snprintf(header, sizeof header, "{");
    int64_t offset = 0;
    for (int i = 0; i < n; i++) {
        int64_t count = 1;
        k += snprintf(header + k, sizeof header - (size_t)k, "%s\"%s\":{\"dtype\":\"F64\",\"shape\":[",
                      i ? "," : "", t[i].name);
        for (int d = 0; d < t[i].rank; d++) {
            k += snprintf(header + k, sizeof header - (size_t)k, "%s%lld", d ? "," : "",
                          (long long)t[i].dims[d]);
            count *= t[i].dims[d];
        }
        k += snprintf(header + k, sizeof header - (size_t)k, "],\"data_offsets\":[%lld,%lld]}",
                      (long long)offset, (long long)(offset + 8 * count));
        offset += 8 * count;
    }
    k += snprintf(header + k, sizeof header - (size_t)k, "}");
    while ((8 + k) % 8)
        header[k++] = ' ';
    FILE *out = fopen(path, "wb");
    if (!out)
        return false;
    unsigned char len8[8];
    for (int b = 0; b < 8; b++)
        len8[b] = (unsigned char)((uint64_t)k >> (8 * b));
    bool ok = fwrite(len8, 1, 8, out) == 8 && fwrite(header, 1, (size_t)k, out) == (size_t)k;
    for (int i = 0; ok && i < n; i++) {
        int64_t count = 1;
        for (int d = 0; d < t[i].rank; d++)
            count *= t[i].dims[d];
        ok = fwrite(t[i].values, 8, (size_t)count, out) == (size_t)count;
    }
    return fclose(out) == 0 && ok;
}

static bool npy_write(const char *path, const char *descr, const void *v, size_t elem,
                      const int64_t *shape, int rank) {
    char dict[256], dims[128] = "";
    size_t count = 1;
    for (int i = 0; i < rank; i++) {
        size_t k = strlen(dims);
        snprintf(dims + k, sizeof dims - k, "%lld,%s", (long long)shape[i], i + 1 < rank ? " " : "");
        count *= (size_t)shape[i];
    }
    int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                       descr, dims);
    size_t hlen = (size_t)len + 1;
    while ((10 + hlen) % 64)
        hlen++;
    FILE *out = fopen(path, "wb");
    if (!out)
        return false;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    bool ok = fwrite(pre, 1, 10, out) == 10 && fwrite(dict, 1, (size_t)len, out) == (size_t)len;
    for (size_t i = (size_t)len; ok && i + 1 < hlen; i++)
        ok = fputc(' ', out) != EOF;
    ok = ok && fputc('\n', out) != EOF && fwrite(v, elem, count, out) == count;
    return fclose(out) == 0 && ok;
}

bool npy_write_f4(const char *path, const float *v, const int64_t *shape, int rank) {
    return npy_write(path, "<f4", v, 4, shape, rank);
}

bool npy_write_i8(const char *path, const int64_t *v, const int64_t *shape, int rank) {
    return npy_write(path, "<i8", v, 8, shape, rank);
}
