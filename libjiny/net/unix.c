/*
 * unix.c - AF_UNIX: SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET sockets in
 * one kernel, a family of the contract in net/socket.h (socket.c makes the
 * files, checks user pointers and does every wait; everything here is
 * non-blocking and says -EAGAIN).
 *
 * A socket's state is a struct unix_sock (s->priv). Data travels as
 * messages (struct unix_msg: bytes copied from the sender, the files of an
 * SCM_RIGHTS, the sender's address and credentials) queued on the
 * receiver's rq. A stream read runs across messages (never past one that
 * carries files); a datagram or SEQPACKET read takes one message (the rest
 * is dropped, MSG_TRUNC). Names: path names are S_IFSOCK nodes made by bind
 * through the VFS (vfs_mknod_get) and found by connect with a path walk;
 * abstract names (sun_path[0] == 0) and autobind names ("\0XXXXX") live
 * only in the name table below. A listener's connect() makes the server's
 * end at once (an embryo, no file yet) and queues it for accept().
 *
 * Locks: each unix_sock has a kmutex (u->lock) guarding the fields marked
 * so; no code holds two of them at once but a stream connect, which holds
 * the listener's and then the connecting socket's (a listener never
 * connects, so there is no cycle; socketpair and a connect's new embryo
 * are not yet reachable), and none is held across a wait. The name
 * table has a spinlock (names_lock) held only to search and link. Wake-ups
 * of a socket's poll_wq happen with its lock held (u->sock goes NULL under
 * it at release, so the vnode cannot go away under a waker). A sender that
 * finds a receiver full (a datagram queue, a listener's backlog) leaves a
 * unix_waiter on the receiver, which wakes the sender's poll_wq when room
 * appears: no waitq is ever woken from inside another's callback.
 *
 * Files in flight (SCM_RIGHTS) hold references; a message dropped unread
 * (the receiver closes) puts them. A socket sent over itself keeps itself
 * alive (Linux collects such cycles; Jiny does not yet).
 */
#include "net/socket.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "mm/mm.h"

#define UNIX_DGRAM_QLEN 10       /* Linux's net.unix.max_dgram_qlen */
#define UNIX_SCM_MAX_FD 253      /* SCM_MAX_FD */
#define UNIX_CHUNK 65536         /* a stream send's message size at most */
#define SUN_OFF 2                /* offsetof(struct sockaddr_un, sun_path) */
#define UNIX_MSG_COST 512        /* what a queued datagram counts against the buffer
				  * besides its bytes (Linux counts an skb's truesize) */

enum { US_UNCONN, US_LISTEN, US_CONNECTED };

struct unix_addr {
	int refs;                    /* atomic */
	uint32_t len;                /* as getsockname reports it */
	struct sockaddr_un_k sun;
};

struct unix_msg {
	struct unix_msg *next;
	size_t len, off;             /* bytes; read so far (stream) */
	struct file **fds;           /* SCM_RIGHTS (references), or NULL */
	int nfds;
	struct unix_addr *from;      /* datagrams: the sender's name (a reference) or NULL */
	char data[];
};

struct unix_waiter {             /* a sender waiting for room in a receiver */
	struct unix_waiter *next;
	struct vnode *vn;            /* the sender's vnode (a reference): its poll_wq */
};

struct unix_sock {
	struct kmutex lock;
	int refs;                    /* atomic: the socket (or an accept queue), each peer
				      * pointing here, the name table */
	int type;                    /* made */
	struct socket *sock;         /* lock; NULL for an embryo and after release */
	int state;                   /* lock */
	bool dead;                   /* released; lock */
	bool rcv_shut, snd_shut;     /* Linux's RCV_SHUTDOWN / SEND_SHUTDOWN; lock */
	int err;                     /* pending SO_ERROR (positive); lock */
	struct unix_sock *peer;      /* a reference; lock. Kept after the peer dies
				      * (getpeername), cleared for a datagram connect */
	struct unix_addr *addr;      /* the bound name (a reference) or NULL; lock */
	struct vnode *name_vn;       /* a path name's file-system node (a reference); lock */
	struct ucred_k peercred;     /* SO_PEERCRED; lock */
	struct unix_msg *rq, **rq_tail; /* received, in order; lock */
	size_t rq_bytes;             /* unread bytes */
	size_t rq_mem;               /* datagrams: bytes + UNIX_MSG_COST each */
	int rq_count;
	int backlog;                 /* listener; lock */
	struct unix_sock *acq, **acq_tail; /* embryos waiting for accept(); lock */
	int acq_len;
	struct unix_sock *acq_next;  /* this embryo's link in its listener's queue */
	struct unix_waiter *waiters; /* senders waiting for room here; lock */
	struct unix_sock *name_next; /* the name table; names_lock */
};

static spinlock_t names_lock = SPINLOCK_INIT;
static struct unix_sock *names;  /* bound sockets: abstract names and path nodes */
static unsigned autobind_next;   /* names_lock */

/* ---- objects ---- */

static void addr_put(struct unix_addr *a)
{
	if (a && __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(a);
}

static void msg_free(struct unix_msg *m)
{
	for (int i = 0; i < m->nfds; i++)
		file_put(m->fds[i]);
	kfree(m->fds);
	addr_put(m->from);
	kfree(m);
}

static struct unix_sock *usock_new(int type)
{
	struct unix_sock *u = kzalloc(sizeof(*u));
	if (!u)
		return NULL;
	kmutex_init(&u->lock);
	u->refs = 1;
	u->type = type;
	u->rq_tail = &u->rq;
	u->acq_tail = &u->acq;
	u->peercred = (struct ucred_k){ 0, (uint32_t)-1, (uint32_t)-1 };
	return u;
}

static void usock_get(struct unix_sock *u)
{
	__atomic_add_fetch(&u->refs, 1, __ATOMIC_RELAXED);
}

static void usock_put(struct unix_sock *u)
{
	if (!u || __atomic_sub_fetch(&u->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (struct unix_msg *m = u->rq, *n; m; m = n) {
		n = m->next;
		msg_free(m);
	}
	addr_put(u->addr);
	if (u->name_vn)
		vnode_put(u->name_vn);
	kfree(u);
}

static struct unix_sock *usk(struct socket *s)
{
	return s->priv;
}

/* Wake u's pollers and waiters (u->lock held). */
static void wake_locked(struct unix_sock *u, unsigned events)
{
	if (u->sock)
		waitq_wake_all(&u->sock->vnode->poll_wq, events);
}

/* Senders waiting for room in u: taken off under u->lock, woken after. */
static struct unix_waiter *waiters_take(struct unix_sock *u)
{
	struct unix_waiter *w = u->waiters;
	u->waiters = NULL;
	return w;
}

static void waiters_wake(struct unix_waiter *w)
{
	while (w) {
		struct unix_waiter *n = w->next;
		waitq_wake_all(&w->vn->poll_wq, POLLOUT_K | POLLWRNORM_K | POLLWRBAND_K);
		vnode_put(w->vn);
		kfree(w);
		w = n;
	}
}

/* The calling socket s waits for room in u (u->lock held). */
static void waiter_add_locked(struct unix_sock *u, struct socket *s)
{
	for (struct unix_waiter *w = u->waiters; w; w = w->next)
		if (w->vn == s->vnode)
			return;
	struct unix_waiter *w = kmalloc(sizeof(*w));
	if (!w)
		return; /* the sender sleeps until its own next wake-up */
	vnode_get(s->vnode);
	w->vn = s->vnode;
	w->next = u->waiters;
	u->waiters = w;
}

/* ---- names ---- */

static bool addr_eq(const struct unix_addr *a, const struct sockaddr_un_k *sun, uint32_t len)
{
	return a->len == len && !memcmp(&a->sun, sun, len);
}

/* The bound socket with abstract name sun/len or path node vn (a reference), or NULL. */
static struct unix_sock *names_find(const struct sockaddr_un_k *sun, uint32_t len,
				    struct vnode *vn, int type)
{
	uint64_t f = spin_lock_irqsave(&names_lock);
	struct unix_sock *u;
	for (u = names; u; u = u->name_next) {
		if (vn ? u->name_vn == vn : (!u->name_vn && u->addr && addr_eq(u->addr, sun, len)))
			break;
	}
	if (u)
		usock_get(u);
	spin_unlock_irqrestore(&names_lock, f);
	return u;
}

/* Link u under an abstract name (vn NULL: fails with -EADDRINUSE if taken) or its path node. */
static int names_add(struct unix_sock *u, struct unix_addr *a, bool abstract)
{
	uint64_t f = spin_lock_irqsave(&names_lock);
	if (abstract) {
		for (struct unix_sock *o = names; o; o = o->name_next) {
			if (!o->name_vn && o->addr && addr_eq(o->addr, &a->sun, a->len)) {
				spin_unlock_irqrestore(&names_lock, f);
				return -EADDRINUSE;
			}
		}
	}
	usock_get(u);
	u->name_next = names;
	names = u;
	spin_unlock_irqrestore(&names_lock, f);
	return 0;
}

static void names_remove(struct unix_sock *u)
{
	uint64_t f = spin_lock_irqsave(&names_lock);
	struct unix_sock **pp = &names;
	while (*pp && *pp != u)
		pp = &(*pp)->name_next;
	bool found = *pp != NULL;
	if (found)
		*pp = u->name_next;
	spin_unlock_irqrestore(&names_lock, f);
	if (found)
		usock_put(u);
}

/*
 * Check a user's address (Linux's unix_validate_addr): family AF_UNIX, a
 * length between 3 and sizeof(sockaddr_un). A path name is cut at its NUL
 * and *len becomes what getsockname will say (with the NUL counted).
 */
static int addr_check(const struct sockaddr_storage_k *a, uint32_t *len, char *path)
{
	const struct sockaddr_un_k *sun = (const void *)a;
	if (*len <= SUN_OFF || *len > sizeof(*sun) || sun->sun_family != AF_UNIX_K)
		return -EINVAL;
	if (sun->sun_path[0]) {
		size_t n = strnlen(sun->sun_path, *len - SUN_OFF);
		memcpy(path, sun->sun_path, n);
		path[n] = 0;
		*len = SUN_OFF + (uint32_t)n + 1;
	} else {
		path[0] = 0;
	}
	return 0;
}

static struct unix_addr *addr_make(const struct sockaddr_storage_k *a, uint32_t len)
{
	struct unix_addr *ua = kzalloc(sizeof(*ua));
	if (!ua)
		return NULL;
	ua->refs = 1;
	ua->len = len;
	memcpy(&ua->sun, a, MIN(len, (uint32_t)sizeof(ua->sun)));
	ua->sun.sun_family = AF_UNIX_K;
	return ua;
}

/* The socket bound to address a (a reference): -ENOENT, -ECONNREFUSED, -EPROTOTYPE... */
static int lookup(const struct sockaddr_storage_k *a, uint32_t len, int type,
		  struct unix_sock **out)
{
	char path[UNIX_PATH_MAX_K + 1];
	int r = addr_check(a, &len, path);
	if (r < 0)
		return r;
	struct unix_sock *o;
	if (path[0]) {
		struct dentry *d;
		if ((r = vfs_walk(AT_FDCWD_K, path, LOOKUP_FOLLOW, &d, NULL, NULL)) < 0)
			return r;
		struct vnode *vn = d->vnode;
		r = !S_ISSOCK(vn->mode) ? -ECONNREFUSED : vfs_permission(vn, MAY_WRITE);
		o = r < 0 ? NULL : names_find(NULL, 0, vn, type);
		dentry_put(d);
		if (r < 0)
			return r;
	} else {
		o = names_find((const void *)a, len, NULL, type);
	}
	if (!o)
		return -ECONNREFUSED;
	if (o->type != type) {
		usock_put(o);
		return -EPROTOTYPE;
	}
	*out = o;
	return 0;
}

/* ---- create, bind, listen, connect, accept ---- */

static int unix_create(struct socket *s)
{
	if (s->protocol && s->protocol != AF_UNIX_K)
		return -EPROTONOSUPPORT;
	if (s->type == SOCK_RAW_K)
		s->type = SOCK_DGRAM_K; /* as Linux */
	if (s->type != SOCK_STREAM_K && s->type != SOCK_DGRAM_K && s->type != SOCK_SEQPACKET_K)
		return -ESOCKTNOSUPPORT;
	struct unix_sock *u = usock_new(s->type);
	if (!u)
		return -ENOMEM;
	u->sock = s;
	s->priv = u;
	return 0;
}

static int autobind_locked(struct unix_sock *u)
{
	struct sockaddr_storage_k a;
	memset(&a, 0, sizeof(a));
	a.ss_family = AF_UNIX_K;
	for (int tries = 0; tries < 0x100000; tries++) {
		uint64_t f = spin_lock_irqsave(&names_lock);
		unsigned n = autobind_next++ & 0xfffff;
		spin_unlock_irqrestore(&names_lock, f);
		ksnprintf(a.data + 1, 6, "%05x", n); /* "\0XXXXX" */
		struct unix_addr *ua = addr_make(&a, SUN_OFF + 6);
		if (!ua)
			return -ENOMEM;
		if (names_add(u, ua, true) == 0) {
			u->addr = ua;
			return 0;
		}
		addr_put(ua);
	}
	return -ENOSPC;
}

static int unix_bind(struct socket *s, const struct sockaddr_storage_k *a, uint32_t len)
{
	struct unix_sock *u = usk(s);
	char path[UNIX_PATH_MAX_K + 1];
	if (len < SUN_OFF || a->ss_family != AF_UNIX_K)
		return -EINVAL;
	int r = len == SUN_OFF ? 0 : addr_check(a, &len, path);
	if (r < 0)
		return r;
	kmutex_lock(&u->lock);
	if (u->addr) {
		/* Linux makes the node first: an existing path name is in use */
		struct dentry *d;
		r = -EINVAL;
		if (len != SUN_OFF && path[0] &&
		    vfs_walk(AT_FDCWD_K, path, 0, &d, NULL, NULL) >= 0) {
			dentry_put(d);
			r = -EADDRINUSE;
		}
	} else if (len == SUN_OFF) {
		r = autobind_locked(u);
	} else if (path[0]) {
		/* the node first (EADDRINUSE if the name exists), then the table */
		struct vnode *vn = NULL;
		unsigned mode = S_IFSOCK_K | 0777;
		r = vfs_mknod_get(AT_FDCWD_K, path, mode, 0, &vn);
		if (r == -EEXIST)
			r = -EADDRINUSE;
		struct unix_addr *ua = r < 0 ? NULL : addr_make(a, len);
		if (r >= 0 && !ua) {
			r = -ENOMEM;
			vnode_put(vn);
		} else if (r >= 0) {
			u->name_vn = vn;
			u->addr = ua;
			names_add(u, ua, false);
		}
	} else {
		struct unix_addr *ua = addr_make(a, len);
		if (!ua)
			r = -ENOMEM;
		else if ((r = names_add(u, ua, true)) < 0)
			addr_put(ua);
		else
			u->addr = ua;
	}
	kmutex_unlock(&u->lock);
	return r;
}

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = usk(s);
	int r = 0;
	if (u->type == SOCK_DGRAM_K)
		return -EOPNOTSUPP;
	kmutex_lock(&u->lock);
	struct unix_waiter *w = NULL;
	if (!u->addr || (u->state != US_UNCONN && u->state != US_LISTEN)) {
		r = -EINVAL;
	} else {
		u->backlog = backlog;
		u->state = US_LISTEN;
		s->listening = true;
		sock_current_cred(&u->peercred);
		w = waiters_take(u); /* a bigger backlog: waiting connects retry */
	}
	kmutex_unlock(&u->lock);
	waiters_wake(w);
	return r;
}

/* Linux's unix_recvq_full: a listener holds backlog + 1 connections. */
static bool acq_full(const struct unix_sock *l)
{
	return l->acq_len > l->backlog;
}

static int stream_connect(struct socket *s, const struct sockaddr_storage_k *a, uint32_t len)
{
	struct unix_sock *u = usk(s), *l;
	kmutex_lock(&u->lock);
	int st = u->state;
	kmutex_unlock(&u->lock);
	if (st == US_CONNECTED)
		return -EISCONN;
	if (st == US_LISTEN)
		return -EINVAL;
	int r = lookup(a, len, u->type, &l);
	if (r < 0)
		return r;
	if (l == u) {
		usock_put(l);
		return -EINVAL; /* it listens now */
	}
	struct unix_sock *e = usock_new(u->type);
	if (!e) {
		usock_put(l);
		return -ENOMEM;
	}
	struct ucred_k me;
	sock_current_cred(&me);
	kmutex_lock(&l->lock);
	kmutex_lock(&u->lock); /* the one nesting: a listener, then a connecting socket */
	if (u->state != US_UNCONN) {
		r = u->state == US_CONNECTED ? -EISCONN : -EINVAL; /* another thread won */
	} else if (l->state != US_LISTEN || l->dead) {
		r = -ECONNREFUSED;
	} else if (acq_full(l)) {
		waiter_add_locked(l, s);
		r = -EAGAIN;
	} else {
		/* the server's end, connected to u, queued for accept() */
		e->state = US_CONNECTED;
		e->peercred = me;
		if (l->addr) {
			__atomic_add_fetch(&l->addr->refs, 1, __ATOMIC_RELAXED);
			e->addr = l->addr;
		}
		usock_get(u);
		e->peer = u;
		*l->acq_tail = e;
		l->acq_tail = &e->acq_next;
		l->acq_len++;
		usock_get(e); /* u's peer pointer; the queue holds the first reference */
		u->state = US_CONNECTED;
		u->peer = e;
		u->peercred = l->peercred;
		wake_locked(l, POLLIN_K | POLLRDNORM_K);
		r = 0;
		e = NULL;
	}
	kmutex_unlock(&u->lock);
	kmutex_unlock(&l->lock);
	if (e)
		usock_put(e);
	usock_put(l);
	return r;
}

static int dgram_connect(struct socket *s, const struct sockaddr_storage_k *a, uint32_t len)
{
	struct unix_sock *u = usk(s), *o = NULL, *old;
	if (len >= SUN_OFF && a->ss_family == AF_UNSPEC_K) {
		o = NULL; /* dissolve the association */
	} else {
		int r = lookup(a, len, u->type, &o);
		if (r < 0)
			return r;
	}
	kmutex_lock(&u->lock);
	old = u->peer;
	u->peer = o;
	u->state = o ? US_CONNECTED : US_UNCONN;
	if (o)
		sock_current_cred(&u->peercred);
	kmutex_unlock(&u->lock);
	usock_put(old);
	return 0;
}

static int unix_connect(struct socket *s, const struct sockaddr_storage_k *a, uint32_t len)
{
	if (len < SUN_OFF)
		return -EINVAL;
	return usk(s)->type == SOCK_DGRAM_K ? dgram_connect(s, a, len) : stream_connect(s, a, len);
}

static int unix_accept(struct socket *s, struct socket *ns)
{
	struct unix_sock *l = usk(s);
	if (l->type == SOCK_DGRAM_K)
		return -EOPNOTSUPP;
	kmutex_lock(&l->lock);
	if (l->state != US_LISTEN) {
		kmutex_unlock(&l->lock);
		return -EINVAL;
	}
	struct unix_sock *e = l->acq;
	if (!e) {
		kmutex_unlock(&l->lock);
		return -EAGAIN;
	}
	l->acq = e->acq_next;
	if (!l->acq)
		l->acq_tail = &l->acq;
	l->acq_len--;
	struct unix_waiter *w = waiters_take(l);
	kmutex_unlock(&l->lock);
	waiters_wake(w);
	kmutex_lock(&e->lock);
	e->acq_next = NULL;
	e->sock = ns; /* the queue's reference becomes the socket's */
	ns->priv = e;
	kmutex_unlock(&e->lock);
	return 0;
}

static int unix_socketpair(struct socket *a, struct socket *b)
{
	struct unix_sock *ua = usk(a), *ub = usk(b);
	struct ucred_k me;
	sock_current_cred(&me);
	usock_get(ua);
	usock_get(ub);
	ua->peer = ub;
	ub->peer = ua;
	ua->state = ub->state = US_CONNECTED;
	ua->peercred = ub->peercred = me;
	return 0;
}

/* ---- release ---- */

static void usock_release(struct unix_sock *u, bool embryo)
{
	kmutex_lock(&u->lock);
	u->dead = true;
	u->sock = NULL;
	struct unix_sock *peer = u->peer, *acq = u->acq;
	u->peer = NULL;
	u->acq = NULL;
	u->acq_tail = &u->acq;
	u->acq_len = 0;
	bool unread = u->rq != NULL;
	struct unix_msg *rq = u->rq;
	u->rq = NULL;
	u->rq_tail = &u->rq;
	u->rq_bytes = 0;
	u->rq_mem = 0;
	u->rq_count = 0;
	bool named = u->addr != NULL;
	struct unix_waiter *w = waiters_take(u);
	kmutex_unlock(&u->lock);
	waiters_wake(w); /* their sends now fail */
	if (named)
		names_remove(u);
	for (struct unix_msg *m = rq, *n; m; m = n) {
		n = m->next;
		msg_free(m);
	}
	if (peer) {
		kmutex_lock(&peer->lock);
		if (u->type != SOCK_DGRAM_K && peer->peer == u) {
			peer->rcv_shut = peer->snd_shut = true;
			if (unread || embryo)
				peer->err = ECONNRESET;
		}
		struct unix_waiter *pw = waiters_take(peer);
		wake_locked(peer, POLLIN_K | POLLOUT_K | POLLHUP_K | POLLRDHUP_K | POLLERR_K |
				  POLLRDNORM_K | POLLWRNORM_K);
		kmutex_unlock(&peer->lock);
		waiters_wake(pw);
		usock_put(peer);
	}
	/* connections never accepted: their clients see a reset */
	for (struct unix_sock *e = acq, *n; e; e = n) {
		n = e->acq_next;
		usock_release(e, true);
	}
	usock_put(u);
}

static void unix_release(struct socket *s)
{
	usock_release(usk(s), false);
}

/* ---- sending ---- */

/* SCM_RIGHTS from a send's control data: the files (references) in *out. */
static int rights_from_control(struct sock_msg *m, struct file ***out, int *nout)
{
	*out = NULL;
	*nout = 0;
	size_t off = 0, len = m->control ? m->controllen : 0;
	struct file **files = NULL;
	int n = 0, r = 0;
	while (len - off >= sizeof(struct cmsghdr_k)) {
		struct cmsghdr_k h;
		memcpy(&h, (char *)m->control + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off) {
			r = -EINVAL;
			break;
		}
		if (h.cmsg_level == SOL_SOCKET_K) {
			if (h.cmsg_type != SCM_RIGHTS_K && h.cmsg_type != SCM_CREDENTIALS_K) {
				r = -EINVAL;
				break;
			}
			if (h.cmsg_type == SCM_RIGHTS_K) {
				int k = (int)((h.cmsg_len - CMSG_LEN_K(0)) / sizeof(int));
				if (k <= 0 || files || k > UNIX_SCM_MAX_FD) {
					r = -EINVAL;
					break;
				}
				files = kzalloc(sizeof(*files) * (size_t)k);
				if (!files) {
					r = -ENOMEM;
					break;
				}
				for (; n < k; n++) {
					int fd;
					memcpy(&fd, (char *)m->control + off + CMSG_LEN_K(0) + n * sizeof(int),
					       sizeof(int));
					if (!(files[n] = fd_get(fd))) {
						r = -EBADF;
						break;
					}
				}
				if (r < 0)
					break;
			}
		}
		off += CMSG_ALIGN_K(h.cmsg_len);
		if (off > len)
			break;
	}
	if (r < 0) {
		for (int i = 0; i < n; i++)
			file_put(files[i]);
		kfree(files);
		return r;
	}
	*out = files;
	*nout = n;
	return 0;
}

static struct unix_msg *msg_make(struct sock_msg *m, size_t len)
{
	struct unix_msg *um = kmalloc(sizeof(*um) + len);
	if (!um)
		return NULL;
	memset(um, 0, sizeof(*um));
	um->len = sock_msg_copy_in(m, um->data, len);
	return um;
}

/* Queue um on r (r->lock held) and wake its readers. */
static void enqueue_locked(struct unix_sock *r, struct unix_msg *um)
{
	*r->rq_tail = um;
	r->rq_tail = &um->next;
	r->rq_bytes += um->len;
	r->rq_mem += um->len + UNIX_MSG_COST;
	r->rq_count++;
	wake_locked(r, POLLIN_K | POLLRDNORM_K);
}

static ssize_t stream_send(struct socket *s, struct unix_sock *u, struct sock_msg *m, int flags)
{
	struct file **files;
	int nfds;
	ssize_t r = rights_from_control(m, &files, &nfds); /* first, as Linux's scm_send */
	if (r < 0)
		return r;
	if (flags & MSG_OOB_K) {
		r = -EOPNOTSUPP;
		goto out_files;
	}
	kmutex_lock(&u->lock);
	int st = u->state;
	bool shut = u->snd_shut;
	struct unix_sock *p = u->peer;
	if (p)
		usock_get(p);
	kmutex_unlock(&u->lock);
	if (m->addr && m->addrlen) {
		r = st == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
		goto out;
	}
	if (st != US_CONNECTED || !p) {
		r = -ENOTCONN;
		goto out;
	}
	if (shut) {
		r = -EPIPE;
		goto out;
	}
	size_t left = sock_msg_left(m);
	bool record = u->type == SOCK_SEQPACKET_K;
	if (record && left > (size_t)s->sndbuf - 32) {
		r = -EMSGSIZE;
		goto out;
	}
	kmutex_lock(&p->lock);
	size_t limit = (size_t)s->sndbuf, used = p->rq_bytes;
	if (p->dead || p->rcv_shut) {
		r = -EPIPE;
	} else if (used >= limit || (record && limit - used < left)) {
		waiter_add_locked(p, s);
		r = -EAGAIN;
	} else {
		size_t k = record ? left : MIN(MIN(left, limit - used), (size_t)UNIX_CHUNK);
		struct unix_msg *um = msg_make(m, k);
		if (!um) {
			r = -ENOMEM;
		} else {
			um->fds = files;
			um->nfds = nfds;
			files = NULL;
			enqueue_locked(p, um);
			r = (ssize_t)um->len;
		}
	}
	kmutex_unlock(&p->lock);
out:
	usock_put(p);
out_files:
	if (files) {
		for (int i = 0; i < nfds; i++)
			file_put(files[i]);
		kfree(files);
	}
	return r;
}

/*
 * Is o's queue too full for a datagram from u (o->lock held)? As Linux: at
 * most UNIX_DGRAM_QLEN + 1 datagrams from a socket o is not connected to,
 * and never more than the sender's buffer.
 */
static bool dgram_full(struct unix_sock *o, struct unix_sock *u, struct socket *s)
{
	return (o->peer != u && o->rq_count > UNIX_DGRAM_QLEN) || o->rq_mem >= (size_t)s->sndbuf;
}

static ssize_t dgram_send(struct socket *s, struct unix_sock *u, struct sock_msg *m, int flags)
{
	if (flags & MSG_OOB_K)
		return -EOPNOTSUPP;
	struct unix_sock *o = NULL;
	ssize_t r;
	bool to_peer = false;
	if (m->addr && m->addrlen) {
		if ((r = lookup(m->addr, m->addrlen, u->type, &o)) < 0)
			return r;
	} else {
		kmutex_lock(&u->lock);
		o = u->peer;
		if (o)
			usock_get(o);
		kmutex_unlock(&u->lock);
		if (!o)
			return -ENOTCONN;
		to_peer = true;
	}
	size_t len = sock_msg_left(m);
	struct file **files = NULL;
	int nfds = 0;
	kmutex_lock(&u->lock);
	bool shut = u->snd_shut;
	struct unix_addr *from = u->addr;
	if (from)
		__atomic_add_fetch(&from->refs, 1, __ATOMIC_RELAXED);
	kmutex_unlock(&u->lock);
	if (shut) {
		r = -EPIPE;
		goto out;
	}
	if (len > (size_t)s->sndbuf - 32) {
		r = -EMSGSIZE;
		goto out;
	}
	if ((r = rights_from_control(m, &files, &nfds)) < 0)
		goto out;
	kmutex_lock(&o->lock);
	if (o->dead) {
		r = -ECONNREFUSED;
	} else if (o->peer && o->peer != u) {
		r = -EPERM; /* o is connected to another socket */
	} else if (o->rcv_shut) {
		r = -EPIPE;
	} else if (dgram_full(o, u, s)) {
		waiter_add_locked(o, s);
		r = -EAGAIN;
	} else {
		struct unix_msg *um = msg_make(m, len);
		if (!um) {
			r = -ENOMEM;
		} else {
			um->fds = files;
			um->nfds = nfds;
			um->from = from;
			files = NULL;
			from = NULL;
			enqueue_locked(o, um);
			r = (ssize_t)um->len;
		}
	}
	kmutex_unlock(&o->lock);
	if (r == -ECONNREFUSED && to_peer) {
		/* Linux: the dead peer is forgotten */
		kmutex_lock(&u->lock);
		struct unix_sock *old = u->peer == o ? o : NULL;
		if (old) {
			u->peer = NULL;
			u->state = US_UNCONN;
		}
		kmutex_unlock(&u->lock);
		usock_put(old);
	}
out:
	if (files) {
		for (int i = 0; i < nfds; i++)
			file_put(files[i]);
		kfree(files);
	}
	addr_put(from);
	usock_put(o);
	return r;
}

static ssize_t unix_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = usk(s);
	return u->type == SOCK_DGRAM_K ? dgram_send(s, u, m, flags) : stream_send(s, u, m, flags);
}

/* ---- receiving ---- */

/*
 * Hand the files of a message to the receiver as SCM_RIGHTS. Peek: new
 * references for the fds installed (the message keeps its own). Else the
 * files not installed (a short control buffer, a full fd table) are closed,
 * as on Linux, but by the caller: their last reference may release a
 * socket, which must not happen under u->lock (it may take it). So the
 * message's array goes to *dp (the caller puts entries from *from on, after
 * unlocking, then frees it). Called with u->lock held.
 */
struct deferred {
	struct file **files;
	int from, n;
};

static void rights_to_control(struct sock_msg *m, struct unix_msg *um, bool peek, int flags,
			      struct deferred *dp)
{
	struct file **files = um->fds;
	int n = um->nfds;
	size_t room = m->control ? m->controllen - m->controlused : 0;
	int max = room < sizeof(struct cmsghdr_k) ? 0
		  : (int)((room - sizeof(struct cmsghdr_k)) / sizeof(int));
	int k = MIN(n, max), fds[UNIX_SCM_MAX_FD], got = 0;
	for (; got < k; got++) {
		if (peek)
			file_get(files[got]);
		int fd = fd_install(files[got], (flags & MSG_CMSG_CLOEXEC_K) ? O_CLOEXEC_K : 0);
		if (fd < 0) {
			if (peek)
				file_put(files[got]); /* not the last: the message holds one */
			break;
		}
		fds[got] = fd;
	}
	if (got < n)
		m->flags_out |= MSG_CTRUNC_K;
	if (!peek) {
		dp->files = files;
		dp->from = got;
		dp->n = n;
		um->fds = NULL;
		um->nfds = 0;
	}
	if (!got)
		return;
	struct cmsghdr_k h = { CMSG_LEN_K(got * sizeof(int)), SOL_SOCKET_K, SCM_RIGHTS_K };
	char *c = (char *)m->control + m->controlused;
	memcpy(c, &h, sizeof(h));
	memcpy(c + CMSG_LEN_K(0), fds, got * sizeof(int));
	m->controlused += MIN(CMSG_SPACE_K(got * sizeof(int)), room);
}

/* After unlocking: close the files a receive did not install. */
static void deferred_put(struct deferred *dp)
{
	if (!dp->files)
		return;
	for (int i = dp->from; i < dp->n; i++)
		file_put(dp->files[i]);
	kfree(dp->files);
	dp->files = NULL;
}

static void copy_addr(struct sock_msg *m, struct unix_addr *a)
{
	if (!m->addr)
		return;
	if (a) {
		memcpy(m->addr, &a->sun, a->len);
		m->addrlen = a->len;
	} else {
		m->addrlen = 0;
	}
}

/* Take a whole message off u's queue (u->lock held). */
static void dequeue_locked(struct unix_sock *u, struct unix_msg *um)
{
	u->rq = um->next;
	if (!u->rq)
		u->rq_tail = &u->rq;
	u->rq_count--;
	u->rq_mem -= um->len + UNIX_MSG_COST;
}

/* The end of the data: an error once, then EOF (0) or -EAGAIN (u->lock held). */
static ssize_t empty_result(struct unix_sock *u)
{
	if (u->err) {
		int e = u->err;
		u->err = 0;
		return -e;
	}
	return u->rcv_shut ? 0 : -EAGAIN;
}

static ssize_t stream_recv(struct unix_sock *u, struct sock_msg *m, int flags)
{
	bool peek = flags & MSG_PEEK_K;
	size_t left = sock_msg_left(m), done = 0;
	if (flags & MSG_OOB_K)
		return -EOPNOTSUPP;
	kmutex_lock(&u->lock);
	if (u->state != US_CONNECTED) {
		kmutex_unlock(&u->lock);
		return u->type == SOCK_SEQPACKET_K ? -ENOTCONN : -EINVAL;
	}
	if (!u->rq || (!left && u->type == SOCK_STREAM_K)) {
		ssize_t r = u->rq ? 0 : empty_result(u);
		kmutex_unlock(&u->lock);
		return r;
	}
	struct unix_sock *p = u->peer;
	if (p)
		usock_get(p);
	struct deferred dp = { 0 };
	struct unix_msg *done_msg = NULL; /* freed after unlocking */
	if (u->type == SOCK_SEQPACKET_K) {
		struct unix_msg *um = u->rq;
		size_t k = sock_msg_copy_out(m, um->data, MIN(um->len, left));
		if (k < um->len)
			m->flags_out |= MSG_TRUNC_K;
		done = (flags & MSG_TRUNC_K) ? um->len : k;
		if (um->nfds)
			rights_to_control(m, um, peek, flags, &dp);
		if (!peek) {
			dequeue_locked(u, um);
			u->rq_bytes -= um->len;
			done_msg = um;
		}
	} else {
		for (struct unix_msg *um = u->rq; um && left;) {
			if (um->nfds && done)
				break; /* files go with the first bytes of their message */
			size_t off = um->off;
			if (um->nfds)
				rights_to_control(m, um, peek, flags, &dp);
			size_t k = sock_msg_copy_out(m, um->data + off, MIN(um->len - off, left));
			done += k;
			left -= k;
			if (peek) {
				um = um->next;
				continue;
			}
			um->off += k;
			u->rq_bytes -= k;
			if (um->off == um->len) {
				struct unix_msg *n = um->next;
				dequeue_locked(u, um);
				msg_free(um);
				um = n;
			}
		}
	}
	kmutex_unlock(&u->lock);
	deferred_put(&dp);
	if (done_msg)
		msg_free(done_msg);
	if (m->addr && p) {
		kmutex_lock(&p->lock);
		copy_addr(m, p->addr);
		kmutex_unlock(&p->lock);
	}
	if (p && !peek) {
		/* room again: the peer's senders may go on */
		kmutex_lock(&p->lock);
		wake_locked(p, POLLOUT_K | POLLWRNORM_K);
		kmutex_unlock(&p->lock);
		struct unix_waiter *w;
		kmutex_lock(&u->lock);
		w = waiters_take(u);
		kmutex_unlock(&u->lock);
		waiters_wake(w);
	}
	usock_put(p);
	return (ssize_t)done;
}

static ssize_t dgram_recv(struct unix_sock *u, struct sock_msg *m, int flags)
{
	bool peek = flags & MSG_PEEK_K;
	if (flags & MSG_OOB_K)
		return -EOPNOTSUPP;
	kmutex_lock(&u->lock);
	struct unix_msg *um = u->rq;
	if (!um) {
		ssize_t r = empty_result(u);
		kmutex_unlock(&u->lock);
		return r == 0 ? 0 : r;
	}
	size_t k = sock_msg_copy_out(m, um->data, MIN(um->len, sock_msg_left(m)));
	if (k < um->len)
		m->flags_out |= MSG_TRUNC_K;
	ssize_t r = (flags & MSG_TRUNC_K) ? (ssize_t)um->len : (ssize_t)k;
	copy_addr(m, um->from);
	struct deferred dp = { 0 };
	if (um->nfds)
		rights_to_control(m, um, peek, flags, &dp);
	struct unix_waiter *w = NULL;
	if (!peek) {
		dequeue_locked(u, um);
		u->rq_bytes -= um->len;
		w = waiters_take(u);
	}
	kmutex_unlock(&u->lock);
	deferred_put(&dp);
	if (!peek)
		msg_free(um);
	waiters_wake(w);
	return r;
}

static ssize_t unix_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = usk(s);
	return u->type == SOCK_DGRAM_K ? dgram_recv(u, m, flags) : stream_recv(u, m, flags);
}

/* ---- shutdown, names, poll, options ---- */

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = usk(s);
	bool rd = how != SHUT_WR_K, wr = how != SHUT_RD_K;
	kmutex_lock(&u->lock);
	u->rcv_shut |= rd;
	u->snd_shut |= wr;
	struct unix_sock *p = u->type != SOCK_DGRAM_K ? u->peer : NULL;
	if (p)
		usock_get(p);
	wake_locked(u, POLLIN_K | POLLOUT_K | POLLHUP_K | POLLRDHUP_K);
	kmutex_unlock(&u->lock);
	if (p) {
		kmutex_lock(&p->lock);
		p->rcv_shut |= wr;
		p->snd_shut |= rd;
		wake_locked(p, POLLIN_K | POLLOUT_K | POLLHUP_K | POLLRDHUP_K);
		struct unix_waiter *w = waiters_take(p);
		kmutex_unlock(&p->lock);
		waiters_wake(w);
		usock_put(p);
	}
	return 0;
}

static int unix_getname(struct socket *s, struct sockaddr_storage_k *a, uint32_t *len, bool peer)
{
	struct unix_sock *u = usk(s), *t = u;
	if (peer) {
		kmutex_lock(&u->lock);
		t = u->peer;
		if (t)
			usock_get(t);
		kmutex_unlock(&u->lock);
		if (!t)
			return -ENOTCONN;
	}
	kmutex_lock(&t->lock);
	if (t->addr) {
		memcpy(a, &t->addr->sun, t->addr->len);
		*len = t->addr->len;
	} else {
		a->ss_family = AF_UNIX_K;
		*len = SUN_OFF;
	}
	kmutex_unlock(&t->lock);
	if (peer)
		usock_put(t);
	return 0;
}

static unsigned unix_poll(struct socket *s, struct poll_table *pt)
{
	struct unix_sock *u = usk(s);
	if (pt && pt->queue)
		pt->queue(pt, &s->vnode->poll_wq);
	unsigned m = 0;
	kmutex_lock(&u->lock);
	if (u->err)
		m |= POLLERR_K;
	if (u->rcv_shut && u->snd_shut)
		m |= POLLHUP_K;
	if (u->rcv_shut)
		m |= POLLRDHUP_K | POLLIN_K | POLLRDNORM_K;
	if (u->rq || (u->state == US_LISTEN && u->acq))
		m |= POLLIN_K | POLLRDNORM_K;
	if (u->type != SOCK_DGRAM_K && u->state == US_UNCONN)
		m |= POLLHUP_K;
	struct unix_sock *p = u->state == US_CONNECTED ? u->peer : NULL;
	if (p)
		usock_get(p);
	int st = u->state;
	kmutex_unlock(&u->lock);
	if (st != US_LISTEN) {
		bool room = true;
		if (p) {
			kmutex_lock(&p->lock);
			if (u->type == SOCK_DGRAM_K) {
				/* a connected datagram socket: the peer's queue decides */
				if (!p->dead && (!p->peer || p->peer == u) && dgram_full(p, u, s)) {
					room = false;
					waiter_add_locked(p, s);
				}
			} else if (!p->dead && !p->rcv_shut && p->rq_bytes >= (size_t)s->sndbuf) {
				room = false;
				waiter_add_locked(p, s);
			}
			kmutex_unlock(&p->lock);
		}
		if (room)
			m |= POLLOUT_K | POLLWRNORM_K | POLLWRBAND_K;
	}
	usock_put(p);
	return m;
}

static int unix_setsockopt(struct socket *s, int level, int name, const void *val, uint32_t len)
{
	if (level != SOL_SOCKET_K)
		return -EOPNOTSUPP; /* Linux: AF_UNIX has no other levels */
	if (name == SO_PASSCRED_K)
		return 0; /* accepted; credentials are not passed yet */
	return -ENOPROTOOPT;
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val, uint32_t *len)
{
	struct unix_sock *u = usk(s);
	if (level != SOL_SOCKET_K)
		return -EOPNOTSUPP; /* Linux: AF_UNIX has no other levels */
	if (name == SO_ERROR_K) {
		kmutex_lock(&u->lock);
		int e = u->err;
		u->err = 0;
		kmutex_unlock(&u->lock);
		*len = MIN(*len, (uint32_t)sizeof(int));
		memcpy(val, &e, *len);
		return 0;
	}
	if (name == SO_PEERCRED_K) {
		kmutex_lock(&u->lock);
		struct ucred_k c = u->peercred;
		kmutex_unlock(&u->lock);
		*len = MIN(*len, (uint32_t)sizeof(c));
		memcpy(val, &c, *len);
		return 0;
	}
	if (name == SO_PASSCRED_K) {
		int z = 0;
		*len = MIN(*len, (uint32_t)sizeof(int));
		memcpy(val, &z, *len);
		return 0;
	}
	return -ENOPROTOOPT;
}

static long unix_ioctl(struct socket *s, unsigned long req, unsigned long arg)
{
	struct unix_sock *u = usk(s);
	if (req != FIONREAD_K)
		return -ENOTTY;
	kmutex_lock(&u->lock);
	long r = 0;
	size_t n = 0;
	if (u->state == US_LISTEN)
		r = -EINVAL;
	else if (u->type == SOCK_DGRAM_K)
		n = u->rq ? u->rq->len : 0;
	else
		n = u->rq_bytes;
	kmutex_unlock(&u->lock);
	if (r == 0)
		*(int *)arg = (int)MIN(n, (size_t)INT32_MAX);
	return r;
}

const struct sock_ops unix_sock_ops = {
	.family = AF_UNIX_K,
	.create = unix_create,
	.release = unix_release,
	.bind = unix_bind,
	.connect = unix_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.socketpair = unix_socketpair,
};
SOCK_FAMILY(unix_sock_ops);
