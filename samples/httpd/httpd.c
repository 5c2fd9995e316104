/*
 * httpd - a small HTTP/1.1 static file server: a Jiny app that also builds
 * as a plain (or static) Linux program from the same source, so the two
 * can be measured side by side (bench: ../../../shared/baseline).
 *
 *   httpd [-a ADDR] [-p PORT] [-r DIR] [-t THREADS] [-n REQUESTS] [-k SECS] [-s]
 *
 * "/" answers a fixed body, "hello from jiny\n", so a benchmark has a
 * known target that touches no file; any other path is a file below the
 * document root (-r, default /www), sent with sendfile(), or with pread and
 * send when sendfile says ENOSYS or EINVAL (-s: always). A directory's
 * index.html stands for it. GET and HEAD; other methods get 405.
 *
 * Shape: THREADS workers, each with its own epoll set; one listening
 * socket shared by all, in every set with EPOLLEXCLUSIVE. Not one
 * SO_REUSEPORT listener per worker: Jiny's TCP (lwIP) has no load-balancing
 * listeners, a second listen on the port fails, so only the shared socket
 * works in both places. On Linux EPOLLEXCLUSIVE wakes one worker per
 * connection; where it is ignored the others find accept() empty (EAGAIN).
 * A connection stays with the worker that accepted it: non-blocking,
 * edge-triggered (EPOLLIN | EPOLLOUT | EPOLLET, registered once), run by
 * conn_run() until a read or a write would block. Requests are read into
 * one 8 KiB buffer per connection (a longer head: 414 or 431), parsed by
 * http_parse.c and answered in order, pipelined ones batched into one send;
 * a response with a file body is sent before the next request is parsed.
 * Keep-alive is HTTP/1.1's default, Connection: close ends it, and HTTP/1.0
 * keeps the connection only with Connection: keep-alive. A request body
 * (GET with Content-Length) is read and dropped; over 1 MiB it gets 413.
 * An error answer closes the connection the way Apache's "lingering close"
 * does: shutdown(SHUT_WR), then what the client still sends is read and
 * dropped for up to 2 s, so its unread bytes do not turn our FIN into a
 * reset that destroys the answer. Idle connections close after -k seconds
 * (default 30). SIGPIPE is ignored and sends use MSG_NOSIGNAL.
 *
 * -n N: exit with status 0 once N requests have been answered (tests).
 * SIGINT and SIGTERM end it the same way.
 */
#define _GNU_SOURCE
#include "http_parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IN_SIZE		8192		/* a request head must fit (414/431 beyond) */
#define OUT_SIZE	8192		/* response heads and small bodies not yet sent */
#define HEAD_ROOM	2048		/* the most one queued response head takes */
#define MAX_BODY	(1u << 20)	/* request bodies beyond: 413 */
#define MAX_THREADS	64
#define BUDGET		64		/* requests per connection per turn */
#define FILE_CHUNK	(1u << 20)	/* bytes per sendfile() */
#define SCRATCH_SIZE	65536		/* pread/send fallback buffer */
#define LINGER_MS	2000
#define LINGER_BYTES	(1u << 20)

static const char hello_body[] = "hello from jiny\n";

struct worker;

struct conn {
	int fd;
	struct worker *w;
	char in[IN_SIZE];
	size_t in_off, in_len;		/* unparsed input is in[in_off..in_len) */
	char out[OUT_SIZE];
	size_t out_off, out_len;	/* unsent output is out[out_off..out_len) */
	int file;			/* a body to send after out[], or -1 */
	off_t file_off;
	unsigned long long file_left;
	unsigned long long discard;	/* request body bytes still to read and drop */
	unsigned long long drained;	/* bytes dropped while lingering */
	bool no_sendfile;		/* sendfile refused this file: pread + send */
	bool eof;			/* the client will send nothing more */
	bool closing;			/* close once the output is sent */
	bool lingering;			/* output shut down, input being drained */
	bool last;			/* it answered the -n'th request */
	bool ready;			/* on w->ready: more to do, budget spent */
	long long deadline;		/* monotonic ms: closed when idle until then */
	struct conn *prev, *next;	/* w->live or w->linger, oldest first */
	struct conn *rnext;		/* w->ready */
};

struct clist {
	struct conn *head, *tail;
};

struct worker {
	int id;
	int ep;
	pthread_t thread;
	struct clist live;		/* deadline: last activity + idle timeout */
	struct clist linger;		/* deadline: shutdown + LINGER_MS */
	struct conn *ready;
	long long now;			/* monotonic ms, taken after each wait */
	time_t date_sec;
	char date[64];			/* the Date header's value for date_sec */
	char *scratch;			/* SCRATCH_SIZE bytes */
	int spare_fd;			/* given up to accept and drop on EMFILE */
	unsigned long long conns;
};

static struct {
	int lfd;			/* the listening socket */
	int root;			/* the document root, or -1 */
	const char *root_name;
	int wake;			/* eventfd: readable once everyone should stop */
	long idle_ms;
	unsigned long long limit;	/* -n */
	bool no_sendfile;		/* -s */
	atomic_ullong served;
	atomic_bool stop;
} g = { .lfd = -1, .root = -1, .root_name = "/www", .wake = -1, .idle_ms = 30000 };

static char listen_tag, wake_tag;	/* epoll data for the two shared fds */

static void request_stop(void)
{
	uint64_t one = 1;
	atomic_store(&g.stop, true);
	if (write(g.wake, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: everyone is woken anyway */
	}
}

static void on_signal(int sig)
{
	(void)sig;
	request_stop();
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---- connection lists ---- */

static void list_del(struct clist *l, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_add_tail(struct clist *l, struct conn *c)
{
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static void conn_close(struct conn *c)
{
	struct worker *w = c->w;
	list_del(c->lingering ? &w->linger : &w->live, c);
	if (c->ready) {
		struct conn **pp = &w->ready;
		while (*pp != c)
			pp = &(*pp)->rnext;
		*pp = c->rnext;
	}
	if (c->file >= 0)
		close(c->file);
	close(c->fd);	/* leaves the epoll set with it */
	free(c);
}

/* Still in use: the idle timeout starts again. */
static void conn_touch(struct conn *c)
{
	if (c->lingering)
		return;
	c->deadline = c->w->now + g.idle_ms;
	list_del(&c->w->live, c);
	list_add_tail(&c->w->live, c);
}

/* ---- responses ---- */

static const char *content_type(const char *name)
{
	static const char *const types[][2] = {
		{ "html", "text/html; charset=utf-8" }, { "htm", "text/html; charset=utf-8" },
		{ "txt", "text/plain; charset=utf-8" }, { "css", "text/css" },
		{ "js", "text/javascript" }, { "json", "application/json" },
		{ "xml", "application/xml" }, { "svg", "image/svg+xml" },
		{ "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" }, { "webp", "image/webp" }, { "ico", "image/x-icon" },
		{ "wasm", "application/wasm" }, { "pdf", "application/pdf" },
	};
	const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot + 1, types[i][0]))
				return types[i][1];
	return "application/octet-stream";
}

static const char *http_date(struct worker *w)
{
	time_t t = time(NULL);
	if (t != w->date_sec) {
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(w->date, sizeof(w->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		w->date_sec = t;
	}
	return w->date;
}

/*
 * Queue a response head (and body, when it is in memory and the method is
 * not HEAD). keep: the connection persists; minor: the request's HTTP/1.x,
 * for HTTP/1.0's explicit keep-alive. extra: more header lines, each ending
 * in CRLF. Callers leave HEAD_ROOM free in out[].
 */
static void put_response(struct conn *c, int status, bool head, bool keep, int minor,
			 const char *type, unsigned long long length, const char *body,
			 const char *extra)
{
	size_t room = OUT_SIZE - c->out_len;
	int n = snprintf(c->out + c->out_len, room,
			 "HTTP/1.1 %d %s\r\nServer: jiny-httpd\r\nDate: %s\r\n"
			 "Content-Type: %s\r\nContent-Length: %llu\r\n%s%s\r\n",
			 status, http_reason(status), http_date(c->w), type, length,
			 !keep ? "Connection: close\r\n" :
			 minor == 0 ? "Connection: keep-alive\r\n" : "", extra ? extra : "");
	if (n < 0 || (size_t)n >= room) {	/* cannot happen with HEAD_ROOM free */
		c->closing = true;
		return;
	}
	c->out_len += (size_t)n;
	if (body && !head && length <= OUT_SIZE - c->out_len) {
		memcpy(c->out + c->out_len, body, length);
		c->out_len += length;
	}
	if (!keep)
		c->closing = true;
}

/* An error answer: a one-line text body; the connection closes after it
   unless keep (404, 403, 405 on a sound request keep it). */
static void put_error(struct conn *c, int status, bool head, bool keep, int minor,
		      const char *extra)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
	put_response(c, status, head, keep, minor, "text/plain; charset=utf-8",
		     (unsigned long long)n, body, extra);
}

/* Answer a sound GET or HEAD of a path other than "/". */
static void serve_file(struct conn *c, const struct http_request *req, bool keep)
{
	bool head = req->method == HTTP_HEAD, dir;
	char name[PATH_MAX];
	int n = http_path_decode(req->path, req->path_len, name, sizeof(name) - 11, &dir);
	if (n < 0) {
		put_error(c, -n, head, keep && n == -403, req->minor, NULL);
		return;
	}
	if (n == 0) {	/* "/", however written: the built-in answer */
		put_response(c, 200, head, keep, req->minor, "text/plain; charset=utf-8",
			     sizeof(hello_body) - 1, hello_body, NULL);
		return;
	}
	int fd = g.root < 0 ? -1 : openat(g.root, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int err = g.root < 0 ? ENOENT : errno;
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		if (!dir) {	/* "/docs" -> "/docs/", so relative links work */
			char loc[HEAD_ROOM / 2];
			if (req->path_len + 16 > sizeof(loc)) {
				put_error(c, 414, head, false, req->minor, NULL);
				return;
			}
			snprintf(loc, sizeof(loc), "Location: %.*s/\r\n", (int)req->path_len, req->path);
			put_error(c, 301, head, keep, req->minor, loc);
			return;
		}
		strcpy(name + n, "/index.html");
		dir = false;
		fd = openat(g.root, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		err = errno;
		if (fd >= 0 && fstat(fd, &st) < 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0 && (!S_ISREG(st.st_mode) || dir)) {
		close(fd);	/* a device, FIFO, socket; or "file/" */
		fd = -1;
		err = dir ? ENOTDIR : EACCES;
	}
	if (fd < 0) {
		int status = err == ENOENT || err == ENOTDIR ? 404 :
			     err == EACCES || err == EPERM || err == ELOOP ? 403 :
			     err == ENAMETOOLONG ? 414 : 500;
		put_error(c, status, head, keep && status < 500 && status != 414, req->minor, NULL);
		return;
	}
	put_response(c, 200, head, keep, req->minor, content_type(name),
		     (unsigned long long)st.st_size, NULL, NULL);
	if (head || st.st_size == 0) {
		close(fd);
		return;
	}
	c->file = fd;
	c->file_off = 0;
	c->file_left = (unsigned long long)st.st_size;
	c->no_sendfile = g.no_sendfile;
}

/*
 * Parse and answer the next request in c->in, after dropping what is left
 * of the previous one's body. Returns true when a response was queued,
 * false when more input is needed.
 */
static bool next_request(struct conn *c)
{
	size_t avail = c->in_len - c->in_off;
	if (c->discard) {
		size_t k = c->discard < avail ? (size_t)c->discard : avail;
		c->in_off += k;
		c->discard -= k;
		avail -= k;
		if (c->discard)
			return false;
	}
	if (!avail)
		return false;

	struct http_request req;
	int r = http_parse_request(c->in + c->in_off, avail, IN_SIZE, &req);
	if (r == HTTP_PARSE_INCOMPLETE)
		return false;
	if (g.limit) {
		unsigned long long n = atomic_fetch_add(&g.served, 1) + 1;
		if (n > g.limit) {	/* another worker answered the last one */
			put_error(c, 503, false, false, 1, NULL);
			return true;
		}
		c->last = n == g.limit;
	} else {
		atomic_fetch_add_explicit(&g.served, 1, memory_order_relaxed);
	}
	if (r != HTTP_PARSE_OK) {
		put_error(c, r, false, false, 1, NULL);
		return true;
	}
	c->in_off += req.length;
	c->discard = req.content_length;
	bool keep = req.keep_alive && !c->last;
	bool head = req.method == HTTP_HEAD;
	if (req.content_length > MAX_BODY)
		put_error(c, 413, head, false, req.minor, NULL);
	else if (req.method == HTTP_OTHER)
		put_error(c, 405, false, keep, req.minor, "Allow: GET, HEAD\r\n");
	else
		serve_file(c, &req, keep);
	return true;
}

/* ---- sending and receiving ---- */

/* Send out[] and then the file. 1: all sent; 0: would block; -1: failed. */
static int conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | (c->file >= 0 ? MSG_MORE : 0));
		if (n > 0) {
			c->out_off += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
		}
	}
	c->out_off = c->out_len = 0;
	while (c->file >= 0 && c->file_left) {
		size_t want = c->file_left < FILE_CHUNK ? (size_t)c->file_left : FILE_CHUNK;
		ssize_t n = -1;
		if (!c->no_sendfile) {
			n = sendfile(c->fd, c->file, &c->file_off, want);
			if (n < 0 && (errno == ENOSYS || errno == EINVAL))
				c->no_sendfile = true;
		}
		if (c->no_sendfile) {
			if (want > SCRATCH_SIZE)
				want = SCRATCH_SIZE;
			n = pread(c->file, c->w->scratch, want, c->file_off);
			if (n > 0) {
				n = send(c->fd, c->w->scratch, (size_t)n, MSG_NOSIGNAL);
				if (n > 0)
					c->file_off += n;
			} else if (n == 0) {
				return -1;	/* the file shrank: the length sent is wrong */
			}
		}
		if (n > 0)
			c->file_left -= (unsigned long long)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	}
	if (c->file >= 0) {
		close(c->file);
		c->file = -1;
	}
	return 1;
}

/* The answers are out and the connection ends: half-close, drain, close. */
static void conn_linger(struct conn *c);

static void conn_drain(struct conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->w->scratch, SCRATCH_SIZE, 0);
		if (n > 0 && (c->drained += (size_t)n) < LINGER_BYTES)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_close(c);	/* EOF, an error or enough */
		return;
	}
}

static void conn_linger(struct conn *c)
{
	struct worker *w = c->w;
	if (c->eof || shutdown(c->fd, SHUT_WR) < 0) {
		conn_close(c);
		return;
	}
	list_del(&w->live, c);
	c->lingering = true;
	c->deadline = w->now + LINGER_MS;
	list_add_tail(&w->linger, c);
	conn_drain(c);
}

/*
 * Work on c until it would block: answer the requests already read, send,
 * read more. With edge-triggered events nothing calls us again until a read
 * or a write has said EAGAIN, so only those (or the connection's end) may
 * return; a connection that used its BUDGET goes on w->ready instead.
 */
static void conn_run(struct conn *c)
{
	int budget = BUDGET;
	for (;;) {
		bool need_input = false;
		while (!c->closing && c->file < 0 && c->out_len + HEAD_ROOM <= OUT_SIZE) {
			if (budget == 0 || !next_request(c)) {
				need_input = budget > 0;
				break;
			}
			budget--;
		}
		int s = conn_flush(c);
		if (s < 0) {
			conn_close(c);
			return;
		}
		if (s == 0)
			return;		/* EPOLLOUT brings us back */
		if (c->last) {		/* the -n'th answer is out */
			request_stop();
			conn_close(c);
			return;
		}
		if (c->closing) {
			conn_linger(c);
			return;
		}
		if (budget == 0) {
			if (!c->ready) {
				c->ready = true;
				c->rnext = c->w->ready;
				c->w->ready = c;
			}
			return;
		}
		if (!need_input)
			continue;	/* a file was sent, or out[] was full */
		if (c->eof) {
			conn_close(c);	/* nothing more will come */
			return;
		}
		if (c->in_off) {
			memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
			c->in_len -= c->in_off;
			c->in_off = 0;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, IN_SIZE - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
		} else if (n == 0) {
			c->eof = true;	/* answer what is complete, then close */
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return;
		} else if (errno != EINTR) {
			conn_close(c);
			return;
		}
	}
}

static void conn_event(struct conn *c, uint32_t events)
{
	if (c->lingering) {
		conn_drain(c);
		return;
	}
	if (events & EPOLLERR) {
		conn_close(c);
		return;
	}
	conn_touch(c);
	conn_run(c);
}

/* ---- accepting ---- */

static void accept_some(struct worker *w)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(g.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if ((errno == EMFILE || errno == ENFILE) && w->spare_fd >= 0) {
				/* out of fds: take the connection and drop it, or the
				   listener stays readable and we spin */
				close(w->spare_fd);
				fd = accept(g.lfd, NULL, NULL);
				if (fd >= 0)
					close(fd);
				w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
				fprintf(stderr, "httpd: out of file descriptors: a connection dropped\n");
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				fprintf(stderr, "httpd: accept: %s\n", strerror(errno));
			}
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->w = w;
		c->file = -1;
		c->deadline = w->now + g.idle_ms;
		list_add_tail(&w->live, c);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
					  .data.ptr = c };
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			fprintf(stderr, "httpd: epoll_ctl: %s\n", strerror(errno));
			conn_close(c);
			continue;
		}
		w->conns++;
	}
}

/* ---- workers ---- */

static void expire(struct worker *w, struct clist *l)
{
	while (l->head && l->head->deadline <= w->now)
		conn_close(l->head);
}

static int next_timeout(struct worker *w)
{
	long long t = -1;
	if (w->ready)
		return 0;
	if (w->live.head)
		t = w->live.head->deadline;
	if (w->linger.head && (t < 0 || w->linger.head->deadline < t))
		t = w->linger.head->deadline;
	if (t < 0)
		return -1;
	t -= w->now;
	return t < 0 ? 0 : t > 60000 ? 60000 : (int)t + 1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];

	w->now = mono_ms();
	while (!atomic_load(&g.stop)) {
		int n = epoll_wait(w->ep, evs, 64, next_timeout(w));
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "httpd: epoll_wait: %s\n", strerror(errno));
			request_stop();
			break;
		}
		w->now = mono_ms();
		for (int i = 0; i < n && !atomic_load(&g.stop); i++) {
			void *p = evs[i].data.ptr;
			if (p == &listen_tag)
				accept_some(w);
			else if (p != &wake_tag)
				conn_event(p, evs[i].events);
		}
		while (w->ready && !atomic_load(&g.stop)) {
			struct conn *c = w->ready;
			w->ready = c->rnext;
			c->ready = false;
			conn_run(c);
		}
		expire(w, &w->live);
		expire(w, &w->linger);
	}
	while (w->live.head)
		conn_close(w->live.head);
	while (w->linger.head)
		conn_close(w->linger.head);
	return NULL;
}

static int worker_init(struct worker *w, int id)
{
	struct epoll_event lev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &listen_tag };
	struct epoll_event wev = { .events = EPOLLIN, .data.ptr = &wake_tag };
	w->id = id;
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	w->scratch = malloc(SCRATCH_SIZE);
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!w->scratch || w->ep < 0 ||
	    epoll_ctl(w->ep, EPOLL_CTL_ADD, g.lfd, &lev) < 0 ||
	    epoll_ctl(w->ep, EPOLL_CTL_ADD, g.wake, &wev) < 0) {
		fprintf(stderr, "httpd: worker %d: %s\n", id, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- start-up ---- */

static void usage(void)
{
	fprintf(stderr,
		"usage: httpd [-a ADDR] [-p PORT] [-r DIR] [-t THREADS] [-n REQUESTS] [-k SECS] [-s]\n"
		"  -a ADDR     listen on ADDR, IPv4 or IPv6 (default 0.0.0.0)\n"
		"  -p PORT     TCP port (default 80; 0: any, printed at start)\n"
		"  -r DIR      document root (default /www)\n"
		"  -t THREADS  workers, each with its own epoll set (default 1, at most %d)\n"
		"  -n N        exit after answering N requests\n"
		"  -k SECS     close connections idle for SECS (default 30)\n"
		"  -s          never sendfile(): pread and send\n", MAX_THREADS);
	exit(2);
}

static long number(const char *s, const char *what, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "httpd: %s must be a number from %ld to %ld, not '%s'\n", what, lo, hi, s);
		exit(2);
	}
	return v;
}

static int open_listener(const char *addr, int port, char *shown, size_t shown_len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sl = sizeof(*sin6);
	} else {
		fprintf(stderr, "httpd: -a wants an IPv4 or IPv6 address, not '%s'\n", addr);
		exit(2);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0) {
		perror("httpd: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "httpd: bind %s port %d: %s\n", addr, port, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 1024) < 0) {
		perror("httpd: listen");
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	char a[INET6_ADDRSTRLEN] = "?";
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	else
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
	snprintf(shown, shown_len, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", a,
		 ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port));
	return fd;
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0";
	int port = 80, nthreads = 1, opt;
	static struct worker workers[MAX_THREADS];

	while ((opt = getopt(argc, argv, "a:p:r:t:n:k:sh")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = (int)number(optarg, "-p PORT", 0, 65535); break;
		case 'r': g.root_name = optarg; break;
		case 't': nthreads = (int)number(optarg, "-t THREADS", 1, MAX_THREADS); break;
		case 'n': g.limit = (unsigned long long)number(optarg, "-n REQUESTS", 1, LONG_MAX); break;
		case 'k': g.idle_ms = 1000 * number(optarg, "-k SECS", 1, 86400); break;
		case 's': g.no_sendfile = true; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	g.root = open(g.root_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (g.root < 0)
		fprintf(stderr, "httpd: document root %s: %s (only / is served)\n",
			g.root_name, strerror(errno));
	char shown[80];
	g.lfd = open_listener(addr, port, shown, sizeof(shown));
	g.wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g.lfd < 0 || g.wake < 0) {
		if (g.wake < 0)
			perror("httpd: eventfd");
		return 1;
	}
	for (int i = 0; i < nthreads; i++)
		if (worker_init(&workers[i], i) < 0)
			return 1;
	printf("httpd: listening on %s, document root %s, %d thread%s\n",
	       shown, g.root_name, nthreads, nthreads > 1 ? "s" : "");
	fflush(stdout);

	for (int i = 1; i < nthreads; i++) {
		int e = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
		if (e) {
			fprintf(stderr, "httpd: pthread_create: %s\n", strerror(e));
			request_stop();
			nthreads = i;
			break;
		}
	}
	worker_main(&workers[0]);
	unsigned long long conns = workers[0].conns;
	for (int i = 1; i < nthreads; i++) {
		pthread_join(workers[i].thread, NULL);
		conns += workers[i].conns;
	}
	unsigned long long served = atomic_load(&g.served);
	if (g.limit && served > g.limit)
		served = g.limit;
	printf("httpd: %llu requests answered on %llu connections\n", served, conns);
	return 0;
}
