/*
 * fuzz_npy.c — NumPy .npy features and labels (runtime/data_npy.c), through the trainer
 * as `--data X.npy Y.npy` reads them.
 *
 * Input: cfg0 cfg1 (fz_model_config) len_lo len_hi x.npy[len] y.npy[rest]
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FzInput in = {data, size};
    uint8_t c0 = fz_byte(&in), c1 = fz_byte(&in);
    size_t xn, yn;
    uint16_t len = fz_u16(&in);
    const uint8_t *x = fz_take(&in, len, &xn);
    const uint8_t *y = fz_take(&in, SIZE_MAX, &yn);
    FzModel fm;
    fz_model_config(&fm, c0, c1);
    const char *xp = fz_path("x.npy"), *yp = fz_path("y.npy");
    fz_write(xp, x, xn);
    fz_write(yp, y, yn);
    fz_run_two_files(&fm, NNRT_DATA_NPY, xp, yp);
    return 0;
}
