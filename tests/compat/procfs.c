/*
 * procfs: /proc/PID/exe, cwd, root and fd/N as Linux has them - "magic"
 * links whose text is an absolute resolved path (or "pipe:[INO]") and which,
 * followed, reach the object itself whatever that text says:
 *
 *   exe after execve by absolute path, by relative path, through a symlink,
 *     of a #! script (the interpreter), of /proc/self/exe itself; after the
 *     running file is renamed, and deleted (" (deleted)"); open() of it
 *     reads the program; a zombie has none (ENOENT)
 *   fd/N of a pipe: "pipe:[INO]", stat() gives the pipe, open() writes to it
 *   fd/N of a deleted file: "PATH (deleted)", open() still reads it
 *   cwd after chdir into a directory removed later: "PATH (deleted)",
 *     stat() is the directory; cwd/NAME walks through; root is "/"
 *
 * The program runs copies of itself (made in a fresh directory under /tmp,
 * so renaming and deleting them is harmless) in the mode "--exe-child",
 * which answers requests on its stdin: 'r' prints readlink(/proc/self/exe),
 * 'o' opens /proc/self/exe and prints "ELF" if it reads an ELF header.
 * argv[0] must be a path (it is, on the host and as init= in the guest).
 */
#include "ct.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

extern char **environ;
static char tmp[PATH_MAX];      /* the fixtures' directory, resolved */

/* ---- the child mode ---- */

static void say(const char *fmt, const char *s, long n)
{
	char buf[PATH_MAX + 32];
	int len = s ? snprintf(buf, sizeof(buf), fmt, s) : snprintf(buf, sizeof(buf), fmt, n);

	ct_write(buf, (size_t)len);
}

static int exe_child(void)
{
	char c, buf[PATH_MAX];

	while (read(0, &c, 1) == 1) {
		if (c == 'r') {
			ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
			if (n < 0) {
				say("err %ld\n", NULL, errno);
				continue;
			}
			buf[n] = 0;
			say("%s\n", buf, 0);
		} else if (c == 'o') {
			int fd = open("/proc/self/exe", O_RDONLY);
			if (fd < 0) {
				say("err %ld\n", NULL, errno);
				continue;
			}
			ssize_t n = read(fd, buf, 4);
			close(fd);
			say("%s\n", n == 4 && !memcmp(buf, "\177ELF", 4) ? "ELF" : "not ELF", 0);
		}
	}
	return 0;
}

/* ---- driving a child ---- */

struct child {
	pid_t pid;
	int to, from;            /* its stdin, its stdout */
};

/* Start a child that chdir()s to dir (if any) and execs path with argv. */
static int child_start(struct child *c, const char *dir, const char *path, char *const argv[])
{
	int in[2], out[2];

	if (pipe(in) || pipe(out))
		return -1;
	c->pid = fork();
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		if (dir && chdir(dir))
			_exit(101);
		execve(path, argv, environ);
		_exit(100);
	}
	close(in[0]);
	close(out[1]);
	c->to = in[1];
	c->from = out[0];
	return c->pid < 0 ? -1 : 0;
}

/* Send request 'req' and read the one-line answer into buf (no newline). */
static const char *child_ask(struct child *c, char req, char *buf, size_t size)
{
	size_t n = 0;
	char ch;

	if (write(c->to, &req, 1) != 1)
		return "(no child)";
	while (n + 1 < size && read(c->from, &ch, 1) == 1 && ch != '\n')
		buf[n++] = ch;
	buf[n] = 0;
	return buf;
}

static int child_end(struct child *c)
{
	close(c->to);
	close(c->from);
	return ct_waitpid(c->pid, 0);
}

/* Run path (argv) from dir and check that its /proc/self/exe reads 'want'. */
static void check_exe(const char *dir, const char *path, char *const argv[], const char *want,
		      const char *what)
{
	struct child c;
	char got[PATH_MAX], d[2 * PATH_MAX + 64];

	if (child_start(&c, dir, path, argv)) {
		CHECK(0, what);
		return;
	}
	child_ask(&c, 'r', got, sizeof(got));
	snprintf(d, sizeof(d), "readlink gives '%s', expected '%s'", got, want);
	ct_report(strcmp(got, want) == 0, __LINE__, what, d);
	CHECK_WAIT(child_end(&c), "exit 0", "the child ends");
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n = 0;

	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	if (in < 0 || out < 0 || n < 0) {
		ct_out("FAIL cannot copy %s to %s: %s", from, to, strerror(errno));
		exit(1);
	}
	close(in);
	close(out);
}

/* ---- the checks ---- */

static void exe_links(const char *self)
{
	char prog[PATH_MAX + 16], link[PATH_MAX + 16], script[PATH_MAX + 16];
	char text[PATH_MAX + 64];
	char *av[] = {"prog", "--exe-child", NULL};

	ct_section("/proc/self/exe");
	snprintf(prog, sizeof(prog), "%s/prog", tmp);
	copy_file(self, prog);
	check_exe(NULL, prog, av, prog, "exec by absolute path");
	check_exe(tmp, "./prog", av, prog, "exec by relative path: absolute");
	snprintf(link, sizeof(link), "%s/link", tmp);
	CHECK_OK(symlink("prog", link), "symlink");
	check_exe(NULL, link, av, prog, "exec through a symlink: the file it names");
	snprintf(script, sizeof(script), "%s/script", tmp);
	int n = snprintf(text, sizeof(text), "#!%s --exe-child\n", prog);
	int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	CHECK(fd >= 0 && write(fd, text, (size_t)n) == n, "write a #! script");
	close(fd);
	char *sv[] = {"script", NULL};
	check_exe(NULL, script, sv, prog, "exec of a #! script: the interpreter");
	check_exe(NULL, "/proc/self/exe", av, self,
		  "exec of /proc/self/exe: the program itself (not the link)");

	struct child c;
	char got[PATH_MAX], want[PATH_MAX + 32];
	if (child_start(&c, NULL, prog, av)) {
		CHECK(0, "start a child");
		return;
	}
	CHECK(strcmp(child_ask(&c, 'o', got, sizeof(got)), "ELF") == 0,
	      "open(/proc/self/exe) reads the program");
	char moved[PATH_MAX + 16];
	snprintf(moved, sizeof(moved), "%s/moved", tmp);
	CHECK_OK(rename(prog, moved), "rename the running program");
	CHECK(strcmp(child_ask(&c, 'r', got, sizeof(got)), moved) == 0,
	      "exe after a rename: the new name");
	CHECK_OK(unlink(moved), "unlink the running program");
	snprintf(want, sizeof(want), "%s (deleted)", moved);
	child_ask(&c, 'r', got, sizeof(got));
	CHECK(strcmp(got, want) == 0, "exe after unlink: 'PATH (deleted)'");
	if (strcmp(got, want))
		ct_note("got '%s'", got);
	CHECK(strcmp(child_ask(&c, 'o', got, sizeof(got)), "ELF") == 0,
	      "open(/proc/self/exe) of a deleted program still reads it");
	CHECK_WAIT(child_end(&c), "exit 0", "the child ends");

	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	CHECK_OK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), "waitid(WNOWAIT): a zombie");
	snprintf(text, sizeof(text), "/proc/%d/exe", (int)pid);
	CHECK_ERR(readlink(text, got, sizeof(got)), ENOENT, "a zombie's exe: ENOENT");
	ct_waitpid(pid, 0);
}

static void fd_links(void)
{
	char path[64], got[PATH_MAX], want[PATH_MAX + 32];
	int p[2];
	struct stat st, lst;

	ct_section("/proc/self/fd");
	CHECK_OK(pipe(p), "pipe");
	CHECK_OK(fstat(p[1], &st), "fstat of the write end");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	ssize_t n = readlink(path, got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)st.st_ino);
	CHECK(strcmp(got, want) == 0, "readlink of a pipe: pipe:[INODE]");
	CHECK(stat(path, &lst) == 0 && S_ISFIFO(lst.st_mode) && lst.st_ino == st.st_ino,
	      "stat of a pipe's link: the pipe");
	int w = open(path, O_WRONLY);
	CHECK(w >= 0, "open of a pipe's link");
	char c = 0;
	CHECK(w >= 0 && write(w, "p", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'p',
	      "writing to it reaches the pipe");
	close(w);
	close(p[0]);
	close(p[1]);

	char file[PATH_MAX + 16];
	snprintf(file, sizeof(file), "%s/gone", tmp);
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "data", 4) == 4, "a file");
	CHECK_OK(unlink(file), "unlink it while open");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "%s (deleted)", file);
	CHECK(strcmp(got, want) == 0, "readlink of a deleted file: 'PATH (deleted)'");
	int r = open(path, O_RDONLY);
	char buf[8] = {0};
	CHECK(r >= 0 && read(r, buf, sizeof(buf)) == 4 && !memcmp(buf, "data", 4),
	      "open of a deleted file's link reads the file");
	CHECK(r >= 0 && fstat(r, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0,
	      "it is the unlinked file (st_nlink 0)");
	close(r);
	close(fd);
}

static void cwd_links(void)
{
	char dir[PATH_MAX + 16], got[PATH_MAX], want[PATH_MAX + 32];
	struct stat st;

	ct_section("/proc/self/cwd, root");
	CHECK_OK(chdir(tmp), "chdir to the fixtures");
	ssize_t n = readlink("/proc/self/cwd", got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = 0;
	CHECK(strcmp(got, tmp) == 0, "readlink of cwd: the absolute path");
	int fd = open("/proc/self/cwd/here", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0, "a walk through /proc/self/cwd creates a file");
	close(fd);
	CHECK_OK(unlink("here"), "in the directory itself");
	n = readlink("/proc/self/root", got, sizeof(got) - 1);
	CHECK(n == 1 && got[0] == '/', "readlink of root: /");
	CHECK(stat("/proc/self/root", &st) == 0 && S_ISDIR(st.st_mode), "stat of root: a directory");

	snprintf(dir, sizeof(dir), "%s/d", tmp);
	CHECK_OK(mkdir(dir, 0755), "mkdir");
	CHECK_OK(chdir(dir), "chdir into it");
	CHECK_OK(rmdir(dir), "rmdir of the cwd");
	n = readlink("/proc/self/cwd", got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "%s (deleted)", dir);
	CHECK(strcmp(got, want) == 0, "cwd removed: 'PATH (deleted)'");
	if (strcmp(got, want))
		ct_note("got '%s'", got);
	CHECK(stat("/proc/self/cwd", &st) == 0 && S_ISDIR(st.st_mode),
	      "stat of a removed cwd: the directory");
	CHECK_OK(chdir("/"), "chdir /");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exe-child"))
		return exe_child();
	char self[PATH_MAX], tmpl[] = "/tmp/ct-procfs-XXXXXX";
	if (!strchr(argv[0], '/') || !realpath(argv[0], self)) {
		ct_out("FAIL argv[0] '%s' is not a path to this program", argv[0]);
		return 1;
	}
	if (!mkdtemp(tmpl) || !realpath(tmpl, tmp)) {
		ct_out("FAIL mkdtemp: %s", strerror(errno));
		return 1;
	}
	exe_links(self);
	fd_links();
	cwd_links();
	char path[PATH_MAX + 16];
	const char *names[] = {"link", "script", "prog", "moved", "gone", "here", NULL};
	for (int i = 0; names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, names[i]);
		unlink(path);
	}
	rmdir(tmp);
	return ct_done();
}
