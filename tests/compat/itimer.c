/*
 * itimer: interval timers - alarm(2), setitimer(2), getitimer(2) - as Linux
 * has them:
 *
 *   alarm's return value: the seconds left of the previous alarm (the
 *     system call rounds to the nearest, a pending one under a second is 1;
 *     musl's alarm() goes through setitimer and rounds up), alarm(0) cancels
 *   SIGALRM arrives (si_code SI_KERNEL) after at least the time asked for;
 *     a one-shot timer reads zero afterwards
 *   a periodic ITIMER_REAL: getitimer echoes the period and reports no more
 *     than the value left; five ticks arrive; cancelled, it reads zero and no
 *     tick follows; ITIMER_REAL is alarm's timer
 *   the timers are the process's: a thread sets one, another reads it
 *   fork: the child starts with none, the parent's still fires
 *   execve keeps it: the new program takes the SIGALRM (sigtimedwait)
 *   pause() and sigsuspend() end with EINTR when SIGALRM's handler ran
 *   SIGALRM's default action ends the process (WIFSIGNALED, SIGALRM)
 *   ITIMER_PROF and ITIMER_VIRTUAL count CPU time: SIGPROF / SIGVTALRM come
 *     after at least that much CPU time; periodic ticks; none while the
 *     process sleeps; disarmed with a period, they keep it (ITIMER_REAL not)
 *   errors: which 99 or -1: EINVAL; tv_usec outside 0..999999 or a negative
 *     tv_sec: EINVAL; bad pointers: EFAULT (a bad old-value pointer after
 *     the timer was set, as Linux does)
 *
 * Time is checked only from below (a signal never comes early) and against
 * a generous watchdog (30 s: it comes at all), never with tight upper
 * bounds: the machine may be busy. The waits for a signal use pause() with
 * a watchdog child that sends SIGUSR2, or sigtimedwait with a timeout.
 * argv[1] = "--exec-alarm" is the exec'd helper.
 */
#include "ct.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/time.h>

#define MS 1000000LL
#define WATCHDOG_S 30
/* Linux charges the CPU time of ITIMER_PROF/VIRTUAL by the tick (1-10 ms,
 * whole ticks to whoever runs then), not by the exact run time that
 * CLOCK_PROCESS_CPUTIME_ID reads: on a busy host such a timer may expire a
 * tick or two early by that clock. */
#define CPU_TICKS_NS (20 * MS)

extern char **environ;
static const char *self;

static volatile sig_atomic_t hits, dog;
static volatile int last_code, last_signo;
static volatile long long cpu_at_signal;

static long long clock_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long mono_ns(void) { return clock_of(CLOCK_MONOTONIC); }
static long long cpu_ns(void) { return clock_of(CLOCK_PROCESS_CPUTIME_ID); }

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	cpu_at_signal = cpu_ns();
	hits++;
	last_signo = si->si_signo;
	last_code = si->si_code;
}

static void on_dog(int sig)
{
	dog = 1;
}

/* A child that sends SIGUSR2 to us after secs (dog = 1 then): stop it with dog_stop. */
static pid_t dog_start(int secs)
{
	pid_t parent = getpid(), pid;

	dog = 0;
	signal(SIGUSR2, on_dog);
	pid = fork();
	if (pid == 0) {
		ct_msleep(secs * 1000L);
		kill(parent, SIGUSR2);
		_exit(0);
	}
	return pid;
}

static void dog_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		ct_waitpid(pid, 0);
	}
}

/* pause() until n timer signals have come or the watchdog bites; true if they came. */
static int wait_hits(int n)
{
	pid_t d = dog_start(WATCHDOG_S);

	while (hits < n && !dog)
		pause();
	dog_stop(d);
	return hits >= n;
}

/* waitpid with a deadline: the status, or -1 after killing a child that hung. */
static int wait_deadline(pid_t pid, int secs)
{
	long long end = mono_ns() + secs * 1000 * MS;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		if (mono_ns() > end)
			break;
		ct_msleep(10);
	}
	ct_note("pid %d still runs after %d s: killed", (int)pid, secs);
	kill(pid, SIGKILL);
	ct_waitpid(pid, 0);
	return -1;
}

static struct itimerval itv(long value_us, long interval_us)
{
	struct itimerval v;

	v.it_value.tv_sec = value_us / 1000000;
	v.it_value.tv_usec = value_us % 1000000;
	v.it_interval.tv_sec = interval_us / 1000000;
	v.it_interval.tv_usec = interval_us % 1000000;
	return v;
}

static long long tv_us(struct timeval tv) { return tv.tv_sec * 1000000LL + tv.tv_usec; }

static int is_zero(const struct itimerval *v)
{
	return tv_us(v->it_value) == 0 && tv_us(v->it_interval) == 0;
}

static void cancel(int which)
{
	struct itimerval z = itv(0, 0);

	setitimer(which, &z, NULL);
}

/* The system call's rounding of a time left (ns) to alarm's seconds. */
static long kernel_round(long long ns)
{
	if (ns <= 0)
		return 0;
	if (ns < 1000 * MS)
		return 1;
	return (long)((ns + 500 * MS) / (1000 * MS));
}

static long ceil_s(long long ns)
{
	return ns <= 0 ? 0 : (long)((ns + 1000 * MS - 1) / (1000 * MS));
}

/*
 * Arm ITIMER_REAL for v_us, then call alarm(0) (sys: the system call, else
 * libc's); check its result against the time left, which lies between
 * v_us minus the time the two calls took and v_us.
 */
static void check_alarm_round(long v_us, int sys, const char *what)
{
	struct itimerval v = itv(v_us, 0);
	long long t0 = mono_ns();
	setitimer(ITIMER_REAL, &v, NULL);
	long r = sys ? syscall(SYS_alarm, 0) : (long)alarm(0);
	long long spent = mono_ns() - t0;
	long long hi = v_us * 1000LL, lo = hi - spent;
	long want_lo = kernel_round(lo), want_hi = sys ? kernel_round(hi) : ceil_s(hi);
	char d[200];

	snprintf(d, sizeof(d), "alarm(0) returned %ld; expected %ld..%ld (%lld ms between the calls)",
		 r, want_lo, want_hi, spent / MS);
	ct_report(r >= want_lo && r <= want_hi, __LINE__, what, d);
}

static void alarm_values(void)
{
	struct itimerval v;

	ct_section("alarm's return value");
	CHECK_EQ(alarm(0), 0, "alarm(0) with none pending returns 0");
	CHECK_EQ(alarm(5), 0, "alarm(5) with none pending returns 0");
	CHECK_OK(getitimer(ITIMER_REAL, &v), "getitimer(ITIMER_REAL)");
	CHECK(tv_us(v.it_value) > 0 && tv_us(v.it_value) <= 5000000 && tv_us(v.it_interval) == 0,
	      "alarm(5) is ITIMER_REAL: 0 < value <= 5 s, no period");
	check_alarm_round(5000000, 0, "alarm(0) returns the seconds left of alarm(5) (libc)");
	CHECK_OK(getitimer(ITIMER_REAL, &v), "getitimer after alarm(0)");
	CHECK(is_zero(&v), "alarm(0) cancelled it: getitimer reads zero");
	CHECK_EQ(alarm(0), 0, "alarm(0) again returns 0");

	check_alarm_round(300000, 0, "a pending alarm under a second counts as 1 (libc)");
	check_alarm_round(300000, 1, "a pending alarm under a second counts as 1 (system call)");
	check_alarm_round(2300000, 1, "2.3 s left: the system call rounds to 2");
	check_alarm_round(2900000, 1, "2.9 s left: the system call rounds to 3");

	long long t0 = mono_ns();
	CHECK_EQ(alarm(10), 0, "alarm(10)");
	long r = (long)alarm(3);
	long long spent = mono_ns() - t0;
	char d[160];
	snprintf(d, sizeof(d), "alarm(3) returned %ld (%lld ms after alarm(10))", r, spent / MS);
	ct_report(r >= kernel_round(10000 * MS - spent) && r <= 10, __LINE__,
		  "alarm(3) replaces alarm(10) and returns its seconds left", d);
	CHECK_OK(getitimer(ITIMER_REAL, &v), "getitimer");
	CHECK(tv_us(v.it_value) > 0 && tv_us(v.it_value) <= 3000000,
	      "the new alarm is the one armed (0 < value <= 3 s)");
	CHECK(alarm(0) >= 1, "alarm(0) returns what is left of alarm(3)");
}

static void delivery(void)
{
	struct itimerval v;

	ct_section("SIGALRM arrives");
	ct_set_handler(SIGALRM, on_timer, 0, NULL);
	hits = 0;
	long long t0 = mono_ns();
	CHECK_EQ(alarm(1), 0, "alarm(1)");
	int came = wait_hits(1);
	long long took = mono_ns() - t0;
	ct_note("SIGALRM after %lld ms", took / MS);
	CHECK(came, "SIGALRM arrives after alarm(1)");
	CHECK(took >= 1000 * MS, "not before 1 s has passed");
	CHECK_EQ(last_signo, SIGALRM, "si_signo SIGALRM");
	CHECK_EQ(last_code, SI_KERNEL, "si_code SI_KERNEL (sent by the kernel)");
	CHECK_OK(getitimer(ITIMER_REAL, &v), "getitimer after it fired");
	CHECK(is_zero(&v), "a one-shot timer reads zero once it fired");
	CHECK_EQ(alarm(0), 0, "alarm(0) after it fired returns 0");

	hits = 0;
	v = itv(50000, 0);
	t0 = mono_ns();
	CHECK_OK(setitimer(ITIMER_REAL, &v, NULL), "setitimer(ITIMER_REAL, 50 ms)");
	came = wait_hits(1);
	took = mono_ns() - t0;
	CHECK(came && took >= 50 * MS, "SIGALRM after at least 50 ms");
}

static void periodic(void)
{
	struct itimerval v = itv(20000, 20000), g, old;

	ct_section("a periodic ITIMER_REAL");
	ct_set_handler(SIGALRM, on_timer, 0, NULL);
	hits = 0;
	long long t0 = mono_ns();
	CHECK_OK(setitimer(ITIMER_REAL, &v, NULL), "setitimer: 20 ms, then every 20 ms");
	CHECK_OK(getitimer(ITIMER_REAL, &g), "getitimer");
	CHECK_EQ(tv_us(g.it_interval), 20000, "getitimer echoes the period");
	CHECK((tv_us(g.it_value) > 0 || hits > 0) && tv_us(g.it_value) <= 20000,
	      "getitimer: 0 < time left <= the value set");
	int came = wait_hits(5);
	long long took = mono_ns() - t0;
	ct_note("5 ticks in %lld ms", took / MS);
	CHECK(came, "five ticks arrive");
	CHECK(took >= 100 * MS, "not before 5 periods have passed");
	CHECK_OK(getitimer(ITIMER_REAL, &g), "getitimer while it runs");
	CHECK(tv_us(g.it_value) <= 20000 && tv_us(g.it_interval) == 20000,
	      "still armed with its period, at most a period left");
	struct itimerval z = itv(0, 0);
	CHECK_OK(setitimer(ITIMER_REAL, &z, &old), "setitimer(0) cancels");
	CHECK_EQ(tv_us(old.it_interval), 20000, "its old value has the period");
	CHECK(tv_us(old.it_value) <= 20000, "and the time that was left (at most a period)");
	int after = hits;
	CHECK_OK(getitimer(ITIMER_REAL, &g), "getitimer after the cancel");
	CHECK(is_zero(&g), "getitimer after the cancel reads zero");
	ct_msleep(100);
	CHECK_EQ(hits, after, "no tick after the cancel");

	/* alarm() shares the timer. */
	CHECK_OK(setitimer(ITIMER_REAL, &v, NULL), "setitimer: 20 ms periodic again");
	CHECK(alarm(0) <= 1, "alarm(0) returns 1 for it (under a second left; 0 if it just fired)");
	CHECK_OK(getitimer(ITIMER_REAL, &g), "getitimer");
	CHECK(is_zero(&g), "alarm(0) cancelled the periodic timer, period included");
	after = hits;
	ct_msleep(60);
	CHECK_EQ(hits, after, "no tick after alarm(0)");
}

static void *thread_arms(void *arg)
{
	alarm(7);
	return NULL;
}

static void per_process(void)
{
	pthread_t t;
	struct itimerval g;

	ct_section("one timer per process");
	long long t0 = mono_ns();
	CHECK_EQ(pthread_create(&t, NULL, thread_arms, NULL), 0, "a thread calls alarm(7)");
	pthread_join(t, NULL);
	CHECK_OK(getitimer(ITIMER_REAL, &g), "the main thread's getitimer");
	CHECK(tv_us(g.it_value) > 0 && tv_us(g.it_value) <= 7000000, "sees the thread's alarm");
	long r = (long)alarm(0);
	long long spent = mono_ns() - t0;
	char d[160];
	snprintf(d, sizeof(d), "alarm(0) returned %ld (%lld ms after the thread started)", r,
		 spent / MS);
	ct_report(r >= kernel_round(7000 * MS - spent) && r <= 7, __LINE__,
		  "and the main thread's alarm(0) cancels it, returning its seconds left", d);
}

static int fork_child(void *arg)
{
	struct itimerval g;

	CHECK_OK(getitimer(ITIMER_REAL, &g), "child: getitimer");
	CHECK(is_zero(&g), "fork: the child starts with no ITIMER_REAL");
	CHECK_OK(getitimer(ITIMER_PROF, &g), "child: getitimer(ITIMER_PROF)");
	CHECK(is_zero(&g), "fork: nor ITIMER_PROF");
	CHECK_EQ(alarm(0), 0, "fork: alarm(0) in the child returns 0");
	hits = 0;
	ct_msleep(600); /* past the parent's expiry (300 ms) */
	CHECK_EQ(hits, 0, "fork: no SIGALRM reaches the child");
	return ct_child_status();
}

static void forked(void)
{
	struct itimerval v = itv(300000, 0), p = itv(0, 0);

	ct_section("fork");
	ct_set_handler(SIGALRM, on_timer, 0, NULL);
	hits = 0;
	/* A far ITIMER_PROF too, so the child's "none" is not by chance. */
	struct itimerval prof = itv(0, 0);
	prof.it_value.tv_sec = 100;
	CHECK_OK(setitimer(ITIMER_PROF, &prof, NULL), "setitimer(ITIMER_PROF, 100 s)");
	CHECK_OK(setitimer(ITIMER_REAL, &v, NULL), "setitimer(ITIMER_REAL, 300 ms)");
	pid_t pid = fork();
	if (pid == 0) {
		ct_checks = ct_fails = 0;
		_exit(fork_child(NULL));
	}
	CHECK(pid > 0, "fork");
	CHECK(wait_hits(1), "the parent's timer still fires");
	CHECK_WAIT(wait_deadline(pid, WATCHDOG_S), "exit 0", "the child's checks");
	setitimer(ITIMER_PROF, &p, NULL);
}

/* The exec'd program: the timer armed before execve is still there. */
static int exec_alarm(void)
{
	struct itimerval g;
	sigset_t s, pend;
	siginfo_t si;
	struct timespec ts = {WATCHDOG_S, 0};

	ct_checks = ct_fails = 0;
	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	CHECK_OK(getitimer(ITIMER_REAL, &g), "exec: getitimer in the new program");
	sigpending(&pend);
	CHECK(tv_us(g.it_value) > 0 || sigismember(&pend, SIGALRM),
	      "exec: ITIMER_REAL is still armed (or has fired: SIGALRM pending)");
	CHECK(tv_us(g.it_value) <= 300000, "exec: no more left than was set");
	memset(&si, 0, sizeof(si));
	CHECK_EQ(sigtimedwait(&s, &si, &ts), SIGALRM, "exec: its SIGALRM comes to the new program");
	CHECK_EQ(si.si_code, SI_KERNEL, "exec: si_code SI_KERNEL");
	CHECK_OK(getitimer(ITIMER_REAL, &g), "exec: getitimer after");
	CHECK(is_zero(&g), "exec: and then reads zero");
	return ct_child_status();
}

static void execd(void)
{
	ct_section("execve");
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t s;
		struct itimerval v = itv(300000, 0);
		char *argv[] = {(char *)self, "--exec-alarm", NULL};

		/* Blocked across the exec (the mask is kept): the new program waits for it. */
		sigemptyset(&s);
		sigaddset(&s, SIGALRM);
		sigprocmask(SIG_BLOCK, &s, NULL);
		setitimer(ITIMER_REAL, &v, NULL);
		execve(self, argv, environ);
		_exit(99);
	}
	CHECK(pid > 0, "fork");
	CHECK_WAIT(wait_deadline(pid, WATCHDOG_S + 10), "exit 0",
		   "the exec'd program's checks (ITIMER_REAL survives execve)");
}

static void waits(void)
{
	struct itimerval v = itv(100000, 0);
	sigset_t s, old, empty;

	ct_section("pause and sigsuspend");
	ct_set_handler(SIGALRM, on_timer, 0, NULL);
	pid_t d = dog_start(WATCHDOG_S);
	hits = 0;
	/* Periodic: should a busy machine delay us past the first tick on the way
	 * into pause(), the next one wakes it. */
	struct itimerval every = itv(100000, 100000);
	setitimer(ITIMER_REAL, &every, NULL);
	CHECK_ERR(pause(), EINTR, "pause() returns EINTR");
	cancel(ITIMER_REAL);
	CHECK(hits >= 1 && !dog, "woken by SIGALRM's handler (not the watchdog)");

	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	sigprocmask(SIG_BLOCK, &s, &old);
	hits = 0;
	setitimer(ITIMER_REAL, &v, NULL);
	sigemptyset(&empty);
	CHECK_ERR(sigsuspend(&empty), EINTR, "sigsuspend() returns EINTR");
	CHECK(hits == 1 && !dog, "woken by SIGALRM's handler (not the watchdog)");
	sigprocmask(SIG_SETMASK, &old, NULL);
	dog_stop(d);
}

static int default_child(void *arg)
{
	struct itimerval v = itv(100000, 0);

	signal(SIGALRM, SIG_DFL);
	setitimer(ITIMER_REAL, &v, NULL);
	for (;;)
		pause();
	return 0;
}

static int default_alarm_child(void *arg)
{
	signal(SIGALRM, SIG_DFL);
	alarm(1);
	for (;;)
		pause();
	return 0;
}

static void default_action(void)
{
	ct_section("SIGALRM's default action");
	pid_t pid = fork();
	if (pid == 0)
		_exit(default_child(NULL));
	CHECK_WAIT(wait_deadline(pid, WATCHDOG_S), "signal 14",
		   "setitimer: SIGALRM ends the process (WIFSIGNALED, SIGALRM)");
	pid = fork();
	if (pid == 0)
		_exit(default_alarm_child(NULL));
	CHECK_WAIT(wait_deadline(pid, WATCHDOG_S), "signal 14", "alarm(1): the same");
}

/* Compute until n signals came or 30 s passed; true if they came. */
static int burn_until(int n)
{
	volatile unsigned long x = 1;
	long long end = mono_ns() + WATCHDOG_S * 1000 * MS;

	while (hits < n && mono_ns() < end)
		for (int i = 0; i < 20000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
	return hits >= n;
}

static void cpu_timers(void)
{
	struct itimerval v, g;

	ct_section("ITIMER_PROF and ITIMER_VIRTUAL");
	ct_set_handler(SIGPROF, on_timer, 0, NULL);
	ct_set_handler(SIGVTALRM, on_timer, 0, NULL);

	hits = 0;
	v = itv(50000, 0);
	long long c0 = cpu_ns();
	CHECK_OK(setitimer(ITIMER_PROF, &v, NULL), "setitimer(ITIMER_PROF, 50 ms)");
	CHECK_OK(getitimer(ITIMER_PROF, &g), "getitimer(ITIMER_PROF)");
	CHECK(tv_us(g.it_value) > 0 && tv_us(g.it_interval) == 0, "armed, no period");
	CHECK(burn_until(1), "SIGPROF arrives while the process computes");
	ct_note("SIGPROF after %lld ms of CPU time", (cpu_at_signal - c0) / MS);
	CHECK_EQ(last_signo, SIGPROF, "si_signo SIGPROF");
	CHECK_EQ(last_code, SI_KERNEL, "si_code SI_KERNEL");
	CHECK(cpu_at_signal - c0 >= 50 * MS - CPU_TICKS_NS,
	      "after at least 50 ms of CPU time (less two ticks of Linux's sampling)");
	CHECK_OK(getitimer(ITIMER_PROF, &g), "getitimer(ITIMER_PROF) after");
	CHECK(is_zero(&g), "a one-shot ITIMER_PROF reads zero once it fired");

	hits = 0;
	v = itv(20000, 20000);
	c0 = cpu_ns();
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &v, NULL), "setitimer(ITIMER_VIRTUAL, every 20 ms)");
	CHECK_OK(getitimer(ITIMER_VIRTUAL, &g), "getitimer(ITIMER_VIRTUAL)");
	CHECK_EQ(tv_us(g.it_interval), 20000, "getitimer echoes the period");
	CHECK(burn_until(3), "three SIGVTALRM ticks arrive while the process computes");
	ct_note("3 ticks after %lld ms of CPU time", (cpu_at_signal - c0) / MS);
	CHECK_EQ(last_signo, SIGVTALRM, "si_signo SIGVTALRM");
	CHECK(cpu_at_signal - c0 >= 60 * MS - CPU_TICKS_NS,
	      "after at least 3 periods of CPU time (less two ticks of Linux's sampling)");
	struct itimerval z = itv(0, 0);
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &z, NULL), "cancelled");

	/* Sleeping takes no CPU time: no SIGVTALRM. */
	hits = 0;
	v = itv(100000, 0);
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &v, NULL), "setitimer(ITIMER_VIRTUAL, 100 ms)");
	ct_msleep(300);
	CHECK_EQ(hits, 0, "no SIGVTALRM while the process sleeps");
	CHECK_OK(getitimer(ITIMER_VIRTUAL, &g), "getitimer(ITIMER_VIRTUAL)");
	CHECK(tv_us(g.it_value) > 0, "it is still armed");
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &z, NULL), "cancelled");
	CHECK_OK(getitimer(ITIMER_VIRTUAL, &g), "getitimer(ITIMER_VIRTUAL) after");
	CHECK(is_zero(&g), "reads zero");

	/* Disarmed with a period: Linux keeps it for the CPU-time timers, not for ITIMER_REAL. */
	v = itv(0, 1000000);
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &v, NULL), "setitimer(ITIMER_VIRTUAL, value 0, period 1 s)");
	CHECK_OK(getitimer(ITIMER_VIRTUAL, &g), "getitimer(ITIMER_VIRTUAL)");
	CHECK(tv_us(g.it_value) == 0 && tv_us(g.it_interval) == 1000000,
	      "ITIMER_VIRTUAL: disarmed, the period kept");
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &z, NULL), "cleared");
	CHECK_OK(setitimer(ITIMER_REAL, &v, NULL), "setitimer(ITIMER_REAL, value 0, period 1 s)");
	CHECK_OK(getitimer(ITIMER_REAL, &g), "getitimer(ITIMER_REAL)");
	CHECK(is_zero(&g), "ITIMER_REAL: disarmed, the period dropped");
}

static void errors(void)
{
	struct itimerval v = itv(0, 0), g;

	ct_section("errors");
	CHECK_ERR(getitimer(99, &g), EINVAL, "getitimer(99): EINVAL");
	CHECK_ERR(syscall(SYS_getitimer, -1, &g), EINVAL, "getitimer(-1): EINVAL");
	CHECK_ERR(setitimer(99, &v, NULL), EINVAL, "setitimer(99): EINVAL");
	CHECK_ERR(syscall(SYS_setitimer, -1, &v, NULL), EINVAL, "setitimer(-1): EINVAL");
	v = itv(0, 0);
	v.it_value.tv_usec = 1000000;
	CHECK_ERR(setitimer(ITIMER_REAL, &v, NULL), EINVAL, "it_value.tv_usec 1000000: EINVAL");
	v.it_value.tv_usec = -1;
	CHECK_ERR(setitimer(ITIMER_REAL, &v, NULL), EINVAL, "it_value.tv_usec -1: EINVAL");
	v = itv(100000, 0);
	v.it_interval.tv_usec = 1000000;
	CHECK_ERR(setitimer(ITIMER_REAL, &v, NULL), EINVAL, "it_interval.tv_usec 1000000: EINVAL");
	v = itv(0, 0);
	v.it_value.tv_sec = -1;
	CHECK_ERR(setitimer(ITIMER_REAL, &v, NULL), EINVAL, "a negative tv_sec: EINVAL");
	CHECK_OK(getitimer(ITIMER_REAL, &g), "getitimer");
	CHECK(is_zero(&g), "nothing was armed by the calls that failed");

	CHECK_ERR(syscall(SYS_getitimer, ITIMER_REAL, NULL), EFAULT, "getitimer(NULL): EFAULT");
	CHECK_ERR(syscall(SYS_getitimer, ITIMER_REAL, (void *)8), EFAULT,
		  "getitimer(bad pointer): EFAULT");
	CHECK_ERR(syscall(SYS_setitimer, ITIMER_REAL, (void *)8, NULL), EFAULT,
		  "setitimer(bad new value): EFAULT");
	CHECK_ERR(syscall(SYS_setitimer, 99, (void *)8, NULL), EFAULT,
		  "setitimer(99, bad new value): EFAULT (the value is read first)");
	ct_set_handler(SIGALRM, on_timer, 0, NULL);
	v = itv(0, 0);
	v.it_value.tv_sec = 50;
	CHECK_ERR(syscall(SYS_setitimer, ITIMER_REAL, &v, (void *)8), EFAULT,
		  "setitimer(bad old value): EFAULT");
	CHECK_OK(getitimer(ITIMER_REAL, &g), "getitimer");
	CHECK(tv_us(g.it_value) > 0 && tv_us(g.it_value) <= 50000000,
	      "the timer was set all the same (as Linux does)");
	cancel(ITIMER_REAL);
}

int main(int argc, char **argv)
{
	self = ct_self(argv[0]);
	if (argc == 2 && strcmp(argv[1], "--exec-alarm") == 0)
		return exec_alarm();
	ct_start(argc, argv);
	ct_set_handler(SIGALRM, on_timer, 0, NULL); /* a timer that fires early on a busy machine kills nobody */
	alarm_values();
	delivery();
	periodic();
	per_process();
	forked();
	execd();
	waits();
	default_action();
	cpu_timers();
	errors();
	return ct_done();
}
