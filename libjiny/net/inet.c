/*
 * inet.c - AF_INET and AF_INET6 sockets (TCP and UDP) over lwIP: the
 * family under net/socket.c's system calls (net/socket.h is the contract:
 * every operation here is non-blocking and returns -EAGAIN when it cannot
 * go on; socket.c waits on s->vnode->poll_wq, which we wake whenever
 * poll()'s answer may change).
 *
 * Why lwIP's raw/callback API and not netconn: netconn runs each operation
 * as a message to lwIP's tcpip thread and sleeps until that thread answers
 * (two thread switches per send or receive), and blocks inside the stack,
 * while socket.h wants non-blocking operations with the waits in socket.c.
 * The raw API is non-blocking by nature: an operation takes net_lock, calls
 * lwIP in the caller's thread, and returns; lwIP's callbacks (run under the
 * same lock, in the net thread or in whichever thread's net_unlock()
 * delivers loopback packets) only queue pbufs, set state and wake. Data is
 * copied in the calling thread: a send copies from the caller's iovecs into
 * lwIP's segments (tcp_write with TCP_WRITE_FLAG_COPY), a receive from the
 * queued pbufs into the iovecs.
 *
 * TCP pcbs are made on first need (bind, listen, connect), so options such
 * as IPV6_V6ONLY given before that decide the pcb's address type. A socket
 * lets go of its pcb when lwIP frees it (err callback), and once both FINs
 * have passed (the pcb may then sit in TIME_WAIT, which net.c trims and no
 * socket may point at). close() hands the pcb to lwIP to finish the close
 * (tcp_close), or resets it (SO_LINGER 0, or unread data, as Linux does).
 *
 * Locking: every field of struct inet_sock is guarded by net_lock.
 */
#include "net/socket.h"
#include "net/net.h"
#include "net/inet.h"
#include "net/inet_addr.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/udp.h"
#include "lwip/raw.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/icmp6.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/ip_addr.h"
#include "abi/poll.h"
#include "kern/errno.h"
#include "sched/sched.h"
#include "mm/mm.h"

#define INET_DEFAULT_RCVBUF (TCP_WND)       /* what SO_RCVBUF reports until set */
#define INET_DEFAULT_SNDBUF (TCP_SND_BUF)
#define INET_UDP_RCVBUF (512 * 1024)        /* queued datagrams beyond it are dropped */
#define INET_BUF_MIN 4608                   /* Linux's SOCK_MIN_SNDBUF */
#define INET_BUF_MAX (16 * 1024 * 1024)

enum inet_state {
	IS_NEW,         /* not connected (maybe bound) */
	IS_LISTEN,
	IS_CONNECTING,
	IS_CONNECTED,   /* (TCP) or has a default peer (UDP) */
	IS_CLOSED,      /* reset, refused, timed out */
};

/* A received pbuf chain (TCP) or datagram (UDP, ICMP), in arrival order. */
struct inet_rx {
	struct inet_rx *next;
	struct pbuf *p;
	uint16_t off;            /* TCP: bytes of p already read */
	uint8_t ttl;             /* datagram: its IPv4 TTL or IPv6 hop limit */
	struct inet_ep from;     /* datagram: the sender */
};

struct inet_sock {
	struct socket *s;        /* NULL while a connection waits for accept() */
	int family, type, proto;
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		struct raw_pcb *raw; /* ping and raw sockets */
		void *any;
	} pcb;                   /* NULL: not made yet, or lwIP's now */
	bool ping;               /* SOCK_DGRAM + IPPROTO_ICMP(V6): echo requests */
	bool raw;                /* SOCK_RAW + IPPROTO_ICMP(V6): all of ICMP */
	uint32_t icmp_filter;    /* raw IPv4: ICMP_FILTER, the types (< 32) to drop */
	uint32_t icmp6_filter[8]; /* raw IPv6: ICMP6_FILTER, a set bit blocks the type */
	int chksum;              /* raw IPv6: IPV6_CHECKSUM's offset, -1: none */
	bool recvttl, recvhoplimit, recv2292hoplimit; /* control messages asked for */
	uint16_t ident;          /* ping: the echo identifier (its "port"); 0: none yet */
	struct inet_sock *ping_next; /* ping sockets with a pcb (ping_socks) */
	enum inet_state state;
	bool connect_pending;    /* a connect() result not yet reported to connect() */
	bool eof;                /* FIN received */
	bool shut_rd, shut_wr;   /* shutdown(); shut_wr: FIN queued */
	bool fin_pending;        /* shut_wr, but lwIP had no room for the FIN yet */
	int err;                 /* pending error (positive errno), for SO_ERROR */
	struct inet_rx *rx_head, *rx_tail;
	size_t rx_bytes;         /* unread bytes (TCP) or datagram bytes (UDP) */
	/* a listener's connections not yet accepted */
	struct inet_sock *acc_head, *acc_tail, *acc_next;
	int acc_count, backlog;
	/* options, applied to the pcb when it is made */
	bool v6only, reuseaddr, reuseport, keepalive, nodelay, broadcast;
	struct linger_k linger;
	int keepidle, keepintvl, keepcnt; /* seconds / probes; 0: lwIP's default */
	int rcvbuf, sndbuf;      /* as getsockopt reports them (doubled, as Linux); 0: unset */
	int ttl, tos;            /* 0: unset */
	uint16_t lso_mss;        /* large send: the MSS on the wire (lwIP's pcb->mss is
				  * a large segment's); 0: not in use */
	/* addresses, kept for getsockname/getpeername once the pcb is gone */
	struct inet_ep local, peer;
	bool has_peer;
};

static const struct sock_ops inet_ops, inet6_ops;

/* ---- small helpers ---- */

static void is_wake(struct inet_sock *is, unsigned ev)
{
	if (is->s)
		waitq_wake_all(&is->s->vnode->poll_wq, ev);
}

static int lwip_errno(err_t e)
{
	switch (e) {
	case ERR_OK: return 0;
	case ERR_MEM: case ERR_BUF: return ENOBUFS;
	case ERR_TIMEOUT: return ETIMEDOUT;
	case ERR_RTE: return ENETUNREACH;
	case ERR_INPROGRESS: return EINPROGRESS;
	case ERR_VAL: case ERR_ARG: return EINVAL;
	case ERR_WOULDBLOCK: return EAGAIN;
	case ERR_USE: return EADDRINUSE;
	case ERR_ALREADY: return EALREADY;
	case ERR_ISCONN: return EISCONN;
	case ERR_CONN: return ENOTCONN;
	case ERR_IF: return ENETDOWN;
	case ERR_ABRT: return ECONNABORTED;
	case ERR_RST: return ECONNRESET;
	case ERR_CLSD: return ENOTCONN;
	default: return EIO;
	}
}

/* An address this host has (bind's EADDRNOTAVAIL check). */
static bool addr_is_local(const ip_addr_t *ip)
{
	struct netif *n;
	if (ip_addr_isany(ip) || ip_addr_ismulticast(ip))
		return true;
	if (IP_IS_V4(ip)) {
		if (ip4_addr_isloopback(ip_2_ip4(ip)) ||
		    ip4_addr_cmp(ip_2_ip4(ip), IP4_ADDR_BROADCAST))
			return true;
		NETIF_FOREACH(n)
			if (ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(n)))
				return true;
		return false;
	}
	NETIF_FOREACH(n)
		if (netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0)
			return true;
	return false;
}

/* The pcb's address type: AF_INET6 sockets take IPv4 too unless V6ONLY. */
static u8_t pcb_type(struct inet_sock *is)
{
	if (is->family == AF_INET_K)
		return IPADDR_TYPE_V4;
	return is->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
}

/* Bytes the caller's iovecs have room for / hold after m->iov_off. */
static size_t msg_left(const struct sock_msg *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->iovlen; i++)
		n += m->iov[i].iov_len;
	return n > m->iov_off ? n - m->iov_off : 0;
}

/* The next piece of the caller's buffer after m->iov_off: its length (0: none). */
static size_t msg_piece(const struct sock_msg *m, char **p)
{
	size_t off = m->iov_off;
	for (size_t i = 0; i < m->iovlen; i++) {
		if (off < m->iov[i].iov_len) {
			*p = (char *)m->iov[i].iov_base + off;
			return m->iov[i].iov_len - off;
		}
		off -= m->iov[i].iov_len;
	}
	return 0;
}

/* Copy up to n bytes from src into the caller's iovecs; returns how many. */
static size_t msg_put(struct sock_msg *m, const void *src, size_t n)
{
	size_t done = 0;
	while (done < n) {
		char *p;
		size_t room = msg_piece(m, &p);
		if (!room)
			break;
		size_t k = MIN(room, n - done);
		memcpy(p, (const char *)src + done, k);
		done += k;
		m->iov_off += k;
	}
	return done;
}

/* Copy n bytes of the caller's data into dst. */
static size_t msg_get(struct sock_msg *m, void *dst, size_t n)
{
	size_t done = 0;
	while (done < n) {
		char *p;
		size_t have = msg_piece(m, &p);
		if (!have)
			break;
		size_t k = MIN(have, n - done);
		memcpy((char *)dst + done, p, k);
		done += k;
		m->iov_off += k;
	}
	return done;
}

/* A datagram's pbuf (len < 64 KiB, checked by the caller) holding the
 * caller's next len bytes; NULL when out of memory (net_lock held). */
static struct pbuf *pbuf_from_msg(struct sock_msg *m, pbuf_layer layer, size_t len)
{
	struct pbuf *p = pbuf_alloc(layer, (u16_t)len, PBUF_RAM);
	if (p)
		msg_get(m, p->payload, len);
	return p;
}

/* Send p (len bytes of the caller's) on a raw pcb and let go of it. */
static ssize_t raw_send_pbuf(struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *ip, size_t len)
{
	err_t e = raw_sendto(pcb, p, ip);
	pbuf_free(p);
	return e == ERR_OK ? (ssize_t)len : -lwip_errno(e);
}

static void rx_free_all(struct inet_sock *is)
{
	while (is->rx_head) {
		struct inet_rx *r = is->rx_head;
		is->rx_head = r->next;
		pbuf_free(r->p);
		kfree(r);
	}
	is->rx_tail = NULL;
	is->rx_bytes = 0;
}

static bool rx_append(struct inet_sock *is, struct pbuf *p, const struct inet_ep *from)
{
	struct inet_rx *r = kmalloc(sizeof(*r));
	if (!r)
		return false;
	r->next = NULL;
	r->p = p;
	r->off = 0;
	if (from)
		r->from = *from;
	if (is->rx_tail)
		is->rx_tail->next = r;
	else
		is->rx_head = r;
	is->rx_tail = r;
	is->rx_bytes += p->tot_len;
	return true;
}

/* Give window back to the peer for n bytes read (tcp_recved takes u16s). */
static void tcp_give_window(struct inet_sock *is, size_t n)
{
	if (!is->pcb.tcp)
		return;
	while (n) {
		u16_t k = (u16_t)MIN(n, (size_t)0xffff);
		tcp_recved(is->pcb.tcp, k);
		n -= k;
	}
}

/* ---- TCP callbacks (net_lock held) ---- */

static void tcp_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, NULL);
		return;
	}
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

static void cache_addrs(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->pcb.tcp;
	net_ep_from_ip(&pcb->local_ip, pcb->local_port, &is->local);
	if (pcb->state != LISTEN && pcb->remote_port) {
		net_ep_from_ip(&pcb->remote_ip, pcb->remote_port, &is->peer);
		is->has_peer = true;
	}
}

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet_sock *is = arg;
	if (!p) {
		is->eof = true;
		if (is->shut_wr && !is->fin_pending) {
			/* Both FINs are through: the pcb goes to TIME_WAIT (or is
			 * finishing a simultaneous close); lwIP frees it without
			 * telling anyone, so let go of it now. */
			cache_addrs(is);
			tcp_detach(pcb);
			is->pcb.tcp = NULL;
		}
		is_wake(is, POLLIN_K | POLLRDHUP_K | (is->shut_wr ? POLLHUP_K : 0));
		return ERR_OK;
	}
	if (is->shut_rd) { /* shutdown(SHUT_RD): dropped, as Linux does */
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	if (!rx_append(is, p, NULL))
		return ERR_MEM; /* lwIP keeps it and offers it again */
	is_wake(is, POLLIN_K);
	return ERR_OK;
}

static bool tcp_writable(struct inet_sock *is, bool for_poll);

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct inet_sock *is = arg;
	if (is->fin_pending && tcp_shutdown(pcb, 0, 1) == ERR_OK)
		is->fin_pending = false;
	if (tcp_writable(is, true))
		is_wake(is, POLLOUT_K);
	return ERR_OK;
}

static void tcp_err_cb(void *arg, err_t err)
{
	struct inet_sock *is = arg;
	if (!is)
		return;
	is->pcb.tcp = NULL; /* lwIP has freed it */
	if (err == ERR_CLSD) {
		/* Our FIN after the peer's was acknowledged: a clean end. */
		is->eof = true;
	} else if (is->state == IS_CONNECTING) {
		is->err = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
		is->state = IS_CLOSED;
	} else {
		is->err = err == ERR_RST ? ECONNRESET : err == ERR_ABRT ? ETIMEDOUT : lwip_errno(err);
		is->state = IS_CLOSED;
	}
	is_wake(is, POLLIN_K | POLLOUT_K | POLLERR_K | POLLHUP_K | POLLRDHUP_K);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *is = arg;
	is->state = IS_CONNECTED;
	is->lso_mss = net_tcp_large_send(pcb);
	cache_addrs(is);
	is_wake(is, POLLOUT_K);
	return ERR_OK;
}

static void tcp_attach(struct inet_sock *is, struct tcp_pcb *pcb)
{
	is->pcb.tcp = pcb;
	tcp_arg(pcb, is);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
}

/* Apply the stored options to the pcb. */
static void tcp_apply_opts(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->pcb.tcp;
	if (!pcb)
		return;
	if (is->reuseaddr || is->reuseport)
		ip_set_option(pcb, SOF_REUSEADDR);
	else
		ip_reset_option(pcb, SOF_REUSEADDR);
	if (pcb->state == LISTEN)
		return; /* a listen pcb has no more options */
	if (is->keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	else
		ip_reset_option(pcb, SOF_KEEPALIVE);
	if (is->keepidle)
		pcb->keep_idle = (u32_t)is->keepidle * 1000;
	if (is->keepintvl)
		pcb->keep_intvl = (u32_t)is->keepintvl * 1000;
	if (is->keepcnt)
		pcb->keep_cnt = (u32_t)is->keepcnt;
	if (is->nodelay)
		tcp_nagle_disable(pcb);
	else
		tcp_nagle_enable(pcb);
	if (is->ttl)
		pcb->ttl = (u8_t)is->ttl;
	if (is->tos)
		pcb->tos = (u8_t)is->tos;
}

static int tcp_make_pcb(struct inet_sock *is)
{
	if (is->pcb.tcp)
		return 0;
	if (is->state == IS_CLOSED)
		return -EINVAL;
	struct tcp_pcb *pcb = tcp_new_ip_type(pcb_type(is));
	if (!pcb)
		return -ENOBUFS;
	tcp_attach(is, pcb);
	tcp_apply_opts(is);
	return 0;
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct inet_sock *ls = arg;
	if (err != ERR_OK || !newpcb || !ls)
		return ERR_VAL;
	struct inet_sock *is = kzalloc(sizeof(*is));
	if (!is)
		return ERR_MEM; /* lwIP resets the connection */
	is->family = ls->family;
	is->type = ls->type;
	is->proto = ls->proto;
	is->state = IS_CONNECTED;
	/* Options a listener's connections inherit, as on Linux. */
	is->v6only = ls->v6only;
	is->keepalive = ls->keepalive;
	is->nodelay = ls->nodelay;
	is->keepidle = ls->keepidle;
	is->keepintvl = ls->keepintvl;
	is->keepcnt = ls->keepcnt;
	is->linger = ls->linger;
	is->rcvbuf = ls->rcvbuf;
	is->sndbuf = ls->sndbuf;
	is->ttl = ls->ttl;
	is->tos = ls->tos;
	tcp_attach(is, newpcb);
	tcp_apply_opts(is);
	is->lso_mss = net_tcp_large_send(newpcb);
	cache_addrs(is);
	tcp_backlog_delayed(newpcb); /* counts against the backlog until accept() */
	if (ls->acc_tail)
		ls->acc_tail->acc_next = is;
	else
		ls->acc_head = is;
	ls->acc_tail = is;
	ls->acc_count++;
	is_wake(ls, POLLIN_K);
	return ERR_OK;
}

/* ---- datagram receive queue (net_lock held, in lwIP's receive callbacks) ---- */

/* Room in the receive queue for a datagram of n bytes? (A full receive
 * buffer drops, as on Linux.) */
static bool dgram_room(struct inet_sock *is, size_t n)
{
	int limit = is->rcvbuf ? is->rcvbuf : INET_UDP_RCVBUF;
	return !is->shut_rd && is->rx_bytes + n <= (size_t)limit;
}

/* Queue the datagram p from 'from' (the TTL or hop limit of the packet lwIP
 * is delivering goes with it); false: not queued, p is still the caller's. */
static bool dgram_queue(struct inet_sock *is, struct pbuf *p, const struct inet_ep *from)
{
	if (!dgram_room(is, p->tot_len) || !rx_append(is, p, from))
		return false;
	is->rx_tail->ttl = ip_current_is_v6() ? IP6H_HOPLIM(ip6_current_header())
					      : IPH_TTL(ip4_current_header());
	is_wake(is, POLLIN_K);
	return true;
}

/* Queue a copy of p from byte off on (a raw pcb's callback may not keep a
 * packet it leaves to lwIP and the other pcbs). */
static void dgram_queue_copy(struct inet_sock *is, struct pbuf *p, u16_t off,
			     const struct inet_ep *from)
{
	u16_t n = (u16_t)(p->tot_len - off);
	if (off > p->tot_len || !dgram_room(is, n))
		return;
	struct pbuf *q = pbuf_alloc(PBUF_RAW, n, PBUF_RAM);
	if (!q)
		return;
	if (pbuf_copy_partial(p, q->payload, n, off) != n || !dgram_queue(is, q, from))
		pbuf_free(q);
}

/* ---- UDP callback (net_lock held) ---- */

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			u16_t port)
{
	struct inet_sock *is = arg;
	struct inet_ep from;
	net_ep_from_ip(addr, port, &from);
	if (!dgram_queue(is, p, &from))
		pbuf_free(p);
}

static int udp_make_pcb(struct inet_sock *is)
{
	if (is->pcb.udp)
		return 0;
	struct udp_pcb *pcb = udp_new_ip_type(pcb_type(is));
	if (!pcb)
		return -ENOBUFS;
	udp_recv(pcb, udp_recv_cb, is);
	if (is->reuseaddr || is->reuseport)
		ip_set_option(pcb, SOF_REUSEADDR);
	if (is->broadcast)
		ip_set_option(pcb, SOF_BROADCAST);
	if (is->ttl)
		pcb->ttl = (u8_t)is->ttl;
	if (is->tos)
		pcb->tos = (u8_t)is->tos;
	is->pcb.udp = pcb;
	return 0;
}

/* ---- ping sockets (SOCK_DGRAM, IPPROTO_ICMP / IPPROTO_ICMPV6) ----
 *
 * As Linux's: the caller sends an echo request (an ICMP header and data),
 * the kernel puts the socket's identifier in it and computes the checksum;
 * the socket receives the echo replies that carry its identifier, ICMP
 * header first (no IP header). The identifier is the socket's "port". */

static uint16_t ping_next_ident;     /* net_lock */
static struct inet_sock *ping_socks; /* net_lock */

static bool ident_in_use(uint16_t id)
{
	for (struct inet_sock *o = ping_socks; o; o = o->ping_next)
		if (o->ident == id)
			return true;
	return false;
}

static uint16_t ping_alloc_ident(void)
{
	if (!ping_next_ident)
		ping_next_ident = (uint16_t)(net_rand32() | 1);
	for (int i = 0; i < 65536; i++) {
		uint16_t id = ping_next_ident++;
		if (id && !ident_in_use(id))
			return id;
	}
	return 0;
}

/* An echo reply with our identifier is copied, not eaten: raw sockets
 * (whose pcbs may come later in lwIP's list) see it too, and lwIP then
 * drops it. */
static u8_t ping_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct inet_sock *is = arg;
	u16_t hlen = ip_current_header_tot_len();
	u8_t hdr[8];
	if (!is || pbuf_copy_partial(p, hdr, sizeof(hdr), hlen) != sizeof(hdr))
		return 0;
	u8_t reply = IP_IS_V6(addr) ? ICMP6_TYPE_EREP : ICMP_ER;
	if (hdr[0] != reply || (u16_t)(hdr[4] << 8 | hdr[5]) != is->ident)
		return 0; /* not ours: lwIP goes on with it (answers requests) */
	struct inet_ep from;
	net_ep_from_ip(addr, 0, &from);
	dgram_queue_copy(is, p, hlen, &from);
	return 0;
}

static int ping_make_pcb(struct inet_sock *is)
{
	if (is->pcb.raw)
		return 0;
	u8_t proto = is->family == AF_INET_K ? IP_PROTO_ICMP : IP6_NEXTH_ICMP6;
	struct raw_pcb *pcb = raw_new_ip_type(is->family == AF_INET_K ? IPADDR_TYPE_V4
					      : IPADDR_TYPE_V6, proto);
	if (!pcb)
		return -ENOBUFS;
	if (!is->ident && !(is->ident = ping_alloc_ident())) {
		raw_remove(pcb);
		return -EAGAIN; /* every identifier taken, as Linux says */
	}
	if (is->family == AF_INET6_K) {
		pcb->chksum_reqd = 1; /* lwIP sums ICMPv6 with its pseudo-header */
		pcb->chksum_offset = 2;
	}
	if (is->ttl)
		pcb->ttl = (u8_t)is->ttl;
	raw_recv(pcb, ping_recv_cb, is);
	is->pcb.raw = pcb;
	is->ping_next = ping_socks;
	ping_socks = is;
	is->local.port = lwip_htons(is->ident);
	return 0;
}

static ssize_t ping_sendmsg(struct inet_sock *is, struct sock_msg *m, int flags)
{
	struct inet_ep ep;
	ip_addr_t ip;
	ssize_t r;
	size_t len = msg_left(m);
	if (m->addr) {
		r = inet_ep_from_sockaddr(is->family, m->addr, m->addrlen, false, &ep);
		if (r < 0)
			return r;
		if (ep.v == 4 && is->family == AF_INET6_K)
			return -EINVAL;
		net_ip_from_ep(&ep, &ip);
	}
	if (len < 8 || len > 0xffff - 60)
		return len < 8 ? -EINVAL : -EMSGSIZE;
	net_lock();
	if (!m->addr) {
		if (!is->has_peer) {
			r = -EDESTADDRREQ;
			goto out;
		}
		net_ip_from_ep(&is->peer, &ip);
	}
	if ((r = ping_make_pcb(is)) < 0)
		goto out;
	struct pbuf *p = pbuf_from_msg(m, PBUF_IP, len);
	if (!p) {
		r = -ENOBUFS;
		goto out;
	}
	u8_t *h = p->payload;
	u8_t request = is->family == AF_INET_K ? ICMP_ECHO : ICMP6_TYPE_EREQ;
	if (h[0] != request || h[1] != 0) {
		pbuf_free(p);
		r = -EINVAL; /* only echo requests, as Linux */
		goto out;
	}
	h[4] = (u8_t)(is->ident >> 8);
	h[5] = (u8_t)is->ident;
	h[2] = h[3] = 0;
	if (is->family == AF_INET_K) {
		u16_t sum = inet_chksum(h, (u16_t)len);
		memcpy(h + 2, &sum, 2);
	}
	r = raw_send_pbuf(is->pcb.raw, p, &ip, len);
out:
	net_unlock();
	return r;
}

/* ---- raw sockets (SOCK_RAW, IPPROTO_ICMP / IPPROTO_ICMPV6) ----
 *
 * As Linux's, for root: each has an lwIP raw pcb from socket() on, and
 * receives every ICMP (ICMPv6) packet that reaches this host, on any
 * interface, copied: IPv4 with its IP header, ICMPv6 without. Its callback
 * never eats a packet, so lwIP still answers echo requests and the other
 * sockets get theirs. bind() and connect() filter by destination and
 * source (lwIP's raw_input does), ICMP_FILTER / ICMP6_FILTER by type. A
 * send gives the ICMP message without an IP header: IPv4 goes as given,
 * checksum included; ICMPv6 gets its checksum computed at IPV6_CHECKSUM's
 * offset (2, always on for ICMPv6 as on Linux). */

static int send_refused(struct inet_sock *is);

static u8_t raw_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct inet_sock *is = arg;
	u16_t hlen = ip_current_header_tot_len();
	u8_t type;
	if (!is || pbuf_copy_partial(p, &type, 1, hlen) != 1)
		return 0; /* no ICMP type: Linux's filters drop it too */
	if (is->family == AF_INET_K ? type < 32 && (is->icmp_filter >> type & 1)
				    : is->icmp6_filter[type >> 5] >> (type & 31) & 1)
		return 0;
	struct inet_ep from;
	net_ep_from_ip(addr, 0, &from);
	dgram_queue_copy(is, p, is->family == AF_INET_K ? 0 : hlen, &from);
	return 0;
}

static int raw_make_pcb(struct inet_sock *is)
{
	bool v4 = is->family == AF_INET_K;
	struct raw_pcb *pcb = raw_new_ip_type(v4 ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6,
					      v4 ? IP_PROTO_ICMP : IP6_NEXTH_ICMP6);
	if (!pcb)
		return -ENOBUFS;
	is->chksum = v4 ? -1 : 2;
	raw_recv(pcb, raw_recv_cb, is);
	is->pcb.raw = pcb;
	return 0;
}

/* The destination of a raw send: Linux takes AF_UNSPEC as the socket's family. */
static int raw_dest(struct inet_sock *is, const struct sock_msg *m, struct inet_ep *ep)
{
	struct sockaddr_storage_k a;
	const struct sockaddr_storage_k *sa = m->addr;
	if (m->addrlen >= sizeof(uint16_t) && sa->ss_family == AF_UNSPEC_K) {
		a = *sa;
		a.ss_family = (uint16_t)is->family;
		sa = &a;
	}
	int r = inet_ep_from_sockaddr(is->family, sa, m->addrlen, false, ep);
	if (r < 0)
		return r;
	return ep->v == 4 && is->family == AF_INET6_K ? -EINVAL : 0;
}

static ssize_t raw_sendmsg(struct inet_sock *is, struct sock_msg *m, int flags)
{
	bool v4 = is->family == AF_INET_K;
	struct inet_ep ep;
	ip_addr_t ip;
	ssize_t r;
	size_t len = msg_left(m);
	/* Linux's order of checks */
	if (len > 0xffff)
		return -EMSGSIZE;
	if (flags & MSG_OOB_K)
		return -EOPNOTSUPP;
	if (m->addr && (r = raw_dest(is, m, &ep)) < 0)
		return r;
	net_lock();
	struct raw_pcb *pcb = is->pcb.raw;
	if ((r = send_refused(is)) < 0)
		goto out;
	if (!m->addr) {
		if (!is->has_peer) {
			r = -EDESTADDRREQ;
			goto out;
		}
		ep = is->peer;
	}
	net_ip_from_ep(&ep, &ip);
	struct netif *nif = ip_route(&pcb->local_ip, &ip);
	if (!nif) {
		r = -ENETUNREACH;
		goto out;
	}
	if (v4 && !is->broadcast && (ip4_addr_get_u32(ip_2_ip4(&ip)) == IPADDR_BROADCAST ||
				     ip4_addr_isbroadcast(ip_2_ip4(&ip), nif))) {
		r = -EACCES;
		goto out;
	}
	if (len < 2) {
		r = -EFAULT; /* Linux reads the ICMP type and code first */
		goto out;
	}
	if (len > (v4 ? 0xffff - 20 : 0xffff - 40)) {
		r = -EMSGSIZE; /* lwIP keeps the length, header included, in 16 bits */
		goto out;
	}
	if (!v4 && is->chksum >= 0 && len < (size_t)is->chksum + 2) {
		r = -EINVAL; /* no room for the checksum */
		goto out;
	}
	struct pbuf *p = pbuf_from_msg(m, PBUF_IP, len);
	if (!p) {
		r = -ENOBUFS;
		goto out;
	}
	if (!v4) {
		/* lwIP sums with the field as it is: Linux ignores what the caller put there */
		pcb->chksum_reqd = is->chksum >= 0;
		if (pcb->chksum_reqd) {
			pcb->chksum_offset = (u16_t)is->chksum;
			memset((u8_t *)p->payload + is->chksum, 0, 2);
		}
	}
	r = raw_send_pbuf(pcb, p, &ip, len);
out:
	net_unlock();
	return r;
}

/* bind: only packets to that address (Linux: any number of times until connected). */
static int raw_bind_ep(struct inet_sock *is, const struct inet_ep *ep)
{
	ip_addr_t ip;
	if (ep->v == 4 && is->family == AF_INET6_K)
		return -EADDRNOTAVAIL; /* a v4-mapped address */
	net_ip_from_ep(ep, &ip);
	int r = 0;
	net_lock();
	if (is->has_peer)
		r = -EINVAL;
	else if (!addr_is_local(&ip))
		r = -EADDRNOTAVAIL;
	else if ((r = -lwip_errno(raw_bind(is->pcb.raw, &ip))) == 0)
		net_ep_from_ip(&is->pcb.raw->local_ip, (u16_t)is->proto, &is->local);
	net_unlock();
	return r;
}

/* connect: a default destination, and only packets from it; r == 1: AF_UNSPEC. */
static int raw_connect_ep(struct inet_sock *is, const struct inet_ep *ep, int r)
{
	ip_addr_t ip;
	if (r == 1) {
		raw_disconnect(is->pcb.raw);
		is->has_peer = false;
		is->state = IS_NEW;
		return 0;
	}
	if (ep->v == 4 && is->family == AF_INET6_K)
		return -EINVAL;
	net_ip_from_ep(ep, &ip);
	if (!ip_route(&is->pcb.raw->local_ip, &ip))
		return -ENETUNREACH;
	if ((r = -lwip_errno(raw_connect(is->pcb.raw, &ip))) == 0) {
		is->peer = *ep; /* the port as given, which getpeername reports (Linux) */
		is->has_peer = true;
		is->state = IS_CONNECTED;
	}
	return r;
}

/* SOL_RAW and IPPROTO_ICMPV6 options (net_lock held). */
static int raw_setsockopt(struct inet_sock *is, int level, int name, const void *val,
			  uint32_t len)
{
	bool v4 = is->family == AF_INET_K;
	if (!is->raw)
		return -ENOPROTOOPT;
	if (level == SOL_RAW_K && name == ICMP_FILTER_K && v4) {
		/* Linux copies what it is given, up to the 4 bytes */
		memcpy(&is->icmp_filter, val, MIN(len, (uint32_t)sizeof(is->icmp_filter)));
		return 0;
	}
	if (level == IPPROTO_ICMPV6_K && name == ICMP6_FILTER_K && !v4) {
		memcpy(is->icmp6_filter, val, MIN(len, (uint32_t)sizeof(is->icmp6_filter)));
		return 0;
	}
	if (level == SOL_RAW_K && name == IPV6_CHECKSUM_K && !v4) {
		int v;
		if (inet_opt_int(val, len, &v) < 0 || (v > 0 && (v & 1)))
			return -EINVAL; /* an odd offset: Linux refuses it */
		is->chksum = v < 0 ? -1 : MIN(v, 0xfffe);
		return 0;
	}
	return -ENOPROTOOPT;
}

static int raw_getsockopt(struct inet_sock *is, int level, int name, void *val, uint32_t *len)
{
	bool v4 = is->family == AF_INET_K;
	const void *src;
	uint32_t n;
	if (!is->raw)
		return -ENOPROTOOPT;
	if (level == SOL_RAW_K && name == ICMP_FILTER_K && v4) {
		src = &is->icmp_filter;
		n = sizeof(is->icmp_filter);
	} else if (level == IPPROTO_ICMPV6_K && name == ICMP6_FILTER_K && !v4) {
		src = is->icmp6_filter;
		n = sizeof(is->icmp6_filter);
	} else if (level == SOL_RAW_K && name == IPV6_CHECKSUM_K && !v4) {
		return inet_opt_put_int(val, len, is->chksum);
	} else {
		return -ENOPROTOOPT;
	}
	*len = MIN(*len, n);
	memcpy(val, src, *len);
	return 0;
}

/* ---- socket operations ---- */

static struct inet_sock *isk(struct socket *s)
{
	return s->priv;
}

static int inet_create(struct socket *s)
{
	int proto = s->protocol;
	if (s->type == SOCK_STREAM_K) {
		if (proto && proto != IPPROTO_TCP_K)
			return -EPROTONOSUPPORT;
		proto = IPPROTO_TCP_K;
	} else if (s->type == SOCK_DGRAM_K) {
		int icmp = s->family == AF_INET_K ? IPPROTO_ICMP_K : IPPROTO_ICMPV6_K;
		if (proto && proto != IPPROTO_UDP_K && proto != icmp)
			return -EPROTONOSUPPORT;
		if (!proto)
			proto = IPPROTO_UDP_K;
	} else if (s->type == SOCK_RAW_K) {
		/* ICMP only (Linux, for root, takes any protocol but 0) */
		if (proto != (s->family == AF_INET_K ? IPPROTO_ICMP_K : IPPROTO_ICMPV6_K))
			return -EPROTONOSUPPORT;
	} else {
		return -ESOCKTNOSUPPORT;
	}
	net_start();
	struct inet_sock *is = kzalloc(sizeof(*is));
	if (!is)
		return -ENOMEM;
	is->s = s;
	is->family = s->family;
	is->type = s->type;
	is->proto = s->protocol = proto;
	is->raw = s->type == SOCK_RAW_K;
	is->ping = !is->raw && (proto == IPPROTO_ICMP_K || proto == IPPROTO_ICMPV6_K);
	is->local.v = s->family == AF_INET_K ? 4 : 6;
	if (is->raw) {
		/* receiving from now on, bound or not; its "port" is the protocol (Linux) */
		is->local.port = lwip_htons((u16_t)proto);
		net_lock();
		int r = raw_make_pcb(is);
		net_unlock();
		if (r < 0) {
			kfree(is);
			return r;
		}
	}
	s->priv = is;
	return 0;
}

static void inet_free(struct inet_sock *is)
{
	rx_free_all(is);
	kfree(is);
}

/* SO_LINGER with a time: wait (without the lock) until the peer has
 * everything we sent, FIN included, or the time is up, or the pcb is gone. */
static void linger_wait(struct inet_sock *is)
{
	uint64_t deadline = clock_ns() + (uint64_t)is->linger.l_linger * 1000000000ULL;
	if (!is->shut_wr) {
		is->shut_wr = true;
		if (tcp_shutdown(is->pcb.tcp, 0, 1) != ERR_OK)
			is->fin_pending = true;
	}
	while (is->pcb.tcp && (is->pcb.tcp->unsent || is->pcb.tcp->unacked || is->fin_pending) &&
	       clock_ns() < deadline) {
		net_unlock();
		sched_sleep_until(MIN(clock_ns() + 5000000, deadline));
		net_lock();
	}
}

static void inet_release(struct socket *s)
{
	struct inet_sock *is = isk(s);
	if (!is)
		return;
	net_lock();
	if (is->type == SOCK_STREAM_K && is->state == IS_LISTEN) {
		if (is->pcb.tcp) {
			tcp_detach(is->pcb.tcp);
			tcp_close(is->pcb.tcp); /* never fails for a listen pcb */
		}
		while (is->acc_head) {
			struct inet_sock *c = is->acc_head;
			is->acc_head = c->acc_next;
			if (c->pcb.tcp) {
				tcp_detach(c->pcb.tcp);
				tcp_abort(c->pcb.tcp);
			}
			inet_free(c);
		}
	} else if (is->type == SOCK_STREAM_K && is->pcb.tcp) {
		bool reset = (is->linger.l_onoff && is->linger.l_linger == 0) || is->rx_bytes;
		if (!reset && is->linger.l_onoff && is->state == IS_CONNECTED)
			linger_wait(is);
		struct tcp_pcb *pcb = is->pcb.tcp;
		if (pcb) {
			tcp_detach(pcb);
			if (reset || tcp_close(pcb) != ERR_OK)
				tcp_abort(pcb);
		}
	} else if ((is->ping || is->raw) && is->pcb.raw) {
		raw_remove(is->pcb.raw);
		for (struct inet_sock **pp = &ping_socks; is->ping && *pp; pp = &(*pp)->ping_next)
			if (*pp == is) {
				*pp = is->ping_next;
				break;
			}
	} else if (is->type == SOCK_DGRAM_K && is->pcb.udp) {
		udp_remove(is->pcb.udp);
	}
	is->pcb.any = NULL;
	s->priv = NULL;
	inet_free(is);
	net_unlock();
}

/* The lwIP address for an endpoint given to this socket, checked against
 * V6ONLY: 0, or -err (einval_v4: the error for an IPv4 address on a V6ONLY
 * socket). */
static int ep_to_ip_checked(struct inet_sock *is, const struct inet_ep *ep, ip_addr_t *ip,
			    int v4_err)
{
	if (is->family == AF_INET6_K && ep->v == 4 && is->v6only)
		return v4_err;
	if (is->family == AF_INET6_K && ep->v == 6 && !is->v6only && inet_ep_is_any(ep)) {
		ip_addr_copy(*ip, *IP_ANY_TYPE); /* "::" takes IPv4 as well */
		return 0;
	}
	net_ip_from_ep(ep, ip);
	return 0;
}

static int inet_bind(struct socket *s, const struct sockaddr_storage_k *a, uint32_t len)
{
	struct inet_sock *is = isk(s);
	struct inet_ep ep;
	int r = inet_ep_from_sockaddr(is->family, a, len, false, &ep);
	if (r < 0)
		return r;
	if (is->raw)
		return raw_bind_ep(is, &ep);
	ip_addr_t ip;
	if ((r = ep_to_ip_checked(is, &ep, &ip, -EINVAL)) < 0)
		return r;
	net_lock();
	err_t e;
	if (!addr_is_local(&ip)) {
		r = -EADDRNOTAVAIL;
	} else if (is->type == SOCK_STREAM_K) {
		if (is->state != IS_NEW || (is->pcb.tcp && is->pcb.tcp->local_port))
			r = -EINVAL; /* already bound */
		else if ((r = tcp_make_pcb(is)) == 0) {
			e = tcp_bind(is->pcb.tcp, &ip, lwip_ntohs(ep.port));
			r = -lwip_errno(e);
			if (!r)
				cache_addrs(is);
		}
	} else if (is->ping) {
		if (is->pcb.raw && !ip_addr_isany(&is->pcb.raw->local_ip))
			r = -EINVAL;
		else if (ep.port && !is->pcb.raw && ident_in_use(lwip_ntohs(ep.port)))
			r = -EADDRINUSE;
		else {
			if (ep.port && !is->pcb.raw)
				is->ident = lwip_ntohs(ep.port);
			if ((r = ping_make_pcb(is)) == 0 &&
			    (r = -lwip_errno(raw_bind(is->pcb.raw, &ip))) == 0) {
				net_ep_from_ip(&is->pcb.raw->local_ip, is->ident, &is->local);
			}
		}
	} else {
		if (is->pcb.udp && is->pcb.udp->local_port)
			r = -EINVAL;
		else if ((r = udp_make_pcb(is)) == 0) {
			e = udp_bind(is->pcb.udp, &ip, lwip_ntohs(ep.port));
			r = -lwip_errno(e);
			if (!r)
				net_ep_from_ip(&is->pcb.udp->local_ip, is->pcb.udp->local_port,
						&is->local);
		}
	}
	net_unlock();
	return r;
}

static int inet_listen(struct socket *s, int backlog)
{
	struct inet_sock *is = isk(s);
	if (is->type != SOCK_STREAM_K)
		return -EOPNOTSUPP;
	/* Linux queues backlog + 1 connections; lwIP's count is a u8_t. */
	int bl = backlog < 0 ? 0 : backlog;
	bl = MIN(bl, SOMAXCONN_K) + 1;
	u8_t lbl = (u8_t)MIN(bl, 255);
	int r = 0;
	net_lock();
	if (is->state == IS_LISTEN) {
		is->backlog = bl;
		if (is->pcb.tcp)
			tcp_backlog_set(is->pcb.tcp, lbl);
		goto out;
	}
	if (is->state != IS_NEW) {
		r = -EINVAL;
		goto out;
	}
	if ((r = tcp_make_pcb(is)) < 0)
		goto out;
	if (!is->pcb.tcp->local_port) {
		err_t e = tcp_bind(is->pcb.tcp, is->family == AF_INET_K ? IP4_ADDR_ANY :
				   is->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE, 0);
		if (e != ERR_OK) {
			r = -lwip_errno(e);
			goto out;
		}
	}
	err_t e = ERR_OK;
	struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(is->pcb.tcp, lbl, &e);
	if (!lpcb) {
		r = e == ERR_USE ? -EADDRINUSE : -lwip_errno(e);
		goto out;
	}
	/* The old pcb is freed; the listen pcb keeps its arg. */
	is->pcb.tcp = lpcb;
	tcp_arg(lpcb, is);
	tcp_accept(lpcb, tcp_accept_cb);
	is->state = IS_LISTEN;
	is->backlog = bl;
	s->listening = true;
	cache_addrs(is);
out:
	net_unlock();
	return r;
}

static int inet_accept(struct socket *s, struct socket *ns)
{
	struct inet_sock *is = isk(s);
	if (is->type != SOCK_STREAM_K)
		return -EOPNOTSUPP;
	net_lock();
	if (is->state != IS_LISTEN) {
		net_unlock();
		return -EINVAL;
	}
	struct inet_sock *c = is->acc_head;
	if (!c) {
		net_unlock();
		return -EAGAIN;
	}
	is->acc_head = c->acc_next;
	if (!is->acc_head)
		is->acc_tail = NULL;
	is->acc_count--;
	c->acc_next = NULL;
	if (c->pcb.tcp)
		tcp_backlog_accepted(c->pcb.tcp);
	struct inet_sock *fresh = isk(ns);
	c->s = ns;
	ns->priv = c;
	net_unlock();
	if (fresh)
		inet_free(fresh); /* what create() made for ns: never used */
	return 0;
}

/* The pending error, reported once (SO_ERROR, a failed call); net_lock held. */
static int take_err(struct inet_sock *is)
{
	int e = is->err;
	is->err = 0;
	return e;
}

/* A send's first look (net_lock held): a pending error, once, or EPIPE after shutdown. */
static int send_refused(struct inet_sock *is)
{
	if (is->err)
		return -take_err(is);
	return is->shut_wr ? -EPIPE : 0;
}

static int inet_connect(struct socket *s, const struct sockaddr_storage_k *a, uint32_t len)
{
	struct inet_sock *is = isk(s);
	struct inet_ep ep;
	int r = inet_ep_from_sockaddr(is->family, a, len, is->type != SOCK_STREAM_K, &ep);
	if (r < 0)
		return r;
	net_lock();
	if (is->raw) {
		r = raw_connect_ep(is, &ep, r);
		goto out;
	}
	if (is->ping) {
		if (r == 1) {
			if (is->pcb.raw)
				raw_disconnect(is->pcb.raw);
			is->has_peer = false;
			is->state = IS_NEW;
			r = 0;
			goto out;
		}
		ip_addr_t ip;
		if (ep.v == 4 && is->family == AF_INET6_K) {
			r = -EINVAL;
			goto out;
		}
		net_ip_from_ep(&ep, &ip);
		if ((r = ping_make_pcb(is)) < 0)
			goto out;
		r = -lwip_errno(raw_connect(is->pcb.raw, &ip));
		if (!r) {
			is->peer = ep;
			is->peer.port = 0;
			is->has_peer = true;
			is->state = IS_CONNECTED;
		}
		goto out;
	}
	if (is->type == SOCK_DGRAM_K) {
		if (r == 1) { /* AF_UNSPEC: no default peer any more */
			if (is->pcb.udp)
				udp_disconnect(is->pcb.udp);
			is->has_peer = false;
			is->state = IS_NEW;
			r = 0;
			goto out;
		}
		ip_addr_t ip;
		if ((r = ep_to_ip_checked(is, &ep, &ip, -ENETUNREACH)) < 0 ||
		    (r = udp_make_pcb(is)) < 0)
			goto out;
		r = -lwip_errno(udp_connect(is->pcb.udp, &ip, lwip_ntohs(ep.port)));
		if (!r) {
			is->peer = ep;
			is->has_peer = true;
			is->state = IS_CONNECTED;
			net_ep_from_ip(&is->pcb.udp->local_ip, is->pcb.udp->local_port, &is->local);
		}
		goto out;
	}
	switch (is->state) {
	case IS_CONNECTING:
		r = -EALREADY;
		goto out;
	case IS_CONNECTED:
		r = is->connect_pending ? 0 : -EISCONN;
		is->connect_pending = false;
		goto out;
	case IS_CLOSED:
		if (is->connect_pending && is->err) {
			r = -take_err(is);
			is->connect_pending = false;
		} else {
			r = -EINVAL;
		}
		goto out;
	case IS_LISTEN:
		r = -EISCONN;
		goto out;
	case IS_NEW:
		break;
	}
	ip_addr_t ip;
	if ((r = ep_to_ip_checked(is, &ep, &ip, -ENETUNREACH)) < 0 || (r = tcp_make_pcb(is)) < 0)
		goto out;
	err_t e = tcp_connect(is->pcb.tcp, &ip, lwip_ntohs(ep.port), tcp_connected_cb);
	if (e != ERR_OK) {
		r = -lwip_errno(e);
		goto out;
	}
	is->state = IS_CONNECTING;
	is->connect_pending = true;
	is->peer = ep;
	is->has_peer = true;
	r = -EINPROGRESS;
out:
	net_unlock();
	return r;
}

/* Room to send now (bytes), after SO_SNDBUF's limit. */
static size_t tcp_room(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->pcb.tcp;
	if (!pcb || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 2)
		return 0;
	size_t room = pcb->snd_buf;
	if (is->sndbuf) {
		size_t queued = TCP_SND_BUF - pcb->snd_buf;
		room = queued >= (size_t)is->sndbuf ? 0 : MIN(room, is->sndbuf - queued);
	}
	return room;
}

/* for_poll: writable enough to wake a waiting sender (a low-water mark, so
 * a sender is not woken for every acknowledged segment). */
static bool tcp_writable(struct inet_sock *is, bool for_poll)
{
	size_t room = tcp_room(is);
	if (!for_poll)
		return room > 0;
	size_t limit = is->sndbuf ? (size_t)is->sndbuf : TCP_SND_BUF;
	return room >= MIN((size_t)TCP_SNDLOWAT, limit / 2) &&
	       tcp_sndqueuelen(is->pcb.tcp) < TCP_SNDQUEUELOWAT;
}

static ssize_t tcp_sendmsg(struct inet_sock *is, struct sock_msg *m, int flags)
{
	ssize_t r;
	net_lock();
	if ((r = send_refused(is)) < 0)
		goto out;
	switch (is->state) {
	case IS_CONNECTED: break;
	case IS_CONNECTING: r = -EAGAIN; goto out;
	case IS_CLOSED: r = -EPIPE; goto out;
	default: r = -ENOTCONN; goto out;
	}
	if (!is->pcb.tcp) {
		r = -EPIPE;
		goto out;
	}
	size_t room = tcp_room(is), sent = 0;
	while (room) {
		char *p;
		size_t n = msg_piece(m, &p);
		if (!n)
			break;
		n = MIN(MIN(n, room), (size_t)0xffff);
		if (n > is->pcb.tcp->mss)
			n -= n % is->pcb.tcp->mss; /* whole segments */
		bool more = n < msg_left(m) || (flags & MSG_MORE_K);
		err_t e = tcp_write(is->pcb.tcp, p, (u16_t)n,
				    TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0));
		if (e != ERR_OK) {
			if (e != ERR_MEM && !sent) {
				r = -lwip_errno(e);
				goto out;
			}
			break;
		}
		m->iov_off += n;
		sent += n;
		room = tcp_room(is);
	}
	if (sent && !(flags & MSG_MORE_K)) {
		/* Nagle as on Linux, by the MSS on the wire: with large send, one
		 * unsent segment of at least that goes now, not when it fills a
		 * large segment or the peer has acknowledged everything. */
		struct tcp_pcb *pcb = is->pcb.tcp;
		bool lift = is->lso_mss && !tcp_nagle_disabled(pcb) && pcb->unsent &&
			    pcb->unsent->len >= is->lso_mss;
		if (lift)
			tcp_nagle_disable(pcb);
		tcp_output(pcb);
		if (lift)
			tcp_nagle_enable(pcb);
	}
	r = sent ? (ssize_t)sent : -EAGAIN;
out:
	net_unlock();
	return r;
}

static ssize_t tcp_recvmsg(struct inet_sock *is, struct sock_msg *m, int flags)
{
	ssize_t r;
	if (flags & MSG_OOB_K)
		return -EOPNOTSUPP;
	net_lock();
	if (!is->rx_bytes) {
		if (is->err) {
			r = -take_err(is);
		} else if (is->eof || is->shut_rd) {
			r = 0;
		} else if (is->state == IS_CONNECTED || is->state == IS_CONNECTING) {
			r = -EAGAIN;
		} else {
			r = is->state == IS_CLOSED ? 0 : -ENOTCONN;
		}
		goto out;
	}
	size_t copied = 0;
	bool peek = flags & MSG_PEEK_K;
	for (struct inet_rx *rx = is->rx_head; rx && msg_left(m); rx = rx->next) {
		/* Walk the chain from rx->off. */
		size_t skip = rx->off, done = 0;
		for (struct pbuf *q = rx->p; q && msg_left(m); q = q->next) {
			if (skip >= q->len) {
				skip -= q->len;
				continue;
			}
			size_t k = msg_put(m, (char *)q->payload + skip, q->len - skip);
			done += k;
			skip = 0;
			if (!msg_left(m))
				break;
		}
		copied += done;
		if (!peek)
			rx->off = (uint16_t)(rx->off + done);
		if (rx->off < rx->p->tot_len && !peek)
			break; /* the caller's buffer is full */
	}
	if (!peek) {
		while (is->rx_head && is->rx_head->off >= is->rx_head->p->tot_len) {
			struct inet_rx *rx = is->rx_head;
			is->rx_head = rx->next;
			pbuf_free(rx->p);
			kfree(rx);
		}
		if (!is->rx_head)
			is->rx_tail = NULL;
		is->rx_bytes -= copied;
		tcp_give_window(is, copied);
	}
	r = (ssize_t)copied;
out:
	net_unlock();
	return r;
}

/* The largest UDP payload one pbuf chain can carry with its headers. */
static size_t udp_max(const ip_addr_t *dst)
{
	return IP_IS_V6(dst) ? 0xffff - 40 - 8 : 0xffff - 20 - 8;
}

static ssize_t udp_sendmsg(struct inet_sock *is, struct sock_msg *m, int flags)
{
	struct inet_ep ep;
	ip_addr_t ip;
	bool to = m->addr != NULL;
	ssize_t r;
	if (to) {
		r = inet_ep_from_sockaddr(is->family, m->addr, m->addrlen, false, &ep);
		if (r < 0)
			return r;
		if ((r = ep_to_ip_checked(is, &ep, &ip, -ENETUNREACH)) < 0)
			return r;
	}
	net_lock();
	if ((r = send_refused(is)) < 0)
		goto out;
	if (!to) {
		if (!is->has_peer) {
			r = -EDESTADDRREQ;
			goto out;
		}
		ep = is->peer;
		net_ip_from_ep(&ep, &ip);
	}
	if (IP_IS_V4(&ip) && !is->broadcast &&
	    (ip4_addr_get_u32(ip_2_ip4(&ip)) == IPADDR_BROADCAST ||
	     (netif_default && ip4_addr_isbroadcast(ip_2_ip4(&ip), netif_default)))) {
		r = -EACCES;
		goto out;
	}
	size_t len = msg_left(m);
	if (len > udp_max(&ip)) {
		r = -EMSGSIZE;
		goto out;
	}
	if ((r = udp_make_pcb(is)) < 0)
		goto out;
	struct pbuf *p = pbuf_from_msg(m, PBUF_TRANSPORT, len);
	if (!p) {
		r = -ENOBUFS;
		goto out;
	}
	err_t e = udp_sendto(is->pcb.udp, p, &ip, lwip_ntohs(ep.port));
	pbuf_free(p);
	net_ep_from_ip(&is->pcb.udp->local_ip, is->pcb.udp->local_port, &is->local);
	r = e == ERR_OK ? (ssize_t)len : -lwip_errno(e);
out:
	net_unlock();
	return r;
}

/* An int control message into the caller's control buffer, as Linux's
 * put_cmsg: what fits, MSG_CTRUNC when not all of it does. */
static void put_cmsg_int(struct sock_msg *m, int level, int type, int v)
{
	size_t room = m->control ? m->controllen - m->controlused : 0;
	struct cmsghdr_k h = { CMSG_LEN_K(sizeof(int)), level, type };
	if (room < sizeof(h)) {
		m->flags_out |= MSG_CTRUNC_K;
		return;
	}
	char buf[CMSG_SPACE_K(sizeof(int))];
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + CMSG_LEN_K(0), &v, sizeof(v));
	size_t n = MIN(room, (size_t)CMSG_LEN_K(sizeof(int)));
	if (n < CMSG_LEN_K(sizeof(int)))
		m->flags_out |= MSG_CTRUNC_K;
	memcpy((char *)m->control + m->controlused, buf, n);
	m->controlused += MIN(room, sizeof(buf));
}

/* UDP, ping and raw sockets: one datagram per call. */
static ssize_t dgram_recvmsg(struct inet_sock *is, struct sock_msg *m, int flags)
{
	ssize_t r;
	net_lock();
	struct inet_rx *rx = is->rx_head;
	if (!rx) {
		if (is->err) {
			r = -take_err(is);
		} else {
			r = is->shut_rd ? 0 : -EAGAIN;
		}
		goto out;
	}
	size_t n = rx->p->tot_len, copied = 0;
	for (struct pbuf *q = rx->p; q; q = q->next) {
		size_t k = msg_put(m, q->payload, q->len);
		copied += k;
		if (k < q->len)
			break;
	}
	if (copied < n)
		m->flags_out |= MSG_TRUNC_K;
	if (m->addr)
		m->addrlen = inet_ep_to_sockaddr(is->family, &rx->from, m->addr);
	if (rx->from.v == 4 && is->recvttl)
		put_cmsg_int(m, IPPROTO_IP_K, IP_TTL_K, rx->ttl);
	if (rx->from.v == 6 && is->recvhoplimit)
		put_cmsg_int(m, IPPROTO_IPV6_K, IPV6_HOPLIMIT_K, rx->ttl);
	if (rx->from.v == 6 && is->recv2292hoplimit)
		put_cmsg_int(m, IPPROTO_IPV6_K, IPV6_2292HOPLIMIT_K, rx->ttl);
	if (!(flags & MSG_PEEK_K)) {
		is->rx_head = rx->next;
		if (!is->rx_head)
			is->rx_tail = NULL;
		is->rx_bytes -= n;
		pbuf_free(rx->p);
		kfree(rx);
	}
	r = (flags & MSG_TRUNC_K) ? (ssize_t)n : (ssize_t)copied;
out:
	net_unlock();
	return r;
}

static ssize_t inet_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct inet_sock *is = isk(s);
	if (is->raw)
		return raw_sendmsg(is, m, flags);
	if (is->ping)
		return ping_sendmsg(is, m, flags);
	return is->type == SOCK_STREAM_K ? tcp_sendmsg(is, m, flags) : udp_sendmsg(is, m, flags);
}

static ssize_t inet_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	sched_flush_deferred(); /* a receive loop that never sleeps still lets sends go */
	struct inet_sock *is = isk(s);
	m->flags_out = 0;
	if (is->type == SOCK_STREAM_K) {
		if (m->addr) /* TCP reports no source address */
			m->addrlen = 0;
		return tcp_recvmsg(is, m, flags);
	}
	if (is->raw && (flags & MSG_OOB_K))
		return -EOPNOTSUPP;
	return dgram_recvmsg(is, m, flags);
}

static int inet_shutdown(struct socket *s, int how)
{
	struct inet_sock *is = isk(s);
	if (how < SHUT_RD_K || how > SHUT_RDWR_K)
		return -EINVAL;
	int r = 0;
	net_lock();
	if (is->type != SOCK_STREAM_K ? !is->has_peer
				      : is->state != IS_CONNECTED && is->state != IS_LISTEN) {
		r = -ENOTCONN;
		goto out;
	}
	if (is->state == IS_LISTEN)
		goto out;
	if (how != SHUT_WR_K && !is->shut_rd) {
		is->shut_rd = true;
		size_t n = is->type == SOCK_STREAM_K ? is->rx_bytes : 0;
		rx_free_all(is);
		if (is->type == SOCK_STREAM_K)
			tcp_give_window(is, n);
	}
	if (how != SHUT_RD_K && !is->shut_wr) {
		is->shut_wr = true;
		if (is->type == SOCK_STREAM_K && is->pcb.tcp) {
			struct tcp_pcb *pcb = is->pcb.tcp;
			if (tcp_shutdown(pcb, 0, 1) != ERR_OK)
				is->fin_pending = true;
			else if (is->eof && pcb->state == TIME_WAIT) {
				/* (the peer's FIN was in already: nothing more for us) */
				tcp_detach(pcb);
				is->pcb.tcp = NULL;
			}
		}
	}
	is_wake(is, POLLIN_K | POLLOUT_K | POLLRDHUP_K | POLLHUP_K);
out:
	net_unlock();
	return r;
}

static int inet_getname(struct socket *s, struct sockaddr_storage_k *a, uint32_t *len, bool peer)
{
	struct inet_sock *is = isk(s);
	struct inet_ep ep;
	net_lock();
	if (peer) {
		bool ok = is->has_peer && (is->type != SOCK_STREAM_K || is->state == IS_CONNECTED);
		if (!ok) {
			net_unlock();
			return -ENOTCONN;
		}
		ep = is->peer;
	} else if (is->type == SOCK_STREAM_K && is->pcb.tcp) {
		net_ep_from_ip(&is->pcb.tcp->local_ip, is->pcb.tcp->local_port, &ep);
	} else if (is->ping && is->pcb.raw) {
		net_ep_from_ip(&is->pcb.raw->local_ip, is->ident, &ep);
	} else if (is->raw) {
		net_ep_from_ip(&is->pcb.raw->local_ip, (u16_t)is->proto, &ep);
	} else if (is->type == SOCK_DGRAM_K && !is->ping && is->pcb.udp) {
		net_ep_from_ip(&is->pcb.udp->local_ip, is->pcb.udp->local_port, &ep);
	} else {
		ep = is->local;
	}
	net_unlock();
	*len = inet_ep_to_sockaddr(is->family, &ep, a);
	return 0;
}

static int buf_size(int v)
{
	long d = (long)(v < 0 ? 0 : v) * 2; /* Linux doubles what it is given */
	return (int)MAX(MIN(d, (long)INET_BUF_MAX), (long)INET_BUF_MIN);
}

/* IP_TTL / IPV6_UNICAST_HOPS onto a datagram socket's pcb (TCP: tcp_apply_opts). */
static void dgram_apply_ttl(struct inet_sock *is)
{
	u8_t ttl = is->ttl ? (u8_t)is->ttl : IP_DEFAULT_TTL;
	if (is->type == SOCK_STREAM_K || !is->pcb.any)
		return;
	if (is->ping || is->raw)
		is->pcb.raw->ttl = ttl;
	else
		is->pcb.udp->ttl = ttl;
}

static int inet_setsockopt(struct socket *s, int level, int name, const void *val, uint32_t len)
{
	struct inet_sock *is = isk(s);
	int v = 0, r = 0;
	if (level == SOL_RAW_K || level == IPPROTO_ICMPV6_K) { /* options that are not ints */
		net_lock();
		r = raw_setsockopt(is, level, name, val, len);
		net_unlock();
		return r;
	}
	if (!(level == SOL_SOCKET_K && name == SO_LINGER_K) && inet_opt_int(val, len, &v) < 0)
		return -EINVAL;
	net_lock();
	switch (level) {
	case SOL_SOCKET_K:
		switch (name) {
		case SO_REUSEADDR_K: is->reuseaddr = v; break;
		case SO_REUSEPORT_K: is->reuseport = v; break;
		case SO_KEEPALIVE_K: is->keepalive = v; break;
		case SO_BROADCAST_K:
			is->broadcast = v;
			if (is->type == SOCK_DGRAM_K && !is->ping && is->pcb.udp) {
				if (v)
					ip_set_option(is->pcb.udp, SOF_BROADCAST);
				else
					ip_reset_option(is->pcb.udp, SOF_BROADCAST);
			}
			break;
		case SO_LINGER_K:
			if (len < sizeof(struct linger_k)) {
				r = -EINVAL;
				break;
			}
			memcpy(&is->linger, val, sizeof(is->linger));
			if (is->linger.l_linger < 0)
				is->linger.l_linger = 0;
			break;
		case SO_RCVBUF_K: is->rcvbuf = buf_size(v); break;
		case SO_SNDBUF_K: is->sndbuf = buf_size(v); break;
		default: r = -ENOPROTOOPT;
		}
		break;
	case IPPROTO_TCP_K:
		if (is->type != SOCK_STREAM_K) {
			r = -ENOPROTOOPT;
			break;
		}
		switch (name) {
		case TCP_NODELAY_K: is->nodelay = v; break;
		case TCP_KEEPIDLE_K:
		case TCP_KEEPINTVL_K:
			if (v < 1 || v > 32767) {
				r = -EINVAL;
				break;
			}
			*(name == TCP_KEEPIDLE_K ? &is->keepidle : &is->keepintvl) = v;
			break;
		case TCP_KEEPCNT_K:
			if (v < 1 || v > 127)
				r = -EINVAL;
			else
				is->keepcnt = v;
			break;
		default: r = -ENOPROTOOPT;
		}
		break;
	case IPPROTO_IP_K:
		switch (name) {
		case IP_TTL_K:
			if (v == -1)
				v = 0; /* the default */
			if (v < 0 || v > 255)
				r = -EINVAL;
			else
				is->ttl = v;
			break;
		case IP_TOS_K: is->tos = v & 0xff; break;
		case IP_RECVTTL_K: is->recvttl = v; break;
		case IP_HDRINCL_K:
			/* raw sockets here take ICMP without its IP header only */
			if (!is->raw)
				r = -ENOPROTOOPT;
			else if (v)
				r = -EINVAL;
			break;
		default: r = -ENOPROTOOPT;
		}
		break;
	case IPPROTO_IPV6_K:
		if (is->family != AF_INET6_K) {
			r = -ENOPROTOOPT;
			break;
		}
		switch (name) {
		case IPV6_V6ONLY_K:
			if (is->pcb.any) /* bound or connected (raw: always): too late, as on Linux */
				r = -EINVAL;
			else
				is->v6only = v;
			break;
		case IPV6_UNICAST_HOPS_K: /* the same field as IP_TTL: one per lwIP pcb */
			if (v < -1 || v > 255)
				r = -EINVAL;
			else
				is->ttl = v < 0 ? 0 : v;
			break;
		case IPV6_RECVHOPLIMIT_K: is->recvhoplimit = v; break;
		case IPV6_2292HOPLIMIT_K: is->recv2292hoplimit = v; break;
		case IPV6_CHECKSUM_K:
			/* RFC 3542: not at this level for ICMPv6 (SOL_RAW is Linux's way) */
			r = is->raw ? -EINVAL : -ENOPROTOOPT;
			break;
		default: r = -ENOPROTOOPT;
		}
		break;
	default:
		r = -ENOPROTOOPT;
	}
	if (!r && is->type == SOCK_STREAM_K)
		tcp_apply_opts(is);
	else if (!r)
		dgram_apply_ttl(is);
	net_unlock();
	return r;
}

static int inet_getsockopt(struct socket *s, int level, int name, void *val, uint32_t *len)
{
	struct inet_sock *is = isk(s);
	int v = 0, r = 0;
	net_lock();
	if (level == SOL_RAW_K || level == IPPROTO_ICMPV6_K ||
	    (level == IPPROTO_IPV6_K && name == IPV6_CHECKSUM_K && is->raw)) {
		r = raw_getsockopt(is, level == IPPROTO_IPV6_K ? SOL_RAW_K : level, name, val, len);
		net_unlock();
		return r;
	}
	switch (level) {
	case SOL_SOCKET_K:
		switch (name) {
		case SO_REUSEADDR_K: v = is->reuseaddr; break;
		case SO_REUSEPORT_K: v = is->reuseport; break;
		case SO_KEEPALIVE_K: v = is->keepalive; break;
		case SO_BROADCAST_K: v = is->broadcast; break;
		case SO_ERROR_K: v = take_err(is); break;
		case SO_RCVBUF_K:
			v = is->rcvbuf ? is->rcvbuf :
			    is->type == SOCK_STREAM_K ? INET_DEFAULT_RCVBUF : INET_UDP_RCVBUF;
			break;
		case SO_SNDBUF_K: v = is->sndbuf ? is->sndbuf : INET_DEFAULT_SNDBUF; break;
		case SO_LINGER_K: {
			uint32_t n = MIN(*len, (uint32_t)sizeof(is->linger));
			memcpy(val, &is->linger, n);
			*len = n;
			net_unlock();
			return 0;
		}
		default: r = -ENOPROTOOPT;
		}
		break;
	case IPPROTO_TCP_K:
		if (is->type != SOCK_STREAM_K) {
			r = -ENOPROTOOPT;
			break;
		}
		switch (name) {
		case TCP_NODELAY_K: v = is->nodelay; break;
		case TCP_KEEPIDLE_K: v = is->keepidle ? is->keepidle : TCP_KEEPIDLE_DEFAULT / 1000; break;
		case TCP_KEEPINTVL_K: v = is->keepintvl ? is->keepintvl : TCP_KEEPINTVL_DEFAULT / 1000; break;
		case TCP_KEEPCNT_K: v = is->keepcnt ? is->keepcnt : TCP_KEEPCNT_DEFAULT; break;
		case TCP_MAXSEG_K:
			v = !is->pcb.tcp || is->state != IS_CONNECTED ? 536
			    : is->lso_mss ? is->lso_mss : is->pcb.tcp->mss;
			break;
		default: r = -ENOPROTOOPT;
		}
		break;
	case IPPROTO_IP_K:
		switch (name) {
		case IP_TTL_K: v = is->ttl ? is->ttl : IP_DEFAULT_TTL; break;
		case IP_TOS_K: v = is->tos; break;
		case IP_RECVTTL_K: v = is->recvttl; break;
		case IP_HDRINCL_K: v = 0; break;
		default: r = -ENOPROTOOPT;
		}
		break;
	case IPPROTO_IPV6_K:
		if (is->family != AF_INET6_K) {
			r = -ENOPROTOOPT;
			break;
		}
		switch (name) {
		case IPV6_V6ONLY_K: v = is->v6only; break;
		case IPV6_UNICAST_HOPS_K: v = is->ttl ? is->ttl : IP_DEFAULT_TTL; break;
		case IPV6_RECVHOPLIMIT_K: v = is->recvhoplimit; break;
		case IPV6_2292HOPLIMIT_K: v = is->recv2292hoplimit; break;
		default: r = -ENOPROTOOPT;
		}
		break;
	default:
		r = -ENOPROTOOPT;
	}
	net_unlock();
	if (!r)
		r = inet_opt_put_int(val, len, v);
	return r;
}

static unsigned inet_poll(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *is = isk(s);
	if (pt)
		pt->queue(pt, &s->vnode->poll_wq);
	unsigned ev = 0;
	net_lock();
	if (is->type != SOCK_STREAM_K) {
		ev = POLLOUT_K;
		if (is->rx_head || is->shut_rd)
			ev |= POLLIN_K;
	} else {
		switch (is->state) {
		case IS_LISTEN:
			ev = is->acc_head ? POLLIN_K : 0;
			break;
		case IS_NEW:
			ev = POLLOUT_K | POLLHUP_K; /* as Linux reports an unconnected socket */
			break;
		case IS_CONNECTING:
			break;
		case IS_CONNECTED:
			if (is->rx_bytes || is->eof || is->shut_rd)
				ev |= POLLIN_K;
			if (is->eof || is->shut_rd)
				ev |= POLLRDHUP_K;
			if (is->shut_wr || !is->pcb.tcp || tcp_writable(is, true))
				ev |= POLLOUT_K;
			if ((is->eof || is->shut_rd) && is->shut_wr)
				ev |= POLLHUP_K;
			break;
		case IS_CLOSED:
			ev = POLLIN_K | POLLOUT_K | POLLHUP_K | POLLRDHUP_K;
			break;
		}
	}
	if (is->err)
		ev |= POLLERR_K;
	net_unlock();
	return ev;
}

static long inet_ioctl(struct socket *s, unsigned long req, unsigned long arg)
{
	struct inet_sock *is = isk(s);
	int v;
	net_lock();
	if (req == FIONREAD_K) {
		if (is->state == IS_LISTEN) {
			net_unlock();
			return -EINVAL;
		}
		v = is->type != SOCK_STREAM_K ? (is->rx_head ? is->rx_head->p->tot_len : 0)
					     : (int)MIN(is->rx_bytes, (size_t)INT32_MAX);
	} else if (req == TIOCOUTQ_K && is->type == SOCK_STREAM_K) {
		v = is->pcb.tcp ? (int)(TCP_SND_BUF - is->pcb.tcp->snd_buf) : 0;
	} else {
		net_unlock();
		return -ENOTTY;
	}
	net_unlock();
	*(int *)arg = v;
	return 0;
}

#define INET_OPS(name, fam)                                                   \
	static const struct sock_ops name = {                                 \
		.family = fam,                                                \
		.create = inet_create,                                        \
		.release = inet_release,                                      \
		.bind = inet_bind,                                            \
		.connect = inet_connect,                                      \
		.listen = inet_listen,                                        \
		.accept = inet_accept,                                        \
		.sendmsg = inet_sendmsg,                                      \
		.recvmsg = inet_recvmsg,                                      \
		.shutdown = inet_shutdown,                                    \
		.getname = inet_getname,                                      \
		.setsockopt = inet_setsockopt,                                \
		.getsockopt = inet_getsockopt,                                \
		.poll = inet_poll,                                            \
		.ioctl = inet_ioctl,                                          \
		.socketpair = NULL,                                           \
	}
INET_OPS(inet_ops, AF_INET_K);
INET_OPS(inet6_ops, AF_INET6_K);
SOCK_FAMILY(inet_ops);
SOCK_FAMILY(inet6_ops);

const struct sock_ops *inet_family_ops(int family)
{
	return family == AF_INET_K ? &inet_ops : family == AF_INET6_K ? &inet6_ops : NULL;
}
