/*
 * tst-net-unix: the socket conformance suite, AF_UNIX (Linux semantics; also
 * run on the host as host.net-unix, so every expectation is Linux's):
 * socketpair of the three types, message boundaries and truncation, path
 * names (the S_IFSOCK node bind makes, EADDRINUSE, unlink, ECONNREFUSED to
 * a stale node or a file), abstract names and autobind, getsockname and
 * getpeername, accept's peer address, the listen backlog (Linux keeps
 * backlog + 1 connections; beyond that a non-blocking connect gets EAGAIN
 * and a blocking one waits for an accept), SCM_RIGHTS (an fd that works on
 * the other side, MSG_CTRUNC with a short buffer, files closed when never
 * received), SO_PEERCRED, shutdown and half-close, EOF and ECONNRESET,
 * datagrams with source addresses, FIONREAD, /proc/self/fd and fstat.
 * Nothing is timed: the one blocking connect is released by an accept in
 * another thread, and the test waits for what must happen.
 */
// EXPECT: ^tst: tst-net-unix: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
// TIMEOUT: 120
// VARIANT: smp1 --smp 1
// VARIANT: smp2 --smp 2
#include "fstest.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/uio.h>

static socklen_t sun_path(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* An abstract name unique to this process (the host's namespace is shared). */
static socklen_t sun_abstract(struct sockaddr_un *a, const char *name)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "jiny-tst-%d-%s", (int)getpid(), name);
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, buf, (size_t)n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static void pair_stream(void)
{
	int sv[2];
	char buf[64];

	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "hello", 5), 5);
	CHECK_EQ(write(sv[0], " world", 6), 6);
	/* a stream: the two writes read as one */
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_PEEK), 11);
	CHECK_EQ(read(sv[1], buf, 3), 3);
	CHECK(!memcmp(buf, "hel", 3));
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 8);
	CHECK(!memcmp(buf, "lo world", 8));
	CHECK_EQ(send(sv[1], "back", 4, 0), 4);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 4);
	CHECK_ERR(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* half-close: sv[0] stops writing; sv[1] reads EOF but can still send */
	CHECK_OK(shutdown(sv[0], SHUT_WR));
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 0);
	CHECK_EQ(write(sv[1], "late", 4), 4);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 4);
	CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	struct pollfd pf = { sv[1], POLLIN | POLLOUT | POLLRDHUP, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLIN | POLLOUT | POLLRDHUP);
	/* close: the other end reads what is left, then EOF; its sends fail */
	CHECK_EQ(write(sv[1], "tail", 4), 4);
	CHECK_OK(close(sv[1]));
	pf.fd = sv[0];
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 4);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	CHECK_OK(close(sv[0]));
}

static void pair_dgram(void)
{
	int sv[2];
	char buf[64];
	struct msghdr mh;
	struct iovec iov;

	CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send(sv[0], "one", 3, 0), 3);
	CHECK_EQ(send(sv[0], "second", 6, 0), 6);
	CHECK_EQ(send(sv[0], "", 0, 0), 0);
	int n = -1;
	CHECK_OK(ioctl(sv[1], FIONREAD, &n));
	CHECK_EQ(n, 3); /* the next datagram's size */
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_PEEK), 3);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 3);
	CHECK(!memcmp(buf, "one", 3));
	/* a short buffer: the rest is lost, MSG_TRUNC says so */
	memset(&mh, 0, sizeof(mh));
	iov = (struct iovec){ buf, 2 };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	CHECK_EQ(recvmsg(sv[1], &mh, 0), 2);
	CHECK(mh.msg_flags & MSG_TRUNC);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 0); /* the empty datagram */
	CHECK_ERR(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* MSG_TRUNC as a flag: the real length */
	CHECK_EQ(send(sv[1], "0123456789", 10, 0), 10);
	CHECK_EQ(recv(sv[0], buf, 4, MSG_TRUNC), 10);
	/* writev is one datagram, readv reads one */
	struct iovec w[2] = { { "ab", 2 }, { "cde", 3 } };
	CHECK_EQ(writev(sv[0], w, 2), 5);
	char r1[3], r2[8];
	struct iovec r[2] = { { r1, 3 }, { r2, 8 } };
	CHECK_EQ(readv(sv[1], r, 2), 5);
	CHECK(!memcmp(r1, "abc", 3) && !memcmp(r2, "de", 2));
	/* the queue fills (non-blocking: EAGAIN), one read makes room again */
	int sent = 0;
	while (send(sv[0], "fill", 4, MSG_DONTWAIT) == 4 && sent < 100000)
		sent++;
	CHECK(sent > 0 && sent < 100000);
	CHECK_EQ(errno, EAGAIN);
	struct pollfd pf = { sv[0], POLLOUT, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 0);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 4);
	CHECK_EQ(send(sv[0], "more", 4, MSG_DONTWAIT), 4);
	CHECK_OK(close(sv[0]));
	CHECK_OK(close(sv[1]));
}

static void pair_seqpacket(void)
{
	int sv[2];
	char buf[64];

	CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	CHECK_EQ(send(sv[0], "rec1", 4, 0), 4);
	CHECK_EQ(send(sv[0], "record2", 7, 0), 7);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 4);
	CHECK_EQ(recv(sv[1], buf, 3, 0), 3); /* the rest of record2 is dropped */
	CHECK_ERR(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	CHECK_OK(close(sv[0]));
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 0);
	CHECK_OK(close(sv[1]));
}

static void path_names(void)
{
	struct sockaddr_un a, b;
	socklen_t len = sun_path(&a, "srv.sock"), blen;
	struct stat st;
	char buf[16];
	int l = socket(AF_UNIX, SOCK_STREAM, 0);

	CHECK_OK(l);
	CHECK_OK(bind(l, (struct sockaddr *)&a, len));
	CHECK_OK(lstat("srv.sock", &st));
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0755); /* 0777 less the umask (022) */
	CHECK_ERR(open("srv.sock", O_RDWR), ENXIO);
	/* getsockname: the path with its NUL counted */
	blen = sizeof(b);
	CHECK_OK(getsockname(l, (struct sockaddr *)&b, &blen));
	CHECK_EQ(blen, len);
	CHECK_STREQ(b.sun_path, "srv.sock");
	/* bound already (Linux tries the node first: an existing name is in use) */
	CHECK_ERR(bind(l, (struct sockaddr *)&a, len), EADDRINUSE);
	blen = sun_path(&b, "other.sock");
	CHECK_ERR(bind(l, (struct sockaddr *)&b, blen), EINVAL);
	CHECK_ERR(lstat("other.sock", &st), ENOENT);
	int o = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(bind(o, (struct sockaddr *)&a, len), EADDRINUSE);
	/* bound, not listening */
	CHECK_ERR(connect(o, (struct sockaddr *)&a, len), ECONNREFUSED);
	CHECK_OK(listen(l, 5));
	CHECK_OK(connect(o, (struct sockaddr *)&a, len));
	CHECK_ERR(connect(o, (struct sockaddr *)&a, len), EISCONN);
	/* accept: an unbound client's address is just the family */
	memset(&b, 0x55, sizeof(b));
	blen = sizeof(b);
	int c = accept(l, (struct sockaddr *)&b, &blen);
	CHECK_OK(c);
	CHECK_EQ(blen, offsetof(struct sockaddr_un, sun_path));
	CHECK_EQ(b.sun_family, AF_UNIX);
	blen = sizeof(b);
	CHECK_OK(getpeername(o, (struct sockaddr *)&b, &blen));
	CHECK_EQ(blen, len);
	CHECK_STREQ(b.sun_path, "srv.sock");
	blen = sizeof(b);
	CHECK_OK(getsockname(c, (struct sockaddr *)&b, &blen));
	CHECK_STREQ(b.sun_path, "srv.sock");
	CHECK_ERR(getpeername(l, (struct sockaddr *)&b, &blen), ENOTCONN);
	CHECK_EQ(write(o, "ping", 4), 4);
	CHECK_EQ(read(c, buf, sizeof(buf)), 4);
	/* a short address buffer: truncated, the full length reported */
	blen = 4;
	CHECK_OK(getsockname(l, (struct sockaddr *)&b, &blen));
	CHECK_EQ(blen, len);
	/* unlink removes the name, not the socket */
	CHECK_OK(unlink("srv.sock"));
	int d = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(connect(d, (struct sockaddr *)&a, len), ENOENT);
	CHECK_EQ(write(c, "pong", 4), 4);
	CHECK_EQ(read(o, buf, sizeof(buf)), 4);
	/* a stale node (its socket closed) and a plain file refuse */
	int e = socket(AF_UNIX, SOCK_STREAM, 0);
	sun_path(&b, "stale.sock");
	CHECK_OK(bind(e, (struct sockaddr *)&b, len = sun_path(&b, "stale.sock")));
	CHECK_OK(close(e));
	CHECK_ERR(connect(d, (struct sockaddr *)&b, len), ECONNREFUSED);
	CHECK_OK(fs_put("file", "x"));
	len = sun_path(&b, "file");
	CHECK_ERR(connect(d, (struct sockaddr *)&b, len), ECONNREFUSED);
	len = sun_path(&b, "nodir/x.sock");
	CHECK_ERR(bind(d, (struct sockaddr *)&b, len), ENOENT);
	/* a stream socket does not reach a datagram one */
	int g = socket(AF_UNIX, SOCK_DGRAM, 0);
	len = sun_path(&b, "dgram.sock");
	CHECK_OK(bind(g, (struct sockaddr *)&b, len));
	CHECK_ERR(connect(d, (struct sockaddr *)&b, len), EPROTOTYPE);
	/* bad addresses */
	b.sun_family = AF_INET;
	CHECK_ERR(bind(d, (struct sockaddr *)&b, len), EINVAL);
	CHECK_ERR(connect(d, (struct sockaddr *)&b, len), EINVAL);
	close(l), close(o), close(c), close(d), close(g);
}

static void abstract_names(void)
{
	struct sockaddr_un a, b;
	socklen_t len = sun_abstract(&a, "abs"), blen;
	int l = socket(AF_UNIX, SOCK_STREAM, 0), o = socket(AF_UNIX, SOCK_STREAM, 0);

	CHECK_OK(bind(l, (struct sockaddr *)&a, len));
	CHECK_ERR(bind(o, (struct sockaddr *)&a, len), EADDRINUSE);
	blen = sizeof(b);
	CHECK_OK(getsockname(l, (struct sockaddr *)&b, &blen));
	CHECK_EQ(blen, len);
	CHECK(!memcmp(&a, &b, len));
	CHECK_ERR(connect(o, (struct sockaddr *)&a, len), ECONNREFUSED);
	CHECK_OK(listen(l, 1));
	CHECK_OK(connect(o, (struct sockaddr *)&a, len));
	/* the same name less its last byte is another name */
	int p = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(connect(p, (struct sockaddr *)&a, len - 1), ECONNREFUSED);
	/* autobind: a bind with the family alone gives "\0" and 5 hex digits */
	struct sockaddr_un fam = { .sun_family = AF_UNIX };
	CHECK_OK(bind(p, (struct sockaddr *)&fam, sizeof(sa_family_t)));
	blen = sizeof(b);
	CHECK_OK(getsockname(p, (struct sockaddr *)&b, &blen));
	CHECK_EQ(blen, offsetof(struct sockaddr_un, sun_path) + 6);
	CHECK_EQ(b.sun_path[0], 0);
	int hex = 1;
	for (int i = 1; i < 6; i++)
		hex &= (b.sun_path[i] >= '0' && b.sun_path[i] <= '9') ||
		       (b.sun_path[i] >= 'a' && b.sun_path[i] <= 'f');
	CHECK(hex);
	/* closing frees the name */
	close(l);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(bind(l, (struct sockaddr *)&a, len));
	close(l), close(o), close(p);
}

struct acceptor {
	int l;
	int fd;
};

static void *accept_one(void *arg)
{
	struct acceptor *ac = arg;
	ac->fd = accept(ac->l, NULL, NULL);
	return NULL;
}

static void backlog(void)
{
	struct sockaddr_un a;
	socklen_t len = sun_abstract(&a, "backlog");
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c[4];

	CHECK_OK(bind(l, (struct sockaddr *)&a, len));
	CHECK_OK(listen(l, 1));
	struct pollfd pf = { l, POLLIN | POLLOUT, 0 };
	CHECK_EQ(poll(&pf, 1, 0), 0);
	/* backlog 1 holds two connections; the third waits (EAGAIN when non-blocking) */
	for (int i = 0; i < 3; i++)
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_OK(connect(c[0], (struct sockaddr *)&a, len));
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLIN);
	CHECK_OK(connect(c[1], (struct sockaddr *)&a, len));
	CHECK_ERR(connect(c[2], (struct sockaddr *)&a, len), EAGAIN);
	int s0 = accept(l, NULL, NULL);
	CHECK_OK(s0);
	CHECK_OK(connect(c[2], (struct sockaddr *)&a, len));
	/* a blocking connect to the full queue returns once a thread accepts */
	c[3] = socket(AF_UNIX, SOCK_STREAM, 0);
	struct acceptor ac = { l, -1 };
	pthread_t t;
	CHECK_OK(pthread_create(&t, NULL, accept_one, &ac));
	CHECK_OK(connect(c[3], (struct sockaddr *)&a, len));
	pthread_join(t, NULL);
	CHECK_OK(ac.fd);
	/* SO_ACCEPTCONN, accept4 flags */
	int v = 0;
	socklen_t vl = sizeof(v);
	CHECK_OK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
	CHECK_EQ(v, 1);
	int s2 = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK_OK(s2);
	CHECK(fcntl(s2, F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fcntl(s2, F_GETFD), FD_CLOEXEC);
	/* raw: musl's accept4 falls back to accept() on EINVAL */
	CHECK_RAW_ERR(syscall(SYS_accept4, l, NULL, NULL, 0x1234), EINVAL);
	/* a listener closed with a connection never accepted: the client is reset */
	CHECK_OK(close(l));
	char buf[8];
	/* c[0]'s end was accepted (s0); c[1] and c[3] ... one of them was accepted
	 * by the thread; the other by accept4; c[2]'s was pending */
	int reset = 0, eof = 0;
	for (int i = 0; i < 4; i++) {
		ssize_t n = recv(c[i], buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ECONNRESET)
			reset++;
		else if (n == 0)
			eof++;
	}
	CHECK_EQ(reset, 1);
	CHECK_EQ(eof, 0);
	for (int i = 0; i < 4; i++)
		close(c[i]);
	close(s0), close(s2), close(ac.fd);
}

static void rights(void)
{
	int sv[2], p[2];
	char buf[16], cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;

	signal(SIGPIPE, SIG_IGN);
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(pipe(p));
	/* send the pipe's read end with one byte */
	memset(&mh, 0, sizeof(mh));
	iov = (struct iovec){ "F", 1 };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	CHECK_EQ(sendmsg(sv[0], &mh, 0), 1);
	CHECK_OK(close(p[0]));
	/* received: a new fd on the same pipe */
	memset(&mh, 0, sizeof(mh));
	memset(cbuf, 0, sizeof(cbuf));
	iov = (struct iovec){ buf, sizeof(buf) };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	CHECK_EQ(recvmsg(sv[1], &mh, MSG_CMSG_CLOEXEC), 1);
	CHECK_EQ(mh.msg_flags, MSG_CMSG_CLOEXEC); /* Linux echoes it */
	CHECK_EQ(mh.msg_controllen, CMSG_SPACE(sizeof(int)));
	cm = CMSG_FIRSTHDR(&mh);
	int got = -1;
	if (CHECK(cm != NULL)) {
		CHECK_EQ(cm->cmsg_level, SOL_SOCKET);
		CHECK_EQ(cm->cmsg_type, SCM_RIGHTS);
		CHECK_EQ(cm->cmsg_len, CMSG_LEN(sizeof(int)));
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
	}
	CHECK_EQ(fcntl(got, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(write(p[1], "via", 3), 3);
	CHECK_EQ(read(got, buf, sizeof(buf)), 3);
	CHECK_OK(close(got));
	/* now the pipe has no reader at all */
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	CHECK_OK(close(p[1]));

	/* a control buffer too short: MSG_CTRUNC, the file closed */
	CHECK_OK(pipe(p));
	memset(&mh, 0, sizeof(mh));
	iov = (struct iovec){ "G", 1 };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	CHECK_EQ(sendmsg(sv[0], &mh, 0), 1);
	CHECK_OK(close(p[0]));
	memset(&mh, 0, sizeof(mh));
	iov = (struct iovec){ buf, sizeof(buf) };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(struct cmsghdr) - 1;
	CHECK_EQ(recvmsg(sv[1], &mh, 0), 1);
	CHECK(mh.msg_flags & MSG_CTRUNC);
	CHECK_EQ(mh.msg_controllen, 0);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	CHECK_OK(close(p[1]));

	/* files never received are closed with the socket */
	CHECK_OK(pipe(p));
	memset(&mh, 0, sizeof(mh));
	iov = (struct iovec){ "H", 1 };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	CHECK_EQ(sendmsg(sv[0], &mh, 0), 1);
	CHECK_OK(close(p[0]));
	CHECK_EQ(write(p[1], "x", 1), 1); /* a reader is in flight */
	CHECK_OK(close(sv[1]));
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	CHECK_OK(close(p[1]));

	/* a bad fd in SCM_RIGHTS */
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	int bad = 999;
	memcpy(CMSG_DATA(cm), &bad, sizeof(int));
	CHECK_ERR(sendmsg(sv[0], &mh, MSG_NOSIGNAL), EBADF);
	CHECK_OK(close(sv[0]));
}

static void peercred(void)
{
	int sv[2];
	struct ucred c;
	socklen_t len = sizeof(c);

	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &c, &len));
	CHECK_EQ(len, sizeof(c));
	CHECK_EQ(c.pid, getpid());
	CHECK_EQ(c.uid, geteuid());
	CHECK_EQ(c.gid, getegid());
	int o = socket(AF_UNIX, SOCK_STREAM, 0);
	len = sizeof(c);
	CHECK_OK(getsockopt(o, SOL_SOCKET, SO_PEERCRED, &c, &len));
	CHECK_EQ(c.pid, 0);
	CHECK_EQ(c.uid, (uid_t)-1);
	close(o), close(sv[0]), close(sv[1]);
}

static void reset_and_fionread(void)
{
	int sv[2], n = -1;
	char buf[16];

	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "abcdef", 6), 6);
	CHECK_EQ(write(sv[0], "gh", 2), 2);
	CHECK_OK(ioctl(sv[1], FIONREAD, &n));
	CHECK_EQ(n, 8);
	/* sv[1] closes with data unread: sv[0] gets ECONNRESET once, then EOF */
	CHECK_OK(close(sv[1]));
	CHECK_ERR(recv(sv[0], buf, sizeof(buf), 0), ECONNRESET);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 0);
	int e = -1;
	socklen_t el = sizeof(e);
	CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &el));
	CHECK_EQ(e, 0);
	CHECK_OK(close(sv[0]));
	/* a listener's FIONREAD */
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a;
	socklen_t len = sun_abstract(&a, "fionread");
	CHECK_OK(bind(l, (struct sockaddr *)&a, len));
	CHECK_OK(listen(l, 1));
	CHECK_ERR(ioctl(l, FIONREAD, &n), EINVAL);
	close(l);
}

static void dgram_names(void)
{
	struct sockaddr_un a, b, from;
	socklen_t alen = sun_path(&a, "a.sock"), blen = sun_path(&b, "b.sock"), flen;
	int x = socket(AF_UNIX, SOCK_DGRAM, 0), y = socket(AF_UNIX, SOCK_DGRAM, 0);
	int z = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[16];

	CHECK_OK(bind(x, (struct sockaddr *)&a, alen));
	CHECK_OK(bind(y, (struct sockaddr *)&b, blen));
	CHECK_EQ(sendto(x, "to-b", 4, 0, (struct sockaddr *)&b, blen), 4);
	flen = sizeof(from);
	CHECK_EQ(recvfrom(y, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 4);
	CHECK_EQ(flen, alen);
	CHECK_STREQ(from.sun_path, "a.sock");
	/* an unbound sender has no address */
	CHECK_EQ(sendto(z, "anon", 4, 0, (struct sockaddr *)&b, blen), 4);
	flen = sizeof(from);
	CHECK_EQ(recvfrom(y, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 4);
	CHECK_EQ(flen, 0);
	/* no destination */
	CHECK_ERR(send(z, "x", 1, 0), ENOTCONN);
	/* connected: a default destination; the receiver connected elsewhere refuses */
	CHECK_OK(connect(z, (struct sockaddr *)&b, blen));
	CHECK_EQ(send(z, "c", 1, 0), 1);
	CHECK_EQ(recv(y, buf, sizeof(buf), 0), 1);
	CHECK_OK(connect(y, (struct sockaddr *)&a, alen));
	CHECK_ERR(send(z, "c", 1, 0), EPERM);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	CHECK_OK(connect(y, &unspec, sizeof(unspec)));
	CHECK_EQ(send(z, "d", 1, 0), 1);
	CHECK_EQ(recv(y, buf, sizeof(buf), 0), 1);
	/* the receiver gone */
	CHECK_OK(close(y));
	CHECK_ERR(send(z, "e", 1, 0), ECONNREFUSED);
	CHECK_ERR(send(z, "e", 1, 0), ENOTCONN);
	CHECK_ERR(sendto(x, "f", 1, 0, (struct sockaddr *)&b, blen), ECONNREFUSED);
	close(x), close(z);
}

static void files(void)
{
	int sv[2];
	struct stat st;
	char path[64], link[64];

	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	CHECK_EQ(fcntl(sv[0], F_GETFD), FD_CLOEXEC);
	CHECK_OK(fstat(sv[0], &st));
	CHECK(S_ISSOCK(st.st_mode));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", sv[0]);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0);
	if (n > 0) {
		char want[64];
		link[n] = 0;
		snprintf(want, sizeof(want), "socket:[%lu]", (unsigned long)st.st_ino);
		CHECK_STREQ(link, want);
	}
	struct stat st2;
	CHECK_OK(fstat(sv[1], &st2));
	CHECK(st2.st_ino != st.st_ino);
	/* sendfile from a file into a socket */
	char data[3000];
	for (int i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	int f = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_EQ(write(f, data, sizeof(data)), sizeof(data));
	off_t off = 100;
	CHECK_EQ(sendfile(sv[0], f, &off, 2000), 2000);
	CHECK_EQ(off, 2100);
	char got[2000];
	size_t have = 0;
	while (have < sizeof(got)) {
		ssize_t k = read(sv[1], got + have, sizeof(got) - have);
		if (!CHECK(k > 0))
			break;
		have += (size_t)k;
	}
	CHECK(!memcmp(got, data + 100, sizeof(got)));
	close(f), close(sv[0]), close(sv[1]);
}

int main(void)
{
	fs_begin();
	RUN(pair_stream);
	RUN(pair_dgram);
	RUN(pair_seqpacket);
	RUN(path_names);
	RUN(abstract_names);
	RUN(backlog);
	RUN(rights);
	RUN(peercred);
	RUN(reset_and_fionread);
	RUN(dgram_names);
	RUN(files);
	return fs_end();
}
