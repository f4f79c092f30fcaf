/*
 * cg_tool — the helper of the code-generation tests (the scripts in tests/codegen):
 *
 *   cg_tool data DIR               writes the small data sets the tests train on (.npy)
 *   cg_tool opt-model CASE         prints the .nn model of optimizer case CASE
 *   cg_tool opt-init FILE          writes the initial weights of the optimizer model
 *   cg_tool opt-check CASE FILE    compares FILE's weights with the Keras reference
 *   cg_tool same A B               exit 0 iff A and B hold the same tensors, bit for bit
 *   cg_tool predict-check CK CSV   recomputes checkpoint.nn's predictions of ck_x from
 *                                  the weights in CK and compares them with CSV
 *
 * It reads checkpoints with its own safetensors reader (st.c), so it checks the
 * runtime's writer too. Exit status: 0 pass, 1 fail, 2 usage.
 */
#include "keras_opt.h"
#include "st.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- data ---- */

enum { GC_ROWS = 8, GC_IN = 6, GC_OUT = 3 };
enum { CK_ROWS = 96, CK_IN = 12, CK_CLASSES = 3 };

/* Gradient-check features: multiples of 1/8 in [-1.0625, 1.0625], never 0 (a zero row
 * would put every ReLU exactly on its kink). */
static float gc_x(int r, int i) { return (float)(((r * 7 + i * 5) % 17) - 8.5) / 8.0f; }
/* Regression targets: multiples of 1/8, never 0 (a dead ReLU output is 0, and MAE has
 * a kink where the output equals the target). */
static float gc_target(int r, int k) { return (float)(((r * 3 + k * 7) % 11) - 5.5) / 8.0f; }
static float gc_binary(int r, int k) { return (float)((r + 2 * k) % 3 == 0); }
static int64_t gc_class(int r) { return (int64_t)((r * 2 + r / 3) % 3); }

/* Checkpoint-test features: a hash folded to multiples of 1/32 in [-1, 1]. */
static float ck_x(int r, int i) {
    uint32_t h = (uint32_t)r * 73856093u ^ (uint32_t)i * 19349663u;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    return ((float)(h % 64) - 31.5f) / 32.0f;
}

/* Labels a linear model can learn: the argmax of fixed integer scores. */
static int64_t ck_class(int r) {
    double best = -1e300;
    int64_t arg = 0;
    for (int k = 0; k < CK_CLASSES; k++) {
        double s = 0;
        for (int i = 0; i < CK_IN; i++)
            s += (((k * 5 + i * 3) % 7) - 3) * ck_x(r, i);
        if (s > best)
            best = s, arg = k;
    }
    return arg;
}

static const char *join(const char *dir, const char *name) {
    static char path[4][4096];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

static bool write_gc(const char *dir) {
    float x[GC_ROWS * GC_IN], t[GC_ROWS * GC_OUT], b[GC_ROWS * GC_OUT], t1[GC_ROWS], b1[GC_ROWS];
    int64_t cls[GC_ROWS];
    for (int r = 0; r < GC_ROWS; r++) {
        for (int i = 0; i < GC_IN; i++)
            x[r * GC_IN + i] = gc_x(r, i);
        for (int k = 0; k < GC_OUT; k++) {
            t[r * GC_OUT + k] = gc_target(r, k);
            b[r * GC_OUT + k] = gc_binary(r, k);
        }
        t1[r] = gc_target(r, 1);
        b1[r] = gc_binary(r, 1);
        cls[r] = gc_class(r);
    }
    int64_t sx[] = {GC_ROWS, GC_IN}, sy[] = {GC_ROWS, GC_OUT}, s1[] = {GC_ROWS, 1};
    int64_t sc[] = {GC_ROWS};
    return npy_write_f4(join(dir, "gc_x.npy"), x, sx, 2) &&
           npy_write_f4(join(dir, "gc_target.npy"), t, sy, 2) &&
           npy_write_f4(join(dir, "gc_binary.npy"), b, sy, 2) &&
           npy_write_f4(join(dir, "gc_target1.npy"), t1, s1, 2) &&
           npy_write_f4(join(dir, "gc_binary1.npy"), b1, s1, 2) &&
           npy_write_i8(join(dir, "gc_class.npy"), cls, sc, 1);
}

static bool write_data(const char *dir) {
    static float x[CK_ROWS * CK_IN];
    int64_t y[CK_ROWS];
    for (int r = 0; r < CK_ROWS; r++) {
        for (int i = 0; i < CK_IN; i++)
            x[r * CK_IN + i] = ck_x(r, i);
        y[r] = ck_class(r);
    }
    int64_t sx[] = {CK_ROWS, CK_IN}, sy[] = {CK_ROWS};
    int64_t ox[] = {OPT_ROWS, OPT_X}, oy[] = {OPT_ROWS, OPT_Y};
    return write_gc(dir) && npy_write_f4(join(dir, "ck_x.npy"), x, sx, 2) &&
           npy_write_i8(join(dir, "ck_y.npy"), y, sy, 1) &&
           npy_write_f4(join(dir, "opt_x.npy"), &opt_x[0][0], ox, 2) &&
           npy_write_f4(join(dir, "opt_y.npy"), &opt_y[0][0], oy, 2);
}

/* ---- optimizers ---- */

static int opt_model(const char *name) {
    const OptCase *c = opt_case(name);
    if (!c) {
        fprintf(stderr, "cg_tool: unknown optimizer case '%s'\n", name);
        return 2;
    }
    printf("# codegen.optimizer.%s (written by cg_tool opt-model)\n", c->name);
    printf("model opt {\n    input [%d]\n    dense(%d)\n}\n\n", OPT_X, OPT_Y);
    printf("train {\n    loss = mse\n    optimizer = %s\n    epochs = %d   batch = %d\n", c->spec,
           OPT_STEPS, OPT_ROWS);
    if (c->l2 > 0)
        printf("    l2 = %.17g\n", c->l2);
    printf("}\n");
    return 0;
}

static int opt_init(const char *path) {
    StOut t[2] = {{"dense.W", 2, {OPT_X, OPT_Y}, opt_w0}, {"dense.b", 1, {OPT_Y}, opt_w0 + OPT_NW}};
    if (!st_write_f64(path, t, 2)) {
        fprintf(stderr, "cg_tool: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

/* The weights of the model in FILE, in the reference layout. */
static bool read_opt_weights(const char *path, double w[OPT_NP], StFile *f) {
    if (!st_read(f, path))
        return false;
    const StTensor *W = st_find(f, "dense.W"), *b = st_find(f, "dense.b");
    if (!W || !b || W->count != OPT_NW || b->count != OPT_Y || strcmp(W->dtype, b->dtype) != 0 ||
        (strcmp(W->dtype, "F64") != 0 && strcmp(W->dtype, "F32") != 0)) {
        fprintf(stderr, "%s: expected F64 or F32 tensors dense.W (3, 2) and dense.b (2)\n", path);
        return false;
    }
    for (int i = 0; i < OPT_NW; i++)
        w[i] = st_get(W, i);
    for (int k = 0; k < OPT_Y; k++)
        w[OPT_NW + k] = st_get(b, k);
    return true;
}

/* A case that turns on an option (clipping, L2, amsgrad, Nesterov, decay) must give
 * results the check can tell from those without it; else it would pass a compiler
 * that ignores the option. */
static double option_effect(const OptCase *c, const double *want) {
    bool option = c->l2 > 0 || c->clipnorm > 0 || c->clipvalue > 0 || c->amsgrad || c->nesterov ||
                  c->kind == K_ADAMW;
    if (!option)
        return INFINITY;
    OptCase off = *c;
    off.l2 = off.clipnorm = off.clipvalue = 0;
    off.amsgrad = off.nesterov = false;
    if (off.kind == K_ADAMW)
        off.kind = K_ADAM;
    double w[OPT_NP], d = 0;
    opt_reference(&off, w);
    for (int i = 0; i < OPT_NP; i++)
        d = fmax(d, fabs(w[i] - want[i]));
    return d;
}

/* f64 trainers: the rules to rounding; f32 ones (weights, data and arithmetic in float):
 * a few float epsilons. */
static const double OPT_REL_TOL = 1e-12, OPT_REL_TOL_F32 = 1e-6;

static int opt_check(const char *name, const char *path) {
    const OptCase *c = opt_case(name);
    if (!c) {
        fprintf(stderr, "cg_tool: unknown optimizer case '%s'\n", name);
        return 2;
    }
    double got[OPT_NP], want[OPT_NP];
    StFile f;
    if (!read_opt_weights(path, got, &f))
        return 1;
    opt_reference(c, want);
    double tol = strcmp(st_find(&f, "dense.W")->dtype, "F32") == 0 ? OPT_REL_TOL_F32 : OPT_REL_TOL;
    int bad = 0;
    double worst = 0, moved = 0;
    printf("%s after %d steps: %s, tolerance |got - want| <= %g * max(|want|, 0.01)\n", c->name,
           OPT_STEPS, c->spec, tol);
    for (int i = 0; i < OPT_NP; i++) {
        double err = fabs(got[i] - want[i]) / fmax(fabs(want[i]), 0.01);
        worst = fmax(worst, err);
        moved = fmax(moved, fabs(want[i] - opt_w0[i]));
        bool ok = err <= tol;
        bad += !ok;
        printf("  %s[%d]  start %-6g want %.17g  got %.17g  rel %.2e%s\n",
               i < OPT_NW ? "dense.W" : "dense.b", i < OPT_NW ? i : i - OPT_NW, opt_w0[i],
               want[i], got[i], err, ok ? "" : "  FAIL");
    }
    const char *epoch = st_meta(&f, "epoch"), *stepm = st_meta(&f, "step");
    if (!epoch || !stepm || atof(epoch) != OPT_STEPS || atof(stepm) != OPT_STEPS) {
        printf("FAIL: metadata epoch '%s', step '%s'; expected %d and %d\n", epoch ? epoch : "?",
               stepm ? stepm : "?", OPT_STEPS, OPT_STEPS);
        bad++;
    }
    double effect = option_effect(c, want);
    if (moved < 1e-6 || effect < 1e-8) {
        printf("FAIL: the case cannot tell formulas apart (weights move %.3g, option changes "
               "them by %.3g)\n", moved, effect);
        bad++;
    }
    st_free(&f);
    printf("%s: %s, max relative error %.3e (weights moved up to %.3g)\n", c->name,
           bad ? "FAILED" : "passed", worst, moved);
    return bad ? 1 : 0;
}

/* ---- checkpoints ---- */

static int same(const char *a_path, const char *b_path) {
    StFile a, b;
    if (!st_read(&a, a_path) || !st_read(&b, b_path))
        return 1;
    int rc = 0;
    if (a.n != b.n) {
        printf("%s holds %d tensors, %s holds %d\n", a_path, a.n, b_path, b.n);
        rc = 1;
    }
    for (int i = 0; i < a.n && !rc; i++) {
        const StTensor *x = &a.tensors[i], *y = st_find(&b, x->name);
        if (!y || strcmp(x->dtype, y->dtype) != 0 || x->count != y->count) {
            printf("tensor %s: missing or of another type or size in %s\n", x->name, b_path);
            rc = 1;
        } else if (memcmp(x->data, y->data, x->nbytes) != 0) {
            int64_t k = 0, ndiff = 0;
            for (int64_t e = x->count - 1; e >= 0; e--)
                if (st_get(x, e) != st_get(y, e))
                    k = e, ndiff++;
            printf("tensor %s differs in %lld of %lld elements; first [%lld]: %.17g vs %.17g\n",
                   x->name, (long long)ndiff, (long long)x->count, (long long)k, st_get(x, k),
                   st_get(y, k));
            rc = 1;
        }
    }
    if (!rc)
        printf("same: %d tensors bit-identical\n", a.n);
    st_free(&a);
    st_free(&b);
    return rc;
}

/* checkpoint.nn: dense(H, tanh) → dropout (identity when predicting) → dense(K, softmax). */
static void ck_forward(const StTensor *W1, const StTensor *b1, const StTensor *W2,
                       const StTensor *b2, int r, double *p) {
    int64_t H = b1->count, K = b2->count;
    double h[256], z[16], zmax = -1e300, sum = 0;
    for (int64_t j = 0; j < H; j++) {
        double s = st_get(b1, j);
        for (int i = 0; i < CK_IN; i++)
            s += ck_x(r, i) * st_get(W1, i * H + j);
        h[j] = tanh(s);
    }
    for (int64_t k = 0; k < K; k++) {
        z[k] = st_get(b2, k);
        for (int64_t j = 0; j < H; j++)
            z[k] += h[j] * st_get(W2, j * K + k);
        zmax = fmax(zmax, z[k]);
    }
    for (int64_t k = 0; k < K; k++)
        sum += p[k] = exp(z[k] - zmax);
    for (int64_t k = 0; k < K; k++)
        p[k] /= sum;
}

/* One CSV row "row,class,name,p0,…": returns the number of fields split in place. */
static int split_csv(char *line, char **field, int max) {
    int n = 0;
    field[n++] = line;
    for (char *c = line; *c && n < max; c++)
        if (*c == ',')
            *c = '\0', field[n++] = c + 1;
    return n;
}

static int predict_check(const char *ck, const char *csv) {
    StFile f;
    if (!st_read(&f, ck))
        return 1;
    const StTensor *W1 = st_find(&f, "dense.W"), *b1 = st_find(&f, "dense.b"),
                   *W2 = st_find(&f, "dense_1.W"), *b2 = st_find(&f, "dense_1.b");
    if (!W1 || !b1 || !W2 || !b2 || b1->count > 256 || b2->count != CK_CLASSES ||
        W1->count != CK_IN * b1->count || W2->count != b1->count * CK_CLASSES) {
        fprintf(stderr, "%s: not a checkpoint of tests/codegen/checkpoint.nn\n", ck);
        return 1;
    }
    FILE *in = fopen(csv, "r");
    if (!in) {
        perror(csv);
        return 1;
    }
    char line[1024];
    int rows = 0, bad = 0;
    double worst = 0;
    if (!fgets(line, sizeof line, in) || strcmp(line, "row,class,name,p0,p1,p2\n") != 0) {
        printf("FAIL: %s: header is not 'row,class,name,p0,p1,p2'\n", csv);
        bad++;
    }
    /* Printed with %.6g from a float model: 6 digits, and float rounding. */
    const double rel = 2e-5, abs_tol = 1e-6;
    while (fgets(line, sizeof line, in) && !bad) {
        char *field[8];
        line[strcspn(line, "\n")] = '\0';
        int n = split_csv(line, field, 8);
        int r = atoi(field[0]);
        if (n != 6 || r != rows || r >= CK_ROWS) {
            printf("FAIL: %s: line %d: '%s'\n", csv, rows + 2, line);
            bad++;
            break;
        }
        double p[CK_CLASSES];
        ck_forward(W1, b1, W2, b2, r, p);
        int best = 0;
        for (int k = 0; k < CK_CLASSES; k++) {
            double got = atof(field[3 + k]), err = fabs(got - p[k]);
            worst = fmax(worst, err);
            if (err > rel * fabs(p[k]) + abs_tol) {
                printf("FAIL: row %d p%d: predicted %s, the weights give %.9g\n", r, k,
                       field[3 + k], p[k]);
                bad++;
            }
            best = p[k] > p[best] ? k : best;
        }
        if (atoi(field[1]) != best) {
            printf("FAIL: row %d: class %s, the weights give %d\n", r, field[1], best);
            bad++;
        }
        rows++;
    }
    fclose(in);
    st_free(&f);
    if (rows != CK_ROWS && !bad) {
        printf("FAIL: %d prediction rows, expected %d\n", rows, CK_ROWS);
        bad++;
    }
    printf("predict-check: %s: %d rows, max abs error %.3g (tolerance %g·|p| + %g)\n",
           bad ? "FAILED" : "passed", rows, worst, rel, abs_tol);
    return bad ? 1 : 0;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "data") == 0 && argc == 3) {
        if (write_data(argv[2]))
            return 0;
        fprintf(stderr, "cg_tool: cannot write into %s\n", argv[2]);
        return 1;
    }
    if (strcmp(cmd, "opt-model") == 0 && argc == 3)
        return opt_model(argv[2]);
    if (strcmp(cmd, "opt-init") == 0 && argc == 3)
        return opt_init(argv[2]);
    if (strcmp(cmd, "opt-check") == 0 && argc == 4)
        return opt_check(argv[2], argv[3]);
    if (strcmp(cmd, "same") == 0 && argc == 4)
        return same(argv[2], argv[3]);
    if (strcmp(cmd, "predict-check") == 0 && argc == 4)
        return predict_check(argv[2], argv[3]);
    fprintf(stderr, "usage: cg_tool data DIR | opt-model CASE | opt-init FILE | opt-check CASE FILE"
                    " | same A B | predict-check CK CSV\n");
    return 2;
}
