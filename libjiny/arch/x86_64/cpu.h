/*
 * cpu.h - x86_64 instructions the kernel needs (CPUID, MSRs, control
 * registers, TSC, interrupt flag, halt, RDRAND/RDSEED, SMAP's user-access
 * window) and the per-CPU block reached through GS. Generic code reaches
 * these through arch/arch.h, which names the part that is the seam; the
 * rest (MSRs, control registers, the TSS) is for arch/ and the x86 paging
 * code in mm/.
 */
#ifndef JINY_ARCH_CPU_H
#define JINY_ARCH_CPU_H

#include "kern/kern.h"

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_APIC_BASE 0x1b
#define EFER_SCE (1UL << 0)
#define EFER_NXE (1UL << 11)

#define RFLAGS_IF (1UL << 9)
#define RFLAGS_TF (1UL << 8)
#define RFLAGS_DF (1UL << 10)
#define RFLAGS_AC (1UL << 18)
#define RFLAGS_NT (1UL << 14)  /* nested task: iretq in ring 0 with it set is a #GP */
#define RFLAGS_RF (1UL << 16)
/* What a ring-3 frame may carry back: the arithmetic flags, TF, DF, RF, AC
 * and ID; never IOPL, VM, VIF, VIP, nor NT (Linux clears it too); IF and
 * the fixed bit 1 always. */
#define RFLAGS_USER_MASK (0x1UL | 0x4UL | 0x10UL | 0x40UL | 0x80UL | RFLAGS_TF | RFLAGS_DF | \
			  (1UL << 11) | RFLAGS_RF | RFLAGS_AC | (1UL << 21))

#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR0_NE (1UL << 5)
#define CR0_WP (1UL << 16)
#define CR4_PGE (1UL << 7)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_FSGSBASE (1UL << 16)
#define CR4_OSXSAVE (1UL << 18)
#define CR4_SMEP (1UL << 20)
#define CR4_SMAP (1UL << 21)

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define SEL_TSS 0x28

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};
static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;
	__asm__ __volatile__("cpuid"
			     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			     : "a"(leaf), "c"(sub));
	return r;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#define DEFINE_CR(n)                                                               \
	static inline uint64_t read_cr##n(void)                                    \
	{                                                                          \
		uint64_t v;                                                        \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));              \
		return v;                                                          \
	}                                                                          \
	static inline void write_cr##n(uint64_t v)                                 \
	{                                                                          \
		__asm__ __volatile__("mov %0, %%cr" #n ::"r"(v) : "memory");       \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void xsetbv(uint32_t idx, uint64_t v)
{
	__asm__ __volatile__("xsetbv" ::"c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void invlpg(uintptr_t va) { __asm__ __volatile__("invlpg (%0)" ::"r"(va) : "memory"); }
static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f));
	return f;
}

/* Interrupts on this CPU. irq_save() disables them and returns the flags
 * that irq_restore() needs to put them back as they were: the kernel's lock
 * on one CPU, and the first half of spin_lock_irqsave(). */
static inline void irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline uint64_t irq_save(void)
{
	uint64_t f;
	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(f)::"memory");
	return f;
}
static inline void irq_restore(uint64_t f)
{
	if (f & RFLAGS_IF)
		irq_enable();
}
/* Wait for the next interrupt (for ever with interrupts off: power-off's last resort). */
static inline void cpu_halt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
/* The idle loop's wait: interrupts on, wait for one, off again. */
static inline void arch_halt(void) { __asm__ __volatile__("sti; hlt; cli" ::: "memory"); }

/*
 * Hardware random numbers: 64 bits from RDRAND (a DRBG the CPU reseeds),
 * tried 10 times as Intel advises, or RDSEED (the entropy source itself,
 * which runs dry sooner), tried 10 times with a pause between; false when
 * it keeps failing. Ask cpu_has_rdrand() / cpu_has_rdseed() first (CPUID:
 * once, it is slow under a hypervisor).
 */
static inline bool cpu_has_rdrand(void) { return (cpuid(1, 0).ecx & (1u << 30)) != 0; }
static inline bool cpu_has_rdseed(void) { return (cpuid(7, 0).ebx & (1u << 18)) != 0; }
static inline bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < 10; i++) {
		unsigned char ok;
		__asm__ __volatile__("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}
static inline bool rdseed64(uint64_t *v)
{
	for (int i = 0; i < 10; i++) {
		unsigned char ok;
		__asm__ __volatile__("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
		cpu_relax();
	}
	return false;
}

/* SMAP: kernel access to user pages only inside stac ... clac (cpu_init.c sets it up). */
extern bool cpu_smap;        /* the CPU has SMAP: stac/clac exist */
void arch_smap_enable(void); /* cpu_init.c: before a compat thread runs on this CPU */
static inline void user_access_begin(void)
{
	if (cpu_smap)
		__asm__ __volatile__("stac" ::: "memory");
}
static inline void user_access_end(void)
{
	if (cpu_smap)
		__asm__ __volatile__("clac" ::: "memory");
}
/* Is the window open now (EFLAGS.AC, set inside a ring-3 system call's handler)? */
static inline uint64_t user_access_state(void) { return read_rflags() & RFLAGS_AC; }

/* The 64-bit TSS. ist[0] is IST1. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

/* IST slots (1-based as in the IDT). */
#define IST_IRQ 1  /* per-thread interrupt stack, re-pointed at each switch */
#define IST_EXC 2  /* per-thread exception stack, re-pointed at each switch */
#define IST_NMI 3  /* per-CPU */
#define IST_DF 4   /* per-CPU */
#define IST_MC 5   /* per-CPU */

#define MAX_CPUS 64

struct thread;
/* Per-CPU block; GS base points at it. 'self' must stay first. */
struct cpu {
	struct cpu *self;
	struct thread *current;   /* running thread */
	uint64_t scratch;         /* syscall entry scratch (offset 16, entry.S) */
	uint64_t kstack_top;      /* current compat thread's kernel stack top (offset 24, entry.S) */
	int id;
	uint32_t apic_id;
	struct tss tss __aligned(16);
	uint64_t gdt[8];
	struct thread *idle;      /* this CPU's idle thread */
	int exc_depth;            /* nested exceptions before the scheduler runs (then: the thread's) */
	volatile bool online;     /* running the scheduler */
	volatile bool need_resched; /* look at the run queue on interrupt exit */
	volatile int preempt_count; /* > 0: no preemption on this CPU (preempt.h) */
	uint64_t timer_armed_ns;  /* when the LAPIC timer is set to fire, 0 = not set */
	uint8_t *idle_stack;      /* APs: the stack their idle thread runs on */
	bool smap_on;             /* CR4.SMAP set here (arch_smap_enable) */
	volatile bool parked;     /* elastic CPUs: runs only its idle thread */
	/* statistics (jiny_cpu_stats) */
	uint64_t timer_irqs, irqs, context_switches, preemptions, idle_ns;
};

extern struct cpu *cpus[MAX_CPUS]; /* by id; cpus[0] is the boot CPU */
extern int nr_cpus;                /* CPUs found (online or parked) */

/*
 * This CPU's block and the fields generic code reads on fast paths, each
 * read or changed in one instruction through GS: right even when the thread
 * is interrupted or moves to another CPU just before or after.
 */
static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(c));
	return c;
}
static inline int this_cpu_id(void)
{
	int id;
	__asm__ __volatile__("movl %%gs:%c1, %0" : "=r"(id) : "i"(offsetof(struct cpu, id)));
	return id;
}
static inline struct thread *this_cpu_current(void)
{
	struct thread *t;
	__asm__ __volatile__("mov %%gs:%c1, %0" : "=r"(t) : "i"(offsetof(struct cpu, current)));
	return t;
}
static inline bool this_cpu_need_resched(void)
{
	bool r;
	__asm__ __volatile__("movb %%gs:%c1, %0"
			     : "=q"(r)
			     : "i"(offsetof(struct cpu, need_resched)));
	return r;
}
/* preempt_count + 1 (preempt.h) */
static inline void this_cpu_preempt_inc(void)
{
	__asm__ __volatile__("incl %%gs:%c0" ::"i"(offsetof(struct cpu, preempt_count)) : "memory");
}
/* preempt_count - 1; returns what is left */
static inline int this_cpu_preempt_dec(void)
{
	int left;
	__asm__ __volatile__("decl %%gs:%c1; mov %%gs:%c1, %0"
			     : "=r"(left)
			     : "i"(offsetof(struct cpu, preempt_count))
			     : "memory");
	return left;
}

#endif
