/*
 * signal.c - POSIX signals (contract: signal.h). The subsystem in three files:
 *
 *   sending     (here) kill & co. (signal_sys.c) and the kernel's own
 *               senders (faults, SIGPIPE, SIGCHLD from proc.c) queue a
 *               signal on a process (p->sig_pending: any thread may take
 *               it) or on one thread (t->sig_pending), then wake a thread
 *               that can take it, or kick its CPU when it runs in ring 3;
 *   delivery    (here) signal_deliver(), on every way back to ring 3 that
 *               has work (signal_work_pending()): default actions, restarts
 *               of interrupted system calls; the handler frame, Linux's
 *               struct rt_sigframe, and rt_sigreturn are sigframe.c's;
 *   state       signal_sys.c: sigaction, masks, sigsuspend, sigtimedwait.
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
#include "proc/signal_impl.h"
#include "kern/app.h"
#include "arch/arch.h"
#include "mm/mm.h"
#include "syscall/sys.h"

#define NR_RESTART_SYSCALL 219

struct sig_thread *sig_thread(struct thread *t)
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
long sig_hp_send(int sig)
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

void sig_info_user(struct siginfo_k *info, int sig, int code)
{
	memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	info->si_code = code;
	info->u.kill.pid = proc_current()->pid;
	info->u.kill.uid = 0;
}

/* Make t take a newly queued signal: wake it, or kick its CPU out of ring 3. */
void sig_wake(struct thread *t)
{
	if (sched_wake(t))
		return;
	if (t != sched_current() && __atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		smp_resched(READ_ONCE(t->cpu));
}

/* A thread of p that does not block sig: the current one if it can, else the first. */
struct thread *sig_pick_thread(struct proc *p, int sig)
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
void sig_flush_locked(struct proc *p, uint64_t set)
{
	p->sig_pending &= ~set;
	for (struct sigq **pp = &p->rt_queue; *pp;) {
		struct sigq *q = *pp;
		if (set & SIGBIT(q->info.si_signo)) {
			*pp = q->next;
			p->rt_queued--;
			kfree(q);
		} else {
			pp = &q->next;
		}
	}
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
bool sig_send_locked(struct proc *p, struct thread *t, int sig, const struct siginfo_k *info)
{
	bool cont = false;
	if (p->exiting)
		return false;
	if (sig == SIGKILL_K)
		t = NULL; /* kills the whole process, whoever it was sent to */
	/* Stop and continue cancel each other at send time (Linux prepare_signal). */
	if (SIGBIT(sig) & SIGMASK_STOP) {
		sig_flush_locked(p, SIGBIT(SIGCONT_K));
	} else if (sig == SIGCONT_K) {
		sig_flush_locked(p, SIGMASK_STOP);
		cont = true;
	}
	const struct sigaction_k *ka = &p->sigact[sig - 1];
	if (sig != SIGKILL_K && sig_ignored_by(ka, sig) &&
	    (t ? !(t->sig_mask & SIGBIT(sig)) : nobody_blocks_locked(p, sig)))
		return cont;
	if (t) {
		if (!(t->sig_pending & SIGBIT(sig)) || sig >= SIGRTMIN_K) {
			struct sig_thread *st = READ_ONCE(t->sig_priv);
			if (st)
				st->info[sig - 1] = *info;
			t->sig_pending |= SIGBIT(sig);
		}
		sig_wake(t);
		return cont;
	}
	if (!(p->sig_pending & SIGBIT(sig))) {
		p->sig_info[sig - 1] = *info;
		p->sig_pending |= SIGBIT(sig);
	} else if (sig >= SIGRTMIN_K &&
		   p->rt_queued < (int)MIN(p->rlim[RLIMIT_SIGPENDING_K].rlim_cur, 4096UL)) {
		/* Real-time signals queue: each instance is delivered, in order. */
		struct sigq *q = kmalloc(sizeof(*q));
		if (q) {
			q->info = *info;
			q->next = NULL;
			struct sigq **pp = &p->rt_queue;
			while (*pp)
				pp = &(*pp)->next;
			*pp = q;
			p->rt_queued++;
		}
	}
	if (sig_fatal(p, sig)) {
		/* Every thread leaves its waits: the taker ends the process. */
		for (struct thread *u = p->threads; u; u = u->proc_next)
			sig_wake(u);
	} else {
		struct thread *u = sig_pick_thread(p, sig);
		if (u)
			sig_wake(u);
	}
	return cont;
}

/* Send to process p, or to its thread t (t NULL: process-directed). */
static int send(struct proc *p, struct thread *t, int sig, const struct siginfo_k *info)
{
	if (sig < 0 || sig > NSIG_K)
		return -EINVAL;
	if (!p)
		return -ESRCH;
	if (!proc_is_user(p))
		return (int)sig_hp_send(sig);
	if (sig == 0)
		return 0;
	struct siginfo_k si;
	if (!info) {
		sig_info_user(&si, sig, SI_USER_K);
		info = &si;
	}
	if (t)
		sig_thread(t); /* room for the siginfo; without it the signal still goes */
	uint64_t fl = spin_lock_irqsave(&p->lock);
	bool cont = sig_send_locked(p, t, sig, info);
	spin_unlock_irqrestore(&p->lock, fl);
	if (cont)
		proc_continue(p);
	return 0;
}

int signal_send_proc(struct proc *p, int sig, const struct siginfo_k *info)
{
	return send(p, NULL, sig, info);
}

int signal_send_thread(struct thread *t, int sig, const struct siginfo_k *info)
{
	return send(thread_proc(t), t, sig, info);
}

static void collect_pid(struct proc *p, void *arg)
{
	struct sig_pid_list *l = arg;
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
int sig_send_list(struct sig_pid_list *l, int sig)
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
		int r = (int)sig_hp_send(sig);
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
	struct sig_pid_list l = { .mode = 0, .pgid = pgid };
	return sig_send_list(&l, sig);
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
	struct sigaction_k *ka = &p->sigact[sig - 1];
	if (ka->handler == SIG_IGN_K || (t->sig_mask & SIGBIT(sig))) {
		ka->handler = SIG_DFL_K;
		t->sig_mask &= ~SIGBIT(sig);
	}
	sig_send_locked(p, t, sig, &info);
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

bool signal_fatal_pending(void)
{
	struct thread *t = sched_current();
	struct proc *p = t->proc;
	if (!p || !proc_is_user(p))
		return false;
	struct thread *eo = READ_ONCE(p->exec_owner);
	return READ_ONCE(p->exiting) || (eo && eo != t) ||
	       ((READ_ONCE(t->sig_pending) | READ_ONCE(p->sig_pending)) & SIGBIT(SIGKILL_K));
}

bool signal_pending(void)
{
	struct thread *t = sched_current();
	struct proc *p = t->proc;
	if (!p || !proc_is_user(p))
		return false;
	if (READ_ONCE(p->exiting))
		return true;
	struct thread *eo = READ_ONCE(p->exec_owner);
	if (eo && eo != t)
		return true; /* another thread execs: this one leaves */
	uint64_t pend = READ_ONCE(t->sig_pending) | READ_ONCE(p->sig_pending);
	return (pend & ~(READ_ONCE(t->sig_mask) & ~SIGMASK_UNBLOCKABLE)) != 0;
}

bool sig_restart_code(const struct trap_frame *f)
{
	if (f->vector != TRAP_SYSCALL || (int64_t)f->error < 0)
		return false;
	int64_t r = (int64_t)f->rax;
	return r == -ERESTARTSYS || r == -ERESTARTNOINTR || r == -ERESTARTNOHAND ||
	       r == -ERESTART_RESTARTBLOCK;
}

bool signal_work_pending(const struct trap_frame *f)
{
	return signal_pending() || READ_ONCE(sched_current()->sig_restore_mask) || sig_restart_code(f);
}

/* The signal to take from set: a synchronous one first, else the lowest. */
int sig_next(uint64_t set)
{
	if (set & SIGMASK_SYNC)
		set &= SIGMASK_SYNC;
	return __builtin_ctzll(set) + 1;
}

/* Take one pending signal of 'allowed', thread-directed first (p->lock held); 0 if none. */
int sig_dequeue_locked(struct thread *t, struct proc *p, uint64_t allowed, struct siginfo_k *info)
{
	uint64_t set = t->sig_pending & allowed;
	if (set) {
		int sig = sig_next(set);
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
	int sig = sig_next(set);
	p->sig_pending &= ~SIGBIT(sig);
	*info = p->sig_info[sig - 1];
	for (struct sigq **pp = &p->rt_queue; *pp; pp = &(*pp)->next) {
		struct sigq *q = *pp;
		if (q->info.si_signo != sig)
			continue;
		*pp = q->next; /* the next instance becomes the pending one */
		p->sig_info[sig - 1] = q->info;
		p->sig_pending |= SIGBIT(sig);
		p->rt_queued--;
		kfree(q);
		break;
	}
	return sig;
}

/* ---- delivery ---- */

/* A handler is about to run: fix up an interrupted system call (Linux handle_signal). */
static void restart_for_handler(struct trap_frame *f, unsigned long sa_flags)
{
	if (!sig_restart_code(f))
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
	if (!sig_restart_code(f))
		return;
	if ((int64_t)f->rax == -ERESTART_RESTARTBLOCK)
		f->rax = NR_RESTART_SYSCALL;
	else
		f->rax = f->error;
	f->rip -= 2;
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
		int sig = sig_dequeue_locked(t, p, ~(t->sig_mask & ~SIGMASK_UNBLOCKABLE), &info);
		if (!sig) {
			spin_unlock_irqrestore(&p->lock, fl);
			break;
		}
		struct sigaction_k ka = p->sigact[sig - 1];
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
		if (sig_setup_frame(f, t, sig, &ka, &info) == 0)
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
		sig_altstack_reset(nt);
	}
}

void signal_exec(struct proc *p)
{
	uint64_t fl = spin_lock_irqsave(&p->lock);
	for (int i = 0; i < NSIG_K; i++) {
		struct sigaction_k *ka = &p->sigact[i];
		if (ka->handler != SIG_IGN_K)
			ka->handler = SIG_DFL_K;
		ka->flags = 0;
		ka->restorer = 0;
		ka->mask = 0;
	}
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		sig_altstack_reset(t);
		t->sig_restore_mask = false;
	}
	spin_unlock_irqrestore(&p->lock, fl);
}

bool proc_child_autoreap(struct proc *parent)
{
	const struct sigaction_k *ka = &parent->sigact[SIGCHLD_K - 1];
	return READ_ONCE(ka->handler) == SIG_IGN_K || (READ_ONCE(ka->flags) & SA_NOCLDWAIT_K);
}

bool signal_chld_on_stop(struct proc *parent)
{
	return !(READ_ONCE(parent->sigact[SIGCHLD_K - 1].flags) & SA_NOCLDSTOP_K);
}

/*
 * Sleep until a signal the current thread may take arrives (true) or the
 * monotonic deadline passes (false; 0 = no deadline). Stray wake-ups never
 * cut it short. The HP app's threads never get a signal.
 */
bool signal_sleep(uint64_t deadline)
{
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
