/*
 * json.c — a recursive-descent JSON reader (RFC 8259) for safetensors headers.
 * Nesting is limited to 32 levels: a header is two deep, and the limit keeps a
 * malicious file from exhausting the stack.
 */
#include "json.h"

#include "util.h"

#include <errno.h>
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
    if (cp == 0)
        return p->pos -= 6, fail(p, "\\u0000 in a string (names cannot hold a NUL character)");
    *k += put_utf8(d + *k, cp);
    return true;
}

static bool parse_string(Parser *p, char **out) {
    p->pos++; /* opening quote */
    /* The text up to the closing quote bounds the string (an escape never decodes to
     * more bytes than it takes): room for it, not for the rest of the input, since a
     * header of a million names must not take a million copies of itself. */
    size_t end = p->pos;
    while (end < p->len && p->s[end] != '"')
        end += p->s[end] == '\\' ? 2 : 1;
    char *d = nnrt_realloc(NULL, (end < p->len ? end : p->len) - p->pos + 1);
    size_t k = 0;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        char c = p->s[p->pos++];
        if ((unsigned char)c < 0x20) {
            free(d);
            p->pos--;
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

/* Whether text is a number as JSON writes one: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 * (strtod also takes 01, +1, 1. and .5, which no JSON writer produces). */
static bool json_number_text(const char *t) {
    if (*t == '-')
        t++;
    if (*t == '0')
        t++;
    else if (*t >= '1' && *t <= '9')
        while (*t >= '0' && *t <= '9')
            t++;
    else
        return false;
    if (*t == '.') {
        if (!(*++t >= '0' && *t <= '9'))
            return false;
        while (*t >= '0' && *t <= '9')
            t++;
    }
    if (*t == 'e' || *t == 'E') {
        t++;
        if (*t == '+' || *t == '-')
            t++;
        if (!(*t >= '0' && *t <= '9'))
            return false;
        while (*t >= '0' && *t <= '9')
            t++;
    }
    return *t == '\0';
}

static bool parse_number(Parser *p, Json *out) {
    char buf[64];
    size_t n = 0, start = p->pos;
    bool integer = true;
    while (p->pos < p->len && n < sizeof buf - 1 && p->s[p->pos] &&
           strchr("+-0123456789.eE", p->s[p->pos])) {
        char c = p->s[p->pos++];
        if (c == '.' || c == 'e' || c == 'E')
            integer = false;
        buf[n++] = c;
    }
    buf[n] = '\0';
    char *end;
    out->kind = JSON_NUMBER;
    out->number = strtod(buf, &end);
    p->pos = start; /* a bad number is said where it starts */
    if (n == 0 || *end || !json_number_text(buf))
        return fail(p, "bad number");
    out->is_integer = integer;
    if (integer) {
        errno = 0;
        out->integer = strtoll(buf, NULL, 10);
        if (errno == ERANGE) /* it saturated, and a later check blamed the wrong value */
            return fail(p, "integer beyond the range of int64");
    }
    p->pos = start + n;
    return true;
}

static void push_item(Json *arr, char *key) {
    if (arr->n == arr->cap) { /* doubling: a header of a million entries is no million copies */
        arr->cap = arr->cap ? 2 * arr->cap : 8;
        arr->items = nnrt_realloc(arr->items, sizeof(Json) * (size_t)arr->cap);
        if (arr->kind == JSON_OBJECT)
            arr->keys = nnrt_realloc(arr->keys, sizeof(char *) * (size_t)arr->cap);
    }
    memset(&arr->items[arr->n], 0, sizeof(Json));
    if (arr->kind == JSON_OBJECT)
        arr->keys[arr->n] = key;
    arr->n++;
}

typedef struct KeyRef {
    const char *key;
    int index;
} KeyRef;

static int compare_keys(const void *a, const void *b) {
    const KeyRef *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Sorts the keys of an object (its `order`) and refuses one given twice, naming the byte
 * where it is given again (at[i]: where key i starts). */
static bool index_keys(Parser *p, Json *obj, const size_t *at) {
    size_t n = (size_t)obj->n;
    KeyRef *refs = nnrt_realloc(NULL, sizeof(KeyRef) * (n ? n : 1));
    for (size_t i = 0; i < n; i++)
        refs[i] = (KeyRef){obj->keys[i], (int)i};
    qsort(refs, n, sizeof(KeyRef), compare_keys);
    obj->order = nnrt_realloc(NULL, sizeof(int) * (n ? n : 1));
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        obj->order[i] = refs[i].index;
        if (ok && i > 0 && strcmp(refs[i - 1].key, refs[i].key) == 0) {
            p->pos = at[refs[i].index];
            char what[160];
            snprintf(what, sizeof what, "the key \"%.100s\" is given twice in an object",
                     refs[i].key);
            ok = fail(p, what);
        }
    }
    free(refs);
    return ok;
}

/* Shared by arrays and objects: `[ v, v ]` or `{ "k": v, "k": v }`. */
static bool parse_list(Parser *p, Json *out, int depth, bool object) {
    char close = object ? '}' : ']';
    out->kind = object ? JSON_OBJECT : JSON_ARRAY;
    p->pos++;
    skip_space(p);
    size_t *at = NULL; /* object: where each key starts */
    bool ok = false;
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        ok = true;
    }
    while (!ok) {
        char *key = NULL;
        skip_space(p);
        if (object) {
            size_t key_at = p->pos;
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, "expected a string key");
                break;
            }
            if (!parse_string(p, &key))
                break;
            skip_space(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                fail(p, "expected ':'");
                break;
            }
            p->pos++;
            if (out->n == out->cap)
                at = nnrt_realloc(at, sizeof(size_t) * (size_t)(out->cap ? 2 * out->cap : 8));
            at[out->n] = key_at;
        }
        push_item(out, key);
        if (!parse_value(p, &out->items[out->n - 1], depth + 1))
            break;
        skip_space(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            ok = true;
            break;
        }
        fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    if (ok && object)
        ok = index_keys(p, out, at);
    free(at);
    if (ok && out->n > 0 && out->n < out->cap) { /* no room kept past the items */
        out->items = nnrt_realloc(out->items, sizeof(Json) * (size_t)out->n);
        if (object)
            out->keys = nnrt_realloc(out->keys, sizeof(char *) * (size_t)out->n);
        out->cap = out->n;
    }
    return ok;
}

static bool parse_value(Parser *p, Json *out, int depth) {
    memset(out, 0, sizeof *out);
    if (depth > MAX_DEPTH)
        return fail(p, "nested too deeply");
    skip_space(p);
    out->at = p->pos;
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
    free(j->order);
    free(j->string);
    memset(j, 0, sizeof *j);
}

const Json *nnrt_json_get(const Json *object, const char *key) {
    if (object->kind != JSON_OBJECT || !object->order)
        return NULL;
    int lo = 0, hi = object->n; /* bisection over the keys in strcmp order */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, i = object->order[mid];
        int c = strcmp(object->keys[i], key);
        if (c == 0)
            return &object->items[i];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
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
