/*
 * arch.h - the x86_64 side of the seam described in arch/arch.h (which
 * generic code includes instead of this file): the instructions of cpu.h,
 * the device accessors of io.h, the other CPUs of smp.h, and what the .c
 * files of arch/x86_64/ and entry.S implement: trap frames and vectors,
 * CPU set-up, FPU state, the local APIC timer, the clocks, context switch.
 */
#ifndef JINY_ARCH_X86_64_ARCH_H
#define JINY_ARCH_X86_64_ARCH_H

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/smp.h"

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
/* f->vector of a system call from ring 3 (compat); f->error then holds its number. */
#define TRAP_SYSCALL 256

/*
 * Can base go into MSR_FS_BASE? A ring-3 thread's must lie below the top
 * user page (Linux's TASK_SIZE_MAX: ARCH_SET_FS and CLONE_SETTLS give
 * EPERM above), the HP app's must be canonical: a WRMSR of a non-canonical
 * base is a #GP on real CPUs and under KVM (TCG does not check).
 */
static inline bool arch_fsbase_ok(uint64_t base, bool user)
{
	if (user)
		return base < 0x7ffffffff000UL;
	return base < 0x0000800000000000UL || base >= 0xffff800000000000UL;
}
/* The running thread's TLS base (%fs), checked with arch_fsbase_ok(). */
static inline void arch_set_fsbase(uint64_t base) { wrmsr(MSR_FS_BASE, base); }

/* cpu_init.c: GDT, TSS, IDT, syscall MSRs, per-CPU block for the boot CPU. */
void arch_cpu_init(void);
struct cpu *arch_cpu_alloc(int id);
void arch_cpu_init_ap(struct cpu *c);
void arch_set_thread_stacks(uint64_t irq_top, uint64_t exc_top);

/* trap.c */
void trap_dispatch(struct trap_frame *f);
void trap_register_irq(int vector, void (*handler)(struct trap_frame *));
void trap_print_regs(const struct trap_frame *f);
/* For a backtrace from sp: the current thread's stack if sp is on it, else 64 KiB above sp. */
void trap_stack_bounds(uint64_t sp, uint64_t *lo, uint64_t *hi);
const char *trap_name(int vector);
#define VECTOR_TIMER 0x20
#define VECTOR_RESCHED 0xf0   /* another CPU queued work here */
#define VECTOR_CALL 0xf1      /* cross-CPU requests: TLB shoot-down, park */
#define VECTOR_SPURIOUS 0xff

/* fpu.c: SSE/AVX with XSAVE. */
void fpu_init(void);
size_t fpu_state_size(void);             /* bytes for one thread's XSAVE area */
void fpu_state_init(void *area);         /* the initial (reset) state */
void fpu_save(void *area);
void fpu_restore(const void *area);
uint64_t fpu_xfeatures(void);            /* XCR0's components, 0 without XSAVE (FXSAVE image) */
/* Make an image that came from user memory (signal frames) safe for
 * fpu_restore: MXCSR's reserved bits cleared, the XSAVE header rebuilt
 * (x87 and SSE from the image, the other components from it only when
 * 'extended' and the image's XSTATE_BV says so, else their init state). */
void fpu_sanitize(void *area, bool extended);
/* What a voluntary switch keeps of the FPU (the ABI's callee-saved part):
 * the x87 control word and MXCSR. */
struct fpu_ctl {
	uint16_t fcw;
	uint32_t mxcsr;
};
static inline void fpu_ctl_save(struct fpu_ctl *c)
{
	__asm__ __volatile__("fnstcw %0; stmxcsr %1" : "=m"(c->fcw), "=m"(c->mxcsr));
}
static inline void fpu_ctl_restore(const struct fpu_ctl *c)
{
	__asm__ __volatile__("fldcw %0; ldmxcsr %1" ::"m"(c->fcw), "m"(c->mxcsr));
}

/* apic.c: local APIC timer (TSC-deadline or one-shot) and EOI. */
void apic_init(void);               /* boot CPU: map, calibrate, then apic_init_cpu() */
void apic_init_cpu(void);           /* every CPU */
void apic_send_ipi(uint32_t apic_id, int vector);
void apic_start_ap(uint32_t apic_id, paddr_t trampoline_page, volatile bool *started);
void apic_eoi(void);
void apic_timer_arm(uint64_t deadline_ns); /* 0 = nothing to wait for */
void apic_timer_fired(void);

/*
 * ioapic.c: device interrupts. arch_irq_alloc() gives a free vector whose
 * interrupts call fn(arg) (interrupt context, after the EOI), or -ENOSPC;
 * arch_ioapic_route() sends a GSI to that vector (0, or -ENODEV when no
 * IOAPIC has the GSI); arch_msi_message() is the MSI/MSI-X address and data
 * that raise it. All on the boot CPU.
 */
int arch_irq_alloc(void (*fn)(void *arg), void *arg);
int arch_ioapic_route(uint32_t gsi, int vector, bool level, bool active_low);
void arch_msi_message(int vector, uint64_t *addr, uint32_t *data);

/* clock.c: monotonic ns (kvmclock or TSC), wall clock from the RTC. */
void clock_init(void);
uint64_t clock_ns(void);                 /* monotonic, since boot */
uint64_t clock_realtime_ns(void);        /* ns since the epoch */
void clock_set_realtime_ns(uint64_t ns);
uint64_t clock_tsc_hz(void);
const char *clock_source(void);
uint64_t clock_ns_to_tsc(uint64_t ns);   /* absolute monotonic ns -> TSC value */

/* entry.S */
void arch_switch(uint64_t *save_rsp, uint64_t new_rsp);
void arch_thread_start(void);
void arch_enter_app(void *entry, void *stack) __noreturn;
/* Run fn(arg) on another stack (sp 16-aligned); fn must not return. */
void arch_call_on_stack(void (*fn)(void *), void *arg, uintptr_t sp) __noreturn;
void syscall_entry(void);

static inline uint64_t arch_frame_pointer(void)
{
	return (uint64_t)__builtin_frame_address(0);
}
/* The address of the code it is inlined into (spin_mark: where a lock was taken). */
static inline __attribute__((always_inline)) uintptr_t arch_code_address(void)
{
	uintptr_t pc;
	__asm__ __volatile__("lea 0(%%rip), %0" : "=r"(pc));
	return pc;
}
/*
 * For panic(): f gets the registers as the caller of the function this is
 * inlined into left them (the callee-saved ones, its frame, the return
 * address), enough for trap_print_regs() and a backtrace from there.
 */
static inline __attribute__((always_inline)) void arch_caller_regs(struct trap_frame *f)
{
	__asm__ __volatile__("mov %%rbx, %0; mov %%r12, %1; mov %%r13, %2; mov %%r14, %3; "
			     "mov %%r15, %4"
			     : "=m"(f->rbx), "=m"(f->r12), "=m"(f->r13), "=m"(f->r14),
			       "=m"(f->r15));
	f->rbp = *(const uint64_t *)arch_frame_pointer();
	f->rsp = (uint64_t)f;
	f->rip = (uint64_t)__builtin_return_address(0);
	f->rflags = read_rflags();
	__asm__ __volatile__("mov %%cs, %0; mov %%ss, %1" : "=r"(f->cs), "=r"(f->ss));
}

#endif
