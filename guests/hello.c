// hello: the smallest L2 — one console line, then RTAS power-off with status 0.
#include "runtime/nv2guest.h"

int main(const void* fdt) {
  (void)fdt;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  putstr("Hello from an nv2 L2 (little-endian)!\n");
#else
  putstr("Hello from an nv2 L2 (big-endian)!\n");
#endif
  return 0;
}
