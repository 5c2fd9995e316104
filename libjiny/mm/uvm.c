/*
 * uvm.c - address spaces of compat processes (contract: uvm.h): page
 * tables per mm sharing the kernel's parts, areas (an area set of struct
 * uvma per mm, mm/area.c), demand-zero faults, copy-on-write fork with
 * frame reference counts, and the memory system calls
 * (mmap/munmap/mprotect/mremap/madvise/brk) with Linux semantics.
 */
#include "mm/uvm.h"
#include "abi/linux.h"
#include "arch/arch.h"
#include "kern/errno.h"
#include "fs/vfs.h"
#include "syscall/sys.h"


/* ---- frame reference counts (copy-on-write sharing) ---- */

static uint32_t *frame_refs; /* by page frame number; 0 = not a user frame */
static size_t nr_frames;

void uvm_init(void)
{
	nr_frames = boot_info.max_ram / PAGE_SIZE;
	frame_refs = kzalloc(nr_frames * sizeof(*frame_refs));
	if (!frame_refs)
		panic("no memory for %zu frame reference counts", nr_frames);
}

static void frame_ref(paddr_t pa)
{
	__atomic_add_fetch(&frame_refs[pa / PAGE_SIZE], 1, __ATOMIC_RELAXED);
}

/* Drop a reference; true when it was the last (the caller frees the frame). */
static bool frame_unref(paddr_t pa)
{
	return __atomic_sub_fetch(&frame_refs[pa / PAGE_SIZE], 1, __ATOMIC_ACQ_REL) == 0;
}

static uint32_t frame_count(paddr_t pa)
{
	return __atomic_load_n(&frame_refs[pa / PAGE_SIZE], __ATOMIC_ACQUIRE);
}

/* A user frame with one reference whose content the caller writes whole; 0 when out of memory. */
static paddr_t frame_new_raw(void)
{
	paddr_t pa = pfa_alloc(0);
	if (pa)
		frame_refs[pa / PAGE_SIZE] = 1;
	return pa;
}

/* A fresh zeroed user frame with one reference; 0 when out of memory. */
static paddr_t frame_new(void)
{
	void *p = page_alloc(0);
	if (!p)
		return 0;
	paddr_t pa = virt_to_phys_linear(p);
	frame_refs[pa / PAGE_SIZE] = 1;
	return pa;
}

/* ---- locking and TLBs ---- */

static uint64_t mm_lock(struct mm *mm)
{
	stack_prefault();
	return spin_lock_irqsave(&mm->lock);
}

static void mm_unlock(struct mm *mm, uint64_t f) { spin_unlock_irqrestore(&mm->lock, f); }

/* After PTEs of [s, e) changed: this CPU and any other running the mm's threads. */
static void mm_flush(struct mm *mm, uintptr_t s, uintptr_t e)
{
	if (e - s > 64 * PAGE_SIZE)
		write_cr3(read_cr3());
	else
		for (uintptr_t va = s; va < e; va += PAGE_SIZE)
			invlpg(va);
	if (mm->users > 1)
		tlb_shootdown(s, e);
}

/* ---- area nodes (mm/area.c does the bookkeeping) ---- */

static struct uvma *uvma(struct area *a)
{
	return a ? container_of(a, struct uvma, a) : NULL;
}

/* A split or a copy (fork, mremap): the same payload, one more reference on the file. */
static void uvma_copy(struct area *dst, const struct area *src)
{
	const struct uvma *s = container_of(src, const struct uvma, a);
	struct uvma *d = uvma(dst);
	d->prot = s->prot;
	d->file = s->file;
	d->fstart = s->fstart;
	d->fend = s->fend;
	d->foff = s->foff;
	if (d->file)
		file_get(d->file);
}

static void uvma_release(struct area *a)
{
	if (uvma(a)->file)
		file_put(uvma(a)->file);
}

/* Splits allocate under mm->lock; unlinked nodes are freed after it (area_pool_release). */
static const struct area_ops uvma_ops = {
	.size = sizeof(struct uvma), .alloc = kmalloc, .free = kfree,
	.copy = uvma_copy, .release = uvma_release,
};

/* The area holding va (mm->lock held). */
static struct uvma *uvma_find(struct mm *mm, uintptr_t va)
{
	return uvma(area_find(&mm->areas, va));
}

/* ---- address spaces ---- */

bool uvm_range_ok(uintptr_t a, size_t n)
{
	if (a < USER_MIN || n > USER_END || a > USER_END - n)
		return false;
	return a + n <= IMAGE_BASE || a >= IMAGE_END; /* never the image window */
}

static void sync_upper(struct mm *mm)
{
	uint64_t gen = vm_upper_gen();
	if (mm->top_gen == gen)
		return;
	uint64_t *k = vm_kernel_pml4();
	for (int i = 256; i < 512; i++)
		mm->pml4[i] = k[i];
	mm->top_gen = gen;
}

struct mm *uvm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));
	uint64_t *pml4 = page_alloc(0), *pdpt = page_alloc(0);
	if (!mm || !pml4 || !pdpt) {
		kfree(mm);
		if (pml4)
			page_free(pml4, 0);
		if (pdpt)
			page_free(pdpt, 0);
		return NULL;
	}
	uint64_t *k = vm_kernel_pml4();
	uint64_t *kpdpt = phys_to_virt(k[0] & PTE_ADDR);
	pdpt[1] = kpdpt[1]; /* the image window's page directory, shared */
	pml4[0] = virt_to_phys_linear(pdpt) | PTE_P | PTE_W | PTE_U;
	mm->pml4 = pml4;
	mm->cr3 = virt_to_phys_linear(pml4);
	area_set_init(&mm->areas, &uvma_ops);
	mm->lock = (spinlock_t)SPINLOCK_INIT;
	mm->users = 1;
	mm->top_gen = ~0UL;
	sync_upper(mm);
	return mm;
}

void uvm_activate(struct mm *mm)
{
	paddr_t cr3;
	if (mm) {
		sync_upper(mm);
		cr3 = mm->cr3;
	} else {
		cr3 = virt_to_phys_linear(vm_kernel_pml4());
	}
	if (read_cr3() != cr3)
		write_cr3(cr3);
}

/* A kernel-mode fault on an upper-half address under an mm whose copy is old. */
bool uvm_sync_kernel_fault(uintptr_t va)
{
	uint64_t *cur = phys_to_virt(read_cr3() & PTE_ADDR), *k = vm_kernel_pml4();
	int i = (va >> 39) & 511;
	if (cur == k || i < 256 || cur[i] == k[i] || !(k[i] & PTE_P))
		return false;
	cur[i] = k[i];
	return true;
}

void uvm_get(struct mm *mm) { __atomic_add_fetch(&mm->users, 1, __ATOMIC_ACQ_REL); }

static void free_leaf(uintptr_t va, uint64_t *pte, void *ctx)
{
	paddr_t pa = *pte & PTE_ADDR;
	*pte = 0;
	if (frame_unref(pa))
		pfa_free(pa, 0);
}

/* Free the lower-half tables (not the image window's directory). */
static void free_tables(uint64_t *t, int level, bool top)
{
	for (int i = 0; i < (top ? 256 : 512); i++) {
		if (!(t[i] & PTE_P))
			continue;
		uint64_t *next = phys_to_virt(t[i] & PTE_ADDR);
		if (level > 2)
			free_tables(next, level - 1, false);
		page_free(next, 0);
	}
}

void uvm_put(struct mm *mm)
{
	if (__atomic_sub_fetch(&mm->users, 1, __ATOMIC_ACQ_REL))
		return;
	struct area *a;
	uint64_t f = mm_lock(mm);
	/* Every user page lies in an area: walk those, not the whole sparse half. */
	area_for_each(a, &mm->areas)
		vm_for_each_mapped_in(mm->pml4, a->start, a->end, free_leaf, NULL);
	mm_unlock(mm, f);
	uint64_t *pdpt = phys_to_virt(mm->pml4[0] & PTE_ADDR);
	pdpt[1] = 0; /* the shared image directory is not ours to free */
	free_tables(mm->pml4, 4, true);
	page_free(mm->pml4, 0);
	area_set_clear(&mm->areas);
	kfree(mm);
}

/* ---- areas ---- */

static uint64_t prot_pte(int prot)
{
	if (!(prot & (PROT_READ_K | PROT_WRITE_K | PROT_EXEC_K)))
		return 0;
	uint64_t pte = PTE_P | PTE_U;
	if (prot & PROT_WRITE_K)
		pte |= PTE_W;
	if (!(prot & PROT_EXEC_K))
		pte |= PTE_NX;
	return pte;
}

/* A new area of [s, e) with prot (PROT_*) and flags, not yet in the set; NULL on OOM. */
static struct uvma *uvma_new(struct mm *mm, struct area_pool *p, uintptr_t s, uintptr_t e,
			     int prot, unsigned flags)
{
	struct uvma *v = uvma(area_new(&mm->areas, p, s, e));
	if (v) {
		v->a.prot = prot_pte(prot);
		v->a.flags = flags;
		v->prot = prot;
		v->file = NULL; /* anonymous; uvm_map_file sets the file */
		v->fstart = v->fend = 0;
		v->foff = 0;
	}
	return v;
}

/*
 * Unmap the pages of [s, e). Frames are freed only after the TLBs dropped
 * them: collected first, flushed, then released.
 */
struct zap {
	struct mm *mm;
	paddr_t frames[64];
	int n;
};

static void zap_flush(struct zap *z, uintptr_t s, uintptr_t e)
{
	mm_flush(z->mm, s, e);
	for (int i = 0; i < z->n; i++)
		if (frame_unref(z->frames[i]))
			pfa_free(z->frames[i], 0);
	z->n = 0;
}

struct zap_walk {
	struct zap *z;
	uintptr_t s, e;
};

static void zap_leaf(uintptr_t va, uint64_t *pte, void *p)
{
	struct zap_walk *w = p;
	if (w->z->n == (int)ARRAY_SIZE(w->z->frames))
		zap_flush(w->z, w->s, w->e);
	w->z->frames[w->z->n++] = *pte & PTE_ADDR;
	*pte = 0;
	w->z->mm->rss--;
}

static void zap_range(struct mm *mm, uintptr_t s, uintptr_t e)
{
	struct zap z = { .mm = mm, .n = 0 };
	struct zap_walk w = { &z, s, e };
	vm_for_each_mapped_in(mm->pml4, s, e, zap_leaf, &w);
	zap_flush(&z, s, e);
}

/* area_remove's cut: the pages of [s, e). */
static void zap_cut(struct area *a, uintptr_t s, uintptr_t e, void *mm)
{
	zap_range(mm, s, e);
}

/*
 * Cut [s, e) out of the areas (mm->lock held); pages unmapped. The nodes
 * that go wait in p until area_pool_release, after the lock.
 */
static int unmap_areas(struct mm *mm, uintptr_t s, uintptr_t e, struct area_pool *p)
{
	return area_remove(&mm->areas, s, e, p, zap_cut, mm);
}

/* A free gap of len bytes, searching down from USER_MMAP_TOP (hint first). */
static uintptr_t find_gap(struct mm *mm, size_t len, uintptr_t hint)
{
	uintptr_t at;
	if (hint && uvm_range_ok(hint, len) && !area_first_in(&mm->areas, hint, hint + len))
		return hint;
	return area_gap(&mm->areas, IMAGE_END, USER_MMAP_TOP, len, PAGE_SIZE, AREA_TOP_DOWN, &at)
		       ? at
		       : 0;
}

/* v (got before the lock) replaces whatever is mapped in its range; given back on failure. */
static int uvma_install(struct mm *mm, struct uvma *v, struct area_pool *p)
{
	uint64_t f = mm_lock(mm);
	int r = unmap_areas(mm, v->a.start, v->a.end, p);
	if (r == 0)
		area_insert(&mm->areas, &v->a);
	mm_unlock(mm, f);
	if (r)
		area_discard(p, &v->a);
	area_pool_release(&mm->areas, p);
	return r;
}

int uvm_map_fixed(struct mm *mm, uintptr_t start, size_t len, int prot, unsigned flags)
{
	struct area_pool p = AREA_POOL_INIT;
	len = ALIGN_UP(len, PAGE_SIZE);
	if ((start & (PAGE_SIZE - 1)) || !uvm_range_ok(start, len))
		return -EINVAL;
	struct uvma *v = uvma_new(mm, &p, start, start + len, prot, flags);
	return v ? uvma_install(mm, v, &p) : -ENOMEM;
}

int uvm_map_file(struct mm *mm, uintptr_t start, size_t len, int prot, struct file *f,
		 uintptr_t fstart, uintptr_t fend, uint64_t foff)
{
	struct area_pool p = AREA_POOL_INIT;
	len = ALIGN_UP(len, PAGE_SIZE);
	if ((start & (PAGE_SIZE - 1)) || !uvm_range_ok(start, len))
		return -EINVAL;
	struct uvma *v = uvma_new(mm, &p, start, start + len, prot, 0);
	if (!v)
		return -ENOMEM;
	file_get(f);
	v->file = f;
	v->fstart = fstart;
	v->fend = fend;
	v->foff = foff;
	return uvma_install(mm, v, &p);
}

/* ---- faults ---- */

/* Map a page at va (mm->lock held): a fresh zeroed frame with the area's flags. */
static int fill_page(struct mm *mm, struct uvma *v, uintptr_t va)
{
	uint64_t *pte = vm_pte_in(mm->pml4, va, true);
	if (!pte)
		return -ENOMEM;
	if (*pte & PTE_P)
		return 0;
	paddr_t pa = frame_new();
	if (!pa)
		return -ENOMEM;
	*pte = pa | (v->a.prot ? v->a.prot : PTE_P | PTE_NX); /* PROT_NONE_K: present, not PTE_U */
	mm->rss++;
	return 0;
}

/* Break copy-on-write of the present PTE (mm->lock held). */
static int cow_page(struct mm *mm, struct uvma *v, uintptr_t va, uint64_t *pte)
{
	paddr_t old = *pte & PTE_ADDR;
	if (frame_count(old) == 1) {
		*pte = (*pte & ~PTE_COW) | PTE_W; /* the last sharer: take it */
	} else {
		paddr_t pa = frame_new_raw(); /* overwritten whole: no need to zero it */
		if (!pa)
			return -ENOMEM;
		memcpy(phys_to_virt(pa), phys_to_virt(old), PAGE_SIZE);
		*pte = pa | v->a.prot;
		if (frame_unref(old))
			pfa_free(old, 0);
	}
	invlpg(va);
	if (mm->users > 1)
		tlb_shootdown(va, va + PAGE_SIZE);
	return 0;
}

/*
 * A page of a file-backed area (mm->lock dropped by the caller): read it
 * without the lock (the file system may sleep), then install it unless the
 * area changed meanwhile (then the access simply faults again).
 */
static bool file_fault(struct mm *mm, struct uvma *v, uintptr_t base)
{
	struct file *fl = v->file;
	uintptr_t fstart = v->fstart, fend = v->fend;
	uint64_t foff = v->foff;
	if (fl->vnode && base >= fstart && base < fend &&
	    foff + (base - fstart) >= ALIGN_UP(READ_ONCE(fl->vnode->size), PAGE_SIZE)) {
		mm->bus_fault = true; /* a page wholly past the end of the file: SIGBUS */
		return false;
	}
	file_get(fl);
	paddr_t pa = frame_new_raw();
	if (!pa) {
		file_put(fl);
		printk("jiny: out of memory on a page fault at %#lx\n", base);
		return false;
	}
	uint8_t *page = phys_to_virt(pa);
	uintptr_t s = MAX(base, fstart), e = MIN(base + PAGE_SIZE, fend);
	size_t got = 0;
	bool ok = true;
	if (s < e) {
		ssize_t r = vfs_pread(fl, page + (s - base), e - s, foff + (s - fstart));
		ok = r >= 0; /* short: past the end of the file, zeros */
		got = r > 0 ? (size_t)r : 0;
	} else {
		s = base;
	}
	/* Zero what the file did not fill: before its bytes, after them (bss, EOF). */
	memset(page, 0, s - base);
	memset(page + (s - base) + got, 0, PAGE_SIZE - (s - base) - got);
	uint64_t f = mm_lock(mm);
	struct uvma *nv = uvma_find(mm, base);
	uint64_t *pte = ok ? vm_pte_in(mm->pml4, base, true) : NULL;
	if (ok && nv && nv->file == fl && nv->fstart == fstart && nv->foff == foff && pte &&
	    !(*pte & PTE_P)) {
		*pte = pa | nv->a.prot;
		mm->rss++;
		pa = 0;
	}
	mm_unlock(mm, f);
	if (pa && frame_unref(pa))
		pfa_free(pa, 0);
	file_put(fl);
	return ok;
}

bool uvm_fault(struct mm *mm, uintptr_t va, uint64_t err)
{
	bool write = err & 2, fetch = err & 16;
	mm->bus_fault = false;
	uint64_t f = mm_lock(mm);
	bool ok = false;
	struct uvma *v = uvma_find(mm, va);
	if (!v || !v->a.prot)
		goto out;
	if ((write && !(v->a.prot & PTE_W)) || (fetch && (v->a.prot & PTE_NX)))
		goto out;
	uintptr_t base = ALIGN_DOWN(va, PAGE_SIZE);
	uint64_t *pte = vm_pte_in(mm->pml4, base, false);
	if ((!pte || !(*pte & PTE_P)) && v->file) {
		mm_unlock(mm, f);
		return file_fault(mm, v, base);
	}
	if (!pte || !(*pte & PTE_P)) {
		ok = fill_page(mm, v, base) == 0;
		if (!ok)
			printk("jiny: out of memory on a page fault at %#lx\n", va);
		goto out;
	}
	if (write && (*pte & PTE_COW)) {
		ok = cow_page(mm, v, base, pte) == 0;
		goto out;
	}
	/* Present with the needed rights: another thread filled it, or a stale TLB entry. */
	ok = !(write && !(*pte & PTE_W));
	if (ok)
		invlpg(base);
out:
	mm_unlock(mm, f);
	return ok;
}

bool uvm_mapped(struct mm *mm, uintptr_t va)
{
	uint64_t f = mm_lock(mm);
	bool r = area_find(&mm->areas, va) != NULL;
	mm_unlock(mm, f);
	return r;
}

bool uvm_check(struct mm *mm, uintptr_t a, size_t n, bool write)
{
	if (!n)
		return true;
	if (!uvm_range_ok(a, n))
		return false;
	/* Only this thread changes the areas of a single-threaded process: no lock needed. */
	bool lock = READ_ONCE(mm->users) > 1;
	uint64_t f = lock ? mm_lock(mm) : 0;
	bool ok = area_covers(&mm->areas, a, a + n, write ? PTE_P | PTE_W : PTE_P, 0);
	if (lock)
		mm_unlock(mm, f);
	return ok;
}

int uvm_write(struct mm *mm, uintptr_t va, const void *src, size_t n)
{
	const uint8_t *s = src;
	uint64_t f = mm_lock(mm);
	int r = 0;
	while (n) {
		uintptr_t base = ALIGN_DOWN(va, PAGE_SIZE);
		struct uvma *v = uvma_find(mm, va);
		if (!v || v->file) {
			r = -EFAULT;
			break;
		}
		uint64_t *pte = vm_pte_in(mm->pml4, base, false);
		if (!pte || !(*pte & PTE_P)) {
			if ((r = fill_page(mm, v, base)) < 0)
				break;
			pte = vm_pte_in(mm->pml4, base, false);
		} else if (*pte & PTE_COW) {
			if ((r = cow_page(mm, v, base, pte)) < 0)
				break;
		}
		size_t off = va - base, chunk = MIN(n, PAGE_SIZE - off);
		memcpy((uint8_t *)phys_to_virt(*pte & PTE_ADDR) + off, s, chunk);
		s += chunk;
		va += chunk;
		n -= chunk;
	}
	mm_unlock(mm, f);
	return r;
}

/* ---- fork ---- */

struct fork_ctx {
	struct mm *child;
	struct area *area;
	int err;
};

static void fork_leaf(uintptr_t va, uint64_t *pte, void *p)
{
	struct fork_ctx *c = p;
	if (c->err)
		return;
	uint64_t e = *pte;
	if (!(c->area->flags & UVMA_SHARED)) {
		/* Private: shared copy-on-write from now on, even if read-only today
		 * (mprotect may make it writable later). The parent's PTE too:
		 * flushed by the caller. */
		e = (e & ~PTE_W) | PTE_COW;
		*pte = e;
	}
	uint64_t *cpte = vm_pte_in(c->child->pml4, va, true);
	if (!cpte) {
		c->err = -ENOMEM;
		return;
	}
	frame_ref(e & PTE_ADDR);
	*cpte = e & ~(PTE_A | PTE_D);
	c->child->rss++;
}

struct mm *uvm_fork(struct mm *parent)
{
	struct mm *child = uvm_create();
	if (!child)
		return NULL;
	struct area_pool p = AREA_POOL_INIT; /* stays empty: the child's nodes are allocated */
	struct area *a;
	uint64_t f = mm_lock(parent);
	struct fork_ctx c = { child, NULL, 0 };
	area_for_each(a, &parent->areas) {
		struct area *na = area_clone(&child->areas, &p, a, a->start, a->end);
		if (!na) {
			c.err = -ENOMEM;
			break;
		}
		area_insert(&child->areas, na);
		c.area = a;
		vm_for_each_mapped_in(parent->pml4, a->start, a->end, fork_leaf, &c);
		if (c.err)
			break;
	}
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	mm_flush(parent, 0, USER_END); /* the parent's pages became read-only */
	mm_unlock(parent, f);
	if (c.err) {
		uvm_put(child);
		return NULL;
	}
	return child;
}

/* ---- /proc/PID/maps ---- */

size_t uvm_maps_text(struct mm *mm, char *buf, size_t cap)
{
	size_t n = 0;
	struct area *a;
	uint64_t f = mm_lock(mm);
	area_for_each(a, &mm->areas) {
		char line[128];
		int prot = uvma(a)->prot;
		int l = ksnprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c 00000000 00:00 0 %s\n",
				  a->start, a->end, prot & PROT_READ_K ? 'r' : '-',
				  prot & PROT_WRITE_K ? 'w' : '-', prot & PROT_EXEC_K ? 'x' : '-',
				  a->flags & UVMA_SHARED ? 's' : 'p',
				  a->flags & UVMA_STACK ? "          [stack]"
				  : a->flags & UVMA_BRK ? "          [heap]" : "");
		if (l > 0 && n + (size_t)l <= cap) {
			memcpy(buf + n, line, (size_t)l);
			n += (size_t)l;
		}
	}
	mm_unlock(mm, f);
	return n;
}

/* ---- system calls ---- */

long uvm_mmap(struct mm *mm, uintptr_t addr, size_t len, int prot, int flags, int fd, long off)
{
	if (!len || (off & (PAGE_SIZE - 1)) || off < 0)
		return -EINVAL;
	int type = flags & MAP_TYPE_K;
	if (type != MAP_PRIVATE_K && type != MAP_SHARED_K && type != MAP_SHARED_VALIDATE_K)
		return -EINVAL;
	if (len > USER_END)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	bool anon = flags & MAP_ANONYMOUS_K;
	if (!anon) {
		struct file *fl = fd_get(fd);
		if (!fl)
			return -EBADF;
		unsigned acc = fl->flags & O_ACCMODE_K;
		file_put(fl);
		if (acc == O_WRONLY_K ||
		    (type != MAP_PRIVATE_K && (prot & PROT_WRITE_K) && acc != O_RDWR_K))
			return -EACCES;
		if (type != MAP_PRIVATE_K && (prot & PROT_WRITE_K))
			return -ENODEV; /* writable shared file mappings: no page cache yet */
	}
	unsigned uflags = anon && type != MAP_PRIVATE_K ? UVMA_SHARED : 0;
	uintptr_t at;
	if (flags & (MAP_FIXED_K | MAP_FIXED_NOREPLACE_K)) {
		if ((addr & (PAGE_SIZE - 1)))
			return -EINVAL;
		if (!uvm_range_ok(addr, len))
			return -ENOMEM;
		if (flags & MAP_FIXED_NOREPLACE_K) {
			uint64_t f = mm_lock(mm);
			bool busy = area_first_in(&mm->areas, addr, addr + len) != NULL;
			mm_unlock(mm, f);
			if (busy)
				return -EEXIST;
		}
		at = addr;
	} else {
		uint64_t f = mm_lock(mm);
		at = find_gap(mm, len, ALIGN_DOWN(addr, PAGE_SIZE));
		mm_unlock(mm, f);
		if (!at)
			return -ENOMEM;
	}
	int r;
	if (anon) {
		r = uvm_map_fixed(mm, at, len, prot, uflags);
	} else {
		/* A private copy, read in page by page on first touch. */
		struct file *fl = fd_get(fd);
		if (!fl)
			return -EBADF;
		if ((fl->flags & O_ACCMODE_K) == O_WRONLY_K || !fl->vnode || !fl->ops->seekable ||
		    !fl->ops->read)
			r = fl->vnode && S_ISDIR(fl->vnode->mode) ? -ENODEV : -EACCES;
		else
			r = uvm_map_file(mm, at, len, prot, fl, at, at + len, (uint64_t)off);
		file_put(fl);
	}
	if (r < 0)
		return r;
	/* Shared anonymous memory is filled now: fork shares frames that exist
	 * (there is no shared backing object to fill them later from). */
	if (((flags & MAP_POPULATE_K) && prot_pte(prot)) || (uflags & UVMA_SHARED)) {
		uint64_t f = mm_lock(mm);
		struct uvma *v = uvma_find(mm, at);
		int fr = 0;
		for (uintptr_t va = at; v && !v->file && va < at + len && !fr; va += PAGE_SIZE)
			fr = fill_page(mm, v, va);
		mm_unlock(mm, f);
		if (fr && (uflags & UVMA_SHARED)) {
			uvm_munmap(mm, at, len);
			return -ENOMEM;
		}
	}
	return (long)at;
}

long uvm_munmap(struct mm *mm, uintptr_t addr, size_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!uvm_range_ok(addr, len))
		return -EINVAL;
	struct area_pool p = AREA_POOL_INIT;
	uint64_t f = mm_lock(mm);
	int r = unmap_areas(mm, addr, addr + len, &p);
	mm_unlock(mm, f);
	area_pool_release(&mm->areas, &p);
	return r;
}

struct prot_ctx {
	uint64_t pte;
	bool shared;
};

/*
 * PROT_NONE_K pages keep their frame and stay present, but without PTE_U:
 * ring 3 faults on them, and the walkers (fork, unmap) still see them.
 * A copy-on-write page keeps PTE_COW whatever the rights: made writable
 * again, its first write still copies.
 */
static void protect_leaf(uintptr_t va, uint64_t *pte, void *p)
{
	struct prot_ctx *c = p;
	uint64_t e = *pte, want = c->pte;
	if (!want)
		want = PTE_P | PTE_NX;
	if (e & PTE_COW)
		want = (want & ~PTE_W) | PTE_COW;
	*pte = (e & PTE_ADDR) | want;
}

struct protect_area_ctx {
	struct mm *mm;
	int prot;
	bool changed; /* some area did: the TLBs need a flush */
};

/* area_protect's change: the area's PROT_* and the PTEs of its pages. */
static void protect_area(struct area *a, void *p)
{
	struct protect_area_ctx *pa = p;
	struct prot_ctx c = { a->prot, false };
	uvma(a)->prot = pa->prot;
	vm_for_each_mapped_in(pa->mm->pml4, a->start, a->end, protect_leaf, &c);
	pa->changed = true;
}

long uvm_mprotect(struct mm *mm, uintptr_t addr, size_t len, int prot)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(PROT_READ_K | PROT_WRITE_K | PROT_EXEC_K | PROT_GROWSDOWN_K | PROT_GROWSUP_K))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!uvm_range_ok(addr, len))
		return -ENOMEM;
	prot &= PROT_READ_K | PROT_WRITE_K | PROT_EXEC_K;
	uintptr_t s = addr, e = addr + len;
	struct area_pool p = AREA_POOL_INIT;
	struct protect_area_ctx c = { mm, prot, false };
	uint64_t f = mm_lock(mm);
	/* Every page must be mapped (Linux: ENOMEM otherwise), checked before changing anything. */
	long r = area_protect(&mm->areas, s, e, prot_pte(prot), AREA_WHOLE, &p, protect_area, &c);
	if (c.changed)
		mm_flush(mm, s, e);
	mm_unlock(mm, f);
	area_pool_release(&mm->areas, &p);
	return r;
}

struct move_ctx {
	struct mm *mm;
	intptr_t delta;
	int err;
};

static void move_leaf(uintptr_t va, uint64_t *pte, void *p)
{
	struct move_ctx *m = p;
	uint64_t *npte = vm_pte_in(m->mm->pml4, va + m->delta, true);
	if (!npte) {
		m->err = -ENOMEM;
		return;
	}
	*npte = *pte;
	*pte = 0;
}

long uvm_mremap(struct mm *mm, uintptr_t addr, size_t old_len, size_t new_len, int flags,
		uintptr_t new_addr)
{
	if ((addr & (PAGE_SIZE - 1)) || !new_len || (flags & ~(MREMAP_MAYMOVE_K | MREMAP_FIXED_K)))
		return -EINVAL;
	if ((flags & MREMAP_FIXED_K) &&
	    (!(flags & MREMAP_MAYMOVE_K) || (new_addr & (PAGE_SIZE - 1))))
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!old_len)
		return -EINVAL; /* duplicating shared mappings: not supported */
	if (!uvm_range_ok(addr, old_len))
		return -EFAULT;
	struct area_pool p = AREA_POOL_INIT;
	uint64_t f = mm_lock(mm);
	long ret;
	struct area *v = area_find(&mm->areas, addr);
	if (!v || addr + old_len > v->end) {
		ret = -EFAULT;
		goto out;
	}
	if (!(flags & MREMAP_FIXED_K)) {
		if (new_len <= old_len) {
			ret = unmap_areas(mm, addr + new_len, addr + old_len, &p);
			ret = ret < 0 ? ret : (long)addr;
			goto out;
		}
		if (v->end == addr + old_len && uvm_range_ok(addr, new_len) &&
		    area_grow(&mm->areas, v, addr + new_len)) {
			ret = (long)addr; /* grown in place */
			goto out;
		}
		if (!(flags & MREMAP_MAYMOVE_K)) {
			ret = -ENOMEM;
			goto out;
		}
	}
	uintptr_t at;
	if (flags & MREMAP_FIXED_K) {
		if (!uvm_range_ok(new_addr, new_len) ||
		    (new_addr < addr + old_len && addr < new_addr + new_len)) {
			ret = -EINVAL;
			goto out;
		}
		if ((ret = unmap_areas(mm, new_addr, new_addr + new_len, &p)) < 0)
			goto out;
		at = new_addr;
	} else {
		at = find_gap(mm, new_len, 0);
	}
	struct uvma *nv = at ? uvma(area_clone(&mm->areas, &p, v, at, at + new_len)) : NULL;
	if (nv) {
		nv->a.flags &= ~UVMA_STACK;
		nv->fstart += at - addr; /* file bytes move with the pages */
		nv->fend += at - addr;
	}
	ret = -ENOMEM;
	if (!nv)
		goto out;
	size_t keep = MIN(old_len, new_len);
	struct move_ctx m = { mm, (intptr_t)(at - addr), 0 };
	vm_for_each_mapped_in(mm->pml4, addr, addr + keep, move_leaf, &m);
	mm_flush(mm, addr, addr + keep);
	area_insert(&mm->areas, &nv->a);
	unmap_areas(mm, addr, addr + old_len, &p); /* what is left there (nothing if moved whole) */
	ret = m.err < 0 ? m.err : (long)at;
out:
	mm_unlock(mm, f);
	area_pool_release(&mm->areas, &p);
	return ret;
}

long uvm_madvise(struct mm *mm, uintptr_t addr, size_t len, int advice)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!uvm_range_ok(addr, len))
		return -ENOMEM;
	if (advice != MADV_DONTNEED_K && advice != MADV_FREE_K)
		return 0;
	uint64_t f = mm_lock(mm);
	long r = 0;
	for (uintptr_t at = addr; at < addr + len;) {
		struct area *v = area_find(&mm->areas, at);
		if (!v) {
			r = -ENOMEM;
			break;
		}
		uintptr_t e = MIN(v->end, addr + len);
		if (!(v->flags & UVMA_SHARED))
			zap_range(mm, at, e); /* private: the next touch brings zeroed pages */
		at = e;
	}
	mm_unlock(mm, f);
	return r;
}

long uvm_brk(struct mm *mm, uintptr_t addr)
{
	uintptr_t limit = mm->brk_start < IMAGE_BASE ? IMAGE_BASE : USER_MMAP_TOP - (1UL << 30);
	if (addr < mm->brk_start || addr > limit)
		return (long)mm->brk;
	uintptr_t old_end = ALIGN_UP(mm->brk, PAGE_SIZE), new_end = ALIGN_UP(addr, PAGE_SIZE);
	struct area_pool p = AREA_POOL_INIT;
	uint64_t f = mm_lock(mm);
	if (new_end > old_end) {
		if (area_first_in(&mm->areas, old_end, new_end))
			goto out; /* something is mapped in the way */
		struct area *prev = area_find(&mm->areas, old_end - 1);
		if (!prev || !(prev->flags & UVMA_BRK) || prev->end != old_end ||
		    !area_grow(&mm->areas, prev, new_end)) {
			struct uvma *v = uvma_new(mm, &p, old_end, new_end, PROT_READ_K | PROT_WRITE_K,
						  UVMA_BRK);
			if (!v)
				goto out;
			area_insert(&mm->areas, &v->a);
		}
	} else if (new_end < old_end) {
		unmap_areas(mm, new_end, old_end, &p);
	}
	mm->brk = addr;
out:
	mm_unlock(mm, f);
	area_pool_release(&mm->areas, &p);
	return (long)mm->brk;
}
