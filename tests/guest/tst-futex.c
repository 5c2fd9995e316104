/*
 * tst-futex: the futex system call, raw (syscall(SYS_futex, ...)), as musl
 * and other runtimes use it.
 *
 * Errors: EAGAIN when the word differs, ETIMEDOUT when nobody wakes (never
 * before the timeout: relative, absolute CLOCK_MONOTONIC and absolute
 * CLOCK_REALTIME with FUTEX_WAIT_BITSET), EFAULT for an unmapped address,
 * EINVAL for a misaligned one, a zero bitset or a bad timeout, and ENOSYS or
 * EINVAL for an unknown operation (Linux says ENOSYS).
 * Exact wake counts: WAKE n of 8 blocked waiters, WAKE_BITSET by mask,
 * REQUEUE and CMP_REQUEUE (Linux returns woken + requeued for both), each
 * with and without FUTEX_PRIVATE_FLAG. The waiters are known to be queued
 * (not just started) before each wake: CMP_REQUEUE of the word onto itself
 * moves none and counts them all. The woken ones are waited for until they
 * have all returned (10 s at most), then the count must be exact.
 * Stress (~3 s, and at least 100 and 20 passes): a ring of threads passing
 * a token through per-thread futex words (wake 1), then through one shared
 * word with timed WAIT_BITSET waits (10 s: never expire unless a wake-up is
 * lost), while a pair of threads keeps timing out on short waits (at least
 * 10 times, never early). A watchdog ends the test with a message if the
 * token stops moving for 20 s.
 * Timing: "never before the timeout" is exact. Nothing else compares a time
 * with a bound tuned for a quiet machine: a deadline in the past must return
 * within 50 ms on one of 5 tries, and every other wait for progress is
 * counted, with a limit that only bounds how long a failure takes.
 */
// VARIANT: smp2 --smp 2
// VARIANT: smp4 --smp 4
// TIMEOUT: 60
// EXPECT: ^tst: tst-futex: [0-9]+ checks, 0 failures$
// EXPECT-NOT: ^FAIL
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "tst.h"

/* Linux's <linux/futex.h> values (the SDK ships musl, no kernel headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

/* The raw call: the result, or -errno. */
static long futex(void *uaddr, int op, unsigned val, const struct timespec *ts,
		  void *uaddr2, unsigned val3)
{
	long r = syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
	return r == -1 ? -errno : r;
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };
	return ts;
}

static void sleep_ms(int ms)
{
	struct timespec ts = ts_of((int64_t)ms * 1000000);
	nanosleep(&ts, NULL);
}

/* ---- errors and timeouts ---- */

static void test_errors(int priv)
{
	static int word = 1;
	int wait = FUTEX_WAIT | priv, wake = FUTEX_WAKE | priv;
	int wbs = FUTEX_WAIT_BITSET | priv;
	struct timespec ts;
	int64_t t0, dl;

	CHECK_EQ(futex(&word, wait, 0, NULL, NULL, 0), -EAGAIN);
	CHECK_EQ(futex(&word, wbs, 0, NULL, NULL, FUTEX_BITSET_MATCH_ANY), -EAGAIN);
	CHECK_EQ(futex(&word, wake, 1, NULL, NULL, 0), 0);	/* nobody waits */

	/* relative timeout (FUTEX_WAIT measures it on CLOCK_MONOTONIC) */
	ts = ts_of(40 * 1000000);
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_EQ(futex(&word, wait, 1, &ts, NULL, 0), -ETIMEDOUT);
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 40 * 1000000);

	/* absolute CLOCK_MONOTONIC deadline */
	dl = now_ns(CLOCK_MONOTONIC) + 30 * 1000000;
	ts = ts_of(dl);
	CHECK_EQ(futex(&word, wbs, 1, &ts, NULL, FUTEX_BITSET_MATCH_ANY), -ETIMEDOUT);
	CHECK(now_ns(CLOCK_MONOTONIC) >= dl);

	/* absolute CLOCK_REALTIME deadline */
	dl = now_ns(CLOCK_REALTIME) + 30 * 1000000;
	ts = ts_of(dl);
	CHECK_EQ(futex(&word, wbs | FUTEX_CLOCK_REALTIME, 1, &ts, NULL,
		       FUTEX_BITSET_MATCH_ANY), -ETIMEDOUT);
	CHECK(now_ns(CLOCK_REALTIME) >= dl);

	/* an absolute deadline in the past: at once (tried again: a busy host
	 * may stall the vCPU right there) */
	for (int try = 1;; try++) {
		dl = now_ns(CLOCK_MONOTONIC) - 1000000;
		ts = ts_of(dl);
		t0 = now_ns(CLOCK_MONOTONIC);
		CHECK_EQ(futex(&word, wbs, 1, &ts, NULL, FUTEX_BITSET_MATCH_ANY), -ETIMEDOUT);
		t0 = now_ns(CLOCK_MONOTONIC) - t0;
		if (t0 < 50 * 1000000 || try == 5)
			break;
	}
	CHECK(t0 < 50 * 1000000);

	/* bad addresses, bad arguments */
	CHECK_EQ(futex((void *)8, wait, 0, NULL, NULL, 0), -EFAULT);
	CHECK_EQ(futex((char *)&word + 1, wait, 1, NULL, NULL, 0), -EINVAL);
	CHECK_EQ(futex(&word, wbs, 1, NULL, NULL, 0), -EINVAL);	/* bitset 0 */
	CHECK_EQ(futex(&word, FUTEX_WAKE_BITSET | priv, 1, NULL, NULL, 0), -EINVAL);
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000000;	/* not a valid timespec */
	CHECK_EQ(futex(&word, wait, 1, &ts, NULL, 0), -EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	CHECK_EQ(futex(&word, wait, 1, &ts, NULL, 0), -EINVAL);
	long r = futex(&word, 99 | priv, 0, NULL, NULL, 0);
	CHECK(r == -ENOSYS || r == -EINVAL);
	if (r != -ENOSYS && r != -EINVAL)
		printf("unknown futex op gave %ld\n", r);
	word = 1;
}

/* ---- exact wake counts ---- */

#define NW 8
static int fw_a, fw_b;			/* the futex words (stay 0) */
static int fw_woken;
struct waiter { int op; unsigned bitset; int *word; long ret; pthread_t t; };

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	w->ret = futex(w->word, w->op, 0, NULL, NULL, w->bitset);
	__atomic_add_fetch(&fw_woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* How many wait on word: CMP_REQUEUE onto itself wakes none, moves all. */
static long queued(int *word, int priv)
{
	return futex(word, FUTEX_CMP_REQUEUE | priv, 0, (void *)(long)INT_MAX, word, 0);
}

/* Start n waiters on word (op, bitset i -> bits[i]) and let them block. */
static void start_waiters(struct waiter *w, int n, int op, const unsigned *bits,
			  int *word)
{
	fw_woken = 0;
	for (int i = 0; i < n; i++) {
		w[i].op = op;
		w[i].bitset = bits ? bits[i] : 0;
		w[i].word = word;
		w[i].ret = 12345;
		pthread_create(&w[i].t, NULL, waiter_fn, &w[i]);
	}
	long q = 0;
	for (int i = 0; i < 10000 && (q = queued(word, op & FUTEX_PRIVATE_FLAG)) < n; i++)
		sleep_ms(1);
	if (!CHECK_EQ(q, n))
		printf("  %ld of %d waiters queued after 10 s\n", q, n);
}

static int woken_now(void) { return __atomic_load_n(&fw_woken, __ATOMIC_SEQ_CST); }

/* The number woken, once at least n have returned (10 s at most), and 20 ms
 * more for any that should not have been woken. */
static int woken(int n)
{
	for (int i = 0; i < 10000 && woken_now() < n; i++)
		sleep_ms(1);
	sleep_ms(20);
	return woken_now();
}

static void join_waiters(struct waiter *w, int n)
{
	int bad = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		bad += w[i].ret != 0;
	}
	CHECK_EQ(bad, 0);
}

static void test_wake_counts(int priv)
{
	struct waiter w[NW];
	static const unsigned bits[NW] = { 1, 2, 4, 8, 1, 2, 4, 8 };

	/* WAKE 3 of 8, then the rest */
	start_waiters(w, NW, FUTEX_WAIT | priv, NULL, &fw_a);
	CHECK_EQ(woken_now(), 0);
	CHECK_EQ(futex(&fw_a, FUTEX_WAKE | priv, 3, NULL, NULL, 0), 3);
	CHECK_EQ(woken(3), 3);
	CHECK_EQ(futex(&fw_a, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), NW - 3);
	CHECK_EQ(woken(NW), NW);
	join_waiters(w, NW);

	/* WAKE_BITSET: mask 0x5 wakes the waiters of bits 1 and 4 (4 of 8) */
	start_waiters(w, NW, FUTEX_WAIT_BITSET | priv, bits, &fw_a);
	CHECK_EQ(futex(&fw_a, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, 0x5), 4);
	CHECK_EQ(woken(4), 4);
	CHECK_EQ(futex(&fw_a, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, 0x10), 0);
	CHECK_EQ(futex(&fw_a, FUTEX_WAKE | priv, 1, NULL, NULL, 0), 1);	/* any bits */
	CHECK_EQ(futex(&fw_a, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, 0xa), 3);
	CHECK_EQ(woken(NW), NW);
	join_waiters(w, NW);

	/* REQUEUE: wake 1, move 2 to fw_b; the rest stay on fw_a */
	start_waiters(w, NW, FUTEX_WAIT | priv, NULL, &fw_a);
	CHECK_EQ(futex(&fw_a, FUTEX_REQUEUE | priv, 1, (void *)2L, &fw_b, 0), 3);
	CHECK_EQ(woken(1), 1);
	CHECK_EQ(futex(&fw_b, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 2);
	CHECK_EQ(woken(3), 3);
	/* CMP_REQUEUE: a stale value is refused, the right one moves them all */
	CHECK_EQ(futex(&fw_a, FUTEX_CMP_REQUEUE | priv, 0, (void *)(long)INT_MAX,
		       &fw_b, 1), -EAGAIN);
	CHECK_EQ(futex(&fw_a, FUTEX_CMP_REQUEUE | priv, 0, (void *)(long)INT_MAX,
		       &fw_b, 0), NW - 3);
	CHECK_EQ(woken(3), 3);
	CHECK_EQ(futex(&fw_a, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 0);
	CHECK_EQ(futex(&fw_b, FUTEX_WAKE | priv, 2, NULL, NULL, 0), 2);
	CHECK_EQ(woken(5), 5);
	CHECK_EQ(futex(&fw_b, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), NW - 5);
	CHECK_EQ(woken(NW), NW);
	join_waiters(w, NW);
}

/* ---- stress with a watchdog ---- */

#define RING 6
static int ring_word[RING];		/* 1: your turn */
static unsigned turn;			/* shared-word ring: whose turn */
static volatile int stress_stop, watchdog_stop, shorty_stop;
static unsigned long passes;		/* token moves, the watchdog's pulse */
static long ring_timeouts, short_timeouts, short_early;
static const char *phase = "start";

static void *watchdog_fn(void *arg)
{
	unsigned long last = 0;
	int64_t since = now_ns(CLOCK_MONOTONIC);

	while (!watchdog_stop) {
		sleep_ms(100);
		unsigned long p = __atomic_load_n(&passes, __ATOMIC_RELAXED);
		if (p != last) {
			last = p;
			since = now_ns(CLOCK_MONOTONIC);
		} else if (now_ns(CLOCK_MONOTONIC) - since > 20000000000LL) {
			printf("FAIL watchdog: no progress for 20 s in phase '%s' "
			       "after %lu passes (turn %u, words %d %d %d %d %d %d): "
			       "a lost wake-up\n", phase, p, turn, ring_word[0],
			       ring_word[1], ring_word[2], ring_word[3],
			       ring_word[4], ring_word[5]);
			fflush(stdout);
			_exit(3);
		}
	}
	return NULL;
}

/* Phase 1: token through per-thread words; odd threads use private ops. */
static void *ring1_fn(void *arg)
{
	long i = (long)arg, next = (i + 1) % RING;
	int priv = i & 1 ? FUTEX_PRIVATE_FLAG : 0;
	int npriv = next & 1 ? FUTEX_PRIVATE_FLAG : 0;	/* the next one's */

	for (;;) {
		while (__atomic_load_n(&ring_word[i], __ATOMIC_ACQUIRE) == 0)
			futex(&ring_word[i], FUTEX_WAIT | priv, 0, NULL, NULL, 0);
		ring_word[i] = 0;
		if (stress_stop) {	/* pass the stop along, then leave */
			__atomic_store_n(&ring_word[next], 1, __ATOMIC_RELEASE);
			futex(&ring_word[next], FUTEX_WAKE | npriv, 1, NULL, NULL, 0);
			return NULL;
		}
		__atomic_add_fetch(&passes, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&ring_word[next], 1, __ATOMIC_RELEASE);
		/* with the waiter's flag: on Linux a private and a shared
		 * futex at one address are different queues */
		futex(&ring_word[next], FUTEX_WAKE | npriv, 1, NULL, NULL, 0);
	}
}

/* Phase 2: one shared word, everyone waits on it with timed bitset waits. */
static void *ring2_fn(void *arg)
{
	unsigned i = (unsigned)(long)arg;
	int priv = i & 1 ? FUTEX_PRIVATE_FLAG : 0;	/* for the waits */
	int rt = i & 2 ? FUTEX_CLOCK_REALTIME : 0;

	for (;;) {
		unsigned t = __atomic_load_n(&turn, __ATOMIC_ACQUIRE);
		if (t == ~0u)
			return NULL;
		if (t % RING != i) {
			/* 10 s: a normal wait is far shorter, even on a busy
			 * host; expiry = lost wake */
			int64_t dl = now_ns(rt ? CLOCK_REALTIME : CLOCK_MONOTONIC) +
				     10000000000LL;
			struct timespec ts = ts_of(dl);
			if (futex(&turn, FUTEX_WAIT_BITSET | priv | rt, t, &ts, NULL,
				  FUTEX_BITSET_MATCH_ANY) == -ETIMEDOUT)
				__atomic_add_fetch(&ring_timeouts, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_add_fetch(&passes, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&turn, stress_stop ? ~0u : t + 1, __ATOMIC_RELEASE);
		/* waiters use both flags (separate queues on Linux): wake both */
		int op = i & 4 ? FUTEX_WAKE_BITSET : FUTEX_WAKE;
		futex(&turn, op, INT_MAX, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
		futex(&turn, op | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL,
		      FUTEX_BITSET_MATCH_ANY);
	}
}

/* Meanwhile: short waits that must time out, never early. */
static void *shorty_fn(void *arg)
{
	static int never;
	int priv = arg ? FUTEX_PRIVATE_FLAG : 0;

	while (!shorty_stop) {
		struct timespec ts = ts_of(3 * 1000000);
		int64_t t0 = now_ns(CLOCK_MONOTONIC);
		long r = futex(&never, FUTEX_WAIT | priv, 0, &ts, NULL, 0);
		if (r == -ETIMEDOUT)
			__atomic_add_fetch(&short_timeouts, 1, __ATOMIC_RELAXED);
		if (r != -ETIMEDOUT || now_ns(CLOCK_MONOTONIC) - t0 < 3 * 1000000)
			__atomic_add_fetch(&short_early, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* A phase: 1.5 s, and until the token has moved 'want' times since 'from'
 * and the short waits have timed out 'shorts' times (30 s at most; the
 * watchdog ends the test sooner if the token stops). */
static void run_phase(unsigned long from, unsigned long want, long shorts)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	sleep_ms(1500);
	while ((__atomic_load_n(&passes, __ATOMIC_RELAXED) - from < want ||
		__atomic_load_n(&short_timeouts, __ATOMIC_RELAXED) < shorts) &&
	       now_ns(CLOCK_MONOTONIC) - t0 < 30000000000LL)
		sleep_ms(10);
}

static void test_stress(void)
{
	pthread_t wd, r[RING], s[2];
	unsigned long p1;
	long i;

	pthread_create(&wd, NULL, watchdog_fn, NULL);
	pthread_create(&s[0], NULL, shorty_fn, NULL);
	pthread_create(&s[1], NULL, shorty_fn, (void *)1);

	phase = "per-thread words";
	for (i = 0; i < RING; i++)
		pthread_create(&r[i], NULL, ring1_fn, (void *)i);
	__atomic_store_n(&ring_word[0], 1, __ATOMIC_RELEASE);
	futex(&ring_word[0], FUTEX_WAKE, 1, NULL, NULL, 0);
	run_phase(0, 101, 0);
	stress_stop = 1;
	for (i = 0; i < RING; i++)
		pthread_join(r[i], NULL);
	p1 = passes;
	CHECK(p1 > 100);

	phase = "shared word";
	stress_stop = 0;
	turn = 0;
	for (i = 0; i < RING; i++)
		pthread_create(&r[i], NULL, ring2_fn, (void *)i);
	run_phase(p1, 21, 11);
	stress_stop = 1;
	for (i = 0; i < RING; i++)
		pthread_join(r[i], NULL);
	shorty_stop = 1;
	pthread_join(s[0], NULL);
	pthread_join(s[1], NULL);
	watchdog_stop = 1;
	pthread_join(wd, NULL);
	/* Wake-all on one word moves the token only as fast as woken threads
	 * reach their vCPUs: with --smp 4 on a 2-core host that is a few hundred
	 * passes in 1.5 s (tens of thousands with --smp 2), fewer on a busy
	 * host, so a phase goes on until there was some progress. Lost wake-ups
	 * are the watchdog's and ring_timeouts' business. */
	CHECK(passes - p1 > 20);
	CHECK_EQ(ring_timeouts, 0);
	CHECK(short_timeouts > 10);
	CHECK_EQ(short_early, 0);
	printf("stress: %lu passes per-thread words, %lu shared word, "
	       "%ld short timeouts (%ld early or wrong)\n", p1, passes - p1,
	       short_timeouts, short_early);
}

int main(void)
{
	printf("tst-futex: %ld CPUs online\n", sysconf(_SC_NPROCESSORS_ONLN));
	test_errors(0);
	test_errors(FUTEX_PRIVATE_FLAG);
	printf("errors and timeouts: done\n");
	fflush(stdout);
	test_wake_counts(0);
	test_wake_counts(FUTEX_PRIVATE_FLAG);
	printf("wake counts: done\n");
	fflush(stdout);
	test_stress();
	return tst_done();
}
