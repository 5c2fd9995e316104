/*
 * uaccess.h - kernel access to a compat process's memory. Ring-3 pages are
 * user pages and SMAP is on, so kernel code may touch them only with
 * EFLAGS.AC set (stac ... clac). The system-call dispatcher sets AC around
 * a ring-3 call's handler; code that runs outside that window (signal
 * delivery on the way back to ring 3, for one) uses copy_to_user() and
 * copy_from_user(), which check the range with uaccess_ok() (the current
 * process's address space) and return -EFAULT, else copy with AC set.
 *
 * The copies leave AC as they found it: called from inside a handler they
 * must not clear the AC the dispatcher set for the rest of that handler.
 * HP-app (ring 0) pointers are supervisor pages: callers that may run for
 * the HP app check with uaccess_ok() and copy plainly instead (stac needs
 * SMAP, which the HP app alone never needs).
 */
#ifndef JINY_UACCESS_H
#define JINY_UACCESS_H

#include "kern/kern.h"
#include "kern/errno.h"
#include "syscall/sys.h"
#include "arch/arch.h"

/* user_access_begin/end (stac/clac, only when the CPU has SMAP) and
 * user_access_state (EFLAGS.AC now): arch/arch.h */

static inline int copy_to_user(void *dst, const void *src, size_t n)
{
	if (!uaccess_ok(dst, n, true))
		return -EFAULT;
	uint64_t ac = user_access_state();
	user_access_begin();
	memcpy(dst, src, n);
	if (!ac)
		user_access_end();
	return 0;
}

static inline int copy_from_user(void *dst, const void *src, size_t n)
{
	if (!uaccess_ok(src, n, false))
		return -EFAULT;
	uint64_t ac = user_access_state();
	user_access_begin();
	memcpy(dst, src, n);
	if (!ac)
		user_access_end();
	return 0;
}

#endif
