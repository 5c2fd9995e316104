/*
 * vmarea.c - kernel virtual areas in [KVA_BASE, KVA_END): thread stacks with
 * guard pages, the HP app's anonymous mmap and brk, MMIO windows. Areas are
 * kept in an address-sorted list (first fit); anonymous areas are filled on
 * demand, one zeroed frame per fault (trap.c calls vmarea_fault), and their
 * frames are freed when unmapped. Callers hold no lock: every entry point
 * disables interrupts (one CPU for now).
 */
#include "vmarea.h"
#include "../arch/x86_64/cpu.h"

static struct vma *areas; /* sorted by start */

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

struct vma *vma_find(uintptr_t va)
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

static void release_leaf(uintptr_t va, uint64_t *pte, void *anon)
{
	paddr_t pa = *pte & PTE_ADDR;
	*pte = 0;
	invlpg(va);
	if (anon)
		pfa_free(pa, 0);
}

/* Unmap [s, e), freeing the frames of anonymous pages. */
static void release(uintptr_t s, uintptr_t e, bool anon)
{
	vm_for_each_mapped(s, e, release_leaf, anon ? (void *)1 : NULL);
}

/* Drop the pages of [s, e) (which must lie in anonymous areas); they fault back in zeroed. */
int vma_discard(uintptr_t s, uintptr_t e)
{
	uint64_t f = irq_save();
	for (uintptr_t at = s; at < e;) {
		struct vma *v = vma_find(at);
		if (!v || (v->flags & VMA_MMIO)) {
			irq_restore(f);
			return -12;
		}
		at = v->end;
	}
	release(s, e, true);
	irq_restore(f);
	return 0;
}

uintptr_t vma_reserve(size_t len, uintptr_t hint, uint64_t pte, unsigned flags)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	uint64_t f = irq_save();
	uintptr_t at = find_gap(len, hint);
	struct vma *v = at ? vma_new(at, at + len, pte, flags) : NULL;
	if (v)
		vma_insert(v);
	irq_restore(f);
	return v ? at : 0;
}

/* Cut [s, e) out of every area it touches (splitting as needed). */
int vma_remove(uintptr_t s, uintptr_t e)
{
	uint64_t f = irq_save();
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
	irq_restore(f);
	return r;
}

/* Change the PTE flags of [s, e), splitting areas; -ENOMEM if a page is not in an area. */
int vma_protect(uintptr_t s, uintptr_t e, uint64_t pte)
{
	uint64_t f = irq_save();
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
	if (!r && covered < e)
		r = -12;
	irq_restore(f);
	return r;
}

/* Grow an area in place to new_end if nothing is in the way. */
bool vma_grow(struct vma *v, uintptr_t new_end)
{
	uint64_t f = irq_save();
	bool ok = new_end <= KVA_END && (!v->next || v->next->start >= new_end);
	if (ok)
		v->end = new_end;
	irq_restore(f);
	return ok;
}

bool vmarea_fault(uintptr_t va, bool write)
{
	struct vma *v = vma_find(va);
	if (!v || (v->flags & VMA_MMIO) || !(v->pte & PTE_P))
		return false; /* unmapped, MMIO, or PROT_NONE */
	if (write && !(v->pte & PTE_W))
		return false;
	void *page = page_alloc(0);
	if (!page) {
		printk("jiny: out of memory on a page fault at %#lx\n", va);
		return false;
	}
	uintptr_t base = ALIGN_DOWN(va, PAGE_SIZE);
	if (vm_map(base, virt_to_phys_linear(page), PAGE_SIZE, v->pte & ~PTE_P) < 0) {
		page_free(page, 0);
		return false;
	}
	return true;
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
	if (vm_map(at, pa - off, len, pte & ~PTE_P) < 0) {
		vma_remove(at, at + len);
		return NULL;
	}
	return (void *)(at + off);
}
