/*
 * metrics.c — see metrics.h. Everything is accumulated in doubles and integers so the
 * result does not depend on how examples were batched.
 */
#include "metrics.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void nnrt_metrics_init(Metrics *mt, const NnrtModel *m, const float *y_std) {
    memset(mt, 0, sizeof *mt);
    mt->task = m->task;
    mt->n_classes = m->n_classes;
    mt->n_outputs = m->n_outputs;
    mt->top_k = m->top_k;
    mt->y_std = y_std;
    if (m->metrics_given) {
        mt->n_metrics = m->n_metrics < 0 ? 0
                        : m->n_metrics > NNRT_MAX_MODEL_METRICS ? NNRT_MAX_MODEL_METRICS
                                                                : m->n_metrics;
        memcpy(mt->metrics, m->metrics, sizeof(int) * (size_t)mt->n_metrics);
    } else if (m->task == NNRT_TASK_REGRESS) {
        mt->metrics[mt->n_metrics++] = NNRT_METRIC_RMSE;
        mt->metrics[mt->n_metrics++] = NNRT_METRIC_MAE;
    } else {
        mt->metrics[mt->n_metrics++] = NNRT_METRIC_ACCURACY;
        if (m->task == NNRT_TASK_CLASSIFY && m->top_k > 0)
            mt->metrics[mt->n_metrics++] = NNRT_METRIC_TOP_K;
    }
    if (m->task == NNRT_TASK_CLASSIFY)
        mt->confusion = nnrt_alloc(sizeof(int64_t) * (size_t)(m->n_classes * m->n_classes));
}

void nnrt_metrics_free(Metrics *mt) {
    nnrt_free(mt->confusion);
    mt->confusion = NULL;
}

void nnrt_metrics_reset(Metrics *mt) {
    mt->loss_sum = 0;
    mt->count = mt->correct = mt->topk_correct = 0;
    mt->se_sum = mt->ae_sum = 0;
    if (mt->confusion)
        memset(mt->confusion, 0, sizeof(int64_t) * (size_t)(mt->n_classes * mt->n_classes));
}

/* One row of K class scores: the first maximum (np.argmax) and how many scores exceed
 * the label's. Specialized per precision so that the loop is plain loads and compares
 * (it runs on the training thread after every step). */
#define CLASSIFY_ROW(T)                                                                    \
    static int64_t classify_row_##T(const T *p, int64_t K, int64_t label, int64_t *above) { \
        T best_p = p[0], p_label = p[label];                                               \
        int64_t best = 0, n = 0;                                                           \
        for (int64_t k = 0; k < K; k++) {                                                  \
            if (p[k] > best_p) {                                                           \
                best_p = p[k];                                                             \
                best = k;                                                                  \
            }                                                                              \
            n += p[k] > p_label;                                                           \
        }                                                                                  \
        *above = n;                                                                        \
        return best;                                                                       \
    }
CLASSIFY_ROW(float)
CLASSIFY_ROW(double)

static void add_classify(Metrics *mt, const void *out, int es, const float *yf, int64_t rows) {
    const int64_t K = mt->n_classes;
    for (int64_t i = 0; i < rows; i++) {
        int64_t label = (int64_t)yf[i], above;
        int64_t best = es == 4 ? classify_row_float((const float *)out + i * K, K, label, &above)
                               : classify_row_double((const double *)out + i * K, K, label, &above);
        mt->correct += best == label;
        /* tf.math.in_top_k: ties at the boundary count as inside the top k. */
        mt->topk_correct += above < mt->top_k;
        mt->confusion[label * K + best]++;
    }
}

static void add_binary(Metrics *mt, const void *out, int es, const float *yf, int64_t rows) {
    for (int64_t i = 0; i < rows * mt->n_outputs; i++)
        mt->correct += (nnrt_get(out, es, i) > 0.5) == (yf[i] > 0.5f);
}

static void add_regress(Metrics *mt, const void *out, int es, const float *yf, int64_t rows) {
    for (int64_t i = 0; i < rows * mt->n_outputs; i++) {
        double scale = mt->y_std ? mt->y_std[i % mt->n_outputs] : 1.0;
        double d = (nnrt_get(out, es, i) - yf[i]) * scale;
        mt->se_sum += d * d;
        mt->ae_sum += fabs(d);
    }
}

void nnrt_metrics_add(Metrics *mt, double loss, const void *out, int elem_size, const float *yf,
                      int64_t rows) {
    mt->loss_sum += loss * (double)rows;
    mt->count += rows;
    if (mt->task == NNRT_TASK_CLASSIFY)
        add_classify(mt, out, elem_size, yf, rows);
    else if (mt->task == NNRT_TASK_BINARY)
        add_binary(mt, out, elem_size, yf, rows);
    else
        add_regress(mt, out, elem_size, yf, rows);
}

static double per_example(const Metrics *mt, double v) { return mt->count ? v / (double)mt->count : 0; }

static double per_value(const Metrics *mt, double v) {
    return mt->count ? v / (double)(mt->count * mt->n_outputs) : 0;
}

double nnrt_metrics_loss(const Metrics *mt) { return per_example(mt, mt->loss_sum); }

double nnrt_metrics_accuracy(const Metrics *mt) {
    return mt->task == NNRT_TASK_BINARY ? per_value(mt, (double)mt->correct)
                                        : per_example(mt, (double)mt->correct);
}

double nnrt_metrics_topk(const Metrics *mt) { return per_example(mt, (double)mt->topk_correct); }
double nnrt_metrics_rmse(const Metrics *mt) { return sqrt(per_value(mt, mt->se_sum)); }
double nnrt_metrics_mae(const Metrics *mt) { return per_value(mt, mt->ae_sum); }
double nnrt_metrics_mse(const Metrics *mt) { return per_value(mt, mt->se_sum); }

/* Keras progbar: 4 decimals, or scientific notation for tiny values. */
static void append_value(char *buf, size_t size, const char *prefix, const char *name, double v) {
    size_t k = strlen(buf);
    if (k >= size)
        return;
    const char *fmt = fabs(v) > 1e-3 || v == 0 ? " - %s%s: %.4f" : " - %s%s: %.4e";
    snprintf(buf + k, size - k, fmt, prefix, name, v);
}

int nnrt_metrics_list(const Metrics *mt, MetricValue out[NNRT_MAX_METRICS]) {
    int n = 0;
    out[n++] = (MetricValue){"loss", nnrt_metrics_loss(mt)};
    for (int i = 0; i < mt->n_metrics; i++) {
        MetricValue *v = &out[n++];
        switch (mt->metrics[i]) {
        case NNRT_METRIC_ACCURACY: *v = (MetricValue){"accuracy", nnrt_metrics_accuracy(mt)}; break;
        case NNRT_METRIC_TOP_K:
            snprintf(v->name, sizeof v->name, "top_%d_accuracy", mt->top_k);
            v->value = nnrt_metrics_topk(mt);
            break;
        case NNRT_METRIC_RMSE: *v = (MetricValue){"rmse", nnrt_metrics_rmse(mt)}; break;
        case NNRT_METRIC_MAE: *v = (MetricValue){"mae", nnrt_metrics_mae(mt)}; break;
        default: *v = (MetricValue){"mse", nnrt_metrics_mse(mt)}; break;
        }
    }
    return n;
}

void nnrt_metrics_format(const Metrics *mt, const char *prefix, char *buf, size_t size) {
    MetricValue v[NNRT_MAX_METRICS];
    int n = nnrt_metrics_list(mt, v);
    for (int i = 0; i < n; i++)
        append_value(buf, size, prefix, v[i].name, v[i].value);
}

static int name_width(const Metrics *mt, const char *const *names) {
    int w = 5;
    for (int64_t k = 0; names && k < mt->n_classes; k++)
        if (names[k] && (int)strlen(names[k]) > w)
            w = (int)strlen(names[k]);
    return w > 24 ? 24 : w;
}

void nnrt_metrics_print_confusion(const Metrics *mt, FILE *f, const char *const *names) {
    if (!mt->confusion || mt->count == 0)
        return;
    const int64_t K = mt->n_classes;
    int nw = name_width(mt, names), cw = 6;
    fprintf(f, "Confusion matrix (rows: true class, columns: predicted class):\n");
    fprintf(f, "%*s %-*s", 4, "", nw, "");
    for (int64_t k = 0; k < K; k++)
        fprintf(f, " %*lld", cw, (long long)k);
    fprintf(f, "  recall\n");
    for (int64_t t = 0; t < K; t++) {
        int64_t row = 0;
        /* a name is shown on one line: control characters (a newline) become spaces */
        char name[25];
        snprintf(name, sizeof name, "%s", names && names[t] ? names[t] : "");
        for (char *c = name; *c; c++)
            if ((unsigned char)*c < ' ')
                *c = ' ';
        fprintf(f, "%4lld %-*.*s", (long long)t, nw, nw, name);
        for (int64_t k = 0; k < K; k++) {
            fprintf(f, " %*lld", cw, (long long)mt->confusion[t * K + k]);
            row += mt->confusion[t * K + k];
        }
        if (row)
            fprintf(f, "  %5.1f%%\n", 100.0 * (double)mt->confusion[t * K + t] / (double)row);
        else
            fprintf(f, "       -\n");
    }
}
