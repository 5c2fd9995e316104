/*
 * tst-redzone: interrupts never clobber the app's red zone (DESIGN.md 5).
 *
 * The app runs in ring 0 and is compiled with the host's defaults, red zone
 * on (no -mno-red-zone here). leaf_rz() is a leaf function that keeps NV
 * values in a volatile array in its red zone and then computes for a while
 * in registers, a window for the timer interrupt; GCC 12 -O2 compiles it to
 * stores and loads at -0x78(%rsp) .. -0x10(%rsp) with no change of %rsp
 * (checked with objdump -d: no "sub ...,%rsp", only negative offsets). If an
 * interrupt were taken on the app's stack, the CPU's frame push would land
 * on those slots and the result would differ from ref(), which does the same
 * arithmetic on a static array. The loop runs ~3 s with the kernel's
 * periodic tick at 2 kHz; jiny_cpu_stats() must then count >= 1000 timer
 * interrupts, or the test proved nothing. xmm8..xmm15 hold known values
 * across the whole loop too (the interrupt path must not touch SSE state).
 */
// KOPT: tick_hz=2000
// EXPECT: ^tst: tst-redzone: [0-9]+ checks, 0 failures$
// EXPECT: ^redzone: [0-9]+ iterations, [0-9]+ timer interrupts
// TIMEOUT: 120
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <jiny/jiny.h>
#include "tst.h"

#define NV 14			/* 14 * 8 = 112 bytes of the 128-byte red zone */
#define SPIN 500
#define MIN_ITERS 1000000	/* ~1.3 s on the host, ~2 s under TCG */
#define MAX_ITERS 20000000

__attribute__((noinline)) uint64_t leaf_rz(uint64_t seed)
{
	volatile uint64_t t[NV];
	uint64_t x = seed, acc;

	for (int i = 0; i < NV; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		t[i] = x;
	}
	for (int k = 0; k < SPIN; k++)	/* registers only */
		x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ULL;
	acc = x;
	for (int i = 0; i < NV; i++)
		acc = (acc ^ t[i]) * 0x94d049bb133111ebULL + i;
	return acc;
}

static volatile uint64_t ref_t[NV];

__attribute__((noinline)) uint64_t ref(uint64_t seed)
{
	uint64_t x = seed, acc;

	for (int i = 0; i < NV; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		ref_t[i] = x;
	}
	for (int k = 0; k < SPIN; k++)
		x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ULL;
	acc = x;
	for (int i = 0; i < NV; i++)
		acc = (acc ^ ref_t[i]) * 0x94d049bb133111ebULL + i;
	return acc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Load xmm8..xmm15 with known values, check them at each call. The compiler
 * does not use these registers in this file (checked with objdump). */
static void xmm_load(void)
{
	__asm__ volatile(
		"mov $0x1111111111111111, %%rax; movq %%rax, %%xmm8\n\t"
		"mov $0x2222222222222222, %%rax; movq %%rax, %%xmm9\n\t"
		"mov $0x3333333333333333, %%rax; movq %%rax, %%xmm10\n\t"
		"mov $0x4444444444444444, %%rax; movq %%rax, %%xmm11\n\t"
		"mov $0x5555555555555555, %%rax; movq %%rax, %%xmm12\n\t"
		"mov $0x6666666666666666, %%rax; movq %%rax, %%xmm13\n\t"
		"mov $0x7777777777777777, %%rax; movq %%rax, %%xmm14\n\t"
		"mov $0x8888888888888888, %%rax; movq %%rax, %%xmm15\n\t"
		::: "rax", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
		"xmm14", "xmm15");
}

static int xmm_intact(void)
{
	uint64_t v[8];

	__asm__ volatile("movq %%xmm8, 0(%0); movq %%xmm9, 8(%0)\n\t"
			 "movq %%xmm10, 16(%0); movq %%xmm11, 24(%0)\n\t"
			 "movq %%xmm12, 32(%0); movq %%xmm13, 40(%0)\n\t"
			 "movq %%xmm14, 48(%0); movq %%xmm15, 56(%0)"
			 :: "r"(v) : "memory");
	for (int i = 0; i < 8; i++)
		if (v[i] != 0x1111111111111111ULL * (i + 1))
			return 0;
	return 1;
}

int main(void)
{
	struct jiny_cpu_stats before, after;
	unsigned long iters = 0, bad = 0, xmm_bad = 0;
	uint64_t seed = 1;
	double t0, t;

	CHECK_EQ(jiny_cpu_stats(0, &before), 0);
	xmm_load();
	t0 = now();
	/* ~3 s of guest time and at least MIN_ITERS iterations (a clock that
	 * jumps cannot cut the test short); MAX_ITERS ends it if the clock is
	 * stuck. */
	do {
		for (int i = 0; i < 64; i++, iters++) {
			seed = seed * 0x9e3779b97f4a7c15ULL + iters;
			if (leaf_rz(seed) != ref(seed) && bad++ < 5)
				printf("FAIL iteration %lu: red zone clobbered\n", iters);
		}
		if (!xmm_intact() && xmm_bad++ < 5) {
			printf("FAIL iteration %lu: xmm8..15 changed\n", iters);
			xmm_load();
		}
		t = now();
	} while ((t - t0 < 3.0 || iters < MIN_ITERS) && iters < MAX_ITERS);
	CHECK_EQ(jiny_cpu_stats(0, &after), 0);

	uint64_t ticks = after.timer_irqs - before.timer_irqs;
	printf("redzone: %lu iterations, %llu timer interrupts, %.2f s, "
	       "%llu irqs, %llu preemptions\n", iters, (unsigned long long)ticks,
	       t - t0, (unsigned long long)(after.irqs - before.irqs),
	       (unsigned long long)(after.preemptions - before.preemptions));
	CHECK_EQ(bad, 0);
	CHECK_EQ(xmm_bad, 0);
	CHECK(t - t0 >= 2.5);
	CHECK(ticks >= 1000);
	return tst_done();
}
