/*
 * mman.h - Linux ABI, part of abi/linux.h (include that; it says how the
 * names are made): the mmap/mprotect/mremap/madvise constants (uapi
 * asm-generic/mman-common.h, linux/mman.h), used by mm/mmap.c, mm/uvm.c
 * and the ELF loader's plan (compat/elf.h).
 */
#ifndef JINY_ABI_MMAN_H
#define JINY_ABI_MMAN_H

#define PROT_READ_K 1
#define PROT_WRITE_K 2
#define PROT_EXEC_K 4
#define PROT_GROWSDOWN_K 0x01000000
#define PROT_GROWSUP_K 0x02000000
#define MAP_SHARED_K 0x01
#define MAP_PRIVATE_K 0x02
#define MAP_SHARED_VALIDATE_K 0x03
#define MAP_TYPE_K 0x0f
#define MAP_FIXED_K 0x10
#define MAP_ANONYMOUS_K 0x20
#define MAP_GROWSDOWN_K 0x100
#define MAP_POPULATE_K 0x8000
#define MAP_FIXED_NOREPLACE_K 0x100000
#define MREMAP_MAYMOVE_K 1
#define MREMAP_FIXED_K 2
#define MADV_DONTNEED_K 4
#define MADV_FREE_K 8

#endif
