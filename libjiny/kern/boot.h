/*
 * boot.h - what start.c learned from the PVH start_info (memory map,
 * command line, modules) and the early frame allocator used to build the
 * kernel page tables before the page-frame allocator exists.
 */
#ifndef JINY_BOOT_H
#define JINY_BOOT_H

#include "kern/kern.h"
#include "mm/mm.h"

#define BOOT_MAX_RANGES 64
#define BOOT_MAX_MODULES 8

struct boot_module {
	paddr_t start;
	size_t size;
	const char *cmdline;
};

struct boot_info {
	struct pfa_range ram[BOOT_MAX_RANGES]; /* RAM per the memory map */
	int nr_ram;
	paddr_t max_ram;                       /* end of the highest RAM range */
	const char *cmdline;                   /* copied into the image */
	struct boot_module modules[BOOT_MAX_MODULES];
	int nr_modules;
	paddr_t rsdp;
	paddr_t early_start, early_next;       /* bump region right after the image */
};

extern struct boot_info boot_info;

paddr_t boot_mem_alloc_frame(void); /* zeroed; panics when out of memory */
void vm_use_pfa(void);
uint64_t *vm_kernel_pml4(void);

#endif
