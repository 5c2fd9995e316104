/*
 * itimer.c - interval timers, as Linux has them (getitimer(2), setitimer(2),
 * alarm(2)): ITIMER_REAL counts monotonic time and sends SIGALRM;
 * ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time and send
 * SIGVTALRM and SIGPROF.
 *
 * Semantics (Linux's):
 *   - a process has one of each, shared by its threads; alarm() is
 *     ITIMER_REAL in whole seconds, without a period
 *   - fork's child starts with none (its struct proc is zeroed), execve keeps
 *     them, the end of the process cancels them (itimer_exit)
 *   - an expiry sends the signal to the process (a thread that does not
 *     block it takes it; si_code SI_KERNEL, as Linux's SEND_SIG_PRIV); a
 *     timer with a period re-arms by whole periods past the expiry, so
 *     missed periods are skipped (a standard signal is pending once anyway)
 *   - getitimer and the old value of setitimer report the time left,
 *     truncated to microseconds, and at least 1 us while armed
 *   - alarm returns the seconds left of the previous alarm, rounded to the
 *     nearest, and 1 for a pending one under a second (kernel/time/itimer.c)
 *   - which outside 0..2: EINVAL; tv_usec outside 0..999999 or a negative
 *     tv_sec: EINVAL; an unreadable new value or unwritable old one: EFAULT
 *     (the timer is set all the same in the latter case, as on Linux); a
 *     NULL new value disarms (a Linux misfeature that programs rely on)
 *   - disarming ITIMER_VIRTUAL/PROF keeps the period given (getitimer shows
 *     it), disarming ITIMER_REAL clears it, as on Linux
 *
 * Where Linux differs: it re-arms a periodic ITIMER_REAL when the process
 * takes the SIGALRM (while it is blocked, getitimer says 0 left); here it
 * re-arms at the expiry. A period under MIN_PERIOD_NS is served as
 * MIN_PERIOD_NS (getitimer still reports the period given): the expiries of
 * a 1 us period would keep a CPU busy for nothing, since the signals
 * coalesce.
 *
 * Design: a kernel thread, "itimer", created when a process first arms a
 * timer (an image that never does pays nothing), keeps the list of processes
 * with an armed timer, sleeps until the earliest expiry and sends the
 * signals. Why not a hook in the scheduler: it is tickless (sched.h: a
 * CPU's one-shot LAPIC timer is armed only for its next event), so there is
 * no periodic tick to look at timers from, and a callback-timer facility in
 * the timer interrupt would mean per-CPU timer queues beside the sleep
 * lists, plus signals sent from interrupt context. A sleeping thread's
 * deadline already is a timer in this scheduler (the sleep list arms the
 * one-shot timer for it); the cost is a switch to the thread per expiry.
 * The thread runs at normal priority: the timers serve ring-3 programs,
 * which run at normal priority themselves (a woken thread preempts within
 * 1 ms, sched.c), and it never delays the HP app. The HP app may use the
 * calls too; its SIGALRM takes its default action (the VM ends with 142)
 * or, with a handler, is dropped with a console line (signal.c).
 *
 * CPU-time timers: the scheduler accounts CPU time at switches
 * (thread_cpu_time) and has no tick to charge it from, so the thread polls
 * proc_cpu_ns(): a process's CPU time grows at most nr_cpus ns per ns, so
 * it looks again after (time left) / nr_cpus, at least CPU_POLL_NS: a few
 * looks for a long timer, a granularity of CPU_POLL_NS near the expiry
 * (Linux's is its tick, 1 to 10 ms). VIRTUAL and PROF count the same time:
 * ids.c reports all CPU time as user time.
 *
 * Locking: itimer_lock (irqsave) guards every p->it_* field, the list and
 * the thread's next look (wake_ns); order: itimer_lock before p->lock
 * (proc_cpu_ns and the sending of a signal take it, and run-queue locks
 * after it). Nothing takes itimer_lock under another lock. A process leaves
 * the list on the thread's first pass that finds none of its timers armed,
 * or when it ends (itimer_exit, before its struct proc can be freed): a
 * process on the list is always alive or a zombie not yet reaped.
 */
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "sched/waitq.h"
#include "syscall/sys.h"
#include "arch/arch.h"

#define NSEC_PER_SEC 1000000000ULL
#define MIN_PERIOD_NS 100000ULL  /* 100 us: the shortest period served */
#define CPU_POLL_NS 1000000ULL   /* 1 ms: the CPU-time timers' shortest look */
#define NTIMERS 3

static spinlock_t itimer_lock = SPINLOCK_INIT;
static struct proc *armed;       /* processes with a timer armed (it_next); itimer_lock */
static uint64_t wake_ns;         /* the thread looks again by then (0: never); itimer_lock */
static struct waitq itimer_wq;   /* the thread sleeps here */
static volatile bool kicked;     /* an earlier expiry was armed: look again now */
static volatile int thread_state; /* 0 none, 1 being created, 2 running */

static const int timer_sig[NTIMERS] = { SIGALRM_K, SIGVTALRM_K, SIGPROF_K };

/* ---- time values ---- */

static bool tv_valid(const struct timeval_k *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

/* A valid timeval in ns; huge values saturate at TIMESPEC_FOREVER (~146 years). */
static uint64_t tv_ns(const struct timeval_k *tv)
{
	if ((uint64_t)tv->tv_sec >= TIMESPEC_FOREVER / NSEC_PER_SEC)
		return TIMESPEC_FOREVER;
	return (uint64_t)tv->tv_sec * NSEC_PER_SEC + (uint64_t)tv->tv_usec * 1000;
}

static struct timeval_k ns_tv(uint64_t ns)
{
	return (struct timeval_k){ (long)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC / 1000) };
}

/* The clock timer w counts (itimer_lock held): monotonic or the process's CPU time. */
static uint64_t timer_clock(struct proc *p, int w, uint64_t now)
{
	return w == ITIMER_REAL_K ? now : proc_cpu_ns(p);
}

/* When the thread must look at a timer expiring at exp on a clock at clk. */
static uint64_t look_at(int w, uint64_t exp, uint64_t clk, uint64_t now)
{
	if (w == ITIMER_REAL_K)
		return exp;
	uint64_t left = exp > clk ? exp - clk : 0;
	return now + MAX(left / (uint64_t)MAX(nr_cpus, 1), CPU_POLL_NS);
}

/* The next expiry of a timer that expired at exp, the clock now at clk (0: one-shot). */
static uint64_t forward(uint64_t exp, uint64_t clk, uint64_t interval)
{
	if (!interval)
		return 0;
	uint64_t period = MAX(interval, MIN_PERIOD_NS);
	return exp + ((clk - exp) / period + 1) * period;
}

/* Timer w of p as getitimer reports it (itimer_lock held; clk: its clock now). */
static void timer_get(struct proc *p, int w, uint64_t clk, struct itimerval_k *v)
{
	uint64_t exp = p->it_expires[w], left = 0;
	if (exp)
		left = MAX(exp > clk ? exp - clk : 0, 1000ULL); /* armed: at least 1 us */
	v->it_value = ns_tv(left);
	v->it_interval = ns_tv(p->it_interval[w]);
}

/* ---- the thread ---- */

static bool kicked_cond(void *unused) { return READ_ONCE(kicked); }

/* Send the signals of the timers in 'fired' (bit w: timer w) to p. */
static void send_fired(struct proc *p, unsigned fired)
{
	for (int w = 0; w < NTIMERS; w++)
		if (fired & (1u << w)) {
			struct siginfo_k si = { .si_signo = timer_sig[w], .si_code = SI_KERNEL_K };
			signal_send_proc(p, timer_sig[w], &si);
		}
}

/*
 * One pass: the timers that expired fire (re-armed or disarmed), processes
 * with none armed leave the list. Returns when to look again (0: never).
 */
static uint64_t itimer_pass(void)
{
	unsigned hp_fired = 0;
	uint64_t f = spin_lock_irqsave(&itimer_lock);
	uint64_t now = clock_ns(), next = 0;
	for (struct proc **pp = &armed; *pp;) {
		struct proc *p = *pp;
		unsigned fired = 0;
		bool any = false, have_cpu = false;
		uint64_t cpu = 0;
		for (int w = 0; w < NTIMERS; w++) {
			uint64_t exp = p->it_expires[w];
			if (!exp)
				continue;
			if (w != ITIMER_REAL_K && !have_cpu) {
				cpu = proc_cpu_ns(p);
				have_cpu = true;
			}
			uint64_t clk = w == ITIMER_REAL_K ? now : cpu;
			if (clk >= exp) {
				fired |= 1u << w;
				exp = p->it_expires[w] = forward(exp, clk, p->it_interval[w]);
				if (!exp)
					continue;
			}
			any = true;
			uint64_t at = look_at(w, exp, clk, now);
			if (!next || at < next)
				next = at;
		}
		/*
		 * A compat process's signal is queued under the lock, so whoever
		 * reads or changes the timer afterwards finds it pending, as on
		 * Linux (alarm(0) returns with the SIGALRM of an expiry it raced
		 * already pending, never followed by it). Sending takes only
		 * spinlocks (p->lock, run-queue locks). The HP app's takes its
		 * default action at once (app_exit): after the unlock.
		 */
		if (fired && p == &hp_proc)
			hp_fired |= fired;
		else if (fired && proc_is_user(p))
			send_fired(p, fired);
		if (any) {
			pp = &p->it_next;
		} else {
			*pp = p->it_next;
			p->it_next = NULL;
			p->it_listed = false;
		}
	}
	wake_ns = next;
	spin_unlock_irqrestore(&itimer_lock, f);
	if (hp_fired)
		send_fired(&hp_proc, hp_fired);
	return next;
}

static void itimer_main(void *unused)
{
	for (;;) {
		__atomic_store_n(&kicked, false, __ATOMIC_SEQ_CST);
		uint64_t next = itimer_pass();
		waitq_wait(&itimer_wq, kicked_cond, NULL, next);
	}
}

/* The thread exists (0) or cannot be made (-ENOMEM). */
static int itimer_thread_start(void)
{
	for (;;) {
		int s = __atomic_load_n(&thread_state, __ATOMIC_ACQUIRE);
		if (s == 2)
			return 0;
		int none = 0;
		if (s == 0 && __atomic_compare_exchange_n(&thread_state, &none, 1, false,
							  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			waitq_init(&itimer_wq);
			if (!thread_create("itimer", PRIO_NORMAL, 0, itimer_main, NULL, 16384)) {
				__atomic_store_n(&thread_state, 0, __ATOMIC_RELEASE);
				return -ENOMEM;
			}
			__atomic_store_n(&thread_state, 2, __ATOMIC_RELEASE);
			return 0;
		}
		sched_yield(); /* another caller is creating it */
	}
}

/* ---- setting and reading ---- */

/*
 * Arm timer w of p to expire after value ns (0: disarm), then every
 * interval ns (0: once); *old (if not NULL) gets the previous setting.
 */
static long itimer_set(struct proc *p, int w, uint64_t value, uint64_t interval,
		       struct itimerval_k *old)
{
	if (value) {
		long r = itimer_thread_start();
		if (r < 0)
			return r;
	}
	bool kick = false;
	uint64_t f = spin_lock_irqsave(&itimer_lock);
	uint64_t now = clock_ns();
	bool need_clk = old || value || w == ITIMER_REAL_K;
	uint64_t clk = need_clk ? timer_clock(p, w, now) : 0;
	if (old)
		timer_get(p, w, clk, old);
	if (value) {
		uint64_t exp = clk + value; /* value <= TIMESPEC_FOREVER: no overflow */
		p->it_expires[w] = exp;
		p->it_interval[w] = interval;
		if (!p->it_listed) {
			p->it_next = armed;
			armed = p;
			p->it_listed = true;
		}
		uint64_t at = look_at(w, exp, clk, now);
		if (!wake_ns || at < wake_ns) {
			wake_ns = at; /* another arming before the thread looks need not kick */
			kick = true;
		}
	} else {
		/* The thread drops p from its list on its next look. */
		p->it_expires[w] = 0;
		p->it_interval[w] = w == ITIMER_REAL_K ? 0 : interval;
	}
	spin_unlock_irqrestore(&itimer_lock, f);
	if (kick) {
		__atomic_store_n(&kicked, true, __ATOMIC_SEQ_CST);
		waitq_wake_all(&itimer_wq, 0);
	}
	return 0;
}

void itimer_exit(struct proc *p)
{
	/* Only p's own threads list it, and none is left: no race with a listing. */
	if (!READ_ONCE(p->it_listed))
		return;
	uint64_t f = spin_lock_irqsave(&itimer_lock);
	for (struct proc **pp = &armed; *pp; pp = &(*pp)->it_next)
		if (*pp == p) {
			*pp = p->it_next;
			break;
		}
	p->it_next = NULL;
	p->it_listed = false;
	for (int w = 0; w < NTIMERS; w++)
		p->it_expires[w] = p->it_interval[w] = 0;
	spin_unlock_irqrestore(&itimer_lock, f);
}

/* ---- the system calls ---- */

long sys_getitimer(int which, struct itimerval_k *uval)
{
	if (which < 0 || which >= NTIMERS)
		return -EINVAL;
	struct proc *p = proc_current();
	struct itimerval_k v;
	uint64_t f = spin_lock_irqsave(&itimer_lock);
	uint64_t clk = p->it_expires[which] ? timer_clock(p, which, clock_ns()) : 0;
	timer_get(p, which, clk, &v);
	spin_unlock_irqrestore(&itimer_lock, f);
	if (!uaccess_ok(uval, sizeof(*uval), true))
		return -EFAULT;
	*uval = v;
	return 0;
}

long sys_setitimer(int which, const struct itimerval_k *uval, struct itimerval_k *uold)
{
	struct itimerval_k nv = { 0 }, ov;
	if (uval) {
		if (!uaccess_ok(uval, sizeof(*uval), false))
			return -EFAULT;
		nv = *uval;
		if (!tv_valid(&nv.it_value) || !tv_valid(&nv.it_interval))
			return -EINVAL;
	}
	if (which < 0 || which >= NTIMERS)
		return -EINVAL;
	long r = itimer_set(proc_current(), which, tv_ns(&nv.it_value), tv_ns(&nv.it_interval),
			    uold ? &ov : NULL);
	if (r < 0 || !uold)
		return r;
	if (!uaccess_ok(uold, sizeof(*uold), true))
		return -EFAULT;
	*uold = ov;
	return 0;
}

long sys_alarm(unsigned int seconds)
{
	struct itimerval_k ov;
	long r = itimer_set(proc_current(), ITIMER_REAL_K, (uint64_t)seconds * NSEC_PER_SEC, 0, &ov);
	if (r < 0)
		return r;
	long left = ov.it_value.tv_sec;
	if ((!left && ov.it_value.tv_usec) || ov.it_value.tv_usec >= 500000)
		left++;
	return left;
}
