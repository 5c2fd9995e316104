/*
 * host_shim.h - what the kernel provides to the pure-logic modules (mm/pfa.c,
 * mm/kmalloc.c, kern/cmdline.c, debug/symbols.c), done with libc for the
 * host unit tests: printk to stderr, a panic() that a test can expect, and a
 * page source for kmalloc made of aligned_alloc() blocks.
 *
 * Include after <cmocka.h> (and its prerequisites).
 */
#ifndef JINY_TESTS_HOST_SHIM_H
#define JINY_TESTS_HOST_SHIM_H

#include <setjmp.h>
#include <string.h>

#include "kern/kern.h"
#include "kern/errno.h"
#include "mm/mm.h"

/* Armed by EXPECT_PANIC: panic() jumps there instead of failing the test. */
extern jmp_buf *host_panic_jmp;
extern char host_panic_msg[512];
extern int host_panic_count;
/* The last line printk() printed (a test checks a message with it). */
extern char host_printk_last[512];

/*
 * Run stmt, which must panic with a message containing substr. Not nestable;
 * don't rely on local variables changed by stmt afterwards.
 */
#define EXPECT_PANIC(stmt, substr)                                                  \
	do {                                                                        \
		jmp_buf jb_;                                                        \
		host_panic_jmp = &jb_;                                              \
		if (setjmp(jb_) == 0) {                                             \
			stmt;                                                       \
			host_panic_jmp = NULL;                                      \
			fail_msg("%s did not panic (expected \"%s\")", #stmt, substr); \
		}                                                                   \
		host_panic_jmp = NULL;                                              \
		if (!strstr(host_panic_msg, substr))                                \
			fail_msg("panic \"%s\" does not contain \"%s\"", host_panic_msg, \
				 substr);                                           \
	} while (0)

/*
 * kmalloc's page source for tests: page-aligned blocks of 2^order pages.
 * Freed blocks are zeroed and kept until host_pages_release() gives them
 * back to libc, so a double-free test can read a freed header without a
 * use-after-free. Blocks still allocated (kmalloc's cached slabs) stay.
 * host_pages_fail_after(n): the next n allocations succeed, then all fail
 * (-1: never fail).
 */
void host_kmalloc_setup(void);
void host_pages_release(void);
size_t host_pages_outstanding(void); /* pages allocated and not freed */
void host_pages_fail_after(long n);

#endif
