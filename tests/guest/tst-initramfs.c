/*
 * tst-initramfs: the root tree that libjiny/fs/initramfs.c unpacks at boot
 * is exactly the tree that was packed, and a broken archive is reported and
 * survived.
 *
 * tests/guest/mkinitramfs.sh makes, at build time, two trees of the same kind
 * (nested directories, many modes, symlinks of every sort, hard links, a
 * fifo, a device, tiny and large files) each with a manifest of what is in
 * it: /linked, packed by jiny-mkrootfs into an object that is linked into
 * this program (// LINK:), so every variant has it; and /initrd, a plain
 * cpio given with --initrd. check_tree() reads TOP/manifest.txt and checks
 * every entry of TOP/root: type and mode bits (lstat), owner, mtime, size,
 * contents (POSIX cksum CRC, the one coreutils' cksum prints), symlink
 * targets and what they resolve to, hard-link groups (one inode, the right
 * nlink, distinct from every other file), device numbers, and that every
 * directory lists exactly the names of the manifest.
 *
 * Variants (TST_INITRD tells the program which one it is):
 *   linked     no --initrd: /linked only
 *   initrd     --initrd initrd.cpio: /initrd, and /linked still there
 *   corrupt    an archive whose 6th entry has a bad hex digit in its
 *              filesize field: the kernel names the entry and its offset,
 *              the five entries before it exist, nothing after it does
 *   truncated  an archive cut inside the data of its 6th entry (the same)
 */
// LINK: @BUILD@/initramfs/linked.o
// JINY-RUN: --mem 256M
// TIMEOUT: 120
// VARIANT: linked
// VARIANT: initrd --initrd @BUILD@/initramfs/initrd.cpio -e TST_INITRD=initrd
// VARIANT: corrupt --initrd @BUILD@/initramfs/corrupt.cpio -e TST_INITRD=corrupt
// VARIANT: truncated --initrd @BUILD@/initramfs/truncated.cpio -e TST_INITRD=truncated
// EXPECT: ^tst: tst-initramfs: [0-9]+ checks, 0 failures$
// EXPECT-NOT: FAIL
// EXPECT-NOT(linked): ^initramfs:
// EXPECT-NOT(initrd): ^initramfs:
// EXPECT(corrupt): ^initramfs: the -initrd module \([0-9]+ bytes\): entry #5 at offset 0x28c: header field filesize is not 8 hex digits
// EXPECT(corrupt): ^initramfs: the -initrd module: kept the 5 entries before the error; booting on
// EXPECT(truncated): ^initramfs: the -initrd module \(4748 bytes\): entry 'truncated/big' at offset 0x28c: file size 65536 runs past the end of the archive \(4748 bytes\)
// EXPECT(truncated): ^initramfs: the -initrd module: kept the 5 entries before the error; booting on
#define _GNU_SOURCE
#include "tst.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* One line of a manifest (mkinitramfs.sh documents the format). */
struct ent {
	char type;              /* find's %y: f d l p c b s */
	unsigned mode;          /* permission bits (07777) */
	unsigned long nlink;
	long long size;         /* -1: not given */
	long long mtime;        /* -1: not given */
	unsigned long cksum;    /* regular files */
	const char *group;      /* hard-link group, NULL if none */
	char follow;            /* symlinks: f d N L; else '-' */
	unsigned rmajor, rminor;
	const char *path, *target;
	struct stat st;         /* lstat in the guest */
	int found;              /* lstat worked */
};

static struct ent *ents;
static int nents;

/* A failed check names the entry it was about. */
#define AT(e, check)                                                          \
	do {                                                                  \
		if (!(check))                                                 \
			printf("  ... at %s\n", (e)->path);                   \
	} while (0)

/* ---- POSIX cksum: CRC-32 (0x04c11db7, MSB first) over the data, then the length ---- */

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i << 24;
		for (int k = 0; k < 8; k++)
			c = c & 0x80000000u ? (c << 1) ^ 0x04c11db7u : c << 1;
		crc_table[i] = c;
	}
}

static uint32_t crc_add(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n--)
		crc = (crc << 8) ^ crc_table[(crc >> 24) ^ *p++];
	return crc;
}

static uint32_t crc_end(uint32_t crc, unsigned long long len)
{
	for (; len; len >>= 8)
		crc = (crc << 8) ^ crc_table[((crc >> 24) ^ len) & 0xff];
	return ~crc;
}

/* Read a whole file; its length in *len. NULL (and a FAIL) if it cannot. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	if (!CHECK(fd >= 0) || !CHECK(buf)) {
		printf("  ... opening %s: %s\n", path, strerror(errno));
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += r;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	CHECK_EQ(r, 0);
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* The CRC of a file's contents, read in pieces; its length in *len. */
static uint32_t file_cksum(const char *path, unsigned long long *len)
{
	static unsigned char buf[64 * 1024];
	int fd = open(path, O_RDONLY);
	uint32_t crc = 0;
	ssize_t r;

	*len = 0;
	if (fd < 0)
		return 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		crc = crc_add(crc, buf, r);
		*len += r;
	}
	close(fd);
	return r < 0 ? 0 : crc_end(crc, *len);
}

/* ---- the manifest ---- */

/* Split line at tabs into at most max fields; returns how many. */
static int split(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *s = line; *s && n < max; s++)
		if (*s == '\t') {
			*s = 0;
			f[n++] = s + 1;
		}
	return n;
}

static long long num_or_none(const char *s, int base)
{
	return strcmp(s, "-") ? strtoll(s, NULL, base) : -1;
}

/* Parse TOP/manifest.txt into ents; 0 if it could not. */
static int load_manifest(const char *top)
{
	char path[256], *text, *line, *next, *f[11];
	size_t len;
	int want = -1;

	snprintf(path, sizeof(path), "%s/manifest.txt", top);
	text = slurp(path, &len);
	if (!text)
		return 0;
	ents = NULL;
	nents = 0;
	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		if (!CHECK(next)) /* the last line ends with a newline too */
			break;
		*next++ = 0;
		if (line[0] == '#') {
			sscanf(line, "# jiny initramfs manifest: %d entries", &want);
			continue;
		}
		if (!CHECK_EQ(split(line, f, 11), 11)) {
			printf("  ... manifest line: %s\n", line);
			continue;
		}
		ents = realloc(ents, (nents + 1) * sizeof(*ents));
		struct ent *e = &ents[nents++];
		memset(e, 0, sizeof(*e));
		e->type = f[0][0];
		e->mode = strtoul(f[1], NULL, 8);
		e->nlink = strtoul(f[2], NULL, 10);
		e->size = num_or_none(f[3], 10);
		e->mtime = num_or_none(f[4], 10);
		e->cksum = strtoul(f[5], NULL, 10);
		e->group = strcmp(f[6], "-") ? f[6] : NULL;
		e->follow = f[7][0];
		if (strcmp(f[8], "-"))
			sscanf(f[8], "%u:%u", &e->rmajor, &e->rminor);
		e->path = f[9];
		e->target = f[10];
	}
	/* A manifest cut short or garbled must not pass by checking less. */
	CHECK_EQ(nents, want);
	return nents > 0;
}

static struct ent *find_ent(const char *path)
{
	for (int i = 0; i < nents; i++)
		if (!strcmp(ents[i].path, path))
			return &ents[i];
	return NULL;
}

/* The manifest has every kind of entry this test is about. */
static void check_coverage(void)
{
	int dirs = 0, files = 0, links = 0, fifos = 0, suid = 0, sticky = 0,
	    big = 0, groups = 0, dangling = 0, todir = 0, loops = 0;

	for (int i = 0; i < nents; i++) {
		struct ent *e = &ents[i];
		dirs += e->type == 'd';
		files += e->type == 'f';
		links += e->type == 'l';
		fifos += e->type == 'p';
		suid += e->type == 'f' && (e->mode & 04000);
		sticky += e->type == 'd' && e->mode == 01777;
		big += e->type == 'f' && e->size >= 8 << 20;
		groups += e->group != NULL;
		dangling += e->follow == 'N';
		todir += e->follow == 'd';
		loops += e->follow == 'L';
	}
	CHECK(dirs >= 10);
	CHECK(files >= 20);
	CHECK(links >= 8);
	CHECK(fifos >= 1);
	CHECK(suid >= 1);
	CHECK(sticky >= 1);
	CHECK(big >= 1);
	CHECK(groups >= 5); /* a pair and a triple */
	CHECK(dangling >= 1);
	CHECK(todir >= 1);
	CHECK(loops >= 1);
}

static mode_t type_bits(char t)
{
	switch (t) {
	case 'f': return S_IFREG;
	case 'd': return S_IFDIR;
	case 'l': return S_IFLNK;
	case 'p': return S_IFIFO;
	case 'c': return S_IFCHR;
	case 'b': return S_IFBLK;
	case 's': return S_IFSOCK;
	}
	return 0;
}

/* Everything about one entry that lstat, stat, readlink and read can tell. */
static void check_entry(struct ent *e)
{
	struct stat *st = &e->st, fst;

	e->found = lstat(e->path, st) == 0;
	AT(e, CHECK(e->found));
	if (!e->found)
		return;
	AT(e, CHECK_EQ(st->st_mode & S_IFMT, type_bits(e->type)));
	AT(e, CHECK_EQ(st->st_mode & 07777, e->mode));
	AT(e, CHECK_EQ(st->st_uid, 0));
	AT(e, CHECK_EQ(st->st_gid, 0));
	if (e->type != 'd')
		AT(e, CHECK_EQ(st->st_nlink, e->nlink));
	if (e->mtime >= 0)
		AT(e, CHECK_EQ(st->st_mtime, e->mtime));
	if (e->size >= 0)
		AT(e, CHECK_EQ(st->st_size, e->size));

	switch (e->type) {
	case 'f': {
		unsigned long long len;
		uint32_t crc = file_cksum(e->path, &len);
		AT(e, CHECK_EQ(len, e->size));
		AT(e, CHECK_EQ(crc, e->cksum));
		break;
	}
	case 'l': {
		char buf[4096];
		ssize_t n = readlink(e->path, buf, sizeof(buf) - 1);
		AT(e, CHECK_EQ(n, (ssize_t)strlen(e->target)));
		buf[n > 0 ? n : 0] = 0;
		AT(e, CHECK_STREQ(buf, e->target));
		int r = stat(e->path, &fst) == 0 ? 0 : errno;
		switch (e->follow) {
		case 'f': AT(e, CHECK(!r && S_ISREG(fst.st_mode))); break;
		case 'd': AT(e, CHECK(!r && S_ISDIR(fst.st_mode))); break;
		case 'N': AT(e, CHECK_EQ(r, ENOENT)); break;
		case 'L': AT(e, CHECK_EQ(r, ELOOP)); break;
		default: AT(e, CHECK(!"a symlink's FOLLOW field is f, d, N or L"));
		}
		break;
	}
	case 'c':
	case 'b':
		AT(e, CHECK_EQ(major(st->st_rdev), e->rmajor));
		AT(e, CHECK_EQ(minor(st->st_rdev), e->rminor));
		break;
	}
}

/* Files share an inode exactly when the manifest puts them in one group. */
static void check_links(void)
{
	for (int i = 0; i < nents; i++) {
		struct ent *a = &ents[i];
		if (!a->found || a->type != 'f')
			continue;
		for (int j = i + 1; j < nents; j++) {
			struct ent *b = &ents[j];
			if (!b->found || b->type != 'f')
				continue;
			int same = a->st.st_ino == b->st.st_ino && a->st.st_dev == b->st.st_dev;
			int want = a->group && b->group && !strcmp(a->group, b->group);
			if (!CHECK_EQ(same, want))
				printf("  ... %s and %s (inodes %lu and %lu)\n", a->path, b->path,
				       (unsigned long)a->st.st_ino, (unsigned long)b->st.st_ino);
		}
	}
}

/*
 * dir lists exactly the names in want[] (NULL-terminated) when want is
 * given, else exactly its children in the manifest; "." and ".." too.
 */
static void check_listing(const char *dir, const char *const *want)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int dots = 0, names = 0, expected = 0;
	size_t dl = strlen(dir);
	char path[4096];

	if (!CHECK(d)) {
		printf("  ... opendir %s: %s\n", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			dots++;
			continue;
		}
		names++;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		int known = 0;
		if (want) {
			for (int i = 0; want[i]; i++)
				known |= !strcmp(want[i], de->d_name);
		} else {
			known = find_ent(path) != NULL;
		}
		if (!CHECK(known))
			printf("  ... %s lists %s, which the tree does not have\n", dir, de->d_name);
	}
	closedir(d);
	CHECK_EQ(dots, 2);
	if (want) {
		while (want[expected])
			expected++;
	} else {
		for (int i = 0; i < nents; i++) {
			const char *p = ents[i].path;
			if (!strncmp(p, dir, dl) && p[dl] == '/' && !strchr(p + dl + 1, '/'))
				expected++;
		}
	}
	if (!CHECK_EQ(names, expected))
		printf("  ... %s lists %d names, the tree has %d\n", dir, names, expected);
}

/* TOP/root against TOP/manifest.txt. */
static void check_tree(const char *top)
{
	char root[256];
	static const char *const top_names[] = { "manifest.txt", "root", NULL };

	printf("checking %s\n", top);
	snprintf(root, sizeof(root), "%s/root", top);
	check_listing(top, top_names);
	if (!load_manifest(top))
		return;
	CHECK(find_ent(root) && find_ent(root)->type == 'd');
	check_coverage();
	for (int i = 0; i < nents; i++)
		check_entry(&ents[i]);
	check_links();
	for (int i = 0; i < nents; i++)
		if (ents[i].type == 'd')
			check_listing(ents[i].path, NULL);
	free(ents);
	ents = NULL;
	nents = 0;
}

/* The five entries before the broken one, and nothing from it on. */
static void check_partial(const char *top, const char *bad)
{
	static const char *const top_names[] = { "ok1", "ok2", "sub", NULL };
	static const char *const sub_names[] = { "ok3", NULL };
	static const struct { const char *name, *text; } files[] = {
		{ "ok1", "first\n" }, { "ok2", "second entry\n" }, { "sub/ok3", "third\n" },
	};
	const char *gone[] = { bad, "after", "after-dir" };
	char path[256];
	struct stat st;

	printf("checking %s\n", top);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", top, files[i].name);
		char *text = slurp(path, &len);
		if (text && !CHECK_STREQ(text, files[i].text))
			printf("  ... at %s\n", path);
		free(text);
	}
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", top, gone[i]);
		if (!CHECK_EQ(lstat(path, &st) == 0 ? 0 : errno, ENOENT))
			printf("  ... %s exists\n", path);
	}
	check_listing(top, top_names);
	snprintf(path, sizeof(path), "%s/sub", top);
	check_listing(path, sub_names);
}

int main(void)
{
	const char *variant = getenv("TST_INITRD");
	struct stat st;

	crc_init();
	/* cksum of "" and of "123456789" (the CRC-32/CKSUM check value). */
	CHECK_EQ(crc_end(0, 0), 4294967295u);
	CHECK_EQ(crc_end(crc_add(0, (const unsigned char *)"123456789", 9), 9), 930766865u);

	/* The archives hold "." with mode 0755: the root keeps a sane mode. */
	CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);

	check_tree("/linked");
	if (!variant) {
		/* nothing more: the linked tree alone */
	} else if (!strcmp(variant, "initrd")) {
		check_tree("/initrd");
	} else if (!strcmp(variant, "corrupt")) {
		check_partial("/corrupt", "bad");
	} else if (!strcmp(variant, "truncated")) {
		check_partial("/truncated", "big");
	} else {
		CHECK(!"TST_INITRD is initrd, corrupt or truncated");
	}
	return tst_done();
}
