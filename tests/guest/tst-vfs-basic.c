/*
 * tst-vfs-basic: a quick pass over every family of file system calls, each
 * once with success and once with a typical error, so a broken VFS shows up
 * at a glance (the thorough conformance suite is tests/guest/tst-fs-*.c).
 * Also builds and runs on the Linux host; the few Jiny-only facts (the
 * console on fds 0-2, mount without privileges) are checked only where
 * they hold.
 */
// EXPECT: ^tst: tst-vfs-basic: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
#define _GNU_SOURCE
#include "tst.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#define CHECK_ERR(call, e) CHECK_EQ((call) == -1 ? errno : 0, (e))
static void *volatile bad_ptr = (void *)16; /* volatile: no compile-time warnings */
#define BAD_PTR bad_ptr

static char base[64];

static const char *P(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, name);
	return buf[i];
}

static void test_open_rw(void)
{
	char buf[64];
	int fd = open(P("f"), O_CREAT | O_EXCL | O_RDWR, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "hello world", 11), 11);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11);
	CHECK_EQ(pread(fd, buf, 5, 6), 5);
	CHECK(!memcmp(buf, "world", 5));
	CHECK_EQ(pwrite(fd, "W", 1, 6), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 11);
	CHECK_STREQ(buf, "hello World");
	CHECK_EQ(lseek(fd, 0, SEEK_END), 11);
	CHECK_ERR(lseek(fd, -20, SEEK_CUR), EINVAL);
	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	CHECK_EQ(writev(fd, iov, 2), 4);
	char x[3] = { 0 }, y[3] = { 0 };
	struct iovec riov[2] = { { x, 2 }, { y, 2 } };
	CHECK_EQ(preadv(fd, riov, 2, 11), 4);
	CHECK_STREQ(x, "ab");
	CHECK_STREQ(y, "cd");
	CHECK_EQ(pwritev(fd, iov, 1, 0), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(readv(fd, riov, 1), 2);
	CHECK_STREQ(x, "ab");
	CHECK_ERR(read(fd, BAD_PTR, 4), EFAULT);
	CHECK_ERR(write(fd, BAD_PTR, 4), EFAULT);
	CHECK_EQ(close(fd), 0);
	CHECK_ERR(close(fd), EBADF);
	CHECK_ERR(read(fd, buf, 1), EBADF);
	CHECK_ERR(open(P("f"), O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
	CHECK_ERR(open(P("nonexistent"), O_RDONLY), ENOENT);
	CHECK_ERR(open(P("f/x"), O_RDONLY), ENOTDIR);
	CHECK_ERR(open(P("f"), O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(open(base, O_WRONLY), EISDIR);
	CHECK_ERR(open(BAD_PTR, O_RDONLY), EFAULT);
	/* O_TRUNC, O_APPEND, creat */
	fd = open(P("f"), O_WRONLY | O_TRUNC | O_APPEND);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "12", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "34", 2), 2);
	CHECK_ERR(read(fd, buf, 1), EBADF);
	close(fd);
	fd = creat(P("g"), 0600);
	CHECK(fd >= 0);
	close(fd);
	fd = open(P("f"), O_RDONLY);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "1234", 4));
	CHECK_ERR(write(fd, "x", 1), EBADF);
	close(fd);
}

static void test_stat_access(void)
{
	struct stat st;
	CHECK_EQ(stat(P("f"), &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_size, 4);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(symlink("f", P("lnk")), 0);
	CHECK_EQ(lstat(P("lnk"), &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(stat(P("lnk"), &st), 0);
	CHECK(S_ISREG(st.st_mode));
	int dfd = open(base, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_EQ(fstatat(dfd, "f", &st, 0), 0);
	CHECK_EQ(st.st_size, 4);
	CHECK_EQ(fstat(dfd, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	struct { unsigned mask, blksize; unsigned long long attr; unsigned nlink, uid, gid;
		 unsigned short mode, pad; unsigned long long ino, size; char rest[200]; } stx;
	CHECK_EQ(syscall(SYS_statx, dfd, "f", 0, 0x7ff, &stx), 0);
	CHECK_EQ(stx.size, 4);
	CHECK(S_ISREG(stx.mode));
	CHECK_ERR(stat(P("nope"), &st), ENOENT);
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, P("f"), BAD_PTR, 0), EFAULT); /* musl copies itself */
	CHECK_ERR(fstat(-1, &st), EBADF);
	CHECK_EQ(access(P("f"), R_OK | W_OK), 0);
	CHECK_ERR(access(P("f"), X_OK), EACCES);
	CHECK_ERR(access(P("nope"), F_OK), ENOENT);
	CHECK_EQ(faccessat(dfd, "f", F_OK, 0), 0);
	CHECK_ERR(access(P("f"), 0100), EINVAL);
	close(dfd);
}

static void test_dirs(void)
{
	CHECK_EQ(mkdir(P("d"), 0755), 0);
	CHECK_ERR(mkdir(P("d"), 0755), EEXIST);
	CHECK_EQ(mkdirat(AT_FDCWD, P("d/sub"), 0700), 0);
	int fd = open(P("d/sub/file"), O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK_ERR(rmdir(P("d")), ENOTEMPTY);
	CHECK_ERR(unlink(P("d")), EISDIR);
	CHECK_ERR(rmdir(P("f")), ENOTDIR);
	CHECK_ERR(mkdir(P("nope/x"), 0755), ENOENT);
	DIR *d = opendir(P("d/sub"));
	CHECK(d != NULL);
	int seen = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		seen |= !strcmp(e->d_name, ".") ? 1 : !strcmp(e->d_name, "..") ? 2
			: !strcmp(e->d_name, "file") ? 4 : 8;
	CHECK_EQ(seen, 7);
	if (d)
		closedir(d);
	char dbuf[256];
	fd = open(P("f"), O_RDONLY);
	CHECK_ERR(syscall(SYS_getdents64, fd, dbuf, sizeof(dbuf)), ENOTDIR);
	close(fd);
	CHECK_EQ(unlinkat(AT_FDCWD, P("d/sub/file"), 0), 0);
	CHECK_EQ(unlinkat(AT_FDCWD, P("d/sub"), AT_REMOVEDIR), 0);
	CHECK_ERR(unlink(P("d/sub")), ENOENT);
	CHECK_EQ(rmdir(P("d")), 0);
}

static void test_names(void)
{
	char buf[PATH_MAX];
	/* rename: files, replacing, directories, into itself */
	CHECK_EQ(rename(P("g"), P("g2")), 0);
	CHECK_ERR(access(P("g"), F_OK), ENOENT);
	CHECK_EQ(link(P("g2"), P("g3")), 0);
	struct stat st;
	CHECK_EQ(stat(P("g2"), &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(rename(P("g3"), P("f")), 0); /* replaces f */
	CHECK_EQ(stat(P("f"), &st), 0);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(mkdir(P("d1"), 0755), 0);
	CHECK_ERR(rename(P("d1"), P("d1/x")), EINVAL);
	CHECK_ERR(rename(P("f"), P("d1/")), ENOTDIR);
	CHECK_EQ(syscall(SYS_renameat2, AT_FDCWD, P("d1"), AT_FDCWD, P("d2"), 0), 0);
	CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, P("f"), AT_FDCWD, P("g2"), 1 /* NOREPLACE */),
		  EEXIST);
	CHECK_ERR(rename(P("nope"), P("x")), ENOENT);
	CHECK_ERR(link(P("d2"), P("d3")), EPERM);
	CHECK_ERR(link(P("g2"), P("f")), EEXIST);
	/* symlinks */
	CHECK_EQ(symlink("d2", P("ld")), 0);
	ssize_t n = readlink(P("ld"), buf, sizeof(buf));
	CHECK_EQ(n, 2);
	CHECK(!memcmp(buf, "d2", 2));
	CHECK_ERR(readlink(P("f"), buf, sizeof(buf)), EINVAL);
	CHECK_ERR(syscall(SYS_readlinkat, AT_FDCWD, P("ld"), buf, 0), EINVAL); /* musl turns 0 into 1 */
	CHECK_EQ(symlink("loop2", P("loop1")), 0);
	CHECK_EQ(symlink("loop1", P("loop2")), 0);
	CHECK_ERR(open(P("loop1"), O_RDONLY), ELOOP);
	CHECK_ERR(open(P("ld"), O_RDONLY | O_NOFOLLOW), ELOOP);
	int fd = open(P("ld/../f"), O_RDONLY); /* '..' from a symlinked directory */
	CHECK(fd >= 0);
	close(fd);
	char *longname = malloc(300);
	memset(longname, 'a', 299);
	longname[299] = 0;
	CHECK_ERR(open(longname, O_RDONLY), ENAMETOOLONG);
	char *longpath = malloc(5000);
	memset(longpath, '/', 4999);
	longpath[4999] = 0;
	CHECK_ERR(open(longpath, O_RDONLY), ENAMETOOLONG);
	free(longname);
	free(longpath);
	CHECK_EQ(unlink(P("ld")), 0);
	CHECK_EQ(unlink(P("loop1")), 0);
	CHECK_EQ(unlink(P("loop2")), 0);
	CHECK_EQ(unlink(P("lnk")), 0);
	CHECK_EQ(rmdir(P("d2")), 0);
}

static void test_attrs(void)
{
	struct stat st;
	int fd = open(P("t"), O_CREAT | O_RDWR, 0666);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, 10000), 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 10000);
	char c = 1;
	CHECK_EQ(pread(fd, &c, 1, 9999), 1);
	CHECK_EQ(c, 0);
	CHECK_EQ(truncate(P("t"), 3), 0);
	CHECK_EQ(stat(P("t"), &st), 0);
	CHECK_EQ(st.st_size, 3);
	CHECK_ERR(truncate(P("t"), -1), EINVAL);
	CHECK_ERR(truncate(base, 0), EISDIR);
	CHECK_EQ(fsync(fd), 0);
	CHECK_EQ(fdatasync(fd), 0);
	sync();
	CHECK_EQ(fchmod(fd, 0600), 0);
	CHECK_EQ(chmod(P("t"), 0640), 0);
	CHECK_EQ(stat(P("t"), &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(chown(P("t"), getuid(), getgid()), 0);
	CHECK_EQ(fchown(fd, -1, -1), 0);
	CHECK_ERR(chmod(P("nope"), 0644), ENOENT);
	struct timespec ts[2] = { { 1000, 5 }, { 2000, 7 } };
	CHECK_EQ(utimensat(AT_FDCWD, P("t"), ts, 0), 0);
	CHECK_EQ(stat(P("t"), &st), 0);
	CHECK_EQ(st.st_mtime, 2000);
	CHECK_EQ(st.st_atime, 1000);
	ts[0].tv_nsec = 2000000000;
	CHECK_ERR(utimensat(AT_FDCWD, P("t"), ts, 0), EINVAL);
	CHECK_EQ(futimens(fd, NULL), 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK(st.st_mtime > 2000);
	mode_t old = umask(077);
	umask(old);
	CHECK_EQ(umask(old), old);
	struct statfs sf;
	CHECK_EQ(statfs(base, &sf), 0);
	CHECK(sf.f_bsize > 0);
	CHECK_EQ(fstatfs(fd, &sf), 0);
	CHECK_ERR(statfs(P("nope"), &sf), ENOENT);
	CHECK_EQ(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
	close(fd);
}

static void test_fds(void)
{
	int fd = open(P("t"), O_RDWR);
	CHECK(fd >= 0);
	int d = dup(fd);
	CHECK(d > fd);
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	CHECK_EQ(lseek(d, 0, SEEK_CUR), 2); /* shared offset */
	CHECK_EQ(dup2(fd, 100), 100);
	CHECK_EQ(dup2(fd, fd), fd);
	CHECK_ERR(dup2(-1, 101), EBADF);
	CHECK_EQ(dup3(fd, 101, O_CLOEXEC), 101);
	CHECK_ERR(dup3(fd, fd, 0), EINVAL);
	CHECK_EQ(fcntl(101, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(100, F_GETFD), 0);
	CHECK_EQ(fcntl(100, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(fcntl(100, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	CHECK_EQ(fcntl(fd, F_SETFL, O_APPEND), 0);
	CHECK(fcntl(d, F_GETFL) & O_APPEND);
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, 200);
	CHECK_EQ(hi, 200);
	CHECK_EQ(fcntl(hi, F_GETFD), FD_CLOEXEC);
	CHECK_ERR(fcntl(-5, F_GETFD), EBADF);
	CHECK_ERR(fcntl(fd, 12345), EINVAL);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	CHECK_EQ(fcntl(fd, F_SETLK, &fl), 0);
	fl.l_type = F_WRLCK;
	CHECK_EQ(fcntl(fd, F_GETLK, &fl), 0);
	CHECK_EQ(fl.l_type, F_UNLCK); /* our own lock never conflicts */
	fl.l_type = F_UNLCK;
	CHECK_EQ(fcntl(fd, F_SETLK, &fl), 0);
	fl.l_type = 99;
	CHECK_ERR(fcntl(fd, F_SETLK, &fl), EINVAL);
	CHECK_ERR(fcntl(fd, F_SETLK, BAD_PTR), EFAULT);
	int flags = fcntl(fd, F_GETFL);
	CHECK(flags >= 0);
	close(d);
	close(100);
	close(101);
	close(hi);
	close(fd);
	/* O_CLOEXEC at open, O_PATH */
	fd = open(P("t"), O_RDONLY | O_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
	fd = open(P("t"), O_PATH);
	CHECK(fd >= 0);
	char c;
	CHECK_ERR(read(fd, &c, 1), EBADF);
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0);
	close(fd);
	/* the console: fds 0-2 are a terminal on Jiny */
	if (isatty(1)) {
		struct termios t;
		struct winsize ws;
		CHECK_EQ(tcgetattr(1, &t), 0);
		CHECK_EQ(ioctl(1, TIOCGWINSZ, &ws), 0);
		CHECK(ws.ws_col > 0);
		CHECK_ERR(ioctl(1, TCGETS, BAD_PTR), EFAULT);
	}
	fd = open(P("t"), O_RDONLY);
	CHECK_ERR(ioctl(fd, TCGETS, &c), ENOTTY);
	int avail = -1;
	CHECK_EQ(ioctl(fd, FIONREAD, &avail), 0);
	CHECK_EQ(avail, 3);
	close(fd);
}

static void test_cwd(void)
{
	char buf[PATH_MAX], save[PATH_MAX];
	CHECK(getcwd(save, sizeof(save)) != NULL);
	CHECK_EQ(mkdir(P("cwd"), 0755), 0);
	CHECK_EQ(chdir(P("cwd")), 0);
	CHECK(getcwd(buf, sizeof(buf)) != NULL);
	CHECK_STREQ(buf, P("cwd"));
	int fd = open("rel", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(access(P("cwd/rel"), F_OK), 0);
	CHECK_EQ(getcwd(buf, 2) == NULL ? errno : 0, ERANGE);
	CHECK_ERR(chdir(P("f")), ENOTDIR);
	int dfd = open(base, O_RDONLY | O_DIRECTORY);
	CHECK_EQ(fchdir(dfd), 0);
	CHECK(getcwd(buf, sizeof(buf)) != NULL);
	CHECK_STREQ(buf, base);
	close(dfd);
	CHECK_EQ(unlink("cwd/rel"), 0);
	CHECK_EQ(rmdir("cwd"), 0);
	CHECK_EQ(chdir(save), 0);
}

static void test_pipes(void)
{
	int p[2];
	char buf[16];
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(write(p[1], "ping", 4), 4);
	int n = -1;
	CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0);
	CHECK_EQ(n, 4);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 4);
	CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
	close(p[1]);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0); /* EOF */
	close(p[0]);
	CHECK_EQ(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	CHECK_ERR(read(p[0], buf, sizeof(buf)), EAGAIN);
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	close(p[1]);
	CHECK_ERR(pipe2(p, 12345678), EINVAL);
	CHECK_ERR(pipe(BAD_PTR), EFAULT);
	/* sendfile from a file into a pipe */
	CHECK_EQ(pipe(p), 0);
	int fd = open(P("t"), O_RDONLY);
	off_t off = 1;
	CHECK_EQ(sendfile(p[1], fd, &off, 100), 2);
	CHECK_EQ(off, 3);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void test_dev_proc(void)
{
	char buf[256];
	int fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, buf, 40), 40);
	CHECK_EQ(read(fd, buf, 40), 0);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 1, 8);
	CHECK_EQ(read(fd, buf, 8), 8);
	CHECK_EQ(buf[0] | buf[7], 0);
	close(fd);
	fd = open("/dev/full", O_WRONLY);
	CHECK_ERR(write(fd, buf, 1), ENOSPC);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	CHECK_EQ(read(fd, buf, 64), 64);
	close(fd);
	fd = open("/proc/self/status", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, buf, 10), 10); /* small reads page through a snapshot */
	CHECK(!memcmp(buf, "Name:", 5));
	close(fd);
	fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strstr(buf, "MemTotal:") != NULL);
	close(fd);
	n = readlink("/proc/self/fd/0", buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(access("/proc/self/maps", R_OK) == 0);
	CHECK(access("/proc/cpuinfo", R_OK) == 0);
	CHECK(access("/proc/uptime", R_OK) == 0);
	CHECK(access("/proc/mounts", R_OK) == 0);
}

static void test_mount(void)
{
	if (mount("tmpfs", P("f"), "tmpfs", 0, NULL) == -1 && errno == EPERM)
		return; /* an unprivileged host run */
	CHECK_EQ(mkdir(P("mnt"), 0755), 0);
	CHECK_EQ(mount("none", P("mnt"), "tmpfs", 0, NULL), 0);
	int fd = open(P("mnt/inner"), O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0);
	CHECK_ERR(umount2(P("mnt"), 0), EBUSY);
	CHECK_ERR(rename(P("mnt/inner"), P("outer")), EXDEV);
	close(fd);
	struct stat a, b;
	CHECK_EQ(stat(P("mnt/.."), &a), 0);
	CHECK_EQ(stat(base, &b), 0);
	CHECK_EQ(a.st_ino, b.st_ino); /* '..' crosses back up */
	CHECK_EQ(umount2(P("mnt"), 0), 0);
	CHECK_ERR(access(P("mnt/inner"), F_OK), ENOENT);
	CHECK_ERR(mount("none", P("mnt"), "nosuchfs", 0, NULL), ENODEV);
	CHECK_EQ(rmdir(P("mnt")), 0);
}

int main(void)
{
	snprintf(base, sizeof(base), "/tmp/vfs-basic.%d", (int)getpid());
	if (mkdir(base, 0755) < 0) {
		printf("FAIL: cannot create %s: %s\n", base, strerror(errno));
		return 1;
	}
	test_open_rw();
	test_stat_access();
	test_dirs();
	test_names();
	test_attrs();
	test_fds();
	test_cwd();
	test_pipes();
	test_dev_proc();
	test_mount();
	unlink(P("f"));
	unlink(P("g2"));
	unlink(P("t"));
	CHECK_EQ(rmdir(base), 0);
	return tst_done();
}
