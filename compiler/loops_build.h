/*
 * loops_build.h — what the loop-IR builders share (loops.c, loops_layers.c, loops_train.c,
 * loops_gemm.c, loops_conv.c, loops_merge.c): expression and statement constructors, the
 * per-node buffers, and the helpers that route a gradient to the right buffer. Internal to
 * the loops module.
 */
#ifndef NNLC_LOOPS_BUILD_H
#define NNLC_LOOPS_BUILD_H

#include "loops.h"

typedef struct RnnBufs RnnBufs; /* a recurrent layer's states and gates (loops_rnn.c) */

/* The buffers of one graph node. Views (flatten, reshape) share their input's. */
typedef struct NodeBufs {
    Buf *out;       /* y (B, out): the layer's output; for the input, x */
    Buf *z;         /* pre-activation (B, out), when the activation is not linear */
    Buf *dout;      /* d loss / d y, written by the layers that read y */
    Buf *dz;        /* d loss / d z (aliases dout when the activation is linear) */
    Buf *W, *b, *dW, *db;       /* batch norm: W, b are gamma, beta */
    Buf *arg;       /* max/min pooling: the winner's position in its window, (B, out);
                       global max pooling: in the whole input, (B, C) */
    Buf *moving_mean, *moving_var;  /* batch norm: non-trainable parameters (C) */
    Buf *mean, *invstd;             /* batch norm: the statistics used by forward (C) */
    Buf *lse;       /* softmax output fused with cross-entropy: log Σ exp(z) per example,
                       kept by forward for the loss (which then needs no exp) */
    int64_t noise_start;  /* dropout: offset of its numbers in a noise row */
    bool dz_fused;  /* users write dz directly (the activation derivative is fused) */
    RnnBufs *rnn;   /* simple_rnn, lstm, gru */
} NodeBufs;

/* Scratch regions of ctx->work shared by all layers: valid only inside one layer
 * function, sized by the largest request (convolution: padded input and im2col columns;
 * pooling: padded input and its gradient; batch norm: per-row partial sums; a dense
 * product split over W's rows: the parts of each row's sum). */
enum { SCRATCH_PAD, SCRATCH_COLS, SCRATCH_DX, SCRATCH_PARTIAL, SCRATCH_COUNT };

enum { LB_MAX_DEPTH = 16 };

/* The optimizer's update of one trainable tensor (loops_train.c): its buffers, and the
 * function update(ctx) calls for it. */
typedef struct TensorUpdate {
    Buf *W, *G, *S[3];  /* the tensor, its gradient, the optimizer's slots (or NULL) */
    LFunc *func;        /* "dense.W.update" */
    bool fused;         /* its layer's backward takes the step during backward_update(ctx) */
} TensorUpdate;

enum { MAX_UPDATE_SCALARS = 5 };

typedef struct LB {
    Arena *a;
    Diag *d;
    const Graph *g;
    LoopProgram *p;
    NodeBufs *nb;               /* indexed by node id */
    LStmt **tail;               /* where the next statement is appended */
    LStmt **stack[LB_MAX_DEPTH];
    int depth;
    LFunc *last_func;
    Buf *noise;                 /* (B, noise_per_row) uniform numbers, when dropout is used */
    Buf *y;                     /* targets: (B, 1) class indices or (B, n_outputs) */
    /* The loss gradient is fused with the output activation (softmax + cross-entropy,
     * sigmoid + binary cross-entropy): it writes this node's dz (dense) or its input's
     * gradient (activation layer), and the node's own derivative step is skipped. */
    const Node *fused_out;
    Buf *scratch[SCRATCH_COUNT];
    Buf **tensor_bufs;          /* 2 per parameter tensor (value, gradient), by g->tensors order */
    /* Filled by update_plan() and optimizer_update(): per tensor (by index), and the
     * scalars every update reads (Adam's alpha, …), computed once per step into fixed
     * work. */
    TensorUpdate *updates;
    Buf *in_backward;           /* update.in_backward: 1 while backward_update runs (NULL:
                                   no tensor takes its step in backward) */
    const char *update_scalar[MAX_UPDATE_SCALARS];
    Buf *update_scalar_buf[MAX_UPDATE_SCALARS];
    int nupdate_scalars;
} LB;

/* ---- expressions ---- */
LExpr *e_int(LB *lb, int64_t v);
LExpr *e_var(LB *lb, const LStmt *loop);
LExpr *e_batch(LB *lb);
LExpr *e_step(LB *lb);
LExpr *e_add(LB *lb, LExpr *a, LExpr *b);   /* integer: folds constants */
LExpr *e_mul(LB *lb, LExpr *a, LExpr *b);
LExpr *e_div(LB *lb, LExpr *a, int64_t n);  /* a / n rounded down, a ≥ 0, n > 0 */
LExpr *e_real(LB *lb, double v);
LExpr *e_load(LB *lb, const Buf *buf, LExpr *index);
LExpr *e_temp(LB *lb, const char *name);
LExpr *e_lr(LB *lb);
LExpr *e_to_real(LB *lb, LExpr *i);
LExpr *e_to_int(LB *lb, LExpr *v, int64_t rows);   /* index(v, rows), see E_TO_INT */
LExpr *e_bin(LB *lb, char op, LExpr *a, LExpr *b);
LExpr *e_un(LB *lb, char op, LExpr *a);
LExpr *e_select(LB *lb, LExpr *cond, LExpr *a, LExpr *b);
LExpr *e_cmp(LB *lb, char op, LExpr *a, LExpr *b);
LExpr *e_training(LB *lb);
/* Element (row, k) of a batched buffer: index row·row_size + k. */
LExpr *e_at(LB *lb, const Buf *buf, LExpr *row, LExpr *k);
LExpr *e_row(LB *lb, const Buf *buf, LExpr *row, LExpr *k); /* e_load of e_at */

/* ---- statements, appended at lb->tail ---- */
LFunc *func_begin(LB *lb, const char *name, bool returns_real, bool exported);
void func_end(LB *lb);
LStmt *for_begin(LB *lb, const char *var, LExpr *extent);
void for_end(LB *lb);
LStmt *if_begin(LB *lb, LExpr *cond);
void if_else(LB *lb, LStmt *s);
void if_end(LB *lb);
void s_store(LB *lb, const Buf *buf, LExpr *index, LExpr *value);
void s_accum(LB *lb, const Buf *buf, LExpr *index, LExpr *value);
void s_let(LB *lb, const char *temp, LExpr *value);
void s_add(LB *lb, const char *temp, LExpr *value);
void s_result(LB *lb, LExpr *value);
void s_call(LB *lb, LFunc *callee);
void s_comment(LB *lb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Where a layer is in the source, for comments: "line 6", or for a layer of a block
 * "line 3, block residual_1 at line 17" (the block's line, and the model's line using it). */
const char *node_line(LB *lb, const Node *n);

/* ---- buffers ---- */
Buf *buf_param(LB *lb, const ParamTensor *t, bool grad);
Buf *buf_work(LB *lb, const char *name, Shape row_shape);   /* batched, in ctx->work */
Buf *buf_io(LB *lb, const char *name, BufBase base, Shape row_shape);
/* Per-batch (not per-row) work, e.g. batch statistics; placed after the batched buffers. */
Buf *buf_work_fixed(LB *lb, const char *name, Shape shape);
/* Shared scratch (see SCRATCH_*) of at least row_size elements per row. */
Buf *buf_scratch(LB *lb, int slot, int64_t row_size);

/* ---- activations (loops_layers.c) ---- */
/* y = act(z) for elementwise activations. */
LExpr *act_apply(LB *lb, Activation act, LExpr *z);
/* dy/dz from z and y = act(z). */
LExpr *act_deriv(LB *lb, Activation act, LExpr *z, LExpr *y);

/* Softmax over `rows` rows of `width`, and its backward dz = y·(dy − Σ dy·y) (through
 * grad_store into `target` when given, else into dz). */
void softmax_rows(LB *lb, const Buf *z, const Buf *y, const Buf *lse, LExpr *rows, int64_t width);
void softmax_backward_rows(LB *lb, const Buf *y, const Buf *dy, const Buf *dz,
                           const Node *target, bool first, LExpr *rows, int64_t width);

/* ---- layers (loops_layers.c) ---- */
bool layer_lowered(OpKind op);                  /* has loop builders */
bool layer_has_z(const Node *n);                /* its activation is a separate step after
                                                   the product: y = act(z), dz ≠ dy */
/* Whether z is kept in memory for backward: softmax, the fused output's logits, and
 * activations whose derivative needs z (gelu, swish); sigmoid, tanh, relu, leaky relu and
 * elu take theirs from y, and their z lives only in the product's registers. */
bool layer_stores_z(const Node *n, const Node *fused_out);
void layer_buffers(LB *lb, const Node *n);      /* a layer's own buffers, after y and dy */
void kernel_bias_bufs(LB *lb, const Node *n);   /* W, dW, b, db from params[0], params[1] */
bool layer_forward(LB *lb, const Node *n);
bool layer_backward(LB *lb, const Node *n, bool first_writer[]);
/* Stores (or adds, when not the first writer) the gradient of element `index` of node n's
 * output (flat: row·row_size + k), multiplying by n's activation derivative when that is
 * fused. Views (flatten, reshape) pass it to their source. */
void grad_store(LB *lb, const Node *n, LExpr *index, LExpr *value, bool first);
bool needs_input_grad(const Node *n);
bool input_needs_grad(const Node *n, int i);    /* the same for input slot i */
/* The written[] protocol: true for the first gradient written into input i's buffer
 * (store), false after (accumulate). Marks it written. */
bool first_grad(bool written[], const Node *n, int i);
/* dz = dy·act'(z) over `rows` rows of `width`, when no reader wrote dz directly. */
void z_grad(LB *lb, const Node *n, LExpr *rows, int64_t width);

/* ---- matrix products (loops_gemm.c) ----
 * Dense's loop shapes, for any A (rows, K), W (K, N), Z (rows, N), row-major and flat:
 * i-k-j products with the j loop vectorized, one parallel dimension, every output
 * element computed by one thread in a fixed order. */
/* Z = A·W (+ bias); then Y = act(Z) in the same row loop when Y is given. */
void gemm_forward(LB *lb, const Buf *A, const Buf *W, const Buf *bias, const Buf *Z,
                  const Buf *Y, Activation act, LExpr *rows, int64_t K, int64_t N);
/* dW = Aᵀ·dZ (+ 2·l2·W), parallel over the K rows of dW; with db (or NULL), also
 * db = Σ_rows dZ, in the same parallel loop. With `update` (used only for one row per
 * example, rows = B), during backward_update each item's rows of W take the optimizer's
 * step as soon as their rows of dW are summed, while those are in L1. */
void gemm_dweight(LB *lb, const Buf *A, const Buf *dZ, const Buf *W, const Buf *dW,
                  const Buf *db, double l2, LExpr *rows, int64_t K, int64_t N,
                  const TensorUpdate *update);
/* dA = dZ·Wᵀ, parallel over rows: into dA, or through grad_store into node `target`. */
void gemm_dinput(LB *lb, const Buf *dZ, const Buf *W, const Buf *dA, const Node *target,
                 bool first, LExpr *rows, int64_t K, int64_t N);
/* Columns of a register tile of a product with N columns: the whole row when it fits in
 * 6 vectors of 16, else tiles as even as vectors allow (100 → 64 + 36, 256 → 96 + 96 + 64). */
int64_t gemm_tile_columns(int64_t N);
/* The column tiles of n columns in tiles of tn, each emitted by tile(lb, arg, j0, width):
 *   for jb in 0..n/tn: tile(jb·tn, tn)    (no loop when there is one tile)
 *   tile(n − n mod tn, n mod tn)           (the rest, if any)
 * Every register-tiled loop nest (products, dW, recurrent steps, direct convolutions)
 * walks its columns this way. */
typedef void ColumnTile(LB *lb, const void *arg, LExpr *j0, int64_t width);
void column_tiles(LB *lb, int64_t n, int64_t tn, ColumnTile *tile, const void *arg);
/* Wᵀ (N, K) of W (K, N) into a fixed work buffer, so that the rows of dZ·Wᵀ are sums of
 * contiguous rows. */
const Buf *gemm_transposed(LB *lb, const Buf *W, int64_t K, int64_t N);
/* A weight gradient summed over the examples in SPLIT_PARTS fixed parts, not one per
 * thread, so the sums do not depend on the thread count (dense, convolution and
 * recurrent dW): inside `parallel for s in 0..SPLIT_PARTS`, zero_part clears part s,
 * part_examples_begin opens the loop over its examples [s·B/S, (s + 1)·B/S) and returns
 * the example (for_end closes it); after the loop, sum_parts adds the parts in order. */
enum { SPLIT_PARTS = 2 };
/*   parts[s·n : (s + 1)·n] = 0 */
void zero_part(LB *lb, const Buf *parts, LExpr *s, int64_t n);
LExpr *part_examples_begin(LB *lb, LExpr *s);
/*   dst[i] = (2·l2·W[i] +) parts[0, i] + … + parts[S − 1, i]   for i < n, in that order */
void sum_parts(LB *lb, const Buf *dst, const Buf *parts, int S, int64_t n, const Buf *W,
               double l2, bool parallel);
/* Integer index Σ vars[i]·strides[i] (constants folded). */
LExpr *e_lin(LB *lb, int n, LExpr *const vars[], const int64_t strides[]);

/* ---- convolution and pooling (loops_conv.c) ---- */
void conv_plan(LB *lb, const Node *n);
void conv_forward(LB *lb, const Node *n);
void conv_backward(LB *lb, const Node *n, bool written[]);
void pool_plan(LB *lb, const Node *n);
void pool_forward(LB *lb, const Node *n);
void pool_backward(LB *lb, const Node *n, bool written[]);
void gap_forward(LB *lb, const Node *n);
void gap_backward(LB *lb, const Node *n, bool written[]);
void gmp_plan(LB *lb, const Node *n);
void gmp_forward(LB *lb, const Node *n);
void gmp_backward(LB *lb, const Node *n, bool written[]);

/* ---- normalization and merges (loops_merge.c) ---- */
void batchnorm_plan(LB *lb, const Node *n);
void batchnorm_forward(LB *lb, const Node *n);
void batchnorm_backward(LB *lb, const Node *n, bool written[]);
void merge_plan(LB *lb, const Node *n);  /* add, multiply: scratch for a broadcast input's dx */
void merge_forward(LB *lb, const Node *n);
void merge_backward(LB *lb, const Node *n, bool written[]);
void concat_forward(LB *lb, const Node *n);
void concat_backward(LB *lb, const Node *n, bool written[]);
void glu_plan(LB *lb, const Node *n);
void glu_forward(LB *lb, const Node *n);
void glu_backward(LB *lb, const Node *n, bool written[]);

/* ---- recurrent layers and embedding (loops_rnn.c) ---- */
void rnn_buffers(LB *lb, const Node *n);
void rnn_forward(LB *lb, const Node *n);
void rnn_backward(LB *lb, const Node *n, bool written[]);

/* ---- training (loops_train.c) ---- */
const Node *loss_fusion(const Graph *g); /* the node the loss gradient fuses with, or NULL */
void loss_forward(LB *lb);      /* body of loss(ctx) */
/* First part of backward(ctx): the gradient at the output; marks what it wrote. */
void loss_backward(LB *lb, bool written[]);
/* The optimizer's buffers (state slots, scalars, update.in_backward), before any layer's
 * backward is built; marks the tensors update_fusable() allows as fused. */
void update_plan(LB *lb);
void optimizer_update(LB *lb);  /* body of update(ctx): a function per tensor */
/* The step's scalars (Adam's alpha, …) into fixed work: the start of update(ctx) and of
 * backward_update(ctx). */
void update_scalars_store(LB *lb);
/* let alpha = update.alpha, …: at the start of a function that updates elements. */
void update_scalars_load(LB *lb);
/* The optimizer's step for element i of u's tensor, from its gradient G[i]. */
void update_element_step(LB *lb, const TensorUpdate *u, LExpr *i);
/* Whether backward_update(ctx) can update n's kernel inside the tiles of its gradient: a
 * dense layer on one row per example whose optimizer works element by element (no
 * clipnorm, which needs the whole gradient's norm first). NNLC_UNFUSED_UPDATE=1 in the
 * compiler's environment says no for every layer. */
bool update_fusable(const Graph *g, const Node *n);
int64_t optimizer_state_size(const Graph *g);

#endif
