/*
 * tst-fs-pipes: the file-system conformance suite, pipes (Linux semantics;
 * also run on the host as host.fs-pipes): pipe/pipe2, EOF when the writers
 * are gone, EPIPE when the readers are, O_NONBLOCK (EAGAIN), writes of up
 * to PIPE_BUF bytes never interleaved, blocking reads and writes woken by
 * another thread, and producer/consumer threads moving megabytes through
 * one pipe and through a ring of pipes, checked with checksums.
 */
// EXPECT: ^tst: tst-fs-pipes: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
// TIMEOUT: 600
// VARIANT: smp1 --smp 1
// VARIANT: smp4 --smp 4
#include "fstest.h"
#include <pthread.h>
#include <signal.h>
#include <time.h>

static void basics(void)
{
	int p[2];
	char buf[128];
	struct stat st;

	CHECK_OK(pipe(p));
	CHECK(p[0] >= 0 && p[1] >= 0 && p[0] != p[1]);
	CHECK_OK(fstat(p[0], &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_EQ(read(p[0], buf, 2), 2);
	CHECK_EQ(read(p[0], buf + 2, sizeof(buf) - 2), 3);  /* a short read: what is there */
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_ERR(write(p[0], "x", 1), EBADF);
	CHECK_ERR(read(p[1], buf, 1), EBADF);
	/* EOF once every writer is closed (a dup counts) */
	int w2 = CHECK_OK(dup(p[1]));
	CHECK_OK(close(p[1]));
	CHECK_EQ(write(w2, "z", 1), 1);
	CHECK_OK(close(w2));
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	CHECK_OK(close(p[0]));
	/* EPIPE (SIGPIPE ignored) once the readers are gone */
	signal(SIGPIPE, SIG_IGN);
	CHECK_OK(pipe(p));
	CHECK_OK(close(p[0]));
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	CHECK_OK(close(p[1]));
	/* zero-length I/O */
	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "", 0), 0);
	CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	CHECK_ERR(read(p[0], buf, 1), EAGAIN);
	CHECK_EQ(read(p[0], buf, 0), 0);
	close(p[0]);
	close(p[1]);
	CHECK_RAW_ERR(syscall(SYS_pipe, BAD_PTR), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_pipe2, KERNEL_PTR, 0), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_pipe2, p, 0x4000000), EINVAL);
}

static void nonblocking_capacity(void)
{
	int p[2];
	char *buf = malloc(1 << 20);
	ssize_t n, total = 0;

	CHECK_OK(pipe2(p, O_NONBLOCK));
	memset(buf, 'a', 1 << 20);
	/* fill it: Linux takes 64 KiB by default; any capacity >= PIPE_BUF is fine */
	while ((n = write(p[1], buf, 4096)) > 0)
		total += n;
	CHECK_EQ(errno, EAGAIN);
	CHECK(total >= PIPE_BUF);
	printf("pipe capacity: %zd bytes\n", total);
	/* a write of PIPE_BUF bytes or less is all or nothing */
	CHECK_OK(read(p[0], buf, 100));
	CHECK_ERR(write(p[1], buf, PIPE_BUF), EAGAIN);
	/* a bigger nonblocking write takes what fits */
	CHECK_OK(read(p[0], buf, PIPE_BUF * 2));
	n = write(p[1], buf, 1 << 20);
	CHECK(n >= PIPE_BUF && n < (1 << 20));
	/* drain it all */
	total = 0;
	while ((n = read(p[0], buf, 1 << 20)) > 0)
		total += n;
	CHECK_EQ(errno, EAGAIN);
	close(p[0]);
	close(p[1]);
	free(buf);
}

/* ---- threads ---- */

struct xfer {
	int fd;
	size_t bytes;
	uint64_t hash;
	size_t chunk;
	int err;
};

static void *producer(void *arg)
{
	struct xfer *x = arg;
	unsigned char buf[8192];
	size_t done = 0;
	uint32_t r = 7;

	x->hash = FS_HASH_INIT;
	while (done < x->bytes) {
		r = r * 1103515245 + 12345;
		size_t n = x->chunk ? x->chunk : 1 + (r >> 8) % sizeof(buf);
		if (n > x->bytes - done)
			n = x->bytes - done;
		fs_pattern(buf, n, done, 99);
		x->hash = fs_hash(x->hash, buf, n);
		for (size_t off = 0; off < n;) {
			ssize_t w = write(x->fd, buf + off, n - off);
			if (w <= 0) {
				x->err = errno;
				return NULL;
			}
			off += w;
		}
		done += n;
	}
	close(x->fd);
	return NULL;
}

static void *consumer(void *arg)
{
	struct xfer *x = arg;
	unsigned char buf[5000];
	ssize_t n;

	x->hash = FS_HASH_INIT;
	x->bytes = 0;
	while ((n = read(x->fd, buf, 1 + x->bytes % sizeof(buf))) > 0) {
		x->hash = fs_hash(x->hash, buf, n);
		x->bytes += n;
	}
	if (n < 0)
		x->err = errno;
	return NULL;
}

static void producer_consumer(void)
{
	int p[2];
	pthread_t tp, tc;
	struct xfer wx = { 0 }, rx = { 0 };

	CHECK_OK(pipe(p));
	wx.fd = p[1], wx.bytes = 8 << 20;
	rx.fd = p[0];
	CHECK_EQ(pthread_create(&tc, NULL, consumer, &rx), 0);
	CHECK_EQ(pthread_create(&tp, NULL, producer, &wx), 0);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	close(p[0]);
	CHECK_EQ(wx.err, 0);
	CHECK_EQ(rx.err, 0);
	CHECK_EQ(rx.bytes, 8 << 20);
	CHECK_EQ(rx.hash, wx.hash);
}

/* Several writers of PIPE_BUF-sized records: no record is torn. */
struct rec_writer {
	int fd, id, count;
};

static void *rec_write(void *arg)
{
	struct rec_writer *w = arg;
	char rec[PIPE_BUF];

	for (int i = 0; i < w->count; i++) {
		memset(rec, 'A' + w->id, sizeof(rec));
		rec[0] = (char)w->id;
		if (write(w->fd, rec, sizeof(rec)) != sizeof(rec))
			return (void *)1;
	}
	return NULL;
}

static void atomic_records(void)
{
	int p[2];
	pthread_t t[4];
	struct rec_writer w[4];
	char rec[PIPE_BUF];
	int counts[4] = { 0 }, torn = 0;

	CHECK_OK(pipe(p));
	for (int i = 0; i < 4; i++) {
		w[i] = (struct rec_writer){ p[1], i, 200 };
		CHECK_EQ(pthread_create(&t[i], NULL, rec_write, &w[i]), 0);
	}
	for (int got = 0; got < 800; got++) {
		size_t have = 0;
		while (have < sizeof(rec)) {
			ssize_t n = read(p[0], rec + have, sizeof(rec) - have);
			if (n <= 0)
				break;
			have += n;
		}
		int id = rec[0];
		if (have != sizeof(rec) || id < 0 || id > 3) {
			torn++;
			break;
		}
		for (size_t k = 1; k < sizeof(rec); k++)
			if (rec[k] != 'A' + id) {
				torn++;
				break;
			}
		counts[id]++;
	}
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		CHECK(r == NULL);
		CHECK_EQ(counts[i], 200);
	}
	CHECK_EQ(torn, 0);
	close(p[0]);
	close(p[1]);
}

/* A blocked reader is woken by a write, a blocked writer by a read, a reader by the last close. */
static int wake_fd;
static void *late_writer(void *arg)
{
	struct timespec ts = { 0, 50 * 1000000 };
	nanosleep(&ts, NULL);
	if (write(wake_fd, "w", 1) != 1)
		return (void *)1;
	nanosleep(&ts, NULL);
	close(wake_fd);
	return NULL;
}

static void blocking_wakeups(void)
{
	int p[2];
	pthread_t t;
	char c;

	CHECK_OK(pipe(p));
	wake_fd = p[1];
	CHECK_EQ(pthread_create(&t, NULL, late_writer, NULL), 0);
	CHECK_EQ(read(p[0], &c, 1), 1);         /* blocks until the write */
	CHECK_EQ(c, 'w');
	CHECK_EQ(read(p[0], &c, 1), 0);         /* blocks until the close */
	pthread_join(t, NULL);
	close(p[0]);
}

/* A ring of 4 threads passing a token through 4 pipes, 2000 times round. */
struct ring_arg {
	int in, out, rounds;
	long sum;
};

static void *ring_node(void *arg)
{
	struct ring_arg *a = arg;
	long v;

	for (int i = 0; i < a->rounds; i++) {
		if (read(a->in, &v, sizeof(v)) != sizeof(v))
			return (void *)1;
		a->sum += v;
		v++;
		if (write(a->out, &v, sizeof(v)) != sizeof(v))
			return (void *)1;
	}
	return NULL;
}

static void ring(void)
{
	int p[4][2];
	pthread_t t[3];
	struct ring_arg a[3];
	long v = 0;
	int rounds = 2000;

	for (int i = 0; i < 4; i++)
		CHECK_OK(pipe(p[i]));
	for (int i = 0; i < 3; i++) {
		a[i] = (struct ring_arg){ p[i][0], p[i + 1][1], rounds, 0 };
		CHECK_EQ(pthread_create(&t[i], NULL, ring_node, &a[i]), 0);
	}
	for (int i = 0; i < rounds; i++) {
		if (!CHECK_EQ(write(p[0][1], &v, sizeof(v)), sizeof(v)) ||
		    !CHECK_EQ(read(p[3][0], &v, sizeof(v)), sizeof(v)))
			break;
		v++;
	}
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(t[i], &r);
		CHECK(r == NULL);
	}
	CHECK_EQ(v, 4L * rounds);
	for (int i = 0; i < 4; i++)
		close(p[i][0]), close(p[i][1]);
}

int main(void)
{
	fs_begin();
	RUN(basics);
	RUN(nonblocking_capacity);
	RUN(producer_consumer);
	RUN(atomic_records);
	RUN(blocking_wakeups);
	RUN(ring);
	return fs_end();
}
