/*
 * mmap.c - the memory system calls with Linux semantics. A compat process's
 * go to its own address space (mm/uvm.c); the HP app's are served here, over
 * the kernel virtual areas of vmarea.c: anonymous private/shared mmap (filled
 * with zeroed pages on first touch), munmap, mprotect, mremap (grows in place
 * or moves the page mappings, never copies), madvise(MADV_DONTNEED zeroes)
 * and brk, a demand-filled area of its own. The HP app cannot map files
 * (-ENODEV); compat processes can.
 */
#include "mm/vmarea.h"
#include "abi/linux.h"
#include "mm/uvm.h"
#include "sched/sched.h"
#include "syscall/sys.h"
#include "arch/arch.h"


#define BRK_MAX (1UL << 40) /* 1 TiB of address space for the brk heap */

static uintptr_t brk_start, brk_cur;

static uint64_t prot_to_pte(int prot)
{
	if (!(prot & (PROT_READ_K | PROT_WRITE_K | PROT_EXEC_K)))
		return 0; /* PROT_NONE: reserved, every access faults */
	uint64_t pte = PTE_P;
	if (prot & PROT_WRITE_K)
		pte |= PTE_W;
	if (!(prot & PROT_EXEC_K))
		pte |= PTE_NX;
	return pte;
}

static bool in_kva(uintptr_t a, size_t len)
{
	return a >= KVA_BASE && a < KVA_END && len <= KVA_END - a;
}

long sys_mmap(unsigned long addr, unsigned long len, int prot, int flags, int fd, long off)
{
	struct thread *t = sched_current();
	if (t->mm) /* a compat process */
		return uvm_mmap(t->mm, addr, len, prot, flags, fd, off);
	if (!len || (addr & (PAGE_SIZE - 1)) || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	int type = flags & MAP_TYPE_K;
	if (type != MAP_PRIVATE_K && type != MAP_SHARED_K)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS_K))
		return fd < 0 ? -EBADF : -ENODEV; /* file mappings: with the VFS */
	if (len > KVA_END - KVA_BASE)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	uint64_t pte = prot_to_pte(prot);
	uintptr_t at;
	if (flags & (MAP_FIXED_K | MAP_FIXED_NOREPLACE_K)) {
		if (!in_kva(addr, len))
			return -ENOMEM;
		if (flags & MAP_FIXED_NOREPLACE_K) {
			uintptr_t s, e;
			for (uintptr_t a = addr; a < addr + len; a += PAGE_SIZE)
				if (vma_bounds(a, &s, &e))
					return -EEXIST;
		} else if (vma_remove(addr, addr + len) < 0) {
			return -ENOMEM;
		}
		at = vma_reserve(len, addr, pte, 0);
		if (at != addr) {
			if (at)
				vma_remove(at, at + len);
			return -ENOMEM;
		}
	} else {
		at = vma_reserve(len, in_kva(addr, len) ? addr : 0, pte, 0);
		if (!at)
			return -ENOMEM;
	}
	if ((flags & MAP_POPULATE_K) && pte)
		vma_populate(at, at + len);
	return (long)at;
}

long sys_munmap(unsigned long addr, unsigned long len)
{
	struct thread *t = sched_current();
	if (t->mm) /* a compat process */
		return uvm_munmap(t->mm, addr, len);
	if ((addr & (PAGE_SIZE - 1)) || !len || !in_kva(addr, ALIGN_UP(len, PAGE_SIZE)))
		return -EINVAL;
	return vma_remove(addr, addr + ALIGN_UP(len, PAGE_SIZE));
}

long sys_mprotect(unsigned long addr, unsigned long len, int prot)
{
	struct thread *t = sched_current();
	if (t->mm) /* a compat process */
		return uvm_mprotect(t->mm, addr, len, prot);
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(PROT_READ_K | PROT_WRITE_K | PROT_EXEC_K | PROT_GROWSDOWN_K | PROT_GROWSUP_K))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!in_kva(addr, len)) {
		/* The image window (e.g. RELRO in static binaries): nothing to change. */
		extern char __image_start[], __image_end[];
		if (addr >= (uintptr_t)__image_start && addr + len <= (uintptr_t)__image_end)
			return 0;
		return -ENOMEM;
	}
	return vma_protect(addr, addr + len, prot_to_pte(prot));
}

long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len, int flags,
		unsigned long new_addr)
{
	struct thread *t = sched_current();
	if (t->mm) /* a compat process */
		return uvm_mremap(t->mm, addr, old_len, new_len, flags, new_addr);
	if ((addr & (PAGE_SIZE - 1)) || !new_len || (flags & ~(MREMAP_MAYMOVE_K | MREMAP_FIXED_K)))
		return -EINVAL;
	if ((flags & MREMAP_FIXED_K) && !(flags & MREMAP_MAYMOVE_K))
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!in_kva(addr, old_len) || !in_kva(addr, new_len))
		return -EFAULT;
	if (flags & MREMAP_FIXED_K) /* rare; not needed by musl */
		return -EINVAL;
	return vma_mremap(addr, old_len, new_len, flags & MREMAP_MAYMOVE_K);
}

long sys_madvise(unsigned long addr, unsigned long len, int advice)
{
	struct thread *t = sched_current();
	if (t->mm) /* a compat process */
		return uvm_madvise(t->mm, addr, len, advice);
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if ((advice == MADV_DONTNEED_K || advice == MADV_FREE_K) && in_kva(addr, len))
		return vma_discard(addr, addr + len); /* the next touch brings zeroed pages */
	return 0;
}

long sys_brk(unsigned long addr)
{
	struct thread *t = sched_current();
	if (t->mm) /* a compat process */
		return uvm_brk(t->mm, addr);
	if (!brk_start) {
		brk_start = vma_reserve(BRK_MAX, KVA_BASE + (1UL << 44), PTE_P | PTE_W | PTE_NX, 0);
		if (!brk_start)
			return 0;
		/* Keep the reservation, but hand out nothing yet. */
		vma_protect(brk_start, brk_start + BRK_MAX, 0);
		brk_cur = brk_start;
	}
	if (addr < brk_start || addr > brk_start + BRK_MAX)
		return (long)brk_cur;
	uintptr_t old_end = ALIGN_UP(brk_cur, PAGE_SIZE), new_end = ALIGN_UP(addr, PAGE_SIZE);
	if (new_end > old_end) {
		if (vma_protect(old_end, new_end, PTE_P | PTE_W | PTE_NX) < 0)
			return (long)brk_cur;
	} else if (new_end < old_end) {
		/* Shrinking: free the pages, keep the range reserved. */
		vma_remove(new_end, old_end);
		uintptr_t r = vma_reserve(old_end - new_end, new_end, 0, 0);
		if (r != new_end && r)
			vma_remove(r, r + (old_end - new_end));
	}
	brk_cur = addr;
	return (long)brk_cur;
}
