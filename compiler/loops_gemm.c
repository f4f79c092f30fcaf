/*
 * loops_gemm.c — the three matrix products of every linear layer (dense, convolution over
 * im2col columns, GLU, the recurrent layers' input projections and gradients), as loop
 * nests: forward Z = A·W + b, and backward dW = Aᵀ·dZ, dA = dZ·Wᵀ (plus db = Σ dZ).
 *
 * Each is scheduled for the memory hierarchy (docs/ir.md §2): register tiles whose
 * accumulators stay in registers through the reduction, the innermost loop vectorized
 * over contiguous columns, and one parallel dimension chosen so that every output
 * element is computed by one thread in a fixed order. This file does not know about
 * layers: rows = B·P, P rows per example (pixels, time steps, or 1).
 */
#include "loops_build.h"

#include <stdio.h>
#include <stdlib.h>

LExpr *e_lin(LB *lb, int n, LExpr *const vars[], const int64_t strides[]) {
    LExpr *e = e_int(lb, 0);
    for (int i = 0; i < n; i++)
        e = e_add(lb, e, e_mul(lb, vars[i], e_int(lb, strides[i])));
    return e;
}

/* A[r, i] of a flat (rows, K) matrix. */
static LExpr *at(LB *lb, const Buf *m, LExpr *r, LExpr *i, int64_t width) {
    return e_load(lb, m, e_add(lb, e_mul(lb, r, e_int(lb, width)), i));
}

/* Rows of a product per example: rows is B, or B·pixels (convolutions), or B·T. */
static int64_t rows_per_example(const LExpr *rows) {
    if (rows->kind == E_BATCH)
        return 1;
    if (rows->kind == E_IMUL && rows->a->kind == E_BATCH && rows->b->kind == E_INT)
        return rows->b->ival;
    if (rows->kind == E_IMUL && rows->b->kind == E_BATCH && rows->a->kind == E_INT)
        return rows->a->ival;
    NNLC_UNREACHABLE("product rows are not a multiple of B");
}

/* The forward product's micro-kernel: a tile of TILE_R rows × TILE_N columns of Z whose
 * accumulators stay in registers for the whole reduction (TILE_R·TILE_N = 64 floats:
 * 8 AVX2 or 4 AVX-512 registers), each W vector loaded once for TILE_R rows, and the
 * K × TILE_N slice of W reused from L1 by every tile of rows. */
enum { TILE_R = 4, TILE_N = 16 };

/* Z[q + k, j0 : j0 + nb] for k < nr:
 *   Z[q + k, j] = b[j];  for i: x_k = A[q + k, i]; Z[q + k, j] += x_k·W[i, j];  Y = act(Z) */
static void forward_tile(LB *lb, const Buf *A, const Buf *W, const Buf *bias, const Buf *Z,
                         const Buf *Y, Activation act, LExpr *q, int nr, LExpr *j0, int64_t nb,
                         int64_t K, int64_t N) {
    static const char *const x_names[TILE_R] = {"x0", "x1", "x2", "x3"};
    LExpr *zrow[TILE_R];
    for (int k = 0; k < nr; k++)
        zrow[k] = e_add(lb, e_mul(lb, e_add(lb, q, e_int(lb, k)), e_int(lb, N)), j0);
    LStmt *j = for_begin(lb, "j", e_int(lb, nb));
    j->vector = true;
    for (int k = 0; k < nr; k++)
        s_store(lb, Z, e_add(lb, zrow[k], e_var(lb, j)),
                bias ? e_load(lb, bias, e_add(lb, j0, e_var(lb, j))) : e_real(lb, 0));
    for_end(lb);
    LStmt *i = for_begin(lb, "i", e_int(lb, K));
    for (int k = 0; k < nr; k++)
        s_let(lb, x_names[k], at(lb, A, e_add(lb, q, e_int(lb, k)), e_var(lb, i), K));
    j = for_begin(lb, "j", e_int(lb, nb));
    j->vector = true;
    LExpr *w = e_load(lb, W, e_add(lb, e_add(lb, e_mul(lb, e_var(lb, i), e_int(lb, N)), j0),
                                   e_var(lb, j)));
    for (int k = 0; k < nr; k++)
        s_accum(lb, Z, e_add(lb, zrow[k], e_var(lb, j)), e_bin(lb, '*', e_temp(lb, x_names[k]), w));
    for_end(lb);
    for_end(lb);
    if (Y) {
        j = for_begin(lb, "j", e_int(lb, nb));
        j->vector = true;
        for (int k = 0; k < nr; k++) {
            LExpr *idx = e_add(lb, zrow[k], e_var(lb, j));
            s_store(lb, Y, idx, act_apply(lb, act, e_load(lb, Z, idx)));
        }
        for_end(lb);
    }
}

/* Every column tile of nr rows starting at row q. */
static void forward_row_tiles(LB *lb, const Buf *A, const Buf *W, const Buf *bias,
                              const Buf *Z, const Buf *Y, Activation act, LExpr *q, int nr,
                              int64_t tn, int64_t K, int64_t N) {
    if (N / tn > 1) {
        LStmt *jb = for_begin(lb, "jb", e_int(lb, N / tn));
        forward_tile(lb, A, W, bias, Z, Y, act, q, nr, e_mul(lb, e_var(lb, jb), e_int(lb, tn)),
                     tn, K, N);
        for_end(lb);
    } else if (N / tn == 1) {
        forward_tile(lb, A, W, bias, Z, Y, act, q, nr, e_int(lb, 0), tn, K, N);
    }
    if (N % tn)
        forward_tile(lb, A, W, bias, Z, Y, act, q, nr, e_int(lb, N - N % tn), N % tn, K, N);
}

/* Z = A·W + b (and Y = act(Z)), rows = B·P (P rows per example):
 *   parallel for r in 0..B:
 *     for pb in 0..P/4: tiles of rows r·P + 4·pb … + 3, TILE_N columns at a time
 *     the P mod 4 last rows of the example, one at a time
 * Every element of Z is computed by one thread, in the same order whatever the thread
 * count. With fewer than 4 rows per example (dense layers) a tile is one whole row: each
 * x value is broadcast once for the row, whose accumulators LLVM keeps in registers when
 * the row is short enough to unroll. */
void gemm_forward(LB *lb, const Buf *A, const Buf *W, const Buf *bias, const Buf *Z,
                  const Buf *Y, Activation act, LExpr *rows, int64_t K, int64_t N) {
    int64_t P = rows_per_example(rows), tn = P >= TILE_R ? TILE_N : N;
    s_comment(lb, "Z = A·W + b in tiles of %d row%s × %lld columns", P >= TILE_R ? TILE_R : 1,
              P >= TILE_R ? "s" : "", (long long)tn);
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    r->parallel = true;
    r->rowwise = true; /* example r's rows only: fuses with the im2col before it */
    LExpr *first = e_mul(lb, e_var(lb, r), e_int(lb, P));
    if (P / TILE_R > 0) {
        LStmt *pb = for_begin(lb, "pb", e_int(lb, P / TILE_R));
        forward_row_tiles(lb, A, W, bias, Z, Y, act,
                          e_add(lb, first, e_mul(lb, e_var(lb, pb), e_int(lb, TILE_R))), TILE_R,
                          tn, K, N);
        for_end(lb);
    }
    if (P % TILE_R == 1) { /* one row left (every row of a dense layer): no loop of one */
        forward_row_tiles(lb, A, W, bias, Z, Y, act, e_add(lb, first, e_int(lb, P - 1)), 1, tn,
                          K, N);
    } else if (P % TILE_R) {
        LStmt *p = for_begin(lb, "p", e_int(lb, P % TILE_R));
        forward_row_tiles(lb, A, W, bias, Z, Y, act,
                          e_add(lb, e_add(lb, first, e_int(lb, P - P % TILE_R)), e_var(lb, p)), 1,
                          tn, K, N);
        for_end(lb);
    }
    for_end(lb);
}

/* dW's micro-kernel: a tile of TI rows × TILE_N columns of dW whose accumulators stay in
 * registers while the rows of A and dZ stream by (TI broadcasts of A and one vector of dZ
 * per TI FMAs). TI is the largest divisor of K up to TILE_R, so tiles cover K exactly. */
static int64_t dweight_rows(int64_t K) {
    for (int64_t ti = TILE_R; ti > 1; ti--)
        if (K % ti == 0)
            return ti;
    return 1;
}

/*   dW[i0 + k, j0 : j0 + nb] += Σ_p A[q + p, i0 + k]·dZ[q + p, j0 + j]   for k < ti, p < np */
static void dweight_tile(LB *lb, const Buf *A, const Buf *dZ, const Buf *dW, LExpr *i0, int ti,
                         LExpr *j0, int64_t nb, LExpr *q, LExpr *np, int64_t K, int64_t N) {
    static const char *const a_names[TILE_R] = {"a0", "a1", "a2", "a3"};
    /* rows q + p of one example, or (q = 0) every row of the batch */
    LStmt *p = for_begin(lb, q->kind == E_INT && q->ival == 0 ? "r" : "p", np);
    LExpr *r = e_add(lb, q, e_var(lb, p));
    for (int k = 0; k < ti; k++)
        s_let(lb, a_names[k], at(lb, A, r, e_add(lb, i0, e_int(lb, k)), K));
    LStmt *j = for_begin(lb, "j", e_int(lb, nb));
    j->vector = true;
    LExpr *dz = e_load(lb, dZ, e_add(lb, e_add(lb, e_mul(lb, r, e_int(lb, N)), j0), e_var(lb, j)));
    for (int k = 0; k < ti; k++)
        s_accum(lb, dW,
                e_add(lb, e_add(lb, e_mul(lb, e_add(lb, i0, e_int(lb, k)), e_int(lb, N)), j0),
                      e_var(lb, j)),
                e_bin(lb, '*', e_temp(lb, a_names[k]), dz));
    for_end(lb);
    for_end(lb);
}

/* Every column tile of the ti rows of dW from i0, over the rows [q, q + np). */
static void dweight_row_tiles(LB *lb, const Buf *A, const Buf *dZ, const Buf *dW, LExpr *i0,
                              int ti, int64_t tn, LExpr *q, LExpr *np, int64_t K, int64_t N) {
    if (N / tn > 1) {
        LStmt *jb = for_begin(lb, "jb", e_int(lb, N / tn));
        dweight_tile(lb, A, dZ, dW, i0, ti, e_mul(lb, e_var(lb, jb), e_int(lb, tn)), tn, q, np,
                     K, N);
        for_end(lb);
    } else if (N / tn == 1) {
        dweight_tile(lb, A, dZ, dW, i0, ti, e_int(lb, 0), tn, q, np, K, N);
    }
    if (N % tn)
        dweight_tile(lb, A, dZ, dW, i0, ti, e_int(lb, N - N % tn), N % tn, q, np, K, N);
}

/*   parallel for ib in 0..K/TI:                   (TI rows of dW per iteration)
 *     dW[ib·TI + k, :] = 2·l2·W[…] (or 0)
 *     for b in 0..B:                               (one example's P rows at a time)
 *       for each tile of TILE_N columns: for p in 0..P: dW tile += A[b·P + p, …]ᵀ·dZ[b·P + p, …]
 * The tile's accumulators live in registers across the P rows of an example, whose rows
 * of dZ stay in cache for all the column tiles. With P = 1 (dense) a tile is one whole row
 * of dW, over all B rows at once (a row of dZ is loaded once per x value). Every element
 * of dW is summed over the rows in order by one thread, whatever the thread count. */
void gemm_dweight(LB *lb, const Buf *A, const Buf *dZ, const Buf *W, const Buf *dW,
                  double l2, LExpr *rows, int64_t K, int64_t N) {
    int64_t P = rows_per_example(rows);
    int64_t TI = P == 1 ? 1 : dweight_rows(K), tn = P == 1 ? N : TILE_N;
    s_comment(lb, "dW = Aᵀ·dZ in tiles of %lld row%s × %lld columns of dW", (long long)TI,
              TI == 1 ? "" : "s", (long long)tn);
    LStmt *ib = for_begin(lb, "ib", e_int(lb, K / TI));
    ib->parallel = true;
    LExpr *i0 = e_mul(lb, e_var(lb, ib), e_int(lb, TI));
    LStmt *k = TI > 1 ? for_begin(lb, "k", e_int(lb, TI)) : NULL;
    LExpr *wrow = e_mul(lb, k ? e_add(lb, i0, e_var(lb, k)) : i0, e_int(lb, N));
    LStmt *j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    LExpr *widx = e_add(lb, wrow, e_var(lb, j));
    s_store(lb, dW, widx,
            l2 > 0 ? e_bin(lb, '*', e_real(lb, 2 * l2), e_load(lb, W, widx)) : e_real(lb, 0));
    for_end(lb);
    if (k)
        for_end(lb);
    if (P == 1) {
        dweight_row_tiles(lb, A, dZ, dW, i0, (int)TI, tn, e_int(lb, 0), e_batch(lb), K, N);
    } else {
        LStmt *b = for_begin(lb, "b", e_batch(lb));
        dweight_row_tiles(lb, A, dZ, dW, i0, (int)TI, tn, e_mul(lb, e_var(lb, b), e_int(lb, P)),
                          e_int(lb, P), K, N);
        for_end(lb);
    }
    for_end(lb);
}

void gemm_dbias(LB *lb, const Buf *dZ, const Buf *db, LExpr *rows, int64_t N) {
    LStmt *j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    s_store(lb, db, e_var(lb, j), e_real(lb, 0));
    for_end(lb);
    LStmt *r = for_begin(lb, "r", rows);
    j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    s_accum(lb, db, e_var(lb, j), at(lb, dZ, e_var(lb, r), e_var(lb, j), N));
    for_end(lb);
    for_end(lb);
}

enum { DX_BLOCK = 4 }; /* columns of dZ folded into one pass over a row of dA */

/* Wᵀ (N, K) into a fixed work buffer, so that dA's rows are sums of contiguous rows. */
static const Buf *transposed(LB *lb, const Buf *W, int64_t K, int64_t N) {
    Buf *Wt = buf_work_fixed(lb, arena_printf(lb->a, "%s.T", W->name), (Shape){2, {N, K}});
    s_comment(lb, "%s = %sᵀ, so that each row of dA is a sum of contiguous rows", Wt->name,
              W->name);
    LStmt *j = for_begin(lb, "j", e_int(lb, N));
    j->parallel = true;
    LStmt *i = for_begin(lb, "i", e_int(lb, K));
    i->vector = true;
    s_store(lb, Wt, e_add(lb, e_mul(lb, e_var(lb, j), e_int(lb, K)), e_var(lb, i)),
            at(lb, W, e_var(lb, i), e_var(lb, j), N));
    for_end(lb);
    for_end(lb);
    return Wt;
}

/* acc[r, :] += Σ_{j in [j0, j0+n)} dZ[r, j]·Wt[j, :], one vector pass over the row. */
static void dinput_pass(LB *lb, const Buf *acc, const Buf *dZ, const Buf *Wt, LExpr *r,
                        LExpr *j0, int n, int64_t K, int64_t N) {
    static const char *const names[DX_BLOCK] = {"d0", "d1", "d2", "d3"};
    for (int k = 0; k < n; k++)
        s_let(lb, names[k], at(lb, dZ, r, e_add(lb, j0, e_int(lb, k)), N));
    LStmt *i = for_begin(lb, "i", e_int(lb, K));
    i->vector = true;
    LExpr *sum = NULL;
    for (int k = 0; k < n; k++) {
        LExpr *t = e_bin(lb, '*', e_temp(lb, names[k]),
                         at(lb, Wt, e_add(lb, j0, e_int(lb, k)), e_var(lb, i), K));
        sum = sum ? e_bin(lb, '+', sum, t) : t;
    }
    s_accum(lb, acc, e_add(lb, e_mul(lb, r, e_int(lb, K)), e_var(lb, i)), sum);
    for_end(lb);
}

/*   Wt = Wᵀ
 *   parallel for r in 0..rows:
 *     dA[r, :] = 0
 *     for jb in 0..N/4: dA[r, :] += dZ[r, 4jb]·Wt[4jb, :] + … + dZ[r, 4jb+3]·Wt[4jb+3, :]
 *     (the N mod 4 last columns one by one)
 * A row of dA is accumulated in place (in L1, or registers when short), four FMAs per
 * load and store. With a target, the row is gathered in scratch.dx and handed to
 * grad_store (which applies a fused activation derivative or adds to earlier writers). */
void gemm_dinput(LB *lb, const Buf *dZ, const Buf *W, const Buf *dA, const Node *target,
                 bool first, LExpr *rows, int64_t K, int64_t N) {
    const Buf *Wt = transposed(lb, W, K, N);
    const Buf *acc = target ? buf_scratch(lb, SCRATCH_DX, rows_per_example(rows) * K) : dA;
    s_comment(lb, "dA = dZ·Wᵀ, %d columns of dZ per pass over a row of dA", DX_BLOCK);
    LStmt *r = for_begin(lb, "r", rows);
    r->parallel = true;
    LExpr *rv = e_var(lb, r);
    LStmt *i = for_begin(lb, "i", e_int(lb, K));
    i->vector = true;
    s_store(lb, acc, e_add(lb, e_mul(lb, rv, e_int(lb, K)), e_var(lb, i)), e_real(lb, 0));
    for_end(lb);
    if (N / DX_BLOCK > 0) {
        LStmt *jb = for_begin(lb, "jb", e_int(lb, N / DX_BLOCK));
        dinput_pass(lb, acc, dZ, Wt, rv, e_mul(lb, e_var(lb, jb), e_int(lb, DX_BLOCK)),
                    DX_BLOCK, K, N);
        for_end(lb);
    }
    if (N % DX_BLOCK)
        dinput_pass(lb, acc, dZ, Wt, rv, e_int(lb, N - N % DX_BLOCK), (int)(N % DX_BLOCK), K, N);
    if (target) {
        i = for_begin(lb, "i", e_int(lb, K));
        i->vector = true;
        LExpr *idx = e_add(lb, e_mul(lb, rv, e_int(lb, K)), e_var(lb, i));
        grad_store(lb, target, idx, e_load(lb, acc, idx), first);
        for_end(lb);
    }
    for_end(lb);
}
