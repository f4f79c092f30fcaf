/*
 * loops_schedule.c — decisions about how the loop nests run, made after every builder
 * has written its loops. Builders mark every loop whose iterations are independent as
 * parallel; this pass keeps the mark only where a loop has enough work to pay for
 * waking the thread pool (a few microseconds), estimating the work at the training batch
 * size. The result is visible in --emit=loops: `parallel for` survives only where it pays.
 * A loop that gathers what every thread wrote just before (builders mark it: the sum of a
 * split product's parts, the transpose of a W whose rows each thread updated) pays at an
 * eighth of that work: on one thread it would pull all the other threads' lines through
 * one core while they wait (the Keras CNN at 2 threads, 3–11% faster per epoch).
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
        int64_t min_work = s->gathers ? sc->min_work / LOOP_GATHER_WORK_DIVISOR : sc->min_work;
        if (s->parallel && work < min_work)
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

/* ---- per-example loops inside a product's tiles of examples ----
 *
 * A product over a batch runs in tiles of 4 examples (`parallel for rb in 0..B/4`, marked
 * row_block) and then the B mod 4 examples left (`for r in 0..B - B/4*4`, row_rest). A
 * per-example loop right before or after the pair (rowwise) joins it: its body runs for
 * the tile's 4 examples at the start or the end of the tile, and for the example of each
 * leftover iteration. So a softmax runs while its tile's logits are in cache, and two
 * small layers take one turn of the thread pool instead of three. Every example still goes
 * through the loops in their order, so only rows would notice, and no loop involved reads
 * another example's row. */

/* Copies statements, with loop `var` replaced by the expression `with` (loops inside the
 * copy get copies of their own variables). */
typedef struct Copier {
    Arena *a;
    const LStmt *var;
    LExpr *with;
    const LStmt *from[LB_MAX_DEPTH];
    LStmt *to[LB_MAX_DEPTH];
    int n;
} Copier;

static LExpr *copy_expr(Copier *c, const LExpr *e) {
    if (!e)
        return NULL;
    if (e->kind == E_VAR && e->loop == c->var)
        return c->with;
    LExpr *n = ARENA_NEW(c->a, LExpr);
    *n = *e;
    if (e->kind == E_VAR)
        for (int i = 0; i < c->n; i++)
            if (c->from[i] == e->loop)
                n->loop = c->to[i];
    n->a = copy_expr(c, e->a);
    n->b = copy_expr(c, e->b);
    n->c = copy_expr(c, e->c);
    return n;
}

static LStmt *copy_stmts(Copier *c, const LStmt *s) {
    LStmt *first = NULL, **tail = &first;
    for (; s; s = s->next) {
        LStmt *n = ARENA_NEW(c->a, LStmt);
        *n = *s;
        n->next = NULL;
        n->extent = copy_expr(c, s->extent);
        n->index = copy_expr(c, s->index);
        n->value = copy_expr(c, s->value);
        if (s->kind == S_FOR) {
            if (c->n == LB_MAX_DEPTH)
                NNLC_UNREACHABLE("loop nest too deep to copy");
            c->from[c->n] = s;
            c->to[c->n++] = n;
            n->body = copy_stmts(c, s->body);
            c->n--;
        } else {
            n->body = copy_stmts(c, s->body);
        }
        n->orelse = copy_stmts(c, s->orelse);
        *tail = n;
        tail = &n->next;
    }
    return first;
}

static LStmt *copy_with(Arena *a, const LStmt *body, const LStmt *var, LExpr *with) {
    Copier c = {a, var, with, {0}, {0}, 0};
    return copy_stmts(&c, body);
}

/* Whether statements write a buffer that is not per example (parameters, gradients,
 * optimizer state, batch statistics): loops that do must keep their place. */
static bool writes_shared(const LStmt *s) {
    for (; s; s = s->next) {
        if ((s->kind == S_STORE || s->kind == S_ACCUM) && s->buf->row_size == 0)
            return true;
        if (s->kind == S_RESULT || s->kind == S_CALL || writes_shared(s->body) ||
            writes_shared(s->orelse))
            return true;
    }
    return false;
}

/* Whether statements read or write buffer b (write: only writes count). */
static bool touches(const LStmt *s, const Buf *b, bool write);

static bool expr_reads(const LExpr *e, const Buf *b) {
    return e && ((e->kind == E_LOAD && e->buf == b) || expr_reads(e->a, b) ||
                 expr_reads(e->b, b) || expr_reads(e->c, b));
}

static bool touches(const LStmt *s, const Buf *b, bool write) {
    for (; s; s = s->next) {
        if ((s->kind == S_STORE || s->kind == S_ACCUM) && s->buf == b)
            return true;
        if (!write && (expr_reads(s->index, b) || expr_reads(s->value, b) ||
                       expr_reads(s->extent, b)))
            return true;
        if (touches(s->body, b, write) || touches(s->orelse, b, write))
            return true;
    }
    return false;
}

/* Scratch rows are as wide as each layer makes them, so a loop joined into another's
 * tiles must not share scratch with it. */
static bool share_scratch(const LoopProgram *p, const LStmt *x, const LStmt *y) {
    for (int i = 0; i < p->nbufs; i++) {
        const Buf *b = p->bufs[i];
        if (b->scratch && touches(x, b, false) && touches(y, b, false) &&
            (touches(x, b, true) || touches(y, b, true)))
            return true;
    }
    return false;
}

static LStmt *skip_comments(LStmt *s) {
    while (s && s->kind == S_COMMENT)
        s = s->next;
    return s;
}

static bool joinable(const LStmt *s) {
    return fusable(s) && !writes_shared(s->body);
}

static bool tiles_at(const LStmt *t) {
    const LStmt *rest = t ? skip_comments(t->next) : NULL;
    return t && t->kind == S_FOR && t->parallel && t->row_block > 0 && rest &&
           rest->kind == S_FOR && rest->row_rest && !writes_shared(t->body) &&
           !writes_shared(rest->body);
}

static LStmt **tail_of(LStmt **list) {
    while (*list)
        list = &(*list)->next;
    return list;
}

/* Loop L's body for the tile's examples (for q in 0..k: row k·rb + q) and for the
 * leftover example (row k·(B/k) + r), built with the builders' folding constructors. */
static LStmt *for_tile(Arena *a, const LStmt *L, const LStmt *tile) {
    LB lb = {.a = a};
    LStmt *q = ARENA_NEW(a, LStmt);
    q->kind = S_FOR;
    q->var = "q";
    q->extent = e_int(&lb, tile->row_block);
    LExpr *row = e_add(&lb, e_mul(&lb, e_var(&lb, tile), e_int(&lb, tile->row_block)),
                       e_var(&lb, q));
    q->body = copy_with(a, L->body, L, row);
    return q;
}

static LStmt *for_rest(Arena *a, const LStmt *L, const LStmt *tile, const LStmt *rest) {
    LB lb = {.a = a};
    LExpr *done = e_mul(&lb, e_div(&lb, e_batch(&lb), tile->row_block),
                        e_int(&lb, tile->row_block));
    return copy_with(a, L->body, L, e_add(&lb, done, e_var(&lb, rest)));
}

/* Joins the per-example loops next to each tile pair of the list into it. */
static void join_tiles(const LoopProgram *prog, LStmt **list) {
    Arena *a = prog->arena;
    for (LStmt **at = list; *at; at = &(*at)->next) {
        LStmt *t = *at;
        if (!tiles_at(t))
            continue;
        LStmt *rest = skip_comments(t->next);
        /* before: L (with the comments before it) is a per-example loop right before t,
         * only comments between them */
        for (LStmt **p = list; *p != t; p = &(*p)->next) {
            LStmt *L = skip_comments(*p);
            if (L == t || !joinable(L) || skip_comments(L->next) != t ||
                share_scratch(prog, L->body, t->body) || share_scratch(prog, L->body, rest->body))
                continue;
            LStmt *comments = *p == L ? NULL : *p;
            LStmt *q = for_tile(a, L, t);
            LStmt *pro = for_rest(a, L, t, rest);
            /* comments, then the per-example part, then the tile */
            q->next = t->body;
            if (comments) {
                LStmt *c = comments;
                while (c->next != L)
                    c = c->next;
                c->next = q;
                t->body = comments;
            } else {
                t->body = q;
            }
            *tail_of(&pro) = rest->body;
            rest->body = pro;
            *p = L->next; /* t, or the comments between L and t */
            at = p;
            break;
        }
        /* after: per-example loops following the rest loop */
        for (;;) {
            LStmt *L = skip_comments(rest->next);
            if (!joinable(L) || share_scratch(prog, L->body, t->body) ||
                share_scratch(prog, L->body, rest->body))
                break;
            LStmt **tb = tail_of(&t->body);
            if (rest->next != L) { /* the comments before L move into the tile */
                *tb = rest->next;
                LStmt *c = rest->next;
                while (c->next != L)
                    c = c->next;
                tb = &c->next;
            }
            *tb = for_tile(a, L, t);
            *tail_of(&rest->body) = for_rest(a, L, t, rest);
            rest->next = L->next;
        }
    }
}

/* ---- a layer's last per-example loop handed to the next layer ----
 *
 * forward(ctx) calls the layers in order; when one layer ends with a per-example loop
 * (the split product's sum of parts and activation) and the next begins with a product's
 * tiles of examples, the loop moves to the start of the next layer's function, where
 * join_tiles runs it tile by tile. Only between functions called once, from one place:
 * the order of all statements executed stays the same. */
static void count_calls(const LStmt *s) {
    for (; s; s = s->next) {
        if (s->kind == S_CALL)
            s->callee->ncalls++;
        count_calls(s->body);
        count_calls(s->orelse);
    }
}

static void hand_over(LoopProgram *p, LFunc *f) {
    for (LStmt *s = skip_comments(f->body); s; s = skip_comments(s->next)) {
        LStmt *n = skip_comments(s->next);
        if (s->kind != S_CALL || !n || n->kind != S_CALL || s->callee == n->callee)
            continue;
        LFunc *from = s->callee, *to = n->callee;
        if (from->ncalls != 1 || to->ncalls != 1)
            continue;
        /* from's last statement L, with the comments right before it (from *start) */
        LStmt **start = NULL, *L = NULL;
        bool comments_after = false;
        for (LStmt **at = &from->body; *at; at = &(*at)->next) {
            if ((*at)->kind == S_COMMENT) {
                if (!comments_after)
                    start = at;
                comments_after = true;
            } else {
                if (!comments_after)
                    start = at;
                comments_after = false;
                L = *at;
            }
        }
        LStmt *t = skip_comments(to->body);
        if (!L || comments_after || !joinable(L) || !tiles_at(t) ||
            share_scratch(p, L->body, to->body))
            continue;
        /* In front of `to`'s title: join_tiles, which the same checks let through, then
         * moves L and its comments into the tiles, and the title is first again. */
        LStmt *moved = *start;
        *start = NULL;
        LStmt *note = ARENA_NEW(p->arena, LStmt);
        note->kind = S_COMMENT;
        note->text = arena_printf(p->arena, "from %s, run tile by tile below:", from->name);
        note->next = moved;
        L->next = to->body;
        to->body = note;
    }
}

void loop_schedule(LoopProgram *p, int64_t parallel_min_work) {
    Sched sc = {p->g->train.batch > 0 ? p->g->train.batch : 32, parallel_min_work};
    for (LFunc *f = p->funcs; f; f = f->next)
        fuse_rowwise(f->body);
    for (LFunc *f = p->funcs; f; f = f->next)
        f->ncalls = 0;
    for (LFunc *f = p->funcs; f; f = f->next)
        count_calls(f->body);
    for (LFunc *f = p->funcs; f; f = f->next)
        if (f->exported)
            hand_over(p, f);
    for (LFunc *f = p->funcs; f; f = f->next) {
        join_tiles(p, &f->body);
        stmts_cost(f->body, &sc);
    }
}
