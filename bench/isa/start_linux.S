/* Entry of the ppc64le Linux-user build run under qemu-ppc64le: r1 points at argc. */
        .abiversion 2
        .text
        .globl _start
_start:
        mr 3, 1
        clrrdi 1, 1, 4
        stdu 1, -128(1)
        lis 12, start_c@ha
        addi 12, 12, start_c@l
        mtctr 12
        bctrl
        b .
        .section .note.GNU-stack,"",@progbits
