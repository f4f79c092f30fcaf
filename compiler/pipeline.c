/*
 * pipeline.c — the passes from source text to the loop IR (pipeline.h), shared by the
 * driver and the front-end fuzzer so that both run exactly the same checks.
 */
#include "pipeline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast.h"

typedef struct Call {
    int (*fn)(void *);
    void *arg;
    int result;
} Call;

static void *call_thread(void *p) {
    Call *c = p;
    c->result = c->fn(c->arg);
    return NULL;
}

int pipeline_call(int (*fn)(void *), void *arg) {
    Call c = {fn, arg, 0};
    pthread_attr_t attr;
    pthread_t thread;
    bool started = pthread_attr_init(&attr) == 0;
    if (started) {
        started = pthread_attr_setstacksize(&attr, PIPELINE_STACK) == 0 &&
                  pthread_create(&thread, &attr, call_thread, &c) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!started)
        return fn(arg);
    pthread_join(thread, NULL);
    return c.result;
}

size_t source_normalize(char *buf, size_t n) {
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 byte order mark (Windows
                                                          * editors): not part of the text */
        memmove(buf, buf + 3, n - 2);
        n -= 3;
    }
    for (size_t i = 0; i < n; i++) /* old Mac line ends: a lone CR ends a line too */
        if (buf[i] == '\r' && buf[i + 1] != '\n')
            buf[i] = '\n';
    return n;
}

bool source_check_text(Diag *d, const char *src, size_t len) {
    const unsigned char *text = (const unsigned char *)src;
    int line = 1, col = 1;
    for (size_t i = 0; i < len;) {
        if (text[i] == 0) {
            SrcLoc loc = {line, col, 1};
            diag_error(d, loc, "not a text file (NUL byte at offset %zu)", i);
            return false;
        }
        int n = utf8_decode(src + i, len - i, NULL);
        if (n == 0) {
            SrcLoc loc = {line, col, 1};
            diag_error(d, loc, "not a text file: invalid UTF-8 byte 0x%02x at offset %zu",
                       text[i], i);
            return false;
        }
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col += n;
        }
        i += (size_t)n;
    }
    return true;
}

/* The machine's physical memory in bytes, or 0 when it cannot be told. */
static int64_t physical_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0)
        return 0;
    return count_mul(pages, page);
}

void pipeline_check_memory(Diag *d, const Graph *g) {
    const MemPlan *m = &g->mem;
    int64_t have = physical_memory();
    if (have == 0 || m->total <= have)
        return;
    char need[32], mine[32], weights[32], acts[32];
    diag_warning(d, g->loc, "training '%s' needs about %s at batch %lld, more than this "
                 "machine's memory (%s)", g->name, summary_bytes(m->total, need, sizeof need),
                 (long long)m->batch, summary_bytes(have, mine, sizeof mine));
    diag_hint(d, g->loc, "the parameters, their gradients and the optimizer's state take %s, "
              "the activations and their gradients %s: fewer units or filters shrink the "
              "first, a smaller batch the second (nnlc --summary lists them)",
              summary_bytes(count_add(count_add(m->params, m->grads), m->opt_state), weights,
                            sizeof weights),
              summary_bytes(count_add(m->activations, m->act_grads), acts, sizeof acts));
}

/* A softmax over an axis of one value is 1 whatever its input (Dense(1, activation=softmax)
 * for a regression or a yes/no output, a common slip that Keras takes silently): the layer
 * outputs a constant and nothing before it trains. Said as a warning, since the model is
 * well formed; only for a model without errors (a classifier loss on it is one). */
static void check_constant_softmax(Diag *d, const Graph *g) {
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        if (!op_takes_activation(n->op) || n->act.kind != ACT_SOFTMAX || n->out.rank < 1 ||
            n->out.d[n->out.rank - 1] != 1)
            continue;
        diag_warning(d, n->loc, "softmax over one value is always 1: '%s' outputs a constant, "
                     "and nothing before it trains", n->name);
        diag_hint(d, n->loc, "for one output, use activation=sigmoid (a yes/no probability, "
                  "with binary_crossentropy) or linear (a number, with mse)");
    }
}

/* Dropout after the output's softmax or sigmoid (Keras takes it): in training it zeroes
 * some predicted probabilities and scales the others past 1, so the loss is taken of no
 * distribution and the model barely learns (a learner's loss stayed at 3.9). */
static void check_dropout_after_output(Diag *d, const Graph *g) {
    const Node *n = g->output;
    if (!n || n->op != OP_DROPOUT || n->rate <= 0 || n->nin < 1)
        return;
    const Node *from = n->in[0];
    bool probs = op_takes_activation(from->op) &&
                 (from->act.kind == ACT_SOFTMAX || from->act.kind == ACT_SIGMOID);
    if (!probs)
        return;
    diag_warning(d, n->loc, "dropout after the output's %s ('%s'): in training it zeroes "
                 "some of the probabilities and scales the others by %g, so the loss is not "
                 "taken of probabilities", from->act.kind == ACT_SOFTMAX ? "softmax" : "sigmoid",
                 from->name, 1.0 / (1.0 - n->rate));
    diag_hint(d, n->loc, "put the dropout before the last layer (line %d), on the features "
              "it reads", from->loc.line);
}

Graph *pipeline_graph(Arena *a, Diag *d, const Program *prog, int elem_size) {
    Graph *g = sema_build(a, d, prog, elem_size);
    if (!g || d->nerrors)
        return g;
    check_constant_softmax(d, g);
    check_dropout_after_output(d, g);
    graph_plan(g, a, elem_size);
    pipeline_check_memory(d, g);
    if (!graph_check(g, stderr))
        NNLC_UNREACHABLE("the graph IR is inconsistent");
    return g;
}

LoopProgram *pipeline_loops(Arena *a, Diag *d, const Graph *g, int elem_size,
                            int64_t parallel_min_work) {
    LoopProgram *lp = loop_lower(a, g, elem_size, d);
    if (!lp || d->nerrors)
        return NULL;
    loop_schedule(lp, parallel_min_work);
    loop_share(lp);
    if (!loop_check(lp, stderr))
        NNLC_UNREACHABLE("the loop IR is inconsistent");
    return lp;
}
