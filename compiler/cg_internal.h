/*
 * cg_internal.h — what the code generator's files share: the Codegen context (one per
 * module) and the per-function state. Internal to the cg module:
 *
 *   cg_module.c   target machine, module, verification, passes, output files
 *   cg_loops.c    loop IR -> LLVM functions (loops, parallel outlining, expressions)
 *   cg_model.c    the NnrtModel descriptor of runtime/nnrt.h, as a constant
 *   cg_split.c    split compilation: which module defines each function, the threads
 *
 * The generated IR is meant to be read: values and blocks carry the loop IR's names
 * (`r.loop`, `dense_1.W`), every layer stays its own function at -O0.
 */
#ifndef NNLC_CG_INTERNAL_H
#define NNLC_CG_INTERNAL_H

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "cg.h"

enum { CG_MAX_LOOPS = 32, CG_MAX_TEMPS = 256 };

/* The ctx fields a function reads, each loaded on first use, in its entry block. */
typedef struct CgCtxFields {
    LLVMValueRef base[8];   /* indexed by BufBase: params, grads, opt_state, work, x, y, out, noise */
    LLVMValueRef batch;     /* i64 */
    LLVMValueRef training;  /* i1 */
    LLVMValueRef lr;        /* real */
    LLVMValueRef step;      /* i64 */
    LLVMValueRef pool;      /* ptr */
} CgCtxFields;

/* State of the LLVM function being emitted (an LFunc or an outlined parallel body). */
typedef struct CgFn {
    LLVMValueRef fn;
    LLVMValueRef ctx;              /* the NnrtCtx * argument (or loaded from the frame) */
    LLVMBasicBlockRef entry;       /* allocas live here, before its terminator */
    CgCtxFields f;
    const Buf *const *args;        /* buffers reached through arguments (LFunc.args) */
    LLVMValueRef arg[LOOP_MAX_ARGS];   /* their addresses */
    int nargs;
    LLVMValueRef result;           /* loss: double accumulator (alloca) */
    const char *temp_name[CG_MAX_TEMPS];
    LLVMValueRef temp_slot[CG_MAX_TEMPS];
    int ntemps;
    const LStmt *loop[CG_MAX_LOOPS];   /* enclosing loops, outermost first */
    LLVMValueRef var[CG_MAX_LOOPS];    /* their induction variables (i64) */
    int nloops;
    int nparallel;                 /* outlined bodies so far, for their names */
    const char *name;
    const char *title;             /* the function's first loop-IR comment (layer, line) */
    const char *comment;           /* the latest comment emitted, for outlined bodies */
} CgFn;

/* How the functions are split among modules compiled in parallel (cg_split.c). Every
 * module declares every function and defines its own part's; part 0 also holds the
 * descriptor. A function referenced from another part has external linkage and hidden
 * visibility (it stays inside the trainer); the others stay internal as in one module. */
typedef struct CgSplit {
    int nparts;
    int *part_of;                  /* per LFunc, in p->funcs order: the part defining it */
    bool *shared;                  /* per LFunc: referenced from another part */
} CgSplit;

typedef struct Codegen {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMTargetMachineRef tm;
    LLVMTargetDataRef td;
    const Graph *g;
    const LoopProgram *p;
    const CgOptions *opt;
    FILE *err;
    const CgSplit *split;          /* NULL: this module is the whole program */
    int part;                      /* with split: the part this module defines */

    LLVMTypeRef real, f64, i64, i32, i8, i1, ptr, void_t;
    LLVMTypeRef entry_type;        /* void (ptr ctx) */
    LLVMTypeRef loss_type;         /* double (ptr ctx) */
    LLVMTypeRef body_type;         /* void (ptr frame, i64 begin, i64 end, i32 chunk) */
    LLVMValueRef parallel_for;     /* nnrt_parallel_for */
    unsigned md_loop, md_scope, md_noalias;
    LLVMMetadataRef vectorize_md;  /* !{"llvm.loop.vectorize.enable", i1 true} */
    LLVMMetadataRef no_vectorize_md; /* !{"llvm.loop.vectorize.enable", i1 false} */
    LLVMMetadataRef unroll_disable_md; /* !{"llvm.loop.unroll.disable"} */

    /* Alias scopes: buffers that cannot overlap get distinct scopes (see cg_loops.c). */
    LLVMValueRef *scope_of;        /* per p->bufs index: !alias.scope list, or NULL */
    LLVMValueRef *noalias_of;      /* per group (its first buffer's index): the !noalias
                                      list of the statement being generated (the other
                                      groups it uses) */
    int *alias_root;               /* per p->bufs index: its group of may-overlap buffers,
                                      as the group's first buffer */
    LLVMMetadataRef *root_scope;   /* per group: its scope */
    int *alias_mark, alias_stamp;  /* per group: the statement that last listed it */
    int *roots_used, nroots_used;  /* the groups the current statement uses */

    LLVMValueRef *fn_of;           /* per LFunc, in p->funcs order */
    CgFn *cur;
} Codegen;

/* cg_loops.c: declares and defines one LLVM function per LFunc. */
void cg_functions(Codegen *cg);
/* After everything that refers to functions is built (the model descriptor). */
void cg_drop_unused_declarations(Codegen *cg);
LLVMValueRef cg_function_of(Codegen *cg, const LFunc *f);
/* Its type: void (ptr ctx, ptr arg…), or double (ptr ctx) for the loss. */
LLVMTypeRef cg_function_type(Codegen *cg, const LFunc *f);

/* cg_model.c: the `nnrt_model` global and the work_size function. */
void cg_model_descriptor(Codegen *cg);

/* cg_module.c: LLVM's process-wide set-up (target, command-line options), done once
 * before any module is made (before the threads start); then one module — the whole
 * program (split NULL) or one part — generated, verified, optimized and written. */
void cg_init_llvm(void);
bool cg_emit_module(const Graph *g, const LoopProgram *p, const CgOptions *opt,
                    const CgSplit *split, int part, CgEmit what, const char *out_path,
                    FILE *err);

/* cg_split.c: the index of f in p->funcs. */
int cg_func_index(const LoopProgram *p, const LFunc *f);

#endif
