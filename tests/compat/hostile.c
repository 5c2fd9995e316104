/*
 * hostile: what a ring-3 program did to take the kernel down (issue 9, part
 * 5, found by a random-syscall fuzzer; tests/compat/fuzz.c is ours), one case
 * each, with Linux's answers. Every case that could crash runs in a child, and
 * the parent checks afterwards that the system still works (fork, pipe, exit).
 *
 *   RFLAGS.NT set with popf, then calls that return through iretq (a signal
 *     with a handler, nanosleep, vfork, rt_sigreturn): they work
 *   a `syscall` in the last two bytes below 0x40000000 (return address
 *     exactly 0x40000000) runs the call, then faults fetching 0x40000000;
 *     one at 0x80000000 (just above the image window) returns normally
 *   a signal handler at a non-canonical address: the process dies of SIGSEGV
 *   poll and select on an eventfd that another thread closes meanwhile
 *     (the freed file is then reused): the poll ends on its other fd
 *   clone(CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|CLONE_VFORK) returns once the
 *     thread exits; SIGKILL ends a process whose thread waits so, and one
 *     whose threads wait in read, futex and pthread_join
 *   clone flag combinations Linux refuses: EINVAL
 *   ARCH_SET_FS and CLONE_SETTLS with a non-canonical or kernel base: EPERM
 *   open("/dev/tty") without a controlling terminal: ENXIO
 *   epoll A in epoll B in epoll A: ELOOP (found while checking epoll for the
 *     poll pattern: a wake-up went round the loop with the queues' locks held)
 *
 * An argument runs only the sections whose name contains it (hostile NT).
 */
#include "ct.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>

#define NT_FLAG 0x4000UL
#define ARCH_SET_FS 0x1002

/* A raw system call (nr, a1, a2) made with RFLAGS.NT set; NT cleared after. */
static long nt_syscall(long nr, long a1, long a2)
{
	long r;

	__asm__ volatile("pushfq\n\torq %[nt], (%%rsp)\n\tpopfq\n\t"
			 "syscall\n\t"
			 "pushfq\n\tandq %[nnt], (%%rsp)\n\tpopfq"
			 : "=a"(r)
			 : "a"(nr), "D"(a1), "S"(a2), [nt] "r"(NT_FLAG), [nnt] "r"(~NT_FLAG)
			 : "rcx", "r11", "rdx", "memory", "cc");
	return r;
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig)
{
	got_usr1++;
}

static int nt_child(void *arg)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	long pid = nt_syscall(SYS_getpid, 0, 0);
	CHECK_EQ(pid, getpid(), "getpid with NT set");
	CHECK_EQ(nt_syscall(SYS_kill, getpid(), SIGUSR1), 0,
		 "kill(self, SIGUSR1) with a handler, NT set (iretq after the frame)");
	CHECK_EQ(got_usr1, 1, "the handler ran");
	struct timespec ts = {0, 1000000};
	CHECK_EQ(nt_syscall(SYS_nanosleep, (long)&ts, 0), 0, "nanosleep with NT set");
	long v;
	/* The vfork child shares this stack: it leaves without touching it. */
	__asm__ volatile("pushfq\n\torq %[nt], (%%rsp)\n\tpopfq\n\t"
			 "syscall\n\t"
			 "testq %%rax, %%rax\n\tjnz 1f\n\t"
			 "movl $231, %%eax\n\tmovl $5, %%edi\n\tsyscall\n"
			 "1:\tpushfq\n\tandq %[nnt], (%%rsp)\n\tpopfq"
			 : "=a"(v)
			 : "a"((long)SYS_vfork), [nt] "r"(NT_FLAG), [nnt] "r"(~NT_FLAG)
			 : "rcx", "r11", "rdi", "memory", "cc");
	CHECK(v > 0, "vfork with NT set");
	CHECK_WAIT(ct_waitpid((pid_t)v, 0), "exit 5", "the vfork child");
	/* rt_sigreturn with NT set: the handler runs with the flags of the frame. */
	got_usr1 = 0;
	__asm__ volatile("pushfq\n\torq %0, (%%rsp)\n\tpopfq" ::"r"(NT_FLAG) : "cc");
	raise(SIGUSR1);
	__asm__ volatile("pushfq\n\tandq %0, (%%rsp)\n\tpopfq" ::"r"(~NT_FLAG) : "cc");
	CHECK_EQ(got_usr1, 1, "a handler entered and left (rt_sigreturn) with NT set");
	return ct_child_status();
}

/* ---- a `syscall` instruction at the edges of the image window ---- */

/* Jump to target with rax = nr and rdi, rsi, rdx = a1..a3 (never returns when
 * target faults). */
__asm__(".pushsection .text\n"
	".globl hs_jump\n.hidden hs_jump\n.type hs_jump, @function\nhs_jump:\n"
	"\tmovq %rdi, %rax\n\tmovq %rsi, %r11\n\tmovq %rdx, %rdi\n\tmovq %rcx, %rsi\n"
	"\tmovq %r8, %rdx\n\tcall *%rax\n\tret\n"
	".size hs_jump, .-hs_jump\n.popsection\n");
/* hs_jump(target, nr, a1, a2, a3): the callee sees rax = target, so move nr: */
__attribute__((visibility("hidden"))) long hs_jump(void *target, long nr, long a1, long a2, long a3);

struct edge {
	void *target;
	int fd;
};

static void edge_call(void *a)
{
	struct edge *e = a;

	/* The stub at target: mov %r11, %rax, then the syscall at its end. */
	hs_jump(e->target, SYS_write, e->fd, (long)"edge!", 5);
}

static int edge_child(void *arg)
{
	int p[2];
	char buf[8] = {0};
	struct ct_fault f;

	CHECK_OK(pipe(p), "pipe");
	/* Page 0x3ffff000: "mov %r11,%rax" (4c 89 d8) then "syscall" at 0x3ffffffe. */
	unsigned char *pg = mmap((void *)0x3ffff000, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (!CHECK(pg == (void *)0x3ffff000, "map a page at 0x3ffff000"))
		return ct_child_status();
	memset(pg, 0x90, 4096); /* nops down to the syscall */
	pg[0] = 0x4c, pg[1] = 0x89, pg[2] = 0xd8;
	pg[4094] = 0x0f, pg[4095] = 0x05;
	struct edge e = {pg, p[1]};
	int faulted = ct_catch(edge_call, &e, &f);
	CHECK(faulted && f.signo == SIGSEGV && f.rip == 0x40000000UL,
	      "a syscall at 0x3ffffffe returns to 0x40000000 and faults there (SIGSEGV)");
	CHECK_EQ(f.addr, (void *)0x40000000UL, "si_addr is 0x40000000");
	CHECK_EQ(read(p[0], buf, 5), 5, "its write(2) ran in ring 3's way");
	CHECK(memcmp(buf, "edge!", 5) == 0, "and wrote what it was given");

	/* Page 0x80000000: the syscall first, then "ret". */
	unsigned char *hi = mmap((void *)0x80000000UL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (!CHECK(hi == (void *)0x80000000UL, "map a page at 0x80000000"))
		return ct_child_status();
	hi[0] = 0x4c, hi[1] = 0x89, hi[2] = 0xd8, hi[3] = 0x0f, hi[4] = 0x05, hi[5] = 0xc3;
	long r = hs_jump(hi, SYS_write, p[1], (long)"upper", 5);
	CHECK_EQ(r, 5, "a syscall at 0x80000003 (above the window) returns");
	CHECK_EQ(read(p[0], buf, 5), 5, "its write ran");
	CHECK(memcmp(buf, "upper", 5) == 0, "and wrote what it was given");
	return ct_child_status();
}

/* ---- a signal handler at a non-canonical address ---- */

struct ksigaction {
	unsigned long handler, flags, restorer, mask;
};

static int bad_handler_child(void *arg)
{
	struct ksigaction ka = {(unsigned long)arg, 0x04000000 /* SA_RESTORER */,
				(unsigned long)&abort, 0};
	if (syscall(SYS_rt_sigaction, SIGUSR1, &ka, NULL, 8) != 0)
		return 90;
	raise(SIGUSR1);
	return 91; /* not reached */
}

/* ---- poll/select on a file another thread closes ---- */

struct pollarg {
	int efd, rd;
	bool use_select;
	long r;
	short pipe_revents;
};

static void *poller(void *a)
{
	struct pollarg *pa = a;

	if (pa->use_select) {
		fd_set in;
		FD_ZERO(&in);
		FD_SET(pa->efd, &in);
		FD_SET(pa->rd, &in);
		int n = (pa->efd > pa->rd ? pa->efd : pa->rd) + 1;
		do
			pa->r = select(n, &in, NULL, NULL, NULL);
		while (pa->r < 0 && errno == EINTR);
		/* The closed fd makes select fail with EBADF if it looks again. */
		pa->pipe_revents = pa->r < 0 ? (errno == EBADF ? POLLNVAL : 0) :
					       (FD_ISSET(pa->rd, &in) ? POLLIN : 0);
	} else {
		struct pollfd p[2] = {{pa->efd, POLLIN, 0}, {pa->rd, POLLIN, 0}};
		do
			pa->r = poll(p, 2, -1);
		while (pa->r < 0 && errno == EINTR);
		pa->pipe_revents = p[1].revents;
	}
	return NULL;
}

static void *efd_reader(void *a)
{
	uint64_t v;

	while (read(*(int *)a, &v, 8) < 0 && errno == EINTR)
		;
	return NULL;
}

#define NEW_EFDS 8

/*
 * Round after round: a thread polls an eventfd and a pipe; the eventfd is
 * closed under it and new eventfds (likely in the freed memory) get a
 * blocked reader each; then the pipe ends the poll, and a write to each new
 * eventfd must wake its reader. When the poll's entry stayed on the freed
 * queue, tearing it down unlinks the new queue's reader: that read never
 * ends (the test hangs) or the kernel spins on a lock.
 */
static int poll_close_child(void *arg)
{
	bool use_select = arg != NULL;
	int ok = 1;

	for (int round = 0; round < 20; round++) {
		int p[2], efd[NEW_EFDS];
		pthread_t t, rt[NEW_EFDS];
		struct pollarg pa = {eventfd(0, 0), -1, use_select, 0, 0};

		if (pipe(p) < 0 || pa.efd < 0)
			return 90;
		pa.rd = p[0];
		pthread_create(&t, NULL, poller, &pa);
		ct_msleep(10); /* the poller is usually asleep by now (it need not be) */
		close(pa.efd);
		for (int i = 0; i < NEW_EFDS; i++) {
			efd[i] = eventfd(0, 0);
			pthread_create(&rt[i], NULL, efd_reader, &efd[i]);
		}
		ct_msleep(10); /* the readers usually queued */
		if (write(p[1], "x", 1) != 1)
			ok = 0;
		pthread_join(t, NULL);
		for (int i = 0; i < NEW_EFDS; i++) {
			uint64_t one = 1;
			if (write(efd[i], &one, 8) != 8)
				ok = 0;
		}
		for (int i = 0; i < NEW_EFDS; i++) {
			pthread_join(rt[i], NULL);
			close(efd[i]);
		}
		/* It ended (the pipe, or a new eventfd under the old number, is ready);
		 * select may fail with EBADF when it looked after the close (Linux). */
		ok &= pa.r >= 1 || (use_select && pa.pipe_revents == POLLNVAL);
		close(p[0]);
		close(p[1]);
	}
	CHECK(ok, use_select ? "select ends though another thread closed its eventfd; "
			       "the new eventfds' readers wake"
			     : "poll ends though another thread closed its eventfd; "
			       "the new eventfds' readers wake");
	return ct_child_status();
}

/* ---- clone(CLONE_THREAD|CLONE_VFORK) and SIGKILL ---- */

static volatile int vthread_ran;

static int vthread_exit(void *arg)
{
	vthread_ran = 1;
	return 0; /* the libc's clone ends the thread with exit(2) */
}

static int vthread_block(void *arg)
{
	vthread_ran = 1;
	for (;;)
		syscall(SYS_pause);
	return 0;
}

#define VT_FLAGS (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_VFORK)

static int vfork_thread_child(void *arg)
{
	static char stack[65536] __attribute__((aligned(16)));
	int (*fn)(void *) = arg;
	int tid = clone(fn, stack + sizeof(stack), VT_FLAGS, NULL);

	CHECK(tid > 0, "clone(CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|CLONE_VFORK) returns the tid");
	CHECK(vthread_ran, "after the thread ran");
	return ct_child_status();
}

static int killed_while(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	ct_msleep(100); /* usually blocked by now; SIGKILL must end it either way */
	kill(pid, SIGKILL);
	return ct_waitpid(pid, 0);
}

static void *futex_waiter(void *a)
{
	int word = 0;
	syscall(SYS_futex, &word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
	return NULL;
}

static void *reader(void *a)
{
	char c;
	read(*(int *)a, &c, 1);
	return NULL;
}

static int blocked_threads(void *arg)
{
	static int p[2];
	pthread_t a, b;

	if (pipe(p) < 0)
		return 90;
	pthread_create(&a, NULL, futex_waiter, NULL);
	pthread_create(&b, NULL, reader, &p[0]);
	pthread_join(a, NULL); /* never */
	return 91;
}

/* clone(flags, no new stack, &ptid, NULL, tls) in errno style; a child the
 * kernel should not have made leaves at once with exit(2), off the stack. */
static long raw_clone(unsigned long flags, unsigned long tls)
{
	int ptid;
	long r;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = (long)tls;

	__asm__ volatile("syscall\n\ttestq %%rax, %%rax\n\tjnz 1f\n\t"
			 "movl $60, %%eax\n\txorl %%edi, %%edi\n\tsyscall\n1:"
			 : "=a"(r)
			 : "a"((long)SYS_clone), "D"(flags), "S"(0L), "d"(&ptid), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory", "cc");
	if (r > 0)
		ct_waitpid((pid_t)r, __WALL);
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* ---- epoll instances watching each other ---- */

static int epoll_loop_child(void *arg)
{
	int a = epoll_create1(0), b = epoll_create1(0), efd = eventfd(0, 0);
	struct epoll_event ev = {EPOLLIN, {0}};
	uint64_t one = 1;

	CHECK_OK(epoll_ctl(a, EPOLL_CTL_ADD, b, &ev), "epoll B in epoll A");
	CHECK_OK(epoll_ctl(b, EPOLL_CTL_ADD, efd, &ev), "an eventfd in epoll B");
	CHECK_ERR(epoll_ctl(b, EPOLL_CTL_ADD, a, &ev), ELOOP, "epoll A in epoll B: ELOOP");
	CHECK_EQ(write(efd, &one, 8), 8, "the eventfd becomes ready");
	CHECK_EQ(epoll_wait(a, &ev, 1, 0), 1, "A sees B ready");
	return ct_child_status();
}

/* ---- open("/dev/tty") without a controlling terminal ---- */

static int no_ctty_child(void *arg)
{
	CHECK_OK(setsid(), "setsid: a new session, no controlling terminal");
	CHECK_ERR(open("/dev/tty", O_RDWR), ENXIO, "open(/dev/tty) gives ENXIO");
	return ct_child_status();
}

static void still_up(const char *after)
{
	int p[2];
	char c = 0;
	char what[128];

	snprintf(what, sizeof(what), "the system still works after %s (fork, pipe, exit)", after);
	if (pipe(p) < 0) {
		CHECK(0, what);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		write(p[1], "u", 1);
		_exit(7);
	}
	int st = ct_waitpid(pid, 0);
	CHECK(read(p[0], &c, 1) == 1 && c == 'u' && WIFEXITED(st) && WEXITSTATUS(st) == 7, what);
	close(p[0]);
	close(p[1]);
}

static const char *only; /* argv[1]: run only the sections whose name has it */

static bool section(const char *name)
{
	if (only && !strstr(name, only))
		return false;
	ct_section(name);
	return true;
}

int main(int argc, char **argv)
{
	ct_start(argc, argv);
	only = argc > 1 ? argv[1] : NULL;

	if (section("RFLAGS.NT from ring 3")) {
		CHECK_WAIT(ct_child(nt_child, NULL), "exit 0", "calls with NT set");
		still_up("NT");
	}

	if (section("syscall at the edges of the image window")) {
		CHECK_WAIT(ct_child(edge_child, NULL), "exit 0", "syscall at 0x3ffffffe and 0x80000000");
		still_up("the edge calls");
	}

	if (section("signal handler at a non-canonical address")) {
		CHECK_WAIT(ct_child(bad_handler_child, (void *)0x8000000000000000UL), "signal 11",
			   "a handler at 0x8000000000000000: SIGSEGV");
		CHECK_WAIT(ct_child(bad_handler_child, (void *)0x0000800000000000UL), "signal 11",
			   "a handler at 0x0000800000000000: SIGSEGV");
		still_up("bad handlers");
	}

	if (section("poll/select on a file closed by another thread")) {
		CHECK_WAIT(ct_child(poll_close_child, NULL), "exit 0", "poll");
		CHECK_WAIT(ct_child(poll_close_child, (void *)1), "exit 0", "select");
		still_up("poll and close");
	}

	if (section("clone(CLONE_THREAD|CLONE_VFORK), SIGKILL")) {
		CHECK_WAIT(ct_child(vfork_thread_child, vthread_exit), "exit 0",
			   "the vfork thread exits: the caller goes on");
		CHECK_WAIT(killed_while(vfork_thread_child, vthread_block), "signal 9",
			   "SIGKILL ends a process waiting for its vfork thread");
		CHECK_WAIT(killed_while(blocked_threads, NULL), "signal 9",
			   "SIGKILL ends a process whose threads wait in futex, read, pthread_join");
		still_up("the vfork threads");
	}

	if (section("clone flags Linux refuses")) {
		CHECK_ERR(raw_clone(CLONE_SIGHAND | SIGCHLD, 0), EINVAL, "CLONE_SIGHAND without CLONE_VM");
		CHECK_ERR(raw_clone(CLONE_THREAD | CLONE_VM | SIGCHLD, 0), EINVAL,
			  "CLONE_THREAD without CLONE_SIGHAND");
		CHECK_ERR(raw_clone(CLONE_FS | CLONE_NEWNS | SIGCHLD, 0), EINVAL, "CLONE_FS|CLONE_NEWNS");
		CHECK_ERR(raw_clone(CLONE_FS | CLONE_NEWUSER | SIGCHLD, 0), EINVAL, "CLONE_FS|CLONE_NEWUSER");
		CHECK_ERR(raw_clone(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID, 0), EINVAL,
			  "CLONE_THREAD|CLONE_NEWPID");
		CHECK_ERR(raw_clone(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0), EINVAL,
			  "CLONE_PIDFD|CLONE_PARENT_SETTID");
		still_up("refused clones");
	}

	if (section("FS bases")) {
		CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0x8000000000000000UL), EPERM,
			  "ARCH_SET_FS 0x8000000000000000 (non-canonical)");
		CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0xffff800000000000UL), EPERM,
			  "ARCH_SET_FS 0xffff800000000000 (kernel)");
		CHECK_ERR(raw_clone(CLONE_SETTLS | SIGCHLD, 0x8000000000000000UL), EPERM,
			  "CLONE_SETTLS 0x8000000000000000");
		still_up("bad FS bases");
	}

	if (section("epoll loops")) {
		CHECK_WAIT(ct_child(epoll_loop_child, NULL), "exit 0", "epoll instances in a loop");
		still_up("an epoll loop");
	}

	if (section("/dev/tty")) {
		CHECK_WAIT(ct_child(no_ctty_child, NULL), "exit 0", "no controlling terminal");
		still_up("/dev/tty");
	}
	return ct_done();
}
