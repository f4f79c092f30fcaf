/*
 * json.c — a recursive-descent JSON reader (RFC 8259) for safetensors headers.
 * Nesting is limited to 32 levels: a header is two deep, and the limit keeps a
 * malicious file from exhausting the stack.
 */
#include "json.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

typedef struct Parser {
    const char *s;
    size_t len, pos;
    char *why;
    size_t why_size;
} Parser;

static bool parse_value(Parser *p, Json *out, int depth);

static bool fail(Parser *p, const char *what) {
    snprintf(p->why, p->why_size, "byte %zu: %s", p->pos, what);
    return false;
}

static void skip_space(Parser *p) {
    while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
        p->pos++;
}

static bool expect_word(Parser *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail(p, "unexpected character");
    p->pos += n;
    return true;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Appends code point cp as UTF-8. Surrogate pairs are not combined: names in headers
 * are written by us or by safetensors, which never escape non-ASCII. */
static size_t put_utf8(char *d, unsigned cp) {
    if (cp < 0x80) { d[0] = (char)cp; return 1; }
    if (cp < 0x800) { d[0] = (char)(0xC0 | cp >> 6); d[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    d[0] = (char)(0xE0 | cp >> 12);
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

static bool parse_escape(Parser *p, char *d, size_t *k) {
    char c = p->s[p->pos++];
    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
    const char *hit = strchr(from, c);
    if (c && hit) {
        d[(*k)++] = to[hit - from];
        return true;
    }
    if (c != 'u' || p->len - p->pos < 4)
        return fail(p, "bad escape in string");
    unsigned cp = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p->s[p->pos++]);
        if (h < 0)
            return fail(p, "bad \\u escape in string");
        cp = cp * 16 + (unsigned)h;
    }
    *k += put_utf8(d + *k, cp);
    return true;
}

static bool parse_string(Parser *p, char **out) {
    p->pos++; /* opening quote */
    char *d = nnrt_realloc(NULL, p->len - p->pos + 1);
    size_t k = 0;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        char c = p->s[p->pos++];
        if ((unsigned char)c < 0x20) {
            free(d);
            return fail(p, "control character in string");
        }
        if (c != '\\') {
            d[k++] = c;
        } else if (p->pos >= p->len || !parse_escape(p, d, &k)) {
            free(d);
            return p->pos >= p->len ? fail(p, "unterminated string") : false;
        }
    }
    if (p->pos >= p->len) {
        free(d);
        return fail(p, "unterminated string");
    }
    p->pos++;
    d[k] = '\0';
    *out = d;
    return true;
}

static bool parse_number(Parser *p, Json *out) {
    char buf[64];
    size_t n = 0;
    bool integer = true;
    while (p->pos < p->len && n < sizeof buf - 1 && strchr("+-0123456789.eE", p->s[p->pos])) {
        char c = p->s[p->pos++];
        if (c == '.' || c == 'e' || c == 'E')
            integer = false;
        buf[n++] = c;
    }
    buf[n] = '\0';
    char *end;
    out->kind = JSON_NUMBER;
    out->number = strtod(buf, &end);
    if (n == 0 || *end)
        return fail(p, "bad number");
    out->is_integer = integer;
    if (integer)
        out->integer = strtoll(buf, NULL, 10);
    return true;
}

static void push_item(Json *arr, char *key) {
    arr->items = nnrt_realloc(arr->items, sizeof(Json) * (size_t)(arr->n + 1));
    memset(&arr->items[arr->n], 0, sizeof(Json));
    if (arr->kind == JSON_OBJECT) {
        arr->keys = nnrt_realloc(arr->keys, sizeof(char *) * (size_t)(arr->n + 1));
        arr->keys[arr->n] = key;
    }
    arr->n++;
}

/* Shared by arrays and objects: `[ v, v ]` or `{ "k": v, "k": v }`. */
static bool parse_list(Parser *p, Json *out, int depth, bool object) {
    char close = object ? '}' : ']';
    out->kind = object ? JSON_OBJECT : JSON_ARRAY;
    p->pos++;
    skip_space(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return true;
    }
    for (;;) {
        char *key = NULL;
        skip_space(p);
        if (object) {
            if (p->pos >= p->len || p->s[p->pos] != '"')
                return fail(p, "expected a string key");
            if (!parse_string(p, &key))
                return false;
            skip_space(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                return fail(p, "expected ':'");
            }
            p->pos++;
        }
        push_item(out, key);
        if (!parse_value(p, &out->items[out->n - 1], depth + 1))
            return false;
        skip_space(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return true;
        }
        return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool parse_value(Parser *p, Json *out, int depth) {
    memset(out, 0, sizeof *out);
    if (depth > MAX_DEPTH)
        return fail(p, "nested too deeply");
    skip_space(p);
    if (p->pos >= p->len)
        return fail(p, "unexpected end");
    char c = p->s[p->pos];
    switch (c) {
    case '{': return parse_list(p, out, depth, true);
    case '[': return parse_list(p, out, depth, false);
    case '"': out->kind = JSON_STRING; return parse_string(p, &out->string);
    case 't': out->kind = JSON_BOOL; out->boolean = true; return expect_word(p, "true");
    case 'f': out->kind = JSON_BOOL; return expect_word(p, "false");
    case 'n': out->kind = JSON_NULL; return expect_word(p, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return parse_number(p, out);
        return fail(p, "unexpected character");
    }
}

bool nnrt_json_parse(const char *text, size_t len, Json *out, char *why, size_t why_size) {
    Parser p = {text, len, 0, why, why_size};
    if (!parse_value(&p, out, 0)) {
        nnrt_json_free(out);
        return false;
    }
    skip_space(&p);
    if (p.pos != len) {
        nnrt_json_free(out);
        return fail(&p, "trailing characters after the value");
    }
    return true;
}

void nnrt_json_free(Json *j) {
    for (int i = 0; i < j->n; i++) {
        nnrt_json_free(&j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->string);
    memset(j, 0, sizeof *j);
}

const Json *nnrt_json_get(const Json *object, const char *key) {
    if (object->kind != JSON_OBJECT)
        return NULL;
    for (int i = 0; i < object->n; i++)
        if (strcmp(object->keys[i], key) == 0)
            return &object->items[i];
    return NULL;
}

void nnrt_json_write_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}
