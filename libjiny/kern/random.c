/*
 * random.c - random bytes for getrandom(2) and /dev/{u,}random (random.h).
 * xorshift128+ seeded from the TSC and the wall clock, stirred with the TSC
 * at each call, XORed with RDRAND per 8 bytes when CPUID says it is there
 * (retried a few times, as Intel advises). A hardware source such as
 * virtio-rng (drivers/virtio/rng.c) mixes its bytes into the state with
 * random_add_entropy() and registers a reseeder, which is asked for more
 * after RESEED_BYTES of output or RESEED_NS; the request never waits (the
 * device's interrupt brings the bytes). Not a CSPRNG without RDRAND: say
 * so if it matters.
 */
#include "kern/random.h"
#include "kern/spinlock.h"
#include "arch/arch.h"

static uint64_t s0, s1; /* lock */
static spinlock_t lock = SPINLOCK_INIT;
static int has_rdrand = -1;
static void (*reseeder)(void);      /* set once by a driver */
static uint64_t since_seed;         /* lock: bytes given out since the last reseed request */
static uint64_t seed_ns;            /* lock: when that request was made */
#define RESEED_BYTES (1ULL << 20)
#define RESEED_NS 60000000000ULL

static uint64_t mix64(uint64_t z)   /* splitmix64's finaliser */
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void random_add_entropy(const void *buf, size_t n)
{
	uint64_t f = spin_lock_irqsave(&lock);
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;
		memcpy(&w, (const uint8_t *)buf + i, MIN((size_t)8, n - i));
		s0 ^= mix64(w + s1);
		s1 ^= mix64(w ^ s0 ^ 0x9e3779b97f4a7c15ULL);
	}
	if (!s0 && !s1)
		s0 = 1;
	spin_unlock_irqrestore(&lock, f);
}

void random_set_reseeder(void (*fn)(void))
{
	seed_ns = clock_ns();
	reseeder = fn;
}

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
	bool reseed = false;
	for (size_t done = 0; done < n;) {
		uint64_t chunk[8];
		uint64_t f = spin_lock_irqsave(&lock);
		if (!s0 && !s1) {
			s0 = rdtsc() | 1;
			s1 = clock_realtime_ns() ^ 0x9e3779b97f4a7c15ULL;
		}
		s0 ^= rdtsc();
		for (int i = 0; i < 8; i++) {
			uint64_t hw = 0;
			if (has_rdrand)
				rdrand64(&hw);
			chunk[i] = prng_next() ^ hw;
		}
		/* The clock is read once per 4 KiB of output, not per chunk. */
		if (reseeder && ((since_seed += sizeof(chunk)) >= RESEED_BYTES ||
				 (!(since_seed & 4095) && clock_ns() - seed_ns >= RESEED_NS))) {
			since_seed = 0;
			seed_ns = clock_ns();
			reseed = true;
		}
		spin_unlock_irqrestore(&lock, f);
		size_t k = MIN(sizeof(chunk), n - done);
		memcpy(p + done, chunk, k);
		done += k;
	}
	if (reseed)
		reseeder(); /* posts a request; never waits */
}
