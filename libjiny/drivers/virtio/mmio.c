/*
 * mmio.c - the virtio-mmio transport (virtio 1.x spec 4.2) for microvm and
 * Firecracker-class VMMs, under the core of virtio.c. Both register
 * layouts: version 1 (legacy: guest page size, one PFN per queue, 32
 * feature bits; QEMU microvm's default) and version 2 (modern: 64-bit
 * queue addresses, QueueReady, FEATURES_OK, config generation; QEMU with
 * `-global virtio-mmio.force-legacy=false`).
 *
 * Devices are found two ways, duplicates dropped: the ACPI DSDT's LNRO0005
 * devices (drivers/acpi.c: _CRS gives the register window and the GSI;
 * QEMU microvm lists the slots that hold a device), and kernel options
 * `virtio_mmio.device=SIZE@ADDR:GSI` (Linux's form; what QEMU microvm
 * appends itself when ACPI is off). A device's one interrupt is routed
 * through the IOAPIC (arch_ioapic_route): its handler reads and
 * acknowledges InterruptStatus and lets the core call the queues' and the
 * config callbacks.
 *
 * Locking: registers are programmed by the core in the boot scan only;
 * afterwards QueueNotify is written by drivers (one write, no lock) and
 * InterruptStatus/ACK by the interrupt handler.
 */
#include "drivers/virtio/virtio.h"
#include "drivers/acpi.h"
#include "arch/arch.h"
#include "kern/boot.h"
#include "kern/cmdline.h"
#include "kern/errno.h"
#include "mm/mm.h"

#define MMIO_MAGIC 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_VENDOR_ID 0x00c
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_GUEST_PAGE_SIZE 0x028 /* legacy */
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_ALIGN 0x03c     /* legacy */
#define MMIO_QUEUE_PFN 0x040       /* legacy */
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INTERRUPT_STATUS 0x060
#define MMIO_INTERRUPT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC_LOW 0x080
#define MMIO_QUEUE_DESC_HIGH 0x084
#define MMIO_QUEUE_DRIVER_LOW 0x090
#define MMIO_QUEUE_DRIVER_HIGH 0x094
#define MMIO_QUEUE_DEVICE_LOW 0x0a0
#define MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define MMIO_CONFIG_GENERATION 0x0fc
#define MMIO_CONFIG 0x100
#define MMIO_MAGIC_VALUE 0x74726976 /* "virt" */

struct mmio_dev {
	struct virtio_device vd;
	volatile uint8_t *regs;
	paddr_t base;
	uint32_t gsi;
	bool level, active_low;
	int vector;                 /* -1 until setup_irqs */
};

#define MD(d) container_of(d, struct mmio_dev, vd)

static inline uint32_t rd(struct mmio_dev *m, unsigned off) { return readl(m->regs + off); }
static inline void wr(struct mmio_dev *m, unsigned off, uint32_t v) { writel(m->regs + off, v); }

static uint64_t mmio_get_features(struct virtio_device *d)
{
	struct mmio_dev *m = MD(d);
	wr(m, MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t f = rd(m, MMIO_DEVICE_FEATURES);
	if (d->t->modern) {
		wr(m, MMIO_DEVICE_FEATURES_SEL, 1);
		f |= (uint64_t)rd(m, MMIO_DEVICE_FEATURES) << 32;
	}
	return f;
}

static void mmio_set_features(struct virtio_device *d, uint64_t f)
{
	struct mmio_dev *m = MD(d);
	wr(m, MMIO_DRIVER_FEATURES_SEL, 0);
	wr(m, MMIO_DRIVER_FEATURES, (uint32_t)f);
	if (d->t->modern) {
		wr(m, MMIO_DRIVER_FEATURES_SEL, 1);
		wr(m, MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	}
}

static uint8_t mmio_get_status(struct virtio_device *d) { return (uint8_t)rd(MD(d), MMIO_STATUS); }

static void mmio_set_status(struct virtio_device *d, uint8_t s)
{
	struct mmio_dev *m = MD(d);
	wr(m, MMIO_STATUS, s);
	/* A modern device may take a while to reset: it reads 0 when done. */
	for (int i = 0; !s && d->t->modern && rd(m, MMIO_STATUS) && i < 1000000; i++)
		cpu_relax();
}

static uint32_t mmio_config_generation(struct virtio_device *d)
{
	return d->t->modern ? rd(MD(d), MMIO_CONFIG_GENERATION) : 0;
}

static void mmio_config_read(struct virtio_device *d, unsigned off, void *buf, unsigned len)
{
	virtio_cfg_read_mmio(MD(d)->regs + MMIO_CONFIG + off, buf, len);
}

static void mmio_config_write(struct virtio_device *d, unsigned off, const void *buf,
			      unsigned len)
{
	virtio_cfg_write_mmio(MD(d)->regs + MMIO_CONFIG + off, buf, len);
}

static unsigned mmio_queue_max(struct virtio_device *d, unsigned index)
{
	struct mmio_dev *m = MD(d);
	wr(m, MMIO_QUEUE_SEL, index);
	if (d->t->modern ? rd(m, MMIO_QUEUE_READY) : rd(m, MMIO_QUEUE_PFN))
		return 0; /* in use already: not ours to set up */
	return rd(m, MMIO_QUEUE_NUM_MAX);
}

static int mmio_queue_enable(struct virtio_device *d, struct virtqueue *vq)
{
	struct mmio_dev *m = MD(d);
	uint64_t desc = virtio_dma_addr(vq->vr.desc), avail = virtio_dma_addr(vq->vr.avail),
		 used = virtio_dma_addr(vq->vr.used);
	wr(m, MMIO_QUEUE_SEL, vq->index);
	wr(m, MMIO_QUEUE_NUM, vq->vr.num);
	if (!d->t->modern) {
		if ((desc >> PAGE_SHIFT) > UINT32_MAX)
			return -EINVAL; /* a 32-bit PFN: the ring must sit below 16 TiB */
		wr(m, MMIO_GUEST_PAGE_SIZE, PAGE_SIZE);
		wr(m, MMIO_QUEUE_ALIGN, PAGE_SIZE);
		wr(m, MMIO_QUEUE_PFN, (uint32_t)(desc >> PAGE_SHIFT));
		return 0;
	}
	wr(m, MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(m, MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(m, MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	wr(m, MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	wr(m, MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	wr(m, MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	wr(m, MMIO_QUEUE_READY, 1);
	return rd(m, MMIO_QUEUE_READY) == 1 ? 0 : -EIO;
}

static void mmio_notify(struct virtqueue *vq)
{
	wr(MD(vq->dev), MMIO_QUEUE_NOTIFY, vq->index);
}

/* The device's interrupt (interrupt context): acknowledge, then dispatch. */
static void mmio_interrupt(void *arg)
{
	struct mmio_dev *m = arg;
	uint32_t isr = rd(m, MMIO_INTERRUPT_STATUS);
	if (!isr)
		return; /* a level-triggered line seen once more after the EOI */
	wr(m, MMIO_INTERRUPT_ACK, isr);
	virtio_device_interrupt(&m->vd, isr);
}

static int mmio_setup_irqs(struct virtio_device *d)
{
	struct mmio_dev *m = MD(d);
	if (m->vector >= 0)
		return 0;
	int v = arch_irq_alloc(mmio_interrupt, m);
	if (v < 0)
		return v;
	int r = arch_ioapic_route(m->gsi, v, m->level, m->active_low);
	if (r < 0) {
		printk("jiny: %s: no IOAPIC serves GSI %u\n", d->name, m->gsi);
		return r;
	}
	m->vector = v;
	ksnprintf(d->irq_desc, sizeof(d->irq_desc), "ioapic gsi %u %s %s, vector %#x", m->gsi,
		  m->level ? "level" : "edge", m->active_low ? "low" : "high", v);
	return 0;
}

static const struct virtio_transport mmio_legacy = {
	.name = "mmio-legacy", .modern = false,
	.get_features = mmio_get_features, .set_features = mmio_set_features,
	.get_status = mmio_get_status, .set_status = mmio_set_status,
	.config_generation = mmio_config_generation,
	.config_read = mmio_config_read, .config_write = mmio_config_write,
	.queue_max = mmio_queue_max, .queue_enable = mmio_queue_enable,
	.setup_irqs = mmio_setup_irqs, .notify = mmio_notify,
};

static const struct virtio_transport mmio_modern = {
	.name = "mmio", .modern = true,
	.get_features = mmio_get_features, .set_features = mmio_set_features,
	.get_status = mmio_get_status, .set_status = mmio_set_status,
	.config_generation = mmio_config_generation,
	.config_read = mmio_config_read, .config_write = mmio_config_write,
	.queue_max = mmio_queue_max, .queue_enable = mmio_queue_enable,
	.setup_irqs = mmio_setup_irqs, .notify = mmio_notify,
};

/* ---- discovery ---- */

#define MAX_SEEN 64
static paddr_t seen[MAX_SEEN]; /* register windows probed (scan only) */
static int nr_seen;

/* Probe the window at base; add a virtio device if one answers there. */
static void mmio_probe(paddr_t base, uint64_t size, uint32_t gsi, bool level, bool active_low,
		       const char *from)
{
	for (int i = 0; i < nr_seen; i++)
		if (seen[i] == base)
			return;
	if (nr_seen < MAX_SEEN)
		seen[nr_seen++] = base;
	if (size < MMIO_CONFIG) {
		printk("jiny: virtio-mmio@%#lx (%s): a %lu-byte window is too small for the registers\n",
		       (unsigned long)base, from, (unsigned long)size);
		return;
	}
	size_t len = ALIGN_UP((base & (PAGE_SIZE - 1)) + size, PAGE_SIZE);
	volatile uint8_t *regs = vmarea_map_mmio(base, size);
	if (!regs) {
		printk("jiny: virtio-mmio@%#lx (%s): cannot map its registers\n", (unsigned long)base,
		       from);
		return;
	}
	uint32_t magic = readl(regs + MMIO_MAGIC), version = readl(regs + MMIO_VERSION);
	uint32_t id = readl(regs + MMIO_DEVICE_ID);
	const char *bad = magic != MMIO_MAGIC_VALUE ? "no virtio magic value"
			  : version != 1 && version != 2 ? "an unknown register layout version"
			  : NULL;
	if (bad || !id) {
		if (bad)
			printk("jiny: virtio-mmio@%#lx (%s): %s (magic %#x, version %u); ignored\n",
			       (unsigned long)base, from, bad, magic, version);
		/* id 0: an empty slot */
		vmarea_free((void *)ALIGN_DOWN((uintptr_t)regs, PAGE_SIZE), len, 0);
		return;
	}
	struct mmio_dev *m = kzalloc(sizeof(*m));
	if (!m)
		return;
	m->regs = regs;
	m->base = base;
	m->gsi = gsi;
	m->level = level;
	m->active_low = active_low;
	m->vector = -1;
	m->vd.id = id;
	m->vd.t = version == 1 ? &mmio_legacy : &mmio_modern;
	m->vd.tpriv = m;
	ksnprintf(m->vd.where, sizeof(m->vd.where), "mmio@%#lx", (unsigned long)base);
	virtio_add_device(&m->vd);
}

static void acpi_found(const struct acpi_dev_res *r, void *ctx)
{
	if (!r->has_mem || !r->has_irq) {
		printk("jiny: acpi: DSDT+%#x: LNRO0005 device %s has no %s in its _CRS; ignored\n",
		       r->aml_offset, r->name, r->has_mem ? "interrupt" : "memory range");
		return;
	}
	mmio_probe(r->mem_base, r->mem_len, r->irq, r->level, r->active_low, "ACPI");
}

/* The next occurrence of word w in s that starts a word, or NULL. */
static const char *strstr_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = s; *p; p++)
		if ((p == s || p[-1] == ' ' || p[-1] == '\t') && !strncmp(p, w, n))
			return p;
	return NULL;
}

/* "SIZE@ADDR:GSI[:ID]" (SIZE with K/M/G, numbers decimal or 0x hex); false if malformed. */
static bool parse_device_opt(const char *s, uint64_t *size, uint64_t *addr, uint64_t *gsi)
{
	char buf[64];
	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return false;
	char *at = strchr(buf, '@'), *colon = at ? strchr(at, ':') : NULL;
	if (!at || !colon)
		return false;
	*at = *colon = 0;
	char *id = strchr(colon + 1, ':');
	if (id)
		*id = 0;
	return cmdline_parse_u64(buf, size) && cmdline_parse_u64(at + 1, addr) &&
	       cmdline_parse_u64(colon + 1, gsi) && *gsi < 256;
}

/*
 * The raw command line is searched, not the parsed kernel options: QEMU
 * microvm with ACPI off appends its virtio_mmio.device= words at the end of
 * -append, which puts them after our `--` (the app sees them in argv too).
 */
void virtio_mmio_scan(void)
{
	static const char key[] = "virtio_mmio.device=";
	const char *s = boot_info.cmdline;
	for (const char *p = s; p && (p = strstr_word(p, key)); p += sizeof(key) - 1) {
		char val[64];
		const char *v = p + sizeof(key) - 1;
		size_t n = 0;
		while (v[n] && v[n] != ' ' && v[n] != '\t' && n < sizeof(val) - 1)
			n++;
		memcpy(val, v, n);
		val[n] = 0;
		uint64_t size, addr, gsi;
		if (!parse_device_opt(val, &size, &addr, &gsi)) {
			printk("jiny: virtio_mmio.device=%s: expected SIZE@ADDR:GSI, e.g. "
			       "512@0xfeb00000:12; ignored\n", val);
			continue;
		}
		/* QEMU's virtio-mmio lines are level-triggered, active high. */
		mmio_probe(addr, size, (uint32_t)gsi, true, false, "command line");
	}
	if (boot_info.rsdp)
		acpi_find_devices(boot_info.rsdp, "LNRO0005", acpi_found, NULL);
}
