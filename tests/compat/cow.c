/*
 * cow: copy-on-write after fork. Parent and child write the same pages at
 * the same time and each sees only its own writes; pages neither writes stay
 * shared and intact; 1024-page regions; .data, .bss, stack and heap; writes
 * made by the kernel (read(), pread(), clock_gettime(), pipe2() results) into
 * pages shared after fork break the sharing too; three generations; a fork
 * from a second thread (and a thread in that child); shared and private
 * mappings side by side; a file-backed MAP_PRIVATE region; mprotect and
 * munmap in a child leave the parent's mapping alone; 16 children writing
 * one region at once.
 */
#include "ct.h"
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PG 4096UL
#define NPAGES 1024
static const char *tmp;

static char data_arr[8 * 4096] = {1}; /* .data */
static char bss_arr[8 * 4096];        /* .bss */

/* Fill page i of a region with a pattern made of (tag, i). */
static void fill(char *p, size_t npages, int tag)
{
	for (size_t i = 0; i < npages; i++)
		memset(p + i * PG, (char)(tag + i * 13), PG);
}

/* The number of pages whose contents are not (tag, i). */
static int bad_pages(const char *p, size_t npages, int tag)
{
	int bad = 0;

	for (size_t i = 0; i < npages; i++) {
		char want = (char)(tag + i * 13);
		for (size_t j = 0; j < PG; j += 64)
			if (p[i * PG + j] != want || p[i * PG + PG - 1] != want) {
				bad++;
				break;
			}
	}
	return bad;
}

static char *map_anon(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Both processes rewrite all pages at once, after a barrier; then each checks. */
static void both_write(void)
{
	char *w = map_anon(NPAGES * PG, MAP_PRIVATE), *ro = map_anon(64 * PG, MAP_PRIVATE);
	int go[2], done[2];
	pid_t pid;
	char c;

	ct_section("parent and child write the same pages");
	if (!CHECK(w && ro, "mmap 1024 + 64 pages"))
		return;
	fill(w, NPAGES, 1);
	fill(ro, 64, 50);
	pipe(go);
	pipe(done);
	pid = fork();
	if (pid == 0) {
		read(go[0], &c, 1);
		fill(w, NPAGES, 2);
		int bad = bad_pages(w, NPAGES, 2);
		int bad_ro = bad_pages(ro, 64, 50);
		write(done[1], "d", 1);
		read(go[0], &c, 1); /* the parent has checked its own copy by now */
		bad += bad_pages(w, NPAGES, 2);
		_exit((bad ? 1 : 0) | (bad_ro ? 2 : 0));
	}
	write(go[1], "g", 1);
	fill(w, NPAGES, 3);
	read(done[0], &c, 1);
	CHECK_EQ(bad_pages(w, NPAGES, 3), 0, "the parent sees its own writes in all 1024 pages");
	CHECK_EQ(bad_pages(ro, 64, 50), 0, "pages nobody wrote are intact in the parent");
	fill(w, 16, 4); /* and once more, while the child still holds its copy */
	write(go[1], "g", 1);
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0",
		   "the child saw its own writes (1), pages nobody wrote intact (2)");
	CHECK_EQ(bad_pages(w, 16, 4), 0, "the parent's later writes are its own");
	/* after the child is gone the parent is the only owner */
	fill(w, NPAGES, 5);
	CHECK_EQ(bad_pages(w, NPAGES, 5), 0, "writing pages no longer shared");
	munmap(w, NPAGES * PG);
	munmap(ro, 64 * PG);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

static int child_sees_old(void *a)
{
	char *heap = a;
	int bad = 0;

	/* Written by the parent before fork: must be seen. */
	bad |= data_arr[0] != 'D' || data_arr[sizeof(data_arr) - 1] != 'D';
	bad |= bss_arr[100] != 'B' || heap[5000] != 'H';
	CHECK(!bad, "the child sees .data, .bss and heap as they were at fork");
	data_arr[0] = bss_arr[100] = heap[5000] = 'c';
	return ct_child_status();
}

static void segments(void)
{
	char *heap = malloc(3 * PG);
	char stack_arr[3 * 4096];
	pid_t pid;
	int p[2];

	ct_section(".data, .bss, heap, stack");
	memset(data_arr, 'D', sizeof(data_arr));
	memset(bss_arr, 'B', sizeof(bss_arr));
	memset(heap, 'H', 3 * PG);
	memset(stack_arr, 'S', sizeof(stack_arr));
	CHECK_WAIT(ct_child(child_sees_old, heap), "exit 0", "the child's checks");
	CHECK(data_arr[0] == 'D' && bss_arr[100] == 'B' && heap[5000] == 'H',
	      "the child's writes to .data, .bss and heap stay in the child");

	/* The parent writes right after fork; the child, later, sees the old data. */
	pipe(p);
	pid = fork();
	if (pid == 0) {
		char c;
		read(p[0], &c, 1);
		_exit(data_arr[1] == 'D' && stack_arr[10] == 'S' && heap[1] == 'H' ? 0 : 1);
	}
	data_arr[1] = 'P';
	stack_arr[10] = 'P';
	heap[1] = 'P';
	write(p[1], "g", 1);
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0",
		   "writes the parent makes after fork are not seen by the child (stack too)");
	close(p[0]);
	close(p[1]);
	free(heap);
}

/* The kernel writes into pages shared after fork: each side gets its own copy. */
static void kernel_writes(void)
{
	char *w = map_anon(4 * PG, MAP_PRIVATE), path[600];
	int p[2], fd;
	pid_t pid;

	ct_section("the kernel writes into shared pages");
	if (!CHECK(w != NULL, "mmap 4 pages"))
		return;
	memset(w, 'o', 4 * PG);
	snprintf(path, sizeof(path), "%s/file", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(fd, "FILEDATA", 8);
	pipe(p);
	pid = fork();
	if (pid == 0) {
		write(p[1], "PIPEDATA", 8);
		int ok = read(p[0], w + 100, 8) == 8;          /* page 0 */
		ok &= pread(fd, w + PG + 100, 8, 0) == 8;      /* page 1 */
		struct timespec *ts = (void *)(w + 2 * PG + 64); /* page 2 */
		ok &= syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ts) == 0;
		ok &= syscall(SYS_pipe2, (int *)(w + 3 * PG + 64), 0) == 0; /* page 3 */
		ok &= memcmp(w + 100, "PIPEDATA", 8) == 0 && memcmp(w + PG + 100, "FILEDATA", 8) == 0;
		_exit(ok ? 0 : 1);
	}
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0", "in the child: read, pread, clock_gettime, pipe2");
	int untouched = 1;
	for (size_t i = 0; i < 4 * PG; i++)
		untouched &= w[i] == 'o';
	CHECK(untouched, "the parent's pages are untouched by the child's system calls");
	/* and the other way round */
	int q[2];
	pipe(q);
	pid = fork();
	if (pid == 0) {
		char c;
		read(q[0], &c, 1);
		_exit(w[200] == 'o' ? 0 : 1);
	}
	write(p[1], "X", 1);
	read(p[0], w + 200, 1);
	write(q[1], "g", 1);
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0",
		   "the parent's read() into a shared page is not seen by the child");
	CHECK_EQ(w[200], 'X', "the parent has the byte it read");
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(fd);
	unlink(path);
	munmap(w, 4 * PG);
}

/* Three generations, each writing its own mark into the same page. */
static void generations(void)
{
	char *w = map_anon(PG, MAP_PRIVATE);
	pid_t pid;

	ct_section("three generations");
	if (!CHECK(w != NULL, "mmap a page"))
		return;
	w[0] = '1';
	pid = fork();
	if (pid == 0) {
		w[0] = '2';
		pid_t g = fork();
		if (g == 0) {
			int ok = w[0] == '2';
			w[0] = '3';
			_exit(ok && w[0] == '3' ? 0 : 1);
		}
		int st = ct_waitpid(g, 0);
		_exit(st == 0 && w[0] == '2' ? 0 : 1);
	}
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0", "child and grandchild each see their own mark");
	CHECK_EQ(w[0], '1', "the parent keeps its own");
	munmap(w, PG);
}

static char *thr_region;
static int thr_status = -1;

static void *thr_noop(void *a)
{
	return a;
}

static void *forking_thread(void *a)
{
	pid_t pid;

	thr_region[0] = 'T'; /* written by this thread before the fork */
	pid = fork();
	if (pid == 0) {
		int ok = thr_region[0] == 'T' && thr_region[PG] == 'm';
		thr_region[0] = thr_region[PG] = 'c';
		pthread_t t;
		void *r = NULL;
		/* the child has one thread; it can make another */
		ok &= pthread_create(&t, NULL, thr_noop, (void *)7) == 0 && pthread_join(t, &r) == 0 &&
		      r == (void *)7;
		_exit(ok ? 0 : 1);
	}
	thr_status = ct_waitpid(pid, 0);
	return NULL;
}

static void fork_from_thread(void)
{
	pthread_t t;

	ct_section("fork from a second thread");
	thr_region = map_anon(2 * PG, MAP_PRIVATE);
	if (!CHECK(thr_region != NULL, "mmap 2 pages"))
		return;
	thr_region[PG] = 'm'; /* written by the main thread */
	CHECK_EQ(pthread_create(&t, NULL, forking_thread, NULL), 0, "pthread_create");
	pthread_join(t, NULL);
	CHECK_WAIT(thr_status, "exit 0",
		   "the child of a thread sees both threads' writes and can make a thread");
	CHECK(thr_region[0] == 'T' && thr_region[PG] == 'm', "the child's writes stay in the child");
	munmap(thr_region, 2 * PG);
}

static void mixed_and_file(void)
{
	char *priv = map_anon(PG, MAP_PRIVATE), *shr = map_anon(PG, MAP_SHARED), path[600];
	pid_t pid;

	ct_section("shared beside private; file MAP_PRIVATE");
	if (!CHECK(priv && shr, "mmap private and shared"))
		return;
	priv[0] = shr[0] = 'p';
	pid = fork();
	if (pid == 0) {
		priv[0] = shr[0] = 'c';
		_exit(0);
	}
	ct_waitpid(pid, 0);
	CHECK(priv[0] == 'p' && shr[0] == 'c', "after fork: private is copied, shared is shared");

	snprintf(path, sizeof(path), "%s/mapped", tmp);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char page[4096];
	memset(page, 'f', sizeof(page));
	write(fd, page, sizeof(page));
	char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (CHECK(m != MAP_FAILED, "mmap a file MAP_PRIVATE")) {
		m[1] = 'p';
		pid = fork();
		if (pid == 0) {
			int ok = m[1] == 'p' && m[2] == 'f';
			m[1] = m[2] = 'c';
			_exit(ok ? 0 : 1);
		}
		CHECK_WAIT(ct_waitpid(pid, 0), "exit 0", "the child sees the file and the parent's write");
		CHECK(m[1] == 'p' && m[2] == 'f', "the child's writes stay in the child");
		char c = 0;
		CHECK(pread(fd, &c, 1, 2) == 1 && c == 'f', "and do not reach the file");
		munmap(m, PG);
	}
	close(fd);
	unlink(path);

	/* mprotect and munmap in a child do not change the parent's mapping. */
	pid = fork();
	if (pid == 0) {
		mprotect(priv, PG, PROT_READ);
		munmap(shr, PG);
		_exit(0);
	}
	ct_waitpid(pid, 0);
	struct ct_fault f;
	CHECK(!ct_catch(ct_do_write, priv, &f), "the child's mprotect left the parent's page writable");
	CHECK(!ct_catch(ct_do_read, shr, &f), "the child's munmap left the parent's page mapped");
	munmap(priv, PG);
	munmap(shr, PG);
}

/* 16 children write all pages of one region at once, each its own pattern. */
static void many_children(void)
{
	enum { KIDS = 16, PAGES = 64 };
	char *w = map_anon(PAGES * PG, MAP_PRIVATE);
	pid_t pids[KIDS];
	int go[2], ok = 1;

	ct_section("16 children at once");
	if (!CHECK(w != NULL, "mmap 64 pages"))
		return;
	fill(w, PAGES, 100);
	pipe(go);
	for (int k = 0; k < KIDS; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			char c;
			close(go[1]);
			read(go[0], &c, 1); /* EOF: everybody starts */
			for (int round = 0; round < 3; round++) {
				fill(w, PAGES, 10 * k + round);
				if (bad_pages(w, PAGES, 10 * k + round))
					_exit(1);
				sched_yield();
			}
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int k = 0; k < KIDS; k++)
		ok &= ct_waitpid(pids[k], 0) == 0;
	CHECK(ok, "each child saw only its own writes, three rounds");
	CHECK_EQ(bad_pages(w, PAGES, 100), 0, "the parent's copy is intact");
	munmap(w, PAGES * PG);
}

int main(int argc, char **argv)
{
	ct_start(argc, argv);
	tmp = ct_tmpdir();
	both_write();
	segments();
	kernel_writes();
	generations();
	fork_from_thread();
	mixed_and_file();
	many_children();
	rmdir(tmp);
	return ct_done();
}
