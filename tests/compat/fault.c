/*
 * fault: every CPU fault of a ring-3 program becomes the signal Linux sends,
 * with Linux's siginfo, and the program survives it when it has a handler:
 *
 *   NULL read/write/call         SIGSEGV SEGV_MAPERR  si_addr = the address
 *   write to read-only memory    SIGSEGV SEGV_ACCERR  (mmap, .rodata, .text)
 *   execute data (NX)            SIGSEGV SEGV_ACCERR  (mmap, .data, stack)
 *   PROT_NONE                    SIGSEGV SEGV_ACCERR
 *   non-canonical address (#GP)  SIGSEGV SI_KERNEL    si_addr = 0
 *   hlt, cli in ring 3 (#GP)     SIGSEGV SI_KERNEL
 *   integer divide by 0, INT_MIN/-1  SIGFPE FPE_INTDIV  si_addr = the idiv
 *   ud2                          SIGILL ILL_ILLOPN    si_addr = the ud2
 *   int3                         SIGTRAP SI_KERNEL    RIP = after the int3
 *   stack overflow               SIGSEGV, on the alternate stack
 *   beyond the end of a mapped file  SIGBUS BUS_ADRERR
 *
 * Handlers check si_signo/si_code/si_addr and the saved RIP, then siglongjmp;
 * others repair and return (mprotect, or RIP moved past the ud2 through the
 * ucontext), and int3 just returns. Without a handler, with the signal
 * blocked or ignored, or when the handler itself faults, the child dies of
 * the signal (wait status checked).
 */
#include "ct.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>

#define PG 4096UL

/* Faulting instructions at known addresses (see ct.h for ct_read_byte). */
__asm__(".pushsection .text\n"
	".globl ft_div0\n.hidden ft_div0\n.type ft_div0, @function\nft_div0:\n"
	"\txorl %ecx, %ecx\n\tmovl $1, %eax\n\tcltd\n"
	".globl ft_div0_insn\n.hidden ft_div0_insn\nft_div0_insn:\n\tidivl %ecx\n\tret\n"
	".globl ft_divovf\n.hidden ft_divovf\n.type ft_divovf, @function\nft_divovf:\n"
	"\tmovl $0x80000000, %eax\n\tcltd\n\tmovl $-1, %ecx\n"
	".globl ft_divovf_insn\n.hidden ft_divovf_insn\nft_divovf_insn:\n\tidivl %ecx\n\tret\n"
	".globl ft_ud2\n.hidden ft_ud2\n.type ft_ud2, @function\nft_ud2:\n"
	".globl ft_ud2_insn\n.hidden ft_ud2_insn\nft_ud2_insn:\n\tud2\n\tmovl $77, %eax\n\tret\n"
	".globl ft_int3\n.hidden ft_int3\n.type ft_int3, @function\nft_int3:\n"
	".globl ft_int3_insn\n.hidden ft_int3_insn\nft_int3_insn:\n\tint3\n\tmovl $33, %eax\n\tret\n"
	".globl ft_hlt\n.hidden ft_hlt\n.type ft_hlt, @function\nft_hlt:\n"
	".globl ft_hlt_insn\n.hidden ft_hlt_insn\nft_hlt_insn:\n\thlt\n\tret\n"
	".globl ft_cli\n.hidden ft_cli\n.type ft_cli, @function\nft_cli:\n"
	".globl ft_cli_insn\n.hidden ft_cli_insn\nft_cli_insn:\n\tcli\n\tret\n"
	".popsection\n");
#define FT_DECL(n)                                                                                \
	__attribute__((visibility("hidden"))) int n(void);                                       \
	extern const char n##_insn[] __attribute__((visibility("hidden")))
FT_DECL(ft_div0);
FT_DECL(ft_divovf);
FT_DECL(ft_ud2);
FT_DECL(ft_int3);
FT_DECL(ft_hlt);
FT_DECL(ft_cli);

static void run_fn(void *a)
{
	((int (*)(void))a)();
}

static char data_code[64] = {(char)0xc3}; /* .data: "ret", not executable */
static const char rodata_str[] = "constant";

static void call_stack_code(void *a)
{
	char code[64];

	code[0] = (char)0xc3;
	((void (*)(void))(void *)code)();
}

static void segv(void)
{
	struct ct_fault f;
	int r;

	ct_section("SIGSEGV");
	r = ct_catch(ct_do_read, NULL, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_MAPERR, 0, ct_read_insn, "NULL read");
	r = ct_catch(ct_do_write, (void *)8, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_MAPERR, 8, ct_write_insn, "write to address 8");
	r = ct_catch(ct_do_call, NULL, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_MAPERR, 0, 0, "call through a NULL pointer");
	CHECK_EQ(f.rip, 0, "call NULL: the saved RIP is 0");
	r = ct_catch(ct_do_call, (void *)0x1000, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_MAPERR, 0x1000, 0x1000, "jump to an unmapped page");

	char *ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = ct_catch(ct_do_write, ro + 123, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_ACCERR, ro + 123, ct_write_insn,
		    "write to a PROT_READ mapping");
	r = ct_catch(ct_do_write, (void *)(rodata_str + 2), &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_ACCERR, rodata_str + 2, ct_write_insn, "write to .rodata");
	r = ct_catch(ct_do_write, (void *)segv, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_ACCERR, segv, ct_write_insn, "write to .text");
	CHECK_EQ(rodata_str[2], 'n', ".rodata unchanged");

	char *none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = ct_catch(ct_do_read, none + 5, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_ACCERR, none + 5, ct_read_insn, "read of PROT_NONE");

	ct_section("no execution of data (NX)");
	char *rw = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rw[0] = (char)0xc3;
	r = ct_catch(ct_do_call, rw, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_ACCERR, rw, rw, "call into a PROT_READ|PROT_WRITE mapping");
	r = ct_catch(ct_do_call, data_code, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_ACCERR, data_code, data_code, "call into .data");
	r = ct_catch(call_stack_code, NULL, &f);
	CHECK(r && f.signo == SIGSEGV && f.code == SEGV_ACCERR && f.addr == (void *)f.rip,
	      "call into the stack: SIGSEGV SEGV_ACCERR at the RIP");
	r = ct_catch(ct_do_call, none, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SEGV_ACCERR, none, none, "call into PROT_NONE");

	ct_section("general protection (#GP)");
	r = ct_catch(ct_do_read, (void *)0x8000000000000000UL, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SI_KERNEL, 0, ct_read_insn, "read of a non-canonical address");
	r = ct_catch(ct_do_write, (void *)0x0000800000000000UL + (1UL << 62), &f);
	CHECK_FAULT(r, &f, SIGSEGV, SI_KERNEL, 0, ct_write_insn, "write to a non-canonical address");
	r = ct_catch(run_fn, (void *)ft_hlt, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SI_KERNEL, 0, ft_hlt_insn, "hlt in ring 3");
	r = ct_catch(run_fn, (void *)ft_cli, &f);
	CHECK_FAULT(r, &f, SIGSEGV, SI_KERNEL, 0, ft_cli_insn, "cli in ring 3");
	munmap(ro, PG);
	munmap(none, PG);
	munmap(rw, PG);
}

static void fpe_ill_trap(void)
{
	struct ct_fault f;
	int r;

	ct_section("SIGFPE, SIGILL, SIGTRAP");
	r = ct_catch(run_fn, (void *)ft_div0, &f);
	CHECK_FAULT(r, &f, SIGFPE, FPE_INTDIV, ft_div0_insn, ft_div0_insn, "integer division by 0");
	r = ct_catch(run_fn, (void *)ft_divovf, &f);
	CHECK_FAULT(r, &f, SIGFPE, FPE_INTDIV, ft_divovf_insn, ft_divovf_insn, "INT_MIN / -1");
	r = ct_catch(run_fn, (void *)ft_ud2, &f);
	CHECK_FAULT(r, &f, SIGILL, ILL_ILLOPN, ft_ud2_insn, ft_ud2_insn, "ud2");
	r = ct_catch(run_fn, (void *)ft_int3, &f);
	CHECK_FAULT(r, &f, SIGTRAP, SI_KERNEL, 0, ft_int3_insn + 1,
		    "int3: SIGTRAP, RIP after the int3");
}

/* ---- handlers that repair and return ---- */

static char *ro_page;
static volatile int repairs;

static void repair_segv(int sig, siginfo_t *si, void *uc)
{
	repairs++;
	if ((char *)si->si_addr >= ro_page && (char *)si->si_addr < ro_page + PG)
		mprotect(ro_page, PG, PROT_READ | PROT_WRITE);
	else
		_exit(90);
}

static void skip_ud2(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	repairs++;
	uc->uc_mcontext.gregs[REG_RIP] += 2; /* ud2 is two bytes */
}

static void count_trap(int sig, siginfo_t *si, void *ucv)
{
	repairs++;
}

static void returning_handlers(void)
{
	ct_section("handlers that repair and return");
	ro_page = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ct_set_handler(SIGSEGV, repair_segv, 0, NULL);
	repairs = 0;
	ct_write_byte(ro_page + 10, 'w');
	CHECK_EQ(repairs, 1, "the SIGSEGV handler ran once");
	CHECK_EQ(ro_page[10], 'w', "after it made the page writable, the write was done");
	munmap(ro_page, PG);

	ct_set_handler(SIGILL, skip_ud2, 0, NULL);
	repairs = 0;
	CHECK_EQ(ft_ud2(), 77, "a SIGILL handler moved RIP past the ud2; the code went on");
	CHECK_EQ(repairs, 1, "the SIGILL handler ran once");

	ct_set_handler(SIGTRAP, count_trap, 0, NULL);
	repairs = 0;
	CHECK_EQ(ft_int3(), 33, "after a SIGTRAP handler returns, the code after int3 runs");
	CHECK_EQ(repairs, 1, "the SIGTRAP handler ran once");
	signal(SIGSEGV, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGTRAP, SIG_DFL);
}

/* ---- default actions, blocked and ignored faults (in children) ---- */

static int fault_null(void *a)
{
	return ct_read_byte(NULL);
}

static int fault_fn(void *a)
{
	return ((int (*)(void))a)();
}

static int blocked_null(void *a)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGSEGV);
	sigprocmask(SIG_BLOCK, &s, NULL);
	return ct_read_byte(NULL);
}

static int ignored_null(void *a)
{
	signal(SIGSEGV, SIG_IGN);
	return ct_read_byte(NULL);
}

static int blocked_fn(void *a)
{
	sigset_t s;

	sigfillset(&s);
	sigprocmask(SIG_BLOCK, &s, NULL);
	return ((int (*)(void))a)();
}

static void fault_again(int sig)
{
	ct_read_byte(NULL); /* SIGSEGV is blocked in its own handler */
}

static int nested_fault(void *a)
{
	signal(SIGSEGV, fault_again);
	return ct_read_byte(NULL);
}

static void defaults(void)
{
	ct_section("no handler, blocked, ignored: the process dies of the signal");
	CHECK_WAIT(ct_child(fault_null, NULL), "signal 11", "NULL read, no handler");
	CHECK_WAIT(ct_child(fault_fn, (void *)ft_div0), "signal 8", "division by 0, no handler");
	CHECK_WAIT(ct_child(fault_fn, (void *)ft_ud2), "signal 4", "ud2, no handler");
	CHECK_WAIT(ct_child(fault_fn, (void *)ft_int3), "signal 5", "int3, no handler");
	CHECK_WAIT(ct_child(fault_fn, (void *)ft_hlt), "signal 11", "hlt, no handler");
	CHECK_WAIT(ct_child(blocked_null, NULL), "signal 11", "NULL read with SIGSEGV blocked");
	CHECK_WAIT(ct_child(ignored_null, NULL), "signal 11", "NULL read with SIGSEGV ignored");
	CHECK_WAIT(ct_child(blocked_fn, (void *)ft_div0), "signal 8", "division by 0, all blocked");
	CHECK_WAIT(ct_child(blocked_fn, (void *)ft_ud2), "signal 4", "ud2, all blocked");
	CHECK_WAIT(ct_child(blocked_fn, (void *)ft_int3), "signal 5", "int3, all blocked");
	CHECK_WAIT(ct_child(nested_fault, NULL), "signal 11", "a fault in the SIGSEGV handler");
}

/* ---- stack overflow ---- */

static char *alt_lo, *alt_hi;

static void on_overflow(int sig, siginfo_t *si, void *uc)
{
	volatile char here;

	/* Proof that we run on the alternate stack, as the exit status. */
	_exit(sig == SIGSEGV && (char *)&here >= alt_lo && (char *)&here < alt_hi ? 42 : 43);
}

static int recurse(int n)
{
	volatile char frame[4096];

	frame[0] = (char)n;
	frame[4095] = (char)n;
	if (n > (1 << 30)) /* never: the stack ends long before */
		return 0;
	return recurse(n + 1) + frame[0] + frame[4095];
}

static int overflow(void *with_altstack)
{
	struct rlimit rl = {8 << 20, 8 << 20}; /* bounded even if the limit was "unlimited" */
	static char alt[65536];
	struct sigaction sa;

	setrlimit(RLIMIT_STACK, &rl);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_overflow;
	sa.sa_flags = SA_SIGINFO;
	if (with_altstack) {
		stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt)};
		sigaltstack(&ss, NULL);
		alt_lo = alt;
		alt_hi = alt + sizeof(alt);
		sa.sa_flags |= SA_ONSTACK;
	}
	sigaction(SIGSEGV, &sa, NULL);
	return recurse(0);
}

static void stack_overflow(void)
{
	ct_section("stack overflow");
	CHECK_WAIT(ct_child(overflow, (void *)1), "exit 42",
		   "stack overflow: SIGSEGV handled on the alternate stack");
	CHECK_WAIT(ct_child(overflow, NULL), "signal 11",
		   "stack overflow without an alternate stack: killed by SIGSEGV");
}

/* ---- SIGBUS ---- */

static void sigbus(void)
{
	char path[600];
	struct ct_fault f;
	int fd, r;
	char *m;

	ct_section("SIGBUS");
	snprintf(path, sizeof(path), "%s/short", ct_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(fd, "a hundred bytes or so", 21);
	m = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	unlink(path);
	rmdir(ct_tmpdir());
	if (!CHECK(m != MAP_FAILED, "mmap 2 pages of a 21-byte file"))
		return;
	CHECK_EQ(m[0], 'a', "the file's first page reads");
	r = ct_catch(ct_do_read, m + PG + 8, &f);
	CHECK_FAULT(r, &f, SIGBUS, BUS_ADRERR, m + PG + 8, ct_read_insn,
		    "the page past EOF: SIGBUS BUS_ADRERR");
	munmap(m, 2 * PG);
}

int main(int argc, char **argv)
{
	ct_start(argc, argv);
	segv();
	fpe_ill_trap();
	returning_handlers();
	defaults();
	stack_overflow();
	sigbus();
	return ct_done();
}
