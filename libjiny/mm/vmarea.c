/*
 * vmarea.c - kernel virtual areas in [KVA_BASE, KVA_END): thread stacks with
 * guard pages, the HP app's anonymous mmap and brk, MMIO windows. Areas are
 * kept in an address-sorted list (first fit); anonymous areas are filled on
 * demand, one zeroed frame per fault (trap.c calls vmarea_fault), and their
 * frames are freed when unmapped, after every CPU has dropped them from its
 * TLB. One spinlock (vma_lock) guards the list and the page tables of KVA.
 */
#include "vmarea.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/smp.h"
#include "../kern/spinlock.h"

static struct vma *areas; /* sorted by start; vma_lock */
static spinlock_t vma_lock = SPINLOCK_INIT;

static uint64_t vma_lock_irqsave(void)
{
	stack_prefault();
	return spin_lock_irqsave(&vma_lock);
}

static struct vma *vma_new(uintptr_t s, uintptr_t e, uint64_t pte, unsigned flags)
{
	struct vma *v = kzalloc(sizeof(*v));
	if (v)
		*v = (struct vma){ .start = s, .end = e, .pte = pte, .flags = flags };
	return v;
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

/* Frames unmapped but not yet freed: other CPUs may still hold them in their TLBs. */
struct release_batch {
	paddr_t frames[64];
	int n;
	bool anon;
	uintptr_t lo, hi; /* range to shoot down */
};

static void release_flush(struct release_batch *b)
{
	if (b->hi > b->lo)
		tlb_shootdown(b->lo, b->hi);
	for (int i = 0; i < b->n; i++)
		pfa_free(b->frames[i], 0);
	b->n = 0;
	b->lo = ~0UL;
	b->hi = 0;
}

static void release_leaf(uintptr_t va, uint64_t *pte, void *ctx)
{
	struct release_batch *b = ctx;
	paddr_t pa = *pte & PTE_ADDR;
	*pte = 0;
	invlpg(va);
	b->lo = MIN(b->lo, va);
	b->hi = MAX(b->hi, va + PAGE_SIZE);
	if (b->anon) {
		b->frames[b->n++] = pa;
		if (b->n == (int)ARRAY_SIZE(b->frames))
			release_flush(b);
	}
}

/* Unmap [s, e), freeing the frames of anonymous pages (vma_lock held). */
static void release(uintptr_t s, uintptr_t e, bool anon)
{
	struct release_batch b = { .n = 0, .anon = anon, .lo = ~0UL, .hi = 0 };
	vm_for_each_mapped(s, e, release_leaf, &b);
	release_flush(&b);
}

/* Drop the pages of [s, e) (which must lie in anonymous areas); they fault back in zeroed. */
int vma_discard(uintptr_t s, uintptr_t e)
{
	uint64_t f = vma_lock_irqsave();
	for (uintptr_t at = s; at < e;) {
		struct vma *v = vma_find(at);
		if (!v || (v->flags & VMA_MMIO)) {
			spin_unlock_irqrestore(&vma_lock, f);
			return -12;
		}
		at = v->end;
	}
	release(s, e, true);
	spin_unlock_irqrestore(&vma_lock, f);
	return 0;
}

uintptr_t vma_reserve(size_t len, uintptr_t hint, uint64_t pte, unsigned flags)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	uint64_t f = vma_lock_irqsave();
	uintptr_t at = find_gap(len, hint);
	struct vma *v = at ? vma_new(at, at + len, pte, flags) : NULL;
	if (v)
		vma_insert(v);
	spin_unlock_irqrestore(&vma_lock, f);
	return v ? at : 0;
}

/* Cut [s, e) out of every area it touches (splitting as needed). */
int vma_remove(uintptr_t s, uintptr_t e)
{
	uint64_t f = vma_lock_irqsave();
	int r = 0;
	for (struct vma **pp = &areas; *pp;) {
		struct vma *v = *pp;
		if (v->end <= s || v->start >= e) {
			pp = &v->next;
			continue;
		}
		uintptr_t cs = MAX(s, v->start), ce = MIN(e, v->end);
		release(cs, ce, !(v->flags & VMA_MMIO));
		if (cs > v->start && ce < v->end) { /* a hole in the middle: split */
			struct vma *tail = vma_new(ce, v->end, v->pte, v->flags);
			if (!tail) {
				r = -12;
				break;
			}
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
			kfree(v);
		}
	}
	spin_unlock_irqrestore(&vma_lock, f);
	return r;
}

/* Change the PTE flags of [s, e), splitting areas; -ENOMEM if a page is not in an area. */
int vma_protect(uintptr_t s, uintptr_t e, uint64_t pte)
{
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
			struct vma *t = vma_new(s, v->end, v->pte, v->flags);
			if (!t) { r = -12; break; }
			v->end = s;
			t->next = v->next;
			v->next = t;
			continue;
		}
		if (v->end > e) { /* split off the tail */
			struct vma *t = vma_new(e, v->end, v->pte, v->flags);
			if (!t) { r = -12; break; }
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
	spin_unlock_irqrestore(&vma_lock, f);
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
	if (vm_map(va + m->delta, e & PTE_ADDR, PAGE_SIZE, e & ~(PTE_ADDR | PTE_A | PTE_D | PTE_P)) < 0)
		m->err = -12;
}

/*
 * mremap of an anonymous area: shrink, grow in place if nothing is in the
 * way, else (may_move) move its pages to a new range without copying.
 * The new address, or -ENOMEM / -EFAULT.
 */
long vma_mremap(uintptr_t addr, size_t old_len, size_t new_len, bool may_move)
{
	if (new_len < old_len) {
		int r = vma_remove(addr + new_len, addr + old_len);
		return r < 0 ? r : (long)addr;
	}
	uint64_t f = vma_lock_irqsave();
	long ret;
	struct vma *v = vma_find(addr);
	if (!v || addr + old_len > v->end || (v->flags & VMA_MMIO)) {
		ret = -14; /* EFAULT */
		goto out;
	}
	if (new_len == old_len) {
		ret = (long)addr;
		goto out;
	}
	uintptr_t new_end = addr + new_len;
	if (v->end == addr + old_len && new_end <= KVA_END && new_end > addr &&
	    (!v->next || v->next->start >= new_end)) {
		v->end = new_end; /* grows in place */
		ret = (long)addr;
		goto out;
	}
	ret = -12;
	if (!may_move)
		goto out;
	uintptr_t at = find_gap(new_len, 0);
	struct vma *nv = at ? vma_new(at, at + new_len, v->pte, v->flags) : NULL;
	if (!nv)
		goto out;
	vma_insert(nv);
	struct move_ctx m = { at - addr, 0 };
	vm_for_each_mapped(addr, addr + old_len, move_leaf, &m);
	tlb_shootdown(addr, addr + old_len);
	spin_unlock_irqrestore(&vma_lock, f);
	vma_remove(addr, addr + old_len); /* the old range: nothing mapped there any more */
	return m.err < 0 ? m.err : (long)at;
out:
	spin_unlock_irqrestore(&vma_lock, f);
	return ret;
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
	spin_unlock_irqrestore(&vma_lock, f);
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
	spin_unlock_irqrestore(&vma_lock, f);
	return v != NULL;
}

bool vmarea_fault(uintptr_t va, bool write)
{
	uint64_t f = vma_lock_irqsave();
	bool ok = false;
	struct vma *v = vma_find(va);
	if (!v || (v->flags & VMA_MMIO) || !(v->pte & PTE_P))
		goto out; /* unmapped, MMIO, or PROT_NONE */
	if (write && !(v->pte & PTE_W))
		goto out;
	uintptr_t base = ALIGN_DOWN(va, PAGE_SIZE);
	if (vm_translate(base, NULL) != ~(paddr_t)0) {
		ok = true; /* another CPU filled it meanwhile */
		goto out;
	}
	void *page = page_alloc(0);
	if (!page) {
		printk("jiny: out of memory on a page fault at %#lx\n", va);
		goto out;
	}
	if (vm_map(base, virt_to_phys_linear(page), PAGE_SIZE, v->pte & ~PTE_P) < 0) {
		page_free(page, 0);
		goto out;
	}
	ok = true;
out:
	spin_unlock_irqrestore(&vma_lock, f);
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
	uint64_t f = vma_lock_irqsave();
	int r = vm_map(at, pa - off, len, pte & ~PTE_P);
	spin_unlock_irqrestore(&vma_lock, f);
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
	spin_unlock_irqrestore(&vma_lock, f);
	return n;
}
