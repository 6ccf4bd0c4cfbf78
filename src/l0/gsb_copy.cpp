#include "l0/gsb_copy.hpp"

#include <algorithm>
#include <cstring>

namespace nv2::l0 {

Expected<void, gsb::Error> GsbCopy::load(const papr::RealMemory& mem, uint64_t addr,
                                         uint64_t size, gsb::Policy policy) {
  const uint64_t limit = std::min(size, kMaxGsbBytes);
  uint64_t n = std::min<uint64_t>(limit, small_.size());
  std::memcpy(small_.data(), mem.base() + addr, static_cast<std::size_t>(n));
  std::span<const uint8_t> view(small_.data(), static_cast<std::size_t>(n));
  for (;;) {
    auto r = reader_.parse(view, policy);
    // Grow only when the elements ran past what was copied and there is more to copy.
    if (r || !r.error().truncated() || n == limit) return r;
    n = std::min(limit, n * 4);
    big_.resize(static_cast<std::size_t>(n));
    std::memcpy(big_.data(), mem.base() + addr, static_cast<std::size_t>(n));
    view = std::span<const uint8_t>(big_.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace nv2::l0
