/*
 * tst-tty-input: typing at the console (run-guest.sh's "// STDIN:" lines
 * feed the serial port once the app says it is ready). Canonical mode:
 * erase, kill, word erase, ^C discarding the line (echoed as "^C"), ^D at
 * the end of a line and on an empty one, ^V, a line not readable (poll,
 * O_NONBLOCK) until it is complete. Raw mode: bytes one by one, with no
 * special meaning and no echo, and VMIN 3 waiting for three bytes.
 */
// EXPECT: ^tst: tst-tty-input: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// EXPECT: discard me\^Cagain$
// EXPECT-NOT: secret
// TIMEOUT: 60
// VARIANT: smp1 --smp 1
// VARIANT: smp2 --smp 2
// STDIN: wait ready: edit$
// STDIN: send hello wrold\x7f\x7f\x7f\x7forld\r
// STDIN: wait ready: kill$
// STDIN: send junk junk\x15good\x17\x17kept word\x17text\r
// STDIN: wait ready: intr$
// STDIN: send discard me\003again\r
// STDIN: wait ready: eof$
// STDIN: send part\004\004
// STDIN: wait ready: lnext$
// STDIN: send \026\003\026\x7fx\r
// STDIN: wait ready: partial$
// STDIN: send par
// STDIN: wait ready: complete$
// STDIN: send tial\r
// STDIN: wait ready: raw$
// STDIN: send ab\x7f\r\003\025secret
// STDIN: wait ready: vmin$
// STDIN: send xyz
#include "fstest.h"
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <time.h>

static void ready(const char *what)
{
	printf("ready: %s\n", what);
	fflush(stdout);
}

/* One read(2), as a string. */
static const char *read_once(size_t n)
{
	static char buf[256];
	ssize_t r = read(0, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
	if (r < 0) {
		snprintf(buf, sizeof(buf), "<error %s>", fs_errname(errno));
		return buf;
	}
	buf[r] = 0;
	return buf;
}

static void canonical(void)
{
	ready("edit");
	CHECK_STREQ(read_once(100), "hello world\n");
	ready("kill");
	CHECK_STREQ(read_once(100), "kept text\n");
	ready("intr");
	CHECK_STREQ(read_once(100), "again\n");
	ready("eof");
	CHECK_STREQ(read_once(100), "part");
	CHECK_STREQ(read_once(100), "");
	ready("lnext");
	CHECK_STREQ(read_once(100), "\003\177x\n");
}

static void partial_line(void)
{
	struct pollfd pf = { 0, POLLIN, 0 };
	struct timespec ts = { 0, 500000000 };
	char c;

	ready("partial");
	nanosleep(&ts, NULL); /* "par" typed meanwhile, no newline */
	CHECK_EQ(poll(&pf, 1, 0), 0);
	int fl = fcntl(0, F_GETFL);
	CHECK_OK(fcntl(0, F_SETFL, fl | O_NONBLOCK));
	CHECK_ERR(read(0, &c, 1), EAGAIN);
	CHECK_OK(fcntl(0, F_SETFL, fl));
	int n = -1;
	CHECK_OK(ioctl(0, FIONREAD, &n));
	CHECK_EQ(n, 0);
	ready("complete");
	CHECK_EQ(poll(&pf, 1, 20000), 1);
	CHECK_EQ(pf.revents, POLLIN);
	CHECK_OK(ioctl(0, FIONREAD, &n));
	CHECK_EQ(n, 8);
	CHECK_STREQ(read_once(3), "par"); /* a short read leaves the rest */
	CHECK_STREQ(read_once(100), "tial\n");
}

static void raw(void)
{
	struct termios save, t;
	char c[16];

	CHECK_OK(tcgetattr(0, &save));
	t = save;
	cfmakeraw(&t); /* no ICANON, ECHO, ISIG, ICRNL, OPOST */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	CHECK_OK(tcsetattr(0, TCSAFLUSH, &t));
	ready("raw");
	const char want[] = "ab\177\r\003\025secret";
	int ok = 1;
	for (size_t i = 0; i < sizeof(want) - 1 && ok; i++) {
		ok = CHECK_EQ(read(0, c, 1), 1);
		ok = ok && CHECK_EQ(c[0], want[i]);
	}
	t.c_cc[VMIN] = 3;
	CHECK_OK(tcsetattr(0, TCSANOW, &t));
	ready("vmin");
	CHECK_EQ(read(0, c, sizeof(c)), 3);
	CHECK_EQ(memcmp(c, "xyz", 3), 0);
	CHECK_OK(tcsetattr(0, TCSANOW, &save));
}

int main(void)
{
	/* ^C is sent to the foreground group, the app's own: ignore it. */
	signal(SIGINT, SIG_IGN);
	canonical();
	partial_line();
	raw();
	return tst_done();
}
