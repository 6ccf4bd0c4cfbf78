# L2 program with interrupt vectors (real mode, LE): the main loop at 0x10000 spins; each
# vector at 0x100 (system reset), 0x500 (external) and 0xA00 (directed privileged doorbell)
# names itself in r3 and makes an hcall, so the test sees which interrupt L2 took.
# The binary is loaded at L2 real 0 (objcopy keeps the .org layout).
	.text
	.globl _start
_start:
	.org 0x100
	li 3, 0x100
	sc 1
	.org 0x500
	li 3, 0x500
	sc 1
	.org 0x900
	li 3, 0x900
	sc 1
	.org 0xA00
	li 3, 0xA00
	sc 1
	.org 0x10000
main:
	addi 14, 14, 1
	b main
