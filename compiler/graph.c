/*
 * graph.c — the graph IR: construction, shape inference, parameter tensors, FLOP counts,
 * the memory plan, the text printer (--emit=ir) and the fingerprint.
 *
 * Shape rules and parameter counts follow Keras exactly (docs/language.md lists them);
 * every count a summary shows comes from the tensors made here, so there is one source
 * of truth. Shape errors name both sides and point at the layer's source line.
 * This file does not know the surface syntax: sema.c fills node options before inference.
 */
#include "graph.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = {
#define OP(kind, name, keras, min_in, max_in) name,
#include "ops.def"
#undef OP
};

static const char *const op_keras[] = {
#define OP(kind, name, keras, min_in, max_in) keras,
#include "ops.def"
#undef OP
};

static const char *const act_names[] = { /* ORDER ACT */
    "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax", "gelu", "swish",
};

const char *op_name(OpKind op) { return op < OP_COUNT ? op_names[op] : "?"; }
const char *op_keras_class(OpKind op) { return op < OP_COUNT ? op_keras[op] : "?"; }
const char *node_keras_class(const Node *n) {
    return n->keras_class ? n->keras_class : op_keras_class(n->op);
}
bool op_is_recurrent(OpKind op) { return op == OP_SIMPLE_RNN || op == OP_LSTM || op == OP_GRU; }
bool op_takes_activation(OpKind op) {
    return op == OP_DENSE || op == OP_CONV1D || op == OP_CONV2D || op == OP_ACTIVATION;
}
const char *act_name(ActKind a) { return a < ACT_COUNT ? act_names[a] : "?"; }

/* Products of user-written sizes can overflow; every size goes through this. */
static bool mul_overflows(int64_t a, int64_t b, int64_t *out) {
    if (a < 0 || b < 0)
        return true;
    if (a != 0 && b > INT64_MAX / a)
        return true;
    *out = a * b;
    return false;
}

int64_t count_add(int64_t a, int64_t b) {
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

int64_t count_mul(int64_t a, int64_t b) {
    int64_t p;
    return mul_overflows(a, b, &p) ? INT64_MAX : p;
}

int64_t shape_size(Shape s) {
    int64_t n = 1;
    for (int i = 0; i < s.rank; i++)
        if (mul_overflows(n, s.d[i], &n))
            return -1;
    return n;
}

char *shape_str(Shape s, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "(None");
    for (int i = 0; i < s.rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, ", %" PRId64, s.d[i]);
    if (used < size)
        snprintf(buf + used, size - used, ")");
    return buf;
}

static Shape shape1(int64_t a) { return (Shape){1, {a}}; }
static Shape shape2(int64_t a, int64_t b) { return (Shape){2, {a, b}}; }
static Shape shape3(int64_t a, int64_t b, int64_t c) { return (Shape){3, {a, b, c}}; }

Graph *graph_new(Arena *a, const char *name, SrcLoc loc) {
    Graph *g = ARENA_NEW(a, Graph);
    g->name = name;
    g->loc = loc;
    return g;
}

/* Nodes are appended in creation order, which sema makes topological: a node is created
 * only after all its inputs. The array grows by doubling inside the arena. */
Node *graph_add_node(Arena *a, Graph *g, OpKind op, SrcLoc loc, Node **inputs, int nin) {
    if ((g->nnodes & (g->nnodes - 1)) == 0) {
        int cap = g->nnodes ? g->nnodes * 2 : 8;
        Node **grown = ARENA_ARRAY(a, Node *, cap);
        if (g->nnodes)
            memcpy(grown, g->nodes, sizeof(Node *) * (size_t)g->nnodes);
        g->nodes = grown;
    }
    Node *n = ARENA_NEW(a, Node);
    n->id = g->nnodes;
    n->op = op;
    n->loc = loc;
    n->nin = nin;
    n->in = ARENA_ARRAY(a, Node *, nin > 0 ? nin : 1);
    for (int i = 0; i < nin; i++)
        n->in[i] = inputs[i];
    n->use_bias = true;
    /* Keras' defaults: an embedding's table is drawn from "uniform", U(-0.05, 0.05) */
    n->kernel_init = graph_initializer(op == OP_EMBEDDING ? NNRT_INIT_UNIFORM
                                                          : NNRT_INIT_GLOROT_UNIFORM);
    n->bias_init = graph_initializer(NNRT_INIT_ZEROS);
    n->rec_init = graph_initializer(NNRT_INIT_ORTHOGONAL);
    n->l2 = -1;
    g->nodes[g->nnodes++] = n;
    if (op == OP_INPUT && !g->input)
        g->input = n;
    g->output = n;
    return n;
}

/* FLOP counts are computed in double: they are estimates, and a huge layer must reach
 * check_size() (which reports it) without signed overflow on the way. */
static int64_t flops_of(double f) {
    return f > 9.0e18 ? INT64_MAX : (int64_t)f;
}

/* ---- parameter tensors ---- */

typedef struct Infer {
    Graph *g;
    Arena *a;
    Diag *d;
} Infer;

Initializer graph_initializer(NnrtInit kind) {
    return (Initializer){
        .kind = kind,
        .options = {.mean = 0, .stddev = 0.05, .minval = -0.05, .maxval = 0.05, .value = 0,
                    .gain = 1, .scale = 1, .mode = NNRT_FAN_IN,
                    .distribution = NNRT_DIST_TRUNCATED_NORMAL},
    };
}

static ParamTensor *add_param(Infer *in, Node *n, const char *short_name, const char *role,
                              Shape shape, bool trainable, Initializer init) {
    ParamTensor *grown = ARENA_ARRAY(in->a, ParamTensor, n->nparams + 1);
    if (n->nparams)
        memcpy(grown, n->params, sizeof(ParamTensor) * (size_t)n->nparams);
    n->params = grown;
    ParamTensor *t = &n->params[n->nparams++];
    t->name = arena_printf(in->a, "%s.%s", n->name, short_name);
    t->role = role;
    t->shape = shape;
    t->size = shape_size(shape);
    t->trainable = trainable;
    t->init = init;
    /* Keras' fans: for a kernel (..., in, out) the receptive field multiplies both. */
    if (shape.rank >= 2) {
        int64_t field = 1;
        bool big = false;
        for (int i = 0; i < shape.rank - 2; i++)
            big |= mul_overflows(field, shape.d[i], &field);
        big |= mul_overflows(shape.d[shape.rank - 2], field, &t->fan_in);
        big |= mul_overflows(shape.d[shape.rank - 1], field, &t->fan_out);
        if (big) /* check_size() reports the tensor; the fans are never used */
            t->fan_in = t->fan_out = 0;
    } else {
        t->fan_in = t->fan_out = shape.rank ? shape.d[0] : 1;
    }
    if (trainable)
        n->trainable += t->size;
    else
        n->non_trainable += t->size;
    return t;
}

static void add_kernel(Infer *in, Node *n, Shape shape) {
    add_param(in, n, "W", "kernel", shape, true, n->kernel_init);
}

static void add_bias(Infer *in, Node *n, int64_t size) {
    if (n->use_bias)
        add_param(in, n, "b", "bias", shape1(size), true, n->bias_init);
}

/* ---- per-op shape rules ---- */

static const char *shape_text(Infer *in, Shape s) {
    char buf[128];
    return arena_strdup(in->a, shape_str(s, buf, sizeof buf));
}

static bool expect_rank(Infer *in, Node *n, int rank, const char *what, const char *hint) {
    Shape s = n->in[0]->out;
    if (s.rank == rank)
        return true;
    diag_error(in->d, n->loc, "%s expects %s, got %s from '%s'", op_name(n->op), what,
               shape_text(in, s), n->in[0]->name);
    if (hint)
        diag_hint(in->d, n->loc, "%s", hint);
    return false;
}

/* The side of a square image of n pixels, or 0 when n is no square of a side of 8 or
 * more (4 values are no 2×2 image). */
static int64_t square_side(int64_t n) {
    int64_t side = 1;
    while (side * side < n && side < ((int64_t)1 << 20))
        side++;
    return side * side == n && side >= 8 ? side : 0;
}

/* The reshape that gives a layer wanting `rank` axes (2: a sequence, 3: an image) the
 * input it got, written with that input's sizes, or NULL when no reshape is obvious:
 * (28, 28) for an image is [28, 28, 1] (one channel), (784) [28, 28, 1] (a square) or
 * [784, 1] for a sequence, (28, 28, 1) [28, 28] for a sequence of rows. */
static const char *reshape_hint(Infer *in, Node *n, int rank) {
    Shape s = n->in[0]->out;
    const Node *from = n->in[0];
    /* flatten() too early, or before a recurrent layer: the shape it had is the one wanted */
    if (from->op == OP_FLATTEN && from->in[0]->out.rank == rank)
        return arena_printf(in->a, "flatten() on line %d made %s a vector: put line %d before "
                            "it", from->loc.line, shape_text(in, from->in[0]->out), n->loc.line);
    /* Keras' Reshape((-1, 28, 28, 1)) with NumPy's batch axis: the -1 is an axis of 1 */
    if (from->op == OP_RESHAPE && s.rank == rank + 1 && s.d[0] == 1) {
        char sizes[128] = "";
        size_t used = 0;
        for (int i = 1; i < s.rank && used < sizeof sizes; i++)
            used += (size_t)snprintf(sizes + used, sizeof sizes - used, "%s%" PRId64,
                                     i > 1 ? ", " : "", s.d[i]);
        return arena_printf(in->a, "a reshape's shape leaves out the batch axis (Keras' "
                            "Reshape does too): write reshape([%s]) on line %d", sizes,
                            from->loc.line);
    }
    bool model_input = n->in[0]->op == OP_INPUT;
    /* the layer's own input_shape= puts the input node on the layer's line */
    bool keras_input = model_input && n->in[0]->loc.line == n->loc.line;
    if (rank == 3 && s.rank == 2 && keras_input)
        return arena_printf(in->a, "give the input a channel axis: input_shape=(%" PRId64
                            ", %" PRId64 ", 1)", s.d[0], s.d[1]);
    if (rank == 3 && s.rank == 2 && model_input)
        return arena_printf(in->a, "give the input a channel axis: input [%" PRId64
                            ", %" PRId64 ", 1], or insert reshape([%" PRId64 ", %" PRId64
                            ", 1]) before line %d", s.d[0], s.d[1], s.d[0], s.d[1],
                            n->loc.line);
    if (rank == 3 && s.rank == 2)
        return arena_printf(in->a, "give it a channel axis: insert reshape([%" PRId64 ", %"
                            PRId64 ", 1]) before line %d", s.d[0], s.d[1], n->loc.line);
    if (rank == 3 && s.rank == 1) {
        int64_t side = square_side(s.d[0]);
        if (!side)
            return NULL;
        return arena_printf(in->a, "for %" PRId64 " pixels of a %" PRId64 "×%" PRId64
                            " image, insert reshape([%" PRId64 ", %" PRId64 ", 1]) before "
                            "line %d", s.d[0], side, side, side, side, n->loc.line);
    }
    if (rank == 2 && s.rank == 1) {
        /* Keras' stacked recurrent layers: the one before returns its last state only
         * (looking through the layers that keep a shape, LSTM(64) then Dropout(0.2)) */
        const Node *rec = from;
        while ((rec->op == OP_DROPOUT || rec->op == OP_BATCHNORM ||
                rec->op == OP_ACTIVATION) && rec->nin == 1)
            rec = rec->in[0];
        if (op_is_recurrent(rec->op) && !rec->return_sequences)
            return arena_printf(in->a, "'%s' on line %d returns its last state only: give it "
                                "return_sequences=True to pass every step to line %d",
                                rec->name, rec->loc.line, n->loc.line);
        int64_t side = square_side(s.d[0]);
        /* LSTM(50, input_shape=(20,)): the option is where to say it */
        if (keras_input && side)
            return arena_printf(in->a, "give each step its features: input_shape=(%" PRId64
                                ", %" PRId64 ") for the rows of a %" PRId64 "×%" PRId64
                                " image as steps, or (%" PRId64 ", 1) for one value per step",
                                side, side, side, side, s.d[0]);
        if (keras_input)
            return arena_printf(in->a, "give each step its features: input_shape=(%" PRId64
                                ", 1) for one value per step", s.d[0]);
        if (side)
            return arena_printf(in->a, "for the rows of a %" PRId64 "×%" PRId64 " image as "
                                "steps, insert reshape([%" PRId64 ", %" PRId64 "]) before line "
                                "%d (reshape([%" PRId64 ", 1]) for one value per step)", side,
                                side, side, side, n->loc.line, s.d[0]);
        return arena_printf(in->a, "for a sequence of %" PRId64 " step%s of one value, insert "
                            "reshape([%" PRId64 ", 1]) before line %d", s.d[0],
                            s.d[0] == 1 ? "" : "s", s.d[0], n->loc.line);
    }
    if (rank == 2 && s.rank == 3)
        return arena_printf(in->a, "for the image's rows as steps, insert reshape([%" PRId64
                            ", %" PRId64 "]) before line %d", s.d[0], s.d[1] * s.d[2],
                            n->loc.line);
    return NULL;
}

static bool infer_dense(Infer *in, Node *n) {
    Shape s = n->in[0]->out;
    if (s.rank > 2) {
        diag_error(in->d, n->loc,
                   "%s expects a vector (or a sequence of vectors), got %s from '%s'",
                   op_name(n->op), shape_text(in, s), n->in[0]->name);
        diag_hint(in->d, n->loc, "insert flatten() before line %d", n->loc.line);
        return false;
    }
    int64_t f = s.d[s.rank - 1];
    n->out = s;
    n->out.d[s.rank - 1] = n->units;
    add_kernel(in, n, shape2(f, n->units));
    add_bias(in, n, n->units);
    int64_t steps = s.rank == 2 ? s.d[0] : 1;
    n->flops = flops_of((double)steps * (2.0 * f * n->units + (n->use_bias ? n->units : 0)));
    return true;
}

/* Output length of a window of size k with stride s over length len (Keras' rule):
 *   valid: floor((len - k) / s) + 1      same: ceil(len / s)
 * SAME pads max((out - 1)·s + k - len, 0) in total, the extra one after (TensorFlow). */
static int64_t window_out(int64_t len, int64_t k, int64_t s, Padding p, int64_t *before,
                          int64_t *after) {
    *before = *after = 0;
    if (p == PAD_SAME) {
        int64_t out = (len + s - 1) / s;
        int64_t total = (out - 1) * s + k - len;
        if (total < 0)
            total = 0;
        *before = total / 2;
        *after = total - *before;
        return out;
    }
    if (len < k)
        return 0;
    return (len - k) / s + 1;
}

static const char *const axis_names_2d[] = {"height", "width"};

/* Shared by convolutions and pooling: spatial dims are the first `dims` of the input. */
static bool infer_window(Infer *in, Node *n, int dims, int64_t channels_out) {
    Shape s = n->in[0]->out;
    bool pool = n->op != OP_CONV1D && n->op != OP_CONV2D;
    const char *what = pool ? "pool size" : "kernel";
    n->out = s;
    for (int i = 0; i < dims; i++) {
        int64_t out = window_out(s.d[i], n->kernel[i], n->strides[i], n->padding,
                                 &n->pad_before[i], &n->pad_after[i]);
        const char *axis = dims == 1 ? "steps" : axis_names_2d[i];
        if (out <= 0) {
            if (!pool)
                diag_error(in->d, n->loc,
                           "%s %" PRId64 " is larger than the input's %s %" PRId64
                           " (input %s from '%s')",
                           what, n->kernel[i], axis, s.d[i], shape_text(in, s), n->in[0]->name);
            else
                diag_error(in->d, n->loc,
                           "pooling shrinks the %s to zero: pool size %" PRId64
                           " on %" PRId64 " (input %s from '%s')",
                           axis, n->kernel[i], s.d[i], shape_text(in, s), n->in[0]->name);
            /* PyTorch's (channels, height, width), (1, 28, 28): padding=same would take
             * it for 28 channels of height 1 (square images only: (1, 30, 32) is no image
             * turned around) */
            if (dims == 2 && i == 0 && s.d[0] <= 4 && s.d[1] == s.d[2] && s.d[1] > 4)
                diag_hint(in->d, n->loc, "images are channels-last, (height, width, channels), "
                          "as in Keras: %s reads as height %" PRId64 ", width %" PRId64
                          " and %" PRId64 " channels; for %" PRId64 " channel%s of %" PRId64
                          "×%" PRId64 " the shape is [%" PRId64 ", %" PRId64 ", %" PRId64 "]",
                          shape_text(in, s), s.d[0], s.d[1], s.d[2], s.d[0],
                          s.d[0] == 1 ? "" : "s", s.d[1], s.d[2], s.d[1], s.d[2], s.d[0]);
            else
                diag_hint(in->d, n->loc, "use padding=same, or a smaller %s", what);
            return false;
        }
        n->out.d[i] = out;
    }
    /* padding=same reads a padded copy of the input: a window far larger than the input
     * (maxpool2d(10^15, padding=same) on 4×4) pads it past any buffer, and the size
     * overflowed in the loop IR */
    int64_t padded = s.d[dims];
    bool big = false;
    for (int i = 0; i < dims; i++)
        big |= mul_overflows(padded, s.d[i] + n->pad_before[i] + n->pad_after[i], &padded);
    if (big || padded > ((int64_t)1 << 40)) {
        diag_error(in->d, n->loc, "padding=same pads the input %s from '%s' past 2^40 values "
                   "for a %s of %" PRId64, shape_text(in, s), n->in[0]->name, what,
                   n->kernel[0]);
        diag_hint(in->d, n->loc, "use a %s no larger than the input", what);
        return false;
    }
    n->out.d[dims] = channels_out;
    return true;
}

static bool infer_conv(Infer *in, Node *n) {
    int dims = n->op == OP_CONV2D ? 2 : 1;
    const char *want = dims == 2 ? "an image (height, width, channels)"
                                 : "a sequence (steps, channels)";
    if (!expect_rank(in, n, dims + 1, want, reshape_hint(in, n, dims + 1)))
        return false;
    int64_t c = n->in[0]->out.d[dims];
    if (!infer_window(in, n, dims, n->units))
        return false;
    Shape k = dims == 2 ? (Shape){4, {n->kernel[0], n->kernel[1], c, n->units}}
                        : shape3(n->kernel[0], c, n->units);
    add_kernel(in, n, k);
    add_bias(in, n, n->units);
    int64_t positions = shape_size(n->out) / n->units;
    double window = (double)n->kernel[0] * (dims == 2 ? n->kernel[1] : 1) * c;
    n->flops = flops_of((double)positions * n->units * (2.0 * window + (n->use_bias ? 1 : 0)));
    return true;
}

static bool infer_pool(Infer *in, Node *n) {
    int dims = (n->op == OP_MAXPOOL2D || n->op == OP_AVGPOOL2D || n->op == OP_MINPOOL2D) ? 2 : 1;
    const char *want = dims == 2 ? "an image (height, width, channels)"
                                 : "a sequence (steps, channels)";
    if (!expect_rank(in, n, dims + 1, want, reshape_hint(in, n, dims + 1)))
        return false;
    if (!infer_window(in, n, dims, n->in[0]->out.d[dims]))
        return false;
    /* The trainer keeps the winner's position in its window as a number of its precision
     * (see MAX_EXACT_INDEX): a window past 2^24 positions would send gradients astray in f32
     * (maxpool1d(16777218) routed dy to two positions). Windows of padding=same are
     * at most the padded input, which infer_window bounds, so the product cannot overflow. */
    int64_t positions = n->kernel[0] * (dims == 2 ? n->kernel[1] : 1);
    if (n->pool_kind != POOL_AVG && positions > MAX_EXACT_INDEX) {
        bool max = n->pool_kind == POOL_MAX;
        char size[96];
        if (dims == 2)
            snprintf(size, sizeof size, "%" PRId64 "x%" PRId64 " covers %" PRId64, n->kernel[0],
                     n->kernel[1], positions);
        else
            snprintf(size, sizeof size, "is %" PRId64, n->kernel[0]);
        diag_error(in->d, n->loc, "%s takes the %s over at most 2^24 (16777216) positions per "
                   "window, but its pool size %s", op_name(n->op), max ? "maximum" : "minimum",
                   size);
        diag_hint(in->d, n->loc, "pool in two steps with smaller windows: two %s layers in a "
                  "row cover the product of their sizes", op_name(n->op));
        return false;
    }
    n->flops = flops_of((double)shape_size(n->out) * positions);
    return true;
}

/* Global average and max pooling: one value per channel. */
static bool infer_global_pool(Infer *in, Node *n) {
    int dims = n->op == OP_GAP2D || n->op == OP_GMP2D ? 2 : 1;
    const char *want = dims == 2 ? "an image (height, width, channels)"
                                 : "a sequence (steps, channels)";
    if (!expect_rank(in, n, dims + 1, want, reshape_hint(in, n, dims + 1)))
        return false;
    int64_t channels = n->in[0]->out.d[dims];
    int64_t positions = shape_size(n->in[0]->out) / channels;
    /* The trainer keeps each maximum's position as a number of its precision: f32 holds
     * every whole number up to 2^24 exactly, and no further (MAX_EXACT_INDEX). */
    if ((n->op == OP_GMP1D || n->op == OP_GMP2D) && positions > MAX_EXACT_INDEX) {
        diag_error(in->d, n->loc, "%s takes the maximum over at most 2^24 positions, but %s "
                   "from '%s' has %" PRId64, op_name(n->op), shape_text(in, n->in[0]->out),
                   n->in[0]->name, positions);
        diag_hint(in->d, n->loc, "pool with maxpool%dd first to make the %s smaller",
                  dims, dims == 2 ? "image" : "sequence");
        return false;
    }
    n->out = shape1(channels);
    n->flops = shape_size(n->in[0]->out);
    return true;
}

static bool infer_reshape(Infer *in, Node *n) {
    /* sema stores the target in n->out with at most one -1 ("infer this one"). */
    int64_t have = shape_size(n->in[0]->out), known = 1;
    int infer_at = -1;
    for (int i = 0; i < n->out.rank; i++) {
        if (n->out.d[i] == -1)
            infer_at = i;
        else if (mul_overflows(known, n->out.d[i], &known))
            known = -1; /* more values than any input has: reported below */
    }
    if (infer_at >= 0 && known > 0 && have % known == 0)
        n->out.d[infer_at] = have / known;
    if (shape_size(n->out) != have) {
        char want[128];
        diag_error(in->d, n->loc,
                   "cannot reshape %s (%" PRId64 " values) from '%s' to %s",
                   shape_text(in, n->in[0]->out), have, n->in[0]->name,
                   shape_str(n->out, want, sizeof want));
        return false;
    }
    return true;
}

static bool infer_concat(Infer *in, Node *n) {
    Shape first = n->in[0]->out;
    /* Axes count as in Keras: 0 is the batch, 1 an example's first axis, -1 its last. */
    if (n->axis == 0) {
        diag_error(in->d, n->loc, "concat cannot join along axis 0, the batch: an "
                   "example's axes are 1 to %d of %s, or -1 for the last", first.rank,
                   shape_text(in, first));
        return false;
    }
    int axis = n->axis < 0 ? first.rank + n->axis : n->axis - 1;
    if (axis < 0 || axis >= first.rank) {
        diag_error(in->d, n->loc, "concat axis %d is out of range for %s from '%s' (axes "
                   "1 to %d, or -%d to -1)", n->axis, shape_text(in, first),
                   n->in[0]->name, first.rank, first.rank);
        return false;
    }
    n->axis = axis;
    n->out = first;
    for (int i = 1; i < n->nin; i++) {
        Shape s = n->in[i]->out;
        bool ok = s.rank == first.rank;
        for (int k = 0; ok && k < s.rank; k++)
            if (k != axis && s.d[k] != first.d[k])
                ok = false;
        if (!ok) {
            diag_error(in->d, n->loc,
                       "concat needs equal shapes except on axis %d: '%s' is %s but '%s' "
                       "is %s",
                       axis - first.rank, n->in[0]->name, shape_text(in, first),
                       n->in[i]->name, shape_text(in, s));
            return false;
        }
        n->out.d[axis] += s.d[axis];
    }
    return true;
}

/* Size of s's k-th axis from the end (k = 1: the last), 1 past its first axis: how Keras
 * lines up shapes of different rank for add and multiply. */
static int64_t dim_from_end(Shape s, int k) {
    return k <= s.rank ? s.d[s.rank - k] : 1;
}

static const char *const from_end_names[SHAPE_MAX_RANK] = {
    "last", "second-to-last", "third-to-last", "fourth-to-last"};

/* Input i of an add or multiply cannot join the inputs before it: their k-th axes from the
 * end are a (from an earlier input, which the message names) and b. */
static void broadcast_error(Infer *in, const Node *n, int i, int k, int64_t a, int64_t b) {
    int j = 0;
    while (j < i - 1 && dim_from_end(n->in[j]->out, k) != a)
        j++;
    Shape s = n->in[i]->out;
    diag_error(in->d, n->loc, "%s cannot broadcast '%s' %s with '%s' %s: their %s axes are %"
               PRId64 " and %" PRId64 " (sizes broadcast when equal or when one is 1)",
               op_name(n->op), n->in[j]->name, shape_text(in, n->in[j]->out), n->in[i]->name,
               shape_text(in, s), from_end_names[k - 1], a, b);
    if (k == 1)
        diag_hint(in->d, n->loc, "project '%s' to %" PRId64 " features first, e.g. with %s(%"
                  PRId64 "%s)", n->in[i]->name, a, s.rank == 3 ? "conv2d" : "dense", a,
                  s.rank == 3 ? ", kernel=1" : "");
    else
        diag_hint(in->d, n->loc, "shapes line up from their last axis, and an axis of size 1 "
                  "repeats: reshape or pool one of them so that each pair of sizes is equal "
                  "or has a 1");
}

/* add, multiply: Keras' broadcasting (base_merge.py, _compute_elemwise_op_output_shape).
 * Shapes line up at their last axes, a shorter one taking leading axes of size 1 (Keras
 * expands it at axis 1, after the batch), and on each axis the sizes are equal or one of
 * them is 1, which repeats: (None, 4, 4, 8) · (None, 1, 1, 8) and (None, 4, 4, 8) ·
 * (None, 8) are (None, 4, 4, 8); (None, 4, 1) + (None, 1, 5) is (None, 4, 5). The inputs
 * are folded in from the left, as Keras does, so an error names the first input that
 * cannot join the ones before it, and an earlier one it conflicts with. */
static bool infer_elementwise(Infer *in, Node *n) {
    Shape out = n->in[0]->out;
    for (int i = 1; i < n->nin; i++) {
        Shape s = n->in[i]->out, joined = {s.rank > out.rank ? s.rank : out.rank, {0}};
        for (int k = 1; k <= joined.rank; k++) {
            int64_t a = dim_from_end(out, k), b = dim_from_end(s, k);
            if (a != b && a != 1 && b != 1) {
                broadcast_error(in, n, i, k, a, b);
                return false;
            }
            joined.d[joined.rank - k] = a == 1 ? b : a;
        }
        out = joined;
    }
    n->out = out;
    n->flops = flops_of((double)shape_size(out) * (n->nin - 1));
    return true;
}

static bool infer_batchnorm(Infer *in, Node *n) {
    Shape s = n->in[0]->out;
    int64_t c = s.d[s.rank - 1];
    n->out = s;
    Initializer ones = graph_initializer(NNRT_INIT_ONES);
    Initializer zeros = graph_initializer(NNRT_INIT_ZEROS);
    add_param(in, n, "gamma", "gamma", shape1(c), true, ones);
    add_param(in, n, "beta", "beta", shape1(c), true, zeros);
    add_param(in, n, "moving_mean", "moving_mean", shape1(c), false, zeros);
    add_param(in, n, "moving_var", "moving_variance", shape1(c), false, ones);
    n->flops = flops_of(2.0 * shape_size(s));
    return true;
}

static bool infer_glu(Infer *in, Node *n) {
    Shape s = n->in[0]->out;
    int64_t f = s.d[s.rank - 1];
    n->out = s;
    if (n->units == 0) {
        if (f % 2 != 0) {
            diag_error(in->d, n->loc,
                       "glu() splits the last axis in two halves, but '%s' has %" PRId64
                       " features (odd)",
                       n->in[0]->name, f);
            diag_hint(in->d, n->loc, "give the layer before an even number of units, or "
                                     "use glu(units) for a gated dense unit");
            return false;
        }
        n->out.d[s.rank - 1] = f / 2;
        n->flops = flops_of(4.0 * shape_size(n->out));
        return true;
    }
    if (s.rank > 2) {
        diag_error(in->d, n->loc, "glu(%" PRId64 ") expects a vector, got %s from '%s'",
                   n->units, shape_text(in, s), n->in[0]->name);
        diag_hint(in->d, n->loc, "insert flatten() before line %d", n->loc.line);
        return false;
    }
    n->out.d[s.rank - 1] = n->units;
    add_kernel(in, n, shape2(f, 2 * n->units));
    add_bias(in, n, 2 * n->units);
    int64_t steps = s.rank == 2 ? s.d[0] : 1;
    n->flops = flops_of((double)steps * (4.0 * f * n->units + 6.0 * n->units));
    return true;
}

/* Recurrent layers: `gates` weight blocks of u units each (1 SimpleRNN, 4 LSTM, 3 GRU). */
static bool infer_recurrent(Infer *in, Node *n, int gates) {
    if (!expect_rank(in, n, 2, "a sequence (steps, features)", reshape_hint(in, n, 2)))
        return false;
    int64_t t = n->in[0]->out.d[0], f = n->in[0]->out.d[1], u = n->units;
    n->out = n->return_sequences ? shape2(t, u) : shape1(u);
    add_kernel(in, n, shape2(f, gates * u));
    add_param(in, n, "U", "recurrent_kernel", shape2(u, gates * u), true, n->rec_init);
    if (n->use_bias) {
        Shape b = n->op == OP_GRU && n->reset_after ? shape2(2, gates * u) : shape1(gates * u);
        /* Keras' unit_forget_bias: ones on the forget gate, whatever the initializer */
        Initializer init = n->bias_init;
        if (n->op == OP_LSTM && init.kind == NNRT_INIT_ZEROS)
            init = graph_initializer(NNRT_INIT_UNIT_FORGET);
        else if (n->op == OP_LSTM)
            init.options.unit_forget = 1;
        add_param(in, n, "b", "bias", b, true, init);
    }
    n->flops = flops_of((double)t * (2.0 * (f + u) * gates * u + 4.0 * gates * u));
    return true;
}

static bool infer_embedding(Infer *in, Node *n) {
    if (!expect_rank(in, n, 1, "a sequence of integer indices (steps)", NULL))
        return false;
    /* The indices arrive as f32 numbers (the trainer reads all data as f32): past 2^24 not
     * every row has its own number, and row 16777217 would be read as row 16777216. */
    if (n->vocab > MAX_EXACT_INDEX) {
        diag_error(in->d, n->loc, "embedding has at most 2^24 (16777216) rows, got %" PRId64
                   ": the trainer reads the indices as f32 numbers, which hold every whole "
                   "number only up to 2^24", n->vocab);
        diag_hint(in->d, n->loc, "keep the 2^24 most frequent tokens and map the rest to one "
                  "shared index");
        return false;
    }
    n->out = shape2(n->in[0]->out.d[0], n->units);
    add_param(in, n, "E", "embeddings", shape2(n->vocab, n->units), true, n->kernel_init);
    n->flops = shape_size(n->out);
    return true;
}

static bool infer_node(Infer *in, Node *n) {
    for (int i = 0; i < n->nin; i++)
        if (n->in[i]->out.rank == 0)
            return false; /* an input already failed; don't cascade */
    switch (n->op) {
    case OP_INPUT:
        return true;
    case OP_DENSE:
        return infer_dense(in, n);
    case OP_CONV1D:
    case OP_CONV2D:
        return infer_conv(in, n);
    case OP_MAXPOOL1D: case OP_MAXPOOL2D: case OP_AVGPOOL1D:
    case OP_AVGPOOL2D: case OP_MINPOOL1D: case OP_MINPOOL2D:
        return infer_pool(in, n);
    case OP_GAP1D:
    case OP_GAP2D:
    case OP_GMP1D:
    case OP_GMP2D:
        return infer_global_pool(in, n);
    case OP_FLATTEN:
        n->out = shape1(shape_size(n->in[0]->out));
        return true;
    case OP_RESHAPE:
        return infer_reshape(in, n);
    case OP_DROPOUT:
        n->out = n->in[0]->out;
        n->flops = shape_size(n->out);
        return true;
    case OP_ACTIVATION:
        n->out = n->in[0]->out;
        n->flops = shape_size(n->out);
        return true;
    case OP_BATCHNORM:
        return infer_batchnorm(in, n);
    case OP_ADD:
    case OP_MULTIPLY:
        return infer_elementwise(in, n);
    case OP_CONCAT:
        return infer_concat(in, n);
    case OP_GLU:
        return infer_glu(in, n);
    case OP_SIMPLE_RNN:
        return infer_recurrent(in, n, 1);
    case OP_LSTM:
        return infer_recurrent(in, n, 4);
    case OP_GRU:
        return infer_recurrent(in, n, 3);
    case OP_EMBEDDING:
        return infer_embedding(in, n);
    case OP_COUNT:
        break;
    }
    fprintf(stderr, "%s:%d: internal error: unhandled op %d\n", __FILE__, __LINE__, n->op);
    abort();
}

/* Sizes are checked after every node: a user can write dense(1e12) or a huge input. */
static bool check_size(Infer *in, Node *n) {
    int64_t total = shape_size(n->out);
    if (total < 0 || total > ((int64_t)1 << 40)) {
        diag_error(in->d, n->loc,
                   "the output of '%s' is too large: its shape product overflows "
                   "(limit is 2^40 values per example)",
                   n->name);
        n->out.rank = 0;
        return false;
    }
    for (int i = 0; i < n->nparams; i++) {
        if (n->params[i].size < 0 || n->params[i].size > ((int64_t)1 << 40)) {
            diag_error(in->d, n->loc,
                       "'%s' has too many parameters: the product overflows (limit is 2^40)",
                       n->params[i].name);
            n->out.rank = 0;
            return false;
        }
    }
    return true;
}

/* Keras' Identity makes a matrix, eye(rows, cols), and its Orthogonal needs one to
 * orthonormalize (a kernel of more axes is seen as (size / last, last)): Identity on a
 * convolution's kernel or a bias, or Orthogonal on a bias, is an error at the initializer. */
/* A parameter's shape as Python writes the tuple: (3, 3, 1, 32), (64,). */
static const char *param_shape_text(Infer *in, Shape s) {
    char buf[128];
    size_t used = 0;
    for (int i = 0; i < s.rank && used < sizeof buf; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%" PRId64, i ? ", " : "(",
                                 s.d[i]);
    if (used < sizeof buf)
        snprintf(buf + used, sizeof buf - used, s.rank == 1 ? ",)" : ")");
    return arena_strdup(in->a, buf);
}

static bool check_initializers(Infer *in, Node *n) {
    bool ok = true;
    for (int i = 0; i < n->nparams; i++) {
        const ParamTensor *t = &n->params[i];
        NnrtInit kind = t->init.kind;
        bool identity = kind == NNRT_INIT_IDENTITY;
        if (identity ? t->shape.rank == 2 : kind != NNRT_INIT_ORTHOGONAL || t->shape.rank >= 2)
            continue;
        SrcLoc at = t->init.loc.line ? t->init.loc : n->loc;
        diag_error(in->d, at, "%s needs a tensor of %s axes, but the %s of '%s' has %d, %s",
                   identity ? "identity" : "orthogonal", identity ? "2" : "at least 2",
                   t->role, n->name, t->shape.rank, param_shape_text(in, t->shape));
        if (identity && strcmp(t->role, "kernel") == 0)
            diag_hint(in->d, at, "identity fits the 2-D kernels of dense, recurrent and "
                      "embedding layers; a convolution's kernel takes e.g. glorot_uniform or "
                      "orthogonal");
        else
            diag_hint(in->d, at, "a %s takes e.g. zeros, ones or constant(…)", t->role);
        ok = false;
    }
    return ok;
}

bool graph_infer_node(Graph *g, Arena *a, Diag *d, Node *n) {
    Infer in = {g, a, d};
    n->nparams = 0;
    n->trainable = n->non_trainable = 0;
    if (!infer_node(&in, n) || !check_initializers(&in, n)) {
        n->out = (Shape){0};
        return false;
    }
    return check_size(&in, n);
}

bool graph_infer(Graph *g, Arena *a, Diag *d) {
    bool ok = true;
    for (int i = 0; i < g->nnodes; i++)
        if (!graph_infer_node(g, a, d, g->nodes[i]))
            ok = false;
    return ok;
}

/* ---- planning: parameter layout, users, counts, memory ---- */

static int optimizer_slots(const Graph *g) {
    return g->has_train ? g->train.opt.slots : 0;
}

void graph_plan(Graph *g, Arena *a, int elem_size) {
    g->ntensors = 0;
    for (int i = 0; i < g->nnodes; i++)
        g->ntensors += g->nodes[i]->nparams;
    g->tensors = ARENA_ARRAY(a, ParamTensor *, g->ntensors > 0 ? g->ntensors : 1);
    g->param_size = g->trainable = g->non_trainable = g->flops = 0;
    int64_t act = 0;
    int k = 0;
    for (int i = 0; i < g->nnodes; i++) {
        Node *n = g->nodes[i];
        n->nusers = 0;
        for (int j = 0; j < n->nparams; j++) {
            ParamTensor *t = &n->params[j];
            /* L2 on kernels and embeddings: the layer's own l2, else the train block's. */
            bool penalized = strcmp(t->role, "kernel") == 0 || strcmp(t->role, "embeddings") == 0;
            double global = g->has_train ? g->train.l2 : 0;
            t->l2 = !penalized ? 0 : n->l2 >= 0 ? n->l2 : global;
            t->offset = g->param_size;
            g->param_size += t->size;
            t->index = k;
            g->tensors[k++] = t;
        }
        g->trainable += n->trainable;
        g->non_trainable += n->non_trainable;
        g->flops = count_add(g->flops, n->flops);
        n->act_offset = act;
        act += shape_size(n->out);
    }
    /* Users, so lowering knows where a tensor fans out (its gradient is a sum). */
    for (int i = 0; i < g->nnodes; i++)
        for (int j = 0; j < g->nodes[i]->nin; j++)
            g->nodes[i]->in[j]->nusers++;
    for (int i = 0; i < g->nnodes; i++) {
        Node *n = g->nodes[i];
        n->users = ARENA_ARRAY(a, Node *, n->nusers > 0 ? n->nusers : 1);
        n->nusers = 0;
    }
    for (int i = 0; i < g->nnodes; i++)
        for (int j = 0; j < g->nodes[i]->nin; j++) {
            Node *src = g->nodes[i]->in[j];
            src->users[src->nusers++] = g->nodes[i];
        }

    MemPlan *m = &g->mem;
    m->elem_size = elem_size;
    m->batch = g->has_train ? g->train.batch : 32;
    m->act_per_example = act;
    /* at most 2^40 values per layer and 10^5 layers, but times a batch of up to 2^20 the
     * bytes can pass 2^63: they saturate, and the summary says "over" */
    m->params = count_mul(g->param_size, elem_size);
    m->grads = count_mul(g->trainable, elem_size);
    m->opt_state = count_mul(count_mul(optimizer_slots(g), g->trainable), elem_size);
    m->activations = count_mul(count_mul(act, m->batch), elem_size);
    m->act_grads = count_mul(count_mul(act - shape_size(g->input ? g->input->out : (Shape){0}),
                                       m->batch), elem_size);
    m->total = count_add(count_add(count_add(m->params, m->grads), m->opt_state),
                         count_add(m->activations, m->act_grads));
}

bool graph_check(const Graph *g, FILE *err) {
    bool ok = true;
    int64_t offset = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        if (n->id != i) {
            fprintf(err, "graph_check: node %s has id %d at index %d\n", n->name, n->id, i);
            ok = false;
        }
        for (int j = 0; j < n->nin; j++)
            if (n->in[j]->id >= i) {
                fprintf(err, "graph_check: %s reads %s, which comes later\n", n->name,
                        n->in[j]->name);
                ok = false;
            }
        if (n->out.rank < 1 || n->out.rank > SHAPE_MAX_RANK) {
            fprintf(err, "graph_check: %s has rank %d\n", n->name, n->out.rank);
            ok = false;
        }
        for (int j = 0; j < n->nparams; j++) {
            if (n->params[j].offset != offset || n->params[j].size != shape_size(n->params[j].shape)) {
                fprintf(err, "graph_check: tensor %s is misplaced\n", n->params[j].name);
                ok = false;
            }
            offset += n->params[j].size;
        }
    }
    if (offset != g->param_size) {
        fprintf(err, "graph_check: tensors cover %" PRId64 " of %" PRId64 " elements\n", offset,
                g->param_size);
        ok = false;
    }
    return ok;
}

/* ---- text form ---- */

/* Activations carry the symbolic batch: (B,26,26,32); parameters do not: (3,3,1,32). */
static void print_dims(Shape s, bool batch, FILE *out) {
    fputs(batch ? "(B" : "(", out);
    for (int i = 0; i < s.rank; i++)
        fprintf(out, "%s%" PRId64, i || batch ? "," : "", s.d[i]);
    fputc(')', out);
}

static void print_window(const Node *n, int dims, FILE *out) {
    fprintf(out, ", %s=%" PRId64, n->op == OP_CONV1D || n->op == OP_CONV2D ? "kernel" : "size",
            n->kernel[0]);
    if (dims == 2)
        fprintf(out, "x%" PRId64, n->kernel[1]);
    fprintf(out, ", strides=%" PRId64, n->strides[0]);
    if (dims == 2)
        fprintf(out, "x%" PRId64, n->strides[1]);
    fprintf(out, ", padding=%s", n->padding == PAD_SAME ? "same" : "valid");
    if (n->padding == PAD_SAME) {
        fprintf(out, " [%" PRId64 ",%" PRId64, n->pad_before[0], n->pad_after[0]);
        if (dims == 2)
            fprintf(out, ";%" PRId64 ",%" PRId64, n->pad_before[1], n->pad_after[1]);
        fputc(']', out);
    }
}

static void print_act(const char *key, Activation a, FILE *out) {
    fprintf(out, ", %s=%s", key, act_name(a.kind));
    if (a.kind == ACT_LEAKY_RELU || a.kind == ACT_ELU)
        fprintf(out, "(alpha=%g)", a.alpha);
}

static void print_options(const Node *n, FILE *out) {
    switch (n->op) {
    case OP_DENSE:
        fprintf(out, ", units=%" PRId64, n->units);
        print_act("activation", n->act, out);
        break;
    case OP_CONV1D:
    case OP_CONV2D:
        fprintf(out, ", filters=%" PRId64, n->units);
        print_window(n, n->op == OP_CONV2D ? 2 : 1, out);
        print_act("activation", n->act, out);
        break;
    case OP_MAXPOOL2D: case OP_AVGPOOL2D: case OP_MINPOOL2D:
        print_window(n, 2, out);
        break;
    case OP_MAXPOOL1D: case OP_AVGPOOL1D: case OP_MINPOOL1D:
        print_window(n, 1, out);
        break;
    case OP_DROPOUT:
        fprintf(out, ", rate=%g", n->rate);
        if (n->seeded)
            fprintf(out, ", seed=%" PRIu64, n->seed);
        break;
    case OP_ACTIVATION:
        print_act("activation", n->act, out);
        break;
    case OP_BATCHNORM:
        fprintf(out, ", momentum=%g, epsilon=%g", n->momentum, n->epsilon);
        break;
    case OP_CONCAT: /* inferred: an example's axis; printed as in Keras, the batch being 0 */
        fprintf(out, ", axis=%d", n->axis + 1);
        break;
    case OP_GLU:
        if (n->units)
            fprintf(out, ", units=%" PRId64, n->units);
        break;
    case OP_SIMPLE_RNN: case OP_LSTM: case OP_GRU:
        fprintf(out, ", units=%" PRId64, n->units);
        print_act("activation", n->act, out);
        if (n->op != OP_SIMPLE_RNN)
            print_act("recurrent_activation", n->rec_act, out);
        fprintf(out, ", return_sequences=%s", n->return_sequences ? "true" : "false");
        if (n->op == OP_GRU)
            fprintf(out, ", reset_after=%s", n->reset_after ? "true" : "false");
        break;
    case OP_EMBEDDING:
        fprintf(out, ", vocab=%" PRId64 ", dim=%" PRId64, n->vocab, n->units);
        break;
    default:
        break;
    }
    if (n->nparams && n->op != OP_BATCHNORM && n->op != OP_EMBEDDING)
        fprintf(out, ", use_bias=%s", n->use_bias ? "true" : "false");
}

static const char *const init_names[] = { /* ORDER NnrtInit */
    "zeros", "ones", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
    "lecun_uniform", "lecun_normal", "orthogonal", "random_uniform", "random_normal",
    "unit_forget_bias", "truncated_normal", "variance_scaling", "constant", "identity",
};

/* An initializer's argument, "name=value": "(" before its first, ", " before the others. */
static void print_arg(FILE *out, int *nargs, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void print_arg(FILE *out, int *nargs, const char *fmt, ...) {
    fputs((*nargs)++ ? ", " : "(", out);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
}

/* An initializer as Keras would write it, with the arguments that are not its defaults
 * (VarianceScaling's three always): random_normal(stddev=0.01), he_normal(seed=1). */
static void print_init(const Initializer *init, FILE *out) {
    static const char *const modes[] = {"fan_in", "fan_out", "fan_avg"}; /* ORDER NnrtFanMode */
    static const char *const distributions[] = { /* ORDER NnrtDistribution */
        "truncated_normal", "untruncated_normal", "uniform"};
    Initializer defaults = graph_initializer(init->kind);
    const NnrtInitOptions *o = &init->options, *d = &defaults.options;
    int nargs = 0;
    fputs(init_names[init->kind], out);
    switch (init->kind) {
    case NNRT_INIT_UNIFORM:
        if (o->minval != d->minval)
            print_arg(out, &nargs, "minval=%g", o->minval);
        if (o->maxval != d->maxval)
            print_arg(out, &nargs, "maxval=%g", o->maxval);
        break;
    case NNRT_INIT_NORMAL: case NNRT_INIT_TRUNCATED_NORMAL:
        if (o->mean != d->mean)
            print_arg(out, &nargs, "mean=%g", o->mean);
        if (o->stddev != d->stddev)
            print_arg(out, &nargs, "stddev=%g", o->stddev);
        break;
    case NNRT_INIT_VARIANCE_SCALING:
        print_arg(out, &nargs, "scale=%g", o->scale);
        print_arg(out, &nargs, "mode=%s", modes[o->mode]);
        print_arg(out, &nargs, "distribution=%s", distributions[o->distribution]);
        break;
    case NNRT_INIT_CONSTANT:
        print_arg(out, &nargs, "value=%g", o->value);
        break;
    case NNRT_INIT_ORTHOGONAL: case NNRT_INIT_IDENTITY:
        if (o->gain != d->gain)
            print_arg(out, &nargs, "gain=%g", o->gain);
        break;
    default:
        break;
    }
    if (o->seeded)
        print_arg(out, &nargs, "seed=%" PRIu64, o->seed);
    if (nargs)
        fputc(')', out);
    if (o->unit_forget)
        fputs(" unit_forget_bias", out);
}

void graph_print(const Graph *g, FILE *out) {
    fprintf(out, "graph %s {\n", g->name);
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        fprintf(out, "  %%%s = %s", n->name, op_name(n->op));
        for (int j = 0; j < n->nin; j++)
            fprintf(out, "%s%%%s", j ? ", " : " ", n->in[j]->name);
        print_options(n, out);
        fputs(" : ", out);
        print_dims(n->out, true, out);
        fprintf(out, "  # line %d", n->loc.line);
        if (n->block)
            fprintf(out, ", block %s", n->block);
        if (n->nparams)
            fprintf(out, ", params %" PRId64, n->trainable + n->non_trainable);
        fprintf(out, ", flops %" PRId64 "\n", n->flops);
        for (int j = 0; j < n->nparams; j++) {
            const ParamTensor *t = &n->params[j];
            fprintf(out, "      param %s ", t->name);
            print_dims(t->shape, false, out);
            fprintf(out, " size=%" PRId64 " offset=%" PRId64 " init=", t->size, t->offset);
            print_init(&t->init, out);
            fputs(t->trainable ? "" : " non-trainable", out);
            if (t->l2 > 0)
                fprintf(out, " l2=%g", t->l2);
            fputc('\n', out);
        }
    }
    fprintf(out, "  output %%%s\n", g->output ? g->output->name : "?");
    fprintf(out, "  # params %" PRId64 " (trainable %" PRId64 ", non-trainable %" PRId64
                 "), forward flops/example %" PRId64 "\n",
            g->trainable + g->non_trainable, g->trainable, g->non_trainable, g->flops);
    const MemPlan *m = &g->mem;
    fprintf(out, "  # memory at batch %" PRId64 " (%s): params %" PRId64 " B, grads %" PRId64
                 " B, optimizer %" PRId64 " B, activations %" PRId64 " B, activation grads %" PRId64
                 " B, total %" PRId64 " B\n",
            m->batch, m->elem_size == 8 ? "f64" : "f32", m->params, m->grads, m->opt_state,
            m->activations, m->act_grads, m->total);
    fputs("}\n", out);
}

/* ---- fingerprint ---- */

static uint64_t fnv(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

const Node *view_source(const Node *n) {
    while (n->op == OP_FLATTEN || n->op == OP_RESHAPE)
        n = n->in[0];
    return n;
}

uint64_t graph_fingerprint(const Graph *g) {
    uint64_t h = 14695981039346656037ULL;
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        /* names, not enum values: a layer kind or activation added to nnlc later leaves
         * the fingerprints of existing models (and their checkpoints) as they were */
        const char *op = op_name(n->op);
        h = fnv(h, op, strlen(op) + 1);
        h = fnv(h, n->out.d, sizeof(int64_t) * (size_t)n->out.rank);
        const char *acts[2] = {act_name(n->act.kind), act_name(n->rec_act.kind)}; /* relu and tanh weights differ */
        h = fnv(h, acts[0], strlen(acts[0]) + 1);
        h = fnv(h, acts[1], strlen(acts[1]) + 1);
        h = fnv(h, &n->act.alpha, sizeof n->act.alpha);
        for (int j = 0; j < n->nin; j++)
            h = fnv(h, &n->in[j]->id, sizeof(int));
        for (int j = 0; j < n->nparams; j++) {
            h = fnv(h, n->params[j].name, strlen(n->params[j].name));
            h = fnv(h, n->params[j].shape.d, sizeof(int64_t) * (size_t)n->params[j].shape.rank);
        }
    }
    return h;
}
