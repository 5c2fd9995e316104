/*
 * tst-fs-fds: the file-system conformance suite, descriptors (Linux
 * semantics; also run on the host as host.fs-fds): dup/dup2/dup3 sharing
 * offsets and flags, fcntl F_GETFL/F_SETFL/F_GETFD/F_SETFD/F_DUPFD/
 * F_DUPFD_CLOEXEC, O_CLOEXEC, advisory record locks (F_SETLK/F_SETLKW/
 * F_GETLK), ioctl FIONREAD/FIONBIO and TCGETS/TIOCGWINSZ, the descriptor
 * limit (EMFILE), and EBADF everywhere.
 */
// EXPECT: ^tst: tst-fs-fds: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
#include "fstest.h"
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <termios.h>

static void dups(void)
{
	char buf[8];
	int fd, fd2, fd3;

	CHECK_OK(fs_put("f", "0123456789"));
	fd = CHECK_OK(open("f", O_RDWR));
	fd2 = CHECK_OK(dup(fd));
	CHECK(fd2 != fd);
	/* one open file: the offset is shared */
	CHECK_EQ(read(fd, buf, 3), 3);
	CHECK_EQ(lseek(fd2, 0, SEEK_CUR), 3);
	CHECK_EQ(read(fd2, buf, 2), 2);
	CHECK(memcmp(buf, "34", 2) == 0);
	/* and the status flags */
	CHECK_OK(fcntl(fd2, F_SETFL, O_APPEND));
	CHECK(fcntl(fd, F_GETFL) & O_APPEND);
	/* but not FD_CLOEXEC */
	CHECK_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd2, F_GETFD), 0);
	/* closing one leaves the other working */
	CHECK_OK(close(fd));
	CHECK_EQ(pread(fd2, buf, 2, 0), 2);
	/* dup2 onto an open descriptor closes it first; onto itself does nothing */
	fd3 = CHECK_OK(open("f", O_RDONLY));
	CHECK_EQ(dup2(fd2, fd3), fd3);
	CHECK(fcntl(fd3, F_GETFL) & O_APPEND);      /* now the same file as fd2 */
	CHECK_EQ(dup2(fd3, fd3), fd3);
	CHECK_EQ(dup2(fd2, 100), 100);
	CHECK_EQ(fcntl(100, F_GETFD), 0);
	CHECK_ERR(dup2(fd2, -1), EBADF);
	CHECK_ERR(dup2(555, 101), EBADF);
	CHECK_ERR(dup(-1), EBADF);
	CHECK_ERR(dup(555), EBADF);
	/* dup3 */
	CHECK_EQ(dup3(fd2, 101, O_CLOEXEC), 101);
	CHECK_EQ(fcntl(101, F_GETFD), FD_CLOEXEC);
	CHECK_ERR(dup3(fd2, fd2, 0), EINVAL);
	/* the kernel's answer (musl's dup3() without O_CLOEXEC is dup2 and ignores flags) */
	CHECK_RAW_ERR(syscall(SYS_dup3, fd2, 102, O_APPEND), EINVAL);
	CHECK_ERR(dup2(fd2, 1 << 30), EBADF);
	/* F_DUPFD: the lowest free at or above arg */
	CHECK_EQ(fcntl(fd2, F_DUPFD, 200), 200);
	CHECK_EQ(fcntl(fd2, F_DUPFD, 200), 201);
	CHECK_EQ(fcntl(fd2, F_DUPFD_CLOEXEC, 200), 202);
	CHECK_EQ(fcntl(202, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(201, F_GETFD), 0);
	CHECK_ERR(fcntl(fd2, F_DUPFD, -1), EINVAL);
	CHECK_ERR(fcntl(fd2, F_DUPFD, 1 << 30), EINVAL);
	for (int i = 100; i <= 202; i++)
		close(i);
	close(fd2);
	close(fd3);
	CHECK_ERR(fcntl(fd2, F_GETFD), EBADF);
	CHECK_ERR(fcntl(-1, F_GETFL), EBADF);
}

static void flags(void)
{
	int fd, fl;

	CHECK_OK(fs_put("f", "x"));
	fd = CHECK_OK(open("f", O_RDONLY | O_CLOEXEC));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	fl = CHECK_OK(fcntl(fd, F_GETFL));
	CHECK_EQ(fl & O_ACCMODE, O_RDONLY);
	CHECK_EQ(fl & (O_APPEND | O_NONBLOCK), 0);
	CHECK_OK(fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND));
	fl = fcntl(fd, F_GETFL);
	CHECK(fl & O_NONBLOCK && fl & O_APPEND);
	/* F_SETFL ignores the access mode and creation flags */
	CHECK_OK(fcntl(fd, F_SETFL, O_RDWR | O_CREAT | O_TRUNC));
	fl = fcntl(fd, F_GETFL);
	CHECK_EQ(fl & O_ACCMODE, O_RDONLY);
	CHECK_EQ(fl & (O_NONBLOCK | O_APPEND), 0);
	CHECK_OK(fcntl(fd, F_SETFD, 0));
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_ERR(fcntl(fd, 9999), EINVAL);
	close(fd);
	fd = CHECK_OK(open("f", O_WRONLY | O_APPEND));
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND), O_WRONLY | O_APPEND);
	close(fd);
	/* pipe2 flags */
	int p[2];
	CHECK_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	close(p[0]);
	close(p[1]);
	CHECK_ERR(pipe2(p, O_APPEND), EINVAL);
}

static void locks(void)
{
	struct flock fl;
	int fd, ro;

	CHECK_OK(fs_put("f", "0123456789"));
	fd = CHECK_OK(open("f", O_RDWR));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK, fl.l_whence = SEEK_SET, fl.l_start = 0, fl.l_len = 5;
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	/* our own locks never conflict with us: F_GETLK says unlocked */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK, fl.l_whence = SEEK_SET, fl.l_start = 0, fl.l_len = 0;
	CHECK_OK(fcntl(fd, F_GETLK, &fl));
	CHECK_EQ(fl.l_type, F_UNLCK);
	/* upgrade, split, release */
	fl.l_type = F_RDLCK, fl.l_start = 2, fl.l_len = 2;
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	fl.l_type = F_UNLCK, fl.l_start = 0, fl.l_len = 0;
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	fl.l_type = F_WRLCK, fl.l_whence = SEEK_END, fl.l_start = -2, fl.l_len = 2;
	CHECK_OK(fcntl(fd, F_SETLKW, &fl));
	fl.l_type = F_UNLCK;
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	/* errors */
	fl.l_type = 77;
	CHECK_ERR(fcntl(fd, F_SETLK, &fl), EINVAL);
	fl.l_type = F_RDLCK, fl.l_whence = SEEK_SET, fl.l_start = -5, fl.l_len = 1;
	CHECK_ERR(fcntl(fd, F_SETLK, &fl), EINVAL);
	fl.l_whence = 9, fl.l_start = 0;
	CHECK_ERR(fcntl(fd, F_SETLK, &fl), EINVAL);
	ro = CHECK_OK(open("f", O_RDONLY));
	fl.l_type = F_WRLCK, fl.l_whence = SEEK_SET, fl.l_start = 0, fl.l_len = 1;
	CHECK_ERR(fcntl(ro, F_SETLK, &fl), EBADF);  /* a write lock needs a writable fd */
	fl.l_type = F_RDLCK;
	CHECK_OK(fcntl(ro, F_SETLK, &fl));
	close(ro);
	CHECK_ERR(fcntl(-1, F_SETLK, &fl), EBADF);
	CHECK_RAW_ERR(syscall(SYS_fcntl, fd, F_GETLK, BAD_PTR), EFAULT);
	close(fd);
}

static void ioctls(void)
{
	int fd, p[2], n = -1, on = 1, off = 0;
	struct termios tio;
	struct winsize ws;

	CHECK_OK(fs_put("f", "0123456789"));
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(ioctl(fd, FIONREAD, &n));
	CHECK_EQ(n, 10);
	CHECK_EQ(lseek(fd, 4, SEEK_SET), 4);
	CHECK_OK(ioctl(fd, FIONREAD, &n));
	CHECK_EQ(n, 6);
	CHECK_ERR(ioctl(fd, TCGETS, &tio), ENOTTY);
	CHECK_ERR(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
	CHECK_OK(ioctl(fd, FIONBIO, &on));
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_OK(ioctl(fd, FIONBIO, &off));
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK_RAW_ERR(syscall(SYS_ioctl, fd, FIONREAD, BAD_PTR), EFAULT);
	close(fd);
	CHECK_ERR(ioctl(-1, FIONREAD, &n), EBADF);
	CHECK_OK(pipe(p));
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 0);
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 3);
	CHECK_OK(ioctl(p[0], FIONBIO, &on));
	char buf[8];
	CHECK_EQ(read(p[0], buf, 8), 3);
	CHECK_ERR(read(p[0], buf, 8), EAGAIN);
	close(p[0]);
	close(p[1]);
	/* the console: a terminal on Jiny; on the host only if the test's stdout is one */
#ifdef JINY_HOST_BUILD
	bool tty = isatty(1);
#else
	bool tty = true;
	CHECK(isatty(1));
#endif
	if (tty) {
		CHECK_OK(ioctl(1, TCGETS, &tio));
		CHECK_OK(ioctl(1, TIOCGWINSZ, &ws));
		CHECK(ws.ws_col > 0 && ws.ws_row > 0);
		CHECK_OK(tcgetattr(0, &tio));
	} else {
		CHECK_ERR(ioctl(1, TCGETS, &tio), ENOTTY);
	}
	fd = open("/dev/null", O_RDONLY);
	CHECK_ERR(ioctl(fd, TCGETS, &tio), ENOTTY);
	CHECK(!isatty(fd));
	close(fd);
}

static void limits(void)
{
	struct rlimit rl;
	int fds[300], n = 0, first;

	CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
	CHECK(rl.rlim_cur >= 256);
	/* lower the limit, fill the table, get EMFILE, restore */
	struct rlimit low = { 64, rl.rlim_max };
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &low));
	CHECK_OK(fs_put("f", ""));
	first = open("f", O_RDONLY);
	CHECK(first >= 0);
	fds[n++] = first;
	while (n < 300) {
		int fd = open("f", O_RDONLY);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	CHECK_EQ(errno, EMFILE);
	CHECK(n < 64);
	CHECK_ERR(dup(first), EMFILE);
	CHECK_ERR(fcntl(first, F_DUPFD, 0), EMFILE);
	int p[2];
	CHECK_ERR(pipe(p), EMFILE);
	CHECK_ERR(dup2(first, 64), EBADF);           /* at the limit */
	CHECK_ERR(fcntl(first, F_DUPFD, 64), EINVAL);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
	CHECK_EQ(open("f", O_RDONLY), first);        /* the lowest again */
	close(first);
}

int main(void)
{
	fs_begin();
	RUN(dups);
	RUN(flags);
	RUN(locks);
	RUN(ioctls);
	RUN(limits);
	return fs_end();
}
