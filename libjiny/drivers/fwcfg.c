/*
 * fwcfg.c - reader for QEMU's fw_cfg device (fwcfg.h), x86 I/O-port flavour.
 * Its one user so far is debug/backtrace.c, which reads the app's ELF
 * ("opt/jiny/elf", passed by jiny-run) to symbolize crash reports, so it
 * must work late and in a bad state: no interrupts, no allocation, no
 * initcall needed (probed on first use).
 *
 * Protocol (QEMU docs/specs/fw_cfg.txt): write a 16-bit key to the selector
 * port 0x510, then read the item byte by byte from the data port 0x511. Key
 * 0x19 is the file directory: a big-endian count, then 64-byte entries
 * {be32 size, be16 select, be16 reserved, char name[56]}. With the DMA
 * feature (bit 1 of key 0x01) a big-endian descriptor {control, length,
 * address} whose physical address is written big-endian to 0x514/0x518 moves
 * a whole read (or a skip, for offsets) at once; the data port and DMA share
 * the item's read offset.
 */
#include "drivers/fwcfg.h"
#include "kern/errno.h"
#include "mm/mm.h"
#include "arch/arch.h"

#define PORT_SELECTOR 0x510
#define PORT_DATA 0x511
#define PORT_DMA_HI 0x514 /* big-endian high half of the descriptor's address */
#define PORT_DMA_LO 0x518 /* low half; writing it starts the transfer */

#define KEY_SIGNATURE 0x0000
#define KEY_ID 0x0001
#define KEY_FILE_DIR 0x0019
#define ID_DMA (1U << 1)

#define DMA_ERROR 0x01
#define DMA_READ 0x02
#define DMA_SKIP 0x04
#define DMA_SELECT 0x08
#define DMA_MAX 0x40000000U /* bytes per descriptor, to stay well in 32 bits */

struct fwcfg_dma {
	uint32_t control; /* big-endian; the device clears it when done */
	uint32_t length;
	uint64_t address;
};

struct fwcfg_file {
	uint32_t size; /* big-endian */
	uint16_t select;
	uint16_t reserved;
	char name[56];
};

static int probed;   /* 0 not yet, 1 present, -1 absent */
static bool has_dma;
/* In the image window, so its physical address is linear. Guarded by fwcfg_lock(). */
static struct fwcfg_dma dma_desc __aligned(16);

/* One CPU: nothing to lock. With SMP, a spinlock around each select+read goes here. */
static inline void fwcfg_lock(void) {}
static inline void fwcfg_unlock(void) {}

static bool is_linear(const void *p, size_t len)
{
	uintptr_t v = (uintptr_t)p;

	if (v >= DIRECT_MAP_BASE && v < KVA_BASE)
		return len <= KVA_BASE - v;
	return v >= IMAGE_BASE && v < IMAGE_END && len <= IMAGE_END - v;
}

static int dma_op(uint32_t control, void *buf, uint32_t len)
{
	paddr_t desc = virt_to_phys_linear(&dma_desc);
	uint32_t c;

	dma_desc.control = __builtin_bswap32(control);
	dma_desc.length = __builtin_bswap32(len);
	dma_desc.address = __builtin_bswap64(buf ? virt_to_phys_linear(buf) : 0);
	barrier(); /* the descriptor is in memory before the device looks */
	outl(PORT_DMA_HI, __builtin_bswap32(desc >> 32));
	outl(PORT_DMA_LO, __builtin_bswap32((uint32_t)desc));
	barrier();
	/* QEMU finishes during the port write; the spec still asks to poll. */
	while ((c = __builtin_bswap32(READ_ONCE(dma_desc.control))) & ~DMA_ERROR)
		barrier();
	return c & DMA_ERROR ? -EIO : 0;
}

bool fwcfg_present(void)
{
	char sig[4];
	uint32_t id = 0;

	if (probed)
		return probed > 0;
	fwcfg_lock();
	outw(PORT_SELECTOR, KEY_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = inb(PORT_DATA);
	probed = memcmp(sig, "QEMU", 4) ? -1 : 1;
	if (probed > 0) {
		outw(PORT_SELECTOR, KEY_ID);
		for (int i = 0; i < 4; i++)
			id |= (uint32_t)inb(PORT_DATA) << (8 * i); /* little-endian */
		has_dma = id & ID_DMA;
	}
	fwcfg_unlock();
	return probed > 0;
}

/* Select the item and move to offset; the DMA skip spares reading megabytes. */
static int seek(uint16_t select, uint64_t offset)
{
	int ret;

	if (!has_dma) {
		outw(PORT_SELECTOR, select);
		for (; offset; offset--)
			inb(PORT_DATA);
		return 0;
	}
	ret = dma_op(((uint32_t)select << 16) | DMA_SELECT, NULL, 0);
	while (!ret && offset) {
		uint32_t n = MIN(offset, DMA_MAX);
		ret = dma_op(DMA_SKIP, NULL, n);
		offset -= n;
	}
	return ret;
}

int fwcfg_read(uint16_t select, uint64_t offset, void *buf, size_t len)
{
	uint8_t *p = buf;
	int ret;

	if (!fwcfg_present())
		return -ENODEV;
	fwcfg_lock();
	ret = seek(select, offset);
	if (!ret && has_dma && is_linear(buf, len)) {
		while (!ret && len) {
			uint32_t n = MIN(len, DMA_MAX);
			ret = dma_op(DMA_READ, p, n);
			p += n;
			len -= n;
		}
	} else if (!ret) {
		while (len--)
			*p++ = inb(PORT_DATA);
	}
	fwcfg_unlock();
	return ret;
}

int fwcfg_find(const char *name, uint16_t *select, uint32_t *size)
{
	struct fwcfg_file f;
	uint32_t count;
	int ret;

	if (strlen(name) >= sizeof(f.name))
		return -ENOENT;
	if ((ret = fwcfg_read(KEY_FILE_DIR, 0, &count, sizeof(count))))
		return ret;
	count = __builtin_bswap32(count);
	for (uint32_t i = 0; i < count && i < 65536; i++) {
		if ((ret = fwcfg_read(KEY_FILE_DIR, 4 + (uint64_t)i * sizeof(f), &f, sizeof(f))))
			return ret;
		if (!strncmp(f.name, name, sizeof(f.name))) {
			*select = __builtin_bswap16(f.select);
			*size = __builtin_bswap32(f.size);
			return 0;
		}
	}
	return -ENOENT;
}
