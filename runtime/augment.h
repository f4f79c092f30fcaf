/*
 * augment.h — random image augmentation applied to training batches only: flips,
 * translation and rotation (one bilinear resampling with Keras' default "reflect"
 * fill), then Gaussian noise. Images are (H, W, C) row-major; an input of rank 2 is
 * (H, W) with C = 1. The caller supplies the Rng, so the draws are reproducible from
 * (seed, epoch) like everything else.
 */
#ifndef NNRT_AUGMENT_H
#define NNRT_AUGMENT_H

#include "nnrt.h"
#include "rng.h"
#include "util.h"

#include <stdbool.h>

typedef struct Augmenter {
    NnrtAugment cfg;
    int64_t H, W, C;
    bool geometric;    /* shift or rotation: needs resampling */
    float *tmp;        /* (H, W, C) scratch, allocated once */
} Augmenter;

/* Fails if the model asks for flips, shifts or rotations of a non-image input. */
bool nnrt_augment_init(Augmenter *a, const NnrtModel *m, NnrtError *err);
void nnrt_augment_free(Augmenter *a);
bool nnrt_augment_active(const Augmenter *a);
/* Augments one example in place. */
void nnrt_augment_apply(Augmenter *a, float *img, Rng *rng);
/* One given geometric transform: translation (dy, dx) in pixels, rotation in radians
 * (counter-clockwise as displayed, rows growing downwards). Exposed for tests. */
void nnrt_augment_transform(Augmenter *a, float *img, double dy, double dx, double angle);

#endif
