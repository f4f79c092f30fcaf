/*
 * tf1_optimizers.h — TensorFlow 1's optimizer classes (tf.train.AdamOptimizer, from older
 * course notes) as nnlc writes them, for hints: the parser's (the dotted name, whose error
 * the lexer gave, once the call's arguments are read) and the train block's (the class
 * name alone). Header only: the parser links no sema.
 */
#ifndef NNLC_TF1_OPTIMIZERS_H
#define NNLC_TF1_OPTIMIZERS_H

#include "ast.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
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

/* The number a parsed call gives as its argument number `position` (from 0) or as `key`,
 * as text ("%g" of it) into buf, or NULL (not given, or not a number). */
static inline const char *tf1_call_number(const Expr *call, int position, const char *key,
                                          char *buf, size_t size) {
    int k = 0;
    for (const Arg *a = call ? call->args : NULL; a; a = a->next, k++)
        if (a->key ? strcmp(a->key, key) == 0 : k == position) {
            if (a->value->kind != EX_NUM)
                return NULL;
            snprintf(buf, size, "%g", a->value->num);
            return buf;
        }
    return NULL;
}

/* TensorFlow 1's optimizer class `name` as nnlc writes it, with the learning rate,
 * momentum and use_nesterov=True the call gives (NULL: none given):
 * GradientDescentOptimizer(0.1) is sgd(lr=0.1), MomentumOptimizer(0.02, 0.95)
 * sgd(lr=0.02, momentum=0.95). Said by sema of the name alone and by the parser of the
 * name with a module prefix (tf.train.…), whose error the lexer gave. */
static inline const char *tf1_call_written(const char *name, const Expr *call, char *buf,
                                           size_t size) {
    char lr[32], momentum[32];
    bool nesterov = false;
    for (const Arg *a = call ? call->args : NULL; a; a = a->next)
        nesterov |= a->key && strcmp(a->key, "use_nesterov") == 0 &&
                    a->value->kind == EX_NAME && strcasecmp(a->value->str, "true") == 0;
    return tf1_optimizer_written(name, tf1_call_number(call, 0, "learning_rate", lr, sizeof lr),
                                 tf1_call_number(call, 1, "momentum", momentum, sizeof momentum),
                                 nesterov, buf, size);
}

#endif
