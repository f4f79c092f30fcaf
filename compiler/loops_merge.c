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
 * input used twice (add(h, h)) or through a view gets the sum of its uses. add and
 * multiply broadcast as Keras does: an input smaller than the output repeats along some
 * of its axes, and its gradient is the sum over those axes, per example.
 */
#include "loops_build.h"

#include <string.h>

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

/* How the inputs of an add or multiply line up with its output y (Keras' broadcasting,
 * graph.c: infer_elementwise). The loops run over y's axes, leaving out axes of size 1 and
 * merging neighbours along which every input either moves or repeats alike: for
 * x (B,4,4,8) · s (B,1,1,8) they are `for j in 0..16` (the 4·4 positions, which s repeats)
 * around `vector for k in 0..8` (the channels). step[i][a] is input i's index step along
 * loop a, 0 where it repeats: s is read at s[r*8 + k] whatever j is. */
typedef int64_t Steps[SHAPE_MAX_RANK];

typedef struct Bcast {
    int rank;                   /* loops, outermost first (at least 1) */
    int64_t d[SHAPE_MAX_RANK];  /* their extents */
    Steps ystep;                /* y's index steps */
    Steps *step;                /* step[i]: input i's */
    bool *repeats;              /* repeats[i]: input i has a step of 0 (it is smaller than y) */
} Bcast;

/* The loops' variables, the last ones of these (one loop: k, as without broadcasting). */
static const char *const bcast_vars[SHAPE_MAX_RANK] = {"h", "i", "j", "k"};

/* Input i's size on y's axis a: its shape lined up at the last axis, 1 in front of it. */
static int64_t aligned_dim(const Node *n, int i, int a) {
    int k = a - (n->out.rank - n->in[i]->out.rank);
    return k >= 0 ? n->in[i]->out.d[k] : 1;
}

/* Steps of a tensor along the loops: row-major over the loops it moves along, 0 along
 * the others (repeat[a]). */
static void bcast_steps(const Bcast *bc, const bool repeat[], int64_t step[]) {
    int64_t stride = 1;
    for (int a = bc->rank - 1; a >= 0; a--) {
        step[a] = repeat[a] ? 0 : stride;
        stride *= repeat[a] ? 1 : bc->d[a];
    }
}

static Bcast bcast_of(LB *lb, const Node *n) {
    Bcast bc = {0};
    int axis[SHAPE_MAX_RANK]; /* the first of y's axes in each loop */
    for (int a = 0; a < n->out.rank; a++) {
        if (n->out.d[a] == 1)
            continue;
        bool merge = bc.rank > 0;
        for (int i = 0; merge && i < n->nin; i++)
            merge = (aligned_dim(n, i, a) == 1) == (aligned_dim(n, i, axis[bc.rank - 1]) == 1);
        if (merge) {
            bc.d[bc.rank - 1] *= n->out.d[a];
        } else {
            axis[bc.rank] = a;
            bc.d[bc.rank++] = n->out.d[a];
        }
    }
    if (bc.rank == 0) { /* y holds one value per example */
        axis[0] = -1;
        bc.d[bc.rank++] = 1;
    }
    bool repeat[SHAPE_MAX_RANK] = {false};
    bcast_steps(&bc, repeat, bc.ystep);
    bc.step = ARENA_ARRAY(lb->a, Steps, n->nin);
    bc.repeats = ARENA_ARRAY(lb->a, bool, n->nin);
    for (int i = 0; i < n->nin; i++) {
        for (int a = 0; a < bc.rank; a++) {
            repeat[a] = axis[a] >= 0 && aligned_dim(n, i, axis[a]) == 1;
            bc.repeats[i] |= repeat[a];
        }
        bcast_steps(&bc, repeat, bc.step[i]);
    }
    return bc;
}

/* Opens the loops (the last one a vector loop when `vector`); returns their variables. */
static LExpr **bcast_loops(LB *lb, const Bcast *bc, bool vector) {
    LExpr **v = ARENA_ARRAY(lb->a, LExpr *, bc->rank);
    for (int a = 0; a < bc->rank; a++) {
        LStmt *s = for_begin(lb, bcast_vars[SHAPE_MAX_RANK - bc->rank + a], e_int(lb, bc->d[a]));
        s->vector = vector && a == bc->rank - 1;
        v[a] = e_var(lb, s);
    }
    return v;
}

static void bcast_end(LB *lb, const Bcast *bc) {
    for (int a = 0; a < bc->rank; a++)
        for_end(lb);
}

/* base + Σ_a v[a]·step[a]: the index at the loops' variables v. */
static LExpr *steps_at(LB *lb, const Bcast *bc, const int64_t step[], LExpr *base, LExpr **v) {
    for (int a = 0; a < bc->rank; a++)
        base = e_add(lb, base, e_mul(lb, v[a], e_int(lb, step[a])));
    return base;
}

/* Flat index into input i (−1: y) in example r at the loops' variables v. */
static LExpr *bcast_at(LB *lb, const Node *n, const Bcast *bc, int i, LExpr *r, LExpr **v) {
    LExpr *base = e_mul(lb, r, e_int(lb, shape_size(i < 0 ? n->out : n->in[i]->out)));
    return steps_at(lb, bc, i < 0 ? bc->ystep : bc->step[i], base, v);
}

/* The term input i's gradient gets at one element of y: dy, times the other inputs' values
 * there for a product. */
static LExpr *merge_term(LB *lb, const Node *n, const Bcast *bc, int i, LExpr *r, LExpr **v) {
    LExpr *t = e_load(lb, lb->nb[n->id].dout, bcast_at(lb, n, bc, -1, r, v));
    for (int j = 0; j < n->nin && n->op == OP_MULTIPLY; j++)
        if (j != i)
            t = e_bin(lb, '*', t, e_load(lb, input_buf(lb, n, j), bcast_at(lb, n, bc, j, r, v)));
    return t;
}

/* "(B,4,4,8)" */
static const char *dims_text(LB *lb, Shape s) {
    const char *t = "(B";
    for (int a = 0; a < s.rank; a++)
        t = arena_printf(lb->a, "%s,%lld", t, (long long)s.d[a]);
    return arena_printf(lb->a, "%s)", t);
}

/* "axes 1, 2 of y (B,4,4,8)": where input i repeats, in Keras' count (the batch is 0). */
static const char *repeat_axes(LB *lb, const Node *n, int i) {
    const char *axes = "";
    int count = 0;
    for (int a = 0; a < n->out.rank; a++)
        if (n->out.d[a] > 1 && aligned_dim(n, i, a) == 1)
            axes = arena_printf(lb->a, "%s%s%d", axes, count++ ? ", " : "", a + 1);
    return arena_printf(lb->a, "ax%s %s of y %s", count > 1 ? "es" : "is", axes,
                        dims_text(lb, n->out));
}

/* "loop j": the loops that do not move input i's index. */
static const char *repeat_loops(LB *lb, const Bcast *bc, int i) {
    const char *loops = "";
    int count = 0;
    for (int a = 0; a < bc->rank; a++)
        if (bc->step[i][a] == 0)
            loops = arena_printf(lb->a, "%s%s%s", loops, count++ ? ", " : "",
                                 bcast_vars[SHAPE_MAX_RANK - bc->rank + a]);
    return arena_printf(lb->a, "loop%s %s", count > 1 ? "s" : "", loops);
}

/* One comment line per input that repeats: which of y's axes it repeats along. */
static void bcast_comments(LB *lb, const Node *n, const Bcast *bc) {
    for (int i = 0; i < n->nin; i++) {
        if (!bc->repeats[i])
            continue;
        Shape s = n->in[i]->out, lined = n->out;
        for (int a = 0; a < lined.rank; a++)
            lined.d[a] = aligned_dim(n, i, a);
        const char *as = s.rank < lined.rank
                             ? arena_printf(lb->a, " (lined up at the last axis: %s)",
                                            dims_text(lb, lined))
                             : "";
        const char *loops = repeat_loops(lb, bc, i);
        s_comment(lb, "broadcast: %s %s%s repeats along %s: %s leave%s its index alone",
                  input_buf(lb, n, i)->name, dims_text(lb, s), as, repeat_axes(lb, n, i),
                  loops, strchr(loops, ',') ? "" : "s");
    }
}

void merge_plan(LB *lb, const Node *n) {
    for (int i = 0; i < n->nin; i++)
        if (input_needs_grad(n, i) && shape_size(n->in[i]->out) < shape_size(n->out))
            buf_scratch(lb, SCRATCH_PARTIAL, shape_size(n->in[i]->out));
}

void merge_forward(LB *lb, const Node *n) {
    bool add = n->op == OP_ADD;
    Bcast bc = bcast_of(lb, n);
    s_comment(lb, "%s forward (%s): y = %s of %d inputs", n->name, node_line(lb, n),
              add ? "the sum" : "the elementwise product", n->nin);
    bcast_comments(lb, n, &bc);
    LExpr *r = row_loop(lb, e_batch(lb));
    LExpr **v = bcast_loops(lb, &bc, true);
    LExpr *y = NULL;
    for (int i = 0; i < n->nin; i++) {
        LExpr *x = e_load(lb, input_buf(lb, n, i), bcast_at(lb, n, &bc, i, r, v));
        y = !y ? x : e_bin(lb, add ? '+' : '*', y, x);
    }
    s_store(lb, lb->nb[n->id].out, bcast_at(lb, n, &bc, -1, r, v), y);
    bcast_end(lb, &bc);
    for_end(lb);
}

/* The gradient of input i, which repeats along some loops, in example r: the sum of its
 * terms over the elements of y that read each of its elements,
 *   scratch.partial[r, :] = 0;  for every element of y: partial[r, i's index] += term;
 *   dx_i[r, :] = partial[r, :]
 * Example r's row of scratch.partial starts at r·row, row being the largest repeating
 * input of the merge, so the rows of the threads' examples never overlap whichever input
 * each one is summing. One thread adds up each example, in y's order, so the sums do not
 * depend on the thread count. The last loop is a vector loop only when input i moves along
 * it (else each of its iterations adds into the same element). */
static void merge_reduce(LB *lb, const Node *n, const Bcast *bc, int i, LExpr *r, int64_t row,
                         bool first) {
    const Buf *part = lb->scratch[SCRATCH_PARTIAL];
    int64_t size = shape_size(n->in[i]->out);
    s_comment(lb, "gradient of %s: the sum over %s (%s), added up in order in "
                  "scratch.partial", input_buf(lb, n, i)->name, repeat_axes(lb, n, i),
              repeat_loops(lb, bc, i));
    LExpr *base = e_mul(lb, r, e_int(lb, row));
    /* vector for k in 0..size, or no loop for one value per example */
    LExpr *k = size > 1 ? vec_loop(lb, "k", size) : e_int(lb, 0);
    s_store(lb, part, e_add(lb, base, k), e_real(lb, 0));
    if (size > 1)
        for_end(lb);
    LExpr **v = bcast_loops(lb, bc, bc->step[i][bc->rank - 1] != 0);
    s_accum(lb, part, steps_at(lb, bc, bc->step[i], base, v), merge_term(lb, n, bc, i, r, v));
    bcast_end(lb, bc);
    k = size > 1 ? vec_loop(lb, "k", size) : e_int(lb, 0);
    grad_store(lb, n->in[i], e_add(lb, e_mul(lb, r, e_int(lb, size)), k),
               e_load(lb, part, e_add(lb, base, k)), first);
    if (size > 1)
        for_end(lb);
}

void merge_backward(LB *lb, const Node *n, bool written[]) {
    Bcast bc = bcast_of(lb, n);
    bool any = false, direct = false, reduced = false;
    for (int i = 0; i < n->nin; i++) {
        bool needed = input_needs_grad(n, i);
        any |= needed;
        direct |= needed && !bc.repeats[i];
        reduced |= needed && bc.repeats[i];
    }
    if (!any)
        return;
    s_comment(lb, "%s backward (%s): dx_i = dy%s, for each input in turn%s", n->name,
              node_line(lb, n), n->op == OP_ADD ? "" : "·Π_{j≠i} x_j",
              reduced ? "; an input that repeats gets the sum over the axes it repeats along"
                      : "");
    /* The written[] protocol in the order of the loops below: the inputs that do not
     * repeat, then the others (an input may be the same tensor as another, or a view of
     * it, and its first write must be the store). */
    bool *first = ARENA_ARRAY(lb->a, bool, n->nin);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n->nin; i++)
            if (input_needs_grad(n, i) && bc.repeats[i] == (pass == 1))
                first[i] = first_grad(written, n, i);
    LExpr *r = row_loop(lb, e_batch(lb));
    if (direct) {
        LExpr **v = bcast_loops(lb, &bc, true);
        for (int i = 0; i < n->nin; i++)
            if (input_needs_grad(n, i) && !bc.repeats[i])
                grad_store(lb, n->in[i], bcast_at(lb, n, &bc, i, r, v),
                           merge_term(lb, n, &bc, i, r, v), first[i]);
        bcast_end(lb, &bc);
    }
    int64_t row = 0; /* the scratch row of one example: the largest input summed */
    for (int i = 0; i < n->nin; i++)
        if (input_needs_grad(n, i) && bc.repeats[i] && shape_size(n->in[i]->out) > row)
            row = shape_size(n->in[i]->out);
    for (int i = 0; i < n->nin; i++)
        if (input_needs_grad(n, i) && bc.repeats[i])
            merge_reduce(lb, n, &bc, i, r, row, first[i]);
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
