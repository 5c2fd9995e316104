/*
 * tst-deadlock: the kernel's self-deadlock report. Booted with the
 * debug_deadlock kernel option, the kernel takes one spinlock in a function
 * and again in the function it calls, on the same CPU, at the end of
 * start-up. Instead of spinning for ever with interrupts off (a hang with no
 * word), the second acquisition must be reported: the lock, the CPU, a
 * symbolized backtrace of the first acquirer (which still holds it) and of
 * the second, then the panic status 125.
 */
// KOPT: debug_deadlock
// EXPECT: ^jiny: spinlock 0x[0-9a-f]+ (\S+ )?taken twice on CPU 0: it would wait for itself
// EXPECT-SEQ: first taken here
// EXPECT-SEQ: #[0-9]+ 0x[0-9a-f]+ debug_deadlock_first\+0x
// EXPECT-SEQ: taken again here
// EXPECT-SEQ: ^jiny: kernel panic: self-deadlock on spinlock
// EXPECT-SEQ: #[0-9]+ 0x[0-9a-f]+ debug_deadlock_again\+0x
// EXPECT-SEQ: #[0-9]+ 0x[0-9a-f]+ debug_deadlock_first\+0x
// EXPECT-NOT: main\(\) ran
// EXPECT-NOT: nothing noticed
// EXIT: 125
#include <stdio.h>

int main(void)
{
	puts("main() ran");
	return 0;
}
