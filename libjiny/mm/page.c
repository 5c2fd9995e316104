/*
 * page.c - page_alloc()/page_free(): page frames from pfa.c, zeroed and
 * reached through the direct map. kmalloc's page source.
 */
#include "mm.h"
#include "../arch/x86_64/cpu.h"

void *page_alloc(unsigned order)
{
	uint64_t f = irq_save();
	paddr_t pa = pfa_alloc(order);
	irq_restore(f);
	if (!pa)
		return NULL;
	void *va = phys_to_virt(pa);
	memset(va, 0, PAGE_SIZE << order);
	return va;
}

void page_free(void *va, unsigned order)
{
	uint64_t f = irq_save();
	pfa_free(virt_to_phys_linear(va), order);
	irq_restore(f);
}
