/*
 * core_latency.c — how long a cache line takes to travel between two cores of this
 * machine, the cost that decides how much a second thread can gain on a small model
 * (docs/performance.md, "sixth speed session"). Two threads, pinned to the first two
 * CPUs the process may run on, pass a counter back and forth through one cache line;
 * the round trip is the median of 9 runs of 100,000 exchanges. bench/compare.sh prints
 * it next to every 2-thread result.
 *
 *   cc -O2 -pthread bench/core_latency.c -o core_latency && ./core_latency
 *
 * Prints "core-to-core round trip: N ns (CPUs a and b)", or says why it could not
 * measure (a single CPU) and exits 1.
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
    return 0;
}
