/*
 * tst-tls-ctor: thread-local storage of the main thread and the ELF
 * constructor/destructor machinery, which musl's _start runs as on Linux.
 *
 * TLS: initialised (.tdata) and zero (.tbss) __thread variables, one of each
 * aligned to 64 bytes, read in a constructor (TLS is set up before
 * constructors run) and in main. Constructors: two with priorities, one
 * without, and a plain function pointer placed in .init_array by hand (a
 * C++-free static initialiser). Destructors run after the atexit handlers,
 * in reverse order; the runner checks that order on the console.
 */
// EXPECT: ^tst: tst-tls-ctor: [0-9]+ checks, 0 failures$
// EXPECT-SEQ: ^tst: tst-tls-ctor:
// EXPECT-SEQ: ^atexit handler$
// EXPECT-SEQ: ^destructor default$
// EXPECT-SEQ: ^destructor 102$
// EXPECT-SEQ: ^destructor 101$
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tst.h"

__thread int tdata_int = 0x1234567;
__thread char tdata_str[16] = "tls-string";
__thread long tbss_long;
__thread char tbss_arr[100];
__thread int tdata_al64 __attribute__((aligned(64))) = 77;
__thread char tbss_al64[3] __attribute__((aligned(64)));

static char order[8];		/* one letter per constructor, in run order */
static int seen_in_ctor;	/* tdata_int as a constructor saw it */
static int fib20;		/* set by the hand-made .init_array entry */

static void mark(char c)
{
	size_t n = strlen(order);
	if (n < sizeof(order) - 1)
		order[n] = c;
}

__attribute__((constructor(101))) static void ctor_101(void)
{
	mark('A');
	seen_in_ctor = tdata_int;
	tbss_long = 5;		/* main must still see this */
}

__attribute__((constructor(102))) static void ctor_102(void) { mark('B'); }
__attribute__((constructor)) static void ctor_default(void) { mark('C'); }

static void init_fib(void)
{
	int a = 0, b = 1;
	for (int i = 0; i < 20; i++) {
		int t = a + b;
		a = b;
		b = t;
	}
	fib20 = a;
	mark('D');
}
__attribute__((used, section(".init_array"))) static void (*init_fib_ptr)(void) = init_fib;

__attribute__((destructor(101))) static void dtor_101(void) { printf("destructor 101\n"); }
__attribute__((destructor(102))) static void dtor_102(void) { printf("destructor 102\n"); }
__attribute__((destructor)) static void dtor_default(void) { printf("destructor default\n"); }

static void on_exit_handler(void) { printf("atexit handler\n"); }

int main(void)
{
	/* Constructors: priorities first, in order; then the default-priority
	 * ones (C, D), whose relative order the toolchain does not promise. */
	CHECK(strcmp(order, "ABCD") == 0 || strcmp(order, "ABDC") == 0);
	printf("constructor order: %s\n", order);
	CHECK_EQ(fib20, 6765);
	CHECK_EQ(seen_in_ctor, 0x1234567);

	CHECK_EQ(tdata_int, 0x1234567);
	CHECK_STREQ(tdata_str, "tls-string");
	CHECK_EQ(tbss_long, 5);
	int zero = 1;
	for (size_t i = 0; i < sizeof(tbss_arr); i++)
		zero &= tbss_arr[i] == 0;
	CHECK(zero);
	CHECK_EQ(tdata_al64, 77);
	CHECK_EQ((uintptr_t)&tdata_al64 % 64, 0);
	CHECK_EQ((uintptr_t)&tbss_al64 % 64, 0);
	CHECK(tbss_al64[0] == 0 && tbss_al64[1] == 0 && tbss_al64[2] == 0);

	/* Writable, and distinct storage. */
	tdata_int++;
	tbss_arr[99] = 'x';
	tdata_al64 = -1;
	strcpy(tdata_str, "changed");
	CHECK_EQ(tdata_int, 0x1234568);
	CHECK_EQ(tbss_arr[99], 'x');
	CHECK_EQ(tdata_al64, -1);
	CHECK_STREQ(tdata_str, "changed");
	CHECK_EQ(tbss_long, 5);

	/* The TLS block is at %fs (musl's thread pointer points to itself). */
	uintptr_t tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	CHECK(tp != 0);
	CHECK((uintptr_t)&tdata_int < tp && tp - (uintptr_t)&tdata_int < 4096);

	CHECK_EQ(atexit(on_exit_handler), 0);
	return tst_done();
}
