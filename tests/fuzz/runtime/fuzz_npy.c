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
    FzPair f = fz_take_pair(&in);
    FzModel fm;
    fz_model_config(&fm, c0, c1);
    const char *xp = fz_path("x.npy"), *yp = fz_path("y.npy");
    fz_write(xp, f.x, f.xn);
    fz_write(yp, f.y, f.yn);
    fz_run_two_files(&fm, NNRT_DATA_NPY, xp, yp);
    return 0;
}
