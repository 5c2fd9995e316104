/*
 * poll.c - poll, ppoll, select and pselect6 over file_ops.poll (vfs.h).
 *
 * One pass asks every file for its events and, the first time, hands it a
 * poll_table so it queues a callback entry on the wait queues that signal
 * changes. If nothing is ready the caller sleeps until a callback fires or
 * the timeout passes, then asks again. The wake-up cannot be lost: the
 * thread marks itself blocked before its last look at 'triggered', and a
 * callback sets 'triggered' before waking it.
 *
 * A signal to a compat process ends the wait (the HP app never gets one):
 * poll restarts after a signal that ran no handler (forever: the call
 * again; with a timeout: through restart_syscall, with what is left),
 * ppoll/select/pselect6 return -ERESTARTNOHAND and write back the time
 * left, as Linux does; ppoll/pselect6 run under their signal mask.
 */
#include "fs/poll.h"
#include "sched/sched.h"
#include "syscall/sys.h"
#include "arch/arch.h"
#include "mm/mm.h"
#include "proc/signal.h"

static void poll_wake(struct waitq_entry *e, unsigned key)
{
	struct poll_wait *pw = e->priv;
	__atomic_store_n(&pw->triggered, true, __ATOMIC_SEQ_CST);
	sched_wake(pw->thread);
}

static void poll_queue(struct poll_table *pt, struct waitq *wq)
{
	struct poll_wait *pw = pt->priv;
	struct poll_entry *pe = kzalloc(sizeof(*pe));
	if (!pe) {
		pw->error = -ENOMEM;
		return;
	}
	pe->e.fn = poll_wake;
	pe->e.priv = pw;
	pe->file = pw->polling;
	if (pe->file)
		file_get(pe->file);
	pe->next = pw->entries;
	pw->entries = pe;
	waitq_add(wq, &pe->e);
}

void poll_wait_init(struct poll_wait *pw)
{
	memset(pw, 0, sizeof(*pw));
	pw->pt.queue = poll_queue;
	pw->pt.priv = pw;
	pw->thread = sched_current();
}

void poll_wait_done(struct poll_wait *pw)
{
	for (struct poll_entry *pe = pw->entries, *n; pe; pe = n) {
		n = pe->next;
		waitq_remove(&pe->e);
		if (pe->file)
			file_put(pe->file);
		kfree(pe);
	}
	pw->entries = NULL;
}

/* Sleep until a callback fires or deadline (0 = never): 1, 0 on timeout, -EINTR on a signal. */
int poll_wait_sleep(struct poll_wait *pw, uint64_t deadline_ns)
{
	if (deadline_ns && clock_ns() >= deadline_ns)
		return 0;
	uint64_t f = irq_save();
	struct thread *me = sched_current();
	__atomic_store_n(&me->state, THREAD_BLOCKED, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&pw->triggered, __ATOMIC_SEQ_CST)) {
		me->state = THREAD_RUNNING;
	} else if (signal_pending()) {
		me->state = THREAD_RUNNING;
		irq_restore(f);
		return -EINTR;
	} else {
		sched_block(deadline_ns);
	}
	irq_restore(f);
	__atomic_store_n(&pw->triggered, false, __ATOMIC_SEQ_CST);
	return !deadline_ns || clock_ns() < deadline_ns;
}

unsigned poll_file(struct file *f, struct poll_wait *pw)
{
	if (!f->ops->poll)
		return POLLIN_K | POLLOUT_K | POLLRDNORM_K | POLLWRNORM_K;
	if (!pw)
		return f->ops->poll(f, NULL);
	pw->polling = f;
	unsigned r = f->ops->poll(f, &pw->pt);
	pw->polling = NULL;
	return r;
}

/*
 * The events of one fd, registering on its wait queues when pw is given.
 * The fd's own reference goes at once; the queued entries keep theirs
 * until poll_wait_done (another thread may close the fd meanwhile).
 */
static unsigned fd_poll(int fd, unsigned events, struct poll_wait *pw)
{
	struct file *f = fd_get(fd);
	if (!f)
		return POLLNVAL_K;
	unsigned r = poll_file(f, pw);
	file_put(f);
	return r & (events | POLLERR_K | POLLHUP_K | POLLNVAL_K);
}

static long do_poll(struct pollfd_k *fds, unsigned long n, uint64_t deadline_ns, bool forever)
{
	sched_flush_deferred();
	struct poll_wait pw;
	poll_wait_init(&pw);
	long ready;
	for (bool first = true;; first = false) {
		ready = 0;
		for (unsigned long i = 0; i < n; i++) {
			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			unsigned r = fd_poll(fds[i].fd, (unsigned short)fds[i].events,
					     first ? &pw : NULL);
			fds[i].revents = (short)r;
			ready += r != 0;
		}
		if (ready || pw.error)
			break;
		if (!forever && !deadline_ns)
			break; /* timeout 0: just a look */
		int s = poll_wait_sleep(&pw, forever ? 0 : deadline_ns);
		if (s <= 0) {
			if (s < 0)
				pw.error = s;
			break;
		}
	}
	poll_wait_done(&pw);
	return ready ? ready : pw.error;
}

/*
 * poll with a deadline (0: a timeout of 0) or forever. A signal: restarted
 * when no handler ran, forever as the call again, with a deadline through
 * restart_syscall so the time already waited counts (Linux's restart_block).
 */
static long poll_until(struct pollfd_k *fds, unsigned long n, uint64_t deadline, bool forever);

static long poll_restart(struct restart_block *rb)
{
	struct pollfd_k *fds = (struct pollfd_k *)rb->arg[0];
	unsigned long n = rb->arg[1];
	if (!uaccess_ok(fds, n * sizeof(*fds), true))
		return -EFAULT;
	return poll_until(fds, n, rb->arg[2], false);
}

static long poll_until(struct pollfd_k *fds, unsigned long n, uint64_t deadline, bool forever)
{
	long r = do_poll(fds, n, deadline, forever);
	if (r != -EINTR)
		return r;
	if (forever)
		return -ERESTARTNOHAND;
	struct restart_block *rb = signal_restart_block();
	if (!rb || !deadline)
		return -EINTR;
	rb->fn = poll_restart;
	rb->arg[0] = (uint64_t)fds, rb->arg[1] = n, rb->arg[2] = deadline;
	return -ERESTART_RESTARTBLOCK;
}

long sys_poll(struct pollfd_k *fds, unsigned long n, int timeout_ms)
{
	if (n > FD_MAX)
		return -EINVAL;
	if (!uaccess_ok(fds, n * sizeof(*fds), true))
		return -EFAULT;
	uint64_t deadline = timeout_ms > 0 ? clock_ns() + (uint64_t)timeout_ms * 1000000 : 0;
	return poll_until(fds, n, deadline, timeout_ms < 0);
}

/* Write the time left until deadline back into a user timespec (ppoll, pselect6). */
static void ts_left(const struct timespec_k *ts, uint64_t deadline)
{
	struct timespec_k *w = (struct timespec_k *)ts;
	if (!ts || !deadline || !uaccess_ok(w, sizeof(*w), true))
		return;
	uint64_t now = clock_ns(), left = deadline > now ? deadline - now : 0;
	w->tv_sec = (long)(left / 1000000000ULL);
	w->tv_nsec = (long)(left % 1000000000ULL);
}

/* A timespec timeout: *deadline (0 for a zero timeout), *forever for NULL. */
static long ts_deadline(const struct timespec_k *ts, uint64_t *deadline, bool *forever)
{
	*forever = !ts;
	*deadline = 0;
	if (!ts)
		return 0;
	uint64_t ns;
	long r = timespec_get_ns(ts, &ns);
	if (r < 0)
		return r;
	if (ns >= TIMESPEC_FOREVER)
		*forever = true;
	else if (ns)
		*deadline = clock_ns() + ns;
	return 0;
}

long sys_ppoll(struct pollfd_k *fds, unsigned long n, const struct timespec_k *ts,
	       const void *sigmask, size_t sigsetsize)
{
	if (n > FD_MAX)
		return -EINVAL;
	if (!uaccess_ok(fds, n * sizeof(*fds), true))
		return -EFAULT;
	uint64_t deadline;
	bool forever;
	long r = ts_deadline(ts, &deadline, &forever);
	if (r < 0)
		return r;
	if ((r = signal_mask_begin(sigmask, sigsetsize)) < 0)
		return r;
	r = do_poll(fds, n, deadline, forever);
	if (r == -EINTR) {
		r = -ERESTARTNOHAND;
		ts_left(ts, deadline);
	}
	signal_mask_end(r == -ERESTARTNOHAND);
	return r;
}

/* select: fd_set bitmaps in, the ready ones out (in place). */
static long do_select(int nfds, uint64_t *in, uint64_t *out, uint64_t *ex, uint64_t deadline,
		      bool forever)
{
	sched_flush_deferred();
	if (nfds < 0 || nfds > FD_MAX)
		return -EINVAL;
	size_t words = ((size_t)nfds + 63) / 64;
	size_t bytes = words * 8;
	if ((in && !uaccess_ok(in, bytes, true)) || (out && !uaccess_ok(out, bytes, true)) ||
	    (ex && !uaccess_ok(ex, bytes, true)))
		return -EFAULT;
	uint64_t *want = kzalloc(bytes * 3 + 8);
	if (!want)
		return -ENOMEM;
	uint64_t *win = want, *wout = want + words, *wex = want + 2 * words;
	if (in)
		memcpy(win, in, bytes);
	if (out)
		memcpy(wout, out, bytes);
	if (ex)
		memcpy(wex, ex, bytes);
	/* Only bits below nfds count. */
	if (nfds % 64 && words) {
		uint64_t mask = (1ULL << (nfds % 64)) - 1;
		win[words - 1] &= mask, wout[words - 1] &= mask, wex[words - 1] &= mask;
	}

	struct poll_wait pw;
	poll_wait_init(&pw);
	long ready = 0;
	for (bool first = true;; first = false) {
		ready = 0;
		if (in)
			memset(in, 0, bytes);
		if (out)
			memset(out, 0, bytes);
		if (ex)
			memset(ex, 0, bytes);
		for (int fd = 0; fd < nfds; fd++) {
			uint64_t bit = 1ULL << (fd % 64);
			size_t w = (size_t)fd / 64;
			bool r = win[w] & bit, wr = wout[w] & bit, e = wex[w] & bit;
			if (!r && !wr && !e)
				continue;
			unsigned ev = (r ? POLLIN_K | POLLRDNORM_K | POLLHUP_K | POLLERR_K : 0) |
				      (wr ? POLLOUT_K | POLLWRNORM_K | POLLERR_K : 0) |
				      (e ? POLLPRI_K : 0);
			unsigned got = fd_poll(fd, ev, first ? &pw : NULL);
			if (got & POLLNVAL_K) {
				ready = -EBADF;
				goto out;
			}
			if (r && (got & (POLLIN_K | POLLRDNORM_K | POLLHUP_K | POLLERR_K)))
				in[w] |= bit, ready++;
			if (wr && (got & (POLLOUT_K | POLLWRNORM_K | POLLERR_K)))
				out[w] |= bit, ready++;
			if (e && (got & POLLPRI_K))
				ex[w] |= bit, ready++;
		}
		if (ready || pw.error)
			break;
		if (!forever && !deadline)
			break;
		int s = poll_wait_sleep(&pw, forever ? 0 : deadline);
		if (s <= 0) {
			if (s < 0)
				pw.error = -ERESTARTNOHAND;
			break;
		}
	}
	if (!ready && pw.error)
		ready = pw.error;
	if (ready == -ERESTARTNOHAND) { /* as Linux: the sets stay as given, for the restart */
		if (in)
			memcpy(in, win, bytes);
		if (out)
			memcpy(out, wout, bytes);
		if (ex)
			memcpy(ex, wex, bytes);
	}
out:
	poll_wait_done(&pw);
	kfree(want);
	return ready;
}

long sys_select(int nfds, uint64_t *in, uint64_t *out, uint64_t *ex, struct timeval_k *tv)
{
	uint64_t deadline = 0;
	bool forever = !tv;
	if (tv) {
		if (!uaccess_ok(tv, sizeof(*tv), true))
			return -EFAULT;
		if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
			return -EINVAL;
		uint64_t ns = (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000;
		if (ns)
			deadline = clock_ns() + ns;
	}
	long r = do_select(nfds, in, out, ex, deadline, forever);
	if (tv && (r >= 0 || r == -ERESTARTNOHAND)) { /* Linux writes back the time left */
		uint64_t now = clock_ns(), left = deadline > now ? deadline - now : 0;
		tv->tv_sec = (long)(left / 1000000000ULL);
		tv->tv_usec = (long)(left % 1000000000ULL / 1000);
	}
	return r;
}

long sys_pselect6(int nfds, uint64_t *in, uint64_t *out, uint64_t *ex,
		  const struct timespec_k *ts, const void *sig)
{
	uint64_t deadline;
	bool forever;
	long r = ts_deadline(ts, &deadline, &forever);
	if (r < 0)
		return r;
	/* sig: { const sigset_t *ss; size_t ss_len; } or NULL */
	if (sig) {
		if (!uaccess_ok(sig, 16, false))
			return -EFAULT;
		const uint64_t *sm = sig;
		if ((r = signal_mask_begin((const void *)sm[0], sm[1])) < 0)
			return r;
	}
	r = do_select(nfds, in, out, ex, deadline, forever);
	if (r == -ERESTARTNOHAND)
		ts_left(ts, deadline);
	signal_mask_end(r == -ERESTARTNOHAND);
	return r;
}
