/*
 * sys_io.c - system calls on file descriptors: read/write and their
 * vectored and positioned forms, lseek, close, dup*, fcntl, ioctl, fsync,
 * sendfile, fadvise64, flock. Thin: each checks the app's pointers
 * (uaccess_ok: EFAULT, never a kernel fault), takes a reference on the file
 * (fd_get), and calls the VFS (fs/fsops.c, fs/file.c, fs/lock.c). Path-based
 * calls are in sys_fs.c.
 */
#include "syscall/sys.h"
#include "fs/poll.h"
#include "sched/sched.h"
#include "fs/vfs.h"
#include "mm/mm.h"

/*
 * read and write are the hottest calls: while the app has a single thread
 * they look the fd up without the table's lock or a reference (fd_peek) and
 * end in a tail call of the VFS, so nothing is kept across it; otherwise
 * the file is counted and put (counted_rw).
 */
static long counted_rw(int fd, void *buf, size_t n, bool write)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = !uaccess_ok(buf, n, !write) ? -EFAULT
		 : write ? vfs_write(f, buf, n) : vfs_read(f, buf, n);
	file_put(f);
	return r;
}

long sys_read(int fd, void *buf, size_t n)
{
	if (!fd_table_private())
		return counted_rw(fd, buf, n, false);
	struct file *f = fd_peek(fd);
	if (!f)
		return -EBADF;
	if (!uaccess_ok(buf, n, true))
		return -EFAULT;
	return vfs_read(f, buf, n);
}

long sys_write(int fd, const void *buf, size_t n)
{
	if (!fd_table_private())
		return counted_rw(fd, (void *)buf, n, true);
	struct file *f = fd_peek(fd);
	if (!f)
		return -EBADF;
	if (!uaccess_ok(buf, n, false))
		return -EFAULT;
	return vfs_write(f, buf, n);
}

long sys_pread64(int fd, void *buf, size_t n, long pos)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = pos < 0 ? -EINVAL : !uaccess_ok(buf, n, true) ? -EFAULT
		 : vfs_pread(f, buf, n, (uint64_t)pos);
	file_put(f);
	return r;
}

long sys_pwrite64(int fd, const void *buf, size_t n, long pos)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = pos < 0 ? -EINVAL : !uaccess_ok(buf, n, false) ? -EFAULT
		 : vfs_pwrite(f, buf, n, (uint64_t)pos);
	file_put(f);
	return r;
}

static long iov_check(const struct iovec_k *iov, int cnt, bool write)
{
	if (cnt < 0 || cnt > IOV_MAX_K)
		return -EINVAL;
	if (!uaccess_ok(iov, sizeof(*iov) * (size_t)cnt, false))
		return -EFAULT;
	size_t total = 0;
	for (int i = 0; i < cnt; i++) {
		if ((ssize_t)iov[i].iov_len < 0 || total + iov[i].iov_len < total)
			return -EINVAL;
		total += iov[i].iov_len;
		if (!uaccess_ok(iov[i].iov_base, iov[i].iov_len, write))
			return -EFAULT;
	}
	return (ssize_t)total < 0 ? -EINVAL : 0;
}

/* pos < 0: the file's offset. Stops at the first short transfer. */
static long do_rw_vec(int fd, const struct iovec_k *iov, int cnt, long pos, bool write)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = iov_check(iov, cnt, !write), done = 0;
	unsigned acc = f->flags & O_ACCMODE_K;
	if (r >= 0 && pos < 0 && (write ? f->ops->writev : f->ops->readv) && !(f->flags & O_PATH_K) &&
	    (write ? acc != O_RDONLY_K : acc != O_WRONLY_K)) {
		r = write ? f->ops->writev(f, iov, cnt) : f->ops->readv(f, iov, cnt);
		file_put(f);
		return r;
	}
	for (int i = 0; r >= 0 && i < cnt; i++) {
		size_t len = iov[i].iov_len;
		if (!len)
			continue;
		ssize_t n;
		/* A stream (pipe, tty) returns what it has: after some data, read on only
		 * while more is ready, as one read into the whole vector would (Linux). */
		if (!write && done && pos < 0 && !f->ops->seekable && f->ops->poll &&
		    !(f->ops->poll(f, NULL) & (POLLIN_K | POLLHUP_K)))
			break;
		if (pos >= 0)
			n = write ? vfs_pwrite(f, iov[i].iov_base, len, (uint64_t)(pos + done))
				  : vfs_pread(f, iov[i].iov_base, len, (uint64_t)(pos + done));
		else
			n = write ? vfs_write(f, iov[i].iov_base, len) : vfs_read(f, iov[i].iov_base, len);
		if (n < 0) {
			r = done ? 0 : n;
			break;
		}
		done += n;
		if ((size_t)n < len)
			break;
	}
	/* An empty vector still needs a valid fd of the right mode. */
	unsigned a = f->flags & O_ACCMODE_K;
	if (r >= 0 && !done &&
	    ((f->flags & O_PATH_K) || (write ? a == O_RDONLY_K : a == O_WRONLY_K)))
		r = -EBADF;
	file_put(f);
	return r < 0 ? r : done;
}

long sys_readv(int fd, const struct iovec_k *iov, int cnt)
{
	return do_rw_vec(fd, iov, cnt, -1, false);
}

long sys_writev(int fd, const struct iovec_k *iov, int cnt)
{
	return do_rw_vec(fd, iov, cnt, -1, true);
}

long sys_preadv(int fd, const struct iovec_k *iov, int cnt, long pos_l, long pos_h)
{
	return pos_l < 0 ? -EINVAL : do_rw_vec(fd, iov, cnt, pos_l, false);
}

long sys_pwritev(int fd, const struct iovec_k *iov, int cnt, long pos_l, long pos_h)
{
	return pos_l < 0 ? -EINVAL : do_rw_vec(fd, iov, cnt, pos_l, true);
}

long sys_close(int fd)
{
	return fd_close(fd);
}

long sys_lseek(int fd, long off, int whence)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = vfs_lseek(f, off, whence);
	file_put(f);
	return r;
}

long sys_dup(int fd)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int r = fd_install(f, 0);
	if (r < 0)
		file_put(f);
	return r;
}

long sys_dup3(int old, int new, int flags)
{
	if (flags & ~O_CLOEXEC_K)
		return -EINVAL;
	if (old == new)
		return -EINVAL;
	struct file *f = fd_get(old);
	if (!f)
		return -EBADF;
	int r = fd_install_at(new, f, (unsigned)flags);
	if (r < 0)
		file_put(f);
	return r;
}

long sys_dup2(int old, int new)
{
	if (old == new) {
		struct file *f = fd_get(old);
		if (!f)
			return -EBADF;
		file_put(f);
		return new;
	}
	return sys_dup3(old, new, 0);
}

static long do_fcntl(struct file *f, int fd, int cmd, unsigned long arg)
{
	switch (cmd) {
	case F_DUPFD_K:
	case F_DUPFD_CLOEXEC_K: {
		if (arg >= (unsigned long)FD_MAX)
			return -EINVAL;
		file_get(f);
		int r = fd_install_from((int)arg, f, cmd == F_DUPFD_CLOEXEC_K ? O_CLOEXEC_K : 0);
		if (r < 0)
			file_put(f);
		return r == -EMFILE && arg ? -EINVAL : r;
	}
	case F_GETFD_K:
		return fd_get_cloexec(fd) > 0 ? FD_CLOEXEC_K : 0;
	case F_SETFD_K:
		return fd_set_cloexec(fd, arg & FD_CLOEXEC_K);
	case F_GETFL_K:
		return f->flags;
	case F_SETFL_K: {
		unsigned ch = O_APPEND_K | O_NONBLOCK_K | O_DIRECT_K | O_NOATIME_K | O_ASYNC_K;
		if (f->flags & O_PATH_K)
			return -EBADF;
		__atomic_store_n(&f->flags, (f->flags & ~ch) | ((unsigned)arg & ch), __ATOMIC_RELAXED);
		return 0;
	}
	case F_GETLK_K:
	case F_SETLK_K:
	case F_SETLKW_K:
	case F_OFD_GETLK_K:
	case F_OFD_SETLK_K:
	case F_OFD_SETLKW_K: {
		struct flock_k *fl = (void *)arg;
		if (!uaccess_ok(fl, sizeof(*fl), cmd == F_GETLK_K || cmd == F_OFD_GETLK_K))
			return -EFAULT;
		if ((f->flags & O_PATH_K) || !f->vnode || !f->dentry)
			return -EBADF;
		if ((cmd >= F_OFD_GETLK_K && cmd <= F_OFD_SETLKW_K) && fl->l_pid)
			return -EINVAL;
		if (cmd == F_GETLK_K || cmd == F_OFD_GETLK_K) {
			struct flock_k k = *fl;
			int r = vfs_lock_get(f, &k);
			if (r >= 0)
				*fl = k;
			return r;
		}
		struct flock_k k = *fl;
		return vfs_lock_set(f, &k, cmd == F_SETLKW_K || cmd == F_OFD_SETLKW_K);
	}
	case F_SETOWN_K:
		return 0;
	case F_GETOWN_K:
		return 0;
	case F_GETPIPE_SZ_K:
	case F_SETPIPE_SZ_K:
		if (!f->vnode || !S_ISFIFO(f->vnode->mode))
			return -EBADF;
		return 65536;
	}
	return -EINVAL;
}

long sys_fcntl(int fd, int cmd, unsigned long arg)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = do_fcntl(f, fd, cmd, arg);
	file_put(f);
	return r;
}

long sys_ioctl(int fd, unsigned long req, unsigned long arg)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	void *p = (void *)arg;
	long r;
	if (f->flags & O_PATH_K) {
		r = -EBADF;
	} else if (req == FIOCLEX_K || req == FIONCLEX_K) {
		r = fd_set_cloexec(fd, req == FIOCLEX_K);
	} else if (req == FIONBIO_K) {
		if (!uaccess_ok(p, sizeof(int), false)) {
			r = -EFAULT;
		} else {
			if (*(int *)p)
				__atomic_or_fetch(&f->flags, O_NONBLOCK_K, __ATOMIC_RELAXED);
			else
				__atomic_and_fetch(&f->flags, ~O_NONBLOCK_K, __ATOMIC_RELAXED);
			r = 0;
		}
	} else if (req == FIONREAD_K && !uaccess_ok(p, sizeof(int), true)) {
		r = -EFAULT;
	} else if (req == FIONREAD_K && f->vnode && S_ISREG(f->vnode->mode)) {
		uint64_t size = f->vnode->size;
		*(int *)p = size > f->pos ? (int)MIN(size - f->pos, (uint64_t)INT32_MAX) : 0;
		r = 0;
	} else if (f->ops->ioctl) {
		r = f->ops->ioctl(f, req, arg);
	} else {
		r = -ENOTTY;
	}
	file_put(f);
	return r;
}

long sys_fsync(int fd)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = (f->flags & O_PATH_K) ? -EBADF : f->ops->fsync ? f->ops->fsync(f) : 0;
	file_put(f);
	return r;
}

long sys_fdatasync(int fd)
{
	return sys_fsync(fd);
}

long sys_sync(void)
{
	return 0; /* everything is in memory */
}

long sys_fadvise64(int fd, long off, long len, int advice)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = 0;
	if (f->vnode && S_ISFIFO(f->vnode->mode))
		r = -ESPIPE;
	else if (advice < 0 || advice > 5 || len < 0)
		r = -EINVAL;
	file_put(f);
	return r;
}

long sys_flock(int fd, int op)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int kind = op & ~LOCK_NB_K;
	long r = (kind == LOCK_SH_K || kind == LOCK_EX_K || kind == LOCK_UN_K) ? 0 : -EINVAL;
	if (f->flags & O_PATH_K)
		r = -EBADF;
	file_put(f); /* one process: its own flock()s never conflict */
	return r;
}

long sys_sendfile(int out_fd, int in_fd, long *offp, size_t count)
{
	struct file *in = fd_get(in_fd), *out = fd_get(out_fd);
	long r = 0;
	char *buf = NULL;
	if (!in || !out || (in->flags & O_ACCMODE_K) == O_WRONLY_K ||
	    (out->flags & O_ACCMODE_K) == O_RDONLY_K || ((in->flags | out->flags) & O_PATH_K)) {
		r = -EBADF; /* as Linux: checked before anything is read */
		goto done;
	}
	if (offp && !uaccess_ok(offp, sizeof(*offp), true)) {
		r = -EFAULT;
		goto done;
	}
	if (offp && *offp < 0) {
		r = -EINVAL;
		goto done;
	}
	if (!in->ops->read || (offp && !in->ops->seekable)) {
		r = in->ops->seekable ? -EINVAL : -ESPIPE;
		goto done;
	}
	if (!(buf = kmalloc(65536))) {
		r = -ENOMEM;
		goto done;
	}
	count = MIN(count, 0x7ffff000UL);
	uint64_t pos = offp ? (uint64_t)*offp : 0;
	long total = 0;
	while ((size_t)total < count) {
		size_t chunk = MIN(count - (size_t)total, 65536UL);
		ssize_t n = offp ? vfs_pread(in, buf, chunk, pos) : vfs_read(in, buf, chunk);
		if (n <= 0) {
			if (n < 0 && !total)
				r = n;
			break;
		}
		ssize_t w = vfs_write(out, buf, (size_t)n), wrote = w < 0 ? 0 : w;
		if (offp) {
			pos += (uint64_t)wrote;
		} else if (wrote < n && in->ops->seekable) { /* give back what was not written */
			vfs_lseek(in, (int64_t)wrote - n, 1);
		}
		if (w < 0) {
			if (!total)
				r = w;
			break;
		}
		total += w;
		if (w < n)
			break;
	}
	if (r >= 0)
		r = total;
	if (offp)
		*offp = (long)pos;
done:
	kfree(buf);
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return r;
}
