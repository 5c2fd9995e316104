/*
 * devnull: JINY's system-call benchmark, done honestly.
 *
 *     devnull [LOOPS]      (default 1000000)
 *
 * /dev/null is opened O_RDWR (JINY's original opened it read-only, so on
 * Linux every write failed with EBADF and was never measured). Each loop
 * does write(fd, buf, 40), which must return 40, then read(fd, buf, 40),
 * which must return 0 (end of file): a failed call stops the program with
 * status 1. It prints the time per system call, total / (2 x LOOPS), and
 * the cost of the cheapest call, getppid(), over the same number of calls.
 * The same source builds as a Jiny image and as a static Linux program.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static char buf[4096];
	long loops = argc > 1 ? atol(argv[1]) : 1000000;
	volatile long sink = 0;
	double t0, t1, t2;
	int fd;

	if (loops <= 0) {
		fprintf(stderr, "usage: devnull [LOOPS > 0]\n");
		return 2;
	}
	fd = open("/dev/null", O_RDWR);
	if (fd < 0) {
		perror("devnull: open /dev/null O_RDWR");
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	t0 = now_ns();
	for (long i = 0; i < loops; i++) {
		ssize_t w = write(fd, buf, 40), r = read(fd, buf, 40);
		if (w != 40 || r != 0) {
			fprintf(stderr, "devnull: loop %ld: write gave %zd (want 40), read gave %zd "
				"(want 0)\n", i, w, r);
			return 1;
		}
	}
	t1 = now_ns();
	for (long i = 0; i < 2 * loops; i++)
		sink += getppid();
	t2 = now_ns();
	close(fd);
	printf("devnull: %ld loops of write+read of 40 bytes on /dev/null (O_RDWR)\n", loops);
	printf("devnull: %.1f ns per read/write system call\n", (t1 - t0) / (2.0 * loops));
	printf("devnull: %.1f ns per getppid() call\n", (t2 - t1) / (2.0 * loops));
	return sink == -1;
}
