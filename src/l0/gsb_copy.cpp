#include "l0/gsb_copy.hpp"

#include <algorithm>
#include <cstring>

#include "gsb/elements.hpp"
#include "gsb/wire.hpp"

namespace nv2::l0 {

namespace {

// The largest element of the table: `count` elements need at most
// header + count * (element header + this) bytes.
constexpr uint64_t kMaxElementBytes = [] {
  uint64_t m = 0;
  for (const auto& e : gsb::kElements) m = e.size() > m ? e.size() : m;
  return m;
}();

}  // namespace

Expected<void, gsb::Error> GsbCopy::load(const papr::RealMemory& mem, uint64_t addr,
                                         uint64_t size, gsb::Policy policy) {
  const uint64_t limit = std::min(size, kMaxGsbBytes);
  // First copy only what the count the header claims can need (a run input buffer is
  // usually a few elements in a buffer of several KiB: copying the whole 4 KiB prefix was
  // a 4 KiB memcpy per RUN). The count is read from L1 memory once here and again from the
  // copy by the parser; if another L1 thread raised it meanwhile, the parse of the copy
  // sees a truncated buffer and the loop below copies more, so the peek decides cost only.
  uint64_t n = std::min<uint64_t>(limit, small_.size());
  if (n >= gsb::kHeaderSize) {
    const uint64_t claimed = gsb::load_be32(mem.base() + addr);
    n = std::min(n, gsb::kHeaderSize + claimed * (gsb::kElementHeaderSize + kMaxElementBytes));
  }
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
