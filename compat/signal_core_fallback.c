/*
 * signal_core_fallback.c - REMOVE AT MERGE. Weak stand-ins for the core's
 * compat/proc.c (hp_proc, processes, exit, stop/continue) so that the
 * `signals` branch links and runs before the core lands: every thread is
 * the HP app's, there are no compat processes, nothing runs in ring 3.
 * The core's strong definitions replace these; delete this file when
 * merging the signals branch with it.
 */
#include "proc.h"
#include "../libjiny/kern/app.h"

#define WEAK __attribute__((weak))

WEAK struct proc hp_proc = { .pid = 1, .pgid = 1, .sid = 1, .comm = "app" };

WEAK struct proc *proc_current(void) { return &hp_proc; }

WEAK bool current_is_user(void) { return false; }

WEAK __noreturn void proc_exit_group(int wstatus)
{
	app_exit(wstatus & 0x7f ? 128 + (wstatus & 0x7f) : (wstatus >> 8) & 0xff);
}

WEAK void proc_stop(int sig) {}

WEAK void proc_continue(struct proc *p) {}

WEAK struct proc *proc_get(int pid) { return pid == 1 ? &hp_proc : NULL; }

WEAK void proc_put(struct proc *p) {}

WEAK void proc_for_each(void (*fn)(struct proc *p, void *ctx), void *ctx) { fn(&hp_proc, ctx); }
