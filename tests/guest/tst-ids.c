/*
 * tst-ids: a process's identity, limits and accounting (proc/ids.c)
 * and how /proc shows them (fs/procfs.c), from the HP app, process 1:
 * getrlimit/setrlimit/prlimit64 round trips and errors, RLIMIT_NOFILE
 * bounding the fd table, times/getrusage/sysinfo growing with work, the
 * set*id calls with Linux's rules for root and for a dropped euid,
 * supplementary groups, and /proc/self, /proc/PID/{stat,status,comm,cwd},
 * /proc/{loadavg,stat} parsing as busybox ps/top parse them.
 *
 * Also run on the host (host.ids) to check the test against Linux: there
 * the pid is not 1, the defaults differ, and the set*id part needs root.
 */
// EXPECT: ^tst: tst-ids: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
#include "fstest.h"
#include <dirent.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>

#ifdef JINY_HOST_BUILD
#define ON_JINY 0
#else
#define ON_JINY 1
#endif

static bool is_root;      /* euid 0: the set*id calls may do anything */
static bool can_raise;    /* CAP_SYS_RESOURCE: raising hard limits (a host's
			   * container may deny it to root) */

static bool has_sys_resource(void)
{
	if (ON_JINY)
		return is_root;
	const char *s = fs_get("/proc/self/status");
	const char *c = s ? strstr(s, "\nCapEff:\t") : NULL;
	return c && (strtoull(c + 9, NULL, 16) >> 24 & 1);
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Burn 'sec' seconds of CPU time. */
static void busy(double sec)
{
	volatile unsigned long x = 0;
	double end = cpu_seconds() + sec;
	while (cpu_seconds() < end)
		for (int i = 0; i < 10000; i++)
			x += i;
}

static void limits(void)
{
	struct rlimit rl, rl2, old;

	CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
	CHECK(rl.rlim_cur <= rl.rlim_max);
	if (ON_JINY) { /* Linux's defaults */
		CHECK_EQ(rl.rlim_cur, 1024);
		CHECK_EQ(rl.rlim_max, 1048576);
		CHECK_OK(getrlimit(RLIMIT_STACK, &rl2));
		CHECK_EQ(rl2.rlim_cur, 8 << 20);
		CHECK(rl2.rlim_max == RLIM_INFINITY);
		CHECK_OK(getrlimit(RLIMIT_CORE, &rl2));
		CHECK_EQ(rl2.rlim_cur, 0);
		CHECK_OK(getrlimit(RLIMIT_NPROC, &rl2));
		CHECK(rl2.rlim_cur > 0 && rl2.rlim_cur != RLIM_INFINITY);
		CHECK_OK(getrlimit(RLIMIT_CPU, &rl2));
		CHECK(rl2.rlim_cur == RLIM_INFINITY && rl2.rlim_max == RLIM_INFINITY);
	}

	/* round trips: setrlimit, prlimit on 0 and on our own pid */
	struct rlimit core0;
	CHECK_OK(getrlimit(RLIMIT_CORE, &core0));
	struct rlimit lo = { 4096, 1 << 20 };
	if (core0.rlim_max != RLIM_INFINITY && core0.rlim_max < lo.rlim_max)
		lo.rlim_max = core0.rlim_max, lo.rlim_cur = 0;
	CHECK_OK(setrlimit(RLIMIT_CORE, &lo));
	CHECK_OK(getrlimit(RLIMIT_CORE, &rl2));
	CHECK_EQ(rl2.rlim_cur, lo.rlim_cur);
	CHECK_EQ(rl2.rlim_max, lo.rlim_max);
	CHECK_OK(prlimit(0, RLIMIT_CORE, NULL, &old));
	CHECK_EQ(old.rlim_max, lo.rlim_max);
	struct rlimit lo2 = { 0, lo.rlim_max };
	CHECK_OK(prlimit(getpid(), RLIMIT_CORE, &lo2, &old)); /* new and old at once */
	CHECK_EQ(old.rlim_cur, lo.rlim_cur);
	CHECK_OK(syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &old));
	CHECK_EQ(old.rlim_cur, 0);
	/* raising the hard limit again: root may */
	if (can_raise) {
		CHECK_OK(setrlimit(RLIMIT_CORE, &core0));
		CHECK_OK(getrlimit(RLIMIT_CORE, &rl2));
		CHECK(rl2.rlim_max == core0.rlim_max);
	}

	/* errors */
	struct rlimit bad = { 10, 5 };
	CHECK_ERR(setrlimit(RLIMIT_CORE, &bad), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_getrlimit, 99, &rl2), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_setrlimit, 99, &rl), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_prlimit64, 0, 99, NULL, &rl2), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_prlimit64, 999999, RLIMIT_CORE, NULL, &rl2), ESRCH);
	CHECK_RAW_ERR(syscall(SYS_prlimit64, -5, RLIMIT_CORE, NULL, &rl2), ESRCH);
	CHECK_RAW_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, BAD_PTR), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_setrlimit, RLIMIT_NOFILE, BAD_PTR), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, BAD_PTR, NULL), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BAD_PTR), EFAULT);
	if (ON_JINY) { /* above fs.nr_open (the host's may be larger) */
		struct rlimit huge = { 1024, 1048577 };
		CHECK_ERR(setrlimit(RLIMIT_NOFILE, &huge), EPERM);
	}

	/* RLIMIT_NOFILE bounds the fd table */
	struct rlimit few = { 16, rl.rlim_max };
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &few));
	CHECK_ERR(dup2(0, 16), EBADF);
	CHECK_ERR(fcntl(0, F_DUPFD, 16), EINVAL);
	CHECK_EQ(dup2(0, 15), 15);
	close(15);
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
	CHECK_EQ(dup2(0, 16), 16);
	close(16);
}

static void accounting(void)
{
	struct tms t1, t2;
	struct rusage r1, r2, rt1, rt2, rc;

	clock_t c1 = times(&t1);
	CHECK(c1 != (clock_t)-1 && c1 > 0);
	CHECK_OK(getrusage(RUSAGE_SELF, &r1));
	CHECK_OK(getrusage(RUSAGE_THREAD, &rt1));
	busy(0.3);
	clock_t c2 = times(&t2);
	CHECK(c2 >= c1 + 20); /* 100 Hz: 0.3 s of CPU took at least 0.2 s */
	long ticks1 = t1.tms_utime + t1.tms_stime, ticks2 = t2.tms_utime + t2.tms_stime;
	CHECK(ticks2 >= ticks1 + 20);
	CHECK_OK(getrusage(RUSAGE_SELF, &r2));
	CHECK_OK(getrusage(RUSAGE_THREAD, &rt2));
	double u1 = r1.ru_utime.tv_sec + r1.ru_utime.tv_usec / 1e6 + r1.ru_stime.tv_sec +
		    r1.ru_stime.tv_usec / 1e6;
	double u2 = r2.ru_utime.tv_sec + r2.ru_utime.tv_usec / 1e6 + r2.ru_stime.tv_sec +
		    r2.ru_stime.tv_usec / 1e6;
	CHECK(u2 >= u1 + 0.25);
	CHECK(r2.ru_utime.tv_usec >= 0 && r2.ru_utime.tv_usec < 1000000);
	double th1 = rt1.ru_utime.tv_sec + rt1.ru_utime.tv_usec / 1e6 + rt1.ru_stime.tv_sec +
		     rt1.ru_stime.tv_usec / 1e6;
	double th2 = rt2.ru_utime.tv_sec + rt2.ru_utime.tv_usec / 1e6 + rt2.ru_stime.tv_sec +
		     rt2.ru_stime.tv_usec / 1e6;
	CHECK(th2 >= th1 + 0.25);
	/* no child has been waited for */
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &rc));
	CHECK_EQ(rc.ru_utime.tv_sec + rc.ru_stime.tv_sec, 0);
	CHECK_EQ(rc.ru_utime.tv_usec + rc.ru_stime.tv_usec, 0);
	CHECK_ERR(getrusage(42, &rc), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_getrusage, RUSAGE_SELF, BAD_PTR), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_times, BAD_PTR), EFAULT);
	CHECK(syscall(SYS_times, NULL) >= c2); /* NULL is allowed */

	/* times() counts wall-clock ticks too */
	struct timespec ts = { 0, 100000000 };
	nanosleep(&ts, NULL);
	CHECK(times(&t1) >= c2 + 8);

	struct sysinfo si;
	CHECK_OK(sysinfo(&si));
	CHECK(si.procs >= 1);
	CHECK(si.totalram > 0 && si.freeram <= si.totalram);
	CHECK_RAW_ERR(syscall(SYS_sysinfo, BAD_PTR), EFAULT);
}

static void resuid(uid_t *r, uid_t *e, uid_t *s)
{
	*r = *e = *s = 12345;
	CHECK_OK(getresuid(r, e, s));
}

static void ids(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	CHECK_EQ(getuid(), geteuid());
	CHECK_EQ(getgid(), getegid());
	resuid(&r, &e, &s);
	CHECK_EQ(r, getuid());
	CHECK_EQ(e, geteuid());
	CHECK_RAW_ERR(syscall(SYS_getresuid, BAD_PTR, &e, &s), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_getresgid, &rg, &eg, BAD_PTR), EFAULT);
	if (ON_JINY) {
		CHECK_EQ(getuid(), 0);
		CHECK_EQ(getgid(), 0);
		CHECK_EQ(getgroups(0, NULL), 0);
	}
	CHECK_RAW_ERR(syscall(SYS_getgroups, -1, NULL), EINVAL);
	if (!is_root) {
		printf("ids: not root on this host: the set*id checks are skipped\n");
		return;
	}
	gid_t saved_groups[64];
	int nsaved = getgroups(64, saved_groups);
	CHECK(nsaved >= 0);

	/* groups: kept sorted, EINVAL when the caller's array is too small */
	gid_t g[3] = { 50, 30, 40 }, out[8];
	CHECK_OK(setgroups(3, g));
	CHECK_EQ(getgroups(0, NULL), 3);
	CHECK_EQ(getgroups(8, out), 3);
	CHECK(out[0] == 30 && out[1] == 40 && out[2] == 50);
	CHECK_ERR(getgroups(2, out), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_setgroups, 1, BAD_PTR), EFAULT);
	const char *st = fs_get("/proc/self/status");
	CHECK(st && strstr(st, "\nGroups:\t30 40 50 \n"));
	CHECK_OK(setgroups(0, NULL));
	CHECK_EQ(getgroups(0, NULL), 0);

	/* gids, as root */
	CHECK_OK(setresgid(100, 101, 102));
	CHECK_OK(getresgid(&rg, &eg, &sg));
	CHECK(rg == 100 && eg == 101 && sg == 102);
	CHECK_EQ(getegid(), 101);
	CHECK_OK(setgid(0)); /* root: all three */
	CHECK_OK(getresgid(&rg, &eg, &sg));
	CHECK(rg == 0 && eg == 0 && sg == 0);
	CHECK_OK(setregid(7, 8));
	CHECK_OK(getresgid(&rg, &eg, &sg));
	CHECK(rg == 7 && eg == 8 && sg == 8); /* saved follows when the real one is set */
	CHECK_OK(setresgid(0, 0, 0));

	/* fsuid: setfsuid returns the old value and never fails */
	CHECK_EQ(setfsuid(1234), 0);
	CHECK_EQ(setfsuid(-1), 1234);
	st = fs_get("/proc/self/status");
	CHECK(st && strstr(st, "\nUid:\t0\t0\t0\t1234\n"));
	CHECK_EQ(setfsuid(0), 1234);

	/* drop the euid, keep a saved 0: the way back is open */
	struct rlimit core_saved, core_lowered = { 0, 1000 };
	CHECK_OK(getrlimit(RLIMIT_CORE, &core_saved));
	if (core_saved.rlim_max != RLIM_INFINITY && core_saved.rlim_max < 1000)
		core_lowered.rlim_max = core_saved.rlim_max;
	CHECK_OK(setrlimit(RLIMIT_CORE, &core_lowered));
	CHECK_OK(setresuid(1000, 1000, 0));
	resuid(&r, &e, &s);
	CHECK(r == 1000 && e == 1000 && s == 0);
	CHECK_EQ(geteuid(), 1000);
	if (ON_JINY) { /* Linux marks the process undumpable: /proc/PID stays root's */
		st = fs_get("/proc/self/status");
		CHECK(st && strstr(st, "\nUid:\t1000\t1000\t0\t1000\n"));
		struct stat sb;
		CHECK_OK(stat("/proc/self", &sb));
		CHECK_EQ(sb.st_uid, 1000);
	}
	CHECK_ERR(setgroups(0, NULL), EPERM);
	CHECK_ERR(setuid(2000), EPERM);        /* neither the real nor the saved uid */
	CHECK_ERR(setresuid(-1, 2000, -1), EPERM);
	CHECK_ERR(setreuid(2000, -1), EPERM);
	CHECK_ERR(setgid(55), EPERM);          /* CAP_SETGID went with the euid */
	struct rlimit up = { 0, core_lowered.rlim_max + 1 };
	CHECK_ERR(setrlimit(RLIMIT_CORE, &up), EPERM); /* no raising without root */
	up.rlim_max--;
	CHECK_OK(setrlimit(RLIMIT_CORE, &up));         /* staying is fine */
	CHECK_OK(setuid(0));                   /* 0 is the saved uid: euid only */
	resuid(&r, &e, &s);
	CHECK(r == 1000 && e == 0 && s == 0);
	CHECK_OK(setresuid(0, 0, 0));          /* root again */
	if (can_raise)
		CHECK_OK(setrlimit(RLIMIT_CORE, &core_saved));
	resuid(&r, &e, &s);
	CHECK(r == 0 && e == 0 && s == 0);

	/* seteuid and back: setreuid(-1, x) moves the saved uid too */
	CHECK_OK(setreuid(-1, 1000));
	resuid(&r, &e, &s);
	CHECK(r == 0 && e == 1000 && s == 1000);
	CHECK_OK(seteuid(0));                  /* the real uid is 0 */
	resuid(&r, &e, &s);
	CHECK(r == 0 && e == 0 && s == 1000);
	CHECK_OK(setresuid(0, 0, 0));
	CHECK_RAW_ERR(syscall(SYS_setuid, -1), EINVAL);

	if (nsaved >= 0)
		setgroups(nsaved, saved_groups);
}

/* The last thing: root gives all its uids away and cannot come back. (On
 * the host in a child, so that the parent may still clean its files up.) */
static void drop_root(void)
{
	uid_t r, e, s;
	if (!is_root)
		return;
#ifdef JINY_HOST_BUILD
	pid_t child = fork();
	if (child > 0) {
		int status = -1;
		CHECK_EQ(waitpid(child, &status, 0), child);
		CHECK_EQ(status, 0);
		return;
	}
	unsigned long f0 = tst_failures;
#endif
	CHECK_OK(setuid(1000));
	resuid(&r, &e, &s);
	CHECK(r == 1000 && e == 1000 && s == 1000);
	CHECK_ERR(setuid(0), EPERM);
	CHECK_ERR(seteuid(0), EPERM);
	CHECK_ERR(setresuid(0, -1, -1), EPERM);
	CHECK_OK(setuid(1000));                /* to one's own uid is fine */
#ifdef JINY_HOST_BUILD
	fflush(stdout);
	_exit(tst_failures != f0);
#endif
}

/* Split a /proc/PID/stat line into its 52 fields (comm without parentheses). */
static int stat_fields(const char *line, char f[64][64])
{
	const char *open = strchr(line, '('), *close = strrchr(line, ')');
	if (!open || !close || close < open)
		return -1;
	int n = 0;
	snprintf(f[n++], 64, "%.*s", (int)(open - line - 1), line);
	snprintf(f[n++], 64, "%.*s", (int)(close - open - 1), open + 1);
	for (const char *p = close + 1; *p && n < 64;) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		int len = (int)strcspn(p, " \n");
		snprintf(f[n++], 64, "%.*s", len, p);
		p += len;
	}
	return n;
}

static void procfs(void)
{
	char buf[256], want[32];
	int pid = getpid();
	if (ON_JINY)
		CHECK_EQ(pid, 1);

	/* /proc/self is a link to our pid */
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "%d", pid);
	CHECK_STREQ(buf, want);

	/* stat: as busybox ps reads it */
	static char fields[64][64];
	const char *s = fs_get("/proc/self/stat");
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ(stat_fields(s, fields), 52);
		CHECK_EQ(atoi(fields[0]), pid);
		CHECK_STREQ(fields[1], "tst-ids");
		CHECK_STREQ(fields[2], "R");
		CHECK_EQ(atoi(fields[19]), 1);            /* num_threads */
		CHECK(atol(fields[13]) + atol(fields[14]) >= 20); /* utime + stime: busy() ran */
		CHECK(atol(fields[21]) >= 0);             /* start time */
		CHECK(strtoul(fields[22], NULL, 10) > 0); /* vsize */
		char comm[64], state;
		int p2, ppid, pgid, sid, tty;
		CHECK_EQ(sscanf(s, "%d (%63[^)]) %c %d %d %d %d", &p2, comm, &state, &ppid, &pgid,
				&sid, &tty), 7);
		if (ON_JINY) {
			CHECK_EQ(ppid, 0);
			CHECK_EQ(pgid, 1);
			CHECK_EQ(sid, 1);
		}
	}
	snprintf(buf, sizeof(buf), "/proc/%d/stat", pid);
	s = fs_get(buf);
	CHECK(s && atoi(s) == pid);

	/* status */
	snprintf(buf, sizeof(buf), "/proc/%d/status", pid);
	s = fs_get(buf);
	snprintf(want, sizeof(want), "\nPid:\t%d\n", pid);
	CHECK(s && strstr(s, want));
	CHECK(s && strncmp(s, "Name:\ttst-ids\n", 14) == 0);
	CHECK(s && strstr(s, "\nState:\tR (running)\n"));
	CHECK(s && strstr(s, "\nThreads:\t1\n"));
	CHECK(s && strstr(s, "\nVmRSS:"));
	if (ON_JINY) {
		CHECK(s && strstr(s, "\nUid:\t0\t0\t0\t0\n"));
		CHECK(s && strstr(s, "\nPPid:\t0\n"));
	}

	/* comm, cwd, root, cmdline */
	s = fs_get("/proc/self/comm");
	CHECK_STREQ(s, "tst-ids\n");
	char cwd[256];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = 0;
	CHECK_STREQ(buf, cwd);
	n = readlink("/proc/self/root", buf, sizeof(buf) - 1);
	CHECK(n == 1 && buf[0] == '/');
	int fd = open("/proc/self/cmdline", O_RDONLY);
	CHECK(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	CHECK(n > 0 && buf[n - 1] == 0 && strstr(buf, "tst-ids"));
	close(fd);

	/* /proc lists us; /proc/PID of nobody is not there */
	DIR *d = opendir("/proc");
	CHECK(d != NULL);
	bool found = false, self = false;
	struct dirent *de;
	snprintf(want, sizeof(want), "%d", pid);
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, want))
			found = de->d_type == DT_DIR || de->d_type == DT_UNKNOWN;
		if (!strcmp(de->d_name, "self"))
			self = true;
	}
	if (d)
		closedir(d);
	CHECK(found);
	CHECK(self);
	struct stat sb;
	CHECK_ERR(stat("/proc/999999/status", &sb), ENOENT);
	CHECK_ERR(stat("/proc/999999", &sb), ENOENT);
	CHECK_OK(stat("/proc/self/", &sb));
	CHECK(S_ISDIR(sb.st_mode) && sb.st_uid == geteuid());

	/* fd/ of a pid given by number */
	fd = CHECK_OK(open("/dev/null", O_RDONLY));
	snprintf(want, sizeof(want), "/proc/%d/fd/%d", pid, fd);
	n = readlink(want, buf, sizeof(buf) - 1);
	CHECK(n > 0 && (buf[n] = 0, strcmp(buf, "/dev/null") == 0));
	close(fd);
	CHECK_ERR(readlink(want, buf, sizeof(buf)), ENOENT);

	/* loadavg and stat, as top and uptime read them */
	s = fs_get("/proc/loadavg");
	double l1, l5, l15;
	int run, total, last;
	CHECK(s && sscanf(s, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &total, &last) == 6);
	CHECK(s && run >= 1 && total >= 1);
	s = fs_get("/proc/stat");
	unsigned long long user, nice, sys, idle;
	CHECK(s && sscanf(s, "cpu %llu %llu %llu %llu", &user, &nice, &sys, &idle) == 4);
	CHECK(s && user + sys > 0);
	const char *bt = s ? strstr(s, "\nbtime ") : NULL;
	CHECK(bt && strtoull(bt + 7, NULL, 10) > 0);
	CHECK(s && strstr(s, "\ncpu0 "));
}

int main(void)
{
	fs_begin();
	is_root = geteuid() == 0;
	can_raise = has_sys_resource();
	RUN(limits);
	busy(0.3); /* some CPU time for /proc/self/stat */
	RUN(procfs);
	RUN(accounting);
	RUN(ids);
	RUN(drop_root);
	return fs_end();
}
