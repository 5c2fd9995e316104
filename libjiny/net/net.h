/*
 * net.h - the network core (net/net.c) over lwIP: the core lock, and the
 * contract a NIC driver (virtio-net, ...) codes against.
 *
 * Layers: a driver registers a struct net_device and hands received frames
 * to net_device_input(); net.c turns the device into an lwIP netif
 * (Ethernet, ARP, IPv4, IPv6), configures it from the kernel option
 * ip=ADDR/PREFIX[,GATEWAY] | dhcp | none (dhcp by default), and runs
 * lwIP's timers and the received frames in its "net" thread. Sockets
 * (net/inet.c, the AF_INET/AF_INET6 family of net/socket.h) call lwIP's raw
 * API in the calling thread under net_lock. The loopback interface (lo:
 * 127.0.0.1/8, ::1) is always there. lwipopts.h is lwIP's configuration;
 * docs/net.md describes the whole port.
 *
 * Locking: net_lock (a kmutex) guards all of lwIP's state: every raw API
 * call, netif change and pbuf queue of a socket. lwIP's callbacks run with
 * it held (in the net thread, or in a socket caller's thread when lwIP
 * answers at once, as the loopback does) and must not take it again.
 * Nothing sleeps while holding it except to take another kmutex or fault
 * a user page in (a send copies from the caller's buffer under it).
 */
#ifndef JINY_NET_NET_H
#define JINY_NET_NET_H

#include "kern/kern.h"
#include "kern/spinlock.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"

/* ---- the core lock ---- */
void net_lock(void);
/* Deliver what the loopback queued meanwhile (so a loopback send reaches
 * its peer in the sender's thread, no thread hop), wake the net thread if
 * lwIP's next timer moved earlier, and release the lock. */
void net_unlock(void);
bool net_lock_held(void);

/* ---- NIC drivers ---- */

/* Offloads a device declares (struct net_device.features). */
/* Only TCP's: the bulk of the bytes. UDP datagrams may be fragmented (a
 * device sees one fragment, the checksum spans all), and IP header and
 * ICMP checksums are cheap: lwIP keeps doing those. */
#define NET_F_CSUM_TX 1u   /* the driver gets TCP checksums of outgoing frames made
			    * (by the device, or itself): lwIP leaves them out */
#define NET_F_CSUM_RX 2u   /* the driver passes up only frames whose TCP checksum
			    * was checked (and drops bad ones): lwIP does not,
			    * except in what comes through net_device_deliver_checked */
#define NET_F_TSO4 4u      /* large send: the driver takes a TCP/IPv4 frame of up
			    * to 64 KiB (NET_TSO_FRAME_MAX) and has it cut into
			    * segments of the MTU (HOST_TSO4); NET_F_CSUM_TX too */
#define NET_F_TSO6 8u      /* the same for TCP/IPv6 */
#define NET_TSO_FRAME_MAX 65536 /* Ethernet header included */

#define NET_RX_RING 512    /* frames queued by net_device_input, per device */

struct net_device {
	/* Set by the driver before net_device_register(): */
	const char *name;           /* two letters, e.g. "en": the netif is en0, en1, ... */
	uint8_t mac[6];
	uint16_t mtu;               /* IP MTU (1500 for Ethernet) */
	unsigned features;          /* NET_F_* */
	/*
	 * Transmit one Ethernet frame (header included), the chain p. Called
	 * with net_lock held, from any thread, never from an interrupt. p is
	 * lwIP's: to keep it past the return (zero-copy transmit), take a
	 * reference with pbuf_ref() and drop it with pbuf_free() when the
	 * device is done, from any thread (reference counts are protected).
	 * 0, or -ENOBUFS (the frame is dropped; TCP will resend).
	 */
	int (*xmit)(struct net_device *dev, struct pbuf *p);
	/*
	 * Polled receive (NAPI-style; optional): after the driver's interrupt
	 * called net_device_schedule(), the net thread calls poll with net_lock
	 * held; it hands at most 'budget' frames to net_device_deliver() and
	 * returns how many. Returning 'budget' means more may be waiting (it is
	 * called again after the other devices and lwIP's timers); less means
	 * the driver has re-armed its interrupt and nothing slipped in meanwhile.
	 */
	int (*poll)(struct net_device *dev, int budget);
	/* Optional: the driver's counters as one line, for /proc/netdev
	 * (net_lock held). */
	void (*stats)(struct net_device *dev, char *buf, size_t n);
	void *priv;                 /* the driver's */

	/* net.c's: */
	struct netif netif;         /* lwIP's interface (net_lock) */
	struct net_device *next;    /* the device list (net_lock) */
	spinlock_t rx_lock;         /* the receive ring below, from any context */
	struct pbuf *rx_ring[NET_RX_RING];
	unsigned rx_head, rx_tail;  /* rx_lock; head == tail: empty */
	uint64_t rx_dropped;        /* ring full; rx_lock */
	bool link_up;               /* as last reported by the driver */
	bool poll_pending;          /* net_device_schedule() was called (atomic) */
	uint64_t polls;             /* poll calls (net_lock) */
	uint32_t shown_ip4;         /* the IPv4 address last printed (net_lock) */
};

/* Add a device (from an initcall or a probe; before or after net.c's own
 * initcall: one added before it waits for it, since ip= is read there).
 * Its netif is configured by ip=. 0 or -errno. */
int net_device_register(struct net_device *dev);
/* The link went up or down (any thread, with or without net_lock; not an
 * interrupt). */
void net_device_set_link(struct net_device *dev, bool up);
/* Ask for a poll call (any context, interrupts included). */
void net_device_schedule(struct net_device *dev);
/* From poll: one received frame (Ethernet header first) to lwIP, now.
 * Ownership of p passes to the stack. */
void net_device_deliver(struct net_device *dev, struct pbuf *p);
/* The same for a frame whose TCP checksum the driver could not check
 * (NET_F_CSUM_RX: an IPv4 fragment, IPv6 extension headers): lwIP checks
 * TCP while it takes this one in (and completes a datagram with it). */
void net_device_deliver_checked(struct net_device *dev, struct pbuf *p);
/* The net thread's budget per poll call. */
#define NET_POLL_BUDGET 64
/*
 * A received frame (Ethernet header first), from any context, interrupts
 * included: queued for the net thread, which hands it to lwIP. Ownership
 * of p passes to the stack. A full ring drops it (counted in rx_dropped).
 */
void net_device_input(struct net_device *dev, struct pbuf *p);

/*
 * Zero-copy receive: a pbuf that points into the driver's own buffer
 * (data, len). release(b) is called once lwIP and the socket that read the
 * data are done with it, with net_lock held, in the net thread or a reader's
 * thread: give the buffer back to the device there. b must live until then
 * (embed it in the driver's buffer descriptor).
 */
struct net_rx_buf {
	struct pbuf_custom pc;      /* lwIP's; first */
	void (*release)(struct net_rx_buf *b);
	void *driver;               /* the driver's, e.g. the descriptor index */
};
struct pbuf *net_rx_pbuf(struct net_rx_buf *b, void *data, uint16_t len,
			 void (*release)(struct net_rx_buf *b));

/* ---- for the socket layer and tests ---- */
struct inet_ep;
/* An endpoint (net/inet_addr.h) as lwIP's address (a link-local IPv6 one
 * gets its zone from scope_id), and back (port in host order in, network
 * order out). */
void net_ip_from_ep(const struct inet_ep *ep, ip_addr_t *ip);
void net_ep_from_ip(const ip_addr_t *ip, uint16_t port, struct inet_ep *ep);
/*
 * Large send for a connection just established (net_lock held): when its
 * route goes through a NIC with NET_F_TSO4/6 and the peer takes segments
 * of the whole MTU, raise lwIP's MSS for it to the most whole MTU-sized
 * segments that fit one large frame, so lwIP builds and the device cuts
 * them. Returns the MSS each packet on the wire carries (what TCP_MAXSEG
 * reports), or 0 when large send is not used.
 */
struct tcp_pcb;
uint16_t net_tcp_large_send(struct tcp_pcb *pcb);
/* Number of TCP pcbs in TIME_WAIT (net.c keeps it at most NET_TIME_WAIT_MAX). */
#define NET_TIME_WAIT_MAX 1024
int net_time_wait_count(void);
/* Start lwIP, lo and the net thread if not yet (the first socket or NIC
 * does); net_ready(): they are up. */
void net_start(void);
bool net_ready(void);

#endif
