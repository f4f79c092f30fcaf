/*
 * ast.c — the deterministic text form of the syntax tree (--emit=ast), and of single
 * expressions for messages. Binary operations are fully parenthesized, so the dump shows
 * exactly how the parser grouped them: `1 - 2 * 3` prints as `(1 - (2 * 3))`.
 *
 *   (model mlp @1:1
 *     (input [784] @2:5)
 *     (layer h = dense(100, activation=sigmoid) @3:5)
 *   )
 */
#include "ast.h"

#include <math.h>

static void print_args(const Arg *a, FILE *out) {
    for (; a; a = a->next) {
        if (a->key)
            fprintf(out, "%s=", a->key);
        ast_print_expr(a->value, out);
        if (a->next)
            fputs(", ", out);
    }
}

/* A whole number in full, anything else as the shortest text that reads back as the same
 * double: 0.1, not 0.10000000000000001 (diag_num). */
static void print_number(double v, bool is_int, FILE *out) {
    if (is_int && fabs(v) < 9.0e15)
        fprintf(out, "%.0f", v);
    else
        fputs(diag_num(v).s, out);
}

static void print_string(const char *s, FILE *out) {
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '\t')
            fputs("\\t", out);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

void ast_print_expr(const Expr *e, FILE *out) {
    if (!e) {
        fputs("?", out);
        return;
    }
    switch (e->kind) {
    case EX_NUM:
        print_number(e->num, e->is_int, out);
        break;
    case EX_STR:
        print_string(e->str, out);
        break;
    case EX_NAME:
        fputs(e->str, out);
        break;
    case EX_CALL:
        fprintf(out, "%s(", e->str);
        print_args(e->args, out);
        fputc(')', out);
        break;
    case EX_LIST:
        fputc('[', out);
        for (const Expr *it = e->items; it; it = it->next) {
            ast_print_expr(it, out);
            if (it->next)
                fputs(", ", out);
        }
        fputc(']', out);
        break;
    case EX_BINARY:
        fputc('(', out);
        ast_print_expr(e->lhs, out);
        fprintf(out, " %c ", e->op);
        ast_print_expr(e->rhs, out);
        fputc(')', out);
        break;
    case EX_NEG:
        fputc('-', out);
        ast_print_expr(e->lhs, out);
        break;
    }
}

static void print_stmt(const Stmt *s, FILE *out) {
    switch (s->kind) {
    case ST_INPUT:
        fputs("  (input ", out);
        if (s->bind)
            fprintf(out, "%s = ", s->bind);
        ast_print_expr(s->shape, out);
        break;
    case ST_LAYER:
        fputs("  (layer ", out);
        if (s->bind)
            fprintf(out, "%s = ", s->bind);
        ast_print_expr(s->call, out);
        if (s->has_inputs) {
            fputc('(', out);
            for (const Expr *in = s->inputs; in; in = in->next)
                fprintf(out, "%s%s", in->str, in->next ? ", " : "");
            fputc(')', out);
        }
        break;
    case ST_LET:
        fprintf(out, "  (let %s = ", s->bind);
        ast_print_expr(s->value, out);
        break;
    }
    fprintf(out, " @%d:%d)\n", s->loc.line, s->loc.col);
}

void ast_print(const Program *p, FILE *out) {
    for (const Decl *d = p->decls; d; d = d->next) {
        switch (d->kind) {
        case DECL_LET:
            fprintf(out, "(let %s = ", d->name);
            ast_print_expr(d->value, out);
            fprintf(out, " @%d:%d)\n", d->loc.line, d->loc.col);
            break;
        case DECL_MODEL:
        case DECL_BLOCK:
            fprintf(out, "(%s %s", d->kind == DECL_MODEL ? "model" : "block", d->name);
            if (d->kind == DECL_BLOCK) {
                fputc('(', out);
                for (const Param *pa = d->params; pa; pa = pa->next) {
                    fputs(pa->name, out);
                    if (pa->deflt) {
                        fputs(" = ", out);
                        ast_print_expr(pa->deflt, out);
                    }
                    if (pa->next)
                        fputs(", ", out);
                }
                fputc(')', out);
            }
            fprintf(out, " @%d:%d\n", d->loc.line, d->loc.col);
            for (const Stmt *s = d->body; s; s = s->next)
                print_stmt(s, out);
            fputs(")\n", out);
            break;
        case DECL_TRAIN:
            fprintf(out, "(train%s%s @%d:%d\n", d->name ? " " : "", d->name ? d->name : "",
                    d->loc.line, d->loc.col);
            for (const Arg *s = d->settings; s; s = s->next) {
                fprintf(out, "  (set %s = ", s->key);
                ast_print_expr(s->value, out);
                fputs(")\n", out);
            }
            fputs(")\n", out);
            break;
        }
    }
}
