/*
 * nic-app: the guest side of the NIC tests (tests/net/nic.sh drives it,
 * nic-client.py talks to it from the host). An ordinary SDK app: BSD
 * sockets, a thread per connection, a UDP echo thread.
 *
 * TCP, port 7 (or argv[1]); each connection sends one command line:
 *   ECHO            echo every byte back until EOF
 *   SINK N          read N bytes, answer "OK N CRC32HEX"
 *   HOLD N MS       sleep MS milliseconds before reading (the data piles up
 *                   in the stack: receive buffers stay lent out), then as SINK
 *   SOURCE N SEED   send N bytes of the pattern (nic_pattern below), close
 *   STATS           send /proc/netdev and /proc/virtio, close
 *   MEMINFO         send /proc/meminfo, close
 *   FETCH ADDR PORT connect to ADDR:PORT (the host), read until EOF, answer
 *                   "OK N CRC32HEX" (the app as a client)
 *   QUIT            answer "BYE", exit 0
 * UDP, same port: every datagram is sent back to its sender. Both listen
 * on IPv6 and IPv4 (one dual-stack socket each).
 *
 * Built for the Linux host too (tests/net/CMakeLists.txt: host.net-nic),
 * so the client and the protocol are checked against Linux's stack.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PERIOD 65521 /* the pattern's period: prime, so no segment size divides it */

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void reply(int fd, const char *fmt, unsigned long long a, unsigned b)
{
	char line[96];
	int n = snprintf(line, sizeof(line), fmt, a, b);
	write_all(fd, line, (size_t)n);
}

/* Read the command line byte by byte (what follows it is data). */
static int read_line(int fd, char *buf, size_t n)
{
	size_t o = 0;
	while (o + 1 < n) {
		char c;
		ssize_t k = read(fd, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		if (c == '\n') {
			buf[o] = 0;
			return 0;
		}
		buf[o++] = c;
	}
	return -1;
}

static void sink(int fd, unsigned long long n)
{
	uint8_t buf[32768];
	unsigned long long got = 0;
	uint32_t crc = 0;
	while (got < n) {
		size_t want = n - got < sizeof(buf) ? (size_t)(n - got) : sizeof(buf);
		ssize_t k = read(fd, buf, want);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			fprintf(stderr, "nic-app: SINK %llu: %s after %llu bytes\n", n,
				k ? strerror(errno) : "EOF", got);
			return;
		}
		crc = crc32_update(crc, buf, (size_t)k);
		got += (unsigned long long)k;
	}
	reply(fd, "OK %llu %08x\n", got, crc);
}

static void source(int fd, unsigned long long n, unsigned seed)
{
	uint8_t *pat = malloc(PERIOD + 65536);
	if (!pat)
		return;
	/* As nic-client.py's pattern(seed), and one more 64 KiB of it: any
	 * 64 KiB window is contiguous. */
	for (uint32_t j = 0; j < PERIOD + 65536; j++) {
		uint64_t i = j % PERIOD;
		pat[j] = (uint8_t)((i * i + (uint64_t)seed * i) >> 3);
	}
	unsigned long long off = 0;
	while (off < n) {
		size_t at = (size_t)(off % PERIOD);
		size_t k = n - off < 65536 ? (size_t)(n - off) : 65536;
		if (write_all(fd, pat + at, k) < 0) {
			fprintf(stderr, "nic-app: SOURCE %llu: %s after %llu bytes\n", n,
				strerror(errno), off);
			break;
		}
		off += k;
	}
	free(pat);
}

static void fetch(int fd, const char *addr, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char line[160];
	int s = -1;
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		snprintf(line, sizeof(line), "ERR bad address %s\n", addr);
	} else if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		   connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		snprintf(line, sizeof(line), "ERR connect %s:%u: %s\n", addr, port, strerror(errno));
	} else {
		uint8_t buf[32768];
		unsigned long long got = 0;
		uint32_t crc = 0;
		ssize_t k;
		while ((k = read(s, buf, sizeof(buf))) > 0 || (k < 0 && errno == EINTR))
			if (k > 0) {
				crc = crc32_update(crc, buf, (size_t)k);
				got += (unsigned long long)k;
			}
		if (k < 0)
			snprintf(line, sizeof(line), "ERR read: %s after %llu\n", strerror(errno), got);
		else
			snprintf(line, sizeof(line), "OK %llu %08x\n", got, crc);
	}
	if (s >= 0)
		close(s);
	write_all(fd, line, strlen(line));
}

static void send_file(int fd, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		char m[128];
		snprintf(m, sizeof(m), "no %s\n", path);
		write_all(fd, m, strlen(m));
		return;
	}
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		write_all(fd, buf, n);
	fclose(f);
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char cmd[128], addr[64];
	unsigned long long n = 0;
	unsigned a = 0;
	if (read_line(fd, cmd, sizeof(cmd)) < 0) {
		close(fd);
		return NULL;
	}
	if (!strcmp(cmd, "ECHO")) {
		char buf[32768];
		ssize_t k;
		while ((k = read(fd, buf, sizeof(buf))) > 0 || (k < 0 && errno == EINTR))
			if (k > 0 && write_all(fd, buf, (size_t)k) < 0)
				break;
	} else if (sscanf(cmd, "SINK %llu", &n) == 1) {
		sink(fd, n);
	} else if (sscanf(cmd, "HOLD %llu %u", &n, &a) == 2) {
		struct timespec ts = { a / 1000, (long)(a % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		sink(fd, n);
	} else if (sscanf(cmd, "SOURCE %llu %u", &n, &a) == 2) {
		source(fd, n, a);
	} else if (!strcmp(cmd, "STATS")) {
		send_file(fd, "/proc/netdev");
		if (access("/proc/virtio", F_OK) == 0) /* Jiny's: queues, kicks, rescues */
			send_file(fd, "/proc/virtio");
	} else if (sscanf(cmd, "FETCH %63s %u", addr, &a) == 2) {
		fetch(fd, addr, a);
	} else if (!strcmp(cmd, "MEMINFO")) {
		send_file(fd, "/proc/meminfo");
	} else if (!strcmp(cmd, "QUIT")) {
		write_all(fd, "BYE\n", 4);
		close(fd);
		printf("nic-app: QUIT\n");
		fflush(stdout);
		exit(0);
	} else {
		fprintf(stderr, "nic-app: unknown command '%s'\n", cmd);
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	return NULL;
}

static int port = 7;

static void *udp_main(void *arg)
{
	int s = socket(AF_INET6, SOCK_DGRAM, 0), zero = 0;
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("nic-app: udp socket/bind");
		exit(1);
	}
	static char buf[65536];
	for (;;) {
		struct sockaddr_in6 from;
		socklen_t fl = sizeof(from);
		ssize_t k = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			perror("nic-app: recvfrom");
			exit(1);
		}
		if (sendto(s, buf, (size_t)k, 0, (struct sockaddr *)&from, fl) != k)
			perror("nic-app: sendto");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		port = atoi(argv[1]);
	crc_init();
	/* One dual-stack listener: IPv4 peers come as ::ffff:a.b.c.d. */
	int ls = socket(AF_INET6, SOCK_STREAM, 0);
	int one = 1, zero = 0;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 128) < 0) {
		perror("nic-app: tcp socket/bind/listen");
		return 1;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, udp_main, NULL)) {
		fprintf(stderr, "nic-app: no UDP thread\n");
		return 1;
	}
	printf("nic-app: listening on port %d (tcp and udp, IPv6 and IPv4)\n", port);
	fflush(stdout);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("nic-app: accept");
			return 1;
		}
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 256 * 1024);
		if (pthread_create(&t, &at, conn_main, (void *)(intptr_t)fd)) {
			fprintf(stderr, "nic-app: no thread for a connection\n");
			close(fd);
		}
		pthread_attr_destroy(&at);
	}
}
