/*
 * pingpong: context-switch cost between two threads of one process.
 *
 *   pingpong N [MODE[:N]...]  MODE: futex-same futex-cross cond-same cond-cross
 *                             (default: all four); MODE:N sets N from that mode on
 *
 * Two threads hand a turn back and forth N times (a round trip = two hand-
 * overs), either through a futex word (raw FUTEX_WAIT/FUTEX_WAKE, private)
 * or through a pthread mutex + condition variable; both pinned to CPU 0
 * ("same", every hand-over is a switch on one CPU) or to CPUs 0 and 1
 * ("cross", every hand-over is a wake-up of the other CPU). Pinned with
 * sched_setaffinity, which Linux and Jiny both provide; the same source is
 * built for both (bench/ctxsw/run.sh). Prints one line per mode:
 *
 *   futex-same: 100000 round trips in 1.234 s: 12345 ns per round trip
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static long n;
static int use_cond;
static int cpu_a, cpu_b;

static int turn;			/* 0: ping's turn, 1: pong's */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

static void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s) != 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}

/* Wait until turn == me, then give the turn to the other thread. */
static void hand_over(int me)
{
	if (use_cond) {
		pthread_mutex_lock(&lock);
		while (turn != me)
			pthread_cond_wait(&cond, &lock);
		turn = !me;
		pthread_cond_signal(&cond);
		pthread_mutex_unlock(&lock);
		return;
	}
	while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != me)
		syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, !me, NULL, NULL, 0);
	__atomic_store_n(&turn, !me, __ATOMIC_RELEASE);
	syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *pong(void *arg)
{
	pin(cpu_b);
	for (long i = 0; i < n; i++)
		hand_over(1);
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int run(const char *mode)
{
	pthread_t t;
	double t0, t1;

	use_cond = strncmp(mode, "cond", 4) == 0;
	if (strcmp(mode + (use_cond ? 4 : 5), "-same") == 0) {
		cpu_a = cpu_b = 0;
	} else if (strcmp(mode + (use_cond ? 4 : 5), "-cross") == 0) {
		cpu_a = 0;
		cpu_b = 1;
	} else {
		fprintf(stderr, "pingpong: unknown mode %s\n", mode);
		return 2;
	}
	if (!use_cond && strncmp(mode, "futex", 5) != 0) {
		fprintf(stderr, "pingpong: unknown mode %s\n", mode);
		return 2;
	}
	turn = 0;
	pin(cpu_a);
	if (pthread_create(&t, NULL, pong, NULL) != 0) {
		fprintf(stderr, "pingpong: pthread_create failed\n");
		return 1;
	}
	t0 = now();
	for (long i = 0; i < n; i++)
		hand_over(0);
	pthread_join(t, NULL);
	t1 = now();
	printf("%s: %ld round trips in %.3f s: %.0f ns per round trip\n", mode, n,
	       t1 - t0, (t1 - t0) * 1e9 / n);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *all[] = { "futex-same", "futex-cross", "cond-same", "cond-cross" };
	int r = 0;

	if (argc < 2 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: pingpong N [futex-same|futex-cross|cond-same|cond-cross[:N]...]\n");
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		fprintf(stderr, "pingpong: one CPU only: the cross modes will fail\n");
	if (argc == 2)
		for (int i = 0; i < 4 && !r; i++)
			r = run(all[i]);
	for (int i = 2; i < argc && !r; i++) {
		char mode[32], *colon;
		snprintf(mode, sizeof(mode), "%s", argv[i]);
		if ((colon = strchr(mode, ':'))) {
			*colon = 0;
			if ((n = atol(colon + 1)) <= 0) {
				fprintf(stderr, "pingpong: bad count in %s\n", argv[i]);
				return 2;
			}
		}
		r = run(mode);
	}
	return r;
}
