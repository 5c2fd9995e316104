/*
 * fpu.c - SSE/AVX enabled through XSAVE (DESIGN.md 5). Every user-state
 * component the CPU offers among x87, SSE, AVX and AVX-512 is enabled in
 * XCR0; a thread's XSAVE area is saved when it is preempted and restored
 * when it runs again (sched.c). The kernel itself is built without SSE.
 */
#include "arch/x86_64/arch.h"

#define XCR0_X87 (1UL << 0)
#define XCR0_SSE (1UL << 1)
#define XCR0_AVX (1UL << 2)
#define XCR0_AVX512 (7UL << 5)

static uint64_t xcr0;
static size_t xsave_size = 512 + 64;
static bool have_xsave;
static uint32_t mxcsr_mask = 0xffbf; /* MXCSR bits the CPU accepts (FXSAVE's MXCSR_MASK) */

void fpu_init(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	uint64_t cr0 = read_cr0();
	cr0 &= ~(CR0_EM | CR0_TS);
	cr0 |= CR0_MP | CR0_NE;
	write_cr0(cr0);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	have_xsave = r.ecx & (1u << 26);
	if (have_xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	__asm__ __volatile__("fninit");
	if (have_xsave) {
		struct cpuid_regs d = cpuid(0xd, 0);
		uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;
		xcr0 = XCR0_X87 | XCR0_SSE;
		if ((r.ecx & (1u << 28)) && (supported & XCR0_AVX))
			xcr0 |= XCR0_AVX;
		if ((xcr0 & XCR0_AVX) && (supported & XCR0_AVX512) == XCR0_AVX512)
			xcr0 |= XCR0_AVX512;
		xsetbv(0, xcr0);
		xsave_size = cpuid(0xd, 0).ebx; /* for the enabled components */
	}
	uint32_t mxcsr = 0x1f80;
	__asm__ __volatile__("ldmxcsr %0" ::"m"(mxcsr));
	/* Once, on the boot CPU (APs start on small stacks: no 512-byte local here). */
	static uint8_t fx[512] __aligned(16);
	static bool mask_read;
	if (!mask_read) {
		mask_read = true;
		__asm__ __volatile__("fxsave64 %0" : "=m"(fx));
		uint32_t mask = *(uint32_t *)(fx + 28);
		if (mask)
			mxcsr_mask = mask;
	}
}

uint64_t fpu_xfeatures(void) { return have_xsave ? xcr0 : 0; }

void fpu_sanitize(void *area, bool extended)
{
	uint8_t *p = area;
	*(uint32_t *)(p + 24) &= mxcsr_mask; /* a reserved MXCSR bit makes XRSTOR #GP */
	if (!have_xsave)
		return;
	/* The header (bytes 512..575): standard form, only enabled components. */
	uint64_t *hdr = (uint64_t *)(p + 512);
	uint64_t bv = extended ? hdr[0] & xcr0 : 0;
	memset(hdr, 0, 64);
	hdr[0] = bv | XCR0_X87 | XCR0_SSE;
}

size_t fpu_state_size(void) { return ALIGN_UP(xsave_size, 64); }

void fpu_state_init(void *area)
{
	memset(area, 0, fpu_state_size());
	uint8_t *p = area;
	*(uint16_t *)(p + 0) = 0x37f;       /* FCW */
	*(uint32_t *)(p + 24) = 0x1f80;     /* MXCSR */
	*(uint32_t *)(p + 28) = 0xffff;     /* MXCSR_MASK (ignored by xrstor) */
}

void fpu_save(void *area)
{
	if (have_xsave)
		__asm__ __volatile__("xsave64 (%0)" ::"r"(area), "a"((uint32_t)xcr0),
				     "d"((uint32_t)(xcr0 >> 32))
				     : "memory");
	else
		__asm__ __volatile__("fxsave64 (%0)" ::"r"(area) : "memory");
}

void fpu_restore(const void *area)
{
	if (have_xsave)
		__asm__ __volatile__("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)xcr0),
				     "d"((uint32_t)(xcr0 >> 32))
				     : "memory");
	else
		__asm__ __volatile__("fxrstor64 (%0)" ::"r"(area) : "memory");
}
