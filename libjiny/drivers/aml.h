/*
 * aml.h - finding devices in an ACPI definition block (DSDT) by _HID, with
 * the memory range and interrupt of their _CRS (drivers/aml.c, pure logic;
 * drivers/acpi.c maps the table, tests/host/test_aml.c feeds it by hand).
 */
#ifndef JINY_AML_H
#define JINY_AML_H
#include "drivers/acpi.h"

/*
 * Walk the AML of table (len bytes, its 36-byte header included; 'sig'
 * names it in messages) and call fn for every Device whose _HID is hid.
 * Malformed AML is reported as "acpi: SIG+0xOFFSET: malformed AML: why"
 * and that part skipped. The number of devices found, or -EINVAL.
 */
int aml_find_devices(const uint8_t *table, size_t len, const char *sig, const char *hid,
		     void (*fn)(const struct acpi_dev_res *r, void *ctx), void *ctx);
#endif
