/*
 * stdlib.h - what lwIP takes from <stdlib.h> (netif.c: atoi for interface
 * names like "en1"), for the kernel's freestanding build. See string.h here.
 */
#ifndef JINY_NET_LIBC_STDLIB_H
#define JINY_NET_LIBC_STDLIB_H

#include "kern/kern.h"

static inline int lwip_port_atoi(const char *s)
{
	int v = 0, neg = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}
#define atoi lwip_port_atoi

#endif
