/*
 * ids.c - a process's identity, limits and accounting (struct proc,
 * proc/proc.h), for the HP app (pid 1) and the compat processes alike:
 *
 *   ids       get/set of real, effective, saved and file-system uid/gid,
 *             supplementary groups. One user, root, but the calls keep
 *             Linux's rules, so a program that drops privileges sees what
 *             it would on Linux (after setuid(1000) as root, setuid(0) is
 *             EPERM). "Privileged" means euid 0 (CAP_SETUID, CAP_SETGID,
 *             CAP_SYS_RESOURCE of a classic root). Nothing else in the
 *             kernel checks ids: file permissions, kill and prlimit on
 *             another process are allowed whatever the ids are.
 *   limits    getrlimit/setrlimit/prlimit64 on p->rlim; Linux's defaults
 *             (proc_rlimits_init), inherited by fork (proc_ids_fork).
 *             RLIMIT_NOFILE bounds the fd table (fs/file.c through
 *             proc_rlimit_cur); the others are recorded and reported only.
 *   time      times, getrusage, sysinfo. CPU time is the scheduler's
 *             t->run_ns, all reported as user time; clock ticks are 100 Hz.
 *
 * Thin handlers in the xv6 way: unpack, check the user pointers, then act
 * on the process under p->lock (ids) or without a lock (limits are words
 * written whole; a reader sees the old or the new value of each).
 */
#include "proc/proc.h"
#include "syscall/sys.h"
#include "sched/sched.h"
#include "mm/mm.h"
#include "arch/arch.h"

#define ID_NONE 0xffffffffu          /* (uid_t)-1: "unchanged" */
#define NR_OPEN_K 1048576UL          /* fs.nr_open: RLIMIT_NOFILE's ceiling */

/* ---- credentials ---- */

static bool privileged(const struct proc *p)
{
	return READ_ONCE(p->euid) == 0;
}

long sys_getuid(void) { return proc_current()->uid; }
long sys_geteuid(void) { return proc_current()->euid; }
long sys_getgid(void) { return proc_current()->gid; }
long sys_getegid(void) { return proc_current()->egid; }

static long put_three(uint32_t *a, uint32_t *b, uint32_t *c, uint32_t va, uint32_t vb,
		      uint32_t vc)
{
	if (!uaccess_ok(a, 4, true) || !uaccess_ok(b, 4, true) || !uaccess_ok(c, 4, true))
		return -EFAULT;
	*a = va;
	*b = vb;
	*c = vc;
	return 0;
}

long sys_getresuid(uint32_t *r, uint32_t *e, uint32_t *s)
{
	struct proc *p = proc_current();
	return put_three(r, e, s, p->uid, p->euid, p->suid);
}

long sys_getresgid(uint32_t *r, uint32_t *e, uint32_t *s)
{
	struct proc *p = proc_current();
	return put_three(r, e, s, p->gid, p->egid, p->sgid);
}

/*
 * One implementation for the uid and gid families, after kernel/sys.c:
 * ids[R..FS] are the real, effective, saved and fs ids (p->uid.. or
 * p->gid..), priv is CAP_SETUID or CAP_SETGID (euid 0 for both), a, b, c
 * the call's arguments. Each returns 0 or -errno and edits ids in place.
 */
enum { R, E, S, FS };
typedef long id_op(uint32_t *ids, bool priv, uint32_t a, uint32_t b, uint32_t c);

static bool one_of(uint32_t v, const uint32_t *ids)
{
	return v == ids[R] || v == ids[E] || v == ids[S];
}

static long do_setid(uint32_t *ids, bool priv, uint32_t id, uint32_t b, uint32_t c)
{
	if (id == ID_NONE)
		return -EINVAL;
	if (priv) {
		ids[R] = ids[E] = ids[S] = ids[FS] = id;
	} else if (id == ids[R] || id == ids[S]) {
		ids[E] = ids[FS] = id;
	} else {
		return -EPERM;
	}
	return 0;
}

static long do_setreid(uint32_t *ids, bool priv, uint32_t r, uint32_t e, uint32_t c)
{
	uint32_t old_r = ids[R];
	if (!priv && ((r != ID_NONE && r != ids[R] && r != ids[E]) ||
		      (e != ID_NONE && !one_of(e, ids))))
		return -EPERM;
	if (r != ID_NONE)
		ids[R] = r;
	if (e != ID_NONE)
		ids[E] = e;
	/* The saved id follows a new effective one whenever the real id was set or
	 * the effective one now differs from the old real one. */
	if (r != ID_NONE || (e != ID_NONE && e != old_r))
		ids[S] = ids[E];
	ids[FS] = ids[E];
	return 0;
}

static long do_setresid(uint32_t *ids, bool priv, uint32_t r, uint32_t e, uint32_t s)
{
	if (!priv && ((r != ID_NONE && !one_of(r, ids)) || (e != ID_NONE && !one_of(e, ids)) ||
		      (s != ID_NONE && !one_of(s, ids))))
		return -EPERM;
	if (r != ID_NONE)
		ids[R] = r;
	if (e != ID_NONE)
		ids[E] = e;
	if (s != ID_NONE)
		ids[S] = s;
	ids[FS] = ids[E];
	return 0;
}

/* setfsuid/setfsgid never fail: the old value, changed if allowed. */
static long do_setfsid(uint32_t *ids, bool priv, uint32_t id, uint32_t b, uint32_t c)
{
	uint32_t old = ids[FS];
	if (id != ID_NONE && (priv || one_of(id, ids) || id == ids[FS]))
		ids[FS] = id;
	return old;
}

/* Apply op to the current process's uids (gid false) or gids under p->lock. */
static long id_change(bool gid, id_op *op, uint32_t a, uint32_t b, uint32_t c)
{
	struct proc *p = proc_current();
	uint32_t ids[4];
	uint64_t f = spin_lock_irqsave(&p->lock);
	bool priv = privileged(p);
	if (gid) {
		ids[R] = p->gid, ids[E] = p->egid, ids[S] = p->sgid, ids[FS] = p->fsgid;
	} else {
		ids[R] = p->uid, ids[E] = p->euid, ids[S] = p->suid, ids[FS] = p->fsuid;
	}
	long r = op(ids, priv, a, b, c);
	if (r >= 0 && gid) {
		p->gid = ids[R], p->egid = ids[E], p->sgid = ids[S], p->fsgid = ids[FS];
	} else if (r >= 0) {
		p->uid = ids[R], p->euid = ids[E], p->suid = ids[S], p->fsuid = ids[FS];
	}
	spin_unlock_irqrestore(&p->lock, f);
	return r;
}

long sys_setuid(uint32_t uid) { return id_change(false, do_setid, uid, 0, 0); }
long sys_setgid(uint32_t gid) { return id_change(true, do_setid, gid, 0, 0); }
long sys_setreuid(uint32_t r, uint32_t e) { return id_change(false, do_setreid, r, e, 0); }
long sys_setregid(uint32_t r, uint32_t e) { return id_change(true, do_setreid, r, e, 0); }
long sys_setresuid(uint32_t r, uint32_t e, uint32_t s)
{
	return id_change(false, do_setresid, r, e, s);
}
long sys_setresgid(uint32_t r, uint32_t e, uint32_t s)
{
	return id_change(true, do_setresid, r, e, s);
}
long sys_setfsuid(uint32_t id) { return id_change(false, do_setfsid, id, 0, 0); }
long sys_setfsgid(uint32_t id) { return id_change(true, do_setfsid, id, 0, 0); }

long sys_getgroups(int size, uint32_t *list)
{
	struct proc *p = proc_current();
	uint32_t g[PROC_NGROUPS];
	uint64_t f = spin_lock_irqsave(&p->lock);
	int n = p->ngroups;
	memcpy(g, p->groups, sizeof(g));
	spin_unlock_irqrestore(&p->lock, f);
	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return n;
	if (size < n)
		return -EINVAL;
	if (!uaccess_ok(list, (size_t)n * 4, true))
		return -EFAULT;
	memcpy(list, g, (size_t)n * 4);
	return n;
}

long sys_setgroups(int size, const uint32_t *list)
{
	struct proc *p = proc_current();
	uint32_t g[PROC_NGROUPS];
	if (!privileged(p))
		return -EPERM;
	if (size < 0 || size > NGROUPS_MAX_K)
		return -EINVAL;
	if (size > PROC_NGROUPS)
		return -EINVAL; /* more than Jiny keeps (Linux allows 65536) */
	if (!uaccess_ok(list, (size_t)size * 4, false))
		return -EFAULT;
	memcpy(g, list, (size_t)size * 4);
	for (int i = 1; i < size; i++) /* sorted, as Linux's getgroups returns them */
		for (int j = i; j > 0 && g[j - 1] > g[j]; j--) {
			uint32_t t = g[j];
			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	uint64_t f = spin_lock_irqsave(&p->lock);
	memcpy(p->groups, g, (size_t)size * 4);
	p->ngroups = size;
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}

/* ---- resource limits ---- */

static bool rlimits_unset(const struct proc *p)
{
	for (int i = 0; i < RLIM_NLIMITS_K; i++)
		if (p->rlim[i].rlim_cur || p->rlim[i].rlim_max)
			return false;
	return true;
}

/* Linux's defaults (include/asm-generic/resource.h, with the values that
 * Linux computes at boot fixed here). Does nothing once p has limits. */
void proc_rlimits_init(struct proc *p)
{
	static const struct rlimit_k defaults[RLIM_NLIMITS_K] = {
		[RLIMIT_CPU_K] = { RLIM_INFINITY_K, RLIM_INFINITY_K },
		[RLIMIT_FSIZE_K] = { RLIM_INFINITY_K, RLIM_INFINITY_K },
		[RLIMIT_DATA_K] = { RLIM_INFINITY_K, RLIM_INFINITY_K },
		[RLIMIT_STACK_K] = { 8UL << 20, RLIM_INFINITY_K },
		[RLIMIT_CORE_K] = { 0, RLIM_INFINITY_K },
		[RLIMIT_RSS_K] = { RLIM_INFINITY_K, RLIM_INFINITY_K },
		[RLIMIT_NPROC_K] = { 4096, 4096 },
		[RLIMIT_NOFILE_K] = { 1024, NR_OPEN_K },
		[RLIMIT_MEMLOCK_K] = { 8UL << 20, 8UL << 20 },
		[RLIMIT_AS_K] = { RLIM_INFINITY_K, RLIM_INFINITY_K },
		[RLIMIT_LOCKS_K] = { RLIM_INFINITY_K, RLIM_INFINITY_K },
		[RLIMIT_SIGPENDING_K] = { 4096, 4096 },
		[RLIMIT_MSGQUEUE_K] = { 819200, 819200 },
		[RLIMIT_NICE_K] = { 0, 0 },
		[RLIMIT_RTPRIO_K] = { 0, 0 },
		[RLIMIT_RTTIME_K] = { RLIM_INFINITY_K, RLIM_INFINITY_K },
	};
	if (!rlimits_unset(p))
		return;
	memcpy(p->rlim, defaults, sizeof(defaults));
}

void proc_ids_fork(struct proc *child, const struct proc *parent)
{
	memcpy(child->rlim, parent->rlim, sizeof(child->rlim));
	if (rlimits_unset(child))
		proc_rlimits_init(child);
	child->uid = parent->uid;
	child->euid = parent->euid;
	child->suid = parent->suid;
	child->fsuid = parent->fsuid;
	child->gid = parent->gid;
	child->egid = parent->egid;
	child->sgid = parent->sgid;
	child->fsgid = parent->fsgid;
	memcpy(child->groups, parent->groups, sizeof(child->groups));
	child->ngroups = parent->ngroups;
}

/*
 * prlimit64 in Linux's order of checks: the new limit is read (EFAULT), the
 * process found (ESRCH), then the resource and values checked (EINVAL for
 * cur > max, EPERM above fs.nr_open for NOFILE); raising a hard limit needs
 * privilege (EPERM). The old limit is returned when a new one is set too.
 */
long sys_prlimit64(int pid, unsigned res, const struct rlimit_k *new_lim,
		   struct rlimit_k *old_lim)
{
	struct rlimit_k n = { 0 };
	if (new_lim) {
		if (!uaccess_ok(new_lim, sizeof(n), false))
			return -EFAULT;
		n = *new_lim;
	}
	struct proc *me = proc_current(), *p = me;
	if (pid < 0 || (pid && pid != me->pid && !(p = proc_get(pid))))
		return -ESRCH;
	long r = 0;
	if (res >= RLIM_NLIMITS_K || (new_lim && n.rlim_cur > n.rlim_max))
		r = -EINVAL;
	else if (new_lim && res == RLIMIT_NOFILE_K && n.rlim_max > NR_OPEN_K)
		r = -EPERM;
	else if (old_lim && !uaccess_ok(old_lim, sizeof(*old_lim), true))
		r = -EFAULT;
	if (r < 0)
		goto out;
	if (rlimits_unset(p))
		proc_rlimits_init(p);
	uint64_t f = spin_lock_irqsave(&p->lock);
	struct rlimit_k old = p->rlim[res];
	if (new_lim && n.rlim_max > old.rlim_max && !privileged(me))
		r = -EPERM;
	else if (new_lim)
		p->rlim[res] = n;
	spin_unlock_irqrestore(&p->lock, f);
	if (r == 0 && old_lim)
		*old_lim = old;
out:
	if (p != me)
		proc_put(p);
	return r;
}

long sys_getrlimit(unsigned res, struct rlimit_k *lim)
{
	return sys_prlimit64(0, res, NULL, lim);
}

long sys_setrlimit(unsigned res, const struct rlimit_k *lim)
{
	return sys_prlimit64(0, res, lim, NULL);
}

/* ---- CPU time ---- */

struct usage {
	uint64_t cpu_ns, nvcsw, nivcsw;
};

static void proc_usage(struct proc *p, struct usage *u)
{
	uint64_t f = spin_lock_irqsave(&p->lock); /* an exiting thread moves its time under it */
	*u = (struct usage){ p->utime_ns + p->stime_ns, 0, 0 };
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		u->cpu_ns += thread_cpu_time(t);
		u->nivcsw += t->preemptions;
		u->nvcsw += t->switches > t->preemptions ? t->switches - t->preemptions : 0;
	}
	spin_unlock_irqrestore(&p->lock, f);
	/* pid 1's list also holds the kernel's threads: its CPU time is the app's. */
	if (p == &hp_proc)
		u->cpu_ns = sched_app_cpu_ns();
}

uint64_t proc_cpu_ns(struct proc *p)
{
	if (p == &hp_proc)
		return sched_app_cpu_ns();
	struct usage u;
	proc_usage(p, &u);
	return u.cpu_ns;
}

static long ns_to_ticks(uint64_t ns)
{
	return (long)(ns / (1000000000ULL / USER_HZ_K));
}

long sys_times(struct tms_k *buf)
{
	struct proc *p = proc_current();
	if (buf) {
		if (!uaccess_ok(buf, sizeof(*buf), true))
			return -EFAULT;
		struct tms_k t = {
			.tms_utime = ns_to_ticks(proc_cpu_ns(p)),
			.tms_stime = 0,
			.tms_cutime = ns_to_ticks(p->cutime_ns),
			.tms_cstime = ns_to_ticks(p->cstime_ns),
		};
		*buf = t;
	}
	return ns_to_ticks(clock_ns());
}

static void put_tv(uint64_t ns, long *sec, long *usec)
{
	*sec = (long)(ns / 1000000000ULL);
	*usec = (long)(ns % 1000000000ULL / 1000);
}

long sys_getrusage(int who, struct rusage_k *ru)
{
	struct proc *p = proc_current();
	struct rusage_k r = { 0 };
	struct usage u;
	switch (who) {
	case RUSAGE_SELF_K:
		proc_usage(p, &u);
		put_tv(u.cpu_ns, &r.ru_utime.tv_sec, &r.ru_utime.tv_usec);
		r.ru_nvcsw = (long)u.nvcsw;
		r.ru_nivcsw = (long)u.nivcsw;
		if (p == &hp_proc) /* the app shares the machine's memory: report what is used */
			r.ru_maxrss = (long)((pfa_total_pages() - pfa_free_pages()) *
					     (PAGE_SIZE / 1024));
		break;
	case RUSAGE_CHILDREN_K:
		put_tv(p->cutime_ns, &r.ru_utime.tv_sec, &r.ru_utime.tv_usec);
		put_tv(p->cstime_ns, &r.ru_stime.tv_sec, &r.ru_stime.tv_usec);
		break;
	case RUSAGE_THREAD_K: {
		uint64_t f = irq_save(); /* not migrated between the reads */
		struct thread *t = sched_current();
		put_tv(thread_cpu_time(t), &r.ru_utime.tv_sec, &r.ru_utime.tv_usec);
		r.ru_nivcsw = (long)t->preemptions;
		r.ru_nvcsw = (long)(t->switches > t->preemptions ?
				    t->switches - t->preemptions : 0);
		irq_restore(f);
		break;
	}
	default:
		return -EINVAL;
	}
	if (!uaccess_ok(ru, sizeof(*ru), true))
		return -EFAULT;
	*ru = r;
	return 0;
}

/* ---- sysinfo ---- */

static void count_proc(struct proc *p, void *ctx)
{
	(*(int *)ctx)++;
}

long sys_sysinfo(struct sysinfo_k *s)
{
	if (!uaccess_ok(s, sizeof(*s), true))
		return -EFAULT;
	int procs = 0;
	proc_for_each(count_proc, &procs);
	memset(s, 0, sizeof(*s));
	s->uptime = (long)(clock_ns() / 1000000000ULL);
	s->totalram = pfa_total_pages() * PAGE_SIZE;
	s->freeram = pfa_free_pages() * PAGE_SIZE;
	s->procs = (unsigned short)MIN(procs, 65535);
	s->mem_unit = 1;
	return 0;
}

/* ---- prctl: the few options programs use ---- */

long sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	struct proc *p = proc_current();
	struct thread *t = sched_current();
	switch (option) {
	case PR_SET_NAME_K: { /* the thread's name; the main thread's is the process's comm */
		char name[16];
		const char *u = (const char *)a2;
		size_t n = 0;
		while (n < sizeof(name) - 1) {
			if (!uaccess_ok(u + n, 1, false))
				return -EFAULT;
			if (!(name[n] = u[n]))
				break;
			n++;
		}
		name[n] = 0;
		uint64_t f = spin_lock_irqsave(&p->lock);
		strlcpy(t->name, name, sizeof(t->name));
		if (p != &hp_proc && p->pid == t->tid)
			strlcpy(p->comm, name, sizeof(p->comm));
		spin_unlock_irqrestore(&p->lock, f);
		return 0;
	}
	case PR_GET_NAME_K:
		if (!uaccess_ok((void *)a2, 16, true))
			return -EFAULT;
		memset((void *)a2, 0, 16);
		strlcpy((char *)a2, t->name, 16);
		return 0;
	case PR_SET_PDEATHSIG_K:
		return a2 > 64 ? -EINVAL : 0; /* accepted; not sent (orphans go to process 1) */
	case PR_GET_PDEATHSIG_K:
		if (!uaccess_ok((void *)a2, sizeof(int), true))
			return -EFAULT;
		*(int *)a2 = 0;
		return 0;
	case PR_GET_DUMPABLE_K:
		return 1;
	case PR_SET_DUMPABLE_K:
		return a2 > 1 ? -EINVAL : 0;
	case PR_SET_NO_NEW_PRIVS_K:
		return a2 == 1 && !a3 && !a4 && !a5 ? 0 : -EINVAL;
	case PR_GET_NO_NEW_PRIVS_K:
		return 0;
	}
	return -EINVAL;
}
