/*
 * inet_addr.h - the pure logic under the inet socket family (net/inet.c)
 * and the network start-up (net/net.c), kept free of lwIP and of kernel
 * state so that tests/host/test_inet_addr.c checks it on the host:
 *
 *   - socket addresses: a caller's sockaddr_in / sockaddr_in6 checked and
 *     turned into a neutral endpoint (IPv4-mapped IPv6 addresses become
 *     IPv4 ones, as lwIP wants them), and endpoints turned back into the
 *     sockaddr a socket of a given family reports (an IPv4 peer of an
 *     AF_INET6 socket is ::ffff:a.b.c.d, as on Linux);
 *   - address text: dotted quads and RFC 4291 IPv6 text, both ways;
 *   - the kernel option ip=ADDR/PREFIX[,GATEWAY] | dhcp | none;
 *   - setsockopt values: Linux's rules for int-valued options.
 *
 * inet.c converts endpoints to lwIP's ip_addr_t (a byte copy).
 */
#ifndef JINY_NET_INET_ADDR_H
#define JINY_NET_INET_ADDR_H

#include "kern/kern.h"
#include "abi/linux.h"

/* An IP address and port, in network byte order, neutral between stacks. */
struct inet_ep {
	uint8_t v;          /* 4 or 6 */
	uint8_t addr[16];   /* v4: the first 4 bytes */
	uint16_t port;      /* network order */
	uint32_t scope_id;  /* v6 link-local: the interface index */
	uint32_t flowinfo;  /* v6, kept for getsockname */
};

/* Sizes Linux requires of the address given to bind/connect/sendto. */
#define INET_SIN_LEN 16u
#define INET_SIN6_LEN 24u   /* RFC 2133's sockaddr_in6 without sin6_scope_id */

/*
 * The address a socket of family sock_family (AF_INET_K, AF_INET6_K) was
 * given: 0 and *ep, or -EINVAL (too short, or NULL), -EAFNOSUPPORT (the
 * wrong family). AF_UNSPEC_K is accepted only when unspec_ok (connect's
 * "dissolve the association": returns 1, *ep untouched). An IPv4-mapped
 * address given to an AF_INET6 socket comes back as v == 4.
 */
int inet_ep_from_sockaddr(int sock_family, const struct sockaddr_storage_k *sa, uint32_t len,
			  bool unspec_ok, struct inet_ep *ep);
/* The sockaddr a socket of sock_family reports for ep; its length. */
uint32_t inet_ep_to_sockaddr(int sock_family, const struct inet_ep *ep,
			     struct sockaddr_storage_k *sa);
/* An endpoint that is the wildcard ("0.0.0.0" / "::"). */
bool inet_ep_is_any(const struct inet_ep *ep);

/* Text: 0 and the address, or -EINVAL. inet_parse6 takes "::1", "fe80::1",
 * "::ffff:1.2.3.4" (no zone suffix). */
int inet_parse4(const char *s, size_t len, uint8_t out[4]);
int inet_parse6(const char *s, size_t len, uint8_t out[16]);
/* Format into buf (at least 46 bytes): RFC 5952 for IPv6 (the longest run
 * of zero groups, two or more, becomes ::). Returns buf. */
char *inet_format(const struct inet_ep *ep, char *buf, size_t n);

/* The kernel option ip= (net.c). */
enum inet_ip_mode { INET_IP_DEFAULT, INET_IP_DHCP, INET_IP_STATIC, INET_IP_NONE };
struct inet_ip_config {
	enum inet_ip_mode mode;
	struct inet_ep addr;   /* STATIC: the address (v 4 or 6) */
	int prefix;            /* STATIC: prefix length */
	bool has_gw;
	struct inet_ep gw;     /* STATIC: same version as addr */
};
/* NULL or "" -> DEFAULT. 0, or -EINVAL with err saying what is wrong. */
int inet_parse_ip_option(const char *s, struct inet_ip_config *c, char *err, size_t errsz);

/* An int-valued option (val, len as given to setsockopt): Linux takes
 * len >= sizeof(int) and reads an int; 0 or -EINVAL. */
int inet_opt_int(const void *val, uint32_t len, int *out);
/* Store v for getsockopt in val (room *len): the int, *len set; 0 or -EINVAL. */
int inet_opt_put_int(void *val, uint32_t *len, int v);

#endif
