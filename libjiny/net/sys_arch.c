/*
 * sys_arch.c - what lwIP (NO_SYS=1) asks of the system: time, protection
 * of pbuf reference counts, randomness, memory, and the core-lock check.
 * arch/sys_arch.h says why NO_SYS=1; net.c has the lock and the thread.
 */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/ip_addr.h"
#include "net/net.h"
#include "kern/random.h"
#include "kern/spinlock.h"
#include "mm/mm.h"
#include "arch/arch.h"

u32_t sys_now(void)
{
	return (u32_t)(clock_ns() / 1000000);
}

/*
 * SYS_ARCH_PROTECT: lwIP updates pbuf reference counts under it, and a
 * driver may drop its reference to a transmitted pbuf from its own thread
 * without net_lock. Interrupts off (a driver may do it from an interrupt)
 * and a spinlock (other CPUs); lwIP allows nesting, which a CPU that
 * already holds the lock sees and passes through.
 */
#define PROT_NESTED (1ULL << 63)
static spinlock_t prot_lock = SPINLOCK_INIT;

sys_prot_t sys_arch_protect(void)
{
	uint64_t f = irq_save();
	if (spin_held_here(&prot_lock))
		return f | PROT_NESTED;
	spin_lock(&prot_lock);
	return f;
}

void sys_arch_unprotect(sys_prot_t v)
{
	if (!(v & PROT_NESTED))
		spin_unlock(&prot_lock);
	irq_restore(v & ~PROT_NESTED);
}

uint32_t net_rand32(void)
{
	uint32_t v;
	random_bytes(&v, sizeof(v));
	return v;
}

/* LWIP_HOOK_TCP_ISN: a random initial sequence number for every
 * connection, from the kernel's random source (RDRAND where present). */
uint32_t net_tcp_isn(const struct ip_addr *local_ip, uint16_t local_port,
		     const struct ip_addr *remote_ip, uint16_t remote_port)
{
	return net_rand32();
}

void *net_mem_malloc(size_t size)
{
	return kmalloc(size);
}

void *net_mem_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size);
}

void net_mem_free(void *p)
{
	kfree(p);
}

void net_assert_locked(void)
{
	if (unlikely(!net_lock_held()))
		panic("lwIP called without net_lock held (a raw API call outside net_lock()/net_unlock())");
}
