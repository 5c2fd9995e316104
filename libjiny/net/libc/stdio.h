/*
 * stdio.h - lwIP's sanity checks format messages with snprintf (mem.c,
 * MEM_OVERFLOW_CHECK): the kernel's ksnprintf. See string.h here.
 */
#ifndef JINY_NET_LIBC_STDIO_H
#define JINY_NET_LIBC_STDIO_H

#include "kern/kern.h"

#define snprintf ksnprintf

#endif
