/*
 * elf.h - the parts of the ELF64 format the kernel reads (System V gABI):
 * the file header, section headers and symbols. Used by the symbolizer
 * (debug/symbols.c) and for the image's own program headers (kern/app.c).
 */
#ifndef JINY_ELF_H
#define JINY_ELF_H

#include "kern.h"

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_shdr {
	uint32_t sh_name, sh_type;
	uint64_t sh_flags, sh_addr, sh_offset, sh_size;
	uint32_t sh_link, sh_info;
	uint64_t sh_addralign, sh_entsize;
};

struct elf64_sym {
	uint32_t st_name;
	uint8_t st_info, st_other;
	uint16_t st_shndx;
	uint64_t st_value, st_size;
};

#endif
