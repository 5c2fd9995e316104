/*
 * arch/cc.h - lwIP's compiler and platform glue for Jiny (lwIP includes it
 * first, through lwip/arch.h). lwIP is compiled into libjiny.a with the
 * kernel's freestanding flags (third_party/lwip/lwip.cmake): no libc, so
 * the formats, ctype and byte-order helpers are defined here, <string.h>
 * and <stdlib.h> come from net/libc/, diagnostics go to printk and a failed
 * assertion is a kernel panic that names lwIP's file and line.
 *
 * The rest of the port: lwipopts.h (the configuration), arch/sys_arch.h and
 * sys_arch.c (time, randomness, protection, the core lock), net.c (start-up,
 * the lwIP thread, netifs), inet.c (the socket family).
 */
#ifndef JINY_LWIP_ARCH_CC_H
#define JINY_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>
#include "kern/kern.h"      /* printk, panic, memcpy, ssize_t */
#include "arch/sys_arch.h"  /* sys_prot_t (lwIP includes it itself only with NO_SYS=0) */

/* No <unistd.h>, <inttypes.h>, <limits.h> or <ctype.h> in the kernel. */
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H 1
#define LWIP_NO_CTYPE_H 1
#ifndef SSIZE_MAX
#define SSIZE_MAX INT64_MAX /* kern.h's ssize_t is int64_t */
#endif
#ifndef INT_MAX
#define INT_MAX 0x7fffffff
#endif

/* printk formats of lwIP's types. */
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define BYTE_ORDER LITTLE_ENDIAN

/* The compiler's byte swaps, instead of lwIP's C versions (def.c). */
#define lwip_htons(x) ((uint16_t)__builtin_bswap16((uint16_t)(x)))
#define lwip_ntohs(x) lwip_htons(x)
#define lwip_htonl(x) ((uint32_t)__builtin_bswap32((uint32_t)(x)))
#define lwip_ntohl(x) lwip_htonl(x)

#define LWIP_PLATFORM_DIAG(x)                                                 \
	do {                                                                  \
		printk x;                                                     \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x)                                               \
	panic("lwIP: assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)

#define PACK_STRUCT_STRUCT __attribute__((packed))
#define LWIP_UNUSED_ARG(x) (void)(x)

#endif
