/*
 * edit_distance.h — how many edits make one word another, for "did you mean": nnlc's
 * names and options (compiler/diag.c) and the trainer's options (runtime/cli.c). Header
 * only, because the two are separate programs and the compiler links none of the runtime.
 */
#ifndef NNRT_EDIT_DISTANCE_H
#define NNRT_EDIT_DISTANCE_H

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* Longer words are not compared (their distance is NNRT_FAR): names and options are short. */
enum { NNRT_EDIT_MAX_LEN = 64, NNRT_FAR = 1000 };

/* Letters match in any case: 'ReLU' is 'relu' misspelled by none, --Epochs is --epochs. */
static inline bool nnrt_same_letter(char a, char b) {
    return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* The edits between a[0..n) and b: inserting, deleting or replacing a letter, or swapping
 * two neighbours (optimal string alignment): 'emti' is 'emit' misspelled once, as a typist
 * sees it, where Levenshtein counts two, over the limit of a four-letter word. */
static inline int nnrt_edit_distance(const char *a, size_t n, const char *b) {
    size_t m = strlen(b);
    if (n > NNRT_EDIT_MAX_LEN || m > NNRT_EDIT_MAX_LEN)
        return NNRT_FAR;
    int rows[3][NNRT_EDIT_MAX_LEN + 1]; /* distances of a's prefixes of length i-2, i-1, i */
    int *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int sub = prev[j - 1] + !nnrt_same_letter(a[i - 1], b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            int best = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (i > 1 && j > 1 && nnrt_same_letter(a[i - 1], b[j - 2]) &&
                nnrt_same_letter(a[i - 2], b[j - 1]) && before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            cur[j] = best;
        }
        int *oldest = before;
        before = prev;
        prev = cur;
        cur = oldest;
    }
    return prev[m];
}

#endif
