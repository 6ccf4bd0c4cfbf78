/* Entry of the bare ppc64le image nv2 runs (real mode, privileged, little-endian). The
 * runner sets r1 (stack), r3 (working memory) and r4 (scale); the result leaves in r3
 * through `sc 1`, which ends the run as an Hcall exit. Entering workload through its
 * global entry point (r12 = its address) lets it set up its own TOC pointer. */
        .abiversion 2
        .section .text.start, "ax"
        .globl _start
_start:
        lis 12, workload@ha
        addi 12, 12, workload@l
        mtctr 12
        bctrl
        sc 1
        b .
        .section .note.GNU-stack,"",@progbits
