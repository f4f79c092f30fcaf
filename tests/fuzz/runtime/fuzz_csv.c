/*
 * fuzz_csv.c — CSV examples (runtime/data_csv.c) and CSV time series (data_series.c),
 * through the trainer as the model's csv(...) or series(...) source reads them.
 *
 * Input: cfg0 cfg1 (fz_model_config) cfg2 text
 *   cfg2: bits 0-1 the label column: last (-1), named "label", the first (0), named
 *         "nope"; bit 2 no header line; bit 3 gzip-compressed;
 *         bit 4 a series: inputs "a" and "b" (or "a" alone, for input [4] with bit 5),
 *         target "label", horizon bits 6-7.
 */
#include "fuzz_common.h"

static const char *const series_two[] = {"a", "b"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FzInput in = {data, size};
    uint8_t c0 = fz_byte(&in), c1 = fz_byte(&in), c2 = fz_byte(&in);
    size_t n;
    const uint8_t *text = fz_take(&in, SIZE_MAX, &n);
    FzModel fm;
    fz_model_config(&fm, c0, c1);
    NnrtDataSource *src = fz_source(&fm);
    bool gz = c2 & 8;
    const char *path = fz_path(gz ? "data.csv.gz" : "data.csv");
    if (gz)
        fz_write_gz(path, text, n, 1);
    else
        fz_write(path, text, n);
    src->features_path = path;
    if (c2 & 0x10) {
        src->kind = NNRT_DATA_SERIES;
        int64_t size_in = fm.m.input_size; /* 4 or 6 */
        src->n_series_inputs = size_in == 4 && (c2 & 0x20) ? 1 : 2;
        src->series_inputs = series_two;
        src->series_target = "label";
        src->window = (int)(size_in / src->n_series_inputs);
        src->horizon = c2 >> 6;
    } else {
        src->kind = NNRT_DATA_CSV;
        src->csv_header = !(c2 & 4);
        switch (c2 & 3) {
        case 1: src->csv_label = "label"; break;
        case 2: src->csv_label_index = 0; break;
        case 3: src->csv_label = "nope"; break;
        default: src->csv_label_index = -1; break;
        }
    }
    const char *files[] = {path, NULL};
    fz_run_trainer(&fm, files);
    return 0;
}
