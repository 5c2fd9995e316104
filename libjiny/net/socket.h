/*
 * socket.h - BSD sockets in the fd table: the contract between the socket
 * system calls (net/socket.c, for the HP app and ring-3 programs alike) and
 * the address families (net/unix.c: AF_UNIX; net/inet.c: AF_INET and
 * AF_INET6 over lwIP).
 *
 * Who does what:
 *   socket.c  the system calls; the file (its own vnode, S_IFSOCK, so fstat
 *             and /proc/PID/fd say "socket:[ino]"); user pointers checked
 *             (addresses copied into a struct sockaddr_storage_k, msghdr and
 *             iovecs validated before a family sees them); the SOL_SOCKET
 *             options every family shares (SO_TYPE, SO_DOMAIN, SO_PROTOCOL,
 *             SO_RCVTIMEO/SO_SNDTIMEO, SO_ACCEPTCONN, and the stored ones
 *             below: SO_SNDBUF/SO_RCVBUF, SO_REUSEADDR/SO_REUSEPORT,
 *             SO_KEEPALIVE, SO_LINGER, which it also passes on to the
 *             family's setsockopt, -ENOPROTOOPT from it meaning "nothing to
 *             do"); EPIPE -> SIGPIPE unless MSG_NOSIGNAL; every blocking
 *             wait; MSG_WAITALL rounds and a blocking stream send's rounds.
 *   a family  non-blocking operations only, plus poll(). An operation that
 *             cannot go on now returns -EAGAIN; socket.c then sleeps on the
 *             socket's vnode->poll_wq until poll() reports the events it
 *             needs (POLLIN for recv/accept, POLLOUT for send and for a
 *             connect in progress), a signal, or the timeout, and calls
 *             again (when poll() already reports them but the call still
 *             says -EAGAIN, as for an AF_UNIX connect to a full backlog, it
 *             sleeps until the next wake-up of poll_wq instead). So no family holds a lock across a wait, and
 *             O_NONBLOCK, MSG_DONTWAIT, SO_RCVTIMEO and EINTR behave the
 *             same for every family. A family wakes vnode->poll_wq (with the
 *             new events as the key) whenever its poll() result may change.
 *
 * A family registers with SOCK_FAMILY(ops) (a linker-section table, like
 * INITCALL): an image that links no family's object has none, and socket()
 * there fails with EAFNOSUPPORT. Every object of libjiny/net/ goes into
 * libjiny.a's member jiny-net.o (CMakeLists.txt JINY_NET_SOURCES; objects
 * built elsewhere, lwIP's, belong in target jiny_net_objs too), which is
 * linked only into images that call a socket function (syscalls.def
 * OPTIONAL, tools/libjiny-link.sh); socket.c lists the families in
 * families_linked[] as well.
 *
 * Data: iovecs handed to sendmsg/recvmsg point at the caller's memory,
 * already range-checked (uaccess_ok) for the whole length; a family copies
 * with plain memcpy in the calling thread (the dispatcher has user access
 * open for a ring-3 caller) and never from another thread.
 */
#ifndef JINY_NET_SOCKET_H
#define JINY_NET_SOCKET_H

#include "kern/kern.h"
#include "abi/linux.h"
#include "fs/vfs.h"

struct socket;

/* A message on its way in or out, in the kernel's view. */
struct sock_msg {
	struct sockaddr_storage_k *addr; /* send: the destination or NULL;
					   * recv: where the source goes, or NULL */
	uint32_t addrlen;                 /* send: given length; recv: set by the family */
	const struct iovec_k *iov;        /* checked user (or HP) memory */
	size_t iovlen;
	size_t iov_off;                   /* bytes already done (MSG_WAITALL rounds):
					   * skip these in iov */
	void *control;                    /* checked; recv: the family may fill it */
	size_t controllen;                /* send: given; recv: room */
	size_t controlused;               /* recv: bytes of control the family filled */
	unsigned flags_out;               /* recv: MSG_TRUNC, MSG_CTRUNC, MSG_EOR ... */
};

struct sock_ops {
	int family;                       /* AF_*_K */
	/* Set up s (s->type and s->protocol are set); -EPROTONOSUPPORT or
	 * -ESOCKTNOSUPPORT for what the family lacks. */
	int (*create)(struct socket *s);
	/* The last file reference is gone: free everything (close, SO_LINGER).
	 * Called for every socket whose create() or accept() succeeded
	 * (socket.c knows them by s->priv, which both must set). */
	void (*release)(struct socket *s);
	int (*bind)(struct socket *s, const struct sockaddr_storage_k *a, uint32_t len);
	/* Start (or finish) connecting. -EINPROGRESS: wait for POLLOUT, then
	 * socket.c calls connect again to learn the result (0 or the error);
	 * -EALREADY while it is still in progress. */
	int (*connect)(struct socket *s, const struct sockaddr_storage_k *a, uint32_t len);
	int (*listen)(struct socket *s, int backlog);
	/* A connection from the queue set up in ns, or -EAGAIN. ns is made by
	 * socket.c (ops, family, type, protocol, file, vnode) but create() is
	 * not called for it: accept sets ns->priv. */
	int (*accept)(struct socket *s, struct socket *ns);
	/* Bytes sent (a part may be short), or -EAGAIN with nothing sent.
	 * A datagram (or SOCK_SEQPACKET record) goes whole or not at all. */
	ssize_t (*sendmsg)(struct socket *s, struct sock_msg *m, int flags);
	/* Bytes received in this call (into the iovecs from m->iov_off on,
	 * advancing it), 0 at end of stream, or -EAGAIN with nothing there.
	 * MSG_TRUNC in flags: return a datagram's real length. */
	ssize_t (*recvmsg)(struct socket *s, struct sock_msg *m, int flags);
	int (*shutdown)(struct socket *s, int how);
	int (*getname)(struct socket *s, struct sockaddr_storage_k *a, uint32_t *len, bool peer);
	/* Options outside what socket.c handles; val is a kernel copy. */
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, uint32_t len);
	int (*getsockopt)(struct socket *s, int level, int name, void *val, uint32_t *len);
	/* POLLIN, POLLOUT, POLLHUP, POLLRDHUP, POLLERR now; queue pt on
	 * s->vnode->poll_wq when given (poll_table contract of vfs.h). */
	unsigned (*poll)(struct socket *s, struct poll_table *pt);
	long (*ioctl)(struct socket *s, unsigned long req, unsigned long arg); /* FIONREAD... */
	/* Connect two new sockets (both through create() already) to each
	 * other (AF_UNIX only; NULL: -EOPNOTSUPP). */
	int (*socketpair)(struct socket *a, struct socket *b);
};

struct socket {
	const struct sock_ops *ops;       /* made */
	int family, type, protocol;       /* made; type without the SOCK_* flags */
	struct file *file;                /* the open file (no reference); made */
	struct vnode *vnode;              /* its own; poll_wq is the socket's wait queue; made */
	uint64_t rcvtimeo_ns, sndtimeo_ns; /* 0: wait for ever; socket.c, atomic stores */
	bool listening;                   /* the family sets it (SO_ACCEPTCONN) */
	/* SOL_SOCKET options socket.c stores for getsockopt (plain stores; a
	 * family reads them when it needs them, e.g. reuseaddr at bind): */
	int sndbuf, rcvbuf;               /* as Linux reports them: twice the value set */
	bool reuseaddr, reuseport, keepalive;
	struct linger_k linger;
	void *priv;                       /* the family's; its own locks */
};

/* The limits socket.c applies before a family sees a call */
#define SOCK_MAX_IOV IOV_MAX_K            /* msg_iovlen above: EMSGSIZE */
#define SOCK_DEFAULT_BUF 212992           /* Linux's wmem_default/rmem_default */
#define SOCK_MAX_BUF 212992               /* wmem_max/rmem_max: SO_SNDBUF caps here */

#define SOCK_FAMILY(ops)                                                      \
	static const struct sock_ops *const __sock_family_##ops                 \
		__attribute__((used, section(".jiny.sockfamily"))) = &(ops)

/* The socket behind an fd's file, or NULL (not a socket). */
struct socket *socket_of(struct file *f);

/* Copy n bytes between the iovecs of m (after m->iov_off) and a kernel
 * buffer; return what was copied and advance m->iov_off. */
size_t sock_msg_copy_out(struct sock_msg *m, const void *src, size_t n); /* recv */
size_t sock_msg_copy_in(struct sock_msg *m, void *dst, size_t n);        /* send */
size_t sock_msg_left(const struct sock_msg *m);

/* AF_UNIX SCM_RIGHTS: install files as fds of the receiving process: each
 * installed fd takes over the caller's reference; the count installed (the
 * rest, from the first failure on, stay the caller's), or -EMFILE for none. */
int sock_install_fds(struct file **files, int n, bool cloexec, int *fds_out);

/* The calling process's credentials (SO_PEERCRED, SCM_CREDENTIALS). */
void sock_current_cred(struct ucred_k *c);

/* "Pay for what you link" (syscalls.def OPTIONAL): net/socket.c defines
 * jiny_net; a ring-3-only image pulls the socket layer in with
 * -Wl,-u,jiny_net (docs/sdk.md). */
extern const char jiny_net[];

#endif
