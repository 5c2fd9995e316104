/*
 * tst-hello: the smallest guest test. A line on stdout, one on stderr, a
 * printf with integer, string and floating-point conversions (SSE in ring 0),
 * and a nonzero exit status from main that jiny-run must hand back unchanged.
 */
// EXPECT: ^hello from tst-hello$
// EXPECT: ^stderr works$
// EXPECT: ^printf: 12345 -42 0x2a str 2\.500 1e\+10$
// EXPECT-NOT: FAIL
// EXIT: 42
#include <stdio.h>

int main(void)
{
	puts("hello from tst-hello");
	fflush(stdout);
	fprintf(stderr, "stderr works\n");
	printf("printf: %d %ld %#x %s %.3f %g\n", 12345, -42L, 42, "str", 2.5,
	       1e10);
	return 42;
}
