/*
 * cg_loops.c — lowers the loop IR to LLVM IR, knowing nothing of layers.
 *
 * Every LFunc becomes an internal function `void name(ptr %ctx)` (the loss returns a
 * double; split compilation, cg_split.c, makes those called across parts hidden) that
 * loads the NnrtCtx fields it needs once, in its entry block. A function that layers
 * share (loops_share.c) also takes the addresses of its buffer arguments: `void
 * conv2d_1.forward(ptr %ctx, ptr %conv2d_1.W, …)`. A loop becomes the usual
 * four blocks
 *
 *     r.loop:  %r = phi [0, pre] [%r.next, r.next]     ; condition r < extent
 *     r.body:  ...
 *     r.next:  %r.next = add nsw %r, 1   (vector loops: !llvm.loop vectorize.enable)
 *     r.done:
 *
 * and a parallel loop is outlined into `name.parN(ptr %frame, i64 %begin, i64 %end,
 * i32 %chunk)`, which the runtime's nnrt_parallel_for() runs on contiguous chunks. The
 * frame carries the ctx, the values of the enclosing loops' variables and of the caller's
 * temporaries the body reads (it may not assign them: loop_check() guarantees it).
 *
 * Distinct loop-IR buffers never overlap (parameters are disjoint slices, every work
 * buffer has its own rows), so each group of buffers that may overlap gets one alias
 * scope and every access says it does not alias the other groups its loop nest uses: the
 * vectorizer then needs no run-time overlap checks.
 */
#include "cg_internal.h"

#include <llvm-c/DebugInfo.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt.h"

static LLVMValueRef gen_int(Codegen *cg, const LExpr *e);
static LLVMValueRef gen_real(Codegen *cg, const LExpr *e);
static void gen_stmts(Codegen *cg, const LStmt *s);

static const char *const base_field_names[8] = {"params", "grads", "opt_state", "work",
                                                "x",      "y",     "out",       "noise"};

/* ---- alias scopes ---- */

static int group_root(int *parent, int i) {
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

static void join(int *parent, int i, int j) {
    parent[group_root(parent, j)] = group_root(parent, i);
}

/* A buffer's elements as an interval, for the groups below. */
typedef struct Span {
    int64_t lo, hi;
    int buf;
} Span;

static int span_order(const void *a, const void *b) {
    const Span *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->buf - y->buf;
}

/* Joins the buffers whose intervals overlap, directly or through others: sorted by their
 * start, each interval overlaps the group before it if it starts before the group's end. */
static void join_overlapping(Span *sp, int m, int *parent) {
    qsort(sp, (size_t)m, sizeof *sp, span_order);
    int64_t end = 0;
    for (int k = 0; k < m; k++) {
        if (k > 0 && sp[k].lo < end) {
            join(parent, sp[k - 1].buf, sp[k].buf);
            end = sp[k].hi > end ? sp[k].hi : end;
        } else {
            end = sp[k].hi;
        }
    }
}

/* One scope per group of buffers that may overlap (loop_bufs_may_overlap, joined until no
 * two groups overlap), each group named after its first buffer. Intervals are joined in
 * sorted order rather than pair by pair: a model of 2,000 layers has 16,000 buffers. */
static void build_alias_scopes(Codegen *cg) {
    const LoopProgram *p = cg->p;
    int n = p->nbufs;
    cg->scope_of = calloc((size_t)n + 1, sizeof(LLVMValueRef));
    cg->noalias_of = calloc((size_t)n + 1, sizeof(LLVMValueRef));
    cg->root_scope = calloc((size_t)n + 1, sizeof(LLVMMetadataRef));
    cg->alias_mark = calloc((size_t)n + 1, sizeof(int));
    cg->roots_used = malloc(sizeof(int) * ((size_t)n + 1));
    int *parent = cg->alias_root = malloc(sizeof(int) * ((size_t)n + 1));
    for (int i = 0; i < n; i++)
        parent[i] = i;
    /* ranges of params, grads, state; fixed work; work columns; one region each for
     * x, y, out and noise; batched work that lies elsewhere overlaps all batched work */
    enum { PLACES = 7 };
    Span *sp = malloc(sizeof(Span) * ((size_t)n + 1));
    int last_of_base[8] = {-1, -1, -1, -1, -1, -1, -1, -1}, elsewhere = -1;
    for (int place = 0; place < PLACES; place++) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            const Buf *b = p->bufs[i];
            bool work = b->base == BUF_WORK, batched = work && b->row_size;
            if (place <= 2 && (int)b->base == place) /* BUF_PARAMS, BUF_GRADS, BUF_STATE */
                sp[m++] = (Span){b->start, b->start + b->size, i};
            else if (place == 3 && work && !batched)
                sp[m++] = (Span){b->start, b->start + b->size, i};
            else if (place == 4 && batched && b->start == 0)
                sp[m++] = (Span){b->start_per_row, b->start_per_row + b->row_size, i};
            else if (place == 5 && batched && b->start != 0 && elsewhere < 0)
                elsewhere = i;
            else if (place == 6 && b->base > BUF_WORK) {
                if (last_of_base[b->base] >= 0)
                    join(parent, last_of_base[b->base], i);
                last_of_base[b->base] = i;
            }
        }
        if (m)
            join_overlapping(sp, m, parent);
    }
    if (elsewhere >= 0)
        for (int i = 0; i < n; i++)
            if (p->bufs[i]->base == BUF_WORK && p->bufs[i]->row_size)
                join(parent, elsewhere, i);
    free(sp);
    /* each buffer's group as the group's first buffer */
    int *first = malloc(sizeof(int) * ((size_t)n + 1));
    for (int i = 0; i < n; i++)
        first[i] = -1;
    for (int i = 0; i < n; i++) {
        int r = group_root(parent, i);
        if (first[r] < 0)
            first[r] = i;
    }
    for (int i = 0; i < n; i++)
        first[i] = first[group_root(parent, i)];
    memcpy(parent, first, sizeof(int) * (size_t)n);
    free(first);

    LLVMMetadataRef dom_name = LLVMMDStringInContext2(cg->ctx, "nnlc.buffers", 12);
    LLVMMetadataRef domain = LLVMMDNodeInContext2(cg->ctx, &dom_name, 1);
    for (int i = 0; i < n; i++)
        if (parent[i] == i) {
            char name[300];
            snprintf(name, sizeof name, "nnlc.buf.%s", p->bufs[i]->name);
            LLVMMetadataRef ops[2] = {LLVMMDStringInContext2(cg->ctx, name, strlen(name)),
                                      domain};
            cg->root_scope[i] = LLVMMDNodeInContext2(cg->ctx, ops, 2);
            cg->scope_of[i] = LLVMMetadataAsValue(cg->ctx,
                                                  LLVMMDNodeInContext2(cg->ctx, &cg->root_scope[i], 1));
        }
    for (int i = 0; i < n; i++)
        cg->scope_of[i] = cg->scope_of[parent[i]];
}

/* The groups a statement uses (its nested loops and outlined parallel bodies included),
 * each listed once in cg->roots_used: alias_mark holds the statement's stamp. */
static void mark_root(Codegen *cg, const Buf *b) {
    if (b->id == 0)
        return;
    int r = cg->alias_root[b->id - 1];
    if (cg->alias_mark[r] != cg->alias_stamp) {
        cg->alias_mark[r] = cg->alias_stamp;
        cg->roots_used[cg->nroots_used++] = r;
    }
}

static void mark_expr_roots(Codegen *cg, const LExpr *e) {
    if (!e)
        return;
    if (e->kind == E_LOAD)
        mark_root(cg, e->buf);
    mark_expr_roots(cg, e->a);
    mark_expr_roots(cg, e->b);
    mark_expr_roots(cg, e->c);
}

static void mark_stmt_roots(Codegen *cg, const LStmt *s) {
    if (s->kind == S_STORE || s->kind == S_ACCUM)
        mark_root(cg, s->buf);
    if (s->kind == S_CALL) /* a call's arguments are addresses: not accesses */
        return;
    mark_expr_roots(cg, s->index);
    mark_expr_roots(cg, s->value);
    mark_expr_roots(cg, s->extent);
    for (const LStmt *c = s->body; c; c = c->next)
        mark_stmt_roots(cg, c);
    for (const LStmt *c = s->orelse; c; c = c->next)
        mark_stmt_roots(cg, c);
}

static int int_order(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

/* Each access of a function's top-level statement (a loop nest, usually) says it does not
 * alias the other groups that statement uses. Only those: the passes that need to tell
 * buffers apart (vectorizer, LICM) look within one loop nest, and scoped alias analysis
 * compares lists, so lists of every buffer of the model made the optimizer's time grow
 * with the square of its layers (a model of 256 layers: 44 MB of metadata). */
static void build_noalias_lists(Codegen *cg, const LStmt *s) {
    cg->alias_stamp++;
    cg->nroots_used = 0;
    mark_stmt_roots(cg, s);
    int nused = cg->nroots_used, *roots = cg->roots_used;
    qsort(roots, (size_t)nused, sizeof *roots, int_order);
    LLVMMetadataRef *others = malloc(sizeof(LLVMMetadataRef) * ((size_t)nused + 1));
    for (int a = 0; a < nused; a++) {
        int k = 0;
        for (int b = 0; b < nused; b++)
            if (b != a)
                others[k++] = cg->root_scope[roots[b]];
        cg->noalias_of[roots[a]] =
            LLVMMetadataAsValue(cg->ctx, LLVMMDNodeInContext2(cg->ctx, others, (size_t)k));
    }
    free(others);
}

static void tag_access(Codegen *cg, LLVMValueRef inst, const Buf *buf) {
    if (buf->id == 0) /* a buffer the program does not list (one optimizer scalar) */
        return;       /* no scopes: it may alias anything */
    LLVMSetMetadata(inst, cg->md_scope, cg->scope_of[buf->id - 1]);
    LLVMSetMetadata(inst, cg->md_noalias, cg->noalias_of[cg->alias_root[buf->id - 1]]);
}

/* ---- function state ---- */

/* A builder that inserts at the end of the entry block (before its branch): allocas and
 * the loads of ctx fields live there, so they dominate every use. */
static LLVMBuilderRef entry_builder(Codegen *cg) {
    LLVMBuilderRef eb = LLVMCreateBuilderInContext(cg->ctx);
    LLVMValueRef term = LLVMGetBasicBlockTerminator(cg->cur->entry);
    if (term)
        LLVMPositionBuilderBefore(eb, term);
    else
        LLVMPositionBuilderAtEnd(eb, cg->cur->entry);
    return eb;
}

static LLVMValueRef entry_alloca(Codegen *cg, LLVMTypeRef type, const char *name) {
    LLVMBuilderRef eb = entry_builder(cg);
    LLVMValueRef slot = LLVMBuildAlloca(eb, type, name);
    LLVMDisposeBuilder(eb);
    return slot;
}

/* Loads a field of the NnrtCtx once per function, on first use. */
static LLVMValueRef ctx_field(Codegen *cg, LLVMValueRef *cache, LLVMTypeRef type, size_t offset,
                              const char *name) {
    if (*cache)
        return *cache;
    LLVMBuilderRef eb = entry_builder(cg);
    LLVMValueRef off = LLVMConstInt(cg->i64, offset, false);
    char addr_name[64];
    snprintf(addr_name, sizeof addr_name, "ctx.%s", name);
    LLVMValueRef addr = LLVMBuildInBoundsGEP2(eb, cg->i8, cg->cur->ctx, &off, 1, addr_name);
    LLVMValueRef v = LLVMBuildLoad2(eb, type, addr, name);
    if (type == cg->i32) /* training */
        v = LLVMBuildICmp(eb, LLVMIntNE, v, LLVMConstInt(cg->i32, 0, false), name);
    else if (type == cg->f64 && cg->real != cg->f64) /* lr */
        v = LLVMBuildFPTrunc(eb, v, cg->real, name);
    LLVMDisposeBuilder(eb);
    return *cache = v;
}

static LLVMValueRef ctx_base(Codegen *cg, BufBase base) {
    static const size_t offset[8] = {
        offsetof(NnrtCtx, params), offsetof(NnrtCtx, grads), offsetof(NnrtCtx, opt_state),
        offsetof(NnrtCtx, work),   offsetof(NnrtCtx, x),     offsetof(NnrtCtx, y),
        offsetof(NnrtCtx, out),    offsetof(NnrtCtx, noise)};
    return ctx_field(cg, &cg->cur->f.base[base], cg->ptr, offset[base], base_field_names[base]);
}

static LLVMValueRef ctx_batch(Codegen *cg) {
    return ctx_field(cg, &cg->cur->f.batch, cg->i64, offsetof(NnrtCtx, batch), "B");
}

static LLVMValueRef ctx_training(Codegen *cg) {
    return ctx_field(cg, &cg->cur->f.training, cg->i32, offsetof(NnrtCtx, training), "training");
}

static LLVMValueRef ctx_lr(Codegen *cg) {
    return ctx_field(cg, &cg->cur->f.lr, cg->f64, offsetof(NnrtCtx, lr), "lr");
}

static LLVMValueRef ctx_step(Codegen *cg) {
    return ctx_field(cg, &cg->cur->f.step, cg->i64, offsetof(NnrtCtx, step), "step");
}

static LLVMValueRef ctx_pool(Codegen *cg) {
    return ctx_field(cg, &cg->cur->f.pool, cg->ptr, offsetof(NnrtCtx, pool), "pool");
}

/* Creates the entry block (allocas) and the first block of code. */
static void begin_body(Codegen *cg, CgFn *fn) {
    fn->entry = LLVMAppendBasicBlockInContext(cg->ctx, fn->fn, "entry");
    LLVMBasicBlockRef start = LLVMAppendBasicBlockInContext(cg->ctx, fn->fn, "start");
    LLVMPositionBuilderAtEnd(cg->b, fn->entry);
    LLVMBuildBr(cg->b, start);
    LLVMPositionBuilderAtEnd(cg->b, start);
}

static LLVMValueRef temp_slot(Codegen *cg, const char *name, bool create) {
    CgFn *fn = cg->cur;
    for (int i = 0; i < fn->ntemps; i++)
        if (strcmp(fn->temp_name[i], name) == 0)
            return fn->temp_slot[i];
    if (!create || fn->ntemps == CG_MAX_TEMPS) {
        NNLC_UNREACHABLE("temporary '%s' in %s", name, fn->name);
    }
    fn->temp_name[fn->ntemps] = name;
    return fn->temp_slot[fn->ntemps++] = entry_alloca(cg, cg->real, name);
}

static LLVMValueRef loop_var(Codegen *cg, const LStmt *loop) {
    for (int i = cg->cur->nloops - 1; i >= 0; i--)
        if (cg->cur->loop[i] == loop)
            return cg->cur->var[i];
    NNLC_UNREACHABLE("loop variable %s used outside its loop", loop->var);
}

/* ---- expressions ---- */

static LLVMValueRef intrinsic_n(Codegen *cg, const char *name, LLVMValueRef *args, unsigned n) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMTypeRef type = cg->real;
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, id, &type, 1);
    LLVMTypeRef params[3] = {cg->real, cg->real, cg->real};
    LLVMTypeRef fty = LLVMFunctionType(cg->real, params, n, false);
    return LLVMBuildCall2(cg->b, fty, fn, args, n, "");
}

static LLVMValueRef intrinsic(Codegen *cg, const char *name, LLVMValueRef x, LLVMValueRef y) {
    LLVMValueRef args[2] = {x, y};
    return intrinsic_n(cg, name, args, y ? 2 : 1);
}

/* a·b + c as llvm.fmuladd: one FMA instruction where the CPU has it (the products of
 * every dense and convolution layer are made of these). */
static LLVMValueRef gen_fmuladd(Codegen *cg, const LExpr *product, LLVMValueRef c) {
    LLVMValueRef args[3] = {gen_real(cg, product->a), gen_real(cg, product->b), c};
    return intrinsic_n(cg, "llvm.fmuladd", args, 3);
}

static bool is_product(const LExpr *e) { return e->kind == E_BIN && e->op == '*'; }

/* A libm function of the model precision (erff or erf): no LLVM intrinsic exists. */
static LLVMValueRef libm(Codegen *cg, const char *name, LLVMValueRef x) {
    char full[16];
    snprintf(full, sizeof full, "%s%s", name, cg->real == cg->f64 ? "" : "f");
    LLVMTypeRef fty = LLVMFunctionType(cg->real, &cg->real, 1, false);
    LLVMValueRef fn = LLVMGetNamedFunction(cg->mod, full);
    if (!fn)
        fn = LLVMAddFunction(cg->mod, full, fty);
    return LLVMBuildCall2(cg->b, fty, fn, &x, 1, "");
}

static LLVMValueRef buf_addr(Codegen *cg, const Buf *buf, LLVMValueRef index) {
    for (int k = 0; k < cg->cur->nargs; k++) /* a shared function's argument */
        if (cg->cur->args[k] == buf)
            return LLVMBuildInBoundsGEP2(cg->b, cg->real, cg->cur->arg[k], &index, 1, buf->name);
    LLVMValueRef off = index;
    if (buf->start)
        off = LLVMBuildAdd(cg->b, off, LLVMConstInt(cg->i64, (uint64_t)buf->start, false), "");
    if (buf->base == BUF_WORK && buf->start_per_row) {
        LLVMValueRef rows = LLVMBuildMul(cg->b, ctx_batch(cg),
                                         LLVMConstInt(cg->i64, (uint64_t)buf->start_per_row, false), "");
        off = LLVMBuildAdd(cg->b, off, rows, "");
    }
    return LLVMBuildInBoundsGEP2(cg->b, cg->real, ctx_base(cg, buf->base), &off, 1, buf->name);
}

static LLVMValueRef gen_load(Codegen *cg, const Buf *buf, LLVMValueRef index) {
    LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->real, buf_addr(cg, buf, index), "");
    tag_access(cg, v, buf);
    return v;
}

static void gen_store(Codegen *cg, const Buf *buf, LLVMValueRef index, LLVMValueRef value) {
    LLVMValueRef st = LLVMBuildStore(cg->b, value, buf_addr(cg, buf, index));
    tag_access(cg, st, buf);
}

static LLVMValueRef gen_int(Codegen *cg, const LExpr *e) {
    switch (e->kind) {
    case E_INT: return LLVMConstInt(cg->i64, (uint64_t)e->ival, true);
    case E_VAR: return loop_var(cg, e->loop);
    case E_BATCH: return ctx_batch(cg);
    case E_STEP: return ctx_step(cg);
    case E_IADD: return LLVMBuildNSWAdd(cg->b, gen_int(cg, e->a), gen_int(cg, e->b), "");
    case E_IMUL: return LLVMBuildNSWMul(cg->b, gen_int(cg, e->a), gen_int(cg, e->b), "");
    case E_IDIV:
        return LLVMBuildUDiv(cg->b, gen_int(cg, e->a), LLVMConstInt(cg->i64, (uint64_t)e->ival, false), "");
    case E_TO_INT: { /* clamped while still real: NaN fails the first compare and becomes 0 */
        LLVMValueRef v = gen_real(cg, e->a), lo = LLVMConstReal(cg->real, 0);
        LLVMValueRef hi = LLVMConstReal(cg->real, (double)(e->ival - 1));
        v = LLVMBuildSelect(cg->b, LLVMBuildFCmp(cg->b, LLVMRealOGT, v, lo, ""), v, lo, "");
        v = LLVMBuildSelect(cg->b, LLVMBuildFCmp(cg->b, LLVMRealOLT, v, hi, ""), v, hi, "");
        return LLVMBuildFPToSI(cg->b, v, cg->i64, "index");
    }
    default:
        NNLC_UNREACHABLE("a real expression used as an index");
    }
}

static LLVMValueRef gen_cond(Codegen *cg, const LExpr *e) {
    if (e->kind == E_TRAINING)
        return ctx_training(cg);
    if (e->kind != E_CMP) {
        NNLC_UNREACHABLE("a condition is not a comparison");
    }
    if (loop_expr_is_int(e->a) && loop_expr_is_int(e->b)) {
        LLVMIntPredicate ip = e->op == '<' ? LLVMIntSLT : e->op == 'l' ? LLVMIntSLE
                            : e->op == '>' ? LLVMIntSGT : e->op == 'g' ? LLVMIntSGE : LLVMIntEQ;
        return LLVMBuildICmp(cg->b, ip, gen_int(cg, e->a), gen_int(cg, e->b), "");
    }
    LLVMRealPredicate rp = e->op == '<' ? LLVMRealOLT : e->op == 'l' ? LLVMRealOLE
                         : e->op == '>' ? LLVMRealOGT : e->op == 'g' ? LLVMRealOGE : LLVMRealOEQ;
    return LLVMBuildFCmp(cg->b, rp, gen_real(cg, e->a), gen_real(cg, e->b), "");
}

static LLVMValueRef gen_binary(Codegen *cg, char op, LLVMValueRef x, LLVMValueRef y) {
    switch (op) {
    case '+': return LLVMBuildFAdd(cg->b, x, y, "");
    case '-': return LLVMBuildFSub(cg->b, x, y, "");
    case '*': return LLVMBuildFMul(cg->b, x, y, "");
    case '/': return LLVMBuildFDiv(cg->b, x, y, "");
    case 'M': /* select, not maxnum: it vectorizes to maxps and keeps relu(NaN) = NaN-free */
        return LLVMBuildSelect(cg->b, LLVMBuildFCmp(cg->b, LLVMRealOGT, x, y, ""), x, y, "");
    case 'm':
        return LLVMBuildSelect(cg->b, LLVMBuildFCmp(cg->b, LLVMRealOLT, x, y, ""), x, y, "");
    case '^': return intrinsic(cg, "llvm.pow", x, y);
    default:
        NNLC_UNREACHABLE("binary operator '%c'", op);
    }
}

/* e^x in f32 from instructions LLVM vectorizes at any width. Through libmvec the loops of
 * sigmoid, tanh and softmax ran at 8 lanes (LLVM maps _ZGVdN8v_expf, not the 16-lane
 * _ZGVeN16v_expf, so an AVX-512 loop with an exp was vectorized by 8) and called out of
 * the loop; this way they run at the loop's full width with nothing called. Cephes'
 * expf: n = x·log2 e rounded to an integer (adding and subtracting 1.5·2^23 rounds it,
 * with no instruction SSE2 lacks); r = x − n·ln 2, with ln 2 in two parts so that r is
 * exact without FMA; e^r by its degree-7 polynomial on |r| ≤ ln 2 / 2 (relative error
 * about 1e-7, as expf); then times 2^n, built as two powers of two 2^(n/2) and
 * 2^(n − n/2), so that results near the ends of the range scale without an overflowing
 * exponent field: e^88.7 is the largest finite float, e^89 is inf, e^−104 is 0. x is
 * clamped to [−104, 89] first by ordered compares, which let NaN through, and NaN in
 * gives NaN out (the last select): a diverging model still stops with a NaN loss. The
 * multiply-adds are llvm.fmuladd, as in the products: one FMA on CPUs that have it, for
 * vector and scalar code alike, so a vectorized loop and its scalar remainder compute
 * the same bits. f64 models keep llvm.exp: they exist for gradient checks, which want
 * the library's last bit. */
static LLVMValueRef mul_add(Codegen *cg, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c) {
    LLVMValueRef args[3] = {a, b, c};
    return intrinsic_n(cg, "llvm.fmuladd", args, 3);
}

/* 2^k as a float, for an i32 k in [−126, 127]: k + 127 in the exponent field. */
static LLVMValueRef pow2(Codegen *cg, LLVMValueRef k) {
    LLVMValueRef biased = LLVMBuildAdd(cg->b, k, LLVMConstInt(cg->i32, 127, false), "");
    LLVMValueRef bits = LLVMBuildShl(cg->b, biased, LLVMConstInt(cg->i32, 23, false), "");
    return LLVMBuildBitCast(cg->b, bits, cg->real, "");
}

/* Horner's rule: c[0]·xⁿ⁻¹ + … + c[n−1]. */
static LLVMValueRef horner(Codegen *cg, LLVMValueRef x, const double *c, int n) {
    LLVMValueRef p = LLVMConstReal(cg->real, c[0]);
    for (int i = 1; i < n; i++)
        p = mul_add(cg, p, x, LLVMConstReal(cg->real, c[i]));
    return p;
}

/* Cephes' expf polynomial p(r), e^r = 1 + r + r²·p(r) on |r| ≤ ln 2 / 2. */
static LLVMValueRef exp_poly(Codegen *cg, LLVMValueRef r) {
    static const double coef[] = {1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                                  4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1};
    return horner(cg, r, coef, 6);
}

static LLVMValueRef gen_expf(Codegen *cg, LLVMValueRef x) {
    LLVMBuilderRef b = cg->b;
    LLVMTypeRef f = cg->real;
    LLVMValueRef hi = LLVMConstReal(f, 89.0), lo = LLVMConstReal(f, -104.0);
    LLVMValueRef xc = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, x, hi, ""), hi, x, "");
    xc = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, xc, lo, ""), lo, xc, "exp.x");
    LLVMValueRef round = LLVMConstReal(f, 12582912.0); /* 1.5·2^23 */
    LLVMValueRef n = LLVMBuildFMul(b, xc, LLVMConstReal(f, 1.44269504088896341), "");
    n = LLVMBuildFSub(b, LLVMBuildFAdd(b, n, round, ""), round, "exp.n");
    /* r = x − n·0.693359375 − n·(−2.12194440e-4); the first product has 17 bits: exact */
    LLVMValueRef r = mul_add(cg, n, LLVMConstReal(f, -0.693359375), xc);
    r = mul_add(cg, n, LLVMConstReal(f, 2.12194440e-4), r);
    LLVMValueRef r2 = LLVMBuildFMul(b, r, r, "");
    LLVMValueRef p = mul_add(cg, exp_poly(cg, r), r2, /* e^r = 1 + r + r²·p(r) */
                             LLVMBuildFAdd(b, r, LLVMConstReal(f, 1), ""));
    LLVMValueRef ni = LLVMBuildFPToSI(b, n, cg->i32, "");
    LLVMValueRef n1 = LLVMBuildAShr(b, ni, LLVMConstInt(cg->i32, 1, false), "");
    LLVMValueRef n2 = LLVMBuildSub(b, ni, n1, "");
    LLVMValueRef e = LLVMBuildFMul(b, LLVMBuildFMul(b, p, pow2(cg, n1), ""), pow2(cg, n2), "");
    return LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealUNO, x, x, ""), x, e, "exp");
}

static LLVMValueRef gen_exp(Codegen *cg, LLVMValueRef x) {
    return cg->real == cg->f64 ? intrinsic(cg, "llvm.exp", x, NULL) : gen_expf(cg, x);
}

/* |x| < limit ? small : large, by an ordered compare: NaN takes large, where it stays NaN. */
static LLVMValueRef select_small(Codegen *cg, LLVMValueRef x, double limit, LLVMValueRef small,
                                 LLVMValueRef large) {
    LLVMValueRef ax = intrinsic(cg, "llvm.fabs", x, NULL);
    LLVMValueRef bound = LLVMConstReal(cg->real, limit);
    LLVMValueRef is_small = LLVMBuildFCmp(cg->b, LLVMRealOLT, ax, bound, "");
    return LLVMBuildSelect(cg->b, is_small, small, large, "");
}

/* e^x − 1 without its cancellation: e^x is rounded next to 1, where a small x has only a
 * few of its digits (e^x − 1 at x = −1e-6 was 1.3% off in f32). f32: on |x| < 0.34, where
 * gen_expf's reduction leaves r = x, the polynomial's own x + x²·p(x); beyond, e^x − 1,
 * which is at least 0.29 in magnitude there and cancels nothing. f64: libm's expm1. */
static LLVMValueRef gen_expm1(Codegen *cg, LLVMValueRef x) {
    if (cg->real == cg->f64)
        return libm(cg, "expm1", x);
    LLVMValueRef small = mul_add(cg, exp_poly(cg, x), LLVMBuildFMul(cg->b, x, x, ""), x);
    LLVMValueRef large = LLVMBuildFSub(cg->b, gen_expf(cg, x), LLVMConstReal(cg->real, 1), "");
    return select_small(cg, x, 0.34, small, large);
}

/* tanh in f32: x·P(x²)/Q(x²), a rational approximation of degrees 13 and 6 on x clamped
 * to ±7.905 (where tanhf is 1 to within half an ulp), and x itself below 4e-4: within 4 ulp
 * of tanh everywhere, with no cancellation near 0 and no exp (its loops vectorize, as
 * tanhf's do not; Eigen's, and so TensorFlow's, float tanh has these coefficients). NaN
 * fails every ordered compare and stays NaN. */
static LLVMValueRef gen_tanhf(Codegen *cg, LLVMValueRef x) {
    LLVMBuilderRef b = cg->b;
    LLVMValueRef hi = LLVMConstReal(cg->real, 7.90531110763549805),
                 lo = LLVMConstReal(cg->real, -7.90531110763549805);
    LLVMValueRef xc = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, x, hi, ""), hi, x, "");
    xc = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, xc, lo, ""), lo, xc, "");
    LLVMValueRef x2 = LLVMBuildFMul(b, xc, xc, "");
    static const double p[] = {-2.76076847742355e-16, 2.00018790482477e-13,
                               -8.60467152213735e-11, 5.12229709037114e-08,
                               1.48572235717979e-05, 6.37261928875436e-04,
                               4.89352455891786e-03};
    static const double q[] = {1.19825839466702e-06, 1.18534705686654e-04,
                               2.26843463243900e-03, 4.89352518554385e-03};
    LLVMValueRef ratio = LLVMBuildFDiv(b, LLVMBuildFMul(b, xc, horner(cg, x2, p, 7), ""),
                                       horner(cg, x2, q, 4), "");
    return select_small(cg, x, 4e-4, x, ratio);
}

/* tanh in f64: 2σ(2x) − 1 = 2/(1 + e^−2x) − 1, whose subtraction cancels for small x, so
 * |x| < 0.625 takes Cephes' x + x·x²·P(x²)/Q(x²) instead (tanh's). */
static LLVMValueRef gen_tanh(Codegen *cg, LLVMValueRef x) {
    if (cg->real != cg->f64)
        return gen_tanhf(cg, x);
    LLVMBuilderRef b = cg->b;
    LLVMValueRef one = LLVMConstReal(cg->real, 1), two = LLVMConstReal(cg->real, 2);
    LLVMValueRef ex = gen_exp(cg, LLVMBuildFMul(b, LLVMConstReal(cg->real, -2), x, ""));
    LLVMValueRef large = LLVMBuildFSub(b, LLVMBuildFDiv(b, two, LLVMBuildFAdd(b, one, ex, ""), ""),
                                       one, "");
    LLVMValueRef x2 = LLVMBuildFMul(b, x, x, "");
    static const double p[] = {-9.64399179425052238628e-1, -9.92877231001918586564e1,
                               -1.61468768441708447952e3};
    static const double q[] = {1, 1.12811678491632931402e2, 2.23548839060100448583e3,
                               4.84406305325125486048e3};
    LLVMValueRef ratio = LLVMBuildFDiv(b, horner(cg, x2, p, 3), horner(cg, x2, q, 4), "");
    LLVMValueRef small = mul_add(cg, LLVMBuildFMul(b, x, x2, ""), ratio, x);
    return select_small(cg, x, 0.625, small, large);
}

static LLVMValueRef gen_unary(Codegen *cg, char op, LLVMValueRef x) {
    switch (op) {
    case '-': return LLVMBuildFNeg(cg->b, x, "");
    case 'e': return gen_exp(cg, x);
    case 'x': return gen_expm1(cg, x);
    case 'l': return intrinsic(cg, "llvm.log", x, NULL);
    case 'q': return intrinsic(cg, "llvm.sqrt", x, NULL);
    case 'a': return intrinsic(cg, "llvm.fabs", x, NULL);
    case 't': return gen_tanh(cg, x);
    case 'c': return libm(cg, "erfc", x);
    case 's': { /* σ(x) = 1 / (1 + e^−x) */
        LLVMValueRef one = LLVMConstReal(cg->real, 1);
        LLVMValueRef ex = gen_exp(cg, LLVMBuildFNeg(cg->b, x, ""));
        return LLVMBuildFDiv(cg->b, one, LLVMBuildFAdd(cg->b, one, ex, ""), "");
    }
    default:
        NNLC_UNREACHABLE("unary operator '%c'", op);
    }
}

static LLVMValueRef gen_real(Codegen *cg, const LExpr *e) {
    if (loop_expr_is_int(e))
        return LLVMBuildSIToFP(cg->b, gen_int(cg, e), cg->real, "");
    switch (e->kind) {
    case E_REAL: return LLVMConstReal(cg->real, e->rval);
    case E_LOAD: return gen_load(cg, e->buf, gen_int(cg, e->a));
    case E_TEMP: return LLVMBuildLoad2(cg->b, cg->real, temp_slot(cg, e->temp, false), e->temp);
    case E_LR: return ctx_lr(cg);
    case E_TO_REAL: return gen_real(cg, e->a);
    case E_BIN:
        if (e->op == '+' && is_product(e->b))
            return gen_fmuladd(cg, e->b, gen_real(cg, e->a));
        if (e->op == '+' && is_product(e->a))
            return gen_fmuladd(cg, e->a, gen_real(cg, e->b));
        return gen_binary(cg, e->op, gen_real(cg, e->a), gen_real(cg, e->b));
    case E_UN: return gen_unary(cg, e->op, gen_real(cg, e->a));
    case E_SELECT: {
        LLVMValueRef c = gen_cond(cg, e->a);
        return LLVMBuildSelect(cg->b, c, gen_real(cg, e->b), gen_real(cg, e->c), "");
    }
    case E_CMP: case E_TRAINING: /* a comparison as a number: 1 or 0 */
        return LLVMBuildUIToFP(cg->b, gen_cond(cg, e), cg->real, "");
    default:
        NNLC_UNREACHABLE("expression kind %d", (int)e->kind);
    }
}

/* LLVM prints metadata strings with non-ASCII bytes escaped (\CF\81), so the loop IR's
 * math notation is spelled out in ASCII there. Returns the length written. */
static size_t ascii_of(const char *in, char *out, size_t cap) {
    static const char *const table[][2] = {
        {"·", "*"}, {"²", "^2"}, {"√", "sqrt"}, {"−", "-"}, {"ᵀ", "^T"}, {"Σ", "sum"},
        {"ρ", "rho"}, {"β", "beta"}, {"ε", "eps"}, {"μ", "mu"}, {"Δ", "delta"}, {"σ", "sigma"},
        {"Φ", "Phi"}, {"≥", ">="}, {"≤", "<="}, {"—", "--"}, {"→", "->"}, {"½", "1/2"},
        {"α", "alpha"}, {"γ", "gamma"}, {"∂", "d"}, {"⊙", "*"}, {"×", "x"}, {"…", "..."},
    };
    size_t n = 0;
    while (*in && n + 8 < cap) {
        bool done = false;
        for (size_t k = 0; !done && k < sizeof table / sizeof table[0]; k++) {
            size_t len = strlen(table[k][0]);
            if (strncmp(in, table[k][0], len) == 0) {
                n += (size_t)snprintf(out + n, cap - n, "%s", table[k][1]);
                in += len;
                done = true;
            }
        }
        if (done)
            continue;
        if ((unsigned char)*in >= 0x80) { /* another symbol: '?' for the whole character */
            out[n++] = '?';
            in++;
            while (((unsigned char)*in & 0xC0) == 0x80)
                in++;
        } else {
            out[n++] = *in++;
        }
    }
    out[n] = '\0';
    return n;
}

static void attach_comment(Codegen *cg, LLVMValueRef llfn, const char *title, const char *detail) {
    if (!title)
        return;
    char text[2200];
    size_t n = ascii_of(title, text, sizeof text);
    if (detail && detail != title) {
        n += ascii_of(" -- ", text + n, sizeof text - n);
        ascii_of(detail, text + n, sizeof text - n);
    }
    LLVMMetadataRef md = LLVMMDStringInContext2(cg->ctx, text, strlen(text));
    unsigned kind = LLVMGetMDKindIDInContext(cg->ctx, "nnlc.source", 11);
    LLVMGlobalSetMetadata(llfn, kind, LLVMMDNodeInContext2(cg->ctx, &md, 1));
}

/* ---- loops ---- */

static bool has_loop(const LStmt *s) {
    for (; s; s = s->next)
        if (s->kind == S_FOR || (s->kind == S_IF && (has_loop(s->body) || has_loop(s->orelse))))
            return true;
    return false;
}

/* The loop's !llvm.loop hints, or NULL for none:
 *  - vector loops ask for vectorization;
 *  - long vector loops (copies, elementwise passes: memory-bound) and loops around other
 *    loops are not unrolled beyond what the vectorizer interleaves: fully unrolled copies
 *    only cost compile time (the instruction scheduler is quadratic in a block's size).
 *    Short vector loops (up to 512: a register tile's 16 columns, a dense layer's row of 256) unroll away, which is what lets
 *    their accumulators live in registers across the reduction loop around them;
 *  - parallel loops that are not vector loops must not be vectorized by LLVM: rows of a
 *    vectorized row loop would take the vector path (libmvec's log) or the scalar
 *    remainder (logf) depending on where a thread's chunk begins, and the weights would
 *    depend on the thread count. */
static LLVMMetadataRef loop_md(Codegen *cg, const LStmt *s) {
    bool long_vector = s->vector && !(s->extent->kind == E_INT && s->extent->ival <= 512);
    bool no_unroll = long_vector || has_loop(s->body);
    bool no_vectorize = s->parallel && !s->vector;
    if (!s->vector && !no_unroll && !no_vectorize)
        return NULL;
    LLVMMetadataRef self = LLVMTemporaryMDNode(cg->ctx, NULL, 0);
    LLVMMetadataRef ops[3] = {self};
    size_t n = 1;
    if (s->vector)
        ops[n++] = cg->vectorize_md;
    if (no_vectorize)
        ops[n++] = cg->no_vectorize_md;
    if (no_unroll)
        ops[n++] = cg->unroll_disable_md;
    LLVMMetadataRef node = LLVMMDNodeInContext2(cg->ctx, ops, n);
    LLVMMetadataReplaceAllUsesWith(self, node);
    return node;
}

/* Blocks are created detached and appended when their code is emitted, so the printed
 * function reads top to bottom in loop order. */
static LLVMBasicBlockRef new_block(Codegen *cg, const char *var, const char *what) {
    char name[96];
    snprintf(name, sizeof name, "%s.%s", var, what);
    return LLVMCreateBasicBlockInContext(cg->ctx, name);
}

static void enter_block(Codegen *cg, LLVMBasicBlockRef bb) {
    LLVMAppendExistingBasicBlock(cg->cur->fn, bb);
    LLVMPositionBuilderAtEnd(cg->b, bb);
}

/* for var in [begin, end): body. */
static void gen_loop(Codegen *cg, const LStmt *s, LLVMValueRef begin, LLVMValueRef end) {
    CgFn *fn = cg->cur;
    if (fn->nloops == CG_MAX_LOOPS) {
        NNLC_UNREACHABLE("loops nested too deep");
    }
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(cg->b);
    LLVMBasicBlockRef head = new_block(cg, s->var, "loop"), body = new_block(cg, s->var, "body");
    LLVMBasicBlockRef next = new_block(cg, s->var, "next"), done = new_block(cg, s->var, "done");
    LLVMBuildBr(cg->b, head);
    enter_block(cg, head);
    LLVMValueRef var = LLVMBuildPhi(cg->b, cg->i64, s->var);
    LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, var, end, ""), body, done);

    enter_block(cg, body);
    fn->loop[fn->nloops] = s;
    fn->var[fn->nloops++] = var;
    gen_stmts(cg, s->body);
    fn->nloops--;
    LLVMBuildBr(cg->b, next);

    enter_block(cg, next);
    char name[96];
    snprintf(name, sizeof name, "%s.next", s->var);
    LLVMValueRef inc = LLVMBuildNSWAdd(cg->b, var, LLVMConstInt(cg->i64, 1, false), name);
    LLVMValueRef back = LLVMBuildBr(cg->b, head);
    LLVMMetadataRef md = loop_md(cg, s);
    if (md)
        LLVMSetMetadata(back, cg->md_loop, LLVMMetadataAsValue(cg->ctx, md));
    LLVMValueRef in_vals[2] = {begin, inc};
    LLVMBasicBlockRef in_blocks[2] = {pre, next};
    LLVMAddIncoming(var, in_vals, in_blocks, 2);
    enter_block(cg, done);
}

/* The frame handed to an outlined body:
 *   { ptr ctx, [nvars x i64] enclosing loop variables, [ntemps x real] caller temps,
 *     [nargs x ptr] the function's buffer arguments } */
typedef struct Frame {
    LLVMTypeRef type;
    int nvars, ntemps;
    const char *temp[CG_MAX_TEMPS];  /* the caller's temps the body reads */
} Frame;

static void collect_temps(const Codegen *cg, Frame *fr, const LExpr *e) {
    if (!e)
        return;
    if (e->kind == E_TEMP) {
        bool have = false;
        for (int i = 0; i < fr->ntemps; i++)
            have |= strcmp(fr->temp[i], e->temp) == 0;
        for (int i = 0; !have && i < cg->cur->ntemps; i++)
            if (strcmp(cg->cur->temp_name[i], e->temp) == 0) {
                fr->temp[fr->ntemps++] = e->temp;
                have = true;
            }
    }
    collect_temps(cg, fr, e->a);
    collect_temps(cg, fr, e->b);
    collect_temps(cg, fr, e->c);
}

static void collect_stmt_temps(const Codegen *cg, Frame *fr, const LStmt *s) {
    for (; s; s = s->next) {
        collect_temps(cg, fr, s->index);
        collect_temps(cg, fr, s->value);
        collect_temps(cg, fr, s->extent);
        collect_stmt_temps(cg, fr, s->body);
        collect_stmt_temps(cg, fr, s->orelse);
    }
}

static Frame frame_of(Codegen *cg, const LStmt *s) {
    Frame fr = {0};
    fr.nvars = cg->cur->nloops;
    collect_stmt_temps(cg, &fr, s->body);
    LLVMTypeRef fields[4] = {cg->ptr, LLVMArrayType(cg->i64, (unsigned)fr.nvars),
                             LLVMArrayType(cg->real, (unsigned)fr.ntemps),
                             LLVMArrayType(cg->ptr, (unsigned)cg->cur->nargs)};
    fr.type = LLVMStructTypeInContext(cg->ctx, fields, 4, false);
    return fr;
}

static LLVMValueRef frame_field(Codegen *cg, const Frame *fr, LLVMValueRef frame, int field, int k) {
    LLVMValueRef idx[3] = {LLVMConstInt(cg->i32, 0, false), LLVMConstInt(cg->i32, (unsigned)field, false),
                           LLVMConstInt(cg->i32, (unsigned)k, false)};
    return LLVMBuildInBoundsGEP2(cg->b, fr->type, frame, idx, field ? 3 : 2, "");
}

/* The outlined body of parallel loop s: for var in [begin, end): s->body. */
static LLVMValueRef outline_parallel(Codegen *cg, const LStmt *s, const Frame *fr) {
    CgFn *outer = cg->cur;
    CgFn inner = {0};
    char name[256];
    snprintf(name, sizeof name, "%s.par%d", outer->name, outer->nparallel++);
    inner.fn = LLVMAddFunction(cg->mod, name, cg->body_type);
    inner.name = outer->name; /* parallel bodies do not nest (loop_check) */
    attach_comment(cg, inner.fn, outer->title, outer->comment);
    LLVMSetLinkage(inner.fn, LLVMInternalLinkage);
    LLVMValueRef frame = LLVMGetParam(inner.fn, 0), begin = LLVMGetParam(inner.fn, 1);
    LLVMValueRef end = LLVMGetParam(inner.fn, 2);
    LLVMSetValueName2(frame, "frame", 5);
    LLVMSetValueName2(begin, "begin", 5);
    LLVMSetValueName2(end, "end", 3);
    LLVMSetValueName2(LLVMGetParam(inner.fn, 3), "chunk", 5);

    LLVMBasicBlockRef saved = LLVMGetInsertBlock(cg->b);
    cg->cur = &inner;
    begin_body(cg, &inner);
    LLVMPositionBuilderBefore(cg->b, LLVMGetBasicBlockTerminator(inner.entry));
    inner.ctx = LLVMBuildLoad2(cg->b, cg->ptr, frame_field(cg, fr, frame, 0, 0), "ctx");
    for (int i = 0; i < fr->nvars; i++) {
        inner.loop[i] = outer->loop[i];
        inner.var[i] = LLVMBuildLoad2(cg->b, cg->i64, frame_field(cg, fr, frame, 1, i),
                                      outer->loop[i]->var);
    }
    inner.nloops = fr->nvars;
    inner.args = outer->args;
    inner.nargs = outer->nargs;
    for (int k = 0; k < outer->nargs; k++)
        inner.arg[k] = LLVMBuildLoad2(cg->b, cg->ptr, frame_field(cg, fr, frame, 3, k),
                                      outer->args[k]->name);
    LLVMPositionBuilderAtEnd(cg->b, LLVMGetNextBasicBlock(inner.entry));
    for (int i = 0; i < fr->ntemps; i++) {
        LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->real, frame_field(cg, fr, frame, 2, i), "");
        LLVMBuildStore(cg->b, v, temp_slot(cg, fr->temp[i], true));
    }
    gen_loop(cg, s, begin, end);
    LLVMBuildRetVoid(cg->b);
    cg->cur = outer;
    LLVMPositionBuilderAtEnd(cg->b, saved);
    return inner.fn;
}

static void gen_parallel(Codegen *cg, const LStmt *s) {
    CgFn *fn = cg->cur;
    Frame fr = frame_of(cg, s);
    LLVMValueRef body = outline_parallel(cg, s, &fr);
    LLVMValueRef frame = entry_alloca(cg, fr.type, "frame");
    LLVMBuildStore(cg->b, fn->ctx, frame_field(cg, &fr, frame, 0, 0));
    for (int i = 0; i < fr.nvars; i++)
        LLVMBuildStore(cg->b, fn->var[i], frame_field(cg, &fr, frame, 1, i));
    for (int i = 0; i < fr.ntemps; i++) {
        LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->real, temp_slot(cg, fr.temp[i], false), fr.temp[i]);
        LLVMBuildStore(cg->b, v, frame_field(cg, &fr, frame, 2, i));
    }
    for (int k = 0; k < fn->nargs; k++)
        LLVMBuildStore(cg->b, fn->arg[k], frame_field(cg, &fr, frame, 3, k));
    LLVMTypeRef params[4] = {cg->ptr, cg->i64, cg->ptr, cg->ptr};
    LLVMTypeRef pft = LLVMFunctionType(cg->void_t, params, 4, false);
    LLVMValueRef args[4] = {ctx_pool(cg), gen_int(cg, s->extent), body, frame};
    LLVMBuildCall2(cg->b, pft, cg->parallel_for, args, 4, "");
}

/* ---- statements ---- */

static void gen_if(Codegen *cg, const LStmt *s) {
    LLVMValueRef cond = gen_cond(cg, s->value);
    LLVMBasicBlockRef then = LLVMCreateBasicBlockInContext(cg->ctx, "then");
    LLVMBasicBlockRef orelse = LLVMCreateBasicBlockInContext(cg->ctx, "else");
    LLVMBasicBlockRef done = LLVMCreateBasicBlockInContext(cg->ctx, "endif");
    LLVMBuildCondBr(cg->b, cond, then, orelse);
    enter_block(cg, then);
    gen_stmts(cg, s->body);
    LLVMBuildBr(cg->b, done);
    enter_block(cg, orelse);
    gen_stmts(cg, s->orelse);
    LLVMBuildBr(cg->b, done);
    enter_block(cg, done);
}

/* old + value, fused when value is a product. */
static LLVMValueRef accumulate(Codegen *cg, LLVMValueRef old, const LExpr *value) {
    if (is_product(value))
        return gen_fmuladd(cg, value, old);
    return LLVMBuildFAdd(cg->b, old, gen_real(cg, value), "");
}

static void gen_stmt(Codegen *cg, const LStmt *s) {
    CgFn *fn = cg->cur;
    switch (s->kind) {
    case S_FOR:
        if (s->parallel)
            gen_parallel(cg, s);
        else
            gen_loop(cg, s, LLVMConstInt(cg->i64, 0, false), gen_int(cg, s->extent));
        break;
    case S_STORE:
        gen_store(cg, s->buf, gen_int(cg, s->index), gen_real(cg, s->value));
        break;
    case S_ACCUM: {
        LLVMValueRef idx = gen_int(cg, s->index);
        gen_store(cg, s->buf, idx, accumulate(cg, gen_load(cg, s->buf, idx), s->value));
        break;
    }
    case S_LET:
        LLVMBuildStore(cg->b, gen_real(cg, s->value), temp_slot(cg, s->temp, true));
        break;
    case S_ADD: {
        LLVMValueRef slot = temp_slot(cg, s->temp, false);
        LLVMValueRef old = LLVMBuildLoad2(cg->b, cg->real, slot, s->temp);
        LLVMBuildStore(cg->b, accumulate(cg, old, s->value), slot);
        break;
    }
    case S_IF:
        gen_if(cg, s);
        break;
    case S_RESULT: {
        LLVMValueRef v = gen_real(cg, s->value);
        if (cg->real != cg->f64)
            v = LLVMBuildFPExt(cg->b, v, cg->f64, "");
        LLVMValueRef old = LLVMBuildLoad2(cg->b, cg->f64, fn->result, "result");
        LLVMBuildStore(cg->b, LLVMBuildFAdd(cg->b, old, v, ""), fn->result);
        break;
    }
    case S_CALL: {
        LLVMValueRef args[1 + LOOP_MAX_ARGS] = {fn->ctx};
        LLVMValueRef zero = LLVMConstInt(cg->i64, 0, false);
        for (int k = 0; k < s->callee->nargs; k++)
            args[1 + k] = buf_addr(cg, s->args[k], zero);
        LLVMBuildCall2(cg->b, cg_function_type(cg, s->callee), cg_function_of(cg, s->callee),
                       args, 1 + (unsigned)s->callee->nargs, "");
        break;
    }
    case S_COMMENT:
        fn->comment = s->text;
        break;
    }
}

static void gen_stmts(Codegen *cg, const LStmt *s) {
    for (; s; s = s->next)
        gen_stmt(cg, s);
}

/* ---- functions ---- */

LLVMValueRef cg_function_of(Codegen *cg, const LFunc *f) {
    return cg->fn_of[cg_func_index(cg->p, f)];
}

LLVMTypeRef cg_function_type(Codegen *cg, const LFunc *f) {
    if (f->returns_real)
        return cg->loss_type;
    if (!f->nargs)
        return cg->entry_type;
    LLVMTypeRef params[1 + LOOP_MAX_ARGS];
    for (int k = 0; k <= f->nargs; k++)
        params[k] = cg->ptr;
    return LLVMFunctionType(cg->void_t, params, 1 + (unsigned)f->nargs, false);
}

/* Whether this module defines LFunc i (with its outlined parallel bodies). */
static bool defines(const Codegen *cg, int i) {
    return !cg->split || cg->split->part_of[i] == cg->part;
}

/* Internal when this module is the whole program, or defines the function and is its
 * only user; else external with hidden visibility: defined in one part's object and
 * called from another's, it still is not exported from the trainer. */
static void set_linkage(Codegen *cg, LLVMValueRef fn, int i) {
    if (defines(cg, i) && !(cg->split && cg->split->shared[i]))
        LLVMSetLinkage(fn, LLVMInternalLinkage);
    else
        LLVMSetVisibility(fn, LLVMHiddenVisibility);
}

/* The loop IR's first comment (e.g. "dense_1 forward (line 7): y = softmax(x·W + b)")
 * as function metadata, so --emit=llvm ties each function to its source line. */
static void attach_source_comment(Codegen *cg, const LFunc *f, LLVMValueRef llfn) {
    for (const LStmt *s = f->body; s; s = s->next)
        if (s->kind == S_COMMENT) {
            cg->cur->title = s->text;
            attach_comment(cg, llfn, s->text, NULL);
            return;
        }
}

static void gen_function(Codegen *cg, const LFunc *f, LLVMValueRef llfn) {
    CgFn fn = {0};
    fn.fn = llfn;
    fn.name = f->name;
    fn.ctx = LLVMGetParam(llfn, 0);
    fn.args = f->args;
    fn.nargs = f->nargs;
    for (int k = 0; k < f->nargs; k++)
        fn.arg[k] = LLVMGetParam(llfn, 1 + (unsigned)k);
    cg->cur = &fn;
    attach_source_comment(cg, f, llfn);
    begin_body(cg, &fn);
    if (f->returns_real) {
        fn.result = entry_alloca(cg, cg->f64, "result");
        LLVMBuildStore(cg->b, LLVMConstReal(cg->f64, 0), fn.result);
    }
    for (const LStmt *s = f->body; s; s = s->next) {
        build_noalias_lists(cg, s);
        gen_stmt(cg, s);
    }
    if (f->returns_real)
        LLVMBuildRet(cg->b, LLVMBuildLoad2(cg->b, cg->f64, fn.result, "loss"));
    else
        LLVMBuildRetVoid(cg->b);
    cg->cur = NULL;
}

void cg_functions(Codegen *cg) {
    build_alias_scopes(cg);
    LLVMMetadataRef ops[2] = {
        LLVMMDStringInContext2(cg->ctx, "llvm.loop.vectorize.enable", 26),
        LLVMValueAsMetadata(LLVMConstInt(cg->i1, 1, false))};
    cg->vectorize_md = LLVMMDNodeInContext2(cg->ctx, ops, 2);
    ops[1] = LLVMValueAsMetadata(LLVMConstInt(cg->i1, 0, false));
    cg->no_vectorize_md = LLVMMDNodeInContext2(cg->ctx, ops, 2);
    LLVMMetadataRef no_unroll = LLVMMDStringInContext2(cg->ctx, "llvm.loop.unroll.disable", 24);
    cg->unroll_disable_md = LLVMMDNodeInContext2(cg->ctx, &no_unroll, 1);
    LLVMTypeRef params[4] = {cg->ptr, cg->i64, cg->ptr, cg->ptr};
    cg->parallel_for = LLVMAddFunction(cg->mod, "nnrt_parallel_for",
                                       LLVMFunctionType(cg->void_t, params, 4, false));

    size_t nfuncs = 0;
    for (const LFunc *f = cg->p->funcs; f; f = f->next)
        nfuncs++;
    cg->fn_of = calloc(nfuncs + 1, sizeof(LLVMValueRef));
    int i = 0;
    for (const LFunc *f = cg->p->funcs; f; f = f->next, i++) {
        cg->fn_of[i] = LLVMAddFunction(cg->mod, f->name, cg_function_type(cg, f));
        set_linkage(cg, cg->fn_of[i], i);
        LLVMSetValueName2(LLVMGetParam(cg->fn_of[i], 0), "ctx", 3);
        for (int k = 0; k < f->nargs; k++) /* named after the first layer's buffers */
            LLVMSetValueName2(LLVMGetParam(cg->fn_of[i], 1 + (unsigned)k), f->args[k]->name,
                              strlen(f->args[k]->name));
        /* Layer functions stay functions: inlining them into forward/backward gains
         * nothing (their work is in the outlined parallel bodies) and makes the
         * optimizer's passes work on one huge function. */
        unsigned kind = LLVMGetEnumAttributeKindForName("noinline", 8);
        LLVMAddAttributeAtIndex(cg->fn_of[i], LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(cg->ctx, kind, 0));
    }
    i = 0;
    for (const LFunc *f = cg->p->funcs; f; f = f->next, i++)
        if (defines(cg, i))
            gen_function(cg, f, cg->fn_of[i]);
}

/* A part's declarations of other parts' functions that nothing in it uses go: at -O0 no
 * pass removes them, and the object would name a hidden symbol that another part may
 * define as internal (the linker refuses that: "hidden symbol `update' isn't defined"). */
void cg_drop_unused_declarations(Codegen *cg) {
    int i = 0;
    for (const LFunc *f = cg->p->funcs; f; f = f->next, i++)
        if (!defines(cg, i) && !LLVMGetFirstUse(cg->fn_of[i])) {
            LLVMDeleteFunction(cg->fn_of[i]);
            cg->fn_of[i] = NULL;
        }
}
