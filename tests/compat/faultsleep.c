/*
 * faultsleep: system calls whose user buffers are file pages not yet read
 * in, in several processes at once while another one keeps writing the
 * file. Per Linux, write(2) from a MAP_PRIVATE mapping of a file copies the
 * file's bytes, whatever else touches the file meanwhile.
 *
 * (The bug this guards against: the kernel's page fault on such a buffer
 * reads the page from the file system and may sleep on the file's lock; the
 * depth of exceptions being handled was counted per CPU, so a second
 * thread's fault on that CPU meanwhile was taken for a nested exception and
 * the kernel powered off. Seen in guest.busybox-jobs on a busy host.)
 */
#include "ct.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define FILE_SIZE (2 << 20)
#define WORKERS 4
#define ROUNDS 12

static char path[256], outpath[WORKERS][256];

static unsigned char pattern(size_t i) { return (unsigned char)(i * 7 % 251); }

static int fill(int fd)
{
	static unsigned char buf[65536];
	for (size_t off = 0; off < FILE_SIZE; off += sizeof(buf)) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(off + i);
		if (pwrite(fd, buf, sizeof(buf), (off_t)off) != (ssize_t)sizeof(buf))
			return -1;
	}
	return 0;
}

/* Rewrites the file with the same bytes until killed: it holds the file's lock often. */
static void writer(void)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		_exit(1);
	for (;;)
		if (fill(fd) != 0)
			_exit(2);
}

/* Copies the file through fresh mappings with write(2); returns 0 when every copy was exact. */
static int worker(int w)
{
	int in = open(path, O_RDONLY), bad = 0;
	static unsigned char back[65536];
	if (in < 0)
		return 1;
	for (int r = 0; r < ROUNDS && !bad; r++) {
		unsigned char *m = mmap(NULL, FILE_SIZE, PROT_READ, MAP_PRIVATE, in, 0);
		int out = open(outpath[w], O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (m == MAP_FAILED || out < 0)
			return 2;
		/* 64 KiB at a time: each write faults on 16 pages in the kernel. */
		for (size_t off = 0; off < FILE_SIZE; off += 65536)
			if (write(out, m + off, 65536) != 65536)
				bad = 3;
		for (size_t off = 0; off < FILE_SIZE && !bad; off += sizeof(back)) {
			if (pread(out, back, sizeof(back), (off_t)off) != (ssize_t)sizeof(back))
				bad = 4;
			for (size_t i = 0; i < sizeof(back) && !bad; i++)
				if (back[i] != pattern(off + i))
					bad = 5;
		}
		munmap(m, FILE_SIZE);
		close(out);
	}
	close(in);
	return bad;
}

int main(void)
{
	snprintf(path, sizeof(path), "%s/faultsleep.dat", ct_tmpdir());
	for (int w = 0; w < WORKERS; w++)
		snprintf(outpath[w], sizeof(outpath[w]), "%s/faultsleep.%d", ct_tmpdir(), w);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && fill(fd) == 0, "a 2 MiB file with a known pattern");
	close(fd);

	ct_section("workers");
	pid_t wr = fork();
	if (wr == 0)
		writer();
	pid_t pids[WORKERS];
	for (int w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0)
			_exit(worker(w));
	}
	for (int w = 0; w < WORKERS; w++) {
		int st = 0;
		CHECK_EQ(waitpid(pids[w], &st, 0), pids[w], "waitpid(worker)");
		CHECK_WAIT(st, "exit 0", "a worker's copies through fresh file mappings are exact");
	}
	kill(wr, SIGKILL);
	int st = 0;
	CHECK_EQ(waitpid(wr, &st, 0), wr, "waitpid(writer)");
	CHECK_WAIT(st, "signal 9", "the writer ran until killed");
	unlink(path);
	for (int w = 0; w < WORKERS; w++)
		unlink(outpath[w]);
	return ct_done();
}
