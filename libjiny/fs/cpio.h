/*
 * cpio.h - a parser of "newc" (070701) and "crc" (070702) cpio archives in
 * memory: the format of Linux initramfs images and of `cpio -o -H newc`.
 *
 * Pure logic, no allocation and no file system: fs/initramfs.c drives it to
 * fill the root, tests/host/test_cpio.c checks it on the host. The parser
 * walks the entries, validates every header field of an entry (magic, hex
 * digits, name size and NUL, 4-byte padding, sizes within the buffer, file
 * type, a crc archive's checksum) and its path, and only then calls the
 * callback of the entry's type, so a broken header never creates anything.
 * On the first error it stops and p->err names the entry and its offset:
 *
 *   entry 'etc/passwd' at offset 0x1a4: file size 4096 runs past the end of
 *   the archive (2100 bytes)
 *
 * Paths are normalized: "./a//b/" and "/a/b" become "/a/b", "." is "/";
 * a ".." component is an error (the archive cannot escape its root).
 * Archives may be concatenated (NUL padding between them is skipped), as the
 * kernel and bootloaders allow for initramfs images.
 *
 * Hard links (regular files sharing dev/ino with nlink > 1): cpio stores the
 * data once, with the last name of the group. The first name of a group is
 * reported through ->file with the group's data (found by looking ahead);
 * the others through ->link naming that first path. Finding the first path
 * rescans the archive, so hard links cost O(entries) each.
 */
#ifndef JINY_CPIO_H
#define JINY_CPIO_H

#include "kern/kern.h"

#define CPIO_PATH_MAX 4096  /* a normalized path, NUL included */
#define CPIO_NAME_MAX 255   /* one path component */
#define CPIO_ERR_MAX 384
#define CPIO_HEADER_SIZE 110

/* One entry, as handed to the callbacks (valid during the call only). */
struct cpio_entry {
	const char *path;       /* normalized, absolute: "/etc/passwd" */
	const char *raw_name;   /* the name as stored in the archive */
	unsigned mode;          /* file type and permission bits (S_IFMT | 07777) */
	uint32_t uid, gid;
	uint64_t mtime;         /* seconds since the epoch */
	uint32_t nlink;
	uint64_t ino;
	uint32_t dev_major, dev_minor;    /* of the file system it came from */
	uint32_t rdev_major, rdev_minor;  /* devices: the device number */
	const void *data;       /* regular file: its contents */
	size_t size;
	const char *target;     /* symlink: its target; link: the earlier path */
	size_t offset;          /* of the entry's header in the buffer */
	unsigned index;         /* 0-based entry number */
};

/*
 * The callbacks: 0 to go on, a negative errno to stop the walk (the parser
 * then reports "entry 'x' at offset 0x..: <what> failed (error -N)"). A NULL
 * callback skips entries of that type.
 */
struct cpio_ops {
	int (*dir)(void *ctx, const struct cpio_entry *e);
	int (*file)(void *ctx, const struct cpio_entry *e);
	int (*symlink)(void *ctx, const struct cpio_entry *e);
	int (*node)(void *ctx, const struct cpio_entry *e);  /* chr, blk, fifo, socket */
	int (*link)(void *ctx, const struct cpio_entry *e);  /* e->target: earlier path */
};

/* Parser state and scratch space (about 12 KiB: allocate it, don't put it on a stack). */
struct cpio_parser {
	char path[CPIO_PATH_MAX];    /* the current entry's normalized path */
	char target[CPIO_PATH_MAX];  /* symlink target / hard link's first path */
	char err[CPIO_ERR_MAX];      /* the error message, "" if none */
	unsigned entries;            /* entries handed to callbacks */
	unsigned archives;           /* archives (TRAILER!!!) seen */
	size_t offset;               /* where the walk stopped */
};

/*
 * Walk the archive(s) in buf[0..len). Returns 0 when the buffer ends after a
 * TRAILER!!! (and NUL padding), -EINVAL for a malformed or truncated archive
 * (-ENOTSUP for a compressed or old-format one), or a callback's error; the
 * entries before the failing one have been handed to their callbacks.
 */
int cpio_parse(struct cpio_parser *p, const void *buf, size_t len,
	       const struct cpio_ops *ops, void *ctx);

/* Normalize an archive name into out (CPIO_PATH_MAX); NULL or an error text. */
const char *cpio_normalize_path(const char *name, size_t len, char *out);

#endif
