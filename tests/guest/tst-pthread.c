/*
 * tst-pthread: musl's pthreads on Jiny's clone/futex/exit, under contention
 * on several CPUs, with every count checked exactly.
 *
 * Cases: create/join of 300 threads in waves of 50 (each returns a value
 * derived from its argument, tids distinct); a mutex-protected counter;
 * producer/consumer over a condition variable (every item consumed exactly
 * once); rwlock (readers never see a torn pair); barrier (phases counted,
 * one serial thread per phase); semaphores (counting, limiting, timed wait);
 * pthread_once; thread-specific data destructors (exactly once per thread);
 * __thread variables (initial values, distinct addresses); detached threads
 * that exit (musl unmaps their stacks from the dying thread: the kernel's
 * deferred unmap); pthread_exit from nested calls with cleanup handlers.
 * A timed wait that times out must not end before its deadline, checked on
 * CLOCK_REALTIME, the deadline's clock (not as time elapsed since a reading
 * taken after the deadline was set, which a busy host could delay).
 * TIMEOUT only ends a hang: with the host busy, the create/join and
 * detached phases (every exit unmaps a stack: TLB shoot-downs that wait for
 * every vCPU to run) take up to ~30 s each, against ~1 s on a quiet one.
 */
// VARIANT: smp2 --smp 2
// VARIANT: smp4 --smp 4
// VARIANT: q35smp2 --machine q35 --smp 2
// TIMEOUT: 300
// EXPECT: ^tst: tst-pthread: [0-9]+ checks, 0 failures$
// EXPECT-NOT: ^FAIL
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "tst.h"

#define MAXT 64

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static int my_tid(void) { return (int)syscall(SYS_gettid); }

/* CLOCK_REALTIME has reached the deadline dl (a timed wait that timed out
 * did not end early: exact, on the deadline's own clock). */
static int reached(const struct timespec *dl)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec > dl->tv_sec || (now.tv_sec == dl->tv_sec && now.tv_nsec >= dl->tv_nsec);
}

/* ---- create/join in waves ---- */

#define WAVES 6
#define WAVE 50
static int wave_tids[WAVE];

static void *wave_fn(void *arg)
{
	long i = (long)arg;
	wave_tids[i % WAVE] = my_tid();
	return (void *)(i * 3 + 1);
}

static void test_create_join(void)
{
	pthread_t t[WAVE];
	long w, i, total = 0, want = 0, bad = 0, dup = 0;

	for (w = 0; w < WAVES; w++) {
		memset(wave_tids, 0, sizeof(wave_tids));
		for (i = 0; i < WAVE; i++)
			if (!CHECK_EQ(pthread_create(&t[i], NULL, wave_fn,
						     (void *)(w * WAVE + i)), 0))
				return;
		for (i = 0; i < WAVE; i++) {
			void *ret = NULL;
			if (!CHECK_EQ(pthread_join(t[i], &ret), 0))
				return;
			total += (long)ret;
			if ((long)ret != (w * WAVE + i) * 3 + 1)
				bad++;
		}
		for (i = 0; i < WAVE; i++) {
			long j;
			if (wave_tids[i] <= 0 || wave_tids[i] == my_tid())
				bad++;
			for (j = 0; j < i; j++)
				dup += wave_tids[i] == wave_tids[j];
		}
	}
	for (i = 0; i < WAVES * WAVE; i++)
		want += i * 3 + 1;
	CHECK_EQ(total, want);
	CHECK_EQ(bad, 0);
	CHECK_EQ(dup, 0);
	printf("create/join: %d threads in %d waves\n", WAVES * WAVE, WAVES);
}

/* ---- mutex ---- */

#define MTX_THREADS 8
#define MTX_ITERS 20000
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static long mtx_counter;	/* guarded by mtx; deliberately not atomic */

static void *mutex_fn(void *arg)
{
	for (int i = 0; i < MTX_ITERS; i++) {
		pthread_mutex_lock(&mtx);
		long v = mtx_counter;
		if ((i & 255) == 0)
			sched_yield();	/* hold the lock across a switch now and then */
		mtx_counter = v + 1;
		pthread_mutex_unlock(&mtx);
	}
	return NULL;
}

static void test_mutex(void)
{
	pthread_t t[MTX_THREADS];
	int i;

	for (i = 0; i < MTX_THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, mutex_fn, NULL), 0);
	for (i = 0; i < MTX_THREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	CHECK_EQ(mtx_counter, (long)MTX_THREADS * MTX_ITERS);
	CHECK_EQ(pthread_mutex_trylock(&mtx), 0);
	CHECK_EQ(pthread_mutex_trylock(&mtx), EBUSY);
	CHECK_EQ(pthread_mutex_unlock(&mtx), 0);
	printf("mutex: %ld increments\n", mtx_counter);
}

/* ---- condition variable: bounded buffer ---- */

#define PC_PROD 4
#define PC_CONS 4
#define PC_ITEMS 5000		/* per producer */
#define PC_SLOTS 8
static pthread_mutex_t pc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc_not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pc_not_empty = PTHREAD_COND_INITIALIZER;
static int pc_buf[PC_SLOTS], pc_head, pc_count, pc_done_producers;
static unsigned char pc_seen[PC_PROD * PC_ITEMS];
static long pc_consumed[PC_CONS];

static void *producer_fn(void *arg)
{
	long p = (long)arg;
	for (int i = 0; i < PC_ITEMS; i++) {
		pthread_mutex_lock(&pc_lock);
		while (pc_count == PC_SLOTS)
			pthread_cond_wait(&pc_not_full, &pc_lock);
		pc_buf[(pc_head + pc_count) % PC_SLOTS] = p * PC_ITEMS + i;
		pc_count++;
		pthread_cond_signal(&pc_not_empty);
		pthread_mutex_unlock(&pc_lock);
	}
	pthread_mutex_lock(&pc_lock);
	pc_done_producers++;
	pthread_cond_broadcast(&pc_not_empty);
	pthread_mutex_unlock(&pc_lock);
	return NULL;
}

static void *consumer_fn(void *arg)
{
	long c = (long)arg;
	for (;;) {
		pthread_mutex_lock(&pc_lock);
		while (pc_count == 0 && pc_done_producers < PC_PROD)
			pthread_cond_wait(&pc_not_empty, &pc_lock);
		if (pc_count == 0) {
			pthread_mutex_unlock(&pc_lock);
			return NULL;
		}
		int item = pc_buf[pc_head];
		pc_head = (pc_head + 1) % PC_SLOTS;
		pc_count--;
		pthread_cond_signal(&pc_not_full);
		pthread_mutex_unlock(&pc_lock);
		if (item >= 0 && item < PC_PROD * PC_ITEMS)
			__atomic_add_fetch(&pc_seen[item], 1, __ATOMIC_RELAXED);
		pc_consumed[c]++;
	}
}

static void test_condvar(void)
{
	pthread_t p[PC_PROD], c[PC_CONS];
	long i, total = 0, once = 0;

	for (i = 0; i < PC_CONS; i++)
		CHECK_EQ(pthread_create(&c[i], NULL, consumer_fn, (void *)i), 0);
	for (i = 0; i < PC_PROD; i++)
		CHECK_EQ(pthread_create(&p[i], NULL, producer_fn, (void *)i), 0);
	for (i = 0; i < PC_PROD; i++)
		CHECK_EQ(pthread_join(p[i], NULL), 0);
	for (i = 0; i < PC_CONS; i++)
		CHECK_EQ(pthread_join(c[i], NULL), 0);
	for (i = 0; i < PC_CONS; i++)
		total += pc_consumed[i];
	for (i = 0; i < PC_PROD * PC_ITEMS; i++)
		once += pc_seen[i] == 1;
	CHECK_EQ(total, PC_PROD * PC_ITEMS);
	CHECK_EQ(once, PC_PROD * PC_ITEMS);
	CHECK_EQ(pc_count, 0);

	/* a timed wait that nobody signals times out, not early */
	struct timespec dl;
	pthread_mutex_lock(&pc_lock);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 30 * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	CHECK_EQ(pthread_cond_timedwait(&pc_not_empty, &pc_lock, &dl), ETIMEDOUT);
	CHECK(reached(&dl));
	pthread_mutex_unlock(&pc_lock);
	printf("condvar: %ld items, consumers got %ld/%ld/%ld/%ld\n", total,
	       pc_consumed[0], pc_consumed[1], pc_consumed[2], pc_consumed[3]);
}

/* ---- rwlock ---- */

#define RW_WRITERS 2
#define RW_READERS 4
#define RW_UPDATES 3000
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static volatile long rw_a, rw_b;	/* invariant under rw: rw_b == -2 * rw_a */
static long rw_torn, rw_reads;
static volatile int rw_stop;

static void *rw_writer(void *arg)
{
	for (int i = 0; i < RW_UPDATES; i++) {
		pthread_rwlock_wrlock(&rw);
		long a = rw_a + 1;
		rw_a = a;
		if ((i & 63) == 0)
			sched_yield();
		rw_b = -2 * a;
		pthread_rwlock_unlock(&rw);
		if ((i & 15) == 0)
			usleep(200);	/* let the readers in */
	}
	return NULL;
}

static void *rw_reader(void *arg)
{
	long torn = 0, reads = 0;
	/* musl prefers readers: leave the lock free now and then, or the
	 * writers starve; and stop after a while whatever happens */
	while (!rw_stop && reads < 200000) {
		pthread_rwlock_rdlock(&rw);
		long a = rw_a, b = rw_b;
		pthread_rwlock_unlock(&rw);
		torn += b != -2 * a;
		if ((++reads & 7) == 0)
			usleep(100);
	}
	__atomic_add_fetch(&rw_torn, torn, __ATOMIC_RELAXED);
	__atomic_add_fetch(&rw_reads, reads, __ATOMIC_RELAXED);
	return NULL;
}

static void test_rwlock(void)
{
	pthread_t w[RW_WRITERS], r[RW_READERS];
	int i;

	for (i = 0; i < RW_READERS; i++)
		CHECK_EQ(pthread_create(&r[i], NULL, rw_reader, NULL), 0);
	for (i = 0; i < RW_WRITERS; i++)
		CHECK_EQ(pthread_create(&w[i], NULL, rw_writer, NULL), 0);
	for (i = 0; i < RW_WRITERS; i++)
		CHECK_EQ(pthread_join(w[i], NULL), 0);
	rw_stop = 1;
	for (i = 0; i < RW_READERS; i++)
		CHECK_EQ(pthread_join(r[i], NULL), 0);
	CHECK_EQ(rw_a, RW_WRITERS * RW_UPDATES);
	CHECK_EQ(rw_b, -2L * RW_WRITERS * RW_UPDATES);
	CHECK_EQ(rw_torn, 0);
	CHECK(rw_reads > 0);
	/* two readers at once, and a writer excluded meanwhile */
	CHECK_EQ(pthread_rwlock_rdlock(&rw), 0);
	CHECK_EQ(pthread_rwlock_tryrdlock(&rw), 0);
	CHECK_EQ(pthread_rwlock_trywrlock(&rw), EBUSY);
	CHECK_EQ(pthread_rwlock_unlock(&rw), 0);
	CHECK_EQ(pthread_rwlock_unlock(&rw), 0);
	printf("rwlock: %ld updates, %ld reads, %ld torn\n", rw_a, rw_reads, rw_torn);
}

/* ---- barrier ---- */

#define BAR_THREADS 6
#define BAR_PHASES 200
static pthread_barrier_t bar;
static int bar_arrived[BAR_PHASES];
static long bar_serial, bar_short;

static void *barrier_fn(void *arg)
{
	for (int ph = 0; ph < BAR_PHASES; ph++) {
		__atomic_add_fetch(&bar_arrived[ph], 1, __ATOMIC_SEQ_CST);
		int r = pthread_barrier_wait(&bar);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&bar_serial, 1, __ATOMIC_RELAXED);
		else if (r != 0)
			__atomic_add_fetch(&bar_short, 1000, __ATOMIC_RELAXED);
		/* everyone arrived at this phase before anyone left it */
		if (__atomic_load_n(&bar_arrived[ph], __ATOMIC_SEQ_CST) != BAR_THREADS)
			__atomic_add_fetch(&bar_short, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_barrier(void)
{
	pthread_t t[BAR_THREADS];
	int i, bad = 0;

	CHECK_EQ(pthread_barrier_init(&bar, NULL, BAR_THREADS), 0);
	for (i = 0; i < BAR_THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, barrier_fn, NULL), 0);
	for (i = 0; i < BAR_THREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	for (i = 0; i < BAR_PHASES; i++)
		bad += bar_arrived[i] != BAR_THREADS;
	CHECK_EQ(bad, 0);
	CHECK_EQ(bar_serial, BAR_PHASES);
	CHECK_EQ(bar_short, 0);
	CHECK_EQ(pthread_barrier_destroy(&bar), 0);
	printf("barrier: %d phases x %d threads\n", BAR_PHASES, BAR_THREADS);
}

/* ---- semaphores ---- */

#define SEM_PAIRS 4
#define SEM_ITEMS 5000
#define SEM_LIMIT 3
static sem_t sem_items, sem_limit;
static int sem_inside, sem_max_inside;

static void *sem_poster(void *arg)
{
	for (int i = 0; i < SEM_ITEMS; i++)
		sem_post(&sem_items);
	return NULL;
}

static void *sem_waiter(void *arg)
{
	long got = 0;
	for (int i = 0; i < SEM_ITEMS; i++)
		if (sem_wait(&sem_items) == 0)
			got++;
	return (void *)got;
}

static void *sem_limited(void *arg)
{
	for (int i = 0; i < 300; i++) {
		sem_wait(&sem_limit);
		int n = __atomic_add_fetch(&sem_inside, 1, __ATOMIC_SEQ_CST);
		int m = __atomic_load_n(&sem_max_inside, __ATOMIC_RELAXED);
		while (n > m && !__atomic_compare_exchange_n(&sem_max_inside, &m, n, 0,
							     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
		if ((i & 15) == 0)
			sched_yield();
		__atomic_sub_fetch(&sem_inside, 1, __ATOMIC_SEQ_CST);
		sem_post(&sem_limit);
	}
	return NULL;
}

static void test_semaphore(void)
{
	pthread_t p[SEM_PAIRS], w[SEM_PAIRS], l[8];
	long i, got = 0;
	int v = -1;

	CHECK_EQ(sem_init(&sem_items, 0, 0), 0);
	for (i = 0; i < SEM_PAIRS; i++)
		CHECK_EQ(pthread_create(&w[i], NULL, sem_waiter, NULL), 0);
	for (i = 0; i < SEM_PAIRS; i++)
		CHECK_EQ(pthread_create(&p[i], NULL, sem_poster, NULL), 0);
	for (i = 0; i < SEM_PAIRS; i++) {
		void *r = NULL;
		CHECK_EQ(pthread_join(p[i], NULL), 0);
		CHECK_EQ(pthread_join(w[i], &r), 0);
		got += (long)r;
	}
	CHECK_EQ(got, (long)SEM_PAIRS * SEM_ITEMS);
	CHECK_EQ(sem_getvalue(&sem_items, &v), 0);
	CHECK_EQ(v, 0);
	errno = 0;
	CHECK_EQ(sem_trywait(&sem_items), -1);
	CHECK_EQ(errno, EAGAIN);

	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 20 * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	errno = 0;
	CHECK_EQ(sem_timedwait(&sem_items, &dl), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	CHECK(reached(&dl));

	CHECK_EQ(sem_init(&sem_limit, 0, SEM_LIMIT), 0);
	for (i = 0; i < 8; i++)
		CHECK_EQ(pthread_create(&l[i], NULL, sem_limited, NULL), 0);
	for (i = 0; i < 8; i++)
		CHECK_EQ(pthread_join(l[i], NULL), 0);
	CHECK(sem_max_inside >= 1 && sem_max_inside <= SEM_LIMIT);
	CHECK_EQ(sem_getvalue(&sem_limit, &v), 0);
	CHECK_EQ(v, SEM_LIMIT);
	sem_destroy(&sem_items);
	sem_destroy(&sem_limit);
	printf("semaphore: %ld waits; at most %d of %d inside\n", got,
	       sem_max_inside, SEM_LIMIT);
}

/* ---- pthread_once ---- */

#define ONCE_THREADS 16
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_barrier_t once_bar;
static int once_runs;
static volatile int once_value;

static void once_init(void)
{
	__atomic_add_fetch(&once_runs, 1, __ATOMIC_SEQ_CST);
	usleep(20000);		/* the others must wait, not run it too */
	once_value = 42;
}

static void *once_fn(void *arg)
{
	pthread_barrier_wait(&once_bar);
	pthread_once(&once, once_init);
	return (void *)(long)once_value;
}

static void test_once(void)
{
	pthread_t t[ONCE_THREADS];
	int i, bad = 0;

	pthread_barrier_init(&once_bar, NULL, ONCE_THREADS);
	for (i = 0; i < ONCE_THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, once_fn, NULL), 0);
	for (i = 0; i < ONCE_THREADS; i++) {
		void *r = NULL;
		CHECK_EQ(pthread_join(t[i], &r), 0);
		bad += (long)r != 42;
	}
	CHECK_EQ(once_runs, 1);
	CHECK_EQ(bad, 0);
	pthread_barrier_destroy(&once_bar);
}

/* ---- thread-specific data ---- */

#define TSD_THREADS 50
static pthread_key_t key_a, key_b;
static int tsd_dtor_a[TSD_THREADS], tsd_dtor_b;
static int tsd_wrong;

static void dtor_a(void *v)
{
	long i = (long)v - 1000;
	if (i >= 0 && i < TSD_THREADS)
		__atomic_add_fetch(&tsd_dtor_a[i], 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&tsd_wrong, 1, __ATOMIC_RELAXED);
}

static void dtor_b(void *v)
{
	__atomic_add_fetch(&tsd_dtor_b, 1, __ATOMIC_RELAXED);
}

static void *tsd_fn(void *arg)
{
	long i = (long)arg;
	if (pthread_getspecific(key_a) != NULL)
		__atomic_add_fetch(&tsd_wrong, 1, __ATOMIC_RELAXED);
	pthread_setspecific(key_a, (void *)(1000 + i));
	if (i & 1)		/* key_b: set, then cleared: no destructor call */
		pthread_setspecific(key_b, (void *)1);
	sched_yield();
	usleep(1000);
	if (pthread_getspecific(key_a) != (void *)(1000 + i))
		__atomic_add_fetch(&tsd_wrong, 1, __ATOMIC_RELAXED);
	pthread_setspecific(key_b, NULL);
	if (i % 5 == 0)
		pthread_exit(NULL);	/* destructors run on pthread_exit too */
	return NULL;
}

static void test_tsd(void)
{
	pthread_t t[TSD_THREADS];
	long i, once_each = 0;

	CHECK_EQ(pthread_key_create(&key_a, dtor_a), 0);
	CHECK_EQ(pthread_key_create(&key_b, dtor_b), 0);
	pthread_setspecific(key_a, (void *)7);	/* main's own: no dtor call */
	for (i = 0; i < TSD_THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, tsd_fn, (void *)i), 0);
	for (i = 0; i < TSD_THREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	for (i = 0; i < TSD_THREADS; i++)
		once_each += tsd_dtor_a[i] == 1;
	CHECK_EQ(once_each, TSD_THREADS);
	CHECK_EQ(tsd_dtor_b, 0);
	CHECK_EQ(tsd_wrong, 0);
	CHECK(pthread_getspecific(key_a) == (void *)7);
	CHECK_EQ(pthread_key_delete(key_a), 0);
	CHECK_EQ(pthread_key_delete(key_b), 0);
}

/* ---- __thread ---- */

#define TLS_THREADS 24
static __thread int tl_init = 0x5eed;
static __thread long tl_zero;
static __thread char tl_big[256] = "tls";
static void *tl_addr[TLS_THREADS];
static pthread_barrier_t tl_bar;
static int tl_wrong;

static void *tls_fn(void *arg)
{
	long i = (long)arg;
	if (tl_init != 0x5eed || tl_zero != 0 || strcmp(tl_big, "tls") != 0)
		__atomic_add_fetch(&tl_wrong, 1, __ATOMIC_RELAXED);
	tl_init = (int)i;
	tl_zero = -i;
	tl_big[200] = (char)i;
	tl_addr[i] = &tl_init;
	pthread_barrier_wait(&tl_bar);	/* all alive at once */
	for (int k = 0; k < 200; k++) {
		if (tl_init != i || tl_zero != -i || tl_big[200] != (char)i)
			__atomic_add_fetch(&tl_wrong, 1, __ATOMIC_RELAXED);
		if ((k & 31) == 0)
			sched_yield();
	}
	pthread_barrier_wait(&tl_bar);
	return NULL;
}

static void test_tls(void)
{
	pthread_t t[TLS_THREADS];
	long i, j, dup = 0;

	tl_init = -1;		/* main's copy: must not leak into new threads */
	pthread_barrier_init(&tl_bar, NULL, TLS_THREADS);
	for (i = 0; i < TLS_THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, tls_fn, (void *)i), 0);
	for (i = 0; i < TLS_THREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	for (i = 0; i < TLS_THREADS; i++)
		for (j = 0; j < i; j++)
			dup += tl_addr[i] == tl_addr[j];
	CHECK_EQ(dup, 0);
	CHECK_EQ(tl_wrong, 0);
	CHECK_EQ(tl_init, -1);
	pthread_barrier_destroy(&tl_bar);
}

/* ---- detached threads ---- */

#define DET_ROUNDS 4
#define DET_THREADS 50
static int det_done;

static void *detached_fn(void *arg)
{
	char buf[4096];		/* touch the stack that musl will unmap */
	memset(buf, (int)(long)arg, sizeof(buf));
	__atomic_add_fetch(&det_done, buf[100] == (char)(long)arg, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *detach_self_fn(void *arg)
{
	pthread_detach(pthread_self());
	return detached_fn(arg);
}

static void test_detached(void)
{
	pthread_attr_t a;
	pthread_t t;
	int r, i, want = 0;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (r = 0; r < DET_ROUNDS; r++) {
		for (i = 0; i < DET_THREADS; i++) {
			int e = pthread_create(&t, i & 1 ? &a : NULL,
					       i & 1 ? detached_fn : detach_self_fn,
					       (void *)(long)(i + 1));
			if (!CHECK_EQ(e, 0))
				break;
			want++;
		}
		long t0 = now_ms();
		while (__atomic_load_n(&det_done, __ATOMIC_SEQ_CST) < want &&
		       now_ms() - t0 < 10000)
			usleep(1000);
		CHECK_EQ(det_done, want);
		usleep(5000);	/* let the last ones finish unmapping */
	}
	pthread_attr_destroy(&a);
	printf("detached: %d threads exited\n", det_done);
}

/* ---- pthread_exit from nested calls, cleanup handlers ---- */

static char cleanup_log[16];

static void note(void *c)
{
	size_t n = strlen(cleanup_log);
	if (n < sizeof(cleanup_log) - 1)
		cleanup_log[n] = *(char *)c;
}

static __attribute__((noinline)) int level3(long v)
{
	if (v > 0)
		pthread_exit((void *)(v * 7));
	return -1;
}

static __attribute__((noinline)) int level2(long v)
{
	static char b = 'b';
	int r;
	pthread_cleanup_push(note, &b);
	r = level3(v) + 1;
	pthread_cleanup_pop(0);
	return r;
}

static __attribute__((noinline)) int level1(long v)
{
	static char a = 'a';
	volatile char pad[512];	/* a deeper frame */
	int r;
	pad[0] = 1;
	pthread_cleanup_push(note, &a);
	r = level2(v) + pad[0];
	pthread_cleanup_pop(0);
	return r;
}

static void *nested_fn(void *arg)
{
	level1((long)arg);
	return (void *)-1L;	/* not reached */
}

static void test_nested_exit(void)
{
	pthread_t t;
	void *r = NULL;

	CHECK_EQ(pthread_create(&t, NULL, nested_fn, (void *)6), 0);
	CHECK_EQ(pthread_join(t, &r), 0);
	CHECK_EQ((long)r, 42);
	CHECK_STREQ(cleanup_log, "ba");	/* innermost handler first */
}

int main(void)
{
	long t0 = now_ms(), t;

#define RUN(fn) do { t = now_ms(); fn(); \
		printf("  %-18s %5ld ms\n", #fn, now_ms() - t); fflush(stdout); } while (0)
	printf("tst-pthread: %ld CPUs online\n", sysconf(_SC_NPROCESSORS_ONLN));
	RUN(test_create_join);
	RUN(test_mutex);
	RUN(test_condvar);
	RUN(test_rwlock);
	RUN(test_barrier);
	RUN(test_semaphore);
	RUN(test_once);
	RUN(test_tsd);
	RUN(test_tls);
	RUN(test_detached);
	RUN(test_nested_exit);
	printf("total %ld ms\n", now_ms() - t0);
	return tst_done();
}
