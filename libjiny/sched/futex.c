/*
 * futex.c - fast user-space mutex waits (Linux futex(2) semantics) for the
 * HP app's threads and those of compat processes: a futex is known by its
 * address space and virtual address (t->mm, NULL for all the HP app's
 * threads, and uaddr). Waiters sit in one of 256 hashed buckets, each with
 * its spinlock; a waiter checks the value and queues itself under that
 * lock, so a wake-up between the check and the sleep cannot be lost.
 *
 * A signal to a compat process interrupts a wait as on Linux: restarted
 * after a signal that ran no handler (or one with SA_RESTART, when there is
 * no timeout), else EINTR. The HP app's waits are unchanged: a stray
 * wake-up returns EINTR, which callers treat as a spurious wake-up.
 */
#include "sched/sched.h"
#include "kern/errno.h"
#include "kern/spinlock.h"
#include "arch/arch.h"
#include "syscall/sys.h"
#include "proc/signal.h"

#define NR_BUCKETS 256

struct futex_waiter {
	uint32_t *uaddr;
	uint32_t bitset;
	struct thread *t;
	volatile bool woken;
	struct futex_waiter *next, **pprev;
};

struct bucket {
	spinlock_t lock;
	struct futex_waiter *head;
} __aligned(64);

static struct bucket buckets[NR_BUCKETS];

static struct bucket *bucket_of(const uint32_t *uaddr)
{
	uint64_t k = (uint64_t)uaddr >> 2;
	k ^= k >> 17;
	k *= 0x9e3779b97f4a7c15ULL;
	return &buckets[k >> 56];
}

static void waiter_add(struct bucket *b, struct futex_waiter *w)
{
	w->next = b->head;
	w->pprev = &b->head;
	if (b->head)
		b->head->pprev = &w->next;
	b->head = w;
}

static void waiter_del(struct futex_waiter *w)
{
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	w->next = NULL;
	w->pprev = NULL;
}

static long futex_wait_restart(struct restart_block *rb)
{
	if (!uaccess_ok((void *)rb->arg[0], sizeof(uint32_t), false))
		return -EFAULT;
	return futex_wait((uint32_t *)rb->arg[0], (uint32_t)rb->arg[1], rb->arg[2],
			  (uint32_t)rb->arg[3]);
}

/* A compat thread's wait ended by a signal: how Linux's futex_wait() reports it. */
static long futex_interrupted(uint32_t *uaddr, uint32_t val, uint64_t deadline_ns,
			      uint32_t bitset)
{
	if (!deadline_ns)
		return -ERESTARTSYS;
	struct restart_block *rb = signal_restart_block();
	if (!rb)
		return -EINTR;
	rb->fn = futex_wait_restart;
	rb->arg[0] = (uint64_t)uaddr, rb->arg[1] = val, rb->arg[2] = deadline_ns;
	rb->arg[3] = bitset;
	return -ERESTART_RESTARTBLOCK;
}

long futex_wait(uint32_t *uaddr, uint32_t val, uint64_t deadline_ns, uint32_t bitset)
{
	struct bucket *b = bucket_of(uaddr);
	struct thread *me = sched_current();
	struct futex_waiter w;
again:
	w = (struct futex_waiter){ uaddr, bitset, me, false, NULL, NULL };
	uint64_t f = spin_lock_irqsave(&b->lock);
	if (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val) {
		spin_unlock_irqrestore(&b->lock, f);
		return -EAGAIN;
	}
	waiter_add(b, &w);
	/* Blocked before the look at signals: a sender queues, then wakes. */
	__atomic_store_n(&me->state, THREAD_BLOCKED, __ATOMIC_SEQ_CST);
	bool sig = signal_pending(); /* interrupts are off: nothing runs before sched_block */
	if (sig)
		me->state = THREAD_RUNNING;
	spin_unlock(&b->lock);
	if (!sig)
		sched_block(deadline_ns);
	irq_restore(f);

	/*
	 * Always through the lock: a waker holds it from marking us woken until
	 * its sched_wake() is done, so no wake-up meant for this wait can land
	 * on a later one. Timed out: leave the queue unless a waker got there
	 * first. A requeue may have moved us to another bucket meanwhile: take
	 * the lock of the bucket we are in now.
	 */
	for (;;) {
		struct bucket *cur = bucket_of(READ_ONCE(w.uaddr));
		f = spin_lock_irqsave(&cur->lock);
		if (bucket_of(w.uaddr) != cur) {
			spin_unlock_irqrestore(&cur->lock, f);
			continue;
		}
		bool woken = w.woken;
		if (!woken && w.pprev)
			waiter_del(&w);
		spin_unlock_irqrestore(&cur->lock, f);
		if (woken)
			return 0;
		if (deadline_ns && clock_ns() >= deadline_ns)
			return -ETIMEDOUT;
		if (signal_pending())
			return futex_interrupted(uaddr, val, deadline_ns, bitset);
		if (current_is_user())
			goto again; /* a stray wake-up (a signal another thread took): wait on */
		return -EINTR;
	}
}

/* Wake up to n waiters of uaddr whose bitset meets 'bitset'; b->lock held. */
/* Futexes are per address space: (mm, address). */
static int wake_locked(struct bucket *b, uint32_t *uaddr, int n, uint32_t bitset, struct mm *mm)
{
	int woken = 0;
	for (struct futex_waiter *w = b->head, *next; w && woken < n; w = next) {
		next = w->next;
		if (w->uaddr != uaddr || w->t->mm != mm || !(w->bitset & bitset))
			continue;
		waiter_del(w);
		struct thread *t = w->t;
		w->woken = true; /* w lives on the waiter's stack: not touched after this */
		sched_wake(t);
		woken++;
	}
	return woken;
}

long futex_wake(uint32_t *uaddr, int n, uint32_t bitset)
{
	return futex_wake_mm(uaddr, n, bitset, sched_current()->mm);
}

long futex_wake_mm(uint32_t *uaddr, int n, uint32_t bitset, struct mm *mm)
{
	if (n <= 0)
		return 0;
	struct bucket *b = bucket_of(uaddr);
	uint64_t f = spin_lock_irqsave(&b->lock);
	int woken = wake_locked(b, uaddr, n, bitset, mm);
	spin_unlock_irqrestore(&b->lock, f);
	return woken;
}

long futex_requeue(uint32_t *uaddr, int nwake, int nrequeue, uint32_t *uaddr2, bool cmp,
		   uint32_t val3)
{
	if (nwake < 0 || nrequeue < 0)
		return -EINVAL;
	struct bucket *b1 = bucket_of(uaddr), *b2 = bucket_of(uaddr2);
	/* Both locks, in address order. */
	struct bucket *first = b1 < b2 ? b1 : b2, *second = b1 < b2 ? b2 : b1;
	uint64_t f = spin_lock_irqsave(&first->lock);
	if (second != first)
		spin_lock(&second->lock);
	long ret;
	if (cmp && __atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val3) {
		ret = -EAGAIN;
		goto out;
	}
	ret = wake_locked(b1, uaddr, nwake, ~0u, sched_current()->mm);
	int moved = 0;
	for (struct futex_waiter *w = b1->head, *next; w && moved < nrequeue; w = next) {
		next = w->next;
		if (w->uaddr != uaddr || w->t->mm != sched_current()->mm)
			continue;
		waiter_del(w);
		w->uaddr = uaddr2;
		waiter_add(b2, w);
		moved++;
	}
	ret += moved;
out:
	if (second != first)
		spin_unlock(&second->lock);
	spin_unlock_irqrestore(&first->lock, f);
	return ret;
}
