/*
 * cg_module.c — LLVM module emission. (Being written.)
 */
#include "cg.h"

bool cg_emit(const Graph *g, const LoopProgram *p, const CgOptions *opt, CgEmit what,
             const char *out_path, FILE *err) {
    (void)g;
    (void)p;
    (void)opt;
    (void)what;
    (void)out_path;
    fprintf(err, "nnlc: error: code generation is not implemented yet in this build\n");
    return false;
}
