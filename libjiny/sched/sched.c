/*
 * sched.c - threads and the SMP scheduler (policy and locking: sched.h).
 *
 * A switch is arch_switch() (callee-saved registers) plus, per DESIGN.md 5:
 * the TSS IST pointers re-pointed at the next thread's interrupt and
 * exception stacks, its FS base loaded, and its FPU state: a preempted
 * thread's whole XSAVE area is restored, a thread that gave up the CPU
 * voluntarily gets back only what the ABI makes callee-saved (x87 control
 * word and MXCSR), kept on its own stack across the switch.
 *
 * The run-queue lock is taken in schedule() and released by the next thread
 * in finish_switch(), which also clears the previous thread's on_cpu (from
 * then on another CPU may run it), moves threads that must leave this CPU
 * and reaps a thread that died.
 */
#include "sched/sched.h"
#include "mm/uvm.h"
#include "arch/arch.h"
#include "kern/spinlock.h"
#include "mm/vmarea.h"
#include "syscall/sys.h"

struct runqueue {
	spinlock_t lock;
	struct thread *head[NR_PRIO], *tail[NR_PRIO];
	volatile int nr_ready;    /* queued threads (read without the lock for placement) */
	struct thread *sleepers;  /* sorted by wake_ns */
	struct thread *idle;
	struct thread *prev;      /* switched away from; finish_switch() handles it */
	struct thread *migrate;   /* threads to place on other CPUs after the switch */
	uint64_t next_tick_ns;
} __aligned(64);

static struct runqueue rqs[MAX_CPUS];
static struct thread idle0;
static uint64_t tick_ns;          /* periodic tick (tick_hz=), 0 = tickless */
static spinlock_t threads_spin = SPINLOCK_INIT;
static uint64_t threads_flags;
static struct thread *all_threads;
static int next_tid = 1;
static volatile int app_threads;  /* live THREAD_APP threads */
static uint64_t app_dead_run_ns;  /* CPU time of the app's threads that exited; threads_lock */
static volatile int live_threads; /* created and not yet exited (idle threads not counted) */

int sched_cpu_id(void) { return this_cpu_id(); }

void threads_lock(void) { threads_flags = spin_lock_irqsave(&threads_spin); }
void threads_unlock(void) { spin_unlock_irqrestore(&threads_spin, threads_flags); }

struct thread *thread_find(int tid)
{
	for (struct thread *t = all_threads; t; t = t->all_next)
		if (t->tid == tid && t->state != THREAD_DEAD)
			return t;
	return NULL;
}

int sched_app_threads(void) { return app_threads; }

/* CPU time of all the app's threads, live and exited (CLOCK_PROCESS_CPUTIME_ID). */
uint64_t sched_app_cpu_ns(void)
{
	threads_lock(); /* thread_exit moves a thread's time to app_dead_run_ns under it */
	uint64_t sum = app_dead_run_ns;
	for (struct thread *t = all_threads; t; t = t->all_next)
		if ((t->flags & THREAD_APP) && t->state != THREAD_DEAD)
			sum += thread_cpu_time(t);
	threads_unlock();
	return sum;
}

/*
 * The reader's side of time_seq. Its readers used to take the clock before
 * their lock and look at state/on_cpu: a reader preempted in between saw its
 * own run start after 'now' and left out the whole run (under load, tens of
 * ms missing from CLOCK_PROCESS_CPUTIME_ID), and a switch on another CPU
 * seen half-done counted a run twice.
 */
uint64_t thread_cpu_time(const struct thread *t)
{
	uint32_t seq;
	uint64_t ns, start;
	bool on;
	do {
		while ((seq = __atomic_load_n(&t->time_seq, __ATOMIC_ACQUIRE)) & 1)
			cpu_relax();
		ns = t->run_ns;
		start = t->last_start_ns;
		on = t->timing;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&t->time_seq, __ATOMIC_RELAXED) != seq);
	if (on) {
		uint64_t now = clock_ns();
		if (now > start)
			ns += now - start;
	}
	return ns;
}

static inline void time_write_begin(struct thread *t)
{
	__atomic_store_n(&t->time_seq, t->time_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void time_write_end(struct thread *t)
{
	__atomic_store_n(&t->time_seq, t->time_seq + 1, __ATOMIC_RELEASE);
}
int sched_nr_ready(int cpu) { return rqs[cpu].nr_ready; }

static bool cpu_usable(int i) { return cpus[i] && cpus[i]->online && !cpus[i]->parked; }

static bool allowed_on(const struct thread *t, int cpu)
{
	return (t->affinity >> cpu) & 1;
}

/* Allowed, or none of its allowed CPUs takes work (all parked): then anywhere. */
static bool can_run_on(const struct thread *t, int cpu)
{
	if (allowed_on(t, cpu))
		return true;
	for (int i = 0; i < nr_cpus; i++)
		if (allowed_on(t, i) && cpu_usable(i))
			return false;
	return true;
}

/* ---- run queue primitives (rq->lock held) ---- */

static void rq_push(struct runqueue *rq, struct thread *t)
{
	t->woken = false;
	t->state = THREAD_READY;
	t->cpu = (int)(rq - rqs);
	t->next = NULL;
	if (rq->tail[t->prio])
		rq->tail[t->prio]->next = t;
	else
		rq->head[t->prio] = t;
	rq->tail[t->prio] = t;
	rq->nr_ready++;
}

/* A thread that slept goes first in its class: it has used little CPU. */
static void rq_push_head(struct runqueue *rq, struct thread *t)
{
	t->woken = true;
	t->state = THREAD_READY;
	t->cpu = (int)(rq - rqs);
	t->next = rq->head[t->prio];
	rq->head[t->prio] = t;
	if (!rq->tail[t->prio])
		rq->tail[t->prio] = t;
	rq->nr_ready++;
}

static struct thread *rq_pop(struct runqueue *rq)
{
	for (int p = 0; p < NR_PRIO; p++) {
		struct thread *t = rq->head[p];
		if (t) {
			rq->head[p] = t->next;
			if (!rq->head[p])
				rq->tail[p] = NULL;
			t->next = NULL;
			rq->nr_ready--;
			return t;
		}
	}
	return NULL;
}

/* Unlink a queued thread (READY on this rq); false if it is not queued here. */
static bool rq_remove(struct runqueue *rq, struct thread *t)
{
	struct thread **pp = &rq->head[t->prio], *prev = NULL;
	for (; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp != t)
			continue;
		*pp = t->next;
		if (rq->tail[t->prio] == t)
			rq->tail[t->prio] = prev;
		t->next = NULL;
		rq->nr_ready--;
		return true;
	}
	return false;
}

static int rq_best_prio(struct runqueue *rq)
{
	for (int p = 0; p < NR_PRIO; p++)
		if (rq->head[p])
			return p;
	return NR_PRIO;
}

/*
 * Should 'cur' give way (rq->lock held)? To a higher class at once; within
 * its class at the end of its slice, or, for a thread that was woken (it
 * sits at the head), once cur has had SCHED_WAKEUP_GRAN_NS of its slice, so
 * a wake-up is not left waiting for a whole slice behind a busy thread.
 */
#define SCHED_WAKEUP_GRAN_NS 1000000ULL
static bool should_preempt(struct runqueue *rq, struct thread *cur, uint64_t now)
{
	int best = rq_best_prio(rq);
	if (best < cur->prio)
		return true;
	if (best > cur->prio)
		return false;
	if (now >= cur->slice_end_ns)
		return true;
	return rq->head[best]->woken && now - cur->last_start_ns >= SCHED_WAKEUP_GRAN_NS;
}

static void sleeper_remove(struct runqueue *rq, struct thread *t)
{
	for (struct thread **pp = &rq->sleepers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->sleeping = false;
	t->next = NULL;
}

/* Program this CPU's one-shot timer for its next event (rq->lock held). */
static void timer_rearm(struct runqueue *rq, uint64_t now)
{
	struct thread *cur = sched_current();
	uint64_t next = rq->sleepers ? rq->sleepers->wake_ns : 0;
	int best = rq_best_prio(rq);
	if (cur != rq->idle && best <= cur->prio) {
		uint64_t at = cur->slice_end_ns;
		if (best == cur->prio && rq->head[best]->woken)
			at = MIN(at, MAX(now, cur->last_start_ns + SCHED_WAKEUP_GRAN_NS));
		if (!next || at < next)
			next = at;
	}
	if (tick_ns) {
		if (rq->next_tick_ns <= now)
			rq->next_tick_ns = now + tick_ns;
		if (!next || rq->next_tick_ns < next)
			next = rq->next_tick_ns;
	}
	apic_timer_arm(next);
}

/* ---- placement ---- */

static int cpu_load(int i)
{
	struct thread *cur = READ_ONCE(cpus[i]->current);
	return rqs[i].nr_ready * 2 + (cur != rqs[i].idle ? 2 : 0);
}

/* Where a thread that becomes ready should run. */
static int select_cpu(struct thread *t)
{
	int best = -1, best_load = 1 << 30;
	for (int pass = 0; pass < 2 && best < 0; pass++) {
		for (int i = 0; i < nr_cpus; i++) {
			if (!cpu_usable(i) || (pass == 0 && !allowed_on(t, i)))
				continue;
			struct thread *cur = READ_ONCE(cpus[i]->current);
			int load = cpu_load(i);
			if (cur && cur != rqs[i].idle && cur->prio > t->prio && !rqs[i].nr_ready)
				load = 1; /* it would preempt a lower class at once */
			if (i == t->cpu)
				load--; /* warm cache: prefer where it ran */
			if (load < best_load) {
				best = i;
				best_load = load;
			}
		}
		/* pass 1: no allowed CPU takes work (parked): any usable CPU. */
	}
	return best < 0 ? sched_cpu_id() : best;
}

/* Queue t (WAKING, off any CPU) on 'cpu' and make that CPU notice. */
static void enqueue(struct thread *t, int cpu, bool woken)
{
	struct runqueue *rq = &rqs[cpu];
	uint64_t f = spin_lock_irqsave(&rq->lock);
	if (woken)
		rq_push_head(rq, t);
	else
		rq_push(rq, t);
	struct thread *cur = cpus[cpu]->current;
	bool local = cpu == sched_cpu_id();
	if (local) {
		if (cur == rq->idle || should_preempt(rq, cur, clock_ns()))
			cpus[cpu]->need_resched = true;
		timer_rearm(rq, clock_ns());
	}
	spin_unlock_irqrestore(&rq->lock, f);
	if (local) {
		/* Preempt as soon as interrupts are on: a self-IPI. */
		if (cpus[cpu]->need_resched)
			smp_resched(cpu);
	} else {
		smp_resched(cpu);
	}
}

static void place(struct thread *t, bool woken)
{
	enqueue(t, select_cpu(t), woken);
}

/* ---- switching ---- */

static void finish_switch(void)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = &rqs[c->id];
	struct thread *prev = rq->prev, *mig = rq->migrate;
	rq->prev = NULL;
	rq->migrate = NULL;
	bool dead = prev && prev->state == THREAD_DEAD;
	if (prev)
		__atomic_store_n(&prev->on_cpu, 0, __ATOMIC_RELEASE);
	spin_unlock(&rq->lock);
	while (mig) {
		struct thread *n = mig->next;
		place(mig, false);
		mig = n;
	}
	if (dead) {
		extern void thread_reap(struct thread *t);
		thread_reap(prev);
	}
}

/* Switch from the current thread to 'next'; rq->lock held, interrupts off. */
static void switch_to(struct cpu *c, struct runqueue *rq, struct thread *next, bool preempted)
{
	struct thread *prev = c->current;
	uint64_t now = clock_ns();
	struct fpu_ctl ctl;

	time_write_begin(prev);
	prev->run_ns += now - prev->last_start_ns;
	prev->timing = false;
	time_write_end(prev);
	if (prev == rq->idle)
		c->idle_ns += now - prev->last_start_ns;
	c->context_switches++;
	/* Ring-3 threads keep every register across a system call: their FPU state is
	 * saved whole whenever they leave the CPU. */
	if ((preempted || prev->uframe) && prev != rq->idle) {
		c->preemptions++;
		prev->preemptions++;
		fpu_save(prev->fpu);
		prev->fpu_full = true;
	} else {
		fpu_ctl_save(&ctl);
	}
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE)) {
		cpu_relax(); /* still being switched away from on another CPU */
		smp_poll();
	}
	next->on_cpu = 1;
	next->state = THREAD_RUNNING;
	next->cpu = c->id;
	time_write_begin(next);
	next->last_start_ns = now;
	next->timing = true;
	time_write_end(next);
	next->slice_end_ns = now + SCHED_SLICE_NS;
	next->switches++;
	c->current = next;
	rq->prev = prev;
	arch_set_thread_stacks((uint64_t)next->irq_stack + THREAD_IRQ_STACK,
			       (uint64_t)next->exc_stack + THREAD_EXC_STACK);
	c->kstack_top = next->kstack_top;
	if (next->mm != prev->mm)
		uvm_activate(next->mm);
	if (unlikely(next->uframe && !c->smap_on))
		arch_smap_enable();
	arch_set_fsbase(next->fsbase);
	timer_rearm(rq, now);

	/* SMAP's AC flag belongs to the thread: a compat thread switched out inside a
	 * system call has user access open, and must find it so (others don't care). */
	bool ac = prev->uframe && user_access_state();
	arch_switch(&prev->rsp, next->rsp);

	/* Running as 'prev' again, maybe on another CPU. */
	if (prev->uframe) {
		if (ac)
			user_access_begin();
		else
			user_access_end();
	}
	finish_switch();
	if (prev->fpu_full) {
		fpu_restore(prev->fpu);
		prev->fpu_full = false;
	} else {
		fpu_ctl_restore(&ctl);
	}
}

/* The block hook (sched.h: sched_set_block_hook), run by schedule(). */
static void (*block_hook)(uint64_t min_age_ns);

void sched_set_block_hook(void (*fn)(uint64_t min_age_ns))
{
	__atomic_store_n(&block_hook, fn, __ATOMIC_RELEASE);
}

static inline void run_block_hook(uint64_t min_age_ns)
{
	void (*fn)(uint64_t) = __atomic_load_n(&block_hook, __ATOMIC_ACQUIRE);
	if (fn)
		fn(min_age_ns);
}

void sched_flush_deferred(void)
{
	run_block_hook(SCHED_DEFER_MAX_NS);
}

/*
 * Pick the next thread for this CPU and switch to it. Interrupts off, no
 * locks held. The current thread's state says what becomes of it: RUNNING
 * (yield, preemption) re-queues it, BLOCKED or DEAD leaves it off the queue.
 */
static void schedule(bool preempted)
{
	run_block_hook(0); /* whatever the reason this thread stops running */
	struct cpu *c = this_cpu();
	struct runqueue *rq = &rqs[c->id];
	struct thread *prev = c->current;

	spin_lock(&rq->lock);
	c->need_resched = false;
	if (c->parked) {
		/* Everything queued here goes elsewhere after the switch. */
		struct thread *t;
		while ((t = rq_pop(rq))) {
			t->state = THREAD_WAKING;
			t->next = rq->migrate;
			rq->migrate = t;
		}
	}
	if (prev->state == THREAD_RUNNING && prev != rq->idle) {
		if (c->parked || !can_run_on(prev, c->id)) {
			prev->state = THREAD_WAKING; /* placed by finish_switch() */
			prev->next = rq->migrate;
			rq->migrate = prev;
		} else {
			rq_push(rq, prev);
		}
	}
	struct thread *next;
	while ((next = rq_pop(rq)) && !can_run_on(next, c->id)) {
		next->state = THREAD_WAKING; /* re-pinned while it waited here */
		next->next = rq->migrate;
		rq->migrate = next;
	}
	if (!next)
		next = rq->idle;
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		prev->slice_end_ns = clock_ns() + SCHED_SLICE_NS;
		timer_rearm(rq, clock_ns());
		/* Threads popped above that may not run here still need a CPU. */
		struct thread *mig = rq->migrate;
		rq->migrate = NULL;
		spin_unlock(&rq->lock);
		while (mig) {
			struct thread *n = mig->next;
			place(mig, false);
			mig = n;
		}
		return;
	}
	switch_to(c, rq, next, preempted);
}

void sched_yield(void)
{
	uint64_t f = irq_save();
	schedule(false);
	irq_restore(f);
}

void sched_block(uint64_t deadline_ns)
{
	uint64_t f = irq_save();
	struct thread *me = sched_current();
	if (deadline_ns && me->state == THREAD_BLOCKED) {
		struct runqueue *rq = &rqs[sched_cpu_id()];
		spin_lock(&rq->lock);
		if (me->state == THREAD_BLOCKED) {
			me->wake_ns = deadline_ns;
			me->sleeping = true;
			struct thread **pp = &rq->sleepers;
			while (*pp && (*pp)->wake_ns <= deadline_ns)
				pp = &(*pp)->next;
			me->next = *pp;
			*pp = me;
			timer_rearm(rq, clock_ns());
		}
		spin_unlock(&rq->lock);
	}
	schedule(false);
	irq_restore(f);
}

void sched_sleep_until(uint64_t ns)
{
	/* A stray wake-up (a waker racing a timed-out wait) never cuts a sleep short. */
	while (ns > clock_ns()) {
		uint64_t f = irq_save();
		sched_current()->state = THREAD_BLOCKED;
		sched_block(ns);
		irq_restore(f);
	}
}

bool sched_wake(struct thread *t)
{
	uint64_t f = irq_save();
	struct runqueue *rq;
	for (;;) {
		int cpu = READ_ONCE(t->cpu);
		rq = &rqs[cpu];
		spin_lock(&rq->lock);
		if (READ_ONCE(t->cpu) == cpu)
			break;
		spin_unlock(&rq->lock);
	}
	if (t->state != THREAD_BLOCKED) {
		spin_unlock(&rq->lock);
		irq_restore(f);
		return false;
	}
	if (t->sleeping)
		sleeper_remove(rq, t);
	if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
		/* Not switched away yet: its schedule() will see RUNNING and go on. */
		t->state = THREAD_RUNNING;
		spin_unlock(&rq->lock);
		irq_restore(f);
		return true;
	}
	t->state = THREAD_WAKING;
	spin_unlock(&rq->lock);
	place(t, true);
	irq_restore(f);
	return true;
}

/* ---- interrupts ---- */

void sched_timer_irq(struct trap_frame *frame)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = &rqs[c->id];
	uint64_t now = clock_ns();
	c->timer_irqs++;
	apic_timer_fired();
	struct thread *elsewhere = NULL; /* sleepers now pinned to another CPU */
	spin_lock(&rq->lock);
	while (rq->sleepers && rq->sleepers->wake_ns <= now) {
		struct thread *t = rq->sleepers;
		rq->sleepers = t->next;
		t->sleeping = false;
		if (t->state != THREAD_BLOCKED)
			continue;
		/* Off its CPU: it blocked here, under this lock. */
		if (can_run_on(t, c->id) && !c->parked) {
			rq_push_head(rq, t);
		} else {
			t->state = THREAD_WAKING;
			t->next = elsewhere;
			elsewhere = t;
		}
	}
	struct thread *cur = c->current;
	if (cur == rq->idle ? rq_best_prio(rq) < NR_PRIO : should_preempt(rq, cur, now))
		c->need_resched = true;
	if (tick_ns && rq->next_tick_ns <= now)
		rq->next_tick_ns = now + tick_ns;
	timer_rearm(rq, now);
	spin_unlock(&rq->lock);
	while (elsewhere) {
		struct thread *n = elsewhere->next;
		place(elsewhere, true);
		elsewhere = n;
	}
}

void sched_resched_irq(void)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = &rqs[c->id];
	spin_lock(&rq->lock);
	struct thread *cur = c->current;
	uint64_t now = clock_ns();
	if (c->parked ||
	    (cur == rq->idle ? rq_best_prio(rq) < NR_PRIO : should_preempt(rq, cur, now)) ||
	    (cur != rq->idle && !can_run_on(cur, c->id)))
		c->need_resched = true;
	timer_rearm(rq, clock_ns());
	spin_unlock(&rq->lock);
}

void sched_irq_exit(void)
{
	struct cpu *c = this_cpu();
	if (c->need_resched && c->online && !c->preempt_count)
		schedule(true);
}

void preempt_schedule(void)
{
	uint64_t f = irq_save();
	struct cpu *c = this_cpu();
	if (c->need_resched && c->online && !c->preempt_count)
		schedule(true);
	irq_restore(f);
}

/* ---- thread life ---- */

void sched_thread_entry(void (*fn)(void *), void *arg)
{
	finish_switch();
	struct thread *me = sched_current();
	if (me->fpu_full) {
		fpu_restore(me->fpu);
		me->fpu_full = false;
	}
	irq_enable();
	fn(arg);
	thread_exit();
}

void thread_exit(void)
{
	irq_disable();
	struct thread *me = sched_current();
	if (me->flags & THREAD_APP) {
		__atomic_sub_fetch(&app_threads, 1, __ATOMIC_RELAXED);
		threads_lock(); /* its time moves to the dead ones' at once for sched_app_cpu_ns */
		app_dead_run_ns += thread_cpu_time(me);
		me->state = THREAD_DEAD;
		threads_unlock();
	}
	__atomic_sub_fetch(&live_threads, 1, __ATOMIC_SEQ_CST);
	me->state = THREAD_DEAD;
	schedule(false);
	panic("a dead thread was scheduled");
}

/*
 * Kernel stacks of ring-3 threads are kept for the next ones: a fresh one
 * (area list, eight page mappings) cost more than the rest of a fork.
 */
#define KSTACK_CACHE 16
static uint8_t *kstack_cache[KSTACK_CACHE];
static int kstack_cached;
static spinlock_t kstack_lock = SPINLOCK_INIT;

uint8_t *thread_kstack_alloc(void)
{
	uint64_t f = spin_lock_irqsave(&kstack_lock);
	uint8_t *s = kstack_cached ? kstack_cache[--kstack_cached] : NULL;
	spin_unlock_irqrestore(&kstack_lock, f);
	return s ? s : vmarea_alloc(THREAD_KSTACK_SIZE, PAGE_SIZE, PTE_W | PTE_NX);
}

static void thread_kstack_free(uint8_t *s)
{
	uint64_t f = spin_lock_irqsave(&kstack_lock);
	bool kept = kstack_cached < KSTACK_CACHE;
	if (kept)
		kstack_cache[kstack_cached++] = s;
	spin_unlock_irqrestore(&kstack_lock, f);
	if (!kept)
		vmarea_free(s, THREAD_KSTACK_SIZE, PAGE_SIZE);
}

static void thread_free(struct thread *t)
{
	if ((t->flags & THREAD_OWN_STACK) && t->stack) {
		if (t->flags & THREAD_KSTACK)
			thread_kstack_free(t->stack);
		else
			vmarea_free(t->stack, t->stack_size, PAGE_SIZE);
	}
	if (t->irq_stack)
		page_free(t->irq_stack, 2);
	if (t->exc_stack)
		page_free(t->exc_stack, 2);
	kfree(t->fpu);
	kfree(t->sig_priv); /* proc/signal.c's per-thread block */
	kfree(t);
}

static void thread_unlist(struct thread *t)
{
	threads_lock();
	for (struct thread **pp = &all_threads; *pp; pp = &(*pp)->all_next)
		if (*pp == t) {
			*pp = t->all_next;
			break;
		}
	threads_unlock();
}

/* A thread died and is off its CPU (finish_switch on the CPU it ran on). */
void thread_reap(struct thread *t)
{
	if (t->reap_hook)
		t->reap_hook(t->reap_arg);
	int *ctid = t->clear_child_tid;
	if (ctid && uaccess_ok_app(ctid, sizeof(int), true)) {
		/* CLONE_CHILD_CLEARTID: only now, its stack may be freed by the waker's thread. */
		__atomic_store_n(ctid, 0, __ATOMIC_SEQ_CST);
		futex_wake_mm((uint32_t *)ctid, 1, ~0u, t->mm);
	}
	if (t->unmap_len) { /* musl's __unmapself: its stack, now that nobody runs on it */
		vma_remove(t->unmap_base, t->unmap_base + t->unmap_len);
		tlb_shootdown(t->unmap_base, t->unmap_base + t->unmap_len);
	}
	if (t->flags & THREAD_JOINABLE) {
		struct thread *j = READ_ONCE(t->joiner);
		if (j)
			sched_wake(j);
		return;
	}
	thread_unlist(t);
	thread_free(t);
}

int thread_join(struct thread *t)
{
	struct thread *me = sched_current();
	if (t == me || !(t->flags & THREAD_JOINABLE))
		return -22; /* EINVAL */
	if (__atomic_exchange_n(&t->joiner, me, __ATOMIC_ACQ_REL))
		return -22; /* someone joins it already */
	for (;;) {
		uint64_t f = irq_save();
		if (t->state == THREAD_DEAD && !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
			irq_restore(f);
			break;
		}
		me->state = THREAD_BLOCKED;
		/* thread_reap() wakes us; a short deadline covers the death racing this check. */
		sched_block(clock_ns() + 1000000);
		irq_restore(f);
	}
	thread_unlist(t);
	thread_free(t);
	return 0;
}

void thread_set_fsbase(uint64_t base)
{
	uint64_t f = irq_save();
	sched_current()->fsbase = base;
	arch_set_fsbase(base);
	irq_restore(f);
}

int thread_set_affinity(struct thread *t, uint64_t mask)
{
	uint64_t usable = 0;
	for (int i = 0; i < nr_cpus; i++)
		if (cpus[i])
			usable |= 1UL << i;
	if (!(mask & usable))
		return -22;
	t->affinity = mask;
	if (t == sched_current()) {
		if (!can_run_on(t, sched_cpu_id()))
			sched_yield(); /* schedule() moves us to an allowed CPU */
		return 0;
	}
	/* Queued on a CPU it may no longer use: take it off and place it again. */
	uint64_t f = irq_save();
	int cpu = READ_ONCE(t->cpu);
	struct runqueue *rq = &rqs[cpu];
	spin_lock(&rq->lock);
	bool moved = t->cpu == cpu && t->state == THREAD_READY && !can_run_on(t, cpu) &&
		     !t->on_cpu && rq_remove(rq, t);
	if (moved)
		t->state = THREAD_WAKING;
	bool running_there = t->state == THREAD_RUNNING && t->cpu == cpu && !can_run_on(t, cpu);
	spin_unlock(&rq->lock);
	if (moved)
		place(t, false);
	else if (running_there)
		smp_resched(cpu); /* its CPU re-schedules and migrates it */
	irq_restore(f);
	return 0;
}

int thread_set_prio(struct thread *t, int prio)
{
	if (prio != PRIO_HP && prio != PRIO_NORMAL)
		return -22;
	uint64_t f = irq_save();
	int cpu = READ_ONCE(t->cpu);
	struct runqueue *rq = &rqs[cpu];
	spin_lock(&rq->lock);
	bool queued = t->cpu == cpu && t->state == THREAD_READY && rq_remove(rq, t);
	t->prio = prio;
	if (queued)
		rq_push(rq, t);
	spin_unlock(&rq->lock);
	irq_restore(f);
	if (t == sched_current() && prio != PRIO_HP)
		sched_yield(); /* a higher class may be waiting */
	else
		smp_resched(cpu);
	return 0;
}

/* 16 KiB for an interrupt or exception stack: not zeroed (nothing reads it first). */
static uint8_t *stack_pages(void)
{
	paddr_t pa = pfa_alloc(2);
	return pa ? phys_to_virt(pa) : NULL;
}

static struct thread *thread_alloc(const char *name, int prio)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	strlcpy(t->name, name, sizeof(t->name));
	t->prio = prio;
	t->affinity = ~0UL;
	t->irq_stack = stack_pages(); /* 16 KiB each */
	t->exc_stack = stack_pages();
	t->fpu = kmalloc_aligned(fpu_state_size(), 64);
	if (!t->irq_stack || !t->exc_stack || !t->fpu) {
		thread_free(t);
		return NULL;
	}
	fpu_state_init(t->fpu);
	t->fpu_full = true;
	t->cpu = sched_cpu_id();
	return t;
}

/* The frame arch_switch() pops, ending in arch_thread_start (entry.S). */
static void thread_frame(struct thread *t, uintptr_t top, void (*fn)(void *), void *arg)
{
	uint64_t *sp = (uint64_t *)ALIGN_DOWN(top, 16);
	/* After the pops and ret, rsp is 16-aligned, as arch_thread_start expects. */
	*--sp = (uint64_t)arch_thread_start;
	*--sp = 0;             /* rbp */
	*--sp = 0;             /* rbx */
	*--sp = (uint64_t)fn;  /* r12 */
	*--sp = (uint64_t)arg; /* r13 */
	*--sp = 0;             /* r14 */
	*--sp = 0;             /* r15 */
	t->rsp = (uint64_t)sp;
}

static void thread_list(struct thread *t)
{
	threads_lock();
	t->tid = next_tid++;
	t->all_next = all_threads;
	all_threads = t;
	__atomic_add_fetch(&live_threads, 1, __ATOMIC_SEQ_CST);
	threads_unlock();
}

bool sched_single_thread(void)
{
	return __atomic_load_n(&live_threads, __ATOMIC_ACQUIRE) == 1;
}

struct thread *thread_create_on(const char *name, int prio, void (*fn)(void *), void *arg,
				uintptr_t stack_top)
{
	struct thread *t = thread_alloc(name, prio);
	if (!t)
		return NULL;
	uintptr_t s, e;
	if (vma_bounds(stack_top - 1, &s, &e)) { /* for backtraces */
		t->stack = (uint8_t *)s;
		t->stack_size = e - s;
	}
	thread_frame(t, stack_top, fn, arg);
	thread_list(t);
	return t;
}

struct thread *thread_create(const char *name, int prio, unsigned flags, void (*fn)(void *),
			     void *arg, size_t stack_size)
{
	struct thread *t = thread_alloc(name, prio);
	if (!t)
		goto fail;
	t->flags = flags;
	stack_size = ALIGN_UP(stack_size, PAGE_SIZE);
	/* Reserved whole, filled on demand, a guard page below; the top 32 KiB at once. */
	t->stack = vmarea_reserve(stack_size, PAGE_SIZE, PTE_W | PTE_NX);
	if (!t->stack)
		goto fail;
	t->stack_size = stack_size;
	t->flags |= THREAD_OWN_STACK;
	uintptr_t top = (uintptr_t)t->stack + stack_size;
	if (vma_populate(top - MIN(stack_size, 32768UL), top) < 0)
		goto fail;
	thread_frame(t, top, fn, arg);
	thread_list(t);
	thread_start(t);
	return t;
fail:
	printk("jiny: out of memory creating thread %s\n", name);
	if (t)
		thread_free(t);
	return NULL;
}

void thread_start(struct thread *t)
{
	if (t->flags & THREAD_APP)
		__atomic_add_fetch(&app_threads, 1, __ATOMIC_RELAXED);
	t->state = THREAD_WAKING;
	place(t, false);
}

/* ---- CPUs ---- */

static void idle_init(struct cpu *c, struct thread *t, uint8_t *stack, size_t size)
{
	struct runqueue *rq = &rqs[c->id];
	strlcpy(t->name, "idle", sizeof(t->name));
	t->prio = PRIO_IDLE;
	t->stack = stack;
	t->stack_size = size;
	t->state = THREAD_RUNNING;
	t->on_cpu = 1;
	t->cpu = c->id;
	t->affinity = 1UL << c->id;
	t->irq_stack = page_alloc(2);
	t->exc_stack = page_alloc(2);
	if (!t->irq_stack || !t->exc_stack)
		panic("out of memory for CPU %d's idle thread", c->id);
	t->last_start_ns = clock_ns();
	t->timing = true;
	rq->idle = t;
	c->idle = t;
	c->current = t;
	arch_set_thread_stacks((uint64_t)t->irq_stack + THREAD_IRQ_STACK,
			       (uint64_t)t->exc_stack + THREAD_EXC_STACK);
	if (tick_ns)
		rq->next_tick_ns = clock_ns() + tick_ns;
}

void sched_init(uint64_t tick_hz)
{
	extern char boot_stack[], boot_stack_top[];
	if (tick_hz) {
		tick_ns = 1000000000ULL / tick_hz;
		if (!tick_ns)
			tick_ns = 1;
	}
	idle_init(cpus[0], &idle0, (uint8_t *)boot_stack, boot_stack_top - boot_stack);
	cpus[0]->online = true;
	trap_register_irq(VECTOR_TIMER, sched_timer_irq);
}

/* Steal a ready thread allowed here from the busiest other CPU. */
static struct thread *steal(int me)
{
	int victim = -1, most = 0;
	for (int i = 0; i < nr_cpus; i++)
		if (i != me && cpus[i] && rqs[i].nr_ready > most) {
			victim = i;
			most = rqs[i].nr_ready;
		}
	if (victim < 0)
		return NULL;
	struct runqueue *rq = &rqs[victim];
	struct thread *found = NULL;
	spin_lock(&rq->lock);
	for (int p = 0; p < NR_PRIO && !found; p++)
		for (struct thread *t = rq->head[p]; t; t = t->next)
			if (can_run_on(t, me) && !t->on_cpu) {
				rq_remove(rq, t);
				t->state = THREAD_WAKING;
				found = t;
				break;
			}
	spin_unlock(&rq->lock);
	return found;
}

static void __noreturn idle_loop(void)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = &rqs[c->id];
	for (;;) {
		irq_disable();
		if (!c->parked) {
			if (READ_ONCE(rq->nr_ready) || c->need_resched) {
				schedule(false);
				continue;
			}
			struct thread *t = steal(c->id);
			if (t) {
				spin_lock(&rq->lock);
				rq_push(rq, t);
				spin_unlock(&rq->lock);
				continue;
			}
		} else if (READ_ONCE(rq->nr_ready)) {
			schedule(false); /* hands them to other CPUs */
			continue;
		}
		spin_lock(&rq->lock);
		timer_rearm(rq, clock_ns());
		spin_unlock(&rq->lock);
		smp_poll();
		arch_halt(); /* sti; hlt; cli: wakes on any interrupt */
	}
}

void sched_run_idle(void)
{
	idle_loop();
}

void sched_start_ap(struct cpu *c)
{
	idle_init(c, kzalloc(sizeof(struct thread)), c->idle_stack, 16384);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	idle_loop();
}

int sched_park_cpu(int cpu)
{
	if (cpu < 0 || cpu >= nr_cpus || !cpus[cpu])
		return -22;
	int usable = 0;
	for (int i = 0; i < nr_cpus; i++)
		usable += cpu_usable(i);
	if (cpus[cpu]->parked)
		return 0;
	if (usable <= 1)
		return -16; /* EBUSY: the last CPU taking work */
	cpus[cpu]->parked = true;
	if (cpu == sched_cpu_id())
		sched_yield(); /* moves us off at once */
	else
		smp_resched(cpu);
	return 0;
}

int sched_unpark_cpu(int cpu)
{
	if (cpu < 0 || cpu >= nr_cpus || !cpus[cpu])
		return -22;
	cpus[cpu]->parked = false;
	smp_resched(cpu);
	return 0;
}
