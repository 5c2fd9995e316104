/*
 * vring.h - the split virtqueue of virtio 1.x (spec 2.7), driver side, as
 * pure ring arithmetic (drivers/virtio/vring.c): the descriptor free list
 * and chains, indirect tables, the 16-bit avail/used indices and their
 * wrap-around, VIRTIO_F_EVENT_IDX (used_event / avail_event) and the
 * checks of what the device writes into the used ring. No device
 * registers and no arch code: virtio.c (the core) puts a transport's
 * notify and interrupt around it, tests/host/test_vring.c drives it
 * against a simulated device on the host.
 *
 * Drivers do not include this file: they use virtqueue_*() of virtio.h.
 */
#ifndef JINY_VIRTIO_VRING_H
#define JINY_VIRTIO_VRING_H

#include "kern/kern.h"

/* ---- the ring layout shared with the device (little-endian, x86 native) ---- */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2    /* device writes this buffer */
#define VRING_DESC_F_INDIRECT 4 /* the buffer is a table of descriptors */
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1
#define VRING_MAX_SIZE 32768    /* the spec's largest queue */

struct vring_desc {
	uint64_t addr; /* guest-physical */
	uint32_t len;
	uint16_t flags, next;
};
struct vring_avail {
	uint16_t flags, idx;
	uint16_t ring[]; /* [num], then used_event (EVENT_IDX) */
};
struct vring_used_elem {
	uint32_t id, len;
};
struct vring_used {
	uint16_t flags, idx;
	struct vring_used_elem ring[]; /* [num], then avail_event (EVENT_IDX) */
};

/* Bytes of each part, and of the legacy single-block layout (used part aligned to 'align'). */
static inline size_t vring_desc_size(unsigned num) { return 16UL * num; }
static inline size_t vring_avail_size(unsigned num) { return 6 + 2UL * num; }
static inline size_t vring_used_size(unsigned num) { return 6 + 8UL * num; }
static inline size_t vring_legacy_size(unsigned num, size_t align)
{
	return ALIGN_UP(vring_desc_size(num) + vring_avail_size(num), align) +
	       ALIGN_UP(vring_used_size(num), align);
}

/*
 * Should the other side be told? It asked to hear when its index passes
 * 'event'; the index moved from 'old' to 'new' since the last time it was
 * told. All modulo 2^16 (spec 2.7.10, Linux's vring_need_event).
 */
static inline bool vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/* One buffer of a request: a kernel address that is physically contiguous
 * (kmalloc, page_alloc, static data: never a thread stack or app memory). */
struct virtio_sg {
	void *buf;
	uint32_t len;
};

/* What the ring remembers of each chain, by its head descriptor. */
struct vring_head {
	void *token;                  /* the driver's; NULL = head not in use */
	struct vring_desc *indirect;  /* its indirect table (kmalloc), or NULL */
	uint32_t in_len;              /* bytes the device may write */
	uint16_t ndesc;               /* descriptors it holds in the ring (1 if indirect) */
};

/*
 * A virtqueue's ring. The owner serialises every call on one ring (a lock
 * or a single user: virtio.h says who); none of these block or sleep.
 */
struct vring {
	unsigned num;                 /* a power of 2 */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint64_t (*dma)(const void *va); /* kernel address -> bus address */
	const char *name;             /* for errors: "virtio-rng0 (mmio@0xfeb02e00) queue 0" */

	struct vring_head *heads;     /* [num] */
	uint16_t free_head, num_free; /* free descriptors, chained through .next */
	uint16_t avail_idx;           /* our copy of avail->idx */
	uint16_t kicked_idx;          /* avail_idx when the device was last told */
	uint16_t last_used;           /* next used entry to take */
	bool event_idx;               /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;                /* VIRTIO_F_INDIRECT_DESC negotiated */
	bool cb_disabled;             /* vring_disable_cb() in force */
	bool broken;                  /* the device broke the protocol: no more I/O */
	char error[160];              /* why it is broken */
};

/*
 * Set up a ring of num entries (power of 2, <= VRING_MAX_SIZE) over memory
 * the caller allocated and zeroed: desc, avail and used may be anywhere
 * (modern) or one legacy block. 0, -EINVAL, -ENOMEM (the heads array).
 */
int vring_init(struct vring *vr, unsigned num, void *desc, void *avail, void *used,
	       uint64_t (*dma)(const void *), const char *name, bool event_idx, bool indirect);
void vring_destroy(struct vring *vr); /* frees heads and any indirect tables still out */

/*
 * Queue one request: out device-readable buffers, then in device-writable
 * ones, owned by the device until vring_get_used() hands 'token' (not NULL)
 * back. With indirect descriptors negotiated and more than one buffer, the
 * chain goes in one kmalloc'd table (one ring slot). 0, or -ENOSPC (ring
 * full: take used buffers first), -EINVAL (no buffers, NULL token, a buffer
 * over 4 GiB), -ENOMEM, -EIO (broken). The device sees it after vring_publish.
 */
int vring_add(struct vring *vr, const struct virtio_sg *sg, unsigned out, unsigned in,
	      void *token);
/* Make everything added visible to the device (a release store of avail->idx). */
void vring_publish(struct vring *vr);
/* Does the device want a notification for what was published since the last one?
 * (avail_event with EVENT_IDX, else the used ring's NO_NOTIFY flag). Records it as told. */
bool vring_kick_prepare(struct vring *vr);

/*
 * The next request the device has finished: its token, and in *len the
 * bytes the device wrote; NULL when there is none. A used entry that names
 * no outstanding chain or claims more bytes than the chain can take breaks
 * the ring (vr->broken, vr->error says which entry and why, printed once):
 * NULL then, and every later call fails.
 */
void *vring_get_used(struct vring *vr, uint32_t *len);
bool vring_more_used(const struct vring *vr);

/* Interrupt suppression (NAPI-style): disable, then poll with vring_get_used;
 * enable says false when entries arrived meanwhile (poll again), true when
 * the ring is empty and the device will interrupt for the next one. */
void vring_disable_cb(struct vring *vr);
bool vring_enable_cb(struct vring *vr);

/* After a device reset: hand back the next request still outstanding (NULL: none). */
void *vring_detach_unused(struct vring *vr);

/*
 * The lost-notification watch (virtio.c calls it every VIRTIO_WATCH_MS for
 * each queue, without the driver's lock: it only reads the ring). A device
 * that has consumed everything it saw and asked to be told about more (its
 * avail_event, or no VRING_USED_F_NO_NOTIFY) while buffers we published
 * past that point sit unused has missed our notification: under QEMU's TCG
 * with one vCPU the guest's fence is not a fence on the host (the device
 * runs in another host thread), so the store of avail->idx and the load of
 * avail_event can pass each other, and both sides then wait for the other
 * (a transmit ring that stopped for good in tests/net). It returns true
 * once per stall, when two looks in a row (w keeps the last) find the ring
 * waiting and unchanged: the caller notifies the device again, which is
 * harmless if the device was merely slow.
 */
struct vring_watch {
	uint16_t pub, used, event;    /* the last look */
	bool waiting;                 /* it looked like a lost notification */
	bool told;                    /* and we notified for this very state */
};
bool vring_notify_lost(const struct vring *vr, struct vring_watch *w);

#endif
