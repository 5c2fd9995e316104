/*
 * symbols.c - a symbol table for crash reports, built from the .symtab and
 * .strtab of an ELF64 file (symbols.h). backtrace.c feeds it the app's own
 * ELF through fw_cfg; the host tests feed it files from memory. Pure logic,
 * also compiled on the host for tests/host/test_symbols.c.
 *
 * The file is untrusted: every offset and size is checked against the file
 * size before use, and all reads go through rd(), which refuses anything out
 * of bounds. Symbols are read 64 at a time and names through a small window
 * on the string table, so the working memory is a few KiB whatever the file
 * size: two scans of .symtab (count, then fill), a heap sort, one entry per
 * address.
 */
#include "debug/symbols.h"
#include "kern/errno.h"
#include "mm/mm.h"
#include "kern/elf.h"

#define SYM_SIZE_MAX ((1U << 28) - 1)
#define CHUNK_SYMS 64    /* symbols read at a time */
#define NAME_WIN 2048    /* string-table window; longer names are cut */

struct loader {
	const struct sym_reader *r;
	struct elf64_shdr *sh;    /* all section headers */
	size_t shnum;
	uint64_t symoff, nsyms;   /* .symtab */
	uint64_t stroff, strsz;   /* its string table */
	struct elf64_sym *chunk;  /* CHUNK_SYMS symbols */
	char *win;                /* NAME_WIN bytes of the string table... */
	uint64_t win_base;        /* ...from this offset in it */
	size_t win_len;
};

static int rd(const struct sym_reader *r, uint64_t off, void *buf, size_t len)
{
	if (off > r->size || len > r->size - off)
		return -EINVAL;
	return r->read(r->ctx, off, buf, len);
}

/* Read and check the ELF header and section headers; find .symtab and .strtab. */
static int load_sections(struct loader *L)
{
	const struct sym_reader *r = L->r;
	const struct elf64_shdr *sym, *str;
	struct elf64_ehdr eh;
	uint64_t shnum;
	size_t i;
	int ret;

	if (r->size < sizeof(eh))
		return -ENOEXEC;
	if ((ret = rd(r, 0, &eh, sizeof(eh))))
		return ret;
	if (memcmp(eh.e_ident, "\177ELF", 4) || eh.e_ident[4] != ELFCLASS64 ||
	    eh.e_ident[5] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
		return -ENOEXEC;
	if (!eh.e_shoff)
		return -ENOENT; /* no section headers at all */
	if (eh.e_shentsize != sizeof(struct elf64_shdr))
		return -EINVAL;
	shnum = eh.e_shnum;
	if (!shnum) {
		/* More than 0xff00 sections: the count is section 0's sh_size. */
		struct elf64_shdr s0;
		if (rd(r, eh.e_shoff, &s0, sizeof(s0)))
			return -EINVAL;
		shnum = s0.sh_size;
	}
	if (!shnum || eh.e_shoff > r->size ||
	    shnum > (r->size - eh.e_shoff) / sizeof(struct elf64_shdr))
		return -EINVAL;
	L->shnum = shnum;
	if (!(L->sh = kmalloc(shnum * sizeof(struct elf64_shdr))))
		return -ENOMEM;
	if ((ret = rd(r, eh.e_shoff, L->sh, shnum * sizeof(struct elf64_shdr))))
		return ret;

	for (i = 0; i < shnum && L->sh[i].sh_type != SHT_SYMTAB; i++)
		;
	if (i == shnum)
		return -ENOENT; /* stripped */
	sym = &L->sh[i];
	if (sym->sh_entsize != sizeof(struct elf64_sym) || sym->sh_offset > r->size ||
	    sym->sh_size > r->size - sym->sh_offset || sym->sh_link >= shnum)
		return -EINVAL;
	str = &L->sh[sym->sh_link];
	if (str->sh_type != SHT_STRTAB || str->sh_offset > r->size ||
	    str->sh_size > r->size - str->sh_offset)
		return -EINVAL;
	L->symoff = sym->sh_offset;
	L->nsyms = sym->sh_size / sizeof(struct elf64_sym);
	L->stroff = str->sh_offset;
	L->strsz = str->sh_size;
	return 0;
}

static int fill_window(struct loader *L, uint64_t off)
{
	int ret;

	L->win_base = off;
	L->win_len = MIN(NAME_WIN, L->strsz - off);
	if ((ret = rd(L->r, L->stroff + off, L->win, L->win_len)))
		L->win_len = 0;
	return ret;
}

/*
 * The name at offset off (< strsz) of the string table, in the window and
 * not NUL-terminated. -ENOENT if it runs off the end of the table.
 */
static int name_at(struct loader *L, uint64_t off, const char **name, size_t *len)
{
	size_t n, max;
	int ret;

	if (off < L->win_base || off >= L->win_base + L->win_len)
		if ((ret = fill_window(L, off)))
			return ret;
	max = L->win_base + L->win_len - off;
	n = strnlen(L->win + (off - L->win_base), max);
	if (n == max && L->win_base != off) {
		/* The name may go on past the window: slide it to start at the name. */
		if ((ret = fill_window(L, off)))
			return ret;
		max = L->win_len;
		n = strnlen(L->win, max);
	}
	if (n == max) {
		if (off + max == L->strsz)
			return -ENOENT; /* runs off the end of the table */
		n = max - 1;    /* longer than NAME_WIN: cut */
	}
	*name = L->win + (off - L->win_base);
	*len = n;
	return 0;
}

/* Should ELF symbol s be in the table? If so, fill *e (but its name). */
static bool keep(const struct loader *L, const struct elf64_sym *s, struct sym_entry *e)
{
	unsigned type = s->st_info & 0xf, bind = s->st_info >> 4;
	const struct elf64_shdr *sec;
	uint64_t size = s->st_size, end;

	if ((type != STT_FUNC && type != STT_NOTYPE) || !s->st_name || s->st_name >= L->strsz)
		return false;
	if (!s->st_shndx || s->st_shndx >= SHN_LORESERVE || s->st_shndx >= L->shnum)
		return false;
	sec = &L->sh[s->st_shndx];
	if ((sec->sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR))
		return false;
	if (!size) {
		/* Provisional: up to the end of its section; the next symbol cuts it later. */
		end = sec->sh_addr + sec->sh_size;
		if (end < sec->sh_addr)
			end = UINT64_MAX;
		size = s->st_value < end ? end - s->st_value : 0;
	}
	e->addr = s->st_value;
	e->size = MIN(size, SYM_SIZE_MAX);
	/* Among symbols at one address keep: sized, then FUNC, then GLOBAL/WEAK/LOCAL. */
	e->rank = (s->st_size ? 8 : 0) | (type == STT_FUNC ? 4 : 0) |
		  (bind == STB_GLOBAL ? 2 : bind == STB_WEAK ? 1 : 0);
	return true;
}

/*
 * One pass over .symtab: count the symbols kept and their name bytes, or
 * (out != NULL) also store them, at most *count entries and *bytes name bytes.
 */
static int scan(struct loader *L, struct sym_entry *out, char *names, size_t *count,
		size_t *bytes)
{
	size_t n = 0, nb = 0, cap = *count, cap_bytes = *bytes;
	struct sym_entry e;
	const char *name;
	size_t len;
	int ret;

	for (uint64_t i = 0; i < L->nsyms; i += CHUNK_SYMS) {
		size_t k = MIN(CHUNK_SYMS, L->nsyms - i);
		if ((ret = rd(L->r, L->symoff + i * sizeof(struct elf64_sym), L->chunk,
			      k * sizeof(struct elf64_sym))))
			return ret;
		for (size_t j = 0; j < k; j++) {
			if (!keep(L, &L->chunk[j], &e))
				continue;
			ret = name_at(L, L->chunk[j].st_name, &name, &len);
			if (ret == -ENOENT)
				continue; /* unterminated name: skip the symbol */
			if (ret)
				return ret;
			if (out) {
				if (n == cap || len + 1 > cap_bytes - nb)
					return -EIO; /* the file changed under us */
				memcpy(names + nb, name, len);
				names[nb + len] = '\0';
				e.name = nb;
				out[n] = e;
			}
			n++;
			nb += len + 1;
		}
	}
	*count = n;
	*bytes = nb;
	return 0;
}

static bool before(const struct sym_entry *a, const struct sym_entry *b)
{
	return a->addr != b->addr ? a->addr < b->addr : a->rank > b->rank;
}

static void sift_down(struct sym_entry *v, size_t root, size_t n)
{
	for (;;) {
		size_t c = 2 * root + 1;
		struct sym_entry tmp;
		if (c >= n)
			return;
		if (c + 1 < n && before(&v[c], &v[c + 1]))
			c++;
		if (!before(&v[root], &v[c]))
			return;
		tmp = v[root];
		v[root] = v[c];
		v[c] = tmp;
		root = c;
	}
}

/* Heap sort: no recursion, no extra memory. */
static void sort_entries(struct sym_entry *v, size_t n)
{
	struct sym_entry tmp;

	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end-- > 1;) {
		tmp = v[0];
		v[0] = v[end];
		v[end] = tmp;
		sift_down(v, 0, end);
	}
}

/* Keep the best symbol of each address; 0-sized ones end at the next symbol. */
static size_t dedup(struct sym_entry *v, size_t n)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (m == 0 || v[i].addr != v[m - 1].addr)
			v[m++] = v[i];
	for (size_t i = 0; i < m; i++) {
		if (!(v[i].rank & 8) && i + 1 < m && v[i + 1].addr - v[i].addr < v[i].size)
			v[i].size = v[i + 1].addr - v[i].addr;
		v[i].rank = 0;
	}
	return m;
}

int sym_table_load_reader(struct sym_table *t, const struct sym_reader *r)
{
	struct loader L = { .r = r };
	size_t count, bytes;
	int ret;

	memset(t, 0, sizeof(*t));
	if ((ret = load_sections(&L)))
		goto out_free;
	/* One block: the symbol chunk (8-aligned) then the name window. */
	L.chunk = kmalloc(CHUNK_SYMS * sizeof(struct elf64_sym) + NAME_WIN);
	if (!L.chunk) {
		ret = -ENOMEM;
		goto out_free;
	}
	L.win = (char *)(L.chunk + CHUNK_SYMS);

	count = bytes = 0;
	if ((ret = scan(&L, NULL, NULL, &count, &bytes)))
		goto out_free;
	if (!count) {
		ret = -ENOENT;
		goto out_free;
	}
	t->syms = kmalloc(count * sizeof(struct sym_entry));
	t->names = kmalloc(bytes);
	if (!t->syms || !t->names) {
		ret = -ENOMEM;
		goto out_free;
	}
	if ((ret = scan(&L, t->syms, t->names, &count, &bytes)))
		goto out_free;
	sort_entries(t->syms, count);
	t->count = dedup(t->syms, count);
	t->names_size = bytes;
	ret = 0;
out_free:
	kfree(L.chunk);
	kfree(L.sh);
	if (ret)
		sym_table_free(t);
	return ret;
}

static int read_memory(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, (const char *)ctx + off, len);
	return 0;
}

int sym_table_load(struct sym_table *t, const void *elf, size_t size)
{
	struct sym_reader r = { .read = read_memory, .ctx = (void *)elf, .size = size };

	return sym_table_load_reader(t, &r);
}

void sym_table_free(struct sym_table *t)
{
	kfree(t->syms);
	kfree(t->names);
	memset(t, 0, sizeof(*t));
}

const struct sym_entry *sym_find(const struct sym_table *t, uint64_t addr)
{
	size_t lo = 0, hi;
	const struct sym_entry *e;

	if (!t || !t->count || addr < t->syms[0].addr)
		return NULL;
	/* The last entry with e->addr <= addr. */
	hi = t->count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	e = &t->syms[lo];
	return addr - e->addr < e->size ? e : NULL;
}

const char *sym_lookup(const struct sym_table *t, uint64_t addr, uint64_t *offset)
{
	const struct sym_entry *e = sym_find(t, addr);

	if (!e)
		return NULL;
	if (offset)
		*offset = addr - e->addr;
	return sym_name(t, e);
}

int sym_format(const struct sym_table *t, uint64_t addr, char *buf, size_t n)
{
	const struct sym_entry *e = sym_find(t, addr);

	if (!e) {
		if (n)
			buf[0] = '\0';
		return -ENOENT;
	}
	return ksnprintf(buf, n, "%s+0x%lx/0x%x", sym_name(t, e), addr - e->addr,
			 (unsigned)e->size);
}
