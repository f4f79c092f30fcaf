/*
 * sema_layers.h — the layer vocabulary (sema_layers.c): which names are layers, which
 * options each takes, and which of them by position. Internal to the sema module.
 */
#ifndef NNLC_SEMA_LAYERS_H
#define NNLC_SEMA_LAYERS_H

#include "graph.h"

/* An accepted spelling of a layer. */
typedef struct LayerName {
    const char *name;
    OpKind op;
    int act;            /* ACTIVATION layers written as relu(), sigmoid(), … ; else -1 */
} LayerName;

enum { SEMA_MAX_LAYER_SPELLINGS = 128 };

/* The layer spelled `name` (any case), or NULL. */
const LayerName *sema_find_layer(const char *name);
/* Every spelling, for "did you mean": fills out (SEMA_MAX_LAYER_SPELLINGS at most), returns
 * how many. */
int sema_layer_spellings(const char **out);
/* The options of op (act: its activation, for relu(), softmax(), …; else -1), NULL-ended,
 * and in *pos those it takes by position, in Keras 3's order. */
const char *const *sema_layer_options(OpKind op, int act, const char *const **pos);

#endif
