// A set of GSB element IDs, one bit per known ID (style-examples.md §13).
//
// Bit i stands for kIdByDenseIndex[i]; the dense index follows the element table, which is
// sorted by ID, so iterating the bits in order visits IDs in ascending order. The L1 cache
// keeps its valid/dirty state in these; the codec uses them for "which IDs did a buffer
// hold" and for messages.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "gsb/elements.hpp"

namespace nv2::gsb {

class IdBitmap {
 public:
  static constexpr std::size_t kBits = kElementCount;
  static constexpr std::size_t kWords = (kBits + 63) / 64;

  constexpr IdBitmap() = default;
  constexpr IdBitmap(std::initializer_list<ElementId> ids) {
    for (ElementId id : ids) set(id);
  }

  // Every known ID.
  static constexpr IdBitmap all() {
    IdBitmap b;
    for (std::size_t i = 0; i < kBits; ++i) b.set_dense(i);
    return b;
  }
  // The IDs whose table row satisfies `pred(const ElementDesc&)`.
  template <typename Pred>
  static constexpr IdBitmap of(Pred pred) {
    IdBitmap b;
    for (std::size_t i = 0; i < kBits; ++i)
      if (pred(*find(kIdByDenseIndex[i]))) b.set_dense(i);
    return b;
  }

  // set/clear return false (and change nothing) for an ID the table does not know.
  constexpr bool set(ElementId id) {
    const auto d = dense_index(id);
    if (!d) return false;
    set_dense(*d);
    return true;
  }
  constexpr bool clear(ElementId id) {
    const auto d = dense_index(id);
    if (!d) return false;
    w_[*d / 64] &= ~(uint64_t{1} << (*d % 64));
    return true;
  }
  constexpr bool test(ElementId id) const {
    const auto d = dense_index(id);
    return d && test_dense(*d);
  }
  constexpr void set_dense(std::size_t i) { w_[i / 64] |= uint64_t{1} << (i % 64); }
  constexpr bool test_dense(std::size_t i) const { return (w_[i / 64] >> (i % 64)) & 1u; }
  constexpr void clear_all() { w_ = {}; }

  constexpr std::size_t count() const {
    std::size_t n = 0;
    for (uint64_t w : w_) n += static_cast<std::size_t>(std::popcount(w));
    return n;
  }
  constexpr bool empty() const {
    for (uint64_t w : w_)
      if (w != 0) return false;
    return true;
  }

  constexpr IdBitmap& operator|=(const IdBitmap& o) {
    for (std::size_t i = 0; i < kWords; ++i) w_[i] |= o.w_[i];
    return *this;
  }
  constexpr IdBitmap& operator&=(const IdBitmap& o) {
    for (std::size_t i = 0; i < kWords; ++i) w_[i] &= o.w_[i];
    return *this;
  }
  // Remove every ID of `o` (set difference).
  constexpr IdBitmap& operator-=(const IdBitmap& o) {
    for (std::size_t i = 0; i < kWords; ++i) w_[i] &= ~o.w_[i];
    return *this;
  }
  friend constexpr IdBitmap operator|(IdBitmap a, const IdBitmap& b) { return a |= b; }
  friend constexpr IdBitmap operator&(IdBitmap a, const IdBitmap& b) { return a &= b; }
  friend constexpr IdBitmap operator-(IdBitmap a, const IdBitmap& b) { return a -= b; }
  friend constexpr bool operator==(const IdBitmap&, const IdBitmap&) = default;

  // Iteration over the IDs present, ascending.
  class Iterator {
   public:
    using value_type = ElementId;
    using difference_type = std::ptrdiff_t;
    constexpr Iterator() = default;
    constexpr Iterator(const IdBitmap* b, std::size_t i) : b_(b), i_(i) { skip(); }
    constexpr ElementId operator*() const { return kIdByDenseIndex[i_]; }
    constexpr Iterator& operator++() {
      ++i_;
      skip();
      return *this;
    }
    constexpr Iterator operator++(int) {
      Iterator t = *this;
      ++*this;
      return t;
    }
    constexpr std::size_t dense() const { return i_; }
    friend constexpr bool operator==(const Iterator& a, const Iterator& b) { return a.i_ == b.i_; }

   private:
    // Advance to the next set bit at or after i_, a word at a time.
    constexpr void skip() {
      while (i_ < kBits) {
        const uint64_t w = b_->w_[i_ / 64] >> (i_ % 64);
        if (w != 0) {
          i_ += static_cast<std::size_t>(std::countr_zero(w));
          return;
        }
        i_ = (i_ / 64 + 1) * 64;
      }
      i_ = kBits;
    }
    const IdBitmap* b_ = nullptr;
    std::size_t i_ = kBits;
  };
  constexpr Iterator begin() const { return Iterator(this, 0); }
  constexpr Iterator end() const { return Iterator(this, kBits); }

  const std::array<uint64_t, kWords>& words() const { return w_; }
  // Replace word `i` (bits 64*i .. 64*i+63); bits past kBits must be clear.
  constexpr void set_word(std::size_t i, uint64_t bits) { w_[i] = bits; }

 private:
  std::array<uint64_t, kWords> w_{};
};

static_assert(IdBitmap::all().count() == kElementCount);
static_assert(IdBitmap{id::kNia, 0x0000, id::kAsdr}.count() == 2);  // 0x0000 is reserved
static_assert(*IdBitmap{id::kAsdr, id::kNia}.begin() == id::kNia);

}  // namespace nv2::gsb
