/*
 * initcall.h - boot-time initialisation through a linker-section table
 * (STYLE: Unikraft). `INITCALL(level, fn)` registers int fn(void); start.c
 * runs them in level order (the linker sorts .jiny.initcall.<level>.*)
 * after memory, clock and scheduler are up. A negative return is logged.
 */
#ifndef JINY_INITCALL_H
#define JINY_INITCALL_H

struct initcall {
	int (*fn)(void);
	const char *name;
};

#define INITCALL_DRIVER 1
#define INITCALL_FS 2     /* fs/vfs.c: vfs_init mounts /, /dev, /proc */
/* Fills the root file system (the initramfs): "2r" sorts after every level-2
 * section name (".2." < ".2r.") and before level 3, so it runs once vfs_init has. */
#define INITCALL_ROOTFS 2r
#define INITCALL_NET 3
#define INITCALL_LATE 9

/* Two steps, so that a level given as INITCALL_FS is expanded to its number
 * before it becomes part of the section name. Entries are 16-byte aligned
 * (the size of one): the linker script's table has no holes.
 *
 * The link script does not KEEP the table's sections (--gc-sections would
 * otherwise keep every initcall and all it calls): INITCALL's entries are
 * `retain` (SHF_GNU_RETAIN, a root for --gc-sections), so they are always
 * in the image. INITCALL_IF_LINKED's entry is not: it is in the image only
 * when something kept refers to __initcall_<f> (drivers/virtio/virtio.h:
 * every virtio driver entry refers to the core's scan), which is how a
 * subsystem that no linked code uses costs nothing. */
#define INITCALL(level, f) INITCALL_(level, f)
#define INITCALL_(level, f)                                                   \
	static const struct initcall __initcall_##f                           \
		__attribute__((used, retain, aligned(16),                     \
			       section(".jiny.initcall." #level "." #f))) = { f, #f }
#define INITCALL_IF_LINKED(level, f) INITCALL_IF_LINKED_(level, f)
#define INITCALL_IF_LINKED_(level, f)                                         \
	const struct initcall __initcall_##f                                  \
		__attribute__((used, aligned(16),                             \
			       section(".jiny.initcall." #level "." #f))) = { f, #f }

#endif
