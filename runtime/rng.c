/*
 * rng.c — xoshiro256** (Blackman & Vigna, 2018), seeded by splitmix64 so that nearby
 * seeds give unrelated states. Normals use Box-Muller without caching the second
 * value, which keeps the number of draws per call fixed and the streams easy to reason
 * about.
 */
#include "rng.h"

#include <math.h>

#define TWO_PI 6.28318530717958647692 /* M_PI is not in strict C11 */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void nnrt_rng_seed(Rng *r, uint64_t seed, uint64_t stream, uint64_t index) {
    /* Mix the three words one after another so (1, 2, 3) and (3, 2, 1) differ. */
    uint64_t x = seed;
    uint64_t h = splitmix64(&x);
    x = h ^ (stream * 0xd1b54a32d192ed03ULL);
    h = splitmix64(&x);
    x = h ^ (index * 0x8cb92ba72f3d8dd7ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t nnrt_rng_next(Rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double nnrt_rng_uniform(Rng *r) { return (double)(nnrt_rng_next(r) >> 11) * 0x1.0p-53; }

/* Four generators seeded from r's next four draws, interleaved, each draw giving two
 * floats (its top 24 bits and the 24 below them): the four chains of xoshiro's steps
 * overlap in the core, where one chain's steps wait for each other. A batch of dropout
 * noise (2 × 512 values per example of a 784-512-512-10 MLP) took 6% of its 1-thread
 * epoch drawn one value per call. */
enum { FILL_LANES = 4 };

void nnrt_rng_fill_uniformf(Rng *r, float *out, int64_t n) {
    if (n <= 0)
        return;
    Rng lane[FILL_LANES];
    for (int k = 0; k < FILL_LANES; k++) {
        uint64_t x = nnrt_rng_next(r);
        for (int i = 0; i < 4; i++)
            lane[k].s[i] = splitmix64(&x);
    }
    int64_t i = 0;
    for (; i + 2 * FILL_LANES <= n; i += 2 * FILL_LANES)
        for (int k = 0; k < FILL_LANES; k++) {
            uint64_t x = nnrt_rng_next(&lane[k]);
            out[i + 2 * k] = (float)(x >> 40) * 0x1.0p-24f;
            out[i + 2 * k + 1] = (float)((x >> 16) & 0xffffff) * 0x1.0p-24f;
        }
    for (; i < n; i++)
        out[i] = nnrt_rng_uniformf(&lane[0]);
}

float nnrt_rng_uniformf(Rng *r) { return (float)(nnrt_rng_next(r) >> 40) * 0x1.0p-24f; }

uint64_t nnrt_rng_below(Rng *r, uint64_t n) {
    /* Reject the top sliver of the 64-bit range that would make `% n` biased. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = nnrt_rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

double nnrt_rng_normal(Rng *r) {
    double u1 = 1.0 - nnrt_rng_uniform(r); /* (0, 1]: log stays finite */
    double u2 = nnrt_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
}

double nnrt_rng_truncated_normal(Rng *r) {
    for (;;) {
        double z = nnrt_rng_normal(r);
        if (fabs(z) <= 2.0)
            return z;
    }
}

void nnrt_rng_shuffle(Rng *r, int64_t *a, int64_t n) {
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)nnrt_rng_below(r, (uint64_t)i + 1);
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
