/* Memory layout shared by the qemu-ppc64le harness (harness.c, trampoline.S) and nv2's side
 * of the differential test (tests/isa/test_diff.cpp). One region at a fixed effective
 * address, identical under qemu-user and in the nv2 L2, so addresses that leak into
 * registers (the state pointer in r1, the scratch pointer in r31, LR from bl) compare equal.
 *
 *   DIFF_BASE + 0x0000  struct state (below)
 *   DIFF_BASE + 0x1E00  scratch memory (DIFF_SCRATCH_SIZE bytes), r31 points at it; it
 *                       straddles the page boundary at 0x2000, so misaligned accesses near
 *                       it cross pages (nv2 maps the region's pages scattered in L1 memory)
 *   DIFF_BASE + 0x3000  code: prologue, the sequence under test, epilogue
 *   DIFF_BASE + 0x7FF0  nv2 only: the `sc 1` the epilogue returns to
 * The harness and nv2 see the same bytes; in big-endian mode every doubleword and
 * instruction word in them is big-endian. */
#ifndef NV2_DIFF_LAYOUT_H
#define NV2_DIFF_LAYOUT_H

#define DIFF_BASE 0x40000000ull
#define DIFF_STATE_OFF 0x0
#define DIFF_SCRATCH_OFF 0x1E00
#define DIFF_SCRATCH_SIZE 0x400
#define DIFF_CODE_OFF 0x3000
#define DIFF_CODE_MAX 0x4000
#define DIFF_NV2_RET_OFF 0x7FF0
#define DIFF_REGION_SIZE 0x8000

/* struct state: doublewords in the byte order of the mode (offsets in bytes). */
#define DIFF_GPR(n) ((n) * 8)
#define DIFF_CR 256
#define DIFF_XER 264
#define DIFF_LR 272
#define DIFF_CTR 280
#define DIFF_HOST_SP 288
#define DIFF_HOST_RET 296
#define DIFF_STATE_SIZE 304

/* What a case carries in (and the harness writes back, without code): the state words
 * 0..DIFF_HOST_SP, the scratch memory, then (in only) the code length in words and the code. */
#define DIFF_DUMP_SIZE (DIFF_HOST_SP + DIFF_SCRATCH_SIZE)

#endif
