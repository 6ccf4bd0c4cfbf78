// MSB-0 bit numbering, the convention of the Power ISA and PAPR books.
//
// Every mask in nv2 that names a bit by its book number goes through these helpers
// (style-examples.md §3): "bit 0" of a 64-bit register is the most significant bit.
#pragma once

#include <cstdint>

namespace nv2::bits {

// Mask of bit `n` (MSB-0) in a register of `width` bits.
template <unsigned width = 64>
constexpr uint64_t bit(unsigned n) {
  static_assert(width == 32 || width == 64);
  return uint64_t{1} << (width - 1 - n);
}

// Mask of bits `first`..`last` inclusive (MSB-0, first <= last) in a `width`-bit register.
template <unsigned width = 64>
constexpr uint64_t field_mask(unsigned first, unsigned last) {
  static_assert(width == 32 || width == 64);
  const unsigned len = last - first + 1;
  const uint64_t ones = len >= 64 ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
  return ones << (width - 1 - last);
}

// Extract bits `first`..`last` (MSB-0) of `value`, right-aligned.
template <unsigned width = 64>
constexpr uint64_t extract(uint64_t value, unsigned first, unsigned last) {
  const unsigned len = last - first + 1;
  const uint64_t ones = len >= 64 ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
  return (value >> (width - 1 - last)) & ones;
}

// Replace bits `first`..`last` (MSB-0) of `value` by the right-aligned `field`.
template <unsigned width = 64>
constexpr uint64_t insert(uint64_t value, unsigned first, unsigned last, uint64_t field) {
  const uint64_t mask = field_mask<width>(first, last);
  return (value & ~mask) | ((field << (width - 1 - last)) & mask);
}

static_assert(bit(0) == 0x8000000000000000ull);
static_assert(bit(63) == 0x1ull);
static_assert(bit<32>(0) == 0x80000000u);
static_assert(field_mask(0, 63) == ~uint64_t{0});
static_assert(field_mask(48, 51) == 0xF000ull);
static_assert(extract<32>(0x7C0802A6u, 0, 5) == 31);
static_assert(insert(0, 63, 63, 1) == 1);

}  // namespace nv2::bits
