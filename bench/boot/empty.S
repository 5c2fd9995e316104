/*
 * empty.S: the smallest bootable PVH kernel, the floor of the boot benchmark
 * (bench/boot/run.sh) and a probe of jiny-run's exit conventions.
 *
 * QEMU's -kernel finds XEN_ELFNOTE_PHYS32_ENTRY (type 18) in a PT_NOTE segment
 * and jumps to that physical address in 32-bit protected mode, paging off.
 * The kernel does what Jiny's power-off path does: writes "exit N\n" to the
 * debugcon port (0xe9), then N to isa-debug-exit (0xf4); QEMU then exits with
 * (N << 1) | 1. N is EXIT_STATUS (default 0); build with -DEXIT_STATUS=7 to
 * probe another value.
 *
 *   gcc -nostdlib -static -no-pie -Wl,-T,empty.ld -o empty empty.S
 */
#ifndef EXIT_STATUS
#define EXIT_STATUS 0
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

	.section .note.pvh, "a", @note
	.p2align 2
	.long 4			/* namesz: "Xen\0" */
	.long 4			/* descsz */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pvh_entry

	.text
	.code32
	.globl pvh_entry
pvh_entry:
	mov	$msg, %esi
	mov	$0xe9, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	mov	$EXIT_STATUS, %eax
	mov	$0xf4, %dx
	outl	%eax, %dx
3:	cli			/* not reached under QEMU with isa-debug-exit */
	hlt
	jmp	3b

	.section .rodata
msg:	.ascii "exit "
	.ascii STR(EXIT_STATUS)
	.asciz "\n"
