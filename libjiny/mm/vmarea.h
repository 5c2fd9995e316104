/*
 * vmarea.h - kernel virtual areas (vmarea.c): the area set (mm/area.h) used
 * by thread stacks, MMIO and the HP app's mmap/brk (mmap.c).
 */
#ifndef JINY_VMAREA_H
#define JINY_VMAREA_H

#include "mm/mm.h"

#define VMA_MMIO 1u /* device memory: never demand-filled, frames not ours */

/* One area as vma_snapshot reports it. */
struct vma {
	uintptr_t start, end; /* [start, end), page aligned */
	uint64_t pte;         /* PTE flags of its pages; no PTE_P = PROT_NONE */
	unsigned flags;       /* VMA_* */
};

uintptr_t vma_reserve(size_t len, uintptr_t hint, uint64_t pte, unsigned flags); /* 0 = no space */
int vma_remove(uintptr_t s, uintptr_t e);
int vma_protect(uintptr_t s, uintptr_t e, uint64_t pte);
long vma_mremap(uintptr_t addr, size_t old_len, size_t new_len, bool may_move);
bool vma_check(uintptr_t a, size_t n, bool write);
bool vma_bounds(uintptr_t va, uintptr_t *start, uintptr_t *end);
int vma_populate(uintptr_t s, uintptr_t e);
int vma_discard(uintptr_t s, uintptr_t e);
/* Copy up to max areas (address order) into out; returns how many exist
 * (call again with a bigger array if that is more than max). /proc maps. */
size_t vma_snapshot(struct vma *out, size_t max);

#endif
