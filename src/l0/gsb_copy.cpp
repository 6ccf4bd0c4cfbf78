#include "l0/gsb_copy.hpp"

#include <algorithm>
#include <bit>
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

// load_memo copies a memo's bytes into small_ (a memo has at most Shape::kMax elements).
static_assert(gsb::kHeaderSize + GsbCopy::kMemoMaxElements * (gsb::kElementHeaderSize + kMaxElementBytes) <=
              GsbCopy::kSmallBytes);

// First copy only what the count the header claims can need (a run input buffer is usually
// a few elements in a buffer of several KiB: copying the whole 4 KiB prefix was a 4 KiB
// memcpy per RUN). The count is read from L1 memory once here and again from the copy by
// the parser; if another L1 thread raised it meanwhile, the parse of the copy sees a
// truncated buffer and parse_growing copies more, so this read decides the cost only.
std::span<const uint8_t> GsbCopy::copy_prefix(const papr::RealMemory& mem, uint64_t addr, uint64_t limit) {
  uint64_t n = std::min<uint64_t>(limit, small_.size());
  if (n >= gsb::kHeaderSize) {
    const uint64_t claimed = gsb::load_be32(mem.base() + addr);
    n = std::min(n, gsb::kHeaderSize + claimed * (gsb::kElementHeaderSize + kMaxElementBytes));
  }
  std::memcpy(small_.data(), mem.base() + addr, static_cast<std::size_t>(n));
  return {small_.data(), static_cast<std::size_t>(n)};
}

// The copy against the memo (same_policy already checked): the count and every element
// header byte-identical, and the value rules of the elements that have one.
bool GsbCopy::matches_shape(std::span<const uint8_t> view) const {
  if (gsb::load_be32(view.data()) != shape_.count) return false;
  uint32_t diff = 0;
  const uint32_t n = shape_.count;
#pragma GCC unroll 4
  for (uint32_t k = 0; k < n; ++k) {
    uint32_t h;
    std::memcpy(&h, view.data() + shape_.offset[k], 4);
    diff |= h ^ shape_.header[k];
  }
  if (diff != 0) return false;
  // The structure is the accepted one; the values are new: the rules the Reader applies,
  // to the elements that have one (remember_shape listed them).
  for (uint32_t m = shape_.checked; m != 0; m &= m - 1) {
    const auto k = static_cast<uint32_t>(std::countr_zero(m));
    if (!gsb::value_ok(*shape_.desc[k], view.data() + shape_.offset[k] + gsb::kElementHeaderSize,
                       shape_.policy.reject_unsettable_bits))
      return false;
  }
  return true;
}

bool GsbCopy::same_policy(gsb::Policy policy) const {
  const gsb::Policy& p = shape_.policy;
  return shape_.valid && p.purpose == policy.purpose && p.scope == policy.scope &&
         p.check_access == policy.check_access && p.reject_unsettable_bits == policy.reject_unsettable_bits;
}

void GsbCopy::remember_shape(gsb::Policy policy) {
  shape_.valid = false;
  ++memo_generation_;
  if (reader_.count() > Shape::kMax) return;
  shape_.checked = 0;
  const uint8_t* const base = reader_.bytes().data();
  uint32_t k = 0;
  for (const gsb::Element& e : reader_) {
    std::memcpy(&shape_.header[k], base + e.offset, 4);
    shape_.offset[k] = e.offset;
    shape_.id[k] = e.id;
    shape_.desc[k] = e.desc;
    const gsb::ElementDesc& d = *e.desc;
    if (gsb::checks_values(policy) && (d.rule != gsb::ValueRule::None || d.settable_mask != gsb::kAll))
      shape_.checked |= uint32_t{1} << k;
    ++k;
  }
  shape_.count = reader_.count();
  shape_.bytes = static_cast<uint32_t>(reader_.size());
  shape_.policy = policy;
  shape_.valid = true;
}

Expected<void, gsb::Error> GsbCopy::load_memo(const papr::RealMemory& mem, uint64_t addr,
                                              uint64_t size, gsb::Policy policy) {
  memo_hit_ = false;
  const uint64_t limit = std::min(size, kMaxGsbBytes);
  // A buffer that claims the memo's count needs exactly the memo's bytes: copy those (the
  // copy's count is compared again, so a count changed meanwhile is still caught).
  std::span<const uint8_t> view;
  if (same_policy(policy) && limit >= shape_.bytes && limit >= gsb::kHeaderSize &&
      gsb::load_be32(mem.base() + addr) == shape_.count) {
    // Word by word: a memo is a few dozen bytes, below what a libc memcpy call is worth.
    const uint8_t* const src = mem.base() + addr;
    const uint32_t n = shape_.bytes;
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) std::memcpy(small_.data() + i, src + i, 8);
    for (; i < n; ++i) small_[i] = src[i];
    view = std::span<const uint8_t>(small_.data(), n);
    if (matches_shape(view)) {
      memo_hit_ = true;
      view_ = view.data();
      return {};
    }
  } else {
    // Another count: not the memo's structure (a count changed after the read above only
    // costs the memo, never correctness: the Reader checks the copy).
    view = copy_prefix(mem, addr, limit);
  }
  auto r = parse_growing(mem, addr, limit, view, policy);
  if (r) remember_shape(policy);
  return r;
}

Expected<void, gsb::Error> GsbCopy::load(const papr::RealMemory& mem, uint64_t addr,
                                         uint64_t size, gsb::Policy policy) {
  memo_hit_ = false;
  const uint64_t limit = std::min(size, kMaxGsbBytes);
  return parse_growing(mem, addr, limit, copy_prefix(mem, addr, limit), policy);
}

Expected<void, gsb::Error> GsbCopy::parse_growing(const papr::RealMemory& mem, uint64_t addr, uint64_t limit,
                                                  std::span<const uint8_t> view, gsb::Policy policy) {
  uint64_t n = view.size();
  for (;;) {
    auto r = reader_.parse(view, policy);
    // Grow only when the elements ran past what was copied and there is more to copy.
    if (r || !r.error().truncated() || n == limit) return r;
    n = std::min(limit, std::max<uint64_t>(n, gsb::kHeaderSize) * 4);
    big_.resize(static_cast<std::size_t>(n));
    std::memcpy(big_.data(), mem.base() + addr, static_cast<std::size_t>(n));
    view = std::span<const uint8_t>(big_.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace nv2::l0
