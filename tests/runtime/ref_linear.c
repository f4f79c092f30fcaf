/*
 * ref_linear.c — a second hand-written ABI implementation, for the regression path:
 * a linear autoregressive model over CSV time-series windows (T = 8 steps of 2 columns
 * predict column "b" one step ahead), mean squared error, plain SGD, double precision.
 * Its train block uses what the classifier does not: series windows, a chronological
 * 0.7/0.15/0.15 split, standardized inputs and targets, ReduceLROnPlateau and early
 * stopping with best-weight restoration. The data path is given with --data.
 */
#include "nnrt.h"

#define T 8
#define F 2
#define D (T * F)

static size_t lin_work_size(int64_t B) { return sizeof(double) * (size_t)B; }

static void lin_forward(NnrtCtx *c) {
    const double *x = c->x, *W = c->params, *b = (const double *)c->params + D;
    double *out = c->out;
    for (int64_t r = 0; r < c->batch; r++) {
        double z = b[0];
        for (int64_t i = 0; i < D; i++)
            z += x[r * D + i] * W[i];
        out[r] = z;
    }
}

/* Keras mse: mean over outputs (one here), then over the batch. */
static double lin_loss(NnrtCtx *c) {
    const double *out = c->out, *y = c->y;
    double *diff = c->work, sum = 0;
    for (int64_t r = 0; r < c->batch; r++) {
        diff[r] = out[r] - y[r];
        sum += diff[r] * diff[r];
    }
    return sum / (double)c->batch;
}

static void lin_backward(NnrtCtx *c) {
    const double *x = c->x, *diff = c->work;
    double *dW = c->grads, *db = (double *)c->grads + D;
    double scale = 2.0 / (double)c->batch;
    db[0] = 0;
    for (int64_t i = 0; i < D; i++)
        dW[i] = 0;
    for (int64_t r = 0; r < c->batch; r++) {
        db[0] += scale * diff[r];
        for (int64_t i = 0; i < D; i++)
            dW[i] += scale * diff[r] * x[r * D + i];
    }
}

static void lin_update(NnrtCtx *c) {
    double *p = c->params;
    const double *g = c->grads;
    for (int64_t i = 0; i < D + 1; i++)
        p[i] -= c->lr * g[i];
}

static const NnrtTensor lin_tensors[] = {
    {"linear.W", 2, {D, 1}, 0, D, 1, NNRT_INIT_GLOROT_UNIFORM, D, 1, 0, {.seeded = 0}},
    {"linear.b", 1, {1}, D, 1, 1, NNRT_INIT_ZEROS, D, 1, 0, {.seeded = 0}},
};

static const char *const inputs[F] = {"a", "b"};

const NnrtModel nnrt_model = {
    .abi_version = NNRT_ABI_VERSION,
    .name = "linear",
    .source = "tests/runtime/ref_linear.c",
    .fingerprint = 0x11,
    .elem_size = 8,
    .input_rank = 2,
    .input_dims = {T, F},
    .input_size = D,
    .n_outputs = 1,
    .task = NNRT_TASK_REGRESS,
    .loss = NNRT_LOSS_MSE,
    .tensors = lin_tensors,
    .n_tensors = 2,
    .param_size = D + 1,
    .optimizer = "sgd",
    .lr = 0.05,
    .work_size = lin_work_size,
    .forward = lin_forward,
    .loss_fn = lin_loss,
    .backward = lin_backward,
    .update = lin_update,
    .epochs = 300,
    .batch = 16,
    .seed = 42,
    .shuffle = 1,
    .verbose = 1,
    .split_train = 0.7, .split_val = 0.15, .split_test = 0.15,
    .data = {.kind = NNRT_DATA_SERIES, .features_path = "series.csv", .scale = 1, .standardize = 1,
             .csv_header = 1, .csv_label_index = -1, .series_inputs = inputs, .n_series_inputs = F,
             .series_target = "b", .window = T, .horizon = 1},
    .schedule = NNRT_SCHED_PLATEAU, .sched_factor = 0.5, .sched_patience = 2, .sched_min_lr = 1e-4,
    .early_stop_patience = 4, .early_stop_min_delta = 1e-5, .early_stop_restore_best = 1,
};
