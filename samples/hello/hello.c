/*
 * hello - the smallest Jiny application: an ordinary C program whose main()
 * runs inside the unikernel. Prints a greeting with its arguments, checks that
 * the heap works, and returns 0 (the exit status of `jiny-run hello`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	printf("Hello from Jiny! argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("  argv[%d] = \"%s\"\n", i, argv[i]);

	/* The heap: fill a block, read it back, free it. */
	size_t n = 1 << 16;
	unsigned char *p = malloc(n);
	if (!p) {
		fprintf(stderr, "hello: malloc(%zu) failed\n", n);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	for (size_t i = 0; i < n; i++) {
		if (p[i] != (unsigned char)(i * 7 + 3)) {
			fprintf(stderr, "hello: heap byte %zu reads %u, wrote %u\n",
				i, p[i], (unsigned char)(i * 7 + 3));
			free(p);
			return 1;
		}
	}
	free(p);

	char *s = strdup("malloc ok");
	if (!s || strcmp(s, "malloc ok") != 0) {
		fprintf(stderr, "hello: strdup failed\n");
		return 1;
	}
	printf("%s\n", s);
	free(s);
	return 0;
}
