/*
 * sys_thread.c - thread system calls. The HP app's clone as musl uses it
 * (reached as __jiny_clone from musl's __clone, a direct call: see
 * third_party/musl/overlay; a compat process's clone is compat/proc.c's)
 * and musl's __unmapself; for every thread: exit of one thread
 * (clear_child_tid + futex wake), set_tid_address, gettid, futex,
 * sched_yield, sched_{get,set}affinity, getcpu and set_robust_list.
 */
#include "syscall/sys.h"
#include "proc/proc.h"
#include "kern/app.h"
#include "sched/sched.h"
#include "arch/arch.h"
#include "mm/mm.h"

#define CLONE_THREAD_FLAGS                                                                         \
	(CLONE_VM_K | CLONE_FS_K | CLONE_FILES_K | CLONE_SIGHAND_K | CLONE_THREAD_K)

struct clone_start {
	int (*fn)(void *);
	void *arg;
};

static void clone_entry(void *p)
{
	struct clone_start s = *(struct clone_start *)p;
	kfree(p);
	sys_exit(s.fn(s.arg));
}

/*
 * musl's __clone(fn, stack, flags, arg, ptid, tls, ctid): a new thread of
 * the app running fn(arg) on 'stack'. Only threads: a new process (fork,
 * vfork, posix_spawn) cannot share the HP app's ring-0 address space.
 */
long __jiny_clone(int (*fn)(void *), void *stack, unsigned long flags, void *arg, int *ptid,
		  void *tls, int *ctid) __export;
long __jiny_clone(int (*fn)(void *), void *stack, unsigned long flags, void *arg, int *ptid,
		  void *tls, int *ctid)
{
	if ((flags & (CLONE_VM_K | CLONE_VFORK_K | CLONE_THREAD_K)) ==
	    (CLONE_VM_K | CLONE_VFORK_K)) {
		if (!fn || !uaccess_ok((char *)stack - 64, 64, true))
			return -EINVAL;
		return proc_kernel_vfork(fn, stack, arg); /* posix_spawn: a process that will exec */
	}
	if ((flags & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS) {
		printk_once("jiny: clone without CLONE_VM|CLONE_THREAD (fork/vfork/posix_spawn) "
			    "is not supported in the HP app: ENOSYS\n");
		return -ENOSYS;
	}
	if (!fn || !uaccess_ok((char *)stack - 64, 64, true))
		return -EINVAL;
	if ((flags & CLONE_PARENT_SETTID_K) && !uaccess_ok(ptid, sizeof(int), true))
		return -EFAULT;
	if ((flags & CLONE_CHILD_CLEARTID_K) && !uaccess_ok(ctid, sizeof(int), true))
		return -EFAULT;
	if ((flags & CLONE_SETTLS_K) && !arch_fsbase_ok((uint64_t)tls, false))
		return -EPERM;
	struct clone_start *s = kmalloc(sizeof(*s));
	if (!s)
		return -EAGAIN;
	*s = (struct clone_start){ fn, arg };
	struct thread *me = sched_current();
	struct thread *t = thread_create_on("thread", me->prio, clone_entry, s, (uintptr_t)stack);
	if (!t) {
		kfree(s);
		return -EAGAIN;
	}
	t->flags |= THREAD_APP;
	t->fsbase = (flags & CLONE_SETTLS_K) ? (uint64_t)tls : me->fsbase;
	t->affinity = me->affinity;
	if (flags & CLONE_CHILD_CLEARTID_K)
		t->clear_child_tid = ctid;
	if (flags & CLONE_PARENT_SETTID_K)
		*ptid = t->tid;
	if (flags & CLONE_CHILD_SETTID_K)
		*ctid = t->tid;
	long tid = t->tid;
	thread_start(t);
	return tid;
}

/*
 * One thread ends. Its clear_child_tid is cleared and woken by thread_reap()
 * once the thread is off its stack: the joiner (pthread_join) frees that
 * stack as soon as it sees the tid cleared.
 */
long sys_exit(int status)
{
	struct thread *me = sched_current();
	struct proc *p = proc_current();
	if (p != &hp_proc) { /* a compat process (or the app's posix_spawn child) */
		if (p->nthreads == 1 && !p->exiting)
			proc_exit_group((status & 0xff) << 8);
		proc_thread_exit();
	}
	/* The last of the app's threads ends the app, with this status (Linux: the process). */
	if ((me->flags & THREAD_APP) && sched_app_threads() == 1)
		app_exit(status);
	thread_exit();
}

/* musl's __unmapself(base, size): exit, and unmap the stack we are running on. */
void __jiny_unmapself(void *base, size_t size) __export __noreturn;
void __jiny_unmapself(void *base, size_t size)
{
	struct thread *me = sched_current();
	me->unmap_base = (uintptr_t)base;
	me->unmap_len = size; /* done by thread_reap(), once we are off this stack */
	/* clear_child_tid stays: musl points it at its thread-list lock, which
	 * the exit releases (CLONE_CHILD_CLEARTID), detached or not. */
	sys_exit(0);
}

long sys_set_tid_address(int *tidptr)
{
	sched_current()->clear_child_tid = tidptr;
	return sched_current()->tid;
}

long sys_gettid(void) { return sched_current()->tid; }

long sys_sched_yield(void)
{
	sched_yield();
	return 0;
}

static long timeout_deadline(const struct timespec_k *ts, bool absolute, bool realtime,
			     uint64_t *deadline)
{
	*deadline = 0;
	if (!ts)
		return 0;
	uint64_t ns;
	long r = timespec_get_ns(ts, &ns);
	if (r < 0)
		return r;
	uint64_t now = clock_ns();
	if (!absolute) {
		*deadline = now + ns;
	} else if (realtime) {
		uint64_t rt = clock_realtime_ns();
		*deadline = ns > rt ? now + (ns - rt) : now;
	} else {
		*deadline = ns;
	}
	if (!*deadline)
		*deadline = 1; /* 0 means "no timeout" below */
	return 0;
}

long sys_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec_k *timeout,
	       uint32_t *uaddr2, uint32_t val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG_K | FUTEX_CLOCK_REALTIME_K);
	bool realtime = op & FUTEX_CLOCK_REALTIME_K;
	if ((uintptr_t)uaddr & 3)
		return -EINVAL;
	if (!uaccess_ok(uaddr, sizeof(uint32_t), false))
		return -EFAULT;
	uint64_t deadline;
	long r;
	switch (cmd) {
	case FUTEX_WAIT_K:
		if (realtime)
			return -ENOSYS; /* as Linux: only with WAIT_BITSET */
		if ((r = timeout_deadline(timeout, false, false, &deadline)) < 0)
			return r;
		return futex_wait(uaddr, val, deadline, ~0u);
	case FUTEX_WAIT_BITSET_K:
		if (!val3)
			return -EINVAL;
		if ((r = timeout_deadline(timeout, true, realtime, &deadline)) < 0)
			return r;
		return futex_wait(uaddr, val, deadline, val3);
	case FUTEX_WAKE_K:
		return futex_wake(uaddr, (int)MIN(val, (uint32_t)0x7fffffff), ~0u);
	case FUTEX_WAKE_BITSET_K:
		if (!val3)
			return -EINVAL;
		return futex_wake(uaddr, (int)MIN(val, (uint32_t)0x7fffffff), val3);
	case FUTEX_REQUEUE_K:
	case FUTEX_CMP_REQUEUE_K:
		if ((uintptr_t)uaddr2 & 3)
			return -EINVAL;
		if (!uaccess_ok(uaddr2, sizeof(uint32_t), false))
			return -EFAULT;
		return futex_requeue(uaddr, (int)MIN(val, (uint32_t)0x7fffffff),
				     (int)MIN((uint64_t)(uintptr_t)timeout, 0x7fffffffULL), uaddr2,
				     cmd == FUTEX_CMP_REQUEUE_K, val3);
	}
	printk_once("jiny: futex op %d is not implemented: ENOSYS\n", cmd);
	return -ENOSYS;
}

static struct thread *thread_by_tid(int tid)
{
	return tid == 0 ? sched_current() : thread_find(tid);
}

long sys_sched_setaffinity(int tid, size_t len, const void *mask)
{
	if (!uaccess_ok(mask, len, false))
		return -EFAULT;
	uint64_t m = 0;
	memcpy(&m, mask, MIN(len, sizeof(m)));
	threads_lock();
	struct thread *t = thread_by_tid(tid);
	threads_unlock(); /* threads of the app are freed only when they exit */
	if (!t)
		return -ESRCH;
	return thread_set_affinity(t, m);
}

long sys_sched_getaffinity(int tid, size_t len, void *mask)
{
	if (len < sizeof(uint64_t) || (len & 7))
		return -EINVAL;
	if (!uaccess_ok(mask, len, true))
		return -EFAULT;
	threads_lock();
	struct thread *t = thread_by_tid(tid);
	uint64_t m = t ? t->affinity : 0;
	threads_unlock();
	if (!t)
		return -ESRCH;
	uint64_t present = 0;
	for (int i = 0; i < nr_cpus; i++)
		if (cpus[i])
			present |= 1UL << i;
	m &= present;
	memset(mask, 0, len);
	memcpy(mask, &m, sizeof(m));
	return sizeof(m);
}

long sys_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
	if ((cpu && !uaccess_ok(cpu, sizeof(*cpu), true)) ||
	    (node && !uaccess_ok(node, sizeof(*node), true)))
		return -EFAULT;
	if (cpu)
		*cpu = (unsigned)sched_cpu_id();
	if (node)
		*node = 0;
	return 0;
}

long sys_set_robust_list(void *head, size_t len)
{
	/* Robust mutexes' list: recorded nowhere yet; threads that die holding one
	 * leave it locked (the owner-died protocol needs process death, issue 5). */
	return len == 24 ? 0 : -EINVAL;
}
