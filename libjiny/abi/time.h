/*
 * time.h - Linux ABI, part of abi/linux.h (include that; it says how the
 * names are made): time values, clocks, interval timers and clock ticks
 * (uapi linux/time_types.h, linux/time.h, asm-generic/param.h, linux/times.h).
 */
#ifndef JINY_ABI_TIME_H
#define JINY_ABI_TIME_H

#include "kern/kern.h"

struct timespec_k {
	long tv_sec, tv_nsec;
};

struct timeval_k {
	long tv_sec, tv_usec;
};

/* clock_gettime & co. */
#define CLOCK_REALTIME_K 0
#define CLOCK_MONOTONIC_K 1
#define CLOCK_PROCESS_CPUTIME_ID_K 2
#define CLOCK_THREAD_CPUTIME_ID_K 3
#define CLOCK_MONOTONIC_RAW_K 4
#define CLOCK_REALTIME_COARSE_K 5
#define CLOCK_MONOTONIC_COARSE_K 6
#define CLOCK_BOOTTIME_K 7
#define TIMER_ABSTIME_K 1

/* getitimer/setitimer (alarm is ITIMER_REAL in whole seconds) */
#define ITIMER_REAL_K 0
#define ITIMER_VIRTUAL_K 1
#define ITIMER_PROF_K 2

struct itimerval_k {
	struct timeval_k it_interval, it_value;
};

/* Clock ticks per second of times(), /proc and sysconf(_SC_CLK_TCK). */
#define USER_HZ_K 100

struct tms_k {
	long tms_utime, tms_stime, tms_cutime, tms_cstime; /* clock ticks */
};

#endif
