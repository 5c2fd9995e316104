/*
 * kern.h - the kernel's common vocabulary: fixed-width types, printk, panic,
 * string helpers and small utility macros. Every libjiny file includes it.
 *
 * The kernel is freestanding: it does not call musl (the app's libc). Its own
 * memcpy/memset/... live in kern/string.c and are hidden by the partial link
 * that makes libjiny.a (see CMakeLists.txt), so they never clash with libc's.
 */
#ifndef JINY_KERN_H
#define JINY_KERN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t ssize_t;
typedef uint64_t paddr_t; /* physical address */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))
#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __section(s) __attribute__((section(s)))
#define __used __attribute__((used))
/* Visible outside libjiny.a (public API, syscall handlers); all else is hidden. */
#define __export __attribute__((visibility("default")))
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
/* A compiler barrier (no instruction): GCC emits the same empty asm with a memory clobber. */
#define barrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12

/* printk.c: formatted output to the console (serial). Safe from any context. */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Print the first time only (per call site). */
#define printk_once(...)                                                      \
	do {                                                                  \
		static bool printed_;                                         \
		if (!printed_) {                                              \
			printed_ = true;                                      \
			printk(__VA_ARGS__);                                  \
		}                                                             \
	} while (0)

/* panic.c: print registers and a symbolized backtrace, then power off. */
void panic(const char *fmt, ...) __noreturn __attribute__((format(printf, 1, 2)));
#define BUG_ON(c)                                                             \
	do {                                                                  \
		if (unlikely(c))                                              \
			panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); \
	} while (0)

/* power.c: end the VM. The status reaches the host as QEMU's exit status. */
void kern_power_off(int status) __noreturn;
/* Exit statuses of the VM that are not the app's own (documented in README). */
#define JINY_EXIT_PANIC 125 /* kernel panic (bug in Jiny or bad boot) */

/* string.c: the kernel's own string functions (hidden). */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *d, const char *s, size_t size);

#endif
