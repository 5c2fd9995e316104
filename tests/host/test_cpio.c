/*
 * test_cpio.c - host tests of the initramfs cpio parser (fs/cpio.c).
 *
 * Round trip: a temporary tree (nested directories, modes, symlinks, a
 * large file, hard links, a fifo, a device when we may make one) is packed
 * by the real `cpio -o -H newc` (and -H crc), parsed, unpacked by the
 * callbacks into a second tree with plain syscalls, and the two trees are
 * compared entry by entry (type, mode, owner, mtime, size, bytes, symlink
 * targets, hard links sharing an inode).
 * Errors: hand-made archives with one defect each give the exact message
 * naming the entry and its offset; truncating a good archive anywhere
 * reports exactly the entries before the cut, then a named error.
 * Fuzz: thousands of corrupted archives (in exact-size heap buffers, so
 * ASan sees any overread) never crash and always fail with a message, or
 * parse into sane entries.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#undef ENOTSUP /* kern/errno.h has it too (same value) */
#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

#include "host_shim.h"
#include "fs/cpio.h"

/* ---- helpers ---- */

static struct cpio_parser parser;

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static void put_file(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len ? len : 1);
	assert_int_equal(fread(buf, 1, len, f), (size_t)len);
	fclose(f);
	*n = len;
	return buf;
}

/* The source tree of the round trip; returns its (static) path. */
static char src_dir[64], out_dir[64];
static bool made_device;

static void make_tree(void)
{
	char p[512], big_name[256];
	size_t big = 5 * 1024 * 1024 + 123;
	unsigned char *data = malloc(big);
	uint32_t x = 12345;
	struct timeval tv[2] = { { 1000000000, 0 }, { 1234567890, 0 } };

	strcpy(src_dir, "/tmp/cpio-src-XXXXXX");
	assert_non_null(mkdtemp(src_dir));
	sh("mkdir -p %s/a/b/c/d %s/empty %s/etc %s/dev", src_dir, src_dir, src_dir, src_dir);
	snprintf(p, sizeof(p), "%s/etc/passwd", src_dir);
	put_file(p, "root:x:0:0:root:/root:/bin/sh\n", 30, 0644);
	snprintf(p, sizeof(p), "%s/a/b/c/d/deep.txt", src_dir);
	put_file(p, "deep\n", 5, 0600);
	snprintf(p, sizeof(p), "%s/a/run.sh", src_dir);
	put_file(p, "#!/bin/sh\necho hi\n", 18, 04755);
	snprintf(p, sizeof(p), "%s/a/empty-file", src_dir);
	put_file(p, "", 0, 0444);
	snprintf(p, sizeof(p), "%s/a/odd name with spaces", src_dir);
	put_file(p, "x", 1, 0640);
	for (size_t i = 0; i < big; i++) {
		x = x * 1103515245 + 12345;
		data[i] = x >> 16;
	}
	snprintf(p, sizeof(p), "%s/big.bin", src_dir);
	put_file(p, data, big, 0644);
	free(data);
	memset(big_name, 'n', 200);
	big_name[200] = 0;
	snprintf(p, sizeof(p), "%s/a/b/%s", src_dir, big_name);
	put_file(p, "long", 4, 0644);
	/* hard links: three names, and a two-name group of an empty file */
	snprintf(p, sizeof(p), "%s/a/hl1", src_dir);
	put_file(p, "hard linked data\n", 17, 0644);
	sh("ln %s/a/hl1 %s/a/b/hl2 && ln %s/a/hl1 %s/hl3", src_dir, src_dir, src_dir, src_dir);
	snprintf(p, sizeof(p), "%s/a/e1", src_dir);
	put_file(p, "", 0, 0644);
	sh("ln %s/a/e1 %s/a/e2", src_dir, src_dir);
	/* symlinks: relative, absolute, dangling, to a directory */
	sh("ln -s b/c %s/a/to-c && ln -s /etc/passwd %s/abs-link && "
	   "ln -s does/not/exist %s/dangling && ln -s ../../etc %s/a/b/up",
	   src_dir, src_dir, src_dir, src_dir);
	snprintf(p, sizeof(p), "%s/a/fifo", src_dir);
	assert_int_equal(mkfifo(p, 0620), 0);
	snprintf(p, sizeof(p), "%s/dev/null", src_dir);
	made_device = mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0;
	/* modes and times on directories too (after filling them) */
	snprintf(p, sizeof(p), "%s/a/b", src_dir);
	assert_int_equal(chmod(p, 0750), 0);
	snprintf(p, sizeof(p), "%s/empty", src_dir);
	assert_int_equal(chmod(p, 01777), 0);
	snprintf(p, sizeof(p), "%s/etc/passwd", src_dir);
	assert_int_equal(utimes(p, tv), 0);
	if (getuid() == 0) {
		snprintf(p, sizeof(p), "%s/a/run.sh", src_dir);
		assert_int_equal(chown(p, 1234, 567), 0);
		assert_int_equal(chmod(p, 04755), 0); /* chown cleared set-uid */
	}
}

/* ---- unpacking into out_dir with plain syscalls (the callbacks) ---- */

struct unpack {
	const char *root;
	int dirs, files, symlinks, nodes, links;
	int times_fd; /* directory times are set at the end, after their contents */
	char dir_times[64][512];
	uint64_t dir_mtime[64];
	int ndir_times;
};

static void out_path(struct unpack *u, const char *path, char *buf)
{
	snprintf(buf, 4600, "%s%s", u->root, strcmp(path, "/") ? path : "");
}

static void set_meta(const char *p, const struct cpio_entry *e, bool link)
{
	struct timespec ts[2] = { { e->mtime, 0 }, { e->mtime, 0 } };

	assert_int_equal(lchown(p, e->uid, e->gid), 0);
	if (!link)
		assert_int_equal(chmod(p, e->mode & 07777), 0);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static int cb_dir(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	char p[4600];

	out_path(u, e->path, p);
	if (mkdir(p, 0700) && errno != EEXIST)
		return -errno;
	set_meta(p, e, false);
	assert_true(u->ndir_times < 64);
	strcpy(u->dir_times[u->ndir_times], p);
	u->dir_mtime[u->ndir_times++] = e->mtime;
	u->dirs++;
	return 0;
}

static int cb_file(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	char p[4600];
	int fd;

	out_path(u, e->path, p);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -errno;
	assert_int_equal(write(fd, e->data, e->size), (ssize_t)e->size);
	close(fd);
	set_meta(p, e, false);
	u->files++;
	return 0;
}

static int cb_symlink(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	char p[4600];

	out_path(u, e->path, p);
	if (symlink(e->target, p))
		return -errno;
	set_meta(p, e, true);
	u->symlinks++;
	return 0;
}

static int cb_node(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	char p[4600];

	out_path(u, e->path, p);
	if (mknod(p, e->mode, makedev(e->rdev_major, e->rdev_minor)))
		return -errno;
	set_meta(p, e, false);
	u->nodes++;
	return 0;
}

static int cb_link(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	char p[4600], old[4600];

	out_path(u, e->path, p);
	out_path(u, e->target, old);
	if (link(old, p))
		return -errno;
	u->links++;
	return 0;
}

static const struct cpio_ops unpack_ops = {
	cb_dir, cb_file, cb_symlink, cb_node, cb_link,
};

/* ---- comparing two trees ---- */

static const char *cmp_other;     /* the tree compared against */
static size_t cmp_prefix;         /* strlen of the walked tree's root */
static int cmp_count;

static int cmp_one(const char *path, const struct stat *a, int type, struct FTW *ftw)
{
	char other[4600];
	struct stat b;

	snprintf(other, sizeof(other), "%s%s", cmp_other, path + cmp_prefix);
	if (lstat(other, &b)) {
		fail_msg("%s: missing in %s", path + cmp_prefix, cmp_other);
		return 1;
	}
	cmp_count++;
	if (a->st_mode != b.st_mode || a->st_uid != b.st_uid || a->st_gid != b.st_gid)
		fail_msg("%s: mode/owner 0%o %d:%d vs 0%o %d:%d", path + cmp_prefix,
			 a->st_mode, a->st_uid, a->st_gid, b.st_mode, b.st_uid, b.st_gid);
	if (a->st_mtime != b.st_mtime)
		fail_msg("%s: mtime %ld vs %ld", path + cmp_prefix, (long)a->st_mtime,
			 (long)b.st_mtime);
	if (a->st_nlink != b.st_nlink && !S_ISDIR(a->st_mode))
		fail_msg("%s: nlink %ld vs %ld", path + cmp_prefix, (long)a->st_nlink,
			 (long)b.st_nlink);
	if (S_ISREG(a->st_mode)) {
		size_t na, nb;
		unsigned char *da = slurp(path, &na), *db = slurp(other, &nb);
		assert_int_equal(na, nb);
		if (memcmp(da, db, na))
			fail_msg("%s: contents differ", path + cmp_prefix);
		free(da);
		free(db);
	} else if (S_ISLNK(a->st_mode)) {
		char ta[4096] = "", tb[4096] = "";
		assert_true(readlink(path, ta, sizeof(ta)) > 0);
		assert_true(readlink(other, tb, sizeof(tb)) > 0);
		assert_string_equal(ta, tb);
	} else if (S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode)) {
		assert_int_equal(a->st_rdev, b.st_rdev);
	}
	return 0;
}

static void compare_trees(const char *x, const char *y)
{
	cmp_other = y;
	cmp_prefix = strlen(x);
	cmp_count = 0;
	assert_int_equal(nftw(x, cmp_one, 16, FTW_PHYS), 0);
}

/* Pack src_dir with the real cpio in 'format', unpack into a fresh out_dir, compare. */
static void round_trip(const char *format)
{
	char arch[128];
	unsigned char *buf;
	size_t n;
	struct unpack u = { 0 };
	struct stat st1, st2, st3;
	char p[600];

	snprintf(arch, sizeof(arch), "%s.%s.cpio", src_dir, format);
	sh("cd %s && find . | LC_ALL=C sort | cpio -o -H %s --quiet > %s", src_dir, format, arch);
	buf = slurp(arch, &n);
	strcpy(out_dir, "/tmp/cpio-out-XXXXXX");
	assert_non_null(mkdtemp(out_dir));
	u.root = out_dir;

	int rc = cpio_parse(&parser, buf, n, &unpack_ops, &u);
	if (rc)
		fail_msg("cpio_parse(%s): %d: %s", format, rc, parser.err);
	assert_string_equal(parser.err, "");
	assert_int_equal(parser.archives, 1);
	assert_int_equal(u.links, 3); /* hl2, hl3 (or hl1...), e2 */
	assert_int_equal(u.symlinks, 4);
	assert_int_equal(u.nodes, 1 + made_device);
	assert_int_equal(u.dirs, 8); /* . a a/b a/b/c a/b/c/d empty etc dev */
	/* directory times last: creating entries inside changed them */
	for (int i = u.ndir_times - 1; i >= 0; i--) {
		struct timespec ts[2] = { { u.dir_mtime[i], 0 }, { u.dir_mtime[i], 0 } };
		assert_int_equal(utimensat(AT_FDCWD, u.dir_times[i], ts, 0), 0);
	}
	compare_trees(src_dir, out_dir);
	int n1 = cmp_count;
	compare_trees(out_dir, src_dir);
	assert_int_equal(cmp_count, n1);
	assert_true(n1 >= 25);
	/* the three names of the hard-linked file share one inode */
	snprintf(p, sizeof(p), "%s/a/hl1", out_dir);
	assert_int_equal(stat(p, &st1), 0);
	snprintf(p, sizeof(p), "%s/a/b/hl2", out_dir);
	assert_int_equal(stat(p, &st2), 0);
	snprintf(p, sizeof(p), "%s/hl3", out_dir);
	assert_int_equal(stat(p, &st3), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(st1.st_ino, st3.st_ino);
	assert_int_equal(st1.st_size, 17);
	sh("rm -rf %s %s", out_dir, arch);
	free(buf);
}

static void test_round_trip_newc(void **state)
{
	round_trip("newc");
}

static void test_round_trip_crc(void **state)
{
	round_trip("crc");
}

/* ---- hand-made archives ---- */

struct abuf {
	unsigned char *b;
	size_t n, cap;
};

static void a_put(struct abuf *a, const void *p, size_t n)
{
	if (!n)
		return;
	if (a->n + n > a->cap) {
		a->cap = (a->n + n) * 2 + 64;
		a->b = realloc(a->b, a->cap);
	}
	memcpy(a->b + a->n, p, n);
	a->n += n;
}

static void a_pad(struct abuf *a)
{
	while (a->n & 3)
		a_put(a, "", 1);
}

/* One entry; namesize < 0: strlen + 1. */
static void a_entry(struct abuf *a, const char *magic, const char *name, unsigned mode,
		    const void *data, size_t size, long namesize, unsigned ino, unsigned nlink)
{
	char h[160];
	uint32_t sum = 0;

	for (size_t i = 0; i < size; i++)
		sum += ((const unsigned char *)data)[i];
	if (namesize < 0)
		namesize = strlen(name) + 1;
	snprintf(h, sizeof(h), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08lX%08X",
		 magic, ino, mode, 0, 0, nlink, 1700000000, (unsigned)size, 0, 0, 0, 0,
		 namesize, strcmp(magic, "070702") ? 0 : sum);
	a_put(a, h, 110);
	a_put(a, name, strlen(name) + 1);
	a_pad(a);
	a_put(a, data, size);
	a_pad(a);
}

static void a_trailer(struct abuf *a)
{
	a_entry(a, "070701", "TRAILER!!!", 0, NULL, 0, -1, 0, 1);
}

struct counts {
	int dirs, files, symlinks, nodes, links;
	char last[4096];
	char last_target[4096];
	size_t last_size;
};

static int c_dir(void *ctx, const struct cpio_entry *e)
{
	struct counts *c = ctx;
	c->dirs++;
	strcpy(c->last, e->path);
	return 0;
}
static int c_file(void *ctx, const struct cpio_entry *e)
{
	struct counts *c = ctx;
	c->files++;
	strcpy(c->last, e->path);
	c->last_size = e->size;
	/* touch every byte: ASan checks they are inside the buffer */
	volatile unsigned s = 0;
	for (size_t i = 0; i < e->size; i++)
		s += ((const unsigned char *)e->data)[i];
	return 0;
}
static int c_symlink(void *ctx, const struct cpio_entry *e)
{
	struct counts *c = ctx;
	c->symlinks++;
	strcpy(c->last, e->path);
	strcpy(c->last_target, e->target);
	assert_true(strlen(e->target) > 0);
	return 0;
}
static int c_node(void *ctx, const struct cpio_entry *e)
{
	struct counts *c = ctx;
	c->nodes++;
	strcpy(c->last, e->path);
	return 0;
}
static int c_link(void *ctx, const struct cpio_entry *e)
{
	struct counts *c = ctx;
	c->links++;
	strcpy(c->last, e->path);
	strcpy(c->last_target, e->target);
	return 0;
}
static const struct cpio_ops count_ops = { c_dir, c_file, c_symlink, c_node, c_link };

/* Parse a copy of a in an exact-size heap buffer (so ASan sees overreads). */
static int parse_exact(const void *b, size_t n, struct counts *c)
{
	unsigned char *copy = malloc(n ? n : 1);
	int rc;

	memcpy(copy, b, n);
	memset(c, 0, sizeof(*c));
	rc = cpio_parse(&parser, copy, n, &count_ops, c);
	free(copy);
	return rc;
}

#define EXPECT_ERR(a, rc_, msg)                                                        \
	do {                                                                           \
		struct counts c_;                                                      \
		int r_ = parse_exact((a)->b, (a)->n, &c_);                             \
		assert_int_equal(r_, rc_);                                             \
		if (!strstr(parser.err, msg))                                          \
			fail_msg("error \"%s\" lacks \"%s\"", parser.err, msg);        \
	} while (0)

static void test_good_small(void **state)
{
	struct abuf a = { 0 };
	struct counts c;

	a_entry(&a, "070701", ".", 040755, NULL, 0, -1, 1, 2);
	a_entry(&a, "070701", "./etc", 040755, NULL, 0, -1, 2, 2);
	a_entry(&a, "070701", "etc//passwd", 0100644, "root\n", 5, -1, 3, 1);
	a_entry(&a, "070701", "/etc/./link", 0120777, "passwd", 6, -1, 4, 1);
	a_entry(&a, "070702", "crcfile", 0100600, "abc", 3, -1, 5, 1);
	a_entry(&a, "070701", "dev/", 040755, NULL, 0, -1, 6, 2);
	a_entry(&a, "070701", "dev/fifo", 010644, NULL, 0, -1, 7, 1);
	a_trailer(&a);
	assert_int_equal(parse_exact(a.b, a.n, &c), 0);
	assert_int_equal(c.dirs, 3);
	assert_int_equal(c.files, 2);
	assert_int_equal(c.symlinks, 1);
	assert_int_equal(c.nodes, 1);
	assert_int_equal(parser.entries, 7);
	/* two archives, NUL padding between them (like a 512-byte block) */
	size_t first = a.n;
	for (int i = 0; i < 512 - (int)(first % 512); i++)
		a_put(&a, "", 1);
	a_entry(&a, "070701", "second", 0100644, "2", 1, -1, 1, 1);
	a_trailer(&a);
	assert_int_equal(parse_exact(a.b, a.n, &c), 0);
	assert_int_equal(parser.archives, 2);
	assert_int_equal(c.files, 3);
	assert_string_equal(c.last, "/second");
	free(a.b);
}

static void test_normalize(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ ".", "/" }, { "./", "/" }, { "/", "/" }, { "a", "/a" }, { "./a/b", "/a/b" },
		{ "a//b/", "/a/b" }, { "/a/./b/.", "/a/b" }, { "...", "/..." }, { "a/..b", "/a/..b" },
	};
	static const char *bad[] = { "..", "../x", "a/../b", "a/..", "/..", "./../etc" };
	char out[CPIO_PATH_MAX], longname[300];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_null(cpio_normalize_path(ok[i].in, strlen(ok[i].in), out));
		assert_string_equal(out, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(strstr(cpio_normalize_path(bad[i], strlen(bad[i]), out), ".."));
	memset(longname, 'x', 256);
	longname[256] = 0;
	assert_non_null(strstr(cpio_normalize_path(longname, 256, out), "255"));
	assert_null(cpio_normalize_path(longname, 255, out));
}

static void test_errors(void **state)
{
	struct abuf a = { 0 };
	char big[5000];

	/* the example: data running past the end */
	a_entry(&a, "070701", "etc", 040755, NULL, 0, -1, 1, 2);
	size_t at = a.n;
	a_entry(&a, "070701", "etc/passwd", 0100644, "x", 1, -1, 2, 1);
	memcpy(a.b + at + 6 + 6 * 8, "00001000", 8); /* filesize 4096 */
	{
		char want[160];
		snprintf(want, sizeof(want), "entry 'etc/passwd' at offset 0x%zx: file size 4096 "
			 "runs past the end of the archive (%zu bytes)", at, a.n);
		struct counts c;
		assert_int_equal(parse_exact(a.b, a.n, &c), -EINVAL);
		assert_string_equal(parser.err, want);
		assert_int_equal(c.dirs, 1);   /* what came before was handed over */
		assert_int_equal(c.files, 0);  /* the broken entry never was */
	}
	a.n = 0;

	a_entry(&a, "070701", "f", 0100644, "x", 1, -1, 1, 1);
	a.b[3] = '8';
	EXPECT_ERR(&a, -EINVAL, "entry #0 at offset 0x0: bad magic \"070801\"");
	a.n = 0;
	a_entry(&a, "070707", "f", 0100644, "x", 1, -1, 1, 1);
	EXPECT_ERR(&a, -EINVAL, "odc");
	a.n = 0;
	a_entry(&a, "070701", "f", 0100644, "x", 1, -1, 1, 1);
	a.b[6 + 8 + 3] = 'g';
	EXPECT_ERR(&a, -EINVAL, "header field mode is not 8 hex digits: \"000g81A4\"");
	a.n = 0;
	a_entry(&a, "070701", "f", 0100644, "x", 1, 0, 1, 1);
	EXPECT_ERR(&a, -EINVAL, "name size 0");
	a.n = 0;
	a_entry(&a, "070701", "fg", 0100644, "x", 1, 2, 1, 1);
	EXPECT_ERR(&a, -EINVAL, "not NUL-terminated");
	a.n = 0;
	a_entry(&a, "070701", "f", 0100644, "x", 1, 1000, 1, 1);
	EXPECT_ERR(&a, -EINVAL, "name (1000 bytes) runs past the end");
	a.n = 0;
	a_entry(&a, "070701", "f", 0100644, "x", 1, 8000, 1, 1);
	EXPECT_ERR(&a, -EINVAL, "name size 8000 exceeds the path limit");
	a.n = 0;
	a_entry(&a, "070701", "a/../../etc/shadow", 0100644, "x", 1, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, -EINVAL, "entry 'a/../../etc/shadow' at offset 0x0: the path has a '..' component");
	a.n = 0;
	a_entry(&a, "070701", "d", 040755, "x", 1, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, -EINVAL, "entry 'd' at offset 0x0: a directory with file size 1");
	a.n = 0;
	a_entry(&a, "070701", "l", 0120777, "", 0, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, -EINVAL, "symlink target of 0 bytes");
	a.n = 0;
	a_entry(&a, "070701", "l", 0120777, "a\0b", 3, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, -EINVAL, "symlink target contains a NUL byte");
	a.n = 0;
	memset(big, 'x', sizeof(big));
	a_entry(&a, "070701", "l", 0120777, big, 4096, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, -EINVAL, "symlink target of 4096 bytes");
	a.n = 0;
	a_entry(&a, "070701", "c", 020644, "x", 1, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, -EINVAL, "device, fifo or socket with file size 1");
	a.n = 0;
	a_entry(&a, "070701", "u", 0170644, NULL, 0, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, -EINVAL, "unknown file type in mode 0170644");
	a.n = 0;
	a_entry(&a, "070701", "u", 0x10081a4, NULL, 0, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, -EINVAL, "has bits beyond");
	a.n = 0;
	a_entry(&a, "070701", "fg", 0100644, NULL, 0, -1, 1, 1);
	a_trailer(&a);
	a.b[110 + 3] = 'z'; /* the padding after "fg\0" */
	EXPECT_ERR(&a, -EINVAL, "padding after the name is not NUL");
	a.n = 0;
	a_entry(&a, "070701", "x", 0100644, "x", 1, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, 0, "");
	a_put(&a, "JUNK", 4);
	EXPECT_ERR(&a, -EINVAL, "junk at offset");
	a.n = 0;
	a_entry(&a, "070702", "crc", 0100644, "abc", 3, -1, 1, 1);
	a_trailer(&a);
	a.b[a.n - 124 - 4] = 'X'; /* a data byte */
	EXPECT_ERR(&a, -EINVAL, "entry 'crc' at offset 0x0: checksum mismatch: the header says 0x00000126, the data sums to 0x0000011d");
	a.n = 0;
	a_entry(&a, "070701", "/", 0100644, "x", 1, -1, 1, 1);
	a_trailer(&a);
	EXPECT_ERR(&a, -EINVAL, "only a directory can be the root");
	a.n = 0;
	a_entry(&a, "070701", "x", 0100644, "x", 1, -1, 1, 1);
	EXPECT_ERR(&a, -EINVAL, "without a TRAILER!!! entry (truncated?)");
	a.n = 0;
	EXPECT_ERR(&a, -EINVAL, "empty archive");
	a_put(&a, "\x1f\x8b\x08\x00", 4);
	EXPECT_ERR(&a, -ENOTSUP, "compressed initramfs (gzip, at offset 0x0) not supported, use an uncompressed cpio");
	a.n = 0;
	a_put(&a, "\xfd" "7zXZ\0", 6);
	EXPECT_ERR(&a, -ENOTSUP, "(xz");
	a.n = 0;
	a_put(&a, "0707", 4);
	EXPECT_ERR(&a, -EINVAL, "bad magic \"0707\"");
	a.n = 0;
	a_entry(&a, "070701", "x", 0100644, "x", 1, -1, 1, 1);
	a.n = 60;
	EXPECT_ERR(&a, -EINVAL, "truncated header: 60 of 110 bytes");
	free(a.b);
}

/* A callback's error stops the walk and is reported with the entry. */
static int fail_on_b(void *ctx, const struct cpio_entry *e)
{
	return strcmp(e->path, "/b") ? 0 : -ENOSPC;
}

static void test_callback_error(void **state)
{
	struct abuf a = { 0 };
	struct cpio_ops ops = { .file = fail_on_b };

	a_entry(&a, "070701", "a", 0100644, "x", 1, -1, 1, 1);
	a_entry(&a, "070701", "b", 0100644, "y", 1, -1, 2, 1);
	a_entry(&a, "070701", "c", 0100644, "z", 1, -1, 3, 1);
	a_trailer(&a);
	assert_int_equal(cpio_parse(&parser, a.b, a.n, &ops, NULL), -ENOSPC);
	assert_int_equal(parser.entries, 1);
	assert_string_equal(parser.err, "entry 'b' at offset 0x74: creating the file failed (error -28)");
	free(a.b);
}

/* Hard links: data with the last name (as cpio writes newc), or with the first. */
static void test_hard_links(void **state)
{
	struct abuf a = { 0 };
	struct counts c;

	a_entry(&a, "070701", "h1", 0100644, NULL, 0, -1, 9, 3);
	a_entry(&a, "070701", "other", 0100644, "o", 1, -1, 10, 1);
	a_entry(&a, "070701", "h2", 0100644, NULL, 0, -1, 9, 3);
	a_entry(&a, "070701", "h3", 0100644, "shared", 6, -1, 9, 3);
	a_trailer(&a);
	assert_int_equal(parse_exact(a.b, a.n, &c), 0);
	assert_int_equal(c.files, 2);
	assert_int_equal(c.links, 2);
	assert_string_equal(c.last, "/h3");
	assert_string_equal(c.last_target, "/h1");
	/* data with the first name (some writers do that) */
	a.n = 0;
	a_entry(&a, "070701", "g1", 0100644, "first", 5, -1, 7, 2);
	a_entry(&a, "070701", "g2", 0100644, NULL, 0, -1, 7, 2);
	a_trailer(&a);
	assert_int_equal(parse_exact(a.b, a.n, &c), 0);
	assert_int_equal(c.files, 1);
	assert_int_equal(c.last_size, 5);
	assert_int_equal(c.links, 1);
	assert_string_equal(c.last_target, "/g1");
	free(a.b);
}

/* Truncating a good archive anywhere: exactly the complete entries, then an error. */
static void test_truncation(void **state)
{
	char arch[128];
	unsigned char *buf;
	size_t n, ends[64];
	int nent = 0;
	struct counts c;

	/* a small tree, no hard links (their lookahead would blur the count) */
	char dir[] = "/tmp/cpio-trunc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	sh("mkdir -p %s/d/e && echo hello > %s/d/f && ln -s f %s/d/l && "
	   "head -c 3000 /dev/zero > %s/d/e/z", dir, dir, dir, dir);
	snprintf(arch, sizeof(arch), "%s.cpio", dir);
	sh("cd %s && find . | LC_ALL=C sort | cpio -o -H newc --quiet > %s", dir, arch);
	buf = slurp(arch, &n);
	/* where each entry ends, per a full parse: walk headers by hand */
	for (size_t off = 0; off < n && nent < 64;) {
		unsigned namesize, filesize;
		char name[200];
		sscanf((char *)buf + off + 6 + 6 * 8, "%8x", &filesize);
		sscanf((char *)buf + off + 6 + 11 * 8, "%8x", &namesize);
		snprintf(name, sizeof(name), "%s", (char *)buf + off + 110);
		size_t data = (off + 110 + namesize + 3) & ~3ul;
		size_t end = data + filesize;
		if (!strcmp(name, "TRAILER!!!"))
			break;
		ends[nent++] = end;
		off = (end + 3) & ~3ul;
	}
	assert_int_equal(nent, 6);
	for (size_t len = 0; len < n; len++) {
		int rc = parse_exact(buf, len, &c);
		int complete = 0;
		for (int i = 0; i < nent; i++)
			complete += ends[i] <= len;
		int got = c.dirs + c.files + c.symlinks + c.nodes + c.links;
		bool whole = len >= n - 400 && rc == 0; /* cut inside the trailer block's padding */
		if (!whole) {
			if (rc == 0 || parser.err[0] == 0)
				fail_msg("cut at %zu: rc %d, err \"%s\"", len, rc, parser.err);
		}
		if (got != complete)
			fail_msg("cut at %zu: %d entries handed over, %d complete", len, got, complete);
	}
	sh("rm -rf %s %s", dir, arch);
	free(buf);
}

/* Random corruption: never a crash, always an error message or sane entries. */
static int fuzz_cb(void *ctx, const struct cpio_entry *e)
{
	const unsigned char *lo = ((const unsigned char **)ctx)[0];
	const unsigned char *hi = ((const unsigned char **)ctx)[1];

	assert_true(e->path[0] == '/');
	assert_null(strstr(e->path, "/../"));
	assert_true(strlen(e->path) < CPIO_PATH_MAX);
	if (e->size) {
		const unsigned char *d = e->data;
		assert_true(d >= lo && d + e->size <= hi);
	}
	if (e->target)
		assert_true(strlen(e->target) > 0);
	return 0;
}

static void test_fuzz(void **state)
{
	char arch[128];
	unsigned char *good, *buf;
	size_t n;
	uint64_t x = 88172645463325252ull;
	int errors = 0, oks = 0;
	const struct cpio_ops ops = { fuzz_cb, fuzz_cb, fuzz_cb, fuzz_cb, fuzz_cb };

	snprintf(arch, sizeof(arch), "%s.fuzz.cpio", src_dir);
	/* the tree without the big file */
	sh("cd %s && find . ! -name big.bin | LC_ALL=C sort | cpio -o -H newc --quiet > %s",
	   src_dir, arch);
	good = slurp(arch, &n);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = n;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf = malloc(n);
		memcpy(buf, good, n);
		switch (x % 5) {
		case 0: /* flip a few random bytes */
			for (int k = 0; k < 1 + (int)(x >> 8) % 8; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				buf[x % n] = x >> 32;
			}
			break;
		case 1: /* a random hex digit in some header area */
			for (int k = 0; k < 4; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				buf[x % n] = "0123456789abcdefF"[(x >> 20) % 17];
			}
			break;
		case 2: /* truncate */
			len = x % n;
			break;
		case 3: /* a big value in a size field of the first headers */
			for (size_t off = 0; off + 110 < n && off < 4096; off += 4) {
				if (memcmp(buf + off, "070701", 6) == 0 && (x >> (off % 61)) % 7 == 0) {
					int field = (x >> 11) % 2 ? 6 : 11;
					memcpy(buf + off + 6 + field * 8, (x >> 12) % 2 ? "FFFFFFFF" : "7FFFFFF0", 8);
				}
			}
			break;
		case 4: /* flip bytes and truncate */
			buf[x % n] ^= 1 << ((x >> 30) % 8);
			len = n - (x >> 33) % 600;
			break;
		}
		unsigned char *exact = malloc(len ? len : 1);
		memcpy(exact, buf, len);
		const unsigned char *bounds[2] = { exact, exact + len };
		int rc = cpio_parse(&parser, exact, len, &ops, bounds);
		if (rc) {
			errors++;
			if (!parser.err[0])
				fail_msg("iteration %d: error %d without a message", iter, rc);
			if (!strstr(parser.err, "offset") && !strstr(parser.err, "empty archive"))
				fail_msg("iteration %d: message without an offset: %s", iter, parser.err);
		} else {
			oks++;
		}
		free(exact);
		free(buf);
	}
	printf("fuzz: %d archives rejected with a message, %d accepted\n", errors, oks);
	assert_true(errors > 10000);
	free(good);
	sh("rm -f %s", arch);
}

static int setup(void **state)
{
	make_tree();
	return 0;
}

static int teardown(void **state)
{
	sh("rm -rf %s", src_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_good_small),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_callback_error),
		cmocka_unit_test(test_hard_links),
		cmocka_unit_test(test_round_trip_newc),
		cmocka_unit_test(test_round_trip_crc),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
