/*
 * arch.h - the seam between generic kernel code and x86_64 (STYLE: no
 * #ifdef __x86_64__ outside arch/). Implemented in the .c files of arch/x86_64/ and
 * entry.S.
 */
#ifndef JINY_ARCH_H
#define JINY_ARCH_H

#include "arch/x86_64/cpu.h"

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

/* apic.c: local APIC timer (TSC-deadline or one-shot) and EOI. */
void apic_init(void);               /* boot CPU: map, calibrate, then apic_init_cpu() */
void apic_init_cpu(void);           /* every CPU */
void apic_send_ipi(uint32_t apic_id, int vector);
void apic_start_ap(uint32_t apic_id, paddr_t trampoline_page, volatile bool *started);
void apic_eoi(void);
void apic_timer_arm(uint64_t deadline_ns); /* 0 = nothing to wait for */
void apic_timer_fired(void);

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
void syscall_entry(void);

static inline void arch_halt(void) { __asm__ __volatile__("sti; hlt; cli" ::: "memory"); }
static inline uint64_t arch_frame_pointer(void)
{
	return (uint64_t)__builtin_frame_address(0);
}

#endif
