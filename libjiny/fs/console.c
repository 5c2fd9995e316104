/*
 * console.c - the serial console as a character device (/dev/console,
 * /dev/tty, /dev/ttyS0; registered by devfs.c). A tty to programs: TCGETS/
 * TCSETS* keep one termios, TIOCGWINSZ answers 24x80, so stdio line-buffers
 * as on a terminal. Writes go straight to the 16550 (drivers/serial.c).
 * Reads poll the UART, sleeping 1 ms between looks (no receive interrupt
 * yet), and return at the end of a line; CR becomes LF (ICRNL). poll()
 * reports POLLIN when a byte is waiting; a small kernel thread, started by
 * the first poller, watches the UART every 1 ms while someone is queued on
 * console_wq and wakes them.
 */
#include "vfs.h"
#include "../drivers/serial.h"
#include "../sched/sched.h"
#include "../arch/x86_64/arch.h"
#include "../syscall/sys.h"
#include "../../compat/signal.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541b
#define FIONBIO 0x5421

struct winsize_k {
	unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel;
};
struct termios_k { /* struct termios of the Linux x86_64 ABI */
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[32];
	uint32_t c_ispeed, c_ospeed;
};

static spinlock_t tty_lock = SPINLOCK_INIT; /* termios, winsize */
static struct termios_k console_termios = {
	.c_iflag = 0x500 /* ICRNL|IXON */, .c_oflag = 0x5 /* OPOST|ONLCR */,
	.c_cflag = 0xbf /* B38400|CS8|CREAD */, .c_lflag = 0x8a3b /* ISIG|ICANON|ECHO.. */,
	.c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26 },
	.c_ispeed = 0xf, .c_ospeed = 0xf,
};
static struct winsize_k console_winsize = { 24, 80, 0, 0 };

static struct waitq console_wq;   /* pollers waiting for input */
static struct waitq watcher_wq;   /* the watcher thread waits here for pollers */
static bool watcher_started;

static ssize_t console_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	if (!n)
		return 0;
	char *p = buf;
	size_t got = 0;
	for (;;) {
		int c;
		while (got < n && (c = serial_getc_nonblock()) >= 0) {
			p[got++] = (char)(c == '\r' ? '\n' : c);
			if (c == '\r' || c == '\n')
				return (ssize_t)got;
		}
		if (got)
			return (ssize_t)got;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending())
			return -ERESTARTSYS; /* a compat process's signal (^C's SIGINT, SIGCHLD...) */
		sched_sleep_until(clock_ns() + 1000000);
	}
}

static ssize_t console_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	serial_write(buf, n);
	return (ssize_t)n;
}

static bool has_pollers(void *unused)
{
	return console_wq.head.next != &console_wq.head;
}

static void console_watcher(void *unused)
{
	for (;;) {
		waitq_wait(&watcher_wq, has_pollers, NULL, 0);
		if (serial_rx_ready())
			waitq_wake_all(&console_wq, POLLIN | POLLRDNORM);
		sched_sleep_until(clock_ns() + 1000000);
	}
}

static unsigned console_poll(struct file *f, struct poll_table *pt)
{
	if (pt && pt->queue) {
		pt->queue(pt, &console_wq);
		if (!__atomic_exchange_n(&watcher_started, true, __ATOMIC_ACQ_REL)) {
			if (!thread_create("console-rx", PRIO_NORMAL, 0, console_watcher, NULL, 16384))
				watcher_started = false;
		}
		waitq_wake_all(&watcher_wq, 0);
	}
	return POLLOUT | POLLWRNORM | (serial_rx_ready() ? POLLIN | POLLRDNORM : 0);
}

/* The size of an ioctl's argument and whether it is written (for the pointer check). */
static size_t ioctl_argsize(unsigned long req, bool *write)
{
	switch (req) {
	case TCGETS: *write = true; return sizeof(struct termios_k);
	case TCSETS: case TCSETSW: case TCSETSF: return sizeof(struct termios_k);
	case TIOCGWINSZ: *write = true; return sizeof(struct winsize_k);
	case TIOCSWINSZ: return sizeof(struct winsize_k);
	case TIOCGPGRP: case FIONREAD: *write = true; return sizeof(int);
	case TIOCSPGRP: return sizeof(int);
	}
	return 0;
}

static long console_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	void *p = (void *)arg;
	uint64_t fl;
	bool out = false;
	size_t need = ioctl_argsize(req, &out);
	if (need && !uaccess_ok(p, need, out))
		return -EFAULT;
	switch (req) {
	case TCGETS:
		fl = spin_lock_irqsave(&tty_lock);
		struct termios_k t = console_termios;
		spin_unlock_irqrestore(&tty_lock, fl);
		memcpy(p, &t, sizeof(t));
		return 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct termios_k t;
		memcpy(&t, p, sizeof(t));
		fl = spin_lock_irqsave(&tty_lock);
		console_termios = t;
		spin_unlock_irqrestore(&tty_lock, fl);
		if (req == TCSETSF)
			while (serial_getc_nonblock() >= 0)
				;
		return 0;
	}
	case TIOCGWINSZ: {
		fl = spin_lock_irqsave(&tty_lock);
		struct winsize_k ws = console_winsize;
		spin_unlock_irqrestore(&tty_lock, fl);
		memcpy(p, &ws, sizeof(ws));
		return 0;
	}
	case TIOCSWINSZ: {
		struct winsize_k ws;
		memcpy(&ws, p, sizeof(ws));
		fl = spin_lock_irqsave(&tty_lock);
		console_winsize = ws;
		spin_unlock_irqrestore(&tty_lock, fl);
		return 0;
	}
	case TIOCGPGRP:
		*(int *)p = 1;
		return 0;
	case TIOCSPGRP:
		return 0;
	case FIONREAD:
		*(int *)p = serial_rx_ready() ? 1 : 0;
		return 0;
	}
	return -ENOTTY;
}

void console_init(void)
{
	waitq_init(&console_wq);
	waitq_init(&watcher_wq);
}

const struct file_ops console_fops = {
	.read = console_read,
	.write = console_write,
	.ioctl = console_ioctl,
	.poll = console_poll,
};
