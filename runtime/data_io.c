/*
 * data_io.c — gzip-transparent file input, source dispatch, label validation and the
 * scale/shift step shared by every format.
 */
#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum { GZ_IN_BYTES = 1 << 18 };

/* Moves the compressed bytes not yet used to the front of the buffer and reads more after
 * them. False on a read error (err set); at the end of the file, avail_in stays as it was. */
static bool gz_fill(GzIn *in, NnrtError *err) {
    z_stream *z = &in->z;
    if (z->avail_in > 0 && z->next_in != in->buf)
        memmove(in->buf, z->next_in, z->avail_in);
    z->next_in = in->buf;
    size_t got = fread(in->buf + z->avail_in, 1, GZ_IN_BYTES - z->avail_in, in->f);
    if (got == 0 && ferror(in->f))
        return nnrt_fail(err, "%s: byte %lld: cannot read: %s", in->path, (long long)in->pos,
                         strerror(errno));
    z->avail_in += (uInt)got;
    in->raw += (int64_t)got;
    return true;
}

bool nnrt_gz_open(GzIn *in, const char *path, NnrtError *err) {
    memset(in, 0, sizeof *in);
    in->path = path;
    /* files and pipes (`--data <(…)`); a directory or a device such as /dev/zero, which
     * would be read until memory runs out, is named for what it is */
    struct stat sb;
    in->file_bytes = -1;
    if (stat(path, &sb) == 0) {
        if (!S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode))
            return nnrt_fail(err, "cannot read %s: %s", path,
                             S_ISDIR(sb.st_mode) ? "it is a directory" : "not a regular file");
        if (S_ISREG(sb.st_mode))
            in->file_bytes = (int64_t)sb.st_size;
    }
    in->f = fopen(path, "rb");
    if (!in->f)
        return nnrt_fail(err, "cannot open %s: %s", path, strerror(errno));
    in->buf = nnrt_realloc(NULL, GZ_IN_BYTES);
    in->z.next_in = in->buf;
    while (in->z.avail_in < 2 && !feof(in->f)) /* a pipe may give one byte at a time */
        if (!gz_fill(in, err)) {
            nnrt_gz_close(in);
            return false;
        }
    in->gzip = in->z.avail_in >= 2 && in->buf[0] == 0x1f && in->buf[1] == 0x8b;
    if (in->gzip && inflateInit2(&in->z, 16 + MAX_WBITS) != Z_OK) {
        in->gzip = false;
        nnrt_gz_close(in);
        return nnrt_fail(err, "cannot open %s: zlib failure", path);
    }
    in->in_member = in->gzip;
    return true;
}

/* Deflate expands at most ~1032 times (258-byte matches coded in 2 bits). */
enum { DEFLATE_MAX_RATIO = 1032 };

bool nnrt_gz_can_hold(GzIn *in, int64_t offset, int64_t bytes, const char *what,
                      NnrtError *err) {
    /* up to 64 MiB the values are read, and a short file is reported where it ends */
    if (in->file_bytes < 0 || (bytes >= 0 && bytes <= (1 << 26)))
        return true;
    bool direct = !in->gzip;
    int64_t most = direct ? in->file_bytes - offset
                          : nnrt_mul_checked(in->file_bytes, DEFLATE_MAX_RATIO) + 1024;
    if (bytes >= 0 && (most < 0 || bytes <= most))
        return true;
    if (bytes < 0)
        return nnrt_fail(err, "%s: byte %lld: the header announces more %s than can be counted",
                         in->path, (long long)offset, what);
    return nnrt_fail(err, "%s: byte %lld: the header announces %lld bytes of %s, more than the "
                     "file's %lld bytes%s can hold", in->path, (long long)offset, (long long)bytes,
                     what, (long long)in->file_bytes, direct ? "" : " (gzip-compressed)");
}

/* Whether `bytes` of memory for the values a header announces fit in the memory the
 * process may use (nnrt_memory_limit); else an error naming the file and suggesting
 * --limit, instead of an allocation the system cannot back. */
static bool data_fits(GzIn *in, int64_t offset, int64_t bytes, const char *what, NnrtError *err) {
    if (bytes < 0) /* the product overflowed (nnrt_mul_checked) */
        return nnrt_fail(err, "%s: byte %lld: the %s the header announces are more than any "
                         "memory holds; read fewer with --limit", in->path, (long long)offset,
                         what);
    uint64_t limit = nnrt_memory_limit();
    if (limit == 0 || (uint64_t)bytes <= limit)
        return true;
    return nnrt_fail(err, "%s: byte %lld: the %s the header announces need %.3g GB of memory, more "
                     "than the %.3g GB available; read fewer with --limit", in->path,
                     (long long)offset, what, (double)bytes / 1e9, (double)limit / 1e9);
}

/* The uncompressed size a regular gzip file states in its last 4 bytes (ISIZE, modulo
 * 2^32, of its last member), or -1. */
static int64_t gz_stated_size(const GzIn *in) {
    if (in->file_bytes < 18) /* a gzip member's header and trailer */
        return -1;
    FILE *f = fopen(in->path, "rb");
    if (!f)
        return -1;
    unsigned char b[4];
    bool ok = fseek(f, -4, SEEK_END) == 0 && fread(b, 1, 4, f) == 4;
    fclose(f);
    return ok ? (int64_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                          (uint32_t)b[3] << 24)
              : -1;
}

/* Elements to allocate first for `count` announced values of `value_bytes` bytes each in
 * the file: all of them for a plain file (nnrt_gz_can_hold refused announcements of more
 * than 64 MiB that it cannot hold) or a gzip file whose trailer (ISIZE, which a forged
 * file may inflate, within data_fits: the buffer is not zeroed, so its pages cost memory
 * only as values arrive) states room for them; else at most 2^24 (a pipe, a
 * .gz cut short or announcing more than it holds), grown with nnrt_grow as the values
 * arrive, so a small .gz announcing gigabytes allocates what it holds. */
static int64_t first_capacity(const GzIn *in, int64_t count, int64_t value_bytes) {
    enum { FIRST = 1 << 24 };
    if (in->file_bytes >= 0 && !in->gzip) /* a plain file: memory as big as it is */
        return count;
    /* A gzip file whose trailer states room for every announced value gets its buffer in
     * one piece (Fashion-MNIST's 47 MB of pixels: growing it by doubling raised the
     * trainer's peak memory by half); one that does not (a small file announcing
     * gigabytes, a file cut short, several members) grows as the values arrive. */
    if (count <= FIRST || gz_stated_size(in) >= nnrt_mul_checked(count, value_bytes))
        return count;
    return FIRST;
}

void *nnrt_data_alloc(GzIn *in, int64_t offset, int64_t count, int64_t value_bytes,
                      size_t elem, const char *what, int64_t *cap, NnrtError *err) {
    if (!data_fits(in, offset, nnrt_mul_checked(count, (int64_t)elem), what, err))
        return NULL;
    *cap = first_capacity(in, count, value_bytes);
    /* not zeroed: memory is then taken as the values arrive, also when a .gz file's size
     * trailer (ISIZE), which anyone can write, promised room for every announced value */
    return nnrt_alloc_unzeroed((size_t)*cap * elem);
}

void nnrt_grow(void **buf, int64_t *cap, int64_t need, int64_t most, size_t elem) {
    if (need <= *cap)
        return;
    int64_t grown = *cap > most / 2 ? most : 2 * *cap;
    if (grown < need)
        grown = need;
    void *q = nnrt_alloc_unzeroed((size_t)grown * elem);
    memcpy(q, *buf, (size_t)*cap * elem);
    nnrt_free(*buf);
    *buf = q;
    *cap = grown;
}

void nnrt_gz_close(GzIn *in) {
    if (in->gzip)
        inflateEnd(&in->z);
    if (in->f)
        fclose(in->f);
    free(in->buf);
    in->f = NULL;
    in->buf = NULL;
    in->gzip = false;
}

/* Reads a plain file: the bytes read ahead first, then the file. */
static int64_t plain_read(GzIn *in, unsigned char *p, int64_t n, NnrtError *err) {
    int64_t got = in->z.avail_in < n ? in->z.avail_in : n;
    memcpy(p, in->z.next_in, (size_t)got);
    in->z.next_in += got;
    in->z.avail_in -= (uInt)got;
    while (got < n) {
        size_t r = fread(p + got, 1, (size_t)(n - got), in->f);
        if (r == 0 && ferror(in->f))
            return nnrt_fail(err, "%s: byte %lld: cannot read: %s", in->path,
                             (long long)(in->pos + got), strerror(errno)), -1;
        if (r == 0)
            break;
        got += (int64_t)r;
        in->raw += (int64_t)r;
    }
    return got;
}

/* Between members: true with in_member set when the next bytes start another member,
 * true with in_member clear at the end of the file (after any zero padding, which gzip
 * and Python's gzip accept), false with an error when other bytes follow. `at` is the
 * uncompressed byte reached. */
static bool next_member(GzIn *in, int64_t at, NnrtError *err) {
    z_stream *z = &in->z;
    for (;;) {
        while (z->avail_in > 0 && z->next_in[0] == 0)
            z->next_in++, z->avail_in--;
        if (z->avail_in < 2 && !feof(in->f) && !gz_fill(in, err))
            return false;
        if (z->avail_in == 0 && feof(in->f))
            return true;
        if (z->avail_in >= 2 && z->next_in[0] == 0x1f && z->next_in[1] == 0x8b) {
            inflateReset(z);
            in->in_member = true;
            return true;
        }
        if (z->avail_in >= 2 || (z->avail_in == 1 && feof(in->f)) || z->next_in[0] != 0x1f)
            break;
    }
    return nnrt_fail(err, "%s: byte %lld: the gzip-compressed data ends, but the file goes on "
                     "(at its byte %lld) with bytes that start no gzip member: a damaged "
                     "member, or data appended to the file", in->path, (long long)at,
                     (long long)(in->raw - z->avail_in));
}

/* Inflates up to n bytes into p: members one after the other; fewer only at the end. */
static int64_t gzip_read(GzIn *in, unsigned char *p, int64_t n, NnrtError *err) {
    z_stream *z = &in->z;
    int64_t got = 0;
    while (got < n) {
        if (!in->in_member) {
            if (!next_member(in, in->pos + got, err))
                return -1;
            if (!in->in_member)
                break; /* the end of the file */
        }
        if (z->avail_in == 0 && !feof(in->f) && !gz_fill(in, err))
            return -1;
        int64_t want = n - got;
        z->next_out = p + got;
        z->avail_out = want > (1 << 30) ? (1u << 30) : (uInt)want;
        uInt before = z->avail_out;
        int rc = inflate(z, Z_NO_FLUSH); /* also without input: a copy may be pending */
        got += before - z->avail_out;
        if (rc == Z_STREAM_END)
            in->in_member = false;
        else if (rc == Z_BUF_ERROR && z->avail_in == 0 && feof(in->f))
            /* zlib's gzread returned the data so far as if the file ended there */
            return nnrt_fail(err, "%s: byte %lld: the gzip-compressed data ends early: the file "
                             "is truncated (an interrupted download or copy?)", in->path,
                             (long long)(in->pos + got)), -1;
        else if (rc == Z_MEM_ERROR)
            return nnrt_fail(err, "%s: byte %lld: out of memory inflating the file", in->path,
                             (long long)(in->pos + got)), -1;
        else if (rc != Z_OK && (rc != Z_BUF_ERROR || z->avail_in > 0))
            return nnrt_fail(err, "%s: byte %lld: the gzip-compressed data is damaged (%s)",
                             in->path, (long long)(in->pos + got),
                             z->msg ? z->msg : "invalid data"), -1;
    }
    return got;
}

int64_t nnrt_gz_read(GzIn *in, void *buf, int64_t n, NnrtError *err) {
    int64_t got = in->gzip ? gzip_read(in, buf, n, err) : plain_read(in, buf, n, err);
    if (got > 0)
        in->pos += got;
    return got;
}

bool nnrt_gz_expect_end(GzIn *in, const char *what, NnrtError *err) {
    unsigned char buf[4096];
    int64_t at = in->pos, got = nnrt_gz_read(in, buf, sizeof buf, err);
    if (got < 0)
        return false;
    if (got == 0)
        return true;
    char more[64] = "";
    if (!in->gzip && in->file_bytes > at)
        snprintf(more, sizeof more, "%lld ", (long long)(in->file_bytes - at));
    return nnrt_fail(err, "%s: byte %lld: the file goes on after the %s its header announces "
                     "(%smore bytes); the header or the file is damaged", in->path,
                     (long long)at, what, more);
}

bool nnrt_gz_slurp(const char *path, char **text, size_t *len, NnrtError *err) {
    GzIn in;
    if (!nnrt_gz_open(&in, path, err))
        return false;
    size_t cap = 1 << 16, n = 0;
    char *buf = nnrt_realloc(NULL, cap);
    uint64_t limit = nnrt_memory_limit();
    for (;;) {
        if (cap - n < (1 << 16)) {
            /* a .csv.gz of a few MB can inflate to more than the machine holds: an error,
             * not a process killed when its pages run out. The buffer doubles, but up to
             * the limit only, so a text between half the limit and the limit still fits. */
            size_t grown = cap * 2;
            if (limit > 0 && (uint64_t)grown > limit)
                grown = (size_t)limit;
            char *more = grown - n >= (1 << 16) ? realloc(buf, grown) : NULL;
            if (!more) {
                if (limit > 0)
                    nnrt_fail(err, "%s: byte %zu: the text needs more than the memory "
                              "available (%.3g GB)", path, n, (double)limit / 1e9);
                else
                    nnrt_fail(err, "%s: byte %zu: the text needs more memory than the system "
                              "gives", path, n);
                free(buf);
                nnrt_gz_close(&in);
                return false;
            }
            buf = more;
            cap = grown;
        }
        int64_t want = (int64_t)(cap - n - 1);
        int64_t r = nnrt_gz_read(&in, buf + n, want, err);
        /* a NUL is refused as it arrives: a .csv.gz of 1 MB that inflates to gigabytes of
         * zeros (a gzip bomb) was read whole, a gigabyte per megabyte, before this check */
        const char *nul = r > 0 ? memchr(buf + n, '\0', (size_t)r) : NULL;
        if (nul) /* a binary file under a CSV name: say what it is, if its start tells */
            nnrt_fail(err, "%s: byte %zu: a NUL byte; expected text%s", path,
                      (size_t)(nul - buf),
                      n == 0 ? nnrt_binary_kind((const unsigned char *)buf, (size_t)r) : "");
        if (r < 0 || nul) {
            free(buf);
            nnrt_gz_close(&in);
            return false;
        }
        n += (size_t)r;
        if (r < want)
            break;
    }
    nnrt_gz_close(&in);
    /* lines ended by CR alone (classic Mac OS, Excel's "CSV (Macintosh)"): pandas reads
     * them as lines, and so does this reader, rather than one line of every field */
    if (!memchr(buf, '\n', n))
        for (char *cr = memchr(buf, '\r', n); cr; cr = memchr(cr, '\r', n - (size_t)(cr - buf)))
            *cr = '\n';
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return true;
}

/* A compression other than gzip, which the readers do not inflate, by its magic, as a
 * message suffix; else NULL. Before, "d.csv.xz: byte 5: a NUL byte" or "found fd 37 7a
 * 58", and for bzip2's "BZh9" even "the file looks like text", said nothing of the cause. */
static const char *other_compression(const unsigned char *b, size_t n) {
#define ONLY_GZIP(name, undo) "; the file is " name "-compressed, and only gzip is read: " \
                              "decompress it (" undo ") or compress it with gzip"
    static const struct {
        char magic[5];
        const char *says;
    } formats[] = {
        {"\xfd" "7zX", ONLY_GZIP("xz", "xz -d")},
        {"\x28\xb5\x2f\xfd", ONLY_GZIP("zstd", "zstd -d")},
        {"\x04\x22\x4d\x18", ONLY_GZIP("lz4", "lz4 -d")},
        {"7z\xbc\xaf", "; the file is a 7-Zip archive: extract it (7z x)"},
    };
    for (size_t i = 0; n >= 4 && i < sizeof formats / sizeof formats[0]; i++)
        if (memcmp(b, formats[i].magic, 4) == 0)
            return formats[i].says;
    if (n >= 4 && memcmp(b, "BZh", 3) == 0 && b[3] >= '1' && b[3] <= '9')
        return ONLY_GZIP("bzip2", "bzip2 -d");
#undef ONLY_GZIP
    return NULL;
}

/* Text in UTF-16, by its byte order mark or, without one, by ASCII characters each beside
 * a NUL byte ("a NUL byte; expected text" at byte 1 said nothing of the encoding). */
static bool utf16(const unsigned char *b, size_t n) {
    if (n >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff)))
        return true;
    return n >= 4 && ((isprint(b[0]) && !b[1] && isprint(b[2]) && !b[3]) ||
                      (!b[0] && isprint(b[1]) && !b[2] && isprint(b[3])));
}

const char *nnrt_binary_kind(const unsigned char *b, size_t n) {
    const char *packed = other_compression(b, n);
    if (packed)
        return packed;
    if (utf16(b, n))
        return "; the file is UTF-16 text (as Excel's \"Unicode Text\" saves it): save it as "
               "UTF-8 (\"CSV UTF-8\"), or convert it: iconv -f UTF-16 -t UTF-8";
#define FORMAT_RULE "a data source's format follows its features file's name (.npy, .csv, " \
                    "else IDX; a pipe's is the model's), and its labels file is read in that " \
                    "format"
    /* 4 bytes are what an IDX reader has of a file; a .npy reader with 6 of them that do
     * not say \x93NUMPY called the file a NumPy array when its magic was damaged */
    if (n >= 4 && memcmp(b, "\x93NUMPY", n < 6 ? 4 : 6) == 0)
        return "; the file is a NumPy .npy array: " FORMAT_RULE;
    /* an image file (the course's weather photos given to --data or a model's source):
     * "not an IDX file: … found 89 50 4e 47" said nothing of what to do */
#define IMAGE_RULE(name) "; the file is a " name " image, and nnlc reads arrays, not image " \
                         "files: load the images into one array of shape (N, height, width, " \
                         "channels), save it and the labels with numpy.save, and read them " \
                         "as .npy files"
    if (n >= 4 && memcmp(b, "\x89PNG", 4) == 0)
        return IMAGE_RULE("PNG");
    if (n >= 3 && memcmp(b, "\xff\xd8\xff", 3) == 0)
        return IMAGE_RULE("JPEG");
    if (n >= 4 && memcmp(b, "GIF8", 4) == 0)
        return IMAGE_RULE("GIF");
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return IMAGE_RULE("WebP");
    if (n >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0))
        return IMAGE_RULE("TIFF");
#undef IMAGE_RULE
    if (n >= 4 && memcmp(b, "PK\x03\x04", 4) == 0)
        return "; the file is a ZIP archive (NumPy's np.savez writes .npz ones): save each array "
               "with np.save(\"x.npy\", x)";
    if (n >= 4 && b[0] == 0 && b[1] == 0 && b[2] && strchr("\x08\x09\x0b\x0c\x0d\x0e", b[2]) &&
        b[3] >= 1 && b[3] <= 8)
        return "; the file looks like IDX (the MNIST format): " FORMAT_RULE;
#undef FORMAT_RULE
    return "";
}

const char *nnrt_looks_like(const unsigned char *b, size_t n) {
    const char *kind = nnrt_binary_kind(b, n);
    if (*kind)
        return kind;
    bool text = n >= 4;
    for (size_t i = 0; i < n && i < 4; i++)
        text = text && (isprint(b[i]) || b[i] == '\t' || b[i] == '\r' || b[i] == '\n');
    if (text)
        return "; the file looks like text: the format follows the name, and a CSV file's name "
               "must end in .csv (or .csv.gz); in a model, use the csv(...) source";
    return "";
}

int nnrt_data_kind_for(const char *path) {
    size_t n = strlen(path);
    /* case-insensitive: spreadsheet programs and Windows write DATA.CSV */
    if (n > 3 && strcasecmp(path + n - 3, ".gz") == 0)
        n -= 3;
    if (n >= 4 && strncasecmp(path + n - 4, ".npy", 4) == 0)
        return NNRT_DATA_NPY;
    if (n >= 4 && strncasecmp(path + n - 4, ".csv", 4) == 0)
        return NNRT_DATA_CSV;
    return NNRT_DATA_IDX;
}

const char *nnrt_format_split(char *buf, size_t size, const NnrtModel *m) {
    snprintf(buf, size, "[%g, %g, %g]", m->split_train, m->split_val, m->split_test);
    return buf;
}

const char *nnrt_format_exact(char *buf, size_t size, double v) {
    /* %g keeps 6 digits: 16777217 was "1.67772e+07" and 4.0000001 "4", in messages saying
     * that very value is wrong. The fewest digits that read back as v say it exactly. */
    int digits = 6;
    for (; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (!isfinite(v) || strtod(buf, NULL) == v)
            break;
    }
    /* A fraction that float32 holds exactly but that takes more digits than float32 has
     * is a float32 file's value: its 0.1 is 0.10000000149011612 as a double, and is shown
     * as numpy shows np.float32(0.1), with the fewest digits that read back as it. */
    float f = (float)v;
    if (digits > 9 && isfinite(v) && (double)f == v && v != floor(v))
        for (digits = 6; digits <= 9; digits++) {
            snprintf(buf, size, "%.*g", digits, v);
            if (strtof(buf, NULL) == f)
                break;
        }
    return buf;
}

bool nnrt_label_ok(const DataSpec *spec, double v, const char *written, char *why,
                   size_t why_size) {
    /* as the file writes it, when it says: 9007199254740993 is 9007199254740992 as a
     * double, and so was shown */
    char buf[NNRT_QUOTE_SIZE];
    const char *shown = written ? nnrt_quote(buf, sizeof buf, written, NNRT_QUOTE_MOST)
                                : nnrt_format_exact(buf, sizeof buf, v);
    if (!isfinite(v)) { /* named as the other data errors name them, not printf's "nan" */
        snprintf(why, why_size, isnan(v) ? "label NaN is not a number"
                                         : "label %sinfinity is not a finite number",
                 v < 0 ? "-" : "");
        return false;
    }
    if (spec->task == NNRT_TASK_REGRESS)
        return true;
    if (spec->task == NNRT_TASK_BINARY) {
        if (v == 0.0 || v == 1.0)
            return true;
        snprintf(why, why_size, "label %s is not 0 or 1 (binary classification)", shown);
        return false;
    }
    if (v != floor(v)) {
        snprintf(why, why_size, "label %s is not an integer class index (expected 0..%lld)",
                 shown, (long long)spec->n_classes - 1);
        return false;
    }
    if (v < 0 || v >= (double)spec->n_classes) {
        snprintf(why, why_size, "label %s is not a class index 0..%lld (the model has %lld classes)",
                 shown, (long long)spec->n_classes - 1, (long long)spec->n_classes);
        return false;
    }
    return true;
}

bool nnrt_index_ok(const DataSpec *spec, double v, const char *written, char *why,
                   size_t why_size) {
    int64_t limit = spec->index_limit;
    /* a row after the source's scale and shift (integers, e.g. shift=-1 for ids counted
     * from 1), in float32 as the table gets them (apply_scale_shift) */
    float scale = spec->index_scale == 0.0 ? 1.0f : (float)spec->index_scale;
    float shift = (float)spec->index_shift;
    float r = (float)v * scale + shift;
    bool whole = isfinite(v) && v == floor(v), exact = (double)(float)v == v;
    if (whole && exact && r >= 0 && r < (float)limit && r == floorf(r))
        return true; /* (every value of the data passes here: nothing is formatted) */
    char buf[32];
    const char *shown = written ? written : nnrt_format_exact(buf, sizeof buf, v);
    /* whole as the file stores it */
    if (whole && !exact) { /* past 2^24: float32 rounds */
        snprintf(why, why_size, "index %s is beyond 16777216, the largest whole number float32 "
                 "holds with its neighbours (the model's embedding has %lld rows)", shown,
                 (long long)limit);
        return false;
    }
    if (!whole) {
        snprintf(why, why_size, "%s is not an index 0..%lld (the model's embedding has %lld "
                 "rows)", shown, (long long)limit - 1, (long long)limit);
        return false;
    }
    char after[96] = "";
    if (scale != 1.0f || shift != 0.0f) {
        char rbuf[32]; /* a whole float32 as its digits: 2^62, not 4.611686018427388e+18 */
        if (r == floorf(r) && fabsf(r) < 9e18f)
            snprintf(rbuf, sizeof rbuf, "%.0f", (double)r);
        else
            nnrt_format_exact(rbuf, sizeof rbuf, r);
        snprintf(after, sizeof after, " (%s after the source's scale and shift)", rbuf);
    }
    snprintf(why, why_size, "%s%s is not an index 0..%lld (the model's embedding has %lld rows)",
             shown, after, (long long)limit - 1, (long long)limit);
    return false;
}

bool nnrt_float32_overflows(double v) { return isfinite(v) && fabs(v) > FLT_MAX; }

bool nnrt_one_hot_to_indices(const char *path, Table *t, int64_t k, int64_t data_offset,
                             int elem_bytes, int64_t fortran_rows, NnrtError *err) {
    /* where value j of row i is in the file: rows one after the other, or (Fortran order)
     * the first values of every row, then the second ones, ... */
    int64_t row_step = fortran_rows ? 1 : k, value_step = fortran_rows ? fortran_rows : 1;
    for (int64_t i = 0; i < t->n; i++) {
        const float *row = t->y + i * k;
        int64_t hot = -1;
        for (int64_t j = 0; j < k; j++) {
            if (row[j] == 0)
                continue;
            long long byte = (long long)(data_offset + (i * row_step + j * value_step) *
                                                       elem_bytes);
            if (hot >= 0) /* row[j] is 1: nnrt_store_one_hot let only 0 and 1 through */
                return nnrt_fail(err, "%s: byte %lld (example %lld): values %lld and %lld of "
                                 "its row are both 1, but a row of one-hot labels holds one 1 "
                                 "and %lld zeros (multi-label rows need sigmoid units and "
                                 "binary_crossentropy)", path, byte, (long long)i + 1,
                                 (long long)hot + 1, (long long)j + 1, (long long)(k - 1));
            hot = j;
        }
        if (hot < 0) {
            long long first = (long long)(data_offset + i * row_step * elem_bytes);
            long long step = (long long)(value_step * elem_bytes);
            char where[160] = ""; /* in Fortran order, the row's values are apart */
            if (fortran_rows && k == 2)
                snprintf(where, sizeof where, " (its values are at bytes %lld and %lld: "
                         "Fortran order)", first, first + step);
            else if (fortran_rows && k == 3)
                snprintf(where, sizeof where, " (its values are at bytes %lld, %lld and %lld: "
                         "Fortran order)", first, first + step, first + 2 * step);
            else if (fortran_rows)
                snprintf(where, sizeof where, " (its values are every %lld bytes from byte %lld "
                         "to %lld: Fortran order)", step, first, first + (k - 1) * step);
            return nnrt_fail(err, "%s: byte %lld (example %lld): the row of %lld one-hot labels "
                             "holds no 1%s", path, first, (long long)i + 1, (long long)k, where);
        }
        t->y[i] = (float)hot;
    }
    return true;
}

/* The axes of dims after the first (the examples) whose size is 1, as numpy's squeeze
 * takes them ("1" or "(1, 3)"), and the product of the others. */
static int64_t size1_axes(const int64_t *dims, int rank, char *axes, size_t size) {
    int64_t rest = 1;
    int ones = 0;
    for (int i = 1; i < rank; i++)
        ones += dims[i] == 1;
    size_t k = (size_t)snprintf(axes, size, "%s", ones > 1 ? "(" : "");
    for (int i = 1, j = 0; i < rank; i++) {
        if (dims[i] != 1)
            rest *= dims[i];
        else if (k < size)
            k += (size_t)snprintf(axes + k, size - k, "%s%d", j++ ? ", " : "", i);
    }
    if (ones > 1 && k < size)
        snprintf(axes + k, size - k, ")");
    return rest;
}

bool nnrt_label_shape_fail(const char *path, int64_t byte, const char *word, const int64_t *dims,
                           int rank, const DataSpec *spec, NnrtError *err) {
    char found[160], axes[64], takes[200], hint[160] = "";
    long long n = (long long)dims[0], k = (long long)spec->n_classes, d = (long long)spec->ydim;
    nnrt_format_dims(found, sizeof found, dims, rank);
    int64_t rest = size1_axes(dims, rank, axes, sizeof axes);
    bool ones = axes[0] != '\0', classes = spec->task == NNRT_TASK_CLASSIFY && d == 1;
    if (classes && spec->one_hot_rows)
        snprintf(takes, sizeof takes, "class indices, %s (%lld,) or (%lld, 1), or one-hot rows of "
                 "its %lld classes, %s (%lld, %lld)", word, n, n, k, word, n, k);
    else if (classes)
        snprintf(takes, sizeof takes, "class indices, %s (%lld,) or (%lld, 1)", word, n, n);
    else if (d == 1)
        snprintf(takes, sizeof takes, "%s, %s (%lld,) or (%lld, 1)",
                 spec->task == NNRT_TASK_BINARY ? "labels 0 or 1" : "one value per example", word,
                 n, n);
    else
        snprintf(takes, sizeof takes, "%lld label values per example, %s (%lld, %lld)", d, word,
                 n, d);
    /* (N, 1, classes), as a model with a (None, 1, classes) output writes them: the same
     * rows once the axis is squeezed (Keras too refuses them for a (None, classes) output) */
    if (classes && rest == k && ones && spec->one_hot_rows)
        snprintf(hint, sizeof hint, "; squeeze the size-1 %s first: np.squeeze(y, axis=%s)",
                 strchr(axes, ',') ? "axes" : "axis", axes);
    else if (classes && rest == k) /* sparse categorical crossentropy, or mse */
        snprintf(hint, sizeof hint, "; for one-hot rows, use loss = categorical_crossentropy, or "
                 "give their class indices: np.argmax(%s, axis=1)",
                 ones ? "y.reshape(len(y), -1)" : "y");
    else if (spec->task == NNRT_TASK_BINARY && d == 1 && rest == 2) /* to_categorical's */
        snprintf(hint, sizeof hint, "; for one-hot rows of the two classes, give the labels "
                 "np.argmax(%s, axis=1)", ones ? "y.reshape(len(y), -1)" : "y");
    else if (spec->task == NNRT_TASK_REGRESS && d > 1 && rest == 1) /* mse on 10 classes */
        snprintf(hint, sizeof hint, "; a regression (mse, mae) has a target per output: for "
                 "class indices, use loss = sparse_categorical_crossentropy");
    return nnrt_fail(err, "%s: byte %lld: labels of %s %s, but the model takes %s%s", path,
                     (long long)byte, word, found, takes, hint);
}

bool nnrt_store_one_hot(double v, const char *written, float *dst, const char *path,
                        int64_t byte, int64_t k, int64_t per, NnrtError *err) {
    /* as the file stores it: float32 makes 0.99999999 a 1 and 1e-46 a 0 */
    if (v == 0 || v == 1) {
        *dst = (float)v;
        return true;
    }
    char shown[32];
    return nnrt_fail(err, "%s: byte %lld (example %lld): value %lld of its row is %s, but a row "
                     "of one-hot labels holds one 1 and %lld zeros (soft labels are not "
                     "supported: give class indices or one-hot rows)", path, (long long)byte,
                     (long long)(k / per + 1), (long long)(k % per + 1),
                     written ? written : nnrt_format_exact(shown, sizeof shown, v),
                     (long long)(per - 1));
}

bool nnrt_store_float32(double v, const char *written, float *dst, const char *path,
                        int64_t byte, int64_t k, int64_t per, const DataSpec *labels,
                        const DataSpec *indices, NnrtError *err) {
    char why[200];
    /* a label or an index is checked as the file stores it: 4.0000001 (float64) or
     * 16777217 (int32) become the whole numbers 4 and 16777216 in float32, and passed as
     * class (or embedding row) 4 */
    if ((labels && !nnrt_label_ok(labels, v, written, why, sizeof why)) ||
        (indices && !nnrt_index_ok(indices, v, written, why, sizeof why)))
        return nnrt_fail(err, "%s: byte %lld (example %lld): %s", path, (long long)byte,
                         (long long)(k / per + 1), why);
    if (!labels && !isfinite(v)) /* all_finite's error, with the byte */
        return nnrt_fail(err, "%s: byte %lld (example %lld, value %lld): %s; the data must be "
                         "finite numbers", path, (long long)byte, (long long)(k / per + 1),
                         (long long)(k % per + 1), isnan(v) ? "NaN" : "infinity");
    if (nnrt_float32_overflows(v)) /* float64 data: an error, not an infinity */
        return nnrt_fail(err, "%s: byte %lld (example %lld): %s is out of range for float32",
                         path, (long long)byte, (long long)(k / per + 1),
                         nnrt_format_exact(why, sizeof why, v));
    *dst = (float)v;
    return true;
}

const char *nnrt_quote(char *buf, size_t size, const char *text, size_t most) {
    size_t n = strlen(text);
    if (n <= most || size < 48)
        return text;
    size_t keep = most < size - 40 ? most : size - 40;
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
        keep--; /* not inside a UTF-8 character */
    snprintf(buf, size, "%.*s... (%zu bytes)", (int)keep, text, n);
    return buf;
}

static bool rows_too_many(const char *path, int line, int64_t rows, double bytes,
                          size_t text_bytes, uint64_t limit, NnrtError *err) {
    return nnrt_fail(err, "%s:%d: %lld examples need %.3g GB of memory besides the file's %.3g "
                     "GB of text, more than the %.3g GB available; read fewer with --limit",
                     path, line, (long long)rows, bytes / 1e9, (double)text_bytes / 1e9,
                     (double)limit / 1e9);
}

bool nnrt_rows_grow(const char *path, int line, int64_t *cap, int64_t need, int64_t row_bytes,
                    size_t text_bytes, NnrtError *err) {
    int64_t grown = *cap ? nnrt_mul_checked(*cap, 2) : 1024;
    uint64_t limit = nnrt_memory_limit();
    int64_t room = INT64_MAX / (row_bytes > 0 ? row_bytes : 1);
    if (limit > 0)
        room = limit > text_bytes ? (int64_t)((limit - text_bytes) / (uint64_t)row_bytes) : 0;
    if (grown < 0 || grown > room)
        grown = room;
    if (grown >= need) {
        *cap = grown;
        return true;
    }
    return rows_too_many(path, line, need, (double)need * (double)row_bytes, text_bytes, limit,
                         err);
}

bool nnrt_rows_realloc(void **p, size_t bytes, const char *path, int line, int64_t rows,
                       NnrtError *err) {
    void *q = realloc(*p, bytes ? bytes : 1);
    if (q) {
        *p = q;
        return true;
    }
    return nnrt_fail(err, "%s:%d: out of memory while reading the examples (room for %lld of "
                     "them takes %.3g GB); read fewer with --limit", path, line, (long long)rows,
                     (double)bytes / 1e9);
}

void nnrt_format_dims(char *buf, size_t size, const int64_t *dims, int rank) {
    size_t k = (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < rank && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%lld", i ? ", " : "", (long long)dims[i]);
    if (k < size)
        snprintf(buf + k, size - k, rank == 1 ? ",)" : ")");
}

/* Size-1 axes aside (they do not change the order of the values), an example's shape
 * must be the model input's, unless one of them is a vector: an image (28, 28) fits input
 * [28, 28, 1] or [28, 28], and PyTorch's (1, 28, 28) too; a vector model (input [784],
 * or [784, 1] for a pixel-by-pixel sequence) takes it flattened, as Keras' tutorials do;
 * and flat examples fill any input in row-major order, as CSV rows do. But input
 * [14, 56, 1] would read the same pixels as another image, and input [5, 7] a (7, 5)
 * array's values transposed. */
static int without_ones(const int64_t *dims, int rank, int64_t *out) {
    int k = 0;
    for (int i = 0; i < rank; i++)
        if (dims[i] != 1)
            out[k++] = dims[i];
    return k;
}

enum { MAX_EXAMPLE_RANK = 8 }; /* the IDX and .npy readers' limit, and above NNRT_MAX_RANK */

static bool same_layout(const int64_t *dims, int rank, const DataSpec *spec) {
    int64_t a_dims[MAX_EXAMPLE_RANK], b_dims[MAX_EXAMPLE_RANK];
    if (rank > MAX_EXAMPLE_RANK || spec->input_rank > MAX_EXAMPLE_RANK)
        return false;
    int a = without_ones(dims, rank, a_dims);
    int b = without_ones(spec->input_dims, spec->input_rank, b_dims);
    if (a <= 1 || b <= 1)
        return true;
    if (a != b)
        return false;
    for (int i = 0; i < a; i++)
        if (a_dims[i] != b_dims[i])
            return false;
    return true;
}

bool nnrt_check_layout(const char *path, int64_t byte, const int64_t *dims, int rank,
                       const DataSpec *spec, NnrtError *err) {
    if (same_layout(dims, rank, spec))
        return true;
    char want[128], have[128];
    nnrt_format_dims(want, sizeof want, spec->input_dims, spec->input_rank);
    nnrt_format_dims(have, sizeof have, dims, rank);
    /* "input (7, 5)" is the language's tuple spelling of input [7, 5]; a model may give
     * its input either way, and the trainer does not know which it used */
    return nnrt_fail(err, "%s: byte %lld: each example is %s, but the model input is %s; if "
                     "the model means to read it differently, say so in it (input %s, or "
                     "input_shape=%s on its first layer; then reshape(…))", path,
                     (long long)byte, have, want, have, have);
}

void nnrt_table_free(Table *t) {
    nnrt_free(t->x);
    nnrt_free(t->x8);
    nnrt_free(t->y);
    nnrt_free(t->lines);
    memset(t, 0, sizeof *t);
}

void nnrt_vocab_alloc(ClassVocab *v, int n, int64_t classes) {
    size_t slots = (size_t)(n > classes ? n : classes);
    v->names = nnrt_realloc(NULL, sizeof(char *) * (slots ? slots : 1));
    for (size_t i = 0; i < slots; i++)
        v->names[i] = NULL;
}

void nnrt_vocab_free(ClassVocab *v) {
    for (int i = 0; i < v->n; i++)
        free(v->names[i]);
    free(v->names);
    memset(v, 0, sizeof *v);
}

static void apply_scale_shift(Table *t, double scale, double shift) {
    if (scale == 1.0 && shift == 0.0)
        return;
    float s = (float)scale, b = (float)shift;
    if (t->x8) { /* the loader applies them to each batch's rows */
        t->x8_scale = s;
        t->x8_shift = b;
        return;
    }
    int64_t n = t->n * t->dim;
    for (int64_t i = 0; i < n; i++)
        t->x[i] = t->x[i] * s + b;
}

/* A NaN or infinity in the data would only surface later as a NaN loss, blamed on the
 * learning rate: it is reported where it is, examples and values counted from 1. (The
 * readers refuse them themselves where they can say more: CSV names the line and column,
 * IDX and .npy the byte, nnrt_store_float32.) */
static bool all_finite(const char *path, const char *what, const float *v, int64_t n, int64_t per,
                       NnrtError *err) {
    if (!v)
        return true;
    for (int64_t i = 0; i < n * per; i++)
        if (!isfinite(v[i]))
            return nnrt_fail(err, "%s: example %lld, %s %lld: %s; the data must be finite numbers",
                             path, (long long)(i / per + 1), what, (long long)(i % per + 1),
                             isnan(v[i]) ? "NaN" : "infinity");
    return true;
}

bool nnrt_read_source(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err) {
    memset(t, 0, sizeof *t);
    /* the binary readers check indices' range as the file stores them, naming the byte */
    DataSpec with_source = *spec;
    with_source.index_scale = src->scale == 0.0 ? 1.0 : src->scale;
    with_source.index_shift = src->shift;
    spec = &with_source;
    if (!src->features_path || !src->features_path[0])
        return nnrt_fail(err, "a data source has no file name");
    bool ok;
    switch (src->kind) {
    case NNRT_DATA_IDX: ok = nnrt_read_idx(src, spec, t, err); break;
    case NNRT_DATA_CSV: ok = nnrt_read_csv(src, spec, t, err); break;
    case NNRT_DATA_NPY: ok = nnrt_read_npy(src, spec, t, err); break;
    case NNRT_DATA_SERIES: ok = nnrt_read_series(src, spec, t, err); break;
    default: return nnrt_fail(err, "%s: unknown data kind %d", src->features_path, src->kind);
    }
    if (!ok) {
        nnrt_table_free(t);
        return false;
    }
    if (t->n == 0) {
        nnrt_table_free(t);
        return nnrt_fail(err, "%s: holds no examples", src->features_path);
    }
    if (!all_finite(src->features_path, "value", t->x, t->n, t->dim, err) ||
        !all_finite(src->labels_path ? src->labels_path : src->features_path, "target", t->y,
                    t->n, t->ydim, err)) {
        nnrt_table_free(t);
        return false;
    }
    /* A scale of 0 in a hand-written model means "not set", never "erase the data". */
    apply_scale_shift(t, src->scale == 0.0 ? 1.0 : src->scale, src->shift);
    return true;
}
