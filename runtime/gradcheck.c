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
 *
 * A kink of the loss within h of p_i (a ReLU or max-pool input at its switching point,
 * common with zero biases over the zero background of images) makes the central
 * difference the average of two slopes, which matches neither. Such an element is
 * recognized by its one-sided differences (L(p_i + h) - L(p_i)) / h and
 * (L(p_i) - L(p_i - h)) / h disagreeing beyond the tolerance while the backward pass
 * agrees with one of them; it is then checked against that one (or, with kinks on both
 * sides, must lie between the two), and counted. To make kinks rare in the first place,
 * every trainable parameter is first moved by a seeded uniform amount of up to
 * NUDGE_STEPS·h: a model's zero biases over an image's zero background would otherwise
 * put whole feature maps exactly at ReLU's switching point. In f64 an element that fails
 * at h is measured again at h/10 and h/100 first. In f32 the check is approximate: its
 * rounding error forbids smaller steps, and after a batch normalization a step of 1e-3
 * moves so many ReLU inputs across 0 that a correct model can fail; a failure says that
 * the check to trust is an f64 trainer's.
 */
#include "trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FULL_CHECK_LIMIT 2000
#define SAMPLE_SIZE 200
#define NUDGE_STEPS_F64 100 /* nudges of 1e-4 in f64 */
#define NUDGE_STEPS_F32 10  /* and of 1e-2 in f32, where h is 1e-3 */

/* Moves every trainable parameter by U(-1, 1)·steps·h, the same for every run. */
static void nudge_params(Trainer *t, double h) {
    const NnrtModel *m = t->m;
    double amount = h * (m->elem_size == 8 ? NUDGE_STEPS_F64 : NUDGE_STEPS_F32);
    Rng rng;
    nnrt_rng_seed(&rng, t->state.seed, RNG_GRADCHECK, (uint64_t)m->n_tensors + 1);
    for (int k = 0; k < m->n_tensors; k++) {
        const NnrtTensor *tn = &m->tensors[k];
        if (!tn->trainable)
            continue;
        for (int64_t i = tn->offset; i < tn->offset + tn->size; i++) {
            double nudge = amount * (2 * nnrt_rng_uniform(&rng) - 1);
            nnrt_set(t->params, m->elem_size, i, nnrt_get(t->params, m->elem_size, i) + nudge);
        }
    }
}

typedef struct Worst {
    double error, analytic, numeric;
    int64_t index;
    int64_t kinks;      /* elements checked against a one-sided difference */
} Worst;

/* Finite differences of the loss in one parameter: central and both one-sided ones. */
typedef struct Slopes {
    double central, right, left;
} Slopes;

static double loss_at(Trainer *t) {
    t->m->forward(&t->ctx);
    return t->m->loss_fn(&t->ctx);
}

/* l0 is the loss at the unchanged parameters. */
static Slopes numeric_grad(Trainer *t, int64_t i, double h, double l0) {
    const int es = t->m->elem_size;
    double p = nnrt_get(t->params, es, i);
    nnrt_set(t->params, es, i, p + h);
    double up = nnrt_get(t->params, es, i); /* the step actually taken after rounding */
    double l_up = loss_at(t);
    nnrt_set(t->params, es, i, p - h);
    double down = nnrt_get(t->params, es, i);
    double l_down = loss_at(t);
    nnrt_set(t->params, es, i, p);
    p = nnrt_get(t->params, es, i);
    return (Slopes){(l_up - l_down) / (up - down), (l_up - l0) / (up - p),
                    (l0 - l_down) / (p - down)};
}

static double rel_error(double a, double n) {
    double e = fabs(a - n) / fmax(fabs(a) + fabs(n), 1.0);
    return isnan(e) ? INFINITY : e; /* NaN must fail, and NaN > x is false */
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

static Worst check_tensor(Trainer *t, int k, const double *analytic, int64_t *idx, double h,
                          double l0, double tolerance) {
    const NnrtTensor *tn = &t->m->tensors[k];
    Worst w = {0, 0, 0, -1, 0};
    int64_t n = pick_elements(tn, k, t->state.seed, idx);
    for (int64_t j = 0; j < n; j++) {
        double a = analytic[tn->offset + idx[j]];
        Slopes s = numeric_grad(t, tn->offset + idx[j], h, l0);
        /* in f64, a step of h/10 or h/100 crosses ten or a hundred times fewer kinks, and
         * its rounding error (1e-16·|L|/h) still lies far below the tolerance */
        for (double hs = h / 10; t->m->elem_size == 8 && hs >= h / 100 &&
                                 rel_error(a, s.central) > tolerance; hs /= 10)
            s = numeric_grad(t, tn->offset + idx[j], hs, l0);
        double num = s.central, e = rel_error(a, num);
        if (e > tolerance && rel_error(s.right, s.left) > tolerance) { /* a kink within h */
            double er = rel_error(a, s.right), el = rel_error(a, s.left);
            if (fmin(er, el) <= tolerance) {
                num = er <= el ? s.right : s.left;
                e = fmin(er, el);
                w.kinks++;
            } else if (a >= fmin(s.left, s.right) && a <= fmax(s.left, s.right)) {
                e = 0; /* kinks on both sides (many ReLU inputs near 0 after a batchnorm):
                          the slope at p_i lies between the two one-sided ones */
                w.kinks++;
            }
        }
        if (w.index < 0 || e > w.error) {
            w.error = e;
            w.analytic = a;
            w.numeric = num;
            w.index = idx[j];
        }
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
    nnrt_trainer_fill_noise(t, &rng, NULL, rows);
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
    nudge_params(t, h);
    double loss;
    double *analytic = analytic_grads(t, &loss);
    int64_t *idx = malloc(sizeof(int64_t) * (FULL_CHECK_LIMIT > SAMPLE_SIZE ? FULL_CHECK_LIMIT : SAMPLE_SIZE));
    fprintf(out, "gradcheck: %lld example%s, loss %.6g, h = %g, tolerance %g (%s)\n",
            (long long)t->ctx.batch, t->ctx.batch == 1 ? "" : "s", loss, h, tolerance, m->elem_size == 8 ? "f64" : "f32");
    int failed = 0, checked = 0;
    double worst_all = 0;
    for (int k = 0; k < m->n_tensors && isfinite(loss); k++) {
        const NnrtTensor *tn = &m->tensors[k];
        if (!tn->trainable || tn->size == 0)
            continue;
        Worst w = check_tensor(t, k, analytic, idx, h, loss, tolerance);
        bool ok = w.error <= tolerance;
        failed += !ok;
        checked++;
        worst_all = fmax(worst_all, w.error);
        fprintf(out, "  %-28s %8lld of %-8lld max error %.3e  (element %lld: backward %.9g, "
                "numeric %.9g)", tn->name, (long long)(tn->size <= FULL_CHECK_LIMIT ? tn->size : SAMPLE_SIZE),
                (long long)tn->size, w.error, (long long)w.index, w.analytic, w.numeric);
        if (w.kinks)
            fprintf(out, ", %lld at a kink", (long long)w.kinks);
        fprintf(out, "%s\n", ok ? "" : "  FAIL");
    }
    free(idx);
    free(analytic);
    nnrt_loader_free(&dl);
    if (!isfinite(loss))
        return nnrt_fail(err, "gradcheck: the loss is %g on the first examples", loss), -1;
    if (failed) {
        fprintf(out, "gradcheck: FAILED: %d of %d tensors exceed the tolerance %g\n", failed, checked, tolerance);
        if (m->elem_size == 4) /* a correct f32 model can fail: say where the exact check is */
            fprintf(out, "gradcheck: note: in f32, finite differences are approximate (the "
                    "loss's rounding, and ReLU inputs crossing 0 within h after a batch "
                    "normalization); the check to trust is a trainer compiled with "
                    "--precision=f64\n");
    }
    else
        fprintf(out, "gradcheck: passed: %d tensors, max error %.3e <= %g\n", checked, worst_all, tolerance);
    return failed ? 1 : 0;
}
