/*
 * lwipopts.h - Jiny's configuration of lwIP 2.1.3 (compiled into libjiny.a
 * by third_party/lwip/lwip.cmake; the port is arch/cc.h, arch/sys_arch.h,
 * sys_arch.c and net.c beside this file). Every value that differs from
 * lwIP's default (src/include/lwip/opt.h) says why.
 *
 * The shape: NO_SYS=1, one kmutex as the core lock (net_lock, sys_arch.c),
 * the raw/callback API only. net.c's "net" thread runs lwIP's timers and the
 * frames drivers hand in; the socket family (inet.c) calls the raw API from
 * the calling thread with the lock held. sys_arch.h says why not NO_SYS=0.
 */
#ifndef JINY_LWIPOPTS_H
#define JINY_LWIPOPTS_H

#include <stddef.h>
#include <stdint.h>

/* ---- system ---- */
/* No tcpip thread, mailboxes or semaphores: see sys_arch.h. */
#define NO_SYS 1
#define LWIP_TIMERS 1
/* SYS_ARCH_PROTECT guards pbuf reference counts: a driver may drop a
 * reference to a pbuf it transmitted from its own thread (sys_arch.c). */
#define SYS_LIGHTWEIGHT_PROT 1
/* The raw API asserts that the caller holds net_lock (catches a socket or
 * driver path that forgot it, instead of corrupting lwIP's lists). */
struct netif;
void net_assert_locked(void);
#define LWIP_ASSERT_CORE_LOCKED() net_assert_locked()
/* lwIP's randomness (initial local ports, DHCP xids, IPv6 temporary
 * values, ...) and TCP initial sequence numbers come from the kernel's
 * random source (kern/random.h), so ports and ISNs are unpredictable. */
uint32_t net_rand32(void);
#define LWIP_RAND() net_rand32()
struct ip_addr;
uint32_t net_tcp_isn(const struct ip_addr *local_ip, uint16_t local_port,
		     const struct ip_addr *remote_ip, uint16_t remote_port);
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) net_tcp_isn(lip, lport, rip, rport)
/* A SYN flood: lwIP counts half-open connections against the listen
 * backlog and keeps each for 20 s (TCP_SYN_RCVD_TIMEOUT), so 130 spoofed
 * SYNs closed a port for 20 s; it has no SYN cookies. net.c looks at each
 * arriving SYN first and, when its listener's backlog is full, drops the
 * oldest half-open connection to make room (it never eats the packet). */
struct pbuf;
struct netif;
int net_syn_hook4(struct pbuf *p, struct netif *inp);
int net_syn_hook6(struct pbuf *p, struct netif *inp);
#define LWIP_HOOK_IP4_INPUT(p, inp) net_syn_hook4(p, inp)
#define LWIP_HOOK_IP6_INPUT(p, inp) net_syn_hook6(p, inp)
/* Large send (third_party/lwip/patches/0001): a TCP packet longer than the
 * MTU goes to a NIC that cuts segments itself (NET_F_TSO4/6) whole,
 * instead of being fragmented at the IP layer. */
int net_large_send_ok(struct netif *nif, struct pbuf *p);
#define LWIP_HOOK_IP_LARGE_SEND(nif, p) net_large_send_ok(nif, p)

/* ---- memory ---- */
/* The heap (PBUF_RAM payloads: every TCP segment we build, every looped
 * packet) and every memp pool come from kmalloc: no fixed arena sized at
 * build time in every image's .bss, no pool that runs dry under many
 * connections while memory is free (a global TCP_SEG pool exhausted by one
 * busy connection would make every other one's send fail). Limits are
 * per connection instead (TCP_SND_BUF, TCP_WND), and TIME_WAIT is capped
 * by net.c (NET_TIME_WAIT_MAX), since with malloc'd pools lwIP never
 * reclaims TIME_WAIT pcbs by itself. */
void *net_mem_malloc(size_t size);
void *net_mem_calloc(size_t n, size_t size);
void net_mem_free(void *p);
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc net_mem_malloc
#define mem_clib_calloc net_mem_calloc
#define mem_clib_free net_mem_free
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 16 /* kmalloc's alignment; lwIP's default is 1 */
/* Pool buffers (drivers copying frames in): one Ethernet frame each,
 * not TCP_MSS-sized (lwIP's default follows TCP_MSS, 64 KiB here). */
#define PBUF_POOL_BUFSIZE 1600

/* ---- protocols ---- */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1              /* ICMP echo sockets */
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1             /* ip=dhcp, the default with a NIC */
#define LWIP_DNS 1              /* only to keep the servers DHCP offers
				 * (dns_setserver) for /etc/resolv.conf; musl
				 * resolves names itself over UDP sockets */
#define LWIP_IPV6_AUTOCONFIG 1  /* SLAAC addresses on a NIC */
#define LWIP_IPV6_DHCP6 0
#define LWIP_IGMP 1             /* multicast on UDP sockets */
#define LWIP_MULTICAST_TX_OPTIONS 1
#define LWIP_BROADCAST_PING 1
#define LWIP_NETIF_HOSTNAME 1   /* DHCP says who we are */

/* Only the raw/callback API: inet.c is the socket layer (see its top). */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_CALLBACK_API 1

/* ---- netifs ---- */
#define LWIP_HAVE_LOOPIF 1      /* lo: 127.0.0.1/8 and ::1 */
#define LWIP_NETIF_LOOPBACK 1   /* packets to our own address on any netif */
#define LWIP_NETIF_STATUS_CALLBACK 1 /* DHCP bound: rewrite /etc/resolv.conf */
#define LWIP_NETIF_LINK_CALLBACK 1
/* Checksums are generated and checked in software by default, but each
 * netif may turn them off (NETIF_SET_CHECKSUM_CTRL): the loopback needs
 * none, and a NIC with checksum offload (virtio-net CSUM / GUEST_CSUM)
 * declares it through net.h's NET_F_* flags. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1

/* ---- TCP, tuned for throughput ---- */
/* The MSS lwIP may use: nearly 64 KiB on the loopback (whose MTU net.c
 * sets to 65535), so a loopback stream moves 64 KiB per segment, as
 * Linux's lo does; on a NIC lwIP announces MTU - 40
 * (TCP_CALCULATE_EFF_SEND_MSS, default on) and uses it, or a large
 * segment with a NIC that cuts them (net_tcp_large_send). 65408 is the
 * most whose segment pbuf (pbuf 32 + headers 80 + data) and looped copy
 * (32 + 16 + IPv6 60 + data) fit one 64 KiB kmalloc block (16-byte
 * header): one more byte and each takes 128 KiB of pages (kmalloc's pages
 * were zeroed then, and 31% of the loopback's instructions went to that
 * memset; they are not any more, mm/page.c page_alloc_uninit). */
#define TCP_MSS 65408
/* Window scaling, so windows larger than 64 KiB can be announced. */
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 4
/* 512 KiB each way (lwIP: 4 and 2 MSS of 536): a bulk stream needs a
 * window of bandwidth x delay; 512 KiB keeps a 1 Gbit/s stream going over
 * 4 ms. Memory is only used while data is in flight or unread: inet.c
 * gives window back (tcp_recved) as the application reads. */
#define TCP_WND (512 * 1024)
/* Send a window update once the application has read this much. lwIP's
 * default, min(TCP_WND / 4, 4 * TCP_MSS) = 128 KiB here, can never be
 * reached with a peer that does not scale windows (QEMU's slirp, old
 * stacks): such a peer sees at most 64 KiB, and a stream to us stopped
 * at a closed window until the peer's persist timer probed it, ~5 s per
 * 64 KiB (tests/net: the slirp runs). A quarter of 64 KiB, lwIP's value
 * for an unscaled window. */
#define TCP_WND_UPDATE_THRESHOLD (16 * 1024)
#define TCP_SND_BUF (512 * 1024)
/* Segments (pbufs) one connection may queue: TCP_SND_BUF in Ethernet-MSS
 * segments, twice over (each may take two pbufs). */
#define TCP_SND_QUEUELEN (2 * TCP_SND_BUF / 1460)
#define TCP_SNDLOWAT (TCP_SND_BUF / 4)   /* POLLOUT once a quarter is free */
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 4)
/* init.c's TCP checks predate window scaling: one wants TCP_SNDLOWAT
 * "4 * MSS below u16_t overflow", though snd_buf is a u32_t here and only
 * lwIP's own socket layer (not compiled) reads TCP_SNDLOWAT. The others
 * hold: TCP_SND_BUF >= 2 * TCP_MSS, TCP_SND_QUEUELEN >= 2 * TCP_SND_BUF /
 * TCP_MSS, TCP_SNDLOWAT < TCP_SND_BUF, TCP_SNDQUEUELOWAT <
 * TCP_SND_QUEUELEN, TCP_WND >= TCP_MSS (pools are malloc'd). */
#define LWIP_DISABLE_TCP_SANITY_CHECKS 1
/* Preallocate a whole Ethernet MSS for a small write that Nagle will
 * hold, not a whole TCP_MSS (64 KiB per small write on the loopback). */
#define TCP_OVERSIZE 1460
/* listen(fd, backlog) is honoured: lwIP counts connections not yet taken
 * by accept() and drops SYNs beyond the backlog, as Linux does (the
 * client retransmits). lwIP's backlog is a u8_t: 255 at most. */
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 255
/* SO_KEEPALIVE and TCP_KEEPIDLE/KEEPINTVL/KEEPCNT per socket. */
#define LWIP_TCP_KEEPALIVE 1
/* SO_REUSEADDR (and SO_REUSEPORT, the same flag in lwIP); UDP datagrams
 * to a broadcast/multicast address reach every matching socket. */
#define SO_REUSE 1
#define SO_REUSE_RXTOALL 1
/* TIME_WAIT lasts 2 x TCP_MSL: 30 s instead of lwIP's 2 minutes (Linux:
 * 60 s). Together with net.c's cap on TIME_WAIT pcbs this keeps the
 * connection state of one run from piling up into the next (lwIP looks up
 * every segment in a linear list that includes them). */
#define TCP_MSL 15000UL
#define LWIP_TCP_SACK_OUT 1     /* tell a sender which segments arrived */

/* ---- UDP / IP ---- */
#define IP_REASSEMBLY 1
#define IP_FRAG 1
/* IPv6 reassembly keeps a pointer in each fragment's 8-byte header, too
 * small for a 64-bit pointer: copy the header aside instead (lwIP asserts). */
#define IPV6_FRAG_COPYHEADER 1
#define IP_REASS_MAX_PBUFS 64   /* a 64 KiB UDP datagram over a 1500 MTU is 45 fragments */
#define LWIP_ND6_NUM_NEIGHBORS 32
#define ARP_TABLE_SIZE 32

/* ---- statistics and debugging ---- */
#define LWIP_STATS 0            /* no counters on the fast path */
#define LWIP_STATS_DISPLAY 0

#endif
