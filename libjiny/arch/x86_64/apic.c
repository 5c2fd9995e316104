/*
 * apic.c - the local APICs (xAPIC, MMIO at the base MSR's address): the
 * 8259 PICs masked, each CPU's spurious vector (apic_init_cpu), EOI, IPIs
 * (apic_send_ipi, and INIT-SIPI-SIPI to start an AP), and the timer,
 * one-shot only: TSC-deadline mode when the CPU has it, else the APIC's own
 * count-down timer calibrated against the monotonic clock. sched.c decides
 * when it fires.
 */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/io.h"
#include "mm/mm.h"

#define APIC_ID 0x20
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)

static volatile uint32_t *apic;
static bool tsc_deadline;
static uint64_t apic_hz; /* count-down timer rate (divide by 16) */

static inline uint32_t apic_read(unsigned reg) { return apic[reg / 4]; }
static inline void apic_write(unsigned reg, uint32_t v) { apic[reg / 4] = v; }

void apic_eoi(void) { apic_write(APIC_EOI, 0); }

#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define ICR_PENDING (1u << 12)

/* This CPU's LAPIC: enabled, spurious vector, timer in one-shot/TSC-deadline mode. */
void apic_init_cpu(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1UL << 11)); /* global enable */
	this_cpu()->apic_id = apic_read(APIC_ID) >> 24;
	apic_write(APIC_SVR, 0x100 | VECTOR_SPURIOUS);
	if (tsc_deadline) {
		apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VECTOR_TIMER);
	} else {
		apic_write(APIC_TIMER_DIV, 0x3);
		apic_write(APIC_LVT_TIMER, VECTOR_TIMER); /* one-shot */
	}
}

/*
 * The count-down timer's rate, measured against the (calibrated) clock over
 * ~1 ms from starting the count to reading it. Each of those two accesses
 * is bracketed by clock readings and timed at the middle of its bracket:
 * under TCG an APIC access takes microseconds, and a busy host may stall the
 * vCPU right there (taking the clock only after the start made every timer
 * ~8% late, and a stall there could make it several times late). Up to 5
 * runs, until the two brackets together are under 1% of the span (the rate
 * is then right to 0.5%); the run with the narrowest brackets is kept. A
 * timer that fires a little early is harmless: every timed wait checks the
 * clock and sleeps on.
 */
static uint64_t apic_calibrate(void)
{
	uint64_t hz = 0, best = UINT64_MAX;
	apic_write(APIC_TIMER_DIV, 0x3); /* divide by 16 */
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
	for (int run = 0; run < 5; run++) {
		uint64_t a0 = clock_ns();
		apic_write(APIC_TIMER_INIT, 0xffffffff);
		uint64_t a1 = clock_ns();
		while (clock_ns() - a1 < 1000000)
			cpu_relax();
		uint64_t b0 = clock_ns();
		uint32_t ticks = 0xffffffff - apic_read(APIC_TIMER_CUR);
		uint64_t b1 = clock_ns();
		uint64_t width = (a1 - a0) + (b1 - b0), span2 = (b0 + b1) - (a0 + a1);
		if (width < best) {
			best = width;
			hz = (uint64_t)ticks * 2000000000ULL / span2;
		}
		if (width * 200 <= span2)
			break;
	}
	apic_write(APIC_TIMER_INIT, 0);
	return hz ? hz : 1000000;
}

void apic_init(void)
{
	/* Mask both 8259s: interrupts come through the (IO)APIC only. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);

	paddr_t base = rdmsr(MSR_APIC_BASE) & 0xfffff000UL;
	apic = vmarea_map_mmio(base, PAGE_SIZE);
	BUG_ON(!apic);
	tsc_deadline = cpuid(1, 0).ecx & (1u << 24);
	if (!tsc_deadline)
		apic_hz = apic_calibrate();
	apic_init_cpu();
}

static void icr_send(uint32_t apic_id, uint32_t lo)
{
	for (int i = 0; i < 1000000 && (apic_read(APIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
	apic_write(APIC_ICR_HI, apic_id << 24);
	apic_write(APIC_ICR_LO, lo);
}

void apic_send_ipi(uint32_t apic_id, int vector)
{
	uint64_t f = irq_save();
	icr_send(apic_id, (uint32_t)vector); /* fixed delivery, physical destination */
	irq_restore(f);
}

/*
 * INIT, then STARTUP at physical page 'page' (the AP trampoline); a second
 * STARTUP only if the first is not taken within 1 ms ('started' says). The
 * MP spec's 10 ms INIT delay is for physical CPUs; hypervisors need none.
 */
void apic_start_ap(uint32_t apic_id, paddr_t page, volatile bool *started)
{
	icr_send(apic_id, 0x4500); /* INIT, assert */
	uint64_t t = clock_ns();
	while (clock_ns() - t < 200000)
		cpu_relax();
	for (int i = 0; i < 2 && !*started; i++) {
		icr_send(apic_id, 0x4600 | (uint32_t)(page >> 12)); /* STARTUP */
		t = clock_ns();
		while (!*started && clock_ns() - t < 1000000)
			cpu_relax();
	}
}

/*
 * Arm this CPU's one-shot timer for deadline_ns (monotonic; 0 = nothing to
 * wait for). Programming the timer is an MSR or MMIO write, which traps to
 * the hypervisor, so it is skipped when the timer is already set to go off
 * at or before the new deadline: firing early is harmless (the handler
 * re-arms), and a pending timer is not cancelled for "nothing to wait for".
 */
void apic_timer_arm(uint64_t deadline_ns)
{
	struct cpu *c = this_cpu();
	uint64_t now = clock_ns();
	uint64_t armed = c->timer_armed_ns;
	if (!deadline_ns || (armed > now && armed <= deadline_ns))
		return;
	c->timer_armed_ns = deadline_ns;
	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, clock_ns_to_tsc(deadline_ns));
		return;
	}
	uint64_t delta = deadline_ns > now ? deadline_ns - now : 1000;
	if (delta > 1000000000ULL) {
		delta = 1000000000ULL; /* re-armed when it fires */
		c->timer_armed_ns = now + delta;
	}
	uint64_t count = delta * apic_hz / 1000000000ULL;
	if (count == 0)
		count = 1;
	if (count > 0xffffffffULL)
		count = 0xffffffffULL;
	apic_write(APIC_TIMER_INIT, (uint32_t)count);
}

/* The timer went off: nothing is armed any more (called first by its handler). */
void apic_timer_fired(void)
{
	this_cpu()->timer_armed_ns = 0;
}
