/*
 * sys_proc.c - process-level system calls of the HP app: exit, ids, TLS
 * (arch_prctl), uname, limits and randomness. Signals are compat/signal.c's.
 */
#include "sys.h"
#include "../../compat/proc.h"
#include "../kern/app.h"
#include "../sched/sched.h"
#include "../arch/x86_64/arch.h"
#include "../mm/mm.h"
#include "../kern/random.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define HP_PID 1

long sys_exit_group(int status)
{
	if (proc_current() == &hp_proc)
		app_exit(status);
	proc_exit_group((status & 0xff) << 8);
}

long sys_getuid(void) { return 0; }
long sys_geteuid(void) { return 0; }
long sys_getgid(void) { return 0; }
long sys_getegid(void) { return 0; }


long sys_arch_prctl(int code, unsigned long addr)
{
	switch (code) {
	case ARCH_SET_FS:
		thread_set_fsbase(addr);
		return 0;
	case ARCH_GET_FS:
		if (!uaccess_ok((void *)addr, 8, true))
			return -EFAULT;
		*(uint64_t *)addr = sched_current()->fsbase;
		return 0;
	case ARCH_SET_GS:
	case ARCH_GET_GS:
		return -EPERM; /* GS holds the kernel's per-CPU data */
	}
	return -EINVAL;
}

struct utsname_k {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

long sys_uname(void *buf)
{
	struct utsname_k *u = buf;
	if (!uaccess_ok(buf, sizeof(*u), true))
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	/* "Linux": programs test it to pick the Linux code paths they need. */
	strlcpy(u->sysname, "Linux", 65);
	strlcpy(u->nodename, "jiny", 65);
	strlcpy(u->release, "6.1.0-jiny", 65);
	strlcpy(u->version, "Jiny " JINY_VERSION_STRING, 65);
	strlcpy(u->machine, "x86_64", 65);
	strlcpy(u->domainname, "(none)", 65);
	return 0;
}

long sys_getrandom(void *buf, size_t n, unsigned flags)
{
	if (flags & ~7u)
		return -EINVAL;
	if (!uaccess_ok(buf, n, true))
		return -EFAULT;
	n = MIN(n, 0x7ffff000UL);
	random_bytes(buf, n);
	return (long)n;
}

struct sysinfo_k {
	long uptime;
	unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned mem_unit;
	char _f[4];
};

long sys_sysinfo(void *info)
{
	struct sysinfo_k *s = info;
	if (!uaccess_ok(info, sizeof(*s), true))
		return -EFAULT;
	memset(s, 0, sizeof(*s));
	s->uptime = (long)(clock_ns() / 1000000000ULL);
	s->totalram = pfa_total_pages() * PAGE_SIZE;
	s->freeram = pfa_free_pages() * PAGE_SIZE;
	s->procs = 1;
	s->mem_unit = 1;
	return 0;
}

#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0UL)


static struct rlimit_k rlimits[RLIM_NLIMITS];

static void rlimits_init(void)
{
	if (rlimits[0].max)
		return;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		rlimits[i] = (struct rlimit_k){ RLIM_INFINITY, RLIM_INFINITY };
	rlimits[RLIMIT_STACK] = (struct rlimit_k){ 8UL << 20, RLIM_INFINITY };
	rlimits[RLIMIT_NOFILE] = (struct rlimit_k){ 1024, 1048576 };
}

long sys_prlimit64(int pid, int res, const void *new_lim, void *old_lim)
{
	if (pid != 0 && pid != HP_PID)
		return -ESRCH;
	if (res < 0 || res >= RLIM_NLIMITS)
		return -EINVAL;
	if ((new_lim && !uaccess_ok(new_lim, sizeof(struct rlimit_k), false)) ||
	    (old_lim && !uaccess_ok(old_lim, sizeof(struct rlimit_k), true)))
		return -EFAULT;
	rlimits_init();
	if (old_lim)
		memcpy(old_lim, &rlimits[res], sizeof(struct rlimit_k));
	if (new_lim) {
		const struct rlimit_k *n = new_lim;
		if (n->cur > n->max)
			return -EINVAL;
		rlimits[res] = *n;
	}
	return 0;
}

/* RLIMIT_NOFILE's soft limit: the fd table's size limit (fs/file.c). */
unsigned long proc_nofile_limit(void)
{
	rlimits_init();
	return rlimits[RLIMIT_NOFILE].cur;
}

long sys_getrlimit(int res, void *lim)
{
	return sys_prlimit64(0, res, NULL, lim);
}
