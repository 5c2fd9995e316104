/*
 * net_hdr.c - checksums around the virtio-net header: what the driver
 * (net.c) asks the device to complete on transmit, and what it checks
 * itself on receive. See net_hdr.h for the policy; pure logic, tested on
 * the host (tests/host/test_net_hdr.c).
 *
 * Sums are of big-endian 16-bit words (RFC 1071), so a folded sum is
 * stored high byte first.
 */
#include "drivers/virtio/net_hdr.h"
#include <string.h>

#define ETH_HLEN 14
#define ETHTYPE_IP 0x0800
#define ETHTYPE_IPV6 0x86dd
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_NONE 59 /* IPv6: no next header */
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

uint32_t vnet_csum_add(uint32_t sum, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t s = sum;
	for (; n >= 8; b += 8, n -= 8)
		s += ((uint32_t)b[0] << 8 | b[1]) + ((uint32_t)b[2] << 8 | b[3]) +
		     ((uint32_t)b[4] << 8 | b[5]) + ((uint32_t)b[6] << 8 | b[7]);
	for (; n >= 2; b += 2, n -= 2)
		s += (uint32_t)b[0] << 8 | b[1];
	if (n)
		s += (uint32_t)b[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t vnet_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* What the headers of an IP packet say (first segment only). */
struct l4 {
	size_t off;      /* transport header, from the frame's start */
	size_t len;      /* transport header + payload, per the IP header */
	uint8_t proto;
	bool frag;       /* an IP fragment: the transport checksum spans others */
	bool ext;        /* IPv6 extension headers: what follows is not parsed */
	uint32_t pseudo; /* the pseudo-header sum (without the length for none) */
};

/*
 * Parse Ethernet + IPv4/IPv6 of a frame whose first 'head' bytes are
 * contiguous and whose whole length is 'total'. 1: an IP packet (l filled),
 * 0: something else (ARP, an unknown protocol or IPv6 extension), -1:
 * IP headers inconsistent with the length.
 */
static int parse(const uint8_t *f, size_t head, size_t total, struct l4 *l)
{
	memset(l, 0, sizeof(*l));
	if (head < ETH_HLEN)
		return total < ETH_HLEN ? -1 : 0;
	uint16_t type = be16(f + 12);
	const uint8_t *ip = f + ETH_HLEN;
	size_t room = head - ETH_HLEN, avail = total - ETH_HLEN;
	if (type == ETHTYPE_IP) {
		if (room < 20 || (ip[0] >> 4) != 4)
			return -1;
		size_t ihl = (size_t)(ip[0] & 15) * 4, tot = be16(ip + 2);
		if (ihl < 20 || ihl > room || tot < ihl || tot > avail)
			return -1;
		l->off = ETH_HLEN + ihl;
		l->len = tot - ihl;
		l->proto = ip[9];
		l->frag = (be16(ip + 6) & 0x3fff) != 0; /* MF or an offset */
		l->pseudo = vnet_csum_add(0, ip + 12, 8) + l->proto + (uint32_t)l->len;
		return 1;
	}
	if (type == ETHTYPE_IPV6) {
		if (room < 40 || (ip[0] >> 4) != 6)
			return -1;
		size_t plen = be16(ip + 4);
		if (40 + plen > avail)
			return -1;
		/* TCP and UDP right after the fixed header; behind extension
		 * headers (or fragmented) a TCP segment is the stack's to check. */
		l->proto = ip[6];
		if (l->proto != PROTO_TCP && l->proto != PROTO_UDP) {
			l->ext = l->proto != PROTO_ICMPV6 && l->proto != PROTO_NONE;
			return 0;
		}
		l->off = ETH_HLEN + 40;
		l->len = plen;
		l->pseudo = vnet_csum_add(0, ip + 8, 32) + l->proto + (uint32_t)l->len;
		return 1;
	}
	return 0;
}

int vnet_tx_prepare(uint8_t *f, size_t len, bool offload, unsigned gso_mtu,
		    struct virtio_net_hdr *h)
{
	struct l4 l;
	memset(h, 0, sizeof(*h));
	bool big = gso_mtu && len > ETH_HLEN + (size_t)gso_mtu;
	if (parse(f, len, len, &l) != 1 || l.proto != PROTO_TCP || l.len < 20 ||
	    l.off + TCP_CSUM_OFF + 2 > len)
		return big ? -1 : 0; /* not lwIP's TCP: its checksums are in it already */
	size_t thl = (size_t)(f[l.off + 12] >> 4) * 4, iphl = l.off - ETH_HLEN;
	if (big && (!offload || l.frag || l.off + l.len != len || thl < 20 || thl > l.len ||
		    iphl + thl >= gso_mtu))
		return -1;
	uint8_t *field = f + l.off + TCP_CSUM_OFF;
	put_be16(field, 0);
	/* The device sums from csum_start to the frame's end: only a datagram
	 * that ends there (no padding after it) can be handed over. */
	if (offload && !l.frag && l.off + l.len == len) {
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = (uint16_t)l.off;
		h->csum_offset = TCP_CSUM_OFF;
		put_be16(field, vnet_csum_fold(l.pseudo));
		if (!big)
			return 1;
		h->gso_type = be16(f + 12) == ETHTYPE_IP ? VIRTIO_NET_HDR_GSO_TCPV4
							: VIRTIO_NET_HDR_GSO_TCPV6;
		h->hdr_len = (uint16_t)(l.off + thl);
		h->gso_size = (uint16_t)(gso_mtu - iphl - thl);
		return 2;
	}
	uint32_t s = vnet_csum_add(l.pseudo, f + l.off, l.len);
	put_be16(field, (uint16_t)~vnet_csum_fold(s));
	return 0;
}

/* The sum of bytes [off, off+len) of a segmented frame; false if it is shorter. */
static bool sum_range(const struct vnet_seg *s, unsigned n, size_t off, size_t len,
		      uint32_t *out)
{
	uint32_t sum = 0;
	size_t pos = 0; /* bytes summed so far: odd means the next chunk starts mid-word */
	for (unsigned i = 0; i < n && pos < len; i++) {
		if (off >= s[i].n) {
			off -= s[i].n;
			continue;
		}
		size_t k = s[i].n - off;
		if (k > len - pos)
			k = len - pos;
		uint16_t c = vnet_csum_fold(vnet_csum_add(0, s[i].p + off, k));
		if (pos & 1)
			c = (uint16_t)(c << 8 | c >> 8); /* the pairing shifts by one byte */
		sum += c;
		pos += k;
		off = 0;
	}
	*out = sum;
	return pos == len;
}

int vnet_rx_check(struct vnet_seg *s, unsigned n, const struct virtio_net_hdr *h)
{
	if (!n)
		return VNET_RX_BAD_HDR;
	size_t total = 0;
	for (unsigned i = 0; i < n; i++)
		total += s[i].n;
	struct l4 l;
	int r = parse(s[0].p, s[0].n, total, &l);
	if (r < 0)
		return VNET_RX_BAD_HDR;
	bool tcp = r == 1 && l.proto == PROTO_TCP && !l.frag;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* From the host's own stack: TCP goes up as it is (lwIP does not
		 * check TCP here); anything else gets its checksum completed, for
		 * lwIP checks it. */
		size_t start = h->csum_start, at = start + h->csum_offset;
		if (at + 2 > s[0].n || start > total)
			return VNET_RX_BAD_OFFLOAD;
		if (tcp && start == l.off)
			return 0;
		uint32_t sum;
		sum_range(s, n, start, total - start, &sum);
		uint16_t v = (uint16_t)~vnet_csum_fold(sum);
		if (!v && r == 1 && l.proto == PROTO_UDP)
			v = 0xffff; /* UDP's zero means "no checksum" */
		put_be16(s[0].p + at, v);
		return 0;
	}
	if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		return 0; /* checked by the device */
	if (!tcp) /* UDP and ICMP: lwIP checks them (after reassembly); TCP in
		   * fragments or behind IPv6 extension headers: lwIP must */
		return (r == 1 && l.proto == PROTO_TCP && l.frag) || l.ext ? VNET_RX_STACK_CHECK : 0;
	if (l.len < 20)
		return VNET_RX_BAD_HDR;
	uint32_t sum;
	if (!sum_range(s, n, l.off, l.len, &sum))
		return VNET_RX_BAD_HDR;
	return vnet_csum_fold(sum + l.pseudo) == 0xffff ? 0 : VNET_RX_BAD_CSUM;
}

const char *vnet_rx_strerror(int r)
{
	switch (r) {
	case VNET_RX_BAD_CSUM: return "a TCP checksum that does not verify";
	case VNET_RX_BAD_HDR: return "IP headers that disagree with the frame's length";
	case VNET_RX_BAD_OFFLOAD: return "a NEEDS_CSUM offset outside the frame";
	default: return r ? "an unknown reason" : "no error";
	}
}
