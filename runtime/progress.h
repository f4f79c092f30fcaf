/*
 * progress.h — Keras-fit-style console output:
 *
 *   Epoch 1/5
 *   1500/1500 [==============================] - 3s 2ms/step - loss: 0.5012 - accuracy: 0.8234
 *
 * The verbosity is Keras' fit(verbose=). At 1, on a terminal, the bar is redrawn in place
 * with \r (at most 20 times a second) and shows an ETA while the epoch runs. At 2, and at
 * 1 when stdout is a file or a pipe, each epoch prints only its "Epoch" line and its
 * final line, without the bar, so logs stay readable. At 0 nothing is printed.
 */
#ifndef NNRT_PROGRESS_H
#define NNRT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct Progress {
    FILE *out;
    bool tty;          /* draw the bar: verbosity 1 on a terminal */
    bool quiet;        /* print nothing: verbosity 0 */
    int64_t steps;     /* batches in this epoch */
    double start;      /* epoch start time */
    double last_draw;
    int width;         /* characters of the last line drawn, to blank leftovers */
} Progress;

void nnrt_progress_init(Progress *p, FILE *out, int verbose); /* 0, 1 or 2 as Keras */
void nnrt_progress_epoch_begin(Progress *p, int epoch, int epochs, int64_t steps); /* 0-based */
/* True when a redraw is due (a terminal, not quiet, 50 ms since the last): lets the
 * caller skip formatting the metrics for steps that would not be shown. */
bool nnrt_progress_due(const Progress *p);
void nnrt_progress_step(Progress *p, int64_t done, const char *metrics);
void nnrt_progress_epoch_end(Progress *p, const char *metrics);
/* Ends a bar left drawn mid-epoch, so that a message does not start after it. */
void nnrt_progress_break(Progress *p);

/* " 2ms/step" in Keras' units: s, ms or us. */
void nnrt_format_step_time(char *buf, size_t size, double seconds_per_step);

#endif
