/*
 * console.c - the serial console as a tty: the character device behind
 * /dev/console, /dev/tty and /dev/ttyS0 (registered by devfs.c), which are
 * also fds 0-2 of the HP app. /dev/tty opens only for the console's session
 * (the one it is the controlling tty of); others get ENXIO. Typed bytes go through the line discipline
 * (fs/ldisc.c: canonical editing and echo, raw mode per termios, ^C/^\/^Z);
 * this file adds the device, the locking, blocking and the job-control side.
 *
 * Input: there is no UART receive interrupt yet, so typed bytes are pulled
 * from the 16550 by console_pump(), which any thread may call: readers and
 * pollers do before they look, and a kernel thread (console-rx), started by
 * the first read, poll or TIOCSCTTY/TIOCSPGRP, does every 1 ms while someone
 * waits or input came in the last 100 ms, else every 10 ms - so echo and ^C
 * work while nobody reads, as on a terminal. Bytes the line discipline has
 * no room for stay in the UART (QEMU holds back the rest).
 * Reads block on console_wq, looking again every 1 ms, until the line
 * discipline has something (canonical: a whole line or ^D; else VMIN/VTIME
 * as on Linux), a signal is pending (-ERESTARTSYS), or return -EAGAIN with
 * O_NONBLOCK. poll() reports POLLIN only when a read would not block.
 * Output: writes and echo go through the line discipline's output
 * processing (OPOST|ONLCR: '\n' -> "\r\n"), then to the UART unchanged
 * (serial_write_raw; printk's serial_write converts on its own). out_lock
 * keeps the two in order: the pump holds it from taking typed bytes until
 * their echo is out, so a reader that got a line and writes at once cannot
 * print before that line's echo (as on Linux, where n_tty echoes before
 * the line is readable).
 *
 * Job control: the tty has a session (the one it is the controlling
 * terminal of) and a foreground process group, both 1 - the HP app's - at
 * boot. ^C, ^\ and ^Z send SIGINT, SIGQUIT, SIGTSTP to the foreground group
 * (proc/signal.c). TIOCSCTTY (a session leader takes the tty; arg 1 steals
 * it from a live session), TIOCNOTTY, TIOCGSID, TIOCGPGRP/TIOCSPGRP (a group
 * of the caller's session) follow Linux, except that a process's own
 * controlling tty is not recorded: a process whose session is the tty's is
 * taken to have it. TIOCSWINSZ sends SIGWINCH to the foreground group when
 * the size changes. TCGETS/TCSETS* move the kernel's 36-byte struct termios
 * (ldisc.h), never a libc's larger one. A background group's reader gets
 * SIGTTIN (background_read). Not done: SIGTTOU with TOSTOP, SIGHUP when
 * the session leader leaves or lets go (TIOCNOTTY), stopping output on ^S
 * (IXON only swallows ^S/^Q).
 */
#include "fs/vfs.h"
#include "fs/ldisc.h"
#include "drivers/serial.h"
#include "sched/sched.h"
#include "arch/arch.h"
#include "syscall/sys.h"
#include "proc/proc.h"
#include "proc/signal.h"

#define FAST_POLL_NS 1000000ULL   /* 1 ms: someone waits, or input is coming */
#define SLOW_POLL_NS 10000000ULL  /* 10 ms: idle, still catching ^C and type-ahead */
#define BUSY_NS 100000000ULL      /* input within 100 ms counts as coming */

static struct {
	spinlock_t lock;              /* everything here; taken inside console_wq's lock */
	struct ldisc ld;
	struct winsize_k winsize;
	int session;                  /* sid the tty belongs to, 0: none */
	int pgrp;                     /* foreground process group, 0: none */
} tty = { .lock = SPINLOCK_INIT, .winsize = { 24, 80, 0, 0 }, .session = 1, .pgrp = 1 };

/* UART output of writes and echo, in order; taken before tty.lock */
static spinlock_t out_lock = SPINLOCK_INIT;
static struct waitq console_wq;   /* readers and pollers waiting for input */
static bool watcher_started;
static volatile bool pump_busy;   /* a thread is in console_pump */
static uint8_t pump_echo[2 * LDISC_ECHO_MAX]; /* its echo; the pump_busy holder's */
static volatile uint64_t last_rx_ns;

/*
 * Move typed bytes from the UART through the line discipline, write their
 * echo, send the signals they ask for and wake readers. One thread at a time
 * does it; a caller that finds it busy goes on (that thread wakes it).
 */
static void console_pump(void)
{
	if (__atomic_exchange_n(&pump_busy, true, __ATOMIC_ACQUIRE))
		return;
	for (int round = 0; round < 64; round++) {
		struct ldisc_out o = { pump_echo, sizeof(pump_echo), 0 };
		size_t got = 0;
		int sig = 0, pgrp = 0, c;
		uint64_t ofl = spin_lock_irqsave(&out_lock);
		uint64_t fl = spin_lock_irqsave(&tty.lock);
		while (o.cap - o.len >= LDISC_ECHO_MAX && ldisc_room(&tty.ld) &&
		       (c = serial_getc_nonblock()) >= 0) {
			got++;
			if ((sig = ldisc_input(&tty.ld, (uint8_t)c, &o))) {
				pgrp = tty.pgrp;
				break;
			}
		}
		spin_unlock_irqrestore(&tty.lock, fl);
		if (o.len)
			serial_write_raw((const char *)pump_echo, o.len);
		spin_unlock_irqrestore(&out_lock, ofl);
		if (sig && pgrp > 0)
			signal_send_pgrp(pgrp, sig);
		if (!got)
			break;
		last_rx_ns = clock_ns();
		waitq_wake_all(&console_wq, POLLIN_K | POLLRDNORM_K);
	}
	__atomic_store_n(&pump_busy, false, __ATOMIC_RELEASE);
}

static bool has_waiters(void)
{
	return READ_ONCE(console_wq.head.next) != &console_wq.head;
}

static void console_watcher(void *unused)
{
	for (;;) {
		console_pump();
		uint64_t now = clock_ns();
		bool busy = has_waiters() || now - last_rx_ns < BUSY_NS;
		sched_sleep_until(now + (busy ? FAST_POLL_NS : SLOW_POLL_NS));
	}
}

/* Start console-rx, once: the console is in interactive use. */
static void console_watch(void)
{
	if (READ_ONCE(watcher_started) ||
	    __atomic_exchange_n(&watcher_started, true, __ATOMIC_ACQ_REL))
		return;
	if (!thread_create("console-rx", PRIO_NORMAL, 0, console_watcher, NULL, 16384))
		watcher_started = false;
}

/* Drop typed input: the line discipline's and what waits in the UART. */
static void flush_input_locked(void)
{
	ldisc_flush_input(&tty.ld);
	for (int i = 0; i < 64 && serial_getc_nonblock() >= 0; i++)
		;
}

/* ---- read, write, poll ---- */

/* waitq_wait condition (console_wq's lock held): stop waiting? */
static bool read_wakeup(void *unused)
{
	uint64_t fl = spin_lock_irqsave(&tty.lock);
	bool r = ldisc_readable(&tty.ld);
	spin_unlock_irqrestore(&tty.lock, fl);
	return r || serial_rx_ready() || signal_pending();
}

/*
 * Canonical mode: one line (or what fits in n), blocking until a line is
 * complete. Otherwise VMIN/VTIME as Linux's n_tty_read: VMIN 0 and VTIME 0
 * takes what is there; VMIN 0 waits up to VTIME tenths for one byte; VMIN
 * > 0 waits for min(VMIN, n) bytes, VTIME > 0 then being a timer restarted
 * by each byte. Bytes go to the caller through a bounce buffer, so the
 * caller's memory is never touched under the lock.
 */

/*
 * Job control (Linux n_tty's job_control): a ring-3 process of the tty's
 * session outside its foreground group may not read it. Its group gets
 * SIGTTIN (default: stop) and the read restarts once continued; with
 * SIGTTIN ignored or blocked, EIO.
 */
static int background_read(void)
{
	struct proc *p = proc_current();
	if (!p || !proc_is_user(p))
		return 0;
	uint64_t fl = spin_lock_irqsave(&tty.lock);
	int session = tty.session, fg = tty.pgrp;
	spin_unlock_irqrestore(&tty.lock, fl);
	int pgid = READ_ONCE(p->pgid);
	if (session != READ_ONCE(p->sid) || !fg || pgid == fg)
		return 0;
	if (p->sigact[SIGTTIN_K - 1].handler == SIG_IGN_K ||
	    (sched_current()->sig_mask & SIGBIT(SIGTTIN_K)))
		return -EIO;
	signal_send_pgrp(pgid, SIGTTIN_K);
	return -ERESTARTSYS;
}

static ssize_t console_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	uint8_t kbuf[256];
	size_t got = 0;
	uint64_t deadline = 0; /* VTIME timer, 0: none */

	if (!n)
		return 0;
	int bg = background_read();
	if (bg)
		return bg;
	console_watch();
	for (;;) {
		console_pump();
		bool line_end = false;
		size_t k = 0;
		uint64_t fl = spin_lock_irqsave(&tty.lock);
		bool canon = tty.ld.t.c_lflag & ICANON_K;
		unsigned vmin = tty.ld.t.c_cc[VMIN_K], vtime = tty.ld.t.c_cc[VTIME_K];
		if (ldisc_readable(&tty.ld))
			k = ldisc_read(&tty.ld, kbuf, MIN(sizeof(kbuf), n - got), &line_end);
		spin_unlock_irqrestore(&tty.lock, fl);
		memcpy((uint8_t *)buf + got, kbuf, k);
		got += k;
		if (got == n)
			return (ssize_t)got;
		if (canon) {
			if (line_end || (got && !k))
				return (ssize_t)got; /* a line, or its rest was flushed (^C) */
			if (k)
				continue; /* more of the line than the bounce buffer */
		} else {
			if (!vmin && (!vtime || got))
				return (ssize_t)got;
			if (vmin && got >= vmin)
				return (ssize_t)got;
			if (k) {
				if (vtime)
					deadline = clock_ns() + vtime * 100000000ULL;
				continue;
			}
			if (!vmin && !deadline)
				deadline = clock_ns() + vtime * 100000000ULL;
		}
		if (f->flags & O_NONBLOCK_K)
			return got ? (ssize_t)got : -EAGAIN;
		if (signal_pending())
			return got ? (ssize_t)got : -ERESTARTSYS;
		uint64_t now = clock_ns();
		if (deadline && now >= deadline)
			return (ssize_t)got;
		uint64_t until = now + FAST_POLL_NS;
		if (deadline && deadline < until)
			until = deadline;
		waitq_wait(&console_wq, read_wakeup, NULL, until);
	}
}

static ssize_t console_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	uint8_t in[256], out[2 * sizeof(in)];
	for (size_t done = 0; done < n;) {
		size_t k = MIN(n - done, sizeof(in)), used;
		memcpy(in, (const uint8_t *)buf + done, k); /* the caller's memory, outside the lock */
		for (size_t off = 0; off < k; off += used) {
			uint64_t ofl = spin_lock_irqsave(&out_lock);
			uint64_t fl = spin_lock_irqsave(&tty.lock);
			size_t m = ldisc_output(&tty.ld, in + off, k - off, &used, out, sizeof(out));
			spin_unlock_irqrestore(&tty.lock, fl);
			serial_write_raw((const char *)out, m);
			spin_unlock_irqrestore(&out_lock, ofl);
		}
		done += k;
	}
	return (ssize_t)n;
}

static unsigned console_poll(struct file *f, struct poll_table *pt)
{
	console_pump();
	if (pt && pt->queue) {
		pt->queue(pt, &console_wq);
		console_watch();
	}
	uint64_t fl = spin_lock_irqsave(&tty.lock);
	bool in = ldisc_poll_ready(&tty.ld);
	spin_unlock_irqrestore(&tty.lock, fl);
	return POLLOUT_K | POLLWRNORM_K | (in ? POLLIN_K | POLLRDNORM_K : 0);
}

/* ---- ioctl ---- */

/* The size of an ioctl's argument and whether it is written (for the pointer check). */
static size_t ioctl_argsize(unsigned long req, bool *write)
{
	switch (req) {
	case TCGETS_K: *write = true; return sizeof(struct termios_k);
	case TCSETS_K: case TCSETSW_K: case TCSETSF_K: return sizeof(struct termios_k);
	case TIOCGWINSZ_K: *write = true; return sizeof(struct winsize_k);
	case TIOCSWINSZ_K: return sizeof(struct winsize_k);
	case TIOCGPGRP_K: case TIOCGSID_K: case FIONREAD_K: case TIOCOUTQ_K:
		*write = true; return sizeof(int);
	case TIOCSPGRP_K: return sizeof(int);
	}
	return 0;
}

/* The caller's ids; proc_current() may be NULL before compat/ (then pid 1's). */
static void caller_ids(int *pid, int *pgid, int *sid)
{
	struct proc *p = proc_current();
	*pid = p ? p->pid : 1;
	*pgid = p ? READ_ONCE(p->pgid) : 1;
	*sid = p ? READ_ONCE(p->sid) : 1;
}

static int tty_session(void)
{
	uint64_t fl = spin_lock_irqsave(&tty.lock);
	int s = tty.session;
	spin_unlock_irqrestore(&tty.lock, fl);
	return s;
}

/* Job control: TIOCSCTTY, TIOCNOTTY, TIOCGSID, TIOCGPGRP, TIOCSPGRP. */
static long job_ioctl(unsigned long req, unsigned long arg)
{
	int pid, pgid, sid, s = tty_session();
	uint64_t fl;

	caller_ids(&pid, &pgid, &sid);
	if (req == TIOCSCTTY_K) {
		if (pid != sid)
			return -EPERM;     /* not a session leader */
		if (s == sid)
			return 0;
		if (s && arg != 1 && proc_pgrp_exists(s))
			return -EPERM;     /* another live session's; arg 1 steals (we are root) */
		fl = spin_lock_irqsave(&tty.lock);
		tty.session = sid;
		tty.pgrp = pgid;
		spin_unlock_irqrestore(&tty.lock, fl);
		console_watch();
		return 0;
	}
	if (!s || s != sid)
		return -ENOTTY;            /* not the caller's controlling tty */
	switch (req) {
	case TIOCNOTTY_K:
		if (pid == sid) {          /* the leader lets go (no SIGHUP sent) */
			fl = spin_lock_irqsave(&tty.lock);
			tty.session = tty.pgrp = 0;
			spin_unlock_irqrestore(&tty.lock, fl);
		}
		return 0;
	case TIOCGSID_K:
		*(int *)arg = s;
		return 0;
	case TIOCGPGRP_K:
		fl = spin_lock_irqsave(&tty.lock);
		int fg = tty.pgrp;
		spin_unlock_irqrestore(&tty.lock, fl);
		*(int *)arg = fg;
		return 0;
	case TIOCSPGRP_K: {
		int want = *(int *)arg;
		if (want < 0)
			return -EINVAL;
		if (!proc_pgrp_exists(want))
			return -ESRCH;
		if (proc_pgrp_session(want) != sid)
			return -EPERM;
		fl = spin_lock_irqsave(&tty.lock);
		tty.pgrp = want;
		spin_unlock_irqrestore(&tty.lock, fl);
		console_watch();
		return 0;
	}
	}
	return -ENOTTY;
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
	case TCGETS_K: {
		fl = spin_lock_irqsave(&tty.lock);
		struct termios_k t = tty.ld.t;
		spin_unlock_irqrestore(&tty.lock, fl);
		memcpy(p, &t, sizeof(t));
		return 0;
	}
	case TCSETS_K:
	case TCSETSW_K:   /* output is written synchronously: nothing to drain */
	case TCSETSF_K: {
		struct termios_k t;
		memcpy(&t, p, sizeof(t));
		fl = spin_lock_irqsave(&tty.lock);
		if (req == TCSETSF_K)
			flush_input_locked();
		ldisc_set_termios(&tty.ld, &t);
		spin_unlock_irqrestore(&tty.lock, fl);
		/* VMIN/ICANON may make input readable */
		waitq_wake_all(&console_wq, POLLIN_K | POLLRDNORM_K);
		return 0;
	}
	case TIOCGWINSZ_K: {
		fl = spin_lock_irqsave(&tty.lock);
		struct winsize_k ws = tty.winsize;
		spin_unlock_irqrestore(&tty.lock, fl);
		memcpy(p, &ws, sizeof(ws));
		return 0;
	}
	case TIOCSWINSZ_K: {
		struct winsize_k ws;
		memcpy(&ws, p, sizeof(ws));
		fl = spin_lock_irqsave(&tty.lock);
		bool changed = memcmp(&ws, &tty.winsize, sizeof(ws)) != 0;
		tty.winsize = ws;
		int fg = tty.pgrp;
		spin_unlock_irqrestore(&tty.lock, fl);
		if (changed && fg > 0)
			signal_send_pgrp(fg, SIGWINCH_K);
		return 0;
	}
	case FIONREAD_K: {
		console_pump();
		fl = spin_lock_irqsave(&tty.lock);
		size_t n = ldisc_avail(&tty.ld);
		spin_unlock_irqrestore(&tty.lock, fl);
		*(int *)p = (int)n;
		return 0;
	}
	case TIOCOUTQ_K:
		*(int *)p = 0; /* nothing queued: writes are synchronous */
		return 0;
	case TCFLSH_K:
		if (arg > TCIOFLUSH_K)
			return -EINVAL;
		if (arg != TCOFLUSH_K) {
			fl = spin_lock_irqsave(&tty.lock);
			flush_input_locked();
			spin_unlock_irqrestore(&tty.lock, fl);
		}
		return 0;
	case TCXONC_K:   /* TCOOFF, TCOON, TCIOFF, TCION: accepted, no flow control */
		return arg <= 3 ? 0 : -EINVAL;
	case TCSBRK_K:   /* tcdrain (arg 1) and tcsendbreak: nothing to wait for */
	case TCSBRKP_K:
		return 0;
	case TIOCSCTTY_K:
	case TIOCNOTTY_K:
	case TIOCGSID_K:
	case TIOCGPGRP_K:
	case TIOCSPGRP_K:
		return job_ioctl(req, arg);
	}
	return -ENOTTY;
}

void console_init(void)
{
	waitq_init(&console_wq);
	ldisc_init(&tty.ld, NULL);
}

const struct file_ops console_fops = {
	.read = console_read,
	.write = console_write,
	.ioctl = console_ioctl,
	.poll = console_poll,
};

/* /dev/tty: the caller's controlling terminal, which can only be the
 * console, and only for the console's session; else ENXIO (Linux). */
static int tty_open(struct vnode *vn, struct file *f)
{
	int pid, pgid, sid, s = tty_session();
	caller_ids(&pid, &pgid, &sid);
	return s && s == sid ? 0 : -ENXIO;
}

const struct file_ops tty_fops = {
	.open = tty_open,
	.read = console_read,
	.write = console_write,
	.ioctl = console_ioctl,
	.poll = console_poll,
};

/* The console becomes the controlling tty of session sid, pgrp in the foreground (init=). */
void console_set_session(int sid, int pgrp)
{
	uint64_t fl = spin_lock_irqsave(&tty.lock);
	tty.session = sid;
	tty.pgrp = pgrp;
	spin_unlock_irqrestore(&tty.lock, fl);
}
