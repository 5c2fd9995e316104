/*
 * pci.h - PCI configuration space and bus enumeration (drivers/pci.c):
 * configuration mechanism #1 (ports 0xcf8/0xcfc, which q35 and pc both
 * have; ECAM is not used), a walk of bus 0 and the buses behind PCI-PCI
 * bridges, capability lists and BAR addresses. Users: drivers/virtio/pci.c.
 */
#ifndef JINY_PCI_H
#define JINY_PCI_H

#include "kern/kern.h"

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CMD_MEMORY (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAPS (1u << 4)
#define PCI_CAP_MSIX 0x11
#define PCI_CAP_VENDOR 0x09

struct pci_dev {
	uint8_t bus, slot, fn;
	uint16_t vendor, device;
};

uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);

/* Call fn for every function present; false when there is no PCI at all (microvm). */
bool pci_scan(void (*fn)(const struct pci_dev *d, void *ctx), void *ctx);
/* Offset of the first capability 'id' after 'from' (0: from the start); 0 if none. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from);
/* The address of memory BAR 'bar' (64-bit ones read whole); 0 for an I/O or unset BAR. */
paddr_t pci_bar_addr(const struct pci_dev *d, unsigned bar);

#endif
