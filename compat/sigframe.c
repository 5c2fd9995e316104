/*
 * sigframe.c - Linux's x86_64 signal frame (arch/x86/kernel/signal.c):
 * sig_setup_frame() builds struct rt_sigframe on the user stack (or the
 * alternate stack) for signal_deliver(), and rt_sigreturn undoes it, taking
 * back only what a user may set (the user selectors, user-changeable flags,
 * user addresses, a sanitized FPU image). Also sigaltstack. The layouts are
 * Linux's uapi structs (asm/sigcontext.h, asm-generic/ucontext.h), in
 * abi/signal.h, where static asserts pin their offsets.
 */
#include "proc/signal_impl.h"
#include "abi/linux.h"
#include "syscall/uaccess.h"
#include "arch/arch.h"
#include "mm/mm.h"

#define EFLAGS_CF 0x1UL
#define EFLAGS_FIXED 0x2UL
#define EFLAGS_PF 0x4UL
#define EFLAGS_AF 0x10UL
#define EFLAGS_ZF 0x40UL
#define EFLAGS_SF 0x80UL
#define EFLAGS_TF 0x100UL
#define EFLAGS_IF 0x200UL
#define EFLAGS_DF 0x400UL
#define EFLAGS_OF 0x800UL
#define EFLAGS_RF 0x10000UL
/* What rt_sigreturn takes from the user (Linux's FIX_EFLAGS without AC). */
#define EFLAGS_USER (EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_TF | \
		     EFLAGS_DF | EFLAGS_OF | EFLAGS_RF)
#define USER_TOP 0x0000800000000000ULL /* user addresses lie below (the lower canonical half) */

/* On the alternate stack? (Linux on_sig_stack: never while SS_AUTODISARM.) */
bool sig_on_altstack(const struct thread *t, uint64_t sp)
{
	if (t->sig_altstack.flags & SS_AUTODISARM_K)
		return false;
	return sp > t->sig_altstack.sp && sp - t->sig_altstack.sp <= t->sig_altstack.size;
}

int sig_altstack_flags(const struct thread *t, uint64_t sp)
{
	if (!t->sig_altstack.size)
		return SS_DISABLE_K;
	return sig_on_altstack(t, sp) ? SS_ONSTACK_K : 0;
}

void sig_altstack_reset(struct thread *t)
{
	t->sig_altstack.sp = 0;
	t->sig_altstack.size = 0;
	t->sig_altstack.flags = SS_DISABLE_K;
}

/*
 * Build the rt_sigframe for sig on the user stack (or the alternate stack)
 * and point f at the handler, as Linux's get_sigframe/__setup_rt_frame do:
 * below the red zone, the FPU image 64-byte aligned, the frame so that rsp
 * + 8 is 16-byte aligned (as after a call). -EFAULT leaves f unchanged.
 */
int sig_setup_frame(struct trap_frame *f, struct thread *t, int sig,
		       const struct sigaction_k *ka, const struct siginfo_k *info)
{
	if (!(ka->flags & SA_RESTORER_K))
		return -EFAULT; /* x86_64 has no kernel-provided return path */
	struct sig_thread *st = sig_thread(t);
	if (!st)
		return -ENOMEM;
	uint64_t usp = f->rsp, sp = usp - 128;
	bool nested = sig_on_altstack(t, usp), entering = false;
	if ((ka->flags & SA_ONSTACK_K) && sig_altstack_flags(t, sp) == 0) {
		sp = t->sig_altstack.sp + t->sig_altstack.size;
		entering = true;
	}
	bool xsave = fpu_xfeatures() != 0;
	size_t xsize = xsave ? fpu_state_size() : FXSAVE_SIZE_K;
	size_t math = xsave ? xsize + 4 : FXSAVE_SIZE_K; /* + FP_XSTATE_MAGIC2 */
	uint64_t fpstate = ALIGN_DOWN(sp - math, 64);
	uint64_t frame = ALIGN_DOWN(fpstate - sizeof(struct rt_sigframe_k), 16) - 8;
	if (sp > USER_TOP || frame > sp || frame < PAGE_SIZE)
		return -EFAULT;
	if ((nested || entering) && !(frame > t->sig_altstack.sp &&
				      frame - t->sig_altstack.sp <= t->sig_altstack.size))
		return -EFAULT; /* would overflow the alternate stack */

	/* The interrupted code's FPU state, as Linux lays it out (fxsave + xsave extension). */
	fpu_save(st->fpu);
	struct fpx_sw_bytes_k sw = { 0 };
	if (xsave)
		sw = (struct fpx_sw_bytes_k){ .magic1 = FP_XSTATE_MAGIC1_K,
					      .extended_size = (uint32_t)xsize + 4,
					      .xfeatures = fpu_xfeatures(),
					      .xstate_size = (uint32_t)xsize };
	memcpy(st->fpu + FPX_SW_OFFSET_K, &sw, sizeof(sw));
	uint32_t magic2 = FP_XSTATE_MAGIC2_K;
	if (copy_to_user((void *)fpstate, st->fpu, xsize) ||
	    (xsave && copy_to_user((void *)(fpstate + xsize), &magic2, 4)))
		return -EFAULT;

	struct rt_sigframe_k fr;
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = ka->restorer;
	fr.uc.uc_flags = (xsave ? UC_FP_XSTATE_K : 0) | UC_SIGCONTEXT_SS_K | UC_STRICT_RESTORE_SS_K;
	fr.uc.uc_stack.ss_sp = t->sig_altstack.sp;
	fr.uc.uc_stack.ss_flags = t->sig_altstack.size ? t->sig_altstack.flags : SS_DISABLE_K;
	fr.uc.uc_stack.ss_size = t->sig_altstack.size;
	struct sigcontext_k *sc = &fr.uc.uc_mcontext;
	sc->r8 = f->r8, sc->r9 = f->r9, sc->r10 = f->r10, sc->r11 = f->r11;
	sc->r12 = f->r12, sc->r13 = f->r13, sc->r14 = f->r14, sc->r15 = f->r15;
	sc->rdi = f->rdi, sc->rsi = f->rsi, sc->rbp = f->rbp, sc->rbx = f->rbx;
	sc->rdx = f->rdx, sc->rax = f->rax, sc->rcx = f->rcx, sc->rsp = f->rsp;
	sc->rip = f->rip, sc->eflags = f->rflags;
	sc->cs = (uint16_t)f->cs, sc->ss = (uint16_t)f->ss;
	if (f->vector < 32) { /* an exception: its number and error code */
		sc->trapno = f->vector;
		sc->err = f->error;
	}
	if (SIGBIT(sig) & (SIGBIT(SIGSEGV_K) | SIGBIT(SIGBUS_K)))
		sc->cr2 = info->u.fault.addr;
	uint64_t oldmask = t->sig_restore_mask ? t->sig_saved_mask : t->sig_mask;
	sc->oldmask = oldmask;
	sc->fpstate = fpstate;
	fr.uc.uc_sigmask = oldmask;
	fr.info = *info;
	if (copy_to_user((void *)frame, &fr, sizeof(fr)))
		return -EFAULT;

	f->rdi = (uint64_t)sig;
	f->rsi = frame + __builtin_offsetof(struct rt_sigframe_k, info);
	f->rdx = frame + __builtin_offsetof(struct rt_sigframe_k, uc);
	f->rax = 0; /* for handlers declared without a prototype (varargs) */
	f->rip = ka->handler;
	f->rsp = frame;
	f->rflags &= ~(EFLAGS_TF | EFLAGS_DF | EFLAGS_RF);
	f->cs = SEL_UCODE;
	f->ss = SEL_UDATA;

	/* The handler starts with a clean FPU (Linux fpu__clear_user_states). */
	fpu_state_init(st->fpu);
	fpu_restore(st->fpu);

	/* The handler runs under the mask now (sigsuspend's, say) + sa_mask + sig;
	 * the frame holds the one sigreturn puts back (Linux signal_delivered). */
	struct proc *p = thread_proc(t);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	uint64_t mask = t->sig_mask | ka->mask;
	if (!(ka->flags & SA_NODEFER_K))
		mask |= SIGBIT(sig);
	t->sig_mask = mask & ~SIGMASK_UNBLOCKABLE;
	t->sig_restore_mask = false;
	spin_unlock_irqrestore(&p->lock, fl);
	if (t->sig_altstack.flags & SS_AUTODISARM_K)
		sig_altstack_reset(t);
	return 0;
}

static bool user_addr(uint64_t a) { return a < USER_TOP; }

/*
 * The FPU state the handler frame holds. Only data reaches the CPU: the
 * legacy image's MXCSR loses its reserved bits and the XSAVE header is the
 * kernel's own (fpu_sanitize); the extended components are taken only when
 * the frame carries Linux's magic words for our XSAVE size.
 */
static int restore_fpu(struct thread *t, uint64_t ufp)
{
	struct sig_thread *st = sig_thread(t);
	if (!st)
		return -ENOMEM;
	uint8_t *buf = st->fpu;
	fpu_state_init(buf);
	bool extended = false;
	if (ufp) {
		if (!user_addr(ufp) || copy_from_user(buf, (void *)ufp, FXSAVE_SIZE_K))
			return -EFAULT;
		struct fpx_sw_bytes_k sw;
		memcpy(&sw, buf + FPX_SW_OFFSET_K, sizeof(sw));
		size_t xsize = fpu_state_size();
		uint32_t magic2 = 0;
		if (fpu_xfeatures() && sw.magic1 == FP_XSTATE_MAGIC1_K && sw.xstate_size == xsize &&
		    sw.extended_size == xsize + 4 && xsize > FXSAVE_SIZE_K + 64 &&
		    copy_from_user(&magic2, (void *)(ufp + xsize), 4) == 0 &&
		    magic2 == FP_XSTATE_MAGIC2_K) {
			if (copy_from_user(buf + FXSAVE_SIZE_K, (void *)(ufp + FXSAVE_SIZE_K),
					   xsize - FXSAVE_SIZE_K))
				return -EFAULT;
			extended = true;
		}
	}
	fpu_sanitize(buf, extended);
	fpu_restore(buf);
	return 0;
}

/* sigaltstack's work (Linux do_sigaltstack); sp is the user stack pointer now. */
static long do_sigaltstack(struct thread *t, const struct stack_k *ss, struct stack_k *oss,
			   uint64_t sp)
{
	if (oss) {
		memset(oss, 0, sizeof(*oss));
		oss->ss_sp = t->sig_altstack.sp;
		oss->ss_size = t->sig_altstack.size;
		oss->ss_flags = sig_altstack_flags(t, sp) | (int)(t->sig_altstack.flags & SS_AUTODISARM_K);
	}
	if (ss) {
		if (sig_on_altstack(t, sp))
			return -EPERM;
		unsigned mode = (unsigned)ss->ss_flags & ~SS_AUTODISARM_K;
		if (mode != SS_DISABLE_K && mode != SS_ONSTACK_K && mode != 0)
			return -EINVAL;
		uint64_t ssp = ss->ss_sp, size = ss->ss_size;
		if (mode == SS_DISABLE_K) {
			ssp = 0;
			size = 0;
		} else if (size < MINSIGSTKSZ_K) {
			return -ENOMEM;
		}
		t->sig_altstack.sp = ssp;
		t->sig_altstack.size = size;
		t->sig_altstack.flags = ss->ss_flags;
	}
	return 0;
}

long sys_rt_sigreturn(void)
{
	struct thread *t = sched_current();
	if (!current_is_user()) {
		printk_once("jiny: rt_sigreturn in the HP app, whose signal handlers never run: ENOSYS\n");
		return -ENOSYS;
	}
	struct trap_frame *f = t->uframe;
	uint64_t frame = f->rsp - 8; /* the handler's ret popped pretcode */
	struct ucontext_k uc;
	if (!user_addr(frame) ||
	    copy_from_user(&uc, (void *)(frame + __builtin_offsetof(struct rt_sigframe_k, uc)),
			   sizeof(uc)))
		goto bad;
	const struct sigcontext_k *sc = &uc.uc_mcontext;
	if (!user_addr(sc->rip) || !user_addr(sc->rsp))
		goto bad;
	if (restore_fpu(t, sc->fpstate) < 0)
		goto bad;

	struct proc *p = thread_proc(t);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	t->sig_mask = uc.uc_sigmask & ~SIGMASK_UNBLOCKABLE;
	spin_unlock_irqrestore(&p->lock, fl);

	f->r8 = sc->r8, f->r9 = sc->r9, f->r10 = sc->r10, f->r11 = sc->r11;
	f->r12 = sc->r12, f->r13 = sc->r13, f->r14 = sc->r14, f->r15 = sc->r15;
	f->rdi = sc->rdi, f->rsi = sc->rsi, f->rbp = sc->rbp, f->rbx = sc->rbx;
	f->rdx = sc->rdx, f->rax = sc->rax, f->rcx = sc->rcx, f->rsp = sc->rsp;
	f->rip = sc->rip;
	f->rflags = (sc->eflags & EFLAGS_USER) | EFLAGS_IF | EFLAGS_FIXED;
	f->cs = SEL_UCODE;
	f->ss = SEL_UDATA;
	f->error = (uint64_t)-1; /* not a system call any more: no restart of it */
	struct sig_thread *st = t->sig_priv;
	if (st)
		st->restart.fn = NULL; /* a stray restart_syscall gets EINTR (Linux) */

	/* The alternate stack as it was (errors other than EFAULT ignored, as Linux). */
	do_sigaltstack(t, &uc.uc_stack, NULL, f->rsp);
	return (long)f->rax; /* the dispatcher stores it back into f->rax */
bad:
	signal_force_fault(SIGSEGV_K, SI_KERNEL_K, 0);
	return 0;
}

long sys_sigaltstack(const void *uss, void *uoss)
{
	struct thread *t = sched_current();
	struct stack_k ss, oss;
	if (uss && sig_copy_in(&ss, uss, sizeof(ss)))
		return -EFAULT;
	uint64_t sp = current_is_user() ? t->uframe->rsp : arch_frame_pointer();
	long r = do_sigaltstack(t, uss ? &ss : NULL, uoss ? &oss : NULL, sp);
	if (r == 0 && uoss && sig_copy_out(uoss, &oss, sizeof(oss)))
		return -EFAULT;
	return r;
}
