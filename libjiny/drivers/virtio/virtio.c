/*
 * virtio.c - the transport-neutral virtio 1.x core (contract in virtio.h):
 * the device list, binding devices to the linked drivers of the
 * .jiny.virtio_driver table, the status sequence and feature negotiation,
 * virtqueue memory and set-up over vring.c, interrupt dispatch to queue
 * callbacks, and /proc/virtio. The transports (mmio.c, pci.c) find the
 * devices and program the registers; virtio_scan(), this file's initcall,
 * runs their scans.
 *
 * Pay for what you link: virtio_scan's initcall entry is not retained by
 * itself (INITCALL_IF_LINKED); only a driver entry that something references
 * keeps it (virtio.h, VIRTIO_DRIVER), so an image without a virtio driver
 * has none of drivers/virtio/ in it.
 *
 * Locking: the device list is built by the scan at boot (one thread) and
 * read-only afterwards. Each queue's ring belongs to its driver's lock
 * (virtio.h); the statistics are plain counters, exact enough for /proc.
 * The watch thread (below) only reads rings and writes doorbells, so it
 * takes no driver's lock; vq->watch and vq->rescues are its own.
 */
#include "drivers/virtio/virtio.h"
#include "kern/initcall.h"
#include "kern/errno.h"
#include "mm/mm.h"
#include "arch/arch.h"
#include "fs/vfs.h"
#include "sched/sched.h"
#include "kern/cmdline.h"

extern bool kern_verbose;
extern struct cmdline kernel_cmdline; /* kern/start.c */

static struct virtio_device *dev_head, *dev_tail; /* scan only, then read-only */
static int type_count[64];                         /* per device type: the N of virtio-rngN */

struct virtio_device *virtio_devices(void) { return dev_head; }

static const char *type_name(uint32_t id)
{
	switch (id) {
	case VIRTIO_ID_NET: return "net";
	case VIRTIO_ID_BLOCK: return "blk";
	case VIRTIO_ID_CONSOLE: return "console";
	case VIRTIO_ID_RNG: return "rng";
	case VIRTIO_ID_BALLOON: return "balloon";
	case VIRTIO_ID_9P: return "9p";
	default: return "dev";
	}
}

uint64_t virtio_dma_addr(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	if (v >= DIRECT_MAP_BASE && v < KVA_BASE)
		return v - DIRECT_MAP_BASE;
	if (v >= IMAGE_BASE && v < IMAGE_END)
		return v - IMAGE_BASE;
	/* Anything else must be mapped and, for a buffer, contiguous: the caller's word. */
	paddr_t pa = vm_translate(v, NULL);
	BUG_ON(pa == ~(paddr_t)0);
	return pa;
}

/* ---- config space ---- */

void virtio_cfg_read_mmio(volatile uint8_t *p, void *buf, unsigned len)
{
	if (len == 4 && !((uintptr_t)p & 3)) {
		uint32_t v = readl(p);
		memcpy(buf, &v, 4);
	} else if (len == 2 && !((uintptr_t)p & 1)) {
		uint16_t v = readw(p);
		memcpy(buf, &v, 2);
	} else {
		for (unsigned i = 0; i < len; i++)
			((uint8_t *)buf)[i] = readb(p + i);
	}
}

void virtio_cfg_write_mmio(volatile uint8_t *p, const void *buf, unsigned len)
{
	if (len == 4 && !((uintptr_t)p & 3)) {
		uint32_t v;
		memcpy(&v, buf, 4);
		writel(p, v);
	} else if (len == 2 && !((uintptr_t)p & 1)) {
		uint16_t v;
		memcpy(&v, buf, 2);
		writew(p, v);
	} else {
		for (unsigned i = 0; i < len; i++)
			writeb(p + i, ((const uint8_t *)buf)[i]);
	}
}

void virtio_cread(struct virtio_device *d, unsigned off, void *buf, unsigned len)
{
	const struct virtio_transport *t = d->t;
	uint32_t gen;
	int tries = 0;
	do {
		gen = t->config_generation(d);
		t->config_read(d, off, buf, len);
	} while (t->config_generation(d) != gen && ++tries < 100);
}

void virtio_cwrite(struct virtio_device *d, unsigned off, const void *buf, unsigned len)
{
	d->t->config_write(d, off, buf, len);
}

/* ---- queues ---- */

static void free_vq(struct virtqueue *vq)
{
	if (!vq)
		return;
	vring_destroy(&vq->vr);
	if (vq->mem)
		page_free(vq->mem, vq->mem_order);
	kfree(vq);
}

static void free_vqs(struct virtio_device *d)
{
	for (unsigned i = 0; i < d->nvqs; i++) {
		free_vq(d->vqs[i]);
		d->vqs[i] = NULL;
	}
	d->nvqs = 0;
}

#define VQ_DEFAULT_SIZE 256

int virtio_find_vqs(struct virtio_device *d, unsigned n, const virtqueue_cb cbs[],
		    struct virtqueue *vqs[])
{
	if (n > VIRTIO_MAX_VQS || d->nvqs)
		return -EINVAL;
	int r = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned max = d->t->queue_max(d, i);
		if (!max) {
			printk("jiny: %s: no queue %u (the driver needs %u)\n", d->name, i, n);
			r = -ENOENT;
			goto fail;
		}
		/* The largest power of 2 up to both the default and the device's maximum. */
		unsigned num = VQ_DEFAULT_SIZE;
		while (num > max)
			num >>= 1;
		struct virtqueue *vq = kzalloc(sizeof(*vq));
		if (!vq) {
			r = -ENOMEM;
			goto fail;
		}
		d->vqs[d->nvqs++] = vq;
		vq->dev = d;
		vq->index = i;
		vq->cb = cbs ? cbs[i] : NULL;
		vq->vector = -1;
		ksnprintf(vq->name, sizeof(vq->name), "%s queue %u", d->name, i);
		size_t size = vring_legacy_size(num, PAGE_SIZE);
		unsigned order = 0;
		while ((PAGE_SIZE << order) < size)
			order++;
		vq->mem = page_alloc(order); /* zeroed, physically contiguous */
		vq->mem_order = order;
		if (!vq->mem) {
			r = -ENOMEM;
			goto fail;
		}
		uint8_t *m = vq->mem;
		void *avail = m + vring_desc_size(num);
		void *used = m + ALIGN_UP(vring_desc_size(num) + vring_avail_size(num), PAGE_SIZE);
		r = vring_init(&vq->vr, num, m, avail, used, virtio_dma_addr, vq->name,
			       virtio_has_feature(d, VIRTIO_F_EVENT_IDX),
			       virtio_has_feature(d, VIRTIO_F_INDIRECT_DESC));
		if (r < 0)
			goto fail;
		r = d->t->queue_enable(d, vq);
		if (r < 0) {
			printk("jiny: %s: cannot enable queue %u (%d)\n", d->name, i, r);
			goto fail;
		}
		vqs[i] = vq;
	}
	r = d->t->setup_irqs(d);
	if (r < 0) {
		printk("jiny: %s: no interrupt for its queues (%d)\n", d->name, r);
		goto fail;
	}
	return 0;
fail:
	d->t->set_status(d, 0); /* reset: the device forgets the queues */
	free_vqs(d);
	return r;
}

int virtqueue_add(struct virtqueue *vq, const struct virtio_sg *sg, unsigned out, unsigned in,
		  void *token)
{
	return vring_add(&vq->vr, sg, out, in, token);
}

bool virtqueue_kick_prepare(struct virtqueue *vq)
{
	vring_publish(&vq->vr);
	return vring_kick_prepare(&vq->vr);
}

/* debug_lose_kick=N: every Nth notification of each queue is not sent (the
 * device is never told), to show that the watch below recovers. 0: off. */
static uint64_t lose_kick_every;

void virtqueue_notify(struct virtqueue *vq)
{
	vq->kicks++;
	if (lose_kick_every && vq->kicks % lose_kick_every == 0)
		return;
	vq->dev->t->notify(vq);
}

void virtqueue_kick(struct virtqueue *vq)
{
	if (virtqueue_kick_prepare(vq))
		virtqueue_notify(vq);
}

void *virtqueue_get_buf(struct virtqueue *vq, uint32_t *len)
{
	return vring_get_used(&vq->vr, len);
}

void virtqueue_disable_cb(struct virtqueue *vq) { vring_disable_cb(&vq->vr); }
bool virtqueue_enable_cb(struct virtqueue *vq) { return vring_enable_cb(&vq->vr); }

/* ---- interrupts (interrupt context) ---- */

void virtio_vq_interrupt(struct virtqueue *vq)
{
	vq->interrupts++;
	if (vq->cb)
		vq->cb(vq);
}

void virtio_config_interrupt(struct virtio_device *d)
{
	if (d->drv && d->drv->config_changed)
		d->drv->config_changed(d);
}

void virtio_device_interrupt(struct virtio_device *d, unsigned isr)
{
	if (isr & 1)
		for (unsigned i = 0; i < d->nvqs; i++)
			if (d->vqs[i] && vring_more_used(&d->vqs[i]->vr))
				virtio_vq_interrupt(d->vqs[i]);
	if (isr & 2)
		virtio_config_interrupt(d);
}

/* ---- binding ---- */

extern const struct virtio_driver __virtio_drivers_start[], __virtio_drivers_end[];

static const struct virtio_driver *find_driver(uint32_t id)
{
	for (const struct virtio_driver *drv = __virtio_drivers_start; drv < __virtio_drivers_end;
	     drv++)
		for (const uint16_t *p = drv->ids; *p; p++)
			if (*p == id)
				return drv;
	return NULL;
}

static void add_status(struct virtio_device *d, uint8_t bits)
{
	d->t->set_status(d, d->t->get_status(d) | bits);
}

void virtio_device_ready(struct virtio_device *d)
{
	add_status(d, VIRTIO_STATUS_DRIVER_OK);
}

static void fail(struct virtio_device *d, const char *why)
{
	d->t->set_status(d, 0); /* reset first: the device stops using the rings */
	free_vqs(d);
	add_status(d, VIRTIO_STATUS_FAILED);
	d->state = why;
	printk("jiny: %s: %s\n", d->name, why);
}

static void bind(struct virtio_device *d, const struct virtio_driver *drv)
{
	const struct virtio_transport *t = d->t;
	t->set_status(d, 0);
	add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(d, VIRTIO_STATUS_DRIVER);
	d->offered = t->get_features(d);
	uint64_t want = drv->features | VIRTIO_CORE_FEATURES;
	if (!t->modern)
		want &= ~VIRTIO_BIT(VIRTIO_F_VERSION_1);
	d->features = d->offered & want;
	if (drv->select_features) /* bits that only make sense together */
		d->features = drv->select_features(d->features) & d->offered & want;
	if (t->modern && !virtio_has_feature(d, VIRTIO_F_VERSION_1)) {
		fail(d, "failed: a modern transport whose device does not offer VERSION_1");
		return;
	}
	t->set_features(d, d->features);
	if (t->modern) {
		add_status(d, VIRTIO_STATUS_FEATURES_OK);
		if (!(t->get_status(d) & VIRTIO_STATUS_FEATURES_OK)) {
			fail(d, "failed: the device refused the features (FEATURES_OK did not stick)");
			return;
		}
	}
	d->drv = drv;
	int r = drv->probe(d);
	if (r < 0) {
		d->drv = NULL;
		fail(d, "failed: the driver's probe failed");
		printk("jiny: %s: %s probe returned %d\n", d->name, drv->name, r);
		return;
	}
	if (!(t->get_status(d) & VIRTIO_STATUS_DRIVER_OK))
		virtio_device_ready(d);
	d->state = "bound";
}

void virtio_add_device(struct virtio_device *d)
{
	unsigned ty = d->id < ARRAY_SIZE(type_count) ? d->id : 0;
	ksnprintf(d->name, sizeof(d->name), "virtio-%s%d (%s)", type_name(d->id), type_count[ty]++,
		  d->where);
	if (dev_tail)
		dev_tail->next = d;
	else
		dev_head = d;
	dev_tail = d;
	const struct virtio_driver *drv = find_driver(d->id);
	if (!drv) {
		d->state = "no driver linked";
		return;
	}
	bind(d, drv);
	if (kern_verbose)
		printk("jiny: %s: %s, features %#lx of %#lx, %s\n", d->name, d->state,
		       (unsigned long)d->features, (unsigned long)d->offered, d->irq_desc);
}

/* ---- the lost-notification watch (vring.h: vring_notify_lost) ----
 *
 * Every VIRTIO_WATCH_MS, each queue of each bound device is looked at; a
 * device that waits for a notification we sent while it could not see it
 * is notified again. Without this, a lost race ends a queue's traffic for
 * good (seen under QEMU TCG with one vCPU, where guest fences do not order
 * the host threads); with it, the queue goes on within two periods. */
#define VIRTIO_WATCH_MS 50

static void watch_main(void *arg)
{
	(void)arg;
	for (;;) {
		sched_sleep_until(clock_ns() + VIRTIO_WATCH_MS * 1000000ULL);
		for (struct virtio_device *d = dev_head; d; d = d->next) {
			if (!d->drv)
				continue;
			for (unsigned i = 0; i < d->nvqs; i++) {
				struct virtqueue *vq = d->vqs[i];
				if (!vq || !vring_notify_lost(&vq->vr, &vq->watch))
					continue;
				vq->rescues++;
				if (kern_verbose)
					printk("jiny: %s: the device waited for a notification it missed; "
					       "sent again\n", vq->name);
				d->t->notify(vq);
			}
		}
	}
}

/* ---- /proc/virtio ---- */

static void proc_virtio(struct vfs_snapshot *s)
{
	for (struct virtio_device *d = dev_head; d; d = d->next) {
		snap_printf(s, "%s: type %u transport %s driver %s state %s\n", d->name, d->id,
			    d->t->name, d->drv ? d->drv->name : "-", d->state ? d->state : "-");
		snap_printf(s, "  features offered %#018lx negotiated %#018lx\n",
			    (unsigned long)d->offered, (unsigned long)d->features);
		if (d->irq_desc[0])
			snap_printf(s, "  interrupts %s\n", d->irq_desc);
		for (unsigned i = 0; i < d->nvqs; i++) {
			struct virtqueue *vq = d->vqs[i];
			snap_printf(s, "  queue %u size %u free %u kicks %lu interrupts %lu "
				    "rescued %lu%s%s\n", i, vq->vr.num, vq->vr.num_free,
				    (unsigned long)vq->kicks, (unsigned long)vq->interrupts,
				    (unsigned long)vq->rescues, vq->vector >= 0 ? " msix" : "",
				    vq->vr.broken ? " BROKEN" : "");
		}
	}
}

static int virtio_scan(void)
{
	const char *lk = cmdline_opt(&kernel_cmdline, "debug_lose_kick");
	if (lk && (!cmdline_parse_u64(lk, &lose_kick_every) || lose_kick_every < 2)) {
		printk("jiny: ignoring debug_lose_kick=%s (a number of at least 2)\n", lk);
		lose_kick_every = 0;
	}
	virtio_mmio_scan();
	virtio_pci_scan();
	procfs_add_file("virtio", proc_virtio);
	bool queues = false;
	for (struct virtio_device *d = dev_head; d; d = d->next)
		queues |= d->drv && d->nvqs;
	if (queues && !thread_create("virtio-watch", PRIO_HP, 0, watch_main, NULL, 16384))
		printk("jiny: virtio: no memory for the watch thread: a lost notification "
		       "would stop its queue\n");
	return 0;
}
INITCALL_IF_LINKED(INITCALL_DRIVER, virtio_scan);
