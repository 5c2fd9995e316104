/*
 * arch/sys_arch.h - lwIP's operating-system seam for Jiny (sys_arch.c).
 *
 * Choice: NO_SYS=1, with the core lock and the thread our own (net.c).
 * lwIP's NO_SYS=0 mode brings the tcpip thread, and with it mailboxes,
 * semaphores and thread creation to emulate (sys_mbox_*, sys_sem_*,
 * sys_thread_new) for one purpose: to run every stack operation in that
 * thread. But the socket family (inet.c) calls the raw API directly in the
 * calling thread under one lock (no thread hop, no message per send or
 * receive; lwIP's own LWIP_TCPIP_CORE_LOCKING does the same), so all the
 * tcpip thread would still do is run timers and take frames from drivers:
 * a small loop of our own (net.c's "net" thread) does that over a waitq,
 * with less to get wrong. NO_SYS=1 keeps lwIP's timers (LWIP_TIMERS,
 * sys_check_timeouts) and its DHCP, DNS and IPv6 autoconfiguration.
 *
 * What the port provides (sys_arch.c):
 *   sys_now()                   milliseconds, from the monotonic clock
 *   sys_arch_protect/unprotect  pbuf reference counts (SYS_LIGHTWEIGHT_PROT):
 *                               interrupts off and a spinlock, nestable
 *   net_rand32(), net_tcp_isn() LWIP_RAND and the TCP ISN hook: kern/random.h
 *   net_mem_*()                 lwIP's heap and pools: kmalloc
 *   net_assert_locked()         LWIP_ASSERT_CORE_LOCKED: net_lock is held
 * The lock itself (net_lock/net_unlock) is net.c's, declared in net.h.
 */
#ifndef JINY_LWIP_ARCH_SYS_ARCH_H
#define JINY_LWIP_ARCH_SYS_ARCH_H

#include <stdint.h>

typedef uint64_t sys_prot_t; /* the saved interrupt flag, plus a "nested" bit */

#endif
