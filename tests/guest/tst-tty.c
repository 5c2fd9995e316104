/*
 * tst-tty: the console as a terminal, from the HP app, with nothing typed
 * (tst-tty-input types at it): the termios round trip through TCGETS/
 * TCSETS/TCSETSW/TCSETSF (the kernel's 36-byte struct: nothing written past
 * it), Linux's defaults, the window size, job control at boot (session 1,
 * foreground group 1, TIOCSPGRP checks, TIOCNOTTY then TIOCSCTTY), FIONREAD,
 * TIOCOUTQ, tcflush/tcflow/tcdrain, the errors (EFAULT, EINVAL, ESRCH,
 * ENOTTY), and reads that must not block: O_NONBLOCK, VMIN 0 with VTIME 0,
 * a VTIME timeout, poll without POLLIN. Timeouts never end early; the one
 * upper bound (a 0.2 s VTIME read under 5 s) is tried 3 times before it
 * fails, as a busy host may stall the vCPU.
 */
// EXPECT: ^tst: tst-tty: [0-9]+ checks, 0 failures$
// EXPECT: ^output after raw mode$
// EXPECT-NOT: FAIL
#include "fstest.h"
#include <poll.h>
#include <termios.h>
#include <time.h>
#include <sys/ioctl.h>

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void termios_defaults(void)
{
	struct termios t;
	unsigned char raw[64];

	CHECK(isatty(0));
	CHECK(isatty(1));
	CHECK_OK(tcgetattr(0, &t));
	CHECK_EQ(t.c_iflag & (ICRNL | IXON), ICRNL | IXON);
	CHECK_EQ(t.c_oflag & (OPOST | ONLCR), OPOST | ONLCR);
	CHECK_EQ(t.c_lflag & (ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN),
		 ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN);
	CHECK_EQ(t.c_cc[VINTR], 3);
	CHECK_EQ(t.c_cc[VQUIT], 034);
	CHECK_EQ(t.c_cc[VERASE], 0177);
	CHECK_EQ(t.c_cc[VKILL], 025);
	CHECK_EQ(t.c_cc[VEOF], 4);
	CHECK_EQ(t.c_cc[VSUSP], 032);
	CHECK_EQ(t.c_cc[VWERASE], 027);
	CHECK_EQ(t.c_cc[VLNEXT], 026);
	CHECK_EQ(t.c_cc[VMIN], 1);
	CHECK_EQ(t.c_cc[VTIME], 0);
	CHECK_EQ(cfgetospeed(&t), B38400);
	/* the kernel's struct termios is 36 bytes: TCGETS writes no more */
	memset(raw, 0xa5, sizeof(raw));
	CHECK_OK(ioctl(0, TCGETS, raw));
	int untouched = 1;
	for (size_t i = 36; i < sizeof(raw); i++)
		untouched &= raw[i] == 0xa5;
	CHECK(untouched);
}

static void termios_roundtrip(void)
{
	struct termios save, t, u;

	CHECK_OK(tcgetattr(0, &save));
	t = save;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_iflag |= IUTF8;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 7;
	t.c_cc[VEOL] = ';';
	CHECK_OK(tcsetattr(0, TCSANOW, &t));
	CHECK_OK(tcgetattr(1, &u)); /* the same tty through another fd */
	CHECK_EQ(u.c_lflag, t.c_lflag);
	CHECK_EQ(u.c_iflag, t.c_iflag);
	CHECK_EQ(u.c_oflag, t.c_oflag);
	CHECK_EQ(u.c_cflag, t.c_cflag);
	CHECK_EQ(memcmp(u.c_cc, t.c_cc, 17), 0);
	t.c_cc[VTIME] = 3;
	CHECK_OK(tcsetattr(0, TCSADRAIN, &t));
	CHECK_OK(tcgetattr(0, &u));
	CHECK_EQ(u.c_cc[VTIME], 3);
	t.c_oflag &= ~OPOST;
	CHECK_OK(tcsetattr(0, TCSAFLUSH, &t));
	CHECK_OK(tcgetattr(0, &u));
	CHECK_EQ(u.c_oflag & OPOST, 0);
	CHECK_OK(tcsetattr(0, TCSANOW, &save));
	CHECK_OK(tcgetattr(0, &u));
	CHECK_EQ(u.c_lflag, save.c_lflag);
	CHECK_EQ(u.c_oflag, save.c_oflag);
	printf("output after raw mode\n");
	CHECK_ERR(tcsetattr(0, 42, &t), EINVAL); /* musl checks the action */
}

static void winsize(void)
{
	struct winsize ws, big = { 50, 132, 0, 0 }, save;

	CHECK_OK(ioctl(1, TIOCGWINSZ, &save));
	CHECK_EQ(save.ws_row, 24);
	CHECK_EQ(save.ws_col, 80);
	CHECK_OK(ioctl(1, TIOCSWINSZ, &big));
	CHECK_OK(ioctl(0, TIOCGWINSZ, &ws));
	CHECK_EQ(ws.ws_row, 50);
	CHECK_EQ(ws.ws_col, 132);
	CHECK_OK(ioctl(1, TIOCSWINSZ, &save));
}

static void job_control(void)
{
	int pg = -1, sid = -1;

	CHECK_EQ(tcgetpgrp(0), 1);
	CHECK_EQ(tcgetsid(0), 1);
	CHECK_OK(ioctl(0, TIOCGPGRP, &pg));
	CHECK_EQ(pg, 1);
	CHECK_OK(ioctl(0, TIOCGSID, &sid));
	CHECK_EQ(sid, 1);
	CHECK_OK(tcsetpgrp(0, 1));
	CHECK_ERR(tcsetpgrp(0, 12345), ESRCH);
	pg = -1;
	CHECK_ERR(ioctl(0, TIOCSPGRP, &pg), EINVAL);
	CHECK_OK(ioctl(0, TIOCSCTTY, 0)); /* already ours */
	/* the session leader lets go of the tty, then takes it back */
	CHECK_OK(ioctl(0, TIOCNOTTY));
	CHECK_ERR(tcgetpgrp(0), ENOTTY);
	CHECK_ERR(tcgetsid(0), ENOTTY);
	CHECK_ERR(tcsetpgrp(0, 1), ENOTTY);
	CHECK_OK(ioctl(0, TIOCSCTTY, 0));
	CHECK_EQ(tcgetpgrp(0), 1);
	CHECK_EQ(tcgetsid(0), 1);
}

static void queues(void)
{
	int n = -1;

	CHECK_OK(ioctl(0, FIONREAD, &n));
	CHECK_EQ(n, 0);
	n = -1;
	CHECK_OK(ioctl(1, TIOCOUTQ, &n));
	CHECK_EQ(n, 0);
	CHECK_OK(tcflush(0, TCIFLUSH));
	CHECK_OK(tcflush(0, TCOFLUSH));
	CHECK_OK(tcflush(0, TCIOFLUSH));
	CHECK_ERR(ioctl(0, TCFLSH, 7), EINVAL);
	CHECK_OK(tcflow(1, TCOOFF));
	CHECK_OK(tcflow(1, TCOON));
	CHECK_ERR(ioctl(1, TCXONC, 9), EINVAL);
	CHECK_OK(tcdrain(1));
	CHECK_OK(tcsendbreak(1, 0));
}

static void errors(void)
{
	CHECK_ERR(ioctl(0, TCGETS, BAD_PTR), EFAULT);
	CHECK_ERR(ioctl(0, TCSETS, BAD_PTR), EFAULT);
	CHECK_ERR(ioctl(0, TIOCGWINSZ, BAD_PTR), EFAULT);
	CHECK_ERR(ioctl(0, TIOCSWINSZ, BAD_PTR), EFAULT);
	CHECK_ERR(ioctl(0, TIOCGPGRP, BAD_PTR), EFAULT);
	CHECK_ERR(ioctl(0, TIOCSPGRP, BAD_PTR), EFAULT);
	CHECK_ERR(ioctl(0, TIOCGSID, BAD_PTR), EFAULT);
	CHECK_ERR(ioctl(0, FIONREAD, BAD_PTR), EFAULT);
	CHECK_ERR(ioctl(0, TIOCOUTQ, KERNEL_PTR), EFAULT);
	CHECK_ERR(ioctl(0, TIOCGSERIAL, &(char[64]){ 0 }), ENOTTY);
	CHECK_ERR(ioctl(0, 0x54ff, 0), ENOTTY);
}

/* Nothing is typed: none of these may wait for input. */
static void reads_without_input(void)
{
	struct termios save, t;
	struct timespec t0;
	char c;

	int fl = fcntl(0, F_GETFL);
	CHECK_OK(fcntl(0, F_SETFL, fl | O_NONBLOCK));
	CHECK_ERR(read(0, &c, 1), EAGAIN);
	CHECK_OK(fcntl(0, F_SETFL, fl));

	struct pollfd pf = { 0, POLLIN | POLLOUT, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLOUT);
	pf.events = POLLIN;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(poll(&pf, 1, 100), 0);
	CHECK(ms_since(&t0) >= 90);

	CHECK_OK(tcgetattr(0, &save));
	t = save;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	CHECK_OK(tcsetattr(0, TCSANOW, &t));
	CHECK_EQ(read(0, &c, 1), 0);          /* a pure poll */
	t.c_cc[VTIME] = 2;                     /* wait 0.2 s for a byte */
	CHECK_OK(tcsetattr(0, TCSANOW, &t));
	long ms;
	for (int try = 1;; try++) {            /* not 5 s late, on one of 3 tries */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK_EQ(read(0, &c, 1), 0);
		ms = ms_since(&t0);
		CHECK(ms >= 190);
		if (ms < 5000 || try == 3)
			break;
	}
	CHECK(ms < 5000);
	t.c_cc[VMIN] = 2;                      /* VMIN > 0: no POLLIN until 2 bytes */
	t.c_cc[VTIME] = 0;
	CHECK_OK(tcsetattr(0, TCSANOW, &t));
	pf.events = POLLIN;
	CHECK_EQ(poll(&pf, 1, 0), 0);
	CHECK_OK(tcsetattr(0, TCSANOW, &save));
}

int main(void)
{
	termios_defaults();
	termios_roundtrip();
	winsize();
	job_control();
	queues();
	errors();
	reads_without_input();
	return tst_done();
}
