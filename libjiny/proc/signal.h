/*
 * signal.h - POSIX signals of processes (proc/signal.c, proc/signal_sys.c
 * and compat/sigframe.c; private parts in signal_impl.h, the numbers and
 * the frame's layout in abi/signal.h), Linux x86_64 semantics and frame
 * layout (struct rt_sigframe: return address = sa_restorer, then ucontext
 * with mcontext/gregs and a pointer to an XSAVE fpstate, then siginfo), so
 * unmodified static glibc and musl programs work.
 *
 * Per-thread state lives in struct thread (sig_mask, sig_pending,
 * sig_altstack, sig_saved_mask for rt_sigsuspend); per-process state in
 * struct proc (sigact, sig_pending, sig_info). The HP app (ring 0) keeps
 * the old behaviour: a signal sent to it takes its default action, one with
 * a handler is dropped with a message (handlers cannot run on ring-0 stacks
 * safely yet).
 *
 * Blocking waits that should be interruptible call signal_pending() in
 * their wait loop (after marking themselves blocked: a sender queues, then
 * wakes) or use waitq_wait_intr(), and return -EINTR (or -ERESTARTSYS when
 * a restart is allowed: the delivery code turns it into EINTR or a restart
 * per SA_RESTART, as Linux does).
 *
 * What the core's way back to ring 3 must do: call signal_deliver() while
 * signal_work_pending(f); return with iretq (not sysret) once a handler
 * frame was built or rt_sigreturn ran, since rcx/r11 then differ from
 * rip/rflags. rt_sigreturn sets f->error to -1 (no restart of the call).
 */
#ifndef JINY_PROC_SIGNAL_H
#define JINY_PROC_SIGNAL_H

#include "proc/proc.h"

#define ERESTARTSYS 512 /* kernel-internal: restart the call if SA_RESTART, else EINTR */
#define ERESTARTNOINTR 513 /* always restart (a handler ran or not) */
#define ERESTARTNOHAND 514 /* restart only if no handler ran (pause-like calls: EINTR) */
#define ERESTART_RESTARTBLOCK 516 /* no handler ran: restart_syscall(2) runs the thread's
				     restart block (sleeps with a deadline); else EINTR */

/* Sleep until a signal to take arrives (true) or the deadline passes (false; 0 = none). */
bool signal_sleep(uint64_t deadline);

/* Is a signal the current thread may take pending (unblocked, or fatal)? */
bool signal_pending(void);
/* Is the current thread on its way out: SIGKILL pending, its process
 * exiting, or another thread exec'ing? (Never for the HP app.) */
bool signal_fatal_pending(void);

/* Send: 0 or -errno (-EINVAL bad signal, -ESRCH no such process/group). */
int signal_send_proc(struct proc *p, int sig, const struct siginfo_k *info); /* info NULL: SI_USER from current */
int signal_send_thread(struct thread *t, int sig, const struct siginfo_k *info);
int signal_send_pgrp(int pgid, int sig);        /* every process of the group */

/*
 * A fault in ring 3 (trap.c): queue sig with si_code/si_addr for the
 * current thread, forced (a blocked or ignored synchronous signal kills, as
 * on Linux). Delivered on the way out by signal_deliver().
 */
void signal_force_fault(int sig, int code, uint64_t addr);

/*
 * Called by user_return_work() with interrupts on, before returning to ring
 * 3 with frame f (f->vector == TRAP_SYSCALL for a system call, whose result
 * is in f->rax and number in f->error): handles -ERESTARTSYS & co., takes
 * the default action of an unblocked pending signal (terminate via
 * proc_exit_group, stop via proc_stop, ignore) or builds a handler frame on
 * the user stack (or the alternate stack) and points f at the handler.
 * A bad user stack kills the process with SIGSEGV.
 */
void signal_deliver(struct trap_frame *f);

/* fork: the child inherits handlers and mask; exec: handlers reset to
 * SIG_DFL (ignored ones stay ignored), altstack cleared. */
void signal_fork(struct proc *child, const struct proc *parent);
void signal_exec(struct proc *p);

/* The parent ignores SIGCHLD (SIG_IGN or SA_NOCLDWAIT): its children are reaped at exit. */
bool proc_child_autoreap(struct proc *parent);

/* The name of a signal for messages ("SIGSEGV"), or "signal N". */
const char *signal_name(int sig, char *buf, size_t n);

/*
 * What the way back to ring 3 must hand to signal_deliver(): a signal the
 * thread may take, a mask to restore (sigsuspend, ppoll, pselect6,
 * epoll_pwait) or a system call to restart (f->rax one of -ERESTART*).
 * Cheap and lock-free: user_return_work() may call it on every return.
 */
bool signal_work_pending(const struct trap_frame *f);

/*
 * A new thread of a compat process (fork's child, a CLONE_THREAD thread):
 * it inherits the creating thread's mask, nothing pending; the alternate
 * stack is kept by fork/vfork and cleared for a thread sharing the memory
 * (clone with CLONE_VM and without CLONE_VFORK), as Linux does.
 */
void signal_thread_init(struct thread *nt, const struct thread *parent, unsigned long clone_flags);

/* proc.c asks, when a child of 'parent' ends or stops: */
bool proc_child_autoreap(struct proc *parent);  /* SIGCHLD ignored or SA_NOCLDWAIT: no zombie */
bool signal_chld_on_stop(struct proc *parent);  /* SIGCHLD also for stop/continue (no SA_NOCLDSTOP) */

/*
 * Calls that take a temporary signal mask (ppoll, pselect6, epoll_pwait):
 * signal_mask_begin() installs it (0, -EINVAL for a bad size, -EFAULT; a
 * NULL mask is no change); signal_mask_end(interrupted) puts the old one
 * back, or, when the call was interrupted, leaves that to signal_deliver()
 * so the handler runs under the temporary mask, as on Linux. No-ops for the
 * HP app, whose handlers never run.
 */
long signal_mask_begin(const void *umask, size_t size);
void signal_mask_end(bool interrupted);

/*
 * Restarting a wait with a deadline after a signal that ran no handler
 * (Linux's restart_block): the call stores fn and its arguments in the
 * current thread's block and returns -ERESTART_RESTARTBLOCK; the delivery
 * code turns that into EINTR when a handler runs, else into a call of
 * restart_syscall(2), which runs fn. NULL for the HP app or without memory:
 * return -EINTR then.
 */
struct restart_block {
	long (*fn)(struct restart_block *rb);
	uint64_t arg[6];
};
struct restart_block *signal_restart_block(void);

#endif
