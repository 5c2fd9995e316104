/*
 * host_shim.c - the kernel services the pure-logic modules use, for the
 * host unit tests (host_shim.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"

jmp_buf *host_panic_jmp;
char host_panic_msg[512];
int host_panic_count;

char host_printk_last[512];

int vprintk(const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	vsnprintf(host_printk_last, sizeof(host_printk_last), fmt, copy);
	va_end(copy);
	return vfprintf(stderr, fmt, ap);
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(host_panic_msg, sizeof(host_panic_msg), fmt, ap);
	va_end(ap);
	host_panic_count++;
	if (host_panic_jmp)
		longjmp(*host_panic_jmp, 1);
	fprintf(stderr, "unexpected panic: %s\n", host_panic_msg);
	fail_msg("unexpected panic: %s", host_panic_msg);
	abort();
}

void kern_power_off(int status)
{
	fprintf(stderr, "kern_power_off(%d)\n", status);
	abort();
}

/* glibc before 2.38 has no strlcpy. */
size_t strlcpy(char *d, const char *s, size_t size)
{
	size_t n = strlen(s);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(d, s, c);
		d[c] = '\0';
	}
	return n;
}

/* ---- page source ---- */

struct block {
	struct block *next;
	void *p;
	unsigned order;
	bool freed;
};

static struct block *blocks;
static size_t outstanding;
static long fail_after = -1;

static void *pages_alloc(unsigned order)
{
	struct block *b;

	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	b = calloc(1, sizeof(*b));
	assert_non_null(b);
	b->p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
	assert_non_null(b->p);
	memset(b->p, 0xa5, PAGE_SIZE << order); /* not zeroed: catch missing inits */
	b->order = order;
	b->next = blocks;
	blocks = b;
	outstanding += (size_t)1 << order;
	return b->p;
}

static void pages_free(void *p, unsigned order)
{
	for (struct block *b = blocks; b; b = b->next) {
		if (b->p != p || b->freed)
			continue;
		if (b->order != order)
			fail_msg("page source: %p freed with order %u, allocated with %u", p, order,
				 b->order);
		memset(p, 0, PAGE_SIZE << order);
		b->freed = true;
		outstanding -= (size_t)1 << order;
		return;
	}
	fail_msg("page source: %p (order %u) was not allocated here", p, order);
}

void host_pages_release(void)
{
	for (struct block **pb = &blocks; *pb;) {
		struct block *b = *pb;
		if (!b->freed) {
			pb = &b->next;
			continue;
		}
		*pb = b->next;
		free(b->p);
		free(b);
	}
}

size_t host_pages_outstanding(void)
{
	return outstanding;
}

void host_pages_fail_after(long n)
{
	fail_after = n;
}

void host_kmalloc_setup(void)
{
	fail_after = -1;
	kmalloc_set_page_source(pages_alloc, pages_free);
}

/* The allocators' locks: the host tests are single-threaded. */
void pfa_lock(void) {}
void pfa_unlock(void) {}
void kmalloc_lock(void) {}
void kmalloc_unlock(void) {}
