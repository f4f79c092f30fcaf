/*
 * diag.h — diagnostics in GNU form with the source line and a caret:
 *
 *   mnist.nn:4:5: error: unknown layer 'conv2' 
 *       4 |     conv2(32, kernel=3)
 *         |     ^~~~~
 *   mnist.nn:4:5: hint: did you mean 'conv2d'?
 *
 * Every pass reports through one Diag; it counts errors so the driver can report them all
 * and exit 1. Nothing here exits.
 */
#ifndef NNLC_DIAG_H
#define NNLC_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A span of source text: 1-based line and column, length in bytes (0 = a point). */
typedef struct SrcLoc {
    int line, col, len;
} SrcLoc;

typedef struct Diag {
    const char *file;       /* name as given on the command line */
    const char *src;        /* whole file, NUL-terminated */
    size_t src_len;
    FILE *out;              /* stderr, or a buffer in tests */
    int nerrors, nwarnings;
    int max_errors;         /* stop reporting (not parsing) after this many; 0 = no limit */
    bool muted;             /* while set, nothing is reported or counted: the lexer's errors
                               in what the parser drops after a syntax error, which are part
                               of the mistake it reported */
    bool color;
    uint32_t *line_starts;  /* where each line starts, built at the first line shown */
    int nlines;
} Diag;

void diag_init(Diag *d, const char *file, const char *src, size_t src_len, FILE *out);
/* Frees what d allocated (its index of lines); d can be used again, as after diag_init. */
void diag_free(Diag *d);

/* file:line:col: error: …  + source line + caret under loc. */
void diag_error(Diag *d, SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(Diag *d, SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A note about another place (with its source line), e.g. where a name was declared. */
void diag_note(Diag *d, SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A one-line "file:line:col: hint: …" attached to the previous error (no source line). */
void diag_hint(Diag *d, SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error that belongs to no place in the file (empty file, not text, missing model). */
void diag_file_error(Diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The UTF-8 character at text (n bytes left): its length, 1 to 4, and its code point in
 * *cp (cp may be NULL); 0 if the bytes start no character (RFC 3629: a stray
 * continuation byte, a truncated character, an overlong form such as C0 AF for '/', a
 * surrogate (ED A0 80) or a code point past U+10FFFF). */
int utf8_decode(const char *text, size_t n, uint32_t *cp);

/* The candidate closest to `word` by edit distance, or NULL if none is close enough
 * to be a plausible misspelling. `candidates` ends with NULL. */
const char *diag_suggest(const char *word, const char *const *candidates);
/* The same, but NULL when two different candidates are equally close ('f62': f32 or
 * f64?), where a guess would mislead. */
const char *diag_suggest_unique(const char *word, const char *const *candidates);

/* A compiler bug, not a user error: prints "file.c:123: internal error: …" and aborts.
 * Use through NNLC_UNREACHABLE("…", …). */
_Noreturn void diag_internal(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define NNLC_UNREACHABLE(...) diag_internal(__FILE__, __LINE__, __VA_ARGS__)

/* Writes text[0, n) to out as a terminal must see it: control characters other than line
 * breaks and tabs, DEL, C1 controls and bytes that are no UTF-8 as \xNN. For what the user
 * typed or named (file names, arguments), which may hold an ESC. */
void diag_put_text(FILE *out, const char *text, size_t n);
/* The text of 1-based line `line`, without its line break (*len bytes, not
 * NUL-terminated), or NULL when there is no such line. */
const char *diag_line_text(Diag *d, int line, int *len);
/* The source text loc spans, into buf (NUL-terminated), when it lies within one line and
 * fits; NULL otherwise. */
const char *diag_source_text(Diag *d, SrcLoc loc, char *buf, size_t size);

/* Appends "a, b, c" (the NULL-terminated list) to buf; returns buf. */
char *diag_join(char *buf, size_t size, const char *const *words);

/* v as %g prints it when that reads back as v, else with the fewest digits that do:
 * "lr must be at most 1e+06, got 1000001", not "got 1e+06"; 0.1, not 0.10000000000000001
 * (the shortest text that reads back as the same double). Use diag_num(v).s as a
 * printf argument (the struct lives until the end of the call's full expression). */
typedef struct DiagNum {
    char s[32];
} DiagNum;
DiagNum diag_num(double v);

#endif
