/*
 * tst-syscall-insn: the raw `syscall` instruction in ring 0 (DESIGN.md 4, way
 * 2), as used by code not built against Jiny's musl.
 *
 * probe_syscall() (assembly below) loads every register the Linux ABI keeps
 * across a system call with a known value, writes 16 known words into the red
 * zone at -8 .. -128(%rsp), executes `syscall`, and then records rax, the
 * kept registers and how many red-zone words changed. Linux and Jiny must
 * both return with rbx, rbp, rdi, rsi, rdx, r8, r9, r10 and r12..r15
 * unchanged (only rax, rcx and r11 may change) and the red zone intact.
 */
// EXPECT: ^tst: tst-syscall-insn: [0-9]+ checks, 0 failures$
// EXPECT: ^raw write works$
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "tst.h"

struct probe_out {
	uint64_t rax, rbx, rbp, rdi, rsi, rdx, r8, r9, r10, r12, r13, r14, r15;
	uint64_t redzone_bad;	/* red-zone words that changed */
};

/* long probe_syscall(long nr, long a1, long a2, long a3, struct probe_out *o) */
long probe_syscall(long nr, long a1, long a2, long a3, struct probe_out *out);

#define K_RBX 0x0b0b0b0b0b0b0b0bULL
#define K_RBP 0x0e0e0e0e0e0e0e0eULL
#define K_R8  0x0808080808080808ULL
#define K_R9  0x0909090909090909ULL
#define K_R10 0x1010101010101010ULL
#define K_R12 0x1212121212121212ULL
#define K_R13 0x1313131313131313ULL
#define K_R14 0x1414141414141414ULL
#define K_R15 0x1515151515151515ULL

__asm__(
	".text\n"
	".globl probe_syscall\n"
	".type probe_syscall, @function\n"
	"probe_syscall:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	push %r8\n"			/* out, at 0(%rsp) */
	"	mov %rdi, %rax\n"		/* nr */
	"	mov %rsi, %rdi\n"		/* a1 */
	"	mov %rdx, %rsi\n"		/* a2 */
	"	mov %rcx, %rdx\n"		/* a3 */
	"	movabs $0x0b0b0b0b0b0b0b0b, %rbx\n"
	"	movabs $0x0e0e0e0e0e0e0e0e, %rbp\n"
	"	movabs $0x0808080808080808, %r8\n"
	"	movabs $0x0909090909090909, %r9\n"
	"	movabs $0x1010101010101010, %r10\n"
	"	movabs $0x1212121212121212, %r12\n"
	"	movabs $0x1313131313131313, %r13\n"
	"	movabs $0x1414141414141414, %r14\n"
	"	movabs $0x1515151515151515, %r15\n"
	/* the red zone: word i at -8*i(%rsp) is 0x5a5a5a5a00000000 + i */
	"	.irp i, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
	"	movabs $(0x5a5a5a5a00000000 + \\i), %rcx\n"
	"	mov %rcx, -8*\\i(%rsp)\n"
	"	.endr\n"
	"	syscall\n"
	/* rcx and r11 are free now; count changed red-zone words in r11 */
	"	xor %r11d, %r11d\n"
	"	.irp i, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
	"	movabs $(0x5a5a5a5a00000000 + \\i), %rcx\n"
	"	cmp %rcx, -8*\\i(%rsp)\n"
	"	je 1f\n"
	"	inc %r11\n"
	"1:\n"
	"	.endr\n"
	"	mov 0(%rsp), %rcx\n"		/* out */
	"	mov %rax, 0(%rcx)\n"
	"	mov %rbx, 8(%rcx)\n"
	"	mov %rbp, 16(%rcx)\n"
	"	mov %rdi, 24(%rcx)\n"
	"	mov %rsi, 32(%rcx)\n"
	"	mov %rdx, 40(%rcx)\n"
	"	mov %r8, 48(%rcx)\n"
	"	mov %r9, 56(%rcx)\n"
	"	mov %r10, 64(%rcx)\n"
	"	mov %r12, 72(%rcx)\n"
	"	mov %r13, 80(%rcx)\n"
	"	mov %r14, 88(%rcx)\n"
	"	mov %r15, 96(%rcx)\n"
	"	mov %r11, 104(%rcx)\n"
	"	pop %r8\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n"
	".size probe_syscall, .-probe_syscall\n");

static void check_kept(const struct probe_out *o, uint64_t a1, uint64_t a2,
		       uint64_t a3)
{
	CHECK_EQ(o->rbx, K_RBX);
	CHECK_EQ(o->rbp, K_RBP);
	CHECK_EQ(o->rdi, a1);
	CHECK_EQ(o->rsi, a2);
	CHECK_EQ(o->rdx, a3);
	CHECK_EQ(o->r8, K_R8);
	CHECK_EQ(o->r9, K_R9);
	CHECK_EQ(o->r10, K_R10);
	CHECK_EQ(o->r12, K_R12);
	CHECK_EQ(o->r13, K_R13);
	CHECK_EQ(o->r14, K_R14);
	CHECK_EQ(o->r15, K_R15);
	CHECK_EQ(o->redzone_bad, 0);
}

int main(void)
{
	static const char msg[] = "raw write works\n";
	struct probe_out o;
	long r;

	/* write(1, msg, len) */
	memset(&o, 0, sizeof(o));
	r = probe_syscall(1, 1, (long)msg, sizeof(msg) - 1, &o);
	CHECK_EQ(r, sizeof(msg) - 1);
	CHECK_EQ(o.rax, sizeof(msg) - 1);
	check_kept(&o, 1, (uint64_t)msg, sizeof(msg) - 1);

	/* getpid(): the same answer as musl's getpid() */
	memset(&o, 0, sizeof(o));
	r = probe_syscall(39, 0x1111, 0x2222, 0x3333, &o);
	CHECK(r > 0);
	CHECK_EQ(r, getpid());
	check_kept(&o, 0x1111, 0x2222, 0x3333);

	/* an unknown system call */
	memset(&o, 0, sizeof(o));
	r = probe_syscall(999, 0x4444, 0x5555, 0x6666, &o);
	CHECK_EQ(r, -ENOSYS);
	check_kept(&o, 0x4444, 0x5555, 0x6666);

	/* write to a bad descriptor: the error comes back, nothing breaks */
	memset(&o, 0, sizeof(o));
	r = probe_syscall(1, 1000, (long)msg, 1, &o);
	CHECK_EQ(r, -EBADF);
	check_kept(&o, 1000, (uint64_t)msg, 1);
	return tst_done();
}
