/*
 * init.c — Keras initializers (keras.initializers), on the fans the compiler computed:
 *
 *   VarianceScaling(scale, mode, distribution) with
 *     n = fan_in ("fan_in"), (fan_in + fan_out) / 2 ("fan_avg")
 *     uniform:           U(-l, l),  l = sqrt(3 * scale / n)
 *     truncated normal:  N(0, s) redrawn beyond 2 s,  s = sqrt(scale / n) / .87962566103423978
 *   The constant is the standard deviation of N(0, 1) truncated to [-2, 2]; dividing by it
 *   makes the truncated values have variance scale / n, as Keras does.
 *
 *   glorot_* = (1, fan_avg)   he_* = (2, fan_in)   lecun_* = (1, fan_in)
 *
 * RandomUniform, RandomNormal and TruncatedNormal with Keras' defaults: U(-0.05, 0.05),
 * N(0, 0.05), and N(0, 0.05) redrawn beyond 0.1 (its stddev is the normal's before the
 * cut, about 0.044 after it, as in Keras' random.truncated_normal).
 *
 * Orthogonal (Saxe et al. 2014, Keras Orthogonal): the tensor is viewed as a matrix of
 * rows = size / last dim and cols = last dim; a Gaussian matrix of the taller shape is
 * orthonormalized (Gram-Schmidt, which gives the QR factor with a positive diagonal,
 * i.e. Keras' q * sign(diag(r))) and transposed when rows < cols.
 */
#include "init.h"

#include "rng.h"

#include <math.h>
#include <stdlib.h>

#define TRUNC_STD_CORRECTION .87962566103423978

enum { LAST_INIT = NNRT_INIT_TRUNCATED_NORMAL };

const char *nnrt_init_name(int init) {
    static const char *const names[LAST_INIT + 1] = { /* ORDER NnrtInit */
        "zeros", "ones", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
        "lecun_uniform", "lecun_normal", "orthogonal", "uniform", "normal", "unit_forget",
        "truncated_normal",
    };
    return init >= 0 && init <= LAST_INIT ? names[init] : "unknown";
}

/* scale / n for the variance-scaling family, or 0 for other initializers. */
static double variance(const NnrtTensor *t) {
    double fan_in = (double)t->fan_in, fan_avg = (double)(t->fan_in + t->fan_out) / 2;
    switch (t->init) {
    case NNRT_INIT_GLOROT_UNIFORM: case NNRT_INIT_GLOROT_NORMAL: return 1.0 / fan_avg;
    case NNRT_INIT_HE_UNIFORM: case NNRT_INIT_HE_NORMAL: return 2.0 / fan_in;
    case NNRT_INIT_LECUN_UNIFORM: case NNRT_INIT_LECUN_NORMAL: return 1.0 / fan_in;
    default: return 0;
    }
}

static bool is_uniform_family(int init) {
    return init == NNRT_INIT_GLOROT_UNIFORM || init == NNRT_INIT_HE_UNIFORM ||
           init == NNRT_INIT_LECUN_UNIFORM;
}

/* Modified Gram-Schmidt on the columns of a (m, n) row-major matrix, m >= n, applied
 * twice ("twice is enough", Giraud et al. 2005) for orthogonality to rounding level. */
static void orthonormalize_columns(double *a, int64_t m, int64_t n) {
    for (int pass = 0; pass < 2; pass++)
        for (int64_t j = 0; j < n; j++) {
            for (int64_t k = 0; k < j; k++) {
                double dot = 0;
                for (int64_t i = 0; i < m; i++)
                    dot += a[i * n + k] * a[i * n + j];
                for (int64_t i = 0; i < m; i++)
                    a[i * n + j] -= dot * a[i * n + k];
            }
            double norm = 0;
            for (int64_t i = 0; i < m; i++)
                norm += a[i * n + j] * a[i * n + j];
            norm = sqrt(norm);
            for (int64_t i = 0; i < m; i++)
                a[i * n + j] /= norm;
        }
}

static void init_orthogonal(const NnrtTensor *t, double *v, Rng *rng) {
    int64_t cols = t->rank > 0 ? t->dims[t->rank - 1] : 1;
    int64_t rows = t->size / cols;
    int64_t m = rows > cols ? rows : cols, n = rows > cols ? cols : rows;
    double *a = nnrt_realloc(NULL, sizeof(double) * (size_t)(m * n));
    for (int64_t i = 0; i < m * n; i++)
        a[i] = nnrt_rng_normal(rng);
    orthonormalize_columns(a, m, n);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            v[r * cols + c] = rows >= cols ? a[r * n + c] : a[c * n + r];
    free(a);
}

static void fill(const NnrtTensor *t, double *v, Rng *rng) {
    double var = variance(t);
    for (int64_t i = 0; i < t->size; i++) {
        switch (t->init) {
        case NNRT_INIT_ONES: v[i] = 1; break;
        case NNRT_INIT_UNIFORM: v[i] = -0.05 + 0.1 * nnrt_rng_uniform(rng); break;
        case NNRT_INIT_NORMAL: v[i] = 0.05 * nnrt_rng_normal(rng); break;
        case NNRT_INIT_TRUNCATED_NORMAL: v[i] = 0.05 * nnrt_rng_truncated_normal(rng); break;
        case NNRT_INIT_UNIT_FORGET:
            /* LSTM gates are [input, forget, cell, output], u units each. */
            v[i] = i >= t->size / 4 && i < t->size / 2 ? 1 : 0;
            break;
        default:
            if (var == 0)
                v[i] = 0;
            else if (is_uniform_family(t->init))
                v[i] = sqrt(3 * var) * (2 * nnrt_rng_uniform(rng) - 1);
            else
                v[i] = sqrt(var) / TRUNC_STD_CORRECTION * nnrt_rng_truncated_normal(rng);
        }
    }
}

static bool check_tensor(const NnrtTensor *t, NnrtError *err) {
    if (t->init < 0 || t->init > LAST_INIT)
        return nnrt_fail(err, "model tensor %s has unknown initializer %d", t->name, t->init);
    bool fan_based = t->init >= NNRT_INIT_GLOROT_UNIFORM && t->init <= NNRT_INIT_LECUN_NORMAL;
    double var = variance(t);
    if (fan_based && !(var > 0 && isfinite(var)))
        return nnrt_fail(err, "model tensor %s uses %s but has fan_in %lld, fan_out %lld", t->name,
                         nnrt_init_name(t->init), (long long)t->fan_in, (long long)t->fan_out);
    if (t->init == NNRT_INIT_UNIT_FORGET && t->size % 4 != 0)
        return nnrt_fail(err, "model tensor %s uses unit_forget but its size %lld is not 4 * units",
                         t->name, (long long)t->size);
    return true;
}

bool nnrt_init_params(const NnrtModel *m, void *params, uint64_t seed, NnrtError *err) {
    for (int i = 0; i < m->n_tensors; i++) {
        const NnrtTensor *t = &m->tensors[i];
        if (!check_tensor(t, err))
            return false;
        double *v = nnrt_realloc(NULL, sizeof(double) * (size_t)(t->size > 0 ? t->size : 1));
        Rng rng;
        nnrt_rng_seed(&rng, seed, RNG_INIT, (uint64_t)i);
        if (t->init == NNRT_INIT_ORTHOGONAL)
            init_orthogonal(t, v, &rng);
        else
            fill(t, v, &rng);
        for (int64_t k = 0; k < t->size; k++)
            nnrt_set(params, m->elem_size, t->offset + k, v[k]);
        free(v);
    }
    return true;
}
