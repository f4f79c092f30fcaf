/*
 * sema_init.c — initializers as Keras 3 writes them (keras.initializers): every accepted
 * name, the arguments each takes by position and by name with Keras' defaults, and the
 * checks of their values: those Keras makes (VarianceScaling's scale, mode and
 * distribution) and those it leaves to nonsense weights (a negative stddev, minval not
 * below maxval). `RandomNormal(stddev=0.01)`, `VarianceScaling(2.0, "fan_out", "uniform")`,
 * `HeNormal(seed=1)`. Which tensors an initializer fits (identity: 2-D only) is graph.c's,
 * which knows the shapes; drawing the values is the runtime's (runtime/init.c).
 */
#include "sema_values.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

/* Keras 3's parameters of each initializer, in its positional order. */
static const char *const no_arguments[] = {NULL};                 /* Zeros, Ones */
static const char *const seed_only[] = {"seed", NULL};            /* Glorot, He, LeCun */
static const char *const gain_only[] = {"gain", NULL};            /* Identity */
static const char *const orthogonal_arguments[] = {"gain", "seed", NULL};
static const char *const uniform_arguments[] = {"minval", "maxval", "seed", NULL};
static const char *const normal_arguments[] = {"mean", "stddev", "seed", NULL};
static const char *const variance_scaling_arguments[] = {
    "scale", "mode", "distribution", "seed", NULL};
static const char *const constant_arguments[] = {"value", NULL};

typedef struct InitializerName {
    const char *name;             /* nnlc's, as --emit=ir prints it */
    NnrtInit kind;
    const char *const *arguments;
} InitializerName;

/* unit_forget, the LSTM's bias, is the compiler's own choice, not a name. */
static const InitializerName initializers[] = {
    {"zeros", NNRT_INIT_ZEROS, no_arguments},
    {"ones", NNRT_INIT_ONES, no_arguments},
    {"glorot_uniform", NNRT_INIT_GLOROT_UNIFORM, seed_only},
    {"glorot_normal", NNRT_INIT_GLOROT_NORMAL, seed_only},
    {"he_uniform", NNRT_INIT_HE_UNIFORM, seed_only},
    {"he_normal", NNRT_INIT_HE_NORMAL, seed_only},
    {"lecun_uniform", NNRT_INIT_LECUN_UNIFORM, seed_only},
    {"lecun_normal", NNRT_INIT_LECUN_NORMAL, seed_only},
    {"orthogonal", NNRT_INIT_ORTHOGONAL, orthogonal_arguments},
    {"random_uniform", NNRT_INIT_UNIFORM, uniform_arguments},
    {"random_normal", NNRT_INIT_NORMAL, normal_arguments},
    {"truncated_normal", NNRT_INIT_TRUNCATED_NORMAL, normal_arguments},
    {"variance_scaling", NNRT_INIT_VARIANCE_SCALING, variance_scaling_arguments},
    {"constant", NNRT_INIT_CONSTANT, constant_arguments},
    {"identity", NNRT_INIT_IDENTITY, gain_only},
};
enum { N_INITIALIZERS = sizeof initializers / sizeof initializers[0] };

/* Other names of them, matched in any case: Keras 3's aliases (keras.initializers.get:
 * "uniform" is RandomUniform, "normal" RandomNormal, "one", "zero"), its class names
 * (GlorotUniform, RandomNormal, IdentityInitializer, OrthogonalInitializer and their snake
 * case) and PyTorch's names of Glorot's and He's initializers. The names of the table
 * match in any case too: Zeros, Constant, Orthogonal. */
static const char *const initializer_aliases[][2] = {
    {"uniform", "random_uniform"},         {"normal", "random_normal"},
    {"zero", "zeros"},                     {"one", "ones"},
    {"randomuniform", "random_uniform"},   {"randomnormal", "random_normal"},
    {"truncatednormal", "truncated_normal"},
    {"glorotuniform", "glorot_uniform"},   {"glorotnormal", "glorot_normal"},
    {"heuniform", "he_uniform"},           {"henormal", "he_normal"},
    {"lecununiform", "lecun_uniform"},     {"lecunnormal", "lecun_normal"},
    {"orthogonalinitializer", "orthogonal"}, {"orthogonal_initializer", "orthogonal"},
    {"variancescaling", "variance_scaling"},
    {"identityinitializer", "identity"},   {"identity_initializer", "identity"},
    {"xavier_uniform", "glorot_uniform"},  {"xavier_normal", "glorot_normal"},
    {"kaiming_uniform", "he_uniform"},     {"kaiming_normal", "he_normal"},
};

static const char *canonical_initializer(const char *name) {
    for (size_t i = 0; i < sizeof initializer_aliases / sizeof initializer_aliases[0]; i++)
        if (strcasecmp(name, initializer_aliases[i][0]) == 0)
            return initializer_aliases[i][1];
    for (int i = 0; i < N_INITIALIZERS; i++)
        if (strcasecmp(name, initializers[i].name) == 0)
            return initializers[i].name;
    return name;
}

static bool number_argument(Sema *S, Scope *sc, Args *A, const char *name, double *out) {
    const Expr *e = args_get(A, name);
    return !e || sema_number(S, sc, e, out);
}

/* A name or a string from `names` (mode, distribution), its index in *out. Keras lower-
 * cases a distribution (and reads "normal" as truncated_normal), but not a mode. */
static bool choice_argument(Sema *S, Scope *sc, Args *A, const char *name,
                            const char *const *names, bool any_case, int *out) {
    const Expr *e = args_get(A, name);
    if (!e)
        return true;
    const char *value;
    const Expr *call;
    const char *what = any_case ? "a distribution such as \"uniform\""
                                : "a mode such as \"fan_in\"";
    if (!sema_symbol(S, sc, e, what, &value, &call))
        return false;
    if (call) { /* mode=fan_in(2): a name takes no arguments */
        diag_error(S->d, e->loc, "expected %s, found %s", what, expr_text(S, e));
        return false;
    }
    if (any_case) {
        char *lower = arena_strdup(S->a, value);
        for (char *c = lower; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        value = lower;
    }
    int k = sema_lookup(S, e->loc, value, name, names);
    if (k >= 0)
        *out = k;
    return k >= 0;
}

/* RandomUniform's bounds: minval below maxval, at whichever of the two is written last. */
static bool check_bounds(Sema *S, Args *A, const Expr *call, const NnrtInitOptions *o) {
    if (o->minval < o->maxval)
        return true;
    const Expr *min = args_get(A, "minval"), *max = args_get(A, "maxval");
    SrcLoc at = max ? args_loc(A, "maxval") : args_loc(A, "minval");
    diag_error(S->d, at, "%s's minval must be below its maxval, got minval=%s%s and "
               "maxval=%s%s", call->str, diag_num(o->minval).s, min ? "" : " (the default)",
               diag_num(o->maxval).s, max ? "" : " (the default)");
    diag_hint(S->d, at, "values are drawn from [minval, maxval), e.g. %s(minval=-0.1, "
              "maxval=0.1)", call->str);
    return false;
}

static bool check_positive(Sema *S, Args *A, const Expr *call, const char *name, double v,
                           bool zero_allowed) {
    if (v > 0 || (zero_allowed && v == 0) || !args_get(A, name))
        return true;
    diag_error(S->d, args_loc(A, name), "%s's %s must %s, got %s", call->str, name,
               zero_allowed ? "not be negative" : "be greater than 0", diag_num(v).s);
    return false;
}

/* A value the weights cannot hold: float32, the trainer's default precision, makes
 * constant(1e39) or random_normal(stddev=1e39) infinity, and the first step's NaN loss was
 * blamed on "the batch's examples" or the data's scale. */
static bool check_in_precision(Sema *S, Args *A, const Expr *call, const char *name,
                               double v) {
    return !args_get(A, name) ||
           sema_finite_in_precision(S, args_loc(A, name),
                                    arena_printf(S->a, "%s's %s %s", call->str, name,
                                                 diag_num(v).s),
                                    v, "the weights would be infinite");
}

/* The arguments of a call such as RandomNormal(0.0, 0.01), bound by the caller, into o. */
static bool read_arguments(Sema *S, Scope *sc, Args *A, const Expr *call, NnrtInitOptions *o) {
    static const char *const modes[] = { /* ORDER NnrtFanMode */
        "fan_in", "fan_out", "fan_avg", NULL};
    enum { KERAS_NORMAL = 3 }; /* Keras' alias of truncated_normal, after the three */
    static const char *const distributions[] = { /* ORDER NnrtDistribution */
        "truncated_normal", "untruncated_normal", "uniform", "normal", NULL};
    bool ok = number_argument(S, sc, A, "mean", &o->mean) &
              number_argument(S, sc, A, "stddev", &o->stddev) &
              number_argument(S, sc, A, "minval", &o->minval) &
              number_argument(S, sc, A, "maxval", &o->maxval) &
              number_argument(S, sc, A, "value", &o->value) &
              number_argument(S, sc, A, "gain", &o->gain) &
              number_argument(S, sc, A, "scale", &o->scale) &
              choice_argument(S, sc, A, "mode", modes, false, &o->mode) &
              choice_argument(S, sc, A, "distribution", distributions, true, &o->distribution);
    if (o->distribution == KERAS_NORMAL)
        o->distribution = NNRT_DIST_TRUNCATED_NORMAL;
    const Expr *seed = args_get(A, "seed");
    if (seed) {
        bool seeded = sema_seed(S, sc, seed, &o->seed);
        o->seeded = seeded;
        ok &= seeded;
    }
    if (!ok)
        return false;
    /* (gain and scale multiply values of about 1 or divide by the fan: they may be larger) */
    const char *const values[] = {"mean", "stddev", "minval", "maxval", "value"};
    const double given[] = {o->mean, o->stddev, o->minval, o->maxval, o->value};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        ok &= check_in_precision(S, A, call, values[i], given[i]);
    ok &= check_positive(S, A, call, "stddev", o->stddev, true);
    ok &= check_positive(S, A, call, "scale", o->scale, false);
    return ok && check_bounds(S, A, call, o);
}

bool sema_initializer(Sema *S, Scope *sc, const Expr *e, Initializer *out) {
    const char *name;
    const Expr *call;
    if (!sema_symbol(S, sc, e, "an initializer such as he_normal", &name, &call))
        return false;
    Scope *call_scope = sc; /* where the call was written: a let's, maybe */
    sema_resolve(S, &call_scope, e);
    const char *names[N_INITIALIZERS + 1];
    for (int i = 0; i < N_INITIALIZERS; i++)
        names[i] = initializers[i].name;
    names[N_INITIALIZERS] = NULL;
    int k = sema_lookup(S, call ? call->name_loc : e->loc, canonical_initializer(name),
                        "initializer", names);
    if (k < 0)
        return false;
    *out = graph_initializer(initializers[k].kind);
    out->loc = e->loc;
    if (!call)
        return true;
    Args A;
    const char *const *arguments = initializers[k].arguments;
    if (!args_bind_keras(S, &A, call, arguments, arguments, 0)) {
        if (!arguments[0] && call->args && !call->args->key) /* Zeros(1); Zeros(value=1) has it */
            diag_hint(S->d, call->args->loc, "%s takes no options", call->str);
        return false;
    }
    return read_arguments(S, call_scope, &A, call, &out->options);
}
