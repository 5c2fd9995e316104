/*
 * entry.S - every way into the kernel from running code (DESIGN.md 4, 5),
 * and the few routines that change stacks:
 *   - 256 interrupt/exception stubs. Every IDT gate uses an IST stack, so no
 *     interrupt ever writes to the interrupted stack (the HP app's red zone
 *     is safe). They build a struct trap_frame and call trap_dispatch(); from
 *     ring 3 the frame moves to the thread's kernel stack first and
 *     trap_user() runs (trap.c); user_exit and arch_return_to_user() go back
 *     to ring 3 with iretq.
 *   - the `syscall` instruction, ring 0 told from ring 3 by its return
 *     address. In ring 0 (HP-app code not built against Jiny's musl) it
 *     steps below the caller's 128-byte red zone, calls the dispatcher and
 *     returns with popfq; jmp *%rcx (no sysret in ring 0). From ring 3
 *     (compat processes) it saves a struct trap_frame on the kernel stack,
 *     calls syscall_user() and leaves with sysretq, or with iretq when
 *     syscall_user() asks for it.
 *   - arch_switch(): the callee-saved half of a context switch;
 *     arch_thread_start (a new thread's first code), arch_call_on_stack()
 *     and arch_enter_app() (the HP app's _start on its initial stack).
 */
#define FRAME_CS 24   /* offset of CS above vector and error code */
#define CPU_SCRATCH 16 /* struct cpu (cpu.h) */
#define CPU_KSTACK 24

.macro PUSH_GPRS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm
.macro POP_GPRS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

	.text
	.p2align 4
	.globl isr_stubs
	.hidden isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.p2align 4
	.if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

	.p2align 4
trap_common:
	testb $3, FRAME_CS(%rsp)
	jnz trap_from_user
	PUSH_GPRS
	cld
	mov %rsp, %rdi
	call trap_dispatch
	POP_GPRS
	add $16, %rsp
	iretq

/*
 * From ring 3 (compat processes): the frame moves from the IST stack to the
 * thread's kernel stack (cpu.kstack_top), so the handler may enable
 * interrupts, fault, block or deliver signals; IST stacks stay free for
 * what interrupts it. The same struct trap_frame as a system call.
 */
trap_from_user:
	swapgs
	mov %rax, %gs:CPU_SCRATCH
	mov %rsp, %rax
	mov %gs:CPU_KSTACK, %rsp
	pushq 48(%rax)                  /* ss */
	pushq 40(%rax)                  /* rsp */
	pushq 32(%rax)                  /* rflags */
	pushq 24(%rax)                  /* cs */
	pushq 16(%rax)                  /* rip */
	pushq 8(%rax)                   /* error code */
	pushq (%rax)                    /* vector */
	mov %gs:CPU_SCRATCH, %rax
	PUSH_GPRS
	cld
	mov %rsp, %rdi
	call trap_user                  /* returns with interrupts off */
	/* fall through */
	.globl user_exit
	.hidden user_exit
user_exit:
	POP_GPRS
	add $16, %rsp
	swapgs
	iretq

/* void arch_return_to_user(struct trap_frame *f): f is at the top of the kernel stack. */
	.globl arch_return_to_user
	.hidden arch_return_to_user
arch_return_to_user:
	cli
	mov %rdi, %rsp
	jmp user_exit

/*
 * syscall from ring 3: rcx (the return address) is a user address, never in
 * the image window or the upper half, which is how the entry tells the two
 * apart. Kernel stack, a full struct trap_frame (vector TRAP_SYSCALL, error =
 * the number), then syscall_user() (syscall/user.c) runs the call and the
 * way-out work, user_return_work().
 */
syscall_from_user:
	swapgs
	mov %rsp, %gs:CPU_SCRATCH
	mov %gs:CPU_KSTACK, %rsp
	pushq $0x1b                     /* ss: SEL_UDATA */
	pushq %gs:CPU_SCRATCH           /* rsp */
	push %r11                       /* rflags */
	pushq $0x23                     /* cs: SEL_UCODE */
	push %rcx                       /* rip */
	push %rax                       /* error: the system call number */
	pushq $256                      /* vector: TRAP_SYSCALL */
	PUSH_GPRS
	cld
	mov %rsp, %rdi
	sti
	call syscall_user               /* returns with interrupts off; eax = 1: sysret will do */
	test %eax, %eax
	jz user_exit
	POP_GPRS                        /* rcx = rip, r11 = rflags (checked by syscall_user) */
	mov 40(%rsp), %rsp              /* the user rsp (above vector, error, rip, cs, rflags) */
	swapgs
	sysretq

/*
 * syscall from ring 0. In: rax = number, rdi rsi rdx r10 r8 r9 = args,
 * rcx = return address, r11 = caller's rflags (IF cleared by FMASK).
 * Preserves everything but rax, rcx and r11, as Linux does.
 */
	.p2align 4
	.globl syscall_entry
	.hidden syscall_entry
syscall_entry:
	/*
	 * Ring 0 or 3, from rcx, the address after the `syscall`. Ring 3
	 * cannot fetch from the image window or the upper half, so its rcx is
	 * below 0x40000000, exactly 0x40000000 (a `syscall` in the last two
	 * bytes of user memory at 0x3ffffffe), or above 0x7fffffff; ring 0
	 * (SMEP) executes only in the window or the upper half, so its rcx is
	 * above 0x40000001 there. Hence: rcx <= 0x40000000 is ring 3, and
	 * 0x40000001..0x7fffffff is ring 0 (0x80000000 would need ring-0 code
	 * in the window's last two bytes, where the image never reaches).
	 */
	bt $63, %rcx                    /* upper half: ring 0 */
	jc 1f
	cmp $0x40000000, %rcx           /* below the image window, or its first byte: ring 3 */
	jbe syscall_from_user
	cmp $0x7fffffff, %rcx           /* above it: ring 3 */
	ja syscall_from_user
1:	lea -128(%rsp), %rsp            /* the caller's red zone stays untouched */
	push %r11                       /* rflags */
	push %rcx                       /* return address */
	push %rdi
	push %rsi
	push %rdx
	push %r10
	push %r8
	push %r9
	push %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	bt $9, %r11                     /* caller had interrupts on: so do we */
	jnc 1f
	sti
1:	sub $8, %rsp
	push %r9                        /* a6: 7th argument, on the stack */
	mov %r8, %r9
	mov %r10, %r8
	mov %rdx, %rcx
	mov %rsi, %rdx
	mov %rdi, %rsi
	mov %rax, %rdi
	call __jiny_syscall
	cli
	mov %rbp, %rsp
	pop %rbp
	pop %r9
	pop %r8
	pop %r10
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rcx
	mov (%rsp), %r11
	popfq
	lea 128(%rsp), %rsp
	jmp *%rcx

/* void arch_switch(uint64_t *save_rsp, uint64_t new_rsp) */
	.p2align 4
	.globl arch_switch
	.hidden arch_switch
arch_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* First code of a new thread: r12 = fn, r13 = arg (set by thread_frame() in sched.c). */
	.p2align 4
	.globl arch_thread_start
	.hidden arch_thread_start
arch_thread_start:
	mov %r12, %rdi
	mov %r13, %rsi
	call sched_thread_entry
	ud2

/* void arch_call_on_stack(fn, arg, sp) */
	.globl arch_call_on_stack
	.hidden arch_call_on_stack
arch_call_on_stack:
	mov %rdx, %rsp
	xor %ebp, %ebp
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
	ud2

/* Enter the app's _start with rsp = its Linux-style initial stack. */
	.globl arch_enter_app
	.hidden arch_enter_app
arch_enter_app:                          /* (entry, stack) */
	mov %rsi, %rsp
	xor %ebp, %ebp
	xor %edx, %edx                  /* rdx = 0: no rtld_fini */
	jmp *%rdi

	.section .note.GNU-stack, "", @progbits
