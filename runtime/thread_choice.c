/*
 * thread_choice.c — `--threads auto`: all threads or one, whichever is faster now (see
 * thread_choice.h).
 */
#include "thread_choice.h"

#include <math.h>
#include <string.h>

void nnrt_choice_init(ThreadChoice *c, bool active) {
    memset(c, 0, sizeof *c);
    c->active = active;
    c->window = NNRT_CHOICE_WINDOWS; /* keeping all threads through the warm-up */
    c->keep_left = NNRT_CHOICE_WARMUP_SECONDS;
}

bool nnrt_choice_one(const ThreadChoice *c) { return c->active && c->one; }

/* Windows alternate, all threads first: all, one, all, one. */
static void start_window(ThreadChoice *c, int window) {
    c->window = window;
    c->one = window % 2 == 1;
    c->settle = NNRT_CHOICE_SETTLE_STEPS;
    c->window_seconds = 0;
    c->window_steps = 0;
}

/* The current window has run its steps: its seconds per step count for its way, and
 * after the last window the faster way is kept (all threads when they tie), longer when
 * it was clearly faster. */
static void end_window(ThreadChoice *c) {
    double per_step = c->window_seconds / (double)c->window_steps;
    if (per_step < c->best[c->one])
        c->best[c->one] = per_step;
    if (c->window + 1 < NNRT_CHOICE_WINDOWS) {
        start_window(c, c->window + 1);
        return;
    }
    c->one = c->best[1] < c->best[0];
    c->window = NNRT_CHOICE_WINDOWS;
    double faster = c->best[c->one], slower = c->best[!c->one];
    c->keep_left = slower >= NNRT_CHOICE_CLEAR_RATIO * faster ? NNRT_CHOICE_KEEP_LONG_SECONDS
                                                              : NNRT_CHOICE_KEEP_SECONDS;
    c->comparisons++;
}

void nnrt_choice_step(ThreadChoice *c, double seconds) {
    c->steps[nnrt_choice_one(c)]++;
    if (!c->active)
        return;
    if (c->window == NNRT_CHOICE_WINDOWS) { /* keeping */
        c->keep_left -= seconds;
        if (c->keep_left <= 0) {
            c->best[0] = c->best[1] = INFINITY;
            start_window(c, 0);
        }
        return;
    }
    if (c->settle > 0) {
        c->settle--;
        return;
    }
    c->window_seconds += seconds;
    if (++c->window_steps >= NNRT_CHOICE_WINDOW_STEPS &&
        c->window_seconds >= NNRT_CHOICE_WINDOW_SECONDS)
        end_window(c);
}
