/*
 * backtrace.c - frame-pointer stack walk with symbol names (backtrace.h),
 * called by panic() and the exception handlers (kern/, arch/). Names come
 * from the app's own ELF, which jiny-run passes through fw_cfg; only the
 * ELF header, section headers, .symtab and .strtab are read, a few KiB at a
 * time (symbols.c), so a crash report costs little memory even for a
 * multi-MB image. Without fw_cfg or with a stripped image, raw addresses
 * are printed for addr2line.
 */
#include "debug/backtrace.h"
#include "drivers/fwcfg.h"
#include "kern/errno.h"

static struct sym_table table;
static int load_state;  /* 0 not tried, 1 loading, 2 loaded, -1 failed */
static char no_symbols_why[80];

static int read_fwcfg(void *ctx, uint64_t off, void *buf, size_t len)
{
	return fwcfg_read((uint16_t)(uintptr_t)ctx, off, buf, len);
}

/*
 * Build the symbol table from the ELF in fw_cfg, reading it piece by piece.
 * 0, or -errno with the reason in why.
 */
static int sym_table_load_fwcfg(struct sym_table *t, const char *file, char *why, size_t n)
{
	struct sym_reader r = { .read = read_fwcfg };
	uint16_t select;
	uint32_t size;
	int ret;

	if (!fwcfg_present()) {
		strlcpy(why, "no fw_cfg device", n);
		return -ENODEV;
	}
	if ((ret = fwcfg_find(file, &select, &size))) {
		ksnprintf(why, n, "no %s in fw_cfg", file);
		return ret;
	}
	r.ctx = (void *)(uintptr_t)select;
	r.size = size;
	ret = sym_table_load_reader(t, &r);
	if (ret == -ENOENT)
		ksnprintf(why, n, "%s has no .symtab (stripped?)", file);
	else if (ret == -ENOMEM)
		strlcpy(why, "out of memory loading them", n);
	else if (ret)
		ksnprintf(why, n, "%s is not a usable ELF (error %d)", file, ret);
	return ret;
}

const struct sym_table *debug_symbols(void)
{
	if (load_state == 2)
		return &table;
	if (load_state != 0)
		return NULL; /* failed before, or a fault while loading */
	load_state = 1;
	/* Seen only if loading faults and we come back through a new backtrace. */
	strlcpy(no_symbols_why, "a fault while loading them", sizeof(no_symbols_why));
	if (sym_table_load_fwcfg(&table, FWCFG_FILE_ELF, no_symbols_why, sizeof(no_symbols_why))) {
		load_state = -1;
		return NULL;
	}
	load_state = 2;
	return &table;
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

/*
 * Where the caller's return address is when rip's function has no frame of
 * its own yet: a frameless leaf (GCC omits the frame of trivial leaves even
 * with -mno-omit-leaf-frame-pointer) or a fault on its first instruction.
 * 0 when the function has set up its frame (the rbp chain covers it).
 */
static uint64_t frameless_return_slot(uint64_t rip, uint64_t rsp, const struct sym_table *t)
{
	extern char __image_start[], __etext[];
	const struct sym_entry *e = t ? sym_find(t, rip) : NULL;
	if (!e || e->addr < (uint64_t)__image_start || e->addr + 8 > (uint64_t)__etext)
		return 0;
	const uint8_t *p = (const uint8_t *)e->addr;
	uint64_t start = e->addr;
	if (p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa) /* endbr64 */
		p += 4, start += 4;
	bool push_mov = p[0] == 0x55 && p[1] == 0x48 && p[2] == 0x89 && p[3] == 0xe5;
	if (!push_mov || rip <= start)
		return rsp;     /* nothing pushed yet */
	if (rip == start + 1)
		return rsp + 8; /* after push %rbp, before mov %rsp,%rbp */
	return 0;
}

void backtrace_print(uint64_t rip, uint64_t rsp, uint64_t rbp, uint64_t stack_lo,
		     uint64_t stack_hi)
{
	const struct sym_table *t = debug_symbols();
	int n = 0;

	if (!t)
		printk(" (no symbols: %s; run under jiny-run, or use addr2line -e APP)\n",
		       no_symbols_why);
	print_frame(n++, rip, true, t);
	uint64_t slot = frameless_return_slot(rip, rsp, t);
	if (slot && slot >= stack_lo && slot + 8 <= stack_hi && !(slot & 7))
		print_frame(n++, *(const uint64_t *)slot, false, t);
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
