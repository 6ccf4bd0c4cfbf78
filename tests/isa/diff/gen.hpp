// Differential testing against qemu-ppc64le (issue 3 item 8): random instruction sequences
// over the user-level integer subset, with their own encoder (independent of isa-core's
// instruction table, so a shared misreading of a form cannot hide), and the prologue /
// epilogue that load and dump the architected state (layout.h).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "layout.h"
}

namespace nv2::isa::diff {

// ---- encoder (Power ISA 3.0B Book I §1.6 instruction formats, MSB-0 field positions) ----

constexpr uint32_t op(uint32_t po) { return po << 26; }
constexpr uint32_t rt(uint32_t r) { return (r & 31) << 21; }  // also RS, BO, BT, BF<<2
constexpr uint32_t ra(uint32_t r) { return (r & 31) << 16; }  // also BI, BA
constexpr uint32_t rb(uint32_t r) { return (r & 31) << 11; }  // also BB, SH
constexpr uint32_t xo10(uint32_t x) { return (x & 1023) << 1; }
constexpr uint32_t xo9(uint32_t x) { return (x & 511) << 1; }

constexpr uint32_t d_form(uint32_t po, uint32_t t, uint32_t a, uint32_t d) {
  return op(po) | rt(t) | ra(a) | (d & 0xFFFF);
}
constexpr uint32_t ds_form(uint32_t po, uint32_t t, uint32_t a, uint32_t disp, uint32_t x) {
  return op(po) | rt(t) | ra(a) | (disp & 0xFFFC) | x;
}
constexpr uint32_t x_form(uint32_t t, uint32_t a, uint32_t b, uint32_t x, uint32_t rc = 0) {
  return op(31) | rt(t) | ra(a) | rb(b) | xo10(x) | rc;
}
constexpr uint32_t xo_form(uint32_t t, uint32_t a, uint32_t b, uint32_t oe, uint32_t x, uint32_t rc) {
  return op(31) | rt(t) | ra(a) | rb(b) | (oe << 10) | xo9(x) | rc;
}
constexpr uint32_t spr_field(uint32_t spr) { return ((spr & 31) << 16) | ((spr >> 5) << 11); }
constexpr uint32_t mtspr(uint32_t spr, uint32_t s) { return op(31) | rt(s) | spr_field(spr) | xo10(467); }
constexpr uint32_t mfspr(uint32_t t, uint32_t spr) { return op(31) | rt(t) | spr_field(spr) | xo10(339); }
constexpr uint32_t ld(uint32_t t, uint32_t a, uint32_t disp) { return ds_form(58, t, a, disp, 0); }
constexpr uint32_t std_(uint32_t s, uint32_t a, uint32_t disp) { return ds_form(62, s, a, disp, 0); }
constexpr uint32_t mtcrf(uint32_t fxm, uint32_t s) { return op(31) | rt(s) | ((fxm & 0xFF) << 12) | xo10(144); }
constexpr uint32_t mfcr(uint32_t t) { return op(31) | rt(t) | xo10(19); }
constexpr uint32_t kBctr = 0x4E800420;
constexpr uint32_t kSc1 = 0x44000022;  // sc LEV=1: the nv2 side's way out (an Hcall exit)
static_assert(mtspr(9, 0) == 0x7C0903A6 && mfspr(0, 8) == 0x7C0802A6 && ld(0, 1, 8) == 0xE8010008);

// ---- state -------------------------------------------------------------------------------

// The architected state compared after a run; the same bytes as the harness dumps, in the
// byte order of the mode under test (`big_endian`).
struct Dump {
  std::array<uint8_t, DIFF_DUMP_SIZE> bytes{};
  bool big_endian = false;
  uint64_t word(unsigned off) const {
    uint64_t v;
    std::memcpy(&v, bytes.data() + off, 8);
    return big_endian ? __builtin_bswap64(v) : v;
  }
  void set_word(unsigned off, uint64_t v) {
    if (big_endian) v = __builtin_bswap64(v);
    std::memcpy(bytes.data() + off, &v, 8);
  }
  uint8_t* scratch() { return bytes.data() + DIFF_HOST_SP; }
  const uint8_t* scratch() const { return bytes.data() + DIFF_HOST_SP; }
};

struct Case {
  Dump in;
  std::vector<uint32_t> body;  // the random sequence
  std::vector<uint32_t> code;  // prologue + body + epilogue (instruction values)

  // The code as the bytes memory holds, in the mode's byte order.
  std::vector<uint8_t> code_bytes() const {
    std::vector<uint8_t> out(code.size() * 4);
    for (std::size_t i = 0; i < code.size(); ++i) {
      const uint32_t w = in.big_endian ? __builtin_bswap32(code[i]) : code[i];
      std::memcpy(out.data() + i * 4, &w, 4);
    }
    return out;
  }
};

// r1 holds the state pointer and r31 the scratch pointer throughout; r30 an index offset
// (random per case, any byte) for indexed loads/stores. The sequence never writes them.
constexpr uint32_t kStateReg = 1;
constexpr uint32_t kIndexReg = 30;
constexpr uint32_t kScratchReg = 31;
constexpr uint32_t kMaxDisp = DIFF_SCRATCH_SIZE - 8;  // any access of <= 8 bytes stays inside

inline std::vector<uint32_t> prologue() {
  std::vector<uint32_t> c;
  c.push_back(ld(0, kStateReg, DIFF_LR));
  c.push_back(mtspr(8, 0));
  c.push_back(ld(0, kStateReg, DIFF_XER));
  c.push_back(mtspr(1, 0));
  c.push_back(ld(0, kStateReg, DIFF_CR));
  c.push_back(mtcrf(0xFF, 0));
  c.push_back(ld(0, kStateReg, DIFF_CTR));
  c.push_back(mtspr(9, 0));
  for (uint32_t r = 0; r < 32; ++r) {
    if (r != kStateReg) c.push_back(ld(r, kStateReg, DIFF_GPR(r)));
  }
  return c;
}

inline std::vector<uint32_t> epilogue() {
  std::vector<uint32_t> c;
  for (uint32_t r = 0; r < 32; ++r) {
    if (r != kStateReg) c.push_back(std_(r, kStateReg, DIFF_GPR(r)));
  }
  c.push_back(mfspr(0, 8));
  c.push_back(std_(0, kStateReg, DIFF_LR));
  c.push_back(mfspr(0, 1));
  c.push_back(std_(0, kStateReg, DIFF_XER));
  c.push_back(mfcr(0));
  c.push_back(std_(0, kStateReg, DIFF_CR));
  c.push_back(mfspr(0, 9));
  c.push_back(std_(0, kStateReg, DIFF_CTR));
  c.push_back(ld(0, kStateReg, DIFF_HOST_RET));
  c.push_back(mtspr(9, 0));
  c.push_back(kBctr);
  return c;
}

// ---- generator ---------------------------------------------------------------------------

class Generator {
 public:
  explicit Generator(uint64_t seed, bool big_endian = false) : rng_(seed), big_endian_(big_endian) {}

  Case next(unsigned length) {
    Case c;
    c.in.big_endian = big_endian_;
    for (uint32_t r = 0; r < 32; ++r) c.in.set_word(DIFF_GPR(r), value());
    c.in.set_word(DIFF_GPR(kStateReg), DIFF_BASE + DIFF_STATE_OFF);
    index_ = static_cast<uint32_t>(pick(kMaxDisp + 1));
    c.in.set_word(DIFF_GPR(kIndexReg), index_);
    c.in.set_word(DIFF_GPR(kScratchReg), DIFF_BASE + DIFF_SCRATCH_OFF);
    c.in.set_word(DIFF_CR, rng_() & 0xFFFFFFFF);
    // XER: only its defined bits (SO OV CA, OV32 CA32, byte count).
    c.in.set_word(DIFF_XER, rng_() & 0xE00C007Full);
    c.in.set_word(DIFF_LR, value());
    c.in.set_word(DIFF_CTR, pick(4) == 0 ? value() : pick(4));
    for (unsigned i = 0; i < DIFF_SCRATCH_SIZE; ++i) c.in.scratch()[i] = static_cast<uint8_t>(rng_());
    while (c.body.size() < length) emit(c.body);
    c.code = prologue();
    c.code.insert(c.code.end(), c.body.begin(), c.body.end());
    const auto e = epilogue();
    c.code.insert(c.code.end(), e.begin(), e.end());
    return c;
  }

 private:
  uint64_t pick(uint64_t n) { return rng_() % n; }
  bool coin() { return (rng_() & 1) != 0; }

  // Register values that reach the edge cases of carries, overflow and sign.
  uint64_t value() {
    static constexpr uint64_t kEdges[] = {0,
                                          1,
                                          ~uint64_t{0},
                                          0x7FFFFFFF,
                                          0x80000000,
                                          0xFFFFFFFF,
                                          0x100000000ull,
                                          0x7FFFFFFFFFFFFFFFull,
                                          0x8000000000000000ull,
                                          0xFFFFFFFF80000000ull,
                                          0x00000000FFFF0000ull};
    switch (pick(4)) {
      case 0: return kEdges[pick(std::size(kEdges))];
      case 1: return pick(64);
      case 2: return static_cast<uint64_t>(-static_cast<int64_t>(pick(64)));
      default: return rng_();
    }
  }
  // Registers the sequence may read and write: all but r1, r30, r31.
  uint32_t reg() {
    for (;;) {
      const auto r = static_cast<uint32_t>(pick(30));
      if (r != kStateReg) return r;
    }
  }
  uint32_t rc() { return coin() ? 1u : 0u; }
  uint32_t crbit() { return static_cast<uint32_t>(pick(32)); }
  uint32_t crf() { return static_cast<uint32_t>(pick(8)); }
  uint32_t imm16() { return static_cast<uint32_t>(pick(3) == 0 ? value() : rng_()) & 0xFFFF; }

  // One group of instructions. `single`: exactly one instruction (the one a preceding
  // branch-over may skip; a skipped half of a group would leave it ill-formed).
  void emit(std::vector<uint32_t>& out, bool single = false) {
    const uint32_t t = reg(), a = reg(), b = reg();
    uint64_t kind = pick(22);
    while (single && (kind == 18 || kind == 20 || kind == 21)) kind = pick(22);
    switch (kind) {
      case 0: {  // XO-form arithmetic with OE and Rc (Book I §3.3.9)
        static constexpr uint32_t kXo[] = {266, 10, 138, 40, 8, 136, 235, 233};
        out.push_back(xo_form(t, a, b, static_cast<uint32_t>(coin()), kXo[pick(8)], rc()));
        break;
      }
      case 1: {  // XO-form, one operand: neg addze addme subfze subfme
        static constexpr uint32_t kXo[] = {104, 202, 234, 200, 232};
        out.push_back(xo_form(t, a, 0, static_cast<uint32_t>(coin()), kXo[pick(5)], rc()));
        break;
      }
      case 2: {  // mulhd mulhdu (OE must be 0)
        out.push_back(xo_form(t, a, b, 0, coin() ? 73 : 9, rc()));
        break;
      }
      case 3: {  // D-form arithmetic and logical immediates
        static constexpr uint32_t kPo[] = {14, 15, 12, 13, 8, 7, 28, 29, 24, 25, 26, 27};
        const uint32_t po = kPo[pick(12)];
        // Logical immediates are RS -> RA: the same field order, different roles.
        out.push_back(d_form(po, t, a, imm16()));
        break;
      }
      case 4: {  // X-form logical and shifts, RS, RA, RB, Rc
        static constexpr uint32_t kXo[] = {28, 60, 444, 412, 316, 476, 124, 284, 24, 536, 792, 27, 539, 794};
        out.push_back(x_form(t, a, b, kXo[pick(14)], rc()));
        break;
      }
      case 5: {  // X-form unary RS -> RA with Rc: extsb extsh extsw cntlzw cntlzd cnttzw cnttzd
        static constexpr uint32_t kXo[] = {954, 922, 986, 26, 58, 538, 570};
        out.push_back(x_form(t, a, 0, kXo[pick(7)], rc()));
        break;
      }
      case 6: {  // no Rc: popcntb popcntw popcntd prtyw prtyd cmpb bpermd
        static constexpr uint32_t kXo[] = {122, 378, 506, 154, 186, 508, 252};
        const uint32_t x = kXo[pick(7)];
        out.push_back(x_form(t, a, x == 508 || x == 252 ? b : 0, x));
        break;
      }
      case 7: {  // srawi, sradi, extswsli
        const auto sh = static_cast<uint32_t>(pick(64));
        switch (pick(3)) {
          case 0: out.push_back(x_form(t, a, sh & 31, 824, rc())); break;
          case 1: out.push_back(op(31) | rt(t) | ra(a) | rb(sh) | ((413u & 511) << 2) | ((sh >> 5) << 1) | rc()); break;
          default: out.push_back(op(31) | rt(t) | ra(a) | rb(sh) | ((445u & 511) << 2) | ((sh >> 5) << 1) | rc()); break;
        }
        break;
      }
      case 8: {  // rlwinm rlwnm rlwimi (M-form)
        static constexpr uint32_t kPo[] = {21, 23, 20};
        const uint32_t po = kPo[pick(3)];
        const uint32_t sh = po == 23 ? b : static_cast<uint32_t>(pick(32));
        out.push_back(op(po) | rt(t) | ra(a) | rb(sh) | (static_cast<uint32_t>(pick(32)) << 6) |
                      (static_cast<uint32_t>(pick(32)) << 1) | rc());
        break;
      }
      case 9: {  // rldicl rldicr rldic rldimi (MD-form), rldcl rldcr (MDS-form)
        const auto sh = static_cast<uint32_t>(pick(64));
        const auto mb = static_cast<uint32_t>(pick(64));
        const uint32_t mbf = ((mb & 31) << 6) | ((mb >> 5) << 5);
        const auto x = static_cast<uint32_t>(pick(6));
        if (x < 4) {
          out.push_back(op(30) | rt(t) | ra(a) | rb(sh) | mbf | (x << 2) | ((sh >> 5) << 1) | rc());
        } else {
          out.push_back(op(30) | rt(t) | ra(a) | rb(b) | mbf | ((x == 4 ? 8u : 9u) << 1) | rc());
        }
        break;
      }
      case 10: {  // compares: cmp cmpl cmpi cmpli (L = 0/1), cmprb cmpeqb
        const uint32_t bf = crf() << 2;
        const uint32_t l = static_cast<uint32_t>(coin());
        switch (pick(6)) {
          case 0: out.push_back(x_form(bf | l, a, b, 0)); break;
          case 1: out.push_back(x_form(bf | l, a, b, 32)); break;
          case 2: out.push_back(d_form(11, bf | l, a, imm16())); break;
          case 3: out.push_back(d_form(10, bf | l, a, imm16())); break;
          case 4: out.push_back(x_form(bf | l, a, b, 192)); break;
          default: out.push_back(x_form(bf, a, b, 224)); break;
        }
        break;
      }
      case 11: {  // CR logical (XL-form)
        static constexpr uint32_t kXo[] = {257, 449, 193, 225, 33, 289, 129, 417};
        out.push_back(op(19) | rt(crbit()) | ra(crbit()) | rb(crbit()) | xo10(kXo[pick(8)]));
        break;
      }
      case 12: {  // mcrf, mfcr, mfocrf, mtcrf, mtocrf, mcrxrx, setb
        switch (pick(7)) {
          case 0: out.push_back(op(19) | rt(crf() << 2) | ra(crf() << 2)); break;
          case 1: out.push_back(mfcr(t)); break;
          case 2: out.push_back(mfcr(t) | (1u << 20) | ((1u << pick(8)) << 12)); break;
          case 3: out.push_back(mtcrf(static_cast<uint32_t>(pick(256)), t)); break;
          case 4: out.push_back(mtcrf(1u << pick(8), t) | (1u << 20)); break;
          case 5: out.push_back(x_form(crf() << 2, 0, 0, 576)); break;
          default: out.push_back(x_form(t, crf() << 2, 0, 128)); break;
        }
        break;
      }
      case 13: {  // isel
        out.push_back(op(31) | rt(t) | ra(a) | rb(b) | (crbit() << 6) | (15u << 1));
        break;
      }
      case 14: {  // maddhd maddhdu maddld (VA-form)
        static constexpr uint32_t kXo[] = {48, 49, 51};
        out.push_back(op(4) | rt(t) | ra(a) | rb(b) | (reg() << 6) | kXo[pick(3)]);
        break;
      }
      case 15: {  // LR / CTR / XER moves (no mtxer: its reserved bits are implementation-defined)
        switch (pick(5)) {
          case 0: out.push_back(mfspr(t, 8)); break;
          case 1: out.push_back(mtspr(8, t)); break;
          case 2: out.push_back(mfspr(t, 9)); break;
          case 3: out.push_back(mtspr(9, t)); break;
          default: out.push_back(mfspr(t, 1)); break;
        }
        break;
      }
      case 16: {  // D/DS-form loads and stores into scratch, base r31, any alignment
        const auto disp = static_cast<uint32_t>(pick(kMaxDisp + 1));
        const uint32_t ds = disp & ~3u;  // DS-form: a multiple of 4
        static constexpr uint32_t kPo[] = {34, 40, 42, 32, 38, 44, 36};
        switch (pick(4)) {
          case 0: out.push_back(ld(t, kScratchReg, ds)); break;
          case 1: out.push_back(ds_form(58, t, kScratchReg, ds, 2)); break;  // lwa
          case 2: out.push_back(std_(t, kScratchReg, ds)); break;
          default: out.push_back(d_form(kPo[pick(7)], t, kScratchReg, disp)); break;
        }
        break;
      }
      case 17: {  // X-form indexed and byte-reversed loads/stores, r31 + r30
        static constexpr uint32_t kXo[] = {87, 279, 343, 23, 341, 21, 215, 407, 151, 149,
                                           790, 534, 532, 918, 662, 660};
        out.push_back(x_form(t, kScratchReg, kIndexReg, kXo[pick(16)]));
        break;
      }
      case 18: {  // conditional branch over the next instruction (bc, BD = +8), LK random
        static constexpr uint32_t kBo[] = {4, 12, 20, 16, 18, 0, 2, 8, 10};
        out.push_back(op(16) | rt(kBo[pick(9)]) | ra(crbit()) | 8 | static_cast<uint32_t>(coin()));
        emit(out, true);
        break;
      }
      case 20: {  // update forms: addi rX, r31, d1; then a load/store with update through rX
        uint32_t x = reg();
        while (x == 0) x = reg();  // RA = 0 is not an update form
        uint32_t y = reg();
        while (y == x) y = reg();   // a load with RA = RT is an invalid form
        // Every EA stays inside scratch: d1 + d2 (D forms) or d1 + r30 (X forms) <= kMaxDisp.
        static constexpr uint32_t kPo[] = {35, 41, 43, 33, 39, 45, 37};
        static constexpr uint32_t kXo[] = {119, 311, 375, 55, 53, 247, 439, 183, 181};  // ..ux forms
        const bool indexed = pick(4) == 3;
        const auto d1 = static_cast<uint32_t>(pick((indexed ? kMaxDisp - index_ : kMaxDisp / 2) + 1));
        const auto d2 = static_cast<uint32_t>(pick(kMaxDisp / 2));
        out.push_back(d_form(14, x, kScratchReg, d1));  // addi
        if (indexed) {
          out.push_back(x_form(y, x, kIndexReg, kXo[pick(9)]));
        } else {
          switch (pick(3)) {
            case 0: out.push_back(d_form(kPo[pick(7)], y, x, d2)); break;
            case 1: out.push_back(ds_form(58, y, x, d2 & ~3u, 1)); break;  // ldu
            default: out.push_back(ds_form(62, y, x, d2 & ~3u, 1)); break;  // stdu
          }
        }
        break;
      }
      case 21: {  // a reservation pair: l?arx RT, 0, r31 ... st?cx. RS, 0, r31 (aligned)
        static constexpr uint32_t kLarx[] = {52, 116, 20, 84};    // lbarx lharx lwarx ldarx
        static constexpr uint32_t kStcx[] = {694, 726, 150, 214};  // stbcx. sthcx. stwcx. stdcx.
        const auto k = static_cast<std::size_t>(pick(4));
        out.push_back(x_form(t, 0, kScratchReg, kLarx[k]));
        if (coin()) out.push_back(d_form(14, a, b, imm16()));  // something in between
        out.push_back(x_form(reg(), 0, kScratchReg, kStcx[k], 1));
        break;
      }
      default: {  // bl .+4 (LR = the next address), addpcis
        if (coin()) {
          out.push_back(op(18) | 4 | 1);
        } else {
          // DX-form: d = d0 (bits 16:25) || d1 (11:15) || d2 (31).
          const auto d = static_cast<uint32_t>(pick(65536));
          out.push_back(op(19) | rt(t) | (((d >> 1) & 31) << 16) | ((d >> 6) << 6) | (2u << 1) | (d & 1));
        }
        break;
      }
    }
  }

  std::mt19937_64 rng_;
  bool big_endian_;
  uint32_t index_ = 0;  // r30 of the case being generated
};

// A readable name of a difference, for failure messages.
inline std::string field_name(unsigned off) {
  if (off < DIFF_CR) return "r" + std::to_string(off / 8);
  if (off < DIFF_XER) return "CR";
  if (off < DIFF_LR) return "XER";
  if (off < DIFF_CTR) return "LR";
  if (off < DIFF_HOST_SP) return "CTR";
  return "scratch+" + std::to_string(off - DIFF_HOST_SP);
}

}  // namespace nv2::isa::diff
