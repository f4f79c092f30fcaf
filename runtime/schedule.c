/*
 * schedule.c — learning-rate schedules and epoch-end monitors (see schedule.h).
 * Formulas, with t the number of updates already done (0 for the first step):
 *   step:        lr * factor^floor(epoch / every)
 *   exponential: lr * rate^(t / decay_steps)                 (Keras ExponentialDecay)
 *   cosine:      lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(t, D) / D)) + alpha)
 *                                                            (Keras CosineDecay)
 * sched_min_lr, when positive, floors every schedule.
 */
#include "schedule.h"

#include "util.h"

#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846
#define PLATEAU_MIN_DELTA 1e-4 /* Keras ReduceLROnPlateau default */

void nnrt_sched_init(Schedule *s, const NnrtModel *m, double base_lr) {
    s->m = m;
    s->base_lr = base_lr;
    s->plateau_lr = base_lr;
    s->plateau_best = INFINITY;
    s->plateau_wait = 0;
    s->run_steps = 0;
}

static double decayed(const Schedule *s, int epoch, int64_t step) {
    const NnrtModel *m = s->m;
    double t = (double)(step - 1);
    switch (m->schedule) {
    case NNRT_SCHED_STEP:
        return s->base_lr * pow(m->sched_factor, floor((double)epoch / (double)(m->sched_every > 0 ? m->sched_every : 1)));
    case NNRT_SCHED_EXPONENTIAL:
        return s->base_lr * pow(m->sched_rate, t / (double)(m->sched_decay_steps > 0 ? m->sched_decay_steps : 1));
    case NNRT_SCHED_COSINE: {
        /* decay_steps 0 means "over the whole run" (docs/language.md 6.2). */
        int64_t steps = m->sched_decay_steps > 0 ? m->sched_decay_steps : s->run_steps;
        double D = (double)(steps > 0 ? steps : 1);
        double cosine = 0.5 * (1 + cos(PI * fmin(t, D) / D));
        return s->base_lr * ((1 - m->sched_alpha) * cosine + m->sched_alpha);
    }
    case NNRT_SCHED_PLATEAU:
        return s->plateau_lr;
    default:
        return s->base_lr;
    }
}

double nnrt_sched_lr(const Schedule *s, int epoch, int64_t step) {
    double lr = decayed(s, epoch, step);
    return s->m->sched_min_lr > 0 && lr < s->m->sched_min_lr ? s->m->sched_min_lr : lr;
}

bool nnrt_sched_epoch_end(Schedule *s, double monitored) {
    if (s->m->schedule != NNRT_SCHED_PLATEAU)
        return false;
    if (monitored < s->plateau_best - PLATEAU_MIN_DELTA) {
        s->plateau_best = monitored;
        s->plateau_wait = 0;
        return false;
    }
    if (++s->plateau_wait < s->m->sched_patience || s->plateau_lr <= s->m->sched_min_lr)
        return false;
    s->plateau_wait = 0;
    s->plateau_lr = fmax(s->plateau_lr * s->m->sched_factor, s->m->sched_min_lr);
    return true;
}

void nnrt_es_init(EarlyStop *e, const NnrtModel *m) {
    memset(e, 0, sizeof *e);
    e->patience = m->early_stop_patience;
    e->min_delta = fabs(m->early_stop_min_delta);
    e->restore_best = m->early_stop_restore_best != 0;
    e->best = INFINITY;
    e->bytes = (size_t)m->param_size * (size_t)m->elem_size;
    if (e->patience > 0 && e->restore_best)
        e->best_params = nnrt_alloc(e->bytes);
}

void nnrt_es_free(EarlyStop *e) {
    nnrt_free(e->best_params);
    e->best_params = NULL;
}

bool nnrt_es_epoch_end(EarlyStop *e, double monitored, int epoch, void *params) {
    if (e->patience <= 0)
        return false;
    e->wait++;
    if (monitored < e->best - e->min_delta) {
        e->best = monitored;
        e->best_epoch = epoch;
        e->wait = 0;
        if (e->best_params) {
            memcpy(e->best_params, params, e->bytes);
            e->have_best = true;
        }
        return false;
    }
    if (e->wait < e->patience || epoch == 0)
        return false;
    if (e->have_best)
        memcpy(params, e->best_params, e->bytes);
    return true;
}

bool nnrt_es_train_end(EarlyStop *e, int last_epoch, void *params) {
    if (e->patience <= 0 || !e->have_best || e->best_epoch == last_epoch)
        return false;
    memcpy(params, e->best_params, e->bytes);
    return true;
}

bool nnrt_es_stopped(const EarlyStop *e, int epochs_done) {
    return e->patience > 0 && epochs_done > 1 && e->wait >= e->patience;
}
