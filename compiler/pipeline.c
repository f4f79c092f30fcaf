/*
 * pipeline.c — the passes from source text to the loop IR (pipeline.h), shared by the
 * driver and the front-end fuzzer so that both run exactly the same checks.
 */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

size_t source_normalize(char *buf, size_t n) {
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 byte order mark (Windows
                                                          * editors): not part of the text */
        memmove(buf, buf + 3, n - 2);
        n -= 3;
    }
    for (size_t i = 0; i < n; i++) /* old Mac line ends: a lone CR ends a line too */
        if (buf[i] == '\r' && buf[i + 1] != '\n')
            buf[i] = '\n';
    return n;
}

bool source_check_text(Diag *d, const char *src, size_t len) {
    int line = 1, col = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == 0) {
            diag_file_error(d, "not a text file (NUL byte at offset %zu)", i);
            return false;
        }
        int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                                 : (c & 0xF8) == 0xF0 ? 3 : -1;
        bool bad = extra < 0 || i + (size_t)extra >= len + (extra ? 0 : 1);
        for (int k = 1; !bad && k <= extra; k++)
            bad = ((unsigned char)src[i + (size_t)k] & 0xC0) != 0x80;
        if (bad) {
            SrcLoc loc = {line, col, 1};
            diag_error(d, loc, "not a text file: invalid UTF-8 byte 0x%02x at offset %zu", c, i);
            return false;
        }
        i += (size_t)extra;
        if (c == '\n') {
            line++;
            col = 1;
        } else {
            col += 1 + extra;
        }
    }
    return true;
}

Graph *pipeline_graph(Arena *a, Diag *d, const Program *prog, int elem_size) {
    Graph *g = sema_build(a, d, prog);
    if (!g || d->nerrors)
        return g;
    graph_plan(g, a, elem_size);
    if (!graph_check(g, stderr))
        NNLC_UNREACHABLE("the graph IR is inconsistent");
    return g;
}

LoopProgram *pipeline_loops(Arena *a, Diag *d, const Graph *g, int elem_size,
                            int64_t parallel_min_work) {
    LoopProgram *lp = loop_lower(a, g, elem_size, d);
    if (!lp || d->nerrors)
        return NULL;
    loop_schedule(lp, parallel_min_work);
    loop_share(lp);
    if (!loop_check(lp, stderr))
        NNLC_UNREACHABLE("the loop IR is inconsistent");
    return lp;
}
