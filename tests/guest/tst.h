/*
 * tst.h - the in-guest test framework: a few macros for the tst-*.c programs
 * that tests/guest/run-guest.sh boots under QEMU (and that also build and run
 * on the Linux host, which is how a test itself gets checked).
 *
 *     CHECK(expr)          counts a check; prints "FAIL file:line: expr" if false
 *     CHECK_EQ(a, b)       integers (or pointers); prints both values on failure
 *     CHECK_STREQ(a, b)    C strings (NULL allowed)
 *     return tst_done();   prints "tst: NAME: N checks, M failures" and gives
 *                          the exit status: 0 iff M == 0 and N > 0
 *
 * Header-only, plain C and stdio: a test program includes nothing of Jiny's
 * unless it tests a Jiny API on purpose (then through "jiny-host.h", which
 * stands in for <jiny/jiny.h> in a host build). After 50 failures the FAIL
 * lines stop (the count goes on), so a broken allocator cannot flood the
 * console. The checks may be made from any thread: the counters are atomic
 * and each FAIL line is one printf (stdio locks the stream).
 */
#ifndef JINY_TST_H
#define JINY_TST_H

#include <stdio.h>
#include <string.h>

#define TST_MAX_REPORTED 50
#define TST_FN static __attribute__((unused))

static unsigned long tst_checks, tst_failures;

TST_FN void tst_fail_(const char *file, int line, const char *what)
{
	unsigned long n = __atomic_add_fetch(&tst_failures, 1, __ATOMIC_RELAXED);

	if (n <= TST_MAX_REPORTED)
		printf("FAIL %s:%d: %s\n", file, line, what);
	else if (n == TST_MAX_REPORTED + 1)
		printf("FAIL (more failures not shown)\n");
	fflush(stdout);
}

/* Returns ok, so a test can stop a loop at the first failure. */
TST_FN int tst_check_(int ok, const char *file, int line, const char *expr)
{
	__atomic_add_fetch(&tst_checks, 1, __ATOMIC_RELAXED);
	if (!ok)
		tst_fail_(file, line, expr);
	return ok;
}

TST_FN int tst_check_eq_(long long a, long long b, const char *file, int line,
			 const char *ea, const char *eb)
{
	char msg[512];

	__atomic_add_fetch(&tst_checks, 1, __ATOMIC_RELAXED);
	if (a == b)
		return 1;
	snprintf(msg, sizeof(msg), "%s == %s (%lld vs %lld; 0x%llx vs 0x%llx)",
		 ea, eb, a, b, (unsigned long long)a, (unsigned long long)b);
	tst_fail_(file, line, msg);
	return 0;
}

TST_FN int tst_check_streq_(const char *a, const char *b, const char *file,
			    int line, const char *ea, const char *eb)
{
	char msg[512];

	__atomic_add_fetch(&tst_checks, 1, __ATOMIC_RELAXED);
	if (a == b || (a && b && strcmp(a, b) == 0))
		return 1;
	snprintf(msg, sizeof(msg), "%s == %s (\"%s\" vs \"%s\")", ea, eb,
		 a ? a : "(null)", b ? b : "(null)");
	tst_fail_(file, line, msg);
	return 0;
}

#define CHECK(expr) tst_check_(!!(expr), __FILE__, __LINE__, #expr)
#define CHECK_EQ(a, b)                                                        \
	tst_check_eq_((long long)(a), (long long)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_STREQ(a, b)                                                     \
	tst_check_streq_((a), (b), __FILE__, __LINE__, #a, #b)

/* The test's name: its source file name without directory and ".c". */
TST_FN const char *tst_name_(void)
{
	static char name[64];
	const char *s = strrchr(__BASE_FILE__, '/');
	size_t n;

	s = s ? s + 1 : __BASE_FILE__;
	n = strcspn(s, ".");
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, s, n);
	name[n] = 0;
	return name;
}

TST_FN int tst_done(void)
{
	printf("tst: %s: %lu checks, %lu failures\n", tst_name_(), tst_checks,
	       tst_failures);
	if (tst_checks == 0)
		printf("FAIL %s: no checks ran\n", tst_name_());
	fflush(stdout);
	return tst_failures == 0 && tst_checks > 0 ? 0 : 1;
}

#endif
