/*
 * thread_choice.h — `--threads auto`, the default: while training runs, every step uses
 * either all the pool's threads or the calling thread alone, whichever trained faster
 * when the two were last compared.
 *
 * A second thread does not always help. On a small model each step is a few dozen
 * microseconds of work split into many parallel loops, and what the threads exchange
 * (partial sums, activations, the weights one thread updated and the other reads) costs
 * a cache line's trip between two cores each time: on a machine where that trip is slow
 * (a VM whose vCPUs sit on different dies, docs/performance.md), two threads can train
 * slower than one, and a machine can move between the two states within minutes. So the
 * trainer measures instead of guessing: it runs a few milliseconds of steps each way,
 * twice (all threads, one thread, all, one), keeps the faster way for a second of
 * training, and compares again.
 *
 * Switching costs nothing in results: the generated code computes the same numbers at any
 * thread count (every sum has a fixed order, docs/ir.md §2), and one thread runs every
 * job whole, exactly as a 1-thread pool does. The weights after training are therefore
 * bit-identical to `--threads 1` and to `--threads N`.
 *
 * The choice is a state machine fed the steps' times by the caller, so that tests can
 * drive it with made-up ones.
 */
#ifndef NNRT_THREAD_CHOICE_H
#define NNRT_THREAD_CHOICE_H

#include <stdbool.h>
#include <stdint.h>

/* Every comparison: 4 windows (all, one, all, one), each at least this many steps and this
 * long, after a first step that does not count (it moves the data the other way has in
 * its caches); then the faster way is kept for a second, or for four when it was faster
 * by a quarter or more (a gap that large rarely closes within seconds). The times are the training
 * steps' own (loading the batch, forward, backward, update), so that validation,
 * checkpoints and progress output between them do not count. With windows of 10 ms, 1-4%
 * of training is spent comparing, half of it the slower way. Each
 * way's best window counts, so one window slowed by something else (another process, the
 * VM) does not decide. Training starts with all threads for a moment, so that no window
 * pays for the first touches of the buffers. */
#define NNRT_CHOICE_WINDOW_SECONDS 0.010
#define NNRT_CHOICE_WINDOW_STEPS 2
#define NNRT_CHOICE_SETTLE_STEPS 1
#define NNRT_CHOICE_WINDOWS 4
#define NNRT_CHOICE_KEEP_SECONDS 1.0
#define NNRT_CHOICE_KEEP_LONG_SECONDS 4.0
#define NNRT_CHOICE_CLEAR_RATIO 1.25
#define NNRT_CHOICE_WARMUP_SECONDS 0.05

typedef struct ThreadChoice {
    bool active;          /* false: --threads N or a 1-thread pool, always all threads */
    bool one;             /* the next steps run on the calling thread alone */
    int window;           /* comparing: the window running (0..NNRT_CHOICE_WINDOWS-1);
                           * NNRT_CHOICE_WINDOWS: keeping the faster way */
    double keep_left;     /* keeping: seconds of training until the next comparison */
    int settle;           /* comparing: steps of the current window still not counted */
    double window_seconds;/* comparing: the current window's counted steps, in seconds */
    int64_t window_steps;
    double best[2];       /* this comparison's fastest window, seconds per step: [0] all
                           * threads, [1] one thread */
    int64_t steps[2];     /* training steps run with all threads [0] and one thread [1] */
    int comparisons;      /* comparisons finished */
} ThreadChoice;

void nnrt_choice_init(ThreadChoice *c, bool active);
/* Whether the next training step runs on the calling thread alone. */
bool nnrt_choice_one(const ThreadChoice *c);
/* Counts a training step that took `seconds`, run the way nnrt_choice_one said, and
 * decides the way of the next one. */
void nnrt_choice_step(ThreadChoice *c, double seconds);

#endif
