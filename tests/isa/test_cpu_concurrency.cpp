// Cross-thread stop requests (issue 3 item 6, "stopped": honoured at the next instruction
// boundary). Labelled `concurrency`: the test script runs it under ThreadSanitizer.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "isa/cpu.hpp"
#include "isa/interrupts.hpp"
#include "isa/testing.hpp"

namespace nv2::isa {
namespace {

TEST(CpuConcurrency, StopRequestFromAnotherThreadEndsARunningLoop) {
  testing::TestMachine m(16 << 20, Timebase(Timebase::Mode::RealTime));
  const uint32_t prog[] = {0x38630001 /* addi r3,r3,1 */, 0x4BFFFFFC /* b .-4 */};
  m.put_words(0x10000, prog, true);
  VcpuState& s = m.state();
  s.msr = msr::kSF | msr::kME | msr::kLE;
  s.nia = 0x10000;
  s.hdec_expiry_tb = ~uint64_t{0};
  s.dec_expiry_tb = ~uint64_t{0};
  std::thread stopper([&m] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    m.cpu().request_stop();
  });
  const Exit e = m.run();
  stopper.join();
  EXPECT_EQ(e.kind, ExitKind::Stopped);
  EXPECT_GT(e.instructions, 0u);
  // Stopped at an instruction boundary inside the loop, counter consistent with NIA.
  EXPECT_TRUE(s.nia == 0x10000 || s.nia == 0x10004);
  EXPECT_GT(s.gpr[3], 0u);
}

TEST(CpuConcurrency, StopRequestWakesAnIdleVcpu) {
  testing::TestMachine m(16 << 20, Timebase(Timebase::Mode::RealTime));
  const uint32_t prog[] = {0x4C0002E4 /* stop */, 0x44000022 /* sc 1 */};
  m.put_words(0x10000, prog, true);
  VcpuState& s = m.state();
  s.msr = msr::kSF | msr::kME | msr::kLE;
  s.nia = 0x10000;
  s.hdec_expiry_tb = ~uint64_t{0};
  s.dec_expiry_tb = ~uint64_t{0};
  std::thread stopper([&m] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    m.cpu().request_stop();
  });
  const Exit e = m.run();
  stopper.join();
  EXPECT_EQ(e.kind, ExitKind::Stopped);
  EXPECT_EQ(s.nia, 0x10004u);
}

}  // namespace
}  // namespace nv2::isa
