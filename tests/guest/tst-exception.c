/*
 * tst-exception: a CPU exception in the app gives a useful report and status
 * 139 (128 + SIGSEGV), like a segfault on Linux.
 *
 * main -> call_crash -> crash_here, which writes to 0xdead0 (never mapped:
 * the low GiB is compat user space and page 0xde is not the app's). The
 * kernel's report must name the exception, show RIP, the general registers
 * and CR2 = 0xdead0, and a backtrace symbolized from the app's own ELF (read
 * through fw_cfg) with crash_here, call_crash and main, innermost first.
 * Frame pointers are kept so a frame-pointer walk sees every frame, and
 * crash_here is not a leaf (GCC gives leaf functions no frame, and then the
 * return into call_crash would be found only at (%rsp)); the calls are not
 * inlined nor turned into tail calls.
 */
// CFLAGS: -fno-omit-frame-pointer -fno-optimize-sibling-calls
// EXIT: 139
// EXPECT: [Pp]age[ -][Ff]ault|#PF
// EXPECT: \b(RIP|rip)\b
// EXPECT: \b(RAX|rax)\b
// EXPECT: \b(RBX|rbx)\b
// EXPECT: \b(RSP|rsp)\b
// EXPECT: \b(RBP|rbp)\b
// EXPECT: \b(R8|r8)\b
// EXPECT: \b(R15|r15)\b
// EXPECT: \b(CR2|cr2)\b[^0-9a-fA-F]*(0x)?0*[dD][eE][aA][dD]0\b
// EXPECT: \bcrash_here\b
// EXPECT-SEQ: \bcrash_here\b
// EXPECT-SEQ: \bcall_crash\b
// EXPECT-SEQ: \bmain\b
// EXPECT: ^about to crash$
// EXPECT-NOT: not reached
#include <stdint.h>
#include <stdio.h>

static volatile uintptr_t bad_address = 0xdead0;

__attribute__((noinline)) int crash_here(int v)
{
	printf("about to crash\n");
	fflush(stdout);
	*(volatile int *)bad_address = v;
	return v + 1;
}

__attribute__((noinline)) int call_crash(int v)
{
	int r = crash_here(v * 2);
	return r + 1;
}

int main(void)
{
	int r = call_crash(21);
	printf("not reached (%d)\n", r);
	return 0;
}
