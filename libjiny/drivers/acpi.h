/* acpi.h - the ACPI tables Jiny reads (drivers/acpi.c): the MADT's CPUs and
 * IOAPICs, and devices of the DSDT found by their _HID. */
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

/* A DSDT device and the first memory range and interrupt of its _CRS. */
struct acpi_dev_res {
	char name[5];                       /* its NameSeg, "VR23" */
	char hid[16];                       /* _HID: a string, or an EISA id decoded */
	uint32_t aml_offset;                /* of its DeviceOp in the DSDT */
	bool has_mem, has_irq;
	paddr_t mem_base;
	uint64_t mem_len;
	uint32_t irq;                       /* GSI (Extended Interrupt) or ISA IRQ */
	bool level, active_low;
};
/*
 * Call fn for every Device in the DSDT whose _HID is hid ("LNRO0005").
 * The number found, or -ENOENT (no FADT/DSDT), -EINVAL (unreadable DSDT).
 * Malformed AML is reported with the table and offset and skipped.
 */
int acpi_find_devices(paddr_t rsdp, const char *hid,
		      void (*fn)(const struct acpi_dev_res *r, void *ctx), void *ctx);

#endif
