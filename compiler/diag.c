/*
 * diag.c — GNU-style diagnostics with the offending source line and a caret underline,
 * plus the "did you mean" helper used by every pass that looks names up in a table.
 * Columns are counted in bytes by the lexer; the underline is placed by display width
 * (a CJK character takes two columns, a combining accent none), so a tab in the source
 * line is echoed as a tab in the padding, and one under the underline reaches its stop.
 */
#include "diag.h"
#include "edit_distance.h" /* runtime/: shared with the trainer's options */
#include "utf8.h"          /* runtime/: shared with the trainer's messages */

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_init(Diag *d, const char *file, const char *src, size_t src_len, FILE *out) {
    memset(d, 0, sizeof *d);
    d->file = file;
    d->src = src;
    d->src_len = src_len;
    d->out = out;
    d->max_errors = 50;
}

void diag_free(Diag *d) {
    free(d->line_starts);
    d->line_starts = NULL;
    d->nlines = 0;
}

/* The offset of every line's start, counted once at the first source line shown: each
 * diagnostic then finds its line at once (reading the file from its start for each of
 * 100,000 errors took 44 s). False if there is no memory for it (or the source is
 * 4 GiB or more): lines are then found by reading from the start. */
static bool index_lines(Diag *d) {
    if (d->line_starts)
        return true;
    if (!d->src || d->src_len >= UINT32_MAX)
        return false;
    size_t n = 1;
    for (const char *p = d->src, *end = d->src + d->src_len;
         (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        n++;
    if (n > INT_MAX || !(d->line_starts = malloc(sizeof *d->line_starts * (n + 1))))
        return false;
    n = 0;
    d->line_starts[n++] = 0;
    for (size_t i = 0; i < d->src_len; i++)
        if (d->src[i] == '\n')
            d->line_starts[n++] = (uint32_t)(i + 1);
    d->line_starts[n] = (uint32_t)d->src_len + 1; /* where a line after the last would start */
    d->nlines = (int)n;
    return true;
}

/* Returns the start of 1-based line `line` and its length without the newline. */
static const char *find_line(Diag *d, int line, int *len) {
    if (!d->src || line < 1)
        return NULL;
    const char *p = d->src, *end = d->src + d->src_len;
    if (index_lines(d)) {
        if (line > d->nlines)
            return NULL;
        p = d->src + d->line_starts[line - 1];
        *len = (int)(d->line_starts[line] - 1 - d->line_starts[line - 1]);
    } else {
        for (int l = 1; l < line && p < end; l++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                return NULL;
            p = nl + 1;
        }
        if (p > end)
            return NULL;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        *len = (int)((nl ? nl : end) - p);
    }
    if (*len > 0 && p[*len - 1] == '\r')
        (*len)--;
    return p;
}

enum { SHOWN_BEFORE = 60, SHOWN_LINE = 160 }; /* a long line is shown around the column */
enum { TAB_STOP = 8 }; /* a terminal's tab stops */

static bool utf8_continuation(char c) { return ((unsigned char)c & 0xC0) == 0x80; }

int utf8_decode(const char *text, size_t n, uint32_t *cp) {
    return nnrt_utf8_decode(text, n, cp);
}

/* A character of a source line as a terminal shows it: a byte that starts none (the
 * file was checked, but a message may quote anything) is one character, U+FFFD. */
static int display_char(const char *s, int n, uint32_t *c) {
    int len = utf8_decode(s, (size_t)n, c);
    if (len == 0)
        *c = 0xFFFD;
    return len ? len : 1;
}

/* Writes line[from, to) as display_char reads it, so that the text shown is the text the
 * caret is placed under, and that no byte of the file reaches the terminal as a command: a
 * control character other than tab (an ESC starts a sequence that recolors or moves the
 * cursor; a NUL cut the line short) is shown as its Control Pictures symbol (U+2400 + c,
 * U+2421 for DEL), a byte that starts no character and a C1 control (U+0080..U+009F:
 * U+009B is a terminal's CSI) and a bidirectional control as U+FFFD; each takes one
 * column. */
static void put_line_text(FILE *out, const char *line, int from, int to) {
    uint32_t c;
    for (int i = from; i < to;) {
        int n = display_char(line + i, to - i, &c);
        bool control = c != '\t' && nnrt_terminal_control(c);
        if (control && (c < 0x20 || c == 0x7F))
            fprintf(out, "\xE2\x90%c", (char)(0x80 + (c == 0x7F ? 0x21 : c)));
        else if ((c == 0xFFFD && n == 1) || control)
            fputs("\xEF\xBF\xBD", out);
        else
            fwrite(line + i, 1, (size_t)n, out);
        i += n;
    }
}

void diag_put_text(FILE *out, const char *text, size_t n) {
    uint32_t c;
    for (size_t i = 0; i < n;) {
        int len = utf8_decode(text + i, n - i, &c);
        if (len == 0 || (c != '\n' && c != '\t' && nnrt_terminal_control(c))) {
            for (int k = 0; k < (len ? len : 1); k++)
                fprintf(out, "\\x%02x", (unsigned char)text[i + k]);
            i += len ? (size_t)len : 1;
        } else {
            fwrite(text + i, 1, (size_t)len, out);
            i += (size_t)len;
        }
    }
}

/* The columns a terminal gives character c: 0 for combining marks and zero-width
 * characters, 2 for East Asian wide and fullwidth ones (CJK, kana, Hangul, fullwidth
 * forms, emoji), else 1. The ranges are the large blocks of Unicode's EastAsianWidth.txt
 * (W and F) and of its general category Mn, as chibicc's display_width() uses. */
static bool in_ranges(uint32_t c, const uint32_t (*r)[2], size_t n) {
    for (size_t i = 0; i < n; i++)
        if (c >= r[i][0] && c <= r[i][1])
            return true;
    return false;
}

static int char_width(uint32_t c) {
    if (nnrt_bidi_control(c))
        return 1; /* shown as U+FFFD (put_line_text) */
    static const uint32_t zero[][2] = {
        {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
        {0x064B, 0x065F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
        {0x202A, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F},
        {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
    };
    static const uint32_t wide[][2] = {
        {0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
        {0x25FD, 0x25FE}, {0x2614, 0x2615}, {0x2648, 0x2653}, {0x26A1, 0x26A1},
        {0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26D4, 0x26D4},
        {0x26EA, 0x26EA}, {0x26F2, 0x26F5}, {0x26FA, 0x26FD}, {0x2705, 0x2705},
        {0x270A, 0x270B}, {0x2728, 0x2728}, {0x274C, 0x274C}, {0x2753, 0x2755},
        {0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
        {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x303E},
        {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xA4CF},
        {0xA960, 0xA97F}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE10, 0xFE19},
        {0xFE30, 0xFE6F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x18AFF},
        {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
        {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF},
        {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD},
        {0x30000, 0x3FFFD},
    };
    if (in_ranges(c, zero, sizeof zero / sizeof zero[0]))
        return 0;
    if (in_ranges(c, wide, sizeof wide / sizeof wide[0]))
        return 2;
    return 1;
}

/*    4 |     conv2(32, kernel=3)
 *      |     ^~~~~                   */
static void print_source_line(Diag *d, SrcLoc loc, FILE *out) {
    int len;
    const char *line = loc.line > 0 ? find_line(d, loc.line, &len) : NULL;
    if (!line)
        return;
    int col = loc.col < 1 ? 1 : loc.col;
    /* A line of a megabyte is not printed whole: SHOWN_LINE bytes from a little before the
     * column, cut at character boundaries, with "…" where text was left out. */
    int from = 0, to = len;
    if (len > SHOWN_LINE) {
        from = col - 1 > SHOWN_BEFORE ? col - 1 - SHOWN_BEFORE : 0;
        while (from > 0 && utf8_continuation(line[from]))
            from--;
        to = from + SHOWN_LINE < len ? from + SHOWN_LINE : len;
        while (to < len && utf8_continuation(line[to]))
            to++;
    }
    const char *more_before = from > 0 ? "…" : "", *more_after = to < len ? "…" : "";
    /* the gutter is as wide as the line's number, at least 5: line 100000 and later took a
     * column more than the caret line's, which put the caret one column left of its place */
    int gutter = snprintf(NULL, 0, "%d", loc.line);
    gutter = gutter < 5 ? 5 : gutter;
    fprintf(out, "%*d | %s", gutter, loc.line, more_before);
    put_line_text(out, line, from, to);
    fprintf(out, "%s\n", more_after);
    fprintf(out, "%*s | %s", gutter, "", from > 0 ? " " : "");
    /* as many columns as each character takes on a terminal (char_width); a tab before the
     * caret is echoed, and one under the underline takes it to the tab's stop (every 8
     * columns, counted from the start of the output line, whose prefix both lines share:
     * `dcol`), where one '~' left the rest of the underline short of its text */
    uint32_t c;
    int i = from, dcol = gutter + 3 + (from > 0);
    while (i < col - 1 && i < len) {
        int n = display_char(line + i, len - i, &c);
        int w = c == '\t' ? TAB_STOP - dcol % TAB_STOP : char_width(c);
        if (c == '\t')
            fputc('\t', out);
        else
            fprintf(out, "%*s", w, "");
        dcol += w;
        i += n;
    }
    int end = col - 1 + loc.len;
    if (end > to)
        end = to;
    fputc('^', out);
    for (bool first = true; i < end; first = false) {
        int n = display_char(line + i, len - i, &c);
        int w = c == '\t' ? TAB_STOP - dcol % TAB_STOP : char_width(c);
        dcol += w;
        for (w -= first; w > 0; w--)
            fputc('~', out);
        i += n;
    }
    fputc('\n', out);
}

/* A message quotes names and values from the source, and one of those may be a megabyte
 * long: a message longer than MAX_MESSAGE bytes keeps its start and its last
 * MESSAGE_TAIL bytes (cut at character boundaries), with "…" between. */
enum { MAX_MESSAGE = 480, MESSAGE_TAIL = 80 };

static void print_message(FILE *out, const char *fmt, va_list ap) {
    va_list again;
    va_copy(again, ap);
    char head[MAX_MESSAGE + 1];
    int n = vsnprintf(head, sizeof head, fmt, ap);
    char *full = n > MAX_MESSAGE ? malloc((size_t)n + 1) : NULL;
    /* a message quotes the source, whose strings may hold any control character (an ESC
     * in "re<ESC>[2Jlu" cleared the screen): written through diag_put_text */
    if (n <= MAX_MESSAGE || !full) {
        const char *text = n < 0 ? fmt : head;
        diag_put_text(out, text, strlen(text));
    } else {
        vsnprintf(full, (size_t)n + 1, fmt, again);
        int keep = MAX_MESSAGE - MESSAGE_TAIL, tail = n - MESSAGE_TAIL;
        while (keep > 0 && utf8_continuation(full[keep]))
            keep--;
        while (tail < n && utf8_continuation(full[tail]))
            tail++;
        diag_put_text(out, full, (size_t)keep);
        fputs("…", out);
        diag_put_text(out, full + tail, (size_t)(n - tail));
    }
    free(full);
    va_end(again);
}

/* A diagnostic is assembled and then written at once: standard error is unbuffered, and
 * a character at a time, 50,000 errors on one long line took 21 s. */
static void report(Diag *d, const char *kind, SrcLoc loc, bool show_line, const char *fmt,
                   va_list ap) {
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        out = d->out; /* no memory for it: written as it comes */
    diag_put_text(out, d->file, strlen(d->file)); /* a file name may hold an ESC */
    if (loc.line > 0)
        fprintf(out, ":%d:%d: %s: ", loc.line, loc.col, kind);
    else
        fprintf(out, ": %s: ", kind);
    print_message(out, fmt, ap);
    fputc('\n', out);
    if (show_line)
        print_source_line(d, loc, out);
    if (out != d->out) {
        fclose(out);
        fwrite(text, 1, size, d->out);
    }
    free(text);
}

static bool over_limit(Diag *d) {
    return d->max_errors > 0 && d->nerrors > d->max_errors;
}

void diag_error(Diag *d, SrcLoc loc, const char *fmt, ...) {
    if (d->muted)
        return;
    d->nerrors++;
    /* Said at the first error not shown, so the last shown one keeps its notes and hints,
     * and only when an error is really left out. */
    if (d->max_errors > 0 && d->nerrors == d->max_errors + 1)
        fprintf(d->out, "%s: note: too many errors (limit is %d); further errors are not shown\n",
                d->file, d->max_errors);
    if (over_limit(d))
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, "error", loc, true, fmt, ap);
    va_end(ap);
}

void diag_warning(Diag *d, SrcLoc loc, const char *fmt, ...) {
    if (d->muted)
        return;
    d->nwarnings++;
    va_list ap;
    va_start(ap, fmt);
    report(d, "warning", loc, true, fmt, ap);
    va_end(ap);
}

void diag_note(Diag *d, SrcLoc loc, const char *fmt, ...) {
    if (d->muted)
        return;
    if (over_limit(d))
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, "note", loc, true, fmt, ap);
    va_end(ap);
}

void diag_hint(Diag *d, SrcLoc loc, const char *fmt, ...) {
    if (d->muted)
        return;
    if (over_limit(d))
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, "hint", loc, false, fmt, ap);
    va_end(ap);
}

void diag_file_error(Diag *d, const char *fmt, ...) {
    d->nerrors++;
    va_list ap;
    va_start(ap, fmt);
    SrcLoc none = {0, 0, 0};
    report(d, "error", none, false, fmt, ap);
    va_end(ap);
}

DiagNum diag_num(double v) {
    DiagNum n;
    /* the fewest digits, from %g's 6, that read back as v: 0.1, not 0.10000000000000001
     * (17 digits always read back) */
    for (int digits = 6; digits <= 17; digits++) {
        snprintf(n.s, sizeof n.s, "%.*g", digits, v);
        if (strtod(n.s, NULL) == v || v != v)
            break;
    }
    return n;
}

/* The nearest candidate (the first of a tie, or NULL on a tie when unique) if close enough. */
static const char *suggest(const char *word, const char *const *candidates, bool unique) {
    const char *best = NULL;
    int best_d = NNRT_FAR;
    bool tie = false;
    for (const char *const *c = candidates; *c; c++) {
        int dist = nnrt_edit_distance(word, strlen(word), *c);
        if (dist < best_d) {
            best_d = dist;
            best = *c;
            tie = false;
        } else if (best && dist == best_d && strcmp(*c, best) != 0) {
            tie = true;
        }
    }
    if (unique && tie)
        return NULL;
    /* Accept up to a third of the word's length (at least 1, at most 3 edits):
     * "conv2" -> "conv2d", "desne" -> "dense", but not "foo" -> "gru". */
    int len = (int)strlen(word);
    int limit = len / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 3)
        limit = 3;
    return best_d <= limit ? best : NULL;
}

const char *diag_suggest(const char *word, const char *const *candidates) {
    return suggest(word, candidates, false);
}

const char *diag_suggest_unique(const char *word, const char *const *candidates) {
    return suggest(word, candidates, true);
}

const char *diag_line_text(Diag *d, int line, int *len) { return find_line(d, line, len); }

const char *diag_source_text(Diag *d, SrcLoc loc, char *buf, size_t size) {
    int len;
    const char *line = find_line(d, loc.line, &len);
    if (!line || loc.col < 1 || loc.len < 1 || loc.col - 1 + loc.len > len ||
        (size_t)loc.len >= size)
        return NULL;
    memcpy(buf, line + loc.col - 1, (size_t)loc.len);
    buf[loc.len] = '\0';
    return buf;
}

char *diag_join(char *buf, size_t size, const char *const *words) {
    size_t used = 0;
    buf[0] = '\0';
    for (const char *const *w = words; *w && used < size; w++) {
        int n = snprintf(buf + used, size - used, "%s%s", w == words ? "" : ", ", *w);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

void diag_internal(const char *file, int line, const char *fmt, ...) {
    fprintf(stderr, "%s:%d: internal error: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
