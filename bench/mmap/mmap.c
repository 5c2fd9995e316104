/*
 * mmap.c - what the memory system calls cost: the area bookkeeping of
 * mm/vmarea.c (as the HP app) and mm/uvm.c (as a ring-3 program), through
 * mm/area.c. The same source builds as a Jiny image and as a static Linux
 * program (bench/mmap/run.sh runs both ways). Every return value is checked;
 * a failure stops the program with status 1.
 *
 *     mmap [LOOPS [AREAS]]      (defaults 20000, 0)
 *
 * AREAS one-page mappings, each with a free page above it, are made first,
 * so that the area lists are not trivially short. Then, per loop:
 *   map     mmap of one anonymous page, munmap
 *   split   mmap of 16 pages, a write to the first, mprotect of 4 pages in
 *           the middle to read-only (three areas), munmap of all 16
 *   mremap  mmap of one page, mremap to 4 pages (MREMAP_MAYMOVE), munmap
 *   fault   a write to each page of a 64-page mapping made once, then
 *           madvise(MADV_DONTNEED) of it all (per page: a fault and a free)
 * and it prints ns per loop of each.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define PG 4096L

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void fail(const char *what, long i)
{
	fprintf(stderr, "mmap: loop %ld: %s failed\n", i, what);
	exit(1);
}

static char *map(long len, int prot, long i)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap", i);
	return p;
}

static void unmap(void *p, long len, long i)
{
	if (munmap(p, len))
		fail("munmap", i);
}

int main(int argc, char **argv)
{
	long loops = argc > 1 ? atol(argv[1]) : 20000, areas = argc > 2 ? atol(argv[2]) : 0;
	double t[5];
	if (loops <= 0 || areas < 0) {
		fprintf(stderr, "usage: mmap [LOOPS > 0 [AREAS >= 0]]\n");
		return 2;
	}
	for (long i = 0; i < areas; i++) { /* two pages, the upper one unmapped again */
		char *p = map(2 * PG, PROT_READ | PROT_WRITE, -1);
		unmap(p + PG, PG, -1);
	}
	char *touch = map(64 * PG, PROT_READ | PROT_WRITE, -1);

	t[0] = now_ns();
	for (long i = 0; i < loops; i++)
		unmap(map(PG, PROT_READ | PROT_WRITE, i), PG, i);
	t[1] = now_ns();
	for (long i = 0; i < loops; i++) {
		char *p = map(16 * PG, PROT_READ | PROT_WRITE, i);
		p[0] = 1;
		if (mprotect(p + 6 * PG, 4 * PG, PROT_READ))
			fail("mprotect", i);
		unmap(p, 16 * PG, i);
	}
	t[2] = now_ns();
	for (long i = 0; i < loops; i++) {
		char *p = map(PG, PROT_READ | PROT_WRITE, i);
		p = mremap(p, PG, 4 * PG, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			fail("mremap", i);
		unmap(p, 4 * PG, i);
	}
	t[3] = now_ns();
	for (long i = 0; i < loops / 64 + 1; i++) {
		for (long pg = 0; pg < 64; pg++)
			touch[pg * PG] = 1;
		if (madvise(touch, 64 * PG, MADV_DONTNEED))
			fail("madvise", i);
	}
	t[4] = now_ns();

	printf("mmap: %ld loops, %ld other areas\n", loops, areas);
	printf("mmap: %.1f ns per map (mmap+munmap of a page)\n", (t[1] - t[0]) / loops);
	printf("mmap: %.1f ns per split (mmap+write+mprotect+munmap)\n", (t[2] - t[1]) / loops);
	printf("mmap: %.1f ns per mremap (mmap+mremap+munmap)\n", (t[3] - t[2]) / loops);
	printf("mmap: %.1f ns per fault (write fault+madvise, per page)\n",
	       (t[4] - t[3]) / ((loops / 64 + 1) * 64.0));
	return 0;
}
