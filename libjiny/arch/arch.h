/*
 * arch.h - the seam between generic kernel code and the processor. Generic
 * code (kern/, mm/, sched/, fs/, drivers/, syscall/, compat/) includes this
 * header, never one under arch/<name>/, and holds no inline asm and no
 * #ifdef for the architecture: both stay under arch/ (and boot/).
 *
 * A port to another architecture adds arch/<name>/arch.h, selected below,
 * and provides what follows. The ones marked "inline" sit on fast paths (a
 * lock, the current thread, a device register) and must be static inline.
 *
 *   Interrupts on this CPU (inline)
 *     irq_save() -> flags, irq_restore(flags), irq_enable(), irq_disable();
 *     cpu_relax() in a spin-wait; cpu_halt() waits for an interrupt (for
 *     ever with interrupts off); arch_halt(): the idle wait, interrupts on
 *     while it waits and off again after.
 *   Per-CPU data (inline): struct cpu, one per CPU, with at least the fields
 *     generic code uses (id, current, idle, online, need_resched,
 *     preempt_count, parked, the statistics); this_cpu(), and reads that
 *     are right even across an interrupt or a migration: this_cpu_id(),
 *     this_cpu_current() (sched_current()), this_cpu_need_resched(),
 *     this_cpu_preempt_inc() / this_cpu_preempt_dec() (preempt.h).
 *     cpus[], nr_cpus, MAX_CPUS.
 *   Code position (inline): arch_code_address(), arch_frame_pointer(),
 *     arch_caller_regs() (panic's register dump), struct trap_frame,
 *     trap_print_regs(), trap_stack_bounds().
 *   Time and randomness (inline): rdtsc() the cycle counter; rdrand64() /
 *     rdseed64() a hardware random number, false when there is none
 *     (cpu_has_rdrand() / cpu_has_rdseed() say whether to try).
 *     clock_ns() and the rest of the clock (clock.c), the one-shot timer
 *     (apic_timer_arm()).
 *   Device registers (inline), address first, then the value: port I/O
 *     inb/inw/inl, outb/outw/outl (a port without port I/O maps them to its
 *     PCI I/O window or leaves them out with the drivers that need them);
 *     MMIO readb/readw/readl/readq, writeb/writew/writel/writeq, each one
 *     access of its width, kept in program order with the CPU's other
 *     memory accesses (a doorbell after a ring update needs no fence).
 *   Threads: arch_switch(), arch_thread_start(), arch_call_on_stack(),
 *     arch_enter_app(), arch_set_thread_stacks(), the FPU (fpu_save/restore,
 *     fpu_ctl_save/restore for a voluntary switch), the TLS base.
 *   Device interrupts: arch_irq_alloc() a vector with its handler,
 *     arch_ioapic_route() a GSI to it, arch_msi_message() for PCI MSI(-X).
 *   Other CPUs: smp_init(), smp_resched(), smp_call(), smp_poll(),
 *     tlb_shootdown().
 *   User memory: user_access_begin() / user_access_end() /
 *     user_access_state() around kernel access to ring-3 pages.
 *
 * Memory ordering between CPUs is not part of the seam: generic code uses
 * the C11 __atomic builtins, which the compiler lowers for each processor.
 */
#ifndef JINY_ARCH_H
#define JINY_ARCH_H

#if defined(__x86_64__)
#include "arch/x86_64/arch.h"
#else
#error "Jiny has no port for this architecture (see libjiny/arch/arch.h)"
#endif

#endif
