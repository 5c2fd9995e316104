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

#define AT_NO_AUTOMOUNT 0x800
#define AT_STATX_SYNC_TYPE 0x6000
#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)

struct kstat_k { /* struct stat of the Linux x86_64 ABI */
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	int64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec,
		st_ctime_nsec;
	int64_t unused[3];
};

struct statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};
struct statx_k {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad1;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};

struct statfs_k {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};

struct timespec_k {
	int64_t tv_sec, tv_nsec;
};

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
	if (!path[0] && (flags & AT_EMPTY_PATH)) {
		vfs_path_free(path);
		if (dirfd == AT_FDCWD) {
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
	bool follow = follow_default ? !(flags & AT_SYMLINK_NOFOLLOW) : (flags & AT_SYMLINK_FOLLOW);
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
	r = fd_install(f, (unsigned)flags & O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

long sys_open(const char *path, int flags, unsigned mode)
{
	return sys_openat(AT_FDCWD, path, flags, mode);
}

long sys_creat(const char *path, unsigned mode)
{
	return sys_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* ---- stat ---- */

static void fill_stat(struct vnode *vn, struct kstat_k *st)
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

long sys_newfstatat(int dirfd, const char *path, struct kstat_k *ust, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	if (!uaccess_ok(ust, sizeof(*ust), true))
		return -EFAULT;
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(dirfd, path, flags, true, &d, &vn);
	if (r < 0)
		return r;
	struct kstat_k st;
	fill_stat(vn, &st);
	resolve_put(r, d, vn);
	memcpy(ust, &st, sizeof(st));
	return 0;
}

long sys_stat(const char *path, struct kstat_k *st)
{
	return sys_newfstatat(AT_FDCWD, path, st, 0);
}

long sys_lstat(const char *path, struct kstat_k *st)
{
	return sys_newfstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

long sys_fstat(int fd, struct kstat_k *ust)
{
	if (!uaccess_ok(ust, sizeof(*ust), true))
		return -EFAULT;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	struct kstat_k st;
	fill_stat(f->vnode, &st);
	file_put(f);
	memcpy(ust, &st, sizeof(st));
	return 0;
}

static struct statx_ts statx_time(uint64_t ns)
{
	return (struct statx_ts){ (int64_t)(ns / 1000000000), (uint32_t)(ns % 1000000000), 0 };
}

long sys_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx_k *ubuf)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & 0x80000000u))
		return -EINVAL;
	if (!uaccess_ok(ubuf, sizeof(*ubuf), true))
		return -EFAULT;
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(dirfd, path, flags, true, &d, &vn);
	if (r < 0)
		return r;
	struct kstat_k st;
	fill_stat(vn, &st);
	struct statx_k x = {
		.stx_mask = 0x7ff, /* STATX_BASIC_STATS */
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
	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x200 /* AT_EACCESS */))
		return -EINVAL;
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(dirfd, path, flags, true, &d, &vn);
	if (r < 0)
		return r;
	int mask = (mode & 4 ? MAY_READ : 0) | (mode & 2 ? MAY_WRITE : 0) | (mode & 1 ? MAY_EXEC : 0);
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
	return sys_faccessat2(AT_FDCWD, path, mode, 0);
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
	size_t reclen = b->old ? ALIGN_UP(8 + 8 + 2 + len + 2, 8UL) : ALIGN_UP(8 + 8 + 2 + 1 + len + 1, 8UL);
	if (b->used + reclen > b->size) {
		b->full = true;
		return false;
	}
	char *p = b->buf + b->used;
	uint64_t off = next_pos;
	uint16_t rl = (uint16_t)reclen;
	memcpy(p, &ino, 8);
	memcpy(p + 8, &off, 8);
	memcpy(p + 16, &rl, 2);
	if (b->old) {
		memcpy(p + 18, name, len);
		memset(p + 18 + len, 0, reclen - 18 - len);
		p[reclen - 1] = (char)type;
	} else {
		p[18] = (char)type;
		memcpy(p + 19, name, len);
		memset(p + 19 + len, 0, reclen - 19 - len);
	}
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
	return sys_mkdirat(AT_FDCWD, upath, mode);
}

long sys_rmdir(const char *upath)
{
	return PATH_CALL(upath, vfs_rmdir(AT_FDCWD, path));
}

long sys_unlinkat(int dirfd, const char *upath, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	if (flags & AT_REMOVEDIR)
		return PATH_CALL(upath, vfs_rmdir(dirfd, path));
	return PATH_CALL(upath, vfs_unlink(dirfd, path));
}

long sys_unlink(const char *upath)
{
	return sys_unlinkat(AT_FDCWD, upath, 0);
}

long sys_mknodat(int dirfd, const char *upath, unsigned mode, unsigned dev)
{
	unsigned major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	return PATH_CALL(upath, vfs_mknod(dirfd, path, mode, VFS_MKDEV(major, minor)));
}

long sys_mknod(const char *upath, unsigned mode, unsigned dev)
{
	return sys_mknodat(AT_FDCWD, upath, mode, dev);
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
	return sys_symlinkat(target, AT_FDCWD, path);
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
	return sys_linkat(AT_FDCWD, old, AT_FDCWD, new, 0);
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
	return sys_renameat2(AT_FDCWD, old, AT_FDCWD, new, 0);
}

long sys_readlinkat(int dirfd, const char *upath, char *ubuf, int size)
{
	if (size <= 0)
		return -EINVAL;
	if (!uaccess_ok(ubuf, (size_t)size, true))
		return -EFAULT;
	struct dentry *d;
	struct vnode *vn;
	if (dirfd == AT_FDCWD && uaccess_ok(upath, 1, false) && !upath[0])
		return -ENOENT;
	int r = resolve_at(dirfd, upath, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, true, &d, &vn);
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
	return sys_readlinkat(AT_FDCWD, path, buf, size);
}

/* ---- attributes ---- */

long sys_truncate(const char *upath, long len)
{
	if (len < 0)
		return -EINVAL;
	struct dentry *d;
	struct vnode *vn;
	int r = resolve_at(AT_FDCWD, upath, 0, true, &d, &vn);
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
	unsigned a = f->flags & O_ACCMODE;
	long r;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if (!f->vnode || !S_ISREG(f->vnode->mode) || a == O_RDONLY)
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
	long r = (f->flags & O_PATH) ? -EBADF : vfs_setattr(f->vnode, va, which);
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
	return sys_fchmodat(AT_FDCWD, path, mode);
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
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vattr va = { .uid = uid, .gid = gid };
	return setattr_at(dirfd, path, flags, &va, chown_which(uid, gid));
}

long sys_chown(const char *path, uint32_t uid, uint32_t gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, 0);
}

long sys_lchown(const char *path, uint32_t uid, uint32_t gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

long sys_fchown(int fd, uint32_t uid, uint32_t gid)
{
	struct vattr va = { .uid = uid, .gid = gid };
	return setattr_fd(fd, &va, chown_which(uid, gid));
}

long sys_utimensat(int dirfd, const char *upath, const struct timespec_k *times, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
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
			if (ns == UTIME_OMIT) {
				which &= ~(i ? VA_MTIME : VA_ATIME);
				continue;
			}
			if (ns == UTIME_NOW)
				continue;
			if (ns < 0 || ns >= 1000000000)
				return -EINVAL;
			*t = s < 0 ? 0 : (uint64_t)s * 1000000000 + (uint64_t)ns;
		}
	}
	if (!upath) /* futimens: the fd itself (a Linux extension musl uses) */
		return dirfd == AT_FDCWD ? -EFAULT : setattr_fd(dirfd, &va, which);
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
	r = vfs_walk(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &d, NULL, NULL);
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
	int r = resolve_at(AT_FDCWD, path, 0, true, &d, &vn);
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

#define MS_REMOUNT 32
#define MS_BIND 4096
#define MS_MOVE 8192
#define MS_SILENT 32768
#define MS_MGC_VAL 0xc0ed0000UL

long sys_mount(const char *usource, const char *utarget, const char *utype, unsigned long flags,
	       const void *udata)
{
	if ((flags & 0xffff0000UL) == MS_MGC_VAL)
		flags &= 0xffff;
	if (flags & (MS_REMOUNT | MS_BIND | MS_MOVE))
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
			      (unsigned)(flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)), data);
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
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (!uaccess_ok(ufds, 2 * sizeof(int), true))
		return -EFAULT;
	struct file *rd, *wr;
	int r = pipe_create(&rd, &wr, (unsigned)flags);
	if (r < 0)
		return r;
	int fr = fd_install(rd, (unsigned)flags & O_CLOEXEC);
	if (fr < 0) {
		file_put(rd);
		file_put(wr);
		return fr;
	}
	int fw = fd_install(wr, (unsigned)flags & O_CLOEXEC);
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
