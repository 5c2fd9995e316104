/*
 * proc.h - processes (DESIGN.md 1, 4.3): the HP app is process 1 and keeps
 * the kernel's address space; the compat layer's ring-3 static Linux
 * programs are the others, each in an address space of its own (struct mm,
 * mm/uvm.c).
 *
 *   proc/proc.c        pids, the process tree, fork/vfork/clone, exit, wait4/
 *                      waitid, process groups and sessions
 *   proc/ids.c         ids, limits (rlimits), accounting (times, getrusage)
 *   proc/itimer.c      interval timers: alarm, setitimer, getitimer
 *   proc/signal.c      sending, delivery, default actions, stop/continue
 *                      (contract: signal.h; also signal_sys.c)
 *   syscall/user.c     the system calls of ring-3 threads and the way back
 *                      to ring 3 (contract: syscall/user.h)
 *   compat/exec.c      execve: ELF (compat/elf.c) and #! scripts, the initial
 *                      stack with argv/envp/auxv, entering ring 3
 *   compat/sigframe.c  the signal frame, rt_sigreturn, sigaltstack
 *   compat/launch.c    the init= kernel option, jiny_spawn()
 *
 * Every thread belongs to a process (t->proc); kernel threads and the HP
 * app's threads belong to proc 1 (hp_proc), whose mm is NULL (the kernel's
 * page tables). A thread of a compat process runs in ring 3 and enters the
 * kernel on its own kernel stack (t->kstack_top), where the user registers
 * are saved as a struct trap_frame (t->uframe) - the same layout for system
 * calls, interrupts and exceptions, so signals, fork and exec edit one thing.
 *
 * Locking: proc_lock (a spinlock, irqsave) guards the pid table, the tree
 * (parent/children/sibling), pgid/sid and the zombie/stop state; p->lock
 * guards the thread list and signal state of one process, and the pointers
 * that other processes read through procfs (mm, fs, exe, cmdline, comm:
 * changed under it by exec and exit; their owner may read them without
 * it). Order: proc_lock before p->lock. itimer_lock (proc/itimer.c, one for
 * all processes) guards the interval timers; order: itimer_lock before p->lock.
 */
#ifndef JINY_PROC_H
#define JINY_PROC_H

#include "kern/kern.h"
#include "kern/spinlock.h"
#include "sched/waitq.h"
#include "abi/linux.h"

struct mm;
struct fs_context;
struct dentry;
struct thread;
struct trap_frame;

struct sigq {
	struct siginfo_k info;
	struct sigq *next;
};

#define HP_PID 1                 /* the HP app's process, hp_proc */
#define PROC_NGROUPS 32          /* supplementary groups kept (setgroups: EINVAL above) */

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

struct proc {
	int pid, pgid, sid;
	char comm[16];                /* basename of the program, for ps and messages */
	struct proc *parent;          /* proc_lock; orphans go to proc 1 */
	struct proc *children;        /* proc_lock */
	struct proc *sibling;         /* proc_lock */
	struct mm *mm;                /* NULL: the kernel's page tables (proc 1) */
	struct fs_context *fs;        /* fds, cwd, umask */
	spinlock_t lock;              /* threads, signal state */
	struct thread *threads;       /* linked by t->proc_next; p->lock */
	int nthreads;                 /* live threads; p->lock */
	volatile int state;           /* enum proc_state; proc_lock */
	volatile bool exiting;        /* exit_group or a fatal signal: threads leave at once */
	struct thread *volatile exec_owner; /* execve in a threaded process: the others leave */
	int exit_status;              /* wait status (W* encoding), set when exiting starts */
	/* Stop/continue (job control), reported to the parent by wait4. proc_lock. */
	bool stopped;
	int stop_sig;
	bool stop_unreported, cont_unreported;
	/* Signals (proc/signal.c); p->lock. */
	struct sigaction_k sigact[NSIG_K];
	uint64_t sig_pending;         /* sent to the process (kill), any thread may take it */
	struct siginfo_k sig_info[NSIG_K]; /* the first queued instance of each signal */
	struct sigq *rt_queue;        /* further instances of real-time signals, in order sent */
	int rt_queued;                /* their number (bounded by RLIMIT_SIGPENDING) */
	struct waitq child_wq;        /* this process waits here for its children (wait4) */
	struct waitq vfork_wq;        /* a vfork parent waits here */
	struct waitq stop_wq;         /* its stopped threads wait here for SIGCONT */
	unsigned child_events;        /* bumped (proc_lock) when a child changes state */
	struct proc *all_next;        /* every process (proc_lock) */
	bool adopted;                 /* reparented to proc 1: reaped when it dies */
	bool vfork_done;              /* the vfork child exec'd or exited */
	struct rlimit_k rlim[RLIM_NLIMITS_K]; /* proc/ids.c; copied by fork (proc_ids_fork) */
	/* Credentials (proc/ids.c): real, effective, saved and file-system
	 * ids and supplementary groups. Root semantics for the set*id calls; no
	 * other code checks them. Written under p->lock, read without it. */
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint32_t groups[PROC_NGROUPS];  /* sorted ascending, like Linux's */
	int ngroups;
	uint64_t start_ns;            /* for ps / times */
	uint64_t utime_ns, stime_ns;  /* of exited threads */
	uint64_t cutime_ns, cstime_ns; /* of waited-for children */
	int refcount;                 /* the pid table and wait4 hold it while in use */
	struct dentry *exe;           /* the file it runs (a reference; the interpreter of
				       * a #! script): /proc/PID/exe; NULL for pid 1 and zombies */
	char *cmdline;                /* NUL-separated argv (kmalloc), /proc/PID/cmdline */
	size_t cmdline_len;
	/* Interval timers (proc/itimer.c), by ITIMER_REAL/_VIRTUAL/_PROF; itimer_lock.
	 * A new process starts with none (fork: a zeroed struct proc); exec keeps
	 * them; the last thread's exit cancels them (itimer_exit). */
	uint64_t it_expires[3];       /* 0: disarmed; else monotonic ns (REAL) or the
				       * process's CPU time in ns (proc_cpu_ns) */
	uint64_t it_interval[3];      /* period after an expiry, ns; 0: one-shot */
	struct proc *it_next;         /* on the timer thread's list while one is armed */
	bool it_listed;
};

extern struct proc hp_proc;       /* pid 1: the HP app and every kernel thread */

void proc_init(void);             /* hp_proc, before the first thread */
static inline bool proc_is_user(const struct proc *p) { return p && p->mm; }
struct proc *proc_current(void);  /* never NULL (hp_proc for kernel threads) */
/* The current thread runs a compat (ring-3) process. */
bool current_is_user(void);

/* Find by pid with a reference (proc_put), or NULL. */
struct proc *proc_get(int pid);
void proc_put(struct proc *p);
void proc_reap(struct proc *p);             /* a zombie leaves its parent and the table */
/* The HP app's posix_spawn: a CLONE_VM|CLONE_VFORK child running fn(arg) on 'stack'. */
long proc_kernel_vfork(int (*fn)(void *), void *stack, void *arg);
/* Call fn for every live process (proc_lock held: fn must not sleep). */
void proc_for_each(void (*fn)(struct proc *p, void *ctx), void *ctx);

/*
 * End the calling thread's process with 'wstatus' (W* encoding: exit code
 * << 8, or the signal number, | 0x80 for a core): other threads are told to
 * leave, the last one turns the process into a zombie, reparents its
 * children, sends SIGCHLD and wakes the parent's wait4.
 */
void proc_exit_group(int wstatus) __noreturn;
void proc_thread_exit(void) __noreturn;     /* exit(2) of one thread */
/* Mark p ending with wstatus and send its threads on their way out (no blocking). */
void proc_kill_from_kernel(struct proc *p, int wstatus);

/* Job control (called by signal.c under no lock): stop the whole process
 * with 'sig' until SIGCONT / SIGKILL; notifies the parent. */
void proc_stop(int sig);
void proc_continue(struct proc *p);         /* SIGCONT arrived */

/* Process groups: foreground group checks for the tty. */
bool proc_pgrp_exists(int pgid);
int proc_pgrp_session(int pgid);            /* sid of the group, or -ESRCH */

/* Resource limits of the current process (RLIMIT_NOFILE for fs/file.c). */
unsigned long proc_rlimit_cur(int res);

/*
 * proc/ids.c: ids, limits, accounting.
 * proc_rlimits_init: Linux's default limits (proc_init, for hp_proc; it
 * does nothing when p has limits already). proc_ids_fork: a new process
 * (fork, clone, spawn) gets a copy of its parent's credentials and limits.
 * proc_cpu_ns: CPU time of p's threads, live and exited (ns).
 */
void proc_rlimits_init(struct proc *p);
void proc_ids_fork(struct proc *child, const struct proc *parent);
uint64_t proc_cpu_ns(struct proc *p);

/*
 * proc/itimer.c: the process is ending (its last thread leaves): its
 * interval timers stop. No-op when it never armed one.
 */
void itimer_exit(struct proc *p);

/*
 * Wait for a child of 'me' matching pid (wait4 rules: >0, -1, 0, <-1) with
 * options (WEXITED, WNOHANG, WUNTRACED, WCONTINUED, WNOWAIT; waitid's bits, so
 * wait4 adds WEXITED): its pid, 0 (WNOHANG,
 * none ready), -ECHILD or -ERESTARTSYS. *wstatus gets the wait status;
 * *code the CLD_* code for waitid.
 */
long proc_wait(struct proc *me, int pid, int options, int *wstatus, int *code, uint64_t *cpu_ns);

/* A new child process of parent (ids, limits, signal dispositions, a copy of
 * the fd table), not yet running; NULL with *err = -EAGAIN (RLIMIT_NPROC) or -ENOMEM. */
struct proc *proc_new_child(struct proc *parent, int *err);
int proc_start_child(struct proc *child, struct thread *t); /* t is its first thread: pid */
/* A thread of p in mm with a kernel stack of its own, going to ring 3 with *uf; not started. */
struct thread *proc_thread_new(struct proc *p, struct mm *mm, const struct trap_frame *uf);
void proc_discard_child(struct proc *child);               /* never started */

/*
 * For the loader's execve (compat/exec.c). proc_vfork_release: a vfork
 * child exec'd or ended, its parent goes on (arg: the child's struct proc;
 * a thread reap hook too, for the app's posix_spawn child).
 */
void proc_vfork_release(void *arg);
bool proc_exec_single(void); /* execve: make the caller its process's only thread */

/*
 * Implemented by the loader (compat/launch.c): start init= after the
 * initcalls (kern/start.c); true when it replaces the HP app.
 */
struct cmdline;
bool compat_launch_init(const struct cmdline *kcl);

#endif
