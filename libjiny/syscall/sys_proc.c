/*
 * sys_proc.c - process-level system calls of the HP app: exit, TLS
 * (arch_prctl), uname and randomness. Signals are proc/signal.c's; ids,
 * limits and accounting (getuid, prlimit64, times, sysinfo...) are
 * proc/ids.c's.
 */
#include "syscall/sys.h"
#include "proc/proc.h"
#include "kern/app.h"
#include "sched/sched.h"
#include "arch/x86_64/arch.h"
#include "mm/mm.h"
#include "kern/random.h"

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


long sys_arch_prctl(int code, unsigned long addr)
{
	switch (code) {
	case ARCH_SET_FS:
		if (!arch_fsbase_ok(addr, current_is_user()))
			return -EPERM;
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
