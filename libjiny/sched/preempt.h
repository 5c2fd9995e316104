/*
 * preempt.h - keeping the current thread on its CPU without turning
 * interrupts off. While a CPU's preempt_count is above zero, interrupts
 * still run but do not switch threads; a switch they asked for happens at
 * preempt_enable(). Cheaper than cli/sti (which also end a translation
 * block under TCG and trap under some hypervisors), for locks that
 * interrupt handlers never take: spin_lock_preempt().
 */
#ifndef JINY_PREEMPT_H
#define JINY_PREEMPT_H

#include "arch/arch.h"
#include "kern/spinlock.h"

void preempt_schedule(void); /* sched.c: the switch that was put off */

static inline void preempt_disable(void) { this_cpu_preempt_inc(); }

static inline void preempt_enable(void)
{
	int left = this_cpu_preempt_dec();
	bool resched = this_cpu_need_resched();
	if (unlikely(!left && resched))
		preempt_schedule();
}

/* A spinlock for data interrupt handlers never touch. */
static inline void spin_lock_preempt(spinlock_t *l)
{
	preempt_disable();
	spin_lock(l);
}

static inline void spin_unlock_preempt(spinlock_t *l)
{
	spin_unlock(l);
	preempt_enable();
}

#endif
