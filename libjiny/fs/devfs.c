/*
 * devfs.c - character devices and /dev. open() of an S_IFCHR vnode (in any
 * file system, so mknod works too) finds its file_ops here by rdev
 * (vfs_register_chrdev). The memory devices live in this file: null, zero,
 * full, random, urandom; the console (console, tty, ttyS0) is console.c.
 * The "devfs" file-system type is a ramfs instance (ramfs.c), so /dev is
 * writable (mkdir /dev/shm, mknod); vfs_init mounts it on /dev and calls
 * devfs_populate() to create the nodes and the usual links.
 */
#include "fs/vfs.h"
#include "kern/random.h"
#include "kern/initcall.h"

#define MAX_CHRDEVS 32

static struct chrdev {
	uint32_t rdev;
	const char *name;
	const struct file_ops *fops;
} chrdevs[MAX_CHRDEVS];
static int nr_chrdevs;
static spinlock_t chrdev_lock = SPINLOCK_INIT;

int vfs_register_chrdev(uint32_t rdev, const char *name, const struct file_ops *fops)
{
	uint64_t f = spin_lock_irqsave(&chrdev_lock);
	int r = nr_chrdevs < MAX_CHRDEVS ? 0 : -ENOSPC;
	for (int i = 0; i < nr_chrdevs; i++)
		if (chrdevs[i].rdev == rdev)
			r = -EEXIST;
	if (!r)
		chrdevs[nr_chrdevs++] = (struct chrdev){ rdev, name, fops };
	spin_unlock_irqrestore(&chrdev_lock, f);
	return r;
}

const struct file_ops *vfs_chrdev_fops(uint32_t rdev)
{
	int n = READ_ONCE(nr_chrdevs);
	for (int i = 0; i < n; i++)
		if (chrdevs[i].rdev == rdev)
			return chrdevs[i].fops;
	return NULL;
}

/* ---- the memory devices (Linux major 1) ---- */

static ssize_t null_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	return 0;
}

static ssize_t null_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	return (ssize_t)n;
}

static ssize_t zero_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	memset(buf, 0, n);
	return (ssize_t)n;
}

static ssize_t full_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	return n ? -ENOSPC : 0;
}

static ssize_t random_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	random_bytes(buf, n);
	return (ssize_t)n;
}

static unsigned always_ready(struct file *f, struct poll_table *pt)
{
	return POLLIN_K | POLLRDNORM_K | POLLOUT_K | POLLWRNORM_K;
}

/* seekable: lseek on them succeeds (and means nothing), as on Linux. */
static const struct file_ops null_fops = {
	.read = null_read, .write = null_write, .poll = always_ready, .seekable = true,
};
static const struct file_ops zero_fops = {
	.read = zero_read, .write = null_write, .poll = always_ready, .seekable = true,
};
static const struct file_ops full_fops = {
	.read = zero_read, .write = full_write, .poll = always_ready, .seekable = true,
};
static const struct file_ops random_fops = {
	.read = random_read, .write = null_write, .poll = always_ready, .seekable = true,
};

static int devfs_mount(struct fs_type *t, const char *source, const char *data,
		       struct vnode **root)
{
	extern struct fs_type ramfs_type;
	int r = ramfs_type.mount(t, source, data, root);
	if (r >= 0 && !data)
		(*root)->mode = S_IFDIR_K | 0755;
	return r;
}

static struct fs_type devfs_type = { .name = "devfs", .mount = devfs_mount };
static struct fs_type devtmpfs_type = { .name = "devtmpfs", .mount = devfs_mount };

extern const struct file_ops console_fops, tty_fops; /* console.c */

static const struct {
	const char *name;
	uint32_t rdev;
	unsigned mode;
} dev_nodes[] = {
	{ "null", VFS_MKDEV(1, 3), 0666 },    { "zero", VFS_MKDEV(1, 5), 0666 },
	{ "full", VFS_MKDEV(1, 7), 0666 },    { "random", VFS_MKDEV(1, 8), 0666 },
	{ "urandom", VFS_MKDEV(1, 9), 0666 }, { "tty", VFS_MKDEV(5, 0), 0666 },
	{ "console", VFS_MKDEV(5, 1), 0600 }, { "ttyS0", VFS_MKDEV(4, 64), 0660 },
};

/* Create the device nodes and links in the devfs mounted on /dev. */
void devfs_populate(void)
{
	char path[32];
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes) && r >= 0; i++) {
		ksnprintf(path, sizeof(path), "/dev/%s", dev_nodes[i].name);
		r = vfs_mknod(AT_FDCWD_K, path, S_IFCHR_K | dev_nodes[i].mode, dev_nodes[i].rdev);
		if (r >= 0)
			r = vfs_set_owner_times(path, 0, 0, vfs_now());
		if (r >= 0) { /* exact mode, whatever the umask */
			struct dentry *d;
			if (vfs_walk(AT_FDCWD_K, path, 0, &d, NULL, NULL) >= 0) {
				struct vattr va = { .mode = dev_nodes[i].mode };
				vfs_setattr(d->vnode, &va, VA_MODE);
				dentry_put(d);
			}
		}
	}
	if (r >= 0)
		r = vfs_symlink("/proc/self/fd", AT_FDCWD_K, "/dev/fd");
	if (r >= 0)
		r = vfs_symlink("/proc/self/fd/0", AT_FDCWD_K, "/dev/stdin");
	if (r >= 0)
		r = vfs_symlink("/proc/self/fd/1", AT_FDCWD_K, "/dev/stdout");
	if (r >= 0)
		r = vfs_symlink("/proc/self/fd/2", AT_FDCWD_K, "/dev/stderr");
	if (r >= 0)
		r = vfs_mkdir_p("/dev/shm", 01777);
	if (r < 0)
		printk("devfs: populating /dev failed (%d)\n", r);
}

void console_init(void);

static int devfs_register(void)
{
	console_init();
	vfs_register(&devfs_type);
	vfs_register(&devtmpfs_type);
	vfs_register_chrdev(VFS_MKDEV(1, 3), "null", &null_fops);
	vfs_register_chrdev(VFS_MKDEV(1, 5), "zero", &zero_fops);
	vfs_register_chrdev(VFS_MKDEV(1, 7), "full", &full_fops);
	vfs_register_chrdev(VFS_MKDEV(1, 8), "random", &random_fops);
	vfs_register_chrdev(VFS_MKDEV(1, 9), "urandom", &random_fops);
	vfs_register_chrdev(VFS_MKDEV(5, 0), "tty", &tty_fops);
	vfs_register_chrdev(VFS_MKDEV(5, 1), "console", &console_fops);
	vfs_register_chrdev(VFS_MKDEV(4, 64), "ttyS0", &console_fops);
	return 0;
}
INITCALL(INITCALL_DRIVER, devfs_register);
