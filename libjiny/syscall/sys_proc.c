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
#include "arch/arch.h"
#include "mm/mm.h"
#include "kern/random.h"


long sys_exit_group(int status)
{
	if (proc_current() == &hp_proc)
		app_exit(status);
	proc_exit_group((status & 0xff) << 8);
}


long sys_arch_prctl(int code, unsigned long addr)
{
	switch (code) {
	case ARCH_SET_FS_K:
		if (!arch_fsbase_ok(addr, current_is_user()))
			return -EPERM;
		thread_set_fsbase(addr);
		return 0;
	case ARCH_GET_FS_K:
		if (!uaccess_ok((void *)addr, 8, true))
			return -EFAULT;
		*(uint64_t *)addr = sched_current()->fsbase;
		return 0;
	case ARCH_SET_GS_K:
	case ARCH_GET_GS_K:
		return -EPERM; /* GS holds the kernel's per-CPU data */
	}
	return -EINVAL;
}

long sys_uname(void *buf)
{
	struct utsname_k *u = buf;
	if (!uaccess_ok(buf, sizeof(*u), true))
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	/* "Linux": programs test it to pick the Linux code paths they need. */
	strlcpy(u->sysname, "Linux", sizeof(u->sysname));
	strlcpy(u->nodename, "jiny", sizeof(u->nodename));
	strlcpy(u->release, "6.1.0-jiny", sizeof(u->release));
	strlcpy(u->version, "Jiny " JINY_VERSION_STRING, sizeof(u->version));
	strlcpy(u->machine, "x86_64", sizeof(u->machine));
	strlcpy(u->domainname, "(none)", sizeof(u->domainname));
	return 0;
}

long sys_getrandom(void *buf, size_t n, unsigned flags)
{
	if (flags & ~(GRND_NONBLOCK_K | GRND_RANDOM_K | GRND_INSECURE_K))
		return -EINVAL;
	if (!uaccess_ok(buf, n, true))
		return -EFAULT;
	n = MIN(n, 0x7ffff000UL);
	random_bytes(buf, n);
	return (long)n;
}
