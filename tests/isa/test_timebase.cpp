// The virtual timebase (isa/timebase.hpp): 512 MHz, real-time and deterministic modes.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "isa/timebase.hpp"

namespace nv2::isa {
namespace {

TEST(Timebase, DeterministicModeCountsRetiredInstructions) {
  const Timebase one(Timebase::Mode::Deterministic);
  EXPECT_EQ(one.now(0), 0u);
  EXPECT_EQ(one.now(12345), 12345u);
  const Timebase four(Timebase::Mode::Deterministic, 4);
  EXPECT_EQ(four.now(1000), 4000u);
  EXPECT_EQ(four.now(1000), four.now(1000));  // reproducible: no clock involved
}

TEST(Timebase, RealTimeModeIsMonotonicAt512MHz) {
  const Timebase tb(Timebase::Mode::RealTime);
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t a = tb.now(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t b = tb.now(999999);  // `retired` is ignored in real-time mode
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_GT(b, a);
  const auto elapsed_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  // The ticks between the two reads fit in the measured interval at 512 ticks per µs,
  // and at least 20 ms passed.
  EXPECT_LE(b - a, elapsed_ns * 512 / 1000 + 512);
  EXPECT_GE(b - a, 20'000'000ull * 512 / 1000 - 512);
  uint64_t prev = tb.now(0);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t now = tb.now(0);
    EXPECT_GE(now, prev);
    prev = now;
  }
}

}  // namespace
}  // namespace nv2::isa
