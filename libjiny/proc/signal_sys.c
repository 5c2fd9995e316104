/*
 * signal_sys.c - the signal system calls that set state or wait: sigaction,
 * sigprocmask, sigpending, pause, sigsuspend, sigtimedwait, kill, tkill,
 * tgkill, rt_(tg)sigqueueinfo, and the temporary masks of ppoll, pselect6
 * and epoll_pwait. The HP app calls them too (as plain functions): its
 * handlers and masks are recorded, and what is sent to it follows
 * sig_hp_send() (signal.c).
 */
#include "proc/signal_impl.h"
#include "syscall/uaccess.h"
#include "arch/arch.h"
#include "mm/mm.h"
#include "syscall/sys.h"

/* User memory in and out, for ring-3 callers and the HP app alike. */
int sig_copy_in(void *dst, const void *src, size_t n)
{
	if (current_is_user())
		return copy_from_user(dst, src, n);
	if (!uaccess_ok(src, n, false))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

int sig_copy_out(void *dst, const void *src, size_t n)
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
	struct sigaction_k ka, prev;
	if (act && sig_copy_in(&ka, act, sizeof(ka)))
		return -EFAULT;
	struct proc *p = proc_current();
	uint64_t fl = spin_lock_irqsave(&p->lock);
	prev = p->sigact[sig - 1];
	if (act) {
		ka.mask &= ~SIGMASK_UNBLOCKABLE;
		p->sigact[sig - 1] = ka;
		/* POSIX: setting a pending signal to be ignored discards it. */
		if (proc_is_user(p) && sig_ignored_by(&ka, sig))
			sig_flush_locked(p, SIGBIT(sig));
	}
	spin_unlock_irqrestore(&p->lock, fl);
	if (old && sig_copy_out(old, &prev, sizeof(prev)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(int how, const void *set, void *old, size_t setsize)
{
	if (setsize != 8)
		return -EINVAL;
	uint64_t s = 0;
	if (set && sig_copy_in(&s, set, 8))
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
			int sig = sig_next(moved);
			moved &= ~SIGBIT(sig);
			struct thread *u = sig_pick_thread(p, sig);
			if (u)
				sig_wake(u);
		}
	}
	spin_unlock_irqrestore(&p->lock, fl);
	if (old && sig_copy_out(old, &prev, 8))
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
	return sig_copy_out(set, &pend, setsize);
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
	return signal_sleep(deadline);
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
	if (sig_copy_in(&mask, umask, 8))
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

long sys_rt_sigtimedwait(const void *uset, void *uinfo, const struct timespec_k *ts,
			 size_t setsize)
{
	if (setsize != 8)
		return -EINVAL;
	uint64_t set, deadline = 0;
	if (sig_copy_in(&set, uset, 8))
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
		sig = sig_dequeue_locked(t, p, set, &info);
	uint64_t saved = t->sig_mask;
	if (!sig && !poll_only && user)
		t->sig_mask &= ~set; /* the awaited signals wake us (Linux real_blocked) */
	spin_unlock_irqrestore(&p->lock, fl);
	if (!sig && !poll_only) {
		wait_for_signal(deadline);
		fl = spin_lock_irqsave(&p->lock);
		t->sig_mask = saved;
		if (user)
			sig = sig_dequeue_locked(t, p, set, &info);
		spin_unlock_irqrestore(&p->lock, fl);
	}
	if (!sig)
		return deadline && clock_ns() >= deadline ? -EAGAIN : poll_only ? -EAGAIN : -EINTR;
	if (uinfo && sig_copy_out(uinfo, &info, sizeof(info)))
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
		struct sig_pid_list l = { .mode = 1, .self = me->pid };
		int r = sig_send_list(&l, sig);
		if (!proc_is_user(me))
			return (int)sig_hp_send(sig) == 0 ? 0 : r;
		return r;
	}
	if (pid == INT32_MIN)
		return -ESRCH;
	return signal_send_pgrp(-pid, sig);
}

/*
 * Send to thread tid (of process tgid, or 0: whichever it belongs to). The
 * thread is looked up again in its process's list under p->lock, which
 * keeps it there while the signal is queued: threads_lock is never held
 * together with a p->lock.
 */
static long send_tid(int tgid, int tid, int sig, const struct siginfo_k *info)
{
	int pid = tgid;
	if (pid <= 0) {
		bool hp_thread = false;
		threads_lock();
		struct thread *t = thread_find(tid);
		if (t) {
			struct proc *tp = thread_proc(t);
			if (proc_is_user(tp))
				pid = tp->pid;
			else
				hp_thread = true;
		}
		threads_unlock();
		/* tkill of an HP-app thread, or of any unknown tid by the HP app: as before. */
		if (pid <= 0)
			return hp_thread || !current_is_user() ? sig_hp_send(sig) : -ESRCH;
	}
	struct proc *p = proc_get(pid);
	if (!p)
		return -ESRCH;
	struct siginfo_k si;
	if (!info) {
		sig_info_user(&si, sig, SI_TKILL_K);
		info = &si;
	}
	long r = -ESRCH;
	bool cont = false;
	uint64_t fl = spin_lock_irqsave(&p->lock);
	struct thread *t = p->threads;
	while (t && t->tid != tid)
		t = t->proc_next;
	if (t && proc_is_user(p)) {
		r = 0;
		if (sig) {
			sig_thread(t); /* kmalloc: a spinlock with interrupts off, fine here */
			cont = sig_send_locked(p, t, sig, info);
		}
	}
	spin_unlock_irqrestore(&p->lock, fl);
	if (cont)
		proc_continue(p);
	proc_put(p);
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
		return sig_hp_send(sig); /* the HP app, as before */
	return send_tid(tgid, tid, sig, NULL);
}

/* rt_sigqueueinfo/rt_tgsigqueueinfo: a caller-made siginfo; only to oneself unless SI_QUEUE-like. */
static long queue_info_in(int tgid, int sig, const void *uinfo, struct siginfo_k *info)
{
	if (!sig_valid(sig))
		return -EINVAL;
	if (sig_copy_in(info, uinfo, sizeof(*info)))
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
		return sig_hp_send(sig);
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
	if (sig_copy_in(&mask, umask, 8))
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
