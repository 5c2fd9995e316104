/*
 * user.h - the way into the kernel from ring 3 and back (syscall/user.c,
 * arch/x86_64/entry.S). A thread of a compat process enters the kernel on
 * its own kernel stack, where its user registers are saved as a struct
 * trap_frame (t->uframe): the same layout for system calls, interrupts and
 * exceptions.
 */
#ifndef JINY_SYSCALL_USER_H
#define JINY_SYSCALL_USER_H

#include "kern/kern.h"

struct trap_frame;
struct cmdline;

/* The kernel option strace (strace=2: entries too); start.c, before init= starts. */
void syscall_user_options(const struct cmdline *kcl);

/*
 * A system call from ring 3 (entry.S, interrupts on): runs it and the work
 * of the way back; true when the frame can go back with sysret.
 */
bool syscall_user(struct trap_frame *f);

/*
 * The way back to ring 3 (entry.S calls it with interrupts off and the user
 * frame on the thread's kernel stack): runs pending work - a reschedule, a
 * process exit, signal delivery, stops - and returns with interrupts off when
 * the frame can be restored.
 */
void user_return_work(struct trap_frame *f);
/* entry.S: restore f (the user frame at the top of the kernel stack) and iretq/sysret. */
void arch_return_to_user(struct trap_frame *f) __noreturn;

#endif
