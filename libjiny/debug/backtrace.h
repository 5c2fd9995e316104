/*
 * backtrace.h - symbolized stack traces for panics and faults. The walk
 * follows frame pointers (the kernel and apps are built with
 * -fno-omit-frame-pointer); names come from the app's ELF read through
 * fw_cfg (symbols.h), loaded on first use.
 */
#ifndef JINY_DEBUG_BACKTRACE_H
#define JINY_DEBUG_BACKTRACE_H

#include "kern/kern.h"
#include "debug/symbols.h"

#define BACKTRACE_MAX_FRAMES 32

/*
 * Print " #0 0x... name+0x../0x.." for rip, the caller of a frameless leaf
 * (read at rsp), then one line per frame found from rbp, reading only inside
 * [stack_lo, stack_hi) (so it never faults on a smashed stack). Stops after
 * BACKTRACE_MAX_FRAMES frames, at a NULL or misaligned rbp, or one outside
 * the stack or not above the last one.
 */
void backtrace_print(uint64_t rip, uint64_t rsp, uint64_t rbp, uint64_t stack_lo,
		     uint64_t stack_hi);

/*
 * The app's symbol table, loaded from fw_cfg ("opt/jiny/elf") the first
 * time; NULL if it cannot be (why is printed once by backtrace_print).
 */
const struct sym_table *debug_symbols(void);

#endif
