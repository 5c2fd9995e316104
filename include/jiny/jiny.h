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

/* Per-CPU counters since boot. */
struct jiny_cpu_stats {
	uint64_t timer_irqs;       /* LAPIC timer interrupts taken */
	uint64_t irqs;             /* all device interrupts taken (timer included) */
	uint64_t context_switches; /* thread switches on this CPU */
	uint64_t preemptions;      /* switches forced by the timer */
	uint64_t idle_ns;          /* time spent in the idle thread */
};

/* Number of CPUs the kernel runs on. */
int jiny_cpu_count(void);
/* Fill *st for CPU 'cpu' (0-based); -EINVAL for a CPU that does not exist. */
int jiny_cpu_stats(int cpu, struct jiny_cpu_stats *st);

/* Monotonic nanoseconds since boot (the clock behind CLOCK_MONOTONIC). */
uint64_t jiny_clock_ns(void);
/* The clock source in use, e.g. "kvmclock" or "tsc (calibrated against the PIT)". */
const char *jiny_clock_source(void);

#ifdef __cplusplus
}
#endif

#endif
