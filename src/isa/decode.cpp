// Decoder, predecoder and disassembler: all three read the one instruction table.
#include "isa/decode.hpp"

#include <cstdio>

#include "isa/decode_table.hpp"
#include "isa/insn_table.hpp"

namespace nv2::isa {

namespace {

consteval DecodeTables build() {
  DecodeTables t = build_decode_tables(kInsnTable);
  // A duplicate encoding (or a malformed pattern) stops the build here.
  if (!t.ok) throw "instruction table: two entries claim the same encoding";
  return t;
}
constexpr DecodeTables kTables = build();

constexpr int64_t sext(uint64_t v, unsigned bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Invalid forms (Book I §1.8.2) that nv2 rejects as illegal: the update forms with RA=0
// (and RA=RT for loads), quadword register pairs that are odd or overlap RA, lmw/lswi
// loading RA.
bool valid_form(const InsnDesc& e, uint32_t w) {
  const unsigned rt = field(w, 6, 10), ra = field(w, 11, 15), rb = field(w, 16, 20);
  if ((e.flags & flag::kLoadUpdate) && (ra == 0 || ra == rt)) return false;
  if ((e.flags & flag::kStoreUpdate) && ra == 0) return false;
  if (e.fn == &op_lq) return (rt & 1) == 0 && rt != ra;
  if (e.fn == &op_lqarx) return (rt & 1) == 0 && ra != rt && ra != rt + 1 && rb != rt && rb != rt + 1;
  if (e.fn == &op_stq || e.fn == &op_stqcx) return (rt & 1) == 0;
  // lmw: RA in the range of registers loaded (RA=0 included) is invalid.
  if (e.fn == &op_lmw) return ra < rt;
  if (e.fn == &op_lswi) {
    const unsigned nb = rb == 0 ? 32 : rb;
    const unsigned nr = (nb + 3) / 4;
    for (unsigned i = 0; i < nr; ++i)
      if ((rt + i) % 32 == ra && ra != 0) return false;
  }
  return true;
}

int64_t immediate(Op op, uint32_t w) {
  if (op == Op::SI || op == Op::D) return sext(field(w, 16, 31), 16);
  if (op == Op::UI) return field(w, 16, 31);
  if (op == Op::DS) return sext(uint64_t{field(w, 16, 29)} << 2, 16);
  if (op == Op::DQ) return sext(uint64_t{field(w, 16, 27)} << 4, 16);
  if (op == Op::LI) return sext(uint64_t{field(w, 6, 29)} << 2, 26);
  if (op == Op::BD) return sext(uint64_t{field(w, 16, 29)} << 2, 16);
  if (op == Op::DXimm) {
    const uint64_t v = (uint64_t{field(w, 16, 25)} << 6) | (uint64_t{field(w, 11, 15)} << 1) | field(w, 31, 31);
    return sext(v, 16) * 65536;
  }
  if (op == Op::SPR || op == Op::TBR) return (field(w, 16, 20) << 5) | field(w, 11, 15);
  if (op == Op::LEV) return field(w, 20, 26);
  if (op == Op::NB) return field(w, 16, 20);
  return 0;
}

bool is_immediate(Op op) {
  return op == Op::SI || op == Op::D || op == Op::UI || op == Op::DS || op == Op::DQ ||
         op == Op::LI || op == Op::BD || op == Op::DXimm || op == Op::SPR || op == Op::TBR ||
         op == Op::LEV || op == Op::NB;
}

uint16_t lookup(uint32_t w) {
  const unsigned po = field(w, 0, 5);
  const ExtField f = ext_field(po);
  const std::size_t slot = kTables.base[po] + (f.present ? field(w, f.first, f.last) : 0);
  for (uint16_t c : {kTables.first[slot], kTables.second[slot]}) {
    if (c == 0) continue;
    const InsnDesc& e = kInsnTable[c - 1];
    if ((w & e.pat.mask) == e.pat.match) return valid_form(e, w) ? c : 0;
  }
  return 0;
}

}  // namespace

const InsnDesc* decode(uint32_t word) {
  const uint16_t c = lookup(word);
  return c ? &kInsnTable[c - 1] : nullptr;
}

Decoded predecode(uint32_t word) {
  Decoded d;
  d.word = word;
  d.rt = static_cast<uint8_t>(field(word, 6, 10));
  d.ra = static_cast<uint8_t>(field(word, 11, 15));
  d.rb = static_cast<uint8_t>(field(word, 16, 20));
  d.rc = static_cast<uint8_t>(field(word, 21, 25));
  const uint16_t c = lookup(word);
  if (c == 0) {
    d.fn = &op_illegal;
    d.desc = 0xFFFF;
    return d;
  }
  const InsnDesc& e = kInsnTable[c - 1];
  d.fn = e.fn;
  d.desc = static_cast<uint16_t>(c - 1);
  for (Op op : e.ops) {
    if (is_immediate(op)) {
      d.imm = immediate(op, word);
      break;
    }
  }
  if (e.prep) e.prep(d);
  return d;
}

std::size_t insn_count() { return kInsnCount; }
const InsnDesc& insn(std::size_t i) { return kInsnTable[i]; }

std::string disassemble(uint32_t w) {
  char buf[64];
  const InsnDesc* e = decode(w);
  if (!e) {
    std::snprintf(buf, sizeof buf, ".long 0x%08x", w);
    return buf;
  }
  std::string text(e->mnemonic);
  if ((e->flags & flag::kOe) && field(w, 21, 21)) text += 'o';
  if ((e->flags & flag::kLK) && field(w, 31, 31)) text += 'l';
  if ((e->flags & flag::kAA) && field(w, 30, 30)) text += 'a';
  if ((e->flags & flag::kRc) && field(w, 31, 31)) text += '.';
  const unsigned ra = field(w, 11, 15);
  bool first = true;
  for (Op op : e->ops) {
    if (op == Op::None) break;
    text += first ? ' ' : ',';
    first = false;
    buf[0] = 0;
    switch (op) {
      case Op::None: break;
      case Op::RT: case Op::RS: std::snprintf(buf, sizeof buf, "r%u", field(w, 6, 10)); break;
      case Op::RA: std::snprintf(buf, sizeof buf, "r%u", ra); break;
      case Op::RA0:
        if (ra) std::snprintf(buf, sizeof buf, "r%u", ra); else std::snprintf(buf, sizeof buf, "0");
        break;
      case Op::RB: std::snprintf(buf, sizeof buf, "r%u", field(w, 16, 20)); break;
      case Op::RC: std::snprintf(buf, sizeof buf, "r%u", field(w, 21, 25)); break;
      case Op::SI: case Op::UI: case Op::LEV: case Op::NB: case Op::SPR: case Op::TBR:
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(immediate(op, w)));
        break;
      case Op::DXimm:
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(immediate(op, w) / 65536));
        break;
      case Op::D: case Op::DS: case Op::DQ:
        if (ra) std::snprintf(buf, sizeof buf, "%lld(r%u)", static_cast<long long>(immediate(op, w)), ra);
        else std::snprintf(buf, sizeof buf, "%lld(0)", static_cast<long long>(immediate(op, w)));
        break;
      case Op::BF: std::snprintf(buf, sizeof buf, "cr%u", field(w, 6, 8)); break;
      case Op::BFA: std::snprintf(buf, sizeof buf, "cr%u", field(w, 11, 13)); break;
      case Op::L10: std::snprintf(buf, sizeof buf, "%u", field(w, 10, 10)); break;
      case Op::L9_10: std::snprintf(buf, sizeof buf, "%u", field(w, 9, 10)); break;
      case Op::L15: std::snprintf(buf, sizeof buf, "%u", field(w, 15, 15)); break;
      case Op::L14_15: std::snprintf(buf, sizeof buf, "%u", field(w, 14, 15)); break;
      case Op::BT: case Op::BO: case Op::TO: std::snprintf(buf, sizeof buf, "%u", field(w, 6, 10)); break;
      case Op::BA: case Op::BI: std::snprintf(buf, sizeof buf, "%u", ra); break;
      case Op::BB: case Op::SH: std::snprintf(buf, sizeof buf, "%u", field(w, 16, 20)); break;
      case Op::BH: std::snprintf(buf, sizeof buf, "%u", field(w, 19, 20)); break;
      case Op::LI: case Op::BD: {
        const long long t = static_cast<long long>(immediate(op, w));
        if (field(w, 30, 30)) std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(t));
        else if (t < 0) std::snprintf(buf, sizeof buf, "-0x%llx", static_cast<unsigned long long>(-t));
        else std::snprintf(buf, sizeof buf, "+0x%llx", static_cast<unsigned long long>(t));
        break;
      }
      case Op::MB: std::snprintf(buf, sizeof buf, "%u", field(w, 21, 25)); break;
      case Op::ME: std::snprintf(buf, sizeof buf, "%u", field(w, 26, 30)); break;
      case Op::SH6: std::snprintf(buf, sizeof buf, "%u", prep::sh6(w)); break;
      case Op::MB6: std::snprintf(buf, sizeof buf, "%u", prep::mb6(w)); break;
      case Op::FXM: std::snprintf(buf, sizeof buf, "0x%x", field(w, 12, 19)); break;
      case Op::CY: std::snprintf(buf, sizeof buf, "%u", field(w, 21, 22)); break;
      case Op::WC: std::snprintf(buf, sizeof buf, "%u", field(w, 9, 10)); break;
      case Op::BCrc: std::snprintf(buf, sizeof buf, "%u", field(w, 21, 25)); break;
      case Op::IH: std::snprintf(buf, sizeof buf, "%u", field(w, 8, 10)); break;
      case Op::RIC: std::snprintf(buf, sizeof buf, "%u", field(w, 12, 13)); break;
      case Op::PRS: std::snprintf(buf, sizeof buf, "%u", field(w, 14, 14)); break;
      case Op::Rbit: std::snprintf(buf, sizeof buf, "%u", field(w, 15, 15)); break;
      case Op::Word: std::snprintf(buf, sizeof buf, "0x%08x", w); break;
    }
    text += buf;
  }
  return text;
}

}  // namespace nv2::isa
