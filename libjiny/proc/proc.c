/*
 * proc.c - processes (contract: proc.h): the process table and tree,
 * fork/vfork/clone, thread and process exit, zombies and wait4/waitid,
 * process groups and sessions, and the HP app's posix_spawn route (a
 * CLONE_VM|CLONE_VFORK child that execs). The way back to ring 3 that
 * carries out exits and stops is syscall/user.c's user_return_work().
 *
 * A process id is the thread id of its first thread, as on Linux, so
 * gettid() == getpid() in a single-threaded program and tgkill works.
 */
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "mm/uvm.h"
#include "mm/vmarea.h"
#include "fs/vfs.h"
#include "arch/arch.h"
#include "syscall/sys.h"
#include "syscall/user.h"
#include "kern/app.h"
#include "kern/errno.h"

struct proc hp_proc;
static spinlock_t plock = SPINLOCK_INIT; /* proc_lock of proc.h */
static int nprocs;                       /* compat processes alive or zombie */

/* ---- basics ---- */

struct proc *proc_current(void)
{
	struct thread *t = sched_current();
	return t && t->proc ? t->proc : &hp_proc;
}

bool current_is_user(void)
{
	struct thread *t = sched_current();
	return t && t->mm;
}

static void proc_struct_init(struct proc *p)
{
	p->lock = (spinlock_t)SPINLOCK_INIT;
	waitq_init(&p->child_wq);
	waitq_init(&p->vfork_wq);
	waitq_init(&p->stop_wq);
	p->refcount = 1;
	p->state = PROC_ALIVE;
	p->start_ns = clock_ns();
}

void proc_init(void)
{
	proc_struct_init(&hp_proc);
	hp_proc.pid = hp_proc.pgid = hp_proc.sid = HP_PID;
	strlcpy(hp_proc.comm, "app", sizeof(hp_proc.comm));
	hp_proc.fs = vfs_app_context();
	hp_proc.all_next = NULL;
	proc_rlimits_init(&hp_proc);
	uvm_init();
}

struct proc *proc_get(int pid)
{
	uint64_t f = spin_lock_irqsave(&plock);
	struct proc *p = &hp_proc;
	for (; p; p = p->all_next)
		if (p->pid == pid) {
			__atomic_add_fetch(&p->refcount, 1, __ATOMIC_RELAXED);
			break;
		}
	spin_unlock_irqrestore(&plock, f);
	return p;
}

static void proc_free(struct proc *p)
{
	for (struct sigq *q = p->rt_queue, *n; q; q = n) {
		n = q->next;
		kfree(q);
	}
	if (p->exe) /* a child never started; a zombie let it go already */
		dentry_put(p->exe);
	kfree(p->cmdline);
	kfree(p);
}

void proc_put(struct proc *p)
{
	if (p && p != &hp_proc && !__atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL))
		proc_free(p);
}

void proc_for_each(void (*fn)(struct proc *p, void *ctx), void *ctx)
{
	uint64_t f = spin_lock_irqsave(&plock);
	for (struct proc *p = &hp_proc; p; p = p->all_next)
		fn(p, ctx);
	spin_unlock_irqrestore(&plock, f);
}

unsigned long proc_rlimit_cur(int res)
{
	if (res < 0 || res >= RLIM_NLIMITS_K)
		return ~0UL;
	return proc_current()->rlim[res].rlim_cur;
}

/* A new process, child of parent (not yet in the table): ids, limits, names. */
static struct proc *proc_alloc(struct proc *parent)
{
	struct proc *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	proc_struct_init(p);
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	p->parent = parent;
	memcpy(p->comm, parent->comm, sizeof(p->comm));
	proc_ids_fork(p, parent); /* credentials and limits (ids.c) */
	uint64_t f = spin_lock_irqsave(&parent->lock); /* an exec of another thread swaps it */
	if ((p->exe = parent->exe))
		dentry_get(p->exe);
	spin_unlock_irqrestore(&parent->lock, f);
	if (parent->cmdline && (p->cmdline = kmalloc(parent->cmdline_len))) {
		memcpy(p->cmdline, parent->cmdline, parent->cmdline_len);
		p->cmdline_len = parent->cmdline_len;
	}
	signal_fork(p, parent);
	return p;
}

/* Into the table and the parent's children (pid set by then). */
static void proc_link(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&plock);
	p->all_next = hp_proc.all_next;
	hp_proc.all_next = p;
	p->sibling = p->parent->children;
	p->parent->children = p;
	nprocs++;
	spin_unlock_irqrestore(&plock, f);
}

struct proc *proc_new_child(struct proc *parent, int *err)
{
	if ((unsigned long)READ_ONCE(nprocs) >= parent->rlim[RLIMIT_NPROC_K].rlim_cur) {
		*err = -EAGAIN;
		return NULL;
	}
	struct proc *c = proc_alloc(parent);
	if (c && !(c->fs = fs_context_clone(parent->fs))) {
		proc_free(c);
		c = NULL;
	}
	*err = c ? 0 : -ENOMEM;
	return c;
}

void proc_discard_child(struct proc *c)
{
	if (c->fs)
		fs_context_release(c->fs);
	proc_free(c);
}

static void thread_attach(struct proc *p, struct thread *t);

int proc_start_child(struct proc *c, struct thread *t)
{
	int pid = c->pid = t->tid;
	thread_attach(c, t);
	proc_link(c);
	thread_start(t);
	return pid;
}

/* ---- threads of compat processes ---- */

static void user_thread_start(void *unused)
{
	struct thread *t = sched_current();
	struct trap_frame *f = t->uframe;
	user_return_work(f);
	arch_return_to_user(f);
}

/*
 * A thread for process p with a kernel stack of its own and the user frame
 * *uf at its top; not started. Its C stack begins below the frame.
 */
struct thread *proc_thread_new(struct proc *p, struct mm *mm, const struct trap_frame *uf)
{
	uint8_t *kstack = thread_kstack_alloc();
	if (!kstack)
		return NULL;
	uintptr_t top = (uintptr_t)kstack + THREAD_KSTACK_SIZE;
	struct trap_frame *f = (struct trap_frame *)(top - sizeof(*f));
	*f = *uf;
	struct thread *t = thread_create_on(p->comm, PRIO_NORMAL, user_thread_start, NULL,
					    ALIGN_DOWN((uintptr_t)f, 16));
	if (!t) {
		vmarea_free(kstack, THREAD_KSTACK_SIZE, PAGE_SIZE);
		return NULL;
	}
	t->flags |= THREAD_OWN_STACK | THREAD_KSTACK;
	t->stack = kstack;
	t->stack_size = THREAD_KSTACK_SIZE;
	t->kstack_top = top;
	t->uframe = f;
	t->proc = p;
	t->mm = mm;
	return t;
}

static void thread_attach(struct proc *p, struct thread *t)
{
	uint64_t f = spin_lock_irqsave(&p->lock);
	t->proc_next = p->threads;
	p->threads = t;
	p->nthreads++;
	spin_unlock_irqrestore(&p->lock, f);
	__atomic_add_fetch(&p->refcount, 1, __ATOMIC_RELAXED); /* the thread's reference */
}

/* Write an int into another address space (CLONE_CHILD_SETTID of a fork child). */
static void put_int_in(struct mm *mm, int *uaddr, int v)
{
	if (uvm_check(mm, (uintptr_t)uaddr, sizeof(int), true))
		uvm_write(mm, (uintptr_t)uaddr, &v, sizeof(v));
}


static bool vfork_done(void *arg) { return READ_ONCE(((struct proc *)arg)->vfork_done); }

/* CLONE_THREAD|CLONE_VFORK: the child is a thread of our own process, and
 * the wait is over when it has left (proc_thread_exit wakes vfork_wq). */
struct vfork_thread {
	struct proc *p;
	int tid;
};

static bool vfork_thread_gone(void *arg)
{
	struct vfork_thread *v = arg;
	bool live = false;
	uint64_t f = spin_lock_irqsave(&v->p->lock);
	for (struct thread *t = v->p->threads; t && !live; t = t->proc_next)
		live = t->tid == v->tid;
	spin_unlock_irqrestore(&v->p->lock, f);
	return !live;
}

/*
 * The vfork parent's wait (Linux's is killable): until the child execs or
 * exits, or until this thread must go (SIGKILL, exit_group, an exec by
 * another thread), which user_return_work then carries out.
 */
static void vfork_wait(struct proc *child, int tid, bool thread)
{
	struct vfork_thread v = { child, tid };
	if (thread)
		waitq_wait_killable(&child->vfork_wq, vfork_thread_gone, &v, 0);
	else
		waitq_wait_killable(&child->vfork_wq, vfork_done, child, 0);
}

/* The flag combinations Linux's clone refuses with EINVAL (copy_process,
 * kernel_clone; the legacy clone's pidfd goes to parent_tid). */
static bool clone_flags_valid(unsigned long flags)
{
	if ((flags & CLONE_FS_K) && (flags & (CLONE_NEWNS_K | CLONE_NEWUSER_K)))
		return false;
	if ((flags & CLONE_THREAD_K) && !(flags & CLONE_SIGHAND_K))
		return false;
	if ((flags & CLONE_SIGHAND_K) && !(flags & CLONE_VM_K))
		return false;
	if ((flags & CLONE_THREAD_K) && (flags & (CLONE_NEWUSER_K | CLONE_NEWPID_K)))
		return false;
	if ((flags & CLONE_PIDFD_K) &&
	    (flags & (CLONE_DETACHED_K | CLONE_THREAD_K | CLONE_PARENT_SETTID_K)))
		return false;
	return true;
}

/* fork, vfork and clone from ring 3. */
static long proc_clone(unsigned long flags, uintptr_t newsp, int *ptid, int *ctid, uintptr_t tls)
{
	struct thread *me = sched_current();
	struct proc *p = me->proc;
	struct trap_frame *pf = me->uframe;
	bool thread = flags & CLONE_THREAD_K;
	if (!clone_flags_valid(flags))
		return -EINVAL;
	if ((flags & CLONE_SETTLS_K) && !arch_fsbase_ok(tls, true))
		return -EPERM;
	if ((flags & CLONE_PARENT_SETTID_K) && !uaccess_ok(ptid, sizeof(int), true))
		return -EFAULT;
	struct proc *child = p;
	struct mm *mm = p->mm;
	if (!thread) {
		int r;
		if (!(child = proc_new_child(p, &r)))
			return r;
		if (flags & CLONE_VM_K)
			uvm_get(mm);
		else if (!(mm = uvm_fork(p->mm))) {
			proc_discard_child(child);
			return -ENOMEM;
		}
		child->mm = mm;
	} else {
		uvm_get(mm);
	}
	struct trap_frame uf = *pf;
	uf.rax = 0;
	if (newsp)
		uf.rsp = newsp;
	struct thread *t = proc_thread_new(child, mm, &uf);
	if (!t) {
		uvm_put(mm);
		if (!thread)
			proc_discard_child(child);
		return -EAGAIN;
	}
	t->fsbase = (flags & CLONE_SETTLS_K) ? tls : me->fsbase;
	t->affinity = me->affinity;
	signal_thread_init(t, me, flags);
	if (flags & CLONE_CHILD_CLEARTID_K)
		t->clear_child_tid = ctid;
	int tid = t->tid;
	if (!thread) {
		child->pid = tid;
		if (flags & CLONE_PARENT_K) /* same parent as the caller */
			child->parent = p->parent ? p->parent : &hp_proc;
	}
	thread_attach(child, t);
	if (flags & CLONE_PARENT_SETTID_K)
		*ptid = tid;
	if (flags & CLONE_CHILD_SETTID_K) {
		if (mm == p->mm) {
			if (uaccess_ok(ctid, sizeof(int), true))
				*ctid = tid;
		} else {
			put_int_in(mm, ctid, tid);
		}
	}
	if (!thread)
		proc_link(child);
	if (flags & CLONE_VFORK_K)
		__atomic_add_fetch(&child->refcount, 1, __ATOMIC_RELAXED);
	thread_start(t);
	if (flags & CLONE_VFORK_K) {
		vfork_wait(child, tid, thread);
		proc_put(child);
	}
	return tid;
}

long sys_clone(unsigned long flags, unsigned long newsp, int *ptid, int *ctid, unsigned long tls)
{
	if (!current_is_user())
		return -ENOSYS; /* the HP app clones through __jiny_clone */
	return proc_clone(flags, newsp, ptid, ctid, tls);
}

long sys_fork(void)
{
	if (!current_is_user())
		return -ENOSYS;
	return proc_clone(SIGCHLD_K, 0, NULL, NULL, 0);
}

long sys_vfork(void)
{
	if (!current_is_user())
		return -ENOSYS;
	return proc_clone(CLONE_VM_K | CLONE_VFORK_K | SIGCHLD_K, 0, NULL, NULL, 0);
}

/*
 * The HP app's posix_spawn (musl: __clone(child, stack, CLONE_VM|CLONE_VFORK
 * |SIGCHLD, args)): a new process that shares the app's memory and runs
 * fn(arg) in ring 0 on the given stack, with a copy of the fd table, until
 * it execs (entering ring 3 in an address space of its own) or exits. The
 * caller waits for that, as vfork does.
 */
struct kvfork_start {
	int (*fn)(void *);
	void *arg;
};

static void kvfork_entry(void *p)
{
	struct kvfork_start s = *(struct kvfork_start *)p;
	kfree(p);
	int r = s.fn(s.arg);
	proc_exit_group((r & 0xff) << 8);
}

long proc_kernel_vfork(int (*fn)(void *), void *stack, void *arg)
{
	struct proc *p = proc_current();
	struct thread *me = sched_current();
	int r;
	struct proc *child = proc_new_child(p, &r);
	if (!child)
		return r;
	struct kvfork_start *s = kmalloc(sizeof(*s));
	if (!s) {
		proc_discard_child(child);
		return -ENOMEM;
	}
	*s = (struct kvfork_start){ fn, arg };
	struct thread *t = thread_create_on("spawn", PRIO_NORMAL, kvfork_entry, s, (uintptr_t)stack);
	if (!t) {
		kfree(s);
		proc_discard_child(child);
		return -EAGAIN;
	}
	t->proc = child;
	t->fsbase = me->fsbase;
	signal_thread_init(t, me, CLONE_VM_K | CLONE_VFORK_K);
	t->reap_hook = proc_vfork_release; /* it runs on the parent's stack until it execs */
	t->reap_arg = child;
	child->pid = t->tid;
	thread_attach(child, t);
	proc_link(child);
	__atomic_add_fetch(&child->refcount, 1, __ATOMIC_RELAXED);
	int pid = child->pid;
	thread_start(t);
	waitq_wait(&child->vfork_wq, vfork_done, child, 0);
	proc_put(child);
	return pid;
}

/* ---- exit ---- */

static void notify_parent(struct proc *parent, struct proc *c, int code, int status)
{
	if ((code == CLD_STOPPED_K || code == CLD_CONTINUED_K) && !signal_chld_on_stop(parent)) {
		waitq_wake_all(&parent->child_wq, 0);
		return; /* SA_NOCLDSTOP */
	}
	struct siginfo_k si = { .si_signo = SIGCHLD_K, .si_code = code };
	si.u.chld.pid = c->pid;
	si.u.chld.status = status;
	si.u.chld.utime = (long)(c->utime_ns / 10000000ULL);
	signal_send_proc(parent, SIGCHLD_K, &si);
	waitq_wake_all(&parent->child_wq, 0);
}

void proc_vfork_release(void *arg)
{
	struct proc *p = arg;
	__atomic_store_n(&p->vfork_done, true, __ATOMIC_RELEASE);
	waitq_wake_all(&p->vfork_wq, 0);
}

static void unlink_locked(struct proc *p, bool from_parent);

/* The last thread is leaving: p becomes a zombie for its parent (or is reaped). */
static void proc_zombify(struct proc *p)
{
	itimer_exit(p); /* no SIGALRM & co. for a zombie */
	uint64_t pf = spin_lock_irqsave(&p->lock); /* procfs reads p->fs, p->exe under it */
	struct fs_context *fs = p->fs;
	struct dentry *exe = p->exe; /* a zombie's exe link is gone, as on Linux */
	p->fs = NULL;
	p->exe = NULL;
	spin_unlock_irqrestore(&p->lock, pf);
	if (fs)
		fs_context_release(fs);
	if (exe)
		dentry_put(exe);
	if (!sched_current()->reap_hook) /* else: once off the parent's stack (kvfork) */
		proc_vfork_release(p);

	struct proc *dead_orphans = NULL;
	uint64_t f = spin_lock_irqsave(&plock);
	/* Children go to process 1, which reaps them when they end; zombies now. */
	while (p->children) {
		struct proc *c = p->children;
		p->children = c->sibling;
		c->parent = &hp_proc;
		c->adopted = true;
		if (c->state == PROC_ZOMBIE) {
			unlink_locked(c, false);
			c->sibling = dead_orphans;
			dead_orphans = c;
		} else {
			c->sibling = hp_proc.children;
			hp_proc.children = c;
		}
	}
	struct proc *parent = p->parent;
	__atomic_add_fetch(&parent->refcount, 1, __ATOMIC_RELAXED); /* it may go meanwhile */
	bool reap = p->adopted || proc_child_autoreap(parent);
	p->state = PROC_ZOMBIE;
	if (reap)
		unlink_locked(p, true); /* never visible to wait4 */
	parent->child_events++;
	spin_unlock_irqrestore(&plock, f);

	int st = p->exit_status;
	int code = (st & 0x7f) ? ((st & 0x80) ? CLD_DUMPED_K : CLD_KILLED_K) : CLD_EXITED_K;
	notify_parent(parent, p, code, (st & 0x7f) ? (st & 0x7f) : (st >> 8) & 0xff);
	proc_put(parent);
	for (struct proc *c = dead_orphans, *n; c; c = n) {
		n = c->sibling;
		proc_put(c); /* the table's reference */
	}
	if (reap)
		proc_put(p);
}

/* Take a zombie out of the table (and its parent's children); plock held. */
static void unlink_locked(struct proc *p, bool from_parent)
{
	struct proc *parent = p->parent;
	if (from_parent)
		for (struct proc **pp = &parent->children; *pp; pp = &(*pp)->sibling)
			if (*pp == p) {
				*pp = p->sibling;
				break;
			}
	for (struct proc **pp = &hp_proc.all_next; *pp; pp = &(*pp)->all_next)
		if (*pp == p) {
			*pp = p->all_next;
			break;
		}
	parent->cutime_ns += p->utime_ns + p->cutime_ns;
	parent->cstime_ns += p->stime_ns + p->cstime_ns;
	nprocs--;
}

/* Remove a zombie from its parent and the table; drop the table's reference. */
void proc_reap(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&plock);
	unlink_locked(p, true);
	spin_unlock_irqrestore(&plock, f);
	proc_put(p);
}

void proc_thread_exit(void)
{
	struct thread *t = sched_current();
	struct proc *p = t->proc;
	if (!p || p == &hp_proc)
		thread_exit();
	int *ctid = t->clear_child_tid;
	if (ctid && t->mm) {
		/* CLONE_CHILD_CLEARTID, while this thread's address space is loaded. */
		t->clear_child_tid = NULL;
		if (uaccess_ok(ctid, sizeof(int), true)) {
			user_access_begin();
			__atomic_store_n(ctid, 0, __ATOMIC_SEQ_CST);
			user_access_end();
			futex_wake((uint32_t *)ctid, 1, ~0u);
		}
	}
	uint64_t f = spin_lock_irqsave(&p->lock);
	for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next)
		if (*pp == t) {
			*pp = t->proc_next;
			break;
		}
	bool last = --p->nthreads == 0;
	p->utime_ns += thread_cpu_time(t); /* interrupts are off: t is the caller */
	spin_unlock_irqrestore(&p->lock, f);
	if (!last)
		waitq_wake_all(&p->vfork_wq, 0); /* a CLONE_THREAD|CLONE_VFORK parent */

	struct mm *mm = t->mm;
	f = irq_save();
	t->mm = NULL;
	uvm_activate(NULL);
	irq_restore(f);
	if (mm)
		uvm_put(mm);
	if (last)
		proc_zombify(p);
	proc_put(p); /* the thread's reference */
	t->proc = NULL;
	thread_exit();
}

void proc_exit_group(int wstatus)
{
	struct proc *p = proc_current();
	if (p == &hp_proc)
		app_exit((wstatus & 0x7f) ? 128 + (wstatus & 0x7f) : (wstatus >> 8) & 0xff);
	proc_kill_from_kernel(p, wstatus); /* the others leave at their next way back to ring 3 */
	proc_thread_exit();
}

/*
 * execve in a process with several threads: the others leave (as on Linux),
 * the caller waits until it is the only one. False if the process is exiting
 * or another thread execs at the same time.
 */
static bool alone(void *arg) { return READ_ONCE(((struct proc *)arg)->nthreads) == 1; }

bool proc_exec_single(void)
{
	struct thread *me = sched_current();
	struct proc *p = me->proc;
	if (READ_ONCE(p->nthreads) == 1)
		return true;
	uint64_t f = spin_lock_irqsave(&p->lock);
	bool ok = !p->exiting && !p->exec_owner;
	if (ok) {
		p->exec_owner = me;
		for (struct thread *t = p->threads; t; t = t->proc_next)
			if (t != me && !sched_wake(t) && t->state == THREAD_RUNNING)
				smp_resched(t->cpu);
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (!ok)
		return false;
	while (READ_ONCE(p->nthreads) > 1)
		waitq_wait(&p->child_wq, alone, p, clock_ns() + 1000000);
	p->exec_owner = NULL;
	return true;
}

/* End p with signal sig from a context that cannot block (a kernel fault): its threads leave. */
void proc_kill_from_kernel(struct proc *p, int sig)
{
	uint64_t f = spin_lock_irqsave(&p->lock);
	if (!p->exiting) {
		p->exit_status = sig;
		p->exiting = true;
	}
	for (struct thread *t = p->threads; t; t = t->proc_next)
		if (t != sched_current() && !sched_wake(t) && t->state == THREAD_RUNNING)
			smp_resched(t->cpu);
	spin_unlock_irqrestore(&p->lock, f);
}

/* ---- stop / continue ---- */

static bool stop_over(void *arg)
{
	struct proc *p = arg;
	struct thread *t = sched_current();
	return !READ_ONCE(p->stopped) || READ_ONCE(p->exiting) ||
	       ((t->sig_pending | p->sig_pending) & SIGBIT(SIGKILL_K));
}

void proc_stop(int sig)
{
	struct proc *p = proc_current();
	if (p == &hp_proc)
		return;
	uint64_t f = spin_lock_irqsave(&plock);
	p->stopped = true;
	p->stop_sig = sig;
	p->stop_unreported = true;
	p->cont_unreported = false;
	struct proc *parent = p->parent;
	__atomic_add_fetch(&parent->refcount, 1, __ATOMIC_RELAXED);
	parent->child_events++;
	spin_unlock_irqrestore(&plock, f);
	notify_parent(parent, p, CLD_STOPPED_K, sig);
	proc_put(parent);
	waitq_wait(&p->stop_wq, stop_over, p, 0);
}

void proc_continue(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&plock);
	bool was = p->stopped;
	struct proc *parent = p->parent;
	__atomic_add_fetch(&parent->refcount, 1, __ATOMIC_RELAXED);
	if (was) {
		p->stopped = false;
		p->stop_unreported = false;
		p->cont_unreported = true;
		parent->child_events++;
	}
	spin_unlock_irqrestore(&plock, f);
	waitq_wake_all(&p->stop_wq, 0);
	if (was)
		notify_parent(parent, p, CLD_CONTINUED_K, SIGCONT_K);
	proc_put(parent);
}

/* ---- wait ---- */

static bool wait_match(struct proc *c, struct proc *me, int pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == -1)
		return true;
	if (pid == 0)
		return c->pgid == me->pgid;
	return c->pgid == -pid;
}

struct wait_cond {
	struct proc *me;
	unsigned seen;
};

static bool wait_wake(void *arg)
{
	struct wait_cond *w = arg;
	return READ_ONCE(w->me->child_events) != w->seen || signal_pending();
}

long proc_wait(struct proc *me, int pid, int options, int *wstatus, int *code, uint64_t *cpu_ns)
{
	for (;;) {
		struct wait_cond w = { me, 0 };
		struct proc *found = NULL;
		bool any = false, reap = false;
		int st = 0, cd = 0;
		uint64_t f = spin_lock_irqsave(&plock);
		w.seen = me->child_events;
		for (struct proc *c = me->children; c; c = c->sibling) {
			if (!wait_match(c, me, pid))
				continue;
			any = true;
			if (c->state == PROC_ZOMBIE && (options & WEXITED_K)) {
				st = c->exit_status;
				cd = (st & 0x7f) ? ((st & 0x80) ? CLD_DUMPED_K : CLD_KILLED_K) : CLD_EXITED_K;
				reap = !(options & WNOWAIT_K);
			} else if (c->stopped && c->stop_unreported && (options & WUNTRACED_K)) {
				st = (c->stop_sig << 8) | 0x7f;
				cd = CLD_STOPPED_K;
				if (!(options & WNOWAIT_K))
					c->stop_unreported = false;
			} else if (c->cont_unreported && (options & WCONTINUED_K)) {
				st = 0xffff;
				cd = CLD_CONTINUED_K;
				if (!(options & WNOWAIT_K))
					c->cont_unreported = false;
			} else {
				continue;
			}
			found = c;
			__atomic_add_fetch(&c->refcount, 1, __ATOMIC_RELAXED);
			if (reap)
				unlink_locked(c, true); /* no other waiter can take it now */
			break;
		}
		spin_unlock_irqrestore(&plock, f);
		if (found) {
			int fpid = found->pid;
			if (wstatus)
				*wstatus = st;
			if (code)
				*code = cd;
			if (cpu_ns)
				*cpu_ns = found->utime_ns;
			if (reap)
				proc_put(found); /* the table's reference */
			proc_put(found);
			return fpid;
		}
		if (!any)
			return -ECHILD;
		if (options & WNOHANG_K)
			return 0;
		waitq_wait(&me->child_wq, wait_wake, &w, 0);
		if (READ_ONCE(me->child_events) == w.seen && signal_pending())
			return -ERESTARTSYS;
	}
}

/* __WNOTHREAD, __WALL, __WCLONE: accepted, and meaningless without clone children. */
#define WAIT_LINUX_ONLY (WNOTHREAD_K | WALL_K | WCLONE_K)

long sys_wait4(int pid, int *wstatus, int options, void *rusage)
{
	if (options & ~(WNOHANG_K | WUNTRACED_K | WCONTINUED_K | WAIT_LINUX_ONLY))
		return -EINVAL;
	if (pid == -2147483647 - 1)
		return -ESRCH;
	if ((wstatus && !uaccess_ok(wstatus, sizeof(int), true)) ||
	    (rusage && !uaccess_ok(rusage, sizeof(struct rusage_k), true)))
		return -EFAULT;
	int st = 0;
	uint64_t ns = 0;
	/* wait4 always reports exits; WUNTRACED/WCONTINUED add stops and continues. */
	long r = proc_wait(proc_current(), pid, (options & ~WAIT_LINUX_ONLY) | WEXITED_K, &st, NULL,
			   &ns);
	if (r > 0) {
		if (wstatus)
			*wstatus = st;
		if (rusage) {
			struct rusage_k *ru = rusage;
			memset(ru, 0, sizeof(*ru));
			ru->ru_utime.tv_sec = (long)(ns / 1000000000ULL);
			ru->ru_utime.tv_usec = (long)(ns % 1000000000ULL / 1000);
		}
	}
	return r;
}

long sys_waitid(int idtype, int id, struct siginfo_k *info, int options, void *rusage)
{
	if (options & ~(WNOHANG_K | WUNTRACED_K | WEXITED_K | WCONTINUED_K | WNOWAIT_K |
			WAIT_LINUX_ONLY))
		return -EINVAL;
	if (!(options & (WEXITED_K | WUNTRACED_K | WCONTINUED_K)))
		return -EINVAL;
	int pid;
	switch (idtype) {
	case P_ALL_K: pid = -1; break;
	case P_PID_K: if (id <= 0) return -EINVAL; pid = id; break;
	case P_PGID_K: if (id < 0) return -EINVAL; pid = id ? -id : 0; break;
	default: return -EINVAL;
	}
	if ((info && !uaccess_ok(info, sizeof(*info), true)) ||
	    (rusage && !uaccess_ok(rusage, sizeof(struct rusage_k), true)))
		return -EFAULT;
	int st = 0, code = 0;
	long r = proc_wait(proc_current(), pid, options & ~WAIT_LINUX_ONLY, &st, &code, NULL);
	if (r < 0)
		return r;
	if (rusage)
		memset(rusage, 0, sizeof(struct rusage_k));
	if (info) {
		memset(info, 0, sizeof(*info));
		if (r > 0) {
			info->si_signo = SIGCHLD_K;
			info->si_code = code;
			info->u.chld.pid = (int)r;
			info->u.chld.status = code == CLD_EXITED_K ? (st >> 8) & 0xff
					      : code == CLD_STOPPED_K ? (st >> 8) & 0xff
					      : code == CLD_CONTINUED_K ? SIGCONT_K : st & 0x7f;
		}
	}
	return 0;
}

/* ---- ids, groups, sessions ---- */

long sys_getpid(void) { return proc_current()->pid; }

long sys_getppid(void)
{
	struct proc *p = proc_current();
	return p == &hp_proc ? 0 : READ_ONCE(p->parent)->pid;
}

bool proc_pgrp_exists(int pgid)
{
	bool found = false;
	uint64_t f = spin_lock_irqsave(&plock);
	for (struct proc *p = &hp_proc; p && !found; p = p->all_next)
		found = p->pgid == pgid && p->state == PROC_ALIVE;
	spin_unlock_irqrestore(&plock, f);
	return found;
}

int proc_pgrp_session(int pgid)
{
	int sid = -ESRCH;
	uint64_t f = spin_lock_irqsave(&plock);
	for (struct proc *p = &hp_proc; p; p = p->all_next)
		if (p->pgid == pgid && p->state == PROC_ALIVE) {
			sid = p->sid;
			break;
		}
	spin_unlock_irqrestore(&plock, f);
	return sid;
}

static struct proc *find_locked(int pid)
{
	for (struct proc *p = &hp_proc; p; p = p->all_next)
		if (p->pid == pid)
			return p;
	return NULL;
}

long sys_setpgid(int pid, int pgid)
{
	struct proc *me = proc_current();
	if (pgid < 0)
		return -EINVAL;
	long r = 0;
	uint64_t f = spin_lock_irqsave(&plock);
	struct proc *p = pid ? find_locked(pid) : me;
	if (!p || (p != me && p->parent != me)) {
		r = -ESRCH;
		goto out;
	}
	if (!pgid)
		pgid = p->pid;
	if (p->sid == p->pid || p->sid != me->sid) {
		r = -EPERM; /* a session leader, or a child in another session */
		goto out;
	}
	if (pgid != p->pid) {
		bool ok = false;
		for (struct proc *q = &hp_proc; q && !ok; q = q->all_next)
			ok = q->pgid == pgid && q->sid == me->sid && q->state == PROC_ALIVE;
		if (!ok) {
			r = -EPERM;
			goto out;
		}
	}
	p->pgid = pgid;
out:
	spin_unlock_irqrestore(&plock, f);
	return r;
}

long sys_getpgid(int pid)
{
	if (!pid)
		return proc_current()->pgid;
	uint64_t f = spin_lock_irqsave(&plock);
	struct proc *p = find_locked(pid);
	long r = p ? p->pgid : -ESRCH;
	spin_unlock_irqrestore(&plock, f);
	return r;
}

long sys_getpgrp(void) { return proc_current()->pgid; }

long sys_setsid(void)
{
	struct proc *me = proc_current();
	if (me == &hp_proc)
		return -EPERM; /* process 1 leads session 1 already */
	long r;
	uint64_t f = spin_lock_irqsave(&plock);
	bool leader = false;
	for (struct proc *q = &hp_proc; q && !leader; q = q->all_next)
		leader = q->pgid == me->pid;
	if (leader) {
		r = -EPERM;
	} else {
		me->sid = me->pgid = me->pid;
		r = me->pid;
	}
	spin_unlock_irqrestore(&plock, f);
	return r;
}

long sys_getsid(int pid)
{
	if (!pid)
		return proc_current()->sid;
	uint64_t f = spin_lock_irqsave(&plock);
	struct proc *p = find_locked(pid);
	long r = p ? p->sid : -ESRCH;
	spin_unlock_irqrestore(&plock, f);
	return r;
}
