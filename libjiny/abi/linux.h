/*
 * linux.h - the Linux x86_64 ABI as the kernel sees it: the structures and
 * constants that cross the system-call boundary (and the initial stack's
 * auxiliary vector, the signal frame), in one home. Code includes this
 * header; the parts are split by subject only to keep each one readable:
 *
 *   abi/time.h     timespec, timeval, clocks, times(), clock ticks
 *   abi/fs.h       open, fcntl and *at() flags, file types, stat, statx,
 *                  statfs, directory entries, record locks, mount and rename
 *                  flags, lseek, iovec, the file ioctls, pipes
 *   abi/poll.h     poll, epoll, eventfd
 *   abi/tty.h      termios (the kernel's own 36-byte struct), winsize, the
 *                  tty ioctls
 *   abi/signal.h   signal numbers, sigaction, siginfo, masks, the alternate
 *                  stack and Linux's rt_sigframe (ucontext, sigcontext)
 *   abi/process.h  clone, wait, futex, resource limits and usage, sysinfo,
 *                  uname, prctl, arch_prctl, getrandom, the auxiliary vector
 *   abi/mman.h     mmap, mprotect, mremap, madvise
 *   abi/socket.h   socket addresses (IPv4, IPv6, Unix), msghdr and control
 *                  messages, address families, socket types, levels,
 *                  options and message flags
 *
 * Naming, so that one file can include this and a libc's (or lwIP's)
 * headers together, as tests/host/test_linux_abi.c does with glibc's: a
 * structure is Linux's name with "_k" (struct timespec_k, struct stat_k;
 * siginfo_t is struct siginfo_k), a constant Linux's name with "_K"
 * (O_CREAT_K, SIGCHLD_K, AF_INET_K). Fields keep Linux's names. Values and
 * layouts are Linux's uapi ones for x86_64, which glibc's headers agree
 * with but for termios (glibc's struct is larger); test_linux_abi checks
 * every structure's size and field offsets, and every constant, against
 * the host's headers.
 *
 * Not here: errno values (kern/errno.h), the kernel-internal restart codes
 * (-ERESTARTSYS & co., proc/signal.h), the ELF file format (kern/elf.h).
 */
#ifndef JINY_ABI_LINUX_H
#define JINY_ABI_LINUX_H

#include "abi/time.h"
#include "abi/fs.h"
#include "abi/poll.h"
#include "abi/tty.h"
#include "abi/signal.h"
#include "abi/process.h"
#include "abi/mman.h"
#include "abi/socket.h"

#endif
