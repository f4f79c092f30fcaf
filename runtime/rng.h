/*
 * rng.h — the runtime's only source of randomness: xoshiro256** seeded through
 * splitmix64, plus uniform, bounded, normal and truncated-normal draws.
 *
 * Every random stream is derived from (seed, stream, index) instead of being carried
 * from one epoch to the next. That is what makes --resume exact: the shuffle order,
 * dropout noise and augmentation of epoch e depend only on the seed and e.
 */
#ifndef NNRT_RNG_H
#define NNRT_RNG_H

#include <stdint.h>

typedef struct Rng {
    uint64_t s[4];
} Rng;

/* Stream identifiers: one per consumer, so adding draws to one never shifts another. */
enum {
    RNG_INIT = 1,      /* index = tensor number */
    RNG_SHUFFLE = 2,   /* index = epoch */
    RNG_NOISE = 3,     /* index = epoch: dropout noise */
    RNG_AUGMENT = 4,   /* index = epoch */
    RNG_SPLIT = 5,     /* index = 0: split_train/val/test shuffle */
    RNG_GRADCHECK = 6, /* index = 0: fixed noise and element sample */
    RNG_INIT_SEEDED = 7, /* index = 0, with an initializer's own seed= for the seed */
    RNG_NOISE_SEEDED = 8, /* index = epoch, with a dropout layer's own seed= for the seed */
};

void nnrt_rng_seed(Rng *r, uint64_t seed, uint64_t stream, uint64_t index);
uint64_t nnrt_rng_next(Rng *r);
double nnrt_rng_uniform(Rng *r);          /* [0, 1), 53 random bits */
float nnrt_rng_uniformf(Rng *r);          /* [0, 1), 24 random bits */
void nnrt_rng_fill_uniformf(Rng *r, float *out, int64_t n); /* n of them, faster; 4 draws of r (none for n = 0) */
uint64_t nnrt_rng_below(Rng *r, uint64_t n); /* unbiased, [0, n), n > 0 */
double nnrt_rng_normal(Rng *r);           /* N(0, 1) */
double nnrt_rng_truncated_normal(Rng *r); /* N(0, 1) redrawn until |z| <= 2 */
void nnrt_rng_shuffle(Rng *r, int64_t *a, int64_t n); /* Fisher-Yates */

#endif
