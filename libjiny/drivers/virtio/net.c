/*
 * net.c - the virtio network device (virtio 1.x spec 5.1) as a NIC of the
 * network core (net/net.h): one receive and one transmit queue, MAC and
 * link status from the config space, MRG_RXBUF, and checksum offload both
 * ways (CSUM, GUEST_CSUM; net_hdr.c does the header work), and large
 * receive (GUEST_TSO4/6: the host hands over TCP segments of up to 64 KiB,
 * one pbuf chain for lwIP, one pass through its input path).
 *
 * It is part of the network member of libjiny.a (CMakeLists.txt), and the
 * network core references its table entry (net/net.c): an image links it
 * when it links sockets, and an image without sockets carries no NIC
 * driver (the hello sample does not grow).
 *
 * Receive, NAPI-style and without copies: the device fills 2 KiB buffers
 * (half pages). Its interrupt only turns further interrupts off and asks
 * the net thread for a poll (net_device_schedule); the poll, under
 * net_lock, takes up to a budget of frames, checks them (vnet_rx_check),
 * and hands each up as a pbuf that points into the buffer (net_rx_pbuf).
 * The buffer goes back to the device when lwIP and the socket that read it
 * let go of the pbuf (rx_release). The pool holds twice the ring: the
 * spares refill the ring while the stack holds buffers, and when fewer
 * than a quarter of the ring are left with the device (an app that stops
 * reading holds its socket's buffers), frames are copied into lwIP's own
 * memory and their buffers reposted at once, so the ring never runs dry
 * behind one slow reader. When a poll finds less than its budget it
 * re-arms the interrupt (and polls again if frames slipped in).
 *
 * Transmit: frames are copied into per-descriptor 2 KiB bounce buffers
 * (lwIP's pbufs may live anywhere; a copy of 1.5 KiB is cheaper than
 * pinning a chain), header and frame in one descriptor when the layout is
 * free (VERSION_1 or ANY_LAYOUT), else two. The transmit queue raises no
 * interrupt: finished buffers are taken back by the next transmit, which
 * waits up to a millisecond for a free one before dropping the frame (TCP
 * resends).
 *
 * Large send (HOST_TSO4/6 with CSUM): the device cuts TCP segments of up
 * to 64 KiB itself. The NIC says NET_F_TSO4/6, net.c raises lwIP's MSS of
 * each connection through it to ~44 wire segments (net_tcp_large_send),
 * and such a frame is copied into one of LSO_BUFS 64 KiB buffers, behind
 * its descriptor's 2 KiB buffer that holds the header (gso_size and the
 * rest from vnet_tx_prepare). One pass through lwIP, one copy and one
 * notification then carry what took 44 of each.
 *
 * Not done: MQ and the control queue (one
 * queue pair: lwIP runs under one lock, so more pairs would add interrupts,
 * not parallelism), MTU negotiation (1500), packed rings.
 *
 * Locks: net_lock (the core's) serialises xmit and poll, and with them the
 * transmit queue; rx_lock (a spinlock, interrupts off) guards the receive
 * queue and the free list, which the interrupt and rx_release (net_lock
 * held, any thread) also touch.
 */
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/net_hdr.h"
#include "net/net.h"
#include "kern/errno.h"
#include "kern/random.h"
#include "kern/spinlock.h"
#include "arch/arch.h"
#include "mm/mm.h"
#include "sched/sched.h"

#define BUF_SIZE 2048          /* one receive or transmit buffer: half a page */
#define MAX_RX_BUFS 2048       /* the pool's cap (4 MiB) */
#define TX_WAIT_NS 1000000ULL  /* a full transmit ring: wait this long, then drop */
#define RX_BATCH 16           /* released buffers posted together */
#define LSO_BUFS 16           /* large-send buffers, NET_TSO_FRAME_MAX each (1 MiB) */
#define LSO_ORDER 4           /* page_alloc order of one: 64 KiB */
#define TX_KICK_BATCH 8       /* frames a deferred transmit notification waits for */
#define MAX_VNETS 8           /* devices the block hook flushes */
#define MAX_SEGS 40            /* MRG_RXBUF buffers of one frame we accept (a
				* 64 KiB GUEST_TSO frame takes 33) */

struct vnet;

struct rxb {
	struct net_rx_buf nb;  /* first: the pbuf that lends it to lwIP */
	struct vnet *v;
	uint8_t *data;         /* BUF_SIZE bytes */
	struct rxb *next_free; /* rx_lock */
};

struct vnet {
	struct net_device nd;
	struct virtio_device *dev;
	struct virtqueue *rxq, *txq;
	unsigned hdr_len;      /* 12 (VERSION_1 or MRG_RXBUF) or 10 */
	bool mrg, csum_tx, one_sg;

	spinlock_t rx_lock;
	struct rxb *rxbs;      /* the pool, nrx of them */
	unsigned nrx;
	struct rxb *free;      /* rx_lock: spare buffers, not with the device */
	unsigned nfree;        /* rx_lock: how many */
	bool tso;              /* GUEST_TSO4/6: batched refills, always notified */
	unsigned posted;       /* rx_lock: buffers with the device */
	unsigned low_water;    /* below this many posted: copy instead of lending */

	uint8_t **tx_buf;      /* [tx size]: bounce buffers (net_lock) */
	uint16_t *tx_free;     /* stack of free slot numbers (net_lock) */
	unsigned tx_nfree;
	bool lso;              /* large send: the device cuts to nd.mtu (HOST_TSO4/6) */
	uint8_t *lso_buf[LSO_BUFS];
	uint8_t lso_free[LSO_BUFS], lso_nfree; /* free large buffers (net_lock) */
	int8_t *tx_lso;        /* [tx size]: the large buffer a slot holds, -1: none */

	bool link_check;       /* the config changed: read the status (atomic) */

	/* statistics (net_lock) */
	uint64_t rx_packets, rx_bytes, rx_csum_drops, rx_bad, rx_copied, rx_chained;
	unsigned drop_lines, drop_quiet; /* rx_drop_note's rate limit */
	uint64_t drop_last_ns;
	uint64_t tx_packets, tx_bytes, tx_offloaded, tx_full, tx_too_big, tx_large;
	bool tx_kick_pending;  /* the device wants a notification we deferred (atomic) */
	uint64_t tx_defer_ns;  /* since when (atomic) */
	unsigned tx_deferred;  /* frames since it was deferred (net_lock) */
	bool defer_kicks;      /* in vnets[]: the block hook flushes it */
};

static struct vnet *vnets[MAX_VNETS]; /* probe only, then read-only */
static unsigned nvnets;

/*
 * Transmit notifications are batched: a frame the device must hear of
 * (EVENT_IDX said so) leaves the notification pending until TX_KICK_BATCH
 * frames went out or the thread stops running (the scheduler's block hook,
 * which an event loop reaches in its next epoll_wait with nothing ready,
 * and the net thread after its poll; virtio.c's watch thread sleeps every
 * 50 ms, which flushes too), or, in a loop that never sleeps, at its next
 * poll/select/epoll_wait or socket receive once SCHED_DEFER_MAX_NS passed.
 * One notification then carries the responses of a whole epoll batch
 * instead of one each: under TCG each is an exit and a wake-up of QEMU's
 * main loop (samples/httpd keep-alive ~19k -> ~25k req/s).
 */
static void vnet_flush_kick(struct vnet *v)
{
	if (__atomic_exchange_n(&v->tx_kick_pending, false, __ATOMIC_ACQ_REL))
		virtqueue_notify(v->txq);
}

static void vnet_flush_kicks(uint64_t min_age_ns)
{
	uint64_t now = min_age_ns ? clock_ns() : 0;
	for (unsigned i = 0; i < nvnets; i++) {
		struct vnet *v = vnets[i];
		if (!__atomic_load_n(&v->tx_kick_pending, __ATOMIC_ACQUIRE))
			continue;
		if (min_age_ns && now - __atomic_load_n(&v->tx_defer_ns, __ATOMIC_RELAXED) < min_age_ns)
			continue;
		vnet_flush_kick(v);
	}
}

/* ---- receive ---- */

/* Give b to the device (rx_lock held); false when the ring has no room. */
static bool rx_post(struct vnet *v, struct rxb *b)
{
	struct virtio_sg sg = { b->data, BUF_SIZE };
	if (virtqueue_add(v->rxq, &sg, 0, 1, b) < 0)
		return false;
	v->posted++;
	return true;
}

/*
 * Refill the ring from the spares (rx_lock held), and tell the device
 * whenever it posted any, whatever EVENT_IDX's avail_event says. QEMU's
 * virtio-net, with MRG_RXBUF, waits for room for a whole largest packet
 * (33 buffers with GUEST_TSO): it enables notification with avail_event
 * at the index it read, then reads again, and when buffers came meanwhile
 * but not enough of them it sleeps with avail_event left behind what we
 * had already published and judged: need_event() said "no" for every
 * later buffer, and the receive ring stayed unseen until the VM ended
 * (bench/net: four streams sending, the guest deaf even to ARP). With
 * large receive, refills come in batches (once per poll, or per RX_BATCH
 * released buffers) and each batch notifies. Without it (a packet fits one
 * buffer, the race cannot happen) every release refills and EVENT_IDX
 * decides, which spares nearly every notification. (The stalls over slirp
 * once blamed on this were notifications lost on the transmit queue under
 * TCG: virtio.c's watch thread now catches those, docs/virtio.md.)
 */
static void rx_refill(struct vnet *v)
{
	bool any = false;
	while (v->free && virtqueue_num_free(v->rxq)) {
		struct rxb *b = v->free;
		if (!rx_post(v, b))
			break;
		v->free = b->next_free;
		v->nfree--;
		any = true;
	}
	if (any && v->tso) {
		virtqueue_kick_prepare(v->rxq); /* publishes */
		virtqueue_notify(v->rxq);
	} else if (any) {
		virtqueue_kick(v->rxq);
	}
}

/* A buffer is free again: to the spares (rx_lock held); the next refill
 * posts it. */
static void rx_give_back(struct vnet *v, struct rxb *b)
{
	b->next_free = v->free;
	v->free = b;
	v->nfree++;
}

/* lwIP let go of a lent buffer (net_lock held, any thread). */
static void rx_release(struct net_rx_buf *nb)
{
	struct rxb *b = (struct rxb *)nb;
	struct vnet *v = b->v;
	uint64_t f = spin_lock_irqsave(&v->rx_lock);
	rx_give_back(v, b);
	if (!v->tso || v->nfree >= RX_BATCH || v->posted < v->low_water)
		rx_refill(v);
	spin_unlock_irqrestore(&v->rx_lock, f);
}

/* The receive queue's interrupt: no more of them until the poll is done. */
static void rx_interrupt(struct virtqueue *vq)
{
	struct vnet *v = vq->priv;
	uint64_t f = spin_lock_irqsave(&v->rx_lock);
	virtqueue_disable_cb(vq);
	spin_unlock_irqrestore(&v->rx_lock, f);
	net_device_schedule(&v->nd);
}

static void config_changed(struct virtio_device *d)
{
	struct vnet *v = d->priv;
	if (!v)
		return;
	__atomic_store_n(&v->link_check, true, __ATOMIC_SEQ_CST);
	net_device_schedule(&v->nd);
}

static struct rxb *rx_get(struct vnet *v, uint32_t *len)
{
	uint64_t f = spin_lock_irqsave(&v->rx_lock);
	struct rxb *b = virtqueue_get_buf(v->rxq, len);
	if (b)
		v->posted--;
	spin_unlock_irqrestore(&v->rx_lock, f);
	return b;
}

/* Return buffers that carry no frame (dropped, or copied) to the pool. */
static void rx_recycle(struct vnet *v, struct rxb **bs, unsigned n)
{
	uint64_t f = spin_lock_irqsave(&v->rx_lock);
	for (unsigned i = 0; i < n; i++)
		rx_give_back(v, bs[i]);
	if (!v->tso)
		rx_refill(v); /* with large receive: at the poll's end */
	spin_unlock_irqrestore(&v->rx_lock, f);
}

/*
 * A dropped frame on the console, naming the device and the reason: the
 * first few, then at most one line per 10 s with the count since (a flood
 * of bad frames must not become a flood of console lines).
 */
static void rx_drop_note(struct vnet *v, int why, size_t len)
{
	uint64_t now = clock_ns();
	if (v->drop_lines < 5 || now - v->drop_last_ns > 10000000000ULL) {
		printk("net: %s: dropped a received frame of %zu bytes: %s%s\n", v->dev->name, len,
		       len > 0xffff ? "longer than an IP datagram can be" : vnet_rx_strerror(why),
		       v->drop_quiet ? " (and more since the last such line)" : "");
		v->drop_lines++;
		v->drop_last_ns = now;
		v->drop_quiet = 0;
	} else {
		v->drop_quiet++;
	}
}

/*
 * One frame from the ring (its first buffer b, len bytes): checked, then
 * lent to lwIP or copied. Returns whether a frame went up.
 */
static bool rx_one(struct vnet *v, struct rxb *b, uint32_t len)
{
	struct rxb *bs[MAX_SEGS];
	struct vnet_seg segs[MAX_SEGS];
	struct virtio_net_hdr h = { 0 };
	unsigned n = 1, want = 1;
	bs[0] = b;
	if (len < v->hdr_len) {
		v->rx_bad++;
		rx_recycle(v, bs, 1);
		return false;
	}
	memcpy(&h, b->data, v->hdr_len);
	if (v->mrg)
		want = h.num_buffers;
	if (want < 1 || want > MAX_SEGS) {
		printk("net: %s: a frame in %u buffers (at most %u); dropped\n", v->dev->name,
		       want, MAX_SEGS);
		v->rx_bad++;
		/* Its other buffers follow: take them too, or they would be read as frames. */
		for (unsigned k = 1; k < want; k++) {
			uint32_t l2;
			struct rxb *x = rx_get(v, &l2);
			if (!x)
				break;
			rx_recycle(v, &x, 1);
		}
		rx_recycle(v, bs, 1);
		return false;
	}
	segs[0].p = b->data + v->hdr_len;
	segs[0].n = len - v->hdr_len;
	size_t total = segs[0].n;
	while (n < want) {
		uint32_t l2;
		struct rxb *x = rx_get(v, &l2);
		if (!x) {
			printk("net: %s: a frame announced %u buffers, only %u came; dropped\n",
			       v->dev->name, want, n);
			v->rx_bad++;
			rx_recycle(v, bs, n);
			return false;
		}
		bs[n] = x;
		segs[n].p = x->data;
		segs[n].n = l2;
		total += l2;
		n++;
	}
	int why = total < 14 || total > 0xffff ? VNET_RX_BAD_HDR : vnet_rx_check(segs, n, &h);
	if (why < 0) {
		if (why == VNET_RX_BAD_CSUM)
			v->rx_csum_drops++;
		else
			v->rx_bad++;
		rx_drop_note(v, why, total);
		rx_recycle(v, bs, n);
		return false;
	}
	v->rx_packets++;
	v->rx_bytes += total;
	v->rx_chained += n > 1;

	uint64_t f = spin_lock_irqsave(&v->rx_lock);
	bool lend = v->free || v->posted >= v->low_water;
	spin_unlock_irqrestore(&v->rx_lock, f);
	struct pbuf *p = NULL;
	if (!lend) {
		/* Few buffers left with the device: copy, and post them again now. */
		p = pbuf_alloc(PBUF_RAW, (u16_t)total, PBUF_RAM);
		if (p) {
			size_t o = 0;
			for (unsigned i = 0; i < n; i++) {
				pbuf_take_at(p, segs[i].p, (u16_t)segs[i].n, (u16_t)o);
				o += segs[i].n;
			}
			v->rx_copied++;
		}
		rx_recycle(v, bs, n);
		if (!p)
			return false; /* out of memory: dropped (TCP resends) */
	} else {
		for (unsigned i = 0; i < n; i++) {
			struct pbuf *q = net_rx_pbuf(&bs[i]->nb, segs[i].p, (u16_t)segs[i].n,
						     rx_release);
			if (i == 0)
				p = q;
			else
				pbuf_cat(p, q);
		}
		if (!v->tso) { /* the spares go to the ring at once */
			f = spin_lock_irqsave(&v->rx_lock);
			rx_refill(v);
			spin_unlock_irqrestore(&v->rx_lock, f);
		}
	}
	if (why == VNET_RX_STACK_CHECK)
		net_device_deliver_checked(&v->nd, p);
	else
		net_device_deliver(&v->nd, p);
	return true;
}

static int vnet_poll(struct net_device *nd, int budget)
{
	struct vnet *v = nd->priv;
	if (__atomic_exchange_n(&v->link_check, false, __ATOMIC_SEQ_CST)) {
		bool up = !virtio_has_feature(v->dev, VIRTIO_NET_F_STATUS) ||
			  (virtio_cread16(v->dev, VIRTIO_NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP);
		if (up != nd->link_up) {
			printk("net: %c%c%u: link %s\n", nd->netif.name[0], nd->netif.name[1],
			       nd->netif.num, up ? "up" : "down");
			net_device_set_link(nd, up);
		}
	}
	int done = 0;
	for (;;) {
		while (done < budget) {
			uint32_t len;
			struct rxb *b = rx_get(v, &len);
			if (!b)
				break;
			rx_one(v, b, len);
			done++; /* dropped frames count against the budget too */
		}
		uint64_t f;
		if (v->tso) { /* the batch of spares goes to the ring */
			f = spin_lock_irqsave(&v->rx_lock);
			rx_refill(v);
			spin_unlock_irqrestore(&v->rx_lock, f);
		}
		if (done >= budget)
			return budget;
		f = spin_lock_irqsave(&v->rx_lock);
		bool empty = virtqueue_enable_cb(v->rxq);
		if (!empty)
			virtqueue_disable_cb(v->rxq);
		spin_unlock_irqrestore(&v->rx_lock, f);
		if (empty)
			return done;
	}
}

/* ---- transmit ---- */

static void tx_reap(struct vnet *v)
{
	uint32_t len;
	void *tok;
	while ((tok = virtqueue_get_buf(v->txq, &len))) {
		uint16_t slot = (uint16_t)((uintptr_t)tok - 1);
		if (v->tx_lso && v->tx_lso[slot] >= 0) {
			v->lso_free[v->lso_nfree++] = (uint8_t)v->tx_lso[slot];
			v->tx_lso[slot] = -1;
		}
		v->tx_free[v->tx_nfree++] = slot;
	}
}

/* A free descriptor slot, and a large buffer too for a large frame? */
static bool tx_room(const struct vnet *v, bool large)
{
	return v->tx_nfree && (!large || v->lso_nfree);
}

static int vnet_xmit(struct net_device *nd, struct pbuf *p)
{
	struct vnet *v = nd->priv;
	size_t len = p->tot_len;
	bool large = len + v->hdr_len > BUF_SIZE;
	if (large && (!v->lso || len > NET_TSO_FRAME_MAX)) {
		v->tx_too_big++;
		return -ENOBUFS;
	}
	tx_reap(v);
	if (!tx_room(v, large)) {
		uint64_t t0 = clock_ns();
		while (!tx_room(v, large) && !virtqueue_is_broken(v->txq) &&
		       clock_ns() - t0 < TX_WAIT_NS) {
			cpu_relax();
			tx_reap(v);
		}
		if (!tx_room(v, large)) {
			v->tx_full++;
			return -ENOBUFS;
		}
	}
	unsigned slot = v->tx_free[--v->tx_nfree];
	uint8_t *buf = v->tx_buf[slot], *frame = buf + v->hdr_len;
	int lso = -1;
	if (large) {
		lso = v->lso_free[--v->lso_nfree];
		frame = v->lso_buf[lso];
	}
	pbuf_copy_partial(p, frame, p->tot_len, 0);
	struct virtio_net_hdr h;
	int r = vnet_tx_prepare(frame, len, v->csum_tx, large ? v->nd.mtu : 0, &h);
	if (r < 0) { /* too long, and not a TCP segment the device can cut */
		v->tx_free[v->tx_nfree++] = (uint16_t)slot;
		if (lso >= 0)
			v->lso_free[v->lso_nfree++] = (uint8_t)lso;
		v->tx_too_big++;
		return -ENOBUFS;
	}
	v->tx_offloaded += r > 0;
	v->tx_large += r == 2;
	if (v->tx_lso)
		v->tx_lso[slot] = (int8_t)lso;
	memcpy(buf, &h, v->hdr_len);
	struct virtio_sg sg[2] = { { buf, (uint32_t)(v->hdr_len + len) } };
	unsigned nsg = 1;
	if (!v->one_sg || large) {
		sg[0].len = v->hdr_len;
		sg[1].buf = frame;
		sg[1].len = (uint32_t)len;
		nsg = 2;
	}
	if (virtqueue_add(v->txq, sg, nsg, 0, (void *)(uintptr_t)(slot + 1)) < 0) {
		v->tx_free[v->tx_nfree++] = (uint16_t)slot;
		if (lso >= 0) {
			v->lso_free[v->lso_nfree++] = (uint8_t)lso;
			v->tx_lso[slot] = -1;
		}
		v->tx_full++;
		return -ENOBUFS;
	}
	if (!v->defer_kicks) {
		virtqueue_kick(v->txq);
	} else if (virtqueue_kick_prepare(v->txq)) {
		__atomic_store_n(&v->tx_defer_ns, clock_ns(), __ATOMIC_RELAXED);
		__atomic_store_n(&v->tx_kick_pending, true, __ATOMIC_RELEASE);
		v->tx_deferred = 0;
	}
	if (__atomic_load_n(&v->tx_kick_pending, __ATOMIC_ACQUIRE) &&
	    ++v->tx_deferred >= TX_KICK_BATCH)
		vnet_flush_kick(v);
	v->tx_packets++;
	v->tx_bytes += len;
	return 0;
}

static void vnet_stats(struct net_device *nd, char *buf, size_t n);

/* ---- probe ---- */

static void free_pages_of(struct vnet *v)
{
	for (unsigned i = 0; v->rxbs && i < v->nrx; i += 2)
		if (v->rxbs[i].data)
			page_free(v->rxbs[i].data, 0);
	kfree(v->rxbs);
	unsigned nt = v->txq ? virtqueue_size(v->txq) : 0;
	for (unsigned i = 0; v->tx_buf && i < nt; i += 2)
		if (v->tx_buf[i])
			page_free(v->tx_buf[i], 0);
	kfree(v->tx_buf);
	kfree(v->tx_free);
	for (unsigned i = 0; i < LSO_BUFS; i++)
		if (v->lso_buf[i])
			page_free(v->lso_buf[i], LSO_ORDER);
	kfree(v->tx_lso);
}

static int vnet_probe(struct virtio_device *d)
{
	struct vnet *v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->dev = d;
	v->rx_lock = (spinlock_t)SPINLOCK_INIT;
	v->mrg = virtio_has_feature(d, VIRTIO_NET_F_MRG_RXBUF);
	v->hdr_len = v->mrg || virtio_has_feature(d, VIRTIO_F_VERSION_1) ? 12 : 10;
	v->csum_tx = virtio_has_feature(d, VIRTIO_NET_F_CSUM);
	v->tso = virtio_has_feature(d, VIRTIO_NET_F_GUEST_TSO4) ||
		 virtio_has_feature(d, VIRTIO_NET_F_GUEST_TSO6);
	v->one_sg = virtio_has_feature(d, VIRTIO_F_VERSION_1) ||
		    virtio_has_feature(d, VIRTIO_F_ANY_LAYOUT);

	const virtqueue_cb cbs[2] = { rx_interrupt, NULL };
	struct virtqueue *vqs[2];
	int e = virtio_find_vqs(d, 2, cbs, vqs);
	if (e < 0) {
		kfree(v);
		return e;
	}
	v->rxq = vqs[0];
	v->txq = vqs[1];
	v->rxq->priv = v->txq->priv = v;

	/* Buffers: the receive pool (twice the ring) and a bounce buffer per
	 * transmit descriptor, two per page. */
	unsigned rq = virtqueue_size(v->rxq), tq = virtqueue_size(v->txq);
	v->nrx = MIN(2 * rq, (unsigned)MAX_RX_BUFS) & ~1u;
	v->low_water = rq / 4;
	v->rxbs = kzalloc(sizeof(struct rxb) * v->nrx);
	v->tx_buf = kzalloc(sizeof(uint8_t *) * tq);
	v->tx_free = kmalloc(sizeof(uint16_t) * tq);
	e = v->rxbs && v->tx_buf && v->tx_free ? 0 : -ENOMEM;
	for (unsigned i = 0; !e && i < v->nrx; i += 2) {
		uint8_t *pg = page_alloc(0);
		if (!pg) {
			e = -ENOMEM;
			break;
		}
		for (unsigned k = 0; k < 2; k++) {
			v->rxbs[i + k].v = v;
			v->rxbs[i + k].data = pg + k * BUF_SIZE;
		}
	}
	for (unsigned i = 0; !e && i < tq; i += 2) {
		uint8_t *pg = page_alloc(0);
		if (!pg) {
			e = -ENOMEM;
			break;
		}
		v->tx_buf[i] = pg;
		if (i + 1 < tq)
			v->tx_buf[i + 1] = pg + BUF_SIZE;
	}
	if (e) {
		printk("net: %s: no memory for %u receive and %u transmit buffers\n", d->name,
		       v->nrx, tq);
		free_pages_of(v);
		kfree(v);
		return e; /* the core resets the device (and its queues) */
	}
	for (unsigned i = 0; i < tq; i++)
		v->tx_free[v->tx_nfree++] = (uint16_t)(tq - 1 - i);
	/* Large send, when the device cuts segments and completes checksums;
	 * without the memory for it, frames stay small (lwIP is not told). */
	if (v->csum_tx && (virtio_has_feature(d, VIRTIO_NET_F_HOST_TSO4) ||
			   virtio_has_feature(d, VIRTIO_NET_F_HOST_TSO6))) {
		v->tx_lso = kmalloc(tq);
		for (unsigned i = 0; v->tx_lso && i < LSO_BUFS; i++) {
			if (!(v->lso_buf[i] = page_alloc(LSO_ORDER)))
				break;
			v->lso_free[v->lso_nfree++] = (uint8_t)i;
		}
		if (v->tx_lso && v->lso_nfree == LSO_BUFS) {
			memset(v->tx_lso, -1, tq);
			v->lso = true;
		} else {
			printk("net: %s: no memory for large-send buffers; sending MTU-sized "
			       "frames\n", d->name);
		}
	}

	/* Identity: the device's MAC, or a random locally administered one. */
	if (virtio_has_feature(d, VIRTIO_NET_F_MAC)) {
		virtio_cread(d, VIRTIO_NET_CFG_MAC, v->nd.mac, 6);
	} else {
		random_bytes(v->nd.mac, 6);
		v->nd.mac[0] = (uint8_t)((v->nd.mac[0] & 0xfe) | 0x02);
	}
	v->nd.name = "en";
	v->nd.mtu = 1500;
	/* TCP checksums are the driver's in both directions: the device's when
	 * it offers them, net_hdr.c's otherwise. */
	v->nd.features = NET_F_CSUM_TX | NET_F_CSUM_RX;
	if (v->lso && virtio_has_feature(d, VIRTIO_NET_F_HOST_TSO4))
		v->nd.features |= NET_F_TSO4;
	if (v->lso && virtio_has_feature(d, VIRTIO_NET_F_HOST_TSO6))
		v->nd.features |= NET_F_TSO6;
	v->nd.xmit = vnet_xmit;
	v->nd.poll = vnet_poll;
	v->nd.stats = vnet_stats;
	v->nd.priv = v;
	v->nd.link_up = !virtio_has_feature(d, VIRTIO_NET_F_STATUS) ||
			(virtio_cread16(d, VIRTIO_NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP);
	d->priv = v;

	/* Post the ring's worth; the rest are spares. */
	virtio_device_ready(d);
	uint64_t f = spin_lock_irqsave(&v->rx_lock);
	for (unsigned i = v->nrx; i-- > 0;)
		rx_give_back(v, &v->rxbs[i]);
	rx_refill(v);
	spin_unlock_irqrestore(&v->rx_lock, f);

	extern bool kern_verbose;
	if (kern_verbose)
		printk("net: %s: mac %02x:%02x:%02x:%02x:%02x:%02x, link %s, rx %u/%u "
		       "buffers, tx %u; %s%s%s%s%s\n", d->name, v->nd.mac[0],
		       v->nd.mac[1], v->nd.mac[2], v->nd.mac[3], v->nd.mac[4], v->nd.mac[5],
		       v->nd.link_up ? "up" : "down", v->posted, v->nrx, tq,
		       v->mrg ? "mrg_rxbuf " : "", v->csum_tx ? "csum " : "",
		       virtio_has_feature(d, VIRTIO_NET_F_GUEST_CSUM) ? "guest_csum " : "",
		       virtio_has_feature(d, VIRTIO_NET_F_GUEST_TSO4) ? "guest_tso " : "",
		       v->lso ? "host_tso" : "");
	if (nvnets < MAX_VNETS) {
		vnets[nvnets++] = v;
		v->defer_kicks = true;
		sched_set_block_hook(vnet_flush_kicks);
	}
	e = net_device_register(&v->nd);
	if (e < 0)
		printk("net: %s: the network core refused it (error %d)\n", d->name, e);
	return 0;
}

/* Large receive only with small buffers chained (MRG_RXBUF) and partial
 * checksums (GUEST_CSUM, which the spec requires for it). */
static uint64_t vnet_select_features(uint64_t f)
{
	if (!(f & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF)) || !(f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)))
		f &= ~(VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6));
	/* Large send needs the device's checksums (spec 5.1.3.1). */
	if (!(f & VIRTIO_BIT(VIRTIO_NET_F_CSUM)))
		f &= ~(VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6));
	return f;
}

static const uint16_t vnet_ids[] = { VIRTIO_ID_NET, 0 };

/* Referenced by the network core (net/net.c), which links it. */
VIRTIO_DRIVER(jiny_virtio_net) = {
	.name = "virtio-net",
	.ids = vnet_ids,
	.features = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
		    VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_NET_F_CSUM) |
		    VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |
		    VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) |
		    VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6),
	.probe = vnet_probe,
	.config_changed = config_changed,
	.core = VIRTIO_DRIVER_CORE,
	.select_features = vnet_select_features,
};

static void vnet_stats(struct net_device *nd, char *buf, size_t n)
{
	struct vnet *v = nd->priv;
	ksnprintf(buf, n, "%s rx %lu frames %lu bytes, %lu bad checksums, %lu malformed, "
		  "%lu copied, %lu in several buffers; tx %lu frames %lu bytes, %lu offloaded, %lu ring full, "
		  "%lu too big, %lu large; %u/%u buffers posted", v->dev->name, v->rx_packets,
		  v->rx_bytes, v->rx_csum_drops, v->rx_bad, v->rx_copied, v->rx_chained,
		  v->tx_packets, v->tx_bytes, v->tx_offloaded, v->tx_full, v->tx_too_big,
		  v->tx_large, v->posted, v->nrx);
}
