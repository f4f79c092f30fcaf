/*
 * loops.c — the loop IR's constructors, buffer planning, printer and checker, and
 * loop_lower(), which walks the graph and calls the builders of loops_layers.c (layers)
 * and loops_train.c (loss, gradients of the loss, L2, optimizers).
 *
 * The entry points it builds are those of runtime/nnrt.h: forward, loss, backward,
 * update and backward_update (both in one, when a dense kernel can take its step in the
 * loop of its gradient), each calling one function per layer or tensor, so --emit=loops
 * and --emit=llvm -O0 read layer by layer. Integer expressions are folded as they are built, so indices print as
 * `r*784 + i`, not as trees of zeros.
 */
#include "loops_build.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- expressions ---- */

static LExpr *new_expr(LB *lb, ExprOp kind) {
    LExpr *e = ARENA_NEW(lb->a, LExpr);
    e->kind = kind;
    return e;
}

LExpr *e_int(LB *lb, int64_t v) {
    LExpr *e = new_expr(lb, E_INT);
    e->ival = v;
    return e;
}

LExpr *e_var(LB *lb, const LStmt *loop) {
    LExpr *e = new_expr(lb, E_VAR);
    e->loop = loop;
    return e;
}

LExpr *e_batch(LB *lb) { return new_expr(lb, E_BATCH); }
LExpr *e_step(LB *lb) { return new_expr(lb, E_STEP); }
LExpr *e_lr(LB *lb) { return new_expr(lb, E_LR); }
LExpr *e_training(LB *lb) { return new_expr(lb, E_TRAINING); }

LExpr *e_add(LB *lb, LExpr *a, LExpr *b) {
    if (a->kind == E_INT && b->kind == E_INT)
        return e_int(lb, a->ival + b->ival);
    if (a->kind == E_INT && a->ival == 0)
        return b;
    if (b->kind == E_INT && b->ival == 0)
        return a;
    LExpr *e = new_expr(lb, E_IADD);
    e->a = a;
    e->b = b;
    return e;
}

LExpr *e_mul(LB *lb, LExpr *a, LExpr *b) {
    if (a->kind == E_INT && b->kind == E_INT)
        return e_int(lb, a->ival * b->ival);
    if ((a->kind == E_INT && a->ival == 0) || (b->kind == E_INT && b->ival == 0))
        return e_int(lb, 0);
    if (a->kind == E_INT && a->ival == 1)
        return b;
    if (b->kind == E_INT && b->ival == 1)
        return a;
    LExpr *e = new_expr(lb, E_IMUL);
    e->a = a;
    e->b = b;
    return e;
}

LExpr *e_div(LB *lb, LExpr *a, int64_t n) {
    if (a->kind == E_INT)
        return e_int(lb, a->ival / n);
    if (n == 1)
        return a;
    LExpr *e = new_expr(lb, E_IDIV);
    e->a = a;
    e->ival = n;
    return e;
}

LExpr *e_real(LB *lb, double v) {
    LExpr *e = new_expr(lb, E_REAL);
    e->rval = v;
    return e;
}

LExpr *e_load(LB *lb, const Buf *buf, LExpr *index) {
    LExpr *e = new_expr(lb, E_LOAD);
    e->buf = buf;
    e->a = index;
    return e;
}

LExpr *e_temp(LB *lb, const char *name) {
    LExpr *e = new_expr(lb, E_TEMP);
    e->temp = name;
    return e;
}

LExpr *e_to_real(LB *lb, LExpr *i) {
    LExpr *e = new_expr(lb, E_TO_REAL);
    e->a = i;
    return e;
}

LExpr *e_to_int(LB *lb, LExpr *v, int64_t rows) {
    LExpr *e = new_expr(lb, E_TO_INT);
    e->a = v;
    e->ival = rows;
    return e;
}

LExpr *e_bin(LB *lb, char op, LExpr *a, LExpr *b) {
    LExpr *e = new_expr(lb, E_BIN);
    e->op = op;
    e->a = a;
    e->b = b;
    return e;
}

LExpr *e_un(LB *lb, char op, LExpr *a) {
    LExpr *e = new_expr(lb, E_UN);
    e->op = op;
    e->a = a;
    return e;
}

LExpr *e_select(LB *lb, LExpr *cond, LExpr *a, LExpr *b) {
    LExpr *e = new_expr(lb, E_SELECT);
    e->a = cond;
    e->b = a;
    e->c = b;
    return e;
}

LExpr *e_cmp(LB *lb, char op, LExpr *a, LExpr *b) {
    LExpr *e = new_expr(lb, E_CMP);
    e->op = op;
    e->a = a;
    e->b = b;
    return e;
}

LExpr *e_at(LB *lb, const Buf *buf, LExpr *row, LExpr *k) {
    return e_add(lb, e_mul(lb, row, e_int(lb, buf->row_size)), k);
}

LExpr *e_row(LB *lb, const Buf *buf, LExpr *row, LExpr *k) {
    return e_load(lb, buf, e_at(lb, buf, row, k));
}

/* ---- statements ---- */

static LStmt *append(LB *lb, StmtOp kind) {
    LStmt *s = ARENA_NEW(lb->a, LStmt);
    s->kind = kind;
    *lb->tail = s;
    lb->tail = &s->next;
    return s;
}

static void push(LB *lb, LStmt **inner) {
    if (lb->depth >= LB_MAX_DEPTH) {
        NNLC_UNREACHABLE("loop nest too deep");
    }
    lb->stack[lb->depth++] = lb->tail;
    lb->tail = inner;
}

static void pop(LB *lb) {
    lb->tail = lb->stack[--lb->depth];
}

LFunc *func_begin(LB *lb, const char *name, bool returns_real, bool exported) {
    LFunc *f = ARENA_NEW(lb->a, LFunc);
    f->name = name;
    f->returns_real = returns_real;
    f->exported = exported;
    f->index = lb->last_func ? lb->last_func->index + 1 : 0;
    if (lb->last_func)
        lb->last_func->next = f;
    else
        lb->p->funcs = f;
    lb->last_func = f;
    push(lb, &f->body);
    return f;
}

void func_end(LB *lb) { pop(lb); }

LStmt *for_begin(LB *lb, const char *var, LExpr *extent) {
    LStmt *s = append(lb, S_FOR);
    s->var = var;
    s->extent = extent;
    push(lb, &s->body);
    return s;
}

void for_end(LB *lb) { pop(lb); }

LStmt *if_begin(LB *lb, LExpr *cond) {
    LStmt *s = append(lb, S_IF);
    s->value = cond;
    push(lb, &s->body);
    return s;
}

void if_else(LB *lb, LStmt *s) {
    pop(lb);
    push(lb, &s->orelse);
}

void if_end(LB *lb) { pop(lb); }

void s_store(LB *lb, const Buf *buf, LExpr *index, LExpr *value) {
    LStmt *s = append(lb, S_STORE);
    s->buf = buf;
    s->index = index;
    s->value = value;
}

void s_accum(LB *lb, const Buf *buf, LExpr *index, LExpr *value) {
    LStmt *s = append(lb, S_ACCUM);
    s->buf = buf;
    s->index = index;
    s->value = value;
}

void s_let(LB *lb, const char *temp, LExpr *value) {
    LStmt *s = append(lb, S_LET);
    s->temp = temp;
    s->value = value;
}

void s_add(LB *lb, const char *temp, LExpr *value) {
    LStmt *s = append(lb, S_ADD);
    s->temp = temp;
    s->value = value;
}

void s_result(LB *lb, LExpr *value) {
    LStmt *s = append(lb, S_RESULT);
    s->value = value;
}

void s_call(LB *lb, LFunc *callee) {
    LStmt *s = append(lb, S_CALL);
    s->callee = callee;
}

void s_comment(LB *lb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    LStmt *s = append(lb, S_COMMENT);
    s->text = arena_strdup(lb->a, buf);
}

const char *node_line(LB *lb, const Node *n) {
    if (!n->block)
        return arena_printf(lb->a, "line %d", n->loc.line);
    return arena_printf(lb->a, "line %d, block %s at line %d", n->loc.line, n->block,
                        n->block_line);
}

/* ---- buffers ---- */

static Buf *add_buf(LB *lb, const char *name, BufBase base) {
    LoopProgram *p = lb->p;
    if (p->nbufs == p->cap_bufs) {
        int cap = p->cap_bufs ? p->cap_bufs * 2 : 32;
        Buf **grown = ARENA_ARRAY(lb->a, Buf *, cap);
        if (p->nbufs)
            memcpy(grown, p->bufs, sizeof(Buf *) * (size_t)p->nbufs);
        p->bufs = grown;
        p->cap_bufs = cap;
    }
    Buf *b = ARENA_NEW(lb->a, Buf);
    b->name = name;
    b->base = base;
    p->bufs[p->nbufs++] = b;
    b->id = p->nbufs;
    return b;
}

Buf *buf_param(LB *lb, const ParamTensor *t, bool grad) {
    Buf **cached = &lb->tensor_bufs[2 * t->index + grad];
    if (*cached) /* one buffer per tensor, however often used */
        return *cached;
    Buf *b = add_buf(lb, grad ? arena_printf(lb->a, "d%s", t->name) : t->name,
                     grad ? BUF_GRADS : BUF_PARAMS);
    b->start = t->offset;
    b->size = t->size;
    b->shape = t->shape;
    return *cached = b;
}

Buf *buf_work(LB *lb, const char *name, Shape row_shape) {
    Buf *b = add_buf(lb, name, BUF_WORK);
    b->start_per_row = lb->p->work_per_row;
    b->row_size = shape_size(row_shape);
    b->shape = row_shape;
    lb->p->work_per_row += b->row_size;
    return b;
}

/* Fixed work goes after every batched buffer: its start_per_row is set by work_finish().
 * Each starts on a 64-byte line (16 elements), so that a one-element buffer (update.alpha)
 * does not leave the vectors of the ones after it straddling lines. */
enum { FIXED_WORK_ALIGN = 16 };

Buf *buf_work_fixed(LB *lb, const char *name, Shape shape) {
    Buf *b = add_buf(lb, name, BUF_WORK);
    lb->p->work_fixed = (lb->p->work_fixed + FIXED_WORK_ALIGN - 1) / FIXED_WORK_ALIGN * FIXED_WORK_ALIGN;
    b->start = lb->p->work_fixed;
    b->size = shape_size(shape);
    b->shape = shape;
    lb->p->work_fixed += b->size;
    return b;
}

Buf *buf_scratch(LB *lb, int slot, int64_t row_size) {
    static const char *const names[SCRATCH_COUNT] = {"scratch.pad", "scratch.cols",
                                                            "scratch.dx", "scratch.partial"};
    Buf *b = lb->scratch[slot];
    if (!b) {
        b = lb->scratch[slot] = add_buf(lb, names[slot], BUF_WORK);
        b->shape.rank = 1;
        b->scratch = true;
    }
    if (row_size > b->row_size)
        b->row_size = b->shape.d[0] = row_size;
    return b;
}

/* Places the scratch regions after the per-layer buffers (their sizes are only known
 * once every layer is planned), then the fixed work after all batched work. */
static void work_finish(LB *lb) {
    LoopProgram *p = lb->p;
    for (int s = 0; s < SCRATCH_COUNT; s++)
        if (lb->scratch[s]) {
            lb->scratch[s]->start_per_row = p->work_per_row;
            p->work_per_row += lb->scratch[s]->row_size;
        }
    for (int i = 0; i < p->nbufs; i++)
        if (p->bufs[i]->base == BUF_WORK && p->bufs[i]->row_size == 0)
            p->bufs[i]->start_per_row = p->work_per_row;
}

Buf *buf_io(LB *lb, const char *name, BufBase base, Shape row_shape) {
    Buf *b = add_buf(lb, name, base);
    b->row_size = shape_size(row_shape);
    b->shape = row_shape;
    return b;
}

/* ---- printer ---- */

static void print_expr(const LExpr *e, FILE *out);

static void print_index(const LExpr *e, FILE *out) {
    switch (e->kind) {
    case E_INT: fprintf(out, "%" PRId64, e->ival); break;
    case E_VAR: fputs(e->loop->var, out); break;
    case E_BATCH: fputs("B", out); break;
    case E_STEP: fputs("step", out); break;
    case E_IADD:
        print_index(e->a, out);
        if (e->b->kind == E_IMUL && e->b->a->kind == E_INT && e->b->a->ival == -1) {
            fputs(" - ", out); /* 27 + -1*s prints as 27 - s */
            print_index(e->b->b, out);
            break;
        }
        if (e->b->kind == E_INT && e->b->ival < 0) { /* B + -1 prints as B - 1 */
            fprintf(out, " - %" PRId64, -e->b->ival);
            break;
        }
        fputs(" + ", out);
        print_index(e->b, out);
        break;
    case E_IMUL:
        if (e->a->kind == E_IADD)
            fputc('(', out);
        print_index(e->a, out);
        if (e->a->kind == E_IADD)
            fputc(')', out);
        fputc('*', out);
        if (e->b->kind == E_IADD)
            fputc('(', out);
        print_index(e->b, out);
        if (e->b->kind == E_IADD)
            fputc(')', out);
        break;
    case E_IDIV:
        if (e->a->kind == E_IADD || e->a->kind == E_IMUL)
            fputc('(', out);
        print_index(e->a, out);
        if (e->a->kind == E_IADD || e->a->kind == E_IMUL)
            fputc(')', out);
        fprintf(out, "/%" PRId64, e->ival);
        break;
    case E_TO_INT:
        fputs("index(", out);
        print_expr(e->a, out);
        fprintf(out, ", %" PRId64 ")", e->ival);
        break;
    default: print_expr(e, out); break;
    }
}

static const char *un_name(char op) {
    switch (op) {
    case '-': return "-";
    case 'e': return "exp";
    case 'x': return "expm1";
    case 'l': return "log";
    case 't': return "tanh";
    case 's': return "sigmoid";
    case 'q': return "sqrt";
    case 'a': return "abs";
    case 'c': return "erfc";
    default: return "?";
    }
}

bool loop_expr_is_int(const LExpr *e) {
    switch (e->kind) {
    case E_INT: case E_VAR: case E_BATCH: case E_STEP: case E_IADD: case E_IMUL: case E_IDIV:
    case E_TO_INT:
        return true;
    default:
        return false;
    }
}

static void print_expr(const LExpr *e, FILE *out) {
    if (loop_expr_is_int(e)) {
        print_index(e, out);
        return;
    }
    switch (e->kind) {
    case E_REAL: fprintf(out, "%.9g", e->rval); break;
    case E_LOAD:
        fprintf(out, "%s[", e->buf->name);
        print_index(e->a, out);
        fputc(']', out);
        break;
    case E_TEMP: fputs(e->temp, out); break;
    case E_LR: fputs("lr", out); break;
    case E_TRAINING: fputs("training", out); break;
    case E_TO_REAL: print_index(e->a, out); break;
    case E_BIN:
        if (e->op == 'M' || e->op == 'm' || e->op == '^') {
            fputs(e->op == 'M' ? "max(" : e->op == 'm' ? "min(" : "pow(", out);
            print_expr(e->a, out);
            fputs(", ", out);
            print_expr(e->b, out);
            fputc(')', out);
        } else {
            fputc('(', out);
            print_expr(e->a, out);
            fprintf(out, " %c ", e->op);
            print_expr(e->b, out);
            fputc(')', out);
        }
        break;
    case E_UN:
        fprintf(out, "%s(", un_name(e->op));
        print_expr(e->a, out);
        fputc(')', out);
        break;
    case E_SELECT:
        fputc('(', out);
        print_expr(e->a, out);
        fputs(" ? ", out);
        print_expr(e->b, out);
        fputs(" : ", out);
        print_expr(e->c, out);
        fputc(')', out);
        break;
    case E_CMP: {
        const char *op = e->op == 'l' ? "<=" : e->op == 'g' ? ">=" : e->op == '=' ? "==" :
                         e->op == '<' ? "<" : ">";
        print_expr(e->a, out);
        fprintf(out, " %s ", op);
        print_expr(e->b, out);
        break;
    }
    default: /* integer kinds: printed above */
        break;
    }
}

static void indent(int depth, FILE *out) {
    for (int i = 0; i < depth; i++)
        fputs("  ", out);
}

static void print_stmts(const LStmt *s, int depth, FILE *out) {
    for (; s; s = s->next) {
        indent(depth, out);
        switch (s->kind) {
        case S_FOR:
            fprintf(out, "%s%sfor %s in 0..", s->parallel ? "parallel " : "",
                    s->vector ? "vector " : "", s->var);
            print_index(s->extent, out);
            fputs(":\n", out);
            print_stmts(s->body, depth + 1, out);
            break;
        case S_STORE:
        case S_ACCUM:
            fprintf(out, "%s[", s->buf->name);
            print_index(s->index, out);
            fprintf(out, "] %s ", s->kind == S_STORE ? "=" : "+=");
            print_expr(s->value, out);
            fputc('\n', out);
            break;
        case S_LET:
        case S_ADD:
            fprintf(out, "%s %s ", s->temp, s->kind == S_LET ? "=" : "+=");
            print_expr(s->value, out);
            fputc('\n', out);
            break;
        case S_IF:
            fputs("if ", out);
            print_expr(s->value, out);
            fputs(":\n", out);
            print_stmts(s->body, depth + 1, out);
            if (s->orelse) {
                indent(depth, out);
                fputs("else:\n", out);
                print_stmts(s->orelse, depth + 1, out);
            }
            break;
        case S_RESULT:
            fputs("result += ", out);
            print_expr(s->value, out);
            fputc('\n', out);
            break;
        case S_CALL:
            fprintf(out, "call %s(ctx", s->callee->name);
            for (int k = 0; k < s->callee->nargs; k++)
                fprintf(out, ", %s", s->args[k]->name);
            fputs(")\n", out);
            break;
        case S_COMMENT:
            fprintf(out, "# %s\n", s->text);
            break;
        }
    }
}

static const char *const base_names[] = {"params", "grads", "opt_state", "work", "x", "y",
                                          "out", "noise"};

void loop_print(const LoopProgram *p, FILE *out) {
    fprintf(out, "# loop IR of model '%s' (%s); B = rows in the batch\n", p->g->name,
            p->elem_size == 8 ? "f64" : "f32");
    fputs("# buffers:\n", out);
    for (int i = 0; i < p->nbufs; i++) {
        const Buf *b = p->bufs[i];
        char shape[96];
        int used = snprintf(shape, sizeof shape, b->row_size ? "(B" : "(");
        for (int k = 0; k < b->shape.rank; k++)
            used += snprintf(shape + used, sizeof shape - (size_t)used, "%s%" PRId64,
                             k || b->row_size ? "," : "", b->shape.d[k]);
        snprintf(shape + used, sizeof shape - (size_t)used, ")");
        if (b->base == BUF_WORK && b->row_size == 0)
            fprintf(out, "#   %-26s %-9s %-16s at B*%" PRId64 " + %" PRId64 "\n", b->name,
                    base_names[b->base], shape, b->start_per_row, b->start);
        else if (b->base == BUF_WORK)
            fprintf(out, "#   %-26s %-9s %-16s at B*%" PRId64 "\n", b->name, base_names[b->base],
                    shape, b->start_per_row);
        else
            fprintf(out, "#   %-26s %-9s %-16s at %" PRId64 "\n", b->name, base_names[b->base],
                    shape, b->start);
    }
    fprintf(out, "# work: B*%" PRId64 " + %" PRId64 " elements; noise: %" PRId64
                 " per row; optimizer state: %" PRId64 " elements\n",
            p->work_per_row, p->work_fixed, p->noise_per_row, p->state_size);
    for (int i = 0; i < p->n_noise_seeds; i++) /* dropout layers with Keras' seed= */
        fprintf(out, "# noise [%" PRId64 ", %" PRId64 ") of a row: from seed %" PRIu64 "\n",
                p->noise_seeds[i].start, p->noise_seeds[i].start + p->noise_seeds[i].size,
                p->noise_seeds[i].seed);
    fputc('\n', out);
    for (const LFunc *f = p->funcs; f; f = f->next) {
        fprintf(out, "func %s(ctx", f->name);
        for (int k = 0; k < f->nargs; k++)
            fprintf(out, ", %s", f->args[k]->name);
        fprintf(out, ")%s:\n", f->returns_real ? " -> real" : "");
        print_stmts(f->body, 1, out);
        fputc('\n', out);
    }
}

/* ---- buffers ---- */

/* Whether two buffers may share memory. Batched work buffers made by buf_work() own the
 * columns [start_per_row, start_per_row + row_size) of every row block; fixed work
 * (row_size 0, buf_work_fixed()) lies after all of them, at [start, start + size) of the
 * fixed region; any other work buffer is assumed to overlap them all. */
bool loop_bufs_may_overlap(const Buf *a, const Buf *b) {
    if (a->base != b->base)
        return false;
    switch (a->base) {
    case BUF_PARAMS: case BUF_GRADS: case BUF_STATE:
        return a->start < b->start + b->size && b->start < a->start + a->size;
    case BUF_WORK:
        if (!a->row_size && !b->row_size)
            return a->start < b->start + b->size && b->start < a->start + a->size;
        if (!a->row_size || !b->row_size)
            return false;
        if (a->start == 0 && b->start == 0)
            return a->start_per_row < b->start_per_row + b->row_size &&
                   b->start_per_row < a->start_per_row + a->row_size;
        return true;
    default:
        return true; /* x, y, out, noise: one region each */
    }
}

/* ---- checker ---- */

typedef struct Check {
    FILE *err;
    const LFunc *f;
    const char *temps[256];
    int ntemps;
    const LStmt *loops[LB_MAX_DEPTH];
    int nloops;
    bool ok;
    bool in_parallel;
    int captured;       /* in a parallel body: temps [0, captured) belong to the caller */
} Check;

static int find_temp(const Check *c, const char *name) {
    for (int i = c->ntemps - 1; i >= 0; i--)
        if (strcmp(c->temps[i], name) == 0)
            return i;
    return -1;
}

static void check_fail(Check *c, const char *what) {
    fprintf(c->err, "loop_check: %s: %s\n", c->f->name, what);
    c->ok = false;
}

static void check_expr(Check *c, const LExpr *e) {
    if (!e)
        return;
    if (e->kind == E_VAR) {
        bool found = false;
        for (int i = 0; i < c->nloops; i++)
            found |= c->loops[i] == e->loop;
        if (!found)
            check_fail(c, "a loop variable used outside its loop");
    }
    if (e->kind == E_TEMP && find_temp(c, e->temp) < 0)
        check_fail(c, e->temp);
    check_expr(c, e->a);
    check_expr(c, e->b);
    check_expr(c, e->c);
}

static void check_stmts(Check *c, const LStmt *s) {
    for (; s; s = s->next) {
        check_expr(c, s->index);
        check_expr(c, s->value);
        check_expr(c, s->extent);
        /* A parallel body reads the caller's temps (copied into its frame) but must not
         * assign them: its chunks run at once, and the caller would not see the result. */
        if ((s->kind == S_LET || s->kind == S_ADD) && c->in_parallel) {
            int at = find_temp(c, s->temp);
            if (at >= 0 && at < c->captured)
                check_fail(c, "a parallel loop assigns a temporary of its caller");
        }
        if (s->kind == S_ADD && find_temp(c, s->temp) < 0)
            check_fail(c, s->temp);
        if (s->kind == S_LET && c->ntemps < 256)
            c->temps[c->ntemps++] = s->temp;
        if (s->kind == S_RESULT && !c->f->returns_real)
            check_fail(c, "result in a function without a result");
        if (s->kind == S_RESULT && c->in_parallel)
            check_fail(c, "result inside a parallel loop");
        if (s->kind == S_CALL && s->callee->nargs && !s->args)
            check_fail(c, "a call without the buffers its callee takes");
        if (s->kind == S_FOR) {
            if (s->parallel && c->in_parallel)
                check_fail(c, "nested parallel loops");
            bool was = c->in_parallel;
            int saved_temps = c->ntemps, saved_captured = c->captured;
            if (s->parallel)
                c->captured = c->ntemps;
            c->in_parallel |= s->parallel;
            c->loops[c->nloops++] = s;
            check_stmts(c, s->body);
            c->nloops--;
            c->in_parallel = was;
            c->captured = saved_captured;
            c->ntemps = saved_temps;
        }
        if (s->kind == S_IF) {
            check_stmts(c, s->body);
            check_stmts(c, s->orelse);
        }
    }
}

bool loop_check(const LoopProgram *p, FILE *err) {
    Check c = {0};
    c.err = err;
    c.ok = true;
    int index = 0;
    for (const LFunc *f = p->funcs; f; f = f->next, index++) {
        c.f = f;
        if (f->index != index)
            check_fail(&c, "its index is not its place among the functions");
        c.ntemps = 0;
        c.nloops = 0;
        check_stmts(&c, f->body);
    }
    if (!p->forward || !p->loss || !p->backward || !p->update) {
        fprintf(err, "loop_check: an entry point is missing\n");
        c.ok = false;
    }
    return c.ok;
}

/* ---- lowering ---- */

/* Whether n can be lowered (sema has already refused models no trainer can be built for:
 * unused tensors, embeddings not on the input, softmax in a recurrent cell). */
static bool supported(LB *lb, const Node *n) {
    if (layer_lowered(n->op))
        return true;
    char list[512];
    size_t used = 0;
    list[0] = '\0';
    for (int op = OP_INPUT + 1; op < OP_COUNT; op++)
        if (layer_lowered((OpKind)op) && used < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                                     op_name((OpKind)op));
    diag_error(lb->d, n->loc, "code generation for %s is not implemented yet", op_name(n->op));
    diag_hint(lb->d, n->loc, "--summary and --emit=ir work for every layer; trainers can be "
                             "built for %s", list);
    return false;
}

static NnrtTask task_of(const Graph *g) {
    switch (g->train.loss) {
    case NNRT_LOSS_SPARSE_CATEGORICAL_CE:
    case NNRT_LOSS_CATEGORICAL_CE:
        return NNRT_TASK_CLASSIFY;
    case NNRT_LOSS_BINARY_CE:
        return NNRT_TASK_BINARY;
    default:
        return NNRT_TASK_REGRESS;
    }
}

static void build_entries(LB *lb) {
    const Graph *g = lb->g;
    LFunc **fwd = ARENA_ARRAY(lb->a, LFunc *, g->nnodes);
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        if (n->op == OP_INPUT || n->op == OP_FLATTEN || n->op == OP_RESHAPE)
            continue;
        bool recurrent = n->op == OP_SIMPLE_RNN || n->op == OP_LSTM || n->op == OP_GRU;
        fwd[i] = func_begin(lb, arena_printf(lb->a, "%s.forward", n->name), false, false);
        fwd[i]->keep_own = recurrent;
        layer_forward(lb, n);
        func_end(lb);
    }
    lb->p->forward = func_begin(lb, "forward", false, true);
    for (int i = 0; i < g->nnodes; i++)
        if (fwd[i])
            s_call(lb, fwd[i]);
    func_end(lb);

    lb->p->loss = func_begin(lb, "loss", true, true);
    loss_forward(lb);
    func_end(lb);

    /* The optimizer's buffers first: the backward of a dense layer whose kernel can take
     * its step in the loop of its gradient (update_fusable) writes that step there, run
     * only when backward_update has set update.in_backward. */
    update_plan(lb);
    bool *written = ARENA_ARRAY(lb->a, bool, g->nnodes);
    LFunc **bwd = ARENA_ARRAY(lb->a, LFunc *, g->nnodes);
    LFunc *lossgrad = func_begin(lb, "loss.backward", false, false);
    loss_backward(lb, written);
    func_end(lb);
    for (int i = g->nnodes - 1; i >= 0; i--) {
        const Node *n = g->nodes[i];
        if (n->op == OP_INPUT || n->op == OP_FLATTEN || n->op == OP_RESHAPE)
            continue;
        bwd[i] = func_begin(lb, arena_printf(lb->a, "%s.backward", n->name), false, false);
        bwd[i]->keep_own = n->op == OP_SIMPLE_RNN || n->op == OP_LSTM || n->op == OP_GRU;
        layer_backward(lb, n, written);
        func_end(lb);
    }
    lb->p->backward = func_begin(lb, "backward", false, true);
    if (lb->in_backward)
        s_store(lb, lb->in_backward, e_int(lb, 0), e_real(lb, 0));
    s_call(lb, lossgrad);
    for (int i = g->nnodes - 1; i >= 0; i--)
        if (bwd[i])
            s_call(lb, bwd[i]);
    func_end(lb);

    lb->p->update = func_begin(lb, "update", false, true);
    optimizer_update(lb);
    func_end(lb);
    if (!lb->in_backward)
        return;

    /* backward_update(ctx): backward and update in one; the kernels of dense layers take
     * their steps in the loops that sum their gradients, while those rows are in cache:
     * the update's pass over their gradients, and its parallel loop, are gone. Trainers
     * call it instead of the two; gradcheck calls backward. */
    lb->p->backward_update = func_begin(lb, "backward_update", false, true);
    char *list = "";
    int nfused = 0;
    for (int ti = 0; ti < g->ntensors; ti++)
        if (lb->updates[ti].fused)
            list = arena_printf(lb->a, "%s%s%s", list, nfused++ ? ", " : "", g->tensors[ti]->name);
    s_comment(lb, "backward, then update; taken in the loops that sum the gradients: the "
                  "step%s of %s", nfused > 1 ? "s" : "", list);
    update_scalars_store(lb);
    s_store(lb, lb->in_backward, e_int(lb, 0), e_real(lb, 1));
    s_call(lb, lossgrad);
    for (int i = g->nnodes - 1; i >= 0; i--)
        if (bwd[i])
            s_call(lb, bwd[i]);
    s_store(lb, lb->in_backward, e_int(lb, 0), e_real(lb, 0));
    for (int ti = 0; ti < g->ntensors; ti++)
        if (g->tensors[ti]->trainable && !lb->updates[ti].fused)
            s_call(lb, lb->updates[ti].func);
    func_end(lb);
}

/* How many layers write n's gradient: its users, looking through views (a tensor read
 * by flatten() which two layers read has two writers). */
static int grad_writers(const Node *n) {
    int k = 0;
    for (int i = 0; i < n->nusers; i++)
        k += n->users[i]->op == OP_FLATTEN || n->users[i]->op == OP_RESHAPE
                 ? grad_writers(n->users[i]) : 1;
    return k;
}

/* Buffers for every node: outputs, pre-activations, gradients; layer_buffers() adds the
 * parameters and whatever else the layer's loops need. */
static void plan_buffers(LB *lb) {
    const Graph *g = lb->g;
    const Node *out_node = view_source(g->output), *fused_out = loss_fusion(g);
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = g->nodes[i];
        NodeBufs *nb = &lb->nb[i];
        if (n->op == OP_INPUT) {
            nb->out = buf_io(lb, "x", BUF_X, n->out);
            continue;
        }
        if (n->op == OP_FLATTEN || n->op == OP_RESHAPE) {
            *nb = lb->nb[view_source(n)->id];
            continue;
        }
        bool is_output = n == out_node;
        nb->out = is_output ? buf_io(lb, "out", BUF_OUT, n->out)
                            : buf_work(lb, arena_printf(lb->a, "%s.y", n->name), n->out);
        bool has_z = layer_has_z(n);
        if (layer_stores_z(n, fused_out))
            nb->z = buf_work(lb, arena_printf(lb->a, "%s.z", n->name), n->out);
        /* The derivative of an elementwise activation is applied by whoever writes the
         * gradient, when there is exactly one writer: no separate pass over dy, no dy. */
        nb->dz_fused = has_z && n->act.kind != ACT_SOFTMAX && grad_writers(n) == 1 &&
                       !is_output;
        if (!nb->dz_fused)
            nb->dout = buf_work(lb, arena_printf(lb->a, "%s.dy", n->name), n->out);
        nb->dz = has_z ? buf_work(lb, arena_printf(lb->a, "%s.dz", n->name), n->out) : nb->dout;
        layer_buffers(lb, n);
    }
    if (lb->p->noise_per_row)
        lb->noise = buf_io(lb, "noise", BUF_NOISE, (Shape){1, {lb->p->noise_per_row}});
    bool class_index = g->train.loss == NNRT_LOSS_SPARSE_CATEGORICAL_CE;
    lb->y = buf_io(lb, "y", BUF_Y, class_index ? (Shape){1, {1}} : g->output->out);
    lb->fused_out = fused_out;
    if (lb->fused_out && layer_has_z(lb->fused_out))
        lb->nb[lb->fused_out->id].dz_fused = false;
    /* One softmax row per example, cross-entropy from its logits: the loss reads the
     * row's log Σ exp that the softmax computed anyway. */
    if (fused_out && fused_out->act.kind == ACT_SOFTMAX &&
        shape_size(fused_out->out) == fused_out->out.d[fused_out->out.rank - 1])
        lb->nb[fused_out->id].lse =
            buf_work(lb, arena_printf(lb->a, "%s.lse", fused_out->name), (Shape){1, {1}});
}

LoopProgram *loop_lower(Arena *a, const Graph *g, int elem_size, Diag *d) {
    LB lb = {0};
    lb.a = a;
    lb.d = d;
    lb.g = g;
    lb.p = ARENA_NEW(a, LoopProgram);
    lb.p->g = g;
    lb.p->arena = a;
    lb.p->elem_size = elem_size;
    lb.nb = ARENA_ARRAY(a, NodeBufs, g->nnodes);
    lb.tensor_bufs = ARENA_ARRAY(a, Buf *, 2 * (size_t)g->ntensors + 1);
    bool ok = true;
    for (int i = 0; i < g->nnodes; i++)
        ok &= supported(&lb, g->nodes[i]);
    if (!g->has_train) {
        diag_error(d, g->loc, "model '%s' has no train block, so there is nothing to compile "
                              "a trainer for", g->name);
        diag_hint(d, g->loc, "add train { loss = … } (--summary and --emit=ir work without)");
        ok = false;
    } else if (g->trainable == 0) {
        /* its loss gradient would have no tensor to flow into, and update nothing to change */
        diag_error(d, g->loc, "model '%s' has no trainable parameters, so training has nothing "
                              "to change", g->name);
        diag_hint(d, g->loc, "add a layer with weights, such as dense(units) (--summary and "
                             "--emit=ir work without)");
        ok = false;
    }
    if (!ok)
        return NULL;
    lb.p->n_outputs = shape_size(g->output->out);
    lb.p->task = task_of(g);
    lb.p->n_classes = lb.p->task == NNRT_TASK_CLASSIFY ? lb.p->n_outputs : 0;
    if (lb.p->task == NNRT_TASK_BINARY)
        lb.p->n_classes = 2;
    lb.p->state_size = optimizer_state_size(g);
    plan_buffers(&lb);
    build_entries(&lb);
    work_finish(&lb); /* builders may still ask for scratch and fixed work */
    return lb.p;
}
