// Shared pieces of instruction semantics: CR fields, XER bits, rotate masks
// (Power ISA 3.0B Book I §3.2-§3.3).
#pragma once

#include <bit>
#include <cstdint>

#include "isa/exec.hpp"
#include "isa/insn.hpp"
#include "isa/state.hpp"
#include "util/bits.hpp"

namespace nv2::isa {

// XER (Book I §3.2.2), 64-bit register numbering.
namespace xer {
inline constexpr uint64_t kSO = bits::bit(32);
inline constexpr uint64_t kOV = bits::bit(33);
inline constexpr uint64_t kCA = bits::bit(34);
inline constexpr uint64_t kOV32 = bits::bit(44);
inline constexpr uint64_t kCA32 = bits::bit(45);
inline constexpr uint64_t kByteCount = bits::field_mask(57, 63);
static_assert(kSO == 0x80000000 && kOV == 0x40000000 && kCA == 0x20000000 && kOV32 == 0x80000 &&
              kCA32 == 0x40000);
}  // namespace xer

// Rc / OE bits of the word (Book I §1.6: Rc at 31, OE at 21).
inline bool rc_bit(const Decoded& d) { return (d.word & 1u) != 0; }
inline bool oe_bit(const Decoded& d) { return field(d.word, 21, 21) != 0; }

// CR field `bf` (0..7) occupies CR bits 4bf..4bf+3 (MSB-0 of the 32-bit CR).
inline void set_cr_field(VcpuState& s, unsigned bf, uint32_t v4) {
  const unsigned sh = 28 - 4 * bf;
  s.cr = (s.cr & ~(0xFu << sh)) | ((v4 & 0xFu) << sh);
}
inline uint32_t cr_field(const VcpuState& s, unsigned bf) { return (s.cr >> (28 - 4 * bf)) & 0xFu; }
inline bool cr_bit(const VcpuState& s, unsigned bi) { return ((s.cr >> (31 - bi)) & 1u) != 0; }
inline void set_cr_bit(VcpuState& s, unsigned bi, bool v) {
  const uint32_t m = 1u << (31 - bi);
  s.cr = v ? (s.cr | m) : (s.cr & ~m);
}

inline uint32_t so_bit(const VcpuState& s) { return (s.xer & xer::kSO) ? 1u : 0u; }

// Signed compare result LT GT EQ SO (Book I §3.3.9).
inline uint32_t compare_signed(int64_t a, int64_t b, const VcpuState& s) {
  return (a < b ? 8u : a > b ? 4u : 2u) | so_bit(s);
}
inline uint32_t compare_unsigned(uint64_t a, uint64_t b, const VcpuState& s) {
  return (a < b ? 8u : a > b ? 4u : 2u) | so_bit(s);
}
// CR0 <- LT GT EQ SO of the 64-bit result (64-bit mode).
inline void set_cr0(VcpuState& s, uint64_t r) {
  set_cr_field(s, 0, compare_signed(static_cast<int64_t>(r), 0, s));
}

inline void set_ca(VcpuState& s, bool ca, bool ca32) {
  s.xer = (s.xer & ~(xer::kCA | xer::kCA32)) | (ca ? xer::kCA : 0) | (ca32 ? xer::kCA32 : 0);
}
// OE=1: OV and OV32 set, SO sticky (Book I §3.2.2).
inline void set_ov(VcpuState& s, bool ov, bool ov32) {
  s.xer = (s.xer & ~(xer::kOV | xer::kOV32)) | (ov ? xer::kOV | xer::kSO : 0) |
          (ov32 ? xer::kOV32 : 0);
}
inline bool ca_in(const VcpuState& s) { return (s.xer & xer::kCA) != 0; }

// MASK(mb, me) of Book I §3.3.14: ones from bit mb to bit me (MSB-0), wrapping.
constexpr uint64_t rot_mask(unsigned mb, unsigned me) {
  const uint64_t from_mb = ~uint64_t{0} >> mb;
  const uint64_t to_me = ~uint64_t{0} << (63 - me);
  return mb <= me ? (from_mb & to_me) : (from_mb | to_me);
}
static_assert(rot_mask(0, 63) == ~uint64_t{0} && rot_mask(32, 63) == 0xFFFFFFFFull &&
              rot_mask(63, 0) == 0x8000000000000001ull);

// ROTL32: the low word replicated in both halves, rotated (Book I §3.3.14).
inline uint64_t rotl32(uint64_t x, unsigned n) {
  const uint64_t w = x & 0xFFFFFFFFull;
  return std::rotl(w | (w << 32), static_cast<int>(n & 31));
}
inline uint64_t exts32(uint64_t x) { return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(x))); }

}  // namespace nv2::isa
