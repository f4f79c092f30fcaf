/*
 * sema_values.h — what sema.c (the model), sema_train.c (the train block) and sema_init.c
 * (initializers) share: scopes of named constants, evaluation of constant expressions,
 * and argument binding against a table of option names, with "did you mean" and "valid
 * options are" errors.
 * Internal to the sema module; nothing outside sema*.c includes it.
 */
#ifndef NNLC_SEMA_VALUES_H
#define NNLC_SEMA_VALUES_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "graph.h"

typedef struct Binding Binding;
typedef struct Scope Scope;

/* A name in scope: a constant (an expression evaluated where it is used, in the scope it
 * was written in) or a tensor (a graph node). */
struct Binding {
    const char *name;
    SrcLoc loc;
    const Expr *value;  /* constant */
    Scope *value_scope;
    Node *node;         /* tensor */
    bool broken;        /* a tensor whose layer had errors: uses are skipped silently */
    bool evaluating;    /* a constant whose value is being computed: a use now is a cycle */
    bool cyclic;        /* a constant whose value depends on itself (reported once) */
    bool resolving;     /* on the chain of names sema_resolve is following */
    bool has_number;    /* its value was computed as a number: `number`, reused at every
                           use (a chain of constants that each use the one before twice
                           would otherwise take exponential time) */
    double number;
    const Expr *resolved; /* the end of its chain of names (a number, string, list or
                             call), once followed: a chain of n constants that each name
                             the one before was followed n times, in n² steps */
    Scope *resolved_scope;
    Binding *next;
};

struct Scope {
    Binding *head;      /* newest first */
    Scope *parent;
    size_t count;       /* bindings in this scope */
    Binding **index;    /* once a scope holds many names: a hash table of them (open
                           addressing, index_size slots, a power of two), so that
                           finding a name does not read every binding */
    size_t index_size;
};

typedef struct ExprList {
    const Expr *e;
    struct ExprList *next;
} ExprList;

typedef struct Sema {
    Arena *a;
    Diag *d;
    Graph *g;
    Scope *globals;
    const Program *prog;
    Scope *tensors;     /* while a layer's options are bound: its scope, where a positional
                           argument that names a tensor earns the `relu()(x)` hint */
    const char *bound_to; /* ... and the name its statement binds, or NULL (Keras' name=
                             gets a hint naming it) */
    int eval_depth;     /* sema_number's recursion, through expressions and constants */
    bool eval_too_deep; /* it reached its limit: reported by the outermost call */
    ExprList *slash_warned; /* `// word` comments warned about (sema_slash_word): a block's
                               once, not at every use of the block */
    int elem_size;      /* the trainer's precision: 4 (f32, the default) or 8 (f64) */
} Sema;

/* The trainer's precision, as --precision chose it. A value it cannot hold (an lr or
 * epsilon it rounds to 0, a beta it rounds to 1, a constant beyond its range) is an
 * error: sema_in_precision(S, v) is v as the trainer holds it, sema_precision_name names
 * the precision in the message ("float32, the trainer's precision unless
 * --precision=f64"), sema_precision_min its smallest positive number ("1.4e-45") and
 * sema_precision_max its largest ("3.4e38"). */
double sema_in_precision(const Sema *S, double v);
const char *sema_precision_name(const Sema *S);
const char *sema_precision_min(const Sema *S);
const char *sema_precision_max(const Sema *S);
/* Whether v, positive, stays above 0 in the trainer's precision; if not, the error at loc:
 * "WHAT is 0 in float32, …: THEN", THEN by default that it must be at least its smallest
 * number. `what` is the option and its value as written: "epsilon 1e-50". */
bool sema_nonzero_in_precision(Sema *S, SrcLoc loc, const char *what, double v,
                               const char *then);
/* Whether v is finite in the trainer's precision; if not, the error at loc: "WHAT is
 * beyond the range of float32, … (about 3.4e38)", and ": THEN" when given. */
bool sema_finite_in_precision(Sema *S, SrcLoc loc, const char *what, double v,
                              const char *then);

/* The hash of a name, for the hash tables of names (scopes, the graph's layer names). */
size_t sema_name_hash(const char *name);
Binding *scope_find(Scope *s, const char *name);       /* in s or an enclosing scope */
Binding *scope_find_local(const Scope *s, const char *name); /* in s itself */
Binding *scope_add(Sema *S, Scope *s, const char *name, SrcLoc loc);

/* Follows names bound to constants until an expression that is not such a name. */
const Expr *sema_resolve(Sema *S, Scope **scope, const Expr *e);

bool sema_number(Sema *S, Scope *sc, const Expr *e, double *out);
/* sema_number for a value given as `what` (an option's name): a string, list or call
 * there is "WHAT must be a number, found …". */
bool sema_number_of(Sema *S, Scope *sc, const Expr *e, const char *what, double *out);
/* A whole number from min to max, or "WHAT must be at least MIN" / "must be at most MAX,
 * got …" (every whole option's range is said so, its limit named; the value as written). */
bool sema_int(Sema *S, Scope *sc, const Expr *e, const char *what, int64_t min, int64_t max,
              int64_t *out);
/* The largest size (units, filters, a kernel, an input's axis): a tensor or parameter of
 * more values than 2^40 is refused anyway, where the shapes are known. */
#define SEMA_SIZE_MAX ((int64_t)1 << 40)
/* A value v, computed from e, as a message quotes it: a number as written (1e20, not
 * 1e+20; 99999999999999999999, which no double holds), with the constant it is the value
 * of ("1e20, the value of 'n'"); an expression's result as diag_num writes it. */
const char *sema_value_text(Sema *S, Scope *sc, const Expr *e, double v);
bool sema_bool(Sema *S, Scope *sc, const Expr *e, const char *what, bool *out);
bool sema_string(Sema *S, Scope *sc, const Expr *e, const char *what, const char **out);
/* A seed: a whole number from 0 to 2^64 - 1, as the trainer's --seed (a literal is read
 * from its digits, as a double holds whole numbers exactly only up to 2^53). */
bool sema_seed(Sema *S, Scope *sc, const Expr *e, uint64_t *out);
/* leaky_relu's alpha is a slope, at least 0 (Keras' LeakyReLU refuses a negative one). */
bool sema_check_alpha(Sema *S, const Expr *at, ActKind kind, double alpha);
/* A symbol is a bare name or a call: `relu`, `leaky_relu(alpha=0.2)`. */
bool sema_symbol(Sema *S, Scope *sc, const Expr *e, const char *what, const char **name,
                 const Expr **call);
/* Looks `name` up in a NULL-terminated list, reporting an unknown one with a suggestion
 * and the valid names. Returns the index or -1. */
int sema_lookup(Sema *S, SrcLoc loc, const char *name, const char *what,
                const char *const *names);

/* Arguments of a call bound to a table of option names. Positional arguments take the
 * first `npositional` names in order (args_bind), or the options that Keras' order names
 * (args_bind_keras: `keras` is Keras' names of its positional parameters, NULL-terminated;
 * one of them that is none of `names` is a Keras option nnlc does not take, an error).
 * The first `skip_positional` positional arguments are not options (a merge layer's
 * inputs) and are skipped. Binding reports every error as it meets it: an option name
 * that is none of `names`, even as Keras spells it (unknown, with a suggestion and the
 * valid names), an option given twice, a positional argument past the last place, a
 * tensor given by position (dense(3, x)). It returns false (and `ok` is false) after any
 * of them; the options bound are still there. The caller then reads each option with
 * args_get (NULL: not given) and checks its value; nothing checks which options it
 * reads. */
typedef struct Args {
    const char *callee;
    SrcLoc loc;
    const char *const *names;
    const Arg **bound;  /* one per name (in the arena): a block may have any number */
    int *index;         /* with many names (a block's parameters): a hash table of their
                           places + 1 (0: an empty slot), index_size slots, a power of two */
    size_t index_size;
    bool ok;
} Args;

/* An expression as the source would write it, shortened (for messages). */
const char *expr_text(Sema *S, const Expr *e);

bool args_bind(Sema *S, Args *A, const Expr *call, const char *const *names, int npositional,
               int skip_positional);
bool args_bind_keras(Sema *S, Args *A, const Expr *call, const char *const *names,
                     const char *const *keras, int skip_positional);
const Expr *args_get(Args *A, const char *name);
/* Whether the option was given by position. */
bool args_positional(Args *A, const char *name);
SrcLoc args_loc(Args *A, const char *name);
/* The option `name` as the call spells it, for messages about its value: Keras'
 * learning_rate or beta_1 when written so (adam(learning_rate=-1) is told about
 * learning_rate, not lr), else name (also when given by position, or not at all). */
const char *args_key(Args *A, const char *name);
/* nnlc's name of an option Keras spells otherwise (learning_rate: lr, beta_1: beta1,
 * kernel_size: kernel, …; both are accepted), else key itself. */
const char *sema_canonical_option(const char *key);

/* A let's or setting's value whose line ends in a `// word` comment (ast.h's slash_word;
 * NULL: none). The lexer cannot tell `let h = hidden // heads`, Python's floor division,
 * from `act = relu // default`, a comment: the word is taken as a divisor, reported as the
 * lexer reports `hidden // 2` and read as '/', when it is a number or a constant seen from
 * sc (a let or a block parameter) and the value is not a call or a list (no number, so
 * `data = csv("d.csv") // 2` is not meant as a division); else it is a comment, with a warning when the value is
 * a number and the word nearly a constant's name (`hidden // head`, with heads). Returns
 * the value to use. */
const Expr *sema_slash_word(Sema *S, Scope *sc, const Expr *value, const Expr *word,
                            SrcLoc slash);

/* `option` names the option in hints (activation, recurrent_activation), `omitted` is the
 * ActKind the layer has without it, or -1 when the option is required. */
bool sema_activation(Sema *S, Scope *sc, const Expr *e, const char *option, int omitted,
                     Activation *out);

/* sema_init.c: an initializer with its arguments, `he_normal` or
 * `RandomNormal(stddev=0.01)`, with Keras' defaults for those not given. */
bool sema_initializer(Sema *S, Scope *sc, const Expr *e, Initializer *out);

/* sema_train.c */
void sema_train(Sema *S, const Decl *train, Graph *g);

#endif
