// smp: the boot CPU starts every other vCPU with RTAS start-cpu (one at a time, so the
// console lines come in order), then sends each an IPI through XICS (H_IPI); each secondary
// answers with an IPI back. The boot CPU powers off once every answer is in.
#include "runtime/nv2guest.h"

static volatile u32 alive[NV2_MAX_CPUS];
static volatile u32 got_ipi[NV2_MAX_CPUS];
static volatile u32 answered[NV2_MAX_CPUS];

// External interrupt (0x500): accept it with H_XIRR, clear our MFRR, EOI.
static void on_external(u64 vector) {
  (void)vector;
  u32 cpu = this_cpu();
  struct hret x = hcall(H_XIRR, 0, 0, 0, 0, 0, 0);
  u64 xirr = x.r[1];
  if ((xirr & 0xffffff) == XICS_IPI_SOURCE) {
    hcall2(H_IPI, cpu, 0xff);  // MFRR = 0xff: no IPI pending any more
    ++got_ipi[cpu];
  }
  hcall1(H_EOI, xirr);
}

void secondary_main(u32 cpu) {
  install_vector(0x500, on_external);
  hcall1(H_CPPR, 0xff);
  putstr("smp: cpu ");
  putdec(cpu);
  putstr(" up\n");
  alive[cpu] = 1;
  hcall1(H_PROD, 0);  // wake the boot CPU, which cedes until we are up
  // Check with interrupts off, then cede (H_CEDE turns MSR[EE] back on): an IPI that lands
  // after the check stays pending in XICS, so the cede returns at once and the interrupt is
  // taken. Checking with EE on would let the handler consume the IPI between the check and
  // the sc, and the cede would wait for an interrupt that already came.
  for (;;) {
    disable_ee();
    if (got_ipi[cpu]) break;
    hcall0(H_CEDE);
  }
  enable_ee();
  answered[cpu] = 1;
  hcall2(H_IPI, 0, 5);
  for (;;) hcall0(H_CEDE);
}

int main(const void* fdt) {
  int ncpus = fdt_count_children(fdt, "/cpus");
  if (ncpus > NV2_MAX_CPUS) ncpus = NV2_MAX_CPUS;
  install_vector(0x500, on_external);
  hcall1(H_CPPR, 0xff);
  putstr("smp: ");
  putdec((u64)ncpus);
  putstr(" cpus\n");
  for (int i = 1; i < ncpus; ++i) {
    u32 rets[2];
    int st = rtas_call("start-cpu", 3, 1, rets, (u32)i, (u32)(u64)_secondary_start, (u32)i);
    if (st != 0) {
      putstr("smp: start-cpu failed\n");
      return 1;
    }
    while (!alive[i]) hcall0(H_CEDE);
  }
  enable_ee();
  for (int i = 1; i < ncpus; ++i) hcall2(H_IPI, (u64)i, 5);
  for (;;) {  // same pattern as the secondaries: check with EE off, cede re-enables it
    disable_ee();
    int all = 1;
    for (int i = 1; i < ncpus; ++i)
      if (!answered[i]) all = 0;
    if (all) break;
    hcall0(H_CEDE);
  }
  putstr("smp: all ");
  putdec((u64)(ncpus - 1));
  putstr(" secondaries answered the IPI\n");
  return 0;
}
