/*
 * gradcheck.c — --gradcheck: the generated backward against central finite differences.
 *
 * On the first NNRT_GRADCHECK_BATCH training examples, with training = 1 and one fixed
 * dropout noise buffer (so the loss is a deterministic function of the parameters):
 *   analytic  a_i = grads[i] after forward, loss_fn, backward
 *   numeric   n_i = (L(p_i + h) - L(p_i - h)) / (2h)    h = 1e-6 (f64), 1e-3 (f32)
 *   error     e_i = |a_i - n_i| / max(|a_i| + |n_i|, 1)
 * The denominator makes e_i a relative error for gradients of magnitude 1 and more and
 * an absolute one below: finite differences carry an absolute rounding error of about
 * eps * |L| / h (1e-10 in f64, 1e-4 in f32), so a relative error of tiny gradients
 * measures rounding noise, not the backward pass. Tensors of up to 2000 elements are
 * checked entirely, larger ones on 200 elements drawn with the seed. grads is filled
 * with NaN before backward, so an element backward forgets to write fails the check.
 */
#include "trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FULL_CHECK_LIMIT 2000
#define SAMPLE_SIZE 200

typedef struct Worst {
    double error, analytic, numeric;
    int64_t index;
} Worst;

static double loss_at(Trainer *t) {
    t->m->forward(&t->ctx);
    return t->m->loss_fn(&t->ctx);
}

static double numeric_grad(Trainer *t, int64_t i, double h) {
    const int es = t->m->elem_size;
    double p = nnrt_get(t->params, es, i);
    nnrt_set(t->params, es, i, p + h);
    double up = nnrt_get(t->params, es, i); /* the step actually taken after rounding */
    double l_up = loss_at(t);
    nnrt_set(t->params, es, i, p - h);
    double down = nnrt_get(t->params, es, i);
    double l_down = loss_at(t);
    nnrt_set(t->params, es, i, p);
    return (l_up - l_down) / (up - down);
}

/* Element indices of tensor k to check: all, or a seeded sample without repeats. */
static int64_t pick_elements(const NnrtTensor *tn, int k, uint64_t seed, int64_t *idx) {
    if (tn->size <= FULL_CHECK_LIMIT) {
        for (int64_t i = 0; i < tn->size; i++)
            idx[i] = i;
        return tn->size;
    }
    Rng rng;
    nnrt_rng_seed(&rng, seed, RNG_GRADCHECK, (uint64_t)k + 1);
    for (int64_t j = 0; j < SAMPLE_SIZE; j++) {
        bool repeat;
        do {
            idx[j] = (int64_t)nnrt_rng_below(&rng, (uint64_t)tn->size);
            repeat = false;
            for (int64_t q = 0; q < j; q++)
                repeat |= idx[q] == idx[j];
        } while (repeat);
    }
    return SAMPLE_SIZE;
}

static Worst check_tensor(Trainer *t, int k, const double *analytic, int64_t *idx, double h) {
    const NnrtTensor *tn = &t->m->tensors[k];
    Worst w = {0, 0, 0, -1};
    int64_t n = pick_elements(tn, k, t->state.seed, idx);
    for (int64_t j = 0; j < n; j++) {
        double a = analytic[tn->offset + idx[j]];
        double num = numeric_grad(t, tn->offset + idx[j], h);
        double e = fabs(a - num) / fmax(fabs(a) + fabs(num), 1.0);
        if (isnan(e))
            e = INFINITY; /* NaN must fail, and NaN > x is false */
        if (w.index < 0 || e > w.error)
            w = (Worst){e, a, num, idx[j]};
    }
    return w;
}

static bool prepare_batch(Trainer *t, DataLoader *dl, NnrtError *err) {
    int64_t rows = t->data.train.n < NNRT_GRADCHECK_BATCH ? t->data.train.n : NNRT_GRADCHECK_BATCH;
    if (rows == 0)
        return nnrt_fail(err, "gradcheck needs training examples");
    nnrt_loader_init(dl, &t->data.train, t->m, rows, false, NULL, t->state.seed);
    rows = nnrt_loader_next(dl);
    Rng rng;
    nnrt_rng_seed(&rng, t->state.seed, RNG_GRADCHECK, 0);
    nnrt_trainer_fill_noise(t, &rng, rows);
    t->ctx.x = dl->x;
    t->ctx.y = dl->y;
    t->ctx.batch = rows;
    t->ctx.training = 1;
    t->ctx.step = 1;
    t->ctx.lr = t->opt->lr;
    return true;
}

/* One forward/backward; returns the analytic gradient as doubles. */
static double *analytic_grads(Trainer *t, double *loss) {
    const NnrtModel *m = t->m;
    for (int64_t i = 0; i < m->param_size; i++)
        nnrt_set(t->grads, m->elem_size, i, NAN);
    *loss = loss_at(t);
    m->backward(&t->ctx);
    double *g = malloc(sizeof(double) * (size_t)(m->param_size > 0 ? m->param_size : 1));
    for (int64_t i = 0; i < m->param_size; i++)
        g[i] = nnrt_get(t->grads, m->elem_size, i);
    return g;
}

int nnrt_gradcheck(Trainer *t, double tolerance, FILE *out, NnrtError *err) {
    const NnrtModel *m = t->m;
    double h = m->elem_size == 8 ? 1e-6 : 1e-3;
    DataLoader dl;
    if (!prepare_batch(t, &dl, err))
        return -1;
    double loss;
    double *analytic = analytic_grads(t, &loss);
    int64_t *idx = malloc(sizeof(int64_t) * (FULL_CHECK_LIMIT > SAMPLE_SIZE ? FULL_CHECK_LIMIT : SAMPLE_SIZE));
    fprintf(out, "gradcheck: %lld examples, loss %.6g, h = %g, tolerance %g (%s)\n",
            (long long)t->ctx.batch, loss, h, tolerance, m->elem_size == 8 ? "f64" : "f32");
    int failed = 0, checked = 0;
    double worst_all = 0;
    for (int k = 0; k < m->n_tensors && isfinite(loss); k++) {
        const NnrtTensor *tn = &m->tensors[k];
        if (!tn->trainable || tn->size == 0)
            continue;
        Worst w = check_tensor(t, k, analytic, idx, h);
        bool ok = w.error <= tolerance;
        failed += !ok;
        checked++;
        worst_all = fmax(worst_all, w.error);
        fprintf(out, "  %-28s %8lld of %-8lld max error %.3e  (element %lld: backward %.9g, "
                "numeric %.9g)%s\n", tn->name, (long long)(tn->size <= FULL_CHECK_LIMIT ? tn->size : SAMPLE_SIZE),
                (long long)tn->size, w.error, (long long)w.index, w.analytic, w.numeric, ok ? "" : "  FAIL");
    }
    free(idx);
    free(analytic);
    nnrt_loader_free(&dl);
    if (!isfinite(loss))
        return nnrt_fail(err, "gradcheck: the loss is %g on the first examples", loss), -1;
    if (failed)
        fprintf(out, "gradcheck: FAILED: %d of %d tensors exceed the tolerance %g\n", failed, checked, tolerance);
    else
        fprintf(out, "gradcheck: passed: %d tensors, max error %.3e <= %g\n", checked, worst_all, tolerance);
    return failed ? 1 : 0;
}
