/* signal_weak.c - TEMPORARY weak stand-ins for compat/signal.c until it lands: remove at merge. */
#include "signal.h"
#include "../libjiny/arch/x86_64/arch.h"
__attribute__((weak)) bool signal_pending(void) { return false; }
__attribute__((weak)) int signal_send_proc(struct proc *p, int sig, const struct siginfo_k *info) { return 0; }
__attribute__((weak)) int signal_send_thread(struct thread *t, int sig, const struct siginfo_k *info) { return 0; }
__attribute__((weak)) int signal_send_pgrp(int pgid, int sig) { return 0; }
__attribute__((weak)) void signal_force_fault(int sig, int code, uint64_t addr)
{
	printk("jiny: fault: signal %d at %#lx\n", sig, (unsigned long)addr);
	proc_exit_group(sig);
}
__attribute__((weak)) void signal_deliver(struct trap_frame *f)
{
	if (f->vector == TRAP_SYSCALL && ((long)f->rax == -ERESTARTSYS || (long)f->rax == -ERESTARTNOHAND))
		f->rax = -4;
}
__attribute__((weak)) void signal_fork(struct proc *c, const struct proc *p) {}
__attribute__((weak)) void signal_exec(struct proc *p) {}
__attribute__((weak)) bool proc_child_autoreap(struct proc *p) { return false; }
