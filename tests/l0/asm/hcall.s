# L2 program: fills r3-r12 with recognisable values and makes an hcall (sc 1); when the
# L1 runs it again it counts the rerun in r20 and makes the next hcall. Exit 0xC00.
	.text
	.globl _start
_start:
	li 3, 0x58          # H_PUT_TERM_CHAR
	li 4, 0x104
	li 5, 0x105
	li 6, 0x106
	li 7, 0x107
	li 8, 0x108
	li 9, 0x109
	li 10, 0x10a
	li 11, 0x10b
	li 12, 0x10c
loop:
	sc 1
	addi 20, 20, 1      # one more round trip
	addi 3, 3, 1        # the next hcall number
	b loop
