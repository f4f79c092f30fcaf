/*
 * threadpool.h — the ThreadPool behind nnrt_parallel_for (declared in nnrt.h).
 *
 * A pool of T threads splits each job into T chunks: chunk 0 is the caller's and chunk i
 * worker i's, so that a thread keeps meeting the same data (generated code relies on
 * it: a dense layer's rows of W stay with one thread from forward to update). A thread
 * that has finished its own chunk runs any chunk nobody has started yet, so a worker the
 * system has not scheduled (a busy machine, more threads than cores) delays a job by at
 * most one chunk instead of stalling it. Which thread runs a chunk never changes what it
 * computes: the partition of [0, n) depends only on n and T (see nnrt_pool_range), so a
 * kernel that writes each output from exactly one chunk gives bit-identical results for
 * a given thread count, run after run. Calls must not nest: a body must not call
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

/* A chunk's claim, alone on its cache line (threads claim their own chunks at once). */
typedef struct ChunkClaim {
    _Alignas(64) atomic_uint_fast64_t generation; /* the last job whose chunk was taken */
} ChunkClaim;

struct NnrtPool {
    int threads;             /* chunks per call, including the caller's */
    pthread_t *workers;      /* threads - 1 */
    pthread_mutex_t mu;
    pthread_cond_t wake;     /* workers sleep here between jobs */
    pthread_cond_t done;     /* the caller sleeps here for stragglers */
    /* the current job, published by bumping `generation` */
    NnrtBody body;
    void *ctx;
    int64_t n;
    atomic_uint_fast64_t generation;
    ChunkClaim *claimed;     /* per chunk */
    atomic_int pending;      /* chunks of the current job not finished yet */
    atomic_int sleepers;     /* workers blocked on `wake` */
    atomic_bool busy;        /* a job is running: catches nested calls */
    atomic_bool stop;
    /* On a cache line of their own: waiting threads count themselves in and out of
     * idle_users all the time, which must not slow down the job signals above. */
    _Alignas(64) _Atomic(const IdleWork *) idle; /* what waiting threads do, or NULL */
    atomic_int idle_users;   /* threads that may be inside idle->step */
    atomic_uint_fast64_t idle_offers; /* idle work published so far: wakes sleepers */
};

typedef struct NnrtPool ThreadPool;

/* Starts threads - 1 workers. threads < 1 is treated as 1. Returns false (with err) if
 * the system refuses to create threads. */
bool nnrt_pool_init(ThreadPool *p, int threads, char *err, size_t err_size);
void nnrt_pool_free(ThreadPool *p);

/* Makes w (or NULL: nothing) the pool's idle work. When it returns, no thread is still
 * running a step of the previous idle work, so its owner may change or free it. Only
 * the thread that calls nnrt_parallel_for may call this. */
void nnrt_pool_set_idle(ThreadPool *p, const IdleWork *w);

/* Chunk `chunk` of [0, n) split among `threads`: [n*chunk/T, n*(chunk+1)/T). */
void nnrt_pool_range(int64_t n, int threads, int chunk, int64_t *begin, int64_t *end);

/* Number of online processors, at least 1. */
int nnrt_pool_cores(void);

#endif
