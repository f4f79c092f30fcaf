/*
 * keras_opt.c — see keras_opt.h. Each update below is transcribed from the formula in
 * the Keras 3 source named beside it; the state starts as Keras builds it (zeros, or
 * initial_accumulator for Adagrad, 1 for Nadam's u_product).
 */
#include "keras_opt.h"

#include <math.h>
#include <string.h>

/* ORDER OPT_CASES: the list in tests.cmake names these cases. Learning rates are
 * larger than Keras' defaults where the default would move the weights too little to
 * tell a wrong formula from a right one (the *_default cases keep Keras' numbers). */
const OptCase opt_cases[] = {
    {"sgd", "sgd(lr=0.1)", K_SGD, .lr = 0.1},
    {"sgd_default", "sgd()", K_SGD, .lr = 0.01},
    {"sgd_momentum", "sgd(lr=0.1, momentum=0.9)", K_SGD, .lr = 0.1, .momentum = 0.9},
    {"sgd_nesterov", "sgd(lr=0.1, momentum=0.9, nesterov=true)", K_SGD, .lr = 0.1,
     .momentum = 0.9, .nesterov = true},
    {"sgd_l2", "sgd(lr=0.1)", K_SGD, .lr = 0.1, .l2 = 0.05},
    {"sgd_clipvalue", "sgd(lr=0.1, clipvalue=0.1)", K_SGD, .lr = 0.1, .clipvalue = 0.1},
    {"adagrad", "adagrad(lr=0.1)", K_ADAGRAD, .lr = 0.1, .initial_accumulator = 0.1,
     .epsilon = 1e-7},
    {"adagrad_options", "adagrad(lr=0.1, initial_accumulator=0.5, epsilon=1e-3)", K_ADAGRAD,
     .lr = 0.1, .initial_accumulator = 0.5, .epsilon = 1e-3},
    {"rmsprop", "rmsprop(lr=0.01)", K_RMSPROP, .lr = 0.01, .rho = 0.9, .epsilon = 1e-7},
    {"rmsprop_default", "rmsprop()", K_RMSPROP, .lr = 0.001, .rho = 0.9, .epsilon = 1e-7},
    {"rmsprop_momentum", "rmsprop(lr=0.01, rho=0.8, momentum=0.5)", K_RMSPROP, .lr = 0.01,
     .rho = 0.8, .momentum = 0.5, .epsilon = 1e-7},
    {"adadelta", "adadelta(lr=1.0)", K_ADADELTA, .lr = 1.0, .rho = 0.95, .epsilon = 1e-7},
    {"adadelta_options", "adadelta(lr=1.0, rho=0.5, epsilon=1e-4)", K_ADADELTA, .lr = 1.0,
     .rho = 0.5, .epsilon = 1e-4},
    {"adam", "adam(lr=0.01)", K_ADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-7},
    {"adam_default", "adam()", K_ADAM, .lr = 0.001, .beta1 = 0.9, .beta2 = 0.999,
     .epsilon = 1e-7},
    {"adam_options", "adam(lr=0.01, beta1=0.8, beta2=0.9, epsilon=1e-3)", K_ADAM, .lr = 0.01,
     .beta1 = 0.8, .beta2 = 0.9, .epsilon = 1e-3},
    {"adam_amsgrad", "adam(lr=0.3, beta2=0.5, amsgrad=true)", K_ADAM, .lr = 0.3, .beta1 = 0.9,
     .beta2 = 0.5, .epsilon = 1e-7, .amsgrad = true},
    {"adam_clipnorm", "adam(lr=0.01, clipnorm=0.1)", K_ADAM, .lr = 0.01, .beta1 = 0.9,
     .beta2 = 0.999, .epsilon = 1e-7, .clipnorm = 0.1},
    {"nadam", "nadam(lr=0.01)", K_NADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999,
     .epsilon = 1e-7},
    {"adamw", "adamw(lr=0.01)", K_ADAMW, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999,
     .epsilon = 1e-7, .weight_decay = 0.004},
    {"adamw_decay", "adamw(lr=0.01, weight_decay=0.5)", K_ADAMW, .lr = 0.01, .beta1 = 0.9,
     .beta2 = 0.999, .epsilon = 1e-7, .weight_decay = 0.5},
};
const int n_opt_cases = (int)(sizeof opt_cases / sizeof opt_cases[0]);

const OptCase *opt_case(const char *name) {
    for (int i = 0; i < n_opt_cases; i++)
        if (strcmp(opt_cases[i].name, name) == 0)
            return &opt_cases[i];
    return NULL;
}

const double opt_w0[OPT_NP] = {0.5, -0.3, 0.2, 0.8, -0.6, 0.1, /* W (3, 2) */ 0.05, -0.1};
const float opt_x[OPT_ROWS][OPT_X] = {{1.0f, -0.5f, 0.25f}, {0.5f, 1.5f, -1.0f}};
const float opt_y[OPT_ROWS][OPT_Y] = {{0.75f, -0.25f}, {-0.5f, 1.25f}};

/* Keras MeanSquaredError: mean over the outputs, then over the batch, plus the L2
 * regularizer l2·Σ W² on the kernel only. Returns g = dL/dw in the layout of w. */
static void gradient(const OptCase *c, const double *w, double *g) {
    memset(g, 0, sizeof(double) * OPT_NP);
    for (int r = 0; r < OPT_ROWS; r++)
        for (int k = 0; k < OPT_Y; k++) {
            double p = w[OPT_NW + k];
            for (int i = 0; i < OPT_X; i++)
                p += opt_x[r][i] * w[i * OPT_Y + k];
            double dp = 2.0 * (p - opt_y[r][k]) / (OPT_ROWS * OPT_Y);
            for (int i = 0; i < OPT_X; i++)
                g[i * OPT_Y + k] += opt_x[r][i] * dp;
            g[OPT_NW + k] += dp;
        }
    for (int i = 0; i < OPT_NW; i++)
        g[i] += 2.0 * c->l2 * w[i];
}

/* Optimizer._clip_gradients: clipnorm per variable (clip_by_norm: g·c / max(‖g‖, c)),
 * else clipvalue. */
static void clip(const OptCase *c, double *g) {
    static const int begin[2] = {0, OPT_NW}, end[2] = {OPT_NW, OPT_NP};
    for (int t = 0; t < 2; t++) {
        if (c->clipnorm > 0) {
            double sq = 0;
            for (int i = begin[t]; i < end[t]; i++)
                sq += g[i] * g[i];
            double norm = sqrt(sq);
            for (int i = begin[t]; i < end[t]; i++)
                g[i] = g[i] * c->clipnorm / fmax(norm, c->clipnorm);
        } else if (c->clipvalue > 0) {
            for (int i = begin[t]; i < end[t]; i++)
                g[i] = fmin(fmax(g[i], -c->clipvalue), c->clipvalue);
        }
    }
}

typedef struct State {
    double s0[OPT_NP], s1[OPT_NP], s2[OPT_NP];
    double u_product; /* Nadam */
} State;

/* sgd.py update_step */
static void sgd(const OptCase *c, double *w, double *m, double g) {
    if (c->momentum != 0) {
        *m = *m * c->momentum - g * c->lr;
        if (c->nesterov)
            *w += *m * c->momentum - g * c->lr;
        else
            *w += *m;
    } else {
        *w -= g * c->lr;
    }
}

/* adagrad.py: accumulator += g²; w −= lr·g / √(accumulator + ε) */
static void adagrad(const OptCase *c, double *w, double *acc, double g) {
    *acc += g * g;
    *w -= c->lr * g / sqrt(*acc + c->epsilon);
}

/* rmsprop.py (centered=False) */
static void rmsprop(const OptCase *c, double *w, double *vel, double *mom, double g) {
    *vel = c->rho * *vel + (1 - c->rho) * g * g;
    double increment = c->lr * g / sqrt(*vel + c->epsilon);
    if (c->momentum > 0) {
        *mom = c->momentum * *mom + increment;
        *w -= *mom;
    } else {
        *w -= increment;
    }
}

/* adadelta.py, rms(x) = √(x + ε) */
static void adadelta(const OptCase *c, double *w, double *ag, double *ad, double g) {
    *ag = c->rho * *ag + (1 - c->rho) * g * g;
    double delta = -(sqrt(*ad + c->epsilon) * g) / sqrt(*ag + c->epsilon);
    *ad = c->rho * *ad + (1 - c->rho) * delta * delta;
    *w += c->lr * delta;
}

/* adam.py; AdamW is Adam after Optimizer._apply_weight_decay (done by the caller) */
static void adam(const OptCase *c, double *w, double *m, double *v, double *vhat, double g,
                 int t) {
    double alpha = c->lr * sqrt(1 - pow(c->beta2, t)) / (1 - pow(c->beta1, t));
    *m += (g - *m) * (1 - c->beta1);
    *v += (g * g - *v) * (1 - c->beta2);
    double vv = *v;
    if (c->amsgrad) {
        *vhat = fmax(*vhat, *v);
        vv = *vhat;
    }
    *w -= *m * alpha / (sqrt(vv) + c->epsilon);
}

/* nadam.py: u_product was already multiplied by u_t in _backend_update_step. */
static void nadam(const OptCase *c, double *w, double *m, double *v, double u_product, double g,
                  int t) {
    double u_t = c->beta1 * (1.0 - 0.5 * pow(0.96, t));
    double u_t_1 = c->beta1 * (1.0 - 0.5 * pow(0.96, t + 1));
    double u_product_t_1 = u_product * u_t_1;
    double beta_2_power = pow(c->beta2, t);
    *m += (g - *m) * (1 - c->beta1);
    *v += (g * g - *v) * (1 - c->beta2);
    double m_hat = u_t_1 * *m / (1 - u_product_t_1) + (1 - u_t) * g / (1 - u_product);
    double v_hat = *v / (1 - beta_2_power);
    *w -= m_hat * c->lr / (sqrt(v_hat) + c->epsilon);
}

static void step(const OptCase *c, double *w, State *s, int t) {
    double g[OPT_NP];
    gradient(c, w, g);
    clip(c, g);
    if (c->kind == K_ADAMW) /* Optimizer._apply_weight_decay: w − w·wd·lr, every variable */
        for (int i = 0; i < OPT_NP; i++)
            w[i] = w[i] - w[i] * c->weight_decay * c->lr;
    if (c->kind == K_NADAM)
        s->u_product *= c->beta1 * (1.0 - 0.5 * pow(0.96, t));
    for (int i = 0; i < OPT_NP; i++) {
        switch (c->kind) {
        case K_SGD: sgd(c, &w[i], &s->s0[i], g[i]); break;
        case K_ADAGRAD: adagrad(c, &w[i], &s->s0[i], g[i]); break;
        case K_RMSPROP: rmsprop(c, &w[i], &s->s0[i], &s->s1[i], g[i]); break;
        case K_ADADELTA: adadelta(c, &w[i], &s->s0[i], &s->s1[i], g[i]); break;
        case K_ADAM:
        case K_ADAMW: adam(c, &w[i], &s->s0[i], &s->s1[i], &s->s2[i], g[i], t); break;
        case K_NADAM: nadam(c, &w[i], &s->s0[i], &s->s1[i], s->u_product, g[i], t); break;
        }
    }
}

void opt_reference(const OptCase *c, double w[OPT_NP]) {
    State s;
    memset(&s, 0, sizeof s);
    s.u_product = 1.0;
    if (c->kind == K_ADAGRAD)
        for (int i = 0; i < OPT_NP; i++)
            s.s0[i] = c->initial_accumulator;
    memcpy(w, opt_w0, sizeof opt_w0);
    for (int t = 1; t <= OPT_STEPS; t++)
        step(c, w, &s, t);
}
