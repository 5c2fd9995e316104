/*
 * spinlock.h - the kernel's lock: a test-and-set spinlock taken with
 * interrupts disabled on this CPU (spin_lock_irqsave). Not a ticket lock:
 * in a VM, whose vCPUs the host deschedules, a ticket lock hands a freed
 * lock to one given waiter, and every other vCPU waits until the host runs
 * that one; with the host busy (4 vCPUs on 2 loaded cores) a futex bucket
 * lock went round ~50 times a second and tst-pthread took minutes instead
 * of a second. Whichever waiting vCPU runs takes a free test-and-set lock
 * (Linux's virt_spin_lock() does the same in a guest without PV spinlocks).
 * While it waits, a CPU keeps answering TLB shoot-down requests
 * (smp_poll()), so a CPU that holds a lock and waits for every other CPU to
 * flush its TLB can never deadlock against one spinning on that lock with
 * interrupts off.
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
	volatile uint32_t locked; /* 1 while held */
	int32_t cpu;      /* the holder's CPU id + 1; 0 when free */
	uintptr_t pc, fp; /* where the holder took it: code address and frame */
} spinlock_t;

#define SPINLOCK_INIT {0, 0, 0, 0}

/* What l->cpu holds for this CPU. */
static inline int32_t spin_cpu_tag(void) { return this_cpu_id() + 1; }

/* Out of line (spinlock.c): wait for l and take it; panics on a self-deadlock. */
void spin_lock_wait(spinlock_t *l);
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

/* One try: true if l was free and is now ours. */
static inline bool spin_take(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

/* Without serving requests while waiting: only for smp.c's own mailboxes
 * (serving one from inside another would take a second lock). */
static inline void spin_lock_raw(spinlock_t *l)
{
	while (!spin_take(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
}

static inline __attribute__((always_inline)) void spin_lock(spinlock_t *l)
{
	if (!spin_take(l))
		spin_lock_wait(l);
	spin_mark(l);
}

static inline bool spin_trylock(spinlock_t *l)
{
	if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) || !spin_take(l))
		return false;
	spin_mark(l);
	return true;
}

static inline void spin_unlock(spinlock_t *l)
{
	l->cpu = 0;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED);
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
