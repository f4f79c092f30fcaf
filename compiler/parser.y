/*
 * parser.y — the grammar of .nn files (docs/language.md §2), building the AST of ast.h.
 *
 * A pure, reentrant bison parser with locations and LAC, so "expected …" lists are exact.
 * Syntax errors are reported by yyreport_syntax_error in GNU form with a caret. Recovery:
 * statements, settings and declarations each have an `error` alternative, and after an
 * error the rest of the statement is skipped: the rest of the offending line, and the
 * lines after it while a '(' or '[' of the statement is open (a call written over several
 * lines). So one mistake gives one message, and the next statement is parsed normally,
 * its errors reported too (STATEMENT_RECOVERED).
 */
%code requires {
#include <stdbool.h>

#include "ast.h"

/* A token's span, bison's YYLTYPE (api.location.type), declared here so that the
 * parser's state can hold one. */
typedef struct TokenLoc {
    int first_line, first_column, last_line, last_column;
} TokenLoc;

/* State shared by the scanner (as yyextra) and the parser. */
typedef struct LexState {
    Arena *arena;
    Diag *diag;
    int line, col;      /* position of the next character */
    int end_line, end_col; /* just past the last character that is no line break: where
                              the end of the file is shown (the last token's place, or a
                              newline's, stood for it) */
    int error_line;     /* line of the last lexical error, 0 if none */
    int operand_line;   /* line of the last token if it ends an operand (a number, a name,
                           ')' or ']'), else 0: `hidden // 2` is then Python's division */
    bool operand_name;  /* ... and that token is a name */
    int depth;          /* '(' and '[' open (since the last '{' or '}') */
    int braces;         /* '{' open */
    /* The last `//` comment of one word, a name or a number, after an operand outside any
     * call or list (`let h = hidden // heads`): Python's division or a comment
     * (`act = relu // default`)? The parser hands it to the let or setting it ends, and
     * sema decides (sema_slash_word). slash.line is 0 when there is none. */
    SrcLoc slash, slash_word_loc;
    const char *slash_word;
    bool slash_neg;     /* the word follows signs that negate it: `// -heads`, `// ---2` */
    int slash_sign_col; /* the column of the first sign before the word, 0 if none */
    /* The last comment that starts inside an open '(' or '[' and holds a ')' or ']'
     * (`dense(n // ２)`, `dense(n # 2)`): when the parser then misses that closer at the end
     * of its line, the hint says the comment took it. comment.line is 0 when there is none. */
    SrcLoc comment;
    bool comment_paren, comment_bracket; /* it holds a ')', a ']' */
    /* While the parser drops the rest of a statement after a syntax error (next_token):
     * the last line it dropped a token on, and whether the drop goes on over the lines
     * below (a '(' or '[' left open after a ','). The lexer mutes the diag there, so a
     * stray character in what is dropped (the ':' of `Lambda(lambda x: x)`) adds no second
     * error to the one mistake. drop_line is 0 when nothing is being dropped. */
    int drop_line;
    bool drop_goes_on;
    bool drop_indented; /* the parser drops the indented lines of a damaged declaration */
    /* TensorFlow 1's optimizer class with its module prefix, called (tf.train.AdamOptimizer(
     * …)): the lexer reported the prefix, and the call rule, once it has the arguments,
     * gives the hint that writes them as nnlc's optimizer. line is 0 when there is none. */
    SrcLoc tf1_call;
    const char *tf1_name;
} LexState;

enum { MAX_OPEN_BRACES = 64 };

typedef struct ParseState {
    LexState lex;
    Program *prog;
    int skip_line;      /* after an error on this line: drop the rest of the statement */
    int skip_depth;     /* '(' and '[' of the statement still open while skipping */
    int skip_last, skip_last_line; /* the last token dropped (or the offending one) */
    int skip_braces;    /* '{' of the statement dropped and not yet closed */
    int depth;          /* '(' and '[' open in the current statement */
    int prev_line, prev_col;            /* end of the token before the lookahead */
    int cur_line, cur_col;              /* end of the lookahead */
    SrcLoc open_braces[MAX_OPEN_BRACES]; /* unclosed '{', innermost last */
    int nopen;
    bool stray_close;   /* the last token was a '}' that closed nothing (an error) */
    /* A declaration's keyword at the start of a line inside braces (`train {` after a
     * model without its '}'): the braces left open are closed before it, one '}' per
     * call, and the keyword is held here meanwhile. */
    bool held;
    bool closing;       /* and the error for it was reported */
    int owed_closes;    /* '}' put in before an indented keyword: its own '}' comes later */
    int held_tok;       /* a keyword: it has no value */
    TokenLoc held_loc;
    SrcLoc last_close;  /* the last '}' that closed a declaration's body */
    int last_close_kw;  /* and the keyword of that declaration (0: none) */
    int recent[4];      /* the last tokens read, the lookahead last (for hints) */
    SrcLoc recent_at[4]; /* where each of them is */
    const char *recent_name[4]; /* and the name of each that is an identifier, else NULL */
    bool python_said;   /* the hint that the file is a Python script was given */
    int header_line;    /* the line of the last model, block or train outside any braces */
    int header_kw;      /* and which of them it is */
    bool in_header;     /* between that keyword and its '{' (no syntax error since) */
    int brace_kw[MAX_OPEN_BRACES]; /* the keyword of each open '{' (0: none) */
    /* After a syntax error on that line (`model m:`, Python's colon for a brace, or
     * `model = Sequential([`), the indented lines below are the damaged declaration's
     * body: they are dropped, up to a token at column 1 (a '}' there is dropped too, as
     * the body's end, and closers, the `])` of Sequential([, stay in it), so that its
     * layers are not each "unexpected" at the top level. */
    bool skip_body;
    /* names bound by `NAME = …` statements of the bodies so far (for hints: `h` alone
     * on a line is a tensor's name, not a layer without its parentheses) */
    const char *bound[64];
    int nbound;
} ParseState;

typedef void *yyscan_t;
}

%code provides {
#define YY_DECL int yylex(YYSTYPE *yylval_param, YYLTYPE *yylloc_param, yyscan_t yyscanner)
YY_DECL;

/* The hint for a Keras script's model.summary(), plot_model(model), print(…): the scanner's
 * (a dotted name) and the parser's (a call at the top level). */
#define SUMMARY_HINT "nnlc --summary FILE prints the model's summary, nnlc --emit=dot FILE " \
                     "| dot -Tpng > m.png draws it"
}

%code {
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "tf1_optimizers.h"

static void yyerror(YYLTYPE *loc, yyscan_t scanner, ParseState *ps, const char *msg);
static int next_token(YYSTYPE *val, YYLTYPE *loc, yyscan_t scanner, ParseState *ps);

#define A (ps->lex.arena)

/* In a statement's or a setting's error rule: the offending token goes with the rest of
 * its statement (next_token skips that), and the next error is reported at once. Bison
 * stays silent until three tokens have been shifted after an error, which hid the error
 * of a short line after a bad one (`relu(,)` under `dense(3,,)`). A '}' stays: it closes
 * the block; so does the end of the file. */
#define STATEMENT_RECOVERED()                                                                 \
    do {                                                                                      \
        if (yychar != '}' && yychar > END) {                                                  \
            yyclearin;                                                                        \
            yyerrok;                                                                          \
        }                                                                                     \
    } while (0)

/* In the error rule of a declaration: as STATEMENT_RECOVERED, but a '}' goes too, since at
 * the top level it closes nothing (kept, it would be the next error, and the next, …).
 * Without it, each line of a Keras script (import …, model.compile(…), model.fit(…)) after
 * the first was dropped in bison's silence of three tokens, and a mistake further down the
 * file went unsaid. */
#define DECLARATION_RECOVERED()                                                               \
    do {                                                                                      \
        if (yychar > END) {                                                                   \
            yyclearin;                                                                        \
            yyerrok;                                                                          \
        }                                                                                     \
    } while (0)

/* The span of a grammar rule: from its first token to the end of its last one, or to
 * the end of the first line when it spans several. */
static SrcLoc span(YYLTYPE first, YYLTYPE last) {
    SrcLoc s = {first.first_line, first.first_column, 1};
    if (last.last_line == first.first_line && last.last_column > first.first_column)
        s.len = last.last_column - first.first_column;
    return s;
}
static SrcLoc at(YYLTYPE l) { return span(l, l); }

static Expr *new_expr(ParseState *ps, ExprKind kind, SrcLoc loc) {
    Expr *e = ARENA_NEW(A, Expr);
    e->kind = kind;
    e->loc = loc;
    return e;
}

/* Sema and the AST printer walk expressions recursively, so their depth is capped like
 * the parser's own stack: a flat chain `1 + 1 + … + 1` nests one level per operator, and
 * 100,000 of them would overflow the C stack. Reported once, where the limit is crossed. */
enum { MAX_EXPR_DEPTH = 10000 };
/* The parser's own stack holds several entries per level (a call is a name, '(' and its
 * arguments), so it is made deep enough that MAX_EXPR_DEPTH is the limit a user meets;
 * only tens of thousands of bare parentheses, which add no level, exhaust it. */
#define YYMAXDEPTH (8 * MAX_EXPR_DEPTH)

static void below(Expr *e, const Expr *child) {
    if (child && child->depth + 1 > e->depth)
        e->depth = child->depth + 1;
}

static Expr *nest(ParseState *ps, Expr *e) {
    below(e, e->lhs);
    below(e, e->rhs);
    for (const Arg *a = e->args; a; a = a->next)
        below(e, a->value);
    for (const Expr *it = e->items; it; it = it->next)
        below(e, it);
    if (e->depth == MAX_EXPR_DEPTH + 1) {
        diag_error(ps->lex.diag, e->loc, "expression nested too deeply (limit is %d levels)",
                   MAX_EXPR_DEPTH);
        if (e->kind == EX_BINARY)
            diag_hint(ps->lex.diag, e->loc, "each operator of a chain such as 1 + 1 + … is "
                      "one level; split it with let constants");
    }
    return e;
}

static Expr *new_binary(ParseState *ps, char op, Expr *l, Expr *r, SrcLoc loc) {
    Expr *e = new_expr(ps, EX_BINARY, loc);
    e->op = op;
    e->lhs = l;
    e->rhs = r;
    return nest(ps, e);
}

static Arg *new_arg(ParseState *ps, const char *key, SrcLoc key_loc, Expr *value, SrcLoc loc) {
    Arg *a = ARENA_NEW(A, Arg);
    a->key = key;
    a->key_loc = key_loc;
    a->value = value;
    a->loc = loc;
    return a;
}

/* The `// word` comment the lexer saw at the end of the line of a let's or a setting's
 * value (at `value`), as an expression (a name or a number, negated after `-`), or NULL.
 * Sema decides whether it was meant as a division (sema_slash_word). */
static Expr *slash_word(ParseState *ps, YYLTYPE value, SrcLoc *slash) {
    LexState *ls = &ps->lex;
    if (ls->slash.line != value.last_line || ls->slash.col < value.last_column)
        return NULL;
    const char *w = ls->slash_word;
    bool number = (w[0] >= '0' && w[0] <= '9') || w[0] == '.';
    Expr *e = new_expr(ps, number ? EX_NUM : EX_NAME, ls->slash_word_loc);
    e->str = w;
    if (number) {
        e->num = strtod(w, NULL);
        e->is_int = strspn(w, "0123456789") == strlen(w);
        e->str = e->is_int ? w : NULL;
    }
    if (ls->slash_neg) { /* `// -heads`: the divisor -heads, as `// -2` is in an expression */
        SrcLoc at = ls->slash_word_loc;
        at.len += at.col - ls->slash_sign_col;
        at.col = ls->slash_sign_col;
        Expr *neg = new_expr(ps, EX_NEG, at);
        neg->lhs = e;
        e = nest(ps, neg);
    }
    *slash = ls->slash;
    ls->slash.line = 0;
    return e;
}

/* The hint to the lexer's error for TensorFlow 1's optimizer class written with its module
 * prefix (tf.train.MomentumOptimizer(0.02, 0.95)), given when the call is read: nnlc's
 * optimizer with the call's own arguments, as sema says of the class name alone. */
static void tf1_call_hint(ParseState *ps, const Expr *call) {
    LexState *ls = &ps->lex;
    if (!ls->tf1_call.line || ls->tf1_call.line != call->name_loc.line ||
        ls->tf1_call.col != call->name_loc.col)
        return;
    char written[128];
    diag_hint(ls->diag, ls->tf1_call, "TensorFlow 1's %s is written %s, with its "
              "learning_rate as lr", ls->tf1_name,
              tf1_call_written(ls->tf1_name, call, written, sizeof written));
    ls->tf1_call.line = 0;
}

/* Python's rule: `dense(10, activation=relu, True)` is an error, as in Keras, where it is a
 * SyntaxError; said once per call, at the first positional argument after a named one.
 * (Binding it to the next place would read True as the activation.) */
static void check_arg_order(ParseState *ps, const Arg *args) {
    const Arg *named = NULL;
    for (const Arg *a = args; a; a = a->next) {
        if (a->key && !named)
            named = a;
        if (a->key || !named)
            continue;
        diag_error(ps->lex.diag, a->loc, "positional argument follows the named argument '%s'",
                   named->key);
        diag_hint(ps->lex.diag, a->loc, "name it too, or move it before '%s'", named->key);
        return;
    }
}

static Stmt *new_stmt(ParseState *ps, StmtKind kind, SrcLoc loc) {
    Stmt *s = ARENA_NEW(A, Stmt);
    s->kind = kind;
    s->loc = loc;
    return s;
}

static Decl *new_decl(ParseState *ps, DeclKind kind, YYLTYPE kw, const char *name, YYLTYPE nl) {
    Decl *d = ARENA_NEW(A, Decl);
    d->kind = kind;
    d->loc = at(kw);
    d->name = name;
    d->name_loc = at(nl);
    return d;
}

/* Lists are built newest-first (O(1) per item) and put in source order when complete. */
#define REVERSE(T, head)                      \
    do {                                      \
        T *prev_ = NULL, *cur_ = (head);      \
        while (cur_) {                        \
            T *next_ = cur_->next;            \
            cur_->next = prev_;               \
            prev_ = cur_;                     \
            cur_ = next_;                     \
        }                                     \
        (head) = prev_;                       \
    } while (0)

static Expr *reverse_exprs(Expr *e) { REVERSE(Expr, e); return e; }
static Arg *reverse_args(Arg *a) { REVERSE(Arg, a); return a; }
static Stmt *reverse_stmts(Stmt *s) { REVERSE(Stmt, s); return s; }
static Param *reverse_params(Param *p) { REVERSE(Param, p); return p; }
static Decl *reverse_decls(Decl *d) { REVERSE(Decl, d); return d; }

#undef yylex
#define yylex(val, loc, scanner, ps) next_token(val, loc, scanner, ps)
}

%define api.pure full
%define api.location.type {TokenLoc}
%locations
%define parse.error custom
%define parse.lac full
%param {yyscan_t scanner} {ParseState *ps}
%expect 0

%union {
    const char *str;
    struct { double value; bool is_int; const char *digits; } num;
    Expr *expr;
    Arg *arg;
    Stmt *stmt;
    Param *param;
    Decl *decl;
}

%token END 0 "end of file"
%token <str> IDENT "identifier"
%token <num> NUMBER "number"
%token <str> STRING "string"
%token KW_MODEL "model" KW_BLOCK "block" KW_TRAIN "train" KW_LET "let" KW_INPUT "input"

%type <decl> decls decl
%type <stmt> stmts stmt
%type <arg> settings setting args args_opt arg
%type <param> params params_opt param
%type <expr> expr call list exprs names names_opt inputs_opt

%left '+' '-'
%left '*' '/'
%precedence NEG

%%

program
    : decls                     { ps->prog->decls = reverse_decls($1); }
    ;

decls
    : %empty                    { $$ = NULL; }
    | decls decl                { if ($2) { $2->next = $1; $$ = $2; } else $$ = $1; }
    ;

decl
    : "let" IDENT '=' expr      {
                                    $$ = new_decl(ps, DECL_LET, @1, $2, @2);
                                    $$->value = $4;
                                    $$->slash_word = slash_word(ps, @4, &$$->slash);
                                }
    | "model" IDENT '{' stmts '}'
                                {
                                    $$ = new_decl(ps, DECL_MODEL, @1, $2, @2);
                                    $$->body = reverse_stmts($4);
                                    $$->close_loc = at(@5);
                                }
    | "block" IDENT '(' params_opt ')' '{' stmts '}'
                                {
                                    $$ = new_decl(ps, DECL_BLOCK, @1, $2, @2);
                                    $$->params = $4;
                                    $$->body = reverse_stmts($7);
                                    $$->close_loc = at(@8);
                                }
    | "train" '{' settings '}'  {
                                    $$ = new_decl(ps, DECL_TRAIN, @1, NULL, @1);
                                    $$->settings = reverse_args($3);
                                    $$->close_loc = at(@4);
                                }
    | "train" IDENT '{' settings '}'
                                {
                                    $$ = new_decl(ps, DECL_TRAIN, @1, $2, @2);
                                    $$->settings = reverse_args($4);
                                    $$->close_loc = at(@5);
                                }
    | error                     { $$ = NULL; DECLARATION_RECOVERED(); }
    ;

params_opt
    : %empty                    { $$ = NULL; }
    | params                    { $$ = reverse_params($1); }
    | params ','                { $$ = reverse_params($1); }
    ;

params
    : param                     { $$ = $1; }
    | params ',' param          { $3->next = $1; $$ = $3; }
    ;

param
    : IDENT                     { $$ = ARENA_NEW(A, Param); $$->name = $1; $$->loc = at(@1); }
    | IDENT '=' expr            {
                                    $$ = ARENA_NEW(A, Param);
                                    $$->name = $1;
                                    $$->loc = at(@1);
                                    $$->deflt = $3;
                                }
    ;

stmts
    : %empty                    { $$ = NULL; }
    | stmts stmt                { $2->next = $1; $$ = $2; }
    | stmts error               { $$ = $1; STATEMENT_RECOVERED(); }
    ;

stmt
    : "input" list              { $$ = new_stmt(ps, ST_INPUT, span(@1, @2)); $$->shape = $2; }
    | IDENT '=' "input" list    {
                                    $$ = new_stmt(ps, ST_INPUT, span(@1, @4));
                                    $$->bind = $1;
                                    $$->bind_loc = at(@1);
                                    $$->shape = $4;
                                }
    | call inputs_opt           {
                                    $$ = new_stmt(ps, ST_LAYER, span(@1, @$));
                                    $$->call = $1;
                                    $$->has_inputs = $2 != NULL;
                                    $$->inputs = $2 ? $2->items : NULL;
                                }
    | IDENT '=' call inputs_opt {
                                    $$ = new_stmt(ps, ST_LAYER, span(@1, @$));
                                    $$->bind = $1;
                                    $$->bind_loc = at(@1);
                                    $$->call = $3;
                                    $$->has_inputs = $4 != NULL;
                                    $$->inputs = $4 ? $4->items : NULL;
                                }
    | "let" IDENT '=' expr      {
                                    $$ = new_stmt(ps, ST_LET, span(@1, @4));
                                    $$->bind = $2;
                                    $$->bind_loc = at(@2);
                                    $$->value = $4;
                                    $$->slash_word = slash_word(ps, @4, &$$->slash);
                                }
    ;

/* `dense(10)(h)`: the explicit inputs, as a list node (NULL when not written); Keras
 * writes a merge layer's as one list, `Add()([a, b])`. */
inputs_opt
    : %empty                    { $$ = NULL; }
    | '(' names_opt ')'         {
                                    $$ = new_expr(ps, EX_LIST, span(@1, @3));
                                    $$->items = $2;
                                }
    | '(' '[' names_opt ']' ')' {
                                    $$ = new_expr(ps, EX_LIST, span(@1, @5));
                                    $$->items = $3;
                                }
    ;

names_opt
    : %empty                    { $$ = NULL; }
    | names                     { $$ = reverse_exprs($1); }
    | names ','                 { $$ = reverse_exprs($1); }
    ;

names
    : IDENT                     { $$ = new_expr(ps, EX_NAME, at(@1)); $$->str = $1; }
    | names ',' IDENT           {
                                    $$ = new_expr(ps, EX_NAME, at(@3));
                                    $$->str = $3;
                                    $$->next = $1;
                                }
    ;

settings
    : %empty                    { $$ = NULL; }
    | settings setting          { $2->next = $1; $$ = $2; }
    | settings error            { $$ = $1; STATEMENT_RECOVERED(); }
    ;

setting
    : IDENT '=' expr            {
                                    $$ = new_arg(ps, $1, at(@1), $3, span(@1, @3));
                                    $$->slash_word = slash_word(ps, @3, &$$->slash);
                                }
    ;

call
    : IDENT '(' args_opt ')'    {
                                    $$ = new_expr(ps, EX_CALL, span(@1, @4));
                                    $$->str = $1;
                                    $$->name_loc = at(@1);
                                    $$->args = $3;
                                    check_arg_order(ps, $3);
                                    tf1_call_hint(ps, $$);
                                    nest(ps, $$);
                                }
    ;

args_opt
    : %empty                    { $$ = NULL; }
    | args                      { $$ = reverse_args($1); }
    | args ','                  { $$ = reverse_args($1); }
    ;

args
    : arg                       { $$ = $1; }
    | args ',' arg              { $3->next = $1; $$ = $3; }
    ;

arg
    : expr                      { $$ = new_arg(ps, NULL, at(@1), $1, at(@1)); }
    | IDENT '=' expr            { $$ = new_arg(ps, $1, at(@1), $3, span(@1, @3)); }
    ;

expr
    : NUMBER                    {
                                    $$ = new_expr(ps, EX_NUM, at(@1));
                                    $$->num = $1.value;
                                    $$->is_int = $1.is_int;
                                    $$->str = $1.digits;
                                }
    | STRING                    { $$ = new_expr(ps, EX_STR, at(@1)); $$->str = $1; }
    | IDENT                     { $$ = new_expr(ps, EX_NAME, at(@1)); $$->str = $1; }
    | call                      { $$ = $1; }
    | list                      { $$ = nest(ps, $1); }
    | '(' expr ')'              { $$ = $2; }
    | expr '+' expr             { $$ = new_binary(ps, '+', $1, $3, span(@1, @3)); }
    | expr '-' expr             { $$ = new_binary(ps, '-', $1, $3, span(@1, @3)); }
    | expr '*' expr             { $$ = new_binary(ps, '*', $1, $3, span(@1, @3)); }
    | expr '/' expr             { $$ = new_binary(ps, '/', $1, $3, span(@1, @3)); }
    | '-' expr %prec NEG        {
                                    $$ = new_expr(ps, EX_NEG, span(@1, @2));
                                    $$->lhs = $2;
                                    nest(ps, $$);
                                }
    | '+' expr %prec NEG        { $$ = $2; }
    ;

list
    : '[' ']'                   { $$ = new_expr(ps, EX_LIST, span(@1, @2)); }
    | '[' exprs ']'             {
                                    $$ = new_expr(ps, EX_LIST, span(@1, @3));
                                    $$->items = reverse_exprs($2);
                                }
    | '[' exprs ',' ']'         {
                                    $$ = new_expr(ps, EX_LIST, span(@1, @4));
                                    $$->items = reverse_exprs($2);
                                }
    /* Keras' tuples, `(3, 3)` and `(784,)`: a list. `(3)` stays a grouping (expr). */
    | '(' expr ',' ')'          {
                                    $$ = new_expr(ps, EX_LIST, span(@1, @4));
                                    $$->items = $2;
                                }
    | '(' expr ',' exprs ')'    {
                                    $$ = new_expr(ps, EX_LIST, span(@1, @5));
                                    $$->items = $2;
                                    $2->next = reverse_exprs($4);
                                }
    | '(' expr ',' exprs ',' ')'
                                {
                                    $$ = new_expr(ps, EX_LIST, span(@1, @6));
                                    $$->items = $2;
                                    $2->next = reverse_exprs($4);
                                }
    ;

exprs
    : expr                      { $$ = $1; }
    | exprs ',' expr            { $3->next = $1; $$ = $3; }
    ;

%%

/* Whether a line ending in token tok goes on below: a call's ',' or '(', an operator. */
static bool continues_line(int tok) {
    return tok == ',' || tok == '(' || tok == '[' || tok == '=' || tok == '+' || tok == '-' ||
           tok == '*' || tok == '/';
}

/* How messages name the body of a declaration by its keyword (0: braces of none). */
static const char *body_name(int kw) {
    return kw == KW_TRAIN ? "train block" : kw == KW_BLOCK ? "block" : kw == KW_MODEL ? "model"
                                                                                     : "body";
}

/* The scanner, but after a syntax error the rest of that statement is dropped (except a
 * closing brace, which keeps blocks balanced): see skip_line. */
static int next_token(YYSTYPE *val, YYLTYPE *loc, yyscan_t scanner, ParseState *ps) {
    for (;;) {
        ps->lex.drop_line = ps->skip_line ? ps->skip_last_line : 0;
        ps->lex.drop_goes_on = ps->skip_depth > 0 && continues_line(ps->skip_last);
        ps->lex.drop_indented = ps->skip_body;
        int tok;
        if (ps->held) {
            tok = ps->held_tok;
            *loc = ps->held_loc;
            ps->held = false;
            /* an error at the '}' put in for it must not drop the keyword with its line */
            ps->skip_line = ps->skip_depth = ps->skip_braces = 0;
            ps->skip_body = false;
        } else {
            tok = (yylex)(val, loc, scanner);
        }
        ps->lex.diag->muted = false;
        int opens = tok == '(' || tok == '[' ? 1 : tok == ')' || tok == ']' ? -1 : 0;
        if (ps->skip_body && tok != 0 && (loc->first_column > 1 || opens < 0 || tok == '}')) {
            /* a '}' at column 1 ends the body; the `])` of Sequential([ does not */
            ps->skip_body = tok != '}' || loc->first_column > 1;
            if (!ps->skip_body && ps->owed_closes > 0)
                ps->owed_closes--; /* that body's own '}' */
            ps->skip_line = 0; /* what is left of the line with the error goes too */
            ps->skip_depth = 0;
            ps->skip_braces = 0;
            continue;
        }
        ps->skip_body = false;
        /* `}}}}` after the last block: the first '}' that closes nothing is the error; the
         * ones right after it are the same mistake, not one error each */
        bool stray = tok == '}' && ps->nopen == 0 && !(ps->skip_line && ps->skip_braces > 0);
        if (stray && ps->owed_closes > 0) {
            ps->owed_closes--; /* the '}' of a body a nested declaration closed early */
            continue;
        }
        if (stray && ps->stray_close)
            continue;
        ps->stray_close = stray;
        /* let may stand in a body; the others only at the top level */
        bool declares = tok == KW_MODEL || tok == KW_BLOCK || tok == KW_TRAIN;
        if (declares && ps->nopen > 0 && loc->first_line > ps->cur_line) {
            /* with a statement left open above (`h =`, `dense(2,`), the parser's error at
             * the '}' says what is missing there, at this keyword */
            bool open_statement = ps->depth > 0 || continues_line(ps->recent[3]);
            /* indented, it was put inside on purpose (Keras compiles the model it built):
             * the body's own '}' comes below, and the '}' that closes nothing then is owed */
            bool nested = loc->first_column > 1;
            if (!ps->closing && !open_statement && nested) {
                const char *outer = body_name(ps->brace_kw[0]);
                diag_error(ps->lex.diag, span(*loc, *loc), "a %s cannot be inside a %s: it goes "
                           "after the closing '}' of the %s", body_name(tok), outer, outer);
            } else if (!ps->closing && !open_statement) {
                SrcLoc open = ps->open_braces[ps->nopen - 1];
                diag_error(ps->lex.diag, span(*loc, *loc), "expected '}' before '%s'",
                           yyget_text(scanner));
                diag_note(ps->lex.diag, open, "this '{' is never closed");
            }
            if (nested)
                ps->owed_closes++;
            ps->closing = true;
            ps->held = true;
            ps->held_tok = tok;
            ps->held_loc = *loc;
            tok = '}'; /* where the keyword is */
        } else {
            ps->closing = false;
        }
        if (declares && ps->nopen == 0) { /* (tok is '}' when one was put in before it) */
            ps->header_line = loc->first_line;
            ps->header_kw = tok;
            ps->in_header = true;
        }
        if (ps->skip_line && tok != 0 && (tok != '}' || ps->skip_braces > 0)) {
            /* a line that ends in a value ends the statement: a '(' it leaves open is a
             * missing ')', not a call going on below (which ends its line with a ',') */
            bool new_line = loc->first_line > ps->skip_last_line;
            int braces = tok == '{' ? 1 : tok == '}' ? -1 : 0;
            bool goes_on = continues_line(ps->skip_last) ||
                           (ps->skip_last == '{' && ps->skip_braces > 0); /* a dict's lines */
            if (new_line && !goes_on && !((opens < 0 || braces < 0) && ps->skip_depth > 0))
                ps->skip_depth = 0; /* but `])` on a line of its own closes what is open */
            if (!new_line || ps->skip_depth > 0) {
                ps->skip_braces += braces;
                ps->skip_depth += ps->skip_depth + opens + braces >= 0 ? opens + braces : 0;
                ps->skip_last = tok;
                ps->skip_last_line = loc->last_line;
                continue;
            }
        }
        ps->skip_line = 0;
        ps->skip_depth = 0;
        ps->skip_braces = 0;
        ps->depth += ps->depth + opens >= 0 ? opens : 0;
        if (tok == '{' || tok == '}') /* no ( or [ spans a block's braces */
            ps->depth = 0;
        memmove(ps->recent, ps->recent + 1, sizeof ps->recent - sizeof ps->recent[0]);
        memmove(ps->recent_at, ps->recent_at + 1,
                sizeof ps->recent_at - sizeof ps->recent_at[0]);
        memmove(ps->recent_name, ps->recent_name + 1,
                sizeof ps->recent_name - sizeof ps->recent_name[0]);
        ps->recent[3] = tok;
        ps->recent_at[3] = span(*loc, *loc);
        ps->recent_name[3] = tok == IDENT ? val->str : NULL;
        if (tok == '=' && ps->recent[2] == IDENT && ps->depth == 0 && ps->nopen > 0 &&
            ps->nbound < (int)(sizeof ps->bound / sizeof ps->bound[0]))
            ps->bound[ps->nbound++] = ps->recent_name[2];
        ps->prev_line = ps->cur_line;
        ps->prev_col = ps->cur_col;
        ps->cur_line = loc->last_line;
        ps->cur_col = loc->last_column;
        if (tok == '{')
            ps->in_header = false;
        if (tok == '{' && ps->nopen < MAX_OPEN_BRACES) {
            ps->brace_kw[ps->nopen] = ps->nopen == 0 ? ps->header_kw : 0;
            ps->open_braces[ps->nopen++] = span(*loc, *loc);
        }
        else if (tok == '}' && ps->nopen > 0 && --ps->nopen == 0) {
            ps->last_close = span(*loc, *loc);
            ps->last_close_kw = ps->brace_kw[0];
        }
        return tok;
    }
}

static bool is_operator(yysymbol_kind_t k) {
    const char *name = yysymbol_name(k);
    return strcmp(name, "'+'") == 0 || strcmp(name, "'-'") == 0 || strcmp(name, "'*'") == 0 ||
           strcmp(name, "'/'") == 0;
}

/* "expected ',' or ')'" reads better than every operator that could also continue an
 * expression; operators are listed only when nothing else fits. out holds YYNTOKENS
 * symbols, every one the count returned names (a caller lists them only when few). */
static int useful_expected(const yypcontext_t *ctx, yysymbol_kind_t out[YYNTOKENS]) {
    yysymbol_kind_t all[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, all, YYNTOKENS);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!is_operator(all[i]))
            out[k++] = all[i];
    if (k == 0)
        for (int i = 0; i < n; i++)
            out[k++] = all[i];
    return k;
}

static bool is_keyword(int tok) {
    return tok == KW_MODEL || tok == KW_BLOCK || tok == KW_TRAIN || tok == KW_LET ||
           tok == KW_INPUT;
}

/* The named arguments of the call whose '(' is at `open`, as settings: compile(optimizer=
 * 'adam', loss='mse') is "optimizer = 'adam'  loss = 'mse'". Only a call closed on its
 * line, of named arguments that fit in out, each name an identifier; positional ones
 * (fit(x_train, y_train, …)'s arrays) are left out, as the train block names files. */
static bool call_settings(ParseState *ps, YYLTYPE open, char *out, size_t size) {
    int len;
    const char *line = diag_line_text(ps->lex.diag, open.first_line, &len);
    int at = open.first_column; /* 1-based column of '(': the text after it */
    if (!line || at < 1 || at > len || line[at - 1] != '(')
        return false;
    size_t used = 0;
    int depth = 0, start = at;
    char quote = 0;
    out[0] = '\0';
    for (int i = at; i < len; i++) {
        char c = line[i];
        if (quote) {
            quote = c == quote ? 0 : quote; /* strings hold no escaped quotes worth keeping */
            continue;
        }
        if (c == '\'' || c == '"')
            quote = c;
        else if (c == '(' || c == '[' || c == '{')
            depth++;
        else if (depth > 0 && (c == ')' || c == ']' || c == '}'))
            depth--;
        else if (depth == 0 && (c == ',' || c == ')')) {
            /* one argument, line[start, i): name=value, spaces trimmed */
            const char *a = line + start, *end = line + i;
            while (a < end && isspace((unsigned char)*a))
                a++;
            while (end > a && isspace((unsigned char)end[-1]))
                end--;
            const char *eq = a;
            while (eq < end && (isalnum((unsigned char)*eq) || *eq == '_'))
                eq++;
            const char *value = eq;
            while (value < end && isspace((unsigned char)*value))
                value++;
            if (eq > a && isalpha((unsigned char)*a) && value < end && *value == '=' &&
                (value + 1 == end || value[1] != '=')) {
                value++;
                while (value < end && isspace((unsigned char)*value))
                    value++;
                int w = snprintf(out + used, size - used, "%s%.*s = %.*s", used ? "  " : "",
                                 (int)(eq - a), a, (int)(end - value), value);
                if (w < 0 || (size_t)w >= size - used || value == end)
                    return false;
                used += (size_t)w;
            }
            if (c == ')')
                return used > 0;
            start = i + 1;
        }
    }
    return false; /* not closed on its line */
}

static bool expects(const yysymbol_kind_t *expected, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(yysymbol_name(expected[i]), name) == 0)
            return true;
    return false;
}

/* Whether a '}' may come next: the lookahead stands where a statement or setting ends. */
static bool at_statement_end(const yypcontext_t *ctx) {
    yysymbol_kind_t all[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, all, YYNTOKENS);
    return expects(all, n, "'}'");
}

/* "'('" and "\"identifier\"" as bison names them, without the outer quotes of aliases. */
static const char *token_name(yysymbol_kind_t kind, char *buf, size_t size) {
    const char *name = yysymbol_name(kind);
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '"' && name[n - 1] == '"')
        snprintf(buf, size, "%.*s", (int)(n - 2), name + 1);
    else
        snprintf(buf, size, "%s", name);
    return buf;
}

/* The source after loc on its line, blanks skipped: what follows a token the parser
 * has not read yet. */
static const char *text_after(ParseState *ps, SrcLoc loc, char *buf, int size) {
    int len;
    const char *line = diag_line_text(ps->lex.diag, loc.line, &len);
    int from = loc.col - 1 + loc.len;
    if (!line || from > len)
        return "";
    int n = len - from < size - 1 ? len - from : size - 1;
    memcpy(buf, line + from, (size_t)n);
    buf[n] = '\0';
    return buf + strspn(buf, " \t");
}

/* A name where a declaration goes (model, block, train, let), as the lines of a Keras
 * script stand: Python's def or class (with its indented body), import (the file is a
 * script: said once, how nnlc writes it), a
 * keyword misspelt (lett x = 3), `epochs = 3` or `x = 3` (a setting outside the train
 * block, or a constant without let), else a layer outside any model. */
static void top_level_name_hint(ParseState *ps, SrcLoc at_loc, const char *name) {
    static const char *const keywords[] = {"model", "block", "train", "let", NULL};
    char rest[8];
    const char *after = text_after(ps, at_loc, rest, sizeof rest);
    const char *near = diag_suggest_unique(name, keywords);
    if (strcmp(name, "def") == 0 || strcmp(name, "class") == 0) {
        ps->skip_body = true; /* its indented body goes with it, as a damaged model's */
        diag_hint(ps->lex.diag, at_loc, "Python's %s has no place in nnlc; layers used more "
                  "than once are a block: block NAME(params) { … }, then NAME(…) as a layer",
                  name);
    } else if (strcmp(name, "import") == 0 || strcmp(name, "from") == 0) {
        if (ps->python_said) {
            diag_hint(ps->lex.diag, at_loc, "drop Python's imports: nnlc has its layers, "
                      "losses and optimizers built in");
            return;
        }
        ps->python_said = true;
        diag_hint(ps->lex.diag, at_loc, "this looks like a Python (Keras) script; nnlc reads "
                  "its own language: model NAME { input [784]  dense(128, activation=relu)  "
                  "dense(10) } lists the layers, as Sequential([…]) does, and train NAME { … } "
                  "holds what compile() and fit() take (docs/language.md, or the files of "
                  "examples/)");
    } else if (near && after[0] != '(') {
        diag_hint(ps->lex.diag, at_loc, "did you mean '%s'?", near);
    } else if (after[0] == '=' && after[1] != '=') {
        diag_hint(ps->lex.diag, at_loc, "a constant is declared with let (let %s = …), and a "
                  "train setting goes inside the train block: train NAME { %s = … }", name,
                  name);
    } else if (after[0] == '(' && (strcmp(name, "plot_model") == 0 ||
                                   strcmp(name, "print") == 0)) {
        /* keras.utils.plot_model(model), print(model.summary()) */
        diag_hint(ps->lex.diag, at_loc, "nnlc draws and prints the model from the command line: "
                  SUMMARY_HINT);
    } else if (after[0] == '(') {
        /* a layer outside any model, as a Keras script's lines stand on their own */
        diag_hint(ps->lex.diag, at_loc, "a file holds model, block, train and let; layers go "
                  "inside a model's braces: model NAME { input [784]  %s(…) }", name);
    } else {
        diag_hint(ps->lex.diag, at_loc, "a file holds model, block, train and let: model NAME "
                  "{ … } lists layers, train NAME { … } the settings of training");
    }
}

/* Keras' compile() and fit() arguments, and nnlc's other train settings: written in a
 * model, as Keras passes them with the model (`epochs = 3` there was "expected identifier
 * or input, found '3'"). */
static bool train_setting_name(const char *name) {
    static const char *const names[] = {
        "loss", "optimizer", "metrics", "epochs", "batch_size", "batch", "lr", "learning_rate",
        "validation_split", "validation_data", "validation", "callbacks", "shuffle", "verbose",
        "seed", "data", "test", "split", "early_stopping", "schedule", "classes", "augment",
        NULL};
    for (int i = 0; name && names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* Where in ps->recent the train setting stands whose `NAME = value` the error is in,
 * inside a model or block: the error at the value (epochs = 3), or, for a value that is
 * a name (optimizer = adam), at what follows it on the next line, where a layer's '('
 * was expected. -1 otherwise. */
static int setting_in_model(const ParseState *ps, bool new_line) {
    int open = ps->nopen + (ps->recent[3] == '}'); /* a '}' read has closed its brace */
    if (open == 0 || (ps->brace_kw[0] != KW_MODEL && ps->brace_kw[0] != KW_BLOCK))
        return -1;
    if (ps->recent[1] == IDENT && ps->recent[2] == '=' &&
        train_setting_name(ps->recent_name[1]))
        return 1;
    if (new_line && ps->recent[0] == IDENT && ps->recent[1] == '=' && ps->recent[2] == IDENT &&
        train_setting_name(ps->recent_name[0]))
        return 0;
    return -1;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner, ParseState *ps) {
    enum { MAX_EXPECTED = 4 }; /* more are not listed: "unexpected 'x'" */
    yysymbol_kind_t expected[YYNTOKENS];
    int n = useful_expected(ctx, expected);
    yysymbol_kind_t found = yypcontext_token(ctx);
    const YYLTYPE *loc = yypcontext_location(ctx);
    int depth = ps->depth; /* the lookahead's '(' counted */
    /* The usual cause of an error at the start of a line: the previous line is unclosed. */
    bool new_line = ps->prev_line > 0 && loc->first_line > ps->prev_line;
    /* an error in a declaration's header: `train:` leaves `train loss` and errs at '=' */
    bool in_header = ps->in_header;
    ps->in_header = false;
    int setting_at; /* setting_in_model's answer, in the hints below */
    if (found != YYSYMBOL_YYEOF) {
        /* the statement's open ( and [: a call written over several lines is dropped to
         * its ')'; at the start of a line, the statement before was left unclosed */
        ps->skip_line = loc->first_line;
        ps->skip_depth = new_line ? 0 : ps->depth;
        ps->skip_last = ps->recent[3];
        ps->skip_last_line = loc->last_line;
        ps->depth = 0;
        /* a '{' in a statement (Python's dict, class_weight = {0: 1, 1: 2}) is dropped
         * with it, and so is its '}', which else closed the block the statement is in */
        ps->skip_braces = 0;
        if (strcmp(yysymbol_name(found), "'{'") == 0 && !at_statement_end(ctx)) {
            ps->skip_braces = 1;
            ps->skip_depth++;
            if (ps->nopen > 0)
                ps->nopen--; /* next_token counted it open */
        }
        /* the error is in the header, before its '{': on its line, or below it (`model m:`,
         * where the lexer skipped the ':', errs at the body's first token) */
        ps->skip_body = ps->nopen == 0 && in_header;
        if (ps->owed_closes > 0 && ps->nopen == 0 && loc->first_column > 1) {
            /* the rest of a body that a declaration inside it closed early (said there):
             * dropped up to its '}' at column 1 */
            ps->skip_body = true;
            return 0;
        }
    }
    /* An unterminated string or a stray byte already explained what went wrong here. It
     * explains one syntax error, the one it caused: after `model.summary()`, a Keras
     * script's next line (print(…), at the next statement) is an error of its own. */
    if (ps->lex.error_line && (ps->lex.error_line == loc->first_line ||
                               ps->lex.error_line == ps->prev_line ||
                               (in_header && ps->lex.error_line >= ps->header_line))) {
        ps->lex.error_line = 0;
        return 0;
    }
    char msg[512], name[64];
    int used = 0;
    if (n > 0 && n <= MAX_EXPECTED) {
        used += snprintf(msg + used, sizeof msg - (size_t)used, "expected ");
        for (int i = 0; i < n; i++)
            used += snprintf(msg + used, sizeof msg - (size_t)used, "%s%s",
                             i == 0 ? "" : i == n - 1 ? " or " : ", ",
                             token_name(expected[i], name, sizeof name));
        used += snprintf(msg + used, sizeof msg - (size_t)used, ", found ");
    } else {
        used += snprintf(msg + used, sizeof msg - (size_t)used, "unexpected ");
    }
    SrcLoc at_loc = span(*loc, *loc);
    if (found == YYSYMBOL_YYEOF) {
        snprintf(msg + used, sizeof msg - (size_t)used, "end of file");
        at_loc.len = 0;
    } else {
        int len = (int)yyget_leng(scanner);
        snprintf(msg + used, sizeof msg - (size_t)used, "'%.*s'", len > 40 ? 40 : len,
                 yyget_text(scanner));
    }
    diag_error(ps->lex.diag, at_loc, "%s", msg);
    /* every token that may come, not only the few named: after `flatten(` a value may
     * come too, and the message says "unexpected '}'" */
    yysymbol_kind_t all[YYNTOKENS];
    int nall = yypcontext_expected_tokens(ctx, all, YYNTOKENS);
    const char *closer = expects(all, nall, "')'") ? ")" : expects(all, nall, "']'") ? "]" : NULL;
    const LexState *ls = &ps->lex;
    if (closer && (new_line || found == YYSYMBOL_YYEOF) && ls->comment.line == ps->prev_line &&
        (*closer == ')' ? ls->comment_paren : ls->comment_bracket)) {
        /* the closer is there, in a comment: `dense(n // ２)` is not Python's division */
        bool slashes = ls->comment.len == 2;
        diag_hint(ls->diag, ls->comment, "the '%s' after this '%s' is part of the comment it "
                  "starts, which runs to the end of the line%s", closer, slashes ? "//" : "#",
                  slashes ? "; to divide, write '/'" : "");
    } else if (closer && (new_line || found == YYSYMBOL_YYEOF)) {
        SrcLoc end = {ps->prev_line, ps->prev_col, 0};
        diag_hint(ps->lex.diag, end, "is a '%s' missing at the end of line %d?", closer,
                  ps->prev_line);
    } else if (n == 1 && expects(expected, 1, "','") && strcmp(yysymbol_name(found), "')'") == 0) {
        /* `input (784)`: only a list may come here, and (784) is a grouping */
        diag_hint(ps->lex.diag, at_loc, "a list of one item is written [x] or (x,)");
    } else if (ps->recent[0] == KW_INPUT && ps->recent[1] == '(' && ps->recent[2] == IDENT &&
               ps->recent[3] == '=') {
        /* Keras' Input(shape=(784,)) */
        diag_hint(ps->lex.diag, at_loc, "the input takes its shape without a name: input [784] "
                  "or input (28, 28, 1)");
    } else if (ps->skip_braces > 0 && ps->recent[2] == '=') {
        /* Keras' fit(class_weight={0: 1, 1: 2}) comes with its dict: the setting's own
         * error (sema's) is never reached after a syntax error, so it is said here */
        const char *setting = ps->recent_name[1];
        bool weights = setting && (strcmp(setting, "class_weight") == 0 ||
                                   strcmp(setting, "sample_weight") == 0);
        diag_hint(ps->lex.diag, at_loc, "braces hold a model's or a block's body; Python's dict "
                  "{…} is no value in nnlc%s%s%s", weights ? ", and " : "",
                  weights ? setting : "", weights ? ", Keras' fit() argument, is no setting: "
                  "every example weighs the same in nnlc's losses" : "");
    } else if (strcmp(yysymbol_name(found), "'('") == 0 && ps->recent[2] == IDENT &&
               (strcmp(ps->recent_name[2], "compile") == 0 ||
                strcmp(ps->recent_name[2], "fit") == 0) && expects(expected, n, "'='")) {
        /* train { compile(optimizer='adam', loss=…)  fit(epochs=5) } */
        char settings[256];
        if (call_settings(ps, *loc, settings, sizeof settings))
            diag_hint(ps->lex.diag, ps->recent_at[2], "the train block holds %s()'s arguments "
                      "as settings, one per line without the call: %s", ps->recent_name[2],
                      settings);
        else
            diag_hint(ps->lex.diag, ps->recent_at[2], "the train block holds %s()'s arguments "
                      "as settings, one per line without the call, e.g. %s",
                      ps->recent_name[2],
                      ps->recent_name[2][0] == 'c' ? "optimizer = adam  loss = "
                                                     "sparse_categorical_crossentropy"
                                                   : "epochs = 5  batch_size = 32");
    } else if (strcmp(yysymbol_name(found), "'('") == 0 && ps->recent[2] == KW_TRAIN) {
        /* train(optimizer='adam', epochs=5), as Keras' compile(…) and fit(…) are called */
        diag_hint(ps->lex.diag, at_loc, "the train block's settings go in braces, one per line: "
                  "train { optimizer = adam  epochs = 5 }");
    } else if ((setting_at = setting_in_model(ps, new_line || found == YYSYMBOL_YYEOF)) >= 0) {
        int i = setting_at;
        diag_hint(ps->lex.diag, ps->recent_at[i], "%s is a train setting: it goes in the train "
                  "block, train NAME { %s = … }, not in the model", ps->recent_name[i],
                  ps->recent_name[i]);
    } else if (ps->recent[2] == '=' && (found == YYSYMBOL_YYEOF || ps->recent[3] == ')' ||
                                         ps->recent[3] == ']' || ps->recent[3] == '}' ||
                                         ps->recent[3] == ',')) {
        /* adam(lr=), `epochs = }` */
        diag_hint(ps->lex.diag, ps->recent_at[2], "is a value missing after this '='?");
    } else if (ps->recent[0] == IDENT && ps->recent[1] == '=' && ps->recent[2] == IDENT &&
               ps->recent[3] == '=') {
        /* `epochs =` with its value forgotten: the next line's `batch` was read as the
         * value, and the error lands on batch's '=', a line after the mistake */
        diag_hint(ps->lex.diag, ps->recent_at[1], "is a value missing after this '='?");
    } else if (strcmp(yysymbol_name(found), "'('") == 0 && depth >= 2 &&
               (ps->recent[2] == ')' || ps->recent[2] == IDENT)) {
        /* Keras nests its functional calls: Add()([x, Dense(64)(x)]), Dense(10)(Flatten()(x)) */
        diag_hint(ps->lex.diag, at_loc, "a layer applied to a tensor is a statement of its own: "
                  "name its result (h = dense(64)(x)) and give that name as the input");
    } else if (ps->recent[2] == IDENT && n == 2 && expects(expected, n, "'='") &&
               expects(expected, n, "'('")) {
        /* a statement of one name: Keras' Flatten without its call (the error then lands
         * on the next line), or Python's print-statement style `dense 10` */
        bool tensor = false;
        for (int i = 0; i < ps->nbound && !tensor; i++)
            tensor = strcmp(ps->bound[i], ps->recent_name[2]) == 0;
        if (tensor && (new_line || found == YYSYMBOL_YYEOF || ps->recent[3] == '}'))
            /* Keras' functional model ending with its output's name, as a function
             * returns it: "h()" was the hint */
            diag_hint(ps->lex.diag, ps->recent_at[2], "'%s' names a tensor, and a name alone "
                      "is no statement: the model's output is its last statement's tensor "
                      "already; drop this line, or apply a layer to it, dense(10)(%s)",
                      ps->recent_name[2], ps->recent_name[2]);
        else if (new_line || found == YYSYMBOL_YYEOF || ps->recent[3] == '}')
            diag_hint(ps->lex.diag, ps->recent_at[2], "a layer is called with parentheses, "
                      "even without options: %s()", ps->recent_name[2]);
        else
            diag_hint(ps->lex.diag, ps->recent_at[2], "a layer's options go in parentheses "
                      "after its name: %s(%.*s)", ps->recent_name[2],
                      at_loc.len > 40 ? 40 : at_loc.len, yyget_text(scanner));
    } else if (strcmp(yysymbol_name(found), "','") == 0 && at_statement_end(ctx)) {
        /* Keras' compile(loss=…, optimizer=…) and Sequential([…, …]) separate with commas */
        diag_hint(ps->lex.diag, at_loc, "statements and settings need no separator: drop the "
                  "','");
    } else if ((strcmp(yysymbol_name(found), "identifier") == 0 ||
                strcmp(yysymbol_name(found), "input") == 0) &&
               expects(all, nall, "model") && ps->nopen == 0) {
        if (ps->recent[2] == '}' && ps->last_close_kw && at_loc.col > 1) {
            /* an indented line right after a '}': that '}' closed the body too early (one
             * brace too many, `dense(2)}`), and the lines up to the real end are its body */
            ps->skip_body = true;
            diag_note(ps->lex.diag, ps->last_close, "this '}' ends the %s's braces, so the "
                      "indented lines below it stand outside them: remove it",
                      body_name(ps->last_close_kw));
        } else if (strcmp(yysymbol_name(found), "input") == 0) {
            /* the input line of a model written before (or without) its model line */
            diag_hint(ps->lex.diag, at_loc, "the input is a model's first line, inside its "
                      "braces: model NAME { input [784]  dense(…) }");
        } else {
            top_level_name_hint(ps, at_loc, yyget_text(scanner));
        }
    } else if (is_keyword(ps->recent[3]) && expects(expected, n, "identifier")) {
        /* let model = 3, block input(x) */
        diag_hint(ps->lex.diag, at_loc, "'%s' is a keyword: choose another name",
                  yyget_text(scanner));
    } else if (ps->recent[2] == KW_INPUT && strcmp(yysymbol_name(found), "'='") == 0) {
        /* input = input [784]: Keras' `inputs = Input(…)` with nnlc's keyword */
        diag_hint(ps->lex.diag, ps->recent_at[2], "'input' is a keyword, no name: name the "
                  "input otherwise, e.g. x = input [784]");
    } else if (ps->recent[2] == KW_MODEL && strcmp(yysymbol_name(found), "'='") == 0) {
        /* Keras' model = Sequential([…]) */
        diag_hint(ps->lex.diag, at_loc, "a model is declared, not assigned: model NAME { "
                  "input [784]  dense(10) } lists its layers, as Sequential([…]) does");
    } else if (found == YYSYMBOL_YYEOF && ps->nopen > 0) {
        diag_note(ps->lex.diag, ps->open_braces[ps->nopen - 1], "this '{' is never closed");
    }
    return 0;
}

static void yyerror(YYLTYPE *loc, yyscan_t scanner, ParseState *ps, const char *msg) {
    (void)scanner;
    SrcLoc at_loc = span(*loc, *loc);
    if (strstr(msg, "exhausted"))
        diag_error(ps->lex.diag, at_loc, "expression nested too deeply (the parser holds at "
                   "most %d open parentheses, calls, lists and operators)", YYMAXDEPTH);
    else
        diag_error(ps->lex.diag, at_loc, "%s", msg);
}

Program *parse_program(Arena *a, Diag *d, const char *src, size_t len) {
    ParseState ps = {0};
    ps.lex = (LexState){.arena = a, .diag = d, .line = 1, .col = 1, .end_line = 1,
                        .end_col = 1};
    ps.prog = ARENA_NEW(a, Program);
    yyscan_t scanner;
    if (yylex_init_extra(&ps.lex, &scanner) != 0) {
        diag_file_error(d, "cannot start the scanner");
        return ps.prog;
    }
    YY_BUFFER_STATE buf = yy_scan_bytes(src, (int)len, scanner);
    yyparse(scanner, &ps);
    yy_delete_buffer(buf, scanner);
    yylex_destroy(scanner);
    return ps.prog;
}
