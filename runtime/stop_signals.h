/*
 * stop_signals.h — Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal closed) during
 * training end it between two steps, not in the middle of a checkpoint's write.
 *
 * Killed by either signal, the trainer left the temporary file of a save it was writing
 * (hundreds of megabytes for a large model) and said nothing about which epoch the
 * checkpoint holds (SIGHUP, until it was deferred too, left a FILE.tmp.PID.N). While
 * training, the trainer's thread blocks the three signals (the
 * thread pool's workers block them always), so one that arrives stays pending, and the
 * epoch loop asks at every step whether one is. No handler runs: no global flag.
 * A signal that was ignored when the trainer started (nohup, a shell's background job)
 * stays ignored.
 */
#ifndef NNRT_STOP_SIGNALS_H
#define NNRT_STOP_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

typedef struct StopSignals {
    sigset_t before; /* the thread's signal mask before nnrt_stop_signals_defer */
    sigset_t heeded; /* of the three, those not ignored when training began */
    bool deferred;
    int signo;       /* the signal that stopped training, or 0 */
    double next_look; /* nnrt_now() before which nnrt_stop_signals_polled does not ask */
} StopSignals;

/* SIGINT, SIGTERM and SIGHUP. */
void nnrt_stop_signals_set(sigset_t *set);
/* From now on the three signals, but those ignored (SIG_IGN), wait to be asked for
 * (nnrt_stop_signals_arrived). */
void nnrt_stop_signals_defer(StopSignals *s);
/* Whether one of them has arrived; takes it (s->signo) so that it does not kill the
 * process when nnrt_stop_signals_restore unblocks them. */
bool nnrt_stop_signals_arrived(StopSignals *s);
/* nnrt_stop_signals_arrived at most every 10 ms, for the training step: sigpending is a
 * system call (1.2 µs here, 1.5% of a small MLP's step), and no one notices 10 ms between
 * Ctrl-C and the stop. */
bool nnrt_stop_signals_polled(StopSignals *s);
/* The thread's signal mask as it was: a signal that arrives later ends the process. */
void nnrt_stop_signals_restore(StopSignals *s);
/* "SIGINT (Ctrl-C)", "SIGTERM", "SIGHUP (its terminal closed)" */
const char *nnrt_stop_signal_name(int signo);

#endif
