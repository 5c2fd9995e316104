/*
 * inet_test.c - a test hook for the inet socket family (net/inet.c): it
 * drives the family's sock_ops directly, on struct socket objects of its
 * own, over the loopback (127.0.0.1 and ::1). It exists because the system
 * calls (net/socket.c) are written beside the family, not under it; it does
 * what socket.c will do around each call: waits on s->vnode->poll_wq until
 * poll() reports the events an -EAGAIN or -EINPROGRESS needs (so a missing
 * wake-up shows up as a failed wait, not a busy loop that hides it).
 *
 * Called by tests/guest/tst-net-inet.c, the HP app, through two exported
 * entry points: __jiny_inet_selftest (the checks, one console line per
 * failure: "FAIL net/inet_test.c:LINE: what") and __jiny_inet_bench (bytes
 * through one loopback TCP connection, for the throughput figure).
 */
#include "net/socket.h"
#include "net/net.h"
#include "net/inet.h"
#include "abi/poll.h"
#include "kern/errno.h"
#include "sched/sched.h"
#include "sched/waitq.h"
#include "mm/mm.h"
#include "lwip/inet_chksum.h"
#include "kern/cmdline.h"

extern struct cmdline kernel_cmdline; /* kern/start.c */

static int t_checks, t_fails;

#define T_CHECK(cond)                                                          \
	t_check_(!!(cond), __LINE__, #cond, 0, 0, false)
#define T_EQ(a, b)                                                            \
	({                                                                    \
		long a_ = (long)(a), b_ = (long)(b);                          \
		t_check_(a_ == b_, __LINE__, #a " == " #b, a_, b_, true);    \
	})

static bool t_check_(bool ok, int line, const char *what, long a, long b, bool vals)
{
	t_checks++;
	if (!ok) {
		t_fails++;
		if (vals)
			printk("FAIL net/inet_test.c:%d: %s (%ld vs %ld)\n", line, what, a, b);
		else
			printk("FAIL net/inet_test.c:%d: %s\n", line, what);
	}
	return ok;
}

/* ---- sockets as socket.c makes them ---- */

static struct socket *t_socket_proto(int family, int type, int proto)
{
	struct socket *s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	s->ops = inet_family_ops(family);
	s->family = family;
	s->type = type;
	s->protocol = proto;
	s->vnode = vfs_anon_vnode(S_IFSOCK_K | 0777);
	if (!s->ops || !s->vnode || s->ops->create(s) < 0) {
		if (s->vnode)
			vnode_put(s->vnode);
		kfree(s);
		return NULL;
	}
	return s;
}

static struct socket *t_socket(int family, int type)
{
	return t_socket_proto(family, type, 0);
}

static void t_close(struct socket *s)
{
	if (!s)
		return;
	s->ops->release(s);
	vnode_put(s->vnode);
	kfree(s);
}

struct t_waiter {
	struct waitq_entry e;
	struct waitq wq;
	volatile bool fired;
};

static void t_wake_cb(struct waitq_entry *e, unsigned key)
{
	struct t_waiter *w = e->priv;
	w->fired = true;
	waitq_wake_all(&w->wq, 0);
}

static bool t_fired(void *arg)
{
	return ((struct t_waiter *)arg)->fired;
}

/* Wait until poll() reports any of want (or POLLERR): the events, or 0
 * after ms milliseconds. */
static unsigned t_wait(struct socket *s, unsigned want, unsigned ms)
{
	struct t_waiter w = { 0 };
	waitq_init(&w.wq);
	w.e.fn = t_wake_cb;
	w.e.priv = &w;
	waitq_add(&s->vnode->poll_wq, &w.e);
	uint64_t deadline = clock_ns() + (uint64_t)ms * 1000000;
	unsigned ev;
	for (;;) {
		w.fired = false;
		ev = s->ops->poll(s, NULL);
		if (ev & (want | POLLERR_K))
			break;
		if (waitq_wait(&w.wq, t_fired, &w, deadline) == -ETIMEDOUT) {
			ev = s->ops->poll(s, NULL) & (want | POLLERR_K);
			break;
		}
	}
	waitq_remove(&w.e);
	return ev;
}

static uint32_t t_addr(int family, uint16_t port, struct sockaddr_storage_k *a)
{
	struct inet_ep ep = { 0 };
	ep.port = (uint16_t)(port << 8 | port >> 8);
	if (family == AF_INET_K) {
		ep.v = 4;
		ep.addr[0] = 127;
		ep.addr[3] = 1;
	} else {
		ep.v = 6;
		ep.addr[15] = 1;
	}
	return inet_ep_to_sockaddr(family, &ep, a);
}

static uint16_t t_port(struct socket *s)
{
	struct sockaddr_storage_k a;
	uint32_t len = sizeof(a);
	struct inet_ep ep;
	if (s->ops->getname(s, &a, &len, false) < 0 ||
	    inet_ep_from_sockaddr(s->family, &a, len, false, &ep) < 0)
		return 0;
	return (uint16_t)(ep.port << 8 | ep.port >> 8);
}

static ssize_t t_send(struct socket *s, const void *buf, size_t n, int flags)
{
	struct iovec_k iov = { (void *)buf, n };
	struct sock_msg m = { .iov = &iov, .iovlen = 1 };
	return s->ops->sendmsg(s, &m, flags);
}

static ssize_t t_sendto(struct socket *s, const void *buf, size_t n, struct sockaddr_storage_k *a,
			uint32_t alen)
{
	struct iovec_k iov = { (void *)buf, n };
	struct sock_msg m = { .addr = a, .addrlen = alen, .iov = &iov, .iovlen = 1 };
	return s->ops->sendmsg(s, &m, 0);
}

static ssize_t t_recv(struct socket *s, void *buf, size_t n, int flags)
{
	struct iovec_k iov = { buf, n };
	struct sock_msg m = { .iov = &iov, .iovlen = 1 };
	return s->ops->recvmsg(s, &m, flags);
}

/* receive exactly n bytes (or until EOF/error): bytes received */
static ssize_t t_recv_all(struct socket *s, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = t_recv(s, (char *)buf + done, n - done, 0);
		if (r == -EAGAIN) {
			if (!t_wait(s, POLLIN_K, 10000))
				break;
			continue;
		}
		if (r <= 0)
			return done ? (ssize_t)done : r;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static int t_getint(struct socket *s, int level, int name)
{
	int v = -12345;
	uint32_t len = sizeof(v);
	int r = s->ops->getsockopt(s, level, name, &v, &len);
	return r < 0 ? r : v;
}

static int t_setint(struct socket *s, int level, int name, int v)
{
	return s->ops->setsockopt(s, level, name, &v, sizeof(v));
}

/* A listener on the loopback with an ephemeral port; the port in *port. */
static struct socket *t_listener(int family, int backlog, uint16_t *port)
{
	struct socket *l = t_socket(family, SOCK_STREAM_K);
	struct sockaddr_storage_k a;
	uint32_t alen = t_addr(family, 0, &a);
	if (!T_CHECK(l) || !T_EQ(l->ops->bind(l, &a, alen), 0) || !T_EQ(l->ops->listen(l, backlog), 0)) {
		t_close(l);
		return NULL;
	}
	*port = t_port(l);
	T_CHECK(*port != 0);
	return l;
}

/* Connect a new client to port; with the accepted server end in *srv. */
static struct socket *t_connect(int family, int cfamily, struct socket *l, uint16_t port,
				struct socket **srv)
{
	struct socket *c = t_socket(cfamily, SOCK_STREAM_K);
	struct sockaddr_storage_k a;
	uint32_t alen = t_addr(family, port, &a);
	*srv = NULL;
	if (!T_CHECK(c))
		return NULL;
	int r = c->ops->connect(c, &a, alen);
	T_CHECK(r == -EINPROGRESS || r == 0);
	if (r == -EINPROGRESS) {
		T_CHECK(t_wait(c, POLLOUT_K, 10000) & POLLOUT_K);
		T_EQ(c->ops->connect(c, &a, alen), 0);
		T_EQ(c->ops->connect(c, &a, alen), -EISCONN);
	}
	if (l) {
		T_CHECK(t_wait(l, POLLIN_K, 10000) & POLLIN_K);
		struct socket *ns = t_socket(l->family, SOCK_STREAM_K);
		if (T_CHECK(ns) && T_EQ(l->ops->accept(l, ns), 0))
			*srv = ns;
		else
			t_close(ns);
	}
	return c;
}

/* ---- the cases ---- */

static void test_tcp_basic(int family)
{
	uint16_t port;
	struct socket *l = t_listener(family, 8, &port), *srv;
	if (!l)
		return;
	T_CHECK(l->listening);
	struct socket *dummy = t_socket(family, SOCK_STREAM_K);
	T_EQ(l->ops->accept(l, dummy), -EAGAIN);
	t_close(dummy);
	struct socket *c = t_connect(family, family, l, port, &srv);
	if (c && srv) {
		/* the addresses match end to end */
		struct sockaddr_storage_k a1, a2;
		uint32_t n1 = sizeof(a1), n2 = sizeof(a2);
		T_EQ(c->ops->getname(c, &a1, &n1, false), 0);
		T_EQ(srv->ops->getname(srv, &a2, &n2, true), 0);
		T_EQ(n1, n2);
		T_CHECK(!memcmp(&a1, &a2, n1));
		n2 = sizeof(a2);
		T_EQ(c->ops->getname(c, &a2, &n2, true), 0);
		T_EQ(((struct sockaddr_in_k *)&a2)->sin_port, (uint16_t)(port << 8 | port >> 8));

		char buf[64];
		T_EQ(t_recv(srv, buf, sizeof(buf), 0), -EAGAIN);
		T_EQ(t_send(c, "hello", 5, 0), 5);
		T_CHECK(t_wait(srv, POLLIN_K, 10000) & POLLIN_K);
		int nread = -1;
		T_EQ(srv->ops->ioctl(srv, FIONREAD_K, (unsigned long)&nread), 0);
		T_EQ(nread, 5);
		T_EQ(t_recv(srv, buf, 2, MSG_PEEK_K), 2);
		T_CHECK(!memcmp(buf, "he", 2));
		T_EQ(t_recv(srv, buf, sizeof(buf), 0), 5);
		T_CHECK(!memcmp(buf, "hello", 5));
		T_EQ(t_send(srv, "world!", 6, 0), 6);
		T_EQ(t_recv_all(c, buf, 6), 6);
		T_CHECK(!memcmp(buf, "world!", 6));

		/* iovecs: three pieces in, a different split out */
		struct iovec_k iov[3] = { { "ab", 2 }, { "cde", 3 }, { "f", 1 } };
		struct sock_msg m = { .iov = iov, .iovlen = 3 };
		T_EQ(c->ops->sendmsg(c, &m, 0), 6);
		T_EQ(m.iov_off, 6);
		char x[4], y[4];
		struct iovec_k riov[2] = { { x, 4 }, { y, 4 } };
		struct sock_msg rm = { .iov = riov, .iovlen = 2 };
		T_CHECK(t_wait(srv, POLLIN_K, 10000) & POLLIN_K);
		T_EQ(srv->ops->recvmsg(srv, &rm, 0), 6);
		T_CHECK(!memcmp(x, "abcd", 4) && !memcmp(y, "ef", 2));

		/* half-close: the client's FIN, data still flows the other way */
		T_EQ(c->ops->shutdown(c, SHUT_WR_K), 0);
		T_EQ(t_send(c, "x", 1, 0), -EPIPE);
		T_CHECK(t_wait(srv, POLLRDHUP_K, 10000) & POLLRDHUP_K);
		T_EQ(t_recv(srv, buf, sizeof(buf), 0), 0);
		T_EQ(t_send(srv, "late", 4, 0), 4);
		T_EQ(t_recv_all(c, buf, 4), 4);
		T_CHECK(!memcmp(buf, "late", 4));
		T_EQ(srv->ops->shutdown(srv, SHUT_WR_K), 0);
		T_CHECK(t_wait(c, POLLHUP_K, 10000) & POLLHUP_K);
		T_EQ(t_recv(c, buf, sizeof(buf), 0), 0);
		T_CHECK(srv->ops->poll(srv, NULL) & POLLHUP_K);
	}
	t_close(c);
	t_close(srv);
	t_close(l);
}

static void test_tcp_errors(int family)
{
	char buf[16];
	struct sockaddr_storage_k a;
	/* fresh socket */
	struct socket *s = t_socket(family, SOCK_STREAM_K);
	if (!T_CHECK(s))
		return;
	T_EQ(t_recv(s, buf, 1, 0), -ENOTCONN);
	T_EQ(t_send(s, "x", 1, 0), -ENOTCONN);
	T_EQ(s->ops->shutdown(s, SHUT_RDWR_K), -ENOTCONN);
	uint32_t alen = sizeof(a);
	T_EQ(s->ops->getname(s, &a, &alen, true), -ENOTCONN);
	T_EQ(s->ops->poll(s, NULL), POLLOUT_K | POLLHUP_K);
	/* bad addresses */
	alen = t_addr(family, 1, &a);
	T_EQ(s->ops->connect(s, &a, 8), -EINVAL);
	a.ss_family = family == AF_INET_K ? AF_INET6_K : AF_INET_K;
	T_EQ(s->ops->bind(s, &a, alen), -EAFNOSUPPORT);
	t_close(s);

	/* ECONNREFUSED: a port nobody listens on (a listener's, after close) */
	uint16_t port;
	struct socket *l = t_listener(family, 1, &port);
	t_close(l);
	s = t_socket(family, SOCK_STREAM_K);
	alen = t_addr(family, port, &a);
	int r = s->ops->connect(s, &a, alen);
	T_CHECK(r == -EINPROGRESS || r == -ECONNREFUSED);
	if (r == -EINPROGRESS) {
		T_CHECK(t_wait(s, POLLOUT_K, 10000) & POLLERR_K);
		T_EQ(t_getint(s, SOL_SOCKET_K, SO_ERROR_K), ECONNREFUSED);
		T_EQ(t_getint(s, SOL_SOCKET_K, SO_ERROR_K), 0);
	}
	t_close(s);
	s = t_socket(family, SOCK_STREAM_K);
	T_EQ(s->ops->connect(s, &a, alen), -EINPROGRESS);
	T_CHECK(t_wait(s, POLLOUT_K, 10000));
	T_EQ(s->ops->connect(s, &a, alen), -ECONNREFUSED);
	t_close(s);

	/* EADDRINUSE, and SO_REUSEADDR */
	l = t_listener(family, 1, &port);
	s = t_socket(family, SOCK_STREAM_K);
	alen = t_addr(family, port, &a);
	T_EQ(s->ops->bind(s, &a, alen), -EADDRINUSE);
	T_EQ(s->ops->bind(s, &a, alen), -EADDRINUSE);
	t_close(s);
	/* not one of our addresses */
	s = t_socket(family, SOCK_STREAM_K);
	alen = t_addr(family, 0, &a);
	if (family == AF_INET_K)
		((struct sockaddr_in_k *)&a)->sin_addr.s_addr = 0x0100000a; /* 10.0.0.1 */
	else
		((struct sockaddr_in6_k *)&a)->sin6_addr.in6_u.u6_addr8[0] = 0x20;
	T_EQ(s->ops->bind(s, &a, alen), -EADDRNOTAVAIL);
	t_close(s);

	/* reset by the peer: SO_LINGER {1, 0} closes with RST */
	struct socket *srv, *c = t_connect(family, family, l, port, &srv);
	if (c && srv) {
		struct linger_k lg = { 1, 0 };
		T_EQ(srv->ops->setsockopt(srv, SOL_SOCKET_K, SO_LINGER_K, &lg, sizeof(lg)), 0);
		struct linger_k got;
		uint32_t glen = sizeof(got);
		T_EQ(srv->ops->getsockopt(srv, SOL_SOCKET_K, SO_LINGER_K, &got, &glen), 0);
		T_CHECK(glen == sizeof(got) && got.l_onoff == 1 && got.l_linger == 0);
		t_close(srv);
		srv = NULL;
		T_CHECK(t_wait(c, POLLIN_K, 10000) & POLLERR_K);
		T_EQ(t_recv(c, buf, sizeof(buf), 0), -ECONNRESET);
		T_EQ(t_send(c, "x", 1, 0), -EPIPE);
	}
	t_close(c);
	/* SO_LINGER with a time: close waits until the data is through, then
	 * the peer reads all of it and a clean end (FIN, not RST) */
	c = t_connect(family, family, l, port, &srv);
	if (c && srv) {
		struct linger_k lg = { 1, 5 };
		T_EQ(c->ops->setsockopt(c, SOL_SOCKET_K, SO_LINGER_K, &lg, sizeof(lg)), 0);
		static const char msg[] = "lingering data";
		T_EQ(t_send(c, msg, sizeof(msg), 0), (long)sizeof(msg));
		t_close(c);
		c = NULL;
		T_EQ(t_recv_all(srv, buf, sizeof(msg)), (long)sizeof(msg));
		T_CHECK(!memcmp(buf, msg, sizeof(msg)));
		T_CHECK(t_wait(srv, POLLRDHUP_K, 10000) & POLLRDHUP_K);
		T_EQ(t_recv(srv, buf, sizeof(buf), 0), 0);
		T_EQ(t_getint(srv, SOL_SOCKET_K, SO_ERROR_K), 0);
	}
	t_close(c);
	t_close(srv);
	/* closing with unread data resets too, as on Linux */
	c = t_connect(family, family, l, port, &srv);
	if (c && srv) {
		T_EQ(t_send(c, "unread", 6, 0), 6);
		T_CHECK(t_wait(srv, POLLIN_K, 10000) & POLLIN_K);
		t_close(srv);
		srv = NULL;
		T_CHECK(t_wait(c, POLLIN_K, 10000) & POLLERR_K);
		T_EQ(t_recv(c, buf, sizeof(buf), 0), -ECONNRESET);
	}
	t_close(c);
	t_close(l);
}

static void test_tcp_options(int family)
{
	struct socket *s = t_socket(family, SOCK_STREAM_K);
	if (!T_CHECK(s))
		return;
	T_EQ(t_getint(s, IPPROTO_TCP_K, TCP_NODELAY_K), 0);
	T_EQ(t_setint(s, IPPROTO_TCP_K, TCP_NODELAY_K, 1), 0);
	T_EQ(t_getint(s, IPPROTO_TCP_K, TCP_NODELAY_K), 1);
	T_EQ(t_setint(s, SOL_SOCKET_K, SO_KEEPALIVE_K, 1), 0);
	T_EQ(t_getint(s, SOL_SOCKET_K, SO_KEEPALIVE_K), 1);
	T_EQ(t_setint(s, IPPROTO_TCP_K, TCP_KEEPIDLE_K, 30), 0);
	T_EQ(t_getint(s, IPPROTO_TCP_K, TCP_KEEPIDLE_K), 30);
	T_EQ(t_setint(s, IPPROTO_TCP_K, TCP_KEEPINTVL_K, 5), 0);
	T_EQ(t_getint(s, IPPROTO_TCP_K, TCP_KEEPINTVL_K), 5);
	T_EQ(t_setint(s, IPPROTO_TCP_K, TCP_KEEPCNT_K, 3), 0);
	T_EQ(t_getint(s, IPPROTO_TCP_K, TCP_KEEPCNT_K), 3);
	T_EQ(t_setint(s, IPPROTO_TCP_K, TCP_KEEPCNT_K, 0), -EINVAL);
	T_EQ(t_setint(s, SOL_SOCKET_K, SO_REUSEADDR_K, 1), 0);
	T_EQ(t_getint(s, SOL_SOCKET_K, SO_REUSEADDR_K), 1);
	T_EQ(t_setint(s, SOL_SOCKET_K, SO_RCVBUF_K, 100000), 0);
	T_EQ(t_getint(s, SOL_SOCKET_K, SO_RCVBUF_K), 200000);
	T_EQ(t_setint(s, SOL_SOCKET_K, SO_SNDBUF_K, 1), 0);
	T_EQ(t_getint(s, SOL_SOCKET_K, SO_SNDBUF_K), 4608);
	T_EQ(t_getint(s, SOL_SOCKET_K, 9999), -ENOPROTOOPT);
	T_EQ(s->ops->setsockopt(s, SOL_SOCKET_K, SO_KEEPALIVE_K, "x", 1), -EINVAL);
	int v6 = t_getint(s, IPPROTO_IPV6_K, IPV6_V6ONLY_K);
	T_EQ(v6, family == AF_INET6_K ? 0 : -ENOPROTOOPT);
	T_EQ(s->ops->ioctl(s, 0x1234, 0), -ENOTTY);
	t_close(s);
}

/* A dual-stack AF_INET6 listener takes IPv4 clients (seen as ::ffff:a.b.c.d);
 * with IPV6_V6ONLY it does not. */
static void test_dual_stack(void)
{
	/* a listener on "::" */
	struct sockaddr_storage_k any;
	uint32_t anylen = t_addr(AF_INET6_K, 0, &any);
	memset(&((struct sockaddr_in6_k *)&any)->sin6_addr, 0, 16);
	struct socket *l = t_socket(AF_INET6_K, SOCK_STREAM_K), *srv;
	if (!T_CHECK(l))
		return;
	T_EQ(l->ops->bind(l, &any, anylen), 0);
	T_EQ(l->ops->listen(l, 4), 0);
	uint16_t port = t_port(l);
	struct socket *c = t_connect(AF_INET_K, AF_INET_K, l, port, &srv);
	if (c && srv) {
		struct sockaddr_storage_k a;
		uint32_t n = sizeof(a);
		T_EQ(srv->ops->getname(srv, &a, &n, true), 0);
		struct sockaddr_in6_k *in6 = (void *)&a;
		T_EQ(n, sizeof(*in6));
		T_EQ(in6->sin6_family, AF_INET6_K);
		T_EQ(in6->sin6_addr.in6_u.u6_addr8[10], 0xff);
		T_EQ(in6->sin6_addr.in6_u.u6_addr8[12], 127);
		char b[4];
		T_EQ(t_send(srv, "v4ok", 4, 0), 4);
		T_EQ(t_recv_all(c, b, 4), 4);
	}
	t_close(c);
	t_close(srv);
	t_close(l);

	l = t_socket(AF_INET6_K, SOCK_STREAM_K);
	T_EQ(t_setint(l, IPPROTO_IPV6_K, IPV6_V6ONLY_K, 1), 0);
	struct sockaddr_storage_k a;
	uint32_t alen = t_addr(AF_INET6_K, 0, &a);
	memset(&((struct sockaddr_in6_k *)&a)->sin6_addr, 0, 16); /* :: */
	T_EQ(l->ops->bind(l, &a, alen), 0);
	T_EQ(t_setint(l, IPPROTO_IPV6_K, IPV6_V6ONLY_K, 0), -EINVAL);
	T_EQ(l->ops->listen(l, 4), 0);
	port = t_port(l);
	c = t_socket(AF_INET_K, SOCK_STREAM_K);
	alen = t_addr(AF_INET_K, port, &a);
	int r = c->ops->connect(c, &a, alen);
	if (r == -EINPROGRESS) {
		T_CHECK(t_wait(c, POLLOUT_K, 10000));
		r = c->ops->connect(c, &a, alen);
	}
	T_EQ(r, -ECONNREFUSED);
	t_close(c);
	t_close(l);
}

/* listen(fd, 1) queues two connections (Linux's backlog + 1); the third
 * waits in SYN_SENT until accept() makes room, then completes. */
static void test_backlog(int family)
{
	uint16_t port;
	struct socket *l = t_listener(family, 1, &port), *c[3] = { 0 };
	if (!l)
		return;
	struct sockaddr_storage_k a;
	uint32_t alen = t_addr(family, port, &a);
	for (int i = 0; i < 3; i++) {
		c[i] = t_socket(family, SOCK_STREAM_K);
		T_EQ(c[i]->ops->connect(c[i], &a, alen), -EINPROGRESS);
	}
	T_CHECK(t_wait(c[0], POLLOUT_K, 10000) & POLLOUT_K);
	T_CHECK(t_wait(c[1], POLLOUT_K, 10000) & POLLOUT_K);
	T_EQ(c[2]->ops->poll(c[2], NULL) & POLLOUT_K, 0);
	struct socket *ns[3];
	for (int i = 0; i < 3; i++) {
		ns[i] = t_socket(family, SOCK_STREAM_K);
		T_CHECK(t_wait(l, POLLIN_K, 15000) & POLLIN_K);
		T_EQ(l->ops->accept(l, ns[i]), 0);
	}
	/* the third completed once there was room (after a SYN retransmit) */
	T_CHECK(t_wait(c[2], POLLOUT_K, 15000) & POLLOUT_K);
	for (int i = 0; i < 3; i++) {
		t_close(ns[i]);
		t_close(c[i]);
	}
	t_close(l);
}

static void test_udp(int family)
{
	struct socket *a = t_socket(family, SOCK_DGRAM_K), *b = t_socket(family, SOCK_DGRAM_K);
	if (!T_CHECK(a && b))
		goto out;
	struct sockaddr_storage_k sa, sb, from;
	uint32_t la = t_addr(family, 0, &sa), lb = t_addr(family, 0, &sb);
	T_EQ(a->ops->bind(a, &sa, la), 0);
	T_EQ(b->ops->bind(b, &sb, lb), 0);
	uint16_t pa = t_port(a), pb = t_port(b);
	T_CHECK(pa && pb && pa != pb);
	lb = t_addr(family, pb, &sb);
	char buf[32];
	T_EQ(t_recv(b, buf, sizeof(buf), 0), -EAGAIN);
	T_EQ(t_send(a, "x", 1, 0), -EDESTADDRREQ);
	T_EQ(t_sendto(a, "datagram", 8, &sb, lb), 8);
	T_EQ(t_sendto(a, "second", 6, &sb, lb), 6);
	T_EQ(t_sendto(a, "", 0, &sb, lb), 0);
	T_CHECK(t_wait(b, POLLIN_K, 10000) & POLLIN_K);
	int nread = -1;
	T_EQ(b->ops->ioctl(b, FIONREAD_K, (unsigned long)&nread), 0);
	T_EQ(nread, 8);
	struct iovec_k iov = { buf, 4 };
	struct sock_msg m = { .addr = &from, .addrlen = sizeof(from), .iov = &iov, .iovlen = 1 };
	T_EQ(b->ops->recvmsg(b, &m, 0), 4); /* truncated, the rest dropped */
	T_CHECK(m.flags_out & MSG_TRUNC_K);
	T_CHECK(!memcmp(buf, "data", 4));
	T_EQ(m.addrlen, la);
	struct inet_ep ep;
	T_EQ(inet_ep_from_sockaddr(family, &from, m.addrlen, false, &ep), 0);
	T_EQ(ep.port, (uint16_t)(pa << 8 | pa >> 8));
	T_EQ(t_recv(b, buf, sizeof(buf), MSG_TRUNC_K | MSG_PEEK_K), 6);
	T_EQ(t_recv(b, buf, sizeof(buf), 0), 6);
	T_CHECK(!memcmp(buf, "second", 6));
	T_CHECK(t_wait(b, POLLIN_K, 10000) & POLLIN_K);
	T_EQ(t_recv(b, buf, sizeof(buf), 0), 0); /* the empty datagram */
	/* connected: send without an address, getpeername */
	T_EQ(a->ops->connect(a, &sb, lb), 0);
	T_EQ(t_send(a, "conn", 4, 0), 4);
	T_CHECK(t_wait(b, POLLIN_K, 10000) & POLLIN_K);
	T_EQ(t_recv(b, buf, sizeof(buf), 0), 4);
	uint32_t plen = sizeof(from);
	T_EQ(a->ops->getname(a, &from, &plen, true), 0);
	T_EQ(b->ops->getname(b, &from, &plen, true), -ENOTCONN);
	struct sockaddr_storage_k un = { .ss_family = AF_UNSPEC_K };
	T_EQ(a->ops->connect(a, &un, sizeof(un)), 0);
	T_EQ(t_send(a, "x", 1, 0), -EDESTADDRREQ);
	T_EQ(t_getint(a, IPPROTO_TCP_K, TCP_NODELAY_K), -ENOPROTOOPT);
	/* too big for one datagram */
	char *big = kzalloc(70000);
	if (T_CHECK(big)) {
		T_EQ(t_sendto(a, big, 70000, &sb, lb), -EMSGSIZE);
		T_EQ(t_sendto(a, big, 60000, &sb, lb), 60000);
		T_CHECK(t_wait(b, POLLIN_K, 10000) & POLLIN_K);
		T_EQ(t_recv(b, big, 70000, 0), 60000);
		kfree(big);
	}
out:
	t_close(a);
	t_close(b);
}

/* ICMP echo through a ping socket (SOCK_DGRAM, IPPROTO_ICMP/ICMPV6):
 * lwIP answers, the socket gets the reply with its identifier. */
static void test_ping(int family)
{
	int proto = family == AF_INET_K ? IPPROTO_ICMP_K : IPPROTO_ICMPV6_K;
	int wrong = family == AF_INET_K ? IPPROTO_ICMPV6_K : IPPROTO_ICMP_K;
	T_CHECK(!t_socket_proto(family, SOCK_DGRAM_K, wrong));
	struct socket *s = t_socket_proto(family, SOCK_DGRAM_K, proto);
	if (!T_CHECK(s))
		return;
	struct sockaddr_storage_k a, from;
	uint32_t alen = t_addr(family, 0, &a);
	uint8_t req = family == AF_INET_K ? 8 : 128, rep = family == AF_INET_K ? 0 : 129;
	uint8_t msg[12] = { req, 0, 0, 0, 0x12, 0x34, 0, 7, 'p', 'i', 'n', 'g' }, got[32];
	T_EQ(t_sendto(s, msg, 4, &a, alen), -EINVAL);   /* shorter than a header */
	msg[0] = rep;
	T_EQ(t_sendto(s, msg, sizeof(msg), &a, alen), -EINVAL); /* not a request */
	msg[0] = req;
	T_EQ(t_send(s, msg, sizeof(msg), 0), -EDESTADDRREQ);
	T_EQ(t_sendto(s, msg, sizeof(msg), &a, alen), (long)sizeof(msg));
	uint16_t ident = t_port(s);
	T_CHECK(ident != 0);
	T_CHECK(t_wait(s, POLLIN_K, 10000) & POLLIN_K);
	struct iovec_k iov = { got, sizeof(got) };
	struct sock_msg m = { .addr = &from, .addrlen = sizeof(from), .iov = &iov, .iovlen = 1 };
	T_EQ(s->ops->recvmsg(s, &m, 0), (long)sizeof(msg));
	T_EQ(got[0], rep);
	T_EQ(got[4] << 8 | got[5], ident); /* the socket's identifier, not ours */
	T_EQ(got[7], 7);
	T_CHECK(!memcmp(got + 8, "ping", 4));
	struct inet_ep ep;
	T_EQ(inet_ep_from_sockaddr(family, &from, m.addrlen, false, &ep), 0);
	T_EQ(ep.addr[family == AF_INET_K ? 0 : 15], family == AF_INET_K ? 127 : 1);
	/* connected: send() without an address */
	T_EQ(s->ops->connect(s, &a, alen), 0);
	T_EQ(t_send(s, msg, sizeof(msg), 0), (long)sizeof(msg));
	T_CHECK(t_wait(s, POLLIN_K, 10000) & POLLIN_K);
	T_EQ(t_recv(s, got, sizeof(got), 0), (long)sizeof(msg));
	T_EQ(t_recv(s, got, sizeof(got), 0), -EAGAIN);
	t_close(s);
}

/* Many short connections: TIME_WAIT stays capped and nothing leaks. */
static void test_churn(int family, int n)
{
	uint16_t port;
	struct socket *l = t_listener(family, 64, &port), *srv;
	if (!l)
		return;
	int ok = 0;
	for (int i = 0; i < n; i++) {
		struct socket *c = t_connect(family, family, l, port, &srv);
		if (c && srv && t_send(c, "ping", 4, 0) == 4) {
			char b[4];
			if (t_recv_all(srv, b, 4) == 4)
				ok++;
		}
		t_close(c); /* the client closes first: its side goes to TIME_WAIT */
		t_close(srv);
	}
	T_EQ(ok, n);
	/* The net thread trims TIME_WAIT at each of lwIP's TCP timer ticks
	 * (250 ms): give it a few. */
	sched_sleep_until(clock_ns() + 1000000000ULL);
	net_lock();
	int tw = net_time_wait_count();
	net_unlock();
	printk("inet_test: %d connections on %s, %d pcbs in TIME_WAIT (cap %d)\n", n,
	       family == AF_INET_K ? "127.0.0.1" : "::1", tw, NET_TIME_WAIT_MAX);
	T_CHECK(tw <= NET_TIME_WAIT_MAX);
	t_close(l);
}

__export int __jiny_inet_selftest(int *checks)
{
	t_checks = t_fails = 0;
	/* lwIP starts with the first socket (or NIC): not at boot */
	printk("inet_test: lwIP %s before the first socket\n",
	       net_ready() ? "was already up" : "was not started");
	net_start();
	T_CHECK(net_ready());
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6_K : AF_INET_K;
		size_t mem0 = kmalloc_bytes_in_use();
		test_tcp_basic(family);
		test_tcp_errors(family);
		test_tcp_options(family);
		test_udp(family);
		test_backlog(family);
		test_ping(family);
		printk("inet_test: %s done, %d checks so far, kmalloc %zu -> %zu bytes\n",
		       f ? "IPv6" : "IPv4", t_checks, mem0, kmalloc_bytes_in_use());
	}
	test_dual_stack();
	test_churn(AF_INET_K, 1500);
	*checks = t_checks;
	return t_fails;
}

/* bytes through one TCP connection over the loopback, one thread taking
 * turns to send (until the window is full) and receive: 0 and the time in
 * *ns, or -errno (-EPROTO, 71: verify found a byte that differs from what was
 * sent). */
__export int __jiny_inet_bench(int family, uint64_t bytes, uint64_t *ns, int verify)
{
	uint16_t port;
	struct socket *l = t_listener(family, 4, &port), *srv = NULL, *c = NULL;
	int r = -EIO;
	if (!l)
		return -EIO;
	c = t_connect(family, family, l, port, &srv);
	size_t chunk = 256 * 1024;
	char *sbuf = kmalloc(chunk), *rbuf = kmalloc(chunk);
	if (!c || !srv || !sbuf || !rbuf)
		goto out;
	for (size_t i = 0; i < chunk; i++)
		sbuf[i] = (char)(i * 7);
	uint64_t sent = 0, got = 0, t0 = clock_ns();
	while (got < bytes) {
		while (sent < bytes) {
			ssize_t w = t_send(c, sbuf + sent % chunk, MIN(chunk - sent % chunk, bytes - sent), 0);
			if (w == -EAGAIN)
				break;
			if (w <= 0)
				goto out;
			sent += (uint64_t)w;
		}
		ssize_t n = t_recv(srv, rbuf, chunk, 0);
		if (n == -EAGAIN) {
			if (!t_wait(srv, POLLIN_K, 10000))
				goto out;
			continue;
		}
		if (n <= 0)
			goto out;
		for (ssize_t i = 0; verify && i < n; i++)
			if (rbuf[i] != (char)(((got + (uint64_t)i) % chunk) * 7)) {
				printk("inet_test: byte %lu of the stream differs\n",
				       (unsigned long)(got + (uint64_t)i));
				r = -71; /* EPROTO */
				goto out;
			}
		got += (uint64_t)n;
	}
	*ns = clock_ns() - t0;
	printk("inet_test: bench over %s: MSS %d\n", family == AF_INET_K ? "127.0.0.1" : "::1",
	       t_getint(c, IPPROTO_TCP_K, TCP_MAXSEG_K));
	r = 0;
out:
	kfree(sbuf);
	kfree(rbuf);
	t_close(c);
	t_close(srv);
	t_close(l);
	return r;
}

/* ---- a NIC through net.h's driver contract ----
 *
 * A fake Ethernet device: xmit keeps a copy of each frame; the test plays
 * the peer 10.0.2.99 by handing frames to net_device_input, the second one
 * in a zero-copy pbuf (net_rx_pbuf) whose release the test watches. With
 * ip=10.0.2.15/24,10.0.2.2 on the command line (tst-net-dev.c): ARP out,
 * an ARP reply in (through the net thread), the queued UDP datagram out,
 * a datagram in to a bound socket. */

static const uint8_t dev_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
#define DEV_FRAMES 64
static uint8_t (*dev_frames)[1600]; /* [DEV_FRAMES], kmalloc'd by the test (no .bss in every image) */
static unsigned dev_lens[DEV_FRAMES];
static volatile unsigned dev_nframes;
static volatile int dev_released;

static int dev_xmit(struct net_device *dev, struct pbuf *p)
{
	unsigned i = dev_nframes;
	if (i < DEV_FRAMES) {
		dev_lens[i] = pbuf_copy_partial(p, dev_frames[i], sizeof(dev_frames[i]), 0);
		__atomic_store_n(&dev_nframes, i + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static struct net_device *t_dev;

/* The first frame sent of the given Ethertype whose bytes at off are
 * want[0..n) (lwIP also sends gratuitous ARP, IPv6 ND and MLD frames of its
 * own), waiting for it up to 10 s: its index, or -1. */
static int t_find_frame_from(unsigned first, uint16_t type, unsigned off, const void *want,
			     size_t n)
{
	for (int tries = 0; tries < 10000; tries++) {
		unsigned have = __atomic_load_n(&dev_nframes, __ATOMIC_ACQUIRE);
		for (unsigned i = first; i < have; i++) {
			const uint8_t *f = dev_frames[i];
			if ((f[12] << 8 | f[13]) == type && dev_lens[i] >= off + n &&
			    !memcmp(f + off, want, n))
				return (int)i;
		}
		sched_sleep_until(clock_ns() + 1000000);
	}
	return -1;
}

static int t_find_frame(uint16_t type, unsigned off, const void *want, size_t n)
{
	return t_find_frame_from(0, type, off, want, n);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4/UDP frame from the peer to us (or broadcast), checksummed IP
 * header, no UDP checksum: its length. */
static size_t t_udp_frame(uint8_t *q, const uint8_t *src_ip, const uint8_t *dst_ip,
			  uint16_t sport, uint16_t dport, const void *data, size_t n)
{
	memcpy(q, dev_mac, 6);
	memcpy(q + 6, peer_mac, 6);
	put16(q + 12, 0x0800);
	uint8_t *ip = q + 14;
	memset(ip, 0, 28);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + n));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, src_ip, 4);
	memcpy(ip + 16, dst_ip, 4);
	u16_t sum = inet_chksum(ip, 20);
	memcpy(ip + 10, &sum, 2);
	put16(ip + 20, sport);
	put16(ip + 22, dport);
	put16(ip + 24, (uint16_t)(8 + n));
	memcpy(ip + 28, data, n);
	return 14 + 20 + 8 + n;
}

static void t_input_copy(const uint8_t *frame, size_t n)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
	if (T_CHECK(p)) {
		pbuf_take(p, frame, (u16_t)n);
		net_device_input(t_dev, p);
	}
}

/* The DHCP server's part: an OFFER or ACK (type) for the client's xid,
 * giving 10.0.2.15/24, router 10.0.2.2, DNS 10.0.2.3, one hour. */
static void t_dhcp_reply(const uint8_t *xid, uint8_t type)
{
	static const uint8_t server[4] = { 10, 0, 2, 2 }, bcast[4] = { 255, 255, 255, 255 };
	uint8_t *b = kzalloc(300), *frame = kzalloc(400);
	if (!T_CHECK(b && frame))
		goto out;
	b[0] = 2; /* BOOTREPLY */
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, xid, 4);
	b[16] = 10, b[17] = 0, b[18] = 2, b[19] = 15; /* yiaddr */
	memcpy(b + 20, server, 4);
	memcpy(b + 28, dev_mac, 6);
	static const uint8_t opts[] = {
		99, 130, 83, 99,                /* magic cookie */
		53, 1, 0,                       /* message type (set below) */
		54, 4, 10, 0, 2, 2,             /* server identifier */
		51, 4, 0, 0, 0x0e, 0x10,        /* lease: 3600 s */
		1, 4, 255, 255, 255, 0,         /* subnet mask */
		3, 4, 10, 0, 2, 2,              /* router */
		6, 4, 10, 0, 2, 3,              /* DNS server */
		255,
	};
	memcpy(b + 236, opts, sizeof(opts));
	b[236 + 6] = type;
	size_t n = t_udp_frame(frame, server, bcast, 67, 68, b, 236 + sizeof(opts));
	memcpy(frame, "\xff\xff\xff\xff\xff\xff", 6);
	t_input_copy(frame, n);
out:
	kfree(b);
	kfree(frame);
}

/* Wait until path holds text (the net thread writes it): true if it does. */
static bool t_file_has(const char *path, const char *text)
{
	char buf[512];
	for (int tries = 0; tries < 1000; tries++) {
		struct file *f;
		if (vfs_open(AT_FDCWD_K, path, O_RDONLY_K, 0, &f) == 0) {
			ssize_t n = vfs_read(f, buf, sizeof(buf) - 1);
			file_put(f);
			buf[n > 0 ? n : 0] = 0;
			size_t tl = strlen(text);
			for (ssize_t i = 0; n > 0 && i + (ssize_t)tl <= n; i++)
				if (!memcmp(buf + i, text, tl))
					return true;
		}
		sched_sleep_until(clock_ns() + 10000000);
	}
	printk("inet_test: %s: %s\n", path, buf);
	return false;
}

static struct net_rx_buf t_rxbuf;
static uint8_t t_rxmem[128];

static void t_release(struct net_rx_buf *b)
{
	__atomic_add_fetch(&dev_released, 1, __ATOMIC_RELEASE);
}

__export int __jiny_net_dev_selftest(int *checks)
{
	t_checks = t_fails = 0;
	static const uint8_t me[4] = { 10, 0, 2, 15 }, peer[4] = { 10, 0, 2, 99 };
	dev_frames = kzalloc(DEV_FRAMES * sizeof(*dev_frames));
	t_dev = kzalloc(sizeof(*t_dev)); /* registered for good: never freed */
	if (!T_CHECK(dev_frames && t_dev))
		return t_fails;
	t_dev->name = "et";
	t_dev->mtu = 1500;
	t_dev->features = NET_F_CSUM_RX;
	t_dev->xmit = dev_xmit;
	memcpy(t_dev->mac, dev_mac, 6);
	T_EQ(net_device_register(t_dev), 0);
	T_CHECK(net_ready());
	net_device_set_link(t_dev, true);
	T_EQ(t_dev->netif.mtu, 1500);
	const char *ipopt = cmdline_opt(&kernel_cmdline, "ip");
	if (!ipopt || !strcmp(ipopt, "dhcp")) {
		/* DHCP (the default): a DISCOVER, broadcast from port 68 to 67,
		 * with our MAC as the client's hardware address */
		static const uint8_t ports[4] = { 0, 68, 0, 67 };
		int k = t_find_frame(0x0800, 14 + 20, ports, 4);
		if (T_CHECK(k >= 0)) {
			T_CHECK(!memcmp(dev_frames[k], "\xff\xff\xff\xff\xff\xff", 6));
			T_CHECK(!memcmp(dev_frames[k] + 14 + 20 + 8 + 28, dev_mac, 6));
			/* OFFER, the client's REQUEST, ACK: bound, resolv.conf rewritten */
			uint8_t xid[4];
			memcpy(xid, dev_frames[k] + 14 + 20 + 8 + 4, 4);
			t_dhcp_reply(xid, 2);
			static const uint8_t req[3] = { 53, 1, 3 };
			k = t_find_frame_from((unsigned)k + 1, 0x0800, 14 + 20 + 8 + 240, req, 3);
			if (T_CHECK(k >= 0)) {
				memcpy(xid, dev_frames[k] + 14 + 20 + 8 + 4, 4);
				t_dhcp_reply(xid, 5);
				bool bound = false;
				for (int i = 0; i < 1000 && !bound; i++) {
					net_lock();
					bound = !memcmp(&t_dev->netif.ip_addr, me, 4);
					net_unlock();
					if (!bound)
						sched_sleep_until(clock_ns() + 10000000);
				}
				T_CHECK(bound);
				T_CHECK(t_file_has("/etc/resolv.conf", "nameserver 10.0.2.3\n"));
			}
		}
		*checks = t_checks;
		return t_fails;
	}
	T_CHECK(!memcmp(&t_dev->netif.ip_addr, me, 4)); /* ip= applied, no DHCP */

	/* a datagram to 10.0.2.99: lwIP asks who has it first */
	struct socket *u = t_socket(AF_INET_K, SOCK_DGRAM_K);
	struct sockaddr_storage_k a;
	struct inet_ep ep = { .v = 4, .port = 0x3930 /* 12345 */ };
	memcpy(ep.addr, peer, 4);
	uint32_t alen = inet_ep_to_sockaddr(AF_INET_K, &ep, &a);
	T_EQ(t_sendto(u, "to the peer", 11, &a, alen), 11);
	uint16_t uport = t_port(u);
	int k = t_find_frame(0x0806, 38, peer, 4);         /* ARP: who has 10.0.2.99? */
	if (!T_CHECK(k >= 0))
		return t_fails;
	uint8_t *f = dev_frames[k];
	T_CHECK(!memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) && !memcmp(f + 6, dev_mac, 6));
	T_EQ(f[21], 1);                                    /* a request */
	T_CHECK(!memcmp(f + 22, dev_mac, 6) && !memcmp(f + 28, me, 4));

	/* the peer answers; the net thread takes it from the ring */
	uint8_t arp[60] = { 0 };
	memcpy(arp, dev_mac, 6);
	memcpy(arp + 6, peer_mac, 6);
	put16(arp + 12, 0x0806);
	put16(arp + 14, 1);
	put16(arp + 16, 0x0800);
	arp[18] = 6;
	arp[19] = 4;
	put16(arp + 20, 2);
	memcpy(arp + 22, peer_mac, 6);
	memcpy(arp + 28, peer, 4);
	memcpy(arp + 32, dev_mac, 6);
	memcpy(arp + 38, me, 4);
	struct pbuf *p = pbuf_alloc(PBUF_RAW, sizeof(arp), PBUF_RAM);
	if (T_CHECK(p)) {
		pbuf_take(p, arp, sizeof(arp));
		net_device_input(t_dev, p);
	}
	k = t_find_frame(0x0800, 30, peer, 4);             /* IPv4 to 10.0.2.99 */
	if (!T_CHECK(k >= 0))
		return t_fails;
	f = dev_frames[k];
	T_CHECK(!memcmp(f, peer_mac, 6));                  /* to the MAC the reply gave */
	T_CHECK(!memcmp(f + 26, me, 4) && !memcmp(f + 30, peer, 4) && f[23] == 17);
	T_EQ(f[34] << 8 | f[35], uport);
	T_EQ(f[36] << 8 | f[37], 12345);
	T_EQ(dev_lens[k] >= 14 + 20 + 8 + 11, 1);
	T_CHECK(!memcmp(f + 42, "to the peer", 11));
	T_CHECK(f[40] || f[41]); /* the UDP checksum was computed (no NET_F_CSUM_TX) */

	/* a datagram from the peer, in the driver's own buffer (zero-copy) */
	size_t qn = t_udp_frame(t_rxmem, peer, me, 12345, uport, "reply", 5);
	p = net_rx_pbuf(&t_rxbuf, t_rxmem, (uint16_t)qn, t_release);
	if (T_CHECK(p))
		net_device_input(t_dev, p);
	T_CHECK(t_wait(u, POLLIN_K, 10000) & POLLIN_K);
	T_EQ(dev_released, 0); /* still queued on the socket */
	char buf[16];
	struct sockaddr_storage_k from;
	struct iovec_k iov = { buf, sizeof(buf) };
	struct sock_msg m = { .addr = &from, .addrlen = sizeof(from), .iov = &iov, .iovlen = 1 };
	T_EQ(u->ops->recvmsg(u, &m, 0), 5);
	T_CHECK(!memcmp(buf, "reply", 5));
	T_CHECK(!memcmp(&((struct sockaddr_in_k *)&from)->sin_addr, peer, 4));
	T_EQ(dev_released, 1); /* given back to the driver once read */
	t_close(u);
	*checks = t_checks;
	return t_fails;
}
