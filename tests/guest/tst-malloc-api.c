/*
 * tst-malloc-api: the whole malloc interface, whichever allocator the image
 * links: mimalloc (jiny.specs' default) or musl's own (tst-malloc-api-musl.c
 * includes this file and is linked with jiny-musl-malloc.specs).
 *
 * Sizes from 0 to 8 MiB (every size class boundary region of both
 * allocators, and past their mmap thresholds): malloc's alignment (16 bytes
 * from 16 bytes up),
 * malloc_usable_size >= the size asked for (and the whole usable size is
 * writable), calloc zeroed and its overflow refused, realloc keeping the
 * prefix when growing, shrinking and moving, posix_memalign / aligned_alloc /
 * memalign for alignments 8 B .. 1 MiB and their EINVAL cases. Then threads:
 * each allocates, fills and frees in its own pattern, and hands half of its
 * blocks to the next thread to check and free (cross-thread frees, which
 * mimalloc defers to the owning heap). Prints which allocator was linked.
 */
// EXPECT: ^tst: tst-malloc-api[a-z-]*: [0-9]+ checks, 0 failures$
// EXPECT: ^malloc-api: allocator (mimalloc|musl|libc), [0-9]+ threads
// VARIANT: smp1
// VARIANT: smp2 --smp 2
// HOST: yes
// TIMEOUT: 600
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tst.h"

#ifndef MALLOC_API_EXPECT	/* the allocator the image must have linked */
#ifdef JINY_HOST_BUILD
#define MALLOC_API_EXPECT "libc"
#else
#define MALLOC_API_EXPECT "mimalloc"
#endif
#endif

/* mimalloc's own API, present only when mimalloc is linked. */
extern int mi_version(void) __attribute__((weak));

static const char *allocator(void)
{
#ifdef JINY_HOST_BUILD
	return "libc";
#else
	return mi_version ? "mimalloc" : "musl";
#endif
}

static unsigned char pat(uintptr_t seed, size_t i) { return (unsigned char)((seed * 131 + i * 7) ^ (i >> 8)); }

static void fill(void *p, size_t n, uintptr_t seed)
{
	unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		c[i] = pat(seed, i);
}

static int intact(const void *p, size_t n, uintptr_t seed)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != pat(seed, i))
			return 0;
	return 1;
}

/*
 * The alignment malloc(n) owes: 16 (max_align_t) for n >= 16, else the
 * largest power of two <= n, which is all an object of n bytes can need
 * (C17 7.22.3; mimalloc gives 8-byte blocks 8-byte alignment, musl 16).
 */
static size_t align_for(size_t n)
{
	size_t a = 16;
	while (a > 1 && a > n)
		a /= 2;
	return a;
}

/* 0 .. 8 MiB: small steps where size classes are dense, then around powers of two. */
static size_t sizes[200];
static int nsizes;

static void make_sizes(void)
{
	for (size_t n = 0; n <= 160; n += 8)
		sizes[nsizes++] = n;
	for (size_t p = 256; p <= ((size_t)8 << 20); p *= 2) {
		sizes[nsizes++] = p - 1;
		sizes[nsizes++] = p;
		sizes[nsizes++] = p + p / 3;
	}
}

static void sizes_and_usable(void)
{
	for (int k = 0; k < nsizes; k++) {
		size_t n = sizes[k];
		unsigned char *p = malloc(n);
		if (!CHECK(p != NULL || n == 0))
			continue;
		CHECK_EQ((uintptr_t)p % align_for(n), 0);
		size_t u = malloc_usable_size(p);
		CHECK(u >= n);
		fill(p, u, n);		/* all of the usable size is ours */
		CHECK(intact(p, u, n));
		free(p);
	}
	CHECK_EQ(malloc_usable_size(NULL), 0);
}

static void calloc_and_overflow(void)
{
	for (int k = 0; k < nsizes; k += 3) {
		size_t n = sizes[k];
		unsigned char *p = malloc(n + 1);	/* dirty some memory first */
		if (p)
			memset(p, 0xa5, n + 1);
		free(p);
		unsigned char *z = calloc(1, n + 1);
		if (!CHECK(z != NULL))
			continue;
		size_t i = 0;
		while (i <= n && !z[i])
			i++;
		CHECK_EQ(i, n + 1);
		free(z);
	}
	volatile size_t big = (size_t)1 << 40;	/* n * size overflows */
	errno = 0;
	CHECK(calloc(big, big) == NULL);
	CHECK_EQ(errno, ENOMEM);
	errno = 0;
	CHECK(malloc((size_t)1 << 46) == NULL);	/* 64 TiB */
	CHECK_EQ(errno, ENOMEM);
}

static void reallocs(void)
{
	unsigned char *p = realloc(NULL, 10);	/* realloc(NULL) is malloc */
	CHECK(p != NULL);
	fill(p, 10, 1);
	size_t have = 10;
	for (int k = 0; k < nsizes; k++) {	/* grow through every size, then shrink back */
		size_t n = sizes[k] ? sizes[k] : 1;
		unsigned char *q = realloc(p, n);
		if (!CHECK(q != NULL))
			return;
		CHECK(intact(q, have < n ? have : n, 1));
		fill(q, n, 1);
		p = q, have = n;
	}
	for (int k = nsizes - 1; k >= 0; k -= 5) {
		size_t n = sizes[k] ? sizes[k] : 1;
		unsigned char *q = realloc(p, n);
		if (!CHECK(q != NULL))
			return;
		CHECK(intact(q, n, 1));
		p = q;
	}
	free(p);
	errno = 0;
	p = malloc(100);
	fill(p, 100, 2);
	volatile size_t huge = (size_t)1 << 46;	/* 64 TiB: fails, p stays valid */
	unsigned char *q = realloc(p, huge);
	CHECK(q == NULL);
	CHECK_EQ(errno, ENOMEM);
	if (q)
		p = q;
	CHECK(intact(p, 100, 2));
	free(p);
}

static void aligned(void)
{
	for (size_t a = sizeof(void *); a <= ((size_t)1 << 20); a *= 2) {
		for (size_t n = 1; n <= ((size_t)1 << 21); n = n * 9 + 5) {
			void *p = NULL;
			if (!CHECK_EQ(posix_memalign(&p, a, n), 0))
				continue;
			CHECK_EQ((uintptr_t)p % a, 0);
			CHECK(malloc_usable_size(p) >= n);
			fill(p, n, a + n);
			CHECK(intact(p, n, a + n));
			free(p);
		}
		void *q = aligned_alloc(a, a * 3);
		CHECK(q != NULL && (uintptr_t)q % a == 0);
		free(q);
		q = memalign(a, 100);
		CHECK(q != NULL && (uintptr_t)q % a == 0);
		free(q);
	}
	void *p = NULL;
	CHECK_EQ(posix_memalign(&p, 3, 16), EINVAL);	/* not a power of 2 */
	CHECK_EQ(posix_memalign(&p, 4, 16), EINVAL);	/* below sizeof(void *) */
	CHECK(p == NULL);				/* untouched on failure */
}

/* ---- threads: own churn plus blocks handed to the next thread ---- */
#define NTHREADS 4
#define NBLK 600
#define ROUNDS 6

struct hand {
	pthread_mutex_t lock;
	void *blk[NBLK];
	size_t len[NBLK];
	int n;
};
static struct hand hands[NTHREADS];	/* hands[i]: blocks given to thread i */

static size_t thread_size(unsigned *r)
{
	*r = *r * 1103515245 + 12345;
	unsigned x = *r >> 8;
	return x % 10 < 8 ? x % 256 : x % 10 < 9 ? x % 8192 : x % 300000;
}

static void *worker(void *arg)
{
	int me = (int)(intptr_t)arg, next = (me + 1) % NTHREADS;
	unsigned r = 1 + me;
	static __thread void *mine[NBLK];
	static __thread size_t mlen[NBLK];
	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < NBLK; i++) {
			mlen[i] = thread_size(&r);
			mine[i] = (i % 7 == 0) ? calloc(1, mlen[i]) : malloc(mlen[i]);
			if (!CHECK(mine[i] != NULL))
				return NULL;
			fill(mine[i], mlen[i], (uintptr_t)mine[i]);
		}
		for (int i = 0; i < NBLK; i++) {	/* odd ones to the next thread */
			if (!intact(mine[i], mlen[i], (uintptr_t)mine[i]))
				CHECK(!"a thread's block kept its contents");
			if (i % 2) {
				free(mine[i]);
				continue;
			}
			pthread_mutex_lock(&hands[next].lock);
			if (hands[next].n < NBLK) {
				hands[next].blk[hands[next].n] = mine[i];
				hands[next].len[hands[next].n++] = mlen[i];
				mine[i] = NULL;
			}
			pthread_mutex_unlock(&hands[next].lock);
			free(mine[i]);
		}
		pthread_mutex_lock(&hands[me].lock);	/* check and free what we were given */
		for (int i = 0; i < hands[me].n; i++) {
			void *p = hands[me].blk[i];
			if (!intact(p, hands[me].len[i], (uintptr_t)p))
				CHECK(!"a handed-over block kept its contents");
			free(p);
		}
		hands[me].n = 0;
		pthread_mutex_unlock(&hands[me].lock);
	}
	return (void *)1;
}

static void threads(void)
{
	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		pthread_mutex_init(&hands[i].lock, NULL);
	for (int i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NTHREADS; i++) {
		void *ret = NULL;
		CHECK_EQ(pthread_join(t[i], &ret), 0);
		CHECK(ret == (void *)1);
	}
	for (int i = 0; i < NTHREADS; i++)	/* what the last round left */
		for (int k = 0; k < hands[i].n; k++)
			free(hands[i].blk[k]);
}

int main(void)
{
	make_sizes();
	CHECK_STREQ(allocator(), MALLOC_API_EXPECT);
	sizes_and_usable();
	calloc_and_overflow();
	reallocs();
	aligned();
	threads();
	printf("malloc-api: allocator %s, %d threads\n", allocator(), NTHREADS);
	return tst_done();
}
