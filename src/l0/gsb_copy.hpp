// A private copy of a GSB the L1 passed by address, parsed in one pass.
//
// The L0 never parses or applies a buffer in place: another L1 thread could rewrite it
// between validation and use (a time-of-check/time-of-use hole). It copies the bytes it
// parses into host memory first, growing the copy only when the elements run past it, so
// an L1 that passes a large capacity for a small buffer costs a small copy.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "gsb/buffer.hpp"
#include "papr/abi.hpp"

namespace nv2::l0 {

// The most of one GSB the L0 reads (nv2 decision, docs/decisions/l0.md): elements past
// 16 MiB count as beyond the buffer (a truncated buffer: H_P5 / H_INPUT_BUFFER_TOO_SMALL).
inline constexpr uint64_t kMaxGsbBytes = uint64_t{16} << 20;

class GsbCopy {
 public:
  // [addr, addr + size) must already be inside `mem`.
  Expected<void, gsb::Error> load(const papr::RealMemory& mem, uint64_t addr, uint64_t size,
                                  gsb::Policy policy);
  const gsb::Reader& reader() const { return reader_; }

 private:
  std::array<uint8_t, 4096> small_;  // not value-initialized: only the copied prefix is read
  std::vector<uint8_t> big_;
  gsb::Reader reader_;
};

}  // namespace nv2::l0
