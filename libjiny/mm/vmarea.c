/*
 * vmarea.c - kernel virtual areas in [KVA_BASE, KVA_END): thread stacks with
 * guard pages, the HP app's anonymous mmap and brk, MMIO windows. Areas are
 * kept in an address-sorted list (first fit); anonymous areas are filled on
 * demand, one zeroed frame per fault (trap.c calls vmarea_fault), and their
 * frames are freed when unmapped, after every CPU has dropped them from its
 * TLB. One spinlock (vma_lock) guards the list and the leaf entries of
 * KVA's page tables; the tables above them are made without a lock (vm.c).
 */
#include "mm/vmarea.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "kern/spinlock.h"

static struct vma *areas; /* sorted by start; vma_lock */
static spinlock_t vma_lock = SPINLOCK_INIT;

/*
 * Lock discipline (what keeps the page-fault path from waiting on itself):
 * the fault path (vmarea_fault) takes vma_lock, and nothing is allocated or
 * freed while vma_lock is held: area structs, page frames and page tables
 * are got before it (vma_spare, page_alloc, vm_prepare) and given back after
 * it (the 'gone' lists). So code under vma_lock takes no other lock the
 * fault path needs, and is shallow enough that the stack_prefault() below
 * covers it: a fault on a stack page that is still being filled can never
 * happen while this CPU holds vma_lock. (If it ever did, spinlock.c's
 * self-deadlock check would name both acquirers.)
 */
static uint64_t vma_lock_irqsave(void)
{
	stack_prefault();
	return spin_lock_irqsave(&vma_lock);
}

static void vma_unlock(uint64_t f) { spin_unlock_irqrestore(&vma_lock, f); }

bool vma_lock_held_here(void) { return spin_held_here(&vma_lock); }

/* Area structs got before vma_lock, for the splits made under it. */
struct vma_spare {
	struct vma *v[2];
	int n;
};

static bool spare_fill(struct vma_spare *sp, int n)
{
	for (sp->n = 0; sp->n < n; sp->n++)
		if (!(sp->v[sp->n] = kzalloc(sizeof(struct vma))))
			return false;
	return true;
}

static void spare_drop(struct vma_spare *sp)
{
	while (sp->n)
		kfree(sp->v[--sp->n]);
}

static struct vma *vma_new(struct vma_spare *sp, uintptr_t s, uintptr_t e, uint64_t pte,
			   unsigned flags)
{
	BUG_ON(sp->n == 0); /* the caller counted its splits wrong */
	struct vma *v = sp->v[--sp->n];
	*v = (struct vma){ .start = s, .end = e, .pte = pte, .flags = flags };
	return v;
}

/* What vma_lock's holder dropped, freed once it is released. */
struct vma_gone {
	struct vma *areas; /* unlinked areas, chained by next */
	paddr_t frames;    /* page frames, chained through their first word */
	paddr_t batch[64]; /* frames unmapped but maybe still in other CPUs' TLBs */
	int n;
	uintptr_t lo, hi;  /* the range to shoot down before they are chained */
};

#define VMA_GONE_INIT { .areas = NULL, .frames = 0, .n = 0, .lo = ~0UL, .hi = 0 }

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

/* Release vma_lock, then free what was dropped under it. */
static void vma_unlock_free(uint64_t f, struct vma_spare *sp, struct vma_gone *g)
{
	if (g)
		gone_flush(g);
	vma_unlock(f);
	if (sp)
		spare_drop(sp);
	while (g && g->areas) {
		struct vma *v = g->areas;
		g->areas = v->next;
		kfree(v);
	}
	while (g && g->frames) {
		paddr_t pa = g->frames;
		g->frames = *(paddr_t *)phys_to_virt(pa);
		pfa_free(pa, 0);
	}
}

static void vma_insert(struct vma *v)
{
	struct vma **pp = &areas;
	while (*pp && (*pp)->start < v->start)
		pp = &(*pp)->next;
	v->next = *pp;
	*pp = v;
}

/* The area holding va (vma_lock held). */
static struct vma *vma_find(uintptr_t va)
{
	for (struct vma *v = areas; v && v->start <= va; v = v->next)
		if (va < v->end)
			return v;
	return NULL;
}

/* First free gap of 'len' bytes at or above 'hint'. */
static uintptr_t find_gap(size_t len, uintptr_t hint)
{
	uintptr_t at = MAX(hint, KVA_BASE);
	for (struct vma *v = areas; v; v = v->next) {
		if (v->end <= at)
			continue;
		if (v->start >= at + len)
			break;
		at = v->end;
	}
	return at + len <= KVA_END ? at : 0;
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

/* Drop the pages of [s, e) (which must lie in anonymous areas); they fault back in zeroed. */
int vma_discard(uintptr_t s, uintptr_t e)
{
	struct vma_gone g = VMA_GONE_INIT;
	uint64_t f = vma_lock_irqsave();
	int r = 0;
	for (uintptr_t at = s; at < e;) {
		struct vma *v = vma_find(at);
		if (!v || (v->flags & VMA_MMIO)) {
			r = -12;
			break;
		}
		at = v->end;
	}
	if (!r)
		release(&g, s, e, true);
	vma_unlock_free(f, NULL, &g);
	return r;
}

uintptr_t vma_reserve(size_t len, uintptr_t hint, uint64_t pte, unsigned flags)
{
	struct vma_spare sp;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!spare_fill(&sp, 1)) {
		spare_drop(&sp);
		return 0;
	}
	uint64_t f = vma_lock_irqsave();
	uintptr_t at = find_gap(len, hint);
	if (at)
		vma_insert(vma_new(&sp, at, at + len, pte, flags));
	vma_unlock_free(f, &sp, NULL);
	return at;
}

/* Cut [s, e) out of every area it touches (splitting as needed). */
int vma_remove(uintptr_t s, uintptr_t e)
{
	struct vma_spare sp;
	struct vma_gone g = VMA_GONE_INIT;
	if (!spare_fill(&sp, 1)) { /* a hole in the middle of an area needs one */
		spare_drop(&sp);
		return -12;
	}
	uint64_t f = vma_lock_irqsave();
	for (struct vma **pp = &areas; *pp;) {
		struct vma *v = *pp;
		if (v->end <= s || v->start >= e) {
			pp = &v->next;
			continue;
		}
		uintptr_t cs = MAX(s, v->start), ce = MIN(e, v->end);
		release(&g, cs, ce, !(v->flags & VMA_MMIO));
		if (cs > v->start && ce < v->end) { /* a hole in the middle: split */
			struct vma *tail = vma_new(&sp, ce, v->end, v->pte, v->flags);
			v->end = cs;
			tail->next = v->next;
			v->next = tail;
			pp = &tail->next;
		} else if (cs > v->start) {
			v->end = cs;
			pp = &v->next;
		} else if (ce < v->end) {
			v->start = ce;
			pp = &v->next;
		} else {
			*pp = v->next;
			v->next = g.areas;
			g.areas = v;
		}
	}
	vma_unlock_free(f, &sp, &g);
	return 0;
}

/* Change the PTE flags of [s, e), splitting areas; -ENOMEM if a page is not in an area. */
int vma_protect(uintptr_t s, uintptr_t e, uint64_t pte)
{
	struct vma_spare sp;
	if (!spare_fill(&sp, 2)) { /* at most a head and a tail are split off */
		spare_drop(&sp);
		return -12;
	}
	uint64_t f = vma_lock_irqsave();
	int r = 0;
	uintptr_t covered = s;
	for (struct vma *v = areas; v && v->start < e; v = v->next) {
		if (v->end <= s)
			continue;
		if (v->start > covered) {
			r = -12;
			break;
		}
		if (v->start < s) { /* split off the head */
			struct vma *t = vma_new(&sp, s, v->end, v->pte, v->flags);
			v->end = s;
			t->next = v->next;
			v->next = t;
			continue;
		}
		if (v->end > e) { /* split off the tail */
			struct vma *t = vma_new(&sp, e, v->end, v->pte, v->flags);
			v->end = e;
			t->next = v->next;
			v->next = t;
		}
		v->pte = pte;
		vm_protect(v->start, v->end - v->start, pte);
		covered = v->end;
	}
	tlb_shootdown(s, e);
	if (!r && covered < e)
		r = -12;
	vma_unlock_free(f, &sp, NULL);
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
static struct vma *anon_area_of(uintptr_t addr, size_t len)
{
	struct vma *v = vma_find(addr);
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
	struct vma *v = anon_area_of(addr, old_len);
	long ret = v ? -12 : -14; /* ENOMEM : EFAULT */
	uintptr_t new_end = addr + new_len;
	if (v && new_len == old_len) {
		ret = (long)addr;
	} else if (v && v->end == addr + old_len && new_end <= KVA_END && new_end > addr &&
		   (!v->next || v->next->start >= new_end)) {
		v->end = new_end; /* grows in place */
		ret = (long)addr;
	}
	uint64_t pte = v ? v->pte : 0;
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
	bool ok = true;
	for (uintptr_t at = a; ok && at < a + n;) {
		struct vma *v = vma_find(at);
		ok = v && !(v->flags & VMA_MMIO) && (v->pte & PTE_P) && (!write || (v->pte & PTE_W));
		if (ok)
			at = v->end;
	}
	vma_unlock(f);
	return ok;
}

/* The bounds of the area holding va; false if none. */
bool vma_bounds(uintptr_t va, uintptr_t *start, uintptr_t *end)
{
	uint64_t f = vma_lock_irqsave();
	struct vma *v = vma_find(va);
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
	struct vma *v = vma_find(va);
	if (!v || (v->flags & VMA_MMIO) || !(v->pte & PTE_P))
		goto out; /* unmapped, MMIO, or PROT_NONE */
	if (write && !(v->pte & PTE_W))
		goto out;
	ok = true;
	if (vm_translate(base, NULL) != ~(paddr_t)0)
		goto out; /* filled while we allocated */
	if (vm_map_prepared(base, virt_to_phys_linear(page), PAGE_SIZE, v->pte & ~PTE_P) < 0)
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
	uint64_t f = vma_lock_irqsave();
	for (struct vma *v = areas; v; v = v->next, n++)
		if (n < max)
			out[n] = *v;
	vma_unlock(f);
	return n;
}
