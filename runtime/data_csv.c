/*
 * data_csv.c — CSV examples: one row per example, every column a feature except the
 * label column (chosen by header name or by index, -1 = last). Labels are numbers, or
 * class names such as "setosa" that are mapped to indices through a ClassVocab.
 * Rows with a different number of fields than the header (or the first row) are an
 * error naming file:line, as is any field that is not a finite number.
 */
#include "data.h"
#include "utf8.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- tokenizer ---- */

static char guess_delimiter(const char *s, size_t len) {
    int counts[3] = {0, 0, 0};
    const char delims[3] = {',', ';', '\t'};
    bool quoted = false;
    for (size_t i = 0; i < len && (quoted || s[i] != '\n'); i++) {
        if (s[i] == '"')
            quoted = !quoted;
        for (int k = 0; k < 3 && !quoted; k++)
            counts[k] += s[i] == delims[k];
    }
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (counts[k] > counts[best])
            best = k;
    return delims[best];
}

void nnrt_csv_init(CsvReader *r, const char *path, const char *text, size_t len) {
    memset(r, 0, sizeof *r);
    r->path = path;
    r->s = text;
    r->len = len;
    r->next_line = 1;
    r->delim = guess_delimiter(text, len);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3; /* UTF-8 byte order mark written by spreadsheet programs */
}

void nnrt_csv_free(CsvReader *r) {
    free(r->fields);
    free(r->buf);
    r->fields = NULL;
    r->buf = NULL;
}

/* Counts the line break ending line *line: lines are counted in an int, which a file
 * beyond 2^31 - 1 lines (a .csv.gz of gigabytes of blank lines) would overflow. */
static bool next_line(const CsvReader *r, int *line, NnrtError *err) {
    if (*line == INT_MAX)
        return nnrt_fail(err, "%s:%d: the file goes on beyond %d lines, more than this reader "
                         "counts; split it", r->path, *line, INT_MAX);
    ++*line;
    return true;
}

static bool skip_blank_lines(CsvReader *r, NnrtError *err) {
    for (;;) {
        size_t p = r->pos;
        while (p < r->len && (r->s[p] == ' ' || r->s[p] == '\t' || r->s[p] == '\r'))
            p++;
        if (p < r->len && r->s[p] == '\n') {
            r->pos = p + 1;
            if (!next_line(r, &r->next_line, err))
                return false;
        } else {
            if (p >= r->len)
                r->pos = p;
            return true;
        }
    }
}

/* Where a scan of the current row is: its byte and line. */
typedef struct CsvCursor {
    size_t pos;
    int line;
} CsvCursor;

/* One field at c, up to the delimiter or the end of the line: copied, unquoted and
 * NUL-terminated, to out + *k when out is not NULL; else only counted. Either way *k
 * grows by at least the bytes copied, so that nnrt_csv_next can size the row with the
 * very scan that then copies it (a quote inside a field, as in 0"4, opens nothing). */
static bool scan_field(const CsvReader *r, CsvCursor *c, char *out, size_t *k, NnrtError *err) {
    const char *s = r->s;
    size_t start = *k;
    if (c->pos < r->len && s[c->pos] == '"') {
        int start_line = c->line;
        c->pos++;
        for (;;) {
            if (c->pos >= r->len)
                return nnrt_fail(err, "%s:%d: unterminated quoted field", r->path, start_line);
            char ch = s[c->pos++];
            if (ch == '"' && c->pos < r->len && s[c->pos] == '"')
                c->pos++;
            else if (ch == '"')
                break;
            if (ch == '\n' && !next_line(r, &c->line, err))
                return false;
            if (out)
                out[*k] = ch;
            ++*k;
        }
    }
    for (; c->pos < r->len && s[c->pos] != r->delim && s[c->pos] != '\n'; c->pos++, ++*k)
        if (out)
            out[*k] = s[c->pos];
    if (out && *k > start && out[*k - 1] == '\r')
        --*k;
    if (out)
        out[*k] = '\0';
    ++*k;
    return true;
}

int nnrt_csv_next(CsvReader *r, NnrtError *err) {
    if (!skip_blank_lines(r, err))
        return -1;
    if (r->pos >= r->len)
        return 0;
    r->line = r->next_line;
    /* First the row's fields and bytes are counted, then the same scan copies them: a
     * buffer sized by any other reading of the quotes could be too small. */
    CsvCursor c = {r->pos, r->next_line};
    size_t bytes = 0;
    int nfields = 0;
    for (;;) {
        if (nfields == INT_MAX)
            return nnrt_fail(err, "%s:%d: a row of more than %d fields", r->path, r->line,
                             INT_MAX), -1;
        nfields++;
        if (!scan_field(r, &c, NULL, &bytes, err))
            return -1;
        if (c.pos >= r->len || r->s[c.pos] != r->delim)
            break;
        c.pos++;
    }
    if (r->buf_cap < bytes) {
        r->buf_cap = bytes;
        r->buf = nnrt_realloc(r->buf, bytes);
    }
    if (r->cap < nfields) {
        r->cap = nfields;
        r->fields = nnrt_realloc(r->fields, sizeof(char *) * (size_t)nfields);
    }
    c = (CsvCursor){r->pos, r->next_line};
    size_t k = 0;
    for (int i = 0; i < nfields; i++) {
        r->fields[i] = r->buf + k;
        if (!scan_field(r, &c, r->buf, &k, err))
            return -1;
        if (i + 1 < nfields)
            c.pos++; /* the delimiter */
    }
    r->nfields = nfields;
    r->pos = c.pos;
    r->next_line = c.line;
    if (r->pos < r->len) { /* the newline ending the row */
        r->pos++;
        if (!next_line(r, &r->next_line, err))
            return -1;
    }
    return 1;
}

int nnrt_csv_column(const char *path, int line, char **header, int n, const char *name,
                    const char *what, NnrtError *err) {
    int found = -1;
    char q[NNRT_QUOTE_SIZE], hint[400];
    for (int i = 0; i < n; i++) {
        if (strcmp(header[i], name) != 0)
            continue;
        /* pandas names the second 'x.1' and df['x'] takes the first; taking it without a
         * word trained on whichever column came first, maybe not the one meant */
        if (found >= 0)
            return nnrt_fail(err, "%s:%d: columns %d and %d of the header are both named '%s', "
                             "the name of %s in the model: which one it means is unclear; "
                             "rename one of them", path, line, found + 1, i + 1,
                             nnrt_quote(q, sizeof q, name, NNRT_QUOTE_MOST), what), -1;
        found = i;
    }
    if (found < 0)
        nnrt_fail(err, "%s:%d: no column named '%s' in the header%s", path, line,
                  nnrt_quote(q, sizeof q, name, NNRT_QUOTE_MOST),
                  nnrt_csv_column_hint(header, n, name, hint, sizeof hint));
    return found;
}

/* Whether a and b are the same but for case and surrounding blanks. */
static bool same_loosely(const char *a, const char *b) {
    while (isspace((unsigned char)*a))
        a++;
    while (isspace((unsigned char)*b))
        b++;
    size_t n = strlen(a), m = strlen(b);
    while (n > 0 && isspace((unsigned char)a[n - 1]))
        n--;
    while (m > 0 && isspace((unsigned char)b[m - 1]))
        m--;
    return n == m && strncasecmp(a, b, n) == 0;
}

const char *nnrt_csv_column_hint(char **header, int n, const char *name, char *buf,
                                 size_t size) {
    char q[NNRT_QUOTE_SIZE];
    for (int i = 0; i < n; i++)
        if (same_loosely(header[i], name)) {
            snprintf(buf, size, "; column %d is '%s' (names match exactly, as in pandas)", i + 1,
                     nnrt_quote(q, sizeof q, header[i], NNRT_QUOTE_MOST));
            return buf;
        }
    size_t k = (size_t)snprintf(buf, size, " (the header: ");
    for (int i = 0; i < n && i < 6 && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s'%s'", i ? ", " : "",
                              nnrt_quote(q, sizeof q, header[i], 24));
    if (k < size)
        snprintf(buf + k, size - k, n > 6 ? ", … %d columns)" : ")", n);
    return buf;
}

/* Length of the decimal number at s (sign, digits, '.', exponent), as pandas and numpy
 * read CSV; 0 if there is none. strtod alone would also take hex (0x10), inf and nan. */
static size_t decimal_length(const char *s) {
    size_t i = 0, digits = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    for (; isdigit((unsigned char)s[i]); i++)
        digits++;
    if (s[i] == '.')
        for (i++; isdigit((unsigned char)s[i]); i++)
            digits++;
    if (digits == 0)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        if (isdigit((unsigned char)s[j])) {
            while (isdigit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

/* 1: a finite decimal number fills the field (surrounding spaces allowed), in *v;
 * 2: a decimal number beyond a double's range (1e999, which strtod makes an infinity);
 * 0: anything else. */
static int decimal_field(const char *field, double *v) {
    char *end;
    while (isspace((unsigned char)*field))
        field++;
    if (!*field)
        return 0;
    size_t n = decimal_length(field);
    if (n == 0)
        return 0;
    *v = strtod(field, &end);
    if ((size_t)(end - field) != n)
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0')
        return 0;
    return *v == *v && *v - *v == 0 ? 1 : 2; /* finite, or an overflow to infinity */
}

bool nnrt_csv_number(const char *field, double *v) {
    double x;
    if (decimal_field(field, &x) != 1)
        return false;
    *v = x;
    return true;
}

bool nnrt_csv_non_decimal(const char *field) {
    char *end;
    while (isspace((unsigned char)*field))
        field++;
    if (!*field)
        return false;
    (void)strtod(field, &end);
    size_t n = (size_t)(end - field);
    while (isspace((unsigned char)*end))
        end++;
    return n > 0 && *end == '\0' && decimal_length(field) != n;
}

static const char *missing_value(const char *field);

/* A field without the white space around it, for messages that show it as written
 * (malloc'ed: the caller frees it). */
static char *trimmed_copy(const char *field) {
    size_t start = strspn(field, " \t\r\n\v\f"), n = strlen(field + start);
    while (n > 0 && isspace((unsigned char)field[start + n - 1]))
        n--;
    char *text = nnrt_realloc(NULL, n + 1);
    memcpy(text, field + start, n);
    text[n] = '\0';
    return text;
}

bool nnrt_csv_float(const CsvReader *r, int col, const DataSpec *indices, float *out,
                    NnrtError *err) {
    const char *f = r->fields[col];
    char quoted[NNRT_QUOTE_SIZE];
    double v;
    int kind = decimal_field(f, &v);
    if (kind == 0) {
        const char *hint = nnrt_csv_number_hint(f);
        if (r->time_steps && (!f[strspn(f, " \t")] || missing_value(f)))
            hint = " (a missing value: fill the gaps first, as pandas' df.interpolate() or "
                   "df.ffill() do; dropping the row would join the time steps around it)";
        return nnrt_fail(err, "%s:%d: column %d: expected a number, found '%s'%s", r->path,
                         r->line, col + 1, nnrt_quote(quoted, sizeof quoted, f, NNRT_QUOTE_MOST),
                         hint);
    }
    if (kind == 2 || nnrt_float32_overflows(v)) /* 1e39, and 1e999 beyond a double's range */
        return nnrt_fail(err, "%s:%d: column %d: '%s' is out of range for float32 (at most "
                         "about 3.4e38)", r->path, r->line, col + 1,
                         nnrt_quote(quoted, sizeof quoted, f, NNRT_QUOTE_MOST));
    char why[200];
    if (indices && !nnrt_index_ok(indices, v, NULL, why, sizeof why)) {
        /* said of the field as written: 4611686018427387905 was 4.611686018427388e+18 */
        char *text = trimmed_copy(f);
        const char *written = nnrt_quote(quoted, sizeof quoted, text, NNRT_QUOTE_MOST);
        nnrt_index_ok(indices, v, written, why, sizeof why);
        free(text);
        return nnrt_fail(err, "%s:%d: column %d: %s", r->path, r->line, col + 1, why);
    }
    *out = (float)v;
    return true;
}

bool nnrt_csv_label_ok(const DataSpec *spec, double v, const char *field, char *why,
                       size_t why_size) {
    if (nnrt_label_ok(spec, v, NULL, why, why_size))
        return true;
    char *text = trimmed_copy(field);
    nnrt_label_ok(spec, v, text, why, why_size);
    free(text);
    return false;
}

/* Whether field is a number written with a decimal comma, as "1,5" (a ';'-separated file
 * from a spreadsheet in a language that writes one). */
static bool decimal_comma(const char *field) {
    const char *comma = strchr(field, ',');
    if (!comma || strchr(comma + 1, ',') || !isdigit((unsigned char)comma[1]) ||
        comma == field || !isdigit((unsigned char)comma[-1]) || strlen(field) > 60)
        return false;
    char point[64];
    snprintf(point, sizeof point, "%s", field);
    point[comma - field] = '.';
    double v;
    return decimal_field(point, &v) != 0;
}

/* How missing_value's answer says who writes a value so. */
static const char PANDAS_MISSING[] = "as pandas reads it", UCI_MISSING[] = "as UCI's data sets "
                                                                           "write one";

/* Whether field is how pandas (read_csv's default na_values) or a data set (UCI's '?')
 * writes a missing value: NULL if not, else how (PANDAS_MISSING, UCI_MISSING). */
static const char *missing_value(const char *field) {
    static const char *const marks[] = {
        "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?",
    };
    size_t start = strspn(field, " \t"), n = strlen(field + start);
    while (n > 0 && (field[start + n - 1] == ' ' || field[start + n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strlen(marks[i]) == n && memcmp(marks[i], field + start, n) == 0)
            return strcmp(marks[i], "?") == 0 ? UCI_MISSING : PANDAS_MISSING;
    return NULL;
}

const char *nnrt_csv_number_hint(const char *field) {
    if (!field[strspn(field, " \t")])
        return " (an empty field: a missing value; fill or drop the missing values first, as "
               "pandas' df.fillna(...) or df.dropna() do)";
    const char *how = missing_value(field);
    if (how)
        return how == PANDAS_MISSING
                   ? " (a missing value, as pandas reads it; fill or drop the missing values "
                     "first, as df.fillna(...) or df.dropna() do)"
                   : " (a missing value, as UCI's data sets write one; fill or drop the missing "
                     "values first, as pandas' df.fillna(...) or df.dropna() do)";
    if (decimal_comma(field))
        return " (a decimal comma: CSV numbers are written with a point, 1.5, as pandas reads "
               "them unless told decimal=',')";
    return nnrt_csv_non_decimal(field) ? " (CSV values are decimal numbers, as pandas reads them: "
                                         "no hex, inf or nan)" : "";
}

/* ---- CSV examples ---- */

/* State of one CSV read: where the label is and how labels are spelled. */
typedef struct CsvLoad {
    const NnrtDataSource *src;
    const DataSpec *spec;
    CsvReader r;
    int ncols;          /* fields per row */
    int label_col;      /* -1: no label column */
    int64_t first_number; /* row of the first label read as a number (-1: none) */
    char *first_number_text; /* that label as written */
    int64_t first_name;   /* row of the first label read as a class name (-1: none) */
    int bad_number_line;  /* line of the first number that is no valid label (0: none) */
    char bad_number_why[200]; /* why, said of the number as written (nnrt_label_ok) */
    int64_t cap;        /* rows allocated in t->x */
    int *name_ids;      /* per row: index into names (discovery order) */
    char **names;       /* class names seen in this file, discovery order */
    int n_names;
    char **header;      /* the header line's fields (NULL: none), header_n of them */
    int header_n;
    bool header_repeats; /* a row equal to the header is refused as the header again */
} CsvLoad;

static bool find_label_column(CsvLoad *c, char **header, NnrtError *err) {
    const NnrtDataSource *src = c->src;
    if (src->csv_label && src->csv_label[0]) {
        if (!header)
            return nnrt_fail(err, "%s: the label column is named '%s', but the file is read "
                             "without a header row", src->features_path, src->csv_label);
        c->label_col = nnrt_csv_column(src->features_path, c->r.line, header, c->ncols,
                                       src->csv_label, "the label column", err);
        return c->label_col >= 0;
    }
    int idx = src->csv_label_index < 0 ? c->ncols + src->csv_label_index : src->csv_label_index;
    if (idx < 0 || idx >= c->ncols)
        return nnrt_fail(err, "%s:%d: label column %d does not exist: rows have %d columns",
                         src->features_path, c->r.line, src->csv_label_index, c->ncols);
    c->label_col = idx;
    return true;
}

/* For a first row of one field: what seems to separate its fields instead of the ',', ';'
 * or tab the reader splits at, as a message suffix ("" if nothing does). np.savetxt
 * writes spaces unless given delimiter=',', and "rows have 1 columns" said nothing of it. */
static const char *one_field_hint(const CsvReader *r) {
    size_t start = r->len >= 3 && memcmp(r->s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    const char *line = r->s + start, *end = memchr(line, '\n', r->len - start);
    size_t n = end ? (size_t)(end - line) : r->len - start;
    while (n > 0 && isspace((unsigned char)line[n - 1]))
        n--;
    size_t first = 0;
    while (first < n && isspace((unsigned char)line[first]))
        first++;
    bool spaces = false, bars = false;
    for (size_t i = first; i < n; i++) {
        spaces = spaces || line[i] == ' ';
        bars = bars || line[i] == '|';
    }
    if (bars)
        return "; its first line has no ',', ';' or tab between fields, but '|': separate them "
               "with commas";
    if (spaces)
        return "; its first line has no ',', ';' or tab between fields, but spaces (as "
               "np.savetxt writes unless told delimiter=','): separate them with commas";
    return "";
}

/* For rows of one column more than the model takes: a header column without a name that
 * explains it, as a message suffix ("" if none does). pandas' df.to_csv() writes the
 * index as a first column named '', and a line ending in ',' has an empty last field. */
static const char *extra_column_hint(char **header, int n) {
    if (!header || n < 2)
        return "";
    if (!header[0][strspn(header[0], " \t")])
        return "; the header's first column has no name, as pandas' df.to_csv() names the "
               "index it writes: save with index=False, or drop the column";
    if (!header[n - 1][strspn(header[n - 1], " \t")])
        return "; the header's last column has no name: does each line end in ','?";
    return "";
}

/* Whether header names the column `name`. */
static bool header_has(char **header, int n, const char *name) {
    for (int i = 0; header && i < n; i++)
        if (strcmp(header[i], name) == 0)
            return true;
    return false;
}

/* --predict's rows of another number of columns than the model reads: what it reads (its
 * features, and the label column it ignores, where the model has one) and what the file
 * has, with its line. */
static bool predict_columns_fail(CsvLoad *c, char **header, NnrtError *err) {
    const DataSpec *spec = c->spec;
    const NnrtDataSource *src = c->src;
    char want[128], label[300] = "";
    nnrt_format_dims(want, sizeof want, spec->input_dims, spec->input_rank);
    bool named = src->csv_label && src->csv_label[0];
    if (spec->ydim == 1 && named)
        snprintf(label, sizeof label, ", or %lld with its label column '%.100s', which --predict "
                 "ignores%s", (long long)spec->input_size + 1, src->csv_label,
                 c->ncols == spec->input_size + 1 && !header_has(header, c->ncols, src->csv_label)
                     ? " (this header has no column of that name)" : "");
    else if (spec->ydim == 1 && src->csv_label_index < 0)
        snprintf(label, sizeof label, ", or %lld with its label column (the last), which "
                 "--predict ignores", (long long)spec->input_size + 1);
    else if (spec->ydim == 1)
        snprintf(label, sizeof label, ", or %lld with its label column (column %d), which "
                 "--predict ignores", (long long)spec->input_size + 1, src->csv_label_index + 1);
    return nnrt_fail(err, "%s:%d: rows have %d column%s, but the model reads %lld feature "
                     "column%s (its input %s has %lld values)%s%s", src->features_path, c->r.line,
                     c->ncols, c->ncols == 1 ? "" : "s", (long long)spec->input_size,
                     spec->input_size == 1 ? "" : "s", want, (long long)spec->input_size, label,
                     c->ncols == 1 ? one_field_hint(&c->r)
                     : c->ncols == spec->input_size + 1 ? extra_column_hint(header, c->ncols)
                                                        : "");
}

/* Decides the column layout from the first row (header or data). */
static bool setup_columns(CsvLoad *c, char **header, NnrtError *err) {
    const DataSpec *spec = c->spec;
    c->ncols = c->r.nfields;
    c->label_col = -1;
    /* Unlabeled input (--predict) may still carry the label column (of a model with one
     * label per example, whose header names it where the model names it); drop it if so. */
    bool has_label = spec->labels ||
                     (c->ncols == spec->input_size + 1 && spec->ydim == 1 &&
                      (!c->src->csv_label || !c->src->csv_label[0] ||
                       header_has(header, c->ncols, c->src->csv_label)));
    if (has_label && !find_label_column(c, header, err))
        return false;
    int64_t features = c->ncols - (has_label ? 1 : 0);
    if (features != spec->input_size && !spec->labels)
        return predict_columns_fail(c, header, err);
    if (features != spec->input_size) {
        char want[128];
        nnrt_format_dims(want, sizeof want, spec->input_dims, spec->input_rank);
        return nnrt_fail(err, "%s:%d: rows have %d column%s (%lld feature%s%s), but the model "
                         "input %s has %lld values%s", c->src->features_path, c->r.line, c->ncols,
                         c->ncols == 1 ? "" : "s", (long long)features, features == 1 ? "" : "s",
                         has_label ? " and a label" : "", want, (long long)spec->input_size,
                         c->ncols == 1 ? one_field_hint(&c->r)
                         : features == spec->input_size + 1 ? extra_column_hint(header, c->ncols)
                                                            : "");
    }
    if (spec->labels && spec->ydim != 1)
        return nnrt_fail(err, "%s: a CSV file holds one label column, but the model needs %lld "
                         "target values per example (use .npy labels)", c->src->features_path,
                         (long long)spec->ydim);
    return true;
}

void nnrt_csv_feature_names_free(CsvFeatureNames *f) {
    for (int i = 0; i < f->n; i++)
        free(f->names[i]);
    free(f->names);
    free(f->from);
    memset(f, 0, sizeof *f);
}

static bool header_may_be_example(char **fields, int n);

static int find_name(char *const *names, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* The first CSV header of a run fixes the order of the feature columns; a later file that
 * has the same columns in another order is an error (before: each feature went to the
 * input of the column at its place in the first file, without a word). Columns named
 * otherwise (a file whose header was renamed) cannot be matched, and pass. */
static bool check_feature_order(CsvLoad *c, char **header, int n, NnrtError *err) {
    CsvFeatureNames *seen = c->spec->feature_names;
    if (!seen || !header || header_may_be_example(header, n)) /* numbers: maybe no header */
        return true;
    char **mine = nnrt_realloc(NULL, sizeof(char *) * (size_t)(n > 0 ? n : 1));
    int *col = nnrt_realloc(NULL, sizeof(int) * (size_t)(n > 0 ? n : 1));
    int k = 0;
    for (int j = 0; j < n; j++)
        if (j != c->label_col)
            col[k] = j, mine[k++] = header[j];
    bool ok = true;
    if (!seen->from) {
        seen->names = nnrt_realloc(NULL, sizeof(char *) * (size_t)(k > 0 ? k : 1));
        for (int i = 0; i < k; i++)
            seen->names[i] = nnrt_strdup(mine[i]);
        seen->n = k;
        seen->from = nnrt_strdup(c->src->features_path);
    } else if (seen->n == k) {
        for (int i = 0; ok && i < k; i++) {
            if (strcmp(mine[i], seen->names[i]) == 0)
                continue;
            int there = find_name(seen->names, k, mine[i]); /* where the first file has it */
            int here = find_name(mine, k, seen->names[i]);  /* where this file has that one */
            if (there < 0 && here < 0)
                continue; /* another name: nothing tells which it is */
            char q[2][NNRT_QUOTE_SIZE], also[64] = "";
            if (here >= 0)
                snprintf(also, sizeof also, ", which this file has as column %d", col[here] + 1);
            ok = nnrt_fail(err, "%s:%d: column %d is '%s', but feature %d of %s (the first data "
                           "file of this run) is '%s'%s; the model reads the features by "
                           "position, so every file must list them in the same order: reorder "
                           "the columns (pandas: df[columns])", c->src->features_path,
                           c->r.line, col[i] + 1,
                           nnrt_quote(q[0], sizeof q[0], mine[i], NNRT_QUOTE_MOST), i + 1,
                           seen->from,
                           nnrt_quote(q[1], sizeof q[1], seen->names[i], NNRT_QUOTE_MOST), also);
        }
    }
    free(mine);
    free(col);
    return ok;
}

static int vocab_find(const ClassVocab *v, const char *name) {
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->names[i], name) == 0)
            return i;
    return -1;
}

static int name_id(CsvLoad *c, const char *name) {
    for (int i = 0; i < c->n_names; i++)
        if (strcmp(c->names[i], name) == 0)
            return i;
    c->names = nnrt_realloc(c->names, sizeof(char *) * (size_t)(c->n_names + 1));
    c->names[c->n_names] = nnrt_strdup(name);
    return c->n_names++;
}

/* "1st", "2nd", "3rd", "4th", ..., "11th", ..., "21st" */
static const char *ordinal_suffix(int n) {
    if (n % 100 >= 11 && n % 100 <= 13)
        return "th";
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* A new class name, the file's names[n - 1], past the classes the model has: refused at
 * once, not after the file (whose every label would be compared with every name kept so
 * far: a million distinct labels took an hour). */
/* "unknown class 'x' (the classes are 'a' ... 'z')", naming the checkpoint the classes
 * come from, if they do: a checkpoint of another model is then the suspect, not the data. */
/* Whether name is a class of v with blanks around it, as in a file written with ", "
 * between its fields: numbers read with a blank before them, names do not. */
static bool spaced_class(const ClassVocab *v, const char *name) {
    size_t start = strspn(name, " \t"), n = strlen(name);
    while (n > start && (name[n - 1] == ' ' || name[n - 1] == '\t'))
        n--;
    if (start == 0 && n == strlen(name))
        return false;
    for (int i = 0; i < v->n; i++)
        if (strlen(v->names[i]) == n - start && memcmp(v->names[i], name + start, n - start) == 0)
            return true;
    return false;
}

static bool unknown_class(const CsvLoad *c, int line, const char *name, NnrtError *err) {
    const ClassVocab *v = c->spec->vocab;
    char q[3][NNRT_QUOTE_SIZE];
    const char *shown = nnrt_quote(q[2], sizeof q[2], name, NNRT_QUOTE_MOST);
    if (v->n == 0)
        return nnrt_fail(err, "%s:%d: column %d: unknown class '%s'", c->src->features_path,
                         line, c->label_col + 1, shown);
    return nnrt_fail(err, "%s:%d: column %d: unknown class '%s' (the classes%s%s are '%s' ... "
                     "'%s')%s", c->src->features_path, line, c->label_col + 1, shown,
                     v->from ? " of " : "", v->from ? v->from : "",
                     nnrt_quote(q[0], sizeof q[0], v->names[0], NNRT_QUOTE_MOST),
                     nnrt_quote(q[1], sizeof q[1], v->names[v->n - 1], NNRT_QUOTE_MOST),
                     spaced_class(v, name) ? "; without the blanks around it, it is one: remove "
                     "the blanks around the file's fields (', ' between them?)" : "");
}

static bool check_new_name(CsvLoad *c, const char *shown, bool listed, NnrtError *err) {
    const ClassVocab *vocab = c->spec->vocab;
    const char *path = c->src->features_path;
    char q[3][NNRT_QUOTE_SIZE];
    if (vocab->fixed && !listed)
        return unknown_class(c, c->r.line, c->names[c->n_names - 1], err);
    bool binary = c->spec->task == NNRT_TASK_BINARY;
    int64_t most = binary ? 2 : c->spec->n_classes;
    int n = c->n_names;
    if (vocab->fixed || n <= most)
        return true;
    char first[160] = ""; /* the first names, as 'a', 'b', 'c', ... */
    size_t k = 0;
    for (int i = 0; i < 3 && i < n - 1 && k < sizeof first; i++)
        k += (size_t)snprintf(first + k, sizeof first - k, "%s'%s'", i ? ", " : "",
                              nnrt_quote(q[i], sizeof q[i], c->names[i], 24));
    if (n - 1 > 3 && k < sizeof first)
        snprintf(first + k, sizeof first - k, ", ...");
    return nnrt_fail(err, "%s:%d: column %d: label '%s' is the %d%s class name in the file, but "
                     "the model %s %lld classes (the first: %s)", path, c->r.line,
                     c->label_col + 1, shown, n, ordinal_suffix(n),
                     binary ? "is a binary classifier: it has" : "has", (long long)most, first);
}

/* The first byte of s that is not part of a UTF-8 character, or -1 when s is UTF-8 text.
 * *control tells whether that byte starts a control character instead (C0 but tab and line
 * breaks, which a quoted field may hold and --predict quotes; DEL, C1, bidirectional: an
 * ESC in a class name reached the terminal through --predict). */
static long utf8_invalid_at(const char *s, bool *control) {
    for (long i = 0; s[i];) {
        uint32_t c = 0;
        int n = nnrt_utf8_decode(s + i, 4, &c); /* a NUL ends s before 4 bytes, too */
        *control = n > 0 && c != '\t' && c != '\n' && c != '\r' && nnrt_terminal_control(c);
        if (n == 0 || *control)
            return i;
        i += n;
    }
    return -1;
}

/* Labels are decided by the whole file, not by its first row (see finish_labels): a
 * label that is one of the model's classes is that class, another decimal number is read
 * as a number (a class index), anything else is a class name. */
static bool read_label(CsvLoad *c, const char *field, int64_t row, float *y, NnrtError *err) {
    const char *path = c->src->features_path;
    if (!field[strspn(field, " \t")]) /* an empty cell is no class, not the class named '' */
        return nnrt_fail(err, "%s:%d: column %d: the label is missing", path, c->r.line,
                         c->label_col + 1);
    double v;
    int kind = decimal_field(field, &v);
    bool numeric = kind == 1;
    const ClassVocab *vocab = c->spec->vocab;
    bool regress = c->spec->task == NNRT_TASK_REGRESS;
    bool listed = !regress && vocab->fixed && vocab_find(vocab, field) >= 0;
    char quoted[NNRT_QUOTE_SIZE];
    const char *shown = nnrt_quote(quoted, sizeof quoted, field, NNRT_QUOTE_MOST);
    /* 1e39, and 1e999 beyond a double's range: numbers, not class names */
    if (!listed && (kind == 2 || (numeric && nnrt_float32_overflows(v))))
        return nnrt_fail(err, "%s:%d: column %d: label '%s' is out of range for float32", path,
                         c->r.line, c->label_col + 1, shown);
    if (regress) {
        if (!numeric)
            return nnrt_fail(err, "%s:%d: column %d: label '%s' is not a number%s", path, c->r.line,
                             c->label_col + 1, shown, nnrt_csv_number_hint(field));
        char why[200];
        if (!nnrt_csv_label_ok(c->spec, v, field, why, sizeof why))
            return nnrt_fail(err, "%s:%d: column %d: %s", path, c->r.line, c->label_col + 1, why);
        *y = (float)v;
        return true;
    }
    /* NA, NULL, None, ...: a label pandas reads as missing, like an empty cell (before:
     * a class of that name, when the model has room for one more) */
    if (!listed && !numeric && missing_value(field))
        return nnrt_fail(err, "%s:%d: column %d: label '%s' is a missing value, %s: drop the "
                         "rows without a label (df.dropna(subset=[...])), or if it is a class, "
                         "list it in the model's classes", path, c->r.line, c->label_col + 1,
                         shown, missing_value(field));
    if (!listed && !numeric && nnrt_csv_non_decimal(field)) /* 0x1, inf, nan: no class names */
        return nnrt_fail(err, "%s:%d: column %d: label '%s' is not a decimal number or a class "
                         "name%s", path, c->r.line, c->label_col + 1, shown,
                         nnrt_csv_number_hint(field));
    if (!nnrt_rows_realloc((void **)&c->name_ids, sizeof(int) * (size_t)(row + 1), path,
                           c->r.line, row + 1, err))
        return false;
    if (numeric && !listed) {
        c->name_ids[row] = -1;
        /* checked now, as a double: in float32, 1.00000001 is the class 1 and 16777217 is
         * 16777216; finish_labels says it if every label is a number */
        if (!c->bad_number_line &&
            !nnrt_csv_label_ok(c->spec, v, field, c->bad_number_why, sizeof c->bad_number_why))
            c->bad_number_line = c->r.line;
        *y = (float)v;
        if (c->first_number < 0) {
            c->first_number = row;
            c->first_number_text = nnrt_strdup(field);
        }
        return true;
    }
    /* a class name is kept in checkpoints' JSON and printed by --predict: text only, as
     * pandas reads a CSV (a Latin-1 file's 'café' is no UTF-8 and was kept as bytes) */
    bool control;
    long bad = utf8_invalid_at(field, &control);
    if (bad >= 0 && control)
        return nnrt_fail(err, "%s:%d: column %d: label '%s' holds a control character (byte "
                         "%ld of it): a class name is text", path, c->r.line,
                         c->label_col + 1, shown, bad + 1);
    if (bad >= 0)
        return nnrt_fail(err, "%s:%d: column %d: label '%s' is not UTF-8 text (byte %ld of "
                         "it): the file is in another encoding (Latin-1 or Windows-1252, as "
                         "Excel's \"CSV\" saves it?); save it as UTF-8 (\"CSV UTF-8\"), or "
                         "convert it: iconv -f WINDOWS-1252 -t UTF-8", path, c->r.line,
                         c->label_col + 1, shown, bad + 1);
    int known = c->n_names;
    c->name_ids[row] = name_id(c, field);
    if (c->n_names > known && !check_new_name(c, shown, listed, err))
        return false;
    if (c->first_name < 0)
        c->first_name = row;
    return true;
}

bool nnrt_csv_repeats_header(const CsvReader *r, char *const *header, int n) {
    if (!header || r->nfields != n)
        return false;
    for (int i = 0; i < r->nfields; i++) {
        const char *f = r->fields[i];
        if (i == 0 && strncmp(f, "\xEF\xBB\xBF", 3) == 0)
            f += 3;
        if (strcmp(f, header[i]) != 0)
            return false;
    }
    return true;
}

/* "expected a number, found 'p0'" said nothing of it. */
bool nnrt_csv_fail_repeated_header(const CsvReader *r, NnrtError *err) {
    return nnrt_fail(err, "%s:%d: the line repeats the header: files joined with cat? join them "
                     "without the others' header lines (tail -n +2 on each after the first)",
                     r->path, r->line);
}

static bool read_row(CsvLoad *c, Table *t, NnrtError *err) {
    CsvReader *r = &c->r;
    if (c->header_repeats && nnrt_csv_repeats_header(r, c->header, c->header_n))
        return nnrt_csv_fail_repeated_header(r, err);
    if (r->nfields != c->ncols)
        return nnrt_fail(err, "%s:%d: expected %d fields like the %s, found %d", r->path, r->line,
                         c->ncols, c->src->csv_header ? "header" : "first row", r->nfields);
    if (t->n == c->cap) {
        /* per row: the features, the line, the label and its class name */
        int64_t cap = c->cap;
        if (!nnrt_rows_grow(r->path, r->line, &cap, t->n + 1,
                            (t->dim + 3) * (int64_t)sizeof(float), r->len, err) ||
            !nnrt_rows_realloc((void **)&t->x, sizeof(float) * (size_t)(cap * t->dim), r->path,
                               r->line, cap, err) ||
            !nnrt_rows_realloc((void **)&t->lines, sizeof(int) * (size_t)cap, r->path, r->line,
                               cap, err) ||
            (t->ydim && !nnrt_rows_realloc((void **)&t->y, sizeof(float) * (size_t)cap, r->path,
                                           r->line, cap, err)))
            return false;
        c->cap = cap;
    }
    float *x = t->x + t->n * t->dim;
    for (int j = 0; j < c->ncols; j++) {
        if (j == c->label_col) {
            if (t->ydim && !read_label(c, r->fields[j], t->n, &t->y[t->n], err))
                return false;
            continue;
        }
        if (!nnrt_csv_float(r, j, nnrt_index_spec(c->spec), x++, err))
            return false;
    }
    t->lines[t->n] = r->line;
    t->n++;
    return true;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first file with class names fixes the vocabulary, sorted like scikit-learn's
 * LabelEncoder so that shuffling the rows never renumbers the classes. */
static void vocab_fix(ClassVocab *v, char **names, int n, int64_t classes) {
    nnrt_vocab_alloc(v, n, classes);
    for (int i = 0; i < n; i++)
        v->names[i] = nnrt_strdup(names[i]);
    qsort(v->names, (size_t)n, sizeof(char *), compare_names);
    v->n = n;
    v->fixed = true;
}

static bool map_names(CsvLoad *c, Table *t, NnrtError *err) {
    ClassVocab *v = c->spec->vocab;
    const char *path = c->src->features_path;
    char q[2][NNRT_QUOTE_SIZE];
    if (!v->fixed)
        vocab_fix(v, c->names, c->n_names,
                  c->spec->task == NNRT_TASK_BINARY ? 2 : c->spec->n_classes);
    if (v->n > c->spec->n_classes && c->spec->task == NNRT_TASK_CLASSIFY)
        return nnrt_fail(err, "%s: the label column names %d classes ('%s' ... '%s'), but the model "
                         "has %lld", path, v->n,
                         nnrt_quote(q[0], sizeof q[0], v->names[0], NNRT_QUOTE_MOST),
                         nnrt_quote(q[1], sizeof q[1], v->names[v->n - 1], NNRT_QUOTE_MOST),
                         (long long)c->spec->n_classes);
    if (v->n > 2 && c->spec->task == NNRT_TASK_BINARY)
        return nnrt_fail(err, "%s: the label column names %d classes, but the model is a binary "
                         "classifier", path, v->n);
    for (int64_t i = 0; i < t->n; i++) {
        int id = vocab_find(v, c->names[c->name_ids[i]]);
        if (id < 0)
            return unknown_class(c, t->lines[i], c->names[c->name_ids[i]], err);
        t->y[i] = (float)id;
    }
    return true;
}

/* One rule for the whole file, whatever the row order: labels that are all numbers are
 * class indices; otherwise they are class names, and a number among them is an error
 * (unless the model's classes list it, which read_label has already seen). */
static bool finish_labels(CsvLoad *c, Table *t, NnrtError *err) {
    const char *path = c->src->features_path;
    if (c->first_name < 0) {
        if (c->bad_number_line)
            return nnrt_fail(err, "%s:%d: column %d: %s", path, c->bad_number_line,
                             c->label_col + 1, c->bad_number_why);
        return true;
    }
    char q[2][NNRT_QUOTE_SIZE];
    const char *number = c->first_number >= 0
                         ? nnrt_quote(q[0], sizeof q[0], c->first_number_text, NNRT_QUOTE_MOST)
                         : NULL;
    if (number)
        return nnrt_fail(err, "%s:%d: column %d: label '%s' is a number, but other labels are "
                         "class names ('%s' on line %d); a number is a class index only when "
                         "every label is one: name every class, or list '%s' in the model's "
                         "classes", path, t->lines[c->first_number], c->label_col + 1, number,
                         nnrt_quote(q[1], sizeof q[1], c->names[c->name_ids[c->first_name]],
                                    NNRT_QUOTE_MOST),
                         t->lines[c->first_name], number);
    return map_names(c, t, err);
}

static void csv_load_free(CsvLoad *c) {
    for (int i = 0; c->header && i < c->header_n; i++)
        free(c->header[i]);
    free(c->header);
    free(c->first_number_text);
    nnrt_csv_free(&c->r);
    for (int i = 0; i < c->n_names; i++)
        free(c->names[i]);
    free(c->names);
    free(c->name_ids);
}

/* Whether every field is a number: a header that may be a first example, unless it is
 * 0, 1, 2, ..., the column names pandas gives the columns of an array (df.to_csv). */
static bool header_may_be_example(char **fields, int n) {
    double v;
    bool counting = true;
    for (int i = 0; i < n; i++) {
        if (!nnrt_csv_number(fields[i], &v))
            return false;
        counting = counting && v == i && strchr(fields[i], '.') == NULL;
    }
    return n > 0 && !counting;
}

static bool read_rows(CsvLoad *c, Table *t, NnrtError *err) {
    char **header = NULL;
    int rc = nnrt_csv_next(&c->r, err);
    if (rc <= 0)
        return rc == 0 ? nnrt_fail(err, "%s: the file is empty", c->src->features_path) : false;
    if (c->src->csv_header) {
        header = nnrt_realloc(NULL, sizeof(char *) * (size_t)c->r.nfields);
        for (int i = 0; i < c->r.nfields; i++)
            header[i] = nnrt_strdup(c->r.fields[i]);
    }
    int header_n = c->r.nfields;
    /* training data too: np.savetxt writes no header, and its first example was dropped
     * as the header without a word */
    if (header && header_may_be_example(header, header_n))
        fprintf(stderr, "%s:1: note: this line is read as the header (a CSV file for this "
                "model starts with one), but it holds only numbers; if it is an example, add a "
                "header line%s\n", c->src->features_path,
                c->spec->labels ? " (or give the model's csv() header=false)" : "");
    bool ok = setup_columns(c, header, err) && check_feature_order(c, header, header_n, err);
    c->header = header; /* freed with c */
    c->header_n = header_n;
    /* numbers only: maybe an example, which a later example may repeat */
    c->header_repeats = header && !header_may_be_example(header, header_n);
    if (!ok)
        return false;
    t->dim = c->spec->input_size;
    t->ydim = c->label_col >= 0 && c->spec->labels ? 1 : 0;
    t->label_column = c->label_col + 1;
    if (!c->src->csv_header && !read_row(c, t, err))
        return false;
    while (c->spec->limit <= 0 || t->n < c->spec->limit) {
        rc = nnrt_csv_next(&c->r, err);
        if (rc <= 0)
            return rc == 0;
        if (!read_row(c, t, err))
            return false;
    }
    return true;
}

bool nnrt_read_csv(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err) {
    char *text;
    size_t len;
    if (!nnrt_gz_slurp(src->features_path, &text, &len, err))
        return false;
    CsvLoad c = {.src = src, .spec = spec, .first_number = -1, .first_name = -1};
    nnrt_csv_init(&c.r, src->features_path, text, len);
    bool ok = read_rows(&c, t, err);
    if (ok && t->ydim && spec->task != NNRT_TASK_REGRESS)
        ok = finish_labels(&c, t, err);
    csv_load_free(&c);
    free(text);
    return ok;
}
