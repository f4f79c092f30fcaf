/*
 * loops_train.c — the loss (value and gradient), L2 penalties and optimizer updates.
 *
 * Cross-entropy after a softmax (and binary cross-entropy after a sigmoid) is computed
 * from the logits z, as Keras does with the TensorFlow backend: loss = logsumexp(z) − z_y,
 * whose gradient is simply (p − onehot(y)) / B: one fused loop, no division by p, no
 * clipping. Other combinations use the clipped probabilities (eps = 1e-7, Keras').
 * Optimizers follow Keras 3's update rules exactly (docs/ir.md lists them); each
 * parameter tensor is updated in one vectorized pass.
 */
#include "loops_build.h"

#include <inttypes.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { L_SPARSE = NNRT_LOSS_SPARSE_CATEGORICAL_CE, L_CAT = NNRT_LOSS_CATEGORICAL_CE,
       L_BCE = NNRT_LOSS_BINARY_CE, L_MSE = NNRT_LOSS_MSE, L_MAE = NNRT_LOSS_MAE };

static const double KERAS_EPS = 1e-7;

const Node *loss_fusion(const Graph *g) {
    const Node *n = g->output;
    if (!layer_has_z(n) && n->op != OP_ACTIVATION)
        return NULL;
    int loss = g->train.loss;
    if ((loss == L_SPARSE || loss == L_CAT) && n->act.kind == ACT_SOFTMAX)
        return n;
    if (loss == L_BCE && n->act.kind == ACT_SIGMOID)
        return n;
    return NULL;
}

/* The logits of the fused output: a dense or convolution layer's z, or an activation
 * layer's input. */
static const Buf *logits(LB *lb) {
    const Node *n = lb->fused_out;
    return layer_has_z(n) ? lb->nb[n->id].z : lb->nb[view_source(n->in[0])->id].out;
}

static LExpr *real_batch(LB *lb) { return e_to_real(lb, e_batch(lb)); }

static LExpr *clip_p(LB *lb, LExpr *p) {
    return e_bin(lb, 'M', e_bin(lb, 'm', p, e_real(lb, 1 - KERAS_EPS)), e_real(lb, KERAS_EPS));
}

/* Inside a loop over k: (k == y[r]) as 1 or 0. */
static LExpr *is_label(LB *lb, LExpr *r, LExpr *k) {
    return e_select(lb, e_cmp(lb, '=', e_to_real(lb, k), e_load(lb, lb->y, r)), e_real(lb, 1),
                    e_real(lb, 0));
}

static const char *const loss_names[] = {"mean squared error", "mean absolute error",
                                          "binary cross-entropy", "categorical cross-entropy",
                                          "sparse categorical cross-entropy"};

/* lse = max + log Σ exp(z − max) over the row at `base`. */
static void row_logsumexp(LB *lb, const Buf *z, LExpr *base, int64_t width) {
    s_let(lb, "m", e_load(lb, z, base));
    LStmt *k = for_begin(lb, "k", e_int(lb, width));
    s_let(lb, "m", e_bin(lb, 'M', e_temp(lb, "m"), e_load(lb, z, e_add(lb, base, e_var(lb, k)))));
    for_end(lb);
    s_let(lb, "sum", e_real(lb, 0));
    k = for_begin(lb, "k", e_int(lb, width));
    s_add(lb, "sum", e_un(lb, 'e', e_bin(lb, '-', e_load(lb, z, e_add(lb, base, e_var(lb, k))),
                                         e_temp(lb, "m"))));
    for_end(lb);
    s_let(lb, "lse", e_bin(lb, '+', e_temp(lb, "m"), e_un(lb, 'l', e_temp(lb, "sum"))));
}

static void loss_categorical(LB *lb, const Buf *out, int64_t K, bool sparse) {
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    LExpr *base = e_mul(lb, e_var(lb, r), e_int(lb, K));
    if (lb->fused_out) {
        const Buf *z = logits(lb), *lse = lb->nb[lb->fused_out->id].lse;
        if (lse)
            s_let(lb, "lse", e_load(lb, lse, e_var(lb, r))); /* kept by the softmax */
        else
            row_logsumexp(lb, z, base, K);
        s_let(lb, "l", e_real(lb, 0));
        LStmt *k = for_begin(lb, "k", e_int(lb, K));
        LExpr *idx = e_add(lb, base, e_var(lb, k));
        LExpr *t = sparse ? is_label(lb, e_var(lb, r), e_var(lb, k)) : e_load(lb, lb->y, idx);
        s_add(lb, "l", e_bin(lb, '*', t, e_bin(lb, '-', e_temp(lb, "lse"), e_load(lb, z, idx))));
        for_end(lb);
    } else {
        s_let(lb, "l", e_real(lb, 0));
        LStmt *k = for_begin(lb, "k", e_int(lb, K));
        LExpr *idx = e_add(lb, base, e_var(lb, k));
        LExpr *t = sparse ? is_label(lb, e_var(lb, r), e_var(lb, k)) : e_load(lb, lb->y, idx);
        s_add(lb, "l", e_bin(lb, '*', t, e_un(lb, '-', e_un(lb, 'l', clip_p(lb, e_load(lb, out, idx))))));
        for_end(lb);
    }
    s_result(lb, e_bin(lb, '/', e_temp(lb, "l"), real_batch(lb)));
    for_end(lb);
}

/* Per element of (B, K): binary cross-entropy, squared or absolute error, averaged over
 * both axes (Keras averages over the last axis, then over the batch). */
static LExpr *elementwise_loss(LB *lb, int loss, const Buf *out, LExpr *idx) {
    LExpr *t = e_load(lb, lb->y, idx);
    if (loss == L_BCE && lb->fused_out) { /* max(z, 0) − z·t + log(1 + exp(−|z|)) */
        LExpr *z = e_load(lb, logits(lb), idx);
        return e_bin(lb, '+', e_bin(lb, '-', e_bin(lb, 'M', z, e_real(lb, 0)), e_bin(lb, '*', z, t)),
                     e_un(lb, 'l', e_bin(lb, '+', e_real(lb, 1),
                                         e_un(lb, 'e', e_un(lb, '-', e_un(lb, 'a', z))))));
    }
    LExpr *p = e_load(lb, out, idx);
    if (loss == L_BCE) {
        LExpr *pc = clip_p(lb, p);
        return e_un(lb, '-', e_bin(lb, '+', e_bin(lb, '*', t, e_un(lb, 'l', pc)),
                                   e_bin(lb, '*', e_bin(lb, '-', e_real(lb, 1), t),
                                         e_un(lb, 'l', e_bin(lb, '-', e_real(lb, 1), pc)))));
    }
    LExpr *diff = e_bin(lb, '-', p, t);
    return loss == L_MSE ? e_bin(lb, '*', diff, diff) : e_un(lb, 'a', diff);
}

static void l2_penalty(LB *lb) {
    const Graph *g = lb->g;
    for (int i = 0; i < g->ntensors; i++) {
        const ParamTensor *t = g->tensors[i];
        if (t->l2 <= 0)
            continue;
        s_comment(lb, "L2 penalty of %s: %g·Σ w²", t->name, t->l2);
        Buf *w = buf_param(lb, t, false);
        s_let(lb, "sq", e_real(lb, 0));
        LStmt *k = for_begin(lb, "k", e_int(lb, t->size));
        k->vector = true;
        LExpr *v = e_load(lb, w, e_var(lb, k));
        s_add(lb, "sq", e_bin(lb, '*', v, v));
        for_end(lb);
        s_result(lb, e_bin(lb, '*', e_real(lb, t->l2), e_temp(lb, "sq")));
    }
}

void loss_forward(LB *lb) {
    const Graph *g = lb->g;
    int loss = g->train.loss;
    const Buf *out = lb->nb[g->output->id].out;
    int64_t K = lb->p->n_outputs;
    s_comment(lb, "%s, mean over the batch%s", loss_names[loss],
              lb->fused_out ? ", from the logits (fused with the output activation)" : "");
    if (loss == L_SPARSE || loss == L_CAT) {
        loss_categorical(lb, out, K, loss == L_SPARSE);
    } else {
        LStmt *r = for_begin(lb, "r", e_batch(lb));
        LStmt *k = for_begin(lb, "k", e_int(lb, K));
        LExpr *idx = e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, K)), e_var(lb, k));
        s_result(lb, e_bin(lb, '/', elementwise_loss(lb, loss, out, idx),
                           e_bin(lb, '*', real_batch(lb), e_real(lb, (double)K))));
        for_end(lb);
        for_end(lb);
    }
    l2_penalty(lb);
}

/* The gradient of the loss at one element of the output, in the fused or plain form. */
static LExpr *loss_grad(LB *lb, int loss, const Buf *out, LExpr *r, LExpr *k, LExpr *idx,
                        int64_t K) {
    LExpr *p = e_load(lb, out, idx);
    LExpr *n = loss == L_SPARSE || loss == L_CAT ? real_batch(lb)
                                                 : e_bin(lb, '*', real_batch(lb), e_real(lb, (double)K));
    LExpr *t = loss == L_SPARSE ? is_label(lb, r, k) : e_load(lb, lb->y, idx);
    if (lb->fused_out) {
        if (loss == L_CAT) /* (p·Σt − t) / B: one-hot rows sum to 1 */
            return e_bin(lb, '/', e_bin(lb, '-', e_bin(lb, '*', p, e_temp(lb, "tsum")), t), n);
        return e_bin(lb, '/', e_bin(lb, '-', p, t), n);
    }
    LExpr *inside = e_select(lb, e_cmp(lb, '>', p, e_real(lb, KERAS_EPS)),
                             e_select(lb, e_cmp(lb, '<', p, e_real(lb, 1 - KERAS_EPS)),
                                      e_real(lb, 1), e_real(lb, 0)), e_real(lb, 0));
    switch (loss) {
    case L_SPARSE:
    case L_CAT: /* −t / p inside the clip range, 0 where the clip is active */
        return e_bin(lb, '*', inside, e_bin(lb, '/', e_un(lb, '-', t), e_bin(lb, '*', p, n)));
    case L_BCE: /* (−t/p + (1−t)/(1−p)) / n */
        return e_bin(lb, '*', inside,
                     e_bin(lb, '/', e_bin(lb, '+', e_un(lb, '-', e_bin(lb, '/', t, p)),
                                          e_bin(lb, '/', e_bin(lb, '-', e_real(lb, 1), t),
                                                e_bin(lb, '-', e_real(lb, 1), p))), n));
    case L_MSE:
        return e_bin(lb, '/', e_bin(lb, '*', e_real(lb, 2), e_bin(lb, '-', p, t)), n);
    default: /* mae: sign(p − t) / n */
        return e_bin(lb, '/', e_select(lb, e_cmp(lb, '>', p, t), e_real(lb, 1),
                                       e_select(lb, e_cmp(lb, '<', p, t), e_real(lb, -1),
                                                e_real(lb, 0))), n);
    }
}

void loss_backward(LB *lb, bool written[]) {
    const Graph *g = lb->g;
    int loss = g->train.loss;
    const Node *o = g->output;
    const Buf *out = lb->nb[o->id].out;
    int64_t K = lb->p->n_outputs;
    const Node *target = NULL; /* grad_store target when fused with an activation layer */
    const Buf *dst = lb->nb[o->id].dout;
    if (lb->fused_out) {
        s_comment(lb, "d loss / d z at the output: (p − target) / %s, softmax or sigmoid and "
                      "cross-entropy fused", loss == L_BCE ? "(B·outputs)" : "B");
        if (layer_has_z(o)) {
            dst = lb->nb[o->id].dz;
        } else {
            target = o->in[0];
            written[view_source(target)->id] = true;
        }
    } else {
        s_comment(lb, "d loss / d y at the output (%s)", loss_names[loss]);
    }
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    r->parallel = true;
    r->rowwise = true;
    LExpr *base = e_mul(lb, e_var(lb, r), e_int(lb, K));
    if (lb->fused_out && loss == L_CAT) {
        s_let(lb, "tsum", e_real(lb, 0));
        LStmt *k = for_begin(lb, "k", e_int(lb, K));
        s_add(lb, "tsum", e_load(lb, lb->y, e_add(lb, base, e_var(lb, k))));
        for_end(lb);
    }
    LStmt *k = for_begin(lb, "k", e_int(lb, K));
    LExpr *idx = e_add(lb, base, e_var(lb, k));
    LExpr *v = loss_grad(lb, loss, out, e_var(lb, r), e_var(lb, k), idx, K);
    if (target)
        grad_store(lb, target, idx, v, true);
    else
        s_store(lb, dst, idx, v);
    for_end(lb);
    for_end(lb);
}

/* ---- optimizers ---- */

int64_t optimizer_state_size(const Graph *g) {
    int64_t n = (int64_t)g->train.opt.slots * g->trainable;
    return n + (g->train.opt.kind == OPT_NADAM ? 1 : 0); /* Nadam keeps Π momentum_cache */
}

static Buf *state_buf(LB *lb, const ParamTensor *t, const char *slot, int64_t start) {
    Buf *b = buf_io(lb, arena_printf(lb->a, "%s.%s", t->name, slot), BUF_STATE, t->shape);
    b->row_size = 0;
    b->start = start;
    b->size = t->size;
    return b;
}

static LExpr *pow_step(LB *lb, double base, int64_t plus) {
    return e_bin(lb, '^', e_real(lb, base),
                 e_to_real(lb, e_add(lb, e_step(lb), e_int(lb, plus))));
}

/* Scalars computed once per update, before the per-tensor loops. */
static void update_prologue(LB *lb, const Optimizer *o) {
    LExpr *one = e_real(lb, 1);
    if (o->kind == OPT_ADAM || o->kind == OPT_ADAMW) {
        s_comment(lb, "alpha = lr·√(1 − β2^t) / (1 − β1^t)");
        s_let(lb, "alpha", e_bin(lb, '/', e_bin(lb, '*', e_lr(lb),
                                                 e_un(lb, 'q', e_bin(lb, '-', one,
                                                                     pow_step(lb, o->beta2, 0)))),
                                 e_bin(lb, '-', one, pow_step(lb, o->beta1, 0))));
    }
    if (o->kind == OPT_NADAM) {
        s_comment(lb, "momentum caches μ_t = β1·(1 − ½·0.96^t) (Keras 3); u_t = Π μ (kept in "
                      "the optimizer state)");
        LExpr *t = e_to_real(lb, e_step(lb));
        LExpr *t1 = e_bin(lb, '+', t, one);
        s_let(lb, "mu", e_bin(lb, '*', e_real(lb, o->beta1),
                              e_bin(lb, '-', one, e_bin(lb, '*', e_real(lb, 0.5),
                                                        e_bin(lb, '^', e_real(lb, 0.96), t)))));
        s_let(lb, "mu1", e_bin(lb, '*', e_real(lb, o->beta1),
                               e_bin(lb, '-', one, e_bin(lb, '*', e_real(lb, 0.5),
                                                         e_bin(lb, '^', e_real(lb, 0.96), t1)))));
        Buf *u = ARENA_NEW(lb->a, Buf);
        u->name = "nadam.u_product";
        u->base = BUF_STATE;
        u->start = lb->p->state_size - 1;
        u->size = 1;
        u->shape = (Shape){1, {1}};
        LExpr *prev = e_select(lb, e_cmp(lb, '=', t, one), one, e_load(lb, u, e_int(lb, 0)));
        s_let(lb, "u", e_bin(lb, '*', prev, e_temp(lb, "mu")));
        s_let(lb, "u1", e_bin(lb, '*', e_temp(lb, "u"), e_temp(lb, "mu1")));
        s_store(lb, u, e_int(lb, 0), e_temp(lb, "u"));
        s_let(lb, "b2t", pow_step(lb, o->beta2, 0));
    }
}

/* g, after clipnorm (per tensor, Keras 3) and clipvalue. */
static LExpr *clipped_grad(LB *lb, const Optimizer *o, const Buf *G, LExpr *i) {
    LExpr *g = e_load(lb, G, i);
    if (o->clipnorm > 0)
        g = e_bin(lb, '*', g, e_temp(lb, "gscale"));
    if (o->clipvalue > 0)
        g = e_bin(lb, 'M', e_bin(lb, 'm', g, e_real(lb, o->clipvalue)), e_real(lb, -o->clipvalue));
    return g;
}

/* s = β·s + (1 − β)·x, stored; returns the new value as a temp. */
static LExpr *ema(LB *lb, const char *temp, const Buf *S, LExpr *i, double beta, LExpr *x) {
    s_let(lb, temp, e_bin(lb, '+', e_bin(lb, '*', e_real(lb, beta), e_load(lb, S, i)),
                          e_bin(lb, '*', e_real(lb, 1 - beta), x)));
    s_store(lb, S, i, e_temp(lb, temp));
    return e_temp(lb, temp);
}

static void update_element(LB *lb, const Optimizer *o, const Buf *W, Buf *const S[3], LExpr *i,
                           LExpr *g) {
    LExpr *w = e_load(lb, W, i), *lr = e_lr(lb);
    s_let(lb, "g", g);
    g = e_temp(lb, "g");
    LExpr *g2 = e_bin(lb, '*', g, g), *eps = e_real(lb, o->epsilon);
    switch (o->kind) {
    case OPT_SGD:
        if (o->momentum > 0) {
            s_let(lb, "v", e_bin(lb, '-', e_bin(lb, '*', e_real(lb, o->momentum), e_load(lb, S[0], i)),
                                 e_bin(lb, '*', lr, g)));
            s_store(lb, S[0], i, e_temp(lb, "v"));
            LExpr *step = o->nesterov ? e_bin(lb, '-', e_bin(lb, '*', e_real(lb, o->momentum),
                                                             e_temp(lb, "v")),
                                              e_bin(lb, '*', lr, g))
                                      : e_temp(lb, "v");
            s_store(lb, W, i, e_bin(lb, '+', w, step));
        } else {
            s_store(lb, W, i, e_bin(lb, '-', w, e_bin(lb, '*', lr, g)));
        }
        break;
    case OPT_ADAGRAD: /* the accumulator starts at initial_accumulator: stored minus it */
        s_let(lb, "acc", e_bin(lb, '+', e_load(lb, S[0], i), g2));
        s_store(lb, S[0], i, e_temp(lb, "acc"));
        s_store(lb, W, i, e_bin(lb, '-', w, e_bin(lb, '/', e_bin(lb, '*', lr, g),
                                                  e_un(lb, 'q', e_bin(lb, '+', e_temp(lb, "acc"),
                                                                      e_real(lb, o->initial_accumulator + o->epsilon))))));
        break;
    case OPT_RMSPROP: {
        LExpr *v = ema(lb, "v", S[0], i, o->rho, g2);
        LExpr *inc = e_bin(lb, '/', e_bin(lb, '*', lr, g), e_un(lb, 'q', e_bin(lb, '+', v, eps)));
        if (o->momentum > 0) {
            s_let(lb, "mom", e_bin(lb, '+', e_bin(lb, '*', e_real(lb, o->momentum),
                                                   e_load(lb, S[1], i)), inc));
            s_store(lb, S[1], i, e_temp(lb, "mom"));
            inc = e_temp(lb, "mom");
        }
        s_store(lb, W, i, e_bin(lb, '-', w, inc));
        break;
    }
    case OPT_ADADELTA: {
        LExpr *ag = ema(lb, "ag", S[0], i, o->rho, g2);
        s_let(lb, "delta", e_bin(lb, '*', e_un(lb, '-', e_bin(lb, '/',
                                                              e_un(lb, 'q', e_bin(lb, '+', e_load(lb, S[1], i), eps)),
                                                              e_un(lb, 'q', e_bin(lb, '+', ag, eps)))), g));
        LExpr *d = e_temp(lb, "delta");
        ema(lb, "ad", S[1], i, o->rho, e_bin(lb, '*', d, d));
        s_store(lb, W, i, e_bin(lb, '+', w, e_bin(lb, '*', lr, d)));
        break;
    }
    case OPT_ADAM:
    case OPT_ADAMW:
    case OPT_NADAM: {
        if (o->kind == OPT_ADAMW) { /* decoupled weight decay first: w −= lr·wd·w */
            s_let(lb, "w", e_bin(lb, '-', w, e_bin(lb, '*', e_bin(lb, '*', lr, e_real(lb, o->weight_decay)), w)));
            w = e_temp(lb, "w");
        }
        LExpr *m = ema(lb, "m", S[0], i, o->beta1, g);
        LExpr *v = ema(lb, "v", S[1], i, o->beta2, g2);
        if (o->amsgrad) {
            s_let(lb, "vmax", e_bin(lb, 'M', e_load(lb, S[2], i), v));
            s_store(lb, S[2], i, e_temp(lb, "vmax"));
            v = e_temp(lb, "vmax");
        }
        if (o->kind == OPT_NADAM) {
            LExpr *one = e_real(lb, 1);
            LExpr *mhat = e_bin(lb, '+',
                                e_bin(lb, '/', e_bin(lb, '*', e_temp(lb, "mu1"), m),
                                      e_bin(lb, '-', one, e_temp(lb, "u1"))),
                                e_bin(lb, '/', e_bin(lb, '*', e_bin(lb, '-', one, e_temp(lb, "mu")), g),
                                      e_bin(lb, '-', one, e_temp(lb, "u"))));
            LExpr *vhat = e_bin(lb, '/', v, e_bin(lb, '-', one, e_temp(lb, "b2t")));
            s_store(lb, W, i, e_bin(lb, '-', w, e_bin(lb, '/', e_bin(lb, '*', lr, mhat),
                                                      e_bin(lb, '+', e_un(lb, 'q', vhat), eps))));
        } else {
            s_store(lb, W, i, e_bin(lb, '-', w, e_bin(lb, '/', e_bin(lb, '*', e_temp(lb, "alpha"), m),
                                                      e_bin(lb, '+', e_un(lb, 'q', v), eps))));
        }
        break;
    }
    default:
        break;
    }
}

static const char *const optimizer_rules[] = { /* ORDER OPT */
    "sgd: v = momentum·v − lr·g; w += v (nesterov: w += momentum·v − lr·g); without momentum w −= lr·g",
    "adagrad: a += g²; w −= lr·g/√(a + initial_accumulator + ε)",
    "rmsprop: v = ρ·v + (1−ρ)·g²; w −= lr·g/√(v + ε)",
    "adadelta: a = ρ·a + (1−ρ)·g²; Δ = −√(d + ε)/√(a + ε)·g; d = ρ·d + (1−ρ)·Δ²; w += lr·Δ",
    "adam: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w −= alpha·m/(√v + ε)",
    "nadam: m, v as adam; w −= lr·(μ_{t+1}·m/(1−u_{t+1}) + (1−μ_t)·g/(1−u_t))/(√(v/(1−β2^t)) + ε)",
    "adamw: w −= lr·weight_decay·w, then adam",
};

/* The rule as --emit=loops prints it, with the variants the options select. */
static void optimizer_comment(LB *lb, const Optimizer *o) {
    if (o->kind == OPT_RMSPROP && o->momentum > 0)
        s_comment(lb, "rmsprop with momentum: v = ρ·v + (1−ρ)·g²; mom = %g·mom + lr·g/√(v + ε); "
                      "w −= mom", o->momentum);
    else
        s_comment(lb, "%s", optimizer_rules[o->kind]);
    if (o->amsgrad)
        s_comment(lb, "amsgrad: vmax = max(vmax, v) takes the place of v in the step");
    if (o->clipnorm > 0)
        s_comment(lb, "clipnorm: each tensor's g is scaled by %g/‖g‖ when its norm ‖g‖ exceeds %g",
                  o->clipnorm, o->clipnorm);
    if (o->clipvalue > 0)
        s_comment(lb, "clipvalue: each element of g is clamped to [−%g, %g]", o->clipvalue,
                  o->clipvalue);
}

/* The scalars update_prologue() computes once per step and every tensor's update reads:
 * update stores them in fixed work (update.alpha, …), each tensor's function loads them. */
static int update_scalars(const Optimizer *o, const char **names) {
    if (o->kind == OPT_ADAM || o->kind == OPT_ADAMW) {
        names[0] = "alpha";
        return 1;
    }
    if (o->kind == OPT_NADAM) {
        static const char *const nadam[5] = {"mu", "mu1", "u", "u1", "b2t"};
        for (int k = 0; k < 5; k++)
            names[k] = nadam[k];
        return 5;
    }
    return 0;
}

/* The prologue's scalars into update.alpha, … */
void update_scalars_store(LB *lb) {
    update_prologue(lb, &lb->g->train.opt);
    for (int k = 0; k < lb->nupdate_scalars; k++)
        s_store(lb, lb->update_scalar_buf[k], e_int(lb, 0), e_temp(lb, lb->update_scalar[k]));
}

void update_scalars_load(LB *lb) {
    for (int k = 0; k < lb->nupdate_scalars; k++)
        s_let(lb, lb->update_scalar[k], e_load(lb, lb->update_scalar_buf[k], e_int(lb, 0)));
}

void update_element_step(LB *lb, const TensorUpdate *u, LExpr *i) {
    const Optimizer *o = &lb->g->train.opt;
    update_element(lb, o, u->W, u->S, i, clipped_grad(lb, o, u->G, i));
}

bool update_fusable(const Graph *g, const Node *n) {
    const char *off = getenv("NNLC_UNFUSED_UPDATE");
    return n->op == OP_DENSE && n->in[0]->out.rank == 1 && n->params[0].trainable &&
           g->train.opt.clipnorm == 0 && !(off && *off && strcmp(off, "0") != 0);
}

void update_plan(LB *lb) {
    const Graph *g = lb->g;
    const Optimizer *o = &g->train.opt;
    lb->nupdate_scalars = update_scalars(o, lb->update_scalar);
    for (int k = 0; k < lb->nupdate_scalars; k++)
        lb->update_scalar_buf[k] = buf_work_fixed(
            lb, arena_printf(lb->a, "update.%s", lb->update_scalar[k]), (Shape){1, {1}});
    lb->updates = ARENA_ARRAY(lb->a, TensorUpdate, g->ntensors);
    int64_t state = 0;
    for (int ti = 0; ti < g->ntensors; ti++) {
        const ParamTensor *t = g->tensors[ti];
        if (!t->trainable)
            continue;
        TensorUpdate *u = &lb->updates[ti];
        u->W = buf_param(lb, t, false);
        u->G = buf_param(lb, t, true);
        static const char *const slot_names[3] = {"m", "v", "vmax"};
        static const char *const rms_names[3] = {"v", "momentum", ""};
        static const char *const delta_names[3] = {"accum_grad", "accum_delta", ""};
        const char *const *names = o->kind == OPT_RMSPROP ? rms_names
                                   : o->kind == OPT_ADADELTA ? delta_names
                                   : o->kind == OPT_SGD ? (const char *const[]){"velocity", "", ""}
                                   : o->kind == OPT_ADAGRAD ? (const char *const[]){"accumulator", "", ""}
                                                            : slot_names;
        for (int s = 0; s < o->slots && s < 3; s++)
            u->S[s] = state_buf(lb, t, names[s], state + (int64_t)s * t->size);
        state += (int64_t)o->slots * t->size;
    }
    for (int i = 0; i < g->nnodes; i++)
        if (update_fusable(g, g->nodes[i])) {
            lb->updates[g->nodes[i]->params[0].index].fused = true;
            if (!lb->in_backward)
                lb->in_backward = buf_work_fixed(lb, "update.in_backward", (Shape){1, {1}});
        }
}

/* update(ctx) computes the step's scalars, then calls one function per trainable tensor,
 * `dense.W.update(ctx)`: tensors of one size have the same loops, which loop_share() then
 * compiles once (a model of 100 equal layers has two update functions, not one function
 * of 200 loops that one thread must compile alone). */
void optimizer_update(LB *lb) {
    const Graph *g = lb->g;
    const Optimizer *o = &g->train.opt;
    optimizer_comment(lb, o);
    update_scalars_store(lb);
    for (int ti = 0; ti < g->ntensors; ti++) {
        const ParamTensor *t = g->tensors[ti];
        if (!t->trainable)
            continue;
        TensorUpdate *u = &lb->updates[ti];
        LFunc *f = u->func = func_begin(lb, arena_printf(lb->a, "%s.update", t->name), false, false);
        char shape[96] = "";
        for (int d = 0, used = 0; d < t->shape.rank && used < (int)sizeof shape; d++)
            used += snprintf(shape + used, sizeof shape - (size_t)used, "%s%" PRId64,
                             d ? ", " : "(", t->shape.d[d]);
        s_comment(lb, "%s %s): %s", t->name, shape, opt_name(o->kind));
        update_scalars_load(lb);
        if (o->clipnorm > 0) {
            s_let(lb, "gsq", e_real(lb, 0));
            LStmt *k = for_begin(lb, "i", e_int(lb, t->size));
            LExpr *gv = e_load(lb, u->G, e_var(lb, k));
            s_add(lb, "gsq", e_bin(lb, '*', gv, gv));
            for_end(lb);
            s_let(lb, "gnorm", e_un(lb, 'q', e_temp(lb, "gsq")));
            s_let(lb, "gscale", e_select(lb, e_cmp(lb, '>', e_temp(lb, "gnorm"),
                                                   e_real(lb, o->clipnorm)),
                                         e_bin(lb, '/', e_real(lb, o->clipnorm), e_temp(lb, "gnorm")),
                                         e_real(lb, 1)));
        }
        LStmt *k = for_begin(lb, "i", e_int(lb, t->size));
        k->vector = true;
        k->parallel = true; /* elementwise; loop_schedule() keeps it for large tensors */
        update_element_step(lb, u, e_var(lb, k));
        for_end(lb);
        func_end(lb);
        s_call(lb, f);
    }
}
