/*
 * fuzz_frontend.c — a libFuzzer target for nnlc's front and middle end: one input is one
 * .nn file, run through the passes `nnlc --emit=loops` runs (compiler/pipeline.h):
 *
 *   normalize → check text → tokens (as --emit=tokens) → parse → AST dump → sema →
 *   summary, graph IR and dot (or, when only the train block has errors, the summary
 *   --summary still prints) → plan → loops → schedule → share → loop IR dump
 *
 * Every printed form goes to /dev/null (diagnostics too; FUZZ_SHOW=1 sends them to
 * stderr, to read what a saved input does). Code generation (cg_*.c) is not run.
 * A crash, an abort (internal error), a sanitizer report, a leak, more than -timeout
 * seconds or more than -rss_limit_mb is a finding: bad input must only get diagnostics.
 *
 * Build and run: tests/fuzz/frontend/run.sh [SECONDS]. The same file, linked with
 * replay.c instead of libFuzzer, replays every test model in `make check` (fuzz.replay).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "graph.h"
#include "loops.h"
#include "pipeline.h"

/* nnlc's own limit (main.c's MAX_SOURCE) is 16 MiB; libFuzzer's -max_len keeps inputs far
 * smaller, and a replayed file is not cut. */
enum { ELEM_SIZE = 4, PARALLEL_MIN_WORK = 16384 };

static FILE *sink(void) {
    static FILE *out;
    if (!out) {
        const char *show = getenv("FUZZ_SHOW");
        out = show && *show && strcmp(show, "0") != 0 ? stderr : fopen("/dev/null", "w");
        if (!out) {
            perror("fuzz_frontend: /dev/null");
            abort();
        }
    }
    return out;
}

static void front_end(Arena *arena, Diag *d, const char *src, size_t len, FILE *out) {
    if (!source_check_text(d, src, len))
        return;
    Diag tokens; /* --emit=tokens is a run of its own: its errors count apart */
    diag_init(&tokens, d->file, src, len, out);
    lex_dump_tokens(&tokens, src, len, out);
    diag_free(&tokens);
    Program *prog = parse_program(arena, d, src, len);
    if (d->nerrors)
        return;
    ast_print(prog, out);
    Graph *g = pipeline_graph(arena, d, prog, ELEM_SIZE);
    if (g && d->nerrors && g->model_ok) { /* what --summary prints for a bad train block */
        graph_plan(g, arena, ELEM_SIZE);
        summary_print(g, out);
    }
    if (!g || d->nerrors)
        return;
    summary_print(g, out);
    graph_print(g, out);
    graph_print_dot(g, out);
    LoopProgram *lp = pipeline_loops(arena, d, g, ELEM_SIZE, PARALLEL_MIN_WORK);
    if (lp)
        loop_print(lp, out);
}

typedef struct Input {
    const uint8_t *data;
    size_t size;
} Input;

static int run(void *p) {
    const Input *in = p;
    char *src = malloc(in->size + 1); /* nnlc reads a file into a NUL-terminated buffer */
    if (!src)
        return 0;
    memcpy(src, in->data, in->size);
    src[in->size] = '\0';
    size_t len = source_normalize(src, in->size);
    FILE *out = sink();
    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, "fuzz.nn", src, len, out);
    front_end(&arena, &d, src, len, out);
    fflush(out);
    diag_free(&d);
    arena_free(&arena);
    free(src);
    return 0;
}

/* nnlc runs its passes on a thread with a PIPELINE_STACK stack (pipeline_call); so does
 * the harness, on one thread kept for every input: a thread per input spent most of the
 * time clearing AddressSanitizer's shadow of the stack (6 times fewer inputs a second). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static const Input *pending; /* the input the worker is to run, NULL once it has */

static void *worker(void *unused) {
    (void)unused;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!pending)
            pthread_cond_wait(&changed, &lock);
        pthread_mutex_unlock(&lock);
        run((void *)pending);
        pthread_mutex_lock(&lock);
        pending = NULL;
        pthread_cond_broadcast(&changed);
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool started;
    if (!started) {
        pthread_attr_t attr;
        pthread_t thread;
        if (pthread_attr_init(&attr) != 0 ||
            pthread_attr_setstacksize(&attr, PIPELINE_STACK) != 0 ||
            pthread_create(&thread, &attr, worker, NULL) != 0) {
            fprintf(stderr, "fuzz_frontend: cannot start the worker thread\n");
            abort();
        }
        pthread_attr_destroy(&attr);
        started = true;
    }
    Input in = {data, size};
    pthread_mutex_lock(&lock);
    pending = &in;
    pthread_cond_broadcast(&changed);
    while (pending)
        pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    return 0;
}
