/*
 * tst-spawn: the HP app starts unmodified static Linux programs in ring 3
 * with jiny_spawn() (compat/launch.c) and reaps them with waitpid(), like a
 * parent process on Linux; musl's posix_spawn() works too.
 *
 * The initramfs (tests/compat/mkcompatfs.sh, made by tests/guest/
 * CMakeLists.txt) holds Debian's busybox-static as /bin/busybox with its
 * applet links, and the host's /bin/true - a dynamically linked PIE - as
 * /bin/dyn-true, which the compat loader must refuse with ENOEXEC (it has no
 * dynamic loader).
 *
 * jiny_spawn is declared weak here, so this test links (and fails with a
 * clear message) while libjiny.a has no compat layer yet.
 */
// JINY-RUN: --initrd @BUILD@/initramfs/spawn.cpio --mem 256M
// TIMEOUT: 120
// EXPECT: ^hello$
// EXPECT: ^tst: tst-spawn: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
#include "tst.h"
#include <jiny/jiny.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int jiny_spawn(const char *path, char *const argv[], char *const envp[]) __attribute__((weak));

extern char **environ;

/* jiny_spawn + waitpid; returns the wait status, or -1 (and a FAIL line). */
static int spawn_wait(const char *what, const char *path, char *const argv[], char *const envp[])
{
	int pid = jiny_spawn(path, argv, envp), st = -1;

	printf("spawn %s: pid %d\n", what, pid);
	if (!CHECK(pid > 0))
		return -1;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	printf("spawn %s: status %#x\n", what, st);
	return st;
}

int main(void)
{
	char *env[] = {"PATH=/bin:/usr/bin", "HOME=/", "TERM=vt100", "FOO=bar", NULL};
	int st;

	if (!jiny_spawn) {
		printf("FAIL tst-spawn: jiny_spawn() is not in libjiny.a (no compat layer yet)\n");
		CHECK(jiny_spawn != NULL);
		return tst_done();
	}

	char *echo[] = {"busybox", "echo", "hello", NULL};
	st = spawn_wait("busybox echo hello", "/bin/busybox", echo, env);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);

	char *exit7[] = {"busybox", "sh", "-c", "exit 7", NULL};
	st = spawn_wait("sh -c 'exit 7'", "/bin/busybox", exit7, env);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 7);

	char *segv[] = {"busybox", "sh", "-c", "kill -SEGV $$", NULL};
	st = spawn_wait("sh -c 'kill -SEGV $$'", "/bin/busybox", segv, env);
	CHECK(WIFSIGNALED(st));
	CHECK_EQ(WTERMSIG(st), SIGSEGV);

	char *foo[] = {"sh", "-c", "test \"$FOO\" = bar && test \"$0\" = sh", NULL};
	st = spawn_wait("sh: environment and argv[0]", "/bin/sh", foo, env);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);

	char *missing[] = {"missing", NULL};
	int r = jiny_spawn("/bin/no-such-program", missing, env);
	printf("spawn /bin/no-such-program: %d\n", r);
	CHECK_EQ(r, -ENOENT);

	char *dyn[] = {"dyn-true", NULL};
	r = jiny_spawn("/bin/dyn-true", dyn, env);
	printf("spawn /bin/dyn-true (dynamically linked): %d\n", r);
	CHECK_EQ(r, -ENOEXEC);

	/* musl's posix_spawn from the HP app: clone(CLONE_VM|CLONE_VFORK) + execve */
	pid_t pid = -1;
	char *t[] = {"true", NULL};
	r = posix_spawn(&pid, "/bin/true", NULL, NULL, t, env);
	printf("posix_spawn /bin/true: %d, pid %d\n", r, (int)pid);
	if (CHECK_EQ(r, 0)) {
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	CHECK_EQ(waitpid(-1, &st, WNOHANG), -1);
	CHECK_EQ(errno, ECHILD);
	return tst_done();
}
