/*
 * uvm.h - address spaces of compat processes (mm/uvm.c), DESIGN.md 3.
 *
 * Each struct mm has its own PML4. Its lower half holds the process's pages
 * in 0x10000..0x3fffffff and 0x80000000..USER_END; the image window
 * (0x40000000..0x7fffffff: kernel, HP app, libc) is the kernel's own page
 * directory, linked into every mm's first PDPT, and the upper half (direct
 * map, kernel virtual areas) is copied from the kernel's PML4, so kernel
 * code runs the same whatever mm is loaded. User pages carry PTE_U; kernel
 * pages never do, so with SMEP/SMAP/NX ring 3 can reach only its own pages.
 *
 * Areas (struct uvma) are an area set (mm/area.h); anonymous memory is filled on
 * demand with zeroed frames; file mappings are read in when mapped (private
 * copies). fork() copies the areas and shares the frames copy-on-write:
 * frames have a reference count (uvm.c), writable private pages become
 * read-only + PTE_COW in both, and the first write copies (or, if the count
 * fell back to 1, just takes the page). MAP_SHARED anonymous areas stay
 * shared across fork. One spinlock per mm guards its areas and page tables.
 */
#ifndef JINY_UVM_H
#define JINY_UVM_H

#include "mm/mm.h"
#include "mm/area.h"
#include "kern/spinlock.h"
#include "kern/boot.h"

#define USER_MIN 0x10000UL               /* like vm.mmap_min_addr */
#define USER_END 0x7ffffffff000UL        /* last page below the canonical hole */
#define USER_STACK_TOP 0x7ffffffde000UL
#define USER_STACK_SIZE (8UL << 20)
#define USER_MMAP_TOP 0x7ffff7fff000UL   /* mmap areas grow down from here */
#define USER_PIE_BASE 0x555555554000UL   /* where static-PIE programs load */
#define PTE_COW (1UL << 9)               /* software bit: copy on write */

#define UVMA_SHARED 1u   /* MAP_SHARED anonymous: fork shares, no COW */
#define UVMA_STACK 2u    /* the main thread's stack */
#define UVMA_BRK 4u      /* the brk heap */

struct uvma {
	/* a.start, a.end: page aligned; a.prot: PTE flags of its pages
	 * (PTE_P|PTE_U|W|NX), 0 = PROT_NONE; a.flags: UVMA_* */
	struct area a;
	int prot;             /* PROT_* as given */
	/* Pages filled from a file on first touch (program segments, private file
	 * mappings): bytes [fstart, fend) come from file offset foff + (va - fstart),
	 * the rest of the area is zero. NULL: anonymous. */
	struct file *file;
	uintptr_t fstart, fend;
	uint64_t foff;
};

struct mm {
	uint64_t *pml4;       /* direct-map address; fixed by uvm_create */
	paddr_t cr3;          /* fixed by uvm_create */
	spinlock_t lock;      /* the areas and the lower half of the page tables */
	struct area_set areas; /* of struct uvma; lock; a single-threaded process's own
				* thread reads them without it (uvm_check) */
	uintptr_t brk_start, brk; /* brk_start: set by exec (or fork) before the mm runs;
				   * brk: changed under lock */
	int users;            /* threads running on it (CLONE_VM shares); atomic */
	uint64_t top_gen;     /* kernel upper-half generation copied in; no lock: whoever
			       * loads the mm copies the same entries (uvm_activate) */
	size_t rss;           /* pages mapped; lock (procfs reads it without) */
	bool bus_fault;       /* the last failed uvm_fault was past a file's end (SIGBUS);
			       * no lock: set by the faulting thread, read by its trap handler */
};

void uvm_init(void);                      /* frame reference counts; after the page allocator */
struct mm *uvm_create(void);              /* empty address space; NULL on OOM */
struct mm *uvm_fork(struct mm *parent);   /* copy-on-write copy; NULL on OOM */
void uvm_get(struct mm *mm);
void uvm_put(struct mm *mm);              /* last user: every page and table freed */
void uvm_activate(struct mm *mm);         /* load its CR3 (NULL: the kernel's) */
bool uvm_sync_kernel_fault(uintptr_t va); /* kernel #PF on an upper-half address: copied in */

bool uvm_range_ok(uintptr_t a, size_t n); /* inside user space, not the image window */
/* Map [start, start+len) with prot (PROT_*) and flags (UVMA_*); replaces what is there. */
int uvm_map_fixed(struct mm *mm, uintptr_t start, size_t len, int prot, unsigned flags);
/* The same, its pages read from f on first touch (see struct uvma); takes a reference on f. */
struct file;
int uvm_map_file(struct mm *mm, uintptr_t start, size_t len, int prot, struct file *f,
		 uintptr_t fstart, uintptr_t fend, uint64_t foff);
/* Copy bytes into the mm's memory (anonymous areas only; pages filled as needed), without PTE checks: exec. */
int uvm_write(struct mm *mm, uintptr_t va, const void *src, size_t n);
/* Serve a page fault at va (error code bits of #PF); false: the access is not allowed. */
bool uvm_fault(struct mm *mm, uintptr_t va, uint64_t err);
bool uvm_mapped(struct mm *mm, uintptr_t va); /* in an area (SIGSEGV's ACCERR vs MAPERR) */
/* Is [a, a+n) mapped with the access (write) in areas of the current mm? */
bool uvm_check(struct mm *mm, uintptr_t a, size_t n, bool write);
size_t uvm_maps_text(struct mm *mm, char *buf, size_t cap); /* /proc/PID/maps */

/* System calls of compat processes (mm/mmap.c dispatches to these). */
long uvm_mmap(struct mm *mm, uintptr_t addr, size_t len, int prot, int flags, int fd, long off);
long uvm_munmap(struct mm *mm, uintptr_t addr, size_t len);
long uvm_mprotect(struct mm *mm, uintptr_t addr, size_t len, int prot);
long uvm_mremap(struct mm *mm, uintptr_t addr, size_t old_len, size_t new_len, int flags,
		uintptr_t new_addr);
long uvm_madvise(struct mm *mm, uintptr_t addr, size_t len, int advice);
long uvm_brk(struct mm *mm, uintptr_t addr);

/* vm.c: page tables of any address space */
uint64_t *vm_pte_in(uint64_t *pml4, uintptr_t va, bool create); /* 4 KiB PTE; NULL if absent/OOM */
uint64_t vm_upper_gen(void);              /* bumped when the kernel adds an upper-half PML4 entry */
void vm_for_each_mapped_in(uint64_t *pml4, uintptr_t s, uintptr_t e, vm_leaf_fn fn, void *ctx);

#endif
