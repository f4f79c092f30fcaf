/*
 * st_write OUT NAME=D1xD2x...:VALUES ... — writes a safetensors checkpoint of F64 tensors
 * with chosen values, for tests that load known weights into a compiled model
 * (--load OUT) and compare its predictions with a hand computation.
 *
 * VALUES is `index` (element i holds i, in C order), `ones`, `zeros`, or a comma-
 * separated list of exactly D1·D2·… numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_TENSORS = 64, MAX_RANK = 4 };

typedef struct Tensor {
    char name[128];
    long dims[MAX_RANK];
    int rank;
    long size;
    double *v;
} Tensor;

static int fail(const char *what, const char *arg) {
    fprintf(stderr, "st_write: %s: %s\n", what, arg);
    return 0;
}

/* NAME=2x3:VALUES */
static int parse_tensor(const char *arg, Tensor *t) {
    const char *eq = strchr(arg, '='), *colon = eq ? strchr(eq, ':') : NULL;
    if (!eq || !colon || (size_t)(eq - arg) >= sizeof t->name)
        return fail("expected NAME=D1xD2:VALUES", arg);
    memcpy(t->name, arg, (size_t)(eq - arg));
    t->name[eq - arg] = '\0';
    t->size = 1;
    const char *p = eq + 1;
    while (p < colon) {
        if (t->rank == MAX_RANK)
            return fail("too many dimensions", arg);
        char *end;
        t->dims[t->rank] = strtol(p, &end, 10);
        if (end == p || t->dims[t->rank] <= 0)
            return fail("bad dimension", arg);
        t->size *= t->dims[t->rank++];
        p = *end == 'x' ? end + 1 : end;
    }
    t->v = calloc((size_t)t->size, sizeof(double));
    const char *vals = colon + 1;
    for (long i = 0; i < t->size; i++)
        t->v[i] = strcmp(vals, "index") == 0 ? (double)i : strcmp(vals, "ones") == 0 ? 1 : 0;
    if (!strcmp(vals, "index") || !strcmp(vals, "ones") || !strcmp(vals, "zeros"))
        return 1;
    p = vals;
    for (long i = 0; i < t->size; i++) {
        char *end;
        t->v[i] = strtod(p, &end);
        if (end == p || (i + 1 < t->size && *end != ',') || (i + 1 == t->size && *end))
            return fail("expected one number per element", arg);
        p = end + 1;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc - 2 > MAX_TENSORS) {
        fprintf(stderr, "usage: st_write OUT NAME=D1xD2:VALUES ...\n");
        return 2;
    }
    static Tensor ts[MAX_TENSORS];
    int n = argc - 2;
    for (int i = 0; i < n; i++)
        if (!parse_tensor(argv[i + 2], &ts[i]))
            return 2;
    char header[16384];
    size_t used = (size_t)snprintf(header, sizeof header, "{");
    long offset = 0;
    for (int i = 0; i < n; i++) {
        used += (size_t)snprintf(header + used, sizeof header - used,
                                 "%s\"%s\":{\"dtype\":\"F64\",\"shape\":[", i ? "," : "",
                                 ts[i].name);
        for (int k = 0; k < ts[i].rank; k++)
            used += (size_t)snprintf(header + used, sizeof header - used, "%s%ld", k ? "," : "",
                                     ts[i].dims[k]);
        used += (size_t)snprintf(header + used, sizeof header - used,
                                 "],\"data_offsets\":[%ld,%ld]}", offset, offset + 8 * ts[i].size);
        offset += 8 * ts[i].size;
    }
    used += (size_t)snprintf(header + used, sizeof header - used, "}");
    while (used % 8 && used + 1 < sizeof header)
        header[used++] = ' ';
    FILE *f = fopen(argv[1], "wb");
    if (!f)
        return fail("cannot write", argv[1]) ? 0 : 1;
    unsigned long long len = used; /* little-endian on every target we build for */
    fwrite(&len, 8, 1, f);
    fwrite(header, 1, used, f);
    for (int i = 0; i < n; i++)
        fwrite(ts[i].v, sizeof(double), (size_t)ts[i].size, f);
    return fclose(f) == 0 ? 0 : 1;
}
