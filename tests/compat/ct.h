/*
 * ct.h - the test framework of the compat programs (the C files of tests/compat):
 * static Linux programs that run unchanged on the Linux host (host.compat-*) and in
 * ring 3 under Jiny (guest.compat-*), where the expectations are Linux's.
 *
 *     CHECK(cond, "what")              one result line per check:
 *     CHECK_EQ(a, b, "what")             "ok   LINE what" or
 *     CHECK_ERR(expr, ERRNO, "what")     "FAIL LINE what: detail"
 *     CHECK_WAIT(status, "exit 3", "what")   a wait status, see ct_wstr()
 *     ct_note("fmt", ...)              "# ..." (information only)
 *     ct_section("name")               "== name"
 *     return ct_done();                "PASS compat-NAME-VARIANT: N checks" or
 *                                      "FAIL compat-NAME-VARIANT: F of N checks failed"
 *
 * Output goes through write(2) on fd 1, never stdio, so a fork() does not
 * duplicate buffered text and a line is never half-written when a signal or
 * a crash interrupts the program. Checks made in a child process count in
 * the child: ct_child() runs a function in a fresh child and returns its wait
 * status, and the child's exit status is its number of failed checks (capped),
 * so the parent checks CHECK_WAIT(st, "exit 0", ...).
 *
 * ct_catch() runs a function that should fault: handlers for SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL and SIGTRAP record siginfo and the interrupted RIP, then
 * siglongjmp() back. ct_name() comes from the file name, CT_VARIANT from the
 * build (-DCT_VARIANT="musl-pie", tests/compat/cc-variant.sh).
 */
#ifndef JINY_COMPAT_CT_H
#define JINY_COMPAT_CT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef CT_VARIANT
#define CT_VARIANT "host"
#endif

#define CT_FN static __attribute__((unused))

static int ct_checks, ct_fails;

/* Write all of buf to fd 1, retrying after EINTR and short writes. */
CT_FN void ct_write(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(1, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

CT_FN void ct_vout(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s", prefix);

	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	ct_write(buf, (size_t)n);
}

CT_FN __attribute__((format(printf, 1, 2))) void ct_out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_vout("", fmt, ap);
	va_end(ap);
}

CT_FN __attribute__((format(printf, 1, 2))) void ct_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_vout("# ", fmt, ap);
	va_end(ap);
}

CT_FN void ct_section(const char *name)
{
	ct_out("== %s", name);
}

/* The program's name: the source file's base name without ".c". */
CT_FN const char *ct_name(void)
{
	static char name[64];
	const char *s = strrchr(__BASE_FILE__, '/');
	size_t n;

	s = s ? s + 1 : __BASE_FILE__;
	n = strcspn(s, ".");
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, s, n);
	name[n] = 0;
	return name;
}

/* Count a check and print its line; detail (may be NULL) explains a failure. */
CT_FN int ct_report(int ok, int line, const char *what, const char *detail)
{
	ct_checks++;
	if (ok) {
		ct_out("ok   %d %s", line, what);
		return 1;
	}
	ct_fails++;
	ct_out("FAIL %d %s%s%s", line, what, detail ? ": " : "", detail ? detail : "");
	return 0;
}

CT_FN int ct_check(int ok, int line, const char *expr, const char *what)
{
	char d[300];

	snprintf(d, sizeof(d), "false: %s", expr);
	return ct_report(ok, line, what, d);
}

CT_FN int ct_check_eq(long long a, long long b, int line, const char *ea, const char *eb,
		      const char *what)
{
	char d[400];

	snprintf(d, sizeof(d), "%s == %s: %lld (%#llx) vs %lld (%#llx)", ea, eb, a,
		 (unsigned long long)a, b, (unsigned long long)b);
	return ct_report(a == b, line, what, d);
}

/* expr returned -1 with errno == want (ret is what it returned, err its errno). */
CT_FN int ct_check_err(long ret, int err, int want, int line, const char *expr, const char *what)
{
	char d[400];

	snprintf(d, sizeof(d), "%s returned %ld, errno %d (%s); expected -1, errno %d (%s)", expr,
		 ret, ret == -1 ? err : 0, ret == -1 ? strerror(err) : "-", want, strerror(want));
	return ct_report(ret == -1 && err == want, line, what, d);
}

/* A wait status in words: "exit 3", "signal 11", "stopped 19", "continued". */
CT_FN const char *ct_wstr(int st, char *buf, size_t size)
{
	if (st == -1)
		snprintf(buf, size, "no status (wait failed)");
	else if (WIFEXITED(st))
		snprintf(buf, size, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "signal %d", WTERMSIG(st));
	else if (WIFSTOPPED(st))
		snprintf(buf, size, "stopped %d", WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		snprintf(buf, size, "continued");
	else
		snprintf(buf, size, "raw %#x", st);
	return buf;
}

CT_FN int ct_check_wait(int st, const char *want, int line, const char *what)
{
	char got[64], d[200];

	ct_wstr(st, got, sizeof(got));
	snprintf(d, sizeof(d), "wait status is '%s' (%#x), expected '%s'", got, st, want);
	return ct_report(strcmp(got, want) == 0, line, what, d);
}

#define CHECK(cond, what) ct_check(!!(cond), __LINE__, #cond, what)
#define CHECK_EQ(a, b, what)                                                                     \
	ct_check_eq((long long)(a), (long long)(b), __LINE__, #a, #b, what)
#define CHECK_ERR(expr, want, what)                                                              \
	({                                                                                       \
		errno = 0;                                                                       \
		long ct_r_ = (long)(expr);                                                       \
		ct_check_err(ct_r_, errno, want, __LINE__, #expr, what);                         \
	})
/* expr succeeded (returned something other than -1); the value is kept. */
#define CHECK_OK(expr, what)                                                                     \
	({                                                                                       \
		errno = 0;                                                                       \
		long ct_r_ = (long)(expr);                                                       \
		char ct_d_[300];                                                                 \
		snprintf(ct_d_, sizeof(ct_d_), "%s returned -1, errno %d (%s)", #expr, errno,    \
			 strerror(errno));                                                       \
		ct_report(ct_r_ != -1, __LINE__, what, ct_d_);                                   \
		ct_r_;                                                                           \
	})
#define CHECK_WAIT(st, want, what) ct_check_wait(st, want, __LINE__, what)

/* The exit status of a child that made checks: 0, or its failures (max 100). */
CT_FN int ct_child_status(void)
{
	return ct_fails > 100 ? 100 : ct_fails;
}

/* waitpid() that retries after EINTR; returns the status, or -1. */
CT_FN int ct_waitpid(pid_t pid, int flags)
{
	int st;
	pid_t r;

	do
		r = waitpid(pid, &st, flags);
	while (r < 0 && errno == EINTR);
	return r == pid ? st : -1;
}

/*
 * Run fn(arg) in a child process whose checks start from zero; the child
 * exits with fn's return value (use ct_child_status() there). Returns the
 * child's wait status, or -1 if fork failed.
 */
CT_FN int ct_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid < 0) {
		ct_out("FAIL fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		ct_checks = ct_fails = 0;
		_exit(fn(arg));
	}
	return ct_waitpid(pid, 0);
}

/* Sleep for ms milliseconds (nanosleep, restarted after signals). */
CT_FN void ct_msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- catching faults ---- */

/*
 * Instructions that fault at a known address (si_addr and the saved RIP are
 * checked against these labels): ct_read_byte(p) reads *p at ct_read_insn,
 * ct_write_byte(p, v) writes at ct_write_insn.
 */
__asm__(".pushsection .text\n"
	".globl ct_read_byte\n.hidden ct_read_byte\n.type ct_read_byte, @function\n"
	"ct_read_byte:\n"
	".globl ct_read_insn\n.hidden ct_read_insn\nct_read_insn:\n"
	"\tmovzbl (%rdi), %eax\n\tret\n.size ct_read_byte, .-ct_read_byte\n"
	".globl ct_write_byte\n.hidden ct_write_byte\n.type ct_write_byte, @function\n"
	"ct_write_byte:\n"
	".globl ct_write_insn\n.hidden ct_write_insn\nct_write_insn:\n"
	"\tmovb %sil, (%rdi)\n\tret\n.size ct_write_byte, .-ct_write_byte\n"
	".popsection\n");
__attribute__((visibility("hidden"))) int ct_read_byte(const volatile void *p);
__attribute__((visibility("hidden"))) void ct_write_byte(volatile void *p, int v);
extern const char ct_read_insn[] __attribute__((visibility("hidden")));
extern const char ct_write_insn[] __attribute__((visibility("hidden")));

/* ct_catch() bodies: read, write, call the address arg. */
CT_FN void ct_do_read(void *a)
{
	ct_read_byte(a);
}
CT_FN void ct_do_write(void *a)
{
	ct_write_byte(a, 0x5a);
}
CT_FN void ct_do_call(void *a)
{
	((void (*)(void))a)();
}

struct ct_fault {
	int signo, code;
	void *addr;          /* si_addr */
	unsigned long rip;   /* the interrupted instruction pointer (ucontext) */
	void *sp_in_handler; /* an address on the handler's stack */
};

/* Install fn as sig's SA_SIGINFO handler with extra flags and the mask
 * (NULL: empty). */
CT_FN void ct_set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags,
			  const sigset_t *mask)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	if (mask)
		sa.sa_mask = *mask;
	else
		sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static sigjmp_buf ct_jb;
static volatile sig_atomic_t ct_armed;
static struct ct_fault ct_last;

static void ct_fault_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	volatile char here;

	ct_last.signo = si->si_signo;
	ct_last.code = si->si_code;
	ct_last.addr = si->si_addr;
	ct_last.rip = (unsigned long)uc->uc_mcontext.gregs[REG_RIP];
	ct_last.sp_in_handler = (void *)&here;
	if (ct_armed) {
		ct_armed = 0;
		siglongjmp(ct_jb, 1);
	}
	/* A fault outside ct_catch(): say so and die of it. */
	ct_out("FAIL unexpected signal %d (code %d, addr %p, rip %#lx)", sig, si->si_code,
	       si->si_addr, ct_last.rip);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	signal(sig, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	_exit(128 + sig);
}

#define CT_NFAULTSIGS 5
static const int ct_fault_sigs[CT_NFAULTSIGS] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};

/* Install ct_fault_handler for the fault signals; the old actions go to old (may be NULL). */
CT_FN void ct_fault_handlers(int extra_flags, struct sigaction old[CT_NFAULTSIGS])
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = ct_fault_handler;
	sa.sa_flags = SA_SIGINFO | extra_flags;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < CT_NFAULTSIGS; i++)
		sigaction(ct_fault_sigs[i], &sa, old ? &old[i] : NULL);
}

/*
 * Run fn(arg); return 1 and fill *f if it faulted (a signal of the fault
 * family arrived), 0 if it returned normally. The signals' actions are put
 * back as they were afterwards.
 */
CT_FN int ct_catch(void (*fn)(void *), void *arg, struct ct_fault *f)
{
	struct sigaction old[CT_NFAULTSIGS];
	volatile int faulted = 1;

	ct_fault_handlers(0, old);
	memset(&ct_last, 0, sizeof(ct_last));
	if (sigsetjmp(ct_jb, 1) == 0) {
		ct_armed = 1;
		fn(arg);
		ct_armed = 0;
		faulted = 0;
	}
	for (int i = 0; i < CT_NFAULTSIGS; i++)
		sigaction(ct_fault_sigs[i], &old[i], NULL);
	if (faulted)
		*f = ct_last;
	else
		memset(f, 0, sizeof(*f));
	return faulted;
}

/*
 * Check a fault: it happened, with signal signo, si_code code (-1: any of
 * code_alt too, see below), si_addr addr; rip (0: not checked) is the
 * interrupted instruction pointer.
 */
CT_FN int ct_check_fault(int faulted, const struct ct_fault *f, int signo, int code, int code_alt,
			 const void *addr, unsigned long rip, int line, const char *what)
{
	char d[400];
	int ok = faulted && f->signo == signo && (f->code == code || f->code == code_alt) &&
		 f->addr == addr && (rip == 0 || f->rip == rip);

	if (!faulted)
		snprintf(d, sizeof(d), "no signal; expected signal %d code %d addr %p", signo, code,
			 addr);
	else
		snprintf(d, sizeof(d),
			 "got signal %d code %d addr %p rip %#lx; expected signal %d code %d%s addr "
			 "%p rip %#lx",
			 f->signo, f->code, f->addr, f->rip, signo, code,
			 code_alt != code ? " (or another)" : "", addr, rip);
	return ct_report(ok, line, what, d);
}
#define CHECK_FAULT(faulted, f, signo, code, addr, rip, what)                                    \
	ct_check_fault(faulted, f, signo, code, code, (const void *)(addr), (unsigned long)(rip),  \
		       __LINE__, what)
#define CHECK_FAULT2(faulted, f, signo, code, code_alt, addr, rip, what)                         \
	ct_check_fault(faulted, f, signo, code, code_alt, (const void *)(addr),                  \
		       (unsigned long)(rip), __LINE__, what)

/* ---- start and end ---- */

/* Call first: no core files from the crashes the tests cause. */
CT_FN void ct_start(int argc, char **argv)
{
	struct rlimit rl = {0, 0};

	(void)argc;
	setrlimit(RLIMIT_CORE, &rl);
	ct_out("compat-%s-%s: start (pid %d, argv[0] %s)", ct_name(), CT_VARIANT, (int)getpid(),
	       argv[0]);
}

CT_FN int ct_done(void)
{
	if (ct_fails == 0 && ct_checks > 0) {
		ct_out("PASS compat-%s-%s: %d checks", ct_name(), CT_VARIANT, ct_checks);
		return 0;
	}
	ct_out("FAIL compat-%s-%s: %d of %d checks failed", ct_name(), CT_VARIANT, ct_fails,
	       ct_checks);
	return 1;
}

/* The path of this program, to exec it again: argv[0] if it has a '/'. */
CT_FN const char *ct_self(const char *argv0)
{
	static char buf[4096];
	ssize_t n;

	if (strchr(argv0, '/'))
		return argv0;
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return argv0;
	buf[n] = 0;
	return buf;
}

/* A fresh directory under /tmp (or $TMPDIR) for a test's files. */
CT_FN const char *ct_tmpdir(void)
{
	static char dir[512];
	const char *t = getenv("TMPDIR");

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s/compat-%s-XXXXXX", t && *t ? t : "/tmp", ct_name());
	if (!mkdtemp(dir)) {
		ct_out("FAIL mkdtemp %s: %s", dir, strerror(errno));
		exit(1);
	}
	return dir;
}

#endif
