# L2 program: counts in r14 forever. Only the HDEC (0x980) or a stop request ends a run.
	.text
	.globl _start
_start:
entry:
	addi 14, 14, 1
	b entry
