/*
 * exec.h - the loader's entry points inside compat/: exec.c replaces a
 * process's program or starts a new process from a file; launch.c (init=,
 * jiny_spawn) and sys_execve call them.
 */
#ifndef JINY_COMPAT_EXEC_H
#define JINY_COMPAT_EXEC_H

#include "kern/kern.h"

/*
 * Replace the current process's program. From ring 3 (execve) the frame is
 * the thread's user frame; from a kernel-mode process (a vfork/CLONE_VM
 * child of the HP app) it enters ring 3 and does not return. Returns
 * -errno on failure (the old program continues).
 */
long proc_execve(const char *path, char *const argv[], char *const envp[], bool from_kernel);

/*
 * Create a new compat process running 'path' with argv/envp (kernel pointers),
 * child of the calling process, with a copy of its fd table; returns its pid
 * or -errno (ENOENT, ENOEXEC with a message naming the file and the reason...).
 */
#define SPAWN_TRUSTED 1u  /* kernel strings, not checked as the caller's pointers */
#define SPAWN_SETSID 2u   /* the child leads a new session and process group */
int proc_spawn(const char *path, char *const argv[], char *const envp[], unsigned flags);

#endif
