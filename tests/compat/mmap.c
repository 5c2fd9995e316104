/*
 * mmap: the address space of a ring-3 process - anonymous private and shared
 * mappings (also across fork), argument errors, MAP_FIXED and
 * MAP_FIXED_NOREPLACE, holes made by munmap, mprotect (split ranges, faults
 * with SEGV_ACCERR, /proc/self/maps), mremap (in place, moving, shrinking,
 * MREMAP_FIXED; contents kept), brk, madvise(MADV_DONTNEED), file-backed
 * MAP_PRIVATE mappings (contents, offset, zeroed tail, private writes), an
 * executable mapping, and a large lazily filled mapping.
 */
#include "ct.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#endif

#define PG 4096UL
static const char *tmp;

static char *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int all_bytes(const char *p, size_t len, int v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (char)v)
			return 0;
	return 1;
}

/* The fault that touching p makes (write if w), checked: signal, code, address. */
static int check_access(char *p, int w, int signo, int code, int line, const char *what)
{
	struct ct_fault f;
	int faulted = ct_catch(w ? ct_do_write : ct_do_read, p, &f);

	return ct_check_fault(faulted, &f, signo, code, code, p, 0, line, what);
}
#define CHECK_SEGV(p, w, code, what) check_access((char *)(p), w, SIGSEGV, code, __LINE__, what)
#define CHECK_NOFAULT(p, w, what)                                                                \
	({                                                                                       \
		struct ct_fault f_;                                                              \
		int r_ = ct_catch((w) ? ct_do_write : ct_do_read, (void *)(p), &f_);              \
		char d_[200];                                                                    \
		snprintf(d_, sizeof(d_), "signal %d code %d at %p", f_.signo, f_.code, f_.addr); \
		ct_report(!r_, __LINE__, what, d_);                                              \
	})

static void anon(void)
{
	char *p;

	ct_section("anonymous mappings");
	p = map_anon(4 * PG, PROT_READ | PROT_WRITE);
	CHECK(p != NULL, "mmap 4 pages, anonymous private");
	if (!p)
		return;
	CHECK(((unsigned long)p & (PG - 1)) == 0, "page-aligned");
	CHECK(all_bytes(p, 4 * PG, 0), "zero-filled");
	memset(p, 0xa5, 4 * PG);
	CHECK(all_bytes(p, 4 * PG, 0xa5), "written and read back");
	CHECK_OK(munmap(p, 4 * PG), "munmap");
	CHECK_SEGV(p, 0, SEGV_MAPERR, "an unmapped page faults (SEGV_MAPERR)");

	char *big = map_anon(64 << 20, PROT_READ | PROT_WRITE);
	CHECK(big != NULL, "a 64 MiB mapping (filled lazily)");
	if (big) {
		int ok = 1;
		for (size_t off = 0; off < (64 << 20); off += 4 << 20) {
			ok &= big[off] == 0;
			big[off] = 1;
			big[off + PG - 1] = 2;
		}
		for (size_t off = 0; off < (64 << 20); off += 4 << 20)
			ok &= big[off] == 1 && big[off + PG - 1] == 2 && big[off + PG] == 0;
		CHECK(ok, "touching 16 pages of it: zero, then what was written");
		munmap(big, 64 << 20);
	}

	ct_section("mmap errors");
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
		      errno == EINVAL,
	      "length 0: EINVAL");
	CHECK(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL,
	      "neither MAP_PRIVATE nor MAP_SHARED: EINVAL");
	CHECK(mmap((void *)0x10000123, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		   0) == MAP_FAILED &&
		      errno == EINVAL,
	      "MAP_FIXED at an unaligned address: EINVAL");
	CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED && errno == EBADF,
	      "a file mapping of a bad fd: EBADF");
	CHECK_ERR(munmap(p + 1, PG), EINVAL, "munmap at an unaligned address: EINVAL");
	CHECK_ERR(munmap(p, 0), EINVAL, "munmap of length 0: EINVAL");
}

static void fixed_and_holes(void)
{
	char *p = map_anon(8 * PG, PROT_READ | PROT_WRITE), *q;

	ct_section("MAP_FIXED and holes");
	if (!CHECK(p != NULL, "mmap 8 pages"))
		return;
	memset(p, 'A', 8 * PG);
	q = mmap(p + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	CHECK(q == p + 2 * PG, "MAP_FIXED returns exactly the address asked for");
	CHECK(all_bytes(p + 2 * PG, 2 * PG, 0), "the replaced pages are new (zero)");
	CHECK(all_bytes(p, 2 * PG, 'A') && all_bytes(p + 4 * PG, 4 * PG, 'A'),
	      "the pages around them are untouched");
	q = mmap(p + 5 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping: EEXIST");

	CHECK_OK(munmap(p + 4 * PG, PG), "munmap one page in the middle");
	CHECK_SEGV(p + 4 * PG + 100, 0, SEGV_MAPERR, "the hole faults (SEGV_MAPERR) at the address");
	CHECK_NOFAULT(p + 3 * PG + PG - 1, 1, "the page below the hole is still there");
	CHECK_NOFAULT(p + 5 * PG, 1, "the page above the hole is still there");
	CHECK(p[5 * PG + 1] == 'A', "with its contents");
	CHECK_OK(munmap(p + 4 * PG, PG), "munmap of a hole again: not an error");
	q = mmap(p + 4 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0);
	CHECK(q == p + 4 * PG, "MAP_FIXED_NOREPLACE fills the hole");
	CHECK(q != MAP_FAILED && all_bytes(q, PG, 0), "with a zero page");
	munmap(p, 8 * PG);
	CHECK_SEGV(p + 7 * PG, 0, SEGV_MAPERR, "after munmap of the whole range it faults");
}

/* The permissions /proc/self/maps shows for the mapping that contains a, or "". */
static const char *maps_perms(void *a)
{
	static char perms[8];
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = 0;
	if (!f)
		return perms;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char pr[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && (unsigned long)a >= lo &&
		    (unsigned long)a < hi) {
			snprintf(perms, sizeof(perms), "%s", pr);
			break;
		}
	}
	fclose(f);
	return perms;
}

static void protect(void)
{
	char *p = map_anon(3 * PG, PROT_READ | PROT_WRITE);

	ct_section("mprotect");
	if (!CHECK(p != NULL, "mmap 3 pages"))
		return;
	memset(p, 'm', 3 * PG);
	CHECK_OK(mprotect(p + PG, PG, PROT_READ), "mprotect the middle page read-only");
	CHECK_SEGV(p + PG + 10, 1, SEGV_ACCERR, "writing it faults with SEGV_ACCERR at the address");
	CHECK_NOFAULT(p + PG + 10, 0, "reading it works");
	CHECK(p[PG + 10] == 'm', "and the contents are kept");
	CHECK_NOFAULT(p + 10, 1, "the page before is still writable");
	CHECK_NOFAULT(p + 2 * PG + 10, 1, "the page after is still writable");
	CHECK(strcmp(maps_perms(p), "rw-p") == 0, "/proc/self/maps: rw-p before");
	CHECK(strcmp(maps_perms(p + PG), "r--p") == 0, "/proc/self/maps: r--p for the middle page");
	CHECK(strcmp(maps_perms(p + 2 * PG), "rw-p") == 0, "/proc/self/maps: rw-p after");
	CHECK_OK(mprotect(p + PG, PG, PROT_NONE), "mprotect PROT_NONE");
	CHECK_SEGV(p + PG, 0, SEGV_ACCERR, "reading a PROT_NONE page faults with SEGV_ACCERR");
	CHECK(strcmp(maps_perms(p + PG), "---p") == 0, "/proc/self/maps: ---p");
	CHECK_OK(mprotect(p, 3 * PG, PROT_READ | PROT_WRITE), "mprotect all back to read-write");
	CHECK_NOFAULT(p + PG + 10, 1, "the middle page is writable again");
	CHECK(p[11] == 'm' && p[PG + 11] == 'm' && p[2 * PG + 11] == 'm',
	      "nothing was lost on the way");
	/* the system call: musl's mprotect() rounds the address down */
	CHECK_ERR(syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL,
		  "mprotect at an unaligned address: EINVAL");
	munmap(p + PG, PG);
	CHECK_ERR(mprotect(p, 3 * PG, PROT_READ), ENOMEM, "mprotect over a hole: ENOMEM");
	munmap(p, 3 * PG);

	/* An executable mapping: "mov $42, %eax; ret" */
	static const unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
	char *x = map_anon(PG, PROT_READ | PROT_WRITE);
	if (x) {
		memcpy(x, code, sizeof(code));
		CHECK_OK(mprotect(x, PG, PROT_READ | PROT_EXEC), "mprotect PROT_READ|PROT_EXEC");
		CHECK_EQ(((int (*)(void))(void *)x)(), 42, "code written to a mapping runs");
		munmap(x, PG);
	}
}

static void remap(void)
{
	char *p, *q, *r;

	ct_section("mremap");
	/* In place: room above (the upper 12 of 16 pages are given back). */
	p = map_anon(16 * PG, PROT_READ | PROT_WRITE);
	if (!CHECK(p != NULL, "mmap 16 pages"))
		return;
	munmap(p + 4 * PG, 12 * PG);
	memset(p, 'i', 4 * PG);
	q = mremap(p, 4 * PG, 8 * PG, 0);
	CHECK(q == p, "growing with free room above: in place");
	if (q != MAP_FAILED) {
		CHECK(all_bytes(q, 4 * PG, 'i'), "the old pages keep their contents");
		CHECK(all_bytes(q + 4 * PG, 4 * PG, 0), "the new pages are zero");
		munmap(q, 8 * PG);
	}

	/* Moving: a mapping right above blocks growth in place. */
	p = map_anon(4 * PG, PROT_READ | PROT_WRITE);
	if (!CHECK(p != NULL, "mmap 4 pages"))
		return;
	munmap(p + 3 * PG, PG);
	r = mmap(p + 3 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	for (int i = 0; i < 3; i++)
		memset(p + i * PG, 'a' + i, PG);
	q = mremap(p, 3 * PG, 10 * PG, 0);
	CHECK(q == MAP_FAILED && errno == ENOMEM, "growing in place when blocked: ENOMEM");
	q = mremap(p, 3 * PG, 10 * PG, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q != p, "MREMAP_MAYMOVE moves it");
	if (q == MAP_FAILED)
		return;
	CHECK(all_bytes(q, PG, 'a') && all_bytes(q + PG, PG, 'b') && all_bytes(q + 2 * PG, PG, 'c'),
	      "the moved pages keep their contents, in order");
	CHECK(all_bytes(q + 3 * PG, 7 * PG, 0), "the added pages are zero");
	CHECK_SEGV(p, 0, SEGV_MAPERR, "the old address is unmapped");
	CHECK_NOFAULT(r, 0, "the blocking mapping is untouched");
	munmap(r, PG);

	/* Shrinking, then a move to a chosen place. */
	r = mremap(q, 10 * PG, 2 * PG, 0);
	CHECK(r == q, "shrinking stays in place");
	CHECK_SEGV(q + 2 * PG, 0, SEGV_MAPERR, "the cut-off part is unmapped");
	char *dest = map_anon(4 * PG, PROT_READ | PROT_WRITE);
	if (dest) {
		r = mremap(q, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dest + PG);
		CHECK(r == dest + PG, "MREMAP_FIXED puts it at the address asked for");
		CHECK(r != MAP_FAILED && all_bytes(r, PG, 'a') && all_bytes(r + PG, PG, 'b'),
		      "with its contents");
		CHECK(dest[0] == 0 && dest[3 * PG] == 0, "the rest of the target range is kept");
		munmap(dest, 4 * PG);
	}
	CHECK(mremap(p + 1, PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL,
	      "mremap of an unaligned address: EINVAL");
}

static void heap(void)
{
	long cur, top, r;
	char *b;

	ct_section("brk");
	cur = syscall(SYS_brk, 0);
	CHECK(cur > 0, "brk(0) returns the current break");
	top = cur + 64 * 1024;
	r = syscall(SYS_brk, top);
	CHECK_EQ(r, top, "brk grows the heap by 64 KiB");
	if (r != top)
		return;
	b = (char *)cur;
	CHECK(all_bytes(b, 64 * 1024, 0), "the new heap is zero");
	memset(b, 'h', 64 * 1024);
	CHECK(all_bytes(b, 64 * 1024, 'h'), "and writable");
	CHECK_EQ(syscall(SYS_brk, cur + PG), cur + PG, "brk shrinks it");
	CHECK_SEGV(b + 2 * PG, 0, SEGV_MAPERR, "above the new break it faults");
	CHECK_EQ(syscall(SYS_brk, cur + 4 * PG), cur + 4 * PG, "brk grows it again");
	CHECK(b[0] == 'h' && all_bytes(b + PG, 3 * PG, 0),
	      "pages below the old break are kept, the given-back ones come back zero");
	CHECK_EQ(syscall(SYS_brk, 0x7ffffffff000L), cur + 4 * PG,
		 "an impossible break fails: brk returns the current one");
	syscall(SYS_brk, cur);
}

static void advise_and_fork(void)
{
	char *p = map_anon(2 * PG, PROT_READ | PROT_WRITE);
	char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	ct_section("madvise, sharing across fork");
	if (!CHECK(p && s != MAP_FAILED, "mmap private and shared"))
		return;
	memset(p, 'p', 2 * PG);
	memset(s, 's', 2 * PG);
	pid = fork();
	if (pid == 0) {
		p[0] = 'C';
		s[0] = 'C';
		_exit(p[1] == 'p' && s[1] == 's' ? 0 : 1);
	}
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0", "the child sees the parent's data");
	CHECK_EQ(p[0], 'p', "a child's write to a private mapping is its own");
	CHECK_EQ(s[0], 'C', "a child's write to a shared mapping is seen by the parent");

	CHECK_OK(madvise(p, PG, MADV_DONTNEED), "madvise(MADV_DONTNEED) private");
	CHECK(all_bytes(p, PG, 0), "private anonymous: the page reads as zero afterwards");
	CHECK(all_bytes(p + PG, PG, 'p'), "the next page is untouched");
	CHECK_OK(madvise(s, PG, MADV_DONTNEED), "madvise(MADV_DONTNEED) shared");
	CHECK(s[0] == 'C' && s[1] == 's', "shared anonymous: the contents stay");
	munmap(p, 2 * PG);
	munmap(s, 2 * PG);
}

static void file_private(void)
{
	char path[600];
	size_t len = 3 * PG + 100;
	char *buf = malloc(len), *m, *m2;
	int fd;

	ct_section("file-backed MAP_PRIVATE");
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(i * 7 + i / PG);
	snprintf(path, sizeof(path), "%s/data", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!CHECK(fd >= 0 && write(fd, buf, len) == (ssize_t)len, "write a 3-page+100 file"))
		return;
	m = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap it PROT_READ, MAP_PRIVATE");
	if (m == MAP_FAILED)
		return;
	CHECK(memcmp(m, buf, len) == 0, "the mapping holds the file's bytes");
	CHECK(all_bytes(m + len, 4 * PG - len, 0), "the rest of the last page is zero");
	m2 = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG);
	CHECK(m2 != MAP_FAILED && memcmp(m2, buf + 2 * PG, PG) == 0, "an offset of 2 pages");
	CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL,
	      "an unaligned offset: EINVAL");
	CHECK_SEGV(m + 10, 1, SEGV_ACCERR, "writing a PROT_READ file mapping faults");
	munmap(m, 4 * PG);
	munmap(m2, PG);

	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (CHECK(m != MAP_FAILED, "mmap PROT_READ|PROT_WRITE, MAP_PRIVATE")) {
		m[5] = 'X';
		m[PG + 5] = 'Y';
		char c = 0;
		CHECK(pread(fd, &c, 1, 5) == 1 && c == buf[5], "a private write does not reach the file");
		CHECK(m[5] == 'X' && m[6] == buf[6], "the mapping has the write");
		CHECK_OK(madvise(m, PG, MADV_DONTNEED), "madvise(MADV_DONTNEED) of the written page");
		CHECK(m[5] == buf[5], "the page is the file's again");
		CHECK_EQ(m[PG + 5], 'Y', "the other written page keeps its write");
		munmap(m, 2 * PG);
	}
	close(fd);
	int ro = open(path, O_RDONLY);
	CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED &&
		      errno == EACCES,
	      "MAP_SHARED + PROT_WRITE of a read-only fd: EACCES");
	close(ro);
	int wo = open(path, O_WRONLY);
	CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0) == MAP_FAILED && errno == EACCES,
	      "mapping a write-only fd: EACCES");
	close(wo);
	unlink(path);
	free(buf);
}

int main(int argc, char **argv)
{
	ct_start(argc, argv);
	tmp = ct_tmpdir();
	anon();
	fixed_and_holes();
	protect();
	remap();
	heap();
	advise_and_fork();
	file_private();
	rmdir(tmp);
	return ct_done();
}
