/*
 * apic.c - the boot CPU's local APIC (xAPIC, MMIO at its base MSR address):
 * the 8259 PICs masked, spurious vector, EOI, and the timer, one-shot only:
 * TSC-deadline mode when the CPU has it, else the APIC's own count-down
 * timer calibrated against the monotonic clock. sched.c decides when it fires.
 */
#include "arch.h"
#include "io.h"
#include "../../mm/mm.h"

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

void apic_init(void)
{
	/* Mask both 8259s: interrupts come through the (IO)APIC only. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);

	paddr_t base = rdmsr(MSR_APIC_BASE) & 0xfffff000UL;
	wrmsr(MSR_APIC_BASE, base | (1UL << 11)); /* global enable */
	apic = vmarea_map_mmio(base, PAGE_SIZE);
	BUG_ON(!apic);
	this_cpu()->apic_id = apic_read(APIC_ID) >> 24;
	apic_write(APIC_SVR, 0x100 | VECTOR_SPURIOUS);

	tsc_deadline = cpuid(1, 0).ecx & (1u << 24);
	if (tsc_deadline) {
		apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VECTOR_TIMER);
		return;
	}
	/* Calibrate the count-down timer over 1 ms of the monotonic clock. */
	apic_write(APIC_TIMER_DIV, 0x3); /* divide by 16 */
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
	apic_write(APIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = clock_ns();
	while (clock_ns() - t0 < 1000000)
		cpu_relax();
	uint32_t ticks = 0xffffffff - apic_read(APIC_TIMER_CUR);
	uint64_t dt = clock_ns() - t0;
	apic_write(APIC_TIMER_INIT, 0);
	apic_hz = (uint64_t)ticks * 1000000000ULL / dt;
	if (!apic_hz)
		apic_hz = 1000000;
	apic_write(APIC_LVT_TIMER, VECTOR_TIMER); /* one-shot */
}

void apic_timer_arm(uint64_t deadline_ns)
{
	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline_ns ? clock_ns_to_tsc(deadline_ns) : 0);
		return;
	}
	if (!deadline_ns) {
		apic_write(APIC_TIMER_INIT, 0);
		return;
	}
	uint64_t now = clock_ns();
	uint64_t delta = deadline_ns > now ? deadline_ns - now : 1000;
	if (delta > 1000000000ULL)
		delta = 1000000000ULL; /* re-armed when it fires */
	uint64_t count = delta * apic_hz / 1000000000ULL;
	if (count == 0)
		count = 1;
	if (count > 0xffffffffULL)
		count = 0xffffffffULL;
	apic_write(APIC_TIMER_INIT, (uint32_t)count);
}
