/*
 * fstest.h - helpers of the file-system conformance suite (tests/guest/tst-fs-*.c),
 * on top of tst.h. The same sources build for Jiny and for the Linux host
 * (build-app.sh with JINY_HOST_BUILD=1; ctest host.fs-*), so every expected
 * value and errno here is checked against Linux first.
 *
 *     fs_begin();               makes /tmp (Jiny's root may lack it) and a
 *                               scratch directory /tmp/fstest-XXXXXX, chdir there
 *     RUN(fn);                  runs void fn(void) in a fresh subdirectory named
 *                               after it; prints "case fn: ok|FAILED (...)"
 *     return fs_end();          removes the scratch tree (checks it is gone),
 *                               then tst_done()
 *     CHECK_OK(expr)            expr >= 0, else prints errno; gives expr's value
 *     CHECK_ERR(expr, EXXX)     expr == -1 with errno == EXXX
 *     CHECK_RAW_ERR(expr, EXXX) a raw syscall(2) result: -1/EXXX too
 *     fs_put(path, str)         create/truncate a file with str; fs_get(path) reads
 *                               it into a static buffer (NULL on error)
 *     BAD_PTR, KERNEL_PTR       addresses no program may pass (EFAULT)
 */
#ifndef JINY_TST_FSTEST_H
#define JINY_TST_FSTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "tst.h"

#define FS_FN static __attribute__((unused))

/* Never mapped for a program: page 1 of user space, and the start of a Linux/Jiny upper half. */
#define BAD_PTR ((void *)(uintptr_t)0x1000)
#define KERNEL_PTR ((void *)(uintptr_t)0xffff800000001000ull)

static char fs_root[64];

FS_FN const char *fs_errname(int e)
{
	static const struct { int e; const char *n; } names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
		{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { EMFILE, "EMFILE" },
		{ ENOTTY, "ENOTTY" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" },
		{ ESPIPE, "ESPIPE" }, { EROFS, "EROFS" }, { EMLINK, "EMLINK" },
		{ EPIPE, "EPIPE" }, { ERANGE, "ERANGE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
		{ ENOSYS, "ENOSYS" }, { ENOTEMPTY, "ENOTEMPTY" }, { ELOOP, "ELOOP" },
		{ ENOTSUP, "ENOTSUP" }, { EINTR, "EINTR" }, { ENXIO, "ENXIO" },
		{ ENODEV, "ENODEV" }, { ETIMEDOUT, "ETIMEDOUT" }, { EOVERFLOW, "EOVERFLOW" },
		{ ENOTSOCK, "ENOTSOCK" }, { EAFNOSUPPORT, "EAFNOSUPPORT" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EADDRINUSE, "EADDRINUSE" },
		{ ECONNREFUSED, "ECONNREFUSED" }, { ECONNRESET, "ECONNRESET" },
		{ ENOTCONN, "ENOTCONN" }, { EISCONN, "EISCONN" }, { EPROTOTYPE, "EPROTOTYPE" },
		{ ENOPROTOOPT, "ENOPROTOOPT" }, { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
		{ ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT" }, { EDOM, "EDOM" }, { EMSGSIZE, "EMSGSIZE" },
		{ EINPROGRESS, "EINPROGRESS" }, { EALREADY, "EALREADY" }, { EDESTADDRREQ, "EDESTADDRREQ" },
	};
	static char buf[16];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

FS_FN int fs_check_err_(long r, int err, int want, const char *file, int line,
			const char *expr, const char *wname)
{
	char msg[600];

	__atomic_add_fetch(&tst_checks, 1, __ATOMIC_RELAXED);
	if (r == -1 && err == want)
		return 1;
	if (r == -1)
		snprintf(msg, sizeof(msg), "%s: expected %s, got %s", expr, wname, fs_errname(err));
	else
		snprintf(msg, sizeof(msg), "%s: expected -1/%s, got %ld", expr, wname, r);
	tst_fail_(file, line, msg);
	return 0;
}

FS_FN int fs_check_ok_(long r, int err, const char *file, int line, const char *expr)
{
	char msg[600];

	__atomic_add_fetch(&tst_checks, 1, __ATOMIC_RELAXED);
	if (r >= 0)
		return 1;
	snprintf(msg, sizeof(msg), "%s: failed with %s", expr, fs_errname(err));
	tst_fail_(file, line, msg);
	return 0;
}

#define CHECK_ERR(expr, e)                                                            \
	({                                                                            \
		errno = 0;                                                            \
		long r_ = (long)(expr);                                               \
		int e_ = errno;                                                       \
		fs_check_err_(r_, e_, e, __FILE__, __LINE__, #expr, #e);              \
	})
#define CHECK_RAW_ERR(expr, e) CHECK_ERR(expr, e)
#define CHECK_OK(expr)                                                                \
	({                                                                            \
		errno = 0;                                                            \
		long r_ = (long)(expr);                                               \
		int e_ = errno;                                                       \
		fs_check_ok_(r_, e_, __FILE__, __LINE__, #expr);                      \
		r_;                                                                   \
	})

FS_FN int fs_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (type == FTW_DP || type == FTW_D)
		chmod(path, 0700), rmdir(path);
	else
		unlink(path);
	return 0;
}

/* rm -rf path */
FS_FN void fs_rm_rf(const char *path)
{
	nftw(path, fs_rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

FS_FN void fs_begin(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mkdir("/tmp", 01777) && errno != EEXIST)
		printf("fstest: mkdir /tmp: %s\n", strerror(errno));
	strcpy(fs_root, "/tmp/fstest-XXXXXX");
	if (!mkdtemp(fs_root) || chdir(fs_root)) {
		printf("FAIL fstest: cannot make the scratch directory %s: %s\n", fs_root,
		       strerror(errno));
		exit(1);
	}
	umask(022);
}

typedef void (*fs_case_fn)(void);

FS_FN void fs_run_(const char *name, fs_case_fn fn)
{
	unsigned long f0 = tst_failures, c0 = tst_checks;

	if (chdir(fs_root) || mkdir(name, 0755) || chdir(name)) {
		printf("FAIL case %s: cannot make its directory: %s\n", name, strerror(errno));
		__atomic_add_fetch(&tst_failures, 1, __ATOMIC_RELAXED);
		return;
	}
	umask(022);
	fn();
	printf("case %s: %s (%lu checks, %lu failures)\n", name,
	       tst_failures == f0 ? "ok" : "FAILED", tst_checks - c0, tst_failures - f0);
	fflush(stdout);
	if (chdir(fs_root))
		printf("FAIL case %s: cannot go back to %s\n", name, fs_root);
}
#define RUN(fn) fs_run_(#fn, fn)

FS_FN int fs_end(void)
{
	struct stat st;

	if (chdir("/"))
		printf("fstest: chdir /: %s\n", strerror(errno));
	fs_rm_rf(fs_root);
	CHECK_ERR(lstat(fs_root, &st), ENOENT);
	return tst_done();
}

/* Create or truncate path with the bytes of s (mode 0644). */
FS_FN int fs_put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t n = strlen(s);

	if (fd < 0)
		return -1;
	if (write(fd, s, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* The contents of path (up to 64 KiB) as a string in a static buffer, or NULL. */
FS_FN const char *fs_get(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	close(fd);
	if (n < 0)
		return NULL;
	buf[got] = 0;
	return buf;
}

/* FNV-1a, for checksums of large data. */
FS_FN uint64_t fs_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}
#define FS_HASH_INIT 0xcbf29ce484222325ull

/* Deterministic bytes: the pattern of a large file at offset off. */
FS_FN void fs_pattern(unsigned char *buf, size_t n, uint64_t off, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t x = (off + i) * 0x9e3779b97f4a7c15ull ^ seed;
		buf[i] = (unsigned char)(x >> 29);
	}
}

#endif
