/*
 * area.h - a set of address areas (mm/area.c): the one interval structure
 * under the HP app's kernel virtual areas (vmarea.c, one global set under
 * vma_lock) and the address spaces of compat processes (uvm.c, a set per
 * mm under mm->lock).
 *
 * A set holds disjoint, non-empty [start, end) areas in address order,
 * each with an access value and kind bits whose meaning is the owner's
 * (both owners keep PTE flags in prot). An owner that needs more embeds
 * struct area as the first member of a bigger node (uvm.c's struct uvma:
 * the file behind an area) and gives the node's size in its area_ops. Its
 * payload is the owner's to set in a new node; a split or a clone calls
 * ops->copy to copy it (and take references), and ops->release drops them
 * before a node is freed.
 *
 * Nodes come and go through a struct area_pool: spares got before the
 * caller's lock (area_pool_fill) and nodes unlinked under it, freed after
 * it (area_pool_release). A set whose ops say spares_only never calls the
 * allocator inside an operation (vma_lock forbids it): a split without a
 * spare is a panic naming the miscount. Other sets (uvm.c) allocate on
 * demand when the pool is empty, and an operation that cannot get a node
 * fails with -ENOMEM.
 *
 * Pure logic: no lock of its own (the caller's lock guards the set), no
 * page tables; the owner's callbacks (cut, change) do the rest. Built for
 * the host as well and tested there against a page map
 * (tests/host/test_area.c). Lookups walk the list: O(areas).
 */
#ifndef JINY_AREA_H
#define JINY_AREA_H

#include "kern/kern.h"

struct area {
	uintptr_t start, end;     /* [start, end) */
	uint64_t prot;            /* access, the owner's encoding (PTE flags) */
	unsigned flags;           /* kind, the owner's bits */
	struct area *prev, *next; /* address order; area.c's */
};

struct area_ops {
	size_t size;                 /* the owner's node, struct area first */
	void *(*alloc)(size_t size); /* NULL when out of memory; need not be zeroed */
	void (*free)(void *node);
	/* A split or clone made dst from src: copy the payload past struct
	 * area, take its references. NULL: no payload. */
	void (*copy)(struct area *dst, const struct area *src);
	void (*release)(struct area *a); /* a node is about to be freed: drop them (or NULL) */
	bool spares_only;                /* allocate in area_pool_fill only, never in an operation */
};

struct area_set {
	struct area *first, *last;
	const struct area_ops *ops;
};

#define AREA_SPARE_MAX 2 /* the most one operation splits off: a head and a tail */

/* Nodes for one locked operation: spares got before the lock, nodes unlinked under it. */
struct area_pool {
	struct area *spare[AREA_SPARE_MAX];
	int n;             /* spares left */
	struct area *gone; /* unlinked, chained by next; freed by area_pool_release */
};

#define AREA_POOL_INIT { .n = 0, .gone = NULL }

void area_set_init(struct area_set *set, const struct area_ops *ops);
void area_set_clear(struct area_set *set); /* free every area (the set's last user) */

/* Fill p up to n spares (before the lock); false when out of memory. */
static inline bool area_pool_fill(struct area_set *set, struct area_pool *p, int n)
{
	BUG_ON(n > AREA_SPARE_MAX);
	while (p->n < n) {
		struct area *a = set->ops->alloc(set->ops->size);
		if (!a)
			return false;
		p->spare[p->n++] = a;
	}
	return true;
}

void area_pool_free(struct area_set *set, struct area_pool *p); /* area_pool_release's work */
/* Free the pool's spares and gone nodes (after the lock). */
static inline void area_pool_release(struct area_set *set, struct area_pool *p)
{
	if (p->n || p->gone)
		area_pool_free(set, p);
}

static inline struct area *area_first(const struct area_set *set) { return set->first; }
static inline struct area *area_last(const struct area_set *set) { return set->last; }

/* The area holding va, or NULL. (Inline: the page-fault paths' lookup.) */
static inline struct area *area_find(const struct area_set *set, uintptr_t va)
{
	for (struct area *a = set->first; a && a->start <= va; a = a->next)
		if (va < a->end)
			return a;
	return NULL;
}

/* The lowest area overlapping [s, e), or NULL. */
static inline struct area *area_first_in(const struct area_set *set, uintptr_t s, uintptr_t e)
{
	for (struct area *a = set->first; a && a->start < e; a = a->next)
		if (a->end > s)
			return a;
	return NULL;
}

#define area_for_each(a, set) for (a = area_first(set); a; a = a->next)
/* The areas overlapping [s, e), in address order. */
#define area_for_each_in(a, set, s, e) \
	for (a = area_first_in(set, s, e); a && a->start < (e); a = a->next)

/*
 * Does every byte of [s, e) lie in areas whose prot has all the bits of
 * need and whose flags have none of no_flags? ([s, s) does.) Inline: the
 * check of every system call's user buffers (vma_check, uvm_check).
 */
static inline bool area_covers(const struct area_set *set, uintptr_t s, uintptr_t e,
			       uint64_t need, unsigned no_flags)
{
	struct area *a = set->first;
	while (a && a->end <= s) /* the areas below */
		a = a->next;
	for (uintptr_t at = s; at < e; a = a->next) {
		if (!a || a->start > at || (a->prot & need) != need || (a->flags & no_flags))
			return false;
		at = a->end;
	}
	return true;
}

#define AREA_TOP_DOWN 1u /* the highest fit, not the lowest */
/*
 * A free, align-aligned range of len bytes inside the window [lo, hi):
 * the lowest (or with AREA_TOP_DOWN the highest) one. False if none.
 */
bool area_gap(const struct area_set *set, uintptr_t lo, uintptr_t hi, size_t len, size_t align,
	      unsigned how, uintptr_t *at);

/*
 * A node for [s, e), not yet in a set: prot and flags 0 and the payload
 * unset (the caller sets it), or (area_clone) prot, flags and payload
 * copied from src (ops->copy). From p's spares, else the allocator (but
 * for spares_only sets); NULL when out of memory.
 */
struct area *area_new(struct area_set *set, struct area_pool *p, uintptr_t s, uintptr_t e);
struct area *area_clone(struct area_set *set, struct area_pool *p, const struct area *src,
			uintptr_t s, uintptr_t e);
/* Add a node whose range is free (overlap is a panic). */
void area_insert(struct area_set *set, struct area *a);
/* Give back a node that never went in (its references dropped when p is released). */
void area_discard(struct area_pool *p, struct area *a);

/* Move a's end up to new_end if nothing lies in [a->end, new_end); false otherwise. */
bool area_grow(struct area_set *set, struct area *a, uintptr_t new_end);

/*
 * Cut [s, e) out of the set, splitting the areas it cuts into (one spare
 * when a hole falls inside one area). cut(a, cs, ce, ctx) is called for
 * each piece [cs, ce) of area a before it goes (the owner unmaps its pages).
 * An area that keeps a head keeps its node. 0, or -ENOMEM when a split
 * found no node (the areas below s..cs were cut already).
 */
typedef void (*area_cut_fn)(struct area *a, uintptr_t cs, uintptr_t ce, void *ctx);
int area_remove(struct area_set *set, uintptr_t s, uintptr_t e, struct area_pool *p,
		area_cut_fn cut, void *ctx);

/*
 * Set the prot of [s, e): the areas there are split at s and e (two spares
 * at most), each area inside gets prot, then change(a, ctx) (the owner's
 * page tables and payload). Stops at the first hole in [s, e) with -ENOMEM,
 * the areas below it changed (vmarea.c); with AREA_WHOLE a hole anywhere in
 * [s, e) is -ENOMEM before anything changes (uvm.c). -ENOMEM also when a
 * split found no node.
 */
#define AREA_WHOLE 2u
typedef void (*area_change_fn)(struct area *a, void *ctx);
int area_protect(struct area_set *set, uintptr_t s, uintptr_t e, uint64_t prot, unsigned how,
		 struct area_pool *p, area_change_fn change, void *ctx);

#endif
