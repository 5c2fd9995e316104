/*
 * forkexec.c - fork + execve + waitpid of a tiny static program, per second.
 * The same static binary runs in a Jiny guest (ring 3, compat loader) and in
 * a Linux guest (bench/forkexec/run.sh). It execs itself (argv[0]) with the
 * argument "child", which exits at once. Every return value is checked.
 *
 *   forkexec LOOPS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return 0;
	long loops = argc > 1 ? atol(argv[1]) : 200;
	if (loops <= 0) {
		fprintf(stderr, "usage: forkexec LOOPS\n");
		return 2;
	}
	double t0 = now();
	for (long i = 0; i < loops; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("forkexec: fork");
			return 1;
		}
		if (pid == 0) {
			char *args[] = { argv[0], "child", NULL };
			execv(argv[0], args);
			perror("forkexec: execv");
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "forkexec: child %d failed (status %#x)\n", (int)pid, st);
			return 1;
		}
	}
	double dt = now() - t0;
	printf("forkexec: %ld fork+exec+wait in %.3f s\n", loops, dt);
	printf("forkexec: %.1f per second, %.1f us each\n", loops / dt, dt / loops * 1e6);
	return 0;
}
