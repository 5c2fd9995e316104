/*
 * signal: signals of ring-3 processes - handlers with SA_SIGINFO (si_code
 * SI_USER/SI_TKILL/SI_QUEUE), masks and pending sets, queued real-time
 * signals, sa_mask/SA_NODEFER/SA_RESETHAND, nesting, registers and SSE state
 * kept across a handler, sigsuspend, sigaltstack, SA_RESTART against EINTR
 * (a pipe read, nanosleep), sigwaitinfo/sigtimedwait, signals to threads,
 * SIGCHLD (codes, SA_NOCLDSTOP, SIG_IGN auto-reaping), SIGPIPE, default
 * actions, stop/continue (WUNTRACED, WCONTINUED, waitid), process groups,
 * and what fork and exec keep.
 *
 * No alarm() or timers: a child process sends the signals that must arrive
 * while the parent is blocked, after a handshake and once /proc/PID/stat
 * says the parent sleeps (then a short sleep more): a busy host may delay
 * the parent's way into the blocking call by any amount of time.
 * argv[1] = "--child-exec-sig" is the helper mode for the exec checks.
 */
#include "ct.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>

extern char **environ;
static const char *self;

static volatile sig_atomic_t hits, hits2, depth, max_depth;
static siginfo_t last_si;
static void *last_uc;
static sigset_t mask_in_handler;
static int queued_vals[8], nqueued;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	hits++;
	last_si = *si;
	last_uc = uc;
	sigprocmask(SIG_BLOCK, NULL, &mask_in_handler);
}

static void on_queue(int sig, siginfo_t *si, void *uc)
{
	if (nqueued < 8)
		queued_vals[nqueued++] = si->si_value.sival_int;
}

static void on_plain(int sig)
{
	hits++;
}

static void set_plain(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static sigset_t set_of(int a, int b)
{
	sigset_t s;

	sigemptyset(&s);
	if (a)
		sigaddset(&s, a);
	if (b)
		sigaddset(&s, b);
	return s;
}

static void unblock_all(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void basics(void)
{
	struct sigaction old, sa;

	ct_section("handlers and siginfo");
	ct_set_handler(SIGUSR1, on_info, 0, NULL);
	hits = 0;
	CHECK_OK(kill(getpid(), SIGUSR1), "kill(getpid(), SIGUSR1)");
	CHECK_EQ(hits, 1, "the handler ran before kill() returned");
	CHECK_EQ(last_si.si_signo, SIGUSR1, "si_signo");
	CHECK_EQ(last_si.si_code, SI_USER, "kill(): si_code SI_USER");
	CHECK_EQ(last_si.si_pid, getpid(), "si_pid is the sender");
	CHECK_EQ(last_si.si_uid, getuid(), "si_uid is the sender's uid");
	CHECK(last_uc != NULL, "the handler gets a ucontext");

	hits = 0;
	CHECK_OK(raise(SIGUSR1), "raise(SIGUSR1)");
	CHECK_EQ(hits, 1, "raise: the handler ran");
	CHECK_EQ(last_si.si_code, SI_TKILL, "raise(): si_code SI_TKILL (tgkill)");

	ct_set_handler(SIGRTMIN + 1, on_info, 0, NULL);
	hits = 0;
	union sigval v = {.sival_int = 1234};
	CHECK_OK(sigqueue(getpid(), SIGRTMIN + 1, v), "sigqueue(SIGRTMIN+1, 1234)");
	CHECK_EQ(hits, 1, "sigqueue: the handler ran");
	CHECK_EQ(last_si.si_code, SI_QUEUE, "sigqueue: si_code SI_QUEUE");
	CHECK_EQ(last_si.si_value.sival_int, 1234, "sigqueue: si_value");
	CHECK_EQ(last_si.si_pid, getpid(), "sigqueue: si_pid");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_plain;
	sigemptyset(&sa.sa_mask);
	CHECK_OK(sigaction(SIGUSR1, &sa, &old), "sigaction replaces a handler");
	CHECK(old.sa_sigaction == on_info && (old.sa_flags & SA_SIGINFO),
	      "sigaction returns the old handler and its flags");
	CHECK_OK(sigaction(SIGUSR1, NULL, &old), "sigaction(sig, NULL, &old) reads");
	CHECK(old.sa_handler == on_plain && !(old.sa_flags & SA_SIGINFO), "it reads the new one");
	CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL, "no handler for SIGKILL");
	CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL, "no handler for SIGSTOP");
	CHECK_ERR(syscall(SYS_rt_sigaction, 0, NULL, &old, 8), EINVAL, "rt_sigaction(0): EINVAL");
	CHECK_ERR(syscall(SYS_rt_sigaction, 65, NULL, &old, 8), EINVAL, "rt_sigaction(65): EINVAL");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4), EINVAL,
		  "rt_sigaction with a bad sigset size: EINVAL");
	CHECK_ERR(kill(getpid(), 65), EINVAL, "kill with signal 65: EINVAL");
	CHECK_EQ(kill(getpid(), 0), 0, "kill(self, 0) checks existence");
	CHECK_ERR(kill(999999, 0), ESRCH, "kill(no such pid, 0): ESRCH");
	hits = 0;
	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR1);
	CHECK_EQ(hits, 0, "SIG_IGN: nothing happens");
	signal(SIGUSR1, SIG_DFL);
}

static void masks(void)
{
	sigset_t s, pend, cur;

	ct_section("masks, pending, queueing");
	ct_set_handler(SIGUSR1, on_info, 0, NULL);
	s = set_of(SIGUSR1, 0);
	sigprocmask(SIG_BLOCK, &s, NULL);
	hits = 0;
	raise(SIGUSR1);
	raise(SIGUSR1);
	CHECK_EQ(hits, 0, "a blocked signal is not delivered");
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1), "sigpending shows it");
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	CHECK_EQ(hits, 1, "unblocking delivers it, once (standard signals do not queue)");
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1), "and it is no longer pending");

	ct_set_handler(SIGRTMIN, on_queue, 0, NULL);
	s = set_of(SIGRTMIN, 0);
	sigprocmask(SIG_BLOCK, &s, NULL);
	nqueued = 0;
	for (int i = 1; i <= 3; i++)
		sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = i * 11});
	CHECK_EQ(nqueued, 0, "real-time signals wait while blocked");
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	CHECK_EQ(nqueued, 3, "three queued real-time signals: three deliveries");
	CHECK(queued_vals[0] == 11 && queued_vals[1] == 22 && queued_vals[2] == 33,
	      "in the order sent, each with its value");

	/* sa_mask and the signal itself are blocked in the handler, then restored. */
	s = set_of(SIGUSR2, 0);
	ct_set_handler(SIGUSR1, on_info, 0, &s);
	raise(SIGUSR1);
	CHECK(sigismember(&mask_in_handler, SIGUSR1), "the signal is blocked in its handler");
	CHECK(sigismember(&mask_in_handler, SIGUSR2), "sa_mask is blocked in the handler");
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGUSR2),
	      "the mask is restored after the handler");
	ct_set_handler(SIGUSR1, on_info, SA_NODEFER, NULL);
	raise(SIGUSR1);
	CHECK(!sigismember(&mask_in_handler, SIGUSR1), "SA_NODEFER: not blocked in the handler");

	struct sigaction old;
	ct_set_handler(SIGUSR1, on_info, SA_RESETHAND, NULL);
	hits = 0;
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	CHECK(hits == 1 && old.sa_handler == SIG_DFL, "SA_RESETHAND: back to SIG_DFL after one");

	CHECK_ERR(sigprocmask(99, &s, NULL), EINVAL, "sigprocmask with a bad how: EINVAL");
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGKILL) && !sigismember(&cur, SIGSTOP),
	      "SIGKILL and SIGSTOP cannot be blocked");
	unblock_all();
}

static void on_usr2_nested(int sig)
{
	hits2++;
	if (depth + 1 > max_depth)
		max_depth = depth + 1;
}

static void on_usr1_nesting(int sig)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	raise(SIGUSR2);
	depth--;
}

/* Registers and SSE state survive a handler that clobbers them. */
static void clobber_handler(int sig)
{
	hits++;
	__asm__ volatile("movq $-1, %%rax\n\tmovq %%rax, %%xmm8\n\tmovq %%rax, %%rdx\n\t"
			 "movq %%rax, %%r8\n\tmovq %%rax, %%r9\n\tmovq %%rax, %%r10\n\t"
			 "movq %%rax, %%rsi\n\tmovq %%rax, %%rdi\n\t"
			 "movl $0x7f80, -8(%%rsp)\n\tldmxcsr -8(%%rsp)" /* round toward zero */
			 ::: "rax", "rdx", "rsi", "rdi", "r8", "r9", "r10", "xmm8", "memory");
}

static unsigned mxcsr_in_handler;

static void mxcsr_handler(int sig)
{
	unsigned m;

	__asm__ volatile("stmxcsr %0" : "=m"(m));
	mxcsr_in_handler = m;
}

static void nesting_and_state(void)
{
	ct_section("nesting, registers, SSE");
	set_plain(SIGUSR1, on_usr1_nesting, 0);
	set_plain(SIGUSR2, on_usr2_nested, 0);
	hits2 = depth = max_depth = 0;
	raise(SIGUSR1);
	CHECK_EQ(hits2, 1, "a signal raised in a handler is handled");
	CHECK_EQ(max_depth, 2, "inside the first handler (nested frames)");

	long out[7];
	unsigned mx_before, mx_after, mx_set = 0x5f80; /* round up, exceptions masked */
	set_plain(SIGUSR1, clobber_handler, 0);
	hits = 0;
	__asm__ volatile("stmxcsr %0" : "=m"(mx_before));
	__asm__ volatile("ldmxcsr %0" ::"m"(mx_set));
	__asm__ volatile("movq $0x1111, %%rdx\n\tmovq $0x2222, %%r8\n\tmovq $0x3333, %%r9\n\t"
			 "movq $0x4444, %%r10\n\tmovq $0x5555, %%rax\n\tmovq %%rax, %%xmm8\n\t"
			 "movq %[pid], %%rdi\n\tmovq %[sig], %%rsi\n\tmovl $62, %%eax\n\t"
			 "syscall\n\t" /* kill(pid, SIGUSR1): the handler runs on the way out */
			 "movq %%rdx, 0(%[out])\n\tmovq %%r8, 8(%[out])\n\tmovq %%r9, 16(%[out])\n\t"
			 "movq %%r10, 24(%[out])\n\tmovq %%xmm8, 32(%[out])\n\t"
			 "movq %%rdi, 40(%[out])\n\tmovq %%rsi, 48(%[out])"
			 :
			 : [pid] "r"((long)getpid()), [sig] "r"((long)SIGUSR1), [out] "r"(out)
			 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm8",
			   "memory");
	__asm__ volatile("stmxcsr %0" : "=m"(mx_after));
	__asm__ volatile("ldmxcsr %0" ::"m"(mx_before));
	CHECK_EQ(hits, 1, "the clobbering handler ran");
	CHECK(out[0] == 0x1111 && out[1] == 0x2222 && out[2] == 0x3333 && out[3] == 0x4444,
	      "rdx, r8, r9, r10 kept across the handler");
	CHECK(out[5] == getpid() && out[6] == SIGUSR1, "rdi, rsi kept across the syscall + handler");
	CHECK_EQ(out[4], 0x5555, "xmm8 kept across the handler");
	CHECK_EQ(mx_after, mx_set, "MXCSR (rounding mode) kept across the handler");

	set_plain(SIGUSR1, mxcsr_handler, 0);
	__asm__ volatile("ldmxcsr %0" ::"m"(mx_set));
	raise(SIGUSR1);
	__asm__ volatile("ldmxcsr %0" ::"m"(mx_before));
	CHECK_EQ(mxcsr_in_handler & 0xffff, 0x1f80, "a handler starts with the default MXCSR");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

/* Wait until pid sleeps in the kernel: 'S' in /proc/PID/stat (10 s at most). */
static void wait_sleeping(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 10000; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *p = strrchr(buf, ')'); /* after "pid (comm)" */
			if (p && p[1] == ' ' && p[2] == 'S')
				return;
		}
		ct_msleep(1);
	}
}

/*
 * A child that waits for a byte on go and for the parent to block (the
 * parent's next call after writing go), sleeps ms, then sends sig to the
 * parent; then, after after_ms, writes a byte to after_fd.
 */
static pid_t delayed_kill(int go_fd, int ms, int sig, int after_fd, int after_ms)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		char c;
		if (go_fd >= 0) {
			read(go_fd, &c, 1);
			wait_sleeping(parent);
		}
		ct_msleep(ms);
		kill(parent, sig);
		if (after_fd >= 0) {
			ct_msleep(after_ms);
			write(after_fd, "x", 1);
		}
		_exit(0);
	}
	return pid;
}

static void suspend(void)
{
	sigset_t s, old, cur, empty;

	ct_section("sigsuspend");
	ct_set_handler(SIGUSR1, on_info, 0, NULL);
	s = set_of(SIGUSR1, 0);
	sigprocmask(SIG_BLOCK, &s, &old);
	hits = 0;
	pid_t pid = delayed_kill(-1, 50, SIGUSR1, -1, 0);
	sigemptyset(&empty);
	CHECK_ERR(sigsuspend(&empty), EINTR, "sigsuspend returns EINTR after a handler");
	CHECK_EQ(hits, 1, "the handler ran in sigsuspend");
	CHECK_EQ(last_si.si_pid, pid, "sent by the child (si_pid)");
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGUSR1), "sigsuspend restores the blocking mask");
	ct_waitpid(pid, 0);

	/* sigwaitinfo/sigtimedwait take a blocked signal without a handler. */
	siginfo_t si;
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	memset(&si, 0, sizeof(si));
	/* The system call: glibc's sigwaitinfo() rewrites SI_TKILL as SI_USER. */
	CHECK_EQ(syscall(SYS_rt_sigtimedwait, &s, &si, NULL, 8), SIGUSR1,
		 "rt_sigtimedwait takes the pending SIGUSR1");
	CHECK(si.si_signo == SIGUSR1 && si.si_code == SI_TKILL && si.si_pid == getpid(),
	      "with its siginfo (SI_TKILL from tgkill, si_pid)");
	raise(SIGUSR1);
	CHECK_EQ(sigwaitinfo(&s, &si), SIGUSR1, "sigwaitinfo (libc) takes it too");
	struct timespec ts = {0, 50 * 1000000};
	CHECK_ERR(sigtimedwait(&s, &si, &ts), EAGAIN, "sigtimedwait times out: EAGAIN");
	sigprocmask(SIG_SETMASK, &old, NULL);

}

static void *alt_addr;
static int alt_flags_in_handler, alt_change_err;

static void on_alt(int sig, siginfo_t *si, void *uc)
{
	volatile char here;
	stack_t cur, other = {.ss_sp = (void *)&here, .ss_size = 65536};

	hits++;
	alt_addr = (void *)&here;
	sigaltstack(NULL, &cur);
	alt_flags_in_handler = cur.ss_flags;
	alt_change_err = 0;
	if (cur.ss_flags & SS_ONSTACK) /* off it, the change would succeed */
		alt_change_err = sigaltstack(&other, NULL) == 0 ? 0 : errno;
}

static int in_alt(const char *alt, size_t size)
{
	return (char *)alt_addr >= alt && (char *)alt_addr < alt + size;
}

static void altstack(void)
{
	static char alt[65536];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0}, cur;

	ct_section("sigaltstack");
	CHECK_OK(sigaltstack(&ss, NULL), "sigaltstack sets a stack");
	ct_set_handler(SIGUSR1, on_alt, SA_ONSTACK, NULL);
	hits = 0;
	raise(SIGUSR1);
	CHECK_EQ(hits, 1, "the SA_ONSTACK handler ran");
	CHECK(in_alt(alt, sizeof(alt)), "SA_ONSTACK: the handler runs on the alternate stack");
	CHECK(alt_flags_in_handler & SS_ONSTACK, "sigaltstack says SS_ONSTACK in the handler");
	CHECK_EQ(alt_change_err, EPERM, "changing the stack while on it: EPERM");
	sigaltstack(NULL, &cur);
	CHECK(cur.ss_flags == 0 && cur.ss_sp == alt && cur.ss_size == sizeof(alt),
	      "after the handler: the stack is set, not in use");
	ct_set_handler(SIGUSR1, on_alt, 0, NULL);
	raise(SIGUSR1);
	CHECK(!in_alt(alt, sizeof(alt)), "without SA_ONSTACK the handler uses the normal stack");
	ct_set_handler(SIGUSR1, on_alt, SA_ONSTACK, NULL);
	ss.ss_flags = SS_DISABLE;
	CHECK_OK(sigaltstack(&ss, NULL), "SS_DISABLE");
	raise(SIGUSR1);
	CHECK(!in_alt(alt, sizeof(alt)), "disabled: SA_ONSTACK handlers use the normal stack");
	sigaltstack(NULL, &cur);
	CHECK(cur.ss_flags & SS_DISABLE, "sigaltstack reports SS_DISABLE");
	ss.ss_flags = 0;
	ss.ss_size = 1024;
	CHECK_ERR(sigaltstack(&ss, NULL), ENOMEM, "a 1 KiB alternate stack: ENOMEM");
	ss.ss_size = sizeof(alt);
	ss.ss_flags = 12345;
	CHECK_ERR(sigaltstack(&ss, NULL), EINVAL, "bad ss_flags: EINVAL");
	signal(SIGUSR1, SIG_DFL);
}

static void restart(void)
{
	int go[2], data[2];
	char c = 0;
	pid_t pid;

	ct_section("SA_RESTART and EINTR");
	set_plain(SIGUSR1, on_plain, 0);
	pipe(go);
	pipe(data);
	hits = 0;
	pid = delayed_kill(go[0], 150, SIGUSR1, data[1], 150);
	write(go[1], "g", 1);
	CHECK_ERR(read(data[0], &c, 1), EINTR, "no SA_RESTART: a blocked pipe read fails with EINTR");
	CHECK_EQ(hits, 1, "the handler ran");
	ct_waitpid(pid, 0);
	CHECK(read(data[0], &c, 1) == 1 && c == 'x', "the byte written later is still there");

	set_plain(SIGUSR1, on_plain, SA_RESTART);
	hits = 0;
	c = 0;
	pid = delayed_kill(go[0], 150, SIGUSR1, data[1], 150);
	write(go[1], "g", 1);
	CHECK_EQ(read(data[0], &c, 1), 1, "SA_RESTART: the read goes on after the handler");
	CHECK(hits == 1 && c == 'x', "and returns the byte written after the signal");
	ct_waitpid(pid, 0);

	struct timespec req = {3, 0}, rem = {0, 0};
	hits = 0;
	pid = delayed_kill(go[0], 100, SIGUSR1, -1, 0);
	write(go[1], "g", 1);
	CHECK_ERR(nanosleep(&req, &rem), EINTR, "nanosleep is interrupted even with SA_RESTART");
	CHECK(rem.tv_sec < 3 && (rem.tv_sec > 0 || rem.tv_nsec > 0),
	      "nanosleep reports the time left");
	ct_waitpid(pid, 0);
	close(go[0]);
	close(go[1]);
	close(data[0]);
	close(data[1]);
	signal(SIGUSR1, SIG_DFL);
}

static volatile pid_t handler_tid;
static int thr_pipe[2];

static void on_tid(int sig)
{
	handler_tid = (pid_t)syscall(SYS_gettid);
}

static void *thr_main(void *arg)
{
	char c;

	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	read(thr_pipe[0], &c, 1); /* SA_RESTART: until told to go */
	return NULL;
}

static int wait_nonzero(volatile pid_t *v)
{
	for (int i = 0; i < 3000 && *v == 0; i++) /* 30 s at most */
		ct_msleep(10);
	return *v;
}

static void threads(void)
{
	pthread_t t;
	volatile pid_t tid = 0;
	sigset_t s = set_of(SIGUSR1, 0);

	ct_section("signals and threads");
	set_plain(SIGUSR1, on_tid, SA_RESTART);
	pipe(thr_pipe);
	pthread_create(&t, NULL, thr_main, (void *)&tid);
	wait_nonzero(&tid);
	handler_tid = 0;
	CHECK_EQ(pthread_kill(t, SIGUSR1), 0, "pthread_kill");
	CHECK_EQ(wait_nonzero(&handler_tid), tid, "pthread_kill: the handler runs in that thread");
	sigprocmask(SIG_BLOCK, &s, NULL);
	handler_tid = 0;
	kill(getpid(), SIGUSR1);
	CHECK_EQ(wait_nonzero(&handler_tid), tid,
		 "kill(getpid()): taken by the thread that does not block it");
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	write(thr_pipe[1], "q", 1);
	pthread_join(t, NULL);
	close(thr_pipe[0]);
	close(thr_pipe[1]);
	signal(SIGUSR1, SIG_DFL);
}

static volatile sig_atomic_t chld_hits;
static siginfo_t chld_si;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_si = *si;
	chld_hits++;
}

static int wait_hits(int want)
{
	for (int i = 0; i < 3000 && chld_hits < want; i++) /* 30 s at most */
		ct_msleep(10);
	return chld_hits;
}

static pid_t pausing_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void sigchld(void)
{
	pid_t pid;
	int st;
	sigset_t s = set_of(SIGCHLD, 0), pend;

	ct_section("SIGCHLD");
	ct_set_handler(SIGCHLD, on_chld, SA_RESTART, NULL);
	chld_hits = 0;
	pid = fork();
	if (pid == 0)
		_exit(5);
	CHECK_EQ(wait_hits(1), 1, "SIGCHLD when a child exits");
	CHECK(chld_si.si_signo == SIGCHLD && chld_si.si_code == CLD_EXITED,
	      "si_code CLD_EXITED");
	CHECK(chld_si.si_pid == pid && chld_si.si_status == 5, "si_pid and si_status (5)");
	ct_waitpid(pid, 0);

	chld_hits = 0;
	pid = pausing_child();
	kill(pid, SIGKILL);
	CHECK_EQ(wait_hits(1), 1, "SIGCHLD when a child is killed");
	CHECK(chld_si.si_code == CLD_KILLED && chld_si.si_status == SIGKILL,
	      "si_code CLD_KILLED, si_status SIGKILL");
	ct_waitpid(pid, 0);

	chld_hits = 0;
	pid = pausing_child();
	kill(pid, SIGSTOP);
	CHECK_EQ(wait_hits(1), 1, "SIGCHLD when a child stops");
	CHECK(chld_si.si_code == CLD_STOPPED && chld_si.si_status == SIGSTOP,
	      "si_code CLD_STOPPED, si_status SIGSTOP");
	kill(pid, SIGCONT);
	CHECK_EQ(wait_hits(2), 2, "SIGCHLD when it continues");
	CHECK(chld_si.si_code == CLD_CONTINUED && chld_si.si_status == SIGCONT,
	      "si_code CLD_CONTINUED, si_status SIGCONT");
	kill(pid, SIGKILL);
	ct_waitpid(pid, 0);

	/* SA_NOCLDSTOP: no SIGCHLD for stop and continue; still one for death. */
	ct_set_handler(SIGCHLD, on_chld, SA_RESTART | SA_NOCLDSTOP, NULL);
	sigprocmask(SIG_BLOCK, &s, NULL);
	pid = pausing_child();
	kill(pid, SIGSTOP);
	CHECK_WAIT(ct_waitpid(pid, WUNTRACED), "stopped 19", "the child stopped");
	kill(pid, SIGCONT);
	CHECK_WAIT(ct_waitpid(pid, WCONTINUED), "continued", "the child continued");
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGCHLD), "SA_NOCLDSTOP: no SIGCHLD for stop/continue");
	kill(pid, SIGKILL);
	ct_waitpid(pid, 0);
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGCHLD), "SA_NOCLDSTOP: SIGCHLD for the death");
	signal(SIGCHLD, SIG_DFL); /* discards the pending one */
	sigprocmask(SIG_UNBLOCK, &s, NULL);

	signal(SIGCHLD, SIG_IGN);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK_ERR(wait(&st), ECHILD, "SIGCHLD ignored: children are reaped at once (ECHILD)");
	signal(SIGCHLD, SIG_DFL);
}

static int pipe_writer(void *a)
{
	int p[2];

	pipe(p);
	close(p[0]);
	write(p[1], "x", 1);
	return 0;
}

static void sigpipe(void)
{
	int p[2];

	ct_section("SIGPIPE");
	CHECK_WAIT(ct_child(pipe_writer, NULL), "signal 13",
		   "writing to a pipe without readers: killed by SIGPIPE");
	pipe(p);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(p[1], "x", 1), EPIPE, "SIGPIPE ignored: EPIPE");
	set_plain(SIGPIPE, on_plain, 0);
	hits = 0;
	CHECK_ERR(write(p[1], "x", 1), EPIPE, "SIGPIPE caught: EPIPE");
	CHECK_EQ(hits, 1, "and the handler ran");
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

static int raiser(void *a)
{
	raise((int)(long)a);
	return 0;
}

static void on_abrt(int sig)
{
	hits++;
}

static int aborter(void *a)
{
	if (a)
		set_plain(SIGABRT, on_abrt, 0);
	abort();
}

static void defaults(void)
{
	static const int kills[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM};
	static const int ignored[] = {SIGCHLD, SIGURG, SIGWINCH, SIGCONT};
	char want[32], what[64];

	ct_section("default actions");
	for (unsigned i = 0; i < sizeof(kills) / sizeof(kills[0]); i++) {
		snprintf(want, sizeof(want), "signal %d", kills[i]);
		snprintf(what, sizeof(what), "default action of signal %d: terminate", kills[i]);
		CHECK_WAIT(ct_child(raiser, (void *)(long)kills[i]), want, what);
	}
	for (unsigned i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		snprintf(what, sizeof(what), "default action of signal %d: ignore", ignored[i]);
		CHECK_WAIT(ct_child(raiser, (void *)(long)ignored[i]), "exit 0", what);
	}
	CHECK_WAIT(ct_child(aborter, NULL), "signal 6", "abort()");
	CHECK_WAIT(ct_child(aborter, (void *)1), "signal 6", "abort() with a handler that returns");
}

static void on_cont(int sig)
{
	write(thr_pipe[1], "c", 1);
}

static void stop_continue(void)
{
	pid_t pid;
	int st;
	siginfo_t si;
	char c = 0;
	volatile long *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ct_section("stop and continue");
	/* The child leads a process group of its own, with its parent (us) in
	 * another group of the same session: not an orphaned group, in which
	 * Linux would discard SIGTSTP (as it does where init starts us). */
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		for (;;)
			(*counter)++;
	}
	setpgid(pid, pid);
	ct_msleep(20);
	kill(pid, SIGSTOP);
	CHECK_WAIT(ct_waitpid(pid, WUNTRACED), "stopped 19", "SIGSTOP: WUNTRACED reports the stop");
	long c1 = *counter;
	ct_msleep(100);
	CHECK_EQ(*counter, c1, "a stopped process does not run");
	CHECK_EQ(waitpid(pid, &st, WUNTRACED | WNOHANG), 0, "a stop is reported once");
	kill(pid, SIGCONT);
	CHECK_WAIT(ct_waitpid(pid, WCONTINUED), "continued", "SIGCONT: WCONTINUED reports it");
	long c2 = *counter;
	for (int i = 0; i < 3000 && *counter == c2; i++) /* 30 s at most */
		ct_msleep(10);
	CHECK(*counter != c2, "it runs again");
	kill(pid, SIGTSTP);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(waitid(P_PID, pid, &si, WSTOPPED), 0, "SIGTSTP: waitid(WSTOPPED)");
	CHECK(si.si_code == CLD_STOPPED && si.si_status == SIGTSTP && si.si_pid == pid,
	      "waitid: CLD_STOPPED, si_status SIGTSTP");
	kill(pid, SIGTERM);
	ct_msleep(50);
	CHECK_EQ(waitpid(pid, &st, WNOHANG), 0, "SIGTERM to a stopped process waits for SIGCONT");
	kill(pid, SIGCONT);
	CHECK_WAIT(ct_waitpid(pid, 0), "signal 15", "after SIGCONT, the pending SIGTERM kills it");

	pipe(thr_pipe);
	pid = fork();
	if (pid == 0) {
		set_plain(SIGCONT, on_cont, 0);
		write(thr_pipe[1], "r", 1);
		for (;;)
			pause();
	}
	CHECK(read(thr_pipe[0], &c, 1) == 1 && c == 'r', "the child installed a SIGCONT handler");
	kill(pid, SIGSTOP);
	ct_waitpid(pid, WUNTRACED);
	kill(pid, SIGCONT);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(waitid(P_PID, pid, &si, WCONTINUED), 0, "waitid(WCONTINUED)");
	CHECK(si.si_code == CLD_CONTINUED && si.si_status == SIGCONT,
	      "waitid: CLD_CONTINUED, si_status SIGCONT");
	CHECK(read(thr_pipe[0], &c, 1) == 1 && c == 'c', "the child's SIGCONT handler ran");
	kill(pid, SIGSTOP);
	ct_waitpid(pid, WUNTRACED);
	kill(pid, SIGKILL);
	CHECK_WAIT(ct_waitpid(pid, 0), "signal 9", "SIGKILL ends a stopped process");
	close(thr_pipe[0]);
	close(thr_pipe[1]);
	munmap((void *)counter, 4096);
}

static void groups(void)
{
	pid_t a, b;

	ct_section("process groups");
	a = pausing_child();
	setpgid(a, a);
	b = fork();
	if (b == 0) {
		setpgid(0, a);
		for (;;)
			pause();
	}
	setpgid(b, a);
	CHECK_OK(kill(-a, SIGTERM), "kill(-pgid, SIGTERM)");
	CHECK_WAIT(ct_waitpid(a, 0), "signal 15", "the group leader got it");
	CHECK_WAIT(ct_waitpid(b, 0), "signal 15", "the other member got it");
	CHECK_ERR(kill(-a, SIGTERM), ESRCH, "an empty group: ESRCH");
}

static int fork_child_sigs(void *a)
{
	sigset_t pend, cur;
	struct sigaction sa;

	sigpending(&pend);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	sigaction(SIGUSR1, NULL, &sa);
	CHECK(!sigismember(&pend, SIGUSR1), "fork: the child starts with no pending signals");
	CHECK(sigismember(&cur, SIGUSR1), "fork: the child inherits the mask");
	CHECK(sa.sa_sigaction == on_info, "fork: the child inherits the handlers");
	return ct_child_status();
}

static int exec_child_sigs(void *a)
{
	static char alt[65536];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt)};
	sigset_t s = set_of(SIGINT, 0);
	char *argv[] = {(char *)self, "--child-exec-sig", NULL};

	ct_set_handler(SIGUSR1, on_info, 0, NULL);
	signal(SIGUSR2, SIG_IGN);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGINT);
	sigaltstack(&ss, NULL);
	execve(self, argv, environ);
	return 99;
}

/* The exec'd side of exec_child_sigs. */
static int mode_exec_sig(void)
{
	struct sigaction sa;
	sigset_t pend, cur;
	stack_t ss;

	sigaction(SIGUSR1, NULL, &sa);
	CHECK(sa.sa_handler == SIG_DFL, "exec: a caught signal is reset to SIG_DFL");
	sigaction(SIGUSR2, NULL, &sa);
	CHECK(sa.sa_handler == SIG_IGN, "exec: an ignored signal stays ignored");
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGINT), "exec: the mask is kept");
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGINT), "exec: pending signals are kept");
	sigaltstack(NULL, &ss);
	CHECK(ss.ss_flags & SS_DISABLE, "exec: no alternate stack");
	return ct_child_status();
}

static void inheritance(void)
{
	sigset_t s = set_of(SIGUSR1, 0);

	ct_section("fork and exec");
	ct_set_handler(SIGUSR1, on_info, 0, NULL);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR1);
	CHECK_WAIT(ct_child(fork_child_sigs, NULL), "exit 0", "fork's checks (in the child)");
	hits = 0;
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	CHECK_EQ(hits, 1, "the parent's pending signal is still its own");
	CHECK_WAIT(ct_child(exec_child_sigs, NULL), "exit 0", "exec's checks (in the new program)");
	signal(SIGUSR1, SIG_DFL);
}

int main(int argc, char **argv)
{
	self = ct_self(argv[0]);
	if (argc == 2 && strcmp(argv[1], "--child-exec-sig") == 0)
		return mode_exec_sig();
	ct_start(argc, argv);
	basics();
	masks();
	nesting_and_state();
	suspend();
	altstack();
	restart();
	threads();
	sigchld();
	sigpipe();
	defaults();
	stop_continue();
	groups();
	inheritance();
	return ct_done();
}
