/*
 * trainer.c — buffers, the epoch loop, evaluation, prediction and checkpoint glue
 * (see trainer.h for the call sequence). Randomness per epoch e comes from streams
 * seeded with (seed, e): the shuffle (loader), augmentation (loader) and dropout noise
 * (here), so --resume after epoch e replays epoch e + 1 exactly.
 */
#include "trainer.h"

#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t elems(const NnrtModel *m, int64_t n) { return (size_t)n * (size_t)m->elem_size; }

static void alloc_buffers(Trainer *t) {
    const NnrtModel *m = t->m;
    t->params = nnrt_alloc(elems(m, m->param_size));
    t->grads = nnrt_alloc(elems(m, m->param_size));
    t->opt_state = nnrt_alloc(elems(m, m->opt_state_size));
    NnrtCtx c = {
        .params = t->params, .grads = t->grads, .opt_state = t->opt_state, .pool = &t->pool,
    };
    t->ctx = c;
}

/* Bytes per batch row of the trainer's buffers and of `loaders` data loaders (each with
 * its batch, labels and the prefetched next batch), beyond the model's fixed work. */
static double bytes_per_row(const Trainer *t, int loaders) {
    const NnrtModel *m = t->m;
    double es = m->elem_size, in = (double)m->input_size, ycols = (double)m->n_outputs + 1;
    double loader = 2 * (in * (es + (es == 4 ? 0 : 4)) + ycols * (es + 4));
    return (double)(m->n_outputs + m->noise_per_example) * es + loaders * loader;
}

/* Makes the per-batch buffers (work, out, noise) hold `rows` rows, refusing a batch whose
 * buffers exceed the memory the process may use: a clear error instead of an attempt to
 * allocate 94 GB. The rows are already capped at the data's size, as in Keras. Only
 * --gradcheck needs NNRT_GRADCHECK_BATCH rows whatever the batch: raising every run to
 * them refused `--batch 1` of a model whose one example fits but six do not ("a batch
 * of 6 examples needs …; use a smaller --batch"). */
static bool batch_buffers(Trainer *t, int64_t rows, int loaders, NnrtError *err) {
    const NnrtModel *m = t->m;
    if (t->opt->gradcheck && rows < NNRT_GRADCHECK_BATCH)
        rows = NNRT_GRADCHECK_BATCH;
    double work = m->work_size ? (double)m->work_size(rows) : 0;
    double need = work + (double)rows * bytes_per_row(t, loaders);
    uint64_t limit = nnrt_memory_limit();
    if (limit > 0 && need > (double)limit)
        return nnrt_fail(err, "--batch %lld: a batch of %lld example%s needs %.3g GB of buffers "
                         "(%.3g MB per example), more than the %.3g GB of memory available; "
                         "use a smaller --batch", (long long)t->opt->batch, (long long)rows,
                         rows == 1 ? "" : "s",
                         need / 1e9, need / (double)rows / 1e6, (double)limit / 1e9);
    if (rows <= t->max_batch)
        return true;
    nnrt_free(t->work);
    nnrt_free(t->out);
    nnrt_free(t->noise);
    t->work = nnrt_alloc(m->work_size ? m->work_size(rows) : 0);
    t->out = nnrt_alloc(elems(m, rows * m->n_outputs));
    t->noise = nnrt_alloc(elems(m, rows * m->noise_per_example));
    t->max_batch = rows;
    t->ctx.work = t->work;
    t->ctx.out = t->out;
    t->ctx.noise = t->noise;
    return true;
}

bool nnrt_trainer_init(Trainer *t, const NnrtModel *m, const Options *o, NnrtError *err) {
    memset(t, 0, sizeof *t);
    t->m = m;
    t->opt = o;
    t->max_batch = 0; /* the batch buffers come with the data (batch_buffers) */
    char why[200];
    if (!nnrt_pool_init(&t->pool, o->threads, why, sizeof why))
        return nnrt_fail(err, "%s", why);
    nnrt_choice_init(&t->choice, o->threads_auto && t->pool.threads > 1);
    alloc_buffers(t);
    t->seeded_noise_rng = nnrt_realloc(NULL, sizeof(Rng) * (size_t)(m->n_noise_seeds + 1));
    t->state.seed = o->seed;
    nnrt_std_init(&t->stats, m);
    nnrt_sched_init(&t->sched, m, o->lr);
    nnrt_es_init(&t->es, m);
    /* RMSE and MAE are reported in the data's units, undoing target standardization. */
    const float *y_std = t->stats.active && t->stats.ydim ? t->stats.y_std : NULL;
    nnrt_metrics_init(&t->train_m, m, y_std);
    nnrt_metrics_init(&t->eval_m, m, y_std);
    nnrt_progress_init(&t->progress, stdout, o->verbose);
    if (!nnrt_augment_init(&t->aug, m, err))
        return false;
    return nnrt_init_params(m, t->params, o->seed, err);
}

void nnrt_trainer_free(Trainer *t) {
    if (t->loaders_ready) {
        nnrt_loader_free(&t->train_dl);
        nnrt_loader_free(&t->val_dl);
        nnrt_loader_free(&t->test_dl);
    }
    if (t->history)
        fclose(t->history);
    nnrt_metrics_free(&t->train_m);
    nnrt_metrics_free(&t->eval_m);
    nnrt_es_free(&t->es);
    nnrt_std_free(&t->stats);
    nnrt_augment_free(&t->aug);
    nnrt_data_free(&t->data);
    void *bufs[] = {t->params, t->grads, t->opt_state, t->work, t->out, t->noise};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        nnrt_free(bufs[i]);
    free(t->seeded_noise_rng);
    if (t->pool.threads > 0)
        nnrt_pool_free(&t->pool);
    memset(t, 0, sizeof *t);
}

static CkptParts ckpt_parts(Trainer *t) {
    CkptParts p = {
        .m = t->m, .params = t->params, .opt_state = t->opt_state, .state = &t->state,
        .sched = &t->sched, .es = &t->es, .stats = &t->stats, .vocab = &t->data.vocab,
        .split_examples = t->data.split_from,
    };
    return p;
}

bool nnrt_trainer_restore(Trainer *t, NnrtError *err) {
    const char *path = t->opt->resume ? t->opt->resume : t->opt->load;
    if (!path)
        return true;
    CkptParts p = ckpt_parts(t);
    if (!nnrt_ckpt_load(path, &p, t->opt->resume != NULL, err))
        return false;
    if (p.fingerprint_differs)
        fprintf(stderr, "%s: warning: %s was written by a different build of the model (its "
                "tensors fit, but the graph fingerprint differs)\n", t->opt->prog, path);
    if (t->opt->resume && t->opt->seed_given && t->opt->seed != t->state.seed)
        fprintf(stderr, "%s: warning: resuming with --seed %llu, but the checkpoint was trained "
                "with seed %llu; the run will not match an uninterrupted one\n", t->opt->prog,
                (unsigned long long)t->opt->seed, (unsigned long long)t->state.seed);
    if (t->opt->resume && t->opt->seed_given)
        t->state.seed = t->opt->seed;
    /* reduce_on_plateau's lr is the checkpoint's, which replaced --lr without a word
     * (the other schedules start from --lr, restored or not): given, --lr is the lr from
     * here on, to reduce further */
    if (t->opt->resume && t->opt->lr_given && t->m->schedule == NNRT_SCHED_PLATEAU)
        t->sched.plateau_lr = t->opt->lr;
    /* --load takes the checkpoint's seed too, unless --seed is given: a split = [...] puts
     * the examples in an order of the seed before it cuts its parts, and with the model's
     * seed instead --load ck --evaluate tested on other examples than the run that wrote
     * ck held out, some it had trained on (and training on from there took test examples) */
    bool seeded_split = (t->m->split_val > 0 || t->m->split_test > 0) &&
                        t->m->data.kind != NNRT_DATA_SERIES; /* a series' parts are in order */
    if (!t->opt->resume && p.has_seed && !t->opt->seed_given)
        t->state.seed = p.seed;
    else if (!t->opt->resume && p.has_seed && p.seed != t->opt->seed && seeded_split)
        fprintf(stderr, "%s: warning: --seed %llu splits the data otherwise than the run that "
                "wrote %s (seed %llu): the validation and test parts of the model's split now "
                "hold examples that run trained on\n", t->opt->prog,
                (unsigned long long)t->opt->seed, path, (unsigned long long)p.seed);
    /* and the number of examples it cut them from: --limit's, which `--load ck --evaluate`
     * (whose --limit counts test examples) had no way to give, so that it tested on a part
     * of all the data, some of it examples the run had trained on (run.c, split_limit) */
    t->ckpt_split_examples = p.split_examples;
    return true;
}

bool nnrt_trainer_load_data(Trainer *t, const DataRequest *rq, NnrtError *err) {
    if (!nnrt_data_load(&t->data, t->m, rq, &t->stats, err))
        return false;
    int64_t n = t->data.train.n;
    if (t->data.val.n > n)
        n = t->data.val.n;
    if (t->data.test.n > n)
        n = t->data.test.n;
    if (!batch_buffers(t, nnrt_batch_rows(t->opt->batch, n), 3, err))
        return false;
    const NnrtModel *m = t->m;
    uint64_t seed = t->state.seed;
    Augmenter *aug = nnrt_augment_active(&t->aug) ? &t->aug : NULL;
    nnrt_loader_init(&t->train_dl, &t->data.train, m, t->opt->batch, t->opt->shuffle, aug, seed);
    nnrt_loader_init(&t->val_dl, &t->data.val, m, t->opt->batch, false, NULL, seed);
    nnrt_loader_init(&t->test_dl, &t->data.test, m, t->opt->batch, false, NULL, seed);
    nnrt_loader_set_pool(&t->train_dl, &t->pool);
    nnrt_loader_set_pool(&t->val_dl, &t->pool);
    nnrt_loader_set_pool(&t->test_dl, &t->pool);
    t->loaders_ready = true;
    t->sched.run_steps = (int64_t)t->opt->epochs * nnrt_loader_steps(&t->train_dl);
    return true;
}

/* t->noise[begin, end) from rng. */
static void fill_noise_range(Trainer *t, int64_t begin, int64_t end, Rng *rng) {
    if (t->m->elem_size == 8)
        for (int64_t i = begin; i < end; i++)
            ((double *)t->noise)[i] = nnrt_rng_uniform(rng);
    else
        nnrt_rng_fill_uniformf(rng, (float *)t->noise + begin, end - begin);
}

void nnrt_trainer_fill_noise(Trainer *t, Rng *rng, Rng *seeded, int64_t rows) {
    const NnrtModel *m = t->m;
    int64_t per_row = m->noise_per_example;
    if (m->n_noise_seeds == 0) {
        fill_noise_range(t, 0, rows * per_row, rng);
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        int64_t at = r * per_row;
        for (int i = 0; i < m->n_noise_seeds; i++) {
            const NnrtNoiseSeed *s = &m->noise_seeds[i];
            fill_noise_range(t, at, r * per_row + s->start, rng);
            at = r * per_row + s->start + s->size;
            fill_noise_range(t, at - s->size, at, seeded ? &seeded[i] : rng);
        }
        fill_noise_range(t, at, (r + 1) * per_row, rng);
    }
}

const char *const *nnrt_trainer_class_names(const Trainer *t) {
    if (t->m->class_names)
        return t->m->class_names;
    return t->data.vocab.n > 0 ? (const char *const *)t->data.vocab.names : NULL;
}

static void set_batch(Trainer *t, const DataLoader *dl, int64_t rows, int training) {
    t->ctx.x = dl->x;
    t->ctx.y = dl->y;
    t->ctx.batch = rows;
    t->ctx.training = training;
}

/* ---- evaluation ---- */

/* printf's "-nan" means nothing to a learner. */
static const char *non_finite_name(double v) {
    return isnan(v) ? "NaN" : v > 0 ? "infinity" : "-infinity";
}

bool nnrt_trainer_evaluate(Trainer *t, DataLoader *dl, Metrics *mt, NnrtError *err) {
    nnrt_metrics_reset(mt);
    nnrt_loader_start_epoch(dl, 0);
    int64_t rows;
    while ((rows = nnrt_loader_next(dl)) > 0) {
        set_batch(t, dl, rows, 0);
        t->m->forward(&t->ctx);
        nnrt_loader_prefetch_next(dl);
        double loss = t->m->loss_fn(&t->ctx);
        if (!isfinite(loss))
            return nnrt_fail(err, "the %s loss is %s (the weights hold NaN or infinity, or the "
                             "data has extreme values)", dl->ds->name, non_finite_name(loss));
        nnrt_metrics_add(mt, loss, t->out, t->m->elem_size, dl->yf, rows);
    }
    return true;
}

bool nnrt_trainer_test(Trainer *t, FILE *out, NnrtError *err) {
    if (t->data.test.n == 0)
        return true;
    if (!nnrt_trainer_evaluate(t, &t->test_dl, &t->eval_m, err))
        return false;
    char text[512] = "";
    nnrt_metrics_format(&t->eval_m, "test_", text, sizeof text);
    fprintf(out, "Test: %lld example%s%s\n", (long long)t->data.test.n,
            t->data.test.n == 1 ? "" : "s", text);
    if (t->opt->verbose > 0)
        nnrt_metrics_print_confusion(&t->eval_m, out, nnrt_trainer_class_names(t));
    fflush(out);
    return true;
}

/* Verbosity 0 (--quiet, verbose = 0) hides the epoch lines, so without a test set the
 * run's result would be nothing at all: it prints the validation metrics of the final
 * weights instead (the restored best ones after early stopping), or without validation
 * data the last epoch's training metrics. */
static bool print_quiet_result(Trainer *t, FILE *out, NnrtError *err) {
    char text[512] = "";
    if (t->data.val.n > 0) {
        if (!nnrt_trainer_evaluate(t, &t->val_dl, &t->eval_m, err))
            return false;
        nnrt_metrics_format(&t->eval_m, "val_", text, sizeof text);
        fprintf(out, "Validation: %lld example%s%s\n", (long long)t->data.val.n,
                t->data.val.n == 1 ? "" : "s", text);
    } else if (t->train_m.count > 0) {
        nnrt_metrics_format(&t->train_m, "", text, sizeof text);
        fprintf(out, "Training, epoch %d: %lld example%s%s\n", t->state.epoch,
                (long long)t->train_m.count, t->train_m.count == 1 ? "" : "s", text);
    }
    fflush(out);
    return true;
}

bool nnrt_trainer_results(Trainer *t, FILE *out, NnrtError *err) {
    if (t->data.test.n > 0)
        return nnrt_trainer_test(t, out, err);
    return t->opt->verbose > 0 || print_quiet_result(t, out, err);
}

/* ---- training ---- */

static bool train_step(Trainer *t, int epoch, int64_t rows, NnrtError *err) {
    const NnrtModel *m = t->m;
    NnrtCtx *c = &t->ctx;
    set_batch(t, &t->train_dl, rows, 1);
    nnrt_trainer_fill_noise(t, &t->noise_rng, t->seeded_noise_rng, rows);
    c->step = t->state.step + 1;
    c->lr = t->last_lr = nnrt_sched_lr(&t->sched, epoch, c->step);
    m->forward(c);
    double loss = m->loss_fn(c);
    /* before this run's first update the learning rate is not the cause */
    if (!isfinite(loss) && t->state.step == t->first_step)
        return nnrt_fail(err, "the training loss is %s at epoch %d, step %lld, before this run "
                         "made any update: the batch's examples have extreme values "
                         "(standardize the data?), or the weights do", non_finite_name(loss),
                         epoch + 1, (long long)c->step);
    if (!isfinite(loss))
        return nnrt_fail(err, "the training loss became %s at epoch %d, step %lld; try a lower "
                         "learning rate (--lr, now %g)", non_finite_name(loss), epoch + 1,
                         (long long)c->step, c->lr);
    if (m->backward_update) {
        m->backward_update(c);
    } else {
        m->backward(c);
        m->update(c);
    }
    nnrt_loader_prefetch_next(&t->train_dl); /* its rows arrive while the metrics run */
    t->state.step++;
    nnrt_metrics_add(&t->train_m, loss, t->out, m->elem_size, t->train_dl.yf, rows);
    return true;
}

/* Every history write is checked (a full disk must not leave an empty file behind an
 * exit status of 0): the rows are flushed at each epoch and the error reported there. */
static bool history_flushed(Trainer *t, NnrtError *err) {
    errno = 0;
    if (fflush(t->history) == 0 && !ferror(t->history))
        return true;
    return nnrt_fail(err, "--history: cannot write %s: %s", t->opt->history,
                     errno ? strerror(errno) : "a write failed");
}

static bool close_history(Trainer *t, NnrtError *err) {
    if (!t->history)
        return true;
    bool ok = history_flushed(t, err);
    errno = 0;
    if (fclose(t->history) != 0 && ok)
        ok = nnrt_fail(err, "--history: cannot write %s: %s", t->opt->history,
                       errno ? strerror(errno) : "a write failed");
    t->history = NULL;
    return ok;
}

/* Whether an existing file starts as a history file does ("epoch,"): only such a file is
 * replaced, or continued by --resume, so --history train.csv cannot erase the data. */
static bool looks_like_history(const char *path) {
    char b[6];
    FILE *f = fopen(path, "rb");
    bool ok = f && fread(b, 1, sizeof b, f) == sizeof b && memcmp(b, "epoch,", 6) == 0;
    if (f)
        fclose(f);
    return ok;
}

/* Whether a and b name the same file: one inode when both exist, else the same name in
 * the same directory. */
static bool same_file(const char *a, const char *b) {
    struct stat sa, sb;
    bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea || eb)
        return ea && eb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char *da = nnrt_strdup(a), *db = nnrt_strdup(b);
    char *sla = strrchr(da, '/'), *slb = strrchr(db, '/');
    const char *na = sla ? sla + 1 : a, *nb = slb ? slb + 1 : b;
    if (sla)
        *sla = '\0';
    if (slb)
        *slb = '\0';
    char *ra = realpath(sla ? (*da ? da : "/") : ".", NULL);
    char *rb = realpath(slb ? (*db ? db : "/") : ".", NULL);
    bool same = ra && rb && strcmp(ra, rb) == 0 && strcmp(na, nb) == 0;
    free(ra), free(rb), free(da), free(db);
    return same;
}

/* Cuts a history file after its rows of epochs 1..epochs. An interrupted run can have
 * written the row of an epoch whose checkpoint it never saved (the row comes first), or
 * half a row; resumed from the checkpoint before, it trains that epoch again and would
 * write its row twice, or after the half. The header and the rows before stay. */
static bool history_keep_epochs(const char *path, int epochs, NnrtError *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return nnrt_fail(err, "--history: cannot read %s: %s", path, strerror(errno));
    enum { EPOCH_DIGITS, ROW_KEPT, ROW_CUT } row = EPOCH_DIGITS;
    long keep = 0, at = 0, lines = 0, epoch = 0; /* bytes to keep, bytes and lines read */
    int c;
    while ((c = getc(f)) != EOF) {
        at++;
        if (c == '\n') {
            if (lines > 0 && row != ROW_KEPT)
                break; /* this row and the rest go */
            keep = at;
            lines++;
            row = EPOCH_DIGITS;
            epoch = 0;
        } else if (lines == 0 || row != EPOCH_DIGITS) {
            continue; /* the header, or the rest of a row whose epoch is read */
        } else if (c >= '0' && c <= '9' && epoch < 1000000) {
            epoch = epoch * 10 + (c - '0');
        } else {
            row = c == ',' && epoch >= 1 && epoch <= epochs ? ROW_KEPT : ROW_CUT;
            if (row == ROW_CUT)
                break;
        }
    }
    bool whole = c == EOF && keep == at; /* every row kept, the last one ended */
    fclose(f);
    if (whole)
        return true;
    if (truncate(path, keep) != 0)
        return nnrt_fail(err, "--history: cannot shorten %s: %s", path, strerror(errno));
    return true;
}

static bool open_history(Trainer *t, NnrtError *err) {
    const char *path = t->opt->history;
    if (!path)
        return true;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 && !looks_like_history(path))
        return nnrt_fail(err, "--history: %s exists and is not a history file (its first line "
                         "does not start with 'epoch,'); it is left as it is: remove it first, "
                         "or give another name", path);
    if (t->opt->save && same_file(path, t->opt->save))
        return nnrt_fail(err, "--history and --save name the same file, %s; give each its own",
                         path);
    /* a data file whose header starts "epoch," (a series with Unix times) looks like a
     * history: --history naming it would replace the data with the history */
    for (int i = 0; i < 6; i++) {
        const char *data = i < 3 ? t->data.origin[i] : t->data.label_origin[i - 3];
        if (data && same_file(path, data))
            return nnrt_fail(err, "--history: %s is a data file of this run (%s); it is left as "
                             "it is: give the history another name", path, data);
    }
    /* A resumed run continues the file of the interrupted one, from its checkpoint's
     * epoch: the rows after it are of epochs the run trains again. */
    bool resumed = t->opt->resume && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
                   sb.st_size > 0;
    if (resumed && !history_keep_epochs(path, t->state.epoch, err))
        return false;
    /* Opened without blocking, as a pipe's reader may never come: a named pipe (mkfifo)
     * that no process reads made fopen wait forever, with Ctrl-C and SIGTERM deferred
     * (training has begun). Then written as any file, waiting for the reader. */
    int fd = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | (resumed ? O_APPEND : O_TRUNC), 0666);
    if (fd < 0 && errno == ENXIO)
        return nnrt_fail(err, "--history: cannot write %s: it is a named pipe that no process "
                         "reads", path);
    int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    t->history = fd >= 0 ? fdopen(fd, resumed ? "a" : "w") : NULL;
    if (!t->history) {
        int why = errno;
        if (fd >= 0)
            close(fd);
        return nnrt_fail(err, "--history: cannot write %s: %s", path, strerror(why));
    }
    if (!resumed) {
        MetricValue v[NNRT_MAX_METRICS];
        int n = nnrt_metrics_list(&t->train_m, v);
        fprintf(t->history, "epoch");
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < n; i++)
                fprintf(t->history, ",%s%s", pass ? "val_" : "", v[i].name);
        fprintf(t->history, ",lr,seconds\n");
    }
    return history_flushed(t, err);
}


/* One row: every value the console shows for the epoch (empty validation fields when
 * there is no validation data), then lr and the epoch's seconds. */
static bool write_history(Trainer *t, int epoch, bool has_val, double seconds, NnrtError *err) {
    if (!t->history)
        return true;
    MetricValue v[NNRT_MAX_METRICS];
    int n = nnrt_metrics_list(&t->train_m, v);
    fprintf(t->history, "%d", epoch + 1);
    for (int i = 0; i < n; i++)
        fprintf(t->history, ",%.8g", v[i].value);
    n = nnrt_metrics_list(&t->eval_m, v);
    for (int i = 0; i < n; i++)
        if (has_val)
            fprintf(t->history, ",%.8g", v[i].value);
        else
            fprintf(t->history, ",");
    fprintf(t->history, ",%.8g,%.4f\n", t->last_lr, seconds);
    return history_flushed(t, err);
}

static void epoch_text(Trainer *t, bool has_val, char *text, size_t size) {
    text[0] = '\0';
    nnrt_metrics_format(&t->train_m, "", text, size);
    if (has_val)
        nnrt_metrics_format(&t->eval_m, "val_", text, size);
    size_t k = strlen(text);
    if (t->m->schedule != NNRT_SCHED_CONSTANT && k < size)
        snprintf(text + k, size - k, " - lr: %.4g", t->last_lr);
}

/* The message of a run a stop signal ended (stop_signals.h): where, and what --save's
 * checkpoint holds. The steps of an unfinished epoch are not saved: resumed from the
 * last complete epoch, the run gives the weights it would have given uninterrupted. */
static bool interrupted(Trainer *t, int epoch, int64_t steps_done, NnrtError *err) {
    nnrt_progress_break(&t->progress);
    char where[128];
    if (epoch < t->opt->epochs && steps_done == 0)
        snprintf(where, sizeof where, "before epoch %d of %d", epoch + 1, t->opt->epochs);
    else if (epoch < t->opt->epochs)
        snprintf(where, sizeof where, "in epoch %d of %d, after %lld of its %lld steps", epoch + 1,
                 t->opt->epochs, (long long)steps_done,
                 (long long)nnrt_loader_steps(&t->train_dl));
    else
        snprintf(where, sizeof where, "after its last epoch");
    const char *save = t->opt->save, *how = nnrt_stop_signal_name(t->stop.signo);
    if (!save)
        return nnrt_fail(err, "training stopped by %s %s; nothing was saved (--save FILE keeps a "
                         "checkpoint of every epoch)", how, where);
    /* resumed from the --save file itself, which then still holds the epoch it began at
     * ("was not written" alone read as if that checkpoint were gone) */
    if (t->state.epoch == t->first_epoch && t->opt->resume && same_file(t->opt->resume, save))
        return nnrt_fail(err, "training stopped by %s %s, before this run ended an epoch; %s was "
                         "not written, and holds epoch %d as before: continue with --resume %s",
                         how, where, save, t->state.epoch, save);
    if (t->state.epoch == t->first_epoch)
        return nnrt_fail(err, "training stopped by %s %s, before this run ended an epoch; %s was "
                         "not written", how, where, save);
    return nnrt_fail(err, "training stopped by %s %s; %s holds epoch %d: continue with --resume %s",
                     how, where, save, t->state.epoch, save);
}

static bool run_batches(Trainer *t, int epoch, NnrtError *err) {
    nnrt_loader_start_epoch(&t->train_dl, epoch);
    nnrt_rng_seed(&t->noise_rng, t->state.seed, RNG_NOISE, (uint64_t)epoch);
    for (int i = 0; i < t->m->n_noise_seeds; i++) /* Keras' Dropout(seed=): not the run's */
        nnrt_rng_seed(&t->seeded_noise_rng[i], t->m->noise_seeds[i].seed, RNG_NOISE_SEEDED,
                      (uint64_t)epoch);
    nnrt_metrics_reset(&t->train_m);
    nnrt_progress_epoch_begin(&t->progress, epoch, t->opt->epochs, nnrt_loader_steps(&t->train_dl));
    char text[512];
    int64_t rows, done = 0;
    for (;;) {
        if (nnrt_stop_signals_polled(&t->stop))
            return interrupted(t, epoch, done, err);
        double start = nnrt_now();
        if ((rows = nnrt_loader_next(&t->train_dl)) <= 0)
            break;
        nnrt_pool_set_serial(&t->pool, nnrt_choice_one(&t->choice));
        if (!train_step(t, epoch, rows, err))
            return false;
        nnrt_choice_step(&t->choice, nnrt_now() - start);
        done++;
        if (nnrt_progress_due(&t->progress)) {
            text[0] = '\0';
            nnrt_metrics_format(&t->train_m, "", text, sizeof text);
            nnrt_progress_step(&t->progress, done, text);
        }
    }
    return true;
}

/* Epoch-end monitors. Returns true when early stopping ends training. */
static bool end_of_epoch(Trainer *t, int epoch, double monitored) {
    bool quiet = t->opt->verbose == 0;
    if (nnrt_sched_epoch_end(&t->sched, monitored) && !quiet)
        printf("Epoch %d: ReduceLROnPlateau reducing learning rate to %g.\n", epoch + 1,
               t->sched.plateau_lr);
    bool stop = nnrt_es_epoch_end(&t->es, monitored, epoch, t->params);
    if (stop && !quiet) {
        if (t->es.have_best)
            printf("Restoring model weights from the end of the best epoch: %d.\n", t->es.best_epoch + 1);
        printf("Epoch %d: early stopping\n", epoch + 1);
    }
    return stop;
}

/* Whether the weights and the optimizer state are finite after an epoch. Each step
 * checks its loss, which comes before its update: the last update of an epoch can make a
 * weight infinite with every loss finite, and the save after the epoch then replaced the
 * last good checkpoint with one that cannot be loaded (or resumed). */
static bool weights_finite(const Trainer *t, int epoch, NnrtError *err) {
    const NnrtModel *m = t->m;
    for (int i = 0; i < m->n_tensors; i++) {
        const NnrtTensor *w = &m->tensors[i];
        for (int64_t k = 0; k < w->size; k++) {
            double v = nnrt_get(t->params, m->elem_size, w->offset + k);
            if (!isfinite(v))
                return nnrt_fail(err, "the weights became %s in epoch %d (tensor \"%s\", element "
                                 "%lld), though every loss was finite%s%s%s; try a lower learning "
                                 "rate (--lr, now %g)", non_finite_name(v), epoch + 1, w->name,
                                 (long long)k, t->opt->save ? "; " : "",
                                 t->opt->save ? t->opt->save : "",
                                 t->opt->save ? " is left as it was" : "", t->last_lr);
        }
    }
    /* an overflowed running average (RMSprop's, Adam's: squared gradients beyond float32)
     * leaves the weights finite but stops their updates, and --resume refuses it */
    for (int64_t k = 0; k < m->opt_state_size; k++) {
        double v = nnrt_get(t->opt_state, m->elem_size, k);
        if (!isfinite(v))
            return nnrt_fail(err, "the optimizer state became %s in epoch %d (element %lld of "
                             "%s's), though every loss was finite: the gradients are beyond "
                             "the model's precision (data of an extreme scale? standardize it)"
                             "%s%s%s", non_finite_name(v), epoch + 1, (long long)k,
                             m->optimizer ? m->optimizer : "the optimizer",
                             t->opt->save ? "; " : "", t->opt->save ? t->opt->save : "",
                             t->opt->save ? " is left as it was" : "");
    }
    return true;
}

static bool run_epoch(Trainer *t, int epoch, bool *stop, NnrtError *err) {
    double start = nnrt_now();
    if (!run_batches(t, epoch, err) || !weights_finite(t, epoch, err))
        return false;
    bool has_val = t->data.val.n > 0;
    if (has_val && !nnrt_trainer_evaluate(t, &t->val_dl, &t->eval_m, err))
        return false;
    char text[1024];
    epoch_text(t, has_val, text, sizeof text);
    nnrt_progress_epoch_end(&t->progress, text);
    if (!write_history(t, epoch, has_val, nnrt_now() - start, err))
        return false;
    /* Keras monitors val_loss; without validation data we fall back to the training
     * loss instead of silently disabling the callbacks. */
    double monitored = nnrt_metrics_loss(has_val ? &t->eval_m : &t->train_m);
    *stop = end_of_epoch(t, epoch, monitored);
    t->state.epoch = epoch + 1;
    t->saved = t->opt->save && nnrt_trainer_save(t, t->opt->save, err);
    return !t->opt->save || t->saved;
}

static void print_summary(const Trainer *t) {
    const NnrtModel *m = t->m;
    printf("%s: %lld parameters (%s), %lld training example%s", m->name, (long long)m->param_size,
           m->elem_size == 8 ? "f64" : "f32", (long long)t->data.train.n,
           t->data.train.n == 1 ? "" : "s");
    if (t->data.val.n)
        printf(", %lld validation", (long long)t->data.val.n);
    if (t->data.test.n)
        printf(", %lld test", (long long)t->data.test.n);
    printf("; batch %lld, %s, lr %g, %d thread%s%s\n", (long long)t->opt->batch,
           m->optimizer ? m->optimizer : "?", t->opt->lr, t->pool.threads,
           t->pool.threads == 1 ? "" : "s", t->choice.active ? " (auto)" : "");
    fflush(stdout);
}

/* With --threads auto, how the training steps ran: "Threads (auto): 2 for 97% of the
 * 9375 steps, 1 for 3% (compared 12 times)". */
static void print_thread_choice(const Trainer *t) {
    const ThreadChoice *c = &t->choice;
    int64_t all = c->steps[0], one = c->steps[1];
    if (!c->active || all + one == 0)
        return;
    double share = 100.0 * (double)all / (double)(all + one);
    printf("Threads (auto): %d for %.0f%% of the %lld steps, 1 for %.0f%% (compared %d time%s)\n",
           t->pool.threads, share, (long long)(all + one), 100.0 - share, c->comparisons,
           c->comparisons == 1 ? "" : "s");
}

/* early_stopping and reduce_on_plateau watch val_loss (Keras); without validation data
 * they watch the training loss, which the user is told once, before the first epoch. */
static void warn_no_validation(const Trainer *t) {
    const NnrtModel *m = t->m;
    bool es = m->early_stop_patience > 0, plateau = m->schedule == NNRT_SCHED_PLATEAU;
    if (t->data.val.n > 0 || !(es || plateau) || t->state.epoch >= t->opt->epochs ||
        nnrt_es_stopped(&t->es, t->state.epoch))
        return;
    fflush(stdout);
    fprintf(stderr, "%s: warning: %s%s%s watch%s val_loss, but there is no validation data: "
            "%s will follow the training loss instead; add 'validation = 0.2' (or a data "
            "source) to the train block for validation data\n", t->opt->prog,
            es ? "early_stopping" : "", es && plateau ? " and " : "",
            plateau ? "reduce_on_plateau" : "", es && plateau ? "" : "es",
            es && plateau ? "stopping and lr reductions" : es ? "stopping" : "lr reductions");
}

static bool fit_epochs(Trainer *t, NnrtError *err) {
    if (t->opt->verbose > 0)
        print_summary(t);
    warn_no_validation(t);
    /* A run that early stopping ended is finished, as one that ran all its epochs is:
     * resumed, it trained one more epoch (from the restored best weights with the last
     * epoch's optimizer state), which the uninterrupted run never did, and stopped again. */
    bool stopped = nnrt_es_stopped(&t->es, t->state.epoch);
    /* said at --verbose 0 too: a quiet resume of a finished run, without a test set, had
     * nothing else to print, and said nothing of having trained nothing */
    if (t->state.epoch >= t->opt->epochs)
        printf("The checkpoint is already at epoch %d of %d; nothing to train.\n", t->state.epoch,
               t->opt->epochs);
    else if (stopped)
        printf("The checkpoint's run was ended by early stopping at epoch %d (no improvement in "
               "%d epochs); nothing to train.\n", t->state.epoch, t->es.wait);
    if (!open_history(t, err))
        return false;
    t->first_step = t->state.step;
    t->first_epoch = t->state.epoch;
    bool stop = stopped;
    for (int epoch = t->state.epoch; epoch < t->opt->epochs && !stop; epoch++)
        if (!run_epoch(t, epoch, &stop, err))
            return false;
    /* Keras 3 restores the best weights when training ends, also when the epochs ran out
     * before the patience did (Keras 2 did only when it stopped); they are then what the
     * test set, the final save and --load see. */
    if (!stop && t->state.epoch > t->first_epoch &&
        nnrt_es_train_end(&t->es, t->state.epoch - 1, t->params)) {
        t->saved = false; /* the weights are the best epoch's, not the last one's */
        if (t->opt->verbose > 0)
            printf("Restoring model weights from the end of the best epoch: %d.\n",
                   t->es.best_epoch + 1);
    }
    nnrt_pool_set_serial(&t->pool, false);
    if (t->opt->verbose > 0)
        print_thread_choice(t);
    /* The last epoch's save holds what the final one would: written again, the checkpoint
     * took twice its time and its room, and on a disk with room for one copy only the run
     * failed ("No space left on device", exit 1) with the checkpoint saved whole. A run
     * that trained nothing (the checkpoint already at --epochs) still writes --save's file. */
    return close_history(t, err) &&
           (!t->opt->save || t->saved || nnrt_trainer_save(t, t->opt->save, err));
}

/* A stop signal that arrives during the final save (or the last epoch's validation) ends
 * the run once the save is complete, before the test set is evaluated. One pending when
 * training failed otherwise is taken too (unblocked, it would end the process before the
 * error is printed), and the error reported. */
bool nnrt_trainer_fit(Trainer *t, NnrtError *err) {
    nnrt_stop_signals_defer(&t->stop);
    bool ok = fit_epochs(t, err), stopped = t->stop.signo != 0;
    if (nnrt_stop_signals_arrived(&t->stop) && ok)
        ok = interrupted(t, t->opt->epochs, 0, err);
    else if (!stopped)
        t->stop.signo = 0;
    nnrt_stop_signals_restore(&t->stop);
    return ok;
}

bool nnrt_trainer_save(Trainer *t, const char *path, NnrtError *err) {
    CkptParts p = ckpt_parts(t);
    return nnrt_ckpt_save(path, &p, err);
}

/* ---- prediction ---- */

static void predict_header(const Trainer *t, FILE *out) {
    const NnrtModel *m = t->m;
    if (m->task == NNRT_TASK_REGRESS || (m->task == NNRT_TASK_BINARY && m->n_outputs > 1)) {
        fprintf(out, "row");
        for (int64_t k = 0; k < m->n_outputs; k++)
            fprintf(out, ",%s%lld", m->task == NNRT_TASK_REGRESS ? "y" : "p", (long long)k);
        fprintf(out, "\n");
    } else if (m->task == NNRT_TASK_BINARY) {
        fprintf(out, "row,class,name,p\n");
    } else {
        fprintf(out, "row,class,name");
        for (int64_t k = 0; k < m->n_classes; k++)
            fprintf(out, ",p%lld", (long long)k);
        fprintf(out, "\n");
    }
}

static void predict_row(const Trainer *t, int64_t row, const void *o, FILE *out) {
    const NnrtModel *m = t->m;
    const char *const *names = nnrt_trainer_class_names(t);
    int es = m->elem_size;
    fprintf(out, "%lld", (long long)row);
    if (m->task == NNRT_TASK_CLASSIFY || (m->task == NNRT_TASK_BINARY && m->n_outputs == 1)) {
        int64_t best = 0, K = m->task == NNRT_TASK_BINARY ? 1 : m->n_classes;
        for (int64_t k = 1; k < K; k++)
            if (nnrt_get(o, es, k) > nnrt_get(o, es, best))
                best = k;
        if (m->task == NNRT_TASK_BINARY)
            best = nnrt_get(o, es, 0) > 0.5;
        fprintf(out, ",%lld,", (long long)best);
        nnrt_csv_write_field(out, names && names[best] ? names[best] : "");
    }
    const Standardizer *st = &t->stats;
    for (int64_t k = 0; k < m->n_outputs; k++) {
        double v = nnrt_get(o, es, k);
        if (st->ydim && st->ready && st->active)
            v = v * st->y_std[k] + st->y_mean[k]; /* back to the data's units */
        char digits[40]; /* a regression's value whole (1234567, not 1.23457e+06), as the
                            model's precision holds it; probabilities in 6 digits */
        if (m->task == NNRT_TASK_REGRESS)
            fprintf(out, ",%s", nnrt_format_exact(digits, sizeof digits,
                                                  es == 4 ? (double)(float)v : v));
        else
            fprintf(out, ",%.6g", v);
    }
    fprintf(out, "\n");
}

/* A prediction that is NaN or infinite (features of 1e38 overflow inside the model) would
 * print "-nan" and the class 0 as if it were one: an error naming the example instead, as
 * --evaluate's loss is. */
static bool outputs_finite(const Trainer *t, const void *o, const char *path, int64_t row,
                           NnrtError *err) {
    for (int64_t k = 0; k < t->m->n_outputs; k++) {
        double v = nnrt_get(o, t->m->elem_size, k);
        if (!isfinite(v))
            return nnrt_fail(err, "%s: example %lld (row %lld of the predictions): the model's "
                             "output %lld is %s (the example has extreme values, or the weights "
                             "do)", path, (long long)row + 1, (long long)row, (long long)k,
                             non_finite_name(v));
    }
    return true;
}

bool nnrt_trainer_predict(Trainer *t, const char *path, FILE *out, NnrtError *err) {
    Table tab;
    if (!nnrt_data_load_predict(&tab, t->m, path, t->opt->limit, &t->stats, err))
        return false;
    Dataset ds = nnrt_dataset_view("prediction", &tab, path, 0, tab.n);
    if (!batch_buffers(t, nnrt_batch_rows(t->opt->batch, tab.n), 1, err)) {
        nnrt_table_free(&tab);
        return false;
    }
    DataLoader dl;
    nnrt_loader_init(&dl, &ds, t->m, t->opt->batch, false, NULL, 0);
    predict_header(t, out);
    int64_t rows, done = 0;
    bool ok = true;
    while (ok && (rows = nnrt_loader_next(&dl)) > 0) {
        set_batch(t, &dl, rows, 0);
        t->m->forward(&t->ctx);
        for (int64_t i = 0; ok && i < rows; i++) {
            const char *o = (const char *)t->out + i * t->m->n_outputs * t->m->elem_size;
            ok = outputs_finite(t, o, path, done + i, err);
            if (ok)
                predict_row(t, done + i, o, out);
        }
        done += rows;
    }
    nnrt_loader_free(&dl);
    nnrt_table_free(&tab);
    return ok;
}
