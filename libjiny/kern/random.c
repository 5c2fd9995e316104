/*
 * random.c - random bytes for getrandom(2) and /dev/{u,}random (random.h).
 * RDRAND per 8 bytes when CPUID says it is there (retried a few times, as
 * Intel advises); otherwise, or when RDRAND keeps failing, xorshift128+
 * seeded once from the TSC and the wall clock, stirred with the TSC at
 * each call. Not a CSPRNG without RDRAND: say so if it matters.
 */
#include "kern/random.h"
#include "kern/spinlock.h"
#include "arch/arch.h"

static uint64_t s0, s1; /* lock */
static spinlock_t lock = SPINLOCK_INIT;
static int has_rdrand = -1;

static uint64_t prng_next(void)
{
	uint64_t x = s0, y = s1;
	s0 = y;
	x ^= x << 23;
	s1 = x ^ y ^ (x >> 17) ^ (y >> 26);
	return s1 + y;
}

/* Filled in chunks: the lock is never held while touching the caller's
 * buffer (it may be an app page that faults in on demand). */
void random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	if (has_rdrand < 0)
		has_rdrand = cpu_has_rdrand();
	for (size_t done = 0; done < n;) {
		uint64_t chunk[8];
		uint64_t f = spin_lock_irqsave(&lock);
		if (!s0 && !s1) {
			s0 = rdtsc() | 1;
			s1 = clock_realtime_ns() ^ 0x9e3779b97f4a7c15ULL;
		}
		s0 ^= rdtsc();
		for (int i = 0; i < 8; i++)
			if (!has_rdrand || !rdrand64(&chunk[i]))
				chunk[i] = prng_next();
		spin_unlock_irqrestore(&lock, f);
		size_t k = MIN(sizeof(chunk), n - done);
		memcpy(p + done, chunk, k);
		done += k;
	}
}
