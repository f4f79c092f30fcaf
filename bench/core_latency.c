/*
 * core_latency.c — how long a cache line takes to travel between two cores of this
 * machine, the cost that decides how much a second thread can gain on a small model
 * (docs/performance.md, "sixth speed session"), and whether the two CPUs are cores of
 * their own at all. Two threads, pinned to the first two CPUs the process may run on,
 * pass a counter back and forth through one cache line; the round trip is the median of
 * 9 runs of 100,000 exchanges. Then each CPU runs the same arithmetic (12 independent
 * chains of vector multiply-adds), alone and both at once: two hyperthreads of one core
 * share its arithmetic units, and at once each runs at about half its speed alone (a VM's
 * two vCPUs can be that, for minutes: docs/performance.md, seventeenth session), and then
 * no program gets much from a second thread. bench/compare.sh and bench/scaling.sh print
 * both next to every 2-thread result.
 *
 *   cc -O2 -pthread bench/core_latency.c -o core_latency && ./core_latency
 *
 * Prints "core-to-core round trip: N ns (CPUs a and b)" and "both CPUs computing at once:
 * each at P% of its speed alone", or says why it could not measure (a single CPU) and
 * exits 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { EXCHANGES = 100000, RUNS = 9 };

static _Alignas(64) atomic_long line; /* the counter both threads write, alone on its line */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* The other side: waits for each odd value and answers with the next even one. */
static void *answer(void *arg) {
    pin(*(int *)arg);
    for (long i = 0; i < (long)RUNS * EXCHANGES; i++) {
        while (atomic_load_explicit(&line, memory_order_acquire) != 2 * i + 1)
            ;
        atomic_store_explicit(&line, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

/* The arithmetic both CPUs run: 12 independent chains of 4-lane multiply-adds, enough
 * to keep a core's floating-point units busy. Returns its seconds. */
typedef float Lanes __attribute__((vector_size(16)));
enum { ARITH_STEPS = 20000000 };
static volatile float arith_sink;

static double arithmetic(void) {
    Lanes a[12], m = {0.5f, 0.5f, 0.5f, 0.5f}, c = {0.25f, 0.25f, 0.25f, 0.25f};
    for (int i = 0; i < 12; i++)
        a[i] = (Lanes){(float)i, 1, 2, 3};
    double start = now();
    for (long k = 0; k < ARITH_STEPS; k++)
        for (int i = 0; i < 12; i++)
            a[i] = a[i] * m + c;
    double secs = now() - start;
    float sum = 0;
    for (int i = 0; i < 12; i++)
        sum += a[i][0];
    arith_sink = sum;
    return secs;
}

static atomic_int arith_go; /* both threads start the arithmetic together */

static void *arithmetic_beside(void *arg) {
    pin(*(int *)arg);
    while (!atomic_load(&arith_go))
        ;
    arithmetic();
    return NULL;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    cpu_set_t allowed;
    int cpus[2], found = 0;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
        for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
            if (CPU_ISSET(c, &allowed))
                cpus[found++] = c;
    if (found < 2) {
        fprintf(stderr, "core_latency: needs two CPUs, this process may use %d\n", found);
        return 1;
    }
    pthread_t other;
    if (pthread_create(&other, NULL, answer, &cpus[1]) != 0) {
        fprintf(stderr, "core_latency: cannot start a thread\n");
        return 1;
    }
    pin(cpus[0]);
    double round_trip[RUNS];
    long v = 0;
    for (int run = 0; run < RUNS; run++) {
        double start = now();
        for (long i = 0; i < EXCHANGES; i++, v++) {
            atomic_store_explicit(&line, 2 * v + 1, memory_order_release);
            while (atomic_load_explicit(&line, memory_order_acquire) != 2 * v + 2)
                ;
        }
        round_trip[run] = (now() - start) / EXCHANGES * 1e9;
    }
    pthread_join(other, NULL);
    qsort(round_trip, RUNS, sizeof round_trip[0], compare);
    printf("core-to-core round trip: %.0f ns (CPUs %d and %d)\n", round_trip[RUNS / 2], cpus[0],
           cpus[1]);

    /* the best of 3 runs alone and of 2 together: a host's other work only slows runs */
    double alone = arithmetic(), together = 0;
    for (int k = 0; k < 2; k++) {
        double again = arithmetic();
        if (again < alone)
            alone = again;
    }
    for (int k = 0; k < 2; k++) {
        atomic_store(&arith_go, 0);
        if (pthread_create(&other, NULL, arithmetic_beside, &cpus[1]) != 0) {
            fprintf(stderr, "core_latency: cannot start a thread\n");
            return 1;
        }
        atomic_store(&arith_go, 1);
        double secs = arithmetic();
        pthread_join(other, NULL);
        if (k == 0 || secs < together)
            together = secs;
    }
    printf("both CPUs computing at once: each at %.0f%% of its speed alone%s\n",
           100 * alone / together,
           alone / together < 0.75 ? " (they share one core: a second thread cannot speed up "
                                     "arithmetic)" : "");
    return 0;
}
