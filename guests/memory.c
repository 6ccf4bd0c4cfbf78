// memory: touch a large range of L2 real memory (one doubleword per 4 KiB page, so every
// page of the L1's lazy mapping is faulted in), then read everything back and check it.
// Range: bootargs "size=N[K|M|G]" (default 256M) starting at "base=" (default 64M).
#include "runtime/nv2guest.h"

int main(const void* fdt) {
  u64 base = bootarg_u64(fdt, "base", 64ul << 20);
  u64 size = bootarg_u64(fdt, "size", 256ul << 20);
  const u64 step = 4096;
  for (u64 a = base; a < base + size; a += step) *(volatile u64*)a = a ^ 0x5a5a5a5a5a5a5a5aul;
  u64 bad = 0;
  for (u64 a = base; a < base + size; a += step)
    if (*(volatile u64*)a != (a ^ 0x5a5a5a5a5a5a5a5aul)) ++bad;
  // An untouched doubleword inside a touched page reads as zero (fresh L1 pages are zeroed).
  if (*(volatile u64*)(base + 8) != 0) ++bad;
  putstr("memory: ");
  putdec(size / step);
  putstr(" pages touched from ");
  puthex(base);
  putstr(", ");
  putdec(bad);
  putstr(" bad\n");
  return bad ? 1 : 0;
}
