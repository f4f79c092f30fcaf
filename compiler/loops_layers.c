/*
 * loops_layers.c — loop nests for each layer's forward and backward pass.
 *
 * Notation (llm.c's): x is a layer's input, z its pre-activation, y its output; dy, dz
 * and dx their gradients; W, b, dW, db the parameters and their gradients. A dense layer
 * over a sequence (T, F) is the same loops over B·T rows. Fusions decided here:
 *   - bias and activation in the loop that produces z;
 *   - the activation derivative in the loop of whoever writes dy (grad_store), so there
 *     is no separate pass dz = dy·act'(z) when a layer has one reader;
 *   - L2 in the initial value of dW;
 *   - no dx at all for the layer that reads the model's input.
 * Products are written i-k-j (an axpy over contiguous j) so that inner loops vectorize
 * without reassociating sums; batch rows or weight rows are the parallel dimension, so
 * every output element is computed by exactly one thread in a fixed order.
 */
#include "loops_build.h"

#include <math.h>
#include <string.h>

bool needs_input_grad(const Node *n) {
    return n->nin > 0 && view_source(n->in[0])->op != OP_INPUT;
}

bool input_needs_grad(const Node *n, int i) {
    return view_source(n->in[i])->op != OP_INPUT;
}

bool first_grad(bool written[], const Node *n, int i) {
    int id = view_source(n->in[i])->id;
    bool first = !written[id];
    written[id] = true;
    return first;
}

/* ---- activations ---- */

/* Φ(z) = erfc(−z/√2)/2, TensorFlow's form: (1 + erf(z/√2))/2 rounds a Φ below about 1e-7
 * (z < −5) to a multiple of 2⁻²⁵ in f32, or to 0 (z < −5.5). */
static LExpr *normal_cdf(LB *lb, LExpr *z) {
    LExpr *arg = e_bin(lb, '*', z, e_real(lb, -M_SQRT1_2));
    return e_bin(lb, '*', e_real(lb, 0.5), e_un(lb, 'c', arg));
}

LExpr *act_apply(LB *lb, Activation act, LExpr *z) {
    LExpr *zero = e_real(lb, 0);
    switch (act.kind) {
    case ACT_LINEAR: return z;
    case ACT_SIGMOID: return e_un(lb, 's', z);
    case ACT_TANH: return e_un(lb, 't', z);
    case ACT_RELU: return e_bin(lb, 'M', z, zero);
    case ACT_LEAKY_RELU:
        return e_select(lb, e_cmp(lb, '>', z, zero), z, e_bin(lb, '*', e_real(lb, act.alpha), z));
    case ACT_ELU: /* α·(e^x − 1), as expm1: the subtraction cancels for a small x */
        return e_select(lb, e_cmp(lb, '>', z, zero), z,
                        e_bin(lb, '*', e_real(lb, act.alpha), e_un(lb, 'x', z)));
    case ACT_GELU: /* x·Φ(x) */
        return e_bin(lb, '*', z, normal_cdf(lb, z));
    case ACT_SWISH:
        return e_bin(lb, '*', z, e_un(lb, 's', z));
    case ACT_SOFTMAX:
    case ACT_COUNT:
        break;
    }
    return z; /* softmax is a row operation, handled by its callers */
}

LExpr *act_deriv(LB *lb, Activation act, LExpr *z, LExpr *y) {
    LExpr *zero = e_real(lb, 0), *one = e_real(lb, 1);
    switch (act.kind) {
    case ACT_LINEAR: return one;
    case ACT_SIGMOID: return e_bin(lb, '*', y, e_bin(lb, '-', one, y));
    case ACT_TANH: return e_bin(lb, '-', one, e_bin(lb, '*', y, y));
    case ACT_RELU: return e_select(lb, e_cmp(lb, '>', z, zero), one, zero);
    case ACT_LEAKY_RELU:
        return e_select(lb, e_cmp(lb, '>', z, zero), one, e_real(lb, act.alpha));
    case ACT_ELU:
        return e_select(lb, e_cmp(lb, '>', z, zero), one, e_bin(lb, '+', y, e_real(lb, act.alpha)));
    case ACT_GELU: { /* Φ(z) + z·φ(z) */
        LExpr *cdf = normal_cdf(lb, z);
        LExpr *pdf = e_bin(lb, '*', e_real(lb, 0.3989422804014327),
                           e_un(lb, 'e', e_bin(lb, '*', e_real(lb, -0.5), e_bin(lb, '*', z, z))));
        return e_bin(lb, '+', cdf, e_bin(lb, '*', z, pdf));
    }
    case ACT_SWISH: { /* s + y·(1 − s), s = σ(z) */
        LExpr *s = e_un(lb, 's', z);
        return e_bin(lb, '+', s, e_bin(lb, '*', y, e_bin(lb, '-', one, s)));
    }
    case ACT_SOFTMAX:
    case ACT_COUNT:
        break;
    }
    return one;
}

static const char *act_formula(Activation act) {
    return act.kind == ACT_LINEAR ? "" : act_name(act.kind);
}

/* Softmax over each row of `rows` rows of width `width`: y = exp(z − max) / Σ exp(z − max),
 * and lse[r] = max + log Σ exp(z − max) when lse is given. */
void softmax_rows(LB *lb, const Buf *z, const Buf *y, const Buf *lse, LExpr *rows,
                  int64_t width) {
    LStmt *r = for_begin(lb, "r", rows);
    r->parallel = true;
    r->rowwise = true;
    LExpr *base = e_mul(lb, e_var(lb, r), e_int(lb, width));
    s_let(lb, "m", e_load(lb, z, base));
    LStmt *k = for_begin(lb, "k", e_int(lb, width));
    s_let(lb, "m", e_bin(lb, 'M', e_temp(lb, "m"), e_load(lb, z, e_add(lb, base, e_var(lb, k)))));
    for_end(lb);
    s_let(lb, "sum", e_real(lb, 0));
    k = for_begin(lb, "k", e_int(lb, width));
    LExpr *idx = e_add(lb, base, e_var(lb, k));
    s_store(lb, y, idx, e_un(lb, 'e', e_bin(lb, '-', e_load(lb, z, idx), e_temp(lb, "m"))));
    s_add(lb, "sum", e_load(lb, y, idx));
    for_end(lb);
    if (lse)
        s_store(lb, lse, e_var(lb, r),
                e_bin(lb, '+', e_temp(lb, "m"), e_un(lb, 'l', e_temp(lb, "sum"))));
    s_let(lb, "inv", e_bin(lb, '/', e_real(lb, 1), e_temp(lb, "sum")));
    k = for_begin(lb, "k", e_int(lb, width));
    k->vector = true;
    idx = e_add(lb, base, e_var(lb, k));
    s_store(lb, y, idx, e_bin(lb, '*', e_load(lb, y, idx), e_temp(lb, "inv")));
    for_end(lb);
    for_end(lb);
}

/* Softmax backward, row by row: dz = y·(dy − Σ dy·y). Writes through grad_store when
 * `target` is given (an activation layer's input), else into dz. */
void softmax_backward_rows(LB *lb, const Buf *y, const Buf *dy, const Buf *dz,
                                  const Node *target, bool first, LExpr *rows, int64_t width) {
    LStmt *r = for_begin(lb, "r", rows);
    r->parallel = true;
    r->rowwise = true;
    LExpr *base = e_mul(lb, e_var(lb, r), e_int(lb, width));
    s_let(lb, "dot", e_real(lb, 0));
    LStmt *k = for_begin(lb, "k", e_int(lb, width));
    LExpr *idx = e_add(lb, base, e_var(lb, k));
    s_add(lb, "dot", e_bin(lb, '*', e_load(lb, dy, idx), e_load(lb, y, idx)));
    for_end(lb);
    k = for_begin(lb, "k", e_int(lb, width));
    idx = e_add(lb, base, e_var(lb, k));
    LExpr *v = e_bin(lb, '*', e_load(lb, y, idx),
                     e_bin(lb, '-', e_load(lb, dy, idx), e_temp(lb, "dot")));
    if (target)
        grad_store(lb, target, idx, v, first);
    else
        s_store(lb, dz, idx, v);
    for_end(lb);
    for_end(lb);
}

static LExpr *deriv_at(LB *lb, const Node *n, LExpr *index);

void grad_store(LB *lb, const Node *n, LExpr *index, LExpr *value, bool first) {
    n = view_source(n);
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *target = nb->dout;
    if (nb->dz_fused) {
        value = e_bin(lb, '*', value, deriv_at(lb, n, index));
        target = nb->dz;
    }
    if (first)
        s_store(lb, target, index, value);
    else
        s_accum(lb, target, index, value);
}

/* dz = dy·act'(z), unless a reader or the loss already wrote dz. */
void z_grad(LB *lb, const Node *n, LExpr *rows, int64_t width) {
    const NodeBufs *nb = &lb->nb[n->id];
    if (!layer_has_z(n) || nb->dz_fused || lb->fused_out == n)
        return;
    if (n->act.kind == ACT_SOFTMAX) {
        s_comment(lb, "dz = y·(dy − Σ dy·y)  (softmax)");
        softmax_backward_rows(lb, nb->out, nb->dout, nb->dz, NULL, true, rows, width);
        return;
    }
    s_comment(lb, "dz = dy·%s'(z)", act_name(n->act.kind));
    LStmt *r = for_begin(lb, "r", rows);
    r->parallel = true;
    r->rowwise = true;
    LStmt *j = for_begin(lb, "j", e_int(lb, width));
    j->vector = true;
    LExpr *idx = e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, width)), e_var(lb, j));
    s_store(lb, nb->dz, idx, e_bin(lb, '*', e_load(lb, nb->dout, idx), deriv_at(lb, n, idx)));
    for_end(lb);
    for_end(lb);
}

/* ---- dense ---- */

typedef struct DenseDims {
    LExpr *rows;   /* B, or B·T over a sequence */
    int64_t f, u;  /* input features, units */
} DenseDims;

static DenseDims dense_dims(LB *lb, const Node *n) {
    Shape s = n->in[0]->out;
    int64_t steps = s.rank == 2 ? s.d[0] : 1;
    DenseDims dd = {e_mul(lb, e_batch(lb), e_int(lb, steps)), s.d[s.rank - 1], n->units};
    return dd;
}

static void dense_forward(LB *lb, const Node *n) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = lb->nb[view_source(n->in[0])->id].out;
    DenseDims dd = dense_dims(lb, n);
    s_comment(lb, "%s forward (%s): y = %s%sx·W%s%s   W (%lld, %lld)", n->name, node_line(lb, n),
              act_formula(n->act), n->act.kind == ACT_LINEAR ? "" : "(", n->use_bias ? " + b" : "",
              n->act.kind == ACT_LINEAR ? "" : ")", (long long)dd.f, (long long)dd.u);
    bool apply = layer_has_z(n) && n->act.kind != ACT_SOFTMAX;
    gemm_forward(lb, x, nb->W, nb->b, nb->z ? nb->z : nb->out, apply ? nb->out : NULL, n->act,
                 dd.rows, dd.f, dd.u);
    if (n->act.kind == ACT_SOFTMAX)
        softmax_rows(lb, nb->z, nb->out, nb->lse, dd.rows, dd.u);
}

/* dx = dz·Wᵀ, into the producer's gradient (nothing for a layer on the model's input). */
static void dense_dx(LB *lb, const Node *n, bool written[], DenseDims dd) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Node *src = view_source(n->in[0]);
    if (!needs_input_grad(n)) {
        s_comment(lb, "no dx: '%s' reads the model's input", n->name);
        return;
    }
    s_comment(lb, "dx = dz·Wᵀ%s", lb->nb[src->id].dz_fused ? ", times the activation "
                                                              "derivative of its producer" : "");
    gemm_dinput(lb, nb->dz, nb->W, NULL, n->in[0], first_grad(written, n, 0), dd.rows, dd.f,
                dd.u);
}

/* A kernel that takes its step in backward_update (update_fusable) does so in the loop
 * of dW; dx, which reads W, comes first then. */
static void dense_backward(LB *lb, const Node *n, bool written[]) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = lb->nb[view_source(n->in[0])->id].out;
    DenseDims dd = dense_dims(lb, n);
    const TensorUpdate *update = lb->updates[n->params[0].index].fused
                                     ? &lb->updates[n->params[0].index] : NULL;
    s_comment(lb, "%s backward (%s)", n->name, node_line(lb, n));
    if (update)
        update_scalars_load(lb);
    z_grad(lb, n, dd.rows, dd.u);
    if (update)
        dense_dx(lb, n, written, dd);
    double l2 = n->params[0].l2;
    s_comment(lb, "dW = xᵀ·dz%s%s", l2 > 0 ? " + 2·l2·W" : "", nb->db ? ", db = Σ_rows dz" : "");
    gemm_dweight(lb, x, nb->dz, nb->W, nb->dW, nb->db, l2, dd.rows, dd.f, dd.u, update);
    if (!update)
        dense_dx(lb, n, written, dd);
}

/* ---- elementwise layers: activation, dropout ---- */

/* for r in 0..B (parallel): vector for k in 0..width: ... — returns the flat index. */
static LExpr *rows_begin(LB *lb, int64_t width, bool vector) {
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    r->parallel = true;
    r->rowwise = true;
    LStmt *k = for_begin(lb, "k", e_int(lb, width));
    k->vector = vector;
    return e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, width)), e_var(lb, k));
}

static void rows_end(LB *lb) {
    for_end(lb);
    for_end(lb);
}

static void activation_forward(LB *lb, const Node *n) {
    const Buf *x = lb->nb[view_source(n->in[0])->id].out, *y = lb->nb[n->id].out;
    int64_t width = shape_size(n->out);
    s_comment(lb, "%s forward (%s): y = %s(x)", n->name, node_line(lb, n), act_name(n->act.kind));
    if (n->act.kind == ACT_SOFTMAX) {
        int64_t last = n->out.d[n->out.rank - 1];
        softmax_rows(lb, x, y, lb->nb[n->id].lse, e_mul(lb, e_batch(lb), e_int(lb, width / last)),
                     last);
        return;
    }
    LExpr *idx = rows_begin(lb, width, true);
    s_store(lb, y, idx, act_apply(lb, n->act, e_load(lb, x, idx)));
    rows_end(lb);
}

static void activation_backward(LB *lb, const Node *n, bool written[]) {
    if (lb->fused_out == n || !needs_input_grad(n))
        return;
    const Node *src = view_source(n->in[0]);
    const NodeBufs *nb = &lb->nb[n->id];
    bool first = !written[src->id];
    written[src->id] = true;
    s_comment(lb, "%s backward (%s): dx = dy·%s'(x)", n->name, node_line(lb, n),
              act_name(n->act.kind));
    int64_t width = shape_size(n->out);
    if (n->act.kind == ACT_SOFTMAX) {
        int64_t last = n->out.d[n->out.rank - 1];
        softmax_backward_rows(lb, nb->out, nb->dout, NULL, n->in[0], first,
                              e_mul(lb, e_batch(lb), e_int(lb, width / last)), last);
        return;
    }
    const Buf *x = lb->nb[src->id].out;
    LExpr *idx = rows_begin(lb, width, true);
    grad_store(lb, n->in[0], idx,
               e_bin(lb, '*', e_load(lb, nb->dout, idx),
                     act_deriv(lb, n->act, e_load(lb, x, idx), e_load(lb, nb->out, idx))),
               first);
    rows_end(lb);
}

/* Inverted dropout: keep where noise ≥ rate, scaled by 1/(1 − rate); identity at
 * evaluation. The mask is not stored: backward reads the same noise again. */
static LExpr *dropout_mask(LB *lb, const Node *n, LExpr *idx_row, LExpr *k, LExpr *v) {
    LExpr *u = e_load(lb, lb->noise,
                      e_add(lb, e_mul(lb, idx_row, e_int(lb, lb->p->noise_per_row)),
                            e_add(lb, e_int(lb, lb->nb[n->id].noise_start), k)));
    return e_select(lb, e_cmp(lb, 'g', u, e_real(lb, n->rate)),
                    e_bin(lb, '*', v, e_real(lb, 1.0 / (1.0 - n->rate))), e_real(lb, 0));
}

static void dropout_pass(LB *lb, const Node *n, bool backward, bool first) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *src = backward ? nb->dout : lb->nb[view_source(n->in[0])->id].out;
    int64_t width = shape_size(n->out);
    LStmt *cond = if_begin(lb, e_training(lb));
    for (int training = 1; training >= 0; training--) {
        LStmt *r = for_begin(lb, "r", e_batch(lb));
        r->parallel = true;
        r->rowwise = true;
        LStmt *k = for_begin(lb, "k", e_int(lb, width));
        k->vector = true;
        LExpr *idx = e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, width)), e_var(lb, k));
        LExpr *v = e_load(lb, src, idx);
        if (training)
            v = dropout_mask(lb, n, e_var(lb, r), e_var(lb, k), v);
        if (backward)
            grad_store(lb, n->in[0], idx, v, first);
        else
            s_store(lb, nb->out, idx, v);
        for_end(lb);
        for_end(lb);
        if (training)
            if_else(lb, cond);
    }
    if_end(lb);
}

static void dropout_forward(LB *lb, const Node *n) {
    s_comment(lb, "%s forward (%s): y = x·mask/(1 − %g) in training, mask = noise ≥ %g",
              n->name, node_line(lb, n), n->rate, n->rate);
    dropout_pass(lb, n, false, true);
}

static void dropout_backward(LB *lb, const Node *n, bool written[]) {
    if (!needs_input_grad(n))
        return;
    const Node *src = view_source(n->in[0]);
    bool first = !written[src->id];
    written[src->id] = true;
    s_comment(lb, "%s backward (%s): dx = dy·mask/(1 − %g)", n->name, node_line(lb, n), n->rate);
    dropout_pass(lb, n, true, first);
}

/* ---- dispatch: one case per layer kind ---- */

bool layer_lowered(OpKind op) {
    switch (op) {
    case OP_INPUT: case OP_DENSE: case OP_DROPOUT: case OP_ACTIVATION:
    case OP_FLATTEN: case OP_RESHAPE:
    case OP_CONV1D: case OP_CONV2D:
    case OP_MAXPOOL1D: case OP_MAXPOOL2D: case OP_AVGPOOL1D: case OP_AVGPOOL2D:
    case OP_MINPOOL1D: case OP_MINPOOL2D: case OP_GAP1D: case OP_GAP2D:
    case OP_GMP1D: case OP_GMP2D:
    case OP_BATCHNORM: case OP_ADD: case OP_CONCAT: case OP_MULTIPLY: case OP_GLU:
    case OP_SIMPLE_RNN: case OP_LSTM: case OP_GRU: case OP_EMBEDDING:
        return true;
    default:
        return false;
    }
}

bool layer_has_z(const Node *n) {
    bool linear_map = n->op == OP_DENSE || n->op == OP_CONV1D || n->op == OP_CONV2D;
    return linear_map && n->act.kind != ACT_LINEAR;
}

/* act'(z) is a function of y = act(z): z > 0 exactly when y > 0 for relu, leaky relu
 * (alpha ≥ 0) and elu (alpha > 0); sigmoid and tanh are written with y already. */
static bool deriv_from_y(Activation act) {
    switch (act.kind) {
    case ACT_SIGMOID: case ACT_TANH: case ACT_RELU: return true;
    case ACT_LEAKY_RELU: return act.alpha >= 0;
    case ACT_ELU: return act.alpha > 0;
    default: return false;
    }
}

bool layer_stores_z(const Node *n, const Node *fused_out) {
    return layer_has_z(n) && (n == fused_out || !deriv_from_y(n->act));
}

/* act'(z) at element `index` of n's output, from z when it is stored, else from y. */
static LExpr *deriv_at(LB *lb, const Node *n, LExpr *index) {
    const NodeBufs *nb = &lb->nb[n->id];
    LExpr *y = e_load(lb, nb->out, index);
    return act_deriv(lb, n->act, nb->z ? e_load(lb, nb->z, index) : y, y);
}

/* W, dW and (with use_bias) b, db: params[0] and params[1] of dense, conv and GLU. */
void kernel_bias_bufs(LB *lb, const Node *n) {
    NodeBufs *nb = &lb->nb[n->id];
    nb->W = buf_param(lb, &n->params[0], false);
    nb->dW = buf_param(lb, &n->params[0], true);
    if (n->use_bias) {
        nb->b = buf_param(lb, &n->params[1], false);
        nb->db = buf_param(lb, &n->params[1], true);
    }
}

/* A dropout layer's slice of the noise row, drawn from its own seed (Keras' seed=). */
static void add_noise_seed(LoopProgram *p, int64_t start, int64_t size, uint64_t seed) {
    NnrtNoiseSeed *grown = ARENA_ARRAY(p->arena, NnrtNoiseSeed, p->n_noise_seeds + 1);
    if (p->n_noise_seeds)
        memcpy(grown, p->noise_seeds, sizeof(NnrtNoiseSeed) * (size_t)p->n_noise_seeds);
    grown[p->n_noise_seeds++] = (NnrtNoiseSeed){start, size, seed};
    p->noise_seeds = grown;
}

void layer_buffers(LB *lb, const Node *n) {
    NodeBufs *nb = &lb->nb[n->id];
    switch (n->op) {
    case OP_DENSE:
        kernel_bias_bufs(lb, n);
        break;
    case OP_DROPOUT:
        nb->noise_start = lb->p->noise_per_row;
        lb->p->noise_per_row += shape_size(n->out);
        if (n->seeded)
            add_noise_seed(lb->p, nb->noise_start, shape_size(n->out), n->seed);
        break;
    case OP_CONV1D: case OP_CONV2D:
        conv_plan(lb, n);
        break;
    case OP_MAXPOOL1D: case OP_MAXPOOL2D: case OP_AVGPOOL1D: case OP_AVGPOOL2D:
    case OP_MINPOOL1D: case OP_MINPOOL2D:
        pool_plan(lb, n);
        break;
    case OP_GMP1D: case OP_GMP2D:
        gmp_plan(lb, n);
        break;
    case OP_BATCHNORM:
        batchnorm_plan(lb, n);
        break;
    case OP_ADD: case OP_MULTIPLY:
        merge_plan(lb, n);
        break;
    case OP_GLU:
        glu_plan(lb, n);
        break;
    case OP_SIMPLE_RNN: case OP_LSTM: case OP_GRU: case OP_EMBEDDING:
        rnn_buffers(lb, n);
        break;
    default:
        break;
    }
}

bool layer_forward(LB *lb, const Node *n) {
    switch (n->op) {
    case OP_DENSE: dense_forward(lb, n); return true;
    case OP_ACTIVATION: activation_forward(lb, n); return true;
    case OP_DROPOUT: dropout_forward(lb, n); return true;
    case OP_CONV1D: case OP_CONV2D: conv_forward(lb, n); return true;
    case OP_MAXPOOL1D: case OP_MAXPOOL2D: case OP_AVGPOOL1D: case OP_AVGPOOL2D:
    case OP_MINPOOL1D: case OP_MINPOOL2D: pool_forward(lb, n); return true;
    case OP_GAP1D: case OP_GAP2D: gap_forward(lb, n); return true;
    case OP_GMP1D: case OP_GMP2D: gmp_forward(lb, n); return true;
    case OP_BATCHNORM: batchnorm_forward(lb, n); return true;
    case OP_ADD: case OP_MULTIPLY: merge_forward(lb, n); return true;
    case OP_CONCAT: concat_forward(lb, n); return true;
    case OP_GLU: glu_forward(lb, n); return true;
    case OP_SIMPLE_RNN: case OP_LSTM: case OP_GRU: case OP_EMBEDDING:
        rnn_forward(lb, n);
        return true;
    default: return false;
    }
}

bool layer_backward(LB *lb, const Node *n, bool written[]) {
    switch (n->op) {
    case OP_DENSE: dense_backward(lb, n, written); return true;
    case OP_ACTIVATION: activation_backward(lb, n, written); return true;
    case OP_DROPOUT: dropout_backward(lb, n, written); return true;
    case OP_CONV1D: case OP_CONV2D: conv_backward(lb, n, written); return true;
    case OP_MAXPOOL1D: case OP_MAXPOOL2D: case OP_AVGPOOL1D: case OP_AVGPOOL2D:
    case OP_MINPOOL1D: case OP_MINPOOL2D: pool_backward(lb, n, written); return true;
    case OP_GAP1D: case OP_GAP2D: gap_backward(lb, n, written); return true;
    case OP_GMP1D: case OP_GMP2D: gmp_backward(lb, n, written); return true;
    case OP_BATCHNORM: batchnorm_backward(lb, n, written); return true;
    case OP_ADD: case OP_MULTIPLY: merge_backward(lb, n, written); return true;
    case OP_CONCAT: concat_backward(lb, n, written); return true;
    case OP_GLU: glu_backward(lb, n, written); return true;
    case OP_SIMPLE_RNN: case OP_LSTM: case OP_GRU: case OP_EMBEDDING:
        rnn_backward(lb, n, written);
        return true;
    default: return false;
    }
}
