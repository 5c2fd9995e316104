/*
 * pci.c - PCI configuration space through ports 0xcf8/0xcfc (contract in
 * pci.h) and the enumeration of bus 0 and of the buses behind bridges.
 * Linked only when a driver uses it (drivers/virtio/pci.c).
 *
 * Locking: an access is two port writes/reads that must not interleave with
 * another CPU's: pci_cfg_lock (interrupts off) around each pair.
 */
#include "drivers/pci.h"
#include "arch/arch.h"
#include "kern/spinlock.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc

static spinlock_t pci_cfg_lock = SPINLOCK_INIT;

static uint32_t addr(const struct pci_dev *d, unsigned off)
{
	return 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->slot << 11 |
	       (uint32_t)d->fn << 8 | (off & 0xfc);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	uint64_t f = spin_lock_irqsave(&pci_cfg_lock);
	outl(CONFIG_ADDRESS, addr(d, off));
	uint32_t v = inl(CONFIG_DATA);
	spin_unlock_irqrestore(&pci_cfg_lock, f);
	return v;
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_read32(d, off) >> (8 * (off & 2)));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)(pci_read32(d, off) >> (8 * (off & 3)));
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	uint64_t f = spin_lock_irqsave(&pci_cfg_lock);
	outl(CONFIG_ADDRESS, addr(d, off));
	outl(CONFIG_DATA, v);
	spin_unlock_irqrestore(&pci_cfg_lock, f);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	uint64_t f = spin_lock_irqsave(&pci_cfg_lock);
	outl(CONFIG_ADDRESS, addr(d, off));
	outw((uint16_t)(CONFIG_DATA + (off & 2)), v);
	spin_unlock_irqrestore(&pci_cfg_lock, f);
}

static void scan_bus(uint8_t bus, void (*fn)(const struct pci_dev *, void *), void *ctx,
		     int depth)
{
	for (uint8_t slot = 0; slot < 32; slot++) {
		for (uint8_t func = 0; func < 8; func++) {
			struct pci_dev d = { bus, slot, func, 0, 0 };
			uint32_t id = pci_read32(&d, PCI_VENDOR_ID);
			if ((id & 0xffff) == 0xffff) {
				if (func == 0)
					break;
				continue;
			}
			d.vendor = (uint16_t)id;
			d.device = (uint16_t)(id >> 16);
			uint8_t ht = pci_read8(&d, PCI_HEADER_TYPE);
			fn(&d, ctx);
			if ((ht & 0x7f) == 1 && depth < 8) { /* PCI-PCI bridge: its secondary bus */
				uint8_t sec = pci_read8(&d, 0x19);
				if (sec > bus)
					scan_bus(sec, fn, ctx, depth + 1);
			}
			if (func == 0 && !(ht & 0x80))
				break; /* not multi-function */
		}
	}
}

bool pci_scan(void (*fn)(const struct pci_dev *d, void *ctx), void *ctx)
{
	struct pci_dev host = { 0, 0, 0, 0, 0 };
	if ((pci_read32(&host, PCI_VENDOR_ID) & 0xffff) == 0xffff)
		return false; /* no host bridge answers: no PCI (microvm) */
	scan_bus(0, fn, ctx, 0);
	return true;
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	uint8_t p = from ? pci_read8(d, from + 1) : pci_read8(d, PCI_CAP_PTR);
	for (int n = 0; p >= 0x40 && n < 48; n++) { /* 48: a loop in the list ends too */
		p &= 0xfc;
		if (pci_read8(d, p) == id)
			return p;
		p = pci_read8(d, p + 1);
	}
	return 0;
}

paddr_t pci_bar_addr(const struct pci_dev *d, unsigned bar)
{
	if (bar > 5)
		return 0;
	uint32_t lo = pci_read32(d, PCI_BAR0 + 4 * bar);
	if (lo & 1)
		return 0; /* I/O space */
	paddr_t a = lo & ~0xfu;
	if (((lo >> 1) & 3) == 2 && bar < 5)
		a |= (paddr_t)pci_read32(d, PCI_BAR0 + 4 * (bar + 1)) << 32;
	return a;
}
