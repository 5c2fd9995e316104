/*
 * net_hdr.h - the virtio-net header (virtio 1.x spec 5.1.6) and the
 * checksum work around it: pure logic, no kernel state, built for the host
 * and tested there (tests/host/test_net_hdr.c) as well as in the driver
 * (net.c).
 *
 * Transmit with VIRTIO_NET_F_CSUM: lwIP leaves TCP checksums out (the
 * netif's NETIF_CHECKSUM_GEN_TCP is off), and vnet_tx_prepare() fills the
 * header so the device completes them: csum_start/csum_offset name the
 * field, which must hold the folded pseudo-header sum (spec 5.1.6.2, as
 * Linux's CHECKSUM_PARTIAL does). A frame it cannot describe (not TCP,
 * an IPv4 fragment, IPv6 extension headers, truncated headers) gets its
 * TCP checksum, if it has one, computed here in software instead: nothing
 * leaves with a zero checksum.
 *
 * Receive: lwIP does not check TCP checksums on this netif (NET_F_CSUM_RX);
 * vnet_rx_check() does, for a frame the device has not vouched for. With
 * VIRTIO_NET_F_GUEST_CSUM the device marks a frame DATA_VALID (it checked
 * it) or NEEDS_CSUM (it comes from the host's own stack with a partial
 * checksum, which no wire has corrupted; Linux trusts it too): a
 * NEEDS_CSUM frame other than TCP gets its checksum completed here, since
 * lwIP checks UDP (after reassembly), ICMP and IPv4 headers itself.
 *
 * A frame is a list of segments (the buffers of one MRG_RXBUF packet);
 * the headers up to the transport header must be in the first one, which
 * holds 2 KiB.
 */
#ifndef JINY_VIRTIO_NET_HDR_H
#define JINY_VIRTIO_NET_HDR_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Feature bits (spec 5.1.3). */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_CTRL_GUEST_OFFLOADS 2
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN 9
#define VIRTIO_NET_F_GUEST_UFO 10
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_MQ 22

/* Config space (spec 5.1.4). */
#define VIRTIO_NET_CFG_MAC 0
#define VIRTIO_NET_CFG_STATUS 6
#define VIRTIO_NET_CFG_MAX_PAIRS 8
#define VIRTIO_NET_CFG_MTU 10
#define VIRTIO_NET_S_LINK_UP 1

/* The header (little-endian on modern devices; guest order, the same on
 * x86, on legacy ones). num_buffers exists with MRG_RXBUF or VERSION_1:
 * 12 bytes; without either, 10. */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_UDP 3
#define VIRTIO_NET_HDR_GSO_TCPV6 4
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

struct vnet_seg {
	uint8_t *p;
	size_t n;
};

/* The ones' complement sum of n bytes starting at an even offset, added
 * to sum (not folded). */
uint32_t vnet_csum_add(uint32_t sum, const void *p, size_t n);
/* Fold to 16 bits (not inverted). */
uint16_t vnet_csum_fold(uint32_t sum);

/*
 * Fill h (zeroed first) for transmitting the Ethernet frame f of len bytes
 * whose TCP checksum lwIP left out: NEEDS_CSUM with the pseudo-header sum
 * written into the frame, when offload is true (the device has CSUM);
 * otherwise, or when the frame cannot be described, the checksum is
 * computed into the frame here. Returns 1 when the device is asked to
 * complete a checksum, 0 when the frame is complete as it is.
 *
 * Large send (HOST_TSO4/6, which needs CSUM): with gso_mtu not 0, an IP
 * datagram longer than gso_mtu must be one TCP segment for the device to
 * cut into datagrams of gso_mtu: NEEDS_CSUM as above (the pseudo-header
 * sum over the whole length, which the device adjusts per segment, as
 * Linux's GSO does), gso_type TCPV4 or TCPV6, hdr_len the end of the TCP
 * header, gso_size the payload per segment (gso_mtu less the IP and TCP
 * headers); returns 2. A datagram longer than gso_mtu that cannot be so
 * described (not TCP, a fragment, padding after it, no offload, headers
 * that leave no room) returns -1: the caller drops it.
 */
int vnet_tx_prepare(uint8_t *f, size_t len, bool offload, unsigned gso_mtu,
		    struct virtio_net_hdr *h);

/*
 * Check a received frame (segments s[0..n-1], writable) that came with
 * header h: 0 when it may go up, VNET_RX_STACK_CHECK when it may go up
 * but the stack must check its TCP checksum, negative when it must be
 * dropped, saying why (VNET_RX_*). A NEEDS_CSUM frame other than TCP gets its checksum
 * completed in place.
 */
#define VNET_RX_BAD_CSUM (-1)    /* a TCP checksum that does not verify, on a
				  * frame the device did not vouch for */
#define VNET_RX_BAD_HDR (-2)     /* no frame, or IP headers that disagree with
				  * the length */
#define VNET_RX_BAD_OFFLOAD (-3) /* NEEDS_CSUM fields outside the frame */
#define VNET_RX_STACK_CHECK 1    /* may go up, but a TCP checksum in it could not
				  * be checked here (an IPv4 fragment, IPv6
				  * extension headers): the stack must check it */
int vnet_rx_check(struct vnet_seg *s, unsigned n, const struct virtio_net_hdr *h);
/* The reason of a VNET_RX_* value, for a console line. */
const char *vnet_rx_strerror(int r);

#endif
