/*
 * memset for Jiny's musl (x86_64), replacing upstream's memset.s (deleted by
 * patches/0002), which fills more than 126 bytes with `rep stosq`. Under
 * QEMU's TCG a rep-prefixed string instruction runs one iteration per pass
 * through its translation block; 8-byte stores are faster there (bench:
 * bench/libc-string). Up to 32 bytes: overlapping stores from both ends, no
 * loop; above: 32 bytes per iteration and the last 32 bytes again,
 * overlapped. Built with -fno-tree-loop-distribute-patterns (musl's
 * CFLAGS_MEMOPS), so the loop does not become a memset call again.
 */
#include <string.h>
#include "jiny_unaligned.h"

void *memset(void *dest, int c, size_t n)
{
	unsigned char *d = dest;
	uint64_t w = 0x0101010101010101ULL * (unsigned char)c;

	if (n <= 32) {
		if (n > 16) {
			JINY_ST64(d, w);
			JINY_ST64(d + 8, w);
			JINY_ST64(d + n - 16, w);
			JINY_ST64(d + n - 8, w);
		} else if (n >= 8) {
			JINY_ST64(d, w);
			JINY_ST64(d + n - 8, w);
		} else if (n >= 4) {
			JINY_ST32(d, (uint32_t)w);
			JINY_ST32(d + n - 4, (uint32_t)w);
		} else if (n >= 2) {
			JINY_ST16(d, (uint16_t)w);
			JINY_ST16(d + n - 2, (uint16_t)w);
		} else if (n) {
			*d = (unsigned char)c;
		}
		return dest;
	}
	unsigned char *end = d + n - 32;
	for (; d < end; d += 32) {
		JINY_ST64(d, w);
		JINY_ST64(d + 8, w);
		JINY_ST64(d + 16, w);
		JINY_ST64(d + 24, w);
	}
	JINY_ST64(end, w);
	JINY_ST64(end + 8, w);
	JINY_ST64(end + 16, w);
	JINY_ST64(end + 24, w);
	return dest;
}
