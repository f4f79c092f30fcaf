/*
 * loops.h — the loop IR: explicit loop nests over named buffers, specialized to the
 * model's static shapes. Lowered from the graph IR by loops.c (one builder per layer,
 * loss and optimizer); lowered to LLVM by cg_*.c, which knows nothing about layers.
 * Printable with --emit=loops, so a learner can see every loop the trainer runs.
 */
#ifndef NNLC_LOOPS_H
#define NNLC_LOOPS_H

#include <stdbool.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "graph.h"

typedef struct LoopProgram LoopProgram;

/* Lowers the graph; NULL (with a diagnostic at the layer) for what cannot be lowered. */
LoopProgram *loop_lower(Arena *a, const Graph *g, int elem_size, Diag *d);
bool loop_check(const LoopProgram *p, FILE *err);
void loop_print(const LoopProgram *p, FILE *out);

#endif
