/*
 * isolation: a ring-3 process cannot touch the kernel, the HP app or the
 * machine, and the system stays up whatever it tries (DESIGN.md 3: the image
 * window 0x40000000..0x7fffffff, kernel + HP app linked at 0x40200000, and
 * the direct map at 0xffff800000000000 are in every address space,
 * supervisor-only). On Linux the same addresses are unmapped user space or
 * the kernel's half, so the expectations hold there too:
 *
 *   reads and writes of the image window and the kernel's half: SIGSEGV
 *     with si_addr = the address (SEGV_MAPERR or SEGV_ACCERR)
 *   a jump to the HP app's text (0x40200000): SIGSEGV, RIP = 0x40200000
 *   system calls given such pointers: EFAULT, nothing written
 *   mprotect of the window: ENOMEM; munmap or MAP_FIXED over it: refused,
 *     or (Linux) an ordinary user mapping; either way the system stays up
 *   port I/O (the debug-exit port 0xf4, the serial port), rdmsr, reading
 *     CR3: SIGSEGV SI_KERNEL (#GP), and the VM does not exit
 *   an unknown system call number: ENOSYS
 *   a fork bomb under setrlimit(RLIMIT_NPROC, 20): fork fails with EAGAIN
 *     after at most 20 processes, everything is cleaned up, fork works again
 * After each, "the system is up" = a fork + exit + wait round trip works.
 */
#include "ct.h"
#include <pthread.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define PG 4096UL
#define IMAGE_BASE 0x40000000UL
#define HP_TEXT 0x40200000UL
#define IMAGE_END 0x80000000UL
#define DIRECT_MAP 0xffff800000000000UL
#define KERNEL_VA 0xffffc00000000000UL

__asm__(".pushsection .text\n"
	".globl is_outb\n.hidden is_outb\n.type is_outb, @function\nis_outb:\n"
	"\tmovl $1, %eax\n"
	".globl is_outb_insn\n.hidden is_outb_insn\nis_outb_insn:\n\toutb %al, $0xf4\n\tret\n"
	".globl is_inb\n.hidden is_inb\n.type is_inb, @function\nis_inb:\n"
	"\tmovw $0x3f8, %dx\n"
	".globl is_inb_insn\n.hidden is_inb_insn\nis_inb_insn:\n\tinb %dx, %al\n\tret\n"
	".globl is_rdmsr\n.hidden is_rdmsr\n.type is_rdmsr, @function\nis_rdmsr:\n"
	"\tmovl $0xc0000080, %ecx\n"
	".globl is_rdmsr_insn\n.hidden is_rdmsr_insn\nis_rdmsr_insn:\n\trdmsr\n\tret\n"
	".globl is_cr3\n.hidden is_cr3\n.type is_cr3, @function\nis_cr3:\n"
	".globl is_cr3_insn\n.hidden is_cr3_insn\nis_cr3_insn:\n\tmovq %cr3, %rax\n\tret\n"
	".popsection\n");
#define IS_DECL(n)                                                                                \
	__attribute__((visibility("hidden"))) int n(void);                                       \
	extern const char n##_insn[] __attribute__((visibility("hidden")))
IS_DECL(is_outb);
IS_DECL(is_inb);
IS_DECL(is_rdmsr);
IS_DECL(is_cr3);

static void run_fn(void *a)
{
	((int (*)(void))a)();
}

static int up_child(void *a)
{
	return 37;
}

/* The system is up: a child can be made, run and reaped, and getpid works. */
static void check_up(const char *after)
{
	char what[200];

	snprintf(what, sizeof(what), "the system is up after %s", after);
	CHECK(ct_child(up_child, NULL) == (37 << 8) && getpid() > 0, what);
}

static int check_kernel_fault(void (*fn)(void *), void *addr, unsigned long rip, int line,
			      const char *what)
{
	struct ct_fault f;
	int r = ct_catch(fn, addr, &f);

	return ct_check_fault(r, &f, SIGSEGV, SEGV_MAPERR, SEGV_ACCERR, addr, rip, line, what);
}
#define CHECK_KFAULT(fn, addr, rip, what)                                                        \
	check_kernel_fault(fn, (void *)(addr), (unsigned long)(rip), __LINE__, what)

static void kernel_memory(void)
{
	static const struct {
		unsigned long addr;
		const char *name;
	} spots[] = {
		{IMAGE_BASE, "the start of the image window (0x40000000)"},
		{HP_TEXT, "the HP app's text (0x40200000)"},
		{HP_TEXT + 0x100000, "the image, 1 MiB in"},
		{IMAGE_END - PG, "the last page of the image window"},
		{DIRECT_MAP, "the direct map (0xffff800000000000)"},
		{DIRECT_MAP + 0x200000, "the kernel's physical pages through the direct map"},
		{KERNEL_VA, "the kernel's virtual areas (0xffffc00000000000)"},
	};
	char what[200];

	ct_section("kernel memory from ring 3");
	for (unsigned i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		snprintf(what, sizeof(what), "read %s: SIGSEGV", spots[i].name);
		CHECK_KFAULT(ct_do_read, spots[i].addr, ct_read_insn, what);
		snprintf(what, sizeof(what), "write %s: SIGSEGV", spots[i].name);
		CHECK_KFAULT(ct_do_write, spots[i].addr, ct_write_insn, what);
	}
	CHECK_KFAULT(ct_do_call, HP_TEXT, HP_TEXT, "jump to the HP app's text: SIGSEGV at 0x40200000");
	CHECK_KFAULT(ct_do_call, DIRECT_MAP + 0x200000, DIRECT_MAP + 0x200000,
		     "jump into the direct map: SIGSEGV");
	check_up("touching kernel memory");
}

static void kernel_pointers(void)
{
	int p[2];
	char buf[16];
	struct stat st;

	ct_section("kernel pointers given to system calls");
	pipe(p);
	CHECK_ERR(write(p[1], (void *)HP_TEXT, 16), EFAULT, "write() from the HP app's text");
	CHECK_ERR(write(p[1], (void *)DIRECT_MAP, 16), EFAULT, "write() from the direct map");
	write(p[1], "0123456789abcdef", 16);
	CHECK_ERR(read(p[0], (void *)HP_TEXT, 16), EFAULT, "read() into the HP app's text");
	CHECK_ERR(read(p[0], (void *)(DIRECT_MAP + 0x200000), 16), EFAULT, "read() into the direct map");
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 16, "the data is still in the pipe");
	CHECK_ERR(open((const char *)HP_TEXT, O_RDONLY), EFAULT, "open() of a path in the image");
	/* system calls, not libc: musl's stat() copies through a buffer of its own */
	CHECK_ERR(syscall(SYS_stat, "/", (void *)(DIRECT_MAP + 0x200000)), EFAULT,
		  "stat() into the direct map");
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)HP_TEXT), EFAULT,
		  "clock_gettime() into the image");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, (void *)HP_TEXT, NULL, 8), EFAULT,
		  "rt_sigaction() with a sigaction in the image");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, (void *)DIRECT_MAP, 8), EFAULT,
		  "rt_sigaction() returning into the direct map");
	CHECK_ERR(syscall(SYS_pipe2, (void *)HP_TEXT, 0), EFAULT, "pipe2() into the image");
	CHECK_ERR(syscall(SYS_uname, (void *)(IMAGE_END - 8)), EFAULT,
		  "uname() into the end of the image window");
	CHECK_ERR(syscall(SYS_fstat, p[0], (void *)(IMAGE_BASE - 8)), EFAULT,
		  "fstat() into a buffer that runs into the image window");
	CHECK_OK(syscall(SYS_fstat, p[0], &st), "fstat() with a good buffer still works");
	close(p[0]);
	close(p[1]);
	check_up("system calls with kernel pointers");
}

static void window_mappings(void)
{
	void *m;

	ct_section("the image window and the address-space calls");
	CHECK_ERR(mprotect((void *)HP_TEXT, PG, PROT_READ | PROT_WRITE), ENOMEM,
		  "mprotect of the HP app's text: ENOMEM");
	CHECK_ERR(mprotect((void *)DIRECT_MAP, PG, PROT_READ), ENOMEM,
		  "mprotect of the direct map: ENOMEM");
	CHECK_KFAULT(ct_do_write, HP_TEXT, ct_write_insn, "after mprotect, it still faults");

	m = mmap((void *)HP_TEXT, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	if (m == MAP_FAILED) {
		ct_note("MAP_FIXED at 0x40200000 refused (errno %d)", errno);
		CHECK(errno == ENOMEM || errno == EINVAL || errno == EPERM,
		      "MAP_FIXED over the HP app's text: refused with ENOMEM/EINVAL/EPERM");
		CHECK_KFAULT(ct_do_read, HP_TEXT, ct_read_insn, "and it still faults");
	} else {
		/* Linux: an ordinary page of user memory */
		CHECK(m == (void *)HP_TEXT, "MAP_FIXED at 0x40200000: there, if allowed at all");
		ct_write_byte((char *)m + 1, 'u');
		CHECK(ct_read_byte((char *)m + 1) == 'u' && ct_read_byte(m) == 0,
		      "and then an ordinary zero-filled user page");
		munmap(m, PG);
	}
	check_up("MAP_FIXED over the image window");
	m = mmap((void *)DIRECT_MAP, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	CHECK(m == MAP_FAILED && (errno == ENOMEM || errno == EINVAL || errno == EPERM),
	      "MAP_FIXED over the direct map: refused");
	/* Linux returns 0 (nothing was mapped there); Jiny must keep its image. */
	long r = munmap((void *)IMAGE_BASE, IMAGE_END - IMAGE_BASE);
	ct_note("munmap of the whole image window: %ld (errno %d)", r, r ? errno : 0);
	check_up("munmap of the image window");
	CHECK_KFAULT(ct_do_read, HP_TEXT, ct_read_insn, "after munmap, the HP app's text still faults");
	r = munmap((void *)DIRECT_MAP, 1UL << 30);
	CHECK(r == -1 && errno == EINVAL, "munmap of the direct map: EINVAL");
	check_up("munmap of the direct map");
}

static void machine(void)
{
	struct ct_fault f;
	int r;

	ct_section("the machine from ring 3");
	r = ct_catch(run_fn, (void *)is_outb, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SI_KERNEL, 0, is_outb_insn,
		    "outb to the debug-exit port 0xf4: SIGSEGV (#GP), the VM does not exit");
	r = ct_catch(run_fn, (void *)is_inb, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SI_KERNEL, 0, is_inb_insn, "inb from the serial port: SIGSEGV");
	r = ct_catch(run_fn, (void *)is_rdmsr, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SI_KERNEL, 0, is_rdmsr_insn, "rdmsr EFER: SIGSEGV");
	r = ct_catch(run_fn, (void *)is_cr3, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SI_KERNEL, 0, is_cr3_insn, "reading CR3: SIGSEGV");
	CHECK_ERR(syscall(100000), ENOSYS, "system call 100000: ENOSYS");
	CHECK_ERR(syscall(-1L), ENOSYS, "system call -1: ENOSYS");
	check_up("privileged instructions");
}

/*
 * The fork bomb, in a child of its own: RLIMIT_NPROC 20, then fork until it
 * fails. Linux does not apply RLIMIT_NPROC to root, so as root the bomb
 * first becomes a uid of its own, 40000 + pid % 20000, that no other
 * process uses (tests running side by side would count against a shared
 * one). If setresuid fails, the limit must hold for whoever it is.
 */
static int bomb(void *a)
{
	enum { MAX = 200 };
	static pid_t kids[MAX];
	struct rlimit rl = {20, 20};
	int p[2], n, err = 0, reaped = 0;
	char c;

	if (getuid() == 0) {
		uid_t id = 40000 + getpid() % 20000;
		int r1 = setresgid(id, id, id), r2 = setresuid(id, id, id);
		ct_note("the bomb runs as uid %d (setresgid %d, setresuid %d)", (int)getuid(), r1, r2);
	}
	CHECK_OK(setrlimit(RLIMIT_NPROC, &rl), "setrlimit(RLIMIT_NPROC, 20)");
	pipe(p);
	for (n = 0; n < MAX; n++) {
		pid_t pid = fork();
		if (pid == 0) {
			close(p[1]);
			read(p[0], &c, 1); /* until the bomb closes its end */
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n] = pid;
	}
	ct_note("%d forks succeeded before one failed with errno %d", n, err);
	CHECK(n < MAX, "fork stops succeeding (the bomb is bounded)");
	CHECK(n <= 20, "at most RLIMIT_NPROC (20) processes");
	CHECK_EQ(err, EAGAIN, "the failing fork says EAGAIN");
	close(p[1]);
	close(p[0]);
	for (int i = 0; i < n; i++)
		reaped += ct_waitpid(kids[i], 0) == 0;
	CHECK_EQ(reaped, n, "every child of the bomb exits and is reaped");
	pid_t pid = fork();
	if (pid == 0)
		_exit(5);
	CHECK(pid > 0 && ct_waitpid(pid, 0) == (5 << 8), "after the clean-up, fork works again");
	return ct_child_status();
}

/*
 * One thread reads /dev/zero into a buffer another thread keeps unmapping:
 * Linux answers EFAULT or a short read; Jiny may instead end the process
 * with SIGSEGV (the call cannot fail once it has started). Either way, no
 * crash of the system.
 */
#define RACE_SZ (1 << 20)
static char *volatile race_buf;
static volatile int race_stop;

static void *race_unmapper(void *a)
{
	for (int i = 0; i < 300 && !race_stop; i++) {
		usleep(200);
		munmap(race_buf, RACE_SZ);
		mmap(race_buf, RACE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
	}
	return NULL;
}

static int race_child(void *a)
{
	race_buf = mmap(NULL, RACE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/dev/zero", O_RDONLY);
	pthread_t t;
	if (race_buf == MAP_FAILED || fd < 0 || pthread_create(&t, NULL, race_unmapper, NULL))
		return 1;
	for (int i = 0; i < 400; i++)
		if (read(fd, race_buf, RACE_SZ) < 0 && errno != EFAULT)
			return 2;
	race_stop = 1;
	pthread_join(t, NULL);
	return 0;
}

static void unmap_race(void)
{
	ct_section("a system call's buffer unmapped by another thread meanwhile");
	int st = ct_child(race_child, NULL);
	CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0) || (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV),
	      "the process finishes (EFAULT or short reads) or is killed by SIGSEGV");
	check_up("the unmap race");
}

static void fork_bomb(void)
{
	ct_section("fork bomb under RLIMIT_NPROC");
	CHECK_WAIT(ct_child(bomb, NULL), "exit 0", "the bomb's checks (above)");
	check_up("the fork bomb");
}

int main(int argc, char **argv)
{
	ct_start(argc, argv);
	kernel_memory();
	kernel_pointers();
	window_mappings();
	machine();
	unmap_race();
	fork_bomb();
	return ct_done();
}
