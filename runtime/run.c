/*
 * run.c — the trainer program (see run.h). Only this file prints errors and decides
 * exit codes; every other module reports through NnrtError.
 */
#include "run.h"

#include "checkpoint.h"
#include "loader.h"
#include "std_streams.h"
#include "trainer.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static bool check_tensors(const NnrtModel *m, NnrtError *err) {
    for (int i = 0; i < m->n_tensors; i++) {
        const NnrtTensor *t = &m->tensors[i];
        int64_t size = 1;
        for (int d = 0; d < t->rank && d < NNRT_MAX_RANK; d++)
            size *= t->dims[d];
        if (!t->name || t->rank < 0 || t->rank > NNRT_MAX_RANK || size != t->size)
            return nnrt_fail(err, "tensor %d (%s): rank %d and dims do not give size %lld", i,
                             t->name ? t->name : "unnamed", t->rank, (long long)t->size);
        if (t->offset < 0 || t->offset + t->size > m->param_size)
            return nnrt_fail(err, "tensor %s: elements [%lld, %lld) lie outside the %lld parameters",
                             t->name, (long long)t->offset, (long long)(t->offset + t->size),
                             (long long)m->param_size);
        for (int j = 0; j < i; j++)
            if (strcmp(m->tensors[j].name, t->name) == 0)
                return nnrt_fail(err, "two tensors are named %s", t->name);
    }
    return true;
}

/* metrics[] names each metric once, and one the task computes: accuracy on a
 * regression would show a 0 it never measured. */
static bool check_metrics(const NnrtModel *m, NnrtError *err) {
    if (!m->metrics_given)
        return true;
    if (m->n_metrics < 0 || m->n_metrics > NNRT_MAX_MODEL_METRICS)
        return nnrt_fail(err, "n_metrics is %d (expected 0..%d)", m->n_metrics,
                         NNRT_MAX_MODEL_METRICS);
    for (int i = 0; i < m->n_metrics; i++) {
        int k = m->metrics[i];
        bool regress = k == NNRT_METRIC_RMSE || k == NNRT_METRIC_MAE || k == NNRT_METRIC_MSE;
        bool ok = k == NNRT_METRIC_ACCURACY ? m->task != NNRT_TASK_REGRESS
                  : k == NNRT_METRIC_TOP_K  ? m->task == NNRT_TASK_CLASSIFY && m->top_k > 0
                                            : regress && m->task == NNRT_TASK_REGRESS;
        for (int j = 0; j < i; j++)
            ok = ok && m->metrics[j] != k;
        if (!ok)
            return nnrt_fail(err, "metric %d (metrics[%d]) is listed twice or is not one of task "
                             "%d's", k, i, m->task);
    }
    return true;
}

/* The seeded slices of a noise row: inside it, by increasing start, not overlapping. */
static bool check_noise_seeds(const NnrtModel *m, NnrtError *err) {
    if (m->n_noise_seeds < 0 || (m->n_noise_seeds > 0 && !m->noise_seeds))
        return nnrt_fail(err, "n_noise_seeds is %d without noise_seeds", m->n_noise_seeds);
    int64_t end = 0;
    for (int i = 0; i < m->n_noise_seeds; i++) {
        const NnrtNoiseSeed *s = &m->noise_seeds[i];
        if (s->start < end || s->size < 1 || s->size > m->noise_per_example - s->start)
            return nnrt_fail(err, "noise seed %d covers [%lld, %lld + %lld), not inside the "
                             "noise row of %lld after the slice before it", i,
                             (long long)s->start, (long long)s->start, (long long)s->size,
                             (long long)m->noise_per_example);
        end = s->start + s->size;
    }
    return true;
}

static bool check_shapes(const NnrtModel *m, NnrtError *err) {
    int64_t size = 1;
    for (int d = 0; d < m->input_rank && d < NNRT_MAX_RANK; d++)
        size *= m->input_dims[d];
    if (m->input_rank < 1 || m->input_rank > NNRT_MAX_RANK || size != m->input_size)
        return nnrt_fail(err, "input rank %d and dims do not give input_size %lld", m->input_rank,
                         (long long)m->input_size);
    if (m->n_outputs < 1 || m->param_size < 0 || m->opt_state_size < 0 || m->noise_per_example < 0)
        return nnrt_fail(err, "negative sizes or no outputs");
    if (!check_noise_seeds(m, err))
        return false;
    if (m->task == NNRT_TASK_CLASSIFY &&
        (m->n_classes < 2 || m->n_classes > NNRT_MAX_CLASSES || m->n_outputs != m->n_classes))
        return nnrt_fail(err, "a classifier needs 2..%d classes, one output each (has %lld classes, "
                         "%lld outputs)", NNRT_MAX_CLASSES, (long long)m->n_classes, (long long)m->n_outputs);
    if (m->task < NNRT_TASK_CLASSIFY || m->task > NNRT_TASK_REGRESS || m->loss < NNRT_LOSS_MSE ||
        m->loss > NNRT_LOSS_SPARSE_CATEGORICAL_CE)
        return nnrt_fail(err, "unknown task %d or loss %d", m->task, m->loss);
    if (m->loss == NNRT_LOSS_SPARSE_CATEGORICAL_CE && m->task != NNRT_TASK_CLASSIFY)
        return nnrt_fail(err, "sparse categorical cross-entropy needs a classification task");
    bool one_hot;
    nnrt_target_cols(m, &one_hot);
    if (m->one_hot != one_hot)
        return nnrt_fail(err, "one_hot is %d, but task %d with loss %d implies %d", m->one_hot,
                         m->task, m->loss, one_hot);
    return check_metrics(m, err);
}

bool nnrt_check_model(const NnrtModel *m, NnrtError *err) {
    if (m->abi_version != NNRT_ABI_VERSION)
        return nnrt_fail(err, "the model was compiled for runtime ABI %d, this runtime implements %d",
                         m->abi_version, NNRT_ABI_VERSION);
    if (m->elem_size != 4 && m->elem_size != 8)
        return nnrt_fail(err, "elem_size %d (expected 4 or 8)", m->elem_size);
    if (!m->forward || !m->loss_fn || !m->backward || !m->update)
        return nnrt_fail(err, "an entry point (forward, loss_fn, backward, update) is missing");
    if (m->shuffle != 0 && m->shuffle != 1)
        return nnrt_fail(err, "shuffle is %d (expected 0 or 1)", m->shuffle);
    if (m->verbose < 0 || m->verbose > 2)
        return nnrt_fail(err, "verbose is %d (expected 0, 1 or 2)", m->verbose);
    return check_shapes(m, err) && check_tensors(m, err);
}

/* Whether a training run's data is that of the run that wrote its checkpoint: after
 * --resume, or after --load without another --data. */
static bool trains_on_checkpoint_data(const Options *o) {
    return (o->load || o->resume) && (o->resume || !o->data_path);
}

/* The first examples of the training data that the run restored from a checkpoint (--load,
 * --resume) cut its validation and test parts from, when the checkpoint says and the user
 * does not: the parts are then that run's, as its seed makes their order. The user says with
 * --limit when training (--evaluate's --limit counts test examples), and with --data when
 * --load starts a new run on another file. 0: all, or --limit. */
static int64_t split_limit(const Trainer *t) {
    const Options *o = t->opt;
    bool training = !o->evaluate && !o->predict;
    if (t->ckpt_split_examples <= 0 ||
        (training && (o->limit > 0 || !trains_on_checkpoint_data(o))))
        return 0;
    return t->ckpt_split_examples;
}

/* A --limit that, training on the checkpoint's data, splits other examples than its run. */
static void warn_limit_differs(const Trainer *t) {
    const Options *o = t->opt;
    int64_t split = t->ckpt_split_examples;
    if (split > 0 && o->limit > 0 && o->limit != split && trains_on_checkpoint_data(o))
        fprintf(stderr, "%s: warning: --limit %lld splits other examples than the run that wrote "
                "%s (its first %lld): the validation and test parts now hold examples that run "
                "trained on\n", o->prog, (long long)o->limit, o->resume ? o->resume : o->load,
                (long long)split);
}

/* The seed is the run's (a resumed run keeps its checkpoint's), not just --seed. */
static DataRequest request(const Trainer *t, bool train, bool test) {
    const Options *o = t->opt;
    int64_t from_checkpoint = split_limit(t);
    DataRequest rq = {
        .data_path = o->data_path, .data_labels = o->data_labels,
        .test_path = o->test_path, .test_labels = o->test_labels,
        .limit = from_checkpoint ? from_checkpoint : o->limit, .seed = t->state.seed,
        .file_order = !o->shuffle, .train = train, .test = test,
    };
    return rq;
}

/* After the data of a request that split_limit limited: a file that holds fewer examples
 * than the run that wrote the checkpoint split (it changed since) is cut otherwise. */
static void warn_split_changed(const Trainer *t) {
    int64_t want = split_limit(t), got = t->data.split_from;
    const char *ck = t->opt->resume ? t->opt->resume : t->opt->load;
    if (want > 0 && got > 0 && got != want)
        fprintf(stderr, "%s: warning: the training data now holds %lld examples, but the run that "
                "wrote %s split %lld: the validation and test parts are not that run's\n",
                t->opt->prog, (long long)got, ck, (long long)want);
}

/* --limit N evaluates the first N examples of the test set: of a test file, or of the
 * test part of a split of the whole training data (the same part a run without --limit
 * tests on). Standardization statistics a checkpoint lacks come from the whole training
 * data, as for --predict. */
static bool evaluate_only(Trainer *t, NnrtError *err) {
    DataRequest rq = request(t, t->stats.active && !t->stats.ready, true);
    rq.test_limit = t->opt->limit;
    rq.limit = split_limit(t);
    if (!nnrt_trainer_load_data(t, &rq, err))
        return false;
    warn_split_changed(t);
    if (t->data.test.n == 0)
        return nnrt_fail(err, "--evaluate: the model declares no test data; pass --test PATH [LABELS]");
    return nnrt_trainer_test(t, stdout, err);
}

static bool predict_only(Trainer *t, NnrtError *err) {
    if (t->stats.active && !t->stats.ready) {
        /* The checkpoint lacks standardization statistics: recompute them, from the whole
         * training data (--limit is the number of rows to predict). */
        DataRequest rq = request(t, true, false);
        rq.limit = 0;
        if (!nnrt_trainer_load_data(t, &rq, err))
            return false;
    }
    return nnrt_trainer_predict(t, t->opt->predict, stdout, err);
}

/* A checkpoint that cannot be written is said before the data is read, not after the
 * first epoch (--history is opened, and checked, before the first epoch too). */
static bool train(Trainer *t, NnrtError *err) {
    DataRequest rq = request(t, true, true);
    warn_limit_differs(t);
    if ((t->opt->save && !nnrt_ckpt_can_save(t->opt->save, err)) ||
        !nnrt_trainer_load_data(t, &rq, err))
        return false;
    warn_split_changed(t);
    return nnrt_trainer_fit(t, err) && nnrt_trainer_results(t, stdout, err);
}

/* A --data or --test that the mode would not read: `--evaluate --data test.csv` evaluated
 * the model's own test set, and `--predict x.csv --test t.csv` predicted without a word,
 * the user's file unread. The training data is read without training only to recompute
 * standardization statistics a checkpoint lacks, or for --evaluate to split off the test
 * part (a model without a test file, whose split has one). True with a usage error in err. */
static bool data_unused(const Trainer *t, NnrtError *err) {
    const Options *o = t->opt;
    const NnrtModel *m = t->m;
    const char *mode = o->evaluate ? "--evaluate" : o->predict ? "--predict"
                       : o->gradcheck ? "--gradcheck" : NULL;
    if (!mode)
        return false;
    bool stats = t->stats.active && !t->stats.ready;
    bool split_test = !o->test_path && m->test.kind == NNRT_DATA_NONE && m->split_test > 0;
    if (o->test_path && !o->evaluate) {
        nnrt_fail_usage(err, "--test %s: %s reads no test set (%s); --evaluate --test PATH [LABELS] "
                  "evaluates on one", o->test_path, mode,
                  o->predict ? "it predicts for the examples of its FILE"
                             : "it checks the gradients on training examples");
        return true;
    }
    if (!o->data_path || o->gradcheck || stats || (o->evaluate && split_test))
        return false;
    if (o->evaluate)
        nnrt_fail_usage(err, "--data %s: --evaluate reads no training data here; it evaluates the "
                  "test set (%s): to evaluate on this file, give it as --test PATH [LABELS]",
                  o->data_path, o->test_path ? "--test's"
                                : m->test.kind != NNRT_DATA_NONE ? "the model's"
                                                                 : "the model declares none");
    else
        nnrt_fail_usage(err, "--data %s: --predict reads no training data here (%s); it predicts for "
                  "the examples of its FILE", o->data_path,
                  t->stats.active ? "the checkpoint holds the standardization statistics"
                                  : "the model standardizes nothing");
    return true;
}

static int run_mode(Trainer *t, NnrtError *err) {
    const Options *o = t->opt;
    if (data_unused(t, err))
        return -1;
    bool has_weights = o->load || o->resume;
    if ((o->evaluate || o->predict) && !has_weights)
        fprintf(stderr, "%s: warning: using freshly initialized weights (pass --load FILE)\n", o->prog);
    if (o->gradcheck) {
        DataRequest rq = request(t, true, false);
        if (!nnrt_trainer_load_data(t, &rq, err))
            return -1;
        double tol = o->tolerance > 0 ? o->tolerance : (t->m->elem_size == 8 ? 1e-6 : 1e-2);
        return nnrt_gradcheck(t, tol, stdout, err);
    }
    bool ok = o->evaluate ? evaluate_only(t, err) : o->predict ? predict_only(t, err) : train(t, err);
    return ok ? 0 : -1;
}

/* The output (--predict's CSV above all) is the product: a write error such as a full
 * disk fails the run instead of exiting 0 with the results lost. */
static bool stdout_written(const char *prog) {
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return true;
    /* an earlier write may have failed (ferror) with its errno long gone */
    fprintf(stderr, "%s: error: cannot write standard output: %s\n", prog,
            errno ? strerror(errno) : "a write failed");
    return false;
}

int nnrt_main(const NnrtModel *m, int argc, char **argv) {
    nnrt_hold_std_streams(); /* >&-: the progress lines went into the --history file */
    Options o;
    int rc = nnrt_cli_parse(&o, m, argc, argv, stdout, stderr);
    if (rc != CLI_RUN) {
        if (rc == CLI_HELP)
            return stdout_written(o.prog) ? 0 : 1;
        return 2;
    }
    /* A file size limit (ulimit -f) makes a write fail with EFBIG instead of ending the
     * process with SIGXFSZ: a checkpoint's save then fails as on a full disk, removes its
     * temporary file and says why (before: killed mid-save, the partial FILE.tmp.PID.N
     * left beside the checkpoint) */
    signal(SIGXFSZ, SIG_IGN);
    NnrtError err = {0};
    if (!nnrt_check_model(m, &err)) {
        fprintf(stderr, "%s: error: the compiled model is inconsistent: %s\n", o.prog, err.msg);
        return 1;
    }
    Trainer t;
    int status = -1;
    if (nnrt_trainer_init(&t, m, &o, &err) && nnrt_trainer_restore(&t, &err))
        status = run_mode(&t, &err);
    bool written = stdout_written(o.prog);
    int signo = t.stop.signo;
    if (status < 0)
        fprintf(stderr, "%s: %s%s\n", o.prog, signo ? "" : "error: ", err.msg);
    bool usage = status < 0 && !signo && err.usage; /* found once model and data are known */
    if (usage)
        fprintf(stderr, "Try '%s --help' for the list of options.\n", o.prog);
    nnrt_trainer_free(&t);
    if (signo) /* as a shell reports a process the signal ended: 130 for SIGINT */
        return 128 + signo;
    if (usage)
        return 2;
    return status < 0 || (!written && status == 0) ? 1 : status;
}
