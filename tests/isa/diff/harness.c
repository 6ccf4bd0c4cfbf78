/* qemu-ppc64le / qemu-ppc64 side of nv2's differential test (tests/isa/test_diff.cpp).
 *
 * Reads cases from stdin until EOF: DIFF_DUMP_SIZE bytes of state + scratch, a 4-byte code
 * length in words (in the harness's byte order), the code. Runs each at the fixed region of
 * layout.h and writes back DIFF_DUMP_SIZE bytes. One process serves thousands of cases (qemu
 * start-up is amortised). No libc, so the same source builds little-endian (default) and
 * big-endian (-mbig-endian) with the one ppc64le cross compiler; the test builds both.
 * Code is rewritten in place between cases: qemu-user notices writes to translated code. */
#include "layout.h"

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

void diff_run(void* state);

static long syscall6(long nr, long a, long b, long c, long d, long e, long f) {
  register long r0 __asm__("r0") = nr;
  register long r3 __asm__("r3") = a;
  register long r4 __asm__("r4") = b;
  register long r5 __asm__("r5") = c;
  register long r6 __asm__("r6") = d;
  register long r7 __asm__("r7") = e;
  register long r8 __asm__("r8") = f;
  __asm__ volatile("sc"
                   : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6), "+r"(r7), "+r"(r8)
                   :
                   : "memory", "cr0", "r9", "r10", "r11", "r12", "ctr", "xer");
  return r3;
}

enum { kRead = 3, kWrite = 4, kMmap = 90, kExitGroup = 234 };

static int read_all(void* p, u64 n) {
  u8* b = p;
  while (n > 0) {
    const long got = syscall6(kRead, 0, (long)b, (long)n, 0, 0, 0);
    if (got <= 0) return 0;
    b += got;
    n -= (u64)got;
  }
  return 1;
}

static void write_all(const void* p, u64 n) {
  const u8* b = p;
  while (n > 0) {
    const long put = syscall6(kWrite, 1, (long)b, (long)n, 0, 0, 0);
    if (put <= 0) return;
    b += put;
    n -= (u64)put;
  }
}

static void copy(u8* to, const u8* from, u64 n) {
  for (u64 i = 0; i < n; ++i) to[i] = from[i];
}

static u8 in[DIFF_DUMP_SIZE];

static int run(void) {
  /* PROT_READ|WRITE|EXEC = 7, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED = 0x2|0x20|0x10 */
  u8* region = (u8*)syscall6(kMmap, (long)DIFF_BASE, DIFF_REGION_SIZE, 7, 0x32, -1, 0);
  if (region != (u8*)DIFF_BASE) return 2;
  for (;;) {
    if (!read_all(in, sizeof in)) return 0;
    u32 words = 0;
    if (!read_all(&words, 4) || words * 4 > DIFF_CODE_MAX) return 3;
    copy(region + DIFF_STATE_OFF, in, DIFF_HOST_SP);
    copy(region + DIFF_SCRATCH_OFF, in + DIFF_HOST_SP, DIFF_SCRATCH_SIZE);
    if (!read_all(region + DIFF_CODE_OFF, words * 4)) return 3;
    diff_run(region + DIFF_STATE_OFF);
    write_all(region + DIFF_STATE_OFF, DIFF_HOST_SP);
    write_all(region + DIFF_SCRATCH_OFF, DIFF_SCRATCH_SIZE);
  }
}

void harness_main(void) {
  syscall6(kExitGroup, run(), 0, 0, 0, 0, 0);
  for (;;) {
  }
}
