/*
 * sema_train.c — the train block: loss, optimizer (with Keras' defaults), schedule,
 * data sources, splits, metrics, early stopping, augmentation, class names, and fit()'s
 * shuffle and verbose.
 *
 *   train { loss = sparse_categorical_crossentropy  optimizer = adam(lr=0.001)
 *           epochs = 5  batch = 32  data = idx("x.gz", "y.gz", scale=1/255) }
 *
 * Every setting is checked here, against the model where it depends on it (a softmax
 * output for cross-entropy, as many class names as output units). Files are not opened:
 * the trainer reads data, so data errors are the runtime's.
 */
#include "sema_values.h"
#include "tf1_optimizers.h"

#include <ctype.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>

/* The train settings, in apply_setting's order, then Keras' spellings of some of them
 * (setting_aliases maps those to the settings), so that the "valid train settings" hint
 * and its suggestions name them too. validation_split (7) is always read as validation. */
static const char *const setting_names[] = {
    "loss", "optimizer", "lr", "epochs", "batch", "seed", "validation", "validation_split",
    "test", "split", "metrics", "early_stopping", "schedule", "l2", "classes", "data",
    "augment", "shuffle", "verbose", "learning_rate", "batch_size", "validation_data", NULL,
};

/* fit()'s validation_data is a data source and validation_split a fraction; both are
 * read as validation, which takes either (validation_data refuses a fraction). */
static const char *const setting_aliases[][2] = {
    {"batch_size", "batch"}, {"learning_rate", "lr"}, {"validation_split", "validation"},
    {"validation_data", "validation"},
};

static const char *const loss_names[] = { /* ORDER NnrtLoss */
    "mse", "mae", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "mean_squared_error", "mean_absolute_error", NULL,
};

static const char *const opt_names[] = { /* ORDER OPT */
    "sgd", "adagrad", "rmsprop", "adadelta", "adam", "nadam", "adamw", NULL,
};

const char *opt_name(OptKind k) { return k >= 0 && k < OPT_COUNT ? opt_names[k] : "?"; }

/* Which options each optimizer takes (lr first). */
static const char *const sgd_opts[] = {"lr", "momentum", "nesterov", "clipnorm", "clipvalue",
                                       NULL};
static const char *const adagrad_opts[] = {"lr", "initial_accumulator", "epsilon", "clipnorm",
                                           "clipvalue", NULL};
static const char *const rmsprop_opts[] = {"lr", "rho", "momentum", "epsilon", "centered",
                                           "clipnorm", "clipvalue", NULL};
static const char *const adadelta_opts[] = {"lr", "rho", "epsilon", "clipnorm", "clipvalue",
                                            NULL};
static const char *const adam_opts[] = {"lr", "beta1", "beta2", "epsilon", "amsgrad",
                                        "clipnorm", "clipvalue", NULL};
static const char *const nadam_opts[] = {"lr", "beta1", "beta2", "epsilon", "clipnorm",
                                         "clipvalue", NULL};
static const char *const adamw_opts[] = {"lr", "weight_decay", "beta1", "beta2", "epsilon",
                                         "amsgrad", "clipnorm", "clipvalue", NULL};

static const char *const *const opt_options[] = { /* ORDER OPT */
    sgd_opts, adagrad_opts, rmsprop_opts, adadelta_opts, adam_opts, nadam_opts, adamw_opts,
};

/* What each takes by position: Keras' positional parameters with Keras' names
 * (sema_canonical_option), as far as Keras 2 and 3 agree (Keras 3 puts weight_decay next,
 * Keras 2 name), so SGD(0.01, 0.9) is sgd(lr=0.01, momentum=0.9). RMSprop's centered is
 * taken only as false (Keras' default): true is an error naming it. */
static const char *const sgd_pos[] = {"learning_rate", "momentum", "nesterov", NULL};
static const char *const adagrad_pos[] = {"learning_rate", "initial_accumulator_value",
                                          "epsilon", NULL};
static const char *const rmsprop_pos[] = {"learning_rate", "rho", "momentum", "epsilon",
                                          "centered", NULL};
static const char *const adadelta_pos[] = {"learning_rate", "rho", "epsilon", NULL};
static const char *const adam_pos[] = {"learning_rate", "beta_1", "beta_2", "epsilon",
                                       "amsgrad", NULL};
static const char *const nadam_pos[] = {"learning_rate", "beta_1", "beta_2", "epsilon", NULL};
static const char *const adamw_pos[] = {"learning_rate", "weight_decay", "beta_1", "beta_2",
                                        "epsilon", "amsgrad", NULL};

static const char *const *const opt_positional[] = { /* ORDER OPT */
    sgd_pos, adagrad_pos, rmsprop_pos, adadelta_pos, adam_pos, nadam_pos, adamw_pos,
};

/* Keras' defaults (keras.optimizers.*, Keras 3). */
static Optimizer optimizer_defaults(OptKind k) {
    Optimizer o = {0};
    o.kind = k;
    o.lr = k == OPT_SGD ? 0.01 : 0.001;
    o.rho = k == OPT_ADADELTA ? 0.95 : 0.9;
    o.beta1 = 0.9;
    o.beta2 = 0.999;
    o.epsilon = 1e-7;
    o.initial_accumulator = 0.1;
    o.weight_decay = k == OPT_ADAMW ? 0.004 : 0;
    return o;
}

static int optimizer_slots(const Optimizer *o) {
    switch (o->kind) {
    case OPT_SGD: return o->momentum > 0 ? 1 : 0;
    case OPT_ADAGRAD: return 1;
    case OPT_RMSPROP: return o->momentum > 0 ? 2 : 1;
    case OPT_ADADELTA: return 2;
    case OPT_ADAM: case OPT_ADAMW: return o->amsgrad ? 3 : 2;
    case OPT_NADAM: return 2;
    default: return 0;
    }
}

typedef struct Train {
    Sema *S;
    Scope *sc;
    TrainSpec *t;
    Graph *g;
    bool have_loss, have_lr;
    bool loss_given;          /* written, even if invalid: no "has no loss" cascade */
    SrcLoc classes_loc;
    const char *class_metric;     /* accuracy or top_k, as written, and where */
    SrcLoc class_metric_loc;
    const char *regress_metric;   /* mae, rmse or mse, as written, and where */
    SrcLoc regress_metric_loc;
    SrcLoc top_k_loc;
    bool image_aug_said;          /* the error about augmenting a non-image was given */
    double lr_override;
    SrcLoc lr_loc;
    bool standardize_given[2];    /* written on the validation, test source, and where */
    SrcLoc standardize_loc[2];
    bool series_given;            /* a series source, and where (its one target column) */
    SrcLoc series_loc;
    const char *csv_key;          /* the first setting with a csv source (its one label
                                     column), and where that source is; NULL: none */
    SrcLoc csv_loc;
} Train;

static bool num_opt(Train *T, Args *A, const char *name, double *out, double lo, double hi) {
    const Expr *e = args_get(A, name);
    if (!e)
        return true;
    name = args_key(A, name); /* as written: Keras' spelling is said back */
    double v;
    if (!sema_number_of(T->S, T->sc, e, name, &v))
        return false;
    if (v < lo || v > hi) {
        diag_error(T->S->d, e->loc, "%s must be in [%g, %g], got %s", name, lo, hi,
                   sema_value_text(T->S, T->sc, e, v));
        return false;
    }
    *out = v;
    return true;
}

/* A number in a range whose ends may be open: "beta1 must be in [0, 1), got 1". */
static bool range_opt(Train *T, Args *A, const char *name, double *out, double lo, bool lo_open,
                      double hi, bool hi_open) {
    const Expr *e = args_get(A, name);
    if (!e)
        return true;
    name = args_key(A, name); /* as written: adam(beta_1=1) is told about beta_1 */
    double v;
    if (!sema_number_of(T->S, T->sc, e, name, &v))
        return false;
    bool low = lo_open ? v > lo : v >= lo, high = hi_open ? v < hi : v <= hi;
    if (!low || !high) {
        diag_error(T->S->d, e->loc, "%s must be in %c%g, %g%c, got %s", name, lo_open ? '(' : '[',
                   lo, hi, hi_open ? ')' : ']', sema_value_text(T->S, T->sc, e, v));
        return false;
    }
    *out = v;
    return true;
}

/* A decay rate beta1 or beta2 that float32, the trainer's default precision (and Keras',
 * which casts them to the variables' type), rounds to 1: from 1 − 2⁻²⁵ on (0.99999999 passed
 * the check of [0, 1)). beta1 then divided Adam's step by 1 − 1ᵗ = 0 (the loss became NaN
 * at the first update, "try a lower learning rate"), and beta2 made Adam's and Nadam's
 * step 0 (the correction 1 − 1ᵗ = 0 multiplies Adam's step under a root, divides Nadam's
 * second moment): nothing trained, and nothing said so. */
static bool below_one_in_precision(Train *T, Args *A, const char *name, double v) {
    const Expr *e = args_get(A, name);
    if (!e || sema_in_precision(T->S, v) < 1)
        return true;
    bool beta1 = strcmp(name, "beta1") == 0;
    diag_error(T->S->d, e->loc, "%s %s is 1 in %s: %s",
               args_key(A, name), sema_value_text(T->S, T->sc, e, v),
               sema_precision_name(T->S),
               beta1 ? "Adam's bias correction 1 − β₁ᵗ would divide by zero"
                     : "its bias correction 1 − β₂ᵗ would be 0, and nothing would train");
    diag_hint(T->S->d, e->loc, "0.9999999 (seven nines) stays below 1 in float32; "
              "0.99999999 (eight) does not");
    return false;
}

/* An optimizer's epsilon that float32, the trainer's default precision (and Keras'),
 * rounds to 0, though it is in (0, 1]: below about 7e-46. A weight whose gradient is always 0 (a dead
 * ReLU unit) then took a step of 0/0, and the loss became NaN with the hint "try a lower
 * learning rate". */
static bool epsilon_in_precision(Train *T, Args *A, double epsilon) {
    const Expr *e = args_get(A, "epsilon");
    return !e || sema_nonzero_in_precision(T->S, e->loc,
                                           arena_printf(T->S->a, "epsilon %s",
                                                        sema_value_text(T->S, T->sc, e,
                                                                        epsilon)),
                                           epsilon, NULL);
}

/* A learning rate in (0, 1e6]: 0 trains nothing (and a trainer would take it for "not
 * given"), and a model that asks for more has a typo. *out is set only when it is valid.
 * `what` is the option as written: lr, or Keras' learning_rate. */
static bool lr_value(Train *T, const Expr *e, const char *what, double *out) {
    double lr;
    if (!sema_number_of(T->S, T->sc, e, what, &lr))
        return false;
    if (!(lr > 0)) {
        diag_error(T->S->d, e->loc, "%s must be greater than 0, got %s", what,
                   sema_value_text(T->S, T->sc, e, lr));
        return false;
    }
    if (lr > 1e6) {
        diag_error(T->S->d, e->loc, "%s must be at most 1e+06, got %s", what,
                   sema_value_text(T->S, T->sc, e, lr));
        return false;
    }
    /* 1e-50 in float32: every step 0, nothing trained and nothing said so */
    if (!sema_nonzero_in_precision(T->S, e->loc,
                                   arena_printf(T->S->a, "%s %s", what,
                                                sema_value_text(T->S, T->sc, e, lr)),
                                   lr, "nothing would train"))
        return false;
    *out = lr;
    return true;
}

static const Node *output_producer(const Graph *g, Activation *act);
static bool keras_decay(Train *T, const Expr *e, bool as_lr);

/* A loss, metric or augmentation written as a call takes at most `takes` positional
 * arguments (`what` names them for the hint) and no named options: they would be ignored. */
static bool plain_args(Train *T, const Expr *call, int takes, const char *what) {
    if (!call)
        return true;
    bool ok = true;
    int pos = 0;
    for (const Arg *a = call->args; a; a = a->next) {
        if (a->key) {
            diag_error(T->S->d, a->key_loc, "unknown option '%s' for %s", a->key, call->str);
            Activation act = {0};
            const Node *out = strcmp(a->key, "from_logits") == 0 && T->g
                                  ? output_producer(T->g, &act) : NULL;
            if (out && act.kind != ACT_SOFTMAX && act.kind != ACT_SIGMOID)
                /* Keras' Dense(10) with from_logits=True: the softmax is still to be added */
                diag_hint(T->S->d, a->key_loc, "nnlc fuses the output activation with the loss: "
                          "give the last layer '%s' activation=softmax (or sigmoid) and drop "
                          "from_logits", out->name);
            else if (strcmp(a->key, "from_logits") == 0)
                diag_hint(T->S->d, a->key_loc, "nnlc fuses the output activation with the loss, "
                          "so keep softmax (or sigmoid) on the last layer and drop from_logits");
            else if (takes)
                diag_hint(T->S->d, a->key_loc, "%s takes one argument, %s, written without a name",
                          call->str, what);
            else
                diag_hint(T->S->d, a->key_loc, "%s takes no options", call->str);
            ok = false;
        } else if (++pos > takes) {
            diag_error(T->S->d, a->loc, "too many arguments for %s (it takes %d)", call->str,
                       takes);
            if (takes == 0)
                diag_hint(T->S->d, a->loc, "write %s without parentheses", call->str);
            ok = false;
        }
    }
    return ok;
}

/* Keras' class names for what nnlc names in snake case (`SGD(…)`, `RMSprop()`,
 * `SparseCategoricalCrossentropy()`): matched case-insensitively against `table`, pairs of
 * a lower-case class name and the nnlc name, or against `names` themselves. */
static char *lowercase(Train *T, const char *name) {
    char *lower = arena_strdup(T->S->a, name);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return lower;
}

static const char *keras_spelling(Train *T, const char *name, const char *const (*table)[2],
                                  size_t ntable, const char *const *names) {
    const char *lower = lowercase(T, name);
    for (size_t i = 0; i < ntable; i++)
        if (strcmp(lower, table[i][0]) == 0)
            return table[i][1];
    for (int i = 0; names[i]; i++)
        if (strcmp(lower, names[i]) == 0)
            return names[i];
    return name;
}

static const char *const keras_losses[][2] = {
    {"meansquarederror", "mse"}, {"meanabsoluteerror", "mae"},
    {"binarycrossentropy", "binary_crossentropy"},
    {"categoricalcrossentropy", "categorical_crossentropy"},
    {"sparsecategoricalcrossentropy", "sparse_categorical_crossentropy"},
};
static const char *const keras_metrics[][2] = {
    {"rootmeansquarederror", "rmse"}, {"meanabsoluteerror", "mae"}, {"meansquarederror", "mse"},
    /* Keras' metric functions by name, as the losses take them */
    {"root_mean_squared_error", "rmse"}, {"mean_absolute_error", "mae"},
    {"mean_squared_error", "mse"},
    /* Keras' names of the one accuracy nnlc computes (argmax against the label) */
    {"acc", "accuracy"}, {"sparse_categorical_accuracy", "accuracy"},
    {"sparsecategoricalaccuracy", "accuracy"}, {"categorical_accuracy", "accuracy"},
    {"categoricalaccuracy", "accuracy"},
};

/* A whole number that the trainer keeps in an int (a patience, a window, k of top_k):
 * beyond INT_MAX it would wrap (patience=4294967296 turned early stopping off). */
static bool int_value(Train *T, Scope *sc, const Expr *e, const char *what, int64_t min,
                      int *out) {
    int64_t v;
    if (!sema_int(T->S, sc, e, what, min, INT_MAX, &v))
        return false;
    *out = (int)v;
    return true;
}

static bool bool_opt(Train *T, Args *A, const char *name, bool *out) {
    const Expr *e = args_get(A, name);
    return !e || sema_bool(T->S, T->sc, e, args_key(A, name), out);
}

/* TensorFlow 1's optimizer class `name` as nnlc writes it, with the call's arguments
 * (tf1_call_written), in the arena. */
static const char *tf1_written(Train *T, const char *name, const Expr *call) {
    char text[128];
    tf1_call_written(name, call, text, sizeof text);
    return arena_strdup(T->S->a, text);
}

static void set_optimizer(Train *T, const Expr *value) {
    const char *name;
    const Expr *call;
    if (!sema_symbol(T->S, T->sc, value, "an optimizer such as adam(lr=0.001)", &name, &call))
        return;
    name = keras_spelling(T, name, NULL, 0, opt_names);
    int k = sema_lookup(T->S, call ? call->name_loc : value->loc, name, "optimizer", opt_names);
    if (k < 0 && tf1_optimizer(name)) /* AdamOptimizer, MomentumOptimizer */
        diag_hint(T->S->d, call ? call->name_loc : value->loc, "TensorFlow 1's %s is "
                  "written %s", name, tf1_written(T, name, call));
    else if (k < 0 && strstr(lowercase(T, name), "momentum"))
        diag_hint(T->S->d, call ? call->name_loc : value->loc, "momentum is an option of sgd: "
                  "sgd(lr=0.01, momentum=0.9), with nesterov=true for Nesterov's");
    if (k < 0)
        return;
    Optimizer o = optimizer_defaults((OptKind)k);
    /* the optimizer written, with its defaults, even when its options have errors: the
     * summary that --summary still prints names it (not the default rmsprop) */
    o.slots = optimizer_slots(&o);
    T->t->opt = o;
    if (call && call->args && !call->args->key) {
        /* PyTorch's torch.optim.Adam(params, lr=0.001): the parameters first, which were
         * taken for the learning rate ("option 'lr' given twice", or "expected a number,
         * found params") */
        Scope *psc = T->sc;
        const Expr *first = sema_resolve(T->S, &psc, call->args->value);
        if (first->kind == EX_NAME ||
            (first->kind == EX_CALL && strcmp(first->str, "parameters") == 0)) {
            diag_error(T->S->d, call->args->loc, "%s's first argument is its learning "
                       "rate, not the parameters to train, as PyTorch's is", call->str);
            diag_hint(T->S->d, call->args->loc, "the optimizer trains every parameter of "
                      "the model: leave %s out, %s(lr=…)", expr_text(T->S, call->args->value),
                      call->str);
            return;
        }
    }
    if (call) {
        Args A;
        if (!args_bind_keras(T->S, &A, call, opt_options[k], opt_positional[k], 0))
            return;
        Scope *lsc = T->sc;
        bool ok = !args_get(&A, "lr") ||
                  (!keras_decay(T, sema_resolve(T->S, &lsc, args_get(&A, "lr")), true) &&
                   lr_value(T, args_get(&A, "lr"), args_key(&A, "lr"), &o.lr));
        ok &= num_opt(T, &A, "momentum", &o.momentum, 0, 1);
        ok &= bool_opt(T, &A, "nesterov", &o.nesterov);
        /* Decay rates of running averages are below 1: at 1 the average never sees a
         * gradient, and Adam's bias correction 1 - beta^t divides by zero. epsilon keeps
         * the denominators above 0 (a gradient that is always 0 would give 0/0). */
        ok &= range_opt(T, &A, "rho", &o.rho, 0, false, 1, true);
        ok &= range_opt(T, &A, "beta1", &o.beta1, 0, false, 1, true);
        ok &= range_opt(T, &A, "beta2", &o.beta2, 0, false, 1, true);
        if (o.kind == OPT_ADAM || o.kind == OPT_ADAMW) /* nadam's μ_t stays below β1 */
            ok &= below_one_in_precision(T, &A, "beta1", o.beta1);
        ok &= below_one_in_precision(T, &A, "beta2", o.beta2);
        ok &= range_opt(T, &A, "epsilon", &o.epsilon, 0, true, 1, false) &&
              epsilon_in_precision(T, &A, o.epsilon);
        ok &= num_opt(T, &A, "initial_accumulator", &o.initial_accumulator, 0, 1e6);
        ok &= num_opt(T, &A, "weight_decay", &o.weight_decay, 0, 1e6);
        ok &= bool_opt(T, &A, "amsgrad", &o.amsgrad);
        bool centered = false; /* Keras' default; the centered variant is not nnlc's */
        ok &= bool_opt(T, &A, "centered", &centered);
        ok &= num_opt(T, &A, "clipnorm", &o.clipnorm, 0, 1e12);
        ok &= num_opt(T, &A, "clipvalue", &o.clipvalue, 0, 1e12);
        if (!ok)
            return;
        if (centered) {
            diag_error(T->S->d, args_loc(&A, "centered"), "RMSprop's centered variant (the "
                       "gradient's running mean subtracted) is not supported");
            diag_hint(T->S->d, args_loc(&A, "centered"), "leave centered out, or give it "
                      "false: plain RMSprop, Keras' default");
            return;
        }
        if (o.nesterov && o.momentum == 0) {
            diag_error(T->S->d, args_loc(&A, "nesterov"), "nesterov needs momentum > 0");
            return;
        }
        if (o.clipnorm > 0 && o.clipvalue > 0) { /* Keras refuses the pair too */
            diag_error(T->S->d, args_loc(&A, "clipvalue"),
                       "clipnorm and clipvalue cannot both be set");
            diag_hint(T->S->d, args_loc(&A, "clipnorm"),
                      "keep one: clipnorm caps the norm of each tensor's gradient, clipvalue "
                      "clamps each element");
            return;
        }
    }
    o.slots = optimizer_slots(&o);
    T->t->opt = o;
}

/* ---- data sources ---- */

static const char *const idx_opts[] = {"images", "labels", "scale", "shift", "standardize",
                                       NULL};
static const char *const csv_opts[] = {"path", "label", "header", "scale", "shift",
                                       "standardize", NULL};
static const char *const npy_opts[] = {"features", "labels", "scale", "shift", "standardize",
                                       NULL};
static const char *const series_opts[] = {"path", "inputs", "target", "window", "horizon",
                                          "header", "standardize", NULL};
static const char *const source_names[] = {"idx", "csv", "npy", "series", NULL};

static bool string_opt(Train *T, Args *A, const char *name, const char **out) {
    const Expr *e = args_get(A, name);
    return !e || sema_string(T->S, T->sc, e, name, out);
}

/* A file path: a string, and not "" (which names no file). */
static bool path_opt(Train *T, Args *A, const char *name, const char **out) {
    const Expr *e = args_get(A, name);
    if (!e || !sema_string(T->S, T->sc, e, name, out))
        return !e;
    if (!**out) {
        diag_error(T->S->d, e->loc, "%s needs a file name, not \"\"", name);
        *out = NULL;
        return false;
    }
    return true;
}

/* A relative data path means relative to the .nn file, as #include does in C, so a
 * trainer finds its data wherever it is run from. */
static const char *resolve_path(Train *T, const char *path) {
    if (!path || path[0] == '/' || !path[0])
        return path;
    const char *file = T->S->d->file;
    const char *slash = strrchr(file, '/');
    char dir[4096];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - file), file);
    else
        snprintf(dir, sizeof dir, ".");
    char *abs = realpath(dir, NULL);
    const char *joined = arena_printf(T->S->a, "%s/%s", abs ? abs : dir, path);
    free(abs);
    return joined;
}

/* A data path that names a directory (csv("data/"), a folder of files as Keras'
 * image_dataset_from_directory reads them) is a mistake whenever the trainer runs; it
 * was said only by the trainer, at its start. (A path that does not exist yet is not
 * checked: the data may be fetched after compiling.) `resolved` is the option `name`'s
 * path, relative to the .nn file. */
static bool not_a_directory(Train *T, Args *A, const char *name, const char *resolved,
                            const char *source) {
    struct stat sb;
    if (!resolved || stat(resolved, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return true;
    const Expr *e = args_get(A, name);
    const char *written = e->kind == EX_STR ? e->str : resolved;
    size_t n = strlen(written);
    while (n > 1 && written[n - 1] == '/')
        n--;
    diag_error(T->S->d, e->loc, "%s reads a file, and '%s' is a directory", source, written);
    bool labels = strcmp(name, "labels") == 0;
    const char *idx_file = labels ? "train-labels-idx1-ubyte.gz" : "train-images-idx3-ubyte.gz";
    const char *example = strcmp(source, "idx") == 0   ? idx_file
                          : strcmp(source, "npy") == 0 ? (labels ? "y.npy" : "x.npy")
                                                       : "train.csv";
    diag_hint(T->S->d, e->loc, "name a file in it, e.g. \"%.*s/%s\"", (int)n, written, example);
    return false;
}

/* A path written with a leading '~' (csv("~/data/train.csv")) means the home directory to
 * a shell and to pandas' read_csv, but here, relative to the .nn file, a directory named
 * '~' beside it: the trainer failed when it ran ("cannot open /models/~/data/train.csv").
 * Said where it is written, unless that file exists. `written` is the option `name`'s
 * path as written, `resolved` the same relative to the .nn file. */
static bool not_home_tilde(Train *T, Args *A, const char *name, const char *written,
                           const char *resolved) {
    struct stat sb;
    if (!written || written[0] != '~' || stat(resolved, &sb) == 0)
        return true;
    const Expr *e = args_get(A, name);
    diag_error(T->S->d, e->loc, "'%s' starts with '~', which is not the home directory "
               "here: the path is read relative to the model's file, from a directory named "
               "'~' beside it", written);
    diag_hint(T->S->d, e->loc, "write the path in full, from '/' (as a shell or pandas "
              "expands '~'), or relative to the model's file");
    return false;
}

static bool series_inputs(Train *T, Args *A, NnrtDataSource *src) {
    const Expr *e = args_get(A, "inputs");
    if (!e)
        return true;
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, e);
    int n = 0;
    const Expr *single = r->kind == EX_LIST ? NULL : r;
    for (const Expr *it = single ? single : r->items; it; it = single ? NULL : it->next)
        n++;
    const char **names = ARENA_ARRAY(T->S->a, const char *, n > 0 ? n : 1);
    int i = 0;
    for (const Expr *it = single ? single : r->items; it; it = single ? NULL : it->next)
        if (!sema_string(T->S, single ? T->sc : sc, single ? e : it, "an input column",
                         &names[i++])) /* a single value: said where it is used */
            return false;
    if (n == 0) {
        diag_error(T->S->d, e->loc, "series needs at least one input column");
        diag_hint(T->S->d, e->loc, "name them, e.g. inputs=[\"co2\"]");
        return false;
    }
    src->series_inputs = names;
    src->n_series_inputs = n;
    return true;
}

/* A series' example is a window of `window` rows of its input columns, (window, columns),
 * as Keras' windows (N, window, columns) are: the model's input must be that shape, size-1
 * axes aside (a window of one column fits input [window]), or a vector of all its values,
 * which reads it flattened (as for an .npy array). The trainer checks only the number of
 * values: input [2, 20] would read 20 steps of 2 columns as 2 steps of 10 rows each. */
static bool series_fits_input(Train *T, const Expr *call, const NnrtDataSource *src) {
    const Node *in = T->g->input;
    if (!in || in->out.rank < 1 || src->window < 1 || src->n_series_inputs < 1)
        return true;
    Shape want = {2, {src->window, src->n_series_inputs}}, got = in->out;
    int64_t a[SHAPE_MAX_RANK], b[SHAPE_MAX_RANK];
    int na = 0, nb = 0;
    for (int i = 0; i < want.rank; i++)
        if (want.d[i] != 1)
            a[na++] = want.d[i];
    for (int i = 0; i < got.rank; i++)
        if (got.d[i] != 1)
            b[nb++] = got.d[i];
    bool same = na == nb;
    for (int i = 0; same && i < na; i++)
        same = a[i] == b[i];
    if (same || (got.rank == 1 && got.d[0] == shape_size(want)))
        return true;
    char wbuf[96], gbuf[96];
    diag_error(T->S->d, call->name_loc, "series cuts windows of %d step%s of %d column%s, %s, "
               "but the model's input is %s", src->window, src->window == 1 ? "" : "s",
               src->n_series_inputs, src->n_series_inputs == 1 ? "" : "s",
               shape_str(want, wbuf, sizeof wbuf), shape_str(got, gbuf, sizeof gbuf));
    diag_note(T->S->d, in->loc, "the model's input is here");
    diag_hint(T->S->d, call->name_loc, "give the model input [%d, %d] (steps, columns), or "
              "change window= and inputs= to match it", src->window, src->n_series_inputs);
    return false;
}

static bool csv_label(Train *T, Args *A, NnrtDataSource *src) {
    const Expr *e = args_get(A, "label");
    src->csv_label_index = -1;
    if (!e)
        return true;
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, e);
    if (r->kind == EX_STR) {
        src->csv_label = r->str;
        return true;
    }
    return int_value(T, sc, r, "label column", -1, &src->csv_label_index);
}

/* The model's input feeds an embedding, whose lookups need whole-number indices. */
static bool reads_indices(const Graph *g) {
    for (int i = 0; i < g->nnodes; i++)
        if (g->nodes[i]->op == OP_EMBEDDING)
            return true;
    return false;
}

/* Standardizing token ids, or scaling or shifting them by a fraction, makes them other
 * numbers than the indices written (the lookup would read the wrong rows), so a data
 * source of an embedding model must leave them whole. */
static bool embedding_indices(Train *T, const Expr *call, Args *A, const NnrtDataSource *src) {
    if (!reads_indices(T->g))
        return true;
    bool ok = true;
    if (src->standardize) {
        SrcLoc at = args_get(A, "standardize") ? args_loc(A, "standardize") : call->name_loc;
        diag_error(T->S->d, at, "standardize would turn the token indices read by embedding "
                   "into other numbers");
        diag_hint(T->S->d, at, "%s", args_get(A, "standardize") ? "drop standardize=true"
                                                                 : "give standardize=false");
        ok = false;
    }
    static const char *const what[] = {"scale", "shift"};
    const double v[] = {src->scale, src->shift};
    for (int i = 0; i < 2; i++)
        if (args_get(A, what[i]) && v[i] != floor(v[i])) {
            diag_error(T->S->d, args_loc(A, what[i]), "%s=%s would turn the token indices read "
                       "by embedding into fractions", what[i], diag_num(v[i]).s);
            ok = false;
        }
    return ok;
}

/* A source's scale= that float32 cannot carry: the trainer reads every data set as
 * float32, whatever --precision is. 0 was taken as "not given" (1), and 1e-50, rounded to
 * 0, turned every feature into 0 (or the shift): the model trained on constants, silently.
 * Of idx's bytes (0..255), a scale below about 4.6e-41 leaves every pixel subnormal, as
 * good as 0. A scale that float32 holds only as a subnormal number (below about 1.2e-38)
 * makes features of ordinary size subnormal or 0: a warning, as a .npy of values near 1e30
 * may be scaled so on purpose. idx_bytes: the source is idx, whose features are 0..255. */
static bool scale_in_float32(Train *T, Args *A, bool idx_bytes, double scale) {
    const Expr *e = args_get(A, "scale");
    if (!e)
        return true;
    const char *text = sema_value_text(T->S, T->sc, e, scale);
    if (scale == 0 || (float)scale == 0) {
        if (scale == 0)
            diag_error(T->S->d, e->loc, "scale %s would make every feature 0", text);
        else
            diag_error(T->S->d, e->loc, "scale %s is 0 in float32, in which the trainer reads "
                       "the data at either precision: every feature would be 0", text);
        diag_hint(T->S->d, e->loc, "scale multiplies each feature: scale=1/255 divides by 255, "
                  "and leaving it out keeps the values as they are");
        return false;
    }
    if (idx_bytes && 255 * fabs((double)(float)scale) < FLT_MIN) {
        diag_error(T->S->d, e->loc, "scale %s makes every pixel of 0..255 subnormal in float32, "
                   "in which the trainer reads the data at either precision (at most %.2g): "
                   "as good as 0", text, 255 * fabs((double)(float)scale));
        diag_hint(T->S->d, e->loc, "scale multiplies each feature: scale=1/255 makes pixels "
                  "0..1");
        return false;
    }
    if (fabs(scale) < FLT_MIN)
        diag_warning(T->S->d, e->loc, "scale %s is subnormal in float32 (below about 1.2e-38), "
                     "in which the trainer reads the data at either precision: features of "
                     "ordinary size would become subnormal or 0", text);
    return true;
}

static void source_spelling_hint(Train *T, const char *key, SrcLoc at, const Expr *r);

#define IMAGE_FILES_HINT                                                                      \
    "nnlc reads arrays, not image files: load the images into one array of shape (N, "      \
    "height, width, channels), save it and the labels (class indices, shape (N,)) with "    \
    "numpy.save, and read them with npy(\"x.npy\", \"y.npy\")"

/* Whether a file name ends in an image format's extension (.jpg, .png, …). */
static bool image_file(const char *path) {
    static const char *const exts[] = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp",
                                       ".tif", ".tiff", NULL};
    const char *dot = strrchr(path, '.');
    for (int i = 0; dot && exts[i]; i++)
        if (strcasecmp(dot, exts[i]) == 0)
            return true;
    return false;
}

/* data = mnist (Keras' keras.datasets.mnist): nnlc reads files; said after "unknown data
 * source", with how those data are read. */
static void keras_dataset_hint(Train *T, SrcLoc at, const char *name) {
    static const char *const datasets[] = {"mnist", "fashion_mnist", "cifar10", "cifar100",
                                           "imdb", "reuters", "boston_housing", "load_data",
                                           NULL};
    const char *lower = lowercase(T, name);
    /* Keras' loaders of image files (the course's weather photos) and of windows */
    static const char *const image_loaders[] = {"image_dataset_from_directory",
                                                "flow_from_directory", "imagedatagenerator",
                                                "load_img", NULL};
    for (int i = 0; image_loaders[i]; i++)
        if (strcmp(lower, image_loaders[i]) == 0) {
            diag_hint(T->S->d, at, IMAGE_FILES_HINT);
            return;
        }
    if (strcmp(lower, "timeseries_dataset_from_array") == 0) {
        diag_hint(T->S->d, at, "windows of a time series are cut by series(\"file.csv\", "
                  "inputs=[\"a\"], target=\"a\", window=N) from a CSV file");
        return;
    }
    bool known = false;
    for (int i = 0; datasets[i]; i++)
        known |= strcmp(lower, datasets[i]) == 0;
    if (!known)
        return;
    if (strstr(lower, "mnist"))
        diag_hint(T->S->d, at, "nnlc reads data from files, not Keras' datasets: MNIST's are "
                  "IDX files, idx(\"train-images-idx3-ubyte.gz\", "
                  "\"train-labels-idx1-ubyte.gz\")");
    else
        diag_hint(T->S->d, at, "nnlc reads data from files, not Keras' datasets: save the "
                  "arrays with numpy.save and read them with npy(\"x.npy\", \"y.npy\")");
}

/* The data source `value` of the setting `key` into src. */
static bool data_source(Train *T, const char *key, const Expr *value, NnrtDataSource *src) {
    const char *name;
    const Expr *call;
    if (!sema_symbol(T->S, T->sc, value, "a data source such as idx(\"images.gz\", "
                                          "\"labels.gz\")", &name, &call)) {
        Scope *sc = T->sc;
        source_spelling_hint(T, key, value->loc, sema_resolve(T->S, &sc, value));
        return false;
    }
    int k = sema_lookup(T->S, call ? call->name_loc : value->loc, name, "data source",
                        source_names);
    if (k < 0) {
        Scope *sc = T->sc;
        const Expr *r = sema_resolve(T->S, &sc, value);
        struct stat sb;
        /* test = "mnist": a file or directory of that name, quoted */
        if (!call && r->kind == EX_STR && stat(resolve_path(T, r->str), &sb) == 0)
            source_spelling_hint(T, key, value->loc, r);
        else
            keras_dataset_hint(T, call ? call->name_loc : value->loc, name);
        return false;
    }
    if (!call) {
        diag_error(T->S->d, value->loc, "%s needs a file path, e.g. %s(\"file\")", name, name);
        return false;
    }
    static const char *const *const opts[] = {idx_opts, csv_opts, npy_opts, series_opts};
    static const int npos[] = {2, 1, 2, 1};
    static const NnrtDataKind kinds[] = {NNRT_DATA_IDX, NNRT_DATA_CSV, NNRT_DATA_NPY,
                                         NNRT_DATA_SERIES};
    Args A;
    if (!args_bind(T->S, &A, call, opts[k], npos[k], 0))
        return false;
    memset(src, 0, sizeof *src);
    src->kind = kinds[k];
    src->scale = 1;
    src->csv_header = 1;
    src->horizon = 1;
    src->csv_label_index = -1;
    const char *first = k == 0 ? "images" : k == 2 ? "features" : "path";
    if (!args_get(&A, first)) {
        diag_error(T->S->d, call->name_loc, "%s needs the %s file", name, first);
        return false;
    }
    bool ok = path_opt(T, &A, first, &src->features_path);
    ok &= path_opt(T, &A, "labels", &src->labels_path);
    const char *features_written = src->features_path, *labels_written = src->labels_path;
    src->features_path = resolve_path(T, src->features_path);
    src->labels_path = resolve_path(T, src->labels_path);
    ok &= not_a_directory(T, &A, first, src->features_path, name) &&
          not_a_directory(T, &A, "labels", src->labels_path, name);
    ok &= not_home_tilde(T, &A, first, features_written, src->features_path) &&
          not_home_tilde(T, &A, "labels", labels_written, src->labels_path);
    if ((k == 0 || k == 2) && !args_get(&A, "labels")) { /* the runtime would refuse it */
        diag_error(T->S->d, call->name_loc, "%s needs the labels file too",
                   k == 0 ? "idx" : "npy");
        diag_hint(T->S->d, call->name_loc, k == 0 ? "idx(\"train-images-idx3-ubyte.gz\", "
                                                    "\"train-labels-idx1-ubyte.gz\")"
                                                  : "npy(\"x.npy\", \"y.npy\")");
        ok = false;
    }
    ok &= num_opt(T, &A, "scale", &src->scale, -1e30, 1e30) &&
          scale_in_float32(T, &A, k == 0, src->scale);
    if (src->scale == 255 || src->scale == 256) {
        /* scale multiplies: pixels came out 0..65025, and trained silently at a loss in
         * the thousands, where Keras' x / 255.0 was meant */
        diag_warning(T->S->d, args_loc(&A, "scale"), "scale multiplies each feature: "
                     "scale=%g makes pixels of 0..255 into 0..%g", src->scale,
                     255 * src->scale);
        diag_hint(T->S->d, args_loc(&A, "scale"), "to divide by %g, as Keras' x / %g.0 does, "
                  "write scale=1/%g", src->scale, src->scale, src->scale);
    }
    ok &= num_opt(T, &A, "shift", &src->shift, -1e30, 1e30);
    bool standardize = k == 3, header = true;
    ok &= bool_opt(T, &A, "standardize", &standardize);
    ok &= bool_opt(T, &A, "header", &header);
    if (k == 3 && !header) {
        diag_error(T->S->d, args_loc(&A, "header"), "series chooses its columns by name, so its "
                   "file needs a header line");
        diag_hint(T->S->d, args_loc(&A, "header"), "add a first line naming the columns, and "
                  "drop header=false");
        ok = false;
    }
    src->standardize = standardize;
    src->csv_header = header;
    if (args_get(&A, "standardize") && src != &T->t->data) { /* check_standardize() */
        int i = src == &T->t->validation ? 0 : 1;
        T->standardize_given[i] = true;
        T->standardize_loc[i] = args_loc(&A, "standardize");
    }
    ok &= embedding_indices(T, call, &A, src);
    if (k == 1)
        ok &= csv_label(T, &A, src);
    if (k == 1 && !T->csv_key) {
        T->csv_key = key;
        T->csv_loc = call->name_loc;
    }
    if (k == 3) {
        int window = 0, horizon = 1;
        const Expr *w = args_get(&A, "window");
        if (!w) {
            diag_error(T->S->d, call->name_loc, "series needs window=N (input steps)");
            ok = false;
        } else {
            ok &= int_value(T, T->sc, w, "window", 1, &window);
        }
        /* horizon=0: the target of the window's last row (an estimate of it from the
         * inputs up to that row), as the trainer reads it (runtime/data_series.c) */
        const Expr *h = args_get(&A, "horizon");
        if (h)
            ok &= int_value(T, T->sc, h, "horizon", 0, &horizon);
        src->window = window;
        src->horizon = horizon;
        ok &= series_inputs(T, &A, src);
        ok &= string_opt(T, &A, "target", &src->series_target);
        if (ok && h && horizon == 0 && src->series_target)
            for (int i = 0; i < src->n_series_inputs; i++)
                if (strcmp(src->series_inputs[i], src->series_target) == 0) {
                    /* the same words as the trainer's (nnrt_read_series) */
                    diag_error(T->S->d, h->loc, "horizon=0 predicts the target of each "
                               "window's last row, but the target '%s' is one of the inputs: "
                               "the model would read the value it predicts",
                               src->series_target);
                    diag_hint(T->S->d, h->loc, "horizon=1 predicts the row after the window; "
                              "or leave '%s' out of inputs", src->series_target);
                    ok = false;
                    break;
                }
        ok = ok && series_fits_input(T, call, src);
        if (!T->series_given) {
            T->series_given = true;
            T->series_loc = call->name_loc;
        }
    }
    return ok;
}

/* How the source of the file `path` is written, by its extension as the trainer's --data
 * reads it: csv("va.csv"), npy("x.npy", LABELS), idx("images", LABELS). `labels` is the
 * quoted second file, or NULL for a placeholder. */
static const char *spelled_source(Train *T, const Expr *path, const Expr *labels) {
    const char *p = path->str, *dot = strrchr(p, '.');
    size_t n = strlen(p);
    if (n > 3 && strcasecmp(p + n - 3, ".gz") == 0) { /* train.csv.gz */
        const char *q = p + n - 4;
        while (q > p && *q != '.')
            q--;
        dot = *q == '.' ? q : NULL;
    }
    const char *quoted = expr_text(T->S, path);
    if (dot && strncasecmp(dot, ".npy", 4) == 0)
        return arena_printf(T->S->a, "npy(%s, %s)", quoted,
                            labels ? expr_text(T->S, labels) : "\"labels.npy\"");
    if (strstr(p, "idx") || strstr(p, "ubyte"))
        return arena_printf(T->S->a, "idx(%s, %s)", quoted,
                            labels ? expr_text(T->S, labels) : "\"labels-idx1-ubyte.gz\"");
    return arena_printf(T->S->a, "csv(%s)", quoted);
}

/* A data setting given a directory (data = "/usr/share/datasets/fashion-mnist/", as Keras
 * loads a data set by its name): the IDX pair in it, train-… for data and t10k-… for test
 * (MNIST's names), or the first pair of any prefix, else NULL. */
static const char *idx_pair_in(Train *T, const char *dir, const char *written, bool test) {
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    const char *want = test ? "t10k-" : "train-";
    char images[256] = "", best[256] = "";
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *f = e->d_name;
        if (!strstr(f, "images-idx3-ubyte") || strlen(f) >= sizeof images)
            continue;
        char *slot = strncmp(f, want, strlen(want)) == 0 ? best : images; /* the first by name */
        if (!slot[0] || strcmp(f, slot) < 0)
            snprintf(slot, sizeof images, "%s", f);
    }
    closedir(d);
    const char *img = best[0] ? best : images;
    if (!img[0])
        return NULL;
    /* its labels: the same name with labels-idx1 for images-idx3 */
    char labels[300];
    const char *at = strstr(img, "images-idx3-ubyte");
    snprintf(labels, sizeof labels, "%.*slabels-idx1-ubyte%s", (int)(at - img), img,
             at + strlen("images-idx3-ubyte"));
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, labels);
    if (stat(path, &sb) != 0)
        return NULL;
    size_t n = strlen(written);
    while (n > 1 && written[n - 1] == '/')
        n--;
    return arena_printf(T->S->a, "idx(\"%.*s/%s\", \"%.*s/%s\", scale=1/255)", (int)n, written,
                        img, (int)n, written, labels);
}

/* A data setting written as a file name ("va.csv") or as Keras' tuple of arrays
 * ((x_val, y_val)): the hint spells it as a data source. */
static void source_spelling_hint(Train *T, const char *key, SrcLoc at, const Expr *r) {
    struct stat sb;
    const char *dir = r->kind == EX_STR && r->str[0] ? resolve_path(T, r->str) : NULL;
    if (dir && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        const char *pair = idx_pair_in(T, dir, r->str, strcmp(key, "test") == 0);
        if (pair)
            diag_hint(T->S->d, at, "'%s' is a directory: a source names its files, %s = %s",
                      r->str, key, pair);
        else
            diag_hint(T->S->d, at, "'%s' is a directory: a source names its files, e.g. %s = "
                      "csv(\"%s/train.csv\")", r->str, key, r->str);
        return;
    }
    if (r->kind == EX_STR && image_file(r->str)) { /* data = "weather/sunny/1.jpg" */
        diag_hint(T->S->d, at, IMAGE_FILES_HINT);
        return;
    }
    if (r->kind == EX_STR && r->str[0]) {
        diag_hint(T->S->d, at, "a file is read through its format: %s = %s", key,
                  spelled_source(T, r, NULL));
        return;
    }
    if (r->kind != EX_LIST)
        return;
    const Expr *a = r->items, *b = a ? a->next : NULL;
    if (a && b && !b->next && a->kind == EX_STR && b->kind == EX_STR && a->str[0]) {
        diag_hint(T->S->d, at, "a pair of files is read through their format: %s = %s", key,
                  spelled_source(T, a, b));
        return;
    }
    diag_hint(T->S->d, at, "Keras' (x, y) are arrays in memory; here %s names the files that "
              "hold them, e.g. %s = npy(\"x.npy\", \"y.npy\") or csv(\"data.csv\")", key, key);
}

/* ---- the smaller settings ---- */

static void set_split(Train *T, const Expr *value) {
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, value);
    double f[3] = {0}, sum = 0;
    int n = 0;
    if (r->kind == EX_LIST)
        for (const Expr *it = r->items; it; it = it->next, n++)
            if (n < 3 && !sema_number(T->S, sc, it, &f[n]))
                return;
    if (r->kind != EX_LIST || n != 3) {
        diag_error(T->S->d, value->loc, "split needs three fractions [train, validation, test]");
        diag_hint(T->S->d, value->loc, "for example split = [0.6, 0.2, 0.2]");
        return;
    }
    /* Fractions that add up to 1, or whole-number parts of any sum: [6, 2, 2], [2, 1, 1]
     * and [60, 20, 20] are ratios. [0.6, 0.3, 0.2] is more likely a slip than a ratio. */
    bool whole = true;
    for (int i = 0; i < 3; i++) {
        if (f[i] < 0) {
            diag_error(T->S->d, value->loc, "split fractions must not be negative");
            return;
        }
        whole &= f[i] == floor(f[i]) && f[i] <= 1e15;
        sum += f[i];
    }
    if (!whole && fabs(sum - 1) > 1e-6) {
        diag_error(T->S->d, value->loc, "split fractions add up to %g, not 1", sum);
        diag_hint(T->S->d, value->loc, "give fractions that add up to 1, such as [0.6, 0.2, "
                  "0.2], or whole-number parts, such as [6, 2, 2]");
        return;
    }
    if (f[0] == 0) {
        diag_error(T->S->d, value->loc, "split leaves no data for training: its first part "
                   "(train) is 0");
        diag_hint(T->S->d, value->loc, "for example split = [0.6, 0.2, 0.2]");
        return;
    }
    for (int i = 0; i < 3; i++)
        T->t->split[i] = f[i] / sum; /* 6:2:2 and 60:20:20 mean the same */
    /* The trainer's messages quote the split as written: [1, 1, 1], not its fractions
     * [0.333333, 0.333333, 0.333333]. A part given by a constant's name shows its value. */
    char parts[3][64];
    int i = 0;
    for (const Expr *it = r->items; it; it = it->next, i++) {
        const char *text = it->kind == EX_NAME ? NULL
                                               : diag_source_text(T->S->d, it->loc, parts[i],
                                                                  sizeof parts[i]);
        if (!text)
            snprintf(parts[i], sizeof parts[i], "%s", diag_num(f[i]).s);
    }
    T->t->split_text = arena_printf(T->S->a, "[%s, %s, %s]", parts[0], parts[1], parts[2]);
}

/* Keras' losses and metrics that nnlc does not have, said in place of "unknown loss" (or
 * metric), whose "did you mean" would offer a different function with a near spelling
 * (mape's mae, msle's mse): each with what it computes. Keras' function names, short
 * names and class names, in lower case and without underscores (keras_only_function
 * compares them so: mean_absolute_percentage_error is MeanAbsolutePercentageError). */
static const char *const keras_only_functions[][2] = {
    {"huber", "the Huber loss"}, {"huberloss", "the Huber loss"},
    {"mape", "the mean absolute percentage error"},
    {"meanabsolutepercentageerror", "the mean absolute percentage error"},
    {"msle", "the mean squared logarithmic error"},
    {"meansquaredlogarithmicerror", "the mean squared logarithmic error"},
    {"logcosh", "the logarithm of the hyperbolic cosine of the error"},
    {"r2", "the coefficient of determination"}, {"r2score", "the coefficient of determination"},
    {"kld", "the Kullback-Leibler divergence"}, {"kldivergence", "the Kullback-Leibler divergence"},
    {"kullbackleiblerdivergence", "the Kullback-Leibler divergence"},
    {"poisson", "the Poisson loss"}, {"cosinesimilarity", "the cosine similarity"},
    {"hinge", "the hinge loss"}, {"squaredhinge", "the squared hinge loss"},
    {"categoricalhinge", "the categorical hinge loss"},
    {"binaryfocalcrossentropy", "the focal loss"},
    {"categoricalfocalcrossentropy", "the focal loss"},
};

/* "Keras' loss 'mape' (the mean absolute percentage error) is not nnlc's", with nnlc's
 * list (`names`, of `what`); returns whether `name` was one of keras_only_functions. */
static bool keras_only_function(Train *T, SrcLoc at, const char *name, const char *what,
                                const char *const *names) {
    char plain[64];
    size_t n = 0;
    for (const char *c = name; *c && n < sizeof plain - 1; c++)
        if (*c != '_')
            plain[n++] = (char)tolower((unsigned char)*c);
    plain[n] = '\0';
    for (size_t i = 0; i < sizeof keras_only_functions / sizeof keras_only_functions[0]; i++) {
        if (strcmp(plain, keras_only_functions[i][0]) != 0)
            continue;
        diag_error(T->S->d, at, "Keras' %s '%s' (%s) is not nnlc's", what, name,
                   keras_only_functions[i][1]);
        char list[512];
        diag_hint(T->S->d, at, "nnlc's %s are: %s",
                  strcmp(what, "loss") == 0 ? "losses" : "metrics",
                  diag_join(list, sizeof list, names));
        return true;
    }
    return false;
}

/* PyTorch's loss classes (torch.nn), said in place of "unknown loss" with the list: the
 * loss that computes the same and what its output layer must be. */
static bool torch_loss(Train *T, SrcLoc at, const char *name) {
    static const char *const rows[][3] = {
        {"crossentropyloss", "sparse_categorical_crossentropy",
         "with class indices as labels, and a softmax on the last layer (PyTorch's takes "
         "logits and applies it inside; nnlc fuses it with the loss)"},
        {"nllloss", "sparse_categorical_crossentropy",
         "with a softmax on the last layer in place of PyTorch's log_softmax"},
        {"mseloss", "mse", "the mean squared error"},
        {"l1loss", "mae", "the mean absolute error"},
        {"bceloss", "binary_crossentropy", "with a sigmoid on the last layer"},
        {"bcewithlogitsloss", "binary_crossentropy",
         "with a sigmoid on the last layer (PyTorch's takes logits and applies it inside)"},
    };
    const char *lower = lowercase(T, name);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strcmp(lower, rows[i][0]) == 0) {
            diag_error(T->S->d, at, "'%s' is PyTorch's loss: nnlc's is written loss = %s",
                       name, rows[i][1]);
            diag_hint(T->S->d, at, "%s: %s", rows[i][1], rows[i][2]);
            return true;
        }
    return false;
}

/* Keras' metrics that nnlc does not compute, said after "unknown metric": 'loss' (Keras
 * lists it in its History), precision and recall, AUC. */
static void keras_metric_hint(Train *T, SrcLoc at, const char *name) {
    const char *lower = lowercase(T, name);
    if (strcmp(lower, "loss") == 0 || strcmp(lower, "val_loss") == 0)
        diag_hint(T->S->d, at, "the loss is always reported (and val_loss with validation "
                  "data): drop it from metrics");
    else if (strstr(lower, "precision") || strstr(lower, "recall") || strstr(lower, "auc") ||
             strstr(lower, "f1"))
        diag_hint(T->S->d, at, "nnlc computes a classifier's accuracy and top_k only; the "
                  "trainer's --predict writes the outputs, from which %s can be computed",
                  name);
}

static void set_metrics(Train *T, const Expr *value) {
    static const char *const metric_names[] = {"accuracy", "top_k", "top_k_accuracy", "mae",
                                               "rmse", "mse", NULL};
    static const NnrtMetric metric_kinds[] = {NNRT_METRIC_ACCURACY, NNRT_METRIC_TOP_K,
                                              NNRT_METRIC_TOP_K, NNRT_METRIC_MAE,
                                              NNRT_METRIC_RMSE, NNRT_METRIC_MSE};
    /* the trainer reports exactly these, in this order, as Keras' compile(metrics=[...])
     * does: metrics = [] leaves the loss alone */
    TrainSpec *t = T->t;
    t->metrics_given = true;
    t->n_metrics = 0;
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, value);
    const Expr *single = r->kind == EX_LIST ? NULL : r;
    for (const Expr *it = single ? single : r->items; it; it = single ? NULL : it->next) {
        const char *name;
        const Expr *call;
        /* a single value is looked at where it is used (metrics = m), not at m's value */
        if (!sema_symbol(T->S, single ? T->sc : sc, single ? value : it,
                         "a metric such as accuracy", &name, &call))
            continue;
        name = keras_spelling(T, name, keras_metrics,
                              sizeof keras_metrics / sizeof keras_metrics[0], metric_names);
        if (keras_only_function(T, call ? call->name_loc : it->loc, name, "metric",
                                metric_names))
            continue;
        int k = sema_lookup(T->S, call ? call->name_loc : it->loc, name, "metric",
                            metric_names);
        SrcLoc at = call ? call->name_loc : it->loc;
        if (k < 0) {
            keras_metric_hint(T, at, name);
            continue;
        }
        int listed = 0;
        while (listed < t->n_metrics && t->metrics[listed] != (int)metric_kinds[k])
            listed++;
        if (listed < t->n_metrics) { /* a column would be shown twice */
            diag_error(T->S->d, at, "metric %s is listed twice", name);
            continue;
        }
        /* a task has at most 3 metrics: a longer list mixes kinds, which check_metrics says */
        if (t->n_metrics < NNRT_MAX_MODEL_METRICS)
            t->metrics[t->n_metrics++] = (int)metric_kinds[k];
        if (k <= 2 && !T->class_metric) {
            T->class_metric = name;
            T->class_metric_loc = at;
        } else if (k >= 3 && !T->regress_metric) {
            T->regress_metric = name;
            T->regress_metric_loc = at;
        }
        if (k != 1 && k != 2 && !plain_args(T, call, 0, NULL))
            continue;
        if (k == 1 || k == 2) {
            T->top_k_loc = at;
            int topk = 5;
            static const char *const k_opts[] = {"k", NULL};
            Args A;
            if (call && (!args_bind(T->S, &A, call, k_opts, 1, 0) ||
                         (args_get(&A, "k") &&
                          !int_value(T, sc, args_get(&A, "k"), "k", 1, &topk))))
                continue; /* said; no "top_k of 5" about the default on top */
            T->t->top_k = topk;
        }
    }
}

/* Keras' patience=0 acts as 1 in EarlyStopping and ReduceLROnPlateau: both count the
 * epoch without improvement before they compare, so either stops (or reduces) at the
 * first such epoch. Taken as 1 in the call forms; `early_stopping = 0` alone, which
 * could be read as "off", stays an error. */
static int keras_patience(int patience) { return patience == 0 ? 1 : patience; }

/* Keras' monitor= of EarlyStopping and ReduceLROnPlateau: nnlc watches val_loss (the
 * training loss in a run without validation data, with a warning), so that is the one
 * value taken. */
static bool monitor_opt(Train *T, Args *A) {
    const Expr *e = args_get(A, "monitor");
    const char *what;
    const Expr *call;
    if (!e)
        return true;
    if (!sema_symbol(T->S, T->sc, e, "'val_loss'", &what, &call))
        return false;
    if (!call && strcmp(what, "val_loss") == 0)
        return true;
    diag_error(T->S->d, e->loc, "monitor must be 'val_loss', got %s", expr_text(T->S, e));
    diag_hint(T->S->d, e->loc, "nnlc watches val_loss (the training loss when there is no "
              "validation data): leave monitor out");
    return false;
}

/* Keras' learning-rate schedules (keras.optimizers.schedules), given as the schedule or
 * as an optimizer's learning_rate: said with the setting that does it here, their
 * arguments (by name or in Keras' order) filled in. Returns whether `e` was one. */
static bool keras_decay(Train *T, const Expr *e, bool as_lr) {
    static const char *const exp_args[] = {"initial_learning_rate", "decay_steps",
                                           "decay_rate", "staircase", NULL};
    static const char *const cos_args[] = {"initial_learning_rate", "decay_steps", "alpha",
                                           NULL};
    static const char *const others[] = {"piecewiseconstantdecay", "inversetimedecay",
                                         "polynomialdecay", "cosinedecayrestarts", NULL};
    if (e->kind != EX_CALL && e->kind != EX_NAME)
        return false;
    const char *lower = lowercase(T, e->str);
    bool exp = strcmp(lower, "exponentialdecay") == 0, cos = strcmp(lower, "cosinedecay") == 0;
    bool other = false;
    for (int i = 0; others[i]; i++)
        other |= strcmp(lower, others[i]) == 0;
    if (!exp && !cos && !other)
        return false;
    SrcLoc at = e->kind == EX_CALL ? e->name_loc : e->loc;
    if (as_lr)
        diag_error(T->S->d, e->loc, "a learning rate is a number here: Keras' %s is the "
                   "setting schedule", e->str);
    else
        diag_error(T->S->d, at, "Keras' %s is not a schedule here", e->str);
    if (other) {
        diag_hint(T->S->d, at, "nnlc's schedules are step, exponential, cosine and "
                  "reduce_on_plateau (docs/language.md §6.2)");
        return true;
    }
    const char *const *names = exp ? exp_args : cos_args;
    const char *v[4] = {NULL, NULL, NULL, NULL};
    int pos = 0;
    bool staircase = false, warmup = false;
    const char *target = NULL; /* the rate a warmup reaches, where the cosine starts */
    for (const Arg *a = e->kind == EX_CALL ? e->args : NULL; a; a = a->next) {
        /* what nnlc's schedule does not do: Keras' staircase=True, CosineDecay's warmup
         * (warmup_steps above 0 with a warmup_target; either alone does nothing in Keras) */
        bool off = a->value->kind == EX_NAME && strcasecmp(a->value->str, "false") == 0;
        bool zero = a->value->kind == EX_NUM && a->value->num == 0;
        if ((exp && a->key ? strcmp(a->key, "staircase") == 0 : exp && pos == 3) && !off &&
            !zero)
            staircase = true;
        if (cos && a->key && strcmp(a->key, "warmup_steps") == 0 && !zero)
            warmup = true;
        if (cos && a->key && strcmp(a->key, "warmup_target") == 0)
            target = expr_text(T->S, a->value);
        int k = -1;
        if (!a->key)
            k = pos++;
        else
            for (int i = 0; names[i]; i++)
                if (strcmp(a->key, names[i]) == 0)
                    k = i;
        if (k >= 0 && k < 4 && names[k])
            v[k] = expr_text(T->S, a->value);
    }
    warmup &= target != NULL; /* Keras warms up only towards a warmup_target */
    if (warmup)
        v[0] = target;
    char sched[256];
    if (exp)
        snprintf(sched, sizeof sched, "schedule = exponential(rate=%s, steps=%s)",
                 v[2] ? v[2] : "0.96", v[1] ? v[1] : "1000");
    else if (v[2])
        snprintf(sched, sizeof sched, "schedule = cosine(steps=%s, alpha=%s)",
                 v[1] ? v[1] : "N", v[2]);
    else
        snprintf(sched, sizeof sched, "schedule = cosine(steps=%s)", v[1] ? v[1] : "N");
    diag_hint(T->S->d, at, "write %s%s%s%s", sched, v[0] ? ", with lr = " : "",
              v[0] ? v[0] : "",
              staircase ? " (staircase is not nnlc's: the rate decays at every step)"
              : warmup ? " (warmup is not nnlc's: the rate starts at lr, Keras' "
                         "warmup_target, and only decays)" : "");
    return true;
}

static void set_early_stopping(Train *T, const Expr *value) {
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, value);
    int patience = 0;
    if (r->kind == EX_NUM) {
        if (int_value(T, sc, r, "patience", 1, &patience))
            T->t->early_stop_patience = patience;
        return;
    }
    static const char *const es_names[] = {"early_stopping", NULL};
    static const char *const es_opts[] = {"patience", "min_delta", "restore_best", "monitor",
                                          NULL};
    const char *name;
    const Expr *call;
    if (!sema_symbol(T->S, sc, r, "early_stopping(patience=3)", &name, &call))
        return;
    /* Keras' class, EarlyStopping(monitor='val_loss', patience=3), as the callbacks hint
     * sends learners here with it, takes Keras' first three by position */
    static const char *const keras_opts[] = {"monitor", "min_delta", "patience",
                                             "restore_best", NULL};
    bool keras_class = strcmp(lowercase(T, name), "earlystopping") == 0;
    if (keras_class)
        name = "early_stopping";
    if (sema_lookup(T->S, r->loc, name, "early-stopping rule", es_names) < 0)
        return;
    Args A;
    if (call && !args_bind(T->S, &A, call, keras_class ? keras_opts : es_opts,
                           keras_class ? 3 : 1, 0))
        return;
    if (call && !monitor_opt(T, &A))
        return;
    /* nnlc's early_stopping() waits 3 epochs; Keras' class, as Keras, 0 (acts as 1): a
     * learner's EarlyStopping(monitor='val_loss') stops where Keras' would */
    patience = keras_class ? 0 : 3;
    bool restore = false;
    if (call && args_get(&A, "patience") &&
        !int_value(T, sc, args_get(&A, "patience"), "patience", 0, &patience))
        return;
    patience = keras_patience(patience);
    if (call && !num_opt(T, &A, "min_delta", &T->t->early_stop_min_delta, 0, 1e30))
        return;
    if (call && !bool_opt(T, &A, "restore_best", &restore))
        return;
    T->t->early_stop_patience = patience;
    T->t->early_stop_restore_best = restore;
}

static void set_schedule(Train *T, const Expr *value) {
    static const char *const names[] = {"constant", "step", "exponential", "cosine",
                                        "reduce_on_plateau", NULL};
    static const char *const constant_opts[] = {NULL};
    static const char *const step_opts[] = {"every", "factor", NULL};
    static const char *const exp_opts[] = {"rate", "steps", NULL};
    static const char *const cosine_opts[] = {"steps", "alpha", NULL};
    static const char *const plateau_opts[] = {"factor", "patience", "min_lr", "monitor", NULL};
    static const char *const *const opts[] = {constant_opts, step_opts, exp_opts, cosine_opts,
                                              plateau_opts};
    const char *name;
    const Expr *call;
    Scope *sc = T->sc;
    if (keras_decay(T, sema_resolve(T->S, &sc, value), false))
        return;
    if (!sema_symbol(T->S, T->sc, value, "a schedule such as step(every=10, factor=0.5)",
                     &name, &call))
        return;
    /* Keras' callback, ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=2) */
    bool keras_class = strcmp(lowercase(T, name), "reducelronplateau") == 0;
    if (keras_class)
        name = "reduce_on_plateau";
    int k = sema_lookup(T->S, call ? call->name_loc : value->loc, name, "schedule", names);
    if (k < 0)
        return;
    TrainSpec *t = T->t;
    t->schedule = (NnrtSchedule)k;
    t->sched_factor = k == NNRT_SCHED_PLATEAU ? 0.1 : 0.5;
    t->sched_rate = 0.96;
    t->sched_every = 10;
    t->sched_decay_steps = k == NNRT_SCHED_EXPONENTIAL ? 1000 : 0; /* cosine: 0 = whole run */
    t->sched_patience = 10;
    if (!call)
        return;
    Args A;
    if (!args_bind(T->S, &A, call, opts[k], 0, 0) || !monitor_opt(T, &A))
        return;
    /* A factor or rate of 0 stops training at the first decay; Keras' ReduceLROnPlateau
     * refuses a factor of 1 or more (it would never reduce). */
    range_opt(T, &A, "factor", &t->sched_factor, 0, true, 1, k == NNRT_SCHED_PLATEAU);
    range_opt(T, &A, "rate", &t->sched_rate, 0, true, 1, false);
    num_opt(T, &A, "alpha", &t->sched_alpha, 0, 1);
    num_opt(T, &A, "min_lr", &t->sched_min_lr, 0, 1e6);
    int64_t v;
    const int64_t count_max = (int64_t)1 << 53; /* past it, doubles skip whole numbers */
    if (args_get(&A, "every") &&
        sema_int(T->S, T->sc, args_get(&A, "every"), "every", 1, count_max, &v))
        t->sched_every = v;
    if (args_get(&A, "steps") &&
        sema_int(T->S, T->sc, args_get(&A, "steps"), "steps", 1, count_max, &v))
        t->sched_decay_steps = v;
    if (args_get(&A, "patience") &&
        int_value(T, T->sc, args_get(&A, "patience"), "patience", 0, &t->sched_patience))
        t->sched_patience = keras_patience(t->sched_patience);
}

/* Flips, shifts and rotations move pixels: the input must be an image, (H, W) or
 * (H, W, C) (noise works on any input). Said once, at the first such augmentation. */
static bool image_input(Train *T, const Expr *at) {
    const Node *in = T->g->input;
    if (!in || in->out.rank == 2 || in->out.rank == 3)
        return true;
    if (!T->image_aug_said) {
        char buf[96];
        diag_error(T->S->d, at->loc, "flips, shifts and rotations need an image input (H, W) or "
                   "(H, W, C), but the model input is %s", shape_str(in->out, buf, sizeof buf));
        diag_hint(T->S->d, at->loc, "declare the input as an image, e.g. input [28, 28, 1], "
                  "and flatten() it before dense layers");
        T->image_aug_said = true;
    }
    return false;
}

static void set_augment(Train *T, const Expr *value) {
    static const char *const names[] = {"flip", "shift", "rotate", "rotation", "noise", NULL};
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, value);
    const Expr *single = r->kind == EX_LIST ? NULL : r;
    NnrtAugment *aug = &T->t->augment;
    for (const Expr *it = single ? single : r->items; it; it = single ? NULL : it->next) {
        const char *name;
        const Expr *call;
        /* a single value is looked at where it is used (augment = a), not at a's value */
        if (!sema_symbol(T->S, single ? T->sc : sc, single ? value : it,
                         "flip(horizontal), shift(0.1), rotate(10) or noise(0.05)", &name,
                         &call))
            continue;
        int k = sema_lookup(T->S, call ? call->name_loc : it->loc, name, "augmentation", names);
        if (k < 0)
            continue;
        static const char *const amount[] = {"the direction", "the fraction", "the degrees",
                                             "the degrees", "the stddev"};
        if (!plain_args(T, call, 1, amount[k]))
            continue;
        const Expr *arg = call && call->args ? call->args->value : NULL;
        if (k == 0) {
            const char *dir = "horizontal";
            const Expr *dc;
            static const char *const dirs[] = {"horizontal", "vertical", "both", NULL};
            if (arg && !sema_symbol(T->S, sc, arg, "horizontal, vertical or both", &dir, &dc))
                continue;
            int dk = sema_lookup(T->S, arg ? arg->loc : it->loc, dir, "flip direction", dirs);
            if (!image_input(T, it))
                continue;
            aug->flip_horizontal |= dk == 0 || dk == 2;
            aug->flip_vertical |= dk == 1 || dk == 2;
            continue;
        }
        double v;
        if (!arg) {
            diag_error(T->S->d, it->loc, "%s needs an amount, e.g. %s(%s)", name, name,
                       k == 1 ? "0.1" : k == 4 ? "0.05" : "10");
            continue;
        }
        if (!sema_number(T->S, sc, arg, &v))
            continue;
        if (v < 0) {
            diag_error(T->S->d, arg->loc, "%s must not be negative", name);
            continue;
        }
        /* A shift is a fraction of the image (Keras' RandomTranslation factor): at 1 an
         * image can move out of view. A rotation is at most half a turn either way. */
        if (k == 1 && !(v < 1)) {
            diag_error(T->S->d, arg->loc, "shift must be a fraction in [0, 1), got %s", diag_num(v).s);
            diag_hint(T->S->d, arg->loc, "shift(0.1) moves images by up to a tenth of their "
                      "size");
            continue;
        }
        if ((k == 2 || k == 3) && v > 180) {
            diag_error(T->S->d, arg->loc, "%s must be in [0, 180] degrees, got %s", name, diag_num(v).s);
            continue;
        }
        if (k == 4 && !(v <= 1e6)) {
            diag_error(T->S->d, arg->loc, "noise must be a standard deviation in [0, 1e+06], "
                       "got %s", diag_num(v).s);
            continue;
        }
        if (k == 4 && v > 0 && reads_indices(T->g)) {
            diag_error(T->S->d, it->loc, "noise would turn the token indices read by embedding "
                       "into fractions (the lookup would read other rows)");
            diag_hint(T->S->d, it->loc, "drop noise(%s); add dropout() after the embedding to "
                      "regularize it", diag_num(v).s);
            continue;
        }
        if (k != 4 && !image_input(T, it))
            continue;
        if (k == 1)
            aug->shift = v;
        else if (k == 4)
            aug->noise = v;
        else
            aug->rotation = v;
    }
}

static void set_classes(Train *T, const Expr *value) {
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, value);
    if (r->kind != EX_LIST) {
        diag_error(T->S->d, value->loc, "classes needs a list of names, e.g. [\"cat\", \"dog\"]");
        return;
    }
    int n = 0;
    for (const Expr *it = r->items; it; it = it->next)
        n++;
    const char **names = ARENA_ARRAY(T->S->a, const char *, n > 0 ? n : 1);
    if (n == 0) {
        diag_error(T->S->d, value->loc, "classes needs at least one name, e.g. [\"cat\", "
                   "\"dog\"]");
        return;
    }
    if (n > NNRT_MAX_CLASSES) { /* before the names are compared with each other */
        diag_error(T->S->d, value->loc, "classes names %d classes; the trainer supports at most "
                   "%d", n, NNRT_MAX_CLASSES);
        return;
    }
    int i = 0;
    for (const Expr *it = r->items; it; it = it->next, i++) {
        if (!sema_string(T->S, sc, it, "a class name", &names[i]))
            return;
        /* a CSV label names its class: a name given twice would stand for two classes */
        for (int j = 0; j < i; j++)
            if (strcmp(names[j], names[i]) == 0) {
                diag_error(T->S->d, it->loc, "class name \"%s\" is given twice (classes %d and "
                           "%d)", names[i], j, i);
                return;
            }
    }
    T->t->class_names = names;
    T->t->n_class_names = n;
}

static void set_int(Train *T, const Expr *v, const char *what, int64_t min, int64_t max,
                    int64_t *out) {
    int64_t n;
    if (!sema_int(T->S, T->sc, v, what, min, max, &n))
        return;
    *out = n;
}

/* The seed: a whole number from 0 to 2^64 - 1, as the trainer's --seed. */
static void set_seed(Train *T, const Expr *v) {
    uint64_t seed;
    if (sema_seed(T->S, T->sc, v, &seed))
        T->t->seed = seed;
}

/* Whether a resolved value is written as a number (1, -0.5, 1/255). */
static bool written_as_number(const Expr *r) {
    return r->kind == EX_NUM || r->kind == EX_BINARY || r->kind == EX_NEG;
}

/* Keras' fit(verbose=): 0 (only the final result), 1 (a progress bar) or 2 (one line per
 * epoch); Keras' "auto" is 1. */
static void set_verbose(Train *T, const Expr *v) {
    static const char what[] = "verbose must be 0 (only the final result), 1 (a progress bar) "
                               "or 2 (one line per epoch)";
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, v);
    if ((r->kind == EX_NAME || r->kind == EX_STR) && strcmp(r->str, "auto") == 0) {
        T->t->verbose = 1;
        return;
    }
    bool flag; /* Python's True and False, which fit() takes as 1 and 0 */
    if (r->kind == EX_NAME && (!strcasecmp(r->str, "true") || !strcasecmp(r->str, "false")) &&
        sema_bool(T->S, T->sc, v, "verbose", &flag)) {
        T->t->verbose = flag;
        return;
    }
    if (!written_as_number(r)) {
        diag_error(T->S->d, v->loc, "%s, found %s", what, expr_text(T->S, r));
        return;
    }
    double x;
    if (!sema_number(T->S, T->sc, v, &x))
        return;
    if (x != 0 && x != 1 && x != 2) {
        diag_error(T->S->d, v->loc, "%s, got %s", what, diag_num(x).s);
        return;
    }
    T->t->verbose = (int)x;
}

/* What Keras' None means for the settings where it means something, by apply_setting's
 * index: the setting left out (compile(optimizer=None), fit(validation_data=None), …).
 * Numbers (lr, epochs, batch, l2) have their own hint in sema_number. The seed's None is
 * Keras' "unseeded", which no nnlc setting is: its hint says what there is instead. */
static const char *const none_meanings[] = {
    [1] = "Keras' None asks for the default: leave the optimizer setting out (rmsprop, as in "
          "Keras' compile())",
    [5] = "Keras' seed=None draws anew every run, but nnlc's runs repeat: leave the seed "
          "setting out for seed 42, and give the trainer --seed N for other draws",
    [6] = "None asks for no validation data, as in Keras' fit(): leave the validation setting "
          "out",
    [7] = "None asks for no validation data, as in Keras' fit(): leave the validation setting "
          "out",
    [8] = "None asks for no test set: leave the test setting out",
    [9] = "None asks for no split: leave the split setting out",
    [10] = "Keras' metrics=None shows the loss alone: write metrics = []; leave the setting out "
           "for the default metrics",
    [11] = "None asks for no early stopping: leave the early_stopping setting out, and "
           "training runs all its epochs",
    [12] = "None asks for no schedule: leave the schedule setting out (or write schedule = "
           "constant) for a constant learning rate",
    [14] = "None asks for the default: leave the classes setting out, and the classes are "
           "shown as numbers",
    [15] = "None asks for no data source here: leave the data setting out, and give the data "
           "to the trainer with --data",
    [16] = "None asks for no augmentation: leave the augment setting out (or write augment = "
           "[])",
};

/* Keras' None for a setting of none_meanings: says that it cannot be, with what None meant,
 * and returns true (the setting is then as if left out); false, saying nothing, otherwise. */
static bool refuse_none(Train *T, int k, const Arg *s) {
    const Expr *v = s->value;
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, v);
    if (k >= (int)(sizeof none_meanings / sizeof none_meanings[0]) || !none_meanings[k] ||
        r->kind != EX_NAME || strcmp(r->str, "None") != 0)
        return false;
    diag_error(T->S->d, v->loc, "%s cannot be None", s->key);
    diag_hint(T->S->d, v->loc, "%s", none_meanings[k]);
    return true;
}

static void apply_setting(Train *T, int k, const Arg *s) {
    TrainSpec *t = T->t;
    const Expr *v = s->value;
    int64_t n;
    double x;
    switch (k) {
    case 0: { /* loss */
        const char *name;
        const Expr *call;
        T->loss_given = true; /* even if invalid: no "has no loss" cascade */
        if (!sema_symbol(T->S, T->sc, v, "a loss such as mse", &name, &call)) {
            Scope *lsc = T->sc;
            const Expr *r = sema_resolve(T->S, &lsc, v);
            if (r->kind == EX_LIST) /* Keras' list of losses, one per output */
                diag_hint(T->S->d, v->loc, "a model has one output and one loss: loss = %s",
                          r->items && !r->items->next &&
                                  (r->items->kind == EX_STR || r->items->kind == EX_NAME)
                              ? r->items->str : "sparse_categorical_crossentropy");
            return;
        }
        name = keras_spelling(T, name, keras_losses, sizeof keras_losses / sizeof keras_losses[0],
                              loss_names);
        if (keras_only_function(T, v->loc, name, "loss", loss_names) ||
            torch_loss(T, call ? call->name_loc : v->loc, name))
            return;
        int l = sema_lookup(T->S, v->loc, name, "loss", loss_names);
        if (l >= 0 && !plain_args(T, call, 0, NULL))
            return;
        if (l >= 5)
            l -= 5;
        if (l >= 0) {
            t->loss = (NnrtLoss)l;
            t->loss_loc = v->loc;
            T->have_loss = true;
        }
        return;
    }
    case 1: set_optimizer(T, v); return;
    case 2:
        if (!keras_decay(T, sema_resolve(T->S, &(Scope *){T->sc}, v), true) &&
            lr_value(T, v, s->key, &x)) {
            T->have_lr = true;
            T->lr_override = x;
            T->lr_loc = v->loc;
        }
        return;
    case 3:
        n = t->epochs;
        set_int(T, v, s->key, 1, NNRT_MAX_EPOCHS, &n);
        t->epochs = (int)n;
        return;
    case 4: set_int(T, v, s->key, 1, NNRT_MAX_BATCH, &t->batch); return; /* or batch_size */
    case 5: set_seed(T, v); return;
    case 6: case 7: {
        Scope *sc = T->sc;
        const Expr *r = sema_resolve(T->S, &sc, v);
        /* Keras' validation_data is data; a fraction is validation_split */
        bool data_only = strcmp(s->key, "validation_data") == 0;
        bool number = written_as_number(r);
        if (r->kind == EX_CALL || r->kind == EX_NAME) {
            data_source(T, s->key, v, &t->validation);
        } else if (!number) { /* "val.csv", Keras' (x_val, y_val) */
            if (data_only)
                diag_error(T->S->d, v->loc, "validation_data must be a data source such as "
                           "csv(\"val.csv\"), found %s", expr_text(T->S, r));
            else
                diag_error(T->S->d, v->loc, "%s must be a fraction in [0, 1) or a data source "
                           "such as csv(\"val.csv\"), found %s", s->key, expr_text(T->S, r));
            source_spelling_hint(T, s->key, v->loc, r);
        } else if (!sema_number(T->S, T->sc, v, &x)) {
            return;
        } else if (data_only) {
            diag_error(T->S->d, v->loc, "validation_data must be a data source such as "
                       "csv(\"val.csv\"), got %s", diag_num(x).s);
            if (x > 0 && x < 1)
                diag_hint(T->S->d, s->key_loc, "to hold out a fraction of data, write "
                          "validation_split = %s (or validation = %s)", diag_num(x).s,
                          diag_num(x).s);
            else
                diag_hint(T->S->d, s->key_loc, "to hold out a fraction of data, write "
                          "validation_split = 0.2 (a fraction in [0, 1))");
        } else if (x < 0 || x >= 1) {
            diag_error(T->S->d, v->loc, "%s must be a fraction in [0, 1) or a data source, got "
                       "%s", s->key, sema_value_text(T->S, T->sc, v, x));
            if (x > 1 && x < 100) /* validation_split = 20, meant as a percentage */
                diag_hint(T->S->d, v->loc, "%s%% is %s = %s", diag_num(x).s, s->key,
                          diag_num(x / 100).s);
        } else {
            t->validation_split = x;
        }
        return;
    }
    case 8: data_source(T, s->key, v, &t->test); return;
    case 9: set_split(T, v); return;
    case 10: set_metrics(T, v); return;
    case 11: set_early_stopping(T, v); return;
    case 12: set_schedule(T, v); return;
    case 13:
        if (sema_number(T->S, T->sc, v, &x)) {
            if (x < 0)
                diag_error(T->S->d, v->loc, "l2 must not be negative");
            else
                t->l2 = x;
        }
        return;
    case 14: T->classes_loc = v->loc; set_classes(T, v); return;
    case 15: data_source(T, s->key, v, &t->data); return;
    case 16: set_augment(T, v); return;
    case 17: {
        bool b;
        if (sema_bool(T->S, T->sc, v, "shuffle", &b))
            t->shuffle = b;
        return;
    }
    case 18: set_verbose(T, v); return;
    }
}

/* One row of values read as they are: a flatten or reshape to a vector of a tensor whose
 * last axis holds all of its values (Dense(10, activation=softmax) then Flatten(), which
 * Keras takes) keeps a softmax row a softmax row. */
static bool keeps_row(const Node *n) {
    if (n->op != OP_FLATTEN && n->op != OP_RESHAPE)
        return false;
    Shape in = n->in[0]->out;
    return n->out.rank == 1 && in.rank >= 1 && shape_size(in) == in.d[in.rank - 1];
}

/* The activation that produces the model's output, looking through dropout and a
 * flatten of one row (keeps_row). */
static const Node *output_producer(const Graph *g, Activation *act) {
    const Node *n = g->output;
    while (n && (n->op == OP_DROPOUT || keeps_row(n)))
        n = n->in[0];
    act->kind = ACT_LINEAR;
    if (n && (op_takes_activation(n->op) || n->op == OP_SIMPLE_RNN))
        *act = n->act;
    if (n && (n->op == OP_LSTM || n->op == OP_GRU))
        *act = n->act; /* tanh: not a probability */
    return n;
}

/* A classifier whose output keeps an example's leading axes — input [28, 28] then dense
 * layers, which act on the last axis only — usually lacks a flatten(): point at the first
 * dense layer that reads a sequence, walking back from the output. */
static void no_flatten_hint(Train *T) {
    const Node *first = NULL;
    for (const Node *n = T->g->output; n && n->nin == 1; n = n->in[0])
        if (n->op == OP_DENSE && n->in[0]->out.rank > 1)
            first = n;
    char buf[96];
    if (!first) {
        diag_hint(T->S->d, T->t->loss_loc, "flatten() (or global pooling) the features into one "
                  "vector per example before the output layer");
        return;
    }
    shape_str(first->in[0]->out, buf, sizeof buf);
    const Node *rec = first->in[0];
    if ((rec->op == OP_LSTM || rec->op == OP_GRU || rec->op == OP_SIMPLE_RNN) &&
        rec->return_sequences) {
        /* Keras' stacked-RNN habit kept on the last recurrent layer */
        bool regress = T->t->loss == NNRT_LOSS_MSE || T->t->loss == NNRT_LOSS_MAE;
        diag_hint(T->S->d, rec->loc, "'%s' returns every step (return_sequences gives %s), "
                  "but %s, not one per step: drop the option to keep only the last step, or "
                  "insert flatten() before line %d", rec->name, buf,
                  regress ? "a series has one target per window"
                          : "a classifier here has one label per example",
                  first->loc.line);
        return;
    }
    diag_hint(T->S->d, first->loc, "dense acts on the last axis only: on %s from '%s' it "
              "keeps the other axes; insert flatten() (or global pooling) before line %d",
              buf, first->in[0]->name, first->loc.line);
}

/* What gives the output the probabilities `want` (softmax or sigmoid) asks for, when the
 * output layer `prod` (of `units` units) has another activation. "add activation=softmax
 * to the last layer" fits only a layer that takes one: a batchnorm after the softmax has
 * none, a recurrent layer's is its state's (softmax is refused there), and one sigmoid
 * unit is binary_crossentropy's output, not ten classes'. */
static void output_activation_hint(Train *T, const Node *prod, ActKind want, int64_t units) {
    const char *w = act_name(want);
    if (want == ACT_SOFTMAX && units == 1 && prod->op == OP_DENSE &&
        prod->act.kind == ACT_SIGMOID) {
        diag_hint(T->S->d, prod->loc, "one sigmoid unit is the output of two classes, with "
                  "loss = binary_crossentropy; for N classes, the last layer is "
                  "dense(N, activation=softmax)");
        return;
    }
    if (op_takes_activation(prod->op)) {
        diag_hint(T->S->d, prod->loc, "add activation=%s to the last layer", w);
        return;
    }
    /* an earlier layer that has it, before layers that change its output */
    for (const Node *p = prod->nin == 1 ? prod->in[0] : NULL; p;
         p = p->nin == 1 ? p->in[0] : NULL) {
        bool acts = op_takes_activation(p->op);
        if (acts && p->act.kind == want) {
            diag_hint(T->S->d, prod->loc, "'%s' on line %d has the %s, but '%s' after it "
                      "changes its output: end the model with the %s (move line %d before "
                      "line %d)", p->name, p->loc.line, w, prod->name, w, prod->loc.line,
                      p->loc.line);
            return;
        }
        if (acts)
            break;
    }
    if (op_is_recurrent(prod->op))
        diag_hint(T->S->d, prod->loc, "a recurrent layer's activation is its state's: add "
                  "dense(classes, activation=%s) after line %d", w, prod->loc.line);
    else
        diag_hint(T->S->d, prod->loc, "'%s' has no activation: add %s() after line %d",
                  prod->name, w, prod->loc.line);
}

/* Cross-entropy losses read probabilities; a linear output would make log() meaningless. */
static void check_loss_against_output(Train *T) {
    TrainSpec *t = T->t;
    Graph *g = T->g;
    if (!g->output || g->output->out.rank == 0)
        return;
    Activation act;
    const Node *prod = output_producer(g, &act);
    const char *loss = loss_names[t->loss];
    ActKind want = t->loss == NNRT_LOSS_BINARY_CE ? ACT_SIGMOID : ACT_SOFTMAX;
    bool ce = t->loss == NNRT_LOSS_BINARY_CE || t->loss == NNRT_LOSS_CATEGORICAL_CE ||
              t->loss == NNRT_LOSS_SPARSE_CATEGORICAL_CE;
    if (ce && act.kind != want) {
        diag_error(T->S->d, t->loss_loc,
                   "%s needs %s probabilities, but the output layer '%s' has activation %s",
                   loss, act_name(want), prod->name, act_name(act.kind));
        diag_note(T->S->d, prod->loc, "output layer '%s' is here", prod->name);
        int64_t units = g->output->out.d[g->output->out.rank - 1];
        if (t->loss == NNRT_LOSS_BINARY_CE && act.kind == ACT_SOFTMAX && units > 1)
            /* one class out of several (Fashion-MNIST's 10): sigmoid would want one 0/1
             * label per unit, which the trainer refuses with the data */
            diag_hint(T->S->d, t->loss_loc, "for one class out of %lld, keep the softmax and use "
                      "sparse_categorical_crossentropy (integer labels) or "
                      "categorical_crossentropy (one-hot labels); binary_crossentropy with "
                      "sigmoid is for %lld independent yes/no labels", (long long)units,
                      (long long)units);
        else
            output_activation_hint(T, prod, want, units);
        return;
    }
    if ((t->loss == NNRT_LOSS_SPARSE_CATEGORICAL_CE || t->loss == NNRT_LOSS_CATEGORICAL_CE) &&
        g->output->out.rank != 1) {
        char buf[96];
        diag_error(T->S->d, t->loss_loc, "%s needs one vector of class probabilities per "
                                         "example, but the output is %s",
                   loss, shape_str(g->output->out, buf, sizeof buf));
        no_flatten_hint(T);
        return;
    }
    int64_t classes = g->output->out.d[g->output->out.rank - 1];
    bool categorical = t->loss == NNRT_LOSS_SPARSE_CATEGORICAL_CE ||
                       t->loss == NNRT_LOSS_CATEGORICAL_CE;
    if (categorical && classes < 2) {
        diag_error(T->S->d, t->loss_loc, "%s needs at least 2 output units (one per class), "
                   "got %lld", loss, (long long)classes);
        diag_note(T->S->d, prod->loc, "output layer '%s' is here", prod->name);
        diag_hint(T->S->d, t->loss_loc, "for one sigmoid output use binary_crossentropy");
    } else if (categorical && classes > NNRT_MAX_CLASSES) {
        diag_error(T->S->d, t->loss_loc, "%s: the output has %lld units, one per class, but "
                   "the trainer supports at most %d classes", loss, (long long)classes, NNRT_MAX_CLASSES);
        diag_note(T->S->d, prod->loc, "output layer '%s' is here", prod->name);
    }
    if (T->series_given && (t->loss == NNRT_LOSS_MSE || t->loss == NNRT_LOSS_MAE) &&
        shape_size(g->output->out) != 1) {
        /* a series predicts its one target column (the trainer would refuse it when run) */
        char buf[96];
        diag_error(T->S->d, T->series_loc, "a series has one target value per window, but the "
                   "model's output is %s", shape_str(g->output->out, buf, sizeof buf));
        diag_note(T->S->d, prod->loc, "output layer '%s' is here", prod->name);
        if (g->output->out.rank > 1)
            no_flatten_hint(T);
        else
            diag_hint(T->S->d, prod->loc, "give the output layer one unit, dense(1)");
    }
    if (T->csv_key && !categorical && shape_size(g->output->out) != 1) {
        /* a regression's or a multi-label model's labels are its outputs, one value each,
         * and a CSV row has one label column (the trainer would refuse it when run, as it
         * still does for a --data file) */
        char buf[96];
        int64_t n = shape_size(g->output->out);
        diag_error(T->S->d, T->csv_loc, "a CSV file holds one label column, but the model "
                   "needs %lld target values per example (its output is %s)", (long long)n,
                   shape_str(g->output->out, buf, sizeof buf));
        diag_note(T->S->d, prod->loc, "output layer '%s' is here", prod->name);
        diag_hint(T->S->d, T->csv_loc, "save the features and the %lld target values of each "
                  "example with numpy.save, and read them as %s = npy(\"x.npy\", \"y.npy\"); "
                  "or give the output layer one unit", (long long)n, T->csv_key);
    }
    if (t->n_class_names && (t->loss == NNRT_LOSS_MSE || t->loss == NNRT_LOSS_MAE)) {
        /* the trainer would drop them (a regression's outputs are numbers, its labels too) */
        diag_error(T->S->d, T->classes_loc, "classes names the classes of a classifier, but "
                   "loss %s makes this model a regression", loss);
        diag_hint(T->S->d, T->classes_loc, "drop classes, or use a classification loss");
    } else if (t->n_class_names && t->loss == NNRT_LOSS_BINARY_CE && classes == 1) {
        /* the trainer reads names[0] for a prediction of 0 and names[1] for 1 */
        if (t->n_class_names != 2) {
            diag_error(T->S->d, T->classes_loc, "one sigmoid output unit has two classes, 0 and "
                       "1, but classes gives %d name%s", t->n_class_names,
                       t->n_class_names == 1 ? "" : "s");
            diag_hint(T->S->d, T->classes_loc, "name both, the class of label 0 first: "
                      "classes = [\"no\", \"yes\"]");
        }
    } else if (t->n_class_names && t->loss == NNRT_LOSS_BINARY_CE) {
        /* several sigmoid units are as many yes/no labels (multi-label), not classes of
         * one label: nothing would show the names, and a CSV's label would be read as
         * one of the first two */
        diag_error(T->S->d, T->classes_loc, "classes names the classes of one label, but "
                   "%lld sigmoid output units with binary_crossentropy are %lld independent "
                   "yes/no labels", (long long)classes, (long long)classes);
        diag_hint(T->S->d, T->classes_loc, "drop classes; for one label of %lld classes use "
                  "a softmax output and sparse_categorical_crossentropy", (long long)classes);
    } else if (t->n_class_names && t->n_class_names != classes) {
        diag_error(T->S->d, T->classes_loc, "%d class names for %lld output classes",
                   t->n_class_names, (long long)classes);
    }
}

/* The trainer reports accuracy (and top-k) for a classifier and RMSE and MAE for a
 * regression: a metric of the other kind would be silently dropped, so it is an error. */
static void check_metrics(Train *T) {
    TrainSpec *t = T->t;
    bool regress = t->loss == NNRT_LOSS_MSE || t->loss == NNRT_LOSS_MAE;
    const char *loss = loss_names[t->loss];
    if (regress && T->class_metric) {
        diag_error(T->S->d, T->class_metric_loc, "%s is a classification metric, but loss %s "
                   "makes this model a regression", T->class_metric, loss);
        diag_hint(T->S->d, T->class_metric_loc, "a regression's metrics are rmse, mae and mse");
    } else if (!regress && T->regress_metric) {
        diag_error(T->S->d, T->regress_metric_loc, "%s is a regression metric, but loss %s makes "
                   "this model a classifier", T->regress_metric, loss);
        diag_hint(T->S->d, T->regress_metric_loc, "a classifier's metrics are accuracy and top_k");
    }
    if (regress || !t->top_k || !T->g->output || T->g->output->out.rank == 0)
        return;
    int64_t classes = T->g->output->out.d[T->g->output->out.rank - 1];
    if (t->loss == NNRT_LOSS_BINARY_CE)
        diag_error(T->S->d, T->top_k_loc, "top_k needs one output per class (a categorical "
                   "loss), not %s", loss);
    else if (t->top_k > classes)
        diag_error(T->S->d, T->top_k_loc, "top_k of %d, but the model has %lld classes", t->top_k,
                   (long long)classes);
}

/* Only `data`'s standardize decides: the statistics of its training part standardize
 * every part, separate validation and test sources included (docs/abi.md). Another
 * setting on those would be silently ignored, so it is an error. */
static void check_standardize(Train *T) {
    const NnrtDataSource *src[] = {&T->t->validation, &T->t->test};
    static const char *const what[] = {"validation", "test"};
    bool data = T->t->data.kind != NNRT_DATA_NONE && T->t->data.standardize;
    for (int i = 0; i < 2; i++) {
        if (!T->standardize_given[i] || src[i]->standardize == data)
            continue;
        SrcLoc at = T->standardize_loc[i];
        if (data) {
            diag_error(T->S->d, at, "the %s data cannot opt out of standardization: the model "
                       "reads every source standardized with the statistics of `data`",
                       what[i]);
            diag_hint(T->S->d, at, "drop standardize=false");
        } else {
            diag_error(T->S->d, at, "standardize=true on the %s data has no effect: only "
                       "`data` sets it, and then every source is standardized with the "
                       "statistics of its training part", what[i]);
            diag_hint(T->S->d, at, "give standardize=true to `data` instead");
        }
    }
}

/* Keras' fit(callbacks=[EarlyStopping(…), …]): in nnlc what those callbacks do is a setting
 * each (or a flag of the trainer); it was "unknown train setting 'callbacks'" with the
 * list of settings, which left the learner to guess which. Each item gets a hint. */
/* Keras' callbacks and the setting or trainer option that does their work here: `before`,
 * then (when `value` is not NULL) the setting's value, the call as written or else `value`,
 * then `after`. Names in lower case. */
static const struct {
    const char *lower, *keras, *before, *value, *after;
} keras_callbacks[] = {
    {"earlystopping", "EarlyStopping", "the setting early_stopping = ",
     "early_stopping(patience=3, min_delta=0, restore_best=false)", ", which watches val_loss"},
    {"reducelronplateau", "ReduceLROnPlateau", "the setting schedule = ",
     "reduce_on_plateau(factor=0.1, patience=10, min_lr=0)", ""},
    {"learningratescheduler", "LearningRateScheduler", "the setting schedule = …: step, "
     "exponential, cosine or reduce_on_plateau (docs/language.md §6.2)", NULL, ""},
    {"modelcheckpoint", "ModelCheckpoint", "the trainer's --save FILE (the best epoch's "
     "weights with early_stopping's restore_best)", NULL, ""},
    {"csvlogger", "CSVLogger", "the trainer's --history FILE, a CSV row per epoch", NULL, ""},
    {"history", "History", "the trainer's --history FILE, a CSV row per epoch", NULL, ""},
};

static void callbacks_setting(Train *T, const Arg *s) {
    diag_error(T->S->d, s->key_loc, "nnlc has no callbacks: what Keras' callbacks do are "
               "train settings of their own");
    Scope *sc = T->sc;
    const Expr *r = sema_resolve(T->S, &sc, s->value);
    const Expr *items = r->kind == EX_LIST ? r->items : r;
    bool any = false;
    for (const Expr *it = items; it; it = r->kind == EX_LIST ? it->next : NULL) {
        if (it->kind != EX_CALL && it->kind != EX_NAME)
            continue;
        const char *name = lowercase(T, it->str);
        SrcLoc at = it->kind == EX_CALL ? it->name_loc : it->loc;
        any = true;
        /* a variable of the Keras script, callbacks=[checkpoint_cb, early_stopping_cb] (the
         * Korean course book's names): what its name says it holds */
        static const char *const held[][2] = {
            {"early", "earlystopping"}, {"stop", "earlystopping"},
            {"checkpoint", "modelcheckpoint"}, {"plateau", "reducelronplateau"},
            {"reduce", "reducelronplateau"}, {"schedul", "learningratescheduler"},
            {"logger", "csvlogger"},
        };
        const char *variable = NULL;
        for (size_t i = 0; it->kind == EX_NAME && !variable && i < sizeof held / sizeof held[0];
             i++)
            if (strstr(name, held[i][0]) && strcmp(name, held[i][1]) != 0) {
                variable = it->str;
                name = held[i][1];
            }
        size_t k = 0, n = sizeof keras_callbacks / sizeof keras_callbacks[0];
        while (k < n && strcmp(name, keras_callbacks[k].lower) != 0)
            k++;
        if (k == n) {
            diag_hint(T->S->d, at, "nnlc has no %s: the trainer prints each epoch's loss and "
                      "metrics, and --history FILE writes them", it->str);
            continue;
        }
        /* the call as written, with its arguments, which the setting takes (the hint gave
         * the defaults, dropping the user's patience=7) */
        char text[256];
        const char *value = keras_callbacks[k].value;
        if (value && it->kind == EX_CALL) {
            value = diag_source_text(T->S->d, it->loc, text, sizeof text);
            if (!value)
                value = expr_text(T->S, it);
        }
        const char *here = arena_printf(T->S->a, "%s%s%s", keras_callbacks[k].before,
                                        value ? value : "", keras_callbacks[k].after);
        if (variable)
            diag_hint(T->S->d, at, "'%s', a variable of the Keras script, is by its name "
                      "Keras' %s: here that is %s", variable, keras_callbacks[k].keras, here);
        else
            diag_hint(T->S->d, at, "%s is %s", it->str, here);
    }
    if (!any)
        diag_hint(T->S->d, s->key_loc, "early_stopping = …, schedule = …, and the trainer's "
                  "--save and --history do what EarlyStopping, ReduceLROnPlateau, "
                  "ModelCheckpoint and CSVLogger do");
}

/* Keras' fit() and compile() arguments that nnlc has no setting for, each with what stands
 * for it: they were "unknown train setting" with the list of every setting, where none is
 * the one. */
static bool keras_fit_argument(Sema *S, const Arg *s) {
#define SAME_WEIGHT "every example weighs the same in nnlc's losses"
#define DATA_FILES "the training data is the setting data, which names the files that hold " \
                   "it: data = npy(\"x.npy\", \"y.npy\")"
#define OWN_READER "the trainer reads its data itself, and its --threads N sets the threads " \
                   "that train: drop it"
#define NATIVE "nnlc always compiles the whole model to native code: drop it"
    static const char *const args[][3] = {
        {"steps_per_epoch", "fit", "an epoch is always one pass over the training data, in "
                                   "batches of batch: drop it (the trainer's --limit N trains "
                                   "on fewer examples)"},
        {"validation_steps", "fit", "validation reads all of the validation data: drop it"},
        {"initial_epoch", "fit", "the trainer's --resume FILE continues a run saved with "
                                 "--save"},
        {"class_weight", "fit", SAME_WEIGHT},
        {"sample_weight", "fit", SAME_WEIGHT},
        {"x", "fit", DATA_FILES},
        {"y", "fit", DATA_FILES},
        {"validation_freq", "fit", "the trainer validates after every epoch: drop it"},
        {"workers", "fit", OWN_READER},
        {"use_multiprocessing", "fit", OWN_READER},
        {"max_queue_size", "fit", "the trainer reads its data itself: drop it"},
        {"loss_weights", "compile", "a model has one output and one loss: drop it"},
        {"weighted_metrics", "compile", SAME_WEIGHT " and metrics: list them in metrics"},
        {"run_eagerly", "compile", NATIVE},
        {"jit_compile", "compile", NATIVE},
        {"steps_per_execution", "compile", "the trainer runs one step per batch, in native "
                                           "code: drop it"},
    };
#undef SAME_WEIGHT
#undef DATA_FILES
#undef OWN_READER
#undef NATIVE
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
        if (strcmp(s->key, args[i][0]) == 0) {
            diag_error(S->d, s->key_loc, "nnlc has no setting %s, Keras' %s() argument",
                       s->key, args[i][1]);
            diag_hint(S->d, s->key_loc, "%s", args[i][2]);
            return true;
        }
    return false;
}

/* A line of the Keras script that prepares its arrays, `x_train = x_train / 255.0`,
 * `train_scaled = train_input / 255.0` (the course's names): it was "unknown train
 * setting" with the list of settings. The arrays are files here, read by a data source. */
static bool keras_array_setting(Train *T, const Arg *s) {
    static const char *const prefixes[] = {"x_", "y_", "train_", "test_", "val_", "valid_",
                                           NULL};
    static const char *const suffixes[] = {"_train", "_test", "_val", "_valid", NULL};
    const char *lower = lowercase(T, s->key);
    size_t n = strlen(lower);
    bool array = false;
    for (int i = 0; prefixes[i]; i++)
        array |= strncmp(lower, prefixes[i], strlen(prefixes[i])) == 0;
    for (int i = 0; suffixes[i]; i++)
        array |= n > strlen(suffixes[i]) && strcmp(lower + n - strlen(suffixes[i]), suffixes[i]) == 0;
    if (!array)
        return false;
    const char *setting = strstr(lower, "test") ? "test"
                          : strstr(lower, "val") ? "validation" : "data";
    Scope *sc = T->sc;
    const Expr *v = sema_resolve(T->S, &sc, s->value);
    bool divides = v->kind == EX_BINARY && v->op == '/';
    diag_error(T->S->d, s->key_loc, "'%s' is an array of a Keras script: nnlc reads its data "
               "from files, through the train block's data sources", s->key);
    const char *by = divides ? expr_text(T->S, v->rhs) : NULL;
    diag_hint(T->S->d, s->key_loc, "the setting %s names the files that hold it, e.g. %s = "
              "npy(\"x.npy\", \"y.npy\")%s%s%s%s", setting, setting,
              by ? ", and a source's scale= multiplies each feature: scale=1/" : "",
              by ? by : "", by ? " divides by " : "", by ? by : "");
    return true;
}

/* A train setting that is an optimizer's option (momentum = 0.9, beta_1 = 0.9), Keras 2's
 * decay, or a layer (dropout = 0.5): said with where it goes, rather than "unknown train
 * setting" and the list of settings, where none is the one. */
static bool misplaced_setting(Train *T, const Arg *s, const Arg *settings) {
    Sema *S = T->S;
    /* the block's optimizer, when it is one that takes the option */
    int given = -1;
    for (const Arg *o = settings; o; o = o->next)
        if (o->key && o->value && strcmp(o->key, "optimizer") == 0 &&
            (o->value->kind == EX_NAME || o->value->kind == EX_STR || o->value->kind == EX_CALL))
            for (int k = 0; k < OPT_COUNT; k++)
                if (strcmp(lowercase(T, o->value->str), opt_names[k]) == 0)
                    given = k;
    const char *key = sema_canonical_option(s->key); /* beta_1: beta1 */
    const char *value = expr_text(S, s->value);
    for (int j = -1; j < OPT_COUNT; j++) {
        int k = j < 0 ? given : j;
        for (int i = 1; k >= 0 && opt_options[k][i]; i++) /* from 1: lr is a setting */
            if (strcmp(key, opt_options[k][i]) == 0 && strcmp(key, "centered") != 0) {
                diag_error(S->d, s->key_loc, "%s is an option of the optimizer, not a train "
                           "setting", s->key);
                diag_hint(S->d, s->key_loc, "write it in the optimizer's parentheses: "
                          "optimizer = %s(%s=%s)", opt_names[k], s->key, value);
                return true;
            }
    }
    if (strcmp(key, "nb_epoch") == 0) { /* Keras 1's fit(nb_epoch=10) */
        diag_error(S->d, s->key_loc, "unknown train setting 'nb_epoch'");
        diag_hint(S->d, s->key_loc, "nb_epoch is Keras 1's name: write epochs = %s", value);
        return true;
    }
    if (strcmp(key, "decay") == 0) {
        diag_error(S->d, s->key_loc, "nnlc has no setting decay, Keras 2's decay of the "
                   "learning rate");
        diag_hint(S->d, s->key_loc, "a decaying learning rate is a schedule: schedule = "
                  "exponential(rate=0.96, steps=1000) or another of docs/language.md §6.2");
        return true;
    }
    if (strcmp(key, "dropout") == 0) {
        diag_error(S->d, s->key_loc, "dropout is a layer, not a train setting");
        diag_hint(S->d, s->key_loc, "write dropout(%s) in the model, after the layer whose "
                  "outputs it drops", value);
        return true;
    }
    return false;
}

void sema_train(Sema *S, const Decl *train, Graph *g) {
    g->has_train = true;
    TrainSpec *t = &g->train;
    memset(t, 0, sizeof *t);
    t->loc = train->loc;
    t->opt = optimizer_defaults(OPT_RMSPROP); /* Keras' compile() default */
    t->opt.slots = optimizer_slots(&t->opt);
    t->epochs = 1;
    t->batch = 32;
    t->seed = 42;
    t->shuffle = true;   /* Keras' fit(shuffle=True) */
    t->verbose = 1;      /* Keras' fit(verbose="auto") */
    Scope *sc = ARENA_NEW(S->a, Scope);
    sc->parent = S->globals;
    Train T = {0};
    T.S = S;
    T.sc = sc;
    T.t = t;
    T.g = g;
    const Arg *seen[32] = {0};
    /* seen, less the settings given None: split = None beside validation = None is two
     * errors of None, not also "give either validation or split, not both" */
    const Arg *given[32] = {0};
    for (const Arg *s = train->settings; s; s = s->next) {
        if (!s->key || !s->value)
            continue;
        const char *key = s->key;
        for (size_t i = 0; i < sizeof setting_aliases / sizeof setting_aliases[0]; i++)
            if (strcmp(key, setting_aliases[i][0]) == 0)
                key = setting_aliases[i][1];
        int k = -1;
        for (int i = 0; setting_names[i] && k < 0; i++)
            if (strcmp(setting_names[i], key) == 0)
                k = i;
        if (k < 0 && strcmp(key, "callbacks") == 0) {
            callbacks_setting(&T, s);
            continue;
        }
        if (k < 0 && (keras_fit_argument(S, s) || misplaced_setting(&T, s, train->settings) ||
                      keras_array_setting(&T, s)))
            continue;
        if (k < 0) { /* the list and the suggestion name Keras' spellings too */
            sema_lookup(S, s->key_loc, s->key, "train setting", setting_names);
            continue;
        }
        if (seen[k] && k == 6 && strcmp(seen[k]->key, s->key) != 0) {
            /* fit(validation_split=0.1, validation_data=…): two settings, not one twice */
            diag_error(S->d, s->key_loc, "%s and %s both give the validation data; keep one",
                       seen[k]->key, s->key);
            diag_note(S->d, seen[k]->key_loc, "%s is set here", seen[k]->key);
            continue;
        }
        if (seen[k] && strcmp(seen[k]->key, s->key) != 0) { /* batch = 64  batch_size = 32 */
            diag_error(S->d, s->key_loc, "'%s' is set twice: %s and %s are the same setting",
                       key, seen[k]->key, s->key);
            diag_note(S->d, seen[k]->key_loc, "first set here");
            continue;
        }
        if (seen[k]) {
            diag_error(S->d, s->key_loc, "'%s' is set twice", s->key);
            diag_note(S->d, seen[k]->key_loc, "first set here");
            continue;
        }
        seen[k] = s;
        if (s->slash_word) { /* batch = total // heads */
            Arg *copy = ARENA_NEW(S->a, Arg);
            *copy = *s;
            copy->value = (Expr *)sema_slash_word(S, sc, s->value, s->slash_word, s->slash);
            s = copy;
        }
        if (!refuse_none(&T, k, s)) {
            given[k] = s;
            apply_setting(&T, k, s);
        }
    }
    if (train->name && strcmp(train->name, g->name) != 0) {
        diag_error(S->d, train->name_loc, "train block for '%s', but the model is '%s'",
                   train->name, g->name);
        diag_note(S->d, g->loc, "the model is declared here");
        diag_hint(S->d, train->name_loc, "write `train %s {` or just `train {`", g->name);
    }
    if (T.have_lr)
        t->opt.lr = T.lr_override;
    if (!T.have_loss) {
        if (T.loss_given)
            return;
        diag_error(S->d, train->loc, "the train block has no loss");
        diag_hint(S->d, train->loc, "add e.g. loss = sparse_categorical_crossentropy");
        return;
    }
    if (given[9] && (given[6] || given[8])) { /* split's shares would silently move */
        const Arg *other = given[6] ? given[6] : given[8];
        diag_error(S->d, other->key_loc, "give either %s or split, not both", other->key);
        diag_note(S->d, given[9]->key_loc, "split is set here");
        if (given[8])
            diag_hint(S->d, other->key_loc, "with a test source, split the rest with "
                      "validation = 0.2");
    }
    check_loss_against_output(&T);
    if (T.have_loss)
        check_metrics(&T);
    check_standardize(&T);
}
