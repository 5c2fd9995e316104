/*
 * tst-fs-large: the file-system conformance suite, large files (Linux
 * semantics; also run on the host as host.fs-large): 48 MiB written in
 * odd-sized chunks and read back with checksums, random pread/pwrite
 * against an in-memory copy, sparse files far beyond the data, appends
 * from two descriptors, and freeing: unlink and truncate give the memory
 * back (the same file written and removed many times over).
 */
// EXPECT: ^tst: tst-fs-large: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
// JINY-RUN: --mem 512M
// TIMEOUT: 300
#include "fstest.h"

#define BIG (48u << 20)

static void write_read_back(void)
{
	unsigned char *buf = malloc(1 << 20);
	uint64_t wh = FS_HASH_INIT, rh = FS_HASH_INIT;
	uint32_t r = 1;
	size_t done = 0;
	int fd = CHECK_OK(open("big", O_RDWR | O_CREAT | O_TRUNC, 0644));
	int bad = 0;

	while (done < BIG) {
		r = r * 1103515245 + 12345;
		size_t n = 1 + (r >> 4) % (1 << 20);
		if (n > BIG - done)
			n = BIG - done;
		fs_pattern(buf, n, done, 1);
		wh = fs_hash(wh, buf, n);
		if (write(fd, buf, n) != (ssize_t)n) {
			bad++;
			break;
		}
		done += n;
	}
	CHECK_EQ(bad, 0);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, BIG);
	CHECK(st.st_blocks * 512 >= BIG);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	ssize_t n;
	done = 0;
	while ((n = read(fd, buf, 65536 + 17)) > 0) {
		rh = fs_hash(rh, buf, n);
		done += n;
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(done, BIG);
	CHECK_EQ(rh, wh);
	/* random reads of the middle, checked against the pattern */
	unsigned char *want = malloc(70000);
	for (int i = 0; i < 200; i++) {
		r = r * 1103515245 + 12345;
		uint64_t off = ((uint64_t)r << 7) % (BIG - 70000);
		size_t len = 1 + r % 70000;
		fs_pattern(want, len, off, 1);
		if (pread(fd, buf, len, off) != (ssize_t)len || memcmp(buf, want, len))
			bad++;
	}
	CHECK_EQ(bad, 0);
	/* reads at and past the end */
	CHECK_EQ(pread(fd, buf, 100, BIG - 10), 10);
	CHECK_EQ(pread(fd, buf, 100, BIG), 0);
	close(fd);
	CHECK_OK(unlink("big"));
	free(want);
	free(buf);
}

static void random_io_model(void)
{
	const size_t size = 8u << 20;
	unsigned char *model = calloc(1, size), *buf = malloc(65536);
	uint32_t r = 42;
	size_t end = 0;
	int bad = 0;
	int fd = CHECK_OK(open("rnd", O_RDWR | O_CREAT | O_TRUNC, 0644));

	for (int i = 0; i < 3000; i++) {
		r = r * 1664525 + 1013904223;
		size_t off = (r >> 3) % (size - 65536), len = 1 + (r >> 11) % 65535;
		if (i % 3 == 0) {
			fs_pattern(buf, len, off, i);
			memcpy(model + off, buf, len);
			if (pwrite(fd, buf, len, off) != (ssize_t)len)
				bad++;
			if (off + len > end)
				end = off + len;
		} else {
			ssize_t want = off >= end ? 0 : (ssize_t)(end - off < len ? end - off : len);
			ssize_t got = pread(fd, buf, len, off);
			if (got != want || memcmp(buf, model + off, want))
				bad++;
		}
	}
	CHECK_EQ(bad, 0);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, end);
	/* shrink into the middle and grow again: the tail reads as zeros */
	CHECK_OK(ftruncate(fd, end / 2));
	CHECK_OK(ftruncate(fd, end));
	memset(model + end / 2, 0, end - end / 2);
	uint64_t h1 = fs_hash(FS_HASH_INIT, model, end), h2 = FS_HASH_INIT;
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	ssize_t n;
	while ((n = read(fd, buf, 65536)) > 0)
		h2 = fs_hash(h2, buf, n);
	CHECK_EQ(h1, h2);
	close(fd);
	free(model);
	free(buf);
}

static void sparse(void)
{
	struct stat st;
	char buf[4096];
	int fd = CHECK_OK(open("sparse", O_RDWR | O_CREAT | O_TRUNC, 0644));

	/* 4 GiB + a bit: only the written pages take memory */
	CHECK_EQ(pwrite(fd, "end", 3, (5ull << 30) - 3), 3);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 5ull << 30);
	CHECK(st.st_blocks * 512 < (64 << 20));
	CHECK_EQ(pread(fd, buf, sizeof(buf), 3ull << 30), sizeof(buf));
	int zero = 1;
	for (size_t i = 0; i < sizeof(buf); i++)
		zero &= buf[i] == 0;
	CHECK(zero);
	CHECK_EQ(pread(fd, buf, 10, (5ull << 30) - 3), 3);
	CHECK(memcmp(buf, "end", 3) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 5ull << 30);
	CHECK_OK(ftruncate(fd, 1ull << 40)); /* 1 TiB, empty */
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 1ull << 40);
	close(fd);
	CHECK_OK(unlink("sparse"));
}

static void appends(void)
{
	int a = CHECK_OK(open("log", O_WRONLY | O_CREAT | O_APPEND, 0644));
	int b = CHECK_OK(open("log", O_WRONLY | O_APPEND));
	char line[64];
	int bad = 0;

	for (int i = 0; i < 20000; i++) {
		int n = snprintf(line, sizeof(line), "%c%07d\n", i % 2 ? 'b' : 'a', i);
		if (write(i % 2 ? b : a, line, n) != n)
			bad++;
	}
	CHECK_EQ(bad, 0);
	close(a);
	close(b);
	FILE *f = fopen("log", "r");
	int i = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char want[16];
		snprintf(want, sizeof(want), "%c%07d\n", i % 2 ? 'b' : 'a', i);
		bad += strcmp(line, want) != 0;
		i++;
	}
	if (f)
		fclose(f);
	CHECK_EQ(i, 20000);
	CHECK_EQ(bad, 0);
}

/* Write and remove 16 MiB files many times: the memory must come back. */
static void reuse(void)
{
	unsigned char *buf = malloc(1 << 20);
	int bad = 0;

	memset(buf, 0x5a, 1 << 20);
	for (int round = 0; round < 12; round++) {
		int fd = open("tmp", O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			bad++;
			break;
		}
		for (int i = 0; i < 16; i++)
			bad += write(fd, buf, 1 << 20) != (1 << 20);
		if (round % 2)
			bad += ftruncate(fd, 0) != 0;
		close(fd);
		bad += unlink("tmp") != 0;
	}
	CHECK_EQ(bad, 0);
	free(buf);
}

int main(void)
{
	fs_begin();
	RUN(write_read_back);
	RUN(random_io_model);
	RUN(sparse);
	RUN(appends);
	RUN(reuse);
	return fs_end();
}
