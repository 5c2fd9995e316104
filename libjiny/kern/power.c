/*
 * power.c - ending the VM with a status (DESIGN.md 6).
 *
 * The status goes out twice: as text "exit N\n" on the debug console (port
 * 0xe9), which tools/jiny-run reads for the exact value, and to QEMU's
 * isa-debug-exit (port 0xf4), which ends QEMU with (N << 1) | 1. If neither
 * device is present we reset the machine (QEMU -no-reboot then exits) and, as
 * a last resort, halt.
 */
#include "kern/kern.h"
#include "arch/arch.h"

#define DEBUGCON_PORT 0xe9
#define DEBUG_EXIT_PORT 0xf4

void kern_power_off(int status)
{
	char buf[16];
	int n = ksnprintf(buf, sizeof(buf), "exit %d\n", status & 0xff);

	irq_disable();
	for (int i = 0; i < n; i++)
		outb(DEBUGCON_PORT, (uint8_t)buf[i]);
	outl(DEBUG_EXIT_PORT, (uint32_t)(status & 0xff));
	/* Still here: no isa-debug-exit. Reset via port 0xcf9, then the 8042. */
	outb(0xcf9, 0x06);
	outb(0x64, 0xfe);
	for (;;)
		cpu_halt();
}
