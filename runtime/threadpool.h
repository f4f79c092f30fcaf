/*
 * threadpool.h — the ThreadPool behind nnrt_parallel_for (declared in nnrt.h).
 *
 * A pool of T threads splits each job into T chunks: chunk 0 is the caller's and chunk i
 * worker i's, so that a thread keeps meeting the same data (generated code relies on
 * it: a dense layer's rows of W stay with one thread from forward to update). The caller,
 * once its own chunk is done, runs the chunks of workers that are asleep, or that have
 * not started after 64 polls of its wait (a busy machine); with more threads than cores
 * every thread does, at once. So a worker the system has not scheduled delays a job by
 * at most one chunk instead of stalling it. Which thread runs a chunk never changes what
 * it computes: the partition of [0, n) depends only on n and T (see nnrt_pool_range), so
 * a kernel that writes each output from exactly one chunk gives bit-identical results
 * for a given thread count, run after run. Calls must not nest: a body must not call
 * nnrt_parallel_for on the same pool (that is a code generator bug and aborts).
 *
 * Between jobs, threads that wait (workers for the next job, the caller for the other
 * chunks) do the pool's idle work, if any: small steps that may run on any thread in any
 * order, such as copying the rows of the next mini-batch (loader.c).
 */
#ifndef NNRT_THREADPOOL_H
#define NNRT_THREADPOOL_H

#include "nnrt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Idle work: step(arg) does one small piece and returns whether it did anything. */
typedef struct IdleWork {
    bool (*step)(void *arg);
    void *arg;
} IdleWork;

/* A chunk's claim and completion, each alone on its cache line: the thread that runs the
 * chunk writes both, and the caller only reads `done` (and writes `claimed` only when it
 * takes over the chunk of a worker that is asleep or not scheduled). */
typedef struct ChunkState {
    _Alignas(64) atomic_uint_fast64_t claimed; /* the last job whose chunk was taken */
    _Alignas(64) atomic_uint_fast64_t done;    /* the last job whose chunk has finished */
} ChunkState;

struct NnrtPool {
    int threads;             /* chunks per call, including the caller's */
    pthread_t *workers;      /* threads - 1 */
    pthread_mutex_t mu;
    pthread_cond_t wake;     /* workers sleep here between jobs */
    pthread_cond_t done;     /* the caller sleeps here for stragglers */
    ChunkState *chunks;      /* per chunk */
    /* The current job, on one cache line written only by the caller: a worker that sees
     * the new generation has the rest of the job with it. */
    _Alignas(64) atomic_uint_fast64_t generation;
    NnrtBody body;
    void *ctx;
    int64_t n;
    /* Rarely written, read at every job: shared by every cache without traffic. */
    _Alignas(64) atomic_int sleepers; /* workers blocked on `wake` */
    atomic_bool caller_waiting;       /* the caller is blocked (or about to be) on `done` */
    atomic_bool stop;
    bool oversubscribed;              /* more threads than cores: everyone takes chunks */
    /* The caller's own. */
    _Alignas(64) atomic_bool busy;    /* a job is running: catches nested calls */
    bool serial;                      /* the caller runs every job whole, alone */
    /* Waiting threads count themselves in and out of idle_users while idle work is
     * offered, which must not slow down the job signals above. */
    _Alignas(64) _Atomic(const IdleWork *) idle; /* what waiting threads do, or NULL */
    atomic_int idle_users;   /* threads that may be inside idle->step */
    atomic_uint_fast64_t idle_offers; /* idle work published so far: wakes sleepers */
};

typedef struct NnrtPool ThreadPool;

/* Starts threads - 1 workers. threads < 1 is treated as 1. Returns false (with err) if
 * the system refuses to create threads. */
bool nnrt_pool_init(ThreadPool *p, int threads, char *err, size_t err_size);
void nnrt_pool_free(ThreadPool *p);

/* With serial set, nnrt_parallel_for runs body(ctx, 0, n, 0) on the calling thread, as a
 * 1-thread pool does (the same numbers: generated code never depends on the chunks); the
 * workers stay, and keep doing idle work. For `--threads auto` (thread_choice.h). Only
 * the thread that calls nnrt_parallel_for may call this. */
void nnrt_pool_set_serial(ThreadPool *p, bool serial);

/* Makes w (or NULL: nothing) the pool's idle work. When it returns, no thread is still
 * running a step of the previous idle work, so its owner may change or free it. Only
 * the thread that calls nnrt_parallel_for may call this. */
void nnrt_pool_set_idle(ThreadPool *p, const IdleWork *w);

/* Chunk `chunk` of [0, n) split among `threads`: [n*chunk/T, n*(chunk+1)/T). */
void nnrt_pool_range(int64_t n, int threads, int chunk, int64_t *begin, int64_t *end);

/* Number of processors this process may run on (its CPU affinity; else those online),
 * at least 1. */
int nnrt_pool_cores(void);

#endif
