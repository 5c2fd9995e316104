/*
 * tst-args: the command line and the environment reach main() as on Linux,
 * and exit() from a nested call runs the atexit handlers in reverse order of
 * registration, flushes stdio and ends the VM with the status.
 *
 * jiny-run quotes each argument for the kernel's parser; these arguments have
 * spaces, both kinds of quotes, a backslash, an empty word and a leading dash.
 */
// ARGS: plain "two words" "it's" 'say "hi"' 'back\slash' '' --dash=1 '$HOME'
// ENV: JINY_TST_VAR='a value with spaces'
// ENV: JINY_TST_EMPTY=
// EXPECT: ^tst: tst-args: [0-9]+ checks, 0 failures$
// EXPECT-SEQ: ^deep: calling exit\(7\)$
// EXPECT-SEQ: ^atexit 3$
// EXPECT-SEQ: ^atexit 2$
// EXPECT-SEQ: ^atexit 1$
// EXPECT-SEQ: ^unflushed tail
// EXPECT-NOT: not reached
// EXIT: 7
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tst.h"

extern char **environ;

static void h1(void)
{
	/* No newline: even a line-buffered stdout keeps this in its buffer,
	 * which exit() must flush after the last handler. */
	printf("atexit 1\nunflushed tail");
}
static void h2(void) { printf("atexit 2\n"); }
static void h3(void) { printf("atexit 3\n"); }

__attribute__((noinline)) static void deep(int status)
{
	printf("deep: calling exit(%d)\n", status);
	fflush(stdout);
	exit(status);
}

__attribute__((noinline)) static int nested(int status)
{
	deep(status);
	printf("not reached\n");
	return 1;
}

int main(int argc, char **argv)
{
	static const char *want[] = {
		"tst-args", "plain", "two words", "it's", "say \"hi\"",
		"back\\slash", "", "--dash=1", "$HOME",
	};
	int n = sizeof(want) / sizeof(want[0]), found = 0;

	CHECK_EQ(argc, n);
	for (int i = 0; i < n && i < argc; i++)
		CHECK_STREQ(argv[i], want[i]);
	CHECK(argv[argc] == NULL);

	CHECK_STREQ(getenv("JINY_TST_VAR"), "a value with spaces");
	CHECK_STREQ(getenv("JINY_TST_EMPTY"), "");
	CHECK(getenv("JINY_TST_UNSET") == NULL);
	for (char **e = environ; *e; e++)
		found += strcmp(*e, "JINY_TST_VAR=a value with spaces") == 0;
	CHECK_EQ(found, 1);
	CHECK_EQ(setenv("JINY_TST_NEW", "x", 1), 0);
	CHECK_STREQ(getenv("JINY_TST_NEW"), "x");

	CHECK_EQ(atexit(h1), 0);
	CHECK_EQ(atexit(h2), 0);
	CHECK_EQ(atexit(h3), 0);
	if (tst_done() != 0)
		return 1;
	return nested(7);
}
