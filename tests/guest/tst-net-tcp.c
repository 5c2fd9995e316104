/*
 * tst-net-tcp: AF_INET and AF_INET6 through the socket system calls (the
 * HP app's direct calls into net/socket.c and net/inet.c over lwIP's
 * loopback), with Linux's semantics (also run on the host as host.net-tcp):
 * a stream of 1 MiB each way through 127.0.0.1 and ::1 with a checksum,
 * half-close (shutdown(SHUT_WR) gives the peer EOF, the other direction
 * stays open), getsockname/getpeername, ECONNREFUSED on a port nobody
 * listens on, a non-blocking connect (EINPROGRESS, POLLOUT, SO_ERROR 0),
 * EADDRINUSE without SO_REUSEADDR on a listening port, and UDP datagrams
 * with their source address and MSG_TRUNC, IP_TTL / IPV6_UNICAST_HOPS seen
 * through IP_RECVTTL / IPV6_RECVHOPLIMIT control messages, and a client
 * that reconnects from the same port while the server still holds the
 * old connection in TIME_WAIT (RFC 1122 4.2.2.13). tst-net-inet
 * checks the family in depth through a kernel hook; this one checks that
 * programs reach it.
 */
// EXPECT: ^tst: tst-net-tcp: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
// TIMEOUT: 120
#include "fstest.h"
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#define STREAM (1 << 20)

static socklen_t loopback(int family, struct sockaddr_storage *ss, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a = (void *)ss;
	a->sin6_family = AF_INET6;
	a->sin6_port = htons(port);
	a->sin6_addr = in6addr_loopback;
	return sizeof(*a);
}

static int port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((struct sockaddr_in *)ss)->sin_port
					      : ((struct sockaddr_in6 *)ss)->sin6_port);
}

/* A listener on an ephemeral loopback port; its port in *port. */
static int listener(int family, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, &ss, 0);
	int l = socket(family, SOCK_STREAM, 0);
	CHECK(l >= 0);
	CHECK_OK(bind(l, (struct sockaddr *)&ss, len));
	CHECK_OK(listen(l, 4));
	len = sizeof(ss);
	CHECK_OK(getsockname(l, (struct sockaddr *)&ss, &len));
	*port = port_of(&ss);
	CHECK(*port > 0);
	return l;
}

static unsigned char byte_at(size_t i) { return (unsigned char)(i * 13 % 253); }

struct peer {
	int family, port;
	long got;        /* bytes the client read back, all matching */
	int connect_err;
};

/* The client: connects, sends STREAM bytes, half-closes, reads the echo until EOF. */
static void *client(void *arg)
{
	struct peer *p = arg;
	struct sockaddr_storage ss;
	socklen_t len = loopback(p->family, &ss, p->port);
	int c = socket(p->family, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&ss, len) != 0) {
		p->connect_err = errno;
		close(c);
		return NULL;
	}
	static unsigned char out[65536];
	for (size_t off = 0; off < STREAM; off += sizeof(out)) {
		for (size_t i = 0; i < sizeof(out); i++)
			out[i] = byte_at(off + i);
		for (size_t done = 0; done < sizeof(out);) {
			ssize_t n = write(c, out + done, sizeof(out) - done);
			if (n <= 0)
				goto out;
			done += (size_t)n;
		}
	}
	shutdown(c, SHUT_WR);
	unsigned char in[8192];
	ssize_t n;
	while ((n = read(c, in, sizeof(in))) > 0)
		for (ssize_t i = 0; i < n; i++, p->got++)
			if (in[i] != byte_at((size_t)p->got))
				goto out;
out:
	close(c);
	return NULL;
}

/* The server side echoes everything back after the client's EOF shows. */
static void stream(int family)
{
	int port, l = listener(family, &port);
	struct peer p = { family, port, 0, 0 };
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, client, &p), 0);
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int a = accept(l, (struct sockaddr *)&peer, &plen);
	CHECK(a >= 0);
	CHECK_EQ(peer.ss_family, family);
	struct sockaddr_storage me;
	socklen_t mlen = sizeof(me);
	CHECK_OK(getsockname(a, (struct sockaddr *)&me, &mlen));
	CHECK_EQ(port_of(&me), port);
	int one = 1;
	CHECK_OK(setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	unsigned char *buf = malloc(STREAM);
	size_t have = 0;
	ssize_t n;
	while (have < STREAM && (n = read(a, buf + have, STREAM - have)) > 0)
		have += (size_t)n;
	CHECK_EQ(have, STREAM);
	size_t bad = 0;
	for (size_t i = 0; i < have; i++)
		bad += buf[i] != byte_at(i);
	CHECK_EQ(bad, 0);
	char c;
	CHECK_EQ(read(a, &c, 1), 0); /* the client's shutdown(SHUT_WR): EOF */
	for (size_t done = 0; done < have;) { /* the other direction is still open */
		n = write(a, buf + done, have - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(a);
	pthread_join(t, NULL);
	CHECK_EQ(p.connect_err, 0);
	CHECK_EQ(p.got, STREAM);
	free(buf);
	close(l);
}

static void stream_v4(void) { stream(AF_INET); }
static void stream_v6(void) { stream(AF_INET6); }

static void refused_and_in_use(void)
{
	int port, l = listener(AF_INET, &port);
	struct sockaddr_storage ss;
	socklen_t len = loopback(AF_INET, &ss, port);
	int b = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(bind(b, (struct sockaddr *)&ss, len), EADDRINUSE);
	close(b);
	close(l);
	/* Nobody listens there now. */
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(connect(c, (struct sockaddr *)&ss, len), ECONNREFUSED);
	close(c);
}

static void nonblocking_connect(void)
{
	int port, l = listener(AF_INET6, &port);
	struct sockaddr_storage ss;
	socklen_t len = loopback(AF_INET6, &ss, port);
	int c = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&ss, len);
	CHECK(r == 0 || errno == EINPROGRESS);
	struct pollfd pfd = { c, POLLOUT, 0 };
	CHECK_EQ(poll(&pfd, 1, 20000), 1);
	CHECK(pfd.revents & POLLOUT);
	int err = -1;
	socklen_t el = sizeof(err);
	CHECK_OK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
	CHECK_EQ(err, 0);
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	CHECK_OK(getpeername(c, (struct sockaddr *)&peer, &plen));
	CHECK_EQ(port_of(&peer), port);
	int a = accept(l, NULL, NULL);
	CHECK(a >= 0);
	close(a);
	close(c);
	close(l);
}

/*
 * The server closes first, so it holds (server, client port) in TIME_WAIT;
 * the client reconnects from the very same port at once. Linux takes the
 * new SYN (its sequence number is past the old connection's), and so must
 * we: lwIP answered it with an ACK, the client reset and retried, and the
 * connect took as long as TIME_WAIT lasts (30 s; bench/net's connection
 * rate runs, which reuse ports, lost whole seconds to it).
 */
static void reconnect_over_time_wait(int family)
{
	int port, l = listener(family, &port);
	struct sockaddr_storage srv, me;
	socklen_t slen = loopback(family, &srv, port), mlen = loopback(family, &me, 0);
	int one = 1, cport = 0;
	for (int round = 0; round < 2; round++) {
		int c = socket(family, SOCK_STREAM, 0);
		CHECK(c >= 0);
		CHECK_OK(setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
		CHECK_OK(bind(c, (struct sockaddr *)&me, mlen));
		if (round == 0) {
			socklen_t n = sizeof(me);
			CHECK_OK(getsockname(c, (struct sockaddr *)&me, &n));
			cport = port_of(&me);
		}
		/* non-blocking, so that a stuck handshake is a failed check, not a hang */
		CHECK_OK(fcntl(c, F_SETFL, O_NONBLOCK));
		int r = connect(c, (struct sockaddr *)&srv, slen);
		CHECK(r == 0 || errno == EINPROGRESS);
		struct pollfd pfd = { c, POLLOUT, 0 };
		CHECK_EQ(poll(&pfd, 1, 10000), 1);
		int err = -1;
		socklen_t el = sizeof(err);
		CHECK_OK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
		CHECK_EQ(err, 0);
		int a = accept(l, NULL, NULL);
		CHECK(a >= 0);
		struct sockaddr_storage got;
		socklen_t glen = sizeof(got);
		CHECK_OK(getpeername(a, (struct sockaddr *)&got, &glen));
		CHECK_EQ(port_of(&got), cport);
		close(a); /* the server closes first: its side goes to TIME_WAIT */
		CHECK_OK(fcntl(c, F_SETFL, 0));
		char b;
		CHECK_EQ(read(c, &b, 1), 0); /* its FIN */
		close(c);
	}
	close(l);
}

static void reconnect_over_time_wait_v4(void) { reconnect_over_time_wait(AF_INET); }
static void reconnect_over_time_wait_v6(void) { reconnect_over_time_wait(AF_INET6); }

static void udp(void)
{
	struct sockaddr_storage ss, from;
	socklen_t len = loopback(AF_INET, &ss, 0), flen = sizeof(from);
	int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_OK(bind(r, (struct sockaddr *)&ss, len));
	len = sizeof(ss);
	CHECK_OK(getsockname(r, (struct sockaddr *)&ss, &len));
	CHECK_EQ(sendto(s, "datagram!", 9, 0, (struct sockaddr *)&ss, len), 9);
	char buf[4];
	CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 4);
	CHECK(memcmp(buf, "data", 4) == 0);
	struct sockaddr_storage sme;
	socklen_t slen = sizeof(sme);
	CHECK_OK(getsockname(s, (struct sockaddr *)&sme, &slen)); /* autobound by sendto */
	CHECK_EQ(port_of(&from), port_of(&sme));
	/* The rest of a datagram is gone; MSG_TRUNC gives its real length. */
	CHECK_EQ(sendto(s, "0123456789", 10, 0, (struct sockaddr *)&ss, len), 10);
	CHECK_EQ(recv(r, buf, sizeof(buf), MSG_TRUNC), 10);
	CHECK_ERR(recv(r, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(r);
	close(s);
}

/* IP_TTL / IPV6_UNICAST_HOPS set after the first send, and the receiver's
 * IP_RECVTTL / IPV6_RECVHOPLIMIT control message saying so. */
static void udp_ttl(int family)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, &ss, 0);
	int r = socket(family, SOCK_DGRAM, 0), s = socket(family, SOCK_DGRAM, 0), on = 1, v;
	int v6 = family == AF_INET6;
	CHECK_OK(bind(r, (struct sockaddr *)&ss, len));
	len = sizeof(ss);
	CHECK_OK(getsockname(r, (struct sockaddr *)&ss, &len));
	CHECK_OK(setsockopt(r, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVHOPLIMIT : IP_RECVTTL,
			    &on, sizeof(on)));
	char buf[8], ctl[64];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	/* no room for the control message: MSG_CTRUNC */
	CHECK_EQ(sendto(s, "one", 3, 0, (struct sockaddr *)&ss, len), 3);
	CHECK_EQ(recvmsg(r, &mh, 0), 3);
	CHECK_EQ(mh.msg_controllen, 0);
	CHECK_EQ(mh.msg_flags, MSG_CTRUNC);
	v = 17;
	CHECK_OK(setsockopt(s, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_HOPS : IP_TTL, &v,
			    sizeof(v)));
	CHECK_EQ(sendto(s, "two", 3, 0, (struct sockaddr *)&ss, len), 3);
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	CHECK_EQ(recvmsg(r, &mh, 0), 3);
	CHECK_EQ(mh.msg_flags, 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->cmsg_level, v6 ? IPPROTO_IPV6 : IPPROTO_IP);
		CHECK_EQ(c->cmsg_type, v6 ? IPV6_HOPLIMIT : IP_TTL);
		CHECK_EQ(c->cmsg_len, CMSG_LEN(sizeof(int)));
		memcpy(&v, CMSG_DATA(c), sizeof(v));
		CHECK_EQ(v, 17);
		CHECK(CMSG_NXTHDR(&mh, c) == NULL);
	}
	CHECK_EQ(mh.msg_controllen, CMSG_SPACE(sizeof(int)));
	close(r);
	close(s);
}

static void udp_ttl_v4(void) { udp_ttl(AF_INET); }
static void udp_ttl_v6(void) { udp_ttl(AF_INET6); }

int main(void)
{
	fs_begin();
	RUN(stream_v4);
	RUN(stream_v6);
	RUN(refused_and_in_use);
	RUN(nonblocking_connect);
	RUN(reconnect_over_time_wait_v4);
	RUN(reconnect_over_time_wait_v6);
	RUN(udp);
	RUN(udp_ttl_v4);
	RUN(udp_ttl_v6);
	return fs_end();
}
