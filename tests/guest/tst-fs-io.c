/*
 * tst-fs-io: the file-system conformance suite, files and I/O (Linux
 * semantics; also run on the host as host.fs-io): open/openat/creat/close
 * with O_CREAT/O_EXCL/O_TRUNC/O_APPEND and access modes, read/write/pread64/
 * pwrite64/readv/writev/preadv/pwritev, lseek (SET/CUR/END, holes, negative
 * offsets), truncate/ftruncate, fsync/fdatasync/sync, sendfile, fadvise64,
 * /dev files, a few /proc files, many small files, and EBADF/EFAULT/EINVAL/
 * EISDIR cases.
 */
// EXPECT: ^tst: tst-fs-io: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
// TIMEOUT: 120
#include "fstest.h"
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

static void open_flags(void)
{
	struct stat st;
	char buf[64];
	int fd, fd2;

	CHECK_ERR(open("f", O_RDONLY), ENOENT);
	fd = CHECK_OK(open("f", O_WRONLY | O_CREAT | O_EXCL, 0640));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(write(fd, "hello", 5), 5);
	CHECK_ERR(read(fd, buf, 5), EBADF);       /* write-only */
	close(fd);
	CHECK_ERR(open("f", O_WRONLY | O_CREAT | O_EXCL, 0640), EEXIST);
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_ERR(write(fd, "x", 1), EBADF);      /* read-only */
	CHECK_EQ(read(fd, buf, sizeof(buf)), 5);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);  /* EOF */
	close(fd);
	/* O_CREAT on an existing file keeps it and its mode */
	fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(st.st_size, 5);
	close(fd);
	/* O_TRUNC */
	fd = CHECK_OK(open("f", O_WRONLY | O_TRUNC));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	close(fd);
	/* O_APPEND: every write at the end, whatever the offset */
	CHECK_OK(fs_put("a", "12345"));
	fd = CHECK_OK(open("a", O_WRONLY | O_APPEND));
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "ab", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
	CHECK_EQ(pwrite(fd, "Z", 1, 0), 1);       /* Linux: pwrite appends with O_APPEND */
	close(fd);
	CHECK_STREQ(fs_get("a"), "12345abZ");
	/* creat = O_CREAT|O_WRONLY|O_TRUNC */
	fd = CHECK_OK(creat("a", 0644));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	CHECK_ERR(read(fd, buf, 1), EBADF);
	close(fd);
	/* umask on create */
	umask(027);
	fd = CHECK_OK(open("masked", O_CREAT | O_WRONLY, 0777));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0750);
	close(fd);
	umask(022);
	/* openat relative to a directory fd; absolute paths ignore it */
	CHECK_OK(mkdir("d", 0755));
	int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	fd = CHECK_OK(openat(dfd, "inner", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_OK(stat("d/inner", &st));
	fd2 = CHECK_OK(open("f", O_RDONLY));
	CHECK_ERR(openat(fd2, "inner", O_RDONLY), ENOTDIR);
	CHECK_ERR(openat(-5, "inner", O_RDONLY), EBADF);
	close(fd2);
	close(dfd);
	/* invalid access mode 3 (O_ACCMODE): Linux accepts it for ioctl-only use on
	 * files but refuses to create; reading or writing fails */
	CHECK_ERR(open("f", O_RDONLY | O_TRUNC | O_DIRECTORY), ENOTDIR);
	/* close twice */
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(close(fd));
	CHECK_ERR(close(fd), EBADF);
	CHECK_ERR(close(-1), EBADF);
	/* the lowest free descriptor is used */
	fd = CHECK_OK(open("f", O_RDONLY));
	fd2 = CHECK_OK(open("f", O_RDONLY));
	close(fd);
	CHECK_EQ(open("f", O_RDONLY), fd);
	close(fd);
	close(fd2);
	/* EFAULT on bad buffers, raw */
	fd = CHECK_OK(open("b", O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(fd, "data", 4), 4);
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK_RAW_ERR(syscall(SYS_read, fd, BAD_PTR, 4), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_read, fd, KERNEL_PTR, 4), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_write, fd, BAD_PTR, 4), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_write, fd, KERNEL_PTR, 4), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_pread64, fd, BAD_PTR, 4, 0), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_readv, fd, BAD_PTR, 1), EFAULT);
	struct iovec biov = { BAD_PTR, 4 };
	CHECK_RAW_ERR(syscall(SYS_readv, fd, &biov, 1), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_openat, AT_FDCWD, BAD_PTR, O_RDONLY), EFAULT);
	/* nothing was changed by the failed calls */
	CHECK_STREQ(fs_get("b"), "data");
	close(fd);
	/* a directory cannot be read */
	dfd = CHECK_OK(open("d", O_RDONLY));
	CHECK_ERR(read(dfd, buf, sizeof(buf)), EISDIR);
	CHECK_ERR(write(dfd, buf, 1), EBADF);
	close(dfd);
	CHECK_ERR(read(-1, buf, 1), EBADF);
	CHECK_ERR(write(4096, buf, 1), EBADF);
}

static void rw_positions(void)
{
	char buf[64];
	int fd;

	fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	CHECK_EQ(read(fd, buf, 3), 3);
	CHECK(memcmp(buf, "234", 3) == 0);
	CHECK_EQ(lseek(fd, -2, SEEK_CUR), 3);
	CHECK_EQ(lseek(fd, -1, SEEK_END), 9);
	CHECK_EQ(read(fd, buf, 10), 1);
	CHECK_EQ(buf[0], '9');
	CHECK_ERR(lseek(fd, -11, SEEK_END), EINVAL);
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR(lseek(fd, 0, 7), EINVAL);
	CHECK_EQ(lseek(fd, 9, SEEK_SET), 9);      /* position kept after errors */
	/* pread/pwrite leave the offset alone */
	CHECK_EQ(pread(fd, buf, 4, 4), 4);
	CHECK(memcmp(buf, "4567", 4) == 0);
	CHECK_EQ(pwrite(fd, "AB", 2, 0), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 9);
	CHECK_ERR(pread(fd, buf, 1, -1), EINVAL);
	CHECK_EQ(pread(fd, buf, 4, 100), 0);      /* past EOF */
	/* a hole: write past the end, the gap reads as zeros */
	CHECK_EQ(pwrite(fd, "E", 1, 20), 1);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 21);
	CHECK_EQ(pread(fd, buf, 21, 0), 21);
	CHECK(memcmp(buf, "AB23456789\0\0\0\0\0\0\0\0\0\0E", 21) == 0);
	/* lseek past the end does not grow the file */
	CHECK_EQ(lseek(fd, 1000, SEEK_SET), 1000);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 21);
	CHECK_EQ(read(fd, buf, 1), 0);
	/* readv / writev / preadv / pwritev */
	char a[3], b[4], c[5];
	struct iovec wv[3] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(writev(fd, wv, 3), 8);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 8);
	struct iovec rv[3] = { { a, 3 }, { b, 4 }, { c, 5 } };
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(readv(fd, rv, 3), 12);
	CHECK(memcmp(a, "abc", 3) == 0 && memcmp(b, "defg", 4) == 0 && memcmp(c, "h89\0\0", 5) == 0);
	CHECK_EQ(preadv(fd, rv, 2, 1), 7);
	CHECK(memcmp(a, "bcd", 3) == 0 && memcmp(b, "efgh", 4) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12);
	struct iovec pw[2] = { { "XY", 2 }, { "Z", 1 } };
	CHECK_EQ(pwritev(fd, pw, 2, 18), 3);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 21);
	CHECK_EQ(pread(fd, buf, 3, 18), 3);
	CHECK(memcmp(buf, "XYZ", 3) == 0);
	CHECK_RAW_ERR(syscall(SYS_readv, fd, rv, -1), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_writev, fd, wv, 1025), EINVAL); /* more than IOV_MAX */
	CHECK_EQ(writev(fd, wv, 0), 0);
	close(fd);
	/* pread on a pipe: ESPIPE; lseek too */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
	CHECK_ERR(pread(p[0], buf, 1, 0), ESPIPE);
	CHECK_ERR(pwrite(p[1], buf, 1, 0), ESPIPE);
	close(p[0]);
	close(p[1]);
}

static void truncation(void)
{
	struct stat st;
	char buf[32];
	int fd;

	CHECK_OK(fs_put("f", "0123456789"));
	CHECK_OK(truncate("f", 4));
	CHECK_STREQ(fs_get("f"), "0123");
	CHECK_OK(truncate("f", 8));           /* grows with zeros */
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_size, 8);
	fd = CHECK_OK(open("f", O_RDWR));
	CHECK_EQ(read(fd, buf, 32), 8);
	CHECK(memcmp(buf, "0123\0\0\0\0", 8) == 0);
	CHECK_OK(ftruncate(fd, 2));
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 8);  /* the offset is not moved */
	CHECK_EQ(write(fd, "x", 1), 1);       /* writing at 8 leaves a hole at 2..7 */
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 9);
	CHECK_ERR(ftruncate(fd, -1), EINVAL);
	close(fd);
	/* a shrink then a grow reads zeros, not old data */
	CHECK_OK(fs_put("g", "abcdefgh"));
	CHECK_OK(truncate("g", 1));
	CHECK_OK(truncate("g", 8));
	fd = CHECK_OK(open("g", O_RDONLY));
	CHECK_EQ(read(fd, buf, 32), 8);
	CHECK(memcmp(buf, "a\0\0\0\0\0\0\0", 8) == 0);
	CHECK_ERR(ftruncate(fd, 0), EINVAL);  /* read-only fd: Linux says EINVAL */
	close(fd);
	CHECK_ERR(truncate("missing", 0), ENOENT);
	CHECK_OK(mkdir("d", 0755));
	CHECK_ERR(truncate("d", 0), EISDIR);
	fd = CHECK_OK(open("d", O_RDONLY));
	CHECK_ERR(ftruncate(fd, 0), EINVAL);
	close(fd);
	CHECK_ERR(ftruncate(-1, 0), EBADF);
	CHECK_ERR(truncate("f", -1), EINVAL);
	/* fsync family */
	fd = CHECK_OK(open("f", O_RDWR));
	CHECK_OK(fsync(fd));
	CHECK_OK(fdatasync(fd));
	sync();
	CHECK_ERR(fsync(-1), EBADF);
	CHECK_ERR(fdatasync(999), EBADF);
	/* fadvise64 */
	CHECK_EQ(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
	CHECK_EQ(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	CHECK_EQ(posix_fadvise(fd, 0, 0, 12345), EINVAL);
	CHECK_EQ(posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL), EBADF);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL), ESPIPE);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void send_file(void)
{
	char big[20000];
	off_t off;
	int in, out;

	fs_pattern((unsigned char *)big, sizeof(big), 0, 7);
	in = CHECK_OK(open("src", O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(in, big, sizeof(big)), sizeof(big));
	out = CHECK_OK(open("dst", O_RDWR | O_CREAT, 0644));
	/* with an offset: the input fd's position does not move */
	CHECK_EQ(lseek(in, 5, SEEK_SET), 5);
	off = 100;
	CHECK_EQ(sendfile(out, in, &off, 1000), 1000);
	CHECK_EQ(off, 1100);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 5);
	/* without: it does */
	CHECK_EQ(sendfile(out, in, NULL, sizeof(big)), sizeof(big) - 5);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), sizeof(big));
	CHECK_EQ(sendfile(out, in, NULL, 10), 0);   /* at EOF */
	struct stat st;
	CHECK_OK(fstat(out, &st));
	CHECK_EQ(st.st_size, 1000 + sizeof(big) - 5);
	char *back = malloc(st.st_size);
	CHECK_EQ(pread(out, back, st.st_size, 0), st.st_size);
	CHECK(memcmp(back, big + 100, 1000) == 0);
	CHECK(memcmp(back + 1000, big + 5, sizeof(big) - 5) == 0);
	free(back);
	/* to a pipe */
	int p[2];
	char buf[64];
	CHECK_OK(pipe(p));
	off = 0;
	CHECK_EQ(sendfile(p[1], in, &off, 64), 64);
	CHECK_EQ(read(p[0], buf, 64), 64);
	CHECK(memcmp(buf, big, 64) == 0);
	close(p[0]);
	close(p[1]);
	CHECK_ERR(sendfile(out, -1, NULL, 1), EBADF);
	CHECK_ERR(sendfile(-1, in, NULL, 1), EBADF);
	int ro = CHECK_OK(open("src", O_RDONLY));
	CHECK_ERR(sendfile(ro, in, NULL, 1), EBADF);  /* output not writable */
	close(ro);
	off = -1;
	CHECK_ERR(sendfile(out, in, &off, 1), EINVAL);
	close(in);
	close(out);
}

static void devices(void)
{
	char buf[256];
	int fd;

	fd = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_EQ(write(fd, "abc", 3), 3);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
	fd = CHECK_OK(open("/dev/zero", O_RDWR));
	memset(buf, 1, sizeof(buf));
	CHECK_EQ(read(fd, buf, sizeof(buf)), sizeof(buf));
	int zero = 1;
	for (size_t i = 0; i < sizeof(buf); i++)
		zero &= buf[i] == 0;
	CHECK(zero);
	CHECK_EQ(write(fd, buf, 10), 10);
	close(fd);
	fd = CHECK_OK(open("/dev/full", O_RDWR));
	CHECK_ERR(write(fd, "x", 1), ENOSPC);
	CHECK_EQ(read(fd, buf, 8), 8);
	close(fd);
	for (int k = 0; k < 2; k++) {
		fd = CHECK_OK(open(k ? "/dev/random" : "/dev/urandom", O_RDONLY));
		unsigned char r1[32], r2[32];
		CHECK_EQ(read(fd, r1, 32), 32);
		CHECK_EQ(read(fd, r2, 32), 32);
		CHECK(memcmp(r1, r2, 32) != 0);
		close(fd);
	}
	struct stat st;
	CHECK_OK(stat("/dev/null", &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 1);
	CHECK_EQ(minor(st.st_rdev), 3);
	CHECK_OK(stat("/dev/zero", &st));
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 5);
	/* /proc: enough for programs that read it */
	const char *s = fs_get("/proc/self/status");
	CHECK(s && strstr(s, "Name:") && strstr(s, "Pid:"));
	s = fs_get("/proc/meminfo");
	CHECK(s && strstr(s, "MemTotal:") && strstr(s, "MemFree:"));
	s = fs_get("/proc/cpuinfo");
	CHECK(s && strstr(s, "processor"));
	s = fs_get("/proc/uptime");
	double up = -1;
	CHECK(s && sscanf(s, "%lf", &up) == 1 && up > 0);
	s = fs_get("/proc/self/maps");
	CHECK(s && strlen(s) > 0);
	s = fs_get("/proc/mounts");
	CHECK(s && strstr(s, " / ") && strstr(s, " /proc "));
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe));
	CHECK(n > 0);
	fd = CHECK_OK(open("/dev/null", O_RDONLY));
	char link[64], target[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	CHECK(n > 0 && (target[n] = 0, strcmp(target, "/dev/null") == 0));
	close(fd);
	fd = CHECK_OK(open("/proc/self/cmdline", O_RDONLY));
	n = read(fd, buf, sizeof(buf));
	CHECK(n > 0 && buf[n - 1] == 0 && strstr(buf, "tst-fs-io"));
	close(fd);
}

static void many_small_files(void)
{
	char name[64], want[64];
	int n = 2000, bad = 0;
	struct stat st;

	CHECK_OK(mkdir("many", 0755));
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "many/file-%05d", i);
		snprintf(want, sizeof(want), "contents of %d\n", i * 7919);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, want, strlen(want)) != (ssize_t)strlen(want))
			bad++;
		if (fd >= 0)
			close(fd);
	}
	CHECK_EQ(bad, 0);
	DIR *d = opendir("many");
	struct dirent *e;
	int count = 0;
	while (d && (e = readdir(d)))
		count += e->d_name[0] != '.';
	if (d)
		closedir(d);
	CHECK_EQ(count, n);
	for (int i = 0; i < n; i += 1) {
		snprintf(name, sizeof(name), "many/file-%05d", i);
		snprintf(want, sizeof(want), "contents of %d\n", i * 7919);
		const char *got = fs_get(name);
		if (!got || strcmp(got, want))
			bad++;
	}
	CHECK_EQ(bad, 0);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "many/file-%05d", i);
		bad += unlink(name) != 0;
	}
	CHECK_EQ(bad, 0);
	CHECK_OK(stat("many", &st));
	CHECK_OK(rmdir("many"));
}

int main(void)
{
	fs_begin();
	RUN(open_flags);
	RUN(rw_positions);
	RUN(truncation);
	RUN(send_file);
	RUN(devices);
	RUN(many_small_files);
	return fs_end();
}
