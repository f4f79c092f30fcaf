/*
 * loops_merge.c — batch normalization, the merge layers (add, multiply, concat) and
 * gated linear units, forward and backward.
 *
 * Batch normalization follows Keras 3's BatchNormalization over the last axis (C): in
 * training, the batch's mean and biased variance over the other B·S positions, and the
 * moving statistics updated as m = momentum·m + (1 − momentum)·batch (forward writes
 * them, as docs/abi.md allows); in evaluation, the moving statistics. Batch sums run in
 * two steps: per-example partial sums in parallel (vector over C), then a short serial
 * sum over the B rows, so every result has one fixed order of additions.
 *
 * Merges write each input's gradient with grad_store, one input after another, so an
 * input used twice (add(h, h)) or through a view gets the sum of its uses.
 */
#include "loops_build.h"

/* parallel for r in 0..rows — returns r. */
static LExpr *row_loop(LB *lb, LExpr *rows) {
    LStmt *r = for_begin(lb, "r", rows);
    r->parallel = true;
    return e_var(lb, r);
}

/* vector for var in 0..n — returns var. */
static LExpr *vec_loop(LB *lb, const char *var, int64_t n) {
    LStmt *s = for_begin(lb, var, e_int(lb, n));
    s->vector = true;
    return e_var(lb, s);
}

static const Buf *input_buf(LB *lb, const Node *n, int i) {
    return lb->nb[view_source(n->in[i])->id].out;
}

/* ---- batch normalization ---- */

/* x viewed as (B, S, C): S positions of C channels per example. */
static void bn_dims(const Node *n, int64_t *S, int64_t *C) {
    *C = n->out.d[n->out.rank - 1];
    *S = shape_size(n->out) / *C;
}

void batchnorm_plan(LB *lb, const Node *n) {
    NodeBufs *nb = &lb->nb[n->id];
    nb->W = buf_param(lb, &n->params[0], false);  /* gamma */
    nb->dW = buf_param(lb, &n->params[0], true);
    nb->b = buf_param(lb, &n->params[1], false);  /* beta */
    nb->db = buf_param(lb, &n->params[1], true);
    nb->moving_mean = buf_param(lb, &n->params[2], false);
    nb->moving_var = buf_param(lb, &n->params[3], false);
    Shape c = {1, {n->out.d[n->out.rank - 1]}};
    nb->mean = buf_work_fixed(lb, arena_printf(lb->a, "%s.mean", n->name), c);
    nb->invstd = buf_work_fixed(lb, arena_printf(lb->a, "%s.invstd", n->name), c);
    buf_scratch(lb, SCRATCH_PAD, 2 * c.d[0]);
}

/* B·S, the number of values behind each channel's statistics, as a real. */
static LExpr *bn_count(LB *lb, int64_t S) {
    LExpr *b = e_to_real(lb, e_batch(lb));
    return S == 1 ? b : e_bin(lb, '*', b, e_real(lb, (double)S));
}

/* Index of x[r, p, c] in a (B, S, C) buffer. */
static LExpr *bn_at(LB *lb, int64_t S, int64_t C, LExpr *r, LExpr *p, LExpr *c) {
    LExpr *v[] = {r, p, c};
    int64_t s[] = {S * C, C, 1};
    return e_lin(lb, 3, v, s);
}

/* part[r, half·C + c] = Σ_p term(x[r, p, c]) for every example r, in parallel. */
static void bn_partial_sums(LB *lb, const Node *n, bool squares) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = input_buf(lb, n, 0), *part = lb->scratch[SCRATCH_PAD];
    int64_t S, C;
    bn_dims(n, &S, &C);
    LExpr *r = row_loop(lb, e_batch(lb));
    LExpr *c = vec_loop(lb, "c", C);
    s_store(lb, part, e_add(lb, e_mul(lb, r, e_int(lb, 2 * C)), c), e_real(lb, 0));
    for_end(lb);
    LStmt *p = for_begin(lb, "p", e_int(lb, S));
    c = vec_loop(lb, "c", C);
    LExpr *v = e_load(lb, x, bn_at(lb, S, C, r, e_var(lb, p), c));
    if (squares) {
        s_let(lb, "d", e_bin(lb, '-', v, e_load(lb, nb->mean, c)));
        v = e_bin(lb, '*', e_temp(lb, "d"), e_temp(lb, "d"));
    }
    s_accum(lb, part, e_add(lb, e_mul(lb, r, e_int(lb, 2 * C)), c), v);
    for_end(lb);
    for_end(lb);
    for_end(lb);
}

/* for c: s = Σ_r part[r, c] / (B·S); then the statistic and its moving average. */
static void bn_batch_stat(LB *lb, const Node *n, bool variance) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *part = lb->scratch[SCRATCH_PAD];
    int64_t S, C;
    bn_dims(n, &S, &C);
    LStmt *cl = for_begin(lb, "c", e_int(lb, C));
    LExpr *c = e_var(lb, cl);
    s_let(lb, "s", e_real(lb, 0));
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    s_add(lb, "s", e_load(lb, part, e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, 2 * C)), c)));
    for_end(lb);
    s_let(lb, "s", e_bin(lb, '/', e_temp(lb, "s"), bn_count(lb, S)));
    const Buf *moving = variance ? nb->moving_var : nb->moving_mean;
    if (variance)
        s_store(lb, nb->invstd, c, e_bin(lb, '/', e_real(lb, 1),
                                         e_un(lb, 'q', e_bin(lb, '+', e_temp(lb, "s"),
                                                             e_real(lb, n->epsilon)))));
    else
        s_store(lb, nb->mean, c, e_temp(lb, "s"));
    s_store(lb, moving, c, e_bin(lb, '+', e_bin(lb, '*', e_real(lb, n->momentum), e_load(lb, moving, c)),
                                 e_bin(lb, '*', e_real(lb, 1 - n->momentum), e_temp(lb, "s"))));
    for_end(lb);
}

void batchnorm_forward(LB *lb, const Node *n) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = input_buf(lb, n, 0);
    int64_t S, C;
    bn_dims(n, &S, &C);
    s_comment(lb, "%s forward (%s): y = gamma·(x − mean)·invstd + beta over the last axis "
                  "(C = %lld), invstd = 1/√(var + %g)", n->name, node_line(lb, n), (long long)C,
              n->epsilon);
    LStmt *cond = if_begin(lb, e_training(lb));
    s_comment(lb, "training: statistics of the batch over B·%lld positions (biased variance); "
                  "moving = %g·moving + %g·batch", (long long)S, n->momentum, 1 - n->momentum);
    bn_partial_sums(lb, n, false);
    bn_batch_stat(lb, n, false);
    bn_partial_sums(lb, n, true);
    bn_batch_stat(lb, n, true);
    if_else(lb, cond);
    s_comment(lb, "evaluation: the moving statistics");
    LExpr *c = vec_loop(lb, "c", C);
    s_store(lb, nb->mean, c, e_load(lb, nb->moving_mean, c));
    s_store(lb, nb->invstd, c, e_bin(lb, '/', e_real(lb, 1),
                                     e_un(lb, 'q', e_bin(lb, '+', e_load(lb, nb->moving_var, c),
                                                         e_real(lb, n->epsilon)))));
    for_end(lb);
    if_end(lb);
    LExpr *r = row_loop(lb, e_batch(lb));
    LStmt *p = for_begin(lb, "p", e_int(lb, S));
    c = vec_loop(lb, "c", C);
    LExpr *idx = bn_at(lb, S, C, r, e_var(lb, p), c);
    LExpr *xhat = e_bin(lb, '*', e_bin(lb, '-', e_load(lb, x, idx), e_load(lb, nb->mean, c)),
                        e_load(lb, nb->invstd, c));
    s_store(lb, nb->out, idx, e_bin(lb, '+', e_bin(lb, '*', e_load(lb, nb->W, c), xhat),
                                    e_load(lb, nb->b, c)));
    for_end(lb);
    for_end(lb);
    for_end(lb);
}

/* dbeta = Σ dy and dgamma = Σ dy·xhat, per channel, through per-example partial sums. */
static void bn_param_grads(LB *lb, const Node *n) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = input_buf(lb, n, 0), *part = lb->scratch[SCRATCH_PAD];
    int64_t S, C;
    bn_dims(n, &S, &C);
    LExpr *r = row_loop(lb, e_batch(lb));
    LExpr *base = e_mul(lb, r, e_int(lb, 2 * C));
    LExpr *c = vec_loop(lb, "c", C);
    s_store(lb, part, e_add(lb, base, c), e_real(lb, 0));
    s_store(lb, part, e_add(lb, base, e_add(lb, c, e_int(lb, C))), e_real(lb, 0));
    for_end(lb);
    LStmt *p = for_begin(lb, "p", e_int(lb, S));
    c = vec_loop(lb, "c", C);
    LExpr *idx = bn_at(lb, S, C, r, e_var(lb, p), c);
    s_let(lb, "g", e_load(lb, nb->dout, idx));
    s_accum(lb, part, e_add(lb, base, c), e_temp(lb, "g"));
    s_accum(lb, part, e_add(lb, base, e_add(lb, c, e_int(lb, C))),
            e_bin(lb, '*', e_temp(lb, "g"),
                  e_bin(lb, '*', e_bin(lb, '-', e_load(lb, x, idx), e_load(lb, nb->mean, c)),
                        e_load(lb, nb->invstd, c))));
    for_end(lb);
    for_end(lb);
    for_end(lb);
    LStmt *cl = for_begin(lb, "c", e_int(lb, C));
    c = e_var(lb, cl);
    s_let(lb, "sb", e_real(lb, 0));
    s_let(lb, "sg", e_real(lb, 0));
    LStmt *rl = for_begin(lb, "r", e_batch(lb));
    base = e_mul(lb, e_var(lb, rl), e_int(lb, 2 * C));
    s_add(lb, "sb", e_load(lb, part, e_add(lb, base, c)));
    s_add(lb, "sg", e_load(lb, part, e_add(lb, base, e_add(lb, c, e_int(lb, C)))));
    for_end(lb);
    s_store(lb, nb->db, c, e_temp(lb, "sb"));
    s_store(lb, nb->dW, c, e_temp(lb, "sg"));
    for_end(lb);
}

void batchnorm_backward(LB *lb, const Node *n, bool written[]) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = input_buf(lb, n, 0);
    int64_t S, C;
    bn_dims(n, &S, &C);
    s_comment(lb, "%s backward (%s): xhat = (x − mean)·invstd; dbeta = Σ dy; "
                  "dgamma = Σ dy·xhat (over B·%lld positions)", n->name, node_line(lb, n),
              (long long)S);
    bn_param_grads(lb, n);
    if (!needs_input_grad(n)) {
        s_comment(lb, "no dx: '%s' reads the model's input", n->name);
        return;
    }
    bool first = first_grad(written, n, 0);
    s_comment(lb, "dx = gamma·invstd·(dy − (dbeta + xhat·dgamma)/(B·%lld)): through the "
                  "batch mean and variance", (long long)S);
    LExpr *r = row_loop(lb, e_batch(lb));
    LStmt *p = for_begin(lb, "p", e_int(lb, S));
    LExpr *c = vec_loop(lb, "c", C);
    LExpr *idx = bn_at(lb, S, C, r, e_var(lb, p), c);
    s_let(lb, "xhat", e_bin(lb, '*', e_bin(lb, '-', e_load(lb, x, idx), e_load(lb, nb->mean, c)),
                            e_load(lb, nb->invstd, c)));
    LExpr *sums = e_bin(lb, '+', e_load(lb, nb->db, c),
                        e_bin(lb, '*', e_temp(lb, "xhat"), e_load(lb, nb->dW, c)));
    LExpr *centered = e_bin(lb, '-', e_load(lb, nb->dout, idx),
                            e_bin(lb, '/', sums, bn_count(lb, S)));
    grad_store(lb, n->in[0], idx,
               e_bin(lb, '*', e_bin(lb, '*', e_load(lb, nb->W, c), e_load(lb, nb->invstd, c)),
                     centered), first);
    for_end(lb);
    for_end(lb);
    for_end(lb);
}

/* ---- add, multiply ---- */

/* Π of the inputs' values at idx, leaving out input `skip` (−1: none). */
static LExpr *product_except(LB *lb, const Node *n, LExpr *idx, int skip) {
    LExpr *v = NULL;
    for (int i = 0; i < n->nin; i++) {
        if (i == skip)
            continue;
        LExpr *x = e_load(lb, input_buf(lb, n, i), idx);
        v = v ? e_bin(lb, '*', v, x) : x;
    }
    return v;
}

void merge_forward(LB *lb, const Node *n) {
    bool add = n->op == OP_ADD;
    int64_t width = shape_size(n->out);
    s_comment(lb, "%s forward (%s): y = %s of %d inputs", n->name, node_line(lb, n),
              add ? "the sum" : "the elementwise product", n->nin);
    LExpr *r = row_loop(lb, e_batch(lb));
    LExpr *k = vec_loop(lb, "k", width);
    LExpr *idx = e_add(lb, e_mul(lb, r, e_int(lb, width)), k);
    LExpr *v = NULL;
    for (int i = 0; i < n->nin; i++) {
        LExpr *x = e_load(lb, input_buf(lb, n, i), idx);
        v = !v ? x : e_bin(lb, add ? '+' : '*', v, x);
    }
    s_store(lb, lb->nb[n->id].out, idx, v);
    for_end(lb);
    for_end(lb);
}

void merge_backward(LB *lb, const Node *n, bool written[]) {
    bool add = n->op == OP_ADD, any = false;
    for (int i = 0; i < n->nin; i++)
        any |= input_needs_grad(n, i);
    if (!any)
        return;
    int64_t width = shape_size(n->out);
    s_comment(lb, "%s backward (%s): dx_i = dy%s, for each input in turn", n->name,
              node_line(lb, n), add ? "" : "·Π_{j≠i} x_j");
    bool *first = ARENA_ARRAY(lb->a, bool, n->nin);
    for (int i = 0; i < n->nin; i++)
        first[i] = input_needs_grad(n, i) && first_grad(written, n, i);
    LExpr *r = row_loop(lb, e_batch(lb));
    LExpr *k = vec_loop(lb, "k", width);
    LExpr *idx = e_add(lb, e_mul(lb, r, e_int(lb, width)), k);
    LExpr *dy = e_load(lb, lb->nb[n->id].dout, idx);
    for (int i = 0; i < n->nin; i++)
        if (input_needs_grad(n, i))
            grad_store(lb, n->in[i], idx, add ? dy : e_bin(lb, '*', dy, product_except(lb, n, idx, i)),
                       first[i]);
    for_end(lb);
    for_end(lb);
}

/* ---- concat ---- */

/* Per example, input i is `outer` blocks of inner_i contiguous values, and lands in
 * block o of the output at offset off_i: y[r, o, off_i + k] = x_i[r, o, k]. */
static int64_t concat_outer(const Node *n) {
    int64_t outer = 1;
    for (int a = 0; a < n->axis; a++)
        outer *= n->out.d[a];
    return outer;
}

static void concat_pass(LB *lb, const Node *n, bool backward, const bool first[]) {
    int64_t outer = concat_outer(n), out_inner = shape_size(n->out) / outer, off = 0;
    const NodeBufs *nb = &lb->nb[n->id];
    LExpr *r = row_loop(lb, e_batch(lb));
    for (int i = 0; i < n->nin; i++) {
        int64_t inner = shape_size(n->in[i]->out) / outer;
        if (!backward || input_needs_grad(n, i)) {
            LStmt *o = outer > 1 ? for_begin(lb, "o", e_int(lb, outer)) : NULL;
            LExpr *ov = o ? e_var(lb, o) : e_int(lb, 0);
            LExpr *k = vec_loop(lb, "k", inner);
            LExpr *vy[] = {r, ov, k}, *vx[] = {r, ov, k};
            int64_t sy[] = {shape_size(n->out), out_inner, 1};
            int64_t sx[] = {shape_size(n->in[i]->out), inner, 1};
            LExpr *yi = e_add(lb, e_lin(lb, 3, vy, sy), e_int(lb, off));
            LExpr *xi = e_lin(lb, 3, vx, sx);
            if (backward)
                grad_store(lb, n->in[i], xi, e_load(lb, nb->dout, yi), first[i]);
            else
                s_store(lb, nb->out, yi, e_load(lb, input_buf(lb, n, i), xi));
            for_end(lb);
            if (o)
                for_end(lb);
        }
        off += inner;
    }
    for_end(lb);
}

void concat_forward(LB *lb, const Node *n) {
    s_comment(lb, "%s forward (%s): y = the %d inputs side by side along axis %d", n->name,
              node_line(lb, n), n->nin, n->axis + 1);
    concat_pass(lb, n, false, NULL);
}

void concat_backward(LB *lb, const Node *n, bool written[]) {
    bool any = false;
    for (int i = 0; i < n->nin; i++)
        any |= input_needs_grad(n, i);
    if (!any)
        return;
    s_comment(lb, "%s backward (%s): each input's slice of dy", n->name, node_line(lb, n));
    bool *first = ARENA_ARRAY(lb->a, bool, n->nin);
    for (int i = 0; i < n->nin; i++)
        first[i] = input_needs_grad(n, i) && first_grad(written, n, i);
    concat_pass(lb, n, true, first);
}

/* ---- gated linear units ---- */

/* Rows of the last axis: B·T for a sequence, B for a vector. */
static LExpr *glu_rows(LB *lb, const Node *n) {
    int64_t last = n->out.d[n->out.rank - 1];
    return e_mul(lb, e_batch(lb), e_int(lb, shape_size(n->out) / last));
}

void glu_plan(LB *lb, const Node *n) {
    if (n->units == 0)
        return;
    NodeBufs *nb = &lb->nb[n->id];
    kernel_bias_bufs(lb, n);
    Shape z = n->out;
    z.d[z.rank - 1] = 2 * n->units;
    nb->z = buf_work(lb, arena_printf(lb->a, "%s.z", n->name), z);
    nb->dz = buf_work(lb, arena_printf(lb->a, "%s.dz", n->name), z);
}

void glu_forward(LB *lb, const Node *n) {
    const NodeBufs *nb = &lb->nb[n->id];
    int64_t u = n->out.d[n->out.rank - 1];
    const Buf *x = input_buf(lb, n, 0), *gates = x;
    LExpr *rows = glu_rows(lb, n);
    if (n->units) {
        int64_t f = n->in[0]->out.d[n->in[0]->out.rank - 1];
        s_comment(lb, "%s forward (%s): z = x·W%s, W (%lld, %lld); y = z[:, :%lld]·σ(z[:, "
                      "%lld:])", n->name, node_line(lb, n), nb->b ? " + b" : "", (long long)f,
                  (long long)(2 * u), (long long)u, (long long)u);
        gemm_forward(lb, x, nb->W, nb->b, nb->z, NULL, (Activation){ACT_LINEAR, 0}, rows, f, 2 * u);
        gates = nb->z;
    } else {
        s_comment(lb, "%s forward (%s): y = a·σ(b), a = x[..., :%lld], b = x[..., %lld:]",
                  n->name, node_line(lb, n), (long long)u, (long long)u);
    }
    LExpr *r = row_loop(lb, rows);
    LExpr *j = vec_loop(lb, "j", u);
    LExpr *a = e_add(lb, e_mul(lb, r, e_int(lb, 2 * u)), j);
    s_store(lb, nb->out, e_add(lb, e_mul(lb, r, e_int(lb, u)), j),
            e_bin(lb, '*', e_load(lb, gates, a),
                  e_un(lb, 's', e_load(lb, gates, e_add(lb, a, e_int(lb, u))))));
    for_end(lb);
    for_end(lb);
}

/* da = dy·σ(b), db = dy·a·σ(b)·(1 − σ(b)), into the gates' gradient: the input's (via
 * grad_store) or dz. */
static void glu_gate_grads(LB *lb, const Node *n, const Buf *gates, bool first) {
    const NodeBufs *nb = &lb->nb[n->id];
    int64_t u = n->out.d[n->out.rank - 1];
    LExpr *r = row_loop(lb, glu_rows(lb, n));
    LExpr *j = vec_loop(lb, "j", u);
    LExpr *ai = e_add(lb, e_mul(lb, r, e_int(lb, 2 * u)), j), *bi = e_add(lb, ai, e_int(lb, u));
    s_let(lb, "s", e_un(lb, 's', e_load(lb, gates, bi)));
    s_let(lb, "g", e_load(lb, nb->dout, e_add(lb, e_mul(lb, r, e_int(lb, u)), j)));
    LExpr *s = e_temp(lb, "s"), *g = e_temp(lb, "g");
    LExpr *da = e_bin(lb, '*', g, s);
    LExpr *db = e_bin(lb, '*', e_bin(lb, '*', g, e_load(lb, gates, ai)),
                      e_bin(lb, '*', s, e_bin(lb, '-', e_real(lb, 1), s)));
    if (n->units) {
        s_store(lb, nb->dz, ai, da);
        s_store(lb, nb->dz, bi, db);
    } else {
        grad_store(lb, n->in[0], ai, da, first);
        grad_store(lb, n->in[0], bi, db, first);
    }
    for_end(lb);
    for_end(lb);
}

void glu_backward(LB *lb, const Node *n, bool written[]) {
    const NodeBufs *nb = &lb->nb[n->id];
    bool dx = needs_input_grad(n);
    if (!n->units) {
        if (!dx)
            return;
        s_comment(lb, "%s backward (%s): da = dy·σ(b), db = dy·a·σ(b)·(1 − σ(b))", n->name,
                  node_line(lb, n));
        glu_gate_grads(lb, n, input_buf(lb, n, 0), first_grad(written, n, 0));
        return;
    }
    int64_t u = n->units, f = n->in[0]->out.d[n->in[0]->out.rank - 1];
    LExpr *rows = glu_rows(lb, n);
    s_comment(lb, "%s backward (%s): dz = [dy·σ(zb), dy·za·σ(zb)·(1 − σ(zb))]", n->name,
              node_line(lb, n));
    glu_gate_grads(lb, n, nb->z, false);
    double l2 = n->params[0].l2;
    s_comment(lb, "dW = xᵀ·dz%s%s", l2 > 0 ? " + 2·l2·W" : "", nb->db ? ", db = Σ_rows dz" : "");
    gemm_dweight(lb, input_buf(lb, n, 0), nb->dz, nb->W, nb->dW, nb->db, l2, rows, f, 2 * u, NULL);
    if (!dx) {
        s_comment(lb, "no dx: '%s' reads the model's input", n->name);
        return;
    }
    s_comment(lb, "dx = dz·Wᵀ");
    gemm_dinput(lb, nb->dz, nb->W, NULL, n->in[0], first_grad(written, n, 0), rows, f, 2 * u);
}
