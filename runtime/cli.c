/*
 * cli.c — option table, parsing and --help (see cli.h). Both "--epochs 5" and
 * "--epochs=5" work. --data and --test take one path, or two when the format keeps
 * labels in a separate file (IDX, .npy): the second is taken if it does not start
 * with "--" (also after --data=PATH). A CSV file holds its own labels, so a second
 * operand after one is an error. Given twice, an option's last value counts, also between
 * the options that set the same thing: --shuffle and --no-shuffle, --verbose and --quiet.
 * A value given as the next argument never starts with "--": `--save --quiet` is a --save
 * without its value (it wrote a checkpoint named --quiet), an error; such a value is
 * written --save=--quiet or ./--quiet. Numbers are plain decimals: no sign but a minus,
 * no leading blank (strtoll took ' 1' and '+2'). "--" ends the options (nothing may follow:
 * the trainer has no operands), and an unknown option near a known one names it.
 */
#include "cli.h"

#include "data.h"
#include "edit_distance.h"
#include "threadpool.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum {
    OPT_FLAG,    /* bool, set to true */
    OPT_OFF,     /* bool, set to false (--no-shuffle) */
    OPT_ZERO,    /* int, set to 0 (--quiet, the same as --verbose 0) */
    OPT_LEVEL,   /* int from 0 to max */
    OPT_INT,     /* int >= 1 */
    OPT_THREADS, /* int >= 1, or auto (the bool at offset2) */
    OPT_I64,     /* int64_t >= 1 */
    OPT_U64,     /* uint64_t, any */
    OPT_POS,     /* double > 0 */
    OPT_PATH,    /* const char * */
    OPT_PATHS,   /* const char *, then an optional second one at offset2 */
} OptKind;

typedef struct OptSpec {
    const char *name;
    OptKind kind;
    size_t offset, offset2;
    int64_t max;       /* numbers: largest accepted value */
    const char *arg;   /* placeholder shown in --help */
    const char *help;
} OptSpec;

#define OFF(f) offsetof(Options, f)

static const OptSpec OPTIONS[] = {
    {"epochs", OPT_INT, OFF(epochs), 0, NNRT_MAX_EPOCHS, "N", "train for N epochs (with --resume: up to epoch N)"},
    {"batch", OPT_I64, OFF(batch), 0, NNRT_MAX_BATCH, "N", "mini-batch size (one larger than the data set takes all of it, as in Keras)"},
    {"lr", OPT_POS, OFF(lr), 0, 0, "X", "learning rate (before any schedule; with --resume of "
                                         "a reduce_on_plateau run, the lr from there on)"},
    {"seed", OPT_U64, OFF(seed), 0, 0, "N", "random seed: initialization, shuffling, dropout, "
                                             "augmentation, the parts of a split = [...] (not "
                                             "the initializers and dropout layers given their "
                                             "own seed=); with --load or --resume, the "
                                             "checkpoint's unless given"},
    {"threads", OPT_THREADS, OFF(threads), OFF(threads_auto), NNRT_MAX_THREADS, "N|auto",
     "threads; auto (the default): every core it may run on, or one thread while it trains "
     "faster, measured every second (the weights are the same either way)"},
    {"limit", OPT_I64, OFF(limit), 0, INT64_MAX, "N", "use only the first N examples of the training data, before any split "
                                                     "(with --load or --resume: the number its run split, unless given; "
                                                     "with --evaluate: of the test set; with --predict: of FILE; a series' "
                                                     "examples are its windows)"},
    {"shuffle", OPT_FLAG, OFF(shuffle), 0, 0, "", "visit the training examples in a new random order every epoch"},
    {"no-shuffle", OPT_OFF, OFF(shuffle), 0, 0, "", "visit them in file order every epoch (augmentation and dropout "
                                                  "stay random)"},
    {"data", OPT_PATHS, OFF(data_path), OFF(data_labels), 0, "PATH [LABELS]", "training data instead of the model's (LABELS: IDX, .npy; the format follows the extension, any case: .csv, .npy, else IDX; a pipe or /dev/stdin: the model's format)"},
    {"test", OPT_PATHS, OFF(test_path), OFF(test_labels), 0, "PATH [LABELS]", "test data instead of the model's (LABELS: IDX, .npy)"},
    {"history", OPT_PATH, OFF(history), 0, 0, "FILE", "write one CSV row per epoch (loss, metrics, lr, seconds)"},
    {"save", OPT_PATH, OFF(save), 0, 0, "FILE", "checkpoint (safetensors) after every epoch and at the end"},
    {"load", OPT_PATH, OFF(load), 0, 0, "FILE", "start from the weights in a checkpoint"},
    {"resume", OPT_PATH, OFF(resume), 0, 0, "FILE", "continue an interrupted run: weights, optimizer, epoch"},
    {"predict", OPT_PATH, OFF(predict), 0, 0, "FILE", "print predictions for the examples of FILE (IDX, CSV, .npy; the first N with --limit N)"},
    {"evaluate", OPT_FLAG, OFF(evaluate), 0, 0, "", "only evaluate on the test set (use with --load)"},
    {"gradcheck", OPT_FLAG, OFF(gradcheck), 0, 0, "", "compare gradients with finite differences, then exit"},
    {"tolerance", OPT_POS, OFF(tolerance), 0, 0, "X", "gradcheck limit (default 1e-6 for f64, 1e-2 for f32)"},
    {"verbose", OPT_LEVEL, OFF(verbose), 0, 2, "N", "as Keras' fit: 0 only the final result (as --quiet); 1 (or auto) a "
                                                  "progress bar on a terminal; 2 one line per epoch, no bar"},
    {"quiet", OPT_ZERO, OFF(verbose), 0, 0, "", "print only errors, warnings and the final result (test metrics, else "
                                              "validation, else the last epoch's training metrics): --verbose 0"},
    {"help", OPT_FLAG, 0, 0, 0, "", "show this help"},
};

#define N_OPTIONS ((int)(sizeof OPTIONS / sizeof OPTIONS[0]))

static const char *loss_name(int loss) {
    static const char *const names[] = {"mse", "mae", "binary_crossentropy",
                                        "categorical_crossentropy", "sparse_categorical_crossentropy"};
    return loss >= 0 && loss <= NNRT_LOSS_SPARSE_CATEGORICAL_CE ? names[loss] : "?";
}

static void print_source(FILE *out, const char *role, const NnrtDataSource *s) {
    static const char *const kinds[] = {"none", "IDX", "CSV", ".npy", "series CSV"};
    if (s->kind == NNRT_DATA_NONE)
        return;
    fprintf(out, "  %-11s %s %s%s%s\n", role, s->kind <= 4 ? kinds[s->kind] : "?",
            s->features_path ? s->features_path : "?", s->labels_path ? " " : "",
            s->labels_path ? s->labels_path : "");
}

static void print_help(const NnrtModel *m, const Options *d, FILE *out) {
    fprintf(out, "usage: %s [options]\n\n", d->prog);
    fprintf(out, "Trains the model '%s' (compiled from %s): %lld parameters (%s), loss %s, "
            "optimizer %s.\n\nOptions:\n", m->name, m->source ? m->source : "?",
            (long long)m->param_size, m->elem_size == 8 ? "f64" : "f32", loss_name(m->loss),
            m->optimizer ? m->optimizer : "?");
    for (int i = 0; i < N_OPTIONS; i++) {
        char head[40];
        snprintf(head, sizeof head, "--%s %s", OPTIONS[i].name, OPTIONS[i].arg);
        fprintf(out, "  %-24s %s", head, OPTIONS[i].help);
        if (strcmp(OPTIONS[i].name, "epochs") == 0) fprintf(out, " (default %d)", d->epochs);
        if (strcmp(OPTIONS[i].name, "batch") == 0) fprintf(out, " (default %lld)", (long long)d->batch);
        if (strcmp(OPTIONS[i].name, "lr") == 0) fprintf(out, " (default %g)", d->lr);
        if (strcmp(OPTIONS[i].name, "seed") == 0) fprintf(out, " (default %llu)", (unsigned long long)d->seed);
        if (strcmp(OPTIONS[i].name, "shuffle") == 0 && d->shuffle) fprintf(out, " (default)");
        if (strcmp(OPTIONS[i].name, "no-shuffle") == 0 && !d->shuffle) fprintf(out, " (default)");
        if (strcmp(OPTIONS[i].name, "verbose") == 0) fprintf(out, " (default %d)", d->verbose);
        fputc('\n', out);
    }
    fprintf(out, "\nData declared by the model (override with --data / --test):\n");
    if (m->data.kind == NNRT_DATA_NONE)
        fprintf(out, "  training    none: give --data PATH [LABELS]\n");
    print_source(out, "training", &m->data);
    print_source(out, "validation", &m->validation);
    print_source(out, "test", &m->test);
    if (m->validation_split > 0)
        fprintf(out, "  validation: the last %g of the training data\n", m->validation_split);
    /* the model's split = [train, validation, test] (it was not shown: the validation and
     * test data of such a model went unmentioned) */
    if (m->split_train > 0 || m->split_val > 0 || m->split_test > 0) {
        /* the split as written leads when it is not these fractions: [6, 2, 2] */
        char fractions[96];
        bool written = m->split_text &&
                       strcmp(m->split_text, nnrt_format_split(fractions, sizeof fractions, m)) != 0;
        fprintf(out, "  split:      %s%sof the training data, %g for training, %g for validation "
                "and %g for testing\n", written ? m->split_text : "", written ? ": " : "",
                m->split_train, m->split_val, m->split_test);
    }
    fprintf(out, "\nA value follows its option (--epochs 5) or an = (--epochs=5); a file name that "
            "starts with -- is given as --save=--x or --save ./--x.\n");
    fprintf(out, "\nExit status: 0 success; 1 bad data, bad checkpoint, numerical failure "
            "(e.g. a NaN loss, a failed gradcheck), out of memory or an output that cannot be "
            "written; 2 bad usage; 130 (143, 129): training stopped by Ctrl-C (SIGINT), SIGTERM or "
            "SIGHUP (the terminal closed), "
            "between two steps, with --save's file holding the last complete epoch.\n");
}

/* A number as written on a command line: it starts with a digit (or a minus and a digit,
 * or for a real a point), so that strtod and strtoll's leading blanks and plus sign, and
 * strtod's "inf" and hexadecimal, are refused. */
static bool plain_number(const char *v, bool real) {
    const char *p = *v == '-' ? v + 1 : v;
    return isdigit((unsigned char)*p) || (real && *p == '.' && isdigit((unsigned char)p[1]));
}

/* Writes a usage error (or a piece of one) to err. The arguments it quotes are the user's,
 * and may hold an ESC or bytes that are no UTF-8 (a mistyped or pasted argument): they are
 * escaped as nnrt_fail escapes a file's text (\x1b), so that the terminal shows them and
 * does not run them; a closing newline is the message's own. */
static void say(FILE *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *err, const char *fmt, ...) {
    char raw[sizeof ((NnrtError *)0)->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t n = strlen(raw);
    bool newline = n > 0 && raw[n - 1] == '\n';
    if (newline)
        raw[n - 1] = '\0';
    NnrtError e;
    nnrt_fail(&e, "%s", raw);
    fputs(e.msg, err);
    if (newline)
        fputc('\n', err);
}

static bool parse_number(const OptSpec *o, const char *v, Options *opt, FILE *err) {
    char *end;
    errno = 0;
    void *field = (char *)opt + o->offset;
    if (o->kind == OPT_LEVEL && strcmp(v, "auto") == 0) { /* Keras' verbose="auto" is 1 */
        *(int *)field = 1;
        return true;
    }
    if (o->kind == OPT_THREADS) {
        bool is_auto = strcmp(v, "auto") == 0;
        *(bool *)((char *)opt + o->offset2) = is_auto;
        if (is_auto) {
            *(int *)field = nnrt_pool_cores() < o->max ? nnrt_pool_cores() : (int)o->max;
            return true;
        }
    }
    if (o->kind == OPT_POS) {
        double x = strtod(v, &end);
        if (plain_number(v, true) && !*end && !errno && x > 0 && isfinite(x) &&
            !strpbrk(v, "xX")) {
            *(double *)field = x;
            opt->lr_given = opt->lr_given || o->offset == OFF(lr);
            return true;
        }
        /* 1e400 and 1e-400 are positive numbers, but no double's: say why they are refused */
        bool range = plain_number(v, true) && !*end && errno == ERANGE && !strpbrk(v, "xX") &&
                     *v != '-';
        say(err, "%s: error: --%s expects a positive number, got '%s'%s\n", opt->prog, o->name,
                v, !range ? "" : fabs(x) > 1 ? ", beyond a double's range (about 1.8e308)"
                                             : ", too small for a double (about 2.2e-308 at least)");
        return false;
    }
    if (o->kind == OPT_U64) {
        unsigned long long u = strtoull(v, &end, 10);
        if (isdigit((unsigned char)*v) && !*end && !errno) {
            *(uint64_t *)field = u;
            opt->seed_given = true;
            return true;
        }
        say(err, "%s: error: --%s expects a whole number from 0 to %llu, got '%s'\n",
                opt->prog, o->name, (unsigned long long)UINT64_MAX, v);
        return false;
    }
    long long x = strtoll(v, &end, 10), min = o->kind == OPT_LEVEL ? 0 : 1;
    bool plain = plain_number(v, false);
    if (plain && !*end && !errno && x >= min && x <= o->max) {
        if (o->kind == OPT_INT || o->kind == OPT_THREADS || o->kind == OPT_LEVEL)
            *(int *)field = (int)x;
        else
            *(int64_t *)field = x;
        return true;
    }
    if (o->kind == OPT_LEVEL || o->kind == OPT_THREADS)
        say(err, "%s: error: --%s expects %lld to %lld or auto, got '%s'\n", opt->prog,
                o->name, min, (long long)o->max, v);
    else if (o->max < INT64_MAX && plain && !*end && x > o->max)
        say(err, "%s: error: --%s expects %lld to %lld, got '%s'\n", opt->prog, o->name, min,
                (long long)o->max, v);
    else
        say(err, "%s: error: --%s expects a positive integer, got '%s'\n", opt->prog, o->name, v);
    return false;
}

static const OptSpec *find_option(const char *name, size_t len) {
    for (int i = 0; i < N_OPTIONS; i++)
        if (strlen(OPTIONS[i].name) == len && strncmp(OPTIONS[i].name, name, len) == 0)
            return &OPTIONS[i];
    return NULL;
}

/* The option an unknown argument most likely meant: -h, -q, -epochs, --Epochs, --epoch, and
 * Keras' and PyTorch scripts' --batch_size and --learning_rate; NULL when none is near
 * (at most a third of the name's letters edited, as nnlc's "did you mean"). */
static const OptSpec *near_option(const char *a) {
    static const char *const aliases[][2] = {
        {"h", "help"}, {"q", "quiet"}, {"batch_size", "batch"}, {"batch-size", "batch"},
        {"learning_rate", "lr"}, {"learning-rate", "lr"}, {"workers", "threads"},
    };
    while (*a == '-')
        a++;
    size_t len = strcspn(a, "=");
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
        if (strlen(aliases[k][0]) == len && strncasecmp(a, aliases[k][0], len) == 0)
            return find_option(aliases[k][1], strlen(aliases[k][1]));
    const OptSpec *best = NULL;
    int best_d = NNRT_FAR, limit = len < 3 ? 1 : len / 3 > 3 ? 3 : (int)len / 3;
    for (int i = 0; i < N_OPTIONS; i++) {
        int d = nnrt_edit_distance(a, len, OPTIONS[i].name);
        if (d < best_d)
            best_d = d, best = &OPTIONS[i];
    }
    return len > 0 && best_d <= limit ? best : NULL;
}

/* What an unknown option names that the model fixes when it is compiled (Keras' fit()
 * and compile() arguments: --validation_split 0.2, --optimizer adam), as the train
 * block writes it; else NULL. */
static const char *model_setting(const char *a) {
    static const char *const settings[][2] = {
        {"validation_split", "the validation split (validation = 0.2)"},
        {"validation", "the validation split (validation = 0.2)"},
        {"val_split", "the validation split (validation = 0.2)"},
        {"optimizer", "the optimizer (optimizer = adam(lr=0.001))"},
        {"loss", "the loss (loss = sparse_categorical_crossentropy)"},
        {"metrics", "the metrics (metrics = [accuracy])"},
        {"early_stopping", "early stopping (early_stopping = EarlyStopping(patience=3))"},
    };
    while (*a == '-')
        a++;
    size_t len = strcspn(a, "=");
    for (size_t k = 0; k < sizeof settings / sizeof settings[0]; k++)
        if (strlen(settings[k][0]) == len && strncasecmp(a, settings[k][0], len) == 0)
            return settings[k][1];
    return NULL;
}

/* Handles argv[*i]; advances *i past any values it consumed. Returns CLI_*. */
static int parse_one(Options *o, int argc, char **argv, int *i, FILE *err) {
    const char *a = argv[*i];
    if (strcmp(a, "--") == 0) { /* the end of the options; the trainer takes no operands */
        if (*i + 1 == argc)
            return CLI_RUN;
        say(err, "%s: error: unexpected argument '%s' after '--' (the trainer takes "
                "options only)\n", o->prog, argv[*i + 1]);
        return CLI_USAGE;
    }
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a - 2) : strlen(a) - 2;
    const OptSpec *spec = strncmp(a, "--", 2) == 0 ? find_option(a + 2, len) : NULL;
    if (!spec) {
        const OptSpec *near = a[0] == '-' ? near_option(a) : NULL;
        const char *setting = a[0] == '-' ? model_setting(a) : NULL;
        say(err, "%s: error: unknown %s '%s'", o->prog, a[0] == '-' ? "option" : "argument",
                a);
        if (setting)
            say(err, "; %s is the model's: write it in the .nn file's train block and "
                     "compile it again", setting);
        else if (near)
            say(err, "; did you mean --%s?", near->name);
        fputc('\n', err);
        return CLI_USAGE;
    }
    if (spec->kind == OPT_FLAG || spec->kind == OPT_OFF || spec->kind == OPT_ZERO) {
        if (eq) {
            say(err, "%s: error: --%s takes no value\n", o->prog, spec->name);
            return CLI_USAGE;
        }
        if (strcmp(spec->name, "help") == 0)
            return CLI_HELP;
        if (spec->kind == OPT_ZERO)
            *(int *)((char *)o + spec->offset) = 0;
        else
            *(bool *)((char *)o + spec->offset) = spec->kind == OPT_FLAG;
        return CLI_RUN;
    }
    const char *v = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
    if (!v || !*v) {
        say(err, "%s: error: --%s needs a value (%s)\n", o->prog, spec->name, spec->arg);
        return CLI_USAGE;
    }
    if (!eq && strncmp(v, "--", 2) == 0) {
        /* `--save --quiet`: the value was forgotten, and the next option is not one */
        const char *veq = strchr(v, '=');
        bool known = find_option(v + 2, veq ? (size_t)(veq - v - 2) : strlen(v) - 2) != NULL;
        say(err, "%s: error: --%s needs a value (%s), but the next argument is %s'%s'",
                o->prog, spec->name, spec->arg, known ? "the option " : "", v);
        if (spec->kind == OPT_PATH || spec->kind == OPT_PATHS)
            say(err, " (a file of that name is ./%s, or --%s=%s)", v, spec->name, v);
        fputc('\n', err);
        return CLI_USAGE;
    }
    /* `--predict IMAGES LABELS`: the second file was "unknown argument 'LABELS'" */
    if (spec->kind == OPT_PATH && *i + 1 < argc && argv[*i + 1][0] != '-') {
        say(err, "%s: error: --%s takes one file; unexpected '%s' after '%s'%s\n", o->prog,
            spec->name, argv[*i + 1], v, strcmp(spec->name, "predict") == 0
                ? " (predictions need no labels; to score the model on labelled data: "
                  "--evaluate --test PATH [LABELS])" : "");
        return CLI_USAGE;
    }
    if (spec->kind == OPT_PATH || spec->kind == OPT_PATHS) {
        *(const char **)((char *)o + spec->offset) = v;
        /* a repeated --data replaces both operands: the labels of an earlier one must not
         * be read with the features of this one */
        if (spec->kind == OPT_PATHS)
            *(const char **)((char *)o + spec->offset2) = NULL;
        if (spec->kind == OPT_PATHS && *i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0) {
            /* A CSV file (examples or a series) holds its own labels: a second operand
             * would be silently unused. */
            if (nnrt_data_kind_for(v) == NNRT_DATA_CSV) {
                say(err, "%s: error: --%s: a CSV file holds its own labels; unexpected '%s'\n",
                        o->prog, spec->name, argv[*i + 1]);
                return CLI_USAGE;
            }
            *(const char **)((char *)o + spec->offset2) = argv[++*i];
        }
        return CLI_RUN;
    }
    return parse_number(spec, v, o, err) ? CLI_RUN : CLI_USAGE;
}

static int check_combinations(const Options *o, FILE *err) {
    const char *clash = NULL;
    if (o->load && o->resume)
        clash = "--load and --resume";
    else if (o->evaluate && o->predict)
        clash = "--evaluate and --predict";
    else if (o->gradcheck && (o->evaluate || o->predict || o->resume))
        clash = "--gradcheck and --evaluate/--predict/--resume";
    if (clash) {
        say(err, "%s: error: %s cannot be used together\n", o->prog, clash);
        return CLI_USAGE;
    }
    /* --save and --history write what training gives: without training they wrote
     * nothing, and the run still succeeded */
    const char *mode = o->evaluate ? "--evaluate" : o->predict ? "--predict"
                       : o->gradcheck ? "--gradcheck" : NULL;
    if (mode && (o->save || o->history)) {
        say(err, "%s: error: %s writes what training gives, and %s does not train: it "
                "would write nothing\n", o->prog, o->save ? "--save" : "--history", mode);
        return CLI_USAGE;
    }
    if (o->tolerance > 0 && !o->gradcheck) {
        say(err, "%s: error: --tolerance only applies to --gradcheck\n", o->prog);
        return CLI_USAGE;
    }
    return CLI_RUN;
}

static void set_defaults(Options *o, const NnrtModel *m, const char *argv0) {
    memset(o, 0, sizeof *o);
    o->prog = argv0 ? nnrt_basename(argv0) : "nnrt";
    o->epochs = m->epochs > 0 ? m->epochs : 1;
    o->batch = m->batch > 0 ? m->batch : 32;          /* Keras fit() default */
    o->lr = m->lr > 0 ? m->lr : 0.001;
    o->seed = m->seed;
    o->shuffle = m->shuffle != 0;
    o->verbose = m->verbose;
    o->threads = nnrt_pool_cores() < NNRT_MAX_THREADS ? nnrt_pool_cores() : NNRT_MAX_THREADS;
    o->threads_auto = true;
}

int nnrt_cli_parse(Options *o, const NnrtModel *m, int argc, char **argv, FILE *out, FILE *err) {
    set_defaults(o, m, argc > 0 ? argv[0] : NULL);
    for (int i = 1; i < argc; i++) {
        int rc = parse_one(o, argc, argv, &i, err);
        if (rc == CLI_HELP) {
            Options d;
            set_defaults(&d, m, argv[0]);
            print_help(m, &d, out);
            return CLI_HELP;
        }
        if (rc != CLI_RUN) {
            say(err, "Try '%s --help' for the list of options.\n", o->prog);
            return rc;
        }
    }
    int rc = check_combinations(o, err);
    /* a positive --lr that float32 rounds to 0 (1e-50) trained nothing, and said nothing */
    if (rc == CLI_RUN && o->lr_given && m->elem_size == 4 && !((float)o->lr > 0)) {
        say(err, "%s: error: --lr %g is 0 as a float32 number, the trainer's precision: "
                "nothing would train\n", o->prog, o->lr);
        rc = CLI_USAGE;
    }
    if (rc != CLI_RUN)
        say(err, "Try '%s --help' for the list of options.\n", o->prog);
    return rc;
}
