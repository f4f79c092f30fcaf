/*
 * cg_model.c — the `nnrt_model` descriptor (runtime/nnrt.h) as an LLVM constant, and the
 * work_size() function it points to.
 *
 * The C structs are mirrored byte for byte: every field is placed at the offsetof() the
 * compiler itself was built with, in a packed LLVM struct with explicit padding, so the
 * descriptor cannot drift from the header the runtime is compiled against (compiler,
 * runtime and trainer all run on the same x86-64 ABI).
 */
#include "cg_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nnrt.h"

enum { CS_MAX_FIELDS = 128 };

/* A C struct under construction: values at byte offsets, in increasing order. */
typedef struct CStruct {
    Codegen *cg;
    size_t size;
    size_t offset[CS_MAX_FIELDS];
    LLVMValueRef value[CS_MAX_FIELDS];
    int n;
} CStruct;

static void cs_put(CStruct *s, size_t offset, LLVMValueRef v) {
    if (s->n == CS_MAX_FIELDS)
        NNLC_UNREACHABLE("more descriptor fields than CS_MAX_FIELDS");
    if (s->n && offset <= s->offset[s->n - 1])
        NNLC_UNREACHABLE("descriptor fields out of order");
    s->offset[s->n] = offset;
    s->value[s->n++] = v;
}

static void cs_i32(CStruct *s, size_t off, int64_t v) { cs_put(s, off, LLVMConstInt(s->cg->i32, (uint64_t)v, true)); }
static void cs_i64(CStruct *s, size_t off, int64_t v) { cs_put(s, off, LLVMConstInt(s->cg->i64, (uint64_t)v, true)); }
static void cs_f64(CStruct *s, size_t off, double v) { cs_put(s, off, LLVMConstReal(s->cg->f64, v)); }
static void cs_ptr(CStruct *s, size_t off, LLVMValueRef v) { cs_put(s, off, v ? v : LLVMConstNull(s->cg->ptr)); }

static void pad(Codegen *cg, LLVMValueRef *fields, int *n, size_t bytes) {
    if (bytes)
        fields[(*n)++] = LLVMConstNull(LLVMArrayType(cg->i8, (unsigned)bytes));
}

/* The packed constant, padded to the C struct's size. */
static LLVMValueRef cs_const(CStruct *s) {
    LLVMValueRef fields[2 * CS_MAX_FIELDS + 1];
    int n = 0;
    size_t at = 0;
    for (int i = 0; i < s->n; i++) {
        pad(s->cg, fields, &n, s->offset[i] - at);
        fields[n++] = s->value[i];
        at = s->offset[i] + LLVMABISizeOfType(s->cg->td, LLVMTypeOf(s->value[i]));
    }
    pad(s->cg, fields, &n, s->size - at);
    return LLVMConstStructInContext(s->cg->ctx, fields, (unsigned)n, true);
}

static LLVMValueRef global_const(Codegen *cg, const char *name, LLVMValueRef init) {
    LLVMValueRef g = LLVMAddGlobal(cg->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, true);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetAlignment(g, 8);
    return g;
}

static LLVMValueRef cstring(Codegen *cg, const char *text) {
    if (!text)
        return NULL;
    LLVMValueRef s = LLVMConstStringInContext(cg->ctx, text, (unsigned)strlen(text), false);
    LLVMValueRef g = global_const(cg, ".str", s);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    LLVMSetAlignment(g, 1);
    return g;
}

static LLVMValueRef string_array(Codegen *cg, const char *name, const char *const *items, int n) {
    if (!items || n <= 0)
        return NULL;
    LLVMValueRef *v = malloc(sizeof(LLVMValueRef) * (size_t)n);
    for (int i = 0; i < n; i++)
        v[i] = cstring(cg, items[i]);
    LLVMValueRef arr = global_const(cg, name, LLVMConstArray(cg->ptr, v, (unsigned)n));
    free(v);
    return arr;
}

static void put_data_source(Codegen *cg, CStruct *s, size_t base, const NnrtDataSource *d,
                            const char *what) {
    char name[64];
    snprintf(name, sizeof name, "%s.series_inputs", what);
    cs_i32(s, base + offsetof(NnrtDataSource, kind), d->kind);
    cs_ptr(s, base + offsetof(NnrtDataSource, features_path), cstring(cg, d->features_path));
    cs_ptr(s, base + offsetof(NnrtDataSource, labels_path), cstring(cg, d->labels_path));
    cs_f64(s, base + offsetof(NnrtDataSource, scale), d->scale);
    cs_f64(s, base + offsetof(NnrtDataSource, shift), d->shift);
    cs_i32(s, base + offsetof(NnrtDataSource, standardize), d->standardize);
    cs_i32(s, base + offsetof(NnrtDataSource, csv_header), d->csv_header);
    cs_ptr(s, base + offsetof(NnrtDataSource, csv_label), cstring(cg, d->csv_label));
    cs_i32(s, base + offsetof(NnrtDataSource, csv_label_index), d->csv_label_index);
    cs_ptr(s, base + offsetof(NnrtDataSource, series_inputs),
           string_array(cg, name, d->series_inputs, d->n_series_inputs));
    cs_i32(s, base + offsetof(NnrtDataSource, n_series_inputs), d->n_series_inputs);
    cs_ptr(s, base + offsetof(NnrtDataSource, series_target), cstring(cg, d->series_target));
    cs_i32(s, base + offsetof(NnrtDataSource, window), d->window);
    cs_i32(s, base + offsetof(NnrtDataSource, horizon), d->horizon);
}

static void init_options(CStruct *s, size_t base, const NnrtInitOptions *o) {
    cs_f64(s, base + offsetof(NnrtInitOptions, mean), o->mean);
    cs_f64(s, base + offsetof(NnrtInitOptions, stddev), o->stddev);
    cs_f64(s, base + offsetof(NnrtInitOptions, minval), o->minval);
    cs_f64(s, base + offsetof(NnrtInitOptions, maxval), o->maxval);
    cs_f64(s, base + offsetof(NnrtInitOptions, value), o->value);
    cs_f64(s, base + offsetof(NnrtInitOptions, gain), o->gain);
    cs_f64(s, base + offsetof(NnrtInitOptions, scale), o->scale);
    cs_i32(s, base + offsetof(NnrtInitOptions, mode), o->mode);
    cs_i32(s, base + offsetof(NnrtInitOptions, distribution), o->distribution);
    cs_i32(s, base + offsetof(NnrtInitOptions, seeded), o->seeded);
    cs_i64(s, base + offsetof(NnrtInitOptions, seed), (int64_t)o->seed);
    cs_i32(s, base + offsetof(NnrtInitOptions, unit_forget), o->unit_forget);
}

/* A constant global array of the n structs items (cs_const's), which it frees. */
static LLVMValueRef struct_table(Codegen *cg, const char *name, LLVMValueRef *items, int n) {
    LLVMValueRef arr = LLVMConstArray(LLVMTypeOf(items[0]), items, (unsigned)n);
    free(items);
    return global_const(cg, name, arr);
}

static LLVMValueRef tensor_table(Codegen *cg) {
    const Graph *g = cg->g;
    if (g->ntensors == 0)
        return NULL;
    LLVMValueRef *items = malloc(sizeof(LLVMValueRef) * (size_t)g->ntensors);
    for (int i = 0; i < g->ntensors; i++) {
        const ParamTensor *t = g->tensors[i];
        CStruct s = {.cg = cg, .size = sizeof(NnrtTensor)};
        cs_ptr(&s, offsetof(NnrtTensor, name), cstring(cg, t->name));
        cs_i32(&s, offsetof(NnrtTensor, rank), t->shape.rank);
        for (int k = 0; k < NNRT_MAX_RANK; k++)
            cs_i64(&s, offsetof(NnrtTensor, dims) + (size_t)k * sizeof(int64_t),
                   k < t->shape.rank ? t->shape.d[k] : 0);
        cs_i64(&s, offsetof(NnrtTensor, offset), t->offset);
        cs_i64(&s, offsetof(NnrtTensor, size), t->size);
        cs_i32(&s, offsetof(NnrtTensor, trainable), t->trainable);
        cs_i32(&s, offsetof(NnrtTensor, init), t->init.kind);
        cs_i64(&s, offsetof(NnrtTensor, fan_in), t->fan_in);
        cs_i64(&s, offsetof(NnrtTensor, fan_out), t->fan_out);
        cs_f64(&s, offsetof(NnrtTensor, l2), t->l2);
        init_options(&s, offsetof(NnrtTensor, init_options), &t->init.options);
        items[i] = cs_const(&s);
    }
    return struct_table(cg, "nnrt_model.tensors", items, g->ntensors);
}

/* NnrtModel.noise_seeds: the dropout layers' slices with their own seed, or NULL. */
static LLVMValueRef noise_seed_table(Codegen *cg) {
    const LoopProgram *p = cg->p;
    if (p->n_noise_seeds == 0)
        return NULL;
    LLVMValueRef *items = malloc(sizeof(LLVMValueRef) * (size_t)p->n_noise_seeds);
    for (int i = 0; i < p->n_noise_seeds; i++) {
        const NnrtNoiseSeed *ns = &p->noise_seeds[i];
        CStruct s = {.cg = cg, .size = sizeof(NnrtNoiseSeed)};
        cs_i64(&s, offsetof(NnrtNoiseSeed, start), ns->start);
        cs_i64(&s, offsetof(NnrtNoiseSeed, size), ns->size);
        cs_i64(&s, offsetof(NnrtNoiseSeed, seed), (int64_t)ns->seed);
        items[i] = cs_const(&s);
    }
    return struct_table(cg, "nnrt_model.noise_seeds", items, p->n_noise_seeds);
}

/* size_t work_size(int64_t batch) { return elem_size·(batch·per_row + fixed); } */
static LLVMValueRef work_size_fn(Codegen *cg) {
    LLVMTypeRef fty = LLVMFunctionType(cg->i64, &cg->i64, 1, false);
    LLVMValueRef fn = LLVMAddFunction(cg->mod, "work_size", fty);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    LLVMValueRef batch = LLVMGetParam(fn, 0);
    LLVMSetValueName2(batch, "batch", 5);
    LLVMPositionBuilderAtEnd(cg->b, LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry"));
    int64_t es = cg->p->elem_size;
    LLVMValueRef rows = LLVMBuildMul(cg->b, batch, LLVMConstInt(cg->i64, (uint64_t)(es * cg->p->work_per_row), false), "");
    LLVMBuildRet(cg->b, LLVMBuildAdd(cg->b, rows, LLVMConstInt(cg->i64, (uint64_t)(es * cg->p->work_fixed), false), "bytes"));
    return fn;
}

void cg_model_descriptor(Codegen *cg) {
    const Graph *g = cg->g;
    const LoopProgram *p = cg->p;
    const TrainSpec *t = &g->train;
    CStruct s = {.cg = cg, .size = sizeof(NnrtModel)};
    cs_i32(&s, offsetof(NnrtModel, abi_version), NNRT_ABI_VERSION);
    cs_ptr(&s, offsetof(NnrtModel, name), cstring(cg, g->name));
    cs_ptr(&s, offsetof(NnrtModel, source), cstring(cg, cg->opt->source_path));
    cs_i64(&s, offsetof(NnrtModel, fingerprint), (int64_t)graph_fingerprint(g));
    cs_i32(&s, offsetof(NnrtModel, elem_size), p->elem_size);
    const Shape in = g->input->out;
    cs_i32(&s, offsetof(NnrtModel, input_rank), in.rank);
    for (int k = 0; k < NNRT_MAX_RANK; k++)
        cs_i64(&s, offsetof(NnrtModel, input_dims) + (size_t)k * sizeof(int64_t),
               k < in.rank ? in.d[k] : 0);
    cs_i64(&s, offsetof(NnrtModel, input_size), shape_size(in));
    cs_i64(&s, offsetof(NnrtModel, n_outputs), p->n_outputs);
    cs_i32(&s, offsetof(NnrtModel, task), p->task);
    cs_i32(&s, offsetof(NnrtModel, loss), t->loss);
    cs_i64(&s, offsetof(NnrtModel, n_classes), p->n_classes);
    cs_ptr(&s, offsetof(NnrtModel, class_names),
           string_array(cg, "nnrt_model.class_names", t->class_names, t->n_class_names));
    cs_ptr(&s, offsetof(NnrtModel, tensors), tensor_table(cg));
    cs_i32(&s, offsetof(NnrtModel, n_tensors), g->ntensors);
    cs_i64(&s, offsetof(NnrtModel, param_size), g->param_size);
    cs_i64(&s, offsetof(NnrtModel, opt_state_size), p->state_size);
    cs_i64(&s, offsetof(NnrtModel, noise_per_example), p->noise_per_row);
    cs_ptr(&s, offsetof(NnrtModel, noise_seeds), noise_seed_table(cg));
    cs_i32(&s, offsetof(NnrtModel, n_noise_seeds), p->n_noise_seeds);
    cs_ptr(&s, offsetof(NnrtModel, work_size), work_size_fn(cg));
    cs_ptr(&s, offsetof(NnrtModel, forward), cg_function_of(cg, p->forward));
    cs_ptr(&s, offsetof(NnrtModel, loss_fn), cg_function_of(cg, p->loss));
    cs_ptr(&s, offsetof(NnrtModel, backward), cg_function_of(cg, p->backward));
    cs_ptr(&s, offsetof(NnrtModel, update), cg_function_of(cg, p->update));
    if (p->backward_update)
        cs_ptr(&s, offsetof(NnrtModel, backward_update), cg_function_of(cg, p->backward_update));
    cs_ptr(&s, offsetof(NnrtModel, optimizer), cstring(cg, opt_name(t->opt.kind)));
    cs_f64(&s, offsetof(NnrtModel, lr), t->opt.lr);
    cs_i32(&s, offsetof(NnrtModel, epochs), t->epochs);
    cs_i64(&s, offsetof(NnrtModel, batch), t->batch);
    cs_i64(&s, offsetof(NnrtModel, seed), (int64_t)t->seed);
    cs_i32(&s, offsetof(NnrtModel, shuffle), t->shuffle);
    cs_i32(&s, offsetof(NnrtModel, verbose), t->verbose);
    cs_f64(&s, offsetof(NnrtModel, validation_split), t->validation_split);
    cs_f64(&s, offsetof(NnrtModel, split_train), t->split[0]);
    cs_f64(&s, offsetof(NnrtModel, split_val), t->split[1]);
    cs_f64(&s, offsetof(NnrtModel, split_test), t->split[2]);
    cs_ptr(&s, offsetof(NnrtModel, split_text), cstring(cg, t->split_text));
    put_data_source(cg, &s, offsetof(NnrtModel, data), &t->data, "data");
    put_data_source(cg, &s, offsetof(NnrtModel, validation), &t->validation, "validation");
    put_data_source(cg, &s, offsetof(NnrtModel, test), &t->test, "test");
    size_t aug = offsetof(NnrtModel, augment);
    cs_i32(&s, aug + offsetof(NnrtAugment, flip_horizontal), t->augment.flip_horizontal);
    cs_i32(&s, aug + offsetof(NnrtAugment, flip_vertical), t->augment.flip_vertical);
    cs_f64(&s, aug + offsetof(NnrtAugment, shift), t->augment.shift);
    cs_f64(&s, aug + offsetof(NnrtAugment, rotation), t->augment.rotation);
    cs_f64(&s, aug + offsetof(NnrtAugment, noise), t->augment.noise);
    cs_i32(&s, offsetof(NnrtModel, one_hot),
           p->task == NNRT_TASK_CLASSIFY && t->loss != NNRT_LOSS_SPARSE_CATEGORICAL_CE);
    cs_i32(&s, offsetof(NnrtModel, top_k), t->top_k);
    cs_i32(&s, offsetof(NnrtModel, metrics_given), t->metrics_given);
    cs_i32(&s, offsetof(NnrtModel, n_metrics), t->n_metrics);
    for (int k = 0; k < t->n_metrics; k++)
        cs_i32(&s, offsetof(NnrtModel, metrics) + (size_t)k * sizeof(int), t->metrics[k]);
    cs_i32(&s, offsetof(NnrtModel, schedule), t->schedule);
    cs_f64(&s, offsetof(NnrtModel, sched_factor), t->sched_factor);
    cs_f64(&s, offsetof(NnrtModel, sched_rate), t->sched_rate);
    cs_f64(&s, offsetof(NnrtModel, sched_alpha), t->sched_alpha);
    cs_f64(&s, offsetof(NnrtModel, sched_min_lr), t->sched_min_lr);
    cs_i64(&s, offsetof(NnrtModel, sched_every), t->sched_every);
    cs_i64(&s, offsetof(NnrtModel, sched_decay_steps), t->sched_decay_steps);
    cs_i32(&s, offsetof(NnrtModel, sched_patience), t->sched_patience);
    cs_i32(&s, offsetof(NnrtModel, early_stop_patience), t->early_stop_patience);
    cs_f64(&s, offsetof(NnrtModel, early_stop_min_delta), t->early_stop_min_delta);
    cs_i32(&s, offsetof(NnrtModel, early_stop_restore_best), t->early_stop_restore_best);
    cs_i64(&s, offsetof(NnrtModel, input_index_limit), p->input_index_limit);

    LLVMValueRef init = cs_const(&s);
    LLVMValueRef model = LLVMAddGlobal(cg->mod, LLVMTypeOf(init), "nnrt_model");
    LLVMSetInitializer(model, init);
    LLVMSetGlobalConstant(model, true);
    LLVMSetAlignment(model, 16);
}
