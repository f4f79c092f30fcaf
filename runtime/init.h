/*
 * init.h — weight initialization per NnrtTensor.init, with Keras' semantics.
 */
#ifndef NNRT_INIT_H
#define NNRT_INIT_H

#include "nnrt.h"
#include "util.h"

/* Fills every tensor (trainable or not) of params. Tensor i draws from the stream
 * (seed, RNG_INIT, i), so its values do not depend on the other tensors. Fails only on
 * an inconsistent tensor description (a fan of 0 for a fan-based init). */
bool nnrt_init_params(const NnrtModel *m, void *params, uint64_t seed, NnrtError *err);

/* The name of an NnrtInit value ("glorot_uniform"), for messages and --help. */
const char *nnrt_init_name(int init);

#endif
