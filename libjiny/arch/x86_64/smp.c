/*
 * smp.c - the other CPUs. smp_init() reads the ACPI MADT, copies the
 * trampoline (smpboot.S) below 1 MiB and starts each AP with INIT-SIPI-SIPI;
 * an AP sets up its descriptor tables, FPU and LAPIC, then becomes that
 * CPU's idle thread in the scheduler (sched_start_ap).
 *
 * Cross-CPU requests (TLB shoot-downs, calls) go in the target's mailbox and
 * are signalled with the VECTOR_CALL IPI; a CPU also serves its mailbox while
 * it spins on a lock (smp_poll), so a requester holding a lock cannot
 * deadlock against a CPU waiting for that lock with interrupts off.
 */
#include "arch/x86_64/smp.h"
#include "arch/x86_64/arch.h"
#include "drivers/acpi.h"
#include "kern/spinlock.h"
#include "mm/mm.h"
#include "sched/sched.h"

#define TRAMPOLINE_PA 0x8000
#define AP_IDLE_STACK (16 * 1024)

extern char tramp_start[], tramp_end[], tramp_cr3[], tramp_stack[], tramp_arg[];

volatile int smp_online = 1;

struct call {
	void (*fn)(void *);
	void *arg;
	volatile int *pending; /* decremented when done */
	struct call *next;
};

struct mailbox {
	spinlock_t lock;
	struct call *head;
} __aligned(64);

static struct mailbox mailboxes[MAX_CPUS];

void smp_poll(void)
{
	if (smp_online < 2)
		return;
	struct cpu *c = this_cpu();
	struct mailbox *mb = &mailboxes[c->id];
	if (!READ_ONCE(mb->head))
		return;
	/* Interrupts are off here or in the caller's lock; take the list whole. */
	spin_lock_raw(&mb->lock);
	struct call *list = mb->head;
	mb->head = NULL;
	spin_unlock(&mb->lock);
	while (list) {
		struct call *next = list->next; /* list lives on the requester's stack */
		list->fn(list->arg);
		__atomic_sub_fetch(list->pending, 1, __ATOMIC_RELEASE);
		list = next;
	}
}

static void call_irq(struct trap_frame *f)
{
	smp_poll();
}

static void post(int cpu, struct call *c)
{
	struct mailbox *mb = &mailboxes[cpu];
	uint64_t fl = irq_save();
	spin_lock_raw(&mb->lock);
	c->next = mb->head;
	mb->head = c;
	spin_unlock(&mb->lock);
	irq_restore(fl);
	apic_send_ipi(cpus[cpu]->apic_id, VECTOR_CALL);
}

static void wait_done(volatile int *pending)
{
	while (__atomic_load_n(pending, __ATOMIC_ACQUIRE) > 0) {
		cpu_relax();
		smp_poll(); /* another CPU may be waiting for us meanwhile */
	}
}

void smp_call(int cpu, void (*fn)(void *), void *arg)
{
	volatile int pending = 1;
	struct call c = { fn, arg, &pending, NULL };
	post(cpu, &c);
	wait_done(&pending);
}

struct range {
	uintptr_t start, end;
};

static void flush_range(void *p)
{
	const struct range *r = p;
	if (r->end - r->start > 64 * PAGE_SIZE) {
		write_cr3(read_cr3()); /* non-global entries: all KVA mappings */
		return;
	}
	for (uintptr_t va = r->start; va < r->end; va += PAGE_SIZE)
		invlpg(va);
}

void tlb_shootdown(uintptr_t start, uintptr_t end)
{
	if (smp_online < 2)
		return;
	struct range r = { start, end };
	struct call calls[MAX_CPUS];
	volatile int pending = 0;
	uint64_t f = irq_save();
	int me = this_cpu()->id;
	irq_restore(f);
	for (int i = 0; i < nr_cpus; i++) {
		if (i == me || !cpus[i] || !cpus[i]->online)
			continue;
		calls[i] = (struct call){ flush_range, &r, &pending, NULL };
		__atomic_add_fetch(&pending, 1, __ATOMIC_RELAXED);
		post(i, &calls[i]);
	}
	wait_done(&pending);
}

static void resched_irq(struct trap_frame *f)
{
	sched_resched_irq();
}

void smp_resched(int cpu)
{
	apic_send_ipi(cpus[cpu]->apic_id, VECTOR_RESCHED);
}

/* First C code of an AP (from smpboot.S), on its idle stack. */
void ap_entry(struct cpu *c) __noreturn;
void ap_entry(struct cpu *c)
{
	arch_cpu_init_ap(c);
	fpu_init();
	apic_init_cpu();
	sched_start_ap(c); /* marks the CPU online and becomes its idle thread */
}

void smp_init(paddr_t rsdp, int max_cpus)
{
	struct acpi_madt_info madt;
	trap_register_irq(VECTOR_CALL, call_irq);
	trap_register_irq(VECTOR_RESCHED, resched_irq);
	if (acpi_read_madt(rsdp, &madt) < 0 || madt.nr_cpus < 2)
		return;

	/* The trampoline page, identity-mapped (executable) while APs start. */
	size_t len = tramp_end - tramp_start;
	memcpy(phys_to_virt(TRAMPOLINE_PA), tramp_start, len);
	if (vm_map(TRAMPOLINE_PA, TRAMPOLINE_PA, PAGE_SIZE, 0) < 0)
		return;
	uint8_t *t = phys_to_virt(TRAMPOLINE_PA);
	*(uint64_t *)(t + (tramp_cr3 - tramp_start)) = read_cr3();

	uint32_t me = this_cpu()->apic_id;
	for (int i = 0; i < madt.nr_cpus && nr_cpus < MIN(max_cpus, MAX_CPUS); i++) {
		if (madt.apic_ids[i] == me)
			continue;
		struct cpu *c = arch_cpu_alloc(nr_cpus);
		uint8_t *stack = c ? page_alloc(2) : NULL; /* 16 KiB idle stack */
		if (!stack) {
			printk("jiny: smp: out of memory for CPU %d\n", nr_cpus);
			break;
		}
		c->apic_id = madt.apic_ids[i];
		c->idle_stack = stack;
		cpus[nr_cpus] = c;
		*(uint64_t *)(t + (tramp_stack - tramp_start)) = (uint64_t)stack + AP_IDLE_STACK;
		*(uint64_t *)(t + (tramp_arg - tramp_start)) = (uint64_t)c;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		apic_start_ap(c->apic_id, TRAMPOLINE_PA, &c->online);
		uint64_t t0 = clock_ns();
		while (!READ_ONCE(c->online) && clock_ns() - t0 < 500000000ULL)
			cpu_relax();
		if (!c->online) {
			printk("jiny: smp: CPU with APIC id %u did not start\n", c->apic_id);
			cpus[nr_cpus] = NULL; /* its memory stays: it might still wake up */
			continue;
		}
		nr_cpus++;
		__atomic_add_fetch(&smp_online, 1, __ATOMIC_RELEASE);
	}
	vm_unmap(TRAMPOLINE_PA, PAGE_SIZE);
	tlb_shootdown(TRAMPOLINE_PA, TRAMPOLINE_PA + PAGE_SIZE);
}
