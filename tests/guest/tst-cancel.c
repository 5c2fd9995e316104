/*
 * tst-cancel: deferred pthread cancellation in the HP app. Cancellation
 * points are direct calls into the kernel until pthread_cancel() is first
 * used (third_party/musl/patches/0001); after that they check for a pending
 * cancel. Signal handlers do not run yet, so musl's SIGCANCEL must be
 * dropped, not kill the app. Checks: a thread looping on write() is
 * cancelled at the next call, cleanup handlers run, cancellation disabled
 * holds until re-enabled (the thread goes through 10 more cancellation
 * points after pthread_cancel), pthread_testcancel acts, and an uncancelled
 * thread is unaffected.
 */
// VARIANT: smp1 --smp 1
// VARIANT: smp2 --smp 2
// EXPECT: ^tst: tst-cancel: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// EXPECT-NOT: killed by signal
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include "tst.h"

static volatile long loops, cleanups, disabled_loops, plain_done;
static volatile int enable_now;

static void cleanup(void *arg) { __atomic_add_fetch(&cleanups, 1, __ATOMIC_SEQ_CST); }

static void *writer(void *arg)
{
	int fd = open("/dev/null", O_WRONLY);
	pthread_cleanup_push(cleanup, NULL);
	for (;;) {
		(void)!write(fd, "x", 1); /* a cancellation point */
		loops++;
	}
	pthread_cleanup_pop(0);
	return NULL;
}

static void *disabled(void *arg)
{
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	while (!enable_now) {
		usleep(1000); /* a cancellation point, but cancellation is off */
		disabled_loops++;
	}
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	for (;;)
		pthread_testcancel();
	return NULL;
}

static void *plain(void *arg)
{
	int fd = open("/dev/null", O_WRONLY);
	for (int i = 0; i < 20000; i++)
		(void)!write(fd, "y", 1);
	plain_done = 1;
	return (void *)42L;
}

int main(void)
{
	pthread_t w, d, p;
	void *r;

	CHECK_EQ(pthread_create(&w, NULL, writer, NULL), 0);
	CHECK_EQ(pthread_create(&d, NULL, disabled, NULL), 0);
	CHECK_EQ(pthread_create(&p, NULL, plain, NULL), 0);
	while (loops < 1000)
		sched_yield();

	CHECK_EQ(pthread_cancel(w), 0);
	CHECK_EQ(pthread_join(w, &r), 0);
	CHECK(r == PTHREAD_CANCELED);
	CHECK_EQ(cleanups, 1);

	CHECK_EQ(pthread_cancel(d), 0);
	long before = disabled_loops;
	/* still running, through 10 more cancellation points (20 s at most,
	 * which only bounds how long a failure takes on a busy host) */
	for (int i = 0; i < 2000 && disabled_loops < before + 10; i++)
		usleep(10000);
	CHECK(disabled_loops >= before + 10);
	enable_now = 1;
	CHECK_EQ(pthread_join(d, &r), 0);
	CHECK(r == PTHREAD_CANCELED);

	CHECK_EQ(pthread_join(p, &r), 0);
	CHECK_EQ((long)r, 42L);
	CHECK_EQ(plain_done, 1);
	return tst_done();
}
