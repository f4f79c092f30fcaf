/*
 * fuzz_ckpt.c — checkpoints (runtime/checkpoint.c, json.c): a safetensors file read by
 * `--load FILE` or `--resume FILE` into one of the models that wrote the seeds (seeds.sh
 * trains them): `tiny` (models/tiny.nn: input [4], dense(3, relu), dense(3, softmax),
 * adam, early stopping with restore_best, reduce_on_plateau, CSV class names,
 * standardize), the same in f64, or examples/mlp.nn (784 -> 100 -> 10, rmsprop). After a
 * checkpoint is accepted, tiny evaluates or resumes training on a small CSV file, so the
 * restored statistics, class names and counters are used as a run uses them.
 *
 * Input: cfg ckpt[rest]
 *   cfg: bits 0-1 tiny, tiny f64, mlp, tiny; bit 2 --resume; bit 3 standardize;
 *        bit 4 only read the checkpoint; bit 5 the model's own class names;
 *        bit 6 --evaluate (else train).
 */
#include "fuzz_common.h"

#include <stdio.h>
#include <string.h>

static const char tiny_csv[] =
    "a,b,c,d,label\n"
    "-0.73,0.68,0.12,-0.50,cat\n0.40,-0.11,0.93,0.02,dog\n0.05,0.77,-0.64,0.31,emu\n"
    "0.88,-0.42,0.19,-0.97,cat\n-0.26,0.54,0.61,0.45,dog\n0.13,-0.80,-0.35,0.70,emu\n"
    "-0.59,0.21,0.84,-0.14,cat\n0.66,0.09,-0.22,0.57,dog\n";

static const char *const mlp_names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FzInput in = {data, size};
    uint8_t cfg = fz_byte(&in);
    size_t n;
    const uint8_t *ck = fz_take(&in, SIZE_MAX, &n);
    static const char *csv;
    if (!csv) {
        csv = fz_path("tiny.csv");
        fz_write(csv, tiny_csv, sizeof tiny_csv - 1);
    }
    const char *path = fz_path("model.safetensors");
    fz_write(path, ck, n);

    FzModel fm;
    bool mlp = (cfg & 3) == 2;
    /* input [4] (or [784]), sparse categorical CE over 3 (10) classes, validation 0.25 */
    fz_model_config(&fm, ((cfg & 3) == 1 ? 0x80 : 0) | (cfg & 0x20), 1);
    NnrtModel *m = &fm.m;
    if (mlp) {
        m->name = "mlp";
        m->fingerprint = 0x6fa7d39f0c0c9ebcull;
        m->input_dims[0] = m->input_size = 784;
        m->n_classes = m->n_outputs = 10;
        m->optimizer = "rmsprop";
        fm.tensors[0] = (NnrtTensor){"dense.W", 2, {784, 100}, 0, 78400, 1,
                                     NNRT_INIT_GLOROT_UNIFORM, 784, 100, 0, {.seeded = 0}};
        fm.tensors[1] = (NnrtTensor){"dense.b", 1, {100}, 78400, 100, 1, NNRT_INIT_ZEROS, 784,
                                     100, 0, {.seeded = 0}};
        static NnrtTensor more[4];
        more[0] = fm.tensors[0];
        more[1] = fm.tensors[1];
        more[2] = (NnrtTensor){"dense_1.W", 2, {100, 10}, 78500, 1000, 1,
                               NNRT_INIT_GLOROT_UNIFORM, 100, 10, 0, {.seeded = 0}};
        more[3] = (NnrtTensor){"dense_1.b", 1, {10}, 79500, 10, 1, NNRT_INIT_ZEROS, 100, 10, 0,
                               {.seeded = 0}};
        m->tensors = more;
        m->n_tensors = 4;
        m->param_size = m->opt_state_size = 79510;
        if (cfg & 0x20)
            m->class_names = mlp_names;
        fm.restore_only = true; /* no data of 784 features here */
    } else {
        m->name = "tiny";
        static NnrtTensor tiny[4] = {
            {"dense.W", 2, {4, 3}, 0, 12, 1, NNRT_INIT_GLOROT_UNIFORM, 4, 3, 0, {.seeded = 0}},
            {"dense.b", 1, {3}, 12, 3, 1, NNRT_INIT_ZEROS, 4, 3, 0, {.seeded = 0}},
            {"dense_1.W", 2, {3, 3}, 15, 9, 1, NNRT_INIT_GLOROT_UNIFORM, 3, 3, 0, {.seeded = 0}},
            {"dense_1.b", 1, {3}, 24, 3, 1, NNRT_INIT_ZEROS, 3, 3, 0, {.seeded = 0}},
        };
        m->tensors = tiny;
        m->n_tensors = 4;
        m->param_size = 27;
        m->opt_state_size = 54;
        fm.restore_only = cfg & 0x10;
    }
    m->early_stop_patience = 3;
    m->early_stop_restore_best = 1;
    m->schedule = NNRT_SCHED_PLATEAU;
    m->sched_factor = 0.5;
    m->sched_patience = 2;
    m->data.kind = NNRT_DATA_CSV;
    m->data.features_path = csv;
    m->data.csv_label = "label";
    m->data.standardize = cfg & 8 ? 1 : 0;
    fm.limit = 0;
    fm.checkpoint = path;
    fm.resume = cfg & 4;
    fm.evaluate = !fm.resume && (cfg & 0x40);
    /* the data file is valid: a refusal must name the checkpoint */
    const char *files[] = {path, NULL};
    fz_run_trainer(&fm, files);
    return 0;
}
