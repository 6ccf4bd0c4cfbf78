# L2 program: an FP load with MSR[FP] = 1. While the engine does not implement FP it exits
# Unimplemented, which the L0 reports as HEA (0xE40) with HEIR = the lfd word; once it does,
# the load completes and the sc 1 exits 0xC00.
	.text
	.globl _start
_start:
	li 5, 0x100
	lfd 1, 0(5)
	sc 1
