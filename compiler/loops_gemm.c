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

/* Register tiles: TILE_N columns per vector, at most MAX_TILE_ROWS rows, and at most
 * MAX_ACCUMULATORS vectors of accumulators (of 32 AVX-512 registers: the rest hold the
 * broadcast row values and a vector of the right-hand matrix). */
enum { TILE_R = 4, TILE_N = 16, MAX_TILE_ROWS = 8, MAX_ACCUMULATORS = 24 };

static int64_t vectors_of(int64_t columns) { return (columns + TILE_N - 1) / TILE_N; }

int64_t gemm_tile_columns(int64_t N) {
    int64_t vectors = vectors_of(N);
    if (vectors <= 6)
        return N;
    int64_t tiles = (vectors + 5) / 6;
    return (vectors + tiles - 1) / tiles * TILE_N;
}

/* Rows of a tile within one example's P rows: as many as the accumulators allow. */
static int tile_rows(int64_t P, int64_t tn) {
    int64_t r = MAX_ACCUMULATORS / vectors_of(tn);
    if (r > MAX_TILE_ROWS)
        r = MAX_TILE_ROWS;
    if (r > P)
        r = (int)P;
    return r < 1 ? 1 : (int)r;
}

/* One product Out (rows, N) = A (rows, K) · M (K, N), with what happens before the
 * reduction (Out = bias, or 0) and after it (Y = act(Out), or the gradient handed to
 * `target` through grad_store), so that forward (M = W) and the input gradient
 * (A = dZ, M = Wᵀ) share their tiles. */
typedef struct Product {
    const Buf *A, *M, *out;
    const Buf *bias;        /* initial value of Out's columns, or NULL for 0 */
    const Buf *Y;           /* Y = act(Out) after the tile, or NULL */
    Activation act;
    const Node *target;     /* grad_store(target, Out) after the tile, or NULL */
    bool first;             /* grad_store: the first writer of target's gradient */
    int64_t K, N;
    /* One part of a split sum (product_split): i runs over [k0, k0 + k_count) instead of
     * [0, K), and row q of Out starts at q·out_stride + out_col. NULL/0: the whole sum,
     * rows of N. */
    LExpr *k0, *k_count, *out_col;
    int64_t out_stride;
    bool accumulate;        /* Out already holds a partial sum: no initial store */
    /* M copied for this tile (split_part_packed): row i of the sum at m_base + i·m_stride,
     * its columns from 0, or NULL: M's own rows of N elements. */
    LExpr *m_base;
    int64_t m_stride;
} Product;

/* Out[q + k, j0 : j0 + nb] for k < nr:
 *   Out = b;  for i: x_k = A[q + k, i]; Out[q + k, j] += x_k·M[i, j];  then the epilogue
 * The tile's nr × nb accumulators stay in registers for the whole reduction, each vector
 * of M loaded once for nr rows, and the K × nb slice of M reused from cache by every tile
 * of rows. */
static void product_tile(LB *lb, const Product *pr, LExpr *q, int nr, LExpr *j0, int64_t nb) {
    static const char *const x_names[MAX_TILE_ROWS] = {"x0", "x1", "x2", "x3",
                                                       "x4", "x5", "x6", "x7"};
    int64_t K = pr->K, N = pr->N;
    int64_t stride = pr->out_stride ? pr->out_stride : N;
    LExpr *col0 = pr->out_col ? e_add(lb, pr->out_col, j0) : j0;
    LExpr *orow[MAX_TILE_ROWS];
    for (int k = 0; k < nr; k++)
        orow[k] = e_add(lb, e_mul(lb, e_add(lb, q, e_int(lb, k)), e_int(lb, stride)), col0);
    LStmt *j;
    if (!pr->accumulate) {
        j = for_begin(lb, "j", e_int(lb, nb));
        j->vector = true;
        for (int k = 0; k < nr; k++)
            s_store(lb, pr->out, e_add(lb, orow[k], e_var(lb, j)),
                    pr->bias ? e_load(lb, pr->bias, e_add(lb, j0, e_var(lb, j))) : e_real(lb, 0));
        for_end(lb);
    }
    LStmt *i = for_begin(lb, "i", pr->k_count ? pr->k_count : e_int(lb, K));
    LExpr *ai = pr->k0 ? e_add(lb, pr->k0, e_var(lb, i)) : e_var(lb, i);
    for (int k = 0; k < nr; k++)
        s_let(lb, x_names[k], at(lb, pr->A, e_add(lb, q, e_int(lb, k)), ai, K));
    j = for_begin(lb, "j", e_int(lb, nb));
    j->vector = true;
    LExpr *mrow = pr->m_base
                      ? e_add(lb, pr->m_base, e_mul(lb, e_var(lb, i), e_int(lb, pr->m_stride)))
                      : e_add(lb, e_mul(lb, ai, e_int(lb, N)), j0);
    LExpr *m = e_load(lb, pr->M, e_add(lb, mrow, e_var(lb, j)));
    for (int k = 0; k < nr; k++)
        s_accum(lb, pr->out, e_add(lb, orow[k], e_var(lb, j)),
                e_bin(lb, '*', e_temp(lb, x_names[k]), m));
    for_end(lb);
    for_end(lb);
    if (pr->Y || pr->target) {
        j = for_begin(lb, "j", e_int(lb, nb));
        j->vector = true;
        for (int k = 0; k < nr; k++) {
            LExpr *idx = e_add(lb, orow[k], e_var(lb, j));
            if (pr->Y)
                s_store(lb, pr->Y, idx, act_apply(lb, pr->act, e_load(lb, pr->out, idx)));
            else
                grad_store(lb, pr->target, idx, e_load(lb, pr->out, idx), pr->first);
        }
        for_end(lb);
    }
}

void column_tiles(LB *lb, int64_t n, int64_t tn, ColumnTile *tile, const void *arg) {
    if (n / tn > 1) {
        LStmt *jb = for_begin(lb, "jb", e_int(lb, n / tn));
        tile(lb, arg, e_mul(lb, e_var(lb, jb), e_int(lb, tn)), tn);
        for_end(lb);
    } else if (n / tn == 1) {
        tile(lb, arg, e_int(lb, 0), tn);
    }
    if (n % tn)
        tile(lb, arg, e_int(lb, n - n % tn), n % tn);
}

/* A tile row of a product: nr rows from row q. */
typedef struct ProductRows {
    const Product *pr;
    LExpr *q;
    int nr;
} ProductRows;

static void product_rows_tile(LB *lb, const void *arg, LExpr *j0, int64_t width) {
    const ProductRows *t = arg;
    product_tile(lb, t->pr, t->q, t->nr, j0, width);
}

/* Every column tile of nr rows starting at row q. */
static void product_row_tiles(LB *lb, const Product *pr, LExpr *q, int nr, int64_t tn) {
    column_tiles(lb, pr->N, tn, product_rows_tile, &(ProductRows){pr, q, nr});
}

/* The tiles of a product with one row per example: blocks of 4 examples, then the rest;
 * each over every column tile, or (j0 given) over the one tile of width columns at j0. */
static void product_examples_at(LB *lb, const Product *pr, bool parallel, LExpr *j0,
                                int64_t width) {
    int64_t tn = gemm_tile_columns(pr->N);
    LExpr *blocks = e_div(lb, e_batch(lb), TILE_R);
    LStmt *rb = for_begin(lb, "rb", blocks);
    rb->parallel = parallel;
    rb->row_block = parallel ? TILE_R : 0; /* (a split's part loops over every row) */
    LExpr *q = e_mul(lb, e_var(lb, rb), e_int(lb, TILE_R));
    if (j0)
        product_tile(lb, pr, q, TILE_R, j0, width);
    else
        product_row_tiles(lb, pr, q, TILE_R, tn);
    for_end(lb);
    LExpr *done = e_mul(lb, blocks, e_int(lb, TILE_R));
    LStmt *r = for_begin(lb, "r", e_add(lb, e_batch(lb), e_mul(lb, e_int(lb, -1), done)));
    r->row_rest = parallel;
    q = e_add(lb, done, e_var(lb, r));
    if (j0)
        product_tile(lb, pr, q, 1, j0, width);
    else
        product_row_tiles(lb, pr, q, 1, tn);
    for_end(lb);
}

static void product_examples(LB *lb, const Product *pr, bool parallel) {
    product_examples_at(lb, pr, parallel, NULL, 0);
}

/* Out = A·M over rows = B·P (P rows per example):
 *   parallel for r in 0..B:
 *     for pb in 0..P/TR: tiles of rows r·P + TR·pb … + TR − 1
 *     one tile of the P mod TR last rows of the example (row by row, the strided CNN of
 *     bench/models/strided.nn spent 45% of a product's time in its 4 last rows of 16)
 * With one row per example (dense layers) the tiles are 4 examples:
 *   parallel for rb in 0..B/4: tiles of rows 4·rb … 4·rb + 3
 *   for r in 0..B − 4·(B/4): the last rows, one at a time
 * Every element of Out is computed by one thread, in the same order whatever the thread
 * count. */
static void product(LB *lb, const Product *pr, const char *what, LExpr *rows) {
    int64_t P = rows_per_example(rows), tn = gemm_tile_columns(pr->N);
    if (P == 1) {
        s_comment(lb, "%s in tiles of %d rows × %lld columns", what, TILE_R, (long long)tn);
        product_examples(lb, pr, true);
        return;
    }
    int tr = tile_rows(P, tn);
    s_comment(lb, "%s in tiles of %d rows × %lld columns", what, tr, (long long)tn);
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    r->parallel = true;
    r->rowwise = true; /* example r's rows only: fuses with the im2col before it */
    LExpr *first = e_mul(lb, e_var(lb, r), e_int(lb, P));
    if (P / tr > 1) {
        LStmt *pb = for_begin(lb, "pb", e_int(lb, P / tr));
        product_row_tiles(lb, pr, e_add(lb, first, e_mul(lb, e_var(lb, pb), e_int(lb, tr))), tr,
                          tn);
        for_end(lb);
    } else {
        product_row_tiles(lb, pr, first, tr, tn);
    }
    if (P % tr)
        product_row_tiles(lb, pr, e_add(lb, first, e_int(lb, P - P % tr)), (int)(P % tr), tn);
    for_end(lb);
}

/* A dense layer's forward product split by the rows of the batch has every thread read
 * all of W, which the optimizer has just written, a slice on each thread: at small
 * batches moving W between the cores' caches costs more than the arithmetic (the 784×100
 * layer of examples/mlp.nn: +40% at 2 threads). Splitting the sum over i instead keeps
 * each part's rows of W with one thread, the thread that computes those rows of dW and
 * updates them (both loops are split by rows of W), at the price of SPLIT_PARTS partial
 * sums per example, added afterwards. The parts are fixed, not one per thread, so the
 * sums do not depend on the thread count. */
enum { SPLIT_MIN_ROWS = 128 };

/* The batch the schedules are chosen for: the train block's (32 when it gives none). */
static int64_t train_batch(const LB *lb) {
    return lb->g->train.batch > 0 ? lb->g->train.batch : 32;
}

static int split_parts(const LB *lb, int64_t K, int64_t N) {
    int64_t batch = train_batch(lb);
    if (K < SPLIT_PARTS * SPLIT_MIN_ROWS)
        return 1;
    /* What each split moves between threads: W, or the inputs and the partial sums. */
    if (K * N <= batch * (K + SPLIT_PARTS * N))
        return 1;
    return SPLIT_PARTS;
}

/* Rows of W per block of a split part, blocks that fit in 32 KB of L1 with their tiles,
 * at least 16 rows: the largest such divisor of the part's rows, else as many rows as
 * fit, the last block taking the rest (bench/models/mlp_drop.nn's 784×512 layer, parts of
 * 392 rows of 2 KB: without blocks every tile of 4 examples streamed the part's 784 KB
 * of W); 0 when the whole part fits, or when not even 16 rows fit (split_pack_rows). */
enum {
    SPLIT_BLOCK_BYTES = 32 * 1024,
    SPLIT_PACK_BYTES = 256 * 1024,
    SPLIT_BLOCK_MIN_ROWS = 16
};

static int64_t block_rows(int64_t rows, int64_t most) {
    for (int64_t kb = most; kb >= SPLIT_BLOCK_MIN_ROWS; kb--)
        if (rows % kb == 0)
            return kb;
    return most;
}

static int64_t split_block_rows(const LB *lb, int64_t rows, int64_t N) {
    int64_t row_bytes = N * lb->p->elem_size, most = SPLIT_BLOCK_BYTES / row_bytes;
    if (rows * row_bytes <= SPLIT_BLOCK_BYTES || most < SPLIT_BLOCK_MIN_ROWS || rows <= most)
        return 0;
    return block_rows(rows, most);
}

/* Rows too wide for 16 of them in L1 (N > 512 floats): the tiles of examples go column
 * tile by column tile instead, each reading the part's slice of W for its columns from a
 * contiguous copy (the pack, at most 256 KB, kept in L2). Read in place, the slice's rows
 * are N elements apart, 4 KB for bench/models/mlp_1024.nn's 784×1024 layer, and rows
 * 4 KB apart all fall in the same few sets of L1. Rows of W per pack: the whole part when
 * it fits, else blocks as split_block_rows makes them; 0 for rows narrow enough for L1. */
static int64_t split_pack_rows(const LB *lb, int64_t rows, int64_t N) {
    int64_t elem = lb->p->elem_size;
    if (N * elem * SPLIT_BLOCK_MIN_ROWS <= SPLIT_BLOCK_BYTES)
        return 0;
    int64_t most = SPLIT_PACK_BYTES / (gemm_tile_columns(N) * elem);
    return rows <= most ? rows : block_rows(rows, most);
}

/* One column tile of a split part's block of rows of W (split_part_packed): the block's
 * slice of W copied to the pack, then every tile of examples over it. */
typedef struct PackedColumns {
    const Product *part;
    const Buf *pack;
    LExpr *pack_base;
    int64_t rows;
} PackedColumns;

static void packed_column_tile(LB *lb, const void *arg, LExpr *j0, int64_t width) {
    const PackedColumns *pc = arg;
    Product pr = *pc->part;
    LStmt *i = for_begin(lb, "i", e_int(lb, pc->rows));
    LStmt *j = for_begin(lb, "j", e_int(lb, width));
    j->vector = true;
    LExpr *wrow = e_mul(lb, e_add(lb, pr.k0, e_var(lb, i)), e_int(lb, pr.N));
    s_store(lb, pc->pack,
            e_add(lb, e_add(lb, pc->pack_base, e_mul(lb, e_var(lb, i), e_int(lb, width))),
                  e_var(lb, j)),
            e_load(lb, pr.M, e_add(lb, e_add(lb, wrow, j0), e_var(lb, j))));
    for_end(lb);
    for_end(lb);
    pr.M = pc->pack;
    pr.m_base = pc->pack_base;
    pr.m_stride = width;
    product_examples_at(lb, &pr, false, j0, width);
}

/* Part s of a split product whose rows of W are too wide for L1, in blocks of kb rows:
 *   for each block of kb rows of the part:
 *     for each column tile jb:
 *       pack[s] = W[block's rows, jb's columns]
 *       for each tile of examples: partial[s, tile] += A[tile, block]·pack[s]
 * The tiles start from 0 when the part is one block, from the zeroed partial otherwise. */
static void split_part_packed(LB *lb, const Product *part, LExpr *s, int S, int64_t rows,
                              int64_t kb, int64_t NP) {
    int64_t N = part->N, tn = gemm_tile_columns(N);
    const Buf *pack = buf_work_fixed(lb, arena_printf(lb->a, "%s.pack", part->M->name),
                                     (Shape){3, {S, kb, tn}});
    const char *mname = part->target ? "Wᵀ" : "W";
    s_comment(lb, "column tile by column tile, each tile's rows of %s copied to %s (%lld KB, "
              "contiguous) and read there by every tile of examples", mname, pack->name,
              (long long)(kb * tn * lb->p->elem_size / 1024));
    Product pr = *part;
    PackedColumns pc = {&pr, pack, e_mul(lb, s, e_int(lb, kb * tn)), kb};
    LExpr *first = e_mul(lb, s, e_int(lb, rows));
    if (kb == rows) {
        pr.k0 = first;
        pr.k_count = e_int(lb, rows);
        column_tiles(lb, N, tn, packed_column_tile, &pc);
        return;
    }
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    LStmt *j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    s_store(lb, part->out, e_add(lb, e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, NP)),
                                           part->out_col), e_var(lb, j)), e_real(lb, 0));
    for_end(lb);
    for_end(lb);
    pr.accumulate = true;
    LStmt *b = rows / kb > 1 ? for_begin(lb, "kb", e_int(lb, rows / kb)) : NULL;
    pr.k0 = b ? e_add(lb, first, e_mul(lb, e_var(lb, b), e_int(lb, kb))) : first;
    pr.k_count = e_int(lb, kb);
    column_tiles(lb, N, tn, packed_column_tile, &pc);
    if (b)
        for_end(lb);
    if (rows % kb) {
        s_comment(lb, "the part's last %lld rows of %s", (long long)(rows % kb), mname);
        pr.k0 = e_add(lb, first, e_int(lb, rows - rows % kb));
        pr.k_count = e_int(lb, rows % kb);
        pc.rows = rows % kb;
        column_tiles(lb, N, tn, packed_column_tile, &pc);
    }
}

/*   parallel for s in 0..S: partial[s, r, :] = A[r, part s of i]·W[part s of i, :]
 *   for r in 0..B: Z[r, :] = b + partial[0, r, :] + … + partial[S − 1, r, :];  Y = act(Z)
 * (or, for an input gradient, dA = the parts, handed to grad_store). `what` names the
 * product in the comments: "Z = A·W + b" or "dA = dZ·Wᵀ".
 * Each part is a block of its own (B rows of NP ≥ N elements, whole cache lines): the
 * thread that writes it shares no line with the other parts' threads, and the thread that
 * adds the parts of its rows reads each other part as one contiguous run, which the
 * prefetchers fetch ahead. With the parts side by side in each row, that read was a short
 * run per row, each a separate miss to the other core (examples/mlp.nn at 2 threads, with
 * the cores ~450 ns apart: 0.129–0.134 → 0.117–0.123 s per epoch). */
static void product_split(LB *lb, const Product *pr, int S, const char *what) {
    int64_t line = 64 / lb->p->elem_size;
    int64_t K = pr->K, N = pr->N, NP = (N + line - 1) / line * line;
    const Buf *partial = buf_scratch(lb, SCRATCH_PARTIAL, S * NP);
    const char *mname = pr->target ? "Wᵀ" : "W";
    s_comment(lb, "%s with the sum over i in %d parts, each part's rows of %s on one thread",
              what, S, mname);
    s_comment(lb, "%s[s, r, :] = part s of the sum, in tiles of %d rows × %lld columns",
              partial->name, TILE_R, (long long)gemm_tile_columns(N));
    LStmt *s = for_begin(lb, "s", e_int(lb, S));
    s->parallel = true;
    Product part = *pr;
    part.out = partial;
    part.bias = part.Y = NULL;
    part.target = NULL;
    part.out_stride = NP;
    part.out_col = e_mul(lb, e_var(lb, s), e_mul(lb, e_batch(lb), e_int(lb, NP)));
    int64_t kb = K % S == 0 ? split_block_rows(lb, K / S, N) : 0;
    int64_t pack_rows = K % S == 0 ? split_pack_rows(lb, K / S, N) : 0;
    if (pack_rows > 0) {
        split_part_packed(lb, &part, e_var(lb, s), S, K / S, pack_rows, NP);
    } else if (kb > 0) {
        /* blocks of kb rows of W, each small enough to stay in L1 while every tile of
         * examples passes over it (instead of every tile streaming the part's W) */
        s_comment(lb, "in blocks of %lld rows of %s (%lld KB), each read once from L2",
                  (long long)kb, mname, (long long)(kb * N * lb->p->elem_size / 1024));
        LStmt *r = for_begin(lb, "r", e_batch(lb));
        LStmt *j = for_begin(lb, "j", e_int(lb, N));
        j->vector = true;
        s_store(lb, partial, e_add(lb, e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, NP)),
                                             part.out_col), e_var(lb, j)), e_real(lb, 0));
        for_end(lb);
        for_end(lb);
        LStmt *b = for_begin(lb, "kb", e_int(lb, K / S / kb));
        part.k0 = e_add(lb, e_mul(lb, e_var(lb, s), e_int(lb, K / S)),
                        e_mul(lb, e_var(lb, b), e_int(lb, kb)));
        part.k_count = e_int(lb, kb);
        part.accumulate = true;
        product_examples(lb, &part, false);
        for_end(lb);
        if ((K / S) % kb) {
            s_comment(lb, "the part's last %lld rows of %s", (long long)((K / S) % kb), mname);
            part.k0 = e_add(lb, e_mul(lb, e_var(lb, s), e_int(lb, K / S)),
                            e_int(lb, K / S - (K / S) % kb));
            part.k_count = e_int(lb, (K / S) % kb);
            product_examples(lb, &part, false);
        }
    } else {
        if (K % S == 0) {
            part.k0 = e_mul(lb, e_var(lb, s), e_int(lb, K / S));
            part.k_count = e_int(lb, K / S);
        } else { /* parts [s·K/S, (s + 1)·K/S) */
            part.k0 = e_div(lb, e_mul(lb, e_var(lb, s), e_int(lb, K)), S);
            LExpr *end = e_div(lb, e_mul(lb, e_add(lb, e_var(lb, s), e_int(lb, 1)), e_int(lb, K)), S);
            part.k_count = e_add(lb, end, e_mul(lb, e_int(lb, -1), part.k0));
        }
        product_examples(lb, &part, false);
    }
    for_end(lb);

    s_comment(lb, "%s the parts, in order%s", pr->bias ? "Z = b +" : pr->target ? "dA =" : "Z =",
              pr->Y ? "; y = act(Z)" : "");
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    r->parallel = true;
    r->rowwise = true;
    LStmt *j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    LExpr *sum = pr->bias ? e_load(lb, pr->bias, e_var(lb, j)) : NULL;
    for (int k = 0; k < S; k++) {
        LExpr *p = e_load(lb, partial, e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, NP)),
                                             e_add(lb, e_mul(lb, e_batch(lb), e_int(lb, k * NP)),
                                                   e_var(lb, j))));
        sum = sum ? e_bin(lb, '+', sum, p) : p;
    }
    LExpr *idx = e_add(lb, e_mul(lb, e_var(lb, r), e_int(lb, N)), e_var(lb, j));
    s_store(lb, pr->out, idx, sum);
    if (pr->Y)
        s_store(lb, pr->Y, idx, act_apply(lb, pr->act, e_load(lb, pr->out, idx)));
    if (pr->target)
        grad_store(lb, pr->target, idx, e_load(lb, pr->out, idx), pr->first);
    for_end(lb);
    for_end(lb);
}

/* Z = A·W + b (and Y = act(Z) in the same tile). */
void gemm_forward(LB *lb, const Buf *A, const Buf *W, const Buf *bias, const Buf *Z,
                  const Buf *Y, Activation act, LExpr *rows, int64_t K, int64_t N) {
    Product pr = {.A = A, .M = W, .out = Z, .bias = bias, .Y = Y, .act = act, .K = K, .N = N};
    int S = rows->kind == E_BATCH ? split_parts(lb, K, N) : 1;
    if (S > 1)
        product_split(lb, &pr, S, "Z = A·W + b");
    else
        product(lb, &pr, "Z = A·W + b", rows);
}

/* dW's micro-kernel: a tile of TI rows × gemm_tile_columns(N) columns of dW whose
 * accumulators stay in registers while the rows of A and dZ stream by (TI broadcasts of A
 * and a row of dZ's vectors per step). TI is the largest divisor of K up to TILE_R, so
 * tiles cover K exactly. */
static int64_t dweight_rows(int64_t K) {
    for (int64_t ti = TILE_R; ti > 1; ti--)
        if (K % ti == 0)
            return ti;
    return 1;
}

/* Rows of a dW tile at most (the split tiles of dweight_split are the tall ones). */
enum { DW_MAX_TILE_ROWS = 16 };

/* Where a dW tile reads dZ's row r, columns j0 + j: buf[r·stride + j0 + j], or, with a base
 * (a copy of the tile's columns: dweight_packed), buf[base + r·stride + j]. */
typedef struct DzRead {
    const Buf *buf;
    LExpr *base;
    int64_t stride;
} DzRead;

/* The tile's terms of row r: for k < ti,
 *   dW[dw_off + (i0 + k)·N + j0 + j] += A[r, i0 + k]·dZ[r, j0 + j]
 * or, with `set` (the tile's first row), dW = the term (+ 2·l2·W[i0 + k, j0 + j]).
 * dw_off (NULL: 0) places the tile in one part of a split dW. */
static void dweight_row(LB *lb, const Buf *A, DzRead dZ, const Buf *dW, LExpr *dw_off,
                        LExpr *i0, int ti, LExpr *j0, int64_t nb, LExpr *r, int64_t K, int64_t N,
                        const Buf *W, double l2, bool set) {
    static const char *const a_names[DW_MAX_TILE_ROWS] = {
        "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
        "a8", "a9", "a10", "a11", "a12", "a13", "a14", "a15"};
    for (int k = 0; k < ti; k++)
        s_let(lb, a_names[k], at(lb, A, r, e_add(lb, i0, e_int(lb, k)), K));
    LStmt *j = for_begin(lb, "j", e_int(lb, nb));
    j->vector = true;
    LExpr *zrow = e_mul(lb, r, e_int(lb, dZ.stride));
    LExpr *zcol = dZ.base ? e_add(lb, dZ.base, zrow) : e_add(lb, zrow, j0);
    LExpr *dz = e_load(lb, dZ.buf, e_add(lb, zcol, e_var(lb, j)));
    for (int k = 0; k < ti; k++) {
        LExpr *idx = e_add(lb, e_add(lb, e_mul(lb, e_add(lb, i0, e_int(lb, k)), e_int(lb, N)), j0),
                           e_var(lb, j));
        LExpr *didx = dw_off ? e_add(lb, dw_off, idx) : idx;
        LExpr *term = e_bin(lb, '*', e_temp(lb, a_names[k]), dz);
        if (!set)
            s_accum(lb, dW, didx, term);
        else if (l2 > 0)
            s_store(lb, dW, didx, e_bin(lb, '+', e_bin(lb, '*', e_real(lb, 2 * l2),
                                                       e_load(lb, W, idx)), term));
        else
            s_store(lb, dW, didx, term);
    }
    for_end(lb);
}

/*   dW[i0 + k, j0 : j0 + nb] += Σ_p A[q + p, i0 + k]·dZ[q + p, j0 + j]   for k < ti, p < np
 * With `set` (the tile's sum starts here: a dense layer's, over the whole batch), the first
 * row's terms are stored, with 2·l2·W added, instead of added to a zeroed dW. */
static void dweight_tile(LB *lb, const Buf *A, DzRead dZ, const Buf *dW, LExpr *dw_off,
                         LExpr *i0, int ti, LExpr *j0, int64_t nb, LExpr *q, LExpr *np, int64_t K,
                         int64_t N, const Buf *W, double l2, bool set) {
    bool batch = q->kind == E_INT && q->ival == 0;
    if (set) {
        dweight_row(lb, A, dZ, dW, dw_off, i0, ti, j0, nb, q, K, N, W, l2, true);
        q = e_add(lb, q, e_int(lb, 1));
        np = e_add(lb, np, e_int(lb, -1));
    }
    /* rows q + p of one example, or (q = 0) every row of the batch */
    LStmt *p = for_begin(lb, batch ? "r" : "p", np);
    LExpr *r = set ? e_add(lb, e_var(lb, p), q) : e_add(lb, q, e_var(lb, p)); /* r + 1, b*P + p */
    dweight_row(lb, A, dZ, dW, dw_off, i0, ti, j0, nb, r, K, N, W, l2, false);
    for_end(lb);
}

/* Every column tile of the ti rows of dW from i0, over the rows [q, q + np). */
typedef struct DweightRows {
    const Buf *A, *dZ, *dW, *W;
    LExpr *dw_off, *i0, *q, *np;
    int ti;
    int64_t K, N;
    double l2;
    bool set;
} DweightRows;

static void dweight_rows_tile(LB *lb, const void *arg, LExpr *j0, int64_t width) {
    const DweightRows *t = arg;
    dweight_tile(lb, t->A, (DzRead){t->dZ, NULL, t->N}, t->dW, t->dw_off, t->i0, t->ti, j0,
                 width, t->q, t->np, t->K,
                 t->N, t->W, t->l2, t->set);
}

static void dweight_row_tiles(LB *lb, const Buf *A, const Buf *dZ, const Buf *dW,
                              LExpr *dw_off, LExpr *i0, int ti, int64_t tn, LExpr *q, LExpr *np,
                              int64_t K, int64_t N, const Buf *W, double l2, bool set) {
    DweightRows t = {A, dZ, dW, W, dw_off, i0, q, np, ti, K, N, l2, set};
    column_tiles(lb, N, tn, dweight_rows_tile, &t);
}

/* Tiles of dW per block of a convolution's dW: the block's slice of an example's columns
 * (P rows × IBS·TI values) stays in cache while its tiles pass over the example's rows,
 * and there are at least 4 blocks to share among threads when K allows. */
enum { DW_BLOCK_TILES = 16 };

static int64_t dweight_block_tiles(int64_t tiles) {
    int64_t most = tiles / 4 < DW_BLOCK_TILES ? tiles / 4 : DW_BLOCK_TILES;
    for (int64_t n = most; n > 1; n--)
        if (tiles % n == 0)
            return n;
    return 1;
}

/* The rows of dW of block first_row (TI·IBS rows) of a convolution: set to 2·l2·W (or 0),
 * then each example's terms added. */
static void dweight_blocks(LB *lb, const Buf *A, const Buf *dZ, const Buf *W, const Buf *dW,
                           double l2, LExpr *first_row, int64_t TI, int64_t IBS, int64_t tn,
                           int64_t P, int64_t K, int64_t N) {
    LStmt *k = TI * IBS > 1 ? for_begin(lb, "k", e_int(lb, TI * IBS)) : NULL;
    LExpr *wrow = e_mul(lb, k ? e_add(lb, first_row, e_var(lb, k)) : first_row, e_int(lb, N));
    LStmt *j = for_begin(lb, "j", e_int(lb, N));
    j->vector = true;
    LExpr *widx = e_add(lb, wrow, e_var(lb, j));
    s_store(lb, dW, widx,
            l2 > 0 ? e_bin(lb, '*', e_real(lb, 2 * l2), e_load(lb, W, widx)) : e_real(lb, 0));
    for_end(lb);
    if (k)
        for_end(lb);
    LStmt *b = for_begin(lb, "b", e_batch(lb));
    LExpr *i0 = first_row;
    LStmt *ib = IBS > 1 ? for_begin(lb, "ib", e_int(lb, IBS)) : NULL;
    if (ib)
        i0 = e_add(lb, first_row, e_mul(lb, e_var(lb, ib), e_int(lb, TI)));
    dweight_row_tiles(lb, A, dZ, dW, NULL, i0, (int)TI, tn,
                      e_mul(lb, e_var(lb, b), e_int(lb, P)), e_int(lb, P), K, N, W, l2, false);
    if (ib)
        for_end(lb);
    for_end(lb);
}

/* db = Σ_rows dZ, row after row. */
static void dbias(LB *lb, const Buf *dZ, const Buf *db, LExpr *rows, int64_t N) {
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

/* A product with several rows per example (a convolution's pixels, the steps of a
 * sequence under a dense or GLU layer) splits its sum over the examples, not dW's rows,
 * when dW has too few tiles to share among threads (a first convolution: K = 3·3·1 rows)
 * or when its examples' columns and gradients outweigh dW (dweight_split_moves_less:
 * every convolution of examples/fashion_cnn.nn). The parts are fixed, SPLIT_PARTS as in
 * the forward split, not one per thread, so the sums do not depend on the thread count;
 * each goes into its own copy of dW and db, added in order afterwards:
 *   parallel for s in 0..S:
 *     parts[s] = 0
 *     for each example of part s (examples [s·B/S, (s + 1)·B/S)):
 *       for each tile of rows of dW: for p in 0..P: parts[s] tile += A[…]ᵀ·dZ[…]
 *       for p in 0..P: db_parts[s] += dZ[…]
 *   dW = 2·l2·W + parts[0] + … + parts[S − 1];  db = db_parts[0] + …
 * The tiles are as tall as the registers allow (the Keras CNN's first convolution: 9
 * rows × 32 columns, 18 accumulators), so dZ is read once per tile of 9 rows instead of 3,
 * and each part reads the examples whose columns and dZ its thread wrote (the loops over
 * examples before it are split the same way). */
enum { DW_SPLIT_MAX_ITEMS = 4 };

/* Whether splitting dW's sum over the examples moves less data between the threads than
 * splitting dW's rows. Split by rows, every thread reads every example's A and dZ (B·P·(K
 * + N) values, half of them written by the other thread, and the next pass that writes
 * them has to take them back from its cache); split by examples, each thread reads only
 * the examples it wrote, and what crosses is a part of dW (K·N values) for the sum. */
static bool dweight_split_moves_less(const LB *lb, int64_t P, int64_t K, int64_t N) {
    return 2 * K * N <= train_batch(lb) * P * (K + N);
}

/* Vector registers a split dW tile may hold: its accumulators and its rows' broadcast
 * values of A, the last 2 of the 32 for dZ's vector and the loads in flight. With 12 rows ×
 * 2 vectors (24 accumulators + 12 broadcasts) LLVM spilled in the inner loop: a VGG-style
 * 32 → 32 convolution's dW ran at 55 GFLOP/s, 9 rows run it ~30% faster; 16 rows × 1
 * vector (resnet_bn's 16-channel convolutions) became 12 rows, 7% off its epoch. */
enum { DW_TILE_REGISTERS = 30 };

/* Rows of a split dW tile: the largest divisor of K whose tile fits the accumulators and,
 * with its broadcasts, the registers. */
static int64_t dweight_split_rows(int64_t K, int64_t tn) {
    int64_t most = MAX_ACCUMULATORS / vectors_of(tn);
    if (most > DW_TILE_REGISTERS / (vectors_of(tn) + 1))
        most = DW_TILE_REGISTERS / (vectors_of(tn) + 1);
    if (most > DW_MAX_TILE_ROWS)
        most = DW_MAX_TILE_ROWS;
    for (int64_t ti = most; ti > 1; ti--)
        if (K % ti == 0)
            return ti;
    return 1;
}

void sum_parts(LB *lb, const Buf *dst, const Buf *parts, int S, int64_t n, const Buf *W,
               double l2, bool parallel) {
    LStmt *i = for_begin(lb, "i", e_int(lb, n));
    i->vector = true;
    i->parallel = parallel;
    i->gathers = true; /* the parts, each written by its own thread */
    LExpr *sum = l2 > 0 ? e_bin(lb, '*', e_real(lb, 2 * l2), e_load(lb, W, e_var(lb, i))) : NULL;
    for (int t = 0; t < S; t++) {
        LExpr *v = e_load(lb, parts, e_add(lb, e_int(lb, t * n), e_var(lb, i)));
        sum = sum ? e_bin(lb, '+', sum, v) : v;
    }
    s_store(lb, dst, e_var(lb, i), sum);
    for_end(lb);
}

void zero_part(LB *lb, const Buf *parts, LExpr *s, int64_t n) {
    LStmt *i = for_begin(lb, "i", e_int(lb, n));
    i->vector = true;
    s_store(lb, parts, e_add(lb, e_mul(lb, s, e_int(lb, n)), e_var(lb, i)), e_real(lb, 0));
    for_end(lb);
}

LExpr *part_examples_begin(LB *lb, LExpr *s) {
    LExpr *first = e_div(lb, e_mul(lb, s, e_batch(lb)), SPLIT_PARTS);
    LExpr *end = e_div(lb, e_mul(lb, e_add(lb, s, e_int(lb, 1)), e_batch(lb)), SPLIT_PARTS);
    LStmt *b = for_begin(lb, "b", e_add(lb, end, e_mul(lb, e_int(lb, -1), first)));
    return e_add(lb, first, e_var(lb, b));
}

static void dweight_split(LB *lb, const Buf *A, const Buf *dZ, const Buf *W, const Buf *dW,
                          const Buf *db, double l2, int64_t P, int64_t K, int64_t N) {
    int S = SPLIT_PARTS;
    int64_t tn = gemm_tile_columns(N), TI = dweight_split_rows(K, tn);
    const Buf *parts = buf_work_fixed(lb, arena_printf(lb->a, "%s.parts", dW->name),
                                      (Shape){3, {S, K, N}});
    const Buf *db_parts = db ? buf_work_fixed(lb, arena_printf(lb->a, "%s.parts", db->name),
                                              (Shape){2, {S, N}})
                             : NULL;
    s_comment(lb, "dW = Aᵀ·dZ with the sum over the examples in %d parts, each part's examples "
              "on one thread, in tiles of %lld row%s × %lld columns%s", S, (long long)TI,
              TI == 1 ? "" : "s", (long long)tn, db ? "; db with them" : "");
    LStmt *s = for_begin(lb, "s", e_int(lb, S));
    s->parallel = true;
    LExpr *sv = e_var(lb, s);
    zero_part(lb, parts, sv, K * N);
    if (db)
        zero_part(lb, db_parts, sv, N);
    LExpr *q = e_mul(lb, part_examples_begin(lb, sv), e_int(lb, P));
    LStmt *ib = K / TI > 1 ? for_begin(lb, "ib", e_int(lb, K / TI)) : NULL;
    LExpr *i0 = ib ? e_mul(lb, e_var(lb, ib), e_int(lb, TI)) : e_int(lb, 0);
    dweight_row_tiles(lb, A, dZ, parts, e_mul(lb, sv, e_int(lb, K * N)), i0, (int)TI, tn, q,
                      e_int(lb, P), K, N, NULL, 0, false);
    if (ib)
        for_end(lb);
    if (db) {
        LStmt *p = for_begin(lb, "p", e_int(lb, P));
        LStmt *j = for_begin(lb, "j", e_int(lb, N));
        j->vector = true;
        s_accum(lb, db_parts, e_add(lb, e_mul(lb, sv, e_int(lb, N)), e_var(lb, j)),
                at(lb, dZ, e_add(lb, q, e_var(lb, p)), e_var(lb, j), N));
        for_end(lb);
        for_end(lb);
    }
    for_end(lb);
    for_end(lb);

    s_comment(lb, "dW = %sthe parts, in order%s", l2 > 0 ? "2·l2·W + " : "",
              db ? "; db the same way" : "");
    sum_parts(lb, dW, parts, S, K * N, W, l2, true);
    if (db)
        sum_parts(lb, db, db_parts, S, N, NULL, 0, false);
}

/* A dense layer's dW whose column tiles of dZ cannot stay in L1 (dweight_packs_dz). Its
 * tiles read dZ a column tile at a time, and in place that tile's rows are N elements
 * apart (4 KB for bench/models/mlp_1024.nn's 1024 columns), so they fall in the same few
 * sets of L1 and every tile of 4 rows of dW re-read them from L2. So dZ is first copied
 * column tile by column tile to scratch.partial, each tile's B rows contiguous, and the
 * tiles of dW, in blocks of IBS tiles of rows, read it there:
 *   parallel for r in 0..B: for each column tile jb: pack[jb][r, :] = dZ[r, jb's columns]
 *   parallel for ibb in 0..K/(TI·IBS) (+ 1: db):
 *     for each column tile jb:
 *       for ib in 0..IBS: for r in 0..B: dW tile (TI rows × tn) += A[r, …]ᵀ·pack[jb][r, :]
 *     backward_update: the block's rows of W take the optimizer's step
 * Each element of dW is still summed over the batch in order by one thread. */
typedef struct DweightPacked {
    const Buf *A, *dZ, *dW, *W, *pack;
    LExpr *r, *first_row;
    int64_t TI, IBS, K, N;
    double l2;
} DweightPacked;

/* pack[jb][r, :] = dZ[r, jb's columns]: tile jb's rows start at j0·B. */
static void dz_pack_tile(LB *lb, const void *arg, LExpr *j0, int64_t width) {
    const DweightPacked *t = arg;
    LStmt *j = for_begin(lb, "j", e_int(lb, width));
    j->vector = true;
    s_store(lb, t->pack,
            e_add(lb, e_add(lb, e_mul(lb, j0, e_batch(lb)), e_mul(lb, t->r, e_int(lb, width))),
                  e_var(lb, j)),
            at(lb, t->dZ, t->r, e_add(lb, j0, e_var(lb, j)), t->N));
    for_end(lb);
}

static void dweight_packed_tile(LB *lb, const void *arg, LExpr *j0, int64_t width) {
    const DweightPacked *t = arg;
    LStmt *ib = for_begin(lb, "ib", e_int(lb, t->IBS));
    LExpr *i0 = e_add(lb, t->first_row, e_mul(lb, e_var(lb, ib), e_int(lb, t->TI)));
    dweight_tile(lb, t->A, (DzRead){t->pack, e_mul(lb, j0, e_batch(lb)), width}, t->dW, NULL,
                 i0, (int)t->TI, j0, width, e_int(lb, 0), e_batch(lb), t->K, t->N, t->W, t->l2,
                 true);
    for_end(lb);
}

/* Whether a dense layer's dW tiles read dZ from a copy (dweight_packed): when a column
 * tile of dZ, B rows (the train block's batch) × tn, is more than L1 holds, or when its
 * rows, N elements apart, fall in too few of L1's sets to stay there. L1 has 64 sets of
 * lines, 4 KB, per way, and at least 8 ways: rows 4 KB apart share each line's set, and 8
 * of them fit; rows 2 KB apart, 16; closer rows spread over enough sets. Measured, 1
 * thread, epochs of 20,480 images: 784 -> 512 -> 512 -> 10 at batch 128 0.67-0.77
 * against 0.84 s, at batch 32 0.79-0.83 against 0.88-0.90; 784 -> 256 -> 256 -> 10 at
 * batch 128 (tiles of 48 KB) 0.245-0.25 against 0.27-0.31; examples/mlp_deep.nn (256
 * columns, batch 64, rows 1 KB apart) and examples/mlp.nn no faster with the copy. */
enum { L1_SET_BYTES = 4096, L1_MIN_WAYS = 8 };

static bool dweight_packs_dz(const LB *lb, int64_t P, int64_t N) {
    if (P != 1)
        return false;
    int64_t elem = lb->p->elem_size, batch = train_batch(lb), tn = gemm_tile_columns(N);
    int64_t apart = L1_SET_BYTES; /* the largest power of 2 dividing a row's bytes */
    while ((N * elem) % apart)
        apart /= 2;
    int64_t places = L1_SET_BYTES / apart; /* where in a way's sets the rows start */
    return (places <= 2 && batch > L1_MIN_WAYS * places) ||
           batch * tn * elem > SPLIT_BLOCK_BYTES;
}

static void dweight_packed(LB *lb, const Buf *A, const Buf *dZ, const Buf *W, const Buf *dW,
                           const Buf *db, double l2, int64_t K, int64_t N,
                           const TensorUpdate *update) {
    int64_t TI = dweight_rows(K), tn = gemm_tile_columns(N);
    int64_t IBS = dweight_block_tiles(K / TI), blocks = K / TI / IBS;
    DweightPacked t = {A, dZ, dW, W, buf_scratch(lb, SCRATCH_PARTIAL, N), NULL, NULL, TI, IBS,
                       K, N, l2};
    s_comment(lb, "dZ copied to %s column tile by column tile, each tile's rows contiguous "
              "(in place they are %lld KB apart)", t.pack->name,
              (long long)(N * lb->p->elem_size / 1024));
    LStmt *r = for_begin(lb, "r", e_batch(lb));
    r->parallel = true;
    t.r = e_var(lb, r);
    column_tiles(lb, N, tn, dz_pack_tile, &t);
    for_end(lb);
    s_comment(lb, "dW = Aᵀ·dZ in blocks of %lld rows of dW, tiles of %lld row%s × %lld columns "
              "reading the copy%s%s%s", (long long)(TI * IBS), (long long)TI, TI == 1 ? "" : "s",
              (long long)tn, update ? "; then, in backward_update, the block's rows of " : "",
              update ? arena_printf(lb->a, "%s take the optimizer's step", update->W->name) : "",
              db ? "; db, the last item" : "");
    LStmt *outer = for_begin(lb, "ibb", e_int(lb, blocks + (db ? 1 : 0)));
    outer->parallel = true;
    LStmt *tiles = db ? if_begin(lb, e_cmp(lb, '<', e_var(lb, outer), e_int(lb, blocks))) : NULL;
    t.first_row = e_mul(lb, e_var(lb, outer), e_int(lb, TI * IBS));
    column_tiles(lb, N, tn, dweight_packed_tile, &t);
    if (update) {
        if_begin(lb, e_cmp(lb, '>', e_load(lb, lb->in_backward, e_int(lb, 0)), e_real(lb, 0)));
        LStmt *k = for_begin(lb, "k", e_int(lb, TI * IBS * N));
        k->vector = true;
        update_element_step(lb, update, e_add(lb, e_mul(lb, t.first_row, e_int(lb, N)),
                                              e_var(lb, k)));
        for_end(lb);
        if_end(lb);
    }
    if (tiles) {
        if_else(lb, tiles);
        dbias(lb, dZ, db, e_batch(lb), N);
        if_end(lb);
    }
    for_end(lb);
}

/* Split over the examples where dweight_split says so; otherwise by dW's rows:
 * Dense layers (P = 1):
 *   parallel for ib in 0..K/TI:                   (TI rows of dW per iteration)
 *     dW[ib·TI + k, :] = 2·l2·W[…] (or 0)
 *     for each tile of columns: for r in 0..B: dW tile += A[r, …]ᵀ·dZ[r, …]
 * Convolutions (P rows per example), in blocks of IBS tiles of rows:
 *   parallel for ibb in 0..K/(TI·IBS):
 *     dW[rows of the block, :] = 2·l2·W[…] (or 0)
 *     for b in 0..B:                               (one example at a time)
 *       for ib in 0..IBS: for each tile of columns: for p in 0..P: dW tile += …
 * The tile's accumulators live in registers across the rows, an example's columns and dZ
 * stay in cache for all the tiles of a block. Every element of dW is summed over the
 * rows in order by one thread, whatever the thread count.
 *
 * For backward_update (`update`, dense layers only), each item then applies the optimizer's
 * step to its TI rows of W, reading their dW from L1: no separate pass over dW, and no
 * parallel loop of its own.
 *
 * With a bias, db = Σ_rows dZ is one more iteration of the parallel loop, the last:
 *   parallel for ib in 0..K/TI + 1:  if ib < K/TI: (the tiles above)  else: db
 * so that one thread sums it while the others finish their tiles, instead of every
 * thread but one waiting for it after them. */
void gemm_dweight(LB *lb, const Buf *A, const Buf *dZ, const Buf *W, const Buf *dW,
                  const Buf *db, double l2, LExpr *rows, int64_t K, int64_t N,
                  const TensorUpdate *update) {
    int64_t P = rows_per_example(rows);
    if (P != 1)
        update = NULL; /* update_fusable() allows only one row per example */
    if (dweight_packs_dz(lb, P, N) && dweight_block_tiles(K / dweight_rows(K)) > 1) {
        dweight_packed(lb, A, dZ, W, dW, db, l2, K, N, update);
        return;
    }
    int64_t TI = dweight_rows(K), tn = gemm_tile_columns(N);
    int64_t IBS = P == 1 ? 1 : dweight_block_tiles(K / TI);
    int64_t items = K / TI / IBS;
    if (P > 1 && (items < DW_SPLIT_MAX_ITEMS || dweight_split_moves_less(lb, P, K, N))) {
        dweight_split(lb, A, dZ, W, dW, db, l2, P, K, N);
        return;
    }
    s_comment(lb, "dW = Aᵀ·dZ in tiles of %lld row%s × %lld columns of dW%s%s%s", (long long)TI,
              TI == 1 ? "" : "s", (long long)tn,
              update ? "; then, in backward_update, the item's rows of " : "",
              update ? arena_printf(lb->a, "%s take the optimizer's step", update->W->name) : "",
              db ? "; db, the last item" : "");
    LStmt *outer = for_begin(lb, IBS == 1 ? "ib" : "ibb", e_int(lb, items + (db ? 1 : 0)));
    outer->parallel = true;
    LStmt *tiles = db ? if_begin(lb, e_cmp(lb, '<', e_var(lb, outer), e_int(lb, items))) : NULL;
    LExpr *first_row = e_mul(lb, e_var(lb, outer), e_int(lb, TI * IBS));
    if (P == 1) { /* each tile sums over the whole batch: its first row sets dW */
        dweight_row_tiles(lb, A, dZ, dW, NULL, first_row, (int)TI, tn, e_int(lb, 0), e_batch(lb),
                          K, N, W, l2, true);
        if (update) { /* the item's rows of dW are summed: their steps, row after row */
            if_begin(lb, e_cmp(lb, '>', e_load(lb, lb->in_backward, e_int(lb, 0)), e_real(lb, 0)));
            LStmt *k = for_begin(lb, "k", e_int(lb, TI * N));
            k->vector = true;
            update_element_step(lb, update, e_add(lb, e_mul(lb, first_row, e_int(lb, N)),
                                                  e_var(lb, k)));
            for_end(lb);
            if_end(lb);
        }
    } else {
        dweight_blocks(lb, A, dZ, W, dW, l2, first_row, TI, IBS, tn, P, K, N);
    }
    if (tiles) {
        if_else(lb, tiles);
        dbias(lb, dZ, db, rows, N);
        if_end(lb);
    }
    for_end(lb);
}

/* Wt = Wᵀ in blocks of 16 × 16: each row of a block of W is read as one vector and its
 * values stored down a column of Wt, so a block reads 16 lines of W and writes 16 lines of
 * Wt, all in L1 until they are done. Gathering whole columns of W instead (16 rows per
 * vector, from K rows N elements apart) waited on every gather: the 512 × 512 transpose
 * of a 784 -> 512 -> 512 -> 10 MLP took 8% of its epoch, and the epoch 0.827-0.856 s
 * against 0.754-0.776 s now (30,720 images, 1 thread). */
enum { TRANSPOSE_BLOCK = 16 };

static void transpose_block(LB *lb, const Buf *Wt, const Buf *W, LExpr *i0, int64_t rows,
                            LExpr *j0, int64_t cols, int64_t K, int64_t N) {
    LStmt *i = for_begin(lb, "i", e_int(lb, rows));
    LStmt *j = for_begin(lb, "j", e_int(lb, cols));
    j->vector = true;
    LExpr *row = e_add(lb, i0, e_var(lb, i)), *col = e_add(lb, j0, e_var(lb, j));
    s_store(lb, Wt, e_add(lb, e_mul(lb, col, e_int(lb, K)), row), at(lb, W, row, col, N));
    for_end(lb);
    for_end(lb);
}

/* The blocks of the band of `rows` rows of W from i0: every 16 columns, then the rest. */
static void transpose_band(LB *lb, const Buf *Wt, const Buf *W, LExpr *i0, int64_t rows,
                           int64_t K, int64_t N) {
    int64_t T = TRANSPOSE_BLOCK;
    if (N / T > 1) {
        LStmt *jb = for_begin(lb, "jb", e_int(lb, N / T));
        transpose_block(lb, Wt, W, i0, rows, e_mul(lb, e_var(lb, jb), e_int(lb, T)), T, K, N);
        for_end(lb);
    } else if (N / T == 1) {
        transpose_block(lb, Wt, W, i0, rows, e_int(lb, 0), T, K, N);
    }
    if (N % T)
        transpose_block(lb, Wt, W, i0, rows, e_int(lb, N - N % T), N % T, K, N);
}

const Buf *gemm_transposed(LB *lb, const Buf *W, int64_t K, int64_t N) {
    Buf *Wt = buf_work_fixed(lb, arena_printf(lb->a, "%s.T", W->name), (Shape){2, {N, K}});
    int64_t T = TRANSPOSE_BLOCK;
    s_comment(lb, "%s = %sᵀ, so that each row of dA is a sum of contiguous rows%s", Wt->name,
              W->name, K > T || N > T ? arena_printf(lb->a, "; in blocks of %lld × %lld",
                                                     (long long)T, (long long)T) : "");
    if (K / T > 0) {
        LStmt *ib = for_begin(lb, "ib", e_int(lb, K / T));
        ib->parallel = true;
        ib->gathers = true; /* W's rows, updated by the thread that summed their dW */
        transpose_band(lb, Wt, W, e_mul(lb, e_var(lb, ib), e_int(lb, T)), T, K, N);
        for_end(lb);
    }
    if (K % T)
        transpose_band(lb, Wt, W, e_int(lb, K - K % T), K % T, K, N);
    return Wt;
}

/*   Wt = Wᵀ;  dA = dZ·Wt
 * the forward product's tiles with dZ for A and Wᵀ for W: a tile of rows × columns of dA
 * stays in registers while the N columns of dZ are broadcast, the slice of Wᵀ reused from
 * cache by every tile. With a target, the tile is gathered in scratch.dx and handed to
 * grad_store (which applies a fused activation derivative or adds to earlier writers).
 * Where the forward would split its sum (split_parts, with the N columns of dZ for the
 * sum), so does this product, its parts in blocks that stay in L1: unsplit, every tile of
 * 4 examples streamed all of Wᵀ (1 MB for a 512 × 512 layer) from L2 or beyond (a
 * 784 -> 512 -> 512 -> 10 MLP at batch 128: 0.875-0.91 -> 0.754-0.764 s per epoch of
 * 30,720 images at 1 thread, 0.59-0.62 -> 0.52-0.545 at 2). */
void gemm_dinput(LB *lb, const Buf *dZ, const Buf *W, const Buf *dA, const Node *target,
                 bool first, LExpr *rows, int64_t K, int64_t N) {
    const Buf *Wt = gemm_transposed(lb, W, K, N);
    const Buf *acc = target ? buf_scratch(lb, SCRATCH_DX, rows_per_example(rows) * K) : dA;
    Product pr = {.A = dZ, .M = Wt, .out = acc, .act = {ACT_LINEAR, 0}, .target = target,
                  .first = first, .K = N, .N = K};
    int S = rows->kind == E_BATCH ? split_parts(lb, N, K) : 1;
    if (S > 1)
        product_split(lb, &pr, S, "dA = dZ·Wᵀ");
    else
        product(lb, &pr, "dA = dZ·Wᵀ", rows);
}
