/*
 * ioapic.c - device interrupts: vectors for drivers (arch_irq_alloc, a
 * handler and its argument per vector, dispatched from trap.c's IRQ path),
 * IOAPIC redirection entries for GSIs (virtio-mmio on microvm, PCI INTx),
 * and MSI/MSI-X messages (PCI). Declared in arch.h; used by drivers/virtio/
 * and drivers/pci.c, so an image without such drivers links none of it.
 *
 * The IOAPICs come from the ACPI MADT (drivers/acpi.c), read at the first
 * arch_ioapic_route(). Every device interrupt goes to the boot CPU in
 * physical destination mode, fixed delivery. The LAPIC EOI is sent by
 * trap.c before the handler runs; for a level-triggered GSI the device's
 * line is still up until the handler acknowledges it, so the IOAPIC may
 * deliver it once more: handlers must take an interrupt with nothing to do.
 *
 * Locking: the vector table is written under irq_lock and read in interrupt
 * context without it (an entry is complete before its vector is handed out).
 */
#include "arch/x86_64/arch.h"
#include "drivers/acpi.h"
#include "kern/boot.h"
#include "kern/errno.h"
#include "kern/spinlock.h"
#include "mm/mm.h"

#define VECTOR_DEV_FIRST 0x30
#define VECTOR_DEV_LAST 0xef

struct irq_slot {
	void (*fn)(void *arg);
	void *arg;
};
static struct irq_slot irq_slots[256]; /* irq_lock (writers) */
static int next_vector = VECTOR_DEV_FIRST; /* irq_lock */
static spinlock_t irq_lock = SPINLOCK_INIT;

static void dev_irq(struct trap_frame *f)
{
	struct irq_slot *s = &irq_slots[f->vector & 0xff];
	if (s->fn)
		s->fn(s->arg);
}

int arch_irq_alloc(void (*fn)(void *arg), void *arg)
{
	uint64_t fl = spin_lock_irqsave(&irq_lock);
	int v = next_vector <= VECTOR_DEV_LAST ? next_vector++ : -ENOSPC;
	if (v > 0) {
		irq_slots[v] = (struct irq_slot){ fn, arg };
		trap_register_irq(v, dev_irq);
	}
	spin_unlock_irqrestore(&irq_lock, fl);
	return v;
}

/* The boot CPU's APIC id: where device interrupts go. */
static uint32_t irq_dest(void) { return cpus[0]->apic_id; }

void arch_msi_message(int vector, uint64_t *addr, uint32_t *data)
{
	*addr = 0xfee00000UL | ((uint64_t)irq_dest() << 12); /* physical, no redirection hint */
	*data = (uint32_t)vector;                           /* fixed delivery, edge */
}

/* ---- IOAPIC ---- */

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_MASKED (1u << 16)

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base, nr_pins;
};
static struct ioapic ioapics[4]; /* irq_lock; set once */
static int nr_ioapics = -1;      /* irq_lock; -1 = not read yet */

static uint32_t io_read(struct ioapic *a, uint32_t reg)
{
	writel(a->regs + IOREGSEL / 4, reg);
	return readl(a->regs + IOWIN / 4);
}

static void io_write(struct ioapic *a, uint32_t reg, uint32_t v)
{
	writel(a->regs + IOREGSEL / 4, reg);
	writel(a->regs + IOWIN / 4, v);
}

static void find_ioapics(void)
{
	struct acpi_madt_info madt;
	acpi_read_madt(boot_info.rsdp, &madt); /* fills the IOAPICs even with no CPU entry */
	nr_ioapics = 0;
	if (!madt.nr_ioapics) {
		/* No MADT: the one IOAPIC every PC has, at its usual place. */
		madt.nr_ioapics = 1;
		madt.ioapic_base[0] = 0xfec00000;
		madt.ioapic_gsi_base[0] = 0;
	}
	for (int i = 0; i < madt.nr_ioapics && i < (int)ARRAY_SIZE(ioapics); i++) {
		struct ioapic *a = &ioapics[nr_ioapics];
		a->regs = vmarea_map_mmio(madt.ioapic_base[i], PAGE_SIZE);
		if (!a->regs)
			continue;
		a->gsi_base = madt.ioapic_gsi_base[i];
		a->nr_pins = ((io_read(a, IOAPIC_VER) >> 16) & 0xff) + 1;
		nr_ioapics++;
	}
}

int arch_ioapic_route(uint32_t gsi, int vector, bool level, bool active_low)
{
	uint64_t fl = spin_lock_irqsave(&irq_lock);
	if (nr_ioapics < 0) {
		spin_unlock_irqrestore(&irq_lock, fl);
		find_ioapics(); /* maps memory: not under a spinlock */
		fl = spin_lock_irqsave(&irq_lock);
	}
	int r = -ENODEV;
	for (int i = 0; i < nr_ioapics; i++) {
		struct ioapic *a = &ioapics[i];
		if (gsi < a->gsi_base || gsi >= a->gsi_base + a->nr_pins)
			continue;
		uint32_t pin = gsi - a->gsi_base;
		uint32_t lo = (uint32_t)vector | (level ? RTE_LEVEL : 0) |
			      (active_low ? RTE_ACTIVE_LOW : 0);
		io_write(a, IOREDTBL(pin), RTE_MASKED);
		io_write(a, IOREDTBL(pin) + 1, irq_dest() << 24);
		io_write(a, IOREDTBL(pin), lo); /* unmasked */
		r = 0;
		break;
	}
	spin_unlock_irqrestore(&irq_lock, fl);
	return r;
}
