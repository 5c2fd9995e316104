/*
 * tst-malloc: malloc/calloc/realloc/free and posix_memalign under load.
 *
 * Rounds of NBLK blocks of 1 B .. 1 MiB (most small, a few large enough that
 * musl's malloc maps them with mmap), some made by calloc (checked zero) or
 * grown and shrunk by realloc (checked to keep their prefix). Every block is
 * filled with a pattern derived from its index and position, so a block that
 * overlaps another or moves its contents is caught; all blocks are checked
 * before they are freed, in an order shuffled by a seeded PRNG. About 100 MB
 * are written in all; at most ~40 MB are live at once (the guest has 128M).
 */
// EXPECT: ^tst: tst-malloc: [0-9]+ checks, 0 failures$
// EXPECT: ^malloc: [0-9]+ blocks, [0-9]+ MiB written
// TIMEOUT: 240
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tst.h"

#define NBLK 4000
#define ROUNDS 3

static uint64_t rng_state;

static uint64_t rng(void)	/* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* 1 B .. 1 MiB: 70% up to 128 B, 20% up to 4 KiB, 9% up to 64 KiB, 1% up to
 * 1 MiB (above musl's mmap threshold of ~128 KiB). */
static size_t pick_size(void)
{
	unsigned r = rng() % 100;

	if (r < 70)
		return 1 + rng() % 128;
	if (r < 90)
		return 129 + rng() % (4096 - 128);
	if (r < 99)
		return 4097 + rng() % (65536 - 4096);
	return 65537 + rng() % (1048576 - 65536);
}

static uint64_t word_of(uint64_t tag, size_t k)
{
	uint64_t x = (tag + 1) * 0x9e3779b97f4a7c15ULL ^ (k * 0xbf58476d1ce4e5b9ULL);

	return x ^ (x >> 31);
}

/* Fill or check the first n bytes of p with the pattern of tag; the pattern
 * of byte j depends on tag and j only, so a prefix survives realloc. */
static void fill(unsigned char *p, size_t n, uint64_t tag)
{
	size_t k;

	for (k = 0; k + 8 <= n; k += 8) {
		uint64_t w = word_of(tag, k / 8);
		memcpy(p + k, &w, 8);
	}
	for (; k < n; k++)
		p[k] = (unsigned char)(word_of(tag, k / 8) >> (8 * (k % 8)));
}

static int intact(const unsigned char *p, size_t n, uint64_t tag)
{
	size_t k;

	for (k = 0; k + 8 <= n; k += 8) {
		uint64_t w;
		memcpy(&w, p + k, 8);
		if (w != word_of(tag, k / 8))
			return 0;
	}
	for (; k < n; k++)
		if (p[k] != (unsigned char)(word_of(tag, k / 8) >> (8 * (k % 8))))
			return 0;
	return 1;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (p[k])
			return 0;
	return 1;
}

static unsigned char *blk[NBLK];
static size_t len[NBLK];
static uint64_t tag[NBLK];
static unsigned order[NBLK];
static uint64_t bytes_written;

static void one_round(int round)
{
	int bad = 0;

	for (int i = 0; i < NBLK; i++) {
		size_t n = pick_size();
		unsigned how = rng() % 10;

		tag[i] = (uint64_t)round * NBLK + i;
		if (how == 0) {			/* calloc: must come zeroed */
			blk[i] = calloc(1, n);
			if (!CHECK(blk[i] != NULL))
				return;
			if (!all_zero(blk[i], n) && !bad++)
				CHECK(!"calloc memory is zeroed");
		} else if (how == 1) {		/* realloc: grow, then shrink */
			size_t small = 1 + n / 3;
			blk[i] = realloc(NULL, small);
			if (!CHECK(blk[i] != NULL))
				return;
			fill(blk[i], small, tag[i]);
			blk[i] = realloc(blk[i], n * 2);
			if (!CHECK(blk[i] != NULL))
				return;
			if (!intact(blk[i], small, tag[i]) && !bad++)
				CHECK(!"realloc (grow) keeps the contents");
			fill(blk[i], n * 2, tag[i]);
			blk[i] = realloc(blk[i], n);
			if (!CHECK(blk[i] != NULL))
				return;
			bytes_written += small + n * 2;
		} else {
			blk[i] = malloc(n);
			if (!CHECK(blk[i] != NULL))
				return;
		}
		len[i] = n;
		fill(blk[i], n, tag[i]);
		bytes_written += n;
	}

	/* Free in shuffled order; every block must still hold its pattern. */
	for (int i = 0; i < NBLK; i++)
		order[i] = i;
	for (int i = NBLK - 1; i > 0; i--) {
		unsigned j = rng() % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (int k = 0; k < NBLK; k++) {
		unsigned i = order[k];
		if (!intact(blk[i], len[i], tag[i]) && bad++ < 5)
			printf("block %u (%zu bytes at %p) corrupted\n", i, len[i],
			       (void *)blk[i]);
		free(blk[i]);
		/* Interleave new allocations with the frees half of the time. */
		if (k % 2 == 0 && i % 3 == 0) {
			size_t n = pick_size();
			unsigned char *p = malloc(n);
			if (p) {
				fill(p, n, ~tag[i]);
				bytes_written += n;
				if (!intact(p, n, ~tag[i]))
					bad++;
				free(p);
			} else {
				bad++;
			}
		}
	}
	CHECK_EQ(bad, 0);
}

static void aligned(void)
{
	for (size_t align = sizeof(void *); align <= 65536; align *= 2) {
		for (size_t n = 1; n <= 200000; n = n * 7 + 3) {
			void *p = NULL;
			int rc = posix_memalign(&p, align, n);
			if (!CHECK_EQ(rc, 0) || !CHECK(p != NULL))
				continue;
			CHECK_EQ((uintptr_t)p % align, 0);
			fill(p, n, align ^ n);
			bytes_written += n;
			CHECK(intact(p, n, align ^ n));
			free(p);
		}
		void *q = aligned_alloc(align, align * 3);
		CHECK(q != NULL && (uintptr_t)q % align == 0);
		free(q);
	}
	void *p = NULL;
	CHECK_EQ(posix_memalign(&p, 3, 16), EINVAL);	/* not a power of 2 */
	CHECK_EQ(posix_memalign(&p, 2, 16), EINVAL);	/* below sizeof(void *) */
}

static void edges(void)
{
	void *p = malloc(0);	/* NULL or a unique pointer that free accepts */
	void *q = malloc(0);
	CHECK(p == NULL || p != q);
	free(p);
	free(q);
	free(NULL);

	errno = 0;
	p = malloc((size_t)1 << 46);	/* 64 TiB: must fail cleanly */
	CHECK(p == NULL);
	CHECK_EQ(errno, ENOMEM);
	free(p);
	volatile size_t big = (size_t)1 << 40;	/* volatile: no compile-time warning */
	CHECK(calloc(big, big) == NULL);	/* n * size overflows */

	p = calloc(1000, 1000);		/* 1 MB, mmap-backed: zeroed */
	CHECK(p != NULL && all_zero(p, 1000000));
	free(p);
}

int main(void)
{
	rng_state = 0x6a696e79;	/* "jiny": the run is reproducible */
	edges();
	aligned();
	for (int round = 0; round < ROUNDS; round++)
		one_round(round);
	printf("malloc: %d blocks, %llu MiB written\n", ROUNDS * NBLK,
	       (unsigned long long)(bytes_written >> 20));
	CHECK(bytes_written > (64ULL << 20));
	return tst_done();
}
