/*
 * spmd_mlp.c — an experiment, not part of nnlc: what the MLP's 2-thread step would gain
 * if it were one parallel region with a single exchange per step (the design docs/
 * performance.md discusses for machines whose cores are far apart). Each thread owns
 * rows [t·784/P, (t+1)·784/P) of W1: its part of the forward sum, its rows of dW1 and
 * their RMSprop update, all in buffers of its own; the partial sums are exchanged at one
 * barrier; the 100 → 10 layer, the loss gradient and the input gradient run on both
 * threads on private replicas (so W2 never crosses). Plain C loops (-O3 auto-vectorized),
 * so its 1-thread step is slower than nnlc's register-blocked one; synthetic data.
 *
 *   cc -O3 -march=native -ffast-math -pthread bench/spmd_mlp.c -o /tmp/spmd -lm
 *   /tmp/spmd 1; /tmp/spmd 2      # seconds for one epoch of 1,875 steps of 32 examples
 *   /tmp/spmd 2 alone             # control: the same work with nothing exchanged (no
 *                                 # barriers, each thread sums only its own part; wrong
 *                                 # numbers, the ceiling of what 2 threads could gain)
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
enum { B = 32, K = 784, N = 100, C = 10, STEPS = 1875 };
typedef struct { float *x, *W1, *v1, *partial, *y, *dz, *W2, *b1, *b2, *v2, *vb1, *vb2, *z2, *dz2; } Priv;
static float *X; static int *Yl; static int P;
static int alone; /* the control: no barriers, no partial sums read from the other thread */
static float *partials[2];
static _Atomic int arrive[2][16];
static void barrier(int t, int gen) {
    atomic_store_explicit(&arrive[t][0], gen, memory_order_release);
    for (int u = 0; u < P; u++) if (u != t) while (atomic_load_explicit(&arrive[u][0], memory_order_acquire) < gen) __builtin_ia32_pause();
}
static float *al(size_t n) { float *p = aligned_alloc(64, ((n * 4 + 63) / 64) * 64); memset(p, 0, n * 4); return p; }
typedef struct { int t; double secs; } Arg;
static void *run(void *a_) {
    Arg *a = a_; int t = a->t;
    int k0 = t * K / P, k1 = (t + 1) * K / P, kn = k1 - k0;
    Priv p;
    p.x = al(B * kn); p.W1 = al(kn * N); p.v1 = al(kn * N); p.partial = partials[t];
    p.y = al(B * N); p.dz = al(B * N); p.W2 = al(N * C); p.b1 = al(N); p.b2 = al(C); p.v2 = al(N*C); p.vb1 = al(N); p.vb2 = al(C); p.z2 = al(B*C); p.dz2 = al(B*C);
    for (int i = 0; i < kn * N; i++) p.W1[i] = ((i * 7919 + k0) % 1000) * 1e-4f - 0.05f;
    for (int i = 0; i < N * C; i++) p.W2[i] = ((i * 31) % 1000) * 1e-4f - 0.05f;
    float *dW1 = al(kn * N), *dW2 = al(N * C), *db1 = al(N), *db2 = al(C);
    int gen = 0;
    struct timespec s0, s1; clock_gettime(CLOCK_MONOTONIC, &s0);
    for (int step = 0; step < STEPS; step++) {
        int first = (step * 37) % (10000 - B);
        for (int r = 0; r < B; r++) memcpy(p.x + r * kn, X + (size_t)(first + r) * K + k0, kn * 4);
        // forward partial: partial[r, :] = x[r, k0:k1] . W1[k0:k1, :]
        for (int r = 0; r < B; r++) { float *o = p.partial + r * 112; for (int j = 0; j < N; j++) o[j] = 0;
            for (int i = 0; i < kn; i++) { float xv = p.x[r * kn + i]; const float *w = p.W1 + i * N; for (int j = 0; j < N; j++) o[j] += xv * w[j]; } }
        if (P > 1 && !alone) barrier(t, ++gen);
        // both: y = sigmoid(b1 + sum of parts), in part order
        for (int r = 0; r < B; r++) for (int j = 0; j < N; j++) { float z = p.b1[j]; for (int u = 0; u < P; u++) z += alone ? (u == t ? partials[t][r * 112 + j] : 0) : partials[u][r * 112 + j]; p.y[r * N + j] = 1.f / (1.f + expf(-z)); }
        // small layer forward + softmax CE grad
        for (int r = 0; r < B; r++) { float *z2 = p.z2 + r * C; for (int c = 0; c < C; c++) z2[c] = p.b2[c];
            for (int j = 0; j < N; j++) { float yv = p.y[r * N + j]; for (int c = 0; c < C; c++) z2[c] += yv * p.W2[j * C + c]; }
            float m = z2[0]; for (int c = 1; c < C; c++) m = fmaxf(m, z2[c]); float sum = 0; for (int c = 0; c < C; c++) { z2[c] = expf(z2[c] - m); sum += z2[c]; }
            for (int c = 0; c < C; c++) p.dz2[r * C + c] = (z2[c] / sum - (c == Yl[first + r])) / B; }
        // dA = dz2 W2^T, dz = dA * y(1-y)
        for (int r = 0; r < B; r++) for (int j = 0; j < N; j++) { float s = 0; for (int c = 0; c < C; c++) s += p.dz2[r * C + c] * p.W2[j * C + c]; float yv = p.y[r * N + j]; p.dz[r * N + j] = s * yv * (1 - yv); }
        // dW2, db2, db1 (replicated)
        memset(dW2, 0, N * C * 4); memset(db2, 0, C * 4); memset(db1, 0, N * 4);
        for (int r = 0; r < B; r++) { for (int j = 0; j < N; j++) { float yv = p.y[r * N + j]; for (int c = 0; c < C; c++) dW2[j * C + c] += yv * p.dz2[r * C + c]; db1[j] += p.dz[r * N + j]; } for (int c = 0; c < C; c++) db2[c] += p.dz2[r * C + c]; }
        // dW1 own rows: dW1[i, :] = sum_r x[r, i] dz[r, :]
        for (int i = 0; i < kn; i++) { float *d = dW1 + i * N; for (int j = 0; j < N; j++) d[j] = 0; for (int r = 0; r < B; r++) { float xv = p.x[r * kn + i]; const float *g = p.dz + r * N; for (int j = 0; j < N; j++) d[j] += xv * g[j]; } }
        // RMSprop: own W1 rows, replicated small tensors
        for (int i = 0; i < kn * N; i++) { float g = dW1[i]; float v = 0.9f * p.v1[i] + 0.1f * g * g; p.v1[i] = v; p.W1[i] -= 1e-3f * g / sqrtf(v + 1e-7f); }
        for (int i = 0; i < N * C; i++) { float g = dW2[i]; float v = 0.9f * p.v2[i] + 0.1f * g * g; p.v2[i] = v; p.W2[i] -= 1e-3f * g / sqrtf(v + 1e-7f); }
        for (int i = 0; i < N; i++) { float g = db1[i]; float v = 0.9f * p.vb1[i] + 0.1f * g * g; p.vb1[i] = v; p.b1[i] -= 1e-3f * g / sqrtf(v + 1e-7f); }
        for (int i = 0; i < C; i++) { float g = db2[i]; float v = 0.9f * p.vb2[i] + 0.1f * g * g; p.vb2[i] = v; p.b2[i] -= 1e-3f * g / sqrtf(v + 1e-7f); }
        if (P > 1 && !alone) barrier(t, ++gen); // the partials may be rewritten next step only after both read them
    }
    clock_gettime(CLOCK_MONOTONIC, &s1);
    a->secs = (s1.tv_sec - s0.tv_sec) + (s1.tv_nsec - s0.tv_nsec) * 1e-9;
    return NULL;
}
int main(int argc, char **argv) {
    P = argc > 1 ? atoi(argv[1]) : 1;
    alone = argc > 2 && strcmp(argv[2], "alone") == 0;
    X = al((size_t)10000 * K); Yl = malloc(10000 * sizeof(int));
    for (size_t i = 0; i < (size_t)10000 * K; i++) X[i] = ((i * 2654435761u) >> 24) / 255.f;
    for (int i = 0; i < 10000; i++) Yl[i] = i % 10;
    for (int u = 0; u < P; u++) partials[u] = al(B * 112 + 64);
    pthread_t th[2]; Arg a[2];
    for (int u = 0; u < P; u++) { a[u].t = u; pthread_create(&th[u], NULL, run, &a[u]); }
    for (int u = 0; u < P; u++) pthread_join(th[u], NULL);
    printf("P=%d: %.4f s per 1875 steps (%.1f us/step)\n", P, a[0].secs, a[0].secs / STEPS * 1e6);
    return 0;
}
