/*
 * tst-string: musl's memcpy, memmove, memset and memcmp, which Jiny's musl
 * recipe replaces on x86_64 by word loops (third_party/musl/overlay/src/
 * string/x86_64/): every length 0..300 and every alignment 0..15 of both
 * pointers, overlapping moves both ways, and memcmp's sign at every byte
 * position, each against a byte-at-a-time reference.
 */
// EXPECT: ^tst: tst-string: [0-9]+ checks, 0 failures$
// HOST: yes
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "tst.h"

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
				memcpy(ref, b, sizeof(b));
				for (size_t i = 0; i < n; i++)
					ref[da + i] = a[sa + i];
				if (memcpy(b + da, a + sa, n) != b + da || memcmp(b, ref, sizeof(b)))
					bad++;
				memcpy(ref, b, sizeof(b));
				for (size_t i = 0; i < n; i++)
					ref[da + i] = (unsigned char)(n + da);
				if (memset(b + da, (int)(n + da) | 0x100, n) != b + da || memcmp(b, ref, sizeof(b)))
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
				memcpy(ref, a, sizeof(a));
				unsigned char tmp[MAXN];
				for (size_t i = 0; i < n; i++)
					tmp[i] = ref[s + i];
				for (size_t i = 0; i < n; i++)
					ref[d + i] = tmp[i];
				if (memmove(a + d, a + s, n) != a + d || memcmp(a, ref, sizeof(a)))
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
	/* memcmp compares as unsigned char */
	CHECK(memcmp("\x80", "\x01", 1) > 0);
	CHECK(memcmp("abcdefgh\x80", "abcdefgh\x01", 9) > 0);
	return tst_done();
}
