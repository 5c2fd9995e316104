/*
 * tst-string: musl's memcpy, memmove, memset, memcmp, strcspn and strspn, which
 * Jiny's musl recipe replaces by word loops (third_party/musl/overlay/src/
 * string/): every length 0..300 and every alignment 0..15 of both
 * pointers, long copies (the loop and `rep movsq` paths), overlapping moves
 * both ways, memcmp's sign at every byte position, strcspn with reject
 * sets of 0-5 bytes on strings that end just before an unreadable page and
 * strspn on short and long spans,
 * each against a byte-at-a-time reference.
 */
// EXPECT: ^tst: tst-string: [0-9]+ checks, 0 failures$
// HOST: yes
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "tst.h"

/*
 * The references are byte loops, and this file is compiled so that gcc does
 * not turn them back into calls of the functions under test.
 */
#pragma GCC optimize("no-tree-loop-distribute-patterns")

static void bytecpy(unsigned char *d, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

static int same(const unsigned char *x, const unsigned char *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

#define MAXN 300
static unsigned char a[MAXN + 64], b[MAXN + 64], ref[MAXN + 64];

static void pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 3));
}

/* memcpy and memset: the bytes asked for change, none around them. */
static int copies(void)
{
	int bad = 0;
	for (size_t n = 0; n <= MAXN; n++)
		for (int da = 0; da < 16; da++)
			for (int sa = 0; sa < 16; sa += 5) {
				pattern(a, sizeof(a), 1);
				pattern(b, sizeof(b), 2);
				bytecpy(ref, b, sizeof(b));
				for (size_t i = 0; i < n; i++)
					ref[da + i] = a[sa + i];
				if (memcpy(b + da, a + sa, n) != b + da || !same(b, ref, sizeof(b)))
					bad++;
				bytecpy(ref, b, sizeof(b));
				for (size_t i = 0; i < n; i++)
					ref[da + i] = (unsigned char)(n + da);
				if (memset(b + da, (int)(n + da) | 0x100, n) != b + da || !same(b, ref, sizeof(b)))
					bad++;	/* memset uses (unsigned char)c */
			}
	return bad;
}

/* memmove within one buffer, the destination below, on or above the source. */
static int moves(void)
{
	int bad = 0;
	for (size_t n = 0; n <= MAXN - 40; n += 3)
		for (int s = 0; s < 40; s += 3)
			for (int d = 0; d < 40; d++) {
				pattern(a, sizeof(a), 3);
				bytecpy(ref, a, sizeof(a));
				unsigned char tmp[MAXN];
				for (size_t i = 0; i < n; i++)
					tmp[i] = ref[s + i];
				for (size_t i = 0; i < n; i++)
					ref[d + i] = tmp[i];
				if (memmove(a + d, a + s, n) != a + d || !same(a, ref, sizeof(a)))
					bad++;
			}
	return bad;
}

/* Long copies, moves and fills: past memcpy's 1 KiB switch to `rep movsq`. */
#define BIGN 5000
static unsigned char big[BIGN + 64], bigref[BIGN + 64];

static int long_ones(void)
{
	static const size_t sizes[] = { 33, 63, 64, 65, 255, 1000, 1023, 1024, 1025, 1031,
					2053, 4099 };
	int bad = 0;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		for (int da = 0; da < 16; da += 3)
			for (int sa = 0; sa < 16; sa += 7) {
				size_t n = sizes[k];
				unsigned char *src = big + 32 + sa, *dst;
				static unsigned char out[BIGN + 64];
				pattern(big, sizeof(big), (unsigned)k);
				pattern(out, sizeof(out), 9);
				bytecpy(bigref, out, sizeof(out));
				for (size_t i = 0; i < n; i++)
					bigref[da + i] = src[i];
				dst = out + da;
				if (memcpy(dst, src, n) != dst || !same(out, bigref, sizeof(out)))
					bad++;
				for (size_t i = 0; i < n; i++)
					bigref[da + i] = (unsigned char)k;
				if (memset(dst, (int)k, n) != dst || !same(out, bigref, sizeof(out)))
					bad++;
				/* overlapping, both ways, by da + 1 .. */
				for (int up = 0; up < 2; up++) {
					size_t m = n < BIGN - 40 ? n : BIGN - 40;
					size_t from = up ? 2 : 2 + da + 1, to = up ? 2 + da + 1 : 2;
					pattern(big, sizeof(big), (unsigned)(k + 5));
					bytecpy(bigref, big, sizeof(big));
					for (size_t i = 0; i < m; i++)
						out[i] = big[from + i];
					for (size_t i = 0; i < m; i++)
						bigref[to + i] = out[i];
					if (memmove(big + to, big + from, m) != big + to ||
					    !same(big, bigref, sizeof(big)))
						bad++;
				}
			}
	return bad;
}

/* strcspn against a byte loop; strings end right before a PROT_NONE page. */
static size_t ref_cspn(const char *s, const char *c)
{
	size_t i = 0;
	for (; s[i] && !strchr(c, s[i]); i++)
		;
	return i;
}

static int spans(void)
{
	static const char *const sets[] = { "", "a", "aA", "%_", "aA\\", "xyz", "\x80\xff", "abcde",
					    "\x01\x7f\x80" };
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || mprotect(page + 4096, 4096, PROT_NONE))
		return 1000;
	int bad = 0;
	for (size_t len = 0; len <= 100; len++)
		for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++)
			for (size_t at = 0; at <= len + 1; at++) {
				char *s = page + 4096 - len - 1; /* its NUL is the page's last byte */
				for (size_t i = 0; i < len; i++)
					s[i] = (char)('b' + (i * 7 + len) % 20); /* filler */
				if (at < len && sets[k][0])
					s[at] = sets[k][(at + k) % strlen(sets[k])]; /* one from the set */
				s[len] = 0;
				if (strcspn(s, sets[k]) != ref_cspn(s, sets[k]))
					bad++;
			}
	munmap(page, 8192);
	return bad;
}

/* strspn against a byte loop: short and long spans, sets of 1-6 bytes. */
static size_t ref_spn(const char *s, const char *c)
{
	size_t i = 0;
	for (; s[i] && strchr(c, s[i]); i++)
		;
	return i;
}

static int accepts(void)
{
	static const char *const sets[] = { "", "0", "-+ #0", "0123456789", "ab", "\x80\xff\x01" };
	static char s[64];
	int bad = 0;
	for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++)
		for (size_t run = 0; run < 40; run++)
			for (int end = 0; end < 3; end++) {
				size_t m = strlen(sets[k]);
				for (size_t i = 0; i < run; i++)
					s[i] = m ? sets[k][(i * 5 + run) % m] : 'x';
				s[run] = end == 0 ? 0 : end == 1 ? 'z' : '\x7f';
				s[run + 1] = sets[k][0]; /* after the end of the span */
				s[run + 2] = 0;
				if (strspn(s, sets[k]) != ref_spn(s, sets[k]))
					bad++;
			}
	return bad;
}

static int sign(int x) { return (x > 0) - (x < 0); }

/* memcmp: equal buffers, then one byte differing either way at each position. */
static int compares(void)
{
	int bad = 0;
	for (size_t n = 0; n <= 70; n++)
		for (int al = 0; al < 8; al++) {
			pattern(a + al, n, 4);
			pattern(b + 3, n, 4);
			if (memcmp(a + al, b + 3, n) != 0)
				bad++;
			for (size_t k = 0; k < n; k++) {
				unsigned char keep = b[3 + k];
				b[3 + k] = (unsigned char)(a[al + k] + 1 + (k & 1) * 0x7f);
				int want = a[al + k] < b[3 + k] ? -1 : 1;
				if (sign(memcmp(a + al, b + 3, n)) != want ||
				    sign(memcmp(b + 3, a + al, n)) != -want)
					bad++;
				b[3 + k] = keep;
			}
		}
	return bad;
}

int main(void)
{
	CHECK_EQ(copies(), 0);
	CHECK_EQ(moves(), 0);
	CHECK_EQ(compares(), 0);
	CHECK_EQ(long_ones(), 0);
	CHECK_EQ(spans(), 0);
	CHECK_EQ(accepts(), 0);
	CHECK_EQ(strspn("-08.3f", "-+ #0"), 2);
	CHECK_EQ(strcspn("LIKE 'abc%'", "aA"), 6);
	CHECK_EQ(strcspn("hello world, again", "aA"), 13);
	/* memcmp compares as unsigned char */
	CHECK(memcmp("\x80", "\x01", 1) > 0);
	CHECK(memcmp("abcdefgh\x80", "abcdefgh\x01", 9) > 0);
	return tst_done();
}
