/*
 * summary.c — what a learner reads first: Keras' model.summary() table (same rows, same
 * counts), then what Keras does not say: forward FLOPs per example and the memory the
 * trainer will use at the training batch size. Also the Graphviz picture (--emit=dot),
 * Keras' plot_model with shapes on the edges.
 *
 * A model whose layers form a chain prints like a Keras Sequential model; one with named
 * inputs, merges or fan-out prints like a functional Model, with the input layer and a
 * "Connected to" column.
 */
#include "graph.h"

#include <inttypes.h>
#include <string.h>

/* 93322 -> "93,322"; a count that saturated (count_add) is "over 9.22e+18". */
static char *commas(int64_t v, char *buf, size_t size) {
    if (v == INT64_MAX) {
        snprintf(buf, size, "over %.2e", (double)INT64_MAX);
        return buf;
    }
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%" PRId64, v < 0 ? -v : v);
    size_t o = 0;
    if (v < 0 && o < size - 1)
        buf[o++] = '-';
    for (int i = 0; i < n && o < size - 1; i++) {
        if (i > 0 && (n - i) % 3 == 0 && o < size - 1)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* Keras' byte sizes: 1 KB = 1024 B, two decimals; a size that saturated (count_mul) is
 * "over 8.00 EB". */
char *summary_bytes(int64_t bytes, char *buf, size_t size) {
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
    double b = (double)bytes;
    int u = 0;
    while (b >= 1024 && u < 6) {
        b /= 1024;
        u++;
    }
    snprintf(buf, size, "%s%.2f %s", bytes == INT64_MAX ? "over " : "", b, units[u]);
    return buf;
}

static bool is_chain(const Graph *g) {
    for (int i = 1; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        if (n->nin != 1 || n->in[0] != g->nodes[i - 1])
            return false;
        if (g->nodes[i - 1]->nusers > 1)
            return false;
    }
    return true;
}

static void rule(FILE *out, char c, int width) {
    for (int i = 0; i < width; i++)
        fputc(c, out);
    fputc('\n', out);
}

static const char *const optimizer_names[] = { /* ORDER OPT */
    "sgd", "adagrad", "rmsprop", "adadelta", "adam", "nadam", "adamw",
};

static void print_memory(const Graph *g, FILE *out) {
    const MemPlan *m = &g->mem;
    char b[32];
    fprintf(out, "Memory at batch %" PRId64 " (%s):\n", m->batch, m->elem_size == 8 ? "f64" : "f32");
    fprintf(out, "  parameters        %12s\n", summary_bytes(m->params, b, sizeof b));
    fprintf(out, "  gradients         %12s\n", summary_bytes(m->grads, b, sizeof b));
    if (g->has_train)
        fprintf(out, "  optimizer state   %12s  (%s: %d slot%s per parameter)\n",
                summary_bytes(m->opt_state, b, sizeof b), optimizer_names[g->train.opt.kind],
                g->train.opt.slots, g->train.opt.slots == 1 ? "" : "s");
    fprintf(out, "  activations       %12s  (every layer's output, kept for backward)\n",
            summary_bytes(m->activations, b, sizeof b));
    fprintf(out, "  activation grads  %12s\n", summary_bytes(m->act_grads, b, sizeof b));
    fprintf(out, "  total             %12s\n", summary_bytes(m->total, b, sizeof b));
}

/* Whether every input of n is the model's input (through flatten/reshape views). */
static bool reads_model_input(const Node *n) {
    for (int i = 0; i < n->nin; i++)
        if (view_source(n->in[i])->op != OP_INPUT)
            return false;
    return n->nin > 0;
}

/* The work of a layer's input gradient: its forward work again, except where the input
 * is the model's, which needs none; a recurrent layer there still carries its state's
 * gradient back through time (dh_{t-1} = dz·Uᵀ, 2·u·gates·u per step), and skips only
 * dx = dz·Wᵀ. */
static int64_t input_gradient_flops(const Node *n) {
    if (!reads_model_input(n))
        return n->flops;
    int gates = n->op == OP_SIMPLE_RNN ? 1 : n->op == OP_LSTM ? 4 : n->op == OP_GRU ? 3 : 0;
    if (!gates)
        return 0;
    int64_t steps = n->in[0]->out.d[0], u = n->units;
    return count_mul(count_mul(2 * gates, steps), count_mul(u, u));
}

/* A training step's FLOPs per example, counted as the backward pass runs: each layer's
 * forward work again for the gradient of its weights (when it has any) and again for the
 * gradient of its input (input_gradient_flops). */
static int64_t training_flops(const Graph *g) {
    int64_t total = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        total = count_add(total, n->flops);
        if (n->trainable > 0)
            total = count_add(total, n->flops);
        total = count_add(total, input_gradient_flops(n));
    }
    return total;
}

/* "dense_1 (Dense)", written whole (a bound name has no length limit), padded to width. */
static int label_len(const Node *n) {
    return (int)(strlen(n->name) + strlen(node_keras_class(n)) + 3);
}

static void print_label(const Node *n, int width, FILE *out) {
    fprintf(out, "%s (%s)%*s", n->name, node_keras_class(n), width - label_len(n), "");
}

void summary_print(const Graph *g, FILE *out) {
    bool chain = is_chain(g);
    char buf[256], num[32], num2[32];
    int first = chain ? 1 : 0;
    /* Column widths grow to fit, so nothing wraps the way Keras' fixed columns do. */
    int wname = 28, wshape = 22, wconn = 0;
    for (int i = first; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        int len = label_len(n);
        if (len + 2 > wname)
            wname = len + 2;
        len = (int)strlen(shape_str(n->out, buf, sizeof buf));
        if (len + 2 > wshape)
            wshape = len + 2;
        int conn = 0;
        for (int j = 0; j < n->nin; j++)
            conn += (int)strlen(n->in[j]->name) + 2;
        if (!chain && conn + 2 > wconn)
            wconn = conn + 2;
    }
    if (!chain && wconn < 14)
        wconn = 14;
    int wparam = 12, wflops = 14;
    for (int i = first; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        int len = (int)strlen(commas(n->trainable + n->non_trainable, num, sizeof num));
        if (len + 2 > wparam)
            wparam = len + 2;
        len = (int)strlen(commas(n->flops, num, sizeof num));
        if (len + 2 > wflops)
            wflops = len + 2;
    }
    int width = 1 + wname + wshape + wparam + wflops + (chain ? 0 : wconn + 2);

    fprintf(out, "Model: \"%s\"\n", g->name);
    rule(out, '_', width);
    fprintf(out, " %-*s%-*s%*s%*s", wname, "Layer (type)", wshape, "Output Shape", wparam,
            "Param #", wflops, "FLOPs");
    if (!chain)
        fprintf(out, "  %s", "Connected to");
    fputc('\n', out);
    rule(out, '=', width);
    for (int i = first; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        char shape[96];
        fputc(' ', out);
        print_label(n, wname, out);
        fprintf(out, "%-*s%*s%*s", wshape, shape_str(n->out, shape, sizeof shape), wparam,
                commas(n->trainable + n->non_trainable, num, sizeof num), wflops,
                commas(n->flops, num2, sizeof num2));
        if (!chain) {
            fputs("  ", out);
            for (int j = 0; j < n->nin; j++)
                fprintf(out, "%s%s", j ? ", " : "", n->in[j]->name);
            if (n->nin == 0)
                fputs("-", out);
        }
        fputc('\n', out);
    }
    rule(out, '=', width);
    int64_t total = g->trainable + g->non_trainable;
    int64_t es = g->mem.elem_size ? g->mem.elem_size : 4;
    fprintf(out, "Total params: %s (%s)\n", commas(total, num, sizeof num),
            summary_bytes(total * es, buf, sizeof buf));
    fprintf(out, "Trainable params: %s (%s)\n", commas(g->trainable, num, sizeof num),
            summary_bytes(g->trainable * es, buf, sizeof buf));
    fprintf(out, "Non-trainable params: %s (%s)\n", commas(g->non_trainable, num, sizeof num),
            summary_bytes(g->non_trainable * es, buf, sizeof buf));
    rule(out, '_', width);
    fprintf(out, "FLOPs per example (forward): %s (2 per multiply-add)\n",
            commas(g->flops, num, sizeof num));
    fprintf(out, "FLOPs per example (training step): %s (forward, weight gradients, input "
                 "gradients but the model input's)\n", commas(training_flops(g), num, sizeof num));
    print_memory(g, out);
}

/* ---- Graphviz ---- */

static void dot_escape(const char *s, FILE *out) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
}

void graph_print_dot(const Graph *g, FILE *out) {
    char shape[96], num[32];
    fputs("digraph \"", out);
    dot_escape(g->name, out);
    fputs("\" {\n  rankdir=TB;\n  node [shape=record, fontname=\"Helvetica\", fontsize=11];\n"
          "  edge [fontname=\"Helvetica\", fontsize=9];\n",
          out);
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        fprintf(out, "  n%d [label=\"{", n->id);
        dot_escape(n->name, out);
        fprintf(out, " : %s|", node_keras_class(n));
        dot_escape(shape_str(n->out, shape, sizeof shape), out);
        if (n->trainable + n->non_trainable)
            fprintf(out, "|params %s", commas(n->trainable + n->non_trainable, num, sizeof num));
        fprintf(out, "}\"%s];\n", n->op == OP_INPUT ? ", style=filled, fillcolor=\"#e8f0fe\"" : "");
    }
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        for (int j = 0; j < n->nin; j++)
            fprintf(out, "  n%d -> n%d [label=\"%s\"];\n", n->in[j]->id, n->id,
                    shape_str(n->in[j]->out, shape, sizeof shape));
    }
    fputs("}\n", out);
}
