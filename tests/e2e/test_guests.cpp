// Every example guest booted by nv2-run through the whole stack (L0 → L1 → machine):
// console text, exit status and the L1 counters that show the cache at work.
#include <gtest/gtest.h>

#include "support_run.hpp"

namespace nv2::e2e {
namespace {

TEST(Guests, HelloPrintsAndPowersOff) {
  NV2_REQUIRE_GUEST(g, "hello");
  const RunResult r = run_nv2({g});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Hello from an nv2 L2 (little-endian)!\n");
  EXPECT_EQ(r.err, "");
}

TEST(Guests, HelloBigEndianImage) {
  NV2_REQUIRE_GUEST(g, "hello-be");
  const RunResult r = run_nv2({"-kernel", g});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Hello from an nv2 L2 (big-endian)!\n");
}

TEST(Guests, ConsoleInputReachesTheL2) {
  NV2_REQUIRE_GUEST(g, "hello");
  const RunResult r = run_nv2({g, "-append", "echo=1"}, 120, "typed on stdin, longer than sixteen bytes\nrest\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "Hello from an nv2 L2 (little-endian)!\necho: typed on stdin, longer than sixteen bytes\n");
}

TEST(Guests, PowerOffStatusIsTheExitStatus) {
  NV2_REQUIRE_GUEST(g, "hello");
  const RunResult r = run_nv2({g, "-append", "exit=42"});
  EXPECT_EQ(r.status, 42) << r.err;
}

TEST(Guests, OsTermExitsOneWithTheMessage) {
  NV2_REQUIRE_GUEST(g, "hello");
  const RunResult r = run_nv2({g, "-append", "panic=1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("hello: panic requested"), std::string::npos) << r.err;
}

TEST(Guests, SystemRebootRestartsFromTheEntryState) {
  NV2_REQUIRE_GUEST(g, "hello");
  const RunResult r = run_nv2({g, "-append", "reboot=1"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello: rebooting\nhello: rebooted\nHello from an nv2 L2 (little-endian)!\n");
}

TEST(Guests, HcallStormCostsOneHcallPerExit) {
  NV2_REQUIRE_GUEST(g, "hcall-storm");
  // Two runs that differ only in the number of null hcalls: every extra L2 hcall must
  // cost exactly one L1→L0 hcall (the RUN) and no GET/SET_STATE.
  const RunResult small = run_nv2({g, "-append", "count=1000", "--stats=json"});
  const RunResult big = run_nv2({g, "-append", "count=21000", "--stats=json"});
  ASSERT_EQ(small.status, 0) << small.err;
  ASSERT_EQ(big.status, 0) << big.err;
  EXPECT_EQ(big.out, "hcall-storm: 21000 hcalls, 0 failed\n");
  const auto h1 = json_number(small.err, "hcalls_total"), h2 = json_number(big.err, "hcalls_total");
  const auto e1 = json_number(small.err, "hcall"), e2 = json_number(big.err, "hcall");
  const auto g1 = json_number(small.err, "get_state_calls"), g2 = json_number(big.err, "get_state_calls");
  ASSERT_TRUE(h1 && h2 && e1 && e2 && g1 && g2) << big.err;
  EXPECT_EQ(*e2 - *e1, 20000u) << "one HCALL exit per L2 hcall";
  const double per_exit = static_cast<double>(*h2 - *h1) / static_cast<double>(*e2 - *e1);
  EXPECT_DOUBLE_EQ(per_exit, 1.0) << "L1→L0 hcalls per extra exit";
  EXPECT_EQ(*g2, *g1) << "no GET_STATE in the steady state";
}

TEST(Guests, MemoryFaultsEachPageOnce) {
  NV2_REQUIRE_GUEST(g, "memory");
  const RunResult r = run_nv2({"-m", "512M", g, "-append", "size=256M", "--stats=json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "memory: 65536 pages touched from 0x4000000, 0 bad\n");
  const auto hdsi = json_number(r.err, "hdsi");
  ASSERT_TRUE(hdsi) << r.err;
  // 256 MiB in the L1's 64 KiB partition-scoped pages: 4096 HDSI exits, one per page.
  EXPECT_EQ(*hdsi, 4096u);
  EXPECT_GE(*json_number(r.err, "pages_mapped"), 4096u);
}

TEST(Guests, MmioDeviceEmulatedFromHeir) {
  NV2_REQUIRE_GUEST(g, "mmio");
  const RunResult r = run_nv2({g, "--stats=json"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "mmio: ok\n");
  EXPECT_EQ(json_number(r.err, "mmio_emulated").value_or(0), 20u) << "one per device access";
}

TEST(Guests, TimerCountsDecrementerInterrupts) {
  NV2_REQUIRE_GUEST(g, "timer");
  const RunResult r = run_nv2({g, "-append", "ticks=10 period=512000", "--stats=json"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "timer: 10 decrementer ticks\n");
}

TEST(Guests, SmpStartsEveryCpuAndExchangesIpis) {
  NV2_REQUIRE_GUEST(g, "smp");
  const RunResult r = run_nv2({"-smp", "4", g});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "smp: 4 cpus\nsmp: cpu 1 up\nsmp: cpu 2 up\nsmp: cpu 3 up\n"
            "smp: all 3 secondaries answered the IPI\n");
}

TEST(Guests, SmpWithOneCpu) {
  NV2_REQUIRE_GUEST(g, "smp");
  const RunResult r = run_nv2({g});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "smp: 1 cpus\nsmp: all 0 secondaries answered the IPI\n");
}

TEST(Guests, EveryServedHcallAnswersAsSpecified) {
  NV2_REQUIRE_GUEST(g, "hcalls");
  const RunResult r = run_nv2({g, "--stats=json"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "!\nhcalls: 46 checks, 0 failed\n");
  EXPECT_EQ(json_number(r.err, "l2_hcalls_unknown").value_or(99), 1u)
      << "the one unserved hcall is counted";
}

TEST(Guests, AccessOutsideRamAndMmioEndsTheRun) {
  NV2_REQUIRE_GUEST(g, "memory");
  // 16 MiB of RAM; the guest touches from 64 MiB up.
  const RunResult r = run_nv2({"-m", "16M", g});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad L2 address at 0x4000000"), std::string::npos) << r.err;
}

TEST(Guests, DeterministicRunsRepeatExactly) {
  NV2_REQUIRE_GUEST(g, "hcall-storm");
  const RunResult a = run_nv2({g, "--deterministic", "-append", "count=500", "--stats=json"});
  const RunResult b = run_nv2({g, "--deterministic", "-append", "count=500", "--stats=json"});
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.err, b.err) << "same counters";
}

// The translator and the interpreter retire the same instructions, so with a deterministic
// timebase every exit lands at the same instruction: same console, same counters.
TEST(Guests, TranslatorAndInterpreterRunGuestsIdentically) {
  for (const char* name : {"hello", "timer", "hcall-storm", "mmio"}) {
    SCOPED_TRACE(name);
    NV2_REQUIRE_GUEST(g, name);
    const RunResult jit = run_nv2({g, "--deterministic", "--stats=json"});
    const RunResult interp = run_nv2({g, "--deterministic", "--no-jit", "--stats=json"});
    ASSERT_EQ(jit.status, 0) << jit.err;
    EXPECT_EQ(jit.status, interp.status);
    EXPECT_EQ(jit.out, interp.out);
    EXPECT_EQ(jit.err, interp.err) << "same counters";
    EXPECT_NE(jit.err.find("\"runs\""), std::string::npos) << jit.err;
  }
}

}  // namespace
}  // namespace nv2::e2e
