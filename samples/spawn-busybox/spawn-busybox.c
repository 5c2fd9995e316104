/*
 * spawn-busybox: the HP app (ring 0) starts Debian's static busybox as a
 * ring-3 process with jiny_spawn(), waits for it and reports its status;
 * then does the same with posix_spawn(). busybox comes from the root file
 * system linked into the image (see the Makefile: jiny-mkrootfs).
 *
 *   jiny-run spawn-busybox -- 'echo hello from ring 3; uname -a'
 */
#include <jiny/jiny.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

static int report(const char *how, int pid)
{
	int st;
	if (pid < 0) {
		printf("%s: cannot start busybox: %s\n", how, strerror(-pid));
		return 1;
	}
	if (waitpid(pid, &st, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	if (WIFEXITED(st))
		printf("%s: pid %d exited with status %d\n", how, pid, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: pid %d was killed by signal %d\n", how, pid, WTERMSIG(st));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	const char *script = argc > 1 ? argv[1] : "echo hello from busybox, pid $$, parent $PPID";
	char *args[] = { "sh", "-c", (char *)script, NULL };
	int r = report("jiny_spawn", jiny_spawn("/bin/busybox", args, NULL));

	pid_t pid;
	char *args2[] = { "busybox", "uname", "-a", NULL };
	int e = posix_spawn(&pid, "/bin/busybox", NULL, NULL, args2, environ);
	report("posix_spawn", e ? -e : pid);
	return r;
}
