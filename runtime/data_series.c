/*
 * data_series.c — a CSV time series cut into overlapping windows. The file has a header;
 * `series_inputs` name the input columns (F of them) and `series_target` the column to
 * predict. Example i is rows [i, i + T) of the inputs, laid out (T, F) row-major, and
 * its label is the target `horizon` rows after the window's last row:
 *
 *   rows 0..9, T = 3, horizon = 1:  x0 = rows 0,1,2 -> y0 = target[3]
 *                                   x6 = rows 6,7,8 -> y6 = target[9]   (7 windows)
 *   rows 0..9, T = 3, horizon = 0:  x0 = rows 0,1,2 -> y0 = target[2]
 *                                   x7 = rows 7,8,9 -> y7 = target[9]   (8 windows)
 *
 * horizon 0 estimates the target of the window's last row from the inputs up to it (the
 * target may then not be an input: the model would read its answer).
 *
 * Without labels (--predict) every complete window is an example, x7 = rows 7,8,9 too
 * (8 windows): its forecast is of the row after the file's last.
 *
 * Other columns (dates, ids) are ignored and may hold anything. Rows stay in time order;
 * dataset.c takes validation/test from the end and computes standardization statistics
 * from the training windows only.
 */
#include "data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Series {
    int *cols;          /* F input columns, then the target column (if labeled) */
    int ncols;          /* fields per row */
    int nused;          /* F + 1, or F */
    float *rows;        /* (nrows, nused) */
    /* Targets are checked as labels as written, as rows are read (a class index
     * 1.00000001 is 1 in float32, 9007199254740993 ...992 in a double), from the first
     * row that is a window's target on; the first that is none is reported when the
     * windows are cut (after the errors about the rows and their number). */
    int64_t first_target; /* T − 1 + horizon */
    int64_t bad_row;      /* -1: none */
    char bad_why[200];
    int *lines;         /* source line of each row */
    int64_t nrows, cap;
    char **header;      /* the header's fields (ncols), to tell it when a row repeats it */
} Series;

static bool resolve_columns(const NnrtDataSource *src, const DataSpec *spec, CsvReader *r, Series *s,
                            NnrtError *err) {
    s->ncols = r->nfields;
    s->header = nnrt_realloc(NULL, sizeof(char *) * (size_t)s->ncols);
    for (int i = 0; i < s->ncols; i++)
        s->header[i] = nnrt_strdup(r->fields[i]);
    s->nused = src->n_series_inputs + (spec->labels ? 1 : 0); /* --predict needs no target */
    s->cols = nnrt_realloc(NULL, sizeof(int) * (size_t)s->nused);
    for (int i = 0; i < s->nused; i++) {
        const char *name = i < src->n_series_inputs ? src->series_inputs[i] : src->series_target;
        if (!name)
            return nnrt_fail(err, "%s: the series has no target column", src->features_path);
        s->cols[i] = nnrt_csv_column(src->features_path, r->line, r->fields, r->nfields, name,
                                     i < src->n_series_inputs ? "an input of the series"
                                                              : "the series' target", err);
        if (s->cols[i] < 0)
            return false;
    }
    return true;
}

/* One row's used columns; the first n_inputs are the inputs, indices of an embedding
 * when index_limit > 0 (the target never is). The target is kept as written too. */
static bool read_series_row(CsvReader *r, Series *s, int n_inputs, const DataSpec *spec,
                            NnrtError *err) {
    const DataSpec *indices = nnrt_index_spec(spec);
    if (nnrt_csv_repeats_header(r, s->header, s->ncols))
        return nnrt_csv_fail_repeated_header(r, err);
    if (r->nfields != s->ncols)
        return nnrt_fail(err, "%s:%d: expected %d fields like the header, found %d", r->path, r->line,
                         s->ncols, r->nfields);
    if (s->nrows == s->cap) {
        /* per row: its values and its line */
        int64_t cap = s->cap;
        if (!nnrt_rows_grow(r->path, r->line, &cap, s->nrows + 1,
                            (s->nused + 1) * (int64_t)sizeof(float), r->len, err) ||
            !nnrt_rows_realloc((void **)&s->rows, sizeof(float) * (size_t)(cap * s->nused),
                               r->path, r->line, cap, err) ||
            !nnrt_rows_realloc((void **)&s->lines, sizeof(int) * (size_t)cap, r->path, r->line,
                               cap, err))
            return false;
        s->cap = cap;
    }
    for (int i = 0; i < s->nused; i++)
        if (!nnrt_csv_float(r, s->cols[i], i < n_inputs ? indices : NULL,
                            &s->rows[s->nrows * s->nused + i], err))
            return false;
    double v; /* a number: nnrt_csv_float read it */
    if (s->nused > n_inputs && s->bad_row < 0 && s->nrows >= s->first_target &&
        nnrt_csv_number(r->fields[s->cols[n_inputs]], &v) &&
        !nnrt_csv_label_ok(spec, v, r->fields[s->cols[n_inputs]], s->bad_why, sizeof s->bad_why))
        s->bad_row = s->nrows;
    s->lines[s->nrows++] = r->line;
    return true;
}

static bool read_all_rows(const NnrtDataSource *src, const DataSpec *spec, const char *text,
                          size_t len, Series *s, NnrtError *err) {
    CsvReader r;
    nnrt_csv_init(&r, src->features_path, text, len);
    r.time_steps = true;
    int rc = nnrt_csv_next(&r, err);
    bool ok = rc > 0 ? resolve_columns(src, spec, &r, s, err)
                     : (rc == 0 ? nnrt_fail(err, "%s: the file is empty", src->features_path) : false);
    while (ok && (rc = nnrt_csv_next(&r, err)) > 0)
        ok = read_series_row(&r, s, src->n_series_inputs, spec, err);
    nnrt_csv_free(&r);
    /* every row is one time step: a blank line inside would join two windows across a
     * missing observation */
    for (int64_t i = 1; ok && rc == 0 && i < s->nrows; i++)
        if (s->lines[i] > s->lines[i - 1] + 1)
            return nnrt_fail(err, "%s:%d: a blank line inside a series; every row is one time "
                             "step", src->features_path, s->lines[i - 1] + 1);
    return ok && rc == 0;
}

static bool cut_windows(const NnrtDataSource *src, const DataSpec *spec, const Series *s, Table *t,
                        NnrtError *err) {
    int64_t T = src->window, F = src->n_series_inputs, h = src->horizon;
    /* A window needs its target h rows later only to train or evaluate on: --predict cuts
     * every complete window, so the last ones, whose targets lie past the file's end, give
     * the forecasts (a file of the latest T rows forecasts the next value). */
    int64_t n = s->nrows - T - (spec->labels ? h : 0) + 1;
    if (n <= 0 && !spec->labels)
        return nnrt_fail(err, "%s: %lld row%s too few for a window of %lld steps",
                         src->features_path, (long long)s->nrows, s->nrows == 1 ? " is" : "s are",
                         (long long)T);
    if (n <= 0)
        return nnrt_fail(err, "%s: %lld rows are too few for windows of %lld steps predicting %lld "
                         "ahead", src->features_path, (long long)s->nrows, (long long)T, (long long)h);
    if (spec->limit > 0 && spec->limit < n)
        n = spec->limit;
    /* windows overlap, so the examples take T times the series' memory: a long series
     * with a long window is refused by name rather than left to the system to kill */
    uint64_t limit = nnrt_memory_limit();
    double need = (double)n * (double)(T * F) * sizeof(float);
    if (limit > 0 && need > (double)limit)
        return nnrt_fail(err, "%s: %lld windows of %lld steps x %lld columns need %.3g GB of "
                         "memory, more than the %.3g GB available; use --limit or a shorter "
                         "window", src->features_path, (long long)n, (long long)T, (long long)F,
                         need / 1e9, (double)limit / 1e9);
    t->n = n;
    t->dim = T * F;
    t->ydim = spec->labels ? 1 : 0;
    t->x = nnrt_alloc(sizeof(float) * (size_t)(n * t->dim));
    t->y = t->ydim ? nnrt_alloc(sizeof(float) * (size_t)n) : NULL;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t k = 0; k < T; k++)
            for (int64_t f = 0; f < F; f++)
                t->x[(i * T + k) * F + f] = s->rows[(i + k) * s->nused + f];
        if (!t->ydim)
            continue;
        int64_t row = i + T - 1 + h;
        t->y[i] = s->rows[row * s->nused + F];
        if (row == s->bad_row)
            return nnrt_fail(err, "%s:%d: target of window %lld: %s", src->features_path,
                             s->lines[row], (long long)i + 1, s->bad_why);
    }
    return true;
}

bool nnrt_read_series(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err) {
    if (src->window < 1 || src->horizon < 0 || src->n_series_inputs < 1)
        return nnrt_fail(err, "%s: a series needs window >= 1, horizon >= 0 and at least one input "
                         "column", src->features_path);
    /* horizon 0: the target of the window's last row, which must not be an input (nnlc says
     * the same of the model's series, at compile time) */
    for (int i = 0; src->horizon == 0 && src->series_target && i < src->n_series_inputs; i++)
        if (strcmp(src->series_inputs[i], src->series_target) == 0)
            return nnrt_fail(err, "%s: horizon=0 predicts the target of each window's last row, "
                             "but the target '%s' is one of the inputs: the model would read the "
                             "value it predicts", src->features_path, src->series_target);
    if (src->window * (int64_t)src->n_series_inputs != spec->input_size)
        return nnrt_fail(err, "%s: windows of %d steps x %d columns have %lld values, but the model "
                         "input has %lld", src->features_path, src->window, src->n_series_inputs,
                         (long long)src->window * src->n_series_inputs, (long long)spec->input_size);
    if (spec->labels && spec->ydim != 1)
        return nnrt_fail(err, "%s: a series has one target column, but the model needs %lld target "
                         "values per example", src->features_path, (long long)spec->ydim);
    char *text;
    size_t len;
    if (!nnrt_gz_slurp(src->features_path, &text, &len, err))
        return false;
    Series s = {.first_target = src->window - 1 + src->horizon, .bad_row = -1};
    bool ok = read_all_rows(src, spec, text, len, &s, err) && cut_windows(src, spec, &s, t, err);
    free(text);
    free(s.cols);
    for (int i = 0; s.header && i < s.ncols; i++)
        free(s.header[i]);
    free(s.header);
    free(s.rows);
    free(s.lines);
    return ok;
}
