/*
 * tst-park: elastic CPUs. Parking a CPU while threads run on it loses none.
 *
 * 2 x CPUs CPU-bound workers (half pinned with jiny_thread_pin, one to each
 * CPU in turn, half free) plus sleepers pinned to the CPUs to be parked.
 * Park CPU 1 (and 3 with 4 CPUs): jiny_cpu_online() says 0, the stats say
 * parked with nobody waiting; afterwards no worker or sleeper finds itself
 * on a parked CPU (sched_getcpu after the park was published, and
 * jiny_thread_info().cpu), every worker keeps progressing, threads created
 * meanwhile stay off it too. Parking the last online CPU is -EBUSY; bad ids
 * are -EINVAL. Unpark: online again, and threads run there again. At the end
 * every thread is joined and its count matches the one it published.
 * Nothing waits a fixed time for progress that a busy host may delay: every
 * worker must move (and the sleepers nap 10 times, and somebody go back to
 * an unparked CPU) within 20 s, a limit that only bounds how long a failure
 * takes; the 500 ms of looking for threads on parked CPUs is a sample.
 */
// VARIANT: smp2 --smp 2
// VARIANT: smp4 --smp 4
// TIMEOUT: 60
// EXPECT: ^tst: tst-park: [0-9]+ checks, 0 failures$
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

#define MAXW 16

static int ncpu;
static uint64_t parked_mask;	/* published after jiny_cpu_park() returned */
static unsigned mask_gen;	/* bumped around every change of parked_mask */
static volatile int stop;
static long violations;		/* ran on a CPU after it was parked */
static char violation_what[128];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static int my_tid(void) { return (int)syscall(SYS_gettid); }

/*
 * Am I on a CPU that was parked before I looked? Only if the mask did not
 * change meanwhile: an unpark right after I read the mask may move me there.
 */
static void check_where(const char *who)
{
	unsigned g = __atomic_load_n(&mask_gen, __ATOMIC_ACQUIRE);
	uint64_t m = __atomic_load_n(&parked_mask, __ATOMIC_ACQUIRE);
	int cpu = sched_getcpu();
	if (__atomic_load_n(&mask_gen, __ATOMIC_ACQUIRE) != g)
		return;
	if (cpu >= 0 && (m >> cpu & 1)) {
		if (__atomic_add_fetch(&violations, 1, __ATOMIC_RELAXED) == 1)
			snprintf(violation_what, sizeof(violation_what),
				 "%s on parked CPU %d (mask %#llx)", who, cpu,
				 (unsigned long long)m);
	}
}

struct worker {
	volatile unsigned long count;
	volatile int tid;
	int pin;		/* -1: free */
	pthread_t t;
	char pad[64];
};
static struct worker w[MAXW];
static int nw;

static void *worker_fn(void *arg)
{
	struct worker *me = arg;
	unsigned long n = 0;

	me->tid = my_tid();
	if (me->pin >= 0)
		jiny_thread_pin(0, me->pin);
	while (!stop) {
		n++;
		me->count = n;
		if ((n & 1023) == 0)
			check_where("worker");
	}
	return (void *)n;
}

static volatile long naps[2];

static void *sleeper_fn(void *arg)
{
	long cpu = (long)arg, i = cpu == 1 ? 0 : 1;
	jiny_thread_pin(0, (int)cpu);
	while (!stop) {
		usleep(3000);
		check_where("sleeper");
		naps[i]++;
	}
	return (void *)naps[i];
}

static void *short_fn(void *arg)
{
	for (int i = 0; i < 2000; i++)
		if ((i & 63) == 0)
			check_where("new thread");
	return NULL;
}

static void snapshot(unsigned long *c)
{
	for (int i = 0; i < nw; i++)
		c[i] = w[i].count;
}

/* Every worker moves after 'before' (20 s at most). */
static int all_progress(const unsigned long *before)
{
	int ok = 1;
	for (int k = 0; k < 1000; k++) {
		ok = 1;
		for (int i = 0; i < nw; i++)
			ok &= w[i].count != before[i];
		if (ok)
			return 1;
		sleep_ms(20);
	}
	for (int i = 0; i < nw; i++)
		if (w[i].count == before[i])
			printf("  worker %d (tid %d, pin %d) made no progress in 20 s\n", i,
			       w[i].tid, w[i].pin);
	return 0;
}

/* How many workers jiny_thread_info places on a CPU in 'mask'. */
static int on_cpus(uint64_t mask)
{
	struct jiny_thread_info info;
	int n = 0;
	for (int i = 0; i < nw; i++)
		if (jiny_thread_info(w[i].tid, &info) == 0 && info.cpu >= 0 &&
		    (mask >> info.cpu & 1))
			n++;
	return n;
}

int main(void)
{
	unsigned long c0[MAXW], c1[MAXW];
	struct jiny_cpu_stats st;
	pthread_t sl[2], sh[8];
	int park[2], npark, i;
	uint64_t pmask = 0;

	ncpu = jiny_cpu_count();
	printf("tst-park: %d CPUs\n", ncpu);
	if (!CHECK(ncpu >= 2))
		return tst_done();
	npark = ncpu >= 4 ? 2 : 1;
	park[0] = 1;
	park[1] = 3;
	for (i = 0; i < npark; i++)
		pmask |= 1ull << park[i];

	/* bad ids */
	CHECK_EQ(jiny_cpu_park(-1), -EINVAL);
	CHECK_EQ(jiny_cpu_park(ncpu), -EINVAL);
	CHECK_EQ(jiny_cpu_unpark(ncpu), -EINVAL);
	CHECK_EQ(jiny_cpu_unpark(-1), -EINVAL);
	CHECK_EQ(jiny_cpu_online(ncpu), -EINVAL);
	CHECK_EQ(jiny_cpu_stats(ncpu, &st), -EINVAL);
	for (i = 0; i < ncpu; i++) {
		CHECK_EQ(jiny_cpu_online(i), 1);
		CHECK_EQ(jiny_cpu_stats(i, &st), 0);
		CHECK_EQ(st.parked, 0);
	}

	/* workers: half pinned round the CPUs, half free; sleepers on the victims */
	nw = 2 * ncpu;
	if (nw > MAXW)
		nw = MAXW;
	for (i = 0; i < nw; i++) {
		w[i].pin = i % 2 ? (i / 2) % ncpu : -1;
		CHECK_EQ(pthread_create(&w[i].t, NULL, worker_fn, &w[i]), 0);
	}
	for (i = 0; i < npark; i++)
		CHECK_EQ(pthread_create(&sl[i], NULL, sleeper_fn, (void *)(long)park[i]), 0);
	for (i = 0; i < nw; i++)
		while (!w[i].count)
			sleep_ms(1);
	sleep_ms(300);
	CHECK(on_cpus(pmask) > 0);	/* somebody is there to be moved */
	snapshot(c0);

	/* park */
	for (i = 0; i < npark; i++) {
		CHECK_EQ(jiny_cpu_park(park[i]), 0);
		__atomic_add_fetch(&mask_gen, 1, __ATOMIC_SEQ_CST);
		__atomic_or_fetch(&parked_mask, 1ull << park[i], __ATOMIC_RELEASE);
		CHECK_EQ(jiny_cpu_online(park[i]), 0);
		CHECK_EQ(jiny_cpu_stats(park[i], &st), 0);
		CHECK_EQ(st.parked, 1);
	}
	CHECK(sched_getcpu() >= 0 && !(pmask >> sched_getcpu() & 1));
	for (i = 0; i < 8; i++)
		pthread_create(&sh[i], NULL, short_fn, NULL);
	for (i = 0; i < 8; i++)
		pthread_join(sh[i], NULL);
	int seen_parked = 0;
	for (int k = 0; k < 25; k++) {		/* 500 ms */
		sleep_ms(20);
		seen_parked += on_cpus(pmask);
	}
	CHECK_EQ(seen_parked, 0);
	CHECK(all_progress(c0));
	for (i = 0; i < npark; i++) {
		CHECK_EQ(jiny_cpu_stats(park[i], &st), 0);
		CHECK_EQ(st.nr_ready, 0);
		CHECK_EQ(st.parked, 1);
	}

	/* the last online CPU cannot be parked */
	if (ncpu == 2) {
		CHECK_EQ(jiny_cpu_park(0), -EBUSY);
	} else {
		CHECK_EQ(jiny_cpu_park(2), 0);	/* CPU 0 left alone */
		__atomic_add_fetch(&mask_gen, 1, __ATOMIC_SEQ_CST);
		__atomic_or_fetch(&parked_mask, 1ull << 2, __ATOMIC_RELEASE);
		CHECK_EQ(jiny_cpu_park(0), -EBUSY);
		CHECK_EQ(jiny_cpu_online(0), 1);
		snapshot(c1);
		CHECK(all_progress(c1));	/* 2 x CPUs threads on one CPU */
		__atomic_add_fetch(&mask_gen, 1, __ATOMIC_SEQ_CST);
		__atomic_and_fetch(&parked_mask, ~(1ull << 2), __ATOMIC_RELEASE);
		CHECK_EQ(jiny_cpu_unpark(2), 0);
	}

	/* unpark: back online, used again */
	snapshot(c1);
	for (i = 0; i < npark; i++) {
		__atomic_add_fetch(&mask_gen, 1, __ATOMIC_SEQ_CST);
		__atomic_and_fetch(&parked_mask, ~(1ull << park[i]), __ATOMIC_RELEASE);
		CHECK_EQ(jiny_cpu_unpark(park[i]), 0);
		CHECK_EQ(jiny_cpu_online(park[i]), 1);
		CHECK_EQ(jiny_cpu_stats(park[i], &st), 0);
		CHECK_EQ(st.parked, 0);
	}
	int back[4] = { 0 };
	for (int k = 0; k < 1000; k++) {	/* up to 20 s */
		struct jiny_thread_info info;
		sleep_ms(20);
		for (i = 0; i < nw; i++)
			if (jiny_thread_info(w[i].tid, &info) == 0 && info.cpu >= 0 &&
			    info.cpu < 4)
				back[info.cpu]++;
		if (back[park[0]] && (npark < 2 || back[park[1]]))
			break;
	}
	for (i = 0; i < npark; i++)
		if (!CHECK(back[park[i]] > 0))
			printf("  nobody went back to CPU %d\n", park[i]);
	CHECK(all_progress(c1));

	/* stop: every thread comes back with the count it published (the
	 * sleepers after more than 10 naps) */
	for (int k = 0; k < 1000 && (naps[0] <= 10 || (npark > 1 && naps[1] <= 10)); k++)
		sleep_ms(20);
	stop = 1;
	int lost = 0, mismatch = 0;
	for (i = 0; i < nw; i++) {
		void *r = NULL;
		if (pthread_join(w[i].t, &r) != 0)
			lost++;
		else if ((unsigned long)r != w[i].count)
			mismatch++;
	}
	for (i = 0; i < npark; i++) {
		void *r = NULL;
		CHECK_EQ(pthread_join(sl[i], &r), 0);
		CHECK((long)r > 10);
	}
	CHECK_EQ(lost, 0);
	CHECK_EQ(mismatch, 0);
	if (!CHECK_EQ(violations, 0))
		printf("  first: %s\n", violation_what);
	printf("parked %d CPU(s) under %d workers: %ld violations, %d threads "
	       "joined, counts exact\n", npark, nw, violations, nw - lost);
	return tst_done();
}
