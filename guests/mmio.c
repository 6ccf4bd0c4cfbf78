// mmio: drive the machine's test device (/testdev@..., compatible "nv2,testdev") through
// loads and stores of each size; every access is an HDSI the L1 emulates from HEIR.
#include "runtime/nv2guest.h"

#define TESTDEV_ID 0x00
#define TESTDEV_SCRATCH 0x08
#define TESTDEV_ACCUM 0x10
#define TESTDEV_COUNT 0x18

static int failures;
static void check(const char* what, u64 got, u64 want) {
  if (got == want) return;
  ++failures;
  putstr("mmio: FAIL ");
  putstr(what);
  putstr(" got ");
  puthex(got);
  putstr(" want ");
  puthex(want);
  putstr("\n");
}

int main(const void* fdt) {
  int len = 0;
  const void* reg = fdt_getprop(fdt, "/testdev", "reg", &len);
  if (!reg || len != 16) {
    putstr("mmio: no /testdev in the device tree\n");
    return 2;
  }
  volatile u8* dev = (volatile u8*)fdt_be64(reg);
  check("id (ld)", *(volatile u64*)(dev + TESTDEV_ID), 0x6e76327464657631ul);
  check("id (lwz)", *(volatile u32*)(dev + TESTDEV_ID), 0x64657631u);
  *(volatile u64*)(dev + TESTDEV_SCRATCH) = 0x0123456789abcdeful;
  check("scratch (ld)", *(volatile u64*)(dev + TESTDEV_SCRATCH), 0x0123456789abcdeful);
  *(volatile u8*)(dev + TESTDEV_SCRATCH) = 0x5a;
  check("scratch (lbz)", *(volatile u8*)(dev + TESTDEV_SCRATCH), 0x5a);
  *(volatile u16*)(dev + TESTDEV_SCRATCH) = 0xbeef;
  check("scratch (lhz)", *(volatile u16*)(dev + TESTDEV_SCRATCH), 0xbeef);
  for (u64 i = 1; i <= 10; ++i) *(volatile u64*)(dev + TESTDEV_ACCUM) = i;
  check("accum", *(volatile u64*)(dev + TESTDEV_ACCUM), 55);
  u64 count = *(volatile u64*)(dev + TESTDEV_COUNT);
  check("count", count, 19);
  putstr(failures ? "mmio: FAILED\n" : "mmio: ok\n");
  return failures ? 1 : 0;
}
