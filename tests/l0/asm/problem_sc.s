# L2 program: an `sc 1` from problem state (MSR[PR] = 1) at 0x10000. It must not exit to
# the L1: the L0 reflects it into L2 as a program interrupt (papr-nestedv2.md §5), whose
# handler at 0x700 names itself in r3 and makes a privileged hcall, which does exit.
	.text
	.globl _start
_start:
	.org 0x700
	li 3, 0x700
	mfsrr1 4
	sc 1
	.org 0x10000
main:
	sc 1
	b main
