// The virtual timebase: 512 MHz (issue 3 item 7).
//
// Real-time mode reads the host's monotonic clock. Deterministic mode advances with the
// instructions a vCPU retired, so tests and traces reproduce exactly.
#pragma once

#include <cstdint>

namespace nv2::isa {

class Timebase {
 public:
  enum class Mode : uint8_t { RealTime, Deterministic };
  static constexpr uint64_t kFrequency = 512'000'000;

  explicit Timebase(Mode mode = Mode::RealTime, uint64_t ticks_per_instruction = 1)
      : mode_(mode), ticks_per_instruction_(ticks_per_instruction) {}

  Mode mode() const { return mode_; }
  uint64_t ticks_per_instruction() const { return ticks_per_instruction_; }

  // Host timebase now. `retired` is the calling vCPU's total of retired instructions,
  // used only in deterministic mode.
  uint64_t now(uint64_t retired) const;

 private:
  Mode mode_;
  uint64_t ticks_per_instruction_;
};

}  // namespace nv2::isa
