/*
 * smpboot.S - the application processors' first instructions. smp.c copies
 * this block to physical TRAMPOLINE_PA (below 1 MiB, identity-mapped while
 * the APs start), fills in tramp_cr3/stack/arg and sends INIT-SIPI-SIPI.
 * Each AP goes real mode -> protected mode -> long mode on the kernel's page
 * tables and jumps to ap_entry(struct cpu *) in smp.c on its idle stack.
 */
#define TRAMPOLINE_PA 0x8000
#define T(x) ((x) - tramp_start + TRAMPOLINE_PA)

	.section .rodata.trampoline, "a"
	.globl tramp_start, tramp_end, tramp_cr3, tramp_stack, tramp_arg
	.hidden tramp_start, tramp_end, tramp_cr3, tramp_stack, tramp_arg
	.code16
tramp_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	lgdtl T(tramp_gdt_desc)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $T(tramp32)

	.code32
tramp32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $((1 << 5) | (1 << 7)), %eax        /* PAE, PGE */
	mov %eax, %cr4
	mov T(tramp_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx                   /* EFER: LME, NXE, SCE */
	rdmsr
	or $((1 << 8) | (1 << 11) | 1), %eax
	wrmsr
	mov %cr0, %eax
	or $((1 << 31) | (1 << 16) | 1), %eax   /* PG, WP, PE */
	mov %eax, %cr0
	ljmp $0x18, $T(tramp64)

	.code64
tramp64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov T(tramp_stack), %rsp
	mov T(tramp_arg), %rdi
	xor %ebp, %ebp
	movabs $ap_entry, %rax
	jmp *%rax

	.p2align 3
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
	.quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
tramp_gdt_desc:
	.word tramp_gdt_desc - tramp_gdt - 1
	.long T(tramp_gdt)
	.p2align 3
tramp_cr3:	.quad 0
tramp_stack:	.quad 0
tramp_arg:	.quad 0
tramp_end:

	.section .note.GNU-stack, "", @progbits
