/*
 * sched.h - threads and the scheduler (sched/sched.c), futexes (futex.c).
 *
 * Policy: strict priority classes HP > NORMAL > IDLE; round-robin with a
 * 10 ms slice inside a class. Each CPU has its own run queue and sleep list
 * (struct runqueue, one spinlock each). Placement: a woken or new thread
 * goes to an allowed CPU that is idle, else to one running a lower class,
 * else to the least loaded; an idle CPU steals ready threads from the
 * others. A CPU's one-shot LAPIC timer is armed only for its next event
 * (a sleeper's deadline, a slice end when a same-class thread waits, or the
 * optional periodic tick `tick_hz=`). Cross-CPU wake-ups use the RESCHED
 * IPI. Parked CPUs (elastic CPUs) run only their idle thread.
 *
 * Locking: rq->lock guards a run queue, its sleep list and the state of the
 * threads queued there. A thread's state goes RUNNING -> BLOCKED (itself,
 * interrupts off, after putting itself on a wait list) -> WAKING (the waker,
 * under the thread's rq lock, once the thread is off its CPU) -> READY.
 * Lock order: wait-list locks (futex buckets) before rq locks; rq locks
 * one at a time, never two.
 */
#ifndef JINY_SCHED_H
#define JINY_SCHED_H

#include "kern/kern.h"
#include "arch/arch.h"

enum thread_state { THREAD_RUNNING, THREAD_READY, THREAD_BLOCKED, THREAD_WAKING, THREAD_DEAD };
enum { PRIO_HP, PRIO_NORMAL, PRIO_IDLE, NR_PRIO };

#define THREAD_OWN_STACK 1u  /* stack allocated by thread_create, freed with it */
#define THREAD_JOINABLE 2u   /* freed by thread_join(), not when it dies */
#define THREAD_APP 4u        /* one of the HP app's threads (counted for exit) */
#define THREAD_KSTACK 8u     /* its stack is a recycled kernel stack (thread_kstack_alloc) */

/*
 * Who may change each field:
 *   rq       rq->lock of the run queue the thread is on (t->cpu's)
 *   made     set before thread_start() and never changed after
 *   own      set before thread_start(), then only by the thread itself
 *            (interrupts off where the switch code reads it)
 *   switch   the context-switch code of the CPU the thread runs on
 *            (interrupts off, rq->lock held); statistics readers read it
 *            without a lock
 */
struct thread {
	uint64_t rsp;             /* saved by arch_switch(); switch */
	int tid;                  /* made (thread_list(), under threads_lock) */
	char name[16];            /* own: execve, prctl(PR_SET_NAME) under p->lock */
	volatile int state;       /* enum thread_state; rq, but the thread itself (interrupts
				   * off) sets BLOCKED, RUNNING if its wait ends first, DEAD */
	int prio;                 /* rq (thread_set_prio) */
	unsigned flags;           /* THREAD_*; own */
	int cpu;                  /* run queue it is on / CPU it last ran on; rq (others read it
				   * once, lock that rq, and check again) */
	volatile int on_cpu;      /* its registers are live on a CPU; atomic (switch) */
	uint64_t affinity;        /* allowed CPUs, bit i = CPU i; stored without a lock
				   * (thread_set_affinity), read by the scheduler under rq */
	struct thread *next;      /* run queue, sleep list (rq) or migration link (switch) */
	struct thread *all_next;  /* all threads (threads_lock) */
	bool sleeping;            /* on its CPU's sleep list; rq */
	bool woken;               /* queued at the head after a wake-up; rq */
	uint64_t wake_ns;         /* ... until this monotonic time; rq */
	uint8_t *stack;           /* stack bounds, for backtraces (owned if THREAD_OWN_STACK) */
	size_t stack_size;        /* ... both own */
	uint8_t *irq_stack;       /* IST_IRQ stack (16 KiB); made */
	uint8_t *exc_stack;       /* IST_EXC stack (16 KiB); made */
	void *fpu;                /* XSAVE area; made (its contents: switch) */
	bool fpu_full;            /* fpu holds the whole state (preempted / new); switch */
	uint64_t fsbase;          /* TLS pointer (arch_prctl, CLONE_SETTLS); own */
	uint64_t slice_end_ns;    /* switch */
	uint64_t run_ns;          /* CPU time of its finished runs; switch, under time_seq */
	uint64_t last_start_ns;   /* when it last got the CPU; switch, under time_seq */
	bool timing;              /* on a CPU: a run since last_start_ns is going on; switch,
				   * under time_seq */
	int exc_depth;            /* exceptions being handled (arch trap.c; a second is fatal); own */
	uint32_t time_seq;        /* odd while switch_to changes the three above: readers on
				   * other CPUs retry (thread_cpu_time) */
	uint64_t switches, preemptions; /* switch */
	int *clear_child_tid;     /* set_tid_address / CLONE_CHILD_CLEARTID; own */
	struct thread *joiner;    /* waiting in thread_join(); set once, atomically */
	uintptr_t unmap_base;     /* musl's __unmapself: unmapped once off its stack; own */
	size_t unmap_len;
	/* Processes (proc/proc.h): every thread has one; hp_proc for kernel and app threads. */
	struct proc *proc;        /* own (cleared as it exits) */
	struct mm *mm;            /* address space (NULL: the kernel's), loaded at switch; own */
	struct thread *proc_next; /* the process's thread list (p->lock) */
	uint64_t kstack_top;      /* compat threads: top of the kernel stack (entry.S); own */
	struct trap_frame *uframe; /* compat threads: user registers, just below kstack_top; own */
	/* Signals (proc/signal.c). */
	uint64_t sig_mask;        /* blocked, bit sig-1; own, under p->lock; read without it */
	uint64_t sig_pending;     /* sent to this thread (tgkill, faults); p->lock */
	uint64_t sig_saved_mask;  /* rt_sigsuspend / pselect: restored after delivery; own */
	bool sig_restore_mask;    /* own */
	struct { uint64_t sp; int flags; uint64_t size; } sig_altstack; /* own */
	void *sig_priv;           /* signal.c's per-thread extras (queued siginfo), freed with it;
				   * attached once, atomically; what it holds: p->lock */
	/* Called once the dead thread is off its CPU and stack (a vfork child on its parent's stack). */
	void (*reap_hook)(void *arg); /* own */
	void *reap_arg;
};

#define THREAD_KSTACK_SIZE (32UL << 10) /* kernel stack of a ring-3 thread */
#define THREAD_IRQ_STACK 16384
#define THREAD_EXC_STACK 16384
#define SCHED_SLICE_NS 10000000ULL /* 10 ms */

void sched_init(uint64_t tick_hz);          /* boot CPU, before any thread */
void sched_start_ap(struct cpu *c) __noreturn; /* an AP joins, becomes its idle thread */
void sched_run_idle(void) __noreturn;       /* the boot context becomes CPU 0's idle thread */

/* A running thread with a stack of its own (flags: THREAD_JOINABLE, THREAD_APP). */
struct thread *thread_create(const char *name, int prio, unsigned flags, void (*fn)(void *),
			     void *arg, size_t stack_size);
/* A thread running fn(arg) on a stack its creator owns (clone). Not started yet. */
struct thread *thread_create_on(const char *name, int prio, void (*fn)(void *), void *arg,
				uintptr_t stack_top);
void thread_start(struct thread *t);        /* make a created thread runnable */
/* A kernel stack of THREAD_KSTACK_SIZE (guard page below), recycled when its thread
 * (flags THREAD_KSTACK | THREAD_OWN_STACK) is freed; NULL when out of memory. */
uint8_t *thread_kstack_alloc(void);
void thread_exit(void) __noreturn;
int thread_join(struct thread *t);          /* THREAD_JOINABLE only */
struct thread *thread_find(int tid);        /* with threads_lock held: threads_lock()/unlock() */
void threads_lock(void);
void threads_unlock(void);
void thread_set_fsbase(uint64_t base);
int thread_set_affinity(struct thread *t, uint64_t mask);
int thread_set_prio(struct thread *t, int prio);
int sched_app_threads(void);                /* live THREAD_APP threads */
/* The caller is the only thread (idle threads aside): nothing else can touch
 * shared state such as the fd table until it creates one. */
bool sched_single_thread(void);
uint64_t sched_app_cpu_ns(void);            /* their CPU time, exited ones included */
/* t's CPU time up to now, the run going on included; exact against a switch on
 * another CPU. With t the caller, call with interrupts off. */
uint64_t thread_cpu_time(const struct thread *t);

/* The running thread, read in one instruction (safe against migration). */
static inline struct thread *sched_current(void) { return this_cpu_current(); }
int sched_cpu_id(void);                     /* this CPU, read in one instruction */

void sched_yield(void);
/* Block the current thread, which the caller has marked THREAD_BLOCKED with
 * interrupts off after putting it on a wait list; deadline 0 = none. */
void sched_block(uint64_t deadline_ns);
void sched_sleep_until(uint64_t ns);        /* monotonic ns */
/*
 * Work a driver deferred until this thread stops running (virtio-net's
 * batched transmit notifications): fn(0) whenever a thread stops running
 * (it blocks, sleeps, yields, exits or is preempted), interrupts off, on
 * that thread: do it all. It must not sleep or take a lock a thread may
 * hold while it schedules; set at probe.
 */
void sched_set_block_hook(void (*fn)(uint64_t min_age_ns));
/* fn(SCHED_DEFER_MAX_NS) without blocking: poll, select, epoll_wait and
 * socket receives call it, so a loop that never sleeps (a zero timeout,
 * non-blocking receives) leaves work deferred for at most that long. */
#define SCHED_DEFER_MAX_NS 200000ULL
void sched_flush_deferred(void);
bool sched_wake(struct thread *t);          /* true if it was blocked */
void sched_timer_irq(struct trap_frame *f);
void sched_resched_irq(void);
void sched_irq_exit(void);                  /* end of every interrupt: preempt if due */
void sched_thread_entry(void (*fn)(void *), void *arg) __noreturn;

int sched_park_cpu(int cpu);                /* 0, -EINVAL, -EBUSY */
int sched_unpark_cpu(int cpu);
int sched_nr_ready(int cpu);

/* futex.c */
long futex_wait(uint32_t *uaddr, uint32_t val, uint64_t deadline_ns, uint32_t bitset);
long futex_wake(uint32_t *uaddr, int n, uint32_t bitset);
struct mm;
long futex_wake_mm(uint32_t *uaddr, int n, uint32_t bitset, struct mm *mm); /* another thread's */
long futex_requeue(uint32_t *uaddr, int nwake, int nrequeue, uint32_t *uaddr2,
		   bool cmp, uint32_t val3);

#endif
