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

/* 64-bit mixing (splitmix64's finaliser) of the running hash h with v. */
static uint64_t isn_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static uint64_t ip_hash(uint64_t h, const struct ip_addr *a)
{
	if (IP_IS_V6(a)) {
		const ip6_addr_t *a6 = ip_2_ip6(a);
		for (int i = 0; i < 4; i++)
			h = isn_mix(h, a6->addr[i]);
		return h;
	}
	return isn_mix(h, ip_2_ip4(a)->addr);
}

/*
 * LWIP_HOOK_TCP_ISN, as RFC 6528 (and Linux): a 4-microsecond clock plus a
 * keyed hash of the connection's addresses and ports, the key random at
 * the first connection. Unpredictable from outside, and increasing for
 * successive connections between the same endpoints, which is what lets
 * a SYN reopen a connection still in TIME_WAIT (net.c, RFC 1122
 * 4.2.2.13): a client that reuses a port is not taken for an old duplicate.
 */
uint32_t net_tcp_isn(const struct ip_addr *local_ip, uint16_t local_port,
		     const struct ip_addr *remote_ip, uint16_t remote_port)
{
	static uint64_t key; /* 0 until the first call (under lwIP's lock) */
	while (!key)
		random_bytes(&key, sizeof(key));
	uint64_t h = ip_hash(ip_hash(key, local_ip), remote_ip);
	h = isn_mix(h, (uint64_t)local_port << 16 | remote_port);
	return (uint32_t)(clock_ns() / 4000) + (uint32_t)h;
}

/*
 * lwIP's heap is kmalloc, with a few 64 KiB blocks kept aside: a loopback
 * stream allocates two per segment (the segment and its looped copy) and
 * frees them a moment later, and each fresh block's pages would be zeroed
 * by the page allocator again (a quarter of the loopback's instructions).
 * At most NET_BIG_CACHE blocks (512 KiB) stay cached; the lock is a
 * spinlock because a driver may free a pbuf without net_lock.
 */
#define NET_BIG_MIN (32u << 10)  /* requests above this take a cached block */
#define NET_BIG_CACHE 8
static spinlock_t big_lock = SPINLOCK_INIT;
static void *big_cache[NET_BIG_CACHE]; /* big_lock */
static int big_n;                      /* big_lock */
static size_t big_usable;              /* the usable size of the cached blocks; made by the first */

void *net_mem_malloc(size_t size)
{
	if (size > NET_BIG_MIN && size <= READ_ONCE(big_usable)) {
		void *p = NULL;
		uint64_t f = spin_lock_irqsave(&big_lock);
		if (big_n)
			p = big_cache[--big_n];
		spin_unlock_irqrestore(&big_lock, f);
		if (p)
			return p;
	}
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
	if (!p)
		return;
	size_t u = kmalloc_usable_size(p);
	if (u > NET_BIG_MIN && u <= (64u << 10)) {
		uint64_t f = spin_lock_irqsave(&big_lock);
		if (!big_usable)
			big_usable = u;
		if (u == big_usable && big_n < NET_BIG_CACHE) {
			big_cache[big_n++] = p;
			p = NULL;
		}
		spin_unlock_irqrestore(&big_lock, f);
	}
	kfree(p);
}

void net_assert_locked(void)
{
	if (unlikely(!net_lock_held()))
		panic("lwIP called without net_lock held (a raw API call outside net_lock()/net_unlock())");
}
