/*
 * fuzz: a random-syscall fuzzer in ring 3 (issue 9: "a ring-3 program can
 * take the whole kernel down"). Forked workers issue random system calls
 * with hostile arguments - kernel and non-canonical pointers, NULL, huge
 * lengths, random flags, bad fds - and the kernel must neither panic nor
 * hang: every seed runs to its last call, and afterwards the system still
 * forks, pipes and exits. Workers may die (a random munmap, rt_sigreturn or
 * signal kills them, as on Linux); a new one takes over the rest.
 *
 *   compat-fuzz-VARIANT [-s SEED] [-n SEEDS] [-c CALLS] [-w WORKERS] [-v]
 *       seeds SEED..SEED+SEEDS-1 (default 1..3), CALLS calls each (default
 *       1500), WORKERS at a time (default 2); -v prints every call before
 *       it is made (to find the one that brings a kernel down)
 *
 * Reproducible: worker k of seed S draws everything from the generator
 * seeded with (S, k) (a dead worker's replacement is the next k), and
 * "-s S -n 1" replays seed S's calls; what timing decides (two workers on
 * the same scratch files, nudges, kills) may differ. A worker stuck in a
 * call (no progress through WATCH_POLLS of the parent's looks) is named
 * with that call and killed with SIGKILL, which must end any wait; if the
 * kernel panics or hangs, the last "# seed" line and -v say where.
 * Blocking calls are cut short by a 10 ms interval timer (SIGALRM without
 * SA_RESTART), re-armed after every call that may touch signal state, and
 * by a SIGALRM from the parent after WATCH_POLLS / 10 looks without progress.
 *
 * The same binary runs on the Linux host as root (host.compat-fuzz-*), so
 * the call table leaves out what could hurt the machine, not just the run:
 * exit/exit_group, pause, reboot, kill of anything but the worker itself;
 * mount, swap, modules, clock and host-name setters, iopl, mknod, SysV IPC,
 * fanotify, bpf, perf, ptrace, sync, vhangup, setpriority, scheduler
 * classes. Paths that modify are names inside the worker's scratch
 * directory, sockets are AF_UNIX with prepared addresses, pid arguments
 * are the worker's own (or a pid that does not exist), and no worker ever
 * dumps core (RLIMIT_CORE 0 and not dumpable, re-set after prctl/rlimit).
 */
#include "ct.h"
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>

#define WATCH_POLLS 200 /* parent looks (10 ms sleeps) without progress before SIGKILL */
#define PG 4096UL
#define BUF_PAGES 16
#define ARENA_PAGES 64

/* ---- the generator: splitmix64, one stream per (seed, worker) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- the call table ---- */

/*
 * Argument kinds, one letter each:
 *   x any value      p pointer       l length         f fd (or AT_FDCWD)
 *   g flags          r path to read  w path to write  i pid (the worker's)
 *   n signal number  m address for the mm calls       t timespec pointer
 *   a sockaddr ptr   h msghdr ptr    s small number   k small length (< 1 MiB)
 *   o ioctl request  c fcntl command 0 zero
 */
struct call {
	int nr;
	const char *name;
	const char *args;
	unsigned flags;
};
#define C_SIG 1u  /* may change signal state: re-arm the timer after it */
#define C_FORK 2u /* makes a child: it leaves at once (raw, off the stack) */
#define C_LIM 4u  /* may allow core dumps: no core files, ever (the host runs this too) */

static const struct call calls[] = {
	{SYS_read, "read", "fpl"},
	{SYS_write, "write", "fpl"},
	{SYS_open, "open", "rgx"},
	{SYS_close, "close", "f"},
	{SYS_stat, "stat", "rp"},
	{SYS_fstat, "fstat", "fp"},
	{SYS_lstat, "lstat", "rp"},
	{SYS_poll, "poll", "pss"},
	{SYS_lseek, "lseek", "fxs"},
	{SYS_mmap, "mmap", "mlggfx"},
	{SYS_mprotect, "mprotect", "mlg"},
	{SYS_munmap, "munmap", "ml"},
	{SYS_brk, "brk", "m"},
	{SYS_rt_sigaction, "rt_sigaction", "nppl", C_SIG},
	{SYS_rt_sigprocmask, "rt_sigprocmask", "sppl", C_SIG},
	{SYS_rt_sigreturn, "rt_sigreturn", "", C_SIG},
	{SYS_ioctl, "ioctl", "fox"},
	{SYS_pread64, "pread64", "fplx"},
	{SYS_pwrite64, "pwrite64", "fplx"},
	{SYS_readv, "readv", "fps"},
	{SYS_writev, "writev", "fps"},
	{SYS_access, "access", "rg"},
	{SYS_pipe, "pipe", "p"},
	{SYS_select, "select", "spppt"},
	{SYS_sched_yield, "sched_yield", ""},
	{SYS_mremap, "mremap", "mllgm"},
	{SYS_msync, "msync", "mlg"},
	{SYS_mincore, "mincore", "mlp"},
	{SYS_madvise, "madvise", "mls"},
	{SYS_dup, "dup", "f"},
	{SYS_dup2, "dup2", "fs"},
	{SYS_nanosleep, "nanosleep", "tp"},
	{SYS_getitimer, "getitimer", "sp"},
	{SYS_alarm, "alarm", "s", C_SIG},
	{SYS_setitimer, "setitimer", "spp", C_SIG},
	{SYS_getpid, "getpid", ""},
	{SYS_sendfile, "sendfile", "ffpl"},
	{SYS_socket, "socket", "0gg"},
	{SYS_connect, "connect", "fal"},
	{SYS_accept, "accept", "fpp"},
	{SYS_sendto, "sendto", "fplgal"},
	{SYS_recvfrom, "recvfrom", "fplgpp"},
	{SYS_sendmsg, "sendmsg", "fhg"},
	{SYS_recvmsg, "recvmsg", "fhg"},
	{SYS_shutdown, "shutdown", "fs"},
	{SYS_bind, "bind", "fal"},
	{SYS_listen, "listen", "fx"},
	{SYS_getsockname, "getsockname", "fpp"},
	{SYS_getpeername, "getpeername", "fpp"},
	{SYS_socketpair, "socketpair", "0ggp"},
	{SYS_setsockopt, "setsockopt", "fssps"},
	{SYS_getsockopt, "getsockopt", "fsspp"},
	{SYS_clone, "clone", "gmppx", C_FORK},
	{SYS_fork, "fork", "", C_FORK},
	{SYS_vfork, "vfork", "", C_FORK},
	{SYS_execve, "execve", "rpp"},
	{SYS_wait4, "wait4", "ipgp"},
	{SYS_kill, "kill", "in"},
	{SYS_uname, "uname", "p"},
	{SYS_fcntl, "fcntl", "fcx"},
	{SYS_flock, "flock", "fg"},
	{SYS_fsync, "fsync", "f"},
	{SYS_fdatasync, "fdatasync", "f"},
	{SYS_truncate, "truncate", "wk"},
	{SYS_ftruncate, "ftruncate", "fx"},
	{SYS_getdents, "getdents", "fpl"},
	{SYS_getcwd, "getcwd", "pl"},
	{SYS_chdir, "chdir", "w"},
	{SYS_fchdir, "fchdir", "f"},
	{SYS_rename, "rename", "ww"},
	{SYS_mkdir, "mkdir", "wg"},
	{SYS_rmdir, "rmdir", "w"},
	{SYS_creat, "creat", "wg"},
	{SYS_link, "link", "ww"},
	{SYS_unlink, "unlink", "w"},
	{SYS_symlink, "symlink", "ww"},
	{SYS_readlink, "readlink", "rpl"},
	{SYS_chmod, "chmod", "wg"},
	{SYS_fchmod, "fchmod", "fg"},
	{SYS_chown, "chown", "wxx"},
	{SYS_umask, "umask", "g"},
	{SYS_gettimeofday, "gettimeofday", "pp"},
	{SYS_getrlimit, "getrlimit", "sp"},
	{SYS_getrusage, "getrusage", "sp"},
	{SYS_sysinfo, "sysinfo", "p"},
	{SYS_times, "times", "p"},
	{SYS_getuid, "getuid", ""},
	{SYS_setuid, "setuid", "x"},
	{SYS_setgid, "setgid", "x"},
	{SYS_getppid, "getppid", ""},
	{SYS_getpgrp, "getpgrp", ""},
	{SYS_setsid, "setsid", ""},
	{SYS_setreuid, "setreuid", "xx"},
	{SYS_getgroups, "getgroups", "sp"},
	{SYS_setgroups, "setgroups", "sp"},
	{SYS_setresuid, "setresuid", "xxx"},
	{SYS_getresuid, "getresuid", "ppp"},
	{SYS_getpgid, "getpgid", "i"},
	{SYS_getsid, "getsid", "i"},
	{SYS_rt_sigpending, "rt_sigpending", "pl"},
	{SYS_rt_sigtimedwait, "rt_sigtimedwait", "pptl", C_SIG},
	{SYS_rt_sigqueueinfo, "rt_sigqueueinfo", "inp"},
	{SYS_rt_sigsuspend, "rt_sigsuspend", "pl", C_SIG},
	{SYS_sigaltstack, "sigaltstack", "pp"},
	{SYS_statfs, "statfs", "rp"},
	{SYS_fstatfs, "fstatfs", "fp"},
	{SYS_getpriority, "getpriority", "si"},
	{SYS_prctl, "prctl", "sxxxx", C_LIM},
	{SYS_arch_prctl, "arch_prctl", "xx"},
	{SYS_setrlimit, "setrlimit", "sp", C_LIM},
	{SYS_gettid, "gettid", ""},
	{SYS_tkill, "tkill", "in"},
	{SYS_time, "time", "p"},
	{SYS_futex, "futex", "pgxtpx"},
	{SYS_sched_setaffinity, "sched_setaffinity", "ilp"},
	{SYS_sched_getaffinity, "sched_getaffinity", "ilp"},
	{SYS_epoll_create, "epoll_create", "x"},
	{SYS_getdents64, "getdents64", "fpl"},
	{SYS_set_tid_address, "set_tid_address", "p"},
	{SYS_restart_syscall, "restart_syscall", ""},
	{SYS_clock_gettime, "clock_gettime", "sp"},
	{SYS_clock_getres, "clock_getres", "sp"},
	{SYS_clock_nanosleep, "clock_nanosleep", "sgtp"},
	{SYS_epoll_wait, "epoll_wait", "fpss"},
	{SYS_epoll_ctl, "epoll_ctl", "fsfp"},
	{SYS_tgkill, "tgkill", "iin"},
	{SYS_openat, "openat", "frgx"},
	{SYS_mkdirat, "mkdirat", "fwg"},
	{SYS_newfstatat, "newfstatat", "frpg"},
	{SYS_unlinkat, "unlinkat", "fwg"},
	{SYS_renameat, "renameat", "fwfw"},
	{SYS_linkat, "linkat", "fwfwg"},
	{SYS_symlinkat, "symlinkat", "wfw"},
	{SYS_readlinkat, "readlinkat", "frpl"},
	{SYS_fchmodat, "fchmodat", "fwg"},
	{SYS_faccessat, "faccessat", "frg"},
	{SYS_pselect6, "pselect6", "sppptp", C_SIG},
	{SYS_ppoll, "ppoll", "pstpl", C_SIG},
	{SYS_set_robust_list, "set_robust_list", "pl"},
	{SYS_get_robust_list, "get_robust_list", "ipp"},
	{SYS_splice, "splice", "fpfplg"},
	{SYS_tee, "tee", "fflg"},
	{SYS_utimensat, "utimensat", "fwpg"},
	{SYS_epoll_pwait, "epoll_pwait", "fpsspl", C_SIG},
	{SYS_signalfd, "signalfd", "fpl"},
	{SYS_timerfd_create, "timerfd_create", "sg"},
	{SYS_eventfd, "eventfd", "x"},
	{SYS_fallocate, "fallocate", "fgkk"},
	{SYS_timerfd_settime, "timerfd_settime", "fgpp"},
	{SYS_timerfd_gettime, "timerfd_gettime", "fp"},
	{SYS_accept4, "accept4", "fppg"},
	{SYS_signalfd4, "signalfd4", "fplg"},
	{SYS_eventfd2, "eventfd2", "xg"},
	{SYS_epoll_create1, "epoll_create1", "g"},
	{SYS_dup3, "dup3", "fsg"},
	{SYS_pipe2, "pipe2", "pg"},
	{SYS_preadv, "preadv", "fpsx"},
	{SYS_pwritev, "pwritev", "fpsx"},
	{SYS_prlimit64, "prlimit64", "ispp", C_LIM},
	{SYS_getcpu, "getcpu", "ppp"},
	{SYS_getrandom, "getrandom", "plg"},
	{SYS_memfd_create, "memfd_create", "rg"},
	{SYS_statx, "statx", "frggp"},
	{SYS_mlock, "mlock", "ml"},
	{SYS_munlock, "munlock", "ml"},
	{SYS_modify_ldt, "modify_ldt", "spl"},
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/* ---- what a worker owns: buffers, fds, paths ---- */

static unsigned char *buf;   /* BUF_PAGES read-write pages, random bytes */
static unsigned char *ro;    /* a read-only page */
static unsigned char *none;  /* a PROT_NONE page */
static unsigned char *arena; /* ARENA_PAGES for the mm calls to play in */
static unsigned char *misc;  /* timespecs, sockaddrs, msghdrs, path strings */
static int fds[16], nfds;
static pid_t self;

static const char *const read_paths[] = {
	"f", "d", "l", "d/x", "nonexistent", "/dev/null", "/proc/self/stat", "/proc/self/maps",
	".", "",
};
static const char *const write_paths[] = {"f", "d", "l", "d/x", "g", "d/y", "e/z", "s0"};
#define NRP (sizeof(read_paths) / sizeof(read_paths[0]))
#define NWP (sizeof(write_paths) / sizeof(write_paths[0]))

/* Pointers that must fail cleanly: kernel image, direct map, kernel text,
 * non-canonical, page 0, just below the image window, the top user page. */
static const uint64_t bad_ptrs[] = {
	0,
	0x40200000UL,
	0xffff800000000000UL,
	0xffffffff80000000UL,
	0x8000000000000000UL,
	0x0000800000000000UL,
	0x1000,
	0x3ffff000UL,
	0x7ffffffff000UL,
	0xffffffffffffffffUL,
};
#define NBAD (sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))

static uint64_t gen_ptr(void)
{
	switch (below(12)) {
	case 0: case 1: return bad_ptrs[below(NBAD)];
	case 2: return (uint64_t)ro + below(PG);
	case 3: return (uint64_t)none + below(PG);
	case 4: return (uint64_t)buf + BUF_PAGES * PG - 1 - below(16); /* at the end */
	case 5: return rnd();
	default: return (uint64_t)buf + below(BUF_PAGES * PG / 2);
	}
}

static uint64_t gen_len(void)
{
	static const uint64_t lens[] = {0, 1, 8, 16, 64, 4096, 65536, 1UL << 30, ~0UL, 0x7fffffff,
					0x80000000UL, 1UL << 63};
	return below(3) ? below(8192) : lens[below(sizeof(lens) / sizeof(lens[0]))];
}

static uint64_t gen_flags(void)
{
	switch (below(4)) {
	case 0: return 0;
	case 1: return rnd() & rnd() & rnd() & 0xffffffffUL; /* a few bits */
	case 2: return rnd() & 0xffffffffUL;
	default: return 1UL << below(32);
	}
}

static uint64_t gen_fd(void)
{
	switch (below(10)) {
	case 0: return (uint64_t)(long)-1;
	case 1: return below(1024);
	case 2: return 0x7fffffff;
	case 3: return (uint64_t)(long)-100; /* AT_FDCWD */
	default: return nfds ? (uint64_t)fds[below(nfds)] : 0;
	}
}

static uint64_t gen_mm_addr(void)
{
	switch (below(6)) {
	case 0: return bad_ptrs[below(NBAD)];
	case 1: return rnd() & ~(PG - 1);
	default: return (uint64_t)arena + below(ARENA_PAGES) * PG;
	}
}

/* Paths live in misc + 1024.. (rewritten before each call). */
static uint64_t put_path(const char *s)
{
	char *p = (char *)misc + 1024 + below(4) * 256;

	strcpy(p, s);
	return (uint64_t)p;
}

static uint64_t gen_path(bool write)
{
	if (below(10) == 0)
		return bad_ptrs[below(NBAD)];
	if (below(30) == 0) { /* longer than PATH_MAX */
		char *p = (char *)buf + PG;
		memset(p, 'a', 5000);
		p[5000] = 0;
		return (uint64_t)p;
	}
	return put_path(write ? write_paths[below(NWP)] : read_paths[below(NRP)]);
}

static uint64_t gen_timespec(void)
{
	long *ts = (long *)misc;

	if (below(8) == 0)
		return gen_ptr();
	ts[0] = below(10) ? 0 : (long)rnd();
	ts[1] = below(10) ? (long)below(2000000) : (long)rnd();
	return (uint64_t)ts;
}

/* An AF_UNIX address in the scratch directory or the abstract namespace. */
static uint64_t gen_sockaddr(void)
{
	struct sockaddr_un *sa = (struct sockaddr_un *)(misc + 64);

	if (below(6) == 0)
		return gen_ptr();
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = below(8) ? AF_UNIX : (sa_family_t)below(64);
	if (below(2))
		snprintf(sa->sun_path, sizeof(sa->sun_path), "s%d", (int)below(2));
	else
		snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "fuzz%d", (int)below(2));
	return (uint64_t)sa;
}

static uint64_t gen_msghdr(void)
{
	struct msghdr *m = (struct msghdr *)(misc + 256);
	struct iovec *iov = (struct iovec *)(misc + 384);

	if (below(6) == 0)
		return gen_ptr();
	iov[0].iov_base = (void *)gen_ptr();
	iov[0].iov_len = gen_len();
	iov[1].iov_base = buf;
	iov[1].iov_len = below(256);
	memset(m, 0, sizeof(*m));
	m->msg_name = below(2) ? (void *)gen_sockaddr() : NULL;
	m->msg_namelen = (socklen_t)below(128);
	m->msg_iov = below(8) ? iov : (struct iovec *)gen_ptr();
	m->msg_iovlen = below(3);
	m->msg_control = below(3) ? NULL : (void *)gen_ptr();
	m->msg_controllen = below(512);
	return (uint64_t)m;
}

static uint64_t gen_pid(void)
{
	switch (below(4)) {
	case 0: return (uint64_t)(long)-self; /* the worker's own group */
	case 1: return 0x3ffffff0;           /* no such process */
	default: return (uint64_t)self;
	}
}

static uint64_t gen_signal(void)
{
	uint64_t s = below(66);

	/* Stops only waste time until the watchdog: continue instead. */
	return s == SIGSTOP || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU ? SIGCONT : s;
}

static uint64_t gen_ioctl_req(void)
{
	static const uint64_t reqs[] = {0x5401, 0x5402, 0x540b, 0x540e, 0x540f, 0x5413, 0x5414,
					0x541b, 0x5421, 0x5422, 0x5450, 0x5451, 0x80086601};
	uint64_t r = below(3) ? reqs[below(sizeof(reqs) / sizeof(reqs[0]))] : rnd() & 0xffffffffUL;

	/* No SIGIO/SIGURG owner other than us (FIOSETOWN, SIOCSPGRP, TIOCSPGRP). */
	return r == 0x8901 || r == 0x8902 || r == 0x5410 ? 0x541b : r;
}

static uint64_t gen_arg(char kind, uint64_t *a, int i)
{
	switch (kind) {
	case 'p': return gen_ptr();
	case 'l': return gen_len();
	case 'k': return below(1 << 20);
	case 'f': return gen_fd();
	case 'g': return gen_flags();
	case 'r': return gen_path(false);
	case 'w': return gen_path(true);
	case 'i': return gen_pid();
	case 'n': return gen_signal();
	case 'm': return gen_mm_addr();
	case 't': return gen_timespec();
	case 'a': return gen_sockaddr();
	case 'h': return gen_msghdr();
	case 's': return below(4) ? below(8) : below(1100);
	case 'o': return gen_ioctl_req();
	case 'c': return below(1100);
	case '0': return AF_UNIX;
	default: return below(2) ? rnd() : below(4096);
	}
}

/* ---- the worker ---- */

/* A worker's progress, written by it and read by the parent. A worker gone
 * astray (rt_sigreturn to a random frame) may scribble here: the parent keeps
 * the budget itself and clamps what it reads. */
struct slot {
	volatile uint64_t done;   /* calls made */
	volatile int idx;         /* calls[] index of the running call, -1 between */
	volatile uint64_t a[6];
	volatile int stream;
};

static struct slot *slots;
#define SLOTS_AT ((void *)0x600000000000UL)
static int verbose_fd = -1;

static void on_alarm(int sig)
{
}

static void arm_timer(void)
{
	struct sigaction sa;
	sigset_t s;
	struct itimerval it = {{0, 10000}, {0, 10000}};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: blocking calls end with EINTR */
	sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static long raw6(long nr, const uint64_t *a, bool fork_like)
{
	long r;
	register uint64_t r10 __asm__("r10") = a[3];
	register uint64_t r8 __asm__("r8") = a[4];
	register uint64_t r9 __asm__("r9") = a[5];

	if (fork_like) /* the child, on any stack, leaves at once through exit(2) */
		__asm__ volatile("syscall\n\ttestq %%rax, %%rax\n\tjnz 1f\n\t"
				 "movl $60, %%eax\n\txorl %%edi, %%edi\n\tsyscall\n1:"
				 : "=a"(r)
				 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
				 : "rcx", "r11", "memory", "cc");
	else
		__asm__ volatile("syscall"
				 : "=a"(r)
				 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
				 : "rcx", "r11", "memory", "cc");
	return r;
}

/* After a call that may have raised RLIMIT_CORE or made us dumpable. */
static void no_core(void)
{
	struct rlimit rl = {0, 0};

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0);
}

static void worker_setup(void)
{
	int devnull = open("/dev/null", O_RDWR);

	setsid(); /* its own session and group: kill(-self) reaches only it */
	self = getpid();
	if (verbose_fd >= 0)
		verbose_fd = dup2(verbose_fd, 500);
	for (int fd = 0; fd < 3; fd++)
		dup2(devnull, fd);
	for (int fd = 3; fd < 400; fd++)
		if (fd != devnull)
			close(fd);
	close(devnull);
	no_core();
	buf = mmap(NULL, BUF_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	arena = mmap(NULL, ARENA_PAGES * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	misc = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < BUF_PAGES * PG / 8; i++)
		((uint64_t *)buf)[i] = rnd();
	int p[2], sp[2];
	nfds = 0;
	if (pipe(p) == 0)
		fds[nfds++] = p[0], fds[nfds++] = p[1];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0)
		fds[nfds++] = sp[0], fds[nfds++] = sp[1];
	fds[nfds++] = open("f", O_RDWR | O_CREAT, 0644);
	fds[nfds++] = open(".", O_RDONLY | O_DIRECTORY);
	fds[nfds++] = open("/dev/null", O_RDWR);
	fds[nfds++] = (int)syscall(SYS_eventfd2, 0, 0);
	fds[nfds++] = (int)syscall(SYS_epoll_create1, 0);
	fds[nfds++] = socket(AF_UNIX, SOCK_DGRAM, 0);
	arm_timer();
}

/* One line about a call; idx may come from a scribbled slot (see struct slot). */
static void say_call(int fd, const char *what, int stream, uint64_t n, int idx,
		     const volatile uint64_t *a)
{
	char line[256];
	int len = snprintf(line, sizeof(line),
			   "%s stream %d call %llu: %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)\n",
			   what, stream, (unsigned long long)n, idx < 0 ? "-" : idx < (int)NCALLS ? calls[idx].name : "?",
			   (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
			   (unsigned long long)a[3], (unsigned long long)a[4], (unsigned long long)a[5]);
	if (write(fd, line, (size_t)len) < 0)
		return;
}

/* Clear SIGALRM in a signal mask the call will run under (else only the
 * watchdog would end its wait). */
static void let_alarm_in(uint64_t mask_ptr)
{
	if (mask_ptr >= (uint64_t)buf && mask_ptr <= (uint64_t)buf + BUF_PAGES * PG - 8) {
		uint64_t m;
		memcpy(&m, (void *)mask_ptr, 8);
		m &= ~(1ULL << (SIGALRM - 1));
		memcpy((void *)mask_ptr, &m, 8);
	}
}

/* Arguments that need a nudge: often-valid sizes, and nothing that reaches
 * beyond the worker (the host runs this too). */
static void fix_args(const struct call *c, uint64_t *a)
{
	switch (c->nr) {
	case SYS_fcntl: /* F_SETOWN, F_SETOWN_EX: only ourselves */
		if (a[1] == 8)
			a[2] = (uint64_t)self;
		else if (a[1] == 15)
			a[2] = 0;
		break;
	case SYS_clone: /* no sibling of ours: the parent reaps only its workers */
		a[0] &= ~(uint64_t)CLONE_PARENT;
		break;
	case SYS_rt_sigaction: case SYS_rt_sigprocmask:
		if (below(4))
			a[3] = 8;
		break;
	case SYS_rt_sigsuspend:
		if (below(4))
			a[1] = 8;
		let_alarm_in(a[0]);
		break;
	case SYS_ppoll: case SYS_epoll_pwait:
		let_alarm_in(a[c->nr == SYS_ppoll ? 3 : 4]);
		break;
	case SYS_arch_prctl:
		if (below(4))
			a[0] = 0x1001 + below(4); /* SET_GS, SET_FS, GET_FS, GET_GS */
		break;
	}
}

static void worker(struct slot *sl, uint64_t seed, uint64_t budget)
{
	rng_state = seed * 0x100000001b3ULL + (uint64_t)sl->stream; /* set just before the fork */
	worker_setup();
	for (uint64_t n = 0; n < budget; n++) {
		const struct call *c = &calls[below(NCALLS)];
		uint64_t a[6] = {0};

		for (int i = 0; c->args[i] && i < 6; i++)
			a[i] = gen_arg(c->args[i], a, i);
		fix_args(c, a);
		for (int i = 0; i < 6; i++)
			sl->a[i] = a[i];
		sl->idx = (int)(c - calls);
		if (verbose_fd >= 0)
			say_call(verbose_fd, "#", sl->stream, n, sl->idx, sl->a);
		raw6(c->nr, a, c->flags & C_FORK);
		sl->idx = -1;
		sl->done = n + 1;
		if (c->flags & C_SIG)
			arm_timer();
		if (c->flags & C_LIM)
			no_core();
		if ((c->flags & C_FORK) || !(n % 32))
			while (syscall(SYS_wait4, -1, NULL, WNOHANG | __WALL, NULL) > 0)
				;
	}
	syscall(SYS_exit_group, 0);
}

/* ---- the parent ---- */

struct run {
	pid_t pid;
	uint64_t budget; /* calls it is to make */
	uint64_t last_done;
	int idle;
};

static void start_worker(struct slot *sl, struct run *r, uint64_t seed, int stream,
			 uint64_t budget)
{
	sl->done = 0;
	sl->idx = -1;
	sl->stream = stream;
	r->budget = budget;
	r->last_done = 0;
	r->idle = 0;
	r->pid = fork();
	if (r->pid == 0)
		worker(sl, seed, budget);
}

/* One seed: `total` calls by up to `nw` workers at a time. Returns calls made. */
static uint64_t run_seed(uint64_t seed, uint64_t total, int nw, int *deaths, int *kills)
{
	struct run runs[8];
	uint64_t made = 0, handed = 0, share = (total + (uint64_t)nw - 1) / (uint64_t)nw;
	int stream = 0, live = 0;

	for (int i = 0; i < nw; i++) {
		uint64_t b = total - handed < share ? total - handed : share;
		runs[i].pid = 0;
		if (!b)
			continue;
		start_worker(&slots[i], &runs[i], seed, stream++, b);
		handed += b;
		live++;
	}
	while (live) {
		ct_msleep(10);
		for (int i = 0; i < nw; i++) {
			struct run *r = &runs[i];
			struct slot *sl = &slots[i];
			int st;

			if (!r->pid)
				continue;
			if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
				/* The call it died in (or was killed in) counts as made; an
				 * exit with 0 is the end of its loop: all made. */
				uint64_t done = sl->done + (sl->idx >= 0);
				if (done > r->budget || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
					done = r->budget;
				uint64_t left = r->budget - done;
				made += done;
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
					(*deaths)++;
				r->pid = 0;
				live--;
				if (left && done) { /* a new worker makes the rest */
					start_worker(sl, r, seed, stream++, left);
					live++;
				} else if (left) {
					ct_note("seed %llu stream %d died in its set-up (status %#x)",
						(unsigned long long)seed, sl->stream, st);
				}
				continue;
			}
			if (sl->done != r->last_done) {
				r->last_done = sl->done;
				r->idle = 0;
			} else if (++r->idle == WATCH_POLLS / 10) {
				kill(r->pid, SIGALRM); /* a nudge: a blocked call ends with EINTR */
			} else if (r->idle == WATCH_POLLS) {
				char line[64];
				snprintf(line, sizeof(line), "# seed %llu: stuck, SIGKILL;",
					 (unsigned long long)seed);
				say_call(1, line, sl->stream, sl->done, sl->idx, sl->a);
				kill(r->pid, SIGKILL);
				(*kills)++;
			}
		}
	}
	return made;
}

/* fork, a pipe and exit still work. */
static bool still_up(void)
{
	int p[2];
	char c = 0;

	if (pipe(p) < 0)
		return false;
	pid_t pid = fork();
	if (pid == 0) {
		if (write(p[1], "u", 1) != 1)
			_exit(1);
		_exit(7);
	}
	int st = ct_waitpid(pid, 0);
	bool ok = read(p[0], &c, 1) == 1 && c == 'u' && WIFEXITED(st) && WEXITSTATUS(st) == 7;
	close(p[0]);
	close(p[1]);
	return ok;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	remove(path);
	return 0;
}

/* The scratch directory the workers run in: a file, a directory, a symlink. */
static void make_scratch(void)
{
	const char *dir = ct_tmpdir();

	if (chdir(dir) < 0) {
		ct_out("FAIL chdir %s: %s", dir, strerror(errno));
		exit(1);
	}
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	if (fd >= 0) {
		if (write(fd, "scratch file\n", 13) != 13)
			ct_note("write f: %s", strerror(errno));
		close(fd);
	}
	mkdir("d", 0755);
	if (symlink("f", "l") < 0)
		ct_note("symlink: %s", strerror(errno));
	ct_note("scratch directory %s", dir);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, nseeds = 3, ncalls = 1500;
	int nw = 2, opt;

	ct_start(argc, argv);
	while ((opt = getopt(argc, argv, "s:n:c:w:v")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': nseeds = strtoull(optarg, NULL, 0); break;
		case 'c': ncalls = strtoull(optarg, NULL, 0); break;
		case 'w': nw = atoi(optarg); break;
		case 'v': verbose_fd = 1; break;
		default:
			ct_out("usage: %s [-s SEED] [-n SEEDS] [-c CALLS] [-w WORKERS] [-v]", argv[0]);
			return 2;
		}
	}
	if (nw < 1 || nw > 8)
		nw = 2;
	/* Far from everything a worker's mm calls aim at (its arena and the bad
	 * pointers, with lengths up to 2 GiB): a MAP_FIXED or munmap over it in a
	 * worker would hide that worker's progress. */
	slots = mmap(SLOTS_AT, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(slots != MAP_FAILED, "a shared page for the workers' progress"))
		return ct_done();
	if (slots != SLOTS_AT)
		ct_note("the progress page is at %p, not %p: a worker may hide its progress",
			(void *)slots, SLOTS_AT);
	/* Workers inherit the handler from the first instruction: a nudge (see
	 * run_seed) that comes during a slow set-up must not kill them. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	make_scratch();
	ct_note("%zu system calls in the table; seeds %llu..%llu, %llu calls each, %d workers",
		NCALLS, (unsigned long long)seed, (unsigned long long)(seed + nseeds - 1),
		(unsigned long long)ncalls, nw);
	for (uint64_t s = seed; s < seed + nseeds; s++) {
		int deaths = 0, kills = 0;
		ct_note("seed %llu: start", (unsigned long long)s);
		uint64_t made = run_seed(s, ncalls, nw, &deaths, &kills);
		ct_note("seed %llu: %llu calls, %d workers died, %d killed when stuck",
			(unsigned long long)s, (unsigned long long)made, deaths, kills);
		char what[96];
		snprintf(what, sizeof(what), "seed %llu ran all its calls", (unsigned long long)s);
		CHECK_EQ(made, ncalls, what);
		snprintf(what, sizeof(what), "the system still works after seed %llu",
			 (unsigned long long)s);
		CHECK(still_up(), what);
	}
	if (chdir("/") == 0)
		nftw(ct_tmpdir(), rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return ct_done();
}
