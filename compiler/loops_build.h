/*
 * loops_build.h — what the loop-IR builders share (loops.c, loops_layers.c, loops_train.c):
 * expression and statement constructors, the per-node buffers, and the helpers that
 * route a gradient to the right buffer. Internal to the loops module.
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
    Buf *W, *b, *dW, *db;
    int64_t noise_start;  /* dropout: offset of its numbers in a noise row */
    bool dz_fused;  /* users write dz directly (the activation derivative is fused) */
    RnnBufs *rnn;   /* simple_rnn, lstm, gru */
} NodeBufs;

enum { LB_MAX_DEPTH = 16 };

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
} LB;

/* ---- expressions ---- */
LExpr *e_int(LB *lb, int64_t v);
LExpr *e_var(LB *lb, const LStmt *loop);
LExpr *e_batch(LB *lb);
LExpr *e_step(LB *lb);
LExpr *e_add(LB *lb, LExpr *a, LExpr *b);   /* integer: folds constants */
LExpr *e_mul(LB *lb, LExpr *a, LExpr *b);
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

/* ---- buffers ---- */
Buf *buf_param(LB *lb, const ParamTensor *t, bool grad);
Buf *buf_work(LB *lb, const char *name, Shape row_shape);   /* batched, in ctx->work */
Buf *buf_io(LB *lb, const char *name, BufBase base, Shape row_shape);

/* ---- activations (loops_layers.c) ---- */
/* y = act(z) for elementwise activations. */
LExpr *act_apply(LB *lb, Activation act, LExpr *z);
/* dy/dz from z and y = act(z). */
LExpr *act_deriv(LB *lb, Activation act, LExpr *z, LExpr *y);

/* ---- layers (loops_layers.c) ---- */
const Node *view_source(const Node *n);         /* through flatten/reshape */
void layer_buffers(LB *lb, const Node *n);      /* a layer's own buffers, after y and dy */
bool layer_forward(LB *lb, const Node *n);
bool layer_backward(LB *lb, const Node *n, bool first_writer[]);
/* Stores (or adds, when not the first writer) the gradient of element `index` of node n's
 * output (flat: row·row_size + k), multiplying by n's activation derivative when that is
 * fused. Views (flatten, reshape) pass it to their source. */
void grad_store(LB *lb, const Node *n, LExpr *index, LExpr *value, bool first);
bool needs_input_grad(const Node *n);

/* ---- recurrent layers and embedding (loops_rnn.c) ---- */
bool rnn_supported(LB *lb, const Node *n);      /* reports what it cannot lower */
void rnn_buffers(LB *lb, const Node *n);
void rnn_forward(LB *lb, const Node *n);
void rnn_backward(LB *lb, const Node *n, bool written[]);

/* ---- training (loops_train.c) ---- */
const Node *loss_fusion(const Graph *g); /* the node the loss gradient fuses with, or NULL */
void loss_forward(LB *lb);      /* body of loss(ctx) */
/* First part of backward(ctx): the gradient at the output; marks what it wrote. */
void loss_backward(LB *lb, bool written[]);
void optimizer_update(LB *lb);  /* body of update(ctx) */
int64_t optimizer_state_size(const Graph *g);

#endif
