/*
 * spinlock.c - the slow path of spin_lock() (spinlock.h): waiting for the
 * lock to be free while serving cross-CPU requests, and the self-deadlock
 * check.
 *
 * A CPU that waits for a lock it holds itself would spin for ever with
 * interrupts off: a page fault or an interrupt arrived under the lock and its
 * handler wants it too, or one path takes it twice. Each lock records its
 * holder's CPU, code address and frame (spin_mark), so the waiter sees the
 * case at once and panics with both acquirers' backtraces instead of
 * hanging silently. The first acquirer's frames are still on this CPU's
 * stacks (it is suspended under us), so its backtrace is read from there.
 */
#include "kern/spinlock.h"
#include "arch/arch.h"
#include "debug/backtrace.h"

static void __noreturn self_deadlock(spinlock_t *l)
{
	static bool reporting; /* the report itself hit another self-deadlock */
	irq_disable();
	if (reporting)
		panic("self-deadlock on spinlock %p while reporting one", (void *)l);
	reporting = true;
	const struct sym_table *st = debug_symbols();
	char name[96] = "";
	bool named = st && sym_format(st, (uintptr_t)l, name, sizeof(name)) > 0;
	printk("\njiny: spinlock %p %s%staken twice on CPU %d: it would wait for itself\n", (void *)l,
	       name, named ? " " : "", spin_cpu_tag() - 1);
	printk("  first taken here (still held):\n");
	uint64_t lo, hi;
	trap_stack_bounds(l->fp, &lo, &hi);
	backtrace_print(l->pc, 0, l->fp, lo, hi);
	printk("  taken again here:\n");
	panic("self-deadlock on spinlock %p", (void *)l);
}

void spin_lock_wait(spinlock_t *l)
{
	if (__atomic_load_n(&l->cpu, __ATOMIC_RELAXED) == spin_cpu_tag())
		self_deadlock(l);
	do {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			cpu_relax();
			smp_poll();
		}
	} while (!spin_take(l));
}

/* debug_deadlock: a lock taken by one function and again by the one it calls. */
static spinlock_t debug_lock = SPINLOCK_INIT;

static __attribute__((noinline)) void debug_deadlock_again(void)
{
	spin_lock_irqsave(&debug_lock);
	panic("debug_deadlock: a lock was taken twice and nothing noticed");
}

static __attribute__((noinline)) void debug_deadlock_first(void)
{
	spin_lock_irqsave(&debug_lock);
	debug_deadlock_again();
}

void spin_debug_deadlock(void)
{
	debug_deadlock_first();
	panic("debug_deadlock: returned");
}
