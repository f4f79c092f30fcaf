/*
 * dataset.h — the training, validation and test sets of one run, as float rows (or byte
 * rows that the loader converts, see data.h).
 *
 * nnrt_data_load reads the sources the model declares (or --data/--test overrides),
 * splits them, and standardizes them. Splits follow Keras where Keras defines them:
 * validation_split takes the LAST fraction of the training source, before any
 * shuffling. split_train/val/test (not a Keras feature) shuffles with the seed first,
 * except for time series, which stay in time order; with shuffling off (shuffle = false,
 * --no-shuffle) the parts are the same rows, each in file order. --limit truncates the
 * training source before splitting, like slicing x[:N] before model.fit.
 */
#ifndef NNRT_DATASET_H
#define NNRT_DATASET_H

#include "data.h"

/* A view of consecutive rows of a Table. n == 0 means "absent". */
typedef struct Dataset {
    const char *name;     /* "training", "validation", "test": for messages */
    const char *origin;   /* file the rows came from */
    int64_t n, dim, ydim; /* examples, features, label values per example */
    const float *x;       /* (n, dim), or NULL when the features are bytes: */
    const float *y;       /* (n, ydim) or NULL */
    const uint8_t *x8;    /* (n, dim): feature i = x8[i]·x8_scale + x8_shift (data.h) */
    float x8_scale, x8_shift;
} Dataset;

/* Feature standardization (docs/language.md 6.3): subtract the mean and divide by the
 * standard deviation of each feature, computed over the training set only. A feature
 * is one input value, except in a time series, where it is one input column (the same
 * quantity at every step of the window). For regression the targets are standardized
 * too (per output), and predictions and RMSE/MAE are reported back in the data's units. */
typedef struct Standardizer {
    bool active;        /* the training source asks for it */
    bool ready;         /* statistics computed, or loaded from a checkpoint */
    int64_t dim;        /* features: input_size, or the series' input columns */
    float *mean, *std;  /* (dim) */
    int64_t ydim;       /* standardized target values per example, 0 = none */
    float *y_mean, *y_std;
    const char *from;   /* the checkpoint the statistics were loaded from, or NULL */
} Standardizer;

typedef struct DataRequest {
    const char *data_path, *data_labels; /* --data override, or NULL */
    const char *test_path, *test_labels; /* --test override, or NULL */
    int64_t limit;                       /* --limit when training: the training source's first
                                            examples, before any split; 0 = all */
    int64_t test_limit;                  /* --limit with --evaluate: the test set's first
                                            examples, from a test file or a split; 0 = all */
    uint64_t seed;
    bool file_order;                     /* shuffling is off: a split's parts keep file order */
    bool train;                          /* read the training source */
    bool test;                           /* read the test source */
} DataRequest;

typedef struct DataSplits {
    Dataset train, val, test;
    Table tables[3];      /* storage: training, validation and test sources */
    const char *origin[3], *label_origin[3]; /* their files (labels: NULL when in the same) */
    ClassVocab vocab;     /* class names found in CSV labels */
    CsvFeatureNames feature_names; /* of the run's first CSV header (DataSpec.feature_names) */
    int64_t split_from;   /* examples of the training table the validation or test part was
                             cut from (after --limit), 0: none was (a checkpoint keeps it) */
} DataSplits;

/* Rows [begin, end) of t, named `name` (for messages), read from `origin`. */
Dataset nnrt_dataset_view(const char *name, const Table *t, const char *origin, int64_t begin,
                          int64_t end);

bool nnrt_data_load(DataSplits *d, const NnrtModel *m, const DataRequest *rq, Standardizer *st,
                    NnrtError *err);
void nnrt_data_free(DataSplits *d);

/* Unlabeled rows for --predict (the first `limit`, 0 = all), preprocessed like the
 * training data. */
bool nnrt_data_load_predict(Table *t, const NnrtModel *m, const char *path, int64_t limit,
                            const Standardizer *st, NnrtError *err);

/* What model m expects of a source: its input, task and labels (labels false: features
 * only, as --predict reads), at most limit examples (0: all), CSV class names in vocab. */
DataSpec nnrt_data_spec(const NnrtModel *m, ClassVocab *vocab, int64_t limit, bool labels);

/* Label values per example the data files must provide for this model: 1 (a class
 * index) for classification, n_outputs for binary and regression. */
int64_t nnrt_label_dim(const NnrtModel *m);

void nnrt_std_init(Standardizer *st, const NnrtModel *m);
void nnrt_std_fit(Standardizer *st, const Dataset *train);
/* Standardizes t (read from path, its labels from labels_path or path); false, naming the
 * value, when a result is beyond float32's range. */
bool nnrt_std_apply(const Standardizer *st, Table *t, const char *path, const char *labels_path,
                    NnrtError *err);
void nnrt_std_free(Standardizer *st);

#endif
