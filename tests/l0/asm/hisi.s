# L2 program (real mode): branches to L2 real 0x800000, which the partition-scoped table
# leaves unmapped: the instruction fetch faults, exit 0xE20 with NIA = 0x800000.
	.text
	.globl _start
_start:
	lis 4, 0x80
	mtctr 4
	bctr
