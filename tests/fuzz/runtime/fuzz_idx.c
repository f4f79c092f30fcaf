/*
 * fuzz_idx.c — IDX images and labels (runtime/data_idx.c, data_io.c), through the
 * trainer as `--data IMAGES LABELS` reads them. Built twice: fuzz_idx writes the two
 * files as the input gives them; fuzz_idx_gz (-DFUZZ_GZ) gzip-compresses them first (so
 * that the fuzzer's changes reach the IDX reader through zlib), in one or two members,
 * and may cut the compressed file short, damage a byte or forge its size trailer.
 *
 * Input: cfg0 cfg1 (fz_model_config) [gz] len_lo len_hi images[len] labels[rest]
 *   gz: bit 0 compress the images, bit 1 the labels, bit 2 two gzip members,
 *       bits 4-5 what then happens to the compressed images: nothing, cut short by
 *       1 + (gz >> 6) * 7 bytes, the ISIZE trailer set to 0xffffffff, the middle byte
 *       inverted.
 */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>

#ifdef FUZZ_GZ
static void damage(const char *path, uint8_t gz) {
    size_t n;
    uint8_t *b = fz_read(path, &n);
    switch (gz >> 4 & 3) {
    case 1: {
        size_t cut = 1 + (size_t)(gz >> 6) * 7;
        n = cut < n ? n - cut : 0;
        break;
    }
    case 2:
        if (n >= 4)
            memset(b + n - 4, 0xff, 4);
        break;
    case 3:
        if (n > 0)
            b[n / 2] ^= 0xff;
        break;
    default: break;
    }
    fz_write(path, b, n);
    free(b);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FzInput in = {data, size};
    uint8_t c0 = fz_byte(&in), c1 = fz_byte(&in);
#ifdef FUZZ_GZ
    uint8_t gz = fz_byte(&in);
#endif
    FzPair f = fz_take_pair(&in);
    FzModel fm;
    fz_model_config(&fm, c0, c1);
#ifdef FUZZ_GZ
    const char *xp = fz_path("images-idx3-ubyte.gz"), *yp = fz_path("labels-idx1-ubyte.gz");
    if (gz & 1) {
        fz_write_gz(xp, f.x, f.xn, gz & 4 ? 2 : 1);
        damage(xp, gz);
    } else {
        fz_write(xp, f.x, f.xn);
    }
    if (gz & 2)
        fz_write_gz(yp, f.y, f.yn, 1);
    else
        fz_write(yp, f.y, f.yn);
#else
    const char *xp = fz_path("images-idx3-ubyte"), *yp = fz_path("labels-idx1-ubyte");
    fz_write(xp, f.x, f.xn);
    fz_write(yp, f.y, f.yn);
#endif
    fz_run_two_files(&fm, NNRT_DATA_IDX, xp, yp);
    return 0;
}
