/*
 * signal_impl.h - what the three files of signals share (private; the
 * contract is signal.h):
 *   proc/signal.c       sending, pending state, delivery, fork/exec, the HP app's rules
 *   proc/signal_sys.c   the system calls that set and wait for signals, kill & co.
 *   compat/sigframe.c   the x86_64 handler frame (Linux's), rt_sigreturn, sigaltstack
 * Locking as told at the head of signal.c.
 */
#ifndef JINY_PROC_SIGNAL_IMPL_H
#define JINY_PROC_SIGNAL_IMPL_H

#include "proc/signal.h"
#include "sched/sched.h"
#include "kern/errno.h"

#define SIGCANCEL_K 33            /* musl's thread cancellation signal */

/* Signals of signal(7) by default action; the rest (and 32..64) terminate. */
#define SIGMASK_COREDUMP (SIGBIT(SIGQUIT_K) | SIGBIT(SIGILL_K) | SIGBIT(SIGTRAP_K) |         \
			  SIGBIT(SIGABRT_K) | SIGBIT(SIGBUS_K) | SIGBIT(SIGFPE_K) |          \
			  SIGBIT(SIGSEGV_K) | SIGBIT(SIGXCPU_K) | SIGBIT(SIGXFSZ_K) |        \
			  SIGBIT(SIGSYS_K))
#define SIGMASK_IGNORE (SIGBIT(SIGCHLD_K) | SIGBIT(SIGCONT_K) | SIGBIT(SIGURG_K) | \
			SIGBIT(SIGWINCH_K))
#define SIGMASK_STOP (SIGBIT(SIGSTOP_K) | SIGBIT(SIGTSTP_K) | SIGBIT(SIGTTIN_K) | SIGBIT(SIGTTOU_K))
/* Synchronous (fault) signals are taken before the others, as on Linux. */
#define SIGMASK_SYNC (SIGBIT(SIGILL_K) | SIGBIT(SIGTRAP_K) | SIGBIT(SIGBUS_K) | SIGBIT(SIGFPE_K) | \
		      SIGBIT(SIGSEGV_K) | SIGBIT(SIGSYS_K))
#define SIGMASK_UNBLOCKABLE (SIGBIT(SIGKILL_K) | SIGBIT(SIGSTOP_K))
#define SIGMASK_ALL (~0ULL)

/* Per-thread extras (t->sig_priv): one block, freed with the thread (sched.c). */
struct sig_thread {
	struct siginfo_k info[NSIG_K];  /* of the thread-directed pending signals; p->lock */
	struct restart_block restart;
	uint8_t fpu[] __aligned(64);    /* fpu_state_size(): frame set-up and sigreturn scratch */
};
struct sig_thread *sig_thread(struct thread *t); /* allocated on first use; NULL without memory */

static inline struct proc *thread_proc(struct thread *t)
{
	return t->proc ? t->proc : &hp_proc;
}

static inline bool sig_valid(int sig) { return sig >= 1 && sig <= NSIG_K; }

static inline bool sig_ignored_by(const struct sigaction_k *ka, int sig)
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

/* signal.c */
long sig_hp_send(int sig);                   /* a signal sent to the HP app (its old rules) */
void sig_info_user(struct siginfo_k *info, int sig, int code); /* sent by the current process */
void sig_wake(struct thread *t);
struct thread *sig_pick_thread(struct proc *p, int sig);
void sig_flush_locked(struct proc *p, uint64_t set);
bool sig_send_locked(struct proc *p, struct thread *t, int sig, const struct siginfo_k *info);
int sig_next(uint64_t set);
int sig_dequeue_locked(struct thread *t, struct proc *p, uint64_t allowed, struct siginfo_k *info);
bool sig_restart_code(const struct trap_frame *f);
/* Pids of the processes kill() reaches, collected under proc_lock (no sleeping there). */
struct sig_pid_list {
	int mode;                 /* 0: group 'pgid'; 1: all but pid 1 and 'self' */
	int pgid, self;
	int *pids;
	size_t n, cap;
	bool overflow, hp;        /* more than cap; hp_proc is among them */
};
int sig_send_list(struct sig_pid_list *l, int sig);

/* compat/sigframe.c, called by signal.c (delivery, thread set-up, exec) */
bool sig_on_altstack(const struct thread *t, uint64_t sp);
int sig_altstack_flags(const struct thread *t, uint64_t sp);
void sig_altstack_reset(struct thread *t);
int sig_setup_frame(struct trap_frame *f, struct thread *t, int sig, const struct sigaction_k *ka,
		const struct siginfo_k *info);

/* signal_sys.c: user memory in and out, for ring-3 callers and the HP app alike */
int sig_copy_in(void *dst, const void *src, size_t n);
int sig_copy_out(void *dst, const void *src, size_t n);

#endif
