/*
 * bulk-server: the guest side of bench/net's bulk TCP transfers. One source
 * for both guests: built with the SDK (`pkg-config --libs jiny`) as the HP
 * app and with `gcc -static -pthread` for the Linux guest.
 *
 *   bulk-server [PORT]      (default 5001)
 *
 * Each connection sends one command line, then:
 *   SEND N   the server sends N bytes (a fixed 64 KiB pattern, repeated)
 *            and closes
 *   RECV N   the server reads N bytes, answers "OK N\n" and closes
 *   QUIT     the server answers "BYE\n" and exits with status 0
 * A thread per connection, blocking sockets, 64 KiB per send/recv call:
 * what a plain server does, nothing tuned for either stack.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK 65536

static char pattern[CHUNK];

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The command line, at most 63 bytes up to '\n', read byte by byte so that
   nothing after it is consumed. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	while (n + 1 < len) {
		ssize_t k = recv(fd, buf + n, 1, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = 0;
			return 0;
		}
		n++;
	}
	return -1;
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char line[64];
	unsigned long long n;
	if (read_line(fd, line, sizeof(line)) < 0)
		goto out;
	if (sscanf(line, "SEND %llu", &n) == 1) {
		while (n) {
			size_t k = n < CHUNK ? (size_t)n : CHUNK;
			if (send_all(fd, pattern, k) < 0) {
				perror("bulk-server: send");
				goto out;
			}
			n -= k;
		}
	} else if (sscanf(line, "RECV %llu", &n) == 1) {
		char *buf = malloc(CHUNK);
		unsigned long long want = n;
		if (!buf)
			goto out;
		while (n) {
			ssize_t k = recv(fd, buf, n < CHUNK ? (size_t)n : CHUNK, 0);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				fprintf(stderr, "bulk-server: RECV %llu: %s after %llu bytes\n", want,
					k ? strerror(errno) : "EOF", want - n);
				free(buf);
				goto out;
			}
			n -= (unsigned long long)k;
		}
		free(buf);
		char ok[48];
		int m = snprintf(ok, sizeof(ok), "OK %llu\n", want);
		send_all(fd, ok, (size_t)m);
	} else if (strcmp(line, "QUIT") == 0) {
		send_all(fd, "BYE\n", 4);
		close(fd);
		printf("bulk-server: quit\n");
		fflush(stdout);
		exit(0);
	} else {
		fprintf(stderr, "bulk-server: bad command '%s'\n", line);
	}
out:
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 5001, one = 1;
	for (size_t i = 0; i < CHUNK; i++)
		pattern[i] = (char)('a' + i % 26);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0) {
		perror("bulk-server: listen");
		return 1;
	}
	printf("bulk-server: listening on port %d\n", port);
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("bulk-server: accept");
			return 1;
		}
		pthread_t t;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 256 * 1024);
		if (pthread_create(&t, &at, conn_main, (void *)(intptr_t)fd)) {
			fprintf(stderr, "bulk-server: pthread_create failed\n");
			close(fd);
		}
		pthread_attr_destroy(&at);
	}
}
