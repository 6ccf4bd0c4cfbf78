# L2 program: executes an illegal instruction word (primary opcode 0): exit 0xE40,
# HEIR = the word, NIA = its address.
	.text
	.globl _start
_start:
entry:
	li 3, 1
	.long 0x00000001
	b entry
