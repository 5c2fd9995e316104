/*
 * vm.c - the kernel's page tables (DESIGN.md 3). Built once at boot by
 * vm_init(), replacing the boot tables of boot/pvh.S:
 *   image window  the image's own pages, 4 KiB, with the ELF segment
 *                 permissions (text RX, rodata R+NX, data/bss RW+NX)
 *   direct map    every RAM range of the memory map, RW+NX, 2 MiB pages
 *                 where alignment allows
 *   KVA           kernel virtual areas (vmarea.c), mapped on demand
 * Nothing maps page 0 or the identity range, so NULL dereferences fault.
 * Until the page-frame allocator runs, page-table frames come from a bump
 * allocator in the RAM right after the image (boot_mem_alloc_frame, in
 * kern/start.c). Tables are created without a lock (a compare-and-swap
 * installs each) and never freed from the kernel's tables.
 */
#include "mm/mm.h"
#include "arch/arch.h"
#include "kern/boot.h"

static uint64_t *kernel_pml4;
static paddr_t (*pt_frame)(void); /* a zeroed page-table frame */
static bool pt_frames_freeable;   /* pt_frame gives page_alloc frames (after vm_use_pfa) */
static uint64_t upper_gen;        /* kernel upper-half PML4 entries added (uvm.h) */

static paddr_t pt_frame_pfa(void)
{
	void *p = page_alloc(0);
	return p ? virt_to_phys_linear(p) : 0;
}

static inline uint64_t *pt_virt(paddr_t pa) { return phys_to_virt(pa); }

/* A table frame that lost the race in next_level (boot frames are never reused). */
static void pt_frame_put(paddr_t f)
{
	if (pt_frames_freeable)
		page_free(phys_to_virt(f), 0);
}

/*
 * The next-level table under entry e, created when 'create'. Creation needs
 * no lock: the new table is installed with a compare-and-swap, and a CPU
 * that loses the race frees its frame and uses the winner's. Tables are
 * never removed from the kernel's tables, so a walk without a lock is safe.
 */
static uint64_t *next_level(uint64_t *e, bool create, uint64_t *(*to_virt)(paddr_t))
{
	uint64_t old = __atomic_load_n(e, __ATOMIC_ACQUIRE);
	if (old & PTE_P) {
		if (old & PTE_PS)
			return NULL; /* a large page: no table below */
		return to_virt(old & PTE_ADDR);
	}
	if (!create)
		return NULL;
	paddr_t f = pt_frame();
	if (!f)
		return NULL;
	/* Upper levels are permissive; leaves carry the real permissions. */
	uint64_t mine = f | PTE_P | PTE_W | PTE_U;
	if (!__atomic_compare_exchange_n(e, &old, mine, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		pt_frame_put(f); /* another CPU installed one first */
		return (old & PTE_PS) ? NULL : to_virt(old & PTE_ADDR);
	}
	return to_virt(f);
}

static uint64_t *walk_to(uint64_t *pml4, uintptr_t va, int level, bool create,
			 uint64_t *(*to_virt)(paddr_t))
{
	uint64_t *t = pml4;
	for (int l = 4; l > level; l--) {
		int shift = 12 + 9 * (l - 1);
		uint64_t *e = &t[(va >> shift) & 511];
		bool was = *e & PTE_P;
		t = next_level(e, create, to_virt);
		if (!t)
			return NULL;
		if (l == 4 && !was && pml4 == kernel_pml4 && ((va >> shift) & 511) >= 256)
			__atomic_add_fetch(&upper_gen, 1, __ATOMIC_RELEASE); /* mms copy it in */
	}
	return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

static uint64_t *walk(uintptr_t va, bool create)
{
	return walk_to(kernel_pml4, va, 1, create, pt_virt);
}

/* Write the leaves of [va, va+len); tables made on the way when 'create'. */
static int map_range(uintptr_t va, paddr_t pa, size_t len, uint64_t flags, bool create)
{
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *pte = walk(va + off, create);
		if (!pte)
			return -12; /* ENOMEM */
		*pte = ((pa + off) & PTE_ADDR) | flags | PTE_P;
		invlpg(va + off);
	}
	return 0;
}

int vm_map(uintptr_t va, paddr_t pa, size_t len, uint64_t flags)
{
	return map_range(va, pa, len, flags, true);
}

/*
 * Create the tables above the leaves of [va, va+len) (no leaf is written),
 * so that a later vm_map of the range allocates nothing. Takes no lock:
 * vmarea.c calls it before vma_lock, under which nothing may allocate.
 */
int vm_prepare(uintptr_t va, size_t len)
{
	uintptr_t end = va + len;
	for (uintptr_t at = ALIGN_DOWN(va, PAGE_SIZE); at < end;) {
		if (!walk(at, true))
			return -12;
		at = ALIGN_DOWN(at, 0x200000) + 0x200000; /* the next leaf table */
	}
	return 0;
}

/* vm_map for a range vm_prepare made ready: -ENOMEM, never an allocation, if it was not. */
int vm_map_prepared(uintptr_t va, paddr_t pa, size_t len, uint64_t flags)
{
	return map_range(va, pa, len, flags, false);
}

/* Visit the present 4 KiB leaves of [s, e) at 'level', skipping absent tables whole. */
static void range_walk(uint64_t *t, int level, uintptr_t base, uintptr_t s, uintptr_t e,
		       vm_leaf_fn fn, void *ctx)
{
	int shift = 12 + 9 * (level - 1);
	uintptr_t span = 1UL << shift;
	for (int i = (int)((MAX(s, base) - base) >> shift) & 511; i < 512; i++) {
		uintptr_t va = base + (uintptr_t)i * span;
		if (level == 4 && i >= 256)
			va |= 0xffff000000000000UL; /* canonical upper half */
		if (va >= e)
			break;
		if (!(t[i] & PTE_P))
			continue;
		if (level == 1)
			fn(va, &t[i], ctx);
		else if (!(t[i] & PTE_PS))
			range_walk(pt_virt(t[i] & PTE_ADDR), level - 1, va, s, e, fn, ctx);
	}
}

void vm_for_each_mapped(uintptr_t s, uintptr_t e, vm_leaf_fn fn, void *ctx)
{
	if (s < e)
		range_walk(kernel_pml4, 4, 0, s, e, fn, ctx);
}

void vm_for_each_mapped_in(uint64_t *pml4, uintptr_t s, uintptr_t e, vm_leaf_fn fn, void *ctx)
{
	if (s < e)
		range_walk(pml4, 4, 0, s, e, fn, ctx);
}

uint64_t *vm_pte_in(uint64_t *pml4, uintptr_t va, bool create)
{
	return walk_to(pml4, va, 1, create, pt_virt);
}

uint64_t vm_upper_gen(void) { return __atomic_load_n(&upper_gen, __ATOMIC_ACQUIRE); }

static void unmap_leaf(uintptr_t va, uint64_t *pte, void *ctx)
{
	*pte = 0;
	invlpg(va);
}

void vm_unmap(uintptr_t va, size_t len)
{
	vm_for_each_mapped(va, va + len, unmap_leaf, NULL);
}

static void protect_leaf(uintptr_t va, uint64_t *pte, void *ctx)
{
	*pte = (*pte & PTE_ADDR) | *(uint64_t *)ctx | PTE_P;
	invlpg(va);
}

int vm_protect(uintptr_t va, size_t len, uint64_t flags)
{
	vm_for_each_mapped(va, va + len, protect_leaf, &flags);
	return 0;
}

paddr_t vm_translate(uintptr_t va, uint64_t *flags)
{
	uint64_t *t = kernel_pml4;
	for (int l = 4; l >= 1; l--) {
		uint64_t e = t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(e & PTE_P))
			return ~(paddr_t)0;
		if (l == 1 || (e & PTE_PS)) {
			uint64_t mask = (1UL << (12 + 9 * (l - 1))) - 1;
			if (flags)
				*flags = e & ~PTE_ADDR;
			return (e & PTE_ADDR & ~mask) | (va & mask);
		}
		t = pt_virt(e & PTE_ADDR);
	}
	return ~(paddr_t)0;
}

/* ---- building the tables at boot, while the boot tables identity-map 1 GiB ---- */

static uint64_t *identity(paddr_t pa) { return (uint64_t *)pa; }

static void map_early(uint64_t *pml4, uintptr_t va, paddr_t pa, size_t len, uint64_t flags)
{
	size_t off = 0;
	while (off < len) {
		uintptr_t v = va + off;
		paddr_t p = pa + off;
		if (!((v | p) & (0x200000 - 1)) && len - off >= 0x200000) {
			uint64_t *pde = walk_to(pml4, v, 2, true, identity);
			BUG_ON(!pde);
			*pde = p | flags | PTE_P | PTE_PS;
			off += 0x200000;
		} else {
			uint64_t *pte = walk_to(pml4, v, 1, true, identity);
			BUG_ON(!pte);
			*pte = p | flags | PTE_P;
			off += PAGE_SIZE;
		}
	}
}

void vm_init(void)
{
	extern char __image_start[], __rodata_start[], __data_start[], __image_end[];

	pt_frame = boot_mem_alloc_frame;
	uint64_t *pml4 = identity(boot_mem_alloc_frame());

	/* Direct map of every RAM range. */
	for (int i = 0; i < boot_info.nr_ram; i++) {
		paddr_t s = boot_info.ram[i].start, e = boot_info.ram[i].end;
		map_early(pml4, DIRECT_MAP_BASE + s, s, e - s, PTE_W | PTE_NX | PTE_G);
	}
	/* The image, with its segments' permissions. */
	uintptr_t text = (uintptr_t)__image_start, ro = (uintptr_t)__rodata_start,
		  data = (uintptr_t)__data_start, end = (uintptr_t)__image_end;
	map_early(pml4, text, text - IMAGE_BASE, ro - text, PTE_G);
	map_early(pml4, ro, ro - IMAGE_BASE, data - ro, PTE_NX | PTE_G);
	map_early(pml4, data, data - IMAGE_BASE, end - data, PTE_W | PTE_NX | PTE_G);

	write_cr3((uint64_t)pml4);
	write_cr4(read_cr4() | CR4_PGE);
	kernel_pml4 = phys_to_virt((paddr_t)pml4);
}

/* Called once the page-frame allocator runs. */
void vm_use_pfa(void)
{
	pt_frame = pt_frame_pfa;
	pt_frames_freeable = true;
}

uint64_t *vm_kernel_pml4(void) { return kernel_pml4; }
