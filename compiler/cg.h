/*
 * cg.h — LLVM code generation from the loop IR, through the LLVM C API: one module per
 * model, with the NnrtModel descriptor of runtime/nnrt.h, verified, optimized with the
 * new pass manager, and written as LLVM IR, assembly or an object file.
 */
#ifndef NNLC_CG_H
#define NNLC_CG_H

#include <stdbool.h>
#include <stdio.h>

#include "graph.h"
#include "loops.h"

typedef enum { CG_EMIT_LLVM, CG_EMIT_ASM, CG_EMIT_OBJ } CgEmit;

typedef struct CgOptions {
    int opt_level;        /* 0..3 */
    bool native_cpu;      /* this machine's CPU and features, else generic x86-64 */
    int elem_size;        /* 4 or 8 */
    const char *source_path;
} CgOptions;

/* Writes `what` to out_path ("-" = standard output, for text). Errors go to err. */
bool cg_emit(const Graph *g, const LoopProgram *p, const CgOptions *opt, CgEmit what,
             const char *out_path, FILE *err);

#endif
