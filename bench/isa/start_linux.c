/* ppc64le Linux-user driver for qemu-ppc64le: `workload-qemu SCALE` prints the checksum in
 * hex and exits. Syscalls by hand (no libc): write = 4, exit_group = 234. */
#include "workload.h"

static uint8_t mem[WORKLOAD_MEM_SIZE];

static long syscall3(long nr, long a, long b, long c) {
  register long r0 __asm__("r0") = nr;
  register long r3 __asm__("r3") = a;
  register long r4 __asm__("r4") = b;
  register long r5 __asm__("r5") = c;
  __asm__ volatile("sc" : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5)::"memory", "cr0", "r6", "r7",
                   "r8", "r9", "r10", "r11", "r12");
  return r3;
}

void start_c(long* sp) {
  const long argc = sp[0];
  const char* const* argv = (const char* const*)(sp + 1);
  uint64_t scale = 0;
  if (argc > 1) {
    for (const char* p = argv[1]; *p >= '0' && *p <= '9'; ++p) scale = scale * 10 + (uint64_t)(*p - '0');
  }
  const uint64_t h = workload(mem, scale);
  char out[17];
  for (int i = 0; i < 16; ++i) out[i] = "0123456789abcdef"[(h >> (60 - 4 * i)) & 15];
  out[16] = '\n';
  syscall3(4, 1, (long)out, 17);
  syscall3(234, 0, 0, 0);
  for (;;) {
  }
}
