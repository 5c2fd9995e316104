/*
 * jiny_unaligned.h - unaligned, alias-safe word loads and stores for the
 * string functions Jiny's musl recipe replaces (src/string/x86_64/*.c,
 * src/string/strcspn.c). x86_64 allows unaligned access; the may_alias
 * types keep the compiler from assuming anything about the bytes' types.
 */
#ifndef JINY_UNALIGNED_H
#define JINY_UNALIGNED_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) jiny_u64;
typedef uint32_t __attribute__((__may_alias__, __aligned__(1))) jiny_u32;
typedef uint16_t __attribute__((__may_alias__, __aligned__(1))) jiny_u16;

#define JINY_LD64(p) (*(const jiny_u64 *)(const void *)(p))
#define JINY_LD32(p) (*(const jiny_u32 *)(const void *)(p))
#define JINY_LD16(p) (*(const jiny_u16 *)(const void *)(p))
#define JINY_ST64(p, v) (*(jiny_u64 *)(void *)(p) = (v))
#define JINY_ST32(p, v) (*(jiny_u32 *)(void *)(p) = (v))
#define JINY_ST16(p, v) (*(jiny_u16 *)(void *)(p) = (v))

/*
 * Copy n <= 32 bytes with overlapping pairs of word loads and stores, every
 * load before any store: also right when the two ranges overlap (memmove).
 */
static inline __attribute__((__always_inline__))
void jiny_copy_upto32(unsigned char *d, const unsigned char *s, size_t n)
{
	if (n > 16) {
		uint64_t a = JINY_LD64(s), b = JINY_LD64(s + 8);
		uint64_t c = JINY_LD64(s + n - 16), e = JINY_LD64(s + n - 8);
		JINY_ST64(d, a);
		JINY_ST64(d + 8, b);
		JINY_ST64(d + n - 16, c);
		JINY_ST64(d + n - 8, e);
	} else if (n >= 8) {
		uint64_t a = JINY_LD64(s), b = JINY_LD64(s + n - 8);
		JINY_ST64(d, a);
		JINY_ST64(d + n - 8, b);
	} else if (n >= 4) {
		uint32_t a = JINY_LD32(s), b = JINY_LD32(s + n - 4);
		JINY_ST32(d, a);
		JINY_ST32(d + n - 4, b);
	} else if (n >= 2) {
		uint16_t a = JINY_LD16(s), b = JINY_LD16(s + n - 2);
		JINY_ST16(d, a);
		JINY_ST16(d + n - 2, b);
	} else if (n) {
		*d = *s;
	}
}

#endif
