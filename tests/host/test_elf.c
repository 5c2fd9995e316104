/*
 * test_elf.c - host tests of the compat loader's ELF parser (compat/elf.c).
 *
 * Real programs: Debian's busybox-static, hello worlds built here with
 * `gcc -static`, `gcc -static-pie`, `gcc -static -z execstack` and
 * `musl-gcc -static` (skipped, with the reason printed, when a compiler or
 * its static libc is missing), and every ELF file in /usr/bin and /usr/sbin
 * and a sample of the shared libraries: each plan is compared with what
 * `readelf -hlW` says (PT_LOADs, entry, TLS, stack, AT_PHDR), and each
 * dynamically linked program must be refused naming readelf's interpreter.
 * Errors: hand-made files with one defect each give -ENOEXEC and a reason
 * naming the defect; cutting a file short anywhere is refused.
 * Fuzz: thousands of mutated headers (in exact-size heap buffers, so ASan
 * sees any overread) never crash, always fail with a one-line reason or give
 * a plan that an independent checker accepts, and give the same answer
 * whether the parser saw the whole head of the file or asked for it.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#undef ENOTSUP /* kern/errno.h has it too (same value) */
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>

#include "host_shim.h"
#include "kern/elf.h"
#include "compat/elf.h"

#define WHY_LEN ELF_WHY_LEN

/* ---- helpers ---- */

static char tmp_dir[64];

static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/*
 * The head of a file - its first min(size, ELF_MAX_READ) bytes, all that the
 * parser may ask for - in an exact-size buffer, and its size; NULL if it
 * can't be read.
 */
static unsigned char *slurp_head(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	unsigned char *buf;
	size_t n;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return NULL;
	}
	n = MIN((size_t)st.st_size, (size_t)ELF_MAX_READ);
	buf = malloc(n ? n : 1);
	if (fread(buf, 1, n, f) != n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*size = st.st_size;
	return buf;
}

/* One call on an exact-size copy of data[0..len), so ASan catches overreads. */
static int parse_exact(const unsigned char *data, size_t len, uint64_t size, struct elf_plan *p,
		       char *why)
{
	unsigned char *h = malloc(len ? len : 1);
	int rc;

	memcpy(h, data, len);
	memset(why, 'x', WHY_LEN);
	rc = elf_plan_parse(len ? h : NULL, len, size, p, why, WHY_LEN);
	free(h);
	if (rc != 0 && rc != -ENOEXEC && rc <= 0)
		fail_msg("unexpected return %d (%s)", rc, why);
	if (rc < 0 && (!why[0] || strchr(why, '\n') || strlen(why) >= WHY_LEN - 1))
		fail_msg("error %d with a bad reason \"%.*s\"", rc, WHY_LEN, why);
	if (rc == 0 && why[0])
		fail_msg("success with a reason \"%s\"", why);
	return rc;
}

/*
 * What exec.c does: read min(size, 4096) bytes, then as many as the parser
 * asks for. data holds at least min(size, ELF_MAX_READ) bytes of the file.
 */
static int parse_like_exec(const unsigned char *data, uint64_t size, size_t first,
			   struct elf_plan *p, char *why)
{
	size_t len = MIN((uint64_t)first, size);
	int rc, calls = 0;

	while ((rc = parse_exact(data, len, size, p, why)) > 0) {
		if ((size_t)rc <= len || (uint64_t)rc > MIN(size, (uint64_t)ELF_MAX_READ))
			fail_msg("asked for %d bytes with %zu of %lu given", rc, len,
				 (unsigned long)size);
		len = rc;
		if (++calls > 3)
			fail_msg("more than three requests for more bytes");
	}
	return rc;
}

static int parse_file(const unsigned char *data, uint64_t size, struct elf_plan *p, char *why)
{
	return parse_like_exec(data, size, 4096, p, why);
}

/* ---- an independent check of a plan's promises (elf.h) ---- */

static void check_plan(const struct elf_plan *p, uint64_t size)
{
	uint64_t end;
	bool entry_ok = false;

	assert_true(p->nloads >= 1 && p->nloads <= ELF_MAX_LOADS);
	assert_true(p->phnum >= 1 && p->phnum <= ELF_MAX_PHNUM);
	assert_int_equal(p->phentsize, 56);
	for (int i = 0; i < p->nloads; i++) {
		const struct elf_load *l = &p->load[i];
		assert_true(l->memsz > 0);
		assert_true(l->filesz <= l->memsz);
		if (l->filesz) {
			assert_false(__builtin_add_overflow(l->offset, l->filesz, &end));
			assert_true(end <= size);
		} else {
			assert_true(l->offset == (l->vaddr & 4095));
		}
		assert_false(__builtin_add_overflow(l->vaddr, l->memsz, &end));
		assert_true(end <= ELF_USER_END);
		assert_true((l->vaddr & 4095) == (l->offset & 4095));
		assert_true(l->prot >= 0 && l->prot <= 7);
		if (i)
			assert_true(l->vaddr >= p->load[i - 1].vaddr + p->load[i - 1].memsz);
		if (!p->pie) {
			assert_true(ALIGN_DOWN(l->vaddr, 4096) >= ELF_MIN_VADDR);
			assert_true(ALIGN_UP(end, 4096) <= ELF_IMAGE_WINDOW_LO ||
				    ALIGN_DOWN(l->vaddr, 4096) >= ELF_IMAGE_WINDOW_HI);
		}
		if ((l->prot & ELF_PROT_EXEC) && p->entry >= l->vaddr &&
		    p->entry < l->vaddr + l->filesz)
			entry_ok = true;
	}
	const struct elf_load *last = &p->load[p->nloads - 1];
	assert_true(p->lo == ALIGN_DOWN(p->load[0].vaddr, 4096));
	assert_true(p->hi == ALIGN_UP(last->vaddr + last->memsz, 4096));
	assert_true(p->hi - p->lo <= ELF_MAX_EXTENT);
	assert_true(entry_ok && p->entry);
	assert_true(p->tls_filesz <= p->tls_memsz);
	assert_true((p->tls_align & (p->tls_align - 1)) == 0);
	if (p->phdr_vaddr) {
		bool in = false;
		for (int i = 0; i < p->nloads; i++)
			in |= p->phdr_vaddr >= p->load[i].vaddr &&
			      p->phdr_vaddr + 56ull * p->phnum <=
				      p->load[i].vaddr + p->load[i].filesz;
		assert_true(in);
	}
}

static bool plan_equal(const struct elf_plan *a, const struct elf_plan *b)
{
	if (a->pie != b->pie || a->entry != b->entry || a->lo != b->lo || a->hi != b->hi ||
	    a->phdr_vaddr != b->phdr_vaddr || a->phnum != b->phnum ||
	    a->phentsize != b->phentsize || a->nloads != b->nloads ||
	    a->exec_stack != b->exec_stack || a->tls_vaddr != b->tls_vaddr ||
	    a->tls_filesz != b->tls_filesz || a->tls_memsz != b->tls_memsz ||
	    a->tls_align != b->tls_align)
		return false;
	for (int i = 0; i < a->nloads; i++) {
		const struct elf_load *x = &a->load[i], *y = &b->load[i];
		if (x->vaddr != y->vaddr || x->memsz != y->memsz || x->offset != y->offset ||
		    x->filesz != y->filesz || x->prot != y->prot)
			return false;
	}
	return true;
}

/* ---- readelf's view of a file ---- */

struct ref {
	char type[16];          /* EXEC, DYN, ... */
	uint64_t entry, phoff;
	unsigned phnum;
	int nloads;
	struct elf_load load[64];
	char interp[512];       /* "" if none */
	bool tls, stack, stack_x, phdr;
	uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align, phdr_vaddr;
};

static bool readelf(const char *path, struct ref *r)
{
	char cmd[1024], line[1024], type[32], flags[4];
	unsigned long off, va, pa, fs, ms, al;
	FILE *f;
	int pos;

	memset(r, 0, sizeof(*r));
	snprintf(cmd, sizeof(cmd), "LC_ALL=C readelf -hlW '%s' 2>/dev/null", path);
	if (!(f = popen(cmd, "r")))
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *s;
		if ((s = strstr(line, "  Type:")))
			sscanf(s + 7, " %15s", r->type);
		else if ((s = strstr(line, "Entry point address:")))
			r->entry = strtoull(s + 20, NULL, 0);
		else if ((s = strstr(line, "Start of program headers:")))
			r->phoff = strtoull(s + 25, NULL, 0);
		else if ((s = strstr(line, "Number of program headers:")))
			r->phnum = strtoul(s + 26, NULL, 0);
		else if ((s = strstr(line, "[Requesting program interpreter: ")))
			sscanf(s + 33, "%511[^]]", r->interp);
		else if (sscanf(line, " %31s %lx %lx %lx %lx %lx %n", type, &off, &va, &pa, &fs,
				&ms, &pos) == 6) {
			memcpy(flags, line + pos, 3);
			flags[3] = 0;
			al = strtoul(line + pos + 3, NULL, 0);
			int prot = (strchr(flags, 'R') ? 1 : 0) | (strchr(flags, 'W') ? 2 : 0) |
				   (strchr(flags, 'E') ? 4 : 0);
			if (!strcmp(type, "LOAD") && ms && r->nloads < 64)
				r->load[r->nloads++] = (struct elf_load){ va, ms, off, fs, prot };
			if (!strcmp(type, "TLS")) {
				r->tls = true;
				r->tls_vaddr = va, r->tls_filesz = fs;
				r->tls_memsz = ms, r->tls_align = al;
			}
			if (!strcmp(type, "GNU_STACK"))
				r->stack = true, r->stack_x = prot & 4;
			if (!strcmp(type, "PHDR"))
				r->phdr = true, r->phdr_vaddr = va;
		}
	}
	return pclose(f) == 0 && r->type[0];
}

/* The plan must say what readelf says. */
static void compare_with_readelf(const char *path, const struct ref *r, const struct elf_plan *p)
{
	uint64_t phdr = 0;

	if (p->pie != !strcmp(r->type, "DYN") || p->entry != r->entry || p->phnum != r->phnum)
		fail_msg("%s: pie/entry/phnum %d/%#lx/%u, readelf %s/%#lx/%u", path, p->pie,
			 (unsigned long)p->entry, p->phnum, r->type, (unsigned long)r->entry,
			 r->phnum);
	if (p->nloads != r->nloads)
		fail_msg("%s: %d loads, readelf %d", path, p->nloads, r->nloads);
	for (int i = 0; i < p->nloads; i++) {
		const struct elf_load *a = &p->load[i], *b = &r->load[i];
		uint64_t off = b->filesz ? b->offset : b->vaddr & 4095; /* (elf.h) */
		if (a->vaddr != b->vaddr || a->memsz != b->memsz || a->offset != off ||
		    a->filesz != b->filesz || a->prot != b->prot)
			fail_msg("%s: load %d is %#lx+%#lx from %#lx+%#lx prot %d, readelf "
				 "%#lx+%#lx from %#lx+%#lx prot %d", path, i,
				 (unsigned long)a->vaddr, (unsigned long)a->memsz,
				 (unsigned long)a->offset, (unsigned long)a->filesz, a->prot,
				 (unsigned long)b->vaddr,
				 (unsigned long)b->memsz, (unsigned long)b->offset,
				 (unsigned long)b->filesz, b->prot);
	}
	if (r->tls ? (p->tls_vaddr != r->tls_vaddr || p->tls_filesz != r->tls_filesz ||
		      p->tls_memsz != r->tls_memsz || p->tls_align != r->tls_align)
		   : (p->tls_vaddr || p->tls_memsz || p->tls_align))
		fail_msg("%s: TLS %#lx/%#lx/%#lx/%#lx differs from readelf's", path,
			 (unsigned long)p->tls_vaddr, (unsigned long)p->tls_filesz,
			 (unsigned long)p->tls_memsz, (unsigned long)p->tls_align);
	if (p->exec_stack != (r->stack && r->stack_x))
		fail_msg("%s: exec_stack %d, readelf's GNU_STACK %s", path, p->exec_stack,
			 r->stack ? (r->stack_x ? "RWE" : "RW") : "absent");
	if (r->phdr) {
		phdr = r->phdr_vaddr;
	} else {
		for (int i = 0; i < r->nloads; i++)
			if (r->phoff >= r->load[i].offset &&
			    r->phoff + 56ull * r->phnum <= r->load[i].offset + r->load[i].filesz) {
				phdr = r->load[i].vaddr + r->phoff - r->load[i].offset;
				break;
			}
	}
	if (p->phdr_vaddr != phdr)
		fail_msg("%s: phdr_vaddr %#lx, expected %#lx", path, (unsigned long)p->phdr_vaddr,
			 (unsigned long)phdr);
}

/*
 * Parse a real file and check it against readelf: a static program gives a
 * plan equal to readelf's view, a dynamic one -ENOEXEC naming its
 * interpreter. Returns the parser's result; *plan is filled on success.
 */
static int check_real(const char *path, struct elf_plan *plan, char *why)
{
	struct ref *r = malloc(sizeof(*r));
	unsigned char *data;
	size_t n;
	int rc;

	if (!(data = slurp_head(path, &n)))
		fail_msg("cannot read %s", path);
	if (!readelf(path, r))
		fail_msg("readelf failed on %s", path);
	rc = parse_file(data, n, plan, why);
	if (r->interp[0]) {
		char want[600];
		snprintf(want, sizeof(want), "dynamically linked (interpreter %s)", r->interp);
		if (rc != -ENOEXEC || !strstr(why, want))
			fail_msg("%s: %d \"%s\", expected -ENOEXEC naming %s", path, rc, why,
				 r->interp);
	} else if (rc == 0) {
		check_plan(plan, n);
		compare_with_readelf(path, r, plan);
	}
	/* The same answer from the whole file in one buffer (no requests). */
	struct elf_plan again;
	char why2[WHY_LEN];
	int rc2 = parse_exact(data, MIN(n, (size_t)ELF_MAX_READ), n, &again, why2);
	if (rc2 != rc || strcmp(why, why2) || (rc == 0 && !plan_equal(plan, &again)))
		fail_msg("%s: %d \"%s\" in steps, %d \"%s\" at once", path, rc, why, rc2, why2);
	free(data);
	free(r);
	return rc;
}

/* ---- real programs ---- */

static void test_busybox(void **state)
{
	struct elf_plan p;
	char why[WHY_LEN];
	const char *bb = access("/bin/busybox", R_OK) == 0 ? "/bin/busybox" : "/usr/bin/busybox";

	if (access(bb, R_OK) != 0) {
		printf("SKIP: no /bin/busybox (apt-get install busybox-static)\n");
		skip();
	}
	if (check_real(bb, &p, why) != 0) {
		if (strstr(why, "dynamically linked")) {
			printf("SKIP: %s is the dynamic busybox, not busybox-static\n", bb);
			skip();
		}
		fail_msg("%s: %s", bb, why);
	}
	assert_false(p.pie);
	assert_int_equal(p.lo, 0x400000);
	assert_int_equal(p.phdr_vaddr, 0x400040); /* no PT_PHDR: found in the first PT_LOAD */
	assert_true(p.tls_memsz > 0);             /* glibc static: errno etc. */
	assert_false(p.exec_stack);
	assert_true(p.hi > p.lo);
}

/* Hello worlds built by setup(); NULL when the compiler could not build them. */
static char *prog_static, *prog_static_pie, *prog_execstack, *prog_musl, *prog_dynamic,
	*prog_musl_dynamic;
static char musl_why[128];

static void test_gcc_static(void **state)
{
	struct elf_plan p;
	char why[WHY_LEN];

	if (!prog_static) {
		printf("SKIP: gcc -static failed (no libc.a? apt-get install libc6-dev)\n");
		skip();
	}
	assert_int_equal(check_real(prog_static, &p, why), 0);
	assert_false(p.pie);
	assert_true(p.lo >= 0x400000);
	assert_true(p.tls_memsz >= 4); /* the test program's __thread int */
	assert_false(p.exec_stack);
}

static void test_gcc_static_pie(void **state)
{
	struct elf_plan p;
	char why[WHY_LEN];

	if (!prog_static_pie) {
		printf("SKIP: gcc -static-pie failed\n");
		skip();
	}
	assert_int_equal(check_real(prog_static_pie, &p, why), 0);
	assert_true(p.pie);
	assert_int_equal(p.lo, 0);
	assert_true(p.tls_memsz >= 4);
}

static void test_gcc_execstack(void **state)
{
	struct elf_plan p;
	char why[WHY_LEN];

	if (!prog_execstack) {
		printf("SKIP: gcc -static -z execstack failed\n");
		skip();
	}
	assert_int_equal(check_real(prog_execstack, &p, why), 0);
	assert_true(p.exec_stack);
}

static void test_musl_static(void **state)
{
	struct elf_plan p;
	char why[WHY_LEN];

	if (!prog_musl) {
		printf("SKIP: %s\n", musl_why);
		skip();
	}
	assert_int_equal(check_real(prog_musl, &p, why), 0);
	assert_false(p.pie);
	assert_true(p.tls_memsz >= 4);
}

static void test_dynamic(void **state)
{
	struct elf_plan p;
	char why[WHY_LEN];
	const char *progs[] = { "/bin/ls", prog_dynamic, prog_musl_dynamic };

	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		if (!progs[i] || access(progs[i], R_OK))
			continue;
		assert_int_equal(check_real(progs[i], &p, why), -ENOEXEC);
		if (!strstr(why, "dynamically linked (interpreter /lib") ||
		    !strstr(why, "only static programs run here"))
			fail_msg("%s: %s", progs[i], why);
		printf("%s: %s\n", progs[i], why);
	}
	if (access("/bin/ls", R_OK) == 0) {
		check_real("/bin/ls", &p, why);
		assert_string_equal(why, "dynamically linked (interpreter "
				    "/lib64/ld-linux-x86-64.so.2); only static programs run here");
	}
}

/*
 * Every ELF in the system's program directories against readelf, and a
 * sample of shared libraries (ET_DYN without PT_INTERP, like static-pie:
 * accepted, or refused for their entry point).
 */
static void scan_dir(const char *dir, int max, bool libs, int *stat_ok, int *dyn, int *other)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct elf_plan p;
	char why[WHY_LEN], path[1024];
	int seen = 0;

	if (!d)
		return;
	while ((e = readdir(d)) && seen < max) {
		unsigned char magic[4];
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (libs && !strstr(e->d_name, ".so"))
			continue;
		if (!(f = fopen(path, "rb")))
			continue;
		bool elf = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4);
		fclose(f);
		struct stat st;
		if (!elf || stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		seen++;
		int rc = check_real(path, &p, why);
		if (rc == 0)
			(*stat_ok)++;
		else if (strstr(why, "dynamically linked"))
			(*dyn)++;
		else if (libs && (strstr(why, "no entry point") ||
				  strstr(why, "outside every executable segment")))
			(*other)++;
		else if (!strncmp(why, "32-bit ELF", 10) || !strncmp(why, "ELF for machine", 15))
			printf("%s: %s\n", path, why), (*other)++;
		else
			fail_msg("%s refused: %s", path, why);
	}
	closedir(d);
}

static void test_host_programs(void **state)
{
	int ok = 0, dyn = 0, other = 0;

	scan_dir("/usr/bin", 3000, false, &ok, &dyn, &other);
	scan_dir("/usr/sbin", 1000, false, &ok, &dyn, &other);
	printf("programs: %d static accepted and equal to readelf, %d dynamic refused naming "
	       "their interpreter\n", ok, dyn);
	assert_true(dyn > 0);
	ok = dyn = other = 0;
	scan_dir("/usr/lib/x86_64-linux-gnu", 300, true, &ok, &dyn, &other);
	printf("shared libraries: %d accepted, %d refused as dynamic, %d refused for their "
	       "entry point\n", ok, dyn, other);
}

/* ---- hand-made files ---- */

/*
 * A small valid static program, written into a file image by syn_file():
 *   ph0 PT_LOAD R   file 0x0000+0x300 at 0x400000
 *   ph1 PT_LOAD R X file 0x1000+0x800 at 0x401000 (entry)
 *   ph2 PT_LOAD RW  file 0x2800+0x100 at 0x402800, memsz 0x2000
 *   ph3 PT_TLS      file 0x2800+0x10  at 0x402800, memsz 0x40, align 8
 *   ph4 PT_GNU_STACK RW
 * The table is written at tab_off (64), whatever e_phoff says.
 */
struct syn {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[40];
	int n;                 /* program headers written */
	uint64_t tab_off;
	size_t size;           /* of the file */
	uint64_t str_off;      /* a string written there if str is set */
	const char *str;
};

static void syn_init(struct syn *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->eh.e_ident, "\177ELF\2\1\1\0", 8);
	s->eh.e_type = ET_EXEC;
	s->eh.e_machine = EM_X86_64;
	s->eh.e_version = 1;
	s->eh.e_entry = 0x401000;
	s->eh.e_phoff = 64;
	s->eh.e_ehsize = 64;
	s->eh.e_phentsize = 56;
	s->eh.e_phnum = 5;
	s->n = 5;
	s->tab_off = 64;
	s->size = 0x3000;
	s->ph[0] = (struct elf64_phdr){ PT_LOAD, PF_R, 0, 0x400000, 0x400000, 0x300, 0x300,
					0x1000 };
	s->ph[1] = (struct elf64_phdr){ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x401000, 0x800,
					0x800, 0x1000 };
	s->ph[2] = (struct elf64_phdr){ PT_LOAD, PF_R | PF_W, 0x2800, 0x402800, 0x402800, 0x100,
					0x2000, 0x1000 };
	s->ph[3] = (struct elf64_phdr){ PT_TLS, PF_R, 0x2800, 0x402800, 0x402800, 0x10, 0x40, 8 };
	s->ph[4] = (struct elf64_phdr){ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16 };
}

static unsigned char *syn_file(const struct syn *s)
{
	unsigned char *f = calloc(1, s->size + 4096);

	memcpy(f, &s->eh, MIN(sizeof(s->eh), s->size));
	for (int i = 0; i < s->n; i++)
		if (s->tab_off + (i + 1) * 56ull <= s->size)
			memcpy(f + s->tab_off + i * 56, &s->ph[i], 56);
	if (s->str && s->str_off + strlen(s->str) + 1 <= s->size)
		memcpy(f + s->str_off, s->str, strlen(s->str) + 1);
	return f;
}

static int syn_parse(const struct syn *s, struct elf_plan *p, char *why)
{
	unsigned char *f = syn_file(s);
	int rc = parse_file(f, s->size, p, why);
	if (rc == 0)
		check_plan(p, s->size);
	/* the same answer from the whole head at once */
	struct elf_plan again;
	char why2[WHY_LEN];
	int rc2 = parse_exact(f, MIN(s->size, (size_t)ELF_MAX_READ), s->size, &again, why2);
	if (rc2 != rc || strcmp(why, why2) || (rc == 0 && !plan_equal(p, &again)))
		fail_msg("%d \"%s\" in steps, %d \"%s\" at once", rc, why, rc2, why2);
	free(f);
	return rc;
}

#define EXPECT_OK(s)                                                              \
	do {                                                                      \
		if (syn_parse(&(s), &plan, why) != 0)                             \
			fail_msg("line %d: refused: %s", __LINE__, why);          \
	} while (0)

#define EXPECT_REFUSED(s, substr)                                                 \
	do {                                                                      \
		int rc_ = syn_parse(&(s), &plan, why);                            \
		if (rc_ != -ENOEXEC || !strstr(why, substr))                      \
			fail_msg("line %d: got %d \"%s\", expected -ENOEXEC \"%s\"", \
				 __LINE__, rc_, why, substr);                     \
	} while (0)

static void test_synthetic_good(void **state)
{
	struct syn s;
	struct elf_plan plan;
	char why[WHY_LEN];

	syn_init(&s);
	EXPECT_OK(s);
	assert_false(plan.pie);
	assert_int_equal(plan.entry, 0x401000);
	assert_int_equal(plan.lo, 0x400000);
	assert_int_equal(plan.hi, 0x405000);
	assert_int_equal(plan.phdr_vaddr, 0x400040);
	assert_int_equal(plan.phnum, 5);
	assert_int_equal(plan.nloads, 3);
	assert_int_equal(plan.load[0].prot, ELF_PROT_READ);
	assert_int_equal(plan.load[1].prot, ELF_PROT_READ | ELF_PROT_EXEC);
	assert_int_equal(plan.load[2].prot, ELF_PROT_READ | ELF_PROT_WRITE);
	assert_int_equal(plan.load[2].vaddr, 0x402800);
	assert_int_equal(plan.load[2].memsz, 0x2000);
	assert_int_equal(plan.load[2].offset, 0x2800);
	assert_int_equal(plan.load[2].filesz, 0x100);
	assert_int_equal(plan.tls_vaddr, 0x402800);
	assert_int_equal(plan.tls_filesz, 0x10);
	assert_int_equal(plan.tls_memsz, 0x40);
	assert_int_equal(plan.tls_align, 8);
	assert_false(plan.exec_stack);

	/* PT_GNU_STACK with PF_X; and absent (Linux x86-64 >= 5.8: not executable) */
	s.ph[4].p_flags |= PF_X;
	EXPECT_OK(s);
	assert_true(plan.exec_stack);
	s.ph[4].p_type = PT_NOTE;
	EXPECT_OK(s);
	assert_false(plan.exec_stack);

	/* segments sharing a page without sharing a byte (and exactly adjacent) */
	syn_init(&s);
	s.ph[2].p_vaddr = 0x401800, s.ph[2].p_offset = 0x1800;
	s.ph[3].p_vaddr = 0x401800, s.ph[3].p_offset = 0x1800;
	EXPECT_OK(s);
	assert_int_equal(plan.hi, 0x404000);
	s.ph[2].p_vaddr = 0x401900, s.ph[2].p_offset = 0x1900;
	s.ph[3].p_vaddr = 0x401900, s.ph[3].p_offset = 0x1900;
	EXPECT_OK(s);

	/* a PT_LOAD of memsz 0 is left out; PT_NULL and unknown types are ignored */
	syn_init(&s);
	s.ph[4] = (struct elf64_phdr){ PT_LOAD, PF_R, 0, 0x300000, 0, 0, 0, 0x1000 };
	s.ph[5] = (struct elf64_phdr){ PT_NULL, 0, ~0ull, ~0ull, 0, ~0ull, ~0ull, 3 };
	s.ph[6] = (struct elf64_phdr){ 0x6fffffff, 0, ~0ull, ~0ull, 0, ~0ull, ~0ull, 3 };
	s.n = s.eh.e_phnum = 7;
	EXPECT_OK(s);
	assert_int_equal(plan.nloads, 3);

	/* PT_PHDR, which gives AT_PHDR */
	syn_init(&s);
	memmove(&s.ph[1], &s.ph[0], 5 * sizeof(s.ph[0]));
	s.ph[0] = (struct elf64_phdr){ PT_PHDR, PF_R, 64, 0x400040, 0, 6 * 56, 6 * 56, 8 };
	s.n = s.eh.e_phnum = 6;
	EXPECT_OK(s);
	assert_int_equal(plan.phdr_vaddr, 0x400040);
	/* the table not in a PT_LOAD and no PT_PHDR: phdr_vaddr 0 */
	syn_init(&s);
	s.ph[0].p_vaddr = 0x400200;
	s.ph[0].p_offset = 0x200;
	s.ph[0].p_filesz = s.ph[0].p_memsz = 0x100;
	EXPECT_OK(s);
	assert_int_equal(plan.phdr_vaddr, 0);

	/* static-pie: low addresses, and the image window, are the bias's business */
	syn_init(&s);
	s.eh.e_type = ET_DYN;
	for (int i = 0; i < 4; i++)
		s.ph[i].p_vaddr -= 0x400000;
	s.eh.e_entry -= 0x400000;
	EXPECT_OK(s);
	assert_true(plan.pie);
	assert_int_equal(plan.lo, 0);
	assert_int_equal(plan.phdr_vaddr, 0x40);
	for (int i = 0; i < 4; i++)
		s.ph[i].p_vaddr += 0x40000000;
	s.eh.e_entry += 0x40000000;
	EXPECT_OK(s);

	/* ET_EXEC right above the image window, and at the lowest allowed page */
	syn_init(&s);
	for (int i = 0; i < 4; i++)
		s.ph[i].p_vaddr += 0x80000000 - 0x400000;
	s.eh.e_entry += 0x80000000 - 0x400000;
	EXPECT_OK(s);
	syn_init(&s);
	for (int i = 0; i < 4; i++)
		s.ph[i].p_vaddr -= 0x400000 - 0x10000;
	s.eh.e_entry -= 0x400000 - 0x10000;
	EXPECT_OK(s);
	/* ...and at the top of the user half */
	syn_init(&s);
	for (int i = 0; i < 4; i++)
		s.ph[i].p_vaddr += ELF_USER_END - 0x405000;
	s.eh.e_entry += ELF_USER_END - 0x405000;
	EXPECT_OK(s);
	assert_int_equal(plan.hi, ELF_USER_END);

	/* OS/ABI GNU/Linux, a W+X segment, a PT_LOAD with no permissions */
	syn_init(&s);
	s.eh.e_ident[EI_OSABI] = ELFOSABI_GNU;
	s.ph[2].p_flags = PF_R | PF_W | PF_X;
	s.ph[0].p_flags = 0;
	EXPECT_OK(s);
	assert_int_equal(plan.load[0].prot, 0);
	assert_int_equal(plan.load[2].prot, 7);
	/* the most program headers, and the most loads */
	syn_init(&s);
	for (int i = 5; i < 40; i++)
		s.ph[i] = (struct elf64_phdr){ PT_NOTE, PF_R, 0x100, 0x400100, 0, 4, 4, 4 };
	s.n = 40;
	s.eh.e_phnum = ELF_MAX_PHNUM;
	EXPECT_OK(s); /* the entries after 40 are zero bytes: PT_NULL */
	syn_init(&s);
	s.ph[3].p_type = PT_NOTE; /* keep it simple: no TLS */
	s.n = s.eh.e_phnum = 3;
	for (int i = 0; i < ELF_MAX_LOADS - 3; i++)
		s.ph[s.n++] = (struct elf64_phdr){ PT_LOAD, PF_R, 0x2000, 0x500000 + i * 0x1000, 0,
						   8, 8, 0x1000 };
	s.eh.e_phnum = s.n;
	EXPECT_OK(s);
	assert_int_equal(plan.nloads, ELF_MAX_LOADS);
	s.ph[s.n++] = (struct elf64_phdr){ PT_LOAD, PF_R, 0x2000, 0x600000, 0, 8, 8, 0x1000 };
	s.eh.e_phnum = s.n;
	EXPECT_REFUSED(s, "more than 16 PT_LOAD segments");
}

static void test_header_errors(void **state)
{
	struct syn s;
	struct elf_plan plan;
	char why[WHY_LEN];

	syn_init(&s);
	s.eh.e_ident[1] = 'e';
	EXPECT_REFUSED(s, "not an ELF file");
	syn_init(&s);
	s.eh.e_ident[EI_CLASS] = ELFCLASS32;
	s.eh.e_machine = 3;
	EXPECT_REFUSED(s, "32-bit ELF for machine 3 (Intel 80386)");
	s.eh.e_ident[EI_CLASS] = 7;
	EXPECT_REFUSED(s, "invalid ELF class 7");
	syn_init(&s);
	s.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	EXPECT_REFUSED(s, "big-endian");
	s.eh.e_ident[EI_DATA] = 0;
	EXPECT_REFUSED(s, "invalid ELF data encoding 0");
	syn_init(&s);
	s.eh.e_ident[EI_VERSION] = 0;
	EXPECT_REFUSED(s, "ELF version 0 in e_ident");
	syn_init(&s);
	s.eh.e_version = 2;
	EXPECT_REFUSED(s, "ELF version 2 in e_version");
	syn_init(&s);
	s.eh.e_ident[EI_OSABI] = 9;
	EXPECT_REFUSED(s, "ELF for OS/ABI 9 (FreeBSD), not Linux");
	syn_init(&s);
	s.eh.e_machine = 40;
	EXPECT_REFUSED(s, "ELF for machine 40 (ARM), not x86-64");
	s.eh.e_machine = 183;
	EXPECT_REFUSED(s, "ELF for machine 183 (AArch64), not x86-64");
	s.eh.e_machine = 0x1234;
	EXPECT_REFUSED(s, "ELF for machine 4660 (unknown)");
	syn_init(&s);
	s.eh.e_type = ET_REL;
	EXPECT_REFUSED(s, "relocatable object");
	s.eh.e_type = ET_CORE;
	EXPECT_REFUSED(s, "core file");
	s.eh.e_type = ET_NONE;
	EXPECT_REFUSED(s, "no type");
	s.eh.e_type = 0xfe00;
	EXPECT_REFUSED(s, "ELF type 0xfe00, not an executable");
	syn_init(&s);
	s.eh.e_phentsize = 12;
	EXPECT_REFUSED(s, "e_phentsize 12 is not 56");
	s.eh.e_phentsize = 64;
	EXPECT_REFUSED(s, "e_phentsize 64 is not 56");
	syn_init(&s);
	s.eh.e_phnum = 0;
	EXPECT_REFUSED(s, "no program headers (e_phnum 0)");
	s.eh.e_phnum = 0xffff;
	EXPECT_REFUSED(s, "e_phnum 65535: more than 128 program headers");
	s.eh.e_phnum = ELF_MAX_PHNUM + 1;
	EXPECT_REFUSED(s, "e_phnum 129");
	syn_init(&s);
	s.eh.e_phoff = 0;
	EXPECT_REFUSED(s, "program header table at offset 0x0 overlaps the ELF header");
	s.eh.e_phoff = 63;
	EXPECT_REFUSED(s, "overlaps the ELF header");
	s.eh.e_phoff = 0x3000; /* = file size */
	EXPECT_REFUSED(s, "program header table (offset 0x3000, 5 entries) extends past the end "
			  "of the file (size 0x3000)");
	s.eh.e_phoff = 0x3000 - 5 * 56 + 1;
	EXPECT_REFUSED(s, "extends past the end of the file");
	s.eh.e_phoff = ~0ull - 100; /* offset + size wraps around */
	EXPECT_REFUSED(s, "extends past the end of the file");
	s.eh.e_phoff = 0x7fffffffffffffffull;
	EXPECT_REFUSED(s, "extends past the end of the file");
	/* a table beyond the first ELF_MAX_READ bytes of a big file */
	syn_init(&s);
	s.size = 0x20000;
	s.tab_off = s.eh.e_phoff = ELF_MAX_READ - 100;
	EXPECT_REFUSED(s, "beyond the first 65536 bytes of the file (unsupported)");
	/* ...but a table far from the start within them is read (two requests) */
	s.tab_off = s.eh.e_phoff = ELF_MAX_READ - 5 * 56;
	EXPECT_OK(s);
	assert_int_equal(plan.phdr_vaddr, 0);
}

static void test_load_errors(void **state)
{
	struct syn s;
	struct elf_plan plan;
	char why[WHY_LEN];

	syn_init(&s);
	s.ph[2].p_filesz = 0x2001;
	EXPECT_REFUSED(s, "program header 2 (PT_LOAD): p_filesz 0x2001 > p_memsz 0x2000");
	syn_init(&s);
	s.ph[1].p_filesz = s.ph[1].p_memsz = 0x2001;
	EXPECT_REFUSED(s, "program header 1 (PT_LOAD) extends past the end of the file (offset "
			  "0x1000 + 0x2001 > size 0x3000)");
	syn_init(&s);
	s.ph[2].p_offset = ~0ull - 0x7ff; /* offset + filesz wraps around */
	EXPECT_REFUSED(s, "program header 2 (PT_LOAD) extends past the end of the file");
	s.ph[2].p_offset = 0x3000; /* a bss-only segment needs no file bytes... */
	s.ph[2].p_filesz = 0;
	s.ph[3].p_filesz = 0;      /* (nor its TLS image) */
	EXPECT_REFUSED(s, "differ modulo the page size"); /* ...but congruent addresses */
	s.ph[2].p_offset = 0x3800; /* past the end of the file, as after sstrip */
	EXPECT_OK(s);
	s.ph[2].p_offset = ~0ull - 0x7ff;
	EXPECT_OK(s);
	assert_int_equal(plan.load[2].offset, 0x800); /* harmless in the plan */
	syn_init(&s);
	s.ph[2].p_vaddr = 0xfffffffffffff800ull; /* vaddr + memsz wraps around */
	EXPECT_REFUSED(s, "program header 2 (PT_LOAD) at 0xfffffffffffff800 + 0x2000 ends beyond "
			  "the user address space (0x800000000000)");
	s.ph[2].p_vaddr = ELF_USER_END - 0x1000 + 0x800;
	EXPECT_REFUSED(s, "ends beyond the user address space");
	s.ph[2].p_memsz = 0; /* even an empty segment must not be out there */
	s.ph[2].p_filesz = 0;
	s.ph[2].p_vaddr = ELF_USER_END + 0x800;
	EXPECT_REFUSED(s, "ends beyond the user address space");
	syn_init(&s);
	s.ph[1].p_offset = 0x1010;
	EXPECT_REFUSED(s, "program header 1 (PT_LOAD): p_offset 0x1010 and p_vaddr 0x401000 "
			  "differ modulo the page size");
	syn_init(&s);
	s.ph[0].p_vaddr = 0;
	EXPECT_REFUSED(s, "program header 0 (PT_LOAD) at 0x0 maps below 0x10000");
	s.ph[0].p_vaddr = 0xf000;
	EXPECT_REFUSED(s, "maps below 0x10000");
	s.ph[0].p_vaddr = 0xffff;  /* rounds down to page 0xf000 */
	s.ph[0].p_offset = 0xfff;
	s.ph[0].p_filesz = s.ph[0].p_memsz = 0x100;
	EXPECT_REFUSED(s, "maps below 0x10000");
	syn_init(&s);
	for (int i = 0; i < 4; i++)
		s.ph[i].p_vaddr += 0x40200000 - 0x400000;
	s.eh.e_entry += 0x40200000 - 0x400000;
	EXPECT_REFUSED(s, "program header 0 (PT_LOAD) at 0x40200000-0x40200300 overlaps the kernel "
			  "image window 0x40000000-0x80000000");
	syn_init(&s);
	s.ph[2].p_vaddr = s.ph[3].p_vaddr = 0x3fffe800; /* the bss runs into the window */
	EXPECT_REFUSED(s, "program header 2 (PT_LOAD) at 0x3fffe800-0x40000800 overlaps the kernel "
			  "image window");
	s.ph[2].p_vaddr = s.ph[3].p_vaddr = 0x7ffff800; /* starts in its last page */
	EXPECT_REFUSED(s, "overlaps the kernel image window");
	syn_init(&s);
	s.ph[2].p_vaddr = s.ph[3].p_vaddr = 0x401800 - 0x10;
	s.ph[2].p_offset = s.ph[3].p_offset = 0x1800 - 0x10;
	EXPECT_REFUSED(s, "PT_LOAD program headers 1 and 2 overlap (0x401000-0x401800 and "
			  "0x4017f0-0x4037f0)");
	syn_init(&s);
	s.ph[2].p_vaddr = s.ph[3].p_vaddr = 0x401000 + 0x800;
	s.ph[2].p_offset = s.ph[3].p_offset = 0x800;
	s.ph[1].p_vaddr = 0x402000;
	s.ph[1].p_offset = 0x1000;
	s.eh.e_entry = 0x402000;
	s.ph[1].p_memsz = 0x1000;
	EXPECT_REFUSED(s, "PT_LOAD program headers 1 and 2 are not in ascending address order");
	syn_init(&s);
	s.ph[2].p_vaddr = s.ph[3].p_vaddr = 0x400000 + (65ull << 30) + 0x800;
	EXPECT_REFUSED(s, "the PT_LOAD segments span 0x1040003000 bytes (0x400000-0x1040403000), "
			  "more than 64 GiB");
	syn_init(&s);
	for (int i = 0; i < 3; i++)
		s.ph[i].p_type = PT_NOTE;
	s.ph[3].p_type = PT_NOTE;
	EXPECT_REFUSED(s, "no PT_LOAD segment");
	syn_init(&s);
	s.ph[1].p_memsz = 0; /* the text segment is empty: no load at all for it */
	s.ph[1].p_filesz = 0;
	EXPECT_REFUSED(s, "entry point 0x401000 is outside every executable segment");
}

static void test_entry_tls_phdr_errors(void **state)
{
	struct syn s;
	struct elf_plan plan;
	char why[WHY_LEN];

	syn_init(&s);
	s.eh.e_entry = 0x400010; /* in the read-only segment */
	EXPECT_REFUSED(s, "entry point 0x400010 is outside every executable segment");
	s.eh.e_entry = 0x401800; /* one past the text */
	EXPECT_REFUSED(s, "entry point 0x401800 is outside every executable segment");
	s.eh.e_entry = 0x4017ff;
	EXPECT_OK(s);
	s.eh.e_entry = 0;
	EXPECT_REFUSED(s, "no entry point (e_entry is 0)");
	s.eh.e_entry = ~0ull;
	EXPECT_REFUSED(s, "outside every executable segment");
	syn_init(&s);
	s.ph[1].p_memsz = 0x1000; /* entry in the zero-filled tail of the text */
	s.eh.e_entry = 0x401900;
	EXPECT_REFUSED(s, "entry point 0x401900 is outside every executable segment");

	syn_init(&s);
	s.ph[3].p_filesz = 0x41;
	EXPECT_REFUSED(s, "program header 3 (PT_TLS): p_filesz 0x41 > p_memsz 0x40");
	syn_init(&s);
	s.ph[3].p_align = 24;
	EXPECT_REFUSED(s, "program header 3 (PT_TLS): alignment 0x18 is not a power of two");
	s.ph[3].p_align = 1ull << 30;
	EXPECT_REFUSED(s, "alignment 0x40000000 is more than 0x100000");
	s.ph[3].p_align = 0;
	EXPECT_OK(s);
	syn_init(&s);
	s.ph[3].p_vaddr = ~0ull - 0x10;
	EXPECT_REFUSED(s, "program header 3 (PT_TLS) at 0xffffffffffffffef + 0x40 is out of range");
	s.ph[3].p_vaddr = 0x402800;
	s.ph[3].p_memsz = ELF_MAX_EXTENT + 1;
	EXPECT_REFUSED(s, "(PT_TLS) at 0x402800 + 0x1000000001 is out of range");
	syn_init(&s);
	s.ph[3].p_vaddr = 0x402800 + 0xf8; /* image 0x10 bytes, file bytes end at +0x100 */
	EXPECT_REFUSED(s, "program header 3 (PT_TLS): its image 0x4028f8 + 0x10 is not in the file "
			  "bytes of a PT_LOAD");
	s.ph[3].p_vaddr = 0x402800 + 0xf0;
	EXPECT_OK(s);
	s.ph[3].p_vaddr = 0x10;
	EXPECT_REFUSED(s, "is not in the file bytes of a PT_LOAD");
	syn_init(&s);
	s.ph[4] = s.ph[3];
	EXPECT_REFUSED(s, "program headers 3 and 4 are both PT_TLS");

	/* PT_PHDR that does not show the table */
	syn_init(&s);
	s.ph[4] = (struct elf64_phdr){ PT_PHDR, PF_R, 64, 0x400048, 0, 5 * 56, 5 * 56, 8 };
	EXPECT_REFUSED(s, "program header 4 (PT_PHDR) at 0x400048 does not map the program header "
			  "table (file offset 0x40)");
	s.ph[4].p_vaddr = 0x500000;
	EXPECT_REFUSED(s, "(PT_PHDR) at 0x500000 does not map");
	s.ph[4].p_vaddr = 0x400300 - 56; /* runs past the file bytes of the first load */
	EXPECT_REFUSED(s, "does not map");
	s.ph[4].p_vaddr = 0x400040;
	EXPECT_OK(s);
	assert_int_equal(plan.phdr_vaddr, 0x400040);
	s.ph[3] = s.ph[4];
	EXPECT_REFUSED(s, "program headers 3 and 4 are both PT_PHDR");
}

static void test_interpreter(void **state)
{
	struct syn s;
	struct elf_plan plan;
	char why[WHY_LEN], name[400];

	syn_init(&s);
	s.ph[4] = (struct elf64_phdr){ PT_INTERP, PF_R, 0x200, 0x400200, 0, 28, 28, 1 };
	s.str_off = 0x200;
	s.str = "/lib64/ld-linux-x86-64.so.2";
	EXPECT_REFUSED(s, "dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2); only "
			  "static programs run here");
	/* named even when the rest is broken: that is the most useful reason */
	s.eh.e_entry = 0;
	s.ph[2].p_filesz = 0x10000;
	EXPECT_REFUSED(s, "(interpreter /lib64/ld-linux-x86-64.so.2)");
	/* unprintable bytes, a missing NUL, an empty name, a long one */
	syn_init(&s);
	s.ph[4] = (struct elf64_phdr){ PT_INTERP, PF_R, 0x200, 0x400200, 0, 9, 9, 1 };
	s.str_off = 0x200;
	s.str = "/lib/\033[2J";
	EXPECT_REFUSED(s, "(interpreter /lib/?[2J)");
	s.ph[4].p_filesz = 4; /* no NUL within p_filesz */
	EXPECT_REFUSED(s, "(interpreter /lib)");
	s.str = "";
	EXPECT_REFUSED(s, "(interpreter (empty name))");
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	s.str = name;
	s.ph[4].p_filesz = sizeof(name);
	EXPECT_REFUSED(s, "(interpreter aaaaaaaa");
	assert_non_null(strstr(why, "aaa...); only static"));
	/* outside the file */
	s.ph[4].p_offset = 0x2fff;
	s.ph[4].p_filesz = 2;
	EXPECT_REFUSED(s, "dynamically linked (program header 4, PT_INTERP, lies outside the "
			  "file)");
	s.ph[4].p_offset = ~0ull;
	EXPECT_REFUSED(s, "PT_INTERP, lies outside the file");
	s.ph[4].p_offset = 0x200;
	s.ph[4].p_filesz = 0;
	EXPECT_REFUSED(s, "PT_INTERP, lies outside the file");
	/* beyond the first 4096 bytes: the parser asks for them */
	syn_init(&s);
	s.size = 0x8000;
	s.ph[4] = (struct elf64_phdr){ PT_INTERP, PF_R, 0x5000, 0x405000, 0, 28, 28, 1 };
	s.str_off = 0x5000;
	s.str = "/lib64/ld-linux-x86-64.so.2";
	EXPECT_REFUSED(s, "(interpreter /lib64/ld-linux-x86-64.so.2)");
	/* beyond ELF_MAX_READ: named by its offset */
	s.size = 0x30000;
	s.ph[4].p_offset = s.str_off = 0x20000;
	EXPECT_REFUSED(s, "dynamically linked (interpreter named at file offset 0x20000); only "
			  "static programs run here");
}

/* The parser's requests for more bytes, one call at a time. */
static void test_requests(void **state)
{
	struct syn s;
	struct elf_plan plan;
	char why[WHY_LEN];
	unsigned char *f;

	syn_init(&s);
	f = syn_file(&s);
	assert_int_equal(parse_exact(f, 0, s.size, &plan, why), 64);
	assert_int_equal(parse_exact(f, 3, s.size, &plan, why), 64);
	assert_int_equal(parse_exact(f, 63, s.size, &plan, why), 64);
	assert_int_equal(parse_exact(f, 64, s.size, &plan, why), 64 + 5 * 56);
	assert_int_equal(parse_exact(f, 64 + 5 * 56 - 1, s.size, &plan, why), 64 + 5 * 56);
	assert_int_equal(parse_exact(f, 64 + 5 * 56, s.size, &plan, why), 0);
	/* what is visible is judged before asking for more */
	f[1] = 'X';
	assert_int_equal(parse_exact(f, 3, s.size, &plan, why), -ENOEXEC);
	assert_string_equal(why, "not an ELF file");
	f[1] = 'E';
	f[EI_CLASS] = ELFCLASS32;
	f[18] = 3;
	assert_int_equal(parse_exact(f, 19, s.size, &plan, why), 64); /* e_machine not seen */
	assert_int_equal(parse_exact(f, 20, s.size, &plan, why), -ENOEXEC);
	assert_string_equal(why, "32-bit ELF for machine 3 (Intel 80386); only 64-bit x86-64 "
			    "programs run here");
	assert_int_equal(parse_exact(f, 16, 16, &plan, why), -ENOEXEC); /* a 16-byte file */
	assert_string_equal(why, "32-bit ELF; only 64-bit x86-64 programs run here");
	free(f);
	/* a PT_INTERP beyond the first bytes: a second request */
	s.size = 0x8000;
	s.ph[4] = (struct elf64_phdr){ PT_INTERP, PF_R, 0x5000, 0x405000, 0, 28, 28, 1 };
	s.str_off = 0x5000;
	s.str = "/lib/ld-musl-x86_64.so.1";
	f = syn_file(&s);
	assert_int_equal(parse_exact(f, 64, s.size, &plan, why), 64 + 5 * 56);
	assert_int_equal(parse_exact(f, 4096, s.size, &plan, why), 0x5000 + 28);
	assert_int_equal(parse_exact(f, 0x5000 + 28, s.size, &plan, why), -ENOEXEC);
	assert_string_equal(why, "dynamically linked (interpreter /lib/ld-musl-x86_64.so.1); only "
			    "static programs run here");
	free(f);
}

static void test_misuse(void **state)
{
	struct syn s;
	struct elf_plan plan;
	char why[8];
	unsigned char *f;

	syn_init(&s);
	f = syn_file(&s);
	assert_int_equal(elf_plan_parse(f, 100, 99, &plan, NULL, 0), -EINVAL);
	assert_int_equal(elf_plan_parse(f, 100, 0x3000, NULL, NULL, 0), -EINVAL);
	assert_int_equal(elf_plan_parse(NULL, 100, 0x3000, &plan, NULL, 0), -EINVAL);
	/* no reason buffer, or a tiny one: still the right answer */
	assert_int_equal(elf_plan_parse(f, 0x3000, 0x3000, &plan, NULL, 0), 0);
	f[18] = 40;
	assert_int_equal(elf_plan_parse(f, 0x3000, 0x3000, &plan, NULL, 0), -ENOEXEC);
	assert_int_equal(elf_plan_parse(f, 0x3000, 0x3000, &plan, why, sizeof(why)), -ENOEXEC);
	assert_string_equal(why, "ELF for");
	assert_int_equal(elf_plan_parse(f, 0x3000, 0x3000, &plan, why, 1), -ENOEXEC);
	assert_string_equal(why, "");
	free(f);
	/* small files */
	assert_int_equal(elf_plan_parse("", 0, 0, &plan, why, sizeof(why)), -ENOEXEC);
	char big[WHY_LEN];
	assert_int_equal(elf_plan_parse("", 0, 0, &plan, big, sizeof(big)), -ENOEXEC);
	assert_string_equal(big, "not an ELF file (empty file)");
	assert_int_equal(elf_plan_parse("\177EL", 3, 3, &plan, big, sizeof(big)), -ENOEXEC);
	assert_string_equal(big, "not an ELF file");
	assert_int_equal(elf_plan_parse("#!/bin/sh\n", 10, 10, &plan, big, sizeof(big)), -ENOEXEC);
	assert_string_equal(big, "not an ELF file");
	assert_int_equal(elf_plan_parse("\177ELF\2\1\1", 7, 7, &plan, big, sizeof(big)), -ENOEXEC);
	assert_string_equal(big, "truncated ELF header (7 bytes of 64)");
}

/*
 * A file cut short anywhere is refused (or, past its last byte loaded,
 * accepted). data: the head of the file (slurp_head), n its full size.
 */
static void cut_everywhere(const unsigned char *data, size_t n, size_t step, const char *what)
{
	struct elf_plan p;
	char why[WHY_LEN];
	size_t need = 0;
	int refused = 0;

	assert_int_equal(parse_file(data, n, &p, why), 0);
	for (int i = 0; i < p.nloads; i++)
		need = MAX(need, p.load[i].offset + p.load[i].filesz);
	for (size_t len = 0; len < n; len += len < 8192 ? 1 : step) {
		int rc = parse_file(data, len, &p, why);
		if (len < need && rc != -ENOEXEC)
			fail_msg("%s cut at %zu (needs %zu): %d", what, len, need, rc);
		if (len >= need && rc != 0)
			fail_msg("%s cut at %zu (needs %zu): %s", what, len, need, why);
		if (rc == -ENOEXEC) {
			refused++;
			if (len < 4)
				assert_non_null(strstr(why, "not an ELF file"));
			else if (len < 64)
				assert_non_null(strstr(why, "truncated ELF header"));
			else if (!strstr(why, "extends past the end of the file"))
				fail_msg("%s cut at %zu: %s", what, len, why);
		}
	}
	printf("%s: cut at %d lengths, refused each time with a reason\n", what, refused);
}

static void test_truncation(void **state)
{
	struct syn s;
	unsigned char *f, *bb;
	size_t n;

	syn_init(&s);
	f = syn_file(&s);
	cut_everywhere(f, s.size, 1, "synthetic");
	free(f);
	if ((bb = slurp_head("/bin/busybox", &n))) {
		cut_everywhere(bb, n, 4093, "busybox");
		free(bb);
	}
	if (prog_static_pie && (f = slurp_head(prog_static_pie, &n))) {
		cut_everywhere(f, n, 1021, "static-pie");
		free(f);
	}
}

/* ---- fuzz ---- */

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13, rnd_state ^= rnd_state >> 7, rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static uint64_t interesting(uint64_t old)
{
	static const uint64_t v[] = {
		0, 1, 2, 7, 8, 56, 63, 64, 0xfff, 0x1000, 0x1001, 0xffff, 0x10000, 0x400000,
		0x3ffff000, 0x40000000, 0x7ffff000, 0x80000000, 0xffffffff, 0x100000000,
		ELF_MAX_EXTENT, 0x7ffffffff000, ELF_USER_END, ELF_USER_END - 1,
		0x7fffffffffffffff, 0x8000000000000000, ~0ull - 0xfff, ~0ull,
	};
	switch (rnd() % 4) {
	case 0: return v[rnd() % ARRAY_SIZE(v)];
	case 1: return old + (int64_t)(rnd() % 8193) - 4096;
	case 2: return old ^ (1ull << (rnd() % 64));
	default: return rnd() >> (rnd() % 64);
	}
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = v >> (8 * i);
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

struct base {
	unsigned char *data; /* the first MIN(size, ELF_MAX_READ) bytes */
	size_t size;
};

static void fuzz_one(const struct base *b, int iter, int *oks, int *errs)
{
	size_t blen = MIN(b->size, (size_t)ELF_MAX_READ), size = b->size;
	unsigned char *w = malloc(blen);
	unsigned phnum = b->data[56] | b->data[57] << 8;
	size_t region = MIN(blen, 64 + 56 * (size_t)MIN(phnum, 40));
	struct elf_plan p, q;
	char why[WHY_LEN], why2[WHY_LEN];

	memcpy(w, b->data, blen);
	for (int k = 0, m = 1 + rnd() % 4; k < m; k++) {
		switch (rnd() % 6) {
		case 0: /* random bytes in the headers */
			w[rnd() % region] = rnd();
			break;
		case 1: /* a program header field */
		case 2: {
			unsigned i = rnd() % MAX(phnum, 1u);
			static const int off[] = { 0, 4, 8, 16, 24, 32, 40, 48 };
			int o = off[rnd() % 8], nb = o < 8 ? 4 : 8;
			size_t at = 64 + 56 * (size_t)i + o;
			if (at + nb <= blen)
				put_le(w + at, interesting(get_le(w + at, nb)), nb);
			break;
		}
		case 3: { /* an ELF header field */
			static const int off[] = { 16, 18, 20, 24, 32, 54, 56 };
			static const int nb[] = { 2, 2, 4, 8, 8, 2, 2 };
			int f = rnd() % 7;
			put_le(w + off[f], interesting(get_le(w + off[f], nb[f])), nb[f]);
			break;
		}
		case 4: /* the file cut short */
			size = rnd() % (size + 1);
			blen = MIN(blen, size);
			region = MIN(region, blen);
			if (!region)
				region = 1;
			break;
		case 5: /* two program headers swapped */
			if (phnum >= 2 && 64 + 56 * (size_t)MIN(phnum, 40) <= blen) {
				unsigned char t[56];
				unsigned i = rnd() % MIN(phnum, 40), j = rnd() % MIN(phnum, 40);
				memcpy(t, w + 64 + 56 * i, 56);
				memmove(w + 64 + 56 * i, w + 64 + 56 * j, 56);
				memcpy(w + 64 + 56 * j, t, 56);
			}
			break;
		}
	}
	/* as exec.c calls it (4096 bytes first, or fewer to exercise the requests) */
	size_t first = rnd() % 3 ? 4096 : rnd() % 4097;
	int rc = parse_like_exec(w, size, first, &p, why);
	int rc2 = parse_exact(w, blen, size, &q, why2);
	if (rc != rc2 || strcmp(why, why2) || (rc == 0 && !plan_equal(&p, &q)))
		fail_msg("iteration %d: %d \"%s\" in steps, %d \"%s\" at once", iter, rc, why, rc2,
			 why2);
	if (rc == 0) {
		check_plan(&p, size);
		(*oks)++;
	} else {
		assert_int_equal(rc, -ENOEXEC);
		(*errs)++;
	}
	free(w);
}

static void test_fuzz(void **state)
{
	struct base bases[4];
	int nb = 0, oks = 0, errs = 0;
	struct syn s;
	size_t n;
	unsigned char *f;
	const char *files[] = { "/bin/busybox", prog_static_pie, prog_musl };

	syn_init(&s);
	bases[nb++] = (struct base){ syn_file(&s), s.size };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (files[i] && (f = slurp_head(files[i], &n)))
			bases[nb++] = (struct base){ f, n };
	}
	for (int iter = 0; iter < 200000; iter++)
		fuzz_one(&bases[iter % nb], iter, &oks, &errs);
	printf("fuzz: %d headers from %d files: %d refused with a reason, %d accepted and "
	       "checked\n", oks + errs, nb, errs, oks);
	assert_true(errs > 50000 && oks > 5000);
	for (int i = 0; i < nb; i++)
		free(bases[i].data);
}

/* ---- set-up: the hello worlds ---- */

static char *build(const char *name, const char *cmd_fmt)
{
	char out[256], cmd[1024];

	snprintf(out, sizeof(out), "%s/%s", tmp_dir, name);
	snprintf(cmd, sizeof(cmd), cmd_fmt, out, tmp_dir);
	if (sh("%s >%s/%s.log 2>&1", cmd, tmp_dir, name) != 0 || access(out, R_OK) != 0)
		return NULL;
	return strdup(out);
}

static int setup(void **state)
{
	FILE *f;

	strcpy(tmp_dir, "/tmp/elf-test-XXXXXX");
	assert_non_null(mkdtemp(tmp_dir));
	char src[128];
	snprintf(src, sizeof(src), "%s/hello.c", tmp_dir);
	f = fopen(src, "w");
	assert_non_null(f);
	fputs("#include <stdio.h>\n__thread int t = 42;\n"
	      "int main(void) { printf(\"hello %d\\n\", t); return 0; }\n", f);
	fclose(f);
	prog_static = build("static", "gcc -O2 -static -o %s %s/hello.c");
	prog_static_pie = build("static-pie", "gcc -O2 -static-pie -o %s %s/hello.c");
	prog_execstack = build("execstack", "gcc -O2 -static -Wl,-z,execstack -o %s %s/hello.c");
	prog_dynamic = build("dynamic", "gcc -O2 -o %s %s/hello.c");
	if (sh("command -v musl-gcc >/dev/null") != 0) {
		snprintf(musl_why, sizeof(musl_why), "no musl-gcc (apt-get install musl-tools)");
	} else {
		prog_musl = build("musl", "musl-gcc -O2 -static -o %s %s/hello.c");
		prog_musl_dynamic = build("musl-dynamic", "musl-gcc -O2 -o %s %s/hello.c");
		if (!prog_musl) {
			char log[128], line[80] = "";
			snprintf(log, sizeof(log), "%s/musl.log", tmp_dir);
			if ((f = fopen(log, "r"))) {
				if (!fgets(line, sizeof(line), f))
					line[0] = 0;
				fclose(f);
			}
			line[strcspn(line, "\n")] = 0;
			snprintf(musl_why, sizeof(musl_why), "musl-gcc -static failed: %s", line);
		}
	}
	return 0;
}

static int teardown(void **state)
{
	sh("rm -rf %s", tmp_dir);
	free(prog_static);
	free(prog_static_pie);
	free(prog_execstack);
	free(prog_musl);
	free(prog_dynamic);
	free(prog_musl_dynamic);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busybox),
		cmocka_unit_test(test_gcc_static),
		cmocka_unit_test(test_gcc_static_pie),
		cmocka_unit_test(test_gcc_execstack),
		cmocka_unit_test(test_musl_static),
		cmocka_unit_test(test_dynamic),
		cmocka_unit_test(test_host_programs),
		cmocka_unit_test(test_synthetic_good),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_entry_tls_phdr_errors),
		cmocka_unit_test(test_interpreter),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
