/*
 * test_errno.c - host tests of kern/errno.c: every errno value the kernel
 * defines (kern/errno.h) has a text, and each text is the host's strerror()
 * of that number, i.e. Linux's words; unknown numbers give NULL.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <errno.h>
#undef ENOTSUP /* kern/errno.h has it too (same value) */
#include "kern/errno.h"

static const int defined[] = {
	EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF, ECHILD, EAGAIN,
	ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, EXDEV, ENODEV, ENOTDIR, EISDIR, EINVAL,
	ENFILE, EMFILE, ENOTTY, ETXTBSY, EFBIG, ENOSPC, ESPIPE, EROFS, EMLINK, EPIPE,
	ERANGE, ENAMETOOLONG, ENOLCK, ENOSYS, ENOTEMPTY, ELOOP, EOVERFLOW, EOPNOTSUPP,
	ETIMEDOUT, EDOM,
	/* sockets */
	ENOTSOCK, EDESTADDRREQ, EMSGSIZE, EPROTOTYPE, ENOPROTOOPT, EPROTONOSUPPORT, ESOCKTNOSUPPORT,
	EPFNOSUPPORT, EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL, ENETDOWN, ENETUNREACH,
	ENETRESET, ECONNABORTED, ECONNRESET, ENOBUFS, EISCONN, ENOTCONN, ESHUTDOWN,
	ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH, EALREADY, EINPROGRESS,
};

static void every_defined_value_has_a_text(void **state)
{
	for (size_t i = 0; i < sizeof(defined) / sizeof(defined[0]); i++) {
		const char *t = errno_text(defined[i]);
		assert_non_null(t);
		assert_ptr_equal(errno_text(-defined[i]), t); /* -errno as handlers return it */
	}
}

static void texts_are_linux_words(void **state)
{
	int known = 0;
	for (int e = 0; e < 200; e++) {
		const char *t = errno_text(e);
		if (!t)
			continue;
		known++;
		assert_string_equal(t, strerror(e));
	}
	assert_int_equal(known, sizeof(defined) / sizeof(defined[0]));
}

static void unknown_values_give_null(void **state)
{
	assert_null(errno_text(0));
	assert_null(errno_text(15));    /* ENOTBLK: not one of the kernel's */
	assert_null(errno_text(1000));
	assert_null(errno_text(-1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_defined_value_has_a_text),
		cmocka_unit_test(texts_are_linux_words),
		cmocka_unit_test(unknown_values_give_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
