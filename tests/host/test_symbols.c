/*
 * test_symbols.c - host tests of the ELF symbolizer (debug/symbols.c):
 *  - a small ELF built here, byte by byte, pins down the rules (which
 *    symbols count, aliases, 0-sized symbols, gaps, every header check);
 *  - this test's own executable (linked -no-pie, so function pointers equal
 *    symbol values) is checked against known functions and against `nm`;
 *  - truncated and randomly corrupted files (run under ASan) must give an
 *    error or a sane table, never a bad read, and never leak.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "host_shim.h"
#include "debug/symbols.h"

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- a synthetic ELF ---- */

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};
struct esym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};

enum { S_NULL, S_TEXT, S_DATA, S_SYMTAB, S_STRTAB, NSECT };
#define TEXT_ADDR 0x401000UL
#define TEXT_SIZE 0x1000UL
#define STT(bind, type) ((bind) << 4 | (type))
#define NOTYPE 0
#define OBJECT 1
#define FUNC 2
#define SECTION 3
#define FILE_ 4
#define LOCAL 0
#define GLOBAL 1
#define WEAK 2

static const struct {
	const char *name;
	uint8_t info;
	uint16_t shndx;
	uint64_t value, size;
} synth_syms[] = {
	{ "f1", STT(GLOBAL, FUNC), S_TEXT, 0x401000, 0x40 },
	{ "f1_alias", STT(WEAK, FUNC), S_TEXT, 0x401000, 0x40 },
	{ "label", STT(LOCAL, NOTYPE), S_TEXT, 0x401100, 0 },
	{ "f3", STT(LOCAL, FUNC), S_TEXT, 0x401180, 0x20 },
	{ "f3_label", STT(GLOBAL, NOTYPE), S_TEXT, 0x401180, 0 },
	{ "tail", STT(LOCAL, NOTYPE), S_TEXT, 0x401f00, 0 },
	{ "obj", STT(GLOBAL, OBJECT), S_DATA, 0x402000, 8 },
	{ "dlabel", STT(LOCAL, NOTYPE), S_DATA, 0x402010, 0 },
	{ "undef", STT(GLOBAL, FUNC), 0, 0, 0 },
	{ "absf", STT(GLOBAL, FUNC), 0xfff1, 0x401500, 0x10 },
	{ "sect", STT(LOCAL, SECTION), S_TEXT, 0x401000, 0 },
	{ "file.c", STT(LOCAL, FILE_), 0xfff1, 0, 0 },
	{ "badidx", STT(GLOBAL, FUNC), 77, 0x401600, 0x10 },
	{ "f1_local", STT(LOCAL, FUNC), S_TEXT, 0x401000, 0x40 },
	{ "f2", STT(GLOBAL, FUNC), S_TEXT, 0x401040, 0x40 },
};
#define NSYMS (ARRAY_SIZE(synth_syms) + 1)

/* Offsets of the parts in the synthetic file. */
#define OFF_SYMTAB 0x40
#define OFF_STRTAB (OFF_SYMTAB + NSYMS * sizeof(struct esym))
#define SYNTH_MAX 4096

static uint8_t synth[SYNTH_MAX];
static size_t synth_size, off_shdrs, strtab_size;

static struct ehdr *synth_eh(void) { return (struct ehdr *)synth; }
static struct shdr *synth_sh(int i) { return (struct shdr *)(synth + off_shdrs) + i; }

static void build_synth(void)
{
	struct ehdr *eh = (struct ehdr *)synth;
	struct esym *sym = (struct esym *)(synth + OFF_SYMTAB);
	char *str = (char *)synth + OFF_STRTAB;
	size_t s = 1;

	memset(synth, 0, sizeof(synth));
	memcpy(eh->ident, "\177ELF\2\1\1", 7);
	eh->type = 2;
	eh->machine = 62;
	eh->version = 1;
	eh->ehsize = sizeof(*eh);
	eh->shentsize = sizeof(struct shdr);
	eh->shnum = NSECT;
	for (size_t i = 0; i < ARRAY_SIZE(synth_syms); i++) {
		struct esym *e = &sym[i + 1];
		e->name = s;
		strcpy(str + s, synth_syms[i].name);
		s += strlen(synth_syms[i].name) + 1;
		e->info = synth_syms[i].info;
		e->shndx = synth_syms[i].shndx;
		e->value = synth_syms[i].value;
		e->size = synth_syms[i].size;
	}
	strtab_size = s;
	off_shdrs = ALIGN_UP(OFF_STRTAB + s, 8);
	eh->shoff = off_shdrs;
	synth_size = off_shdrs + NSECT * sizeof(struct shdr);
	assert_true(synth_size <= SYNTH_MAX);
	*synth_sh(S_TEXT) = (struct shdr){ .type = 1, .flags = 6, .addr = TEXT_ADDR,
					  .offset = 0, .size = TEXT_SIZE };
	*synth_sh(S_DATA) = (struct shdr){ .type = 1, .flags = 3, .addr = 0x402000, .size = 0x100 };
	*synth_sh(S_SYMTAB) = (struct shdr){ .type = 2, .offset = OFF_SYMTAB,
					    .size = NSYMS * sizeof(struct esym), .link = S_STRTAB,
					    .entsize = sizeof(struct esym) };
	*synth_sh(S_STRTAB) = (struct shdr){ .type = 3, .offset = OFF_STRTAB, .size = s };
}

static int setup(void **state)
{
	host_kmalloc_setup();
	build_synth();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(kmalloc_bytes_in_use(), 0);
	host_pages_release();
	return 0;
}

/* What a loaded table must always look like. */
static void check_table(const struct sym_table *t)
{
	assert_true(t->count > 0);
	for (size_t i = 0; i < t->count; i++) {
		const struct sym_entry *e = &t->syms[i];
		assert_true(e->name < t->names_size);
		assert_true(memchr(t->names + e->name, '\0', t->names_size - e->name) != NULL);
		assert_int_equal(e->rank, 0);
		if (i)
			assert_true(t->syms[i - 1].addr < e->addr);
		if (e->size)
			assert_ptr_equal(sym_find(t, e->addr), e);
	}
}

static void expect(const struct sym_table *t, uint64_t addr, const char *want)
{
	char buf[128];
	int n = sym_format(t, addr, buf, sizeof(buf));

	if (!want) {
		if (n != -ENOENT)
			fail_msg("0x%lx: got \"%s\", expected no symbol", (unsigned long)addr, buf);
		assert_string_equal(buf, "");
		return;
	}
	if (n < 0 || strcmp(buf, want))
		fail_msg("0x%lx: got \"%s\" (%d), expected \"%s\"", (unsigned long)addr, buf, n,
			 want);
	assert_int_equal(n, strlen(want));
}

static void test_synthetic(void **state)
{
	struct sym_table t;
	uint64_t off = 99;

	assert_int_equal(sym_table_load(&t, synth, synth_size), 0);
	check_table(&t);
	assert_int_equal(t.count, 5); /* f1, f2, label, f3, tail */
	expect(&t, 0x401000, "f1+0x0/0x40");  /* GLOBAL beats WEAK and LOCAL aliases */
	expect(&t, 0x40103f, "f1+0x3f/0x40");
	expect(&t, 0x401040, "f2+0x0/0x40");
	expect(&t, 0x401080, NULL);           /* gap after f2 */
	expect(&t, 0x401110, "label+0x10/0x80"); /* 0-sized: up to f3 */
	expect(&t, 0x40117f, "label+0x7f/0x80");
	expect(&t, 0x401180, "f3+0x0/0x20");  /* FUNC with a size beats a NOTYPE label */
	expect(&t, 0x4011a0, NULL);
	expect(&t, 0x401500, NULL);           /* an ABS symbol is not code */
	expect(&t, 0x401600, NULL);           /* bad section index: skipped */
	expect(&t, 0x401fff, "tail+0xff/0x100"); /* 0-sized, last: up to its section's end */
	expect(&t, 0x402000, NULL);           /* data */
	expect(&t, 0x402010, NULL);
	expect(&t, 0, NULL);
	expect(&t, 0x400fff, NULL);
	expect(&t, UINT64_MAX, NULL);
	assert_string_equal(sym_lookup(&t, 0x401044, &off), "f2");
	assert_int_equal(off, 4);
	assert_null(sym_lookup(&t, 0x402000, &off));
	assert_string_equal(sym_lookup(&t, 0x401044, NULL), "f2");
	/* A short buffer: truncated, the full length returned, like snprintf. */
	char small[4];
	assert_int_equal(sym_format(&t, 0x401001, small, sizeof(small)), strlen("f1+0x1/0x40"));
	assert_string_equal(small, "f1+");
	sym_table_free(&t);
	assert_null(sym_find(&t, 0x401000)); /* an empty table finds nothing */
	assert_null(sym_find(NULL, 0x401000));
}

/* Extended section numbering: e_shnum 0, the count in section 0's sh_size. */
static void test_extended_shnum(void **state)
{
	struct sym_table t;

	synth_eh()->shnum = 0;
	synth_sh(0)->size = NSECT;
	assert_int_equal(sym_table_load(&t, synth, synth_size), 0);
	assert_int_equal(t.count, 5);
	sym_table_free(&t);
	synth_sh(0)->size = 1000; /* more than the file holds */
	assert_int_equal(sym_table_load(&t, synth, synth_size), -EINVAL);
}

static void expect_load(int want, const char *what)
{
	struct sym_table t;
	int ret = sym_table_load(&t, synth, synth_size);

	if (ret != want)
		fail_msg("%s: returned %d, expected %d", what, ret, want);
	if (!ret)
		sym_table_free(&t);
	assert_null(t.syms);
	build_synth();
}

static void test_bad_headers(void **state)
{
	struct sym_table t;

	assert_int_equal(sym_table_load(&t, synth, 63), -ENOEXEC);
	assert_int_equal(sym_table_load(&t, synth, 0), -ENOEXEC);
	assert_int_equal(sym_table_load(&t, NULL, 0), -ENOEXEC);
	synth[3] = 'f';
	expect_load(-ENOEXEC, "bad magic");
	synth[4] = 1;
	expect_load(-ENOEXEC, "ELFCLASS32");
	synth[5] = 2;
	expect_load(-ENOEXEC, "big-endian");
	synth_eh()->machine = 3;
	expect_load(-ENOEXEC, "i386");
	synth_eh()->shoff = 0;
	expect_load(-ENOENT, "no section headers");
	synth_eh()->shentsize = 40;
	expect_load(-EINVAL, "e_shentsize");
	synth_eh()->shoff = synth_size - 8;
	expect_load(-EINVAL, "section headers past the end");
	synth_eh()->shoff = UINT64_MAX - 8;
	expect_load(-EINVAL, "e_shoff overflow");
	synth_eh()->shnum = 0xfeff;
	expect_load(-EINVAL, "e_shnum too big");
	synth_sh(S_SYMTAB)->type = 1;
	expect_load(-ENOENT, "no .symtab");
	synth_sh(S_SYMTAB)->entsize = 16;
	expect_load(-EINVAL, "sh_entsize");
	synth_sh(S_SYMTAB)->offset = synth_size;
	expect_load(-EINVAL, ".symtab offset");
	synth_sh(S_SYMTAB)->size = UINT64_MAX - 7;
	expect_load(-EINVAL, ".symtab size overflow");
	synth_sh(S_SYMTAB)->link = NSECT;
	expect_load(-EINVAL, "sh_link out of range");
	synth_sh(S_SYMTAB)->link = S_DATA;
	expect_load(-EINVAL, "sh_link not a string table");
	synth_sh(S_STRTAB)->size = synth_size;
	expect_load(-EINVAL, ".strtab size");
	synth_sh(S_STRTAB)->offset = UINT64_MAX;
	expect_load(-EINVAL, ".strtab offset");
	synth_sh(S_SYMTAB)->size = 0;
	expect_load(-ENOENT, "empty .symtab");
	synth_sh(S_TEXT)->flags = 2; /* .text not executable: nothing is code */
	expect_load(-ENOENT, "no code symbols");
}

/* A string table cut inside the last name: that symbol goes, the others stay. */
static void test_cut_strtab(void **state)
{
	struct sym_table t;

	synth_sh(S_STRTAB)->size = strtab_size - 2; /* "f2\0" -> "f" */
	assert_int_equal(sym_table_load(&t, synth, synth_size), 0);
	check_table(&t);
	assert_int_equal(t.count, 4);
	expect(&t, 0x401040, NULL);
	expect(&t, 0x401000, "f1+0x0/0x40");
	sym_table_free(&t);
	/* A name offset past the table: skipped too. */
	build_synth();
	((struct esym *)(synth + OFF_SYMTAB))[1].name = strtab_size;
	assert_int_equal(sym_table_load(&t, synth, synth_size), 0);
	expect(&t, 0x401000, "f1_alias+0x0/0x40");
	sym_table_free(&t);
}

/* ---- the reader interface ---- */

struct counting_reader {
	const uint8_t *data;
	uint64_t size;
	int reads, fail_at;
	size_t biggest;
};

static int counting_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct counting_reader *c = ctx;

	assert_true(off <= c->size && len <= c->size - off);
	if (c->reads++ == c->fail_at)
		return -EIO;
	c->biggest = MAX(c->biggest, len);
	memcpy(buf, c->data + off, len);
	return 0;
}

static uint8_t *self;
static size_t self_size;
static char self_path[4096];

static void read_self(void)
{
	FILE *f;
	ssize_t n;

	if (self)
		return;
	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	assert_true(n > 0);
	self_path[n] = '\0';
	f = fopen(self_path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	self_size = ftell(f);
	fseek(f, 0, SEEK_SET);
	self = malloc(self_size);
	assert_int_equal(fread(self, 1, self_size, f), self_size);
	fclose(f);
}

static void test_reader(void **state)
{
	struct counting_reader c = { .fail_at = -1 };
	struct sym_reader r = { .read = counting_read, .ctx = &c };
	struct sym_table t;
	int total;

	read_self();
	c.data = self;
	c.size = r.size = self_size;
	assert_int_equal(sym_table_load_reader(&t, &r), 0);
	check_table(&t);
	sym_table_free(&t);
	total = c.reads;
	/* Reads are small pieces (chunks of symbols, name windows), not the file. */
	assert_true(c.biggest <= 64 * 1024);
	assert_true(total > 3);
	/* A failing read anywhere: its error comes back, nothing leaks. */
	for (int k = 0; k < total; k += 1 + total / 300) {
		c.reads = 0;
		c.fail_at = k;
		assert_int_equal(sym_table_load_reader(&t, &r), -EIO);
		assert_null(t.syms);
		assert_int_equal(kmalloc_bytes_in_use(), 0);
	}
}

/* ---- this executable ---- */

int main(void);

__attribute__((noinline, used)) int known_global_fn(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline, used)) static int known_static_fn(int x)
{
	return x ^ 0x55;
}

static void test_self(void **state)
{
	struct sym_table t;
	uint64_t off;
	char buf[256];

	read_self();
	assert_int_equal(sym_table_load(&t, self, self_size), 0);
	check_table(&t);
	assert_true(t.count > 50);
	assert_string_equal(sym_lookup(&t, (uintptr_t)known_global_fn, &off), "known_global_fn");
	assert_int_equal(off, 0);
	assert_string_equal(sym_lookup(&t, (uintptr_t)known_global_fn + 1, &off),
			    "known_global_fn");
	assert_int_equal(off, 1);
	assert_string_equal(sym_lookup(&t, (uintptr_t)known_static_fn, &off), "known_static_fn");
	assert_string_equal(sym_lookup(&t, (uintptr_t)test_self + 10, &off), "test_self");
	assert_int_equal(off, 10);
	assert_string_equal(sym_lookup(&t, (uintptr_t)sym_table_load, NULL), "sym_table_load");
	assert_string_equal(sym_lookup(&t, (uintptr_t)main, NULL), "main");
	assert_string_equal(sym_lookup(&t, (uintptr_t)kmalloc, NULL), "kmalloc");
	assert_true(sym_format(&t, (uintptr_t)kfree + 2, buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "kfree+0x2/0x", 12);
	/* Data and the heap are not code. */
	assert_null(sym_lookup(&t, (uintptr_t)&rng_state, NULL));
	assert_null(sym_lookup(&t, (uintptr_t)self, NULL));
	assert_null(sym_lookup(&t, (uintptr_t)buf, NULL));
	sym_table_free(&t);
}

/* Every text symbol nm reports is found at its address, under one of its names. */
static void test_against_nm(void **state)
{
	struct sym_table t;
	char cmd[4200], line[1024], name[900], type;
	unsigned long addr;
	int checked = 0;
	FILE *p;

	read_self();
	assert_int_equal(sym_table_load(&t, self, self_size), 0);
	snprintf(cmd, sizeof(cmd), "nm --defined-only '%s'", self_path);
	p = popen(cmd, "r");
	if (!p)
		skip();
	/* First pass: check that each address nm knows is found with offset 0. */
	while (fgets(line, sizeof(line), p)) {
		uint64_t off;
		const char *got;
		if (sscanf(line, "%lx %c %899s", &addr, &type, name) != 3 ||
		    (type != 'T' && type != 't'))
			continue;
		got = sym_lookup(&t, addr, &off);
		if (!got || off)
			fail_msg("nm: %s at 0x%lx; we found %s+0x%lx", name, addr,
				 got ? got : "nothing", got ? (unsigned long)off : 0UL);
		/* The name we chose must be one nm lists at that address. */
		if (strcmp(got, name)) {
			char cmd2[4400];
			snprintf(cmd2, sizeof(cmd2),
				 "nm --defined-only '%s' | grep -q '^0*%lx [Tt] %s$'", self_path,
				 addr, got);
			if (system(cmd2) != 0)
				fail_msg("at 0x%lx: we say %s, nm does not", addr, got);
		}
		checked++;
	}
	if (pclose(p) != 0 && checked == 0)
		skip(); /* no nm here */
	assert_true(checked > 50);
	sym_table_free(&t);
}

/* ---- damaged files ---- */

static int damaged_loads, damaged_ok;

static void load_damaged(const uint8_t *data, size_t size)
{
	struct sym_table t;
	int ret = sym_table_load(&t, data, size);

	damaged_loads++;
	if (ret == 0) {
		damaged_ok++;
		check_table(&t);
		for (int i = 0; i < 8; i++) {
			char buf[64];
			uint64_t a = t.syms[rnd() % t.count].addr + rnd() % 64;
			sym_format(&t, a, buf, sizeof(buf));
		}
		sym_table_free(&t);
	} else {
		assert_true(ret == -ENOEXEC || ret == -EINVAL || ret == -ENOENT || ret == -ENOMEM);
		assert_null(t.syms);
	}
	assert_int_equal(kmalloc_bytes_in_use(), 0);
}

static void report_damaged(const char *what)
{
	fprintf(stderr, "%s: %d damaged files, %d still loaded\n", what, damaged_loads, damaged_ok);
	damaged_loads = damaged_ok = 0;
}

static void test_fuzz_synthetic(void **state)
{
	uint8_t *copy = malloc(SYNTH_MAX);

	for (int iter = 0; iter < 30000; iter++) {
		size_t size = synth_size;
		memcpy(copy, synth, synth_size);
		int flips = 1 + rnd() % 6;
		for (int i = 0; i < flips; i++) {
			size_t pos = rnd() % synth_size;
			switch (rnd() % 4) {
			case 0:
				copy[pos] = rnd();
				break;
			case 1:
				copy[pos] ^= 1 << (rnd() % 8);
				break;
			case 2:
				copy[pos] = 0xff;
				break;
			default: /* a whole 8-byte field set to something big or small */
				pos &= ~7UL;
				uint64_t v = rnd() % 2 ? rnd() : rnd() % 0x100;
				memcpy(copy + pos, &v, MIN(8, synth_size - pos));
			}
		}
		if (rnd() % 8 == 0)
			size = rnd() % synth_size;
		/* Exact-size heap copy, so ASan sees any read past the end. */
		uint8_t *exact = malloc(size ? size : 1);
		memcpy(exact, copy, size);
		load_damaged(exact, size);
		free(exact);
	}
	free(copy);
	report_damaged("synthetic");
}

static void test_truncated_self(void **state)
{
	read_self();
	for (int iter = 0; iter < 300; iter++) {
		size_t size = iter < 100 ? iter * 7 : rnd() % self_size;
		uint8_t *exact = malloc(size ? size : 1);
		memcpy(exact, self, size);
		load_damaged(exact, size);
		free(exact);
	}
	report_damaged("truncated");
}

static void test_fuzz_self(void **state)
{
	const struct ehdr *eh;
	uint8_t *copy;

	read_self();
	eh = (const struct ehdr *)self;
	copy = malloc(self_size);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(copy, self, self_size);
		int flips = 1 + rnd() % 4;
		for (int i = 0; i < flips; i++) {
			size_t pos;
			switch (rnd() % 3) {
			case 0: /* the ELF header */
				pos = rnd() % sizeof(struct ehdr);
				break;
			case 1: /* the section headers */
				pos = eh->shoff + rnd() % (eh->shnum * sizeof(struct shdr));
				break;
			default: /* anywhere */
				pos = rnd() % self_size;
			}
			if (pos >= self_size)
				continue;
			copy[pos] = rnd() % 3 ? (uint8_t)rnd() : 0xff;
		}
		load_damaged(copy, self_size);
	}
	free(copy);
	report_damaged("self");
}

/* A stripped binary (Debian's are): no .symtab. */
static void test_stripped(void **state)
{
	struct sym_table t;
	uint8_t *buf = malloc(1 << 20);
	FILE *f = fopen("/bin/true", "rb");
	size_t n;

	if (!f) {
		free(buf);
		skip();
	}
	n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	assert_int_equal(sym_table_load(&t, buf, n), -ENOENT);
	free(buf);
}

static void test_out_of_memory(void **state)
{
	struct sym_table t;
	int ok = 0;

	read_self();
	for (long k = 0; k < 12; k++) {
		host_pages_fail_after(k);
		int ret = sym_table_load(&t, self, self_size);
		host_pages_fail_after(-1);
		if (ret == 0) {
			ok++;
			sym_table_free(&t);
		} else {
			assert_int_equal(ret, -ENOMEM);
		}
		assert_int_equal(kmalloc_bytes_in_use(), 0);
	}
	assert_true(ok > 0); /* enough pages: it works */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_synthetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extended_shnum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_strtab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_against_nm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_synthetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stripped, setup, teardown),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	free(self);
	return ret;
}
