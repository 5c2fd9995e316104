/*
 * process.h - Linux ABI, part of abi/linux.h (include that; it says how
 * the names are made): processes and threads (uapi linux/sched.h,
 * linux/wait.h, linux/futex.h, asm-generic/resource.h, linux/resource.h,
 * linux/sysinfo.h, linux/utsname.h, linux/prctl.h, asm/prctl.h,
 * linux/random.h, linux/auxvec.h).
 */
#ifndef JINY_ABI_PROCESS_H
#define JINY_ABI_PROCESS_H

#include "kern/kern.h"
#include "abi/time.h"

/* clone(2); the low byte (CSIGNAL) is the signal sent to the parent at exit. */
#define CSIGNAL_K 0x000000ff
#define CLONE_VM_K 0x00000100
#define CLONE_FS_K 0x00000200
#define CLONE_FILES_K 0x00000400
#define CLONE_SIGHAND_K 0x00000800
#define CLONE_PIDFD_K 0x00001000
#define CLONE_VFORK_K 0x00004000
#define CLONE_PARENT_K 0x00008000
#define CLONE_THREAD_K 0x00010000
#define CLONE_NEWNS_K 0x00020000
#define CLONE_SYSVSEM_K 0x00040000
#define CLONE_SETTLS_K 0x00080000
#define CLONE_PARENT_SETTID_K 0x00100000
#define CLONE_CHILD_CLEARTID_K 0x00200000
#define CLONE_DETACHED_K 0x00400000
#define CLONE_CHILD_SETTID_K 0x01000000
#define CLONE_NEWUSER_K 0x10000000
#define CLONE_NEWPID_K 0x20000000

/* wait4(2) and waitid(2) options; WNOTHREAD, WALL, WCLONE are Linux's
 * __WNOTHREAD, __WALL, __WCLONE. */
#define WNOHANG_K 0x00000001
#define WUNTRACED_K 0x00000002
#define WEXITED_K 0x00000004
#define WCONTINUED_K 0x00000008
#define WNOWAIT_K 0x01000000
#define WNOTHREAD_K 0x20000000
#define WALL_K 0x40000000
#define WCLONE_K 0x80000000
/* waitid's idtype */
#define P_ALL_K 0
#define P_PID_K 1
#define P_PGID_K 2

/* futex(2) */
#define FUTEX_WAIT_K 0
#define FUTEX_WAKE_K 1
#define FUTEX_REQUEUE_K 3
#define FUTEX_CMP_REQUEUE_K 4
#define FUTEX_WAIT_BITSET_K 9
#define FUTEX_WAKE_BITSET_K 10
#define FUTEX_PRIVATE_FLAG_K 128
#define FUTEX_CLOCK_REALTIME_K 256

/* Resource limits (getrlimit, prlimit64). */
struct rlimit_k {
	unsigned long rlim_cur, rlim_max;
};
#define RLIM_INFINITY_K (~0UL)
#define RLIMIT_CPU_K 0
#define RLIMIT_FSIZE_K 1
#define RLIMIT_DATA_K 2
#define RLIMIT_STACK_K 3
#define RLIMIT_CORE_K 4
#define RLIMIT_RSS_K 5
#define RLIMIT_NPROC_K 6
#define RLIMIT_NOFILE_K 7
#define RLIMIT_MEMLOCK_K 8
#define RLIMIT_AS_K 9
#define RLIMIT_LOCKS_K 10
#define RLIMIT_SIGPENDING_K 11
#define RLIMIT_MSGQUEUE_K 12
#define RLIMIT_NICE_K 13
#define RLIMIT_RTPRIO_K 14
#define RLIMIT_RTTIME_K 15
#define RLIM_NLIMITS_K 16

/* Resource usage (getrusage, wait4). */
struct rusage_k {
	struct timeval_k ru_utime, ru_stime;
	long ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt, ru_nswap;
	long ru_inblock, ru_oublock, ru_msgsnd, ru_msgrcv, ru_nsignals, ru_nvcsw, ru_nivcsw;
};
#define RUSAGE_SELF_K 0
#define RUSAGE_CHILDREN_K (-1)
#define RUSAGE_THREAD_K 1

struct sysinfo_k {
	long uptime;
	unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	uint32_t mem_unit;
	char _f[4];                   /* Linux's _f[0] and the tail padding */
};

struct utsname_k { /* struct new_utsname */
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

/* prctl(2) */
#define PR_SET_PDEATHSIG_K 1
#define PR_GET_PDEATHSIG_K 2
#define PR_GET_DUMPABLE_K 3
#define PR_SET_DUMPABLE_K 4
#define PR_SET_NAME_K 15
#define PR_GET_NAME_K 16
#define PR_SET_NO_NEW_PRIVS_K 38
#define PR_GET_NO_NEW_PRIVS_K 39

/* arch_prctl(2) */
#define ARCH_SET_GS_K 0x1001
#define ARCH_SET_FS_K 0x1002
#define ARCH_GET_FS_K 0x1003
#define ARCH_GET_GS_K 0x1004

/* getrandom(2) */
#define GRND_NONBLOCK_K 0x0001
#define GRND_RANDOM_K 0x0002
#define GRND_INSECURE_K 0x0004

#define NGROUPS_MAX_K 65536       /* supplementary groups setgroups(2) accepts */

/* The auxiliary vector's types (the initial stack above envp). */
#define AT_NULL_K 0
#define AT_PHDR_K 3
#define AT_PHENT_K 4
#define AT_PHNUM_K 5
#define AT_PAGESZ_K 6
#define AT_BASE_K 7
#define AT_FLAGS_K 8
#define AT_ENTRY_K 9
#define AT_UID_K 11
#define AT_EUID_K 12
#define AT_GID_K 13
#define AT_EGID_K 14
#define AT_PLATFORM_K 15
#define AT_HWCAP_K 16
#define AT_CLKTCK_K 17
#define AT_SECURE_K 23
#define AT_RANDOM_K 25
#define AT_HWCAP2_K 26
#define AT_EXECFN_K 31

#endif
