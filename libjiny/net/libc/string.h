/*
 * string.h - what lwIP's sources (compiled into libjiny.a, third_party/lwip)
 * take from <string.h>, mapped onto the kernel's own string functions
 * (kern/string.c). The kernel is built with -nostdinc and never sees a
 * libc header; this directory is on the include path only so that lwIP's
 * `#include <string.h>` and `<stdlib.h>` find something.
 */
#ifndef JINY_NET_LIBC_STRING_H
#define JINY_NET_LIBC_STRING_H

#include "kern/kern.h"

static inline char *lwip_port_strncpy(char *d, const char *s, size_t n)
{
	size_t i = 0;
	for (; i < n && s[i]; i++)
		d[i] = s[i];
	for (; i < n; i++)
		d[i] = 0;
	return d;
}
#define strncpy lwip_port_strncpy

#endif
