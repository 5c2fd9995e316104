/*
 * tst-fpu: FPU/SSE/AVX state survives preemption and voluntary switches.
 *
 * 3 x CPUs threads (more threads than CPUs, 1000 Hz tick) each run long
 * x87 (long double), SSE2 (double, intrinsics) and, when CPUID and XCR0 say
 * the OS enabled them, AVX/AVX2 (256-bit float and integer) recurrences on
 * values of their own, each thread in its own rounding mode (MXCSR and the
 * x87 control word are per-thread state). Every round's results must equal,
 * bit for bit, a single-threaded recomputation done by main beforehand; the
 * rounding mode must still be the thread's after the round and after a
 * blocking call (they are callee-saved: a voluntary switch keeps them too).
 * Each worker must also have been preempted at least once (jiny_thread_info).
 */
// VARIANT: smp2 --smp 2
// VARIANT: smp4 --smp 4
// KOPT: tick_hz=1000
// TIMEOUT: 60
// EXPECT: ^tst: tst-fpu: [0-9]+ checks, 0 failures$
// EXPECT-NOT: ^FAIL
#define _GNU_SOURCE
#include <cpuid.h>
#include <fenv.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tst.h"
#include "jiny-host.h"

#define MAXT 48
#define ITERS 20000		/* per kernel per round */

struct result {
	long double x87;
	double sse[4];
	double avx[4];
	int64_t avx2[4];
};

static int have_avx, have_avx2;
static const int modes[4] = { FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO };

static __attribute__((noinline)) long double x87_work(int seed)
{
	volatile long double s0 = seed;
	long double x = s0 / 7.0L + 1.0L, acc = 0;
	for (int i = 1; i <= ITERS; i++) {
		x = x * 1.000000119L + 1.0L / (i + s0);
		acc += x / (1.0L + i * 0.5L);
		if (x > 1e6L)
			x = x / 3.0L;
	}
	return acc + x;
}

static __attribute__((noinline)) void sse_work(int seed, double out[4])
{
	volatile double s0 = seed;
	__m128d a = _mm_set_pd(s0 + 0.25, s0 * 1.5 + 1);
	__m128d b = _mm_set_pd(1.0 / (s0 + 3), 0.999999);
	__m128d c = _mm_set_pd(s0, -s0);
	__m128d d = _mm_setzero_pd();
	for (int i = 0; i < ITERS; i++) {
		a = _mm_add_pd(_mm_mul_pd(a, b), c);
		c = _mm_sub_pd(_mm_div_pd(c, _mm_set1_pd(1.0000003)), b);
		d = _mm_add_pd(d, _mm_sqrt_pd(_mm_mul_pd(a, a)));
		if (i % 1024 == 1023)
			a = _mm_div_pd(a, _mm_set1_pd(1e3));
	}
	_mm_storeu_pd(out, a);
	_mm_storeu_pd(out + 2, d);
}

__attribute__((target("avx"), noinline)) static void avx_work(int seed, double out[4])
{
	volatile double s0 = seed;
	__m256d a = _mm256_set_pd(s0, s0 + 1, s0 * 2, s0 / 3);
	__m256d b = _mm256_set1_pd(0.9999991);
	__m256d acc = _mm256_setzero_pd();
	for (int i = 0; i < ITERS; i++) {
		a = _mm256_add_pd(_mm256_mul_pd(a, b), _mm256_set1_pd(1.0 / (i + 1)));
		acc = _mm256_add_pd(acc, _mm256_sqrt_pd(a));
	}
	_mm256_storeu_pd(out, _mm256_add_pd(acc, a));
}

__attribute__((target("avx2"), noinline)) static void avx2_work(int seed, int64_t out[4])
{
	volatile int64_t s0 = seed;
	__m256i a = _mm256_set_epi64x(s0, s0 * 3 + 1, s0 ^ 0x5555, ~s0);
	__m256i m = _mm256_set1_epi64x(0x9e3779b97f4a7c15ull);
	for (int i = 0; i < ITERS; i++) {
		a = _mm256_add_epi64(a, m);
		a = _mm256_xor_si256(a, _mm256_srli_epi64(a, 29));
		a = _mm256_add_epi64(a, _mm256_slli_epi64(a, 7));
		a = _mm256_shuffle_epi32(a, 0x4e);
	}
	_mm256_storeu_si256((__m256i *)out, a);
}

static void compute(int seed, int mode, struct result *r)
{
	memset(r, 0, sizeof(*r));
	fesetround(mode);
	r->x87 = x87_work(seed);
	sse_work(seed, r->sse);
	if (have_avx)
		avx_work(seed, r->avx);
	if (have_avx2)
		avx2_work(seed, r->avx2);
	fesetround(FE_TONEAREST);
}

static int same(const struct result *a, const struct result *b)
{
	/* long double: the 10 bytes that hold the value (the rest is padding) */
	return memcmp(&a->x87, &b->x87, 10) == 0 &&
	       memcmp(a->sse, b->sse, sizeof(a->sse)) == 0 &&
	       memcmp(a->avx, b->avx, sizeof(a->avx)) == 0 &&
	       memcmp(a->avx2, b->avx2, sizeof(a->avx2)) == 0;
}

static struct result ref[MAXT];
static int nthreads;
static volatile int stop;
static int64_t deadline;

struct worker {
	int id;
	int rounds, wrong, mode_lost;
	uint64_t preemptions;
	pthread_t t;
};
static struct worker workers[MAXT];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	int mode = modes[w->id % 4];
	struct jiny_thread_info info;
	struct result r;

	while (now_ns() < deadline || w->rounds < 2) {
		fesetround(mode);
		r.x87 = x87_work(w->id);
		sse_work(w->id, r.sse);
		if (have_avx)
			avx_work(w->id, r.avx);
		if (have_avx2)
			avx2_work(w->id, r.avx2);
		if (fegetround() != mode)
			w->mode_lost++;
		usleep(100);			/* a voluntary switch */
		if (fegetround() != mode)
			w->mode_lost++;
		fesetround(FE_TONEAREST);
		r.avx[0] += 0;			/* keep r whole for memcmp */
		w->wrong += !same(&r, &ref[w->id]);
		w->rounds++;
	}
	if (jiny_thread_info(0, &info) == 0)
		w->preemptions = info.preemptions;
	return NULL;
}

static void detect(void)
{
	unsigned a = 0, b = 0, c = 0, d = 0;

	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) && (c & bit_AVX)) {
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if ((lo & 6) == 6)
			have_avx = 1;
		else
			printf("AVX skipped: XCR0 = %#x does not enable SSE and AVX state\n", lo);
	} else {
		printf("AVX skipped: CPUID.1 says AVX %s, OSXSAVE %s\n",
		       c & bit_AVX ? "yes" : "no", c & bit_OSXSAVE ? "yes" : "no");
	}
	if (have_avx && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2))
		have_avx2 = 1;
	else if (have_avx)
		printf("AVX2 skipped: CPUID.7.0:EBX bit 5 is clear\n");
}

int main(void)
{
	int i, ncpu = jiny_cpu_count(), wrong = 0, lost = 0, unpreempted = 0;
	long rounds = 0;
	int64_t t0;

	detect();
	nthreads = 3 * ncpu;
	if (nthreads < 6)
		nthreads = 6;
	if (nthreads > MAXT)
		nthreads = MAXT;
	printf("tst-fpu: %d CPUs, %d threads; x87 SSE%s%s\n", ncpu, nthreads,
	       have_avx ? " AVX" : "", have_avx2 ? " AVX2" : "");

	t0 = now_ns();
	for (i = 0; i < nthreads; i++)
		compute(i, modes[i % 4], &ref[i]);
	/* distinct values per thread, and the rounding modes matter */
	CHECK(!same(&ref[0], &ref[1]));
	struct result r;
	compute(1, FE_TONEAREST, &r);
	CHECK(memcmp(&r.x87, &ref[1].x87, 10) != 0);
	int64_t one = (now_ns() - t0) / nthreads;
	printf("one round: %lld us single-threaded\n", (long long)one / 1000);

	deadline = now_ns() + 3000000000LL;	/* ~3 s of preemption */
	for (i = 0; i < nthreads; i++) {
		workers[i].id = i;
		CHECK_EQ(pthread_create(&workers[i].t, NULL, worker_fn, &workers[i]), 0);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(workers[i].t, NULL);
		wrong += workers[i].wrong;
		lost += workers[i].mode_lost;
		rounds += workers[i].rounds;
		unpreempted += workers[i].preemptions == 0;
	}
	printf("%ld rounds, %d wrong, %d rounding modes lost; preemptions per "
	       "thread: %llu %llu %llu ...\n", rounds, wrong, lost,
	       (unsigned long long)workers[0].preemptions,
	       (unsigned long long)workers[1].preemptions,
	       (unsigned long long)workers[2].preemptions);
	CHECK_EQ(wrong, 0);
	CHECK_EQ(lost, 0);
	CHECK(rounds >= 2L * nthreads);
	CHECK_EQ(unpreempted, 0);
	return tst_done();
}
