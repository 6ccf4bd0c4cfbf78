// The dense decode table, built at compile time from an instruction table
// (style-examples.md §2: sparse constexpr entries -> consteval-filled std::array; a slot
// claimed twice is an error). Power ISA 3.0B Appendix F opcode maps give the extended
// opcode field of each primary opcode that the dense index covers.
#pragma once

#include <array>
#include <cstdint>

#include "isa/insn.hpp"

namespace nv2::isa {

// The bits of the word that index a primary opcode's second-level slots (MSB-0).
struct ExtField {
  uint8_t first = 0;
  uint8_t last = 0;
  bool present = false;
  constexpr unsigned width() const { return present ? unsigned(last) - first + 1 : 0; }
};
constexpr ExtField ext_field(unsigned po) {
  switch (po) {
    case 4: return {26, 31, true};   // VA-form XO (maddhd/maddhdu/maddld); VMX otherwise
    case 17: return {30, 31, true};  // sc / scv
    case 19: return {21, 30, true};  // XL-form XO
    case 30: return {27, 31, true};  // MD / MDS XO and Rc
    case 31: return {21, 31, true};  // X / XO / XS / A / XFX forms and Rc
    case 57: case 58: case 62: return {30, 31, true};  // DS-form XO
    case 61: return {29, 31, true};  // DQ / DS forms
    default: return {};
  }
}

constexpr std::size_t slot_count() {
  std::size_t n = 0;
  for (unsigned po = 0; po < 64; ++po) n += std::size_t{1} << ext_field(po).width();
  return n;
}
inline constexpr std::size_t kSlotCount = slot_count();

struct DecodeTables {
  std::array<uint16_t, 64> base{};
  // Entry index + 1 of up to two candidates per slot; 0 = empty. Two entries share a slot
  // only when a bit outside the slot index tells them apart (mfcr/mfocrf: bit 11).
  std::array<uint16_t, kSlotCount> first{};
  std::array<uint16_t, kSlotCount> second{};
  bool ok = true;
  int conflict_a = -1;
  int conflict_b = -1;
};

constexpr bool distinguishable(const InsnDesc& a, const InsnDesc& b) {
  const uint32_t common = a.pat.mask & b.pat.mask;
  return (a.pat.match & common) != (b.pat.match & common);
}

// Build the dense tables; `ok` is false (with the two colliding entries) when two
// non-fallback entries claim one encoding or an entry's pattern is malformed.
template <std::size_t N>
constexpr DecodeTables build_decode_tables(const InsnDesc (&table)[N]) {
  DecodeTables t;
  uint16_t next = 0;
  for (unsigned po = 0; po < 64; ++po) {
    t.base[po] = next;
    next = static_cast<uint16_t>(next + (1u << ext_field(po).width()));
  }
  auto fail = [&t](std::size_t a, std::size_t b) {
    if (t.ok) {
      t.ok = false;
      t.conflict_a = static_cast<int>(a);
      t.conflict_b = static_cast<int>(b);
    }
  };
  for (int pass = 0; pass < 2; ++pass) {  // pass 0: named entries; pass 1: fallbacks
    for (std::size_t i = 0; i < N; ++i) {
      const InsnDesc& e = table[i];
      const bool fallback = (e.flags & flag::kFallback) != 0;
      if (fallback != (pass == 1)) continue;
      if ((e.pat.mask & mask_of(0, 5)) != mask_of(0, 5) || (e.pat.match & ~e.pat.mask) != 0) {
        fail(i, i);
        continue;
      }
      const unsigned po = field(e.pat.match, 0, 5);
      const ExtField f = ext_field(po);
      const unsigned w = f.width();
      const uint32_t all = w ? (1u << w) - 1 : 0;
      const uint32_t fixed = w ? field(e.pat.mask, f.first, f.last) : 0;
      const uint32_t value = w ? field(e.pat.match, f.first, f.last) : 0;
      const uint32_t free = all & ~fixed;
      uint32_t sub = 0;
      for (;;) {  // every index value the pattern leaves open
        const std::size_t slot = t.base[po] + (value | sub);
        const auto idx = static_cast<uint16_t>(i + 1);
        if (t.first[slot] == 0) {
          t.first[slot] = idx;
        } else if (!fallback) {
          const InsnDesc& other = table[t.first[slot] - 1];
          if (!distinguishable(other, e)) {
            fail(t.first[slot] - 1, i);
          } else if (t.second[slot] == 0) {
            t.second[slot] = idx;
          } else {
            fail(t.second[slot] - 1, i);
          }
        }
        if (sub == free) break;
        sub = (sub - free) & free;
      }
    }
  }
  return t;
}

}  // namespace nv2::isa
