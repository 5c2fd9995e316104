/*
 * inet_addr.c - socket addresses, address text, the ip= kernel option and
 * int-valued socket options: the pure logic of the inet family, free of
 * lwIP and kernel state (inet_addr.h says who uses what; tested on the
 * host by tests/host/test_inet_addr.c).
 */
#include "net/inet_addr.h"
#include "kern/errno.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int inet_ep_from_sockaddr(int sock_family, const struct sockaddr_storage_k *sa, uint32_t len,
			  bool unspec_ok, struct inet_ep *ep)
{
	if (!sa || len < sizeof(uint16_t))
		return -EINVAL;
	if (sa->ss_family == AF_UNSPEC_K && unspec_ok)
		return 1;
	memset(ep, 0, sizeof(*ep));
	if (sock_family == AF_INET_K) {
		if (len < INET_SIN_LEN)
			return -EINVAL;
		if (sa->ss_family != AF_INET_K)
			return -EAFNOSUPPORT;
		const struct sockaddr_in_k *in = (const void *)sa;
		ep->v = 4;
		memcpy(ep->addr, &in->sin_addr.s_addr, 4);
		ep->port = in->sin_port;
		return 0;
	}
	if (sock_family != AF_INET6_K)
		return -EAFNOSUPPORT;
	if (len < INET_SIN6_LEN)
		return -EINVAL;
	if (sa->ss_family != AF_INET6_K)
		return -EAFNOSUPPORT;
	const struct sockaddr_in6_k *in6 = (const void *)sa;
	ep->port = in6->sin6_port;
	if (!memcmp(in6->sin6_addr.in6_u.u6_addr8, v4mapped_prefix, 12)) {
		ep->v = 4;
		memcpy(ep->addr, in6->sin6_addr.in6_u.u6_addr8 + 12, 4);
		return 0;
	}
	ep->v = 6;
	memcpy(ep->addr, in6->sin6_addr.in6_u.u6_addr8, 16);
	ep->flowinfo = in6->sin6_flowinfo;
	if (len >= sizeof(struct sockaddr_in6_k))
		ep->scope_id = in6->sin6_scope_id;
	return 0;
}

uint32_t inet_ep_to_sockaddr(int sock_family, const struct inet_ep *ep,
			     struct sockaddr_storage_k *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (sock_family == AF_INET_K) {
		struct sockaddr_in_k *in = (void *)sa;
		in->sin_family = AF_INET_K;
		in->sin_port = ep->port;
		if (ep->v == 4)
			memcpy(&in->sin_addr.s_addr, ep->addr, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6_k *in6 = (void *)sa;
	in6->sin6_family = AF_INET6_K;
	in6->sin6_port = ep->port;
	if (ep->v == 4) {
		memcpy(in6->sin6_addr.in6_u.u6_addr8, v4mapped_prefix, 12);
		memcpy(in6->sin6_addr.in6_u.u6_addr8 + 12, ep->addr, 4);
	} else {
		memcpy(in6->sin6_addr.in6_u.u6_addr8, ep->addr, 16);
		in6->sin6_scope_id = ep->scope_id;
		in6->sin6_flowinfo = ep->flowinfo;
	}
	return sizeof(*in6);
}

bool inet_ep_is_any(const struct inet_ep *ep)
{
	size_t n = ep->v == 4 ? 4 : 16;
	for (size_t i = 0; i < n; i++)
		if (ep->addr[i])
			return false;
	return true;
}

/* ---- address text ---- */

int inet_parse4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part && (i >= len || s[i++] != '.'))
			return -EINVAL;
		unsigned v = 0, digits = 0;
		bool lead0 = i < len && s[i] == '0';
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		/* No leading zeros ("010" is octal to some parsers), as inet_pton. */
		if (!digits || digits > 3 || v > 255 || (lead0 && digits > 1))
			return -EINVAL;
		out[part] = (uint8_t)v;
	}
	return i == len ? 0 : -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int inet_parse6(const char *s, size_t len, uint8_t out[16])
{
	uint16_t g[8];
	int n = 0, gap = -1; /* groups seen; where "::" stood */
	size_t i = 0;
	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len && s[0] == ':') {
		return -EINVAL;
	}
	while (i < len) {
		/* An embedded IPv4 address ends the text (and takes two groups). */
		size_t j = i;
		while (j < len && s[j] != ':' && s[j] != '.')
			j++;
		if (j < len && s[j] == '.') {
			uint8_t v4[4];
			if (n > 6 || inet_parse4(s + i, len - i, v4) < 0)
				return -EINVAL;
			g[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = len;
			break;
		}
		unsigned v = 0, digits = 0;
		int h;
		while (i < len && (h = hexval(s[i])) >= 0) {
			if (++digits > 4)
				return -EINVAL;
			v = v << 4 | (unsigned)h;
			i++;
		}
		if (!digits || n == 8)
			return -EINVAL;
		g[n++] = (uint16_t)v;
		if (i == len)
			break;
		if (s[i] != ':')
			return -EINVAL;
		i++;
		if (i < len && s[i] == ':') {
			if (gap >= 0)
				return -EINVAL; /* a second "::" */
			gap = n;
			i++;
		} else if (i == len) {
			return -EINVAL; /* ends in a single ':' */
		}
	}
	if (gap < 0 ? n != 8 : n > 7)
		return -EINVAL;
	uint16_t full[8] = { 0 };
	if (gap < 0) {
		memcpy(full, g, sizeof(full));
	} else {
		for (int k = 0; k < gap; k++)
			full[k] = g[k];
		for (int k = gap; k < n; k++)
			full[8 - (n - k)] = g[k];
	}
	for (int k = 0; k < 8; k++) {
		out[2 * k] = (uint8_t)(full[k] >> 8);
		out[2 * k + 1] = (uint8_t)full[k];
	}
	return 0;
}

char *inet_format(const struct inet_ep *ep, char *buf, size_t n)
{
	if (ep->v == 4) {
		ksnprintf(buf, n, "%u.%u.%u.%u", ep->addr[0], ep->addr[1], ep->addr[2], ep->addr[3]);
		return buf;
	}
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (!memcmp(ep->addr, mapped, 12)) { /* ::ffff:a.b.c.d, as inet_ntop writes it */
		ksnprintf(buf, n, "::ffff:%u.%u.%u.%u", ep->addr[12], ep->addr[13], ep->addr[14],
			  ep->addr[15]);
		return buf;
	}
	uint16_t g[8];
	for (int k = 0; k < 8; k++)
		g[k] = (uint16_t)(ep->addr[2 * k] << 8 | ep->addr[2 * k + 1]);
	int best = -1, best_len = 1; /* RFC 5952: runs of two or more zero groups */
	for (int k = 0; k < 8;) {
		if (g[k]) {
			k++;
			continue;
		}
		int e = k;
		while (e < 8 && !g[e])
			e++;
		if (e - k > best_len) {
			best = k;
			best_len = e - k;
		}
		k = e;
	}
	size_t o = 0;
	buf[0] = 0;
	for (int k = 0; k < 8; k++) {
		if (k == best) {
			o += (size_t)ksnprintf(buf + o, n - o, "::");
			k += best_len - 1;
			if (o >= n)
				break;
			continue;
		}
		bool colon = k && k != best + best_len;
		o += (size_t)ksnprintf(buf + o, n - o, "%s%x", colon ? ":" : "", g[k]);
		if (o >= n)
			break;
	}
	return buf;
}

/* ---- ip=ADDR/PREFIX[,GATEWAY] | dhcp | none ---- */

static int parse_addr(const char *s, size_t len, struct inet_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	for (size_t i = 0; i < len; i++)
		if (s[i] == ':') {
			ep->v = 6;
			return inet_parse6(s, len, ep->addr);
		}
	ep->v = 4;
	return inet_parse4(s, len, ep->addr);
}

int inet_parse_ip_option(const char *s, struct inet_ip_config *c, char *err, size_t errsz)
{
	memset(c, 0, sizeof(*c));
	if (errsz)
		err[0] = 0;
	if (!s || !*s) {
		c->mode = INET_IP_DEFAULT;
		return 0;
	}
	if (!strcmp(s, "dhcp")) {
		c->mode = INET_IP_DHCP;
		return 0;
	}
	if (!strcmp(s, "none") || !strcmp(s, "off")) {
		c->mode = INET_IP_NONE;
		return 0;
	}
	const char *slash = strchr(s, '/');
	if (!slash) {
		ksnprintf(err, errsz, "ip=%s: expected ADDR/PREFIX[,GATEWAY], dhcp or none", s);
		return -EINVAL;
	}
	if (parse_addr(s, (size_t)(slash - s), &c->addr) < 0) {
		ksnprintf(err, errsz, "ip=%s: '%.*s' is not an IPv4 or IPv6 address", s,
			  (int)(slash - s), s);
		return -EINVAL;
	}
	const char *p = slash + 1, *comma = strchr(p, ',');
	size_t plen = comma ? (size_t)(comma - p) : strlen(p);
	int prefix = 0;
	size_t i = 0;
	for (; i < plen && p[i] >= '0' && p[i] <= '9' && i < 3; i++)
		prefix = prefix * 10 + (p[i] - '0');
	int maxp = c->addr.v == 4 ? 32 : 128;
	if (!plen || i != plen || prefix > maxp) {
		ksnprintf(err, errsz, "ip=%s: prefix '%.*s' is not a number from 0 to %d", s,
			  (int)plen, p, maxp);
		return -EINVAL;
	}
	c->prefix = prefix;
	if (comma) {
		const char *g = comma + 1;
		if (parse_addr(g, strlen(g), &c->gw) < 0 || c->gw.v != c->addr.v) {
			ksnprintf(err, errsz, "ip=%s: gateway '%s' is not an IPv%d address", s, g,
				  c->addr.v);
			return -EINVAL;
		}
		c->has_gw = true;
	}
	c->mode = INET_IP_STATIC;
	return 0;
}

/* ---- option values ---- */

int inet_opt_int(const void *val, uint32_t len, int *out)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

int inet_opt_put_int(void *val, uint32_t *len, int v)
{
	uint32_t n = MIN(*len, (uint32_t)sizeof(int));
	memcpy(val, &v, n);
	*len = n;
	return 0;
}
