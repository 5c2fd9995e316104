/*
 * user.c - the system-call path of ring-3 threads (DESIGN.md 4.3) and the
 * way back to ring 3 (contract: user.h).
 *
 * entry.S's `syscall` entry from ring 3 (swapgs, the thread's kernel stack,
 * the user registers saved as a struct trap_frame) calls syscall_user(),
 * which runs the handler through the one table (dispatch.c) with user
 * access open, then user_return_work(). Every other way back to ring 3
 * passes through user_return_work() too, before entry.S's
 * arch_return_to_user() restores the frame: an interrupt or exception taken
 * in ring 3 (arch/x86_64/trap.c, trap_user), a new thread's first return
 * (proc/proc.c) and an exec from a kernel-mode process (compat/exec.c).
 * The work it runs is the scheduler's (a reschedule that came due), the
 * process's (exit, another thread's exec: proc/proc.c) and the signals'
 * (delivery, restarts, stops: proc/signal.c).
 */
#include "syscall/user.h"
#include "syscall/sys.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "mm/uvm.h"
#include "kern/cmdline.h"
#include "arch/arch.h"

static int strace_on; /* 1: calls and results (kernel option strace), 2: entries too (strace=2) */

void syscall_user_options(const struct cmdline *kcl)
{
	const char *st = cmdline_opt(kcl, "strace");
	strace_on = !st ? 0 : !strcmp(st, "2") ? 2 : 1;
}

/*
 * A system call from ring 3 (entry.S): the handler runs with user access
 * open (SMAP's AC flag; the handlers check every pointer with uaccess_ok).
 * True when the frame can go back with sysret: rcx and r11 still hold the
 * return address and flags (no signal frame, no exec), rip is canonical.
 */
bool syscall_user(struct trap_frame *f)
{
	if (unlikely(strace_on > 1))
		printk("[%d] > %s(%#lx, %#lx, %#lx)\n", proc_current()->pid,
		       syscall_name((long)f->error) ?: "?", f->rdi, f->rsi, f->rdx);
	user_access_begin();
	long r = __jiny_syscall((long)f->error, (long)f->rdi, (long)f->rsi, (long)f->rdx,
				(long)f->r10, (long)f->r8, (long)f->r9);
	user_access_end();
	f->rax = (uint64_t)r;
	if (unlikely(strace_on))
		printk("[%d] %s(%#lx, %#lx, %#lx) = %ld\n", proc_current()->pid,
		       syscall_name((long)f->error) ?: "?", f->rdi, f->rsi, f->rdx, r);
	user_return_work(f);
	return f->rcx == f->rip && f->r11 == f->rflags && f->rip < USER_END &&
	       !(f->rflags & (RFLAGS_TF | (1UL << 16) /* RF */));
}

/*
 * The last look at a frame before iretq/sysret takes it to ring 3: flags a
 * user could not set (IOPL, VM, VIF, VIP) and NT (as Linux) are dropped and
 * IF set, CS/SS are the user's. False when rip is not canonical
 * (a handler or sigreturn at 0x8000000000000000): iretq would #GP in ring 0
 * with the user's GS loaded, so the process gets SIGSEGV instead.
 */
static bool user_frame_sane(struct trap_frame *f)
{
	f->rflags = (f->rflags & RFLAGS_USER_MASK) | RFLAGS_IF | 0x2;
	f->cs = SEL_UCODE;
	f->ss = SEL_UDATA;
	return f->rip < 0x0000800000000000UL;
}

void user_return_work(struct trap_frame *f)
{
	for (int rounds = 0;; rounds++) {
		irq_disable();
		sched_irq_exit(); /* a reschedule that came due */
		struct thread *t = sched_current();
		struct proc *p = t->proc;
		struct thread *eo = READ_ONCE(p->exec_owner);
		if (READ_ONCE(p->exiting) || (eo && eo != t)) {
			irq_enable();
			proc_thread_exit();
		}
		if (!signal_work_pending(f)) {
			if (user_frame_sane(f))
				return; /* interrupts off */
			irq_enable();
			signal_force_fault(SIGSEGV_K, SI_KERNEL_K, 0); /* Linux: the iret faults */
		}
		irq_enable();
		signal_deliver(f);
		if (rounds > 64)
			sched_yield(); /* something keeps a signal pending: let others run */
	}
}
