/*
 * data_npy.c — NumPy .npy files, format versions 1.0, 2.0 and 3.0
 * (numpy.lib.format): magic "\x93NUMPY", version bytes, a little-endian header length
 * (2 bytes in v1, 4 after), then a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }
 * and the raw values. Supported dtypes: bool, (u)int8/16/32/64, float16/32/64, either byte
 * order, C or Fortran order. Features are (N, ...) with the trailing dims multiplying to the
 * model input size; labels are (N,) or (N, k).
 */
#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPY_MAX_DIMS 8
#define CHUNK_BYTES (1 << 20)

typedef struct NpyHeader {
    char kind;          /* 'f' float, 'i' signed, 'u' unsigned, 'b' bool */
    int size;           /* bytes per value */
    bool swap;          /* stored in the other byte order than this machine */
    bool fortran;       /* fortran_order: the first index varies fastest in the file */
    char descr[16];
    int ndims;
    int64_t dims[NPY_MAX_DIMS];
    int64_t header_offset; /* where the dict text starts: 10 (v1) or 12 */
    int64_t data_offset;
} NpyHeader;

static bool host_is_little(void) {
    uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* The header is a Python literal that numpy reads with ast.literal_eval: a dict of
 * exactly 'descr', 'fortran_order' and 'shape'. A reader that looked for the keys
 * anywhere in the text accepted headers numpy refuses ("{'descr': '<f4', ... (2, 4)"
 * without its '}', a shape (2, 4,,)); this one reads the literal's syntax first and
 * names the byte where it goes wrong. */
typedef struct NpyLiteral {
    const char *text;  /* the header, trimmed of its padding */
    const char *at;    /* where parsing stopped; on an error, the offending byte */
    const char *want;  /* on an error: what was expected there */
    const char *values[3]; /* per key of NPY_KEYS: the text of its value, or NULL */
    const char *odd_key;   /* the first key given twice or that numpy does not write (at its
                              quote), odd_len its length, unknown which of the two */
    int odd_len;
    bool unknown;
} NpyLiteral;

static const char *const NPY_KEYS[3] = {"descr", "fortran_order", "shape"};

static void skip_space(NpyLiteral *L) {
    while (isspace((unsigned char)*L->at))
        L->at++;
}

static bool expected(NpyLiteral *L, const char *what) {
    L->want = what;
    return false;
}

static bool parse_value(NpyLiteral *L, int depth);

/* '…' or "…" (a backslash escapes the next character) */
static bool parse_string(NpyLiteral *L) {
    char quote = *L->at;
    const char *p = L->at + 1;
    while (*p && *p != quote)
        p += p[0] == '\\' && p[1] ? 2 : 1;
    if (!*p)
        return expected(L, "the string's closing quote");
    L->at = p + 1;
    return true;
}

/* (…), […] or {…}: values (for a dict, key: value) separated by commas, and one comma
 * allowed before the close, as Python has it. A dict at depth 0 is the header. */
static bool parse_items(NpyLiteral *L, char close, int depth) {
    static const char *const after_item[] = {"',' or ')'", "',' or ']'", "',' or '}'"};
    int kind = close == ')' ? 0 : close == ']' ? 1 : 2;
    L->at++;
    for (;;) {
        skip_space(L);
        if (*L->at == close) {
            L->at++;
            return true;
        }
        const char *key = L->at;
        int key_len = 0;
        if (close == '}') {
            if (*L->at != '\'' && *L->at != '"')
                return expected(L, "a key in quotes or '}'");
            if (!parse_string(L))
                return false;
            key_len = (int)(L->at - key) - 2;
            skip_space(L);
            if (*L->at != ':')
                return expected(L, "':' after the key");
            L->at++;
            skip_space(L);
        }
        const char *value = L->at;
        if (close != '}' && *L->at == ',') /* (2, 4,,) */
            return expected(L, kind ? "a value or ']'" : "a value or ')'");
        if (!parse_value(L, depth + 1))
            return false;
        if (close == '}' && depth == 0) { /* a key of the header */
            int k = 0;
            while (k < 3 && !((int)strlen(NPY_KEYS[k]) == key_len &&
                              strncmp(key + 1, NPY_KEYS[k], (size_t)key_len) == 0))
                k++;
            if ((k == 3 || L->values[k]) && !L->odd_key) {
                L->odd_key = key;
                L->odd_len = key_len;
                L->unknown = k == 3;
            } else if (k < 3 && !L->values[k]) {
                L->values[k] = value;
            }
        }
        skip_space(L);
        if (*L->at == ',') {
            L->at++;
            continue;
        }
        if (*L->at != close)
            return expected(L, after_item[kind]);
    }
}

static bool parse_value(NpyLiteral *L, int depth) {
    const char *p = L->at;
    if (depth > 8) /* a dtype nests a few levels; more is no header */
        return expected(L, "fewer nested brackets");
    if (*p == '\'' || *p == '"')
        return parse_string(L);
    if (*p == '(')
        return parse_items(L, ')', depth);
    if (*p == '[')
        return parse_items(L, ']', depth);
    if (*p == '{')
        return parse_items(L, '}', depth);
    if (*p == '-' || *p == '+' || isdigit((unsigned char)*p)) {
        p += *p == '-' || *p == '+';
        if (!isdigit((unsigned char)*p))
            return expected(L, "a number");
        while (isdigit((unsigned char)*p))
            p++;
        p += *p == 'L'; /* a Python 2 long, which numpy's reader still takes */
        L->at = p;
        return true;
    }
    static const char *const names[] = {"True", "False", "None"};
    for (int k = 0; k < 3; k++) {
        size_t n = strlen(names[k]);
        if (strncmp(p, names[k], n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_') {
            L->at = p + n;
            return true;
        }
    }
    return expected(L, "a value");
}

/* Reads the header's syntax into L; false with L->at and L->want on an error. */
static bool parse_literal(NpyLiteral *L) {
    L->at = L->text;
    skip_space(L);
    if (*L->at != '{')
        return expected(L, "'{' (the header is a Python dict)");
    if (!parse_items(L, '}', 0))
        return false;
    skip_space(L);
    return !*L->at || expected(L, "the end of the header after its '}'");
}

static bool parse_descr(const char *v, NpyHeader *h) {
    while (isspace((unsigned char)*v))
        v++;
    if (*v != '\'' && *v != '"')
        return false;
    char quote = *v++;
    size_t n = 0;
    while (v[n] && v[n] != quote && n < sizeof h->descr - 1)
        n++;
    if (v[n] != quote) /* longer than any dtype this reader takes */
        return false;
    memcpy(h->descr, v, n);
    h->descr[n] = '\0';
    /* numpy's names of the types, 'float32', in the machine's byte order: np.load reads a
     * header that writes them (np.save writes '<f4'), and the refusal said "dtype
     * 'float32' is not supported (use float16, float32, ...)" */
    static const struct { const char *name; char kind; int size; } numpy_names[] = {
        {"float16", 'f', 2}, {"float32", 'f', 4}, {"float64", 'f', 8}, {"bool", 'b', 1},
        {"int8", 'i', 1},    {"int16", 'i', 2},   {"int32", 'i', 4},   {"int64", 'i', 8},
        {"uint8", 'u', 1},   {"uint16", 'u', 2},  {"uint32", 'u', 4},  {"uint64", 'u', 8},
    };
    for (size_t k = 0; k < sizeof numpy_names / sizeof numpy_names[0]; k++)
        if (strcmp(h->descr, numpy_names[k].name) == 0) {
            h->kind = numpy_names[k].kind;
            h->size = numpy_names[k].size;
            h->swap = false;
            return true;
        }
    /* 'f4' without a byte order is the machine's, as numpy's np.dtype('f4') reads it (the
     * refusal said "not supported (use float32, ...)" of a float32) */
    const char *order = n >= 1 && strchr("<>|=", h->descr[0]) ? h->descr : "=";
    const char *type = order == h->descr ? h->descr + 1 : h->descr;
    size_t type_len = n - (size_t)(type - h->descr);
    if (type_len < 2 || !strchr("fiub", type[0]))
        return false;
    h->kind = type[0];
    if (strspn(type + 1, "0123456789") != type_len - 1) /* '<f4' and nothing else */
        return false;
    h->size = atoi(type + 1);
    bool little = order[0] == '<' || (order[0] != '>' && host_is_little());
    h->swap = h->size > 1 && little != host_is_little();
    if (h->kind == 'f') /* float16 too: every half is a float32 exactly */
        return h->size == 2 || h->size == 4 || h->size == 8;
    if (h->kind == 'b')
        return h->size == 1;
    return h->size == 1 || h->size == 2 || h->size == 4 || h->size == 8;
}

/* Reads the shape tuple into h; returns NULL, or what is wrong with it. */
static const char *parse_shape(const char *v, NpyHeader *h) {
    while (isspace((unsigned char)*v))
        v++;
    if (*v++ != '(')
        return "it is not a tuple";
    h->ndims = 0;
    bool comma = false;
    for (;;) {
        while (isspace((unsigned char)*v))
            v++;
        if (*v == ')' && h->ndims == 1 && !comma) /* Python's (3) is 3 */
            return "it is not a tuple: one size is written (N,)";
        if (*v == ')')
            return h->ndims < 1 ? "need at least one dimension" : NULL;
        if (!isdigit((unsigned char)*v))
            return "expected a size";
        if (h->ndims == NPY_MAX_DIMS)
            return "more than 8 dimensions"; /* NPY_MAX_DIMS */
        char *end;
        errno = 0;
        h->dims[h->ndims++] = strtoll(v, &end, 10);
        if (errno == ERANGE)
            return "a size is too large";
        v = end;
        while (*v == 'L') /* Python 2 longs */
            v++;
        while (isspace((unsigned char)*v))
            v++;
        if (*v != ',' && *v != ')') /* (8 3) or (8, 3x) is not a tuple */
            return "it is not a tuple";
        if (*v == ',') {
            comma = true;
            v++;
        }
    }
}

/* The error of a dtype this reader does not take, quoting its value as the header writes
 * it, whole or shortened with "..." (it was cut at 20 bytes: "dtype '[('a', '<f4'), ('b''"
 * of a structured dtype). value: the descr's value in the header, which parsed. */
static bool unsupported_dtype(const char *path, int64_t at, const char *value, NnrtError *err) {
    while (isspace((unsigned char)*value))
        value++;
    NpyLiteral L = {.text = value, .at = value};
    size_t len = parse_value(&L, 0) ? (size_t)(L.at - value) : strlen(value);
    char *text = malloc(len + 1);
    if (!text)
        return nnrt_fail(err, "%s: byte %lld: the dtype is not supported (use float16, float32, "
                         "float64, bool or integers)", path, (long long)at);
    memcpy(text, value, len);
    text[len] = '\0';
    char buf[NNRT_QUOTE_SIZE];
    const char *shown = nnrt_quote(buf, sizeof buf, text, NNRT_QUOTE_MOST);
    /* a list of (name, dtype) pairs is numpy's structured dtype: a record of fields */
    bool fields = *value == '[';
    bool ok = nnrt_fail(err, "%s: byte %lld: dtype %s is not supported (use float16, float32, "
                        "float64, bool or integers%s)", path, (long long)at, shown,
                        fields ? "; a structured dtype's fields are read one array at a time: "
                                 "save each as its own .npy, as np.save('a.npy', x['a'])"
                               : "");
    free(text);
    return ok;
}

/* dict: the header's len bytes, NUL-terminated (a NUL byte inside it ends the parse) */
static bool parse_dict(const char *path, int64_t at, const char *dict, size_t len, NpyHeader *h,
                       NnrtError *err) {
    char quoted[240]; /* the header as messages show it */
    const char *shown = nnrt_quote(quoted, sizeof quoted, dict, 200);
    NpyLiteral L = {.text = dict};
    if (!parse_literal(&L)) {
        char found[32];
        unsigned char c = (unsigned char)*L.at;
        if (!c && (size_t)(L.at - dict) >= len)
            snprintf(found, sizeof found, "the end of the header");
        else if (c > ' ' && c < 0x7f)
            snprintf(found, sizeof found, "'%c'", c);
        else
            snprintf(found, sizeof found, "the byte 0x%02x", c);
        return nnrt_fail(err, "%s: byte %lld: expected %s, found %s (numpy reads the header as a "
                         "Python dict): %s", path, (long long)(at + (L.at - dict)), L.want, found,
                         shown);
    }
    const char *descr = L.values[0], *order = L.values[1], *shape = L.values[2];
    if (!descr || !order || !shape)
        return nnrt_fail(err, "%s: byte %lld: the header lacks '%s': %s", path, (long long)at,
                         !descr ? "descr" : !order ? "fortran_order" : "shape", shown);
    /* Python keeps the last of a repeated key, this reader found the first: neither is
     * the file's intent, so a repeated key is an error; numpy refuses other keys */
    if (L.odd_key && L.unknown)
        return nnrt_fail(err, "%s: byte %lld: the header has a key '%.*s', which numpy refuses "
                         "(it holds 'descr', 'fortran_order' and 'shape' only): %s", path,
                         (long long)(at + (L.odd_key - dict)), L.odd_len, L.odd_key + 1, shown);
    if (L.odd_key)
        return nnrt_fail(err, "%s: byte %lld: the header gives '%.*s' twice: %s", path,
                         (long long)(at + (L.odd_key - dict)), L.odd_len, L.odd_key + 1, shown);
    h->descr[0] = '\0';
    if (!parse_descr(descr, h))
        return unsupported_dtype(path, at, descr, err);
    /* parse_literal read a whole value: False or True itself */
    h->fortran = strncmp(order, "True", 4) == 0;
    if (!h->fortran && strncmp(order, "False", 5) != 0)
        return nnrt_fail(err, "%s: byte %lld: 'fortran_order' is neither True nor False: %s",
                         path, (long long)at, shown);
    const char *why = parse_shape(shape, h);
    if (why)
        return nnrt_fail(err, "%s: byte %lld: cannot read the shape (%s) in %s", path,
                         (long long)at, why, shown);
    /* the product is checked here once: later counts (values per example, bytes) would
     * otherwise report an overflow as a size of -1 */
    int64_t values = 1;
    for (int i = 0; i < h->ndims; i++)
        values = nnrt_mul_checked(values, h->dims[i]);
    if (values < 0) {
        char dims[160];
        nnrt_format_dims(dims, sizeof dims, h->dims, h->ndims);
        return nnrt_fail(err, "%s: byte %lld: the shape %s multiplies to more values than any "
                         "file holds (2^63); the header is damaged", path, (long long)at, dims);
    }
    return true;
}

static bool read_npy_header(GzIn *in, NpyHeader *h, NnrtError *err) {
    unsigned char pre[12];
    int64_t got = nnrt_gz_read(in, pre, 10, err);
    if (got < 0)
        return false;
    if (got >= 6 && got < 10 && memcmp(pre, "\x93NUMPY", 6) == 0)
        return nnrt_fail(err, "%s: byte %lld: the file ends inside the .npy header's first 10 "
                         "bytes", in->path, (long long)got);
    if (got < 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        const char *kind = nnrt_looks_like(pre, (size_t)got);
        if (*kind)
            return nnrt_fail(err, "%s: byte 0: not a .npy file: expected the magic \\x93NUMPY%s",
                             in->path, kind);
        /* nothing it resembles (a damaged magic): the bytes it has, as the IDX reader says */
        char found[32] = " nothing (an empty file)";
        for (int i = 0; i < got && i < 6; i++)
            snprintf(found + 3 * i, sizeof found - 3 * (size_t)i, " %02x", pre[i]);
        return nnrt_fail(err, "%s: byte 0: not a .npy file: expected the magic \\x93NUMPY (93 "
                         "4e 55 4d 50 59), found%s", in->path, found);
    }
    int major = pre[6];
    int64_t hlen = pre[8] | pre[9] << 8, pre_len = 10;
    if (major >= 2) {
        if (nnrt_gz_read(in, pre + 10, 2, err) != 2)
            return nnrt_fail(err, "%s: byte 10: the header length is cut off", in->path);
        hlen |= (int64_t)pre[10] << 16 | (int64_t)pre[11] << 24;
        pre_len = 12;
    }
    if (major < 1 || major > 3)
        return nnrt_fail(err, "%s: byte 6: .npy format version %d is not supported", in->path, major);
    if (hlen > (1 << 20))
        return nnrt_fail(err, "%s: byte 8: header length %lld is implausible", in->path, (long long)hlen);
    char *dict = nnrt_realloc(NULL, (size_t)hlen + 1);
    got = nnrt_gz_read(in, dict, hlen, err);
    bool ok = got == hlen;
    if (!ok && got >= 0)
        nnrt_fail(err, "%s: byte %lld: expected a %lld-byte header, the file ends after %lld",
                  in->path, (long long)pre_len, (long long)hlen, (long long)got);
    h->header_offset = pre_len;
    h->data_offset = pre_len + hlen;
    if (ok) {
        while (hlen > 0 && isspace((unsigned char)dict[hlen - 1]))
            hlen--; /* the header is padded with spaces and ends in a newline */
        dict[hlen] = '\0';
        ok = parse_dict(in->path, pre_len, dict, (size_t)hlen, h, err);
    }
    free(dict);
    return ok;
}

/* An IEEE 754 binary16 value (numpy's float16, '<f2') exactly: 1 sign bit, 5 exponent bits
 * (bias 15), 10 fraction bits; exponent 0 is zero or a subnormal (fraction · 2^-24), 31 an
 * infinity (fraction 0) or a NaN, which then reach the same checks as a float32 file's. */
static double half_value(uint16_t bits) {
    int exponent = bits >> 10 & 0x1f, fraction = bits & 0x3ff;
    double magnitude;
    if (exponent == 0x1f)
        magnitude = fraction ? NAN : INFINITY;
    else if (exponent == 0)
        magnitude = ldexp(fraction, -24);
    else
        magnitude = ldexp(fraction | 0x400, exponent - 25);
    return bits & 0x8000 ? -magnitude : magnitude;
}

static double npy_value(const unsigned char *b, const NpyHeader *h) {
    unsigned char v[8] = {0}; /* h->size is 1, 2, 4 or 8 (checked with the header) */
    for (int i = 0; i < h->size; i++)
        v[i] = h->swap ? b[h->size - 1 - i] : b[i];
    switch (h->kind) {
    case 'f': {
        if (h->size == 2) { uint16_t x; memcpy(&x, v, 2); return half_value(x); }
        if (h->size == 4) { float f; memcpy(&f, v, 4); return f; }
        double d; memcpy(&d, v, 8); return d;
    }
    case 'b': return v[0] != 0;
    case 'u':
        if (h->size == 1) return v[0];
        if (h->size == 2) { uint16_t x; memcpy(&x, v, 2); return x; }
        if (h->size == 4) { uint32_t x; memcpy(&x, v, 4); return x; }
        { uint64_t x; memcpy(&x, v, 8); return (double)x; }
    default:
        if (h->size == 1) { int8_t x; memcpy(&x, v, 1); return x; }
        if (h->size == 2) { int16_t x; memcpy(&x, v, 2); return x; }
        if (h->size == 4) { int32_t x; memcpy(&x, v, 4); return x; }
        { int64_t x; memcpy(&x, v, 8); return (double)x; }
    }
}

/* d rounded to the nearest float16 (ties to even), as a double: ulps of 2^(e − 10) for
 * |d| in [2^e, 2^(e+1)), of 2^-24 below 2^-14 (subnormals). Only for finite halves' texts. */
static double round_to_half(double d) {
    int e;
    frexp(d, &e); /* |d| = m · 2^e, m in [0.5, 1) */
    double ulp = ldexp(1, (e - 1 < -14 ? -14 : e - 1) - 10);
    return nearbyint(d / ulp) * ulp;
}

/* For messages about a value, as the file writes it, when the double says otherwise:
 * the digits of a 64-bit integer value that a double does not hold exactly (beyond 2^53:
 * 9007199254740993 is 9007199254740992 as a double), and a float16 value in the fewest
 * digits that read back as that half, as numpy prints it (1.001, not float32's
 * 1.0009766); else NULL. */
static const char *npy_exact_text(const unsigned char *b, const NpyHeader *h, char *buf,
                                  size_t size) {
    if (h->kind == 'f' && h->size == 2) {
        double v = npy_value(b, h);
        for (int digits = 1; isfinite(v) && digits <= 5; digits++) {
            snprintf(buf, size, "%.*g", digits, v);
            if (round_to_half(strtod(buf, NULL)) == v)
                return buf;
        }
        return NULL;
    }
    if (h->size != 8 || (h->kind != 'i' && h->kind != 'u'))
        return NULL;
    unsigned char v[8] = {0}; /* h->size is 1, 2, 4 or 8 (checked with the header) */
    for (int i = 0; i < 8; i++)
        v[i] = h->swap ? b[7 - i] : b[i];
    uint64_t u;
    memcpy(&u, v, 8);
    const uint64_t exact = (uint64_t)1 << 53;
    if (h->kind == 'u') {
        if (u <= exact)
            return NULL;
        snprintf(buf, size, "%llu", (unsigned long long)u);
        return buf;
    }
    int64_t x;
    memcpy(&x, v, 8);
    if (x >= -(int64_t)exact && x <= (int64_t)exact)
        return NULL;
    snprintf(buf, size, "%lld", (long long)x);
    return buf;
}

static void format_shape(char *buf, size_t size, const NpyHeader *h) {
    nnrt_format_dims(buf, size, h->dims, h->ndims);
}

/* Where the values of a Fortran-order file go in C order: the C index of the file's
 * current value, kept as an odometer of its indices (first index fastest) as the file's
 * values go by. numpy writes Fortran order for an array that is F-contiguous only, such
 * as pandas' df.values of one dtype, or X.T. */
typedef struct FortranWalk {
    int ndims;
    int64_t dims[NPY_MAX_DIMS], stride[NPY_MAX_DIMS], index[NPY_MAX_DIMS];
    int64_t at; /* the C index of the current value */
} FortranWalk;

static void fortran_walk_init(FortranWalk *w, const NpyHeader *h) {
    memset(w, 0, sizeof *w);
    w->ndims = h->ndims;
    int64_t stride = 1;
    for (int i = h->ndims - 1; i >= 0; i--) {
        w->dims[i] = h->dims[i];
        w->stride[i] = stride;
        stride *= h->dims[i];
    }
}

static void fortran_walk_next(FortranWalk *w) {
    for (int i = 0; i < w->ndims; i++) {
        w->at += w->stride[i];
        if (++w->index[i] < w->dims[i])
            return;
        w->at -= w->dims[i] * w->stride[i];
        w->index[i] = 0;
    }
}

/* count values (per of them to an example) into dst; a float64 value beyond float32's
 * range is an error naming its byte and example, not an infinity, and so is a label
 * (labels != NULL) that is no valid one for that spec, a value of one-hot rows (one_hot)
 * that is not 0 or 1, and a feature that is no row of the embedding (indices != NULL: an
 * embedding reads them as indices). When they are all the array's values, the file must
 * end after them. A Fortran-order file is read whole (its first examples are not its first
 * bytes), each value put where C order has it, those of examples past count skipped. */
static bool read_npy_values(GzIn *in, const NpyHeader *h, int64_t count, int64_t per, float **dstp,
                            int64_t *cap, const DataSpec *labels, bool one_hot,
                            const DataSpec *indices, NnrtError *err) {
    unsigned char *buf = nnrt_realloc(NULL, CHUNK_BYTES);
    int64_t in_file = h->fortran ? h->dims[0] * (per ? per : 1) : count;
    int64_t total = in_file * h->size, done = 0;
    char shape[160];
    format_shape(shape, sizeof shape, h);
    bool all = in_file / (per ? per : 1) == h->dims[0];
    FortranWalk walk;
    fortran_walk_init(&walk, h);
    if (h->fortran) /* its values arrive in any order */
        nnrt_grow((void **)dstp, cap, count, count, sizeof(float));
    while (done < total) {
        int64_t want = total - done < CHUNK_BYTES ? total - done : CHUNK_BYTES;
        int64_t got = nnrt_gz_read(in, buf, want, err);
        if (got < 0)
            break;
        if (got < want) {
            nnrt_fail(err, "%s: byte %lld: expected %lld bytes of %s values (shape %s), the file "
                      "ends after %lld", in->path, (long long)h->data_offset, (long long)total,
                      h->descr, shape, (long long)(done + got));
            break;
        }
        if (!h->fortran)
            nnrt_grow((void **)dstp, cap, (done + got) / h->size, count, sizeof(float));
        float *dst = *dstp;
        for (int64_t i = 0; i < got / h->size; i++) {
            int64_t file_k = done / h->size + i, byte = h->data_offset + file_k * h->size;
            int64_t k = h->fortran ? walk.at : file_k;
            fortran_walk_next(&walk);
            if (k >= count) /* Fortran order: a value of an example past --limit */
                continue;
            double v = npy_value(buf + i * h->size, h);
            char text[24];
            const char *written = npy_exact_text(buf + i * h->size, h, text, sizeof text);
            if (one_hot ? !nnrt_store_one_hot(v, written, &dst[k], in->path, byte, k, per, err)
                        : !nnrt_store_float32(v, written, &dst[k], in->path, byte, k, per,
                                              labels, indices, err)) {
                free(buf);
                return false;
            }
        }
        done += got;
    }
    free(buf);
    if (done != total)
        return false;
    char what[200];
    snprintf(what, sizeof what, "%s values (shape %s)", h->descr, shape);
    return !all || nnrt_gz_expect_end(in, what, err);
}

static int64_t trailing_product(const NpyHeader *h) {
    int64_t p = 1;
    for (int i = 1; i < h->ndims; i++)
        p = nnrt_mul_checked(p, h->dims[i]);
    return p;
}

/* Examples whose values are read for the first n: all of a Fortran-order file's. */
static int64_t values_read(const NpyHeader *h, int64_t n) {
    return h->fortran ? h->dims[0] : n;
}

static bool open_npy(const char *path, GzIn *in, NpyHeader *h, NnrtError *err) {
    if (!nnrt_gz_open(in, path, err))
        return false;
    if (read_npy_header(in, h, err))
        return true;
    nnrt_gz_close(in);
    return false;
}

static bool read_npy_features(const char *path, const DataSpec *spec, Table *t, int64_t *n_file,
                              NnrtError *err) {
    GzIn in;
    NpyHeader h;
    if (!open_npy(path, &in, &h, err))
        return false;
    bool ok = true;
    int64_t per = trailing_product(&h);
    if (per != spec->input_size) {
        char shape[160], want[128];
        format_shape(shape, sizeof shape, &h);
        nnrt_format_dims(want, sizeof want, spec->input_dims, spec->input_rank);
        /* a 1-D array is one value per example: a labels file given as the features, or
         * one example saved without its batch axis (said "gives 1 values per example") */
        const char *hint = h.ndims != 1 ? ""
                           : h.dims[0] == spec->input_size
                               ? " (a 1-D array is one value per example; one example of "
                                 "the model's input is x.reshape(1, -1))"
                               : " (a 1-D array is one value per example: a labels file?)";
        ok = nnrt_fail(err, "%s: byte %lld: shape %s gives %lld value%s per example, but the model "
                       "input %s has %lld%s", path, (long long)h.header_offset, shape,
                       (long long)per, per == 1 ? "" : "s", want, (long long)spec->input_size,
                       hint);
    }
    if (ok)
        ok = nnrt_check_layout(path, h.header_offset, h.dims + 1, h.ndims - 1, spec, err);
    if (ok) {
        *n_file = h.dims[0];
        t->n = spec->limit > 0 && spec->limit < h.dims[0] ? spec->limit : h.dims[0];
        t->dim = per;
        char what[48];
        snprintf(what, sizeof what, "%s values", h.descr);
        ok = nnrt_gz_can_hold(&in, h.data_offset,
                              nnrt_mul_checked(nnrt_mul_checked(values_read(&h, t->n), per),
                                               h.size), what, err);
    }
    int64_t count = ok ? nnrt_mul_checked(t->n, per) : 0, cap = 0;
    if (ok)
        t->x = nnrt_data_alloc(&in, h.data_offset, count, h.size, sizeof(float), "values", &cap,
                               err);
    ok = ok && t->x && read_npy_values(&in, &h, count, per, &t->x, &cap, NULL, false,
                                       nnrt_index_spec(spec), err);
    nnrt_gz_close(&in);
    return ok;
}

static bool read_npy_labels(const char *path, const DataSpec *spec, Table *t, int64_t n_file,
                            NnrtError *err) {
    GzIn in;
    NpyHeader h;
    if (!open_npy(path, &in, &h, err))
        return false;
    char shape[160];
    format_shape(shape, sizeof shape, &h);
    bool ok = true;
    /* class indices, or (categorical crossentropy) one-hot rows of the n_classes classes */
    int64_t per = spec->ydim;
    bool rows = spec->one_hot_rows && spec->ydim == 1 && spec->n_classes > 1 &&
                h.ndims == 2 && h.dims[0] == n_file && h.dims[1] == spec->n_classes;
    if (rows)
        per = spec->n_classes;
    if (h.dims[0] != n_file)
        ok = nnrt_fail(err, "%s: byte %lld: shape %s holds %lld label%s, but the features hold "
                       "%lld example%s", path, (long long)h.header_offset, shape,
                       (long long)h.dims[0], h.dims[0] == 1 ? "" : "s", (long long)n_file,
                       n_file == 1 ? "" : "s");
    else if (trailing_product(&h) != per)
        ok = nnrt_label_shape_fail(path, h.header_offset, "shape", h.dims, h.ndims, spec, err);
    if (ok) {
        char what[48];
        snprintf(what, sizeof what, "%s labels", h.descr);
        ok = nnrt_gz_can_hold(&in, h.data_offset,
                              nnrt_mul_checked(nnrt_mul_checked(values_read(&h, t->n), per),
                                               h.size), what, err);
    }
    int64_t count = ok ? nnrt_mul_checked(t->n, per) : 0, cap = 0;
    if (ok)
        t->y = nnrt_data_alloc(&in, h.data_offset, count, h.size, sizeof(float), "labels", &cap,
                               err);
    t->ydim = spec->ydim;
    /* one-hot rows are checked as values of 0 or 1, then as rows, not as class indices */
    ok = ok && t->y && read_npy_values(&in, &h, count, per, &t->y, &cap, rows ? NULL : spec, rows,
                                       0, err);
    ok = ok && (!rows || nnrt_one_hot_to_indices(path, t, per, h.data_offset, h.size,
                                                 h.fortran ? h.dims[0] : 0, err));
    nnrt_gz_close(&in);
    return ok;
}

bool nnrt_read_npy(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err) {
    int64_t n_file = 0;
    if (!read_npy_features(src->features_path, spec, t, &n_file, err))
        return false;
    if (!spec->labels)
        return true;
    if (!src->labels_path || !src->labels_path[0])
        return nnrt_fail(err, "%s: .npy features need a labels file (--data X.npy Y.npy)",
                         src->features_path);
    return read_npy_labels(src->labels_path, spec, t, n_file, err);
}
