/*
 * stop_signals.c — deferring SIGINT, SIGTERM and SIGHUP while training (see stop_signals.h).
 */
#include "stop_signals.h"
#include "util.h"

#include <pthread.h>
#include <time.h>

void nnrt_stop_signals_set(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

void nnrt_stop_signals_defer(StopSignals *s) {
    sigset_t set;
    nnrt_stop_signals_set(&set);
    s->signo = 0;
    s->next_look = 0;
    s->deferred = pthread_sigmask(SIG_BLOCK, &set, &s->before) == 0;
}

bool nnrt_stop_signals_polled(StopSignals *s) {
    if (s->signo)
        return true;
    double now = nnrt_now();
    if (now < s->next_look)
        return false;
    s->next_look = now + 0.01;
    return nnrt_stop_signals_arrived(s);
}

bool nnrt_stop_signals_arrived(StopSignals *s) {
    if (s->signo)
        return true;
    sigset_t pending;
    if (!s->deferred || sigpending(&pending) != 0)
        return false;
    int signo = sigismember(&pending, SIGINT) == 1    ? SIGINT
                : sigismember(&pending, SIGTERM) == 1 ? SIGTERM
                : sigismember(&pending, SIGHUP) == 1  ? SIGHUP
                                                      : 0;
    if (!signo)
        return false;
    /* take it: pending, it would end the process once the mask is restored */
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, signo);
    struct timespec now = {0, 0};
    sigtimedwait(&one, NULL, &now);
    s->signo = signo;
    return true;
}

void nnrt_stop_signals_restore(StopSignals *s) {
    if (!s->deferred)
        return;
    /* training stops: a second Ctrl-C, pressed while it did, is taken too, or unblocked it
     * would end the process before the message of the first is printed */
    sigset_t set;
    nnrt_stop_signals_set(&set);
    struct timespec now = {0, 0};
    while (s->signo && sigtimedwait(&set, NULL, &now) > 0)
        continue;
    pthread_sigmask(SIG_SETMASK, &s->before, NULL);
    s->deferred = false;
}

const char *nnrt_stop_signal_name(int signo) {
    return signo == SIGINT    ? "SIGINT (Ctrl-C)"
           : signo == SIGTERM ? "SIGTERM"
           : signo == SIGHUP  ? "SIGHUP (its terminal closed)"
                              : "a signal";
}
