/*
 * nsplit_mlp.c — an experiment, not part of nnlc: can the 784 → 100σ → 10 MLP's 2-thread
 * step reach 1.8× its 1-thread speed on a machine whose cores are far apart (a cache
 * line's round trip of ~450 ns, the VM's slow state in docs/performance.md)?
 *
 * The design measured here splits the HIDDEN UNITS between the threads for the whole
 * step, instead of the input rows of W (nnlc's schedule today, and bench/spmd_mlp.c):
 * thread t owns units [t·100/P, (t+1)·100/P): their columns of W1 (stored unit-major,
 * so that each unit's 784 weights are contiguous), their bias, their rows of W2, their
 * gradients and optimizer state, all in memory it allocated and only it touches. Each
 * thread gathers the whole batch itself from the byte data set (a redundant gather
 * instead of rows crossing between the cores), computes its units' activations for
 * every example, and its part of the 10 logits; the parts (32 × 10 floats per thread)
 * are the only data exchanged, at the one barrier of the step. Both threads then compute
 * the softmax and the loss gradient from the parts in a fixed order (bit-identical
 * replicas of b2), and everything after (dW2, dA, dW1, RMSprop) is per unit again.
 * Vectors run over the batch (32 examples = 2 AVX-512 registers) in the forward pass and
 * over the input dimension in dW1, so a unit is the unit of work: 50 + 50 split evenly.
 *
 * Each thread also prefetches the next batch's rows at the end of its step (after the
 * update has streamed W1 through L2), so gathering them is a conversion from cache.
 *
 *   cc -O3 -march=native -ffast-math -pthread bench/nsplit_mlp.c -o /tmp/nsplit -lm
 *   /tmp/nsplit 1; /tmp/nsplit 2      # µs per step, and the time of each phase
 *   CPU=1 /tmp/nsplit 1               # the 1-thread run on CPU 1 instead of 0
 *   FUSE=1 /tmp/nsplit 2              # dW1's RMSprop update applied in the tile that
 *                                     # computes it (dW1 never stored; fourteenth session)
 *
 * Synthetic data: random bytes, 60,000 × 784, labeled by which of 10 fixed pixels is the
 * brightest (so the loss falls, and the 1- and 2-thread runs can be compared); RMSprop
 * as examples/mlp.nn; 3 epochs, the last 2 timed. Needs AVX-512F. Results:
 * docs/performance.md, "Results (2026-12-06, tenth session)".
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

enum { B = 32, K = 784, N = 100, C = 10, ROWS = 60000, STEPS = 1875, EPOCHS = 3 };
enum { PH_GATHER, PH_FWD1, PH_FWD2, PH_WAIT, PH_SOFTMAX, PH_BWD2, PH_BWD1, PH_UPDATE, PHASES };
static const char *phase_name[PHASES] = {"gather", "fwd1", "fwd2", "wait", "softmax",
                                         "bwd2", "bwd1", "update"};

static uint8_t *data;    /* ROWS × K */
static uint8_t *labels;  /* ROWS */
static int64_t *order;   /* the epoch's shuffled rows */
static int P;
static int fuse; /* FUSE=1: the W1 update inside bwd1's tiles */
/* parts[s & 1][t]: thread t's part of the logits at step s, (C, B), on lines of its own */
static float *parts[2][2];
typedef struct { _Alignas(64) atomic_long step; char pad[56]; } Arrival;
static Arrival arrived[2];
static double phase_secs[2][PHASES];
static double loss_sum;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float *alloc_floats(size_t n) {
    size_t bytes = (n * sizeof(float) + 4095) / 4096 * 4096;
    float *p = aligned_alloc(4096, bytes);
    memset(p, 0, bytes);
    return p;
}

typedef struct {
    int t, u0, nu;                 /* thread, first unit, units */
    float *x, *xT;                 /* (B, K) and (K, B) */
    float *W1, *V1, *dW1;          /* (nu, K) unit-major */
    float *b1, *vb1, *db1;         /* (nu) */
    float *hT, *dhT;               /* (nu, B) */
    float *W2, *V2, *dW2;          /* (nu, C) */
    float *b2, *vb2, *db2;         /* (C), a replica on every thread */
    float *zT, *dz, *dzT;          /* (C, B), (B, C), (C, B) */
} Thread;

static float init_weight(uint64_t i, float scale) {
    uint64_t h = (i + 1) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return ((float)(h % 2001) / 1000.0f - 1.0f) * scale;
}

/* Asks for every line of the rows of the batch at `first`, a step before they are read. */
__attribute__((always_inline)) static inline void prefetch_batch(int64_t first) {
    if (first + B > ROWS)
        return;
    for (int r = 0; r < B; r++)
        for (int k = 0; k < K; k += 64)
            __builtin_prefetch(data + order[first + r] * K + k, 0, 3);
}

/* dst[j·ds + i] = src[i·ss + j] for a 16 × 16 block (three rounds of shuffles) */
static inline void transpose16(const float *src, int ss, float *dst, int ds) {
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++)
        r[i] = _mm512_loadu_ps(src + i * ss);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
        }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
    for (int i = 0; i < 16; i++)
        _mm512_storeu_ps(dst + i * ds, r[i]);
}

/* x and xT of the batch at `first`, from the bytes (the rows were prefetched a step before) */
static void gather(Thread *th, int64_t first) {
    for (int r = 0; r < B; r++) {
        const uint8_t *src = data + order[first + r] * K;
        float *dst = th->x + r * K;
        for (int k = 0; k < K; k++)
            dst[k] = (float)src[k] * (1.0f / 255.0f);
    }
    /* xT in 16 × 16 blocks, transposed in registers */
    for (int k = 0; k < K; k += 16)
        for (int r = 0; r < B; r += 16)
            transpose16(th->x + r * K + k, K, th->xT + k * B + r, B);
}

/* hT[u, :] = b1[u] + Σ_k W1[u, k] · xT[k, :] for NU units at once (NU × 2 registers) */
#define FWD1_TILE(NU)                                                                     \
    static void fwd1_tile##NU(Thread *th, int u) {                                        \
        __m512 a[NU][2];                                                                  \
        const float *w[NU];                                                               \
        _Pragma("GCC unroll 16") for (int q = 0; q < NU; q++) {                           \
            a[q][0] = a[q][1] = _mm512_set1_ps(th->b1[u + q]);                            \
            w[q] = th->W1 + (size_t)(u + q) * K;                                          \
        }                                                                                 \
        for (int k = 0; k < K; k++) {                                                     \
            __m512 x0 = _mm512_load_ps(th->xT + k * B);                                   \
            __m512 x1 = _mm512_load_ps(th->xT + k * B + 16);                              \
            _Pragma("GCC unroll 16") for (int q = 0; q < NU; q++) {                       \
                __m512 b = _mm512_set1_ps(w[q][k]);                                       \
                a[q][0] = _mm512_fmadd_ps(b, x0, a[q][0]);                                \
                a[q][1] = _mm512_fmadd_ps(b, x1, a[q][1]);                                \
            }                                                                             \
        }                                                                                 \
        _Pragma("GCC unroll 16") for (int q = 0; q < NU; q++) {                           \
            _mm512_store_ps(th->hT + (size_t)(u + q) * B, a[q][0]);                       \
            _mm512_store_ps(th->hT + (size_t)(u + q) * B + 16, a[q][1]);                  \
        }                                                                                 \
    }
FWD1_TILE(10)
FWD1_TILE(1)

static void fwd1(Thread *th) {
    int u = 0;
    for (; u + 10 <= th->nu; u += 10)
        fwd1_tile10(th, u);
    for (; u < th->nu; u++)
        fwd1_tile1(th, u);
    for (int i = 0; i < th->nu * B; i++)
        th->hT[i] = 1.0f / (1.0f + expf(-th->hT[i]));
}

/* this thread's part of the logits: part[c, :] = Σ_u W2[u, c] · hT[u, :] */
static void fwd2(Thread *th, float *part) {
    __m512 acc[C][2];
    for (int c = 0; c < C; c++)
        acc[c][0] = acc[c][1] = _mm512_setzero_ps();
    for (int u = 0; u < th->nu; u++) {
        __m512 h0 = _mm512_load_ps(th->hT + u * B), h1 = _mm512_load_ps(th->hT + u * B + 16);
        for (int c = 0; c < C; c++) {
            __m512 w = _mm512_set1_ps(th->W2[u * C + c]);
            acc[c][0] = _mm512_fmadd_ps(w, h0, acc[c][0]);
            acc[c][1] = _mm512_fmadd_ps(w, h1, acc[c][1]);
        }
    }
    for (int c = 0; c < C; c++) {
        _mm512_store_ps(part + c * B, acc[c][0]);
        _mm512_store_ps(part + c * B + 16, acc[c][1]);
    }
}

/* z = b2 + the parts in thread order; softmax; dz = (p − onehot) / B; returns the loss */
static double softmax_grad(Thread *th, float *const *p, int64_t first) {
    for (int c = 0; c < C; c++)
        for (int r = 0; r < B; r++) {
            float z = th->b2[c];
            for (int s = 0; s < P; s++)
                z += p[s][c * B + r];
            th->zT[c * B + r] = z;
        }
    /* vector over the examples: max, exp and sum run down the 10 rows of zT */
    float m[B], sum[B], e[C][B];
    for (int r = 0; r < B; r++)
        m[r] = th->zT[r];
    for (int c = 1; c < C; c++)
        for (int r = 0; r < B; r++)
            m[r] = fmaxf(m[r], th->zT[c * B + r]);
    for (int r = 0; r < B; r++)
        sum[r] = 0;
    for (int c = 0; c < C; c++)
        for (int r = 0; r < B; r++) {
            e[c][r] = expf(th->zT[c * B + r] - m[r]);
            sum[r] += e[c][r];
        }
    double loss = 0;
    for (int r = 0; r < B; r++) {
        int y = labels[order[first + r]];
        loss += (double)(m[r] + logf(sum[r]) - th->zT[y * B + r]);
        float inv = 1.0f / sum[r];
        for (int c = 0; c < C; c++) {
            float g = (e[c][r] * inv - (c == y ? 1.0f : 0.0f)) * (1.0f / B);
            th->dz[r * C + c] = g;
            th->dzT[c * B + r] = g;
        }
    }
    return loss / B;
}

static void bwd2(Thread *th) {
    /* dW2[u, c] = Σ_r hT[u, r] · dz[r, c]; db2 (replica) */
    for (int u = 0; u < th->nu; u++) {
        float acc[C] = {0};
        for (int r = 0; r < B; r++) {
            float h = th->hT[u * B + r];
            for (int c = 0; c < C; c++)
                acc[c] += h * th->dz[r * C + c];
        }
        memcpy(th->dW2 + u * C, acc, sizeof acc);
    }
    for (int c = 0; c < C; c++) {
        float s = 0;
        for (int r = 0; r < B; r++)
            s += th->dzT[c * B + r];
        th->db2[c] = s;
    }
    /* dhT[u, :] = (Σ_c W2[u, c] · dzT[c, :]) · h(1 − h); db1[u] = Σ_r dhT[u, r] */
    for (int u = 0; u < th->nu; u++) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0;
        for (int c = 0; c < C; c++) {
            __m512 w = _mm512_set1_ps(th->W2[u * C + c]);
            a0 = _mm512_fmadd_ps(w, _mm512_load_ps(th->dzT + c * B), a0);
            a1 = _mm512_fmadd_ps(w, _mm512_load_ps(th->dzT + c * B + 16), a1);
        }
        __m512 h0 = _mm512_load_ps(th->hT + u * B), h1 = _mm512_load_ps(th->hT + u * B + 16);
        __m512 one = _mm512_set1_ps(1.0f);
        a0 = _mm512_mul_ps(a0, _mm512_mul_ps(h0, _mm512_sub_ps(one, h0)));
        a1 = _mm512_mul_ps(a1, _mm512_mul_ps(h1, _mm512_sub_ps(one, h1)));
        _mm512_store_ps(th->dhT + u * B, a0);
        _mm512_store_ps(th->dhT + u * B + 16, a1);
        th->db1[u] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
    }
}

/* dW1[u, k] = Σ_r dhT[u, r] · x[r, k], NU units × 64 inputs at a time */
#define BWD1_TILE(NU)                                                                     \
    static void bwd1_tile##NU(Thread *th, int u) {                                        \
        const float *d = th->dhT + u * B;                                                 \
        float *o = th->dW1 + (size_t)u * K;                                               \
        for (int k = 0; k < K; k += 64) {                                                 \
            int nv = K - k >= 64 ? 4 : (K - k) / 16;                                      \
            __m512 a[NU][4];                                                              \
            _Pragma("GCC unroll 16") for (int q = 0; q < NU; q++)                         \
                a[q][0] = a[q][1] = a[q][2] = a[q][3] = _mm512_setzero_ps();              \
            if (nv == 4) {                                                                \
                for (int r = 0; r < B; r++) {                                             \
                    const float *xr = th->x + r * K + k;                                  \
                    __m512 x0 = _mm512_load_ps(xr), x1 = _mm512_load_ps(xr + 16);         \
                    __m512 x2 = _mm512_load_ps(xr + 32), x3 = _mm512_load_ps(xr + 48);    \
                    _Pragma("GCC unroll 16") for (int q = 0; q < NU; q++) {               \
                        __m512 g = _mm512_set1_ps(d[q * B + r]);                          \
                        a[q][0] = _mm512_fmadd_ps(g, x0, a[q][0]);                        \
                        a[q][1] = _mm512_fmadd_ps(g, x1, a[q][1]);                        \
                        a[q][2] = _mm512_fmadd_ps(g, x2, a[q][2]);                        \
                        a[q][3] = _mm512_fmadd_ps(g, x3, a[q][3]);                        \
                    }                                                                     \
                }                                                                         \
            } else {                                                                      \
                for (int r = 0; r < B; r++) {                                             \
                    __m512 x0 = _mm512_load_ps(th->x + r * K + k);                        \
                    _Pragma("GCC unroll 16") for (int q = 0; q < NU; q++)                 \
                        a[q][0] = _mm512_fmadd_ps(_mm512_set1_ps(d[q * B + r]), x0, a[q][0]); \
                }                                                                         \
            }                                                                             \
            if (fuse) {                                                                   \
              const __m512 rho = _mm512_set1_ps(0.9f), omr = _mm512_set1_ps(0.1f);        \
              const __m512 lr = _mm512_set1_ps(0.001f), eps = _mm512_set1_ps(1e-7f);      \
              _Pragma("GCC unroll 16") for (int q = 0; q < NU; q++)                       \
                for (int i = 0; i < nv; i++) {                                            \
                    size_t at = (size_t)(u + q) * K + k + 16 * i;                         \
                    __m512 g = a[q][i];                                                   \
                    __m512 v = _mm512_fmadd_ps(rho, _mm512_load_ps(th->V1 + at), _mm512_mul_ps(omr, _mm512_mul_ps(g, g))); \
                    _mm512_store_ps(th->V1 + at, v);                                      \
                    __m512 w = _mm512_load_ps(th->W1 + at);                               \
                    w = _mm512_sub_ps(w, _mm512_div_ps(_mm512_mul_ps(lr, g), _mm512_sqrt_ps(_mm512_add_ps(v, eps)))); \
                    _mm512_store_ps(th->W1 + at, w);                                      \
                }                                                                         \
            } else                                                                        \
            _Pragma("GCC unroll 16") for (int q = 0; q < NU; q++)                         \
                for (int i = 0; i < nv; i++)                                              \
                    _mm512_store_ps(o + (size_t)q * K + k + 16 * i, a[q][i]);             \
        }                                                                                 \
    }
BWD1_TILE(4)
BWD1_TILE(1)

static void bwd1(Thread *th) {
    int u = 0;
    for (; u + 4 <= th->nu; u += 4)
        bwd1_tile4(th, u);
    for (; u < th->nu; u++)
        bwd1_tile1(th, u);
}

static void rmsprop(float *w, float *v, const float *g, int n) {
    for (int i = 0; i < n; i++) {
        float vi = 0.9f * v[i] + 0.1f * g[i] * g[i];
        v[i] = vi;
        w[i] -= 0.001f * g[i] / sqrtf(vi + 1e-7f);
    }
}

/* The one barrier of a step: every thread has published its part of step s. */
static void arrive_and_wait(int t, long s) {
    atomic_store_explicit(&arrived[t].step, s + 1, memory_order_release);
    for (int u = 0; u < P; u++)
        while (atomic_load_explicit(&arrived[u].step, memory_order_acquire) < s + 1)
            _mm_pause();
}

static void *run(void *arg) {
    Thread *th = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(getenv("CPU") ? atoi(getenv("CPU")) : th->t, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    int nu = th->nu;
    th->x = alloc_floats(B * K);
    th->xT = alloc_floats(K * B);
    th->W1 = alloc_floats((size_t)nu * K);
    th->V1 = alloc_floats((size_t)nu * K);
    th->dW1 = alloc_floats((size_t)nu * K);
    th->b1 = alloc_floats(nu); th->vb1 = alloc_floats(nu); th->db1 = alloc_floats(nu);
    th->hT = alloc_floats(nu * B); th->dhT = alloc_floats(nu * B);
    th->W2 = alloc_floats(nu * C); th->V2 = alloc_floats(nu * C); th->dW2 = alloc_floats(nu * C);
    th->b2 = alloc_floats(C); th->vb2 = alloc_floats(C); th->db2 = alloc_floats(C);
    th->zT = alloc_floats(C * B); th->dz = alloc_floats(B * C); th->dzT = alloc_floats(C * B);
    parts[0][th->t] = alloc_floats(C * B);
    parts[1][th->t] = alloc_floats(C * B);
    for (int u = 0; u < nu; u++) {
        for (int k = 0; k < K; k++)
            th->W1[(size_t)u * K + k] = init_weight((uint64_t)k * N + (uint64_t)(th->u0 + u), 0.08f);
        for (int c = 0; c < C; c++)
            th->W2[u * C + c] = init_weight(1000000 + (uint64_t)(th->u0 + u) * C + (uint64_t)c, 0.23f);
    }
    arrive_and_wait(th->t, -1); /* everyone's buffers exist */
    long s = 0;
    double *ph = phase_secs[th->t];
    for (int e = 0; e < EPOCHS; e++) {
        double epoch_loss = 0;
        for (int step = 0; step < STEPS; step++, s++) {
            int64_t first = (int64_t)step * B;
            double t0 = now();
            gather(th, first);
            double t1 = now();
            fwd1(th);
            double t2 = now();
            fwd2(th, parts[s & 1][th->t]);
            double t3 = now();
            if (P > 1)
                arrive_and_wait(th->t, s);
            double t4 = now();
            epoch_loss += softmax_grad(th, parts[s & 1], first);
            double t5 = now();
            bwd2(th);
            double t6 = now();
            bwd1(th);
            double t7 = now();
            if (!fuse) rmsprop(th->W1, th->V1, th->dW1, nu * K);
            rmsprop(th->b1, th->vb1, th->db1, nu);
            rmsprop(th->W2, th->V2, th->dW2, nu * C);
            rmsprop(th->b2, th->vb2, th->db2, C);
            prefetch_batch(first + B); /* here, after the update has streamed W1 through L2 */
            double t8 = now();
            if (e > 0) {
                ph[PH_GATHER] += t1 - t0; ph[PH_FWD1] += t2 - t1; ph[PH_FWD2] += t3 - t2;
                ph[PH_WAIT] += t4 - t3; ph[PH_SOFTMAX] += t5 - t4; ph[PH_BWD2] += t6 - t5;
                ph[PH_BWD1] += t7 - t6; ph[PH_UPDATE] += t8 - t7;
            }
        }
        if (th->t == 0)
            loss_sum = epoch_loss / STEPS;
    }
    return NULL;
}

int main(int argc, char **argv) {
    P = argc > 1 ? atoi(argv[1]) : 1;
    fuse = getenv("FUSE") != NULL;
    if (P < 1 || P > 2) {
        fprintf(stderr, "usage: nsplit_mlp [1|2]\n");
        return 2;
    }
    size_t bytes = (size_t)ROWS * K;
    data = aligned_alloc(2 << 20, (bytes + (2 << 20) - 1) / (2 << 20) * (2 << 20));
    madvise(data, bytes, MADV_HUGEPAGE);
    labels = malloc(ROWS);
    order = malloc(sizeof(int64_t) * ROWS);
    uint64_t h = 88172645463325252ull;
    for (size_t i = 0; i < bytes; i++) {
        h ^= h << 13; h ^= h >> 7; h ^= h << 17;
        data[i] = (uint8_t)(h >> 56);
    }
    for (int i = 0; i < ROWS; i++) {
        h ^= h << 13; h ^= h >> 7; h ^= h << 17;
        /* a label the network can learn: which of 10 fixed pixels is the brightest */
        const uint8_t *row = data + (size_t)i * K;
        int best = 0;
        for (int c = 1; c < C; c++)
            if (row[100 + 60 * c] > row[100 + 60 * best])
                best = c;
        labels[i] = (uint8_t)best;
        order[i] = i;
    }
    for (int i = ROWS - 1; i > 0; i--) {
        h ^= h << 13; h ^= h >> 7; h ^= h << 17;
        int j = (int)(h % (uint64_t)(i + 1));
        int64_t tmp = order[i]; order[i] = order[j]; order[j] = tmp;
    }
    {   /* the transpose against the definition */
        float a[16 * 20], b[16 * 18];
        for (int i = 0; i < 16 * 20; i++) a[i] = (float)i;
        transpose16(a, 20, b, 18);
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 16; j++)
                if (b[j * 18 + i] != a[i * 20 + j]) { fprintf(stderr, "transpose16 wrong at %d %d\n", i, j); return 1; }
    }
    Thread th[2];
    pthread_t id[2];
    double t0 = now();
    for (int t = 0; t < P; t++) {
        th[t] = (Thread){.t = t, .u0 = t * N / P, .nu = (t + 1) * N / P - t * N / P};
        pthread_create(&id[t], NULL, run, &th[t]);
    }
    for (int t = 0; t < P; t++)
        pthread_join(id[t], NULL);
    double secs = now() - t0;
    double steps = (double)STEPS * (EPOCHS - 1);
    printf("P=%d: %.2f s for %d epochs of %d steps, last epoch's loss %.4f; per step over the "
           "last %d epochs:\n", P, secs, EPOCHS, STEPS, loss_sum, EPOCHS - 1);
    for (int t = 0; t < P; t++) {
        double total = 0;
        printf("  thread %d:", t);
        for (int k = 0; k < PHASES; k++) {
            printf(" %s %.1f", phase_name[k], phase_secs[t][k] / steps * 1e6);
            total += phase_secs[t][k];
        }
        printf("  = %.1f µs per step\n", total / steps * 1e6);
    }
    return 0;
}
