/* Jiny: set the FS base (musl's thread pointer) through the kernel's
 * arch_prctl handler, a function call, instead of the `syscall` instruction:
 *   int __set_thread_area(void *p) = __jiny_sys_arch_prctl(ARCH_SET_FS, p) */
.text
.global __set_thread_area
.hidden __set_thread_area
.type __set_thread_area,@function
__set_thread_area:
	mov %rdi,%rsi		/* p */
	mov $0x1002,%edi	/* ARCH_SET_FS */
	jmp __jiny_sys_arch_prctl
.size __set_thread_area, .-__set_thread_area
