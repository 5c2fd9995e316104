/*
 * net.c - the network core over lwIP (net.h is the contract): lwIP's
 * start-up and the loopback, the core lock, the "net" thread, NIC
 * registration and configuration (ip=, dns=), TIME_WAIT's cap, and the
 * /etc/hosts and /etc/resolv.conf that musl's resolver reads.
 *
 * The net thread (an HP-class kernel thread, like a softirq: it runs
 * briefly and must not wait behind the app) sleeps on net_wq until lwIP's
 * next timer is due or a driver queues a frame, then, under net_lock, hands
 * the frames to lwIP, runs the due timers and trims TIME_WAIT. Everything
 * else runs in the threads of the socket callers (net_unlock delivers
 * loopback packets there).
 *
 * Locks: net_mutex (net_lock) guards lwIP, the device list and the fields
 * marked so; each device's rx_lock (a spinlock, interrupts off) guards its
 * receive ring; net_wq's own lock the thread's sleep.
 */
#include "net/net.h"
#include "net/inet_addr.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip6.h"
#include "netif/ethernet.h"
#include "kern/initcall.h"
#include "kern/cmdline.h"
#include "kern/errno.h"
#include "sched/sched.h"
#include "sched/waitq.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "drivers/virtio/virtio.h"

extern const struct virtio_driver jiny_virtio_net; /* drivers/virtio/net.c */

extern struct cmdline kernel_cmdline; /* kern/start.c */

static struct kmutex net_mutex;
static struct waitq net_wq;           /* the net thread sleeps here */
static volatile bool net_kick;        /* work queued for the net thread; atomic */
static struct thread *net_thread;     /* made */
static uint64_t net_sleep_until;      /* the thread's next wake-up, 0: none; net_lock */
static struct net_device *net_devices; /* net_lock */
static int net_state;                 /* 0 down, 1 starting, 2 up; atomic */
static struct inet_ip_config net_ipcfg; /* from ip=; made at start-up */
static volatile bool net_resolv_dirty; /* DHCP changed the DNS servers; atomic */

void net_lock(void)
{
	kmutex_lock(&net_mutex);
}

bool net_lock_held(void)
{
	return net_mutex.locked && net_mutex.owner == sched_current();
}

static void net_wake_thread(void)
{
	__atomic_store_n(&net_kick, true, __ATOMIC_SEQ_CST);
	waitq_wake_all(&net_wq, 0);
}

void net_unlock(void)
{
	netif_poll_all(); /* loopback packets queued under the lock */
	if (sched_current() != net_thread) {
		/* A connect or a send may have started one of lwIP's timers
		 * earlier than the net thread means to wake up. */
		u32_t ms = sys_timeouts_sleeptime();
		if (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
			uint64_t due = clock_ns() + (uint64_t)ms * 1000000;
			if (!net_sleep_until || due + 2000000 < net_sleep_until) {
				net_sleep_until = due;
				net_wake_thread();
			}
		}
	}
	kmutex_unlock(&net_mutex);
}

bool net_ready(void)
{
	return __atomic_load_n(&net_state, __ATOMIC_ACQUIRE) == 2;
}

/* ---- TIME_WAIT ---- */

int net_time_wait_count(void)
{
	int n = 0;
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		n++;
	return n;
}

/*
 * With pools from kmalloc (lwipopts.h) lwIP never reclaims TIME_WAIT pcbs
 * early, and it looks every arriving segment up in a list that holds them:
 * after a burst of short connections every later one would pay for them.
 * Keep the newest NET_TIME_WAIT_MAX (new ones go to the list's head) and
 * drop the rest, as Linux does past tcp_max_tw_buckets. Safe: no socket
 * points at a TIME_WAIT pcb (inet.c lets go of a pcb once both FINs are
 * through).
 */
static void net_trim_time_wait(void)
{
	struct tcp_pcb *p = tcp_tw_pcbs;
	for (int i = 1; p && i < NET_TIME_WAIT_MAX; i++)
		p = p->next;
	while (p && p->next)
		tcp_abort(p->next);
}

/* ---- SYN floods (lwipopts.h: LWIP_HOOK_IP4_INPUT/IP6_INPUT) ---- */

static uint64_t net_syn_evictions, net_syn_note_ns; /* net_lock */
/* Only half-open connections at least this old (tcp_ticks: 500 ms) make
 * room: a real handshake under way (a round trip, slow under a loaded TCG
 * host) must not be dropped. Without the age, ordinary parallel connects
 * through slirp lost theirs and hung (tests/net legacy, q35). */
#define NET_SYN_MIN_AGE_TICKS 6

/*
 * A SYN to port 'port' is about to reach lwIP. If the port's listener has
 * its backlog full and half-open connections (SYN_RCVD) among it, drop the
 * oldest of those silently (no RST to what is likely a spoofed address), so
 * that the new SYN is answered: under a flood, a real client's handshake
 * (one round trip) completes long before its half-open connection would be
 * the oldest. Established connections waiting for accept() are never
 * dropped: a full queue of those refuses SYNs, as on Linux.
 */
static void net_syn_arrives(uint16_t port)
{
	struct tcp_pcb_listen *l;
	for (l = tcp_listen_pcbs.listen_pcbs; l; l = l->next)
		if (l->local_port == port)
			break;
	if (!l || l->accepts_pending < l->backlog)
		return;
	struct tcp_pcb *old = NULL;
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
		if (p->state == SYN_RCVD && p->listener == l &&
		    (u32_t)(tcp_ticks - p->tmr) >= NET_SYN_MIN_AGE_TICKS &&
		    (!old || (u32_t)(tcp_ticks - p->tmr) > (u32_t)(tcp_ticks - old->tmr)))
			old = p;
	if (!old)
		return;
	tcp_abandon(old, 0);
	net_syn_evictions++;
	uint64_t now = clock_ns();
	if (net_syn_evictions == 1 || now - net_syn_note_ns > 10000000000ULL) {
		printk("net: port %u: listen backlog full of half-open connections (a SYN flood?): "
		       "dropping the oldest for each new SYN (%lu so far)\n", port,
		       (unsigned long)net_syn_evictions);
		net_syn_note_ns = now;
	}
}

static uint64_t net_tw_reused; /* net_lock */

/*
 * A SYN (TCP header t, from the IPv4 or IPv6 header ip) for a connection we
 * still hold in TIME_WAIT: when its sequence number is beyond what the old
 * connection received, RFC 1122 4.2.2.13 lets it open a new incarnation,
 * as Linux does. lwIP answered it with an ACK (or, in window, an RST): a
 * busy client that reused a port (bench/net's connection-rate runs exhaust
 * the host's ephemeral ports in seconds) then waited a 1 s SYN
 * retransmission, or got a reset. The old pcb goes (no RST: nothing of it
 * is left to tell), and lwIP finds the listener for the SYN.
 */
static void net_syn_timewait(const u8_t *ip, bool v6, const u8_t *t)
{
	u16_t sport = (u16_t)(t[0] << 8 | t[1]), dport = (u16_t)(t[2] << 8 | t[3]);
	u32_t seq = (u32_t)t[4] << 24 | (u32_t)t[5] << 16 | (u32_t)t[6] << 8 | t[7];
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next) {
		if (p->local_port != dport || p->remote_port != sport)
			continue;
		if (v6 ? !IP_IS_V6_VAL(p->remote_ip) || memcmp(ip_2_ip6(&p->remote_ip)->addr, ip + 8, 16)
		       : IP_IS_V6_VAL(p->remote_ip) || memcmp(&ip_2_ip4(&p->remote_ip)->addr, ip + 12, 4))
			continue;
		if (TCP_SEQ_GT(seq, p->rcv_nxt) && !p->callback_arg) {
			tcp_abandon(p, 0);
			net_tw_reused++;
		}
		return;
	}
}

/* TCP flags and destination port of a segment at offset off of p's first
 * pbuf (an IPv6 packet when v6): a SYN without ACK? */
static void net_syn_check(struct pbuf *p, size_t off, bool v6)
{
	if (p->len < off + 20)
		return;
	const u8_t *ip = p->payload, *t = ip + off;
	u8_t flags = t[13];
	if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
		net_syn_timewait(ip, v6, t);
		net_syn_arrives((uint16_t)(t[2] << 8 | t[3]));
	}
}

int net_syn_hook4(struct pbuf *p, struct netif *inp)
{
	const u8_t *ip = p->payload;
	if (p->len < 20 || (ip[0] >> 4) != 4 || ip[9] != IP_PROTO_TCP ||
	    ((ip[6] << 8 | ip[7]) & 0x3fff)) /* a fragment: leave it */
		return 0;
	net_syn_check(p, (size_t)(ip[0] & 15) * 4, false);
	return 0;
}

int net_syn_hook6(struct pbuf *p, struct netif *inp)
{
	const u8_t *ip = p->payload;
	if (p->len >= 40 && (ip[0] >> 4) == 6 && ip[6] == IP6_NEXTH_TCP)
		net_syn_check(p, 40, true);
	return 0;
}

/* ---- devices ---- */

static err_t net_dev_linkoutput(struct netif *nif, struct pbuf *p)
{
	struct net_device *dev = nif->state;
	return dev->xmit(dev, p) < 0 ? ERR_MEM : ERR_OK;
}

/* ---- large send (TSO) ---- */

/* lwipopts.h's LWIP_HOOK_IP_LARGE_SEND: a TCP packet (p->payload at its IP
 * header) longer than the MTU, for a device that cuts it: send it whole. */
int net_large_send_ok(struct netif *nif, struct pbuf *p)
{
	if (nif->linkoutput != net_dev_linkoutput ||
	    (size_t)p->tot_len + SIZEOF_ETH_HDR > NET_TSO_FRAME_MAX || p->len < 40)
		return 0;
	const struct net_device *dev = nif->state;
	const u8_t *ip = p->payload;
	if ((ip[0] >> 4) == 4)
		return (dev->features & NET_F_TSO4) && ip[9] == IP_PROTO_TCP;
	if ((ip[0] >> 4) == 6)
		return (dev->features & NET_F_TSO6) && ip[6] == IP6_NEXTH_TCP;
	return 0;
}

uint16_t net_tcp_large_send(struct tcp_pcb *pcb)
{
	bool v6 = IP_IS_V6(&pcb->remote_ip);
	struct netif *nif = ip_route(&pcb->local_ip, &pcb->remote_ip);
	if (!nif || nif->linkoutput != net_dev_linkoutput)
		return 0;
	const struct net_device *dev = nif->state;
	unsigned hdrs = (v6 ? IP6_HLEN : IP_HLEN) + TCP_HLEN;
	if (!(dev->features & (v6 ? NET_F_TSO6 : NET_F_TSO4)) || nif->mtu <= hdrs ||
	    pcb->mss != nif->mtu - hdrs)
		return 0; /* no large send, or a peer that wants smaller segments */
	u16_t wire = pcb->mss;
	unsigned n = (NET_TSO_FRAME_MAX - SIZEOF_ETH_HDR - hdrs) / wire;
	if (n < 2)
		return 0;
	pcb->mss = (u16_t)MIN(n * wire, (unsigned)TCP_MSS);
	/* lwIP sends nothing while the window (cwnd) is smaller than the next
	 * segment and nothing is in flight (its persist timer covers only the
	 * peer's window): room for one large segment at least. */
	if (pcb->cwnd < pcb->mss)
		pcb->cwnd = pcb->mss;
	return wire;
}

static void net_status_changed(struct netif *nif)
{
	struct net_device *dev = nif->state;
	/* lwIP calls this on every change (link, each address, DHCP renewals):
	 * the console hears about a new IPv4 address once. */
	if (netif_is_up(nif) && !ip4_addr_isany_val(*netif_ip4_addr(nif)) &&
	    ip4_addr_get_u32(netif_ip4_addr(nif)) != dev->shown_ip4) {
		char a[48];
		dev->shown_ip4 = ip4_addr_get_u32(netif_ip4_addr(nif));
		printk("net: %c%c%u: %s\n", nif->name[0], nif->name[1], nif->num,
		       ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof(a)));
	}
	if (dhcp_supplied_address(nif)) {
		__atomic_store_n(&net_resolv_dirty, true, __ATOMIC_RELEASE);
		net_wake_thread();
	}
}

static err_t net_dev_netif_init(struct netif *nif)
{
	struct net_device *dev = nif->state;
	nif->name[0] = dev->name && dev->name[0] ? dev->name[0] : 'e';
	nif->name[1] = dev->name && dev->name[0] && dev->name[1] ? dev->name[1] : 'n';
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, dev->mac, ETH_HWADDR_LEN);
	nif->mtu = dev->mtu ? dev->mtu : 1500;
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		     NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	nif->output = etharp_output;
	nif->output_ip6 = ethip6_output;
	nif->linkoutput = net_dev_linkoutput;
	unsigned ck = NETIF_CHECKSUM_ENABLE_ALL;
	if (dev->features & NET_F_CSUM_TX)
		ck &= ~(unsigned)NETIF_CHECKSUM_GEN_TCP;
	if (dev->features & NET_F_CSUM_RX)
		ck &= ~(unsigned)NETIF_CHECKSUM_CHECK_TCP;
	NETIF_SET_CHECKSUM_CTRL(nif, ck);
	netif_set_hostname(nif, "jiny");
	return ERR_OK;
}

void net_ip_from_ep(const struct inet_ep *ep, ip_addr_t *ip)
{
	if (ep->v == 4) {
		memcpy(&ip_2_ip4(ip)->addr, ep->addr, 4);
		IP_SET_TYPE(ip, IPADDR_TYPE_V4);
	} else {
		memcpy(ip_2_ip6(ip)->addr, ep->addr, 16);
		IP_SET_TYPE(ip, IPADDR_TYPE_V6);
		ip6_addr_clear_zone(ip_2_ip6(ip));
		if (ip6_addr_has_scope(ip_2_ip6(ip), IP6_UNKNOWN) && ep->scope_id)
			ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)ep->scope_id);
	}
}

void net_ep_from_ip(const ip_addr_t *ip, uint16_t port, struct inet_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->port = lwip_htons(port);
	if (IP_IS_ANY_TYPE_VAL(*ip) || IP_IS_V6(ip)) {
		ep->v = 6;
		if (!IP_IS_ANY_TYPE_VAL(*ip)) {
			memcpy(ep->addr, ip_2_ip6(ip)->addr, 16);
			ep->scope_id = ip6_addr_zone(ip_2_ip6(ip));
		}
	} else {
		ep->v = 4;
		memcpy(ep->addr, &ip_2_ip4(ip)->addr, 4);
	}
}

/* Configure a new device's netif from ip= (net_lock held). */
static void net_dev_attach(struct net_device *dev)
{
	struct netif *nif = &dev->netif;
	if (!netif_add(nif, NULL, NULL, NULL, dev, net_dev_netif_init, ethernet_input)) {
		printk("net: %s: lwIP refused the interface\n", dev->name ? dev->name : "?");
		return;
	}
	netif_set_status_callback(nif, net_status_changed);
	netif_create_ip6_linklocal_address(nif, 1);
	nif->ip6_autoconfig_enabled = 1;
	if (!netif_default)
		netif_set_default(nif);
	netif_set_up(nif);
	if (dev->link_up)
		netif_set_link_up(nif);
	const struct inet_ip_config *c = &net_ipcfg;
	if (c->mode == INET_IP_STATIC && c->addr.v == 4) {
		ip_addr_t a, m, g;
		net_ip_from_ep(&c->addr, &a);
		uint32_t mask = c->prefix ? ~0u << (32 - c->prefix) : 0;
		ip4_addr_set_u32(ip_2_ip4(&m), lwip_htonl(mask));
		ip_addr_set_zero_ip4(&g);
		if (c->has_gw)
			net_ip_from_ep(&c->gw, &g);
		netif_set_addr(nif, ip_2_ip4(&a), ip_2_ip4(&m), ip_2_ip4(&g));
	} else if (c->mode == INET_IP_STATIC) {
		ip_addr_t a;
		s8_t idx;
		net_ip_from_ep(&c->addr, &a);
		if (netif_add_ip6_address(nif, ip_2_ip6(&a), &idx) == ERR_OK)
			netif_ip6_addr_set_state(nif, idx, IP6_ADDR_PREFERRED);
	} else if (c->mode != INET_IP_NONE) {
		err_t e = dhcp_start(nif);
		if (e != ERR_OK)
			printk("net: %c%c%u: DHCP did not start (lwIP error %d)\n",
			       nif->name[0], nif->name[1], nif->num, e);
	}
}

/* Devices registered before net_init read ip= (drivers probe at
 * INITCALL_DRIVER, before it); boot is single-threaded then. */
static bool net_inited;
static struct net_device *net_early_devices;

int net_device_register(struct net_device *dev)
{
	if (!dev->xmit)
		return -EINVAL;
	dev->rx_lock = (spinlock_t)SPINLOCK_INIT;
	dev->rx_head = dev->rx_tail = 0;
	if (!net_inited) {
		dev->next = net_early_devices;
		net_early_devices = dev;
		return 0;
	}
	net_start();
	net_lock();
	dev->next = net_devices;
	net_devices = dev;
	net_dev_attach(dev);
	net_unlock();
	return 0;
}

void net_device_set_link(struct net_device *dev, bool up)
{
	bool mine = net_lock_held();
	if (!mine)
		net_lock();
	dev->link_up = up;
	if (up)
		netif_set_link_up(&dev->netif);
	else
		netif_set_link_down(&dev->netif);
	if (!mine)
		net_unlock();
}

void net_device_schedule(struct net_device *dev)
{
	__atomic_store_n(&dev->poll_pending, true, __ATOMIC_SEQ_CST);
	net_wake_thread();
}

void net_device_deliver(struct net_device *dev, struct pbuf *p)
{
	if (dev->netif.input(p, &dev->netif) != ERR_OK)
		pbuf_free(p);
}

void net_device_deliver_checked(struct net_device *dev, struct pbuf *p)
{
	/* lwIP reads the input netif's flags in tcp_input, synchronously, with
	 * net_lock held: on for this frame only (the last fragment of a
	 * datagram is one of these, so the reassembled segment is checked). */
	struct netif *nif = &dev->netif;
	u16_t saved = nif->chksum_flags;
	NETIF_SET_CHECKSUM_CTRL(nif, saved | NETIF_CHECKSUM_CHECK_TCP);
	net_device_deliver(dev, p);
	NETIF_SET_CHECKSUM_CTRL(nif, saved);
}

void net_device_input(struct net_device *dev, struct pbuf *p)
{
	uint64_t f = spin_lock_irqsave(&dev->rx_lock);
	unsigned next = (dev->rx_tail + 1) % NET_RX_RING;
	if (next == dev->rx_head) {
		dev->rx_dropped++;
		spin_unlock_irqrestore(&dev->rx_lock, f);
		pbuf_free(p);
		return;
	}
	dev->rx_ring[dev->rx_tail] = p;
	dev->rx_tail = next;
	spin_unlock_irqrestore(&dev->rx_lock, f);
	net_wake_thread();
}

static void net_rx_custom_free(struct pbuf *p)
{
	struct net_rx_buf *b = (struct net_rx_buf *)p;
	b->release(b);
}

struct pbuf *net_rx_pbuf(struct net_rx_buf *b, void *data, uint16_t len,
			 void (*release)(struct net_rx_buf *b))
{
	b->release = release;
	b->pc.custom_free_function = net_rx_custom_free;
	return pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, &b->pc, data, len);
}

/* Hand every queued frame to lwIP (net_lock held). */
static void net_drain_rx(void)
{
	for (struct net_device *dev = net_devices; dev; dev = dev->next) {
		for (;;) {
			uint64_t f = spin_lock_irqsave(&dev->rx_lock);
			struct pbuf *p = NULL;
			if (dev->rx_head != dev->rx_tail) {
				p = dev->rx_ring[dev->rx_head];
				dev->rx_head = (dev->rx_head + 1) % NET_RX_RING;
			}
			spin_unlock_irqrestore(&dev->rx_lock, f);
			if (!p)
				break;
			net_device_deliver(dev, p);
		}
		if (dev->poll && __atomic_exchange_n(&dev->poll_pending, false, __ATOMIC_SEQ_CST)) {
			dev->polls++;
			if (dev->poll(dev, NET_POLL_BUDGET) >= NET_POLL_BUDGET)
				net_device_schedule(dev); /* more to do: after the timers */
		}
	}
}

/* /proc/netdev: each interface, its addresses, the core's and the driver's counters. */
static void net_proc_netdev(struct vfs_snapshot *s)
{
	if (!net_ready())
		return;
	net_lock();
	for (struct net_device *dev = net_devices; dev; dev = dev->next) {
		struct netif *nif = &dev->netif;
		char a[48], line[400];
		snap_printf(s, "%c%c%u: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u link %s inet %s",
			    nif->name[0], nif->name[1], nif->num, dev->mac[0], dev->mac[1],
			    dev->mac[2], dev->mac[3], dev->mac[4], dev->mac[5], nif->mtu,
			    dev->link_up ? "up" : "down",
			    ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof(a)));
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
			if (ip6_addr_isvalid(netif_ip6_addr_state(nif, i)))
				snap_printf(s, " inet6 %s",
					    ip6addr_ntoa_r(netif_ip6_addr(nif, i), a, sizeof(a)));
		snap_printf(s, "\n  polls %lu, queued-frame drops %lu\n", dev->polls, dev->rx_dropped);
		if (dev->stats) {
			dev->stats(dev, line, sizeof(line));
			snap_printf(s, "  %s\n", line);
		}
	}
	snap_printf(s, "tcp: %lu SYNs reopened a connection in TIME_WAIT, %lu half-open "
		    "connections dropped for a full backlog\n", (unsigned long)net_tw_reused,
		    (unsigned long)net_syn_evictions);
	net_unlock();
}

/* ---- at the app's exit ---- */

#define NET_EXIT_FLUSH_NS 2000000000ULL /* 2 s at most */

static bool net_tcp_pending(void)
{
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
		if (p->state != SYN_SENT && p->state != SYN_RCVD && (p->unsent || p->unacked))
			return true; /* data or a FIN of a connection that was made */
	return false;
}

/*
 * The app is exiting and the VM will power off: on Linux the kernel would
 * still deliver what the process wrote to its TCP sockets, so wait (2 s at
 * most) until every connection's data is acknowledged. Called by
 * app_exit() (kern/app.c) through a weak reference: images without
 * sockets do not have it.
 */
__export void __jiny_net_exit_flush(void)
{
	uint64_t f = irq_save();
	irq_restore(f);
	if (!net_ready() || !(f & 0x200) || net_lock_held())
		return; /* no stack, or a context that must not sleep */
	uint64_t until = clock_ns() + NET_EXIT_FLUSH_NS;
	for (;;) {
		net_lock();
		bool pending = net_tcp_pending();
		net_unlock();
		if (!pending)
			return;
		if (clock_ns() > until)
			break;
		sched_sleep_until(clock_ns() + 2000000);
	}
	printk("net: the app exited with TCP data not yet acknowledged by its peers "
	       "(waited 2 s); it is lost\n");
}

/* ---- /etc/hosts, /etc/resolv.conf ---- */

static bool net_file_exists(const char *path)
{
	struct dentry *d;
	if (vfs_walk(AT_FDCWD_K, path, 0, &d, NULL, NULL) < 0)
		return false;
	bool yes = d->vnode != NULL;
	dentry_put(d);
	return yes;
}

/* The dns= servers (parsed at boot, before lwIP is up), then DHCP's. */
static struct inet_ep net_dns[DNS_MAX_SERVERS];
static int net_ndns;

/* /etc/resolv.conf from dns= or, once lwIP runs, the servers it has (dns=
 * and DHCP's). No lock held: it writes a file. */
static void net_write_resolv_conf(void)
{
	char buf[512], a[48];
	size_t o = (size_t)ksnprintf(buf, sizeof(buf), "# written by Jiny (net/net.c): "
				     "dns= on the kernel command line, or DHCP\n");
	if (!net_ready()) {
		for (int i = 0; i < net_ndns; i++)
			o += (size_t)ksnprintf(buf + o, sizeof(buf) - o, "nameserver %s\n",
					       inet_format(&net_dns[i], a, sizeof(a)));
	} else {
		net_lock();
		for (int i = 0; i < DNS_MAX_SERVERS && o < sizeof(buf) - 64; i++) {
			const ip_addr_t *s = dns_getserver((u8_t)i);
			if (ip_addr_isany(s))
				continue;
			o += (size_t)ksnprintf(buf + o, sizeof(buf) - o, "nameserver %s\n",
					       ipaddr_ntoa_r(s, a, sizeof(a)));
		}
		net_unlock();
	}
	int r = vfs_create_file("/etc/resolv.conf", 0644, buf, o);
	if (r < 0)
		printk("net: cannot write /etc/resolv.conf: error %d\n", r);
}

static void net_write_hosts(void)
{
	static const char hosts[] = "127.0.0.1\tlocalhost\n"
				    "::1\tlocalhost ip6-localhost ip6-loopback\n";
	if (net_file_exists("/etc/hosts"))
		return; /* the root file system brought its own */
	int r = vfs_create_file("/etc/hosts", 0644, hosts, sizeof(hosts) - 1);
	if (r < 0)
		printk("net: cannot write /etc/hosts: error %d\n", r);
}

/* dns=ADDR[,ADDR] into net_dns (at boot). */
static void net_parse_dns_option(void)
{
	const char *s = cmdline_opt(&kernel_cmdline, "dns");
	while (s && *s && net_ndns < DNS_MAX_SERVERS) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		struct inet_ep *ep = &net_dns[net_ndns];
		bool v6 = false;
		for (size_t k = 0; k < n; k++)
			v6 |= s[k] == ':';
		ep->v = v6 ? 6 : 4;
		if ((v6 ? inet_parse6(s, n, ep->addr) : inet_parse4(s, n, ep->addr)) < 0)
			printk("net: dns=%s: '%.*s' is not an IP address; ignored\n",
			       cmdline_opt(&kernel_cmdline, "dns"), (int)n, s);
		else
			net_ndns++;
		s = e ? e + 1 : NULL;
	}
}

/* ---- the net thread ---- */

static bool net_has_work(void *arg)
{
	return __atomic_load_n(&net_kick, __ATOMIC_SEQ_CST);
}

static void net_thread_main(void *arg)
{
	for (;;) {
		net_lock();
		__atomic_store_n(&net_kick, false, __ATOMIC_SEQ_CST);
		net_drain_rx();
		sys_check_timeouts();
		net_trim_time_wait();
		u32_t ms = sys_timeouts_sleeptime();
		uint64_t until = ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? 0
			: clock_ns() + (uint64_t)ms * 1000000;
		net_sleep_until = until;
		net_unlock();
		if (__atomic_exchange_n(&net_resolv_dirty, false, __ATOMIC_ACQ_REL))
			net_write_resolv_conf();
		waitq_wait(&net_wq, net_has_work, NULL, until);
	}
}

/* ---- start-up ---- */

/*
 * lwIP, lo and the net thread: once, by the first socket (inet.c) or NIC
 * driver, so that an application that never touches the network pays
 * nothing for it at boot (lwIP's start takes ~4 ms under TCG).
 */
void net_start(void)
{
	if (__atomic_load_n(&net_state, __ATOMIC_ACQUIRE) == 2)
		return;
	int expect = 0;
	if (!__atomic_compare_exchange_n(&net_state, &expect, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&net_state, __ATOMIC_ACQUIRE) != 2)
			sched_yield();
		return;
	}
	kmutex_init(&net_mutex);
	waitq_init(&net_wq);
	net_lock();
	lwip_init();
	/* The loopback carries 64 KiB segments, like Linux's lo (lwipopts.h:
	 * TCP_MSS). lwIP's lo is the first netif it adds, and computes no
	 * checksums; but raw sockets see its IPv4 headers and ICMP messages as
	 * Linux's lo has them: IP header and ICMP checksums made (ICMP's
	 * checked, so a request with a wrong one goes unanswered, as on
	 * Linux). TCP and UDP still go without. */
	for (struct netif *n = netif_list; n; n = n->next)
		if (n->name[0] == 'l' && n->name[1] == 'o') {
			n->mtu = n->mtu6 = 65535;
			NETIF_SET_CHECKSUM_CTRL(n, NETIF_CHECKSUM_GEN_IP | NETIF_CHECKSUM_GEN_ICMP |
						   NETIF_CHECKSUM_GEN_ICMP6 |
						   NETIF_CHECKSUM_CHECK_ICMP |
						   NETIF_CHECKSUM_CHECK_ICMP6);
		}
	for (int i = 0; i < net_ndns; i++) {
		ip_addr_t ip;
		net_ip_from_ep(&net_dns[i], &ip);
		dns_setserver((u8_t)i, &ip);
	}
	net_unlock();
	net_thread = thread_create("net", PRIO_HP, 0, net_thread_main, NULL, 65536);
	if (!net_thread)
		panic("net: cannot create the net thread (out of memory)");
	__atomic_store_n(&net_state, 2, __ATOMIC_RELEASE);
}

/* At boot: the options, /etc/hosts and /etc/resolv.conf; lwIP itself
 * starts with the first socket or NIC (net_start). */
static int net_init(void)
{
	char err[160];
	if (inet_parse_ip_option(cmdline_opt(&kernel_cmdline, "ip"), &net_ipcfg, err,
				 sizeof(err)) < 0) {
		printk("net: %s; using DHCP\n", err);
		net_ipcfg.mode = INET_IP_DHCP;
	}
	net_parse_dns_option();
	net_write_hosts();
	net_write_resolv_conf();
	procfs_add_file("netdev", net_proc_netdev);
	/* The NIC drivers live in this member of libjiny.a: this keeps their
	 * table entries in an image that links sockets. */
	VIRTIO_DRIVER_USE(jiny_virtio_net);
	net_inited = true;
	while (net_early_devices) {
		struct net_device *dev = net_early_devices;
		net_early_devices = dev->next;
		net_device_register(dev);
	}
	return 0;
}
INITCALL(INITCALL_NET, net_init);
