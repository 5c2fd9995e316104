/*
 * epoll.c - epoll_create1, epoll_ctl, epoll_wait, epoll_pwait.
 *
 * An epoll file keeps its interest list (one epitem per registered file)
 * and a ready list. Registering asks the file's poll() with a poll_table
 * whose entries call ep_callback() when the file's readiness changes: the
 * item joins the ready list and epoll_wait() sleepers are woken.
 * epoll_wait takes the ready list, asks each file again without holding the
 * epoll lock (a file's poll may take its own locks, and its callbacks take
 * ours: never both in the other order), reports the items whose events
 * match, and puts level-triggered ones back so they are asked again next
 * time; edge-triggered ones wait for the next callback; one-shot ones are
 * disabled until EPOLL_CTL_MOD. A signal to a compat process ends a wait
 * with EINTR (never restarted, as on Linux); epoll_pwait waits under its mask.
 *
 * As on Linux, an item does not keep its file open: when the file's last
 * reference goes (every fd closed), file_put() calls epoll_file_release()
 * and the file leaves every set it is in. One mutex (epoll_mutex) guards all
 * interest lists and each file's list of items.
 *
 * Epoll files may watch epoll files, but, as on Linux, never in a loop and
 * at most EP_MAX_CHAIN deep (ELOOP): a wake-up goes up the chain with each
 * queue's lock held, so a loop would deadlock and a long chain overflow
 * the kernel stack.
 */
#include "fs/vfs.h"
#include "sched/sched.h"
#include "fs/anon.h"
#include "syscall/sys.h"
#include "mm/mm.h"
#include "arch/arch.h"
#include "proc/signal.h"

#define EP_MAX_WQ 4
#define EP_MAX_CHAIN 5 /* epoll instances in one chain of watching (Linux: "depth greater than 5") */

struct eventpoll;

struct epitem {
	struct eventpoll *ep;
	int fd;
	struct file *file;
	uint32_t events;          /* what the caller asked for (EPOLLET etc. included) */
	uint64_t data;
	bool on_ready;            /* in the ready list */
	bool disabled;            /* EPOLLONESHOT fired */
	struct waitq_entry wents[EP_MAX_WQ];
	int nwents;
	struct epitem *next;      /* interest list */
	struct epitem *rnext;     /* ready list (ep->lock) */
	struct epitem *hnext;     /* ep_harvest's own lists (epoll_mutex): a
				   * callback may put the item on the ready list
				   * again (rnext) while a harvest walks it */
	struct epitem *fnext;     /* the file's list of items (file->ep_items) */
};

static struct kmutex epoll_mutex; /* all interest lists, files' item lists */
static bool epoll_mutex_ready;

static void epoll_lock(void)
{
	/* First use happens from a syscall, long after boot: set it up then. */
	if (!__atomic_load_n(&epoll_mutex_ready, __ATOMIC_ACQUIRE)) {
		static spinlock_t once = SPINLOCK_INIT;
		uint64_t f = spin_lock_irqsave(&once);
		if (!epoll_mutex_ready) {
			kmutex_init(&epoll_mutex);
			__atomic_store_n(&epoll_mutex_ready, true, __ATOMIC_RELEASE);
		}
		spin_unlock_irqrestore(&once, f);
	}
	kmutex_lock(&epoll_mutex);
}

static void epoll_unlock(void) { kmutex_unlock(&epoll_mutex); }

struct eventpoll {
	spinlock_t lock;          /* the ready list and on_ready flags */
	struct file *file;        /* its own file (epoll_mutex; set by the first epoll_ctl) */
	struct epitem *items;
	struct epitem *ready;
	struct waitq wq;          /* epoll_wait sleepers and pollers of the epoll fd */
};

static void ready_add_locked(struct eventpoll *ep, struct epitem *it)
{
	if (it->on_ready || it->disabled)
		return;
	it->on_ready = true;
	it->rnext = ep->ready;
	ep->ready = it;
}

/* A registered file's readiness changed (called under its waitq's lock). */
static void ep_callback(struct waitq_entry *e, unsigned key)
{
	struct epitem *it = e->priv;
	struct eventpoll *ep = it->ep;
	if (key && !(key & (it->events | POLLERR_K | POLLHUP_K)))
		return; /* not an event this item asked for */
	spin_lock(&ep->lock);
	ready_add_locked(ep, it);
	spin_unlock(&ep->lock);
	waitq_wake_all(&ep->wq, POLLIN_K);
}

static void ep_queue(struct poll_table *pt, struct waitq *wq)
{
	struct epitem *it = pt->priv;
	if (it->nwents == EP_MAX_WQ)
		return;
	struct waitq_entry *e = &it->wents[it->nwents++];
	e->fn = ep_callback;
	e->priv = it;
	waitq_add(wq, e);
}

static unsigned item_poll(struct epitem *it, bool register_it)
{
	struct poll_table pt = { ep_queue, it };
	unsigned r = it->file->ops->poll(it->file, register_it ? &pt : NULL);
	return r & (it->events | POLLERR_K | POLLHUP_K);
}

static void ready_del_locked(struct eventpoll *ep, struct epitem *it);

/*
 * Take an item out of its wait queues, its epoll's ready list and its
 * file's list, and free it (epoll_mutex held). In that order: a readiness
 * callback runs under its wait queue's lock, so once the item is off every
 * wait queue none is running or can start, and none can put the item back
 * on the ready list after it was taken off (it did: a freed item on the
 * ready list, and a page fault in ep_harvest with httpd on two CPUs).
 */
static void item_free(struct epitem *it)
{
	for (int i = 0; i < it->nwents; i++)
		waitq_remove(&it->wents[i]);
	uint64_t fl = spin_lock_irqsave(&it->ep->lock);
	ready_del_locked(it->ep, it);
	spin_unlock_irqrestore(&it->ep->lock, fl);
	for (struct epitem **pp = &it->file->ep_items; *pp; pp = &(*pp)->fnext)
		if (*pp == it) {
			*pp = it->fnext;
			break;
		}
	kfree(it);
}

/* Unlink from the ready list (ep->lock held). */
static void ready_del_locked(struct eventpoll *ep, struct epitem *it)
{
	if (!it->on_ready)
		return;
	for (struct epitem **pp = &ep->ready; *pp; pp = &(*pp)->rnext)
		if (*pp == it) {
			*pp = it->rnext;
			break;
		}
	it->on_ready = false;
}

static unsigned ep_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->priv;
	if (pt)
		pt->queue(pt, &ep->wq);
	return READ_ONCE(ep->ready) ? POLLIN_K | POLLRDNORM_K : 0;
}

static void ep_release(struct file *f)
{
	struct eventpoll *ep = f->priv;
	if (!ep)
		return;
	epoll_lock();
	for (struct epitem *it = ep->items, *n; it; it = n) {
		n = it->next;
		item_free(it);
	}
	epoll_unlock();
	kfree(ep);
}

void epoll_file_release(struct file *f)
{
	epoll_lock();
	while (f->ep_items) {
		struct epitem *it = f->ep_items;
		struct eventpoll *ep = it->ep;
		for (struct epitem **pp = &ep->items; *pp; pp = &(*pp)->next)
			if (*pp == it) {
				*pp = it->next;
				break;
			}
		item_free(it);
	}
	epoll_unlock();
}

static struct eventpoll *ep_of(struct file *f);

/*
 * The walks below visit every path (no marks), so each costs one unit of a
 * budget: a web of epoll files too big to look through within
 * EP_WALK_BUDGET steps is refused like a loop, and epoll_ctl never spends
 * long under epoll_mutex.
 */
#define EP_WALK_BUDGET 10000

/* Epoll instances in the longest chain below ep (ep included); too deep or too big: > EP_MAX_CHAIN. */
static int ep_depth_below(struct eventpoll *ep, int depth, int *budget)
{
	if (depth > EP_MAX_CHAIN || --*budget < 0)
		return EP_MAX_CHAIN + 1;
	int most = 1;
	for (struct epitem *it = ep->items; it; it = it->next) {
		struct eventpoll *sub = ep_of(it->file);
		if (sub) {
			int d = 1 + ep_depth_below(sub, depth + 1, budget);
			most = d > most ? d : most;
		}
	}
	return most;
}

/* Epoll instances in the longest chain above epoll file f (f's own included). */
static int ep_depth_above(struct file *f, int depth, int *budget)
{
	if (depth > EP_MAX_CHAIN || --*budget < 0)
		return EP_MAX_CHAIN + 1;
	int most = 1;
	for (struct epitem *it = f->ep_items; it; it = it->fnext) {
		if (it->ep->file) {
			int d = 1 + ep_depth_above(it->ep->file, depth + 1, budget);
			most = d > most ? d : most;
		}
	}
	return most;
}

/* Is to reachable from from through watched epoll files (or is the web too
 * big to tell)? The sets have no loop and no chain longer than EP_MAX_CHAIN. */
static bool ep_reaches(struct eventpoll *from, struct eventpoll *to, int depth, int *budget)
{
	if (from == to || --*budget < 0)
		return true;
	if (depth > EP_MAX_CHAIN)
		return false;
	for (struct epitem *it = from->items; it; it = it->next) {
		struct eventpoll *sub = ep_of(it->file);
		if (sub && ep_reaches(sub, to, depth + 1, budget))
			return true;
	}
	return false;
}

/* Would ep watching f make a loop, or a chain longer than Linux allows? (epoll_mutex) */
static bool ep_would_loop(struct eventpoll *ep, struct file *f)
{
	struct eventpoll *sub = ep_of(f);
	if (!sub)
		return false;
	int budget = EP_WALK_BUDGET;
	return ep_reaches(sub, ep, 1, &budget) ||
	       ep_depth_above(ep->file, 1, &budget) + ep_depth_below(sub, 1, &budget) > EP_MAX_CHAIN;
}

static const struct file_ops epoll_ops = {
	.poll = ep_poll,
	.release = ep_release,
};

long sys_epoll_create1(int flags)
{
	if (flags & ~EPOLL_CLOEXEC_K)
		return -EINVAL;
	struct eventpoll *ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->lock = (spinlock_t)SPINLOCK_INIT;
	waitq_init(&ep->wq);
	int fd = anon_fd("[eventpoll]", &epoll_ops, ep, O_RDWR_K, flags & EPOLL_CLOEXEC_K);
	if (fd < 0)
		kfree(ep);
	return fd;
}

long sys_epoll_create(int size)
{
	return size <= 0 ? -EINVAL : sys_epoll_create1(0);
}

static struct eventpoll *ep_of(struct file *f)
{
	return f && f->ops == &epoll_ops ? f->priv : NULL;
}

long sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event_k *event)
{
	struct epoll_event_k ev = { 0, 0 };
	if (op != EPOLL_CTL_DEL_K) {
		if (!uaccess_ok(event, sizeof(*event), false))
			return -EFAULT;
		ev = *event;
	}
	struct file *ef = fd_get(epfd);
	if (!ef)
		return -EBADF;
	struct file *f = fd_get(fd);
	long ret = 0;
	struct eventpoll *ep = ep_of(ef);
	if (!f) {
		ret = -EBADF;
		goto out;
	}
	if (!ep || f == ef) {
		ret = -EINVAL;
		goto out;
	}
	if (!f->ops->poll) {
		ret = -EPERM; /* regular files and directories, as Linux */
		goto out;
	}
	epoll_lock();
	ep->file = ef;
	struct epitem **pp = &ep->items, *it;
	for (; (it = *pp); pp = &it->next)
		if (it->fd == fd && it->file == f)
			break;
	switch (op) {
	case EPOLL_CTL_ADD_K:
		if (it) {
			ret = -EEXIST;
			break;
		}
		if (ep_would_loop(ep, f)) {
			ret = -ELOOP;
			break;
		}
		it = kzalloc(sizeof(*it));
		if (!it) {
			ret = -ENOMEM;
			break;
		}
		it->ep = ep;
		it->fd = fd;
		it->file = f; /* no reference: the file's release removes the item */
		it->fnext = f->ep_items;
		f->ep_items = it;
		it->events = ev.events | POLLERR_K | POLLHUP_K;
		it->data = ev.data;
		it->next = ep->items;
		ep->items = it;
		if (item_poll(it, true)) {
			uint64_t fl = spin_lock_irqsave(&ep->lock);
			ready_add_locked(ep, it);
			spin_unlock_irqrestore(&ep->lock, fl);
			waitq_wake_all(&ep->wq, POLLIN_K);
		}
		break;
	case EPOLL_CTL_MOD_K:
		if (!it) {
			ret = -ENOENT;
			break;
		}
		it->events = ev.events | POLLERR_K | POLLHUP_K;
		it->data = ev.data;
		it->disabled = false;
		if (item_poll(it, false)) {
			uint64_t fl = spin_lock_irqsave(&ep->lock);
			ready_add_locked(ep, it);
			spin_unlock_irqrestore(&ep->lock, fl);
			waitq_wake_all(&ep->wq, POLLIN_K);
		}
		break;
	case EPOLL_CTL_DEL_K:
		if (!it) {
			ret = -ENOENT;
			break;
		}
		*pp = it->next;
		item_free(it);
		break;
	default:
		ret = -EINVAL;
	}
	epoll_unlock();
out:
	if (f)
		file_put(f);
	file_put(ef);
	return ret;
}

static bool ep_has_ready(void *p)
{
	return READ_ONCE(((struct eventpoll *)p)->ready) != NULL;
}

/* Report up to max ready items into out; returns how many. */
static int ep_harvest(struct eventpoll *ep, struct epoll_event_k *out, int max)
{
	int n = 0;
	epoll_lock(); /* items stay alive while we look at them */
	uint64_t fl = spin_lock_irqsave(&ep->lock);
	/*
	 * Take the ready list over into hnext links: once on_ready is false, a
	 * readiness callback (from another CPU, or from inside item_poll: a
	 * socket's poll may run the network stack) may put an item back on
	 * ep->ready through rnext while we walk. Walking rnext here reported
	 * items twice and skipped others (lost edge-triggered events).
	 */
	struct epitem *list = ep->ready;
	ep->ready = NULL;
	for (struct epitem *it = list; it; it = it->rnext) {
		it->on_ready = false;
		it->hnext = it->rnext;
	}
	spin_unlock_irqrestore(&ep->lock, fl);

	struct epitem *keep = NULL; /* level-triggered items that fired again */
	for (struct epitem *it = list, *next; it; it = next) {
		next = it->hnext;
		if (n == max || it->disabled) {
			if (n == max && !it->disabled) { /* not looked at: stays ready */
				it->hnext = keep;
				keep = it;
			}
			continue;
		}
		unsigned r = item_poll(it, false);
		if (!r)
			continue;
		out[n].events = r;
		out[n].data = it->data;
		n++;
		if (it->events & EPOLLONESHOT_K)
			it->disabled = true;
		else if (!(it->events & EPOLLET_K)) {
			it->hnext = keep;
			keep = it;
		}
	}
	fl = spin_lock_irqsave(&ep->lock);
	for (struct epitem *it = keep, *next; it; it = next) {
		next = it->hnext;
		ready_add_locked(ep, it); /* no-op if a callback did it meanwhile */
	}
	spin_unlock_irqrestore(&ep->lock, fl);
	epoll_unlock();
	return n;
}

long sys_epoll_pwait(int epfd, struct epoll_event_k *events, int maxevents, int timeout,
		     const void *sigmask, size_t sigsetsize)
{
	if (maxevents <= 0 || maxevents > (1 << 20))
		return -EINVAL;
	sched_flush_deferred();
	if (!uaccess_ok(events, sizeof(*events) * (size_t)maxevents, true))
		return -EFAULT;
	struct file *ef = fd_get(epfd);
	if (!ef)
		return -EBADF;
	struct eventpoll *ep = ep_of(ef);
	long ret;
	if (!ep) {
		ret = -EINVAL;
		goto out;
	}
	if ((ret = signal_mask_begin(sigmask, sigsetsize)) < 0)
		goto out;
	uint64_t deadline = timeout > 0 ? clock_ns() + (uint64_t)timeout * 1000000 : 0;
	for (;;) {
		ret = ep_harvest(ep, events, maxevents);
		if (ret || timeout == 0)
			break;
		int w = waitq_wait_intr(&ep->wq, ep_has_ready, ep, deadline);
		if (w == -ETIMEDOUT) {
			ret = ep_harvest(ep, events, maxevents);
			break;
		}
		if (w < 0) { /* a signal (compat processes): EINTR, never restarted (Linux) */
			ret = -EINTR;
			break;
		}
	}
	signal_mask_end(ret == -EINTR);
out:
	file_put(ef);
	return ret;
}

long sys_epoll_wait(int epfd, struct epoll_event_k *events, int maxevents, int timeout)
{
	return sys_epoll_pwait(epfd, events, maxevents, timeout, NULL, 0);
}
