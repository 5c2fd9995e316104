/*
 * fsops.c - the VFS operations behind the system calls: open (with
 * O_CREAT/O_EXCL/O_TRUNC/O_DIRECTORY/O_NOFOLLOW/O_PATH), read/write on a
 * file's shared offset, lseek, the namespace changes (mknod, mkdir, rmdir,
 * unlink, symlink, link, rename) with Linux's errno rules, attributes,
 * truncate, statfs, getdents, and the boot-time tree builders used by /dev
 * and the initramfs (vfs_mkdir_p, vfs_create_file, ...). The thin sys_*
 * handlers (syscall/sys_fs.c, sys_io.c) call these after copying paths in;
 * the path walk is namei.c, the dentry cache vfs.c.
 */
#include "fs/vfs.h"
#include "mm/mm.h"
#include "syscall/sys.h"

int vfs_walk_links(struct dentry *start, const char *path, unsigned flags, int *links,
		   struct dentry **out, const char **last, size_t *lastlen);
int vfs_lookup_child_locked(struct dentry *parent, const char *name, size_t len,
			    struct dentry **out);
struct dentry *d_follow_mounts(struct dentry *d);
void d_instantiate(struct dentry *d, struct vnode *vn);
void d_delete(struct dentry *d);
void d_prune_negative(struct dentry *dir);
int d_move(struct dentry *d, struct dentry *newparent, const char *name, size_t len);
bool d_is_ancestor(struct dentry *anc, struct dentry *d);
extern const struct file_ops fifo_fops;

#define MAX_RW_COUNT 0x7ffff000UL

static bool is_dot_or_dotdot(const char *s, size_t len)
{
	return (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.');
}

static const struct file_ops path_fops; /* O_PATH: no read, write, ioctl... */

/* ---- open ---- */

int vfs_open_dentry(struct dentry *d, unsigned flags, struct file **out)
{
	struct vnode *vn = d->vnode;
	if (!vn)
		return -ENOENT;
	if (flags & O_PATH_K) {
		if ((flags & O_DIRECTORY_K) && !S_ISDIR(vn->mode))
			return -ENOTDIR;
		struct file *f = file_alloc(vn, d, &path_fops, O_PATH_K | (flags & O_DIRECTORY_K));
		if (!f)
			return -ENOMEM;
		*out = f;
		return 0;
	}
	if (S_ISLNK(vn->mode))
		return -ELOOP;
	if ((flags & O_DIRECTORY_K) && !S_ISDIR(vn->mode))
		return -ENOTDIR;
	unsigned acc = flags & O_ACCMODE_K;
	bool rd = acc == O_RDONLY_K || acc == O_RDWR_K, wr = acc == O_WRONLY_K || acc == O_RDWR_K;
	if (acc == O_ACCMODE_K)
		return -EINVAL;
	if (S_ISDIR(vn->mode) && (wr || (flags & O_TRUNC_K)))
		return -EISDIR;
	int r = vfs_permission(vn, (rd ? MAY_READ : 0) |
				   (wr || (flags & O_TRUNC_K) ? MAY_WRITE : 0));
	if (r < 0)
		return r;
	const struct file_ops *ops = vn->fops;
	if (S_ISCHR(vn->mode)) {
		if (vn->mnt && (vn->mnt->flags & MS_NODEV_K))
			return -EACCES;
		ops = vfs_chrdev_fops(vn->rdev);
	} else if (S_ISFIFO(vn->mode)) {
		ops = &fifo_fops;
	} else if (S_ISBLK(vn->mode) || S_ISSOCK(vn->mode)) {
		ops = NULL;
	}
	if (!ops)
		return -ENXIO;
	struct file *f = file_alloc(vn, d, ops, flags & (O_ACCMODE_K | O_APPEND_K | O_NONBLOCK_K |
							 O_DSYNC_K | O_DIRECT_K | O_LARGEFILE_K |
							 O_NOATIME_K | O_DIRECTORY_K));
	if (!f)
		return -ENOMEM;
	if (ops->open && (r = ops->open(vn, f)) < 0) {
		f->ops = &path_fops; /* no release for an open that failed */
		file_put(f);
		return r;
	}
	/* Like Linux, O_TRUNC truncates even with O_RDONLY (POSIX leaves it open). */
	if ((flags & O_TRUNC_K) && S_ISREG(vn->mode) && vn->size && (r = vfs_truncate(vn, 0)) < 0) {
		file_put(f);
		return r;
	}
	*out = f;
	return 0;
}

/* O_CREAT: the parent, then the name under the parent's lock; a symlink is followed. */
static int open_create(struct dentry *start, const char *path, unsigned flags, unsigned mode,
		       struct dentry **out)
{
	int links = 0, r;
	char *buf = NULL;
	struct dentry *at = start;
	dentry_get(at);
	for (;;) {
		struct dentry *dir, *child;
		const char *last;
		size_t len;
		r = vfs_walk_links(at, path, LOOKUP_PARENT, &links, &dir, &last, &len);
		if (r < 0)
			break;
		if (!len || is_dot_or_dotdot(last, len) || last[len] == '/') {
			dentry_put(dir);
			r = -EISDIR;
			break;
		}
		struct vnode *dv = dir->vnode;
		kmutex_lock(&dv->lock);
		r = vfs_lookup_child_locked(dir, last, len, &child);
		if (r < 0) {
			kmutex_unlock(&dv->lock);
			dentry_put(dir);
			break;
		}
		if (!child->vnode) {
			struct vnode *vn = NULL;
			if (!dv->nlink)
				r = -ENOENT;
			else if ((r = vfs_permission(dv, MAY_WRITE | MAY_EXEC)) >= 0)
				r = dv->ops->create ? dv->ops->create(dv, last, len,
					S_IFREG_K | (mode & 07777 & ~vfs_task()->umask), 0, &vn)
						    : -EPERM;
			if (r >= 0) {
				d_instantiate(child, vn);
				vfs_touch(dv, false, true);
			}
			kmutex_unlock(&dv->lock);
			dentry_put(dir);
			if (r < 0) {
				dentry_put(child);
				break;
			}
			*out = child;
			break;
		}
		kmutex_unlock(&dv->lock);
		if (flags & O_EXCL_K) {
			dentry_put(child);
			dentry_put(dir);
			r = -EEXIST;
			break;
		}
		child = d_follow_mounts(child);
		if (S_ISLNK(child->vnode->mode) && !(flags & O_NOFOLLOW_K)) {
			r = ++links > VFS_SYMLINK_MAX ? -ELOOP : vfs_magic_follow(&child, true);
			if (r <= 0) { /* a magic link (the object, or the link of a pathless one) */
				dentry_put(dir);
				if (r == 0 && S_ISDIR(child->vnode->mode))
					r = -EISDIR;
				if (r < 0)
					dentry_put(child);
				else
					*out = child;
				break;
			}
			/* Follow the text: walk the target from the link's directory. */
			if (!(buf = buf ? buf : kmalloc(VFS_PATH_MAX))) {
				r = -ENOMEM;
			} else {
				ssize_t n = vfs_readlink(child->vnode, buf, VFS_PATH_MAX - 1);
				r = n < 0 ? (int)n : n == 0 ? -ENOENT : 0;
				if (n > 0)
					buf[n] = 0;
			}
			dentry_put(child);
			dentry_put(at);
			at = dir;
			if (r < 0)
				break;
			path = buf;
			continue;
		}
		dentry_put(dir);
		if (S_ISDIR(child->vnode->mode)) {
			dentry_put(child);
			r = -EISDIR;
			break;
		}
		*out = child;
		break;
	}
	dentry_put(at);
	kfree(buf);
	return r;
}

int vfs_open(int dirfd, const char *path, unsigned flags, unsigned mode, struct file **out)
{
	struct dentry *start = NULL, *d;
	int r;
	if ((flags & O_CREAT_K) && (flags & O_DIRECTORY_K))
		return -EINVAL;
	if ((r = vfs_dirfd_dentry(dirfd, &start)) < 0 && path[0] != '/')
		return r;
	if (r < 0)
		start = NULL;
	if ((flags & O_CREAT_K) && !(flags & O_PATH_K)) {
		if (!start) {
			start = vfs_task()->cwd;
			dentry_get(start);
		}
		r = open_create(start, path, flags, mode, &d);
	} else {
		unsigned lf = (flags & O_NOFOLLOW_K) ? 0 : LOOKUP_FOLLOW;
		if (flags & O_DIRECTORY_K)
			lf |= LOOKUP_DIRECTORY;
		r = vfs_walk_at(start, path, lf, &d, NULL, NULL);
	}
	if (start)
		dentry_put(start);
	if (r < 0)
		return r;
	/* /proc/PID/fd/N of a pipe: the same open file (it has no path to open). */
	struct file *mf = (flags & O_NOFOLLOW_K) ? NULL : vfs_magic_file(d);
	if (mf) {
		dentry_put(d);
		*out = mf;
		return 0;
	}
	r = vfs_open_dentry(d, flags, out);
	dentry_put(d);
	return r;
}

/* ---- data ---- */

static bool readable(struct file *f)
{
	unsigned a = f->flags & O_ACCMODE_K;
	return !(f->flags & O_PATH_K) && (a == O_RDONLY_K || a == O_RDWR_K);
}

static bool writable(struct file *f)
{
	unsigned a = f->flags & O_ACCMODE_K;
	return !(f->flags & O_PATH_K) && (a == O_WRONLY_K || a == O_RDWR_K);
}

/*
 * Is the shared offset serialized? Only for regular files and directories,
 * as Linux (FMODE_ATOMIC_POS): devices and pipes do without the mutex.
 */
static bool atomic_pos(struct file *f)
{
	return f->ops->seekable && f->vnode &&
	       (S_ISREG(f->vnode->mode) || S_ISDIR(f->vnode->mode));
}

/*
 * A read or write at the shared offset under f->pos_lock. Out of line, so
 * that vfs_read/vfs_write keep nothing across their devices' and pipes'
 * calls and end in a tail call.
 */
static __attribute__((noinline)) ssize_t serialized_rw(struct file *f, void *buf, size_t n,
							bool write)
{
	kmutex_lock(&f->pos_lock);
	ssize_t r = write ? f->ops->write(f, buf, n, &f->pos) : f->ops->read(f, buf, n, &f->pos);
	kmutex_unlock(&f->pos_lock);
	return r;
}

ssize_t vfs_read(struct file *f, void *buf, size_t n)
{
	if (!readable(f))
		return -EBADF;
	if (!f->ops->read)
		return f->vnode && S_ISDIR(f->vnode->mode) ? -EISDIR : -EINVAL;
	n = MIN(n, MAX_RW_COUNT);
	if (!atomic_pos(f))
		return f->ops->read(f, buf, n, &f->pos);
	return serialized_rw(f, buf, n, false);
}

ssize_t vfs_write(struct file *f, const void *buf, size_t n)
{
	if (!writable(f))
		return -EBADF;
	if (!f->ops->write)
		return -EINVAL;
	n = MIN(n, MAX_RW_COUNT);
	if (!atomic_pos(f))
		return f->ops->write(f, buf, n, &f->pos);
	return serialized_rw(f, (void *)buf, n, true);
}

ssize_t vfs_pread(struct file *f, void *buf, size_t n, uint64_t pos)
{
	if (!readable(f))
		return -EBADF;
	if (!f->ops->seekable)
		return -ESPIPE;
	if (!f->ops->read)
		return f->vnode && S_ISDIR(f->vnode->mode) ? -EISDIR : -EINVAL;
	return f->ops->read(f, buf, MIN(n, MAX_RW_COUNT), &pos);
}

ssize_t vfs_pwrite(struct file *f, const void *buf, size_t n, uint64_t pos)
{
	if (!writable(f))
		return -EBADF;
	if (!f->ops->seekable)
		return -ESPIPE;
	if (!f->ops->write)
		return -EINVAL;
	return f->ops->write(f, buf, MIN(n, MAX_RW_COUNT), &pos);
}

int64_t vfs_lseek(struct file *f, int64_t off, int whence)
{
	if (f->flags & O_PATH_K)
		return -EBADF;
	if (!f->ops->seekable)
		return -ESPIPE;
	kmutex_lock(&f->pos_lock);
	int64_t base, size = (int64_t)f->vnode->size, r;
	switch (whence) {
	case SEEK_SET_K: base = 0; break;
	case SEEK_CUR_K: base = (int64_t)f->pos; break;
	case SEEK_END_K: base = size; break;
	case SEEK_DATA_K: /* all of a file is data (holes read as zeros) */
		r = off < 0 ? -EINVAL : off >= size ? -ENXIO : off;
		goto out;
	case SEEK_HOLE_K: /* the end */
		r = off < 0 ? -EINVAL : off >= size ? -ENXIO : size;
		goto out;
	default:
		r = -EINVAL;
		goto out;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0) {
		r = off > 0 ? -EOVERFLOW : -EINVAL;
		goto out;
	}
	r = base + off;
out:
	if (r >= 0)
		f->pos = (uint64_t)r;
	kmutex_unlock(&f->pos_lock);
	return r;
}

int vfs_getdents(struct file *f, struct vfs_dirent_sink *sink)
{
	if (f->flags & O_PATH_K)
		return -EBADF;
	if (!f->vnode || !S_ISDIR(f->vnode->mode) || !f->ops->readdir)
		return -ENOTDIR;
	kmutex_lock(&f->pos_lock);
	int r;
	if (!f->vnode->nlink) {
		r = 0; /* a removed directory lists nothing */
	} else {
		sink->pos = f->pos;
		r = f->ops->readdir(f, sink);
		f->pos = sink->pos;
		vfs_touch(f->vnode, true, false);
	}
	kmutex_unlock(&f->pos_lock);
	return r;
}

/* ---- namespace ---- */

/* Parent of path, its last name, checked for a create: error if the name is ".", "..", "/". */
struct create_ctx {
	struct dentry *dir, *child;
	const char *last;
	size_t len;
};

/* Lock the parent of path and find the name for creating it: *c filled, dir locked. */
static int create_begin(int dirfd, const char *path, bool want_dir, struct create_ctx *c)
{
	int r = vfs_walk(dirfd, path, LOOKUP_PARENT, &c->dir, &c->last, &c->len);
	if (r < 0)
		return r;
	if (!c->len || is_dot_or_dotdot(c->last, c->len)) {
		dentry_put(c->dir);
		return -EEXIST;
	}
	struct vnode *dv = c->dir->vnode;
	kmutex_lock(&dv->lock);
	r = vfs_lookup_child_locked(c->dir, c->last, c->len, &c->child);
	if (r >= 0 && c->child->vnode)
		r = -EEXIST;
	else if (r >= 0 && c->last[c->len] == '/' && !want_dir)
		r = -ENOENT;
	else if (r >= 0 && !dv->nlink)
		r = -ENOENT;
	else if (r >= 0)
		r = vfs_permission(dv, MAY_WRITE | MAY_EXEC);
	if (r < 0) {
		if (c->child)
			dentry_put(c->child);
		kmutex_unlock(&dv->lock);
		dentry_put(c->dir);
		c->child = NULL;
	}
	return r;
}

static void create_end(struct create_ctx *c, struct vnode *vn, int r)
{
	struct vnode *dv = c->dir->vnode;
	if (r >= 0) {
		if (!vn && dv->ops->lookup)
			dv->ops->lookup(dv, c->last, c->len, &vn);
		if (vn)
			d_instantiate(c->child, vn);
		vfs_touch(dv, false, true);
	}
	kmutex_unlock(&dv->lock);
	dentry_put(c->child);
	dentry_put(c->dir);
}

static int mknod_mode(unsigned mode)
{
	return (int)(mode & 07777 & ~vfs_task()->umask);
}

int vfs_mknod(int dirfd, const char *path, unsigned mode, uint32_t rdev)
{
	return vfs_mknod_get(dirfd, path, mode, rdev, NULL);
}

int vfs_mknod_get(int dirfd, const char *path, unsigned mode, uint32_t rdev, struct vnode **out)
{
	unsigned type = mode & S_IFMT_K;
	if (!type)
		type = S_IFREG_K;
	if (type != S_IFREG_K && type != S_IFCHR_K && type != S_IFBLK_K && type != S_IFIFO_K &&
	    type != S_IFSOCK_K)
		return -EINVAL;
	struct create_ctx c = { 0 };
	int r = create_begin(dirfd, path, false, &c);
	if (r < 0)
		return r;
	struct vnode *vn = NULL, *dv = c.dir->vnode;
	r = dv->ops->create ? dv->ops->create(dv, c.last, c.len, type | mknod_mode(mode),
					      type == S_IFCHR_K || type == S_IFBLK_K ? rdev : 0,
					      &vn)
			    : -EPERM;
	if (r >= 0 && out && !vn && dv->ops->lookup)
		dv->ops->lookup(dv, c.last, c.len, &vn); /* create_end would */
	if (r >= 0 && out && vn) {
		vnode_get(vn); /* one for the dentry, one for the caller */
		*out = vn;
	} else if (r >= 0 && out) {
		r = -EIO; /* a file system that made no vnode */
	}
	create_end(&c, vn, r);
	return r < 0 ? r : 0;
}

int vfs_mkdir(int dirfd, const char *path, unsigned mode)
{
	struct create_ctx c = { 0 };
	int r = create_begin(dirfd, path, true, &c);
	if (r < 0)
		return r;
	struct vnode *vn = NULL, *dv = c.dir->vnode;
	r = dv->ops->create ? dv->ops->create(dv, c.last, c.len, S_IFDIR_K | mknod_mode(mode), 0,
					      &vn)
			    : -EPERM;
	create_end(&c, vn, r);
	return r < 0 ? r : 0;
}

int vfs_symlink(const char *target, int dirfd, const char *path)
{
	size_t tl = strnlen(target, VFS_PATH_MAX);
	if (!tl)
		return -ENOENT;
	if (tl >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	struct create_ctx c = { 0 };
	int r = create_begin(dirfd, path, false, &c);
	if (r < 0)
		return r;
	struct vnode *dv = c.dir->vnode;
	r = dv->ops->symlink ? dv->ops->symlink(dv, c.last, c.len, target) : -EPERM;
	create_end(&c, NULL, r);
	return r < 0 ? r : 0;
}

int vfs_link(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	     unsigned flags)
{
	struct dentry *od;
	int r;
	if (flags & ~(AT_SYMLINK_FOLLOW_K | AT_EMPTY_PATH_K))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH_K) && !oldpath[0]) {
		struct file *f = fd_get(olddirfd);
		if (!f)
			return -EBADF;
		od = f->dentry;
		if (od)
			dentry_get(od);
		file_put(f);
		if (!od)
			return -ENOENT;
	} else if ((r = vfs_walk(olddirfd, oldpath,
				 (flags & AT_SYMLINK_FOLLOW_K) ? LOOKUP_FOLLOW : 0, &od, NULL,
				 NULL)) < 0) {
		return r;
	}
	struct vnode *vn = od->vnode;
	struct create_ctx c = { 0 };
	if (S_ISDIR(vn->mode)) {
		r = -EPERM;
	} else if ((r = create_begin(newdirfd, newpath, false, &c)) >= 0) {
		struct vnode *dv = c.dir->vnode;
		if (dv->mnt != vn->mnt)
			r = -EXDEV;
		else if (!vn->nlink)
			r = -ENOENT;
		else
			r = dv->ops->link ? dv->ops->link(dv, c.last, c.len, vn) : -EPERM;
		if (r >= 0) {
			vnode_get(vn);
			vn->ctime_ns = vfs_now();
		}
		create_end(&c, r >= 0 ? vn : NULL, r);
	}
	dentry_put(od);
	return r < 0 ? r : 0;
}

/* Find the victim of rmdir/unlink: dir locked, child positive. */
static int remove_begin(int dirfd, const char *path, bool isdir, struct create_ctx *c)
{
	int r = vfs_walk(dirfd, path, LOOKUP_PARENT, &c->dir, &c->last, &c->len);
	if (r < 0)
		return r;
	if (!c->len || is_dot_or_dotdot(c->last, c->len)) {
		dentry_put(c->dir);
		if (!isdir)
			return -EISDIR;
		return !c->len ? -EBUSY : c->len == 1 ? -EINVAL : -ENOTEMPTY;
	}
	struct vnode *dv = c->dir->vnode;
	kmutex_lock(&dv->lock);
	r = vfs_lookup_child_locked(c->dir, c->last, c->len, &c->child);
	if (r < 0) {
		c->child = NULL;
	} else if (!c->child->vnode) {
		r = -ENOENT;
	} else if (isdir && !S_ISDIR(c->child->vnode->mode)) {
		r = -ENOTDIR;
	} else if (!isdir && S_ISDIR(c->child->vnode->mode)) {
		r = -EISDIR;
	} else if (!isdir && c->last[c->len] == '/') {
		r = -ENOTDIR;
	} else if (c->child->mounted) {
		r = -EBUSY;
	} else {
		r = vfs_permission(dv, MAY_WRITE | MAY_EXEC);
	}
	if (r < 0) {
		if (c->child)
			dentry_put(c->child);
		kmutex_unlock(&dv->lock);
		dentry_put(c->dir);
	}
	return r;
}

int vfs_rmdir(int dirfd, const char *path)
{
	struct create_ctx c = { 0 };
	int r = remove_begin(dirfd, path, true, &c);
	if (r < 0)
		return r;
	struct vnode *dv = c.dir->vnode, *vn = c.child->vnode;
	kmutex_lock(&vn->lock);
	d_prune_negative(c.child);
	r = dv->ops->rmdir ? dv->ops->rmdir(dv, c.last, c.len) : -EPERM;
	kmutex_unlock(&vn->lock);
	if (r >= 0) {
		d_delete(c.child);
		vfs_touch(dv, false, true);
	}
	kmutex_unlock(&dv->lock);
	dentry_put(c.child);
	dentry_put(c.dir);
	return r;
}

int vfs_unlink(int dirfd, const char *path)
{
	struct create_ctx c = { 0 };
	int r = remove_begin(dirfd, path, false, &c);
	if (r < 0)
		return r;
	struct vnode *dv = c.dir->vnode;
	r = dv->ops->unlink ? dv->ops->unlink(dv, c.last, c.len) : -EPERM;
	if (r >= 0) {
		d_delete(c.child);
		vfs_touch(dv, false, true);
		c.child->vnode->ctime_ns = vfs_now();
	}
	kmutex_unlock(&dv->lock);
	dentry_put(c.child);
	dentry_put(c.dir);
	return r;
}

static struct kmutex rename_mutex = {
	.wq = { .head = { .next = &rename_mutex.wq.head, .prev = &rename_mutex.wq.head,
			  .wq = &rename_mutex.wq } }
};

int vfs_rename(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	       unsigned flags)
{
	struct dentry *od, *nd, *oc = NULL, *nc = NULL;
	const char *ol, *nl;
	size_t olen, nlen;
	int r;
	if ((flags & ~(RENAME_NOREPLACE_K | RENAME_EXCHANGE_K)) ||
	    ((flags & RENAME_NOREPLACE_K) && (flags & RENAME_EXCHANGE_K)))
		return -EINVAL;
	if ((r = vfs_walk(olddirfd, oldpath, LOOKUP_PARENT, &od, &ol, &olen)) < 0)
		return r;
	if ((r = vfs_walk(newdirfd, newpath, LOOKUP_PARENT, &nd, &nl, &nlen)) < 0) {
		dentry_put(od);
		return r;
	}
	struct vnode *odv = od->vnode, *ndv = nd->vnode;
	if (odv->mnt != ndv->mnt) {
		r = -EXDEV;
		goto out_put;
	}
	if (!olen || is_dot_or_dotdot(ol, olen)) {
		r = -EBUSY;
		goto out_put;
	}
	if (!nlen || is_dot_or_dotdot(nl, nlen)) {
		r = (flags & RENAME_NOREPLACE_K) ? -EEXIST : -EBUSY;
		goto out_put;
	}
	kmutex_lock(&rename_mutex);
	if (odv == ndv) {
		kmutex_lock(&odv->lock);
	} else if (odv < ndv) {
		kmutex_lock(&odv->lock);
		kmutex_lock(&ndv->lock);
	} else {
		kmutex_lock(&ndv->lock);
		kmutex_lock(&odv->lock);
	}
	if ((r = vfs_lookup_child_locked(od, ol, olen, &oc)) < 0) {
		oc = NULL;
		goto out_unlock;
	}
	if ((r = vfs_lookup_child_locked(nd, nl, nlen, &nc)) < 0) {
		nc = NULL;
		goto out_unlock;
	}
	struct vnode *ov = oc->vnode, *nv = nc->vnode;
	r = -ENOENT;
	if (!ov || ((flags & RENAME_EXCHANGE_K) && !nv))
		goto out_unlock;
	r = -ENOENT;
	if (!odv->nlink || !ndv->nlink)
		goto out_unlock;
	bool odir = S_ISDIR(ov->mode), ndir = nv && S_ISDIR(nv->mode);
	r = -EEXIST;
	if ((flags & RENAME_NOREPLACE_K) && nv)
		goto out_unlock;
	r = -ENOTDIR;
	if (!(flags & RENAME_EXCHANGE_K) && !odir && (ol[olen] == '/' || nl[nlen] == '/'))
		goto out_unlock;
	if (nv && !(flags & RENAME_EXCHANGE_K)) {
		if (odir && !ndir)
			goto out_unlock; /* ENOTDIR */
		r = -EISDIR;
		if (!odir && ndir)
			goto out_unlock;
	}
	r = -EINVAL; /* a directory into itself or below */
	if ((odir && d_is_ancestor(oc, nd)) ||
	    ((flags & RENAME_EXCHANGE_K) && ndir && d_is_ancestor(nc, od)))
		goto out_unlock;
	r = -ENOTEMPTY;
	if (!(flags & RENAME_EXCHANGE_K) && nv && d_is_ancestor(nc, od))
		goto out_unlock;
	r = -EBUSY;
	if (oc->mounted || nc->mounted)
		goto out_unlock;
	if (ov == nv) { /* the same file: nothing to do */
		r = 0;
		goto out_unlock;
	}
	if ((r = vfs_permission(odv, MAY_WRITE | MAY_EXEC)) < 0 ||
	    (r = vfs_permission(ndv, MAY_WRITE | MAY_EXEC)) < 0)
		goto out_unlock;
	if (flags & RENAME_EXCHANGE_K) {
		r = odv->ops->exchange ? odv->ops->exchange(odv, ol, olen, ndv, nl, nlen) : -EINVAL;
		if (r >= 0) { /* swap what the two dentries name */
			vnode_get(ov);
			vnode_get(nv);
			d_instantiate(oc, nv);
			d_instantiate(nc, ov);
		}
	} else {
		if (ndir)
			d_prune_negative(nc);
		r = odv->ops->rename ? odv->ops->rename(odv, ol, olen, ndv, nl, nlen) : -EPERM;
		if (r >= 0) {
			d_delete(nc);
			r = d_move(oc, nd, nl, nlen);
			if (r < 0) {
				d_delete(oc); /* the cache forgets it; the next lookup finds it */
				r = 0;
			}
		}
	}
	if (r >= 0) {
		vfs_touch(odv, false, true);
		vfs_touch(ndv, false, true);
		ov->ctime_ns = vfs_now();
	}
out_unlock:
	kmutex_unlock(&odv->lock);
	if (odv != ndv)
		kmutex_unlock(&ndv->lock);
	kmutex_unlock(&rename_mutex);
	if (oc)
		dentry_put(oc);
	if (nc)
		dentry_put(nc);
out_put:
	dentry_put(od);
	dentry_put(nd);
	return r;
}

/* ---- attributes ---- */

ssize_t vfs_readlink(struct vnode *vn, char *buf, size_t n)
{
	if (!S_ISLNK(vn->mode) || !vn->ops || !vn->ops->readlink)
		return -EINVAL;
	return vn->ops->readlink(vn, buf, n);
}

int vfs_truncate(struct vnode *vn, uint64_t size)
{
	if (S_ISDIR(vn->mode))
		return -EISDIR;
	if (!S_ISREG(vn->mode))
		return -EINVAL;
	if ((int64_t)size < 0)
		return -EINVAL;
	int r = vfs_permission(vn, MAY_WRITE);
	if (r < 0)
		return r;
	return vn->ops && vn->ops->truncate ? vn->ops->truncate(vn, size) : -EPERM;
}

int vfs_setattr(struct vnode *vn, const struct vattr *va, unsigned which)
{
	if (vn->mnt && (vn->mnt->flags & MS_RDONLY_K))
		return -EROFS;
	kmutex_lock(&vn->lock);
	if (which & VA_MODE)
		vn->mode = (vn->mode & S_IFMT_K) | (va->mode & 07777);
	if (which & VA_UID)
		vn->uid = va->uid;
	if (which & VA_GID)
		vn->gid = va->gid;
	if (which & VA_ATIME)
		vn->atime_ns = va->atime_ns;
	if (which & VA_MTIME)
		vn->mtime_ns = va->mtime_ns;
	vn->ctime_ns = (which & VA_CTIME) ? va->ctime_ns : vfs_now();
	int r = vn->ops && vn->ops->setattr ? vn->ops->setattr(vn, va, which) : 0;
	kmutex_unlock(&vn->lock);
	return r;
}

int vfs_statfs(struct vnode *vn, struct kstatfs *st)
{
	memset(st, 0, sizeof(*st));
	const char *t = vn->mnt ? vn->mnt->type->name : "pipefs";
	st->bsize = st->frsize = PAGE_SIZE;
	st->namelen = VFS_NAME_MAX;
	if (!strcmp(t, "proc")) {
		st->type = 0x9fa0;
	} else if (!strcmp(t, "pipefs")) {
		st->type = 0x50495045;
	} else {
		st->type = !strcmp(t, "ramfs") ? 0x858458f6 : 0x01021994;
		st->blocks = pfa_total_pages();
		st->bfree = st->bavail = pfa_free_pages();
		st->files = pfa_total_pages();
		st->ffree = pfa_free_pages();
	}
	if (vn->mnt)
		st->flags = vn->mnt->flags & (MS_RDONLY_K | MS_NOSUID_K | MS_NODEV_K | MS_NOEXEC_K);
	return 0;
}

/* ---- paths from the app ---- */

int vfs_path_from_user(const char *up, char **out)
{
	char *buf = kmalloc(VFS_PATH_MAX);
	if (!buf)
		return -ENOMEM;
	size_t i = 0;
	while (i < VFS_PATH_MAX) {
		const char *p = up + i;
		size_t chunk = MIN(PAGE_SIZE - ((uintptr_t)p & (PAGE_SIZE - 1)), VFS_PATH_MAX - i);
		if (!uaccess_ok(p, 1, false) || !uaccess_ok(p, chunk, false)) {
			kfree(buf);
			return -EFAULT;
		}
		size_t n = strnlen(p, chunk);
		memcpy(buf + i, p, n);
		i += n;
		if (n < chunk) {
			buf[i] = 0;
			*out = buf;
			return 0;
		}
	}
	kfree(buf);
	return -ENAMETOOLONG;
}

void vfs_path_free(char *p)
{
	kfree(p);
}

/* ---- trees built at boot (devfs, the initramfs) ---- */

static int set_mode(const char *path, unsigned mode, bool follow)
{
	struct dentry *d;
	int r = vfs_walk(AT_FDCWD_K, path, follow ? LOOKUP_FOLLOW : 0, &d, NULL, NULL);
	if (r < 0)
		return r;
	struct vattr va = { .mode = mode };
	r = vfs_setattr(d->vnode, &va, VA_MODE);
	dentry_put(d);
	return r;
}

/* Every directory of path is created if missing (mode, no umask); the last gets mode. */
int vfs_mkdir_p(const char *path, unsigned mode)
{
	size_t n = strnlen(path, VFS_PATH_MAX);
	if (n >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	char *buf = kmalloc(n + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, n + 1);
	int r = 0;
	for (size_t i = 1; i <= n && r >= 0; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		if (buf[i - 1] == '/')
			continue;
		char c = buf[i];
		buf[i] = 0;
		struct dentry *d;
		r = vfs_mkdir(AT_FDCWD_K, buf, mode | 0700);
		if (r == -EEXIST) {
			r = vfs_walk(AT_FDCWD_K, buf, LOOKUP_FOLLOW, &d, NULL, NULL);
			if (r >= 0) {
				r = S_ISDIR(d->vnode->mode) ? 0 : -ENOTDIR;
				dentry_put(d);
			}
		}
		if (r >= 0 && (c == 0 || buf[i + 1] == 0))
			r = set_mode(buf, mode, true);
		buf[i] = c;
	}
	kfree(buf);
	return r;
}

static int make_parent(const char *path)
{
	const char *s = path + strnlen(path, VFS_PATH_MAX);
	while (s > path && s[-1] == '/')
		s--;
	while (s > path && s[-1] != '/')
		s--;
	if (s <= path + 1)
		return 0;
	size_t n = (size_t)(s - path);
	char *buf = kmalloc(n + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, n);
	buf[n] = 0;
	struct dentry *d;
	int r = vfs_walk(AT_FDCWD_K, buf, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &d, NULL, NULL);
	if (r >= 0)
		dentry_put(d);
	else if (r == -ENOENT)
		r = vfs_mkdir_p(buf, 0755);
	kfree(buf);
	return r;
}

int vfs_create_file(const char *path, unsigned mode, const void *data, size_t len)
{
	struct file *f;
	int r = make_parent(path);
	if (r < 0)
		return r;
	unsigned um = vfs_task()->umask;
	vfs_task()->umask = 0;
	r = vfs_open(AT_FDCWD_K, path, O_WRONLY_K | O_CREAT_K | O_TRUNC_K | O_NOFOLLOW_K,
		     mode & 07777, &f);
	vfs_task()->umask = um;
	if (r < 0)
		return r;
	size_t done = 0;
	while (done < len) {
		ssize_t w = vfs_write(f, (const char *)data + done, len - done);
		if (w <= 0) {
			r = w < 0 ? (int)w : -EIO;
			break;
		}
		done += (size_t)w;
	}
	if (r >= 0) {
		struct vattr va = { .mode = mode };
		r = vfs_setattr(f->vnode, &va, VA_MODE);
	}
	file_put(f);
	return r;
}

int vfs_symlink_at(const char *target, const char *path)
{
	int r = make_parent(path);
	return r < 0 ? r : vfs_symlink(target, AT_FDCWD_K, path);
}

int vfs_set_owner_times(const char *path, uint32_t uid, uint32_t gid, uint64_t mtime_ns)
{
	struct dentry *d;
	int r = vfs_walk(AT_FDCWD_K, path, 0, &d, NULL, NULL);
	if (r < 0)
		return r;
	struct vattr va = { .uid = uid, .gid = gid, .atime_ns = mtime_ns, .mtime_ns = mtime_ns };
	r = vfs_setattr(d->vnode, &va, VA_UID | VA_GID | VA_ATIME | VA_MTIME);
	dentry_put(d);
	return r;
}
