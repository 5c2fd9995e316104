/*
 * panic.c - a kernel bug or an impossible state: print the message, the
 * registers at the call and a symbolized backtrace, then end the VM with
 * JINY_EXIT_PANIC (125). A panic while panicking just powers off.
 */
#include "kern/kern.h"
#include "arch/arch.h"
#include "sched/sched.h"
#include "debug/backtrace.h"

void panic(const char *fmt, ...)
{
	static bool panicking;
	irq_disable();
	if (panicking)
		kern_power_off(JINY_EXIT_PANIC);
	panicking = true;

	va_list ap;
	printk("\njiny: kernel panic: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	struct thread *t = sched_current();
	printk("\n  in thread %s\n", t ? t->name : "boot");

	/* As seen by panic()'s caller: its registers, frame and RIP (our return address). */
	struct trap_frame f = { 0 };
	arch_caller_regs(&f);
	trap_print_regs(&f);
	uint64_t lo, hi;
	trap_stack_bounds(f.rsp, &lo, &hi);
	backtrace_print(f.rip, 0, f.rbp, lo, hi);
	kern_power_off(JINY_EXIT_PANIC);
}
