/*
 * test_runtime.c — unit tests of libnnrt's modules, without a model object: data
 * readers (IDX plain and .gz, .npy, CSV, series), splits, standardization, the loader,
 * augmentation, metrics, schedules, the thread pool, JSON, safetensors checkpoints and
 * the command line (initializers: test_init.c). Files are written to a fresh temporary
 * directory. Each failed check prints its expression, the expected and the actual value.
 */
#include "checkpoint.h"
#include "check.h"
#include "cli.h"
#include "data.h"
#include "dataset.h"
#include "fixtures.h"
#include "json.h"
#include "loader.h"
#include "metrics.h"
#include "rng.h"
#include "run.h"
#include "schedule.h"
#include "thread_choice.h"
#include "threadpool.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a small model for the modules that need one ---- */

static void noop(NnrtCtx *c) { (void)c; }
static double zero_loss(NnrtCtx *c) { (void)c; return 0; }
static size_t no_work(int64_t b) { (void)b; return 0; }

static const NnrtTensor tensors_a[] = {
    {"dense.W", 2, {4, 3}, 0, 12, 1, NNRT_INIT_GLOROT_UNIFORM, 4, 3, 0, {.seeded = 0}},
    {"dense.b", 1, {3}, 12, 3, 1, NNRT_INIT_ZEROS, 4, 3, 0, {.seeded = 0}},
};
static const NnrtTensor tensors_b[] = { /* same names, other kernel shape */
    {"dense.W", 2, {4, 5}, 0, 20, 1, NNRT_INIT_GLOROT_UNIFORM, 4, 5, 0, {.seeded = 0}},
    {"dense.b", 1, {3}, 20, 3, 1, NNRT_INIT_ZEROS, 4, 3, 0, {.seeded = 0}},
};

static NnrtModel make_model(int elem_size) {
    NnrtModel m = {
        .abi_version = NNRT_ABI_VERSION, .name = "tiny", .source = "tiny.nn",
        .fingerprint = 0x1234, .elem_size = elem_size,
        .input_rank = 3, .input_dims = {2, 2, 1}, .input_size = 4,
        .n_outputs = 3, .task = NNRT_TASK_CLASSIFY, .loss = NNRT_LOSS_SPARSE_CATEGORICAL_CE,
        .n_classes = 3, .tensors = tensors_a, .n_tensors = 2, .param_size = 15,
        .opt_state_size = 30, .work_size = no_work, .forward = noop, .loss_fn = zero_loss,
        .backward = noop, .update = noop, .optimizer = "adam", .lr = 0.001, .epochs = 1,
        .batch = 4, .seed = 7, .shuffle = 1, .verbose = 1,
    };
    return m;
}

/* ---- IDX ---- */

static void write_tiny_idx(const char *images, const char *labels, bool gz, uint8_t bad_label) {
    uint8_t px[5 * 4], lab[5] = {0, 1, 2, 0, bad_label};
    for (int i = 0; i < 20; i++)
        px[i] = (uint8_t)(i * 10);
    int dims[] = {5, 2, 2}, ldims[] = {5};
    fx_idx_u8(images, px, dims, 3, gz);
    fx_idx_u8(labels, lab, ldims, 1, gz);
}

static void test_idx(bool gz) {
    NnrtModel m = make_model(4);
    ClassVocab v = {0};
    DataSpec spec = fx_spec(&m, &v);
    const char *img = tmp(gz ? "i.idx.gz" : "i.idx"), *lab = tmp(gz ? "l.idx.gz" : "l.idx");
    write_tiny_idx(img, lab, gz, 1);
    NnrtDataSource src = {.kind = NNRT_DATA_IDX, .features_path = img, .labels_path = lab, .scale = 0.5};
    Table t;
    NnrtError err = {0};
    ASSERT_TRUE(nnrt_read_source(&src, &spec, &t, &err));
    ASSERT(5, t.n);
    ASSERT(4, t.dim);
    ASSERT(1, t.ydim);
    ASSERT_NEAR(10 * 0.5, t.x[1], 1e-6);   /* pixel 1 = 10, scaled by 0.5 */
    ASSERT_NEAR(130 * 0.5, t.x[13], 1e-6); /* pixel 13 = 130, scaled */
    ASSERT_NEAR(2, t.y[2], 0);
    nnrt_table_free(&t);
    spec.limit = 2;
    ASSERT_TRUE(nnrt_read_source(&src, &spec, &t, &err));
    ASSERT(2, t.n);
    nnrt_table_free(&t);

    /* Kept as bytes (nothing standardizes them): the same values, and a loader gives the
     * same batches as from the float table. */
    Table f, b;
    spec.limit = 0;
    src.shift = -1;
    ASSERT_TRUE(nnrt_read_source(&src, &spec, &f, &err));
    spec.keep_bytes = true;
    ASSERT_TRUE(nnrt_read_source(&src, &spec, &b, &err));
    ASSERT_TRUE(f.x && !f.x8 && b.x8 && !b.x);
    int same = 1;
    for (int64_t i = 0; i < f.n * f.dim; i++)
        same &= nnrt_table_value(&f, i) == nnrt_table_value(&b, i) &&
                f.x[i] == (float)i * 10 * 0.5f - 1;
    ASSERT_TRUE(same);
    Dataset df = nnrt_dataset_view("training", &f, img, 0, f.n);
    Dataset db = nnrt_dataset_view("training", &b, img, 0, b.n);
    DataLoader lf, lb;
    nnrt_loader_init(&lf, &df, &m, 2, true, NULL, 3);
    nnrt_loader_init(&lb, &db, &m, 2, true, NULL, 3);
    int64_t rows;
    while ((rows = nnrt_loader_next(&lf)) > 0) {
        ASSERT(rows, nnrt_loader_next(&lb));
        ASSERT_TRUE(memcmp(lf.x, lb.x, sizeof(float) * (size_t)(rows * f.dim)) == 0);
    }
    nnrt_loader_free(&lf);
    nnrt_loader_free(&lb);
    nnrt_table_free(&f);
    nnrt_table_free(&b);
}

static void test_idx_errors(void) {
    NnrtModel m = make_model(4);
    ClassVocab v = {0};
    DataSpec spec = fx_spec(&m, &v);
    const char *img = tmp("e.idx"), *lab = tmp("el.idx");
    write_tiny_idx(img, lab, false, 3); /* label 3 with 3 classes */
    NnrtDataSource src = {.kind = NNRT_DATA_IDX, .features_path = img, .labels_path = lab, .scale = 1};
    Table t;
    NnrtError err = {0};
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "el.idx: byte 12 (example 5): label 3 is not a class index 0..2");
    /* truncated: the header promises 5 images of 2x2, 7 bytes follow */
    uint8_t trunc[16 + 7] = {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 2};
    fx_write(tmp("t.idx.gz"), trunc, sizeof trunc, true);
    src.features_path = tmp("t.idx.gz");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "t.idx.gz: byte 16: expected 20 bytes of pixels (5 examples of 2x2), "
                             "the file ends after 7");
    fx_write(tmp("m.idx"), "\x00\x00\x07\x03zzzzzzzzzzzz", 16, false);
    src.features_path = tmp("m.idx");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "m.idx: byte 0: not an IDX file");
    ASSERT_CONTAINS(err.msg, "found 00 00 07 03");
    /* type 0A, inside the range the message gave (08..0E), is none of IDX's */
    fx_write(tmp("m.idx"), "\x00\x00\x0a\x03zzzzzzzzzzzz", 16, false);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "m.idx: byte 0: not an IDX file: expected magic 00 00 TT ND (TT = 08, "
                             "09 or 0B..0E, ND >= 1), found 00 00 0a 03");
}

/* ---- .npy ---- */

static void test_npy(void) {
    NnrtModel m = make_model(4);
    ClassVocab v = {0};
    DataSpec spec = fx_spec(&m, &v);
    float x4[3 * 4];
    double x8[3 * 4];
    for (int i = 0; i < 12; i++)
        x4[i] = (float)(x8[i] = i * 0.25);
    int64_t y[3] = {2, 0, 1}, shape[] = {3, 2, 2}, flat[] = {3, 4}, yshape[] = {3};
    fx_npy(tmp("x4.npy"), "<f4", shape, 3, x4, sizeof x4);
    fx_npy(tmp("x8.npy"), "<f8", flat, 2, x8, sizeof x8);
    fx_npy(tmp("y.npy"), "<i8", yshape, 1, y, sizeof y);
    NnrtDataSource src = {.kind = NNRT_DATA_NPY, .features_path = tmp("x4.npy"),
                          .labels_path = tmp("y.npy"), .scale = 1};
    Table t;
    NnrtError err = {0};
    for (int k = 0; k < 2; k++) {
        src.features_path = tmp(k ? "x8.npy" : "x4.npy");
        bool ok = nnrt_read_source(&src, &spec, &t, &err);
        check(ok, "nnrt_read_source(npy)", __FILE__, __LINE__, "%s", err.msg);
        if (!ok)
            continue;
        ASSERT(3, t.n);
        ASSERT_NEAR(11 * 0.25, t.x[11], 0);
        ASSERT_NEAR(1, t.y[2], 0);
        nnrt_table_free(&t);
    }
    /* float16, either byte order, converted exactly: zeros, subnormals (the smallest,
     * 2^-24, and the largest), the smallest normal, 1/3 rounded, the largest (65504) */
    static const uint16_t half[12] = {0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00,
                                      0x3555, 0x7bff, 0xfbff, 0xc000, 0x8001, 0x5640};
    const double want[12] = {0, -0.0, ldexp(1, -24), ldexp(1023, -24), ldexp(1, -14), 1,
                             0.333251953125, 65504, -65504, -2, -ldexp(1, -24), 100};
    uint8_t swapped[24];
    for (int i = 0; i < 12; i++)
        swapped[2 * i] = (uint8_t)(half[i] >> 8), swapped[2 * i + 1] = (uint8_t)half[i];
    /* tmp() reuses 8 buffers: these paths are kept */
    char x2_path[512], x2be_path[512], y_path[512], y2_path[512];
    snprintf(x2_path, sizeof x2_path, "%s", tmp("x2.npy"));
    snprintf(x2be_path, sizeof x2be_path, "%s", tmp("x2be.npy"));
    snprintf(y_path, sizeof y_path, "%s", tmp("y.npy"));
    snprintf(y2_path, sizeof y2_path, "%s", tmp("y2.npy"));
    src.labels_path = y_path;
    fx_npy(x2_path, "<f2", flat, 2, half, sizeof half);
    fx_npy(x2be_path, ">f2", flat, 2, swapped, sizeof swapped);
    for (int k = 0; k < 2; k++) {
        src.features_path = k ? x2be_path : x2_path;
        bool ok = nnrt_read_source(&src, &spec, &t, &err);
        check(ok, "nnrt_read_source(npy <f2)", __FILE__, __LINE__, "%s", err.msg);
        if (!ok)
            continue;
        for (int i = 0; i < 12; i++) {
            ASSERT_NEAR(want[i], t.x[i], 0);
            ASSERT_TRUE(!signbit(t.x[i]) == !signbit(want[i]));
        }
        nnrt_table_free(&t);
    }
    /* an infinity or NaN gets a float32 file's error, in features and in labels, naming
     * its byte (128 + 6 values of 2 bytes) */
    static const struct {
        uint16_t bits;
        const char *msg;
    } bad16[] = {{0x7c00, "x2.npy: byte 140 (example 2, value 3): infinity; the data must be finite"},
                 {0xfc00, "x2.npy: byte 140 (example 2, value 3): infinity; the data must be finite"},
                 {0x7e00, "x2.npy: byte 140 (example 2, value 3): NaN; the data must be finite"},
                 {0xfd01, "x2.npy: byte 140 (example 2, value 3): NaN; the data must be finite"}};
    for (size_t i = 0; i < sizeof bad16 / sizeof bad16[0]; i++) {
        uint16_t x2[12];
        memcpy(x2, half, sizeof x2);
        x2[6] = bad16[i].bits;
        fx_npy(x2_path, "<f2", flat, 2, x2, sizeof x2);
        src.features_path = x2_path;
        ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
        ASSERT_CONTAINS(err.msg, bad16[i].msg);
    }
    uint16_t y2[3] = {0x4000, 0x7e00, 0x3c00}; /* 2, NaN, 1 */
    fx_npy(x2_path, "<f2", flat, 2, half, sizeof half);
    fx_npy(y2_path, "<f2", yshape, 1, y2, sizeof y2);
    src.labels_path = y2_path;
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "y2.npy: byte 130 (example 2): label NaN is not a number");
    y2[1] = 0x3c01; /* 1.0009765625: shown as numpy prints the float16 (before: float32's
                     * digits, 1.0009766) */
    fx_npy(y2_path, "<f2", yshape, 1, y2, sizeof y2);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "y2.npy: byte 130 (example 2): label 1.001 is not an integer");
    y2[1] = 0x57d0; /* 125.0 and 0x0001 (2^-24, the smallest subnormal): as numpy prints them */
    fx_npy(y2_path, "<f2", yshape, 1, y2, sizeof y2);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "y2.npy: byte 130 (example 2): label 125 is not a class index");
    y2[1] = 0x0001;
    fx_npy(y2_path, "<f2", yshape, 1, y2, sizeof y2);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "y2.npy: byte 130 (example 2): label 6e-08 is not an integer");
    y2[1] = 0x0000;
    fx_npy(y2_path, "<f2", yshape, 1, y2, sizeof y2);
    ASSERT_TRUE(nnrt_read_source(&src, &spec, &t, &err));
    if (t.y)
        ASSERT_NEAR(2, t.y[0], 0);
    nnrt_table_free(&t);
    src.labels_path = y_path;
    /* a 1-D features array: one value per example, said so (before: "gives 1 values per
     * example"), with the way to one example when it holds the input's 4 values */
    int64_t one_d[] = {4}, one_d3[] = {3};
    fx_npy(tmp("x1d.npy"), "<f4", one_d, 1, x4, 16);
    src.features_path = tmp("x1d.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "x1d.npy: byte 10: shape (4,) gives 1 value per example, but the "
                             "model input (2, 2, 1) has 4 (a 1-D array is one value per example; "
                             "one example of the model's input is x.reshape(1, -1))");
    fx_npy(tmp("x1d.npy"), "<i8", one_d3, 1, y, sizeof y);
    src.features_path = tmp("x1d.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "x1d.npy: byte 10: shape (3,) gives 1 value per example, but the "
                             "model input (2, 2, 1) has 4 (a 1-D array is one value per example: "
                             "a labels file?)");
    /* an IDX file of 1 byte: "1 byte" */
    fx_write(tmp("one.idx"), "\x1f", 1, false);
    NnrtDataSource one = {.kind = NNRT_DATA_IDX, .features_path = tmp("one.idx"), .scale = 1,
                          .labels_path = tmp("one.idx")};
    ASSERT_TRUE(!nnrt_read_source(&one, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "one.idx: byte 0: expected a 4-byte IDX magic number, the file has 1 "
                             "byte");
    ASSERT_TRUE(!strstr(err.msg, "1 bytes"));
    int64_t bad_shape[] = {3, 5};
    fx_npy(tmp("x5.npy"), "<f4", bad_shape, 2, x4, sizeof x4);
    src.features_path = tmp("x5.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "shape (3, 5) gives 5 values per example, but the model input (2, 2, 1) has 4");
    fx_write(tmp("h.npy"), "\x93NUMPY\x01\x00\x10\x00{'descr': 'zz'}", 26, false);
    src.features_path = tmp("h.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "h.npy: byte 10: the header lacks 'fortran_order'");
    /* A file in another format than its name says is named for what it is (before: only
     * the magic expected); a .npy file cut inside its first 10 bytes is cut, not other. */
    fx_write(tmp("cut.npy"), "\x93NUMPY\x01\x00", 8, false);
    src.features_path = tmp("cut.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "cut.npy: byte 8: the file ends inside the .npy header's first 10 "
                             "bytes");
    fx_write(tmp("zip.npy"), "PK\x03\x04zzzzzzzzzzzzzz", 18, false);
    src.features_path = tmp("zip.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "zip.npy: byte 0: not a .npy file: expected the magic \\x93NUMPY; "
                             "the file is a ZIP archive (NumPy's np.savez writes .npz ones): save "
                             "each array with np.save(\"x.npy\", x)");
    /* image files (photos given as data): "not an IDX file … found 89 50 4e 47" said
     * nothing of what to do */
    fx_write(tmp("photo.png"), "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, false);
    NnrtDataSource png = {.kind = NNRT_DATA_IDX, .features_path = tmp("photo.png"), .scale = 1,
                          .labels_path = tmp("photo.png")};
    ASSERT_TRUE(!nnrt_read_source(&png, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "photo.png: byte 0: not an IDX file: expected magic 00 00 TT ND (TT "
                             "= 08, 09 or 0B..0E, ND >= 1), found 89 50 4e 47; the file is a PNG "
                             "image, and nnlc reads arrays, not image files: load the images into "
                             "one array of shape (N, height, width, channels)");
    fx_write(tmp("photo.npy"), "\xff\xd8\xff\xe0\0\x10JFIF\0\0\0\0", 14, false);
    src.features_path = tmp("photo.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "photo.npy: byte 0: not a .npy file: expected the magic \\x93NUMPY; "
                             "the file is a JPEG image, and nnlc reads arrays");
    src.features_path = tmp("x4.npy");
    src.labels_path = tmp("y.idx"); /* IDX labels for .npy features: read as .npy */
    uint8_t y8[3] = {2, 0, 1};
    int ydims[] = {3};
    fx_idx_u8(tmp("y.idx"), y8, ydims, 1, false);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "y.idx: byte 0: not a .npy file: expected the magic \\x93NUMPY; the "
                             "file looks like IDX (the MNIST format): a data source's format "
                             "follows its features file's name (.npy, .csv, else IDX; a pipe's "
                             "is the model's), and its "
                             "labels file is read in that format");
    NnrtDataSource idx = {.kind = NNRT_DATA_IDX, .features_path = tmp("x4.bin"), .scale = 1,
                          .labels_path = tmp("y.npy")};
    fx_npy(tmp("x4.bin"), "<f4", shape, 3, x4, sizeof x4);
    ASSERT_TRUE(!nnrt_read_source(&idx, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "x4.bin: byte 0: not an IDX file: expected magic 00 00 TT ND (TT = 08, "
                             "09 or 0B..0E, ND >= 1), found 93 4e 55 4d; the file is a NumPy .npy "
                             "array: a data source's format follows its features file's name");
}

/* A NaN or infinity in an IDX float file names its byte (of the uncompressed data for a
 * .gz file), as a .npy file's does; before, only the example and value. */
static void test_idx_float_not_finite(void) {
    NnrtModel m = make_model(4);
    ClassVocab v = {0};
    DataSpec spec = fx_spec(&m, &v);
    /* magic 00 00 0D 02 (float32, 2 dimensions), 3 × 4, big-endian values */
    uint8_t f[12 + 12 * 4] = {0, 0, 0x0d, 2, 0, 0, 0, 3, 0, 0, 0, 4};
    const uint8_t nan_be[4] = {0x7f, 0xc0, 0, 0}, inf_be[4] = {0xff, 0x80, 0, 0};
    uint8_t y8[3] = {2, 0, 1};
    int ydims[] = {3};
    fx_idx_u8(tmp("fy.idx"), y8, ydims, 1, false);
    NnrtDataSource src = {.kind = NNRT_DATA_IDX, .features_path = tmp("fx.idx"), .scale = 1,
                          .labels_path = tmp("fy.idx")};
    Table t;
    NnrtError err = {0};
    memcpy(f + 12 + 6 * 4, nan_be, 4); /* example 2, value 3: byte 12 + 24 */
    fx_write(tmp("fx.idx"), f, sizeof f, false);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "fx.idx: byte 36 (example 2, value 3): NaN; the data must be "
                             "finite numbers");
    memcpy(f + 12 + 6 * 4, (uint8_t[4]){0}, 4);
    memcpy(f + 12 + 11 * 4, inf_be, 4); /* example 3, value 4: byte 12 + 44 */
    src.features_path = tmp("fx.idx.gz");
    fx_write(tmp("fx.idx.gz"), f, sizeof f, true);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "fx.idx.gz: byte 56 (example 3, value 4): infinity; the data must "
                             "be finite numbers");
    memcpy(f + 12 + 11 * 4, (uint8_t[4]){0x3f, 0x80, 0, 0}, 4); /* 1.0: the file is read */
    fx_write(tmp("fx.idx"), f, sizeof f, false);
    src.features_path = tmp("fx.idx");
    ASSERT_TRUE(nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_NEAR(1.0, t.x[11], 0);
    nnrt_table_free(&t);
}

/* A label is checked as the file stores it: 2.0000001 (float64) and 16777217 (int32) are
 * the whole numbers 2 and 16777216 in float32, and the first passed as class 2; messages
 * print the value exactly (%g said 1.67772e+07). */
static void test_labels_as_stored(void) {
    NnrtModel m = make_model(4);
    ClassVocab v = {0};
    DataSpec spec = fx_spec(&m, &v);
    float x[3 * 4] = {0};
    double y64[3] = {1, 2.0000001, 0};
    int32_t y32[3] = {0, 1, 16777217};
    int64_t shape[] = {3, 4}, yshape[] = {3};
    fx_npy(tmp("lx.npy"), "<f4", shape, 2, x, sizeof x);
    fx_npy(tmp("ly64.npy"), "<f8", yshape, 1, y64, sizeof y64);
    fx_npy(tmp("ly32.npy"), "<i4", yshape, 1, y32, sizeof y32);
    NnrtDataSource src = {.kind = NNRT_DATA_NPY, .features_path = tmp("lx.npy"),
                          .labels_path = tmp("ly64.npy"), .scale = 1};
    Table t;
    NnrtError err = {0};
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "ly64.npy: byte 136 (example 2): label 2.0000001 is not an integer "
                             "class index (expected 0..2)");
    src.labels_path = tmp("ly32.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "ly32.npy: byte 136 (example 3): label 16777217 is not a class "
                             "index 0..2 (the model has 3 classes)");
    /* a float32 file's 0.1 is shown as 0.1, as numpy shows it (before: the double it is,
     * 0.10000000149011612); a float64 value keeps its own digits */
    float yf32[3] = {0, 0.1f, 1};
    fx_npy(tmp("lyf32.npy"), "<f4", yshape, 1, yf32, sizeof yf32);
    src.labels_path = tmp("lyf32.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "lyf32.npy: byte 132 (example 2): label 0.1 is not an integer class "
                             "index (expected 0..2)");
    /* NaN and infinity as the other data errors name them (before: "label nan", "label
     * inf is not a number") */
    float ynan[3] = {0, NAN, -INFINITY};
    fx_npy(tmp("lynan.npy"), "<f4", yshape, 1, ynan, sizeof ynan);
    src.labels_path = tmp("lynan.npy");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "lynan.npy: byte 132 (example 2): label NaN is not a number");
    ynan[1] = 1;
    fx_npy(tmp("lynan.npy"), "<f4", yshape, 1, ynan, sizeof ynan);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "lynan.npy: byte 136 (example 3): label -infinity is not a finite "
                             "number");
    char shown[32];
    ASSERT_TRUE(strcmp(nnrt_format_exact(shown, sizeof shown, 2.0000001), "2.0000001") == 0);
    ASSERT_TRUE(strcmp(nnrt_format_exact(shown, sizeof shown, 0.99999999), "0.99999999") == 0);
    ASSERT_TRUE(strcmp(nnrt_format_exact(shown, sizeof shown, (double)nextafterf(1, 2)),
                       "1.0000001") == 0);
    ASSERT_TRUE(strcmp(nnrt_format_exact(shown, sizeof shown, 16777217), "16777217") == 0);
    const char *text = "a,b,c,d,y\n1,2,3,4,0\n5,6,7,8,1.00000001\n9,10,11,12,2\n";
    fx_write(tmp("lab.csv"), text, strlen(text), false);
    NnrtDataSource csv = {.kind = NNRT_DATA_CSV, .features_path = tmp("lab.csv"), .scale = 1,
                          .csv_header = 1, .csv_label_index = -1};
    ASSERT_TRUE(!nnrt_read_source(&csv, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "lab.csv:3: column 5: label 1.00000001 is not an integer class "
                             "index (expected 0..2)");
    spec.task = NNRT_TASK_BINARY; /* binary labels: 0 or 1 exactly */
    ASSERT_TRUE(!nnrt_read_source(&csv, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "lab.csv:3: column 5: label 1.00000001 is not 0 or 1");
    spec.task = NNRT_TASK_CLASSIFY;
    /* Integers beyond 2^53, which a double rounds (2^53 + 1 to 2^53), are shown as the file
     * writes them (before: "label 9007199254740992"), from int64 and uint64 .npy files and
     * CSV fields alike. */
    static const struct {
        const char *descr;
        uint64_t bits;
        const char *msg;
    } wide[] = {
        {"<i8", 9007199254740993u, "label 9007199254740993 is not a class index 0..2"},
        {"<i8", (uint64_t)-9007199254740993LL, "label -9007199254740993 is not a class index"},
        {"<i8", (uint64_t)INT64_MIN, "label -9223372036854775808 is not a class index"},
        {"<u8", UINT64_MAX, "label 18446744073709551615 is not a class index"},
        {">u8", 0, "label 72057594037927937 is not a class index"},
    };
    char wide_path[512], x_path[512]; /* tmp() reuses its buffers */
    snprintf(wide_path, sizeof wide_path, "%s", tmp("lwide.npy"));
    snprintf(x_path, sizeof x_path, "%s", tmp("lx.npy"));
    src.features_path = x_path;
    src.labels_path = wide_path;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        /* '>u8': the bytes 01 00 .. 00 01 are 2^56 + 1, 00 .. 00 01 is 1 */
        uint64_t y[3] = {0, wide[i].bits, 1};
        if (wide[i].descr[0] == '>')
            y[1] = 0x0100000000000001u, y[0] = 0, y[2] = 0x0100000000000000u;
        fx_npy(wide_path, wide[i].descr, yshape, 1, y, sizeof y);
        ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
        ASSERT_CONTAINS(err.msg, "lwide.npy: byte 136 (example 2): ");
        ASSERT_CONTAINS(err.msg, wide[i].msg);
    }
    const char *wide_csv = "a,b,c,d,y\n1,2,3,4,0\n5,6,7,8, 9007199254740993 \n";
    fx_write(tmp("lab.csv"), wide_csv, strlen(wide_csv), false);
    ASSERT_TRUE(!nnrt_read_source(&csv, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "lab.csv:3: column 5: label 9007199254740993 is not a class index 0..2");
    spec.task = NNRT_TASK_REGRESS; /* any number is a target */
    ASSERT_TRUE(nnrt_read_source(&csv, &spec, &t, &err));
    nnrt_table_free(&t);
    spec.task = NNRT_TASK_CLASSIFY;
    /* one-hot rows of int64 values */
    spec.one_hot_rows = true;
    int64_t oh[9] = {0, 1, 0, 1, 9007199254740993LL, 0, 0, 0, 1}, ohshape[] = {3, 3};
    fx_npy(wide_path, "<i8", ohshape, 2, oh, sizeof oh);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "lwide.npy: byte 160 (example 2): value 2 of its row is "
                             "9007199254740993, but a row of one-hot labels");
    spec.one_hot_rows = false;
    nnrt_vocab_free(&v);
}

/* A .npy file as np.save writes an F-contiguous array: fortran_order True, the values
 * (given here in file order, the first index fastest) as they are. */
static void write_fortran_npy(const char *path, const char *descr, const int64_t *shape,
                              int ndims, const void *data, size_t bytes) {
    unsigned char *raw = NULL;
    size_t n = 0;
    fx_npy(path, descr, shape, ndims, data, bytes);
    if (!fx_read(path, &raw, &n))
        return;
    char *order = strstr((char *)raw + 10, "False");
    if (order) {
        memcpy(order, "True ", 5);
        fx_write(path, raw, n, false);
    }
    free(raw);
}

/* One-hot rows (categorical crossentropy) in a Fortran-order file: a row's values are N
 * values apart in the file, so the byte a message names is where the value is in the file
 * (before: where C order would have it, 148 for 156 and 152 for 136). */
static void test_one_hot_fortran(void) {
    NnrtModel m = make_model(4);
    m.loss = NNRT_LOSS_CATEGORICAL_CE;
    ClassVocab v = {0};
    DataSpec spec = fx_spec(&m, &v);
    spec.one_hot_rows = true;
    char x_path[512], y_path[512];
    snprintf(x_path, sizeof x_path, "%s", tmp("ohx.npy"));
    snprintf(y_path, sizeof y_path, "%s", tmp("ohy.npy"));
    float x[3 * 4] = {0};
    int64_t shape[] = {3, 4}, yshape[] = {3, 3};
    fx_npy(x_path, "<f4", shape, 2, x, sizeof x);
    NnrtDataSource src = {.kind = NNRT_DATA_NPY, .features_path = x_path, .labels_path = y_path,
                          .scale = 1};
    Table t;
    NnrtError err = {0};
    /* rows (C order) 0 1 0 / 1 0 1 / 0 0 1, stored column by column */
    float y[9] = {0, 1, 0, 1, 0, 0, 0, 1, 1};
    write_fortran_npy(y_path, "<f4", yshape, 2, y, sizeof y);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "ohy.npy: byte 156 (example 2): values 1 and 3 of its row are both 1");
    /* rows 0 1 0 / 1 0 0 / 0 0 0: the third's values are at bytes 136, 148 and 160 */
    float y_empty[9] = {0, 1, 0, 1, 0, 0, 0, 0, 0};
    write_fortran_npy(y_path, "<f4", yshape, 2, y_empty, sizeof y_empty);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "ohy.npy: byte 136 (example 3): the row of 3 one-hot labels holds no "
                             "1 (its values are at bytes 136, 148 and 160: Fortran order)");
    /* --limit 2: the file's rows are still 3 apart */
    float y_two[9] = {0, 1, 0, 1, 0, 0, 0, 1, 0};
    write_fortran_npy(y_path, "<f4", yshape, 2, y_two, sizeof y_two);
    spec.limit = 2;
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "ohy.npy: byte 156 (example 2): values 1 and 3 of its row are both 1");
    spec.limit = 0;
    /* a value that is no 0 or 1, named where it is: (0, 1) is the file's 4th value */
    float y_soft[9] = {0, 1, 0, 0.5f, 0, 0, 0, 0, 1};
    write_fortran_npy(y_path, "<f4", yshape, 2, y_soft, sizeof y_soft);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "ohy.npy: byte 140 (example 1): value 2 of its row is 0.5");
    /* and good rows are the classes they mark: 1, 0, 2 */
    float y_good[9] = {0, 1, 0, 1, 0, 0, 0, 0, 1};
    write_fortran_npy(y_path, "<f4", yshape, 2, y_good, sizeof y_good);
    bool ok = nnrt_read_source(&src, &spec, &t, &err);
    check(ok, "nnrt_read_source(Fortran one-hot)", __FILE__, __LINE__, "%s", err.msg);
    if (ok) {
        ASSERT_NEAR(1, t.y[0], 0);
        ASSERT_NEAR(0, t.y[1], 0);
        ASSERT_NEAR(2, t.y[2], 0);
        nnrt_table_free(&t);
    }
    nnrt_vocab_free(&v);
}

/* ---- CSV ---- */

static void test_csv(void) {
    NnrtModel m = make_model(4);
    ClassVocab v = {0};
    DataSpec spec = fx_spec(&m, &v);
    const char *text = "a,species,b,c,d\n1,virginica,2,3,4\n\n5,setosa,6,7,\"8\"\r\n9,versicolor,10,11,12\n";
    fx_write(tmp("iris.csv"), text, strlen(text), false);
    NnrtDataSource src = {.kind = NNRT_DATA_CSV, .features_path = tmp("iris.csv"), .scale = 1,
                          .csv_header = 1, .csv_label = "species"};
    Table t;
    NnrtError err = {0};
    bool ok = nnrt_read_source(&src, &spec, &t, &err);
    check(ok, "nnrt_read_source(csv)", __FILE__, __LINE__, "%s", err.msg);
    if (ok) {
        ASSERT(3, t.n);
        ASSERT_NEAR(8, t.x[7], 0);
        ASSERT_NEAR(12, t.x[11], 0);
        /* names sorted: setosa 0, versicolor 1, virginica 2 */
        ASSERT_NEAR(2, t.y[0], 0);
        ASSERT_NEAR(0, t.y[1], 0);
        ASSERT_NEAR(1, t.y[2], 0);
        ASSERT(3, v.n);
        ASSERT_TRUE(v.n == 3 && strcmp(v.names[0], "setosa") == 0);
        nnrt_table_free(&t);
    }
    /* A label column named in another case, or not at all: the message names the column
     * that differs in case, or the header (before: only its first column, 'a'). */
    src.csv_label = "Species";
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "iris.csv:1: no column named 'Species' in the header; column 2 is "
                             "'species' (names match exactly, as in pandas)");
    src.csv_label = "kind";
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "iris.csv:1: no column named 'kind' in the header (the header: 'a', "
                             "'species', 'b', 'c', 'd')");
    /* The label column's name twice in the header: an error naming both columns (before:
     * the first was the label and the second a feature, without a word), on the header's
     * line; a name repeated that the model does not use is no error, nor is a repeated
     * label name when the label is given by its index. */
    const char *dup = "\na,species,b,c,species\n1,virginica,2,3,4\n";
    fx_write(tmp("dup.csv"), dup, strlen(dup), false);
    src.features_path = tmp("dup.csv");
    src.csv_label = "species";
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "dup.csv:2: columns 2 and 5 of the header are both named 'species', "
                             "the name of the label column in the model: which one it means is "
                             "unclear; rename one of them");
    src.csv_label = NULL;
    src.csv_label_index = 1;
    ok = nnrt_read_source(&src, &spec, &t, &err);
    check(ok, "nnrt_read_source(csv, label by index)", __FILE__, __LINE__, "%s", err.msg);
    if (ok) {
        ASSERT_NEAR(2, t.y[0], 0);
        nnrt_table_free(&t);
    }
    const char *dup_unused = "a,a,b,b,species\n1,2,3,4,virginica\n";
    fx_write(tmp("dup_unused.csv"), dup_unused, strlen(dup_unused), false);
    src.features_path = tmp("dup_unused.csv");
    src.csv_label = "species";
    src.csv_label_index = 0;
    ok = nnrt_read_source(&src, &spec, &t, &err);
    check(ok, "nnrt_read_source(csv, other names twice)", __FILE__, __LINE__, "%s", err.msg);
    if (ok) {
        ASSERT_NEAR(4, t.x[3], 0);
        nnrt_table_free(&t);
    }
    const char *ragged = "a,b,c,d,y\n1,2,3,4,0\n1,2,3,0\n";
    fx_write(tmp("ragged.csv"), ragged, strlen(ragged), false);
    src.features_path = tmp("ragged.csv");
    src.csv_label = NULL;
    src.csv_label_index = -1;
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "ragged.csv:3: expected 5 fields like the header, found 4");
    const char *unknown = "a,b,c,d,y\n1,2,3,4,setosa\n1,2,3,4,daisy\n";
    fx_write(tmp("unknown.csv"), unknown, strlen(unknown), false);
    src.features_path = tmp("unknown.csv");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "unknown class 'daisy'");
    /* Lines ended by CR alone (classic Mac OS, Excel's "CSV (Macintosh)") are lines, as
     * pandas reads them (before: one line of 9 columns), and counted as such. */
    const char *cr = "a,b,c,d,y\r1,2,3,4,setosa\r\r5,6,7,8,virginica\r";
    fx_write(tmp("cr.csv"), cr, strlen(cr), false);
    src.features_path = tmp("cr.csv");
    ok = nnrt_read_source(&src, &spec, &t, &err);
    check(ok, "nnrt_read_source(CR-only csv)", __FILE__, __LINE__, "%s", err.msg);
    if (ok) {
        ASSERT(2, t.n);
        ASSERT_NEAR(8, t.x[7], 0);
        ASSERT_NEAR(2, t.y[1], 0);
        nnrt_table_free(&t);
    }
    const char *cr_ragged = "a,b,c,d,y\r1,2,3,4,setosa\r1,2,3,setosa\r";
    fx_write(tmp("cr_ragged.csv"), cr_ragged, strlen(cr_ragged), false);
    src.features_path = tmp("cr_ragged.csv");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "cr_ragged.csv:3: expected 5 fields like the header, found 4");
    /* the header again, as in files joined with cat, with or without a byte order mark:
     * said so (before: "expected a number, found 'a'") */
    const char *joined = "a,b,c,d,y\n1,2,3,4,setosa\na,b,c,d,y\n5,6,7,8,setosa\n";
    fx_write(tmp("joined.csv"), joined, strlen(joined), false);
    src.features_path = tmp("joined.csv");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "joined.csv:3: the line repeats the header: files joined with cat? "
                             "join them without the others' header lines (tail -n +2 on each "
                             "after the first)");
    const char *joined_bom = "\xEF\xBB\xBF" "a,b,c,d,y\n1,2,3,4,setosa\n\xEF\xBB\xBF" "a,b,c,d,y\n";
    fx_write(tmp("joined.csv"), joined_bom, strlen(joined_bom), false);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "joined.csv:3: the line repeats the header");
    /* a header of numbers may be an example, and a later example may equal it */
    NnrtModel rm = make_model(4);
    rm.task = NNRT_TASK_REGRESS, rm.loss = NNRT_LOSS_MSE, rm.n_outputs = 1;
    DataSpec rspec = fx_spec(&rm, &v);
    const char *twice = "1,2,3,4,5\n6,7,8,9,10\n1,2,3,4,5\n";
    fx_write(tmp("twice.csv"), twice, strlen(twice), false);
    src.features_path = tmp("twice.csv");
    ok = nnrt_read_source(&src, &rspec, &t, &err);
    check(ok, "nnrt_read_source(an example equal to a header of numbers)", __FILE__, __LINE__,
          "%s", err.msg);
    if (ok)
        nnrt_table_free(&t);
    /* a column more than the model takes, without a name: pandas' index, or a ',' ending
     * each line (before: only the count) */
    const char *index_col = ",a,b,c,d,y\n0,1,2,3,4,setosa\n";
    fx_write(tmp("index.csv"), index_col, strlen(index_col), false);
    src.features_path = tmp("index.csv");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "index.csv:1: rows have 6 columns (5 features and a label), but the "
                             "model input (2, 2, 1) has 4 values; the header's first column has "
                             "no name, as pandas' df.to_csv() names the index it writes: save "
                             "with index=False, or drop the column");
    const char *comma_end = "a,b,c,d,y,\n1,2,3,4,setosa,\n";
    fx_write(tmp("comma_end.csv"), comma_end, strlen(comma_end), false);
    src.features_path = tmp("comma_end.csv");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "comma_end.csv:1: rows have 6 columns (5 features and a label), but "
                             "the model input (2, 2, 1) has 4 values; the header's last column "
                             "has no name: does each line end in ','?");
    /* a missing value, empty or as pandas writes it: said so (before: only "expected a
     * number, found 'NA'") */
    static const struct {
        const char *text, *msg;
    } missing[] = {
        {"a,b,c,d,y\n1,,3,4,setosa\n", "column 2: expected a number, found '' (an empty "
         "field: a missing value; fill or drop the missing values first, as pandas' "
         "df.fillna(...) or df.dropna() do)"},
        {"a,b,c,d,y\n1, ,3,4,setosa\n", "found ' ' (an empty field: a missing value"},
        {"a,b,c,d,y\n1,NA,3,4,setosa\n", "column 2: expected a number, found 'NA' (a missing "
         "value, as pandas reads it; fill or drop the missing values first"},
        {"a,b,c,d,y\n1,2,3,nan,setosa\n", "column 4: expected a number, found 'nan' (a missing "
         "value, as pandas reads it"},
        {"a,b,c,d,y\n1,2,3,\"?\",setosa\n", "found '?' (a missing value, as UCI's data sets "
         "write one; fill or drop"},
        {"a,b,c,d,y\n1,2,3,NULL,setosa\n", "found 'NULL' (a missing value"},
        {"a,b,c,d,y\n1,2,3,inf,setosa\n", "found 'inf' (CSV values are decimal numbers"},
        {"a,b,c,d,y\n1,2,3,NAN,setosa\n", "found 'NAN' (CSV values are decimal numbers"},
        {"a,b,c,d,y\n1,2,3,NAx,setosa\n", "found 'NAx'"},
    };
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        fx_write(tmp("missing.csv"), missing[i].text, strlen(missing[i].text), false);
        src.features_path = tmp("missing.csv");
        ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
        ASSERT_CONTAINS(err.msg, "missing.csv:2: column ");
        ASSERT_CONTAINS(err.msg, missing[i].msg);
    }
    ASSERT_TRUE(strstr(err.msg, "found 'NAx'") && !strstr(err.msg, "found 'NAx' ("));
    /* a label pandas reads as missing: refused as an empty one is (before: the class 'NA'
     * when the model had room for it), unless the model's classes list it */
    const char *na_label = "a,b,c,d,y\n1,2,3,4,setosa\n1,2,3,4,NA\n";
    fx_write(tmp("na_label.csv"), na_label, strlen(na_label), false);
    src.features_path = tmp("na_label.csv");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "na_label.csv:3: column 5: label 'NA' is a missing value, as pandas "
                             "reads it: drop the rows without a label (df.dropna(subset=[...])), "
                             "or if it is a class, list it in the model's classes");
    ClassVocab listed = {0};
    nnrt_vocab_alloc(&listed, 2, 3);
    listed.names[0] = strdup("NA"), listed.names[1] = strdup("setosa");
    listed.n = 2, listed.fixed = true;
    DataSpec listed_spec = spec;
    listed_spec.vocab = &listed;
    ok = nnrt_read_source(&src, &listed_spec, &t, &err);
    check(ok, "nnrt_read_source(class 'NA' listed)", __FILE__, __LINE__, "%s", err.msg);
    if (ok) {
        ASSERT_NEAR(0, t.y[1], 0);
        nnrt_table_free(&t);
    }
    nnrt_vocab_free(&listed);
    /* a decimal comma (a ';'-separated spreadsheet export): said so (before: only
     * "expected a number, found '1,5'") */
    const char *comma = "a;b;c;d;y\n1;2,5;3;4;setosa\n";
    fx_write(tmp("comma.csv"), comma, strlen(comma), false);
    src.features_path = tmp("comma.csv");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "comma.csv:2: column 2: expected a number, found '2,5' (a decimal "
                             "comma: CSV numbers are written with a point, 1.5, as pandas reads "
                             "them unless told decimal=',')");
    nnrt_vocab_free(&v);
}

static void test_series(void) {
    NnrtModel m = make_model(4);
    m.task = NNRT_TASK_REGRESS;
    m.loss = NNRT_LOSS_MSE;
    m.n_outputs = 1;
    m.input_rank = 2, m.input_dims[0] = 2, m.input_dims[1] = 2;
    ClassVocab v = {0};
    DataSpec spec = fx_spec(&m, &v);
    const char *text = "date,t,p\nx,0,10\nx,1,11\nx,2,12\nx,3,13\nx,4,14\n";
    fx_write(tmp("s.csv"), text, strlen(text), false);
    static const char *const inputs[] = {"p", "t"};
    NnrtDataSource src = {.kind = NNRT_DATA_SERIES, .features_path = tmp("s.csv"), .scale = 1,
                          .csv_header = 1, .series_inputs = inputs, .n_series_inputs = 2,
                          .series_target = "t", .window = 2, .horizon = 2};
    Table t;
    NnrtError err = {0};
    bool ok = nnrt_read_source(&src, &spec, &t, &err);
    check(ok, "nnrt_read_source(series)", __FILE__, __LINE__, "%s", err.msg);
    if (!ok)
        return;
    /* rows 0..4, window 2, horizon 2: windows start at 0, 1 -> targets t[3], t[4] */
    ASSERT(2, t.n);
    ASSERT_NEAR(11, t.x[2], 0);   /* window 0, step 1, column p */
    ASSERT_NEAR(2, t.x[4 + 3], 0); /* window 1, step 1, column t */
    ASSERT_NEAR(3, t.y[0], 0);
    ASSERT_NEAR(4, t.y[1], 0);
    nnrt_table_free(&t);
    /* horizon 0: the target of each window's last row, every complete window an example
     * (nnlc refused horizon=0, which the runtime took) */
    const char *now = "date,t,p,q\nx,0,10,20\nx,1,11,21\nx,2,12,22\nx,3,13,23\nx,4,14,24\n";
    fx_write(tmp("s_now.csv"), now, strlen(now), false);
    static const char *const pq[] = {"p", "q"};
    NnrtDataSource now_src = src;
    now_src.features_path = tmp("s_now.csv");
    now_src.series_inputs = pq;
    now_src.horizon = 0;
    ok = nnrt_read_source(&now_src, &spec, &t, &err);
    check(ok, "nnrt_read_source(series, horizon 0)", __FILE__, __LINE__, "%s", err.msg);
    if (!ok)
        return;
    /* rows 0..4, window 2, horizon 0: windows start at 0..3 -> targets t[1], t[2], t[3], t[4] */
    ASSERT(4, t.n);
    ASSERT_NEAR(11, t.x[2], 0);     /* window 0, step 1, column p */
    ASSERT_NEAR(24, t.x[3 * 4 + 3], 0); /* window 3, step 1, column q */
    for (int i = 0; i < 4; i++)
        ASSERT_NEAR(i + 1, t.y[i], 0);
    nnrt_table_free(&t);
    /* ... and the target may not be one of the inputs: the model would read its answer
     * (nnlc says the same at the model's horizon=0) */
    src.horizon = 0;
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "s.csv: horizon=0 predicts the target of each window's last row, "
                             "but the target 't' is one of the inputs: the model would read the "
                             "value it predicts");
    src.horizon = 2;
    src.series_target = "T"; /* another case: named (before: no hint) */
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "s.csv:1: no column named 'T' in the header; column 2 is 't' (names "
                             "match exactly, as in pandas)");
    /* a missing value in a series: filled, not dropped (a dropped row would join the
     * steps around it without a word) */
    const char *gap = "date,t,p\nx,0,10\nx,1,NA\nx,2,12\n";
    fx_write(tmp("s_na.csv"), gap, strlen(gap), false);
    src.features_path = tmp("s_na.csv");
    src.series_target = "t";
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "s_na.csv:3: column 3: expected a number, found 'NA' (a missing "
                             "value: fill the gaps first, as pandas' df.interpolate() or df.ffill() "
                             "do; dropping the row would join the time steps around it)");
    /* series joined with cat: the header again is said so (before: "column 2: expected a
     * number, found 't'"), with or without a byte order mark before it */
    const char *joined = "date,t,p\nx,0,10\nx,1,11\ndate,t,p\nx,2,12\nx,3,13\n";
    fx_write(tmp("s_cat.csv"), joined, strlen(joined), false);
    src.features_path = tmp("s_cat.csv");
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "s_cat.csv:4: the line repeats the header: files joined with cat?");
    const char *joined_bom = "date,t,p\nx,0,10\nx,1,11\n\xEF\xBB\xBF" "date,t,p\nx,2,12\n";
    fx_write(tmp("s_cat.csv"), joined_bom, strlen(joined_bom), false);
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "s_cat.csv:4: the line repeats the header: files joined with cat?");
    /* a column the series uses named twice: an error naming both (before: the first was
     * used without a word); an unused one, such as a second 'date', may repeat */
    const char *dup = "date,t,p,t\nx,0,10,5\nx,1,11,5\nx,2,12,5\nx,3,13,5\nx,4,14,5\n";
    fx_write(tmp("s_dup.csv"), dup, strlen(dup), false);
    src.features_path = tmp("s_dup.csv");
    src.series_target = "t";
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "s_dup.csv:1: columns 2 and 4 of the header are both named 't', the "
                             "name of an input of the series in the model");
    static const char *const inputs_p[] = {"p", "p"};
    src.series_inputs = inputs_p;
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "s_dup.csv:1: columns 2 and 4 of the header are both named 't', the "
                             "name of the series' target in the model");
    /* a class index beyond 2^53 as a target: shown as written (before: rounded), on the
     * line of the first window's target that is wrong (rows 0 to 2, 99 and 2^53 + 1 among
     * them, are targets of none) */
    spec.task = NNRT_TASK_CLASSIFY;
    spec.n_classes = 20;
    const char *wide = "date,t,p\nx,0,99\nx,1,9007199254740993\nx,2,12\nx,3,13\n"
                       "x,4,9007199254740995\nx,5,5\n";
    fx_write(tmp("s_wide.csv"), wide, strlen(wide), false);
    src.features_path = tmp("s_wide.csv");
    static const char *const inputs_t[] = {"t", "t"};
    src.series_inputs = inputs_t;
    src.series_target = "p";
    ASSERT_TRUE(!nnrt_read_source(&src, &spec, &t, &err));
    ASSERT_CONTAINS(err.msg, "s_wide.csv:6: target of window 2: label 9007199254740995 is not a "
                             "class index 0..19");
    spec.limit = 1; /* then no window reads it: no error */
    ASSERT_TRUE(nnrt_read_source(&src, &spec, &t, &err));
    nnrt_table_free(&t);
    spec.limit = 0;
    spec.task = NNRT_TASK_REGRESS;
    src.series_target = "t";
    const char *dup_date = "date,t,p,date\nx,0,10,y\nx,1,11,y\nx,2,12,y\nx,3,13,y\nx,4,14,y\n";
    fx_write(tmp("s_dup_date.csv"), dup_date, strlen(dup_date), false);
    src.features_path = tmp("s_dup_date.csv");
    src.series_inputs = inputs;
    ok = nnrt_read_source(&src, &spec, &t, &err);
    check(ok, "nnrt_read_source(series, 'date' twice)", __FILE__, __LINE__, "%s", err.msg);
    if (ok) {
        ASSERT(2, t.n);
        nnrt_table_free(&t);
    }
}

/* ---- splits, standardization, loader ---- */

static void write_counting_idx(const char *img, const char *lab, int n) {
    uint8_t *px = malloc((size_t)n * 4), *y = malloc((size_t)n);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 4; k++)
            px[i * 4 + k] = (uint8_t)i;
        y[i] = (uint8_t)(i % 3);
    }
    int dims[] = {n, 2, 2}, ldims[] = {n};
    fx_idx_u8(img, px, dims, 3, false);
    fx_idx_u8(lab, y, ldims, 1, false);
    free(px);
    free(y);
}

static void test_splits(void) {
    NnrtModel m = make_model(4);
    write_counting_idx(tmp("c.idx"), tmp("cl.idx"), 10);
    m.data = (NnrtDataSource){.kind = NNRT_DATA_IDX, .features_path = tmp("c.idx"),
                              .labels_path = tmp("cl.idx"), .scale = 1, .standardize = 1};
    m.validation_split = 0.25;
    Standardizer st;
    nnrt_std_init(&st, &m);
    DataSplits d = {0};
    DataRequest rq = {.train = true, .test = true, .seed = 1};
    NnrtError err = {0};
    bool ok = nnrt_data_load(&d, &m, &rq, &st, &err);
    check(ok, "nnrt_data_load", __FILE__, __LINE__, "%s", err.msg);
    /* Keras: split_at = floor(10 * 0.75) = 7; validation = the last 3 rows, in order. */
    ASSERT(7, d.train.n);
    ASSERT(3, d.val.n);
    ASSERT(0, d.test.n);
    /* statistics from the 7 training rows only: mean 3, population std 2 */
    ASSERT_NEAR(3, st.mean[0], 1e-6);
    ASSERT_NEAR(2, st.std[0], 1e-6);
    ASSERT_NEAR((7 - 3) / 2.0, d.val.x[0], 1e-6);
    ASSERT_NEAR((9 - 3) / 2.0, d.val.x[2 * 4], 1e-6);
    nnrt_data_free(&d);
    nnrt_std_free(&st);

    m.validation_split = 0;
    m.data.standardize = 0;
    m.split_train = 0.6, m.split_val = 0.2, m.split_test = 0.2;
    nnrt_std_init(&st, &m);
    ok = nnrt_data_load(&d, &m, &rq, &st, &err);
    ASSERT_TRUE(ok);
    ASSERT(6, d.train.n);
    ASSERT(2, d.val.n);
    ASSERT(2, d.test.n);
    int seen[10] = {0}, shuffled = 0;
    ASSERT_TRUE(d.train.x8 && !d.train.x); /* bytes: nothing standardizes them */
    for (int i = 0; i < 10; i++) {
        int v = d.train.x8[i * 4]; /* the views are consecutive rows of one shuffled table */
        seen[v]++;
        shuffled += v != i;
        ASSERT_NEAR(v % 3, d.train.y[i], 0); /* labels travel with their rows */
    }
    for (int i = 0; i < 10; i++)
        ASSERT(1, seen[i]);
    ASSERT_TRUE(shuffled > 0);
    /* shuffle = false: each part holds the same rows as above, in file order */
    int part[10];
    for (int i = 0; i < 10; i++)
        part[d.train.x8[i * 4]] = i < 6 ? 0 : i < 8 ? 1 : 2;
    nnrt_data_free(&d);
    rq.file_order = true;
    ASSERT_TRUE(nnrt_data_load(&d, &m, &rq, &st, &err));
    ASSERT(6, d.train.n);
    for (int i = 0; i < 10; i++) {
        int v = d.train.x8[i * 4];
        ASSERT(i < 6 ? 0 : i < 8 ? 1 : 2, part[v]);
        if (i != 0 && i != 6 && i != 8)
            ASSERT_TRUE(v > d.train.x8[(i - 1) * 4]);
        ASSERT_NEAR(v % 3, d.train.y[i], 0);
    }
    nnrt_data_free(&d);
    nnrt_std_free(&st);
}

static void test_loader(int elem_size) {
    NnrtModel m = make_model(elem_size);
    float x[7 * 4], y[7];
    for (int i = 0; i < 7; i++) {
        y[i] = (float)(i % 3);
        for (int k = 0; k < 4; k++)
            x[i * 4 + k] = (float)i;
    }
    Dataset ds = {"training", "mem", 7, 4, 1, x, y, NULL, 0, 0};
    DataLoader dl;
    nnrt_loader_init(&dl, &ds, &m, 3, true, NULL, 99);
    int64_t sizes[4] = {0}, steps = nnrt_loader_steps(&dl), rows, b = 0;
    int seen[7] = {0}, order_e0[7], order_e0_again[7], k = 0;
    ASSERT(3, steps);
    nnrt_loader_start_epoch(&dl, 0);
    while ((rows = nnrt_loader_next(&dl)) > 0) {
        sizes[b++] = rows;
        for (int64_t i = 0; i < rows; i++) {
            int v = (int)nnrt_get(dl.x, elem_size, i * 4 + 2);
            seen[v]++;
            order_e0[k++] = v;
            ASSERT_NEAR(v % 3, nnrt_get(dl.y, elem_size, i), 0);
        }
    }
    ASSERT(3, sizes[0]);
    ASSERT(1, sizes[2]); /* the last batch is partial */
    for (int i = 0; i < 7; i++)
        ASSERT(1, seen[i]);
    nnrt_loader_start_epoch(&dl, 0);
    for (k = 0; (rows = nnrt_loader_next(&dl)) > 0;)
        for (int64_t i = 0; i < rows; i++)
            order_e0_again[k++] = (int)nnrt_get(dl.x, elem_size, i * 4);
    ASSERT_TRUE(memcmp(order_e0, order_e0_again, sizeof order_e0) == 0);
    nnrt_loader_start_epoch(&dl, 1);
    int same = 1;
    for (k = 0; (rows = nnrt_loader_next(&dl)) > 0;)
        for (int64_t i = 0; i < rows; i++)
            same &= order_e0[k++] == (int)nnrt_get(dl.x, elem_size, i * 4);
    ASSERT_TRUE(!same); /* another epoch, another order */
    nnrt_loader_free(&dl);

    m.loss = NNRT_LOSS_CATEGORICAL_CE;
    m.one_hot = 1;
    nnrt_loader_init(&dl, &ds, &m, 4, false, NULL, 1);
    ASSERT(4, nnrt_loader_next(&dl));
    ASSERT(3, dl.ycols);
    ASSERT_NEAR(1, nnrt_get(dl.y, elem_size, 1 * 3 + 1), 0); /* row 1, class 1 */
    ASSERT_NEAR(0, nnrt_get(dl.y, elem_size, 1 * 3 + 0), 0);
    ASSERT_NEAR(1, nnrt_get(dl.y, elem_size, 2 * 3 + 2), 0);
    nnrt_loader_free(&dl);
}

/* With a pool, the next batch is copied ahead by idle threads: the batches must be the
 * ones a loader without a pool gives, also when two loaders take turns (a validation
 * pass in the middle of an epoch) and across epochs; and the idle threads must actually
 * copy rows (else the check proves nothing). */
static bool same_batch(const DataLoader *a, const DataLoader *b, int64_t rows, int elem_size) {
    for (int64_t i = 0; i < rows * 5; i++)
        if (nnrt_get(a->x, elem_size, i) != nnrt_get(b->x, elem_size, i))
            return false;
    for (int64_t i = 0; i < rows; i++)
        if (nnrt_get(a->y, elem_size, i) != nnrt_get(b->y, elem_size, i))
            return false;
    return true;
}

static void test_loader_ahead(int elem_size) {
    NnrtModel m = make_model(elem_size);
    m.input_size = 5;
    enum { N = 37 };
    float x[N * 5], y[N];
    for (int i = 0; i < N; i++) {
        y[i] = (float)(i % 3);
        for (int k = 0; k < 5; k++)
            x[i * 5 + k] = (float)(i * 10 + k);
    }
    Dataset ds = {"training", "mem", N, 5, 1, x, y, NULL, 0, 0};
    ThreadPool pool;
    char why[100];
    ASSERT_TRUE(nnrt_pool_init(&pool, 3, why, sizeof why));
    DataLoader train, val, train_ref, val_ref;
    nnrt_loader_init(&train, &ds, &m, 4, true, NULL, 5);
    nnrt_loader_init(&val, &ds, &m, 8, false, NULL, 5);
    nnrt_loader_init(&train_ref, &ds, &m, 4, true, NULL, 5);
    nnrt_loader_init(&val_ref, &ds, &m, 8, false, NULL, 5);
    nnrt_loader_set_pool(&train, &pool);
    nnrt_loader_set_pool(&val, &pool);
    int copied_ahead = 0, batches = 0;
    for (int epoch = 0; epoch < 2; epoch++) {
        nnrt_loader_start_epoch(&train, epoch);
        nnrt_loader_start_epoch(&train_ref, epoch);
        int64_t rows;
        /* batches 13-16 with the pool serial (--threads auto on one thread): the same
         * batches, none offered to the idle threads */
        while ((nnrt_pool_set_serial(&pool, batches >= 12 && batches < 16),
                rows = nnrt_loader_next(&train)) > 0) {
            ASSERT(rows, nnrt_loader_next(&train_ref));
            ASSERT_TRUE(same_batch(&train, &train_ref, rows, elem_size));
            ASSERT_TRUE(!pool.serial || train.next.first < 0);
            batches++;
            /* give the idle threads up to a second to copy the next batch */
            double start = nnrt_now();
            while (train.next.first >= 0 && atomic_load(&train.next.claimed) < train.next.rows &&
                   nnrt_now() - start < 1)
                ;
            copied_ahead += train.next.first >= 0 && atomic_load(&train.next.claimed) > 0;
            if (batches == 3) { /* a validation pass takes the idle threads */
                nnrt_loader_start_epoch(&val, 0);
                nnrt_loader_start_epoch(&val_ref, 0);
                while ((rows = nnrt_loader_next(&val)) > 0) {
                    ASSERT(rows, nnrt_loader_next(&val_ref));
                    ASSERT_TRUE(same_batch(&val, &val_ref, rows, elem_size));
                }
                ASSERT(0, nnrt_loader_next(&val_ref));
            }
            if (batches % 2 == 0) { /* long enough for the workers to go to sleep: the next
                                     * offer must wake them */
                struct timespec pause = {0, 2000000};
                nanosleep(&pause, NULL);
            }
        }
        ASSERT(0, nnrt_loader_next(&train_ref));
    }
    ASSERT(20, batches);        /* 10 per epoch, the last one 1 row */
    ASSERT(14, copied_ahead);   /* every batch but the last of each epoch and the four
                                 * taken with the pool serial offers the next */
    nnrt_loader_free(&train);
    nnrt_loader_free(&val);
    nnrt_loader_free(&train_ref);
    nnrt_loader_free(&val_ref);
    nnrt_pool_free(&pool);
}

/* ---- augmentation ---- */

static void test_augment(void) {
    NnrtModel m = make_model(4);
    m.input_dims[0] = 3, m.input_dims[1] = 3, m.input_size = 9;
    m.augment.flip_horizontal = 1;
    Augmenter a;
    NnrtError err;
    ASSERT_TRUE(nnrt_augment_init(&a, &m, &err));
    float img[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, orig[9];
    memcpy(orig, img, sizeof img);
    Rng r;
    nnrt_rng_seed(&r, 5, RNG_AUGMENT, 0);
    int flips = 0;
    for (int i = 0; i < 100; i++) {
        nnrt_augment_apply(&a, img, &r);
        bool flipped = img[0] == 3 && img[2] == 1 && img[4] == 5;
        bool same = memcmp(img, orig, sizeof img) == 0;
        ASSERT_TRUE(flipped || same);
        flips += flipped;
        memcpy(img, orig, sizeof img);
    }
    ASSERT_TRUE(flips > 25 && flips < 75);
    nnrt_augment_free(&a);
    /* A rotation of 0 degrees and no shift resamples every pixel onto itself. */
    m.augment = (NnrtAugment){0, 0, 1e-12, 1e-9, 0};
    ASSERT_TRUE(nnrt_augment_init(&a, &m, &err));
    nnrt_augment_apply(&a, img, &r);
    for (int i = 0; i < 9; i++)
        ASSERT_NEAR(orig[i], img[i], 1e-5);
    /* Shift one pixel right: column 0 reflects its old self, the rest move right. */
    float shifted[9];
    memcpy(shifted, orig, sizeof orig);
    nnrt_augment_transform(&a, shifted, 0, 1, 0);
    float want_shift[9] = {1, 1, 2, 4, 4, 5, 7, 7, 8};
    for (int i = 0; i < 9; i++)
        ASSERT_NEAR(want_shift[i], shifted[i], 1e-6);
    /* A quarter turn maps the top row onto the left column (counter-clockwise). */
    float turned[9];
    memcpy(turned, orig, sizeof orig);
    nnrt_augment_transform(&a, turned, 0, 0, 1.5707963267948966);
    float want_turn[9] = {3, 6, 9, 2, 5, 8, 1, 4, 7};
    for (int i = 0; i < 9; i++)
        ASSERT_NEAR(want_turn[i], turned[i], 1e-5);
    /* Half a pixel down: row r is the mean of input rows r - 1 and r (row -1 reflects 0). */
    float half[9];
    memcpy(half, orig, sizeof orig);
    nnrt_augment_transform(&a, half, 0.5, 0, 0);
    ASSERT_NEAR(1, half[0], 1e-6);
    ASSERT_NEAR(6.5, half[7], 1e-6);
    nnrt_augment_free(&a);
    m.input_rank = 1, m.input_dims[0] = 9;
    m.augment.rotation = 10;
    ASSERT_TRUE(!nnrt_augment_init(&a, &m, &err));
    ASSERT_CONTAINS(err.msg, "needs an (H, W) or (H, W, C) input");
}

/* ---- metrics ---- */

static void test_metrics(void) {
    NnrtModel m = make_model(8);
    m.top_k = 2;
    Metrics mt;
    nnrt_metrics_init(&mt, &m, NULL);
    double out[3 * 3] = {0.7, 0.2, 0.1, /* label 0: right */
                         0.5, 0.3, 0.2, /* label 1: wrong, in top 2 */
                         0.1, 0.6, 0.3}; /* label 0: wrong, not in top 2 */
    float y[3] = {0, 1, 0};
    nnrt_metrics_add(&mt, 1.0, out, 8, y, 2);
    nnrt_metrics_add(&mt, 4.0, out + 6, 8, y + 2, 1);
    ASSERT_NEAR(2.0, nnrt_metrics_loss(&mt), 1e-12); /* (1*2 + 4*1) / 3 */
    ASSERT_NEAR(1.0 / 3, nnrt_metrics_accuracy(&mt), 1e-12);
    ASSERT_NEAR(2.0 / 3, nnrt_metrics_topk(&mt), 1e-12);
    ASSERT(1, mt.confusion[0 * 3 + 0]);
    ASSERT(1, mt.confusion[1 * 3 + 0]);
    ASSERT(1, mt.confusion[0 * 3 + 1]);
    char text[256] = "";
    nnrt_metrics_format(&mt, "val_", text, sizeof text);
    ASSERT_CONTAINS(text, " - val_loss: 2.0000 - val_accuracy: 0.3333 - val_top_2_accuracy: 0.6667");
    nnrt_metrics_free(&mt);

    /* f32 scores (the row scan has a path per precision); a tie goes to the first
     * maximum, like np.argmax, and counts as inside the top k */
    m = make_model(4);
    m.top_k = 2;
    nnrt_metrics_init(&mt, &m, NULL);
    float out32[3 * 3] = {0.4f, 0.4f, 0.2f,  /* label 1: argmax 0 (tie), in top 2 */
                          0.1f, 0.2f, 0.7f,  /* label 2: right */
                          0.2f, 0.3f, 0.5f}; /* label 0: wrong, not in top 2 */
    float y32[3] = {1, 2, 0};
    nnrt_metrics_add(&mt, 1.0, out32, 4, y32, 3);
    ASSERT_NEAR(1.0 / 3, nnrt_metrics_accuracy(&mt), 1e-12);
    ASSERT_NEAR(2.0 / 3, nnrt_metrics_topk(&mt), 1e-12);
    ASSERT(1, mt.confusion[1 * 3 + 0]);
    ASSERT(1, mt.confusion[2 * 3 + 2]);
    ASSERT(1, mt.confusion[0 * 3 + 2]);
    nnrt_metrics_free(&mt);

    m.task = NNRT_TASK_REGRESS, m.loss = NNRT_LOSS_MSE, m.n_outputs = 2;
    float scale[2] = {10, 10};
    nnrt_metrics_init(&mt, &m, scale);
    double pred[4] = {1, 2, 3, 4};
    float target[4] = {1, 2.5, 3, 2};
    nnrt_metrics_add(&mt, 0.5, pred, 8, target, 2);
    ASSERT_NEAR(sqrt((25.0 + 400.0) / 4), nnrt_metrics_rmse(&mt), 1e-5);
    ASSERT_NEAR((5.0 + 20.0) / 4, nnrt_metrics_mae(&mt), 1e-5);
    nnrt_metrics_free(&mt);
}

/* ---- schedules, early stopping ---- */

static void test_schedules(void) {
    NnrtModel m = make_model(4);
    Schedule s;
    m.schedule = NNRT_SCHED_STEP, m.sched_factor = 0.5, m.sched_every = 2;
    nnrt_sched_init(&s, &m, 0.1);
    ASSERT_NEAR(0.1, nnrt_sched_lr(&s, 1, 50), 1e-15);
    ASSERT_NEAR(0.05, nnrt_sched_lr(&s, 2, 51), 1e-15);
    ASSERT_NEAR(0.025, nnrt_sched_lr(&s, 5, 51), 1e-15);
    m.schedule = NNRT_SCHED_EXPONENTIAL, m.sched_rate = 0.5, m.sched_decay_steps = 10;
    ASSERT_NEAR(0.1, nnrt_sched_lr(&s, 0, 1), 1e-15); /* no update done yet */
    ASSERT_NEAR(0.05, nnrt_sched_lr(&s, 0, 11), 1e-15);
    m.schedule = NNRT_SCHED_COSINE, m.sched_alpha = 0.1, m.sched_decay_steps = 0;
    s.run_steps = 100;
    ASSERT_NEAR(0.1 * (0.9 * 0.5 + 0.1), nnrt_sched_lr(&s, 0, 51), 1e-12);
    ASSERT_NEAR(0.01, nnrt_sched_lr(&s, 0, 1000), 1e-12);
    m.schedule = NNRT_SCHED_PLATEAU, m.sched_factor = 0.1, m.sched_patience = 2, m.sched_min_lr = 0.002;
    nnrt_sched_init(&s, &m, 0.1);
    double losses[] = {1.0, 0.99995, 0.99995, 0.5, 0.6, 0.6, 0.6, 0.6};
    int reductions = 0;
    for (int e = 0; e < 8; e++)
        reductions += nnrt_sched_epoch_end(&s, losses[e]);
    /* epoch 2: no gain beyond 1e-4 twice -> 0.01; epochs 5, 6 -> 0.001 floored to 0.002 */
    ASSERT(2, reductions);
    ASSERT_NEAR(0.002, nnrt_sched_lr(&s, 7, 1), 1e-15);

    m.early_stop_patience = 2, m.early_stop_restore_best = 1, m.early_stop_min_delta = 0.01;
    m.param_size = 1;
    EarlyStop es;
    nnrt_es_init(&es, &m);
    float p = 0;
    double val[] = {1.0, 0.8, 0.795, 0.9, 0.7};
    int stopped_at = -1;
    for (int e = 0; e < 5 && stopped_at < 0; e++) {
        p = (float)e;
        if (nnrt_es_epoch_end(&es, val[e], e, &p))
            stopped_at = e;
    }
    ASSERT(3, stopped_at);   /* 0.795 is not better by 0.01; 0.9 is the second miss */
    ASSERT_NEAR(1, p, 0);    /* weights of epoch 1 (val 0.8) restored */
    nnrt_es_free(&es);
}

/* ---- thread pool ---- */

enum { MAX_TEST_THREADS = 64 };

typedef struct Calls {
    int64_t begin[MAX_TEST_THREADS], end[MAX_TEST_THREADS];
    int hits[MAX_TEST_THREADS];
    int *cover;
} Calls;

static void record(void *ctx, int64_t begin, int64_t end, int chunk) {
    Calls *c = ctx;
    c->begin[chunk] = begin, c->end[chunk] = end;
    c->hits[chunk]++;
    for (int64_t i = begin; i < end; i++)
        c->cover[i]++;
}

/* Every element once, every chunk once with its range, whoever runs it: workers spinning,
 * asleep (the caller takes their chunks over), or more threads than cores. */
static void check_pool(int threads) {
    ThreadPool pool;
    char why[100];
    ASSERT_TRUE(nnrt_pool_init(&pool, threads, why, sizeof why));
    ASSERT(threads, nnrt_pool_threads(&pool));
    int64_t sizes[] = {1, 2, 3, 10, 1001};
    for (int s = 0; s < 5; s++) {
        int64_t n = sizes[s];
        for (int rep = 0; rep < 50; rep++) {
            if (rep % 10 == 9) { /* long enough for the workers to go to sleep */
                struct timespec pause = {0, 1000000};
                nanosleep(&pause, NULL);
            }
            Calls c = {{0}, {0}, {0}, calloc((size_t)n, sizeof(int))};
            nnrt_parallel_for(&pool, n, record, &c);
            for (int64_t i = 0; i < n; i++)
                ASSERT(1, c.cover[i]);
            for (int k = 0; k < threads; k++) {
                int64_t b, e;
                nnrt_pool_range(n, threads, k, &b, &e);
                ASSERT(b < e ? 1 : 0, c.hits[k]);
                if (b < e)
                    ASSERT_TRUE(c.begin[k] == b && c.end[k] == e);
            }
            free(c.cover);
        }
    }
    /* serial: the caller runs each job whole, as a 1-thread pool does; then chunks again */
    nnrt_pool_set_serial(&pool, true);
    Calls one = {{0}, {0}, {0}, calloc(1001, sizeof(int))};
    nnrt_parallel_for(&pool, 1001, record, &one);
    ASSERT_TRUE(one.hits[0] == 1 && one.begin[0] == 0 && one.end[0] == 1001);
    for (int k = 1; k < threads; k++)
        ASSERT(0, one.hits[k]);
    free(one.cover);
    nnrt_pool_set_serial(&pool, false);
    Calls again = {{0}, {0}, {0}, calloc(1001, sizeof(int))};
    nnrt_parallel_for(&pool, 1001, record, &again);
    ASSERT(1, again.hits[threads - 1]);
    free(again.cover);
    nnrt_pool_free(&pool);
}

static void test_pool(void) {
    ASSERT(1, nnrt_pool_threads(NULL));
    check_pool(2);
    check_pool(3);
    int more = nnrt_pool_cores() + 2; /* than cores */
    check_pool(more < MAX_TEST_THREADS ? more : MAX_TEST_THREADS);
    int64_t b, e;
    nnrt_pool_range(10, 3, 0, &b, &e);
    ASSERT_TRUE(b == 0 && e == 3);
    nnrt_pool_range(10, 3, 2, &b, &e);
    ASSERT_TRUE(b == 6 && e == 10);
    Calls c = {{0}, {0}, {0}, calloc(5, sizeof(int))};
    nnrt_parallel_for(NULL, 5, record, &c);
    ASSERT_TRUE(c.hits[0] == 1 && c.begin[0] == 0 && c.end[0] == 5);
    free(c.cover);
}

/* ---- --threads auto ---- */

/* Steps of step_all seconds with all threads and step_one with one, until `seconds` of
 * training; the steps numbered slow_step and slow_step2 (if any) take slow_len seconds
 * instead (another process ran, the data moved). Returns the choice's state. */
static ThreadChoice drive_choice2(double step_all, double step_one, double seconds,
                                  int64_t slow_step, int64_t slow_step2, double slow_len) {
    ThreadChoice c;
    nnrt_choice_init(&c, true);
    double spent = 0;
    for (int64_t i = 0; spent < seconds; i++) {
        double t = i == slow_step || i == slow_step2 ? slow_len
                   : nnrt_choice_one(&c)             ? step_one
                                                     : step_all;
        nnrt_choice_step(&c, t);
        spent += t;
    }
    return c;
}

static ThreadChoice drive_choice(double step_all, double step_one, double seconds,
                                 int64_t slow_step, double slow_len) {
    return drive_choice2(step_all, step_one, seconds, slow_step, -1, slow_len);
}

static void test_thread_choice(void) {
    /* one thread twice as fast: after the warm-up and the first comparison, one thread is
     * kept, 4 s at a time (a clear difference) */
    ThreadChoice c = drive_choice(0.001, 0.0005, 10, -1, 0);
    ASSERT(3, c.comparisons);
    ASSERT_TRUE(nnrt_choice_one(&c));
    ASSERT_TRUE(c.steps[1] > 20 * c.steps[0]);
    /* all threads faster: kept, one thread only in the comparisons' windows (~0.5%) */
    c = drive_choice(0.0005, 0.001, 10, -1, 0);
    ASSERT_TRUE(!nnrt_choice_one(&c) && c.comparisons == 3);
    ASSERT_TRUE(c.steps[1] * 100 < c.steps[0]);
    /* 10% apart: compared every second */
    c = drive_choice(0.0011, 0.001, 10, -1, 0);
    ASSERT_TRUE(nnrt_choice_one(&c) && c.comparisons >= 8 && c.comparisons <= 10);
    /* a tie keeps all threads */
    c = drive_choice(0.001, 0.001, 3, -1, 0);
    ASSERT_TRUE(!nnrt_choice_one(&c) && c.comparisons >= 2);
    /* one slow step in the first window of all threads (steps 0-99 are the warm-up's):
     * the second window of all threads decides for them */
    c = drive_choice(0.0005, 0.001, 1.0, 101, 0.5);
    ASSERT(1, c.comparisons);
    ASSERT_TRUE(!nnrt_choice_one(&c));
    /* windows: a first step not counted, then at least 2 steps and 10 ms, so a comparison
     * of 4 windows of 1-second steps takes 12 steps; the warm-up, 1 */
    c = drive_choice(1.0, 1.0, 1 + 12, -1, 0);
    ASSERT(1, c.comparisons);
    ASSERT(13, c.steps[0] + c.steps[1]);
    ASSERT(6, c.steps[1]);
    /* the first step of a window does not count: a slow one (the data moving to the
     * other core) does not make one thread look slower */
    c = drive_choice2(1.0 / 512, 1.0 / 1024, 1.2, 33, 52, 0.5); /* steps 0-25 warm up; all
                              * threads' windows are 26-32 and 45-51, one's 33-44 and 52-63 */
    ASSERT(1, c.comparisons);
    ASSERT_TRUE(nnrt_choice_one(&c));
    c = drive_choice2(1.0 / 512, 1.0 / 1024, 1.2, 34, 53, 0.5); /* counted, they decide */
    ASSERT(1, c.comparisons);
    ASSERT_TRUE(!nnrt_choice_one(&c));
    /* inactive (--threads N): always all threads */
    nnrt_choice_init(&c, false);
    for (int i = 0; i < 100; i++) {
        ASSERT_TRUE(!nnrt_choice_one(&c));
        nnrt_choice_step(&c, i % 2 ? 1.0 : 1e-6);
    }
    ASSERT(100, c.steps[0]);
}

/* ---- rng ---- */

static void test_rng(void) {
    Rng a, b;
    nnrt_rng_seed(&a, 42, RNG_SHUFFLE, 3);
    nnrt_rng_seed(&b, 42, RNG_SHUFFLE, 3);
    for (int i = 0; i < 100; i++)
        ASSERT_TRUE(nnrt_rng_next(&a) == nnrt_rng_next(&b));
    nnrt_rng_seed(&b, 42, RNG_SHUFFLE, 4);
    ASSERT_TRUE(nnrt_rng_next(&a) != nnrt_rng_next(&b));
    int64_t perm[1000];
    int seen[1000] = {0};
    for (int i = 0; i < 1000; i++)
        perm[i] = i;
    nnrt_rng_shuffle(&a, perm, 1000);
    for (int i = 0; i < 1000; i++)
        seen[perm[i]]++;
    for (int i = 0; i < 1000; i++)
        ASSERT(1, seen[i]);
    double sum = 0, sum2 = 0;
    for (int i = 0; i < 100000; i++) {
        double z = nnrt_rng_normal(&a);
        sum += z, sum2 += z * z;
        double u = nnrt_rng_uniform(&a);
        ASSERT_TRUE(u >= 0 && u < 1);
    }
    ASSERT_NEAR(0, sum / 100000, 0.02);
    ASSERT_NEAR(1, sum2 / 100000, 0.02);

    /* the dropout noise's fill: in [0, 1), the same from the same state, every slot
     * uniform (a slot's mean 1/2, variance 1/12, over 4,000 fills of 8 + 3 values: the
     * 8 lanes of one round and the tail drawn one at a time), the slots unrelated (the
     * mean product of neighbours 1/4), and the caller's generator 4 draws on */
    enum { FILL = 11, FILLS = 4000 };
    nnrt_rng_seed(&a, 7, RNG_NOISE, 1);
    nnrt_rng_seed(&b, 7, RNG_NOISE, 1);
    double slot[FILL] = {0}, slot2[FILL] = {0}, next_to[FILL - 1] = {0};
    for (int f = 0; f < FILLS; f++) {
        float u[FILL], v[FILL];
        nnrt_rng_fill_uniformf(&a, u, FILL);
        nnrt_rng_fill_uniformf(&b, v, FILL);
        for (int i = 0; i < FILL; i++) {
            ASSERT_TRUE(u[i] >= 0 && u[i] < 1 && u[i] == v[i]);
            slot[i] += u[i], slot2[i] += (double)u[i] * u[i];
            if (i + 1 < FILL)
                next_to[i] += (double)u[i] * u[i + 1];
        }
    }
    for (int i = 0; i < FILL; i++) {
        ASSERT_NEAR(0.5, slot[i] / FILLS, 0.015);
        ASSERT_NEAR(1.0 / 12, slot2[i] / FILLS - (slot[i] / FILLS) * (slot[i] / FILLS), 0.006);
        if (i + 1 < FILL)
            ASSERT_NEAR(0.25, next_to[i] / FILLS, 0.015);
    }
    nnrt_rng_seed(&b, 7, RNG_NOISE, 1);
    for (int f = 0; f < FILLS * 4; f++)
        nnrt_rng_next(&b);
    ASSERT_TRUE(nnrt_rng_next(&a) == nnrt_rng_next(&b));
}

/* ---- JSON and checkpoints ---- */

static void test_json(void) {
    const char *text = " {\"a\\u00e9\\n\": [1, -2.5e3, true, null], \"b\": {\"c\": \"\\\"x\\\"\"}} ";
    Json j;
    char why[100];
    ASSERT_TRUE(nnrt_json_parse(text, strlen(text), &j, why, sizeof why));
    const Json *a = nnrt_json_get(&j, "a\xc3\xa9\n");
    ASSERT_TRUE(a && a->kind == JSON_ARRAY && a->n == 4);
    ASSERT_TRUE(a && a->items[1].number == -2500 && a->items[0].is_integer);
    const Json *b = nnrt_json_get(&j, "b");
    ASSERT_TRUE(b && strcmp(nnrt_json_get(b, "c")->string, "\"x\"") == 0);
    nnrt_json_free(&j);
    ASSERT_TRUE(!nnrt_json_parse("{\"a\": [1,}", 10, &j, why, sizeof why));
    ASSERT_CONTAINS(why, "byte 9");
}

/* How many entries of directory dir have a name that starts with prefix. */
static int files_starting(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

static long file_size(const char *path, unsigned char **bytes) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    *bytes = malloc((size_t)n);
    if (fread(*bytes, 1, (size_t)n, f) != (size_t)n)
        n = -1;
    fclose(f);
    return n;
}

static void test_checkpoint(void) {
    NnrtModel m = make_model(8);
    double params[15], opt[30], params2[15] = {0}, opt2[30] = {0};
    for (int i = 0; i < 15; i++)
        params[i] = sin(i + 1) * 1e-3;
    for (int i = 0; i < 30; i++)
        opt[i] = cos(i) / 7;
    TrainState st = {3, 1234, 99}, st2 = {0};
    Schedule s, s2;
    nnrt_sched_init(&s, &m, 0.01);
    nnrt_sched_init(&s2, &m, 0.01);
    s.plateau_lr = 1.0 / 3, s.plateau_wait = 2;
    CkptParts p = {.m = &m, .params = params, .opt_state = opt, .state = &st, .sched = &s};
    NnrtError err = {0};
    bool ok = nnrt_ckpt_save(tmp("a.safetensors"), &p, &err);
    check(ok, "nnrt_ckpt_save", __FILE__, __LINE__, "%s", err.msg);
    ASSERT(0, files_starting(tmp(""), "a.safetensors.tmp")); /* renamed away */
    /* mode 0644 less the umask, as before the temporary file had a name of its own */
    mode_t mask = umask(022);
    umask(mask);
    struct stat sb;
    ASSERT_TRUE(stat(tmp("a.safetensors"), &sb) == 0 && (sb.st_mode & 0777) == (0644 & ~mask));
    CkptParts q = {.m = &m, .params = params2, .opt_state = opt2, .state = &st2, .sched = &s2};
    ok = nnrt_ckpt_load(tmp("a.safetensors"), &q, true, &err);
    check(ok, "nnrt_ckpt_load", __FILE__, __LINE__, "%s", err.msg);
    ASSERT_TRUE(memcmp(params, params2, sizeof params) == 0);
    ASSERT_TRUE(memcmp(opt, opt2, sizeof opt) == 0);
    ASSERT_TRUE(st2.epoch == 3 && st2.step == 1234 && st2.seed == 99);
    ASSERT_TRUE(s2.plateau_lr == 1.0 / 3 && s2.plateau_wait == 2);
    ASSERT_TRUE(!q.fingerprint_differs);
    /* Saving what was loaded reproduces the file byte for byte. */
    q.es = NULL;
    ok = nnrt_ckpt_save(tmp("b.safetensors"), &q, &err);
    unsigned char *fa = NULL, *fb = NULL;
    long na = file_size(tmp("a.safetensors"), &fa), nb = file_size(tmp("b.safetensors"), &fb);
    ASSERT_TRUE(ok && na > 0 && na == nb && memcmp(fa, fb, (size_t)na) == 0);
    /* The layout is plain safetensors: header length, JSON, data 8-byte aligned. */
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | fa[i];
    ASSERT(0, (8 + hlen) % 8);
    ASSERT(8 + hlen + 15 * 8 + 30 * 8, na);
    SafeTensors sf;
    ASSERT_TRUE(nnrt_st_open(&sf, tmp("a.safetensors"), &err));
    StView v;
    ASSERT(1, nnrt_st_find(&sf, "dense.W", &v, &err));
    ASSERT_TRUE(v.rank == 2 && v.dims[0] == 4 && v.dims[1] == 3 && v.elem_size == 8);
    ASSERT_TRUE(strcmp(nnrt_st_meta(&sf, "fingerprint"), "0x0000000000001234") == 0);
    nnrt_st_close(&sf);
    free(fa);
    free(fb);
}

/* A name at the filesystem's limit (NAME_MAX bytes) is saved too: its temporary file's
 * name keeps the start of it, cut to fit (before, "NAME.tmp" was too long: refused). */
static void test_checkpoint_long_name(void) {
    NnrtModel m = make_model(8);
    double params[15] = {0};
    CkptParts p = {.m = &m, .params = params};
    NnrtError err = {0};
    char name[NAME_MAX + 1];
    memset(name, 'n', NAME_MAX - 12);
    strcpy(name + NAME_MAX - 12, ".safetensors");
    bool ok = nnrt_ckpt_can_save(tmp(name), &err) && nnrt_ckpt_save(tmp(name), &p, &err);
    check(ok, "nnrt_ckpt_save", __FILE__, __LINE__, "%s", err.msg);
    ASSERT_TRUE(access(tmp(name), F_OK) == 0);
    ASSERT(1, files_starting(tmp(""), "nnnnnnnnnn")); /* no temporary file left */
}

/* Loading into another model names the tensor; precision converts; resume needs state. */
static void test_checkpoint_mismatch(void) {
    NnrtModel m = make_model(8);
    double params[15], opt[30];
    for (int i = 0; i < 15; i++)
        params[i] = sin(i + 1) * 1e-3;
    memset(opt, 0, sizeof opt);
    TrainState st = {1, 10, 5}, st2 = {0};
    CkptParts p = {.m = &m, .params = params, .opt_state = opt, .state = &st};
    NnrtError err = {0};
    ASSERT_TRUE(nnrt_ckpt_save(tmp("m.safetensors"), &p, &err));
    NnrtModel other = make_model(8);
    other.tensors = tensors_b, other.param_size = 23;
    double big[23];
    CkptParts r = {.m = &other, .params = big};
    ASSERT_TRUE(!nnrt_ckpt_load(tmp("m.safetensors"), &r, false, &err));
    ASSERT_CONTAINS(err.msg, "m.safetensors: tensor \"dense.W\" has shape [4, 3], but model 'tiny' expects [4, 5]");
    /* An f32 model loads an f64 checkpoint by converting. */
    NnrtModel m32 = make_model(4);
    float p32[15];
    CkptParts c32 = {.m = &m32, .params = p32};
    ASSERT_TRUE(nnrt_ckpt_load(tmp("m.safetensors"), &c32, false, &err));
    ASSERT_NEAR(params[14], p32[14], 1e-9);
    /* A resume needs the optimizer state. */
    p.opt_state = NULL;
    nnrt_ckpt_save(tmp("c.safetensors"), &p, &err);
    CkptParts q = {.m = &m, .params = params, .opt_state = opt, .state = &st2};
    ASSERT_TRUE(!nnrt_ckpt_load(tmp("c.safetensors"), &q, true, &err));
    ASSERT_CONTAINS(err.msg, "tensor \"optimizer.state\" is missing");
}

/* ---- command line and model checks ---- */

static void test_cli(void) {
    NnrtModel m = make_model(4);
    Options o;
    char *argv1[] = {"./tiny", "--epochs", "3", "--data", "x.idx", "y.idx", "--lr=0.5", "--test", "t.csv", "--quiet"};
    FILE *devnull = fopen("/dev/null", "w");
    ASSERT(CLI_RUN, nnrt_cli_parse(&o, &m, 10, argv1, devnull, devnull));
    ASSERT(3, o.epochs);
    ASSERT_TRUE(o.data_labels && strcmp(o.data_labels, "y.idx") == 0);
    ASSERT_TRUE(o.test_path && !o.test_labels);
    ASSERT_NEAR(0.5, o.lr, 0);
    ASSERT(4, o.batch); /* the model's default */
    ASSERT(0, o.verbose);
    char *argv2[] = {"./tiny", "--epochs", "zero"};
    ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 3, argv2, devnull, devnull));
    char *argv3[] = {"./tiny", "--load", "a", "--resume", "b"};
    ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 5, argv3, devnull, devnull));
    char *argv4[] = {"./tiny", "--bogus"};
    ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 2, argv4, devnull, devnull));
    /* shuffle and verbose: the model's, then the options', the last of them counting */
    char *argv5[] = {"./tiny"};
    ASSERT(CLI_RUN, nnrt_cli_parse(&o, &m, 1, argv5, devnull, devnull));
    ASSERT_TRUE(o.shuffle);
    ASSERT(1, o.verbose);
    char *argv6[] = {"./tiny", "--no-shuffle", "--quiet", "--verbose=2"};
    ASSERT(CLI_RUN, nnrt_cli_parse(&o, &m, 4, argv6, devnull, devnull));
    ASSERT_TRUE(!o.shuffle);
    ASSERT(2, o.verbose);
    NnrtModel quiet = m;
    quiet.shuffle = 0, quiet.verbose = 0;
    char *argv7[] = {"./tiny", "--no-shuffle", "--shuffle"};
    ASSERT(CLI_RUN, nnrt_cli_parse(&o, &quiet, 3, argv7, devnull, devnull));
    ASSERT_TRUE(o.shuffle);
    ASSERT(0, o.verbose);
    char *argv8[] = {"./tiny", "--verbose", "3"};
    ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 3, argv8, devnull, devnull));
    char *argv9[] = {"./tiny", "--shuffle=no"};
    ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 2, argv9, devnull, devnull));
    /* a value given as the next argument never starts with "--": --save --quiet is a --save
     * without its value (it wrote a checkpoint named --quiet); --save=--quiet names that file */
    char *argv10[] = {"./tiny", "--save", "--quiet"};
    ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 3, argv10, devnull, devnull));
    char *argv11[] = {"./tiny", "--predict", "--no-shuffle"};
    ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 3, argv11, devnull, devnull));
    char *argv12[] = {"./tiny", "--save=--quiet", "--history", "./--h"};
    ASSERT(CLI_RUN, nnrt_cli_parse(&o, &m, 4, argv12, devnull, devnull));
    ASSERT_TRUE(o.save && strcmp(o.save, "--quiet") == 0);
    ASSERT_TRUE(o.history && strcmp(o.history, "./--h") == 0);
    ASSERT(1, o.verbose); /* --quiet was a value, not the option */
    char *argv13[] = {"./tiny", "--epochs", "--quiet"};
    ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 3, argv13, devnull, devnull));
    /* numbers are plain decimals, as the language writes them; verbose takes Keras' auto */
    const char *bad[][2] = {{"--verbose", " 1"}, {"--verbose", "+2"}, {"--epochs", "+2"},
                            {"--batch", " 8"}, {"--limit", "\t3"}, {"--lr", " 0.5"},
                            {"--lr", "+0.5"}, {"--lr", "0x10"}, {"--lr", "inf"},
                            {"--threads", "1 "}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"./tiny", (char *)bad[i][0], (char *)bad[i][1]};
        ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 3, argv, devnull, devnull));
    }
    /* --threads: auto by default and when asked for, a number fixes it */
    char *argv15[] = {"./tiny"};
    ASSERT(CLI_RUN, nnrt_cli_parse(&o, &m, 1, argv15, devnull, devnull));
    ASSERT_TRUE(o.threads_auto);
    ASSERT(nnrt_pool_cores() < NNRT_MAX_THREADS ? nnrt_pool_cores() : NNRT_MAX_THREADS, o.threads);
    char *argv16[] = {"./tiny", "--threads", "3"};
    ASSERT(CLI_RUN, nnrt_cli_parse(&o, &m, 3, argv16, devnull, devnull));
    ASSERT_TRUE(!o.threads_auto);
    ASSERT(3, o.threads);
    char *argv17[] = {"./tiny", "--threads=2", "--threads", "auto"};
    ASSERT(CLI_RUN, nnrt_cli_parse(&o, &m, 4, argv17, devnull, devnull));
    ASSERT_TRUE(o.threads_auto);
    const char *bad_threads[] = {"0", "Auto", "auto1", "-1", "257"};
    for (size_t i = 0; i < sizeof bad_threads / sizeof bad_threads[0]; i++) {
        char *argv[] = {"./tiny", "--threads", (char *)bad_threads[i]};
        ASSERT(CLI_USAGE, nnrt_cli_parse(&o, &m, 3, argv, devnull, devnull));
    }
    char *argv14[] = {"./tiny", "--quiet", "--verbose", "auto", "--lr", ".5"};
    ASSERT(CLI_RUN, nnrt_cli_parse(&o, &m, 6, argv14, devnull, devnull));
    ASSERT(1, o.verbose);
    ASSERT_NEAR(0.5, o.lr, 0);
    fclose(devnull);
    NnrtError err;
    ASSERT_TRUE(nnrt_check_model(&m, &err));
    m.loss = NNRT_LOSS_CATEGORICAL_CE; /* one_hot must then be 1 */
    ASSERT_TRUE(!nnrt_check_model(&m, &err));
    ASSERT_CONTAINS(err.msg, "one_hot is 0");
    m = make_model(4);
    m.verbose = 3;
    ASSERT_TRUE(!nnrt_check_model(&m, &err));
    ASSERT_CONTAINS(err.msg, "verbose is 3 (expected 0, 1 or 2)");
}

/* NnrtModel.noise_seeds (dropout layers with Keras' seed=): slices of the noise row in
 * order, inside it, not overlapping; anything else is refused. */
static void test_noise_seeds_checked(void) {
    NnrtModel m = make_model(4);
    m.noise_per_example = 10;
    NnrtNoiseSeed good[] = {{0, 2, 5}, {4, 6, 7}}, overlap[] = {{2, 3, 1}, {4, 2, 2}},
                  outside[] = {{8, 3, 1}}, empty[] = {{3, 0, 1}};
    NnrtError err;
    m.noise_seeds = good, m.n_noise_seeds = 2;
    ASSERT_TRUE(nnrt_check_model(&m, &err));
    m.noise_seeds = overlap;
    ASSERT_TRUE(!nnrt_check_model(&m, &err));
    ASSERT_CONTAINS(err.msg, "noise seed 1 covers [4, 4 + 2)");
    m.noise_seeds = outside, m.n_noise_seeds = 1;
    ASSERT_TRUE(!nnrt_check_model(&m, &err));
    ASSERT_CONTAINS(err.msg, "not inside the noise row of 10");
    m.noise_seeds = empty;
    ASSERT_TRUE(!nnrt_check_model(&m, &err));
    m.noise_seeds = NULL;
    ASSERT_TRUE(!nnrt_check_model(&m, &err));
    ASSERT_CONTAINS(err.msg, "n_noise_seeds is 1 without noise_seeds");
}

int main(void) {
    if (!check_begin("nnrt_unit"))
        return 1;
    test_rng();
    test_pool();
    test_thread_choice();
    test_idx(false);
    test_idx(true);
    test_idx_errors();
    test_npy();
    test_idx_float_not_finite();
    test_labels_as_stored();
    test_one_hot_fortran();
    test_csv();
    test_series();
    test_splits();
    test_loader(4);
    test_loader(8);
    test_loader_ahead(4);
    test_loader_ahead(8);
    test_augment();
    test_metrics();
    test_schedules();
    test_json();
    test_checkpoint();
    test_checkpoint_long_name();
    test_checkpoint_mismatch();
    test_cli();
    test_noise_seeds_checked();
    return check_end();
}
