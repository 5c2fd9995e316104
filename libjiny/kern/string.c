/*
 * string.c - the kernel's memcpy/memset/strlen family. Hidden inside
 * libjiny.a (the partial link localizes them), so the app's libc keeps its
 * own. Plain C with general registers only: safe in interrupt handlers,
 * which must never touch the app's SSE/AVX state.
 */
#include "kern/kern.h"

/*
 * Word loops rather than `rep movs/stos`: QEMU's TCG runs a rep-prefixed
 * string instruction one iteration per translation-block exit, 5-10x slower
 * than a plain loop; on hardware the difference is small either way.
 */
/* A word read from any address: x86-64 (the only port) loads unaligned
 * words at full speed, in hardware and in TCG alike. */
typedef uint64_t __attribute__((aligned(1), may_alias)) u64_any;

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dd = d;
	const unsigned char *ss = s;
	if (n >= 16) {
		/* Align the destination; the source may stay misaligned (network
		 * headers of 14 + 40 + 20 bytes leave payloads so), word loads
		 * still beat a byte loop eightfold. */
		for (; (uintptr_t)dd & 7; n--)
			*dd++ = *ss++;
		for (; n >= 32; n -= 32, dd += 32, ss += 32) {
			uint64_t a = *(const u64_any *)ss, b = *(const u64_any *)(ss + 8);
			uint64_t c = *(const u64_any *)(ss + 16), e = *(const u64_any *)(ss + 24);
			((uint64_t *)dd)[0] = a;
			((uint64_t *)dd)[1] = b;
			((uint64_t *)dd)[2] = c;
			((uint64_t *)dd)[3] = e;
		}
		for (; n >= 8; n -= 8, dd += 8, ss += 8)
			*(uint64_t *)dd = *(const u64_any *)ss;
	}
	while (n--)
		*dd++ = *ss++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	if ((uintptr_t)d <= (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n)
		return memcpy(d, s, n);
	unsigned char *dd = (unsigned char *)d + n;
	const unsigned char *ss = (const unsigned char *)s + n;
	while (n--)
		*--dd = *--ss;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	uint64_t w = 0x0101010101010101ULL * (unsigned char)c;
	for (; n && ((uintptr_t)p & 7); n--)
		*p++ = (unsigned char)c;
	for (; n >= 64; n -= 64, p += 64) {
		((uint64_t *)p)[0] = w;
		((uint64_t *)p)[1] = w;
		((uint64_t *)p)[2] = w;
		((uint64_t *)p)[3] = w;
		((uint64_t *)p)[4] = w;
		((uint64_t *)p)[5] = w;
		((uint64_t *)p)[6] = w;
		((uint64_t *)p)[7] = w;
	}
	for (; n >= 8; n -= 8, p += 8)
		*(uint64_t *)p = w;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t strlcpy(char *d, const char *s, size_t size)
{
	size_t n = strlen(s);
	if (size) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(d, s, k);
		d[k] = 0;
	}
	return n;
}
