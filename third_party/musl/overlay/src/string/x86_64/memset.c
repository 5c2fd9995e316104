/*
 * memset for Jiny's musl (x86_64), replacing upstream's memset.s (deleted by
 * patches/0002), which fills more than 126 bytes with `rep stosq`. Under
 * QEMU's TCG a rep-prefixed string instruction runs one iteration per pass
 * through its translation block; 8-byte stores, 32 bytes per iteration, are
 * 1.2-1.4x faster for 16 B .. 4 KiB in the HP app (bench: README.md,
 * "Where the time goes"). Built with -fno-tree-loop-distribute-patterns
 * (musl's CFLAGS_MEMOPS), so the loops do not become memset calls again.
 * (memcpy's `rep movsq` measured no slower than a loop: kept.)
 */
#include <string.h>
#include <stdint.h>

typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) jiny_u64;

void *memset(void *dest, int c, size_t n)
{
	unsigned char *d = dest;
	uint64_t w = 0x0101010101010101ULL * (unsigned char)c;

	for (; n >= 32; n -= 32, d += 32) {
		((jiny_u64 *)d)[0] = w;
		((jiny_u64 *)d)[1] = w;
		((jiny_u64 *)d)[2] = w;
		((jiny_u64 *)d)[3] = w;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(jiny_u64 *)d = w;
	for (; n; n--)
		*d++ = (unsigned char)c;
	return dest;
}
