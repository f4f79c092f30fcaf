/*
 * init.h — weight initialization per NnrtTensor.init, with Keras' semantics.
 */
#ifndef NNRT_INIT_H
#define NNRT_INIT_H

#include "nnrt.h"
#include "util.h"

/* Fills every tensor (trainable or not) of params. Tensor i draws from the stream
 * (seed, RNG_INIT, i), so its values do not depend on the other tensors; one whose
 * initializer has its own seed (init_options.seeded) from (that seed, RNG_INIT_SEEDED, 0),
 * so its values depend only on that seed, its initializer and its shape, as Keras' seed=.
 * Fails only on an inconsistent tensor description (a fan of 0 for a fan-based init,
 * options out of their range, identity on a tensor that is not 2-D). */
bool nnrt_init_params(const NnrtModel *m, void *params, uint64_t seed, NnrtError *err);

/* The name of an NnrtInit value ("glorot_uniform"), for messages and --help. */
const char *nnrt_init_name(int init);

#endif
