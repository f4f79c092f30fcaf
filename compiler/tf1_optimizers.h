/*
 * tf1_optimizers.h — TensorFlow 1's optimizer classes (tf.train.AdamOptimizer, from older
 * course notes) as nnlc writes them, for hints: the lexer's (the dotted name, before its
 * arguments are read) and the train block's (the class name alone, with its arguments).
 * Header only: the lexer links no sema.
 */
#ifndef NNLC_TF1_OPTIMIZERS_H
#define NNLC_TF1_OPTIMIZERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <strings.h>

/* nnlc's spelling of TensorFlow 1's optimizer class `name` (any case) into buf, with the
 * learning rate `lr` and, for MomentumOptimizer, the momentum (their text, e.g. "0.1"),
 * or, where NULL, TensorFlow 1's defaults (it has none for GradientDescent's and
 * Momentum's required arguments: Keras' 0.01 and 0.9 then). Returns buf, or NULL when
 * name is no such class. */
static inline const char *tf1_optimizer_written(const char *name, const char *lr,
                                                const char *momentum, char *buf, size_t size) {
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
                snprintf(buf, size, "%s(lr=%s, momentum=%s)", map[i].nnlc, lr ? lr : map[i].lr,
                         momentum ? momentum : map[i].momentum);
            else
                snprintf(buf, size, "%s(lr=%s)", map[i].nnlc, lr ? lr : map[i].lr);
            return buf;
        }
    return NULL;
}

static inline bool tf1_optimizer(const char *name) {
    char buf[64];
    return tf1_optimizer_written(name, NULL, NULL, buf, sizeof buf) != NULL;
}

#endif
