/*
 * tst-sleep: sleeping and the clocks.
 *
 * nanosleep, usleep, clock_nanosleep relative and TIMER_ABSTIME on
 * CLOCK_MONOTONIC and CLOCK_REALTIME never wake before the time asked
 * (checked with clock_gettime on the same clock) nor more than 50 ms after
 * it (TCG); 16 threads sleeping different amounts at once, likewise.
 * clock_getres of every clock; CLOCK_THREAD_CPUTIME_ID and
 * CLOCK_PROCESS_CPUTIME_ID advance with work and not with sleep; BOOTTIME
 * tracks MONOTONIC; time() and gettimeofday() agree with CLOCK_REALTIME,
 * which is plausible (year 2024..2099) and moves with MONOTONIC; MONOTONIC
 * never goes backwards, within a thread or from one CPU to another.
 */
// VARIANT: smp2 --smp 2
// VARIANT: smp4 --smp 4
// RUN-SERIAL: yes
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

#define LATE_NS 100000000LL	/* "not grossly late" under TCG on a busy 2-core host */

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

/* Checks a sleep that was asked to end at 'want' (on clk) and ended at 'got'. */
static void check_wake(const char *what, int64_t want, int64_t got)
{
	int64_t late = got - want;
	if (late > worst_late)
		worst_late = late;
	if (!CHECK(late >= 0))
		printf("  %s woke %lld ns early\n", what, (long long)-late);
	if (!CHECK(late < LATE_NS))
		printf("  %s woke %lld ms late\n", what, (long long)late / 1000000);
}

static void test_sleeps(void)
{
	static const int ms[] = { 1, 3, 10, 25, 50 };
	struct timespec ts;
	int64_t t0, dl;

	for (unsigned i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		int64_t d = ms[i] * 1000000LL;

		t0 = ns(CLOCK_MONOTONIC);
		ts = ts_of(d);
		CHECK_EQ(nanosleep(&ts, NULL), 0);
		check_wake("nanosleep", t0 + d, ns(CLOCK_MONOTONIC));

		t0 = ns(CLOCK_MONOTONIC);
		CHECK_EQ(usleep(ms[i] * 1000), 0);
		check_wake("usleep", t0 + d, ns(CLOCK_MONOTONIC));

		t0 = ns(CLOCK_MONOTONIC);
		CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL), 0);
		check_wake("clock_nanosleep MONOTONIC", t0 + d, ns(CLOCK_MONOTONIC));

		t0 = ns(CLOCK_REALTIME);
		CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, 0, &ts, NULL), 0);
		check_wake("clock_nanosleep REALTIME", t0 + d, ns(CLOCK_REALTIME));

		dl = ns(CLOCK_MONOTONIC) + d;
		ts = ts_of(dl);
		CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL), 0);
		check_wake("clock_nanosleep MONOTONIC ABSTIME", dl, ns(CLOCK_MONOTONIC));

		dl = ns(CLOCK_REALTIME) + d;
		ts = ts_of(dl);
		CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL), 0);
		check_wake("clock_nanosleep REALTIME ABSTIME", dl, ns(CLOCK_REALTIME));

		dl = ns(CLOCK_BOOTTIME) + d;
		ts = ts_of(dl);
		CHECK_EQ(clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &ts, NULL), 0);
		check_wake("clock_nanosleep BOOTTIME ABSTIME", dl, ns(CLOCK_BOOTTIME));
	}

	/* zero, the past, and bad arguments */
	ts = ts_of(0);
	t0 = ns(CLOCK_MONOTONIC);
	CHECK_EQ(nanosleep(&ts, NULL), 0);
	ts = ts_of(ns(CLOCK_MONOTONIC) / 2);	/* the past (boot may be < 1 s ago) */
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL), 0);
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
	printf("sleeps: worst lateness %lld us\n", (long long)worst_late / 1000);
}

/* ---- many sleepers ---- */

#define SLEEPERS 16
static int64_t sl_early, sl_late, sl_worst;

static void *sleeper_fn(void *arg)
{
	long i = (long)arg;
	for (int k = 0; k < 4; k++) {
		int64_t d = (i + 1) * 3000000LL + k * 1000000LL;
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
	int64_t t0 = ns(CLOCK_MONOTONIC);
	long i;

	for (i = 0; i < SLEEPERS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, sleeper_fn, (void *)i), 0);
	for (i = 0; i < SLEEPERS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(sl_early, 0);
	CHECK_EQ(sl_late, 0);
	/* they slept concurrently: the longest alone is 4 x 48 + 6 ms */
	int64_t all = ns(CLOCK_MONOTONIC) - t0;
	CHECK(all < 198000000LL + 4 * LATE_NS);
	printf("%d sleepers: worst lateness %lld us, all done in %lld ms\n", SLEEPERS,
	       (long long)sl_worst / 1000, (long long)all / 1000000);
}

/* ---- clocks ---- */

static volatile int spin_stop;
static int64_t spun_ns[2];

static void *spin_fn(void *arg)
{
	long i = (long)arg;
	int64_t c0 = ns(CLOCK_THREAD_CPUTIME_ID);
	while (!spin_stop)
		;
	spun_ns[i] = ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

static void test_clocks(void)
{
	static const clockid_t clk[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
					 CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID };
	static const char *name[] = { "REALTIME", "MONOTONIC", "BOOTTIME",
				      "PROCESS_CPUTIME", "THREAD_CPUTIME" };
	struct timespec res;
	int64_t t0, c0, p0, w;

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

	/* thread CPU time: advances with work, not with sleep */
	c0 = ns(CLOCK_THREAD_CPUTIME_ID);
	t0 = ns(CLOCK_MONOTONIC);
	while (ns(CLOCK_MONOTONIC) - t0 < 100000000)
		;
	w = ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	printf("100 ms of spinning: thread CPU time +%lld ms\n", (long long)w / 1000000);
	CHECK(w >= 50000000 && w <= 110000000);
	c0 = ns(CLOCK_THREAD_CPUTIME_ID);
	usleep(100000);
	w = ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	printf("100 ms of sleep: thread CPU time +%lld us\n", (long long)w / 1000);
	CHECK(w >= 0 && w < 20000000);

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
	printf("two spinners for 200 ms: %lld + %lld ms of thread time, process +%lld ms\n",
	       (long long)spun_ns[0] / 1000000, (long long)spun_ns[1] / 1000000,
	       (long long)w / 1000000);
	CHECK(spun_ns[0] > 50000000 && spun_ns[1] > 50000000);
	CHECK(w >= (spun_ns[0] + spun_ns[1]) * 9 / 10);

	/* BOOTTIME tracks MONOTONIC (no suspend here) */
	int64_t m = ns(CLOCK_MONOTONIC), bt = ns(CLOCK_BOOTTIME);
	CHECK(bt >= m && bt - m < 1000000000);

	/* wall clock */
	time_t t = time(NULL);
	struct timespec rt;
	struct timeval tv;
	clock_gettime(CLOCK_REALTIME, &rt);
	gettimeofday(&tv, NULL);
	CHECK(rt.tv_sec - t >= 0 && rt.tv_sec - t <= 1);
	int64_t d = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec -
		    ((int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000);
	CHECK(d >= 0 && d < 10000);
	struct tm tm;
	gmtime_r(&rt.tv_sec, &tm);
	printf("wall clock: %04d-%02d-%02d %02d:%02d:%02d UTC\n", tm.tm_year + 1900,
	       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	CHECK(tm.tm_year + 1900 >= 2024 && tm.tm_year + 1900 < 2100);

	/* REALTIME moves with MONOTONIC */
	int64_t r0 = ns(CLOCK_REALTIME), m0 = ns(CLOCK_MONOTONIC);
	usleep(200000);
	int64_t dr = ns(CLOCK_REALTIME) - r0, dm = ns(CLOCK_MONOTONIC) - m0;
	CHECK(dr - dm > -5000000 && dr - dm < 5000000);

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
	usleep(500000);
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
