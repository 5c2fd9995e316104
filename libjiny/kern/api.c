/*
 * api.c - the public C API of include/jiny/jiny.h: thin wrappers over the
 * kernel's own objects. The only exported (__export) functions besides the
 * system-call handlers.
 */
#include "kern.h"
#include "errno.h"
#include "../arch/x86_64/arch.h"
#include <jiny/jiny.h>

__export const char *jiny_version(void) { return JINY_VERSION_STRING; }

__export int jiny_cpu_count(void) { return 1; }

__export int jiny_cpu_stats(int cpu, struct jiny_cpu_stats *st)
{
	if (cpu != 0 || !st)
		return -EINVAL;
	struct cpu *c = this_cpu();
	uint64_t f = irq_save();
	st->timer_irqs = c->timer_irqs;
	st->irqs = c->irqs;
	st->context_switches = c->context_switches;
	st->preemptions = c->preemptions;
	st->idle_ns = c->idle_ns;
	irq_restore(f);
	return 0;
}

__export uint64_t jiny_clock_ns(void) { return clock_ns(); }
__export const char *jiny_clock_source(void) { return clock_source(); }
