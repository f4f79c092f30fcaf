/*
 * json.h — just enough JSON to read a safetensors header back: objects, arrays,
 * strings (with escapes), numbers, true/false/null. Integers up to 2^63 are kept
 * exactly in `integer` because data_offsets can exceed 2^53 for huge files.
 * Writing JSON is done with fprintf by checkpoint.c; only nnrt_json_write_string
 * (escaping) lives here.
 */
#ifndef NNRT_JSON_H
#define NNRT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    JSON_NULL,   /* */
    JSON_BOOL,   /* boolean */
    JSON_NUMBER, /* number, integer, is_integer */
    JSON_STRING, /* string */
    JSON_ARRAY,  /* items, n */
    JSON_OBJECT, /* keys, items, n */
} JsonKind;

typedef struct Json {
    JsonKind kind;
    bool boolean;
    double number;
    int64_t integer;
    bool is_integer;
    char *string;
    char **keys;
    struct Json *items;
    int n;
    int cap;       /* items (and keys) allocated */
    int *order;    /* object: the indices of keys in strcmp order, for nnrt_json_get */
    size_t at;     /* the byte of the text where the value starts, for messages */
} Json;

/* Parses text[0, len). On failure returns false and writes "byte N: what" into why. An
 * object that gives a key twice is refused (which one would count is anyone's guess), as
 * is a string holding \u0000 (names are C strings). */
bool nnrt_json_parse(const char *text, size_t len, Json *out, char *why, size_t why_size);
void nnrt_json_free(Json *j);
const Json *nnrt_json_get(const Json *object, const char *key); /* NULL if absent; O(log n) */
void nnrt_json_write_string(FILE *f, const char *s);

#endif
