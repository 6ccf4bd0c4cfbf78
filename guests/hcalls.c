// hcalls: calls every hcall and RTAS service the machine serves, with good and bad
// arguments, and checks each return code (the machine's handlers end to end).
// Prints "hcalls: N checks, F failed" and powers off with F != 0.
#include "runtime/nv2guest.h"

#define H_PARAMETER (-4)
#define H_FUNCTION (-2)
#define H_P2 (-55)
#define H_P3 (-56)
#define H_UNSUPPORTED_FLAG (-256)
#define H_PAGE_INIT 0x2CUL
#define H_SET_DABR 0x28UL
#define H_SET_XDABR 0x134UL
#define H_REGISTER_VPA 0xDCUL
#define H_CONFER 0xE4UL
#define H_SET_MODE 0x31CUL
#define H_REGISTER_PROC_TBL 0x37CUL

static int checks, failed;

static void expect(const char* what, s64 got, s64 want) {
  ++checks;
  if (got == want) return;
  ++failed;
  putstr("hcalls: FAIL ");
  putstr(what);
  putstr(": got ");
  puthex((u64)got);
  putstr(" want ");
  puthex((u64)want);
  putstr("\n");
}

static u8 page_a[4096] __attribute__((aligned(4096)));
static u8 page_b[4096] __attribute__((aligned(4096)));
static u8 vpa[4096] __attribute__((aligned(4096)));
static u8 proc_table[4096] __attribute__((aligned(4096)));

int main(const void* fdt) {
  (void)fdt;
  // H_RANDOM: succeeds, and two draws differ.
  struct hret r1 = hcall(H_RANDOM, 0, 0, 0, 0, 0, 0);
  struct hret r2 = hcall(H_RANDOM, 0, 0, 0, 0, 0, 0);
  // The machine grants the L2 every storage key (AMOR = all ones, as KVM does), so a
  // privileged write of AMR sticks instead of being masked to nothing.
  {
    const u64 amr = 0x3c0000000000000cull;
    u64 back;
    __asm__ volatile("mtspr 29,%1\n\tisync\n\tmfspr %0,29" : "=r"(back) : "r"(amr) : "memory");
    expect("AMR write under AMOR", (s64)back, (s64)amr);
    __asm__ volatile("mtspr 29,%0\n\tisync" : : "r"(0ull) : "memory");
  }
  expect("H_RANDOM", (s64)r1.r[0], H_SUCCESS);
  expect("H_RANDOM differs", r1.r[1] != r2.r[1], 1);

  // H_PAGE_INIT: zero, copy, misaligned, unknown flags.
  for (int i = 0; i < 4096; ++i) page_a[i] = (u8)i, page_b[i] = 0xee;
  expect("H_PAGE_INIT copy", hcall(H_PAGE_INIT, 0x4000, (u64)page_b, (u64)page_a, 0, 0, 0).r[0], 0);
  expect("copied", page_b[4095] == (u8)4095 && page_b[1] == 1, 1);
  expect("H_PAGE_INIT zero", hcall(H_PAGE_INIT, 0x8000, (u64)page_a, 0, 0, 0, 0).r[0], 0);
  expect("zeroed", page_a[1] == 0 && page_a[4095] == 0, 1);
  expect("H_PAGE_INIT misaligned", hcall(H_PAGE_INIT, 0x8000, (u64)page_a + 8, 0, 0, 0, 0).r[0],
         H_PARAMETER);
  expect("H_PAGE_INIT flags", hcall(H_PAGE_INIT, 0x1, (u64)page_a, 0, 0, 0, 0).r[0], H_PARAMETER);

  // H_SET_MODE: endianness, AIL, bad resource / flags / values.
  expect("H_SET_MODE LE", hcall(H_SET_MODE, 1, 4, 0, 0, 0, 0).r[0], 0);
  expect("H_SET_MODE LE flag", hcall(H_SET_MODE, 2, 4, 0, 0, 0, 0).r[0], H_UNSUPPORTED_FLAG);
  expect("H_SET_MODE LE value", hcall(H_SET_MODE, 1, 4, 1, 0, 0, 0).r[0], H_P3);
  expect("H_SET_MODE AIL 1", hcall(H_SET_MODE, 1, 3, 0, 0, 0, 0).r[0], H_UNSUPPORTED_FLAG);
  expect("H_SET_MODE AIL 0", hcall(H_SET_MODE, 0, 3, 0, 0, 0, 0).r[0], 0);
  expect("H_SET_MODE resource", hcall(H_SET_MODE, 0, 99, 0, 0, 0, 0).r[0], H_P2);
  expect("H_SET_MODE DAWR0", hcall(H_SET_MODE, 0, 2, 0x10000, 0x43, 0, 0).r[0], 0);

  // Watchpoints through DABR.
  expect("H_SET_DABR", hcall(H_SET_DABR, 0x10000 | 3, 0, 0, 0, 0, 0).r[0], 0);
  expect("H_SET_XDABR", hcall(H_SET_XDABR, 0x10000 | 2, 2, 0, 0, 0, 0).r[0], 0);
  expect("H_SET_XDABR hyp", hcall(H_SET_XDABR, 0x10000 | 2, 4, 0, 0, 0, 0).r[0], H_PARAMETER);

  // VPA: register (size at offset 4, big-endian 16-bit), bad size, bad CPU, deregister.
  vpa[4] = 640 >> 8;
  vpa[5] = 640 & 0xff;
  expect("H_REGISTER_VPA", hcall(H_REGISTER_VPA, 1ul << 45, 0, (u64)vpa, 0, 0, 0).r[0], 0);
  vpa[4] = 0;
  vpa[5] = 100;
  expect("H_REGISTER_VPA small", hcall(H_REGISTER_VPA, 1ul << 45, 0, (u64)vpa, 0, 0, 0).r[0],
         H_PARAMETER);
  expect("H_REGISTER_VPA cpu", hcall(H_REGISTER_VPA, 1ul << 45, 7, (u64)vpa, 0, 0, 0).r[0],
         H_PARAMETER);
  expect("H_REGISTER_VPA dereg", hcall(H_REGISTER_VPA, 5ul << 45, 0, 0, 0, 0, 0).r[0], 0);

  // Process table: radix (NEW | RADIX | GTSE), then the refused forms.
  expect("H_REGISTER_PROC_TBL",
         hcall(H_REGISTER_PROC_TBL, 0x18 | 0x04 | 0x01, (u64)proc_table, 0, 0, 0, 0).r[0], 0);
  expect("H_REGISTER_PROC_TBL hpt",
         hcall(H_REGISTER_PROC_TBL, 0x18 | 0x02, (u64)proc_table, 0, 0, 0, 0).r[0], H_PARAMETER);
  expect("H_REGISTER_PROC_TBL align",
         hcall(H_REGISTER_PROC_TBL, 0x18 | 0x04, (u64)proc_table + 16, 0, 0, 0, 0).r[0], H_PARAMETER);

  // Console input: nothing waiting.
  struct hret t = hcall(H_GET_TERM_CHAR, 0x71000000, 0, 0, 0, 0, 0);
  expect("H_GET_TERM_CHAR", (s64)t.r[0], 0);
  expect("H_GET_TERM_CHAR len", (s64)t.r[1], 0);
  expect("H_PUT_TERM_CHAR term", hcall(H_PUT_TERM_CHAR, 0x71000001, 1, 0, 0, 0, 0).r[0],
         H_PARAMETER);

  // Idle and XICS edges.
  expect("H_CONFER", hcall(H_CONFER, ~0ul, 0, 0, 0, 0, 0).r[0], 0);
  expect("H_PROD self", hcall(H_PROD, 0, 0, 0, 0, 0, 0).r[0], 0);
  expect("H_PROD bad", hcall(H_PROD, 7, 0, 0, 0, 0, 0).r[0], H_PARAMETER);
  expect("H_CEDE after prod", hcall(H_CEDE, 0, 0, 0, 0, 0, 0).r[0], 0);
  hcall1(H_CPPR, 0xff);
  struct hret x = hcall(H_XIRR, 0, 0, 0, 0, 0, 0);
  expect("H_XIRR empty", (s64)(x.r[1] & 0xffffff), 0);
  expect("H_IPOLL bad", hcall(H_IPOLL, 9, 0, 0, 0, 0, 0).r[0], H_PARAMETER);

  // An hcall nobody serves: H_FUNCTION, never fatal.
  expect("unknown hcall", hcall(0x1234, 0, 0, 0, 0, 0, 0).r[0], H_FUNCTION);

  // RTAS.
  u32 rets[8];
  expect("set-time-of-day", rtas_call("set-time-of-day", 7, 1, rets, 2030u, 6u, 15u, 12u, 0u, 0u, 0u), 0);
  expect("get-time-of-day", rtas_call("get-time-of-day", 0, 8, rets), 0);
  expect("year", rets[1], 2030);
  expect("month", rets[2], 6);
  expect("day", rets[3], 15);
  expect("query-cpu-stopped-state", rtas_call("query-cpu-stopped-state", 1, 2, rets, 0u), 0);
  expect("cpu 0 running", rets[1], 2);
  expect("query bad cpu", rtas_call("query-cpu-stopped-state", 1, 2, rets, 5u), -3);
  expect("start-cpu bad", rtas_call("start-cpu", 3, 1, rets, 5u, 0u, 0u), -3);
  expect("display-character", rtas_call("display-character", 1, 1, rets, (u32)'!'), 0);
  putstr("\n");

  putstr("hcalls: ");
  putdec((u64)checks);
  putstr(" checks, ");
  putdec((u64)failed);
  putstr(" failed\n");
  return failed;
}
