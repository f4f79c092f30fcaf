/*
 * cg_split.c — split compilation of a linked trainer: its functions are divided among
 * nparts modules, balanced by an estimate of their size, and every module is generated,
 * optimized and compiled to its own object file in its own thread. LLVM's passes and code
 * generation are most of nnlc's time, and LLVM is thread-safe across contexts: each
 * thread has its own context, module, builder and target machine (cg_emit_module).
 *
 * A function's IR is the same as in the single module (its outlined parallel bodies go
 * with it), so the trainer computes the same numbers; only a call from one part to a
 * function of another goes through a hidden symbol instead of an internal one.
 */
#include "cg_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int cg_func_index(const LoopProgram *p, const LFunc *f) {
    (void)p; /* loop_check() has checked that every function's index is its place */
    return f->index;
}

/* ---- the split ---- */

/* The size estimate: loop-IR nodes, statements of nested bodies and expressions included.
 * LLVM's time grows with the instructions, which follow the expressions (balanced this
 * way, resnet_bn's two parts take within a few percent of each other's time; by
 * statements alone, 15%). */
static long expr_size(const LExpr *e) {
    return e ? 1 + expr_size(e->a) + expr_size(e->b) + expr_size(e->c) : 0;
}

static long code_size(const LStmt *s) {
    long n = 0;
    for (; s; s = s->next)
        n += 1 + expr_size(s->index) + expr_size(s->value) + expr_size(s->extent) +
             code_size(s->body) + code_size(s->orelse);
    return n;
}

typedef struct FuncSize {
    long size;
    int index;
} FuncSize;

static int larger_first(const void *a, const void *b) {
    const FuncSize *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    return x->index - y->index; /* ties in program order: the split is deterministic */
}

/* Largest first, each to the part with the least so far: within 4/3 of the best split. */
static void assign_parts(const LoopProgram *p, CgSplit *sp, int nfuncs) {
    FuncSize *fs = malloc(sizeof(FuncSize) * ((size_t)nfuncs + 1));
    int i = 0;
    for (const LFunc *f = p->funcs; f; f = f->next, i++)
        fs[i] = (FuncSize){code_size(f->body), i};
    qsort(fs, (size_t)nfuncs, sizeof *fs, larger_first);
    long *load = calloc((size_t)sp->nparts, sizeof(long));
    for (i = 0; i < nfuncs; i++) {
        int best = 0;
        for (int k = 1; k < sp->nparts; k++)
            if (load[k] < load[best])
                best = k;
        sp->part_of[fs[i].index] = best;
        load[best] += fs[i].size;
    }
    free(load);
    free(fs);
}

/* Marks the callees in s that another part than `part` defines. */
static void mark_calls(const LoopProgram *p, CgSplit *sp, const LStmt *s, int part) {
    for (; s; s = s->next) {
        if (s->kind == S_CALL) {
            int callee = cg_func_index(p, s->callee);
            if (sp->part_of[callee] != part)
                sp->shared[callee] = true;
        }
        mark_calls(p, sp, s->body, part);
        mark_calls(p, sp, s->orelse, part);
    }
}

/* Part 0's descriptor points to the entry points. */
static void mark_entry(const LoopProgram *p, CgSplit *sp, const LFunc *f) {
    int i = cg_func_index(p, f);
    if (sp->part_of[i] != 0)
        sp->shared[i] = true;
}

static CgSplit split_program(const LoopProgram *p, int nparts) {
    int nfuncs = 0;
    for (const LFunc *f = p->funcs; f; f = f->next)
        nfuncs++;
    CgSplit sp = {nparts, calloc((size_t)nfuncs + 1, sizeof(int)),
                  calloc((size_t)nfuncs + 1, sizeof(bool))};
    assign_parts(p, &sp, nfuncs);
    int i = 0;
    for (const LFunc *f = p->funcs; f; f = f->next, i++)
        mark_calls(p, &sp, f->body, sp.part_of[i]);
    mark_entry(p, &sp, p->forward);
    mark_entry(p, &sp, p->loss);
    mark_entry(p, &sp, p->backward);
    mark_entry(p, &sp, p->update);
    if (p->backward_update)
        mark_entry(p, &sp, p->backward_update);
    return sp;
}

/* ---- the threads ---- */

/* One part's compilation. Its messages are kept in memory and printed after every thread
 * has finished, so two threads' errors do not interleave. */
typedef struct Job {
    const Graph *g;
    const LoopProgram *p;
    const CgOptions *opt;
    const CgSplit *split;
    int part;
    const char *path;
    FILE *err;              /* the job's messages: an open_memstream, or the caller's err */
    char *messages;
    size_t messages_len;
    bool ok;
} Job;

static void *run_job(void *arg) {
    Job *j = arg;
    j->ok = cg_emit_module(j->g, j->p, j->opt, j->split, j->part, CG_EMIT_OBJ, j->path, j->err);
    return NULL;
}

bool cg_emit_objects(const Graph *g, const LoopProgram *p, const CgOptions *opt, int nparts,
                     const char *const *paths, FILE *err) {
    cg_init_llvm();
    if (nparts <= 1)
        return cg_emit(g, p, opt, CG_EMIT_OBJ, paths[0], err);
    CgSplit sp = split_program(p, nparts);
    Job *jobs = calloc((size_t)nparts, sizeof(Job));
    pthread_t *threads = calloc((size_t)nparts, sizeof(pthread_t));
    bool *started = calloc((size_t)nparts, sizeof(bool));
    /* LLVM recurses (instruction selection, the verifier): the threads get the usual
     * main-thread stack, not glibc's 2 MiB default under an unlimited stack limit. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8 << 20);
    for (int k = 0; k < nparts; k++) {
        Job *j = &jobs[k];
        *j = (Job){g, p, opt, &sp, k, paths[k], NULL, NULL, 0, false};
        j->err = open_memstream(&j->messages, &j->messages_len);
        if (!j->err)
            j->err = err;
        started[k] = pthread_create(&threads[k], &attr, run_job, j) == 0;
    }
    pthread_attr_destroy(&attr);
    bool ok = true;
    for (int k = 0; k < nparts; k++) {
        Job *j = &jobs[k];
        if (started[k])
            pthread_join(threads[k], NULL);
        else /* no thread to be had: this part runs on the calling thread */
            run_job(j);
        if (j->err != err) {
            fclose(j->err);
            fputs(j->messages, err);
            free(j->messages);
        }
        ok &= j->ok;
    }
    free(started);
    free(threads);
    free(jobs);
    free(sp.part_of);
    free(sp.shared);
    return ok;
}
