// The virtual timebase (issue 3 item 7): 512 MHz, real time or deterministic.
#include "isa/timebase.hpp"

#include <chrono>

namespace nv2::isa {

namespace {
// 512 MHz = 64 ticks every 125 ns. Split the product so it cannot overflow for centuries.
constexpr uint64_t ns_to_ticks(uint64_t ns) { return (ns / 125) * 64 + (ns % 125) * 64 / 125; }
static_assert(ns_to_ticks(1'000'000'000) == Timebase::kFrequency);
static_assert(ns_to_ticks(125) == 64 && ns_to_ticks(124) == 63);
}  // namespace

uint64_t Timebase::now(uint64_t retired) const {
  switch (mode_) {
    case Mode::Deterministic:
      return retired * ticks_per_instruction_;
    case Mode::RealTime: {
      // steady_clock: monotonic, so the L2 timebase never goes backwards (ISA 3.0B Book II
      // §5.2: the timebase increases monotonically).
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch());
      return ns_to_ticks(static_cast<uint64_t>(ns.count()));
    }
  }
  return 0;
}

}  // namespace nv2::isa
