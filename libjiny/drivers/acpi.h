/* acpi.h - the ACPI tables Jiny reads (drivers/acpi.c): the MADT's CPUs and IOAPICs. */
#ifndef JINY_ACPI_H
#define JINY_ACPI_H
#include "kern/kern.h"

#define ACPI_MAX_CPUS 64

struct acpi_madt_info {
	int nr_cpus;                        /* enabled or online-capable local APICs */
	uint32_t apic_ids[ACPI_MAX_CPUS];
	paddr_t lapic_base;
	int nr_ioapics;
	paddr_t ioapic_base[4];
	uint32_t ioapic_gsi_base[4];
};

/* Parse the MADT found from the RSDP at 'rsdp' (physical). 0 or -ENOENT/-EINVAL. */
int acpi_read_madt(paddr_t rsdp, struct acpi_madt_info *out);

#endif
