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

/* The stop signals but those ignored: nohup ignores SIGHUP, and a script's background job
 * SIGINT, so that the terminal's closing or its Ctrl-C leaves them running. Such a signal
 * must not be blocked: Linux discards an ignored signal only when it is not blocked, and
 * keeps a blocked one pending, which stopped training (nohup ./trainer stopped with
 * "training stopped by SIGHUP" when the terminal closed). */
static void heeded_signals(sigset_t *set) {
    nnrt_stop_signals_set(set);
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction action;
        if (sigaction(signals[i], NULL, &action) == 0 && !(action.sa_flags & SA_SIGINFO) &&
            action.sa_handler == SIG_IGN)
            sigdelset(set, signals[i]);
    }
}

void nnrt_stop_signals_defer(StopSignals *s) {
    heeded_signals(&s->heeded);
    s->signo = 0;
    s->next_look = 0;
    s->deferred = pthread_sigmask(SIG_BLOCK, &s->heeded, &s->before) == 0;
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
    /* only a heeded one: an ignored signal pending for another reason (a thread of the
     * pool blocks all three) is no request to stop */
    int signo = 0;
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0] && !signo; i++)
        if (sigismember(&s->heeded, signals[i]) == 1 && sigismember(&pending, signals[i]) == 1)
            signo = signals[i];
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
    struct timespec now = {0, 0};
    while (s->signo && sigtimedwait(&s->heeded, NULL, &now) > 0)
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
