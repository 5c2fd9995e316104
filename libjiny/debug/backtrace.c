/*
 * backtrace.c - frame-pointer stack walk with symbol names (backtrace.h),
 * called by panic() and the exception handlers (kern/, arch/). Names come
 * from the app's own ELF, which jiny-run passes through fw_cfg; only the
 * ELF header, section headers, .symtab and .strtab are read, a few KiB at a
 * time (symbols.c), so a crash report costs little memory even for a
 * multi-MB image. Without fw_cfg or with a stripped image, raw addresses
 * are printed for addr2line.
 */
#include "backtrace.h"
#include "../drivers/fwcfg.h"
#include "../kern/errno.h"

static struct sym_table table;
static int load_state;           /* 0 not tried, 1 loading, 2 loaded, -1 failed */
static const char *no_symbols_why;
static int no_symbols_err;

static int read_fwcfg(void *ctx, uint64_t off, void *buf, size_t len)
{
	return fwcfg_read((uint16_t)(uintptr_t)ctx, off, buf, len);
}

/* Build the symbol table from the ELF in fw_cfg, reading it piece by piece. */
static int sym_table_load_fwcfg(struct sym_table *t, const char *file)
{
	struct sym_reader r = { .read = read_fwcfg };
	uint16_t select;
	uint32_t size;
	int ret;

	if (!fwcfg_present())
		return -ENODEV;
	if ((ret = fwcfg_find(file, &select, &size)))
		return ret;
	r.ctx = (void *)(uintptr_t)select;
	r.size = size;
	return sym_table_load_reader(t, &r);
}

const struct sym_table *debug_symbols(void)
{
	int ret;

	if (load_state == 2)
		return &table;
	if (load_state != 0)
		return NULL; /* failed before, or a panic while loading */
	load_state = 1;
	no_symbols_why = "a fault while loading them"; /* seen if we never come back */
	ret = sym_table_load_fwcfg(&table, FWCFG_FILE_ELF);
	if (!ret) {
		load_state = 2;
		no_symbols_why = NULL;
		return &table;
	}
	load_state = -1;
	no_symbols_err = ret;
	switch (ret) {
	case -ENODEV:
		no_symbols_why = "no fw_cfg device";
		break;
	case -ENOENT:
		no_symbols_why = "no " FWCFG_FILE_ELF " in fw_cfg, or the image is stripped";
		break;
	case -ENOMEM:
		no_symbols_why = "out of memory loading them";
		break;
	default:
		no_symbols_why = "bad ELF in " FWCFG_FILE_ELF;
		break;
	}
	return NULL;
}

/* addr is a return address when !exact: name the call, not what follows it. */
static void print_frame(int n, uint64_t addr, bool exact, const struct sym_table *t)
{
	const struct sym_entry *e = t ? sym_find(t, exact ? addr : addr - 1) : NULL;

	if (e)
		printk(" #%d 0x%016lx %s+0x%lx/0x%x\n", n, addr, sym_name(t, e), addr - e->addr,
		       (unsigned)e->size);
	else
		printk(" #%d 0x%016lx\n", n, addr);
}

void backtrace_print(uint64_t rip, uint64_t rbp, uint64_t stack_lo, uint64_t stack_hi)
{
	const struct sym_table *t = debug_symbols();
	int n = 0;

	if (!t && no_symbols_why)
		printk(" (no symbols: %s (%d): run under jiny-run, or use addr2line -e APP)\n",
		       no_symbols_why, no_symbols_err);
	print_frame(n++, rip, true, t);
	while (n < BACKTRACE_MAX_FRAMES) {
		uint64_t next, ret;
		if (!rbp || (rbp & 7) || rbp < stack_lo || rbp >= stack_hi || stack_hi - rbp < 16)
			break;
		next = ((const uint64_t *)rbp)[0];
		ret = ((const uint64_t *)rbp)[1];
		if (!ret)
			break;
		print_frame(n++, ret, false, t);
		if (next <= rbp)
			break; /* frames only go up the stack: anything else is garbage */
		rbp = next;
	}
}
