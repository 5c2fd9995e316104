/*
 * tst-net-inet: the AF_INET/AF_INET6 socket family (net/inet.c) over lwIP's
 * loopback, 127.0.0.1 and ::1. socket() itself belongs to net/socket.c,
 * written beside the family, so this test drives the family's operations
 * through the kernel's test hook (net/inet_test.c), which creates socket
 * objects as socket.c will and waits on their poll wait queue the way
 * socket.c will (a missing wake-up fails a wait instead of hiding in a
 * retry loop): TCP connect/accept/send/recv with iovecs, MSG_PEEK,
 * FIONREAD, half-close, RST on SO_LINGER 0 and on close with unread data,
 * ECONNREFUSED, EADDRINUSE, EADDRNOTAVAIL, ENOTCONN, EPIPE, options,
 * the listen backlog (backlog + 1 queued, the next SYN waits), UDP
 * datagrams with truncation and sources, dual-stack and IPV6_V6ONLY,
 * 1500 connections with TIME_WAIT capped.
 *
 * /etc/hosts and /etc/resolv.conf (from the kernel option dns=) are
 * checked first. Then the loopback throughput: 8 MiB through one TCP connection, every
 * byte checked, over 127.0.0.1 and ::1; then 64 MiB on each (one thread
 * sends until the window is full, then receives), printed in MB/s, not
 * checked against a bound (a busy host moves it). Run on one CPU and on
 * two (the net thread then runs beside the test's thread).
 */
// EXPECT: ^tst: tst-net-inet: [0-9]+ checks, 0 failures$
// EXPECT: ^inet loopback TCP: 64 MiB in [0-9.]+ s, [0-9.]+ MB/s$
// EXPECT-NOT: ^FAIL
// TIMEOUT: 600
// VARIANT: smp1 --smp 1
// VARIANT: smp2 --smp 2
// KOPT: dns=10.0.2.3,fd00::3
#include "tst.h"
#include <stdint.h>
#include <stdlib.h>

/* The whole of a small file, or NULL. */
static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

int __jiny_inet_selftest(int *checks);
int __jiny_inet_bench(int family, uint64_t bytes, uint64_t *ns, int verify);

int main(void)
{
	/* written at boot by net/net.c, from dns= */
	char *t = slurp("/etc/hosts");
	CHECK(t && strstr(t, "127.0.0.1\tlocalhost\n") && strstr(t, "::1\tlocalhost"));
	t = slurp("/etc/resolv.conf");
	CHECK(t && strstr(t, "nameserver 10.0.2.3\n") && strstr(t, "nameserver fd00::3\n"));
	if (t)
		printf("/etc/resolv.conf:\n%s", t);

	int checks = 0;
	int fails = __jiny_inet_selftest(&checks);
	printf("inet selftest: %d checks, %d failures\n", checks, fails);
	CHECK(checks > 100);
	CHECK_EQ(fails, 0);

	/* every byte checked on a shorter stream, each way of addressing */
	uint64_t bytes = 64ULL << 20, ns = 0;
	CHECK_EQ(__jiny_inet_bench(2 /* AF_INET */, 8ULL << 20, &ns, 1), 0);
	CHECK_EQ(__jiny_inet_bench(10 /* AF_INET6 */, 8ULL << 20, &ns, 1), 0);
	ns = 0;
	CHECK_EQ(__jiny_inet_bench(2 /* AF_INET */, bytes, &ns, 0), 0);
	if (ns)
		printf("inet loopback TCP: 64 MiB in %.2f s, %.1f MB/s\n", ns / 1e9,
		       bytes / 1e6 / (ns / 1e9));
	ns = 0;
	CHECK_EQ(__jiny_inet_bench(10 /* AF_INET6 */, bytes, &ns, 0), 0);
	if (ns)
		printf("inet loopback TCP over ::1: 64 MiB in %.2f s, %.1f MB/s\n", ns / 1e9,
		       bytes / 1e6 / (ns / 1e9));
	return tst_done();
}
