/*
 * bulk-client: the host side of bench/net's bulk TCP transfers, run inside
 * the benchmark's network namespace against bulk-server in a guest.
 *
 *   bulk-client HOST PORT tx|rx BYTES STREAMS TIMEOUT
 *
 * tx: the guest transmits; each of STREAMS connections asks "SEND BYTES" and
 *     reads until EOF.
 * rx: the guest receives; each connection sends "RECV BYTES", then BYTES
 *     bytes, and waits for "OK BYTES".
 * The clock runs from before the first connect to the end of the last
 * stream. Prints one line:
 *   bulk: dir=tx streams=4 bytes=67108864 seconds=0.812 MBps=82.6 ok=1
 * (MB = 10^6 bytes; bytes = the payload moved in all streams). Bounded:
 * a stream that sees no progress for 10 s fails, and after TIMEOUT seconds
 * the line is printed with what was moved so far, ok=0, exit status 3.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

static struct sockaddr_in peer;
static int tx;
static unsigned long long bytes;
static int streams;
static atomic_ullong moved;
static atomic_int failed;
static double t0;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(int ok)
{
	double s = now() - t0;
	unsigned long long m = atomic_load(&moved);
	printf("bulk: dir=%s streams=%d bytes=%llu seconds=%.3f MBps=%.1f ok=%d\n", tx ? "tx" : "rx",
	       streams, m, s, s > 0 ? m / s / 1e6 : 0.0, ok);
	fflush(stdout);
}

static void on_alarm(int sig)
{
	(void)sig;
	report(0);
	_exit(3);
}

static void *stream_main(void *arg)
{
	(void)arg;
	char *buf = malloc(CHUNK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!buf || fd < 0 || connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		if (errno == EINPROGRESS) /* SO_SNDTIMEO ran out */
			fprintf(stderr, "bulk-client: connect: no answer in 10 s\n");
		else
			perror("bulk-client: connect");
		goto fail;
	}
	int n = snprintf(buf, CHUNK, "%s %llu\n", tx ? "SEND" : "RECV", bytes);
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
		perror("bulk-client: send");
		goto fail;
	}
	unsigned long long left = bytes;
	if (tx) {
		for (;;) {
			ssize_t k = recv(fd, buf, CHUNK, 0);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK) /* SO_RCVTIMEO */
					fprintf(stderr, "bulk-client: recv: nothing for 10 s\n");
				else
					perror("bulk-client: recv");
				goto fail;
			}
			if (k == 0)
				break;
			atomic_fetch_add(&moved, (unsigned long long)k);
			left -= (unsigned long long)k < left ? (unsigned long long)k : left;
		}
		if (left) {
			fprintf(stderr, "bulk-client: EOF with %llu bytes missing\n", left);
			goto fail;
		}
	} else {
		memset(buf, 'x', CHUNK);
		while (left) {
			ssize_t k = send(fd, buf, left < CHUNK ? (size_t)left : CHUNK, MSG_NOSIGNAL);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				perror("bulk-client: send");
				goto fail;
			}
			atomic_fetch_add(&moved, (unsigned long long)k);
			left -= (unsigned long long)k;
		}
		char want[48];
		int w = snprintf(want, sizeof(want), "OK %llu\n", bytes), got = 0;
		while (got < w) {
			ssize_t k = recv(fd, buf + got, (size_t)(w - got), 0);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				perror("bulk-client: recv OK");
				goto fail;
			}
			got += (int)k;
		}
		if (memcmp(buf, want, (size_t)w)) {
			fprintf(stderr, "bulk-client: bad answer '%.*s'\n", w, buf);
			goto fail;
		}
	}
	close(fd);
	free(buf);
	return NULL;
fail:
	atomic_store(&failed, 1);
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 7 || (strcmp(argv[3], "tx") && strcmp(argv[3], "rx"))) {
		fprintf(stderr, "usage: bulk-client HOST PORT tx|rx BYTES STREAMS TIMEOUT\n");
		return 2;
	}
	peer.sin_family = AF_INET;
	peer.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &peer.sin_addr) != 1) {
		fprintf(stderr, "bulk-client: not an IPv4 address: %s\n", argv[1]);
		return 2;
	}
	tx = !strcmp(argv[3], "tx");
	bytes = strtoull(argv[4], NULL, 10);
	streams = atoi(argv[5]);
	if (streams < 1 || streams > 64 || !bytes) {
		fprintf(stderr, "bulk-client: STREAMS 1..64, BYTES > 0\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)atoi(argv[6]));
	pthread_t t[64];
	t0 = now();
	for (int i = 0; i < streams; i++)
		pthread_create(&t[i], NULL, stream_main, NULL);
	for (int i = 0; i < streams; i++)
		pthread_join(t[i], NULL);
	alarm(0);
	int ok = !atomic_load(&failed);
	report(ok);
	return ok ? 0 : 1;
}
