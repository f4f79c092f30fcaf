/*
 * loops_conv.c — convolutions (1D, 2D), max/average/min pooling and global average
 * pooling, forward and backward, channels-last: images (H, W, C), kernels (KH, KW, C, F).
 *
 * A convolution is a matrix product over im2col columns. Output pixel (r, oh, ow) is one
 * row of `cols`, holding the KH·KW·C input values its window covers in the kernel's
 * (kh, kw, c) order, so with P = OH·OW pixels per example
 *     z (B·P, F) = cols (B·P, KH·KW·C) · W (KH·KW·C, F) + b,   y = act(z)
 *     dW = colsᵀ·dz,   db = Σ dz,   dcols = dz·Wᵀ,   dx = col2im(dcols)
 * with loops_gemm.c's product loops (dense's shapes). For fixed (r, oh, ow, kh) a window
 * row (kw, c) is contiguous in both x and cols, so im2col and col2im are vector copies.
 * 'same' padding copies x into a scratch buffer with zero borders first (TensorFlow's
 * split: the odd row or column after), so no loop carries a bounds test. The columns
 * live in shared scratch and are recomputed by backward: cheap next to the product, and
 * no layer keeps B·P·KH·KW·C values alive between passes. A 1x1, stride-1 convolution
 * uses x itself as its columns. A 1-channel, stride-1 convolution with few filters runs
 * direct loops vectorized over output columns instead (conv_direct: forward, and dW with
 * at most 6 filters), where the product's tiles would fill only F of 16 lanes.
 *
 * A sequence (T, C) is handled as a (1, T, C) image; loops of extent 1 are not emitted.
 * Pooling reads the same padded copy, with −∞ (max) or +∞ (min) borders that never win;
 * max/min pooling records the winner's window position for backward (first winner in
 * scan order, as TensorFlow), and averages divide by the count of real inputs under the
 * window ('same' padding is not counted). Gradients are scattered into a zeroed scratch
 * copy of the (padded) input and then written once per element with grad_store, so the
 * producer's activation derivative stays fused.
 */
#include "loops_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The geometry of one convolution or pooling window. */
typedef struct Window {
    int64_t H, W, C;        /* input (H, W, C); a sequence (T, C) is (1, T, C) */
    int64_t OH, OW, F;      /* output (OH, OW, F); F = filters, or C for pooling */
    int64_t KH, KW, SH, SW; /* window and strides */
    int64_t PT, PL;         /* padding before: top rows, left columns */
    int64_t Hp, Wp;         /* the padded input: H + top + bottom, W + left + right */
    bool two_d;             /* an image; else a sequence (loops and comments say o, k) */
} Window;

static Window window_of(const Node *n) {
    Shape in = n->in[0]->out, out = n->out;
    Window w = {0};
    if (in.rank == 3) {
        w = (Window){in.d[0], in.d[1], in.d[2], out.d[0], out.d[1], out.d[2],
                     n->kernel[0], n->kernel[1], n->strides[0], n->strides[1],
                     n->pad_before[0], n->pad_before[1], 0, 0, true};
        w.Hp = w.H + n->pad_before[0] + n->pad_after[0];
        w.Wp = w.W + n->pad_before[1] + n->pad_after[1];
    } else {
        w = (Window){1, in.d[0], in.d[1], 1, out.d[0], out.d[1], 1, n->kernel[0], 1,
                     n->strides[0], 0, n->pad_before[0], 1, 0, false};
        w.Wp = w.W + n->pad_before[0] + n->pad_after[0];
    }
    return w;
}

static bool padded(const Window *w) { return w->Hp != w->H || w->Wp != w->W; }
static int64_t pixels(const Window *w) { return w->OH * w->OW; }
static int64_t window_size(const Window *w) { return w->KH * w->KW * w->C; }
static int64_t padded_size(const Window *w) { return w->Hp * w->Wp * w->C; }

/* A 1x1 convolution with stride 1 reads each pixel once, in order: its columns are x. */
static bool conv_identity(const Window *w) {
    return w->KH == 1 && w->KW == 1 && w->SH == 1 && w->SW == 1 && !padded(w);
}

/* "26,26,32" for an image, "26,32" for a sequence. */
static const char *dims_text(LB *lb, bool two_d, int64_t h, int64_t wd, int64_t c) {
    return two_d ? arena_printf(lb->a, "%lld,%lld,%lld", (long long)h, (long long)wd, (long long)c)
                 : arena_printf(lb->a, "%lld,%lld", (long long)wd, (long long)c);
}

/* for var in 0..extent, or no loop at all (the variable is 0) when extent is 1. */
static LExpr *dim_loop(LB *lb, const char *var, int64_t extent, bool vector, int *open) {
    if (extent == 1)
        return e_int(lb, 0);
    LStmt *s = for_begin(lb, var, e_int(lb, extent));
    s->vector = vector;
    (*open)++;
    return e_var(lb, s);
}

static void close_loops(LB *lb, int *open) {
    for (; *open > 0; (*open)--)
        for_end(lb);
}

/* parallel for r in 0..B — returns r. */
static LExpr *batch_loop(LB *lb) {
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    r->parallel = true;
    r->rowwise = true;
    return e_var(lb, r);
}

/* Inside a loop over r: dst[r] = fill everywhere (a vector loop over the padded row). */
static void fill_row(LB *lb, const Window *w, const Buf *dst, LExpr *r, double fill) {
    LStmt *k = for_begin(lb, "k", e_int(lb, padded_size(w)));
    k->vector = true;
    s_store(lb, dst, e_add(lb, e_mul(lb, r, e_int(lb, padded_size(w))), e_var(lb, k)),
            e_real(lb, fill));
    for_end(lb);
}

/* Element (r, h, t) of a padded buffer, t running over the contiguous (w, c) of row h,
 * from the interior's origin: index of x[r, h, w, c] shifted by the padding. */
static LExpr *padded_at(LB *lb, const Window *w, LExpr *r, LExpr *h, LExpr *t) {
    LExpr *v[] = {r, h, t};
    int64_t s[] = {padded_size(w), w->Wp * w->C, 1};
    return e_add(lb, e_lin(lb, 3, v, s), e_int(lb, w->PT * w->Wp * w->C + w->PL * w->C));
}

static LExpr *input_at(LB *lb, const Window *w, LExpr *r, LExpr *h, LExpr *t) {
    LExpr *v[] = {r, h, t};
    int64_t s[] = {w->H * w->W * w->C, w->W * w->C, 1};
    return e_lin(lb, 3, v, s);
}

/*   parallel for r: xpad[r] = fill; xpad[r, PT + h, PL + w, c] = x[r, h, w, c] */
static void pad_copy(LB *lb, const Window *w, const Buf *x, const Buf *xpad, double fill) {
    long long above = w->PT, below = w->Hp - w->H - w->PT, left = w->PL,
              right = w->Wp - w->W - w->PL;
    if (w->two_d)
        s_comment(lb, "xpad = x inside a border of %g: %lld row%s above, %lld below, %lld "
                      "column%s left, %lld right", fill, above, above == 1 ? "" : "s", below,
                  left, left == 1 ? "" : "s", right);
    else /* a sequence: its steps are the columns of a one-row image */
        s_comment(lb, "xpad = x padded with %g: %lld step%s before, %lld after", fill, left,
                  left == 1 ? "" : "s", right);
    LExpr *r = batch_loop(lb);
    fill_row(lb, w, xpad, r, fill);
    int open = 0;
    LExpr *h = dim_loop(lb, "h", w->H, false, &open);
    LExpr *t = dim_loop(lb, "t", w->W * w->C, true, &open);
    s_store(lb, xpad, padded_at(lb, w, r, h, t), e_load(lb, x, input_at(lb, w, r, h, t)));
    close_loops(lb, &open);
    for_end(lb);
}

/* The source every window reads: x, or its padded copy (made here). */
static const Buf *window_source(LB *lb, const Window *w, const Buf *x, double fill) {
    if (!padded(w))
        return x;
    const Buf *xpad = lb->scratch[SCRATCH_PAD];
    pad_copy(lb, w, x, xpad, fill);
    return xpad;
}

/* Index of src[r, oh·SH + kh, ow·SW, 0] + t in a buffer of (Hp, Wp, C) rows. */
static LExpr *window_at(LB *lb, const Window *w, LExpr *r, LExpr *oh, LExpr *ow, LExpr *kh,
                        LExpr *t) {
    int64_t WpC = w->Wp * w->C;
    LExpr *v[] = {r, oh, kh, ow, t};
    int64_t s[] = {padded_size(w), w->SH * WpC, WpC, w->SW * w->C, 1};
    return e_lin(lb, 5, v, s);
}

/* Index of cols[(r, oh, ow), kh·KW·C + t]. */
static LExpr *cols_at(LB *lb, const Window *w, LExpr *r, LExpr *oh, LExpr *ow, LExpr *kh,
                      LExpr *t) {
    int64_t K = window_size(w);
    LExpr *v[] = {r, oh, ow, kh, t};
    int64_t s[] = {pixels(w) * K, w->OW * K, K, w->KW * w->C, 1};
    return e_lin(lb, 5, v, s);
}

/* Opens the loops over (oh, ow, kh) and the vector loop over a window row t = (kw, c). */
static void window_rows_begin(LB *lb, const Window *w, LExpr *ix[4], int *open) {
    ix[0] = dim_loop(lb, "oh", w->OH, false, open);
    ix[1] = dim_loop(lb, w->two_d ? "ow" : "o", w->OW, false, open);
    ix[2] = dim_loop(lb, "kh", w->KH, false, open);
    ix[3] = dim_loop(lb, "t", w->KW * w->C, true, open);
}

/*   parallel for r: cols[(r, oh, ow), (kh, kw, c)] = src[r, oh·SH + kh, ow·SW + kw, c] */
static void im2col(LB *lb, const Window *w, const Buf *src, const Buf *cols) {
    if (w->two_d)
        s_comment(lb, "im2col: cols[(r,oh,ow), (kh,kw,c)] = %s[r, oh·%lld + kh, ow·%lld + kw, c]",
                  src->name, (long long)w->SH, (long long)w->SW);
    else
        s_comment(lb, "im2col: cols[(r,o), (k,c)] = %s[r, o·%lld + k, c]", src->name,
                  (long long)w->SW);
    LExpr *r = batch_loop(lb), *ix[4];
    int open = 0;
    window_rows_begin(lb, w, ix, &open);
    s_store(lb, cols, cols_at(lb, w, r, ix[0], ix[1], ix[2], ix[3]),
            e_load(lb, src, window_at(lb, w, r, ix[0], ix[1], ix[2], ix[3])));
    close_loops(lb, &open);
    for_end(lb);
}

/* Inside a loop over r: dx[r, h, w, c] = dxpad[r, PT + h, PL + w, c] through grad_store
 * (stored or added, times the producer's activation derivative when fused). */
static void unpad_grad(LB *lb, const Node *n, const Window *w, const Buf *dxpad, LExpr *r,
                       bool first) {
    int open = 0;
    LExpr *h = dim_loop(lb, "h", w->H, false, &open);
    LExpr *t = dim_loop(lb, "t", w->W * w->C, true, &open);
    grad_store(lb, n->in[0], input_at(lb, w, r, h, t),
               e_load(lb, dxpad, padded_at(lb, w, r, h, t)), first);
    close_loops(lb, &open);
}

/* ---- convolution ---- */

/* A convolution of a one-channel image by few filters (LeNet's first layer: 5x5x1 -> 6)
 * is a product with K = KH·KW (25 or 9) and F columns: its register tile of 8 pixels x F
 * filters fills 6 or 10 of 16 vector lanes. Vectorized over output pixels instead, a row
 * of 16 outputs of one filter is KH·KW broadcast weights times contiguous runs of the
 * padded input, with F accumulator vectors per block of 16 pixels:
 *   for oh: zT[j, 0..OW] = b[j];  for kh, kw: zT[j, :] += W[kh, kw, 0, j]·xpad[oh + kh, kw + ...]
 * then the row is written channels-last (zT is one row: F·OW values). Stride 1, one
 * channel, and F ≤ DIRECT_MAX_FILTERS but not 8: measured at 1 thread (epoch of 12,800
 * Fashion-MNIST images, direct against product), a first 5x5 layer of 4 / 6 / 8 / 12
 * filters 0.38 → 0.28 / 0.52 → 0.39 / 0.48 → 0.48–0.54 / 0.76 → 0.76–0.79 s, a 3x3 layer
 * of 8 / 10 / 12 / 16 filters 0.145 → 0.150 / 0.200 → 0.189 / 0.217 → 0.238 /
 * 0.155 → 0.225 s: the product wins once its row of F fills whole vectors (8, 12, 16:
 * 8 + 4), and the direct loops pay a transposition per output either way.
 * NNLC_CONV_PRODUCT=1 in the compiler's environment keeps the product (tests/conv/direct.sh
 * compares the two). */
enum { DIRECT_MAX_FILTERS = 10, DIRECT_VECTOR = 16, DIRECT_ACCUMULATORS = 24 };

static bool conv_direct(const Node *n, const Window *w) {
    /* set and not "0", as NNLC_UNFUSED_UPDATE: NNLC_CONV_PRODUCT=0 is the default */
    const char *product = getenv("NNLC_CONV_PRODUCT");
    return n->op == OP_CONV2D && w->C == 1 && w->SH == 1 && w->SW == 1 &&
           w->F <= DIRECT_MAX_FILTERS && w->F != 8 && w->KH * w->KW > 1 &&
           !(product && *product && strcmp(product, "0") != 0);
}

/* The direct dW (direct_dweight) for the direct convolutions of at most
 * DIRECT_DW_MAX_FILTERS filters, measured as for conv_direct (epochs with the direct
 * forward: product dW / direct dW): 6 filters 5x5 0.40 → 0.36 s, 3x3 0.137 → 0.109 s
 * (notes_cnn with 6 filters) and 0.355 → 0.337 s (LeNet with a 3x3 first layer);
 * 10 filters 5x5 0.78 → 0.86 s, 3x3 0.20 → 0.23 s: slower, so they keep the product. */
enum { DIRECT_DW_MAX_FILTERS = 6 };

static bool conv_direct_dweight(const Node *n, const Window *w) {
    return conv_direct(n, w) && w->F <= DIRECT_DW_MAX_FILTERS;
}

void conv_plan(LB *lb, const Node *n) {
    kernel_bias_bufs(lb, n);
    Window w = window_of(n);
    if (conv_identity(&w))
        return;
    if (conv_direct(n, &w)) /* one row of zT; dzT for the direct dW */
        buf_scratch(lb, SCRATCH_DX, w.F * (conv_direct_dweight(n, &w) ? pixels(&w) : w.OW));
    buf_scratch(lb, SCRATCH_COLS, pixels(&w) * window_size(&w));
    if (padded(&w) || needs_input_grad(n))
        buf_scratch(lb, SCRATCH_PAD, padded_size(&w));
}

/* The product's left operand: x itself, or im2col of x (padded first if needed). */
static const Buf *conv_columns(LB *lb, const Window *w, const Buf *x) {
    if (conv_identity(w))
        return x;
    const Buf *cols = lb->scratch[SCRATCH_COLS];
    im2col(lb, w, window_source(lb, w, x, 0), cols);
    return cols;
}

static void conv_comment(LB *lb, const Node *n, const Window *w) {
    bool two_d = n->op == OP_CONV2D;
    const char *act = n->act.kind == ACT_LINEAR ? "" : act_name(n->act.kind);
    s_comment(lb, "%s forward (%s): y = %s%sconv(x, W)%s%s   x (B,%s), W (%s), y (B,%s)",
              n->name, node_line(lb, n), act, *act ? "(" : "", n->use_bias ? " + b" : "",
              *act ? ")" : "", dims_text(lb, two_d, w->H, w->W, w->C),
              two_d ? arena_printf(lb->a, "%lld,%lld,%lld,%lld", (long long)w->KH,
                                   (long long)w->KW, (long long)w->C, (long long)w->F)
                    : arena_printf(lb->a, "%lld,%lld,%lld", (long long)w->KW,
                                   (long long)w->C, (long long)w->F),
              dims_text(lb, two_d, w->OH, w->OW, w->F));
    if (conv_direct(n, w))
        return;
    s_comment(lb, "as a product, one row per output %s: z (B·%lld, %lld) = %s (B·%lld, "
                  "%lld) · W (%lld, %lld)%s", two_d ? "pixel" : "step", (long long)pixels(w),
              (long long)w->F,
              conv_identity(w) ? "x" : "cols", (long long)pixels(w),
              (long long)window_size(w), (long long)window_size(w), (long long)w->F,
              n->use_bias ? " + b" : "");
}

/* Columns per tile of the direct schedule: F accumulator vectors per 16 columns. */
static int64_t direct_tile_columns(const Window *w) {
    int64_t c = DIRECT_ACCUMULATORS / w->F * DIRECT_VECTOR;
    return c > w->OW ? w->OW : c;
}

/* What a tile of the direct forward works on: row oh of example r. */
typedef struct DirectRow {
    const Node *n;
    const Window *w;
    const Buf *src, *zT;
    LExpr *r, *oh;
} DirectRow;

/* One tile of the direct schedule (a ColumnTile): output columns ow0 + [0, width) of row
 * oh, in blocks of DIRECT_VECTOR, all F filters; its accumulators zT[j, ow0 + …] stay in
 * registers through the KH·KW loop (the vector loops are short and unroll away). */
static void direct_tile(LB *lb, const void *arg, LExpr *ow0, int64_t width) {
    const DirectRow *t = arg;
    const Node *n = t->n;
    const Window *w = t->w;
    const Buf *src = t->src, *zT = t->zT;
    LExpr *r = t->r, *oh = t->oh;
    const NodeBufs *nb = &lb->nb[n->id];
    int64_t F = w->F, OW = w->OW;
    LExpr *row = e_mul(lb, r, e_int(lb, F * OW));
    for (int64_t b0 = 0; b0 < width; b0 += DIRECT_VECTOR) {
        int64_t bw = width - b0 < DIRECT_VECTOR ? width - b0 : DIRECT_VECTOR;
        LStmt *v = for_begin(lb, "v", e_int(lb, bw));
        v->vector = true;
        LExpr *col = e_add(lb, e_add(lb, ow0, e_int(lb, b0)), e_var(lb, v));
        for (int64_t j = 0; j < F; j++)
            s_store(lb, zT, e_add(lb, e_add(lb, row, e_int(lb, j * OW)), col),
                    nb->b ? e_load(lb, nb->b, e_int(lb, j)) : e_real(lb, 0));
        for_end(lb);
    }
    LStmt *kh = for_begin(lb, "kh", e_int(lb, w->KH));
    LStmt *kw = for_begin(lb, "kw", e_int(lb, w->KW));
    LExpr *kv[] = {e_var(lb, kh), e_var(lb, kw)};
    int64_t ks[] = {w->KW * F, F};
    LExpr *wrow = e_lin(lb, 2, kv, ks);
    const char **names = arena_alloc(lb->a, sizeof(char *) * (size_t)F);
    for (int64_t j = 0; j < F; j++) {
        names[j] = arena_printf(lb->a, "w%lld", (long long)j);
        s_let(lb, names[j], e_load(lb, nb->W, e_add(lb, wrow, e_int(lb, j))));
    }
    for (int64_t b0 = 0; b0 < width; b0 += DIRECT_VECTOR) {
        int64_t bw = width - b0 < DIRECT_VECTOR ? width - b0 : DIRECT_VECTOR;
        LStmt *v = for_begin(lb, "v", e_int(lb, bw));
        v->vector = true;
        LExpr *col = e_add(lb, e_add(lb, ow0, e_int(lb, b0)), e_var(lb, v));
        LExpr *xv = e_load(lb, src, window_at(lb, w, r, oh, col, e_var(lb, kh), e_var(lb, kw)));
        for (int64_t j = 0; j < F; j++)
            s_accum(lb, zT, e_add(lb, e_add(lb, row, e_int(lb, j * OW)), col),
                    e_bin(lb, '*', e_temp(lb, names[j]), xv));
        for_end(lb);
    }
    for_end(lb);
    for_end(lb);
}

/*   parallel for r: xpad = pad(x); for oh: the row's tiles into zT (F, OW); then
 *   z[r, oh, ow, j] = zT[j, ow] (y = act(z)) */
static void direct_forward(LB *lb, const Node *n, const Window *w, const Buf *x) {
    const NodeBufs *nb = &lb->nb[n->id];
    int64_t F = w->F, OW = w->OW, per_tile = direct_tile_columns(w);
    s_comment(lb, "direct schedule (1 channel, stride 1, %lld filters: a product's tile would "
                  "fill %lld of 16 lanes): vectorized over output columns, tiles of %lld "
                  "columns × %lld filters", (long long)F, (long long)F, (long long)per_tile,
              (long long)F);
    const Buf *src = window_source(lb, w, x, 0);
    const Buf *zT = lb->scratch[SCRATCH_DX];
    const Buf *Z = nb->z ? nb->z : nb->out;
    bool apply = layer_has_z(n) && n->act.kind != ACT_SOFTMAX;
    s_comment(lb, "zT[j, ow] = b[j] + Σ_kh,kw W[kh, kw, 0, j]·%s[r, oh + kh, ow + kw]; "
                  "z[r, oh, ow, j] = zT[j, ow]%s", src->name,
              apply ? arena_printf(lb->a, "; y = %s(z)", act_name(n->act.kind)) : "");
    LExpr *r = batch_loop(lb);
    int open = 0;
    LExpr *oh = dim_loop(lb, "oh", w->OH, false, &open);
    column_tiles(lb, OW, per_tile, direct_tile, &(DirectRow){n, w, src, zT, r, oh});
    LStmt *ow = for_begin(lb, "ow", e_int(lb, OW));
    LStmt *j = for_begin(lb, "j", e_int(lb, F));
    j->vector = true;
    LExpr *v[] = {r, oh, e_var(lb, ow), e_var(lb, j)};
    int64_t st[] = {pixels(w) * F, OW * F, F, 1};
    LExpr *zi = e_lin(lb, 4, v, st);
    LExpr *tv[] = {r, e_var(lb, j), e_var(lb, ow)};
    int64_t ts[] = {F * OW, OW, 1};
    s_store(lb, Z, zi, e_load(lb, zT, e_lin(lb, 3, tv, ts)));
    if (apply)
        s_store(lb, nb->out, zi, act_apply(lb, n->act, e_load(lb, Z, zi)));
    for_end(lb);
    for_end(lb);
    close_loops(lb, &open);
    for_end(lb);
    if (n->act.kind == ACT_SOFTMAX)
        softmax_rows(lb, nb->z, nb->out, nb->lse, e_mul(lb, e_batch(lb), e_int(lb, pixels(w))),
                     F);
}

void conv_forward(LB *lb, const Node *n) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = lb->nb[view_source(n->in[0])->id].out;
    Window w = window_of(n);
    conv_comment(lb, n, &w);
    if (conv_direct(n, &w)) {
        direct_forward(lb, n, &w, x);
        return;
    }
    const Buf *cols = conv_columns(lb, &w, x);
    LExpr *rows = e_mul(lb, e_batch(lb), e_int(lb, pixels(&w)));
    bool apply = layer_has_z(n) && n->act.kind != ACT_SOFTMAX;
    s_comment(lb, "z = %s·W%s%s", conv_identity(&w) ? "x" : "cols", nb->b ? " + b" : "",
              apply ? arena_printf(lb->a, "; y = %s(z)", act_name(n->act.kind)) : "");
    gemm_forward(lb, cols, nb->W, nb->b, nb->z ? nb->z : nb->out, apply ? nb->out : NULL,
                 n->act, rows, window_size(&w), w.F);
    if (n->act.kind == ACT_SOFTMAX)
        softmax_rows(lb, nb->z, nb->out, nb->lse, rows, w.F);
}

/* dx from dcols (in cols): scattered into a zeroed padded copy, then unpadded. */
static void conv_col2im(LB *lb, const Node *n, const Window *wp, const Buf *cols, bool first) {
    Window w = *wp;
    const Buf *dxpad = lb->scratch[SCRATCH_PAD];
    if (w.two_d)
        s_comment(lb, "col2im: dxpad[r, oh·%lld + kh, ow·%lld + kw, c] += dcols[(r,oh,ow), "
                      "(kh,kw,c)]; dx = dxpad without its border", (long long)w.SH,
                  (long long)w.SW);
    else
        s_comment(lb, "col2im: dxpad[r, o·%lld + k, c] += dcols[(r,o), (k,c)]; dx = dxpad "
                      "without its border", (long long)w.SW);
    LExpr *r = batch_loop(lb), *ix[4];
    fill_row(lb, &w, dxpad, r, 0);
    int open = 0;
    window_rows_begin(lb, &w, ix, &open);
    s_accum(lb, dxpad, window_at(lb, &w, r, ix[0], ix[1], ix[2], ix[3]),
            e_load(lb, cols, cols_at(lb, &w, r, ix[0], ix[1], ix[2], ix[3])));
    close_loops(lb, &open);
    unpad_grad(lb, n, &w, dxpad, r, first);
    for_end(lb);
}

/* What a tile of the direct dW works on: part sv's lanes for weight (kh, kw), example r. */
typedef struct DirectLanes {
    const Window *w;
    const Buf *src, *dzT, *lanes;
    LExpr *sv, *r, *kh, *kw;
} DirectLanes;

/* One tile of the direct dW (a ColumnTile): columns ow0 + [0, width) of
 * lanes[s, kh, kw, j, :], summed over the example's output rows oh with the accumulators
 * in registers. */
static void direct_dweight_tile(LB *lb, const void *arg, LExpr *ow0, int64_t width) {
    const DirectLanes *t = arg;
    const Window *w = t->w;
    const Buf *src = t->src, *dzT = t->dzT, *lanes = t->lanes;
    LExpr *sv = t->sv, *r = t->r, *kh = t->kh, *kw = t->kw;
    int64_t F = w->F, OW = w->OW, P = pixels(w), K = w->KH * w->KW;
    LExpr *kv[] = {sv, kh, kw};
    int64_t ks[] = {K * F * OW, w->KW * F * OW, F * OW};
    LExpr *lrow = e_lin(lb, 3, kv, ks);
    LStmt *oh = for_begin(lb, "oh", e_int(lb, w->OH));
    for (int64_t b0 = 0; b0 < width; b0 += DIRECT_VECTOR) {
        int64_t bw = width - b0 < DIRECT_VECTOR ? width - b0 : DIRECT_VECTOR;
        LStmt *v = for_begin(lb, "v", e_int(lb, bw));
        v->vector = true;
        LExpr *col = e_add(lb, e_add(lb, ow0, e_int(lb, b0)), e_var(lb, v));
        LExpr *xv = e_load(lb, src, window_at(lb, w, r, e_var(lb, oh), col, kh, kw));
        for (int64_t j = 0; j < F; j++) {
            LExpr *dv[] = {r, e_var(lb, oh)};
            int64_t ds[] = {F * P, OW};
            LExpr *di = e_add(lb, e_add(lb, e_lin(lb, 2, dv, ds), e_int(lb, j * P)), col);
            s_accum(lb, lanes, e_add(lb, e_add(lb, lrow, e_int(lb, j * OW)), col),
                    e_bin(lb, '*', e_load(lb, dzT, di), xv));
        }
        for_end(lb);
    }
    for_end(lb);
}

/* dW[kh, kw, 0, j] = Σ_r,oh,ow xpad[r, oh + kh, ow + kw]·dz[r, oh, ow, j], vectorized over
 * ow: dz is transposed to dzT[r, j, oh, ow] first; the sum over the examples is in
 * SPLIT_PARTS fixed parts (as gemm_dweight's), each keeping one partial sum per column
 * ow (lanes[s, kh, kw, j, ow]), and dW = Σ_s Σ_ow lanes in that order, whatever the
 * thread count. */
static void direct_dweight(LB *lb, const Node *n, const Window *w, const Buf *x) {
    const NodeBufs *nb = &lb->nb[n->id];
    int S = SPLIT_PARTS;
    int64_t F = w->F, OW = w->OW, P = pixels(w), K = w->KH * w->KW;
    double l2 = n->params[0].l2;
    const Buf *lanes = buf_work_fixed(lb, arena_printf(lb->a, "%s.lanes", nb->dW->name),
                                      (Shape){3, {S, K * F, OW}});
    const Buf *db_lanes = nb->db ? buf_work_fixed(lb, arena_printf(lb->a, "%s.lanes",
                                                                   nb->db->name),
                                                  (Shape){3, {S, F, OW}})
                                 : NULL;
    s_comment(lb, "dW (%lld, %lld) direct (1 channel, %lld filters): dW[kh, kw, 0, j] = "
                  "Σ xpad[r, oh + kh, ow + kw]·dz[r, oh, ow, j]%s%s, vectorized over ow",
              (long long)K, (long long)F, (long long)F, l2 > 0 ? " + 2·l2·W" : "",
              nb->db ? ", db = Σ dz" : "");
    const Buf *src = window_source(lb, w, x, 0);
    const Buf *dzT = lb->scratch[SCRATCH_DX];
    s_comment(lb, "dzT[r, j, p] = dz[r, p, j]");
    {
        LExpr *r = batch_loop(lb);
        LStmt *p = for_begin(lb, "p", e_int(lb, P));
        LStmt *j = for_begin(lb, "j", e_int(lb, F));
        j->vector = true;
        LExpr *tv[] = {r, e_var(lb, j), e_var(lb, p)};
        int64_t ts[] = {F * P, P, 1};
        LExpr *zv[] = {r, e_var(lb, p), e_var(lb, j)};
        int64_t zs[] = {P * F, F, 1};
        s_store(lb, dzT, e_lin(lb, 3, tv, ts), e_load(lb, nb->dz, e_lin(lb, 3, zv, zs)));
        for_end(lb);
        for_end(lb);
        for_end(lb);
    }
    int64_t tile = direct_tile_columns(w);
    s_comment(lb, "lanes[s, kh, kw, j, ow] = part s of the sum over the examples (%d fixed "
                  "parts), tiles of %lld columns × %lld filters", S, (long long)tile,
              (long long)F);
    LStmt *s = for_begin(lb, "s", e_int(lb, S));
    s->parallel = true;
    LExpr *sv = e_var(lb, s);
    zero_part(lb, lanes, sv, K * F * OW);
    if (db_lanes)
        zero_part(lb, db_lanes, sv, F * OW);
    LExpr *r = part_examples_begin(lb, sv);
    LStmt *kh = for_begin(lb, "kh", e_int(lb, w->KH));
    LStmt *kw = for_begin(lb, "kw", e_int(lb, w->KW));
    column_tiles(lb, OW, tile, direct_dweight_tile,
                 &(DirectLanes){w, src, dzT, lanes, sv, r, e_var(lb, kh), e_var(lb, kw)});
    for_end(lb);
    for_end(lb);
    if (db_lanes) {
        LStmt *oh = for_begin(lb, "oh", e_int(lb, w->OH));
        LStmt *j = for_begin(lb, "j", e_int(lb, F));
        LStmt *v = for_begin(lb, "v", e_int(lb, OW));
        v->vector = true;
        LExpr *dv[] = {r, e_var(lb, j), e_var(lb, oh), e_var(lb, v)};
        int64_t ds[] = {F * P, P, OW, 1};
        LExpr *lv[] = {sv, e_var(lb, j), e_var(lb, v)};
        int64_t ls[] = {F * OW, OW, 1};
        s_accum(lb, db_lanes, e_lin(lb, 3, lv, ls), e_load(lb, dzT, e_lin(lb, 4, dv, ds)));
        for_end(lb);
        for_end(lb);
        for_end(lb);
    }
    for_end(lb);
    for_end(lb);
    s_comment(lb, "dW = %sΣ_s Σ_ow lanes[s, ·, ow], in order%s", l2 > 0 ? "2·l2·W + " : "",
              nb->db ? "; db the same way" : "");
    for (int which = 0; which < (db_lanes ? 2 : 1); which++) {
        const Buf *dst = which ? nb->db : nb->dW, *src_l = which ? db_lanes : lanes;
        int64_t n_out = which ? F : K * F;
        LStmt *i = for_begin(lb, "i", e_int(lb, n_out));
        s_let(lb, "sum", !which && l2 > 0 ? e_bin(lb, '*', e_real(lb, 2 * l2),
                                                    e_load(lb, nb->W, e_var(lb, i)))
                                          : e_real(lb, 0));
        LStmt *t = for_begin(lb, "t", e_int(lb, S));
        LStmt *v = for_begin(lb, "v", e_int(lb, OW));
        LExpr *lv[] = {e_var(lb, t), e_var(lb, i), e_var(lb, v)};
        int64_t ls[] = {n_out * OW, OW, 1};
        s_add(lb, "sum", e_load(lb, src_l, e_lin(lb, 3, lv, ls)));
        for_end(lb);
        for_end(lb);
        s_store(lb, dst, e_var(lb, i), e_temp(lb, "sum"));
        for_end(lb);
    }
}

void conv_backward(LB *lb, const Node *n, bool written[]) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = lb->nb[view_source(n->in[0])->id].out;
    Window w = window_of(n);
    int64_t K = window_size(&w);
    LExpr *rows = e_mul(lb, e_batch(lb), e_int(lb, pixels(&w)));
    s_comment(lb, "%s backward (%s)", n->name, node_line(lb, n));
    z_grad(lb, n, rows, w.F);
    if (conv_direct_dweight(n, &w)) {
        direct_dweight(lb, n, &w, x);
        if (!needs_input_grad(n)) {
            s_comment(lb, "no dx: '%s' reads the model's input", n->name);
            return;
        }
        s_comment(lb, "dx through the columns: dcols = dz·Wᵀ, then col2im");
        gemm_dinput(lb, nb->dz, nb->W, lb->scratch[SCRATCH_COLS], NULL, false, rows, K, w.F);
        conv_col2im(lb, n, &w, lb->scratch[SCRATCH_COLS], first_grad(written, n, 0));
        return;
    }
    if (!conv_identity(&w))
        s_comment(lb, "the columns again (scratch is not kept between passes)");
    const Buf *cols = conv_columns(lb, &w, x);
    double l2 = n->params[0].l2;
    s_comment(lb, "dW (%lld, %lld) = %sᵀ·dz%s%s", (long long)K, (long long)w.F,
              conv_identity(&w) ? "x" : "cols", l2 > 0 ? " + 2·l2·W" : "",
              nb->db ? ", db = Σ_pixels dz" : "");
    gemm_dweight(lb, cols, nb->dz, nb->W, nb->dW, nb->db, l2, rows, K, w.F, NULL);
    if (!needs_input_grad(n)) {
        s_comment(lb, "no dx: '%s' reads the model's input", n->name);
        return;
    }
    bool first = first_grad(written, n, 0);
    if (conv_identity(&w)) {
        s_comment(lb, "dx = dz·Wᵀ (1x1, stride 1: the columns are x)");
        gemm_dinput(lb, nb->dz, nb->W, NULL, n->in[0], first, rows, K, w.F);
        return;
    }
    s_comment(lb, "dcols = dz·Wᵀ (over the columns, which are no longer needed)");
    gemm_dinput(lb, nb->dz, nb->W, cols, NULL, false, rows, K, w.F);
    conv_col2im(lb, n, &w, cols, first);
}

/* ---- pooling ---- */

static const char *const pool_words[] = {"max", "mean", "min"}; /* POOL_MAX, AVG, MIN */

/* Windows that tile the input without overlap or padding (the usual 2×2, stride 2): each
 * input position is under at most one window, so the gradient is written straight into
 * dx, without a padded buffer to clear and add into. */
static bool pool_disjoint(const Window *w) {
    return !padded(w) && w->SH == w->KH && w->SW == w->KW;
}

void pool_plan(LB *lb, const Node *n) {
    Window w = window_of(n);
    if (n->pool_kind != POOL_AVG)
        lb->nb[n->id].arg = buf_work(lb, arena_printf(lb->a, "%s.arg", n->name), n->out);
    if (padded(&w) || (needs_input_grad(n) && !pool_disjoint(&w)))
        buf_scratch(lb, SCRATCH_PAD, padded_size(&w));
}

/* Real (unpadded) inputs along one axis under the window starting at padded position
 * o·S: min(o·S + K, P + L) − max(o·S, P), P the padding before and L the length. */
static LExpr *covered(LB *lb, LExpr *o, int64_t S, int64_t K, int64_t P, int64_t L) {
    LExpr *start = e_mul(lb, o, e_int(lb, S));
    return e_bin(lb, '-', e_bin(lb, 'm', e_to_real(lb, e_add(lb, start, e_int(lb, K))),
                                e_real(lb, (double)(P + L))),
                 e_bin(lb, 'M', e_to_real(lb, start), e_real(lb, (double)P)));
}

/* 1 / (real inputs under the window at (oh, ow)): a constant without padding. */
static LExpr *pool_inv_count(LB *lb, const Window *w, LExpr *oh, LExpr *ow) {
    if (!padded(w))
        return e_real(lb, 1.0 / (double)(w->KH * w->KW));
    LExpr *rows = w->Hp != w->H ? covered(lb, oh, w->SH, w->KH, w->PT, w->H)
                                : e_real(lb, (double)w->KH);
    LExpr *cols = w->Wp != w->W ? covered(lb, ow, w->SW, w->KW, w->PL, w->W)
                                : e_real(lb, (double)w->KW);
    LExpr *count = rows->kind == E_REAL && rows->rval == 1   ? cols
                   : cols->kind == E_REAL && cols->rval == 1 ? rows
                                                             : e_bin(lb, '*', rows, cols);
    return e_bin(lb, '/', e_real(lb, 1), count);
}

/* Index of y[r, oh, ow, c]. */
static LExpr *pool_out_at(LB *lb, const Window *w, LExpr *r, LExpr *oh, LExpr *ow, LExpr *c) {
    LExpr *v[] = {r, oh, ow, c};
    int64_t s[] = {pixels(w) * w->C, w->OW * w->C, w->C, 1};
    return e_lin(lb, 4, v, s);
}

/* Index of src[r, oh·SH + kh, ow·SW + kw, c] in a (Hp, Wp, C) buffer. */
static LExpr *pool_in_at(LB *lb, const Window *w, LExpr *r, LExpr *oh, LExpr *ow, LExpr *kh,
                         LExpr *kw, LExpr *c) {
    LExpr *t = e_add(lb, e_mul(lb, kw, e_int(lb, w->C)), c);
    return window_at(lb, w, r, oh, ow, kh, t);
}

/* The window position kh·KW + kw, as a real: exact, because a max or min pooling window
 * has at most MAX_EXACT_INDEX positions (graph.c). */
static LExpr *pool_pos(LB *lb, const Window *w, LExpr *kh, LExpr *kw) {
    return e_to_real(lb, e_add(lb, e_mul(lb, kh, e_int(lb, w->KW)), kw));
}

/* Inside the loops over (r, oh, ow): y (and arg) for every channel. */
static void pool_window_forward(LB *lb, const Node *n, const Window *w, const Buf *src,
                                LExpr *r, LExpr *oh, LExpr *ow) {
    const NodeBufs *nb = &lb->nb[n->id];
    LExpr *zero = e_int(lb, 0);
    bool avg = n->pool_kind == POOL_AVG;
    int open = 0;
    LExpr *c = dim_loop(lb, "c", w->C, true, &open);
    LExpr *yi = pool_out_at(lb, w, r, oh, ow, c);
    s_store(lb, nb->out, yi,
            avg ? e_real(lb, 0) : e_load(lb, src, pool_in_at(lb, w, r, oh, ow, zero, zero, c)));
    if (!avg)
        s_store(lb, nb->arg, yi, e_real(lb, 0));
    close_loops(lb, &open);
    LExpr *kh = dim_loop(lb, "kh", w->KH, false, &open);
    LExpr *kw = dim_loop(lb, w->two_d ? "kw" : "k", w->KW, false, &open);
    c = dim_loop(lb, "c", w->C, true, &open);
    yi = pool_out_at(lb, w, r, oh, ow, c);
    s_let(lb, "v", e_load(lb, src, pool_in_at(lb, w, r, oh, ow, kh, kw, c)));
    LExpr *v = e_temp(lb, "v"), *y = e_load(lb, nb->out, yi);
    if (avg) {
        s_accum(lb, nb->out, yi, v);
    } else {
        s_store(lb, nb->arg, yi, e_select(lb, e_cmp(lb, n->pool_kind == POOL_MAX ? '>' : '<', v, y),
                                          pool_pos(lb, w, kh, kw), e_load(lb, nb->arg, yi)));
        s_store(lb, nb->out, yi, e_bin(lb, n->pool_kind == POOL_MAX ? 'M' : 'm', y, v));
    }
    close_loops(lb, &open);
    if (avg) {
        s_let(lb, "inv", pool_inv_count(lb, w, oh, ow));
        c = dim_loop(lb, "c", w->C, true, &open);
        yi = pool_out_at(lb, w, r, oh, ow, c);
        s_store(lb, nb->out, yi, e_bin(lb, '*', e_load(lb, nb->out, yi), e_temp(lb, "inv")));
        close_loops(lb, &open);
    }
}

void pool_forward(LB *lb, const Node *n) {
    const Buf *x = lb->nb[view_source(n->in[0])->id].out;
    Window w = window_of(n);
    bool two_d = n->in[0]->out.rank == 3;
    const char *where = two_d ? arena_printf(lb->a, "y[r, oh, ow, c] = %s of x over the %lldx%lld "
                                                 "window at (oh·%lld, ow·%lld)",
                                             pool_words[n->pool_kind], (long long)w.KH,
                                             (long long)w.KW, (long long)w.SH, (long long)w.SW)
                              : arena_printf(lb->a, "y[r, o, c] = %s of x over the %lld steps "
                                                 "at o·%lld", pool_words[n->pool_kind],
                                             (long long)w.KW, (long long)w.SW);
    s_comment(lb, "%s forward (%s): %s   x (B,%s), y (B,%s)", n->name, node_line(lb, n), where,
              dims_text(lb, two_d, w.H, w.W, w.C), dims_text(lb, two_d, w.OH, w.OW, w.C));
    if (n->pool_kind != POOL_AVG)
        s_comment(lb, "arg = the winner's position %s in its window (the first, on ties)",
                  two_d ? "kh·KW + kw" : "k");
    else if (padded(&w))
        s_comment(lb, "padding is not counted: the mean is over the real inputs under the window");
    double fill = n->pool_kind == POOL_MAX ? -INFINITY : n->pool_kind == POOL_MIN ? INFINITY : 0;
    const Buf *src = window_source(lb, &w, x, fill);
    LExpr *r = batch_loop(lb);
    int open = 0;
    LExpr *oh = dim_loop(lb, "oh", w.OH, false, &open);
    LExpr *ow = dim_loop(lb, w.two_d ? "ow" : "o", w.OW, false, &open);
    pool_window_forward(lb, n, &w, src, r, oh, ow);
    close_loops(lb, &open);
    for_end(lb);
}

/* The gradient of one window position: dy/count (average) or dy where it won (max, min). */
static LExpr *pool_grad(LB *lb, const Node *n, const Window *w, LExpr *yi, LExpr *kh, LExpr *kw) {
    const NodeBufs *nb = &lb->nb[n->id];
    LExpr *dy = e_load(lb, nb->dout, yi);
    if (n->pool_kind == POOL_AVG)
        return e_bin(lb, '*', dy, e_temp(lb, "inv"));
    return e_select(lb, e_cmp(lb, '=', e_load(lb, nb->arg, yi), pool_pos(lb, w, kh, kw)), dy,
                    e_real(lb, 0));
}

/*   parallel for r: for oh, kh, ow, kw, c: dx[r, oh·KH + kh, ow·KW + kw, c] = g
 * in the input's memory order; the rows and columns no window covers get 0. */
static void pool_backward_disjoint(LB *lb, const Node *n, const Window *w, bool first) {
    bool avg = n->pool_kind == POOL_AVG;
    s_comment(lb, "%s backward (%s): dx[window position] = %s (the windows do not "
                  "overlap)", n->name, node_line(lb, n), avg ? "dy / count" : "dy where the position is arg");
    LExpr *r = batch_loop(lb);
    if (avg)
        s_let(lb, "inv", pool_inv_count(lb, w, NULL, NULL));
    int open = 0;
    LExpr *oh = dim_loop(lb, "oh", w->OH, false, &open);
    LExpr *kh = dim_loop(lb, "kh", w->KH, false, &open);
    LExpr *h = e_add(lb, e_mul(lb, oh, e_int(lb, w->KH)), kh);
    int inner = 0;
    LExpr *ow = dim_loop(lb, w->two_d ? "ow" : "o", w->OW, false, &inner);
    LExpr *kw = dim_loop(lb, w->two_d ? "kw" : "k", w->KW, false, &inner);
    LExpr *c = dim_loop(lb, "c", w->C, true, &inner);
    LExpr *t = e_add(lb, e_mul(lb, e_add(lb, e_mul(lb, ow, e_int(lb, w->KW)), kw), e_int(lb, w->C)), c);
    grad_store(lb, n->in[0], input_at(lb, w, r, h, t),
               pool_grad(lb, n, w, pool_out_at(lb, w, r, oh, ow, c), kh, kw), first);
    close_loops(lb, &inner);
    int64_t covered_w = w->OW * w->KW * w->C;
    if (first && covered_w < w->W * w->C) { /* columns right of the last window */
        LExpr *u = dim_loop(lb, "u", w->W * w->C - covered_w, true, &inner);
        grad_store(lb, n->in[0], input_at(lb, w, r, h, e_add(lb, e_int(lb, covered_w), u)),
                   e_real(lb, 0), true);
        close_loops(lb, &inner);
    }
    close_loops(lb, &open);
    if (first && w->OH * w->KH < w->H) { /* rows below the last window */
        LExpr *hh = dim_loop(lb, "h", w->H - w->OH * w->KH, false, &open);
        LExpr *u = dim_loop(lb, "t", w->W * w->C, true, &open);
        grad_store(lb, n->in[0], input_at(lb, w, r, e_add(lb, e_int(lb, w->OH * w->KH), hh), u),
                   e_real(lb, 0), true);
        close_loops(lb, &open);
    }
    for_end(lb);
}

void pool_backward(LB *lb, const Node *n, bool written[]) {
    if (!needs_input_grad(n))
        return;
    Window w = window_of(n);
    bool first = first_grad(written, n, 0), avg = n->pool_kind == POOL_AVG;
    if (pool_disjoint(&w)) {
        pool_backward_disjoint(lb, n, &w, first);
        return;
    }
    const Buf *dxpad = lb->scratch[SCRATCH_PAD];
    s_comment(lb, "%s backward (%s): dxpad[window position] += %s; dx = dxpad without "
                  "its border", n->name, node_line(lb, n),
              avg ? "dy / count" : "dy where the position is arg");
    LExpr *r = batch_loop(lb);
    fill_row(lb, &w, dxpad, r, 0);
    int open = 0;
    LExpr *oh = dim_loop(lb, "oh", w.OH, false, &open);
    LExpr *ow = dim_loop(lb, w.two_d ? "ow" : "o", w.OW, false, &open);
    if (avg)
        s_let(lb, "inv", pool_inv_count(lb, &w, oh, ow));
    LExpr *kh = dim_loop(lb, "kh", w.KH, false, &open);
    LExpr *kw = dim_loop(lb, w.two_d ? "kw" : "k", w.KW, false, &open);
    LExpr *c = dim_loop(lb, "c", w.C, true, &open);
    s_accum(lb, dxpad, pool_in_at(lb, &w, r, oh, ow, kh, kw, c),
            pool_grad(lb, n, &w, pool_out_at(lb, &w, r, oh, ow, c), kh, kw));
    close_loops(lb, &open);
    unpad_grad(lb, n, &w, dxpad, r, first);
    for_end(lb);
}

/* ---- global average pooling ---- */

/* (B, S, C) with S the positions: S = H·W or T. */
static void gap_dims(const Node *n, int64_t *S, int64_t *C) {
    Shape in = n->in[0]->out;
    *C = in.d[in.rank - 1];
    *S = shape_size(in) / *C;
}

void gap_forward(LB *lb, const Node *n) {
    const Buf *x = lb->nb[view_source(n->in[0])->id].out, *y = lb->nb[n->id].out;
    int64_t S, C;
    gap_dims(n, &S, &C);
    s_comment(lb, "%s forward (%s): y[r, c] = (1/%lld)·Σ_p x[r, p, c] over %lld positions",
              n->name, node_line(lb, n), (long long)S, (long long)S);
    LExpr *r = batch_loop(lb);
    int open = 0;
    LExpr *c = dim_loop(lb, "c", C, true, &open);
    s_store(lb, y, e_at(lb, y, r, c), e_real(lb, 0));
    close_loops(lb, &open);
    LExpr *p = dim_loop(lb, "p", S, false, &open);
    c = dim_loop(lb, "c", C, true, &open);
    LExpr *v[] = {r, p, c};
    int64_t s[] = {S * C, C, 1};
    s_accum(lb, y, e_at(lb, y, r, c), e_load(lb, x, e_lin(lb, 3, v, s)));
    close_loops(lb, &open);
    c = dim_loop(lb, "c", C, true, &open);
    s_store(lb, y, e_at(lb, y, r, c),
            e_bin(lb, '*', e_row(lb, y, r, c), e_real(lb, 1.0 / (double)S)));
    close_loops(lb, &open);
    for_end(lb);
}

/* dx[r, p, c] of a global pooling: the average's dy / S at every position; the
 * maximum's dy at the position arg[r, c] holds and 0 at the others. */
static void global_pool_backward(LB *lb, const Node *n, bool written[], bool max) {
    if (!needs_input_grad(n))
        return;
    const NodeBufs *nb = &lb->nb[n->id];
    int64_t S, C;
    gap_dims(n, &S, &C);
    bool first = first_grad(written, n, 0);
    if (max)
        s_comment(lb, "%s backward (%s): dx[r, p, c] = dy[r, c] where p is arg[r, c], else 0",
                  n->name, node_line(lb, n));
    else
        s_comment(lb, "%s backward (%s): dx[r, p, c] = dy[r, c] / %lld", n->name,
                  node_line(lb, n), (long long)S);
    LExpr *r = batch_loop(lb);
    int open = 0;
    LExpr *p = dim_loop(lb, "p", S, false, &open);
    LExpr *c = dim_loop(lb, "c", C, true, &open);
    LExpr *v[] = {r, p, c};
    int64_t s[] = {S * C, C, 1};
    LExpr *g = max ? e_select(lb, e_cmp(lb, '=', e_row(lb, nb->arg, r, c), e_to_real(lb, p)),
                              e_row(lb, nb->dout, r, c), e_real(lb, 0))
                   : e_bin(lb, '*', e_row(lb, nb->dout, r, c), e_real(lb, 1.0 / (double)S));
    grad_store(lb, n->in[0], e_lin(lb, 3, v, s), g, first);
    close_loops(lb, &open);
    for_end(lb);
}

void gap_backward(LB *lb, const Node *n, bool written[]) {
    global_pool_backward(lb, n, written, false);
}

/* ---- global max pooling ---- */

/* arg[r, c] is the position p of the maximum of channel c, as a real: exact, because a
 * global max pooling has at most MAX_EXACT_INDEX positions (graph.c). */
void gmp_plan(LB *lb, const Node *n) {
    lb->nb[n->id].arg = buf_work(lb, arena_printf(lb->a, "%s.arg", n->name), n->out);
}

void gmp_forward(LB *lb, const Node *n) {
    const NodeBufs *nb = &lb->nb[n->id];
    const Buf *x = lb->nb[view_source(n->in[0])->id].out, *y = nb->out;
    int64_t S, C;
    gap_dims(n, &S, &C);
    s_comment(lb, "%s forward (%s): y[r, c] = max_p x[r, p, c] over %lld positions",
              n->name, node_line(lb, n), (long long)S);
    s_comment(lb, "arg = the position p of the maximum (the first, on ties)");
    LExpr *r = batch_loop(lb);
    int open = 0;
    LExpr *c = dim_loop(lb, "c", C, true, &open);
    s_store(lb, y, e_at(lb, y, r, c), e_load(lb, x, e_add(lb, e_mul(lb, r, e_int(lb, S * C)), c)));
    s_store(lb, nb->arg, e_at(lb, nb->arg, r, c), e_real(lb, 0));
    close_loops(lb, &open);
    /* position 0 again, which changes nothing: the loops stay those of every position */
    LExpr *p = dim_loop(lb, "p", S, false, &open);
    c = dim_loop(lb, "c", C, true, &open);
    LExpr *v[] = {r, p, c};
    int64_t s[] = {S * C, C, 1};
    s_let(lb, "v", e_load(lb, x, e_lin(lb, 3, v, s)));
    LExpr *val = e_temp(lb, "v"), *best = e_row(lb, y, r, c);
    s_store(lb, nb->arg, e_at(lb, nb->arg, r, c),
            e_select(lb, e_cmp(lb, '>', val, best), e_to_real(lb, p), e_row(lb, nb->arg, r, c)));
    s_store(lb, y, e_at(lb, y, r, c), e_bin(lb, 'M', best, val));
    close_loops(lb, &open);
    for_end(lb);
}

void gmp_backward(LB *lb, const Node *n, bool written[]) {
    global_pool_backward(lb, n, written, true);
}
