/*
 * augment.c — see augment.h. Each image consumes its random draws in a fixed order
 * (flip h, flip v, shift y, shift x, angle, then one normal per value), so an image's
 * augmentation depends only on the stream position, never on the thread count.
 *
 * Geometry: the output pixel at (r, c) samples the input at the point obtained by
 * undoing the translation and rotating back about the image centre. With y = r - cy - dy
 * and x = c - cx - dx (rows grow downwards, so a counter-clockwise turn on screen is
 * clockwise in (r, c)):
 *   r' = cy + y cos(angle) + x sin(angle),   c' = cx + x cos(angle) - y sin(angle)
 * Sampling is bilinear; points outside the image are reflected back in
 * ("d c b a | a b c d | d c b a"), which is Keras' default fill_mode.
 */
#include "augment.h"

#include <math.h>
#include <string.h>

#define DEG_TO_RAD 0.017453292519943295

bool nnrt_augment_init(Augmenter *a, const NnrtModel *m, NnrtError *err) {
    memset(a, 0, sizeof *a);
    a->cfg = m->augment;
    a->geometric = a->cfg.shift > 0 || a->cfg.rotation > 0;
    bool spatial = a->geometric || a->cfg.flip_horizontal || a->cfg.flip_vertical;
    if (spatial && (m->input_rank < 2 || m->input_rank > 3))
        return nnrt_fail(err, "image augmentation (flips, shifts, rotations) needs an (H, W) or "
                         "(H, W, C) input, but the model input has rank %d", m->input_rank);
    /* Noise alone works on any input: treat it as one row of input_size values. */
    bool image = m->input_rank == 2 || m->input_rank == 3;
    a->H = image ? m->input_dims[0] : 1;
    a->W = image ? m->input_dims[1] : m->input_size;
    a->C = m->input_rank == 3 ? m->input_dims[2] : 1;
    a->tmp = nnrt_alloc(sizeof(float) * (size_t)(a->H * a->W * a->C));
    return true;
}

void nnrt_augment_free(Augmenter *a) {
    nnrt_free(a->tmp);
    a->tmp = NULL;
}

bool nnrt_augment_active(const Augmenter *a) {
    return a->geometric || a->cfg.flip_horizontal || a->cfg.flip_vertical || a->cfg.noise > 0;
}

/* Index k folded into [0, n) by symmetric reflection. */
static int64_t reflect(int64_t k, int64_t n) {
    if (n == 1)
        return 0;
    int64_t period = 2 * n;
    k %= period;
    if (k < 0)
        k += period;
    return k < n ? k : period - 1 - k;
}

/* Bilinear sample of channel c at real coordinates (y, x). */
static float sample(const Augmenter *a, const float *img, double y, double x, int64_t c) {
    double fy = floor(y), fx = floor(x);
    double wy = y - fy, wx = x - fx;
    int64_t y0 = reflect((int64_t)fy, a->H), y1 = reflect((int64_t)fy + 1, a->H);
    int64_t x0 = reflect((int64_t)fx, a->W), x1 = reflect((int64_t)fx + 1, a->W);
    const int64_t W = a->W, C = a->C;
    double top = img[(y0 * W + x0) * C + c] * (1 - wx) + img[(y0 * W + x1) * C + c] * wx;
    double bot = img[(y1 * W + x0) * C + c] * (1 - wx) + img[(y1 * W + x1) * C + c] * wx;
    return (float)(top * (1 - wy) + bot * wy);
}

static void flip(Augmenter *a, float *img, bool horizontal) {
    const int64_t H = a->H, W = a->W, C = a->C;
    memcpy(a->tmp, img, sizeof(float) * (size_t)(H * W * C));
    for (int64_t r = 0; r < H; r++)
        for (int64_t col = 0; col < W; col++) {
            int64_t sr = horizontal ? r : H - 1 - r, sc = horizontal ? W - 1 - col : col;
            memcpy(img + (r * W + col) * C, a->tmp + (sr * W + sc) * C, sizeof(float) * (size_t)C);
        }
}

void nnrt_augment_transform(Augmenter *a, float *img, double dy, double dx, double angle) {
    const int64_t H = a->H, W = a->W, C = a->C;
    double cy = (double)(H - 1) / 2, cx = (double)(W - 1) / 2;
    double cs = cos(angle), sn = sin(angle);
    memcpy(a->tmp, img, sizeof(float) * (size_t)(H * W * C));
    for (int64_t r = 0; r < H; r++)
        for (int64_t col = 0; col < W; col++) {
            double y = (double)r - cy - dy, x = (double)col - cx - dx;
            double sy = cs * y + sn * x + cy, sx = cs * x - sn * y + cx;
            for (int64_t c = 0; c < C; c++)
                img[(r * W + col) * C + c] = sample(a, a->tmp, sy, sx, c);
        }
}

void nnrt_augment_apply(Augmenter *a, float *img, Rng *rng) {
    const NnrtAugment *g = &a->cfg;
    if (g->flip_horizontal && nnrt_rng_uniform(rng) < 0.5)
        flip(a, img, true);
    if (g->flip_vertical && nnrt_rng_uniform(rng) < 0.5)
        flip(a, img, false);
    if (a->geometric) {
        /* Keras RandomTranslation/RandomRotation: uniform in [-factor, factor]. */
        double dy = (2 * nnrt_rng_uniform(rng) - 1) * g->shift * (double)a->H;
        double dx = (2 * nnrt_rng_uniform(rng) - 1) * g->shift * (double)a->W;
        double angle = (2 * nnrt_rng_uniform(rng) - 1) * g->rotation * DEG_TO_RAD;
        nnrt_augment_transform(a, img, dy, dx, angle);
    }
    if (g->noise > 0) {
        int64_t n = a->H * a->W * a->C;
        for (int64_t i = 0; i < n; i++)
            img[i] += (float)(g->noise * nnrt_rng_normal(rng));
    }
}
