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
 * lead from a source line to the loops that run it; the trainer computes the same
 * numbers, as the same loops run on the same buffers.
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

/* A function written out: the bytes of its shape, and its buffers in order of first use. */
typedef struct Form {
    LFunc *f;
    char *bytes;
    size_t len, cap;
    const Buf *bufs[LOOP_MAX_ARGS];
    int nbufs;
    const LStmt *loops[LB_MAX_DEPTH];
    int nloops;
    bool ok;                 /* false: not a candidate (a call, a result, too many buffers) */
    uint64_t hash;
    struct Form *first;      /* the first function of its class; itself if it is the first */
    struct Form *next_in_bucket;
} Form;

static void put(Form *fm, const void *data, size_t n) {
    if (fm->len + n > fm->cap) {
        fm->cap = fm->cap ? 2 * fm->cap + n : 256 + n;
        fm->bytes = realloc(fm->bytes, fm->cap);
        if (!fm->bytes) {
            fm->ok = false;
            fm->len = fm->cap = 0;
            return;
        }
    }
    memcpy(fm->bytes + fm->len, data, n);
    fm->len += n;
}

static void put_i64(Form *fm, int64_t v) { put(fm, &v, sizeof v); }

static void put_str(Form *fm, const char *s) {
    size_t n = s ? strlen(s) + 1 : 0;
    put_i64(fm, (int64_t)n);
    if (n)
        put(fm, s, n);
}

/* A buffer as its place among the function's buffers and its layout (not its location:
 * that is what the callers pass). */
static void put_buf(Form *fm, const Buf *b) {
    int at = 0;
    while (at < fm->nbufs && fm->bufs[at] != b)
        at++;
    if (at == fm->nbufs) {
        if (fm->nbufs == LOOP_MAX_ARGS || b->id == 0) { /* id 0: not in the plan */
            fm->ok = false;
            return;
        }
        fm->bufs[fm->nbufs++] = b;
    }
    put_i64(fm, at);
    put_i64(fm, b->base);
    put_i64(fm, b->row_size);
    put_i64(fm, b->size);
    put_i64(fm, b->scratch);
    put_i64(fm, b->shape.rank);
    for (int k = 0; k < b->shape.rank; k++)
        put_i64(fm, b->shape.d[k]);
}

static void put_expr(Form *fm, const LExpr *e) {
    if (!e) {
        put_i64(fm, -1);
        return;
    }
    put_i64(fm, e->kind);
    put_i64(fm, e->op);
    put_i64(fm, e->ival);
    put(fm, &e->rval, sizeof e->rval);
    if (e->kind == E_VAR) { /* the loop as its depth: loops are compared by place too */
        int depth = fm->nloops - 1;
        while (depth >= 0 && fm->loops[depth] != e->loop)
            depth--;
        put_i64(fm, depth);
    }
    if (e->kind == E_TEMP)
        put_str(fm, e->temp);
    if (e->kind == E_LOAD)
        put_buf(fm, e->buf);
    put_expr(fm, e->a);
    put_expr(fm, e->b);
    put_expr(fm, e->c);
}

static void put_stmts(Form *fm, const LStmt *s) {
    for (; s && fm->ok; s = s->next) {
        put_i64(fm, s->kind);
        switch (s->kind) {
        case S_FOR:
            put_str(fm, s->var);
            put_expr(fm, s->extent);
            put_i64(fm, s->parallel | s->vector << 1 | s->rowwise << 2 | s->row_rest << 3);
            put_i64(fm, s->row_block);
            if (fm->nloops == LB_MAX_DEPTH) {
                fm->ok = false;
                return;
            }
            fm->loops[fm->nloops++] = s;
            put_stmts(fm, s->body);
            fm->nloops--;
            break;
        case S_STORE:
        case S_ACCUM:
            put_buf(fm, s->buf);
            put_expr(fm, s->index);
            put_expr(fm, s->value);
            break;
        case S_LET:
        case S_ADD:
            put_str(fm, s->temp);
            put_expr(fm, s->value);
            break;
        case S_IF:
            put_expr(fm, s->value);
            put_stmts(fm, s->body);
            put_i64(fm, -2); /* between the branches */
            put_stmts(fm, s->orelse);
            break;
        case S_COMMENT: /* the layer's name and line: not part of what the loops do */
            break;
        case S_RESULT:
        case S_CALL:
            fm->ok = false;
            break;
        }
        put_i64(fm, -3); /* end of the statement */
    }
}

static uint64_t fnv1a(const char *p, size_t n) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211u;
    return h;
}

/* Whether f may run on g's buffers through class's shared body: where two of g's buffers
 * may overlap, the first function's at the same places may too (else the body's alias
 * scopes would say they do not). */
static bool scopes_hold(const Form *first, const Form *g) {
    for (int i = 0; i < g->nbufs; i++)
        for (int j = i + 1; j < g->nbufs; j++)
            if (loop_bufs_may_overlap(g->bufs[i], g->bufs[j]) &&
                !loop_bufs_may_overlap(first->bufs[i], first->bufs[j]))
                return false;
    return true;
}

/* The buffers a class's members do not all share, in order of first use. */
static int class_args(Form *forms, int n, const Form *first, const Buf **args) {
    int nargs = 0;
    for (int k = 0; k < first->nbufs; k++) {
        bool differs = false;
        for (int i = 0; i < n && !differs; i++)
            differs = forms[i].first == first && forms[i].bufs[k] != first->bufs[k];
        if (differs)
            args[nargs++] = first->bufs[k];
    }
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
    enum { BUCKETS = 4096 };
    Form **bucket = calloc(BUCKETS, sizeof(Form *));
    if (!forms || !bucket) { /* sharing only saves compile time: without memory, skip it */
        free(forms);
        free(bucket);
        return;
    }
    int i = 0;
    for (LFunc *f = p->funcs; f; f = f->next, i++) {
        Form *fm = &forms[i];
        fm->f = f;
        fm->ok = !f->exported && !f->returns_real && !f->nargs;
        if (fm->ok)
            put_stmts(fm, f->body);
        if (!fm->ok || fm->nbufs == 0)
            continue;
        fm->hash = fnv1a(fm->bytes, fm->len);
        fm->first = fm;
        for (Form *c = bucket[fm->hash % BUCKETS]; c; c = c->next_in_bucket)
            if (c->hash == fm->hash && c->len == fm->len && c->nbufs == fm->nbufs &&
                memcmp(c->bytes, fm->bytes, fm->len) == 0 && scopes_hold(c, fm)) {
                fm->first = c;
                break;
            }
        if (fm->first == fm) {
            fm->next_in_bucket = bucket[fm->hash % BUCKETS];
            bucket[fm->hash % BUCKETS] = fm;
        }
    }
    /* The first of each class takes the differing buffers as arguments... */
    bool *has_members = calloc((size_t)n + 1, sizeof(bool));
    for (i = 0; i < n; i++)
        if (forms[i].ok && forms[i].first && forms[i].first != &forms[i])
            has_members[forms[i].first - forms] = true;
    for (i = 0; i < n; i++) {
        if (!has_members[i])
            continue;
        const Buf *args[LOOP_MAX_ARGS];
        int nargs = class_args(forms, n, &forms[i], args);
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
        free(forms[i].bytes);
    free(has_members);
    free(bucket);
    free(forms);
}
