/*
 * strspn for Jiny's musl, replacing upstream's (src/string/strspn.c), which
 * clears a 256-bit set and enters every accepted byte before it looks at
 * the string. Most calls stop after a byte or two (Lua's string.format
 * checks its flags and width this way, about 70 instructions a call
 * upstream), so the first bytes are looked up in the accept string
 * directly; only a span longer than SHORT goes on with the bit set.
 */
#include <string.h>

#define BITOP(a,b,op) \
 ((a)[(size_t)(b)/(8*sizeof *(a))] op (size_t)1<<((size_t)(b)%(8*sizeof *(a))))

#define SHORT 8

size_t strspn(const char *s, const char *c)
{
	const char *a = s;
	size_t byteset[32/sizeof(size_t)];

	if (!c[0]) return 0;
	if (!c[1]) {
		for (; *s == *c; s++);
		return s-a;
	}

	for (; s - a < SHORT; s++) {
		const char *p = c;
		if (!*s) return s-a;
		while (*p && *p != *s) p++;
		if (!*p) return s-a;
	}

	memset(byteset, 0, sizeof byteset);
	for (; *c && BITOP(byteset, *(unsigned char *)c, |=); c++);
	for (; *s && BITOP(byteset, *(unsigned char *)s, &); s++);
	return s-a;
}
