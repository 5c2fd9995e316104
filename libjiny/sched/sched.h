/*
 * sched.h - threads and the scheduler (sched/sched.c, sched/thread.c).
 *
 * Policy (this issue: one CPU; SMP and per-CPU queues come with the threads
 * issue): strict priority classes HP > NORMAL > IDLE, round-robin with a
 * time slice inside a class. The HP app's threads are PRIO_HP. The LAPIC
 * timer is one-shot and armed only for the next event (a slice end when
 * another thread of the same class is ready, the earliest sleeper, or the
 * optional periodic tick `tick_hz=`). All scheduler state is guarded by
 * disabling interrupts.
 */
#ifndef JINY_SCHED_H
#define JINY_SCHED_H

#include "../kern/kern.h"

struct trap_frame;

enum thread_state { THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };
enum { PRIO_HP, PRIO_NORMAL, PRIO_IDLE, NR_PRIO };

struct thread {
	uint64_t rsp;             /* saved by arch_switch() */
	int tid;
	char name[16];
	int state;                /* enum thread_state */
	int prio;
	struct thread *next;      /* run queue / sleep list link */
	uint8_t *stack;           /* main stack (lowest usable byte) */
	size_t stack_size;
	uint8_t *irq_stack;       /* IST_IRQ stack (16 KiB) */
	uint8_t *exc_stack;       /* IST_EXC stack (16 KiB) */
	void *fpu;                /* XSAVE area */
	bool fpu_full;            /* fpu holds the whole state (preempted / new) */
	uint64_t fsbase;          /* TLS pointer (arch_prctl ARCH_SET_FS) */
	uint64_t wake_ns;         /* sleeping until (monotonic ns), 0 = not sleeping */
	uint64_t slice_end_ns;
	uint64_t run_ns;          /* CPU time used */
	uint64_t last_start_ns;   /* when it last got the CPU */
	int *clear_child_tid;     /* set_tid_address */
	struct thread *joiner;    /* waiting in thread_join() */
	bool joined;
};

#define THREAD_IRQ_STACK 16384
#define THREAD_EXC_STACK 16384
#define SCHED_SLICE_NS 10000000ULL /* 10 ms */

void sched_init(uint64_t tick_hz);
struct thread *thread_create(const char *name, int prio, void (*fn)(void *), void *arg,
			     size_t stack_size);
struct thread *sched_current(void);
void sched_run_idle(void) __noreturn;     /* the boot context becomes CPU 0's idle thread */
void sched_yield(void);
void sched_sleep_until(uint64_t ns);      /* monotonic ns; returns early if woken */
void sched_wake(struct thread *t);
void sched_block(void);                   /* current must already be marked BLOCKED */
void sched_timer_irq(struct trap_frame *f);
void sched_thread_entry(void (*fn)(void *), void *arg) __noreturn;
void thread_exit(void) __noreturn;
int thread_join(struct thread *t); /* wait until t is dead, then free it */
void thread_set_fsbase(uint64_t base);

#endif
