/*
 * tst-net-raw: raw ICMP sockets, socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) and
 * socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), with Linux's semantics (raw(7),
 * icmp(7), icmp6(7); also run on the host as host.net-raw, as root):
 *
 *   IPv4     an echo request to 127.0.0.1 comes back twice: the request
 *            itself (the loopback delivers it to every raw ICMP socket, as
 *            Linux's lo does) and the kernel's reply, each WITH its IPv4
 *            header (version, length, TTL as set by IP_TTL, protocol,
 *            addresses, a valid header checksum); the request exactly as
 *            sent (identifier and checksum untouched), the reply with the
 *            data echoed and a valid checksum; the source address with port
 *            0; MSG_PEEK, FIONREAD, poll and epoll, MSG_TRUNC both ways, an
 *            IP_TTL control message (IP_RECVTTL); a request with a wrong
 *            checksum is seen but not answered; ICMP_FILTER; bind and
 *            connect as filters; a ping socket's echo beside raw sockets
 *   IPv6     no IPv6 header on receive; the kernel computes the ICMPv6
 *            checksum (whatever the caller put there); ICMP6_FILTER passing
 *            only echo replies (what busybox ping6 sets); hop limits by
 *            IPV6_UNICAST_HOPS and in IPV6_HOPLIMIT / IPV6_2292HOPLIMIT
 *            control messages; IPV6_CHECKSUM's rules
 *   errors   protocol 0 (EPROTONOSUPPORT), short and oversized sends
 *            (Linux reads the ICMP type first: EFAULT under 2 bytes),
 *            EDESTADDRREQ, EAFNOSUPPORT, EACCES for broadcast, options at
 *            the wrong level (ENOPROTOOPT), SO_RCVBUF dropping, SO_RCVTIMEO,
 *            MSG_DONTWAIT
 *
 * Variants: lo (no NIC: only the loopback's addresses, nothing routes
 * elsewhere) and nic (--net user with a static 10.0.2.15: bind and connect
 * to the NIC's address against packets over 127.0.0.1, a connected socket
 * whose peer never speaks, EACCES for broadcast). On the host the other
 * address is the source of a UDP socket connected outwards.
 *
 * Jiny refuses raw sockets of other protocols (UDP, TCP, IPPROTO_RAW, ...)
 * and IP_HDRINCL, where Linux accepts them (docs/net.md): those checks are
 * Jiny's only. On the host every ICMP packet of the machine reaches these
 * sockets (other tests ping 127.0.0.1 meanwhile): packets are told apart by
 * an identifier and sequence number of this run, and others are skipped.
 */
// EXPECT: ^tst: tst-net-raw: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
// TIMEOUT: 120
// VARIANT: lo
// VARIANT: nic --net user --kopt ip=10.0.2.15/24,10.0.2.2
// ARGS(nic): 10.0.2.15
#include "fstest.h"
#include <poll.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <arpa/inet.h>

#ifndef SOL_RAW
#define SOL_RAW 255
#endif
#ifndef ICMP_FILTER
#define ICMP_FILTER 1 /* linux/icmp.h, which clashes with netinet/ip_icmp.h */
#endif
#ifndef IPV6_2292HOPLIMIT
#define IPV6_2292HOPLIMIT 8
#endif

#define DATA 56          /* ping's default: 64 bytes of ICMP */
#define WAIT_MS 3000     /* for a packet that must come */
#define QUIET_MS 300     /* for one that must not */

static uint16_t ident;   /* this run's echo identifier */
static uint16_t next_seq = 1;

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* RFC 1071 over a buffer, starting from sum. */
static uint32_t sum16(const void *p, size_t n, uint32_t sum)
{
	const uint8_t *b = p;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* 0 when the checksum over the bytes (checksum field included) is right */
static uint16_t verify(const void *p, size_t n)
{
	return fold(sum16(p, n, 0));
}

/* ICMPv6: the same, with the pseudo-header */
static uint16_t verify6(const struct in6_addr *src, const struct in6_addr *dst, const void *p,
			size_t n)
{
	uint32_t s = sum16(src, 16, 0);
	s = sum16(dst, 16, s);
	s += (uint32_t)(n >> 16) + (uint32_t)(n & 0xffff) + 58;
	return fold(sum16(p, n, s));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* An echo request: type, code 0, checksum (IPv4: computed; IPv6: csum as
 * given, for the kernel to replace), ident, seq, then DATA-ish bytes. */
static size_t echo(uint8_t *b, int v6, uint16_t seq, size_t len, uint16_t csum)
{
	memset(b, 0, 8);
	b[0] = v6 ? 128 : 8;
	b[4] = (uint8_t)(ident >> 8), b[5] = (uint8_t)ident;
	b[6] = (uint8_t)(seq >> 8), b[7] = (uint8_t)seq;
	for (size_t i = 8; i < len; i++)
		b[i] = (uint8_t)(i * 7 + seq);
	uint16_t c = v6 ? csum : fold(sum16(b, len, 0));
	b[2] = (uint8_t)(c >> 8), b[3] = (uint8_t)c;
	return len;
}

static socklen_t lo4(struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

static socklen_t lo6(struct sockaddr_in6 *a)
{
	memset(a, 0, sizeof(*a));
	a->sin6_family = AF_INET6;
	a->sin6_addr = in6addr_loopback;
	return sizeof(*a);
}

/* A packet as received */
struct pkt {
	ssize_t len;               /* recvmsg's result */
	uint8_t b[70000];
	struct sockaddr_storage from;
	socklen_t fromlen;
	int flags;                 /* msg_flags */
	int ttl, hop, hop2292;     /* from control messages; -1: none */
	int icmp;                  /* offset of the ICMP header in b */
};

static struct pkt pk;

static ssize_t recv_pkt(int fd, struct pkt *p, size_t room, int flags, int v6)
{
	char ctl[256];
	struct iovec iov = { p->b, room };
	struct msghdr mh = { .msg_name = &p->from, .msg_namelen = sizeof(p->from),
			     .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	p->len = recvmsg(fd, &mh, flags);
	p->fromlen = mh.msg_namelen;
	p->flags = mh.msg_flags;
	p->ttl = p->hop = p->hop2292 = -1;
	if (p->len < 0)
		return p->len;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		int v;
		memcpy(&v, CMSG_DATA(c), sizeof(v));
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
			p->ttl = v;
		else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
			p->hop = v;
		else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_2292HOPLIMIT)
			p->hop2292 = v;
	}
	p->icmp = v6 || p->len < 20 ? 0 : (p->b[0] & 15) * 4;
	return p->len;
}

/* Is p (whole) one of ours: an echo request or reply with our identifier and seq? */
static int ours(const struct pkt *p, uint16_t seq)
{
	if (p->len < p->icmp + 8)
		return 0;
	const uint8_t *h = p->b + p->icmp;
	return get16(h + 4) == ident && get16(h + 6) == seq &&
	       (h[0] == 0 || h[0] == 8 || h[0] == 128 || h[0] == 129);
}

/*
 * Wait (up to ms) until the head of fd's queue is a packet of ours with
 * this seq, consuming others' packets; 1 when it is there (left queued), 0
 * when none came.
 */
static int head_ours(int fd, int v6, uint16_t seq, int ms)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int left = ms - (int)ms_since(&t0);
		struct pollfd pf = { fd, POLLIN, 0 };
		if (left < 0 || poll(&pf, 1, left) <= 0)
			return 0;
		if (recv_pkt(fd, &pk, sizeof(pk.b), MSG_PEEK | MSG_DONTWAIT, v6) < 0)
			continue;
		if (ours(&pk, seq))
			return 1;
		recv_pkt(fd, &pk, sizeof(pk.b), MSG_DONTWAIT, v6); /* someone else's */
	}
}

/* The next packet of ours with seq, received into pk; 1, or 0 if none came. */
static int next_ours(int fd, int v6, uint16_t seq, int ms)
{
	if (!head_ours(fd, v6, seq, ms))
		return 0;
	return recv_pkt(fd, &pk, sizeof(pk.b), MSG_DONTWAIT, v6) > 0 && ours(&pk, seq);
}

static int raw4(void)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	CHECK_OK(s);
	return s;
}

static int raw6(void)
{
	int s = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	CHECK_OK(s);
	return s;
}

static int send4(int s, const uint8_t *b, size_t n)
{
	struct sockaddr_in a;
	return (int)sendto(s, b, n, 0, (struct sockaddr *)&a, lo4(&a));
}

static int send6(int s, const uint8_t *b, size_t n)
{
	struct sockaddr_in6 a;
	return (int)sendto(s, b, n, 0, (struct sockaddr *)&a, lo6(&a));
}

/* The IPv4 header of pk: a packet from 127.0.0.1 to 127.0.0.1 of n ICMP bytes. */
static void check_ip4(size_t n, int ttl)
{
	const uint8_t *ip = pk.b;
	CHECK_EQ(ip[0], 0x45);                 /* version 4, 20-byte header */
	CHECK_EQ(get16(ip + 2), 20 + n);       /* total length, network order */
	CHECK_EQ(pk.len, 20 + n);
	if (ttl)
		CHECK_EQ(ip[8], ttl);
	CHECK_EQ(ip[9], IPPROTO_ICMP);
	CHECK_EQ(verify(ip, 20), 0);           /* header checksum */
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4), memcpy(&dst, ip + 16, 4);
	CHECK_EQ(ntohl(src), INADDR_LOOPBACK);
	CHECK_EQ(ntohl(dst), INADDR_LOOPBACK);
	const struct sockaddr_in *f = (const void *)&pk.from;
	CHECK_EQ(pk.fromlen, sizeof(struct sockaddr_in));
	CHECK_EQ(f->sin_family, AF_INET);
	CHECK_EQ(f->sin_port, 0);
	CHECK_EQ(ntohl(f->sin_addr.s_addr), INADDR_LOOPBACK);
}

static void check_from6(void)
{
	const struct sockaddr_in6 *f = (const void *)&pk.from;
	CHECK_EQ(pk.fromlen, sizeof(struct sockaddr_in6));
	CHECK_EQ(f->sin6_family, AF_INET6);
	CHECK_EQ(f->sin6_port, 0);
	CHECK(IN6_IS_ADDR_LOOPBACK(&f->sin6_addr));
}

/* ---- the cases ---- */

static void run_case(const char *name, void (*fn)(void))
{
	unsigned long f0 = tst_failures, c0 = tst_checks;
	fn();
	printf("case %s: %s (%lu checks, %lu failures)\n", name,
	       tst_failures == f0 ? "ok" : "FAILED", tst_checks - c0, tst_failures - f0);
}
#define RUN_CASE(fn) run_case(#fn, fn)

static void creation(void)
{
	int v;
	socklen_t l;

	CHECK_ERR(socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET6, SOCK_RAW, 0), EPROTONOSUPPORT);
#ifndef JINY_HOST_BUILD
	/* Linux (root) accepts these; Jiny has raw ICMP sockets only */
	CHECK_ERR(socket(AF_INET, SOCK_RAW, IPPROTO_UDP), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_RAW, IPPROTO_TCP), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_RAW, IPPROTO_RAW), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_RAW, IPPROTO_ICMPV6), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMP), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET6, SOCK_RAW, IPPROTO_UDP), EPROTONOSUPPORT);
#endif
	int s4 = raw4(), s6 = raw6();
	struct { int fd, dom, proto; } t[] = { { s4, AF_INET, IPPROTO_ICMP },
					      { s6, AF_INET6, IPPROTO_ICMPV6 } };
	for (int i = 0; i < 2; i++) {
		l = sizeof(v);
		CHECK_OK(getsockopt(t[i].fd, SOL_SOCKET, SO_TYPE, &v, &l));
		CHECK_EQ(v, SOCK_RAW);
		CHECK_OK(getsockopt(t[i].fd, SOL_SOCKET, SO_PROTOCOL, &v, &l));
		CHECK_EQ(v, t[i].proto);
		CHECK_OK(getsockopt(t[i].fd, SOL_SOCKET, SO_DOMAIN, &v, &l));
		CHECK_EQ(v, t[i].dom);
		/* the "port" of a raw socket is its protocol */
		struct sockaddr_storage ss;
		l = sizeof(ss);
		CHECK_OK(getsockname(t[i].fd, (struct sockaddr *)&ss, &l));
		CHECK_EQ(ss.ss_family, t[i].dom);
		if (i == 0) {
			struct sockaddr_in *a = (void *)&ss;
			CHECK_EQ(l, sizeof(*a));
			CHECK_EQ(ntohs(a->sin_port), IPPROTO_ICMP);
			CHECK_EQ(a->sin_addr.s_addr, 0);
		} else {
			struct sockaddr_in6 *a = (void *)&ss;
			CHECK_EQ(l, sizeof(*a));
			CHECK_EQ(ntohs(a->sin6_port), IPPROTO_ICMPV6);
			CHECK(IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr));
		}
		l = sizeof(ss);
		CHECK_ERR(getpeername(t[i].fd, (struct sockaddr *)&ss, &l), ENOTCONN);
	}

	/* IPv4 options */
	l = sizeof(v), v = 7;
	CHECK_OK(getsockopt(s4, IPPROTO_IP, IP_HDRINCL, &v, &l));
	CHECK_EQ(v, 0);
#ifndef JINY_HOST_BUILD
	v = 1;
	CHECK_ERR(setsockopt(s4, IPPROTO_IP, IP_HDRINCL, &v, sizeof(v)), EINVAL);
#endif
	uint32_t f = 0xdead, f2[2] = { 0 };
	l = sizeof(f);
	CHECK_OK(getsockopt(s4, SOL_RAW, ICMP_FILTER, &f, &l));
	CHECK_EQ(f, 0);
	CHECK_EQ(l, 4);
	f = 1u << 8 | 1u << 3;
	CHECK_OK(setsockopt(s4, SOL_RAW, ICMP_FILTER, &f, sizeof(f)));
	l = sizeof(f2); /* more room: 4 bytes */
	CHECK_OK(getsockopt(s4, SOL_RAW, ICMP_FILTER, f2, &l));
	CHECK_EQ(l, 4);
	CHECK_EQ(f2[0], 1u << 8 | 1u << 3);
	f = 0;
	CHECK_OK(setsockopt(s4, SOL_RAW, ICMP_FILTER, &f, sizeof(f)));
	CHECK_ERR(setsockopt(s4, SOL_RAW, 2, &f, sizeof(f)), ENOPROTOOPT);
	CHECK_ERR(setsockopt(s4, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)), ENOPROTOOPT);
	v = 1;
	CHECK_OK(setsockopt(s4, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v)));
	CHECK_OK(setsockopt(s4, IPPROTO_IP, IP_RECVTTL, &v, sizeof(v)));
	l = sizeof(v), v = 0;
	CHECK_OK(getsockopt(s4, IPPROTO_IP, IP_RECVTTL, &v, &l));
	CHECK_EQ(v, 1);
	v = 300;
	CHECK_ERR(setsockopt(s4, IPPROTO_IP, IP_TTL, &v, sizeof(v)), EINVAL);
	v = 1;
	CHECK_ERR(setsockopt(s4, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), ENOPROTOOPT);

	/* IPv6 options */
	struct icmp6_filter flt;
	memset(&flt, 0x55, sizeof(flt));
	l = sizeof(flt);
	CHECK_OK(getsockopt(s6, IPPROTO_ICMPV6, ICMP6_FILTER, &flt, &l));
	CHECK_EQ(l, sizeof(flt));
	int all_pass = 1;
	for (int i = 0; i < 256; i++)
		all_pass &= !ICMP6_FILTER_WILLBLOCK(i, &flt);
	CHECK(all_pass);
	ICMP6_FILTER_SETBLOCKALL(&flt);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &flt);
	CHECK_OK(setsockopt(s6, IPPROTO_ICMPV6, ICMP6_FILTER, &flt, sizeof(flt)));
	memset(&flt, 0, sizeof(flt));
	l = sizeof(flt);
	CHECK_OK(getsockopt(s6, IPPROTO_ICMPV6, ICMP6_FILTER, &flt, &l));
	CHECK(ICMP6_FILTER_WILLPASS(ICMP6_ECHO_REPLY, &flt));
	CHECK(ICMP6_FILTER_WILLBLOCK(ICMP6_ECHO_REQUEST, &flt));
	CHECK(ICMP6_FILTER_WILLBLOCK(0, &flt) && ICMP6_FILTER_WILLBLOCK(255, &flt));
	CHECK_ERR(setsockopt(s6, IPPROTO_ICMPV6, 2, &flt, sizeof(flt)), ENOPROTOOPT);
	f = 1;
	CHECK_ERR(setsockopt(s6, SOL_RAW, ICMP_FILTER, &f, sizeof(f)), ENOPROTOOPT);
	/* IPV6_CHECKSUM: always on at offset 2 for ICMPv6; settable at SOL_RAW only */
	l = sizeof(v), v = 0;
	CHECK_OK(getsockopt(s6, SOL_RAW, IPV6_CHECKSUM, &v, &l));
	CHECK_EQ(v, 2);
	l = sizeof(v), v = 0;
	CHECK_OK(getsockopt(s6, IPPROTO_IPV6, IPV6_CHECKSUM, &v, &l));
	CHECK_EQ(v, 2);
	v = 2;
	CHECK_ERR(setsockopt(s6, IPPROTO_IPV6, IPV6_CHECKSUM, &v, sizeof(v)), EINVAL);
	v = 3;
	CHECK_ERR(setsockopt(s6, SOL_RAW, IPV6_CHECKSUM, &v, sizeof(v)), EINVAL);
	v = 2; /* what busybox ping6 sets */
	CHECK_OK(setsockopt(s6, SOL_RAW, IPV6_CHECKSUM, &v, sizeof(v)));
	v = 1;
	CHECK_ERR(setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), EINVAL);
	CHECK_OK(setsockopt(s6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &v, sizeof(v)));
	CHECK_OK(setsockopt(s6, IPPROTO_IPV6, IPV6_2292HOPLIMIT, &v, sizeof(v)));
	l = sizeof(v), v = 0;
	CHECK_OK(getsockopt(s6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &v, &l));
	CHECK_EQ(v, 1);
	v = 256;
	CHECK_ERR(setsockopt(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), EINVAL);
	v = -2;
	CHECK_ERR(setsockopt(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), EINVAL);
	v = 9;
	CHECK_OK(setsockopt(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)));
	l = sizeof(v), v = 0;
	CHECK_OK(getsockopt(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &l));
	CHECK_EQ(v, 9);
	v = -1; /* the default again */
	CHECK_OK(setsockopt(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)));
	l = sizeof(v), v = 0;
	CHECK_OK(getsockopt(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &l));
	CHECK(v >= 1 && v <= 255);
	close(s4), close(s6);
}

static void send_errors(void)
{
	static uint8_t big[70000];
	struct sockaddr_in a;
	struct sockaddr_in6 a6;
	int s = raw4(), s6 = raw6();

	echo(big, 0, 0, 64, 0);
	CHECK_ERR(send(s, big, 64, 0), EDESTADDRREQ);
	CHECK_ERR(sendto(s, big, 0, 0, (struct sockaddr *)&a, lo4(&a)), EFAULT);
	CHECK_ERR(sendto(s, big, 1, 0, (struct sockaddr *)&a, lo4(&a)), EFAULT);
	CHECK_ERR(sendto(s, big, 65516, 0, (struct sockaddr *)&a, lo4(&a)), EMSGSIZE);
	CHECK_ERR(sendto(s, big, 64, 0, (struct sockaddr *)&a, 15), EINVAL);
	CHECK_ERR(sendto(s, big, 64, 0, (struct sockaddr *)&a6, lo6(&a6)), EAFNOSUPPORT);
	lo4(&a);
	a.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	/* EACCES without SO_BROADCAST, once there is a route (none: ENETUNREACH first) */
	errno = 0;
	CHECK_EQ(sendto(s, big, 64, 0, (struct sockaddr *)&a, sizeof(a)), -1);
	CHECK(errno == EACCES || errno == ENETUNREACH);
	if (errno != EACCES)
		printf("sendto 255.255.255.255: %s\n", strerror(errno));

	echo(big, 1, 0, 64, 0);
	CHECK_ERR(send(s6, big, 64, 0), EDESTADDRREQ);
	CHECK_ERR(sendto(s6, big, 0, 0, (struct sockaddr *)&a6, lo6(&a6)), EFAULT);
	CHECK_ERR(sendto(s6, big, 3, 0, (struct sockaddr *)&a6, lo6(&a6)), EINVAL);
	CHECK_ERR(sendto(s6, big, 65536, 0, (struct sockaddr *)&a6, lo6(&a6)), EMSGSIZE);
	CHECK_ERR(sendto(s6, big, 64, 0, (struct sockaddr *)&a, lo4(&a)), EINVAL);
	close(s), close(s6);
}

static void echo4(void)
{
	uint8_t req[64], sent[64];
	int s = raw4(), v = 1;
	uint16_t seq = next_seq++;

	v = 33;
	CHECK_OK(setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof(v)));
	v = 1;
	CHECK_OK(setsockopt(s, IPPROTO_IP, IP_RECVTTL, &v, sizeof(v)));
	echo(req, 0, seq, sizeof(req), 0);
	memcpy(sent, req, sizeof(req));
	CHECK_EQ(send4(s, req, sizeof(req)), sizeof(req));

	/* the request, as the loopback delivers it */
	CHECK(head_ours(s, 0, seq, WAIT_MS));
	int n = 0;
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 84);
	CHECK(next_ours(s, 0, seq, WAIT_MS));
	check_ip4(64, 33);
	CHECK_EQ(pk.b[20], 8);
	CHECK(!memcmp(pk.b + 20, sent, sizeof(sent))); /* identifier and checksum as sent */
	CHECK_EQ(pk.ttl, 33);
	CHECK_EQ(pk.flags, 0);

	/* the reply: peeked, then read */
	CHECK(head_ours(s, 0, seq, WAIT_MS));
	struct pollfd pf = { s, POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLIN | 0);
	CHECK_EQ(recv_pkt(s, &pk, sizeof(pk.b), MSG_PEEK, 0), 84);
	uint8_t peeked[84];
	memcpy(peeked, pk.b, sizeof(peeked));
	CHECK_EQ(recv_pkt(s, &pk, sizeof(pk.b), 0, 0), 84);
	CHECK(!memcmp(peeked, pk.b, sizeof(peeked)));
	check_ip4(64, 0);
	const uint8_t *h = pk.b + 20;
	CHECK_EQ(h[0], 0);        /* echo reply */
	CHECK_EQ(h[1], 0);
	CHECK_EQ(get16(h + 4), ident);
	CHECK_EQ(get16(h + 6), seq);
	CHECK(!memcmp(h + 8, sent + 8, DATA));
	CHECK_EQ(verify(h, 64), 0);
	CHECK(pk.ttl >= 1);

	/* MSG_TRUNC: a short buffer gets the start (the flag out), or the length (the flag in) */
	seq = next_seq++;
	echo(req, 0, seq, sizeof(req), 0);
	CHECK_EQ(send4(s, req, sizeof(req)), sizeof(req));
	CHECK(head_ours(s, 0, seq, WAIT_MS));
	CHECK_EQ(recv_pkt(s, &pk, 20, 0, 0), 20);
	CHECK(pk.flags & MSG_TRUNC);
	CHECK_EQ(pk.b[0], 0x45);
	CHECK(head_ours(s, 0, seq, WAIT_MS));
	char small[8];
	CHECK_EQ(recv(s, small, sizeof(small), MSG_TRUNC), 84);
	CHECK_EQ((uint8_t)small[0], 0x45);
	close(s);
}

/* A request with a wrong checksum goes out as given, and nobody answers it. */
static void bad_checksum4(void)
{
	uint8_t req[64];
	int s = raw4();
	uint16_t seq = next_seq++;
	echo(req, 0, seq, sizeof(req), 0);
	req[2] ^= 0x5a;
	CHECK_EQ(send4(s, req, sizeof(req)), sizeof(req));
	CHECK(next_ours(s, 0, seq, WAIT_MS));
	CHECK_EQ(pk.b[20], 8);
	CHECK(!memcmp(pk.b + 20, req, sizeof(req)));
	CHECK(verify(pk.b + 20, 64) != 0);
	CHECK(!next_ours(s, 0, seq, QUIET_MS)); /* no reply */
	close(s);
}

static void filter4(void)
{
	uint8_t req[64];
	int s = raw4(), t = raw4();
	uint32_t f = 1u << 8; /* no echo requests */
	CHECK_OK(setsockopt(s, SOL_RAW, ICMP_FILTER, &f, sizeof(f)));
	f = ~0u;              /* nothing (of the types below 32) */
	CHECK_OK(setsockopt(t, SOL_RAW, ICMP_FILTER, &f, sizeof(f)));
	uint16_t seq = next_seq++;
	echo(req, 0, seq, sizeof(req), 0);
	CHECK_EQ(send4(s, req, sizeof(req)), sizeof(req));
	CHECK(next_ours(s, 0, seq, WAIT_MS));
	CHECK_EQ(pk.b[20], 0); /* the reply first: the request was filtered */
	CHECK(!next_ours(t, 0, seq, QUIET_MS));
	close(s), close(t);
}

/* This host's address that is not the loopback's: given (argv[1]), or the
 * source address of a UDP socket connected outwards (Linux picks one); 0:
 * none known. */
static uint32_t other_addr(const char *arg)
{
	struct in_addr in;
	if (arg && inet_pton(AF_INET, arg, &in) == 1)
		return in.s_addr;
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	lo4(&a);
	a.sin_port = htons(9);
	inet_pton(AF_INET, "198.51.100.7", &a.sin_addr);
	in.s_addr = 0;
	if (connect(u, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(u, (struct sockaddr *)&a, &l) == 0 &&
	    (ntohl(a.sin_addr.s_addr) >> 24) != 127)
		in.s_addr = a.sin_addr.s_addr;
	close(u);
	return in.s_addr;
}

static uint32_t here; /* other_addr() */

/* Did fd see our request and then the reply (3), only one (1, 2), nothing (0)? */
static int saw_echo(int fd, uint16_t seq, int ms)
{
	int seen = 0;
	while (seen != 3 && next_ours(fd, 0, seq, ms))
		seen |= pk.b[20] == 8 ? 1 : pk.b[20] == 0 ? 2 : 4;
	return seen;
}

/* bind: only packets to that address; connect: only from the peer. */
static void bound_connected4(void)
{
	uint8_t req[64];
	struct sockaddr_in a, p;
	socklen_t l;
	int b = raw4(), c = raw4(), far = raw4();
	lo4(&a);
	a.sin_port = htons(77); /* ignored */
	CHECK_OK(bind(b, (struct sockaddr *)&a, sizeof(a)));
	l = sizeof(p);
	CHECK_OK(getsockname(b, (struct sockaddr *)&p, &l));
	CHECK_EQ(ntohl(p.sin_addr.s_addr), INADDR_LOOPBACK);
	CHECK_EQ(ntohs(p.sin_port), IPPROTO_ICMP);
	inet_pton(AF_INET, "198.51.100.7", &a.sin_addr); /* not ours */
	CHECK_ERR(bind(c, (struct sockaddr *)&a, sizeof(a)), EADDRNOTAVAIL);
	lo4(&a);
	a.sin_port = htons(99);
	CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof(a)));
	l = sizeof(p);
	CHECK_OK(getpeername(c, (struct sockaddr *)&p, &l));
	CHECK_EQ(ntohl(p.sin_addr.s_addr), INADDR_LOOPBACK);
	CHECK_EQ(ntohs(p.sin_port), 99);
	CHECK_ERR(bind(c, (struct sockaddr *)&a, sizeof(a)), EINVAL); /* connected */
	inet_pton(AF_INET, "198.51.100.7", &a.sin_addr);
	int far_ok = connect(far, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (!far_ok) /* as Linux, when nothing routes there */
		CHECK_EQ(errno, ENETUNREACH);

	uint16_t seq = next_seq++;
	echo(req, 0, seq, sizeof(req), 0);
	CHECK_EQ(send(c, req, sizeof(req), 0), sizeof(req)); /* to the peer */
	CHECK_EQ(saw_echo(b, seq, WAIT_MS), 3);
	CHECK_EQ(saw_echo(c, seq, WAIT_MS), 3);
	if (far_ok)
		CHECK_EQ(saw_echo(far, seq, QUIET_MS), 0);
	/* AF_UNSPEC: unconnected again */
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	CHECK_OK(connect(c, &un, sizeof(un)));
	l = sizeof(p);
	CHECK_ERR(getpeername(c, (struct sockaddr *)&p, &l), ENOTCONN);
	close(b), close(c), close(far);

	/* with an address of a NIC: bound to it or connected to it, no loopback packets */
	if (!here) {
		printf("no address but the loopback's: bind/connect to one not checked\n");
		return;
	}
	char txt[INET_ADDRSTRLEN];
	printf("this host's other address: %s\n", inet_ntop(AF_INET, &here, txt, sizeof(txt)));
	b = raw4(), c = raw4();
	int s = raw4();
	lo4(&a);
	a.sin_addr.s_addr = here;
	CHECK_OK(bind(b, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof(a)));
	seq = next_seq++;
	echo(req, 0, seq, sizeof(req), 0);
	CHECK_EQ(send4(s, req, sizeof(req)), sizeof(req)); /* to 127.0.0.1 */
	CHECK_EQ(saw_echo(s, seq, WAIT_MS), 3);
	CHECK_EQ(saw_echo(b, seq, QUIET_MS), 0);
	CHECK_EQ(saw_echo(c, seq, QUIET_MS), 0);
	seq = next_seq++;
	echo(req, 0, seq, sizeof(req), 0);
	CHECK_EQ(sendto(s, req, sizeof(req), 0, (struct sockaddr *)&a, sizeof(a)), sizeof(req));
	CHECK_EQ(saw_echo(b, seq, WAIT_MS), 3);
	uint32_t src;
	memcpy(&src, pk.b + 12, 4);
	CHECK_EQ(src, here);
	CHECK_EQ(((struct sockaddr_in *)&pk.from)->sin_addr.s_addr, here);
	CHECK_EQ(saw_echo(c, seq, WAIT_MS), 3);
	/* broadcast: EACCES without SO_BROADCAST (a NIC routes it) */
	lo4(&a);
	a.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	CHECK_ERR(sendto(s, req, sizeof(req), 0, (struct sockaddr *)&a, sizeof(a)), EACCES);
	close(b), close(c), close(s);
}

/* A big echo: 20000 bytes each way. */
static void big_echo(int v6)
{
	static uint8_t req[20000];
	int s = v6 ? raw6() : raw4();
	uint16_t seq = next_seq++;
	echo(req, v6, seq, sizeof(req), 0);
	CHECK_EQ(v6 ? send6(s, req, sizeof(req)) : send4(s, req, sizeof(req)), sizeof(req));
	CHECK(next_ours(s, v6, seq, WAIT_MS));
	CHECK_EQ(pk.b[pk.icmp], v6 ? 128 : 8);
	CHECK(next_ours(s, v6, seq, WAIT_MS));
	CHECK_EQ(pk.b[pk.icmp], v6 ? 129 : 0);
	CHECK_EQ(pk.len, (v6 ? 0 : 20) + (ssize_t)sizeof(req));
	CHECK(!memcmp(pk.b + pk.icmp + 8, req + 8, sizeof(req) - 8));
	if (!v6)
		CHECK_EQ(verify(pk.b + 20, sizeof(req)), 0);
	else
		CHECK_EQ(verify6(&in6addr_loopback, &in6addr_loopback, pk.b, sizeof(req)), 0);
	close(s);
}

static void big_echo4(void)
{
	big_echo(0);
}

static void big_echo6(void)
{
	big_echo(1);
}

static void echo6(void)
{
	uint8_t req[64];
	int s = raw6(), t = raw6(), v = 1;
	struct icmp6_filter flt;
	ICMP6_FILTER_SETBLOCKALL(&flt);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &flt);
	CHECK_OK(setsockopt(s, IPPROTO_ICMPV6, ICMP6_FILTER, &flt, sizeof(flt)));
	CHECK_OK(setsockopt(s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &v, sizeof(v)));
	CHECK_OK(setsockopt(s, IPPROTO_IPV6, IPV6_2292HOPLIMIT, &v, sizeof(v)));
	CHECK_OK(setsockopt(t, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &v, sizeof(v)));
	v = 7;
	CHECK_OK(setsockopt(t, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)));

	uint16_t seq = next_seq++;
	echo(req, 1, seq, sizeof(req), 0xbeef); /* the kernel replaces the checksum */
	CHECK_EQ(send6(t, req, sizeof(req)), sizeof(req));

	/* t (no filter): the request as sent, its checksum computed, hop limit 7 */
	CHECK(next_ours(t, 1, seq, WAIT_MS));
	CHECK_EQ(pk.len, 64);
	CHECK_EQ(pk.b[0], 128); /* no IPv6 header */
	CHECK(get16(pk.b + 2) != 0xbeef);
	CHECK_EQ(verify6(&in6addr_loopback, &in6addr_loopback, pk.b, 64), 0);
	CHECK(!memcmp(pk.b + 4, req + 4, 60));
	CHECK_EQ(pk.hop, 7);
	CHECK_EQ(pk.hop2292, -1);
	check_from6();
	CHECK(next_ours(t, 1, seq, WAIT_MS));
	CHECK_EQ(pk.b[0], 129);

	/* s (echo replies only): the reply alone */
	CHECK(next_ours(s, 1, seq, WAIT_MS));
	CHECK_EQ(pk.len, 64);
	CHECK_EQ(pk.b[0], 129);
	CHECK_EQ(pk.b[1], 0);
	CHECK_EQ(get16(pk.b + 4), ident);
	CHECK(!memcmp(pk.b + 8, req + 8, DATA));
	CHECK_EQ(verify6(&in6addr_loopback, &in6addr_loopback, pk.b, 64), 0);
	CHECK(pk.hop >= 1 && pk.hop <= 255);
	CHECK_EQ(pk.hop2292, pk.hop);
	check_from6();
	CHECK(!next_ours(s, 1, seq, QUIET_MS));

	/* the shortest send: type, code, checksum */
	seq = next_seq++;
	uint8_t four[4] = { 200, 0, 0, 0 };
	CHECK_EQ(send6(t, four, sizeof(four)), 4);
	close(s), close(t);
}

/* A ping socket (SOCK_DGRAM) beside raw ones: each gets what it should. */
static void ping_socket(void)
{
	int p = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (p < 0) {
		printf("ping socket: %s (net.ipv4.ping_group_range): skipped\n", strerror(errno));
		return;
	}
	int s = raw4();
	uint8_t req[64];
	uint16_t seq = next_seq++;
	echo(req, 0, seq, sizeof(req), 0);
	CHECK_EQ(send4(p, req, sizeof(req)), sizeof(req));
	struct pollfd pf = { p, POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, WAIT_MS), 1);
	uint8_t rep[64];
	CHECK_EQ(recv(p, rep, sizeof(rep), MSG_DONTWAIT), 64);
	CHECK_EQ(rep[0], 0);
	CHECK_EQ(get16(rep + 6), seq);
	/* the raw socket sees both, with the ping socket's identifier */
	uint16_t id = ident;
	int seen = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ident = get16(rep + 4);
	while (seen != 3 && ms_since(&t0) < WAIT_MS)
		if (next_ours(s, 0, seq, WAIT_MS))
			seen |= pk.b[20] == 8 ? 1 : pk.b[20] == 0 ? 2 : 0;
	ident = id;
	CHECK_EQ(seen, 3);
	close(p), close(s);
}

static void queue_limits(void)
{
	uint8_t req[64];
	int s = raw4(), t = raw4(), v;
	uint32_t f = ~(1u << 0 | 1u << 8);
	CHECK_OK(setsockopt(t, SOL_RAW, ICMP_FILTER, &f, sizeof(f)));
	v = 1; /* the least there is */
	CHECK_OK(setsockopt(t, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	uint16_t seq = next_seq++;
	echo(req, 0, seq, sizeof(req), 0);
	for (int i = 0; i < 200; i++)
		CHECK_EQ(send4(s, req, sizeof(req)), sizeof(req));
	msleep(200);
	int n = 0;
	while (next_ours(t, 0, seq, 50))
		n++;
	printf("SO_RCVBUF 1: %d of 400 packets queued\n", n);
	CHECK(n >= 1 && n < 400);

	/* empty: MSG_DONTWAIT, SO_RCVTIMEO */
	f = ~0u;
	CHECK_OK(setsockopt(t, SOL_RAW, ICMP_FILTER, &f, sizeof(f)));
	while (recv(t, req, sizeof(req), MSG_DONTWAIT) > 0)
		;
	CHECK_ERR(recv(t, req, sizeof(req), MSG_DONTWAIT), EAGAIN);
	struct timeval tv = { 0, 100000 };
	CHECK_OK(setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_ERR(recv(t, req, sizeof(req), 0), EAGAIN);
	long ms = ms_since(&t0);
	CHECK(ms >= 100 && ms < 5000);
	close(s), close(t);
}

static void epoll_ready(void)
{
	uint8_t req[64];
	int s = raw4(), e = epoll_create1(0);
	uint32_t f = ~(1u << 0); /* replies only */
	CHECK_OK(setsockopt(s, SOL_RAW, ICMP_FILTER, &f, sizeof(f)));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out[2];
	CHECK_OK(epoll_ctl(e, EPOLL_CTL_ADD, s, &ev));
	CHECK_EQ(epoll_wait(e, out, 2, 0), 1);
	CHECK_EQ(out[0].events, EPOLLOUT);
	uint16_t seq = next_seq++;
	echo(req, 0, seq, sizeof(req), 0);
	CHECK_EQ(send4(s, req, sizeof(req)), sizeof(req));
	CHECK_EQ(epoll_wait(e, out, 2, WAIT_MS), 1);
	CHECK_EQ(out[0].events, EPOLLIN | EPOLLOUT);
	CHECK(next_ours(s, 0, seq, WAIT_MS));
	close(e), close(s);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ident = (uint16_t)(getpid() * 2654435761u ^ (uint32_t)ts.tv_nsec);
	int probe = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (probe < 0 && (errno == EPERM || errno == EACCES)) {
		printf("raw sockets need root (CAP_NET_RAW) here: %s; not checked\n",
		       strerror(errno));
		CHECK(1);
		return tst_done();
	}
	close(probe);
	here = other_addr(argc > 1 ? argv[1] : NULL);
	RUN_CASE(creation);
	RUN_CASE(send_errors);
	RUN_CASE(echo4);
	RUN_CASE(bad_checksum4);
	RUN_CASE(filter4);
	RUN_CASE(bound_connected4);
	RUN_CASE(big_echo4);
	RUN_CASE(big_echo6);
	RUN_CASE(echo6);
	RUN_CASE(ping_socket);
	RUN_CASE(queue_limits);
	RUN_CASE(epoll_ready);
	return tst_done();
}
