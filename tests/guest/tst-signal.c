/*
 * tst-signal: the signal system calls as the HP app sees them (they moved
 * to proc/signal*.c): sigaction records handlers (SIGKILL/SIGSTOP
 * refused, never in sa_mask), masks are per thread (a new thread inherits
 * its creator's), nothing is ever pending, sigaltstack checks its
 * arguments, sigtimedwait times out, kill/tgkill check existence and
 * numbers, default-ignored and ignored signals do nothing, the waits that
 * take a signal mask (ppoll, pselect, epoll_pwait) accept one. The HP app
 * runs no handlers: a caught signal is dropped (on Linux it runs). Last, a
 * SIGTERM to itself takes the default action: exit status 128 + 15.
 * setitimer/getitimer/alarm work in the HP app; its caught SIGALRM is
 * dropped too.
 * Also built for the Linux host (HOST: yes), which checks the test itself.
 */
// HOST: yes
// EXPECT: ^tst: tst-signal: [0-9]+ checks, 0 failures$
// EXPECT: ^sending SIGTERM$
// EXPECT-NOT: ^after SIGTERM
// EXIT: 143
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "tst.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static volatile int handled;

static void on_usr1(int sig) { handled++; }

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void test_sigaction(void)
{
	struct sigaction sa = { 0 }, old;
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGKILL);
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	CHECK_EQ(sigaction(SIGUSR1, NULL, &old), 0);
	CHECK(old.sa_handler == on_usr1);
	CHECK(old.sa_flags & SA_RESTART);
	CHECK(sigismember(&old.sa_mask, SIGUSR2));
	CHECK(!sigismember(&old.sa_mask, SIGKILL)); /* never blockable */

	CHECK_EQ(sigaction(SIGKILL, &sa, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(sigaction(SIGSTOP, &sa, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(sigaction(SIGKILL, NULL, &old), 0); /* reading is fine */
	CHECK(old.sa_handler == SIG_DFL);
	CHECK_EQ(syscall(SYS_rt_sigaction, 0, NULL, &old, 8), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(syscall(SYS_rt_sigaction, 65, NULL, &old, 8), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4), -1);
	CHECK_EQ(errno, EINVAL);
}

static void *mask_thread(void *arg)
{
	sigset_t s;
	pthread_sigmask(SIG_SETMASK, NULL, &s);
	int inherited = sigismember(&s, SIGUSR2);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	return (void *)(intptr_t)inherited;
}

static void test_masks(void)
{
	sigset_t s, cur;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigaddset(&s, SIGKILL);
	sigaddset(&s, SIGSTOP);
	CHECK_EQ(pthread_sigmask(SIG_BLOCK, &s, NULL), 0);
	CHECK_EQ(pthread_sigmask(SIG_SETMASK, NULL, &cur), 0);
	CHECK(sigismember(&cur, SIGUSR2));
	CHECK(!sigismember(&cur, SIGKILL));
	CHECK(!sigismember(&cur, SIGSTOP));

	/* Per thread: a new one starts with its creator's, its changes stay its own. */
	pthread_t th;
	void *inherited = NULL;
	CHECK_EQ(pthread_create(&th, NULL, mask_thread, NULL), 0);
	CHECK_EQ(pthread_join(th, &inherited), 0);
	CHECK(inherited != NULL);
	CHECK_EQ(pthread_sigmask(SIG_SETMASK, NULL, &cur), 0);
	CHECK(!sigismember(&cur, SIGUSR1));

	CHECK_EQ(pthread_sigmask(SIG_UNBLOCK, &s, NULL), 0);
	CHECK_EQ(pthread_sigmask(SIG_SETMASK, NULL, &cur), 0);
	CHECK(!sigismember(&cur, SIGUSR2));
	CHECK_EQ(syscall(SYS_rt_sigprocmask, 7, &s, NULL, 8), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(syscall(SYS_rt_sigprocmask, 7, NULL, &cur, 8), 0); /* how unused */

	sigset_t pend;
	CHECK_EQ(sigpending(&pend), 0);
	CHECK(!sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGUSR2));
}

static void test_altstack(void)
{
	static char stack[65536];
	stack_t ss = { .ss_sp = stack, .ss_size = 1024, .ss_flags = 0 }, old;
	CHECK_EQ(sigaltstack(&ss, NULL), -1); /* below MINSIGSTKSZ */
	CHECK_EQ(errno, ENOMEM);
	ss.ss_size = sizeof(stack);
	ss.ss_flags = 0x10;
	CHECK_EQ(sigaltstack(&ss, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	ss.ss_flags = 0;
	CHECK_EQ(sigaltstack(&ss, NULL), 0);
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK(old.ss_sp == stack);
	CHECK_EQ(old.ss_size, sizeof(stack));
	CHECK_EQ(old.ss_flags, 0); /* not on it */
	ss.ss_flags = (int)SS_AUTODISARM;
	CHECK_EQ(sigaltstack(&ss, NULL), 0);
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, (int)SS_AUTODISARM);
	ss.ss_flags = SS_DISABLE;
	CHECK_EQ(sigaltstack(&ss, &old), 0);
	CHECK(old.ss_sp == stack);
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);
	CHECK_EQ(old.ss_size, 0);
}

static void test_timedwait(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	struct timespec zero = { 0, 0 }, t50 = { 0, 50000000 };
	CHECK_EQ(sigtimedwait(&s, NULL, &zero), -1);
	CHECK_EQ(errno, EAGAIN);
	uint64_t t0 = now_ns();
	siginfo_t si;
	CHECK_EQ(sigtimedwait(&s, &si, &t50), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(now_ns() - t0 >= 45000000);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
}

static void test_kill(void)
{
	CHECK_EQ(kill(getpid(), 0), 0);
	CHECK_EQ(kill(0, 0), 0);
	CHECK_EQ(kill(0x3ffffff0, 0), -1);
	CHECK_EQ(errno, ESRCH);
	CHECK_EQ(kill(-0x3ffffff0, 0), -1);
	CHECK_EQ(errno, ESRCH);
	CHECK_EQ(kill(getpid(), 65), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(syscall(SYS_tgkill, getpid(), gettid(), 0), 0);
	CHECK_EQ(syscall(SYS_tgkill, getpid(), gettid(), 65), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(syscall(SYS_tkill, 0, SIGUSR1), -1);
	CHECK_EQ(errno, EINVAL);

	/* Default-ignored and ignored signals: nothing happens. */
	CHECK_EQ(raise(SIGCHLD), 0);
	CHECK_EQ(raise(SIGURG), 0);
	CHECK_EQ(raise(SIGWINCH), 0);
	CHECK_EQ(raise(SIGCONT), 0);
	signal(SIGUSR2, SIG_IGN);
	CHECK_EQ(kill(getpid(), SIGUSR2), 0);
	CHECK_EQ(raise(SIGUSR2), 0);
	signal(SIGUSR2, SIG_DFL);

	/* A caught signal: the handler runs on Linux; the HP app drops it. */
	handled = 0;
	CHECK_EQ(raise(SIGUSR1), 0);
#ifdef JINY_HOST_BUILD
	CHECK_EQ(handled, 1);
#else
	CHECK_EQ(handled, 0);
#endif
}

/* Interval timers in the HP app: set and read like a process's; a caught
 * SIGALRM is dropped like any caught signal (on Linux the handler runs). */
static void test_itimer(void)
{
	struct itimerval v = { { 0, 0 }, { 5, 0 } }, g;
	CHECK_EQ(getitimer(ITIMER_REAL, &g), 0);
	CHECK(g.it_value.tv_sec == 0 && g.it_value.tv_usec == 0);
	CHECK_EQ(setitimer(ITIMER_REAL, &v, NULL), 0);
	CHECK_EQ(getitimer(ITIMER_REAL, &g), 0);
	CHECK(g.it_value.tv_sec * 1000000L + g.it_value.tv_usec > 0);
	CHECK(g.it_value.tv_sec * 1000000L + g.it_value.tv_usec <= 5000000);
	unsigned left = alarm(0);
	CHECK(left >= 1 && left <= 5);
	CHECK_EQ(getitimer(ITIMER_REAL, &g), 0);
	CHECK(g.it_value.tv_sec == 0 && g.it_value.tv_usec == 0);
	CHECK_EQ(setitimer(99, &v, NULL), -1);
	CHECK_EQ(errno, EINVAL);

	signal(SIGALRM, on_usr1);
	handled = 0;
	struct itimerval shot = { { 0, 0 }, { 0, 30000 } };
	CHECK_EQ(setitimer(ITIMER_REAL, &shot, NULL), 0);
	uint64_t t0 = now_ns();
	while (now_ns() - t0 < 200000000ULL && !handled) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
#ifdef JINY_HOST_BUILD
	CHECK_EQ(handled, 1);
#else
	CHECK_EQ(handled, 0);
#endif
	CHECK_EQ(getitimer(ITIMER_REAL, &g), 0);
	CHECK(g.it_value.tv_sec == 0 && g.it_value.tv_usec == 0); /* it fired */
	signal(SIGALRM, SIG_DFL);
}

static void test_masked_waits(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	struct timespec ts = { 0, 20000000 };
	uint64_t t0 = now_ns();
	CHECK_EQ(ppoll(NULL, 0, &ts, &m), 0);
	CHECK(now_ns() - t0 >= 15000000);
	CHECK_EQ(syscall(SYS_ppoll, NULL, 0, &ts, &m, 4), -1); /* bad sigsetsize */
	CHECK_EQ(errno, EINVAL);
	ts.tv_nsec = 20000000;
	CHECK_EQ(pselect(0, NULL, NULL, NULL, &ts, &m), 0);
	int ep = epoll_create1(0);
	CHECK(ep >= 0);
	struct epoll_event ev;
	CHECK_EQ(epoll_pwait(ep, &ev, 1, 20, &m), 0);
	CHECK_EQ(syscall(SYS_epoll_pwait, ep, &ev, 1, 0, &m, 4), -1);
	CHECK_EQ(errno, EINVAL);
	close(ep);
	sigset_t cur;
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGUSR1)); /* the call's mask did not stay */
}

int main(void)
{
	test_sigaction();
	test_masks();
	test_altstack();
	test_timedwait();
	test_kill();
	test_itimer();
	test_masked_waits();
	int r = tst_done();
	if (r)
		return r;
	printf("sending SIGTERM\n");
	fflush(stdout);
	kill(getpid(), SIGTERM); /* default action: the VM (the process) ends with 143 */
	printf("after SIGTERM\n");
	return 1;
}
