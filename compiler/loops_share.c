/*
 * loops_share.c — one function for the layers whose loops are the same.
 *
 * A residual block used three times, or a stack of equal dense layers, lowers to loop
 * nests that differ only in the buffers they touch: conv2d_1 and conv2d_2 of resnet_bn
 * both convolve 16 channels into 16 at 28×28, every batchnorm of one shape computes the
 * same statistics. LLVM would optimize and compile each copy again (most of nnlc's time
 * is LLVM's), so such functions become one, which takes the differing buffers' addresses
 * as arguments:
 *
 *   func conv2d_1.forward(ctx, conv2d_1.W, conv2d_1.y, …):   the loops, as before
 *   func conv2d_2.forward(ctx):
 *     # conv2d_2 forward (line 8): …
 *     call conv2d_1.forward(ctx, conv2d_2.W, conv2d_2.y, …)
 *
 * Every layer keeps its own function and title, so --emit=loops and --emit=llvm still
 * lead from a source line to the loops that run it. The same loops run on the same
 * buffers in the same order, but LLVM may vectorize a body that reaches its buffers
 * through arguments differently (a vector exp of another width, whose last bit differs),
 * and recurrent layers keep their own functions (LFunc.keep_own): a shared LSTM step's
 * gate loop stayed scalar.
 *
 * Two functions are the same when their bodies, written out with every buffer replaced by
 * its place in the order of first use (and its layout), are equal byte for byte: the
 * bodies are hashed, and only functions of equal hash are compared. A function joins a
 * class only if every two of its buffers that may overlap are at places whose buffers may
 * overlap in the class's first function too: the alias scopes of the shared body (one per
 * buffer of the first function, cg_loops.c) must stay true for every caller.
 */
#include "loops_build.h"

#include <stdlib.h>
#include <string.h>

/* What is kept of a function: the hash of its written-out body and its buffers in order
 * of first use. The bytes themselves are not kept (a model of 100,000 layers has
 * 400,000 functions): a function is written out again when another one's hash matches. */
typedef struct Form {
    LFunc *f;
    uint64_t hash;
    size_t len;
    const Buf **bufs;        /* nbufs, malloc'ed */
    int nbufs;
    bool ok;                 /* false: not a candidate (a call, a result, too many buffers) */
    bool has_members;
    uint64_t differs;        /* the first of a class: bit k set when a member's buffer at
                                place k is not its own (that buffer becomes an argument) */
    struct Form *first;      /* the first function of its class; itself if it is the first */
    struct Form *next_in_bucket;
} Form;

/* Writes a function out: one byte per kind, operator and flag, numbers only where they
 * are not 0, a buffer as its place (its layout is compared apart, in same_layouts). */
typedef struct Writer {
    char *bytes;
    size_t len, cap;
    const Buf *bufs[LOOP_MAX_ARGS];
    int nbufs;
    const LStmt *loops[LB_MAX_DEPTH];
    int nloops;
    bool ok;
} Writer;

static void grow(Writer *w, size_t n) {
    size_t cap = w->cap ? 2 * w->cap + n : 4096 + n;
    char *bytes = realloc(w->bytes, cap);
    if (!bytes) {
        w->ok = false;
        return;
    }
    w->bytes = bytes;
    w->cap = cap;
}

static inline void put(Writer *w, const void *data, size_t n) {
    if (w->len + n > w->cap)
        grow(w, n);
    if (!w->ok)
        return;
    memcpy(w->bytes + w->len, data, n);
    w->len += n;
}

static inline void put_u8(Writer *w, int v) {
    if (w->len == w->cap)
        grow(w, 1);
    if (w->ok)
        w->bytes[w->len++] = (char)v;
}

static void put_str(Writer *w, const char *s) {
    put(w, s ? s : "", s ? strlen(s) + 1 : 1);
}

static void put_buf(Writer *w, const Buf *b) {
    int at = 0;
    while (at < w->nbufs && w->bufs[at] != b)
        at++;
    if (at == w->nbufs) {
        if (w->nbufs == LOOP_MAX_ARGS || b->id == 0) { /* id 0: not in the plan */
            w->ok = false;
            return;
        }
        w->bufs[w->nbufs++] = b;
    }
    put_u8(w, at);
}

static void put_expr(Writer *w, const LExpr *e) {
    if (!e) {
        put_u8(w, 0xff);
        return;
    }
    put_u8(w, e->kind);
    put_u8(w, e->op);
    static const double zero = 0; /* +0 only: -0 is a constant of its own (x > 0 ? 1 : -0) */
    bool rval = memcmp(&e->rval, &zero, sizeof zero) != 0;
    put_u8(w, (e->ival != 0) | rval << 1);
    if (e->ival)
        put(w, &e->ival, sizeof e->ival);
    if (rval)
        put(w, &e->rval, sizeof e->rval);
    if (e->kind == E_VAR) { /* the loop as its depth: loops are compared by place too */
        int depth = w->nloops - 1;
        while (depth >= 0 && w->loops[depth] != e->loop)
            depth--;
        put_u8(w, depth);
    }
    if (e->kind == E_TEMP)
        put_str(w, e->temp);
    if (e->kind == E_LOAD)
        put_buf(w, e->buf);
    put_expr(w, e->a);
    put_expr(w, e->b);
    put_expr(w, e->c);
}

static void put_stmts(Writer *w, const LStmt *s) {
    for (; s && w->ok; s = s->next) {
        put_u8(w, s->kind);
        switch (s->kind) {
        case S_FOR:
            put_str(w, s->var);
            put_expr(w, s->extent);
            put_u8(w, s->parallel | s->vector << 1 | s->rowwise << 2 | s->row_rest << 3);
            put(w, &s->row_block, sizeof s->row_block);
            if (w->nloops == LB_MAX_DEPTH) {
                w->ok = false;
                return;
            }
            w->loops[w->nloops++] = s;
            put_stmts(w, s->body);
            w->nloops--;
            break;
        case S_STORE:
        case S_ACCUM:
            put_buf(w, s->buf);
            put_expr(w, s->index);
            put_expr(w, s->value);
            break;
        case S_LET:
        case S_ADD:
            put_str(w, s->temp);
            put_expr(w, s->value);
            break;
        case S_IF:
            put_expr(w, s->value);
            put_stmts(w, s->body);
            put_u8(w, 0xfe); /* between the branches */
            put_stmts(w, s->orelse);
            break;
        case S_COMMENT: /* the layer's name and line: not part of what the loops do */
            break;
        case S_RESULT:
        case S_CALL:
            w->ok = false;
            break;
        }
        put_u8(w, 0xfd); /* end of the statement */
    }
}

/* Writes f's body into w (from empty); false when f cannot be shared. */
static bool write_func(Writer *w, const LFunc *f) {
    w->len = 0;
    w->nbufs = 0;
    w->nloops = 0;
    w->ok = !f->exported && !f->returns_real && !f->nargs && !f->keep_own;
    put_stmts(w, f->body);
    return w->ok && w->nbufs > 0;
}

/* Buffers at the same places have the same layout (base, sizes, shape): the loops then
 * touch the same elements of them. */
static bool same_layouts(const Form *a, const Form *b) {
    for (int k = 0; k < a->nbufs; k++) {
        const Buf *x = a->bufs[k], *y = b->bufs[k];
        if (x->base != y->base || x->row_size != y->row_size || x->size != y->size ||
            x->scratch != y->scratch || x->shape.rank != y->shape.rank)
            return false;
        for (int d = 0; d < x->shape.rank; d++)
            if (x->shape.d[d] != y->shape.d[d])
                return false;
    }
    return true;
}

static uint64_t fnv1a(const char *p, size_t n) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211u;
    return h;
}

/* Whether the body of `first` may run on g's buffers: where two of g's buffers may
 * overlap, first's at the same places may too (else the body's alias scopes, made from
 * first's buffers, would say they do not). */
static bool scopes_hold(const Form *first, const Form *g) {
    for (int i = 0; i < g->nbufs; i++)
        for (int j = i + 1; j < g->nbufs; j++)
            if (loop_bufs_may_overlap(g->bufs[i], g->bufs[j]) &&
                !loop_bufs_may_overlap(first->bufs[i], first->bufs[j]))
                return false;
    return true;
}

/* The buffers a class's members do not all share, in order of first use. */
static int class_args(const Form *first, const Buf **args) {
    int nargs = 0;
    for (int k = 0; k < first->nbufs; k++)
        if (first->differs >> k & 1)
            args[nargs++] = first->bufs[k];
    return nargs;
}

/* f's body becomes its title (its first comment) and a call of the shared function. */
static void call_instead(LoopProgram *p, Form *fm, const LFunc *shared, const Buf *const *first_bufs) {
    LFunc *f = fm->f;
    LStmt *title = NULL;
    for (LStmt *s = f->body; s && !title; s = s->next)
        if (s->kind == S_COMMENT)
            title = s;
    LStmt *note = ARENA_NEW(p->arena, LStmt);
    note->kind = S_COMMENT;
    note->text = arena_printf(p->arena, "the same loops as %s, on its own buffers",
                              shared->name);
    LStmt *call = ARENA_NEW(p->arena, LStmt);
    call->kind = S_CALL;
    call->callee = (LFunc *)shared;
    call->args = ARENA_ARRAY(p->arena, const Buf *, shared->nargs);
    for (int a = 0; a < shared->nargs; a++)
        for (int k = 0; k < fm->nbufs; k++)
            if (first_bufs[k] == shared->args[a])
                call->args[a] = fm->bufs[k];
    note->next = call;
    if (title) {
        LStmt *t = ARENA_NEW(p->arena, LStmt);
        *t = *title;
        t->next = note;
        f->body = t;
    } else {
        f->body = note;
    }
}

/* The calls of a shared function from elsewhere (forward, backward) pass its own buffers. */
static void pass_own_buffers(LoopProgram *p, LStmt *s) {
    for (; s; s = s->next) {
        if (s->kind == S_CALL && s->callee->nargs && !s->args) {
            s->args = ARENA_ARRAY(p->arena, const Buf *, s->callee->nargs);
            for (int a = 0; a < s->callee->nargs; a++)
                s->args[a] = s->callee->args[a];
        }
        pass_own_buffers(p, s->body);
        pass_own_buffers(p, s->orelse);
    }
}

void loop_share(LoopProgram *p) {
    int n = 0;
    for (LFunc *f = p->funcs; f; f = f->next)
        n++;
    Form *forms = calloc((size_t)n + 1, sizeof(Form));
    size_t buckets = 64;
    while (buckets < (size_t)n)
        buckets *= 2;
    Form **bucket = calloc(buckets, sizeof(Form *));
    Writer w = {0}, w_first = {0}; /* the function, and a class's first written again */
    if (!forms || !bucket) { /* sharing only saves compile time: without memory, skip it */
        free(forms);
        free(bucket);
        return;
    }
    int i = 0;
    for (LFunc *f = p->funcs; f; f = f->next, i++) {
        Form *fm = &forms[i];
        fm->f = f;
        fm->ok = write_func(&w, f) &&
                 (fm->bufs = malloc(sizeof(const Buf *) * (size_t)w.nbufs)) != NULL;
        if (!fm->ok)
            continue;
        memcpy(fm->bufs, w.bufs, sizeof(const Buf *) * (size_t)w.nbufs);
        fm->nbufs = w.nbufs;
        fm->len = w.len;
        fm->hash = fnv1a(w.bytes, w.len);
        fm->first = fm;
        Form **chain = &bucket[fm->hash & (buckets - 1)];
        for (Form *c = *chain; c; c = c->next_in_bucket)
            if (c->hash == fm->hash && c->len == fm->len && c->nbufs == fm->nbufs &&
                same_layouts(c, fm) && scopes_hold(c, fm) && write_func(&w_first, c->f) &&
                memcmp(w_first.bytes, w.bytes, w.len) == 0) {
                fm->first = c;
                break;
            }
        if (fm->first == fm) {
            fm->next_in_bucket = *chain;
            *chain = fm;
        }
    }
    /* The first of each class takes the differing buffers as arguments... */
    for (i = 0; i < n; i++) {
        Form *fm = &forms[i];
        if (!fm->ok || !fm->first || fm->first == fm)
            continue;
        fm->first->has_members = true;
        for (int k = 0; k < fm->nbufs; k++)
            if (fm->bufs[k] != fm->first->bufs[k])
                fm->first->differs |= (uint64_t)1 << k;
    }
    for (i = 0; i < n; i++) {
        if (!forms[i].has_members)
            continue;
        const Buf *args[LOOP_MAX_ARGS];
        int nargs = class_args(&forms[i], args);
        LFunc *f = forms[i].f;
        f->args = ARENA_ARRAY(p->arena, const Buf *, nargs);
        memcpy(f->args, args, sizeof(const Buf *) * (size_t)nargs);
        f->nargs = nargs;
    }
    /* ...and the others call it with theirs. */
    for (i = 0; i < n; i++) {
        Form *fm = &forms[i];
        if (fm->ok && fm->first && fm->first != fm)
            call_instead(p, fm, fm->first->f, fm->first->bufs);
    }
    for (LFunc *f = p->funcs; f; f = f->next)
        pass_own_buffers(p, f->body);
    for (i = 0; i < n; i++)
        free(forms[i].bufs);
    free(w.bytes);
    free(w_first.bytes);
    free(bucket);
    free(forms);
}
