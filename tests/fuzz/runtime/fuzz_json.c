/*
 * fuzz_json.c — the JSON reader of checkpoint headers (runtime/json.c) on its own, with
 * every string written back by nnrt_json_write_string and read again: the text a
 * checkpoint's header or its class_names metadata holds must survive the round trip.
 *
 * Input: JSON text.
 */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void round_trip(const char *s) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nnrt_json_write_string(f, s);
    fclose(f);
    Json back;
    char why[200];
    if (!nnrt_json_parse(text, len, &back, why, sizeof why) || back.kind != JSON_STRING ||
        strcmp(back.string, s) != 0) {
        fprintf(stderr, "fuzz: the string written as %s does not read back\n", text);
        abort();
    }
    nnrt_json_free(&back);
    free(text);
}

static void walk(const Json *j) {
    if (j->kind == JSON_STRING)
        round_trip(j->string);
    for (int i = 0; i < j->n; i++) {
        if (j->kind == JSON_OBJECT) {
            round_trip(j->keys[i]);
            if (nnrt_json_get(j, j->keys[i]) == NULL)
                abort();
        }
        walk(&j->items[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Json j;
    char why[200];
    if (nnrt_json_parse((const char *)data, size, &j, why, sizeof why)) {
        walk(&j);
        nnrt_json_free(&j);
    } else if (strncmp(why, "byte ", 5) != 0) {
        fprintf(stderr, "fuzz: the reason names no byte: %s\n", why);
        abort();
    }
    return 0;
}
