/*
 * vfs.h - the virtual file system: the contract between the system calls
 * (syscall/sys_fs.c and friends), the VFS core (fs/vfs.c, fs/namei.c,
 * fs/file.c) and the file systems (fs/ramfs.c, fs/devfs.c, fs/procfs.c,
 * fs/pipe.c, ...).
 *
 * Objects:
 *   vnode   one file of one file system (an inode): type and mode, size,
 *           times, link count, and the operations of its file system.
 *   dentry  a name in the dentry cache: parent, name, the vnode it names
 *           (or none: a cached miss), and the mount covering it, if any.
 *           Path walks go through dentries; '..' follows the parent.
 *   mount   a file system instance attached on a dentry (the root mount on
 *           nothing); the mount table lists them all (/proc/mounts).
 *   file    an open file: vnode + dentry + flags + offset; shared by fds
 *           (dup) and counted.
 *   fdtable a process's descriptor table with close-on-exec bits, in its
 *           fs_context (the HP app's, or a compat process's own).
 *
 * Errors are negative errno values. Every object is reference-counted with
 * vnode_get/put, dentry_get/put, file_get/put. Locks: each vnode has a
 * kmutex (vn->lock) held by the VFS around directory operations and by file
 * systems around data changes; the dentry cache has one lock (dcache_lock,
 * vfs.c).
 * Blocking (kmutex, waitq) is allowed in every operation.
 */
#ifndef JINY_VFS_H
#define JINY_VFS_H

#include "kern/kern.h"
#include "kern/errno.h"
#include "abi/linux.h"
#include "sched/waitq.h"

/* File types of a mode (the S_IF*_K values of abi/fs.h). */
#define S_ISDIR(m) (((m) & S_IFMT_K) == S_IFDIR_K)
#define S_ISREG(m) (((m) & S_IFMT_K) == S_IFREG_K)
#define S_ISLNK(m) (((m) & S_IFMT_K) == S_IFLNK_K)
#define S_ISCHR(m) (((m) & S_IFMT_K) == S_IFCHR_K)
#define S_ISFIFO(m) (((m) & S_IFMT_K) == S_IFIFO_K)
#define S_ISBLK(m) (((m) & S_IFMT_K) == S_IFBLK_K)
#define S_ISSOCK(m) (((m) & S_IFMT_K) == S_IFSOCK_K)

#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096
#define VFS_SYMLINK_MAX 40 /* symlinks followed in one walk before ELOOP */

struct vnode;
struct dentry;
struct mount;
struct file;
struct vattr;
struct vfs_dirent_sink;
struct vfs_lock;
struct pipe;

/* What a poll/select/epoll caller hands to file_ops.poll to be woken later. */
struct poll_table {
	/* Called by the file for each waitq that signals a change of its events. */
	void (*queue)(struct poll_table *pt, struct waitq *wq);
	void *priv;
};

/* Operations on an open file (per vnode type; devices and pipes bring their own). */
struct file_ops {
	int (*open)(struct vnode *vn, struct file *f);           /* optional */
	void (*release)(struct file *f);                          /* last close; optional */
	ssize_t (*read)(struct file *f, void *buf, size_t n, uint64_t *pos);
	ssize_t (*write)(struct file *f, const void *buf, size_t n, uint64_t *pos);
	int (*readdir)(struct file *f, struct vfs_dirent_sink *sink); /* directories */
	long (*ioctl)(struct file *f, unsigned long req, unsigned long arg);
	/* Current events (POLLIN...); if pt, queue pt on the waitqs that signal changes. */
	unsigned (*poll)(struct file *f, struct poll_table *pt);
	int (*fsync)(struct file *f);
	/* readv/writev at the file's position as one transfer (sockets: one
	 * message over the whole vector); optional, else one read/write per
	 * iovec. The vector is checked (sys_io.c). */
	ssize_t (*readv)(struct file *f, const struct iovec_k *iov, int cnt);
	ssize_t (*writev)(struct file *f, const struct iovec_k *iov, int cnt);
	bool seekable;                                            /* lseek allowed */
};

/* readdir: the file system calls emit() per entry from position *pos on. */
struct vfs_dirent_sink {
	/* Returns false when the caller's buffer is full (stop; *pos stays at this entry). */
	bool (*emit)(struct vfs_dirent_sink *s, const char *name, size_t len, uint64_t ino,
		     unsigned type /* DT_* */, uint64_t next_pos);
	uint64_t pos; /* where to start; the file system reads it */
	void *priv;
};

/* Operations on a vnode, called by the VFS with dir->lock held for the directory ones. */
struct vnode_ops {
	/* Find 'name' in directory 'dir': a new reference in *out, or -ENOENT. */
	int (*lookup)(struct vnode *dir, const char *name, size_t len, struct vnode **out);
	/* Create a node (regular, directory, fifo, device: mode has the type) or -EEXIST. */
	int (*create)(struct vnode *dir, const char *name, size_t len, unsigned mode,
		      uint32_t rdev, struct vnode **out);
	int (*symlink)(struct vnode *dir, const char *name, size_t len, const char *target);
	int (*link)(struct vnode *dir, const char *name, size_t len, struct vnode *target);
	int (*unlink)(struct vnode *dir, const char *name, size_t len);  /* not directories */
	int (*rmdir)(struct vnode *dir, const char *name, size_t len);   /* -ENOTEMPTY */
	/* Move; the target, if present, is replaced (the VFS has checked the types). */
	int (*rename)(struct vnode *olddir, const char *oldname, size_t oldlen,
		      struct vnode *newdir, const char *newname, size_t newlen);
	ssize_t (*readlink)(struct vnode *vn, char *buf, size_t n);
	int (*truncate)(struct vnode *vn, uint64_t size);
	int (*setattr)(struct vnode *vn, const struct vattr *va, unsigned which); /* VA_* */
	/* Last reference gone: free the file system's data. (ramfs's directory entries
	 * hold references, so there it happens only once nlink == 0.) Optional. */
	void (*evict)(struct vnode *vn);
	/* renameat2(RENAME_EXCHANGE): swap two names atomically. Optional (-EINVAL). */
	int (*exchange)(struct vnode *olddir, const char *oldname, size_t oldlen,
			struct vnode *newdir, const char *newname, size_t newlen);
	/* A "magic" link (/proc/PID/exe, cwd, root, fd/N) stands for an object,
	 * not for its text: *d the object's dentry, or *f the open file itself
	 * when it has no path (a pipe), with a reference. Both NULL: an ordinary
	 * symlink, follow the text. The walk goes on from *d (namei.c), open()
	 * and stat() of a pathless one use *f (vfs_magic_file). Optional. */
	int (*magic)(struct vnode *vn, struct dentry **d, struct file **f);
};

/* Attributes (stat). */
struct vattr {
	unsigned mode;
	uint32_t uid, gid;
	uint64_t size;
	uint64_t atime_ns, mtime_ns, ctime_ns; /* realtime */
};
#define VA_MODE 1u
#define VA_UID 2u
#define VA_GID 4u
#define VA_ATIME 8u
#define VA_MTIME 16u
#define VA_CTIME 32u  /* set ctime to va->ctime_ns (else the fs sets it to now) */

/*
 * Locking: "made" fields are set while the vnode is made (vnode_alloc() and
 * the file system's constructor, or mounting, before anyone else can see
 * it) and never change after. vn->lock guards the others as marked; stat()
 * and permission checks read attributes without it (each a word, never
 * torn).
 */
struct vnode {
	const struct vnode_ops *ops; /* made */
	const struct file_ops *fops; /* made */
	struct mount *mnt;           /* made */
	uint64_t ino;                /* made */
	unsigned mode;               /* S_IFMT | permission bits; the type made, the bits
				      * vn->lock (setattr; a write clears S_ISUID/S_ISGID) */
	uint32_t uid, gid;           /* vn->lock (setattr) */
	uint32_t nlink;              /* the vn->lock of the directory whose entry comes or goes
				      * (a directory's own count: its own lock); two directories
				      * linking one file do not exclude each other */
	uint32_t rdev;               /* devices: major << 8 | minor (Linux old encoding); made */
	uint64_t size;               /* vn->lock (a directory's: its entry count) */
	uint64_t atime_ns, mtime_ns, ctime_ns; /* vn->lock where data or entries change; a
				      * few stores hold another lock or none (getdents' atime,
				      * the ctime of a link/unlink/rename target, pipes) */
	int refcount;                /* atomic */
	struct kmutex lock;
	struct waitq poll_wq;        /* readiness changes (pipes, devices, eventfd); own lock */
	void *priv;                  /* file system data; made, its contents the fs's business
				      * (ramfs: vn->lock) */
	/* Added by the VFS core: */
	unsigned vflags;             /* VN_*; made */
	struct vfs_lock *locks;      /* fcntl record locks (fs/lock.c; vn->lock) */
	struct pipe *fifo;           /* a FIFO's pipe while it is open (fs/pipe.c; vn->lock) */
	uint64_t blocks;             /* 512-byte blocks allocated (st_blocks); vn->lock */
};
#define VN_NOCACHE 1u  /* a directory whose names are not cached (procfs): looked up each time */

struct dentry {
	char *name;                  /* "" for a root */
	size_t len;
	struct dentry *parent;       /* itself for a mount's root; '..' crosses mounts */
	struct vnode *vnode;         /* NULL: a cached negative entry */
	struct mount *mnt;           /* the mount this name lives in */
	struct mount *mounted;       /* a mount covering this dentry, or NULL */
	struct dentry *child, *sibling; /* children list (dentry cache lock) */
	int refcount;
	/* Added by the VFS core (all under the dentry cache lock): */
	struct dentry **sib_pprev;   /* the pointer to this one in the children list */
	struct dentry *hash_next, **hash_pprev; /* hash chain of the dentry cache */
	bool unhashed;               /* removed from the cache (unlinked, renamed over,
				      * or never cached): freed at the last put */
};

struct fs_type {
	const char *name;            /* "ramfs", "tmpfs", "devfs", "proc", ... */
	/* Make an instance: its root vnode. 'data' is mount(2)'s data string or NULL. */
	int (*mount)(struct fs_type *t, const char *source, const char *data, struct vnode **root);
	struct fs_type *next;
};

struct mount {
	struct fs_type *type;
	char *source;                /* as mount(2) got it, for /proc/mounts */
	struct dentry *root;         /* root dentry of this instance */
	struct dentry *mountpoint;   /* where it is attached (NULL for /) */
	struct mount *next;          /* mount table */
	uint32_t dev;                /* st_dev */
	unsigned flags;              /* MS_RDONLY... */
	uint64_t next_ino;           /* for file systems that number their own */
	int nopen;                   /* open files on it (umount: EBUSY); atomic */
	void *priv;                  /* file system data (statfs numbers...) */
};

struct file {
	const struct file_ops *ops;
	struct vnode *vnode;
	struct dentry *dentry;       /* NULL for anonymous files (pipes, eventfd, epoll) */
	unsigned flags;              /* O_* status flags (access mode, O_APPEND, O_NONBLOCK) */
	uint64_t pos;
	struct kmutex pos_lock;      /* read/write/lseek on a shared offset */
	int refcount;
	void *priv;
	struct epitem *ep_items;     /* epoll registrations of this file (fs/epoll.c) */
};

/* fs/epoll.c: the file's last reference is gone: drop it from every epoll set. */
void epoll_file_release(struct file *f);

#define FD_MAX 1048576
struct fdtable {
	spinlock_t lock;
	struct file **files;
	uint8_t *cloexec;
	int size;                    /* slots allocated */
	int max;                     /* RLIMIT_NOFILE */
};

/* A process's file-system context (vfs_task()): the HP app's, or a compat process's own. */
struct fs_context {
	struct fdtable fds;
	struct dentry *cwd;
	struct dentry *root;
	unsigned umask;
};

/* ---- core (fs/vfs.c, fs/namei.c, fs/file.c) ---- */
/*
 * Boot order: file-system types and devices register at INITCALL_DRIVER;
 * vfs_init() runs at INITCALL_FS (root ramfs, /dev, /proc, /tmp); the
 * initramfs is unpacked at INITCALL_ROOTFS (after it) with the tree helpers
 * below; kern/app.c calls vfs_open_std_fds() just before the app's _start.
 */
void vfs_init(void);                             /* root ramfs, /dev, /proc mounted */
struct fs_context *vfs_task(void);               /* the calling task's context */
struct fs_context *vfs_app_context(void);        /* the HP app's (process 1) */
void vfs_register(struct fs_type *t);

struct vnode *vnode_alloc(struct mount *mnt, unsigned mode); /* refcount 1, times now */
void vnode_get(struct vnode *vn);
void vnode_put(struct vnode *vn);
void dentry_get(struct dentry *d);
void dentry_put(struct dentry *d);

#define LOOKUP_FOLLOW 1u     /* follow a final symlink */
#define LOOKUP_DIRECTORY 2u  /* the result must be a directory */
#define LOOKUP_PARENT 4u     /* stop at the parent; the last name is returned */
/*
 * Walk 'path' from dirfd (AT_FDCWD or an fd of a directory) in the calling
 * task. LOOKUP_PARENT: *out is the parent and *last, *lastlen the final name
 * ("" for "/"). The result holds a reference.
 */
int vfs_walk(int dirfd, const char *path, unsigned flags, struct dentry **out,
	     const char **last, size_t *lastlen);
/*
 * A following walk that ends on a magic link to a pathless object (a pipe's
 * /proc/PID/fd/N) returns the link itself: the object's open file, with a
 * reference, or NULL for any other dentry.
 */
struct file *vfs_magic_file(struct dentry *d);
/* Follow magic link *d (its reference is dropped): *d becomes the object's
 * dentry, or stays the link when the object is pathless and is_last (else
 * -ENOTDIR). 1: *d was no magic link (follow its text); 0; -errno. */
int vfs_magic_follow(struct dentry **d, bool is_last);

struct file *file_alloc(struct vnode *vn, struct dentry *d, const struct file_ops *ops,
			unsigned flags);
void file_get(struct file *f);
void file_put(struct file *f);
int fd_install(struct file *f, unsigned flags /* O_CLOEXEC */); /* new fd or -EMFILE */
struct file *fd_get(int fd);                     /* a reference, or NULL */
bool fd_table_private(void);                     /* fd_peek() allowed */
struct file *fd_peek(int fd);                    /* no reference: single-threaded callers only */
int fd_close(int fd);

/* Helpers for the pieces that build trees at boot (initramfs, /dev). */
int vfs_mkdir_p(const char *path, unsigned mode);
int vfs_create_file(const char *path, unsigned mode, const void *data, size_t len);
int vfs_symlink_at(const char *target, const char *path);
int vfs_set_owner_times(const char *path, uint32_t uid, uint32_t gid, uint64_t mtime_ns);

/* ---- VFS operations for the system calls (fs/fsops.c, fs/namei.c, fs/file.c) ---- */
struct kstatfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize, flags;
};

#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4
int vfs_permission(struct vnode *vn, int mask);  /* 0 or -EACCES / -EROFS */
/* Walk from a dentry instead of a dirfd (NULL: the task's cwd). */
int vfs_walk_at(struct dentry *start, const char *path, unsigned flags, struct dentry **out,
		const char **last, size_t *lastlen);
/* The dentry of dirfd for a *at() call: cwd, or the fd's (a directory unless empty_ok). */
int vfs_dirfd_dentry(int dirfd, struct dentry **out);
/* The name 'last' in directory dentry 'dir' (positive or negative; cached). */
int vfs_lookup_child(struct dentry *dir, const char *name, size_t len, struct dentry **out);

int vfs_open(int dirfd, const char *path, unsigned flags, unsigned mode, struct file **out);
int vfs_open_dentry(struct dentry *d, unsigned flags, struct file **out);
ssize_t vfs_read(struct file *f, void *buf, size_t n);
ssize_t vfs_write(struct file *f, const void *buf, size_t n);
ssize_t vfs_pread(struct file *f, void *buf, size_t n, uint64_t pos);
ssize_t vfs_pwrite(struct file *f, const void *buf, size_t n, uint64_t pos);
int64_t vfs_lseek(struct file *f, int64_t off, int whence);
int vfs_mknod(int dirfd, const char *path, unsigned mode, uint32_t rdev);
/* The same, and the new node in *out with a reference (AF_UNIX bind: S_IFSOCK). */
int vfs_mknod_get(int dirfd, const char *path, unsigned mode, uint32_t rdev, struct vnode **out);
int vfs_mkdir(int dirfd, const char *path, unsigned mode);
int vfs_rmdir(int dirfd, const char *path);
int vfs_unlink(int dirfd, const char *path);
int vfs_symlink(const char *target, int dirfd, const char *path);
int vfs_link(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	     unsigned flags /* AT_SYMLINK_FOLLOW, AT_EMPTY_PATH */);
int vfs_rename(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	       unsigned flags);
ssize_t vfs_readlink(struct vnode *vn, char *buf, size_t n);
int vfs_truncate(struct vnode *vn, uint64_t size);
int vfs_setattr(struct vnode *vn, const struct vattr *va, unsigned which);
int vfs_statfs(struct vnode *vn, struct kstatfs *st);
int vfs_getdents(struct file *f, struct vfs_dirent_sink *sink);
/* The path of d as seen from the task's root: its length, -ERANGE if n is too small,
 * -ENOENT if d was removed (deleted_ok: append " (deleted)" instead). */
ssize_t vfs_d_path(struct dentry *d, char *buf, size_t n, bool deleted_ok);
int vfs_chdir(struct dentry *d);
int vfs_mount(const char *source, const char *target, const char *type, unsigned flags,
	      const char *data);
int vfs_umount(const char *target, unsigned flags);
/* Call fn for each mount (the mount table lock is held: no blocking). */
void vfs_for_each_mount(void (*fn)(struct mount *m, void *ctx), void *ctx);
struct fs_type *vfs_find_type(const char *name);
void vfs_fill_stat_dev(struct vnode *vn, uint64_t *dev);

/* Character devices: open() of an S_IFCHR node picks fops by rdev (fs/devfs.c). */
#define VFS_MKDEV(major, minor) (((major) << 8) | (minor))
int vfs_register_chrdev(uint32_t rdev, const char *name, const struct file_ops *fops);
const struct file_ops *vfs_chrdev_fops(uint32_t rdev);

/* fd table (fs/file.c) beyond the core: */
int fd_install_at(int fd, struct file *f, unsigned flags); /* dup2: replaces; fd or -errno */
int fd_install_from(int minfd, struct file *f, unsigned flags); /* F_DUPFD */
int fd_get_cloexec(int fd);                      /* 0/1, or -EBADF */
int fd_next_open(int from);                      /* lowest open fd >= from, or -1 */
/* The same on another task's table (procfs: /proc/PID/fd). */
struct file *fdt_get(struct fdtable *t, int fd);
int fdt_next_open(struct fdtable *t, int from);
/* ctx's cwd with a reference (dentry_put), or NULL (procfs: /proc/PID/cwd). */
struct dentry *vfs_ctx_cwd(struct fs_context *ctx);
int fd_set_cloexec(int fd, bool on);
/* fs/console.c: make the console the controlling tty of session sid, pgrp in front. */
void console_set_session(int sid, int pgrp);
/* Whole contexts for processes (proc/proc.c): copy at fork, close-on-exec, release at exit. */
struct fs_context *fs_context_clone(struct fs_context *src);
void fs_context_close_on_exec(struct fs_context *c);
void fs_context_release(struct fs_context *c);
/* Open fds 0, 1, 2 on /dev/console if they are not open (kern/app.c, before _start). */
void vfs_open_std_fds(void);
/* Anonymous files (pipes, eventfd...): a vnode not in any directory. */
struct vnode *vfs_anon_vnode(unsigned mode);
/* Read-only snapshot files: content made at open (procfs, ...). */
struct vfs_snapshot {
	char *buf;
	size_t len, cap;
};
bool snap_printf(struct vfs_snapshot *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool snap_put(struct vfs_snapshot *s, const void *data, size_t len);
void snap_free(struct vfs_snapshot *s);
/* A read-only file /proc/NAME whose text gen() makes at each open (at most
 * 4; drivers at boot, e.g. /proc/virtio). 0, or -ENOSPC. */
int procfs_add_file(const char *name, void (*gen)(struct vfs_snapshot *s));

/* Helpers for file systems. */
uint64_t vfs_now(void);                          /* clock_realtime_ns() */
void vfs_touch(struct vnode *vn, bool atime, bool mtime_ctime);
bool vfs_emit_dots(struct file *f, struct vfs_dirent_sink *sink); /* '.' (pos 0), '..' (1) */
/* Copy a user string (a path) into a kernel buffer of VFS_PATH_MAX bytes:
 * -EFAULT, -ENAMETOOLONG; 'out' must be freed with vfs_path_free. */
int vfs_path_from_user(const char *up, char **out);
void vfs_path_free(char *p);

/* fs/lock.c: fcntl record locks (POSIX: per process, released at any close). */
int vfs_lock_get(struct file *f, struct flock_k *fl);
int vfs_lock_set(struct file *f, const struct flock_k *fl, bool wait);
void vfs_lock_release_all(struct vnode *vn);

/* fs/pipe.c */
int pipe_create(struct file **rd, struct file **wr, unsigned flags);
int fifo_open(struct vnode *vn, struct file *f);

#endif
