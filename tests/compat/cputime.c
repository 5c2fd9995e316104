/*
 * cputime: the CPU-time clocks of a process, checked against each other
 * rather than against the wall clock (the machine may be busy). Per Linux,
 * a process's CPU time is the sum over its threads, live and exited, and
 * every reader agrees on it:
 *
 *   CLOCK_PROCESS_CPUTIME_ID and clock() advance over a computation at
 *     least as much as the computing thread's CLOCK_THREAD_CPUTIME_ID
 *   a second thread's time counts while it lives and after it has exited
 *   times() and getrusage(RUSAGE_SELF) give the same total (in their units)
 *   a forked child's process clock starts afresh
 *
 * (The bug this guards against: in ring 3 the process clock and clock()
 * read the HP app's CPU time, so they stayed 0 while thread time grew.)
 */
#include "ct.h"
#include <pthread.h>
#include <sys/times.h>

#define MS 1000000LL
#define BURN_NS (200 * MS)  /* CPU time each computation uses */
#define TOL_NS (1 * MS)     /* reads of two clocks are not simultaneous */

static long long clock_of(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts) != 0)
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long proc_ns(void) { return clock_of(CLOCK_PROCESS_CPUTIME_ID); }
static long long thread_ns(void) { return clock_of(CLOCK_THREAD_CPUTIME_ID); }

/* Compute until the calling thread has used ns of CPU time; returns what it used. */
static long long burn(long long ns)
{
	volatile unsigned long x = 1;
	long long t0 = thread_ns(), t;

	do {
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		t = thread_ns();
	} while (t >= 0 && t - t0 < ns);
	return t - t0;
}

struct worker {
	long long used;          /* the worker's own CPU time when it is done */
	volatile int done;       /* it has computed (and stays alive until 'go') */
	volatile int go;         /* main has looked: the worker may exit */
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	burn(BURN_NS);
	w->used = thread_ns();
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&w->go, __ATOMIC_SEQ_CST))
		sched_yield();
	return NULL;
}

static void one_thread(void)
{
	ct_section("one thread");
	long long p0 = proc_ns();
	clock_t c0 = clock();
	long long t0 = thread_ns();
	CHECK(p0 >= 0 && t0 >= 0 && c0 != (clock_t)-1, "the CPU-time clocks can be read");
	long long used = burn(BURN_NS);
	long long t1 = thread_ns();
	clock_t c1 = clock();
	long long p1 = proc_ns();
	ct_note("thread %lld ms, process %lld ms, clock() %lld ms", (t1 - t0) / MS,
		(p1 - p0) / MS, (long long)(c1 - c0) * 1000 / CLOCKS_PER_SEC);
	CHECK(used >= BURN_NS, "the thread clock advances while computing");
	CHECK(p1 - p0 + TOL_NS >= t1 - t0,
	      "CLOCK_PROCESS_CPUTIME_ID advances at least as much as the thread's clock");
	CHECK((long long)(c1 - c0) * (1000000000LL / CLOCKS_PER_SEC) + TOL_NS >= t1 - t0,
	      "clock() advances at least as much as the thread's clock");
	struct timespec res;
	CHECK(clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 &&
		      res.tv_nsec > 0,
	      "clock_getres(CLOCK_PROCESS_CPUTIME_ID)");
}

static void two_threads(void)
{
	ct_section("two threads");
	struct worker w = {0};
	pthread_t th;
	long long p0 = proc_ns(), m0 = thread_ns();
	CHECK_EQ(pthread_create(&th, NULL, worker_main, &w), 0, "pthread_create");
	while (!__atomic_load_n(&w.done, __ATOMIC_SEQ_CST))
		burn(10 * MS); /* main computes too meanwhile */
	long long m1 = thread_ns(), p1 = proc_ns();
	ct_note("worker %lld ms, main %lld ms, process %lld ms", w.used / MS, (m1 - m0) / MS,
		(p1 - p0) / MS);
	CHECK(p1 - p0 + TOL_NS >= w.used + (m1 - m0),
	      "a live thread's time is in the process's (worker + main)");
	__atomic_store_n(&w.go, 1, __ATOMIC_SEQ_CST);
	CHECK_EQ(pthread_join(th, NULL), 0, "pthread_join");
	long long m2 = thread_ns(), p2 = proc_ns();
	CHECK(p2 - p0 + TOL_NS >= w.used + (m2 - m0),
	      "an exited thread's time stays in the process's");

	/* times() and getrusage() count the same total, in ticks and microseconds. */
	long long p3 = proc_ns();
	struct tms tm;
	CHECK(times(&tm) != (clock_t)-1, "times()");
	struct rusage ru;
	CHECK_EQ(getrusage(RUSAGE_SELF, &ru), 0, "getrusage(RUSAGE_SELF)");
	long long p4 = proc_ns();
	long tick_ns = 1000000000L / sysconf(_SC_CLK_TCK);
	long long tms_ns = (long long)(tm.tms_utime + tm.tms_stime) * tick_ns;
	long long ru_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
			  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	ct_note("process %lld ms, times() %lld ms, getrusage %lld ms", p3 / MS, tms_ns / MS,
		ru_ns / MS);
	CHECK(tms_ns + 2 * tick_ns >= p3 && tms_ns <= p4 + tick_ns,
	      "times() agrees with the process clock (to a tick each for user and system)");
	CHECK(ru_ns + 2000 >= p3 && ru_ns <= p4 + 2000,
	      "getrusage() agrees with the process clock (to a microsecond each)");
}

static int child_clock(void *arg)
{
	long long parent = *(long long *)arg, mine = proc_ns();

	ct_note("parent %lld ms at fork, child %lld ms", parent / MS, mine / MS);
	CHECK(mine >= 0 && mine < parent, "a forked child's process clock starts afresh");
	return ct_child_status();
}

int main(void)
{
	one_thread();
	two_threads();
	ct_section("fork");
	long long now = proc_ns();
	CHECK_WAIT(ct_child(child_clock, &now), "exit 0", "the child's checks");
	return ct_done();
}
