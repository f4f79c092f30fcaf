/*
 * util.c — error formatting, aligned allocation, clock and precision helpers.
 * See util.h for why errors are values and OOM is fatal.
 */
#ifdef __linux__
#define _GNU_SOURCE 1 /* madvise's MADV_HUGEPAGE; program_invocation_short_name */
#endif
#include "util.h"
#include "utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

static void vfail(NnrtError *err, bool usage, const char *fmt, va_list ap) {
    if (err) {
        char raw[sizeof err->msg];
        vsnprintf(raw, sizeof raw, fmt, ap);
        err->usage = usage;
        /* An error is one line. Messages quote what a file holds (a CSV field, a .npy
         * header, a class name), which may hold line breaks (a quoted CSV field), a CR
         * that would overwrite the line on a terminal, or any other control byte of a
         * damaged file: they are shown escaped, as \n, \r, \t or \xNN; so are the bytes
         * of text in another encoding than UTF-8 (a Latin-1 'caf\xe9'), the C1 controls
         * (U+009B is a terminal's CSI) and the bidirectional ones (nnrt_terminal_control),
         * each byte as \xNN. */
        size_t k = 0;
        for (const unsigned char *c = (const unsigned char *)raw; *c; c++) {
            char esc[5];
            uint32_t code = *c;
            int len, n = nnrt_utf8_decode((const char *)c, 4, &code);
            if (n > 1 && !nnrt_terminal_control(code)) { /* a character, copied whole */
                if (k + (size_t)n >= sizeof err->msg)
                    break;
                memcpy(err->msg + k, c, (size_t)n);
                k += (size_t)n;
                c += n - 1;
                continue;
            }
            if (*c >= 0x20 && *c < 0x7f)
                esc[0] = (char)*c, len = 1;
            else if (*c == '\n' || *c == '\r' || *c == '\t')
                esc[0] = '\\', esc[1] = *c == '\n' ? 'n' : *c == '\r' ? 'r' : 't', len = 2;
            else
                len = snprintf(esc, sizeof esc, "\\x%02x", *c);
            if (k + (size_t)len >= sizeof err->msg)
                break;
            memcpy(err->msg + k, esc, (size_t)len);
            k += (size_t)len;
        }
        err->msg[k] = '\0';
    }
}

bool nnrt_fail(NnrtError *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(err, false, fmt, ap);
    va_end(ap);
    return false;
}

bool nnrt_fail_usage(NnrtError *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(err, true, fmt, ap);
    va_end(ap);
    return false;
}

/* The program's name for the out-of-memory message, which has no caller's context to
 * take it from: the C library keeps it (argv[0]'s last component, as the CLI's prog). */
static const char *program_name(void) {
#ifdef __GLIBC__
    return program_invocation_short_name;
#else
    return "nnrt";
#endif
}

static void out_of_memory(size_t bytes) {
    fflush(stdout);
    fprintf(stderr, "%s: error: out of memory allocating %zu bytes\n", program_name(), bytes);
    exit(1);
}

/* Data sets are read in random rows: with 4 KiB pages every row of a batch costs a TLB
 * miss and a page walk (as much time as a small model's step), so big blocks ask Linux
 * for 2 MiB pages where it gives them on request (transparent_hugepage = madvise). */
enum { HUGE_PAGE = 2 << 20 };

/* The alignment and the size (a multiple of it, as aligned_alloc wants) of a block. */
static size_t block_size(size_t bytes, size_t *align) {
    *align = bytes >= 4 * (size_t)HUGE_PAGE ? HUGE_PAGE : NNRT_ALIGN;
    size_t rounded = (bytes + *align - 1) / *align * *align;
    return rounded ? rounded : *align;
}

void *nnrt_alloc_unzeroed(size_t bytes) {
    size_t align, rounded = block_size(bytes, &align);
    void *p = bytes <= SIZE_MAX - align ? aligned_alloc(align, rounded) : NULL; /* no wrap */
    if (!p)
        out_of_memory(bytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (align == HUGE_PAGE)
        madvise(p, rounded, MADV_HUGEPAGE); /* advice: failure only means small pages */
#endif
    return p;
}

void *nnrt_alloc(size_t bytes) {
    size_t align, rounded = block_size(bytes, &align);
    void *p = nnrt_alloc_unzeroed(bytes);
    memset(p, 0, rounded);
    return p;
}

void *nnrt_realloc(void *p, size_t bytes) {
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q)
        out_of_memory(bytes);
    return q;
}

void nnrt_free(void *p) { free(p); }

char *nnrt_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = nnrt_realloc(NULL, n);
    memcpy(d, s, n);
    return d;
}

uint64_t nnrt_memory_limit(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    uint64_t most = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    int kinds[] = {RLIMIT_AS, RLIMIT_DATA};
    for (int i = 0; i < 2; i++) {
        struct rlimit rl;
        if (getrlimit(kinds[i], &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            (most == 0 || (uint64_t)rl.rlim_cur < most))
            most = (uint64_t)rl.rlim_cur;
    }
    return most;
}

int64_t nnrt_mul_checked(int64_t a, int64_t b) {
    if (a < 0 || b < 0)
        return -1;
    if (a != 0 && b > INT64_MAX / a)
        return -1;
    return a * b;
}

double nnrt_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void nnrt_from_float(void *dst, int elem_size, const float *src, int64_t n) {
    if (elem_size == 4) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    double *d = dst;
    for (int64_t i = 0; i < n; i++)
        d[i] = src[i];
}

const char *nnrt_basename(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void nnrt_csv_write_field(FILE *f, const char *s) {
    if (!s[strcspn(s, ",\"\r\n")]) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
