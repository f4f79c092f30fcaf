/*
 * checkpoint.c — safetensors reading and writing, and what a runtime checkpoint holds
 * (see checkpoint.h for the layout and tensor names).
 */
#include "checkpoint.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_HEADER (100u << 20) /* safetensors' own limit is 100 MB */

/* ---- writing ---- */

static void write_dims(FILE *f, const int64_t *dims, int rank) {
    fputc('[', f);
    for (int i = 0; i < rank; i++)
        fprintf(f, "%s%" PRId64, i ? "," : "", dims[i]);
    fputc(']', f);
}

/* The metadata entry of the file's CRC-32: "crc32":"0x89abcdef", the last of the metadata.
 * Safetensors has no checksum, and a bit flipped on a disk or in a copy changed a weight,
 * the epoch or a class name without a word; the CRC (zlib's, as gzip's) is of the whole
 * file with its value written as CRC_PLACEHOLDER. */
#define CRC_KEY "\"crc32\":\""
#define CRC_PLACEHOLDER "0x00000000"
enum { CRC_CHARS = sizeof CRC_PLACEHOLDER - 1 };

/* The header's JSON; *crc_at: where in it the value of the crc32 entry starts. */
static char *build_header(const StEntry *e, int n, const char *const *meta, size_t *len,
                          size_t *crc_at) {
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    fputs("{\"__metadata__\":{", f);
    for (int i = 0; meta && meta[i]; i += 2) {
        nnrt_json_write_string(f, meta[i]);
        fputc(':', f);
        nnrt_json_write_string(f, meta[i + 1]);
        fputc(',', f);
    }
    fputs(CRC_KEY, f);
    *crc_at = (size_t)ftell(f);
    fputs(CRC_PLACEHOLDER "\"}", f);
    int64_t offset = 0;
    for (int i = 0; i < n; i++) {
        int64_t count = 1;
        for (int d = 0; d < e[i].rank; d++)
            count *= e[i].dims[d];
        fputc(',', f);
        nnrt_json_write_string(f, e[i].name);
        fprintf(f, ":{\"dtype\":\"%s\",\"shape\":", e[i].elem_size == 8 ? "F64" : "F32");
        write_dims(f, e[i].dims, e[i].rank);
        fprintf(f, ",\"data_offsets\":[%" PRId64 ",%" PRId64 "]}", offset, offset + count * e[i].elem_size);
        offset += count * e[i].elem_size;
    }
    fputc('}', f);
    /* Pad with spaces so the tensor data starts 8-byte aligned, as safetensors does. */
    long pos = ftell(f);
    while ((8 + pos) % 8 != 0)
        fputc(' ', f), pos++;
    fclose(f);
    return text;
}

static size_t entry_bytes(const StEntry *e) {
    size_t bytes = (size_t)e->elem_size;
    for (int d = 0; d < e->rank; d++)
        bytes *= (size_t)e->dims[d];
    return bytes;
}

static void length_prefix(size_t hlen, unsigned char len8[8]) {
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
}

/* zlib's crc32 takes at most UINT_MAX bytes a call. */
static uLong crc_of(uLong crc, const void *data, size_t bytes) {
    const unsigned char *p = data;
    for (size_t k; bytes > 0; p += k, bytes -= k) {
        k = bytes < (1u << 30) ? bytes : (1u << 30);
        crc = crc32(crc, p, (uInt)k);
    }
    return crc;
}

/* Writes the file's CRC into the header's crc32 entry, whose value is the placeholder. */
static void stamp_crc(char *header, size_t hlen, size_t crc_at, const StEntry *e, int n) {
    unsigned char len8[8];
    length_prefix(hlen, len8);
    uLong crc = crc_of(crc_of(crc32(0, NULL, 0), len8, 8), header, hlen);
    for (int i = 0; i < n; i++)
        crc = crc_of(crc, e[i].data, entry_bytes(&e[i]));
    char value[CRC_CHARS + 1];
    snprintf(value, sizeof value, "0x%08lx", crc & 0xffffffffUL);
    memcpy(header + crc_at, value, CRC_CHARS);
}

static bool write_file(FILE *f, const char *header, size_t hlen, const StEntry *e, int n) {
    unsigned char len8[8];
    length_prefix(hlen, len8);
    bool ok = fwrite(len8, 1, 8, f) == 8 && fwrite(header, 1, hlen, f) == hlen;
    for (int i = 0; ok && i < n; i++)
        ok = fwrite(e[i].data, 1, entry_bytes(&e[i]), f) == entry_bytes(&e[i]);
    return ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
}

/* The directory a file of `path` goes into: "a/b" -> "a", "/b" -> "/", "b" -> ".". */
static void directory_of(const char *path, char *dir, size_t size) {
    snprintf(dir, size, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, size, ".");
}

/* The file a save to `path` replaces: path itself, or the file a symbolic link names (the
 * link stays a link), followed through a chain of links to the file, which may not exist
 * yet. NULL, with errno, when a link cannot be read, its target's name is too long, or
 * the chain has a loop (or over 40 links, as the kernel's own limit). Free it. */
static char *save_target(const char *path) {
    char *real = realpath(path, NULL);
    struct stat sb;
    if (real && lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
        return real; /* a link to an existing file */
    free(real);
    char *cur = nnrt_strdup(path);
    for (int hops = 0; lstat(cur, &sb) == 0 && S_ISLNK(sb.st_mode); hops++) {
        char link[4096];
        ssize_t k = hops < 40 ? readlink(cur, link, sizeof link) : -1;
        if (hops >= 40 || k < 0 || k == (ssize_t)sizeof link) {
            int why = hops >= 40 ? ELOOP : k < 0 ? errno : ENAMETOOLONG;
            free(cur);
            errno = why;
            return NULL;
        }
        link[k] = '\0';
        char *next;
        if (link[0] == '/') {
            next = nnrt_strdup(link);
        } else { /* relative to the directory of the link */
            char dir[4096];
            directory_of(cur, dir, sizeof dir);
            size_t n = strlen(dir) + strlen(link) + 2;
            next = nnrt_realloc(NULL, n);
            snprintf(next, n, "%s/%s", dir, link);
        }
        free(cur);
        cur = next;
    }
    return cur;
}

/* Whether the file at path starts as a safetensors file does: an 8-byte header length
 * that fits the file, then '{'. */
static bool looks_like_safetensors(const char *path, off_t size) {
    unsigned char b[9];
    FILE *f = fopen(path, "rb");
    bool ok = f && fread(b, 1, sizeof b, f) == sizeof b;
    if (f)
        fclose(f);
    uint64_t n = 0;
    for (int i = 7; ok && i >= 0; i--)
        n = n << 8 | b[i];
    return ok && b[8] == '{' && n <= (uint64_t)size - 8;
}

/* The name of try n at a temporary file for a save to target: TARGET.tmp.PID.N, beside
 * it (rename() replaces a file in one step only within its filesystem). A name at the
 * filesystem's limit keeps its start, cut so that the whole is NAME_MAX bytes. Free it. */
static char *temp_name(const char *target, int n) {
    char suffix[48];
    snprintf(suffix, sizeof suffix, ".tmp.%ld.%d", (long)getpid(), n);
    const char *slash = strrchr(target, '/');
    size_t dir_len = slash ? (size_t)(slash + 1 - target) : 0;
    size_t base_len = strlen(target) - dir_len, suffix_len = strlen(suffix);
    if (base_len + suffix_len > NAME_MAX)
        base_len = NAME_MAX - suffix_len;
    size_t size = dir_len + base_len + suffix_len + 1;
    char *name = nnrt_realloc(NULL, size);
    snprintf(name, size, "%.*s%.*s%s", (int)dir_len, target, (int)base_len, target + dir_len,
             suffix);
    return name;
}

/* A new file of the trainer's own for the temporary copy of a save to target, mode 0644
 * less the umask as any file it writes: the first free name of temp_name's, created with
 * O_EXCL, so that a file already at the name (another run's copy, a link planted there)
 * is never opened, followed or removed, nor is the user's TARGET.tmp, a name not tried.
 * *tmp is the name (the last one tried when none could be created, for the message;
 * free it); NULL with errno. */
static FILE *create_temp(const char *target, char **tmp) {
    int fd = -1;
    *tmp = NULL;
    for (int n = 0; fd < 0 && n < 1000; n++) {
        free(*tmp);
        *tmp = temp_name(target, n);
        fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 && errno != EEXIST)
            return NULL;
    }
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !f) {
        int why = errno;
        close(fd);
        remove(*tmp);
        errno = why;
    }
    return f;
}

/* Whether the temporary file of a save can be created, made and removed now: a directory
 * that grants write access may still refuse a file (/proc, to root), which a save then
 * found only after the first epoch's training. errno says why not; *tmp names the file. */
static bool temp_creatable(const char *target, char **tmp) {
    FILE *f = create_temp(target, tmp);
    if (!f)
        return false;
    fclose(f);
    return remove(*tmp) == 0;
}

bool nnrt_ckpt_can_save(const char *path, NnrtError *err) {
    char *target = save_target(path);
    if (!target)
        return nnrt_fail(err, "--save: cannot follow the symbolic link %s: %s", path,
                         strerror(errno));
    struct stat sb;
    bool exists = stat(target, &sb) == 0;
    int lookup = exists ? 0 : errno;
    bool ok = true;
    size_t len = strlen(path);
    bool dir_name = len > 0 && path[len - 1] == '/'; /* out/: a directory's name */
    const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    /* A name the filesystem cannot hold: the temporary copy's name is cut to fit, so it
     * was created, and the save's rename failed only after the first epoch's training. */
    if (lookup == ENAMETOOLONG)
        ok = strlen(base) > NAME_MAX
             ? nnrt_fail(err, "--save: cannot write %s: its name is %zu bytes long, and a file "
                         "name has at most %d; give a shorter one", path, strlen(base), NAME_MAX)
             : nnrt_fail(err, "--save: cannot write %s: %s (a directory's name over %d bytes, or "
                         "a path over %d); give a shorter one", path, strerror(lookup), NAME_MAX,
                         PATH_MAX - 1);
    else if (exists && S_ISDIR(sb.st_mode))
        ok = nnrt_fail(err, "--save: %s is a directory; give a file name such as "
                       "%s%smodel.safetensors", path, path, dir_name ? "" : "/");
    else if (dir_name) /* a missing directory, or a file with '/' after its name */
        ok = nnrt_fail(err, "--save: %s ends in '/', so it names a directory, not a file; "
                       "give a file name", path);
    else if (exists && !S_ISREG(sb.st_mode)) /* a device or a pipe: a rename would replace it */
        ok = nnrt_fail(err, "--save: %s is not a regular file; give a file name", path);
    /* a slip such as --save train.csv or --save model.nn must not replace the data or the
     * model's source with a checkpoint: only a checkpoint (or an empty file) is replaced */
    else if (exists && sb.st_size > 0 && !looks_like_safetensors(target, sb.st_size))
        ok = nnrt_fail(err, "--save: %s exists and is not a checkpoint (safetensors) file; it "
                       "is left as it is: remove it first, or give another name", path);
    /* a checkpoint made read-only (chmod a-w) to keep it: the save's rename would replace
     * it all the same, permissions being the directory's, so it is refused as a program
     * writing into the file would be (as root too, whom access() lets write anything) */
    else if (exists && ((sb.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0 ||
                        access(target, W_OK) != 0))
        ok = nnrt_fail(err, "--save: %s is read-only; it is left as it is: make it writable "
                       "(chmod u+w) to replace it, or give another name", path);
    char dir[4096];
    directory_of(target, dir, sizeof dir);
    struct stat ds; /* a file in its place: access() would say EACCES, for want of x */
    if (ok && stat(dir, &ds) == 0 && !S_ISDIR(ds.st_mode))
        ok = nnrt_fail(err, "--save: cannot write into %s: it is a file, not a directory", dir);
    if (ok && access(dir, W_OK | X_OK) != 0)
        ok = nnrt_fail(err, "--save: cannot write into %s: %s", dir, strerror(errno));
    char *tmp = NULL;
    if (ok && !temp_creatable(target, &tmp))
        ok = nnrt_fail(err, "--save: cannot write %s: its temporary copy %s cannot be "
                       "created: %s", path, tmp, strerror(errno));
    free(tmp);
    free(target);
    return ok;
}

/* Makes the rename itself durable. Failure is harmless (some filesystems refuse). */
static void sync_directory(const char *path) {
    char dir[4096];
    directory_of(path, dir, sizeof dir);
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Written to a temporary file of its own beside TARGET (create_temp), then renamed over
 * TARGET (path, or the file a link at path names): a crash leaves the old file whole, and
 * the new one appears whole. A failed save removes its temporary file. */
bool nnrt_st_write(const char *path, const StEntry *e, int n, const char *const *meta,
                   NnrtError *err) {
    char *target = save_target(path);
    if (!target)
        return nnrt_fail(err, "cannot write %s: cannot follow the link: %s", path,
                         strerror(errno));
    size_t hlen, crc_at;
    char *header = build_header(e, n, meta, &hlen, &crc_at);
    if (!header) {
        free(target);
        return nnrt_fail(err, "cannot write %s: out of memory", path);
    }
    stamp_crc(header, hlen, crc_at, e, n);
    char *tmp = NULL;
    FILE *f = create_temp(target, &tmp);
    bool ok = f && write_file(f, header, hlen, e, n);
    int saved = errno;
    if (f && fclose(f) != 0 && ok)
        ok = false, saved = errno;
    if (ok && rename(tmp, target) != 0)
        ok = false, saved = errno;
    if (ok)
        sync_directory(target);
    else
        nnrt_fail(err, "cannot write %s: %s", f ? path : tmp, strerror(saved));
    if (!ok && f)
        remove(tmp);
    free(tmp);
    free(target);
    free(header);
    return ok;
}

/* ---- reading ---- */

static int st_view(const SafeTensors *st, const char *name, const Json *e, StView *v,
                   NnrtError *err);

/* Opened without blocking: a named pipe (mkfifo) that no process writes made fopen wait
 * forever, before its type was looked at. */
static FILE *open_regular(const char *path, size_t *size, NnrtError *err) {
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return nnrt_fail(err, "cannot open %s: %s", path, strerror(errno)), NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) { /* a directory, /dev/zero, a pipe … */
        close(fd);
        return nnrt_fail(err, "%s: not a regular file (a checkpoint is a .safetensors file)",
                         path), NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int why = errno;
        close(fd);
        return nnrt_fail(err, "cannot open %s: %s", path, strerror(why)), NULL;
    }
    *size = (size_t)sb.st_size;
    return f;
}

/* Reads the file's bytes up to `want` into st->bytes (grown to want), after those it has:
 * st->size becomes what it holds (less at the end of a file that shrank). Memory for them
 * that the process may not have is an error naming the file. */
static bool read_more(SafeTensors *st, FILE *f, size_t want, NnrtError *err) {
    if (st->bytes && want <= st->size) /* an empty header: its 8 bytes of length are here */
        return true;
    uint64_t limit = nnrt_memory_limit();
    unsigned char *grown = limit == 0 || want <= limit ? realloc(st->bytes, want + 1) : NULL;
    if (!grown)
        return nnrt_fail(err, "%s: the file's %.3g GB do not fit in the memory available "
                         "(%.3g GB)", st->path, (double)want / 1e9, (double)limit / 1e9);
    st->bytes = grown;
    st->size += fread(st->bytes + st->size, 1, want - st->size, f);
    return !ferror(f) || nnrt_fail(err, "cannot read %s: %s", st->path, strerror(errno));
}

/* What the first 8 bytes say, the length of the header, against the file's size. */
static bool header_length_fits(const SafeTensors *st, uint64_t n, size_t file_size,
                               NnrtError *err) {
    if (file_size < 8)
        return nnrt_fail(err, "%s: byte 0: not a safetensors file: only %zu bytes", st->path,
                         file_size);
    if (n <= MAX_HEADER && n > file_size - 8 && st->size > 8 && st->bytes[8] == '{')
        /* a header that starts as JSON does, but past the end of the file: a checkpoint cut
         * short inside its header, not some other file */
        return nnrt_fail(err, "%s: byte %zu: the file is truncated: its header (JSON from "
                         "byte 8) is %" PRIu64 " bytes long and would end at byte %" PRIu64,
                         st->path, file_size, n, n + 8);
    if (n > MAX_HEADER || n > file_size - 8)
        return nnrt_fail(err, "%s: byte 0: not a safetensors file: its first 8 bytes should "
                         "give the length of the header that follows, but give %" PRIu64 " and "
                         "the file holds %zu bytes", st->path, n, file_size);
    return true;
}

static bool header_parsed(SafeTensors *st, uint64_t n, NnrtError *err) {
    char why[200];
    if (st->size < 8 + n)
        return nnrt_fail(err, "%s: byte %zu: the file ends inside its header (it shrank while "
                         "read)", st->path, st->size);
    if (!nnrt_json_parse((const char *)st->bytes + 8, (size_t)n, &st->header, why, sizeof why))
        return nnrt_fail(err, "%s: header (JSON from byte 8): %s", st->path, why);
    if (st->header.kind != JSON_OBJECT)
        return nnrt_fail(err, "%s: byte 8: the header is not a JSON object", st->path);
    return true;
}

/* The file is read in three parts, each checked before the next is read: its first 9
 * bytes (the header's length, and its '{'), the header, then the tensors. Read whole at
 * once, a file given by mistake (--load train.csv, a disk image) was read into memory
 * before its first 8 bytes were looked at: gigabytes, or "out of memory allocating
 * 536870912 bytes" naming no file. */
bool nnrt_st_open(SafeTensors *st, const char *path, NnrtError *err) {
    memset(st, 0, sizeof *st);
    st->path = path;
    size_t file_size = 0;
    FILE *f = open_regular(path, &file_size, err);
    bool ok = f && read_more(st, f, file_size < 9 ? file_size : 9, err);
    uint64_t n = 0;
    for (int i = 7; ok && i >= 0 && st->size >= 8; i--)
        n = n << 8 | st->bytes[i];
    ok = ok && header_length_fits(st, n, file_size, err) &&
         read_more(st, f, 8 + (size_t)n, err) && header_parsed(st, n, err) &&
         read_more(st, f, file_size, err);
    if (f)
        fclose(f);
    st->data_start = 8 + (size_t)n;
    /* every tensor is checked now, not only those a caller reads: a file cut short (a
     * copy interrupted, a full disk) is refused whole, not half loaded */
    for (int i = 0; ok && i < st->header.n; i++) {
        StView v;
        if (strcmp(st->header.keys[i], "__metadata__") != 0)
            ok = st_view(st, st->header.keys[i], &st->header.items[i], &v, err) == 1;
    }
    if (!ok)
        nnrt_st_close(st);
    return ok;
}

/* Where the value of the header's crc32 entry starts, or 0. Inside a JSON string a quote
 * is escaped, so CRC_KEY (quote, crc32, quote, colon, quote) is no string's text. */
static size_t crc_value_at(const SafeTensors *st) {
    size_t key = sizeof CRC_KEY - 1;
    for (size_t i = 8; i + key + CRC_CHARS <= st->data_start; i++)
        if (memcmp(st->bytes + i, CRC_KEY, key) == 0)
            return i + key;
    return 0;
}

bool nnrt_st_verify(SafeTensors *st, NnrtError *err) {
    const char *stated = nnrt_st_meta(st, "crc32");
    if (!stated)
        return true; /* written by another program, or before the trainer wrote one */
    size_t at = crc_value_at(st);
    if (!at || strlen(stated) != CRC_CHARS || memcmp(st->bytes + at, stated, CRC_CHARS) != 0)
        return nnrt_fail(err, "%s: metadata \"crc32\" is not as the trainer writes it "
                         "(\"0x\" and 8 hex digits, in compact JSON): the file is damaged, or "
                         "another program rewrote it, which must then drop \"crc32\" from its "
                         "metadata", st->path);
    unsigned char saved[CRC_CHARS];
    memcpy(saved, st->bytes + at, CRC_CHARS);
    memcpy(st->bytes + at, CRC_PLACEHOLDER, CRC_CHARS);
    uLong crc = crc_of(crc32(0, NULL, 0), st->bytes, st->size) & 0xffffffffUL;
    memcpy(st->bytes + at, saved, CRC_CHARS);
    char actual[CRC_CHARS + 1];
    snprintf(actual, sizeof actual, "0x%08lx", crc);
    if (strcasecmp(actual, stated) == 0)
        return true;
    return nnrt_fail(err, "%s: the file is damaged: its CRC-32 is %s, but its metadata "
                     "\"crc32\" says %s (bits changed on a disk or in a copy; a file another "
                     "program rewrote on purpose must drop \"crc32\" from its metadata)",
                     st->path, actual, stated);
}

void nnrt_st_close(SafeTensors *st) {
    nnrt_json_free(&st->header);
    free(st->bytes);
    st->bytes = NULL;
}

const char *nnrt_st_meta(const SafeTensors *st, const char *key) {
    const Json *meta = nnrt_json_get(&st->header, "__metadata__");
    const Json *v = meta ? nnrt_json_get(meta, key) : NULL;
    return v && v->kind == JSON_STRING ? v->string : NULL;
}

static const char *json_kind_name(JsonKind kind) {
    static const char *const names[] = {"null", "a boolean", "a number", "a string", "a list",
                                        "an object"}; /* ORDER JsonKind */
    return names[kind];
}

/* A tensor entry the trainer cannot read: the file, the byte of the value at fault (the
 * header starts at byte 8), the tensor and what was expected there. */
static int entry_error(const SafeTensors *st, const char *name, const Json *at, NnrtError *err,
                       const char *what, const char *found) {
    nnrt_fail(err, "%s: byte %zu: tensor \"%s\": %s%s%s", st->path, 8 + at->at, name, what,
              found ? ", found " : "", found ? found : "");
    return -1;
}

/* "shape": [d0, ...], at most NNRT_MAX_RANK sizes, each an integer >= 0, whose product
 * fits an int64_t. 1, or -1 with err set. */
static int read_shape(const SafeTensors *st, const char *name, const Json *e, StView *v,
                      NnrtError *err) {
    const Json *shape = nnrt_json_get(e, "shape");
    if (!shape)
        return entry_error(st, name, e, err, "expected a \"shape\" (a list of sizes)", NULL);
    if (shape->kind != JSON_ARRAY)
        return entry_error(st, name, shape, err, "expected \"shape\" to be a list of sizes",
                           json_kind_name(shape->kind));
    if (shape->n > NNRT_MAX_RANK) {
        char what[64];
        snprintf(what, sizeof what, "expected a \"shape\" of at most %d sizes, found %d",
                 NNRT_MAX_RANK, shape->n);
        return entry_error(st, name, shape, err, what, NULL);
    }
    v->rank = shape->n;
    v->count = 1;
    for (int i = 0; i < shape->n; i++) {
        const Json *d = &shape->items[i];
        if (d->kind != JSON_NUMBER || !d->is_integer || d->integer < 0) {
            char number[32];
            snprintf(number, sizeof number, "%.17g", d->number);
            return entry_error(st, name, d, err, "expected a size (an integer >= 0) in \"shape\"",
                               d->kind == JSON_NUMBER ? number : json_kind_name(d->kind));
        }
        v->dims[i] = d->integer;
        v->count = nnrt_mul_checked(v->count, d->integer);
    }
    if (v->count < 0)
        return entry_error(st, name, shape, err, "the sizes of \"shape\" multiply to more "
                           "values than any file holds", NULL);
    return 1;
}

/* The tensor `name` of the header, entry e: 1 valid (v filled), -1 malformed (err set).
 * An entry reads {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]}. */
static int st_view(const SafeTensors *st, const char *name, const Json *e, StView *v,
                   NnrtError *err) {
    memset(v, 0, sizeof *v);
    if (e->kind != JSON_OBJECT)
        return entry_error(st, name, e, err, "expected an object {\"dtype\", \"shape\", "
                           "\"data_offsets\"}", json_kind_name(e->kind));
    const Json *dtype = nnrt_json_get(e, "dtype"), *off = nnrt_json_get(e, "data_offsets");
    if (!dtype || dtype->kind != JSON_STRING)
        return entry_error(st, name, dtype ? dtype : e, err, "expected a \"dtype\" string "
                           "(\"F32\" or \"F64\")", dtype ? json_kind_name(dtype->kind) : NULL);
    if (read_shape(st, name, e, v, err) < 0)
        return -1;
    if (!off || off->kind != JSON_ARRAY || off->n != 2 || !off->items[0].is_integer ||
        !off->items[1].is_integer)
        return entry_error(st, name, off ? off : e, err, "expected \"data_offsets\" as two "
                           "integers [begin, end]", off && off->kind != JSON_ARRAY
                                                        ? json_kind_name(off->kind) : NULL);
    if (strcmp(dtype->string, "F32") != 0 && strcmp(dtype->string, "F64") != 0)
        return nnrt_fail(err, "%s: byte %zu: tensor \"%s\" has dtype %s; only F32 and F64 are "
                         "supported", st->path, 8 + dtype->at, name, dtype->string), -1;
    v->elem_size = dtype->string[1] == '6' ? 8 : 4;
    int64_t begin = off->items[0].integer, end = off->items[1].integer;
    int64_t bytes = nnrt_mul_checked(v->count, v->elem_size);
    if (begin < 0 || end < begin || bytes < 0 || end - begin != bytes) /* no overflow */
        return nnrt_fail(err, "%s: byte %zu: tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64
                         "] do not match its shape and dtype (%" PRId64 " bytes)", st->path,
                         8 + off->at, name, begin, end, bytes), -1;
    if ((uint64_t)end > st->size - st->data_start)
        return nnrt_fail(err, "%s: byte %zu: the file is truncated: tensor \"%s\" ends at byte %"
                         PRIu64, st->path, st->size, name, (uint64_t)end + st->data_start), -1;
    v->data = st->bytes + st->data_start + begin;
    return 1;
}

int nnrt_st_find(const SafeTensors *st, const char *name, StView *v, NnrtError *err) {
    const Json *e = nnrt_json_get(&st->header, name);
    return e ? st_view(st, name, e, v, err) : 0;
}

double nnrt_st_get(const StView *v, int64_t i) {
    if (v->elem_size == 8) {
        double d;
        memcpy(&d, v->data + 8 * i, 8);
        return d;
    }
    float f;
    memcpy(&f, v->data + 4 * i, 4);
    return f;
}

/* ---- runtime checkpoints ---- */

enum { MAX_EXTRA = 6, MAX_META = 40 };

static StEntry flat(const char *name, int elem_size, int64_t n, const void *data) {
    StEntry e = {name, elem_size, 1, {n}, data};
    return e;
}

static int collect_entries(const CkptParts *p, StEntry *e) {
    const NnrtModel *m = p->m;
    int n = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        const NnrtTensor *t = &m->tensors[i];
        e[n] = (StEntry){t->name, m->elem_size, t->rank, {0}, (const char *)p->params + t->offset * m->elem_size};
        memcpy(e[n++].dims, t->dims, sizeof t->dims);
    }
    if (p->opt_state && m->opt_state_size > 0)
        e[n++] = flat("optimizer.state", m->elem_size, m->opt_state_size, p->opt_state);
    if (p->es && p->es->have_best)
        e[n++] = flat("early_stopping.best", m->elem_size, m->param_size, p->es->best_params);
    const Standardizer *st = p->stats;
    if (st && st->active && st->ready) {
        e[n++] = flat("data.mean", 4, st->dim, st->mean);
        e[n++] = flat("data.std", 4, st->dim, st->std);
        if (st->ydim) {
            e[n++] = flat("data.y_mean", 4, st->ydim, st->y_mean);
            e[n++] = flat("data.y_std", 4, st->ydim, st->y_std);
        }
    }
    return n;
}

/* Metadata values are strings (a safetensors rule); numbers use %.17g so they survive
 * the round trip exactly. */
typedef struct Meta {
    const char *kv[2 * MAX_META + 1];
    char text[MAX_META][64];
    int n;
} Meta;

static void meta_str(Meta *mt, const char *key, const char *value) {
    mt->kv[2 * mt->n] = key;
    mt->kv[2 * mt->n + 1] = value ? value : "";
    mt->kv[2 * ++mt->n] = NULL;
}

static void meta_num(Meta *mt, const char *key, double v) {
    snprintf(mt->text[mt->n], sizeof mt->text[0], "%.17g", v);
    meta_str(mt, key, mt->text[mt->n]);
}

/* The class names as one metadata string: one per line, or, when a name holds a line
 * break (a quoted CSV label) or the first starts with '[', a JSON array of strings, which
 * keeps every name whole. */
static bool names_need_json(const ClassVocab *v) {
    for (int i = 0; i < v->n; i++)
        if (strchr(v->names[i], '\n') || (i == 0 && v->names[0][0] == '['))
            return true;
    return false;
}

static char *join_names(const ClassVocab *v) {
    if (names_need_json(v)) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
            return NULL;
        fputc('[', f);
        for (int i = 0; i < v->n; i++) {
            fputs(i ? "," : "", f);
            nnrt_json_write_string(f, v->names[i]);
        }
        fputc(']', f);
        fclose(f);
        return text;
    }
    size_t len = 1;
    for (int i = 0; i < v->n; i++)
        len += strlen(v->names[i]) + 1;
    char *s = nnrt_realloc(NULL, len);
    s[0] = '\0';
    for (int i = 0; i < v->n; i++) {
        strcat(s, v->names[i]);
        if (i + 1 < v->n)
            strcat(s, "\n");
    }
    return s;
}

/* Reads join_names' string back into v (empty), room for the model's classes kept. A
 * file naming more classes than the model has is damaged or another model's. */
static bool split_names(const SafeTensors *st, const char *names, const NnrtModel *m,
                        ClassVocab *v, NnrtError *err) {
    int64_t classes = m->task == NNRT_TASK_BINARY ? 2 : m->n_classes;
    Json list = {0};
    char why[200];
    int n = 0;
    /* A JSON array of strings, or else names one per line: a checkpoint written before the
     * JSON form may hold a first name such as "[1]" that parses as JSON but is no list of
     * strings, and is then read as lines, as it was written. */
    bool json = names[0] == '[' && nnrt_json_parse(names, strlen(names), &list, why, sizeof why);
    if (json) {
        bool strings = list.kind == JSON_ARRAY;
        for (int i = 0; strings && i < list.n; i++)
            strings = list.items[i].kind == JSON_STRING;
        if (!strings) {
            nnrt_json_free(&list);
            memset(&list, 0, sizeof list);
            json = false;
        }
    }
    if (json) {
        n = list.n;
    } else {
        for (const char *c = names; *c; c++)
            n += c == names || c[-1] == '\n';
    }
    if (n > classes) {
        nnrt_json_free(&list);
        return nnrt_fail(err, "%s: metadata \"class_names\" names %d classes, but model '%s' has "
                         "%lld; the file is damaged or holds another model", st->path, n, m->name,
                         (long long)classes);
    }
    nnrt_vocab_alloc(v, n, classes);
    if (json) {
        for (int i = 0; i < n; i++)
            v->names[i] = nnrt_strdup(list.items[i].string);
        nnrt_json_free(&list);
    } else {
        const char *c = names;
        for (int i = 0; i < n; i++) {
            size_t len = strcspn(c, "\n");
            v->names[i] = nnrt_realloc(NULL, len + 1);
            memcpy(v->names[i], c, len);
            v->names[i][len] = '\0';
            c += len + (c[len] == '\n');
        }
    }
    v->n = n;
    v->fixed = true;
    v->from = st->path;
    return true;
}

static void collect_meta(const CkptParts *p, Meta *mt, char *fingerprint, char *names_out) {
    const NnrtModel *m = p->m;
    meta_str(mt, "format", "nnrt");
    meta_str(mt, "model", m->name);
    meta_str(mt, "source", m->source);
    meta_str(mt, "fingerprint", fingerprint);
    meta_str(mt, "optimizer", m->optimizer);
    if (p->state) {
        meta_num(mt, "epoch", p->state->epoch);
        meta_num(mt, "step", (double)p->state->step);
        snprintf(mt->text[mt->n], sizeof mt->text[0], "%" PRIu64, p->state->seed);
        meta_str(mt, "seed", mt->text[mt->n]);
    }
    if (p->split_examples > 0) {
        snprintf(mt->text[mt->n], sizeof mt->text[0], "%" PRId64, p->split_examples);
        meta_str(mt, "split_examples", mt->text[mt->n]);
    }
    if (p->sched) {
        meta_num(mt, "plateau_lr", p->sched->plateau_lr);
        meta_num(mt, "plateau_best", p->sched->plateau_best);
        meta_num(mt, "plateau_wait", p->sched->plateau_wait);
    }
    if (p->es) {
        meta_num(mt, "early_stopping_best", p->es->best);
        meta_num(mt, "early_stopping_wait", p->es->wait);
        meta_num(mt, "early_stopping_best_epoch", p->es->best_epoch);
    }
    if (names_out)
        meta_str(mt, "class_names", names_out);
}

bool nnrt_ckpt_save(const char *path, const CkptParts *p, NnrtError *err) {
    StEntry *e = nnrt_realloc(NULL, sizeof(StEntry) * (size_t)(p->m->n_tensors + MAX_EXTRA));
    int n = collect_entries(p, e);
    char fingerprint[32];
    snprintf(fingerprint, sizeof fingerprint, "0x%016" PRIx64, p->m->fingerprint);
    char *names = p->vocab && p->vocab->n > 0 ? join_names(p->vocab) : NULL;
    Meta mt = {.n = 0};
    collect_meta(p, &mt, fingerprint, names);
    bool ok = nnrt_st_write(path, e, n, mt.kv, err);
    free(names);
    free(e);
    return ok;
}

static void format_shape(char *buf, size_t size, const int64_t *dims, int rank) {
    int k = snprintf(buf, size, "[");
    for (int i = 0; i < rank && k < (int)size; i++)
        k += snprintf(buf + k, size - (size_t)k, "%s%" PRId64, i ? ", " : "", dims[i]);
    if (k < (int)size)
        snprintf(buf + k, size - (size_t)k, "]");
}

static bool same_shape(const StView *v, const int64_t *dims, int rank) {
    if (v->rank != rank)
        return false;
    for (int i = 0; i < rank; i++)
        if (v->dims[i] != dims[i])
            return false;
    return true;
}

static void copy_view(const StView *v, void *dst, int elem_size) {
    if (v->elem_size == elem_size) {
        memcpy(dst, v->data, (size_t)(v->count * elem_size));
        return;
    }
    for (int64_t i = 0; i < v->count; i++)
        nnrt_set(dst, elem_size, i, nnrt_st_get(v, i));
}

static bool load_params(const SafeTensors *st, const CkptParts *p, NnrtError *err) {
    const NnrtModel *m = p->m;
    const char *other = nnrt_st_meta(st, "model");
    for (int i = 0; i < m->n_tensors; i++) {
        const NnrtTensor *t = &m->tensors[i];
        StView v;
        char want[96], got[96];
        format_shape(want, sizeof want, t->dims, t->rank);
        int found = nnrt_st_find(st, t->name, &v, err);
        if (found < 0)
            return false;
        if (found == 0)
            return nnrt_fail(err, "%s: has no tensor \"%s\" (model '%s' expects shape %s); it holds "
                             "model '%s'", st->path, t->name, m->name, want, other ? other : "?");
        format_shape(got, sizeof got, v.dims, v.rank);
        if (!same_shape(&v, t->dims, t->rank))
            return nnrt_fail(err, "%s: tensor \"%s\" has shape %s, but model '%s' expects %s",
                             st->path, t->name, got, m->name, want);
        for (int64_t k = 0; k < v.count; k++) {
            double x = nnrt_st_get(&v, k);
            /* where the value is in the file, for a hex editor or numpy's offset= */
            long long at = (long long)(v.data - st->bytes) + k * v.elem_size;
            if (!isfinite(x))
                return nnrt_fail(err, "%s: byte %lld: tensor \"%s\" holds %s at element %lld; "
                                 "the run that wrote it diverged, or the file is damaged",
                                 st->path, at, t->name, isnan(x) ? "NaN" : "infinity",
                                 (long long)k);
            if (m->elem_size == 4 && nnrt_float32_overflows(x)) /* F64 into an f32 model */
                return nnrt_fail(err, "%s: byte %lld: tensor \"%s\" holds %g at element %lld, "
                                 "out of range for the f32 model", st->path, at, t->name, x,
                                 (long long)k);
        }
        copy_view(&v, (char *)p->params + t->offset * m->elem_size, m->elem_size);
    }
    return true;
}

/* Loads one flat float tensor of n values if present with that size. */
static bool load_stat(const SafeTensors *st, const char *name, float *dst, int64_t n) {
    StView v;
    if (nnrt_st_find(st, name, &v, NULL) != 1 || v.count != n)
        return false;
    copy_view(&v, dst, 4);
    return true;
}

/* The first element of a tensor that is not a finite float32 (or, with positive, not
 * above 0), or -1. */
static int64_t bad_element(const StView *v, bool positive) {
    for (int64_t k = 0; k < v->count; k++) {
        float x = (float)nnrt_st_get(v, k);
        if (!isfinite(x) || (positive && !(x > 0)))
            return k;
    }
    return -1;
}

/* Standardization statistics shift and scale every value the model reads and every
 * prediction: a damaged one (a std of 0 or NaN, an infinite mean) would turn every
 * prediction into one number or an infinity, so every one in the file is checked. */
static bool check_stats(const SafeTensors *st, NnrtError *err) {
    static const char *const names[] = {"data.mean", "data.std", "data.y_mean", "data.y_std"};
    for (int i = 0; i < 4; i++) {
        StView v;
        int found = nnrt_st_find(st, names[i], &v, err);
        if (found < 0)
            return false;
        int64_t k = found ? bad_element(&v, i % 2 == 1) : -1;
        if (k >= 0)
            return nnrt_fail(err, "%s: tensor \"%s\" holds %g at element %lld, but %s; the file "
                             "is damaged", st->path, names[i], nnrt_st_get(&v, k), (long long)k,
                             i % 2 ? "a standard deviation is a positive number"
                                   : "a mean is a finite number");
    }
    return true;
}

/* Metadata `key` as a whole number from 0 to 2^64 - 1 into *out: 1, or 0 when the file has
 * no such entry, -1 when it holds something else. */
static int meta_whole(const SafeTensors *st, const char *key, uint64_t *out) {
    const char *s = nnrt_st_meta(st, key);
    if (!s)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!isdigit((unsigned char)s[0]) || *end || errno == ERANGE)
        return -1;
    *out = v;
    return 1;
}

static bool load_extras(const SafeTensors *st, CkptParts *p, NnrtError *err) {
    Standardizer *s = p->stats;
    if (!check_stats(st, err))
        return false;
    if (s && s->active && load_stat(st, "data.mean", s->mean, s->dim) &&
        load_stat(st, "data.std", s->std, s->dim))
        s->ready = !s->ydim || (load_stat(st, "data.y_mean", s->y_mean, s->ydim) &&
                                load_stat(st, "data.y_std", s->y_std, s->ydim));
    if (s && s->ready)
        s->from = st->path; /* for messages: a damaged statistic is the checkpoint's fault */
    const char *names = nnrt_st_meta(st, "class_names");
    ClassVocab *v = p->vocab;
    if (v && !v->fixed && names && names[0] && !split_names(st, names, p->m, v, err))
        return false;
    const char *fp = nnrt_st_meta(st, "fingerprint");
    p->fingerprint_differs = !fp || strtoull(fp, NULL, 16) != p->m->fingerprint;
    p->has_seed = meta_whole(st, "seed", &p->seed) == 1;
    /* absent (a file from before, or from another program) or not a count: no split known */
    uint64_t examples = 0;
    p->split_examples = meta_whole(st, "split_examples", &examples) == 1 &&
                                examples <= INT64_MAX ? (int64_t)examples : 0;
    return true;
}

static bool meta_number(const SafeTensors *st, const char *key, double *out, NnrtError *err) {
    const char *s = nnrt_st_meta(st, key);
    char *end;
    if (!s)
        return nnrt_fail(err, "%s: cannot resume: the metadata has no \"%s\"", st->path, key);
    *out = strtod(s, &end);
    if (end == s || *end)
        return nnrt_fail(err, "%s: metadata \"%s\" is not a number: \"%s\"", st->path, key, s);
    return true;
}

static bool load_optimizer(const SafeTensors *st, CkptParts *p, NnrtError *err) {
    const NnrtModel *m = p->m;
    const char *opt = nnrt_st_meta(st, "optimizer");
    if (opt && m->optimizer && strcmp(opt, m->optimizer) != 0)
        return nnrt_fail(err, "%s: cannot resume: written with optimizer %s, the model uses %s",
                         st->path, opt, m->optimizer);
    if (m->opt_state_size == 0 || !p->opt_state)
        return true;
    StView v;
    int found = nnrt_st_find(st, "optimizer.state", &v, err);
    if (found < 0)
        return false;
    if (found == 0 || v.count != m->opt_state_size)
        return nnrt_fail(err, "%s: cannot resume: tensor \"optimizer.state\" %s (the optimizer needs "
                         "%lld values)", st->path, found ? "has another size" : "is missing",
                         (long long)m->opt_state_size);
    int64_t bad = bad_element(&v, false); /* else the first update is NaN, blamed on the lr */
    if (bad >= 0)
        return nnrt_fail(err, "%s: cannot resume: tensor \"optimizer.state\" holds %g at element "
                         "%lld; the run that wrote it diverged, or the file is damaged", st->path,
                         nnrt_st_get(&v, bad), (long long)bad);
    copy_view(&v, p->opt_state, m->elem_size);
    return true;
}

/* A counter of the metadata: a whole number from 0 to max (a damaged or hand-edited file
 * must not start a run at epoch -5 or 1e300). */
static bool meta_count(const SafeTensors *st, const char *key, double max, double *out,
                       NnrtError *err) {
    if (!meta_number(st, key, out, err))
        return false;
    if (!(*out >= 0 && *out <= max && *out == floor(*out)))
        return nnrt_fail(err, "%s: cannot resume: metadata \"%s\" is %s, expected a whole number "
                         "from 0 to %.0f", st->path, key, nnrt_st_meta(st, key), max);
    return true;
}

static bool load_counters(const SafeTensors *st, CkptParts *p, NnrtError *err) {
    double epoch, step, pw = 0, ew = 0, ee = 0;
    if (!meta_count(st, "epoch", INT_MAX, &epoch, err) ||
        !meta_count(st, "step", 9007199254740992.0, &step, err))
        return false;
    uint64_t seed_value = 0;
    int seed = meta_whole(st, "seed", &seed_value);
    if (seed == 0)
        return nnrt_fail(err, "%s: cannot resume: the metadata has no \"seed\"", st->path);
    if (seed < 0)
        return nnrt_fail(err, "%s: cannot resume: metadata \"seed\" is %s, expected a whole "
                         "number from 0 to 2^64 - 1", st->path, nnrt_st_meta(st, "seed"));
    p->state->epoch = (int)epoch;
    p->state->step = (int64_t)step;
    p->state->seed = seed_value;
    if (p->sched && (!meta_number(st, "plateau_lr", &p->sched->plateau_lr, err) ||
                     !meta_number(st, "plateau_best", &p->sched->plateau_best, err) ||
                     !meta_count(st, "plateau_wait", INT_MAX, &pw, err)))
        return false;
    /* a learning rate of -0.001 or NaN would train backwards or into NaN, blamed on --lr */
    if (p->sched && !(p->sched->plateau_lr > 0 && isfinite(p->sched->plateau_lr)))
        return nnrt_fail(err, "%s: cannot resume: metadata \"plateau_lr\" is %s, expected a "
                         "learning rate above 0", st->path, nnrt_st_meta(st, "plateau_lr"));
    if (p->sched && isnan(p->sched->plateau_best))
        return nnrt_fail(err, "%s: cannot resume: metadata \"plateau_best\" is NaN", st->path);
    if (p->sched)
        p->sched->plateau_wait = (int)pw;
    if (!p->es)
        return true;
    if (!meta_number(st, "early_stopping_best", &p->es->best, err) ||
        !meta_count(st, "early_stopping_wait", INT_MAX, &ew, err) ||
        !meta_count(st, "early_stopping_best_epoch", INT_MAX, &ee, err))
        return false;
    if (isnan(p->es->best))
        return nnrt_fail(err, "%s: cannot resume: metadata \"early_stopping_best\" is NaN",
                         st->path);
    p->es->wait = (int)ew;
    p->es->best_epoch = (int)ee;
    StView v;
    if (p->es->best_params && nnrt_st_find(st, "early_stopping.best", &v, NULL) == 1 &&
        v.count == p->m->param_size) {
        /* restored as the final weights when training stops: a NaN there would be saved
         * as the trained model */
        int64_t bad = bad_element(&v, false);
        if (bad >= 0)
            return nnrt_fail(err, "%s: cannot resume: tensor \"early_stopping.best\" holds %g at "
                             "element %lld; the run that wrote it diverged, or the file is "
                             "damaged", st->path, nnrt_st_get(&v, bad), (long long)bad);
        copy_view(&v, p->es->best_params, p->m->elem_size);
        p->es->have_best = true;
    }
    return true;
}

bool nnrt_ckpt_load(const char *path, CkptParts *p, bool resume, NnrtError *err) {
    SafeTensors st;
    if (!nnrt_st_open(&st, path, err))
        return false;
    bool ok = load_params(&st, p, err);
    if (ok)
        ok = load_extras(&st, p, err);
    if (ok && resume)
        ok = load_optimizer(&st, p, err) && load_counters(&st, p, err);
    /* after the checks of what the file holds, whose messages say more (a NaN weight, a
     * missing tensor): the CRC then catches the damage that leaves the values plausible */
    if (ok)
        ok = nnrt_st_verify(&st, err);
    nnrt_st_close(&st);
    return ok;
}
