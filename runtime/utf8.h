/*
 * utf8.h — reading UTF-8 and telling which characters a terminal must not be sent as
 * they are: nnlc's diagnostics and lexer (compiler/diag.c, lexer.l) and the trainer's
 * messages and CSV class names (runtime/util.c, data_csv.c). Header only, because the two
 * are separate programs and the compiler links none of the runtime.
 */
#ifndef NNRT_UTF8_H
#define NNRT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The length (1 to 4) of the UTF-8 character text[0, n) starts, its code point in *cp
 * (if cp is not NULL); 0 when its first bytes start none (RFC 3629: no overlong forms,
 * surrogates or code points past U+10FFFF), or when the character runs past n. Bytes are
 * read one at a time and the first that does not fit ends it, so a NUL-terminated text
 * may pass a larger n. */
static inline int nnrt_utf8_decode(const char *text, size_t n, uint32_t *cp) {
    const unsigned char *s = (const unsigned char *)text;
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    int len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
            : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0)
        return 0;
    uint32_t code = len == 1 ? c : c & (0x7Fu >> len);
    for (int k = 1; k < len; k++) {
        if ((size_t)k >= n)
            return 0;
        /* the second byte's range shuts out overlong forms, surrogates and past U+10FFFF */
        unsigned char lo = k > 1 ? 0x80 : c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
        unsigned char hi = k > 1 ? 0xBF : c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
        if (s[k] < lo || s[k] > hi)
            return 0;
        code = code << 6 | (s[k] & 0x3Fu);
    }
    if (cp)
        *cp = code;
    return len;
}

/* Unicode's bidirectional formatting characters (ALM U+061C, LRM and RLM U+200E/F, the
 * embeddings and overrides U+202A..E, the isolates U+2066..9): invisible, they reorder
 * how a terminal or an editor shows the text after them ("Trojan Source"). */
static inline bool nnrt_bidi_control(uint32_t c) {
    return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

/* Whether c is never written to a terminal as it is: the C0 controls (an ESC starts a
 * sequence that recolors or moves the cursor; tab and line breaks are for each caller to
 * allow), DEL, the C1 controls (U+009B is a terminal's CSI) and the bidirectional ones. */
static inline bool nnrt_terminal_control(uint32_t c) {
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || nnrt_bidi_control(c);
}

#endif
