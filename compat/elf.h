/*
 * elf.h - the compat loader's ELF parser: it validates the headers of an
 * x86-64 Linux executable and turns them into a load plan. Pure logic over
 * the first bytes of the file, no memory mapping and no allocation:
 * compat/exec.c reads the file, calls elf_plan_parse() and maps what the
 * plan says; tests/host/test_elf.c checks it on the host against real
 * binaries (glibc and musl static, static-pie, dynamic) and a fuzzer.
 *
 * Accepted: ELF64, little-endian, x86-64, OS/ABI System V or GNU/Linux,
 *   ET_EXEC (static, non-PIE, usually at 0x400000) and ET_DYN without
 *   PT_INTERP (static-pie). Anything else is refused with -ENOEXEC and a
 *   reason; a dynamically linked program names its interpreter.
 *
 * Checked, since the file may be hostile (every sum is overflow-checked):
 *   the ELF header (magic, class, data, versions, OS/ABI, machine, type,
 *   e_phentsize == 56, 1 <= e_phnum <= ELF_MAX_PHNUM, the table inside the
 *   file); each PT_LOAD (p_filesz <= p_memsz, its file bytes inside the file,
 *   p_offset and p_vaddr congruent modulo the page size, the end below
 *   ELF_USER_END, ascending p_vaddr and no two segments sharing a byte - two
 *   segments MAY share a page, as in real binaries); for ET_EXEC also no page
 *   below ELF_MIN_VADDR (mmap_min_addr) and nothing in the kernel image window
 *   [ELF_IMAGE_WINDOW_LO, ELF_IMAGE_WINDOW_HI) (DESIGN.md 3); at most
 *   ELF_MAX_LOADS non-empty PT_LOADs, at least one; an extent below
 *   ELF_MAX_EXTENT; the entry point not 0 (a shared library) and inside the
 *   file bytes of an executable PT_LOAD; PT_TLS
 *   (at most one, p_filesz <= p_memsz, alignment a power of two up to
 *   ELF_MAX_TLS_ALIGN, its initialisation image inside the file bytes of a
 *   PT_LOAD); PT_PHDR (its table inside a PT_LOAD). Other program headers
 *   (PT_NOTE, PT_DYNAMIC, PT_GNU_RELRO, PT_GNU_PROPERTY, ...) are ignored, as
 *   Linux does, and so are the section headers.
 *
 * Differences from Linux's binfmt_elf, on purpose: unsorted or overlapping
 * PT_LOADs, an OS/ABI other than System V or GNU/Linux (a FreeBSD binary,
 * say), a PT_TLS or PT_PHDR that points outside the loaded image and more
 * than ELF_MAX_PHNUM program headers are refused instead of being left to
 * fail at run time.
 */
#ifndef JINY_COMPAT_ELF_H
#define JINY_COMPAT_ELF_H

#include "kern/kern.h"
#include "abi/linux.h"

#define ELF_MAX_LOADS 16       /* non-empty PT_LOADs in a plan */
#define ELF_MAX_PHNUM 128      /* program headers in a file */
#define ELF_MAX_READ 65536     /* elf_plan_parse() never asks for more of the file */
#define ELF_MIN_VADDR 0x10000ULL                 /* ET_EXEC: like vm.mmap_min_addr */
#define ELF_USER_END 0x800000000000ULL           /* end of the user half */
#define ELF_IMAGE_WINDOW_LO 0x40000000ULL        /* the kernel image window */
#define ELF_IMAGE_WINDOW_HI 0x80000000ULL
#define ELF_MAX_EXTENT (64ULL << 30)             /* hi - lo */
#define ELF_MAX_TLS_ALIGN (1ULL << 20)
#define ELF_WHY_LEN 160        /* room for every reason elf_plan_parse() gives */

/* elf_load.prot: the mmap protections. */
#define ELF_PROT_READ PROT_READ_K
#define ELF_PROT_WRITE PROT_WRITE_K
#define ELF_PROT_EXEC PROT_EXEC_K

/*
 * One PT_LOAD, addresses NOT yet relocated by the PIE bias. The loader maps
 * [ALIGN_DOWN(vaddr), ALIGN_UP(vaddr + memsz)) with prot, fills it with the
 * file bytes [offset, offset + filesz) at vaddr and zeroes the rest (the
 * part of the first page before vaddr, when the file has other bytes there,
 * may hold them, as on Linux). Two consecutive loads may share a page (the
 * first ends and the second begins in it, without a common byte): that page
 * then needs both segments' bytes and the union of their protections.
 * Loads with p_memsz == 0 are left out of the plan.
 */
struct elf_load {
	uint64_t vaddr, memsz;   /* segment in memory */
	uint64_t offset, filesz; /* bytes from the file; filesz 0: offset is vaddr % PAGE_SIZE
				    (the file may say anything, e.g. past its end after sstrip) */
	int prot;                /* ELF_PROT_READ 1 | ELF_PROT_WRITE 2 | ELF_PROT_EXEC 4 */
};

struct elf_plan {
	bool pie;                /* ET_DYN: the loader picks a bias (page aligned) */
	uint64_t entry;          /* e_entry (unrelocated) */
	uint64_t lo, hi;         /* page-aligned extent of all PT_LOADs (unrelocated) */
	uint64_t phdr_vaddr;     /* the program headers in memory (AT_PHDR, unrelocated):
				    PT_PHDR's p_vaddr, else inside the PT_LOAD whose file
				    bytes hold them; 0 if they are not mapped */
	uint16_t phnum, phentsize; /* AT_PHNUM, AT_PHENT */
	int nloads;              /* 1..ELF_MAX_LOADS */
	struct elf_load load[ELF_MAX_LOADS]; /* ascending, no byte shared */
	/*
	 * PT_GNU_STACK has PF_X (the last PT_GNU_STACK counts, as in Linux).
	 * Without PT_GNU_STACK the stack is NOT executable: that is Linux's
	 * behaviour on x86-64 since 5.8, where a missing PT_GNU_STACK no longer
	 * implies READ_IMPLIES_EXEC for 64-bit programs.
	 */
	bool exec_stack;
	/* PT_TLS, all 0 if none (informational: libc sets TLS up itself). */
	uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;
};

/*
 * Validate the headers of an executable and plan its loading.
 *
 * hdr holds the first hdr_len bytes of the file (hdr_len <= file_size) and
 * file_size is the whole file's size. The caller reads min(file_size, 4096)
 * bytes first; when something the parser needs lies further (the program
 * header table, the interpreter's name), it returns a positive count N
 * instead - hdr_len < N <= min(file_size, ELF_MAX_READ) - and the caller
 * calls again with the first N bytes. A header table that ends beyond
 * ELF_MAX_READ is refused, so this loop ends after at most three calls
 * (buf: room for ELF_MAX_READ bytes, or grown as asked):
 *
 *	n = MIN(size, 4096);
 *	while ((rc = read_head(f, buf, n)) == 0 &&
 *	       (rc = elf_plan_parse(buf, n, size, &plan, why, sizeof(why))) > 0)
 *		n = rc;
 *
 * Returns 0 with *out filled, N > 0 as above, -ENOEXEC when the file is not
 * an executable we run (not an ELF, another machine or class, dynamically
 * linked, malformed or absurd headers), -EINVAL when the call itself is wrong
 * (NULL hdr or out, hdr_len > file_size). On every error why[0..whylen) gets
 * a NUL-terminated reason in one line (ELF_WHY_LEN bytes hold any of them),
 * without the file name, which the caller prefixes:
 *
 *   dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2); only static
 *     programs run here
 *   program header 3 (PT_LOAD) extends past the end of the file (offset 0x1000
 *     + 0x5000 > size 0x3000)
 *
 * On success why is "". why may be NULL (whylen 0). *out is unspecified
 * after an error or a positive return.
 */
int elf_plan_parse(const void *hdr, size_t hdr_len, uint64_t file_size, struct elf_plan *out,
		   char *why, size_t whylen);

#endif
