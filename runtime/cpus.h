/*
 * cpus.h — how many processors this process may run on: the trainer's threads
 * (--threads auto) and nnlc's parallel code generation (--jobs) both start one per CPU.
 * Header only, as the compiler links none of the runtime. Define _GNU_SOURCE before any
 * #include in a file that includes it (sched_getaffinity and CPU_COUNT are GNU's).
 */
#ifndef NNRT_CPUS_H
#define NNRT_CPUS_H

#include <sched.h>
#include <unistd.h>

/* The CPUs of the process's affinity (under `taskset -c 0` or a batch system's allocation
 * fewer than the machine has online, and a thread beyond them would only wait for a core
 * its sibling holds), else those online; at least 1. */
static inline int nnrt_usable_cpus(void) {
#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) >= 1)
        return CPU_COUNT(&allowed);
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

#endif
