// A private copy of a GSB the L1 passed by address, parsed in one pass.
//
// The L0 never parses or applies a buffer in place: another L1 thread could rewrite it
// between validation and use (a time-of-check/time-of-use hole). It copies the bytes it
// parses into host memory first, growing the copy only when the elements run past it, so
// an L1 that passes a large capacity for a small buffer costs a small copy.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "gsb/buffer.hpp"
#include "papr/abi.hpp"

namespace nv2::l0 {

// The most of one GSB the L0 reads (nv2 decision, docs/decisions/l0.md): elements past
// 16 MiB count as beyond the buffer (a truncated buffer: H_P5 / H_INPUT_BUFFER_TOO_SMALL).
inline constexpr uint64_t kMaxGsbBytes = uint64_t{16} << 20;

class GsbCopy {
 public:
  static constexpr uint32_t kMemoMaxElements = 16;
  static constexpr std::size_t kSmallBytes = 4096;
  // [addr, addr + size) must already be inside `mem`.
  Expected<void, gsb::Error> load(const papr::RealMemory& mem, uint64_t addr, uint64_t size,
                                  gsb::Policy policy);
  const gsb::Reader& reader() const { return reader_; }

  // load() with a shape memo, for the buffer an L1 rewrites before every run (the run
  // input). When the copy has the count and byte-identical element headers of the last
  // buffer this object accepted under the same policy, only the value rules are checked
  // (the structure is the one the Reader accepted) and elements() serves the elements
  // from the memo; anything else is parsed by the Reader, which gives the exact error.
  // Callers of load_memo read the elements through for_each_element().
  Expected<void, gsb::Error> load_memo(const papr::RealMemory& mem, uint64_t addr, uint64_t size,
                                       gsb::Policy policy);
  // Whether the last load_memo was served by the memo (tests).
  bool memo_hit() const { return memo_hit_; }
  // Changes whenever the memo is replaced: a caller may key what it derives from the
  // memo's elements (their IDs and offsets) to it.
  uint64_t memo_generation() const { return memo_generation_; }
  // The copy the last memo hit's elements point into (valid while memo_hit()).
  const uint8_t* memo_view() const { return view_; }
  template <typename F>
  void for_each_element(F&& f) const {
    if (memo_hit_) {
      for (uint32_t k = 0; k < shape_.count; ++k)
        f(gsb::Element{shape_.id[k], k, shape_.offset[k], shape_.desc[k],
                       view_ + shape_.offset[k] + gsb::kElementHeaderSize});
      return;
    }
    for (const gsb::Element& e : reader_) f(e);
  }

 private:
  // Copy the first `n` bytes (bounded by the header's count) into small_; returns them.
  std::span<const uint8_t> copy_prefix(const papr::RealMemory& mem, uint64_t addr, uint64_t limit);
  Expected<void, gsb::Error> parse_growing(const papr::RealMemory& mem, uint64_t addr, uint64_t limit,
                                           std::span<const uint8_t> view, gsb::Policy policy);
  bool matches_shape(std::span<const uint8_t> view) const;  // view: at least shape_.bytes
  bool same_policy(gsb::Policy policy) const;  // a valid memo for this policy
  void remember_shape(gsb::Policy policy);

  struct Shape {
    static constexpr uint32_t kMax = kMemoMaxElements;
    bool valid = false;
    gsb::Policy policy;
    uint32_t count = 0;
    uint32_t bytes = 0;
    std::array<uint32_t, kMax> header{};  // element header, wire bytes as a native u32
    std::array<uint32_t, kMax> offset{};
    std::array<gsb::ElementId, kMax> id{};
    std::array<const gsb::ElementDesc*, kMax> desc{};
    uint32_t checked = 0;  // bit k: element k has a value rule or settable mask to check
  };
  Shape shape_;
  bool memo_hit_ = false;
  uint64_t memo_generation_ = 0;
  const uint8_t* view_ = nullptr;  // the copy the memo's elements point into

  std::array<uint8_t, kSmallBytes> small_;  // not value-initialized: only the copied prefix is read
  std::vector<uint8_t> big_;
  gsb::Reader reader_;
};

}  // namespace nv2::l0
