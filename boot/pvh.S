/*
 * pvh.S - the first instructions of every Jiny image (DESIGN.md 6).
 *
 * The hypervisor (QEMU -kernel, microvm, Firecracker, Cloud Hypervisor) finds
 * the PVH ELF note below and enters jiny_pvh_entry32 in 32-bit protected mode,
 * paging off, %ebx = physical address of struct hvm_start_info. We zero .bss,
 * build early page tables (identity map of the first GiB, and the same GiB at
 * the image window 0x40000000), switch to long mode, jump to the linked
 * (virtual) address and call jiny_start(start_info) in kern/start.c, which
 * replaces these tables with the real ones (mm/vm.c).
 */
#define IMAGE_BASE 0x40000000
#define PA(x) ((x) - IMAGE_BASE)
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

	/* Xen ELF note: XEN_ELFNOTE_PHYS32_ENTRY (18), physical entry address. */
	.pushsection .note.Xen, "a", @note
	.p2align 2
	.long 4, 4, 18
	.asciz "Xen"
	.p2align 2
	.long PA(jiny_pvh_entry32)
	.popsection

	.section .text.boot, "ax", @progbits
	.code32
	.globl jiny_pvh_entry32
	.type jiny_pvh_entry32, @function
jiny_pvh_entry32:
	cli
	cld
	mov %ebx, %esi                  /* start_info, kept in %esi */

	/*
	 * Zero .bss (the early page tables and the boot stack live there), 32
	 * bytes a turn: a plain loop, because emulators such as QEMU's TCG run
	 * `rep stos` one element at a time. .bss is 64-byte aligned (jiny.ld).
	 */
	mov $PA(__bss_start), %edi
	mov $PA(__bss_end), %ecx
	xor %eax, %eax
	jmp 2f
1:	mov %eax, (%edi)
	mov %eax, 4(%edi)
	mov %eax, 8(%edi)
	mov %eax, 12(%edi)
	mov %eax, 16(%edi)
	mov %eax, 20(%edi)
	mov %eax, 24(%edi)
	mov %eax, 28(%edi)
	add $32, %edi
2:	cmp %ecx, %edi
	jb 1b

	mov $PA(boot_stack_top), %esp

	/* PML4[0] -> PDPT; PDPT[0] = PDPT[1] -> PD mapping 0..1 GiB with 2 MiB pages. */
	mov $PA(boot_pdpt), %eax
	or $0x3, %eax
	mov %eax, PA(boot_pml4)
	mov $PA(boot_pd), %eax
	or $0x3, %eax
	mov %eax, PA(boot_pdpt)
	mov %eax, PA(boot_pdpt) + 8
	mov $PA(boot_pd), %edi
	mov $0x83, %eax                 /* present, writable, 2 MiB */
	mov $512, %ecx
1:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 1b

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $PA(boot_pml4), %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PE | CR0_PG | CR0_WP), %eax
	mov %eax, %cr0

	lgdt PA(boot_gdt_desc)
	ljmp $0x08, $PA(1f)

	.code64
1:	movabs $2f, %rax                /* leave the identity map for the image window */
	jmp *%rax
2:	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $boot_stack_top, %rsp
	xor %ebp, %ebp
	mov %esi, %edi                  /* jiny_start(start_info physical address) */
	call jiny_start
3:	cli
	hlt
	jmp 3b
	.size jiny_pvh_entry32, . - jiny_pvh_entry32

	.section .rodata
	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long PA(boot_gdt)

	.section .bss.boot, "aw", @nobits
	.p2align 12
	.globl boot_pml4
	.hidden boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
	.globl boot_stack, boot_stack_top
	.hidden boot_stack, boot_stack_top
boot_stack:	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
