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
 *   fdtable a task's descriptor table (today: the HP app's; a compat process
 *           gets its own with the compat issue) with close-on-exec bits.
 *
 * Errors are negative errno values. Every object is reference-counted with
 * vnode_get/put, dentry_get/put, file_get/put. Locks: each vnode has a
 * kmutex (vn->lock) held by the VFS around directory operations and by file
 * systems around data changes; the dentry cache has one lock (namei.c).
 * Blocking (kmutex, waitq) is allowed in every operation.
 */
#ifndef JINY_VFS_H
#define JINY_VFS_H

#include "../kern/kern.h"
#include "../kern/errno.h"
#include "../sched/waitq.h"

/* File types and permission bits (Linux values). */
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)

/* open(2) flags (Linux x86_64 values). */
#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DSYNC 010000
#define O_DIRECT 040000
#define O_LARGEFILE 0100000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000

#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096
#define VFS_SYMLINK_MAX 40 /* symlinks followed in one walk before ELOOP */

/* poll(2) events. */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
#define POLLRDHUP 0x2000

struct vnode;
struct dentry;
struct mount;
struct file;
struct vattr;
struct vfs_dirent_sink;

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
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

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
	void (*evict)(struct vnode *vn); /* last reference gone and nlink == 0: free */
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

struct vnode {
	const struct vnode_ops *ops;
	const struct file_ops *fops;
	struct mount *mnt;
	uint64_t ino;
	unsigned mode;               /* S_IFMT | permission bits */
	uint32_t uid, gid;
	uint32_t nlink;
	uint32_t rdev;               /* devices: major << 8 | minor (Linux old encoding) */
	uint64_t size;
	uint64_t atime_ns, mtime_ns, ctime_ns;
	int refcount;                /* atomic */
	struct kmutex lock;
	struct waitq poll_wq;        /* readiness changes (pipes, devices, eventfd) */
	void *priv;                  /* file system data */
};

struct dentry {
	char *name;                  /* "" for a root */
	size_t len;
	struct dentry *parent;       /* itself for a mount's root; '..' crosses mounts */
	struct vnode *vnode;         /* NULL: a cached negative entry */
	struct mount *mnt;           /* the mount this name lives in */
	struct mount *mounted;       /* a mount covering this dentry, or NULL */
	struct dentry *child, *sibling; /* children list (dentry cache lock) */
	int refcount;
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
};

#define FD_MAX 1048576
struct fdtable {
	spinlock_t lock;
	struct file **files;
	uint8_t *cloexec;
	int size;                    /* slots allocated */
	int max;                     /* RLIMIT_NOFILE */
};

/* A task's file-system context: today the HP app's (vfs_task()); compat processes later. */
struct fs_context {
	struct fdtable fds;
	struct dentry *cwd;
	struct dentry *root;
	unsigned umask;
};

/* ---- core (fs/vfs.c, fs/namei.c, fs/file.c) ---- */
void vfs_init(void);                             /* root ramfs, /dev, /proc mounted */
struct fs_context *vfs_task(void);               /* the calling task's context */
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

struct file *file_alloc(struct vnode *vn, struct dentry *d, const struct file_ops *ops,
			unsigned flags);
void file_get(struct file *f);
void file_put(struct file *f);
int fd_install(struct file *f, unsigned flags /* O_CLOEXEC */); /* new fd or -EMFILE */
struct file *fd_get(int fd);                     /* a reference, or NULL */
int fd_close(int fd);

/* Helpers for the pieces that build trees at boot (initramfs, /dev). */
int vfs_mkdir_p(const char *path, unsigned mode);
int vfs_create_file(const char *path, unsigned mode, const void *data, size_t len);
int vfs_symlink_at(const char *target, const char *path);
int vfs_set_owner_times(const char *path, uint32_t uid, uint32_t gid, uint64_t mtime_ns);

#endif
