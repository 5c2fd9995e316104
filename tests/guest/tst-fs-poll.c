/*
 * tst-fs-poll: the file-system conformance suite, readiness (Linux
 * semantics; also run on the host as host.fs-poll): poll/ppoll/select/
 * pselect6 on pipes, files and eventfds (POLLIN/POLLOUT/POLLHUP/POLLNVAL,
 * timeouts), eventfd2 (counter and semaphore modes, nonblocking, overflow),
 * epoll_create1/epoll_ctl/epoll_wait/epoll_pwait, level- and edge-triggered,
 * EPOLLONESHOT, wake-ups from another thread, and the errors of each.
 * Timeouts never end early; the one upper bound (a 100 ms poll under 2 s)
 * is tried 3 times before it fails, as a busy host may stall the vCPU; an
 * epoll_wait for another thread's writes (every 30 ms) gives up after 20 s.
 */
// EXPECT: ^tst: tst-fs-poll: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
// TIMEOUT: 120
// VARIANT: smp1 --smp 1
// VARIANT: smp2 --smp 2
#include "fstest.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void poll_pipes(void)
{
	int p[2];
	struct pollfd pf[3];
	struct timespec t0;

	CHECK_OK(pipe(p));
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ p[1], POLLOUT, 0 };
	CHECK_EQ(poll(pf, 2, 0), 1);
	CHECK_EQ(pf[0].revents, 0);
	CHECK_EQ(pf[1].revents, POLLOUT);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(poll(pf, 2, 0), 2);
	CHECK_EQ(pf[0].revents, POLLIN);
	/* a timeout with nothing ready: never early; not 2 s late, on one of
	 * 3 tries (a busy host may stall the vCPU) */
	pf[0].events = POLLPRI;
	long ms;
	for (int try = 1;; try++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK_EQ(poll(pf, 1, 100), 0);
		ms = ms_since(&t0);
		CHECK(ms >= 90);
		if (ms < 2000 || try == 3)
			break;
	}
	CHECK(ms < 2000);
	/* POLLNVAL for a closed fd, ignored for a negative one */
	pf[0] = (struct pollfd){ 999, POLLIN, 0 };
	pf[1] = (struct pollfd){ -1, POLLIN, 77 };
	CHECK_EQ(poll(pf, 2, 0), 1);
	CHECK_EQ(pf[0].revents, POLLNVAL);
	CHECK_EQ(pf[1].revents, 0);
	/* POLLHUP when the writer is gone (with data still there: POLLIN too) */
	CHECK_OK(close(p[1]));
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK_EQ(pf[0].revents, POLLIN | POLLHUP);
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK_EQ(pf[0].revents, POLLHUP);
	close(p[0]);
	/* POLLERR on a writer whose reader is gone */
	CHECK_OK(pipe(p));
	close(p[0]);
	pf[0] = (struct pollfd){ p[1], POLLOUT, 0 };
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK(pf[0].revents & POLLERR);
	close(p[1]);
	/* regular files are always ready */
	CHECK_OK(fs_put("f", "x"));
	int fd = CHECK_OK(open("f", O_RDWR));
	pf[0] = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
	CHECK_EQ(poll(pf, 1, -1), 1);
	CHECK_EQ(pf[0].revents, POLLIN | POLLOUT);
	close(fd);
	/* errors */
	CHECK_RAW_ERR(syscall(SYS_poll, BAD_PTR, 1, 0), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_poll, pf, 0x7fffffffL, 0), EINVAL); /* more than RLIMIT_NOFILE */
	/* ppoll with a timespec, and an empty set as a sleep */
	struct timespec ts = { 0, 30 * 1000000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(ppoll(NULL, 0, &ts, NULL), 0);
	CHECK(ms_since(&t0) >= 25);
	struct timespec bad = { 0, 2000000000 };
	CHECK_ERR(ppoll(pf, 1, &bad, NULL), EINVAL);
}

static void selects(void)
{
	int p[2];
	fd_set r, w;
	struct timeval tv = { 0, 0 };

	CHECK_OK(pipe(p));
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	CHECK_EQ(select(p[1] + 1, &r, &w, NULL, &tv), 1);
	CHECK(!FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	CHECK_EQ(write(p[1], "ab", 2), 2);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	CHECK_EQ(select(p[1] + 1, &r, &w, NULL, &tv), 2);
	CHECK(FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	/* a timeout: the timeval is updated (Linux) */
	char buf[4];
	CHECK_EQ(read(p[0], buf, 2), 2);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 0, 50000 };
	/* the system call itself: musl's select() hands the kernel a copy of tv */
	CHECK_EQ(syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv), 0);
	CHECK(!FD_ISSET(p[0], &r));
	CHECK_EQ(tv.tv_sec, 0);
	CHECK_EQ(tv.tv_usec, 0);
	/* pselect */
	struct timespec ts = { 0, 10 * 1000000 };
	FD_SET(p[0], &r);
	CHECK_EQ(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL), 0);
	/* errors: a closed fd in the set, negative nfds, bad timeout */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	close(p[0]);
	close(p[1]);
	tv = (struct timeval){ 0, 0 };
	CHECK_ERR(select(p[1] + 1, &r, NULL, NULL, &tv), EBADF);
	CHECK_ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ -1, 0 };
	CHECK_ERR(select(0, NULL, NULL, NULL, &tv), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_select, 1, BAD_PTR, NULL, NULL, NULL), EFAULT);
}

static void eventfds(void)
{
	uint64_t v;
	int e = CHECK_OK(eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC));
	struct pollfd pf = { e, POLLIN | POLLOUT, 0 };

	CHECK_EQ(fcntl(e, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLIN | POLLOUT);
	CHECK_EQ(read(e, &v, 8), 8);
	CHECK_EQ(v, 3);
	CHECK_ERR(read(e, &v, 8), EAGAIN);
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLOUT);
	v = 5;
	CHECK_EQ(write(e, &v, 8), 8);
	CHECK_EQ(write(e, &v, 8), 8);
	CHECK_EQ(read(e, &v, 8), 8);
	CHECK_EQ(v, 10);
	/* errors: short buffers, the value ~0, overflow */
	CHECK_ERR(read(e, &v, 4), EINVAL);
	CHECK_ERR(write(e, &v, 4), EINVAL);
	v = ~0ull;
	CHECK_ERR(write(e, &v, 8), EINVAL);
	v = 0xfffffffffffffffeull;
	CHECK_EQ(write(e, &v, 8), 8);
	v = 1;
	CHECK_ERR(write(e, &v, 8), EAGAIN);     /* would overflow */
	pf.events = POLLOUT;
	CHECK_EQ(poll(&pf, 1, 0), 0);
	CHECK_EQ(read(e, &v, 8), 8);
	close(e);
	/* semaphore mode: one at a time */
	e = CHECK_OK(eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK));
	CHECK_EQ(read(e, &v, 8), 8);
	CHECK_EQ(v, 1);
	CHECK_EQ(read(e, &v, 8), 8);
	CHECK_EQ(v, 1);
	CHECK_ERR(read(e, &v, 8), EAGAIN);
	close(e);
	CHECK_ERR(eventfd(0, 0x12345678), EINVAL);
	/* the eventfd counter via eventfd_read/write */
	e = CHECK_OK(eventfd(0, 0));
	CHECK_EQ(eventfd_write(e, 7), 0);
	eventfd_t ev;
	CHECK_EQ(eventfd_read(e, &ev), 0);
	CHECK_EQ(ev, 7);
	close(e);
}

static void epoll_errors(void)
{
	struct epoll_event ev = { EPOLLIN, { .u64 = 1 } }, out[4];
	int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
	int p[2];

	CHECK_EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);
	CHECK_OK(pipe(p));
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), ENOENT);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &ev), ENOENT);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
	CHECK_ERR(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	CHECK_ERR(epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL); /* not an epoll fd */
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);     /* itself */
	CHECK_ERR(epoll_ctl(ep, 77, p[0], &ev), EINVAL);
	CHECK_OK(fs_put("f", ""));
	int fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), EPERM);     /* regular files */
	close(fd);
	CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL);
	CHECK_ERR(epoll_wait(p[0], out, 4, 0), EINVAL);
	CHECK_ERR(epoll_wait(999, out, 4, 0), EBADF);
	CHECK_ERR(epoll_create1(0x12345), EINVAL);
	/* the kernel's answer (musl's epoll_create() ignores its size) */
	CHECK_RAW_ERR(syscall(SYS_epoll_create, 0), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, p[0], BAD_PTR), EFAULT);
	/* EFAULT on the result array with an event ready */
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_RAW_ERR(syscall(SYS_epoll_wait, ep, BAD_PTR, 4, 0), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_epoll_wait, ep, KERNEL_PTR, 4, 0), EFAULT);
	/* DEL then wait: nothing */
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void epoll_level_edge(void)
{
	struct epoll_event ev, out[8];
	int ep = CHECK_OK(epoll_create1(0));
	int lt[2], et[2], efd;
	char buf[16];

	CHECK_OK(pipe(lt));
	CHECK_OK(pipe2(et, O_NONBLOCK));
	efd = CHECK_OK(eventfd(0, EFD_NONBLOCK));
	ev = (struct epoll_event){ EPOLLIN, { .u64 = 100 } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, lt[0], &ev));
	ev = (struct epoll_event){ EPOLLIN | EPOLLET, { .u64 = 200 } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, et[0], &ev));
	ev = (struct epoll_event){ EPOLLIN | EPOLLET, { .u64 = 300 } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	/* level-triggered: reported while data is there */
	CHECK_EQ(write(lt[1], "abc", 3), 3);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].data.u64, 100);
	CHECK_EQ(out[0].events, EPOLLIN);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(read(lt[0], buf, 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(read(lt[0], buf, 2), 2);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	/* edge-triggered: once per new arrival */
	CHECK_EQ(write(et[1], "abc", 3), 3);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].data.u64, 200);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);       /* no new edge */
	CHECK_EQ(read(et[0], buf, 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);       /* still none: data left, no edge */
	CHECK_EQ(write(et[1], "d", 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);       /* a new write is a new edge */
	CHECK_EQ(read(et[0], buf, sizeof(buf)), 3);
	CHECK_ERR(read(et[0], buf, sizeof(buf)), EAGAIN);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	/* eventfd, edge-triggered */
	CHECK_EQ(eventfd_write(efd, 1), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].data.u64, 300);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	CHECK_EQ(eventfd_write(efd, 1), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	eventfd_t v;
	CHECK_EQ(eventfd_read(efd, &v), 0);
	CHECK_EQ(v, 2);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	/* eventfd, level-triggered via MOD */
	ev = (struct epoll_event){ EPOLLIN, { .u64 = 301 } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev));
	CHECK_EQ(eventfd_write(efd, 1), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].data.u64, 301);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(eventfd_read(efd, &v), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	/* EPOLLOUT on the write ends, several ready at once, maxevents honoured */
	ev = (struct epoll_event){ EPOLLOUT, { .u64 = 101 } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, lt[1], &ev));
	ev = (struct epoll_event){ EPOLLOUT, { .u64 = 201 } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, et[1], &ev));
	CHECK_EQ(write(lt[1], "x", 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 3);
	CHECK_EQ(epoll_wait(ep, out, 2, 0), 2);
	CHECK_EQ(epoll_wait(ep, out, 1, 0), 1);
	/* EPOLLONESHOT: reported once until re-armed */
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, lt[1], NULL));
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, et[1], NULL));
	ev = (struct epoll_event){ EPOLLIN | EPOLLONESHOT, { .u64 = 102 } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, lt[0], &ev));
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].data.u64, 102);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, lt[0], &ev));
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	/* EPOLLHUP without asking, when the writer closes */
	CHECK_EQ(read(lt[0], buf, sizeof(buf)), 1);
	ev = (struct epoll_event){ EPOLLIN, { .u64 = 103 } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, lt[0], &ev));
	close(lt[1]);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].events, EPOLLHUP);
	/* closing the last fd of a file removes it from the set */
	close(lt[0]);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	/* epoll_pwait with a timeout */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sigset_t none;
	sigemptyset(&none);
	CHECK_EQ(epoll_pwait(ep, out, 8, 50, &none), 0);
	CHECK(ms_since(&t0) >= 45);
	/* an epoll fd is itself pollable */
	int ep2 = CHECK_OK(epoll_create1(0));
	ev = (struct epoll_event){ EPOLLIN, { .u64 = 9 } };
	CHECK_OK(epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev));
	CHECK_EQ(epoll_wait(ep2, out, 8, 0), 0);
	CHECK_EQ(eventfd_write(efd, 1), 0);
	CHECK_EQ(epoll_wait(ep2, out, 8, 0), 1);
	struct pollfd pf = { ep, POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);
	close(ep2);
	close(et[0]);
	close(et[1]);
	close(efd);
	close(ep);
}

/* A thread blocked in epoll_wait / poll is woken by writes from another thread. */
static int wake_pipe[2], wake_efd;
static void *waker(void *arg)
{
	struct timespec ts = { 0, 30 * 1000000 };
	for (int i = 0; i < 20; i++) {
		nanosleep(&ts, NULL);
		if (i % 2) {
			if (write(wake_pipe[1], "w", 1) != 1)
				return (void *)1;
		} else if (eventfd_write(wake_efd, 1)) {
			return (void *)1;
		}
	}
	return NULL;
}

static void wakeups(void)
{
	struct epoll_event ev, out[4];
	pthread_t t;
	int got_pipe = 0, got_efd = 0;
	int ep = CHECK_OK(epoll_create1(0));

	CHECK_OK(pipe(wake_pipe));
	wake_efd = CHECK_OK(eventfd(0, 0));
	ev = (struct epoll_event){ EPOLLIN, { .fd = wake_pipe[0] } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, wake_pipe[0], &ev));
	ev = (struct epoll_event){ EPOLLIN | EPOLLET, { .fd = wake_efd } };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, wake_efd, &ev));
	CHECK_EQ(pthread_create(&t, NULL, waker, NULL), 0);
	while (got_pipe + got_efd < 20) {
		int n = epoll_wait(ep, out, 4, 20000);	/* a lost wake-up: 20 s */
		if (!CHECK(n > 0))
			break;
		for (int i = 0; i < n; i++) {
			if (out[i].data.fd == wake_pipe[0]) {
				char c;
				got_pipe += read(wake_pipe[0], &c, 1) == 1;
			} else {
				eventfd_t v;
				if (eventfd_read(wake_efd, &v) == 0)
					got_efd += v;
			}
		}
	}
	void *r;
	pthread_join(t, &r);
	CHECK(r == NULL);
	CHECK_EQ(got_pipe, 10);
	CHECK_EQ(got_efd, 10);
	/* poll blocked on a pipe, woken by a thread */
	struct pollfd pf = { wake_pipe[0], POLLIN, 0 };
	CHECK_EQ(pthread_create(&t, NULL, waker, NULL), 0);
	for (int i = 0; i < 10; i++) {
		if (!CHECK_EQ(poll(&pf, 1, 5000), 1))
			break;
		char c;
		CHECK_EQ(read(wake_pipe[0], &c, 1), 1);
	}
	pthread_join(t, NULL);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	close(wake_efd);
	close(ep);
}

int main(void)
{
	fs_begin();
	signal(SIGPIPE, SIG_IGN);
	RUN(poll_pipes);
	RUN(selects);
	RUN(eventfds);
	RUN(epoll_errors);
	RUN(epoll_level_edge);
	RUN(wakeups);
	return fs_end();
}
