/*
 * elf.c - the compat loader's ELF parser (contract in elf.h). Pure logic
 * over the first bytes of a file: compat/exec.c calls it before mapping
 * anything, tests/host/test_elf.c runs it on the host under ASan/UBSan.
 *
 * The work is in four steps, each refusing with a reason:
 *   check_ident()   the first 16 bytes and the machine: is this an x86-64
 *                   Linux ELF at all (also on a truncated file);
 *   check_header()  type, program header table size and position;
 *   interpreter()   a PT_INTERP makes it dynamic: name the interpreter;
 *   the walk        each PT_LOAD, PT_TLS, PT_PHDR, PT_GNU_STACK, then what
 *                   holds for the whole (extent, entry, TLS and phdr inside).
 * Every sum of two values from the file goes through add_ok(); a file is
 * never read outside hdr[0..hdr_len).
 */
#include "compat/elf.h"
#include "kern/elf.h"
#include "kern/errno.h"

#define PHENT sizeof(struct elf64_phdr)
#define INTERP_SHOWN 64 /* characters of an interpreter's name in a reason */

struct ctx {
	const uint8_t *h;
	size_t len;          /* bytes of the file in h */
	uint64_t size;       /* of the whole file */
	struct elf64_ehdr eh;
	char *why;
	size_t whylen;
};

static int __attribute__((format(printf, 2, 3))) refuse(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why && c->whylen) {
		va_start(ap, fmt);
		kvsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return -ENOEXEC;
}

static bool add_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
	return !__builtin_add_overflow(a, b, sum);
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case 2: return "SPARC";
	case 3: return "Intel 80386";
	case 8: return "MIPS";
	case 20: return "PowerPC";
	case 21: return "PowerPC64";
	case 22: return "S/390";
	case 40: return "ARM";
	case 43: return "SPARC V9";
	case 50: return "IA-64";
	case 62: return "x86-64";
	case 183: return "AArch64";
	case 243: return "RISC-V";
	case 258: return "LoongArch";
	default: return "unknown";
	}
}

static const char *osabi_name(unsigned a)
{
	switch (a) {
	case 1: return "HP-UX";
	case 2: return "NetBSD";
	case 6: return "Solaris";
	case 9: return "FreeBSD";
	case 12: return "OpenBSD";
	case 97: return "ARM";
	case 255: return "standalone";
	default: return "unknown";
	}
}

/*
 * e_ident and e_machine, as far as the bytes we have go: a short file still
 * gets "not an ELF file" or "32-bit ELF" rather than "truncated".
 */
static int check_ident(struct ctx *c)
{
	const uint8_t *h = c->h;
	size_t n = MIN(c->len, 4);

	if ((n && memcmp(h, "\177ELF", n) != 0) || c->size < 4)
		return c->size == 0 ? refuse(c, "not an ELF file (empty file)")
				    : refuse(c, "not an ELF file");
	/* Judge the rest with 20 bytes (e_machine included), or with all there is. */
	if ((c->len < 20 && c->len < c->size) || c->len < 16)
		return 0;
	unsigned machine = c->len >= 20 ? h[18] | h[19] << 8 : 0;
	if (h[EI_CLASS] == ELFCLASS32)
		return c->len >= 20
			       ? refuse(c, "32-bit ELF for machine %u (%s); only 64-bit x86-64 "
					"programs run here", machine, machine_name(machine))
			       : refuse(c, "32-bit ELF; only 64-bit x86-64 programs run here");
	if (h[EI_CLASS] != ELFCLASS64)
		return refuse(c, "invalid ELF class %u (e_ident[EI_CLASS])", h[EI_CLASS]);
	if (h[EI_DATA] == ELFDATA2MSB)
		return refuse(c, "big-endian ELF; only little-endian x86-64 programs run here");
	if (h[EI_DATA] != ELFDATA2LSB)
		return refuse(c, "invalid ELF data encoding %u (e_ident[EI_DATA])", h[EI_DATA]);
	if (h[EI_VERSION] != EV_CURRENT)
		return refuse(c, "ELF version %u in e_ident, not 1", h[EI_VERSION]);
	if (h[EI_OSABI] != ELFOSABI_SYSV && h[EI_OSABI] != ELFOSABI_GNU)
		return refuse(c, "ELF for OS/ABI %u (%s), not Linux", h[EI_OSABI],
			      osabi_name(h[EI_OSABI]));
	if (c->len >= 20 && machine != EM_X86_64)
		return refuse(c, "ELF for machine %u (%s), not x86-64", machine,
			      machine_name(machine));
	return 0;
}

/* The rest of the ELF header; > 0: the bytes needed to see the whole table. */
static int check_header(struct ctx *c)
{
	const struct elf64_ehdr *eh = &c->eh;
	uint64_t end;

	if (eh->e_version != EV_CURRENT)
		return refuse(c, "ELF version %u in e_version, not 1", eh->e_version);
	switch (eh->e_type) {
	case ET_EXEC:
	case ET_DYN:
		break;
	case ET_REL:
		return refuse(c, "relocatable object (ET_REL), not an executable: link it first");
	case ET_CORE:
		return refuse(c, "core file (ET_CORE), not an executable");
	case ET_NONE:
		return refuse(c, "ELF file of no type (ET_NONE), not an executable");
	default:
		return refuse(c, "ELF type 0x%x, not an executable", eh->e_type);
	}
	if (eh->e_phentsize != PHENT)
		return refuse(c, "e_phentsize %u is not %u", eh->e_phentsize, (unsigned)PHENT);
	if (eh->e_phnum == 0)
		return refuse(c, "no program headers (e_phnum 0)");
	if (eh->e_phnum > ELF_MAX_PHNUM)
		return refuse(c, "e_phnum %u: more than %d program headers", eh->e_phnum,
			      ELF_MAX_PHNUM);
	if (eh->e_phoff < sizeof(struct elf64_ehdr))
		return refuse(c, "program header table at offset 0x%lx overlaps the ELF header",
			      (unsigned long)eh->e_phoff);
	if (!add_ok(eh->e_phoff, (uint64_t)eh->e_phnum * PHENT, &end) || end > c->size)
		return refuse(c, "program header table (offset 0x%lx, %u entries) extends past the "
			      "end of the file (size 0x%lx)", (unsigned long)eh->e_phoff,
			      eh->e_phnum, (unsigned long)c->size);
	if (end > ELF_MAX_READ)
		return refuse(c, "program header table ends at offset 0x%lx, beyond the first %d "
			      "bytes of the file (unsupported)", (unsigned long)end, ELF_MAX_READ);
	if (end > c->len)
		return (int)end;
	return 0;
}

static void get_phdr(const struct ctx *c, int i, struct elf64_phdr *ph)
{
	memcpy(ph, c->h + c->eh.e_phoff + (uint64_t)i * PHENT, PHENT);
}

/*
 * A PT_INTERP makes the program dynamically linked: always -ENOEXEC, with
 * the interpreter's name when the file holds it within ELF_MAX_READ bytes
 * (> 0: the bytes needed to read it). 0 if there is no PT_INTERP.
 */
static int interpreter(struct ctx *c)
{
	struct elf64_phdr ph;
	uint64_t end;
	char name[INTERP_SHOWN + 4];
	int i;

	for (i = 0; i < c->eh.e_phnum; i++) {
		get_phdr(c, i, &ph);
		if (ph.p_type == PT_INTERP)
			break;
	}
	if (i == c->eh.e_phnum)
		return 0;
	uint64_t shown = MIN(ph.p_filesz, (uint64_t)INTERP_SHOWN + 1);
	if (ph.p_filesz == 0 || !add_ok(ph.p_offset, ph.p_filesz, &end) || end > c->size)
		return refuse(c, "dynamically linked (program header %d, PT_INTERP, lies outside "
			      "the file); only static programs run here", i);
	end = ph.p_offset + shown;
	if (end > c->len) {
		if (end <= ELF_MAX_READ)
			return (int)end;
		return refuse(c, "dynamically linked (interpreter named at file offset 0x%lx); "
			      "only static programs run here", (unsigned long)ph.p_offset);
	}
	/* Up to the NUL, printable only, and not too long for one line. */
	const uint8_t *s = c->h + ph.p_offset;
	size_t n;
	for (n = 0; n < shown && s[n]; n++)
		name[n] = (s[n] >= 0x20 && s[n] < 0x7f) ? s[n] : '?';
	if (n > INTERP_SHOWN) {
		n = INTERP_SHOWN;
		memcpy(name + n, "...", 3);
		n += 3;
	}
	name[n] = 0;
	return refuse(c, "dynamically linked (interpreter %s); only static programs run here",
		      n ? name : "(empty name)");
}

/* One PT_LOAD (program header i): checked, then appended to the plan. */
static int add_load(struct ctx *c, struct elf_plan *p, int *ph_index, int i,
		    const struct elf64_phdr *ph)
{
	uint64_t fend, mend;
	bool exec = c->eh.e_type == ET_EXEC;

	if (ph->p_filesz > ph->p_memsz)
		return refuse(c, "program header %d (PT_LOAD): p_filesz 0x%lx > p_memsz 0x%lx", i,
			      (unsigned long)ph->p_filesz, (unsigned long)ph->p_memsz);
	/* (A segment without file bytes may say any offset, as on Linux: sstrip.) */
	if (ph->p_filesz && (!add_ok(ph->p_offset, ph->p_filesz, &fend) || fend > c->size))
		return refuse(c, "program header %d (PT_LOAD) extends past the end of the file "
			      "(offset 0x%lx + 0x%lx > size 0x%lx)", i, (unsigned long)ph->p_offset,
			      (unsigned long)ph->p_filesz, (unsigned long)c->size);
	if (!add_ok(ph->p_vaddr, ph->p_memsz, &mend) || mend > ELF_USER_END)
		return refuse(c, "program header %d (PT_LOAD) at 0x%lx + 0x%lx ends beyond the "
			      "user address space (0x%llx)", i, (unsigned long)ph->p_vaddr,
			      (unsigned long)ph->p_memsz, ELF_USER_END);
	if (ph->p_memsz == 0)
		return 0; /* maps nothing */
	if ((ph->p_offset ^ ph->p_vaddr) & (PAGE_SIZE - 1))
		return refuse(c, "program header %d (PT_LOAD): p_offset 0x%lx and p_vaddr 0x%lx "
			      "differ modulo the page size", i, (unsigned long)ph->p_offset,
			      (unsigned long)ph->p_vaddr);
	uint64_t plo = ALIGN_DOWN(ph->p_vaddr, PAGE_SIZE), phi = ALIGN_UP(mend, PAGE_SIZE);
	if (exec && plo < ELF_MIN_VADDR)
		return refuse(c, "program header %d (PT_LOAD) at 0x%lx maps below 0x%llx (page 0 "
			      "and the lowest 64 KiB stay unmapped)", i, (unsigned long)ph->p_vaddr,
			      ELF_MIN_VADDR);
	if (exec && plo < ELF_IMAGE_WINDOW_HI && phi > ELF_IMAGE_WINDOW_LO)
		return refuse(c, "program header %d (PT_LOAD) at 0x%lx-0x%lx overlaps the kernel "
			      "image window 0x%llx-0x%llx (link it elsewhere, e.g. at 0x400000)", i,
			      (unsigned long)ph->p_vaddr, (unsigned long)mend, ELF_IMAGE_WINDOW_LO,
			      ELF_IMAGE_WINDOW_HI);
	if (p->nloads > 0) {
		const struct elf_load *prev = &p->load[p->nloads - 1];
		int j = ph_index[p->nloads - 1];
		if (ph->p_vaddr < prev->vaddr)
			return refuse(c, "PT_LOAD program headers %d and %d are not in ascending "
				      "address order (0x%lx after 0x%lx)", j, i,
				      (unsigned long)ph->p_vaddr, (unsigned long)prev->vaddr);
		if (ph->p_vaddr < prev->vaddr + prev->memsz)
			return refuse(c, "PT_LOAD program headers %d and %d overlap (0x%lx-0x%lx "
				      "and 0x%lx-0x%lx)", j, i, (unsigned long)prev->vaddr,
				      (unsigned long)(prev->vaddr + prev->memsz),
				      (unsigned long)ph->p_vaddr, (unsigned long)mend);
	}
	if (p->nloads == ELF_MAX_LOADS)
		return refuse(c, "more than %d PT_LOAD segments", ELF_MAX_LOADS);
	ph_index[p->nloads] = i;
	p->load[p->nloads++] = (struct elf_load){
		.vaddr = ph->p_vaddr,
		.memsz = ph->p_memsz,
		/* no file bytes: any offset in the file, a harmless one in the plan */
		.offset = ph->p_filesz ? ph->p_offset : ph->p_vaddr & (PAGE_SIZE - 1),
		.filesz = ph->p_filesz,
		.prot = (ph->p_flags & PF_R ? ELF_PROT_READ : 0) |
			(ph->p_flags & PF_W ? ELF_PROT_WRITE : 0) |
			(ph->p_flags & PF_X ? ELF_PROT_EXEC : 0),
	};
	return 0;
}

static int check_tls(struct ctx *c, int i, const struct elf64_phdr *ph)
{
	uint64_t end;

	if (ph->p_filesz > ph->p_memsz)
		return refuse(c, "program header %d (PT_TLS): p_filesz 0x%lx > p_memsz 0x%lx", i,
			      (unsigned long)ph->p_filesz, (unsigned long)ph->p_memsz);
	if (ph->p_memsz > ELF_MAX_EXTENT || !add_ok(ph->p_vaddr, ph->p_memsz, &end) ||
	    end > ELF_USER_END)
		return refuse(c, "program header %d (PT_TLS) at 0x%lx + 0x%lx is out of range", i,
			      (unsigned long)ph->p_vaddr, (unsigned long)ph->p_memsz);
	if (ph->p_align & (ph->p_align - 1))
		return refuse(c, "program header %d (PT_TLS): alignment 0x%lx is not a power of "
			      "two", i, (unsigned long)ph->p_align);
	if (ph->p_align > ELF_MAX_TLS_ALIGN)
		return refuse(c, "program header %d (PT_TLS): alignment 0x%lx is more than 0x%llx",
			      i, (unsigned long)ph->p_align, ELF_MAX_TLS_ALIGN);
	return 0;
}

/* The loaded segment whose bytes from the file hold [vaddr, vaddr + len), or NULL. */
static const struct elf_load *file_backed(const struct elf_plan *p, uint64_t vaddr, uint64_t len)
{
	for (int k = 0; k < p->nloads; k++) {
		const struct elf_load *l = &p->load[k];
		if (vaddr >= l->vaddr && vaddr - l->vaddr <= l->filesz &&
		    len <= l->filesz - (vaddr - l->vaddr))
			return l;
	}
	return NULL;
}

/* What holds for the whole image: extent, entry, TLS image, program headers. */
static int check_image(struct ctx *c, struct elf_plan *p, int tls_i, int phdr_i,
		       const struct elf64_phdr *phdr)
{
	const struct elf_load *l;
	uint64_t tabsize = (uint64_t)c->eh.e_phnum * PHENT;
	int k;

	if (p->nloads == 0)
		return refuse(c, "no PT_LOAD segment");
	const struct elf_load *last = &p->load[p->nloads - 1];
	p->lo = ALIGN_DOWN(p->load[0].vaddr, PAGE_SIZE);
	p->hi = ALIGN_UP(last->vaddr + last->memsz, PAGE_SIZE);
	if (p->hi - p->lo > ELF_MAX_EXTENT)
		return refuse(c, "the PT_LOAD segments span 0x%lx bytes (0x%lx-0x%lx), more than "
			      "%llu GiB", (unsigned long)(p->hi - p->lo), (unsigned long)p->lo,
			      (unsigned long)p->hi, ELF_MAX_EXTENT >> 30);
	if (p->entry == 0)
		return refuse(c, "no entry point (e_entry is 0): a shared library, not a program?");
	for (k = 0; k < p->nloads; k++) {
		l = &p->load[k];
		if ((l->prot & ELF_PROT_EXEC) && p->entry >= l->vaddr &&
		    p->entry - l->vaddr < l->filesz)
			break;
	}
	if (k == p->nloads)
		return refuse(c, "entry point 0x%lx is outside every executable segment",
			      (unsigned long)p->entry);
	if (p->tls_filesz && !file_backed(p, p->tls_vaddr, p->tls_filesz))
		return refuse(c, "program header %d (PT_TLS): its image 0x%lx + 0x%lx is not in "
			      "the file bytes of a PT_LOAD", tls_i, (unsigned long)p->tls_vaddr,
			      (unsigned long)p->tls_filesz);
	if (phdr_i >= 0) {
		l = file_backed(p, phdr->p_vaddr, tabsize);
		if (!l || l->offset + (phdr->p_vaddr - l->vaddr) != c->eh.e_phoff)
			return refuse(c, "program header %d (PT_PHDR) at 0x%lx does not map the "
				      "program header table (file offset 0x%lx)", phdr_i,
				      (unsigned long)phdr->p_vaddr, (unsigned long)c->eh.e_phoff);
		p->phdr_vaddr = phdr->p_vaddr;
	} else {
		for (k = 0; k < p->nloads; k++) {
			l = &p->load[k];
			if (c->eh.e_phoff >= l->offset && c->eh.e_phoff - l->offset <= l->filesz &&
			    tabsize <= l->filesz - (c->eh.e_phoff - l->offset)) {
				p->phdr_vaddr = l->vaddr + (c->eh.e_phoff - l->offset);
				break;
			}
		}
	}
	return 0;
}

int elf_plan_parse(const void *hdr, size_t hdr_len, uint64_t file_size, struct elf_plan *out,
		   char *why, size_t whylen)
{
	struct ctx c = { .h = hdr, .len = hdr_len, .size = file_size, .why = why,
			 .whylen = whylen };
	struct elf64_phdr ph, phdr = { 0 };
	int ph_index[ELF_MAX_LOADS];
	int ret, tls_i = -1, phdr_i = -1;

	if (why && whylen)
		why[0] = 0;
	if ((!hdr && hdr_len) || !out) {
		if (why && whylen)
			ksnprintf(why, whylen, "elf_plan_parse: NULL %s", out ? "hdr" : "out");
		return -EINVAL;
	}
	if (hdr_len > file_size) {
		if (why && whylen)
			ksnprintf(why, whylen, "elf_plan_parse: %lu bytes of header for a file of "
				  "%lu", (unsigned long)hdr_len, (unsigned long)file_size);
		return -EINVAL;
	}
	if ((ret = check_ident(&c)))
		return ret;
	if (hdr_len < sizeof(c.eh)) {
		if (hdr_len < file_size)
			return (int)MIN(file_size, sizeof(c.eh));
		return refuse(&c, "truncated ELF header (%lu bytes of %lu)", (unsigned long)hdr_len,
			      (unsigned long)sizeof(c.eh));
	}
	memcpy(&c.eh, hdr, sizeof(c.eh));
	if ((ret = check_header(&c)) || (ret = interpreter(&c)))
		return ret;

	memset(out, 0, sizeof(*out));
	out->pie = c.eh.e_type == ET_DYN;
	out->entry = c.eh.e_entry;
	out->phnum = c.eh.e_phnum;
	out->phentsize = c.eh.e_phentsize;
	for (int i = 0; i < c.eh.e_phnum; i++) {
		get_phdr(&c, i, &ph);
		switch (ph.p_type) {
		case PT_LOAD:
			if ((ret = add_load(&c, out, ph_index, i, &ph)))
				return ret;
			break;
		case PT_TLS:
			if (tls_i >= 0)
				return refuse(&c, "program headers %d and %d are both PT_TLS",
					      tls_i, i);
			if ((ret = check_tls(&c, i, &ph)))
				return ret;
			tls_i = i;
			out->tls_vaddr = ph.p_vaddr;
			out->tls_filesz = ph.p_filesz;
			out->tls_memsz = ph.p_memsz;
			out->tls_align = ph.p_align;
			break;
		case PT_PHDR:
			if (phdr_i >= 0)
				return refuse(&c, "program headers %d and %d are both PT_PHDR",
					      phdr_i, i);
			phdr_i = i;
			phdr = ph;
			break;
		case PT_GNU_STACK:
			out->exec_stack = ph.p_flags & PF_X;
			break;
		}
	}
	return check_image(&c, out, tls_i, phdr_i, &phdr);
}
