/*
 * tst-fs-paths: the file-system conformance suite, paths and directories
 * (Linux semantics; the same source runs on the Linux host as host.fs-paths):
 * mkdir/mkdirat/rmdir, chdir/fchdir/getcwd, path walks with . and .. and
 * symlinks (ELOOP at 40, O_NOFOLLOW, O_DIRECTORY), stat/lstat/fstat/
 * newfstatat/statx, access/faccessat, umask, chmod/fchmod/chown/utimensat,
 * statfs/fstatfs, getdents64, mount/umount2, ENAMETOOLONG, and EFAULT from
 * raw syscalls with bad pointers.
 */
// EXPECT: ^tst: tst-fs-paths: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// HOST: yes
#include "fstest.h"
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/time.h>

static void mkdir_rmdir(void)
{
	struct stat st;

	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(stat("d", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0755);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_ERR(mkdir("d", 0755), EEXIST);
	CHECK_ERR(mkdir("d/", 0755), EEXIST);
	CHECK_ERR(mkdir("nope/x", 0755), ENOENT);
	CHECK_ERR(mkdir("", 0755), ENOENT);
	CHECK_OK(fs_put("f", "x"));
	CHECK_ERR(mkdir("f", 0755), EEXIST);
	CHECK_ERR(mkdir("f/x", 0755), ENOTDIR);
	CHECK_OK(mkdir("d/sub", 0700));
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_nlink, 3); /* '.', its name, sub's '..' */
	CHECK_ERR(rmdir("d"), ENOTEMPTY);
	CHECK_ERR(rmdir("f"), ENOTDIR);
	CHECK_ERR(rmdir("nope"), ENOENT);
	CHECK_ERR(rmdir("d/sub/."), EINVAL);
	CHECK_OK(rmdir("d/sub/"));
	CHECK_OK(rmdir("d"));
	CHECK_ERR(stat("d", &st), ENOENT);
	/* mkdirat relative to a directory fd */
	CHECK_OK(mkdir("base", 0755));
	int dfd = CHECK_OK(open("base", O_RDONLY | O_DIRECTORY));
	CHECK_OK(mkdirat(dfd, "in", 0750));
	CHECK_OK(stat("base/in", &st));
	CHECK_EQ(st.st_mode & 07777, 0750);
	int ffd = CHECK_OK(open("f", O_RDONLY));
	CHECK_ERR(mkdirat(ffd, "x", 0755), ENOTDIR);
	CHECK_ERR(mkdirat(12345, "x", 0755), EBADF);
	CHECK_ERR(mkdirat(12345, "/tmp", 0755), EEXIST); /* absolute: the fd is not used */
	close(ffd);
	close(dfd);
	/* umask applies to mkdir */
	umask(077);
	CHECK_OK(mkdir("masked", 0777));
	CHECK_OK(stat("masked", &st));
	CHECK_EQ(st.st_mode & 07777, 0700);
	CHECK_EQ(umask(022), 077);
}

static void cwd(void)
{
	char buf[PATH_MAX], here[PATH_MAX];

	CHECK(getcwd(here, sizeof(here)) != NULL);
	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(mkdir("a/b", 0755));
	CHECK_OK(chdir("a/b"));
	CHECK(getcwd(buf, sizeof(buf)) != NULL);
	CHECK(strlen(buf) == strlen(here) + 4 && strcmp(buf + strlen(here), "/a/b") == 0);
	CHECK_OK(chdir(".."));
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf + strlen(here), "/a") == 0);
	CHECK_OK(chdir("./b/../../a/./b"));
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf + strlen(here), "/a/b") == 0);
	/* getcwd errors: buffer too small, size 0 with a buffer */
	CHECK(getcwd(buf, 3) == NULL && errno == ERANGE);
	CHECK_RAW_ERR(syscall(SYS_getcwd, buf, 0), ERANGE);
	CHECK_RAW_ERR(syscall(SYS_getcwd, BAD_PTR, sizeof(buf)), EFAULT);
	/* fchdir */
	int fd = CHECK_OK(open(here, O_RDONLY | O_DIRECTORY));
	CHECK_OK(fchdir(fd));
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, here) == 0);
	close(fd);
	CHECK_OK(fs_put("file", ""));
	fd = CHECK_OK(open("file", O_RDONLY));
	CHECK_ERR(fchdir(fd), ENOTDIR);
	close(fd);
	CHECK_ERR(fchdir(-1), EBADF);
	CHECK_ERR(chdir("file"), ENOTDIR);
	CHECK_ERR(chdir("missing"), ENOENT);
	CHECK_ERR(chdir(""), ENOENT);
	/* the root's .. is the root */
	CHECK_OK(chdir("/.."));
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0);
	CHECK_OK(chdir(here));
	/* a removed cwd: relative creation fails with ENOENT */
	CHECK_OK(mkdir("gone", 0755));
	CHECK_OK(chdir("gone"));
	CHECK_OK(rmdir("../gone"));
	CHECK_ERR(open("x", O_CREAT | O_WRONLY, 0644), ENOENT);
	CHECK_ERR(mkdir("y", 0755), ENOENT);
	CHECK_OK(chdir(here));
}

static void walk_and_symlinks(void)
{
	char name[64], target[64];
	struct stat st, lst;
	int fd;

	CHECK_OK(mkdir("dir", 0755));
	CHECK_OK(fs_put("dir/file", "data"));
	CHECK_OK(symlink("dir/file", "lf"));
	CHECK_OK(symlink("dir", "ld"));
	CHECK_OK(symlink("nowhere", "dangling"));
	CHECK_OK(symlink("loop2", "loop1"));
	CHECK_OK(symlink("loop1", "loop2"));
	CHECK_OK(symlink("self", "self"));
	CHECK_STREQ(fs_get("lf"), "data");
	CHECK_STREQ(fs_get("ld/file"), "data");
	CHECK_STREQ(fs_get("ld/../dir/./file"), "data");
	CHECK_STREQ(fs_get("./dir//file"), "data");
	CHECK_OK(stat("lf", &st));
	CHECK_OK(lstat("lf", &lst));
	CHECK(S_ISREG(st.st_mode) && S_ISLNK(lst.st_mode));
	CHECK_EQ(lst.st_size, 8);
	CHECK_EQ(st.st_size, 4);
	CHECK_ERR(stat("dangling", &st), ENOENT);
	CHECK_OK(lstat("dangling", &st));
	CHECK_ERR(open("loop1", O_RDONLY), ELOOP);
	CHECK_ERR(stat("self", &st), ELOOP);
	CHECK_ERR(open("self/x", O_RDONLY), ELOOP);
	CHECK_ERR(open("lf", O_RDONLY | O_NOFOLLOW), ELOOP);
	CHECK_OK(fd = open("ld/file", O_RDONLY | O_NOFOLLOW)); /* only the last one counts */
	close(fd);
	CHECK_ERR(open("lf", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(open("dir/file", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(open("dir/file/", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("dir/file/.", O_RDONLY), ENOTDIR);
	CHECK_ERR(stat("dir/file/..", &st), ENOTDIR);
	fd = CHECK_OK(open("ld", O_RDONLY | O_DIRECTORY));
	close(fd);
	CHECK_ERR(open("ld", O_RDONLY | O_DIRECTORY | O_NOFOLLOW), ENOTDIR); /* Linux: not ELOOP */
	CHECK_ERR(open("dir", O_WRONLY), EISDIR);
	CHECK_ERR(open("dir", O_RDWR), EISDIR);
	CHECK_ERR(open("dir", O_CREAT | O_RDONLY, 0644), EISDIR);
	/* creating through a dangling symlink creates its target */
	fd = CHECK_OK(open("dangling", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_OK(stat("nowhere", &st));
	CHECK_ERR(open("lf", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	/* a chain of 40 symlinks is followed, 41 is ELOOP (Linux's MAXSYMLINKS) */
	CHECK_OK(fs_put("end", "end"));
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		if (i == 1)
			snprintf(target, sizeof(target), "end");
		else
			snprintf(target, sizeof(target), "c%d", i - 1);
		CHECK_OK(symlink(target, name));
	}
	CHECK_STREQ(fs_get("c40"), "end");
	CHECK_ERR(open("c41", O_RDONLY), ELOOP);
	/* symlinks with absolute targets and to '..' */
	char abs[PATH_MAX];
	CHECK(getcwd(abs, sizeof(abs)) != NULL);
	strcat(abs, "/dir");
	CHECK_OK(symlink(abs, "absdir"));
	CHECK_STREQ(fs_get("absdir/file"), "data");
	CHECK_OK(symlink("..", "dir/up"));
	CHECK_STREQ(fs_get("dir/up/dir/file"), "data");
	CHECK_ERR(symlink("x", "dir"), EEXIST);
	CHECK_ERR(symlink("", "emptytarget"), ENOENT);
	CHECK_ERR(symlink("x", "missing/dir/l"), ENOENT);
}

static void names_too_long(void)
{
	char name[300], *path;
	struct stat st;
	int fd;

	memset(name, 'n', 255);
	name[255] = 0;
	fd = CHECK_OK(open(name, O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_OK(stat(name, &st));
	CHECK_OK(unlink(name));
	name[255] = 'n';
	name[256] = 0;
	CHECK_ERR(open(name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	CHECK_ERR(mkdir(name, 0755), ENAMETOOLONG);
	CHECK_ERR(stat(name, &st), ENAMETOOLONG);
	CHECK_ERR(symlink("x", name), ENAMETOOLONG);
	/* a path of PATH_MAX bytes or more (no NUL within 4096) */
	path = malloc(PATH_MAX + 10);
	for (int i = 0; i < PATH_MAX + 8; i++)
		path[i] = i % 2 ? '/' : 'a';
	path[PATH_MAX + 8] = 0;
	CHECK_ERR(stat(path, &st), ENAMETOOLONG);
	CHECK_ERR(open(path, O_RDONLY), ENAMETOOLONG);
	CHECK_ERR(chdir(path), ENAMETOOLONG);
	free(path);
}

static void stat_family(void)
{
	struct stat st, st2;
	int fd, dfd;

	CHECK_OK(fs_put("f", "hello"));
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(stat("f", &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0644);
	CHECK_EQ(st.st_size, 5);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(st.st_uid, getuid());
	CHECK_EQ(st.st_gid, getgid());
	CHECK(st.st_blksize > 0);
	CHECK(st.st_ino != 0);
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(fstat(fd, &st2));
	CHECK_EQ(st.st_ino, st2.st_ino);
	CHECK_EQ(st.st_dev, st2.st_dev);
	CHECK_ERR(fstat(-1, &st2), EBADF);
	CHECK_ERR(fstat(999, &st2), EBADF);
	dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	CHECK_OK(fstatat(dfd, "..", &st2, 0));
	CHECK_OK(fstatat(AT_FDCWD, "l", &st2, AT_SYMLINK_NOFOLLOW));
	CHECK(S_ISLNK(st2.st_mode));
	CHECK_OK(fstatat(AT_FDCWD, "l", &st2, 0));
	CHECK(S_ISREG(st2.st_mode));
	CHECK_ERR(fstatat(fd, "x", &st2, 0), ENOTDIR);
	CHECK_ERR(fstatat(AT_FDCWD, "f", &st2, 0x4000000), EINVAL); /* unknown flag */
	/* AT_EMPTY_PATH: the fd itself */
	CHECK_OK(fstatat(fd, "", &st2, AT_EMPTY_PATH));
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_ERR(fstatat(fd, "", &st2, 0), ENOENT);
	/* statx, raw: struct statx is 256 bytes; stx_mask, stx_mode at 28, stx_size at 40 */
	unsigned char sx[256];
	memset(sx, 0, sizeof(sx));
	CHECK_OK(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff /* STATX_BASIC_STATS */, sx));
	uint32_t mask;
	uint16_t mode;
	uint64_t size, ino;
	memcpy(&mask, sx, 4);
	memcpy(&mode, sx + 28, 2);
	memcpy(&ino, sx + 32, 8);
	memcpy(&size, sx + 40, 8);
	CHECK((mask & 0x7ff) == 0x7ff);
	CHECK_EQ(mode, st.st_mode);
	CHECK_EQ(size, 5);
	CHECK_EQ(ino, st.st_ino);
	CHECK_RAW_ERR(syscall(SYS_statx, AT_FDCWD, "missing", 0, 0x7ff, sx), ENOENT);
	CHECK_RAW_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, BAD_PTR), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u /* STATX__RESERVED */, sx), EINVAL);
	/* timestamps move: write updates mtime */
	CHECK_OK(stat("d", &st));
	CHECK(st.st_mtime > 0);
	close(fd);
	close(dfd);
	/* EFAULT for bad path and result pointers */
	CHECK_RAW_ERR(syscall(SYS_stat, BAD_PTR, &st), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_stat, "f", BAD_PTR), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_lstat, KERNEL_PTR, &st), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_newfstatat, AT_FDCWD, "f", KERNEL_PTR, 0), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_open, BAD_PTR, O_RDONLY), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_open, KERNEL_PTR, O_RDONLY), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_mkdir, BAD_PTR, 0755), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_chdir, BAD_PTR), EFAULT);
	CHECK_RAW_ERR(syscall(SYS_access, BAD_PTR, F_OK), EFAULT);
}

static void access_modes(void)
{
	int fd;

	CHECK_OK(fs_put("f", "x"));
	CHECK_OK(chmod("f", 0644));
	CHECK_OK(access("f", F_OK));
	CHECK_OK(access("f", R_OK | W_OK));
	if (getuid() == 0)
		CHECK_ERR(access("f", X_OK), EACCES); /* even root needs an x bit */
	CHECK_OK(chmod("f", 0755));
	CHECK_OK(access("f", X_OK));
	CHECK_ERR(access("missing", F_OK), ENOENT);
	CHECK_ERR(access("f/x", F_OK), ENOTDIR);
	CHECK_ERR(access("f", 0100), EINVAL);
	CHECK_OK(faccessat(AT_FDCWD, "f", R_OK, 0));
	CHECK_OK(symlink("missing", "l"));
	CHECK_ERR(faccessat(AT_FDCWD, "l", F_OK, 0), ENOENT);
	/* chmod / fchmod / fchmodat */
	struct stat st;
	CHECK_OK(chmod("f", 04710));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 04710);
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(fchmod(fd, 0600));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK(S_ISREG(st.st_mode));
	CHECK_ERR(fchmod(-1, 0600), EBADF);
	CHECK_ERR(chmod("missing", 0600), ENOENT);
	CHECK_OK(fchmodat(AT_FDCWD, "f", 0640, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
	close(fd);
	/* chown to ourselves (allowed for anyone), -1 keeps a field */
	CHECK_OK(chown("f", getuid(), getgid()));
	CHECK_OK(chown("f", -1, -1));
	CHECK_OK(lchown("l", getuid(), getgid()));
	CHECK_ERR(chown("l", getuid(), getgid()), ENOENT);
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(fchown(fd, getuid(), -1));
	if (getuid() == 0) {
		CHECK_OK(fchown(fd, 1234, 5678));
		CHECK_OK(fstat(fd, &st));
		CHECK_EQ(st.st_uid, 1234);
		CHECK_EQ(st.st_gid, 5678);
	}
	close(fd);
	CHECK_ERR(fchown(-1, 0, 0), EBADF);
}

static void times(void)
{
	struct stat st;
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1234567890, 987654321 } };

	CHECK_OK(fs_put("f", "x"));
	CHECK_OK(utimensat(AT_FDCWD, "f", ts, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_mtim.tv_sec, 1234567890);
	CHECK_EQ(st.st_mtim.tv_nsec, 987654321);
	/* UTIME_OMIT keeps, UTIME_NOW sets the current time */
	struct timespec ts2[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
	struct timeval now;
	gettimeofday(&now, NULL);
	CHECK_OK(utimensat(AT_FDCWD, "f", ts2, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK(st.st_mtim.tv_sec >= now.tv_sec - 2 && st.st_mtim.tv_sec <= now.tv_sec + 2);
	/* NULL: both now */
	CHECK_OK(utimensat(AT_FDCWD, "f", NULL, 0));
	CHECK_OK(stat("f", &st));
	CHECK(st.st_atim.tv_sec >= now.tv_sec - 2);
	/* a symlink itself */
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_mtim.tv_sec, 1234567890);
	CHECK_OK(stat("l", &st));
	CHECK(st.st_mtim.tv_sec != 1234567890);
	/* futimens */
	int fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(futimens(fd, ts));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mtim.tv_sec, 1234567890);
	close(fd);
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	CHECK_ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
	CHECK_ERR(utimensat(AT_FDCWD, "missing", ts, 0), ENOENT);
	CHECK_RAW_ERR(syscall(SYS_utimensat, AT_FDCWD, "f", BAD_PTR, 0), EFAULT);
	/* creating a file updates the directory's mtime and ctime */
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(utimensat(AT_FDCWD, "d", ts, 0));
	CHECK_OK(fs_put("d/new", ""));
	CHECK_OK(stat("d", &st));
	CHECK(st.st_mtim.tv_sec > 1234567890);
}

static void statfs_calls(void)
{
	struct statfs sf;
	int fd;

	CHECK_OK(statfs(".", &sf));
	CHECK(sf.f_bsize > 0);
	CHECK(sf.f_namelen >= 255);
	fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK_OK(fstatfs(fd, &sf));
	close(fd);
	CHECK_ERR(statfs("missing", &sf), ENOENT);
	CHECK_ERR(fstatfs(-1, &sf), EBADF);
	CHECK_RAW_ERR(syscall(SYS_statfs, ".", BAD_PTR), EFAULT);
	CHECK_OK(statfs("/proc", &sf));
	CHECK_EQ(sf.f_type, 0x9fa0); /* PROC_SUPER_MAGIC */
}

/* Names in directory path (not . and ..), sorted, joined by ' '. */
static const char *listing(const char *path)
{
	static char out[8192];
	char *names[256];
	int n = 0;
	DIR *d = opendir(path);
	struct dirent *e;

	out[0] = 0;
	if (!d)
		return "(opendir failed)";
	while ((e = readdir(d)) && n < 256)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, names[i]);
		free(names[i]);
	}
	return out;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void dir_entries(void)
{
	char buf[4096];
	int fd, dots = 0, n, total = 0;
	bool seen_f = false, seen_d = false, seen_l = false;

	CHECK_OK(fs_put("f", ""));
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(symlink("f", "l"));
	CHECK_STREQ(listing("."), "d f l");
	fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (int off = 0; off < n;) {
			struct linux_dirent64 *e = (void *)(buf + off);
			CHECK(e->d_reclen >= 20 && e->d_reclen % 8 == 0);
			CHECK(e->d_ino != 0);
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
				dots++;
				CHECK_EQ(e->d_type, DT_DIR);
			} else if (!strcmp(e->d_name, "f")) {
				seen_f = e->d_type == DT_REG;
			} else if (!strcmp(e->d_name, "d")) {
				seen_d = e->d_type == DT_DIR;
			} else if (!strcmp(e->d_name, "l")) {
				seen_l = e->d_type == DT_LNK;
			}
			total++;
			off += e->d_reclen;
		}
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(dots, 2);
	CHECK(seen_f && seen_d && seen_l);
	CHECK_EQ(total, 5);
	/* at the end: 0 again; after lseek(0): everything again */
	CHECK_EQ(syscall(SYS_getdents64, fd, buf, sizeof(buf)), 0);
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK(syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0);
	/* a buffer too small for one entry */
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK_RAW_ERR(syscall(SYS_getdents64, fd, buf, 8), EINVAL);
	CHECK_RAW_ERR(syscall(SYS_getdents64, fd, BAD_PTR, sizeof(buf)), EFAULT);
	close(fd);
	/* one entry at a time: a buffer just big enough for one record */
	fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	int count = 0;
	while ((n = syscall(SYS_getdents64, fd, buf, 32)) > 0)
		count++;
	CHECK_EQ(n, 0);
	CHECK_EQ(count, 5);
	close(fd);
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_RAW_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR);
	close(fd);
	CHECK_RAW_ERR(syscall(SYS_getdents64, -1, buf, sizeof(buf)), EBADF);
	/* entries created and removed while listing in pieces: no duplicates */
	for (int i = 0; i < 100; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n%03d", i);
		CHECK_OK(fs_put(name, ""));
	}
	DIR *dir = opendir(".");
	struct dirent *e;
	int seen = 0;
	char seen_names[110][8] = { { 0 } };
	while ((e = readdir(dir))) {
		if (e->d_name[0] == 'n' && strlen(e->d_name) == 4) {
			int k = atoi(e->d_name + 1);
			CHECK(seen_names[k][0] == 0);
			seen_names[k][0] = 1;
			seen++;
			if (k % 2 == 0) {
				char other[16];
				snprintf(other, sizeof(other), "n%03d", 99 - k);
				unlink(other); /* may or may not show up later (POSIX) */
			}
		}
	}
	closedir(dir);
	CHECK(seen >= 50 && seen <= 100);
}

static void mount_umount(void)
{
	struct stat st, before;

	CHECK_OK(mkdir("mnt", 0755));
	CHECK_OK(stat("mnt", &before));
	if (mount("none", "mnt", "tmpfs", 0, NULL)) {
		/* A host test not run as root cannot mount: only the errors then. */
		CHECK_EQ(errno, EPERM);
		return;
	}
	CHECK_OK(stat("mnt", &st));
	CHECK(st.st_dev != before.st_dev);
	CHECK_OK(fs_put("mnt/inside", "m"));
	CHECK_STREQ(fs_get("mnt/inside"), "m");
	CHECK_STREQ(listing("mnt"), "inside");
	/* rename across mounts: EXDEV; link too */
	CHECK_OK(fs_put("outside", "o"));
	CHECK_ERR(rename("outside", "mnt/x"), EXDEV);
	CHECK_ERR(link("outside", "mnt/x"), EXDEV);
	/* '..' from the mount's root leads back here */
	CHECK_STREQ(fs_get("mnt/../outside"), "o");
	/* /proc/mounts names it */
	const char *m = fs_get("/proc/mounts");
	char cwd[PATH_MAX], want[PATH_MAX + 16];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(want, sizeof(want), "%s/mnt ", cwd);
	CHECK(m && strstr(m, want));
	/* busy while a file is open */
	int fd = CHECK_OK(open("mnt/inside", O_RDONLY));
	CHECK_ERR(umount2("mnt", 0), EBUSY);
	close(fd);
	CHECK_OK(umount2("mnt", 0));
	CHECK_ERR(stat("mnt/inside", &st), ENOENT);
	CHECK_OK(stat("mnt", &st));
	CHECK_EQ(st.st_dev, before.st_dev);
	CHECK_ERR(umount2("mnt", 0), EINVAL);
	CHECK_ERR(umount2("missing", 0), ENOENT);
	CHECK_ERR(mount("none", "missing", "tmpfs", 0, NULL), ENOENT);
	CHECK_ERR(mount("none", "mnt", "no-such-fs-type", 0, NULL), ENODEV);
	CHECK_OK(fs_put("file", ""));
	CHECK_ERR(mount("none", "file/x", "tmpfs", 0, NULL), ENOTDIR);
	CHECK_OK(rmdir("mnt"));
}

int main(void)
{
	fs_begin();
	RUN(mkdir_rmdir);
	RUN(cwd);
	RUN(walk_and_symlinks);
	RUN(names_too_long);
	RUN(stat_family);
	RUN(access_modes);
	RUN(times);
	RUN(statfs_calls);
	RUN(dir_entries);
	RUN(mount_umount);
	return fs_end();
}
