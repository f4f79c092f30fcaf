/*
 * test_shapes.c — shape inference and parameter counting for every layer kind, through
 * the real front end (source text -> parse -> sema -> graph). Counts are Keras'.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "graph.h"

static int failures, checks;

#define ASSERT(expected, actual)                                                              \
    do {                                                                                      \
        int64_t e_ = (expected), a_ = (actual);                                               \
        checks++;                                                                             \
        if (e_ != a_) {                                                                       \
            fprintf(stderr, "%s:%d: %s => %" PRId64 ", expected %" PRId64 "\n", __FILE__,     \
                    __LINE__, #actual, a_, e_);                                               \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)

static Arena arena;

/* Builds the model in `src`; NULL (and the diagnostics on stderr) if it has errors. */
static Graph *build(const char *src) {
    Diag d;
    diag_init(&d, "test.nn", src, strlen(src), stderr);
    Program *p = parse_program(&arena, &d, src, strlen(src));
    Graph *g = d.nerrors ? NULL : sema_build(&arena, &d, p, 4);
    diag_free(&d);
    if (!g || d.nerrors) {
        fprintf(stderr, "unexpected errors in:\n%s\n", src);
        failures++;
        return NULL;
    }
    graph_plan(g, &arena, 4);
    if (!graph_check(g, stderr))
        failures++;
    return g;
}

/* Number of errors the model produces (diagnostics go to a scratch stream). */
static int count_errors(const char *src) {
    char *buf = NULL;
    size_t size = 0;
    FILE *sink = open_memstream(&buf, &size);
    Diag d;
    diag_init(&d, "test.nn", src, strlen(src), sink);
    Program *p = parse_program(&arena, &d, src, strlen(src));
    if (!d.nerrors)
        sema_build(&arena, &d, p, 4);
    diag_free(&d);
    fclose(sink);
    free(buf);
    return d.nerrors;
}

static const Node *last(const Graph *g) { return g ? g->output : NULL; }

#define SHAPE(g, ...)                                                                         \
    do {                                                                                      \
        int64_t want_[] = {__VA_ARGS__};                                                      \
        const Node *n_ = last(g);                                                             \
        if (!n_) {                                                                            \
            failures++;                                                                       \
            break;                                                                            \
        }                                                                                     \
        ASSERT((int64_t)(sizeof want_ / sizeof want_[0]), n_->out.rank);                      \
        for (int i_ = 0; i_ < n_->out.rank && i_ < (int)(sizeof want_ / sizeof want_[0]); i_++) \
            ASSERT(want_[i_], n_->out.d[i_]);                                                 \
    } while (0)

#define PARAMS(g, trainable_, non_trainable_)                                                 \
    do {                                                                                      \
        const Node *n_ = last(g);                                                             \
        if (!n_) {                                                                            \
            failures++;                                                                       \
            break;                                                                            \
        }                                                                                     \
        ASSERT(trainable_, n_->trainable);                                                    \
        ASSERT(non_trainable_, n_->non_trainable);                                            \
    } while (0)

static void test_dense(void) {
    Graph *g = build("model m { input [784] dense(100, activation=sigmoid) }");
    SHAPE(g, 100);
    PARAMS(g, 78500, 0);
    g = build("model m { input [784] dense(100, use_bias=false) }");
    PARAMS(g, 78400, 0);
    g = build("model m { input [784] dense(100) dense(10) }");
    ASSERT(79510, g ? g->trainable : -1);
    /* Dense over a sequence applies to the last axis, like Keras. */
    g = build("model m { input [5, 8] dense(3) }");
    SHAPE(g, 5, 3);
    PARAMS(g, 27, 0);
    ASSERT(1, count_errors("model m { input [28, 28, 1] dense(10) }"));
}

static void test_conv2d(void) {
    Graph *g = build("model m { input [28, 28, 1] conv2d(32, kernel=3) }");
    SHAPE(g, 26, 26, 32);
    PARAMS(g, 320, 0);
    g = build("model m { input [28, 28, 1] conv2d(8, kernel=3, strides=2) }");
    SHAPE(g, 13, 13, 8); /* floor((28 - 3) / 2) + 1 */
    /* SAME on an odd size with stride 2: ceil(7 / 2) = 4, total padding 2 = 1 + 1. */
    g = build("model m { input [7, 7, 3] conv2d(4, kernel=3, strides=2, padding=same) }");
    SHAPE(g, 4, 4, 4);
    PARAMS(g, 3 * 3 * 3 * 4 + 4, 0);
    ASSERT(1, last(g) ? last(g)->pad_before[0] : -1);
    ASSERT(1, last(g) ? last(g)->pad_after[0] : -1);
    /* SAME on an even size: total padding 1, the extra one after (TensorFlow). */
    g = build("model m { input [8, 8, 1] conv2d(1, kernel=3, strides=2, padding=same) }");
    SHAPE(g, 4, 4, 1);
    ASSERT(0, last(g) ? last(g)->pad_before[0] : -1);
    ASSERT(1, last(g) ? last(g)->pad_after[0] : -1);
    g = build("model m { input [10, 12, 2] conv2d(5, kernel=[3, 5]) }");
    SHAPE(g, 8, 8, 5);
    PARAMS(g, 3 * 5 * 2 * 5 + 5, 0);
    ASSERT(1, count_errors("model m { input [4, 4, 1] conv2d(2, kernel=5) }"));
    ASSERT(1, count_errors("model m { input [28, 28] conv2d(2, kernel=3) }"));
}

static void test_conv1d(void) {
    Graph *g = build("model m { input [100, 3] conv1d(16, kernel=5) }");
    SHAPE(g, 96, 16);
    PARAMS(g, (5 * 3 + 1) * 16, 0);
    g = build("model m { input [9, 2] conv1d(4, kernel=3, strides=2, padding=same) }");
    SHAPE(g, 5, 4);
}

static void test_pooling(void) {
    Graph *g = build("model m { input [7, 7, 3] maxpool2d(2) }");
    SHAPE(g, 3, 3, 3); /* the remainder row and column are dropped */
    g = build("model m { input [7, 7, 3] maxpool2d(2, padding=same) }");
    SHAPE(g, 4, 4, 3);
    g = build("model m { input [7, 7, 3] avgpool2d(3, strides=2) }");
    SHAPE(g, 3, 3, 3);
    g = build("model m { input [9, 4] minpool1d(4) }");
    SHAPE(g, 2, 4);
    g = build("model m { input [9, 4] avgpool1d(size=2, strides=1) }");
    SHAPE(g, 8, 4);
    g = build("model m { input [7, 7, 64] global_avg_pool2d() }");
    SHAPE(g, 64);
    g = build("model m { input [30, 16] global_avg_pool1d() }");
    SHAPE(g, 16);
    /* Global max pooling: Keras' GlobalMaxPooling2D/1D (and the GlobalMaxPool aliases). */
    g = build("model m { input [7, 5, 64] global_max_pool2d() }");
    SHAPE(g, 64);
    PARAMS(g, 0, 0);
    ASSERT(7 * 5 * 64, g ? g->flops : -1);
    g = build("model m { input [30, 16] GlobalMaxPooling1D() }");
    SHAPE(g, 16);
    g = build("model m { input [6, 6, 3] GlobalMaxPool2D() dense(2) }");
    ASSERT(8, g ? g->trainable : -1);
    g = build("model m { input [9, 2] globalmaxpool1d() }");
    SHAPE(g, 2);
    ASSERT(1, count_errors("model m { input [30, 16] global_max_pool2d() }"));
    ASSERT(1, count_errors("model m { input [4, 4, 2] global_max_pool1d() }"));
    ASSERT(1, count_errors("model m { input [10] global_max_pool1d(2) }"));
    /* its maximum's position is kept exactly in f32: at most 2^24 positions */
    g = build("model m { input [4096, 4096, 1] global_max_pool2d() }");
    SHAPE(g, 1);
    ASSERT(1, count_errors("model m { input [4097, 4096, 1] global_max_pool2d() }"));
    ASSERT(1, count_errors("model m { input [3, 3, 1] maxpool2d(2) maxpool2d(2) }"));
}

static void test_reshaping(void) {
    Graph *g = build("model m { input [5, 5, 64] flatten() }");
    SHAPE(g, 1600);
    g = build("model m { input [784] reshape([28, -1, 1]) }");
    SHAPE(g, 28, 28, 1);
    ASSERT(1, count_errors("model m { input [784] reshape([27, 28]) }"));
    g = build("model m { input [10] dropout(0.5) }");
    SHAPE(g, 10);
    ASSERT(1, count_errors("model m { input [10] dropout(1.5) }"));
}

static void test_batchnorm(void) {
    Graph *g = build("model m { input [8, 8, 16] batchnorm() }");
    SHAPE(g, 8, 8, 16);
    PARAMS(g, 2 * 16, 2 * 16); /* 4C, of which 2C non-trainable */
}

static void test_merge(void) {
    Graph *g = build("model m { x = input [4, 4, 8] a = conv2d(8, kernel=1) "
                     "b = conv2d(8, kernel=1)(x) add(a, b) }");
    SHAPE(g, 4, 4, 8);
    g = build("model m { x = input [4, 4, 8] a = conv2d(8, kernel=1) concat(a, x) }");
    SHAPE(g, 4, 4, 16);
    g = build("model m { x = input [6] a = dense(6) multiply(a, x) }");
    SHAPE(g, 6);
    ASSERT(1, count_errors("model m { x = input [6] a = dense(5) add(a, x) }"));
    /* add and multiply broadcast as Keras' merge layers: shapes line up at the last axis,
     * sizes of 1 (and missing leading axes) repeat, no parameters */
    g = build("model m { x = input [4, 4, 8] s = global_avg_pool2d() dense(8) "
              "s = reshape([1, 1, 8]) multiply(x, s) }");
    SHAPE(g, 4, 4, 8);
    PARAMS(g, 0, 0);
    g = build("model m { x = input [4, 4, 8] s = global_avg_pool2d() v = dense(8) add(v, x) }");
    SHAPE(g, 4, 4, 8);
    g = build("model m { x = input [4, 1] flatten() a = dense(5) b = reshape([1, 5])(a) "
              "add(x, b, a) }");
    SHAPE(g, 4, 5);
    g = build("model m { x = input [3] a = dense(1) b = reshape([1, 1])(a) multiply(b, x) }");
    SHAPE(g, 1, 3);
    g = build("model m { x = input [2, 3] a = dense(1) multiply(a, a) }");
    SHAPE(g, 2, 1);
    ASSERT(1, count_errors("model m { x = input [4, 4, 8] v = dense(3) multiply(x, v) }"));
    ASSERT(1, count_errors("model m { x = input [4, 4, 8] v = reshape([2, 16])(x) add(x, v) }"));
    ASSERT(1, count_errors("model m { x = input [4, 1] a = dense(5) b = dense(3)(x) "
                           "add(x, a, b) }"));
    ASSERT(1, count_errors("model m { x = input [4, 6] a = dense(5) concat(a, x, axis=1) }"));
    /* axes count as in Keras: 0 is the batch, 1 an example's first axis */
    g = build("model m { x = input [4, 4, 8] a = conv2d(8, kernel=1) concat(a, x, axis=2) }");
    SHAPE(g, 4, 8, 8);
    g = build("model m { x = input [4, 4, 8] a = conv2d(8, kernel=1) concat(a, x, axis=-3) }");
    SHAPE(g, 8, 4, 8);
    ASSERT(1, count_errors("model m { x = input [4, 4, 8] a = conv2d(8, kernel=1) concat(a, x, axis=0) }"));
    ASSERT(1, count_errors("model m { x = input [4, 4, 8] a = conv2d(8, kernel=1) concat(a, x, axis=4) }"));
}

static void test_glu(void) {
    Graph *g = build("model m { input [256] glu() }");
    SHAPE(g, 128);
    PARAMS(g, 0, 0);
    g = build("model m { input [128] glu(64) }");
    SHAPE(g, 64);
    PARAMS(g, 128 * 128 + 128, 0);
    ASSERT(1, count_errors("model m { input [7] glu() }"));
}

static void test_recurrent(void) {
    int64_t u = 32, f = 10;
    Graph *g = build("model m { input [20, 10] simple_rnn(32) }");
    SHAPE(g, 32);
    PARAMS(g, u * (f + u) + u, 0);
    g = build("model m { input [20, 10] lstm(32, return_sequences=true) }");
    SHAPE(g, 20, 32);
    PARAMS(g, 4 * (u * (f + u) + u), 0);
    g = build("model m { input [20, 10] gru(32) }");
    PARAMS(g, 3 * (u * (f + u) + 2 * u), 0);
    g = build("model m { input [20, 10] gru(32, reset_after=false) }");
    PARAMS(g, 3 * (u * (f + u) + u), 0);
    g = build("model m { input [28, 28] lstm(64, return_sequences=true) lstm(32) }");
    SHAPE(g, 32);
    PARAMS(g, 4 * (32 * (64 + 32) + 32), 0);
    ASSERT(1, count_errors("model m { input [28, 28, 1] lstm(8) }"));
}

static void test_embedding(void) {
    Graph *g = build("model m { input [20] embedding(1000, 64) }");
    SHAPE(g, 20, 64);
    PARAMS(g, 64000, 0);
    g = build("model m { input [20] embedding(input_dim=50, output_dim=8) lstm(4) }");
    SHAPE(g, 4);
}

/* Keras' input options on the first layer of a model without an input statement. */
static void test_keras_input(void) {
    Graph *g = build("model m { dense(64, activation=relu, input_shape=[784]) dense(10) }");
    ASSERT(50890, g ? g->trainable : -1);
    ASSERT(1, g && g->input ? g->input->out.rank : -1);
    ASSERT(784, g && g->input ? g->input->out.d[0] : -1);
    g = build("model m { Conv2D(32, (3, 3), input_shape=(28, 28, 1)) }");
    SHAPE(g, 26, 26, 32);
    PARAMS(g, 320, 0);
    g = build("model m { dense(3, input_shape=(784,)) }");
    SHAPE(g, 3);
    g = build("let s = (10, 4) let k = 3 model m { let u = 2 conv1d(u, k, input_shape=s) }");
    SHAPE(g, 8, 2);
    g = build("model m { Dense(64, input_dim=784) }");
    PARAMS(g, 50240, 0);
    g = build("model m { Embedding(1000, 8, input_length=20) }"); /* Keras 2 */
    SHAPE(g, 20, 8);
    g = build("model m { embedding(input_dim=50, output_dim=8, input_shape=(7,)) }");
    SHAPE(g, 7, 8);
    PARAMS(g, 400, 0);
    /* on a block used first, unless the block has a parameter of that name */
    g = build("block b(n) { dense(n) } model m { b(4, input_shape=(6,)) }");
    PARAMS(g, 28, 0);
    g = build("block b(n, input_dim) { dense(n * input_dim) } model m { input [3] b(2, input_dim=5) }");
    SHAPE(g, 10);
    ASSERT(1, count_errors("model m { input [784] dense(10, input_shape=(784,)) }"));
    ASSERT(1, count_errors("model m { dense(10, input_shape=(784,)) input [784] }"));
    ASSERT(1, count_errors("model m { dense(10, input_shape=[4]) dense(2, input_shape=[10]) }"));
    ASSERT(2, count_errors("model m { dense(10) dense(2, input_shape=[10]) }"));
    ASSERT(1, count_errors("model m { dense(10, input_shape=784) }"));
    ASSERT(1, count_errors("model m { dense(10, input_shape=(784)) }"));
    ASSERT(1, count_errors("model m { dense(10, input_shape=[]) }"));
    ASSERT(1, count_errors("model m { dense(10, input_shape=[2, 0]) }"));
    ASSERT(1, count_errors("model m { dense(10, input_shape=[1, 2, 3, 4]) }"));
    ASSERT(1, count_errors("model m { dense(10, input_shape=[4], input_dim=4) }"));
    ASSERT(1, count_errors("model m { dense(10, input_dim=0) }"));
    ASSERT(1, count_errors("model m { dense(10, input_length=4) }"));
    ASSERT(1, count_errors("block b(n) { dense(n, input_shape=[3]) } model m { input [3] b(2) }"));
}

static void test_counts(void) {
    Graph *g = build("model fashion_cnn { input [28, 28, 1] conv2d(32, kernel=3, activation=relu)"
                     " maxpool2d(2) conv2d(64, kernel=3, activation=relu) maxpool2d(2)"
                     " conv2d(64, kernel=3, activation=relu) flatten()"
                     " dense(64, activation=relu) dense(10, activation=softmax) }");
    ASSERT(93322, g ? g->trainable : -1);
    ASSERT(0, g ? g->non_trainable : -1);
    g = build("model m { input [784] dense(256) dense(256) dense(10) }");
    ASSERT(269322, g ? g->trainable : -1);
    /* FLOPs: 2 per multiply-add plus bias adds. */
    g = build("model m { input [784] dense(100) }");
    ASSERT(2 * 784 * 100 + 100, g ? g->flops : -1);
}

static void test_blocks(void) {
    Graph *g = build("block res(ch) { conv2d(ch, kernel=3, padding=same) h = batchnorm()"
                     " s = conv2d(ch, kernel=1)(in) add(h, s) }"
                     " model m { input [8, 8, 4] res(8) res(16) res(ch=32) }");
    SHAPE(g, 8, 8, 32);
    ASSERT(1, count_errors("block b(x) { b(x) } model m { input [4] b(1) }"));
    ASSERT(1, count_errors("block b(x) { dense(x) } model m { input [4] b() }"));
}

static void test_constants(void) {
    Graph *g = build("let hidden = 64 let wide = hidden * 2\n"
                     "model m { input [10] dense(wide - hidden / 2) }");
    SHAPE(g, 96);
    ASSERT(1, count_errors("model m { input [10] dense(2.5) }"));
    ASSERT(1, count_errors("model m { input [10] dense(hiden) }"));
}

int main(void) {
    arena_init(&arena);
    test_dense();
    test_conv2d();
    test_conv1d();
    test_pooling();
    test_reshaping();
    test_batchnorm();
    test_merge();
    test_glu();
    test_recurrent();
    test_embedding();
    test_keras_input();
    test_counts();
    test_blocks();
    test_constants();
    arena_free(&arena);
    printf("test_shapes: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
