/*
 * dispatch.c - the one system-call table, built from syscalls.def, and
 * __jiny_syscall(), the generic entry used by musl for non-constant numbers,
 * by syscall(2) and by the ring-0 `syscall` instruction path (entry.S).
 * Unknown or unimplemented numbers return -ENOSYS and are named once on
 * the console, except those whose ENOSYS a libc expects and falls back
 * from in silence (quiet_nosys): named once only with the verbose option.
 *
 * OPTIONAL entries (the socket calls) are weak references: their slot is
 * NULL, so -ENOSYS, unless something else linked their subsystem (libjiny.a
 * keeps net/ in a member of its own: CMakeLists.txt, "pay for what you
 * link").
 */
#include "syscall/sys.h"

typedef long (*syscall_fn)(long, long, long, long, long, long);

#define SYSCALL(nr, name, nargs)
#define NOSYS(nr, name)
#define OPTIONAL(nr, name, nargs) extern __typeof__(sys_##name) sys_##name __attribute__((weak));
#include "syscall/syscalls.def"
#undef SYSCALL
#undef NOSYS
#undef OPTIONAL

#define SYSCALL(nr, name, nargs) [nr] = (syscall_fn)(void (*)(void))sys_##name,
#define NOSYS(nr, name)
#define OPTIONAL SYSCALL
static const syscall_fn table[] = {
#include "syscall/syscalls.def"
};
#undef SYSCALL
#undef NOSYS
#undef OPTIONAL

#define SYSCALL(nr, name, nargs) [nr] = #name,
#define NOSYS(nr, name) [nr] = #name,
#define OPTIONAL SYSCALL
static const char *const names[] = {
#include "syscall/syscalls.def"
};
#undef SYSCALL
#undef NOSYS
#undef OPTIONAL

static uint8_t reported[ARRAY_SIZE(names) / 8 + 1];

const char *syscall_name(long n)
{
	return n >= 0 && (unsigned long)n < ARRAY_SIZE(names) && names[n] ? names[n] : NULL;
}

/*
 * Calls a program does without when the kernel lacks them, as on older
 * Linux kernels: glibc registers rseq at start-up and tries clone3 before
 * clone in pthread_create and posix_spawn, and goes on quietly on ENOSYS.
 */
static bool quiet_nosys(long n)
{
	return n == 334 /* rseq */ || n == 435 /* clone3 */;
}

long __jiny_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	extern bool kern_verbose;
	if (n >= 0 && (unsigned long)n < ARRAY_SIZE(table) && table[n])
		return table[n](a1, a2, a3, a4, a5, a6);
	const char *name = syscall_name(n);
	if (!name) {
		printk_once("jiny: system call number %ld does not exist: ENOSYS\n", n);
	} else if (!(reported[n / 8] & (1 << (n % 8))) && (kern_verbose || !quiet_nosys(n))) {
		reported[n / 8] |= 1 << (n % 8);
		printk("jiny: system call %s (%ld) is not implemented: ENOSYS%s\n", name, n,
		       quiet_nosys(n) ? " (an expected fallback)" : "");
	}
	return -ENOSYS;
}
