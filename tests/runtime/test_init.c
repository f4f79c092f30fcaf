/*
 * test_init.c — the runtime's initializers (runtime/init.c) against Keras' definitions:
 * each drawn on a tensor of 10^5 values or more, whose mean, standard deviation, bounds
 * and tails must match the initializer's arguments within a few standard errors (the
 * tolerances are stated at each check; a default argument in place of the one given, such
 * as stddev 0.05 for 0.01, fails them by far). Also what a seed= fixes, and the tensor
 * descriptions the runtime refuses.
 */
#include "check.h"
#include "init.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRUNC_STD .87962566103423978 /* stddev of N(0, 1) cut at ±2 */

/* Keras' default arguments, as nnlc writes them into every tensor. */
static NnrtInitOptions keras_defaults(void) {
    return (NnrtInitOptions){.mean = 0, .stddev = 0.05, .minval = -0.05, .maxval = 0.05,
                             .value = 0, .gain = 1, .scale = 1, .mode = NNRT_FAN_IN,
                             .distribution = NNRT_DIST_TRUNCATED_NORMAL};
}

/* A tensor of shape dims (rank 1 to 4) at offset 0, with Keras' fans (compute_fans: a
 * kernel (..., in, out) multiplies both by its receptive field). */
static NnrtTensor tensor(int init, NnrtInitOptions o, int rank, const int64_t *dims) {
    NnrtTensor t = {.name = "t", .rank = rank, .trainable = 1, .init = init, .init_options = o};
    t.size = 1;
    for (int i = 0; i < rank; i++)
        t.dims[i] = dims[i], t.size *= dims[i];
    int64_t field = t.size / (rank >= 2 ? dims[rank - 2] * dims[rank - 1] : 1);
    t.fan_in = rank >= 2 ? dims[rank - 2] * field : dims[0];
    t.fan_out = rank >= 2 ? dims[rank - 1] * field : dims[0];
    return t;
}

/* Initializes the tensors (laid out one after the other) with the run's seed. */
static double *draw_all(NnrtTensor *t, int n, uint64_t seed, NnrtError *err) {
    int64_t size = 0;
    for (int i = 0; i < n; i++)
        t[i].offset = size, size += t[i].size;
    NnrtModel m = {.abi_version = NNRT_ABI_VERSION, .elem_size = 8, .tensors = t,
                   .n_tensors = n, .param_size = size};
    double *p = calloc((size_t)size, sizeof(double));
    if (!nnrt_init_params(&m, p, seed, err)) {
        free(p);
        return NULL;
    }
    return p;
}

static double *draw(int init, NnrtInitOptions o, int rank, const int64_t *dims) {
    NnrtTensor t = tensor(init, o, rank, dims);
    NnrtError err = {0};
    double *p = draw_all(&t, 1, 3, &err);
    check(p != NULL, "draw", __FILE__, __LINE__, "%s", err.msg);
    return p ? p : calloc(1, sizeof(double));
}

typedef struct Stats {
    double mean, stddev, min, max;
    double beyond; /* the fraction of values farther than `cut` from `center` */
} Stats;

static Stats stats_of(const double *v, int64_t n, double center, double cut) {
    Stats s = {0, 0, INFINITY, -INFINITY, 0};
    double sum = 0, sum2 = 0;
    int64_t beyond = 0;
    for (int64_t i = 0; i < n; i++) {
        sum += v[i];
        s.min = fmin(s.min, v[i]), s.max = fmax(s.max, v[i]);
        beyond += fabs(v[i] - center) > cut;
    }
    s.mean = sum / (double)n;
    for (int64_t i = 0; i < n; i++)
        sum2 += (v[i] - s.mean) * (v[i] - s.mean);
    s.stddev = sqrt(sum2 / (double)n);
    s.beyond = (double)beyond / (double)n;
    return s;
}

/* The share of N(0, 1) beyond ±2: a normal that is not truncated has it, a truncated one
 * none; with 10^5 values its standard error is 0.0007, so ±0.004 is over 5 of them. */
#define NORMAL_BEYOND_2 0.0455

static const int64_t big2[] = {1000, 100}; /* 10^5 values */

/* The Glorot, He and LeCun presets (VarianceScaling on the fans), Orthogonal with gain 1,
 * and the LSTM bias's unit_forget. */
static void test_presets(void) {
    NnrtInitOptions d = keras_defaults();
    int64_t k[] = {300, 200}, h[] = {400, 100}, o[] = {8, 5}, f[] = {12};
    NnrtTensor t[] = {
        tensor(NNRT_INIT_GLOROT_UNIFORM, d, 2, k), tensor(NNRT_INIT_HE_NORMAL, d, 2, h),
        tensor(NNRT_INIT_ORTHOGONAL, d, 2, o), tensor(NNRT_INIT_UNIT_FORGET, d, 1, f),
    };
    NnrtError err = {0};
    double *p = draw_all(t, 4, 3, &err);
    ASSERT_TRUE(p != NULL);
    if (!p)
        return;
    double limit = sqrt(6.0 / 500);
    Stats g = stats_of(p, 60000, 0, limit);
    ASSERT_TRUE(fmax(-g.min, g.max) <= limit && fmax(-g.min, g.max) > 0.99 * limit);
    /* truncated normal with Keras' correction: variance 2 / fan_in, |x| <= 2 s */
    double s = sqrt(2.0 / 400) / TRUNC_STD;
    Stats he = stats_of(p + 60000, 40000, 0, 2 * s);
    ASSERT_NEAR(2.0 / 400, he.stddev * he.stddev, 0.03 * 2.0 / 400);
    ASSERT(0, he.beyond * 40000);
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++) {
            double dot = 0;
            for (int r = 0; r < 8; r++)
                dot += p[100000 + r * 5 + a] * p[100000 + r * 5 + b];
            ASSERT_NEAR(a == b ? 1 : 0, dot, 1e-12);
        }
    for (int i = 0; i < 12; i++)
        ASSERT_NEAR(i >= 3 && i < 6 ? 1 : 0, p[100040 + i], 0);
    free(p);
    t[0].fan_in = 0, t[0].fan_out = 0;
    ASSERT_TRUE(!draw_all(t, 4, 3, &err));
    ASSERT_CONTAINS(err.msg, "t uses glorot_uniform but has fan_in 0");
}

/* RandomUniform, RandomNormal and TruncatedNormal with Keras' defaults (the aliases
 * "uniform", an embedding's default, and "normal"): U(-0.05, 0.05), N(0, 0.05), not
 * truncated, and N(0, 0.05) redrawn beyond 0.1. */
static void test_random_defaults(void) {
    NnrtInitOptions d = keras_defaults();
    double *u = draw(NNRT_INIT_UNIFORM, d, 2, big2);
    Stats su = stats_of(u, 100000, 0, 0.05);
    /* every value in [-0.05, 0.05), both ends reached, and the variance 0.1^2 / 12 */
    ASSERT_TRUE(su.min >= -0.05 && su.min < -0.0499 && su.max < 0.05 && su.max > 0.0499);
    ASSERT_NEAR(0, su.mean, 0.001);
    ASSERT_NEAR(0.01 / 12, su.stddev * su.stddev, 0.02 * 0.01 / 12);
    double *n = draw(NNRT_INIT_NORMAL, d, 2, big2);
    Stats sn = stats_of(n, 100000, 0, 0.1);
    ASSERT_NEAR(0, sn.mean, 0.001);
    ASSERT_NEAR(0.05, sn.stddev, 0.02 * 0.05);
    ASSERT_NEAR(NORMAL_BEYOND_2, sn.beyond, 0.004);
    double *t = draw(NNRT_INIT_TRUNCATED_NORMAL, d, 2, big2);
    Stats st = stats_of(t, 100000, 0, 0.1);
    /* Keras' stddev is the normal's before the cut: .8796 of it after */
    ASSERT_TRUE(st.beyond == 0 && fmax(-st.min, st.max) > 0.099);
    ASSERT_NEAR(0, st.mean, 0.001);
    ASSERT_NEAR(0.05 * TRUNC_STD, st.stddev, 0.02 * 0.05);
    free(u), free(n), free(t);
}

/* The same with arguments: the values must follow them, not the defaults. Tolerances:
 * the mean within 6 standard errors (stddev / 316), the stddev within 2% (its standard
 * error is 0.2%). */
static void test_random_options(void) {
    NnrtInitOptions o = keras_defaults();
    o.mean = 0.5, o.stddev = 0.01; /* RandomNormal(mean=0.5, stddev=0.01) */
    double *n = draw(NNRT_INIT_NORMAL, o, 2, big2);
    Stats sn = stats_of(n, 100000, 0.5, 0.02);
    ASSERT_NEAR(0.5, sn.mean, 0.0002);
    ASSERT_NEAR(0.01, sn.stddev, 0.0002);
    ASSERT_NEAR(NORMAL_BEYOND_2, sn.beyond, 0.004); /* not truncated */

    o = keras_defaults();
    o.mean = -1, o.stddev = 0.02; /* TruncatedNormal(mean=-1, stddev=0.02) */
    double *t = draw(NNRT_INIT_TRUNCATED_NORMAL, o, 2, big2);
    Stats st = stats_of(t, 100000, -1, 0.04);
    ASSERT(0, st.beyond * 100000); /* redrawn beyond 2 stddev */
    ASSERT_TRUE(st.min < -1.0399 && st.max > -0.9601);
    ASSERT_NEAR(-1, st.mean, 0.0004);
    ASSERT_NEAR(0.02 * TRUNC_STD, st.stddev, 0.02 * 0.02 * TRUNC_STD);

    o = keras_defaults();
    o.minval = -0.1, o.maxval = 0.3; /* RandomUniform(-0.1, 0.3) */
    double *u = draw(NNRT_INIT_UNIFORM, o, 2, big2);
    Stats su = stats_of(u, 100000, 0.1, 0.2);
    ASSERT_TRUE(su.min >= -0.1 && su.min < -0.0999 && su.max < 0.3 && su.max > 0.2999);
    ASSERT_NEAR(0.1, su.mean, 0.002);
    ASSERT_NEAR(0.4 / sqrt(12), su.stddev, 0.02 * 0.4 / sqrt(12));
    free(n), free(t), free(u);
}

/* VarianceScaling(scale, mode, distribution) on dense and convolution kernels: n is the
 * fan the mode names (a kernel (kh, kw, in, out) has fan_in kh·kw·in, fan_out kh·kw·out),
 * the variance scale / n whatever the distribution. */
static void test_variance_scaling(void) {
    NnrtInitOptions o = keras_defaults();
    o.scale = 2, o.mode = NNRT_FAN_OUT, o.distribution = NNRT_DIST_UNIFORM;
    int64_t dense[] = {300, 400}; /* fan_in 300, fan_out 400: limit sqrt(3·2/400) */
    double *u = draw(NNRT_INIT_VARIANCE_SCALING, o, 2, dense);
    double limit = sqrt(6.0 / 400);
    Stats su = stats_of(u, 120000, 0, limit);
    ASSERT_TRUE(su.beyond == 0 && fmax(-su.min, su.max) > 0.999 * limit);
    ASSERT_NEAR(2.0 / 400, su.stddev * su.stddev, 0.02 * 2.0 / 400);

    o.scale = 0.5, o.mode = NNRT_FAN_AVG, o.distribution = NNRT_DIST_TRUNCATED_NORMAL;
    int64_t conv[] = {5, 5, 64, 128}; /* fan_in 1600, fan_out 3200, fan_avg 2400 */
    double *t = draw(NNRT_INIT_VARIANCE_SCALING, o, 4, conv);
    double var = 0.5 / 2400, cut = 2 * sqrt(var) / TRUNC_STD;
    Stats st = stats_of(t, 204800, 0, cut);
    ASSERT_TRUE(st.beyond == 0 && fmax(-st.min, st.max) > 0.99 * cut);
    ASSERT_NEAR(var, st.stddev * st.stddev, 0.03 * var); /* the correction: variance scale / n */

    o.scale = 3, o.mode = NNRT_FAN_IN, o.distribution = NNRT_DIST_UNTRUNCATED_NORMAL;
    int64_t in[] = {400, 250};
    double *n = draw(NNRT_INIT_VARIANCE_SCALING, o, 2, in);
    Stats sn = stats_of(n, 100000, 0, 2 * sqrt(3.0 / 400));
    ASSERT_NEAR(3.0 / 400, sn.stddev * sn.stddev, 0.03 * 3.0 / 400);
    ASSERT_NEAR(NORMAL_BEYOND_2, sn.beyond, 0.004);
    free(u), free(t), free(n);
}

/* Constant(value), Identity(gain) on a matrix that is not square, Orthogonal(gain). */
static void test_constant_identity_gain(void) {
    NnrtInitOptions o = keras_defaults();
    o.value = 0.1;
    int64_t dims[] = {30, 20};
    double *c = draw(NNRT_INIT_CONSTANT, o, 2, dims);
    int off = 0;
    for (int i = 0; i < 600; i++)
        off += c[i] != 0.1;
    ASSERT(0, off);
    o = keras_defaults();
    o.gain = 2;
    int64_t wide[] = {5, 7};
    double *id = draw(NNRT_INIT_IDENTITY, o, 2, wide);
    off = 0;
    for (int r = 0; r < 5; r++)
        for (int k = 0; k < 7; k++)
            off += id[r * 7 + k] != (r == k ? 2 : 0);
    ASSERT(0, off);
    o.gain = 3;
    int64_t tall[] = {8, 5};
    double *q = draw(NNRT_INIT_ORTHOGONAL, o, 2, tall);
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++) {
            double dot = 0;
            for (int r = 0; r < 8; r++)
                dot += q[r * 5 + a] * q[r * 5 + b];
            ASSERT_NEAR(a == b ? 9 : 0, dot, 1e-11);
        }
    free(c), free(id), free(q);
}

/* An LSTM bias with Keras' unit_forget_bias and an initializer of its own: ones on the
 * forget gate [u, 2u), the initializer's values on the other three. */
static void test_unit_forget(void) {
    NnrtInitOptions o = keras_defaults();
    o.value = 0.1, o.unit_forget = 1;
    int64_t small[] = {12}, big[] = {4 * 25000};
    double *c = draw(NNRT_INIT_CONSTANT, o, 1, small);
    int off = 0;
    for (int i = 0; i < 12; i++)
        off += c[i] != (i >= 3 && i < 6 ? 1 : 0.1);
    ASSERT(0, off);
    o = keras_defaults();
    o.stddev = 0.01, o.unit_forget = 1; /* RandomNormal(stddev=0.01) */
    double *n = draw(NNRT_INIT_NORMAL, o, 1, big);
    off = 0;
    for (int i = 25000; i < 50000; i++)
        off += n[i] != 1;
    ASSERT(0, off);
    memmove(n + 25000, n + 50000, 50000 * sizeof(double)); /* i, c, o together */
    Stats sn = stats_of(n, 75000, 0, 0.02);
    ASSERT_NEAR(0.01, sn.stddev, 0.0002);
    ASSERT_NEAR(0, sn.mean, 0.0002);
    free(c), free(n);
}

static int64_t count_differing(const double *a, const double *b, int64_t n) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        k += a[i] != b[i];
    return k;
}

/* Keras' seed=: a seeded initializer gives the same values whatever the run's seed and
 * wherever its tensor is, and two of the same seed and shape give the same values (as
 * Keras' initializers seeded with an integer do); another seed, other values. */
static void test_seeded(void) {
    NnrtInitOptions seeded = keras_defaults(), other = keras_defaults();
    seeded.seeded = 1, seeded.seed = 42;
    other.seeded = 1, other.seed = 43;
    int64_t dims[] = {50, 40};
    NnrtInitOptions d = keras_defaults();
    NnrtTensor t[] = {
        tensor(NNRT_INIT_GLOROT_UNIFORM, seeded, 2, dims),
        tensor(NNRT_INIT_GLOROT_UNIFORM, d, 2, dims),
        tensor(NNRT_INIT_GLOROT_UNIFORM, seeded, 2, dims),
        tensor(NNRT_INIT_GLOROT_UNIFORM, other, 2, dims),
    };
    NnrtError err = {0};
    double *a = draw_all(t, 4, 3, &err), *b = draw_all(t, 4, 99, &err);
    ASSERT_TRUE(a && b);
    if (!a || !b)
        return;
    ASSERT(0, count_differing(a, b, 2000));           /* run seeds 3 and 99 */
    ASSERT(0, count_differing(a, a + 4000, 2000));    /* tensors 0 and 2 */
    ASSERT(2000, count_differing(a + 2000, b + 2000, 2000)); /* unseeded: the run's seed */
    ASSERT(2000, count_differing(a, a + 6000, 2000)); /* seed 42 and 43 */
    free(a), free(b);
    seeded.stddev = 0.01; /* RandomNormal(stddev=0.01, seed=42): still its arguments */
    double *n = draw(NNRT_INIT_NORMAL, seeded, 2, big2);
    Stats sn = stats_of(n, 100000, 0, 0.02);
    ASSERT_NEAR(0.01, sn.stddev, 0.0002);
    free(n);
}

/* Arguments out of their range and shapes an initializer does not fit: refused, naming
 * the tensor (nnlc refuses them in the source first). */
static void refused(int init, NnrtInitOptions o, int rank, const int64_t *dims,
                    const char *message) {
    NnrtTensor t = tensor(init, o, rank, dims);
    NnrtError err = {0};
    double *p = draw_all(&t, 1, 3, &err);
    ASSERT_TRUE(p == NULL);
    free(p);
    ASSERT_CONTAINS(err.msg, message);
}

static void test_refused(void) {
    int64_t m[] = {4, 3}, v[] = {4}, conv[] = {3, 3, 1, 2};
    NnrtInitOptions o = keras_defaults();
    o.minval = 0.1, o.maxval = 0.1;
    refused(NNRT_INIT_UNIFORM, o, 2, m, "t uses uniform with minval 0.1 not below maxval 0.1");
    refused(NNRT_INIT_UNIFORM, (NnrtInitOptions){0}, 2, m, "minval 0 not below maxval 0");
    o = keras_defaults();
    o.stddev = -0.01;
    refused(NNRT_INIT_TRUNCATED_NORMAL, o, 2, m, "with mean 0 and stddev -0.01");
    o = keras_defaults();
    o.scale = 0;
    refused(NNRT_INIT_VARIANCE_SCALING, o, 2, m, "with scale 0, mode 0, distribution 0");
    o.scale = 1, o.mode = 3;
    refused(NNRT_INIT_VARIANCE_SCALING, o, 2, m, "with scale 1, mode 3");
    o = keras_defaults();
    refused(NNRT_INIT_IDENTITY, o, 4, conv, "t uses identity but has rank 4");
    refused(NNRT_INIT_IDENTITY, o, 1, v, "t uses identity but has rank 1");
    refused(NNRT_INIT_ORTHOGONAL, o, 1, v, "t uses orthogonal but has rank 1");
    o.seeded = 2;
    refused(NNRT_INIT_ZEROS, o, 1, v, "t has seeded 2 (0 or 1)");
    o = keras_defaults();
    o.unit_forget = 1;
    int64_t six[] = {6};
    refused(NNRT_INIT_ZEROS, o, 1, six, "t has unit_forget 1, but it is no LSTM bias");
    refused(NNRT_INIT_ZEROS, o, 2, m, "t has unit_forget 1, but it is no LSTM bias");
}

int main(void) {
    if (!check_begin("nnrt_init"))
        return 1;
    test_presets();
    test_random_defaults();
    test_random_options();
    test_variance_scaling();
    test_constant_identity_gain();
    test_unit_forget();
    test_seeded();
    test_refused();
    return check_end();
}
