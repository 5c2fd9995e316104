/*
 * start.c - jiny_start(), the C entry point reached from boot/pvh.S, and the
 * start-up sequence of DESIGN.md 6: console -> start_info (memory map,
 * command line, modules) -> CPU tables -> page tables -> page frames and
 * kmalloc -> FPU, clock, APIC timer, scheduler -> the other CPUs ->
 * initcalls -> process 1 -> the init= program (compat/launch.c) and/or the
 * HP app's main thread (kern/app.c); the boot context then becomes the idle
 * thread.
 */
#include "kern/boot.h"
#include "kern/cmdline.h"
#include "kern/initcall.h"
#include "proc/proc.h"
#include "syscall/user.h"
#include "arch/arch.h"
#include "drivers/serial.h"
#include "sched/sched.h"
#include "kern/app.h"
#include "kern/spinlock.h"

#define PVH_MAGIC 0x336ec578

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};
struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

struct boot_info boot_info;
static char cmdline_buf[65536];
struct cmdline kernel_cmdline;
bool kern_verbose;

static void __noreturn boot_fail(const char *msg)
{
	printk("jiny: cannot boot: %s\n", msg);
	kern_power_off(JINY_EXIT_PANIC);
}

paddr_t boot_mem_alloc_frame(void)
{
	struct boot_info *b = &boot_info;
	for (int i = 0; i < b->nr_ram; i++) {
		if (b->early_next >= b->ram[i].start && b->early_next + PAGE_SIZE <= b->ram[i].end) {
			paddr_t f = b->early_next;
			b->early_next += PAGE_SIZE;
			/* Before vm_init the boot tables identity-map the first GiB. */
			void *p = vm_kernel_pml4() ? phys_to_virt(f) : (void *)f;
			memset(p, 0, PAGE_SIZE);
			return f;
		}
	}
	boot_fail("out of memory while building page tables (give the VM more memory)");
}

static void read_start_info(paddr_t si_pa)
{
	const struct hvm_start_info *si = (const void *)si_pa; /* identity-mapped */
	extern char __image_end[];

	if (si->magic != PVH_MAGIC)
		boot_fail("bad PVH start_info magic (not started through the PVH entry?)");
	if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries)
		boot_fail("PVH start_info has no memory map (version 1 needed)");
	if (si->cmdline_paddr)
		strlcpy(cmdline_buf, (const char *)si->cmdline_paddr, sizeof(cmdline_buf));
	boot_info.cmdline = cmdline_buf;
	boot_info.rsdp = si->rsdp_paddr;

	const struct hvm_memmap_entry *mm = (const void *)si->memmap_paddr;
	for (uint32_t i = 0; i < si->memmap_entries && boot_info.nr_ram < BOOT_MAX_RANGES; i++) {
		if (mm[i].type != 1)
			continue;
		paddr_t s = ALIGN_UP(mm[i].addr, PAGE_SIZE);
		paddr_t e = ALIGN_DOWN(mm[i].addr + mm[i].size, PAGE_SIZE);
		if (e <= s)
			continue;
		boot_info.ram[boot_info.nr_ram++] = (struct pfa_range){ s, e };
		if (e > boot_info.max_ram)
			boot_info.max_ram = e;
	}
	const struct hvm_modlist_entry *ml = (const void *)si->modlist_paddr;
	for (uint32_t i = 0; i < si->nr_modules && i < BOOT_MAX_MODULES; i++) {
		boot_info.modules[i] = (struct boot_module){ ml[i].paddr, ml[i].size, NULL };
		boot_info.nr_modules++;
	}
	boot_info.early_start = boot_info.early_next =
		ALIGN_UP((paddr_t)__image_end - IMAGE_BASE, PAGE_SIZE);
	/* Modules may sit right after the image: start the bump region after them. */
	for (int i = 0; i < boot_info.nr_modules; i++) {
		paddr_t ms = boot_info.modules[i].start, me = ms + boot_info.modules[i].size;
		if (me > boot_info.early_next && ms < boot_info.early_next + (1 << 20))
			boot_info.early_start = boot_info.early_next = ALIGN_UP(me, PAGE_SIZE);
	}
}

/* Free RAM = RAM - [0, 1 MiB) - image - early region - modules. */
static void add_free_ram(void)
{
	struct { paddr_t s, e; } hole[BOOT_MAX_MODULES + 3];
	int nh = 0;
	extern char __image_start[];
	hole[nh].s = 0, hole[nh++].e = 0x100000;
	hole[nh].s = (paddr_t)__image_start - IMAGE_BASE, hole[nh++].e = boot_info.early_start;
	hole[nh].s = boot_info.early_start, hole[nh++].e = boot_info.early_next;
	for (int i = 0; i < boot_info.nr_modules; i++) {
		hole[nh].s = ALIGN_DOWN(boot_info.modules[i].start, PAGE_SIZE);
		hole[nh++].e = ALIGN_UP(boot_info.modules[i].start + boot_info.modules[i].size, PAGE_SIZE);
	}
	for (int i = 0; i < boot_info.nr_ram; i++) {
		paddr_t s = boot_info.ram[i].start, e = boot_info.ram[i].end;
		/* Cut the holes out of [s, e), lowest first. */
		while (s < e) {
			paddr_t cut = e;
			int which = -1;
			for (int h = 0; h < nh; h++)
				if (hole[h].e > s && hole[h].s < cut) {
					cut = MAX(hole[h].s, s);
					which = h;
				}
			if (cut > s)
				pfa_add_range(s, cut);
			if (which < 0)
				break;
			s = MAX(s, hole[which].e);
		}
	}
}

static void mm_setup(void)
{
	vm_init();
	/* The allocator's metadata: contiguous, right after the page tables; pfa_init clears it. */
	size_t meta = ALIGN_UP(pfa_meta_size(boot_info.max_ram), PAGE_SIZE);
	paddr_t meta_pa = boot_info.early_next;
	bool fits = false;
	for (int i = 0; i < boot_info.nr_ram; i++)
		fits |= meta_pa >= boot_info.ram[i].start && meta_pa + meta <= boot_info.ram[i].end;
	if (!fits)
		boot_fail("no contiguous memory for the page-frame allocator");
	boot_info.early_next += meta;
	pfa_init(phys_to_virt(meta_pa), boot_info.max_ram, phys_to_virt);
	add_free_ram();
	vm_use_pfa();
	kmalloc_set_page_source(page_alloc_uninit, page_free);
}

static void run_initcalls(void)
{
	extern const struct initcall __initcall_start[], __initcall_end[];
	for (const struct initcall *ic = __initcall_start; ic < __initcall_end; ic++) {
		uint64_t t0 = clock_ns();
		int r = ic->fn();
		if (r < 0)
			printk("jiny: %s failed (%d)\n", ic->name, r);
		if (kern_verbose)
			printk("jiny: initcall %s: %lu us\n", ic->name,
			       (unsigned long)((clock_ns() - t0) / 1000));
	}
}

void jiny_start(paddr_t start_info) __noreturn;
/* verbose: boot stage timestamps (TSC, converted once the clock is known). */
static uint64_t stage_tsc[10];
static const char *stage_name[10];
static int nr_stages;
static void stage(const char *name)
{
	if (nr_stages < 10) {
		stage_name[nr_stages] = name;
		stage_tsc[nr_stages++] = rdtsc();
	}
}

static void print_stages(void)
{
	uint64_t hz = clock_tsc_hz();
	printk("jiny: boot:");
	for (int i = 1; i < nr_stages; i++)
		printk(" %s %lu us%s", stage_name[i],
		       (unsigned long)((stage_tsc[i] - stage_tsc[i - 1]) * 1000000 / hz),
		       i + 1 < nr_stages ? "," : "\n");
}

void jiny_start(paddr_t start_info)
{
	stage("entry");
	serial_init();
	arch_cpu_init();
	read_start_info(start_info);
	mm_setup();
	stage("memory");

	char err[128];
	if (cmdline_parse(boot_info.cmdline, &kernel_cmdline, err, sizeof(err)) < 0) {
		printk("jiny: %s\n", err);
		kern_power_off(JINY_EXIT_PANIC);
	}
	kern_verbose = cmdline_opt(&kernel_cmdline, "verbose") != NULL;
	uint64_t tick_hz = 0;
	if (cmdline_opt(&kernel_cmdline, "tick_hz") &&
	    !cmdline_opt_u64(&kernel_cmdline, "tick_hz", &tick_hz))
		printk("jiny: ignoring malformed tick_hz=%s\n", cmdline_opt(&kernel_cmdline, "tick_hz"));

	fpu_init();
	clock_init();
	stage("clock");
	apic_init();
	sched_init(tick_hz);
	stage("apic+sched");
	uint64_t max_cpus = MAX_CPUS;
	if (cmdline_opt(&kernel_cmdline, "cpus") &&
	    (!cmdline_opt_u64(&kernel_cmdline, "cpus", &max_cpus) || !max_cpus))
		printk("jiny: ignoring malformed cpus=%s\n", cmdline_opt(&kernel_cmdline, "cpus"));
	smp_init(boot_info.rsdp, max_cpus ? (int)MIN(max_cpus, (uint64_t)MAX_CPUS) : MAX_CPUS);
	stage("smp");
	if (kern_verbose)
		printk("jiny: %d CPUs, %zu MiB RAM, %zu free; clock %s at %lu kHz; "
		       "fpu state %zu bytes\n", nr_cpus, (size_t)(pfa_total_pages() >> 8),
		       (size_t)(pfa_free_pages() >> 8), clock_source(), clock_tsc_hz() / 1000,
		       fpu_state_size());
	run_initcalls();
	stage("initcalls");
	if (cmdline_opt(&kernel_cmdline, "debug_panic"))
		panic("requested with the debug_panic kernel option");
	if (cmdline_opt(&kernel_cmdline, "debug_deadlock"))
		spin_debug_deadlock();
	if (kern_verbose)
		print_stages();
	proc_init();
	syscall_user_options(&kernel_cmdline);
	if (!compat_launch_init(&kernel_cmdline))
		app_start(&kernel_cmdline);
	sched_run_idle();
}
