/*
 * virtio.h - the contract between virtio device drivers (rng.c; net, blk,
 * 9p, balloon later) and Jiny's virtio 1.x core (virtio.c), which sits on
 * two transports: MMIO (mmio.c: microvm, Firecracker; legacy version 1 and
 * modern version 2 registers) and PCI (pci.c: q35/pc, modern capabilities,
 * MSI-X). See docs/virtio.md for the whole picture.
 *
 * A driver is a `struct virtio_driver` in a linker-section table
 * (VIRTIO_DRIVER below): it names the device types it serves and the
 * feature bits it can use. Pay for what you link: the table's section is
 * not kept by the link script; a driver entry is kept only when something
 * references it (a public jiny_ call, `-Wl,-u,SYMBOL`, the network stack),
 * and an entry references the core's scan initcall, so linking one driver
 * pulls in the core and both transports, and linking none pulls in nothing.
 *
 * Life of a device: the core's scan (INITCALL_DRIVER) finds the devices of
 * both transports; for each one whose type a linked driver serves it
 * resets the device, sets ACKNOWLEDGE and DRIVER, negotiates features
 * (device's offer & driver's .features & what the core supports:
 * VERSION_1 always on modern transports, EVENT_IDX, INDIRECT_DESC; then
 * the driver's .select_features, if any, may drop more), sets
 * FEATURES_OK (modern) and checks it stuck, then calls .probe(dev). probe
 * reads the config space, calls virtio_find_vqs() and posts buffers; when
 * it returns 0 the core sets DRIVER_OK (a driver may do it earlier with
 * virtio_device_ready() to use its queues inside probe). A negative return
 * resets the device and marks it FAILED.
 *
 * Queues and concurrency: every virtqueue_*() call on one queue must be
 * serialised by the driver (its own spinlock taken with interrupts off, or
 * a single owner); calls on different queues may run in parallel. None of
 * them sleeps. A queue's callback runs in interrupt context (interrupts off,
 * on the interrupted thread's IRQ stack): keep it short, take the driver's
 * lock, reap with virtqueue_get_buf() or wake a thread (sched/waitq.h).
 * NAPI-style polling: virtqueue_disable_cb() in the callback, poll in a
 * thread until empty, then virtqueue_enable_cb(); false from it means more
 * arrived meanwhile (poll again). With MSI-X each queue has its own vector
 * (a multi-queue NIC can steer queue pairs to CPUs); on MMIO and INTx one
 * interrupt serves the device and the core calls the callback of every
 * queue with used entries.
 *
 * Buffers: struct virtio_sg holds kernel addresses that are physically
 * contiguous: kmalloc, page_alloc or static data, never a thread stack or
 * the HP app's memory (copy through a bounce buffer). A request of
 * several buffers (a net header and a frame, MRG_RXBUF's many buffers of
 * one packet) is one virtqueue_add(); its token comes back from
 * virtqueue_get_buf() with the byte count the device wrote.
 *
 * Errors name the device (dev->name, e.g. "virtio-rng0 (mmio@0xfeb02e00)")
 * and the cause. A device that breaks the ring protocol (a used entry with
 * an unknown id or too large a length) stops that queue with a message;
 * it never crashes the kernel.
 */
#ifndef JINY_VIRTIO_H
#define JINY_VIRTIO_H

#include "kern/kern.h"
#include "kern/initcall.h"
#include "drivers/virtio/vring.h"

/* ---- device types (spec 5) ---- */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_BALLOON 5
#define VIRTIO_ID_9P 9

/* ---- device-independent feature bits (spec 6) ---- */
#define VIRTIO_F_NOTIFY_ON_EMPTY 24 /* legacy */
#define VIRTIO_F_ANY_LAYOUT 27      /* legacy; implied by VERSION_1 */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_F_IN_ORDER 35
#define VIRTIO_F_ORDER_PLATFORM 36
#define VIRTIO_F_SR_IOV 37
#define VIRTIO_F_NOTIFICATION_DATA 38
#define VIRTIO_BIT(b) (1ULL << (b))
/* The transport bits the core implements (others are never negotiated). */
#define VIRTIO_CORE_FEATURES                                                   \
	(VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |  \
	 VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT))

/* ---- device status (spec 2.1) ---- */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_MAX_VQS 64 /* per device (a NIC: 2 per CPU pair + control) */

struct virtio_device;
struct virtqueue;
typedef void (*virtqueue_cb)(struct virtqueue *vq);

/* A virtqueue. Fields below the line are the core's. */
struct virtqueue {
	struct virtio_device *dev;
	unsigned index;               /* queue number on the device */
	void *priv;                   /* the driver's */
	/* -------- */
	struct vring vr;              /* driver's lock (see above) */
	virtqueue_cb cb;              /* NULL: no interrupt wanted (polled queue) */
	char name[96];                /* "virtio-rng0 (mmio@0xfeb02e00) queue 0" */
	void *mem;                    /* the ring memory (page_alloc), and its order */
	unsigned mem_order;
	volatile void *notify;        /* transport: where a kick is written */
	int vector;                   /* PCI MSI-X: its interrupt vector, else -1 */
	uint64_t kicks, interrupts;   /* statistics (/proc/virtio) */
	struct vring_watch watch;     /* the watch thread's (virtio.c) */
	uint64_t rescues;             /* notifications the watch sent again */
};

/*
 * What a transport provides (mmio.c, pci.c). Called by the core only, in
 * process or boot context, never concurrently for one device.
 */
struct virtio_transport {
	const char *name;             /* "mmio-legacy", "mmio", "pci" */
	bool modern;                  /* VERSION_1 layout (and must negotiate it) */
	uint64_t (*get_features)(struct virtio_device *d);
	void (*set_features)(struct virtio_device *d, uint64_t f);
	uint8_t (*get_status)(struct virtio_device *d);
	void (*set_status)(struct virtio_device *d, uint8_t s); /* 0 = reset (waits for it) */
	uint32_t (*config_generation)(struct virtio_device *d); /* 0 when there is none */
	void (*config_read)(struct virtio_device *d, unsigned off, void *buf, unsigned len);
	void (*config_write)(struct virtio_device *d, unsigned off, const void *buf, unsigned len);
	unsigned (*queue_max)(struct virtio_device *d, unsigned index); /* 0: no such queue */
	/* Program queue vq (vr set up, memory in vq->mem) and enable it: 0 or -errno. */
	int (*queue_enable)(struct virtio_device *d, struct virtqueue *vq);
	/* Interrupts for the queues found so far: 0 or -errno. */
	int (*setup_irqs)(struct virtio_device *d);
	void (*notify)(struct virtqueue *vq);
	bool legacy_layout;           /* rings in one block, used part page-aligned */
};

/* A device as found by a transport. Fields below the line are the core's. */
struct virtio_device {
	uint32_t id;                  /* device type, VIRTIO_ID_* */
	const struct virtio_transport *t;
	void *tpriv;                  /* the transport's */
	char where[48];               /* "mmio@0xfeb02e00 gsi 23", "pci 00:03.0" */
	void *priv;                   /* the driver's */
	/* -------- */
	char name[80];                /* "virtio-rng0 (mmio@0xfeb02e00)" */
	const struct virtio_driver *drv;
	uint64_t offered, features;   /* device's offer, negotiated */
	unsigned nvqs;
	struct virtqueue *vqs[VIRTIO_MAX_VQS];
	const char *state;            /* "bound", "no driver", "failed: ..." */
	char irq_desc[48];            /* "msix 5 vectors", "ioapic gsi 23 level" */
	struct virtio_device *next;   /* all devices (virtio.c: set at boot, then read-only) */
};

/* 64 bytes, aligned to its size: the linker-section table is an array. */
struct __aligned(64) virtio_driver {
	const char *name;             /* "virtio-rng" */
	const uint16_t *ids;          /* device types served, 0-terminated */
	uint64_t features;            /* device-specific bits it can use (+ any VIRTIO_F_*) */
	int (*probe)(struct virtio_device *d);
	void (*config_changed)(struct virtio_device *d); /* interrupt context; may be NULL */
	const void *core;             /* VIRTIO_DRIVER sets it: keeps the core linked */
	/* Optional: given what both sides have (offer & .features & the core's),
	 * what to negotiate, for bits that depend on each other (may only clear). */
	uint64_t (*select_features)(uint64_t common);
};

/*
 * Register a driver: `VIRTIO_DRIVER(jiny_virtio_rng) = { .name = ..., ... };`
 * The entry is kept in the image only if something references 'var' (see
 * the file-top comment); make var a jiny_ name with __export when an app
 * should be able to link it with -Wl,-u,var.
 */
extern const struct initcall __initcall_virtio_scan;
#define VIRTIO_DRIVER(var)                                                     \
	const struct virtio_driver var                                         \
		__attribute__((used, section(".jiny.virtio_driver." #var)))
#define VIRTIO_DRIVER_CORE (&__initcall_virtio_scan)
/* In code that needs driver 'var' in the image (its public API, the network
 * stack): a reference the compiler cannot drop, so the link keeps the entry. */
#define VIRTIO_DRIVER_USE(var) __asm__ __volatile__("" ::"r"(&(var)))

/* ---- for drivers ---- */
static inline bool virtio_has_feature(const struct virtio_device *d, unsigned bit)
{
	return d->features & VIRTIO_BIT(bit);
}

/*
 * Set up queues 0..n-1, cbs[i] their callbacks (NULL: polled), and their
 * interrupts (MSI-X: a vector each when the table allows). 0, or -ENOENT (the
 * device has fewer queues), -ENOMEM, -EIO; nothing is left set up on error.
 */
int virtio_find_vqs(struct virtio_device *d, unsigned n, const virtqueue_cb cbs[],
		    struct virtqueue *vqs[]);
/* Set DRIVER_OK now (before probe returns), to use the queues inside probe. */
void virtio_device_ready(struct virtio_device *d);

/* Device config space, read consistently (generation counter) on modern devices. */
void virtio_cread(struct virtio_device *d, unsigned off, void *buf, unsigned len);
void virtio_cwrite(struct virtio_device *d, unsigned off, const void *buf, unsigned len);
static inline uint8_t virtio_cread8(struct virtio_device *d, unsigned off)
{
	uint8_t v;
	virtio_cread(d, off, &v, 1);
	return v;
}
static inline uint16_t virtio_cread16(struct virtio_device *d, unsigned off)
{
	uint16_t v;
	virtio_cread(d, off, &v, 2);
	return v;
}
static inline uint32_t virtio_cread32(struct virtio_device *d, unsigned off)
{
	uint32_t v;
	virtio_cread(d, off, &v, 4);
	return v;
}

/* Requests (serialised per queue by the driver; see the file-top comment). */
int virtqueue_add(struct virtqueue *vq, const struct virtio_sg *sg, unsigned out, unsigned in,
		  void *token);
bool virtqueue_kick_prepare(struct virtqueue *vq); /* publish; does the device want a notify? */
void virtqueue_notify(struct virtqueue *vq);       /* tell it (no lock needed: an MMIO write) */
void virtqueue_kick(struct virtqueue *vq);         /* both */
void *virtqueue_get_buf(struct virtqueue *vq, uint32_t *len);
static inline bool virtqueue_more_used(const struct virtqueue *vq) { return vring_more_used(&vq->vr); }
static inline unsigned virtqueue_num_free(const struct virtqueue *vq) { return vq->vr.num_free; }
static inline unsigned virtqueue_size(const struct virtqueue *vq) { return vq->vr.num; }
static inline bool virtqueue_is_broken(const struct virtqueue *vq) { return vq->vr.broken; }
void virtqueue_disable_cb(struct virtqueue *vq);
bool virtqueue_enable_cb(struct virtqueue *vq);

/* ---- for transports ---- */
/* Register a found device (kmalloc'd, zeroed, with id, t, tpriv, where set);
 * the core binds it to a linked driver if any. */
void virtio_add_device(struct virtio_device *d);
/* A transport's interrupt: MMIO/INTx call it with the ISR bits (1 = queues,
 * 2 = config); MSI-X calls virtio_vq_interrupt for its queue's vector. */
void virtio_device_interrupt(struct virtio_device *d, unsigned isr);
void virtio_vq_interrupt(struct virtqueue *vq);
void virtio_config_interrupt(struct virtio_device *d);
uint64_t virtio_dma_addr(const void *va);
/* Device-specific config in memory space (MMIO registers, a PCI BAR): fields
 * are accessed with their own width (1, 2, 4) when aligned, else bytewise. */
void virtio_cfg_read_mmio(volatile uint8_t *p, void *buf, unsigned len);
void virtio_cfg_write_mmio(volatile uint8_t *p, const void *buf, unsigned len);

/* The transports' scans (virtio.c calls them from its initcall). */
void virtio_mmio_scan(void);
void virtio_pci_scan(void);

/* All devices found, in order (for /proc/virtio and the public API). */
struct virtio_device *virtio_devices(void);

#endif
