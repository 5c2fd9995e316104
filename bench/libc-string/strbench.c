/*
 * strbench.c: Jiny's musl memcpy/memset/memcmp (the SDK's libc.a) against
 * upstream musl 1.2.3's x86_64 ones (old_*, from the tarball, renamed by
 * run.sh), in one HP app: each size runs old and new in alternating slices
 * of the same guest run, so a loaded host slows both alike. Prints old/new
 * time ratios (above 1.0x: Jiny's is faster). See run.sh.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
void *old_memcpy(void *, const void *, size_t);
void *old_memset(void *, int, size_t);
int old_memcmp(const void *, const void *, size_t);
static unsigned char A[8192], B[8192];
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
typedef void *(*cpy_t)(void *, const void *, size_t);
typedef void *(*set_t)(void *, int, size_t);
typedef int (*cmp_t)(const void *, const void *, size_t);
static volatile cpy_t cn = memcpy, co = old_memcpy;
static volatile set_t sn = memset, so = old_memset;
static volatile cmp_t mn = memcmp, mo = old_memcmp;
int main(void)
{
	size_t sizes[] = { 16, 64, 256, 4096 };
	for (int k = 0; k < 4; k++) {
		size_t n = sizes[k];
		long iters = 4000000 / (n / 16 + 8);
		double t[6] = { 0 };
		for (int rep = 0; rep < 5; rep++) {	/* alternate old/new in slices */
			double t0 = now(); for (long i = 0; i < iters; i++) co(B, A, n);
			double t1 = now(); for (long i = 0; i < iters; i++) cn(B, A, n);
			double t2 = now(); for (long i = 0; i < iters; i++) so(B, i, n);
			double t3 = now(); for (long i = 0; i < iters; i++) sn(B, i, n);
			memcpy(B, A, n);
			double t4 = now(); for (long i = 0; i < iters; i++) mo(B, A, n);
			double t5 = now(); for (long i = 0; i < iters; i++) mn(B, A, n);
			double t6 = now();
			t[0] += t1 - t0; t[1] += t2 - t1; t[2] += t3 - t2; t[3] += t4 - t3; t[4] += t5 - t4; t[5] += t6 - t5;
		}
		printf("n=%4zu memcpy old/new %.2fx  memset old/new %.2fx  memcmp old/new %.2fx  (new ns/call: %.0f %.0f %.0f)\n", n,
		       t[0] / t[1], t[2] / t[3], t[4] / t[5], t[1] / 5 / iters * 1e9, t[3] / 5 / iters * 1e9, t[5] / 5 / iters * 1e9);
	}
	return 0;
}
