// Fixed-point instructions: arithmetic, compare, trap, logical, rotate, shift, CR moves
// (Power ISA 3.0B Book I §3.3, §2.5.1). 64-bit mode; results as the ISA's RTL says.
// Where the ISA leaves bits undefined (high word of 32-bit divides/multiply-highs, results
// of a divide overflow) nv2 writes zero (docs/decisions/isa-core.md).
#include <bit>
#include <cstdint>
#include <limits>

#include "isa/exec.hpp"
#include "isa/handlers.hpp"
#include "isa/interrupts.hpp"
#include "isa/sem.hpp"

namespace nv2::isa {

namespace {

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

constexpr uint64_t kLow32 = 0xFFFFFFFFull;

struct Sum {
  uint64_t r;
  bool ca, ca32, ov, ov32;
};
// a + b + c with carries out of bit 0 (CA) and bit 32 (CA32) and signed overflow of the
// 64-bit (OV) and 32-bit (OV32) sums (Book I §3.3.9).
inline Sum add3(uint64_t a, uint64_t b, uint64_t c) {
  const u128 full = u128{a} + b + c;
  const uint64_t r = static_cast<uint64_t>(full);
  const uint64_t ovbits = ~(a ^ b) & (a ^ r);
  return {r, (full >> 64) != 0, (((a & kLow32) + (b & kLow32) + c) >> 32) != 0,
          (ovbits >> 63) != 0, ((ovbits >> 31) & 1) != 0};
}

inline Flow finish_sum(Exec& x, const Decoded& d, const Sum& r, bool set_carry) {
  VcpuState& s = *x.s;
  if (set_carry) set_ca(s, r.ca, r.ca32);
  if (oe_bit(d)) set_ov(s, r.ov, r.ov32);
  s.gpr[d.rt] = r.r;
  if (rc_bit(d)) set_cr0(s, r.r);
  NV2_NEXT(x, d);
}

// Result with OE/Rc handling for multiply/divide.
inline Flow finish_ov(Exec& x, const Decoded& d, uint64_t r, bool ov) {
  VcpuState& s = *x.s;
  if (oe_bit(d)) set_ov(s, ov, ov);
  s.gpr[d.rt] = r;
  if (rc_bit(d)) set_cr0(s, r);
  NV2_NEXT(x, d);
}

inline Flow finish_logical(Exec& x, const Decoded& d, uint64_t r) {
  x.s->gpr[d.ra] = r;
  if (rc_bit(d)) set_cr0(*x.s, r);
  NV2_NEXT(x, d);
}

inline uint64_t ra0(const Exec& x, const Decoded& d) { return d.ra ? x.s->gpr[d.ra] : 0; }
inline uint64_t imm(const Decoded& d) { return static_cast<uint64_t>(d.imm); }

// Trap condition of tw/td (Book I §3.3.12): TO bits 0..4 = <, >, =, <u, >u.
inline bool trap_condition(unsigned to, int64_t a, int64_t b) {
  const auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  return ((to & 0x10) && a < b) || ((to & 0x08) && a > b) || ((to & 0x04) && a == b) ||
         ((to & 0x02) && ua < ub) || ((to & 0x01) && ua > ub);
}
inline int64_t sw(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }
inline Flow trap_if(Exec& x, const Decoded& d, bool cond) {
  if (cond) return x.program(d, srr1::kProgramTrap);
  NV2_NEXT(x, d);
}

inline uint64_t per_byte_popcount(uint64_t v) {
  uint64_t r = 0;
  for (unsigned i = 0; i < 64; i += 8) r |= uint64_t(std::popcount((v >> i) & 0xFF)) << i;
  return r;
}

// Shift right algebraic of `v` (already sign-extended) by n, with CA when a 1 bit of a
// negative value is shifted out (Book I §3.3.15).
inline Flow shift_right_algebraic(Exec& x, const Decoded& d, int64_t v, unsigned n, unsigned width) {
  uint64_t r;
  bool ca;
  if (n >= width) {
    r = v < 0 ? ~uint64_t{0} : 0;
    ca = v < 0;
  } else {
    r = static_cast<uint64_t>(v >> n);
    const uint64_t out = n ? (static_cast<uint64_t>(v) & ((uint64_t{1} << n) - 1)) : 0;
    ca = v < 0 && out != 0;
  }
  set_ca(*x.s, ca, ca);
  return finish_logical(x, d, r);
}

}  // namespace

// ---- D-form arithmetic ------------------------------------------------------------------
// RT <- (RA|0) + EXTS(SI)
Flow op_addi(Exec& x, const Decoded& d) { x.s->gpr[d.rt] = ra0(x, d) + imm(d); NV2_NEXT(x, d); }
// RT <- (RA|0) + EXTS(SI || 0x0000)
Flow op_addis(Exec& x, const Decoded& d) { x.s->gpr[d.rt] = ra0(x, d) + (imm(d) << 16); NV2_NEXT(x, d); }
// RT <- (RA) + EXTS(SI); CA, CA32
Flow op_addic(Exec& x, const Decoded& d) {
  const Sum r = add3(x.s->gpr[d.ra], imm(d), 0);
  set_ca(*x.s, r.ca, r.ca32);
  x.s->gpr[d.rt] = r.r;
  NV2_NEXT(x, d);
}
// RT <- (RA) + EXTS(SI); CA, CA32; CR0
Flow op_addic_rc(Exec& x, const Decoded& d) {
  const Sum r = add3(x.s->gpr[d.ra], imm(d), 0);
  set_ca(*x.s, r.ca, r.ca32);
  x.s->gpr[d.rt] = r.r;
  set_cr0(*x.s, r.r);
  NV2_NEXT(x, d);
}
// RT <- ¬(RA) + EXTS(SI) + 1; CA, CA32
Flow op_subfic(Exec& x, const Decoded& d) {
  const Sum r = add3(~x.s->gpr[d.ra], imm(d), 1);
  set_ca(*x.s, r.ca, r.ca32);
  x.s->gpr[d.rt] = r.r;
  NV2_NEXT(x, d);
}
// RT <- ((RA) × EXTS(SI))[64:127]
Flow op_mulli(Exec& x, const Decoded& d) { x.s->gpr[d.rt] = x.s->gpr[d.ra] * imm(d); NV2_NEXT(x, d); }
// RT <- NIA + EXTS(d0 || d1 || d2 || 0x0000)
Flow op_addpcis(Exec& x, const Decoded& d) { x.s->gpr[d.rt] = x.cia(d) + 4 + imm(d); NV2_NEXT(x, d); }

// ---- XO-form arithmetic -----------------------------------------------------------------
// RT <- (RA) + (RB)
Flow op_add(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(x.s->gpr[d.ra], x.s->gpr[d.rb], 0), false); }
// RT <- (RA) + (RB); CA
Flow op_addc(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(x.s->gpr[d.ra], x.s->gpr[d.rb], 0), true); }
// RT <- (RA) + (RB) + CA
Flow op_adde(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(x.s->gpr[d.ra], x.s->gpr[d.rb], ca_in(*x.s)), true); }
// RT <- (RA) + CA - 1
Flow op_addme(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(x.s->gpr[d.ra], ~uint64_t{0}, ca_in(*x.s)), true); }
// RT <- (RA) + CA
Flow op_addze(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(x.s->gpr[d.ra], 0, ca_in(*x.s)), true); }
// RT <- ¬(RA) + (RB) + 1
Flow op_subf(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(~x.s->gpr[d.ra], x.s->gpr[d.rb], 1), false); }
// RT <- ¬(RA) + (RB) + 1; CA
Flow op_subfc(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(~x.s->gpr[d.ra], x.s->gpr[d.rb], 1), true); }
// RT <- ¬(RA) + (RB) + CA
Flow op_subfe(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(~x.s->gpr[d.ra], x.s->gpr[d.rb], ca_in(*x.s)), true); }
// RT <- ¬(RA) + CA - 1
Flow op_subfme(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(~x.s->gpr[d.ra], ~uint64_t{0}, ca_in(*x.s)), true); }
// RT <- ¬(RA) + CA
Flow op_subfze(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(~x.s->gpr[d.ra], 0, ca_in(*x.s)), true); }
// RT <- ¬(RA) + 1
Flow op_neg(Exec& x, const Decoded& d) { return finish_sum(x, d, add3(~x.s->gpr[d.ra], 0, 1), false); }
// RT <- (RA) + (RB) + OV; OV <- carry out (CY=0), OV32 <- carry out of bit 32 (Book I §3.3.9)
Flow op_addex(Exec& x, const Decoded& d) {
  VcpuState& s = *x.s;
  if (field(d.word, 21, 22) != 0) return x.hea(d);  // CY=1..3 reserved in 3.0B
  const Sum r = add3(s.gpr[d.ra], s.gpr[d.rb], (s.xer & xer::kOV) ? 1 : 0);
  s.xer = (s.xer & ~(xer::kOV | xer::kOV32)) | (r.ca ? xer::kOV : 0) | (r.ca32 ? xer::kOV32 : 0);
  s.gpr[d.rt] = r.r;
  NV2_NEXT(x, d);
}

// RT <- (RA)[32:63] × (RB)[32:63]
Flow op_mullw(Exec& x, const Decoded& d) {
  const int64_t p = sw(x.s->gpr[d.ra]) * sw(x.s->gpr[d.rb]);
  return finish_ov(x, d, static_cast<uint64_t>(p), p != static_cast<int32_t>(p));
}
// RT[32:63] <- ((RA)[32:63] × (RB)[32:63])[0:31]
Flow op_mulhw(Exec& x, const Decoded& d) {
  const int64_t p = sw(x.s->gpr[d.ra]) * sw(x.s->gpr[d.rb]);
  return finish_ov(x, d, (static_cast<uint64_t>(p) >> 32) & kLow32, false);
}
// RT[32:63] <- ((RA)[32:63] ×u (RB)[32:63])[0:31]
Flow op_mulhwu(Exec& x, const Decoded& d) {
  const uint64_t p = (x.s->gpr[d.ra] & kLow32) * (x.s->gpr[d.rb] & kLow32);
  return finish_ov(x, d, p >> 32, false);
}
// RT <- ((RA) × (RB))[64:127]
Flow op_mulld(Exec& x, const Decoded& d) {
  const i128 p = i128{static_cast<int64_t>(x.s->gpr[d.ra])} * static_cast<int64_t>(x.s->gpr[d.rb]);
  const auto lo = static_cast<int64_t>(static_cast<uint64_t>(p));
  return finish_ov(x, d, static_cast<uint64_t>(lo), p != i128{lo});
}
// RT <- ((RA) × (RB))[0:63]
Flow op_mulhd(Exec& x, const Decoded& d) {
  const i128 p = i128{static_cast<int64_t>(x.s->gpr[d.ra])} * static_cast<int64_t>(x.s->gpr[d.rb]);
  return finish_ov(x, d, static_cast<uint64_t>(static_cast<u128>(p) >> 64), false);
}
// RT <- ((RA) ×u (RB))[0:63]
Flow op_mulhdu(Exec& x, const Decoded& d) {
  const u128 p = u128{x.s->gpr[d.ra]} * x.s->gpr[d.rb];
  return finish_ov(x, d, static_cast<uint64_t>(p >> 64), false);
}

// RT[32:63] <- (RA)[32:63] ÷ (RB)[32:63]
Flow op_divw(Exec& x, const Decoded& d) {
  const int64_t a = sw(x.s->gpr[d.ra]), b = sw(x.s->gpr[d.rb]);
  if (b == 0 || (a == std::numeric_limits<int32_t>::min() && b == -1)) return finish_ov(x, d, 0, true);
  return finish_ov(x, d, static_cast<uint64_t>(a / b) & kLow32, false);
}
// RT[32:63] <- (RA)[32:63] ÷u (RB)[32:63]
Flow op_divwu(Exec& x, const Decoded& d) {
  const uint64_t a = x.s->gpr[d.ra] & kLow32, b = x.s->gpr[d.rb] & kLow32;
  if (b == 0) return finish_ov(x, d, 0, true);
  return finish_ov(x, d, a / b, false);
}
// RT[32:63] <- ((RA)[32:63] || 0x0000_0000) ÷ (RB)[32:63]
Flow op_divwe(Exec& x, const Decoded& d) {
  const int64_t a = static_cast<int64_t>(static_cast<uint64_t>(sw(x.s->gpr[d.ra])) << 32);
  const int64_t b = sw(x.s->gpr[d.rb]);
  if (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1)) return finish_ov(x, d, 0, true);
  const int64_t q = a / b;
  if (q != static_cast<int32_t>(q)) return finish_ov(x, d, 0, true);
  return finish_ov(x, d, static_cast<uint64_t>(q) & kLow32, false);
}
// RT[32:63] <- ((RA)[32:63] || 0x0000_0000) ÷u (RB)[32:63]
Flow op_divweu(Exec& x, const Decoded& d) {
  const uint64_t a = (x.s->gpr[d.ra] & kLow32) << 32, b = x.s->gpr[d.rb] & kLow32;
  if (b == 0) return finish_ov(x, d, 0, true);
  const uint64_t q = a / b;
  if (q > kLow32) return finish_ov(x, d, 0, true);
  return finish_ov(x, d, q, false);
}
// RT <- (RA) ÷ (RB)
Flow op_divd(Exec& x, const Decoded& d) {
  const auto a = static_cast<int64_t>(x.s->gpr[d.ra]), b = static_cast<int64_t>(x.s->gpr[d.rb]);
  if (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1)) return finish_ov(x, d, 0, true);
  return finish_ov(x, d, static_cast<uint64_t>(a / b), false);
}
// RT <- (RA) ÷u (RB)
Flow op_divdu(Exec& x, const Decoded& d) {
  const uint64_t a = x.s->gpr[d.ra], b = x.s->gpr[d.rb];
  if (b == 0) return finish_ov(x, d, 0, true);
  return finish_ov(x, d, a / b, false);
}
// RT <- ((RA) || 0^64) ÷ (RB)
Flow op_divde(Exec& x, const Decoded& d) {
  const i128 a = static_cast<i128>(static_cast<u128>(x.s->gpr[d.ra]) << 64);
  const i128 b = static_cast<int64_t>(x.s->gpr[d.rb]);
  if (b == 0) return finish_ov(x, d, 0, true);
  if (b == -1 && x.s->gpr[d.ra] == 0) return finish_ov(x, d, 0, false);
  if (b == -1) return finish_ov(x, d, 0, true);
  const i128 q = a / b;
  if (q != i128{static_cast<int64_t>(q)}) return finish_ov(x, d, 0, true);
  return finish_ov(x, d, static_cast<uint64_t>(q), false);
}
// RT <- ((RA) || 0^64) ÷u (RB)
Flow op_divdeu(Exec& x, const Decoded& d) {
  const uint64_t a = x.s->gpr[d.ra], b = x.s->gpr[d.rb];
  if (b == 0 || a >= b) return finish_ov(x, d, 0, true);
  return finish_ov(x, d, static_cast<uint64_t>((u128{a} << 64) / b), false);
}
// RT <- EXTS((RA)[32:63] % (RB)[32:63])
Flow op_modsw(Exec& x, const Decoded& d) {
  const int64_t a = sw(x.s->gpr[d.ra]), b = sw(x.s->gpr[d.rb]);
  x.s->gpr[d.rt] = (b == 0 || (a == std::numeric_limits<int32_t>::min() && b == -1))
                       ? 0 : static_cast<uint64_t>(a % b);
  NV2_NEXT(x, d);
}
// RT <- EXTZ((RA)[32:63] %u (RB)[32:63])
Flow op_moduw(Exec& x, const Decoded& d) {
  const uint64_t a = x.s->gpr[d.ra] & kLow32, b = x.s->gpr[d.rb] & kLow32;
  x.s->gpr[d.rt] = b == 0 ? 0 : a % b;
  NV2_NEXT(x, d);
}
// RT <- (RA) % (RB)
Flow op_modsd(Exec& x, const Decoded& d) {
  const auto a = static_cast<int64_t>(x.s->gpr[d.ra]), b = static_cast<int64_t>(x.s->gpr[d.rb]);
  x.s->gpr[d.rt] = (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1))
                       ? 0 : static_cast<uint64_t>(a % b);
  NV2_NEXT(x, d);
}
// RT <- (RA) %u (RB)
Flow op_modud(Exec& x, const Decoded& d) {
  const uint64_t a = x.s->gpr[d.ra], b = x.s->gpr[d.rb];
  x.s->gpr[d.rt] = b == 0 ? 0 : a % b;
  NV2_NEXT(x, d);
}
// RT <- ((RA) × (RB) + EXTS(RC))[0:63]
Flow op_maddhd(Exec& x, const Decoded& d) {
  const VcpuState& s = *x.s;
  const i128 p = i128{static_cast<int64_t>(s.gpr[d.ra])} * static_cast<int64_t>(s.gpr[d.rb]) +
                 static_cast<int64_t>(s.gpr[d.rc]);
  x.s->gpr[d.rt] = static_cast<uint64_t>(static_cast<u128>(p) >> 64);
  NV2_NEXT(x, d);
}
// RT <- ((RA) ×u (RB) + EXTZ(RC))[0:63]
Flow op_maddhdu(Exec& x, const Decoded& d) {
  const VcpuState& s = *x.s;
  const u128 p = u128{s.gpr[d.ra]} * s.gpr[d.rb] + s.gpr[d.rc];
  x.s->gpr[d.rt] = static_cast<uint64_t>(p >> 64);
  NV2_NEXT(x, d);
}
// RT <- ((RA) × (RB) + EXTS(RC))[64:127]
Flow op_maddld(Exec& x, const Decoded& d) {
  const VcpuState& s = *x.s;
  x.s->gpr[d.rt] = s.gpr[d.ra] * s.gpr[d.rb] + s.gpr[d.rc];
  NV2_NEXT(x, d);
}

// ---- compare, trap ----------------------------------------------------------------------
// CR[BF] <- (L ? (RA) : EXTS((RA)[32:63])) <=> (L ? (RB) : EXTS((RB)[32:63])) signed
Flow op_cmp(Exec& x, const Decoded& d) {
  const VcpuState& s = *x.s;
  const bool l = field(d.word, 10, 10) != 0;
  const int64_t a = l ? static_cast<int64_t>(s.gpr[d.ra]) : sw(s.gpr[d.ra]);
  const int64_t b = l ? static_cast<int64_t>(s.gpr[d.rb]) : sw(s.gpr[d.rb]);
  set_cr_field(*x.s, field(d.word, 6, 8), compare_signed(a, b, s));
  NV2_NEXT(x, d);
}
// CR[BF] <- unsigned compare of (RA), (RB) (low words when L=0)
Flow op_cmpl(Exec& x, const Decoded& d) {
  const VcpuState& s = *x.s;
  const bool l = field(d.word, 10, 10) != 0;
  const uint64_t a = l ? s.gpr[d.ra] : s.gpr[d.ra] & kLow32;
  const uint64_t b = l ? s.gpr[d.rb] : s.gpr[d.rb] & kLow32;
  set_cr_field(*x.s, field(d.word, 6, 8), compare_unsigned(a, b, s));
  NV2_NEXT(x, d);
}
// CR[BF] <- (L ? (RA) : EXTS((RA)[32:63])) <=> EXTS(SI)
Flow op_cmpi(Exec& x, const Decoded& d) {
  const VcpuState& s = *x.s;
  const bool l = field(d.word, 10, 10) != 0;
  const int64_t a = l ? static_cast<int64_t>(s.gpr[d.ra]) : sw(s.gpr[d.ra]);
  set_cr_field(*x.s, field(d.word, 6, 8), compare_signed(a, d.imm, s));
  NV2_NEXT(x, d);
}
// CR[BF] <- (L ? (RA) : EXTZ((RA)[32:63])) <=u EXTZ(UI)
Flow op_cmpli(Exec& x, const Decoded& d) {
  const VcpuState& s = *x.s;
  const bool l = field(d.word, 10, 10) != 0;
  const uint64_t a = l ? s.gpr[d.ra] : s.gpr[d.ra] & kLow32;
  set_cr_field(*x.s, field(d.word, 6, 8), compare_unsigned(a, imm(d), s));
  NV2_NEXT(x, d);
}
// CR[BF] <- 0 || in_range || 0 || 0; in_range: (RA)[56:63] within the byte range(s) of RB
Flow op_cmprb(Exec& x, const Decoded& d) {
  const VcpuState& s = *x.s;
  const uint64_t src = s.gpr[d.ra] & 0xFF, rb = s.gpr[d.rb];
  const uint64_t hi2 = (rb >> 8) & 0xFF, lo2 = rb & 0xFF, hi1 = (rb >> 24) & 0xFF, lo1 = (rb >> 16) & 0xFF;
  bool in = lo2 <= src && src <= hi2;
  if (field(d.word, 10, 10)) in = in || (lo1 <= src && src <= hi1);
  set_cr_field(*x.s, field(d.word, 6, 8), in ? 4u : 0u);
  NV2_NEXT(x, d);
}
// CR[BF] <- 0 || match || 0 || 0; match: (RA)[56:63] equals any byte of (RB)
Flow op_cmpeqb(Exec& x, const Decoded& d) {
  const VcpuState& s = *x.s;
  const uint64_t src = s.gpr[d.ra] & 0xFF, rb = s.gpr[d.rb];
  bool match = false;
  for (unsigned i = 0; i < 64; i += 8) match = match || ((rb >> i) & 0xFF) == src;
  set_cr_field(*x.s, field(d.word, 6, 8), match ? 4u : 0u);
  NV2_NEXT(x, d);
}
// RT <- CR[4×BFA+32] ? -1 : CR[4×BFA+33] ? 1 : 0
Flow op_setb(Exec& x, const Decoded& d) {
  const uint32_t f = cr_field(*x.s, field(d.word, 11, 13));
  x.s->gpr[d.rt] = (f & 8) ? ~uint64_t{0} : (f & 4) ? 1 : 0;
  NV2_NEXT(x, d);
}
// TRAP if EXTS((RA)[32:63]) TO EXTS((RB)[32:63])
Flow op_tw(Exec& x, const Decoded& d) {
  return trap_if(x, d, trap_condition(d.rt, sw(x.s->gpr[d.ra]), sw(x.s->gpr[d.rb])));
}
// TRAP if (RA) TO (RB)
Flow op_td(Exec& x, const Decoded& d) {
  return trap_if(x, d, trap_condition(d.rt, static_cast<int64_t>(x.s->gpr[d.ra]), static_cast<int64_t>(x.s->gpr[d.rb])));
}
// TRAP if EXTS((RA)[32:63]) TO EXTS(SI)
Flow op_twi(Exec& x, const Decoded& d) { return trap_if(x, d, trap_condition(d.rt, sw(x.s->gpr[d.ra]), sw(imm(d)))); }
// TRAP if (RA) TO EXTS(SI)
Flow op_tdi(Exec& x, const Decoded& d) {
  return trap_if(x, d, trap_condition(d.rt, static_cast<int64_t>(x.s->gpr[d.ra]), d.imm));
}

// ---- logical ---------------------------------------------------------------------------
// RA <- (RS) & (48 0 || UI); CR0
Flow op_andi_rc(Exec& x, const Decoded& d) {
  const uint64_t r = x.s->gpr[d.rt] & imm(d);
  x.s->gpr[d.ra] = r;
  set_cr0(*x.s, r);
  NV2_NEXT(x, d);
}
// RA <- (RS) & (32 0 || UI || 16 0); CR0
Flow op_andis_rc(Exec& x, const Decoded& d) {
  const uint64_t r = x.s->gpr[d.rt] & (imm(d) << 16);
  x.s->gpr[d.ra] = r;
  set_cr0(*x.s, r);
  NV2_NEXT(x, d);
}
// RA <- (RS) | (48 0 || UI)
Flow op_ori(Exec& x, const Decoded& d) { x.s->gpr[d.ra] = x.s->gpr[d.rt] | imm(d); NV2_NEXT(x, d); }
// RA <- (RS) | (32 0 || UI || 16 0)
Flow op_oris(Exec& x, const Decoded& d) { x.s->gpr[d.ra] = x.s->gpr[d.rt] | (imm(d) << 16); NV2_NEXT(x, d); }
// RA <- (RS) XOR (48 0 || UI)
Flow op_xori(Exec& x, const Decoded& d) { x.s->gpr[d.ra] = x.s->gpr[d.rt] ^ imm(d); NV2_NEXT(x, d); }
// RA <- (RS) XOR (32 0 || UI || 16 0)
Flow op_xoris(Exec& x, const Decoded& d) { x.s->gpr[d.ra] = x.s->gpr[d.rt] ^ (imm(d) << 16); NV2_NEXT(x, d); }

// RA <- (RS) & (RB)
Flow op_and_(Exec& x, const Decoded& d) { return finish_logical(x, d, x.s->gpr[d.rt] & x.s->gpr[d.rb]); }
// RA <- (RS) & ¬(RB)
Flow op_andc(Exec& x, const Decoded& d) { return finish_logical(x, d, x.s->gpr[d.rt] & ~x.s->gpr[d.rb]); }
// RA <- (RS) | (RB)
Flow op_or_(Exec& x, const Decoded& d) { return finish_logical(x, d, x.s->gpr[d.rt] | x.s->gpr[d.rb]); }
// RA <- (RS) | ¬(RB)
Flow op_orc(Exec& x, const Decoded& d) { return finish_logical(x, d, x.s->gpr[d.rt] | ~x.s->gpr[d.rb]); }
// RA <- (RS) XOR (RB)
Flow op_xor_(Exec& x, const Decoded& d) { return finish_logical(x, d, x.s->gpr[d.rt] ^ x.s->gpr[d.rb]); }
// RA <- ¬((RS) & (RB))
Flow op_nand(Exec& x, const Decoded& d) { return finish_logical(x, d, ~(x.s->gpr[d.rt] & x.s->gpr[d.rb])); }
// RA <- ¬((RS) | (RB))
Flow op_nor(Exec& x, const Decoded& d) { return finish_logical(x, d, ~(x.s->gpr[d.rt] | x.s->gpr[d.rb])); }
// RA <- (RS) ≡ (RB)
Flow op_eqv(Exec& x, const Decoded& d) { return finish_logical(x, d, ~(x.s->gpr[d.rt] ^ x.s->gpr[d.rb])); }
// RA <- EXTS((RS)[56:63])
Flow op_extsb(Exec& x, const Decoded& d) {
  return finish_logical(x, d, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(x.s->gpr[d.rt]))));
}
// RA <- EXTS((RS)[48:63])
Flow op_extsh(Exec& x, const Decoded& d) {
  return finish_logical(x, d, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(x.s->gpr[d.rt]))));
}
// RA <- EXTS((RS)[32:63])
Flow op_extsw(Exec& x, const Decoded& d) { return finish_logical(x, d, exts32(x.s->gpr[d.rt])); }
// RA <- number of leading zeros of (RS)[32:63]
Flow op_cntlzw(Exec& x, const Decoded& d) {
  return finish_logical(x, d, static_cast<uint64_t>(std::countl_zero(static_cast<uint32_t>(x.s->gpr[d.rt]))));
}
// RA <- number of leading zeros of (RS)
Flow op_cntlzd(Exec& x, const Decoded& d) {
  return finish_logical(x, d, static_cast<uint64_t>(std::countl_zero(x.s->gpr[d.rt])));
}
// RA <- number of trailing zeros of (RS)[32:63]
Flow op_cnttzw(Exec& x, const Decoded& d) {
  return finish_logical(x, d, static_cast<uint64_t>(std::countr_zero(static_cast<uint32_t>(x.s->gpr[d.rt]))));
}
// RA <- number of trailing zeros of (RS)
Flow op_cnttzd(Exec& x, const Decoded& d) {
  return finish_logical(x, d, static_cast<uint64_t>(std::countr_zero(x.s->gpr[d.rt])));
}
// RA[8i:8i+7] <- number of ones in (RS)[8i:8i+7]
Flow op_popcntb(Exec& x, const Decoded& d) { x.s->gpr[d.ra] = per_byte_popcount(x.s->gpr[d.rt]); NV2_NEXT(x, d); }
// RA[32i:32i+31] <- number of ones in (RS)[32i:32i+31]
Flow op_popcntw(Exec& x, const Decoded& d) {
  const uint64_t v = x.s->gpr[d.rt];
  x.s->gpr[d.ra] = (uint64_t(std::popcount(v >> 32)) << 32) | uint64_t(std::popcount(v & kLow32));
  NV2_NEXT(x, d);
}
// RA <- number of ones in (RS)
Flow op_popcntd(Exec& x, const Decoded& d) { x.s->gpr[d.ra] = uint64_t(std::popcount(x.s->gpr[d.rt])); NV2_NEXT(x, d); }
// RA[63] <- XOR of (RS)[39,47,55,63]; RA[31] <- XOR of (RS)[7,15,23,31]
Flow op_prtyw(Exec& x, const Decoded& d) {
  const uint64_t v = x.s->gpr[d.rt] & 0x0101010101010101ull;
  const uint64_t lo = std::popcount(v & kLow32) & 1, hi = std::popcount(v >> 32) & 1;
  x.s->gpr[d.ra] = (hi << 32) | lo;
  NV2_NEXT(x, d);
}
// RA <- XOR of (RS)[7,15,...,63]
Flow op_prtyd(Exec& x, const Decoded& d) {
  x.s->gpr[d.ra] = std::popcount(x.s->gpr[d.rt] & 0x0101010101010101ull) & 1;
  NV2_NEXT(x, d);
}
// RA[8i:8i+7] <- (RS)[8i:8i+7] = (RB)[8i:8i+7] ? 0xFF : 0x00
Flow op_cmpb(Exec& x, const Decoded& d) {
  const uint64_t a = x.s->gpr[d.rt], b = x.s->gpr[d.rb];
  uint64_t r = 0;
  for (unsigned i = 0; i < 64; i += 8)
    if (((a >> i) & 0xFF) == ((b >> i) & 0xFF)) r |= uint64_t{0xFF} << i;
  x.s->gpr[d.ra] = r;
  NV2_NEXT(x, d);
}
// perm[i] <- index = (RS)[8i:8i+7] < 64 ? (RB)[index] : 0; RA <- 56 0 || perm[0:7]
Flow op_bpermd(Exec& x, const Decoded& d) {
  const uint64_t rs = x.s->gpr[d.rt], rb = x.s->gpr[d.rb];
  uint64_t r = 0;
  for (unsigned i = 0; i < 8; ++i) {
    const unsigned index = static_cast<unsigned>((rs >> (56 - 8 * i)) & 0xFF);
    const uint64_t bit = index < 64 ? (rb >> (63 - index)) & 1 : 0;
    r |= bit << (7 - i);
  }
  x.s->gpr[d.ra] = r;
  NV2_NEXT(x, d);
}

// ---- rotate and shift ---------------------------------------------------------------------
// RA <- ROTL32((RS)[32:63], SH) & MASK(MB+32, ME+32)
Flow op_rlwinm(Exec& x, const Decoded& d) { return finish_logical(x, d, rotl32(x.s->gpr[d.rt], d.rb) & imm(d)); }
// RA <- ROTL32((RS)[32:63], (RB)[59:63]) & MASK(MB+32, ME+32)
Flow op_rlwnm(Exec& x, const Decoded& d) {
  return finish_logical(x, d, rotl32(x.s->gpr[d.rt], static_cast<unsigned>(x.s->gpr[d.rb] & 31)) & imm(d));
}
// RA <- ROTL32((RS)[32:63], SH) & m | (RA) & ¬m
Flow op_rlwimi(Exec& x, const Decoded& d) {
  const uint64_t m = imm(d);
  return finish_logical(x, d, (rotl32(x.s->gpr[d.rt], d.rb) & m) | (x.s->gpr[d.ra] & ~m));
}
// RA <- ROTL64((RS), sh) & MASK(mb, 63)
Flow op_rldicl(Exec& x, const Decoded& d) { return finish_logical(x, d, std::rotl(x.s->gpr[d.rt], d.rb) & imm(d)); }
// RA <- ROTL64((RS), sh) & MASK(0, me)
Flow op_rldicr(Exec& x, const Decoded& d) { return finish_logical(x, d, std::rotl(x.s->gpr[d.rt], d.rb) & imm(d)); }
// RA <- ROTL64((RS), sh) & MASK(mb, ¬sh)
Flow op_rldic(Exec& x, const Decoded& d) { return finish_logical(x, d, std::rotl(x.s->gpr[d.rt], d.rb) & imm(d)); }
// RA <- ROTL64((RS), sh) & m | (RA) & ¬m, m = MASK(mb, ¬sh)
Flow op_rldimi(Exec& x, const Decoded& d) {
  const uint64_t m = imm(d);
  return finish_logical(x, d, (std::rotl(x.s->gpr[d.rt], d.rb) & m) | (x.s->gpr[d.ra] & ~m));
}
// RA <- ROTL64((RS), (RB)[58:63]) & MASK(mb, 63)
Flow op_rldcl(Exec& x, const Decoded& d) {
  return finish_logical(x, d, std::rotl(x.s->gpr[d.rt], static_cast<int>(x.s->gpr[d.rb] & 63)) & imm(d));
}
// RA <- ROTL64((RS), (RB)[58:63]) & MASK(0, me)
Flow op_rldcr(Exec& x, const Decoded& d) {
  return finish_logical(x, d, std::rotl(x.s->gpr[d.rt], static_cast<int>(x.s->gpr[d.rb] & 63)) & imm(d));
}
// RA <- n = (RB)[58:63]; n < 32 ? EXTZ((RS)[32:63] << n) : 0
Flow op_slw(Exec& x, const Decoded& d) {
  const uint64_t n = x.s->gpr[d.rb] & 63;
  return finish_logical(x, d, n < 32 ? (x.s->gpr[d.rt] << n) & kLow32 : 0);
}
// RA <- n = (RB)[58:63]; n < 32 ? EXTZ((RS)[32:63] >> n) : 0
Flow op_srw(Exec& x, const Decoded& d) {
  const uint64_t n = x.s->gpr[d.rb] & 63;
  return finish_logical(x, d, n < 32 ? (x.s->gpr[d.rt] & kLow32) >> n : 0);
}
// RA <- EXTS((RS)[32:63]) >>a (RB)[58:63]; CA, CA32
Flow op_sraw(Exec& x, const Decoded& d) {
  return shift_right_algebraic(x, d, sw(x.s->gpr[d.rt]), static_cast<unsigned>(x.s->gpr[d.rb] & 63), 32);
}
// RA <- EXTS((RS)[32:63]) >>a SH; CA, CA32
Flow op_srawi(Exec& x, const Decoded& d) { return shift_right_algebraic(x, d, sw(x.s->gpr[d.rt]), d.rb, 32); }
// RA <- n = (RB)[57:63]; n < 64 ? (RS) << n : 0
Flow op_sld(Exec& x, const Decoded& d) {
  const uint64_t n = x.s->gpr[d.rb] & 127;
  return finish_logical(x, d, n < 64 ? x.s->gpr[d.rt] << n : 0);
}
// RA <- n = (RB)[57:63]; n < 64 ? (RS) >> n : 0
Flow op_srd(Exec& x, const Decoded& d) {
  const uint64_t n = x.s->gpr[d.rb] & 127;
  return finish_logical(x, d, n < 64 ? x.s->gpr[d.rt] >> n : 0);
}
// RA <- (RS) >>a (RB)[57:63]; CA, CA32
Flow op_srad(Exec& x, const Decoded& d) {
  return shift_right_algebraic(x, d, static_cast<int64_t>(x.s->gpr[d.rt]), static_cast<unsigned>(x.s->gpr[d.rb] & 127), 64);
}
// RA <- (RS) >>a sh; CA, CA32
Flow op_sradi(Exec& x, const Decoded& d) { return shift_right_algebraic(x, d, static_cast<int64_t>(x.s->gpr[d.rt]), d.rb, 64); }
// RA <- EXTS((RS)[32:63]) << sh
Flow op_extswsli(Exec& x, const Decoded& d) { return finish_logical(x, d, exts32(x.s->gpr[d.rt]) << d.rb); }

// ---- moves, isel, darn, CR --------------------------------------------------------------
// RT <- CR[BC+32] ? (RA|0) : (RB)
Flow op_isel(Exec& x, const Decoded& d) {
  x.s->gpr[d.rt] = cr_bit(*x.s, d.rc) ? ra0(x, d) : x.s->gpr[d.rb];
  NV2_NEXT(x, d);
}
// RT <- random number (L=0: 32-bit conditioned, 1: 64-bit conditioned, 2: 64-bit raw)
Flow op_darn(Exec& x, const Decoded& d) {
  const unsigned l = field(d.word, 14, 15);
  if (l == 3) {
    x.s->gpr[d.rt] = ~uint64_t{0};  // reserved L: the error value
    NV2_NEXT(x, d);
  }
  // xorshift64*: deterministic per vCPU so runs reproduce (docs/decisions/isa-core.md).
  uint64_t v;
  do {
    x.rng ^= x.rng >> 12;
    x.rng ^= x.rng << 25;
    x.rng ^= x.rng >> 27;
    v = x.rng * 0x2545F4914F6CDD1Dull;
    if (l == 0) v &= kLow32;
  } while (v == ~uint64_t{0});
  x.s->gpr[d.rt] = v;
  NV2_NEXT(x, d);
}
// CR[BF] <- OV || OV32 || CA || CA32
Flow op_mcrxrx(Exec& x, const Decoded& d) {
  const uint64_t v = x.s->xer;
  const uint32_t f = ((v & xer::kOV) ? 8u : 0u) | ((v & xer::kOV32) ? 4u : 0u) |
                     ((v & xer::kCA) ? 2u : 0u) | ((v & xer::kCA32) ? 1u : 0u);
  set_cr_field(*x.s, field(d.word, 6, 8), f);
  NV2_NEXT(x, d);
}
// RT <- 32 0 || CR
Flow op_mfcr(Exec& x, const Decoded& d) { x.s->gpr[d.rt] = x.s->cr; NV2_NEXT(x, d); }
// RT <- 32 0 || CR & the field FXM selects (other bits 0)
Flow op_mfocrf(Exec& x, const Decoded& d) { x.s->gpr[d.rt] = x.s->cr & static_cast<uint32_t>(d.imm); NV2_NEXT(x, d); }
// CR <- (RS)[32:63] & mask | CR & ¬mask, mask from FXM
Flow op_mtcrf(Exec& x, const Decoded& d) {
  const auto m = static_cast<uint32_t>(d.imm);
  x.s->cr = (static_cast<uint32_t>(x.s->gpr[d.rt]) & m) | (x.s->cr & ~m);
  NV2_NEXT(x, d);
}
// CR field FXM selects <- (RS) (one field; several: as mtcrf)
Flow op_mtocrf(Exec& x, const Decoded& d) { return op_mtcrf(x, d); }
// CR[BF] <- CR[BFA]
Flow op_mcrf(Exec& x, const Decoded& d) {
  set_cr_field(*x.s, field(d.word, 6, 8), cr_field(*x.s, field(d.word, 11, 13)));
  NV2_NEXT(x, d);
}

namespace {
template <typename F>
inline Flow cr_logical(Exec& x, const Decoded& d, F f) {
  set_cr_bit(*x.s, d.rt, f(cr_bit(*x.s, d.ra), cr_bit(*x.s, d.rb)));
  NV2_NEXT(x, d);
}
}  // namespace
// CR[BT] <- CR[BA] & CR[BB]
Flow op_crand(Exec& x, const Decoded& d) { return cr_logical(x, d, [](bool a, bool b) { return a && b; }); }
// CR[BT] <- CR[BA] | CR[BB]
Flow op_cror(Exec& x, const Decoded& d) { return cr_logical(x, d, [](bool a, bool b) { return a || b; }); }
// CR[BT] <- CR[BA] XOR CR[BB]
Flow op_crxor(Exec& x, const Decoded& d) { return cr_logical(x, d, [](bool a, bool b) { return a != b; }); }
// CR[BT] <- ¬(CR[BA] & CR[BB])
Flow op_crnand(Exec& x, const Decoded& d) { return cr_logical(x, d, [](bool a, bool b) { return !(a && b); }); }
// CR[BT] <- ¬(CR[BA] | CR[BB])
Flow op_crnor(Exec& x, const Decoded& d) { return cr_logical(x, d, [](bool a, bool b) { return !(a || b); }); }
// CR[BT] <- CR[BA] ≡ CR[BB]
Flow op_creqv(Exec& x, const Decoded& d) { return cr_logical(x, d, [](bool a, bool b) { return a == b; }); }
// CR[BT] <- CR[BA] & ¬CR[BB]
Flow op_crandc(Exec& x, const Decoded& d) { return cr_logical(x, d, [](bool a, bool b) { return a && !b; }); }
// CR[BT] <- CR[BA] | ¬CR[BB]
Flow op_crorc(Exec& x, const Decoded& d) { return cr_logical(x, d, [](bool a, bool b) { return a || !b; }); }

}  // namespace nv2::isa
