/*
 * sys_time.c - clocks and sleeping: clock_gettime/getres for REALTIME,
 * MONOTONIC (and _RAW, _COARSE), BOOTTIME, PROCESS/THREAD_CPUTIME;
 * gettimeofday, time, nanosleep and clock_nanosleep (relative and
 * TIMER_ABSTIME) on the scheduler's sleep list. A signal to a compat
 * process ends a sleep as on Linux: EINTR and the time left when a handler
 * ran, else the sleep goes on (restart_syscall for relative sleeps, the
 * call again for absolute ones).
 */
#include "syscall/sys.h"
#include "sched/sched.h"
#include "arch/arch.h"
#include "proc/proc.h"
#include "proc/signal.h"

static uint64_t thread_cpu_ns(void)
{
	uint64_t f = irq_save(); /* not switched out between the reads */
	uint64_t ns = thread_cpu_time(sched_current());
	irq_restore(f);
	return ns;
}

static long clock_read(int clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME_K:
	case CLOCK_REALTIME_COARSE_K:
		*ns = clock_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC_K:
	case CLOCK_MONOTONIC_RAW_K:
	case CLOCK_MONOTONIC_COARSE_K:
	case CLOCK_BOOTTIME_K:
		*ns = clock_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID_K: /* the caller's process: the HP app or a compat one */
		*ns = proc_cpu_ns(proc_current());
		return 0;
	case CLOCK_THREAD_CPUTIME_ID_K:
		*ns = thread_cpu_ns();
		return 0;
	}
	return -EINVAL;
}

long sys_clock_gettime(int clk, struct timespec_k *ts)
{
	uint64_t ns;
	long r = clock_read(clk, &ns);
	if (r < 0)
		return r;
	if (!uaccess_ok(ts, sizeof(*ts), true))
		return -EFAULT;
	ts->tv_sec = (long)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
	return 0;
}

long sys_clock_getres(int clk, struct timespec_k *ts)
{
	uint64_t ns;
	long r = clock_read(clk, &ns);
	if (r < 0)
		return r;
	if (ts) {
		if (!uaccess_ok(ts, sizeof(*ts), true))
			return -EFAULT;
		ts->tv_sec = 0;
		ts->tv_nsec = 1;
	}
	return 0;
}

long sys_gettimeofday(void *tvp, void *tz)
{
	struct timeval_k *tv = tvp;
	if (tv) {
		if (!uaccess_ok(tv, sizeof(*tv), true))
			return -EFAULT;
		uint64_t ns = clock_realtime_ns();
		tv->tv_sec = (long)(ns / 1000000000ULL);
		tv->tv_usec = (long)(ns % 1000000000ULL / 1000);
	}
	if (tz) {
		if (!uaccess_ok(tz, 8, true))
			return -EFAULT;
		memset(tz, 0, 8);
	}
	return 0;
}

long sys_time(long *t)
{
	long now = (long)(clock_realtime_ns() / 1000000000ULL);
	if (t) {
		if (!uaccess_ok(t, sizeof(*t), true))
			return -EFAULT;
		*t = now;
	}
	return now;
}

long timespec_get_ns(const struct timespec_k *ts, uint64_t *ns)
{
	if (!uaccess_ok(ts, sizeof(*ts), false))
		return -EFAULT;
	struct timespec_k t = *ts;
	if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000L)
		return -EINVAL;
	*ns = (uint64_t)t.tv_sec >= TIMESPEC_FOREVER / 1000000000ULL
		      ? TIMESPEC_FOREVER
		      : (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
	return 0;
}

/* Sleep until ns (monotonic): false when a signal (compat threads only) cut it short. */
static bool sleep_until_intr(uint64_t ns)
{
	return ns <= clock_ns() || !signal_sleep(ns);
}

static void put_rem(struct timespec_k *rem, uint64_t deadline)
{
	if (!rem || !uaccess_ok(rem, sizeof(*rem), true))
		return;
	uint64_t now = clock_ns(), left = deadline > now ? deadline - now : 0;
	rem->tv_sec = (long)(left / 1000000000ULL);
	rem->tv_nsec = (long)(left % 1000000000ULL);
}

/* restart_syscall of an interrupted relative sleep: the same deadline. */
static long sleep_restart(struct restart_block *rb)
{
	uint64_t deadline = rb->arg[0];
	struct timespec_k *rem = (struct timespec_k *)rb->arg[1];
	if (sleep_until_intr(deadline)) {
		if (rem && uaccess_ok(rem, sizeof(*rem), true))
			rem->tv_sec = rem->tv_nsec = 0;
		return 0;
	}
	put_rem(rem, deadline);
	rb->fn = sleep_restart; /* interrupted again: same again */
	return -ERESTART_RESTARTBLOCK;
}

static long sleep_ns(int clk, int flags, const struct timespec_k *req, struct timespec_k *rem)
{
	uint64_t t, now;
	long r = timespec_get_ns(req, &t);
	if (r < 0)
		return r;
	r = clock_read(clk, &now);
	if (r < 0 || clk == CLOCK_THREAD_CPUTIME_ID_K)
		return -EINVAL;
	uint64_t mono = clock_ns();
	uint64_t deadline = (flags & TIMER_ABSTIME_K) ? (t > now ? mono + (t - now) : mono)
						      : mono + t;
	if (!sleep_until_intr(deadline)) {
		if (flags & TIMER_ABSTIME_K)
			return -ERESTARTNOHAND; /* the call again reaches the same absolute time */
		put_rem(rem, deadline);
		struct restart_block *rb = signal_restart_block();
		if (!rb)
			return -EINTR;
		rb->fn = sleep_restart;
		rb->arg[0] = deadline;
		rb->arg[1] = (uint64_t)rem;
		return -ERESTART_RESTARTBLOCK;
	}
	if (rem && !(flags & TIMER_ABSTIME_K) && uaccess_ok(rem, sizeof(*rem), true))
		rem->tv_sec = rem->tv_nsec = 0;
	return 0;
}

long sys_nanosleep(const struct timespec_k *req, struct timespec_k *rem)
{
	return sleep_ns(CLOCK_MONOTONIC_K, 0, req, rem);
}

long sys_clock_nanosleep(int clk, int flags, const struct timespec_k *req, struct timespec_k *rem)
{
	long r = sleep_ns(clk, flags, req, rem);
	return r; /* clock_nanosleep returns the error itself; musl negates */
}
