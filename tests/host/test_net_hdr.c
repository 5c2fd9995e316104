/*
 * test_net_hdr.c - host tests of the checksum logic around the virtio-net
 * header (libjiny/drivers/virtio/net_hdr.c), on Ethernet frames built by
 * hand (IPv4 with and without options, IPv6; TCP, UDP, ICMP, ARP) and
 * against an independent reference: RFC 1071 done byte by byte, with the
 * pseudo-header laid out in memory as the RFCs draw it.
 *
 * Covered:
 *  - vnet_csum_add/vnet_csum_fold: RFC 1071's example, odd lengths, fold
 *    vectors, carries out of 32 bits, splitting a sum, and random buffers
 *    of 0..2000 bytes at any alignment against the reference;
 *  - vnet_tx_prepare with offload: NEEDS_CSUM, csum_start/csum_offset, the
 *    pseudo-header sum in the field, and a simulated device completing it
 *    into the reference checksum (IPv4, IPv4 with options, IPv6); without
 *    offload: a zeroed header and the reference checksum; a garbage field
 *    beforehand changes nothing; zero padding after the datagram is summed
 *    by the device harmlessly; a software sum of 0 stays 0 (TCP); non-TCP frames (ARP, UDP, ICMP, IPv6 with
 *    an extension header, unknown ethertypes) left byte-identical; IPv4 TCP
 *    fragments checksummed in software; every truncation of a frame (in
 *    exact-size heap buffers, so ASan sees any overread) returns 0;
 *  - vnet_rx_check without flags: good frames pass, any single changed byte
 *    of the TCP segment or of the addresses is caught, also with the frame
 *    split into 2..5 segments at every / random (odd too) boundaries;
 *    Ethernet padding after the IP packet is ignored; DATA_VALID trusts a
 *    bad checksum; TCP in IPv4 fragments is left to lwIP;
 *  - vnet_rx_check NEEDS_CSUM: UDP (IPv4 and IPv6, one segment or several)
 *    and ICMP completed into the reference checksum, a UDP sum of zero sent
 *    as 0xffff, TCP left unchanged, a checksum field beyond the first
 *    segment refused (with the exact boundary accepted);
 *  - malformed frames: IPv4 total length beyond the frame or below the
 *    header, IHL < 5 or beyond the first segment, wrong version nibbles,
 *    IPv6 payload length beyond the frame, TCP shorter than its header
 *    (even when those bytes sum right),
 *    no segments, frames shorter than an Ethernet header: -1, whatever the
 *    flags; ARP and unknown ethertypes: 0;
 *  - consistency and fuzz: whatever tx_prepare leaves (completed by the
 *    device when asked) passes rx_check; thousands of mutated, truncated,
 *    randomly segmented frames with random headers never crash and only
 *    return 0/-1 (0/1 for tx, with the offsets inside the frame).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "drivers/virtio/net_hdr.h"

#define CHECK(cond, ...)                       \
	do {                                   \
		if (!(cond))                   \
			fail_msg(__VA_ARGS__); \
	} while (0)

/* ---- a reproducible random source (xorshift64) ---- */

static uint64_t rng_state;

static void rng_seed(uint64_t s) { rng_state = s * 0x9e3779b97f4a7c15ull + 1; }

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/* Uniform in [lo, hi]. */
static size_t rnd_in(size_t lo, size_t hi) { return lo + rnd() % (hi - lo + 1); }

static void rnd_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* ---- the reference: RFC 1071, the slow and obvious way ---- */

/*
 * The ones' complement sum of n bytes added to init (0..0xffff): byte i is
 * the high half of a 16-bit word when i is even, the low half when odd (an
 * odd last byte is padded with a zero low half); each carry out of 16 bits
 * goes around at once. 0 only when init and all bytes are 0.
 */
static uint16_t ref_sum(uint16_t init, const uint8_t *p, size_t n)
{
	uint32_t s = init;
	for (size_t i = 0; i < n; i++) {
		s += (i % 2 == 0) ? (uint32_t)p[i] << 8 : p[i];
		if (s > 0xffff)
			s -= 0xffff; /* - 0x10000 + 1: the end-around carry */
	}
	return (uint16_t)s;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- frames ---- */

#define ETH 14
#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ICMP6 58

struct pkt {
	uint8_t f[8192];
	size_t len;     /* the frame */
	size_t l4;      /* the transport header, from the frame's start */
	size_t l4len;   /* transport header + payload */
	bool v6;
	uint8_t proto;
	size_t csum_at; /* the transport checksum field, from the frame's start */
};

static const uint8_t mac_dst[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t mac_src[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

/* The pseudo-header as RFC 793 / RFC 8200 8.1 draw it; its length. */
static size_t pseudo_hdr(const struct pkt *p, uint8_t *out)
{
	const uint8_t *ip = p->f + ETH;
	if (!p->v6) {
		memcpy(out, ip + 12, 8); /* source, destination */
		out[8] = 0;
		out[9] = p->proto;
		put16(out + 10, (uint16_t)p->l4len);
		return 12;
	}
	memcpy(out, ip + 8, 32);
	out[32] = (uint8_t)(p->l4len >> 24);
	out[33] = (uint8_t)(p->l4len >> 16);
	out[34] = (uint8_t)(p->l4len >> 8);
	out[35] = (uint8_t)p->l4len;
	out[36] = out[37] = out[38] = 0;
	out[39] = p->proto;
	return 40;
}

static bool has_pseudo(const struct pkt *p) { return !(p->proto == P_ICMP && !p->v6); }

/* The folded pseudo-header sum (what a partial checksum field holds). */
static uint16_t ref_pseudo(const struct pkt *p)
{
	uint8_t ph[40];
	size_t n = has_pseudo(p) ? pseudo_hdr(p, ph) : 0;
	return ref_sum(0, ph, n);
}

/* The transport checksum of p as it should be (the field taken as 0), not
 * mapping UDP's 0 to 0xffff. */
static uint16_t ref_l4_csum(const struct pkt *p)
{
	uint8_t *seg = malloc(p->l4len);
	assert_non_null(seg);
	memcpy(seg, p->f + p->l4, p->l4len);
	size_t at = p->csum_at - p->l4;
	seg[at] = seg[at + 1] = 0;
	uint16_t s = ref_sum(ref_pseudo(p), seg, p->l4len); /* the pseudo-header is even */
	free(seg);
	return (uint16_t)~s;
}

/* Does p's transport checksum verify (pseudo-header + segment sum to -0)? */
static bool ref_verifies(const struct pkt *p)
{
	return ref_sum(ref_pseudo(p), p->f + p->l4, p->l4len) == 0xffff;
}

static uint16_t field(const struct pkt *p) { return be16(p->f + p->csum_at); }

static void set_l4_csum(struct pkt *p)
{
	uint16_t c = ref_l4_csum(p);
	if (c == 0 && p->proto == P_UDP)
		c = 0xffff;
	put16(p->f + p->csum_at, c);
}

/*
 * A frame: Ethernet + IPv4 (ihl_words 5..15, options of NOPs) or IPv6 +
 * TCP (20 bytes) / UDP / ICMP (8 bytes) + plen random bytes, with random
 * addresses, ports and sequence numbers, and every checksum correct.
 */
static void build(struct pkt *p, bool v6, uint8_t proto, size_t plen, unsigned ihl_words)
{
	memset(p, 0, sizeof(*p));
	uint8_t *f = p->f;
	memcpy(f, mac_dst, 6);
	memcpy(f + 6, mac_src, 6);
	put16(f + 12, v6 ? 0x86dd : 0x0800);
	p->v6 = v6;
	p->proto = proto;
	size_t l4hdr = proto == P_TCP ? 20 : 8;
	p->l4len = l4hdr + plen;
	uint8_t *ip = f + ETH;
	if (!v6) {
		size_t ihl = ihl_words * 4;
		ip[0] = (uint8_t)(0x40 | ihl_words);
		put16(ip + 2, (uint16_t)(ihl + p->l4len));
		put16(ip + 4, (uint16_t)rnd());
		put16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = proto;
		rnd_fill(ip + 12, 8);
		memset(ip + 20, 1, ihl - 20); /* NOP options */
		put16(ip + 10, (uint16_t)~ref_sum(0, ip, ihl));
		p->l4 = ETH + ihl;
	} else {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)p->l4len);
		ip[6] = proto;
		ip[7] = 64;
		rnd_fill(ip + 8, 32);
		p->l4 = ETH + 40;
	}
	assert_true(p->l4 + p->l4len <= sizeof(p->f));
	uint8_t *t = f + p->l4;
	rnd_fill(t, p->l4len);
	switch (proto) {
	case P_TCP:
		t[12] = 0x50; /* data offset 5 */
		t[13] = 0x18; /* PSH ACK */
		p->csum_at = p->l4 + 16;
		put16(t + 18, 0);
		break;
	case P_UDP:
		put16(t + 4, (uint16_t)p->l4len);
		p->csum_at = p->l4 + 6;
		break;
	default: /* ICMP / ICMPv6 echo request */
		t[0] = v6 ? 128 : 8;
		t[1] = 0;
		p->csum_at = p->l4 + 2;
		break;
	}
	p->len = p->l4 + p->l4len;
	set_l4_csum(p);
	assert_true(ref_verifies(p));
}

static void build_arp(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	memset(p->f, 0xff, 6);
	memcpy(p->f + 6, mac_src, 6);
	put16(p->f + 12, 0x0806);
	static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0xab, 0xcd, 0xef,
					 10, 0, 2, 15, 0, 0, 0, 0, 0, 0, 10, 0, 2, 2 };
	memcpy(p->f + ETH, arp, sizeof(arp));
	p->len = ETH + sizeof(arp);
}

/* ---- segments, each in an exact-size heap buffer ---- */

struct segs {
	struct vnet_seg s[8];
	unsigned n;
};

static void segs_make(struct segs *g, const uint8_t *f, const size_t *sizes, unsigned n)
{
	g->n = n;
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		g->s[i].p = malloc(sizes[i] ? sizes[i] : 1);
		assert_non_null(g->s[i].p);
		memcpy(g->s[i].p, f + off, sizes[i]);
		g->s[i].n = sizes[i];
		off += sizes[i];
	}
}

static void segs_one(struct segs *g, const uint8_t *f, size_t len) { segs_make(g, f, &len, 1); }

static void segs_join(const struct segs *g, uint8_t *out)
{
	for (unsigned i = 0; i < g->n; i++) {
		memcpy(out, g->s[i].p, g->s[i].n);
		out += g->s[i].n;
	}
}

static void segs_free(struct segs *g)
{
	for (unsigned i = 0; i < g->n; i++)
		free(g->s[i].p);
	g->n = 0;
}

/* Sizes of n non-empty segments of a len-byte frame, the first of at least
 * min_first bytes, cut at random points. */
static void random_sizes(size_t len, size_t min_first, unsigned n, size_t *sizes)
{
	assert_true(len - min_first >= n - 1);
	size_t cut[8];
	for (;;) {
		for (unsigned i = 0; i + 1 < n; i++)
			cut[i] = rnd_in(min_first, len - 1);
		/* sort, and want distinct cuts */
		for (unsigned i = 1; i + 1 < n; i++)
			for (unsigned j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
				size_t t = cut[j];
				cut[j] = cut[j - 1];
				cut[j - 1] = t;
			}
		bool ok = true;
		for (unsigned i = 1; i + 1 < n; i++)
			ok &= cut[i] != cut[i - 1];
		if (ok)
			break;
	}
	size_t prev = 0;
	for (unsigned i = 0; i + 1 < n; i++) {
		sizes[i] = cut[i] - prev;
		prev = cut[i];
	}
	sizes[n - 1] = len - prev;
}

static int rx_one(const uint8_t *f, size_t len, const struct virtio_net_hdr *h)
{
	struct segs g;
	segs_one(&g, f, len);
	int r = vnet_rx_check(g.s, g.n, h);
	segs_free(&g);
	return r < 0 ? -1 : r; /* dropped, whatever the reason (test_rx_reasons) */
}

static int rx_split(const uint8_t *f, const size_t *sizes, unsigned n, const struct virtio_net_hdr *h)
{
	struct segs g;
	segs_make(&g, f, sizes, n);
	int r = vnet_rx_check(g.s, g.n, h);
	segs_free(&g);
	return r < 0 ? -1 : r;
}

static const struct virtio_net_hdr no_flags, data_valid = { .flags = VIRTIO_NET_HDR_F_DATA_VALID };

static bool hdr_zero(const struct virtio_net_hdr *h)
{
	static const struct virtio_net_hdr z;
	return memcmp(h, &z, sizeof(z)) == 0;
}

/* ==== 1. vnet_csum_add / vnet_csum_fold ==== */

static void test_csum_vectors(void **state)
{
	/* RFC 1071 1.4's example: words 0001 f203 f4f5 f6f7 sum to 2ddf0, ddf2 folded */
	static const uint8_t ex[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t s = vnet_csum_add(0, ex, 8);
	assert_int_equal(s % 0xffff, 0x2ddf0 % 0xffff);
	assert_int_equal(vnet_csum_fold(s), 0xddf2);
	assert_int_equal(ref_sum(0, ex, 8), 0xddf2);
	assert_int_equal((uint16_t)~vnet_csum_fold(s), 0x220d);
	/* byte order independence (RFC 1071 2.B): the swapped bytes give the swapped sum */
	static const uint8_t sw[8] = { 0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6 };
	assert_int_equal(vnet_csum_fold(vnet_csum_add(0, sw, 8)), 0xf2dd);

	/* odd lengths: the last byte is the high half of a word */
	static const uint8_t one[1] = { 0xab }, three[3] = { 0x01, 0x02, 0x03 };
	assert_int_equal(vnet_csum_fold(vnet_csum_add(0, one, 1)), 0xab00);
	assert_int_equal(vnet_csum_fold(vnet_csum_add(0, three, 3)), 0x0402);
	assert_int_equal(vnet_csum_fold(vnet_csum_add(0, ex, 7)), ref_sum(0, ex, 7));
	assert_int_equal(vnet_csum_fold(vnet_csum_add(0, ex, 7)), (0x0001 + 0xf203 + 0xf4f5 + 0xf600) % 0xffff);
	/* nothing: the sum as it was */
	assert_int_equal(vnet_csum_add(0x12345, ex, 0), 0x12345);
	assert_int_equal(vnet_csum_add(0, NULL, 0), 0);

	/* fold */
	assert_int_equal(vnet_csum_fold(0), 0);
	assert_int_equal(vnet_csum_fold(1), 1);
	assert_int_equal(vnet_csum_fold(0xffff), 0xffff);
	assert_int_equal(vnet_csum_fold(0x10000), 1);
	assert_int_equal(vnet_csum_fold(0x1fffe), 0xffff);
	assert_int_equal(vnet_csum_fold(0x2ddf0), 0xddf2);
	assert_int_equal(vnet_csum_fold(0xffffffffu), 0xffff);
	assert_int_equal(vnet_csum_fold(0xffff0000u), 0xffff);
	assert_int_equal(vnet_csum_fold(0x0001ffffu), 1);

	/* carries out of 32 bits: 0xffffffff plus 64 KiB of 0xff */
	uint8_t *ff = malloc(65536);
	assert_non_null(ff);
	memset(ff, 0xff, 65536);
	assert_int_equal(vnet_csum_fold(vnet_csum_add(0xffffffffu, ff, 65536)), 0xffff);
	assert_int_equal(vnet_csum_fold(vnet_csum_add(0xffffffffu, ff, 65535)),
			 ref_sum(0xffff, ff, 65535));
	memset(ff, 0, 65536);
	assert_int_equal(vnet_csum_add(0, ff, 65536), 0);
	assert_int_equal(vnet_csum_fold(vnet_csum_add(7, ff, 65535)), 7);
	free(ff);
}

static void test_csum_random(void **state)
{
	rng_seed(1);
	uint8_t *buf = malloc(2000 + 8);
	assert_non_null(buf);
	for (size_t n = 0; n <= 2000; n++) {
		for (int k = 0; k < 3; k++) {
			size_t align = rnd() % 8; /* any alignment of the pointer */
			uint8_t *p = buf + align;
			rnd_fill(p, n);
			if (k == 2) /* runs of 0xff and 0x00 press the carries */
				for (size_t i = 0; i < n; i++)
					p[i] = rnd() % 2 ? 0xff : 0x00;
			uint16_t want = ref_sum(0, p, n);
			uint32_t s = vnet_csum_add(0, p, n);
			CHECK(vnet_csum_fold(s) == want, "n %zu: fold %#x, reference %#x", n,
			      vnet_csum_fold(s), want);
			/* any starting sum, up to 0xffffffff */
			uint32_t init = k == 0 ? 0xffffffffu : rnd();
			uint16_t want2 = ref_sum(vnet_csum_fold(init), p, n);
			CHECK(vnet_csum_fold(vnet_csum_add(init, p, n)) == want2,
			      "n %zu init %#x: fold %#x, reference %#x", n, init,
			      vnet_csum_fold(vnet_csum_add(init, p, n)), want2);
			/* a sum split at an even offset is the same sum */
			size_t cut = n ? rnd_in(0, n) & ~(size_t)1 : 0;
			uint32_t s2 = vnet_csum_add(vnet_csum_add(0, p, cut), p + cut, n - cut);
			CHECK(vnet_csum_fold(s2) == want, "n %zu cut %zu: fold %#x, reference %#x", n,
			      cut, vnet_csum_fold(s2), want);
		}
	}
	free(buf);
}

/* ==== 2. vnet_tx_prepare: TCP ==== */

static const size_t tx_plens[] = { 0, 1, 2, 7, 100, 513, 1460, 1461, 4000 };

/* Simulate the device: sum from csum_start to the frame's end, ~fold into the field. */
static void device_complete(uint8_t *f, size_t len, const struct virtio_net_hdr *h)
{
	assert_true((size_t)h->csum_start + h->csum_offset + 2 <= len);
	uint16_t s = ref_sum(0, f + h->csum_start, len - h->csum_start);
	put16(f + h->csum_start + h->csum_offset, (uint16_t)~s);
}

static void tx_tcp_case(bool v6, unsigned ihl_words, size_t plen, uint16_t garbage)
{
	static struct pkt p, q;
	build(&p, v6, P_TCP, plen, ihl_words);
	uint16_t want = field(&p);
	struct virtio_net_hdr h;

	/* offload: the pseudo-header sum, for the device to complete */
	q = p;
	put16(q.f + q.csum_at, garbage);
	memset(&h, 0xaa, sizeof(h));
	assert_int_equal(vnet_tx_prepare(q.f, q.len, true, 0, &h), 1);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(h.hdr_len, 0);
	assert_int_equal(h.gso_size, 0);
	assert_int_equal(h.num_buffers, 0);
	assert_int_equal(h.csum_start, p.l4);
	assert_int_equal(h.csum_start, v6 ? 54 : ETH + 4 * ihl_words);
	assert_int_equal(h.csum_offset, 16);
	CHECK(field(&q) == ref_pseudo(&p), "v6 %d plen %zu: field %#x, pseudo-header sum %#x", v6,
	      plen, field(&q), ref_pseudo(&p));
	/* nothing else written */
	assert_memory_equal(q.f, p.f, p.csum_at);
	assert_memory_equal(q.f + p.csum_at + 2, p.f + p.csum_at + 2, p.len - p.csum_at - 2);
	device_complete(q.f, q.len, &h);
	CHECK(field(&q) == want, "v6 %d plen %zu: device completed %#x, reference %#x", v6, plen,
	      field(&q), want);
	assert_true(ref_verifies(&q));
	assert_int_equal(rx_one(q.f, q.len, &no_flags), 0);

	/* no offload: the whole checksum here */
	q = p;
	put16(q.f + q.csum_at, garbage);
	memset(&h, 0x55, sizeof(h));
	assert_int_equal(vnet_tx_prepare(q.f, q.len, false, 0, &h), 0);
	assert_true(hdr_zero(&h));
	CHECK(field(&q) == want, "v6 %d plen %zu: software %#x, reference %#x", v6, plen, field(&q),
	      want);
	assert_memory_equal(q.f, p.f, p.len);
	assert_int_equal(rx_one(q.f, q.len, &no_flags), 0);
}

static void test_tx_tcp_v4(void **state)
{
	rng_seed(2);
	for (size_t i = 0; i < sizeof(tx_plens) / sizeof(tx_plens[0]); i++) {
		tx_tcp_case(false, 5, tx_plens[i], 0);
		tx_tcp_case(false, 5, tx_plens[i], 0xffff);
		tx_tcp_case(false, 5, tx_plens[i], (uint16_t)rnd());
	}
	for (int k = 0; k < 500; k++)
		tx_tcp_case(false, 5, rnd_in(0, 1500), (uint16_t)rnd());
}

/* Bytes after the datagram (Ethernet padding) would be summed by the
 * device: such a frame gets its checksum in software instead. */
static void test_tx_tcp_zero_padding(void **state)
{
	rng_seed(26);
	static struct pkt p;
	for (int v6 = 0; v6 < 2; v6++) {
		build(&p, v6, P_TCP, 0, 5);
		uint16_t want = field(&p);
		size_t padded = p.len + 6;
		struct virtio_net_hdr h;
		memset(p.f + p.len, 0x5a, 6);
		assert_int_equal(vnet_tx_prepare(p.f, padded, true, 0, &h), 0);
		assert_int_equal(h.flags, 0);
		assert_int_equal(field(&p), want);
		put16(p.f + p.csum_at, 0x4321);
		assert_int_equal(vnet_tx_prepare(p.f, padded, false, 0, &h), 0);
		assert_int_equal(field(&p), want);
	}
}

static void test_tx_tcp_v4_options(void **state)
{
	rng_seed(3);
	for (unsigned ihl = 6; ihl <= 15; ihl++) {
		tx_tcp_case(false, ihl, 0, 0);
		tx_tcp_case(false, ihl, rnd_in(1, 1400), (uint16_t)rnd());
	}
}

static void test_tx_tcp_v6(void **state)
{
	rng_seed(4);
	for (size_t i = 0; i < sizeof(tx_plens) / sizeof(tx_plens[0]); i++) {
		tx_tcp_case(true, 0, tx_plens[i], 0);
		tx_tcp_case(true, 0, tx_plens[i], 0xffff);
		tx_tcp_case(true, 0, tx_plens[i], (uint16_t)rnd());
	}
	for (int k = 0; k < 500; k++)
		tx_tcp_case(true, 0, rnd_in(0, 1500), (uint16_t)rnd());
}

/* A software checksum that comes out 0x0000 is stored as is (TCP has no
 * "no checksum"; 0 and 0xffff both verify). */
static void test_tx_tcp_zero_sum(void **state)
{
	rng_seed(5);
	static struct pkt p;
	build(&p, false, P_TCP, 2, 5);
	/* make the true checksum 0 through the two payload bytes */
	uint8_t *w = p.f + p.l4 + 20;
	put16(w, 0);
	uint16_t s = (uint16_t)~ref_l4_csum(&p);
	put16(w, (uint16_t)(0xffff - s));
	assert_int_equal(ref_l4_csum(&p), 0);
	struct virtio_net_hdr h;
	put16(p.f + p.csum_at, 0x1234);
	assert_int_equal(vnet_tx_prepare(p.f, p.len, false, 0, &h), 0);
	assert_int_equal(field(&p), 0);
	assert_true(ref_verifies(&p));
	assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
}

/* ==== 2b. vnet_tx_prepare: large send (TSO) ==== */

/*
 * Cut a TSO frame (f, len, h) as Linux's GSO does behind a tap: headers
 * copied, gso_size bytes of payload each, IPv4 total length / IPv6 payload
 * length and the sequence number fixed, PSH and FIN only on the last; the
 * partial checksum field adjusted from the whole length to the segment's,
 * then completed like a device. Every segment's TCP checksum must verify
 * and the payloads must add up to the original. Returns the count.
 */
static unsigned gso_cut_and_check(const uint8_t *f, size_t len, const struct virtio_net_hdr *h,
				  bool v6)
{
	static struct pkt s;
	size_t hl = h->hdr_len, l4 = h->csum_start, thl = hl - l4, pay = len - hl, done = 0;
	uint16_t whole = be16(f + l4 + 16);
	uint32_t seq0 = (uint32_t)be16(f + l4 + 4) << 16 | be16(f + l4 + 6);
	unsigned n = 0;
	while (done < pay) {
		size_t k = pay - done < h->gso_size ? pay - done : h->gso_size;
		memset(&s, 0, sizeof(s));
		memcpy(s.f, f, hl);
		memcpy(s.f + hl, f + hl + done, k);
		s.v6 = v6, s.proto = P_TCP, s.l4 = l4, s.l4len = thl + k, s.len = hl + k;
		s.csum_at = l4 + 16;
		uint8_t *ip = s.f + ETH;
		if (v6) {
			put16(ip + 4, (uint16_t)s.l4len);
		} else {
			put16(ip + 2, (uint16_t)(l4 - ETH + s.l4len));
			put16(ip + 10, 0);
			put16(ip + 10, (uint16_t)~ref_sum(0, ip, l4 - ETH));
		}
		uint32_t seq = seq0 + (uint32_t)done;
		put16(s.f + l4 + 4, (uint16_t)(seq >> 16));
		put16(s.f + l4 + 6, (uint16_t)seq);
		if (done + k < pay)
			s.f[l4 + 13] &= (uint8_t)~0x09; /* no PSH, no FIN but on the last */
		/* the field: whole-length pseudo sum, minus that length, plus this one */
		uint32_t adj = (uint32_t)whole + (uint16_t)~(uint16_t)(len - l4) + (uint32_t)s.l4len;
		while (adj >> 16)
			adj = (adj & 0xffff) + (adj >> 16);
		put16(s.f + s.csum_at, (uint16_t)adj);
		device_complete(s.f, s.len, h);
		CHECK(ref_verifies(&s), "segment %u (%zu bytes at %zu) does not verify", n, k, done);
		CHECK(s.len - ETH <= (size_t)(h->gso_size + thl + (l4 - ETH)), "segment %u too long", n);
		done += k;
		n++;
	}
	return n;
}

static void tso_case(bool v6, unsigned ihl_words, unsigned thl_words, size_t plen, unsigned mtu)
{
	static struct pkt p;
	if (plen < thl_words * 4 - 20)
		plen = thl_words * 4 - 20; /* room for the options */
	build(&p, v6, P_TCP, plen, ihl_words);
	p.f[p.l4 + 12] = (uint8_t)(thl_words << 4); /* TCP options: bytes of the payload */
	size_t iphl = p.l4 - ETH, thl = thl_words * 4;
	struct virtio_net_hdr h;
	memset(&h, 0xaa, sizeof(h));
	bool big = p.len - ETH > mtu;
	int r = vnet_tx_prepare(p.f, p.len, true, mtu, &h);
	assert_int_equal(r, big ? 2 : 1);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.csum_start, p.l4);
	assert_int_equal(h.csum_offset, 16);
	CHECK(field(&p) == ref_pseudo(&p), "field %#x, pseudo-header sum %#x", field(&p),
	      ref_pseudo(&p));
	assert_int_equal(h.num_buffers, 0);
	if (!big) {
		assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		assert_int_equal(h.gso_size, 0);
		assert_int_equal(h.hdr_len, 0);
		return;
	}
	assert_int_equal(h.gso_type, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(h.hdr_len, p.l4 + thl);
	assert_int_equal(h.gso_size, mtu - iphl - thl);
	size_t pay = p.len - p.l4 - thl;
	unsigned n = gso_cut_and_check(p.f, p.len, &h, v6);
	assert_int_equal(n, (pay + h.gso_size - 1) / h.gso_size);
}

static void test_tx_tso(void **state)
{
	rng_seed(40);
	static const unsigned mtus[] = { 1500, 1280, 576, 4000 };
	for (int v6 = 0; v6 < 2; v6++)
		for (unsigned m = 0; m < 4; m++) {
			unsigned mtu = mtus[m];
			size_t hdrs = (v6 ? 40 : 20) + 20;
			tso_case(v6, 5, 5, 0, mtu);
			tso_case(v6, 5, 5, mtu - hdrs, mtu);       /* exactly the MTU: not cut */
			tso_case(v6, 5, 5, mtu - hdrs + 1, mtu);   /* one byte more: two segments */
			tso_case(v6, 5, 8, mtu * 3 / 2, mtu);      /* TCP options */
			for (int k = 0; k < 40; k++)
				tso_case(v6, v6 ? 0 : (unsigned)rnd_in(5, 15), (unsigned)rnd_in(5, 15),
					 rnd_in(0, 8000), mtu);
		}
}

/* What large send cannot describe is refused (-1), never sent too long. */
static void test_tx_tso_refused(void **state)
{
	rng_seed(41);
	static struct pkt p;
	struct virtio_net_hdr h;
	for (int v6 = 0; v6 < 2; v6++) {
		build(&p, v6, P_UDP, 3000, 5);
		assert_int_equal(vnet_tx_prepare(p.f, p.len, true, 1500, &h), -1); /* not TCP */
		build(&p, v6, P_TCP, 3000, 5);
		assert_int_equal(vnet_tx_prepare(p.f, p.len, false, 1500, &h), -1); /* no CSUM */
		build(&p, v6, P_TCP, 3000, 5);
		memset(p.f + p.len, 0, 4);
		assert_int_equal(vnet_tx_prepare(p.f, p.len + 4, true, 1500, &h), -1); /* padded */
		build(&p, v6, P_TCP, 3000, 5);
		assert_int_equal(vnet_tx_prepare(p.f, p.len, true, (v6 ? 60 : 40), &h), -1); /* no room */
		build(&p, v6, P_TCP, 3000, 5);
		assert_int_equal(vnet_tx_prepare(p.f, p.len, true, 0, &h), 1); /* no TSO asked */
	}
	build(&p, false, P_TCP, 3000, 5);
	put16(p.f + ETH + 6, 0x2000); /* MF: a fragment */
	assert_int_equal(vnet_tx_prepare(p.f, p.len, true, 1500, &h), -1);
	build_arp(&p);
	assert_int_equal(vnet_tx_prepare(p.f, p.len, true, 20, &h), -1); /* longer, not IP */
}

/* ==== 3. vnet_tx_prepare: what it leaves alone, fragments, truncation ==== */

static void tx_untouched(const struct pkt *p, const char *what)
{
	static struct pkt q;
	for (int off = 0; off < 2; off++) {
		q = *p;
		struct virtio_net_hdr h;
		memset(&h, 0xaa, sizeof(h));
		CHECK(vnet_tx_prepare(q.f, q.len, off, 0, &h) == 0, "%s: not 0", what);
		CHECK(hdr_zero(&h), "%s: header not zeroed", what);
		CHECK(memcmp(q.f, p->f, p->len) == 0, "%s: frame changed", what);
	}
}

static void test_tx_not_tcp(void **state)
{
	rng_seed(6);
	static struct pkt p;
	build_arp(&p);
	tx_untouched(&p, "ARP");
	build(&p, false, P_UDP, 100, 5);
	tx_untouched(&p, "UDP");
	put16(p.f + p.csum_at, 0x1234); /* even a wrong UDP checksum stays */
	tx_untouched(&p, "UDP, wrong checksum");
	build(&p, false, P_ICMP, 56, 5);
	tx_untouched(&p, "ICMP");
	build(&p, true, P_UDP, 33, 0);
	tx_untouched(&p, "IPv6 UDP");
	build(&p, true, P_ICMP6, 56, 0);
	tx_untouched(&p, "ICMPv6");
	/* IPv6 TCP behind a hop-by-hop header: not described, not touched */
	build(&p, true, P_TCP, 64, 0);
	p.f[ETH + 6] = 0;
	tx_untouched(&p, "IPv6 hop-by-hop");
	/* unknown ethertype (LLDP) with what looks like IPv4 TCP in it */
	build(&p, false, P_TCP, 64, 5);
	put16(p.f + 12, 0x88cc);
	tx_untouched(&p, "LLDP");
	/* a VLAN tag: not parsed */
	build(&p, false, P_TCP, 64, 5);
	put16(p.f + 12, 0x8100);
	tx_untouched(&p, "802.1Q");
	/* IPv4 TCP shorter than a TCP header (per the IP length) */
	build(&p, false, P_TCP, 0, 5);
	put16(p.f + ETH + 2, 20 + 19);
	tx_untouched(&p, "IPv4 TCP of 19 bytes");
	/* IPv4 with a total length beyond the frame, or a wrong version */
	build(&p, false, P_TCP, 10, 5);
	put16(p.f + ETH + 2, (uint16_t)(p.len - ETH + 1));
	tx_untouched(&p, "IPv4 length beyond the frame");
	build(&p, false, P_TCP, 10, 5);
	p.f[ETH] = 0x65;
	tx_untouched(&p, "IPv4 version 6");
	build(&p, false, P_TCP, 10, 5);
	p.f[ETH] = 0x44;
	tx_untouched(&p, "IPv4 IHL 4");
	build(&p, true, P_TCP, 10, 0);
	put16(p.f + ETH + 4, (uint16_t)(p.l4len + 1));
	tx_untouched(&p, "IPv6 length beyond the frame");
}

static void test_tx_fragment(void **state)
{
	rng_seed(7);
	static const uint16_t frag[] = { 0x2000 /* MF */, 0x0001, 0x0010 /* offsets */, 0x1fff,
					 0x2000 | 0x0100, 0x6000 /* DF + MF */ };
	static struct pkt p, q;
	for (size_t i = 0; i < sizeof(frag) / sizeof(frag[0]); i++)
		for (int off = 0; off < 2; off++) {
			build(&p, false, P_TCP, rnd_in(0, 1400), 5);
			uint8_t *ip = p.f + ETH;
			put16(ip + 6, frag[i]);
			put16(ip + 10, 0);
			put16(ip + 10, (uint16_t)~ref_sum(0, ip, 20));
			set_l4_csum(&p); /* over this fragment, as if it were all */
			uint16_t want = field(&p);
			q = p;
			put16(q.f + q.csum_at, (uint16_t)rnd());
			struct virtio_net_hdr h;
			memset(&h, 0xaa, sizeof(h));
			CHECK(vnet_tx_prepare(q.f, q.len, off, 0, &h) == 0, "frag %#x: not 0", frag[i]);
			assert_true(hdr_zero(&h));
			CHECK(field(&q) == want, "frag %#x offload %d: field %#x, reference %#x", frag[i],
			      off, field(&q), want);
			assert_memory_equal(q.f, p.f, p.len);
		}
}

static void tx_truncations(struct pkt *p, const char *what)
{
	for (size_t len = 0; len < p->len; len++)
		for (int off = 0; off < 2; off++) {
			uint8_t *f = malloc(len ? len : 1);
			assert_non_null(f);
			memcpy(f, p->f, len);
			struct virtio_net_hdr h;
			memset(&h, 0xaa, sizeof(h));
			CHECK(vnet_tx_prepare(f, len, off, 0, &h) == 0, "%s cut to %zu: not 0", what, len);
			CHECK(hdr_zero(&h), "%s cut to %zu: header not zeroed", what, len);
			CHECK(memcmp(f, p->f, len) == 0, "%s cut to %zu: changed", what, len);
			free(f);
		}
}

static void test_tx_truncated(void **state)
{
	rng_seed(8);
	static struct pkt p;
	build(&p, false, P_TCP, 0, 5);
	tx_truncations(&p, "IPv4 TCP");
	build(&p, false, P_TCP, 9, 7);
	tx_truncations(&p, "IPv4 TCP with options");
	build(&p, true, P_TCP, 0, 0);
	tx_truncations(&p, "IPv6 TCP");
	build(&p, true, P_TCP, 9, 0);
	tx_truncations(&p, "IPv6 TCP, odd payload");
	build_arp(&p);
	tx_truncations(&p, "ARP");
}

/* ==== 4. vnet_rx_check without NEEDS_CSUM: TCP verified ==== */

/* Every single-byte change that the checksum covers is caught; one segment. */
static void rx_every_byte(const struct pkt *p)
{
	static struct pkt q;
	q = *p;
	for (size_t i = 0; i < p->len; i++) {
		bool covered = i >= p->l4 ||
			       (!p->v6 && i >= ETH + 12 && i < ETH + 20) || /* IPv4 addresses */
			       (p->v6 && i >= ETH + 8 && i < ETH + 40);     /* IPv6 addresses */
		if (!covered)
			continue;
		uint8_t x = (uint8_t)rnd_in(1, 255);
		q.f[i] ^= x;
		int r = rx_one(q.f, q.len, &no_flags);
		CHECK(r == -1, "v6 %d len %zu: byte %zu ^ %#x gives %d", p->v6, p->len, i, x, r);
		/* the device vouched for it: let it through */
		assert_int_equal(rx_one(q.f, q.len, &data_valid), 0);
		q.f[i] ^= x;
	}
	assert_int_equal(rx_one(q.f, q.len, &no_flags), 0);
}

static void rx_tcp_case(bool v6, unsigned ihl_words)
{
	static const size_t plens[] = { 0, 1, 2, 3, 17, 536, 1459, 1460, 1461, 3001 };
	static struct pkt p;
	for (size_t k = 0; k < sizeof(plens) / sizeof(plens[0]); k++) {
		build(&p, v6, P_TCP, plens[k], ihl_words);
		assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
		assert_int_equal(rx_one(p.f, p.len, &data_valid), 0);
		if (plens[k] < 600)
			rx_every_byte(&p);
		/* DATA_VALID trusts even a wrong checksum */
		put16(p.f + p.csum_at, (uint16_t)(field(&p) ^ 0x0100));
		assert_int_equal(rx_one(p.f, p.len, &no_flags), -1);
		assert_int_equal(rx_one(p.f, p.len, &data_valid), 0);
	}
}

static void test_rx_tcp_v4(void **state)
{
	rng_seed(9);
	rx_tcp_case(false, 5);
}

static void test_rx_tcp_v4_options(void **state)
{
	rng_seed(10);
	rx_tcp_case(false, 6);
	rx_tcp_case(false, 15);
}

static void test_rx_tcp_v6(void **state)
{
	rng_seed(11);
	rx_tcp_case(true, 0);
}

/* Two segments, cut at every point after the TCP header. */
static void rx_every_cut(bool v6, size_t plen)
{
	static struct pkt p;
	build(&p, v6, P_TCP, plen, 5);
	size_t min_first = p.l4 + 20;
	for (size_t cut = min_first; cut < p.len; cut++) {
		size_t sizes[2] = { cut, p.len - cut };
		int r = rx_split(p.f, sizes, 2, &no_flags);
		CHECK(r == 0, "v6 %d plen %zu cut at %zu: %d", v6, plen, cut, r);
		/* a changed byte on either side of the cut, at both parities */
		for (size_t d = 0; d < 4; d++) {
			size_t at = d < 2 ? cut - 1 - d : cut + d - 2;
			if (at < p.l4 || at >= p.len)
				continue;
			p.f[at] ^= 0x40;
			r = rx_split(p.f, sizes, 2, &no_flags);
			p.f[at] ^= 0x40;
			CHECK(r == -1, "v6 %d plen %zu cut at %zu, byte %zu changed: %d", v6, plen, cut,
			      at, r);
		}
	}
}

static void test_rx_segments_every_cut(void **state)
{
	rng_seed(12);
	rx_every_cut(false, 1);
	rx_every_cut(false, 300);
	rx_every_cut(false, 301);
	rx_every_cut(true, 300);
	rx_every_cut(true, 301);
}

static void rx_random_segments(bool v6, int trials)
{
	static struct pkt p;
	for (int t = 0; t < trials; t++) {
		unsigned n = (unsigned)rnd_in(2, 5);
		build(&p, v6, P_TCP, rnd_in(n, 4000), rnd() % 4 ? 5 : (unsigned)rnd_in(6, 15));
		if (v6)
			assert_int_equal(p.l4, 54);
		size_t sizes[8] = { 0 };
		random_sizes(p.len, p.l4 + 20, n, sizes);
		int r = rx_split(p.f, sizes, n, &no_flags);
		CHECK(r == 0, "v6 %d len %zu, %u segments (%zu %zu %zu %zu %zu): %d", v6, p.len, n,
		      sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], r);
		/* one byte changed anywhere in the TCP segment */
		size_t at = rnd_in(p.l4, p.len - 1);
		uint8_t x = (uint8_t)rnd_in(1, 255);
		p.f[at] ^= x;
		r = rx_split(p.f, sizes, n, &no_flags);
		CHECK(r == -1, "v6 %d len %zu, %u segments (%zu %zu %zu %zu %zu), byte %zu ^ %#x: %d",
		      v6, p.len, n, sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], at, x, r);
		assert_int_equal(rx_split(p.f, sizes, n, &data_valid), 0);
		/* two words swapped keep the sum: not caught, and not expected to be */
	}
}

static void test_rx_segments_random_v4(void **state)
{
	rng_seed(13);
	rx_random_segments(false, 3000);
}

static void test_rx_segments_random_v6(void **state)
{
	rng_seed(14);
	rx_random_segments(true, 3000);
}

/* Empty segments (not expected from the device) change nothing. */
static void test_rx_empty_segments(void **state)
{
	rng_seed(15);
	static struct pkt p;
	build(&p, false, P_TCP, 201, 5);
	size_t a[4] = { 100, 0, p.len - 100, 0 };
	assert_int_equal(rx_split(p.f, a, 4, &no_flags), 0);
	size_t b[3] = { 101, 0, p.len - 101 };
	assert_int_equal(rx_split(p.f, b, 3, &no_flags), 0);
	p.f[150] ^= 1;
	assert_int_equal(rx_split(p.f, a, 4, &no_flags), -1);
	assert_int_equal(rx_split(p.f, b, 3, &no_flags), -1);
}

/* Short frames arrive padded to 60 bytes: the padding is not TCP. */
static void test_rx_ethernet_padding(void **state)
{
	rng_seed(16);
	static struct pkt p;
	for (int v6 = 0; v6 < 2; v6++)
		for (int pad = 0; pad < 3; pad++) {
			build(&p, v6, P_TCP, 0, 5);
			size_t padded = p.len + 6 + 16 * pad;
			memset(p.f + p.len, pad == 0 ? 0 : 0xa5 + pad, padded - p.len);
			assert_int_equal(rx_one(p.f, padded, &no_flags), 0);
			size_t sizes[2] = { p.len - 1, padded - p.len + 1 };
			assert_int_equal(rx_split(p.f, sizes, 2, &no_flags), 0);
			p.f[p.len - 1] ^= 0x10; /* the last TCP byte still counts */
			assert_int_equal(rx_one(p.f, padded, &no_flags), -1);
		}
}

/* TCP in IPv4 fragments: its checksum spans the datagram, which only the
 * stack reassembles: it goes up marked for the stack to check (a SYN with a
 * bad checksum in two fragments was answered when nobody checked it). */
static void test_rx_tcp_fragment(void **state)
{
	rng_seed(17);
	static struct pkt p;
	build(&p, false, P_TCP, 100, 5);
	put16(p.f + ETH + 6, 0x2000);
	put16(p.f + p.csum_at, (uint16_t)(field(&p) + 1));
	assert_int_equal(rx_one(p.f, p.len, &no_flags), VNET_RX_STACK_CHECK);
	put16(p.f + ETH + 6, 0x0020);
	assert_int_equal(rx_one(p.f, p.len, &no_flags), VNET_RX_STACK_CHECK);
	/* the device vouched for it: as it says */
	assert_int_equal(rx_one(p.f, p.len, &data_valid), 0);
	/* UDP fragments: lwIP checks UDP anyway */
	build(&p, false, P_UDP, 100, 5);
	put16(p.f + ETH + 6, 0x2000);
	assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
}

/* UDP, ICMP, ARP without NEEDS_CSUM: left to lwIP, even with wrong sums. */
static void test_rx_not_tcp(void **state)
{
	rng_seed(18);
	static struct pkt p, q;
	const struct { bool v6; uint8_t proto; } k[] = {
		{ false, P_UDP }, { false, P_ICMP }, { true, P_UDP }, { true, P_ICMP6 } };
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		build(&p, k[i].v6, k[i].proto, 77, 5);
		put16(p.f + p.csum_at, (uint16_t)(field(&p) ^ 0x0101));
		q = p;
		assert_int_equal(rx_one(q.f, q.len, &no_flags), 0);
		assert_int_equal(rx_one(q.f, q.len, &data_valid), 0);
		struct segs g;
		segs_one(&g, q.f, q.len);
		assert_int_equal(vnet_rx_check(g.s, g.n, &no_flags), 0);
		assert_memory_equal(g.s[0].p, p.f, p.len); /* untouched */
		segs_free(&g);
	}
	build_arp(&p);
	assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
	assert_int_equal(rx_one(p.f, p.len, &data_valid), 0);
	/* IPv6 behind extension headers (hop-by-hop, destination options,
	 * fragment): the stack must check what follows */
	const uint8_t ext[] = { 0, 43, 44, 60 };
	for (size_t i = 0; i < sizeof(ext); i++) {
		build(&p, true, P_TCP, 40, 0);
		p.f[ETH + 6] = ext[i];
		assert_int_equal(rx_one(p.f, p.len, &no_flags), VNET_RX_STACK_CHECK);
	}
	build(&p, true, P_TCP, 40, 0);
	p.f[ETH + 6] = 59; /* no next header: nothing to check */
	assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
	/* unknown ethertypes */
	build(&p, false, P_TCP, 40, 5);
	put16(p.f + 12, 0x88cc);
	put16(p.f + p.csum_at, (uint16_t)(field(&p) ^ 1));
	assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
}

/* ==== 5. vnet_rx_check with NEEDS_CSUM ==== */

static struct virtio_net_hdr needs(size_t start, size_t off)
{
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM };
	h.csum_start = (uint16_t)start;
	h.csum_offset = (uint16_t)off;
	return h;
}

/* What the host's stack sends: the folded pseudo-header sum in the field. */
static void make_partial(struct pkt *p) { put16(p->f + p->csum_at, ref_pseudo(p)); }

/* p is complete; send it partial in segments of sizes[], check the completed frame. */
static void rx_complete_case(const struct pkt *p, const size_t *sizes, unsigned n)
{
	static struct pkt q;
	static uint8_t out[8192];
	q = *p;
	uint16_t want = field(p);
	make_partial(&q);
	struct virtio_net_hdr h = needs(p->l4, p->csum_at - p->l4);
	struct segs g;
	segs_make(&g, q.f, sizes, n);
	int r = vnet_rx_check(g.s, g.n, &h);
	segs_join(&g, out);
	segs_free(&g);
	CHECK(r == 0, "v6 %d proto %u len %zu first %zu: %d", p->v6, p->proto, p->len, sizes[0], r);
	uint16_t got = be16(out + p->csum_at);
	CHECK(got == want, "v6 %d proto %u len %zu first %zu: completed %#x, reference %#x", p->v6,
	      p->proto, p->len, sizes[0], got, want);
	/* nothing else written */
	assert_memory_equal(out, p->f, p->csum_at);
	assert_memory_equal(out + p->csum_at + 2, p->f + p->csum_at + 2, p->len - p->csum_at - 2);
}

static void test_rx_needs_csum_udp(void **state)
{
	rng_seed(19);
	static struct pkt p;
	for (int t = 0; t < 2000; t++) {
		bool v6 = t % 2;
		uint8_t proto = t % 5 == 4 ? (v6 ? P_ICMP6 : P_ICMP) : P_UDP;
		build(&p, v6, proto, t < 20 ? (size_t)t : rnd_in(0, 4000), 5);
		if (proto == P_UDP && t % 7 == 0)
			assert_int_equal(p.l4, v6 ? 54 : 34);
		rx_complete_case(&p, &p.len, 1);
		/* in segments, the field in the first */
		unsigned n = (unsigned)rnd_in(2, 5);
		if (p.len - (p.csum_at + 2) >= n - 1) {
			size_t sizes[8];
			random_sizes(p.len, p.csum_at + 2, n, sizes);
			rx_complete_case(&p, sizes, n);
		}
	}
}

/* A UDP sum of 0 goes out as 0xffff (0 is "no checksum", RFC 768). */
static void test_rx_needs_csum_udp_zero(void **state)
{
	rng_seed(20);
	static struct pkt p;
	for (int t = 0; t < 200; t++) {
		bool v6 = t % 2;
		build(&p, v6, P_UDP, rnd_in(2, 1500), 5);
		/* choose the first payload word so the true sum is 0 */
		uint8_t *w = p.f + p.l4 + 8;
		put16(w, 0);
		uint16_t s = (uint16_t)~ref_l4_csum(&p);
		put16(w, (uint16_t)(0xffff - s));
		assert_int_equal(ref_l4_csum(&p), 0);
		put16(p.f + p.csum_at, 0xffff); /* the complete frame */
		assert_true(ref_verifies(&p));
		size_t sizes[2] = { p.csum_at + 2 + rnd() % 3, 0 };
		sizes[1] = p.len - sizes[0];
		rx_complete_case(&p, &p.len, 1);
		if (sizes[1])
			rx_complete_case(&p, sizes, 2);
	}
}

/* The host's own TCP goes up as it is (lwIP does not check TCP here). */
static void test_rx_needs_csum_tcp(void **state)
{
	rng_seed(21);
	static struct pkt p;
	for (int v6 = 0; v6 < 2; v6++)
		for (int t = 0; t < 50; t++) {
			build(&p, v6, P_TCP, rnd_in(0, 3000), 5);
			make_partial(&p);
			struct virtio_net_hdr h = needs(p.l4, 16);
			struct segs g;
			size_t sizes[8] = { p.len };
			unsigned n = (unsigned)rnd_in(1, 4);
			if (p.len - (p.l4 + 20) < n - 1)
				n = 1;
			if (n > 1)
				random_sizes(p.len, p.l4 + 20, n, sizes);
			segs_make(&g, p.f, sizes, n);
			assert_int_equal(vnet_rx_check(g.s, g.n, &h), 0);
			static uint8_t out[8192];
			segs_join(&g, out);
			segs_free(&g);
			assert_memory_equal(out, p.f, p.len);
		}
}

/* A field the first segment does not hold: dropped. */
static void test_rx_needs_csum_bounds(void **state)
{
	rng_seed(22);
	static struct pkt p;
	build(&p, false, P_UDP, 100, 5);
	make_partial(&p);
	/* one segment */
	struct virtio_net_hdr h = needs(p.len - 1, 0);
	assert_int_equal(rx_one(p.f, p.len, &h), -1);
	h = needs(p.len, 0);
	assert_int_equal(rx_one(p.f, p.len, &h), -1);
	h = needs(34, p.len - 34 - 1);
	assert_int_equal(rx_one(p.f, p.len, &h), -1);
	h = needs(0xffff, 0xffff);
	assert_int_equal(rx_one(p.f, p.len, &h), -1);
	h = needs(0, 0xffff);
	assert_int_equal(rx_one(p.f, p.len, &h), -1);
	h = needs(p.len - 2, 0); /* the last two bytes: inside */
	assert_int_equal(rx_one(p.f, p.len, &h), 0);
	/* two segments: UDP's field at 40..41 */
	h = needs(34, 6);
	for (size_t first = 20; first < 60; first++) {
		size_t sizes[2] = { first, p.len - first };
		int r = rx_split(p.f, sizes, 2, &h);
		CHECK(r == (first >= 42 ? 0 : -1), "first segment of %zu: %d", first, r);
	}
	/* a field beyond the first segment whose start is in it */
	size_t sizes[2] = { 60, p.len - 60 };
	h = needs(34, 26);
	assert_int_equal(rx_split(p.f, sizes, 2, &h), -1);
	h = needs(34, 24);
	assert_int_equal(rx_split(p.f, sizes, 2, &h), 0);
	/* TCP's field too */
	build(&p, false, P_TCP, 100, 5);
	make_partial(&p);
	h = needs(34, 16);
	size_t t[2] = { 51, p.len - 51 };
	assert_int_equal(rx_split(p.f, t, 2, &h), -1);
	t[0] = 52, t[1] = p.len - 52;
	assert_int_equal(rx_split(p.f, t, 2, &h), 0);
}

/* ==== 6. malformed frames ==== */

static void rx_bad(const uint8_t *f, size_t len, const char *what)
{
	CHECK(rx_one(f, len, &no_flags) == -1, "%s: not dropped", what);
	CHECK(rx_one(f, len, &data_valid) == -1, "%s (DATA_VALID): not dropped", what);
	struct virtio_net_hdr h = needs(34, 6);
	if (len >= 42)
		CHECK(rx_one(f, len, &h) == -1, "%s (NEEDS_CSUM): not dropped", what);
}

/* Each drop says why (the driver prints it). */
static void test_rx_reasons(void **state)
{
	rng_seed(31);
	static struct pkt p;
	struct segs g;
	build(&p, false, P_TCP, 100, 5);
	p.f[p.len - 1] ^= 1;
	segs_one(&g, p.f, p.len);
	assert_int_equal(vnet_rx_check(g.s, g.n, &no_flags), VNET_RX_BAD_CSUM);
	segs_free(&g);
	build(&p, false, P_TCP, 100, 5);
	put16(p.f + ETH + 2, 0xffff);
	segs_one(&g, p.f, p.len);
	assert_int_equal(vnet_rx_check(g.s, g.n, &no_flags), VNET_RX_BAD_HDR);
	segs_free(&g);
	build(&p, false, P_UDP, 100, 5);
	make_partial(&p);
	struct virtio_net_hdr h = needs(p.len, 0);
	segs_one(&g, p.f, p.len);
	assert_int_equal(vnet_rx_check(g.s, g.n, &h), VNET_RX_BAD_OFFLOAD);
	segs_free(&g);
	assert_string_equal(vnet_rx_strerror(VNET_RX_BAD_CSUM), "a TCP checksum that does not verify");
	assert_non_null(strstr(vnet_rx_strerror(VNET_RX_BAD_HDR), "IP headers"));
	assert_non_null(strstr(vnet_rx_strerror(VNET_RX_BAD_OFFLOAD), "NEEDS_CSUM"));
	assert_string_equal(vnet_rx_strerror(0), "no error");
	assert_string_equal(vnet_rx_strerror(-99), "an unknown reason");
}

static void test_rx_malformed(void **state)
{
	rng_seed(23);
	static struct pkt p;
	char what[80];
	const uint8_t protos[] = { P_TCP, P_UDP, P_ICMP };
	for (size_t k = 0; k < sizeof(protos); k++) {
		uint8_t pr = protos[k];
		/* IPv4 total length beyond the frame (exactly the frame is fine) */
		build(&p, false, pr, 50, 5);
		put16(p.f + ETH + 2, (uint16_t)(p.len - ETH + 1));
		rx_bad(p.f, p.len, "IPv4 total length + 1");
		put16(p.f + ETH + 2, 0xffff);
		rx_bad(p.f, p.len, "IPv4 total length 65535");
		put16(p.f + ETH + 2, (uint16_t)(p.len - ETH));
		assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
		/* total length below the header */
		for (uint16_t tot = 0; tot < 20; tot++) {
			put16(p.f + ETH + 2, tot);
			snprintf(what, sizeof(what), "IPv4 total length %u", tot);
			rx_bad(p.f, p.len, what);
		}
		/* IHL < 5 */
		build(&p, false, pr, 50, 5);
		for (unsigned ihl = 0; ihl < 5; ihl++) {
			p.f[ETH] = (uint8_t)(0x40 | ihl);
			snprintf(what, sizeof(what), "IHL %u", ihl);
			rx_bad(p.f, p.len, what);
		}
		/* IHL beyond the frame, and beyond the total length */
		build(&p, false, pr, 0, 5);
		p.f[ETH] = 0x4f; /* 60 bytes of header in a 28-byte packet */
		rx_bad(p.f, p.len, "IHL 15 beyond the frame");
		build(&p, false, pr, 100, 5);
		p.f[ETH] = 0x4f;
		put16(p.f + ETH + 2, 40);
		rx_bad(p.f, p.len, "IHL 15, total length 40");
		/* version nibble */
		static const uint8_t vers[] = { 0x05, 0x65, 0x55, 0xf5 };
		for (size_t i = 0; i < sizeof(vers); i++) {
			build(&p, false, pr, 50, 5);
			p.f[ETH] = vers[i];
			snprintf(what, sizeof(what), "IPv4 ethertype, first byte %#x", vers[i]);
			rx_bad(p.f, p.len, what);
		}
		/* IPv6 */
		uint8_t pr6 = pr == P_ICMP ? P_ICMP6 : pr;
		build(&p, true, pr6, 50, 0);
		put16(p.f + ETH + 4, (uint16_t)(p.l4len + 1));
		rx_bad(p.f, p.len, "IPv6 payload length + 1");
		put16(p.f + ETH + 4, 0xffff);
		rx_bad(p.f, p.len, "IPv6 payload length 65535");
		put16(p.f + ETH + 4, (uint16_t)p.l4len);
		assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
		p.f[ETH] = 0x40;
		rx_bad(p.f, p.len, "IPv6 ethertype, version 4");
		p.f[ETH] = 0x00;
		rx_bad(p.f, p.len, "IPv6 ethertype, version 0");
		/* IP headers cut by the frame's end */
		build(&p, false, pr, 0, 5);
		rx_bad(p.f, ETH + 19, "IPv4 header of 19 bytes");
		build(&p, true, pr6, 0, 0);
		rx_bad(p.f, ETH + 39, "IPv6 header of 39 bytes");
	}
	/* TCP shorter than its header (per the IP length), even with a checksum
	 * that verifies over those 19 bytes: dropped */
	for (int v6 = 0; v6 < 2; v6++) {
		build(&p, v6, P_TCP, 0, 5);
		put16(p.f + (v6 ? ETH + 4 : ETH + 2), v6 ? 19 : 20 + 19);
		p.l4len = 19;
		set_l4_csum(&p);
		assert_true(ref_verifies(&p));
		assert_int_equal(rx_one(p.f, p.len, &no_flags), -1);
		assert_int_equal(rx_one(p.f, p.l4 + 19, &no_flags), -1);
	}

	/* no segments */
	struct vnet_seg s = { p.f, p.len };
	assert_int_equal(vnet_rx_check(&s, 0, &no_flags), VNET_RX_BAD_HDR);
	assert_int_equal(vnet_rx_check(&s, 0, &data_valid), VNET_RX_BAD_HDR);
	/* shorter than an Ethernet header */
	for (size_t len = 0; len < ETH; len++) {
		snprintf(what, sizeof(what), "a frame of %zu bytes", len);
		rx_bad(p.f, len, what);
		struct virtio_net_hdr h = needs(0, 0);
		CHECK(rx_one(p.f, len, &h) == -1, "%s (NEEDS_CSUM 0/0): not dropped", what);
	}
	/* ... also split */
	size_t sz[3] = { 5, 0, 8 };
	assert_int_equal(rx_split(p.f, sz, 3, &no_flags), -1);
	/* ARP, and ARP padded to 60 bytes */
	build_arp(&p);
	assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
	assert_int_equal(rx_one(p.f, 60, &no_flags), 0);
	assert_int_equal(rx_one(p.f, ETH, &no_flags), 0);
}

/* Every truncation of good frames, one segment in an exact-size buffer:
 * a cut IP packet is dropped, nothing is read beyond the frame. */
static void test_rx_truncated(void **state)
{
	rng_seed(24);
	static struct pkt p;
	for (int v6 = 0; v6 < 2; v6++) {
		build(&p, v6, P_TCP, 33, 5);
		for (size_t len = 0; len < p.len; len++) {
			CHECK(rx_one(p.f, len, &no_flags) == -1, "v6 %d cut to %zu: not dropped", v6,
			      len);
		}
		assert_int_equal(rx_one(p.f, p.len, &no_flags), 0);
	}
}

/* ==== consistency and fuzz ==== */

static void mutate(uint8_t *f, size_t len)
{
	int k = (int)rnd_in(0, 3);
	for (int i = 0; i < k && len; i++) {
		/* mostly in the headers */
		size_t at = rnd() % 4 ? rnd_in(0, len < 80 ? len - 1 : 79) : rnd_in(0, len - 1);
		switch (rnd() % 4) {
		case 0: f[at] = (uint8_t)rnd(); break;
		case 1: f[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
		case 2: f[at] = 0; break;
		default: f[at] = 0xff; break;
		}
	}
}

/* Where the IP datagram of f ends, per its header; 0 if not IP. */
static size_t ip_end(const uint8_t *f, size_t len)
{
	if (len < ETH + 40)
		return 0;
	if (be16(f + 12) == 0x0800)
		return ETH + be16(f + ETH + 2);
	if (be16(f + 12) == 0x86dd)
		return ETH + 40 + be16(f + ETH + 4);
	return 0;
}

static void test_fuzz(void **state)
{
	rng_seed(25);
	static struct pkt p;
	static uint8_t out[8192];
	for (int t = 0; t < 20000; t++) {
		static const uint8_t protos[] = { P_TCP, P_TCP, P_UDP, P_ICMP };
		bool v6 = rnd() % 2;
		uint8_t pr = protos[rnd() % 4];
		if (pr == P_ICMP && v6)
			pr = P_ICMP6;
		if (rnd() % 16 == 0)
			build_arp(&p);
		else
			build(&p, v6, pr, rnd_in(0, 1600), rnd() % 4 ? 5 : (unsigned)rnd_in(5, 15));
		mutate(p.f, p.len);
		size_t len = rnd() % 8 ? p.len : rnd_in(0, p.len);
		if (rnd() % 8 == 0 && len < sizeof(p.f) - 16) { /* trailing junk */
			size_t extra = rnd_in(1, 16);
			rnd_fill(p.f + len, extra);
			len += extra;
		}

		/* transmit: then a single-segment receive must accept what it made */
		uint8_t *f = malloc(len ? len : 1);
		assert_non_null(f);
		memcpy(f, p.f, len);
		struct virtio_net_hdr h;
		bool off = rnd() % 2;
		unsigned gm = rnd() % 3 ? 0 : (unsigned)rnd_in(576, 1500);
		int r = vnet_tx_prepare(f, len, off, gm, &h);
		CHECK(r >= -1 && r <= 2, "tx %d", r);
		if (r == -1) {
			CHECK(gm && len > ETH + gm, "t %d: refused a frame of %zu (gso_mtu %u)", t, len, gm);
			free(f);
			continue;
		}
		if (r == 2) {
			CHECK(off && gm && len > ETH + gm, "t %d: TSO for %zu bytes (gso_mtu %u)", t, len, gm);
			assert_true(h.gso_size > 0 && h.hdr_len > h.csum_start);
			gso_cut_and_check(f, len, &h, be16(f + 12) == 0x86dd);
			free(f);
			continue;
		}
		if (r == 1) {
			assert_true(off);
			assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
			assert_int_equal(h.csum_offset, 16);
			device_complete(f, len, &h);
		} else {
			assert_true(hdr_zero(&h));
		}
		/* (a device sums up to the frame's end: only when the IP datagram
		 * ends there does its sum match what rx_check verifies) */
		if ((r == 1 && ip_end(f, len) == len) || (r == 0 && memcmp(f, p.f, len) != 0))
			CHECK(rx_one(f, len, &no_flags) >= 0, "t %d: tx_prepare's frame (r %d) dropped",
			      t, r);
		free(f);

		/* receive: random segments, random header */
		unsigned n = (unsigned)rnd_in(1, 5);
		size_t sizes[8], left = len;
		for (unsigned i = 0; i < n; i++) {
			sizes[i] = i + 1 == n ? left : rnd_in(0, left);
			left -= sizes[i];
		}
		struct virtio_net_hdr rh;
		memset(&rh, 0, sizeof(rh));
		rh.flags = (uint8_t)(rnd() % 4);
		if (rh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
			rh.csum_start = (uint16_t)(rnd() % 2 ? rnd_in(0, len + 4) : rnd());
			rh.csum_offset = (uint16_t)(rnd() % 2 ? rnd_in(0, 20) : rnd());
		}
		struct segs g;
		segs_make(&g, p.f, sizes, n);
		r = vnet_rx_check(g.s, g.n, &rh);
		CHECK(r == 0 || r == VNET_RX_STACK_CHECK || r == VNET_RX_BAD_CSUM || r == VNET_RX_BAD_HDR || r == VNET_RX_BAD_OFFLOAD,
		      "rx %d", r);
		segs_join(&g, out);
		segs_free(&g);
		if (!(rh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || r != 0)
			CHECK(memcmp(out, p.f, len) == 0, "t %d: rx_check changed a frame (flags %u r %d)",
			      t, rh.flags, r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_vectors),
		cmocka_unit_test(test_csum_random),
		cmocka_unit_test(test_tx_tcp_v4),
		cmocka_unit_test(test_tx_tcp_zero_padding),
		cmocka_unit_test(test_tx_tcp_v4_options),
		cmocka_unit_test(test_tx_tcp_v6),
		cmocka_unit_test(test_tx_tcp_zero_sum),
		cmocka_unit_test(test_tx_tso),
		cmocka_unit_test(test_tx_tso_refused),
		cmocka_unit_test(test_tx_not_tcp),
		cmocka_unit_test(test_tx_fragment),
		cmocka_unit_test(test_tx_truncated),
		cmocka_unit_test(test_rx_tcp_v4),
		cmocka_unit_test(test_rx_tcp_v4_options),
		cmocka_unit_test(test_rx_tcp_v6),
		cmocka_unit_test(test_rx_segments_every_cut),
		cmocka_unit_test(test_rx_segments_random_v4),
		cmocka_unit_test(test_rx_segments_random_v6),
		cmocka_unit_test(test_rx_empty_segments),
		cmocka_unit_test(test_rx_ethernet_padding),
		cmocka_unit_test(test_rx_tcp_fragment),
		cmocka_unit_test(test_rx_not_tcp),
		cmocka_unit_test(test_rx_needs_csum_udp),
		cmocka_unit_test(test_rx_needs_csum_udp_zero),
		cmocka_unit_test(test_rx_needs_csum_tcp),
		cmocka_unit_test(test_rx_needs_csum_bounds),
		cmocka_unit_test(test_rx_reasons),
		cmocka_unit_test(test_rx_malformed),
		cmocka_unit_test(test_rx_truncated),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
