/*
 * signal.h - Linux ABI, part of abi/linux.h (include that; it says how the
 * names are made): signals (uapi asm/signal.h, asm-generic/signal-defs.h,
 * asm-generic/siginfo.h) and Linux's x86_64 signal frame as user space
 * sees it (asm/sigcontext.h, asm-generic/ucontext.h, arch/x86's struct
 * rt_sigframe), which compat/sigframe.c writes and rt_sigreturn reads.
 */
#ifndef JINY_ABI_SIGNAL_H
#define JINY_ABI_SIGNAL_H

#include "kern/kern.h"

#define NSIG_K 64                 /* signals 1..64; bit (sig - 1) in a sigset */
#define SIGBIT(s) (1ULL << ((s) - 1))

#define SIGHUP_K 1
#define SIGINT_K 2
#define SIGQUIT_K 3
#define SIGILL_K 4
#define SIGTRAP_K 5
#define SIGABRT_K 6
#define SIGBUS_K 7
#define SIGFPE_K 8
#define SIGKILL_K 9
#define SIGUSR1_K 10
#define SIGSEGV_K 11
#define SIGUSR2_K 12
#define SIGPIPE_K 13
#define SIGALRM_K 14
#define SIGTERM_K 15
#define SIGSTKFLT_K 16
#define SIGCHLD_K 17
#define SIGCONT_K 18
#define SIGSTOP_K 19
#define SIGTSTP_K 20
#define SIGTTIN_K 21
#define SIGTTOU_K 22
#define SIGURG_K 23
#define SIGXCPU_K 24
#define SIGXFSZ_K 25
#define SIGVTALRM_K 26
#define SIGPROF_K 27
#define SIGWINCH_K 28
#define SIGIO_K 29
#define SIGPWR_K 30
#define SIGSYS_K 31
#define SIGRTMIN_K 32             /* the kernel's; libcs keep the first few for themselves */

/* The kernel's struct sigaction on x86_64 (rt_sigaction). */
struct sigaction_k {
	unsigned long handler, flags, restorer;
	uint64_t mask;
};
#define SIG_DFL_K 0UL
#define SIG_IGN_K 1UL
#define SA_NOCLDSTOP_K 0x00000001UL
#define SA_NOCLDWAIT_K 0x00000002UL
#define SA_SIGINFO_K 0x00000004UL
#define SA_RESTORER_K 0x04000000UL
#define SA_ONSTACK_K 0x08000000UL
#define SA_RESTART_K 0x10000000UL
#define SA_NODEFER_K 0x40000000UL
#define SA_RESETHAND_K 0x80000000UL

/* rt_sigprocmask's how */
#define SIG_BLOCK_K 0
#define SIG_UNBLOCK_K 1
#define SIG_SETMASK_K 2

/* siginfo_t, 128 bytes; the fields the kernel fills. */
struct siginfo_k {
	int si_signo, si_errno, si_code, pad;
	union {
		struct { int pid; uint32_t uid; int status; int pad2; long utime, stime; } chld;
		struct { int pid; uint32_t uid; } kill;
		struct { uint64_t addr; } fault;
		struct { int pid; uint32_t uid; uint64_t value; } rt;
		char bytes[112];
	} u;
};
/* si_code values */
#define SI_USER_K 0
#define SI_KERNEL_K 0x80
#define SI_TKILL_K (-6)
#define SEGV_MAPERR_K 1
#define SEGV_ACCERR_K 2
#define BUS_ADRERR_K 2
#define FPE_INTDIV_K 1
#define ILL_ILLOPN_K 2
#define CLD_EXITED_K 1
#define CLD_KILLED_K 2
#define CLD_DUMPED_K 3
#define CLD_STOPPED_K 5
#define CLD_CONTINUED_K 6

/* sigaltstack(2) */
struct stack_k { /* stack_t */
	uint64_t ss_sp;
	int ss_flags;
	int pad;
	uint64_t ss_size;
};
#define SS_ONSTACK_K 1
#define SS_DISABLE_K 2
#define SS_AUTODISARM_K (1U << 31)
#define MINSIGSTKSZ_K 2048

/* ---- the signal frame ---- */

struct sigcontext_k { /* struct sigcontext (64-bit) */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;             /* user pointer to the FXSAVE/XSAVE image, 0 = none */
	uint64_t reserved1[8];
};

struct ucontext_k {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct stack_k uc_stack;
	struct sigcontext_k uc_mcontext;
	uint64_t uc_sigmask;
};

struct rt_sigframe_k {
	uint64_t pretcode;            /* sa_restorer: the handler's return address */
	struct ucontext_k uc;
	struct siginfo_k info;
	/* the FPU image follows, 64-byte aligned, above */
};

_Static_assert(sizeof(struct stack_k) == 24, "stack_t");
_Static_assert(sizeof(struct sigcontext_k) == 256, "sigcontext");
_Static_assert(__builtin_offsetof(struct sigcontext_k, rip) == 128, "sigcontext.rip");
_Static_assert(__builtin_offsetof(struct sigcontext_k, cs) == 144, "sigcontext.cs");
_Static_assert(__builtin_offsetof(struct sigcontext_k, err) == 152, "sigcontext.err");
_Static_assert(__builtin_offsetof(struct sigcontext_k, fpstate) == 184, "sigcontext.fpstate");
_Static_assert(__builtin_offsetof(struct ucontext_k, uc_mcontext) == 40, "uc_mcontext");
_Static_assert(__builtin_offsetof(struct ucontext_k, uc_sigmask) == 296, "uc_sigmask");
_Static_assert(__builtin_offsetof(struct rt_sigframe_k, uc) == 8, "rt_sigframe.uc");
_Static_assert(__builtin_offsetof(struct rt_sigframe_k, info) == 312, "rt_sigframe.info");
_Static_assert(sizeof(struct siginfo_k) == 128, "siginfo");
_Static_assert(sizeof(struct sigaction_k) == 32, "sigaction");

/* uc_flags */
#define UC_FP_XSTATE_K 0x1
#define UC_SIGCONTEXT_SS_K 0x2
#define UC_STRICT_RESTORE_SS_K 0x4

/* The FPU image: FXSAVE's 512 bytes, with struct _fpx_sw_bytes in its
 * software area telling an XSAVE image from a bare FXSAVE one. */
#define FXSAVE_SIZE_K 512
#define FPX_SW_OFFSET_K 464
#define FP_XSTATE_MAGIC1_K 0x46505853U
#define FP_XSTATE_MAGIC2_K 0x46505845U
struct fpx_sw_bytes_k {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size, padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes_k) == 48, "_fpx_sw_bytes");

#endif
