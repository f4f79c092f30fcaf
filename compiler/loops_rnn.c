/*
 * loops_rnn.c — loop nests of the recurrent layers (simple_rnn, lstm, gru) and of
 * embedding: forward, and backward through time (BPTT).
 *
 * Keras semantics: gate order i, f, c, o (LSTM) and z, r, h (GRU); initial states zero;
 * GRU with reset_after has an input and a recurrent bias, b (2, 3u). A recurrent layer
 * is lowered in three parts:
 *   1. the input projection z = x·W + b of every step at once: the dense layers'
 *      product over B·T rows (loops_gemm.c);
 *   2. the recurrence: each example is independent, so one parallel loop over blocks of
 *      EX_BLOCK examples holds the sequential loop over steps (no barrier per step). Each
 *      step's product h_{t-1}·U is one register tile per block of gate columns, a row per
 *      example, so each vector of U is loaded once per block, not once per example; the
 *      gate arithmetic follows, example by example. The B mod EX_BLOCK last examples
 *      take the same path one at a time;
 *   3. backward: the same split in reverse. Per block, steps T−1 … 0 turn the carried
 *      dh (and dc) into the gate gradients dz and dh_{t-1} = dz·Uᵀ (the same tiles, on a
 *      copy of Uᵀ); then dW and dU are tiled products over all B·T rows with the sum over
 *      the examples in fixed parts, db, and dx = dz·Wᵀ as a dense layer's.
 * Every step's states and gate values stay in work buffers for step 3. The states
 * buffer h holds T+1 steps per example, h[:, 0] = 0 and h_t at step t+1, so h_{t-1} is
 * always a load, never a branch.
 *
 * Embedding looks rows up in its table; its gradient scatter-adds into the table and
 * it has no input gradient. Indices are clamped into the table in the generated code,
 * and the runtime refuses data holding indices outside it (LoopProgram.input_index_limit).
 */
#include "loops_build.h"

struct RnnBufs {
    int k;              /* weight blocks: 1 simple_rnn, 4 lstm, 3 gru */
    int64_t T, F, u;    /* steps, input features, units */
    Buf *U, *dU;        /* (u, k·u) recurrent kernel */
    Buf *z;             /* (B, T, k·u) pre-activations: x·W + b, plus h_{t-1}·U (not gru
                           with reset_after, whose recurrent part is zh) */
    Buf *zh;            /* gru reset_after: (B, T, 3u) h_{t-1}·U + b_rec */
    Buf *a;             /* (B, T, k·u) gate values after their activations */
    Buf *h;             /* (B, T+1, u) hidden states; h[:, 0] = 0 */
    Buf *c;             /* lstm: (B, T+1, u) cell states; c[:, 0] = 0 */
    Buf *rh;            /* gru, reset_after=false: (B, T, u) r ⊙ h_{t-1} */
    Buf *dz;            /* (B, T, k·u) d loss / d z */
    Buf *dzh;           /* gru reset_after: (B, T, 3u) d loss / d zh */
    Buf *dh, *dc;       /* (B, u) gradients carried from step t to step t−1 */
    const Buf *Ut;      /* backward: Uᵀ (k·u, u), so that dz·Uᵀ sums contiguous rows */
    Buf *drh;           /* gru, reset_after=false: (B, u) d loss / d (r ⊙ h_{t-1}) */
};

static bool reset_after(const Node *n) {
    return n->op == OP_GRU && n->reset_after;
}

/* ---- buffers ---- */

static Shape seq_shape(int64_t steps, int64_t width) {
    return (Shape){2, {steps, width}};
}

static Buf *rnn_work(LB *lb, const Node *n, const char *what, int64_t steps, int64_t width) {
    return buf_work(lb, arena_printf(lb->a, "%s.%s", n->name, what),
                    steps > 1 ? seq_shape(steps, width) : (Shape){1, {width}});
}

static void embedding_buffers(LB *lb, const Node *n) {
    NodeBufs *nb = &lb->nb[n->id];
    nb->W = buf_param(lb, &n->params[0], false);
    nb->dW = buf_param(lb, &n->params[0], true);
    int64_t *limit = &lb->p->input_index_limit;
    if (*limit == 0 || n->vocab < *limit)
        *limit = n->vocab;
}

void rnn_buffers(LB *lb, const Node *n) {
    if (n->op == OP_EMBEDDING) {
        embedding_buffers(lb, n);
        return;
    }
    NodeBufs *nb = &lb->nb[n->id];
    RnnBufs *rb = ARENA_NEW(lb->a, RnnBufs);
    nb->rnn = rb;
    Shape s = n->in[0]->out;
    rb->k = n->op == OP_LSTM ? 4 : n->op == OP_GRU ? 3 : 1;
    rb->T = s.d[0];
    rb->F = s.d[1];
    rb->u = n->units;
    int64_t T = rb->T, u = rb->u, ku = rb->k * rb->u;
    nb->W = buf_param(lb, &n->params[0], false);
    nb->dW = buf_param(lb, &n->params[0], true);
    rb->U = buf_param(lb, &n->params[1], false);
    rb->dU = buf_param(lb, &n->params[1], true);
    if (n->use_bias) {
        nb->b = buf_param(lb, &n->params[2], false);
        nb->db = buf_param(lb, &n->params[2], true);
    }
    rb->z = rnn_work(lb, n, "z", T, ku);
    if (reset_after(n))
        rb->zh = rnn_work(lb, n, "zh", T, ku);
    if (n->op != OP_SIMPLE_RNN)
        rb->a = rnn_work(lb, n, "gates", T, ku);
    rb->h = rnn_work(lb, n, "h", T + 1, u);
    if (n->op == OP_LSTM)
        rb->c = rnn_work(lb, n, "c", T + 1, u);
    if (n->op == OP_GRU && !n->reset_after)
        rb->rh = rnn_work(lb, n, "rh", T, u);
    rb->dz = rnn_work(lb, n, "dz", T, ku);
    if (reset_after(n))
        rb->dzh = rnn_work(lb, n, "dzh", T, ku);
    rb->dh = rnn_work(lb, n, "dh_carry", 1, u);
    if (n->op == OP_LSTM)
        rb->dc = rnn_work(lb, n, "dc_carry", 1, u);
    if (rb->rh)
        rb->drh = rnn_work(lb, n, "drh", 1, u);
}

/* ---- indexing ---- */

/* Element k of step t of example r, in a buffer of `steps` steps of `width` per example. */
static LExpr *at3(LB *lb, LExpr *r, LExpr *t, int64_t steps, int64_t width, LExpr *k) {
    return e_add(lb, e_mul(lb, r, e_int(lb, steps * width)),
                 e_add(lb, e_mul(lb, t, e_int(lb, width)), k));
}

/* Loads of the per-step buffers of one example: step t (of T) or state t (of T+1). For
 * a step of a block of examples, r is the first and nr the count; the gate arithmetic
 * runs example by example (examples_begin), the products on the whole block. */
typedef struct Step {
    LB *lb;
    const RnnBufs *rb;
    LExpr *r, *t;           /* the example and the step */
    LExpr *t1;              /* t + 1: h_t and c_t live there */
    int nr;                 /* examples r … r + nr − 1 */
} Step;

/* Examples per block of the recurrence and of backward through time: a dense layer's
 * product tiles are 4 examples high too (loops_gemm.c). */
enum { EX_BLOCK = 4 };

/* Example k of the block. */
static Step block_example(const Step *s, int k) {
    Step e = *s;
    e.r = e_add(s->lb, s->r, e_int(s->lb, k));
    e.nr = 1;
    return e;
}

/* The loop over the block's examples around elementwise code, `for q in 0..nr` (none for
 * one example): returns the Step of example q; examples_end closes it. */
static Step examples_begin(const Step *s) {
    if (s->nr == 1)
        return *s;
    LStmt *q = for_begin(s->lb, "q", e_int(s->lb, s->nr));
    Step e = *s;
    e.r = e_add(s->lb, s->r, e_var(s->lb, q));
    e.nr = 1;
    return e;
}

static void examples_end(const Step *s) {
    if (s->nr > 1)
        for_end(s->lb);
}

static LExpr *gate_at(const Step *s, int gate, LExpr *j) {
    LB *lb = s->lb;
    return at3(lb, s->r, s->t, s->rb->T, s->rb->k * s->rb->u,
               e_add(lb, e_int(lb, gate * s->rb->u), j));
}

static LExpr *gate_ld(const Step *s, const Buf *b, int gate, LExpr *j) {
    return e_load(s->lb, b, gate_at(s, gate, j));
}

static LExpr *state_at(const Step *s, LExpr *t, LExpr *j) {
    return at3(s->lb, s->r, t, s->rb->T + 1, s->rb->u, j);
}

static LExpr *carry_at(const Step *s, LExpr *j) {
    return e_add(s->lb, e_mul(s->lb, s->r, e_int(s->lb, s->rb->u)), j);
}

static LStmt *vector_for(LB *lb, const char *var, int64_t n) {
    LStmt *l = for_begin(lb, var, e_int(lb, n));
    l->vector = true;
    return l;
}

/* ---- the big products over all B·T rows ---- */

/* z = x·W + b for every step of every example: the dense layers' product over B·T rows
 * (b_in, the first row of b, with reset_after). */
static void input_projection(LB *lb, const Node *n, const RnnBufs *rb) {
    const NodeBufs *nb = &lb->nb[n->id];
    gemm_forward(lb, lb->nb[view_source(n->in[0])->id].out, nb->W, nb->b, rb->z, NULL,
                 (Activation){ACT_LINEAR, 0}, e_mul(lb, e_batch(lb), e_int(lb, rb->T)), rb->F,
                 rb->k * rb->u);
}

/* One block of a weight gradient: dP[i, col + j] += Σ_{r,t} src[r, t, i]·dz[r, t, col + j]
 * for j < width, where src has `steps` steps of `src_width` values per example. */
typedef struct GradBlock {
    const Buf *src;
    int64_t steps, src_width;
    const Buf *dz;
    int64_t col, width;
} GradBlock;

/* A weight gradient's sum over the examples is split in SPLIT_PARTS fixed parts, as a
 * dense layer's dW over examples is (loops_gemm.c), not one per thread, so that the sums
 * do not depend on the thread count; its tiles are GRAD_TILE_ROWS rows of dP high. */
enum { GRAD_TILE_ROWS = 4 };

/* The tile of rows i0 … i0 + ti − 1 and columns g->col + j0 … + nb − 1 of part `poff`
 * of dP, over the steps of example r:
 *   for t: a_k = src[r, t, i0 + k];  parts[…, i0 + k, col + j0 + j] += a_k·dz[r, t, col + j0 + j]
 * Its ti × nb accumulators stay in registers through the steps, and each vector of dz
 * feeds ti of them. */
static void grad_tile(LB *lb, const RnnBufs *rb, const Buf *parts, LExpr *poff, int64_t cols,
                      const GradBlock *g, LExpr *r, LExpr *i0, int ti, LExpr *j0, int64_t nb) {
    static const char *const a_names[GRAD_TILE_ROWS] = {"a0", "a1", "a2", "a3"};
    LStmt *t = for_begin(lb, "t", e_int(lb, rb->T));
    for (int k = 0; k < ti; k++)
        s_let(lb, a_names[k], e_load(lb, g->src, at3(lb, r, e_var(lb, t), g->steps, g->src_width,
                                                     e_add(lb, i0, e_int(lb, k)))));
    LStmt *j = vector_for(lb, "j", nb);
    LExpr *jc = e_add(lb, e_add(lb, e_int(lb, g->col), j0), e_var(lb, j));
    LExpr *dz = e_load(lb, g->dz, at3(lb, r, e_var(lb, t), rb->T, cols, jc));
    for (int k = 0; k < ti; k++)
        s_accum(lb, parts,
                e_add(lb, poff, e_add(lb, e_mul(lb, e_add(lb, i0, e_int(lb, k)), e_int(lb, cols)), jc)),
                e_bin(lb, '*', e_temp(lb, a_names[k]), dz));
    for_end(lb);
    for_end(lb);
}

/* One block's gradient for example r, into part poff of parts. */
typedef struct GradRows {
    const RnnBufs *rb;
    const Buf *parts;
    LExpr *poff, *r;
    int64_t cols, rows;
    const GradBlock *g;
    int ti;
} GradRows;

/* Every tile of rows of dP, in the nb columns from j0 (a ColumnTile). */
static void grad_row_tiles(LB *lb, const void *arg, LExpr *j0, int64_t nb) {
    const GradRows *t = arg;
    LStmt *ib = for_begin(lb, "ib", e_int(lb, t->rows / t->ti));
    grad_tile(lb, t->rb, t->parts, t->poff, t->cols, t->g, t->r,
              e_mul(lb, e_var(lb, ib), e_int(lb, t->ti)), t->ti, j0, nb);
    for_end(lb);
}

/* dP (rows, cols) = 2·l2·P + Σ blocks:
 *   parallel for s in 0..SPLIT_PARTS:
 *     parts[s] = 0
 *     for r in the examples of part s ([s·B/S, (s + 1)·B/S)):
 *       for each block, each tile of its columns, each tile of rows: grad_tile
 *   dP = 2·l2·P + parts[0] + parts[1], in order
 * Column tiles outside row tiles: the example's slice of dz for one column tile stays in
 * L1 while every tile of rows passes over it. Each part reads the examples whose dz its
 * thread wrote in backward through time (both split the batch into contiguous runs). */
static void weight_grad(LB *lb, const RnnBufs *rb, const Buf *dP, const Buf *P, double l2,
                        int64_t rows, int64_t cols, const GradBlock *blocks, int nblocks) {
    int S = SPLIT_PARTS, ti = GRAD_TILE_ROWS;
    while (rows % ti)
        ti--;
    const Buf *parts = buf_work_fixed(lb, arena_printf(lb->a, "%s.parts", dP->name),
                                      (Shape){3, {S, rows, cols}});
    s_comment(lb, "  the sum over the examples in %d parts, each part's examples on one thread, "
              "in tiles of %d row%s × up to %lld columns", S, ti, ti == 1 ? "" : "s",
              (long long)gemm_tile_columns(blocks[0].width));
    LStmt *s = for_begin(lb, "s", e_int(lb, S));
    s->parallel = true;
    LExpr *poff = e_mul(lb, e_var(lb, s), e_int(lb, rows * cols));
    zero_part(lb, parts, e_var(lb, s), rows * cols);
    LExpr *r = part_examples_begin(lb, e_var(lb, s));
    for (int bi = 0; bi < nblocks; bi++) {
        GradRows t = {rb, parts, poff, r, cols, rows, &blocks[bi], ti};
        column_tiles(lb, blocks[bi].width, gemm_tile_columns(blocks[bi].width), grad_row_tiles,
                     &t);
    }
    for_end(lb);
    for_end(lb);
    s_comment(lb, "  %s = %sthe parts, in order", dP->name,
              l2 > 0 ? arena_printf(lb->a, "2·l2·%s + ", P->name) : "");
    sum_parts(lb, dP, parts, S, rows * cols, P, l2, true);
}

/* db[off + j] = Σ_{r,t} dz[r, t, j]. */
static void bias_grad(LB *lb, const RnnBufs *rb, const Buf *db, int64_t off, const Buf *dz) {
    int64_t ku = rb->k * rb->u;
    LStmt *j = vector_for(lb, "j", ku);
    s_store(lb, db, e_add(lb, e_int(lb, off), e_var(lb, j)), e_real(lb, 0));
    for_end(lb);
    LStmt *rt = for_begin(lb, "rt", e_mul(lb, e_batch(lb), e_int(lb, rb->T)));
    j = vector_for(lb, "j", ku);
    s_accum(lb, db, e_add(lb, e_int(lb, off), e_var(lb, j)),
            e_load(lb, dz, e_add(lb, e_mul(lb, e_var(lb, rt), e_int(lb, ku)), e_var(lb, j))));
    for_end(lb);
    for_end(lb);
}

/* dx = dz·Wᵀ over all B·T rows, the dense layers' input gradient, through grad_store
 * (the producer may fuse its activation derivative). */
static void input_grad(LB *lb, const Node *n, const RnnBufs *rb, bool written[]) {
    const Node *src = view_source(n->in[0]);
    bool first = !written[src->id];
    written[src->id] = true;
    s_comment(lb, "dx = dz·Wᵀ over all B·%lld rows", (long long)rb->T);
    gemm_dinput(lb, rb->dz, lb->nb[n->id].W, NULL, n->in[0], first,
                e_mul(lb, e_batch(lb), e_int(lb, rb->T)), rb->F, rb->k * rb->u);
}

/* ---- per-step products with the recurrent kernel ---- */

/* Where a product's rows start for one example. */
typedef LExpr *RowOf(const Step *e);

static LExpr *gate_row(const Step *e) { return gate_at(e, 0, e_int(e->lb, 0)); }
static LExpr *prev_state_row(const Step *e) { return state_at(e, e->t, e_int(e->lb, 0)); }
static LExpr *rh_row(const Step *e) {
    return at3(e->lb, e->r, e->t, e->rb->T, e->rb->u, e_int(e->lb, 0));
}
static LExpr *carry_row(const Step *e) { return carry_at(e, e_int(e->lb, 0)); }

/* One step's product for every example of a block, for j < width:
 *   dst[dst_row + col + j] = init + Σ_{i<K} src[src_row + src_col + i]·M[(m_row + i)·ldm + col + j]
 * init: bias[bias_off + col + j], or 0, or (add) what dst holds. */
typedef struct RecProduct {
    const Buf *dst;
    RowOf *dst_row;
    const Buf *src;
    RowOf *src_row;
    int64_t src_col;
    const Buf *M;           /* U (u, k·u) forward, Uᵀ (k·u, u) backward */
    int64_t m_row, ldm, K, col, width;
    const Buf *bias;
    int64_t bias_off;
    bool add;
} RecProduct;

/* The tile of columns col + j0 … + nb − 1: a row of nb accumulators per example, kept in
 * registers through the sum over i; each vector of M is loaded once for the block. */
static void rec_tile(const Step *s, const RecProduct *p, LExpr *j0, int64_t nb) {
    static const char *const x_names[EX_BLOCK] = {"x0", "x1", "x2", "x3"};
    LB *lb = s->lb;
    LExpr *col = e_add(lb, e_int(lb, p->col), j0);
    LExpr *drow[EX_BLOCK], *srow[EX_BLOCK];
    for (int k = 0; k < s->nr; k++) {
        Step e = block_example(s, k);
        drow[k] = e_add(lb, p->dst_row(&e), col);
        srow[k] = e_add(lb, p->src_row(&e), e_int(lb, p->src_col));
    }
    LStmt *j;
    if (!p->add) {
        j = vector_for(lb, "j", nb);
        for (int k = 0; k < s->nr; k++)
            s_store(lb, p->dst, e_add(lb, drow[k], e_var(lb, j)),
                    p->bias ? e_load(lb, p->bias, e_add(lb, e_add(lb, e_int(lb, p->bias_off), col),
                                                        e_var(lb, j)))
                            : e_real(lb, 0));
        for_end(lb);
    }
    LStmt *i = for_begin(lb, "i", e_int(lb, p->K));
    for (int k = 0; k < s->nr; k++)
        s_let(lb, x_names[k], e_load(lb, p->src, e_add(lb, srow[k], e_var(lb, i))));
    j = vector_for(lb, "j", nb);
    LExpr *m = e_load(lb, p->M, e_add(lb, e_mul(lb, e_add(lb, e_int(lb, p->m_row), e_var(lb, i)),
                                                e_int(lb, p->ldm)),
                                      e_add(lb, col, e_var(lb, j))));
    for (int k = 0; k < s->nr; k++)
        s_accum(lb, p->dst, e_add(lb, drow[k], e_var(lb, j)),
                e_bin(lb, '*', e_temp(lb, x_names[k]), m));
    for_end(lb);
    for_end(lb);
}

typedef struct RecTiles {
    const Step *s;
    const RecProduct *p;
} RecTiles;

static void rec_tiles_tile(LB *lb, const void *arg, LExpr *j0, int64_t nb) {
    (void)lb;
    const RecTiles *t = arg;
    rec_tile(t->s, t->p, j0, nb);
}

/* Every column tile of the product, as even as vectors allow (384 → 4 × 96). */
static void rec_product(const Step *s, const RecProduct *p) {
    column_tiles(s->lb, p->width, gemm_tile_columns(p->width), rec_tiles_tile,
                 &(RecTiles){s, p});
}

/* ---- forward: one step of each cell, for the examples of block `blk` ---- */

/* z (+)= h_{t-1}·U for gate columns [col, col + width). */
static RecProduct forward_product(const RnnBufs *rb, const Buf *dst, int64_t col, int64_t width) {
    return (RecProduct){.dst = dst, .dst_row = gate_row, .src = rb->h, .src_row = prev_state_row,
                        .M = rb->U, .ldm = rb->k * rb->u, .K = rb->u, .col = col,
                        .width = width, .add = true};
}

static void simple_rnn_step(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    RecProduct zp = forward_product(rb, rb->z, 0, rb->u);
    rec_product(blk, &zp);
    Step e = examples_begin(blk);
    const Step *s = &e;
    LStmt *j = vector_for(lb, "j", rb->u);
    LExpr *jj = e_var(lb, j);
    s_store(lb, rb->h, state_at(s, s->t1, jj), act_apply(lb, n->act, gate_ld(s, rb->z, 0, jj)));
    for_end(lb);
    examples_end(blk);
}

static void lstm_step(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    RecProduct zp = forward_product(rb, rb->z, 0, 4 * rb->u);
    rec_product(blk, &zp);
    Step e = examples_begin(blk);
    const Step *s = &e;
    LStmt *j = vector_for(lb, "j", rb->u);
    LExpr *jj = e_var(lb, j);
    static const char *const names[4] = {"ig", "fg", "cg", "og"};
    for (int g = 0; g < 4; g++) {
        Activation act = g == 2 ? n->act : n->rec_act;
        s_let(lb, names[g], act_apply(lb, act, gate_ld(s, rb->z, g, jj)));
        s_store(lb, rb->a, gate_at(s, g, jj), e_temp(lb, names[g]));
    }
    s_let(lb, "cell", e_bin(lb, '+',
                            e_bin(lb, '*', e_temp(lb, "fg"), e_load(lb, rb->c, state_at(s, s->t, jj))),
                            e_bin(lb, '*', e_temp(lb, "ig"), e_temp(lb, "cg"))));
    s_store(lb, rb->c, state_at(s, s->t1, jj), e_temp(lb, "cell"));
    s_store(lb, rb->h, state_at(s, s->t1, jj),
            e_bin(lb, '*', e_temp(lb, "og"), act_apply(lb, n->act, e_temp(lb, "cell"))));
    for_end(lb);
    examples_end(blk);
}

/* h_t = z·h_{t-1} + (1 − z)·hh, as Keras. */
static LExpr *gru_mix(LB *lb, LExpr *zg, LExpr *hprev, LExpr *hh) {
    return e_bin(lb, '+', e_bin(lb, '*', zg, hprev),
                 e_bin(lb, '*', e_bin(lb, '-', e_real(lb, 1), zg), hh));
}

static void gru_step_reset_after(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    int64_t u = rb->u, ku = 3 * u;
    RecProduct zh = forward_product(rb, rb->zh, 0, ku);
    zh.bias = lb->nb[n->id].b; /* zh = b_rec + h_{t-1}·U */
    zh.bias_off = ku;
    zh.add = false;
    rec_product(blk, &zh);
    Step e = examples_begin(blk);
    const Step *s = &e;
    LStmt *j = vector_for(lb, "j", u);
    LExpr *jj = e_var(lb, j);
    s_let(lb, "zg", act_apply(lb, n->rec_act, e_bin(lb, '+', gate_ld(s, rb->z, 0, jj),
                                                     gate_ld(s, rb->zh, 0, jj))));
    s_let(lb, "rg", act_apply(lb, n->rec_act, e_bin(lb, '+', gate_ld(s, rb->z, 1, jj),
                                                     gate_ld(s, rb->zh, 1, jj))));
    s_let(lb, "hh", act_apply(lb, n->act, e_bin(lb, '+', gate_ld(s, rb->z, 2, jj),
                                                 e_bin(lb, '*', e_temp(lb, "rg"),
                                                       gate_ld(s, rb->zh, 2, jj)))));
    s_store(lb, rb->a, gate_at(s, 0, jj), e_temp(lb, "zg"));
    s_store(lb, rb->a, gate_at(s, 1, jj), e_temp(lb, "rg"));
    s_store(lb, rb->a, gate_at(s, 2, jj), e_temp(lb, "hh"));
    s_store(lb, rb->h, state_at(s, s->t1, jj),
            gru_mix(lb, e_temp(lb, "zg"), e_load(lb, rb->h, state_at(s, s->t, jj)), e_temp(lb, "hh")));
    for_end(lb);
    examples_end(blk);
}

static void gru_step_reset_before(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    int64_t u = rb->u;
    RecProduct zr = forward_product(rb, rb->z, 0, 2 * u); /* [z r] += h_{t-1}·[Uz Ur] */
    rec_product(blk, &zr);
    Step e = examples_begin(blk);
    const Step *s = &e;
    LExpr *rhrow = rh_row(s);
    LStmt *j = vector_for(lb, "j", u);
    LExpr *jj = e_var(lb, j);
    s_let(lb, "zg", act_apply(lb, n->rec_act, gate_ld(s, rb->z, 0, jj)));
    s_let(lb, "rg", act_apply(lb, n->rec_act, gate_ld(s, rb->z, 1, jj)));
    s_store(lb, rb->a, gate_at(s, 0, jj), e_temp(lb, "zg"));
    s_store(lb, rb->a, gate_at(s, 1, jj), e_temp(lb, "rg"));
    s_store(lb, rb->rh, e_add(lb, rhrow, jj),
            e_bin(lb, '*', e_temp(lb, "rg"), e_load(lb, rb->h, state_at(s, s->t, jj))));
    for_end(lb);
    examples_end(blk);
    RecProduct hh = forward_product(rb, rb->z, 2 * u, u);
    hh.src = rb->rh; /* z[h] += (r·h_{t-1})·Uh */
    hh.src_row = rh_row;
    rec_product(blk, &hh);
    e = examples_begin(blk);
    j = vector_for(lb, "j", u);
    jj = e_var(lb, j);
    s_let(lb, "hh", act_apply(lb, n->act, gate_ld(s, rb->z, 2, jj)));
    s_store(lb, rb->a, gate_at(s, 2, jj), e_temp(lb, "hh"));
    s_store(lb, rb->h, state_at(s, s->t1, jj),
            gru_mix(lb, gate_ld(s, rb->a, 0, jj), e_load(lb, rb->h, state_at(s, s->t, jj)),
                    e_temp(lb, "hh")));
    for_end(lb);
    examples_end(blk);
}

/* ---- forward ---- */

static void rnn_formulas(LB *lb, const Node *n) {
    const char *g = act_name(n->act.kind), *sg = act_name(n->rec_act.kind);
    s_comment(lb, "%s forward (%s): Keras %s, %lld units, initial state 0%s", n->name,
              node_line(lb, n), op_keras_class(n->op), (long long)n->units,
              n->return_sequences ? ", every step returned" : ", last step returned");
    switch (n->op) {
    case OP_SIMPLE_RNN:
        s_comment(lb, "  h_t = %s(x_t·W + h_{t-1}·U%s)", g, n->use_bias ? " + b" : "");
        break;
    case OP_LSTM:
        s_comment(lb, "  [i f c o] = x_t·W + h_{t-1}·U%s; i, f, o = %s(…), c~ = %s(…)",
                  n->use_bias ? " + b" : "", sg, g);
        s_comment(lb, "  c_t = f·c_{t-1} + i·c~;  h_t = o·%s(c_t)", g);
        break;
    default:
        if (n->reset_after) {
            s_comment(lb, "  reset_after: [xz xr xh] = x_t·W + b_in, [hz hr hh] = h_{t-1}·U + b_rec");
            s_comment(lb, "  z = %s(xz + hz), r = %s(xr + hr), h~ = %s(xh + r·hh)", sg, sg, g);
        } else {
            s_comment(lb, "  reset before: z = %s(x·Wz + h_{t-1}·Uz + bz), r = %s(x·Wr + h_{t-1}·Ur + br)",
                      sg, sg);
            s_comment(lb, "  h~ = %s(x·Wh + bh + (r·h_{t-1})·Uh)", g);
        }
        s_comment(lb, "  h_t = z·h_{t-1} + (1 − z)·h~");
        break;
    }
}

/* Copies the returned states into y: every step, or the last one. */
static void rnn_output(LB *lb, const Node *n, const Step *s, const Buf *out) {
    const RnnBufs *rb = s->rb;
    int64_t u = rb->u;
    if (n->return_sequences) {
        LStmt *t = for_begin(lb, "t", e_int(lb, rb->T));
        LStmt *j = vector_for(lb, "j", u);
        s_store(lb, out, at3(lb, s->r, e_var(lb, t), rb->T, u, e_var(lb, j)),
                e_load(lb, rb->h, state_at(s, e_add(lb, e_var(lb, t), e_int(lb, 1)), e_var(lb, j))));
        for_end(lb);
        for_end(lb);
        return;
    }
    LStmt *j = vector_for(lb, "j", u);
    s_store(lb, out, carry_at(s, e_var(lb, j)),
            e_load(lb, rb->h, state_at(s, e_int(lb, rb->T), e_var(lb, j))));
    for_end(lb);
}

/* Runs body for every block of EX_BLOCK examples, then for each of the B mod EX_BLOCK last
 * examples on its own:
 *   parallel for rb in 0..B/4:        body(examples 4·rb … 4·rb + 3)
 *   parallel for r in 0..B − B/4·4:   body(example 4·(B/4) + r)
 * An example's sums are in the same order on either path, and the blocks do not depend
 * on the thread count. */
typedef void BlockBody(const Step *blk, const Node *n);

static void over_blocks(LB *lb, const Node *n, const RnnBufs *rb, BlockBody *body) {
    LExpr *blocks = e_div(lb, e_batch(lb), EX_BLOCK);
    LStmt *r = for_begin(lb, "rb", blocks);
    r->parallel = true;
    Step blk = {lb, rb, e_mul(lb, e_var(lb, r), e_int(lb, EX_BLOCK)), NULL, NULL, EX_BLOCK};
    body(&blk, n);
    for_end(lb);
    s_comment(lb, "the last B mod %d examples, one at a time", EX_BLOCK);
    LExpr *done = e_mul(lb, blocks, e_int(lb, EX_BLOCK));
    r = for_begin(lb, "r", e_add(lb, e_batch(lb), e_mul(lb, e_int(lb, -1), done)));
    r->parallel = true;
    Step one = {lb, rb, e_add(lb, done, e_var(lb, r)), NULL, NULL, 1};
    body(&one, n);
    for_end(lb);
}

/* The recurrence of one block: initial states, the steps in order, the output. */
static void recurrence(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    Step e = examples_begin(blk);
    LStmt *j = vector_for(lb, "j", rb->u);
    s_store(lb, rb->h, state_at(&e, e_int(lb, 0), e_var(lb, j)), e_real(lb, 0));
    if (rb->c)
        s_store(lb, rb->c, state_at(&e, e_int(lb, 0), e_var(lb, j)), e_real(lb, 0));
    for_end(lb);
    examples_end(blk);
    LStmt *t = for_begin(lb, "t", e_int(lb, rb->T));
    Step s = *blk;
    s.t = e_var(lb, t);
    s.t1 = e_add(lb, s.t, e_int(lb, 1));
    if (n->op == OP_SIMPLE_RNN)
        simple_rnn_step(&s, n);
    else if (n->op == OP_LSTM)
        lstm_step(&s, n);
    else if (n->reset_after)
        gru_step_reset_after(&s, n);
    else
        gru_step_reset_before(&s, n);
    for_end(lb);
    e = examples_begin(blk);
    rnn_output(lb, n, &e, lb->nb[n->id].out);
    examples_end(blk);
}

static void recurrent_forward(LB *lb, const Node *n) {
    const RnnBufs *rb = lb->nb[n->id].rnn;
    rnn_formulas(lb, n);
    s_comment(lb, "input projection of all %lld steps: z = x·W%s   W (%lld, %lld)",
              (long long)rb->T, reset_after(n) ? " + b_in" : n->use_bias ? " + b" : "",
              (long long)rb->F, (long long)(rb->k * rb->u));
    input_projection(lb, n, rb);
    s_comment(lb, "recurrence in blocks of %d examples: steps in order, h_{t-1}·U per step in "
                  "tiles of the block's %d rows × up to %lld columns   U (%lld, %lld)",
              EX_BLOCK, EX_BLOCK, (long long)gemm_tile_columns(rb->k * rb->u), (long long)rb->u,
              (long long)(rb->k * rb->u));
    over_blocks(lb, n, rb, recurrence);
}

/* ---- backward through time: one step of each cell, for the examples of block `blk` ---- */

/* dst (+)= dz[gates from col0]·Uᵀ[rows from col0] over K gate columns: the part of
 * dh_{t-1} (or of d(r·h_{t-1})) that comes through those gates. */
static void back_product(const Step *blk, const Buf *dst, bool add, const Buf *dz, int64_t col0,
                         int64_t K) {
    const RnnBufs *rb = blk->rb;
    RecProduct p = {.dst = dst, .dst_row = carry_row, .src = dz, .src_row = gate_row,
                    .src_col = col0, .M = rb->Ut, .m_row = col0, .ldm = rb->u, .K = K,
                    .width = rb->u, .add = add};
    rec_product(blk, &p);
}

/* dh = the carried gradient plus, with return_sequences, dy at this step. */
static void load_dh(const Step *s, const Node *n, LExpr *j) {
    LB *lb = s->lb;
    const RnnBufs *rb = s->rb;
    LExpr *dh = e_load(lb, rb->dh, carry_at(s, j));
    if (n->return_sequences)
        dh = e_bin(lb, '+', dh, e_load(lb, lb->nb[n->id].dout,
                                       at3(lb, s->r, s->t, rb->T, rb->u, j)));
    s_let(lb, "dh", dh);
}

static void simple_rnn_back_step(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    Step e = examples_begin(blk);
    const Step *s = &e;
    LStmt *j = vector_for(lb, "j", rb->u);
    LExpr *jj = e_var(lb, j);
    load_dh(s, n, jj);
    s_store(lb, rb->dz, gate_at(s, 0, jj),
            e_bin(lb, '*', e_temp(lb, "dh"),
                  act_deriv(lb, n->act, gate_ld(s, rb->z, 0, jj),
                            e_load(lb, rb->h, state_at(s, s->t1, jj)))));
    for_end(lb);
    examples_end(blk);
    back_product(blk, rb->dh, false, rb->dz, 0, rb->u);
}

static void lstm_back_step(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    Step e = examples_begin(blk);
    const Step *s = &e;
    LStmt *j = vector_for(lb, "j", rb->u);
    LExpr *jj = e_var(lb, j);
    load_dh(s, n, jj);
    static const char *const names[4] = {"ig", "fg", "cg", "og"};
    for (int g = 0; g < 4; g++)
        s_let(lb, names[g], gate_ld(s, rb->a, g, jj));
    s_let(lb, "cell", e_load(lb, rb->c, state_at(s, s->t1, jj)));
    s_let(lb, "tc", act_apply(lb, n->act, e_temp(lb, "cell")));
    s_let(lb, "dc", e_bin(lb, '+', e_load(lb, rb->dc, carry_at(s, jj)),
                          e_bin(lb, '*', e_bin(lb, '*', e_temp(lb, "dh"), e_temp(lb, "og")),
                                act_deriv(lb, n->act, e_temp(lb, "cell"), e_temp(lb, "tc")))));
    LExpr *dgate[4] = {
        e_bin(lb, '*', e_temp(lb, "dc"), e_temp(lb, "cg")),                           /* di */
        e_bin(lb, '*', e_temp(lb, "dc"), e_load(lb, rb->c, state_at(s, s->t, jj))),  /* df */
        e_bin(lb, '*', e_temp(lb, "dc"), e_temp(lb, "ig")),                           /* dc~ */
        e_bin(lb, '*', e_temp(lb, "dh"), e_temp(lb, "tc")),                           /* do */
    };
    for (int g = 0; g < 4; g++) {
        Activation act = g == 2 ? n->act : n->rec_act;
        s_store(lb, rb->dz, gate_at(s, g, jj),
                e_bin(lb, '*', dgate[g],
                      act_deriv(lb, act, gate_ld(s, rb->z, g, jj), e_temp(lb, names[g]))));
    }
    s_store(lb, rb->dc, carry_at(s, jj), e_bin(lb, '*', e_temp(lb, "dc"), e_temp(lb, "fg")));
    for_end(lb);
    examples_end(blk);
    back_product(blk, rb->dh, false, rb->dz, 0, 4 * rb->u);
}

/* Shared by both GRU forms: dh~ and dz (the gradients at the pre-activations of h~ and
 * z), and the direct part of dh_{t-1}, z·dh. */
static void gru_back_common(const Step *s, const Node *n, LExpr *jj, LExpr *hh_pre, LExpr *z_pre) {
    LB *lb = s->lb;
    const RnnBufs *rb = s->rb;
    s_let(lb, "zg", gate_ld(s, rb->a, 0, jj));
    s_let(lb, "hh", gate_ld(s, rb->a, 2, jj));
    s_let(lb, "hprev", e_load(lb, rb->h, state_at(s, s->t, jj)));
    s_let(lb, "dhh", e_bin(lb, '*', e_bin(lb, '*', e_temp(lb, "dh"),
                                          e_bin(lb, '-', e_real(lb, 1), e_temp(lb, "zg"))),
                           act_deriv(lb, n->act, hh_pre, e_temp(lb, "hh"))));
    s_let(lb, "dzg", e_bin(lb, '*', e_bin(lb, '*', e_temp(lb, "dh"),
                                          e_bin(lb, '-', e_temp(lb, "hprev"), e_temp(lb, "hh"))),
                           act_deriv(lb, n->rec_act, z_pre, e_temp(lb, "zg"))));
    s_store(lb, rb->dh, carry_at(s, jj), e_bin(lb, '*', e_temp(lb, "dh"), e_temp(lb, "zg")));
}

static void gru_back_step_reset_after(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    Step e = examples_begin(blk);
    const Step *s = &e;
    LStmt *j = vector_for(lb, "j", rb->u);
    LExpr *jj = e_var(lb, j);
    load_dh(s, n, jj);
    s_let(lb, "rg", gate_ld(s, rb->a, 1, jj));
    LExpr *hh_pre = e_bin(lb, '+', gate_ld(s, rb->z, 2, jj),
                          e_bin(lb, '*', e_temp(lb, "rg"), gate_ld(s, rb->zh, 2, jj)));
    LExpr *z_pre = e_bin(lb, '+', gate_ld(s, rb->z, 0, jj), gate_ld(s, rb->zh, 0, jj));
    gru_back_common(s, n, jj, hh_pre, z_pre);
    LExpr *r_pre = e_bin(lb, '+', gate_ld(s, rb->z, 1, jj), gate_ld(s, rb->zh, 1, jj));
    s_let(lb, "drg", e_bin(lb, '*', e_bin(lb, '*', e_temp(lb, "dhh"), gate_ld(s, rb->zh, 2, jj)),
                           act_deriv(lb, n->rec_act, r_pre, e_temp(lb, "rg"))));
    s_store(lb, rb->dz, gate_at(s, 0, jj), e_temp(lb, "dzg"));
    s_store(lb, rb->dz, gate_at(s, 1, jj), e_temp(lb, "drg"));
    s_store(lb, rb->dz, gate_at(s, 2, jj), e_temp(lb, "dhh"));
    s_store(lb, rb->dzh, gate_at(s, 0, jj), e_temp(lb, "dzg"));
    s_store(lb, rb->dzh, gate_at(s, 1, jj), e_temp(lb, "drg"));
    s_store(lb, rb->dzh, gate_at(s, 2, jj), e_bin(lb, '*', e_temp(lb, "dhh"), e_temp(lb, "rg")));
    for_end(lb);
    examples_end(blk);
    back_product(blk, rb->dh, true, rb->dzh, 0, 3 * rb->u);
}

static void gru_back_step_reset_before(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    int64_t u = rb->u;
    Step e = examples_begin(blk);
    const Step *s = &e;
    LStmt *j = vector_for(lb, "j", u);
    LExpr *jj = e_var(lb, j);
    load_dh(s, n, jj);
    gru_back_common(s, n, jj, gate_ld(s, rb->z, 2, jj), gate_ld(s, rb->z, 0, jj));
    s_store(lb, rb->dz, gate_at(s, 0, jj), e_temp(lb, "dzg"));
    s_store(lb, rb->dz, gate_at(s, 2, jj), e_temp(lb, "dhh"));
    for_end(lb);
    examples_end(blk);
    s_comment(lb, "d(r·h_{t-1}) = dh~·Uhᵀ");
    back_product(blk, rb->drh, false, rb->dz, 2 * u, u);
    e = examples_begin(blk);
    j = vector_for(lb, "j", u);
    jj = e_var(lb, j);
    s_let(lb, "drh", e_load(lb, rb->drh, carry_at(s, jj)));
    s_let(lb, "rg", gate_ld(s, rb->a, 1, jj));
    s_store(lb, rb->dz, gate_at(s, 1, jj),
            e_bin(lb, '*', e_bin(lb, '*', e_temp(lb, "drh"),
                                 e_load(lb, rb->h, state_at(s, s->t, jj))),
                  act_deriv(lb, n->rec_act, gate_ld(s, rb->z, 1, jj), e_temp(lb, "rg"))));
    s_accum(lb, rb->dh, carry_at(s, jj), e_bin(lb, '*', e_temp(lb, "drh"), e_temp(lb, "rg")));
    for_end(lb);
    examples_end(blk);
    back_product(blk, rb->dh, true, rb->dz, 0, 2 * u);
}

static const char *back_formulas(LB *lb, const Node *n) {
    const char *sg = act_name(n->rec_act.kind); /* the gates' activation */
    switch (n->op) {
    case OP_SIMPLE_RNN: return "dz = dh·act'(z); dh_{t-1} = dz·Uᵀ";
    case OP_LSTM:
        return "dc = dc_carry + dh·o·act'(c); di = dc·c~, df = dc·c_{t-1}, dc~ = dc·i, "
               "do = dh·act(c), each times its activation's derivative; dc_carry = dc·f; "
               "dh_{t-1} = dz·Uᵀ";
    default:
        return n->reset_after
                   ? arena_printf(lb->a, "dh~ = dh·(1 − z)·act'; dz = dh·(h_{t-1} − h~)·%s'; "
                                  "dr = dh~·hh·%s'; d(hh) = dh~·r; "
                                  "dh_{t-1} = dh·z + [dz dr d(hh)]·Uᵀ", sg, sg)
                   : arena_printf(lb->a, "dh~ = dh·(1 − z)·act'; dz = dh·(h_{t-1} − h~)·%s'; "
                                  "d(r·h_{t-1}) = dh~·Uhᵀ; dr = d(r·h_{t-1})·h_{t-1}·%s'; "
                                  "dh_{t-1} = dh·z + d(r·h_{t-1})·r + [dz dr]·[Uz Ur]ᵀ", sg, sg);
    }
}

/* Backward through time of one block: the carried gradients, then steps T−1 … 0. */
static void bptt_block(const Step *blk, const Node *n) {
    LB *lb = blk->lb;
    const RnnBufs *rb = blk->rb;
    const Buf *dout = lb->nb[n->id].dout;
    Step e = examples_begin(blk);
    LStmt *j = vector_for(lb, "j", rb->u);
    LExpr *jj = e_var(lb, j);
    s_store(lb, rb->dh, carry_at(&e, jj),
            n->return_sequences ? e_real(lb, 0) : e_load(lb, dout, carry_at(&e, jj)));
    if (rb->dc)
        s_store(lb, rb->dc, carry_at(&e, jj), e_real(lb, 0));
    for_end(lb);
    examples_end(blk);
    LStmt *st = for_begin(lb, "s", e_int(lb, rb->T));
    Step s = *blk;
    s.t = e_add(lb, e_int(lb, rb->T - 1), e_mul(lb, e_int(lb, -1), e_var(lb, st)));
    s.t1 = e_add(lb, e_int(lb, rb->T), e_mul(lb, e_int(lb, -1), e_var(lb, st)));
    if (n->op == OP_SIMPLE_RNN)
        simple_rnn_back_step(&s, n);
    else if (n->op == OP_LSTM)
        lstm_back_step(&s, n);
    else if (n->reset_after)
        gru_back_step_reset_after(&s, n);
    else
        gru_back_step_reset_before(&s, n);
    for_end(lb);
}

/* Part 1 of backward: per block of examples, steps T−1 … 0, dh_{t-1} = dz·Uᵀ in the
 * forward product's tiles on a copy of Uᵀ. */
static void bptt(LB *lb, const Node *n, RnnBufs *rb) {
    s_comment(lb, "backward through time in blocks of %d examples, steps T−1 … 0 (t = %lld − s); "
                  "dz·Uᵀ per step in tiles of the block's %d rows × %lld columns",
              EX_BLOCK, (long long)(rb->T - 1), EX_BLOCK, (long long)gemm_tile_columns(rb->u));
    s_comment(lb, "  %s", back_formulas(lb, n));
    rb->Ut = gemm_transposed(lb, rb->U, rb->u, rb->k * rb->u);
    over_blocks(lb, n, rb, bptt_block);
}

/* Part 2: dW, dU, db over all B·T rows, and dx. */
static void recurrent_param_grads(LB *lb, const Node *n, const RnnBufs *rb, bool written[]) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = lb->nb[view_source(n->in[0])->id].out;
    int64_t u = rb->u, ku = rb->k * u;
    double l2w = n->params[0].l2, l2u = n->params[1].l2;
    s_comment(lb, "dW = Σ_t x_tᵀ·dz_t%s", l2w > 0 ? " + 2·l2·W" : "");
    GradBlock wb = {x, rb->T, rb->F, rb->dz, 0, ku};
    weight_grad(lb, rb, nb->dW, nb->W, l2w, rb->F, ku, &wb, 1);
    const Buf *dzh = rb->dzh ? rb->dzh : rb->dz;
    if (rb->rh) {
        s_comment(lb, "dU = Σ_t [h_{t-1} h_{t-1} r·h_{t-1}]ᵀ·[dz dr dh~] (block by block)%s",
                  l2u > 0 ? " + 2·l2·U" : "");
        GradBlock ub[2] = {{rb->h, rb->T + 1, u, rb->dz, 0, 2 * u},
                           {rb->rh, rb->T, u, rb->dz, 2 * u, u}};
        weight_grad(lb, rb, rb->dU, rb->U, l2u, u, ku, ub, 2);
    } else {
        s_comment(lb, "dU = Σ_t h_{t-1}ᵀ·%s%s", rb->dzh ? "dzh_t" : "dz_t",
                  l2u > 0 ? " + 2·l2·U" : "");
        GradBlock ub = {rb->h, rb->T + 1, u, dzh, 0, ku};
        weight_grad(lb, rb, rb->dU, rb->U, l2u, u, ku, &ub, 1);
    }
    if (nb->db) {
        s_comment(lb, rb->dzh ? "db_in = Σ dz, db_rec = Σ dzh" : "db = Σ dz");
        bias_grad(lb, rb, nb->db, 0, rb->dz);
        if (rb->dzh)
            bias_grad(lb, rb, nb->db, ku, rb->dzh);
    }
    if (needs_input_grad(n))
        input_grad(lb, n, rb, written);
    else
        s_comment(lb, "no dx: '%s' reads the model's input", n->name);
}

static void recurrent_backward(LB *lb, const Node *n, bool written[]) {
    RnnBufs *rb = lb->nb[n->id].rnn;
    s_comment(lb, "%s backward (%s)", n->name, node_line(lb, n));
    bptt(lb, n, rb);
    recurrent_param_grads(lb, n, rb, written);
}

/* ---- embedding ---- */

/* Row of E for the index at (r, t): x clamped into [0, vocab) and truncated. */
static LExpr *embedding_row(LB *lb, const Node *n, LExpr *r, LExpr *t) {
    const Buf *x = lb->nb[view_source(n->in[0])->id].out;
    int64_t T = n->out.d[0];
    LExpr *index = e_to_int(lb, e_load(lb, x, e_add(lb, e_mul(lb, r, e_int(lb, T)), t)), n->vocab);
    return e_mul(lb, index, e_int(lb, n->units));
}

static void embedding_forward(LB *lb, const Node *n) {
    const NodeBufs *nb = &lb->nb[n->id];
    int64_t T = n->out.d[0], D = n->units;
    s_comment(lb, "%s forward (%s): y[r, t, :] = E[x[r, t], :]   E (%lld, %lld)", n->name,
              node_line(lb, n), (long long)n->vocab, (long long)D);
    s_comment(lb, "  index(v, n): v clamped into [0, n − 1]; the runtime refuses data with "
                  "indices outside the table");
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    r->parallel = true;
    LStmt *t = for_begin(lb, "t", e_int(lb, T));
    LStmt *j = vector_for(lb, "j", D);
    s_store(lb, nb->out, at3(lb, e_var(lb, r), e_var(lb, t), T, D, e_var(lb, j)),
            e_load(lb, nb->W, e_add(lb, embedding_row(lb, n, e_var(lb, r), e_var(lb, t)),
                                    e_var(lb, j))));
    for_end(lb);
    for_end(lb);
    for_end(lb);
}

static void embedding_backward(LB *lb, const Node *n) {
    const NodeBufs *nb = &lb->nb[n->id];
    int64_t T = n->out.d[0], D = n->units;
    double l2 = n->params[0].l2;
    s_comment(lb, "%s backward (%s): dE = %s, then dE[x[r, t], :] += dy[r, t, :]; no dx "
                  "(indices have no gradient)", n->name, node_line(lb, n), l2 > 0 ? "2·l2·E" : "0");
    LStmt *v = for_begin(lb, "v", e_int(lb, n->vocab));
    v->parallel = true;
    LStmt *j = vector_for(lb, "j", D);
    LExpr *vj = e_add(lb, e_mul(lb, e_var(lb, v), e_int(lb, D)), e_var(lb, j));
    s_store(lb, nb->dW, vj, l2 > 0 ? e_bin(lb, '*', e_real(lb, 2 * l2), e_load(lb, nb->W, vj))
                                   : e_real(lb, 0));
    for_end(lb);
    for_end(lb);
    s_comment(lb, "scatter-add in order, on one thread: an index may repeat");
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    LStmt *t = for_begin(lb, "t", e_int(lb, T));
    j = vector_for(lb, "j", D);
    s_accum(lb, nb->dW, e_add(lb, embedding_row(lb, n, e_var(lb, r), e_var(lb, t)), e_var(lb, j)),
            e_load(lb, nb->dout, at3(lb, e_var(lb, r), e_var(lb, t), T, D, e_var(lb, j))));
    for_end(lb);
    for_end(lb);
    for_end(lb);
}

/* ---- dispatch (loops_layers.c) ---- */

void rnn_forward(LB *lb, const Node *n) {
    if (n->op == OP_EMBEDDING)
        embedding_forward(lb, n);
    else if (op_is_recurrent(n->op))
        recurrent_forward(lb, n);
}

void rnn_backward(LB *lb, const Node *n, bool written[]) {
    if (n->op == OP_EMBEDDING)
        embedding_backward(lb, n);
    else if (op_is_recurrent(n->op))
        recurrent_backward(lb, n, written);
}
