// hcall-storm: N null hcalls (H_SET_SPRG0 with this CPU's number, which changes nothing),
// for the L2 hcall round-trip benchmark. N = bootargs "count=N" (default 100000).
#include "runtime/nv2guest.h"

int main(const void* fdt) {
  u64 n = bootarg_u64(fdt, "count", 100000);
  u64 failed = 0;
  for (u64 i = 0; i < n; ++i)
    if (hcall1(H_SET_SPRG0, 0) != H_SUCCESS) ++failed;
  putstr("hcall-storm: ");
  putdec(n);
  putstr(" hcalls, ");
  putdec(failed);
  putstr(" failed\n");
  return failed ? 1 : 0;
}
