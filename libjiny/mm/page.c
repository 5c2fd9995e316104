/*
 * page.c - page_alloc()/page_free(): page frames from pfa.c, zeroed and
 * reached through the direct map. kmalloc's page source.
 */
#include "mm.h"
#include "../arch/x86_64/cpu.h"
#include "../kern/spinlock.h"

/* The allocators' locks; the saved flags live beside them (only the holder writes them). */
static spinlock_t pfa_spin = SPINLOCK_INIT, kmalloc_spin = SPINLOCK_INIT;
static uint64_t pfa_flags, kmalloc_flags;

void pfa_lock(void)
{
	stack_prefault();
	pfa_flags = spin_lock_irqsave(&pfa_spin);
}
void pfa_unlock(void) { spin_unlock_irqrestore(&pfa_spin, pfa_flags); }
/* Prefaulted too: vma_lock's holders allocate (vma_new), so a kmalloc holder
 * must never fault and wait for vma_lock in turn. */
void kmalloc_lock(void)
{
	stack_prefault();
	kmalloc_flags = spin_lock_irqsave(&kmalloc_spin);
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

void page_free(void *va, unsigned order)
{
	pfa_free(virt_to_phys_linear(va), order);
}
