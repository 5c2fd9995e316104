/*
 * test_area.c - host tests of the area set (mm/area.c), the interval
 * structure under vmarea.c and uvm.c.
 *
 * Randomized: long runs of random operations (insert, remove, protect,
 * grow, clone elsewhere as mremap does, gap finding both ways with
 * alignment, lookups, coverage) on two sets, one that takes nodes only
 * from spares (vmarea.c's, under vma_lock) and one that allocates on
 * demand (uvm.c's), each checked after every step against a reference
 * model: a page map holding each page's area id, prot and flags. Every
 * run of pages with one id must be exactly one area of the set, in order,
 * with the list's links consistent. For the spares-only set the pool gets
 * exactly the spares the model says the operation needs, and any
 * allocation during the operation fails the test (as kmalloc under
 * vma_lock would panic); all of them must have been used.
 * Payload: every node holds a reference counted through ops->copy and
 * ops->release, which must balance, and a tag the copies must keep; nodes
 * come from the allocator filled with garbage, so a field area.c leaves
 * unset shows; ASan checks the frees.
 * Edge cases by hand: adjacent areas, exact fits, alignment, the ends of
 * the window and of the address space, overlapping inserts and a
 * miscounted pool (panics), allocation failure (-ENOMEM, nothing changed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "mm/area.h"

/* ---- nodes, hooks ---- */

struct tnode {
	struct area a;
	long *ref; /* the payload: a counted reference, like uvm.c's file */
	int tag;
};

static long refs;            /* references held by nodes */
static long live;            /* nodes allocated and not freed */
static bool forbid;          /* "under the lock": allocating fails the test */
static long fail_after = -1; /* allocations left before they fail (-1: never) */

static void *t_alloc(size_t size)
{
	if (forbid)
		fail_msg("area.c allocated inside an operation of a spares-only set");
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	void *p = malloc(size);
	assert_non_null(p);
	memset(p, 0xa5, size); /* not zeroed: catch what area.c leaves unset */
	live++;
	return p;
}

static void t_free(void *p)
{
	assert_non_null(p);
	live--;
	free(p);
}

static void t_copy(struct area *dst, const struct area *src)
{
	struct tnode *d = (struct tnode *)dst;
	const struct tnode *s = (const struct tnode *)src;
	d->ref = s->ref;
	d->tag = s->tag;
	if (d->ref)
		(*d->ref)++;
}

static void t_release(struct area *a)
{
	struct tnode *n = (struct tnode *)a;
	if (n->ref)
		(*n->ref)--;
}

static const struct area_ops spares_ops = {
	.size = sizeof(struct tnode), .alloc = t_alloc, .free = t_free, .copy = t_copy,
	.release = t_release, .spares_only = true,
};
static const struct area_ops demand_ops = {
	.size = sizeof(struct tnode), .alloc = t_alloc, .free = t_free, .copy = t_copy,
	.release = t_release, .spares_only = false,
};

static int setup(void **state)
{
	refs = live = 0;
	forbid = false;
	fail_after = -1;
	return 0;
}

/* ---- the reference model: a page map ---- */

#define PG 4096UL
#define NP 96                 /* pages in the model */
#define BASE 0x7f0000000000UL /* address of page 0 */
#define VA(p) (BASE + (uintptr_t)(p) * PG)
#define PN(va) ((long)(((va) - BASE) / PG))

static struct area_set set;
static int seg[NP]; /* area id; 0 = free */
static uint64_t mprot[NP];
static unsigned mflags[NP];
static int next_id;
static unsigned rng_state;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static void model_reset(const struct area_ops *ops)
{
	area_set_init(&set, ops);
	memset(seg, 0, sizeof(seg));
	memset(mprot, 0, sizeof(mprot));
	memset(mflags, 0, sizeof(mflags));
	next_id = 1;
}

static int nareas(void)
{
	int n = 0;
	struct area *a;
	area_for_each(a, &set)
		n++;
	return n;
}

/* The set is sorted and linked both ways, and its areas are exactly the model's runs. */
static void check(void)
{
	struct area *a, *prev = NULL;
	int runs = 0;
	for (int p = 0; p < NP; p++)
		if (seg[p] && (p == 0 || seg[p - 1] != seg[p]))
			runs++;
	area_for_each(a, &set) {
		assert_ptr_equal(a->prev, prev);
		assert_true(a->start < a->end);
		assert_true(!prev || prev->end <= a->start);
		assert_true(a->start >= BASE && a->end <= VA(NP));
		assert_true(a->start % PG == 0 && a->end % PG == 0);
		long s = PN(a->start), e = PN(a->end);
		int id = seg[s];
		if (!id)
			fail_msg("area [%ld, %ld) over free pages", s, e);
		for (long p = s; p < e; p++) {
			if (seg[p] != id || mprot[p] != a->prot || mflags[p] != a->flags)
				fail_msg("area [%ld, %ld) disagrees with the model at page %ld", s, e,
					 p);
		}
		if ((s > 0 && seg[s - 1] == id) || (e < NP && seg[e] == id))
			fail_msg("area [%ld, %ld) is part of a longer run in the model", s, e);
		/* the payload, copied on splits */
		assert_ptr_equal(((struct tnode *)a)->ref, &refs);
		assert_int_equal(((struct tnode *)a)->tag, 42);
		prev = a;
	}
	assert_ptr_equal(set.last, prev);
	assert_int_equal(nareas(), runs);
	assert_int_equal(refs, runs);
}

/* The end of a test: every node freed (the set's and p's, if any), every reference dropped. */
static void finish(struct area_pool *p)
{
	area_set_clear(&set);
	if (p)
		area_pool_release(&set, p);
	assert_int_equal(live, 0);
	assert_int_equal(refs, 0);
}

static bool model_free(long s, long e)
{
	for (long p = s; p < e; p++)
		if (seg[p])
			return false;
	return true;
}

static void model_fill(long s, long e, int id, uint64_t prot, unsigned flags)
{
	for (long p = s; p < e; p++) {
		seg[p] = id;
		mprot[p] = prot;
		mflags[p] = flags;
	}
}

/* Give the run of pages from page p on (one area) an id of its own: a split made it a node. */
static void rename_run(long p)
{
	int old = seg[p], id = next_id++;
	for (long q = p; q < NP && seg[q] == old; q++)
		seg[q] = id;
}

/* A pool for one operation: exactly n spares for the spares-only set, none for the other. */
static void pool_for(struct area_pool *p, int n)
{
	*p = (struct area_pool)AREA_POOL_INIT;
	if (set.ops->spares_only)
		assert_true(area_pool_fill(&set, p, n));
	forbid = set.ops->spares_only;
}

static void pool_done(struct area_pool *p)
{
	forbid = false;
	if (set.ops->spares_only)
		assert_int_equal(p->n, 0); /* every spare the model asked for was needed */
	area_pool_release(&set, p);
}

/* ---- operations, each on the set and the model ---- */

static struct area *do_insert(long s, long e, uint64_t prot, unsigned flags)
{
	struct area_pool p;
	pool_for(&p, 1);
	struct area *a = area_new(&set, &p, VA(s), VA(e));
	assert_non_null(a);
	a->prot = prot;
	a->flags = flags;
	((struct tnode *)a)->ref = &refs;
	((struct tnode *)a)->tag = 42;
	refs++;
	area_insert(&set, a);
	pool_done(&p);
	model_fill(s, e, next_id++, prot, flags);
	return a;
}

static long cut_calls;
static uintptr_t cut_lo, cut_hi;

static void on_cut(struct area *a, uintptr_t cs, uintptr_t ce, void *ctx)
{
	assert_ptr_equal(ctx, &cut_calls);
	assert_true(cs < ce && cs >= a->start && ce <= a->end);
	assert_true(cs >= cut_lo && ce <= cut_hi);
	cut_calls++;
}

static void do_remove(long s, long e)
{
	/* A spare is needed when one area spans past both ends. */
	bool split = s > 0 && e < NP && seg[s - 1] && seg[s - 1] == seg[e];
	for (long q = s; split && q < e; q++)
		split = seg[q] == seg[s - 1];
	long pieces = 0;
	for (long q = s; q < e; q++)
		if (seg[q] && (q == s || seg[q - 1] != seg[q]))
			pieces++;
	struct area_pool p;
	pool_for(&p, split);
	cut_calls = 0;
	cut_lo = VA(s);
	cut_hi = VA(e);
	assert_int_equal(area_remove(&set, VA(s), VA(e), &p, on_cut, &cut_calls), 0);
	pool_done(&p);
	assert_int_equal(cut_calls, pieces);
	model_fill(s, e, 0, 0, 0);
	if (split) /* the tail of an area cut in two is a node of its own */
		rename_run(e);
}

static long change_calls;

static void on_change(struct area *a, void *ctx)
{
	uint64_t *want = ctx;
	assert_int_equal(a->prot, *want);
	change_calls++;
}

/* how: 0 (the areas below a hole change) or AREA_WHOLE (nothing changes if there is one). */
static void do_protect(long s, long e, uint64_t prot, unsigned how)
{
	long hole = e;
	for (long q = s; q < e; q++)
		if (!seg[q]) {
			hole = q;
			break;
		}
	if ((how & AREA_WHOLE) && hole < e) {
		struct area_pool p;
		pool_for(&p, 0);
		change_calls = 0;
		assert_int_equal(area_protect(&set, VA(s), VA(e), prot, how, &p, on_change, &prot),
				 -ENOMEM);
		pool_done(&p);
		assert_int_equal(change_calls, 0);
		return;
	}
	bool head = hole > s && s > 0 && seg[s - 1] && seg[s - 1] == seg[s];
	bool tail = hole == e && e < NP && seg[e] && seg[e] == seg[e - 1];
	long pieces = 0;
	for (long q = s; q < hole; q++)
		if (q == s || seg[q - 1] != seg[q])
			pieces++;
	struct area_pool p;
	pool_for(&p, head + tail);
	change_calls = 0;
	int r = area_protect(&set, VA(s), VA(e), prot, how, &p, on_change, &prot);
	pool_done(&p);
	assert_int_equal(r, hole < e ? -ENOMEM : 0);
	assert_int_equal(change_calls, pieces);
	/* Pages [s, hole) change; every area piece there is a node of its own. */
	if (tail) /* the rest of the last area, past e: a node of its own */
		rename_run(e);
	int old = 0, id = 0;
	for (long q = s; q < hole; q++) {
		if (seg[q] != old) {
			old = seg[q];
			id = next_id++;
		}
		seg[q] = id;
		mprot[q] = prot;
	}
}

/* The model's answer to area_gap (pages; align in pages). */
static bool model_gap(long lo, long hi, long len, long align, bool down, long *at)
{
	if (down) {
		for (long x = hi - len; x >= lo; x--)
			if (x % align == 0 && model_free(x, x + len)) {
				*at = x;
				return true;
			}
	} else {
		for (long x = lo; x + len <= hi; x++)
			if (x % align == 0 && model_free(x, x + len)) {
				*at = x;
				return true;
			}
	}
	return false;
}

static void try_gap(long lo, long hi, long len, long align, bool down)
{
	long want;
	uintptr_t got = 0;
	bool m = model_gap(lo, hi, len, align, down, &want);
	/* BASE is aligned to any alignment used here, so page alignment is address alignment. */
	bool r = area_gap(&set, VA(lo), VA(hi), len * PG, align * PG, down ? AREA_TOP_DOWN : 0,
			  &got);
	if (r != m || (r && got != VA(want)))
		fail_msg("gap of %ld pages (align %ld, %s) in [%ld, %ld): "
			 "area.c %s %ld, model %s %ld", len, align, down ? "down" : "up", lo, hi, r ? "found" : "none",
			 r ? PN(got) : -1L, m ? "found" : "none", m ? want : -1L);
}

static void try_lookups(void)
{
	long q = rnd(NP + 1);
	long s = rnd(NP), e = s + 1 + rnd(NP - s);
	struct area *a = q < NP ? area_find(&set, VA(q)) : area_find(&set, VA(NP));
	if (q < NP && seg[q]) {
		assert_non_null(a);
		assert_true(a->start <= VA(q) && VA(q) < a->end);
	} else {
		assert_null(a);
	}
	a = area_first_in(&set, VA(s), VA(e));
	long first = -1;
	for (long x = s; x < e; x++)
		if (seg[x]) {
			first = x;
			break;
		}
	if (first < 0) {
		assert_null(a);
	} else {
		assert_non_null(a);
		assert_true(a->start <= VA(first) && VA(first) < a->end);
	}
	long runs = 0, n = 0; /* the areas overlapping [s, e), one per run of pages */
	for (long x = s; x < e; x++)
		if (seg[x] && (x == s || seg[x - 1] != seg[x]))
			runs++;
	area_for_each_in(a, &set, VA(s), VA(e)) {
		assert_true(a->end > VA(s));
		n++;
	}
	assert_int_equal(n, runs);
	uint64_t need = rnd(4);
	unsigned nof = rnd(4);
	bool m = true;
	for (long x = s; x < e; x++)
		if (!seg[x] || (mprot[x] & need) != need || (mflags[x] & nof))
			m = false;
	assert_int_equal(area_covers(&set, VA(s), VA(e), need, nof), m);
	assert_true(area_covers(&set, VA(s), VA(s), need, nof));
}

/* ---- randomized ---- */

static const uint64_t prots[] = { 0, 1, 3, 5, 7 };

static struct area *random_area(void)
{
	int n = nareas();
	if (!n)
		return NULL;
	int k = rnd(n);
	struct area *a;
	area_for_each(a, &set)
		if (!k--)
			return a;
	return NULL;
}

static void random_step(void)
{
	long s = rnd(NP), e = s + 1 + rnd(MIN(NP - s, 24));
	switch (rnd(9)) {
	case 0:
	case 1:
		if (model_free(s, e))
			do_insert(s, e, prots[rnd(5)], rnd(4));
		break;
	case 2:
		do_remove(s, e);
		break;
	case 3:
		do_protect(s, e, prots[rnd(5)], rnd(2) ? AREA_WHOLE : 0);
		break;
	case 4: { /* grow an area in place */
		struct area *a = random_area();
		if (!a)
			break;
		long ae = PN(a->end), ne = ae + rnd(MIN(NP - ae, 8) + 1);
		bool ok = model_free(ae, ne);
		assert_int_equal(area_grow(&set, a, VA(ne)), ok);
		if (ok)
			model_fill(ae, ne, seg[PN(a->start)], a->prot, a->flags);
		break;
	}
	case 5: { /* clone an area elsewhere, then remove the old one: a moving mremap */
		struct area *a = random_area();
		long at;
		if (!a)
			break;
		long as = PN(a->start), len = PN(a->end) - as;
		if (!model_gap(0, NP, len, 1, rnd(2), &at))
			break;
		struct area_pool p;
		pool_for(&p, 1);
		struct area *c = area_clone(&set, &p, a, VA(at), VA(at + len));
		assert_non_null(c);
		area_insert(&set, c);
		pool_done(&p);
		model_fill(at, at + len, next_id++, a->prot, a->flags);
		do_remove(as, as + len);
		break;
	}
	case 6: {
		long lo = rnd(NP), hi = lo + 1 + rnd(NP - lo);
		try_gap(lo, hi, 1 + rnd(hi - lo + 1), 1L << rnd(4), rnd(2));
		break;
	}
	default:
		try_lookups();
	}
	check();
}

static void random_run(const struct area_ops *ops, unsigned seed, int steps)
{
	rng_state = seed;
	model_reset(ops);
	for (int i = 0; i < steps; i++)
		random_step();
	finish(NULL);
}

static void test_random_spares_only(void **state)
{
	for (unsigned seed = 1; seed <= 8; seed++)
		random_run(&spares_ops, seed, 5000);
}

static void test_random_on_demand(void **state)
{
	for (unsigned seed = 101; seed <= 108; seed++)
		random_run(&demand_ops, seed, 5000);
}

/* ---- edge cases ---- */

static void test_adjacent(void **state)
{
	model_reset(&spares_ops);
	do_insert(2, 4, 1, 0);
	do_insert(4, 6, 3, 0); /* touching from above */
	do_insert(0, 2, 5, 1); /* touching from below, at the window's start */
	check();
	assert_int_equal(area_find(&set, VA(4))->start, VA(4));
	assert_int_equal(area_find(&set, VA(4) - 1)->start, VA(2));
	assert_null(area_find(&set, VA(6)));
	assert_int_equal(area_first_in(&set, VA(4), VA(5))->start, VA(4));
	assert_null(area_first_in(&set, VA(6), VA(9)));
	assert_true(area_covers(&set, VA(0), VA(6), 1, 0));
	assert_false(area_covers(&set, VA(0), VA(6), 3, 0)); /* [2, 4) lacks bit 2 */
	assert_false(area_covers(&set, VA(0), VA(6), 1, 1)); /* [0, 2) has flag 1 */
	assert_false(area_covers(&set, VA(0), VA(7), 0, 0)); /* page 6 is free */
	/* A remove that spans three whole areas and more frees them all. */
	do_remove(0, 10);
	check();
	assert_int_equal(nareas(), 0);
	finish(NULL);
}

static void test_overlap_panics(void **state)
{
	model_reset(&demand_ops);
	do_insert(4, 8, 1, 0);
	struct area_pool p = AREA_POOL_INIT;
	struct area *a = area_new(&set, &p, VA(7), VA(9));
	((struct tnode *)a)->ref = NULL;
	EXPECT_PANIC(area_insert(&set, a), "overlaps");
	a->start = VA(3);
	a->end = VA(5);
	EXPECT_PANIC(area_insert(&set, a), "overlaps");
	a->start = VA(4); /* the same start */
	a->end = VA(5);
	EXPECT_PANIC(area_insert(&set, a), "overlaps");
	a->start = a->end = VA(9);
	EXPECT_PANIC(area_insert(&set, a), "empty");
	/* More areas: overlaps found walking from either end of the list. */
	do_insert(0, 1, 1, 0);
	do_insert(1, 2, 1, 0);
	do_insert(40, 41, 1, 0);
	do_insert(50, 51, 1, 0);
	do_insert(60, 61, 1, 0);
	a->start = VA(1);
	a->end = VA(2);
	EXPECT_PANIC(area_insert(&set, a), "overlaps");
	a->start = VA(59);
	a->end = VA(61);
	EXPECT_PANIC(area_insert(&set, a), "overlaps");
	a->start = VA(50);
	a->end = VA(51);
	EXPECT_PANIC(area_insert(&set, a), "overlaps");
	area_discard(&p, a);
	check();
	finish(&p);
}

static void test_gaps(void **state)
{
	model_reset(&spares_ops);
	do_insert(0, 2, 1, 0);
	do_insert(5, 8, 1, 0);
	uintptr_t at;
	/* An exact fit between two areas, both ways. */
	try_gap(0, 10, 3, 1, false);
	try_gap(0, 8, 3, 1, true);
	assert_true(area_gap(&set, VA(0), VA(8), 3 * PG, PG, AREA_TOP_DOWN, &at));
	assert_int_equal(at, VA(2));
	assert_false(area_gap(&set, VA(0), VA(8), 4 * PG, PG, 0, &at));
	/* The end of the window: the highest fit ends exactly there. */
	assert_true(area_gap(&set, VA(0), VA(10), 2 * PG, PG, AREA_TOP_DOWN, &at));
	assert_int_equal(at, VA(8));
	assert_true(area_gap(&set, VA(0), VA(10), 2 * PG, PG, 0, &at));
	assert_int_equal(at, VA(2));
	/* A window starting inside an area, ending inside another. */
	try_gap(1, 6, 3, 1, false);
	try_gap(1, 6, 3, 1, true);
	try_gap(1, 6, 4, 1, true);
	/* Alignment: 4 pages. */
	for (long al = 1; al <= 8; al *= 2)
		for (long len = 1; len <= 6; len++) {
			try_gap(0, 24, len, al, false);
			try_gap(0, 24, len, al, true);
			try_gap(3, 21, len, al, false);
			try_gap(3, 21, len, al, true);
		}
	/* Nothing fits: len 0, a window smaller than len, an empty window. */
	assert_false(area_gap(&set, VA(10), VA(20), 0, PG, 0, &at));
	assert_false(area_gap(&set, VA(10), VA(12), 3 * PG, PG, 0, &at));
	assert_false(area_gap(&set, VA(12), VA(12), PG, PG, AREA_TOP_DOWN, &at));
	/* An empty set. */
	area_set_clear(&set);
	model_reset(&spares_ops);
	try_gap(0, NP, NP, 1, false);
	try_gap(0, NP, NP, 1, true);
	try_gap(0, NP, NP + 1, 1, true);
	finish(NULL);
}

/* Windows at the very ends of the address space: address 0 fits, no wrap-around at the top. */
static void test_gaps_ends_of_address_space(void **state)
{
	const uintptr_t top = ~(PG - 1); /* the last page */
	struct area_set s;
	struct area_pool p = AREA_POOL_INIT;
	uintptr_t at = 1;
	area_set_init(&s, &demand_ops);
	assert_true(area_gap(&s, 0, 4 * PG, 4 * PG, PG, 0, &at));
	assert_int_equal(at, 0);
	assert_true(area_gap(&s, 0, 4 * PG, 4 * PG, PG, AREA_TOP_DOWN, &at));
	assert_int_equal(at, 0);
	assert_true(area_gap(&s, top - 4 * PG, top, 4 * PG, PG, 0, &at));
	assert_int_equal(at, top - 4 * PG);
	assert_true(area_gap(&s, top - 4 * PG, top, 4 * PG, PG, AREA_TOP_DOWN, &at));
	assert_int_equal(at, top - 4 * PG);
	assert_false(area_gap(&s, top - 4 * PG, top, 5 * PG, PG, 0, &at));
	/* Aligning the window's start up past the end of the address space. */
	assert_false(area_gap(&s, top + 1, UINTPTR_MAX, 1, 1UL << 20, 0, &at));
	struct area *a = area_new(&s, &p, top - 2 * PG, top);
	((struct tnode *)a)->ref = NULL;
	area_insert(&s, a);
	assert_false(area_gap(&s, top - 4 * PG, top, 3 * PG, PG, 0, &at));
	assert_true(area_gap(&s, top - 4 * PG, top, 2 * PG, PG, 0, &at));
	assert_int_equal(at, top - 4 * PG);
	assert_true(area_gap(&s, top - 4 * PG, top, 2 * PG, PG, AREA_TOP_DOWN, &at));
	assert_int_equal(at, top - 4 * PG);
	/* Past the last area: less than len left, or aligning up wraps. */
	assert_false(area_gap(&s, top - 2 * PG, UINTPTR_MAX, PG, PG, 0, &at));
	assert_false(area_gap(&s, top - 2 * PG, UINTPTR_MAX, PG, 2 * PG, 0, &at));
	assert_true(area_gap(&s, top - 4 * PG, UINTPTR_MAX, PG, PG, AREA_TOP_DOWN, &at));
	assert_int_equal(at, top - 3 * PG);
	assert_true(area_grow(&s, a, UINTPTR_MAX)); /* an area up to the end */
	assert_false(area_gap(&s, top - 2 * PG, UINTPTR_MAX, PG, PG, 0, &at));
	area_set_clear(&s);
	area_pool_release(&s, &p);
	assert_int_equal(live, 0);
}

static void test_remove_splits(void **state)
{
	model_reset(&spares_ops);
	do_insert(10, 20, 3, 2);
	do_remove(12, 14); /* a hole: one spare */
	check();
	assert_int_equal(nareas(), 2);
	do_remove(10, 11); /* the head */
	do_remove(19, 20); /* the tail */
	check();
	do_remove(11, 12); /* a whole area, exactly */
	check();
	assert_int_equal(nareas(), 1);
	do_remove(0, NP); /* everything, holes around */
	check();
	assert_int_equal(nareas(), 0);
	/* Miscounted: a hole without a spare is a panic that says so. */
	do_insert(10, 20, 3, 2);
	struct area_pool p = AREA_POOL_INIT;
	EXPECT_PANIC(area_remove(&set, VA(12), VA(14), &p, NULL, NULL), "no spare");
	finish(&p);
}

static void test_protect_splits(void **state)
{
	model_reset(&spares_ops);
	do_insert(10, 20, 3, 0);
	do_insert(20, 30, 3, 0);
	do_protect(10, 30, 1, 0); /* exact boundaries: no spares */
	check();
	do_protect(14, 16, 0, AREA_WHOLE); /* inside one area: a head and a tail */
	check();
	assert_int_equal(nareas(), 4);
	do_protect(12, 25, 7, 0); /* across areas: a head in [10, 14), a tail in [20, 30) */
	check();
	do_protect(5, 12, 5, 0); /* a hole at the start: nothing changes */
	check();
	do_protect(25, 40, 5, AREA_WHOLE); /* a hole after [25, 30): nothing changes */
	check();
	do_protect(25, 40, 5, 0); /* the same without AREA_WHOLE: those change, -ENOMEM */
	check();
	/* Miscounted: a middle protect with one spare panics at the second split. */
	struct area_pool p = AREA_POOL_INIT;
	assert_true(area_pool_fill(&set, &p, 1));
	EXPECT_PANIC(area_protect(&set, VA(17), VA(18), 1, 0, &p, NULL, NULL), "no spare");
	finish(&p);
}

/* On-demand set, allocator failing: -ENOMEM and the areas unchanged. */
static void test_alloc_failure(void **state)
{
	model_reset(&demand_ops);
	do_insert(10, 20, 3, 0);
	struct area_pool p = AREA_POOL_INIT;
	fail_after = 0;
	cut_calls = 0;
	cut_lo = VA(0);
	cut_hi = VA(NP);
	assert_int_equal(area_remove(&set, VA(12), VA(14), &p, on_cut, &cut_calls), -ENOMEM);
	assert_int_equal(cut_calls, 0); /* nothing was unmapped */
	assert_int_equal(area_protect(&set, VA(12), VA(14), 1, 0, &p, NULL, NULL), -ENOMEM);
	assert_int_equal(area_protect(&set, VA(10), VA(14), 1, AREA_WHOLE, &p, NULL, NULL),
			 -ENOMEM);
	assert_null(area_new(&set, &p, VA(30), VA(31)));
	assert_false(area_pool_fill(&set, &p, 1));
	area_pool_release(&set, &p);
	check();
	/* The same remove needs no node when it takes whole areas. */
	do_remove(10, 20);
	check();
	fail_after = -1;
	finish(NULL);
}

static void test_grow(void **state)
{
	model_reset(&spares_ops);
	struct area *a = do_insert(10, 12, 1, 0);
	do_insert(16, 18, 1, 0);
	assert_false(area_grow(&set, a, VA(17))); /* into the next area */
	assert_false(area_grow(&set, a, VA(11))); /* growing does not shrink */
	assert_true(area_grow(&set, a, VA(16)));  /* up to it exactly */
	model_fill(12, 16, seg[10], 1, 0);
	check();
	struct area *last = area_last(&set);
	assert_true(area_grow(&set, last, VA(NP))); /* the last area, up to anything */
	model_fill(18, NP, seg[16], 1, 0);
	check();
	finish(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_adjacent, setup),
		cmocka_unit_test_setup(test_overlap_panics, setup),
		cmocka_unit_test_setup(test_gaps, setup),
		cmocka_unit_test_setup(test_gaps_ends_of_address_space, setup),
		cmocka_unit_test_setup(test_remove_splits, setup),
		cmocka_unit_test_setup(test_protect_splits, setup),
		cmocka_unit_test_setup(test_alloc_failure, setup),
		cmocka_unit_test_setup(test_grow, setup),
		cmocka_unit_test_setup(test_random_spares_only, setup),
		cmocka_unit_test_setup(test_random_on_demand, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
