/*
 * symbols.h - address -> function name, from the .symtab of an ELF64 file
 * (the app's own image: kernel and app are linked into one ELF). Used by
 * backtrace.c for crash reports; the ELF comes from memory or, through a
 * reader callback, piece by piece from fw_cfg (backtrace.c).
 */
#ifndef JINY_DEBUG_SYMBOLS_H
#define JINY_DEBUG_SYMBOLS_H

#include "kern/kern.h"

struct sym_entry {
	uint64_t addr;      /* start of the symbol */
	uint32_t size : 28; /* bytes covered; a 0-sized ELF symbol reaches the next one */
	uint32_t rank : 4;  /* used while loading only */
	uint32_t name;      /* offset of the name in sym_table.names */
};

struct sym_table {
	struct sym_entry *syms; /* sorted by addr, one per address */
	size_t count;
	char *names;            /* NUL-terminated names */
	size_t names_size;
};

/*
 * Reads len bytes at off of an ELF file into buf (0 or -errno). The loader
 * never asks for bytes past 'size', so the callback need not check.
 */
struct sym_reader {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	void *ctx;
	uint64_t size; /* of the file */
};

/*
 * Load the FUNC symbols (and NOTYPE ones in executable sections) of an ELF64
 * x86_64 file. Everything in the file is checked against its size first; a
 * truncated or garbage file gives an error, never a read out of bounds.
 * 0 or -ENOEXEC (not an x86_64 ELF64), -EINVAL (inconsistent offsets or
 * sizes), -ENOENT (no .symtab: stripped), -ENOMEM, or the reader's error.
 * Working memory is a few KiB besides the table itself (16 bytes a symbol
 * plus its name); on failure nothing stays allocated.
 */
int sym_table_load(struct sym_table *t, const void *elf, size_t size);
int sym_table_load_reader(struct sym_table *t, const struct sym_reader *r);
void sym_table_free(struct sym_table *t);

/* The symbol covering addr, or NULL. */
const struct sym_entry *sym_find(const struct sym_table *t, uint64_t addr);
static inline const char *sym_name(const struct sym_table *t, const struct sym_entry *e)
{
	return t->names + e->name;
}
/* The name of the symbol covering addr and addr's offset in it; NULL if none. */
const char *sym_lookup(const struct sym_table *t, uint64_t addr, uint64_t *offset);
/*
 * Write "name+0x1a/0x40" (offset/size, like Linux) for addr into buf.
 * The length of the full string, or -ENOENT (buf = "") if no symbol covers addr.
 */
int sym_format(const struct sym_table *t, uint64_t addr, char *buf, size_t n);

#endif
