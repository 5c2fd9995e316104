/*
 * initramfs.c - fills the root file system at boot from cpio archives
 * (DESIGN.md 6): first the one linked into the image at build time
 * (tools/jiny-mkrootfs, CMake jiny_add_rootfs(): the .jiny.rootfs section
 * between __jiny_rootfs_start/end, see ld/jiny.ld), then each PVH module
 * (QEMU -initrd), so an -initrd adds to and overrides the built-in tree.
 *
 * fs/cpio.c parses and validates; the callbacks here create through the
 * VFS helpers of vfs.h (vfs_mkdir_p, vfs_create_file, vfs_symlink_at,
 * vfs_set_owner_times). Hard links, device nodes and the modes of
 * directories that already exist need linkat/mknodat/fchmodat, which the
 * helpers lack: they are reached through the system-call handlers,
 * referenced weakly so this file links before those exist. A broken archive
 * stops its unpacking at the bad entry with a message naming the entry and
 * its offset; what came before stays, and the boot goes on. Directory times
 * are set last, as their contents change them.
 *
 * Runs as an initcall at INITCALL_ROOTFS: after the file systems (vfs_init,
 * the VFS's own initcall at INITCALL_FS) and the drivers.
 */
#include "fs/vfs.h"
#include "fs/cpio.h"
#include "kern/boot.h"
#include "kern/initcall.h"
#include "mm/mm.h"

extern bool kern_verbose;

/* The archive(s) linked into the image; weak, so images without one link unchanged. */
extern const char __jiny_rootfs_start[] __attribute__((weak));
extern const char __jiny_rootfs_end[] __attribute__((weak));

/* System-call handlers this file uses if the kernel has them (else NULL). */
extern long initramfs_linkat(int, const char *, int, const char *, int)
	__asm__("__jiny_sys_linkat") __attribute__((weak));
extern long initramfs_mknodat(int, const char *, unsigned, unsigned)
	__asm__("__jiny_sys_mknodat") __attribute__((weak));
extern long initramfs_fchmodat(int, const char *, unsigned)
	__asm__("__jiny_sys_fchmodat") __attribute__((weak));

struct dir_time {
	struct dir_time *next;
	uint32_t uid, gid;
	uint64_t mtime_ns;
	char path[];
};

struct unpack {
	const char *what;          /* "the -initrd module 1", for messages */
	struct dir_time *dirs;     /* times to set at the end, newest first */
	unsigned created, failed;
};

/*
 * The system-call handlers check pointers like a user's: the image is fine,
 * the kernel heap is not. Paths for them are copied here (boot is single-threaded).
 */
static char sys_path1[CPIO_PATH_MAX], sys_path2[CPIO_PATH_MAX];

static const char *errname(int e)
{
	switch (-e) {
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case ENOSPC: return "ENOSPC";
	case ENOMEM: return "ENOMEM";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOSYS: return "ENOSYS";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	default: return "error";
	}
}

/*
 * One entry could not be created: say so and go on with the next (like
 * Linux's initramfs); the archive itself is fine.
 */
static int warn(struct unpack *u, const struct cpio_entry *e, const char *what, int err)
{
	u->failed++;
	printk("initramfs: %s: entry '%s' at offset 0x%zx: %s failed: %s (%d)\n", u->what,
	       e->raw_name, e->offset, what, errname(err), err);
	return 0;
}

static int set_meta(struct unpack *u, const struct cpio_entry *e)
{
	int r = vfs_set_owner_times(e->path, e->uid, e->gid, e->mtime * 1000000000ull);
	if (r < 0)
		return warn(u, e, "setting owner and times", r);
	return 0;
}

static int on_dir(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	size_t n = strlen(e->path) + 1;
	struct dir_time *dt;
	int r;

	r = vfs_mkdir_p(e->path, e->mode & 07777);
	if (r < 0 && r != -EEXIST)
		return warn(u, e, "mkdir", r);
	/* It may exist already ("/", or made for a deeper path): set its mode. */
	if (initramfs_fchmodat) {
		strlcpy(sys_path1, e->path, sizeof(sys_path1));
		initramfs_fchmodat(AT_FDCWD_K, sys_path1, e->mode & 07777);
	}
	dt = kmalloc(sizeof(*dt) + n);
	if (!dt)
		return warn(u, e, "remembering the directory's time", -ENOMEM);
	dt->uid = e->uid;
	dt->gid = e->gid;
	dt->mtime_ns = e->mtime * 1000000000ull;
	memcpy(dt->path, e->path, n);
	dt->next = u->dirs;
	u->dirs = dt;
	u->created++;
	return 0;
}

/*
 * The parent directory of path, made if missing (archives may omit them).
 * One that exists is left alone: vfs_mkdir_p() would also give it mode
 * 0755, undoing the mode its own entry set (a 0700 or 01777 directory).
 */
static int make_parent(const char *path)
{
	const char *slash = path;
	for (const char *s = path; *s; s++)
		if (*s == '/')
			slash = s;
	if (slash == path)
		return 0;
	size_t n = slash - path;
	if (n >= sizeof(sys_path2))
		return -ENAMETOOLONG;
	memcpy(sys_path2, path, n);
	sys_path2[n] = 0;
	struct dentry *d;
	int r = vfs_walk(AT_FDCWD_K, sys_path2, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &d, NULL, NULL);
	if (r >= 0) {
		dentry_put(d);
		return 0;
	}
	r = vfs_mkdir_p(sys_path2, 0755);
	return r == -EEXIST ? 0 : r;
}

static int on_file(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	int r = make_parent(e->path);

	if (r < 0)
		return warn(u, e, "making the parent directory", r);
	r = vfs_create_file(e->path, e->mode & 07777, e->data, e->size);
	if (r < 0)
		return warn(u, e, "creating the file", r);
	u->created++;
	return set_meta(u, e);
}

static int on_symlink(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	int r = make_parent(e->path);

	if (r < 0)
		return warn(u, e, "making the parent directory", r);
	r = vfs_symlink_at(e->target, e->path);
	if (r < 0)
		return warn(u, e, "creating the symlink", r);
	u->created++;
	/* Not vfs_set_owner_times: it would follow the link to its target. */
	return 0;
}

static int on_link(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	int r = make_parent(e->path);

	if (r < 0)
		return warn(u, e, "making the parent directory", r);
	if (!initramfs_linkat)
		return warn(u, e, "hard link (no linkat in this kernel)", -ENOSYS);
	strlcpy(sys_path1, e->target, sizeof(sys_path1));
	strlcpy(sys_path2, e->path, sizeof(sys_path2));
	r = initramfs_linkat(AT_FDCWD_K, sys_path1, AT_FDCWD_K, sys_path2, 0);
	if (r < 0)
		return warn(u, e, "hard link", r);
	u->created++;
	return 0;
}

static int on_node(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	int r = make_parent(e->path);

	if (r < 0)
		return warn(u, e, "making the parent directory", r);
	if (!initramfs_mknodat)
		return warn(u, e, "mknod (no mknodat in this kernel)", -ENOSYS);
	strlcpy(sys_path1, e->path, sizeof(sys_path1));
	r = initramfs_mknodat(AT_FDCWD_K, sys_path1, e->mode,
			      (e->rdev_major << 8) | (e->rdev_minor & 0xff) |
			      ((e->rdev_minor & ~0xffu) << 12));
	if (r < 0)
		return warn(u, e, "mknod", r);
	/* mknodat applied the umask: the archive's mode is the one to keep. */
	if (initramfs_fchmodat)
		initramfs_fchmodat(AT_FDCWD_K, sys_path1, e->mode & 07777);
	u->created++;
	return set_meta(u, e);
}

static const struct cpio_ops unpack_ops = {
	.dir = on_dir, .file = on_file, .symlink = on_symlink, .node = on_node, .link = on_link,
};

/* Unpack one buffer of archive(s). */
static void unpack(struct cpio_parser *p, const void *buf, size_t len, const char *what)
{
	struct unpack u = { .what = what };
	int r = cpio_parse(p, buf, len, &unpack_ops, &u);

	/* Directory times last, deepest (= latest created) first. */
	while (u.dirs) {
		struct dir_time *dt = u.dirs;
		u.dirs = dt->next;
		vfs_set_owner_times(dt->path, dt->uid, dt->gid, dt->mtime_ns);
		kfree(dt);
	}
	if (r < 0) {
		printk("initramfs: %s (%zu bytes): %s\n", what, len, p->err);
		printk("initramfs: %s: kept the %u entries before the error; booting on\n",
		       what, p->entries);
	} else if (kern_verbose || u.failed) {
		printk("initramfs: %s: %u entries (%zu KiB)%s\n", what, p->entries, len >> 10,
		       u.failed ? ", some could not be created (see above)" : "");
	}
}

static int initramfs_init(void)
{
	uintptr_t linked = (uintptr_t)__jiny_rootfs_start;
	size_t linked_len = linked ? (uintptr_t)__jiny_rootfs_end - linked : 0;
	struct cpio_parser *p;
	char what[48];

	if (!boot_info.nr_modules && !linked_len)
		return 0;
	p = kmalloc(sizeof(*p));
	if (!p) {
		printk("initramfs: out of memory\n");
		return -ENOMEM;
	}
	if (linked_len)
		unpack(p, (const void *)linked, linked_len, "the root tree linked into the image");
	for (int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		if (!m->size)
			continue;
		if (boot_info.nr_modules == 1)
			ksnprintf(what, sizeof(what), "the -initrd module");
		else
			ksnprintf(what, sizeof(what), "boot module %d", i);
		unpack(p, phys_to_virt(m->start), m->size, what);
	}
	kfree(p);
	return 0;
}
INITCALL(INITCALL_ROOTFS, initramfs_init);
