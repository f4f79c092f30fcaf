/*
 * loop_eval.c — runs a model's loop IR in a plain interpreter, in f64, and checks its
 * backward pass against central finite differences of loss ∘ forward, the way the
 * trainer's --gradcheck does (docs/abi.md §11: h = 1e-6, e = |a − n| / max(|a| + |n|, 1)).
 *
 *   loop_eval MODEL.nn [--batch B] [--tolerance X] [--seed S]
 *
 * It validates the loop builders independently of the LLVM backend: loops run in order
 * (parallel and vector flags are ignored), on random weights in ±0.5 and random data —
 * class indices, targets, or embedding indices below the model's input_index_limit.
 * Exit 0 when every trainable tensor is within the tolerance, 1 otherwise, 2 on bad usage.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "graph.h"
#include "loops.h"

enum { MAX_TEMPS = 256, MAX_LOOPS = 32 };

typedef struct Interp {
    const LoopProgram *p;
    double *base[8];            /* by BufBase */
    int64_t batch;
    int training;
    double lr;
    int64_t step;
    const char *temp_name[MAX_TEMPS];
    double temp_val[MAX_TEMPS];
    int ntemps;
    const LStmt *loop[MAX_LOOPS];
    int64_t loop_val[MAX_LOOPS];
    int nloops;
    double result;
} Interp;

static double *addr(Interp *in, const Buf *b, int64_t i) {
    int64_t off = b->base == BUF_WORK ? in->batch * b->start_per_row + b->start : b->start;
    return in->base[b->base] + off + i;
}

static int64_t eval_int(Interp *in, const LExpr *e);
static double eval_real(Interp *in, const LExpr *e);

static double *temp(Interp *in, const char *name, bool create) {
    for (int i = in->ntemps - 1; i >= 0; i--)
        if (strcmp(in->temp_name[i], name) == 0)
            return &in->temp_val[i];
    if (!create || in->ntemps == MAX_TEMPS) {
        fprintf(stderr, "loop_eval: unknown temp '%s'\n", name);
        exit(2);
    }
    in->temp_name[in->ntemps] = name;
    return &in->temp_val[in->ntemps++];
}

static int64_t eval_int(Interp *in, const LExpr *e) {
    switch (e->kind) {
    case E_INT: return e->ival;
    case E_BATCH: return in->batch;
    case E_STEP: return in->step;
    case E_IADD: return eval_int(in, e->a) + eval_int(in, e->b);
    case E_IMUL: return eval_int(in, e->a) * eval_int(in, e->b);
    case E_IDIV: return eval_int(in, e->a) / e->ival;
    case E_VAR:
        for (int i = in->nloops - 1; i >= 0; i--)
            if (in->loop[i] == e->loop)
                return in->loop_val[i];
        break;
    case E_TO_INT: {
        double v = eval_real(in, e->a);
        v = isnan(v) ? 0 : fmin(fmax(v, 0), (double)(e->ival - 1));
        return (int64_t)v;
    }
    default: break;
    }
    fprintf(stderr, "loop_eval: bad integer expression (kind %d)\n", e->kind);
    exit(2);
}

static double eval_un(char op, double a) {
    switch (op) {
    case '-': return -a;
    case 'e': return exp(a);
    case 'x': return expm1(a);
    case 'l': return log(a);
    case 't': return tanh(a);
    case 's': return 1 / (1 + exp(-a));
    case 'q': return sqrt(a);
    case 'a': return fabs(a);
    case 'c': return erfc(a);
    default: fprintf(stderr, "loop_eval: unknown unary '%c'\n", op); exit(2);
    }
}

static double eval_bin(char op, double a, double b) {
    switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case 'M': return fmax(a, b);
    case 'm': return fmin(a, b);
    case '^': return pow(a, b);
    default: fprintf(stderr, "loop_eval: unknown binary '%c'\n", op); exit(2);
    }
}

static bool eval_cmp(Interp *in, const LExpr *e) {
    if (e->kind == E_TRAINING)
        return in->training != 0;
    double a = eval_real(in, e->a), b = eval_real(in, e->b);
    switch (e->op) {
    case '<': return a < b;
    case 'l': return a <= b;
    case '>': return a > b;
    case 'g': return a >= b;
    default: return a == b;
    }
}

static double eval_real(Interp *in, const LExpr *e) {
    switch (e->kind) {
    case E_REAL: return e->rval;
    case E_LOAD: return *addr(in, e->buf, eval_int(in, e->a));
    case E_TEMP: return *temp(in, e->temp, false);
    case E_LR: return in->lr;
    case E_TO_REAL: return (double)eval_int(in, e->a);
    case E_BIN: return eval_bin(e->op, eval_real(in, e->a), eval_real(in, e->b));
    case E_UN: return eval_un(e->op, eval_real(in, e->a));
    case E_SELECT: return eval_cmp(in, e->a) ? eval_real(in, e->b) : eval_real(in, e->c);
    default: return (double)eval_int(in, e);
    }
}

static void run_func(Interp *in, const LFunc *f);

static void run_stmts(Interp *in, const LStmt *s) {
    for (; s; s = s->next) {
        switch (s->kind) {
        case S_FOR: {
            int64_t n = eval_int(in, s->extent);
            int k = in->nloops++;
            in->loop[k] = s;
            for (int64_t i = 0; i < n; i++) {
                in->loop_val[k] = i;
                run_stmts(in, s->body);
            }
            in->nloops--;
            break;
        }
        case S_STORE: *addr(in, s->buf, eval_int(in, s->index)) = eval_real(in, s->value); break;
        case S_ACCUM: *addr(in, s->buf, eval_int(in, s->index)) += eval_real(in, s->value); break;
        case S_LET: {
            double v = eval_real(in, s->value);
            *temp(in, s->temp, true) = v;
            break;
        }
        case S_ADD: *temp(in, s->temp, false) += eval_real(in, s->value); break;
        case S_IF:
            run_stmts(in, eval_cmp(in, s->value) ? s->body : s->orelse);
            break;
        case S_RESULT: in->result += eval_real(in, s->value); break;
        case S_CALL: run_func(in, s->callee); break;
        case S_COMMENT: break;
        }
    }
}

static void run_func(Interp *in, const LFunc *f) {
    int saved = in->ntemps;
    run_stmts(in, f->body);
    in->ntemps = saved;
}

static double loss_of(Interp *in) {
    run_func(in, in->p->forward);
    in->result = 0;
    run_func(in, in->p->loss);
    return in->result;
}

/* ---- set-up ---- */

static uint64_t rng_state = 42;

static double uniform(void) { /* [0, 1), xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static double *alloc_reals(int64_t n) {
    double *p = calloc((size_t)(n > 0 ? n : 1), sizeof(double));
    if (!p) {
        fprintf(stderr, "loop_eval: out of memory\n");
        exit(2);
    }
    return p;
}

static void fill_data(Interp *in, const Graph *g) {
    const LoopProgram *p = in->p;
    int64_t nin = in->batch * shape_size(g->input->out);
    for (int64_t i = 0; i < nin; i++)
        in->base[BUF_X][i] = p->input_index_limit > 0
                                 ? floor(uniform() * (double)p->input_index_limit)
                                 : 2 * uniform() - 1;
    bool sparse = g->train.loss == NNRT_LOSS_SPARSE_CATEGORICAL_CE;
    int64_t K = p->n_outputs;
    for (int64_t r = 0; r < in->batch; r++) {
        int64_t label = (int64_t)(uniform() * (double)K);
        if (sparse) {
            in->base[BUF_Y][r] = (double)label;
            continue;
        }
        for (int64_t k = 0; k < K; k++) {
            double *y = &in->base[BUF_Y][r * K + k];
            if (p->task == NNRT_TASK_CLASSIFY)
                *y = k == label;
            else if (p->task == NNRT_TASK_BINARY)
                *y = uniform() < 0.5;
            else
                *y = 2 * uniform() - 1;
        }
    }
    for (int64_t i = 0; i < in->batch * p->noise_per_row; i++)
        in->base[BUF_NOISE][i] = uniform();
}

static Graph *build(Arena *a, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    static char src[1 << 20];
    size_t len = fread(src, 1, sizeof src - 1, f);
    fclose(f);
    src[len] = 0;
    Diag d;
    diag_init(&d, path, src, len, stderr);
    Program *prog = parse_program(a, &d, src, len);
    Graph *g = d.nerrors ? NULL : sema_build(a, &d, prog, 8);
    if (!g || d.nerrors)
        exit(1);
    graph_plan(g, a, 8);
    return g;
}

/* Max error per trainable tensor; returns the number over the tolerance. */
static int gradcheck(Interp *in, const Graph *g, double tol) {
    const double h = 1e-6;
    double *params = in->base[BUF_PARAMS], *grads = in->base[BUF_GRADS];
    for (int64_t i = 0; i < g->param_size; i++)
        grads[i] = NAN;
    double l0 = loss_of(in);
    run_func(in, in->p->backward);
    int bad = 0;
    for (int ti = 0; ti < g->ntensors; ti++) {
        const ParamTensor *t = g->tensors[ti];
        if (!t->trainable)
            continue;
        double worst = 0;
        int64_t worst_at = 0;
        for (int64_t k = 0; k < t->size; k++) {
            double *w = &params[t->offset + k], keep = *w;
            *w = keep + h;
            double lp = loss_of(in);
            *w = keep - h;
            double lm = loss_of(in);
            *w = keep;
            double num = (lp - lm) / (2 * h), ana = grads[t->offset + k];
            double err = fabs(ana - num) / fmax(fabs(ana) + fabs(num), 1);
            if (!(err <= worst)) {
                worst = isnan(err) ? INFINITY : err;
                worst_at = k;
            }
        }
        bool ok = worst <= tol;
        bad += !ok;
        printf("  %-16s %8" PRId64 " values  max error %.3g at %" PRId64 "%s\n", t->name, t->size,
               worst, worst_at, ok ? "" : "  FAIL");
    }
    printf("loss %.9g; %s\n", l0, bad ? "gradcheck: FAILED" : "gradcheck: passed");
    return bad;
}

int main(int argc, char **argv) {
    const char *path = NULL;
    int64_t batch = 4;
    double tol = 1e-6;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = atoll(argv[++i]);
        else if (strcmp(argv[i], "--tolerance") == 0 && i + 1 < argc)
            tol = atof(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            rng_state = strtoull(argv[++i], NULL, 10) | 1;
        else if (!path && argv[i][0] != '-')
            path = argv[i];
        else {
            fprintf(stderr, "usage: loop_eval MODEL.nn [--batch B] [--tolerance X] [--seed S]\n");
            return 2;
        }
    }
    if (!path || batch < 1) {
        fprintf(stderr, "usage: loop_eval MODEL.nn [--batch B] [--tolerance X] [--seed S]\n");
        return 2;
    }
    Arena a;
    arena_init(&a);
    Graph *g = build(&a, path);
    Diag d;
    diag_init(&d, path, "", 0, stderr);
    LoopProgram *p = loop_lower(&a, g, 8, &d);
    if (p)
        loop_schedule(p, LOOP_PARALLEL_MIN_WORK); /* the fused loops nnlc compiles */
    if (!p || !loop_check(p, stderr))
        return 1;
    Interp in = {.p = p, .batch = batch, .training = 1, .lr = 0.001, .step = 1};
    in.base[BUF_PARAMS] = alloc_reals(g->param_size);
    in.base[BUF_GRADS] = alloc_reals(g->param_size);
    in.base[BUF_STATE] = alloc_reals(p->state_size);
    in.base[BUF_WORK] = alloc_reals(batch * p->work_per_row + p->work_fixed);
    in.base[BUF_X] = alloc_reals(batch * shape_size(g->input->out));
    in.base[BUF_Y] = alloc_reals(batch * p->n_outputs);
    in.base[BUF_OUT] = alloc_reals(batch * p->n_outputs);
    in.base[BUF_NOISE] = alloc_reals(batch * p->noise_per_row);
    for (int64_t i = 0; i < g->param_size; i++)
        in.base[BUF_PARAMS][i] = uniform() - 0.5;
    fill_data(&in, g);
    printf("%s: %" PRId64 " parameters, batch %" PRId64 ", f64 loop IR interpreted\n", g->name,
           g->param_size, batch);
    int bad = gradcheck(&in, g, tol);
    for (int b = BUF_PARAMS; b <= BUF_NOISE; b++)
        free(in.base[b]);
    arena_free(&a);
    return bad ? 1 : 0;
}
