/*
 * loops.h — the loop IR: explicit loop nests over named buffers, specialized to the
 * model's static shapes. The only dynamic size is B, the rows in the current batch.
 *
 *   func dense.forward(ctx):
 *     # dense forward (line 3): y = sigmoid(x·W + b)   W (784, 100), b (100)
 *     parallel for r in 0..B:
 *       for j in 0..100:
 *         dense.z[r, j] = dense.b[j]
 *       for i in 0..784:
 *         xi = x[r, i]
 *         vector for j in 0..100:
 *           dense.z[r, j] += xi * dense.W[i, j]
 *       ...
 *
 * loops*.c build it from the graph IR: one builder per layer kind, loss and optimizer,
 * and decide fusion, loop order and which loops run in parallel. cg_*.c lower any loop
 * program to LLVM without knowing what a layer is. Printable with --emit=loops.
 */
#ifndef NNLC_LOOPS_H
#define NNLC_LOOPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "graph.h"

/* Where a buffer lives: a field of NnrtCtx. */
typedef enum {
    BUF_PARAMS, BUF_GRADS, BUF_STATE, BUF_WORK, BUF_X, BUF_Y, BUF_OUT, BUF_NOISE,
} BufBase;

/* A named region of one ctx buffer. Element i of a batched buffer is at
 *   base + B·start_per_row + start + i          (WORK: activations, per-batch sized)
 * and of an unbatched one at base + start + i. Unbatched WORK buffers (row_size 0, e.g.
 * batch statistics) use the first form too: start_per_row is then the whole batched
 * part (work_per_row) and start the offset in the fixed part (work_fixed). */
typedef struct Buf {
    const char *name;       /* "dense_1.W", "dense_1.z", "x" */
    BufBase base;
    int64_t start;
    int64_t start_per_row;  /* WORK buffers: rows of earlier buffers before this one */
    int64_t row_size;       /* elements per example (batched) or 0 */
    int64_t size;           /* elements when not batched */
    Shape shape;            /* for printing: per row, or the whole tensor */
    int id;                 /* 1 + index in LoopProgram.bufs; 0 for a buffer not listed there */
    bool scratch;           /* shared by layers, each with rows of its own width */
} Buf;

typedef enum {
    /* integer-valued */
    E_INT,      /* ival */
    E_VAR,      /* loop: the variable of an enclosing loop */
    E_BATCH,    /* B */
    E_STEP,     /* ctx->step (optimizer step, 1-based) */
    E_IADD, E_IMUL,  /* a, b */
    E_IDIV,     /* a / ival, rounded down (a ≥ 0, ival > 0): row blocks of the batch */
    E_TO_INT,   /* a (real) as an index into ival rows: clamped to [0, ival − 1] (NaN: 0),
                   then truncated toward zero */
    /* real-valued */
    E_REAL,     /* rval */
    E_LOAD,     /* buf[a] */
    E_TEMP,     /* temp: a scalar named in a LET */
    E_LR,       /* ctx->lr */
    E_TO_REAL,  /* a (integer) as a real */
    E_BIN,      /* op a b: + - * / max min pow */
    E_UN,       /* op a: neg exp expm1 log tanh sqrt erfc abs sigmoid */
    E_SELECT,   /* a ? b : c, a a comparison */
    /* comparison (i1) */
    E_CMP,      /* op a b: < <= > >= == (real operands); E_TRAINING has no operands */
    E_TRAINING, /* ctx->training != 0 */
} ExprOp;

typedef struct LStmt LStmt;
typedef struct LExpr LExpr;

struct LExpr {
    ExprOp kind;
    char op;            /* E_BIN: + - * / M (max) m (min) ^ (pow); E_UN: - e x l t s q a c;
                           E_CMP: < l(<=) > g(>=) = */
    int64_t ival;
    double rval;
    const Buf *buf;
    const LStmt *loop;  /* E_VAR */
    const char *temp;   /* E_TEMP */
    LExpr *a, *b, *c;
};

typedef enum {
    S_FOR,      /* for var in 0..extent: body   (flags: parallel, vector) */
    S_STORE,    /* buf[index] = value */
    S_ACCUM,    /* buf[index] += value */
    S_LET,      /* temp = value (declares a real scalar) */
    S_ADD,      /* temp += value */
    S_IF,       /* if cond: body else: orelse */
    S_RESULT,   /* the function's result += value (loss) */
    S_CALL,     /* callee(ctx, args…): args are buffers passed by address (loop_share) */
    S_COMMENT,  /* text */
} StmtOp;

struct LStmt {
    StmtOp kind;
    const char *var;         /* S_FOR */
    LExpr *extent;           /* S_FOR: integer */
    bool parallel, vector;   /* S_FOR */
    bool gathers;            /* S_FOR, parallel: reads what every thread wrote in the loops
                                before (the parts of a split sum, the rows of W each thread
                                updated): kept parallel down to an eighth of the usual
                                least work, since run by one thread it pulls all the others'
                                lines through one core while they wait (loop_schedule) */
    bool rowwise;            /* S_FOR over B: iteration r touches only row r of batched
                                buffers, so adjacent such loops may fuse (loop_schedule) */
    int row_block;           /* S_FOR over B/row_block: iteration v touches only rows
                                [row_block·v, row_block·v + row_block) of batched buffers
                                (a product's tiles of examples); 0: not such a loop */
    bool row_rest;           /* S_FOR right after a row_block loop: iteration r touches only
                                row row_block·(B/row_block) + r, the rows the tiles left */
    LStmt *body, *orelse;    /* S_FOR, S_IF */
    const Buf *buf;          /* S_STORE, S_ACCUM */
    LExpr *index, *value;    /* S_STORE, S_ACCUM, S_LET, S_ADD, S_RESULT; S_IF: value = cond */
    const char *temp;        /* S_LET, S_ADD */
    const char *text;        /* S_COMMENT */
    struct LFunc *callee;    /* S_CALL */
    const Buf **args;        /* S_CALL: callee->nargs buffers, in the callee's order */
    LStmt *next;
};

/* A function of the generated trainer, taking the NnrtCtx and, when layers share it
 * (loop_share), the addresses of the buffers that differ between them. */
typedef struct LFunc {
    const char *name;        /* "dense_1.forward", "forward", "loss" */
    bool returns_real;       /* loss: a double */
    bool exported;           /* an NnrtModel entry point */
    int ncalls;              /* call statements naming it (counted by loop_schedule) */
    int index;               /* its place in LoopProgram.funcs */
    bool keep_own;           /* loop_share leaves it alone (a recurrent layer's: LLVM did
                                not vectorize a shared LSTM step's gate loop, 17% slower) */
    const Buf **args;        /* buffers its body reaches through its arguments, not at their
                                own place: each caller passes its own buffers of those shapes */
    int nargs;               /* at most LOOP_MAX_ARGS */
    LStmt *body;
    struct LFunc *next;
} LFunc;

typedef struct LoopProgram {
    const Graph *g;
    Arena *arena;            /* where the program lives (loop_schedule adds to it) */
    int elem_size;
    Buf **bufs;              /* every buffer, for printing and the memory plan */
    int nbufs, cap_bufs;
    int64_t work_per_row;    /* WORK: B·work_per_row + work_fixed elements */
    int64_t work_fixed;
    int64_t noise_per_row;   /* random numbers per example (dropout) */
    NnrtNoiseSeed *noise_seeds; /* the slices of a noise row of dropout layers with a seed=, */
    int n_noise_seeds;          /* by increasing start: NnrtModel.noise_seeds */
    int64_t state_size;      /* optimizer state elements */
    int64_t n_outputs;
    NnrtTask task;
    int64_t n_classes;
    int64_t input_index_limit; /* > 0: inputs are indices in [0, limit) (an embedding reads
                                  them); NnrtModel.input_index_limit, checked by the runtime */
    LFunc *funcs;            /* in definition order: layer functions before entries */
    LFunc *forward, *loss, *backward, *update;
    LFunc *backward_update;  /* backward then update in one, some updates fused into the
                                loops of their gradients; NULL when none can be */
} LoopProgram;

/* Lowers the graph; NULL (with a diagnostic at the layer) for what cannot be lowered. */
LoopProgram *loop_lower(Arena *a, const Graph *g, int elem_size, Diag *d);
/* Whether an expression is integer-valued (an index or extent) rather than real. */
bool loop_expr_is_int(const LExpr *e);
/* Fuses adjacent per-example loops and keeps `parallel` only on loops with at least
 * parallel_min_work estimated operations (loops_schedule.c; 0 keeps every parallel loop).
 * loop_lower() does not call it: the driver does, with --parallel-min-work. */
enum { LOOP_PARALLEL_MIN_WORK = 16384, LOOP_GATHER_WORK_DIVISOR = 8 };
void loop_schedule(LoopProgram *p, int64_t parallel_min_work);
/* Layer functions whose loops are the same but for the buffers they touch (the two 3×3
 * convolutions of a residual block, every batchnorm of one shape) become one function
 * taking the differing buffers' addresses; the others call it with theirs
 * (loops_share.c). Run after loop_schedule. */
enum { LOOP_MAX_ARGS = 32 };
void loop_share(LoopProgram *p);
/* Whether two buffers may share memory (distinct buffers of the plan never do, but a
 * scratch region is reused by layers, and some work buffers are views). */
bool loop_bufs_may_overlap(const Buf *a, const Buf *b);
bool loop_check(const LoopProgram *p, FILE *err);
void loop_print(const LoopProgram *p, FILE *out);

#endif
