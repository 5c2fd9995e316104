/*
 * tst-epoll-race: epoll_wait while readiness changes on another CPU. A
 * writer thread puts single bytes into 64 pipes at random; the reader waits
 * on one edge-triggered epoll set and drains each pipe it is told about.
 * Linux's guarantees, checked: one epoll_wait reports a file at most once,
 * and no edge is lost (every byte written is read: a pipe left holding data
 * with no event to come would stall the reader).
 *
 * Regression test: ep_harvest() walked the ready list it had taken through
 * the items' ready links, which a readiness callback on another CPU (or
 * inside a socket's poll) rewrites once the item is off the list: items
 * came twice in one batch, others were skipped; samples/httpd crashed on a
 * connection reported after it had been freed (bench/net, Connection:
 * close). A stall is judged by progress, not by time: 10 s without a single
 * event while bytes are unread (generous on any host) is a lost edge.
 *
 * Then the same writer keeps writing while the reader takes pipes out of
 * the set (EPOLL_CTL_DEL, or close), makes new ones and harvests: an item
 * removed while a callback on the other CPU was putting it on the ready
 * list stayed there freed (a page fault in ep_harvest, httpd on two CPUs).
 */
// EXPECT: ^tst: tst-epoll-race: [0-9]+ checks, 0 failures$
// VARIANT: smp2 --smp 2
// VARIANT: smp4 --smp 4
// TIMEOUT: 180
// HOST: yes
#define _GNU_SOURCE
#include "tst.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define NPIPES 64
#define WRITES 200000

static int rfd[NPIPES], wfd[NPIPES];
static volatile int writer_done;
static unsigned long written;

static volatile int churning;

/* Phase 2: bytes into whatever pipes are there, until told to stop. */
static void *churn_writer(void *arg)
{
	uint32_t x = 88172645u;
	while (__atomic_load_n(&churning, __ATOMIC_ACQUIRE)) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		char c = 1;
		int fd = __atomic_load_n(&wfd[x % NPIPES], __ATOMIC_RELAXED);
		if (fd >= 0 && write(fd, &c, 1) < 0 && errno == EAGAIN) {
			int r = __atomic_load_n(&rfd[x % NPIPES], __ATOMIC_RELAXED);
			char b[256];
			if (r >= 0)
				while (read(r, b, sizeof(b)) > 0)
					;
		}
	}
	return NULL;
}

static void *writer(void *arg)
{
	uint32_t x = 2463534242u;
	for (int i = 0; i < WRITES; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		char c = (char)i;
		if (write(wfd[x % NPIPES], &c, 1) == 1)
			__atomic_add_fetch(&written, 1, __ATOMIC_RELAXED);
		if ((i & 1023) == 0)
			sched_yield();
	}
	__atomic_store_n(&writer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	/* Phase 2 closes a pipe's read end while the writer may still write
	 * into its write end: Linux sends SIGPIPE for that (the host run died
	 * with status 141); the write's EPIPE is all this test wants. */
	signal(SIGPIPE, SIG_IGN);
	int ep = epoll_create1(0);
	CHECK(ep >= 0);
	for (int i = 0; i < NPIPES; i++) {
		int p[2];
		CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
		rfd[i] = p[0], wfd[i] = p[1];
		fcntl(wfd[i], F_SETPIPE_SZ, 1 << 20);
		struct epoll_event e = { .events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)i };
		CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, rfd[i], &e), 0);
	}
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, writer, NULL), 0);

	unsigned long got = 0, batches = 0, dups = 0, stray = 0;
	double last_event = now();
	int stalled = 0;
	for (;;) {
		struct epoll_event ev[NPIPES];
		int n = epoll_wait(ep, ev, NPIPES, 100);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n >= 0);
		if (n < 0)
			break;
		if (n > 0) {
			last_event = now();
			batches++;
		}
		unsigned char seen[NPIPES] = { 0 };
		for (int k = 0; k < n; k++) {
			uint32_t i = ev[k].data.u32;
			if (i >= NPIPES) {
				stray++;
				continue;
			}
			if (seen[i]++)
				dups++; /* the same file twice in one epoll_wait */
			char buf[4096];
			ssize_t r;
			while ((r = read(rfd[i], buf, sizeof(buf))) > 0)
				got += (unsigned long)r;
		}
		int done = __atomic_load_n(&writer_done, __ATOMIC_ACQUIRE);
		if (done && got == __atomic_load_n(&written, __ATOMIC_RELAXED))
			break;
		if (now() - last_event > 10.0) {
			stalled = 1; /* bytes unread and no edge in 10 s */
			break;
		}
	}
	pthread_join(t, NULL);
	unsigned long left = 0;
	for (int i = 0; i < NPIPES; i++) {
		int q = 0;
		if (ioctl(rfd[i], FIONREAD, &q) == 0)
			left += (unsigned long)q;
	}
	printf("epoll-race: %lu bytes written, %lu read, %lu left in pipes, %lu batches, "
	       "%lu duplicates, %lu stray events%s\n", written, got, left, batches, dups, stray,
	       stalled ? ", STALLED" : "");
	CHECK_EQ(written, (unsigned long)WRITES);
	CHECK_EQ(dups, 0);
	CHECK_EQ(stray, 0);
	CHECK(!stalled);
	CHECK_EQ(got, written);
	CHECK_EQ(left, 0);

	/* Phase 2: remove and re-add pipes under a writer's feet. Pipe fds are
	 * not closed while the writer may use them: the old pair is kept until
	 * the next round (a write to a closed, reused fd is harmless here). */
	int old_r[NPIPES], old_w[NPIPES];
	for (int i = 0; i < NPIPES; i++)
		old_r[i] = old_w[i] = -1;
	__atomic_store_n(&churning, 1, __ATOMIC_RELEASE);
	CHECK_EQ(pthread_create(&t, NULL, churn_writer, NULL), 0);
	unsigned long removed = 0, events = 0;
	for (int round = 0; round < 20000; round++) {
		int i = round % NPIPES;
		if (old_r[i] >= 0) {
			close(old_r[i]);
			close(old_w[i]);
		}
		if (round & 1) {
			CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, rfd[i], NULL), 0);
		} /* else: close() takes it out of the set (below, next round) */
		old_r[i] = rfd[i], old_w[i] = wfd[i];
		int p[2];
		CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
		struct epoll_event e = { .events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)i };
		CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), 0);
		__atomic_store_n(&wfd[i], p[1], __ATOMIC_RELAXED);
		__atomic_store_n(&rfd[i], p[0], __ATOMIC_RELAXED);
		removed++;
		struct epoll_event ev[NPIPES];
		int n = epoll_wait(ep, ev, NPIPES, 0);
		CHECK(n >= 0);
		for (int k = 0; k < n; k++) {
			uint32_t j = ev[k].data.u32;
			CHECK(j < NPIPES);
			if (j >= NPIPES)
				continue;
			events++;
			char b[256];
			while (read(rfd[j], b, sizeof(b)) > 0)
				;
		}
	}
	__atomic_store_n(&churning, 0, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("epoll-race: %lu pipes taken out and replaced under a writer, %lu events\n",
	       removed, events);
	return tst_done();
}
