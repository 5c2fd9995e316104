/*
 * waitq.h - wait queues and a sleeping mutex (sched/waitq.c), the blocking
 * primitives of drivers and file systems.
 *
 *   struct waitq wq;       waitq_init(&wq);
 *   waiter side:  r = waitq_wait(&wq, cond_fn, arg, deadline_ns);  0 / -ETIMEDOUT
 *   waker side:   make cond_fn(arg) true;  waitq_wake_all(&wq, 0);
 *                 (or waitq_wake_one(&wq))
 *
 * A waiter queues itself, re-checks cond_fn, and only then sleeps, all under
 * the queue's lock, so a wake-up between the check and the sleep is never
 * lost.
 * Wait entries may also be added by poll/epoll (struct waitq_entry with a
 * callback): waitq_wake_* calls the callback instead of waking a thread.
 */
#ifndef JINY_WAITQ_H
#define JINY_WAITQ_H

#include "kern/kern.h"
#include "kern/spinlock.h"

struct thread;
struct waitq_entry;
typedef void (*waitq_fn)(struct waitq_entry *e, unsigned key);

struct waitq_entry {
	struct thread *thread; /* woken when fn is NULL */
	waitq_fn fn;           /* else called (under the queue's lock: keep it short) */
	void *priv;
	struct waitq_entry *next, *prev;
	struct waitq *wq;      /* the queue it is on, NULL when off */
};

struct waitq {
	spinlock_t lock;
	struct waitq_entry head; /* circular list sentinel */
};

void waitq_init(struct waitq *wq);
void waitq_add(struct waitq *wq, struct waitq_entry *e);    /* takes the lock */
void waitq_remove(struct waitq_entry *e);                   /* no-op when off a queue */
/* Wake every entry / the first thread entry; 'key' is passed to callbacks (poll events). */
void waitq_wake_all(struct waitq *wq, unsigned key);
void waitq_wake_one(struct waitq *wq);

/*
 * Sleep until cond_fn(arg) is true or deadline_ns (monotonic, 0 = none)
 * passes: 0, or -ETIMEDOUT. cond_fn is called with the queue's lock held.
 */
int waitq_wait(struct waitq *wq, bool (*cond_fn)(void *arg), void *arg, uint64_t deadline_ns);
/*
 * The same, and also -ERESTARTSYS when the thread has a signal to take
 * (proc/signal.h signal_pending(), looked at before every sleep; never
 * for the HP app's threads): for waits that Linux lets a signal interrupt.
 * The caller returns -ERESTARTSYS, or whatever its Linux call returns then.
 */
int waitq_wait_intr(struct waitq *wq, bool (*cond_fn)(void *arg), void *arg, uint64_t deadline_ns);
/* The same, but only a fatal signal (SIGKILL, the process exiting or another
 * thread exec'ing: proc/signal.h signal_fatal_pending()) ends it early:
 * for waits Linux makes killable (a vfork parent's). */
int waitq_wait_killable(struct waitq *wq, bool (*cond_fn)(void *arg), void *arg,
			uint64_t deadline_ns);

/* A sleeping mutex: holders may block (allocate, copy large buffers, sleep). */
struct kmutex {
	volatile int locked;
	volatile int waiters;    /* threads in kmutex_lock's slow path */
	struct thread *owner;
	struct waitq wq;
};
void kmutex_init(struct kmutex *m);
void kmutex_lock(struct kmutex *m);
bool kmutex_trylock(struct kmutex *m);
void kmutex_unlock(struct kmutex *m);

#endif
