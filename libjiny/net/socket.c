/*
 * socket.c - BSD sockets in the fd table: every socket system call, for the
 * HP app (direct calls from musl) and ring-3 programs (the one table), over
 * the address families of the contract in net/socket.h (net/unix.c: AF_UNIX;
 * the lwIP families: AF_INET, AF_INET6).
 *
 * A socket is an open file with its own vnode (S_IFSOCK | 0777, so fstat
 * and /proc/PID/fd show "socket:[INO]"); file_ops gives read/write/readv/
 * writev (recv/send with no flags), poll (the family's), ioctl (FIONREAD and
 * the family's) and release. This file checks every user pointer (uaccess_ok;
 * addresses and msghdrs are copied, iovecs checked for their whole length),
 * handles the SOL_SOCKET options every family shares, and does every
 * blocking wait (sock_wait): the family says -EAGAIN, we sleep on the
 * socket's vnode->poll_wq until its poll() reports what the call needs, the
 * timeout (SO_RCVTIMEO / SO_SNDTIMEO) passes or a signal comes (-ERESTARTSYS
 * without a timeout, -EINTR with one, as Linux's sock_intr_errno), then ask
 * again. No lock is held across a wait; the families lock per socket.
 *
 * "Pay for what you link": the system calls here are OPTIONAL entries of
 * syscalls.def, weak in the dispatcher's table, so this object (and, through
 * the strong references below, the families) is linked only into an image
 * whose code calls socket() & co. (or that asks with -Wl,-u,jiny_net).
 */
#include "net/socket.h"
#include "syscall/sys.h"
#include "fs/poll.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "arch/arch.h"
#include "mm/mm.h"

/* Defined here so that -Wl,-u,jiny_net links the socket layer (docs/sdk.md). */
__export const char jiny_net[] = "jiny sockets";

/* The families: a strong reference to each, so the linker keeps them with this
 * object; the linker-section table (jiny.ld) then lists what is linked. */
extern const struct sock_ops unix_sock_ops;
__used static const void *const families_linked[] = { &unix_sock_ops };

extern const struct sock_ops *const __sockfamily_start[], *const __sockfamily_end[];

static const struct sock_ops *family_find(int family)
{
	for (const struct sock_ops *const *o = __sockfamily_start; o < __sockfamily_end; o++)
		if ((*o)->family == family)
			return *o;
	return NULL;
}

/* ---- the file ---- */

static const struct file_ops sock_fops;

struct socket *socket_of(struct file *f)
{
	return f && f->ops == &sock_fops ? f->priv : NULL;
}

static void sock_release(struct file *f)
{
	struct socket *s = f->priv;
	if (!s)
		return;
	if (s->priv && s->ops->release)
		s->ops->release(s);
	kfree(s);
}

/* A socket with its vnode and file, not yet created by the family nor installed. */
static struct socket *sock_alloc(const struct sock_ops *ops, int type, int protocol,
				 unsigned fflags)
{
	struct socket *s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	struct vnode *vn = vfs_anon_vnode(S_IFSOCK_K | 0777);
	if (!vn) {
		kfree(s);
		return NULL;
	}
	vn->fops = &sock_fops;
	struct file *f = file_alloc(vn, NULL, &sock_fops, O_RDWR_K | (fflags & O_NONBLOCK_K));
	vnode_put(vn); /* the file holds it */
	if (!f) {
		kfree(s);
		return NULL;
	}
	s->ops = ops;
	s->family = ops->family;
	s->type = type;
	s->protocol = protocol;
	s->file = f;
	s->vnode = vn;
	s->sndbuf = s->rcvbuf = SOCK_DEFAULT_BUF;
	f->priv = s;
	return s;
}

/* Drop a socket that never reached an fd (release() runs if the family set it up). */
static void sock_discard(struct socket *s)
{
	file_put(s->file);
}

static int sock_install(struct socket *s, unsigned flags)
{
	int fd = fd_install(s->file, flags & O_CLOEXEC_K);
	if (fd < 0)
		sock_discard(s);
	return fd;
}

/* The socket of fd with a file reference in *fp: -EBADF, -ENOTSOCK. */
static struct socket *sock_get(int fd, struct file **fp, int *err)
{
	struct file *f = fd_get(fd);
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	struct socket *s = socket_of(f);
	if (!s) {
		file_put(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	*fp = f;
	return s;
}

/* ---- waiting ---- */

static bool sock_nonblock(struct socket *s, int flags)
{
	return (flags & MSG_DONTWAIT_K) || (READ_ONCE(s->file->flags) & O_NONBLOCK_K);
}

struct sock_waiter {
	const uint64_t *timeo; /* the socket's SO_RCVTIMEO or SO_SNDTIMEO, read at the first wait */
	bool armed;            /* the first wait has set up what follows */
	struct poll_wait pw;
	bool queued;
	uint64_t deadline;     /* 0: none */
	bool timed;            /* a timeout was set (EINTR instead of ERESTARTSYS) */
	bool poll_said_ready;  /* the last -EAGAIN came right after poll() said ready */
};

/* Before a call's loop: nothing is set up until it first has to wait. */
static void sock_waiter_prepare(struct sock_waiter *w, const uint64_t *timeo)
{
	w->timeo = timeo;
	w->armed = false;
}

static void sock_wait_arm(struct sock_waiter *w)
{
	uint64_t timeo_ns = READ_ONCE(*w->timeo);
	w->armed = true;
	poll_wait_init(&w->pw);
	w->queued = false;
	w->timed = timeo_ns != 0;
	w->deadline = timeo_ns ? clock_ns() + timeo_ns : 0;
	if (w->deadline && w->deadline < timeo_ns)
		w->deadline = ~0ULL;
	w->poll_said_ready = false;
}

/*
 * The call returned -EAGAIN: wait until poll() reports one of 'want' (or an
 * error/hang-up), then return 0 to call again; -EAGAIN when the timeout
 * passed, -ERESTARTSYS / -EINTR on a signal. The first wait queues w on
 * the socket's poll_wq; 'triggered' is cleared before the caller's next try,
 * so a wake-up between that try and the sleep is never lost.
 */
static int sock_wait(struct socket *s, struct sock_waiter *w, unsigned want)
{
	if (!w->armed)
		sock_wait_arm(w);
	unsigned ev = s->ops->poll(s, w->queued ? NULL : &w->pw.pt);
	w->queued = true;
	if (w->pw.error)
		return w->pw.error;
	if ((ev & (want | POLLERR_K | POLLHUP_K)) && !w->poll_said_ready) {
		w->poll_said_ready = true; /* try once more before sleeping */
		__atomic_store_n(&w->pw.triggered, false, __ATOMIC_SEQ_CST);
		return 0;
	}
	int r = poll_wait_sleep(&w->pw, w->deadline);
	w->poll_said_ready = false;
	__atomic_store_n(&w->pw.triggered, false, __ATOMIC_SEQ_CST);
	if (r == 0)
		return -EAGAIN;
	if (r < 0)
		return w->timed ? -EINTR : -ERESTARTSYS;
	return 0;
}

static void sock_wait_done(struct sock_waiter *w)
{
	if (w->armed)
		poll_wait_done(&w->pw);
}

/* ---- user memory ---- */

/* A user address into a kernel copy: -EINVAL for a bad length, -EFAULT. */
static int addr_from_user(const void *ua, uint32_t len, struct sockaddr_storage_k *ka)
{
	if ((int)len < 0 || len > sizeof(*ka))
		return -EINVAL;
	memset(ka, 0, sizeof(*ka));
	if (!len)
		return 0;
	if (!uaccess_ok(ua, len, false))
		return -EFAULT;
	memcpy(ka, ua, len);
	return 0;
}

/* Linux's move_addr_to_user: copy min(*ulen, klen) bytes, store klen in *ulen. */
static int addr_to_user(const struct sockaddr_storage_k *ka, uint32_t klen, void *ua,
			int *ulen)
{
	if (!ulen)
		return 0;
	if (!uaccess_ok(ulen, sizeof(int), true))
		return -EFAULT;
	int len = *ulen;
	if (len < 0)
		return -EINVAL;
	if ((uint32_t)len > klen)
		len = (int)klen;
	if (len) {
		if (!uaccess_ok(ua, (size_t)len, true))
			return -EFAULT;
		memcpy(ua, ka, (size_t)len);
	}
	*ulen = (int)klen;
	return 0;
}

/* The in/out length of an address argument: -EFAULT, -EINVAL when negative. */
static int addrlen_check(void *ua, int *ulen)
{
	if (!ulen)
		return 0;
	if (!uaccess_ok(ulen, sizeof(int), true))
		return -EFAULT;
	if (*ulen < 0)
		return -EINVAL;
	return 0;
}

size_t sock_msg_left(const struct sock_msg *m)
{
	size_t total = 0;
	for (size_t i = 0; i < m->iovlen; i++)
		total += m->iov[i].iov_len;
	return total > m->iov_off ? total - m->iov_off : 0;
}

/* Copy between the iovecs (from m->iov_off on) and buf; to_iov: recv direction. */
static size_t msg_copy(struct sock_msg *m, void *buf, size_t n, bool to_iov)
{
	size_t skip = m->iov_off, done = 0;
	for (size_t i = 0; i < m->iovlen && done < n; i++) {
		size_t len = m->iov[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		size_t k = MIN(len - skip, n - done);
		char *u = (char *)m->iov[i].iov_base + skip;
		if (to_iov)
			memcpy(u, (const char *)buf + done, k);
		else
			memcpy((char *)buf + done, u, k);
		done += k;
		skip = 0;
	}
	m->iov_off += done;
	return done;
}

size_t sock_msg_copy_out(struct sock_msg *m, const void *src, size_t n)
{
	return msg_copy(m, (void *)src, n, true);
}

size_t sock_msg_copy_in(struct sock_msg *m, void *dst, size_t n)
{
	return msg_copy(m, dst, n, false);
}

int sock_install_fds(struct file **files, int n, bool cloexec, int *fds_out)
{
	int i;
	for (i = 0; i < n; i++) {
		int fd = fd_install(files[i], cloexec ? O_CLOEXEC_K : 0);
		if (fd < 0)
			break;
		fds_out[i] = fd;
	}
	return i ? i : n ? -EMFILE : 0;
}

void sock_current_cred(struct ucred_k *c)
{
	struct proc *p = proc_current();
	c->pid = p->pid;
	c->uid = READ_ONCE(p->euid);
	c->gid = READ_ONCE(p->egid);
}

/*
 * A user msghdr into m: the name copied into *addr, the iovecs into iov
 * (a kernel array of SOCK_MAX_IOV at most, kmalloc'd when more than
 * 'nfast'), each checked for the whole length. recv: the buffers must be
 * writable; the name and control are filled later.
 */
struct msg_k {
	struct msghdr_k h;             /* the user's, copied */
	struct sockaddr_storage_k addr;
	struct iovec_k fast[8];
	struct iovec_k *iov;
	struct sock_msg m;
};

static int msg_from_user(const struct msghdr_k *um, struct msg_k *k, bool recv)
{
	k->iov = NULL;
	if (!uaccess_ok(um, sizeof(*um), false))
		return -EFAULT;
	memcpy(&k->h, um, sizeof(k->h));
	memset(&k->m, 0, sizeof(k->m));
	if (k->h.msg_iovlen > SOCK_MAX_IOV)
		return -EMSGSIZE;
	if (k->h.msg_name) {
		if ((int)k->h.msg_namelen < 0)
			return -EINVAL;
		if (!recv) {
			int r = addr_from_user(k->h.msg_name, k->h.msg_namelen, &k->addr);
			if (r < 0)
				return r;
			k->m.addrlen = k->h.msg_namelen;
		}
		k->m.addr = &k->addr;
	} else if (!recv) {
		k->m.addr = NULL;
	}
	if (k->h.msg_controllen > INT32_MAX)
		return -ENOBUFS;
	if (k->h.msg_controllen && !uaccess_ok(k->h.msg_control, k->h.msg_controllen, recv))
		return -EFAULT;
	k->m.control = k->h.msg_controllen ? k->h.msg_control : NULL;
	k->m.controllen = k->m.control ? k->h.msg_controllen : 0;
	size_t n = k->h.msg_iovlen;
	if (n && !uaccess_ok(k->h.msg_iov, n * sizeof(struct iovec_k), false))
		return -EFAULT;
	k->iov = n <= ARRAY_SIZE(k->fast) ? k->fast : kmalloc(n * sizeof(struct iovec_k));
	if (!k->iov)
		return -ENOMEM;
	memcpy(k->iov, k->h.msg_iov, n * sizeof(struct iovec_k));
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = k->iov[i].iov_len;
		if ((ssize_t)len < 0 || total + len < total || (ssize_t)(total + len) < 0)
			return -EINVAL;
		total += len;
		if (!uaccess_ok(k->iov[i].iov_base, len, recv))
			return -EFAULT;
	}
	k->m.iov = k->iov;
	k->m.iovlen = n;
	return 0;
}

static void msg_free(struct msg_k *k)
{
	if (k->iov && k->iov != k->fast)
		kfree(k->iov);
	k->iov = NULL;
}

/* ---- send and receive, with their waits ---- */

static bool is_stream(const struct socket *s)
{
	return s->type == SOCK_STREAM_K;
}

#define SEND_FLAGS (MSG_OOB_K | MSG_DONTROUTE_K | MSG_DONTWAIT_K | MSG_EOR_K | MSG_CONFIRM_K | \
		    MSG_NOSIGNAL_K | MSG_MORE_K)

static ssize_t sock_send(struct socket *s, struct sock_msg *m, int flags)
{
	if (!s->ops->sendmsg)
		return -EOPNOTSUPP;
	size_t want = sock_msg_left(m), done = 0;
	struct sock_waiter w;
	sock_waiter_prepare(&w, &s->sndtimeo_ns);
	ssize_t r;
	for (;;) {
		r = s->ops->sendmsg(s, m, flags);
		if (r > 0) {
			done += (size_t)r;
			/* A blocking stream send goes on until all is sent. */
			if (!is_stream(s) || done >= want || sock_nonblock(s, flags))
				break;
			r = -EAGAIN;
		} else if (r == 0 && want == 0) {
			break;
		}
		if (r != -EAGAIN || sock_nonblock(s, flags))
			break;
		int e = sock_wait(s, &w, POLLOUT_K);
		if (e < 0) {
			r = e;
			break;
		}
	}
	sock_wait_done(&w);
	if (done)
		return (ssize_t)done;
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL_K) && current_is_user())
		signal_send_thread(sched_current(), SIGPIPE_K, NULL);
	return r;
}

static ssize_t sock_recv(struct socket *s, struct sock_msg *m, int flags)
{
	if (!s->ops->recvmsg)
		return -EOPNOTSUPP;
	size_t want = sock_msg_left(m), done = 0;
	bool waitall = (flags & MSG_WAITALL_K) && is_stream(s) &&
		       !(flags & (MSG_PEEK_K | MSG_TRUNC_K)) && !sock_nonblock(s, flags);
	struct sock_waiter w;
	sock_waiter_prepare(&w, &s->rcvtimeo_ns);
	ssize_t r;
	for (;;) {
		r = s->ops->recvmsg(s, m, flags);
		if (r > 0) {
			done += (size_t)r;
			if (!waitall || done >= want)
				break;
			r = -EAGAIN;
		} else if (r == 0) {
			break; /* end of stream */
		}
		if (r != -EAGAIN || sock_nonblock(s, flags))
			break;
		int e = sock_wait(s, &w, POLLIN_K | POLLRDHUP_K);
		if (e < 0) {
			r = e;
			break;
		}
	}
	sock_wait_done(&w);
	return done ? (ssize_t)done : r;
}

/* ---- file_ops ---- */

static ssize_t sock_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	struct iovec_k iov = { buf, n };
	struct sock_msg m = { .iov = &iov, .iovlen = 1 };
	return sock_recv(f->priv, &m, 0);
}

static ssize_t sock_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	struct iovec_k iov = { (void *)buf, n };
	struct sock_msg m = { .iov = &iov, .iovlen = 1 };
	return sock_send(f->priv, &m, 0);
}

/* readv/writev: one message over the whole vector (sys_io.c has checked it). */
static ssize_t sock_readv(struct file *f, const struct iovec_k *iov, int cnt)
{
	struct sock_msg m = { .iov = iov, .iovlen = (size_t)cnt };
	return sock_recv(f->priv, &m, 0);
}

static ssize_t sock_writev(struct file *f, const struct iovec_k *iov, int cnt)
{
	struct sock_msg m = { .iov = iov, .iovlen = (size_t)cnt };
	return sock_send(f->priv, &m, 0);
}

static unsigned sock_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->priv;
	return s->ops->poll(s, pt);
}

static long sock_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	struct socket *s = f->priv;
	if (!s->ops->ioctl)
		return req == FIONREAD_K ? -EINVAL : -ENOTTY;
	/* sys_ioctl has checked FIONREAD's int; the family's others check their own. */
	return s->ops->ioctl(s, req, arg);
}

static const struct file_ops sock_fops = {
	.release = sock_release,
	.read = sock_read,
	.write = sock_write,
	.readv = sock_readv,
	.writev = sock_writev,
	.poll = sock_poll,
	.ioctl = sock_ioctl,
};

/* ---- the system calls ---- */

#define AF_MAX_K 46
#define SOCK_MAX_K 11

static int type_flags_ok(int type)
{
	return !(type & ~(SOCK_TYPE_MASK_K | SOCK_NONBLOCK_K | SOCK_CLOEXEC_K));
}

/* A new socket created by its family (not installed): 0 or -errno. */
static int sock_create(int domain, int type, int protocol, struct socket **out)
{
	if (domain < 0 || domain >= AF_MAX_K)
		return -EAFNOSUPPORT;
	if (!type_flags_ok(type))
		return -EINVAL;
	int t = type & SOCK_TYPE_MASK_K;
	if (t >= SOCK_MAX_K)
		return -EINVAL;
	const struct sock_ops *ops = family_find(domain);
	if (!ops)
		return -EAFNOSUPPORT;
	struct socket *s = sock_alloc(ops, t, protocol, (unsigned)type);
	if (!s)
		return -ENFILE;
	int r = ops->create(s);
	if (r < 0) {
		s->priv = NULL; /* no release() for a failed create */
		sock_discard(s);
		return r;
	}
	*out = s;
	return 0;
}

long sys_socket(int domain, int type, int protocol)
{
	struct socket *s;
	int r = sock_create(domain, type, protocol, &s);
	return r < 0 ? r : sock_install(s, (unsigned)type);
}

long sys_socketpair(int domain, int type, int protocol, int *sv)
{
	struct socket *a, *b;
	int r = sock_create(domain, type, protocol, &a);
	if (r < 0)
		return r;
	if (!a->ops->socketpair) {
		sock_discard(a);
		return -EOPNOTSUPP;
	}
	if ((r = sock_create(domain, type, protocol, &b)) < 0) {
		sock_discard(a);
		return r;
	}
	if (!uaccess_ok(sv, 2 * sizeof(int), true)) {
		r = -EFAULT;
		goto fail;
	}
	if ((r = a->ops->socketpair(a, b)) < 0)
		goto fail;
	int fa = fd_install(a->file, (unsigned)type & O_CLOEXEC_K);
	if (fa < 0) {
		r = fa;
		goto fail;
	}
	int fb = fd_install(b->file, (unsigned)type & O_CLOEXEC_K);
	if (fb < 0) {
		/* a is in the table: take it out again (it is the file we hold) */
		fd_close(fa);
		sock_discard(b);
		return fb;
	}
	sv[0] = fa;
	sv[1] = fb;
	return 0;
fail:
	sock_discard(a);
	sock_discard(b);
	return r;
}

long sys_bind(int fd, const void *addr, int len)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	struct sockaddr_storage_k ka;
	if ((r = addr_from_user(addr, (uint32_t)len, &ka)) >= 0)
		r = s->ops->bind ? s->ops->bind(s, &ka, (uint32_t)len) : -EOPNOTSUPP;
	file_put(f);
	return r;
}

long sys_listen(int fd, int backlog)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	if ((unsigned)backlog > SOMAXCONN_K)
		backlog = SOMAXCONN_K;
	r = s->ops->listen ? s->ops->listen(s, backlog) : -EOPNOTSUPP;
	file_put(f);
	return r;
}

long sys_accept4(int fd, void *addr, int *addrlen, int flags)
{
	if (flags & ~(SOCK_NONBLOCK_K | SOCK_CLOEXEC_K))
		return -EINVAL;
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	struct socket *ns = NULL;
	if (!s->ops->accept) {
		r = -EOPNOTSUPP;
		goto out;
	}
	if (addr && (r = addrlen ? addrlen_check(addr, addrlen) : -EFAULT) < 0)
		goto out;
	if (!(ns = sock_alloc(s->ops, s->type, s->protocol, (unsigned)flags))) {
		r = -ENFILE;
		goto out;
	}
	struct sock_waiter w;
	sock_waiter_prepare(&w, &s->rcvtimeo_ns);
	for (;;) {
		r = s->ops->accept(s, ns);
		if (r != -EAGAIN || sock_nonblock(s, 0))
			break;
		int e = sock_wait(s, &w, POLLIN_K);
		if (e < 0) {
			r = e;
			break;
		}
	}
	sock_wait_done(&w);
	if (r < 0) {
		ns->priv = NULL;
		sock_discard(ns);
		goto out;
	}
	ns->sndbuf = s->sndbuf;
	ns->rcvbuf = s->rcvbuf;
	if (addr) {
		struct sockaddr_storage_k ka;
		uint32_t klen = sizeof(ka);
		memset(&ka, 0, sizeof(ka));
		if (!ns->ops->getname || ns->ops->getname(ns, &ka, &klen, true) < 0)
			klen = 0;
		if ((r = addr_to_user(&ka, klen, addr, addrlen)) < 0) {
			sock_discard(ns); /* Linux: the connection is lost too */
			goto out;
		}
	}
	r = sock_install(ns, (unsigned)flags);
out:
	file_put(f);
	return r;
}

long sys_accept(int fd, void *addr, int *addrlen)
{
	return sys_accept4(fd, addr, addrlen, 0);
}

long sys_connect(int fd, const void *addr, int len)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	struct sockaddr_storage_k ka;
	if ((r = addr_from_user(addr, (uint32_t)len, &ka)) < 0)
		goto out;
	if (!s->ops->connect) {
		r = -EOPNOTSUPP;
		goto out;
	}
	struct sock_waiter w;
	sock_waiter_prepare(&w, &s->sndtimeo_ns);
	/*
	 * The family says -EINPROGRESS (started: wait for POLLOUT, then ask
	 * again for the result; -EALREADY while it goes on) or -EAGAIN (cannot
	 * start yet, e.g. an AF_UNIX listener's full backlog: wait and retry).
	 * A timeout ends the wait with what the last answer said, as Linux:
	 * EINPROGRESS for a started connection, EAGAIN for one not started.
	 */
	bool started = false;
	for (;;) {
		r = s->ops->connect(s, &ka, (uint32_t)len);
		if (r == -EALREADY && !w.armed)
			break; /* another caller's connection attempt */
		if (r == -EINPROGRESS || r == -EALREADY)
			started = true;
		else if (r != -EAGAIN)
			break;
		if (sock_nonblock(s, 0))
			break;
		int e = sock_wait(s, &w, POLLOUT_K);
		if (e < 0) {
			r = e == -EAGAIN && started ? -EINPROGRESS : e;
			break;
		}
	}
	sock_wait_done(&w);
out:
	file_put(f);
	return r;
}

long sys_shutdown(int fd, int how)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	if (how < SHUT_RD_K || how > SHUT_RDWR_K)
		r = -EINVAL;
	else
		r = s->ops->shutdown ? s->ops->shutdown(s, how) : -EOPNOTSUPP;
	file_put(f);
	return r;
}

static long do_getname(int fd, void *addr, int *addrlen, bool peer)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	if ((r = addrlen_check(addr, addrlen)) < 0 || !addrlen) {
		r = addrlen ? r : -EFAULT;
		goto out;
	}
	struct sockaddr_storage_k ka;
	uint32_t klen = sizeof(ka);
	memset(&ka, 0, sizeof(ka));
	r = s->ops->getname ? s->ops->getname(s, &ka, &klen, peer) : -EOPNOTSUPP;
	if (r >= 0)
		r = addr_to_user(&ka, klen, addr, addrlen);
out:
	file_put(f);
	return r;
}

long sys_getsockname(int fd, void *addr, int *addrlen)
{
	return do_getname(fd, addr, addrlen, false);
}

long sys_getpeername(int fd, void *addr, int *addrlen)
{
	return do_getname(fd, addr, addrlen, true);
}

long sys_sendto(int fd, const void *buf, size_t len, int flags, const void *addr, int alen)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	struct sockaddr_storage_k ka;
	struct iovec_k iov = { (void *)buf, MIN(len, (size_t)INT32_MAX) };
	struct sock_msg m = { .iov = &iov, .iovlen = 1 };
	long ret;
	if (!uaccess_ok(buf, iov.iov_len, false)) {
		ret = -EFAULT;
	} else if (addr && (ret = addr_from_user(addr, (uint32_t)alen, &ka)) < 0) {
		;
	} else {
		if (addr) {
			m.addr = &ka;
			m.addrlen = (uint32_t)alen;
		}
		ret = sock_send(s, &m, flags);
	}
	file_put(f);
	return ret;
}

long sys_recvfrom(int fd, void *buf, size_t len, int flags, void *addr, int *alen)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	struct sockaddr_storage_k ka;
	struct iovec_k iov = { buf, MIN(len, (size_t)INT32_MAX) };
	struct sock_msg m = { .iov = &iov, .iovlen = 1 };
	long ret;
	memset(&ka, 0, sizeof(ka));
	if (!uaccess_ok(buf, iov.iov_len, true)) {
		ret = -EFAULT;
	} else if (addr && (ret = addrlen_check(addr, alen)) < 0) {
		;
	} else {
		m.addr = addr ? &ka : NULL;
		ret = sock_recv(s, &m, flags);
		if (ret >= 0 && addr && alen) {
			int e = addr_to_user(&ka, m.addrlen, addr, alen);
			if (e < 0)
				ret = e;
		}
	}
	file_put(f);
	return ret;
}

static long do_sendmsg(struct socket *s, const struct msghdr_k *um, int flags)
{
	struct msg_k k;
	long r = msg_from_user(um, &k, false);
	if (r >= 0)
		r = sock_send(s, &k.m, flags);
	msg_free(&k);
	return r;
}

static long do_recvmsg(struct socket *s, struct msghdr_k *um, int flags)
{
	struct msg_k k;
	long r = msg_from_user(um, &k, true);
	if (r >= 0) {
		memset(&k.addr, 0, sizeof(k.addr));
		k.m.flags_out = (unsigned)flags & MSG_CMSG_CLOEXEC_K; /* Linux echoes it */
		r = sock_recv(s, &k.m, flags);
	}
	if (r >= 0) {
		/* msghdr_k was checked readable; the fields written back must be writable */
		if (!uaccess_ok(um, sizeof(*um), true)) {
			r = -EFAULT;
		} else {
			if (k.h.msg_name) {
				uint32_t n = MIN(k.m.addrlen, k.h.msg_namelen);
				if (n && !uaccess_ok(k.h.msg_name, n, true))
					r = -EFAULT;
				else if (n)
					memcpy(k.h.msg_name, &k.addr, n);
				um->msg_namelen = k.m.addrlen;
			}
			um->msg_controllen = k.m.controlused;
			um->msg_flags = k.m.flags_out;
		}
	}
	msg_free(&k);
	return r;
}

long sys_sendmsg(int fd, const struct msghdr_k *msg, int flags)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	long ret = do_sendmsg(s, msg, flags);
	file_put(f);
	return ret;
}

long sys_recvmsg(int fd, struct msghdr_k *msg, int flags)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	long ret = do_recvmsg(s, msg, flags);
	file_put(f);
	return ret;
}

long sys_sendmmsg(int fd, struct mmsghdr_k *vec, unsigned vlen, int flags)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	vlen = MIN(vlen, (unsigned)SOCK_MAX_IOV);
	long n = 0, err = 0;
	if (vlen && !uaccess_ok(vec, vlen * sizeof(*vec), true))
		err = -EFAULT;
	for (; !err && n < (long)vlen; n++) {
		long k = do_sendmsg(s, &vec[n].msg_hdr, flags);
		if (k < 0) {
			err = k;
			break;
		}
		vec[n].msg_len = (uint32_t)k;
	}
	file_put(f);
	return n ? n : err;
}

long sys_recvmmsg(int fd, struct mmsghdr_k *vec, unsigned vlen, int flags,
		  struct timespec_k *timeout)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	uint64_t deadline = 0;
	long n = 0, err = 0;
	if (timeout) {
		uint64_t ns;
		if ((err = timespec_get_ns(timeout, &ns)) >= 0)
			deadline = clock_ns() + ns;
	}
	vlen = MIN(vlen, (unsigned)SOCK_MAX_IOV);
	if (!err && vlen && !uaccess_ok(vec, vlen * sizeof(*vec), true))
		err = -EFAULT;
	for (; !err && n < (long)vlen; n++) {
		long k = do_recvmsg(s, &vec[n].msg_hdr, flags);
		if (k < 0) {
			err = k;
			break;
		}
		vec[n].msg_len = (uint32_t)k;
		if (flags & MSG_WAITFORONE_K)
			flags |= MSG_DONTWAIT_K;
		if (deadline && clock_ns() >= deadline) {
			n++;
			break;
		}
	}
	file_put(f);
	return n ? n : err;
}

/* ---- options ---- */

static uint64_t timeval_ns(const struct timeval_k *tv)
{
	if (tv->tv_sec < 0)
		return 1; /* Linux: a negative time is the shortest wait */
	if (!tv->tv_sec && !tv->tv_usec)
		return 0;
	if ((uint64_t)tv->tv_sec > TIMESPEC_FOREVER / 1000000000ULL)
		return 0;
	return (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000ULL;
}

static int sol_socket_set(struct socket *s, int name, const void *val, uint32_t len)
{
	int v = 0;
	if (name == SO_RCVTIMEO_K || name == SO_SNDTIMEO_K) {
		struct timeval_k tv;
		if (len < sizeof(tv))
			return -EINVAL;
		memcpy(&tv, val, sizeof(tv));
		if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EDOM;
		uint64_t ns = timeval_ns(&tv);
		__atomic_store_n(name == SO_RCVTIMEO_K ? &s->rcvtimeo_ns : &s->sndtimeo_ns, ns,
				 __ATOMIC_RELAXED);
		return 0;
	}
	if (name == SO_LINGER_K) {
		struct linger_k lg;
		if (len < sizeof(lg))
			return -EINVAL;
		memcpy(&lg, val, sizeof(lg));
		/* Linux keeps the time only when lingering is switched on */
		s->linger.l_onoff = lg.l_onoff != 0;
		if (lg.l_onoff)
			s->linger.l_linger = lg.l_linger;
		return 1;
	}
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(int));
	switch (name) {
	case SO_TYPE_K:
	case SO_DOMAIN_K:
	case SO_PROTOCOL_K:
	case SO_ACCEPTCONN_K:
	case SO_ERROR_K:
	case SO_PEERCRED_K:
		return -ENOPROTOOPT;
	case SO_SNDBUF_K:
	case SO_RCVBUF_K: {
		unsigned u = MIN((unsigned)v, (unsigned)SOCK_MAX_BUF) * 2;
		int min = name == SO_SNDBUF_K ? 4608 : 2304; /* SOCK_MIN_SNDBUF/RCVBUF */
		int b = MAX((int)u, min);
		if (name == SO_SNDBUF_K)
			s->sndbuf = b;
		else
			s->rcvbuf = b;
		return 1;
	}
	case SO_REUSEADDR_K:
		s->reuseaddr = v != 0;
		return 1;
	case SO_REUSEPORT_K:
		s->reuseport = v != 0;
		return 1;
	case SO_KEEPALIVE_K:
		s->keepalive = v != 0;
		return 1;
	}
	return 2; /* not ours: the family's */
}

long sys_setsockopt(int fd, int level, int name, const void *val, int len)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	char buf[64];
	if (len < 0) {
		r = -EINVAL;
		goto out;
	}
	uint32_t n = MIN((uint32_t)len, (uint32_t)sizeof(buf));
	if (!uaccess_ok(val, n, false)) {
		r = -EFAULT;
		goto out;
	}
	memset(buf, 0, sizeof(buf));
	memcpy(buf, val, n);
	r = 2;
	if (level == SOL_SOCKET_K && (r = sol_socket_set(s, name, buf, n)) <= 0)
		goto out;
	if (!s->ops->setsockopt) {
		r = r == 1 ? 0 : -ENOPROTOOPT;
		goto out;
	}
	int fr = s->ops->setsockopt(s, level, name, buf, n);
	r = r == 1 && fr == -ENOPROTOOPT ? 0 : fr;
out:
	file_put(f);
	return r;
}

static int sol_socket_get(struct socket *s, int name, void *val, uint32_t *len)
{
	int v;
	switch (name) {
	case SO_TYPE_K:
		v = s->type;
		break;
	case SO_DOMAIN_K:
		v = s->family;
		break;
	case SO_PROTOCOL_K:
		v = s->protocol;
		break;
	case SO_ACCEPTCONN_K:
		v = READ_ONCE(s->listening);
		break;
	case SO_SNDBUF_K:
		v = s->sndbuf;
		break;
	case SO_RCVBUF_K:
		v = s->rcvbuf;
		break;
	case SO_REUSEADDR_K:
		v = s->reuseaddr;
		break;
	case SO_REUSEPORT_K:
		v = s->reuseport;
		break;
	case SO_KEEPALIVE_K:
		v = s->keepalive;
		break;
	case SO_LINGER_K:
		*len = MIN(*len, (uint32_t)sizeof(s->linger));
		memcpy(val, &s->linger, *len);
		return 0;
	case SO_RCVTIMEO_K:
	case SO_SNDTIMEO_K: {
		uint64_t ns = READ_ONCE(*(name == SO_RCVTIMEO_K ? &s->rcvtimeo_ns : &s->sndtimeo_ns));
		struct timeval_k tv = { (long)(ns / 1000000000ULL), (long)(ns % 1000000000ULL / 1000) };
		if (ns && !tv.tv_sec && !tv.tv_usec)
			tv.tv_usec = 1;
		*len = MIN(*len, (uint32_t)sizeof(tv));
		memcpy(val, &tv, *len);
		return 0;
	}
	default:
		return 1;
	}
	*len = MIN(*len, (uint32_t)sizeof(int));
	memcpy(val, &v, *len);
	return 0;
}

long sys_getsockopt(int fd, int level, int name, void *val, int *lenp)
{
	struct file *f;
	int r;
	struct socket *s = sock_get(fd, &f, &r);
	if (!s)
		return r;
	char buf[128];
	uint32_t len;
	if (!uaccess_ok(lenp, sizeof(int), true)) {
		r = -EFAULT;
		goto out;
	}
	if (*lenp < 0) {
		r = -EINVAL;
		goto out;
	}
	len = MIN((uint32_t)*lenp, (uint32_t)sizeof(buf));
	memset(buf, 0, sizeof(buf));
	r = 1;
	if (level == SOL_SOCKET_K)
		r = sol_socket_get(s, name, buf, &len);
	if (r > 0) {
		r = s->ops->getsockopt ? s->ops->getsockopt(s, level, name, buf, &len) : -ENOPROTOOPT;
		if (r == -ENOPROTOOPT && level == SOL_SOCKET_K && name == SO_ERROR_K) {
			int zero = 0; /* a family with no error state */
			len = MIN(len, (uint32_t)sizeof(int));
			memcpy(buf, &zero, len);
			r = 0;
		}
	}
	if (r < 0)
		goto out;
	if (len && !uaccess_ok(val, len, true)) {
		r = -EFAULT;
		goto out;
	}
	memcpy(val, buf, len);
	*lenp = (int)len;
	r = 0;
out:
	file_put(f);
	return r;
}
