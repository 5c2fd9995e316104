/*
 * sys_io.c - file-descriptor system calls over the console, the only file
 * until the VFS exists: fds 0, 1, 2 are the serial port (a tty: TCGETS and
 * TIOCGWINSZ answer, so stdio line-buffers as on a terminal). Reading polls
 * the UART, sleeping 1 ms between looks.
 */
#include "sys.h"
#include "../drivers/serial.h"
#include "../sched/sched.h"
#include "../arch/x86_64/arch.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541b
#define FIONBIO 0x5421
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define O_RDWR 2
#define O_NONBLOCK 04000
#define POLLIN 1
#define POLLOUT 4
#define POLLNVAL 0x20

struct iovec {
	void *iov_base;
	size_t iov_len;
};
struct pollfd {
	int fd;
	short events, revents;
};
struct winsize {
	unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel;
};
struct termios_k { /* struct termios of the Linux x86_64 ABI */
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[32];
	uint32_t c_ispeed, c_ospeed;
};

static bool console_open[3] = { true, true, true };
static int console_flags[3] = { O_RDWR, O_RDWR, O_RDWR };
static struct termios_k console_termios = {
	.c_iflag = 0x500 /* ICRNL|IXON */, .c_oflag = 0x5 /* OPOST|ONLCR */,
	.c_cflag = 0xbf /* B38400|CS8|CREAD */, .c_lflag = 0x8a3b /* ISIG|ICANON|ECHO.. */,
	.c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26 },
	.c_ispeed = 0xf, .c_ospeed = 0xf,
};

static bool fd_ok(int fd) { return fd >= 0 && fd < 3 && console_open[fd]; }

long sys_write(int fd, const void *buf, size_t n)
{
	if (!fd_ok(fd))
		return -EBADF;
	if (!uaccess_ok(buf, n, false))
		return -EFAULT;
	serial_write(buf, n);
	return (long)n;
}

long sys_read(int fd, void *buf, size_t n)
{
	if (!fd_ok(fd))
		return -EBADF;
	if (!uaccess_ok(buf, n, true))
		return -EFAULT;
	if (!n)
		return 0;
	char *p = buf;
	size_t got = 0;
	for (;;) {
		int c;
		while (got < n && (c = serial_getc_nonblock()) >= 0) {
			p[got++] = (char)(c == '\r' ? '\n' : c);
			if (c == '\r' || c == '\n')
				return (long)got;
		}
		if (got || (console_flags[fd] & O_NONBLOCK))
			return got ? (long)got : -EAGAIN;
		sched_sleep_until(clock_ns() + 1000000);
	}
}

static long iov_check(const struct iovec *iov, int cnt, bool write)
{
	if (cnt < 0 || cnt > 1024)
		return -EINVAL;
	if (!uaccess_ok(iov, sizeof(*iov) * cnt, false))
		return -EFAULT;
	for (int i = 0; i < cnt; i++)
		if (!uaccess_ok(iov[i].iov_base, iov[i].iov_len, write))
			return -EFAULT;
	return 0;
}

long sys_writev(int fd, const struct iovec *iov, int cnt)
{
	if (!fd_ok(fd))
		return -EBADF;
	long r = iov_check(iov, cnt, false);
	if (r < 0)
		return r;
	for (int i = 0; i < cnt; i++) {
		serial_write(iov[i].iov_base, iov[i].iov_len);
		r += (long)iov[i].iov_len;
	}
	return r;
}

long sys_readv(int fd, const struct iovec *iov, int cnt)
{
	if (!fd_ok(fd))
		return -EBADF;
	long r = iov_check(iov, cnt, true);
	if (r < 0)
		return r;
	for (int i = 0; i < cnt; i++) {
		if (!iov[i].iov_len)
			continue;
		return sys_read(fd, iov[i].iov_base, iov[i].iov_len); /* one line at most */
	}
	return 0;
}

long sys_close(int fd)
{
	if (!fd_ok(fd))
		return -EBADF;
	console_open[fd] = false;
	return 0;
}

long sys_lseek(int fd, long off, int whence)
{
	return fd_ok(fd) ? -ESPIPE : -EBADF;
}

long sys_ioctl(int fd, unsigned long req, unsigned long arg)
{
	if (!fd_ok(fd))
		return -EBADF;
	void *p = (void *)arg;
	switch (req) {
	case TCGETS:
		if (!uaccess_ok(p, sizeof(console_termios), true))
			return -EFAULT;
		memcpy(p, &console_termios, sizeof(console_termios));
		return 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (!uaccess_ok(p, sizeof(console_termios), false))
			return -EFAULT;
		memcpy(&console_termios, p, sizeof(console_termios));
		return 0;
	case TIOCGWINSZ: {
		struct winsize ws = { 24, 80, 0, 0 };
		if (!uaccess_ok(p, sizeof(ws), true))
			return -EFAULT;
		memcpy(p, &ws, sizeof(ws));
		return 0;
	}
	case TIOCSWINSZ:
		return 0;
	case FIONBIO:
		if (!uaccess_ok(p, sizeof(int), false))
			return -EFAULT;
		if (*(int *)p)
			console_flags[fd] |= O_NONBLOCK;
		else
			console_flags[fd] &= ~O_NONBLOCK;
		return 0;
	case FIONREAD:
		if (!uaccess_ok(p, sizeof(int), true))
			return -EFAULT;
		*(int *)p = 0;
		return 0;
	}
	return -ENOTTY;
}

long sys_fcntl(int fd, int cmd, unsigned long arg)
{
	if (!fd_ok(fd))
		return -EBADF;
	switch (cmd) {
	case F_GETFD:
		return 0;
	case F_SETFD:
		return 0;
	case F_GETFL:
		return console_flags[fd];
	case F_SETFL:
		console_flags[fd] = (console_flags[fd] & ~O_NONBLOCK) | (arg & O_NONBLOCK);
		return 0;
	}
	return -EINVAL;
}

long sys_poll(struct pollfd *fds, unsigned long n, int timeout)
{
	if (n > 1024)
		return -EINVAL;
	if (!uaccess_ok(fds, n * sizeof(*fds), true))
		return -EFAULT;
	uint64_t deadline = timeout < 0 ? ~0ULL : clock_ns() + (uint64_t)timeout * 1000000;
	for (;;) {
		long ready = 0;
		for (unsigned long i = 0; i < n; i++) {
			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			if (!fd_ok(fds[i].fd))
				fds[i].revents = POLLNVAL;
			else
				fds[i].revents = fds[i].events &
						 (POLLOUT | (serial_rx_ready() ? POLLIN : 0));
			if (fds[i].revents)
				ready++;
		}
		if (ready || clock_ns() >= deadline)
			return ready;
		sched_sleep_until(MIN(deadline, clock_ns() + 1000000));
	}
}
