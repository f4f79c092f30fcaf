/*
 * data_csv.c — CSV examples: one row per example, every column a feature except the
 * label column (chosen by header name or by index, -1 = last). Labels are numbers, or
 * class names such as "setosa" that are mapped to indices through a ClassVocab.
 * Rows with a different number of fields than the header (or the first row) are an
 * error naming file:line, as is any field that is not a finite number.
 */
#include "data.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void skip_blank_lines(CsvReader *r) {
    for (;;) {
        size_t p = r->pos;
        while (p < r->len && (r->s[p] == ' ' || r->s[p] == '\t' || r->s[p] == '\r'))
            p++;
        if (p < r->len && r->s[p] == '\n') {
            r->pos = p + 1;
            r->next_line++;
        } else {
            if (p >= r->len)
                r->pos = p;
            return;
        }
    }
}

/* Copies one field into r->buf at *k; stops at the delimiter or end of line. */
static bool scan_field(CsvReader *r, size_t *k, NnrtError *err) {
    const char *s = r->s;
    if (r->pos < r->len && s[r->pos] == '"') {
        int start_line = r->next_line;
        r->pos++;
        for (;;) {
            if (r->pos >= r->len)
                return nnrt_fail(err, "%s:%d: unterminated quoted field", r->path, start_line);
            char c = s[r->pos++];
            if (c == '"' && r->pos < r->len && s[r->pos] == '"')
                r->pos++;
            else if (c == '"')
                break;
            if (c == '\n')
                r->next_line++;
            r->buf[(*k)++] = c;
        }
    }
    while (r->pos < r->len && s[r->pos] != r->delim && s[r->pos] != '\n')
        r->buf[(*k)++] = s[r->pos++];
    if (*k > 0 && r->buf[*k - 1] == '\r')
        (*k)--;
    r->buf[(*k)++] = '\0';
    return true;
}

/* Bytes from r->pos to the end of the row, newlines inside quotes included. */
static size_t row_length(const CsvReader *r) {
    bool quoted = false;
    size_t p = r->pos;
    for (; p < r->len && (quoted || r->s[p] != '\n'); p++)
        if (r->s[p] == '"')
            quoted = !quoted;
    return p - r->pos;
}

int nnrt_csv_next(CsvReader *r, NnrtError *err) {
    skip_blank_lines(r);
    if (r->pos >= r->len)
        return 0;
    r->line = r->next_line;
    /* Unquoting only shrinks text, and each field adds one NUL; a row of L bytes has at
     * most L + 1 fields, so 2L + 2 bytes always suffice. */
    size_t need = 2 * row_length(r) + 2;
    if (r->buf_cap < need) {
        r->buf_cap = need;
        r->buf = nnrt_realloc(r->buf, need);
    }
    size_t k = 0;
    r->nfields = 0;
    for (;;) {
        if (r->nfields == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 64;
            r->fields = nnrt_realloc(r->fields, sizeof(char *) * (size_t)r->cap);
        }
        r->fields[r->nfields++] = r->buf + k;
        if (!scan_field(r, &k, err))
            return -1;
        if (r->pos < r->len && r->s[r->pos] == r->delim) {
            r->pos++;
            continue;
        }
        if (r->pos < r->len) { /* the newline ending the row */
            r->pos++;
            r->next_line++;
        }
        return 1;
    }
}

int nnrt_csv_column(char **header, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(header[i], name) == 0)
            return i;
    return -1;
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

bool nnrt_csv_number(const char *field, double *v) {
    char *end;
    while (isspace((unsigned char)*field))
        field++;
    if (!*field)
        return false;
    size_t n = decimal_length(field);
    if (n == 0)
        return false;
    *v = strtod(field, &end);
    if ((size_t)(end - field) != n)
        return false;
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0' && *v == *v && *v - *v == 0; /* finite: NaN and inf fail */
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

bool nnrt_csv_float(const CsvReader *r, int col, float *out, NnrtError *err) {
    const char *f = r->fields[col];
    double v;
    if (!nnrt_csv_number(f, &v))
        return nnrt_fail(err, "%s:%d: column %d: expected a number, found '%s'%s", r->path,
                         r->line, col + 1, f, nnrt_csv_number_hint(f));
    if (nnrt_float32_overflows(v))
        return nnrt_fail(err, "%s:%d: column %d: '%s' is out of range for float32 (at most "
                         "about 3.4e38)", r->path, r->line, col + 1, f);
    *out = (float)v;
    return true;
}

const char *nnrt_csv_number_hint(const char *field) {
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
    int64_t cap;        /* rows allocated in t->x */
    int *name_ids;      /* per row: index into names (discovery order) */
    char **names;       /* class names seen in this file, discovery order */
    int n_names;
} CsvLoad;

static bool find_label_column(CsvLoad *c, char **header, NnrtError *err) {
    const NnrtDataSource *src = c->src;
    if (src->csv_label && src->csv_label[0]) {
        if (!header)
            return nnrt_fail(err, "%s: the label column is named '%s', but the file is read "
                             "without a header row", src->features_path, src->csv_label);
        c->label_col = nnrt_csv_column(header, c->ncols, src->csv_label);
        if (c->label_col < 0)
            return nnrt_fail(err, "%s:1: no column named '%s' in the header (first column: '%s')",
                             src->features_path, src->csv_label, header[0]);
        return true;
    }
    int idx = src->csv_label_index < 0 ? c->ncols + src->csv_label_index : src->csv_label_index;
    if (idx < 0 || idx >= c->ncols)
        return nnrt_fail(err, "%s:%d: label column %d does not exist: rows have %d columns",
                         src->features_path, c->r.line, src->csv_label_index, c->ncols);
    c->label_col = idx;
    return true;
}

/* Decides the column layout from the first row (header or data). */
static bool setup_columns(CsvLoad *c, char **header, NnrtError *err) {
    const DataSpec *spec = c->spec;
    c->ncols = c->r.nfields;
    c->label_col = -1;
    /* Unlabeled input (--predict) may still carry the label column; drop it if so. */
    bool has_label = spec->labels || c->ncols == spec->input_size + 1;
    if (has_label && !find_label_column(c, header, err))
        return false;
    int64_t features = c->ncols - (has_label ? 1 : 0);
    if (features != spec->input_size) {
        char want[128];
        nnrt_format_dims(want, sizeof want, spec->input_dims, spec->input_rank);
        return nnrt_fail(err, "%s:%d: rows have %d columns (%lld features%s), but the model input %s "
                         "has %lld values", c->src->features_path, c->r.line, c->ncols,
                         (long long)features, has_label ? " and a label" : "", want,
                         (long long)spec->input_size);
    }
    if (has_label && spec->ydim != 1)
        return nnrt_fail(err, "%s: a CSV file holds one label column, but the model needs %lld "
                         "target values per example (use .npy labels)", c->src->features_path,
                         (long long)spec->ydim);
    return true;
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

/* Labels are decided by the whole file, not by its first row (see finish_labels): a
 * label that is one of the model's classes is that class, another decimal number is read
 * as a number (a class index), anything else is a class name. */
static bool read_label(CsvLoad *c, const char *field, int64_t row, float *y, NnrtError *err) {
    const char *path = c->src->features_path;
    if (!field[strspn(field, " \t")]) /* an empty cell is no class, not the class named '' */
        return nnrt_fail(err, "%s:%d: column %d: the label is missing", path, c->r.line,
                         c->label_col + 1);
    double v;
    bool numeric = nnrt_csv_number(field, &v);
    const ClassVocab *vocab = c->spec->vocab;
    bool regress = c->spec->task == NNRT_TASK_REGRESS;
    bool listed = !regress && vocab->fixed && vocab_find(vocab, field) >= 0;
    if (numeric && !listed && nnrt_float32_overflows(v))
        return nnrt_fail(err, "%s:%d: column %d: label '%s' is out of range for float32", path,
                         c->r.line, c->label_col + 1, field);
    if (regress) {
        if (!numeric)
            return nnrt_fail(err, "%s:%d: column %d: label '%s' is not a number%s", path, c->r.line,
                             c->label_col + 1, field, nnrt_csv_number_hint(field));
        char why[200];
        if (!nnrt_label_ok(c->spec, v, why, sizeof why))
            return nnrt_fail(err, "%s:%d: column %d: %s", path, c->r.line, c->label_col + 1, why);
        *y = (float)v;
        return true;
    }
    if (!listed && !numeric && nnrt_csv_non_decimal(field)) /* 0x1, inf, nan: no class names */
        return nnrt_fail(err, "%s:%d: column %d: label '%s' is not a decimal number or a class "
                         "name%s", path, c->r.line, c->label_col + 1, field,
                         nnrt_csv_number_hint(field));
    c->name_ids = nnrt_realloc(c->name_ids, sizeof(int) * (size_t)(row + 1));
    if (numeric && !listed) {
        c->name_ids[row] = -1;
        *y = (float)v;
        if (c->first_number < 0) {
            c->first_number = row;
            c->first_number_text = nnrt_strdup(field);
        }
        return true;
    }
    c->name_ids[row] = name_id(c, field);
    if (c->first_name < 0)
        c->first_name = row;
    return true;
}

static bool read_row(CsvLoad *c, Table *t, NnrtError *err) {
    CsvReader *r = &c->r;
    if (r->nfields != c->ncols)
        return nnrt_fail(err, "%s:%d: expected %d fields like the %s, found %d", r->path, r->line,
                         c->ncols, c->src->csv_header ? "header" : "first row", r->nfields);
    if (t->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        t->x = nnrt_realloc(t->x, sizeof(float) * (size_t)(c->cap * t->dim));
        t->lines = nnrt_realloc(t->lines, sizeof(int) * (size_t)c->cap);
        if (t->ydim)
            t->y = nnrt_realloc(t->y, sizeof(float) * (size_t)c->cap);
    }
    float *x = t->x + t->n * t->dim;
    for (int j = 0; j < c->ncols; j++) {
        if (j == c->label_col) {
            if (t->ydim && !read_label(c, r->fields[j], t->n, &t->y[t->n], err))
                return false;
            continue;
        }
        if (!nnrt_csv_float(r, j, x++, err))
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
    if (!v->fixed)
        vocab_fix(v, c->names, c->n_names,
                  c->spec->task == NNRT_TASK_BINARY ? 2 : c->spec->n_classes);
    if (v->n > c->spec->n_classes && c->spec->task == NNRT_TASK_CLASSIFY)
        return nnrt_fail(err, "%s: the label column names %d classes ('%s' ... '%s'), but the model "
                         "has %lld", path, v->n, v->names[0], v->names[v->n - 1],
                         (long long)c->spec->n_classes);
    if (v->n > 2 && c->spec->task == NNRT_TASK_BINARY)
        return nnrt_fail(err, "%s: the label column names %d classes, but the model is a binary "
                         "classifier", path, v->n);
    for (int64_t i = 0; i < t->n; i++) {
        int id = vocab_find(v, c->names[c->name_ids[i]]);
        if (id < 0)
            return nnrt_fail(err, "%s:%d: column %d: unknown class '%s' (the classes are '%s' ... "
                             "'%s')", path, t->lines[i], c->label_col + 1, c->names[c->name_ids[i]],
                             v->names[0], v->names[v->n - 1]);
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
        for (int64_t i = 0; i < t->n; i++) {
            char why[200];
            if (!nnrt_label_ok(c->spec, t->y[i], why, sizeof why))
                return nnrt_fail(err, "%s:%d: column %d: %s", path, t->lines[i], c->label_col + 1,
                                 why);
        }
        return true;
    }
    if (c->first_number >= 0)
        return nnrt_fail(err, "%s:%d: column %d: label '%s' is a number, but other labels are "
                         "class names ('%s' on line %d); a number is a class index only when "
                         "every label is one: name every class, or list '%s' in the model's "
                         "classes", path, t->lines[c->first_number], c->label_col + 1,
                         c->first_number_text, c->names[c->name_ids[c->first_name]],
                         t->lines[c->first_name], c->first_number_text);
    return map_names(c, t, err);
}

static void csv_load_free(CsvLoad *c) {
    free(c->first_number_text);
    nnrt_csv_free(&c->r);
    for (int i = 0; i < c->n_names; i++)
        free(c->names[i]);
    free(c->names);
    free(c->name_ids);
}

/* Whether every field is a number: a header that may be a first example. */
static bool all_numbers(char **fields, int n) {
    double v;
    for (int i = 0; i < n; i++)
        if (!nnrt_csv_number(fields[i], &v))
            return false;
    return n > 0;
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
    if (header && !c->spec->labels && all_numbers(header, header_n))
        fprintf(stderr, "%s:1: note: this line is read as the header (a CSV file for this "
                "model starts with one), but it holds only numbers; if it is an example, add a "
                "header line\n", c->src->features_path);
    bool ok = setup_columns(c, header, err);
    for (int i = 0; header && i < header_n; i++)
        free(header[i]);
    free(header);
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
