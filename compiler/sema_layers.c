/*
 * sema_layers.c — the layer vocabulary sema.c checks statements against: every accepted
 * spelling of a layer (nnlc's, Keras' class and function names, matched after
 * lower-casing), the options each layer takes, and the order Keras 3 takes them in by
 * position. Tables only; what the options mean is sema.c's.
 */
#include "sema_layers.h"

#include <ctype.h>
#include <string.h>

/* Accepted spellings, matched after lower-casing, so Keras' class names work too. */
static const LayerName layer_names[] = {
    {"dense", OP_DENSE, -1},
    {"conv1d", OP_CONV1D, -1},
    {"conv2d", OP_CONV2D, -1},
    {"convolution1d", OP_CONV1D, -1}, /* Keras' aliases */
    {"convolution2d", OP_CONV2D, -1},
    {"maxpool1d", OP_MAXPOOL1D, -1},
    {"maxpooling1d", OP_MAXPOOL1D, -1},
    {"max_pooling1d", OP_MAXPOOL1D, -1},
    {"maxpool2d", OP_MAXPOOL2D, -1},
    {"maxpooling2d", OP_MAXPOOL2D, -1},
    {"max_pooling2d", OP_MAXPOOL2D, -1},
    {"avgpool1d", OP_AVGPOOL1D, -1},
    {"averagepooling1d", OP_AVGPOOL1D, -1},
    {"average_pooling1d", OP_AVGPOOL1D, -1},
    {"avgpool2d", OP_AVGPOOL2D, -1},
    {"averagepooling2d", OP_AVGPOOL2D, -1},
    {"average_pooling2d", OP_AVGPOOL2D, -1},
    {"minpool1d", OP_MINPOOL1D, -1},
    {"minpooling1d", OP_MINPOOL1D, -1}, /* the class name the summary prints */
    {"min_pooling1d", OP_MINPOOL1D, -1},
    {"minpool2d", OP_MINPOOL2D, -1},
    {"minpooling2d", OP_MINPOOL2D, -1},
    {"min_pooling2d", OP_MINPOOL2D, -1},
    {"global_avg_pool1d", OP_GAP1D, -1},
    {"globalaveragepooling1d", OP_GAP1D, -1},
    {"global_average_pooling1d", OP_GAP1D, -1},
    {"globalavgpool1d", OP_GAP1D, -1}, /* Keras' GlobalAvgPool1D */
    {"global_avg_pool2d", OP_GAP2D, -1},
    {"globalavgpool2d", OP_GAP2D, -1},
    {"globalaveragepooling2d", OP_GAP2D, -1},
    {"global_average_pooling2d", OP_GAP2D, -1},
    {"global_max_pool1d", OP_GMP1D, -1},
    {"globalmaxpooling1d", OP_GMP1D, -1},
    {"global_max_pooling1d", OP_GMP1D, -1},
    {"globalmaxpool1d", OP_GMP1D, -1}, /* Keras' GlobalMaxPool1D */
    {"global_max_pool2d", OP_GMP2D, -1},
    {"globalmaxpooling2d", OP_GMP2D, -1},
    {"global_max_pooling2d", OP_GMP2D, -1},
    {"globalmaxpool2d", OP_GMP2D, -1}, /* Keras' GlobalMaxPool2D */
    {"flatten", OP_FLATTEN, -1},
    {"reshape", OP_RESHAPE, -1},
    {"dropout", OP_DROPOUT, -1},
    {"batchnorm", OP_BATCHNORM, -1},
    {"batch_norm", OP_BATCHNORM, -1},
    {"batchnormalization", OP_BATCHNORM, -1},
    {"batch_normalization", OP_BATCHNORM, -1},
    {"activation", OP_ACTIVATION, -1},
    {"add", OP_ADD, -1},
    {"concat", OP_CONCAT, -1},
    {"concatenate", OP_CONCAT, -1},
    {"multiply", OP_MULTIPLY, -1},
    {"glu", OP_GLU, -1},
    {"simple_rnn", OP_SIMPLE_RNN, -1},
    {"simplernn", OP_SIMPLE_RNN, -1},
    {"lstm", OP_LSTM, -1},
    {"gru", OP_GRU, -1},
    {"embedding", OP_EMBEDDING, -1},
    {"linear", OP_ACTIVATION, ACT_LINEAR},
    {"sigmoid", OP_ACTIVATION, ACT_SIGMOID},
    {"tanh", OP_ACTIVATION, ACT_TANH},
    {"relu", OP_ACTIVATION, ACT_RELU},
    {"leaky_relu", OP_ACTIVATION, ACT_LEAKY_RELU},
    {"leakyrelu", OP_ACTIVATION, ACT_LEAKY_RELU},
    {"elu", OP_ACTIVATION, ACT_ELU},
    {"softmax", OP_ACTIVATION, ACT_SOFTMAX},
    {"gelu", OP_ACTIVATION, ACT_GELU},
    {"swish", OP_ACTIVATION, ACT_SWISH},
};
enum { N_LAYER_NAMES = sizeof layer_names / sizeof layer_names[0] };
_Static_assert(sizeof layer_names / sizeof layer_names[0] <= (size_t)SEMA_MAX_LAYER_SPELLINGS,
               "raise SEMA_MAX_LAYER_SPELLINGS");

/* Options per op. */
static const char *const dense_opts[] = {
    "units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "l2", NULL};
static const char *const conv_opts[] = {
    "filters", "kernel", "strides", "padding", "activation", "use_bias",
    "kernel_initializer", "bias_initializer", "l2", NULL};
static const char *const pool_opts[] = {"size", "strides", "padding", NULL};
static const char *const no_opts[] = {NULL};
static const char *const reshape_opts[] = {"shape", NULL};
static const char *const dropout_opts[] = {"rate", "noise_shape", "seed", NULL};
static const char *const batchnorm_opts[] = {"axis", "momentum", "epsilon", NULL};
static const char *const activation_opts[] = {"activation", NULL};
static const char *const alpha_opts[] = {"alpha", NULL};
static const char *const axis_opts[] = {"axis", NULL}; /* concat, softmax */
static const char *const glu_opts[] = {
    "units", "use_bias", "kernel_initializer", "bias_initializer", "l2", NULL};
static const char *const gru_opts[] = {
    "units", "activation", "recurrent_activation", "return_sequences", "use_bias",
    "reset_after", "kernel_initializer", "recurrent_initializer", "bias_initializer", "l2",
    NULL};
/* reset_after is GRU's (Keras' LSTM refuses it too) */
static const char *const lstm_opts[] = {
    "units", "activation", "recurrent_activation", "return_sequences", "use_bias",
    "kernel_initializer", "recurrent_initializer", "bias_initializer", "l2", NULL};
static const char *const simple_rnn_opts[] = {
    "units", "activation", "return_sequences", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "l2", NULL};
static const char *const embedding_opts[] = {"vocab", "dim", "kernel_initializer", "l2", NULL};

/* The options each op takes by position: Keras 3's positional parameters, in its order
 * and with its names (kernel_size is the option kernel, pool_size size: sema_canonical_option),
 * up to the last one nnlc has (all of them for a layer that has none of nnlc's, so that
 * the error names what was given). So Dense(64, "relu") and Conv2D(32, 3, 1, "same") mean
 * what they mean in Keras. A name nnlc has no option for (Conv2D's data_format,
 * dilation_rate and groups, which come before its activation; ReLU's max_value) is an
 * error when given by position. BatchNormalization's and Softmax's axis must be the last
 * one (last_axis_only). */
static const char *const dense_pos[] = {
    "units", "activation", "use_bias", "kernel_initializer", "bias_initializer", NULL};
static const char *const conv_pos[] = {
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
    "activation", "use_bias", "kernel_initializer", "bias_initializer", NULL};
static const char *const pool_pos[] = {"pool_size", "strides", "padding", NULL};
static const char *const no_pos[] = {NULL};
static const char *const reshape_pos[] = {"target_shape", NULL};
static const char *const dropout_pos[] = {"rate", "noise_shape", "seed", NULL};
static const char *const batchnorm_pos[] = {"axis", "momentum", "epsilon", NULL};
static const char *const activation_pos[] = {"activation", NULL};
static const char *const leaky_relu_pos[] = {"negative_slope", NULL}; /* nnlc's alpha */
static const char *const elu_pos[] = {"alpha", NULL};
static const char *const relu_pos[] = {"max_value", "negative_slope", "threshold", NULL};
static const char *const axis_pos[] = {"axis", NULL}; /* Softmax, Concatenate */
static const char *const flatten_pos[] = {"data_format", NULL};
static const char *const global_pool_pos[] = {"data_format", "keepdims", NULL};
static const char *const glu_pos[] = {"units", NULL};   /* nnlc's own layer */
static const char *const simple_rnn_pos[] = {
    "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", NULL};
static const char *const gated_rnn_pos[] = { /* LSTM and GRU */
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", NULL};
static const char *const embedding_pos[] = {
    "input_dim", "output_dim", "embeddings_initializer", NULL};

/* The options of op and, in *pos, those it takes by position. Merge layers' positional
 * arguments are their inputs, add(a, b); after a list of them, concatenate([a, b], 1), or
 * none, Concatenate(1)([a, b]), concat's is its axis. */
const char *const *sema_layer_options(OpKind op, int act, const char *const **pos) {
    *pos = no_pos;
    switch (op) {
    case OP_DENSE: *pos = dense_pos; return dense_opts;
    case OP_CONV1D: case OP_CONV2D: *pos = conv_pos; return conv_opts;
    case OP_MAXPOOL1D: case OP_MAXPOOL2D: case OP_AVGPOOL1D:
    case OP_AVGPOOL2D: case OP_MINPOOL1D: case OP_MINPOOL2D: *pos = pool_pos; return pool_opts;
    case OP_FLATTEN: *pos = flatten_pos; return no_opts;
    case OP_GAP1D: case OP_GAP2D: case OP_GMP1D:
    case OP_GMP2D: *pos = global_pool_pos; return no_opts;
    case OP_RESHAPE: *pos = reshape_pos; return reshape_opts;
    case OP_DROPOUT: *pos = dropout_pos; return dropout_opts;
    case OP_BATCHNORM: *pos = batchnorm_pos; return batchnorm_opts;
    case OP_ACTIVATION:
        switch (act) {
        case -1: *pos = activation_pos; return activation_opts;
        case ACT_LEAKY_RELU: *pos = leaky_relu_pos; return alpha_opts;
        case ACT_ELU: *pos = elu_pos; return alpha_opts;
        case ACT_RELU: *pos = relu_pos; return no_opts;
        case ACT_SOFTMAX: *pos = axis_pos; return axis_opts;
        default: return no_opts; /* sigmoid(), tanh(), …: nnlc's, no Keras layer */
        }
    case OP_CONCAT: *pos = axis_pos; return axis_opts;
    case OP_GLU: *pos = glu_pos; return glu_opts;
    case OP_SIMPLE_RNN: *pos = simple_rnn_pos; return simple_rnn_opts;
    case OP_LSTM: *pos = gated_rnn_pos; return lstm_opts;
    case OP_GRU: *pos = gated_rnn_pos; return gru_opts;
    case OP_EMBEDDING: *pos = embedding_pos; return embedding_opts;
    default: return no_opts;
    }
}

const LayerName *sema_find_layer(const char *name) {
    char lower[64];
    size_t n = strlen(name);
    if (n >= sizeof lower)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    for (int i = 0; i < N_LAYER_NAMES; i++)
        if (strcmp(layer_names[i].name, lower) == 0)
            return &layer_names[i];
    return NULL;
}

int sema_layer_spellings(const char **out) {
    for (int i = 0; i < N_LAYER_NAMES; i++)
        out[i] = layer_names[i].name;
    return N_LAYER_NAMES;
}
