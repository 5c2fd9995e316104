/*
 * compat-image: the Jiny image that boots the compat tests (tests/compat).
 * They run with the kernel option init="PROG ARGS...", which starts PROG from
 * the initramfs as the first ring-3 process *instead of* main() (the default
 * init_mode=instead); the VM then exits with PROG's status. So this main()
 * runs only when the kernel ignored init=: it says so, and fails.
 * It never calls socket() itself, so it asks for the socket layer by name
 * for the ring-3 programs (docs/sdk.md, "pay for what you link").
 */
// LINK: -Wl,-u,jiny_net
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("compat-image: main() ran, so the kernel did not start the init= program\n");
	return 99;
}
