/*
 * ref_model.c — a hand-written implementation of the nnrt ABI, standing in for code
 * that nnlc generates, so the runtime can be tested on its own. The network is
 * softmax regression on 28x28x1 images, or with REF_HIDDEN one sigmoid hidden layer
 * of REF_HIDDEN units followed by dropout (rate 0.25), trained with sparse categorical
 * cross-entropy plus an L2 penalty on the kernels.
 *
 * Build-time switches:
 *   REF_F64      double precision (default float)
 *   REF_HIDDEN   hidden units (default: none)
 *   REF_ADAM     Adam (Keras constants) instead of plain SGD
 *   REF_AUGMENT  declare flips, shifts, rotations and noise
 *   REF_BUG      a deliberately wrong backward (db of the output layer doubled)
 *
 * Every reduction runs over the batch in a fixed order inside one chunk of
 * nnrt_parallel_for, so results do not depend on the thread count.
 */
#include "nnrt.h"

#include <math.h>
#include <string.h>

#ifdef REF_F64
typedef double real;
#define EXP exp
#define LOG log
#define SQRT sqrt
#else
typedef float real;
#define EXP expf
#define LOG logf
#define SQRT sqrtf
#endif

#define D 784          /* input features */
#define K 10           /* classes */
#define L2 1e-4        /* Keras L2: loss += L2 * sum(W^2) */
#define DROP 0.25

#ifdef REF_HIDDEN
#define H REF_HIDDEN
/* params: W1 (D, H), b1 (H), W2 (H, K), b2 (K) */
#define OFF_W1 0
#define OFF_B1 (OFF_W1 + D * H)
#define OFF_W2 (OFF_B1 + H)
#define OFF_B2 (OFF_W2 + H * K)
#define N_PARAMS (OFF_B2 + K)
#define IN2 H          /* inputs of the output layer */
#else
#define H 0
#define OFF_W2 0
#define OFF_B2 (D * K)
#define N_PARAMS (OFF_B2 + K)
#define IN2 D
#endif

/* ---- workspace: (B, H) h, hd, dh, then (B, K) logp, dlogits ---- */

typedef struct Work {
    real *h, *hd, *dh;   /* (B, H) sigmoid output, after dropout, its gradient */
    real *logp;          /* (B, K) log-probabilities */
    real *dlogits;       /* (B, K) */
} Work;

static size_t ref_work_size(int64_t B) { return sizeof(real) * (size_t)B * (3 * H + 2 * K); }

static Work work_of(const NnrtCtx *c) {
    real *w = c->work;
    int64_t B = c->batch;
    Work s = {w, w + B * H, w + 2 * B * H, w + 3 * B * H, w + 3 * B * H + B * K};
    return s;
}

static const real *P(const NnrtCtx *c) { return c->params; }

/* ---- forward ---- */

static void hidden_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
#ifdef REF_HIDDEN
    const NnrtCtx *c = ctx;
    Work w = work_of(c);
    const real *x = c->x, *W1 = P(c) + OFF_W1, *b1 = P(c) + OFF_B1, *noise = c->noise;
    for (int64_t b = begin; b < end; b++)
        for (int64_t j = 0; j < H; j++) {
            real z = b1[j];
            for (int64_t i = 0; i < D; i++)
                z += x[b * D + i] * W1[i * H + j];
            real h = 1 / (1 + EXP(-z));
            w.h[b * H + j] = h;
            int keep = !c->training || noise[b * H + j] >= (real)DROP;
            w.hd[b * H + j] = c->training ? (keep ? h / (real)(1 - DROP) : 0) : h;
        }
#endif
}

static void output_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
    const NnrtCtx *c = ctx;
    Work w = work_of(c);
    const real *in = H ? w.hd : (const real *)c->x;
    const real *W2 = P(c) + OFF_W2, *b2 = P(c) + OFF_B2;
    real *out = c->out;
    for (int64_t b = begin; b < end; b++) {
        real z[K], zmax = -INFINITY, sum = 0;
        for (int64_t k = 0; k < K; k++) {
            z[k] = b2[k];
            for (int64_t i = 0; i < IN2; i++)
                z[k] += in[b * IN2 + i] * W2[i * K + k];
            zmax = z[k] > zmax ? z[k] : zmax;
        }
        for (int64_t k = 0; k < K; k++)
            sum += EXP(z[k] - zmax);
        for (int64_t k = 0; k < K; k++) {
            w.logp[b * K + k] = z[k] - zmax - LOG(sum);
            out[b * K + k] = EXP(w.logp[b * K + k]);
        }
    }
}

static void ref_forward(NnrtCtx *c) {
    if (H)
        nnrt_parallel_for(c->pool, c->batch, hidden_rows, c);
    nnrt_parallel_for(c->pool, c->batch, output_rows, c);
}

static double l2_sum(const real *p, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++)
        s += (double)p[i] * p[i];
    return s;
}

static double ref_loss(NnrtCtx *c) {
    Work w = work_of(c);
    const real *y = c->y;
    double loss = 0;
    for (int64_t b = 0; b < c->batch; b++)
        loss -= w.logp[b * K + (int64_t)y[b]];
    loss /= (double)c->batch;
    loss += L2 * l2_sum(P(c) + OFF_W2, IN2 * K);
#ifdef REF_HIDDEN
    loss += L2 * l2_sum(P(c) + OFF_W1, D * H);
#endif
    return loss;
}

/* ---- backward ---- */

/* dW2[i, k] = sum_b in[b, i] * dlogits[b, k] + 2 L2 W2[i, k], one chunk per range of i. */
static void output_weight_grads(void *ctx, int64_t begin, int64_t end, int chunk) {
    const NnrtCtx *c = ctx;
    Work w = work_of(c);
    const real *in = H ? w.hd : (const real *)c->x, *W2 = P(c) + OFF_W2;
    real *dW2 = (real *)c->grads + OFF_W2;
    for (int64_t i = begin; i < end; i++)
        for (int64_t k = 0; k < K; k++) {
            real g = 2 * (real)L2 * W2[i * K + k];
            for (int64_t b = 0; b < c->batch; b++)
                g += in[b * IN2 + i] * w.dlogits[b * K + k];
            dW2[i * K + k] = g;
        }
}

#ifdef REF_HIDDEN
/* dh[b, j] = sum_k dlogits[b, k] W2[j, k] * dropout mask / (1 - rate) * h (1 - h) */
static void hidden_grads(void *ctx, int64_t begin, int64_t end, int chunk) {
    const NnrtCtx *c = ctx;
    Work w = work_of(c);
    const real *W2 = P(c) + OFF_W2, *noise = c->noise;
    for (int64_t b = begin; b < end; b++)
        for (int64_t j = 0; j < H; j++) {
            real g = 0;
            for (int64_t k = 0; k < K; k++)
                g += w.dlogits[b * K + k] * W2[j * K + k];
            real h = w.h[b * H + j];
            real mask = !c->training ? 1 : noise[b * H + j] >= (real)DROP ? (real)(1 / (1 - DROP)) : 0;
            w.dh[b * H + j] = g * mask * h * (1 - h);
        }
}

static void hidden_weight_grads(void *ctx, int64_t begin, int64_t end, int chunk) {
    const NnrtCtx *c = ctx;
    Work w = work_of(c);
    const real *x = c->x, *W1 = P(c) + OFF_W1;
    real *dW1 = (real *)c->grads + OFF_W1;
    for (int64_t i = begin; i < end; i++)
        for (int64_t j = 0; j < H; j++) {
            real g = 2 * (real)L2 * W1[i * H + j];
            for (int64_t b = 0; b < c->batch; b++)
                g += x[b * D + i] * w.dh[b * H + j];
            dW1[i * H + j] = g;
        }
}
#endif

static void bias_grads(const real *d, int64_t B, int64_t n, real *db) {
    for (int64_t j = 0; j < n; j++) {
        real g = 0;
        for (int64_t b = 0; b < B; b++)
            g += d[b * n + j];
        db[j] = g;
    }
}

static void ref_backward(NnrtCtx *c) {
    Work w = work_of(c);
    const real *y = c->y, *out = c->out;
    real inv_b = (real)1 / (real)c->batch;
    for (int64_t b = 0; b < c->batch; b++)
        for (int64_t k = 0; k < K; k++)
            w.dlogits[b * K + k] = (out[b * K + k] - (k == (int64_t)y[b])) * inv_b;
    nnrt_parallel_for(c->pool, IN2, output_weight_grads, c);
    bias_grads(w.dlogits, c->batch, K, (real *)c->grads + OFF_B2);
#ifdef REF_BUG
    ((real *)c->grads)[OFF_B2 + 3] *= 2;
#endif
#ifdef REF_HIDDEN
    nnrt_parallel_for(c->pool, c->batch, hidden_grads, c);
    nnrt_parallel_for(c->pool, D, hidden_weight_grads, c);
    bias_grads(w.dh, c->batch, H, (real *)c->grads + OFF_B1);
#endif
}

/* ---- update ---- */

static void update_range(void *ctx, int64_t begin, int64_t end, int chunk) {
    const NnrtCtx *c = ctx;
    real *p = c->params;
    const real *g = c->grads;
#ifdef REF_ADAM
    /* Keras Adam: beta1 0.9, beta2 0.999, epsilon 1e-7 ("epsilon hat" form). */
    real *m = c->opt_state, *v = (real *)c->opt_state + N_PARAMS;
    double t = (double)c->step;
    real lr_t = (real)(c->lr * sqrt(1 - pow(0.999, t)) / (1 - pow(0.9, t)));
    for (int64_t i = begin; i < end; i++) {
        m[i] = (real)0.9 * m[i] + (real)0.1 * g[i];
        v[i] = (real)0.999 * v[i] + (real)0.001 * g[i] * g[i];
        p[i] -= lr_t * m[i] / (SQRT(v[i]) + (real)1e-7);
    }
#else
    for (int64_t i = begin; i < end; i++)
        p[i] -= (real)c->lr * g[i];
#endif
}

static void ref_update(NnrtCtx *c) { nnrt_parallel_for(c->pool, N_PARAMS, update_range, c); }

/* ---- description ---- */

static const NnrtTensor ref_tensors[] = {
#ifdef REF_HIDDEN
    {"hidden.W", 2, {D, H}, OFF_W1, D * H, 1, NNRT_INIT_GLOROT_UNIFORM, D, H, L2, {.seeded = 0}},
    {"hidden.b", 1, {H}, OFF_B1, H, 1, NNRT_INIT_ZEROS, D, H, 0, {.seeded = 0}},
#endif
    {"dense.W", 2, {IN2, K}, OFF_W2, IN2 * K, 1, NNRT_INIT_GLOROT_UNIFORM, IN2, K, L2,
     {.seeded = 0}},
    {"dense.b", 1, {K}, OFF_B2, K, 1, NNRT_INIT_ZEROS, IN2, K, 0, {.seeded = 0}},
};

static const char *const class_names[K] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

#define FASHION "/usr/share/datasets/fashion-mnist/"

const NnrtModel nnrt_model = {
    .abi_version = NNRT_ABI_VERSION,
    .name = "ref",
    .source = "tests/runtime/ref_model.c",
#ifdef REF_HIDDEN
    .fingerprint = 0x5ef0000000000000ULL + H,
#else
    .fingerprint = 0x5ef0000000000000ULL,
#endif
    .elem_size = sizeof(real),
    .input_rank = 3,
    .input_dims = {28, 28, 1},
    .input_size = D,
    .n_outputs = K,
    .task = NNRT_TASK_CLASSIFY,
    .loss = NNRT_LOSS_SPARSE_CATEGORICAL_CE,
    .n_classes = K,
    .class_names = class_names,
    .tensors = ref_tensors,
    .n_tensors = (int)(sizeof ref_tensors / sizeof ref_tensors[0]),
    .param_size = N_PARAMS,
#ifdef REF_ADAM
    .opt_state_size = 2 * N_PARAMS,
    .optimizer = "adam",
    .lr = 0.001,
#else
    .opt_state_size = 0,
    .optimizer = "sgd",
    .lr = 0.1,
#endif
    .noise_per_example = H,
    .work_size = ref_work_size,
    .forward = ref_forward,
    .loss_fn = ref_loss,
    .backward = ref_backward,
    .update = ref_update,
    .epochs = 1,
    .batch = 32,
    .seed = 42,
    .shuffle = 1,
    .verbose = 1,
#ifdef REF_HIDDEN
    .validation_split = 0.1,
#endif
    .data = {NNRT_DATA_IDX, FASHION "train-images-idx3-ubyte.gz", FASHION "train-labels-idx1-ubyte.gz",
             1.0 / 255, 0, 0, 0, NULL, 0, NULL, 0, NULL, 0, 0},
    .test = {NNRT_DATA_IDX, FASHION "t10k-images-idx3-ubyte.gz", FASHION "t10k-labels-idx1-ubyte.gz",
             1.0 / 255, 0, 0, 0, NULL, 0, NULL, 0, NULL, 0, 0},
#ifdef REF_AUGMENT
    .augment = {1, 0, 0.1, 10, 0.01},
#endif
};
