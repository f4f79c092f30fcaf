/*
 * pipeline.h — the passes from source text to the loop IR, as the driver (main.c) runs
 * them, callable from elsewhere too (the front-end fuzzer, tests/fuzz/frontend/):
 *
 *   source_normalize → source_check_text → parse_program → pipeline_graph → pipeline_loops
 *
 * Errors in the input go to the Diag; nothing here prints otherwise or exits. An IR that
 * fails its consistency check is a compiler bug: "internal error" and abort().
 */
#ifndef NNLC_PIPELINE_H
#define NNLC_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "graph.h"
#include "loops.h"

/* The passes recurse as deep as the language's limits allow (docs/language.md §2: 10,000
 * levels in an expression, 20,000 through constants). That takes about 2 MB of stack in a
 * release build, 4 MB at -O0 and 32 MB with AddressSanitizer, so it is not left to the
 * main thread's `ulimit -s` (1 MB crashed nnlc at 20,000 levels through constants, 512 KB
 * at 10,000 in one expression): pipeline_call runs fn(arg) on a thread with a stack of
 * PIPELINE_STACK bytes (reserved address space, only what is used is touched) and returns
 * its result. If no such thread can be started, it calls fn on the caller's stack. */
enum { PIPELINE_STACK = 256 << 20 };
int pipeline_call(int (*fn)(void *), void *arg);

/* What a file's bytes become before the lexer sees them: a UTF-8 byte order mark is
 * dropped and a lone CR (old Mac line ends) becomes LF. buf holds n bytes and a NUL after
 * them; returns the new length (the NUL follows it). */
size_t source_normalize(char *buf, size_t n);

/* A .nn file is UTF-8 text without NUL bytes: binary input gets one clear error instead
 * of many. False (with the error in d) if it is not. */
bool source_check_text(Diag *d, const char *src, size_t len);

/* Sema, then (when it had no errors) the layout of parameters and activations and the
 * graph's consistency check. Returns sema_build's graph: NULL, or a graph that has
 * errors (d->nerrors; see Graph.model_ok) and no plan, or a planned, checked graph. */
Graph *pipeline_graph(Arena *a, Diag *d, const struct Program *prog, int elem_size);

/* A warning when training the planned graph needs more memory (the summary's "Memory at
 * batch" total) than this machine has: a model of 10^10 parameters compiled without a
 * word, and its trainer failed only when it allocated. A warning, not an error: the
 * trainer may run on a larger machine. pipeline_graph calls it; so does a caller that
 * plans a graph itself. */
void pipeline_check_memory(Diag *d, const Graph *g);

/* The planned graph lowered to loops, scheduled, shared and checked; NULL after errors. */
LoopProgram *pipeline_loops(Arena *a, Diag *d, const Graph *g, int elem_size,
                            int64_t parallel_min_work);

#endif
