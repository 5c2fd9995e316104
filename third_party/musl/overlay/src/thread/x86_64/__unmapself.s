/*
 * __unmapself.s - Jiny's replacement for musl's src/thread/x86_64/__unmapself.s.
 *
 * void __unmapself(void *base, size_t size);
 *
 * A detached thread's last act: unmap its own stack and exit. Upstream does
 * both system calls from the stack being unmapped; in Jiny the kernel records
 * the range, ends the thread and unmaps it once nothing runs on it
 * (libjiny/syscall/sys_thread.c, __jiny_unmapself).
 */
	.text
	.global __unmapself
	.type __unmapself, @function
__unmapself:
	jmp __jiny_unmapself
	.size __unmapself, . - __unmapself
