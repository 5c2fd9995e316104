/*
 * test_sigframe.c - host checks of the signal ABI (abi/signal.h,
 * proc/signal_impl.h) against the host's own Linux x86_64
 * headers: the rt_sigframe's ucontext/sigcontext/stack_t/siginfo layouts as
 * glibc's <ucontext.h> and <signal.h> see them, the signal numbers, and the
 * default-action sets of signal(7).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <ucontext.h>

#include "host_shim.h"
#include "abi/linux.h"
#include "proc/signal_impl.h"

#define SAME_OFFSET(ours, theirs) assert_int_equal(ours, theirs)

static void test_ucontext_layout(void **state)
{
	/* glibc's ucontext_t starts with the kernel's struct ucontext. */
	SAME_OFFSET(offsetof(struct ucontext_k, uc_flags), offsetof(ucontext_t, uc_flags));
	SAME_OFFSET(offsetof(struct ucontext_k, uc_link), offsetof(ucontext_t, uc_link));
	SAME_OFFSET(offsetof(struct ucontext_k, uc_stack), offsetof(ucontext_t, uc_stack));
	SAME_OFFSET(offsetof(struct ucontext_k, uc_mcontext), offsetof(ucontext_t, uc_mcontext));
	SAME_OFFSET(offsetof(struct ucontext_k, uc_sigmask), offsetof(ucontext_t, uc_sigmask));
	SAME_OFFSET(sizeof(struct stack_k), sizeof(stack_t));
	SAME_OFFSET(offsetof(struct stack_k, ss_flags), offsetof(stack_t, ss_flags));
	SAME_OFFSET(offsetof(struct stack_k, ss_size), offsetof(stack_t, ss_size));
}

static void test_sigcontext_gregs(void **state)
{
	/* mcontext_t.gregs[REG_*] is struct sigcontext, one 8-byte slot each. */
	static const struct { size_t ours; int reg; } regs[] = {
		{ offsetof(struct sigcontext_k, r8), REG_R8 },
		{ offsetof(struct sigcontext_k, r15), REG_R15 },
		{ offsetof(struct sigcontext_k, rdi), REG_RDI },
		{ offsetof(struct sigcontext_k, rsi), REG_RSI },
		{ offsetof(struct sigcontext_k, rbp), REG_RBP },
		{ offsetof(struct sigcontext_k, rbx), REG_RBX },
		{ offsetof(struct sigcontext_k, rdx), REG_RDX },
		{ offsetof(struct sigcontext_k, rax), REG_RAX },
		{ offsetof(struct sigcontext_k, rcx), REG_RCX },
		{ offsetof(struct sigcontext_k, rsp), REG_RSP },
		{ offsetof(struct sigcontext_k, rip), REG_RIP },
		{ offsetof(struct sigcontext_k, eflags), REG_EFL },
		{ offsetof(struct sigcontext_k, cs), REG_CSGSFS },
		{ offsetof(struct sigcontext_k, err), REG_ERR },
		{ offsetof(struct sigcontext_k, trapno), REG_TRAPNO },
		{ offsetof(struct sigcontext_k, oldmask), REG_OLDMASK },
		{ offsetof(struct sigcontext_k, cr2), REG_CR2 },
	};
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		assert_int_equal(regs[i].ours, offsetof(mcontext_t, gregs) + 8 * regs[i].reg);
	SAME_OFFSET(offsetof(struct sigcontext_k, fpstate), offsetof(mcontext_t, fpregs));
	SAME_OFFSET(sizeof(struct sigcontext_k), sizeof(mcontext_t));
	/* glibc's struct _libc_fpstate is the FXSAVE image: 512 bytes */
	assert_int_equal(sizeof(struct _libc_fpstate), FXSAVE_SIZE_K);
}

static void test_siginfo_layout(void **state)
{
	SAME_OFFSET(sizeof(struct siginfo_k), sizeof(siginfo_t));
	SAME_OFFSET(offsetof(struct siginfo_k, si_signo), offsetof(siginfo_t, si_signo));
	SAME_OFFSET(offsetof(struct siginfo_k, si_errno), offsetof(siginfo_t, si_errno));
	SAME_OFFSET(offsetof(struct siginfo_k, si_code), offsetof(siginfo_t, si_code));
	SAME_OFFSET(offsetof(struct siginfo_k, u.kill.pid), offsetof(siginfo_t, si_pid));
	SAME_OFFSET(offsetof(struct siginfo_k, u.kill.uid), offsetof(siginfo_t, si_uid));
	SAME_OFFSET(offsetof(struct siginfo_k, u.chld.status), offsetof(siginfo_t, si_status));
	SAME_OFFSET(offsetof(struct siginfo_k, u.chld.utime), offsetof(siginfo_t, si_utime));
	SAME_OFFSET(offsetof(struct siginfo_k, u.chld.stime), offsetof(siginfo_t, si_stime));
	SAME_OFFSET(offsetof(struct siginfo_k, u.fault.addr), offsetof(siginfo_t, si_addr));
	SAME_OFFSET(offsetof(struct siginfo_k, u.rt.value), offsetof(siginfo_t, si_value));
	/* the frame: return address, then ucontext, then siginfo */
	assert_int_equal(offsetof(struct rt_sigframe_k, uc), 8);
	assert_int_equal(offsetof(struct rt_sigframe_k, info) % 8, 0);
}

static void test_numbers(void **state)
{
	assert_int_equal(SIGKILL_K, SIGKILL);
	assert_int_equal(SIGSTOP_K, SIGSTOP);
	assert_int_equal(SIGCHLD_K, SIGCHLD);
	assert_int_equal(SIGCONT_K, SIGCONT);
	assert_int_equal(SIGSEGV_K, SIGSEGV);
	assert_int_equal(SIGPIPE_K, SIGPIPE);
	assert_int_equal(SIGTSTP_K, SIGTSTP);
	assert_int_equal(SIGTTIN_K, SIGTTIN);
	assert_int_equal(SIGTTOU_K, SIGTTOU);
	assert_int_equal(SIGSYS_K, SIGSYS);
	assert_int_equal(SA_SIGINFO_K, SA_SIGINFO);
	assert_int_equal(SA_ONSTACK_K, SA_ONSTACK);
	assert_int_equal(SA_RESTART_K, SA_RESTART);
	assert_int_equal(SA_NODEFER_K, SA_NODEFER);
	assert_int_equal(SA_RESETHAND_K, (unsigned long)(unsigned)SA_RESETHAND);
	assert_int_equal(SA_NOCLDSTOP_K, SA_NOCLDSTOP);
	assert_int_equal(SA_NOCLDWAIT_K, SA_NOCLDWAIT);
	assert_int_equal(SS_ONSTACK_K, SS_ONSTACK);
	assert_int_equal(SS_DISABLE_K, SS_DISABLE);
	assert_int_equal(SIG_BLOCK_K, SIG_BLOCK);
	assert_int_equal(SIG_UNBLOCK_K, SIG_UNBLOCK);
	assert_int_equal(SIG_SETMASK_K, SIG_SETMASK);
	assert_int_equal(SI_USER_K, SI_USER);
	assert_int_equal(SI_KERNEL_K, SI_KERNEL);
	assert_int_equal(SI_TKILL_K, SI_TKILL);
	assert_int_equal(SEGV_MAPERR_K, SEGV_MAPERR);
	assert_int_equal(SEGV_ACCERR_K, SEGV_ACCERR);
	assert_int_equal(CLD_STOPPED_K, CLD_STOPPED);
	assert_int_equal(CLD_CONTINUED_K, CLD_CONTINUED);
}

/* signal(7): Core, Ign, Stop; everything else (and the real-time signals) Term. */
static void test_default_actions(void **state)
{
	const int core[] = { SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV,
			     SIGXCPU, SIGXFSZ, SIGSYS };
	const int ign[] = { SIGCHLD, SIGCONT, SIGURG, SIGWINCH };
	const int stop[] = { SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU };
	uint64_t c = 0, i = 0, s = 0;
	for (size_t k = 0; k < sizeof(core) / sizeof(core[0]); k++)
		c |= SIGBIT(core[k]);
	for (size_t k = 0; k < sizeof(ign) / sizeof(ign[0]); k++)
		i |= SIGBIT(ign[k]);
	for (size_t k = 0; k < sizeof(stop) / sizeof(stop[0]); k++)
		s |= SIGBIT(stop[k]);
	assert_true(c == SIGMASK_COREDUMP);
	assert_true(i == SIGMASK_IGNORE);
	assert_true(s == SIGMASK_STOP);
	assert_true((SIGMASK_SYNC & ~SIGMASK_COREDUMP) == 0); /* faults all dump core */
	assert_true(SIGMASK_UNBLOCKABLE == (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP)));
	assert_int_equal(NSIG_K, 64);
	assert_int_equal(SIGRTMAX, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ucontext_layout),
		cmocka_unit_test(test_sigcontext_gregs),
		cmocka_unit_test(test_siginfo_layout),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_default_actions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
