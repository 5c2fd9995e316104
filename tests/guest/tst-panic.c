/*
 * tst-panic: the kernel's panic report. Booted with the debug_panic kernel
 * option, the kernel panics at the end of start-up, before main() runs: the
 * report must name the reason, print the registers and a backtrace whose
 * frames are symbolized (jiny_start called panic), and the VM must end with
 * the panic status 125 — not hang, not reach main().
 */
// KOPT: debug_panic
// EXPECT: ^jiny: kernel panic: requested with the debug_panic kernel option
// EXPECT: RIP [0-9a-f]{16} +RSP [0-9a-f]{16}
// EXPECT: RAX [0-9a-f]{16} +RBX
// EXPECT: CR2 [0-9a-f]{16} +CR3
// EXPECT: #[0-9]+ 0x[0-9a-f]+ jiny_start\+0x
// EXPECT-NOT: main\(\) ran
// EXIT: 125
#include <stdio.h>

int main(void)
{
	puts("main() ran");
	return 0;
}
