/*
 * panic.c - a kernel bug or an impossible state: print the message, the
 * registers at the call and a symbolized backtrace, then end the VM with
 * JINY_EXIT_PANIC (125). A panic while panicking just powers off.
 */
#include "kern/kern.h"
#include "arch/x86_64/arch.h"
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

	struct trap_frame f = { 0 };
	__asm__ __volatile__("mov %%rbx, %0; mov %%r12, %1; mov %%r13, %2; mov %%r14, %3; mov %%r15, %4"
			     : "=m"(f.rbx), "=m"(f.r12), "=m"(f.r13), "=m"(f.r14), "=m"(f.r15));
	/* As seen by panic()'s caller: its RIP (our return address) and its frame. */
	f.rbp = *(const uint64_t *)arch_frame_pointer();
	f.rsp = (uint64_t)&f;
	f.rip = (uint64_t)__builtin_return_address(0);
	f.rflags = read_rflags();
	__asm__ __volatile__("mov %%cs, %0; mov %%ss, %1" : "=r"(f.cs), "=r"(f.ss));
	trap_print_regs(&f);
	uint64_t lo, hi;
	trap_stack_bounds(f.rsp, &lo, &hi);
	backtrace_print(f.rip, 0, f.rbp, lo, hi);
	kern_power_off(JINY_EXIT_PANIC);
}
