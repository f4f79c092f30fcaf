/*
 * threadpool.c — pthread pool with a fixed partition (see threadpool.h).
 *
 * Generated kernels call nnrt_parallel_for many times per mini-batch, often on work of a
 * few microseconds, so waking sleeping threads through a condition variable every time
 * would dominate. Workers therefore spin for a short while on the job counter before
 * they sleep, and the caller only takes the mutex when some worker is actually asleep.
 * The sleepers/generation handshake uses sequentially consistent atomics on both sides,
 * which is what rules out the lost wakeup (Dekker's argument).
 */
#define _GNU_SOURCE 1 /* sched_getaffinity, CPU_COUNT */
#include "threadpool.h"

#include "cpus.h"
#include "stop_signals.h"
#include "util.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* How long an idle thread polls before it sleeps. Longer than the serial work between
 * two kernels of a batch (loss, small reductions, gathering the next batch), shorter
 * than anything a user would notice as a busy core. */
#define SPIN_SECONDS 200e-6

/* Tells the core we are spinning (saves power, frees the sibling hyperthread). */
static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Spinning threads give their core away (sched_yield) only after this long, so that the
 * common case, a worker waiting a few microseconds for the next kernel on a core of its
 * own, notices the job within a few pauses instead of after a system call. */
#define YIELD_AFTER_SECONDS 20e-6

/* One step of the idle work, if there is any; returns whether it did something. The
 * user count is raised before the work is read (both sequentially consistent), so
 * nnrt_pool_set_idle either sees this thread or this thread sees the new work. */
static bool idle_step(ThreadPool *p) {
    if (!atomic_load_explicit(&p->idle, memory_order_relaxed))
        return false;
    atomic_fetch_add(&p->idle_users, 1);
    const IdleWork *w = atomic_load(&p->idle);
    bool did = w && w->step(w->arg);
    atomic_fetch_sub(&p->idle_users, 1);
    return did;
}

/* The old work is taken away first and waited out, then the new one is published: a
 * thread that has already started on the new work is never waited for. Sleeping
 * workers are woken for new work (the offer is counted before the sleepers are looked
 * at, and a worker counts itself asleep before it checks the offers: no lost wakeup). */
void nnrt_pool_set_idle(ThreadPool *p, const IdleWork *w) {
    if (atomic_exchange(&p->idle, NULL))
        while (atomic_load(&p->idle_users) > 0)
            cpu_relax();
    atomic_store(&p->idle, w);
    if (!w)
        return;
    atomic_fetch_add(&p->idle_offers, 1);
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
}

/* A waiting thread's view of the idle work: once a step finds nothing left to do, the
 * thread stops asking until something new is offered. Asking costs two atomic updates
 * of a line every waiting thread writes: the thread that waits for a job would notice
 * it later, and the one waiting for the end of a job would notice that later. */
typedef struct IdleCursor {
    uint64_t exhausted; /* idle_offers when the work last ran out; UINT64_MAX: never */
} IdleCursor;

static bool idle_try(ThreadPool *p, IdleCursor *c) {
    uint64_t offers = atomic_load_explicit(&p->idle_offers, memory_order_acquire);
    if (offers == c->exhausted)
        return false;
    if (idle_step(p))
        return true;
    c->exhausted = offers; /* work offered after `offers` was read is seen next time */
    return false;
}

/* Polls until ready(p, arg) or SPIN_SECONDS pass; returns whether it became ready.
 * Between polls it does the idle work (which restarts the clock). Every 64 polls it
 * calls late(p, arg), if given (a wait that long is no longer the usual few hundred
 * nanoseconds between two threads), and reads the clock; after YIELD_AFTER_SECONDS it
 * also yields the core, so that with more threads than cores (or other busy processes)
 * the thread we are waiting for gets to run. */
static bool spin_until(ThreadPool *p, bool (*ready)(ThreadPool *, uint64_t), uint64_t arg,
                       void (*late)(ThreadPool *, uint64_t)) {
    IdleCursor idle = {UINT64_MAX};
    double start = 0;
    for (unsigned i = 0;; i++) {
        if (ready(p, arg))
            return true;
        if (idle_try(p, &idle)) {
            start = 0;
            continue;
        }
        cpu_relax();
        if ((i & 63) == 63) {
            if (late)
                late(p, arg);
            double now = nnrt_now();
            if (start == 0)
                start = now;
            else if (now - start > SPIN_SECONDS)
                return false;
            else if (now - start > YIELD_AFTER_SECONDS)
                sched_yield();
        }
    }
}

static bool new_job(ThreadPool *p, uint64_t seen) {
    return atomic_load_explicit(&p->generation, memory_order_acquire) != seen;
}

void nnrt_pool_range(int64_t n, int threads, int chunk, int64_t *begin, int64_t *end) {
    /* n * chunk cannot overflow for any n a buffer can hold (chunk < 1024 in practice). */
    *begin = n * chunk / threads;
    *end = n * (chunk + 1) / threads;
}

int nnrt_pool_cores(void) { return nnrt_usable_cpus(); }

/* Runs chunk c of job `generation` if nobody has taken it: generations only grow, so a
 * chunk whose stamp is older is free, and a stale thread (one that slept through a job)
 * fails on every chunk of a job that has moved on. Once the chunk is done its `done`
 * stamp says so, and a caller asleep on it is woken (the stamp is stored before the flag
 * is read, the caller sets the flag before it reads the stamps: one of them sees the
 * other). */
static void run_chunk(ThreadPool *p, int c, uint64_t generation) {
    atomic_uint_fast64_t *stamp = &p->chunks[c].claimed;
    uint64_t seen = atomic_load_explicit(stamp, memory_order_relaxed);
    if (seen >= generation || !atomic_compare_exchange_strong(stamp, &seen, generation))
        return;
    int64_t begin, end;
    nnrt_pool_range(p->n, p->threads, c, &begin, &end);
    if (begin < end)
        p->body(p->ctx, begin, end, c);
    atomic_store(&p->chunks[c].done, generation);
    if (atomic_load(&p->caller_waiting)) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

/* A worker sleeps until a new job, or new idle work (offered after it last looked:
 * idle work offered while it spun was done, or is being done, by the spin). Returns the
 * new generation, or the old one when the pool is stopping. */
static uint64_t wait_for_job(ThreadPool *p, uint64_t seen) {
    for (;;) {
        uint64_t offers = atomic_load(&p->idle_offers);
        if (spin_until(p, new_job, seen, NULL))
            return atomic_load(&p->generation);
        uint64_t g;
        pthread_mutex_lock(&p->mu);
        atomic_fetch_add(&p->sleepers, 1);
        while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->stop) &&
               atomic_load(&p->idle_offers) == offers)
            pthread_cond_wait(&p->wake, &p->mu);
        atomic_fetch_sub(&p->sleepers, 1);
        pthread_mutex_unlock(&p->mu);
        if (g != seen || atomic_load(&p->stop))
            return g;
    }
}

typedef struct WorkerArg {
    ThreadPool *pool;
    int chunk;
} WorkerArg;

/* A worker runs its own chunk of every job: the caller takes over the chunks of workers
 * that are late, so that no worker reads another thread's lines. With more threads than
 * cores, where some thread is always waiting for a core, every thread that has finished
 * its chunk runs any chunk nobody has started yet, as the caller does. */
static void *worker_main(void *arg) {
    WorkerArg *w = arg;
    ThreadPool *p = w->pool;
    int chunk = w->chunk;
    free(w);
    uint64_t seen = 0;
    for (;;) {
        uint64_t g = wait_for_job(p, seen);
        if (atomic_load(&p->stop))
            return NULL;
        seen = g;
        run_chunk(p, chunk, g);
        if (p->oversubscribed)
            for (int k = 1; k < p->threads; k++)
                run_chunk(p, (chunk + k) % p->threads, g);
    }
}

/* Starts threads 1 .. threads - 1 (the caller is thread 0). */
static bool start_workers(ThreadPool *p, char *err, size_t err_size) {
    for (int i = 1; i < p->threads; i++) {
        WorkerArg *w = malloc(sizeof *w);
        if (!p->workers || !w) {
            free(w);
            snprintf(err, err_size, "out of memory starting %d threads", p->threads);
            p->threads = i;
            nnrt_pool_free(p);
            return false;
        }
        w->pool = p;
        w->chunk = i;
        if (pthread_create(&p->workers[i - 1], NULL, worker_main, w) != 0) {
            free(w);
            snprintf(err, err_size, "cannot start thread %d of %d", i + 1, p->threads);
            p->threads = i; /* the ones already running get joined by nnrt_pool_free */
            nnrt_pool_free(p);
            return false;
        }
    }
    return true;
}

bool nnrt_pool_init(ThreadPool *p, int threads, char *err, size_t err_size) {
    p->threads = threads < 1 ? 1 : threads;
    p->oversubscribed = p->threads > nnrt_pool_cores();
    p->serial = false;
    p->workers = NULL;
    p->body = NULL;
    p->ctx = NULL;
    p->n = 0;
    atomic_init(&p->generation, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->caller_waiting, false);
    atomic_init(&p->busy, false);
    atomic_init(&p->idle, NULL);
    atomic_init(&p->idle_users, 0);
    atomic_init(&p->idle_offers, 0);
    atomic_init(&p->stop, false);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    p->chunks = NULL;
    if (p->threads == 1)
        return true;
    p->chunks = nnrt_alloc(sizeof *p->chunks * (size_t)p->threads); /* 64-aligned */
    for (int c = 0; c < p->threads; c++) {
        atomic_init(&p->chunks[c].claimed, 0);
        atomic_init(&p->chunks[c].done, 0);
    }
    p->workers = calloc((size_t)p->threads - 1, sizeof(pthread_t));
    /* The workers block SIGINT, SIGTERM and SIGHUP (they inherit the mask of the thread that starts
     * them): the trainer's thread asks for them between two steps (stop_signals.h), and
     * the kernel would hand a signal to any thread that does not block it. */
    sigset_t stop, before;
    nnrt_stop_signals_set(&stop);
    pthread_sigmask(SIG_BLOCK, &stop, &before);
    bool started = start_workers(p, err, err_size);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    return started;
}

void nnrt_pool_free(ThreadPool *p) {
    if (p->threads == 0)
        return;
    if (p->workers) {
        pthread_mutex_lock(&p->mu);
        atomic_store(&p->stop, true);
        atomic_fetch_add(&p->generation, 1);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
        for (int i = 0; i < p->threads - 1; i++)
            pthread_join(p->workers[i], NULL);
        free(p->workers);
        p->workers = NULL;
    }
    nnrt_free(p->chunks);
    p->chunks = NULL;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    p->threads = 0; /* freed: a second nnrt_pool_free (after a failed init) does nothing */
}

static bool all_done(ThreadPool *p, uint64_t generation) {
    for (int c = 0; c < p->threads; c++)
        if (atomic_load_explicit(&p->chunks[c].done, memory_order_acquire) != generation)
            return false;
    return true;
}

/* The caller takes over every chunk not started yet (workers asleep or not scheduled). */
static void take_over(ThreadPool *p, uint64_t generation) {
    for (int c = 1; c < p->threads; c++)
        run_chunk(p, c, generation);
}

static void wait_for_workers(ThreadPool *p, uint64_t generation) {
    if (spin_until(p, all_done, generation, take_over))
        return;
    take_over(p, generation);
    atomic_store(&p->caller_waiting, true);
    atomic_thread_fence(memory_order_seq_cst); /* the flag before the stamps are read */
    pthread_mutex_lock(&p->mu);
    while (!all_done(p, generation))
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    atomic_store(&p->caller_waiting, false);
}

void nnrt_parallel_for(NnrtPool *pool, int64_t n, NnrtBody body, void *ctx) {
    if (n <= 0)
        return;
    if (!pool || pool->threads == 1 || pool->serial) {
        body(ctx, 0, n, 0);
        return;
    }
    if (atomic_exchange(&pool->busy, true)) {
        fprintf(stderr, "nnrt: internal error: nested nnrt_parallel_for on one pool\n");
        abort();
    }
    pool->body = body;
    pool->ctx = ctx;
    pool->n = n;
    uint64_t generation = atomic_load_explicit(&pool->generation, memory_order_relaxed) + 1;
    atomic_store(&pool->generation, generation);
    bool asleep = atomic_load(&pool->sleepers) > 0;
    if (asleep) {
        pthread_mutex_lock(&pool->mu);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mu);
    }
    run_chunk(pool, 0, generation);
    /* a sleeping worker takes tens of microseconds to wake up */
    if (asleep || pool->oversubscribed)
        take_over(pool, generation);
    wait_for_workers(pool, generation);
    atomic_store(&pool->busy, false);
}

void nnrt_pool_set_serial(ThreadPool *p, bool serial) { p->serial = serial; }

int nnrt_pool_threads(const NnrtPool *pool) { return pool ? pool->threads : 1; }
