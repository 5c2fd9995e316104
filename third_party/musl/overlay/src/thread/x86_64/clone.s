/*
 * clone.s - Jiny's replacement for musl's src/thread/x86_64/clone.s.
 *
 * int __clone(int (*fn)(void *), void *stack, int flags, void *arg,
 *             pid_t *ptid, void *tls, pid_t *ctid);
 *
 * Upstream executes the clone system call and, in the child, calls fn(arg)
 * on the new stack. In Jiny the kernel creates the thread itself and starts
 * it in fn(arg) on 'stack' (libjiny/syscall/sys_thread.c), so this is a tail
 * call with the same seven arguments (ctid stays at 8(%rsp)).
 */
	.text
	.global __clone
	.hidden __clone
	.type __clone, @function
__clone:
	jmp __jiny_clone
	.size __clone, . - __clone
