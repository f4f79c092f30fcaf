/*
 * ast.h — the syntax tree of a .nn file, exactly as written: no names are resolved and
 * no layer is known yet (sema.c does that). Layer uses, optimizer calls and data sources
 * are all the same EX_CALL node; which names and options exist is sema's business, which
 * keeps the grammar small and lets sema say "did you mean …" from its tables.
 *
 * Lists are singly linked through `next`, in source order. All nodes live in the Arena.
 */
#ifndef NNLC_AST_H
#define NNLC_AST_H

#include <stdbool.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"

typedef struct Expr Expr;
typedef struct Arg Arg;
typedef struct Stmt Stmt;
typedef struct Param Param;
typedef struct Decl Decl;

typedef enum {
    EX_NUM,    /* num, is_int; str: the digits of a whole-number literal, else NULL */
    EX_STR,    /* str (escapes already decoded) */
    EX_NAME,   /* str: an identifier (constant, tensor, activation, true/false, …) */
    EX_CALL,   /* str: callee name at name_loc; args */
    EX_LIST,   /* items: `[a, b, c]` */
    EX_BINARY, /* op in "+-* /"; lhs, rhs */
    EX_NEG,    /* lhs */
} ExprKind;

struct Expr {
    ExprKind kind;
    SrcLoc loc;        /* the whole expression */
    double num;
    bool is_int;       /* a numeric literal written without '.' or exponent */
    const char *str;
    SrcLoc name_loc;   /* EX_CALL: the callee identifier */
    char op;
    Expr *lhs, *rhs;
    Arg *args;
    Expr *items;
    Expr *next;        /* next item in a list or explicit-input list */
    int depth;         /* levels of sub-expressions below it (the parser caps it) */
};

/* One argument of a call or one `key = value` setting; key is NULL when positional. */
struct Arg {
    const char *key;
    SrcLoc key_loc;
    Expr *value;
    SrcLoc loc;        /* key through value */
    Expr *slash_word;  /* a setting's `// word` comment at the end of its line, or NULL: a
                          name or a number, that may have been meant as Python's division */
    SrcLoc slash;      /* ... and its '//' */
    Arg *next;
};

typedef enum {
    ST_INPUT, /* [bind =] input [d1, d2, …]      shape */
    ST_LAYER, /* [bind =] layer(args) [(in1, in2)]  call, inputs */
    ST_LET,   /* let bind = value                 value */
} StmtKind;

struct Stmt {
    StmtKind kind;
    SrcLoc loc;        /* the whole statement */
    const char *bind;  /* name given with `name =`, or NULL */
    SrcLoc bind_loc;
    Expr *call;        /* ST_LAYER: EX_CALL */
    Expr *inputs;      /* ST_LAYER: explicit inputs (EX_NAME list), NULL = previous result */
    bool has_inputs;   /* `(…)` after the call was written, even if empty */
    Expr *shape;       /* ST_INPUT: EX_LIST */
    Expr *value;       /* ST_LET */
    Expr *slash_word;  /* ST_LET: as Arg's */
    SrcLoc slash;
    Stmt *next;
};

/* A block parameter: `ch` or `stride = 1`. */
struct Param {
    const char *name;
    SrcLoc loc;
    Expr *deflt;       /* NULL: required */
    Param *next;
};

typedef enum {
    DECL_LET,   /* let name = value             name, value */
    DECL_MODEL, /* model name { stmts }         name, body */
    DECL_BLOCK, /* block name(params) { stmts } name, params, body */
    DECL_TRAIN, /* train [name] { key = value } name (may be NULL), settings */
} DeclKind;

struct Decl {
    DeclKind kind;
    SrcLoc loc;        /* the keyword */
    const char *name;
    SrcLoc name_loc;
    Expr *value;
    Expr *slash_word;  /* DECL_LET: as Arg's */
    SrcLoc slash;
    Param *params;
    Stmt *body;
    Arg *settings;
    SrcLoc close_loc;  /* the closing brace, for "missing input" style errors */
    Decl *next;
};

typedef struct Program {
    Decl *decls;
} Program;

/* parser.y: parses the whole source, reporting every syntax error it can recover from.
 * Returns the tree (possibly partial) — check d->nerrors. Never returns NULL. */
Program *parse_program(Arena *a, Diag *d, const char *src, size_t len);

/* lexer.l: prints one token per line, `line:col KIND 'text'`, for --emit=tokens.
 * Lexical errors go to d. */
void lex_dump_tokens(Diag *d, const char *src, size_t len, FILE *out);

/* ast.c: deterministic, indented S-expression-like dump for --emit=ast. */
void ast_print(const Program *p, FILE *out);
void ast_print_expr(const Expr *e, FILE *out);

#endif
