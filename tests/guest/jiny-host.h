/*
 * jiny-host.h - <jiny/jiny.h> for the guest tests, with a host stand-in.
 *
 * A test that calls the public API includes this instead of <jiny/jiny.h>.
 * In a Jiny build it is just that header. In a host build (build-app.sh with
 * JINY_HOST_BUILD=1 defines JINY_HOST_BUILD) it declares the same API and
 * emulates it on Linux closely enough to check the test's own logic:
 *   - pinning and parking are sched_setaffinity() on the threads of the
 *     process (a parked CPU is removed from every thread's mask; a thread
 *     pinned to a parked CPU may run on any online one, as on Jiny);
 *   - jiny_thread_info() reads /proc/self/task/TID/{stat,status}
 *     (cpu = "processor", preemptions = nonvoluntary context switches);
 *   - priorities are only remembered (Linux has no HP class for us);
 *   - CPU statistics other than 'parked' are zero.
 * Not thread-safe against concurrent park/unpark/pin calls from several
 * threads (one mutex covers the table, not the affinity updates).
 */
#ifndef JINY_TST_JINY_HOST_H
#define JINY_TST_JINY_HOST_H

#ifndef JINY_HOST_BUILD
#include <jiny/jiny.h>
#else

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#define JINY_PRIO_HP 0
#define JINY_PRIO_NORMAL 1

struct jiny_cpu_stats {
	uint64_t timer_irqs;
	uint64_t irqs;
	uint64_t context_switches;
	uint64_t preemptions;
	uint64_t idle_ns;
	uint32_t nr_ready;
	uint32_t parked;
};

struct jiny_thread_info {
	int tid;
	int cpu;
	int priority;
	int pinned_cpu;
	uint64_t run_ns;
	uint64_t switches;
	uint64_t preemptions;
	char name[16];
};

#define JH_FN static __attribute__((unused))
#define JH_SLOTS 4096

static struct jh_thread { int tid, pin, prio; } jh_threads[JH_SLOTS];
static pthread_mutex_t jh_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t jh_parked;	/* bit per parked CPU */

JH_FN int jh_gettid(void) { return (int)syscall(SYS_gettid); }

JH_FN int jiny_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 64 ? 64 : (int)n;
}

JH_FN const char *jiny_version(void) { return "host"; }
JH_FN const char *jiny_clock_source(void) { return "host CLOCK_MONOTONIC"; }

JH_FN uint64_t jiny_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* The table slot of 'tid' (created on first use); jh_lock held. */
JH_FN struct jh_thread *jh_slot(int tid)
{
	unsigned i = (unsigned)tid % JH_SLOTS, n;

	for (n = 0; n < JH_SLOTS; n++, i = (i + 1) % JH_SLOTS) {
		if (jh_threads[i].tid == tid)
			return &jh_threads[i];
		if (jh_threads[i].tid == 0) {
			jh_threads[i].tid = tid;
			jh_threads[i].pin = -1;
			jh_threads[i].prio = JINY_PRIO_HP;
			return &jh_threads[i];
		}
	}
	abort();
}

JH_FN int jh_task_exists(int tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d", tid);
	return access(path, F_OK) == 0;
}

/* Give 'tid' the mask its pin and the parked CPUs call for; jh_lock held. */
JH_FN int jh_apply(int tid)
{
	struct jh_thread *t = jh_slot(tid);
	cpu_set_t set;
	int cpu, n = jiny_cpu_count();

	CPU_ZERO(&set);
	if (t->pin >= 0 && !(jh_parked >> t->pin & 1)) {
		CPU_SET(t->pin, &set);
	} else {
		for (cpu = 0; cpu < n; cpu++)
			if (!(jh_parked >> cpu & 1))
				CPU_SET(cpu, &set);
	}
	return sched_setaffinity(tid, sizeof(set), &set) ? -errno : 0;
}

JH_FN void jh_apply_all(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			jh_apply(atoi(e->d_name));
	closedir(d);
}

JH_FN int jiny_cpu_online(int cpu)
{
	if (cpu < 0 || cpu >= jiny_cpu_count())
		return -EINVAL;
	return !(__atomic_load_n(&jh_parked, __ATOMIC_ACQUIRE) >> cpu & 1);
}

JH_FN int jiny_cpu_park(int cpu)
{
	uint64_t all;

	if (cpu < 0 || cpu >= jiny_cpu_count())
		return -EINVAL;
	all = jiny_cpu_count() == 64 ? ~0ull : (1ull << jiny_cpu_count()) - 1;
	pthread_mutex_lock(&jh_lock);
	if ((jh_parked | 1ull << cpu) == all) {
		pthread_mutex_unlock(&jh_lock);
		return -EBUSY;
	}
	__atomic_or_fetch(&jh_parked, 1ull << cpu, __ATOMIC_RELEASE);
	jh_apply_all();
	pthread_mutex_unlock(&jh_lock);
	return 0;
}

JH_FN int jiny_cpu_unpark(int cpu)
{
	if (cpu < 0 || cpu >= jiny_cpu_count())
		return -EINVAL;
	pthread_mutex_lock(&jh_lock);
	__atomic_and_fetch(&jh_parked, ~(1ull << cpu), __ATOMIC_RELEASE);
	jh_apply_all();
	pthread_mutex_unlock(&jh_lock);
	return 0;
}

JH_FN int jiny_cpu_stats(int cpu, struct jiny_cpu_stats *st)
{
	if (cpu < 0 || cpu >= jiny_cpu_count())
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->parked = !jiny_cpu_online(cpu);
	return 0;
}

JH_FN int jiny_thread_pin(int tid, int cpu)
{
	int r;

	if (tid == 0)
		tid = jh_gettid();
	if (cpu < -1 || cpu >= jiny_cpu_count())
		return -EINVAL;
	if (!jh_task_exists(tid))
		return -ESRCH;
	pthread_mutex_lock(&jh_lock);
	jh_slot(tid)->pin = cpu;
	r = jh_apply(tid);
	pthread_mutex_unlock(&jh_lock);
	return r;
}

JH_FN int jiny_thread_set_priority(int tid, int prio)
{
	if (tid == 0)
		tid = jh_gettid();
	if (prio != JINY_PRIO_HP && prio != JINY_PRIO_NORMAL)
		return -EINVAL;
	if (!jh_task_exists(tid))
		return -ESRCH;
	pthread_mutex_lock(&jh_lock);
	jh_slot(tid)->prio = prio;
	pthread_mutex_unlock(&jh_lock);
	return 0;
}

JH_FN int jiny_thread_info(int tid, struct jiny_thread_info *info)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0, vol = 0, nonvol = 0;
	int cpu = -1, i;
	FILE *f;

	if (tid == 0)
		tid = jh_gettid();
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (!(f = fopen(path, "r")))
		return -ESRCH;
	memset(info, 0, sizeof(*info));
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')'))) {
		char *q = strchr(buf, '(');
		size_t n = q ? (size_t)(p - q - 1) : 0;
		if (n >= sizeof(info->name))
			n = sizeof(info->name) - 1;
		if (q)
			memcpy(info->name, q + 1, n);
		/* fields after ")": 3 = state ... 14 = utime, 15 = stime, 39 = processor */
		p += 2;
		for (i = 3; i <= 39 && p; i++) {
			if (i == 14)
				ut = strtoull(p, NULL, 10);
			if (i == 15)
				st = strtoull(p, NULL, 10);
			if (i == 39)
				cpu = atoi(p);
			p = strchr(p, ' ');
			if (p)
				p++;
		}
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	if ((f = fopen(path, "r"))) {
		while (fgets(buf, sizeof(buf), f)) {
			sscanf(buf, "voluntary_ctxt_switches: %llu", &vol);
			sscanf(buf, "nonvoluntary_ctxt_switches: %llu", &nonvol);
		}
		fclose(f);
	}
	info->tid = tid;
	info->cpu = cpu;
	info->run_ns = (ut + st) * (1000000000ull / sysconf(_SC_CLK_TCK));
	info->switches = vol + nonvol;
	info->preemptions = nonvol;
	pthread_mutex_lock(&jh_lock);
	info->priority = jh_slot(tid)->prio;
	info->pinned_cpu = jh_slot(tid)->pin;
	pthread_mutex_unlock(&jh_lock);
	return 0;
}

#endif /* JINY_HOST_BUILD */
#endif
