/*
 * tst-sleep: sleeping and the clocks.
 *
 * nanosleep, usleep, clock_nanosleep relative and TIMER_ABSTIME on
 * CLOCK_MONOTONIC, CLOCK_REALTIME and CLOCK_BOOTTIME never wake before the
 * time asked (checked with clock_gettime on the same clock: exact, never
 * retried), nor more than 100 ms after it. On a busy host a vCPU that
 * should wake may wait for the host to run it, so a late wake-up is tried
 * again, up to 5 times, before it fails: a kernel that misses or misplaces a
 * timer is late every time. 16 threads sleeping different amounts at once,
 * likewise (the whole round is retried), and they sleep concurrently: all
 * of them take less than half the sum of their sleeps.
 * clock_getres of every clock. CLOCK_THREAD_CPUTIME_ID advances with work
 * (spinning: between half and all of the wall-clock time that passed around
 * it) and not with sleep (less than half of it, retried as above: a host
 * stall while the thread is on its CPU counts as CPU time in the guest);
 * CLOCK_PROCESS_CPUTIME_ID is at least the sum of its threads' (each
 * spinner gets at least a quarter of its own wall-clock time). BOOTTIME
 * tracks MONOTONIC; time() and gettimeofday() agree with CLOCK_REALTIME,
 * which is plausible (year 2024..2099) and moves with MONOTONIC; MONOTONIC
 * never goes backwards, within a thread or from one CPU to another (at least
 * 100 hand-overs, 20 s at most). Two clocks are compared with readings of
 * MONOTONIC taken just before and just after, so a stall between the reads
 * widens the window by what it lasted instead of failing the check.
 */
// VARIANT: smp2 --smp 2
// VARIANT: smp4 --smp 4
// TIMEOUT: 60
// EXPECT: ^tst: tst-sleep: [0-9]+ checks, 0 failures$
// EXPECT-NOT: ^FAIL
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include "tst.h"

#define LATE_NS 100000000LL	/* "not grossly late" under TCG */
#define TRIES 5			/* for a late wake-up: the host may be busy */

static int64_t ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec ts_of(int64_t v)
{
	struct timespec ts = { v / 1000000000, v % 1000000000 };
	return ts;
}

static int64_t worst_late;
static int retried;

enum { NANOSLEEP, USLEEP, MONO_REL, RT_REL, MONO_ABS, RT_ABS, BOOT_ABS, NKINDS };
static const char *kind_name[NKINDS] = {
	"nanosleep", "usleep", "clock_nanosleep MONOTONIC", "clock_nanosleep REALTIME",
	"clock_nanosleep MONOTONIC ABSTIME", "clock_nanosleep REALTIME ABSTIME",
	"clock_nanosleep BOOTTIME ABSTIME",
};

/* Sleeps d ns the given way; *want, *got: the end asked and the end seen,
 * on the clock that the sleep uses. Returns the call's result. */
static int sleep_once(int kind, int64_t d, int64_t *want, int64_t *got)
{
	static const clockid_t clk[NKINDS] = {
		CLOCK_MONOTONIC, CLOCK_MONOTONIC, CLOCK_MONOTONIC, CLOCK_REALTIME,
		CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME,
	};
	struct timespec ts = ts_of(d);
	int r;

	*want = ns(clk[kind]) + d;
	switch (kind) {
	case NANOSLEEP: r = nanosleep(&ts, NULL); break;
	case USLEEP: r = usleep(d / 1000); break;
	case MONO_REL:
	case RT_REL: r = clock_nanosleep(clk[kind], 0, &ts, NULL); break;
	default:
		ts = ts_of(*want);
		r = clock_nanosleep(clk[kind], TIMER_ABSTIME, &ts, NULL);
	}
	*got = ns(clk[kind]);
	return r;
}

/* A sleep of d ns: never early; late only on a busy host (tried again). */
static void check_sleep(int kind, int64_t d)
{
	for (int try = 1;; try++) {
		int64_t want, got, late;
		CHECK_EQ(sleep_once(kind, d, &want, &got), 0);
		late = got - want;
		if (late > worst_late)
			worst_late = late;
		if (!CHECK(late >= 0)) {
			printf("  %s %lld ms woke %lld ns early\n", kind_name[kind],
			       (long long)d / 1000000, (long long)-late);
			return;
		}
		if (late < LATE_NS) {
			retried += try > 1;
			return;
		}
		printf("  %s %lld ms woke %lld ms late (try %d of %d)\n", kind_name[kind],
		       (long long)d / 1000000, (long long)late / 1000000, try, TRIES);
		if (try == TRIES) {
			CHECK(late < LATE_NS);
			return;
		}
	}
}

static void test_sleeps(void)
{
	static const int ms[] = { 1, 3, 10, 25, 50 };
	struct timespec ts;
	int64_t t0;

	for (unsigned i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		for (int kind = 0; kind < NKINDS; kind++)
			check_sleep(kind, ms[i] * 1000000LL);

	/* zero, the past (at once: under LATE_NS, tried again), bad arguments */
	for (int try = 1;; try++) {
		ts = ts_of(0);
		t0 = ns(CLOCK_MONOTONIC);
		CHECK_EQ(nanosleep(&ts, NULL), 0);
		ts = ts_of(ns(CLOCK_MONOTONIC) / 2);	/* the past (boot may be < 1 s ago) */
		CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL), 0);
		if (ns(CLOCK_MONOTONIC) - t0 < LATE_NS || try == TRIES)
			break;
	}
	CHECK(ns(CLOCK_MONOTONIC) - t0 < LATE_NS);
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000000;
	errno = 0;
	CHECK_EQ(nanosleep(&ts, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL), EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	errno = 0;
	CHECK_EQ(nanosleep(&ts, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	ts = ts_of(1000000);
	CHECK_EQ(clock_nanosleep((clockid_t)12345, 0, &ts, NULL), EINVAL);
	printf("sleeps: worst lateness %lld us, %d tried again\n",
	       (long long)worst_late / 1000, retried);
}

/* ---- many sleepers ---- */

#define SLEEPERS 16
#define NAPS 4
static int64_t sl_early, sl_late, sl_worst;

static int64_t nap_ns(long i, int k) { return (i + 1) * 3000000LL + k * 1000000LL; }

static void *sleeper_fn(void *arg)
{
	long i = (long)arg;
	for (int k = 0; k < NAPS; k++) {
		int64_t d = nap_ns(i, k);
		int64_t t0 = ns(CLOCK_MONOTONIC);
		struct timespec ts = ts_of(d);
		if (i & 1) {
			nanosleep(&ts, NULL);
		} else {
			ts = ts_of(t0 + d);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		int64_t late = ns(CLOCK_MONOTONIC) - (t0 + d);
		if (late < 0)
			__atomic_add_fetch(&sl_early, 1, __ATOMIC_RELAXED);
		if (late >= LATE_NS)
			__atomic_add_fetch(&sl_late, 1, __ATOMIC_RELAXED);
		int64_t w = __atomic_load_n(&sl_worst, __ATOMIC_RELAXED);
		while (late > w && !__atomic_compare_exchange_n(&sl_worst, &w, late, 0,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	return NULL;
}

static void test_many_sleepers(void)
{
	pthread_t t[SLEEPERS];
	int64_t serial = 0, all = 0;
	long i;

	for (i = 0; i < SLEEPERS; i++)
		for (int k = 0; k < NAPS; k++)
			serial += nap_ns(i, k);
	for (int try = 1; try <= TRIES; try++) {
		int64_t t0 = ns(CLOCK_MONOTONIC);
		sl_late = 0;
		for (i = 0; i < SLEEPERS; i++)
			CHECK_EQ(pthread_create(&t[i], NULL, sleeper_fn, (void *)i), 0);
		for (i = 0; i < SLEEPERS; i++)
			pthread_join(t[i], NULL);
		all = ns(CLOCK_MONOTONIC) - t0;
		int late = sl_late || all >= serial / 2;
		printf("%d sleepers: worst lateness %lld us, all done in %lld ms "
		       "(%lld ms of sleeps in all)%s\n", SLEEPERS,
		       (long long)sl_worst / 1000, (long long)all / 1000000,
		       (long long)serial / 1000000,
		       late && try < TRIES ? ": late, trying again" : "");
		if (sl_early || !late)
			break;
	}
	CHECK_EQ(sl_early, 0);
	CHECK_EQ(sl_late, 0);
	/* they slept concurrently: not one after the other */
	CHECK(all < serial / 2);
}

/* ---- clocks ---- */

static volatile int spin_stop;
static int64_t spun_ns[2], spun_wall[2];

static void *spin_fn(void *arg)
{
	long i = (long)arg;
	int64_t m0 = ns(CLOCK_MONOTONIC), c0 = ns(CLOCK_THREAD_CPUTIME_ID);
	while (!spin_stop)
		;
	spun_ns[i] = ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	spun_wall[i] = ns(CLOCK_MONOTONIC) - m0;
	return NULL;
}

static void test_clocks(void)
{
	static const clockid_t clk[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
					 CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID };
	static const char *name[] = { "REALTIME", "MONOTONIC", "BOOTTIME",
				      "PROCESS_CPUTIME", "THREAD_CPUTIME" };
	struct timespec res;
	int64_t t0, c0, p0, w, span;
	int try;

	for (unsigned i = 0; i < 5; i++) {
		res.tv_sec = res.tv_nsec = -1;
		CHECK_EQ(clock_getres(clk[i], &res), 0);
		if (!CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000))
			printf("  clock_getres(%s) = %lld.%09ld\n", name[i],
			       (long long)res.tv_sec, res.tv_nsec);
	}
	errno = 0;
	CHECK_EQ(clock_getres((clockid_t)12345, &res), -1);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK_EQ(clock_gettime((clockid_t)12345, &res), -1);
	CHECK_EQ(errno, EINVAL);

	/* thread CPU time: advances with work (half to all of the time that
	 * passed around it), not with sleep (less than half, tried again) */
	t0 = ns(CLOCK_MONOTONIC);
	c0 = ns(CLOCK_THREAD_CPUTIME_ID);
	while (ns(CLOCK_MONOTONIC) - t0 < 100000000)
		;
	w = ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	span = ns(CLOCK_MONOTONIC) - t0;
	printf("%lld ms of spinning: thread CPU time +%lld ms\n", (long long)span / 1000000,
	       (long long)w / 1000000);
	CHECK(w >= span / 2 && w <= span);
	for (try = 1;; try++) {
		t0 = ns(CLOCK_MONOTONIC);
		c0 = ns(CLOCK_THREAD_CPUTIME_ID);
		usleep(100000);
		w = ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		span = ns(CLOCK_MONOTONIC) - t0;
		printf("%lld ms of sleep: thread CPU time +%lld us\n", (long long)span / 1000000,
		       (long long)w / 1000);
		if ((w >= 0 && w < span / 2) || try == TRIES)
			break;
	}
	CHECK(w >= 0 && w < span / 2);

	/* process CPU time: at least the sum of its threads' */
	pthread_t a, b;
	spin_stop = 0;
	p0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	pthread_create(&a, NULL, spin_fn, (void *)0);
	pthread_create(&b, NULL, spin_fn, (void *)1);
	usleep(200000);
	spin_stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	w = ns(CLOCK_PROCESS_CPUTIME_ID) - p0;
	printf("two spinners for %lld + %lld ms: %lld + %lld ms of thread time, "
	       "process +%lld ms\n", (long long)spun_wall[0] / 1000000,
	       (long long)spun_wall[1] / 1000000, (long long)spun_ns[0] / 1000000,
	       (long long)spun_ns[1] / 1000000, (long long)w / 1000000);
	CHECK(spun_ns[0] >= spun_wall[0] / 4 && spun_ns[1] >= spun_wall[1] / 4);
	CHECK(spun_ns[0] > 0 && spun_ns[1] > 0);
	CHECK(w >= (spun_ns[0] + spun_ns[1]) * 9 / 10);

	/* BOOTTIME tracks MONOTONIC (no suspend here): read between two
	 * MONOTONIC readings, it is 0 to 1 s ahead of them */
	int64_t m0 = ns(CLOCK_MONOTONIC), bt = ns(CLOCK_BOOTTIME), m1 = ns(CLOCK_MONOTONIC);
	CHECK(bt >= m0 && bt - m1 < 1000000000);

	/* wall clock: time(), then CLOCK_REALTIME, then gettimeofday, each
	 * no earlier than the one before, and no later than the MONOTONIC
	 * time that passed meanwhile allows (plus the old slack) */
	m0 = ns(CLOCK_MONOTONIC);
	time_t t = time(NULL);
	struct timespec rt;
	struct timeval tv;
	clock_gettime(CLOCK_REALTIME, &rt);
	gettimeofday(&tv, NULL);
	m1 = ns(CLOCK_MONOTONIC);
	CHECK(rt.tv_sec - t >= 0 && rt.tv_sec - t <= 1 + (m1 - m0) / 1000000000);
	int64_t d = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec -
		    ((int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000);
	CHECK(d >= 0 && d < 10000 + (m1 - m0) / 1000);
	struct tm tm;
	gmtime_r(&rt.tv_sec, &tm);
	printf("wall clock: %04d-%02d-%02d %02d:%02d:%02d UTC\n", tm.tm_year + 1900,
	       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	CHECK(tm.tm_year + 1900 >= 2024 && tm.tm_year + 1900 < 2100);

	/* REALTIME moves with MONOTONIC: each REALTIME reading is bracketed by
	 * two MONOTONIC ones, so REALTIME's advance lies between the least and
	 * the most that MONOTONIC can have advanced, give or take 5 ms */
	int64_t ma = ns(CLOCK_MONOTONIC), r0 = ns(CLOCK_REALTIME), mb = ns(CLOCK_MONOTONIC);
	usleep(200000);
	int64_t mc = ns(CLOCK_MONOTONIC), r1 = ns(CLOCK_REALTIME), md = ns(CLOCK_MONOTONIC);
	int64_t dr = r1 - r0;
	if (!CHECK(dr > (mc - mb) - 5000000 && dr < (md - ma) + 5000000))
		printf("  REALTIME +%lld us, MONOTONIC +%lld..%lld us\n", (long long)dr / 1000,
		       (long long)(mc - mb) / 1000, (long long)(md - ma) / 1000);

	/* MONOTONIC never goes backwards in a thread */
	int64_t prev = ns(CLOCK_MONOTONIC), back = 0;
	for (int i = 0; i < 100000; i++) {
		int64_t now = ns(CLOCK_MONOTONIC);
		back += now < prev;
		prev = now;
	}
	CHECK_EQ(back, 0);
}

/* MONOTONIC read on one CPU, then on another after seeing it: not earlier. */
static volatile int64_t xc_stamp;
static volatile int xc_seq, xc_stop;
static long xc_back, xc_rounds;

static void *xc_fn(void *arg)
{
	long me = (long)arg;
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(me, &s);
	sched_setaffinity(0, sizeof(s), &s);
	while (!xc_stop) {
		if ((xc_seq & 1) != me)
			continue;
		int64_t now = ns(CLOCK_MONOTONIC);
		xc_back += now < xc_stamp;
		xc_stamp = now;
		__atomic_add_fetch(&xc_seq, 1, __ATOMIC_SEQ_CST);
		xc_rounds++;
	}
	return NULL;
}

static void test_cross_cpu(void)
{
	pthread_t a, b;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	pthread_create(&a, NULL, xc_fn, (void *)0);
	pthread_create(&b, NULL, xc_fn, (void *)1);
	/* 0.5 s of hand-overs, and at least 100 of them (20 s at most) */
	int64_t t0 = ns(CLOCK_MONOTONIC);
	usleep(500000);
	while (xc_rounds <= 100 && ns(CLOCK_MONOTONIC) - t0 < 20000000000LL)
		usleep(10000);
	xc_stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("cross-CPU MONOTONIC: %ld hand-overs, %ld backwards\n", xc_rounds, xc_back);
	CHECK(xc_rounds > 100);
	CHECK_EQ(xc_back, 0);
}

int main(void)
{
	printf("tst-sleep: %ld CPUs online\n", sysconf(_SC_NPROCESSORS_ONLN));
	test_sleeps();
	fflush(stdout);
	test_many_sleepers();
	fflush(stdout);
	test_clocks();
	fflush(stdout);
	test_cross_cpu();
	return tst_done();
}
