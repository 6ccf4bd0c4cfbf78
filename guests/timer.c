// timer: decrementer interrupts. A handler at 0x900 counts ticks and re-arms DEC; the main
// loop idles in H_CEDE with MSR[EE]=1 until N ticks have arrived.
// bootargs: "ticks=N" (default 10), "period=TB ticks" (default 512000 = 1 ms at 512 MHz).
#include "runtime/nv2guest.h"

static volatile u64 ticks;
static u64 period;

static void on_decrementer(u64 vector) {
  (void)vector;
  ++ticks;
  mtdec(period);
}

int main(const void* fdt) {
  u64 want = bootarg_u64(fdt, "ticks", 10);
  period = bootarg_u64(fdt, "period", 512000);
  install_vector(0x900, on_decrementer);
  u64 start = mftb();
  mtdec(period);
  enable_ee();
  u64 cedes = 0;
  while (ticks < want) {
    hcall0(H_CEDE);
    ++cedes;
  }
  disable_ee();
  u64 elapsed = mftb() - start;
  putstr("timer: ");
  putdec(ticks);
  putstr(" decrementer ticks\n");
  // The ticks cannot arrive faster than the period allows.
  if (elapsed < want * period) {
    putstr("timer: FAIL: too fast, ");
    putdec(elapsed);
    putstr(" TB ticks\n");
    return 1;
  }
  (void)cedes;
  return 0;
}
