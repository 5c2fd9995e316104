/*
 * io.h - device registers, address first, then the value: x86 port I/O
 * (inb/outb ...: the serial port, fw_cfg, the PIT, power-off) and
 * memory-mapped I/O (readb/writeb ...: virtio's MMIO transport and PCI BARs).
 *
 * An MMIO accessor is one mov of the register's width, volatile with a
 * "memory" clobber: the compiler neither merges, splits nor drops it, nor
 * moves other memory accesses across it. The CPU keeps uncached accesses in
 * program order with every other load and store (x86 never reorders stores
 * with stores nor loads with loads), so no fence is needed either: a driver
 * that fills a ring in RAM and then writes a doorbell, or reads a status
 * register and then the buffer it names, needs nothing more. Ordering
 * against other CPUs is the C11 __atomic builtins' business, as anywhere.
 */
#ifndef JINY_ARCH_IO_H
#define JINY_ARCH_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t readb(const volatile void *addr)
{
	uint8_t v;
	__asm__ __volatile__("movb %1, %0"
			     : "=q"(v)
			     : "m"(*(const volatile uint8_t *)addr)
			     : "memory");
	return v;
}
static inline uint16_t readw(const volatile void *addr)
{
	uint16_t v;
	__asm__ __volatile__("movw %1, %0"
			     : "=r"(v)
			     : "m"(*(const volatile uint16_t *)addr)
			     : "memory");
	return v;
}
static inline uint32_t readl(const volatile void *addr)
{
	uint32_t v;
	__asm__ __volatile__("movl %1, %0"
			     : "=r"(v)
			     : "m"(*(const volatile uint32_t *)addr)
			     : "memory");
	return v;
}
static inline uint64_t readq(const volatile void *addr)
{
	uint64_t v;
	__asm__ __volatile__("movq %1, %0"
			     : "=r"(v)
			     : "m"(*(const volatile uint64_t *)addr)
			     : "memory");
	return v;
}
static inline void writeb(volatile void *addr, uint8_t v)
{
	__asm__ __volatile__("movb %1, %0" : "=m"(*(volatile uint8_t *)addr) : "q"(v) : "memory");
}
static inline void writew(volatile void *addr, uint16_t v)
{
	__asm__ __volatile__("movw %1, %0" : "=m"(*(volatile uint16_t *)addr) : "r"(v) : "memory");
}
static inline void writel(volatile void *addr, uint32_t v)
{
	__asm__ __volatile__("movl %1, %0" : "=m"(*(volatile uint32_t *)addr) : "r"(v) : "memory");
}
static inline void writeq(volatile void *addr, uint64_t v)
{
	__asm__ __volatile__("movq %1, %0" : "=m"(*(volatile uint64_t *)addr) : "r"(v) : "memory");
}

#endif
