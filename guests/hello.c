// hello: the smallest L2 — one console line, then RTAS power-off with status 0.
// bootargs (for the end-to-end tests of the exit conventions): "exit=N" powers off with
// status N; "panic=1" ends with ibm,os-term instead; "reboot=1" reboots once first (a
// marker in low memory, which the machine does not reload, tells the second boot);
// "echo=1" reads a line from the console and prints it back.
#include "runtime/nv2guest.h"

#define REBOOT_MARKER_ADDR 0x3000ul
#define REBOOT_MARKER 0x6e7632726562746ful

int main(const void* fdt) {
  if (bootarg_u64(fdt, "reboot", 0)) {
    volatile u64* marker = (volatile u64*)REBOOT_MARKER_ADDR;
    if (*marker != REBOOT_MARKER) {
      *marker = REBOOT_MARKER;
      putstr("hello: rebooting\n");
      rtas_call("system-reboot", 0, 1, 0);
      putstr("hello: system-reboot returned\n");
      return 3;
    }
    putstr("hello: rebooted\n");
  }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  putstr("Hello from an nv2 L2 (little-endian)!\n");
#else
  putstr("Hello from an nv2 L2 (big-endian)!\n");
#endif
  if (bootarg_u64(fdt, "echo", 0)) {
    // Read one line from the console (H_GET_TERM_CHAR never blocks: poll, bounded).
    char line[128];
    unsigned n = 0;
    for (unsigned long polls = 0; polls < 2000000 && n < sizeof line - 1; ++polls) {
      struct hret t = hcall(H_GET_TERM_CHAR, 0x71000000, 0, 0, 0, 0, 0);
      int done = 0;
      for (unsigned long i = 0; i < t.r[1] && i < 16 && n < sizeof line - 1; ++i) {
        char c = (char)(t.r[2 + i / 8] >> (56 - 8 * (i % 8)));
        if (c == '\n') {
          done = 1;
          break;
        }
        line[n++] = c;
      }
      if (done) break;
    }
    line[n] = 0;
    putstr("echo: ");
    putstr(line);
    putstr("\n");
  }
  if (bootarg_u64(fdt, "panic", 0)) os_term("hello: panic requested");
  return (int)bootarg_u64(fdt, "exit", 0);
}
