/*
 * test_kmalloc.c - host tests of the kernel heap (mm/kmalloc.c) over the
 * shim's page source: storms of many sizes freed in random order with their
 * contents checked, alignment, usable sizes, the bytes-in-use count going
 * back to 0, pages going back to the source, bad frees panicking, and
 * running out of pages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"

#define NCLASSES 8 /* 16 B .. 2 KiB */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct live {
	uint8_t *p;
	size_t size;
	uint8_t tag;
};

static void fill(struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		l->p[i] = (uint8_t)(l->tag + i * 7);
}

static void check(const struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		if (l->p[i] != (uint8_t)(l->tag + i * 7))
			fail_msg("block %p (size %zu) corrupted at byte %zu", l->p, l->size, i);
}

static int setup(void **state)
{
	host_kmalloc_setup();
	return 0;
}

/* Every test must leave the heap empty. */
static int teardown(void **state)
{
	assert_int_equal(kmalloc_bytes_in_use(), 0);
	assert_true(host_pages_outstanding() <= NCLASSES);
	host_pages_release();
	return 0;
}

static size_t random_size(void)
{
	uint64_t r = rnd() % 100;

	if (r < 70)
		return rnd() % 257;
	if (r < 90)
		return rnd() % 2049;
	if (r < 98)
		return rnd() % 20000;
	return rnd() % (1 << 20);
}

static void storm(uint64_t seed, int ops, size_t align)
{
	struct live *live = calloc(ops, sizeof(*live));
	size_t nlive = 0, in_use = 0;

	rng_state = seed;
	for (int op = 0; op < ops; op++) {
		if (nlive && rnd() % 100 < 45) {
			size_t i = rnd() % nlive;
			check(&live[i]);
			in_use -= kmalloc_usable_size(live[i].p);
			kfree(live[i].p);
			live[i] = live[--nlive];
		} else {
			struct live *l = &live[nlive];
			l->size = random_size();
			l->tag = (uint8_t)rnd();
			l->p = align ? kmalloc_aligned(l->size, align) : kmalloc(l->size);
			assert_non_null(l->p);
			assert_int_equal((uintptr_t)l->p % (align ? align : 16), 0);
			size_t usable = kmalloc_usable_size(l->p);
			assert_true(usable >= l->size);
			/* Usable space is really ours: write all of it, then the pattern. */
			memset(l->p, 0xee, usable);
			fill(l);
			in_use += usable;
			nlive++;
		}
		assert_int_equal(kmalloc_bytes_in_use(), in_use);
		if (op % 2000 == 0)
			for (size_t i = 0; i < nlive; i++)
				check(&live[i]);
	}
	/* Free what is left in random order. */
	while (nlive) {
		size_t i = rnd() % nlive;
		check(&live[i]);
		kfree(live[i].p);
		live[i] = live[--nlive];
	}
	assert_int_equal(kmalloc_bytes_in_use(), 0);
	free(live);
}

static void test_storm(void **state)
{
	storm(1, 20000, 0);
	storm(0xdeadbeef, 20000, 0);
}

static void test_storm_aligned(void **state)
{
	for (size_t align = 16; align <= PAGE_SIZE; align <<= 1)
		storm(align * 3 + 1, 3000, align);
}

/* Many objects of one class freed: the empty pages go back but one a class. */
static void test_pages_returned(void **state)
{
	enum { N = 10000 };
	void **v = malloc(N * sizeof(*v));

	for (size_t size = 8; size <= 2048; size *= 2) {
		size_t before = host_pages_outstanding();
		for (int i = 0; i < N; i++)
			assert_non_null(v[i] = kmalloc(size));
		assert_true(host_pages_outstanding() - before >= (N * size) / PAGE_SIZE);
		for (int i = 0; i < N; i += 2)
			kfree(v[i]);
		for (int i = 1; i < N; i += 2)
			kfree(v[i]);
		assert_true(host_pages_outstanding() <= NCLASSES);
	}
	free(v);
}

static void test_sizes(void **state)
{
	static const struct {
		size_t ask, usable;
	} cases[] = {
		{ 0, 16 },     { 1, 16 },     { 16, 16 },     { 17, 32 },   { 100, 128 },
		{ 1000, 1024 }, { 2048, 2048 }, { 2049, 4080 }, { 4080, 4080 }, { 4081, 8176 },
		{ 65536, 131056 }, { (4096 << 10) - 16, (4096 << 10) - 16 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		void *p = kmalloc(cases[i].ask);
		assert_non_null(p);
		assert_int_equal(kmalloc_usable_size(p), cases[i].usable);
		assert_int_equal(kmalloc_bytes_in_use(), cases[i].usable);
		kfree(p);
	}
	/* Beyond the largest page-source block, or absurd: NULL, no crash. */
	assert_null(kmalloc((4096 << 10) - 15));
	assert_null(kmalloc(SIZE_MAX));
	assert_null(kmalloc(SIZE_MAX - 4096));
	assert_null(kmalloc_aligned(64, 3));
	assert_null(kmalloc_aligned(64, 8192));
	assert_null(kmalloc_aligned(SIZE_MAX, 4096));
	/* Page-aligned: from pages, with a page of header before. */
	void *p = kmalloc_aligned(10, 4096);
	assert_int_equal((uintptr_t)p % 4096, 0);
	assert_int_equal(kmalloc_usable_size(p), 4096);
	kfree(p);
	p = kmalloc_aligned(100, 2048);
	assert_int_equal((uintptr_t)p % 2048, 0);
	kfree(p);
	kfree(NULL);
	assert_int_equal(kmalloc_usable_size(NULL), 0);
}

static void test_kzalloc(void **state)
{
	size_t sizes[] = { 24, 700, 2048, 5000, 300000 };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t *p = kmalloc(sizes[i]);
		memset(p, 0xff, kmalloc_usable_size(p));
		kfree(p);
		/* The same slot or block again, now zeroed over all its usable size. */
		p = kzalloc(sizes[i]);
		assert_non_null(p);
		for (size_t j = 0; j < kmalloc_usable_size(p); j++)
			assert_int_equal(p[j], 0);
		kfree(p);
	}
}

static void test_bad_frees(void **state)
{
	uint8_t *a = kmalloc(64), *b = kmalloc(64), *big = kmalloc(10000);
	static uint8_t foreign[3 * PAGE_SIZE] __aligned(PAGE_SIZE);
	char want[32];

	EXPECT_PANIC(kfree(a + 16), "not the start of a kmalloc object");
	EXPECT_PANIC(kfree(a + 1), "misaligned");
	EXPECT_PANIC(kfree(big + 16), "not the start of a kmalloc block");
	EXPECT_PANIC(kfree(foreign + PAGE_SIZE + 64), "not a kmalloc pointer");
	EXPECT_PANIC(kmalloc_usable_size(a + 32), "not the start");
	kfree(a);
	EXPECT_PANIC(kfree(a), "double free");
	snprintf(want, sizeof(want), "%p", (void *)a);
	assert_non_null(strstr(host_panic_msg, want)); /* names the pointer */
	EXPECT_PANIC(kmalloc_usable_size(a), "object is free");
	kfree(big);
	EXPECT_PANIC(kfree(big), "already freed");
	/* The heap still works after all that. */
	kfree(b);
	b = kmalloc(64);
	assert_non_null(b);
	kfree(b);
}

static void test_out_of_pages(void **state)
{
	void *v[600];
	int n = 0;

	host_pages_fail_after(5);
	while (n < 600 && (v[n] = kmalloc(2048)))
		n++;
	/* One 2 KiB object a page; the class may have kept one empty page. */
	assert_true(n == 5 || n == 6);
	assert_null(kmalloc(100000));
	assert_null(kzalloc(16 << 10));
	size_t in_use = kmalloc_bytes_in_use();
	assert_int_equal(in_use, n * 2048);
	while (n)
		kfree(v[--n]);
	host_pages_fail_after(0);
	/* A cached empty slab still serves its class without the page source. */
	void *p = kmalloc(2048);
	assert_non_null(p);
	kfree(p);
	host_pages_fail_after(-1);
}

/* No page source at all: kmalloc says so once and returns NULL. */
static void test_no_source(void **state)
{
	kmalloc_set_page_source(NULL, NULL);
	assert_null(kmalloc(5000));
	host_kmalloc_setup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storm_aligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kzalloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_source, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
