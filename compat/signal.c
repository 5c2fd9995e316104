/*
 * signal.c - POSIX signals (contract: signal.h). Three parts:
 *
 *   sending     kill/tkill/tgkill/rt_sigqueueinfo and the kernel's own
 *               senders (faults, SIGPIPE, SIGCHLD from proc.c) queue a
 *               signal on a process (p->sig_pending: any thread may take
 *               it) or on one thread (t->sig_pending), then wake a thread
 *               that can take it, or kick its CPU when it runs in ring 3;
 *   delivery    signal_deliver(), on every way back to ring 3 that has
 *               work (signal_work_pending()): default actions, restarts of
 *               interrupted system calls, and handler frames laid out
 *               exactly like Linux's struct rt_sigframe on the user stack;
 *   state       sigaction, masks, sigaltstack, sigsuspend, sigtimedwait,
 *               and rt_sigreturn, which undoes a handler frame.
 *
 * The HP app (hp_proc, ring 0) keeps the behaviour it had before compat
 * processes: a signal sent to it takes its default action at once
 * (terminate: the VM exits with 128 + signal), an ignored one vanishes and
 * one with a handler is dropped with a message (musl's SIGCANCEL silently),
 * because a handler cannot safely run on a ring-0 stack. signal_pending()
 * is always false for its threads, so interruptible waits never change
 * for it.
 *
 * Locking: p->lock guards p->sigact, p->sig_pending/sig_info and, for
 * every thread of p, t->sig_pending and the queued siginfo; t->sig_mask is
 * written by t itself under p->lock and read without it (signal_pending()
 * and wait loops read it lock-free after marking themselves blocked, and a
 * sender wakes after queueing, so no wake-up is lost).
 */
#include "signal.h"
#include "uaccess.h"
#include "../libjiny/kern/app.h"
#include "../libjiny/sched/sched.h"
#include "../libjiny/arch/x86_64/arch.h"
#include "../libjiny/arch/x86_64/smp.h"
#include "../libjiny/mm/mm.h"
#include "../libjiny/syscall/sys.h"

#define SIG_DFL_K 0UL
#define SIG_IGN_K 1UL

#define SA_NOCLDSTOP_K 0x00000001UL
#define SA_NOCLDWAIT_K 0x00000002UL
#define SA_SIGINFO_K 0x00000004UL
#define SA_RESTORER_K 0x04000000UL
#define SA_ONSTACK_K 0x08000000UL
#define SA_RESTART_K 0x10000000UL
#define SA_NODEFER_K 0x40000000UL
#define SA_RESETHAND_K 0x80000000UL

#define SIG_BLOCK_K 0
#define SIG_UNBLOCK_K 1
#define SIG_SETMASK_K 2

#define SS_ONSTACK_K 1
#define SS_DISABLE_K 2
#define SS_AUTODISARM_K (1U << 31)
#define MINSIGSTKSZ_K 2048

#define SIGCANCEL_K 33            /* musl's thread cancellation signal */
#define NR_RESTART_SYSCALL 219

/* Signals of signal(7) by default action; the rest (and 32..64) terminate. */
#define SIGMASK_COREDUMP (SIGBIT(3) | SIGBIT(4) | SIGBIT(5) | SIGBIT(6) | SIGBIT(7) | \
			  SIGBIT(8) | SIGBIT(11) | SIGBIT(24) | SIGBIT(25) | SIGBIT(31))
#define SIGMASK_IGNORE (SIGBIT(SIGCHLD_K) | SIGBIT(SIGCONT_K) | SIGBIT(23) | SIGBIT(28))
#define SIGMASK_STOP (SIGBIT(SIGSTOP_K) | SIGBIT(SIGTSTP_K) | SIGBIT(SIGTTIN_K) | SIGBIT(SIGTTOU_K))
/* Synchronous (fault) signals are taken before the others, as on Linux. */
#define SIGMASK_SYNC (SIGBIT(4) | SIGBIT(5) | SIGBIT(7) | SIGBIT(8) | SIGBIT(11) | SIGBIT(31))
#define SIGMASK_UNBLOCKABLE (SIGBIT(SIGKILL_K) | SIGBIT(SIGSTOP_K))
#define SIGMASK_ALL (~0ULL)

/* ---- the Linux x86_64 signal frame (uapi asm/sigcontext.h, asm-generic/ucontext.h) ---- */

struct stack_k { /* stack_t */
	uint64_t ss_sp;
	int ss_flags;
	int pad;
	uint64_t ss_size;
};

struct sigcontext_k { /* struct sigcontext (64-bit) */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;             /* user pointer to the FXSAVE/XSAVE image, 0 = none */
	uint64_t reserved1[8];
};

struct ucontext_k {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct stack_k uc_stack;
	struct sigcontext_k uc_mcontext;
	uint64_t uc_sigmask;
};

struct rt_sigframe_k {
	uint64_t pretcode;            /* sa_restorer: the handler's return address */
	struct ucontext_k uc;
	struct siginfo_k info;
	/* the FPU image follows, 64-byte aligned, above */
};

_Static_assert(sizeof(struct stack_k) == 24, "stack_t");
_Static_assert(sizeof(struct sigcontext_k) == 256, "sigcontext");
_Static_assert(__builtin_offsetof(struct sigcontext_k, rip) == 128, "sigcontext.rip");
_Static_assert(__builtin_offsetof(struct sigcontext_k, cs) == 144, "sigcontext.cs");
_Static_assert(__builtin_offsetof(struct sigcontext_k, err) == 152, "sigcontext.err");
_Static_assert(__builtin_offsetof(struct sigcontext_k, fpstate) == 184, "sigcontext.fpstate");
_Static_assert(__builtin_offsetof(struct ucontext_k, uc_mcontext) == 40, "uc_mcontext");
_Static_assert(__builtin_offsetof(struct ucontext_k, uc_sigmask) == 296, "uc_sigmask");
_Static_assert(__builtin_offsetof(struct rt_sigframe_k, uc) == 8, "rt_sigframe.uc");
_Static_assert(__builtin_offsetof(struct rt_sigframe_k, info) == 312, "rt_sigframe.info");
_Static_assert(sizeof(struct siginfo_k) == 128, "siginfo");
_Static_assert(sizeof(struct k_sigaction) == 32, "sigaction");

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define FXSAVE_SIZE 512
#define FPX_SW_OFFSET 464         /* struct _fpx_sw_bytes in the FXSAVE's software area */

struct fpx_sw_bytes {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size, padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "_fpx_sw_bytes");

#define EFLAGS_CF 0x1UL
#define EFLAGS_FIXED 0x2UL
#define EFLAGS_PF 0x4UL
#define EFLAGS_AF 0x10UL
#define EFLAGS_ZF 0x40UL
#define EFLAGS_SF 0x80UL
#define EFLAGS_TF 0x100UL
#define EFLAGS_IF 0x200UL
#define EFLAGS_DF 0x400UL
#define EFLAGS_OF 0x800UL
#define EFLAGS_RF 0x10000UL
/* What rt_sigreturn takes from the user (Linux's FIX_EFLAGS without AC). */
#define EFLAGS_USER (EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_TF | \
		     EFLAGS_DF | EFLAGS_OF | EFLAGS_RF)
#define USER_TOP 0x0000800000000000ULL /* user addresses lie below (the lower canonical half) */

/* ---- per-thread extras (t->sig_priv), one block freed with the thread ---- */

struct sig_thread {
	struct siginfo_k info[NSIG_K];  /* of the thread-directed pending signals; p->lock */
	struct restart_block restart;
	uint8_t fpu[] __aligned(64);    /* fpu_state_size(): frame set-up and sigreturn scratch */
};

static struct sig_thread *sig_thread(struct thread *t)
{
	struct sig_thread *st = READ_ONCE(t->sig_priv);
	if (st)
		return st;
	size_t size = sizeof(struct sig_thread) + fpu_state_size();
	st = kmalloc_aligned(size, 64);
	if (!st)
		return NULL;
	memset(st, 0, size);
	void *none = NULL;
	if (!__atomic_compare_exchange_n(&t->sig_priv, &none, st, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		kfree(st); /* another sender attached one first */
		st = none;
	}
	return st;
}

static inline struct proc *thread_proc(struct thread *t)
{
	return t->proc ? t->proc : &hp_proc;
}

static inline bool sig_valid(int sig) { return sig >= 1 && sig <= NSIG_K; }

static inline bool sig_ignored_by(const struct k_sigaction *ka, int sig)
{
	return ka->handler == SIG_IGN_K || (ka->handler == SIG_DFL_K && (SIGBIT(sig) & SIGMASK_IGNORE));
}

/* Would 'sig' end the process if it were taken now (default action terminate/core)? */
static inline bool sig_fatal(const struct proc *p, int sig)
{
	return sig == SIGKILL_K ||
	       (p->sigact[sig - 1].handler == SIG_DFL_K &&
		!(SIGBIT(sig) & (SIGMASK_IGNORE | SIGMASK_STOP)));
}

const char *signal_name(int sig, char *buf, size_t n)
{
	static const char *const names[] = {
		NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
		"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
		"SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
		"SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
		"SIGIO", "SIGPWR", "SIGSYS",
	};
	if (sig > 0 && sig < (int)ARRAY_SIZE(names))
		return names[sig];
	ksnprintf(buf, n, "signal %d", sig);
	return buf;
}

/* ---- the HP app: its behaviour from before compat processes ---- */

/* A signal sent to the HP app: its default action at once, or dropped. */
static long hp_signal(int sig)
{
	if (sig < 0 || sig > NSIG_K)
		return -EINVAL;
	if (sig == 0)
		return 0;
	unsigned long handler = READ_ONCE(hp_proc.sigact[sig - 1].handler);
	if (handler == SIG_IGN_K)
		return 0;
	if (SIGBIT(sig) & SIGMASK_IGNORE)
		return 0;
	if (handler != SIG_DFL_K) {
		/*
		 * Handlers cannot run on the HP app's ring-0 stacks. Killing the app
		 * for a signal it expects to catch would be worse than dropping it;
		 * musl's own SIGCANCEL only hurries a cancellation that the next
		 * cancellation point carries out anyway.
		 */
		if (sig != SIGCANCEL_K)
			printk("jiny: signal %d has a handler, but handlers do not run in the HP app: "
			       "dropped\n", sig);
		return 0;
	}
	printk("jiny: the app was killed by signal %d; exit status %d\n", sig, 128 + sig);
	app_exit(128 + sig);
}

/* ---- sending ---- */

static void siginfo_user(struct siginfo_k *info, int sig, int code)
{
	memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	info->si_code = code;
	info->u.kill.pid = proc_current()->pid;
	info->u.kill.uid = 0;
}

/* Make t take a newly queued signal: wake it, or kick its CPU out of ring 3. */
static void signal_wake(struct thread *t)
{
	if (sched_wake(t))
		return;
	if (t != sched_current() && __atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		smp_resched(READ_ONCE(t->cpu));
}

/* A thread of p that does not block sig: the current one if it can, else the first. */
static struct thread *pick_thread(struct proc *p, int sig)
{
	struct thread *me = sched_current();
	if (me->proc == p && !(me->sig_mask & SIGBIT(sig)))
		return me;
	for (struct thread *t = p->threads; t; t = t->proc_next)
		if (!(t->sig_mask & SIGBIT(sig)))
			return t;
	return NULL;
}

/* Drop 'set' from everything pending in p (p->lock held). */
static void flush_pending_locked(struct proc *p, uint64_t set)
{
	p->sig_pending &= ~set;
	for (struct thread *t = p->threads; t; t = t->proc_next)
		t->sig_pending &= ~set;
}

/* Does no thread of p block sig (p->lock held)? An ignored signal is dropped then. */
static bool nobody_blocks_locked(struct proc *p, int sig)
{
	for (struct thread *t = p->threads; t; t = t->proc_next)
		if (t->sig_mask & SIGBIT(sig))
			return false;
	return true;
}

/*
 * Queue sig on a compat process p (t NULL) or on its thread t. Returns true
 * when SIGCONT was sent (the caller continues p, outside the lock).
 */
static bool send_locked(struct proc *p, struct thread *t, int sig, const struct siginfo_k *info)
{
	bool cont = false;
	if (p->exiting)
		return false;
	/* Stop and continue cancel each other at send time (Linux prepare_signal). */
	if (SIGBIT(sig) & SIGMASK_STOP) {
		flush_pending_locked(p, SIGBIT(SIGCONT_K));
	} else if (sig == SIGCONT_K) {
		flush_pending_locked(p, SIGMASK_STOP);
		cont = true;
	}
	const struct k_sigaction *ka = &p->sigact[sig - 1];
	if (sig != SIGKILL_K && sig_ignored_by(ka, sig) &&
	    (t ? !(t->sig_mask & SIGBIT(sig)) : nobody_blocks_locked(p, sig)))
		return cont;
	if (t) {
		if (!(t->sig_pending & SIGBIT(sig)) || sig >= 32) {
			struct sig_thread *st = READ_ONCE(t->sig_priv);
			if (st)
				st->info[sig - 1] = *info;
			t->sig_pending |= SIGBIT(sig);
		}
		signal_wake(t);
		return cont;
	}
	if (!(p->sig_pending & SIGBIT(sig)) || sig >= 32) {
		p->sig_info[sig - 1] = *info;
		p->sig_pending |= SIGBIT(sig);
	}
	if (sig_fatal(p, sig)) {
		/* Every thread leaves its waits: the taker ends the process. */
		for (struct thread *u = p->threads; u; u = u->proc_next)
			signal_wake(u);
	} else {
		struct thread *u = pick_thread(p, sig);
		if (u)
			signal_wake(u);
	}
	return cont;
}

int signal_send_proc(struct proc *p, int sig, const struct siginfo_k *info)
{
	if (sig < 0 || sig > NSIG_K)
		return -EINVAL;
	if (!p)
		return -ESRCH;
	if (!proc_is_user(p))
		return (int)hp_signal(sig);
	if (sig == 0)
		return 0;
	struct siginfo_k si;
	if (!info) {
		siginfo_user(&si, sig, SI_USER_K);
		info = &si;
	}
	uint64_t fl = spin_lock_irqsave(&p->lock);
	bool cont = send_locked(p, NULL, sig, info);
	spin_unlock_irqrestore(&p->lock, fl);
	if (cont)
		proc_continue(p);
	return 0;
}

int signal_send_thread(struct thread *t, int sig, const struct siginfo_k *info)
{
	if (sig < 0 || sig > NSIG_K)
		return -EINVAL;
	struct proc *p = thread_proc(t);
	if (!proc_is_user(p))
		return (int)hp_signal(sig);
	if (sig == 0)
		return 0;
	struct siginfo_k si;
	if (!info) {
		siginfo_user(&si, sig, SI_USER_K);
		info = &si;
	}
	sig_thread(t); /* room for the siginfo; without it the signal still goes */
	uint64_t fl = spin_lock_irqsave(&p->lock);
	bool cont = send_locked(p, t, sig, info);
	spin_unlock_irqrestore(&p->lock, fl);
	if (cont)
		proc_continue(p);
	return 0;
}

/* Pids of the processes kill() reaches, collected under proc_lock (no sleeping there). */
struct pid_list {
	int mode;                 /* 0: group 'pgid'; 1: all but pid 1 and 'self' */
	int pgid, self;
	int *pids;
	size_t n, cap;
	bool overflow, hp;        /* more than cap; hp_proc is among them */
};

static void collect_pid(struct proc *p, void *arg)
{
	struct pid_list *l = arg;
	if (p->state != PROC_ALIVE)
		return;
	if (l->mode == 0 ? p->pgid != l->pgid : (p->pid == 1 || p->pid == l->self))
		return;
	if (!proc_is_user(p)) {
		l->hp = true;
		return;
	}
	if (l->n == l->cap) {
		l->overflow = true;
		return;
	}
	l->pids[l->n++] = p->pid;
}

/* Send to every process the list describes; the HP app last (its default action ends all). */
static int send_to_list(struct pid_list *l, int sig)
{
	int local[32];
	l->pids = local;
	l->cap = ARRAY_SIZE(local);
	for (;;) {
		l->n = 0;
		l->overflow = l->hp = false;
		proc_for_each(collect_pid, l);
		if (!l->overflow)
			break;
		if (l->pids != local)
			kfree(l->pids);
		l->cap *= 4;
		l->pids = kmalloc(l->cap * sizeof(int));
		if (!l->pids)
			return -ENOMEM;
	}
	int found = 0, err = -ESRCH;
	for (size_t i = 0; i < l->n; i++) {
		struct proc *p = proc_get(l->pids[i]);
		if (!p)
			continue;
		int r = signal_send_proc(p, sig, NULL);
		proc_put(p);
		if (r == 0)
			found++;
		else
			err = r;
	}
	if (l->pids != local)
		kfree(l->pids);
	if (l->hp) {
		int r = (int)hp_signal(sig);
		if (r == 0)
			found++;
		else
			err = r;
	}
	return found ? 0 : err;
}

int signal_send_pgrp(int pgid, int sig)
{
	if (sig < 0 || sig > NSIG_K)
		return -EINVAL;
	if (pgid <= 0)
		return -ESRCH;
	struct pid_list l = { .mode = 0, .pgid = pgid };
	return send_to_list(&l, sig);
}

void signal_force_fault(int sig, int code, uint64_t addr)
{
	struct thread *t = sched_current();
	struct proc *p = thread_proc(t);
	char nb[16];
	if (!proc_is_user(p)) { /* not from ring 3: the HP app ends as it would on Linux */
		printk("jiny: %s (code %d, address %#lx) in the HP app\n", signal_name(sig, nb, 16),
		       code, (unsigned long)addr);
		proc_exit_group(sig | 0x80);
	}
	struct siginfo_k info = { .si_signo = sig, .si_code = code };
	info.u.fault.addr = addr;
	sig_thread(t);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	/* A blocked or ignored fault would re-fault forever: it kills (Linux force_sig_info). */
	struct k_sigaction *ka = &p->sigact[sig - 1];
	if (ka->handler == SIG_IGN_K || (t->sig_mask & SIGBIT(sig))) {
		ka->handler = SIG_DFL_K;
		t->sig_mask &= ~SIGBIT(sig);
	}
	send_locked(p, t, sig, &info);
	spin_unlock_irqrestore(&p->lock, fl);
}

/* Delivery failed for sig (bad stack, no restorer): SIGSEGV, by force (Linux force_sigsegv). */
static void force_sigsegv(int sig)
{
	if (sig == SIGSEGV_K) {
		struct proc *p = proc_current();
		uint64_t fl = spin_lock_irqsave(&p->lock);
		p->sigact[SIGSEGV_K - 1].handler = SIG_DFL_K;
		spin_unlock_irqrestore(&p->lock, fl);
	}
	signal_force_fault(SIGSEGV_K, SI_KERNEL_K, 0);
}

/* ---- pending state ---- */

bool signal_pending(void)
{
	struct thread *t = sched_current();
	struct proc *p = t->proc;
	if (!p || !proc_is_user(p))
		return false;
	if (READ_ONCE(p->exiting))
		return true;
	uint64_t pend = READ_ONCE(t->sig_pending) | READ_ONCE(p->sig_pending);
	return (pend & ~(READ_ONCE(t->sig_mask) & ~SIGMASK_UNBLOCKABLE)) != 0;
}

static inline bool restart_code(const struct trap_frame *f)
{
	if (f->vector != TRAP_SYSCALL || (int64_t)f->error < 0)
		return false;
	int64_t r = (int64_t)f->rax;
	return r == -ERESTARTSYS || r == -ERESTARTNOINTR || r == -ERESTARTNOHAND ||
	       r == -ERESTART_RESTARTBLOCK;
}

bool signal_work_pending(const struct trap_frame *f)
{
	return signal_pending() || READ_ONCE(sched_current()->sig_restore_mask) || restart_code(f);
}

/* The signal to take from set: a synchronous one first, else the lowest. */
static int next_signal(uint64_t set)
{
	if (set & SIGMASK_SYNC)
		set &= SIGMASK_SYNC;
	return __builtin_ctzll(set) + 1;
}

/* Take one pending signal of 'allowed', thread-directed first (p->lock held); 0 if none. */
static int dequeue_locked(struct thread *t, struct proc *p, uint64_t allowed, struct siginfo_k *info)
{
	uint64_t set = t->sig_pending & allowed;
	if (set) {
		int sig = next_signal(set);
		t->sig_pending &= ~SIGBIT(sig);
		struct sig_thread *st = t->sig_priv;
		if (st) {
			*info = st->info[sig - 1];
		} else {
			memset(info, 0, sizeof(*info));
			info->si_signo = sig;
			info->si_code = SI_KERNEL_K;
		}
		return sig;
	}
	set = p->sig_pending & allowed;
	if (!set)
		return 0;
	int sig = next_signal(set);
	p->sig_pending &= ~SIGBIT(sig);
	*info = p->sig_info[sig - 1];
	return sig;
}

/* ---- delivery ---- */

/* On the alternate stack? (Linux on_sig_stack: never while SS_AUTODISARM.) */
static bool on_altstack(const struct thread *t, uint64_t sp)
{
	if (t->sig_altstack.flags & SS_AUTODISARM_K)
		return false;
	return sp > t->sig_altstack.sp && sp - t->sig_altstack.sp <= t->sig_altstack.size;
}

static int altstack_flags(const struct thread *t, uint64_t sp)
{
	if (!t->sig_altstack.size)
		return SS_DISABLE_K;
	return on_altstack(t, sp) ? SS_ONSTACK_K : 0;
}

static void altstack_reset(struct thread *t)
{
	t->sig_altstack.sp = 0;
	t->sig_altstack.size = 0;
	t->sig_altstack.flags = SS_DISABLE_K;
}

/* A handler is about to run: fix up an interrupted system call (Linux handle_signal). */
static void restart_for_handler(struct trap_frame *f, unsigned long sa_flags)
{
	if (!restart_code(f))
		return;
	switch (-(int64_t)f->rax) {
	case ERESTART_RESTARTBLOCK:
	case ERESTARTNOHAND:
		f->rax = (uint64_t)-EINTR;
		break;
	case ERESTARTSYS:
		if (!(sa_flags & SA_RESTART_K)) {
			f->rax = (uint64_t)-EINTR;
			break;
		}
		/* fall through */
	case ERESTARTNOINTR:
		f->rax = f->error;
		f->rip -= 2; /* back onto the 2-byte syscall instruction */
		break;
	}
}

/* No handler ran: every interrupted call starts again. */
static void restart_no_handler(struct trap_frame *f)
{
	if (!restart_code(f))
		return;
	if ((int64_t)f->rax == -ERESTART_RESTARTBLOCK)
		f->rax = NR_RESTART_SYSCALL;
	else
		f->rax = f->error;
	f->rip -= 2;
}

/*
 * Build the rt_sigframe for sig on the user stack (or the alternate stack)
 * and point f at the handler, as Linux's get_sigframe/__setup_rt_frame do:
 * below the red zone, the FPU image 64-byte aligned, the frame so that rsp
 * + 8 is 16-byte aligned (as after a call). -EFAULT leaves f unchanged.
 */
static int setup_frame(struct trap_frame *f, struct thread *t, int sig,
		       const struct k_sigaction *ka, const struct siginfo_k *info)
{
	if (!(ka->flags & SA_RESTORER_K))
		return -EFAULT; /* x86_64 has no kernel-provided return path */
	struct sig_thread *st = sig_thread(t);
	if (!st)
		return -ENOMEM;
	uint64_t usp = f->rsp, sp = usp - 128;
	bool nested = on_altstack(t, usp), entering = false;
	if ((ka->flags & SA_ONSTACK_K) && altstack_flags(t, sp) == 0) {
		sp = t->sig_altstack.sp + t->sig_altstack.size;
		entering = true;
	}
	bool xsave = fpu_xfeatures() != 0;
	size_t xsize = xsave ? fpu_state_size() : FXSAVE_SIZE;
	size_t math = xsave ? xsize + 4 : FXSAVE_SIZE; /* + FP_XSTATE_MAGIC2 */
	uint64_t fpstate = ALIGN_DOWN(sp - math, 64);
	uint64_t frame = ALIGN_DOWN(fpstate - sizeof(struct rt_sigframe_k), 16) - 8;
	if (sp > USER_TOP || frame > sp || frame < PAGE_SIZE)
		return -EFAULT;
	if ((nested || entering) && !(frame > t->sig_altstack.sp &&
				      frame - t->sig_altstack.sp <= t->sig_altstack.size))
		return -EFAULT; /* would overflow the alternate stack */

	/* The interrupted code's FPU state, as Linux lays it out (fxsave + xsave extension). */
	fpu_save(st->fpu);
	struct fpx_sw_bytes sw = { 0 };
	if (xsave)
		sw = (struct fpx_sw_bytes){ .magic1 = FP_XSTATE_MAGIC1,
					    .extended_size = (uint32_t)xsize + 4,
					    .xfeatures = fpu_xfeatures(),
					    .xstate_size = (uint32_t)xsize };
	memcpy(st->fpu + FPX_SW_OFFSET, &sw, sizeof(sw));
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	if (copy_to_user((void *)fpstate, st->fpu, xsize) ||
	    (xsave && copy_to_user((void *)(fpstate + xsize), &magic2, 4)))
		return -EFAULT;

	struct rt_sigframe_k fr;
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = ka->restorer;
	fr.uc.uc_flags = (xsave ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	fr.uc.uc_stack.ss_sp = t->sig_altstack.sp;
	fr.uc.uc_stack.ss_flags = t->sig_altstack.size ? t->sig_altstack.flags : SS_DISABLE_K;
	fr.uc.uc_stack.ss_size = t->sig_altstack.size;
	struct sigcontext_k *sc = &fr.uc.uc_mcontext;
	sc->r8 = f->r8, sc->r9 = f->r9, sc->r10 = f->r10, sc->r11 = f->r11;
	sc->r12 = f->r12, sc->r13 = f->r13, sc->r14 = f->r14, sc->r15 = f->r15;
	sc->rdi = f->rdi, sc->rsi = f->rsi, sc->rbp = f->rbp, sc->rbx = f->rbx;
	sc->rdx = f->rdx, sc->rax = f->rax, sc->rcx = f->rcx, sc->rsp = f->rsp;
	sc->rip = f->rip, sc->eflags = f->rflags;
	sc->cs = (uint16_t)f->cs, sc->ss = (uint16_t)f->ss;
	if (f->vector < 32) { /* an exception: its number and error code */
		sc->trapno = f->vector;
		sc->err = f->error;
	}
	if (SIGBIT(sig) & (SIGBIT(SIGSEGV_K) | SIGBIT(SIGBUS_K)))
		sc->cr2 = info->u.fault.addr;
	uint64_t oldmask = t->sig_restore_mask ? t->sig_saved_mask : t->sig_mask;
	sc->oldmask = oldmask;
	sc->fpstate = fpstate;
	fr.uc.uc_sigmask = oldmask;
	fr.info = *info;
	if (copy_to_user((void *)frame, &fr, sizeof(fr)))
		return -EFAULT;

	f->rdi = (uint64_t)sig;
	f->rsi = frame + __builtin_offsetof(struct rt_sigframe_k, info);
	f->rdx = frame + __builtin_offsetof(struct rt_sigframe_k, uc);
	f->rax = 0; /* for handlers declared without a prototype (varargs) */
	f->rip = ka->handler;
	f->rsp = frame;
	f->rflags &= ~(EFLAGS_TF | EFLAGS_DF | EFLAGS_RF);
	f->cs = SEL_UCODE;
	f->ss = SEL_UDATA;

	/* The handler starts with a clean FPU (Linux fpu__clear_user_states). */
	fpu_state_init(st->fpu);
	fpu_restore(st->fpu);

	struct proc *p = thread_proc(t);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	uint64_t mask = oldmask | ka->mask;
	if (!(ka->flags & SA_NODEFER_K))
		mask |= SIGBIT(sig);
	t->sig_mask = mask & ~SIGMASK_UNBLOCKABLE;
	t->sig_restore_mask = false;
	spin_unlock_irqrestore(&p->lock, fl);
	if (t->sig_altstack.flags & SS_AUTODISARM_K)
		altstack_reset(t);
	return 0;
}

static __noreturn void die_by_signal(struct proc *p, struct trap_frame *f, int sig,
				     const struct siginfo_k *info)
{
	bool core = SIGBIT(sig) & SIGMASK_COREDUMP;
	if (core) { /* the shell says "Segmentation fault"; say where, for the developer */
		char nb[16];
		printk("jiny: pid %d (%s) killed by %s at rip %#lx (si_code %d, address %#lx)\n",
		       p->pid, p->comm, signal_name(sig, nb, sizeof(nb)), (unsigned long)f->rip,
		       info->si_code, (unsigned long)info->u.fault.addr);
	}
	proc_exit_group(sig | (core ? 0x80 : 0));
}

void signal_deliver(struct trap_frame *f)
{
	struct thread *t = sched_current();
	struct proc *p = t->proc;
	if (!p || !proc_is_user(p))
		return;
	for (;;) {
		if (READ_ONCE(p->exiting))
			proc_exit_group(p->exit_status); /* another thread ended the process: leave */
		struct siginfo_k info;
		uint64_t fl = spin_lock_irqsave(&p->lock);
		if (p->sig_pending & SIGBIT(SIGKILL_K)) {
			spin_unlock_irqrestore(&p->lock, fl);
			proc_exit_group(SIGKILL_K);
		}
		int sig = dequeue_locked(t, p, ~(t->sig_mask & ~SIGMASK_UNBLOCKABLE), &info);
		if (!sig) {
			spin_unlock_irqrestore(&p->lock, fl);
			break;
		}
		struct k_sigaction ka = p->sigact[sig - 1];
		if (ka.handler == SIG_IGN_K) {
			spin_unlock_irqrestore(&p->lock, fl);
			continue;
		}
		if (ka.handler == SIG_DFL_K) {
			spin_unlock_irqrestore(&p->lock, fl);
			if (SIGBIT(sig) & SIGMASK_IGNORE)
				continue;
			if (SIGBIT(sig) & SIGMASK_STOP) {
				proc_stop(sig); /* returns once continued */
				continue;
			}
			die_by_signal(p, f, sig, &info);
		}
		if (ka.flags & SA_RESETHAND_K)
			p->sigact[sig - 1].handler = SIG_DFL_K;
		spin_unlock_irqrestore(&p->lock, fl);
		restart_for_handler(f, ka.flags);
		if (setup_frame(f, t, sig, &ka, &info) == 0)
			return; /* one handler per return; the core calls again if more wait */
		force_sigsegv(sig);
	}
	restart_no_handler(f);
	if (t->sig_restore_mask) {
		uint64_t fl = spin_lock_irqsave(&p->lock);
		t->sig_mask = t->sig_saved_mask;
		t->sig_restore_mask = false;
		spin_unlock_irqrestore(&p->lock, fl);
	}
}

/* ---- rt_sigreturn ---- */

static bool user_addr(uint64_t a) { return a < USER_TOP; }

/*
 * The FPU state the handler frame holds. Only data reaches the CPU: the
 * legacy image's MXCSR loses its reserved bits and the XSAVE header is the
 * kernel's own (fpu_sanitize); the extended components are taken only when
 * the frame carries Linux's magic words for our XSAVE size.
 */
static int restore_fpu(struct thread *t, uint64_t ufp)
{
	struct sig_thread *st = sig_thread(t);
	if (!st)
		return -ENOMEM;
	uint8_t *buf = st->fpu;
	fpu_state_init(buf);
	bool extended = false;
	if (ufp) {
		if (!user_addr(ufp) || copy_from_user(buf, (void *)ufp, FXSAVE_SIZE))
			return -EFAULT;
		struct fpx_sw_bytes sw;
		memcpy(&sw, buf + FPX_SW_OFFSET, sizeof(sw));
		size_t xsize = fpu_state_size();
		uint32_t magic2 = 0;
		if (fpu_xfeatures() && sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size == xsize &&
		    sw.extended_size == xsize + 4 && xsize > FXSAVE_SIZE + 64 &&
		    copy_from_user(&magic2, (void *)(ufp + xsize), 4) == 0 &&
		    magic2 == FP_XSTATE_MAGIC2) {
			if (copy_from_user(buf + FXSAVE_SIZE, (void *)(ufp + FXSAVE_SIZE),
					   xsize - FXSAVE_SIZE))
				return -EFAULT;
			extended = true;
		}
	}
	fpu_sanitize(buf, extended);
	fpu_restore(buf);
	return 0;
}

/* sigaltstack's work (Linux do_sigaltstack); sp is the user stack pointer now. */
static long do_sigaltstack(struct thread *t, const struct stack_k *ss, struct stack_k *oss,
			   uint64_t sp)
{
	if (oss) {
		memset(oss, 0, sizeof(*oss));
		oss->ss_sp = t->sig_altstack.sp;
		oss->ss_size = t->sig_altstack.size;
		oss->ss_flags = altstack_flags(t, sp) | (int)(t->sig_altstack.flags & SS_AUTODISARM_K);
	}
	if (ss) {
		if (on_altstack(t, sp))
			return -EPERM;
		unsigned mode = (unsigned)ss->ss_flags & ~SS_AUTODISARM_K;
		if (mode != SS_DISABLE_K && mode != SS_ONSTACK_K && mode != 0)
			return -EINVAL;
		uint64_t ssp = ss->ss_sp, size = ss->ss_size;
		if (mode == SS_DISABLE_K) {
			ssp = 0;
			size = 0;
		} else if (size < MINSIGSTKSZ_K) {
			return -ENOMEM;
		}
		t->sig_altstack.sp = ssp;
		t->sig_altstack.size = size;
		t->sig_altstack.flags = ss->ss_flags;
	}
	return 0;
}

long sys_rt_sigreturn(void)
{
	struct thread *t = sched_current();
	if (!current_is_user()) {
		printk_once("jiny: rt_sigreturn in the HP app, whose signal handlers never run: ENOSYS\n");
		return -ENOSYS;
	}
	struct trap_frame *f = t->uframe;
	uint64_t frame = f->rsp - 8; /* the handler's ret popped pretcode */
	struct ucontext_k uc;
	if (!user_addr(frame) ||
	    copy_from_user(&uc, (void *)(frame + __builtin_offsetof(struct rt_sigframe_k, uc)),
			   sizeof(uc)))
		goto bad;
	const struct sigcontext_k *sc = &uc.uc_mcontext;
	if (!user_addr(sc->rip) || !user_addr(sc->rsp))
		goto bad;
	if (restore_fpu(t, sc->fpstate) < 0)
		goto bad;

	struct proc *p = thread_proc(t);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	t->sig_mask = uc.uc_sigmask & ~SIGMASK_UNBLOCKABLE;
	spin_unlock_irqrestore(&p->lock, fl);

	f->r8 = sc->r8, f->r9 = sc->r9, f->r10 = sc->r10, f->r11 = sc->r11;
	f->r12 = sc->r12, f->r13 = sc->r13, f->r14 = sc->r14, f->r15 = sc->r15;
	f->rdi = sc->rdi, f->rsi = sc->rsi, f->rbp = sc->rbp, f->rbx = sc->rbx;
	f->rdx = sc->rdx, f->rax = sc->rax, f->rcx = sc->rcx, f->rsp = sc->rsp;
	f->rip = sc->rip;
	f->rflags = (sc->eflags & EFLAGS_USER) | EFLAGS_IF | EFLAGS_FIXED;
	f->cs = SEL_UCODE;
	f->ss = SEL_UDATA;
	f->error = (uint64_t)-1; /* not a system call any more: no restart of it */

	/* The alternate stack as it was (errors other than EFAULT ignored, as Linux). */
	do_sigaltstack(t, &uc.uc_stack, NULL, f->rsp);
	return (long)f->rax; /* the dispatcher stores it back into f->rax */
bad:
	signal_force_fault(SIGSEGV_K, SI_KERNEL_K, 0);
	return 0;
}

/* ---- restart_syscall ---- */

struct restart_block *signal_restart_block(void)
{
	if (!current_is_user())
		return NULL;
	struct sig_thread *st = sig_thread(sched_current());
	return st ? &st->restart : NULL;
}

long sys_restart_syscall(void)
{
	struct sig_thread *st = current_is_user() ? sched_current()->sig_priv : NULL;
	if (!st || !st->restart.fn)
		return -EINTR;
	long (*fn)(struct restart_block *) = st->restart.fn;
	st->restart.fn = NULL;
	return fn(&st->restart);
}

/* ---- process life: fork, exec, new threads, SIGCHLD policy ---- */

void signal_fork(struct proc *child, const struct proc *parent)
{
	struct proc *pp = (struct proc *)parent;
	uint64_t fl = spin_lock_irqsave(&pp->lock);
	memcpy(child->sigact, parent->sigact, sizeof(child->sigact));
	spin_unlock_irqrestore(&pp->lock, fl);
	child->sig_pending = 0;
	memset(child->sig_info, 0, sizeof(child->sig_info));
}

void signal_thread_init(struct thread *nt, const struct thread *parent, unsigned long clone_flags)
{
	const unsigned long clone_vm = 0x100, clone_vfork = 0x4000;
	nt->sig_pending = 0;
	nt->sig_restore_mask = false;
	nt->sig_mask = parent ? parent->sig_mask : 0;
	if (parent && (clone_flags & (clone_vm | clone_vfork)) != clone_vm) {
		nt->sig_altstack.sp = parent->sig_altstack.sp;
		nt->sig_altstack.size = parent->sig_altstack.size;
		nt->sig_altstack.flags = parent->sig_altstack.flags;
	} else {
		altstack_reset(nt);
	}
}

void signal_exec(struct proc *p)
{
	uint64_t fl = spin_lock_irqsave(&p->lock);
	for (int i = 0; i < NSIG_K; i++) {
		struct k_sigaction *ka = &p->sigact[i];
		if (ka->handler != SIG_IGN_K)
			ka->handler = SIG_DFL_K;
		ka->flags = 0;
		ka->restorer = 0;
		ka->mask = 0;
	}
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		altstack_reset(t);
		t->sig_restore_mask = false;
	}
	spin_unlock_irqrestore(&p->lock, fl);
}

bool proc_child_autoreap(struct proc *parent)
{
	const struct k_sigaction *ka = &parent->sigact[SIGCHLD_K - 1];
	return READ_ONCE(ka->handler) == SIG_IGN_K || (READ_ONCE(ka->flags) & SA_NOCLDWAIT_K);
}

bool signal_chld_on_stop(struct proc *parent)
{
	return !(READ_ONCE(parent->sigact[SIGCHLD_K - 1].flags) & SA_NOCLDSTOP_K);
}

/* ---- system calls ---- */

/* User memory in and out, for ring-3 callers and the HP app alike. */
static int get_user_mem(void *dst, const void *src, size_t n)
{
	if (current_is_user())
		return copy_from_user(dst, src, n);
	if (!uaccess_ok(src, n, false))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

static int put_user_mem(void *dst, const void *src, size_t n)
{
	if (current_is_user())
		return copy_to_user(dst, src, n);
	if (!uaccess_ok(dst, n, true))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

long sys_rt_sigaction(int sig, const void *act, void *old, size_t setsize)
{
	if (!sig_valid(sig) || setsize != 8)
		return -EINVAL;
	if (act && (sig == SIGKILL_K || sig == SIGSTOP_K))
		return -EINVAL;
	struct k_sigaction ka, prev;
	if (act && get_user_mem(&ka, act, sizeof(ka)))
		return -EFAULT;
	struct proc *p = proc_current();
	uint64_t fl = spin_lock_irqsave(&p->lock);
	prev = p->sigact[sig - 1];
	if (act) {
		ka.mask &= ~SIGMASK_UNBLOCKABLE;
		p->sigact[sig - 1] = ka;
		/* POSIX: setting a pending signal to be ignored discards it. */
		if (proc_is_user(p) && sig_ignored_by(&ka, sig))
			flush_pending_locked(p, SIGBIT(sig));
	}
	spin_unlock_irqrestore(&p->lock, fl);
	if (old && put_user_mem(old, &prev, sizeof(prev)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(int how, const void *set, void *old, size_t setsize)
{
	if (setsize != 8)
		return -EINVAL;
	uint64_t s = 0;
	if (set && get_user_mem(&s, set, 8))
		return -EFAULT;
	struct thread *t = sched_current();
	struct proc *p = thread_proc(t);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	uint64_t prev = t->sig_mask, mask = prev;
	if (set) {
		switch (how) {
		case SIG_BLOCK_K: mask |= s; break;
		case SIG_UNBLOCK_K: mask &= ~s; break;
		case SIG_SETMASK_K: mask = s; break;
		default:
			spin_unlock_irqrestore(&p->lock, fl);
			return -EINVAL;
		}
		t->sig_mask = mask & ~SIGMASK_UNBLOCKABLE;
		/* Process signals this thread now blocks go to a thread that can take them. */
		uint64_t moved = proc_is_user(p) ? p->sig_pending & t->sig_mask & ~prev : 0;
		while (moved) {
			int sig = next_signal(moved);
			moved &= ~SIGBIT(sig);
			struct thread *u = pick_thread(p, sig);
			if (u)
				signal_wake(u);
		}
	}
	spin_unlock_irqrestore(&p->lock, fl);
	if (old && put_user_mem(old, &prev, 8))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(void *set, size_t setsize)
{
	if (setsize > 8)
		return -EINVAL;
	struct thread *t = sched_current();
	struct proc *p = thread_proc(t);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	uint64_t pend = (t->sig_pending | (proc_is_user(p) ? p->sig_pending : 0)) & t->sig_mask;
	spin_unlock_irqrestore(&p->lock, fl);
	return put_user_mem(set, &pend, setsize);
}

long sys_sigaltstack(const void *uss, void *uoss)
{
	struct thread *t = sched_current();
	struct stack_k ss, oss;
	if (uss && get_user_mem(&ss, uss, sizeof(ss)))
		return -EFAULT;
	uint64_t sp = current_is_user() ? t->uframe->rsp : arch_frame_pointer();
	long r = do_sigaltstack(t, uss ? &ss : NULL, uoss ? &oss : NULL, sp);
	if (r == 0 && uoss && put_user_mem(uoss, &oss, sizeof(oss)))
		return -EFAULT;
	return r;
}

/*
 * Sleep until the current thread has a signal to take (or deadline passes,
 * 0 = never): false on timeout. The HP app's threads never get one.
 */
static bool wait_for_signal(uint64_t deadline)
{
	if (!current_is_user())
		printk_once("jiny: the HP app waits for a signal, but signals are not queued to it "
			    "(their default action happens when sent): it sleeps (until the "
			    "timeout, if any)\n");
	for (;;) {
		if (deadline && clock_ns() >= deadline)
			return false;
		uint64_t f = irq_save();
		struct thread *me = sched_current();
		__atomic_store_n(&me->state, THREAD_BLOCKED, __ATOMIC_SEQ_CST);
		if (signal_pending()) {
			me->state = THREAD_RUNNING;
			irq_restore(f);
			return true;
		}
		sched_block(deadline);
		irq_restore(f);
	}
}

long sys_pause(void)
{
	wait_for_signal(0);
	return -ERESTARTNOHAND;
}

long sys_rt_sigsuspend(const void *umask, size_t setsize)
{
	if (setsize != 8)
		return -EINVAL;
	uint64_t mask;
	if (get_user_mem(&mask, umask, 8))
		return -EFAULT;
	struct thread *t = sched_current();
	if (current_is_user()) {
		struct proc *p = thread_proc(t);
		uint64_t fl = spin_lock_irqsave(&p->lock);
		t->sig_saved_mask = t->sig_mask;
		t->sig_restore_mask = true; /* restored once the handler frame is built */
		t->sig_mask = mask & ~SIGMASK_UNBLOCKABLE;
		spin_unlock_irqrestore(&p->lock, fl);
	}
	wait_for_signal(0);
	return -ERESTARTNOHAND;
}

long sys_rt_sigtimedwait(const void *uset, void *uinfo, const struct timespec *ts,
			 size_t setsize)
{
	if (setsize != 8)
		return -EINVAL;
	uint64_t set, deadline = 0;
	if (get_user_mem(&set, uset, 8))
		return -EFAULT;
	set &= ~SIGMASK_UNBLOCKABLE;
	bool poll_only = false;
	if (ts) {
		uint64_t ns;
		long r = timespec_get_ns(ts, &ns);
		if (r < 0)
			return r;
		if (ns == 0)
			poll_only = true;
		else if (ns < TIMESPEC_FOREVER)
			deadline = clock_ns() + ns;
	}
	struct thread *t = sched_current();
	struct proc *p = thread_proc(t);
	struct siginfo_k info;
	int sig = 0;
	bool user = proc_is_user(p);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	if (user)
		sig = dequeue_locked(t, p, set, &info);
	uint64_t saved = t->sig_mask;
	if (!sig && !poll_only && user)
		t->sig_mask &= ~set; /* the awaited signals wake us (Linux real_blocked) */
	spin_unlock_irqrestore(&p->lock, fl);
	if (!sig && !poll_only) {
		wait_for_signal(deadline);
		fl = spin_lock_irqsave(&p->lock);
		t->sig_mask = saved;
		if (user)
			sig = dequeue_locked(t, p, set, &info);
		spin_unlock_irqrestore(&p->lock, fl);
	}
	if (!sig)
		return deadline && clock_ns() >= deadline ? -EAGAIN : poll_only ? -EAGAIN : -EINTR;
	if (uinfo && put_user_mem(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

long sys_kill(int pid, int sig)
{
	if (sig < 0 || sig > NSIG_K)
		return -EINVAL;
	struct proc *me = proc_current();
	if (pid > 0) {
		struct proc *p = proc_get(pid);
		if (!p) /* the HP app's old answer for any pid but its own */
			return -ESRCH;
		int r = signal_send_proc(p, sig, NULL);
		proc_put(p);
		return r;
	}
	if (pid == 0)
		return signal_send_pgrp(me->pgid, sig);
	if (pid == -1) {
		/* Linux: every process but 1 and the caller. The HP app (1) keeps its old
		 * behaviour: kill(-1) reaches it too. */
		struct pid_list l = { .mode = 1, .self = me->pid };
		int r = send_to_list(&l, sig);
		if (!proc_is_user(me))
			return (int)hp_signal(sig) == 0 ? 0 : r;
		return r;
	}
	if (pid == INT32_MIN)
		return -ESRCH;
	return signal_send_pgrp(-pid, sig);
}

/* Find a thread by tid and send to it (threads_lock keeps it alive meanwhile). */
static long send_tid(int tgid, int tid, int sig, const struct siginfo_k *info)
{
	threads_lock();
	struct thread *t = thread_find(tid);
	struct proc *p = t ? thread_proc(t) : NULL;
	if (!t || !proc_is_user(p) || (tgid > 0 && p->pid != tgid)) {
		bool hp_thread = t && !proc_is_user(p);
		threads_unlock();
		/* tkill of an HP-app thread, or of any unknown tid by the HP app: as before. */
		if (tgid == 0 && (hp_thread || (!t && !current_is_user())))
			return hp_signal(sig);
		return -ESRCH;
	}
	struct siginfo_k si;
	if (!info) {
		siginfo_user(&si, sig, SI_TKILL_K);
		info = &si;
	}
	long r = signal_send_thread(t, sig, info);
	threads_unlock();
	return r;
}

long sys_tkill(int tid, int sig)
{
	if (tid <= 0 || sig < 0 || sig > NSIG_K)
		return -EINVAL;
	return send_tid(0, tid, sig, NULL);
}

long sys_tgkill(int tgid, int tid, int sig)
{
	if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG_K)
		return -EINVAL;
	if (tgid == 1)
		return hp_signal(sig); /* the HP app, as before */
	return send_tid(tgid, tid, sig, NULL);
}

/* rt_sigqueueinfo/rt_tgsigqueueinfo: a caller-made siginfo; only to oneself unless SI_QUEUE-like. */
static long queue_info_in(int tgid, int sig, const void *uinfo, struct siginfo_k *info)
{
	if (!sig_valid(sig))
		return -EINVAL;
	if (get_user_mem(info, uinfo, sizeof(*info)))
		return -EFAULT;
	if ((info->si_code >= 0 || info->si_code == SI_TKILL_K) && tgid != proc_current()->pid)
		return -EPERM;
	info->si_signo = sig;
	return 0;
}

long sys_rt_sigqueueinfo(int tgid, int sig, const void *uinfo)
{
	struct siginfo_k info;
	long r = queue_info_in(tgid, sig, uinfo, &info);
	if (r < 0)
		return r;
	struct proc *p = proc_get(tgid);
	if (!p)
		return -ESRCH;
	r = signal_send_proc(p, sig, &info);
	proc_put(p);
	return r;
}

long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, const void *uinfo)
{
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	struct siginfo_k info;
	long r = queue_info_in(tgid, sig, uinfo, &info);
	if (r < 0)
		return r;
	if (tgid == 1)
		return hp_signal(sig);
	return send_tid(tgid, tid, sig, &info);
}

/* ---- temporary masks (ppoll, pselect6, epoll_pwait) ---- */

long signal_mask_begin(const void *umask, size_t size)
{
	if (!umask)
		return 0;
	if (size != 8)
		return -EINVAL;
	uint64_t mask;
	if (get_user_mem(&mask, umask, 8))
		return -EFAULT;
	if (!current_is_user())
		return 0; /* nothing is ever delivered to the HP app: nothing to swap */
	struct thread *t = sched_current();
	struct proc *p = thread_proc(t);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	t->sig_saved_mask = t->sig_mask;
	t->sig_restore_mask = true;
	t->sig_mask = mask & ~SIGMASK_UNBLOCKABLE;
	spin_unlock_irqrestore(&p->lock, fl);
	return 0;
}

void signal_mask_end(bool interrupted)
{
	struct thread *t = sched_current();
	if (!current_is_user() || !t->sig_restore_mask || interrupted)
		return; /* interrupted: signal_deliver() restores it after building the frame */
	struct proc *p = thread_proc(t);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	t->sig_mask = t->sig_saved_mask;
	t->sig_restore_mask = false;
	spin_unlock_irqrestore(&p->lock, fl);
}
