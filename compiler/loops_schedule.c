/*
 * loops_schedule.c — decisions about how the loop nests run, made after every builder
 * has written its loops. Builders mark every loop whose iterations are independent as
 * parallel; this pass keeps the mark only where a loop has enough work to pay for
 * waking the thread pool (a few microseconds), estimating the work at the training batch
 * size. The result is visible in --emit=loops: `parallel for` survives only where it pays.
 *
 * Before that, adjacent `parallel for r in 0..B` loops whose iterations touch only their
 * own example (builders mark them rowwise) are fused into one: a convolution's padding
 * copy, im2col and product then run example by example, so the columns of one example
 * are still in cache when the product reads them, and the pool is woken once.
 */
#include "loops_build.h"

/* What the estimates need: the batch the model trains with, and the work below which a
 * loop runs on the calling thread. */
typedef struct Sched {
    int64_t batch, min_work;
} Sched;
/* A vector loop does this many elements per operation (16 floats in AVX-512, 8 in AVX2). */
enum { VECTOR_ELEMENTS = 16 };

/* Operations of an expression. Index arithmetic is free: LLVM turns it into pointer
 * increments. */
static int64_t expr_cost(const LExpr *e) {
    if (!e || loop_expr_is_int(e))
        return 0;
    if (e->kind == E_LOAD)
        return 1;
    int64_t own = e->kind == E_UN && e->op != '-' && e->op != 'a' ? 8 : 1; /* exp, log, … */
    return own + expr_cost(e->a) + expr_cost(e->b) + expr_cost(e->c);
}

static int64_t extent_estimate(const LExpr *e, int64_t batch) {
    switch (e->kind) {
    case E_INT: return e->ival;
    case E_BATCH: return batch;
    case E_IADD: return extent_estimate(e->a, batch) + extent_estimate(e->b, batch);
    case E_IMUL: return extent_estimate(e->a, batch) * extent_estimate(e->b, batch);
    case E_IDIV: return extent_estimate(e->a, batch) / e->ival;
    default: return 16; /* depends on an outer loop variable: a guess */
    }
}

static int64_t stmts_cost(LStmt *s, const Sched *sc);

static int64_t stmt_cost(LStmt *s, const Sched *sc) {
    switch (s->kind) {
    case S_FOR: {
        int64_t n = extent_estimate(s->extent, sc->batch);
        int64_t body = stmts_cost(s->body, sc);
        int64_t work = n > 0 && body > INT64_MAX / n ? INT64_MAX : n * body;
        if (s->vector)
            work = work / VECTOR_ELEMENTS + body;
        if (s->parallel && work < sc->min_work)
            s->parallel = false;
        return work;
    }
    case S_IF: {
        int64_t a = stmts_cost(s->body, sc), b = stmts_cost(s->orelse, sc);
        return a > b ? a : b;
    }
    case S_CALL: case S_COMMENT:
        return 0;
    default:
        return 1 + expr_cost(s->value);
    }
}

static int64_t stmts_cost(LStmt *s, const Sched *sc) {
    int64_t total = 0;
    for (; s; s = s->next) {
        int64_t c = stmt_cost(s, sc);
        total = total > INT64_MAX - c ? INT64_MAX : total + c;
    }
    return total;
}

static void rebind(LExpr *e, const LStmt *from, const LStmt *to) {
    if (!e)
        return;
    if (e->kind == E_VAR && e->loop == from)
        e->loop = to;
    rebind(e->a, from, to);
    rebind(e->b, from, to);
    rebind(e->c, from, to);
}

static void rebind_stmts(LStmt *s, const LStmt *from, const LStmt *to) {
    for (; s; s = s->next) {
        rebind(s->index, from, to);
        rebind(s->value, from, to);
        rebind(s->extent, from, to);
        rebind_stmts(s->body, from, to);
        rebind_stmts(s->orelse, from, to);
    }
}

static bool fusable(const LStmt *s) {
    return s && s->kind == S_FOR && s->parallel && s->rowwise && s->extent->kind == E_BATCH;
}

/* Appends the body of the next fusable loop (and the comments before it) to s's body. */
static bool fuse_next(LStmt *s) {
    LStmt *n = s->next;
    while (n && n->kind == S_COMMENT)
        n = n->next;
    if (!fusable(n))
        return false;
    LStmt **tail = &s->body;
    while (*tail)
        tail = &(*tail)->next;
    for (LStmt *c = s->next; c != n; c = c->next) { /* the comments, moved inside */
        *tail = c;
        tail = &c->next;
    }
    *tail = n->body;
    rebind_stmts(n->body, n, s);
    s->next = n->next;
    return true;
}

static void fuse_rowwise(LStmt *s) {
    for (; s; s = s->next) {
        if (s->kind == S_IF) {
            fuse_rowwise(s->body);
            fuse_rowwise(s->orelse);
        } else if (fusable(s)) {
            while (fuse_next(s))
                ;
        }
    }
}

void loop_schedule(LoopProgram *p, int64_t parallel_min_work) {
    Sched sc = {p->g->train.batch > 0 ? p->g->train.batch : 32, parallel_min_work};
    for (LFunc *f = p->funcs; f; f = f->next) {
        fuse_rowwise(f->body);
        stmts_cost(f->body, &sc);
    }
}
