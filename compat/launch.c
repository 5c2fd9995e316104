/*
 * launch.c - starting compat programs: the init= kernel option and
 * jiny_spawn() of the public API.
 *
 *   init="PROG ARG..."   the words are split like a shell's (leading
 *                        NAME=VALUE words are its environment); PROG runs
 *                        in ring 3 as a child of process 1 with fds 0-2 on
 *                        the console
 *                        It leads a session of its own, with the console as
 *                        its controlling tty (^C/^Z go to its foreground group).
 *   init_mode=instead    (default) the HP app's main() is not entered; the
 *                        VM ends with init's exit status (128+N if a
 *                        signal N killed it), like running it from a shell
 *   init_mode=beside     the HP app runs too and ends the VM as usual
 */
#include "proc/proc.h"
#include "proc/signal.h"
#include "compat/exec.h"
#include "mm/mm.h"
#include "kern/cmdline.h"
#include "kern/app.h"
#include "sched/sched.h"
#include "fs/vfs.h"
#include "kern/errno.h"

static char *const default_env[] = { "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/",
				     "TERM=vt100", NULL };

struct init_req {
	struct cmdline cl;
	bool instead;
};

static void init_thread(void *arg)
{
	struct init_req *rq = arg;
	char **envp = rq->cl.envc ? rq->cl.envp : (char **)default_env;
	int pid = proc_spawn(rq->cl.argv[0], rq->cl.argv, envp, SPAWN_TRUSTED | SPAWN_SETSID);
	if (pid < 0) {
		const char *why = errno_text(pid);
		if (why)
			printk("jiny: init=%s cannot start: %s\n", rq->cl.argv[0], why);
		else
			printk("jiny: init=%s cannot start: error %d\n", rq->cl.argv[0], -pid);
		if (rq->instead)
			kern_power_off(pid == -ENOENT ? 127 : 126);
		return;
	}
	console_set_session(pid, pid); /* ^C and ^Z go to init's group, not to the HP app */
	if (!rq->instead)
		return; /* process 1 adopts it; the HP app ends the VM */
	int st = 0;
	long r;
	while ((r = proc_wait(&hp_proc, pid, WEXITED_K, &st, NULL, NULL)) == -ERESTARTSYS)
		;
	int status = (st & 0x7f) ? 128 + (st & 0x7f) : (st >> 8) & 0xff;
	if (st & 0x7f)
		printk("jiny: init (pid %d) was killed by signal %d\n", pid, st & 0x7f);
	app_exit(r < 0 ? 125 : status);
}

/* Called by start.c after the initcalls: true when init replaces the HP app. */
bool compat_launch_init(const struct cmdline *kcl)
{
	const char *init = cmdline_opt(kcl, "init");
	if (!init)
		return false;
	const char *mode = cmdline_opt(kcl, "init_mode");
	bool instead = !mode || !strcmp(mode, "instead");
	if (mode && instead == false && strcmp(mode, "beside"))
		printk("jiny: unknown init_mode=%s: using beside\n", mode);
	struct init_req *rq = kzalloc(sizeof(*rq));
	size_t n = strlen(init);
	char *line = kmalloc(n + 4);
	char err[96];
	if (!rq || !line)
		panic("out of memory for init=");
	memcpy(line, "-- ", 3);
	memcpy(line + 3, init, n + 1);
	err[0] = 0;
	if (!init[0] || cmdline_parse(line, &rq->cl, err, sizeof(err)) < 0) {
		printk("jiny: init=%s: %s\n", init, err[0] ? err : "no program");
		kern_power_off(JINY_EXIT_PANIC);
	}
	kfree(line);
	rq->instead = instead;
	vfs_open_std_fds(); /* the console as fds 0-2, inherited */
	if (!thread_create("init", PRIO_NORMAL, 0, init_thread, rq, 64 << 10))
		panic("cannot start init");
	return instead;
}

int jiny_spawn(const char *path, char *const argv[], char *const envp[]) __export;
int jiny_spawn(const char *path, char *const argv[], char *const envp[])
{
	if (!path || !argv)
		return -EINVAL;
	if (!envp)
		return proc_spawn(path, argv, default_env, 0);
	return proc_spawn(path, argv, envp, 0);
}
