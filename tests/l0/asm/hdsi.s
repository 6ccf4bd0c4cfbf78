# L2 program (real mode): loads from L2 real 0x800000, which the partition-scoped table
# leaves unmapped: exit 0xE00 with HDAR = 0x800000, ASDR = its page.
	.text
	.globl _start
_start:
entry:
	lis 4, 0x80         # r4 = 0x800000
	ori 4, 4, 0x1238
	ld 5, 0(4)
	b entry
