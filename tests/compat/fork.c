/*
 * fork: processes - fork, exit statuses, wait4/waitpid (WNOHANG), waitid
 * (WNOWAIT, P_PGID, CLD_* codes), orphans, process groups and sessions,
 * execve (argv/envp/auxv, pid kept, O_CLOEXEC, #! scripts, a thread that
 * execs) and its errors (ENOENT, ENOTDIR, EACCES, ENOEXEC), vfork,
 * posix_spawn, system(), a shared file offset, zombies.
 *
 * The program runs itself again for the exec checks: argv[1] = "--child-..."
 * selects a helper mode (see main). Fixtures (scripts, bad executables) are
 * made at run time in a fresh directory under /tmp, so the same binary runs
 * on the host and in the guest. /bin/sh must exist (in the guest: busybox).
 */
#include "ct.h"
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/auxv.h>
#include <sys/stat.h>

extern char **environ;
static const char *self;
static const char *tmp;

/* ---- helper modes (the program exec'd again) ---- */

/* argv: NAME --child-args PATH "a b" "" x; env: exactly ONE=1 TWO=two words EMPTY= */
static int mode_args(int argc, char **argv)
{
	static const char *want_env[] = {"ONE=1", "TWO=two words", "EMPTY=", NULL};
	int i;

	CHECK_EQ(argc, 6, "exec: argc");
	if (argc != 6)
		return ct_child_status();
	CHECK(strcmp(argv[0], "custom-argv0") == 0, "exec: argv[0] is what the caller gave");
	CHECK(strcmp(argv[3], "a b") == 0, "exec: an argument with a space");
	CHECK(strcmp(argv[4], "") == 0, "exec: an empty argument");
	CHECK(strcmp(argv[5], "x") == 0, "exec: the last argument");
	CHECK(argv[6] == NULL, "exec: argv is NULL-terminated");
	for (i = 0; environ[i] && want_env[i]; i++)
		if (strcmp(environ[i], want_env[i]) != 0)
			break;
	CHECK(environ[i] == NULL && want_env[i] == NULL, "exec: the environment is exactly envp");
	CHECK(getenv("PATH") == NULL, "exec: nothing of the old environment");
	CHECK_EQ(getauxval(AT_PAGESZ), 4096, "auxv: AT_PAGESZ");
	CHECK(getauxval(AT_RANDOM) != 0, "auxv: AT_RANDOM");
	CHECK(getauxval(AT_PHDR) != 0 && getauxval(AT_PHNUM) > 0, "auxv: AT_PHDR, AT_PHNUM");
	CHECK(getauxval(AT_ENTRY) != 0, "auxv: AT_ENTRY");
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	CHECK(execfn && strcmp(execfn, argv[2]) == 0, "auxv: AT_EXECFN is the path given to execve");
	return ct_child_status();
}

/* --child-pid PID PPID: the pid and parent survive exec. */
static int mode_pid(char **argv)
{
	CHECK_EQ(getpid(), atoi(argv[2]), "exec keeps the pid");
	CHECK_EQ(getppid(), atoi(argv[3]), "exec keeps the parent");
	return ct_child_status();
}

/* --child-fds OPEN CLOSED: fd OPEN survived exec, fd CLOSED (O_CLOEXEC) did not. */
static int mode_fds(char **argv)
{
	int open_fd = atoi(argv[2]), closed_fd = atoi(argv[3]);

	CHECK(fcntl(open_fd, F_GETFD) == 0, "exec keeps an fd without FD_CLOEXEC, flag clear");
	CHECK_EQ(write(open_fd, "k", 1), 1, "the kept fd still works (a pipe)");
	CHECK_ERR(fcntl(closed_fd, F_GETFD), EBADF, "exec closed the O_CLOEXEC fd");
	return ct_child_status();
}

/* --child-interp: run as the interpreter of "#!SELF --child-interp" scripts. */
static int mode_interp(int argc, char **argv)
{
	const char *script = getenv("CT_SCRIPT"), *interp = getenv("CT_INTERP");

	/* Linux: interpreter path, the #! line's argument, the script's path,
	 * then the script's own arguments (its argv[0] is dropped). */
	CHECK_EQ(argc, 5, "#!: interpreter argc");
	if (argc != 5 || !script || !interp)
		return ct_child_status() + 1;
	CHECK(strcmp(argv[0], interp) == 0, "#!: argv[0] is the interpreter's path from the #! line");
	CHECK(strcmp(argv[2], script) == 0, "#!: argv[2] is the path execve was given");
	CHECK(strcmp(argv[3], "one") == 0 && strcmp(argv[4], "two") == 0,
	      "#!: then the script's arguments");
	return ct_child_status();
}

/* ---- helpers ---- */

static void put_file(const char *name, const char *text, size_t len, mode_t mode, char *path,
		     size_t size)
{
	int fd;

	snprintf(path, size, "%s/%s", tmp, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		ct_out("FAIL cannot write %s: %s", path, strerror(errno));
		exit(1);
	}
	close(fd);
	chmod(path, mode);
}

/* Fork a child that execve()s path with argv/envp and exits with errno if that fails. */
static int exec_status(const char *path, char *const argv[], char *const envp[])
{
	pid_t pid = fork();

	if (pid == 0) {
		execve(path, argv, envp);
		_exit(errno);
	}
	return pid < 0 ? -1 : ct_waitpid(pid, 0);
}

static int child_exit42(void *a)
{
	return 42;
}

/* ---- the checks ---- */

static void basic_fork(void)
{
	int p[2], st;
	pid_t parent = getpid(), pid, child_ppid = -1, child_pid = -1;
	struct rusage ru;

	ct_section("fork and wait4");
	pipe(p);
	pid = fork();
	if (pid == 0) {
		pid_t v[2] = {getpid(), getppid()};
		write(p[1], v, sizeof(v));
		_exit(42);
	}
	CHECK(pid > 0, "fork returns the child's pid in the parent");
	pid_t v[2] = {0, 0};
	CHECK_EQ(read(p[0], v, sizeof(v)), sizeof(v), "the child wrote its pid and ppid");
	child_pid = v[0], child_ppid = v[1];
	CHECK_EQ(child_pid, pid, "the child's getpid() is what fork returned");
	CHECK(child_pid != parent, "the child has a pid of its own");
	CHECK_EQ(child_ppid, parent, "the child's getppid() is the parent");
	memset(&ru, 0, sizeof(ru));
	CHECK_EQ(wait4(pid, &st, 0, &ru), pid, "wait4 returns the child's pid");
	CHECK_WAIT(st, "exit 42", "wait4 status of _exit(42)");
	CHECK(ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000,
	      "wait4 fills a sane rusage");
	CHECK_ERR(wait4(pid, &st, 0, NULL), ECHILD, "a reaped child cannot be waited for again");
	close(p[0]);
	close(p[1]);

	CHECK_WAIT(ct_child(child_exit42, NULL), "exit 42", "ct_child helper (fork + waitpid)");

	/* exit() runs atexit handlers and flushes stdio; _exit() does not. */
	pipe(p);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 1);
		printf("stdio-flushed-by-exit");
		exit(256 + 3); /* the status is the low 8 bits */
	}
	close(p[1]);
	char buf[64] = {0};
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	CHECK(n > 0 && strcmp(buf, "stdio-flushed-by-exit") == 0, "exit() flushed stdio");
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 3", "exit(259) gives status 3");
	close(p[0]);

	pid = fork();
	if (pid == 0) {
		raise(SIGKILL);
		_exit(0);
	}
	CHECK_WAIT(ct_waitpid(pid, 0), "signal 9", "a child that raise()s SIGKILL");

	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGTERM), "kill a paused child");
	CHECK_WAIT(ct_waitpid(pid, 0), "signal 15", "killed by SIGTERM");
}

static void wnohang_and_many(void)
{
	int p[2], st;
	pid_t pid;

	ct_section("WNOHANG, many children, ECHILD");
	pipe(p);
	pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? c : 99);
	}
	close(p[0]);
	CHECK_EQ(waitpid(pid, &st, WNOHANG), 0, "WNOHANG on a running child returns 0");
	CHECK_EQ(waitpid(-1, &st, WNOHANG), 0, "WNOHANG for any child returns 0");
	write(p[1], "\x07", 1);
	close(p[1]);
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 7", "then the child exits and is reaped");

	/* Zombies: still there for kill(pid, 0) until reaped. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), "waitid WNOWAIT (wait for the zombie)");
	CHECK_EQ(kill(pid, 0), 0, "a zombie still exists for kill(pid, 0)");
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0", "reaping the zombie");
	CHECK_ERR(kill(pid, 0), ESRCH, "a reaped child is gone (ESRCH)");

	enum { N = 12 };
	pid_t pids[N];
	int seen[N] = {0};
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(10 + i);
	}
	int good = 1;
	for (int i = 0; i < N; i++) {
		pid_t r = wait(&st);
		int j;
		for (j = 0; j < N && pids[j] != r; j++)
			;
		if (j == N || seen[j] || !WIFEXITED(st) || WEXITSTATUS(st) != 10 + j) {
			ct_note("wait() #%d returned %d status %#x", i, (int)r, st);
			good = 0;
			continue;
		}
		seen[j] = 1;
	}
	CHECK(good, "wait() reaps 12 children, each once, with its own status");
	CHECK_ERR(wait(&st), ECHILD, "no children left: ECHILD");
	CHECK_ERR(waitpid(getppid(), &st, 0), ECHILD, "waitpid on a process that is no child");
	CHECK_ERR(waitpid(pids[0], &st, WNOHANG), ECHILD, "waitpid on a reaped pid");

	/* 50 forks in a row: nothing leaks that would stop the 50th. */
	int ok = 1;
	for (int i = 0; i < 50 && ok; i++) {
		pid = fork();
		if (pid == 0)
			_exit(i);
		ok = pid > 0 && ct_waitpid(pid, 0) == (i << 8);
	}
	CHECK(ok, "50 fork/exit/wait rounds");
}

static void waitid_checks(void)
{
	siginfo_t si;
	pid_t pid;
	int p[2];

	ct_section("waitid");
	pid = fork();
	if (pid == 0)
		_exit(5);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0, "waitid(P_PID, WEXITED|WNOWAIT)");
	CHECK_EQ(si.si_signo, SIGCHLD, "waitid: si_signo SIGCHLD");
	CHECK_EQ(si.si_code, CLD_EXITED, "waitid: si_code CLD_EXITED");
	CHECK_EQ(si.si_pid, pid, "waitid: si_pid");
	CHECK_EQ(si.si_status, 5, "waitid: si_status is the exit code");
	CHECK_EQ(si.si_uid, getuid(), "waitid: si_uid");
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 5", "WNOWAIT left the child waitable");

	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	memset(&si, 0, sizeof(si));
	si.si_pid = 12345;
	CHECK_EQ(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), 0, "waitid WNOHANG, nothing to report");
	CHECK_EQ(si.si_pid, 0, "waitid WNOHANG with nothing: si_pid is 0");
	kill(pid, SIGKILL);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(waitid(P_ALL, 0, &si, WEXITED), 0, "waitid(P_ALL) on a killed child");
	CHECK_EQ(si.si_code, CLD_KILLED, "waitid: si_code CLD_KILLED");
	CHECK_EQ(si.si_status, SIGKILL, "waitid: si_status is the signal");
	CHECK_EQ(si.si_pid, pid, "waitid: si_pid of the killed child");
	CHECK_ERR(waitid(P_ALL, 0, &si, WEXITED), ECHILD, "waitid with no children: ECHILD");
	CHECK_ERR(waitid((idtype_t)77, 0, &si, WEXITED), EINVAL, "waitid with a bad idtype");
	CHECK_ERR(waitid(P_ALL, 0, &si, 0), EINVAL, "waitid without WEXITED/WSTOPPED/WCONTINUED");

	/* Process groups: a child in a group of its own, waited for by group. */
	pipe(p);
	pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		setpgid(0, 0);
		read(p[0], &c, 1);
		_exit(getpgrp() == getpid() ? 11 : 12);
	}
	close(p[0]);
	CHECK(setpgid(pid, pid) == 0 || errno == EACCES, "setpgid(child, child) from the parent");
	CHECK_EQ(getpgid(pid), pid, "getpgid: the child leads its own group");
	memset(&si, 0, sizeof(si));
	CHECK_EQ(waitid(P_PGID, pid, &si, WEXITED | WNOHANG), 0, "waitid(P_PGID) WNOHANG while it runs");
	close(p[1]);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(waitid(P_PGID, pid, &si, WEXITED), 0, "waitid(P_PGID)");
	CHECK(si.si_pid == pid && si.si_status == 11, "waitid(P_PGID): the group's child, exit 11");

	pid = fork();
	if (pid == 0)
		_exit(setpgid(0, 0) == 0 ? 13 : 14);
	int st;
	setpgid(pid, pid); /* both sides, so the group exists whoever runs first */
	CHECK_EQ(waitpid(-pid, &st, 0), pid, "waitpid(-pgid) waits for the group");
	CHECK_WAIT(st, "exit 13", "waitpid(-pgid): the status");
}

static int sess_child(void *a)
{
	pid_t me = getpid();

	CHECK_EQ(setsid(), me, "setsid returns the new session id");
	CHECK_EQ(getsid(0), me, "getsid: the child leads a session");
	CHECK_EQ(getpgrp(), me, "setsid made a new process group too");
	CHECK_ERR(setsid(), EPERM, "setsid in a group leader: EPERM");
	CHECK_ERR(setpgid(0, getppid()), EPERM, "setpgid into another session: EPERM");
	return ct_child_status();
}

static void sessions(void)
{
	ct_section("sessions");
	CHECK(getsid(0) >= 0 && getsid(0) == getsid(getpid()), "getsid(0) is the session of getpid()");
	CHECK_WAIT(ct_child(sess_child, NULL), "exit 0", "setsid checks in a child");
	CHECK_ERR(setpgid(0, 999999), EPERM, "setpgid to a group that does not exist: EPERM");
	CHECK_ERR(getpgid(999999), ESRCH, "getpgid of no such process: ESRCH");
}

/* The child forks a grandchild and exits; the grandchild is adopted. */
static void orphans(void)
{
	int rep[2];
	pid_t c;

	ct_section("orphans");
	pipe(rep);
	c = fork();
	if (c == 0) {
		pid_t me = getpid();
		int sync[2];
		char ch;
		pipe(sync);
		pid_t g = fork();
		if (g == 0) {
			pid_t before = getppid(), after = before;
			write(sync[1], "b", 1); /* the parent exits only now */
			/* Wait (30 s at most) for the parent to die and the adoption. */
			for (int i = 0; i < 3000 && after == me; i++) {
				ct_msleep(10);
				after = getppid();
			}
			pid_t v[3] = {getpid(), before, after};
			write(rep[1], v, sizeof(v));
			_exit(0);
		}
		_exit(g > 0 && read(sync[0], &ch, 1) == 1 ? 0 : 1);
	}
	close(rep[1]);
	CHECK_WAIT(ct_waitpid(c, 0), "exit 0", "the middle process forked and exited");
	pid_t v[3] = {0, 0, 0};
	CHECK_EQ(read(rep[0], v, sizeof(v)), sizeof(v), "the orphan reports");
	CHECK_EQ(v[1], c, "the grandchild's parent was the middle process");
	CHECK(v[2] != c && v[2] > 0, "after it died, the orphan has another parent (adopted)");
	ct_note("orphan adopted by pid %d", (int)v[2]);
	int st;
	CHECK_ERR(waitpid(v[0], &st, 0), ECHILD, "the orphan is not our child");
	close(rep[0]);
}

static void *exec_thread(void *arg)
{
	char **argv = arg;

	ct_msleep(20);
	execve(self, argv, environ);
	_exit(99);
}

static void exec_checks(void)
{
	char path[600], script[600], pidbuf[3][32];
	int p[2], q[2], st;
	pid_t pid;

	ct_section("execve");
	char *args_argv[] = {"custom-argv0", "--child-args", (char *)self, "a b", "", "x", NULL};
	char *args_env[] = {"ONE=1", "TWO=two words", "EMPTY=", NULL};
	CHECK_WAIT(exec_status(self, args_argv, args_env), "exit 0",
		   "execve passes argv, envp and auxv (checked by the new program)");

	pid = fork();
	if (pid == 0) {
		snprintf(pidbuf[0], 32, "%d", (int)getpid());
		snprintf(pidbuf[1], 32, "%d", (int)getppid());
		char *a[] = {(char *)self, "--child-pid", pidbuf[0], pidbuf[1], NULL};
		execve(self, a, environ);
		_exit(99);
	}
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0", "execve keeps pid and ppid");

	/* A thread of a multi-threaded process execs: the others are gone. */
	pid = fork();
	if (pid == 0) {
		pthread_t t;
		snprintf(pidbuf[0], 32, "%d", (int)getpid());
		snprintf(pidbuf[1], 32, "%d", (int)getppid());
		char *a[] = {(char *)self, "--child-pid", pidbuf[0], pidbuf[1], NULL};
		pthread_create(&t, NULL, exec_thread, a);
		for (;;)
			pause();
	}
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0",
		   "a second thread execs: the process keeps its pid, the main thread is gone");

	pipe(p);
	pipe2(q, O_CLOEXEC);
	snprintf(pidbuf[0], 32, "%d", p[1]);
	snprintf(pidbuf[1], 32, "%d", q[1]);
	char *fd_argv[] = {(char *)self, "--child-fds", pidbuf[0], pidbuf[1], NULL};
	CHECK_WAIT(exec_status(self, fd_argv, environ), "exit 0", "exec and O_CLOEXEC");
	char c = 0;
	close(p[1]);
	CHECK(read(p[0], &c, 1) == 1 && c == 'k', "the new program wrote to the inherited pipe");
	close(p[0]);
	close(q[0]);
	close(q[1]);

	/* #! scripts */
	static const char sh_script[] = "#!/bin/sh\nexit 3\n";
	put_file("exit3.sh", sh_script, sizeof(sh_script) - 1, 0755, script, sizeof(script));
	char *sargv[] = {"exit3.sh", NULL};
	CHECK_WAIT(exec_status(script, sargv, environ), "exit 3", "execve of a #!/bin/sh script");

	char text[700];
	int n = snprintf(text, sizeof(text), "#!%s --child-interp\nthis line is not read\n", self);
	put_file("interp.sh", text, (size_t)n, 0755, script, sizeof(script));
	char envbuf[700], envbuf2[700];
	snprintf(envbuf, sizeof(envbuf), "CT_SCRIPT=%s", script);
	snprintf(envbuf2, sizeof(envbuf2), "CT_INTERP=%s", self);
	char *ienv[] = {envbuf, envbuf2, NULL};
	char *iargv[] = {"ignored-argv0", "one", "two", NULL};
	CHECK_WAIT(exec_status(script, iargv, ienv), "exit 0",
		   "#! with an argument: the interpreter's argv (checked by it)");

	static const char nointerp[] = "#!/nonexistent/interpreter\n";
	put_file("nointerp.sh", nointerp, sizeof(nointerp) - 1, 0755, script, sizeof(script));
	CHECK_WAIT(exec_status(script, sargv, environ), "exit 2",
		   "#! naming a missing interpreter: ENOENT (exit 2 = errno)");

	/* errors (the child exits with errno when execve fails) */
	ct_section("execve errors");
	snprintf(path, sizeof(path), "%s/no-such-program", tmp);
	CHECK_WAIT(exec_status(path, sargv, environ), "exit 2", "missing file: ENOENT");
	CHECK_WAIT(exec_status("", sargv, environ), "exit 2", "empty path: ENOENT");
	snprintf(path, sizeof(path), "%s/x", script);
	CHECK_WAIT(exec_status(path, sargv, environ), "exit 20", "a file as a directory: ENOTDIR");
	put_file("noexec-bit", sh_script, sizeof(sh_script) - 1, 0644, path, sizeof(path));
	CHECK_WAIT(exec_status(path, sargv, environ), "exit 13", "a file without x bits: EACCES");
	CHECK_WAIT(exec_status(tmp, sargv, environ), "exit 13", "a directory: EACCES");
	static const char garbage[] = "this is neither ELF nor a script\n";
	put_file("garbage", garbage, sizeof(garbage) - 1, 0755, path, sizeof(path));
	CHECK_WAIT(exec_status(path, sargv, environ), "exit 8", "an executable text file: ENOEXEC");
	put_file("empty", "", 0, 0755, path, sizeof(path));
	CHECK_WAIT(exec_status(path, sargv, environ), "exit 8", "an empty executable file: ENOEXEC");
	static const char badelf[] = "\177ELF\002\001\001\000 a truncated ELF header";
	put_file("badelf", badelf, sizeof(badelf) - 1, 0755, path, sizeof(path));
	CHECK_WAIT(exec_status(path, sargv, environ), "exit 8", "a truncated ELF header: ENOEXEC");
	/* The caller goes on after a failed execve: shown by every check above. */

	ct_section("vfork, posix_spawn, system");
	pid = vfork();
	if (pid == 0)
		_exit(8);
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 8", "vfork + _exit");
	char num[] = "9";
	char *xargv[] = {(char *)self, "--child-exit", num, NULL};
	pid = vfork();
	if (pid == 0) {
		execve(self, xargv, environ);
		_exit(99);
	}
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 9", "vfork + execve");
	num[0] = '6';
	int r = posix_spawn(&pid, self, NULL, NULL, xargv, environ);
	CHECK_EQ(r, 0, "posix_spawn returns 0");
	if (r == 0)
		CHECK_WAIT(ct_waitpid(pid, 0), "exit 6", "posix_spawn'd program's status");
	char *shargv[] = {"sh", "-c", "exit 4", NULL};
	r = posix_spawnp(&pid, "sh", NULL, NULL, shargv, environ);
	CHECK_EQ(r, 0, "posix_spawnp finds sh in PATH");
	if (r == 0)
		CHECK_WAIT(ct_waitpid(pid, 0), "exit 4", "sh -c 'exit 4'");
	snprintf(path, sizeof(path), "%s/nothing-here", tmp);
	r = posix_spawn(&pid, path, NULL, NULL, shargv, environ);
	if (r == 0) /* glibc reports the exec error from the child (127) or as r */
		r = ct_waitpid(pid, 0) == (127 << 8) ? ENOENT : -1;
	CHECK_EQ(r, ENOENT, "posix_spawn of a missing file: ENOENT");
	st = system("exit 5");
	CHECK_WAIT(st, "exit 5", "system(\"exit 5\")");
}

static void shared_offset(void)
{
	char path[600], buf[16] = {0};
	int fd;
	pid_t pid;

	ct_section("fd sharing after fork");
	put_file("offset", "", 0, 0644, path, sizeof(path));
	fd = open(path, O_RDWR);
	pid = fork();
	if (pid == 0) {
		write(fd, "abc", 3);
		_exit(0);
	}
	ct_waitpid(pid, 0);
	CHECK_EQ(write(fd, "def", 3), 3, "the parent writes after the child");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6, "parent and child share the file offset");
	CHECK_EQ(pread(fd, buf, sizeof(buf) - 1, 0), 6, "the file has both writes");
	CHECK(strcmp(buf, "abcdef") == 0, "in order: abcdef");
	close(fd);
}

static void cleanup(void)
{
	static const char *names[] = {"exit3.sh", "interp.sh", "nointerp.sh", "noexec-bit",
				      "garbage", "empty", "badelf", "offset"};
	char path[600];

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, names[i]);
		unlink(path);
	}
	rmdir(tmp);
}

int main(int argc, char **argv)
{
	self = ct_self(argv[0]);
	if (argc >= 2 && strcmp(argv[1], "--child-args") == 0)
		return mode_args(argc, argv);
	if (argc == 4 && strcmp(argv[1], "--child-pid") == 0)
		return mode_pid(argv);
	if (argc == 4 && strcmp(argv[1], "--child-fds") == 0)
		return mode_fds(argv);
	if (argc >= 2 && strcmp(argv[1], "--child-interp") == 0)
		return mode_interp(argc, argv);
	if (argc == 3 && strcmp(argv[1], "--child-exit") == 0)
		return atoi(argv[2]);

	ct_start(argc, argv);
	tmp = ct_tmpdir();
	basic_fork();
	wnohang_and_many();
	waitid_checks();
	sessions();
	orphans();
	exec_checks();
	shared_offset();
	cleanup();
	return ct_done();
}
