/*
 * loops.c — lowering the graph IR to loops. (Being written: until it lands, every model
 * gets a clear error instead of a trainer.)
 */
#include "loops.h"

struct LoopProgram {
    const Graph *g;
};

LoopProgram *loop_lower(Arena *a, const Graph *g, int elem_size, Diag *d) {
    (void)a;
    (void)elem_size;
    diag_error(d, g->loc, "code generation is not implemented yet in this build");
    return NULL;
}

bool loop_check(const LoopProgram *p, FILE *err) {
    (void)err;
    return p != NULL;
}

void loop_print(const LoopProgram *p, FILE *out) {
    (void)p;
    (void)out;
}
