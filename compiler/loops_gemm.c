/*
 * loops_gemm.c — the three matrix products of a linear layer, as loop nests: forward
 * Z = A·W + b, and backward dW = Aᵀ·dZ, dA = dZ·Wᵀ (plus db = Σ dZ).
 *
 * They have exactly the shapes of dense's loops (loops_layers.c): i-k-j order with the
 * innermost loop vectorized over contiguous j, and one parallel dimension chosen so that
 * every output element is computed by one thread in a fixed order (rows of Z and dA,
 * rows of dW). Convolutions use them over im2col columns (A = one row per output pixel)
 * and gated units over their input; a later pass can tile these nests as matrix products
 * without knowing which layer they came from. This file does not know about layers.
 */
#include "loops_build.h"

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

/*   parallel for r in 0..rows:
 *     Z[r, :] = b                          (or 0)
 *     for i in 0..K: xi = A[r, i]; vector for j: Z[r, j] += xi·W[i, j]
 *     Y[r, :] = act(Z[r, :])               (when Y is given) */
void gemm_forward(LB *lb, const Buf *A, const Buf *W, const Buf *bias, const Buf *Z,
                  const Buf *Y, Activation act, LExpr *rows, int64_t K, int64_t N) {
    LStmt *r = for_begin(lb, "r", rows);
    r->parallel = true;
    LExpr *zrow = e_mul(lb, e_var(lb, r), e_int(lb, N));
    LStmt *j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    s_store(lb, Z, e_add(lb, zrow, e_var(lb, j)),
            bias ? e_load(lb, bias, e_var(lb, j)) : e_real(lb, 0));
    for_end(lb);
    LStmt *i = for_begin(lb, "i", e_int(lb, K));
    s_let(lb, "xi", at(lb, A, e_var(lb, r), e_var(lb, i), K));
    j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    s_accum(lb, Z, e_add(lb, zrow, e_var(lb, j)),
            e_bin(lb, '*', e_temp(lb, "xi"), at(lb, W, e_var(lb, i), e_var(lb, j), N)));
    for_end(lb);
    for_end(lb);
    if (Y) {
        j = for_begin(lb, "j", e_int(lb, N));
        j->vector = true;
        LExpr *idx = e_add(lb, zrow, e_var(lb, j));
        s_store(lb, Y, idx, act_apply(lb, act, e_load(lb, Z, idx)));
        for_end(lb);
    }
    for_end(lb);
}

/*   parallel for i in 0..K:
 *     dW[i, :] = 2·l2·W[i, :]              (or 0)
 *     for r in 0..rows: xi = A[r, i]; vector for j: dW[i, j] += xi·dZ[r, j] */
void gemm_dweight(LB *lb, const Buf *A, const Buf *dZ, const Buf *W, const Buf *dW,
                  double l2, LExpr *rows, int64_t K, int64_t N) {
    LStmt *i = for_begin(lb, "i", e_int(lb, K));
    i->parallel = true;
    LExpr *wrow = e_mul(lb, e_var(lb, i), e_int(lb, N));
    LStmt *j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    LExpr *widx = e_add(lb, wrow, e_var(lb, j));
    s_store(lb, dW, widx,
            l2 > 0 ? e_bin(lb, '*', e_real(lb, 2 * l2), e_load(lb, W, widx)) : e_real(lb, 0));
    for_end(lb);
    LStmt *r = for_begin(lb, "r", rows);
    s_let(lb, "xi", at(lb, A, e_var(lb, r), e_var(lb, i), K));
    j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    s_accum(lb, dW, e_add(lb, wrow, e_var(lb, j)),
            e_bin(lb, '*', e_temp(lb, "xi"), at(lb, dZ, e_var(lb, r), e_var(lb, j), N)));
    for_end(lb);
    for_end(lb);
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

/*   parallel for r in 0..rows:
 *     for i in 0..K: acc = Σ_j dZ[r, j]·W[i, j]; dA[r, i] = acc */
void gemm_dinput(LB *lb, const Buf *dZ, const Buf *W, const Buf *dA, const Node *target,
                 bool first, LExpr *rows, int64_t K, int64_t N) {
    LStmt *r = for_begin(lb, "r", rows);
    r->parallel = true;
    LStmt *i = for_begin(lb, "i", e_int(lb, K));
    s_let(lb, "acc", e_real(lb, 0));
    LStmt *j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    s_add(lb, "acc", e_bin(lb, '*', at(lb, dZ, e_var(lb, r), e_var(lb, j), N),
                           at(lb, W, e_var(lb, i), e_var(lb, j), N)));
    for_end(lb);
    LExpr *idx = e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, K)), e_var(lb, i));
    if (target)
        grad_store(lb, target, idx, e_temp(lb, "acc"), first);
    else
        s_store(lb, dA, idx, e_temp(lb, "acc"));
    for_end(lb);
    for_end(lb);
}
