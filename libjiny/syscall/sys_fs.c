/*
 * sys_fs.c - path-based file system calls: open*, stat family, access,
 * getdents, the namespace calls (mkdir, unlink, rename, link, symlink...),
 * attributes (chmod, chown, utimensat, truncate), cwd, umask, statfs,
 * mount, pipe. Each copies its paths in with vfs_path_from_user (EFAULT,
 * ENAMETOOLONG), checks the other pointers with uaccess_ok, and calls the
 * VFS (fs/fsops.c). Linux x86_64 structure layouts and errno rules.
 */
#include "syscall/sys.h"
#include "fs/vfs.h"
#include "mm/mm.h"

/* ---- helpers ---- */

static int get_path(const char *up, char **out)
{
	return vfs_path_from_user(up, out);
}

/* The vnode (and dentry) a *at() call names: path, or the fd itself for "" + AT_EMPTY_PATH. */
static int resolve_at(int dirfd, const char *upath, int flags, bool follow_default,
		      struct dentry **dout, struct vnode **vout)
{
	char *path;
	int r = get_path(upath, &path);
	if (r < 0)
		return r;
	if (!path[0] && (flags & AT_EMPTY_PATH_K)) {
		vfs_path_free(path);
		if (dirfd == AT_FDCWD_K) {
			struct dentry *d = vfs_task()->cwd;
			dentry_get(d);
			*dout = d;
			*vout = d->vnode;
			return 0;
		}
		struct file *f = fd_get(dirfd);
		if (!f)
			return -EBADF;
		if (f->dentry) {
			dentry_get(f->dentry);
			*dout = f->dentry;
		} else {
			*dout = NULL;
		}
		vnode_get(f->vnode);
		*vout = f->vnode;
		file_put(f);
		if (!*dout) { /* a pipe: no dentry; keep the vnode reference */
			return 1;
		}
		vnode_put(*vout);
		return 0;
	}
	bool follow = follow_default ? !(flags & AT_SYMLINK_NOFOLLOW_K)
				     : (flags & AT_SYMLINK_FOLLOW_K);
	struct dentry *d;
	r = vfs_walk(dirfd, path, follow ? LOOKUP_FOLLOW : 0, &d, NULL, NULL);
	vfs_path_free(path);
	if (r < 0)
		return r;
	struct file *mf = follow ? vfs_magic_file(d) : NULL;
	if (mf) { /* /proc/PID/fd/N of a pipe: the pipe itself, as for the fd */
		dentry_put(d);
		vnode_get(mf->vnode);
		*dout = NULL;
		*vout = mf->vnode;
		file_put(mf);
		return 1;
	}
	*dout = d;
	*vout = d->vnode;
	return 0;
}

/* Release what resolve_at returned (r is its return value). */
static void resolve_put(int r, struct dentry *d, struct vnode *vn)
{
	if (r == 1)
		vnode_put(vn);
	else if (d)
		dentry_put(d);
}

/* ---- open ---- */

long sys_openat(int dirfd, const char *upath, int flags, unsigned mode)
{
	char *path;
	int r = get_path(upath, &path);
	if (r < 0)
		return r;
	struct file *f;
	r = vfs_open(dirfd, path, (unsigned)flags, mode, &f);
	vfs_path_free(path);
	if (r < 0)
		return r;
	r = fd_install(f, (unsigned)flags & O_CLOEXEC_K);
	if (r < 0)
		file_put(f);
	return r;
}

long sys_open(const char *path, int flags, unsigned mode)
{
	return sys_openat(AT_FDCWD_K, path, flags, mode);
}

long sys_creat(const char *path, unsigned mode)
{
	return sys_openat(AT_FDCWD_K, path, O_CREAT_K | O_WRONLY_K | O_TRUNC_K, mode);
}

/* ---- stat ---- */

static void fill_stat(struct vnode *vn, struct stat_k *st)
{
	memset(st, 0, sizeof(*st));
	vfs_fill_stat_dev(vn, &st->st_dev);
	st->st_ino = vn->ino;
	st->st_nlink = vn->nlink;
	st->st_mode = vn->mode;
	st->st_uid = vn->uid;
	st->st_gid = vn->gid;
	st->st_rdev = vn->rdev;
	st->st_size = S_ISFIFO(vn->mode) ? 0 : (int64_t)vn->size;
	st->st_blksize = PAGE_SIZE;
	st->st_blocks = (int64_t)vn->blocks;
	st->st_atime_sec = (int64_t)(vn->atime_ns / 1000000000);
	st->st_atime_nsec = (int64_t)(vn->atime_ns % 1000000000);
	st->st_mtime_sec = (int64_t)(vn->mtime_ns / 1000000000);
	st->st_mtime_nsec = (int64_t)(vn->mtime_ns % 1000000000);
	st->st_ctime_sec = (int64_t)(vn->ctime_ns / 1000000000);
	st->st_ctime_nsec = (int64_t)(vn->ctime_ns % 1000000000);
}

long sys_newfstatat(int dirfd, const char *path, struct stat_k *ust, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW_K | AT_EMPTY_PATH_K | AT_NO_AUTOMOUNT_K))
		return -EINVAL;
	if (!uaccess_ok(ust, sizeof(*ust), true))
		return -EFAULT;
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(dirfd, path, flags, true, &d, &vn);
	if (r < 0)
		return r;
	struct stat_k st;
	fill_stat(vn, &st);
	resolve_put(r, d, vn);
	memcpy(ust, &st, sizeof(st));
	return 0;
}

long sys_stat(const char *path, struct stat_k *st)
{
	return sys_newfstatat(AT_FDCWD_K, path, st, 0);
}

long sys_lstat(const char *path, struct stat_k *st)
{
	return sys_newfstatat(AT_FDCWD_K, path, st, AT_SYMLINK_NOFOLLOW_K);
}

long sys_fstat(int fd, struct stat_k *ust)
{
	if (!uaccess_ok(ust, sizeof(*ust), true))
		return -EFAULT;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	struct stat_k st;
	fill_stat(f->vnode, &st);
	file_put(f);
	memcpy(ust, &st, sizeof(st));
	return 0;
}

static struct statx_timestamp_k statx_time(uint64_t ns)
{
	return (struct statx_timestamp_k){ (int64_t)(ns / 1000000000),
					   (uint32_t)(ns % 1000000000), 0 };
}

long sys_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx_k *ubuf)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW_K | AT_EMPTY_PATH_K | AT_NO_AUTOMOUNT_K |
		      AT_STATX_SYNC_TYPE_K))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE_K) == AT_STATX_SYNC_TYPE_K || (mask & STATX__RESERVED_K))
		return -EINVAL;
	if (!uaccess_ok(ubuf, sizeof(*ubuf), true))
		return -EFAULT;
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(dirfd, path, flags, true, &d, &vn);
	if (r < 0)
		return r;
	struct stat_k st;
	fill_stat(vn, &st);
	struct statx_k x = {
		.stx_mask = STATX_BASIC_STATS_K,
		.stx_blksize = (uint32_t)st.st_blksize,
		.stx_nlink = (uint32_t)st.st_nlink,
		.stx_uid = st.st_uid,
		.stx_gid = st.st_gid,
		.stx_mode = (uint16_t)st.st_mode,
		.stx_ino = st.st_ino,
		.stx_size = (uint64_t)st.st_size,
		.stx_blocks = (uint64_t)st.st_blocks,
		.stx_atime = statx_time(vn->atime_ns),
		.stx_ctime = statx_time(vn->ctime_ns),
		.stx_mtime = statx_time(vn->mtime_ns),
		.stx_rdev_major = vn->rdev >> 8,
		.stx_rdev_minor = vn->rdev & 0xff,
		.stx_dev_major = 0,
		.stx_dev_minor = (uint32_t)st.st_dev,
	};
	resolve_put(r, d, vn);
	memcpy(ubuf, &x, sizeof(x));
	return 0;
}

/* ---- access ---- */

long sys_faccessat2(int dirfd, const char *path, int mode, int flags)
{
	if (mode & ~(R_OK_K | W_OK_K | X_OK_K))
		return -EINVAL;
	if (flags & ~(AT_SYMLINK_NOFOLLOW_K | AT_EMPTY_PATH_K | AT_EACCESS_K))
		return -EINVAL;
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(dirfd, path, flags, true, &d, &vn);
	if (r < 0)
		return r;
	int mask = (mode & R_OK_K ? MAY_READ : 0) | (mode & W_OK_K ? MAY_WRITE : 0) |
		   (mode & X_OK_K ? MAY_EXEC : 0);
	long res = vfs_permission(vn, mask);
	resolve_put(r, d, vn);
	return res;
}

long sys_faccessat(int dirfd, const char *path, int mode)
{
	return sys_faccessat2(dirfd, path, mode, 0);
}

long sys_access(const char *path, int mode)
{
	return sys_faccessat2(AT_FDCWD_K, path, mode, 0);
}

/* ---- directories ---- */

struct dirent_buf {
	char *buf;
	size_t size, used;
	bool old;   /* getdents(2)'s struct linux_dirent */
	bool full;  /* an entry did not fit */
};

static bool emit_dirent(struct vfs_dirent_sink *s, const char *name, size_t len, uint64_t ino,
			unsigned type, uint64_t next_pos)
{
	struct dirent_buf *b = s->priv;
	size_t name_at = b->old ? offsetof(struct linux_dirent_k, d_name)
				: offsetof(struct linux_dirent64_k, d_name);
	/* the name, its NUL and (old format) d_type after it, padded to 8 bytes */
	size_t reclen = ALIGN_UP(name_at + len + (b->old ? 2 : 1), 8UL);
	if (b->used + reclen > b->size) {
		b->full = true;
		return false;
	}
	char *p = b->buf + b->used;
	uint64_t off = next_pos;
	uint16_t rl = (uint16_t)reclen;
	/* d_ino, d_off and d_reclen have the same places in both formats */
	memcpy(p + offsetof(struct linux_dirent64_k, d_ino), &ino, 8);
	memcpy(p + offsetof(struct linux_dirent64_k, d_off), &off, 8);
	memcpy(p + offsetof(struct linux_dirent64_k, d_reclen), &rl, 2);
	memcpy(p + name_at, name, len);
	memset(p + name_at + len, 0, reclen - name_at - len);
	if (b->old)
		p[reclen - 1] = (char)type;
	else
		p[offsetof(struct linux_dirent64_k, d_type)] = (char)type;
	b->used += reclen;
	s->pos = next_pos;
	return true;
}

static long do_getdents(int fd, void *ubuf, size_t count, bool old)
{
	if (!uaccess_ok(ubuf, count, true))
		return -EFAULT;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	struct dirent_buf b = { ubuf, MIN(count, (size_t)INT32_MAX), 0, old, false };
	struct vfs_dirent_sink sink = { .emit = emit_dirent, .priv = &b };
	long r = vfs_getdents(f, &sink);
	file_put(f);
	if (r < 0)
		return r;
	if (!b.used && b.full) /* not even one entry fits */
		return -EINVAL;
	return (long)b.used;
}

long sys_getdents64(int fd, void *buf, size_t count)
{
	return do_getdents(fd, buf, count, false);
}

long sys_getdents(int fd, void *buf, size_t count)
{
	return do_getdents(fd, buf, count, true);
}

/* Runs fn(dirfd, path, arg) with the path copied in. */
#define PATH_CALL(upath, call)                                                \
	({                                                                    \
		char *path;                                                   \
		long r_ = get_path(upath, &path);                             \
		if (r_ >= 0) {                                                \
			r_ = (call);                                          \
			vfs_path_free(path);                                  \
		}                                                             \
		r_;                                                           \
	})

long sys_mkdirat(int dirfd, const char *upath, unsigned mode)
{
	return PATH_CALL(upath, vfs_mkdir(dirfd, path, mode));
}

long sys_mkdir(const char *upath, unsigned mode)
{
	return sys_mkdirat(AT_FDCWD_K, upath, mode);
}

long sys_rmdir(const char *upath)
{
	return PATH_CALL(upath, vfs_rmdir(AT_FDCWD_K, path));
}

long sys_unlinkat(int dirfd, const char *upath, int flags)
{
	if (flags & ~AT_REMOVEDIR_K)
		return -EINVAL;
	if (flags & AT_REMOVEDIR_K)
		return PATH_CALL(upath, vfs_rmdir(dirfd, path));
	return PATH_CALL(upath, vfs_unlink(dirfd, path));
}

long sys_unlink(const char *upath)
{
	return sys_unlinkat(AT_FDCWD_K, upath, 0);
}

long sys_mknodat(int dirfd, const char *upath, unsigned mode, unsigned dev)
{
	unsigned major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	return PATH_CALL(upath, vfs_mknod(dirfd, path, mode, VFS_MKDEV(major, minor)));
}

long sys_mknod(const char *upath, unsigned mode, unsigned dev)
{
	return sys_mknodat(AT_FDCWD_K, upath, mode, dev);
}

long sys_symlinkat(const char *utarget, int dirfd, const char *upath)
{
	char *target;
	long r = get_path(utarget, &target);
	if (r < 0)
		return r;
	r = PATH_CALL(upath, vfs_symlink(target, dirfd, path));
	vfs_path_free(target);
	return r;
}

long sys_symlink(const char *target, const char *path)
{
	return sys_symlinkat(target, AT_FDCWD_K, path);
}

long sys_linkat(int olddirfd, const char *uold, int newdirfd, const char *unew, int flags)
{
	char *old;
	long r = get_path(uold, &old);
	if (r < 0)
		return r;
	r = PATH_CALL(unew, vfs_link(olddirfd, old, newdirfd, path, (unsigned)flags));
	vfs_path_free(old);
	return r;
}

long sys_link(const char *old, const char *new)
{
	return sys_linkat(AT_FDCWD_K, old, AT_FDCWD_K, new, 0);
}

long sys_renameat2(int olddirfd, const char *uold, int newdirfd, const char *unew,
		   unsigned flags)
{
	char *old;
	long r = get_path(uold, &old);
	if (r < 0)
		return r;
	r = PATH_CALL(unew, vfs_rename(olddirfd, old, newdirfd, path, flags));
	vfs_path_free(old);
	return r;
}

long sys_renameat(int olddirfd, const char *old, int newdirfd, const char *new)
{
	return sys_renameat2(olddirfd, old, newdirfd, new, 0);
}

long sys_rename(const char *old, const char *new)
{
	return sys_renameat2(AT_FDCWD_K, old, AT_FDCWD_K, new, 0);
}

long sys_readlinkat(int dirfd, const char *upath, char *ubuf, int size)
{
	if (size <= 0)
		return -EINVAL;
	if (!uaccess_ok(ubuf, (size_t)size, true))
		return -EFAULT;
	struct dentry *d;
	struct vnode *vn;
	if (dirfd == AT_FDCWD_K && uaccess_ok(upath, 1, false) && !upath[0])
		return -ENOENT;
	int r = resolve_at(dirfd, upath, AT_EMPTY_PATH_K | AT_SYMLINK_NOFOLLOW_K, true, &d, &vn);
	if (r < 0)
		return r;
	char *buf = NULL;
	long n = -EINVAL;
	if (S_ISLNK(vn->mode)) {
		buf = kmalloc(VFS_PATH_MAX);
		n = buf ? vfs_readlink(vn, buf, MIN((size_t)size, (size_t)VFS_PATH_MAX)) : -ENOMEM;
	}
	resolve_put(r, d, vn);
	if (n > 0)
		memcpy(ubuf, buf, (size_t)n);
	kfree(buf);
	return n;
}

long sys_readlink(const char *path, char *buf, int size)
{
	/* readlink(2) has no AT_EMPTY_PATH: "" is ENOENT. */
	if (uaccess_ok(path, 1, false) && !path[0])
		return -ENOENT;
	return sys_readlinkat(AT_FDCWD_K, path, buf, size);
}

/* ---- attributes ---- */

long sys_truncate(const char *upath, long len)
{
	if (len < 0)
		return -EINVAL;
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(AT_FDCWD_K, upath, 0, true, &d, &vn);
	if (r < 0)
		return r;
	long res = vfs_truncate(vn, (uint64_t)len);
	resolve_put(r, d, vn);
	return res;
}

long sys_ftruncate(int fd, long len)
{
	if (len < 0)
		return -EINVAL;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	unsigned a = f->flags & O_ACCMODE_K;
	long r;
	if (f->flags & O_PATH_K)
		r = -EBADF;
	else if (!f->vnode || !S_ISREG(f->vnode->mode) || a == O_RDONLY_K)
		r = -EINVAL;
	else
		r = vfs_truncate(f->vnode, (uint64_t)len);
	file_put(f);
	return r;
}

static long setattr_at(int dirfd, const char *upath, int flags, const struct vattr *va,
		       unsigned which)
{
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(dirfd, upath, flags, true, &d, &vn);
	if (r < 0)
		return r;
	long res = vfs_setattr(vn, va, which);
	resolve_put(r, d, vn);
	return res;
}

static long setattr_fd(int fd, const struct vattr *va, unsigned which)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = (f->flags & O_PATH_K) ? -EBADF : vfs_setattr(f->vnode, va, which);
	file_put(f);
	return r;
}

long sys_fchmodat(int dirfd, const char *path, unsigned mode)
{
	struct vattr va = { .mode = mode };
	return setattr_at(dirfd, path, 0, &va, VA_MODE);
}

long sys_chmod(const char *path, unsigned mode)
{
	return sys_fchmodat(AT_FDCWD_K, path, mode);
}

long sys_fchmod(int fd, unsigned mode)
{
	struct vattr va = { .mode = mode };
	return setattr_fd(fd, &va, VA_MODE);
}

static unsigned chown_which(uint32_t uid, uint32_t gid)
{
	return (uid != (uint32_t)-1 ? VA_UID : 0) | (gid != (uint32_t)-1 ? VA_GID : 0);
}

long sys_fchownat(int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW_K | AT_EMPTY_PATH_K))
		return -EINVAL;
	struct vattr va = { .uid = uid, .gid = gid };
	return setattr_at(dirfd, path, flags, &va, chown_which(uid, gid));
}

long sys_chown(const char *path, uint32_t uid, uint32_t gid)
{
	return sys_fchownat(AT_FDCWD_K, path, uid, gid, 0);
}

long sys_lchown(const char *path, uint32_t uid, uint32_t gid)
{
	return sys_fchownat(AT_FDCWD_K, path, uid, gid, AT_SYMLINK_NOFOLLOW_K);
}

long sys_fchown(int fd, uint32_t uid, uint32_t gid)
{
	struct vattr va = { .uid = uid, .gid = gid };
	return setattr_fd(fd, &va, chown_which(uid, gid));
}

long sys_utimensat(int dirfd, const char *upath, const struct timespec_k *times, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW_K | AT_EMPTY_PATH_K))
		return -EINVAL;
	struct vattr va = { 0 };
	unsigned which = VA_ATIME | VA_MTIME;
	uint64_t now = vfs_now();
	va.atime_ns = va.mtime_ns = now;
	if (times) {
		if (!uaccess_ok(times, 2 * sizeof(*times), false))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			int64_t s = times[i].tv_sec, ns = times[i].tv_nsec;
			uint64_t *t = i ? &va.mtime_ns : &va.atime_ns;
			if (ns == UTIME_OMIT_K) {
				which &= ~(i ? VA_MTIME : VA_ATIME);
				continue;
			}
			if (ns == UTIME_NOW_K)
				continue;
			if (ns < 0 || ns >= 1000000000)
				return -EINVAL;
			*t = s < 0 ? 0 : (uint64_t)s * 1000000000 + (uint64_t)ns;
		}
	}
	if (!upath) /* futimens: the fd itself (a Linux extension musl uses) */
		return dirfd == AT_FDCWD_K ? -EFAULT : setattr_fd(dirfd, &va, which);
	if (!which) { /* both omitted: only check that the file exists */
		struct dentry *d;
		struct vnode *vn;
		int r = resolve_at(dirfd, upath, flags, true, &d, &vn);
		if (r >= 0)
			resolve_put(r, d, vn);
		return r < 0 ? r : 0;
	}
	return setattr_at(dirfd, upath, flags, &va, which);
}

long sys_umask(unsigned mask)
{
	struct fs_context *ctx = vfs_task();
	return (long)__atomic_exchange_n(&ctx->umask, mask & 0777, __ATOMIC_RELAXED);
}

/* ---- cwd ---- */

long sys_chdir(const char *upath)
{
	char *path;
	long r = get_path(upath, &path);
	if (r < 0)
		return r;
	struct dentry *d;
	r = vfs_walk(AT_FDCWD_K, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &d, NULL, NULL);
	vfs_path_free(path);
	if (r < 0)
		return r;
	r = vfs_chdir(d);
	dentry_put(d);
	return r;
}

long sys_fchdir(int fd)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = f->dentry ? vfs_chdir(f->dentry) : -ENOTDIR;
	file_put(f);
	return r;
}

long sys_getcwd(char *ubuf, size_t size)
{
	if (!uaccess_ok(ubuf, size, true))
		return -EFAULT;
	if (!size)
		return -ERANGE;
	char *buf = kmalloc(VFS_PATH_MAX);
	if (!buf)
		return -ENOMEM;
	struct fs_context *ctx = vfs_task();
	struct dentry *cwd = ctx->cwd;
	dentry_get(cwd);
	ssize_t n = vfs_d_path(cwd, buf, VFS_PATH_MAX, false);
	dentry_put(cwd);
	if (n >= 0 && (size_t)n + 1 > size)
		n = -ERANGE;
	if (n >= 0) {
		memcpy(ubuf, buf, (size_t)n + 1);
		n++;
	}
	kfree(buf);
	return n;
}

/* ---- statfs ---- */

static long put_statfs(struct vnode *vn, struct statfs_k *ubuf)
{
	struct kstatfs k;
	vfs_statfs(vn, &k);
	struct statfs_k s = {
		.f_type = (int64_t)k.type, .f_bsize = (int64_t)k.bsize, .f_blocks = k.blocks,
		.f_bfree = k.bfree, .f_bavail = k.bavail, .f_files = k.files, .f_ffree = k.ffree,
		.f_fsid = { vn->mnt ? (int32_t)vn->mnt->dev : 0, 0 },
		.f_namelen = (int64_t)k.namelen, .f_frsize = (int64_t)k.frsize,
		.f_flags = (int64_t)k.flags,
	};
	memcpy(ubuf, &s, sizeof(s));
	return 0;
}

long sys_statfs(const char *path, struct statfs_k *ubuf)
{
	if (!uaccess_ok(ubuf, sizeof(*ubuf), true))
		return -EFAULT;
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(AT_FDCWD_K, path, 0, true, &d, &vn);
	if (r < 0)
		return r;
	long res = put_statfs(vn, ubuf);
	resolve_put(r, d, vn);
	return res;
}

long sys_fstatfs(int fd, struct statfs_k *ubuf)
{
	if (!uaccess_ok(ubuf, sizeof(*ubuf), true))
		return -EFAULT;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = put_statfs(f->vnode, ubuf);
	file_put(f);
	return r;
}

/* ---- mount ---- */


long sys_mount(const char *usource, const char *utarget, const char *utype, unsigned long flags,
	       const void *udata)
{
	if ((flags & 0xffff0000UL) == MS_MGC_VAL_K)
		flags &= 0xffff;
	if (flags & (MS_REMOUNT_K | MS_BIND_K | MS_MOVE_K))
		return -EINVAL; /* not supported (yet) */
	char *source = NULL, *target = NULL, *type = NULL, *data = NULL;
	long r = get_path(utarget, &target);
	if (r >= 0)
		r = get_path(utype, &type);
	if (r >= 0 && usource)
		r = get_path(usource, &source);
	if (r >= 0 && udata)
		r = get_path(udata, &data); /* a string for the file systems we have */
	if (r >= 0)
		r = vfs_mount(source ? source : type, target, type,
			      (unsigned)(flags & (MS_RDONLY_K | MS_NOSUID_K | MS_NODEV_K |
						  MS_NOEXEC_K)), data);
	vfs_path_free(source);
	vfs_path_free(target);
	vfs_path_free(type);
	vfs_path_free(data);
	return r;
}

long sys_umount2(const char *utarget, int flags)
{
	if (flags & ~0xf)
		return -EINVAL;
	return PATH_CALL(utarget, vfs_umount(path, (unsigned)flags));
}

/* ---- pipes ---- */

long sys_pipe2(int *ufds, int flags)
{
	if (flags & ~(O_CLOEXEC_K | O_NONBLOCK_K | O_DIRECT_K))
		return -EINVAL;
	if (!uaccess_ok(ufds, 2 * sizeof(int), true))
		return -EFAULT;
	struct file *rd, *wr;
	int r = pipe_create(&rd, &wr, (unsigned)flags);
	if (r < 0)
		return r;
	int fr = fd_install(rd, (unsigned)flags & O_CLOEXEC_K);
	if (fr < 0) {
		file_put(rd);
		file_put(wr);
		return fr;
	}
	int fw = fd_install(wr, (unsigned)flags & O_CLOEXEC_K);
	if (fw < 0) {
		fd_close(fr);
		file_put(wr);
		return fw;
	}
	ufds[0] = fr;
	ufds[1] = fw;
	return 0;
}

long sys_pipe(int *fds)
{
	return sys_pipe2(fds, 0);
}
