/*
 * sema.c — from the AST to the graph IR: resolves names, folds constants, checks every
 * layer's options against its table (sema_layers.c), expands blocks, and builds the
 * model's graph, inferring each node's shape as soon as it exists so errors come out in
 * source order.
 *
 *   model m { input [784]  h = dense(100, activation=sigmoid)  dense(10)(h) }
 *
 * A layer statement reads the previous statement's tensor unless it names its inputs:
 * `dense(10)(h)`, or, for merge layers, `add(a, b)`. Inside a block, `in` is the tensor
 * the block is applied to. A statement with an error produces no node; statements that
 * read it are still checked for their own options, but get no shape (no cascades).
 * The train block is sema_train.c's.
 */
#include "sema_layers.h"
#include "sema_values.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the layer vocabulary ---- */


/* Keras' automatic layer names (snake case of the class): dense, dense_1, … */
static const char *const keras_base_names[] = { /* ORDER OP */
    "input_layer", "dense", "conv1d", "conv2d", "max_pooling1d", "max_pooling2d",
    "average_pooling1d", "average_pooling2d", "min_pooling1d", "min_pooling2d",
    "global_average_pooling1d", "global_average_pooling2d", "global_max_pooling1d",
    "global_max_pooling2d", "flatten", "reshape", "dropout",
    "batch_normalization", "activation", "add", "concatenate", "multiply", "glu",
    "simple_rnn", "lstm", "gru", "embedding",
};
_Static_assert(sizeof keras_base_names / sizeof keras_base_names[0] == OP_COUNT,
               "keras_base_names[] has one name per op of ops.def");

/* Activations that Keras has a layer class for: relu() is ReLU (named re_lu), not
 * Activation; activation(relu) stays Activation, as Keras' Activation('relu') does. */
static const struct {
    ActKind act;
    const char *keras_class, *base_name;
} act_layer_classes[] = {
    {ACT_RELU, "ReLU", "re_lu"},
    {ACT_SOFTMAX, "Softmax", "softmax"},
    {ACT_LEAKY_RELU, "LeakyReLU", "leaky_re_lu"},
    {ACT_ELU, "ELU", "elu"},
};
enum { N_ACT_LAYER_CLASSES = sizeof act_layer_classes / sizeof act_layer_classes[0] };

/* ---- per-statement state ---- */

typedef struct BlockUse {
    const Decl *decl;
    const char *instance;   /* "residual_1" */
    int line;               /* the line of the statement that uses it */
    struct BlockUse *outer;
} BlockUse;

typedef struct Body {
    Scope *scope;           /* constants, tensors, block parameters */
    Node *prev;             /* the previous statement's tensor */
    bool prev_broken;       /* the previous statement had an error */
    BlockUse *block;        /* NULL at model level */
    int depth;
} Body;

/* The names of the graph's nodes, a hash set (open addressing, at most half full), so that
 * finding a free automatic name does not scan every node: a few nested blocks can expand
 * to 10^5 layers. */
typedef struct NameSet {
    const char **slots;
    size_t cap, n;
} NameSet;

/* Blocks that use blocks multiply: ten blocks that each use the one before twice are
 * 2^10 layers, thirty are 2^30, which took minutes and gigabytes before failing. A model
 * has at most this many layers; the 20,000 of tests/limits.sh take well under a second. */
enum { MAX_LAYERS = 100000 };
/* Uses of blocks, which multiply the same way even when they make no layer (empty
 * bodies): a use costs about what a layer does, and a tree of uses has about two per
 * layer it makes, so the layer limit is met first in a model whose blocks make layers. */
enum { MAX_BLOCK_USES = 10 * MAX_LAYERS };
/* A use binds each parameter of its block, at about the cost of a use: a block of 2,000
 * parameters used 2^20 times (within MAX_BLOCK_USES) ran for minutes and took gigabytes.
 * The bindings of all uses together are limited as the uses are. */
enum { MAX_BLOCK_BINDINGS = MAX_BLOCK_USES };

typedef struct Builder {
    Sema *S;
    bool over_limit;        /* MAX_LAYERS, MAX_BLOCK_USES or MAX_BLOCK_BINDINGS was
                               reached: nothing more is built */
    long block_uses;        /* blocks expanded so far (MAX_BLOCK_USES) */
    long block_bindings;    /* their parameters bound so far (MAX_BLOCK_BINDINGS) */
    int name_counts[OP_COUNT + N_ACT_LAYER_CLASSES]; /* per automatic base name, as Keras */
    int block_counts[64];
    const Decl *blocks[64];
    int nblocks;
    NameSet names;
    NameSet reserved;       /* the names the model's own statements bind (`h = dense(…)`):
                               automatic names avoid them, so the user's name wins even
                               when its statement comes later (input_layer = dense(4,
                               input_shape=(5,)) was renamed 'dense', its implicit input
                               having taken the name input_layer) */
} Builder;

static const char **name_slot(const NameSet *ns, const char *name) {
    size_t i = sema_name_hash(name) & (ns->cap - 1);
    while (ns->slots[i] && strcmp(ns->slots[i], name) != 0)
        i = (i + 1) & (ns->cap - 1);
    return &ns->slots[i];
}

static bool set_has(const NameSet *ns, const char *name) {
    return ns->cap > 0 && *name_slot(ns, name) != NULL;
}

static bool name_taken(Builder *B, const char *name) { return set_has(&B->names, name); }

static void set_add(Builder *B, NameSet *ns, const char *name) {
    if (2 * (ns->n + 1) > ns->cap) {
        size_t cap = ns->cap ? 2 * ns->cap : 64;
        NameSet bigger = {ARENA_ARRAY(B->S->a, const char *, cap), cap, ns->n};
        for (size_t i = 0; i < ns->cap; i++)
            if (ns->slots[i])
                *name_slot(&bigger, ns->slots[i]) = ns->slots[i];
        *ns = bigger;
    }
    const char **slot = name_slot(ns, name);
    if (!*slot) {
        *slot = name;
        ns->n++;
    }
}

static void name_add(Builder *B, const char *name) { set_add(B, &B->names, name); }

/* `kind` is an OpKind, or OP_COUNT + i for act_layer_classes[i]. */
static const char *auto_name(Builder *B, int kind) {
    const char *base = kind < OP_COUNT ? keras_base_names[kind]
                                       : act_layer_classes[kind - OP_COUNT].base_name;
    for (;;) {
        int k = B->name_counts[kind]++;
        const char *name = k == 0 ? base : arena_printf(B->S->a, "%s_%d", base, k);
        if (!name_taken(B, name) && !set_has(&B->reserved, name))
            return name;
    }
}

static const Decl *find_block(Builder *B, const char *name) {
    for (int i = 0; i < B->nblocks; i++)
        if (strcmp(B->blocks[i]->name, name) == 0)
            return B->blocks[i];
    return NULL;
}

/* Keras' `Input(shape=(784,))` or `InputLayer(…)`, written where nnlc has `input [784]`. */
static bool is_keras_input(const char *name) {
    return strcasecmp(name, "input") == 0 || strcasecmp(name, "inputlayer") == 0 ||
           strcasecmp(name, "input_layer") == 0;
}

/* Keras' options that give a Sequential model its input on its first layer:
 * `input_shape=(28, 28, 1)` on any layer (Keras 2's `batch_input_shape=(None, 28, 28, 1)`
 * too, the batch first), `input_dim=784` on any but an embedding (whose input_dim is its
 * vocabulary) and Keras 2's `input_length=100` on an embedding. On a block, a parameter
 * of that name is the block's. */
static bool block_has_param(const Decl *blk, const char *name) {
    for (const Param *p = blk->params; p; p = p->next)
        if (strcmp(p->name, name) == 0)
            return true;
    return false;
}

static bool input_option_name(const char *key) {
    return strcmp(key, "input_shape") == 0 || strcmp(key, "batch_input_shape") == 0 ||
           strcmp(key, "input_dim") == 0 || strcmp(key, "input_length") == 0;
}

static bool is_input_option(Builder *B, const Expr *call, const char *key) {
    if (!input_option_name(key))
        return false;
    bool dim = strcmp(key, "input_dim") == 0, length = strcmp(key, "input_length") == 0;
    const LayerName *ln = sema_find_layer(call->str);
    /* Keras 2's recurrent layers take both: input_shape=(input_length, input_dim) */
    if (ln && op_is_recurrent(ln->op))
        return true;
    if (ln)
        return ln->op == OP_EMBEDDING ? !dim : !length;
    const Decl *blk = find_block(B, call->str);
    return blk && !length && !block_has_param(blk, key);
}

/* The call's first input option (see is_input_option), or NULL. */
static const Arg *input_option(Builder *B, const Expr *call) {
    for (const Arg *a = call->args; a; a = a->next)
        if (a->key && is_input_option(B, call, a->key))
            return a;
    return NULL;
}

/* Keras layers that nnlc does not have, with what does their work here (a data source's
 * scale, an augmentation, padding=same, a layer alone): said in place of "unknown layer"
 * and the list of layers. Returns whether the call was one. */
static const char *const keras_only_layers[][2] = {
    {"rescaling", "scaling is the data source's: idx(…, scale=1/255), with shift= for an "
                  "offset"},
    {"normalization", "the data source's standardize=true standardizes each feature"},
    {"randomflip", "augmentation is a train setting: augment = [flip(horizontal)]"},
    {"randomrotation", "augmentation is a train setting: augment = [rotate(10)]"},
    {"randomtranslation", "augmentation is a train setting: augment = [shift(0.1)]"},
    {"gaussiannoise", "augmentation is a train setting: augment = [noise(0.1)]"},
    {"randomzoom", "nnlc's augmentations are flip, shift, rotate and noise (augment = […])"},
    {"randomcrop", "nnlc's augmentations are flip, shift, rotate and noise (augment = […])"},
    {"randomcontrast", "nnlc's augmentations are flip, shift, rotate and noise "
                       "(augment = […])"},
    {"timedistributed", "dense on a sequence applies to every step: write the layer "
                        "inside alone, e.g. dense(16)"},
    {"bidirectional", "nnlc's recurrent layers read the sequence forward only: write the "
                      "layer inside alone, e.g. lstm(64)"},
    {"repeatvector", "a vector is not repeated into a sequence here (an encoder-decoder's "
                     "step): a recurrent layer with return_sequences=True gives one state per "
                     "step of its input"},
    {"masking", "nnlc has no padding mask: every step, padding too, goes through the "
                "recurrent layers; give the sequences one length"},
    {"cudnnlstm", "Keras 2's GPU LSTM is lstm(units) here (whose bias has 4·units values; "
                  "CuDNNLSTM's has 8·units)"},
    {"cudnngru", "Keras 2's GPU GRU is gru(units) here (reset_after=True, Keras 2's default "
                 "on TensorFlow 2, has CuDNNGRU's two biases)"},
    {"rnn", "a recurrent layer runs its own cell: lstm(units), gru(units) or "
            "simple_rnn(units)"},
    {"lstmcell", "a recurrent layer runs its own cell: lstm(units)"},
    {"grucell", "a recurrent layer runs its own cell: gru(units)"},
    {"simplernncell", "a recurrent layer runs its own cell: simple_rnn(units)"},
    {"stackedrnncells", "stack recurrent layers one per line, return_sequences=True on all "
                        "but the last"},
#define SEQUENCE_LAYERS "nnlc's sequence layers are the recurrent ones, conv1d and the 1-D poolings"
    {"attention", SEQUENCE_LAYERS},
    {"additiveattention", SEQUENCE_LAYERS},
    {"multiheadattention", SEQUENCE_LAYERS},
#undef SEQUENCE_LAYERS
    {"zeropadding2d", "padding=same on the convolution pads with zeros"},
    {"zeropadding1d", "padding=same on the convolution pads with zeros"},
    {"separableconv2d", "conv2d is nnlc's 2-D convolution"},
    {"depthwiseconv2d", "conv2d is nnlc's 2-D convolution"},
    {"separableconv1d", "conv1d is nnlc's 1-D convolution"},
    {"depthwiseconv1d", "conv1d is nnlc's 1-D convolution"},
    {"layernormalization", "nnlc's normalization layer is batchnorm()"},
    {"groupnormalization", "nnlc's normalization layer is batchnorm()"},
    {"unitnormalization", "nnlc's normalization layer is batchnorm()"},
    {"spatialdropout1d", "dropout(rate) drops single values"},
    {"spatialdropout2d", "dropout(rate) drops single values"},
    {"alphadropout", "dropout(rate) is nnlc's"},
    {"gaussiandropout", "dropout(rate) is nnlc's"},
    {"prelu", "leaky_relu(alpha=0.3) has a fixed slope"},
    {"thresholdedrelu", "relu() is nnlc's"},
    {"identity", "linear() is the identity"},
    {"lambda", "nnlc runs no Python code: scaling is the data source's scale=1/255, and "
               "activation(…) or a layer computes the rest"},
    {"conv2dtranspose", "nnlc's models end in classes or values: there is no transposed "
                        "convolution (a decoder's upsampling)"},
    {"conv1dtranspose", "nnlc's models end in classes or values: there is no transposed "
                        "convolution (a decoder's upsampling)"},
    {"upsampling2d", "nnlc's models end in classes or values: there is no upsampling"},
    {"upsampling1d", "nnlc's models end in classes or values: there is no upsampling"},
    {"cropping2d", "nnlc has no cropping: a convolution or pooling with padding=valid "
                   "makes an image smaller"},
    {"cropping1d", "nnlc has no cropping: a convolution or pooling with padding=valid "
                   "makes a sequence shorter"},
#define NO_3D "nnlc's layers read vectors, sequences (T, C) and images (H, W, C): none reads " \
              "a volume (D, H, W, C)"
    {"conv3d", NO_3D},             {"conv3dtranspose", NO_3D},
    {"maxpooling3d", NO_3D},       {"maxpool3d", NO_3D},
    {"averagepooling3d", NO_3D},   {"avgpool3d", NO_3D},
    {"globalaveragepooling3d", NO_3D}, {"globalavgpool3d", NO_3D},
    {"globalmaxpooling3d", NO_3D}, {"globalmaxpool3d", NO_3D},
    {"upsampling3d", NO_3D},       {"zeropadding3d", NO_3D},
    {"cropping3d", NO_3D},         {"spatialdropout3d", NO_3D},
#undef NO_3D
    {"permute", "nnlc has no permutation of axes: reshape(shape) keeps the values in their "
                "order"},
    {"sequential", "the model block is Keras' Sequential: write its layers in the block, "
                   "one per line, without the list's brackets and commas"},
    {"model", "the model block is the model: write its layers in the block, one per line"},
};

/* The row of a table of other frameworks' layers (a lower-case name, what stands for it)
 * for a layer name, any case (lower-cased into `lower`), or -1. */
static int framework_layer_row(const char *const (*table)[2], size_t rows, const char *name,
                               char *lower, size_t size) {
    snprintf(lower, size, "%s", name);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (size_t i = 0; i < rows; i++)
        if (strcmp(lower, table[i][0]) == 0)
            return (int)i;
    return -1;
}

static int keras_only_layer_row(const char *name, char *lower, size_t size) {
    return framework_layer_row(keras_only_layers,
                               sizeof keras_only_layers / sizeof keras_only_layers[0], name,
                               lower, size);
}

static bool keras_only_layer(Sema *S, const Expr *call) {
    char lower[64];
    int row = keras_only_layer_row(call->str, lower, sizeof lower);
    if (row < 0)
        return false;
    diag_error(S->d, call->name_loc, "Keras' %s is not one of nnlc's layers", call->str);
    const Expr *first = call->args && !call->args->key ? call->args->value : NULL;
    char text[128];
    const char *as_written = first ? diag_source_text(S->d, first->loc, text, sizeof text)
                                   : NULL;
    if (first && !as_written)
        as_written = expr_text(S, first);
    if (first && first->kind == EX_CALL && (strcmp(lower, "timedistributed") == 0 ||
                                            strcmp(lower, "bidirectional") == 0))
        diag_hint(S->d, call->name_loc, "%s: write %s alone%s",
                  lower[0] == 't' ? "dense on a sequence applies to every step"
                                  : "nnlc's recurrent layers read the sequence forward only",
                  as_written,
                  lower[0] == 't' ? ""
                                  : " (Keras' Bidirectional adds a copy that reads it "
                                    "backward: twice the parameters, and with its default "
                                    "merge_mode='concat' an output twice as wide)");
    else if (first && strcmp(lower, "rescaling") == 0)
        diag_hint(S->d, call->name_loc, "scaling is the data source's: idx(…, scale=%s), with "
                  "shift= for an offset", as_written);
    else
        diag_hint(S->d, call->name_loc, "%s", keras_only_layers[row][1]);
    return true;
}

/* PyTorch's torch.nn layers whose names nnlc does not take (its Linear is the identity
 * activation here, sema_values.c; its Conv2d, MaxPool2d, ReLU, … are nnlc's names in
 * another case), with what stands for each: said in place of "unknown layer" and a "did
 * you mean 'batchnorm'?" that led to batchnorm(8), axis 8. */
static const char *const torch_only_layers[][2] = {
    {"batchnorm1d", "batchnorm() here: its number of features comes from the layer before"},
    {"batchnorm2d", "batchnorm() here: its number of channels comes from the layer before"},
    {"adaptiveavgpool2d", "global_avg_pool2d() is AdaptiveAvgPool2d(1) with the flatten after "
                          "it"},
    {"adaptiveavgpool1d", "global_avg_pool1d() is AdaptiveAvgPool1d(1) with the flatten after "
                          "it"},
    {"adaptivemaxpool2d", "global_max_pool2d() is AdaptiveMaxPool2d(1) with the flatten after "
                          "it"},
    {"adaptivemaxpool1d", "global_max_pool1d() is AdaptiveMaxPool1d(1) with the flatten after "
                          "it"},
    {"dropout1d", "dropout(rate) drops single values"},
    {"dropout2d", "dropout(rate) drops single values"},
    {"logsoftmax", "softmax() on the last layer: the cross-entropy loss takes its logarithm"},
    {"silu", "swish() is SiLU"},
    {"layernorm", "nnlc's normalization layer is batchnorm()"},
    {"unflatten", "reshape(shape) gives an example's shape, without the batch"},
    {"lazylinear", "dense(out_features) is PyTorch's Linear; its input size comes from the "
                   "layer before"},
};

static bool torch_only_layer(Sema *S, const Expr *call) {
    char lower[64];
    int row = framework_layer_row(torch_only_layers,
                                  sizeof torch_only_layers / sizeof torch_only_layers[0],
                                  call->str, lower, sizeof lower);
    if (row < 0)
        return false;
    diag_error(S->d, call->name_loc, "PyTorch's %s is not one of nnlc's layers", call->str);
    diag_hint(S->d, call->name_loc, "%s", torch_only_layers[row][1]);
    return true;
}

static void unknown_layer(Builder *B, const Expr *call) {
    Sema *S = B->S;
    if (is_keras_input(call->str)) {
        diag_error(S->d, call->name_loc, "'%s' is not a layer: the model's input is declared "
                   "with the statement `input [d1, d2, …]`, or with Keras' input_shape= on its "
                   "first layer", call->str);
        /* Input(shape=(784,)), Input((784,)), Keras 2's InputLayer(input_shape=(784,)), and
         * batch_shape=(None, 784) or batch_input_shape=…, whose first axis is the batch */
        const Expr *shape = NULL;
        bool batch = false;
        for (const Arg *a = call->args; a && !shape; a = a->next) {
            bool with_batch = a->key && (strcmp(a->key, "batch_shape") == 0 ||
                                         strcmp(a->key, "batch_input_shape") == 0);
            if ((!a->key || strcmp(a->key, "shape") == 0 || strcmp(a->key, "input_shape") == 0 ||
                 with_batch) && a->value && a->value->kind == EX_LIST &&
                a->value->items && (!with_batch || a->value->items->next)) {
                shape = a->value;
                batch = with_batch;
            }
        }
        if (!shape) {
            diag_hint(S->d, call->name_loc, "Keras' Input(shape=(28, 28, 1)) is written input "
                      "[28, 28, 1] (the shape of one example, without the batch), or "
                      "input_shape=(28, 28, 1) on the first layer");
            return;
        }
        /* the sizes, as a list (input [784]) and as a tuple (input_shape=(784,)) */
        char sizes[160] = "";
        size_t used = 0;
        int n = 0;
        for (const Expr *it = batch ? shape->items->next : shape->items; it; it = it->next, n++)
            if (used < sizeof sizes)
                used += (size_t)snprintf(sizes + used, sizeof sizes - used, "%s%s",
                                         n ? ", " : "", expr_text(S, it));
        diag_hint(S->d, call->name_loc, "write input [%s] (the shape of one example, without "
                  "the batch), or input_shape=(%s%s) on the first layer", sizes, sizes,
                  n == 1 ? "," : "");
        return;
    }
    if (keras_only_layer(S, call) || torch_only_layer(S, call))
        return;
    diag_error(S->d, call->name_loc, "unknown layer '%s'", call->str);
    const char *names[SEMA_MAX_LAYER_SPELLINGS + 64 + 1];
    int n = sema_layer_spellings(names);
    for (int i = 0; i < B->nblocks; i++)
        names[n++] = B->blocks[i]->name;
    names[n] = NULL;
    char lower[64];
    snprintf(lower, sizeof lower, "%s", call->str);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *near = diag_suggest(lower, names);
    if (near)
        diag_hint(S->d, call->name_loc, "did you mean '%s'?", near);
    else
        diag_hint(S->d, call->name_loc,
                  "layers are dense, conv1d, conv2d, maxpool2d, avgpool2d, flatten, dropout, "
                  "batchnorm, add, concat, glu, lstm, gru, embedding, … (docs/language.md)");
}

/* ---- options ---- */

static bool opt_int(Sema *S, Scope *sc, Args *A, const char *name, int64_t min, int64_t *out) {
    const Expr *e = args_get(A, name);
    return !e || sema_int(S, sc, e, args_key(A, name), min, SEMA_SIZE_MAX, out);
}

static bool opt_num(Sema *S, Scope *sc, Args *A, const char *name, double *out) {
    const Expr *e = args_get(A, name);
    return !e || sema_number_of(S, sc, e, args_key(A, name), out);
}

static bool opt_bool(Sema *S, Scope *sc, Args *A, const char *name, bool *out) {
    const Expr *e = args_get(A, name);
    return !e || sema_bool(S, sc, e, args_key(A, name), out);
}

/* out holds the layer's default, which leaving the option out keeps */
static bool opt_act(Sema *S, Scope *sc, Args *A, const char *name, Activation *out) {
    const Expr *e = args_get(A, name);
    return !e || sema_activation(S, sc, e, name, (int)out->kind, out);
}

static bool opt_init(Sema *S, Scope *sc, Args *A, const char *name, Initializer *out) {
    const Expr *e = args_get(A, name);
    return !e || sema_initializer(S, sc, e, out);
}

/* Keras' None as one size of a list (Reshape((None, 4)), kernel_size=(3, None)): no size,
 * and not the default of an option either, so unknown_name's hint (leave the option out)
 * is wrong here; said with the hint for the list. */
static bool none_item(Sema *S, Scope *sc, const Expr *it, const char *error, const char *hint) {
    if (it->kind != EX_NAME || strcmp(it->str, "None") != 0 || scope_find(sc, it->str))
        return false;
    diag_error(S->d, it->loc, "%s", error);
    diag_hint(S->d, it->loc, "%s", hint);
    return true;
}

/* `kernel=3` or `kernel=[3, 5]`: one value per spatial axis. */
static bool opt_pair(Sema *S, Scope *sc, Args *A, const char *name, int dims, int64_t out[2]) {
    const Expr *e = args_get(A, name);
    if (!e)
        return true;
    name = args_key(A, name); /* Keras' kernel_size, when written so */
    Scope *rs = sc;
    const Expr *r = sema_resolve(S, &rs, e);
    if (r->kind != EX_LIST) {
        if (!sema_int(S, sc, e, name, 1, SEMA_SIZE_MAX, &out[0]))
            return false;
        out[1] = out[0];
        return true;
    }
    int n = 0;
    for (const Expr *it = r->items; it; it = it->next) {
        if (n < 2 && none_item(S, rs, it, arena_printf(S->a, "%s takes a whole number per "
                                                         "axis, found None", name),
                               "Keras' None is no size: give each axis its number"))
            return false;
        if (n < 2 && !sema_int(S, rs, it, name, 1, SEMA_SIZE_MAX, &out[n]))
            return false;
        n++;
    }
    if (n != dims) {
        diag_error(S->d, e->loc, "%s needs %d value%s, got %d", name, dims, dims > 1 ? "s" : "",
                   n);
        return false;
    }
    if (dims == 1)
        out[1] = out[0];
    return true;
}

static bool opt_padding(Sema *S, Scope *sc, Args *A, Padding *out) {
    const Expr *e = args_get(A, "padding");
    if (!e)
        return true;
    static const char *const pads[] = {"valid", "same", NULL};
    const char *name;
    const Expr *call;
    Scope *vs = sc;
    const Expr *v = sema_resolve(S, &vs, e);
    bool numbers = v->kind == EX_LIST && v->items;
    for (const Expr *it = v->kind == EX_LIST ? v->items : NULL; it; it = it->next)
        numbers &= it->kind == EX_NUM;
    if (v->kind == EX_NUM || numbers) {
        /* PyTorch's padding=1 (zeros on each side) or padding=(1, 1): "expected valid or
         * same, found 1" said nothing of what stands for it */
        char text[64];
        const char *written = diag_source_text(S->d, e->loc, text, sizeof text);
        diag_error(S->d, e->loc, "padding is valid or same, not a number of zeros: "
                   "padding=%s is PyTorch's", written ? written : expr_text(S, v));
        diag_hint(S->d, e->loc, "padding=same pads so that the output keeps the input's "
                  "size (at strides 1; PyTorch's kernel_size // 2 on each side for an odd "
                  "kernel), padding=valid pads nothing (PyTorch's padding=0)");
        return false;
    }
    if (!sema_symbol(S, sc, e, "valid or same", &name, &call))
        return false;
    /* any case, as Keras lower-cases it ('SAME' is TensorFlow's spelling) */
    int k = -1;
    for (int i = 0; pads[i] && k < 0; i++)
        if (strcasecmp(name, pads[i]) == 0)
            k = i;
    if (k < 0 && strcasecmp(name, "causal") == 0) {
        /* Conv1D(padding='causal'), WaveNet-style: zeros before the sequence only */
        diag_error(S->d, e->loc, "padding 'causal' is not in nnlc: paddings are valid and same");
        diag_hint(S->d, e->loc, "Keras' causal padding puts kernel_size - 1 zeros before "
                  "the sequence only; padding=valid also uses only past and present steps, "
                  "with kernel_size - 1 fewer outputs");
        return false;
    }
    if (k < 0)
        k = sema_lookup(S, e->loc, name, "padding", pads);
    if (k < 0)
        return false;
    *out = k == 1 ? PAD_SAME : PAD_VALID;
    return true;
}

static bool require(Sema *S, Args *A, const char *name, const char *example) {
    if (args_get(A, name))
        return true;
    if (!A->ok)
        return false; /* probably misspelt among the options already reported */
    diag_error(S->d, A->loc, "%s needs '%s'", A->callee, name);
    diag_hint(S->d, A->loc, "for example %s", example);
    return false;
}

static bool common_param_opts(Sema *S, Scope *sc, Args *A, Node *n) {
    bool ok = opt_bool(S, sc, A, "use_bias", &n->use_bias);
    ok &= opt_init(S, sc, A, "kernel_initializer", &n->kernel_init);
    ok &= opt_init(S, sc, A, "bias_initializer", &n->bias_init);
    ok &= opt_init(S, sc, A, "recurrent_initializer", &n->rec_init);
    double l2 = -1;
    bool l2_ok = opt_num(S, sc, A, "l2", &l2); /* not a number: said already, no cascade */
    ok &= l2_ok;
    if (l2_ok && l2 < 0 && args_get(A, "l2")) {
        diag_error(S->d, args_loc(A, "l2"), "l2 must not be negative");
        ok = false;
    }
    n->l2 = l2;
    return ok;
}

static bool window_opts(Sema *S, Scope *sc, Args *A, Node *n, int dims, bool conv) {
    bool ok = true;
    if (conv) {
        ok &= require(S, A, "filters", "conv2d(32, kernel=3)") &&
              opt_int(S, sc, A, "filters", 1, &n->units);
        ok &= require(S, A, "kernel", "conv2d(32, kernel=3)") &&
              opt_pair(S, sc, A, "kernel", dims, n->kernel);
        n->strides[0] = n->strides[1] = 1;
    } else {
        n->kernel[0] = n->kernel[1] = 2;
        ok &= opt_pair(S, sc, A, "size", dims, n->kernel);
        n->strides[0] = n->kernel[0];
        n->strides[1] = n->kernel[1];
    }
    ok &= opt_pair(S, sc, A, "strides", dims, n->strides);
    ok &= opt_padding(S, sc, A, &n->padding);
    /* Keras 1's Convolution2D(32, 3, 3) was a 3×3 kernel; in Keras 2 and 3, as here, the
     * third is the strides: said when the call reads like Keras 1 (its class name, or the
     * strides repeating a one-number kernel), since the model is valid either way */
    if (ok && conv && args_positional(A, "strides") && args_positional(A, "kernel")) {
        const Expr *k = args_get(A, "kernel"), *st = args_get(A, "strides");
        bool keras1 = strncasecmp(A->callee, "convolution", 11) == 0 ||
                      (k->kind == EX_NUM && st->kind == EX_NUM && k->num == st->num && k->num > 1);
        if (keras1) {
            diag_warning(S->d, st->loc, "the third argument of %s is its strides, %s: a kernel "
                         "of %s moved %s at a time", A->callee, expr_text(S, st),
                         expr_text(S, k), expr_text(S, st));
            diag_hint(S->d, st->loc, "Keras 1's Convolution2D(32, 3, 3) meant a 3×3 kernel: "
                      "that is %s(%s, (%s, %s))", A->callee, expr_text(S, args_get(A, "filters")),
                      expr_text(S, k), expr_text(S, st));
        }
    }
    return ok;
}

static bool reshape_target(Sema *S, Scope *sc, Args *A, Node *n) {
    const Expr *e = args_get(A, "shape");
    if (!require(S, A, "shape", "reshape([28, 28, 1])"))
        return false;
    Scope *rs = sc;
    const Expr *r = sema_resolve(S, &rs, e);
    if (r->kind != EX_LIST || !r->items) {
        diag_error(S->d, e->loc, "reshape needs a list of sizes, e.g. [28, 28, 1]");
        return false;
    }
    int rank = 0, unknown = 0;
    for (const Expr *it = r->items; it; it = it->next, rank++) {
        if (rank >= SHAPE_MAX_RANK) {
            diag_error(S->d, it->loc, "too many axes (limit is %d)", SHAPE_MAX_RANK);
            return false;
        }
        if (none_item(S, rs, it, "a reshape size cannot be None: the shapes are fixed when "
                      "the model is compiled", "-1 stands for the size the others leave, as "
                      "in Keras: reshape([-1, 4])"))
            return false;
        if (!sema_int(S, rs, it, "a reshape size", -1, SEMA_SIZE_MAX, &n->out.d[rank]))
            return false;
        if (n->out.d[rank] == 0) {
            diag_error(S->d, it->loc, "a reshape size must be positive or -1");
            return false;
        }
        if (n->out.d[rank] == -1 && ++unknown > 1) {
            diag_error(S->d, it->loc, "only one reshape size can be -1");
            return false;
        }
    }
    n->out.rank = rank;
    return true;
}

/* Keras' Dropout(rate, noise_shape=None, seed=None): noise_shape may only be None, since
 * every value is dropped on its own; seed draws the layer's noise from that seed. */
static bool dropout_options(Sema *S, Scope *sc, Args *A, Node *n) {
    bool ok = require(S, A, "rate", "dropout(0.5)") && opt_num(S, sc, A, "rate", &n->rate);
    if (ok && (n->rate < 0 || n->rate >= 1)) {
        diag_error(S->d, args_loc(A, "rate"), "dropout rate must be in [0, 1), got %s",
                   diag_num(n->rate).s);
        ok = false;
    }
    const Expr *shape = args_get(A, "noise_shape");
    if (shape && !(shape->kind == EX_NAME && strcmp(shape->str, "None") == 0 &&
                   !scope_find(sc, "None"))) {
        diag_error(S->d, args_loc(A, "noise_shape"), "nnlc's dropout drops every value on its own: "
                   "Keras' noise_shape (one mask shared along some axes) is not available");
        diag_hint(S->d, args_loc(A, "noise_shape"), "leave it out, or give None");
        ok = false;
    }
    const Expr *seed = args_get(A, "seed");
    if (seed) {
        n->seeded = sema_seed(S, sc, seed, &n->seed);
        ok &= n->seeded;
    }
    return ok;
}

static bool rnn_opts_read(Sema *S, Scope *sc, Args *A, Node *n) {
    n->act.kind = ACT_TANH;
    n->rec_act.kind = ACT_SIGMOID;
    n->reset_after = true;
    bool ok = require(S, A, "units", "lstm(128)") && opt_int(S, sc, A, "units", 1, &n->units);
    ok &= opt_act(S, sc, A, "activation", &n->act);
    ok &= opt_act(S, sc, A, "recurrent_activation", &n->rec_act);
    /* where they were given, for check_whole_model's error about softmax */
    if (args_get(A, "activation"))
        n->act_loc = args_get(A, "activation")->loc;
    if (args_get(A, "recurrent_activation"))
        n->rec_act_loc = args_get(A, "recurrent_activation")->loc;
    ok &= opt_bool(S, sc, A, "return_sequences", &n->return_sequences);
    ok &= opt_bool(S, sc, A, "reset_after", &n->reset_after);
    ok &= common_param_opts(S, sc, A, n);
    return ok;
}

/* Reads the options of one layer into n. Returns false on any error (already reported). */
static bool layer_options(Sema *S, Scope *sc, Args *A, Node *n, int act) {
    switch (n->op) {
    case OP_DENSE: {
        bool ok = require(S, A, "units", "dense(128, activation=relu)") &&
                  opt_int(S, sc, A, "units", 1, &n->units);
        ok &= opt_act(S, sc, A, "activation", &n->act);
        return ok & common_param_opts(S, sc, A, n);
    }
    case OP_CONV1D:
    case OP_CONV2D: {
        bool ok = window_opts(S, sc, A, n, n->op == OP_CONV2D ? 2 : 1, true);
        ok &= opt_act(S, sc, A, "activation", &n->act);
        return ok & common_param_opts(S, sc, A, n);
    }
    case OP_MAXPOOL1D: case OP_AVGPOOL1D: case OP_MINPOOL1D:
        n->pool_kind = n->op == OP_MAXPOOL1D ? POOL_MAX : n->op == OP_AVGPOOL1D ? POOL_AVG
                                                                                : POOL_MIN;
        return window_opts(S, sc, A, n, 1, false);
    case OP_MAXPOOL2D: case OP_AVGPOOL2D: case OP_MINPOOL2D:
        n->pool_kind = n->op == OP_MAXPOOL2D ? POOL_MAX : n->op == OP_AVGPOOL2D ? POOL_AVG
                                                                                : POOL_MIN;
        return window_opts(S, sc, A, n, 2, false);
    case OP_RESHAPE:
        return reshape_target(S, sc, A, n);
    case OP_DROPOUT:
        return dropout_options(S, sc, A, n);
    case OP_BATCHNORM:
        n->momentum = 0.99;
        n->epsilon = 0.001;
        if (!(opt_num(S, sc, A, "momentum", &n->momentum) &
              opt_num(S, sc, A, "epsilon", &n->epsilon)))
            return false;
        /* the moving averages keep `momentum` of their value; ε keeps √(var + ε) real */
        if (n->momentum < 0 || n->momentum > 1) {
            diag_error(S->d, args_loc(A, "momentum"), "momentum must be in [0, 1], got %s",
                       diag_num(n->momentum).s);
            return false;
        }
        if (!(n->epsilon > 0)) {
            diag_error(S->d, args_loc(A, "epsilon"), "epsilon must be greater than 0, got %s",
                       diag_num(n->epsilon).s);
            return false;
        }
        /* float32, the trainer's default precision, rounds 1e-50 to 0: a feature constant
         * over a batch then gave 0/√0, a NaN loss blamed on "extreme values" of the data */
        return sema_nonzero_in_precision(S, args_loc(A, "epsilon"),
                                         arena_printf(S->a, "epsilon %s",
                                                      diag_num(n->epsilon).s),
                                         n->epsilon, NULL);
    case OP_ACTIVATION:
        if (act >= 0) {
            const Expr *alpha = args_get(A, "alpha");
            n->act.kind = (ActKind)act;
            n->act.alpha = act == ACT_LEAKY_RELU ? 0.3 : act == ACT_ELU ? 1.0 : 0.0;
            return opt_num(S, sc, A, "alpha", &n->act.alpha) &&
                   (!alpha || sema_check_alpha(S, alpha, n->act.kind, n->act.alpha));
        }
        return require(S, A, "activation", "activation(relu)") &&
               sema_activation(S, sc, args_get(A, "activation"), "activation", -1, &n->act);
    case OP_CONCAT: {
        int64_t axis = -1;
        const Expr *e = args_get(A, "axis");
        /* checked against the inputs' rank later; kept an int */
        if (e && !sema_int(S, sc, e, "axis", -SHAPE_MAX_RANK, SHAPE_MAX_RANK, &axis))
            return false;
        n->axis = (int)axis;
        return true;
    }
    case OP_GLU: {
        /* glu() without units has no weights: an option of theirs would be silently
         * ignored, so the first one written is an error */
        static const char *const weight_opts[] = {"use_bias", "kernel_initializer",
                                                  "bias_initializer", "l2"};
        const char *first = NULL;
        SrcLoc at = {0};
        for (int i = 0; i < 4 && !args_get(A, "units"); i++) {
            if (!args_get(A, weight_opts[i]))
                continue;
            SrcLoc l = args_loc(A, weight_opts[i]);
            if (!first || l.line < at.line || (l.line == at.line && l.col < at.col))
                first = weight_opts[i], at = l;
        }
        if (first) {
            diag_error(S->d, at, "glu() without units has no weights, so %s has no effect",
                       first);
            diag_hint(S->d, at, "give units for a gated dense layer, e.g. glu(64), or drop "
                      "%s", first);
        }
        return !first & opt_int(S, sc, A, "units", 1, &n->units) &
               common_param_opts(S, sc, A, n);
    }
    case OP_SIMPLE_RNN: case OP_LSTM: case OP_GRU:
        return rnn_opts_read(S, sc, A, n);
    case OP_EMBEDDING: {
        bool ok = require(S, A, "vocab", "embedding(10000, 64)") &&
                  opt_int(S, sc, A, "vocab", 1, &n->vocab);
        ok &= require(S, A, "dim", "embedding(10000, 64)") &&
              opt_int(S, sc, A, "dim", 1, &n->units);
        n->kernel_init = graph_initializer(NNRT_INIT_UNIFORM);
        return ok & common_param_opts(S, sc, A, n);
    }
    default:
        return true;
    }
}

/* ---- statements ---- */

static Node *expand_block(Builder *B, Body *outer, const Decl *blk, const Stmt *st, Node *input);
static bool block_args(Builder *B, const Decl *blk, const Stmt *st, Args *A);
static void build_body(Builder *B, Body *body, const Stmt *stmts);

/* Resolves one input name to a tensor. *broken is set when the tensor exists but its
 * layer failed (silently skipped). */
static Node *tensor_named(Builder *B, Body *body, const Expr *e, bool *broken) {
    Sema *S = B->S;
    Binding *b = scope_find(body->scope, e->str);
    if (b && (b->node || b->broken)) {
        *broken |= b->broken;
        return b->node;
    }
    diag_error(S->d, e->loc, "unknown tensor '%s'", e->str);
    const char *names[128];
    int n = 0;
    for (Scope *s = body->scope; s; s = s->parent)
        for (Binding *t = s->head; t && n < 127; t = t->next)
            if (t->node || t->broken)
                names[n++] = t->name;
    names[n] = NULL;
    const char *near = diag_suggest(e->str, names);
    bool param = false;
    if (b && body->block)
        for (const Param *p = body->block->decl->params; p; p = p->next)
            param |= strcmp(p->name, e->str) == 0 && scope_find_local(body->scope, e->str) == b;
    if (param) /* block join(other) { add(in, other) } */
        diag_hint(S->d, e->loc, "'%s' is a parameter of block '%s': parameters are values, and "
                  "a block reads one tensor, `in`; merge the tensors before the block, or "
                  "compute '%s' inside it", e->str, body->block->decl->name, e->str);
    else if (near)
        diag_hint(S->d, e->loc, "did you mean '%s'?", near);
    else if (b)
        diag_hint(S->d, e->loc, "'%s' is a constant, not a tensor", e->str);
    else if (strcmp(e->str, "None") == 0) /* not `None = layer(…)` */
        diag_hint(S->d, e->loc, "Keras' None is no tensor: name the one the layer reads");
    else
        diag_hint(S->d, e->loc, "name a tensor with `%s = layer(…)` before using it", e->str);
    *broken = true;
    return NULL;
}

/* One input of add or multiply, given by position, which those take nothing else by: a
 * tensor's name, else an error (add(x, 3), add("x", y), add(x, -x) were "too many
 * positional arguments for add (it takes 0)", then "needs at least two input tensors"). */
static Node *merge_input(Builder *B, Body *body, const Expr *call, const Expr *e,
                         bool *broken) {
    Sema *S = B->S;
    if (e->kind == EX_NAME)
        return tensor_named(B, body, e, broken);
    diag_error(S->d, e->loc, "%s's inputs are tensors, given by name: %s is not one", call->str,
               expr_text(S, e));
    const Binding *b = e->kind == EX_STR ? scope_find(body->scope, e->str) : NULL;
    if (b && (b->node || b->broken))
        diag_hint(S->d, e->loc, "a tensor is named without quotes: %s", e->str);
    else if (e->kind == EX_LIST)
        diag_hint(S->d, e->loc, "give the inputs as names, %s(a, b), or as one list of them, "
                  "%s([a, b])", call->str, call->str);
    *broken = true;
    return NULL;
}

/* concat(a, b, 1): after inputs given by name, a number by position is the axis put where
 * the inputs go (Python's concat(*tensors, axis=-1) would read it as one more tensor); it
 * was "too many positional arguments for concat (it takes 0)". Says how to write it, at e,
 * when e is a number (or a constant that is one) and no axis= is given; false, saying
 * nothing, otherwise. */
static bool axis_among_inputs(Builder *B, Body *body, const Expr *call, const Expr *e) {
    Scope *sc = body->scope;
    const Expr *r = sema_resolve(B->S, &sc, e);
    if (r->kind != EX_NUM && r->kind != EX_NEG && r->kind != EX_BINARY)
        return false;
    for (const Arg *arg = call->args; arg; arg = arg->next)
        if (arg->key && strcmp(arg->key, "axis") == 0)
            return false; /* concat(a, b, 1, axis=1): the 1 is no axis, merge_input says */
    const char *axis = expr_text(B->S, e);
    diag_error(B->S->d, e->loc, "%s's axis after its inputs must be named: write axis=%s",
               call->str, axis);
    diag_hint(B->S->d, e->loc, "%s(a, b, axis=%s), or Keras' form with the inputs in one "
              "list: %s([a, b], %s)", call->str, axis, call->str, axis);
    return true;
}

/* concat(1, x, y): the axis first, then the inputs (tf.concat(values, axis) the other way
 * round, or torch.cat's dim read as coming first); it was "too many positional arguments"
 * at each input, then "needs at least two input tensors, got 0". Says how to write it, at
 * the axis, when the first argument is a number (or a constant that is one), a tensor's
 * name follows, and no axis= is given; false, saying nothing, otherwise. */
static bool axis_before_inputs(Builder *B, Body *body, const Expr *call) {
    const Arg *first = call->args;
    if (!first || first->key || !first->next || first->next->key)
        return false;
    Scope *sc = body->scope;
    const Expr *r = sema_resolve(B->S, &sc, first->value);
    if (r->kind != EX_NUM && r->kind != EX_NEG && r->kind != EX_BINARY)
        return false;
    const Binding *b = first->next->value->kind == EX_NAME
                           ? scope_find(body->scope, first->next->value->str) : NULL;
    if (!b || !(b->node || b->broken))
        return false;
    for (const Arg *arg = first; arg; arg = arg->next)
        if (arg->key && strcmp(arg->key, "axis") == 0)
            return false;
    char inputs[256] = "";
    size_t used = 0;
    for (const Arg *arg = first->next; arg && !arg->key && used < sizeof inputs;
         arg = arg->next) {
        int w = snprintf(inputs + used, sizeof inputs - used, "%s%s",
                         arg == first->next ? "" : ", ", expr_text(B->S, arg->value));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    const char *axis = expr_text(B->S, first->value);
    diag_error(B->S->d, first->value->loc, "%s's axis goes after its inputs, named: write "
               "%s(%s, axis=%s)", call->str, call->str, inputs, axis);
    diag_hint(B->S->d, first->value->loc, "or Keras' form with the inputs in one list: "
              "%s([%s], %s)", call->str, inputs, axis);
    return true;
}

/* Is e, after concat's list of inputs where its axis goes, more inputs: a list
 * (concat([a, b], [c])) or a tensor's name (concat([a, b], c))? */
static bool more_inputs(Body *body, const Expr *e) {
    const Binding *b = e->kind == EX_NAME ? scope_find(body->scope, e->str) : NULL;
    return e->kind == EX_LIST || (b && (b->node || b->broken));
}

/* Gathers a layer's inputs: explicit `(a, b)`, or for merge layers positional names (or
 * one list of them, Keras' `add([a, b])`), or else the previous statement's tensor.
 * add and multiply take nothing else by position (`all_inputs`), so each of their
 * positional arguments is an input, and one that is not a tensor's name is an error here;
 * concat's after its inputs is its axis (concatenate([a, b], 1)). *skip_positional counts
 * the positional arguments read here. Returns the count, or -1 if any is missing. */
static int gather_inputs(Builder *B, Body *body, const Stmt *st, bool merge, bool all_inputs,
                         Node **in, int max, int *skip_positional) {
    bool broken = false;
    int n = 0;
    *skip_positional = 0;
    const Expr *list = st->has_inputs ? st->inputs : NULL, *call = st->call;
    const Arg *first = call->args;
    if (!st->has_inputs && merge && first && !first->key && first->value->kind == EX_LIST) {
        /* Keras' functional form, concatenate([a, b]): the list is the inputs, and an item
         * that is no tensor's name is said by merge_input (concat([x, 3]) was "axis must be
         * a number, found [x, 3]", then "needs at least two input tensors") */
        for (const Expr *e = first->value->items; e; e = e->next) {
            Node *t = merge_input(B, body, call, e, &broken);
            if (n < max)
                in[n] = t;
            n++;
        }
        (*skip_positional)++;
        for (const Arg *arg = first->next; arg && !arg->key; arg = arg->next) {
            if (!all_inputs && (arg != first->next || !more_inputs(body, arg->value)))
                break; /* concat's axis, bound with its options (or too many of them) */
            diag_error(B->S->d, arg->loc, "%s takes its inputs in one list, and %s: found %s",
                       call->str, all_inputs ? "nothing after it by position"
                                             : "its optional axis after it as a number",
                       expr_text(B->S, arg->value));
            diag_hint(B->S->d, arg->loc, "put every input in the list: %s([a, b, c])%s%s%s",
                      call->str, all_inputs ? "" : ", or ", all_inputs ? "" : call->str,
                      all_inputs ? "" : "([a, b, c], 1) for axis 1");
            broken = true;
            (*skip_positional)++;
        }
    } else if (!st->has_inputs && merge) {
        /* add(a, b): leading positional names are the inputs, and so is every positional
         * argument after the first name. One that is no tensor's name (a list, which mixes
         * the two forms, concat(a, b, [c])) is said by merge_input, as for add; concat's
         * axis there, once, by axis_among_inputs. */
        bool axis_said = false;
        const Arg *arg = call->args;
        if (!all_inputs && axis_before_inputs(B, body, call)) {
            axis_said = broken = true;
            (*skip_positional)++;
            arg = arg->next;
        }
        for (; arg && !arg->key; arg = arg->next) {
            if (!all_inputs && n == 0 && arg->value->kind != EX_NAME)
                break; /* concat(1): its axis, bound with its options */
            if (!all_inputs && !axis_said && axis_among_inputs(B, body, call, arg->value)) {
                axis_said = broken = true;
                (*skip_positional)++;
                continue;
            }
            Node *t = merge_input(B, body, call, arg->value, &broken);
            if (n < max)
                in[n] = t;
            n++;
            (*skip_positional)++;
        }
    } else if (st->has_inputs) {
        for (const Expr *e = list; e; e = e->next) {
            if (n < max)
                in[n] = tensor_named(B, body, e, &broken);
            n++;
        }
    } else {
        if (!body->prev || body->prev_broken)
            broken = true;
        in[n++] = body->prev;
    }
    if (n > max && merge) { /* another layer is told it takes one (too_many_inputs) */
        diag_error(B->S->d, call->name_loc, "too many inputs for %s: %d (limit is %d)",
                   call->str, n, max);
        diag_hint(B->S->d, call->name_loc, "join them in steps: %s of up to %d, then "
                  "that with the rest", call->str, max);
        return -1;
    }
    return broken ? -1 : n;
}

static void bind_result(Builder *B, Body *body, const Stmt *st, Node *n, bool broken) {
    body->prev = n;
    body->prev_broken = broken || !n;
    if (!st->bind)
        return;
    Binding *old = scope_find_local(body->scope, st->bind);
    if (old && old->value) {
        diag_error(B->S->d, st->bind_loc, "'%s' is already a constant", st->bind);
        diag_note(B->S->d, old->loc, "declared here");
        return;
    }
    Binding *b = old ? old : scope_add(B->S, body->scope, st->bind, st->bind_loc);
    b->node = n;
    b->broken = broken || !n;
}

/* A layer or block of one input given several: `dense(3)(x, h)`. Names them and suggests
 * joining them first. */
static void too_many_inputs(Sema *S, const Stmt *st, const char *what, const char *name,
                            int nin) {
    char list[512] = "";
    size_t used = 0;
    for (const Expr *e = st->inputs; e && used < sizeof list; e = e->next) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", e == st->inputs ? "" : ", ",
                         e->kind == EX_NAME ? e->str : "…");
        if (w < 0)
            break;
        used += (size_t)w;
    }
    diag_error(S->d, st->call->name_loc, "%s '%s' takes one input tensor, got %d (%s)", what,
               name, nin, list);
    diag_hint(S->d, st->call->name_loc, "to use them all, join them first: concat(%s) (or "
              "add, multiply), then %s", list, name);
}

/* Whether one more layer fits in MAX_LAYERS; said once, at the statement that crosses it
 * (with the chain of block uses that led there, and a hint about them when it is in one:
 * a model of 100,001 statements uses no block). */
static bool room_for_layer(Builder *B, const Stmt *st, bool in_block) {
    if (B->over_limit)
        return false;
    if (B->S->g->nnodes < MAX_LAYERS)
        return true;
    B->over_limit = true;
    diag_error(B->S->d, st->loc, "the model has too many layers (limit is %d)", MAX_LAYERS);
    if (in_block)
        diag_hint(B->S->d, st->loc, "every use of a block makes its own layers, so blocks that "
                  "use blocks several times multiply them");
    return false;
}

/* `dense(3)()`: the second parentheses are written but name no tensor. */
static void no_inputs(Sema *S, const Stmt *st, const char *what, const char *name) {
    diag_error(S->d, st->call->name_loc, "%s '%s' takes one input tensor, got none in its "
               "second parentheses", what, name);
    diag_hint(S->d, st->call->name_loc, "drop the empty () to read the previous statement's "
              "tensor, or name one: %s(…)(x)", name);
}

/* Softmax(axis) and BatchNormalization(axis): nnlc's normalize an example's last axis,
 * which Keras numbers -1 or, the batch being axis 0, by the input's rank (Keras'
 * applications write BatchNormalization(axis=3) for images); in is NULL when it has no
 * shape. */
static bool last_axis_only(Sema *S, Scope *sc, Args *A, const Node *in, const char *layer) {
    const Expr *e = args_get(A, "axis");
    int64_t axis;
    if (!e)
        return true;
    if (!sema_int(S, sc, e, "axis", -SHAPE_MAX_RANK, INT_MAX, &axis))
        return false;
    if (!in || axis == -1 || axis == in->out.rank)
        return true;
    char shape[96];
    diag_error(S->d, e->loc, "%s normalizes the last axis only, -1 (or %d for %s from '%s'), "
               "not axis %lld", layer, in->out.rank, shape_str(in->out, shape, sizeof shape),
               in->name, (long long)axis);
    return false;
}

/* PyTorch's Conv2d(in_channels, out_channels, kernel_size), spelled as PyTorch spells it
 * (Keras' is Conv2D): by position nnlc reads Keras' (filters, kernel_size, strides), so
 * Conv2d(1, 32, 3) was 1 filter of a 32-wide kernel at strides 3, without a word when the
 * input was large enough. Three positional arguments, or two and kernel_size=, whose
 * first is the input's channel count (`in`'s last axis) are refused with what to write;
 * Conv2d(32, 3) or Conv2d(32, 3, 2) on one channel, Keras' order in PyTorch's spelling,
 * are not. */
static bool torch_conv(Sema *S, Scope *sc, const Expr *call, const Node *in) {
    if ((strcmp(call->str, "Conv2d") != 0 && strcmp(call->str, "Conv1d") != 0) || !in ||
        in->out.rank < 1)
        return false;
    const Expr *pos[3] = {NULL, NULL, NULL}, *kernel = NULL;
    int npos = 0;
    for (const Arg *a = call->args; a; a = a->next) {
        if (!a->key && npos < 3)
            pos[npos] = a->value;
        if (!a->key)
            npos++;
        else if (strcmp(a->key, "kernel_size") == 0 || strcmp(a->key, "kernel") == 0)
            kernel = a->value;
    }
    if (npos < 2 || (npos == 2 && !kernel) || (npos >= 3 && kernel))
        return false;
    if (npos >= 3)
        kernel = pos[2];
    const Expr *channels = sema_resolve(S, &sc, pos[0]);
    if (channels->kind != EX_NUM || channels->num != (double)in->out.d[in->out.rank - 1])
        return false;
    char in_text[64], out[64];
    snprintf(in_text, sizeof in_text, "%s", expr_text(S, pos[0]));
    snprintf(out, sizeof out, "%s", expr_text(S, pos[1]));
    diag_error(S->d, call->name_loc, "%s(%s, %s, …) is PyTorch's %s(in_channels, "
               "out_channels, kernel_size), but nnlc reads arguments by position in Keras' "
               "order, Conv%cD(filters, kernel_size, strides)", call->str, in_text, out,
               call->str, call->str[4]);
    diag_hint(S->d, call->name_loc, "write %s(%s, kernel=%s): the input's channels (%s) come "
              "from the layer before; in Keras' order, write Conv%cD, or name the options",
              call->str, out, expr_text(S, kernel), in_text, call->str[4]);
    return true;
}

/* PyTorch's sizes by position, Linear(784, 256) written Dense(784, 256), or
 * nn.LSTM(input_size, hidden_size) as LSTM(28, 64): Keras' second argument is the
 * activation, and "expected an activation such as relu, found 256" said nothing of the
 * sizes. `pos` is the layer's Keras order. */
static bool torch_sizes(Sema *S, Scope *sc, const Expr *call, const char *const *pos) {
    if (!pos[0] || !pos[1] || strcmp(pos[0], "units") != 0 || strcmp(pos[1], "activation") != 0)
        return false;
    const Arg *first = call->args, *second = first ? first->next : NULL;
    if (!second || first->key || second->key)
        return false;
    Scope *s1 = sc, *s2 = sc;
    if (sema_resolve(S, &s1, first->value)->kind != EX_NUM ||
        sema_resolve(S, &s2, second->value)->kind != EX_NUM)
        return false;
    char in[64];
    snprintf(in, sizeof in, "%s", expr_text(S, first->value));
    const LayerName *ln = sema_find_layer(call->str);
    bool dense = ln && ln->op == OP_DENSE;
    diag_error(S->d, second->loc, "%s's second argument is the activation, as in Keras, not a "
               "size", call->str);
    diag_hint(S->d, second->loc, "PyTorch's %s(%s) is %s(%s) here: the input's size (%s) "
              "comes from the layer before", dense ? "Linear" : call->str,
              dense ? "in_features, out_features" : "input_size, hidden_size", call->str,
              expr_text(S, second->value), in);
    return true;
}

static void layer_stmt(Builder *B, Body *body, const Stmt *st) {
    Sema *S = B->S;
    const Expr *call = st->call;
    const LayerName *ln = sema_find_layer(call->str);
    const Decl *blk = ln ? NULL : find_block(B, call->str);
    if (!ln && !blk) {
        unknown_layer(B, call);
        bind_result(B, body, st, NULL, true);
        return;
    }
    bool merge = ln && (ln->op == OP_ADD || ln->op == OP_CONCAT || ln->op == OP_MULTIPLY);
    Node *in[16];
    int skip = 0;
    int nin = gather_inputs(B, body, st, merge, merge && ln->op != OP_CONCAT, in, 16, &skip);
    if (!merge && nin == 0) { /* dense(3)(): an empty second list names no input */
        no_inputs(S, st, blk ? "block" : "layer", blk ? blk->name : call->str);
        nin = -1; /* a layer's options are still checked, as for a broken input */
    }
    if (blk) {
        Node *out = NULL;
        Args A;
        if (nin == 1)
            out = expand_block(B, body, blk, st, in[0]);
        else if (nin > 1)
            too_many_inputs(S, st, "block", blk->name, nin);
        else /* no input: its arguments are still checked, as a layer's options are */
            block_args(B, blk, st, &A);
        bind_result(B, body, st, out, out == NULL);
        return;
    }
    if (!merge && nin > 1) { /* dense(3)(x, h) would read x and drop h */
        too_many_inputs(S, st, "layer", call->str, nin);
        bind_result(B, body, st, NULL, true);
        return;
    }
    if ((ln->op == OP_CONV2D || ln->op == OP_CONV1D) &&
        torch_conv(S, body->scope, call, nin == 1 ? in[0] : NULL)) {
        bind_result(B, body, st, NULL, true);
        return;
    }
    /* Options are checked even when the input is broken, on a node outside the graph. */
    Node scratch = {0};
    scratch.op = ln->op;
    scratch.use_bias = true;
    scratch.kernel_init = graph_initializer(NNRT_INIT_GLOROT_UNIFORM);
    scratch.bias_init = graph_initializer(NNRT_INIT_ZEROS);
    scratch.rec_init = graph_initializer(NNRT_INIT_ORTHOGONAL);
    scratch.l2 = -1;
    const char *const *pos;
    const char *const *opts = sema_layer_options(ln->op, ln->act, &pos);
    static const char *const none[] = {NULL};
    if (skip > 0 && call->args->value->kind == EX_NAME)
        pos = none; /* concat(a, b, axis=1): after the inputs, as after Python's *args */
    if (skip == 0 && torch_sizes(S, body->scope, call, pos)) {
        bind_result(B, body, st, NULL, true);
        return;
    }
    Args A;
    S->tensors = body->scope;
    S->bound_to = st->bind;
    bool ok = args_bind_keras(S, &A, call, opts, pos, skip);
    S->tensors = NULL;
    S->bound_to = NULL;
    ok = layer_options(S, body->scope, &A, &scratch, ln->act) && ok;
    if (ln->act == ACT_SOFTMAX || ln->op == OP_BATCHNORM)
        ok = last_axis_only(S, body->scope, &A, nin == 1 ? in[0] : NULL, call->str) && ok;
    if (merge && nin >= 0 && nin < 2) {
        diag_error(S->d, call->name_loc, "%s needs at least two input tensors, got %d",
                   call->str, nin);
        diag_hint(S->d, call->name_loc, "name them: %s(a, b)", call->str);
        ok = false;
    }
    if (!ok || nin < 0 || !room_for_layer(B, st, body->block != NULL)) {
        bind_result(B, body, st, NULL, true);
        return;
    }
    Node *n = graph_add_node(S->a, S->g, ln->op, call->name_loc, in, nin);
    int id = n->id;
    Node **inputs = n->in;
    *n = scratch;
    n->id = id;
    n->in = inputs;
    n->nin = nin;
    n->loc = st->loc;
    n->block = body->block ? body->block->instance : NULL;
    for (const BlockUse *u = body->block; u; u = u->outer)
        n->block_line = u->line; /* the outermost use: a line of the model */
    bool top = !body->block;
    int kind = ln->op;
    for (int i = 0; i < N_ACT_LAYER_CLASSES; i++)
        if (ln->act >= 0 && (ActKind)ln->act == act_layer_classes[i].act) {
            kind = OP_COUNT + i;
            n->keras_class = act_layer_classes[i].keras_class;
        }
    n->name = st->bind && top && !name_taken(B, st->bind) ? st->bind : auto_name(B, kind);
    n->bound_as = st->bind;
    name_add(B, n->name);
    bool inferred = graph_infer_node(S->g, S->a, S->d, n);
    bind_result(B, body, st, inferred ? n : NULL, !inferred);
}

/* The model's input node, of `shape` (sizes already checked to be at least 1), named `bind`
 * or input_layer; NULL, with the error at `at`, when it is too large. */
static Node *input_node(Builder *B, Shape shape, SrcLoc loc, const char *bind, SrcLoc at) {
    Sema *S = B->S;
    Node *n = graph_add_node(S->a, S->g, OP_INPUT, loc, NULL, 0);
    n->out = shape;
    n->name = bind ? bind : auto_name(B, OP_INPUT);
    name_add(B, n->name);
    if (shape_size(shape) < 0 || shape_size(shape) > ((int64_t)1 << 40)) {
        diag_error(S->d, at, "the input is too large: its shape product overflows (limit is 2^40)");
        return NULL;
    }
    return n;
}

/* The sizes of `list` (an EX_LIST in scope sc) as one example's shape: 1 to
 * SHAPE_MAX_RANK - 1 axes (the batch is the other one), each at least 1. `example` is how
 * the statement or option writes a shape, for the hint of an empty one. */
static bool input_shape_of(Sema *S, Scope *sc, const Expr *list, const char *example,
                           Shape *shape) {
    bool ok = true;
    int axes = 0;
    for (const Expr *it = list->items; it; it = it->next)
        axes++;
    if (axes > SHAPE_MAX_RANK - 1) {
        diag_error(S->d, list->loc, "an input has at most %d axes, got %d",
                   SHAPE_MAX_RANK - 1, axes);
        ok = false;
    } else {
        for (const Expr *it = list->items; it; it = it->next) {
            if (it->kind == EX_NAME && strcmp(it->str, "None") == 0 && !scope_find(sc, "None")) {
                /* Keras' input_shape=(None, 8): sequences of any length */
                diag_error(S->d, it->loc, "an input size must be a number: the shapes are "
                           "fixed when the model is compiled, so Keras' None (any size) is "
                           "not available");
                diag_hint(S->d, it->loc, "give the size every example has (cut or pad "
                          "sequences to one length)");
                ok = false;
                shape->rank++;
                continue;
            }
            ok &= sema_int(S, sc, it, "an input size", 1, SEMA_SIZE_MAX,
                           &shape->d[shape->rank++]);
        }
    }
    if (axes == 0) {
        diag_error(S->d, list->loc, "the input shape is empty");
        diag_hint(S->d, list->loc, "give the size of one example, e.g. %s", example);
        ok = false;
    }
    return ok;
}

static void input_stmt(Builder *B, Body *body, const Stmt *st, bool first) {
    Sema *S = B->S;
    if (body->block) {
        diag_error(S->d, st->loc, "a block cannot declare an input");
        diag_hint(S->d, st->loc, "inside a block, `in` is the tensor the block is applied to");
        return;
    }
    if (S->g->input) {
        diag_error(S->d, st->loc, "the model already has an input");
        diag_note(S->d, S->g->input->loc, "first input declared here");
        return;
    }
    if (!first)
        diag_warning(S->d, st->loc, "the input should be the first statement of the model");
    Shape shape = {0};
    Node *n = NULL;
    if (input_shape_of(S, body->scope, st->shape, "input [784] or input [28, 28, 1]", &shape))
        n = input_node(B, shape, st->loc, st->bind, st->shape->loc);
    bind_result(B, body, st, n, n == NULL);
}

/* The input that Keras' option `opt` gives (input_shape=(28, 28, 1), input_dim=784,
 * input_length=100, batch_input_shape=(None, 28, 28, 1)), or NULL with errors reported. */
static Node *input_from_option(Builder *B, Body *body, const Arg *opt) {
    Sema *S = B->S;
    Shape shape = {0};
    const Expr *v = opt->value;
    bool batch = strcmp(opt->key, "batch_input_shape") == 0;
    if (!batch && strcmp(opt->key, "input_shape") != 0) { /* one axis: input_dim, input_length */
        shape.rank = 1;
        if (!sema_int(S, body->scope, v, opt->key, 1, SEMA_SIZE_MAX, &shape.d[0]))
            return NULL;
        return input_node(B, shape, opt->loc, NULL, v->loc);
    }
    Scope *rs = body->scope;
    const Expr *r = sema_resolve(S, &rs, v);
    if (r->kind != EX_LIST) {
        diag_error(S->d, v->loc, "%s needs the shape of one example%s, a tuple or list "
                   "of sizes, got %s", opt->key, batch ? " after the batch size" : "",
                   expr_text(S, v));
        const char *num = expr_text(S, r);
        /* input_shape=(784): the parentheses only group, in Python too. Only a size that
         * could be one gets this hint: (-5,) and (0.1,) would be refused in turn. */
        if (batch)
            diag_hint(S->d, v->loc, "for example batch_input_shape=(None, 784)");
        else if (r->kind == EX_NUM && r->num >= 1 && r->num == floor(r->num))
            diag_hint(S->d, v->loc, "a shape of one axis is (%s,), with the comma, or [%s]",
                      num, num);
        else
            diag_hint(S->d, v->loc, "for example input_shape=(784,) or input_shape=(28, 28, 1)");
        return NULL;
    }
    if (batch) {
        /* (None, 784) or (32, 784): the batch size is the train block's (--batch), the
         * example's shape the rest */
        const Expr *first = r->items;
        bool size = first && first->kind == EX_NUM && first->num >= 1 &&
                    first->num == floor(first->num);
        bool none = first && first->kind == EX_NAME && strcmp(first->str, "None") == 0;
        if (!first || !first->next || (!size && !none)) {
            diag_error(S->d, v->loc, "batch_input_shape gives the batch size (or None) and then "
                       "the shape of one example, got %s", expr_text(S, v));
            diag_hint(S->d, v->loc, "for example batch_input_shape=(None, 784), or "
                      "input_shape=(784,) without the batch");
            return NULL;
        }
        Expr *example = ARENA_NEW(S->a, Expr);
        *example = *r;
        example->items = first->next;
        example->loc = first->next->loc;
        r = example;
    }
    if (!input_shape_of(S, rs, r, "input_shape=(784,) or input_shape=(28, 28, 1)", &shape))
        return NULL;
    return input_node(B, shape, opt->loc, NULL, v->loc);
}

/* The input that Keras 2's input_dim= and input_length= of a recurrent layer give
 * together, input_shape=(input_length, input_dim) (its RNN base class' legacy options),
 * or NULL with errors reported: either alone leaves an axis of any size, which nnlc's
 * fixed shapes do not have (Keras' input_dim=F alone reads sequences of any length). */
static Node *recurrent_input(Builder *B, Body *body, const Expr *call, const Arg *dim,
                             const Arg *len) {
    Sema *S = B->S;
    int64_t d = 0, t = 0;
    if (dim && !sema_int(S, body->scope, dim->value, dim->key, 1, SEMA_SIZE_MAX, &d))
        return NULL;
    if (len && !sema_int(S, body->scope, len->value, len->key, 1, SEMA_SIZE_MAX, &t))
        return NULL;
    if (!len) {
        diag_error(S->d, dim->key_loc, "input_dim= on %s gives the features of each step "
                   "(Keras 2 reads sequences of any length), but nnlc's sequences have one "
                   "length", call->str);
        diag_hint(S->d, dim->key_loc, "give the steps too: input_length=T, or input_shape=(T, "
                  "%" PRId64 ") in place of input_dim=", d);
        return NULL;
    }
    if (!dim) {
        diag_error(S->d, len->key_loc, "input_length= on %s gives the steps of a sequence, but "
                   "not the features of each step", call->str);
        diag_hint(S->d, len->key_loc, "give them too: input_dim=F, or input_shape=(%" PRId64
                  ", F) in place of input_length=", t);
        return NULL;
    }
    const Arg *first = dim->loc.line < len->loc.line ||
                               (dim->loc.line == len->loc.line && dim->loc.col < len->loc.col)
                           ? dim : len;
    return input_node(B, (Shape){2, {t, d}}, first->loc, NULL, first->value->loc);
}

/* A copy of the layer statement `st` without the options `drop` says to leave out (the
 * AST stays as parsed). */
typedef bool DropArg(const Arg *a, const void *what);

static const Stmt *stmt_without(Sema *S, const Stmt *st, DropArg *drop, const void *what) {
    Arg *kept = NULL, **tail = &kept;
    for (const Arg *a = st->call->args; a; a = a->next) {
        if (drop(a, what))
            continue;
        Arg *copy = ARENA_NEW(S->a, Arg);
        *copy = *a;
        copy->next = NULL;
        *tail = copy;
        tail = &copy->next;
    }
    Expr *call = ARENA_NEW(S->a, Expr);
    *call = *st->call;
    call->args = kept;
    Stmt *copy = ARENA_NEW(S->a, Stmt);
    *copy = *st;
    copy->call = call;
    return copy;
}

typedef struct InputCall {
    Builder *B;
    const Expr *call;
} InputCall;

static bool drop_input_options(const Arg *a, const void *what) {
    const InputCall *ic = what;
    return a->key && is_input_option(ic->B, ic->call, a->key);
}

static bool drop_this(const Arg *a, const void *arg) { return a == arg; }

/* A layer statement with Keras' input_shape= (or input_dim=, input_length=; `opt` is the
 * first of them). On the first layer of a model without an input statement it gives the
 * model's input, which the layer then reads, as in a Keras Sequential model; anywhere else
 * it is an error (Keras ignores it past the first layer: here it would mislead, and an
 * input statement is the one place that gives the input). Returns the statement without
 * those options, for layer_stmt. `first_layer` is the body's first layer statement before
 * this one, or NULL. */
static const Stmt *keras_input(Builder *B, Body *body, const Stmt *st, const Arg *opt,
                               const Stmt *first_layer) {
    Sema *S = B->S;
    const Arg *again = NULL;
    for (const Arg *a = st->call->args; a && !again; a = a->next)
        if (a != opt && a->key && is_input_option(B, st->call, a->key))
            again = a;
    const Stmt *layer = stmt_without(S, st, drop_input_options, &(InputCall){B, st->call});
    if (body->block) {
        diag_error(S->d, opt->key_loc, "a block cannot declare an input");
        diag_hint(S->d, opt->key_loc, "inside a block, `in` is the tensor the block is applied "
                  "to; %s= belongs on the model's first layer", opt->key);
        return layer;
    }
    if (S->g->input) {
        diag_error(S->d, opt->key_loc, "the model already has an input");
        diag_note(S->d, S->g->input->loc, "first input declared here");
        diag_hint(S->d, opt->key_loc, "%s= gives the input only on the first layer of a "
                  "model without an input statement; remove it here", opt->key);
        return layer;
    }
    if (first_layer) {
        diag_error(S->d, opt->key_loc, "%s= gives the model's input: it belongs on the "
                   "model's first layer", opt->key);
        diag_note(S->d, first_layer->call->name_loc, "the first layer is here");
        return layer;
    }
    /* a recurrent layer's input_dim= and input_length= are one input, (steps, features) */
    const LayerName *ln = sema_find_layer(st->call->str);
    const Arg *dim = NULL, *len = NULL, *shape = NULL;
    for (const Arg *a = st->call->args; a; a = a->next)
        if (a->key && is_input_option(B, st->call, a->key)) {
            const Arg **slot = strcmp(a->key, "input_dim") == 0      ? &dim
                               : strcmp(a->key, "input_length") == 0 ? &len
                                                                     : &shape;
            if (!*slot)
                *slot = a;
        }
    bool pair = ln && op_is_recurrent(ln->op) && !shape;
    Node *in = NULL;
    if (again && !pair) {
        diag_error(S->d, again->key_loc, "the input is given twice, by %s= and %s=", opt->key,
                   again->key);
        diag_hint(S->d, again->key_loc, "keep one of them");
    } else if (pair) {
        in = recurrent_input(B, body, st->call, dim, len);
    } else {
        in = input_from_option(B, body, opt);
    }
    body->prev = in;
    body->prev_broken = in == NULL;
    return layer;
}

/* The first option of a call named like an input option, whether the callee takes it as one
 * or not (input_length on a dense, a block's own parameter input_dim), or NULL. */
static const Arg *mentioned_input_option(const Expr *call) {
    for (const Arg *a = call->args; a; a = a->next)
        if (a->key && input_option_name(a->key))
            return a;
    return NULL;
}

/* The first layer statement `st` of a model without an input statement gives no input
 * option (input_option found none). Said at the statement, with the spelling it would
 * take; returns the statement for layer_stmt, which reports its other errors.
 *   Dens(64, input_shape=…)    an unknown layer, explained as such only
 *   blk(4, input_length=10)    input_length is only an embedding's: one error, at the
 *                              option, with input_shape=(10,) in the hint (the option is
 *                              then dropped, not reported again as unknown)
 *   blk(4, input_dim=10)       a parameter of the block: no input; the hint says so
 *   embedding(input_dim=100…)  the vocabulary: no input; the hint gives input_length= */
static const Stmt *no_input_before(Builder *B, const Stmt *st) {
    Sema *S = B->S;
    const Expr *call = st->call;
    const LayerName *ln = sema_find_layer(call->str);
    const Decl *blk = ln ? NULL : find_block(B, call->str);
    const Arg *named = mentioned_input_option(call);
    /* an unknown layer given the input (Dens(64, input_shape=…)), or one of Keras' whose
     * error says what to write (Sequential([…]) holds the input in its list): explained as
     * such only; Dens(64) lacks the input too */
    char lower[64];
    if (!ln && !blk && (named || keras_only_layer_row(call->str, lower, sizeof lower) >= 0))
        return st;
    bool embedding = ln && ln->op == OP_EMBEDDING;
    bool param = named && blk && block_has_param(blk, named->key);
    bool vocab = named && embedding; /* input_dim: input_option took any other */
    /* what `input [...]` and the layer's option would be */
    const char *size = embedding ? "T" : "784", *example = embedding ? "T the length of one "
                                                                        "sequence"
                                                                      : "or the shape of one "
                                                                        "example";
    bool misplaced = named && !param && !vocab; /* input_length=10 on a dense or a block */
    const Expr *v = misplaced ? named->value : NULL;
    const char *n = v && v->kind == EX_NUM && v->is_int && v->num >= 1 ? expr_text(S, v) : "784";
    char take[128] = ""; /* the layer's own way to give the input, if it has one */
    if (embedding && !misplaced)
        snprintf(take, sizeof take, ", or Keras' input_length=T to this layer");
    else if (!(blk && block_has_param(blk, "input_shape")))
        snprintf(take, sizeof take, ", or Keras' input_shape=(%s,) to this %s", n,
                 blk ? "block" : "layer");
    if (misplaced) {
        diag_error(S->d, named->key_loc, "unknown option '%s' for %s", named->key, call->str);
        diag_hint(S->d, named->key_loc, "%s= gives the input only on an embedding (and with "
                  "input_dim= on a recurrent layer), and the model has none yet: add `input [%s]` as the model's first line%s", named->key, n,
                  take);
        return stmt_without(S, st, drop_this, named);
    }
    diag_error(S->d, st->loc, "the model has no input shape before its first layer");
    if (param)
        diag_hint(S->d, st->loc, "%s= is a parameter of block '%s', not the model's input: add "
                  "`input [%s]` (%s) as the model's first line%s", named->key, blk->name, size,
                  example, take);
    else if (vocab)
        diag_hint(S->d, st->loc, "an embedding's input_dim= is its vocabulary, not its input: "
                  "add `input [T]` (T the length of one sequence) as the model's first "
                  "line%s", take);
    else
        diag_hint(S->d, st->loc, "add `input [%s]` (%s) as the model's first line%s", size,
                  example, take);
    return st;
}

static void let_stmt(Builder *B, Scope *scope, const char *name, SrcLoc loc, const Expr *value) {
    Sema *S = B->S;
    const Binding *old = scope_find_local(scope, name);
    if (old) {
        diag_error(S->d, loc, "'%s' is already defined", name);
        diag_note(S->d, old->loc, "previous definition here");
        return;
    }
    Binding *b = scope_add(S, scope, name, loc);
    b->value = value;
    b->value_scope = scope;
}

static void build_body(Builder *B, Body *body, const Stmt *stmts) {
    bool first = true;
    const Stmt *first_layer = NULL; /* Keras' Input(…) is explained at the call, not counted */
    bool input_tried = false;       /* an input statement or Keras' Input(…), even a failed
                                       one: a layer after it is not told of a missing input */
    for (const Stmt *st = stmts; st; st = st->next) {
        switch (st->kind) {
        case ST_INPUT:
            input_stmt(B, body, st, first);
            input_tried = true;
            break;
        case ST_LAYER: {
            const Stmt *layer = st;
            const Arg *opt = input_option(B, st->call);
            bool keras_in = is_keras_input(st->call->str);
            /* the first layer, after any `let`s: `let n = 3  dense(n)` was only told at the
             * model's name that the model has no input */
            if (opt)
                layer = keras_input(B, body, st, opt, first_layer);
            else if (!body->block && !B->S->g->input && !first_layer && !input_tried &&
                     !keras_in)
                layer = no_input_before(B, st);
            input_tried |= keras_in;
            if (!first_layer && !keras_in)
                first_layer = st;
            layer_stmt(B, body, layer);
            break;
        }
        case ST_LET:
            let_stmt(B, body->scope, st->bind, st->bind_loc,
                     sema_slash_word(B->S, body->scope, st->value, st->slash_word, st->slash));
            break;
        }
        if (st->kind != ST_LET) /* `let n = 4  input [n]`: the input is still first */
            first = false;
    }
}

/* Binds the arguments of a use of block `blk` to its parameters (positional, then by name),
 * and checks that every parameter without a default gets a value. Reports and returns
 * false otherwise. */
static bool block_args(Builder *B, const Decl *blk, const Stmt *st, Args *A) {
    Sema *S = B->S;
    int np = 0;
    for (const Param *p = blk->params; p; p = p->next)
        np++;
    const char **pnames = ARENA_ARRAY(S->a, const char *, np + 1);
    np = 0;
    for (const Param *p = blk->params; p; p = p->next)
        pnames[np++] = p->name;
    pnames[np] = NULL;
    if (!args_bind(S, A, st->call, pnames, np, 0))
        return false;
    bool ok = true;
    int i = 0; /* parameter i is option i: found by its place, not its name (a block of
                  50,000 parameters took minutes) */
    for (const Param *p = blk->params; p; p = p->next, i++)
        if (!A->bound[i] && !p->deflt) {
            diag_error(S->d, st->call->name_loc, "block '%s' needs a value for '%s'", blk->name,
                       p->name);
            diag_note(S->d, p->loc, "parameter declared here");
            ok = false;
        }
    return ok;
}

/* Adds `more` to one of the counts of block expansion; past its limit, says so (the model
 * `does` too many times, limit in `units`) and stops the expansion. */
static bool within_block_limit(Builder *B, const Stmt *st, long *count, long more, int limit,
                               const char *does, const char *units, const char *hint) {
    if ((*count += more) <= limit)
        return true;
    B->over_limit = true;
    diag_error(B->S->d, st->loc, "the model %s too many times (limit is %d %s)", does, limit,
               units);
    diag_hint(B->S->d, st->loc, "%s", hint);
    return false;
}

/* Binds call arguments to block parameters (positional, then by name, then defaults) and
 * builds the block's statements in a fresh scope where `in` is the input tensor. */
static Node *expand_block(Builder *B, Body *outer, const Decl *blk, const Stmt *st, Node *input) {
    Sema *S = B->S;
    if (B->over_limit) /* said once; the rest of the expansion is skipped */
        return NULL;
    if (!within_block_limit(B, st, &B->block_uses, 1, MAX_BLOCK_USES, "uses blocks", "uses",
                            "blocks that use blocks several times multiply their uses"))
        return NULL;
    for (BlockUse *u = outer->block; u; u = u->outer)
        if (u->decl == blk) {
            diag_error(S->d, st->call->name_loc, "block '%s' uses itself", blk->name);
            diag_note(S->d, blk->name_loc, "'%s' declared here", blk->name);
            return NULL;
        }
    int np = 0;
    for (const Param *p = blk->params; p; p = p->next)
        np++;
    if (!within_block_limit(B, st, &B->block_bindings, np, MAX_BLOCK_BINDINGS,
                            "binds block parameters", "bindings",
                            "every use of a block binds each of its parameters, and blocks "
                            "that use blocks several times multiply their uses"))
        return NULL;
    Args A;
    if (!block_args(B, blk, st, &A))
        return NULL;
    Scope *scope = ARENA_NEW(S->a, Scope);
    scope->parent = S->globals;
    int i = 0;
    for (const Param *p = blk->params; p; p = p->next, i++) {
        const Expr *v = A.bound[i] ? A.bound[i]->value : NULL;
        Binding *b = scope_add(S, scope, p->name, p->loc);
        if (v) {
            b->value = v;
            b->value_scope = outer->scope;
        } else {
            b->value = p->deflt;
            b->value_scope = S->globals;
        }
    }
    Binding *in = scope_add(S, scope, "in", blk->name_loc);
    in->node = input;
    int k = 0;
    for (int i = 0; i < B->nblocks; i++)
        if (B->blocks[i] == blk)
            k = B->block_counts[i]++;
    BlockUse use = {blk, k ? arena_printf(S->a, "%s_%d", blk->name, k) : blk->name,
                    st->loc.line, outer->block};
    Body body = {scope, input, false, &use, outer->depth + 1};
    int errors = S->d->nerrors;
    build_body(B, &body, blk->body);
    if (S->d->nerrors > errors) {
        diag_note(S->d, st->call->name_loc, "in block '%s' used here", blk->name);
        return NULL;
    }
    return body.prev_broken ? NULL : body.prev;
}

/* ---- checks of the whole model ---- */

/* What only the finished graph shows, checked before anything is printed or compiled, so
 * that --summary accepts exactly the models a trainer can be built for: a tensor nothing
 * uses (Keras would leave its branch out of the model, parameters and all), an embedding
 * that does not read the model's integer input, softmax inside a recurrent cell. */
static void check_whole_model(Sema *S) {
    Graph *g = S->g;
    int *users = calloc((size_t)g->nnodes + 1, sizeof(int));
    for (int i = 0; i < g->nnodes; i++)
        for (int j = 0; j < g->nodes[i]->nin; j++)
            users[g->nodes[i]->in[j]->id]++;
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        if (users[i] == 0 && n != g->output) {
            diag_error(S->d, n->loc, "'%s' is computed but nothing uses it", n->name);
            if (n->bound_as)
                diag_hint(S->d, n->loc, "feed it to a later layer, e.g. add(%s, …), or remove "
                          "it", n->bound_as);
            else /* as it was called: relu(), not activation() */
                diag_hint(S->d, n->loc, "name it (t = %s(…)) and feed it to a later layer, e.g. "
                          "add(t, …), or remove it",
                          n->op == OP_ACTIVATION ? act_name(n->act.kind) : op_name(n->op));
        }
        if (n->op == OP_EMBEDDING && view_source(n->in[0])->op != OP_INPUT)
            diag_error(S->d, n->loc, "embedding reads integer indices, so it must read the "
                                     "model's input, not '%s'", n->in[0]->name);
        /* a cell's activations act on each value of the state or gate: softmax would
         * couple them. Said at the value (it was said at the layer's first column). */
        for (int k = 0; op_is_recurrent(n->op) && k < 2; k++) {
            if ((k ? n->rec_act.kind : n->act.kind) != ACT_SOFTMAX)
                continue;
            SrcLoc at = k ? n->rec_act_loc : n->act_loc;
            if (at.line == 0)
                at = n->loc;
            diag_error(S->d, at, "%s cannot use softmax as its %s activation", op_name(n->op),
                       k ? "gate" : "state");
            diag_hint(S->d, at, "use an elementwise activation (tanh, sigmoid, relu, …); for "
                      "class probabilities, add dense(classes, activation=softmax) after the "
                      "layer");
        }
    }
    free(users);
}

/* ---- the program ---- */

/* `block b(n, n)` and `block b(in)`: two parameters of one name, or one named like the
 * block's input tensor, could never both be used. */
static void check_block_params(Sema *S, const Decl *d) {
    Scope seen = {0}; /* the names so far, hashed once there are many */
    for (const Param *p = d->params; p; p = p->next) {
        if (strcmp(p->name, "in") == 0)
            diag_error(S->d, p->loc, "'in' is the tensor a block is applied to; choose another "
                                     "name for the parameter");
        const Binding *first = scope_find_local(&seen, p->name);
        if (first) {
            diag_error(S->d, p->loc, "block '%s' has two parameters named '%s'", d->name,
                       p->name);
            diag_note(S->d, first->loc, "the first is here");
        } else {
            scope_add(S, &seen, p->name, p->loc);
        }
    }
}

static void collect_decls(Builder *B, const Decl **model, const Decl **train) {
    Sema *S = B->S;
    for (const Decl *d = S->prog->decls; d; d = d->next) {
        switch (d->kind) {
        case DECL_LET:
            if (d->name && d->value)
                let_stmt(B, S->globals, d->name, d->name_loc, d->value);
            break;
        case DECL_BLOCK:
            if (!d->name)
                break;
            if (find_block(B, d->name)) {
                diag_error(S->d, d->name_loc, "block '%s' is already defined", d->name);
                diag_note(S->d, find_block(B, d->name)->name_loc, "previous definition here");
            } else if (sema_find_layer(d->name)) {
                diag_error(S->d, d->name_loc, "'%s' is the name of a layer; choose another "
                                              "name for the block", d->name);
            } else if (B->nblocks < 64) {
                B->blocks[B->nblocks++] = d;
                check_block_params(S, d);
            } else {
                diag_error(S->d, d->name_loc, "too many blocks (limit is 64)");
            }
            break;
        case DECL_MODEL:
            if (*model) {
                diag_error(S->d, d->loc, "a file holds one model; '%s' is the second",
                           d->name ? d->name : "?");
                diag_note(S->d, (*model)->loc, "first model declared here");
            } else {
                *model = d;
            }
            break;
        case DECL_TRAIN:
            if (*train) {
                diag_error(S->d, d->loc, "a file holds one train block");
                diag_note(S->d, (*train)->loc, "first train block here");
            } else {
                *train = d;
            }
            break;
        }
    }
    /* `let h = hidden // heads`: heads may be a top-level let of a later line */
    for (const Decl *d = S->prog->decls; d; d = d->next) {
        Binding *b = d->kind == DECL_LET && d->name && d->slash_word
                         ? scope_find_local(S->globals, d->name) : NULL;
        if (b && b->value == d->value)
            b->value = sema_slash_word(S, S->globals, d->value, d->slash_word, d->slash);
    }
    /* the chains followed above may pass through a value just replaced */
    for (Binding *b = S->globals->head; b; b = b->next)
        b->resolved = NULL;
}

Graph *sema_build(Arena *a, Diag *d, const Program *p, int elem_size) {
    Sema S = {.a = a, .d = d, .globals = ARENA_NEW(a, Scope), .prog = p,
              .elem_size = elem_size};
    Builder B = {.S = &S};
    const Decl *model = NULL, *train = NULL;
    collect_decls(&B, &model, &train);
    if (!model) {
        if (d->nerrors == 0) {
            diag_file_error(d, "no model in this file");
            fprintf(d->out, "%s: hint: a model looks like: model mlp { input [784] "
                            "dense(10, activation=softmax) }\n", d->file);
        }
        return NULL;
    }
    S.g = graph_new(a, model->name ? model->name : "model", model->name_loc);
    Scope *scope = ARENA_NEW(a, Scope);
    scope->parent = S.globals;
    Body body = {scope, NULL, true, NULL, 0};
    for (const Stmt *st = model->body; st; st = st->next)
        if (st->bind && st->kind != ST_LET)
            set_add(&B, &B.reserved, st->bind);
    build_body(&B, &body, model->body);
    if (!S.g->input && d->nerrors == 0) {
        diag_error(d, model->name_loc, "model '%s' has no input shape", S.g->name);
        diag_hint(d, model->name_loc, "add `input [784]` (or the shape of one example) as the "
                                      "model's first line");
    }
    if (body.prev && !body.prev_broken)
        S.g->output = body.prev;
    else if (body.prev_broken)
        S.g->output = NULL; /* unknown: the train block's checks of it would only mislead */
    if (S.g->input && S.g->nnodes == 1 && d->nerrors == 0) {
        diag_error(d, model->close_loc, "model '%s' has no layers", S.g->name);
        diag_hint(d, model->close_loc, "add at least one layer, e.g. dense(10, "
                                       "activation=softmax)");
    }
    if (d->nerrors == 0)
        check_whole_model(&S);
    S.g->model_ok = d->nerrors == 0;
    if (train)
        sema_train(&S, train, S.g);
    return S.g;
}
