/*
 * api.c - the public C API of include/jiny/: thin wrappers over the kernel's
 * own objects (struct cpu, struct thread, the scheduler). With the syscall
 * handlers, the only exported (__export) functions of libjiny.a.
 */
#include "kern/kern.h"
#include "kern/errno.h"
#include "arch/arch.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include <jiny/jiny.h>
#include <jiny/thread.h>

__export const char *jiny_version(void) { return JINY_VERSION_STRING; }

__export uint64_t jiny_clock_ns(void) { return clock_ns(); }
__export const char *jiny_clock_source(void) { return clock_source(); }

/* ---- CPUs ---- */

static bool cpu_exists(int cpu) { return cpu >= 0 && cpu < nr_cpus && cpus[cpu]; }

__export int jiny_cpu_count(void) { return nr_cpus; }

__export int jiny_cpu_online(int cpu)
{
	if (!cpu_exists(cpu))
		return -EINVAL;
	return !cpus[cpu]->parked;
}

__export int jiny_cpu_park(int cpu) { return sched_park_cpu(cpu); }
__export int jiny_cpu_unpark(int cpu) { return sched_unpark_cpu(cpu); }

__export int jiny_cpu_stats(int cpu, struct jiny_cpu_stats *st)
{
	if (!cpu_exists(cpu) || !st)
		return -EINVAL;
	const struct cpu *c = cpus[cpu];
	/* Counters of another CPU, read without stopping it: each is exact, together a snapshot. */
	st->timer_irqs = READ_ONCE(c->timer_irqs);
	st->irqs = READ_ONCE(c->irqs);
	st->context_switches = READ_ONCE(c->context_switches);
	st->preemptions = READ_ONCE(c->preemptions);
	st->idle_ns = READ_ONCE(c->idle_ns);
	st->nr_ready = (uint32_t)sched_nr_ready(cpu);
	st->parked = c->parked;
	return 0;
}

/* ---- threads by tid ---- */

__export int jiny_thread_pin(int tid, int cpu)
{
	if (cpu != -1 && !cpu_exists(cpu))
		return -EINVAL;
	threads_lock();
	struct thread *t = tid ? thread_find(tid) : sched_current();
	threads_unlock();
	if (!t)
		return -ESRCH;
	return thread_set_affinity(t, cpu == -1 ? ~0UL : 1UL << cpu);
}

__export int jiny_thread_set_priority(int tid, int prio)
{
	if (prio != JINY_PRIO_HP && prio != JINY_PRIO_NORMAL)
		return -EINVAL;
	threads_lock();
	struct thread *t = tid ? thread_find(tid) : sched_current();
	threads_unlock();
	if (!t)
		return -ESRCH;
	return thread_set_prio(t, prio == JINY_PRIO_HP ? PRIO_HP : PRIO_NORMAL);
}

__export int jiny_thread_info(int tid, struct jiny_thread_info *info)
{
	if (!info)
		return -EINVAL;
	int ret = 0;
	threads_lock();
	struct thread *t = tid ? thread_find(tid) : sched_current();
	if (!t) {
		ret = -ESRCH;
		goto out;
	}
	memset(info, 0, sizeof(*info));
	info->tid = t->tid;
	info->cpu = t->cpu;
	info->priority = t->prio == PRIO_HP ? JINY_PRIO_HP : JINY_PRIO_NORMAL;
	info->pinned_cpu = -1;
	if (t->affinity && !(t->affinity & (t->affinity - 1)))
		info->pinned_cpu = __builtin_ctzl(t->affinity);
	info->run_ns = t->run_ns;
	if (t == sched_current())
		info->run_ns += clock_ns() - t->last_start_ns;
	info->switches = t->switches;
	info->preemptions = t->preemptions;
	strlcpy(info->name, t->name, sizeof(info->name));
out:
	threads_unlock();
	return ret;
}

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
					 THREAD_JOINABLE, jiny_thread_trampoline, s, a.stack_size);
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

__export int jiny_thread_tid(jiny_thread_t *thread)
{
	return thread ? ((struct thread *)thread)->tid : -EINVAL;
}
