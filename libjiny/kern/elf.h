/*
 * elf.h - the parts of the ELF64 format the kernel reads (System V gABI):
 * the file header, program headers, section headers and symbols. Used by the
 * symbolizer (debug/symbols.c), for the image's own program headers
 * (kern/app.c, fs/procfs.c's maps of the HP app) and by the compat loader's
 * parser (compat/elf.c). The one home of ELF definitions.
 */
#ifndef JINY_ELF_H
#define JINY_ELF_H

#include "kern/kern.h"

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

/* e_ident[] */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define EV_CURRENT 1
#define ELFOSABI_SYSV 0
#define ELFOSABI_GNU 3  /* a.k.a. ELFOSABI_LINUX */

/* e_type, e_machine */
#define ET_NONE 0
#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define ET_CORE 4
#define EM_X86_64 62

/* A program header: one segment. */
struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

/* p_type */
#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_SHLIB 5
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_EH_FRAME 0x6474e550
#define PT_GNU_STACK 0x6474e551
#define PT_GNU_RELRO 0x6474e552
#define PT_GNU_PROPERTY 0x6474e553

/* p_flags */
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_shdr {
	uint32_t sh_name, sh_type;
	uint64_t sh_flags, sh_addr, sh_offset, sh_size;
	uint32_t sh_link, sh_info;
	uint64_t sh_addralign, sh_entsize;
};

/* sh_type, sh_flags; section indices from SHN_LORESERVE on are special */
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHF_ALLOC 0x2
#define SHF_EXECINSTR 0x4
#define SHN_LORESERVE 0xff00

struct elf64_sym {
	uint32_t st_name;
	uint8_t st_info, st_other;
	uint16_t st_shndx;
	uint64_t st_value, st_size;
};

/* st_info: type in the low nibble, binding in the high one */
#define STT_NOTYPE 0
#define STT_FUNC 2
#define STB_GLOBAL 1
#define STB_WEAK 2

#endif
