/*
 * tst-mm-stack: memory calls made on a stack that is still being filled.
 *
 * The HP app's stacks (the main one and every pthread's, which musl maps with
 * mmap) are filled on demand, one page per fault, and the app's system calls
 * run on them. A call that manages memory (mmap, munmap, mprotect, mremap,
 * madvise, and malloc/free, which use them) must work wherever the stack
 * pointer happens to be and whether or not the pages below it exist yet:
 * on Linux these are ordinary calls. Two sweeps put the stack pointer at every
 * 16-byte position of a page above untouched pages, the way a different
 * environment size shifts the whole stack:
 *   main   the main thread, one page deeper per step (fresh pages each time)
 *   thread a new thread per step (a fresh stack), 16 bytes deeper per step
 * and at each position run a burst of malloc/free of many sizes and raw
 * memory calls. A kernel that deadlocks on a page fault inside these calls
 * hangs here (the runner's timeout fails it); one that loses or mixes memory
 * fails the pattern checks.
 */
// EXPECT: ^tst: tst-mm-stack: [0-9]+ checks, 0 failures$
// EXPECT: ^mm-stack: main 256 positions, thread 256 positions$
// VARIANT: smp1 --smp 1
// VARIANT: smp2 --smp 2
// HOST: yes
// TIMEOUT: 240
#define _GNU_SOURCE /* mremap */
#include <alloca.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "tst.h"

#define POSITIONS 256 /* 16-byte steps: every position in a 4 KiB page */

static const size_t sizes[] = { 1, 16, 24, 100, 500, 1000, 4000, 4096, 5000, 20000,
				 70000, 140000 };

/* malloc and free many sizes, in and out of order; each block keeps its pattern. */
static int burst(unsigned seed)
{
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	unsigned char *b[N];
	int ok = 1;
	for (int i = 0; i < N; i++) {
		b[i] = malloc(sizes[i]);
		if (!b[i])
			return 0;
		memset(b[i], (int)(seed + i) & 0xff, sizes[i]);
	}
	for (int i = 0; i < N; i += 2) { /* free every other, then reuse */
		free(b[i]);
		b[i] = malloc(sizes[N - 1 - i]);
		if (!b[i])
			return 0;
		memset(b[i], (int)(seed + i) & 0xff, sizes[N - 1 - i]);
	}
	for (int i = 0; i < N; i++) {
		size_t n = (i % 2) ? sizes[i] : sizes[N - 1 - i];
		ok &= b[i][0] == ((seed + i) & 0xff) && b[i][n - 1] == ((seed + i) & 0xff);
		b[i] = realloc(b[i], n * 2 + 1);
		ok &= b[i] && b[i][n - 1] == ((seed + i) & 0xff);
		free(b[i]);
	}
	return ok;
}

/* The raw calls: map, write, protect, grow, discard, unmap. */
static int raw_calls(void)
{
	size_t len = 3 * 4096;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	memset(p, 0x5a, len);
	unsigned char *q = mremap(p, len, 8 * len, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return munmap(p, len), 0;
	int ok = q[0] == 0x5a && q[len - 1] == 0x5a;
	ok &= mprotect(q + 4096, 4096, PROT_READ) == 0 && q[4096] == 0x5a; /* splits the area */
	ok &= madvise(q, 4096, MADV_DONTNEED) == 0 && q[0] == 0; /* anonymous private: zero again */
	ok &= munmap(q + 2 * 4096, 4096) == 0; /* a hole: the area splits again */
	ok &= munmap(q, 8 * len) == 0;
	return ok;
}

static int at_position(unsigned k)
{
	return burst(k) & raw_calls();
}

/* Main thread: step k runs k pages + 16k bytes below the start, on fresh pages. */
static int main_sweep(void)
{
	int positions = 0;
	for (unsigned k = 0; k < POSITIONS; k++) {
		volatile char *pad = alloca(4096 + 16);
		pad[0] = (char)k; /* the alloca'd page stays untouched below this byte */
		if (!CHECK(at_position(k)))
			break;
		positions++;
	}
	return positions;
}

static void *thread_step(void *arg)
{
	unsigned k = (unsigned)(uintptr_t)arg;
	volatile char *pad = alloca(16 * k + 1);
	pad[0] = (char)k;
	return (void *)(uintptr_t)at_position(k);
}

/* One new thread per step, on a new stack, 16 bytes deeper each time. */
static int thread_sweep(void)
{
	int positions = 0;
	for (unsigned k = 0; k < POSITIONS; k++) {
		pthread_t t;
		void *ret = NULL;
		if (!CHECK(pthread_create(&t, NULL, thread_step, (void *)(uintptr_t)k) == 0))
			break;
		CHECK(pthread_join(t, &ret) == 0);
		if (!CHECK(ret == (void *)1))
			break;
		positions++;
	}
	return positions;
}

int main(void)
{
	int m = main_sweep();
	int t = thread_sweep();
	CHECK_EQ(m, POSITIONS);
	CHECK_EQ(t, POSITIONS);
	printf("mm-stack: main %d positions, thread %d positions\n", m, t);
	return tst_done();
}
