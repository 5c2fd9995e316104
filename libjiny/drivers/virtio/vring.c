/*
 * vring.c - split-virtqueue ring arithmetic (contract in vring.h). Pure
 * logic over memory shared with the device: virtio.c wraps it in
 * virtqueue_*() for drivers, tests/host/test_vring.c runs it on the host
 * against a simulated (and a misbehaving) device.
 *
 * Free descriptors form a list through desc[].next starting at free_head.
 * A request takes a chain from it (or one slot pointing at an indirect
 * table); its head's index goes into avail->ring, and vring_heads[head]
 * remembers the token and how many bytes the device may write. Indices are
 * free-running 16-bit counters: ring slot = idx & (num - 1). Everything the
 * device writes (used->idx, used->ring[].id and .len, avail_event) is read
 * once and checked before use, so a bad device gives an error naming the
 * queue and the entry, never an out-of-bounds access.
 */
#include "drivers/virtio/vring.h"
#include "kern/errno.h"
#include "mm/mm.h"

#define USED_EVENT(vr) ((vr)->avail->ring[(vr)->num])                          /* we write */
#define AVAIL_EVENT(vr) (*(volatile uint16_t *)&(vr)->used->ring[(vr)->num])   /* device writes */

int vring_init(struct vring *vr, unsigned num, void *desc, void *avail, void *used,
	       uint64_t (*dma)(const void *), const char *name, bool event_idx, bool indirect)
{
	memset(vr, 0, sizeof(*vr));
	if (!num || (num & (num - 1)) || num > VRING_MAX_SIZE || !desc || !avail || !used || !dma)
		return -EINVAL;
	vr->heads = kzalloc(sizeof(*vr->heads) * num);
	if (!vr->heads)
		return -ENOMEM;
	vr->num = num;
	vr->desc = desc;
	vr->avail = avail;
	vr->used = used;
	vr->dma = dma;
	vr->name = name ? name : "virtqueue";
	vr->event_idx = event_idx;
	vr->indirect = indirect;
	for (unsigned i = 0; i < num; i++)
		vr->desc[i].next = (uint16_t)(i + 1 < num ? i + 1 : 0);
	vr->free_head = 0;
	vr->num_free = (uint16_t)num;
	return 0;
}

void vring_destroy(struct vring *vr)
{
	if (!vr->heads)
		return;
	for (unsigned i = 0; i < vr->num; i++)
		kfree(vr->heads[i].indirect);
	kfree(vr->heads);
	vr->heads = NULL;
}

static void vring_fail(struct vring *vr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vring_fail(struct vring *vr, const char *fmt, ...)
{
	if (vr->broken)
		return;
	int n = ksnprintf(vr->error, sizeof(vr->error), "%s: ", vr->name);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(vr->error))
		kvsnprintf(vr->error + n, sizeof(vr->error) - n, fmt, ap);
	va_end(ap);
	vr->broken = true;
	printk("jiny: virtio: %s; the queue is stopped\n", vr->error);
}

int vring_add(struct vring *vr, const struct virtio_sg *sg, unsigned out, unsigned in,
	      void *token)
{
	unsigned n = out + in;
	if (vr->broken)
		return -EIO;
	if (!n || !token || n > VRING_MAX_SIZE)
		return -EINVAL;
	uint64_t in_len = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!sg[i].buf || !sg[i].len)
			return -EINVAL;
		if (i >= out)
			in_len += sg[i].len;
	}
	if (in_len > UINT32_MAX)
		return -EINVAL;

	struct vring_desc *table = NULL;
	if (vr->indirect && n > 1) {
		table = kmalloc(sizeof(*table) * n);
		if (!table && vr->num_free < n)
			return -ENOMEM;
	}
	if (vr->num_free < (table ? 1 : n)) {
		kfree(table);
		return -ENOSPC;
	}

	uint16_t head = vr->free_head;
	if (table) {
		for (unsigned i = 0; i < n; i++) {
			table[i].addr = vr->dma(sg[i].buf);
			table[i].len = sg[i].len;
			table[i].flags = (uint16_t)((i >= out ? VRING_DESC_F_WRITE : 0) |
						    (i + 1 < n ? VRING_DESC_F_NEXT : 0));
			table[i].next = (uint16_t)(i + 1);
		}
		struct vring_desc *d = &vr->desc[head];
		vr->free_head = d->next;
		d->addr = vr->dma(table);
		d->len = (uint32_t)(sizeof(*table) * n);
		d->flags = VRING_DESC_F_INDIRECT;
		vr->num_free--;
	} else {
		uint16_t i = head, last = head;
		for (unsigned k = 0; k < n; k++) {
			struct vring_desc *d = &vr->desc[i];
			d->addr = vr->dma(sg[k].buf);
			d->len = sg[k].len;
			d->flags = (uint16_t)((k >= out ? VRING_DESC_F_WRITE : 0) |
					      (k + 1 < n ? VRING_DESC_F_NEXT : 0));
			last = i;
			i = d->next; /* the free list's next is the chain's next */
		}
		vr->free_head = vr->desc[last].next;
		vr->num_free = (uint16_t)(vr->num_free - n);
	}
	vr->heads[head] = (struct vring_head){ token, table, (uint32_t)in_len,
					       (uint16_t)(table ? 1 : n) };
	vr->avail->ring[vr->avail_idx & (vr->num - 1)] = head;
	vr->avail_idx++;
	return 0;
}

void vring_publish(struct vring *vr)
{
	__atomic_store_n(&vr->avail->idx, vr->avail_idx, __ATOMIC_RELEASE);
}

bool vring_kick_prepare(struct vring *vr)
{
	/* The store of avail->idx must be visible before we read what the device
	 * asked for: a store-load ordering, so a full fence. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint16_t old = vr->kicked_idx, now = vr->avail_idx;
	vr->kicked_idx = now;
	if (vr->broken)
		return false;
	if (vr->event_idx)
		return vring_need_event(AVAIL_EVENT(vr), now, old);
	return !(__atomic_load_n(&vr->used->flags, __ATOMIC_RELAXED) & VRING_USED_F_NO_NOTIFY);
}

bool vring_more_used(const struct vring *vr)
{
	return !vr->broken && __atomic_load_n(&vr->used->idx, __ATOMIC_ACQUIRE) != vr->last_used;
}

/* Give the chain starting at head back to the free list. */
static void free_chain(struct vring *vr, uint16_t head)
{
	struct vring_head *h = &vr->heads[head];
	uint16_t i = head;
	for (unsigned k = 1; k < h->ndesc; k++)
		i = vr->desc[i].next;
	vr->desc[i].next = vr->free_head;
	vr->free_head = head;
	vr->num_free = (uint16_t)(vr->num_free + h->ndesc);
	kfree(h->indirect);
	*h = (struct vring_head){ 0 };
}

void *vring_get_used(struct vring *vr, uint32_t *len)
{
	if (vr->broken)
		return NULL;
	uint16_t used_idx = __atomic_load_n(&vr->used->idx, __ATOMIC_ACQUIRE);
	if (used_idx == vr->last_used)
		return NULL;
	uint16_t pending = (uint16_t)(vr->avail_idx - vr->last_used);
	if ((uint16_t)(used_idx - vr->last_used) > pending) {
		vring_fail(vr, "used index %u is %u entries ahead of the %u requests outstanding",
			   used_idx, (uint16_t)(used_idx - vr->last_used), pending);
		return NULL;
	}
	const volatile struct vring_used_elem *e = &vr->used->ring[vr->last_used & (vr->num - 1)];
	uint32_t id = e->id, n = e->len; /* read once: the device may change them */
	if (id >= vr->num) {
		vring_fail(vr, "used entry %u names descriptor %u, beyond the ring's %u",
			   vr->last_used, id, vr->num);
		return NULL;
	}
	struct vring_head *h = &vr->heads[id];
	if (!h->token) {
		vring_fail(vr, "used entry %u names descriptor %u, which heads no request in flight",
			   vr->last_used, id);
		return NULL;
	}
	if (n > h->in_len) {
		vring_fail(vr, "used entry %u (descriptor %u) claims %u bytes written into %u "
			   "writable bytes", vr->last_used, id, n, h->in_len);
		return NULL;
	}
	void *token = h->token;
	free_chain(vr, (uint16_t)id);
	vr->last_used++;
	if (vr->event_idx && !vr->cb_disabled)
		__atomic_store_n(&USED_EVENT(vr), vr->last_used, __ATOMIC_RELAXED);
	if (len)
		*len = n;
	return token;
}

void vring_disable_cb(struct vring *vr)
{
	vr->cb_disabled = true;
	if (vr->event_idx)
		/* As far from the next entry as 16 bits allow: no interrupt until then. */
		__atomic_store_n(&USED_EVENT(vr), (uint16_t)(vr->last_used - 1 + 0x8000),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vr->avail->flags, VRING_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
}

bool vring_enable_cb(struct vring *vr)
{
	vr->cb_disabled = false;
	if (vr->event_idx)
		__atomic_store_n(&USED_EVENT(vr), vr->last_used, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vr->avail->flags, 0, __ATOMIC_RELAXED);
	/* Our store must be visible before we look at used->idx again (store-load). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !vring_more_used(vr);
}

void *vring_detach_unused(struct vring *vr)
{
	for (unsigned i = 0; i < vr->num; i++) {
		void *token = vr->heads[i].token;
		if (token) {
			free_chain(vr, (uint16_t)i);
			return token;
		}
	}
	return NULL;
}

bool vring_notify_lost(const struct vring *vr, struct vring_watch *w)
{
	if (vr->broken)
		return false;
	uint16_t pub = __atomic_load_n(&vr->avail->idx, __ATOMIC_RELAXED);
	uint16_t used = __atomic_load_n(&vr->used->idx, __ATOMIC_ACQUIRE);
	uint16_t event = 0;
	bool waiting;
	if (vr->event_idx) {
		/* It asked to hear of the entry at 'event', has used all before it,
		 * and we published that entry (and at most a ring's worth more). */
		event = AVAIL_EVENT(vr);
		waiting = used == event && pub != event && (uint16_t)(pub - event) <= vr->num;
	} else {
		waiting = pub != used &&
			  !(__atomic_load_n(&vr->used->flags, __ATOMIC_RELAXED) & VRING_USED_F_NO_NOTIFY);
	}
	bool same = w->pub == pub && w->used == used && w->event == event;
	bool lost = waiting && w->waiting && same && !w->told;
	w->told = same ? w->told || lost : false;
	w->pub = pub, w->used = used, w->event = event, w->waiting = waiting;
	return lost;
}
