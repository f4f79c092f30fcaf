/*
 * tf1_optimizers.h — TensorFlow 1's optimizer classes (tf.train.AdamOptimizer, from older
 * course notes) as nnlc writes them, for hints: the lexer's (the dotted name) and the train
 * block's (the class name alone). Header only: the lexer links no sema.
 */
#ifndef NNLC_TF1_OPTIMIZERS_H
#define NNLC_TF1_OPTIMIZERS_H

#include <stddef.h>
#include <strings.h>

/* nnlc's spelling of TensorFlow 1's optimizer class `name` (any case), or NULL. */
static inline const char *tf1_optimizer_spelling(const char *name) {
    static const char *const map[][2] = {
        {"GradientDescentOptimizer", "sgd(lr=0.01)"},
        {"MomentumOptimizer", "sgd(lr=0.01, momentum=0.9)"},
        {"AdamOptimizer", "adam(lr=0.001)"},
        {"AdagradOptimizer", "adagrad(lr=0.001)"},
        {"AdadeltaOptimizer", "adadelta(lr=0.001)"},
        {"RMSPropOptimizer", "rmsprop(lr=0.001)"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(name, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

#endif
