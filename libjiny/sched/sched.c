/*
 * sched.c - threads and the scheduler of one CPU (policy: sched.h).
 *
 * A switch is arch_switch() (callee-saved registers) plus, per DESIGN.md 5:
 * the TSS IST pointers re-pointed at the next thread's interrupt and
 * exception stacks, its FS base loaded, and its FPU state: a preempted
 * thread's whole XSAVE area is restored, a thread that gave up the CPU
 * voluntarily gets back only what the ABI makes callee-saved (x87 control
 * word and MXCSR), kept on its own stack across the switch.
 * Preemption happens only at the end of the timer interrupt, on the
 * interrupted thread's own interrupt stack.
 */
#include "sched.h"
#include "../arch/x86_64/arch.h"
#include "../mm/vmarea.h"

struct runqueue {
	struct thread *head[NR_PRIO], *tail[NR_PRIO];
};

static struct runqueue rq;
static struct thread *sleepers; /* sorted by wake_ns */
static struct thread idle_thread;
static uint64_t tick_ns;        /* periodic tick (tick_hz=), 0 = tickless */
static uint64_t next_tick_ns;
static int next_tid = 1;

struct thread *sched_current(void)
{
	struct cpu *c = this_cpu();
	return c ? c->current : NULL;
}

static void rq_push(struct thread *t)
{
	t->state = THREAD_READY;
	t->next = NULL;
	if (rq.tail[t->prio])
		rq.tail[t->prio]->next = t;
	else
		rq.head[t->prio] = t;
	rq.tail[t->prio] = t;
}

static struct thread *rq_pop(int max_prio)
{
	for (int p = 0; p <= max_prio && p < NR_PRIO; p++) {
		struct thread *t = rq.head[p];
		if (t) {
			rq.head[p] = t->next;
			if (!rq.head[p])
				rq.tail[p] = NULL;
			t->next = NULL;
			return t;
		}
	}
	return NULL;
}

static bool rq_has(int max_prio)
{
	for (int p = 0; p <= max_prio && p < NR_PRIO; p++)
		if (rq.head[p])
			return true;
	return false;
}

/* Program the one-shot timer for the earliest event we care about. */
static void timer_rearm(uint64_t now)
{
	struct thread *cur = sched_current();
	uint64_t next = 0;
	if (sleepers)
		next = sleepers->wake_ns;
	if (cur && cur != &idle_thread && rq_has(cur->prio) &&
	    (!next || cur->slice_end_ns < next))
		next = cur->slice_end_ns;
	if (tick_ns) {
		while (next_tick_ns <= now)
			next_tick_ns += tick_ns;
		if (!next || next_tick_ns < next)
			next = next_tick_ns;
	}
	apic_timer_arm(next);
}

/* Switch from the current thread to 'next'. Interrupts are off. */
static void switch_to(struct thread *next, bool preempted)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current;
	uint64_t now = clock_ns();
	uint16_t fcw;
	uint32_t mxcsr;

	if (next == prev) {
		prev->state = THREAD_RUNNING;
		return;
	}
	prev->run_ns += now - prev->last_start_ns;
	if (prev == &idle_thread)
		c->idle_ns += now - prev->last_start_ns;
	c->context_switches++;
	if (preempted) {
		c->preemptions++;
		fpu_save(prev->fpu);
		prev->fpu_full = true;
	} else {
		__asm__ __volatile__("fnstcw %0; stmxcsr %1" : "=m"(fcw), "=m"(mxcsr));
	}
	next->state = THREAD_RUNNING;
	next->last_start_ns = now;
	next->slice_end_ns = now + SCHED_SLICE_NS;
	c->current = next;
	arch_set_thread_stacks((uint64_t)next->irq_stack + THREAD_IRQ_STACK,
			       (uint64_t)next->exc_stack + THREAD_EXC_STACK);
	wrmsr(MSR_FS_BASE, next->fsbase);
	timer_rearm(now);

	arch_switch(&prev->rsp, next->rsp);

	/* Running as 'prev' again. */
	if (prev->fpu_full) {
		fpu_restore(prev->fpu);
		prev->fpu_full = false;
	} else {
		__asm__ __volatile__("fldcw %0; ldmxcsr %1" ::"m"(fcw), "m"(mxcsr));
	}
}

/* Give up the CPU; the caller has set current's state (READY re-queues it). */
static void schedule(void)
{
	struct thread *cur = sched_current();
	if (cur->state == THREAD_RUNNING || cur->state == THREAD_READY) {
		if (cur != &idle_thread)
			rq_push(cur);
	}
	struct thread *next = rq_pop(NR_PRIO - 1);
	if (!next)
		next = &idle_thread;
	switch_to(next, false);
}

void sched_yield(void)
{
	uint64_t f = irq_save();
	sched_current()->state = THREAD_READY;
	schedule();
	irq_restore(f);
}

void sched_block(void)
{
	uint64_t f = irq_save();
	schedule();
	irq_restore(f);
}

void sched_wake(struct thread *t)
{
	uint64_t f = irq_save();
	if (t->state == THREAD_BLOCKED) {
		/* Off the sleep list, if it is there. */
		for (struct thread **pp = &sleepers; *pp; pp = &(*pp)->next)
			if (*pp == t) {
				*pp = t->next;
				break;
			}
		t->wake_ns = 0;
		rq_push(t);
		struct thread *cur = sched_current();
		if (cur == &idle_thread || t->prio < cur->prio)
			timer_rearm(clock_ns()); /* idle notices on its own; HP preemption at next tick */
	}
	irq_restore(f);
}

void sched_sleep_until(uint64_t ns)
{
	uint64_t f = irq_save();
	struct thread *cur = sched_current();
	if (ns <= clock_ns()) {
		irq_restore(f);
		return;
	}
	cur->state = THREAD_BLOCKED;
	cur->wake_ns = ns;
	struct thread **pp = &sleepers;
	while (*pp && (*pp)->wake_ns <= ns)
		pp = &(*pp)->next;
	cur->next = *pp;
	*pp = cur;
	timer_rearm(clock_ns());
	schedule();
	irq_restore(f);
}

void sched_timer_irq(struct trap_frame *frame)
{
	struct cpu *c = this_cpu();
	uint64_t now = clock_ns();
	c->timer_irqs++;
	while (sleepers && sleepers->wake_ns <= now) {
		struct thread *t = sleepers;
		sleepers = t->next;
		t->wake_ns = 0;
		rq_push(t);
	}
	struct thread *cur = c->current;
	bool resched = cur == &idle_thread ? rq_has(NR_PRIO - 1)
		     : rq_has(cur->prio - 1) || (rq_has(cur->prio) && now >= cur->slice_end_ns);
	if (resched && cur != &idle_thread) {
		cur->state = THREAD_READY;
		rq_push(cur);
		struct thread *next = rq_pop(NR_PRIO - 1);
		switch_to(next, true);
	} else if (resched) {
		switch_to(rq_pop(NR_PRIO - 1), true);
	} else {
		timer_rearm(now);
	}
}

void sched_thread_entry(void (*fn)(void *), void *arg)
{
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
	me->state = THREAD_DEAD;
	if (me->joiner) {
		me->joiner->state = THREAD_READY;
		rq_push(me->joiner);
	}
	/* Its stacks are freed by the joiner (thread_join), never by itself. */
	schedule();
	panic("a dead thread was scheduled");
}

int thread_join(struct thread *t)
{
	uint64_t f = irq_save();
	struct thread *me = sched_current();
	if (t == me || t->joined || t->joiner) {
		irq_restore(f);
		return -22; /* EINVAL */
	}
	t->joiner = me;
	while (t->state != THREAD_DEAD) {
		me->state = THREAD_BLOCKED;
		schedule();
	}
	t->joined = true;
	irq_restore(f);
	vmarea_free(t->stack, t->stack_size, PAGE_SIZE);
	page_free(t->irq_stack, 2);
	page_free(t->exc_stack, 2);
	kfree(t->fpu);
	kfree(t);
	return 0;
}

void thread_set_fsbase(uint64_t base)
{
	sched_current()->fsbase = base;
	wrmsr(MSR_FS_BASE, base);
}

static int thread_alloc_stacks(struct thread *t)
{
	t->irq_stack = page_alloc(2); /* 16 KiB */
	t->exc_stack = page_alloc(2);
	t->fpu = kmalloc_aligned(fpu_state_size(), 64);
	if (!t->irq_stack || !t->exc_stack || !t->fpu)
		return -12;
	fpu_state_init(t->fpu);
	t->fpu_full = true;
	return 0;
}

struct thread *thread_create(const char *name, int prio, void (*fn)(void *), void *arg,
			     size_t stack_size)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	strlcpy(t->name, name, sizeof(t->name));
	t->prio = prio;
	stack_size = ALIGN_UP(stack_size, PAGE_SIZE);
	/* Stacks are reserved whole and filled on demand, with a guard page;
	 * the top 32 KiB are mapped at once. */
	t->stack = vmarea_reserve(stack_size, PAGE_SIZE, PTE_W | PTE_NX);
	if (!t->stack || thread_alloc_stacks(t) < 0)
		goto fail;
	t->stack_size = stack_size;
	uintptr_t top = (uintptr_t)t->stack + stack_size;
	size_t eager = MIN(stack_size, 32768UL);
	if (vma_populate(top - eager, top) < 0)
		goto fail;
	uint64_t *sp = (uint64_t *)top;
	/* After the pops and ret, rsp == top: 16-aligned, as arch_thread_start expects. */
	*--sp = (uint64_t)arch_thread_start;
	*--sp = 0;                          /* rbp */
	*--sp = 0;                          /* rbx */
	*--sp = (uint64_t)fn;               /* r12 */
	*--sp = (uint64_t)arg;              /* r13 */
	*--sp = 0;                          /* r14 */
	*--sp = 0;                          /* r15 */
	t->rsp = (uint64_t)sp;
	uint64_t f = irq_save();
	t->tid = next_tid++;
	rq_push(t);
	irq_restore(f);
	return t;
fail:
	printk("jiny: out of memory creating thread %s\n", name);
	if (t->stack)
		vmarea_free(t->stack, stack_size, PAGE_SIZE);
	if (t->irq_stack)
		page_free(t->irq_stack, 2);
	if (t->exc_stack)
		page_free(t->exc_stack, 2);
	kfree(t->fpu);
	kfree(t);
	return NULL;
}

void sched_init(uint64_t tick_hz)
{
	struct cpu *c = this_cpu();
	struct thread *t = &idle_thread;
	extern char boot_stack[], boot_stack_top[];
	strlcpy(t->name, "idle", sizeof(t->name));
	t->prio = PRIO_IDLE;
	t->tid = 0;
	t->stack = (uint8_t *)boot_stack;
	t->stack_size = boot_stack_top - boot_stack;
	t->state = THREAD_RUNNING;
	if (thread_alloc_stacks(t) < 0)
		panic("out of memory for the idle thread");
	t->fpu_full = false;
	t->last_start_ns = clock_ns();
	c->current = t;
	c->idle = t;
	arch_set_thread_stacks((uint64_t)t->irq_stack + THREAD_IRQ_STACK,
			       (uint64_t)t->exc_stack + THREAD_EXC_STACK);
	trap_register_irq(VECTOR_TIMER, sched_timer_irq);
	if (tick_hz) {
		tick_ns = 1000000000ULL / tick_hz;
		if (!tick_ns)
			tick_ns = 1;
		next_tick_ns = clock_ns() + tick_ns;
	}
}

void sched_run_idle(void)
{
	irq_disable();
	for (;;) {
		if (rq_has(NR_PRIO - 1)) {
			schedule();
			continue;
		}
		timer_rearm(clock_ns());
		arch_halt(); /* sti; hlt; cli: wakes on any interrupt */
	}
}
