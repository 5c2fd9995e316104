/*
 * trap.c - what happens after an IDT stub (entry.S) has saved the registers:
 * device interrupts go to their handler (the LAPIC timer to the scheduler);
 * page faults are served where they can be: kernel virtual areas (demand-zero
 * stacks and the HP app's mmap, mm/vmarea.c), a ring-3 process's memory
 * (mm/uvm.c, also when a system call touches it). An exception in ring 3
 * becomes the signal Linux would send (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGTRAP). Anything else is a crash, reported with the vector, error code,
 * registers and a symbolized backtrace: a crash in the HP app ends the VM
 * with status 128 + that signal (139 for SIGSEGV), one in kernel code with
 * JINY_EXIT_PANIC (125).
 */
#include "arch/x86_64/arch.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "debug/backtrace.h"
#include "mm/uvm.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "syscall/user.h"

static void (*irq_handlers[256])(struct trap_frame *);

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 floating point", "#AC alignment check", "#MC machine check",
	"#XM SIMD floating point", "#VE virtualization", "#CP control protection",
};

/* Linux's signal for each exception (what a shell would report). */
static int vector_signal(int v)
{
	switch (v) {
	case 0: case 16: case 19: return 8;   /* SIGFPE */
	case 1: case 3: return 5;             /* SIGTRAP */
	case 6: return 4;                     /* SIGILL */
	case 12: case 17: return 7;           /* SIGBUS */
	default: return 11;                   /* SIGSEGV */
	}
}

const char *trap_name(int vector)
{
	if (vector < 32)
		return names[vector] ? names[vector] : "reserved";
	return "interrupt";
}

void trap_register_irq(int vector, void (*handler)(struct trap_frame *))
{
	irq_handlers[vector] = handler;
}

void trap_print_regs(const struct trap_frame *f)
{
	printk("  RIP %016lx  RSP %016lx  RFLAGS %016lx  CS %04lx SS %04lx\n",
	       f->rip, f->rsp, f->rflags, f->cs, f->ss);
	printk("  RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	printk("  RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	printk("  R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	printk("  R13 %016lx  R14 %016lx  R15 %016lx\n", f->r13, f->r14, f->r15);
	printk("  CR2 %016lx  CR3 %016lx  CR0 %016lx  CR4 %016lx\n", read_cr2(), read_cr3(),
	       read_cr0(), read_cr4());
}

void trap_stack_bounds(uint64_t sp, uint64_t *lo, uint64_t *hi)
{
	struct thread *t = sched_current();
	if (t && t->stack && sp >= (uint64_t)t->stack && sp < (uint64_t)t->stack + t->stack_size) {
		*lo = (uint64_t)t->stack;
		*hi = (uint64_t)t->stack + t->stack_size;
		return;
	}
	/* Unknown stack (early boot, interrupt stack): allow a window above sp. */
	*lo = sp;
	*hi = sp + 65536;
}

static void __noreturn crash(struct trap_frame *f)
{
	extern char __kernel_text_start[], __kernel_text_end[];
	bool in_kernel = f->rip >= (uint64_t)__kernel_text_start &&
			 f->rip < (uint64_t)__kernel_text_end;
	struct thread *t = sched_current();
	int v = (int)f->vector;
	char where[96];

	const struct sym_table *syms = debug_symbols();
	if (!syms || sym_format(syms, f->rip, where, sizeof(where)) <= 0)
		ksnprintf(where, sizeof(where), "%#lx", f->rip);
	printk("\njiny: exception %s (vector %d, error code %#lx) in %s, thread %s, at %s\n",
	       trap_name(v), v, f->error, in_kernel ? "the kernel" : "the app",
	       t ? t->name : "boot", where);
	if (v == 14)
		printk("  page fault: %s %s address %#lx (%s)\n",
		       f->error & 16 ? "instruction fetch from" : f->error & 2 ? "write to" : "read from",
		       f->error & 1 ? "protected" : "unmapped", read_cr2(),
		       f->error & 4 ? "user mode" : "kernel mode");
	trap_print_regs(f);
	uint64_t lo, hi;
	trap_stack_bounds(f->rsp, &lo, &hi);
	backtrace_print(f->rip, f->rsp, f->rbp, lo, hi);
	if (in_kernel || !t) {
		printk("jiny: kernel panic: exception in kernel code\n");
		kern_power_off(JINY_EXIT_PANIC);
	}
	int sig = vector_signal(v);
	printk("jiny: the app was killed by signal %d; exit status %d\n", sig, 128 + sig);
	kern_power_off(128 + sig);
}

/* A device interrupt or IPI, then a preemption if one is due (on the thread's own stack). */
static void handle_irq(struct trap_frame *f)
{
	int v = (int)f->vector;
	struct cpu *c = this_cpu();
	c->irqs++;
	if (v != VECTOR_SPURIOUS)
		apic_eoi();
	if (irq_handlers[v])
		irq_handlers[v](f);
	sched_irq_exit();
}

/* A page fault in kernel mode that is served: demand-filled kernel areas, a
 * compat process's pages touched by a system call, an mm's stale upper half. */
static bool kernel_fault_fixed(struct trap_frame *f)
{
	uintptr_t va = read_cr2();
	if (va >= DIRECT_MAP_BASE)
		return uvm_sync_kernel_fault(va) || (!(f->error & 1) && vmarea_fault(va, f->error & 2));
	struct thread *t = sched_current();
	if (t && t->mm && va < USER_END && !(f->error & 16)) {
		if (uvm_fault(t->mm, va, f->error))
			return true;
		/*
		 * A system call touched user memory that passed its check but is
		 * gone (another thread unmapped it meanwhile). The call cannot fail
		 * from here: it finishes on a scratch page, and the process ends
		 * with SIGSEGV on its way back to ring 3. The kernel goes on.
		 */
		uintptr_t pg = ALIGN_DOWN(va, PAGE_SIZE);
		if (!t->proc || !uvm_range_ok(pg, PAGE_SIZE))
			return false;
		if (!t->proc->exiting)
			printk("jiny: pid %d: a system call's user memory at %#lx vanished: SIGSEGV\n",
			       t->proc->pid, va);
		proc_kill_from_kernel(t->proc, SIGSEGV_K);
		/* Its other threads may still unmap for a moment: retry. */
		for (int tries = 0; tries < 1000; tries++)
			if (uvm_map_fixed(t->mm, pg, PAGE_SIZE, PROT_READ_K | PROT_WRITE_K,
					  0) == 0 &&
			    uvm_fault(t->mm, va, f->error))
				return true;
	}
	return false;
}

/* An exception in ring 3: a served page fault, or a signal for the program. */
static void user_exception(struct trap_frame *f, uintptr_t va)
{
	int v = (int)f->vector;
	struct thread *t = sched_current();
	if (v == 14) {
		if (t->mm && va < USER_END && uvm_fault(t->mm, va, f->error))
			return;
		if (t->mm && t->mm->bus_fault) {
			signal_force_fault(SIGBUS_K, BUS_ADRERR_K, va);
			return;
		}
		bool mapped = t->mm && va < USER_END && uvm_mapped(t->mm, va);
		signal_force_fault(SIGSEGV_K, mapped ? SEGV_ACCERR_K : SEGV_MAPERR_K, va);
		return;
	}
	if (v == 2) {
		printk("jiny: NMI at %#lx\n", f->rip);
		return;
	}
	int sig = vector_signal(v), code = SI_KERNEL_K;
	if (v == 0)
		code = FPE_INTDIV_K;
	else if (v == 6)
		code = ILL_ILLOPN_K;
	else if (v == 3 || v == 1)
		code = SI_KERNEL_K;
	signal_force_fault(sig, code, v == 13 || v == 3 ? 0 : f->rip);
}

/* Every interrupt and exception from ring 3, on the thread's kernel stack (entry.S). */
void trap_user(struct trap_frame *f)
{
	int v = (int)f->vector;
	if (v >= 32) {
		handle_irq(f);
	} else {
		/* CR2 first: once interrupts are on, another thread's fault may change it. */
		uintptr_t cr2 = v == 14 ? read_cr2() : 0;
		irq_enable();
		user_exception(f, cr2);
	}
	user_return_work(f);
}

void trap_dispatch(struct trap_frame *f)
{
	int v = (int)f->vector;

	if (v >= 32) {
		handle_irq(f);
		return;
	}
	/*
	 * Counted per thread: a kernel page fault on user memory may sleep in
	 * uvm_fault (its mm lock, a frame) and another thread fault on this CPU
	 * meanwhile; a per-CPU count took that for a nested exception and
	 * powered off (seen in guest.busybox-jobs on a busy host).
	 */
	struct thread *t = sched_current();
	int *depth = t ? &t->exc_depth : &this_cpu()->exc_depth;
	if ((*depth)++ > 0) {
		/* An exception while handling one: report this one and stop. */
		printk("\njiny: nested exception %s while handling another\n", trap_name(v));
		trap_print_regs(f);
		kern_power_off(JINY_EXIT_PANIC);
	}
	if (v == 14 && kernel_fault_fixed(f)) {
		(*depth)--;
		return;
	}
	if (v == 2) { /* NMI: report and carry on */
		printk("jiny: NMI at %#lx\n", f->rip);
		(*depth)--;
		return;
	}
	crash(f);
}
