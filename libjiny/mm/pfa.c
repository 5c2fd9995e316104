/*
 * pfa.c - the physical page-frame allocator: a binary buddy system over
 * orders 0..PFA_MAX_ORDER (mm.h). It is the bottom of mm/: page_alloc()
 * (vm side) and through it kmalloc.c, page tables and thread stacks all get
 * their frames here. Pure logic, also compiled on the host for
 * tests/host/test_pfa.c.
 *
 * All bookkeeping lives in the caller's meta area, one struct pfa_frame per
 * frame of [0, max_addr): free lists are linked by frame index there, so the
 * allocator never writes into the frames it manages (a stray write by a
 * frame's owner cannot corrupt the allocator, and the host tests need no
 * backing memory). Invariant: the first frame of every block, free or
 * allocated, is a HEAD carrying the block's order; every other RAM frame is
 * BODY; frames never added are RESERVED. That makes every bad free
 * (double free, wrong order, middle of a block, not RAM) detectable in O(1).
 */
#include "mm/mm.h"

enum pfa_state {
	PFA_RESERVED = 0, /* not RAM, or never handed to pfa_add_range() */
	PFA_BODY,         /* inside a block, not its first frame */
	PFA_FREE,         /* first frame of a free block of 'order' */
	PFA_ALLOC,        /* first frame of an allocated block of 'order' */
};

#define PFA_NONE UINT32_MAX /* end of a free list */

struct pfa_frame {
	uint32_t next, prev; /* free-list links (frame indices), PFA_FREE heads only */
	uint8_t state;       /* enum pfa_state */
	uint8_t order;       /* block order, heads only */
	uint16_t pad;
};

/* The allocator's state. Guarded by pfa_lock(). */
static struct pfa_frame *frames;                /* the meta area */
static size_t nframes;                           /* frames covered: [0, max_addr) */
static size_t whole_frames;                      /* of them, those wholly below max_addr */
static uint32_t free_head[PFA_MAX_ORDER + 1];    /* first free block of each order */
static size_t free_blocks[PFA_MAX_ORDER + 1];    /* length of each free list */
static size_t free_pages, total_pages;
static void *(*pfa_to_virt)(paddr_t) __unused;   /* kept for a future debug poisoning */

/* pfa_lock()/pfa_unlock() (mm.h): a spinlock with interrupts off in the
 * kernel (mm/page.c), nothing in the host tests. */

size_t pfa_meta_size(paddr_t max_addr)
{
	return (ALIGN_UP(max_addr, PAGE_SIZE) >> PAGE_SHIFT) * sizeof(struct pfa_frame);
}

void pfa_init(void *meta, paddr_t max_addr, void *(*to_virt)(paddr_t))
{
	size_t n = ALIGN_UP(max_addr, PAGE_SIZE) >> PAGE_SHIFT;

	if (n >= PFA_NONE)
		panic("pfa_init: max_addr 0x%lx is beyond what the allocator indexes", max_addr);
	frames = meta;
	nframes = n;
	whole_frames = max_addr >> PAGE_SHIFT;
	pfa_to_virt = to_virt;
	memset(frames, 0, n * sizeof(*frames)); /* all PFA_RESERVED */
	for (unsigned k = 0; k <= PFA_MAX_ORDER; k++) {
		free_head[k] = PFA_NONE;
		free_blocks[k] = 0;
	}
	free_pages = total_pages = 0;
}

static void list_push(size_t i, unsigned order)
{
	struct pfa_frame *f = &frames[i];

	f->state = PFA_FREE;
	f->order = order;
	f->prev = PFA_NONE;
	f->next = free_head[order];
	if (f->next != PFA_NONE)
		frames[f->next].prev = i;
	free_head[order] = i;
	free_blocks[order]++;
}

static void list_remove(size_t i)
{
	struct pfa_frame *f = &frames[i];

	if (f->prev != PFA_NONE)
		frames[f->prev].next = f->next;
	else
		free_head[f->order] = f->next;
	if (f->next != PFA_NONE)
		frames[f->next].prev = f->prev;
	free_blocks[f->order]--;
}

/* Give the allocated block at frame i back, merging it with free buddies. */
static void free_block(size_t i, unsigned order)
{
	free_pages += (size_t)1 << order;
	while (order < PFA_MAX_ORDER) {
		size_t buddy = i ^ ((size_t)1 << order);
		if (buddy >= nframes || frames[buddy].state != PFA_FREE ||
		    frames[buddy].order != order)
			break;
		list_remove(buddy);
		/* The higher of the two heads becomes a body frame of the merged block. */
		frames[i > buddy ? i : buddy].state = PFA_BODY;
		i = MIN(i, buddy);
		order++;
	}
	list_push(i, order);
}

/*
 * Add [start, end) as free RAM. Unaligned edges are trimmed to whole pages,
 * anything beyond max_addr is ignored, and frame 0 is never used (physical 0
 * is pfa_alloc()'s failure value). The range is cut into the largest
 * naturally aligned blocks, each freed normally, so it also merges with
 * ranges added before.
 */
void pfa_add_range(paddr_t start, paddr_t end)
{
	size_t i = ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
	size_t e = MIN(end >> PAGE_SHIFT, whole_frames);

	if (i == 0)
		i = 1;
	pfa_lock();
	for (size_t j = i; j < e; j++)
		if (frames[j].state != PFA_RESERVED)
			panic("pfa_add_range(0x%lx, 0x%lx): frame 0x%lx was added before",
			      start, end, (paddr_t)j << PAGE_SHIFT);
	while (i < e) {
		unsigned order = 0;
		while (order < PFA_MAX_ORDER && !(i & ((size_t)1 << order)) &&
		       i + ((size_t)2 << order) <= e)
			order++;
		for (size_t j = i + 1; j < i + ((size_t)1 << order); j++)
			frames[j].state = PFA_BODY;
		total_pages += (size_t)1 << order;
		free_block(i, order);
		i += (size_t)1 << order;
	}
	pfa_unlock();
}

/* A block of 2^order frames, aligned to its size. 0 when none is free. */
paddr_t pfa_alloc(unsigned order)
{
	unsigned k = order;
	size_t i;

	if (order > PFA_MAX_ORDER)
		return 0;
	pfa_lock();
	while (k <= PFA_MAX_ORDER && free_head[k] == PFA_NONE)
		k++;
	if (k > PFA_MAX_ORDER) {
		pfa_unlock();
		return 0;
	}
	i = free_head[k];
	list_remove(i);
	/* Split: keep the lower half, free the upper half, until the size fits. */
	while (k > order) {
		k--;
		list_push(i + ((size_t)1 << k), k);
	}
	frames[i].state = PFA_ALLOC;
	frames[i].order = order;
	free_pages -= (size_t)1 << order;
	pfa_unlock();
	return (paddr_t)i << PAGE_SHIFT;
}

/* Free a block from pfa_alloc(order); any mismatch is a kernel bug: panic. */
void pfa_free(paddr_t pa, unsigned order)
{
	size_t i = pa >> PAGE_SHIFT;

	if (pa & (PAGE_SIZE - 1))
		panic("pfa_free(0x%lx, %u): address not page aligned", pa, order);
	if (order > PFA_MAX_ORDER)
		panic("pfa_free(0x%lx, %u): order above %d", pa, order, PFA_MAX_ORDER);
	pfa_lock();
	if (i >= nframes || frames[i].state == PFA_RESERVED)
		panic("pfa_free(0x%lx, %u): not managed RAM", pa, order);
	switch (frames[i].state) {
	case PFA_FREE:
		panic("pfa_free(0x%lx, %u): block is already free (double free)", pa, order);
	case PFA_BODY:
		panic("pfa_free(0x%lx, %u): not the start of an allocated block", pa, order);
	}
	if (frames[i].order != order)
		panic("pfa_free(0x%lx, %u): block was allocated with order %u", pa, order,
		      frames[i].order);
	free_block(i, order);
	pfa_unlock();
}

size_t pfa_free_pages(void)
{
	return free_pages;
}

size_t pfa_total_pages(void)
{
	return total_pages;
}
