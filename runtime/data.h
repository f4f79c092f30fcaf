/*
 * data.h — readers that turn one data source (IDX, CSV, .npy, a CSV time series) into a
 * Table of float features and float labels. They check everything a file can get
 * wrong — magic numbers, shapes against the model, truncation, ragged rows, labels
 * outside the class range — and report it as "path: byte N: ..." or "path:line: ...".
 * They do not split, shuffle or standardize (dataset.c does); they do apply the
 * source's `scale` and `shift`, so features are converted to float exactly once. The
 * exception is an IDX file of bytes (images) that will not be standardized: its
 * features stay bytes (x8, a quarter of the memory) and the loader converts the rows
 * of each mini-batch, which is faster than copying float rows (fewer bytes to fetch
 * from memory).
 */
#ifndef NNRT_DATA_H
#define NNRT_DATA_H

#include "nnrt.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

/* Examples read from one source: row i of x is example i. */
typedef struct Table {
    int64_t n;      /* examples */
    int64_t dim;    /* features per example (== the model's input_size) */
    int64_t ydim;   /* label values per example; 0 when unlabeled */
    float *x;       /* (n, dim), or NULL when the features are kept as bytes: */
    uint8_t *x8;    /* (n, dim): feature i = x8[i]·x8_scale + x8_shift */
    float x8_scale, x8_shift;
    float *y;       /* (n, ydim) or NULL */
    /* CSV only, while the file is checked (freed after nnrt_read_source's caller checks):
     * the 1-based line of each example, and the 1-based column of the label (0: none),
     * so that messages name a value's line and column as they are in the file. */
    int *lines;
    int label_column;
} Table;

/* Feature i of t (float or byte storage). */
static inline float nnrt_table_value(const Table *t, int64_t i) {
    return t->x ? t->x[i] : (float)t->x8[i] * t->x8_scale + t->x8_shift;
}

/* Class names found in the label column of a CSV file, e.g. "setosa". The first file
 * read fixes them (sorted, so the order does not depend on row order); later files
 * must use the same names. Names given by the model are fixed from the start. */
typedef struct ClassVocab {
    char **names;  /* n names, then NULL up to the model's class count (nnrt_vocab_alloc) */
    int n;
    bool fixed;
    const char *from; /* the checkpoint the names were read from, or NULL (for messages) */
} ClassVocab;

/* The names of the feature columns of the first CSV file with a header that a run reads:
 * the model reads features by position, so a later file of the run (validation, test)
 * that lists the same columns in another order would feed each to another input. */
typedef struct CsvFeatureNames {
    char **names;      /* n names, in the file's order (the label column left out) */
    int n;
    char *from;        /* that file */
} CsvFeatureNames;

void nnrt_csv_feature_names_free(CsvFeatureNames *f);

/* What the model expects of a source. */
typedef struct DataSpec {
    int64_t input_size;    /* features per example */
    const int64_t *input_dims; int input_rank; /* for messages: "(28, 28, 1)" */
    int task;              /* NnrtTask: decides which labels are valid */
    int64_t n_classes;
    int64_t ydim;          /* label values per example in the files */
    bool labels;           /* false: features only (--predict) */
    int64_t limit;         /* read at most this many examples; 0 = all */
    ClassVocab *vocab;     /* CSV class names, shared by all sources of one run */
    bool keep_bytes;       /* IDX bytes may stay bytes (Table.x8): nothing standardizes them */
    int64_t index_limit;   /* > 0: every feature is an index 0..index_limit − 1 (an embedding
                              reads the input), whole as the file stores it */
    double index_scale, index_shift; /* the source's scale (0: 1) and shift, which the
                              indices are after: nnrt_read_source sets them */
    CsvFeatureNames *feature_names; /* shared by the sources of one run (NULL: unchecked):
                              the first CSV header fixes them, later ones must not reorder
                              them */
    bool one_hot_rows;     /* a .npy or IDX label file may hold one-hot rows of n_classes
                              values (Keras' to_categorical, for categorical_crossentropy):
                              they are read as the class indices they mark */
} DataSpec;

/* Reads src into t (t is overwritten; free with nnrt_table_free). */
bool nnrt_read_source(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err);
void nnrt_table_free(Table *t);

/* One reader per format, called by nnrt_read_source. */
bool nnrt_read_idx(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err);
bool nnrt_read_csv(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err);
bool nnrt_read_npy(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err);
bool nnrt_read_series(const NnrtDataSource *src, const DataSpec *spec, Table *t, NnrtError *err);

/* NNRT_DATA_* for a path by its extension (.npy, .csv, else IDX), ignoring ".gz". */
int nnrt_data_kind_for(const char *path);
/* What a file that its reader refuses at byte 0 looks like by its first n bytes, as a
 * message suffix: a .npy array, a ZIP archive (.npz), IDX, a compression other than
 * gzip, or text (CSV) under a name
 * that makes another reader read it (the format follows the name); else "". */
const char *nnrt_looks_like(const unsigned char *b, size_t n);
/* The same without the text guess: "" unless the bytes start a known binary format (also
 * xz, bzip2, zstd and other compressions, which the readers do not inflate, and UTF-16
 * text). */
const char *nnrt_binary_kind(const unsigned char *b, size_t n);

/* Is v a valid label for spec? If not, writes the reason ("label 12 is not a class
 * index 0..9") into why. Check a label as the file stores it (a double), not as float32,
 * which rounds 4.0000001 to the class 4. The reason shows the label as `written` (a CSV
 * field, an int64's digits), else v's shortest exact digits (nnrt_format_exact): a double
 * rounds integers beyond 2^53 (9007199254740993 to ...992). */
bool nnrt_label_ok(const DataSpec *spec, double v, const char *written, char *why,
                   size_t why_size);
/* Is v a row of the embedding spec's input feeds (0..index_limit − 1)? Whole as the file
 * stores it (as labels: float32 makes 3.0000001 the row 3, and 16777217 the row 16777216,
 * refused: past 2^24 whole numbers are no longer all float32s), and in range after spec's
 * index_scale and index_shift, in float32 as the table gets them. If not, writes the reason
 * ("3.0000001 is not an index 0..9 (the model's embedding has 10 rows)") into why, showing
 * v as `written` (an int64's digits, a field as written) or exactly, not as
 * "4.611686018427388e+18". */
bool nnrt_index_ok(const DataSpec *spec, double v, const char *written, char *why,
                   size_t why_size);
/* spec when its features are an embedding's indices (index_limit > 0), else NULL: what
 * the readers pass as `indices` to the checks below. */
static inline const DataSpec *nnrt_index_spec(const DataSpec *spec) {
    return spec->index_limit > 0 ? spec : NULL;
}

/* The error for a label file whose dims (examples first; `word` "shape" or "dimensions",
 * as the format calls them, found at byte) do not fit spec: the shape found, the shapes
 * the model takes ((N,) or (N, 1) for class indices, (N, classes) for one-hot rows) and
 * a hint: np.squeeze for one-hot rows with a size-1 axis, np.argmax where only class
 * indices are taken. Returns false. */
bool nnrt_label_shape_fail(const char *path, int64_t byte, const char *word, const int64_t *dims,
                           int rank, const DataSpec *spec, NnrtError *err);
/* One-hot rows (t->n rows of k values, each 0 or 1: nnrt_store_one_hot, in t->y) to the
 * class indices they mark, in place, for a label file of shape (N, classes)
 * (DataSpec.one_hot_rows): each row must hold one 1, else an error naming path, the byte
 * of the value in the file (the values start at data_offset, elem_bytes each, row after
 * row, or with fortran_rows = N > 0 a .npy file's Fortran order: value j of row i is the
 * file's value j·N + i) and the example and value, counted from 1 as the other data
 * errors count them. */
bool nnrt_one_hot_to_indices(const char *path, Table *t, int64_t k, int64_t data_offset,
                             int elem_bytes, int64_t fortran_rows, NnrtError *err);

/* Value k of a binary file of one-hot rows (per values to a row, its byte offset given),
 * stored as float32, or an error naming the byte, the example and the value's place in
 * its row when it is not 0 or 1 as the file stores it (float32 would make 0.99999999 a 1
 * and 1e-46 a 0): soft labels, which Keras' categorical crossentropy also takes, would
 * lose their weights as an index. `written`: the value as the file writes it, for the
 * message, or NULL (nnrt_label_ok). */
bool nnrt_store_one_hot(double v, const char *written, float *dst, const char *path,
                        int64_t byte, int64_t k, int64_t per, NnrtError *err);
/* A value read as a double that float32 cannot hold (|v| > FLT_MAX): messages say
 * "out of range for float32" rather than the infinity it would become. */
bool nnrt_float32_overflows(double v);
/* v as printf's %g writes it, but with as many digits as it takes to read back as v
 * (16777217, not 1.67772e+07), or for a fraction float32 holds exactly that takes more
 * digits than float32's 9, a float32 file's value, as many as read back as that float32
 * (0.1, not 0.10000000149011612): for messages about a value. Returns buf. */
const char *nnrt_format_exact(char *buf, size_t size, double v);
/* A model's split = [...] as its fractions, "[0.8, 0.1, 0.1]", into buf (the split as the
 * model writes it is NnrtModel.split_text, when set). Returns buf. */
const char *nnrt_format_split(char *buf, size_t size, const NnrtModel *m);
/* Value k of a binary file (its byte offset given, `per` values to an example) stored as
 * float32, or an error naming the byte and the example when float32 cannot hold it, or
 * (labels != NULL: a labels file) when it is no valid label for that spec, or (a
 * features file, indices != NULL: its index_limit > 0) when it is no row of the
 * embedding (nnrt_index_ok); `written` as for nnrt_store_one_hot. */
bool nnrt_store_float32(double v, const char *written, float *dst, const char *path,
                        int64_t byte, int64_t k, int64_t per, const DataSpec *labels,
                        const DataSpec *indices, NnrtError *err);

/* Text of a file as a message quotes it: whole up to `most` bytes, else its first bytes
 * (cut at a UTF-8 character) and "... (N bytes)", so that a field of a million digits
 * does not push the rest of the message out of it. Returns text or buf. */
const char *nnrt_quote(char *buf, size_t size, const char *text, size_t most);
enum { NNRT_QUOTE_SIZE = 96, NNRT_QUOTE_MOST = 60 }; /* a buffer for nnrt_quote, and its `most` */

/* The next capacity for rows of `row_bytes` bytes read from a text file of text_bytes
 * bytes (held in memory while it is read) when `need` rows must fit: *cap doubled (1024
 * at first), or as many as the memory the process may use holds. False when not even
 * `need` rows fit: an error naming the file and line and suggesting --limit, instead of
 * the system's "out of memory" (or a killed process). */
bool nnrt_rows_grow(const char *path, int line, int64_t *cap, int64_t need, int64_t row_bytes,
                    size_t text_bytes, NnrtError *err);
/* realloc of *p to `bytes` for `rows` rows: false, *p kept, with that error when the memory
 * runs out all the same (what else the process holds is not counted above). */
bool nnrt_rows_realloc(void **p, size_t bytes, const char *path, int line, int64_t rows,
                       NnrtError *err);

/* "(28, 28, 1)" */
void nnrt_format_dims(char *buf, size_t size, const int64_t *dims, int rank);
/* An error naming the file and byte when examples of shape dims (without the batch) would
 * be read by the model input as another layout: same values per example, other shape
 * (an image (28, 28) into input [14, 56, 1]). A vector input takes any shape flattened. */
bool nnrt_check_layout(const char *path, int64_t byte, const int64_t *dims, int rank,
                       const DataSpec *spec, NnrtError *err);

/* Room for max(n, classes) names, all NULL: a file may name fewer classes than the model
 * has (3 of 10), and whoever shows class k < classes (the confusion matrix, --predict)
 * then finds NULL, never a read past the end. */
void nnrt_vocab_alloc(ClassVocab *v, int n, int64_t classes);
void nnrt_vocab_free(ClassVocab *v);

/* ---- CSV tokenizer shared by the CSV and series readers (data_csv.c) ---- */

/* RFC 4180 rows: fields separated by `delim` (',' ';' or tab, guessed from the first
 * line), optionally double-quoted with "" for a quote inside. Blank lines are skipped. */
typedef struct CsvReader {
    const char *path;
    const char *s;
    size_t len, pos;
    int line;          /* line the current row starts on, 1-based */
    int next_line;
    char delim;
    char **fields;     /* the current row, NUL-terminated copies */
    int nfields, cap;
    char *buf;         /* storage for the fields of the current row */
    size_t buf_cap;
    bool time_steps;   /* rows are a series' time steps: a missing value is to be filled,
                          not dropped (nnrt_csv_float's hint) */
} CsvReader;

void nnrt_csv_init(CsvReader *r, const char *path, const char *text, size_t len);
void nnrt_csv_free(CsvReader *r);
/* 1: a row is in r->fields; 0: end of file; -1: error (err set). */
int nnrt_csv_next(CsvReader *r, NnrtError *err);
/* Index of the header column called name (of path's header, on line), or -1 with an
 * error naming the file and line: when no column is called so (with nnrt_csv_column_hint),
 * or when two are (naming both positions and the name; `what` says what the model names
 * so, "the label column"). Names no one asks for may repeat. */
int nnrt_csv_column(const char *path, int line, char **header, int n, const char *name,
                    const char *what, NnrtError *err);
/* For a name no column has: "; column 3 is 'Species' (names match exactly, as in pandas)"
 * when one differs only in case or blanks around it, else " (the header: 'a', 'b', …)"
 * (its first 6 names). Returns buf. */
const char *nnrt_csv_column_hint(char **header, int n, const char *name, char *buf,
                                 size_t size);
/* Whether the current row is the header again (a UTF-8 byte order mark before it aside),
 * as in files joined with cat, and the error that says so, naming its line. */
bool nnrt_csv_repeats_header(const CsvReader *r, char *const *header, int n);
bool nnrt_csv_fail_repeated_header(const CsvReader *r, NnrtError *err);
/* A finite number filling the whole field (surrounding spaces allowed). */
bool nnrt_csv_number(const char *field, double *v);
/* nnrt_label_ok for v, the number in field, its reason showing the field as written
 * (without the blanks around it). */
bool nnrt_csv_label_ok(const DataSpec *spec, double v, const char *field, char *why,
                       size_t why_size);
/* Whether strtod would read field but nnrt_csv_number does not (0x10, inf, nan). */
bool nnrt_csv_non_decimal(const char *field);
/* A message suffix for a field that is no number: that it is a missing value (empty, or
 * pandas' NA, NaN, NULL, N/A, ..., or '?'), that CSV numbers are decimal (for 0x10, inf)
 * or written with a point (for a decimal comma, 1,5); else "". */
const char *nnrt_csv_number_hint(const char *field);
/* Field `col` of the current row as a float32 value, or an error naming line, column and
 * what was found (not a decimal number, beyond float32's range, or with indices != NULL,
 * a spec whose index_limit > 0, no row of the embedding: nnrt_index_ok, which shows the
 * field as written). */
bool nnrt_csv_float(const CsvReader *r, int col, const DataSpec *indices, float *out,
                    NnrtError *err);

/* ---- gzip-transparent input shared by the readers (data_io.c) ---- */

/* A file read as it is, or inflated when it starts as gzip does, so every format also
 * works gzip-compressed: members one after the other, then nothing (or zero padding).
 * zlib's gzread ignored whatever followed a member that did not start another one, so a
 * .csv.gz whose second member was damaged, or with rows appended uncompressed, read as
 * its first member alone; here such bytes are an error. */
typedef struct GzIn {
    FILE *f;
    z_stream z;        /* gzip: z.next_in/avail_in are the compressed bytes read ahead */
    unsigned char *buf; /* those bytes (GZ_IN_BYTES) */
    bool gzip;         /* false: a plain file, read as it is */
    bool in_member;    /* gzip: inside a member (else between members, or after the last) */
    const char *path;
    int64_t pos;       /* bytes consumed so far (of the uncompressed stream) */
    int64_t raw;       /* bytes read from the file so far */
    int64_t file_bytes; /* size on disk; -1 when unknown (a pipe) */
} GzIn;

bool nnrt_gz_open(GzIn *in, const char *path, NnrtError *err);
/* Whether the file can hold `bytes` more bytes after byte `offset` (of the uncompressed
 * stream), checked before a header's promise is allocated: a few bytes announcing 10^11
 * values are refused naming the file, instead of running out of memory. A gzip file is
 * allowed deflate's largest ratio; a pipe, or a promise of at most 64 MiB (read, and a
 * short file reported where it ends), is not checked. `what` names the values. */
bool nnrt_gz_can_hold(GzIn *in, int64_t offset, int64_t bytes, const char *what,
                      NnrtError *err);
/* The buffer for `count` values a header announces, `value_bytes` bytes each in the file
 * and `elem` bytes each in memory: NULL, with an error naming the file and suggesting
 * --limit, when they cannot fit in the memory the process may use (nnrt_memory_limit) or
 * their size overflows; else *cap elements from nnrt_alloc_unzeroed (so that only the
 * values that arrive take memory), to be grown with nnrt_grow
 * as the values arrive: all of them at once for a plain file or a gzip file whose
 * trailer (ISIZE) states room for them, at most 2^24 first for a pipe or a .gz that
 * does not (so a small .gz announcing gigabytes allocates what it holds). */
void *nnrt_data_alloc(GzIn *in, int64_t offset, int64_t count, int64_t value_bytes,
                      size_t elem, const char *what, int64_t *cap, NnrtError *err);
/* Makes *buf (from nnrt_data_alloc, *cap elements of elem bytes) hold need elements, doubling
 * up to most; the contents are kept. */
void nnrt_grow(void **buf, int64_t *cap, int64_t need, int64_t most, size_t elem);
void nnrt_gz_close(GzIn *in);
/* Reads up to n bytes; returns the count (short only at end of file), -1 on a
 * decompression error or a .gz file cut short (with err set). */
int64_t nnrt_gz_read(GzIn *in, void *buf, int64_t n, NnrtError *err);
/* Whether the (uncompressed) file ends here, as it must after the values its header
 * announces: more bytes mean a header that does not describe the file (a wrong count
 * or header length), and reading to the end also checks a .gz file's trailer (its
 * CRC). `what` names the values read ("pixels (60000 examples of 28x28)"). */
bool nnrt_gz_expect_end(GzIn *in, const char *what, NnrtError *err);
/* The whole (uncompressed) file, NUL-terminated; in a file without a LF, each CR ends a
 * line (classic Mac OS line ends). */
bool nnrt_gz_slurp(const char *path, char **text, size_t *len, NnrtError *err);

#endif
