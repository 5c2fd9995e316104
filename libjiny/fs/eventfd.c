/*
 * eventfd.c - eventfd2(2): a 64-bit counter behind a file descriptor.
 * read takes the count (or 1 with EFD_SEMAPHORE) and blocks at zero; write
 * adds and blocks when the sum would reach 2^64-1. Readiness changes wake
 * the counter's wait queue, which also carries poll/epoll callbacks. A
 * signal to a compat process interrupts a blocked read or write.
 */
#include "fs/vfs.h"
#include "fs/anon.h"
#include "syscall/sys.h"
#include "mm/mm.h"
#include "proc/signal.h"

#define EVENTFD_MAX 0xfffffffffffffffeULL

struct eventfd {
	uint64_t count;    /* wq.lock */
	bool semaphore;
	struct waitq wq;   /* readers, writers and pollers */
};

static bool can_read(void *p) { return ((struct eventfd *)p)->count > 0; }

struct write_wait {
	struct eventfd *e;
	uint64_t val;
};
static bool can_write(void *p)
{
	struct write_wait *w = p;
	return w->val <= EVENTFD_MAX - w->e->count;
}

static ssize_t efd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	if (n < 8)
		return -EINVAL;
	for (;;) {
		uint64_t fl = spin_lock_irqsave(&e->wq.lock);
		if (e->count) {
			uint64_t v = e->semaphore ? 1 : e->count;
			e->count -= v;
			spin_unlock_irqrestore(&e->wq.lock, fl);
			memcpy(buf, &v, 8);
			waitq_wake_all(&e->wq, POLLOUT_K);
			return 8;
		}
		spin_unlock_irqrestore(&e->wq.lock, fl);
		if (f->flags & O_NONBLOCK_K)
			return -EAGAIN;
		if (waitq_wait_intr(&e->wq, can_read, e, 0) < 0)
			return -ERESTARTSYS;
	}
}

static ssize_t efd_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	if (n < 8)
		return -EINVAL;
	memcpy(&v, buf, 8);
	if (v == ~0ULL)
		return -EINVAL;
	for (;;) {
		uint64_t fl = spin_lock_irqsave(&e->wq.lock);
		if (v <= EVENTFD_MAX - e->count) {
			e->count += v;
			spin_unlock_irqrestore(&e->wq.lock, fl);
			if (v)
				waitq_wake_all(&e->wq, POLLIN_K);
			return 8;
		}
		spin_unlock_irqrestore(&e->wq.lock, fl);
		if (f->flags & O_NONBLOCK_K)
			return -EAGAIN;
		struct write_wait w = { e, v };
		if (waitq_wait_intr(&e->wq, can_write, &w, 0) < 0)
			return -ERESTARTSYS;
	}
}

static unsigned efd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	if (pt)
		pt->queue(pt, &e->wq);
	uint64_t c = READ_ONCE(e->count);
	return (c ? POLLIN_K | POLLRDNORM_K : 0) | (c < EVENTFD_MAX ? POLLOUT_K | POLLWRNORM_K : 0);
}

static void efd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.release = efd_release,
};

long sys_eventfd2(unsigned initval, int flags)
{
	if (flags & ~(EFD_SEMAPHORE_K | EFD_CLOEXEC_K | EFD_NONBLOCK_K))
		return -EINVAL;
	struct eventfd *e = kzalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE_K;
	waitq_init(&e->wq);
	return anon_fd("[eventfd]", &eventfd_ops, e, O_RDWR_K | (flags & O_NONBLOCK_K),
		       flags & O_CLOEXEC_K);
}

long sys_eventfd(unsigned initval)
{
	return sys_eventfd2(initval, 0);
}
