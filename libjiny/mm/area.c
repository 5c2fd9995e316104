/*
 * area.c - a set of address areas (contract: area.h): a doubly linked list
 * of disjoint [start, end) nodes in address order, with the operations
 * both owners need: lookup, gap finding, insert, remove and protect with
 * splitting, growing in place (mremap, brk). vmarea.c (the HP app's kernel
 * virtual areas) and uvm.c (each compat process's address space) call it
 * under their own lock; it never takes one. Nodes come from the caller's
 * area_pool or, for a set that may allocate under its lock, from
 * ops->alloc; unlinked nodes wait in the pool until the caller drops its
 * lock and calls area_pool_release. Pure logic, also built on the host for
 * tests/host/test_area.c.
 */
#include "mm/area.h"
#include "kern/errno.h"

void area_set_init(struct area_set *set, const struct area_ops *ops)
{
	*set = (struct area_set){ .first = NULL, .last = NULL, .ops = ops };
}

static void node_free(struct area_set *set, struct area *a)
{
	if (set->ops->release)
		set->ops->release(a);
	set->ops->free(a);
}

void area_set_clear(struct area_set *set)
{
	for (struct area *a = set->first, *n; a; a = n) {
		n = a->next;
		node_free(set, a);
	}
	set->first = set->last = NULL;
}

void area_pool_free(struct area_set *set, struct area_pool *p)
{
	while (p->n)
		set->ops->free(p->spare[--p->n]); /* never used: nothing to release */
	while (p->gone) {
		struct area *a = p->gone;
		p->gone = a->next;
		node_free(set, a);
	}
}

/* A node: a spare, else (if the set may allocate here) a new one. */
static struct area *take(struct area_set *set, struct area_pool *p)
{
	if (p->n)
		return p->spare[--p->n];
	if (set->ops->spares_only)
		panic("area: a split found no spare node under a lock that forbids allocating "
		      "(the caller filled its area_pool with too few)");
	return set->ops->alloc(set->ops->size);
}

struct area *area_new(struct area_set *set, struct area_pool *p, uintptr_t s, uintptr_t e)
{
	struct area *a = take(set, p);
	if (a)
		*a = (struct area){ .start = s, .end = e };
	return a;
}

static inline struct area *clone(struct area_set *set, struct area_pool *p,
				 const struct area *src, uintptr_t s, uintptr_t e)
{
	struct area *a = take(set, p);
	if (a) {
		*a = (struct area){ .start = s, .end = e, .prot = src->prot, .flags = src->flags };
		if (set->ops->copy)
			set->ops->copy(a, src);
	}
	return a;
}

struct area *area_clone(struct area_set *set, struct area_pool *p, const struct area *src,
			uintptr_t s, uintptr_t e)
{
	return clone(set, p, src, s, e);
}

void area_discard(struct area_pool *p, struct area *a)
{
	a->next = p->gone;
	p->gone = a;
}

/* ---- gaps (lookups are inline in area.h) ---- */

/* The lowest fit: past every area in the way, from the bottom of the window. */
static bool gap_up(const struct area_set *set, uintptr_t lo, uintptr_t hi, size_t len,
		   size_t align, uintptr_t *at)
{
	uintptr_t last = hi - len; /* the highest start that fits (hi - lo >= len) */
	uintptr_t x = ALIGN_UP(lo, align);
	if (x < lo || x > last)
		return false;
	for (struct area *a = set->first; a; a = a->next) {
		if (a->end <= x)
			continue;
		if (a->start >= x + len) /* x <= last: no wrap */
			break;
		x = ALIGN_UP(a->end, align);
		if (x - 1 >= last) /* past last, or wrapped to 0 (a->end is above 0) */
			return false;
	}
	*at = x;
	return true;
}

/* The highest fit: gaps from the top of the window down. */
static bool gap_down(const struct area_set *set, uintptr_t lo, uintptr_t hi, size_t len,
		     size_t align, uintptr_t *at)
{
	uintptr_t top = hi; /* the current gap is [MAX(a->end, lo), top) */
	for (struct area *a = set->last;; a = a->prev) {
		if (a && a->end >= top) { /* at or above the gap's top */
			top = MIN(top, a->start);
			if (top <= lo)
				return false;
			continue;
		}
		uintptr_t bot = a ? MAX(a->end, lo) : lo;
		if (top - bot >= len) {
			uintptr_t x = ALIGN_DOWN(top - len, align);
			if (x >= bot) {
				*at = x;
				return true;
			}
		}
		if (!a || a->start <= lo)
			return false;
		top = a->start;
	}
}

bool area_gap(const struct area_set *set, uintptr_t lo, uintptr_t hi, size_t len, size_t align,
	      unsigned how, uintptr_t *at)
{
	if (!len || lo >= hi || hi - lo < len)
		return false;
	return how & AREA_TOP_DOWN ? gap_down(set, lo, hi, len, align, at)
				   : gap_up(set, lo, hi, len, align, at);
}

/* ---- changes ---- */

static void link_after(struct area_set *set, struct area *prev, struct area *a)
{
	a->prev = prev;
	a->next = prev ? prev->next : set->first;
	if (a->next)
		a->next->prev = a;
	else
		set->last = a;
	if (prev)
		prev->next = a;
	else
		set->first = a;
}

static void unlink(struct area_set *set, struct area *a)
{
	if (a->prev)
		a->prev->next = a->next;
	else
		set->first = a->next;
	if (a->next)
		a->next->prev = a->prev;
	else
		set->last = a->prev;
}

/*
 * The list is walked from both ends at once, so an insert costs the
 * distance to the nearer end: short both for vmarea.c, whose first fit
 * packs areas at the bottom, and for uvm.c, whose mmap areas grow down
 * from the top (and for appends: fork's copy, brk).
 */
void area_insert(struct area_set *set, struct area *a)
{
	struct area *prev, *lo = set->first, *hi = set->last;
	for (;;) { /* prev: the last area starting below a (equal starts: the check below) */
		if (!hi || hi->start <= a->start) {
			prev = hi;
			break;
		}
		if (lo->start >= a->start) {
			prev = lo->prev;
			break;
		}
		hi = hi->prev;
		lo = lo->next;
	}
	struct area *next = prev ? prev->next : set->first;
	if (a->start >= a->end || (prev && prev->end > a->start) || (next && next->start < a->end))
		panic("area: [%#lx, %#lx) is empty or overlaps an area", a->start, a->end);
	link_after(set, prev, a);
}

bool area_grow(struct area_set *set, struct area *a, uintptr_t new_end)
{
	if (new_end < a->end || (a->next && a->next->start < new_end))
		return false;
	a->end = new_end;
	return true;
}

/* Split a at x (inside it): a keeps [start, x), a copy holds [x, end). NULL: no node. */
static struct area *split(struct area_set *set, struct area_pool *p, struct area *a, uintptr_t x)
{
	struct area *t = clone(set, p, a, x, a->end);
	if (t) {
		a->end = x;
		link_after(set, a, t);
	}
	return t;
}

int area_remove(struct area_set *set, uintptr_t s, uintptr_t e, struct area_pool *p,
		area_cut_fn cut, void *ctx)
{
	struct area *a = area_first_in(set, s, e);
	while (a && a->start < e) {
		struct area *next = a->next;
		uintptr_t cs = MAX(s, a->start), ce = MIN(e, a->end);
		if (cs > a->start && ce < a->end) { /* a hole inside a: the last area touched */
			if (!split(set, p, a, ce))
				return -ENOMEM;
			if (cut)
				cut(a, cs, ce, ctx);
			a->end = cs;
			return 0;
		}
		if (cut)
			cut(a, cs, ce, ctx);
		if (cs > a->start) {
			a->end = cs;
		} else if (ce < a->end) {
			a->start = ce;
		} else {
			unlink(set, a);
			area_discard(p, a);
		}
		a = next;
	}
	return 0;
}

int area_protect(struct area_set *set, uintptr_t s, uintptr_t e, uint64_t prot, unsigned how,
		 struct area_pool *p, area_change_fn change, void *ctx)
{
	if (s >= e)
		return 0;
	struct area *first = area_first_in(set, s, e);
	uintptr_t covered = s;
	if (how & AREA_WHOLE) {
		for (struct area *a = first; a && a->start <= covered && covered < e; a = a->next)
			covered = a->end;
		if (covered < e)
			return -ENOMEM;
		covered = s;
	}
	for (struct area *a = first; a && a->start < e; a = a->next) {
		if (a->start > covered)
			return -ENOMEM; /* a hole */
		if (a->start < s) { /* split off the head; the loop goes on with the rest */
			if (!split(set, p, a, s))
				return -ENOMEM;
			continue;
		}
		if (a->end > e && !split(set, p, a, e)) /* split off the tail */
			return -ENOMEM;
		a->prot = prot;
		if (change)
			change(a, ctx);
		covered = a->end;
	}
	return covered < e ? -ENOMEM : 0;
}
