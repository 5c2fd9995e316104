/*
 * syscall_arch.h - Jiny's replacement for musl's arch/x86_64/syscall_arch.h.
 *
 * musl reaches the kernel only through __syscall0..6 (src/internal/syscall.h).
 * Upstream they execute the `syscall` instruction; in Jiny the application,
 * musl and the kernel share one ring-0 address space, so they are plain
 * function calls (DESIGN.md 4, path 1):
 *
 *   - n a compile-time constant naming an implemented system call: a direct
 *     call of the kernel's handler, long __jiny_sys_<name>(a1..a_nargs).
 *     The switch below is generated from libjiny/syscall/syscalls.def and
 *     folds away, leaving one `call`/`jmp __jiny_sys_<name>`.
 *     OPTIONAL entries (the socket calls) too: this strong reference is
 *     what links net/ into an image whose code calls socket() & co.
 *   - anything else (a variable n, a NOSYS entry): the kernel's dispatcher
 *     long __jiny_syscall(n, a1, ..., a6), which returns -ENOSYS when needed.
 *
 * Missing arguments are passed as 0; surplus ones are dropped. There is no
 * vDSO (clock_gettime is already a direct call), so no VDSO_* defines.
 * Built with -I<jiny>/libjiny/syscall by third_party/musl/musl.cmake.
 */

#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

/* Prototypes of the handlers: exactly nargs long parameters each. */
#define __JINY_PROTO0(f) long f(void);
#define __JINY_PROTO1(f) long f(long);
#define __JINY_PROTO2(f) long f(long, long);
#define __JINY_PROTO3(f) long f(long, long, long);
#define __JINY_PROTO4(f) long f(long, long, long, long);
#define __JINY_PROTO5(f) long f(long, long, long, long, long);
#define __JINY_PROTO6(f) long f(long, long, long, long, long, long);

/* `name` is only ever an operand of ##, so a libc macro of the same name
 * (prlimit64, pread64, ...) cannot expand inside these. */
#define SYSCALL(nr, name, nargs) __JINY_PROTO##nargs(__jiny_sys_##name)
#define NOSYS(nr, name)
#define OPTIONAL SYSCALL
#include "syscalls.def"
#undef SYSCALL
#undef NOSYS
#undef OPTIONAL

long __jiny_syscall(long, long, long, long, long, long, long);

/* Calls of a handler with its first nargs arguments (a1..a6 in scope). */
#define __JINY_CALL0(f) f()
#define __JINY_CALL1(f) f(a1)
#define __JINY_CALL2(f) f(a1, a2)
#define __JINY_CALL3(f) f(a1, a2, a3)
#define __JINY_CALL4(f) f(a1, a2, a3, a4)
#define __JINY_CALL5(f) f(a1, a2, a3, a4, a5)
#define __JINY_CALL6(f) f(a1, a2, a3, a4, a5, a6)

/* always_inline: __builtin_constant_p(n) must be judged at the call site. */
static __inline __attribute__((__always_inline__))
long __jiny_call(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	if (__builtin_constant_p(n)) {
		switch (n) {
#define SYSCALL(nr, name, nargs) case nr: return __JINY_CALL##nargs(__jiny_sys_##name);
#define NOSYS(nr, name)
#define OPTIONAL SYSCALL
#include "syscalls.def"
#undef SYSCALL
#undef NOSYS
#undef OPTIONAL
		}
	}
	return __jiny_syscall(n, a1, a2, a3, a4, a5, a6);
}

/*
 * Cancellation points (read, write, send, ...; patches/0001): musl's
 * __syscall_cp, which checks for a pending pthread_cancel, once
 * pthread_cancel() has been called in the program (it sets
 * __jiny_cancel_used); before that no thread can be cancelled, so they are
 * direct calls of the handler like every other system call.
 */
extern __attribute__((__visibility__("hidden"))) volatile int __jiny_cancel_used;
long __syscall_cp(long, long, long, long, long, long, long)
	__attribute__((__visibility__("hidden")));

static __inline __attribute__((__always_inline__))
long __jiny_syscall_cp(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	if (__jiny_cancel_used)
		return (__syscall_cp)(n, a1, a2, a3, a4, a5, a6);
	return __jiny_call(n, a1, a2, a3, a4, a5, a6);
}

static __inline __attribute__((__always_inline__))
long __syscall0(long n)
{
	return __jiny_call(n, 0, 0, 0, 0, 0, 0);
}

static __inline __attribute__((__always_inline__))
long __syscall1(long n, long a1)
{
	return __jiny_call(n, a1, 0, 0, 0, 0, 0);
}

static __inline __attribute__((__always_inline__))
long __syscall2(long n, long a1, long a2)
{
	return __jiny_call(n, a1, a2, 0, 0, 0, 0);
}

static __inline __attribute__((__always_inline__))
long __syscall3(long n, long a1, long a2, long a3)
{
	return __jiny_call(n, a1, a2, a3, 0, 0, 0);
}

static __inline __attribute__((__always_inline__))
long __syscall4(long n, long a1, long a2, long a3, long a4)
{
	return __jiny_call(n, a1, a2, a3, a4, 0, 0);
}

static __inline __attribute__((__always_inline__))
long __syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
	return __jiny_call(n, a1, a2, a3, a4, a5, 0);
}

static __inline __attribute__((__always_inline__))
long __syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return __jiny_call(n, a1, a2, a3, a4, a5, a6);
}

#define IPC_64 0
