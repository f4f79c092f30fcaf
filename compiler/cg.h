/*
 * cg.h — LLVM code generation from the loop IR, through the LLVM C API: one module per
 * model, with the NnrtModel descriptor of runtime/nnrt.h, verified, optimized with the
 * new pass manager, and written as LLVM IR, assembly or an object file. For a linked
 * trainer the functions may instead be split among several modules, optimized and
 * compiled in parallel threads into one object file each.
 */
#ifndef NNLC_CG_H
#define NNLC_CG_H

#include <stdbool.h>
#include <stdio.h>

#include "graph.h"
#include "loops.h"

typedef enum { CG_EMIT_LLVM, CG_EMIT_ASM, CG_EMIT_OBJ } CgEmit;

/* Where one module's compilation went (nnlc --time), in seconds: building its LLVM IR
 * (target machine and verifier included), LLVM's passes, code generation and writing. */
typedef struct CgTimes {
    double ir, passes, codegen;
    int functions;        /* the loop-IR functions the module defines */
} CgTimes;

typedef struct CgOptions {
    int opt_level;        /* 0..3 */
    bool native_cpu;      /* this machine's CPU and features, else generic x86-64 */
    int elem_size;        /* 4 or 8 */
    const char *source_path;
    CgTimes *times;       /* NULL, or one per module (part), each filled by its thread */
} CgOptions;

/* A monotonic clock, in seconds. */
double cg_seconds(void);

/* Writes `what` to out_path ("-" = standard output, for text). Errors go to err. */
bool cg_emit(const Graph *g, const LoopProgram *p, const CgOptions *opt, CgEmit what,
             const char *out_path, FILE *err);

/* Writes the trainer's code as nparts object files paths[0..nparts), compiled in nparts
 * threads: the functions are split by estimated size (each function's code is what
 * cg_emit would give it); paths[0] also holds the NnrtModel descriptor. Errors go to err
 * once every thread has finished. */
bool cg_emit_objects(const Graph *g, const LoopProgram *p, const CgOptions *opt, int nparts,
                     const char *const *paths, FILE *err);

#endif
