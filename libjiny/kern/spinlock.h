/*
 * spinlock.h - the kernel's lock: a ticket spinlock taken with interrupts
 * disabled on this CPU (spin_lock_irqsave). While it waits, a CPU keeps
 * answering TLB shoot-down requests (smp_poll()), so a CPU that holds a lock
 * and waits for every other CPU to flush its TLB can never deadlock against
 * one spinning on that lock with interrupts off.
 * Rule: hold spinlocks briefly, never across a context switch except the
 * run-queue lock handed over inside sched.c.
 *
 * A lock remembers the CPU that holds it and where it was taken (its code
 * and frame). A CPU that finds the lock already held by itself (an
 * interrupt or a page fault arriving under the lock, or a path taking it
 * twice) would spin for ever: spin_lock_wait() panics instead, with both
 * acquirers' backtraces (kern/spinlock.c).
 */
#ifndef JINY_SPINLOCK_H
#define JINY_SPINLOCK_H

#include "kern/kern.h"
#include "arch/arch.h"

typedef struct {
	volatile uint16_t next, owner;
	int32_t cpu;      /* the holder's CPU id + 1; 0 when free */
	uintptr_t pc, fp; /* where the holder took it: code address and frame */
} spinlock_t;

#define SPINLOCK_INIT {0, 0, 0, 0, 0}

/* What l->cpu holds for this CPU. */
static inline int32_t spin_cpu_tag(void) { return this_cpu_id() + 1; }

/* Out of line (spinlock.c): wait for ticket 'me'; panics on a self-deadlock. */
void spin_lock_wait(spinlock_t *l, uint16_t me);
/* The debug_deadlock kernel option: take a lock twice, to show (and test) the report. */
void spin_debug_deadlock(void) __noreturn;

/* Record the new holder (called with the lock just taken). */
static inline __attribute__((always_inline)) void spin_mark(spinlock_t *l)
{
	uintptr_t pc = arch_code_address();
	l->cpu = spin_cpu_tag();
	l->pc = pc;
	l->fp = (uintptr_t)__builtin_frame_address(0);
}

/* Is l held by this CPU? (For lock-order checks: interrupts must be off.) */
static inline bool spin_held_here(const spinlock_t *l)
{
	return __atomic_load_n(&l->cpu, __ATOMIC_RELAXED) == spin_cpu_tag();
}

/* Without serving requests while waiting: only for smp.c's own mailboxes
 * (serving one from inside another would take a second ticket on a lock). */
static inline void spin_lock_raw(spinlock_t *l)
{
	uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

static inline __attribute__((always_inline)) void spin_lock(spinlock_t *l)
{
	uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		spin_lock_wait(l, me);
	spin_mark(l);
}

static inline bool spin_trylock(spinlock_t *l)
{
	uint16_t o = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint16_t n = o;
	if (!__atomic_compare_exchange_n(&l->next, &n, (uint16_t)(o + 1), false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	spin_mark(l);
	return true;
}

static inline void spin_unlock(spinlock_t *l)
{
	l->cpu = 0;
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

static inline __attribute__((always_inline)) uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t f = irq_save();
	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t f)
{
	spin_unlock(l);
	irq_restore(f);
}

#endif
