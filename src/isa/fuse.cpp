// Compare-and-branch fusion (fuse.hpp).
#include "isa/fuse.hpp"

#include <cstdint>

#include "isa/exec.hpp"
#include "isa/handlers.hpp"
#include "isa/sem.hpp"

namespace nv2::isa {

namespace {

enum class Cmp : uint8_t { Signed, Unsigned, SignedImm, UnsignedImm };

inline int64_t sw(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

// CR[BF] <- compare (as op_cmp / op_cmpl / op_cmpi / op_cmpli); then the bc that follows:
// if CR[BI] = BO_1 then NIA <- target (BO_2 = 1: CTR untouched); if LK then LR <- CIA + 4.
// ToLr: the branch is bclr (conditional return, target LR[0:61] || 0b00 read before LK
// updates LR) instead of bc.
// Side: the branch is a side exit in the middle of a block (fuse.hpp): not taken, the block
// goes on with the instruction after it.
template <Cmp K, bool L, bool ToLr, bool Side>
Flow op_cmp_bc(Exec& x, const Decoded& d) {
  VcpuState& s = *x.s;
  const uint64_t ra = s.gpr[d.ra];
  uint32_t c;
  if constexpr (K == Cmp::Signed || K == Cmp::SignedImm) {
    const int64_t a = L ? static_cast<int64_t>(ra) : sw(ra);
    int64_t b;
    if constexpr (K == Cmp::Signed) {
      b = L ? static_cast<int64_t>(s.gpr[d.rb]) : sw(s.gpr[d.rb]);
    } else {
      b = d.imm;
    }
    c = compare_signed(a, b, s);
  } else {
    const uint64_t a = L ? ra : ra & 0xFFFFFFFFull;
    uint64_t b;
    if constexpr (K == Cmp::Unsigned) {
      b = L ? s.gpr[d.rb] : s.gpr[d.rb] & 0xFFFFFFFFull;
    } else {
      b = static_cast<uint64_t>(d.imm);
    }
    c = compare_unsigned(a, b, s);
  }
  set_cr_field(s, field(d.word, 6, 8), c);
  const Decoded& br = (&d)[1];
  const bool bit = ((c >> (3 - (br.ra & 3u))) & 1u) != 0;
  const bool take = bit == ((br.rt & 0x08) != 0);
  const uint64_t cia = x.cia(br);
  const uint64_t lr_target = s.lr & ~uint64_t{3};
  if (br.word & 1u) s.lr = cia + 4;
  if constexpr (Side) {
    if (!take) NV2_NEXT(x, br);
  }
  x.last = &br;
  if (!take) {
    s.nia = cia + 4;
    return Flow::Branch;
  }
  s.cfar = cia;
  if constexpr (ToLr) {
    s.nia = lr_target;
  } else {
    s.nia = (br.word & 2u) ? static_cast<uint64_t>(br.imm) : cia + static_cast<uint64_t>(br.imm);
  }
  return Flow::Branch;
}

template <Cmp K>
Handler pick(bool l, bool to_lr, bool side) {
  if (to_lr && side) return l ? &op_cmp_bc<K, true, true, true> : &op_cmp_bc<K, false, true, true>;
  if (to_lr) return l ? &op_cmp_bc<K, true, true, false> : &op_cmp_bc<K, false, true, false>;
  if (side) return l ? &op_cmp_bc<K, true, false, true> : &op_cmp_bc<K, false, false, true>;
  return l ? &op_cmp_bc<K, true, false, false> : &op_cmp_bc<K, false, false, false>;
}

}  // namespace

namespace {

bool is_compare(const Decoded& d) {
  return d.fn == &op_cmp || d.fn == &op_cmpl || d.fn == &op_cmpi || d.fn == &op_cmpli;
}

constexpr int kNoGpr = 32;  // movable, writes no GPR

// GPR an instruction between a compare and its branch writes, when it may be moved across:
// it cannot fault or exit, and reads and writes neither CR nor XER (Rc = 0, OE = 0; the
// compare reads XER[SO]). -1 for every other instruction. A compare moved past such an
// instruction to just before the branch has the same architected effect: nothing between
// observes CR, the compare's operands are unchanged (checked by the caller), and no
// interrupt can be taken between them (interrupts are taken at block boundaries only).
int movable_dest(const Decoded& d, unsigned bf) {
  const bool rc = (d.word & 1u) != 0;
  const bool oe = field(d.word, 21, 21) != 0;
  // D-form: no Rc/OE bit (bit 31 belongs to the immediate).
  if (d.fn == &op_addi || d.fn == &op_addis) return d.rt;
  if (d.fn == &op_ori || d.fn == &op_xori || d.fn == &op_oris || d.fn == &op_xoris) return d.ra;
  // XO-form: RT.
  if (d.fn == &op_add || d.fn == &op_subf || d.fn == &op_neg) return rc || oe ? -1 : d.rt;
  // X/M/MD-form logical and rotate: RA.
  if (d.fn == &op_and_ || d.fn == &op_or_ || d.fn == &op_xor_ || d.fn == &op_andc ||
      d.fn == &op_rlwinm || d.fn == &op_rldicl || d.fn == &op_rldicr || d.fn == &op_rldic ||
      d.fn == &op_extsw)
    return rc ? -1 : d.ra;
  // A compare that sets another CR field (writes no GPR).
  if (is_compare(d) && field(d.word, 6, 8) != bf) return kNoGpr;
  return -1;
}

constexpr std::size_t kMaxMoved = 4;  // instructions a compare may be moved past

}  // namespace

namespace {

// Fuse the branch at `i` (bc, or bclr when it ends the block) with the compare that sets the
// CR field it tests; true when fused.
bool fuse_at(Decoded* insns, std::size_t i, std::size_t count) {
  if (i == 0) return false;
  const Decoded& b = insns[i];
  const bool to_lr = b.fn == &op_bclr;
  const bool side = i + 1 < count;
  if (b.fn != &op_bc && !to_lr) return false;
  const unsigned bo = b.rt;
  // BO_0 = 0 (tests a CR bit), BO_2 = 1 (CTR not used).
  if ((bo & 0x10) != 0 || (bo & 0x04) == 0) return false;
  const unsigned bf = b.ra / 4u;  // the CR field BI is in
  // The compare that sets it, possibly a few independent instructions up.
  std::size_t j = i - 1;
  for (;;) {
    if (is_compare(insns[j]) && field(insns[j].word, 6, 8) == bf) break;
    if (movable_dest(insns[j], bf) < 0 || j == 0 || i - 1 - j >= kMaxMoved) return false;
    --j;
  }
  Decoded c = insns[j];
  const bool reg_form = c.fn == &op_cmp || c.fn == &op_cmpl;
  for (std::size_t k = j + 1; k < i; ++k) {
    const int dest = movable_dest(insns[k], bf);
    if (dest == c.ra || (reg_form && dest == c.rb)) return false;
  }
  const bool l = field(c.word, 10, 10) != 0;
  if (c.fn == &op_cmp) c.fn = pick<Cmp::Signed>(l, to_lr, side);
  else if (c.fn == &op_cmpl) c.fn = pick<Cmp::Unsigned>(l, to_lr, side);
  else if (c.fn == &op_cmpi) c.fn = pick<Cmp::SignedImm>(l, to_lr, side);
  else c.fn = pick<Cmp::UnsignedImm>(l, to_lr, side);
  for (std::size_t k = j; k + 1 < i; ++k) insns[k] = insns[k + 1];
  insns[i - 1] = c;
  return true;
}

}  // namespace

void fuse_block(Decoded* insns, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (insns[i].fn != &op_bc && insns[i].fn != &op_bclr) continue;
    const bool fused = fuse_at(insns, i, count);
    // A conditional bc inside the block (a side exit) that was not fused.
    if (!fused && i + 1 < count && insns[i].fn == &op_bc) insns[i].fn = &op_bc_side;
    if (!fused && i + 1 < count && insns[i].fn == &op_bclr) insns[i].fn = &op_bclr_side;
  }
}

}  // namespace nv2::isa
