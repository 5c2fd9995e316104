/*
 * test_pfa.c - host tests of the buddy page-frame allocator (mm/pfa.c).
 * pfa.c is included here, not linked, so check_invariants() can walk its
 * free lists and frame array. A shadow model (one byte per frame) checks
 * that blocks never overlap, stay inside the RAM handed over and are
 * aligned; after freeing everything the free lists must be exactly those of
 * the start (full coalescing).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "mm/pfa.c"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The model: which frames are RAM (added) and which are allocated. */
static uint8_t *shadow_ram, *shadow_used;
static void *meta;

static void setup_pfa(paddr_t max_addr)
{
	size_t n = ALIGN_UP(max_addr, PAGE_SIZE) >> PAGE_SHIFT;

	free(meta);
	free(shadow_ram);
	free(shadow_used);
	meta = malloc(pfa_meta_size(max_addr));
	memset(meta, 0x5a, pfa_meta_size(max_addr)); /* pfa_init must clear it */
	shadow_ram = calloc(n + 1, 1);
	shadow_used = calloc(n + 1, 1);
	assert_non_null(meta);
	pfa_init(meta, max_addr, NULL);
	assert_int_equal(pfa_total_pages(), 0);
	assert_int_equal(pfa_free_pages(), 0);
}

/* Add a range to the allocator and the model; returns the pages it must add. */
static size_t add_range(paddr_t s, paddr_t e)
{
	size_t first = ALIGN_UP(s, PAGE_SIZE) >> PAGE_SHIFT;
	size_t last = MIN(e >> PAGE_SHIFT, whole_frames);
	size_t added = 0;

	pfa_add_range(s, e);
	for (size_t i = first ? first : 1; i < last; i++, added++)
		shadow_ram[i] = 1;
	return added;
}

/* Everything pfa.c promises about its own state. */
static void check_invariants(void)
{
	size_t pages = 0, heads = 0;

	for (unsigned k = 0; k <= PFA_MAX_ORDER; k++) {
		size_t count = 0;
		uint32_t prev = PFA_NONE;
		for (uint32_t i = free_head[k]; i != PFA_NONE; i = frames[i].next) {
			assert_true(i < nframes);
			assert_int_equal(frames[i].state, PFA_FREE);
			assert_int_equal(frames[i].order, k);
			assert_int_equal(frames[i].prev, prev);
			assert_int_equal(i & ((1U << k) - 1), 0);
			assert_true(i + (1U << k) <= nframes);
			for (uint32_t j = i + 1; j < i + (1U << k); j++)
				assert_int_equal(frames[j].state, PFA_BODY);
			for (uint32_t j = i; j < i + (1U << k); j++) {
				assert_true(shadow_ram[j]);
				assert_false(shadow_used[j]);
			}
			/* Fully coalesced: a free block's buddy is no free block of its order. */
			if (k < PFA_MAX_ORDER) {
				uint32_t b = i ^ (1U << k);
				assert_false(b < nframes && frames[b].state == PFA_FREE &&
					     frames[b].order == k);
			}
			prev = i;
			count++;
			assert_true(count <= nframes);
		}
		assert_int_equal(count, free_blocks[k]);
		pages += count << k;
	}
	assert_int_equal(pages, pfa_free_pages());
	for (size_t i = 0; i < nframes; i++) {
		heads += frames[i].state == PFA_FREE;
		assert_true((frames[i].state == PFA_RESERVED) == !shadow_ram[i]);
	}
	size_t listed = 0;
	for (unsigned k = 0; k <= PFA_MAX_ORDER; k++)
		listed += free_blocks[k];
	assert_int_equal(heads, listed);
}

static paddr_t alloc_checked(unsigned order)
{
	paddr_t pa = pfa_alloc(order);
	size_t i = pa >> PAGE_SHIFT;

	if (!pa)
		return 0;
	assert_int_equal(pa & ((PAGE_SIZE << order) - 1), 0);
	for (size_t j = i; j < i + ((size_t)1 << order); j++) {
		assert_true(j < nframes);
		assert_true(shadow_ram[j]);
		assert_false(shadow_used[j]);
		shadow_used[j] = 1;
	}
	return pa;
}

static void free_checked(paddr_t pa, unsigned order)
{
	size_t i = pa >> PAGE_SHIFT;

	for (size_t j = i; j < i + ((size_t)1 << order); j++) {
		assert_true(shadow_used[j]);
		shadow_used[j] = 0;
	}
	pfa_free(pa, order);
}

static void test_simple(void **state)
{
	setup_pfa(64 << 20);
	size_t n = add_range(1 << 20, 64 << 20);
	assert_int_equal(n, (63 << 20) / PAGE_SIZE);
	assert_int_equal(pfa_total_pages(), n);
	assert_int_equal(pfa_free_pages(), n);
	check_invariants();

	paddr_t a = alloc_checked(0), b = alloc_checked(PFA_MAX_ORDER), c = alloc_checked(3);
	assert_true(a && b && c);
	assert_int_equal(pfa_free_pages(), n - 1 - 1024 - 8);
	check_invariants();
	free_checked(b, PFA_MAX_ORDER);
	free_checked(a, 0);
	free_checked(c, 3);
	assert_int_equal(pfa_free_pages(), n);
	check_invariants();
	assert_int_equal(pfa_alloc(PFA_MAX_ORDER + 1), 0);
}

/* Frame 0 is never handed out (0 means failure); max_addr clips ranges. */
static void test_edges(void **state)
{
	setup_pfa(0x11000 + 0x123); /* 18 frames, the last partial */
	size_t n = add_range(0, 0x20000);
	assert_int_equal(n, 16); /* frames 1..16: 0 skipped, clipped at max_addr */
	assert_int_equal(pfa_total_pages(), 16);
	check_invariants();
	paddr_t got[16];
	for (int i = 0; i < 16; i++) {
		got[i] = alloc_checked(0);
		assert_true(got[i] != 0);
	}
	assert_int_equal(pfa_alloc(0), 0);
	assert_int_equal(pfa_free_pages(), 0);
	for (int i = 15; i >= 0; i--)
		free_checked(got[i], 0);
	check_invariants();
	assert_int_equal(pfa_free_pages(), 16);
	/* Frames 1..16 coalesce into orders 0,1,2,3 (1, 2-3, 4-7, 8-15) and 0 (16). */
	assert_int_equal(free_blocks[0], 2);
	assert_int_equal(free_blocks[1], 1);
	assert_int_equal(free_blocks[2], 1);
	assert_int_equal(free_blocks[3], 1);
}

static size_t snapshot[PFA_MAX_ORDER + 1];

static void take_snapshot(void)
{
	memcpy(snapshot, free_blocks, sizeof(snapshot));
}

static void assert_snapshot(void)
{
	for (unsigned k = 0; k <= PFA_MAX_ORDER; k++)
		assert_int_equal(free_blocks[k], snapshot[k]);
}

/* Ranges with unaligned edges and holes, added out of order, some adjacent. */
static size_t add_holey_ram(void)
{
	size_t n = 0;
	n += add_range(0x9000, 0x9f000);           /* low memory, below a hole */
	n += add_range(0x800123, 0x1234567);       /* unaligned both ends */
	n += add_range(0x100000, 0x7ff000);        /* below the previous, not touching */
	n += add_range(0x7ff000, 0x800000);        /* fills the gap partly: merges */
	n += add_range(0x2000000, 0x2001000);      /* one frame alone */
	n += add_range(0x3000000 + 0x800, 0x3001fff); /* less than one whole frame */
	n += add_range(0x4000000, 0x8000000);      /* 64 MiB, many max-order blocks */
	return n;
}

static void test_holes(void **state)
{
	setup_pfa(0x8000000);
	size_t n = add_holey_ram();
	assert_int_equal(pfa_total_pages(), n);
	assert_int_equal(pfa_free_pages(), n);
	check_invariants();
	/* Exhaust memory one frame at a time: every RAM frame exactly once. */
	paddr_t *all = malloc(n * sizeof(*all));
	size_t got = 0;
	paddr_t pa;
	while ((pa = alloc_checked(0)))
		all[got++] = pa;
	assert_int_equal(got, n);
	for (size_t i = 0; i < nframes; i++)
		assert_int_equal(shadow_used[i], shadow_ram[i]);
	/* Free in a random order; all must merge back. */
	rng_state = 0x1234567;
	for (size_t i = got; i > 1; i--) {
		size_t j = rnd() % i;
		paddr_t t = all[i - 1];
		all[i - 1] = all[j];
		all[j] = t;
	}
	pfa_init(meta, 0x8000000, NULL);
	memset(shadow_ram, 0, nframes);
	memset(shadow_used, 0, nframes);
	add_holey_ram();
	take_snapshot();
	got = 0;
	while ((pa = alloc_checked(0)))
		got++;
	for (size_t i = 0; i < n; i++)
		free_checked(all[i], 0);
	check_invariants();
	assert_int_equal(pfa_free_pages(), n);
	assert_snapshot();
	free(all);
}

/* Random mixed-order allocations and frees, checked against the model. */
static void storm(uint64_t seed, int ops)
{
	struct {
		paddr_t pa;
		unsigned order;
	} *live = malloc(sizeof(*live) * ops);
	size_t nlive = 0, n;
	int fails = 0;

	rng_state = seed;
	setup_pfa(0x8000000);
	n = add_holey_ram();
	take_snapshot();
	for (int op = 0; op < ops; op++) {
		if (nlive && (rnd() % 100 < 45 || fails > 10)) {
			size_t i = rnd() % nlive;
			free_checked(live[i].pa, live[i].order);
			live[i] = live[--nlive];
			fails = 0;
		} else {
			/* Mostly small orders, sometimes big ones. */
			uint64_t r = rnd() % 100;
			unsigned order = r < 60 ? 0 : r < 85 ? rnd() % 4
							     : rnd() % (PFA_MAX_ORDER + 1);
			paddr_t pa = alloc_checked(order);
			if (pa) {
				live[nlive].pa = pa;
				live[nlive++].order = order;
			} else {
				fails++;
			}
		}
		if (op % 1000 == 0)
			check_invariants();
	}
	check_invariants();
	while (nlive) {
		size_t i = rnd() % nlive;
		free_checked(live[i].pa, live[i].order);
		live[i] = live[--nlive];
	}
	check_invariants();
	assert_int_equal(pfa_free_pages(), n);
	assert_snapshot();
	free(live);
}

static void test_storm(void **state)
{
	storm(0x9e3779b97f4a7c15ULL, 20000);
	storm(42, 20000);
	storm(7, 50000);
}

/* Drive memory close to full so big orders fail and small ones fragment it. */
static void test_storm_pressure(void **state)
{
	enum { OPS = 30000 };
	struct {
		paddr_t pa;
		unsigned order;
	} *live = malloc(sizeof(*live) * OPS);
	size_t nlive = 0, n;

	rng_state = 99;
	setup_pfa(8 << 20);
	n = add_range(0x3000, (8 << 20) - 0x5000);
	take_snapshot();
	for (int op = 0; op < OPS; op++) {
		if (nlive && rnd() % 100 < 35) {
			size_t i = rnd() % nlive;
			free_checked(live[i].pa, live[i].order);
			live[i] = live[--nlive];
		} else {
			unsigned order = rnd() % 6;
			paddr_t pa = alloc_checked(order);
			if (pa) {
				live[nlive].pa = pa;
				live[nlive++].order = order;
			}
		}
		if (op % 500 == 0)
			check_invariants();
	}
	while (nlive) {
		free_checked(live[nlive - 1].pa, live[nlive - 1].order);
		nlive--;
	}
	check_invariants();
	assert_int_equal(pfa_free_pages(), n);
	assert_snapshot();
	free(live);
}

static void test_bad_frees(void **state)
{
	setup_pfa(64 << 20);
	add_range(1 << 20, 32 << 20);
	add_range(40 << 20, 64 << 20);
	paddr_t a = alloc_checked(2), b = alloc_checked(0);
	size_t free_before = pfa_free_pages();

	EXPECT_PANIC(pfa_free(a, 1), "allocated with order 2");
	EXPECT_PANIC(pfa_free(a, 3), "allocated with order 2");
	EXPECT_PANIC(pfa_free(a + PAGE_SIZE, 0), "not the start");
	EXPECT_PANIC(pfa_free(a + 8, 2), "not page aligned");
	EXPECT_PANIC(pfa_free(a, PFA_MAX_ORDER + 1), "order above");
	EXPECT_PANIC(pfa_free(36 << 20, 0), "not managed RAM");          /* the hole */
	EXPECT_PANIC(pfa_free(0x1000, 0), "not managed RAM");            /* below RAM */
	EXPECT_PANIC(pfa_free(128 << 20, 0), "not managed RAM");         /* above max_addr */
	EXPECT_PANIC(pfa_free(0xfffffffffffff000UL, 0), "not managed RAM");
	assert_int_equal(pfa_free_pages(), free_before); /* nothing changed */
	free_checked(a, 2);
	EXPECT_PANIC(pfa_free(a, 2), "double free");
	free_checked(b, 0);
	EXPECT_PANIC(pfa_free(b, 0), "0x"); /* message names the address */
	char want[32];
	snprintf(want, sizeof(want), "0x%lx", (unsigned long)b);
	assert_non_null(strstr(host_panic_msg, want));
	EXPECT_PANIC(pfa_add_range(2 << 20, 3 << 20), "added before");
	check_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_holes),
		cmocka_unit_test(test_storm),
		cmocka_unit_test(test_storm_pressure),
		cmocka_unit_test(test_bad_frees),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	free(meta);
	free(shadow_ram);
	free(shadow_used);
	return ret;
}
