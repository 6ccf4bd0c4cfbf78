/* qemu-ppc64le side of nv2's differential test (tests/isa/test_diff.cpp).
 *
 * Reads cases from stdin until EOF: DIFF_DUMP_SIZE bytes of state + scratch, a 4-byte code
 * length in words, the code. Runs each at the fixed region of layout.h and writes back
 * DIFF_DUMP_SIZE bytes. One process serves thousands of cases (qemu start-up is amortised).
 * Built with powerpc64le-linux-gnu-gcc -static by the test itself. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "layout.h"

void diff_run(void* state);

static int read_all(void* p, size_t n) { return fread(p, 1, n, stdin) == n; }

int main(void) {
  uint8_t* region = mmap((void*)DIFF_BASE, DIFF_REGION_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (region != (uint8_t*)DIFF_BASE) {
    fprintf(stderr, "harness: cannot map the region at %llx\n", DIFF_BASE);
    return 2;
  }
  static uint8_t in[DIFF_DUMP_SIZE];
  for (;;) {
    if (!read_all(in, sizeof in)) break;
    uint32_t words = 0;
    if (!read_all(&words, 4) || words * 4 > DIFF_CODE_MAX) return 3;
    memcpy(region + DIFF_STATE_OFF, in, DIFF_HOST_SP);
    memcpy(region + DIFF_SCRATCH_OFF, in + DIFF_HOST_SP, DIFF_SCRATCH_SIZE);
    if (!read_all(region + DIFF_CODE_OFF, words * 4)) return 3;
    __builtin___clear_cache((char*)region + DIFF_CODE_OFF, (char*)region + DIFF_CODE_OFF + words * 4);
    diff_run(region + DIFF_STATE_OFF);
    fwrite(region + DIFF_STATE_OFF, 1, DIFF_HOST_SP, stdout);
    fwrite(region + DIFF_SCRATCH_OFF, 1, DIFF_SCRATCH_SIZE, stdout);
  }
  fflush(stdout);
  return 0;
}
