/*
 * tst-sched: the scheduler seen from the app.
 *
 * Every check here holds on a busy host, where QEMU's vCPU threads are
 * descheduled for milliseconds at a time: the guest's clock runs on while
 * its vCPU does not, so no check compares a wall-clock time or a count per
 * second with a fixed bound. Work done is counted in loop iterations of the
 * thread doing it (a vCPU only counts while it runs), time given out by the
 * scheduler in its own accounting (jiny_thread_info().run_ns), and ordering
 * by counts.
 *
 * Fairness: 2 x CPUs CPU-bound threads for ~2 s. Each must count in both
 * halves (a thread that the scheduler never runs stays put), and each must
 * get more than 25% of the mean CPU time (run_ns): the scheduler slices the
 * guest's time, which a slow vCPU does not change; their loop counts are
 * only printed, since they also depend on how much the host runs each vCPU.
 * Priority: a CPU-bound NORMAL burner pinned to every CPU while the HP main
 * thread sleeps in a loop (clock_nanosleep TIMER_ABSTIME, 5 ms period). The
 * HP thread must never wake early, and must run as soon as the timer
 * interrupt that wakes it comes, not after the burner on its CPU has
 * finished its slice: the burners note their count when they first see the
 * deadline passed, and again when they see a timer interrupt on their CPU
 * after it; the HP thread notes the count of the burner on its CPU when it
 * runs again. That burner must not run on after the interrupt: in the
 * median sleep in which it did, it counted less than 1/4 as much after the
 * interrupt as during the sleep (it never does when the wake-up preempts
 * it; ~0.6-1.6 when the wake-up waits for the end of its 10 ms slice). A
 * host that stalls the vCPU stops the burner too, and how late the host
 * delivers the interrupt is not counted, so this holds on a busy machine;
 * the lateness in wall-clock time is printed, not checked.
 * Also: a NORMAL thread sharing the CPU with a spinning HP thread gets
 * (almost) nothing: at most 1/50 of its own count alone on the CPU just
 * before (Jiny only: Linux has no HP class).
 * sched_yield between two threads pinned to one CPU hands the CPU over:
 * they must make at least 1000 hand-overs, with fewer than 3 sched_yield
 * calls per hand-over (~1; a yield that did not switch would leave a thread
 * spinning in yield calls until its slice ended). sched_getaffinity and
 * sched_setaffinity (pin self to each CPU in turn: getcpu and sched_getcpu
 * and jiny_thread_info().cpu agree); jiny_thread_pin of self and of another
 * thread (which must get there within 20 s, a limit that only bounds how
 * long a failure takes); jiny_thread_info and bad arguments.
 */
// VARIANT: smp2 --smp 2
// VARIANT: smp4 --smp 4
// TIMEOUT: 60
// EXPECT: ^tst: tst-sched: [0-9]+ checks, 0 failures$
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
#include <sys/syscall.h>
#include "tst.h"
#include "jiny-host.h"

#define MAXT 64

static int ncpu;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static int my_tid(void) { return (int)syscall(SYS_gettid); }

static int getcpu_raw(void)
{
	unsigned cpu = ~0u, node = ~0u;
	if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0)
		return -1;
	return (int)cpu;
}

static int pin_self(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	if (cpu < 0)
		for (int i = 0; i < ncpu; i++)
			CPU_SET(i, &s);
	else
		CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s) ? -errno : 0;
}

/* ---- burners ---- */

struct burner {
	volatile unsigned long count;
	volatile int tid;
	int prio;		/* priority to set for itself */
	int cpu;		/* -1: anywhere */
	int watch;		/* note the count at the HP thread's deadlines */
	volatile unsigned dl_seq;	/* the last lat_seq whose deadline it saw pass */
	volatile unsigned long at_dl;	/* its count then */
	uint64_t irqs_dl;		/* its CPU's timer interrupts then */
	volatile unsigned seen;	/* the last lat_seq after whose deadline it saw a
				 * timer interrupt (which wakes the HP thread) */
	volatile unsigned long at_irq;	/* its count then */
	pthread_t t;
	char pad[64];
};
static struct burner burners[MAXT];
static volatile int burn_stop;

/* test_hp_latency's current deadline, and its number (set in that order) */
static volatile int64_t lat_dl = INT64_MAX;
static volatile unsigned lat_seq;

static void *burn_fn(void *arg)
{
	struct burner *b = arg;
	b->tid = my_tid();
	if (b->prio != JINY_PRIO_HP)
		jiny_thread_set_priority(0, b->prio);
	if (b->cpu >= 0)
		jiny_thread_pin(0, b->cpu);
	while (!burn_stop) {
		b->count++;
		if (b->watch) {	/* the same reads every time: even steps */
			struct jiny_cpu_stats st;
			unsigned seq = lat_seq;
			int64_t now = now_ns();
			jiny_cpu_stats(b->cpu, &st);
			if (b->dl_seq != seq) {
				if (now >= lat_dl) {
					b->at_dl = b->count;
					b->irqs_dl = st.timer_irqs;
					b->dl_seq = seq;
				}
			} else if (b->seen != seq && st.timer_irqs != b->irqs_dl) {
				b->at_irq = b->count;
				b->seen = seq;
			}
		}
	}
	return NULL;
}

static void start_burners(int n, int prio, int pinned, int watch)
{
	burn_stop = 0;
	for (int i = 0; i < n; i++) {
		burners[i].count = 0;
		burners[i].tid = 0;
		burners[i].prio = prio;
		burners[i].cpu = pinned ? i % ncpu : -1;
		burners[i].watch = watch;
		burners[i].seen = burners[i].dl_seq = lat_seq;
		pthread_create(&burners[i].t, NULL, burn_fn, &burners[i]);
	}
	for (int i = 0; i < n; i++)
		while (!burners[i].tid || !burners[i].count)
			sleep_ms(1);
}

static void stop_burners(int n)
{
	burn_stop = 1;
	for (int i = 0; i < n; i++)
		pthread_join(burners[i].t, NULL);
}

static uint64_t run_ns_of(int tid)
{
	struct jiny_thread_info info;
	return jiny_thread_info(tid, &info) == 0 ? info.run_ns : 0;
}

static void test_fairness(void)
{
	int n = 2 * ncpu, i, stalled = 0, low = 0;
	unsigned long c1[MAXT], c2[MAXT], sum = 0, min = ~0ul, max = 0;
	uint64_t r0[MAXT], ran[MAXT], rsum = 0, rmin = ~0ull;

	start_burners(n, JINY_PRIO_HP, 0, 0);
	for (i = 0; i < n; i++) {
		burners[i].count = 0;	/* racy by design: only a rough zero */
		r0[i] = run_ns_of(burners[i].tid);
	}
	sleep_ms(1000);
	for (i = 0; i < n; i++)
		c1[i] = burners[i].count;
	sleep_ms(1000);
	for (i = 0; i < n; i++) {
		c2[i] = burners[i].count;
		ran[i] = run_ns_of(burners[i].tid) - r0[i];
	}
	stop_burners(n);
	for (i = 0; i < n; i++) {
		stalled += c1[i] == 0 || c2[i] == c1[i];
		sum += c2[i];
		if (c2[i] < min)
			min = c2[i];
		if (c2[i] > max)
			max = c2[i];
		rsum += ran[i];
		if (ran[i] < rmin)
			rmin = ran[i];
	}
	/* CPU time, not counts: a vCPU that the host runs less counts less */
	for (i = 0; i < n; i++)
		low += ran[i] < rsum / n / 4;
	CHECK_EQ(stalled, 0);
	CHECK_EQ(low, 0);
	printf("fairness: %d threads on %d CPUs, CPU time min %llu ms mean %llu ms "
	       "(min/mean %.2f); counts min %lu mean %lu max %lu (min/mean %.2f)\n",
	       n, ncpu, (unsigned long long)rmin / 1000000,
	       (unsigned long long)rsum / n / 1000000, (double)rmin / (rsum / n),
	       min, sum / n, max, (double)min / (sum / n));
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

#define LAT_N 200
#define LAT_PERIOD_NS 5000000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/*
 * The HP thread sleeps LAT_N times until a deadline while a NORMAL burner
 * runs on every CPU. Any timer interrupt on the HP thread's CPU after its
 * deadline wakes it, and must switch to it at once. For each sleep,
 * 'during' is what the burner on that CPU counted from the sleep to the
 * deadline, 'after' what it counted from the first timer interrupt after
 * the deadline until the HP thread ran: both only grow while that vCPU
 * runs, and how late the host delivers the interrupt is in neither, so
 * their ratio does not depend on how busy the host is. Only sleeps after
 * which the burner ran past such an interrupt count (none, when the
 * wake-up preempts it).
 */
static void test_hp_latency(void)
{
	static int64_t late[LAT_N];
	static double ratio[LAT_N];
	struct timespec dl;
	int64_t next;
	unsigned long before[MAXT], at_sleep, during, after, sum_during = 0, sum_after = 0;
	int i, c, moved = 0, n = 0, deadlines = 0;

	CHECK_EQ(jiny_thread_set_priority(0, 42), -EINVAL);
	start_burners(ncpu, JINY_PRIO_NORMAL, 1, 1);
	for (i = 0; i < ncpu; i++) {
		struct jiny_thread_info info;
		CHECK_EQ(jiny_thread_info(burners[i].tid, &info), 0);
		CHECK_EQ(info.priority, JINY_PRIO_NORMAL);
		before[i] = burners[i].count;
	}
	next = now_ns() + LAT_PERIOD_NS;
	for (i = 0; i < LAT_N; i++) {
		dl.tv_sec = next / 1000000000;
		dl.tv_nsec = next % 1000000000;
		lat_dl = next;
		lat_seq++;
		c = sched_getcpu();
		/* the burner pinned to this CPU waits for us: its count holds */
		at_sleep = burners[c].count;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL) == EINTR)
			;
		late[i] = now_ns() - next;
		if (sched_getcpu() == c && burners[c].dl_seq == lat_seq)
			deadlines++;
		if (sched_getcpu() == c && burners[c].seen == lat_seq) {
			during = burners[c].at_dl - at_sleep;
			after = burners[c].count - burners[c].at_irq;
			sum_during += during;
			sum_after += after;
			if (during)
				ratio[n++] = (double)after / during;
			else if (after)
				ratio[n++] = 1e9;	/* ran only after it */
		}
		next += LAT_PERIOD_NS;
		if (late[i] > LAT_PERIOD_NS)	/* behind: skip missed periods */
			next = now_ns() + LAT_PERIOD_NS;
	}
	for (i = 0; i < ncpu; i++)
		moved += burners[i].count > before[i];
	stop_burners(ncpu);
	qsort(late, LAT_N, sizeof(late[0]), cmp_i64);
	qsort(ratio, n, sizeof(ratio[0]), cmp_double);
	printf("HP wake-up lateness over %d sleeps of 5 ms, %d NORMAL burners: "
	       "min %lld us, median %lld us, p90 %lld us, p99 %lld us, max %lld us\n",
	       LAT_N, ncpu, (long long)late[0] / 1000,
	       (long long)late[LAT_N / 2] / 1000, (long long)late[LAT_N * 9 / 10] / 1000,
	       (long long)late[LAT_N * 99 / 100] / 1000, (long long)late[LAT_N - 1] / 1000);
	printf("the NORMAL burner on its CPU saw %d deadlines pass and ran on after "
	       "the timer interrupt in %d sleeps: after / during the sleep median %.3f, "
	       "p90 %.3f (in all %lu / %lu)\n", deadlines, n, n ? ratio[n / 2] : 0.0,
	       n ? ratio[n * 9 / 10] : 0.0, sum_after, sum_during);
	CHECK(late[0] >= 0);			/* never early */
	/* woken at once, not at the end of the burner's slice (~1) */
	CHECK(n == 0 || ratio[n / 2] < 0.25);
	CHECK_EQ(moved, ncpu);			/* burners ran while HP slept */
}

/* HP spinning on a CPU: a NORMAL thread pinned there gets nothing. */
static void test_hp_excludes_normal(void)
{
#ifndef JINY_HOST_BUILD
	unsigned long c0, c1, alone;
	int64_t t;

	CHECK_EQ(jiny_thread_pin(0, 0), 0);
	burn_stop = 0;
	burners[0].count = 0;
	burners[0].tid = 0;
	burners[0].prio = JINY_PRIO_NORMAL;
	burners[0].cpu = 0;
	burners[0].watch = 0;
	pthread_create(&burners[0].t, NULL, burn_fn, &burners[0]);
	while (!burners[0].count)
		sleep_ms(1);
	c0 = burners[0].count;
	sleep_ms(200);
	for (int i = 0; i < 2000 && burners[0].count == c0; i++)
		sleep_ms(10);		/* a stalled vCPU: wait (20 s at most) */
	alone = burners[0].count - c0;	/* its rate with the CPU to itself */
	c0 = burners[0].count;
	t = now_ns();
	while (now_ns() - t < 200000000)
		;
	c1 = burners[0].count;
	stop_burners(1);
	CHECK_EQ(jiny_thread_pin(0, -1), 0);
	printf("NORMAL thread under a spinning HP thread on its CPU: %lu "
	       "(%lu in as long alone)\n", c1 - c0, alone);
	CHECK(alone > 0);
	CHECK(c1 - c0 <= alone / 50);
#endif
}

/* ---- sched_yield ---- */

#define YIELD_SWAPS 1000

static volatile int yturn, yready;
static volatile unsigned long yswaps, ycalls;

static void *yield_fn(void *arg)
{
	int me = (int)(long)arg;
	pin_self(0);
	__atomic_add_fetch(&yready, 1, __ATOMIC_SEQ_CST);
	while (yready < 2)	/* both on CPU 0 before counting */
		sched_yield();
	while (!burn_stop) {
		if (yturn == me) {
			yturn = !me;
			__atomic_add_fetch(&yswaps, 1, __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&ycalls, 1, __ATOMIC_RELAXED);
		sched_yield();
	}
	return NULL;
}

/* Two threads on CPU 0 hand a turn to each other, yielding after each look:
 * with a yield that switches, one call per hand-over. */
static void test_yield(void)
{
	pthread_t a, b;
	int64_t t0;

	CHECK_EQ(sched_yield(), 0);
	burn_stop = 0;
	yturn = 0;
	yready = 0;
	pthread_create(&a, NULL, yield_fn, (void *)0);
	pthread_create(&b, NULL, yield_fn, (void *)1);
	t0 = now_ns();
	while (yswaps < YIELD_SWAPS && now_ns() - t0 < 20000000000LL)
		sleep_ms(10);
	burn_stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("sched_yield: %lu hand-overs between two threads on CPU 0, "
	       "%lu calls (%.2f per hand-over)\n", yswaps, ycalls,
	       yswaps ? (double)ycalls / yswaps : 0.0);
	CHECK(yswaps >= YIELD_SWAPS);
	CHECK(ycalls < 3 * yswaps);
}

/* ---- affinity, getcpu, pinning ---- */

static volatile int spinner_cpu = -1;
static volatile int spinner_tid;

static void *spinner_fn(void *arg)
{
	spinner_tid = my_tid();
	while (!burn_stop) {
		spinner_cpu = sched_getcpu();
		sleep_ms(1);
	}
	return NULL;
}

static void test_affinity(void)
{
	cpu_set_t s;
	int i, bad = 0;
	struct jiny_thread_info info;

	CHECK_EQ(sched_getaffinity(0, sizeof(s), &s), 0);
	CHECK_EQ(CPU_COUNT(&s), ncpu);
	for (i = 0; i < ncpu; i++)
		CHECK(CPU_ISSET(i, &s));

	for (int round = 0; round < 3; round++)
		for (i = 0; i < ncpu; i++) {
			CHECK_EQ(pin_self(i), 0);
			bad += sched_getcpu() != i;
			bad += getcpu_raw() != i;
			sleep_ms(2);	/* and still there after a sleep */
			bad += sched_getcpu() != i;
			CHECK_EQ(jiny_thread_info(0, &info), 0);
			bad += info.cpu != i;
			CHECK_EQ(sched_getaffinity(0, sizeof(s), &s), 0);
			bad += CPU_COUNT(&s) != 1 || !CPU_ISSET(i, &s);
		}
	CHECK_EQ(bad, 0);
	CHECK_EQ(pin_self(-1), 0);
	CHECK_EQ(sched_getaffinity(0, sizeof(s), &s), 0);
	CHECK_EQ(CPU_COUNT(&s), ncpu);

	CPU_ZERO(&s);		/* empty mask, or only CPUs that do not exist */
	errno = 0;
	CHECK_EQ(sched_setaffinity(0, sizeof(s), &s), -1);
	CHECK_EQ(errno, EINVAL);
	CPU_SET(63, &s);
	errno = 0;
	CHECK_EQ(sched_setaffinity(0, sizeof(s), &s), -1);
	CHECK_EQ(errno, EINVAL);

	/* jiny_thread_pin of self */
	for (i = ncpu - 1; i >= 0; i--) {
		CHECK_EQ(jiny_thread_pin(0, i), 0);
		CHECK_EQ(sched_getcpu(), i);
		CHECK_EQ(jiny_thread_info(0, &info), 0);
		CHECK_EQ(info.cpu, i);
		CHECK_EQ(info.pinned_cpu, i);
		CHECK_EQ(info.tid, my_tid());
	}
	CHECK_EQ(jiny_thread_pin(0, -1), 0);
	CHECK_EQ(jiny_thread_info(0, &info), 0);
	CHECK_EQ(info.pinned_cpu, -1);
#ifndef JINY_HOST_BUILD	/* the host counts CPU time in 10 ms ticks */
	CHECK(info.run_ns > 0);
	CHECK(info.switches > 0);
#endif

	/* jiny_thread_pin of another thread: it moves */
	pthread_t t;
	burn_stop = 0;
	spinner_tid = 0;
	pthread_create(&t, NULL, spinner_fn, NULL);
	while (!spinner_tid)
		sleep_ms(1);
	for (i = 0; i < ncpu; i++) {
		CHECK_EQ(jiny_thread_pin(spinner_tid, i), 0);
		spinner_cpu = -1;
		int64_t t0 = now_ns();
		while (spinner_cpu != i && now_ns() - t0 < 20000000000LL)
			sleep_ms(1);
		CHECK_EQ(spinner_cpu, i);
		CHECK_EQ(jiny_thread_info(spinner_tid, &info), 0);
		CHECK_EQ(info.cpu, i);
		CHECK_EQ(info.pinned_cpu, i);
	}
	burn_stop = 1;
	pthread_join(t, NULL);

	/* bad arguments */
	CHECK_EQ(jiny_thread_pin(0, ncpu), -EINVAL);
	CHECK_EQ(jiny_thread_pin(0, -2), -EINVAL);
	CHECK_EQ(jiny_thread_pin(999999, 0), -ESRCH);
	CHECK_EQ(jiny_thread_info(999999, &info), -ESRCH);
	CHECK_EQ(jiny_thread_set_priority(999999, JINY_PRIO_NORMAL), -ESRCH);
	printf("affinity: %d CPUs, getcpu/sched_getcpu/jiny_thread_info agree\n", ncpu);
}

int main(void)
{
	ncpu = jiny_cpu_count();
	if (ncpu > MAXT / 2)
		ncpu = MAXT / 2;
	printf("tst-sched: %d CPUs, sysconf says %ld online\n", ncpu,
	       sysconf(_SC_NPROCESSORS_ONLN));
	CHECK_EQ(sysconf(_SC_NPROCESSORS_ONLN), ncpu);
	fflush(stdout);
	test_affinity();
	fflush(stdout);
	test_yield();
	fflush(stdout);
	test_fairness();
	fflush(stdout);
	test_hp_latency();
	fflush(stdout);
	test_hp_excludes_normal();
	return tst_done();
}
