/*
 * file.c - open files and descriptor tables. A struct file is one open of
 * a vnode (flags, offset, the file system's fops), counted and shared by
 * the fds that dup it. The fd table (struct fdtable in the task's
 * fs_context) maps small integers to files, with a close-on-exec bit each;
 * it grows by doubling up to RLIMIT_NOFILE. Its spinlock guards only the
 * arrays: files are released (which may block) after it is dropped.
 * Used by every fd system call (sys_io.c, sys_fs.c) and by poll/epoll.
 */
#include "fs/vfs.h"
#include "mm/mm.h"
#include "sched/preempt.h"
#include "sched/sched.h"
#include "proc/proc.h"

struct file *file_alloc(struct vnode *vn, struct dentry *d, const struct file_ops *ops,
			unsigned flags)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->ops = ops;
	f->vnode = vn;
	f->dentry = d;
	f->flags = flags;
	f->refcount = 1;
	kmutex_init(&f->pos_lock);
	if (vn) {
		vnode_get(vn);
		if (vn->mnt)
			__atomic_add_fetch(&vn->mnt->nopen, 1, __ATOMIC_RELAXED);
	}
	if (d)
		dentry_get(d);
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refcount, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (!f || __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (f->ep_items)
		epoll_file_release(f);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	if (f->vnode) {
		if (f->vnode->mnt)
			__atomic_sub_fetch(&f->vnode->mnt->nopen, 1, __ATOMIC_RELAXED);
		vnode_put(f->vnode);
	}
	if (f->dentry)
		dentry_put(f->dentry);
	kfree(f);
}

/*
 * Only the calling thread can change its fd table: the HP app while it is
 * the only thread, or a single-threaded compat process (fd tables are per
 * process). fd_peek() is then safe without references.
 */
bool fd_table_private(void)
{
	struct thread *t = sched_current();
	if (t->mm)
		return READ_ONCE(t->proc->nthreads) == 1;
	return sched_single_thread();
}

static struct fdtable *fdt(void)
{
	return &vfs_task()->fds;
}

static int fd_limit(void)
{
	unsigned long l = proc_rlimit_cur(RLIMIT_NOFILE_K);
	return l > FD_MAX ? FD_MAX : (int)l;
}

/* Make the table hold at least 'need' slots (need <= fd_limit()). */
static int fdt_grow(struct fdtable *t, int need)
{
	int size = READ_ONCE(t->size);
	if (need <= size)
		return 0;
	int want = MAX(size ? size * 2 : 64, need);
	want = MIN(want, MAX(fd_limit(), need));
	struct file **nf = kzalloc(sizeof(*nf) * want);
	uint8_t *nc = kzalloc(want);
	if (!nf || !nc) {
		kfree(nf);
		kfree(nc);
		return -ENOMEM;
	}
	uint64_t fl = spin_lock_irqsave(&t->lock);
	if (t->size >= want) {
		spin_unlock_irqrestore(&t->lock, fl);
		kfree(nf);
		kfree(nc);
		return 0;
	}
	struct file **of = t->files;
	uint8_t *oc = t->cloexec;
	if (of) {
		memcpy(nf, of, sizeof(*nf) * t->size);
		memcpy(nc, oc, t->size);
	}
	t->files = nf;
	t->cloexec = nc;
	t->size = want;
	spin_unlock_irqrestore(&t->lock, fl);
	kfree(of);
	kfree(oc);
	return 0;
}

int fd_install_from(int minfd, struct file *f, unsigned flags)
{
	struct fdtable *t = fdt();
	if (minfd < 0)
		return -EINVAL;
	for (;;) {
		int limit = fd_limit();
		if (minfd >= limit)
			return -EMFILE;
		uint64_t fl = spin_lock_irqsave(&t->lock);
		for (int i = minfd; i < t->size && i < limit; i++) {
			if (!t->files[i]) {
				t->files[i] = f;
				t->cloexec[i] = (flags & O_CLOEXEC_K) != 0;
				spin_unlock_irqrestore(&t->lock, fl);
				return i;
			}
		}
		int size = t->size;
		spin_unlock_irqrestore(&t->lock, fl);
		if (size >= limit)
			return -EMFILE;
		int r = fdt_grow(t, MAX(size + 1, minfd + 1));
		if (r < 0)
			return r;
	}
}

int fd_install(struct file *f, unsigned flags)
{
	return fd_install_from(0, f, flags);
}

int fd_install_at(int fd, struct file *f, unsigned flags)
{
	struct fdtable *t = fdt();
	if (fd < 0 || fd >= fd_limit())
		return -EBADF;
	int r = fdt_grow(t, fd + 1);
	if (r < 0)
		return r;
	uint64_t fl = spin_lock_irqsave(&t->lock);
	struct file *old = t->files[fd];
	t->files[fd] = f;
	t->cloexec[fd] = (flags & O_CLOEXEC_K) != 0;
	spin_unlock_irqrestore(&t->lock, fl);
	if (old) {
		if (old->vnode && old->vnode->locks)
			vfs_lock_release_all(old->vnode);
		file_put(old);
	}
	return fd;
}

/*
 * The open file behind fd without taking a reference or the table's lock:
 * only while the caller is the only thread (sched_single_thread()), when
 * nothing can close or replace it under us. Do not file_put() it.
 */
struct file *fd_peek(int fd)
{
	struct fdtable *t = fdt();
	return fd >= 0 && fd < t->size ? t->files[fd] : NULL;
}

/* The hot path of every read and write: no interrupt masking (preempt.h). */
struct file *fdt_get(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	spin_lock_preempt(&t->lock);
	if (fd >= 0 && fd < t->size && (f = t->files[fd]))
		__atomic_add_fetch(&f->refcount, 1, __ATOMIC_RELAXED);
	spin_unlock_preempt(&t->lock);
	return f;
}

struct file *fd_get(int fd)
{
	return fdt_get(fdt(), fd);
}

int fd_close(int fd)
{
	struct fdtable *t = fdt();
	struct file *f = NULL;
	uint64_t fl = spin_lock_irqsave(&t->lock);
	if (fd >= 0 && fd < t->size && (f = t->files[fd]))
		t->files[fd] = NULL;
	spin_unlock_irqrestore(&t->lock, fl);
	if (!f)
		return -EBADF;
	/* POSIX: closing any fd of a file drops the process's record locks on it. */
	if (f->vnode && f->vnode->locks)
		vfs_lock_release_all(f->vnode);
	file_put(f);
	return 0;
}

/* The lowest open fd >= from, or -1 (for /proc/PID/fd). */
int fdt_next_open(struct fdtable *t, int from)
{
	int r = -1;
	uint64_t fl = spin_lock_irqsave(&t->lock);
	for (int i = MAX(from, 0); i < t->size; i++)
		if (t->files[i]) {
			r = i;
			break;
		}
	spin_unlock_irqrestore(&t->lock, fl);
	return r;
}

int fd_next_open(int from)
{
	return fdt_next_open(fdt(), from);
}

int fd_get_cloexec(int fd)
{
	struct fdtable *t = fdt();
	int r = -EBADF;
	uint64_t fl = spin_lock_irqsave(&t->lock);
	if (fd >= 0 && fd < t->size && t->files[fd])
		r = t->cloexec[fd];
	spin_unlock_irqrestore(&t->lock, fl);
	return r;
}

int fd_set_cloexec(int fd, bool on)
{
	struct fdtable *t = fdt();
	int r = -EBADF;
	uint64_t fl = spin_lock_irqsave(&t->lock);
	if (fd >= 0 && fd < t->size && t->files[fd]) {
		t->cloexec[fd] = on;
		r = 0;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return r;
}

void vfs_open_std_fds(void)
{
	struct file *f = NULL;
	for (int fd = 0; fd < 3; fd++) {
		struct file *cur = fd_get(fd);
		if (cur) {
			file_put(cur);
			continue;
		}
		if (!f) {
			int r = vfs_open(AT_FDCWD_K, "/dev/console", O_RDWR_K | O_NOCTTY_K, 0, &f);
			if (r < 0) {
				printk("vfs: cannot open /dev/console for fd %d (%d)\n", fd, r);
				return;
			}
		} else {
			file_get(f);
		}
		fd_install_at(fd, f, 0);
	}
}

/* ---- whole contexts, for processes (proc/proc.c) ---- */

/* A copy for a new process (fork): same open files (shared offsets), cwd, root, umask. */
struct fs_context *fs_context_clone(struct fs_context *src)
{
	struct fs_context *c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->fds.lock = (spinlock_t)SPINLOCK_INIT;
	c->fds.max = src->fds.max;
	c->umask = src->umask;
	uint64_t fl = spin_lock_irqsave(&src->fds.lock);
	int size = src->fds.size;
	spin_unlock_irqrestore(&src->fds.lock, fl);
	if (size) {
		c->fds.files = kzalloc(sizeof(struct file *) * size);
		c->fds.cloexec = kzalloc(size);
		if (!c->fds.files || !c->fds.cloexec) {
			kfree(c->fds.files);
			kfree(c->fds.cloexec);
			kfree(c);
			return NULL;
		}
	}
	fl = spin_lock_irqsave(&src->fds.lock);
	int n = MIN(size, src->fds.size); /* it may have grown meanwhile: extra fds are not copied */
	for (int i = 0; i < n; i++) {
		struct file *f = src->fds.files[i];
		if (f) {
			file_get(f);
			c->fds.files[i] = f;
			c->fds.cloexec[i] = src->fds.cloexec[i];
		}
	}
	c->fds.size = size;
	spin_unlock_irqrestore(&src->fds.lock, fl);
	c->cwd = src->cwd;
	c->root = src->root;
	if (c->cwd)
		dentry_get(c->cwd);
	if (c->root)
		dentry_get(c->root);
	return c;
}

/* Close the fds of [from, size) matching 'cloexec_only'; the table stays. */
static void fdt_close_all(struct fdtable *t, bool cloexec_only)
{
	for (int i = 0;; i++) {
		uint64_t fl = spin_lock_irqsave(&t->lock);
		if (i >= t->size) {
			spin_unlock_irqrestore(&t->lock, fl);
			break;
		}
		struct file *f = t->files[i];
		if (f && (!cloexec_only || t->cloexec[i])) {
			t->files[i] = NULL;
			t->cloexec[i] = 0;
		} else {
			f = NULL;
		}
		spin_unlock_irqrestore(&t->lock, fl);
		if (f) {
			if (f->vnode && f->vnode->locks)
				vfs_lock_release_all(f->vnode);
			file_put(f);
		}
	}
}

void fs_context_close_on_exec(struct fs_context *c) { fdt_close_all(&c->fds, true); }

/* The process is gone: every fd closed, the context freed. */
void fs_context_release(struct fs_context *c)
{
	fdt_close_all(&c->fds, false);
	if (c->cwd)
		dentry_put(c->cwd);
	if (c->root)
		dentry_put(c->root);
	kfree(c->fds.files);
	kfree(c->fds.cloexec);
	kfree(c);
}
