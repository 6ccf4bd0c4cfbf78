# L2 program: stores r4 at L2 real r5 and makes an hcall: used to check that L2 memory is
# the L1 memory the partition-scoped table names.
	.text
	.globl _start
_start:
entry:
	std 4, 0(5)
	sc 1
	b entry
