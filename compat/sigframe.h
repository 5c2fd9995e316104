/*
 * sigframe.h - the Linux x86_64 signal frame, as user space sees it (uapi
 * asm/sigcontext.h, asm-generic/ucontext.h, asm/sigcontext.h's
 * _fpx_sw_bytes): what sigframe.c writes and rt_sigreturn reads. Pure
 * layout, also checked against the host's <ucontext.h> by
 * tests/host/test_sigframe.c.
 */
#ifndef JINY_COMPAT_SIGFRAME_H
#define JINY_COMPAT_SIGFRAME_H

#include "proc/proc.h"

struct stack_k { /* stack_t */
	uint64_t ss_sp;
	int ss_flags;
	int pad;
	uint64_t ss_size;
};

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
_Static_assert(sizeof(struct k_sigaction) == 32, "sigaction");

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define FXSAVE_SIZE 512
#define FPX_SW_OFFSET 464         /* struct _fpx_sw_bytes in the FXSAVE's software area */

struct fpx_sw_bytes {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size, padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "_fpx_sw_bytes");

#endif
