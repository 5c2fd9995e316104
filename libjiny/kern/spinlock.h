/*
 * spinlock.h - the kernel's lock: a ticket spinlock taken with interrupts
 * disabled on this CPU (spin_lock_irqsave). While it waits, a CPU keeps
 * answering TLB shoot-down requests (smp_poll()), so a CPU that holds a lock
 * and waits for every other CPU to flush its TLB can never deadlock against
 * one spinning on that lock with interrupts off.
 * Rule: hold spinlocks briefly, never across a context switch except the
 * run-queue lock handed over inside sched.c.
 */
#ifndef JINY_SPINLOCK_H
#define JINY_SPINLOCK_H

#include "kern.h"

typedef struct {
	volatile uint16_t next, owner;
} spinlock_t;

#define SPINLOCK_INIT {0, 0}

void smp_poll(void); /* arch/x86_64/smp.c: serve pending cross-CPU requests */

/* Without serving requests while waiting: only for smp.c's own mailboxes
 * (serving one from inside another would take a second ticket on a lock). */
static inline void spin_lock_raw(spinlock_t *l)
{
	uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		__asm__ __volatile__("pause");
}

static inline void spin_lock(spinlock_t *l)
{
	uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) {
		__asm__ __volatile__("pause");
		smp_poll();
	}
}

static inline bool spin_trylock(spinlock_t *l)
{
	uint16_t o = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint16_t n = o;
	return __atomic_compare_exchange_n(&l->next, &n, (uint16_t)(o + 1), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t f;
	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(f)::"memory");
	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t f)
{
	spin_unlock(l);
	if (f & (1UL << 9))
		__asm__ __volatile__("sti" ::: "memory");
}

#endif
