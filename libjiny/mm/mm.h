/*
 * mm.h - memory management contract: physical page frames (pfa.c), the
 * kernel heap (kmalloc.c), page tables and the direct map (vm.c), kernel
 * virtual areas with guard pages (vmarea.c) and the HP app's mmap/brk
 * (mmap.c, the sys_* handlers in syscall/). Both vmarea.c and uvm.c (the
 * address spaces of compat processes) keep their areas in area sets
 * (area.h).
 *
 * Layout (DESIGN.md 3): the image window 0x40000000..0x7fffffff maps physical
 * 0..1 GiB at +0x40000000; all RAM is mapped NX at DIRECT_MAP_BASE; kernel
 * virtual areas (stacks, HP mmap) start at KVA_BASE. pfa.c, kmalloc.c and
 * area.c are pure logic, also compiled on the host for the unit tests.
 */
#ifndef JINY_MM_H
#define JINY_MM_H

#include "kern/kern.h"

#define IMAGE_BASE 0x40000000UL /* virtual = physical + IMAGE_BASE below 1 GiB */
#define IMAGE_END 0x80000000UL
#define DIRECT_MAP_BASE 0xffff800000000000UL
#define KVA_BASE 0xffffc00000000000UL
#define KVA_END 0xffffff8000000000UL

static inline void *phys_to_virt(paddr_t pa) { return (void *)(pa + DIRECT_MAP_BASE); }
/* Only for direct-map and image-window addresses. */
static inline paddr_t virt_to_phys_linear(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	return v >= DIRECT_MAP_BASE ? v - DIRECT_MAP_BASE : v - IMAGE_BASE;
}

/* ---- pfa.c: page-frame allocator (buddy system, orders 0..PFA_MAX_ORDER) ---- */
#define PFA_MAX_ORDER 10 /* 4 MiB blocks */

struct pfa_range {
	paddr_t start, end; /* [start, end), page aligned */
};
/*
 * Hand the allocator the usable RAM. 'meta' is memory for its bookkeeping
 * (pfa_meta_size() bytes), reached through 'to_virt' (identity on the host).
 */
size_t pfa_meta_size(paddr_t max_addr);
void pfa_init(void *meta, paddr_t max_addr, void *(*to_virt)(paddr_t));
void pfa_add_range(paddr_t start, paddr_t end); /* free frames */
paddr_t pfa_alloc(unsigned order);              /* 0 on failure; not zeroed */
void pfa_free(paddr_t pa, unsigned order);
size_t pfa_free_pages(void);
size_t pfa_total_pages(void);
/*
 * Touch the next pages of the stack before taking a lock the page-fault path
 * needs (vma_lock, the pfa lock): thread stacks are filled on demand, and a
 * fault on a fresh stack page while holding such a lock would wait on
 * itself. The code under those locks is shallow and takes no other lock
 * (vmarea.c's lock discipline), so 8 KiB covers it.
 */
static inline void stack_prefault(void)
{
	volatile const char *sp = (volatile const char *)__builtin_frame_address(0);
	(void)sp[-4096];
	(void)sp[-8192];
}

/* The allocators' locks: defined by the kernel (mm/page.c) or the host tests. */
void pfa_lock(void);
void pfa_unlock(void);
void kmalloc_lock(void);
void kmalloc_unlock(void);
bool vma_lock_held_here(void); /* vmarea.c: for lock-order checks (interrupts off) */

/* Kernel-side convenience (direct-map pointers, zeroed). NULL when out of memory. */
void *page_alloc(unsigned order);
void *page_alloc_uninit(unsigned order); /* the same, not zeroed (kmalloc's source) */
void page_free(void *va, unsigned order);

/* ---- kmalloc.c: kernel heap. Size classes over pages; big blocks straight from pages. ---- */
void *kmalloc(size_t size);       /* 16-byte aligned, not zeroed; NULL on OOM */
void *kzalloc(size_t size);
void *kmalloc_aligned(size_t size, size_t align); /* align <= PAGE_SIZE */
void kfree(void *p);
size_t kmalloc_usable_size(const void *p);
/* The page source kmalloc uses: the kernel's page_alloc, or a host stub in tests. */
void kmalloc_set_page_source(void *(*alloc)(unsigned order), void (*free)(void *, unsigned order));
size_t kmalloc_bytes_in_use(void);

/* ---- vm.c: page tables ---- */
#define PTE_P (1UL << 0)
#define PTE_W (1UL << 1)
#define PTE_U (1UL << 2)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_A (1UL << 5)
#define PTE_D (1UL << 6)
#define PTE_PS (1UL << 7)
#define PTE_G (1UL << 8)
#define PTE_NX (1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL

void vm_init(void);                                   /* kernel page tables, switch to them */
int vm_map(uintptr_t va, paddr_t pa, size_t len, uint64_t flags); /* 4K pages in the kernel tables */
/* Make the tables of [va, va+len) exist, lock-free; vm_map_prepared then allocates nothing. */
int vm_prepare(uintptr_t va, size_t len);
int vm_map_prepared(uintptr_t va, paddr_t pa, size_t len, uint64_t flags);
void vm_unmap(uintptr_t va, size_t len);              /* frames are not freed */
int vm_protect(uintptr_t va, size_t len, uint64_t flags);
paddr_t vm_translate(uintptr_t va, uint64_t *flags); /* ~0 when unmapped */
/* Call fn for every present 4 KiB page-table entry in [s, e); absent tables are skipped whole. */
typedef void (*vm_leaf_fn)(uintptr_t va, uint64_t *pte, void *ctx);
void vm_for_each_mapped(uintptr_t s, uintptr_t e, vm_leaf_fn fn, void *ctx);

/* ---- vmarea.c: kernel virtual areas (thread stacks with guard pages, HP mmap, MMIO) ---- */
void *vmarea_alloc(size_t len, size_t guard, uint64_t flags); /* backed by fresh zeroed frames */
void *vmarea_reserve(size_t len, size_t guard, uint64_t flags); /* filled on demand */
void vmarea_free(void *va, size_t len, size_t guard);
void *vmarea_map_mmio(paddr_t pa, size_t len);
/* Demand-zero fault in a kernel virtual area (returns false if not ours). */
bool vmarea_fault(uintptr_t va, bool write);

#endif
