/*
 * tst-fs-links: the file-system conformance suite, names (Linux semantics;
 * also run on the host as host.fs-links): link/linkat, symlink/symlinkat,
 * readlink/readlinkat, unlink/unlinkat, rename/renameat/renameat2
 * (NOREPLACE, EXCHANGE) with every type combination and error, open files
 * surviving unlink, and a storm of random creates/renames/unlinks whose
 * directory listings are compared with a model after every round.
 */
// EXPECT: ^tst: tst-fs-links: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
// TIMEOUT: 120
#include "fstest.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static void hard_links(void)
{
	struct stat st, st2;
	int fd, dfd;

	CHECK_OK(fs_put("f", "shared"));
	CHECK_OK(link("f", "g"));
	CHECK_OK(stat("f", &st));
	CHECK_OK(stat("g", &st2));
	CHECK_EQ(st.st_ino, st2.st_ino);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_OK(fs_put("g", "changed"));         /* one file, two names */
	CHECK_STREQ(fs_get("f"), "changed");
	CHECK_ERR(link("f", "g"), EEXIST);
	CHECK_ERR(link("missing", "h"), ENOENT);
	CHECK_ERR(link("f", "nodir/h"), ENOENT);
	CHECK_OK(mkdir("d", 0755));
	CHECK_ERR(link("d", "d2"), EPERM);         /* no hard links to directories */
	CHECK_ERR(link("f/x", "h"), ENOTDIR);
	/* linkat: a symlink itself, or (AT_SYMLINK_FOLLOW) its target */
	CHECK_OK(symlink("f", "s"));
	CHECK_OK(linkat(AT_FDCWD, "s", AT_FDCWD, "s-link", 0));
	CHECK_OK(lstat("s-link", &st2));
	CHECK(S_ISLNK(st2.st_mode));
	CHECK_OK(linkat(AT_FDCWD, "s", AT_FDCWD, "f-link", AT_SYMLINK_FOLLOW));
	CHECK_OK(lstat("f-link", &st2));
	CHECK(S_ISREG(st2.st_mode) && st2.st_ino == st.st_ino);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_nlink, 3);
	dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	CHECK_OK(linkat(AT_FDCWD, "f", dfd, "in-d", 0));
	CHECK_STREQ(fs_get("d/in-d"), "changed");
	CHECK_ERR(linkat(AT_FDCWD, "f", dfd, "x", 0x12345), EINVAL);
	close(dfd);
	/* unlink drops nlink; the data lives while a name or an fd does */
	fd = CHECK_OK(open("f", O_RDWR));
	CHECK_OK(unlink("f"));
	CHECK_OK(unlink("g"));
	CHECK_OK(unlink("f-link"));
	CHECK_OK(unlink("d/in-d"));
	CHECK_ERR(stat("f", &st), ENOENT);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(pwrite(fd, "still here", 10, 0), 10);
	char buf[16] = { 0 };
	CHECK_EQ(pread(fd, buf, 10, 0), 10);
	CHECK_STREQ(buf, "still here");
	close(fd);
	CHECK_ERR(unlink("f"), ENOENT);
	CHECK_ERR(unlink("d"), EISDIR);
	CHECK_ERR(unlink("s/x"), ENOENT);          /* s dangles now */
	CHECK_ERR(unlink("s-link/x"), ENOENT);
	CHECK_OK(unlink("s"));                      /* the link, not the target */
	/* unlinkat */
	CHECK_OK(fs_put("u", ""));
	CHECK_ERR(unlinkat(AT_FDCWD, "u", AT_REMOVEDIR), ENOTDIR);
	CHECK_OK(unlinkat(AT_FDCWD, "u", 0));
	CHECK_ERR(unlinkat(AT_FDCWD, "d", 0), EISDIR);
	CHECK_ERR(unlinkat(AT_FDCWD, "d", 0x1), EINVAL);
	CHECK_OK(unlinkat(AT_FDCWD, "d", AT_REMOVEDIR));
	CHECK_ERR(unlinkat(-7, "x", 0), EBADF);
	CHECK_RAW_ERR(syscall(SYS_unlink, BAD_PTR), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_link, "s-link", BAD_PTR), EFAULT);
}

static void symlinks(void)
{
	char buf[64];
	ssize_t n;
	int dfd;

	CHECK_OK(symlink("some/where", "l"));
	n = readlink("l", buf, sizeof(buf));
	CHECK_EQ(n, 10);
	CHECK(memcmp(buf, "some/where", 10) == 0);
	/* truncated, no NUL added */
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(readlink("l", buf, 4), 4);
	CHECK(memcmp(buf, "somex", 5) == 0);
	/* the kernel's answer (musl's readlink() turns a size of 0 into a 1-byte read) */
	CHECK_RAW_ERR(syscall(SYS_readlink, "l", buf, 0), EINVAL);
	CHECK_OK(fs_put("f", ""));
	CHECK_ERR(readlink("f", buf, sizeof(buf)), EINVAL);
	CHECK_ERR(readlink("missing", buf, sizeof(buf)), ENOENT);
	CHECK_RAW_ERR(syscall(SYS_readlink, "l", BAD_PTR, 64), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_symlink, BAD_PTR, "x"), EFAULT);
	/* the *at forms */
	CHECK_OK(mkdir("d", 0755));
	dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	CHECK_OK(symlinkat("../f", dfd, "up"));
	CHECK_EQ(readlinkat(dfd, "up", buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "../f", 4) == 0);
	CHECK_EQ(readlinkat(AT_FDCWD, "d/up", buf, sizeof(buf)), 4);
	CHECK_OK(access("d/up", F_OK));
	/* readlinkat with an empty path reads the fd's own link (O_PATH|O_NOFOLLOW) */
	int lfd = open("l", O_PATH | O_NOFOLLOW);
	if (CHECK(lfd >= 0)) {
		CHECK_EQ(readlinkat(lfd, "", buf, sizeof(buf)), 10);
		close(lfd);
	}
	CHECK_ERR(symlinkat("x", -3, "y"), EBADF);
	close(dfd);
	/* a symlink's size is its target's length; its mode is 0777 */
	struct stat st;
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_size, 10);
	CHECK_EQ(st.st_mode & 07777, 0777);
}

static int rename2(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static void renames(void)
{
	struct stat st, st2;

	CHECK_OK(fs_put("a", "A"));
	CHECK_OK(stat("a", &st));
	CHECK_OK(rename("a", "b"));
	CHECK_ERR(stat("a", &st2), ENOENT);
	CHECK_OK(stat("b", &st2));
	CHECK_EQ(st.st_ino, st2.st_ino);
	CHECK_OK(rename("b", "b"));                 /* same name: nothing happens */
	CHECK_STREQ(fs_get("b"), "A");
	/* replace a file; the replaced one keeps living while open */
	CHECK_OK(fs_put("c", "C"));
	int fd = CHECK_OK(open("c", O_RDONLY));
	CHECK_OK(rename("b", "c"));
	CHECK_STREQ(fs_get("c"), "A");
	char buf[4] = { 0 };
	CHECK_EQ(read(fd, buf, 3), 1);
	CHECK_STREQ(buf, "C");
	close(fd);
	/* hard links of the same file: rename does nothing */
	CHECK_OK(link("c", "c2"));
	CHECK_OK(rename("c", "c2"));
	CHECK_OK(stat("c", &st));
	CHECK_EQ(st.st_nlink, 2);
	/* directories */
	CHECK_OK(mkdir("d1", 0755));
	CHECK_OK(mkdir("d2", 0755));
	CHECK_OK(fs_put("d1/in", "in"));
	CHECK_ERR(rename("d2", "d1"), ENOTEMPTY);   /* target not empty */
	CHECK_OK(rename("d1", "d2"));                /* empty target dir replaced */
	CHECK_STREQ(fs_get("d2/in"), "in");
	CHECK_ERR(stat("d1", &st), ENOENT);
	CHECK_ERR(rename("d2", "c"), ENOTDIR);       /* dir over a file */
	CHECK_ERR(rename("c", "d2"), EISDIR);        /* file over a dir */
	CHECK_ERR(rename("d2", "d2/sub"), EINVAL);   /* into itself */
	CHECK_OK(mkdir("d2/deeper", 0755));
	CHECK_ERR(rename("d2", "d2/deeper/x"), EINVAL);
	CHECK_ERR(rename("missing", "x"), ENOENT);
	CHECK_ERR(rename("c", "nodir/x"), ENOENT);
	CHECK_ERR(rename("c", "c2/x"), ENOTDIR);
	CHECK_ERR(rename(".", "x"), EBUSY);
	CHECK_ERR(rename("d2/..", "x"), EBUSY);
	CHECK_ERR(rename("x", "."), EBUSY);         /* Linux looks at "." first */
	CHECK_ERR(rename("c", "."), EBUSY);
	/* moving a directory fixes its '..' and both parents' link counts */
	CHECK_OK(mkdir("p", 0755));
	CHECK_OK(stat("d2", &st));
	CHECK_EQ(st.st_nlink, 3);
	CHECK_OK(rename("d2/deeper", "p/moved"));
	CHECK_OK(stat("d2", &st));
	CHECK_EQ(st.st_nlink, 2);
	CHECK_OK(stat("p", &st));
	CHECK_EQ(st.st_nlink, 3);
	CHECK_OK(stat("p/moved/..", &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);
	/* a symlink is renamed, not its target */
	CHECK_OK(symlink("c", "sl"));
	CHECK_OK(rename("sl", "sl2"));
	CHECK_OK(lstat("sl2", &st));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_STREQ(fs_get("sl2"), "A");
	/* renameat2 */
	CHECK_OK(fs_put("x", "X"));
	CHECK_OK(fs_put("y", "Y"));
	CHECK_ERR(rename2("x", "y", RENAME_NOREPLACE), EEXIST);
	CHECK_OK(rename2("x", "z", RENAME_NOREPLACE));
	CHECK_OK(rename2("z", "y", RENAME_EXCHANGE));
	CHECK_STREQ(fs_get("y"), "X");
	CHECK_STREQ(fs_get("z"), "Y");
	CHECK_OK(rename2("y", "p", RENAME_EXCHANGE));  /* a file and a directory swap */
	CHECK_OK(stat("y/moved", &st));
	CHECK_STREQ(fs_get("p"), "X");
	CHECK_ERR(rename2("p", "missing", RENAME_EXCHANGE), ENOENT);
	CHECK_ERR(rename2("p", "z", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	CHECK_ERR(rename2("p", "z", 0x100), EINVAL);
	/* renameat with directory fds */
	int d1 = CHECK_OK(open("y", O_RDONLY | O_DIRECTORY));
	int d2 = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK_OK(renameat(d1, "moved", d2, "back"));
	CHECK_OK(stat("back", &st));
	CHECK_ERR(renameat(-1, "a", d2, "b"), EBADF);
	close(d1);
	close(d2);
	CHECK_RAW_ERR(syscall(SYS_rename, BAD_PTR, "q"), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_rename, "p", KERNEL_PTR), EFAULT);
	CHECK_STREQ(fs_get("p"), "X");
}

/* ---- the storm: random operations on a small namespace, checked against a model ---- */

#define NNAMES 24
#define NDIRS 3

struct model {
	/* per directory, per name: 0 absent, 1 file (content id in val), 2 dir */
	int kind[NDIRS][NNAMES];
	int val[NDIRS][NNAMES];
};

static void storm_path(char *out, int d, int n)
{
	sprintf(out, "s%d/n%02d", d, n);
}

static int model_check(struct model *m)
{
	int bad = 0;
	char path[64];

	for (int d = 0; d < NDIRS; d++) {
		char dir[8];
		sprintf(dir, "s%d", d);
		/* listing, in readdir order, compared as a set */
		int seen[NNAMES] = { 0 }, extra = 0;
		DIR *dp = opendir(dir);
		struct dirent *e;
		while (dp && (e = readdir(dp))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			int k = e->d_name[0] == 'n' ? atoi(e->d_name + 1) : -1;
			if (k < 0 || k >= NNAMES || seen[k]++ || !m->kind[d][k])
				extra++;
		}
		if (dp)
			closedir(dp);
		bad += extra;
		for (int k = 0; k < NNAMES; k++) {
			if (m->kind[d][k] && !seen[k])
				bad++;
			if (!m->kind[d][k])
				continue;
			struct stat st;
			storm_path(path, d, k);
			if (lstat(path, &st)) {
				bad++;
				continue;
			}
			if (m->kind[d][k] == 2) {
				bad += !S_ISDIR(st.st_mode);
			} else {
				char want[16];
				sprintf(want, "%d", m->val[d][k]);
				const char *got = fs_get(path);
				bad += !S_ISREG(st.st_mode) || !got || strcmp(got, want);
			}
		}
	}
	return bad;
}

static void storm(void)
{
	struct model m;
	uint32_t x = 2463534242u;
	char a[64], b[64];
	int mismatches = 0, ops = 0, errs = 0;

	memset(&m, 0, sizeof(m));
	for (int d = 0; d < NDIRS; d++) {
		sprintf(a, "s%d", d);
		CHECK_OK(mkdir(a, 0755));
	}
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 50; i++, ops++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			int op = x % 6, d1 = (x >> 4) % NDIRS, n1 = (x >> 8) % NNAMES;
			int d2 = (x >> 13) % NDIRS, n2 = (x >> 17) % NNAMES;
			int k1 = m.kind[d1][n1], k2 = m.kind[d2][n2];
			int r, want_err = 0;
			storm_path(a, d1, n1);
			storm_path(b, d2, n2);
			switch (op) {
			case 0: /* create a file (O_EXCL) */
			case 1: {
				int fd = open(a, O_WRONLY | O_CREAT | O_EXCL, 0644);
				want_err = k1 ? EEXIST : 0;
				r = fd < 0 ? -1 : 0;
				if (fd >= 0) {
					char v[16];
					int n = sprintf(v, "%d", ops);
					if (write(fd, v, n) != n)
						errs++;
					close(fd);
					m.kind[d1][n1] = 1, m.val[d1][n1] = ops;
				}
				break;
			}
			case 2: /* mkdir */
				r = mkdir(a, 0755);
				want_err = k1 ? EEXIST : 0;
				if (!r)
					m.kind[d1][n1] = 2;
				break;
			case 3: /* unlink or rmdir by kind */
				if (k1 == 2) {
					r = rmdir(a); /* storm dirs stay empty */
				} else {
					r = unlink(a);
					want_err = k1 ? 0 : ENOENT;
				}
				if (!r)
					m.kind[d1][n1] = 0;
				break;
			default: /* rename */
				r = rename(a, b);
				if (!k1)
					want_err = ENOENT;
				else if (d1 == d2 && n1 == n2)
					want_err = 0;
				else if (k1 == 1 && k2 == 2)
					want_err = EISDIR;
				else if (k1 == 2 && k2 == 1)
					want_err = ENOTDIR;
				if (!r && !(d1 == d2 && n1 == n2)) {
					m.kind[d2][n2] = k1, m.val[d2][n2] = m.val[d1][n1];
					m.kind[d1][n1] = 0;
				}
				break;
			}
			if ((r == 0) != (want_err == 0) || (r && errno != want_err)) {
				errs++;
				if (errs <= 5)
					printf("storm: op %d on %s -> %s: got %d/%s, expected %s\n", op,
					       a, b, r, r ? fs_errname(errno) : "ok",
					       fs_errname(want_err));
			}
		}
		mismatches += model_check(&m);
	}
	CHECK_EQ(errs, 0);
	CHECK_EQ(mismatches, 0);
	printf("storm: %d operations in 40 rounds\n", ops);
}

int main(void)
{
	fs_begin();
	RUN(hard_links);
	RUN(symlinks);
	RUN(renames);
	RUN(storm);
	return fs_end();
}
