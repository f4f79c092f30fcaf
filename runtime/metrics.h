/*
 * metrics.h — Metrics accumulated over the batches of one pass (an epoch, or an
 * evaluation): the mean loss weighted by batch size (as Keras' loss tracker), and
 *   classification: accuracy (argmax == label), optional top-k accuracy, and a
 *                   confusion matrix (rows: true class, columns: predicted);
 *   binary:         accuracy with a 0.5 threshold, averaged over outputs;
 *   regression:     RMSE and MAE over all outputs, in the data's original units
 *                   (undoing target standardization).
 */
#ifndef NNRT_METRICS_H
#define NNRT_METRICS_H

#include "nnrt.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct Metrics {
    int task;
    int64_t n_classes, n_outputs;
    int top_k;
    int n_metrics;       /* what the console shows after the loss, in order (NnrtMetric) */
    int metrics[NNRT_MAX_MODEL_METRICS];
    const float *y_std;  /* (n_outputs) target scale for RMSE/MAE, or NULL */
    double loss_sum;     /* sum over batches of mean loss * rows */
    int64_t count;       /* examples seen */
    int64_t correct;     /* classification: examples; binary: output values */
    int64_t topk_correct;
    double se_sum, ae_sum; /* regression, original units */
    int64_t *confusion;  /* (n_classes, n_classes), classification only */
} Metrics;

void nnrt_metrics_init(Metrics *mt, const NnrtModel *m, const float *y_std);
void nnrt_metrics_free(Metrics *mt);
void nnrt_metrics_reset(Metrics *mt);
/* One batch: its mean loss, predictions out (rows, n_outputs) in model precision, and
 * labels yf (rows, label values) as stored in the Dataset. */
void nnrt_metrics_add(Metrics *mt, double loss, const void *out, int elem_size, const float *yf,
                      int64_t rows);

double nnrt_metrics_loss(const Metrics *mt);
double nnrt_metrics_accuracy(const Metrics *mt);   /* classification and binary */
double nnrt_metrics_topk(const Metrics *mt);
double nnrt_metrics_rmse(const Metrics *mt);
double nnrt_metrics_mae(const Metrics *mt);
double nnrt_metrics_mse(const Metrics *mt);

/* Appends " - loss: 0.5012 - accuracy: 0.8234" (names prefixed by `prefix`, e.g.
 * "val_") to buf, Keras' number format. */
void nnrt_metrics_format(const Metrics *mt, const char *prefix, char *buf, size_t size);
/* The values the console shows, in its order: loss, then the model's metrics in the
 * order its train block lists them (by default accuracy, and top-k, or rmse and mae). The
 * --history file has one column per entry. Returns the count. */
enum { NNRT_MAX_METRICS = 1 + NNRT_MAX_MODEL_METRICS };
typedef struct MetricValue {
    char name[32];
    double value;
} MetricValue;
int nnrt_metrics_list(const Metrics *mt, MetricValue out[NNRT_MAX_METRICS]);

void nnrt_metrics_print_confusion(const Metrics *mt, FILE *f, const char *const *class_names);

#endif
