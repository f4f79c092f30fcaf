/*
 * cg_module.c — one LLVM module per model (or per part of a split, cg_split.c): the target
 * machine (this CPU with its vector features, or generic x86-64), the functions of the
 * loop program (cg_loops.c), the NnrtModel descriptor (cg_model.c), verification, the new
 * pass manager's passes (-O2's own list, or LLVM's default<On>), and the output: LLVM IR,
 * assembly or an object file. Everything here is per module, so modules can be compiled
 * in parallel threads, each with its own context; only cg_init_llvm() touches
 * process-wide state.
 */
#include "cg_internal.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Support.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* glibc's libmvec supplies vector exp/log (_ZGVdN8v_logf…): with it LLVM vectorizes the
 * losses' logarithms and f64 exponentials instead of calling the scalar function once
 * per element (f32 exponentials need no library: cg_loops.c, gen_expf). The
 * trainer links it through -lm. LLVM reads the choice from its command-line options,
 * which are process-wide: they are parsed once, with the target's registration, before
 * any thread makes a module. */
void cg_init_llvm(void) {
    static bool done;
    if (done)
        return;
    done = true;
    const char *argv[] = {"nnlc", "-vector-library=LIBMVEC-X86"};
    LLVMParseCommandLineOptions(2, argv, NULL);
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();
}

static LLVMTargetMachineRef target_machine(const CgOptions *opt, FILE *err) {
    char *triple = LLVMGetDefaultTargetTriple();
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
        fprintf(err, "nnlc: error: no LLVM target for '%s': %s\n", triple, msg);
        LLVMDisposeMessage(msg);
        LLVMDisposeMessage(triple);
        return NULL;
    }
    char *cpu = opt->native_cpu ? LLVMGetHostCPUName() : NULL;
    char *features = opt->native_cpu ? LLVMGetHostCPUFeatures() : NULL;
    LLVMCodeGenOptLevel level = opt->opt_level == 0   ? LLVMCodeGenLevelNone
                                : opt->opt_level == 1 ? LLVMCodeGenLevelLess
                                : opt->opt_level == 2 ? LLVMCodeGenLevelDefault
                                                      : LLVMCodeGenLevelAggressive;
    /* PIC: Debian's cc links position-independent executables by default. */
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(
        target, triple, cpu ? cpu : "x86-64", features ? features : "", level, LLVMRelocPIC,
        LLVMCodeModelDefault);
    LLVMDisposeMessage(triple);
    if (cpu)
        LLVMDisposeMessage(cpu);
    if (features)
        LLVMDisposeMessage(features);
    if (!tm)
        fprintf(err, "nnlc: error: LLVM could not create a target machine\n");
    return tm;
}

/* LLVM's warnings and remarks ("loop not vectorized" where a vector hint could not be
 * honoured: a loop of 2 iterations, a call) say nothing the user can act on; errors are
 * compiler bugs and are printed. */
static void diagnostic_handler(LLVMDiagnosticInfoRef info, void *err) {
    if (LLVMGetDiagInfoSeverity(info) != LLVMDSError)
        return;
    char *msg = LLVMGetDiagInfoDescription(info);
    fprintf((FILE *)err, "nnlc: internal error: LLVM: %s\n", msg);
    LLVMDisposeMessage(msg);
}

static void init_types(Codegen *cg) {
    LLVMContextRef c = cg->ctx;
    cg->f64 = LLVMDoubleTypeInContext(c);
    cg->real = cg->opt->elem_size == 8 ? cg->f64 : LLVMFloatTypeInContext(c);
    cg->i64 = LLVMInt64TypeInContext(c);
    cg->i32 = LLVMInt32TypeInContext(c);
    cg->i8 = LLVMInt8TypeInContext(c);
    cg->i1 = LLVMInt1TypeInContext(c);
    cg->ptr = LLVMPointerTypeInContext(c, 0);
    cg->void_t = LLVMVoidTypeInContext(c);
    cg->entry_type = LLVMFunctionType(cg->void_t, &cg->ptr, 1, false);
    cg->loss_type = LLVMFunctionType(cg->f64, &cg->ptr, 1, false);
    LLVMTypeRef body[4] = {cg->ptr, cg->i64, cg->i64, cg->i32};
    cg->body_type = LLVMFunctionType(cg->void_t, body, 4, false);
    cg->md_loop = LLVMGetMDKindIDInContext(c, "llvm.loop", 9);
    cg->md_scope = LLVMGetMDKindIDInContext(c, "alias.scope", 11);
    cg->md_noalias = LLVMGetMDKindIDInContext(c, "noalias", 7);
}

static bool verify(Codegen *cg) {
    char *msg = NULL;
    if (!LLVMVerifyModule(cg->mod, LLVMReturnStatusAction, &msg)) {
        LLVMDisposeMessage(msg);
        return true;
    }
    fprintf(cg->err, "%s:%d: internal error: the generated LLVM module is invalid:\n%s\n",
            __FILE__, __LINE__, msg);
    LLVMDisposeMessage(msg);
    char *ir = LLVMPrintModuleToString(cg->mod);
    fputs(ir, cg->err);
    LLVMDisposeMessage(ir);
    return false;
}

/* One pass over the function, as in default<O2>; LLVM 18+ would otherwise check that it
 * reached a fixed point and abort when it did not. */
#define INSTCOMBINE "instcombine<max-iterations=1;no-verify-fixpoint>"

/* -O2's passes: those of LLVM's default<O2> that change a loop program's vector code,
 * in default<O2>'s order. The rest (inlining and the other interprocedural passes, jump
 * threading, dead-store elimination, loop distribution, loop-load elimination, ...)
 * finds nothing to do in nnlc's functions, which call no function but the pool's and the
 * vector math library's, and induction-variable simplification only tidies the outer
 * loops' scalar code (code generation's strength reduction redoes it); together they
 * took a third of the optimizer's time. Found by removing default<O2>'s passes one at a
 * time and keeping a removal when every example's vector code (its vector phis, loads,
 * stores and scalar exp/log calls) stayed the same. The MLP and CNN examples' assembly
 * then has as many vector instructions as with default<O2>; the recurrent and GLU
 * examples' differs by under 5% (lstm_rows trains 20% faster). docs/performance.md,
 * "Compile time"; tests/cli.sh checks the vector FMAs against -O3. */
static const char O2_PIPELINE[] =
    "function("
    "early-cse," INSTCOMBINE ",sroa,early-cse<memssa>,reassociate,"
    "loop-mssa(loop-instsimplify,loop-simplifycfg,loop-rotate,licm,simple-loop-unswitch),"
    INSTCOMBINE ","
    "loop(loop-idiom,simple-loop-unswitch,loop-deletion,loop-unroll-full),"
    "gvn,loop-mssa(licm),"
    "inject-tli-mappings,loop-vectorize," INSTCOMBINE ","
    "simplifycfg<no-keep-loops;hoist-common-insts;sink-common-insts>,slp-vectorizer,"
    "loop-unroll," INSTCOMBINE ",loop-mssa(licm),instsimplify"
    "),globaldce";

static LLVMErrorRef run_passes(Codegen *cg, const char *passes) {
    LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopVectorization(po, true);
    LLVMPassBuilderOptionsSetSLPVectorization(po, true);
    LLVMPassBuilderOptionsSetLoopUnrolling(po, true);
    LLVMErrorRef e = LLVMRunPasses(cg->mod, passes, cg->tm, po);
    LLVMDisposePassBuilderOptions(po);
    return e;
}

/* -O1 and -O3 run LLVM's default<O1> and default<O3>. -O2 runs O2_PIPELINE, or
 * default<O2> on an LLVM that cannot parse it: LLVMRunPasses parses the whole pipeline
 * before it runs any pass, so a refused pipeline has not touched the module. */
static bool optimize(Codegen *cg) {
    int level = cg->opt->opt_level;
    if (level == 0)
        return true;
    if (level == 2) {
        LLVMErrorRef e = run_passes(cg, O2_PIPELINE);
        if (!e)
            return true;
        LLVMConsumeError(e); /* this LLVM does not know one of the passes: default<O2> */
    }
    char passes[32];
    snprintf(passes, sizeof passes, "default<O%d>", level);
    LLVMErrorRef e = run_passes(cg, passes);
    if (e) {
        char *msg = LLVMGetErrorMessage(e);
        fprintf(cg->err, "nnlc: error: LLVM passes failed: %s\n", msg);
        LLVMDisposeErrorMessage(msg);
        return false;
    }
    return true;
}

/* Writes n bytes to out_path ("-": standard output) through stdio, every step checked,
 * so that a full disk is "cannot write FILE: No space left on device" (exit 2) and not
 * LLVM's raw "LLVM ERROR: IO failure on output stream" from its own file writing. A
 * device or FIFO given as -o is written through, never replaced. */
static bool write_bytes(Codegen *cg, const char *out_path, const char *data, size_t n) {
    bool to_stdout = strcmp(out_path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(out_path, "wb");
    if (!f) {
        fprintf(cg->err, "nnlc: error: cannot write '%s': %s\n", out_path, strerror(errno));
        return false;
    }
    errno = 0;
    bool ok = fwrite(data, 1, n, f) == n;
    ok = fflush(f) == 0 && ok && !ferror(f);
    int saved = errno;
    if (!to_stdout && fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok)
        fprintf(cg->err, "nnlc: error: cannot write %s%s%s: %s\n", to_stdout ? "" : "'",
                to_stdout ? "standard output" : out_path, to_stdout ? "" : "'",
                saved ? strerror(saved) : "a write failed");
    return ok;
}

static bool write_output(Codegen *cg, CgEmit what, const char *out_path) {
    char *msg = NULL;
    if (what == CG_EMIT_LLVM) {
        char *ir = LLVMPrintModuleToString(cg->mod);
        bool ok = write_bytes(cg, out_path, ir, strlen(ir));
        LLVMDisposeMessage(ir);
        return ok;
    }
    LLVMCodeGenFileType ft = what == CG_EMIT_ASM ? LLVMAssemblyFile : LLVMObjectFile;
    LLVMMemoryBufferRef buf;
    if (!LLVMTargetMachineEmitToMemoryBuffer(cg->tm, cg->mod, ft, &msg, &buf)) {
        bool ok = write_bytes(cg, out_path, LLVMGetBufferStart(buf), LLVMGetBufferSize(buf));
        LLVMDisposeMemoryBuffer(buf);
        return ok;
    }
    fprintf(cg->err, "nnlc: error: cannot generate code for '%s': %s\n", out_path, msg ? msg : "");
    LLVMDisposeMessage(msg);
    return false;
}

double cg_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bool cg_emit_module(const Graph *g, const LoopProgram *p, const CgOptions *opt,
                    const CgSplit *split, int part, CgEmit what, const char *out_path,
                    FILE *err) {
    double start = cg_seconds();
    Codegen cg = {0};
    cg.g = g;
    cg.p = p;
    cg.opt = opt;
    cg.err = err;
    cg.split = split;
    cg.part = part;
    cg.tm = target_machine(opt, err);
    if (!cg.tm)
        return false;
    cg.ctx = LLVMContextCreate();
    LLVMContextSetDiagnosticHandler(cg.ctx, diagnostic_handler, err);
    cg.mod = LLVMModuleCreateWithNameInContext(g->name, cg.ctx);
    cg.b = LLVMCreateBuilderInContext(cg.ctx);
    cg.td = LLVMCreateTargetDataLayout(cg.tm);
    char *triple = LLVMGetTargetMachineTriple(cg.tm);
    LLVMSetTarget(cg.mod, triple);
    LLVMDisposeMessage(triple);
    LLVMSetModuleDataLayout(cg.mod, cg.td);
    if (opt->source_path)
        LLVMSetSourceFileName(cg.mod, opt->source_path, strlen(opt->source_path));
    init_types(&cg);

    cg_functions(&cg);
    if (!split || part == 0)
        cg_model_descriptor(&cg);
    cg_drop_unused_declarations(&cg);
    bool ok = verify(&cg);
    double built = cg_seconds();
    ok = ok && optimize(&cg);
    double optimized = cg_seconds();
    ok = ok && write_output(&cg, what, out_path);
    if (opt->times) {
        int functions = 0, i = 0;
        for (const LFunc *f = p->funcs; f; f = f->next, i++)
            functions += !split || split->part_of[i] == part;
        opt->times[part] = (CgTimes){built - start, optimized - built,
                                     cg_seconds() - optimized, functions};
    }

    free(cg.fn_of);
    free(cg.scope_of);
    free(cg.noalias_of);
    free(cg.alias_root);
    free(cg.root_scope);
    free(cg.alias_mark);
    free(cg.roots_used);
    LLVMDisposeBuilder(cg.b);
    LLVMDisposeModule(cg.mod);
    LLVMDisposeTargetData(cg.td);
    LLVMDisposeTargetMachine(cg.tm);
    LLVMContextDispose(cg.ctx);
    return ok;
}

bool cg_emit(const Graph *g, const LoopProgram *p, const CgOptions *opt, CgEmit what,
             const char *out_path, FILE *err) {
    cg_init_llvm();
    return cg_emit_module(g, p, opt, NULL, 0, what, out_path, err);
}
