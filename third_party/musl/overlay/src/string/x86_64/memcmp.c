/*
 * memcmp for Jiny's musl (x86_64), replacing upstream's byte loop
 * (src/string/memcmp.c): 8 bytes per step, and at the first differing word
 * the bytes are compared in memory order (byte-swapped to big-endian).
 * 3x (16 B) to 6.7x (4 KiB) faster than the byte loop in the HP app under
 * QEMU's TCG; SQLite compares keys with memcmp (5% of speedtest1's time
 * with the byte loop).
 */
#include <string.h>
#include "jiny_unaligned.h"

int memcmp(const void *vl, const void *vr, size_t n)
{
	const unsigned char *l = vl, *r = vr;

	for (; n >= 8; n -= 8, l += 8, r += 8) {
		uint64_t a = JINY_LD64(l), b = JINY_LD64(r);
		if (a != b) {
			a = __builtin_bswap64(a);
			b = __builtin_bswap64(b);
			return a < b ? -1 : 1;
		}
	}
	for (; n && *l == *r; n--, l++, r++)
		;
	return n ? *l - *r : 0;
}
