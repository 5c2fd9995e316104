/*
 * cpu_init.c - descriptor tables and CPU state (DESIGN.md 5) of the boot CPU
 * (arch_cpu_init) and of each AP (arch_cpu_alloc, arch_cpu_init_ap, from
 * smp.c): GDT (kernel and user segments, TSS), the IDT (every gate on an IST
 * stack), per-CPU stacks for NMI/#DF/#MC, GS pointing at struct cpu, the
 * MSRs of the `syscall` instruction, SMEP/SMAP and CR0.WP. Per-thread IST
 * stacks are installed by the scheduler through arch_set_thread_stacks() at
 * every switch.
 */
#include "arch/x86_64/arch.h"
#include "mm/mm.h"

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

extern char isr_stubs[];
static struct idt_gate idt[256] __aligned(16);
static struct cpu boot_cpu;
static uint8_t nmi_stack[8192] __aligned(16);
static uint8_t df_stack[8192] __aligned(16);
static uint8_t mc_stack[8192] __aligned(16);
/* Exceptions before the first thread exists run here. */
static uint8_t early_irq_stack[16384] __aligned(16);
static uint8_t early_exc_stack[16384] __aligned(16);

static void set_gate(int vec, int ist)
{
	uint64_t a = (uint64_t)isr_stubs + 16 * vec;
	idt[vec] = (struct idt_gate){
		.off0 = a & 0xffff, .sel = SEL_KCODE, .ist = ist,
		.type = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
		.off1 = (a >> 16) & 0xffff, .off2 = a >> 32,
	};
}

void arch_set_thread_stacks(uint64_t irq_top, uint64_t exc_top)
{
	struct cpu *c = this_cpu();
	c->tss.ist[IST_IRQ - 1] = irq_top;
	c->tss.ist[IST_EXC - 1] = exc_top;
	c->tss.rsp[0] = exc_top; /* ring 3 -> 0 transitions (compat) */
}

/* Load this CPU's GDT and TSS, the shared IDT, GS and the syscall MSRs. */
static void load_cpu_state(struct cpu *c)
{
	c->self = c;
	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffff; /* 0x08 kernel code 64 */
	c->gdt[2] = 0x00cf92000000ffff; /* 0x10 kernel data */
	c->gdt[3] = 0x00cff2000000ffff; /* 0x18 user data (DPL 3) */
	c->gdt[4] = 0x00affa000000ffff; /* 0x20 user code 64 (DPL 3) */
	uint64_t t = (uint64_t)&c->tss, lim = sizeof(c->tss) - 1;
	c->gdt[5] = (lim & 0xffff) | ((t & 0xffffff) << 16) | (0x89UL << 40) |
		    (((lim >> 16) & 0xf) << 48) | (((t >> 24) & 0xff) << 56);
	c->gdt[6] = t >> 32;
	c->tss.iomap_base = sizeof(c->tss);

	struct desc_ptr gp = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };
	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq $0x08\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "mov $0x10, %%eax\n\t"
			     "mov %%eax, %%ds\n\t"
			     "mov %%eax, %%es\n\t"
			     "mov %%eax, %%ss\n\t"
			     "xor %%eax, %%eax\n\t"
			     "mov %%eax, %%fs\n\t"
			     "mov %%eax, %%gs\n\t"
			     "ltr %w1\n\t"
			     :
			     : "m"(gp), "r"(SEL_TSS)
			     : "rax", "memory");
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);

	struct desc_ptr ip = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ __volatile__("lidt %0" ::"m"(ip));

	/* syscall: kernel CS 0x08/SS 0x10; sysret to user CS 0x23/SS 0x1b. */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	wrmsr(MSR_STAR, (0x10UL << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* NT too (Linux masks it): a user sets it with popf, and an iretq in
	 * ring 0 with NT set is a #GP. */
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);

	/*
	 * Ring 3 cannot be executed (SMEP) nor touched (SMAP) by the kernel by
	 * accident. SMEP is on from the start; SMAP only once a compat process
	 * runs (arch_smap_enable), because QEMU's TCG runs the HP app's code
	 * slower with CR4.SMAP set (tst-pthread's semaphores on 4 CPUs: seconds
	 * instead of milliseconds), and without ring-3 pages it guards nothing.
	 */
	struct cpuid_regs r = cpuid(0, 0);
	if (r.eax >= 7) {
		r = cpuid(7, 0);
		if (r.ebx & (1u << 7))
			write_cr4(read_cr4() | CR4_SMEP);
		if (r.ebx & (1u << 20))
			cpu_smap = true; /* stac/clac exist */
	}
	write_cr0(read_cr0() | CR0_WP); /* kernel writes respect read-only (copy-on-write) pages */
}

bool cpu_smap;

/* A compat thread is about to run on this CPU (sched.c, exec.c): SMAP on, for good. */
void arch_smap_enable(void)
{
	if (!cpu_smap)
		return;
	struct cpu *c = this_cpu();
	if (!c->smap_on) {
		write_cr4(read_cr4() | CR4_SMAP);
		c->smap_on = true;
	}
}

struct cpu *cpus[MAX_CPUS];
int nr_cpus = 1;

void arch_cpu_init(void)
{
	struct cpu *c = &boot_cpu;
	c->id = 0;
	cpus[0] = c;
	c->tss.ist[IST_NMI - 1] = (uint64_t)nmi_stack + sizeof(nmi_stack);
	c->tss.ist[IST_DF - 1] = (uint64_t)df_stack + sizeof(df_stack);
	c->tss.ist[IST_MC - 1] = (uint64_t)mc_stack + sizeof(mc_stack);
	c->tss.ist[IST_IRQ - 1] = (uint64_t)early_irq_stack + sizeof(early_irq_stack);
	c->tss.ist[IST_EXC - 1] = (uint64_t)early_exc_stack + sizeof(early_exc_stack);
	c->tss.rsp[0] = c->tss.ist[IST_EXC - 1];

	for (int v = 0; v < 256; v++)
		set_gate(v, v < 32 ? IST_EXC : IST_IRQ);
	set_gate(2, IST_NMI);
	set_gate(8, IST_DF);
	set_gate(18, IST_MC);
	idt[3].type = idt[4].type = 0xee; /* int3, into: allowed from ring 3 (SIGTRAP, SIGSEGV) */
	load_cpu_state(c);
}

/* A new CPU's block, with its own NMI/#DF/#MC stacks (the BSP allocates it). */
struct cpu *arch_cpu_alloc(int id)
{
	struct cpu *c = kzalloc(sizeof(*c));
	uint8_t *stacks = page_alloc(3); /* 32 KiB: 8 KiB for each of NMI, #DF, #MC */
	if (!c || !stacks) {
		kfree(c);
		if (stacks)
			page_free(stacks, 3);
		return NULL;
	}
	c->id = id;
	c->tss.ist[IST_NMI - 1] = (uint64_t)stacks + 8192;
	c->tss.ist[IST_DF - 1] = (uint64_t)stacks + 16384;
	c->tss.ist[IST_MC - 1] = (uint64_t)stacks + 24576;
	return c;
}

/* On the AP itself, first thing in 64-bit mode. */
void arch_cpu_init_ap(struct cpu *c)
{
	load_cpu_state(c);
}
