/*
 * api.c - the public C API of include/jiny/jiny.h: thin wrappers over the
 * kernel's own objects. The only exported (__export) functions besides the
 * system-call handlers.
 */
#include "kern.h"
#include "errno.h"
#include "../arch/x86_64/arch.h"
#include "../mm/mm.h"
#include "../sched/sched.h"
#include <jiny/jiny.h>
#include <jiny/thread.h>

__export const char *jiny_version(void) { return JINY_VERSION_STRING; }

__export int jiny_cpu_count(void) { return 1; }

__export int jiny_cpu_stats(int cpu, struct jiny_cpu_stats *st)
{
	if (cpu != 0 || !st)
		return -EINVAL;
	struct cpu *c = this_cpu();
	uint64_t f = irq_save();
	st->timer_irqs = c->timer_irqs;
	st->irqs = c->irqs;
	st->context_switches = c->context_switches;
	st->preemptions = c->preemptions;
	st->idle_ns = c->idle_ns;
	irq_restore(f);
	return 0;
}

__export uint64_t jiny_clock_ns(void) { return clock_ns(); }
__export const char *jiny_clock_source(void) { return clock_source(); }

/* ---- include/jiny/thread.h ---- */

struct jiny_thread_start {
	void (*fn)(void *);
	void *arg;
	uint64_t fsbase;
};

static void jiny_thread_trampoline(void *p)
{
	struct jiny_thread_start s = *(struct jiny_thread_start *)p;
	kfree(p);
	thread_set_fsbase(s.fsbase); /* the creator's TLS block (see thread.h) */
	s.fn(s.arg);
}

__export int jiny_thread_create(jiny_thread_t **out, void (*fn)(void *), void *arg,
				const struct jiny_thread_attr *attr)
{
	if (!out || !fn)
		return -EINVAL;
	struct jiny_thread_attr a = { 256 * 1024, JINY_PRIO_HP, "jiny-thread" };
	if (attr) {
		if (attr->priority != JINY_PRIO_HP && attr->priority != JINY_PRIO_NORMAL)
			return -EINVAL;
		if (attr->stack_size > (1UL << 30))
			return -EINVAL;
		if (attr->stack_size)
			a.stack_size = attr->stack_size;
		a.priority = attr->priority;
		if (attr->name)
			a.name = attr->name;
	}
	struct jiny_thread_start *s = kmalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	*s = (struct jiny_thread_start){ fn, arg, sched_current()->fsbase };
	struct thread *t = thread_create(a.name, a.priority == JINY_PRIO_HP ? PRIO_HP : PRIO_NORMAL,
					 jiny_thread_trampoline, s, a.stack_size);
	if (!t) {
		kfree(s);
		return -ENOMEM;
	}
	*out = (jiny_thread_t *)t;
	return 0;
}

__export int jiny_thread_join(jiny_thread_t *thread)
{
	if (!thread)
		return -EINVAL;
	return thread_join((struct thread *)thread);
}

__export int jiny_thread_stats(jiny_thread_t *thread, struct jiny_thread_stats *st)
{
	struct thread *t = (struct thread *)thread;
	if (!t || !st)
		return -EINVAL;
	uint64_t f = irq_save();
	st->run_ns = t->run_ns;
	if (t == sched_current())
		st->run_ns += clock_ns() - t->last_start_ns;
	st->tid = t->tid;
	irq_restore(f);
	return 0;
}
