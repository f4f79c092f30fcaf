/*
 * graph.h — the graph IR: one node per layer, in topological order, with resolved options,
 * static per-example shapes (the batch dimension stays symbolic, Keras' None), parameter
 * tensors with their initializers and counts, forward FLOPs, and a memory plan.
 *
 * Built by sema.c from the AST (constants folded, blocks expanded, names resolved); read by
 * summary.c (Keras-style table, dot) and by loops.c (lowering to loop nests). Text form:
 * graph_print() for --emit=ir, one node per line:
 *   %conv2d = conv2d %input, filters=32, kernel=3x3, ... : (B,26,26,32)  # params 320, line 4
 */
#ifndef NNLC_GRAPH_H
#define NNLC_GRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "nnrt.h"

typedef enum {
#define OP(kind, name, keras, min_in, max_in) OP_##kind,
#include "ops.def"
#undef OP
    OP_COUNT
} OpKind;

const char *op_name(OpKind op);        /* "conv2d" */
const char *op_keras_class(OpKind op); /* "Conv2D" */
bool op_is_recurrent(OpKind op);       /* simple_rnn, lstm, gru */
/* dense, conv1d, conv2d, activation: an activation= of their own, applied to their output */
bool op_takes_activation(OpKind op);

enum { SHAPE_MAX_RANK = 4 };

/* Whole numbers the trainer keeps as reals of its precision, and the data as f32: a max or
 * min pooling's winning position in its window (global or not), an embedding's row index.
 * f32 holds every whole number up to 2^24 exactly and no further, so windows, global
 * poolings and vocabularies larger than this are refused. */
enum { MAX_EXACT_INDEX = 1 << 24 };

/* A per-example shape: (H, W, C), (T, F), (F). rank 0 is never a valid tensor shape. */
typedef struct Shape {
    int rank;
    int64_t d[SHAPE_MAX_RANK];
} Shape;

int64_t shape_size(Shape s);                      /* product of dims */

/* Sums and products of counts (FLOPs, bytes) that saturate at INT64_MAX instead of
 * wrapping: a few huge layers add up past 2^63. Both operands are at least 0. */
int64_t count_add(int64_t a, int64_t b);
int64_t count_mul(int64_t a, int64_t b);
char *shape_str(Shape s, char *buf, size_t size); /* "(None, 26, 26, 32)" */

typedef enum { /* ORDER ACT: keep in step with act_names[] in graph.c */
    ACT_LINEAR,     /* x */
    ACT_SIGMOID,    /* 1 / (1 + e^-x) */
    ACT_TANH,
    ACT_RELU,
    ACT_LEAKY_RELU, /* x > 0 ? x : alpha x  (alpha default 0.3, Keras' LeakyReLU) */
    ACT_ELU,        /* x > 0 ? x : alpha (e^x - 1)  (alpha default 1) */
    ACT_SOFTMAX,    /* over the last axis */
    ACT_GELU,       /* x Φ(x), the exact erf form (Keras approximate=False) */
    ACT_SWISH,      /* x σ(x) */
    ACT_COUNT
} ActKind;

typedef struct Activation {
    ActKind kind;
    double alpha;
} Activation;

const char *act_name(ActKind a);

typedef enum { PAD_VALID, PAD_SAME } Padding;

typedef enum { POOL_MAX, POOL_AVG, POOL_MIN } PoolKind;

/* An initializer with Keras' arguments (NnrtInitOptions: those its kind does not read keep
 * Keras' defaults), and where the source gave it. */
typedef struct Initializer {
    NnrtInit kind;
    NnrtInitOptions options;
    SrcLoc loc;         /* the initializer as written; line 0: the layer's default */
} Initializer;

/* kind with Keras' default arguments, unseeded (graph.c). */
Initializer graph_initializer(NnrtInit kind);

/* One parameter tensor: a contiguous slice of the model's parameter buffer. */
typedef struct ParamTensor {
    const char *name;   /* "conv2d_1.W" — the checkpoint key and LLVM value name */
    const char *role;   /* Keras' name: kernel, bias, recurrent_kernel, gamma, beta, … */
    Shape shape;
    int64_t size;
    bool trainable;
    Initializer init;
    int64_t fan_in, fan_out;
    double l2;          /* L2 penalty coefficient (0: none) */
    int64_t offset;     /* element offset in the parameter buffer */
    int index;          /* place in Graph.tensors (graph_plan) */
} ParamTensor;

typedef struct Node Node;
const char *node_keras_class(const Node *n); /* "ReLU" for relu(), else op_keras_class */

/* Fields by op (unused ones stay zero). Parameter tensors are named node.W etc.:
 *   DENSE       units, act, use_bias                 W (in, units), b (units)
 *               an input of shape (T, F) is applied per time step, like Keras
 *   CONV1D/2D   units (filters), kernel, strides, padding, act, use_bias, pad_before/after
 *               (SAME amounts, TensorFlow's split: the extra row/column goes after)
 *               W (k, C, filters) or (kh, kw, C, filters), b (filters)
 *   *POOL1D/2D  pool_kind, kernel (pool size), strides, padding, pad_before/after
 *   GAP1D/2D, GMP1D/2D  —  (global average, max pooling: one value per channel)
 *   FLATTEN     —                 RESHAPE out is the target
 *   DROPOUT     rate, seeded/seed (Keras' seed=: its noise drawn from that seed)
 *   ACTIVATION  act
 *   BATCHNORM   momentum, epsilon over the last axis (C):
 *               gamma, beta (trainable), moving_mean, moving_var (non-trainable)
 *   ADD/MULTIPLY —  inputs broadcast as in Keras: shapes line up at their last axes, an
 *               axis of size 1 (or missing in front) repeats; out is the joined shape
 *   CONCAT      axis (as written, Keras' count with the batch as 0; after inference an
 *               example's axis, from 0)
 *   GLU         units 0: split the last axis into halves a, b; out = a·σ(b)
 *               units > 0: gated dense unit (x·W + b)[:u] · σ((x·W + b)[u:]), W (in, 2u), b (2u)
 *   SIMPLE_RNN  units, act, use_bias, return_sequences   W (F, u), U (u, u), b (u)
 *   LSTM        units, act, rec_act, return_sequences    gates in Keras order i, f, c, o:
 *               W (F, 4u), U (u, 4u), b (4u)
 *   GRU         units, act, rec_act, return_sequences, reset_after   gates z, r, h:
 *               W (F, 3u), U (u, 3u), b (2, 3u) when reset_after (input and recurrent
 *               biases), else b (3u)
 *   EMBEDDING   vocab, units (output dim)            E (vocab, units); input (T) of indices
 * Every parameterized layer also has kernel_init/bias_init/rec_init and l2.
 */
struct Node {
    int id;             /* index in Graph.nodes */
    OpKind op;
    const char *name;   /* unique, Keras-style: dense, dense_1, … or the user's binding */
    const char *bound_as; /* the name the source gave it (`h = dense(…)`), or NULL */
    SrcLoc loc;         /* the layer call in the source */
    const char *block;  /* name of the block this node was expanded from, or NULL */
    int block_line;     /* with block: the model's line that uses it (the outermost use) */
    const char *keras_class; /* when not the op's: ReLU, Softmax, … for relu(), softmax() */
    Node **in;
    int nin;
    Shape out;          /* per example */

    int64_t units;
    int64_t kernel[2], strides[2];
    int64_t pad_before[2], pad_after[2];
    Padding padding;
    PoolKind pool_kind;
    Activation act, rec_act;
    SrcLoc act_loc, rec_act_loc; /* recurrent layers: where each was given (line 0: not) */
    bool use_bias, return_sequences, reset_after;
    double rate, momentum, epsilon;
    bool seeded;
    uint64_t seed;
    int axis;
    int64_t vocab;
    Initializer kernel_init, bias_init, rec_init;
    double l2;          /* this layer's kernel L2 coefficient; < 0: use the global one */

    ParamTensor *params;
    int nparams;
    int64_t trainable, non_trainable;   /* parameter counts, as Keras reports them */
    int64_t flops;                      /* forward, per example */
    int64_t act_offset;                 /* memory plan: element offset of out per example */

    Node **users;       /* nodes that read this one (graph-shaped models: fan-out) */
    int nusers;
};

typedef enum { /* ORDER OPT: keep in step with opt_names[] in sema.c */
    OPT_SGD, OPT_ADAGRAD, OPT_RMSPROP, OPT_ADADELTA, OPT_ADAM, OPT_NADAM, OPT_ADAMW,
    OPT_COUNT
} OptKind;

const char *opt_name(OptKind k); /* "adam" (sema_train.c) */

/* Optimizer with Keras defaults filled in by sema. */
typedef struct Optimizer {
    OptKind kind;
    double lr;
    double momentum;     /* sgd */
    bool nesterov;       /* sgd */
    double rho;          /* rmsprop (0.9), adadelta (0.95) */
    double beta1, beta2; /* adam, nadam, adamw */
    double epsilon;      /* 1e-7 (Keras), adadelta 1e-7 */
    double initial_accumulator; /* adagrad, 0.1 */
    double weight_decay; /* adamw, 0.004 */
    bool amsgrad;
    double clipnorm, clipvalue; /* 0 = off */
    int slots;           /* optimizer state tensors per parameter */
} Optimizer;

/* The train block, resolved. Data-source and schedule fields use the ABI's types so the
 * code generator can emit them into NnrtModel unchanged. */
typedef struct TrainSpec {
    SrcLoc loc;
    NnrtLoss loss;
    SrcLoc loss_loc;
    Optimizer opt;
    int epochs;
    int64_t batch;
    uint64_t seed;
    bool shuffle;        /* a new order of the training examples every epoch (Keras' default) */
    int verbose;         /* Keras' fit(verbose=): 0, 1 (default) or 2 */
    double validation_split;
    double split[3];     /* train/val/test fractions, all 0 when not given */
    const char *split_text; /* the split as written, "[1, 1, 1]" (NULL when not given) */
    NnrtDataSource data, validation, test;
    NnrtAugment augment;
    double l2;           /* global L2 applied to every kernel without its own */
    int top_k;
    bool metrics_given;  /* metrics = [...]: exactly these, in order (NnrtModel.metrics) */
    int n_metrics;
    int metrics[NNRT_MAX_MODEL_METRICS]; /* NnrtMetric */
    NnrtSchedule schedule;
    double sched_factor, sched_rate, sched_alpha, sched_min_lr;
    int64_t sched_every, sched_decay_steps;
    int sched_patience;
    int early_stop_patience;
    double early_stop_min_delta;
    bool early_stop_restore_best;
    const char **class_names;
    int n_class_names;
} TrainSpec;

/* Bytes at the training batch size (f32 unless the compiler is told f64). */
typedef struct MemPlan {
    int64_t elem_size;
    int64_t batch;
    int64_t params, grads, opt_state;
    int64_t activations;      /* every layer's output, kept for the backward pass */
    int64_t act_grads;        /* d(loss)/d(output) of every layer */
    int64_t total;
    int64_t act_per_example;  /* elements of every node output, laid out by act_offset */
} MemPlan;

typedef struct Graph {
    const char *name;
    SrcLoc loc;
    Node **nodes;           /* topological order; nodes[0] is the input */
    int nnodes;
    Node *input, *output;
    ParamTensor **tensors;  /* every parameter tensor, in node order */
    int ntensors;
    int64_t param_size, trainable, non_trainable;
    int64_t flops;          /* forward, per example */
    TrainSpec train;
    bool has_train;         /* a train block was given */
    bool model_ok;          /* the model had no errors (the train block may have some) */
    MemPlan mem;
} Graph;

/* graph.c */
Graph *graph_new(Arena *a, const char *name, SrcLoc loc);
Node *graph_add_node(Arena *a, Graph *g, OpKind op, SrcLoc loc, Node **inputs, int nin);
/* The node whose data n holds: n itself, or through flatten/reshape (views) their source. */
const Node *view_source(const Node *n);
/* Infers every node's output shape and parameters, in order, reporting shape errors.
 * Returns false if any node could not be given a shape. */
bool graph_infer(Graph *g, Arena *a, Diag *d);
/* The same for one node whose inputs already have shapes (sema infers as it builds, so
 * errors come out in source order). A node that fails gets rank 0. */
bool graph_infer_node(Graph *g, Arena *a, Diag *d, Node *n);
/* Lays out parameters and activations and fills counts, FLOPs and the memory plan. */
void graph_plan(Graph *g, Arena *a, int elem_size);
/* Internal consistency (a compiler bug if it fails): topological order, shapes, offsets. */
bool graph_check(const Graph *g, FILE *err);
void graph_print(const Graph *g, FILE *out);
/* 64-bit FNV-1a over ops, shapes, activations and tensor layout: equal graphs, equal
 * fingerprints. */
uint64_t graph_fingerprint(const Graph *g);

/* sema.c: resolves the program's names, expands blocks and builds the model's graph with
 * shapes inferred; NULL (with errors reported) if the program has no usable model. */
struct Program;
/* elem_size: the precision the trainer computes in (4: f32, 8: --precision=f64), by
 * which values it cannot hold (an lr that rounds to 0, a constant beyond its range) are
 * errors. */
Graph *sema_build(Arena *a, Diag *d, const struct Program *p, int elem_size);

/* summary.c */
void summary_print(const Graph *g, FILE *out);
/* A byte count as the summary writes it, Keras' way: "149.01 GB" (1 KB = 1024 B). */
char *summary_bytes(int64_t bytes, char *buf, size_t size);
void graph_print_dot(const Graph *g, FILE *out);

#endif
