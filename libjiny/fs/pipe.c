/*
 * pipe.c - pipes and FIFOs: a 64 KiB ring buffer between a read end and a
 * write end. Readers block (waitq rd_wq) while it is empty and writers
 * remain; writers block (wr_wq) while it is full and readers remain. A read
 * with no writers left returns 0 (EOF); a write with no readers left fails
 * with EPIPE and, from a compat process, raises SIGPIPE on the writing
 * thread (the HP app gets EPIPE alone). A signal to a compat process
 * interrupts those waits (-ERESTARTSYS, or the bytes already written), as
 * on Linux. Writes of at most PIPE_BUF bytes are atomic: they wait for room
 * for the whole write. Every change also wakes vnode->poll_wq with the new
 * events, for poll/select/epoll (file_ops.poll queues callers there).
 *
 * Anonymous pipes (pipe2) get a vnode of their own (vfs_anon_vnode); a FIFO
 * made with mknod opens through fifo_fops, which attaches a pipe to the
 * vnode (vn->fifo) while it has openers. Locks: pipe->lock (a kmutex)
 * guards the ring and the counters; the waitqs are woken after changes.
 */
#include "fs/vfs.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "proc/signal.h"

#define PIPE_SIZE 65536

struct pipe {
	struct kmutex lock;
	char *buf;
	size_t head, len;        /* read position, bytes held */
	int readers, writers;    /* open ends */
	struct waitq rd_wq, wr_wq;
	struct vnode *vn;
};

static struct pipe *pipe_new(struct vnode *vn)
{
	struct pipe *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->buf = kmalloc(PIPE_SIZE);
	if (!p->buf) {
		kfree(p);
		return NULL;
	}
	kmutex_init(&p->lock);
	waitq_init(&p->rd_wq);
	waitq_init(&p->wr_wq);
	p->vn = vn;
	return p;
}

static void pipe_free(struct pipe *p)
{
	kfree(p->buf);
	kfree(p);
}

static struct pipe *file_pipe(struct file *f)
{
	return f->priv;
}

static void pipe_wake(struct pipe *p, bool readers, bool writers, unsigned events)
{
	if (readers)
		waitq_wake_all(&p->rd_wq, 0);
	if (writers)
		waitq_wake_all(&p->wr_wq, 0);
	waitq_wake_all(&p->vn->poll_wq, events);
}

static bool can_read(void *arg)
{
	struct pipe *p = arg;
	return READ_ONCE(p->len) > 0 || READ_ONCE(p->writers) == 0;
}

struct write_wait {
	struct pipe *p;
	size_t need;
};

static bool can_write(void *arg)
{
	struct write_wait *w = arg;
	return PIPE_SIZE - READ_ONCE(w->p->len) >= w->need || READ_ONCE(w->p->readers) == 0;
}

static ssize_t pipe_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	struct pipe *p = file_pipe(f);
	if (!n)
		return 0;
	kmutex_lock(&p->lock);
	while (!p->len) {
		if (!p->writers) {
			kmutex_unlock(&p->lock);
			return 0;
		}
		if (f->flags & O_NONBLOCK_K) {
			kmutex_unlock(&p->lock);
			return -EAGAIN;
		}
		kmutex_unlock(&p->lock);
		if (waitq_wait_intr(&p->rd_wq, can_read, p, 0) < 0)
			return -ERESTARTSYS;
		kmutex_lock(&p->lock);
	}
	size_t k = MIN(n, p->len), first = MIN(k, PIPE_SIZE - p->head);
	memcpy(buf, p->buf + p->head, first);
	memcpy((char *)buf + first, p->buf, k - first);
	p->head = (p->head + k) % PIPE_SIZE;
	p->len -= k;
	if (!p->len)
		p->head = 0;
	kmutex_unlock(&p->lock);
	vfs_touch(p->vn, true, false);
	pipe_wake(p, false, true, POLLOUT_K | POLLWRNORM_K);
	return (ssize_t)k;
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	struct pipe *p = file_pipe(f);
	size_t done = 0;
	ssize_t err = 0;
	if (!n)
		return 0;
	kmutex_lock(&p->lock);
	while (done < n) {
		if (!p->readers) {
			err = -EPIPE;
			break;
		}
		size_t space = PIPE_SIZE - p->len;
		struct write_wait w = { p, n <= PIPE_BUF_K ? n - done : 1 };
		if (space < w.need) {
			if (f->flags & O_NONBLOCK_K) {
				err = -EAGAIN;
				break;
			}
			kmutex_unlock(&p->lock);
			if (done)
				pipe_wake(p, true, false, POLLIN_K | POLLRDNORM_K);
			if (waitq_wait_intr(&p->wr_wq, can_write, &w, 0) < 0) {
				err = -ERESTARTSYS;
				kmutex_lock(&p->lock);
				break;
			}
			kmutex_lock(&p->lock);
			continue;
		}
		size_t k = MIN(space, n - done), tail = (p->head + p->len) % PIPE_SIZE;
		size_t first = MIN(k, PIPE_SIZE - tail);
		memcpy(p->buf + tail, (const char *)buf + done, first);
		memcpy(p->buf, (const char *)buf + done + first, k - first);
		p->len += k;
		done += k;
	}
	kmutex_unlock(&p->lock);
	if (done) {
		vfs_touch(p->vn, false, true);
		pipe_wake(p, true, false, POLLIN_K | POLLRDNORM_K);
	}
	if (err == -EPIPE && current_is_user())
		signal_send_thread(sched_current(), SIGPIPE_K, NULL);
	return done ? (ssize_t)done : err;
}

static unsigned pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = file_pipe(f);
	if (pt && pt->queue)
		pt->queue(pt, &p->vn->poll_wq);
	unsigned acc = f->flags & O_ACCMODE_K, m = 0;
	kmutex_lock(&p->lock);
	if (acc == O_RDONLY_K || acc == O_RDWR_K) {
		if (p->len)
			m |= POLLIN_K | POLLRDNORM_K;
		if (!p->writers)
			m |= POLLHUP_K;
	}
	if (acc == O_WRONLY_K || acc == O_RDWR_K) {
		if (PIPE_SIZE - p->len >= PIPE_BUF_K)
			m |= POLLOUT_K | POLLWRNORM_K;
		if (!p->readers)
			m |= POLLERR_K;
	}
	kmutex_unlock(&p->lock);
	return m;
}

static long pipe_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	if (req != FIONREAD_K)
		return -ENOTTY;
	struct pipe *p = file_pipe(f);
	*(int *)arg = (int)READ_ONCE(p->len);
	return 0;
}

/* One end closed: count it down, wake the other side. */
static void pipe_end_closed(struct pipe *p, unsigned acc)
{
	kmutex_lock(&p->lock);
	if (acc == O_RDONLY_K || acc == O_RDWR_K)
		p->readers--;
	if (acc == O_WRONLY_K || acc == O_RDWR_K)
		p->writers--;
	kmutex_unlock(&p->lock);
	pipe_wake(p, true, true, POLLIN_K | POLLOUT_K | POLLHUP_K | POLLERR_K);
}

static void pipe_release(struct file *f)
{
	pipe_end_closed(file_pipe(f), f->flags & O_ACCMODE_K);
}

static void pipe_evict(struct vnode *vn)
{
	if (vn->priv)
		pipe_free(vn->priv);
}

static const struct vnode_ops pipe_vops = { .evict = pipe_evict };

static const struct file_ops pipe_fops = {
	.release = pipe_release,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
};

int pipe_create(struct file **rd, struct file **wr, unsigned flags)
{
	struct vnode *vn = vfs_anon_vnode(S_IFIFO_K | 0600);
	if (!vn)
		return -ENFILE;
	struct pipe *p = pipe_new(vn);
	if (!p) {
		vnode_put(vn);
		return -ENFILE;
	}
	vn->priv = p;
	vn->ops = &pipe_vops;
	vn->fops = &pipe_fops;
	*rd = file_alloc(vn, NULL, &pipe_fops, O_RDONLY_K | (flags & O_NONBLOCK_K));
	*wr = file_alloc(vn, NULL, &pipe_fops, O_WRONLY_K | (flags & O_NONBLOCK_K));
	vnode_put(vn); /* the files hold it */
	if (!*rd || !*wr) {
		/* Files without their ends counted: release must not count them down. */
		if (*rd)
			(*rd)->ops = NULL;
		if (*wr)
			(*wr)->ops = NULL;
		file_put(*rd);
		file_put(*wr);
		return -ENFILE;
	}
	(*rd)->priv = (*wr)->priv = p;
	p->readers = p->writers = 1;
	return 0;
}

/* ---- FIFOs ---- */

static bool fifo_has_peer(void *arg)
{
	struct write_wait *w = arg; /* need: 1 = wait for a reader, 0 = for a writer */
	return w->need ? READ_ONCE(w->p->readers) > 0 : READ_ONCE(w->p->writers) > 0;
}

static void fifo_release(struct file *f);

int fifo_open(struct vnode *vn, struct file *f)
{
	unsigned acc = f->flags & O_ACCMODE_K;
	kmutex_lock(&vn->lock);
	struct pipe *p = vn->fifo;
	if (!p) {
		if (!(p = pipe_new(vn))) {
			kmutex_unlock(&vn->lock);
			return -ENOMEM;
		}
		vn->fifo = p;
	}
	kmutex_lock(&p->lock);
	if (acc == O_WRONLY_K && (f->flags & O_NONBLOCK_K) && !p->readers) {
		kmutex_unlock(&p->lock);
		if (!p->readers && !p->writers) {
			vn->fifo = NULL;
			pipe_free(p);
		}
		kmutex_unlock(&vn->lock);
		return -ENXIO;
	}
	if (acc == O_RDONLY_K || acc == O_RDWR_K)
		p->readers++;
	if (acc == O_WRONLY_K || acc == O_RDWR_K)
		p->writers++;
	kmutex_unlock(&p->lock);
	kmutex_unlock(&vn->lock);
	f->priv = p;
	pipe_wake(p, true, true, POLLIN_K | POLLOUT_K);
	/* POSIX: an open for reading waits for a writer and vice versa (not O_RDWR). */
	if (acc != O_RDWR_K && !(f->flags & O_NONBLOCK_K)) {
		struct write_wait w = { p, acc == O_WRONLY_K };
		if (waitq_wait_intr(acc == O_WRONLY_K ? &p->wr_wq : &p->rd_wq, fifo_has_peer,
				    &w, 0) < 0) {
			fifo_release(f); /* a failed open gets no release of its own */
			return -ERESTARTSYS;
		}
	}
	return 0;
}

static void fifo_release(struct file *f)
{
	struct pipe *p = file_pipe(f);
	struct vnode *vn = f->vnode;
	pipe_end_closed(p, f->flags & O_ACCMODE_K);
	kmutex_lock(&vn->lock);
	kmutex_lock(&p->lock);
	bool last = !p->readers && !p->writers;
	kmutex_unlock(&p->lock);
	if (last && vn->fifo == p) {
		vn->fifo = NULL;
		pipe_free(p);
	}
	kmutex_unlock(&vn->lock);
}

const struct file_ops fifo_fops = {
	.open = fifo_open,
	.release = fifo_release,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
};
