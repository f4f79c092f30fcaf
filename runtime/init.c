/*
 * init.c — Keras initializers (keras.initializers) with their arguments
 * (NnrtTensor.init_options), on the fans the compiler computed:
 *
 *   VarianceScaling(scale, mode, distribution) with
 *     n = max(1, fan_in) ("fan_in"), max(1, fan_out) ("fan_out"),
 *         max(1, (fan_in + fan_out) / 2) ("fan_avg")
 *     uniform:             U(-l, l),  l = sqrt(3 * scale / n)
 *     truncated_normal:    N(0, s) redrawn beyond 2 s,  s = sqrt(scale / n) / .87962566103423978
 *     untruncated_normal:  N(0, sqrt(scale / n))
 *   The constant is the standard deviation of N(0, 1) truncated to [-2, 2]; dividing by it
 *   makes the truncated values have variance scale / n, as Keras does.
 *
 *   glorot_* = (1, fan_avg)   he_* = (2, fan_in)   lecun_* = (1, fan_in)
 *
 * RandomUniform U(minval, maxval), RandomNormal N(mean, stddev), TruncatedNormal the same
 * normal redrawn beyond mean ± 2 stddev (its stddev is the normal's before the cut, about
 * 0.88 of it after, as in Keras' random.truncated_normal: no correction there).
 *
 * Orthogonal (Saxe et al. 2014, Keras Orthogonal): the tensor is viewed as a matrix of
 * rows = size / last dim and cols = last dim; a Gaussian matrix of the taller shape is
 * orthonormalized (Gram-Schmidt, which gives the QR factor with a positive diagonal,
 * i.e. Keras' q * sign(diag(r))), transposed when rows < cols, and multiplied by gain.
 * Identity: gain on the diagonal of a 2-D tensor (Keras' gain * eye(rows, cols)).
 */
#include "init.h"

#include "rng.h"

#include <math.h>
#include <stdlib.h>

#define TRUNC_STD_CORRECTION .87962566103423978

enum { LAST_INIT = NNRT_INIT_IDENTITY };

const char *nnrt_init_name(int init) {
    static const char *const names[LAST_INIT + 1] = { /* ORDER NnrtInit */
        "zeros", "ones", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
        "lecun_uniform", "lecun_normal", "orthogonal", "uniform", "normal", "unit_forget",
        "truncated_normal", "variance_scaling", "constant", "identity",
    };
    return init >= 0 && init <= LAST_INIT ? names[init] : "unknown";
}

/* VarianceScaling's arguments: the init's own for VARIANCE_SCALING, the preset of Glorot,
 * He and LeCun, and scale 0 for the other initializers. */
typedef struct VarianceScaling {
    double scale;
    int mode, distribution;
} VarianceScaling;

static VarianceScaling variance_scaling_of(const NnrtTensor *t) {
    switch (t->init) {
    case NNRT_INIT_GLOROT_UNIFORM: return (VarianceScaling){1, NNRT_FAN_AVG, NNRT_DIST_UNIFORM};
    case NNRT_INIT_GLOROT_NORMAL:
        return (VarianceScaling){1, NNRT_FAN_AVG, NNRT_DIST_TRUNCATED_NORMAL};
    case NNRT_INIT_HE_UNIFORM: return (VarianceScaling){2, NNRT_FAN_IN, NNRT_DIST_UNIFORM};
    case NNRT_INIT_HE_NORMAL: return (VarianceScaling){2, NNRT_FAN_IN, NNRT_DIST_TRUNCATED_NORMAL};
    case NNRT_INIT_LECUN_UNIFORM: return (VarianceScaling){1, NNRT_FAN_IN, NNRT_DIST_UNIFORM};
    case NNRT_INIT_LECUN_NORMAL:
        return (VarianceScaling){1, NNRT_FAN_IN, NNRT_DIST_TRUNCATED_NORMAL};
    case NNRT_INIT_VARIANCE_SCALING:
        return (VarianceScaling){t->init_options.scale, t->init_options.mode,
                                 t->init_options.distribution};
    default: return (VarianceScaling){0, 0, 0};
    }
}

/* scale / n, Keras' variance of a VarianceScaling initializer (n at least 1). */
static double variance(const NnrtTensor *t, VarianceScaling vs) {
    double fan_in = (double)t->fan_in, fan_out = (double)t->fan_out;
    double n = vs.mode == NNRT_FAN_IN ? fan_in : vs.mode == NNRT_FAN_OUT ? fan_out
                                                                         : (fan_in + fan_out) / 2;
    return vs.scale / (n > 1 ? n : 1);
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
    int64_t cols = t->dims[t->rank - 1];
    int64_t rows = t->size / cols;
    int64_t m = rows > cols ? rows : cols, n = rows > cols ? cols : rows;
    double gain = t->init_options.gain;
    double *a = nnrt_realloc(NULL, sizeof(double) * (size_t)(m * n));
    for (int64_t i = 0; i < m * n; i++)
        a[i] = nnrt_rng_normal(rng);
    orthonormalize_columns(a, m, n);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            v[r * cols + c] = gain * (rows >= cols ? a[r * n + c] : a[c * n + r]);
    free(a);
}

/* One value of a VarianceScaling initializer of variance var. */
static double variance_scaled(int distribution, double var, Rng *rng) {
    switch (distribution) {
    case NNRT_DIST_UNIFORM: return sqrt(3 * var) * (2 * nnrt_rng_uniform(rng) - 1);
    case NNRT_DIST_UNTRUNCATED_NORMAL: return sqrt(var) * nnrt_rng_normal(rng);
    default: return sqrt(var) / TRUNC_STD_CORRECTION * nnrt_rng_truncated_normal(rng);
    }
}

static void fill(const NnrtTensor *t, double *v, Rng *rng) {
    const NnrtInitOptions *o = &t->init_options;
    VarianceScaling vs = variance_scaling_of(t);
    double var = vs.scale > 0 ? variance(t, vs) : 0;
    int64_t cols = t->rank == 2 ? t->dims[1] : 1;
    for (int64_t i = 0; i < t->size; i++) {
        switch (t->init) {
        case NNRT_INIT_ZEROS: v[i] = 0; break;
        case NNRT_INIT_ONES: v[i] = 1; break;
        case NNRT_INIT_CONSTANT: v[i] = o->value; break;
        case NNRT_INIT_IDENTITY: v[i] = i / cols == i % cols ? o->gain : 0; break;
        case NNRT_INIT_UNIFORM:
            v[i] = o->minval + (o->maxval - o->minval) * nnrt_rng_uniform(rng);
            break;
        case NNRT_INIT_NORMAL: v[i] = o->mean + o->stddev * nnrt_rng_normal(rng); break;
        case NNRT_INIT_TRUNCATED_NORMAL:
            v[i] = o->mean + o->stddev * nnrt_rng_truncated_normal(rng);
            break;
        case NNRT_INIT_UNIT_FORGET:
            /* LSTM gates are [input, forget, cell, output], u units each. */
            v[i] = i >= t->size / 4 && i < t->size / 2 ? 1 : 0;
            break;
        default: v[i] = variance_scaled(vs.distribution, var, rng); break;
        }
    }
}

/* Keras' LSTM with unit_forget_bias and a bias initializer of its own: the initializer
 * draws the input gate's u values as a tensor (u), then the cell and output gates' 2u as a
 * tensor (2u) (each with its own fans), and the forget gate's u values are ones. */
static void fill_unit_forget(const NnrtTensor *t, double *v, Rng *rng) {
    int64_t u = t->size / 4;
    NnrtTensor gates = *t;
    gates.size = gates.dims[0] = gates.fan_in = gates.fan_out = u;
    fill(&gates, v, rng);
    for (int64_t i = u; i < 2 * u; i++)
        v[i] = 1;
    gates.size = gates.dims[0] = gates.fan_in = gates.fan_out = 2 * u;
    fill(&gates, v + 2 * u, rng);
}

static bool check_options(const NnrtTensor *t, NnrtError *err) {
    const NnrtInitOptions *o = &t->init_options;
    const char *name = nnrt_init_name(t->init);
    switch (t->init) {
    case NNRT_INIT_UNIFORM:
        if (!(isfinite(o->minval) && isfinite(o->maxval) && o->minval < o->maxval))
            return nnrt_fail(err, "model tensor %s uses %s with minval %g not below maxval %g",
                             t->name, name, o->minval, o->maxval);
        return true;
    case NNRT_INIT_NORMAL: case NNRT_INIT_TRUNCATED_NORMAL:
        if (!(isfinite(o->mean) && isfinite(o->stddev) && o->stddev >= 0))
            return nnrt_fail(err, "model tensor %s uses %s with mean %g and stddev %g", t->name,
                             name, o->mean, o->stddev);
        return true;
    case NNRT_INIT_VARIANCE_SCALING:
        if (!(isfinite(o->scale) && o->scale > 0) || o->mode < NNRT_FAN_IN ||
            o->mode > NNRT_FAN_AVG || o->distribution < NNRT_DIST_TRUNCATED_NORMAL ||
            o->distribution > NNRT_DIST_UNIFORM)
            return nnrt_fail(err, "model tensor %s uses %s with scale %g, mode %d, "
                             "distribution %d", t->name, name, o->scale, o->mode,
                             o->distribution);
        return true;
    case NNRT_INIT_CONSTANT:
        if (!isfinite(o->value))
            return nnrt_fail(err, "model tensor %s uses %s with value %g", t->name, name,
                             o->value);
        return true;
    case NNRT_INIT_ORTHOGONAL: case NNRT_INIT_IDENTITY:
        if (!isfinite(o->gain))
            return nnrt_fail(err, "model tensor %s uses %s with gain %g", t->name, name,
                             o->gain);
        if (t->init == NNRT_INIT_ORTHOGONAL ? t->rank < 2 : t->rank != 2)
            return nnrt_fail(err, "model tensor %s uses %s but has rank %d", t->name, name,
                             t->rank);
        return true;
    default:
        return true;
    }
}

static bool check_tensor(const NnrtTensor *t, NnrtError *err) {
    if (t->init < 0 || t->init > LAST_INIT)
        return nnrt_fail(err, "model tensor %s has unknown initializer %d", t->name, t->init);
    if (t->init_options.seeded != 0 && t->init_options.seeded != 1)
        return nnrt_fail(err, "model tensor %s has seeded %d (0 or 1)", t->name,
                         t->init_options.seeded);
    int unit_forget = t->init_options.unit_forget;
    if ((unit_forget != 0 && unit_forget != 1) ||
        (unit_forget && (t->rank != 1 || t->size % 4 != 0 || t->size == 0)))
        return nnrt_fail(err, "model tensor %s has unit_forget %d, but it is no LSTM bias of "
                         "4 * units values", t->name, unit_forget);
    if (variance_scaling_of(t).scale > 0 && !(t->fan_in > 0 && t->fan_out > 0))
        return nnrt_fail(err, "model tensor %s uses %s but has fan_in %lld, fan_out %lld", t->name,
                         nnrt_init_name(t->init), (long long)t->fan_in, (long long)t->fan_out);
    if (t->init == NNRT_INIT_UNIT_FORGET && t->size % 4 != 0)
        return nnrt_fail(err, "model tensor %s uses unit_forget but its size %lld is not 4 * units",
                         t->name, (long long)t->size);
    return check_options(t, err);
}

bool nnrt_init_params(const NnrtModel *m, void *params, uint64_t seed, NnrtError *err) {
    for (int i = 0; i < m->n_tensors; i++) {
        const NnrtTensor *t = &m->tensors[i];
        if (!check_tensor(t, err))
            return false;
        double *v = nnrt_realloc(NULL, sizeof(double) * (size_t)(t->size > 0 ? t->size : 1));
        Rng rng;
        if (t->init_options.seeded) /* Keras' seed=: the same values whatever the run's seed */
            nnrt_rng_seed(&rng, t->init_options.seed, RNG_INIT_SEEDED, 0);
        else
            nnrt_rng_seed(&rng, seed, RNG_INIT, (uint64_t)i);
        if (t->init == NNRT_INIT_ORTHOGONAL)
            init_orthogonal(t, v, &rng);
        else if (t->init_options.unit_forget)
            fill_unit_forget(t, v, &rng);
        else
            fill(t, v, &rng);
        for (int64_t k = 0; k < t->size; k++)
            nnrt_set(params, m->elem_size, t->offset + k, v[k]);
        free(v);
    }
    return true;
}
