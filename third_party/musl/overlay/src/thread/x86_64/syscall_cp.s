/* Jiny: cancellable system call as a function call into the kernel.
 *
 * long __syscall_cp_asm(volatile int *cancel, long nr,
 *                       long u, long v, long w, long x, long y, long z)
 *
 * As upstream, a pending cancellation taken between __cp_begin and __cp_end
 * (the signal handler moves the pc to __cp_cancel) acts before the call.
 * Instead of the `syscall` instruction, the arguments shift down one slot
 * and the kernel's dispatcher is tail-called:
 *   long __jiny_syscall(long nr, long u, long v, long w, long x, long y, long z)
 * z, the 7th argument, goes on the stack where y came in: 8(%rsp) once
 * our own return address is reused by the jump. */
.text
.global __cp_begin
.hidden __cp_begin
.global __cp_end
.hidden __cp_end
.global __cp_cancel
.hidden __cp_cancel
.hidden __cancel
.global __syscall_cp_asm
.hidden __syscall_cp_asm
.type   __syscall_cp_asm,@function
__syscall_cp_asm:

__cp_begin:
	mov (%rdi),%eax
	test %eax,%eax
	jnz __cp_cancel
	mov %rsi,%rdi		/* nr */
	mov %rdx,%rsi		/* u */
	mov %rcx,%rdx		/* v */
	mov %r8,%rcx		/* w */
	mov %r9,%r8		/* x */
	mov 8(%rsp),%r9		/* y */
	mov 16(%rsp),%rax
	mov %rax,8(%rsp)	/* z: 7th argument, first stack slot */
	jmp __jiny_syscall
__cp_end:
__cp_cancel:
	jmp __cancel
.size __syscall_cp_asm, .-__syscall_cp_asm
