/*
 * uaccess.c - checking pointers handed to system calls: every handler
 * checks first and returns -EFAULT instead of faulting inside the kernel.
 * A compat process's pointers must lie in its own areas with the needed
 * permission (uvm_check, mm/uvm.c). For the HP app, which runs in ring 0,
 * valid memory is the image (kernel + app + libc) and the kernel virtual
 * areas (stacks, mmap, brk) with the needed permission; pages not yet
 * touched are fine (they fault in on demand).
 */
#include "syscall/sys.h"
#include "mm/vmarea.h"
#include "mm/uvm.h"
#include "sched/sched.h"

bool uaccess_ok(const void *p, size_t n, bool write)
{
	uintptr_t a = (uintptr_t)p;
	if (n == 0)
		return true;
	if (a + n < a)
		return false;
	struct thread *t = sched_current();
	if (t && t->mm) /* a compat process: its own pages only */
		return uvm_check(t->mm, a, n, write);
	return uaccess_ok_app(p, n, write);
}

/* The HP app's memory, whoever runs (thread_reap clears an app thread's tid). */
bool uaccess_ok_app(const void *p, size_t n, bool write)
{
	extern char __image_start[], __data_start[], __image_end[];
	uintptr_t a = (uintptr_t)p;
	struct thread *t = sched_current();
	if (n == 0)
		return true;
	if (a + n < a)
		return false;
	if (a >= (uintptr_t)__image_start && a + n <= (uintptr_t)__image_end)
		return !write || a >= (uintptr_t)__data_start;
	if (a < KVA_BASE || a + n > KVA_END)
		return false;
	/* The caller's own stack (most buffers): no lock, no list walk. */
	if (t && t->stack && a >= (uintptr_t)t->stack && a + n <= (uintptr_t)t->stack + t->stack_size)
		return true;
	return vma_check(a, n, write);
}
