/*
 * memcpy for Jiny's musl (x86_64), replacing upstream's memcpy.s (deleted by
 * patches/0003), which moves single bytes with `movsb` up to alignment and
 * after a `rep movsq`. Here: up to 32 bytes with two overlapping pairs of
 * loads and stores (every load before any store), 32 bytes per iteration
 * above that and the last 32 bytes again, overlapped, for the tail; only
 * copies of 1 KiB and more use `rep movsq`. SQLite's and Lua's copies are
 * mostly short (speedtest1 spent 4% of its instructions in memcpy).
 */
#include <string.h>
#include "jiny_unaligned.h"

void *memcpy(void *restrict dest, const void *restrict src, size_t n)
{
	unsigned char *d = dest;
	const unsigned char *s = src;

	if (n <= 32) {
		jiny_copy_upto32(d, s, n);
		return dest;
	}
	/* The last 32 bytes first: the tail store below may overlap the loop's. */
	uint64_t t0 = JINY_LD64(s + n - 32), t1 = JINY_LD64(s + n - 24);
	uint64_t t2 = JINY_LD64(s + n - 16), t3 = JINY_LD64(s + n - 8);
	unsigned char *end = d + n - 32;
	if (n >= 1024) {
		size_t words = (n - 32 + 7) / 8; /* up to the tail, no gap */
		__asm__ __volatile__("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
	} else {
		for (; d < end; d += 32, s += 32) {
			uint64_t a = JINY_LD64(s), b = JINY_LD64(s + 8);
			uint64_t c = JINY_LD64(s + 16), e = JINY_LD64(s + 24);
			JINY_ST64(d, a);
			JINY_ST64(d + 8, b);
			JINY_ST64(d + 16, c);
			JINY_ST64(d + 24, e);
		}
	}
	JINY_ST64(end, t0);
	JINY_ST64(end + 8, t1);
	JINY_ST64(end + 16, t2);
	JINY_ST64(end + 24, t3);
	return dest;
}
