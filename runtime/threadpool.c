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
#include "threadpool.h"

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

/* Polls until ready(p, arg) or SPIN_SECONDS pass; returns whether it became ready.
 * Between polls it does the idle work (which restarts the clock). Every 64 polls it
 * reads the clock; after YIELD_AFTER_SECONDS it also yields the core, so that with more
 * threads than cores (or other busy processes) the thread we are waiting for gets to
 * run. */
static bool spin_until(ThreadPool *p, bool (*ready)(ThreadPool *, uint64_t), uint64_t arg) {
    double start = 0;
    for (unsigned i = 0;; i++) {
        if (ready(p, arg))
            return true;
        if (idle_step(p)) {
            start = 0;
            continue;
        }
        cpu_relax();
        if ((i & 63) == 63) {
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

static bool new_job(ThreadPool *p, uint64_t seen) { return atomic_load(&p->generation) != seen; }

static bool all_done(ThreadPool *p, uint64_t unused) { return atomic_load(&p->pending) == 0; }

void nnrt_pool_range(int64_t n, int threads, int chunk, int64_t *begin, int64_t *end) {
    /* n * chunk cannot overflow for any n a buffer can hold (chunk < 1024 in practice). */
    *begin = n * chunk / threads;
    *end = n * (chunk + 1) / threads;
}

int nnrt_pool_cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

/* Takes chunk c of job `generation` if nobody has: generations only grow, so a chunk
 * whose stamp is older is free, and a stale thread (one that slept through a job) fails
 * on every chunk of a job that has moved on. */
static bool claim(ThreadPool *p, int c, uint64_t generation) {
    atomic_uint_fast64_t *stamp = &p->claimed[c].generation;
    uint64_t seen = atomic_load(stamp);
    return seen < generation && atomic_compare_exchange_strong(stamp, &seen, generation);
}

static void run_chunk(ThreadPool *p, int chunk) {
    int64_t begin, end;
    nnrt_pool_range(p->n, p->threads, chunk, &begin, &end);
    if (begin < end)
        p->body(p->ctx, begin, end, chunk);
}

/* Runs chunk `own` of the job, then any chunk not started yet. Returns whether this
 * thread finished the job's last chunk. */
static bool run_chunks(ThreadPool *p, int own, uint64_t generation) {
    bool last = false;
    for (int k = 0; k < p->threads; k++) {
        int c = (own + k) % p->threads;
        if (claim(p, c, generation)) {
            run_chunk(p, c);
            last = atomic_fetch_sub(&p->pending, 1) == 1;
        }
    }
    return last;
}

/* Returns the new generation, or the old one when the pool is stopping. */
/* A worker sleeps until a new job, or new idle work (offered after it last looked:
 * idle work offered while it spun was done, or is being done, by the spin). */
static uint64_t wait_for_job(ThreadPool *p, uint64_t seen) {
    for (;;) {
        uint64_t offers = atomic_load(&p->idle_offers);
        if (spin_until(p, new_job, seen))
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
        if (run_chunks(p, chunk, g)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

bool nnrt_pool_init(ThreadPool *p, int threads, char *err, size_t err_size) {
    p->threads = threads < 1 ? 1 : threads;
    p->workers = NULL;
    p->body = NULL;
    p->ctx = NULL;
    p->n = 0;
    atomic_init(&p->generation, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->busy, false);
    atomic_init(&p->idle, NULL);
    atomic_init(&p->idle_users, 0);
    atomic_init(&p->idle_offers, 0);
    atomic_init(&p->stop, false);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    p->claimed = NULL;
    if (p->threads == 1)
        return true;
    p->claimed = nnrt_alloc(sizeof *p->claimed * (size_t)p->threads); /* 64-aligned */
    for (int c = 0; c < p->threads; c++)
        atomic_init(&p->claimed[c].generation, 0);
    p->workers = calloc((size_t)p->threads - 1, sizeof(pthread_t));
    for (int i = 1; i < p->threads; i++) {
        WorkerArg *w = malloc(sizeof *w);
        if (!p->workers || !w) {
            snprintf(err, err_size, "out of memory starting %d threads", p->threads);
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
    nnrt_free(p->claimed);
    p->claimed = NULL;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    p->threads = 0; /* freed: a second nnrt_pool_free (after a failed init) does nothing */
}

static void wait_for_workers(ThreadPool *p) {
    if (spin_until(p, all_done, 0))
        return;
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&p->pending) != 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void nnrt_parallel_for(NnrtPool *pool, int64_t n, NnrtBody body, void *ctx) {
    if (n <= 0)
        return;
    if (!pool || pool->threads == 1) {
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
    atomic_store(&pool->pending, pool->threads);
    uint64_t generation = atomic_fetch_add(&pool->generation, 1) + 1;
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mu);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mu);
    }
    run_chunks(pool, 0, generation);
    wait_for_workers(pool);
    atomic_store(&pool->busy, false);
}

int nnrt_pool_threads(const NnrtPool *pool) { return pool ? pool->threads : 1; }
