# nv2 example-guest start-up (ELFv2, either byte order).
#
# _start: the boot vCPU's entry. The machine enters in real mode with r3 = FDT real address
# and r4 = the image's load address (l2-machine.md "Entry"). We set the TOC pointer (r2)
# and a stack (r1) and call nv2_boot_c(fdt).
# _secondary_start: the entry passed to RTAS start-cpu; r3 = the CPU number (the value the
# boot CPU asked start-cpu to put in r3).
# nv2_exc_<vector>: interrupt trampolines installed at the vector by install_vector().

#define STACK_SHIFT 14            /* 16 KiB per CPU */
#define NV2_MAX_CPUS 8
#define REDZONE 288               /* ELFv2: the callee may use 288 bytes below r1 */
#define FRAME 256                 /* 32-byte ABI header + 28 saved doublewords */

	.section .text.entry, "ax"
	.globl _start
	.type _start, @function
_start:
	lis	%r2, .TOC.@ha
	addi	%r2, %r2, .TOC.@l
	lis	%r1, (nv2_stacks + (1 << STACK_SHIFT))@ha
	addi	%r1, %r1, (nv2_stacks + (1 << STACK_SHIFT))@l
	li	%r0, 0
	stdu	%r0, -32(%r1)
	bl	nv2_boot_c
	nop
0:	b	0b

	.globl _secondary_start
	.type _secondary_start, @function
_secondary_start:
	lis	%r2, .TOC.@ha
	addi	%r2, %r2, .TOC.@l
	cmpldi	%r3, NV2_MAX_CPUS
	bge	1f
	addi	%r4, %r3, 1
	sldi	%r4, %r4, STACK_SHIFT
	lis	%r1, nv2_stacks@ha
	addi	%r1, %r1, nv2_stacks@l
	add	%r1, %r1, %r4
	li	%r0, 0
	stdu	%r0, -32(%r1)
	bl	nv2_secondary_c
	nop
1:	b	1b

# One trampoline per supported vector: make room below the red zone, save r3, and go to
# the common save/restore path with r3 = the vector number.
.macro EXC_TRAMP vec
	.globl nv2_exc_\vec
nv2_exc_\vec:
	addi	%r1, %r1, -(REDZONE + FRAME)
	std	%r3, 56(%r1)
	li	%r3, \vec
	b	nv2_exc_common
.endm

	.text
	EXC_TRAMP 0x300
	EXC_TRAMP 0x400
	EXC_TRAMP 0x500
	EXC_TRAMP 0x700
	EXC_TRAMP 0x900

nv2_exc_common:
	std	%r0, 32(%r1)
	std	%r2, 40(%r1)
	std	%r4, 64(%r1)
	std	%r5, 72(%r1)
	std	%r6, 80(%r1)
	std	%r7, 88(%r1)
	std	%r8, 96(%r1)
	std	%r9, 104(%r1)
	std	%r10, 112(%r1)
	std	%r11, 120(%r1)
	std	%r12, 128(%r1)
	std	%r13, 136(%r1)
	mflr	%r0
	std	%r0, 144(%r1)
	mfctr	%r0
	std	%r0, 152(%r1)
	mfxer	%r0
	std	%r0, 160(%r1)
	mfcr	%r0
	std	%r0, 168(%r1)
	mfsrr0	%r0
	std	%r0, 176(%r1)
	mfsrr1	%r0
	std	%r0, 184(%r1)
	lis	%r2, .TOC.@ha
	addi	%r2, %r2, .TOC.@l
	bl	nv2_dispatch_exception
	nop
	ld	%r0, 184(%r1)
	mtsrr1	%r0
	ld	%r0, 176(%r1)
	mtsrr0	%r0
	ld	%r0, 168(%r1)
	mtcr	%r0
	ld	%r0, 160(%r1)
	mtxer	%r0
	ld	%r0, 152(%r1)
	mtctr	%r0
	ld	%r0, 144(%r1)
	mtlr	%r0
	ld	%r0, 32(%r1)
	ld	%r2, 40(%r1)
	ld	%r3, 56(%r1)
	ld	%r4, 64(%r1)
	ld	%r5, 72(%r1)
	ld	%r6, 80(%r1)
	ld	%r7, 88(%r1)
	ld	%r8, 96(%r1)
	ld	%r9, 104(%r1)
	ld	%r10, 112(%r1)
	ld	%r11, 120(%r1)
	ld	%r12, 128(%r1)
	ld	%r13, 136(%r1)
	addi	%r1, %r1, (REDZONE + FRAME)
	rfid

	.section .bss
	.balign 16
	.globl nv2_stacks
nv2_stacks:
	.space (NV2_MAX_CPUS + 1) << STACK_SHIFT
