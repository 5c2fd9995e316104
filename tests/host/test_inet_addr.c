/*
 * test_inet_addr.c - host tests of the inet family's pure logic
 * (net/inet_addr.c): socket addresses checked and converted both ways
 * (lengths and families as Linux checks them, IPv4-mapped addresses on
 * AF_INET6 sockets), address text against the host's inet_pton/inet_ntop
 * (fixed cases, then thousands of random strings and addresses), the ip=
 * kernel option with its error messages, and int-valued socket options.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include "host_shim.h"
#include "net/inet_addr.h"

static struct sockaddr_storage_k sin4(const char *a, uint16_t port)
{
	struct sockaddr_storage_k ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in_k *in = (void *)&ss;
	in->sin_family = AF_INET_K;
	in->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, a, &in->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage_k sin6(const char *a, uint16_t port, uint32_t scope)
{
	struct sockaddr_storage_k ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in6_k *in6 = (void *)&ss;
	in6->sin6_family = AF_INET6_K;
	in6->sin6_port = htons(port);
	in6->sin6_scope_id = scope;
	assert_int_equal(inet_pton(AF_INET6, a, &in6->sin6_addr), 1);
	return ss;
}

static void test_sockaddr_v4(void **state)
{
	struct inet_ep ep;
	struct sockaddr_storage_k ss = sin4("127.0.0.1", 8080), out;
	assert_int_equal(inet_ep_from_sockaddr(AF_INET_K, &ss, 16, false, &ep), 0);
	assert_int_equal(ep.v, 4);
	assert_int_equal(ntohs(ep.port), 8080);
	assert_memory_equal(ep.addr, "\x7f\0\0\1", 4);
	assert_int_equal(inet_ep_to_sockaddr(AF_INET_K, &ep, &out), 16);
	assert_memory_equal(&out, &ss, 16);
	/* Linux: too short is EINVAL, the wrong family EAFNOSUPPORT */
	assert_int_equal(inet_ep_from_sockaddr(AF_INET_K, &ss, 15, false, &ep), -EINVAL);
	assert_int_equal(inet_ep_from_sockaddr(AF_INET_K, NULL, 16, false, &ep), -EINVAL);
	ss.ss_family = AF_INET6_K;
	assert_int_equal(inet_ep_from_sockaddr(AF_INET_K, &ss, 16, false, &ep), -EAFNOSUPPORT);
	ss.ss_family = AF_UNSPEC_K;
	assert_int_equal(inet_ep_from_sockaddr(AF_INET_K, &ss, 16, false, &ep), -EAFNOSUPPORT);
	assert_int_equal(inet_ep_from_sockaddr(AF_INET_K, &ss, 16, true, &ep), 1);
	assert_int_equal(inet_ep_from_sockaddr(AF_UNIX_K, &ss, 16, false, &ep), -EAFNOSUPPORT);
	ss = sin4("0.0.0.0", 0);
	assert_int_equal(inet_ep_from_sockaddr(AF_INET_K, &ss, 16, false, &ep), 0);
	assert_true(inet_ep_is_any(&ep));
}

static void test_sockaddr_v6(void **state)
{
	struct inet_ep ep;
	struct sockaddr_storage_k ss = sin6("fe80::1", 443, 2), out;
	assert_int_equal(inet_ep_from_sockaddr(AF_INET6_K, &ss, 28, false, &ep), 0);
	assert_int_equal(ep.v, 6);
	assert_int_equal(ep.scope_id, 2);
	assert_int_equal(ntohs(ep.port), 443);
	assert_int_equal(inet_ep_to_sockaddr(AF_INET6_K, &ep, &out), 28);
	assert_memory_equal(&out, &ss, 28);
	/* 24 bytes (RFC 2133, no scope id) are enough; 23 are not */
	assert_int_equal(inet_ep_from_sockaddr(AF_INET6_K, &ss, 24, false, &ep), 0);
	assert_int_equal(ep.scope_id, 0);
	assert_int_equal(inet_ep_from_sockaddr(AF_INET6_K, &ss, 23, false, &ep), -EINVAL);
	/* an AF_INET address given to an AF_INET6 socket */
	struct sockaddr_storage_k s4 = sin4("1.2.3.4", 1);
	assert_int_equal(inet_ep_from_sockaddr(AF_INET6_K, &s4, 28, false, &ep), -EAFNOSUPPORT);
	/* IPv4-mapped: an IPv4 endpoint, reported back as mapped */
	ss = sin6("::ffff:10.0.2.15", 80, 0);
	assert_int_equal(inet_ep_from_sockaddr(AF_INET6_K, &ss, 28, false, &ep), 0);
	assert_int_equal(ep.v, 4);
	assert_memory_equal(ep.addr, "\x0a\x00\x02\x0f", 4);
	assert_int_equal(inet_ep_to_sockaddr(AF_INET6_K, &ep, &out), 28);
	assert_memory_equal(&out, &ss, 28);
	/* the same endpoint on an AF_INET socket is a sockaddr_in */
	assert_int_equal(inet_ep_to_sockaddr(AF_INET_K, &ep, &out), 16);
	assert_int_equal(out.ss_family, AF_INET_K);
	ss = sin6("::", 0, 0);
	assert_int_equal(inet_ep_from_sockaddr(AF_INET6_K, &ss, 28, false, &ep), 0);
	assert_true(inet_ep_is_any(&ep));
	ss = sin6("::1", 0, 0);
	assert_int_equal(inet_ep_from_sockaddr(AF_INET6_K, &ss, 28, false, &ep), 0);
	assert_false(inet_ep_is_any(&ep));
}

/* Our parsers and formatter agree with glibc's inet_pton / inet_ntop. */
static void check_text6(const char *s)
{
	uint8_t mine[16], theirs[16];
	int a = inet_parse6(s, strlen(s), mine) == 0;
	int b = inet_pton(AF_INET6, s, theirs) == 1;
	if (a != b)
		fail_msg("\"%s\": inet_parse6 %s, inet_pton %s", s, a ? "accepts" : "rejects",
			 b ? "accepts" : "rejects");
	if (a && memcmp(mine, theirs, 16))
		fail_msg("\"%s\": parsed differently", s);
}

static void check_text4(const char *s)
{
	uint8_t mine[4], theirs[4];
	int a = inet_parse4(s, strlen(s), mine) == 0;
	int b = inet_pton(AF_INET, s, theirs) == 1;
	if (a != b)
		fail_msg("\"%s\": inet_parse4 %s, inet_pton %s", s, a ? "accepts" : "rejects",
			 b ? "accepts" : "rejects");
	if (a && memcmp(mine, theirs, 4))
		fail_msg("\"%s\": parsed differently", s);
}

static void test_text_fixed(void **state)
{
	static const char *v6[] = {
		"::", "::1", "1::", "fe80::1", "2001:db8::8:800:200c:417a", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
		"FFFF::ABCD", "1::2::3", ":1::2", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::",
		"1:", ":", "", "::ffff:1.2.3", "::1.2.3.4:5", "1::2:3:4:5:6:7:8", "0:0:0:0:0:0:0:0",
		"::ffff:256.1.1.1", "g::", "1.2.3.4", "::01.2.3.4",
	};
	static const char *v4[] = {
		"0.0.0.0", "255.255.255.255", "127.0.0.1", "256.0.0.1", "1.2.3", "1.2.3.4.5",
		"01.2.3.4", "1.2.3.04", "1..2.3", "", "1.2.3.4 ", "a.b.c.d", "1.2.3.0",
	};
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		check_text6(v6[i]);
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		check_text4(v4[i]);
}

static void test_text_random(void **state)
{
	static const char alpha[] = "0123456789abcdefABCDEF::::....";
	srand(1234);
	char s[48];
	for (int t = 0; t < 200000; t++) {
		int n = rand() % 40;
		for (int i = 0; i < n; i++)
			s[i] = alpha[rand() % (sizeof(alpha) - 1)];
		s[n] = 0;
		check_text6(s);
		check_text4(s);
	}
	/* formatting: random addresses with runs of zero groups */
	for (int t = 0; t < 100000; t++) {
		struct inet_ep ep = { .v = 6 };
		for (int k = 0; k < 8; k++) {
			uint16_t g = (rand() % 3) ? 0 : (uint16_t)rand();
			ep.addr[2 * k] = (uint8_t)(g >> 8);
			ep.addr[2 * k + 1] = (uint8_t)g;
		}
		char mine[64], theirs[64];
		inet_format(&ep, mine, sizeof(mine));
		assert_non_null(inet_ntop(AF_INET6, ep.addr, theirs, sizeof(theirs)));
		/* glibc writes ::a.b.c.d for IPv4-compatible addresses (deprecated): skip */
		if (!memcmp(ep.addr, "\0\0\0\0\0\0\0\0\0\0\0\0", 12))
			continue;
		if (strcmp(mine, theirs))
			fail_msg("formatted \"%s\", inet_ntop \"%s\"", mine, theirs);
	}
	struct inet_ep ep4 = { .v = 4, .addr = { 10, 0, 2, 15 } };
	char b[64];
	assert_string_equal(inet_format(&ep4, b, sizeof(b)), "10.0.2.15");
	struct inet_ep m = { .v = 6, .addr = { [10] = 0xff, [11] = 0xff, 1, 2, 3, 4 } };
	assert_string_equal(inet_format(&m, b, sizeof(b)), "::ffff:1.2.3.4");
}

static void test_ip_option(void **state)
{
	struct inet_ip_config c;
	char err[160];
	assert_int_equal(inet_parse_ip_option(NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, INET_IP_DEFAULT);
	assert_int_equal(inet_parse_ip_option("dhcp", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, INET_IP_DHCP);
	assert_int_equal(inet_parse_ip_option("none", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, INET_IP_NONE);
	assert_int_equal(inet_parse_ip_option("10.0.2.15/24,10.0.2.2", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, INET_IP_STATIC);
	assert_int_equal(c.addr.v, 4);
	assert_memory_equal(c.addr.addr, "\x0a\x00\x02\x0f", 4);
	assert_int_equal(c.prefix, 24);
	assert_true(c.has_gw);
	assert_memory_equal(c.gw.addr, "\x0a\x00\x02\x02", 4);
	assert_int_equal(inet_parse_ip_option("192.168.1.5/32", &c, err, sizeof(err)), 0);
	assert_false(c.has_gw);
	assert_int_equal(inet_parse_ip_option("fd00::5/64,fd00::1", &c, err, sizeof(err)), 0);
	assert_int_equal(c.addr.v, 6);
	assert_int_equal(c.prefix, 64);
	assert_int_equal(c.gw.addr[15], 1);
	/* errors name what is wrong */
	assert_int_equal(inet_parse_ip_option("10.0.2.15", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "expected ADDR/PREFIX"));
	assert_int_equal(inet_parse_ip_option("10.0.2.315/24", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'10.0.2.315' is not an IPv4 or IPv6 address"));
	assert_int_equal(inet_parse_ip_option("10.0.2.15/33", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "prefix '33'"));
	assert_int_equal(inet_parse_ip_option("10.0.2.15/", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(inet_parse_ip_option("10.0.2.15/2x", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(inet_parse_ip_option("fd00::5/129", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(inet_parse_ip_option("10.0.2.15/24,fd00::1", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "gateway 'fd00::1' is not an IPv4 address"));
}

static void test_opt_int(void **state)
{
	int v = 0, in = 7;
	assert_int_equal(inet_opt_int(&in, sizeof(in), &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(inet_opt_int(&in, 2, &v), -EINVAL);
	assert_int_equal(inet_opt_int(NULL, 4, &v), -EINVAL);
	long long big = 5;
	assert_int_equal(inet_opt_int(&big, sizeof(big), &v), 0); /* Linux reads the int */
	assert_int_equal(v, 5);
	unsigned char out[8] = { 0 };
	uint32_t len = sizeof(out);
	assert_int_equal(inet_opt_put_int(out, &len, 0x01020304), 0);
	assert_int_equal(len, 4);
	len = 2; /* a short buffer gets the first bytes, as on Linux */
	memset(out, 0, sizeof(out));
	assert_int_equal(inet_opt_put_int(out, &len, 0x01020304), 0);
	assert_int_equal(len, 2);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[2], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockaddr_v4),
		cmocka_unit_test(test_sockaddr_v6),
		cmocka_unit_test(test_text_fixed),
		cmocka_unit_test(test_text_random),
		cmocka_unit_test(test_ip_option),
		cmocka_unit_test(test_opt_int),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
