/*
 * waitq.c - wait queues and the sleeping mutex (contract: waitq.h), built on
 * the scheduler's block/wake (sched.c).
 */
#include "sched/waitq.h"
#include "sched/sched.h"
#include "kern/errno.h"
#include "arch/arch.h"
#include "proc/signal.h"

void waitq_init(struct waitq *wq)
{
	wq->lock = (spinlock_t)SPINLOCK_INIT;
	wq->head.next = wq->head.prev = &wq->head;
	wq->head.wq = wq;
}

static void add_locked(struct waitq *wq, struct waitq_entry *e)
{
	e->next = &wq->head;
	e->prev = wq->head.prev;
	wq->head.prev->next = e;
	wq->head.prev = e;
	e->wq = wq;
}

static void del_locked(struct waitq_entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
	e->wq = NULL;
}

void waitq_add(struct waitq *wq, struct waitq_entry *e)
{
	uint64_t f = spin_lock_irqsave(&wq->lock);
	add_locked(wq, e);
	spin_unlock_irqrestore(&wq->lock, f);
}

void waitq_remove(struct waitq_entry *e)
{
	struct waitq *wq = READ_ONCE(e->wq);
	if (!wq)
		return;
	uint64_t f = spin_lock_irqsave(&wq->lock);
	if (e->wq == wq)
		del_locked(e);
	spin_unlock_irqrestore(&wq->lock, f);
}

static void wake_locked(struct waitq *wq, unsigned key, bool one)
{
	for (struct waitq_entry *e = wq->head.next, *n; e != &wq->head; e = n) {
		n = e->next;
		if (e->fn) {
			e->fn(e, key);
			continue;
		}
		if (sched_wake(e->thread) && one)
			break;
	}
}

void waitq_wake_all(struct waitq *wq, unsigned key)
{
	uint64_t f = spin_lock_irqsave(&wq->lock);
	wake_locked(wq, key, false);
	spin_unlock_irqrestore(&wq->lock, f);
}

void waitq_wake_one(struct waitq *wq)
{
	uint64_t f = spin_lock_irqsave(&wq->lock);
	wake_locked(wq, 0, true);
	spin_unlock_irqrestore(&wq->lock, f);
}

static int wait_common(struct waitq *wq, bool (*cond_fn)(void *arg), void *arg,
		       uint64_t deadline_ns, bool (*stop_fn)(void))
{
	struct thread *me = sched_current();
	struct waitq_entry e = { .thread = me };
	int ret = 0;
	for (;;) {
		uint64_t f = spin_lock_irqsave(&wq->lock);
		if (cond_fn(arg)) {
			spin_unlock_irqrestore(&wq->lock, f);
			break;
		}
		if (deadline_ns && clock_ns() >= deadline_ns) {
			spin_unlock_irqrestore(&wq->lock, f);
			ret = -ETIMEDOUT;
			break;
		}
		add_locked(wq, &e);
		if (stop_fn) {
			/* Blocked before the look: a sender queues, then wakes (signal.c). */
			__atomic_store_n(&me->state, THREAD_BLOCKED, __ATOMIC_SEQ_CST);
			if (stop_fn()) {
				me->state = THREAD_RUNNING;
				del_locked(&e);
				spin_unlock_irqrestore(&wq->lock, f);
				ret = -ERESTARTSYS;
				break;
			}
		} else {
			me->state = THREAD_BLOCKED; /* interrupts off until sched_block */
		}
		spin_unlock(&wq->lock);
		sched_block(deadline_ns);
		irq_restore(f);
		waitq_remove(&e);
	}
	return ret;
}

int waitq_wait(struct waitq *wq, bool (*cond_fn)(void *arg), void *arg, uint64_t deadline_ns)
{
	return wait_common(wq, cond_fn, arg, deadline_ns, NULL);
}

int waitq_wait_intr(struct waitq *wq, bool (*cond_fn)(void *arg), void *arg, uint64_t deadline_ns)
{
	return wait_common(wq, cond_fn, arg, deadline_ns, signal_pending);
}

int waitq_wait_killable(struct waitq *wq, bool (*cond_fn)(void *arg), void *arg,
			uint64_t deadline_ns)
{
	return wait_common(wq, cond_fn, arg, deadline_ns, signal_fatal_pending);
}

void kmutex_init(struct kmutex *m)
{
	m->locked = 0;
	m->waiters = 0;
	m->owner = NULL;
	waitq_init(&m->wq);
}

bool kmutex_trylock(struct kmutex *m)
{
	if (__atomic_exchange_n(&m->locked, 1, __ATOMIC_ACQUIRE))
		return false;
	m->owner = sched_current();
	return true;
}

static bool kmutex_free(void *p)
{
	struct kmutex *m = p;
	return !__atomic_exchange_n(&m->locked, 1, __ATOMIC_ACQUIRE);
}

void kmutex_lock(struct kmutex *m)
{
	if (m->owner == sched_current() && m->locked)
		panic("kmutex %p: recursive lock", (void *)m);
	if (!kmutex_trylock(m)) {
		__atomic_add_fetch(&m->waiters, 1, __ATOMIC_SEQ_CST);
		waitq_wait(&m->wq, kmutex_free, m, 0); /* returns holding it */
		__atomic_sub_fetch(&m->waiters, 1, __ATOMIC_SEQ_CST);
		m->owner = sched_current();
	}
}

void kmutex_unlock(struct kmutex *m)
{
	m->owner = NULL;
	__atomic_store_n(&m->locked, 0, __ATOMIC_SEQ_CST);
	/* A waiter counts itself before it looks at 'locked': none counted, none to wake. */
	if (__atomic_load_n(&m->waiters, __ATOMIC_SEQ_CST))
		waitq_wake_one(&m->wq);
}
