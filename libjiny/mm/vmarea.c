/*
 * vmarea.c - kernel virtual areas in [KVA_BASE, KVA_END): thread stacks with
 * guard pages, the HP app's anonymous mmap and brk, MMIO windows. Areas are
 * kept in one area set (area.c; first fit, bottom-up), each with the PTE
 * flags of its pages as prot and VMA_* as flags; anonymous areas are filled
 * on demand, one zeroed frame per fault (trap.c calls vmarea_fault), and
 * their frames are freed when unmapped, after every CPU has dropped them
 * from its TLB. One spinlock (vma_lock) guards the set and the leaf entries
 * of KVA's page tables; the tables above them are made without a lock (vm.c).
 */
#include "mm/vmarea.h"
#include "mm/area.h"
#include "arch/arch.h"
#include "kern/spinlock.h"

/* Nodes are plain struct area, never allocated under vma_lock (spares_only). */
static const struct area_ops vma_ops = {
	.size = sizeof(struct area), .alloc = kmalloc, .free = kfree, .spares_only = true,
};
static struct area_set areas = { .first = NULL, .last = NULL, .ops = &vma_ops }; /* vma_lock */
static spinlock_t vma_lock = SPINLOCK_INIT;

/*
 * Lock discipline (what keeps the page-fault path from waiting on itself):
 * the fault path (vmarea_fault) takes vma_lock, and nothing is allocated or
 * freed while vma_lock is held: area nodes, page frames and page tables are
 * got before it (spare_fill, page_alloc, vm_prepare) and given back after it
 * (area_pool_release, the 'gone' frames); the area set is spares_only, so
 * area.c panics rather than allocate under it. So code under vma_lock takes
 * no other lock the fault path needs, and is shallow enough that the
 * stack_prefault() below covers it: a fault on a stack page that is still
 * being filled can never happen while this CPU holds vma_lock. (If it ever
 * did, spinlock.c's self-deadlock check would name both acquirers.)
 */
static uint64_t vma_lock_irqsave(void)
{
	stack_prefault();
	return spin_lock_irqsave(&vma_lock);
}

static void vma_unlock(uint64_t f) { spin_unlock_irqrestore(&vma_lock, f); }

bool vma_lock_held_here(void) { return spin_held_here(&vma_lock); }

/*
 * Area nodes for the splits made under vma_lock, got before it: n spares
 * (area.c panics if a split finds none). False when out of memory.
 */
static bool spare_fill(struct area_pool *p, int n)
{
	*p = (struct area_pool)AREA_POOL_INIT;
	if (area_pool_fill(&areas, p, n))
		return true;
	area_pool_release(&areas, p);
	return false;
}

/* The page frames vma_lock's holder dropped, freed once it is released. */
struct vma_gone {
	paddr_t frames;    /* page frames, chained through their first word */
	paddr_t batch[64]; /* frames unmapped but maybe still in other CPUs' TLBs */
	int n;
	uintptr_t lo, hi;  /* the range to shoot down before they are chained */
};

#define VMA_GONE_INIT { .frames = 0, .n = 0, .lo = ~0UL, .hi = 0 }

/* After a shoot-down no CPU reaches the batch's frames: chain them (vma_lock held). */
static void gone_flush(struct vma_gone *g)
{
	if (g->hi > g->lo)
		tlb_shootdown(g->lo, g->hi);
	for (int i = 0; i < g->n; i++) {
		*(paddr_t *)phys_to_virt(g->batch[i]) = g->frames;
		g->frames = g->batch[i];
	}
	g->n = 0;
	g->lo = ~0UL;
	g->hi = 0;
}

/* Release vma_lock, then free what was dropped under it: spares, unlinked areas, frames. */
static void vma_unlock_free(uint64_t f, struct area_pool *p, struct vma_gone *g)
{
	if (g)
		gone_flush(g);
	vma_unlock(f);
	if (p)
		area_pool_release(&areas, p);
	while (g && g->frames) {
		paddr_t pa = g->frames;
		g->frames = *(paddr_t *)phys_to_virt(pa);
		pfa_free(pa, 0);
	}
}

struct release_ctx {
	struct vma_gone *g;
	bool anon; /* the frames are ours to free (not MMIO) */
};

static void release_leaf(uintptr_t va, uint64_t *pte, void *ctx)
{
	struct release_ctx *r = ctx;
	struct vma_gone *g = r->g;
	paddr_t pa = *pte & PTE_ADDR;
	*pte = 0;
	invlpg(va);
	g->lo = MIN(g->lo, va);
	g->hi = MAX(g->hi, va + PAGE_SIZE);
	if (r->anon) {
		g->batch[g->n++] = pa;
		if (g->n == (int)ARRAY_SIZE(g->batch))
			gone_flush(g);
	}
}

/* Unmap [s, e); anonymous frames go to g, freed after vma_lock (held). */
static void release(struct vma_gone *g, uintptr_t s, uintptr_t e, bool anon)
{
	struct release_ctx r = { g, anon };
	vm_for_each_mapped(s, e, release_leaf, &r);
}

/* area_remove's cut: the pages of [s, e) in area a. */
static void release_cut(struct area *a, uintptr_t s, uintptr_t e, void *g)
{
	release(g, s, e, !(a->flags & VMA_MMIO));
}

/* Drop the pages of [s, e) (which must lie in anonymous areas); they fault back in zeroed. */
int vma_discard(uintptr_t s, uintptr_t e)
{
	struct vma_gone g = VMA_GONE_INIT;
	uint64_t f = vma_lock_irqsave();
	int r = area_covers(&areas, s, e, 0, VMA_MMIO) ? 0 : -12;
	if (!r)
		release(&g, s, e, true);
	vma_unlock_free(f, NULL, &g);
	return r;
}

/* A new area at the first free range of len bytes at or above hint; its address, or 0. */
uintptr_t vma_reserve(size_t len, uintptr_t hint, uint64_t pte, unsigned flags)
{
	struct area_pool p;
	uintptr_t at = 0;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!spare_fill(&p, 1))
		return 0;
	uint64_t f = vma_lock_irqsave();
	if (area_gap(&areas, MAX(hint, KVA_BASE), KVA_END, len, PAGE_SIZE, 0, &at)) {
		struct area *a = area_new(&areas, &p, at, at + len);
		a->prot = pte;
		a->flags = flags;
		area_insert(&areas, a);
	}
	vma_unlock_free(f, &p, NULL);
	return at;
}

/* Cut [s, e) out of every area it touches (splitting as needed). */
int vma_remove(uintptr_t s, uintptr_t e)
{
	struct area_pool p;
	struct vma_gone g = VMA_GONE_INIT;
	if (!spare_fill(&p, 1)) /* a hole in the middle of an area needs one */
		return -12;
	uint64_t f = vma_lock_irqsave();
	area_remove(&areas, s, e, &p, release_cut, &g);
	vma_unlock_free(f, &p, &g);
	return 0;
}

/* area_protect's change: the area's pages get its new PTE flags. */
static void protect_area(struct area *a, void *unused)
{
	vm_protect(a->start, a->end - a->start, a->prot);
}

/*
 * Change the PTE flags of [s, e), splitting areas; -ENOMEM if a page is not
 * in an area (the areas below the hole are changed).
 */
int vma_protect(uintptr_t s, uintptr_t e, uint64_t pte)
{
	struct area_pool p;
	if (!spare_fill(&p, 2)) /* at most a head and a tail are split off */
		return -12;
	uint64_t f = vma_lock_irqsave();
	int r = area_protect(&areas, s, e, pte, 0, &p, protect_area, NULL);
	tlb_shootdown(s, e);
	vma_unlock_free(f, &p, NULL);
	return r;
}

struct move_ctx {
	uintptr_t delta; /* new - old */
	int err;
};

static void move_leaf(uintptr_t va, uint64_t *pte, void *p)
{
	struct move_ctx *m = p;
	uint64_t e = *pte;
	*pte = 0;
	invlpg(va);
	if (vm_map_prepared(va + m->delta, e & PTE_ADDR, PAGE_SIZE,
			    e & ~(PTE_ADDR | PTE_A | PTE_D | PTE_P)) < 0)
		m->err = -12;
}

/* Is [addr, addr+len) inside one anonymous area? Its area, or NULL (vma_lock held). */
static struct area *anon_area_of(uintptr_t addr, size_t len)
{
	struct area *v = area_find(&areas, addr);
	return v && addr + len <= v->end && !(v->flags & VMA_MMIO) ? v : NULL;
}

/*
 * mremap of an anonymous area: shrink, grow in place if nothing is in the
 * way, else (may_move) move its pages to a new range without copying: the
 * new range is reserved, its tables made outside the lock, then the pages
 * move. The new address, or -ENOMEM / -EFAULT.
 */
long vma_mremap(uintptr_t addr, size_t old_len, size_t new_len, bool may_move)
{
	if (new_len < old_len) {
		int r = vma_remove(addr + new_len, addr + old_len);
		return r < 0 ? r : (long)addr;
	}
	uint64_t f = vma_lock_irqsave();
	struct area *v = anon_area_of(addr, old_len);
	long ret = v ? -12 : -14; /* ENOMEM : EFAULT */
	uintptr_t new_end = addr + new_len;
	if (v && new_len == old_len) {
		ret = (long)addr;
	} else if (v && v->end == addr + old_len && new_end <= KVA_END && new_end > addr &&
		   area_grow(&areas, v, new_end)) {
		ret = (long)addr; /* grown in place */
	}
	uint64_t pte = v ? v->prot : 0;
	unsigned flags = v ? v->flags : 0;
	vma_unlock(f);
	if (ret != -12 || !may_move)
		return ret;

	uintptr_t at = vma_reserve(new_len, 0, pte, flags);
	if (!at)
		return -12;
	if (vm_prepare(at, old_len) < 0) {
		vma_remove(at, at + new_len);
		return -12;
	}
	struct move_ctx m = { at - addr, 0 };
	f = vma_lock_irqsave();
	if (anon_area_of(addr, old_len)) { /* still there: not unmapped meanwhile */
		vm_for_each_mapped(addr, addr + old_len, move_leaf, &m);
		tlb_shootdown(addr, addr + old_len);
	} else {
		m.err = -14;
	}
	vma_unlock(f);
	if (m.err < 0) {
		vma_remove(at, at + new_len);
		return m.err;
	}
	vma_remove(addr, addr + old_len); /* the old range: nothing mapped there any more */
	return (long)at;
}

/* Is [p, p+n) inside areas that allow the access (write: writable)? */
bool vma_check(uintptr_t a, size_t n, bool write)
{
	uint64_t f = vma_lock_irqsave();
	bool ok = area_covers(&areas, a, a + n, write ? PTE_P | PTE_W : PTE_P, VMA_MMIO);
	vma_unlock(f);
	return ok;
}

/* The bounds of the area holding va; false if none. */
bool vma_bounds(uintptr_t va, uintptr_t *start, uintptr_t *end)
{
	uint64_t f = vma_lock_irqsave();
	struct area *v = area_find(&areas, va);
	if (v) {
		*start = v->start;
		*end = v->end;
	}
	vma_unlock(f);
	return v != NULL;
}

/*
 * A fault in a kernel virtual area: map a zeroed frame if va lies in an
 * accessible anonymous area. The frame and the tables are got before
 * vma_lock (see the lock discipline above) and the frame is given back if
 * the fault turns out not to be ours or another CPU filled the page first.
 */
bool vmarea_fault(uintptr_t va, bool write)
{
	uintptr_t base = ALIGN_DOWN(va, PAGE_SIZE);
	if (vm_translate(base, NULL) != ~(paddr_t)0)
		return true; /* another CPU filled it meanwhile */
	void *page = page_alloc(0);
	if (!page || vm_prepare(base, PAGE_SIZE) < 0) {
		printk("jiny: out of memory on a page fault at %#lx\n", va);
		if (page)
			page_free(page, 0);
		return false;
	}
	uint64_t f = vma_lock_irqsave();
	bool ok = false;
	struct area *v = area_find(&areas, va);
	if (!v || (v->flags & VMA_MMIO) || !(v->prot & PTE_P))
		goto out; /* unmapped, MMIO, or PROT_NONE */
	if (write && !(v->prot & PTE_W))
		goto out;
	ok = true;
	if (vm_translate(base, NULL) != ~(paddr_t)0)
		goto out; /* filled while we allocated */
	if (vm_map_prepared(base, virt_to_phys_linear(page), PAGE_SIZE, v->prot & ~PTE_P) < 0)
		ok = false;
	else
		page = NULL; /* mapped: no longer ours to free */
out:
	vma_unlock(f);
	if (page)
		page_free(page, 0);
	return ok;
}

int vma_populate(uintptr_t s, uintptr_t e)
{
	for (uintptr_t va = s; va < e; va += PAGE_SIZE)
		if (vm_translate(va, NULL) == ~(paddr_t)0 && !vmarea_fault(va, false))
			return -12;
	return 0;
}

void *vmarea_alloc(size_t len, size_t guard, uint64_t flags)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	guard = ALIGN_UP(guard, PAGE_SIZE);
	uintptr_t at = vma_reserve(len + guard, 0, flags | PTE_P, 0);
	if (!at)
		return NULL;
	/* The guard below the area stays reserved but inaccessible (a fault there is fatal). */
	if (guard && vma_protect(at, at + guard, 0) < 0)
		goto fail;
	if (vma_populate(at + guard, at + guard + len) < 0)
		goto fail;
	return (void *)(at + guard);
fail:
	vma_remove(at, at + guard + len);
	return NULL;
}

/* Reserve an area filled on demand (stacks that may grow, anonymous mmap). */
void *vmarea_reserve(size_t len, size_t guard, uint64_t flags)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	guard = ALIGN_UP(guard, PAGE_SIZE);
	uintptr_t at = vma_reserve(len + guard, 0, flags | PTE_P, 0);
	if (at && guard && vma_protect(at, at + guard, 0) < 0) {
		vma_remove(at, at + guard + len);
		return NULL;
	}
	return at ? (void *)(at + guard) : NULL;
}

void vmarea_free(void *va, size_t len, size_t guard)
{
	uintptr_t s = (uintptr_t)va - ALIGN_UP(guard, PAGE_SIZE);
	vma_remove(s, (uintptr_t)va + ALIGN_UP(len, PAGE_SIZE));
}

void *vmarea_map_mmio(paddr_t pa, size_t len)
{
	size_t off = pa & (PAGE_SIZE - 1);
	len = ALIGN_UP(len + off, PAGE_SIZE);
	uint64_t pte = PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT;
	uintptr_t at = vma_reserve(len, 0, pte, VMA_MMIO);
	if (!at)
		return NULL;
	int r = vm_prepare(at, len);
	if (r == 0) {
		uint64_t f = vma_lock_irqsave();
		r = vm_map_prepared(at, pa - off, len, pte & ~PTE_P);
		vma_unlock(f);
	}
	if (r < 0) {
		vma_remove(at, at + len);
		return NULL;
	}
	return (void *)(at + off);
}

size_t vma_snapshot(struct vma *out, size_t max)
{
	size_t n = 0;
	struct area *a;
	uint64_t f = vma_lock_irqsave();
	area_for_each(a, &areas) {
		if (n < max)
			out[n] = (struct vma){ a->start, a->end, a->prot, a->flags };
		n++;
	}
	vma_unlock(f);
	return n;
}
