/* smp.h - other CPUs (arch/x86_64/smp.c): bring-up, IPIs, TLB shoot-down. */
#ifndef JINY_SMP_H
#define JINY_SMP_H
#include "arch/x86_64/cpu.h"

extern volatile int smp_online;  /* CPUs running the scheduler (parked ones included) */

void smp_init(paddr_t rsdp, int max_cpus); /* start the APs the MADT lists */
void smp_resched(int cpu);                 /* make 'cpu' look at its run queue */
/* Flush [start, end) from every other CPU's TLB; returns when all have. */
void tlb_shootdown(uintptr_t start, uintptr_t end);
/* Run fn(arg) on 'cpu' (from its interrupt or lock-spin), wait for it. */
void smp_call(int cpu, void (*fn)(void *), void *arg);
/* Serve pending cross-CPU requests (spin-waits call it: spinlock.h). */
void smp_poll(void);

#endif
