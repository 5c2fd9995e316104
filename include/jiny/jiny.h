/*
 * jiny.h - Jiny's public C API for applications linked with libjiny.a.
 *
 * Everything here is a thin wrapper over kernel objects; every function
 * returns 0 or a positive value on success and a negative errno value on
 * failure (no errno variable is set). Include <jiny/jiny.h> from an app built
 * with `$(pkg-config --cflags jiny)`.
 */
#ifndef JINY_JINY_H
#define JINY_JINY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JINY_VERSION_MAJOR 0
#define JINY_VERSION_MINOR 1
#define JINY_VERSION_PATCH 0

/* The version of the libjiny.a the app is linked with, e.g. "0.1.0". */
const char *jiny_version(void);

/* ---- CPUs ---- */

/* Number of CPUs the kernel started (ids 0 .. count-1), parked ones included. */
int jiny_cpu_count(void);
/* 1 if 'cpu' takes work, 0 if it is parked; -EINVAL for a CPU that does not exist. */
int jiny_cpu_online(int cpu);
/*
 * Elastic CPUs: park 'cpu' (it runs only its idle thread, takes no work and
 * halts; threads on it move to the other CPUs, pinned ones too) or bring it
 * back. -EINVAL for a bad id, -EBUSY to park the last CPU taking work.
 */
int jiny_cpu_park(int cpu);
int jiny_cpu_unpark(int cpu);

/* Per-CPU counters since boot. */
struct jiny_cpu_stats {
	uint64_t timer_irqs;       /* LAPIC timer interrupts taken */
	uint64_t irqs;             /* all interrupts taken (timer and IPIs included) */
	uint64_t context_switches; /* thread switches on this CPU */
	uint64_t preemptions;      /* switches forced by an interrupt */
	uint64_t idle_ns;          /* time spent in the idle thread */
	uint32_t nr_ready;         /* threads waiting for this CPU now */
	uint32_t parked;           /* 1 while parked */
};
/* Fill *st for CPU 'cpu'; -EINVAL for a CPU that does not exist. */
int jiny_cpu_stats(int cpu, struct jiny_cpu_stats *st);

/* ---- threads (any thread of the app: pthreads, jiny threads, main) ---- */

#define JINY_PRIO_HP 0     /* the app's class: above everything else (default) */
#define JINY_PRIO_NORMAL 1 /* below the app: runs when HP threads wait */

/*
 * Pin thread 'tid' (as gettid() returns; 0 = the caller) to 'cpu', or let it
 * run anywhere with cpu = -1. The thread moves at once. -ESRCH, -EINVAL.
 */
int jiny_thread_pin(int tid, int cpu);
/* Scheduling class of thread 'tid' (0 = the caller): JINY_PRIO_*. */
int jiny_thread_set_priority(int tid, int prio);

struct jiny_thread_info {
	int tid;
	int cpu;                  /* CPU it runs on, or last ran on */
	int priority;             /* JINY_PRIO_* */
	int pinned_cpu;           /* -1 when it may run anywhere */
	uint64_t run_ns;          /* CPU time used */
	uint64_t switches;        /* times it got the CPU */
	uint64_t preemptions;     /* times it lost the CPU to an interrupt */
	char name[16];
};
/* Fill *info for thread 'tid' (0 = the caller); -ESRCH if there is none. */
int jiny_thread_info(int tid, struct jiny_thread_info *info);

/* Monotonic nanoseconds since boot (the clock behind CLOCK_MONOTONIC). */
uint64_t jiny_clock_ns(void);
/* The clock source in use, e.g. "kvmclock" or "tsc (calibrated against the PIT)". */
const char *jiny_clock_source(void);

/*
 * Compat programs: start the static Linux ELF (or #! script) at 'path' in
 * ring 3, in an address space of its own, as a child of the app (which can
 * waitpid() for it and read its status). argv is NULL-terminated; envp NULL
 * gives PATH, HOME and TERM. The child gets a copy of the app's fds (those
 * with FD_CLOEXEC closed). Returns its pid, or -errno: -ENOENT, -EACCES,
 * -ENOEXEC (not a static x86-64 ELF: the console says why), -E2BIG,
 * -EAGAIN (RLIMIT_NPROC), -ENOMEM. posix_spawn() works too.
 */
int jiny_spawn(const char *path, char *const argv[], char *const envp[]);

#ifdef __cplusplus
}
#endif

#endif
