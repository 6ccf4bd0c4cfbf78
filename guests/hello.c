// hello: the smallest L2 — one console line, then RTAS power-off with status 0.
// bootargs (for the end-to-end tests of the exit conventions): "exit=N" powers off with
// status N; "panic=1" ends with ibm,os-term instead.
#include "runtime/nv2guest.h"

int main(const void* fdt) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  putstr("Hello from an nv2 L2 (little-endian)!\n");
#else
  putstr("Hello from an nv2 L2 (big-endian)!\n");
#endif
  if (bootarg_u64(fdt, "panic", 0)) os_term("hello: panic requested");
  return (int)bootarg_u64(fdt, "exit", 0);
}
