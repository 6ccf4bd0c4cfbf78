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
template <Cmp K, bool L>
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
  if (br.word & 1u) s.lr = cia + 4;
  x.last = &br;
  if (!take) {
    s.nia = cia + 4;
    return Flow::Branch;
  }
  s.cfar = cia;
  s.nia = (br.word & 2u) ? static_cast<uint64_t>(br.imm) : cia + static_cast<uint64_t>(br.imm);
  return Flow::Branch;
}

template <Cmp K>
Handler pick(bool l) {
  return l ? &op_cmp_bc<K, true> : &op_cmp_bc<K, false>;
}

}  // namespace

void fuse_block(Decoded* insns, std::size_t count) {
  if (count < 2) return;
  Decoded& c = insns[count - 2];
  const Decoded& b = insns[count - 1];
  if (b.fn != &op_bc) return;
  const unsigned bo = b.rt;
  // BO_0 = 0 (tests a CR bit), BO_2 = 1 (CTR not used), BI in the field the compare sets.
  if ((bo & 0x10) != 0 || (bo & 0x04) == 0) return;
  if (b.ra / 4 != field(c.word, 6, 8)) return;
  const bool l = field(c.word, 10, 10) != 0;
  if (c.fn == &op_cmp) c.fn = pick<Cmp::Signed>(l);
  else if (c.fn == &op_cmpl) c.fn = pick<Cmp::Unsigned>(l);
  else if (c.fn == &op_cmpi) c.fn = pick<Cmp::SignedImm>(l);
  else if (c.fn == &op_cmpli) c.fn = pick<Cmp::UnsignedImm>(l);
}

}  // namespace nv2::isa
