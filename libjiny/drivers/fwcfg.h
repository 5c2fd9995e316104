/*
 * fwcfg.h - QEMU's fw_cfg device on x86 (I/O ports 0x510/0x511, DMA at
 * 0x514): named blobs the host passes with `-fw_cfg name=...,file=...`.
 * jiny-run passes the app's own ELF as "opt/jiny/elf" so that crash reports
 * can be symbolized (debug/backtrace.c).
 */
#ifndef JINY_DRIVERS_FWCFG_H
#define JINY_DRIVERS_FWCFG_H

#include "kern/kern.h"

#define FWCFG_FILE_ELF "opt/jiny/elf"

/* Is there a fw_cfg device (signature "QEMU")? Probed once, then cached. */
bool fwcfg_present(void);
/* Look a file up by name: its selector key and size. 0, -ENODEV or -ENOENT. */
int fwcfg_find(const char *name, uint16_t *select, uint32_t *size);
/*
 * Read len bytes at offset of item 'select' into buf. DMA when the device has
 * it and buf is direct-map or image memory, port I/O otherwise. 0, -ENODEV or
 * -EIO. Reading past the end of an item gives zeros (the device's behaviour).
 */
int fwcfg_read(uint16_t select, uint64_t offset, void *buf, size_t len);

#endif
