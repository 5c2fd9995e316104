/*
 * app.c - the high-priority (HP) app: its main thread enters musl's own
 * _start (crt1.o, linked into every image) on a Linux-style initial stack
 * (DESIGN.md 6), so libc initialises exactly as on Linux: argc, argv, envp,
 * then the auxiliary vector with the image's real program headers (musl
 * finds PT_TLS there), AT_RANDOM for the stack protector, AT_HWCAP...
 * The app's exit_group ends the VM with its status (app_exit).
 */
#include "kern/app.h"
#include "kern/elf.h"
#include "abi/linux.h"
#include "arch/arch.h"
#include "sched/sched.h"
#include "mm/mm.h"
#include "fs/vfs.h"

#define APP_STACK_SIZE (8UL << 20) /* like Linux's default RLIMIT_STACK */
#define APP_START_STACK_SIZE (1UL << 20) /* filled on demand; holds argv/envp copies */

extern char _start[];            /* musl's crt1.o */
extern char __image_start[];

static const struct cmdline *app_cmdline;

static uint64_t random64(void)
{
	uint64_t v;
	if (cpu_has_rdrand() && rdrand64(&v))
		return v;
	v = rdtsc();
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return v;
}

/* Copy a string below *sp; return its new address. */
static char *push_str(uintptr_t *sp, const char *s)
{
	size_t n = strlen(s) + 1;
	*sp -= n;
	memcpy((void *)*sp, s, n);
	return (char *)*sp;
}

static void app_main_thread(void *unused)
{
	extern bool kern_verbose;
	if (kern_verbose)
		printk("jiny: entering the app at %lu us of uptime\n", (unsigned long)(clock_ns() / 1000));
	const struct cmdline *cl = app_cmdline;
	struct thread *me = sched_current();
	/*
	 * This function runs on the thread's small start-up stack; the app gets a
	 * stack of its own (filled on demand, guard page below), built here and
	 * switched to by arch_enter_app(). The start-up stack is never used again.
	 */
	uint8_t *stack = vmarea_reserve(APP_STACK_SIZE, PAGE_SIZE, PTE_W | PTE_NX);
	if (!stack)
		panic("no memory for the app's stack");
	uintptr_t sp = (uintptr_t)stack + APP_STACK_SIZE;
	const struct elf64_ehdr *eh = (const void *)__image_start;

	/* Strings and random bytes at the top, then the vectors. */
	char *argv[cl->argc + 1], *envp[cl->envc + 1];
	for (int i = 0; i < cl->argc; i++)
		argv[i] = push_str(&sp, cl->argv[i]);
	for (int i = 0; i < cl->envc; i++)
		envp[i] = push_str(&sp, cl->envp[i]);
	argv[cl->argc] = envp[cl->envc] = NULL;
	char *platform = push_str(&sp, "x86_64");
	sp = ALIGN_DOWN(sp, 16) - 16;
	uint64_t *rnd = (uint64_t *)sp;
	rnd[0] = random64();
	rnd[1] = random64();

	uint64_t auxv[][2] = {
		{ AT_PHDR_K, (uint64_t)__image_start + eh->e_phoff },
		{ AT_PHENT_K, eh->e_phentsize },
		{ AT_PHNUM_K, eh->e_phnum },
		{ AT_PAGESZ_K, PAGE_SIZE },
		{ AT_ENTRY_K, (uint64_t)_start },
		{ AT_UID_K, 0 }, { AT_EUID_K, 0 }, { AT_GID_K, 0 }, { AT_EGID_K, 0 },
		{ AT_SECURE_K, 0 },
		{ AT_RANDOM_K, (uint64_t)rnd },
		{ AT_HWCAP_K, cpuid(1, 0).edx },
		{ AT_HWCAP2_K, 0 },
		{ AT_CLKTCK_K, USER_HZ_K },
		{ AT_PLATFORM_K, (uint64_t)platform },
		{ AT_EXECFN_K, (uint64_t)argv[0] },
		{ AT_NULL_K, 0 },
	};
	size_t words = 1 + (cl->argc + 1) + (cl->envc + 1) + 2 * ARRAY_SIZE(auxv);
	sp = ALIGN_DOWN(sp - words * 8, 16); /* rsp % 16 == 0 at _start, argc at rsp */
	uint64_t *v = (uint64_t *)sp;
	*v++ = cl->argc;
	for (int i = 0; i <= cl->argc; i++)
		*v++ = (uint64_t)argv[i];
	for (int i = 0; i <= cl->envc; i++)
		*v++ = (uint64_t)envp[i];
	memcpy(v, auxv, sizeof(auxv));
	uint64_t f = irq_save();
	me->stack = stack;
	me->stack_size = APP_STACK_SIZE;
	irq_restore(f);
	arch_enter_app(_start, (void *)sp);
}

void app_start(const struct cmdline *cl)
{
	app_cmdline = cl;
	vfs_open_std_fds(); /* fds 0, 1, 2 on /dev/console, as init would leave them */
	struct thread *t = thread_create("main", PRIO_HP, THREAD_APP, app_main_thread, NULL,
					 APP_START_STACK_SIZE);
	if (!t)
		panic("cannot create the app's main thread");
}

void app_exit(int status)
{
	extern bool kern_verbose;
	/* Later: stop the other threads, sync file systems. */
	/* What the app wrote to TCP sockets before it exited goes out first, as
	 * it would from a Linux process (net/net.c, linked with sockets only). */
	extern void __jiny_net_exit_flush(void) __attribute__((weak));
	if (__jiny_net_exit_flush)
		__jiny_net_exit_flush();
	if (kern_verbose)
		printk("jiny: the app exits with status %d after %lu us of uptime\n", status & 0xff,
		       (unsigned long)(clock_ns() / 1000));
	kern_power_off(status & 0xff);
}
