/*
 * page.c - page_alloc()/page_free(): page frames from pfa.c, zeroed and
 * reached through the direct map. kmalloc's page source.
 */
#include "mm/mm.h"
#include "arch/arch.h"
#include "kern/spinlock.h"

/* The allocators' locks; the saved flags live beside them (only the holder writes them). */
static spinlock_t pfa_spin = SPINLOCK_INIT, kmalloc_spin = SPINLOCK_INIT;
static uint64_t pfa_flags, kmalloc_flags;

/*
 * The page-fault path (vmarea_fault) takes the pfa lock to get a frame, so a
 * fault must not happen while this CPU holds it: the stack below is touched
 * first (stack_prefault; the allocator's code under the lock is shallow and
 * takes no other lock). vmarea.c never allocates under vma_lock; checked
 * here, so a wrong order shows at once rather than at the one stack
 * alignment where it deadlocks.
 */
void pfa_lock(void)
{
	stack_prefault();
	uint64_t f = spin_lock_irqsave(&pfa_spin);
	if (vma_lock_held_here())
		panic("the page allocator called with vma_lock held (from %p)",
		      __builtin_return_address(0));
	pfa_flags = f;
}
void pfa_unlock(void) { spin_unlock_irqrestore(&pfa_spin, pfa_flags); }

/* kmalloc's lock is not on the fault path: a fault under it is served. */
void kmalloc_lock(void)
{
	uint64_t f = spin_lock_irqsave(&kmalloc_spin);
	if (vma_lock_held_here())
		panic("kmalloc called with vma_lock held (from %p)", __builtin_return_address(0));
	kmalloc_flags = f;
}
void kmalloc_unlock(void) { spin_unlock_irqrestore(&kmalloc_spin, kmalloc_flags); }

void *page_alloc(unsigned order)
{
	paddr_t pa = pfa_alloc(order);
	if (!pa)
		return NULL;
	void *va = phys_to_virt(pa);
	memset(va, 0, PAGE_SIZE << order);
	return va;
}

/* The same, not zeroed: kmalloc's page source (kmalloc promises nothing
 * about contents, kzalloc zeroes what it hands out). Zeroing every 64 KiB
 * block of a TCP segment was a tenth of the guest's time under httpd. */
void *page_alloc_uninit(unsigned order)
{
	paddr_t pa = pfa_alloc(order);
	return pa ? phys_to_virt(pa) : NULL;
}

void page_free(void *va, unsigned order)
{
	pfa_free(virt_to_phys_linear(va), order);
}
