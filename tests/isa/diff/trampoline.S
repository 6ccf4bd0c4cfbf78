/* diff_run(struct state* r3): enter the generated code with r1 = the state, come back when
 * its epilogue branches to state->host_ret. Saves and restores the C ABI's non-volatile
 * state (r1, r2, r13-r31, CR, LR); the code itself loads and stores every test register. */
#include "layout.h"
        .abiversion 2
        .text
        .globl diff_run
        .type diff_run, @function
diff_run:
        mflr 0
        std 0, 16(1)
        mfcr 0
        stw 0, 8(1)
        stdu 1, -256(1)
        std 2, 24(1)
        std 13, 32(1)
        std 14, 40(1)
        std 15, 48(1)
        std 16, 56(1)
        std 17, 64(1)
        std 18, 72(1)
        std 19, 80(1)
        std 20, 88(1)
        std 21, 96(1)
        std 22, 104(1)
        std 23, 112(1)
        std 24, 120(1)
        std 25, 128(1)
        std 26, 136(1)
        std 27, 144(1)
        std 28, 152(1)
        std 29, 160(1)
        std 30, 168(1)
        std 31, 176(1)
        std 1, DIFF_HOST_SP(3)
        bl 1f
1:      mflr 12
        addi 12, 12, (2f - 1b)
        std 12, DIFF_HOST_RET(3)
        mr 1, 3
        addi 12, 3, DIFF_CODE_OFF
        mtctr 12
        bctr
2:      ld 1, DIFF_HOST_SP(1)
        ld 2, 24(1)
        ld 13, 32(1)
        ld 14, 40(1)
        ld 15, 48(1)
        ld 16, 56(1)
        ld 17, 64(1)
        ld 18, 72(1)
        ld 19, 80(1)
        ld 20, 88(1)
        ld 21, 96(1)
        ld 22, 104(1)
        ld 23, 112(1)
        ld 24, 120(1)
        ld 25, 128(1)
        ld 26, 136(1)
        ld 27, 144(1)
        ld 28, 152(1)
        ld 29, 160(1)
        ld 30, 168(1)
        ld 31, 176(1)
        addi 1, 1, 256
        ld 0, 16(1)
        mtlr 0
        lwz 0, 8(1)
        mtcrf 0xff, 0
        blr
        .size diff_run, . - diff_run

/* Process entry (no libc): r1 = the initial stack; enter harness_main through its global
 * entry point so it sets up its TOC pointer. */
        .globl _start
        .type _start, @function
_start:
        clrrdi 1, 1, 4
        li 0, 0
        stdu 0, -128(1)
        lis 12, harness_main@ha
        addi 12, 12, harness_main@l
        mtctr 12
        bctrl
        b .
        .size _start, . - _start
        .section .note.GNU-stack,"",@progbits
