/*
 * pci.c - the virtio-pci transport (virtio 1.x spec 4.1) for q35/pc, under
 * the core of virtio.c, over drivers/pci.c's configuration space access.
 * Modern devices only (device ids 0x1040+type, and transitional
 * 0x1000-0x103f whose type is the subsystem id), through their vendor
 * capabilities: common config, notify (with its offset multiplier), ISR and
 * device config, each in a BAR mapped at the capability's offset. A
 * legacy-only device (no common-config capability) is reported and left
 * alone.
 *
 * Interrupts: MSI-X with one vector per queue plus one for config changes
 * when the table has room (a multi-queue NIC can then spread its queues),
 * else one vector for all queues and one for config; without MSI-X, INTx
 * through the IOAPIC, level, active high, shared (QEMU's choice). The INTx
 * GSI is found by QEMU's fixed routing, not by evaluating the ACPI _PRT:
 * on q35 (host bridge 8086:29c0) a device in slot S of bus 0 with pin P
 * (0 = INTA) raises PIRQ E+((S+P)%4), which the ICH9 wires to GSI
 * 20+((S+P)%4) (QEMU hw/isa/lpc_ich9.c and its _PRT agree); elsewhere
 * (pc/i440fx, untested) the interrupt-line register that the firmware
 * wrote is taken as the GSI. Devices behind bridges: untested.
 *
 * Locking: as mmio.c: registers are programmed by the boot scan only; the
 * queue notify writes (drivers) and ISR reads (the INTx handler) need none.
 */
#include "drivers/virtio/virtio.h"
#include "drivers/pci.h"
#include "arch/arch.h"
#include "kern/errno.h"
#include "mm/mm.h"

/* virtio_pci_cap.cfg_type */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

/* common config (struct virtio_pci_common_cfg) */
#define CC_DFSELECT 0x00
#define CC_DF 0x04
#define CC_GFSELECT 0x08
#define CC_GF 0x0c
#define CC_MSIX_CONFIG 0x10
#define CC_NUM_QUEUES 0x12
#define CC_STATUS 0x14
#define CC_CFG_GENERATION 0x15
#define CC_Q_SELECT 0x16
#define CC_Q_SIZE 0x18
#define CC_Q_MSIX 0x1a
#define CC_Q_ENABLE 0x1c
#define CC_Q_NOFF 0x1e
#define CC_Q_DESC 0x20
#define CC_Q_AVAIL 0x28
#define CC_Q_USED 0x30
#define NO_VECTOR 0xffff

struct pci_vdev {
	struct virtio_device vd;
	struct pci_dev pdev;
	volatile uint8_t *common, *notify, *isr, *device;
	uint32_t notify_mult;
	uint8_t msix_cap;            /* 0: none */
	volatile uint8_t *msix_table;
	unsigned msix_size;
	bool irqs_done;
};

#define PD(d) container_of(d, struct pci_vdev, vd)

static uint64_t pci_get_features(struct virtio_device *d)
{
	volatile uint8_t *c = PD(d)->common;
	writel(c + CC_DFSELECT, 0);
	uint64_t f = readl(c + CC_DF);
	writel(c + CC_DFSELECT, 1);
	return f | (uint64_t)readl(c + CC_DF) << 32;
}

static void pci_set_features(struct virtio_device *d, uint64_t f)
{
	volatile uint8_t *c = PD(d)->common;
	writel(c + CC_GFSELECT, 0);
	writel(c + CC_GF, (uint32_t)f);
	writel(c + CC_GFSELECT, 1);
	writel(c + CC_GF, (uint32_t)(f >> 32));
}

static uint8_t pci_get_status(struct virtio_device *d) { return readb(PD(d)->common + CC_STATUS); }

static void pci_set_status(struct virtio_device *d, uint8_t s)
{
	volatile uint8_t *c = PD(d)->common;
	writeb(c + CC_STATUS, s);
	for (int i = 0; !s && readb(c + CC_STATUS) && i < 1000000; i++)
		cpu_relax(); /* reset completes when status reads 0 */
}

static uint32_t pci_config_generation(struct virtio_device *d)
{
	return readb(PD(d)->common + CC_CFG_GENERATION);
}

static void pci_config_read(struct virtio_device *d, unsigned off, void *buf, unsigned len)
{
	virtio_cfg_read_mmio(PD(d)->device + off, buf, len);
}

static void pci_config_write(struct virtio_device *d, unsigned off, const void *buf,
			     unsigned len)
{
	volatile uint8_t *p = PD(d)->device + off;
	for (unsigned i = 0; i < len; i++)
		writeb(p + i, ((const uint8_t *)buf)[i]);
}

static unsigned pci_queue_max(struct virtio_device *d, unsigned index)
{
	volatile uint8_t *c = PD(d)->common;
	if (index >= readw(c + CC_NUM_QUEUES))
		return 0;
	writew(c + CC_Q_SELECT, (uint16_t)index);
	if (readw(c + CC_Q_ENABLE))
		return 0;
	return readw(c + CC_Q_SIZE);
}

/* A 64-bit field as two 32-bit writes, low first (spec 4.1.3.1 allows it; every device takes it). */
static void write64(volatile uint8_t *p, uint64_t v)
{
	writel(p, (uint32_t)v);
	writel(p + 4, (uint32_t)(v >> 32));
}

/* Size and addresses now; queue_enable is written by setup_irqs, after the vectors. */
static int pci_queue_enable(struct virtio_device *d, struct virtqueue *vq)
{
	struct pci_vdev *p = PD(d);
	volatile uint8_t *c = p->common;
	writew(c + CC_Q_SELECT, (uint16_t)vq->index);
	writew(c + CC_Q_SIZE, (uint16_t)vq->vr.num);
	write64(c + CC_Q_DESC, virtio_dma_addr(vq->vr.desc));
	write64(c + CC_Q_AVAIL, virtio_dma_addr(vq->vr.avail));
	write64(c + CC_Q_USED, virtio_dma_addr(vq->vr.used));
	vq->notify = p->notify + (uint32_t)readw(c + CC_Q_NOFF) * p->notify_mult;
	return 0;
}

static void pci_notify(struct virtqueue *vq)
{
	writew(vq->notify, (uint16_t)vq->index);
}

/* ---- interrupts ---- */

static void msix_vq_irq(void *arg) { virtio_vq_interrupt(arg); }
static void msix_all_vqs_irq(void *arg) { virtio_device_interrupt(arg, 1); }
static void msix_config_irq(void *arg) { virtio_config_interrupt(arg); }

static void intx_irq(void *arg)
{
	struct pci_vdev *p = arg;
	uint8_t isr = readb(p->isr); /* reading clears it and lowers the line */
	if (isr)
		virtio_device_interrupt(&p->vd, isr);
}

/* Point MSI-X table entry n at a new vector running fn(arg): 0 or -errno. */
static int msix_entry(struct pci_vdev *p, unsigned n, void (*fn)(void *), void *arg)
{
	int v = arch_irq_alloc(fn, arg);
	if (v < 0)
		return v;
	uint64_t a;
	uint32_t data;
	arch_msi_message(v, &a, &data);
	volatile uint8_t *e = p->msix_table + 16 * n;
	writel(e + 0, (uint32_t)a);
	writel(e + 4, (uint32_t)(a >> 32));
	writel(e + 8, data);
	writel(e + 12, 0); /* unmasked */
	return v;
}

static int setup_msix(struct pci_vdev *p)
{
	struct virtio_device *d = &p->vd;
	volatile uint8_t *c = p->common;
	bool per_queue = p->msix_size >= d->nvqs + 1;
	unsigned used = per_queue ? d->nvqs + 1 : 2;
	if (p->msix_size < 2)
		return -ENOSPC;
	uint16_t ctl = pci_read16(&p->pdev, p->msix_cap + 2);
	pci_write16(&p->pdev, p->msix_cap + 2, (uint16_t)((ctl | 0x8000) & ~0x4000)); /* enable, unmask */
	if (msix_entry(p, 0, msix_config_irq, d) < 0)
		return -ENOSPC;
	writew(c + CC_MSIX_CONFIG, 0);
	if (readw(c + CC_MSIX_CONFIG) != 0)
		return -EIO;
	int shared = -1;
	for (unsigned i = 0; i < d->nvqs; i++) {
		struct virtqueue *vq = d->vqs[i];
		unsigned entry = per_queue ? i + 1 : 1;
		if (per_queue)
			vq->vector = msix_entry(p, entry, msix_vq_irq, vq);
		else
			vq->vector = shared >= 0 ? shared
					: (shared = msix_entry(p, entry, msix_all_vqs_irq, d));
		if (vq->vector < 0)
			return -ENOSPC;
		writew(c + CC_Q_SELECT, (uint16_t)i);
		writew(c + CC_Q_MSIX, (uint16_t)entry);
		if (readw(c + CC_Q_MSIX) != entry)
			return -EIO; /* the device could not allocate the vector */
	}
	ksnprintf(d->irq_desc, sizeof(d->irq_desc), "msix, %u of %u table entries%s", used,
		  p->msix_size, per_queue ? ", one per queue" : ", queues share one");
	return 0;
}

/* The GSI of the device's INTx pin (see the file-top comment), or -1. */
static int intx_gsi(struct pci_vdev *p)
{
	uint8_t pin = pci_read8(&p->pdev, PCI_INTERRUPT_PIN);
	if (pin < 1 || pin > 4)
		return -1;
	struct pci_dev host = { 0, 0, 0, 0, 0 };
	if (pci_read32(&host, PCI_VENDOR_ID) == 0x29c08086 && p->pdev.bus == 0)
		return 20 + (p->pdev.slot + pin - 1) % 4;
	uint8_t line = pci_read8(&p->pdev, PCI_INTERRUPT_LINE);
	return line && line < 0xff ? line : -1; /* untested (pc) */
}

static int setup_intx(struct pci_vdev *p)
{
	struct virtio_device *d = &p->vd;
	int gsi = intx_gsi(p);
	if (gsi < 0)
		return -ENODEV;
	int v = arch_irq_alloc(intx_irq, p);
	if (v < 0)
		return v;
	if (arch_ioapic_route((uint32_t)gsi, v, true, false) < 0)
		return -ENODEV;
	pci_write16(&p->pdev, PCI_COMMAND,
		    (uint16_t)(pci_read16(&p->pdev, PCI_COMMAND) & ~PCI_CMD_INTX_DISABLE));
	ksnprintf(d->irq_desc, sizeof(d->irq_desc), "intx pin %c, ioapic gsi %d level, vector %#x",
		  'A' + pci_read8(&p->pdev, PCI_INTERRUPT_PIN) - 1, gsi, v);
	return 0;
}

static int pci_setup_irqs(struct virtio_device *d)
{
	struct pci_vdev *p = PD(d);
	if (p->irqs_done)
		return 0;
	int r = -ENODEV;
	if (p->msix_cap)
		r = setup_msix(p);
	if (r < 0) {
		if (p->msix_cap) {
			printk("jiny: %s: MSI-X set-up failed (%d); trying INTx\n", d->name, r);
			uint16_t ctl = pci_read16(&p->pdev, p->msix_cap + 2);
			pci_write16(&p->pdev, p->msix_cap + 2, (uint16_t)(ctl & ~0x8000));
			for (unsigned i = 0; i < d->nvqs; i++)
				d->vqs[i]->vector = -1;
		}
		r = setup_intx(p);
	}
	if (r < 0)
		return r;
	volatile uint8_t *c = p->common;
	for (unsigned i = 0; i < d->nvqs; i++) {
		writew(c + CC_Q_SELECT, (uint16_t)i);
		writew(c + CC_Q_ENABLE, 1);
	}
	p->irqs_done = true;
	return 0;
}

static const struct virtio_transport pci_modern = {
	.name = "pci", .modern = true,
	.get_features = pci_get_features, .set_features = pci_set_features,
	.get_status = pci_get_status, .set_status = pci_set_status,
	.config_generation = pci_config_generation,
	.config_read = pci_config_read, .config_write = pci_config_write,
	.queue_max = pci_queue_max, .queue_enable = pci_queue_enable,
	.setup_irqs = pci_setup_irqs, .notify = pci_notify,
};

/* ---- discovery ---- */

/* Map the region a vendor capability at 'cap' describes; NULL if unusable. */
static volatile uint8_t *map_cap(const struct pci_dev *pd, uint8_t cap, const char *where)
{
	uint8_t bar = pci_read8(pd, cap + 4);
	uint32_t off = pci_read32(pd, cap + 8), len = pci_read32(pd, cap + 12);
	paddr_t base = pci_bar_addr(pd, bar);
	if (!base || !len) {
		printk("jiny: virtio %s: capability at %#x names BAR %u, which has no memory address\n",
		       where, cap, bar);
		return NULL;
	}
	return vmarea_map_mmio(base + off, len);
}

static void pci_found(const struct pci_dev *pd, void *ctx)
{
	if (pd->vendor != 0x1af4 || pd->device < 0x1000 || pd->device > 0x107f)
		return;
	uint32_t type = pd->device >= 0x1040 ? pd->device - 0x1040u
					     : pci_read16(pd, PCI_SUBSYSTEM_ID);
	char where[48];
	ksnprintf(where, sizeof(where), "pci %02x:%02x.%x", pd->bus, pd->slot, pd->fn);
	struct pci_vdev *p = kzalloc(sizeof(*p));
	if (!p)
		return;
	p->pdev = *pd;
	for (uint8_t cap = pci_find_cap(pd, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(pd, PCI_CAP_VENDOR, cap)) {
		uint8_t ct = pci_read8(pd, cap + 3);
		volatile uint8_t **slot = ct == CAP_COMMON ? &p->common
					  : ct == CAP_NOTIFY ? &p->notify
					  : ct == CAP_ISR ? &p->isr
					  : ct == CAP_DEVICE ? &p->device
					  : NULL;
		if (!slot || *slot)
			continue; /* the first of each kind is the one to use */
		*slot = map_cap(pd, cap, where);
		if (ct == CAP_NOTIFY)
			p->notify_mult = pci_read32(pd, cap + 16);
	}
	if (!p->common || !p->notify || !p->isr) {
		printk("jiny: virtio %s (%04x:%04x, type %u): no modern common/notify/ISR "
		       "capabilities (a legacy-only device?); not supported, ignored\n",
		       where, pd->vendor, pd->device, type);
		kfree(p); /* the mappings stay: a few pages, once */
		return;
	}
	p->msix_cap = pci_find_cap(pd, PCI_CAP_MSIX, 0);
	if (p->msix_cap) {
		uint16_t ctl = pci_read16(pd, p->msix_cap + 2);
		uint32_t tbl = pci_read32(pd, p->msix_cap + 4);
		p->msix_size = (ctl & 0x7ff) + 1u;
		paddr_t base = pci_bar_addr(pd, tbl & 7);
		p->msix_table = base ? vmarea_map_mmio(base + (tbl & ~7u), 16 * p->msix_size) : NULL;
		if (!p->msix_table)
			p->msix_cap = 0;
	}
	pci_write16(pd, PCI_COMMAND, (uint16_t)(pci_read16(pd, PCI_COMMAND) | PCI_CMD_MEMORY |
						PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE));
	p->vd.id = type;
	p->vd.t = &pci_modern;
	p->vd.tpriv = p;
	strlcpy(p->vd.where, where, sizeof(p->vd.where));
	virtio_add_device(&p->vd);
}

void virtio_pci_scan(void)
{
	pci_scan(pci_found, NULL);
}
