/*
 * clock.c - time. The monotonic clock is kvmclock when the hypervisor offers
 * it, else the TSC at a rate from CPUID 0x15 or, failing that, measured
 * against the PIT: 0.5 ms runs until three in a row agree within 0.5% (under
 * TCG one run now and then is way off; DESIGN.md 9), else CPUID 0x16.
 * Every wait is bounded: with no usable PIT we fall back to CPUID 0x16 or
 * an assumed rate and say so, rather than hang.
 * The wall clock starts from the CMOS RTC at boot.
 */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/io.h"
#include "mm/mm.h"

#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01

struct pvclock {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags, pad[2];
} __packed;

static struct pvclock kvmclock __aligned(64);
static bool use_kvmclock;
static uint64_t tsc_hz, tsc0;
static uint64_t mult; /* ns = (tsc delta * mult) >> 32 */
static uint64_t realtime_offset; /* realtime = monotonic + offset */
static const char *source = "tsc";

static uint64_t kvmclock_ns(void)
{
	uint32_t v;
	uint64_t ns;
	do {
		v = READ_ONCE(kvmclock.version);
		barrier();
		uint64_t d = rdtsc() - kvmclock.tsc_timestamp;
		if (kvmclock.tsc_shift >= 0)
			d <<= kvmclock.tsc_shift;
		else
			d >>= -kvmclock.tsc_shift;
		ns = kvmclock.system_time + (uint64_t)(((unsigned __int128)d * kvmclock.tsc_to_system_mul) >> 32);
		barrier();
	} while ((v & 1) || v != READ_ONCE(kvmclock.version));
	return ns;
}

static bool kvmclock_init(void)
{
	struct cpuid_regs r = cpuid(0x40000000, 0);
	if (r.ebx != 0x4b4d564b || r.ecx != 0x564b4d56 || r.edx != 0x4d)
		return false; /* not "KVMKVMKVM" */
	if (!(cpuid(0x40000001, 0).eax & (1u << 3)))
		return false; /* no KVM_FEATURE_CLOCKSOURCE2 */
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, virt_to_phys_linear(&kvmclock) | 1);
	return kvmclock.version != 0 || kvmclock.tsc_to_system_mul != 0;
}

static uint16_t pit_read0(void)
{
	outb(0x43, 0x00); /* latch channel 0 */
	uint8_t lo = inb(0x40);
	return (uint16_t)(lo | (inb(0x40) << 8));
}

/*
 * TSC ticks per second measured over ~0.5 ms of PIT channel 0 (free-running
 * in mode 2 with the full 16-bit period; its IRQ is masked). The counter is
 * read back with latch commands, so no speaker port (0x61) is needed, which
 * microvm lacks. 0 when no PIT answers.
 */
static uint64_t pit_measure(void)
{
	const unsigned span = 597; /* 0.5 ms at 1.193182 MHz */
	outb(0x43, 0x34);           /* channel 0, lobyte/hibyte, mode 2 */
	outb(0x40, 0);
	outb(0x40, 0);              /* reload 65536 */
	uint16_t first = pit_read0(), prev = first;
	uint64_t t0 = 0;
	unsigned elapsed = 0;
	for (long i = 0; i < 2000000; i++) {
		uint16_t c = pit_read0();
		if (!t0) {
			if (c == first)
				continue; /* wait for a tick edge to start */
			t0 = rdtsc();
			prev = c;
			continue;
		}
		elapsed += (uint16_t)(prev - c); /* counts down, wraps at 65536 */
		prev = c;
		if (elapsed >= span)
			return (rdtsc() - t0) * 1193182ULL / elapsed;
	}
	return 0;
}

static uint64_t tsc_rate(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	if (r.eax >= 0x15) {
		struct cpuid_regs c = cpuid(0x15, 0);
		if (c.eax && c.ebx && c.ecx) {
			source = "tsc (cpuid 0x15)";
			return (uint64_t)c.ecx * c.ebx / c.eax;
		}
	}
	/*
	 * Up to 15 runs of 0.5 ms: done as soon as three consecutive runs agree
	 * within 0.5% (usually the first three, 1.5 ms); their median is the rate.
	 */
	uint64_t m[3] = { 0, 0, 0 };
	for (int run = 0; run < 15; run++) {
		m[0] = m[1];
		m[1] = m[2];
		m[2] = pit_measure();
		if (!m[2])
			break; /* no PIT */
		if (run < 2)
			continue;
		uint64_t lo = MIN(m[0], MIN(m[1], m[2])), hi = MAX(m[0], MAX(m[1], m[2]));
		if ((hi - lo) * 200 <= lo) {
			source = "tsc (calibrated against the PIT)";
			return m[0] + m[1] + m[2] - lo - hi; /* the median */
		}
	}
	if (r.eax >= 0x16 && cpuid(0x16, 0).eax) {
		source = "tsc (cpuid 0x16 base frequency)";
		return (uint64_t)cpuid(0x16, 0).eax * 1000000;
	}
	printk("jiny: clock: no kvmclock, no CPUID TSC rate and the PIT calibration failed; "
	       "assuming a 2 GHz TSC (times will be off)\n");
	source = "tsc (assumed 2 GHz)";
	return 2000000000ULL;
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned bcd(uint8_t v, bool is_bcd) { return is_bcd ? (v & 15) + (v >> 4) * 10 : v; }

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static uint64_t rtc_read_ns(void)
{
	/* Wait (bounded) for no update in progress, then read twice until stable. */
	for (int i = 0; i < 1000000 && (cmos(0x0a) & 0x80); i++)
		cpu_relax();
	uint8_t s, mi, h, d, mo, y, s2;
	int tries = 0;
	do {
		s = cmos(0), mi = cmos(2), h = cmos(4), d = cmos(7), mo = cmos(8), y = cmos(9);
		s2 = cmos(0);
	} while (s != s2 && ++tries < 5);
	if (s == 0xff && mi == 0xff)
		return 0; /* no RTC */
	uint8_t b = cmos(0x0b);
	bool is_bcd = !(b & 0x04);
	unsigned hour = bcd(h & 0x7f, is_bcd);
	if (!(b & 0x02) && (h & 0x80))
		hour = (hour % 12) + 12;
	unsigned year = bcd(y, is_bcd) + 2000;
	int64_t days = days_from_civil(year, bcd(mo, is_bcd), bcd(d, is_bcd));
	int64_t secs = days * 86400 + hour * 3600 + bcd(mi, is_bcd) * 60 + bcd(s, is_bcd);
	return secs > 0 ? (uint64_t)secs * 1000000000ULL : 0;
}

void clock_init(void)
{
	tsc0 = rdtsc();
	if (kvmclock_init()) {
		use_kvmclock = true;
		source = "kvmclock";
		/* The TSC rate still drives the TSC-deadline timer. */
		tsc_hz = 1000000000ULL * (1ULL << 32) / kvmclock.tsc_to_system_mul;
		if (kvmclock.tsc_shift >= 0)
			tsc_hz >>= kvmclock.tsc_shift;
		else
			tsc_hz <<= -kvmclock.tsc_shift;
		tsc0 = kvmclock_ns();
	} else {
		tsc_hz = tsc_rate();
	}
	mult = (uint64_t)(((unsigned __int128)1000000000ULL << 32) / tsc_hz);
	realtime_offset = rtc_read_ns() - clock_ns();
}

uint64_t clock_ns(void)
{
	if (use_kvmclock)
		return kvmclock_ns() - tsc0;
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc0) * mult) >> 32);
}

uint64_t clock_ns_to_tsc(uint64_t ns)
{
	if (use_kvmclock) {
		uint64_t now = clock_ns();
		uint64_t d = ns > now ? ns - now : 0;
		return rdtsc() + (uint64_t)(((unsigned __int128)d * tsc_hz) / 1000000000ULL);
	}
	return tsc0 + (uint64_t)(((unsigned __int128)ns * tsc_hz) / 1000000000ULL);
}

uint64_t clock_realtime_ns(void) { return clock_ns() + realtime_offset; }
void clock_set_realtime_ns(uint64_t ns) { realtime_offset = ns - clock_ns(); }
uint64_t clock_tsc_hz(void) { return tsc_hz; }
const char *clock_source(void) { return source; }
