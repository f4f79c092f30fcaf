/*
 * keras_opt.h — the optimizer cases of codegen.optimizer.*: a linear dense(2) layer on
 * 3 inputs, mean squared error, 2 examples, batch 2, trained for 3 steps from fixed
 * weights, and a plain-C reference of the same 3 steps written from Keras 3's update
 * rules (keras/src/optimizers/NAME.py: update_step, and Optimizer.apply for clipping and
 * weight decay), not from the compiler's loops.
 */
#ifndef CG_KERAS_OPT_H
#define CG_KERAS_OPT_H

#include <stdbool.h>

enum { OPT_X = 3, OPT_Y = 2, OPT_ROWS = 2, OPT_STEPS = 3 };
enum { OPT_NW = OPT_X * OPT_Y, OPT_NP = OPT_NW + OPT_Y }; /* W (3, 2) then b (2) */

typedef enum { K_SGD, K_ADAGRAD, K_RMSPROP, K_ADADELTA, K_ADAM, K_NADAM, K_ADAMW } KerasKind;

typedef struct OptCase {
    const char *name;   /* test name: codegen.optimizer.<name> */
    const char *spec;   /* the optimizer as written in the .nn file */
    KerasKind kind;
    /* every constant spelled out (Keras' defaults where spec leaves them out) */
    double lr, momentum, rho, epsilon, beta1, beta2, initial_accumulator, weight_decay;
    double clipnorm, clipvalue, l2;
    bool nesterov, amsgrad;
} OptCase;

extern const OptCase opt_cases[];
extern const int n_opt_cases;

const OptCase *opt_case(const char *name);
/* The initial weights and the data (exactly representable in float, as the runtime
 * keeps data as float). */
extern const double opt_w0[OPT_NP];
extern const float opt_x[OPT_ROWS][OPT_X], opt_y[OPT_ROWS][OPT_Y];
/* Runs the reference: w starts as opt_w0 and ends after OPT_STEPS updates. */
void opt_reference(const OptCase *c, double w[OPT_NP]);

#endif
