/*
 * sema_values.c — constants, constant expressions and option binding for sema.
 *
 * A constant (`let hidden = 128`, a block parameter) is kept as the expression it was
 * given plus the scope it was written in, and evaluated where it is used; so
 * `let act = relu` works as well as `let rate = 1/255`. Numbers are doubles; a whole
 * number is required where Keras wants an int, and "2.5 units" is an error, not a floor.
 */
#include "sema_values.h"
#include "sema_layers.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A scope gets its hash index at this many names; below, a walk of the list is as fast. */
enum { SCOPE_INDEX_FROM = 32 };

double sema_in_precision(const Sema *S, double v) {
    return S->elem_size == 8 ? v : (double)(float)v;
}

const char *sema_precision_name(const Sema *S) {
    return S->elem_size == 8 ? "float64, the trainer's precision with --precision=f64"
                             : "float32, the trainer's precision unless --precision=f64";
}

const char *sema_precision_min(const Sema *S) { return S->elem_size == 8 ? "4.9e-324" : "1.4e-45"; }

const char *sema_precision_max(const Sema *S) { return S->elem_size == 8 ? "1.8e308" : "3.4e38"; }

bool sema_nonzero_in_precision(Sema *S, SrcLoc loc, const char *what, double v,
                               const char *then) {
    if (sema_in_precision(S, v) > 0)
        return true;
    if (then)
        diag_error(S->d, loc, "%s is 0 in %s: %s", what, sema_precision_name(S), then);
    else
        diag_error(S->d, loc, "%s is 0 in %s: it must be at least about %s", what,
                   sema_precision_name(S), sema_precision_min(S));
    return false;
}

bool sema_finite_in_precision(Sema *S, SrcLoc loc, const char *what, double v,
                              const char *then) {
    if (isfinite(sema_in_precision(S, v)))
        return true;
    diag_error(S->d, loc, "%s is beyond the range of %s (about %s)%s%s", what,
               sema_precision_name(S), sema_precision_max(S), then ? ": " : "", then ? then : "");
    return false;
}

size_t sema_name_hash(const char *name) { /* FNV-1a */
    size_t h = 14695981039346656037ULL & SIZE_MAX;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * (1099511628211ULL & SIZE_MAX);
    return h;
}

/* The slot of `name` in s's index: the binding of that name, or the empty slot where it
 * would go. */
static Binding **index_slot(const Scope *s, const char *name) {
    size_t mask = s->index_size - 1;
    for (size_t i = sema_name_hash(name) & mask;; i = (i + 1) & mask)
        if (!s->index[i] || strcmp(s->index[i]->name, name) == 0)
            return &s->index[i];
}

Binding *scope_find_local(const Scope *s, const char *name) {
    if (s->index)
        return *index_slot(s, name);
    for (Binding *b = s->head; b; b = b->next)
        if (strcmp(b->name, name) == 0)
            return b;
    return NULL;
}

Binding *scope_find(Scope *s, const char *name) {
    for (; s; s = s->parent) {
        Binding *b = scope_find_local(s, name);
        if (b)
            return b;
    }
    return NULL;
}

/* A table at most half full, of every binding of s; the newest of a name wins, as in
 * the list (which keeps the newest first). The old table stays in the arena. */
static void build_index(Sema *S, Scope *s) {
    s->index_size = 4 * SCOPE_INDEX_FROM;
    while (s->index_size < 2 * s->count)
        s->index_size *= 2;
    s->index = ARENA_ARRAY(S->a, Binding *, s->index_size);
    for (Binding *b = s->head; b; b = b->next) {
        Binding **slot = index_slot(s, b->name);
        if (!*slot)
            *slot = b;
    }
}

Binding *scope_add(Sema *S, Scope *s, const char *name, SrcLoc loc) {
    Binding *b = ARENA_NEW(S->a, Binding);
    b->name = name;
    b->loc = loc;
    b->next = s->head;
    s->head = b;
    s->count++;
    if (s->index && 2 * s->count <= s->index_size)
        *index_slot(s, name) = b;
    else if (s->count >= SCOPE_INDEX_FROM)
        build_index(S, s);
    return b;
}

/* `let a = b + 1  let b = a` (or `let a = a`): reported once, at the use that closes
 * the cycle; the uses of a cyclic constant then fail silently. */
static void cycle_error(Sema *S, Binding *b, const Expr *use) {
    if (b->cyclic)
        return;
    b->cyclic = true;
    diag_error(S->d, use->loc, "the value of '%s' depends on itself", b->name);
    diag_note(S->d, b->loc, "'%s' is defined here", b->name);
}

const Expr *sema_resolve(Sema *S, Scope **scope, const Expr *e) {
    /* The names on the chain are marked while it is followed, so a chain of any length
     * ends, and one that comes back to a name is a cycle; then the marks are cleared. */
    const Expr *first = e;
    Scope *first_scope = *scope;
    while (e && e->kind == EX_NAME) {
        Binding *b = scope_find(*scope, e->str);
        if (!b || !b->value)
            break;
        if (b->evaluating || b->resolving) {
            cycle_error(S, b, e);
            break;
        }
        if (b->resolved) {
            e = b->resolved;
            *scope = b->resolved_scope;
            break;
        }
        b->resolving = true;
        e = b->value;
        *scope = b->value_scope;
    }
    /* A chain that ends in a value is kept by every name on it; one that ends in a name
     * (unknown yet, a tensor, a cycle) is followed again, as a later `let` may bind it. */
    bool keep = e && e->kind != EX_NAME;
    Scope *sc = first_scope;
    for (const Expr *it = first; it && it->kind == EX_NAME;) {
        Binding *b = scope_find(sc, it->str);
        if (!b || !b->resolving)
            break;
        b->resolving = false;
        if (keep) {
            b->resolved = e;
            b->resolved_scope = *scope;
        }
        it = b->value;
        sc = b->value_scope;
    }
    return e;
}

static void collect_constants(Scope *s, const char **names, int max, int *n) {
    for (; s; s = s->parent)
        for (Binding *b = s->head; b && *n < max - 1; b = b->next)
            if (b->value)
                names[(*n)++] = b->name;
}

/* Whether a SrcLoc comes before another in the file. */
static bool loc_before(SrcLoc a, SrcLoc b) {
    return a.line < b.line || (a.line == b.line && a.col < b.col);
}

/* Whether e lies in the body of model or block d. */
static bool inside(const Decl *d, const Expr *e) {
    return loc_before(d->loc, e->loc) && loc_before(e->loc, d->close_loc);
}

/* A `let name = …` inside a model or block that the name's scope does not see: one of
 * the body the name is used in, which comes after the use, else one of another body (a
 * model's constant used in the train block). NULL when there is none; *owner is its
 * model or block. */
static const Stmt *hidden_let(const Sema *S, const Expr *e, const Decl **owner) {
    const Stmt *found = NULL;
    for (const Decl *d = S->prog ? S->prog->decls : NULL; d; d = d->next) {
        if (d->kind != DECL_MODEL && d->kind != DECL_BLOCK)
            continue;
        for (const Stmt *st = d->body; st; st = st->next)
            if (st->kind == ST_LET && st->bind && strcmp(st->bind, e->str) == 0 &&
                (!found || inside(d, e))) {
                *owner = d;
                found = st;
                break;
            }
        if (found && inside(*owner, e))
            break;
    }
    return found;
}

static void unknown_name(Sema *S, Scope *sc, const Expr *e, const char *what) {
    const Binding *b = scope_find(sc, e->str);
    if (b && b->cyclic)
        return; /* known, and already reported */
    if (b && (b->node || b->broken)) {
        diag_error(S->d, e->loc, "'%s' is a tensor here, not %s", e->str, what);
        return;
    }
    diag_error(S->d, e->loc, "unknown name '%s' (expected %s)", e->str, what);
    const char *names[64];
    int n = 0;
    collect_constants(sc, names, 64, &n);
    names[n] = NULL;
    bool none = strcmp(e->str, "None") == 0; /* Keras' default: MaxPooling2D(2, None) */
    const char *near = none ? NULL : diag_suggest(e->str, names);
    const Decl *owner = NULL;
    const Stmt *let = near || none ? NULL : hidden_let(S, e, &owner);
    if (none) {
        diag_hint(S->d, e->loc, "Keras' None asks for the option's default: leave the option "
                  "out");
    } else if (near) {
        diag_hint(S->d, e->loc, "did you mean '%s'?", near);
    } else if (let && inside(owner, e)) { /* a let of this body sees only what follows it */
        diag_note(S->d, let->loc, "'%s' is declared here, after its use: a constant is "
                  "seen only by what follows it", e->str);
    } else if (let) {
        const char *kind = owner->kind == DECL_MODEL ? "model" : "block";
        diag_note(S->d, let->loc, "'%s' is a constant of %s '%s', seen only inside it",
                  e->str, kind, owner->name);
        diag_hint(S->d, e->loc, "declare it before the %s (`let %s = …` at the top of the "
                  "file) to use it here too", kind, e->str);
    } else {
        diag_hint(S->d, e->loc, "constants are declared with `let %s = …` before use",
                  e->str);
    }
}

/* An expression as messages quote it: a list of 100,000 numbers is cut after
 * MAX_QUOTED bytes (at a character boundary), with "…". */
enum { MAX_QUOTED = 60 };

const char *expr_text(Sema *S, const Expr *e) {
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    ast_print_expr(e, f);
    fclose(f);
    if (buf && size > MAX_QUOTED) {
        size_t cut = MAX_QUOTED;
        while (cut > 0 && ((unsigned char)buf[cut] & 0xC0) == 0x80)
            cut--;
        char *copy = arena_printf(S->a, "%.*s…", (int)cut, buf);
        free(buf);
        return copy;
    }
    char *copy = arena_strdup(S->a, buf ? buf : "?");
    free(buf);
    return copy;
}

static bool number(Sema *S, Scope *sc, const Expr *e, double *out);

/* The parser caps one expression's depth, but constants chain expressions: `let a1 = a0 +
 * 1 + … + 1`, `let a2 = a1 + …`. The recursion is capped too, well inside the C stack. */
enum { MAX_EVAL_DEPTH = 20000 };

bool sema_number(Sema *S, Scope *sc, const Expr *e, double *out) {
    if (S->eval_depth >= MAX_EVAL_DEPTH) {
        S->eval_too_deep = true;
        return false;
    }
    S->eval_depth++;
    bool ok = number(S, sc, e, out);
    S->eval_depth--;
    if (S->eval_depth == 0 && S->eval_too_deep) { /* said where the value is used */
        S->eval_too_deep = false;
        diag_error(S->d, e->loc, "this value nests too deeply through expressions and constants "
                   "(limit is %d levels)", MAX_EVAL_DEPTH);
        diag_hint(S->d, e->loc, "every operator, and every level of a constant's value, is "
                  "one level");
    }
    return ok;
}

static bool number(Sema *S, Scope *sc, const Expr *e, double *out) {
    if (e->kind == EX_NAME) {
        /* a constant's value is computed with the constant marked, so that a value that
         * uses it again (`let a = a + 1`) is a cycle, not an endless recursion */
        Binding *b = scope_find(sc, e->str);
        if (b && b->value) {
            if (b->evaluating || b->cyclic) {
                cycle_error(S, b, e);
                return false;
            }
            if (b->has_number) {
                *out = b->number;
                return true;
            }
            /* a constant that is no number at all ("x", [4, 2], relu) may be right where
             * other uses read it: this use is the wrong one, so it is said here */
            Scope *vs = sc;
            const Expr *v = sema_resolve(S, &vs, e);
            Binding *vb = v->kind == EX_NAME ? scope_find(vs, v->str) : NULL;
            if (v->kind == EX_STR || v->kind == EX_LIST || v->kind == EX_CALL ||
                (v->kind == EX_NAME && !(vb && vb->value))) {
                diag_error(S->d, e->loc, "expected a number, found %s, the value of '%s'",
                           expr_text(S, v), b->name);
                diag_note(S->d, b->loc, "'%s' is defined here", b->name);
                return false;
            }
            b->evaluating = true;
            bool ok = sema_number(S, b->value_scope, b->value, out);
            b->evaluating = false;
            if (ok) {
                b->has_number = true;
                b->number = *out;
            }
            return ok;
        }
    }
    double l, r;
    switch (e->kind) {
    case EX_NUM:
        *out = e->num;
        return true;
    case EX_NEG:
        if (!sema_number(S, sc, e->lhs, &l))
            return false;
        *out = -l;
        return true;
    case EX_BINARY:
        if (!sema_number(S, sc, e->lhs, &l) || !sema_number(S, sc, e->rhs, &r))
            return false;
        switch (e->op) {
        case '+': *out = l + r; break;
        case '-': *out = l - r; break;
        case '*': *out = l * r; break;
        case '/':
            if (r == 0) {
                diag_error(S->d, e->rhs->loc, "division by zero");
                return false;
            }
            *out = l / r;
            break;
        default: *out = 0; break;
        }
        if (!isfinite(*out)) {
            diag_error(S->d, e->loc, "this value overflows");
            return false;
        }
        return true;
    case EX_NAME:
        unknown_name(S, sc, e, "a number");
        return false;
    default:
        diag_error(S->d, e->loc, "expected a number, found %s", expr_text(S, e));
        return false;
    }
}

/* A value that is no number wherever it stands (a string, a list, a call) is said with
 * what it was for: Conv2D(4, 3, "same") gives "same" to strides, Keras' third parameter,
 * and "expected a number, found "same"" named neither. (A constant holding one is said
 * with the constant's name, by number.) */
bool sema_number_of(Sema *S, Scope *sc, const Expr *e, const char *what, double *out) {
    if (e->kind == EX_STR || e->kind == EX_LIST || e->kind == EX_CALL) {
        diag_error(S->d, e->loc, "%s must be a number, found %s", what, expr_text(S, e));
        return false;
    }
    return sema_number(S, sc, e, out);
}

/* A literal number, or its negation, as the source writes it. */
static const char *literal_text(Sema *S, const Expr *e) {
    const Expr *num = e->kind == EX_NEG ? e->lhs : e;
    if (num->kind != EX_NUM)
        return NULL;
    char buf[64];
    const char *text = diag_source_text(S->d, e->loc, buf, sizeof buf);
    return text ? arena_strdup(S->a, text) : NULL;
}

const char *sema_value_text(Sema *S, Scope *sc, const Expr *e, double v) {
    Scope *rs = sc;
    const Expr *r = sema_resolve(S, &rs, e);
    const char *text = literal_text(S, r);
    if (!text)
        text = arena_strdup(S->a, diag_num(v).s);
    if (e->kind == EX_NAME && r != e)
        return arena_printf(S->a, "%s, the value of '%s'", text, e->str);
    return text;
}

/* A limit as a message names it: 1048576 (2^20), 2147483647 (2^31 - 1). */
static const char *limit_text(Sema *S, int64_t max) {
    for (int k = 16; k < 63; k++) {
        if (max == (int64_t)1 << k)
            return arena_printf(S->a, "%lld (2^%d)", (long long)max, k);
        if (max == ((int64_t)1 << k) - 1)
            return arena_printf(S->a, "%lld (2^%d - 1)", (long long)max, k);
    }
    return arena_printf(S->a, "%lld", (long long)max);
}

bool sema_int(Sema *S, Scope *sc, const Expr *e, const char *what, int64_t min, int64_t max,
              int64_t *out) {
    double v;
    if (!sema_number_of(S, sc, e, what, &v))
        return false;
    if (v != floor(v) && isfinite(v)) {
        diag_error(S->d, e->loc, "%s must be a whole number, got %s", what,
                   sema_value_text(S, sc, e, v));
        return false;
    }
    /* compared as doubles: v may be past any int64_t (99999999999999999999) */
    if (v > (double)max) {
        diag_error(S->d, e->loc, "%s must be at most %s, got %s", what, limit_text(S, max),
                   sema_value_text(S, sc, e, v));
        return false;
    }
    if (v < (double)min) {
        diag_error(S->d, e->loc, "%s must be at least %lld, got %s", what, (long long)min,
                   sema_value_text(S, sc, e, v));
        return false;
    }
    *out = (int64_t)v;
    return true;
}

bool sema_bool(Sema *S, Scope *sc, const Expr *e, const char *what, bool *out) {
    const Expr *r = sema_resolve(S, &sc, e);
    /* Python's True and False too, as Keras code writes them */
    if (r->kind == EX_NAME && (strcmp(r->str, "true") == 0 || strcmp(r->str, "false") == 0 ||
                               strcmp(r->str, "True") == 0 || strcmp(r->str, "False") == 0)) {
        *out = r->str[0] == 't' || r->str[0] == 'T';
        return true;
    }
    diag_error(S->d, e->loc, "%s must be true or false, found %s", what, expr_text(S, r));
    return false;
}

bool sema_string(Sema *S, Scope *sc, const Expr *e, const char *what, const char **out) {
    const Expr *r = sema_resolve(S, &sc, e);
    if (r->kind == EX_STR) {
        *out = r->str;
        return true;
    }
    diag_error(S->d, e->loc, "%s must be a string in double quotes, found %s", what,
               expr_text(S, r));
    return false;
}

static bool is_name(const char *s) {
    if (!isalpha((unsigned char)*s) && *s != '_')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

bool sema_seed(Sema *S, Scope *sc, const Expr *e, uint64_t *out) {
    Scope *rs = sc;
    const Expr *r = sema_resolve(S, &rs, e);
    if (r->kind == EX_NAME && strcmp(r->str, "None") == 0) {
        /* Keras' seed=None is unseeded, other draws every run; "leave the option out"
         * alone would promise that, but nnlc's draws then come from the run's seed */
        diag_error(S->d, e->loc, "seed cannot be None");
        diag_hint(S->d, e->loc, "Keras' seed=None draws anew every run; nnlc's runs repeat: "
                  "leave seed out to draw from the train block's seed (42 unless set), which "
                  "the trainer's --seed N changes");
        return false;
    }
    if (r->kind == EX_NUM && r->str) {
        uint64_t n = 0;
        bool over = false;
        for (const char *q = r->str; *q; q++) {
            unsigned digit = (unsigned)(*q - '0');
            over |= n > (UINT64_MAX - digit) / 10;
            n = n * 10 + digit;
        }
        if (over) {
            diag_error(S->d, e->loc, "seed must be from 0 to 18446744073709551615 "
                       "(2^64 - 1), got %s", r->str);
            return false;
        }
        *out = n;
        return true;
    }
    double x;
    if (!sema_number(S, sc, e, &x))
        return false;
    if (x != floor(x) || x < 0 || x > 18446744073709549568.0) { /* the largest double < 2^64 */
        diag_error(S->d, e->loc, "seed must be a whole number from 0 to "
                   "18446744073709551615 (2^64 - 1), got %s", diag_num(x).s);
        return false;
    }
    *out = (uint64_t)x;
    return true;
}

bool sema_symbol(Sema *S, Scope *sc, const Expr *e, const char *what, const char **name,
                 const Expr **call) {
    const Expr *r = sema_resolve(S, &sc, e);
    if (r->kind == EX_NAME) {
        *name = r->str;
        *call = NULL;
        return true;
    }
    if (r->kind == EX_CALL) {
        *name = r->str;
        *call = r;
        return true;
    }
    if (r->kind == EX_STR && is_name(r->str)) { /* Keras' activation='relu', loss="mse" */
        *name = r->str;
        *call = NULL;
        return true;
    }
    diag_error(S->d, e->loc, "expected %s, found %s", what, expr_text(S, r));
    return false;
}

int sema_lookup(Sema *S, SrcLoc loc, const char *name, const char *what,
                const char *const *names) {
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    diag_error(S->d, loc, "unknown %s '%s'", what, name);
    const char *near = diag_suggest(name, names);
    if (near)
        diag_hint(S->d, loc, "did you mean '%s'?", near);
    char list[1024];
    size_t n = strlen(what);
    diag_hint(S->d, loc, "valid %s%s are: %s", what, n && what[n - 1] == 's' ? "es" : "s",
              diag_join(list, sizeof list, names));
    return -1;
}

/* Option names that Keras spells differently; both are accepted. */
static const char *const option_aliases[][2] = {
    {"kernel_size", "kernel"}, {"pool_size", "size"},    {"input_dim", "vocab"},
    {"output_dim", "dim"},     {"learning_rate", "lr"},  {"beta_1", "beta1"},
    {"beta_2", "beta2"},       {"embeddings_initializer", "kernel_initializer"},
    {"batch_size", "batch"},   {"filters", "filters"},
    {"target_shape", "shape"}, /* Reshape(target_shape=…) */
    {"negative_slope", "alpha"}, /* Keras 3's LeakyReLU(negative_slope=…) */
    {"initial_accumulator_value", "initial_accumulator"}, /* Adagrad */
    {"restore_best_weights", "restore_best"},             /* EarlyStopping */
};

const char *sema_canonical_option(const char *key) {
    for (size_t i = 0; i < sizeof option_aliases / sizeof option_aliases[0]; i++)
        if (strcmp(key, option_aliases[i][0]) == 0)
            return option_aliases[i][1];
    return key;
}

static bool names_tensor(Sema *S, const Expr *e) {
    if (!S->tensors || e->kind != EX_NAME)
        return false;
    Binding *b = scope_find(S->tensors, e->str);
    return b && (b->node || b->broken);
}

/* `relu(x)`, `add(h, x)(x)`: Keras' functional call style. A positional argument that names
 * a tensor gets a hint with the nnlc form, `relu()(x)`. */
static bool positional_tensor_hint(Sema *S, const Expr *call, const Arg *arg) {
    if (!names_tensor(S, arg->value))
        return false;
    char list[512] = "";
    size_t used = 0;
    bool options = false; /* dense(3, x): the 3 stays in the first parentheses */
    for (const Arg *a = call->args; a; a = a->next) {
        if (!names_tensor(S, a->value)) {
            options = true;
            continue;
        }
        if (used >= sizeof list)
            continue;
        int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                         a->value->str);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    diag_hint(S->d, arg->loc, "'%s' is a tensor: options go in the first parentheses and "
              "inputs in the second, %s(%s)(%s)", arg->value->str, call->str,
              options ? "…" : "", list);
    return true;
}

/* PyTorch's nn.Linear(784, 256) is a dense layer; here linear() is the identity
 * activation, which takes no argument: said once per call, at its first argument. */
static void torch_linear_hint(Sema *S, SrcLoc at, const char *callee) {
    diag_hint(S->d, at, "%s() is the identity activation, with no weights; PyTorch's "
              "nn.Linear(in_features, out_features) is dense(out_features)", callee);
}

/* The place of `name` in A->names, or -1: the first place of that name, as a walk of the
 * list finds it, through A->index when there are many names. */
static int args_slot(const Args *A, const char *name) {
    if (!A->index) {
        for (int i = 0; A->names[i]; i++)
            if (strcmp(A->names[i], name) == 0)
                return i;
        return -1;
    }
    size_t mask = A->index_size - 1;
    for (size_t i = sema_name_hash(name) & mask; A->index[i]; i = (i + 1) & mask)
        if (strcmp(A->names[A->index[i] - 1], name) == 0)
            return A->index[i] - 1;
    return -1;
}

/* Binding each option by name walked every name: quadratic in a block's parameters (one
 * of 50,000, used with every argument named, took minutes). */
static void index_names(Sema *S, Args *A, int count) {
    if (count < SCOPE_INDEX_FROM)
        return;
    size_t size = 4 * SCOPE_INDEX_FROM;
    while (size < 2 * (size_t)count)
        size *= 2;
    int *index = ARENA_ARRAY(S->a, int, size);
    for (int k = 0; k < count; k++) {
        size_t i = sema_name_hash(A->names[k]) & (size - 1);
        while (index[i] && strcmp(A->names[index[i] - 1], A->names[k]) != 0)
            i = (i + 1) & (size - 1);
        if (!index[i]) /* a name given twice keeps its first place */
            index[i] = k + 1;
    }
    A->index = index;
    A->index_size = size;
}

/* The first option that no positional argument reaches (for the hint "name the option,
 * e.g. l2=…"), or NULL. */
static const char *first_named_only(const Args *A, const char *const *keras, int npositional) {
    if (!keras) {
        for (int i = 0; i < npositional; i++)
            if (!A->names[i])
                return NULL;
        return A->names[npositional];
    }
    for (int i = 0; A->names[i]; i++) {
        bool reached = false;
        for (int k = 0; k < npositional && !reached; k++)
            reached = strcmp(sema_canonical_option(keras[k]), A->names[i]) == 0;
        if (!reached)
            return A->names[i];
    }
    return NULL;
}

/* A positional argument past the last one the callee takes. The hint, once per call, is
 * PyTorch's Linear, the functional call relu(x), or with Keras' order (`keras`) the
 * signature: by position, Dense takes Keras' order, Dense(units, activation, …). */
static void too_many_positional(Sema *S, const Args *A, const Expr *call, const Arg *arg,
                                const char *const *keras, int npositional, bool *hint_given) {
    diag_error(S->d, arg->loc, "too many positional arguments for %s (it takes %d)",
               call->str, npositional);
    if (*hint_given)
        return;
    *hint_given = true;
    const char *named = first_named_only(A, keras, npositional);
    if (strcasecmp(call->str, "linear") == 0) {
        torch_linear_hint(S, arg->loc, call->str);
    } else if (!positional_tensor_hint(S, call, arg)) {
        char list[512];
        if (keras && npositional > 0)
            diag_hint(S->d, arg->loc, "by position, %s takes Keras' order, %s(%s)%s%s%s",
                      call->str, call->str, diag_join(list, sizeof list, keras),
                      named ? "; name the others, e.g. " : "", named ? named : "",
                      named ? "=…" : "");
        else if (named)
            diag_hint(S->d, arg->loc, "name the option, e.g. %s=…", named);
        else
            *hint_given = false;
    }
}

/* The option that positional argument number `pos` (from 0) gives, or -1 with the error
 * said: a tensor (Keras' functional call) after the first option, dense(3, x), or in a
 * place nnlc has no option for, relu(x) (a first one that is an option, dense(x), is told
 * it is not a number by the option's own check), or a Keras option that nnlc does not
 * take, such as Conv2D's fifth, data_format. */
static int positional_slot(Sema *S, Args *A, const Expr *call, const Arg *arg,
                           const char *const *keras, int pos, bool *hint_given) {
    int slot = keras ? args_slot(A, sema_canonical_option(keras[pos])) : pos;
    if ((pos > 0 || slot < 0) && names_tensor(S, arg->value)) {
        diag_error(S->d, arg->loc, "'%s' is a tensor, not an option of %s", arg->value->str,
                   call->str);
        positional_tensor_hint(S, call, arg);
        return -1;
    }
    if (slot >= 0)
        return slot;
    diag_error(S->d, arg->loc, "argument %d of %s is Keras' %s, which nnlc does not take",
               pos + 1, call->str, keras[pos]);
    if (*hint_given)
        return -1;
    *hint_given = true;
    const char *next = NULL;
    for (int k = pos + 1; keras[k] && !next; k++)
        if (args_slot(A, sema_canonical_option(keras[k])) >= 0)
            next = keras[k];
    if (next)
        diag_hint(S->d, arg->loc, "leave it out, and name the options after it, e.g. %s=…",
                  next);
    else
        diag_hint(S->d, arg->loc, "leave it out");
    return -1;
}

/* Keras' global poolings, whose keepdims nnlc does not have. */
static bool global_pool_layer(OpKind op) {
    return op == OP_GAP1D || op == OP_GAP2D || op == OP_GMP1D || op == OP_GMP2D;
}

/* The layers Keras gives a data_format: convolutions, poolings and flatten. */
static bool spatial_layer(OpKind op) {
    switch (op) {
    case OP_CONV1D: case OP_CONV2D: case OP_MAXPOOL1D: case OP_MAXPOOL2D: case OP_AVGPOOL1D:
    case OP_AVGPOOL2D: case OP_MINPOOL1D: case OP_MINPOOL2D: case OP_GAP1D: case OP_GAP2D:
    case OP_GMP1D: case OP_GMP2D: case OP_FLATTEN:
        return true;
    default:
        return false;
    }
}

/* Is call a layer of the model? Its layers are read with the model's tensors in scope; an
 * activation given as an option, activation=gelu(…), is read after them, and no call of
 * the train block is spelled as an activation. */
static bool in_model(const Sema *S, const Expr *call) {
    const LayerName *layer = sema_find_layer(call->str);
    return S->tensors || (layer && layer->op == OP_ACTIVATION && layer->act >= 0);
}

/* Keras' layer options that nnlc spells otherwise (while a layer's options are bound,
 * S->tensors), said right after their "unknown option" error, in place of the list of
 * options: name="fc1" is the name bound to the layer's tensor, kernel_regularizer=l2(0.01)
 * the option l2=0.01, and nnlc penalizes nothing else (bias_regularizer=…). Returns
 * whether it said one. */
static bool keras_layer_option_hint(Sema *S, const Expr *call, const Arg *a) {
    const LayerName *layer = sema_find_layer(call->str);
    const Expr *v = a->value;
    if (!in_model(S, call))
        return false;
    if (strcmp(a->key, "name") == 0 && S->bound_to) {
        diag_hint(S->d, a->key_loc, "the layer is named '%s', after the tensor it is bound "
                  "to: drop name=", S->bound_to);
    } else if (strcmp(a->key, "name") == 0) {
        bool ident = v->kind == EX_STR && strlen(v->str) < 64 &&
                     (isalpha((unsigned char)v->str[0]) || v->str[0] == '_');
        for (const char *c = ident ? v->str : ""; *c; c++)
            ident &= isalnum((unsigned char)*c) || *c == '_';
        diag_hint(S->d, a->key_loc, "a layer is named after the tensor it is bound to: "
                  "%s = %s(…)", ident ? v->str : "fc1", call->str);
    } else if (strcmp(a->key, "kernel_regularizer") == 0 ||
               (strcmp(a->key, "embeddings_regularizer") == 0 && layer &&
                layer->op == OP_EMBEDDING)) {
        const Arg *lam = v->kind == EX_CALL && strcasecmp(v->str, "l2") == 0 && v->args &&
                                 !v->args->next ? v->args : NULL;
        diag_hint(S->d, a->key_loc, "an L2 penalty on the %s is the option l2: l2=%s",
                  a->key[0] == 'e' ? "table" : "kernel",
                  lam ? expr_text(S, lam->value) : "0.01");
    } else if ((strcmp(a->key, "dropout") == 0 || strcmp(a->key, "recurrent_dropout") == 0) &&
               layer && op_is_recurrent(layer->op)) {
        /* LSTM(128, dropout=0.2, recurrent_dropout=0.2) */
        diag_hint(S->d, a->key_loc, "nnlc's recurrent layers drop nothing themselves: a "
                  "dropout(%s) layer before or after this one drops values of its input or "
                  "output; leave out %s=", expr_text(S, v), a->key);
    } else if (strcmp(a->key, "approximate") == 0 && layer && layer->act == ACT_GELU) {
        /* Keras' gelu(approximate=True), PyTorch's GELU(approximate='tanh') */
        diag_hint(S->d, a->key_loc, "nnlc's gelu is the exact x·Φ(x), Keras' "
                  "approximate=False and PyTorch's approximate='none': leave out approximate=");
    } else if (strcmp(a->key, "mask_zero") == 0 && layer && layer->op == OP_EMBEDDING) {
        /* Embedding(10000, 32, mask_zero=True) before a recurrent layer */
        diag_hint(S->d, a->key_loc, "nnlc has no padding mask: every step, index 0 too, "
                  "goes through the layers after the embedding; leave out mask_zero=");
    } else if (layer && op_is_recurrent(layer->op) &&
               (strcmp(a->key, "go_backwards") == 0 || strcmp(a->key, "stateful") == 0 ||
                strcmp(a->key, "return_state") == 0 || strcmp(a->key, "seed") == 0)) {
        static const char *const why[][2] = {
            {"go_backwards", "read every sequence forward, from its first step: reverse the "
                             "steps in the data to read it backward"},
            {"stateful", "start every sequence from zero states"},
            {"return_state", "return their output only (the last state, or every step with "
                             "return_sequences=True)"},
            {"seed", "drop nothing themselves, and Keras' seed is for their dropout masks"},
        };
        for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
            if (strcmp(a->key, why[i][0]) == 0)
                diag_hint(S->d, a->key_loc, "nnlc's recurrent layers %s; leave out %s=",
                          why[i][1], a->key);
    } else if (strcmp(a->key, "trainable") == 0) {
        /* Embedding(…, trainable=False) over pretrained vectors */
        diag_hint(S->d, a->key_loc, "every layer with weights trains here: nnlc cannot freeze "
                  "one; leave out trainable=");
    } else if (strcmp(a->key, "weights") == 0) {
        /* Embedding(…, weights=[embedding_matrix]) */
        diag_hint(S->d, a->key_loc, "a layer starts from its initializers; the trainer's "
                  "--load FILE starts the model from a checkpoint's weights");
    } else if (strcmp(a->key, "dtype") == 0) {
        diag_hint(S->d, a->key_loc, "the whole model computes in one precision, f32, or f64 "
                  "with nnlc --precision=f64; leave out dtype=");
    } else if (strcmp(a->key, "dilation_rate") == 0 || strcmp(a->key, "dilation") == 0) {
        /* Conv1D(..., dilation_rate=2): a WaveNet's or a TCN's */
        diag_hint(S->d, a->key_loc, "dilated convolutions are not in nnlc: a larger kernel, "
                  "strides or a pooling layer widen what a layer sees; leave out %s=",
                  a->key);
    } else if (strcmp(a->key, "data_format") == 0 && layer && spatial_layer(layer->op)) {
        /* Conv2D(…, data_format='channels_first') */
        diag_hint(S->d, a->key_loc, "nnlc's tensors are channels-last, Keras' default "
                  "(data_format='channels_last' may stay): give channels-first data its "
                  "channels last, np.transpose(x, (0, 2, 3, 1)) for images");
    } else if (strcmp(a->key, "keepdims") == 0 && layer && global_pool_layer(layer->op)) {
        diag_hint(S->d, a->key_loc, "global pooling gives one value per channel, (None, C) "
                  "(keepdims=False, Keras' default, may stay): a reshape([1, 1, C]) after it "
                  "keeps the axes");
    } else if ((strcmp(a->key, "center") == 0 || strcmp(a->key, "scale") == 0) && layer &&
               layer->op == OP_BATCHNORM) {
        diag_hint(S->d, a->key_loc, "nnlc's batchnorm always learns its shift (beta) and its "
                  "scale (gamma); %s=True, Keras' default, may stay", a->key);
    } else if ((strcmp(a->key, "max_value") == 0 || strcmp(a->key, "threshold") == 0 ||
                strcmp(a->key, "negative_slope") == 0) && layer &&
               layer->op == OP_ACTIVATION && layer->act == ACT_RELU) {
        /* ReLU(max_value=6), Keras' relu6 */
        diag_hint(S->d, a->key_loc, "nnlc's relu() is max(x, 0), Keras' ReLU with its "
                  "defaults: no cap, threshold or slope; leaky_relu(alpha=…) has a slope "
                  "below 0");
    } else if (strcmp(a->key, "bias_regularizer") == 0 ||
               strcmp(a->key, "activity_regularizer") == 0 ||
               (strcmp(a->key, "recurrent_regularizer") == 0 && layer &&
                op_is_recurrent(layer->op))) {
        diag_hint(S->d, a->key_loc, "nnlc's penalty, l2=…, is on the kernel only: drop %s=",
                  a->key);
    } else {
        return false;
    }
    return true;
}

/* Keras options that change nothing nnlc computes at some of their values (a Keras
 * script's LSTM(32, return_state=False, unroll=False), Embedding(…, mask_zero=False),
 * trainable=True): the layers that take each, and the values nnlc computes anyway. A
 * recurrent layer's unroll and implementation are taken at every value Keras takes:
 * unroll=True builds the same recurrence as a graph of copies of the step, and
 * implementation=1 or 2 computes its gates in other batches of products, with the same
 * results. */
typedef enum {
    ON_ANY, ON_RECURRENT, ON_EMBEDDING, ON_SPATIAL, ON_GLOBAL_POOL, ON_BATCHNORM, ON_GELU
} OptionLayers;
typedef enum { IS_FALSE, IS_TRUE, TRUE_OR_FALSE, ONE_OR_TWO, CHANNELS_LAST, EXACT } OptionValues;
static const struct {
    const char *key;
    OptionLayers layers;
    OptionValues values;
} keras_defaults[] = {
    {"go_backwards", ON_RECURRENT, IS_FALSE},  {"stateful", ON_RECURRENT, IS_FALSE},
    {"return_state", ON_RECURRENT, IS_FALSE},  {"time_major", ON_RECURRENT, IS_FALSE},
    {"unroll", ON_RECURRENT, TRUE_OR_FALSE},   {"implementation", ON_RECURRENT, ONE_OR_TWO},
    {"mask_zero", ON_EMBEDDING, IS_FALSE},     {"trainable", ON_ANY, IS_TRUE},
    {"data_format", ON_SPATIAL, CHANNELS_LAST}, {"keepdims", ON_GLOBAL_POOL, IS_FALSE},
    {"center", ON_BATCHNORM, IS_TRUE},         {"scale", ON_BATCHNORM, IS_TRUE},
    {"approximate", ON_GELU, EXACT}, /* gelu(approximate=False), GELU(approximate='none') */
};

static bool option_layer(const LayerName *layer, OptionLayers layers) {
    OpKind op = layer->op;
    switch (layers) {
    case ON_ANY: return true;
    case ON_RECURRENT: return op_is_recurrent(op);
    case ON_EMBEDDING: return op == OP_EMBEDDING;
    case ON_SPATIAL: return spatial_layer(op);
    case ON_GLOBAL_POOL: return global_pool_layer(op);
    case ON_BATCHNORM: return op == OP_BATCHNORM;
    case ON_GELU: return op == OP_ACTIVATION && layer->act == ACT_GELU;
    }
    return false;
}

static bool option_value(const Expr *v, OptionValues values) {
    bool name = v->kind == EX_NAME;
    switch (values) {
    case IS_FALSE: return name && strcasecmp(v->str, "false") == 0;
    case IS_TRUE: return name && strcasecmp(v->str, "true") == 0;
    case TRUE_OR_FALSE: return option_value(v, IS_FALSE) || option_value(v, IS_TRUE);
    case ONE_OR_TWO: return v->kind == EX_NUM && (v->num == 1 || v->num == 2);
    case CHANNELS_LAST: return (name || v->kind == EX_STR) && strcmp(v->str, "channels_last") == 0;
    case EXACT: /* Keras' False, PyTorch's 'none': the exact x·Φ(x) */
        return option_value(v, IS_FALSE) ||
               ((name || v->kind == EX_STR) && strcmp(v->str, "none") == 0);
    }
    return false;
}

/* The index in keras_defaults of arg's option on this layer, or -1. */
static int keras_default_entry(const Expr *call, const Arg *a) {
    const LayerName *layer = sema_find_layer(call->str);
    for (size_t i = 0; layer && i < sizeof keras_defaults / sizeof keras_defaults[0]; i++)
        if (strcmp(a->key, keras_defaults[i].key) == 0 &&
            option_layer(layer, keras_defaults[i].layers))
            return (int)i;
    return -1;
}

/* An option given by name: its place in A->names, or -1 with the error said, or -2 for a
 * Keras option at a value nnlc computes anyway (keras_defaults: nothing to bind). */
static int named_slot(Sema *S, Args *A, const Expr *call, const Arg *arg, int count,
                      bool *torch_linear) {
    /* the name as written, else the one it is Keras' spelling of (a block's parameter
     * may be called input_dim, which is embedding's vocab) */
    int slot = args_slot(A, arg->key);
    const char *key = sema_canonical_option(arg->key);
    if (slot < 0)
        slot = args_slot(A, key);
    if (slot >= 0)
        return slot;
    /* a Keras option at a value nnlc computes anyway: taken without a word, as Keras takes
     * its defaults; other values get the option's error and keras_layer_option_hint, but
     * where nnlc takes every value Keras does, unroll=1 is a value Keras does not take */
    int k = in_model(S, call) ? keras_default_entry(call, arg) : -1;
    if (k >= 0 && option_value(arg->value, keras_defaults[k].values))
        return -2;
    if (k >= 0 && (keras_defaults[k].values == TRUE_OR_FALSE ||
                   keras_defaults[k].values == ONE_OR_TWO)) {
        diag_error(S->d, arg->value->loc, "%s must be %s, found %s", arg->key,
                   keras_defaults[k].values == ONE_OR_TWO ? "1 or 2" : "true or false",
                   expr_text(S, arg->value));
        return -1;
    }
    diag_error(S->d, arg->key_loc, "unknown option '%s' for %s", arg->key, call->str);
    if (keras_layer_option_hint(S, call, arg))
        return -1;
    /* Keras 1's names, from old tutorials: Conv2D(32, 3, border_mode='same', init=…), and
     * PyTorch's: Dropout(p=0.5), Conv2d(out_channels=32, stride=2), BatchNorm(eps=…) */
    static const char *const foreign[][3] = {
        {"border_mode", "padding", "Keras 1"}, {"init", "kernel_initializer", "Keras 1"},
        {"nb_filter", "filters", "Keras 1"},   {"subsample", "strides", "Keras 1"},
        {"subsample_length", "strides", "Keras 1"}, {"output_dim", "units", "Keras 1"},
        {"filter_length", "kernel", "Keras 1"}, {"pool_length", "size", "Keras 1"},
        {"W_regularizer", "l2", "Keras 1"},
        {"p", "rate", "PyTorch"}, {"out_features", "units", "PyTorch"},
        {"hidden_size", "units", "PyTorch"}, {"out_channels", "filters", "PyTorch"},
        {"stride", "strides", "PyTorch"}, {"bias", "use_bias", "PyTorch"},
        {"eps", "epsilon", "PyTorch"}, {"dim", "axis", "PyTorch"},
    };
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        if (strcmp(arg->key, foreign[i][0]) == 0 && args_slot(A, foreign[i][1]) >= 0) {
            const Expr *v = arg->value;
            const Expr *lam = v->kind == EX_CALL && strcasecmp(v->str, "l2") == 0 && v->args &&
                                      !v->args->next ? v->args->value : NULL;
            diag_hint(S->d, arg->key_loc, "%s is %s's name: write %s=%s", arg->key,
                      foreign[i][2], foreign[i][1], expr_text(S, lam ? lam : v));
            return -1;
        }
    /* PyTorch's options that nnlc has no equal for, each with why it is not needed:
     * nn.Linear(in_features=…), nn.LSTM(input_size=…, batch_first=True), nn.ReLU(inplace=…) */
    static const char *const torch_options[][2] = {
        {"in_features", "the input's size comes from the layer before"},
        {"in_channels", "the input's channels come from the layer before"},
        {"input_size", "the input's size comes from the layer before"},
        {"num_features", "the input's channels come from the layer before"},
        {"inplace", "it saves memory and changes no result"},
        {"batch_first", "nnlc's sequences always have the batch first, (None, T, F)"},
        {"num_layers", "stack recurrent layers one per line instead, return_sequences=true "
                       "on all but the last"},
        {"bidirectional", "nnlc's recurrent layers read the sequence forward only"},
    };
    for (size_t i = 0; i < sizeof torch_options / sizeof torch_options[0]; i++)
        if (strcmp(key, torch_options[i][0]) == 0 && S->tensors) {
            diag_hint(S->d, arg->key_loc, "%s is PyTorch's: %s; leave it out", arg->key,
                      torch_options[i][1]);
            return -1;
        }
    if (strcmp(key, "weight_decay") == 0) { /* Keras 3 takes it on every optimizer */
        diag_hint(S->d, arg->key_loc, "weight decay is adamw's option here: "
                  "adamw(weight_decay=%s), or l2=… on the layers", expr_text(S, arg->value));
        return -1;
    }
    if (strcmp(key, "decay") == 0 && !S->tensors) { /* Keras 2's Adam(lr, decay=1e-6) */
        const Expr *v = arg->value;
        if (v->kind == EX_NUM && v->num == 0) /* Keras 2's default, Adam(…, decay=0.0) */
            diag_hint(S->d, arg->key_loc, "decay=0 is Keras 2's default, a constant learning "
                      "rate, which is nnlc's too: leave it out");
        else
            diag_hint(S->d, arg->key_loc, "Keras 2's decay divides the learning rate by 1 + "
                      "decay·step; a decay of the rate is a schedule here, a setting of its "
                      "own: schedule = exponential(rate=0.96, steps=1000) or another of "
                      "docs/language.md §6.2");
        return -1;
    }
    /* Keras' EarlyStopping and ReduceLROnPlateau, as the settings take them */
    bool stopping = strcasecmp(call->str, "earlystopping") == 0 ||
                    strcmp(call->str, "early_stopping") == 0;
    bool plateau = strcasecmp(call->str, "reducelronplateau") == 0 ||
                   strcmp(call->str, "reduce_on_plateau") == 0;
    if ((stopping || plateau) && !S->tensors) {
        const char *why = NULL;
        if (strcmp(key, "verbose") == 0)
            why = stopping ? "the trainer says when it stops early (the train block's "
                             "verbose = 0 keeps it quiet)"
                           : "the trainer says when it reduces the rate (the train block's "
                             "verbose = 0 keeps it quiet)";
        else if (strcmp(key, "mode") == 0)
            why = "nnlc watches val_loss, which is always to be minimized (Keras' mode='min' "
                  "or 'auto' for it)";
        else if (plateau && strcmp(key, "min_delta") == 0)
            why = "reduce_on_plateau counts an improvement of more than 1e-4, Keras' default "
                  "min_delta";
        else if (plateau && strcmp(key, "cooldown") == 0)
            why = "reduce_on_plateau starts counting again right after a reduction, as "
                  "Keras' default cooldown=0 does";
        if (why) {
            diag_hint(S->d, arg->key_loc, "%s: leave out %s=", why, arg->key);
            return -1;
        }
    }
    if (strcmp(key, "global_clipnorm") == 0 && !S->tensors) { /* Keras 3's optimizers */
        diag_hint(S->d, arg->key_loc, "nnlc clips each tensor's gradient to its own norm, "
                  "Keras' clipnorm=%s; global_clipnorm scales all of them by their joint norm, "
                  "which is not nnlc's", expr_text(S, arg->value));
        return -1;
    }
    if (strcmp(key, "schedule_decay") == 0 && !S->tensors) { /* Keras 2's Nadam */
        diag_hint(S->d, arg->key_loc, "Keras 2's schedule_decay set Nadam's momentum "
                  "schedule; nnlc's is Keras 3's, μ_t = β1·(1 − ½·0.96^t): leave it out");
        return -1;
    }
    /* the nearest of the options and of Keras' spellings of them (learnig_rate is
     * learning_rate, which is nearer than lr to anything a Keras user mistypes) */
    const char *candidates[64];
    int n = 0;
    for (int i = 0; A->names[i] && n < 32; i++)
        candidates[n++] = A->names[i];
    for (size_t i = 0; i < sizeof option_aliases / sizeof option_aliases[0] && n < 63; i++)
        if (strcmp(option_aliases[i][0], option_aliases[i][1]) != 0 &&
            args_slot(A, option_aliases[i][1]) >= 0)
            candidates[n++] = option_aliases[i][0];
    candidates[n] = NULL;
    const char *near = diag_suggest(arg->key, candidates);
    if (near)
        diag_hint(S->d, arg->key_loc, "did you mean '%s'?", near);
    char list[1024];
    if (count)
        diag_hint(S->d, arg->key_loc, "valid options are: %s",
                  diag_join(list, sizeof list, A->names));
    else if (*torch_linear) {
        torch_linear_hint(S, arg->key_loc, call->str);
        *torch_linear = false;
    } else
        diag_hint(S->d, arg->key_loc, "%s takes no options", call->str);
    return -1;
}

/* Binds call's arguments: positional ones in the order of `keras` (Keras' names; one that
 * names no option of `names` is an option nnlc does not take) or, without it, of the first
 * `npositional` names; the first `skip_positional` are not options (a merge layer's
 * inputs). */
static bool bind(Sema *S, Args *A, const Expr *call, const char *const *names,
                 const char *const *keras, int npositional, int skip_positional) {
    A->callee = call->str;
    A->loc = call->name_loc;
    A->names = names;
    A->index = NULL;
    A->index_size = 0;
    A->ok = true;
    int pos = 0, count = 0;
    bool hint_given = false;
    bool torch_linear = strcasecmp(call->str, "linear") == 0; /* torch_linear_hint not given */
    while (names[count])
        count++;
    A->bound = ARENA_ARRAY(S->a, const Arg *, count > 0 ? count : 1);
    index_names(S, A, count);
    for (const Arg *arg = call->args; arg; arg = arg->next) {
        int slot;
        if (!arg->key && skip_positional > 0) {
            skip_positional--;
            continue;
        }
        if (!arg->key && pos >= npositional) {
            too_many_positional(S, A, call, arg, keras, npositional, &hint_given);
            torch_linear = false;
            slot = -1;
        } else if (!arg->key)
            slot = positional_slot(S, A, call, arg, keras, pos++, &hint_given);
        else
            slot = named_slot(S, A, call, arg, count, &torch_linear);
        if (slot == -2) /* a Keras option at the value nnlc has anyway */
            continue;
        if (slot < 0) {
            A->ok = false;
            continue;
        }
        const char *first = A->bound[slot] ? A->bound[slot]->key : NULL;
        if (first && arg->key && strcmp(first, arg->key) != 0) {
            /* adam(learning_rate=0.001, lr=0.01): two spellings of one option */
            diag_error(S->d, arg->loc, "option '%s' given twice: %s and %s are the same option",
                       names[slot], first, arg->key);
            diag_note(S->d, A->bound[slot]->loc, "first given here");
            A->ok = false;
            continue;
        }
        if (A->bound[slot]) {
            diag_error(S->d, arg->loc, "option '%s' given twice", names[slot]);
            diag_note(S->d, A->bound[slot]->loc, "first given here");
            A->ok = false;
            continue;
        }
        A->bound[slot] = arg;
    }
    return A->ok;
}

bool args_bind(Sema *S, Args *A, const Expr *call, const char *const *names, int npositional,
               int skip_positional) {
    return bind(S, A, call, names, NULL, npositional, skip_positional);
}

bool args_bind_keras(Sema *S, Args *A, const Expr *call, const char *const *names,
                     const char *const *keras, int skip_positional) {
    int npositional = 0;
    while (keras[npositional])
        npositional++;
    return bind(S, A, call, names, keras, npositional, skip_positional);
}

const Expr *args_get(Args *A, const char *name) {
    int i = args_slot(A, name);
    return i >= 0 && A->bound[i] ? A->bound[i]->value : NULL;
}

const char *args_key(Args *A, const char *name) {
    int i = args_slot(A, name);
    return i >= 0 && A->bound[i] && A->bound[i]->key ? A->bound[i]->key : name;
}

bool args_positional(Args *A, const char *name) {
    int i = args_slot(A, name);
    return i >= 0 && A->bound[i] && !A->bound[i]->key;
}

SrcLoc args_loc(Args *A, const char *name) {
    int i = args_slot(A, name);
    return i >= 0 && A->bound[i] ? A->bound[i]->loc : A->loc;
}

/* Whether e is a number or a constant whose value is one (through other constants), as
 * `hidden` is after `let hidden = 128`; not a name such as relu, nor a constant of one. */
static bool numeric_value(Scope *sc, const Expr *e) {
    for (int steps = 0; e->kind == EX_NAME && steps < 64; steps++) { /* a cycle stops */
        const Binding *b = scope_find(sc, e->str);
        if (!b || !b->value)
            return false;
        e = b->value;
        sc = b->value_scope;
    }
    return e->kind == EX_NUM || e->kind == EX_BINARY || e->kind == EX_NEG;
}

/* `let h = hidden // head`, with a constant heads: the word is no constant, so it is a
 * comment, but after a number it reads as a divisor misspelt when a numeric constant seen
 * there is named nearly so (diag_suggest's distance). Only a warning: the line may be a comment
 * that happens to look so. After a value that is not a number (`act = relu // default`),
 * or for a word like no constant (`hidden // default`), it says nothing: a division by a
 * name declared nowhere cannot be told from a one-word comment. */
static void slash_word_near_constant(Sema *S, Scope *sc, const Expr *value, const Expr *word,
                                     bool neg, SrcLoc slash) {
    if (!numeric_value(sc, value))
        return;
    for (const ExprList *w = S->slash_warned; w; w = w->next)
        if (w->e == word)
            return;
    const char *names[64];
    int n = 0;
    for (Scope *s = sc; s; s = s->parent)
        for (Binding *b = s->head; b && n < 63; b = b->next)
            if (b->value && b->value != value && /* not the top-level let being read */
                numeric_value(b->value_scope, b->value) &&
                /* nor the dividend: `hidden // hidden3` is not hidden / hidden */
                !(value->kind == EX_NAME && strcmp(value->str, b->name) == 0))
                names[n++] = b->name;
    names[n] = NULL;
    const char *near = diag_suggest(word->str, names);
    if (!near)
        return;
    ExprList *w = ARENA_NEW(S->a, ExprList);
    *w = (ExprList){word, S->slash_warned};
    S->slash_warned = w;
    const char *text = expr_text(S, value);
    diag_warning(S->d, slash, "'//' starts a comment, so '%s' is a comment here, not a "
                 "divisor of %s", word->str, text);
    diag_hint(S->d, word->loc, "did you mean '%s'? to divide, write %s / %s%s; to keep the "
              "comment, start it with #", near, text, neg ? "-" : "", near);
}

const Expr *sema_slash_word(Sema *S, Scope *sc, const Expr *value, const Expr *word,
                            SrcLoc slash) {
    /* a call or a list is no number to divide: `data = csv("d.csv") // 2` is a comment (it
     * was this error, then "expected a data source, found (csv("d.csv") / 2)") */
    if (!word || value->kind == EX_CALL || value->kind == EX_LIST)
        return value;
    const Expr *name = word->kind == EX_NEG ? word->lhs : word; /* `// -heads` as `// heads` */
    if (name->kind == EX_NAME) {
        const Binding *b = scope_find(sc, name->str);
        if (!b || !b->value) {
            slash_word_near_constant(S, sc, value, name, word != name, slash);
            return value;
        }
    }
    diag_error(S->d, slash, "'//' starts a comment, so the rest of the line is not part of "
               "the expression before it");
    diag_hint(S->d, slash, "to divide, write '/' (a size must still come out whole); to "
              "comment, start the comment with #");
    Expr *e = ARENA_NEW(S->a, Expr);
    e->kind = EX_BINARY;
    e->op = '/';
    e->lhs = (Expr *)value;
    e->rhs = (Expr *)word;
    e->loc = value->loc;
    if (word->loc.line == value->loc.line)
        e->loc.len = word->loc.col + word->loc.len - value->loc.col;
    e->depth = value->depth + 1;
    return e;
}

/* ---- activations ---- */

static const char *const activation_names[] = {
    "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax", "gelu", "swish",
    "identity", "silu", NULL,
};

/* Keras 3's activations that nnlc does not have, each with the nearest of nnlc's: said in
 * place of "unknown activation 'selu'; did you mean 'relu'?", which takes a real activation
 * for a typo. */
static const char *const keras_only_activations[][2] = {
    {"selu", "elu"},           {"relu6", "relu"},        {"softplus", "relu"},
    {"softsign", "tanh"},      {"hard_sigmoid", "sigmoid"}, {"hard_silu", "swish"},
    {"hard_swish", "swish"},   {"mish", "swish"},        {"log_softmax", "softmax"},
    {"celu", "elu"},           {"log_sigmoid", "sigmoid"}, {"hard_tanh", "tanh"},
    {"exponential", NULL},     {"sparse_plus", "relu"},  {"squareplus", "relu"},
    {"soft_shrink", NULL},     {"hard_shrink", NULL},    {"tanh_shrink", NULL},
    {"sparsemax", "softmax"},  {"threshold", NULL},      {"glu", NULL},
};

static bool keras_only_activation(Sema *S, SrcLoc loc, const char *name) {
    for (size_t i = 0; i < sizeof keras_only_activations / sizeof keras_only_activations[0];
         i++) {
        const char *const *row = keras_only_activations[i];
        if (strcmp(name, row[0]) != 0)
            continue;
        diag_error(S->d, loc, "activation '%s' is Keras' but not nnlc's", name);
        char list[1024];
        if (strcmp(name, "glu") == 0)
            diag_hint(S->d, loc, "gated linear units are a layer here: glu() after the layer, "
                      "or glu(units) in place of a dense layer (docs/language.md §4)");
        else if (row[1])
            diag_hint(S->d, loc, "the nearest of nnlc's is %s; they are: %s", row[1],
                      diag_join(list, sizeof list, activation_names));
        else
            diag_hint(S->d, loc, "nnlc's activations are: %s",
                      diag_join(list, sizeof list, activation_names));
        return true;
    }
    return false;
}

bool sema_activation(Sema *S, Scope *sc, const Expr *e, const char *option, int omitted,
                     Activation *out) {
    const char *name;
    const Expr *call;
    if (!sema_symbol(S, sc, e, "an activation such as relu", &name, &call))
        return false;
    SrcLoc loc = call ? call->name_loc : e->loc;
    if (keras_only_activation(S, loc, name))
        return false;
    int k = sema_lookup(S, loc, name, "activation", activation_names);
    if (k < 0) {
        /* Keras' default, Dense(10, activation=None); leaving the option out gives
         * linear only where that is the layer's default (not a recurrent layer's tanh or
         * sigmoid, nor activation(), which needs one) */
        if (strcmp(name, "None") == 0 && omitted == ACT_LINEAR)
            diag_hint(S->d, loc, "Keras' %s=None is linear: write %s=linear, or leave the "
                      "option out", option, option);
        else if (strcmp(name, "None") == 0 && omitted >= 0)
            diag_hint(S->d, loc, "Keras' %s=None is linear: write %s=linear (leaving the "
                      "option out gives this layer's default, %s)", option, option,
                      activation_names[omitted]);
        else if (strcmp(name, "None") == 0)
            diag_hint(S->d, loc, "Keras' %s=None is linear: write %s=linear", option, option);
        return false;
    }
    if (k == 9)
        k = ACT_LINEAR;
    if (k == 10)
        k = ACT_SWISH;
    out->kind = (ActKind)k;
    /* Keras' activation leaky_relu (activation='leaky_relu', Activation('leaky_relu')) has
     * negative_slope=0.2; its LeakyReLU layer, nnlc's leaky_relu() (sema.c), 0.3 */
    out->alpha = k == ACT_LEAKY_RELU ? 0.2 : k == ACT_ELU ? 1.0 : 0.0;
    if (call) {
        static const char *const alpha_only[] = {"alpha", NULL};
        static const char *const none[] = {NULL};
        bool has_alpha = k == ACT_LEAKY_RELU || k == ACT_ELU;
        Args A;
        if (!args_bind(S, &A, call, has_alpha ? alpha_only : none, has_alpha ? 1 : 0, 0))
            return false;
        const Expr *alpha = has_alpha ? args_get(&A, "alpha") : NULL;
        if (alpha && !(sema_number(S, sc, alpha, &out->alpha) &&
                       sema_check_alpha(S, alpha, out->kind, out->alpha)))
            return false;
    }
    return true;
}

bool sema_check_alpha(Sema *S, const Expr *at, ActKind kind, double alpha) {
    /* float32, the trainer's default precision, makes leaky_relu(alpha=1e39) infinity: the
     * first negative input gave a NaN loss, blamed on the data or the weights */
    if (!sema_finite_in_precision(S, at->loc, arena_printf(S->a, "alpha %s", diag_num(alpha).s),
                                  alpha, NULL))
        return false;
    if (kind != ACT_LEAKY_RELU || alpha >= 0)
        return true;
    diag_error(S->d, at->loc, "leaky_relu's alpha (the slope below 0) must not be negative, "
               "got %s", diag_num(alpha).s);
    return false;
}
