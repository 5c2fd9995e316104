/*
 * memmove for Jiny's musl (x86_64), replacing upstream's memmove.s (deleted
 * by patches/0003), which moves backwards with `std; rep movsq` and bytes.
 * Ranges that do not overlap go to memcpy, up to 32 bytes are copied with
 * every load before any store (jiny_copy_upto32), and overlapping ones move
 * 32 bytes per step, loaded before stored, from the end that is safe: a
 * step's stores only reach source bytes already moved.
 */
#include <string.h>
#include "jiny_unaligned.h"

void *memmove(void *dest, const void *src, size_t n)
{
	unsigned char *d = dest;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n && (uintptr_t)s - (uintptr_t)d >= n)
		return memcpy(dest, src, n);
	if (n <= 32) {
		jiny_copy_upto32(d, s, n);
		return dest;
	}
	if (d < s) {
		for (; n >= 32; n -= 32, d += 32, s += 32) {
			uint64_t a = JINY_LD64(s), b = JINY_LD64(s + 8);
			uint64_t c = JINY_LD64(s + 16), e = JINY_LD64(s + 24);
			JINY_ST64(d, a);
			JINY_ST64(d + 8, b);
			JINY_ST64(d + 16, c);
			JINY_ST64(d + 24, e);
		}
		jiny_copy_upto32(d, s, n);
	} else if (d > s) {
		for (; n >= 32; n -= 32) {
			uint64_t a = JINY_LD64(s + n - 32), b = JINY_LD64(s + n - 24);
			uint64_t c = JINY_LD64(s + n - 16), e = JINY_LD64(s + n - 8);
			JINY_ST64(d + n - 32, a);
			JINY_ST64(d + n - 24, b);
			JINY_ST64(d + n - 16, c);
			JINY_ST64(d + n - 8, e);
		}
		jiny_copy_upto32(d, s, n);
	}
	return dest;
}
