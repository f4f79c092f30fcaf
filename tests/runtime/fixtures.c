/*
 * fixtures.c — see fixtures.h. The broken files each carry one defect, so the error a
 * test expects names exactly one thing.
 */
#include "fixtures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define N_EXAMPLES 20
#define SIDE 28
#define PIXELS (SIDE * SIDE)

bool fx_write(const char *path, const void *data, size_t n, bool gz) {
    if (gz) {
        gzFile f = gzopen(path, "wb");
        if (!f)
            return false;
        bool ok = n == 0 || gzwrite(f, data, (unsigned)n) == (int)n;
        return gzclose(f) == Z_OK && ok;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

bool fx_read(const char *path, unsigned char **data, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t cap = 1 << 16;
    *data = malloc(cap);
    *n = 0;
    size_t r;
    while ((r = fread(*data + *n, 1, cap - *n, f)) > 0)
        if ((*n += r) == cap)
            *data = realloc(*data, cap *= 2);
    return fclose(f) == 0;
}

bool fx_idx_u8(const char *path, const uint8_t *data, const int *dims, int ndims, bool gz) {
    size_t count = 1;
    for (int i = 0; i < ndims; i++)
        count *= (size_t)dims[i];
    size_t n = 4 + 4 * (size_t)ndims + count;
    uint8_t *buf = malloc(n);
    buf[0] = 0, buf[1] = 0, buf[2] = 0x08, buf[3] = (uint8_t)ndims;
    for (int i = 0; i < ndims; i++)
        for (int b = 0; b < 4; b++)
            buf[4 + 4 * i + b] = (uint8_t)((unsigned)dims[i] >> (24 - 8 * b));
    memcpy(buf + 4 + 4 * ndims, data, count);
    bool ok = fx_write(path, buf, n, gz);
    free(buf);
    return ok;
}

bool fx_npy(const char *path, const char *descr, const int64_t *shape, int ndims, const void *data,
            size_t bytes) {
    char dict[256], dims[128] = "";
    for (int i = 0; i < ndims; i++) {
        size_t k = strlen(dims);
        snprintf(dims + k, sizeof dims - k, "%lld,%s", (long long)shape[i], i + 1 < ndims ? " " : "");
    }
    int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                       descr, dims);
    int total = 10 + len + 1;
    int pad = (64 - total % 64) % 64; /* numpy aligns the data to 64 bytes */
    size_t hlen = (size_t)(len + pad + 1);
    size_t n = 10 + hlen + bytes;
    unsigned char *buf = malloc(n);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hlen & 0xff), buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, dict, (size_t)len);
    memset(buf + 10 + len, ' ', (size_t)pad);
    buf[10 + hlen - 1] = '\n';
    memcpy(buf + 10 + hlen, data, bytes);
    bool ok = fx_write(path, buf, n, false);
    free(buf);
    return ok;
}

uint8_t fx_pixel(int n, int i) { return (uint8_t)((n * 37 + i * 11) % 256); }

static void images(uint8_t *px, int n) {
    for (int e = 0; e < n; e++)
        for (int i = 0; i < PIXELS; i++)
            px[e * PIXELS + i] = fx_pixel(e, i);
}

static const char *join(const char *dir, const char *name) {
    static char path[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

static bool write_idx_fixtures(const char *dir) {
    uint8_t px[N_EXAMPLES * PIXELS], labels[N_EXAMPLES];
    images(px, N_EXAMPLES);
    for (int i = 0; i < N_EXAMPLES; i++)
        labels[i] = (uint8_t)(i % 10);
    int dims[] = {N_EXAMPLES, SIDE, SIDE}, ldims[] = {N_EXAMPLES};
    bool ok = fx_idx_u8(join(dir, "imgs.idx"), px, dims, 3, false) &&
              fx_idx_u8(join(dir, "labels.idx"), labels, ldims, 1, false) &&
              fx_idx_u8(join(dir, "imgs.idx.gz"), px, dims, 3, true) &&
              fx_idx_u8(join(dir, "labels.idx.gz"), labels, ldims, 1, true);
    /* Header promises 20 images, the data holds 5. */
    uint8_t hdr[16 + 5 * PIXELS] = {0, 0, 8, 3, 0, 0, 0, N_EXAMPLES, 0, 0, 0, SIDE, 0, 0, 0, SIDE};
    memcpy(hdr + 16, px, 5 * PIXELS);
    ok = ok && fx_write(join(dir, "trunc.idx.gz"), hdr, sizeof hdr, true);
    static const char zip[] = "PK\x03\x04 this is a zip";
    ok = ok && fx_write(join(dir, "badmagic.idx"), zip, sizeof zip - 1, false);
    /* Compressed, but not with gzip: the start of an xz file under a CSV name, and of a
     * bzip2 one (its "BZh9" is printable: once called text). */
    static const char xz[] = "\xfd" "7zXZ\0\0\x04\xe6\xd6\xb4\x46";
    static const char bz2[] = "BZh91AY&SY\x9c\x1b\x12";
    /* UTF-16 text with its byte order mark, as Excel's "Unicode Text" writes it */
    static const char utf16[] = "\xff\xfe" "a\0,\0b\0\n\0" "1\0,\0" "2\0\n\0";
    ok = ok && fx_write(join(dir, "utf16.csv"), utf16, sizeof utf16 - 1, false);
    ok = ok && fx_write(join(dir, "xz.csv"), xz, sizeof xz - 1, false) &&
         fx_write(join(dir, "bz2.idx"), bz2, sizeof bz2 - 1, false);
    int wide[] = {N_EXAMPLES, 14, 56}; /* the same 784 pixels per example, another image */
    ok = ok && fx_idx_u8(join(dir, "wide.idx"), px, wide, 3, false);
    int small[] = {N_EXAMPLES, 14, 14};
    ok = ok && fx_idx_u8(join(dir, "small.idx"), px, small, 3, false);
    uint8_t big[N_EXAMPLES];
    memcpy(big, labels, sizeof big);
    big[7] = 12;
    ok = ok && fx_idx_u8(join(dir, "labels_big.idx"), big, ldims, 1, false);
    int short_dims[] = {N_EXAMPLES - 10};
    ok = ok && fx_idx_u8(join(dir, "labels_short.idx"), labels, short_dims, 1, false);
    /* 3 bytes after the 20 images the header announces. */
    ok = ok && fx_idx_u8(join(dir, "trail.idx"), px, dims, 3, false);
    FILE *f = ok ? fopen(join(dir, "trail.idx"), "ab") : NULL;
    ok = f && fwrite("xyz", 1, 3, f) == 3;
    ok = f && fclose(f) == 0 && ok;
    /* A .gz file announcing 250000 images (196 MB) that deflate's ratio would allow, with
     * 256 KB of incompressible pixels: more than a 150 MB ulimit may hold. */
    enum { CLAIM = 1 << 18 };
    uint8_t *claim = malloc(16 + CLAIM);
    memcpy(claim, (const uint8_t[]){0, 0, 8, 3, 0, 0x03, 0xd0, 0x90, 0, 0, 0, SIDE, 0, 0, 0, SIDE}, 16);
    uint32_t lcg = 12345;
    for (int i = 0; i < CLAIM; i++)
        claim[16 + i] = (uint8_t)((lcg = lcg * 1103515245u + 12345u) >> 24);
    ok = ok && fx_write(join(dir, "claim.idx.gz"), claim, 16 + CLAIM, true);
    free(claim);
    /* A header that announces 2^31 - 1 images in a file of 5 (nothing that size may be
     * allocated before the file is found too short). */
    hdr[4] = 0x7f, hdr[5] = hdr[6] = hdr[7] = 0xff;
    return ok && fx_write(join(dir, "huge_count.idx"), hdr, sizeof hdr, false);
}

static bool write_csv(const char *path, int rows, int ragged_row, const char *bad_field,
                      bool no_label_row2) {
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    for (int i = 0; i < PIXELS; i++)
        fprintf(f, "p%d,", i);
    fprintf(f, "label\n");
    for (int r = 0; r < rows; r++) {
        int n = r == ragged_row ? PIXELS - 1 : PIXELS;
        for (int i = 0; i < n; i++) {
            if (bad_field && r == 2 && i == 5)
                fprintf(f, "%s,", bad_field);
            else
                fprintf(f, "%d,", fx_pixel(r, i));
        }
        if (no_label_row2 && r == 2)
            fprintf(f, "\n");
        else
            fprintf(f, "%d\n", r % 10);
    }
    return fclose(f) == 0;
}

/* A whole number 0..2047 as IEEE binary16 (numpy's float16) bits: exact. */
static uint16_t half_bits(unsigned v) {
    if (v == 0)
        return 0;
    int e = 0;
    while (v >> (e + 1))
        e++;
    return (uint16_t)((e + 15) << 10 | ((v << (10 - e)) & 0x3ff));
}

/* x32 as float16 (numpy's astype(np.float16), exact for pixels 0..255), and with a NaN and
 * an infinity where nan.npy has its NaN (example 4, value 8). */
static bool write_half_fixtures(const char *dir, const float *x32) {
    static uint16_t x16[N_EXAMPLES * PIXELS];
    for (int i = 0; i < N_EXAMPLES * PIXELS; i++)
        x16[i] = half_bits((unsigned)x32[i]);
    int64_t shape3[] = {N_EXAMPLES, SIDE, SIDE};
    bool ok = fx_npy(join(dir, "x16.npy"), "<f2", shape3, 3, x16, sizeof x16);
    x16[3 * PIXELS + 7] = 0x7e00; /* a quiet NaN */
    ok = ok && fx_npy(join(dir, "nan16.npy"), "<f2", shape3, 3, x16, sizeof x16);
    x16[3 * PIXELS + 7] = 0xfc00; /* -infinity */
    return ok && fx_npy(join(dir, "inf16.npy"), "<f2", shape3, 3, x16, sizeof x16);
}

static bool write_npy_fixtures(const char *dir) {
    static float x32[N_EXAMPLES * PIXELS];
    static double x64[N_EXAMPLES * PIXELS];
    int64_t y[N_EXAMPLES];
    for (int e = 0; e < N_EXAMPLES; e++) {
        y[e] = e % 10;
        for (int i = 0; i < PIXELS; i++)
            x32[e * PIXELS + i] = x64[e * PIXELS + i] = fx_pixel(e, i);
    }
    int64_t shape3[] = {N_EXAMPLES, SIDE, SIDE}, shape2[] = {N_EXAMPLES, PIXELS}, shape1[] = {N_EXAMPLES};
    double yf[N_EXAMPLES];
    for (int e = 0; e < N_EXAMPLES; e++)
        yf[e] = e == 4 ? 3.5 : e % 10;
    bool ok = fx_npy(join(dir, "x32.npy"), "<f4", shape3, 3, x32, sizeof x32) &&
              fx_npy(join(dir, "x64.npy"), "<f8", shape2, 2, x64, sizeof x64) &&
              fx_npy(join(dir, "y.npy"), "<i8", shape1, 1, y, sizeof y) &&
              fx_npy(join(dir, "y_frac.npy"), "<f8", shape1, 1, yf, sizeof yf);
    /* One-hot rows with a size-1 axis, shape (N, 1, 10), as a (None, 1, 10) output
     * writes them: the reference model (sparse categorical crossentropy) takes indices. */
    static float onehot[N_EXAMPLES * 10];
    for (int e = 0; e < N_EXAMPLES; e++)
        onehot[e * 10 + y[e]] = 1;
    int64_t shape_n110[] = {N_EXAMPLES, 1, 10};
    ok = ok && fx_npy(join(dir, "y_onehot_n110.npy"), "<f4", shape_n110, 3, onehot, sizeof onehot);
    /* A header without 'shape'. */
    const char dict[] = "{'descr': '<f4', 'fortran_order': False, }\n";
    unsigned char bad[10 + sizeof dict] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, sizeof dict - 1, 0};
    memcpy(bad + 10, dict, sizeof dict - 1);
    ok = ok && fx_write(join(dir, "badhdr.npy"), bad, 10 + sizeof dict - 1, false);
    static float with_nan[N_EXAMPLES * PIXELS];
    memcpy(with_nan, x32, sizeof x32);
    with_nan[3 * PIXELS + 7] = NAN;
    ok = ok && fx_npy(join(dir, "nan.npy"), "<f4", shape3, 3, with_nan, sizeof with_nan);
    /* A float64 value float32 cannot hold: example 3 (from 1), value 6. */
    static double with_big[N_EXAMPLES * PIXELS];
    memcpy(with_big, x64, sizeof x64);
    with_big[2 * PIXELS + 5] = 1e39;
    ok = ok && fx_npy(join(dir, "big64.npy"), "<f8", shape2, 2, with_big, sizeof with_big);
    /* A header length 16 bytes short (the dict still parses: it ends in padding), so
     * the values would start 16 bytes early. */
    ok = ok && fx_npy(join(dir, "shorthdr.npy"), "<f4", shape3, 3, x32, sizeof x32);
    unsigned char *raw = NULL;
    size_t raw_n = 0;
    ok = ok && fx_read(join(dir, "shorthdr.npy"), &raw, &raw_n);
    if (ok) {
        unsigned hlen = (unsigned)(raw[8] | raw[9] << 8) - 16;
        raw[8] = (unsigned char)(hlen & 0xff), raw[9] = (unsigned char)(hlen >> 8);
        ok = fx_write(join(dir, "shorthdr.npy"), raw, raw_n, false);
    }
    free(raw);
    /* A damaged magic, \x93NUMPZ: once called "the file is a NumPy .npy array". */
    raw = NULL;
    ok = ok && fx_read(join(dir, "x32.npy"), &raw, &raw_n);
    if (ok) {
        raw[5] = 'Z';
        ok = fx_write(join(dir, "badmagic.npy"), raw, raw_n, false);
    }
    free(raw);
    ok = ok && fx_npy(join(dir, "descr.npy"), "<f4x", shape3, 3, x32, sizeof x32);
    /* x32 in Fortran order (the first index fastest), as np.save writes an F-contiguous
     * array such as pandas' df.values: the same examples */
    static float x32_f[N_EXAMPLES * PIXELS];
    for (int e = 0; e < N_EXAMPLES; e++)
        for (int i = 0; i < PIXELS; i++)
            x32_f[(i % SIDE * SIDE + i / SIDE) * N_EXAMPLES + e] = x32[e * PIXELS + i];
    raw = NULL;
    ok = ok && fx_npy(join(dir, "x32_fortran.npy"), "<f4", shape3, 3, x32_f, sizeof x32_f) &&
         fx_read(join(dir, "x32_fortran.npy"), &raw, &raw_n);
    char *order = ok ? strstr((char *)raw + 10, "False") : NULL;
    if (order) {
        memcpy(order, "True ", 5);
        ok = fx_write(join(dir, "x32_fortran.npy"), raw, raw_n, false);
    }
    free(raw);
    /* a dtype without its byte order: the machine's, as numpy reads it */
    ok = ok && fx_npy(join(dir, "no_order.npy"), "f4", shape3, 3, x32, sizeof x32);
    /* numpy's name of the type, as np.load reads it: the machine's byte order too */
    ok = ok && fx_npy(join(dir, "numpy_name.npy"), "float32", shape3, 3, x32, sizeof x32);
    int64_t huge[] = {100000000000LL, SIDE, SIDE};
    return ok && fx_npy(join(dir, "trunc.npy"), "<f4", shape3, 3, x32, sizeof x32 / 2) &&
           fx_npy(join(dir, "huge_shape.npy"), "<f4", huge, 3, x32, sizeof x32) &&
           fx_npy(join(dir, "complex.npy"), "<c8", shape3, 3, x32, sizeof x32) &&
           write_half_fixtures(dir, x32);
}

/* t, a, b: two smooth signals around 20 and 50 with a small deterministic wobble. */
static bool write_series(const char *path, int blank_after) {
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "t,a,b\n");
    for (int t = 0; t < 400; t++) {
        fprintf(f, "%d,%.6f,%.6f\n", t, 20 + 3 * cos(t / 5.0), 50 + 10 * sin(t / 5.0) + 0.1 * ((t * 7) % 5));
        if (t == blank_after)
            fprintf(f, "\n");
    }
    return fclose(f) == 0;
}

/* csv gzip-compressed, then cut to half its compressed size (a download cut short). */
static bool write_cut_gz(const char *csv, const char *path) {
    unsigned char *text = NULL, *gz = NULL;
    size_t n = 0, gz_n = 0;
    bool ok = fx_read(csv, &text, &n) && fx_write(path, text, n, true) &&
              fx_read(path, &gz, &gz_n) && fx_write(path, gz, gz_n / 2, false);
    free(text);
    free(gz);
    return ok;
}

/* n bytes as one gzip member, appended to f. */
static bool write_member(FILE *f, const unsigned char *data, size_t n) {
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    size_t bound = deflateBound(&z, (uLong)n);
    unsigned char *gz = malloc(bound);
    z.next_in = (unsigned char *)data, z.avail_in = (uInt)n;
    z.next_out = gz, z.avail_out = (uInt)bound;
    bool ok = gz && deflate(&z, Z_FINISH) == Z_STREAM_END;
    size_t len = bound - z.avail_out;
    deflateEnd(&z);
    ok = ok && fwrite(gz, 1, len, f) == len;
    free(gz);
    return ok;
}

/* csv as two gzip members (as `cat a.gz b.gz` makes), the second from line 12 on, then
 * zero padding (gzip and Python's gzip accept it); or, with `appended`, the first member
 * followed by the rest of the text uncompressed, which zlib's gzread ignored. */
static bool write_members_gz(const char *csv, const char *path, bool appended) {
    unsigned char *text = NULL;
    size_t n = 0, cut = 0;
    bool ok = fx_read(csv, &text, &n);
    for (int lines = 0; ok && cut < n && lines < 11; cut++)
        lines += text[cut] == '\n';
    FILE *f = ok ? fopen(path, "wb") : NULL;
    ok = f && write_member(f, text, cut);
    if (ok && appended) {
        ok = fwrite(text + cut, 1, n - cut, f) == n - cut;
    } else if (ok) {
        static const unsigned char zeros[16];
        ok = write_member(f, text + cut, n - cut) && fwrite(zeros, 1, 16, f) == 16;
    }
    if (f)
        ok = fclose(f) == 0 && ok;
    free(text);
    return ok;
}

/* 40000 rows of 784 pixels and a label, gzip-compressed (350 kB, 63 MB of text): their
 * floats need more than a 200 MB ulimit leaves beside the text. */
static bool write_rows_gz(const char *path) {
    gzFile f = gzopen(path, "wb1");
    if (!f)
        return false;
    char row[2 * PIXELS + 2];
    for (int i = 0; i < PIXELS; i++)
        memcpy(row + 2 * i, "0,", 2);
    memcpy(row + 2 * PIXELS, "1\n", 2);
    bool ok = true;
    for (int i = 0; ok && i < PIXELS; i++)
        ok = gzprintf(f, "p%d,", i) > 0;
    ok = ok && gzputs(f, "label\n") > 0;
    for (int r = 0; ok && r < 40000; r++)
        ok = gzwrite(f, row, sizeof row) == (int)sizeof row;
    return gzclose(f) == Z_OK && ok;
}

bool fx_write_all(const char *dir) {
    static const char series_big[] = "t,a,b\n0,20,50\n1,1e39,50\n";
    return fx_write(join(dir, "series_big.csv"), series_big, sizeof series_big - 1, false) &&
           write_idx_fixtures(dir) && write_npy_fixtures(dir) && write_series(join(dir, "series.csv"), -1) &&
           write_series(join(dir, "series_gap.csv"), 99) &&
           write_csv(join(dir, "data.csv"), N_EXAMPLES, -1, NULL, false) &&
           write_csv(join(dir, "ragged.csv"), N_EXAMPLES, 4, NULL, false) &&
           write_csv(join(dir, "notnum.csv"), N_EXAMPLES, -1, "abc", false) &&
           write_csv(join(dir, "big.csv"), N_EXAMPLES, -1, "1e39", false) &&
           write_csv(join(dir, "nolabel.csv"), N_EXAMPLES, -1, NULL, true) &&
           write_cut_gz(join(dir, "data.csv"), join(dir, "cut.csv.gz")) &&
           write_members_gz(join(dir, "data.csv"), join(dir, "members.csv.gz"), false) &&
           write_members_gz(join(dir, "data.csv"), join(dir, "appended.csv.gz"), true) &&
           write_rows_gz(join(dir, "rows.csv.gz"));
}

DataSpec fx_spec(const NnrtModel *m, ClassVocab *v) {
    DataSpec s = nnrt_data_spec(m, v, 0, true);
    s.keep_bytes = false;
    return s;
}
