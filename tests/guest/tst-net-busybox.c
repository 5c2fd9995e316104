/*
 * tst-net-busybox: unmodified busybox networking applets in ring 3 (Debian's
 * busybox-static, from the initramfs of tst-spawn) talking to the HP app and
 * to each other over the loopback (lwIP's 127.0.0.1; no NIC), started with
 * posix_spawn() and their stdin/stdout/stderr redirected by file actions:
 *
 *   wget     from a tiny HTTP server thread of the app: 200 KiB of every byte
 *            value to a file (-O FILE), a short body to a pipe (-O -), a 404
 *            (exit 1), the request line and User-Agent the app saw, a name
 *            from /etc/hosts (localhost)
 *   nc       nc -l -p PORT: the app connects, both directions, EOF each way;
 *            nc as a client sends a request read from a file to the app
 *   httpd    httpd -f -p 127.0.0.1:PORT -h DIR serving files the app wrote:
 *            the app's GETs (200 with the bytes, 404), three clients at once,
 *            ring 3 to ring 3 with wget; SIGTERM ends it
 *   ping     ping -c 1 127.0.0.1 and ping6 -c 1 ::1 through raw ICMP
 *            sockets (busybox 1.35 opens only SOCK_RAW; ping6 sets
 *            ICMP6_FILTER, IPV6_CHECKSUM and IPV6_2292HOPLIMIT): one echo
 *            sent, its reply received, nothing on stderr, exit 0 (on a
 *            Linux host that is not root: "permission denied" and exit 1);
 *            ping -c 3 -i 0.2 127.0.0.1: busybox sends each echo after the
 *            first from its SIGALRM handler (setitimer), so three are sent
 *            and answered only if the interval timer works
 *   nc -w    nc -l -p PORT -w 1 that nobody connects to: its alarm(1) ends
 *            it with "nc: timed out", exit 1, after at least a second
 *   telnet   to a banner server of the app: the banner, a line sent from
 *            telnet's stdin, the server's reply, "Connection closed by
 *            foreign host" and exit 1, as on Linux
 *
 * httpd's connection children call alarm(60) (its request timeout, fixed
 * in busybox: too long to wait for here); no check waits for it.
 *
 * Every child runs under a deadline: a hang is killed and reported, with
 * the child's stdout and stderr. Ports are ephemeral ones the kernel picked
 * (run beside other tests on the host). HOST: the same program on Linux,
 * with the host's /bin/busybox (Debian's busybox-static), checks the test.
 */
// JINY-RUN: --initrd @BUILD@/initramfs/spawn.cpio --mem 256M
// TIMEOUT: 300
// HOST: yes
// EXPECT: ^wget: 204800 bytes to a file: ok$
// EXPECT: ^httpd: ring 3 to ring 3 \(wget\): ok$
// EXPECT: ^ping: -c 3 -i 0.2 127.0.0.1: ok
// EXPECT: ^nc: -l -w 1, nobody connects: ok
// EXPECT: ^tst: tst-net-busybox: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// EXPECT-NOT: system call (alarm|setitimer|getitimer) .* not implemented
#define _GNU_SOURCE
#include "fstest.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#define BUSYBOX "/bin/busybox"
#define BIG (200 * 1024)
#define SMALL_BODY "hello from the HP app\n"
#define CHILD_SECS 60 /* a child still running after this has hung */

extern char **environ;
static char dir[64];            /* scratch directory /tmp/net-busybox-XXXXXX */
static unsigned char *big;      /* the body of /file (every byte value) */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static char *path(const char *name)
{
	static char bufs[8][128];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* The whole file (NUL-terminated; *len its size), malloc'd; NULL if it cannot be read. */
static char *slurp(const char *p, size_t *len)
{
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	ssize_t r;
	while (b && (r = read(fd, b + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 2048)
			b = realloc(b, cap *= 2);
	}
	close(fd);
	if (b)
		b[n] = 0;
	if (len)
		*len = n;
	return b;
}

static int put(const char *p, const void *data, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

/* Print a child's output file (stdout or stderr), for the log. */
static void show(const char *what, const char *p)
{
	size_t n;
	char *s = slurp(p, &n);
	if (!s || !n) {
		free(s);
		return;
	}
	if (n > 2000)
		s[2000] = 0;
	for (char *c = s; *c; c++)
		if ((*c < ' ' && *c != '\n') || *c == 0x7f)
			*c = '.';
	printf("  %s:\n%s%s", what, s, s[strlen(s) - 1] == '\n' ? "" : "\n");
	free(s);
}

/*
 * posix_spawn argv with stdin from 'in' (a file, or /dev/null), stdout to
 * 'out' (a file; -1 for out_fd) or out_fd (a pipe), stderr to 'err'.
 */
static pid_t start(char *const argv[], const char *in, const char *out, int out_fd, const char *err)
{
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int r = posix_spawn(&pid, BUSYBOX, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	printf("spawn busybox");
	for (int i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf(": %s, pid %d\n", r ? strerror(r) : "ok", r ? -1 : (int)pid);
	fflush(stdout);
	CHECK_EQ(r, 0);
	return r ? -1 : pid;
}

/* waitpid with a deadline: the status, or -1 after killing a hung child. */
static int reap(pid_t pid, int secs)
{
	uint64_t end = now_ms() + (uint64_t)secs * 1000;
	int st;
	if (pid <= 0)
		return -1;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0) {
			printf("FAIL waitpid(%d): %s\n", (int)pid, strerror(errno));
			CHECK(0);
			return -1;
		}
		if (now_ms() > end)
			break;
		msleep(20);
	}
	printf("FAIL pid %d still runs after %d s: killed\n", (int)pid, secs);
	CHECK(0);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static const char *status_text(int st)
{
	static char b[48];
	if (st == -1)
		snprintf(b, sizeof(b), "hung");
	else if (WIFEXITED(st))
		snprintf(b, sizeof(b), "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, sizeof(b), "signal %d", WTERMSIG(st));
	else
		snprintf(b, sizeof(b), "status %#x", st);
	return b;
}

/* Run argv to completion with the given redirections; its wait status. */
static int run(char *const argv[], const char *in, const char *out, const char *err)
{
	int st = reap(start(argv, in, out, -1, err), CHILD_SECS);
	printf("  -> %s\n", status_text(st));
	return st;
}

static int exited(int st, int code)
{
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* ---- sockets ---- */

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int listener(int *port)
{
	struct sockaddr_in a = lo(0);
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	CHECK_OK(l);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(listen(l, 8));
	CHECK_OK(getsockname(l, (struct sockaddr *)&a, &len));
	*port = ntohs(a.sin_port);
	return l;
}

/* A port nobody uses now, for a child to listen on. */
static int free_port(void)
{
	int port = 0, l = listener(&port);
	close(l);
	return port;
}

/* Connect to 127.0.0.1:port, retrying while a child is still starting to listen. */
static int connect_retry(int port, int secs)
{
	uint64_t end = now_ms() + (uint64_t)secs * 1000;
	for (;;) {
		struct sockaddr_in a = lo(port);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0)
			return -1;
		if (connect(c, (struct sockaddr *)&a, sizeof(a)) == 0)
			return c;
		int e = errno;
		close(c);
		if (e != ECONNREFUSED || now_ms() > end) {
			printf("connect 127.0.0.1:%d: %s\n", port, strerror(e));
			return -1;
		}
		msleep(50);
	}
}

static int write_all(int fd, const void *p, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t w = write(fd, (const char *)p + done, n - done);
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* Read until EOF (or an error: -1); malloc'd, NUL-terminated. */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *b = malloc(cap);
	ssize_t r;
	while ((r = read(fd, b + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 4096)
			b = realloc(b, cap *= 2);
	}
	b[n] = 0;
	*len = n;
	if (r < 0) {
		printf("read: %s\n", strerror(errno));
		free(b);
		return NULL;
	}
	return b;
}

/* An HTTP/1.0 GET to 127.0.0.1:port; the whole response (malloc'd) or NULL. */
static char *http_get(int port, const char *url, size_t *len)
{
	char req[256];
	int c = connect_retry(port, 30);
	if (c < 0)
		return NULL;
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", url);
	char *r = write_all(c, req, strlen(req)) ? NULL : read_all(c, len);
	close(c);
	return r;
}

/* The body of an HTTP response (after the blank line), or NULL. */
static const char *body_of(const char *resp)
{
	const char *b = resp ? strstr(resp, "\r\n\r\n") : NULL;
	return b ? b + 4 : NULL;
}

/* ---- the app's HTTP server (a thread) ---- */

static int srv_port;
static char srv_last[1024];  /* the last request's head */
static pthread_mutex_t srv_lock = PTHREAD_MUTEX_INITIALIZER;

static void respond(int c, const char *status, const void *body, size_t n)
{
	char head[256];
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %s\r\nContent-Type: application/octet-stream\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, n);
	if (write_all(c, head, strlen(head)) == 0)
		write_all(c, body, n);
}

static void *http_server(void *arg)
{
	int l = *(int *)arg;
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			printf("FAIL http server: accept: %s\n", strerror(errno));
			break;
		}
		char req[1024];
		size_t n = 0;
		ssize_t r;
		while (n < sizeof(req) - 1 && (r = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
			n += (size_t)r;
			req[n] = 0;
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[n] = 0;
		pthread_mutex_lock(&srv_lock);
		memcpy(srv_last, req, n + 1);
		pthread_mutex_unlock(&srv_lock);
		int quit = 0;
		if (!strncmp(req, "GET /file ", 10))
			respond(c, "200 OK", big, BIG);
		else if (!strncmp(req, "GET /small ", 11))
			respond(c, "200 OK", SMALL_BODY, strlen(SMALL_BODY));
		else if (!strncmp(req, "GET /quit ", 10))
			respond(c, "200 OK", "bye\n", 4), quit = 1;
		else
			respond(c, "404 Not Found", "no such file\n", 13);
		close(c);
		if (quit)
			break;
	}
	return NULL;
}

static int last_request_has(const char *s)
{
	pthread_mutex_lock(&srv_lock);
	int r = strstr(srv_last, s) != NULL;
	pthread_mutex_unlock(&srv_lock);
	return r;
}

/* ---- the cases ---- */

static void wget_cases(void)
{
	char url[128];

	/* -O FILE: 200 KiB of every byte value */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/file", srv_port);
	char *a1[] = { "wget", "-q", "-O", path("wget.out"), url, NULL };
	int st = run(a1, NULL, path("wget.stdout"), path("wget.stderr"));
	size_t n = 0;
	char *got = slurp(path("wget.out"), &n);
	int ok = CHECK(exited(st, 0)) & CHECK(got != NULL) & CHECK_EQ(n, BIG) &
		 CHECK(got && n == BIG && !memcmp(got, big, BIG));
	printf("wget: %d bytes to a file: %s\n", (int)n, ok ? "ok" : "FAILED");
	if (!ok)
		show("stderr", path("wget.stderr"));
	free(got);
	ok = CHECK(last_request_has("GET /file HTTP/1.")) & CHECK(last_request_has("User-Agent: Wget"));
	printf("wget: the request the app saw: %s\n", ok ? "ok" : "FAILED");
	if (!ok)
		printf("  %s\n", srv_last);

	/* -O -: stdout to a pipe */
	int p[2];
	CHECK_OK(pipe(p));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/small", srv_port);
	char *a2[] = { "wget", "-q", "-O", "-", url, NULL };
	pid_t pid = start(a2, NULL, NULL, p[1], path("wget2.stderr"));
	close(p[1]);
	got = read_all(p[0], &n);
	close(p[0]);
	st = reap(pid, CHILD_SECS);
	printf("  -> %s\n", status_text(st));
	ok = CHECK(exited(st, 0)) & CHECK_STREQ(got, SMALL_BODY);
	printf("wget: -O - to a pipe: %s\n", ok ? "ok" : "FAILED");
	if (!ok)
		show("stderr", path("wget2.stderr"));
	free(got);

	/* a 404: exit 1, the status on stderr */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/missing", srv_port);
	char *a3[] = { "wget", "-q", "-O", path("missing.out"), url, NULL };
	st = run(a3, NULL, path("wget3.stdout"), path("wget3.stderr"));
	char *err = slurp(path("wget3.stderr"), NULL);
	ok = CHECK(exited(st, 1)) & CHECK(err && strstr(err, "404"));
	printf("wget: 404: %s\n", ok ? "ok" : "FAILED");
	if (!ok)
		show("stderr", path("wget3.stderr"));
	free(err);

	/* a name from /etc/hosts (glibc's static resolver in busybox) */
	snprintf(url, sizeof(url), "http://localhost:%d/small", srv_port);
	char *a4[] = { "wget", "-q", "-O", path("wget4.out"), url, NULL };
	st = run(a4, NULL, path("wget4.stdout"), path("wget4.stderr"));
	got = slurp(path("wget4.out"), NULL);
	ok = CHECK(exited(st, 0)) & CHECK_STREQ(got, SMALL_BODY);
	printf("wget: localhost (/etc/hosts): %s\n", ok ? "ok" : "FAILED");
	if (!ok)
		show("stderr", path("wget4.stderr"));
	free(got);
}

static void nc_cases(void)
{
	/* nc -l -p PORT: stdin "from-nc\n", stdout to a file; the app connects */
	static char payload[30000];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
	CHECK_OK(put(path("nc.in"), "from-nc\n", 8));
	int port = free_port();
	char ps[16];
	snprintf(ps, sizeof(ps), "%d", port);
	char *a1[] = { "nc", "-l", "-p", ps, NULL };
	pid_t pid = start(a1, path("nc.in"), path("nc.out"), -1, path("nc.stderr"));
	int c = connect_retry(port, 30);
	char *back = NULL;
	size_t n = 0;
	if (CHECK(c >= 0)) {
		CHECK_OK(write_all(c, payload, sizeof(payload)));
		CHECK_OK(shutdown(c, SHUT_WR));
		back = read_all(c, &n);
		close(c);
	}
	int st = reap(pid, CHILD_SECS);
	printf("  -> %s\n", status_text(st));
	char *got = slurp(path("nc.out"), &n);
	int ok = CHECK(exited(st, 0)) & CHECK_STREQ(back, "from-nc\n") &
		 CHECK_EQ(n, sizeof(payload)) &
		 CHECK(got && n == sizeof(payload) && !memcmp(got, payload, n));
	printf("nc: -l -p %d, %d bytes in, its stdin out: %s\n", port, (int)n, ok ? "ok" : "FAILED");
	if (!ok)
		show("stderr", path("nc.stderr"));
	free(got);
	free(back);

	/* nc as a client: a request from a file to the app's server */
	CHECK_OK(put(path("nc2.in"), "GET /small HTTP/1.0\r\n\r\n", 23));
	snprintf(ps, sizeof(ps), "%d", srv_port);
	char *a2[] = { "nc", "127.0.0.1", ps, NULL };
	st = run(a2, path("nc2.in"), path("nc2.out"), path("nc2.stderr"));
	got = slurp(path("nc2.out"), NULL);
	ok = CHECK(exited(st, 0)) & CHECK(got && !strncmp(got, "HTTP/1.1 200 OK\r\n", 17)) &
	     CHECK_STREQ(body_of(got), SMALL_BODY) & CHECK(last_request_has("GET /small HTTP/1.0"));
	printf("nc: client to the app: %s\n", ok ? "ok" : "FAILED");
	if (!ok) {
		show("stdout", path("nc2.out"));
		show("stderr", path("nc2.stderr"));
	}
	free(got);
}

/* nc -l -w 1 that nobody connects to: alarm(1) ends its wait. */
static void nc_timeout_case(void)
{
	int port = free_port();
	char ps[16];
	snprintf(ps, sizeof(ps), "%d", port);
	char *a[] = { "nc", "-l", "-p", ps, "-w", "1", NULL };
	uint64_t t0 = now_ms();
	int st = run(a, NULL, path("ncw.out"), path("ncw.err"));
	uint64_t took = now_ms() - t0;
	char *err = slurp(path("ncw.err"), NULL);
	int ok = CHECK(exited(st, 1)) & CHECK(err && strstr(err, "nc: timed out")) &
		 CHECK(took >= 1000);
	printf("nc: -l -w 1, nobody connects: %s (%d ms)\n", ok ? "ok" : "FAILED", (int)took);
	if (!ok)
		show("stderr", path("ncw.err"));
	free(err);
}

struct getter {
	int port, ok;
};

static void *httpd_getter(void *arg)
{
	struct getter *g = arg;
	size_t n = 0;
	char *r = http_get(g->port, "/big.bin", &n);
	const char *b = body_of(r);
	g->ok = b && strstr(r, " 200 ") && (size_t)(r + n - b) == BIG && !memcmp(b, big, BIG);
	free(r);
	return NULL;
}

static void httpd_cases(void)
{
	const char *index = "<html><body>busybox httpd in ring 3</body></html>\n";
	CHECK_OK(mkdir(path("www"), 0755));
	CHECK_OK(put(path("www/index.html"), index, strlen(index)));
	CHECK_OK(put(path("www/big.bin"), big, BIG));
	int port = free_port();
	char ps[32], home[128];
	snprintf(ps, sizeof(ps), "127.0.0.1:%d", port);
	snprintf(home, sizeof(home), "%s", path("www"));
	char *a[] = { "httpd", "-f", "-p", ps, "-h", home, NULL };
	pid_t pid = start(a, NULL, path("httpd.stdout"), -1, path("httpd.stderr"));
	if (pid <= 0)
		return;

	size_t n = 0;
	char *r = http_get(port, "/index.html", &n);
	int ok = CHECK(r && !strncmp(r, "HTTP/1.", 7) && strstr(r, " 200 OK\r\n")) &
		 CHECK_STREQ(body_of(r), index);
	printf("httpd: GET /index.html: %s\n", ok ? "ok" : "FAILED");
	if (!ok)
		printf("  response: %.300s\n", r ? r : "(none)");
	free(r);

	r = http_get(port, "/big.bin", &n);
	const char *b = body_of(r);
	ok = CHECK(r && strstr(r, " 200 OK\r\n")) & CHECK(b && (size_t)(r + n - b) == BIG) &
	     CHECK(b && (size_t)(r + n - b) == BIG && !memcmp(b, big, BIG));
	printf("httpd: GET /big.bin (%d bytes): %s\n", BIG, ok ? "ok" : "FAILED");
	free(r);

	r = http_get(port, "/nope.html", &n);
	ok = CHECK(r && strstr(r, " 404 "));
	printf("httpd: GET /nope.html: 404: %s\n", ok ? "ok" : "FAILED");
	if (!ok)
		printf("  response: %.300s\n", r ? r : "(none)");
	free(r);

	struct getter g[3];
	pthread_t t[3];
	for (int i = 0; i < 3; i++) {
		g[i] = (struct getter){ port, 0 };
		CHECK_EQ(pthread_create(&t[i], NULL, httpd_getter, &g[i]), 0);
	}
	ok = 1;
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		ok &= CHECK(g[i].ok);
	}
	printf("httpd: three clients at once: %s\n", ok ? "ok" : "FAILED");

	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/big.bin", port);
	char *w[] = { "wget", "-q", "-O", path("w3.out"), url, NULL };
	int st = run(w, NULL, path("w3.stdout"), path("w3.stderr"));
	char *got = slurp(path("w3.out"), &n);
	ok = CHECK(exited(st, 0)) & CHECK(got && n == BIG && !memcmp(got, big, BIG));
	printf("httpd: ring 3 to ring 3 (wget): %s\n", ok ? "ok" : "FAILED");
	if (!ok)
		show("stderr", path("w3.stderr"));
	free(got);

	CHECK_OK(kill(pid, SIGTERM));
	st = reap(pid, CHILD_SECS);
	ok = CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	printf("httpd: SIGTERM: %s (%s)\n", ok ? "ok" : "FAILED", status_text(st));
	if (!ok)
		show("stderr", path("httpd.stderr"));
}

/*
 * ping or ping6 -c COUNT to the loopback: every echo answered. interval
 * (NULL: busybox's 1 s) is -i's argument; the echoes after the first are
 * sent from ping's SIGALRM handler, so they take at least (COUNT - 1) times
 * the interval.
 */
static void ping_case(const char *applet, const char *addr, int count, const char *interval)
{
	char cs[16];
	snprintf(cs, sizeof(cs), "%d", count);
	char *a[10] = { (char *)applet, "-c", cs, "-W", "5" };
	int n = 5;
	if (interval) {
		a[n++] = "-i";
		a[n++] = (char *)interval;
	}
	a[n++] = (char *)addr;
	a[n] = NULL;
	char *out_p = path("ping.out"), *err_p = path("ping.err");
	uint64_t t0 = now_ms();
	int st = run(a, NULL, out_p, err_p);
	uint64_t took = now_ms() - t0;
	char *out = slurp(out_p, NULL), *err = slurp(err_p, NULL);
#ifdef JINY_HOST_BUILD
	/* Linux: busybox 1.35's ping opens only SOCK_RAW, which takes root */
	if (!exited(st, 0) && err && strstr(err, "permission denied")) {
		printf("%s: -c %d %s: not root, not checked\n", applet, count, addr);
		CHECK(exited(st, 1));
		free(out);
		free(err);
		return;
	}
#endif
	char want[80];
	snprintf(want, sizeof(want), "%d packets transmitted, %d packets received", count, count);
	int ok = CHECK(exited(st, 0)) & CHECK(out && strstr(out, want)) & CHECK(err && !*err);
	for (int i = 0; i < count; i++) {
		snprintf(want, sizeof(want), "64 bytes from %s: seq=%d ttl=", addr, i);
		ok &= CHECK(out && strstr(out, want));
	}
	if (interval) {
		uint64_t min_ms = (uint64_t)(count - 1) * (uint64_t)(atof(interval) * 1000);
		ok &= CHECK(took >= min_ms);
		printf("%s: -c %d -i %s %s: %s (%d ms; at least %d)\n", applet, count, interval, addr,
		       ok ? "ok" : "FAILED", (int)took, (int)min_ms);
	} else {
		printf("%s: -c %d %s: %s\n", applet, count, addr, ok ? "ok" : "FAILED");
	}
	show("stdout", out_p);
	if (!ok)
		show("stderr", err_p);
	free(out);
	free(err);
}

/* The app's telnet peer: a banner, waits for "hello", says "bye", closes. */
static void *banner_server(void *arg)
{
	int l = *(int *)arg, c = accept(l, NULL, NULL);
	if (c < 0)
		return NULL;
	char buf[256];
	size_t n = 0;
	ssize_t r;
	if (write_all(c, "banner from the app\r\n", 21) == 0) {
		while (n < sizeof(buf) - 1 && (r = read(c, buf + n, sizeof(buf) - 1 - n)) > 0) {
			n += (size_t)r;
			buf[n] = 0;
			if (strstr(buf, "hello"))
				break;
		}
		buf[n] = 0;
		if (strstr(buf, "hello"))
			write_all(c, "bye\r\n", 5);
	}
	close(c);
	return NULL;
}

static void telnet_case(void)
{
	int port, l = listener(&port);
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, banner_server, &l), 0);
	char cmd[256];
	/* stdin stays open (sleep) so telnet sees the peer close first, as on Linux */
	snprintf(cmd, sizeof(cmd), "(printf 'hello\\r\\n'; sleep 5) | " BUSYBOX " telnet 127.0.0.1 %d",
		 port);
	char *a[] = { "sh", "-c", cmd, NULL };
	int st = run(a, NULL, path("telnet.out"), path("telnet.err"));
	pthread_join(t, NULL);
	close(l);
	char *out = slurp(path("telnet.out"), NULL);
	int ok = CHECK(exited(st, 1)) &
		 CHECK(out && strstr(out, "banner from the app\r\nbye\r\n")) &
		 CHECK(out && strstr(out, "Connection closed by foreign host"));
	printf("telnet: to the app: %s\n", ok ? "ok" : "FAILED");
	if (!ok) {
		show("stdout", path("telnet.out"));
		show("stderr", path("telnet.err"));
	}
	free(out);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (access(BUSYBOX, X_OK) != 0) {
		printf("FAIL %s is missing (the initramfs, or apt-get install busybox-static)\n", BUSYBOX);
		CHECK(0);
		return tst_done();
	}
	if (mkdir("/tmp", 01777) && errno != EEXIST)
		printf("mkdir /tmp: %s\n", strerror(errno));
	strcpy(dir, "/tmp/net-busybox-XXXXXX");
	if (!CHECK(mkdtemp(dir) != NULL))
		return tst_done();
	big = malloc(BIG);
	for (size_t i = 0; i < BIG; i++) /* every byte value, \0 \r \n included */
		big[i] = (unsigned char)(i % 256 ^ i / 256);

	int l = listener(&srv_port);
	pthread_t srv;
	CHECK_EQ(pthread_create(&srv, NULL, http_server, &l), 0);
	printf("app: HTTP server on 127.0.0.1:%d\n", srv_port);

	wget_cases();
	nc_cases();
	httpd_cases();
	ping_case("ping", "127.0.0.1", 1, NULL);
	ping_case("ping6", "::1", 1, NULL);
	ping_case("ping", "127.0.0.1", 3, "0.2");
	nc_timeout_case();
	telnet_case();

	size_t n;
	free(http_get(srv_port, "/quit", &n));
	pthread_join(srv, NULL);
	close(l);
	fs_rm_rf(dir);
	CHECK_ERR(access(dir, F_OK), ENOENT);
	free(big);
	return tst_done();
}
