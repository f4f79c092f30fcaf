/*
 * tf1_optimizers.h — TensorFlow 1's optimizer classes (tf.train.AdamOptimizer, from older
 * course notes) as nnlc writes them, for hints: the lexer's (the dotted name, before its
 * arguments are read) and the train block's (the class name alone, with its arguments).
 * Header only: the lexer links no sema.
 */
#ifndef NNLC_TF1_OPTIMIZERS_H
#define NNLC_TF1_OPTIMIZERS_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* nnlc's spelling of TensorFlow 1's optimizer class `name` (any case) into buf, with the
 * learning rate `lr` and, for MomentumOptimizer, the momentum (their text, e.g. "0.1"),
 * or, where NULL, TensorFlow 1's defaults (it has none for GradientDescent's and
 * Momentum's required arguments: Keras' 0.01 and 0.9 then), and for MomentumOptimizer's
 * use_nesterov=True, nesterov=true. Returns buf, or NULL when name is no such class. */
static inline const char *tf1_optimizer_written(const char *name, const char *lr,
                                                const char *momentum, bool nesterov, char *buf,
                                                size_t size) {
    static const struct {
        const char *cls, *nnlc, *lr, *momentum;
    } map[] = {
        {"GradientDescentOptimizer", "sgd", "0.01", NULL},
        {"MomentumOptimizer", "sgd", "0.01", "0.9"},
        {"AdamOptimizer", "adam", "0.001", NULL},
        {"AdagradOptimizer", "adagrad", "0.001", NULL},
        {"AdadeltaOptimizer", "adadelta", "0.001", NULL},
        {"RMSPropOptimizer", "rmsprop", "0.001", NULL},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(name, map[i].cls) == 0) {
            if (map[i].momentum)
                snprintf(buf, size, "%s(lr=%s, momentum=%s%s)", map[i].nnlc,
                         lr ? lr : map[i].lr, momentum ? momentum : map[i].momentum,
                         nesterov ? ", nesterov=true" : "");
            else
                snprintf(buf, size, "%s(lr=%s)", map[i].nnlc, lr ? lr : map[i].lr);
            return buf;
        }
    return NULL;
}

static inline bool tf1_optimizer(const char *name) {
    char buf[64];
    return tf1_optimizer_written(name, NULL, NULL, false, buf, sizeof buf) != NULL;
}

/* The arguments of a call as the lexer meets it, in the source text after the class name
 * (p up to end: "(0.1)", "(learning_rate=0.02, momentum=0.95, use_nesterov=True)"), before
 * the parser has read them: the learning rate (first, or learning_rate=) and the momentum
 * (second, or momentum=) when they are numbers, into lr and momentum as "%g" writes them
 * (as the train block's hint reads them from the parsed call), else "", and whether
 * use_nesterov is True. Text that is no call leaves all three empty. */
static inline void tf1_call_arguments(const char *p, const char *end, char *lr, char *momentum,
                                      size_t size, bool *nesterov) {
    lr[0] = momentum[0] = '\0';
    *nesterov = false;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p >= end || *p != '(')
        return;
    p++;
    for (int position = 0; p < end; position++) {
        /* one argument: up to a ',' or ')' outside brackets and quotes */
        const char *a = p;
        int depth = 0;
        char quote = 0;
        for (; p < end && *p; p++) {
            if (quote) {
                quote = *p == quote ? 0 : quote;
            } else if (*p == '"' || *p == '\'') {
                quote = *p;
            } else if (*p == '(' || *p == '[' || *p == '{') {
                depth++;
            } else if ((*p == ')' || *p == ']' || *p == '}') && depth > 0) {
                depth--;
            } else if ((*p == ',' || *p == ')') && depth == 0) {
                break;
            }
        }
        const char *b = p;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r' || b[-1] == '\n'))
            b--;
        /* key=value (not key == value) */
        const char *key = NULL, *v = a;
        size_t key_len = 0;
        if (a < b && (isalpha((unsigned char)*a) || *a == '_')) {
            const char *k = a;
            while (k < b && (isalnum((unsigned char)*k) || *k == '_'))
                k++;
            const char *eq = k;
            while (eq < b && (*eq == ' ' || *eq == '\t'))
                eq++;
            if (eq < b && *eq == '=' && (eq + 1 >= b || eq[1] != '=')) {
                key = a;
                key_len = (size_t)(k - a);
                v = eq + 1;
                while (v < b && (*v == ' ' || *v == '\t'))
                    v++;
            }
        }
        char text[64];
        size_t n = (size_t)(b - v);
        bool fits = n > 0 && n < sizeof text;
        if (fits) {
            memcpy(text, v, n);
            text[n] = '\0';
        }
#define TF1_KEY(name) (key_len == sizeof(name) - 1 && strncmp(key, name, key_len) == 0)
        char *slot = key ? (TF1_KEY("learning_rate") ? lr : TF1_KEY("momentum") ? momentum : NULL)
                         : (position == 0 ? lr : position == 1 ? momentum : NULL);
        if (key && TF1_KEY("use_nesterov"))
            *nesterov = fits && strcasecmp(text, "true") == 0;
#undef TF1_KEY
        /* a number as written (1e-3, .5), not an expression: as the parsed call's hint */
        if (slot && fits && (isdigit((unsigned char)text[0]) || text[0] == '.')) {
            char *num_end;
            double x = strtod(text, &num_end);
            if (!*num_end)
                snprintf(slot, size, "%g", x);
        }
        if (p >= end || *p != ',')
            return;
        p++;
    }
}

#endif
