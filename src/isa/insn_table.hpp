// THE instruction table (issue 3 item 1): every instruction nv2 decodes, written once.
//
// The decoder's dense dispatch (decode.cpp, built at compile time; a duplicate encoding
// is a compile error), the predecoded operands, the disassembler and the privilege /
// facility checks all derive from this table. Opcodes are Power ISA 3.0B Book I/II/III
// (Appendix "Opcode Maps"); fields are placed by their MSB-0 bit numbers.
#pragma once

#include <array>
#include <cstdint>

#include "isa/exec_mem.hpp"
#include "isa/handlers.hpp"
#include "isa/insn.hpp"
#include "isa/sem.hpp"

namespace nv2::isa {

namespace pat {
inline constexpr uint32_t kPO = mask_of(0, 5);
constexpr Pattern po(unsigned p) { return {place(0, 5, p), kPO}; }
// X / XL / XFX / XX1 forms: extended opcode at 21-30.
constexpr Pattern x(unsigned p, unsigned xo) {
  return {place(0, 5, p) | place(21, 30, xo), kPO | mask_of(21, 30)};
}
constexpr Pattern x31(unsigned xo) { return x(31, xo); }
// X form whose bit 31 must be 1 (stcx., slbfee.).
constexpr Pattern x31_dot(unsigned xo) {
  return {place(0, 5, 31) | place(21, 30, xo) | 1u, kPO | mask_of(21, 31)};
}
// XO form: extended opcode at 22-30 (OE at 21, Rc at 31).
constexpr Pattern xo31(unsigned xo) {
  return {place(0, 5, 31) | place(22, 30, xo), kPO | mask_of(22, 30)};
}
// XS form: extended opcode at 21-29 (sh5 at 30).
constexpr Pattern xs31(unsigned xo) {
  return {place(0, 5, 31) | place(21, 29, xo), kPO | mask_of(21, 29)};
}
// A form: extended opcode at 26-30.
constexpr Pattern a(unsigned p, unsigned xo) {
  return {place(0, 5, p) | place(26, 30, xo), kPO | mask_of(26, 30)};
}
// VA form: extended opcode at 26-31.
constexpr Pattern va(unsigned p, unsigned xo) {
  return {place(0, 5, p) | place(26, 31, xo), kPO | mask_of(26, 31)};
}
// DS form: extended opcode at 30-31.
constexpr Pattern ds(unsigned p, unsigned xo) {
  return {place(0, 5, p) | place(30, 31, xo), kPO | mask_of(30, 31)};
}
// DQ form of opcode 61: extended opcode at 29-31.
constexpr Pattern dq(unsigned p, unsigned xo) {
  return {place(0, 5, p) | place(29, 31, xo), kPO | mask_of(29, 31)};
}
// MD form: extended opcode at 27-29; MDS: 27-30.
constexpr Pattern md(unsigned xo) { return {place(0, 5, 30) | place(27, 29, xo), kPO | mask_of(27, 29)}; }
constexpr Pattern mds(unsigned xo) { return {place(0, 5, 30) | place(27, 30, xo), kPO | mask_of(27, 30)}; }
// SC form: bit 30 = 1 (sc), bits 30-31 = 01 (scv).
constexpr Pattern sc() { return {place(0, 5, 17) | place(30, 30, 1), kPO | mask_of(30, 30)}; }
constexpr Pattern scv() { return {place(0, 5, 17) | place(30, 31, 1), kPO | mask_of(30, 31)}; }
// DX form (addpcis): extended opcode at 26-30.
constexpr Pattern dx(unsigned xo) { return a(19, xo); }
// XFX with bit 11 fixed (mfcr/mfocrf, mtcrf/mtocrf).
constexpr Pattern xfx11(unsigned xo, unsigned b11) {
  return {place(0, 5, 31) | place(11, 11, b11) | place(21, 30, xo), kPO | mask_of(11, 11) | mask_of(21, 30)};
}
}  // namespace pat

// Operand preparation for the forms whose handler wants more than one immediate.
namespace prep {
inline uint32_t sh6(uint32_t w) { return field(w, 16, 20) | (field(w, 30, 30) << 5); }
inline uint32_t mb6(uint32_t w) { return field(w, 21, 25) | (field(w, 26, 26) << 5); }
// M form: imm <- MASK(MB+32, ME+32); rb keeps SH/RB.
inline void rlw(Decoded& d) {
  d.imm = static_cast<int64_t>(rot_mask(field(d.word, 21, 25) + 32, field(d.word, 26, 30) + 32));
}
inline void rldicl(Decoded& d) { d.rb = static_cast<uint8_t>(sh6(d.word)); d.imm = static_cast<int64_t>(rot_mask(mb6(d.word), 63)); }
inline void rldicr(Decoded& d) { d.rb = static_cast<uint8_t>(sh6(d.word)); d.imm = static_cast<int64_t>(rot_mask(0, mb6(d.word))); }
inline void rldic(Decoded& d) {
  const unsigned sh = sh6(d.word);
  d.rb = static_cast<uint8_t>(sh);
  d.imm = static_cast<int64_t>(rot_mask(mb6(d.word), 63 - sh));
}
inline void rldcl(Decoded& d) { d.imm = static_cast<int64_t>(rot_mask(mb6(d.word), 63)); }
inline void rldcr(Decoded& d) { d.imm = static_cast<int64_t>(rot_mask(0, mb6(d.word))); }
inline void xs_sh(Decoded& d) { d.rb = static_cast<uint8_t>(sh6(d.word)); }
// FXM (12-19) expanded to a 32-bit CR mask: one nibble per selected field.
inline void fxm(Decoded& d) {
  const uint32_t f = field(d.word, 12, 19);
  uint32_t m = 0;
  for (unsigned i = 0; i < 8; ++i)
    if (f & (0x80u >> i)) m |= 0xF0000000u >> (4 * i);
  d.imm = m;
}
}  // namespace prep

using enum Op;
namespace F = flag;

// Opcode maps of Power ISA 3.0B Appendix F (fixed-point, branch, storage, system).
inline constexpr InsnDesc kInsnTable[] = {
    // --- D form arithmetic, compare, logical, trap (Book I §3.3.9-§3.3.13) ---------------
    {"tdi", Form::D, pat::po(2), {TO, RA, SI}, &op_tdi},
    {"twi", Form::D, pat::po(3), {TO, RA, SI}, &op_twi},
    {"mulli", Form::D, pat::po(7), {RT, RA, SI}, &op_mulli},
    {"subfic", Form::D, pat::po(8), {RT, RA, SI}, &op_subfic},
    {"cmpli", Form::D, pat::po(10), {BF, L10, RA, UI}, &op_cmpli},
    {"cmpi", Form::D, pat::po(11), {BF, L10, RA, SI}, &op_cmpi},
    {"addic", Form::D, pat::po(12), {RT, RA, SI}, &op_addic},
    {"addic.", Form::D, pat::po(13), {RT, RA, SI}, &op_addic_rc},
    {"addi", Form::D, pat::po(14), {RT, RA0, SI}, &op_addi},
    {"addis", Form::D, pat::po(15), {RT, RA0, SI}, &op_addis},
    {"addpcis", Form::DX, pat::dx(2), {RT, DXimm}, &op_addpcis},
    {"ori", Form::D, pat::po(24), {RA, RS, UI}, &op_ori},
    {"oris", Form::D, pat::po(25), {RA, RS, UI}, &op_oris},
    {"xori", Form::D, pat::po(26), {RA, RS, UI}, &op_xori},
    {"xoris", Form::D, pat::po(27), {RA, RS, UI}, &op_xoris},
    {"andi.", Form::D, pat::po(28), {RA, RS, UI}, &op_andi_rc},
    {"andis.", Form::D, pat::po(29), {RA, RS, UI}, &op_andis_rc},

    // --- XO form arithmetic (§3.3.9) -------------------------------------------------------
    {"add", Form::XO, pat::xo31(266), {RT, RA, RB}, &op_add, F::kOe | F::kRc},
    {"addc", Form::XO, pat::xo31(10), {RT, RA, RB}, &op_addc, F::kOe | F::kRc},
    {"adde", Form::XO, pat::xo31(138), {RT, RA, RB}, &op_adde, F::kOe | F::kRc},
    {"addme", Form::XO, pat::xo31(234), {RT, RA}, &op_addme, F::kOe | F::kRc},
    {"addze", Form::XO, pat::xo31(202), {RT, RA}, &op_addze, F::kOe | F::kRc},
    {"subf", Form::XO, pat::xo31(40), {RT, RA, RB}, &op_subf, F::kOe | F::kRc},
    {"subfc", Form::XO, pat::xo31(8), {RT, RA, RB}, &op_subfc, F::kOe | F::kRc},
    {"subfe", Form::XO, pat::xo31(136), {RT, RA, RB}, &op_subfe, F::kOe | F::kRc},
    {"subfme", Form::XO, pat::xo31(232), {RT, RA}, &op_subfme, F::kOe | F::kRc},
    {"subfze", Form::XO, pat::xo31(200), {RT, RA}, &op_subfze, F::kOe | F::kRc},
    {"neg", Form::XO, pat::xo31(104), {RT, RA}, &op_neg, F::kOe | F::kRc},
    {"addex", Form::Z23, pat::x31(170), {RT, RA, RB, CY}, &op_addex},
    {"mullw", Form::XO, pat::xo31(235), {RT, RA, RB}, &op_mullw, F::kOe | F::kRc},
    {"mulhw", Form::XO, pat::xo31(75), {RT, RA, RB}, &op_mulhw, F::kRc},
    {"mulhwu", Form::XO, pat::xo31(11), {RT, RA, RB}, &op_mulhwu, F::kRc},
    {"mulld", Form::XO, pat::xo31(233), {RT, RA, RB}, &op_mulld, F::kOe | F::kRc},
    {"mulhd", Form::XO, pat::xo31(73), {RT, RA, RB}, &op_mulhd, F::kRc},
    {"mulhdu", Form::XO, pat::xo31(9), {RT, RA, RB}, &op_mulhdu, F::kRc},
    {"divw", Form::XO, pat::xo31(491), {RT, RA, RB}, &op_divw, F::kOe | F::kRc},
    {"divwu", Form::XO, pat::xo31(459), {RT, RA, RB}, &op_divwu, F::kOe | F::kRc},
    {"divwe", Form::XO, pat::xo31(427), {RT, RA, RB}, &op_divwe, F::kOe | F::kRc},
    {"divweu", Form::XO, pat::xo31(395), {RT, RA, RB}, &op_divweu, F::kOe | F::kRc},
    {"divd", Form::XO, pat::xo31(489), {RT, RA, RB}, &op_divd, F::kOe | F::kRc},
    {"divdu", Form::XO, pat::xo31(457), {RT, RA, RB}, &op_divdu, F::kOe | F::kRc},
    {"divde", Form::XO, pat::xo31(425), {RT, RA, RB}, &op_divde, F::kOe | F::kRc},
    {"divdeu", Form::XO, pat::xo31(393), {RT, RA, RB}, &op_divdeu, F::kOe | F::kRc},
    {"modsw", Form::X, pat::x31(779), {RT, RA, RB}, &op_modsw},
    {"moduw", Form::X, pat::x31(267), {RT, RA, RB}, &op_moduw},
    {"modsd", Form::X, pat::x31(777), {RT, RA, RB}, &op_modsd},
    {"modud", Form::X, pat::x31(265), {RT, RA, RB}, &op_modud},
    {"maddhd", Form::VA, pat::va(4, 48), {RT, RA, RB, RC}, &op_maddhd},
    {"maddhdu", Form::VA, pat::va(4, 49), {RT, RA, RB, RC}, &op_maddhdu},
    {"maddld", Form::VA, pat::va(4, 51), {RT, RA, RB, RC}, &op_maddld},

    // --- compare, trap (§3.3.11-§3.3.12) --------------------------------------------------
    {"cmp", Form::X, pat::x31(0), {BF, L10, RA, RB}, &op_cmp},
    {"cmpl", Form::X, pat::x31(32), {BF, L10, RA, RB}, &op_cmpl},
    {"cmprb", Form::X, pat::x31(192), {BF, L10, RA, RB}, &op_cmprb},
    {"cmpeqb", Form::X, pat::x31(224), {BF, RA, RB}, &op_cmpeqb},
    {"setb", Form::X, pat::x31(128), {RT, BFA}, &op_setb},
    {"tw", Form::X, pat::x31(4), {TO, RA, RB}, &op_tw},
    {"td", Form::X, pat::x31(68), {TO, RA, RB}, &op_td},

    // --- logical (§3.3.13) -----------------------------------------------------------------
    {"and", Form::X, pat::x31(28), {RA, RS, RB}, &op_and_, F::kRc},
    {"andc", Form::X, pat::x31(60), {RA, RS, RB}, &op_andc, F::kRc},
    {"or", Form::X, pat::x31(444), {RA, RS, RB}, &op_or_, F::kRc},
    {"orc", Form::X, pat::x31(412), {RA, RS, RB}, &op_orc, F::kRc},
    {"xor", Form::X, pat::x31(316), {RA, RS, RB}, &op_xor_, F::kRc},
    {"nand", Form::X, pat::x31(476), {RA, RS, RB}, &op_nand, F::kRc},
    {"nor", Form::X, pat::x31(124), {RA, RS, RB}, &op_nor, F::kRc},
    {"eqv", Form::X, pat::x31(284), {RA, RS, RB}, &op_eqv, F::kRc},
    {"extsb", Form::X, pat::x31(954), {RA, RS}, &op_extsb, F::kRc},
    {"extsh", Form::X, pat::x31(922), {RA, RS}, &op_extsh, F::kRc},
    {"extsw", Form::X, pat::x31(986), {RA, RS}, &op_extsw, F::kRc},
    {"cntlzw", Form::X, pat::x31(26), {RA, RS}, &op_cntlzw, F::kRc},
    {"cntlzd", Form::X, pat::x31(58), {RA, RS}, &op_cntlzd, F::kRc},
    {"cnttzw", Form::X, pat::x31(538), {RA, RS}, &op_cnttzw, F::kRc},
    {"cnttzd", Form::X, pat::x31(570), {RA, RS}, &op_cnttzd, F::kRc},
    {"popcntb", Form::X, pat::x31(122), {RA, RS}, &op_popcntb},
    {"popcntw", Form::X, pat::x31(378), {RA, RS}, &op_popcntw},
    {"popcntd", Form::X, pat::x31(506), {RA, RS}, &op_popcntd},
    {"prtyw", Form::X, pat::x31(154), {RA, RS}, &op_prtyw},
    {"prtyd", Form::X, pat::x31(186), {RA, RS}, &op_prtyd},
    {"cmpb", Form::X, pat::x31(508), {RA, RS, RB}, &op_cmpb},
    {"bpermd", Form::X, pat::x31(252), {RA, RS, RB}, &op_bpermd},

    // --- rotate and shift (§3.3.14-§3.3.15) -----------------------------------------------
    {"rlwimi", Form::M, pat::po(20), {RA, RS, SH, MB, ME}, &op_rlwimi, F::kRc, &prep::rlw},
    {"rlwinm", Form::M, pat::po(21), {RA, RS, SH, MB, ME}, &op_rlwinm, F::kRc, &prep::rlw},
    {"rlwnm", Form::M, pat::po(23), {RA, RS, RB, MB, ME}, &op_rlwnm, F::kRc, &prep::rlw},
    {"rldicl", Form::MD, pat::md(0), {RA, RS, SH6, MB6}, &op_rldicl, F::kRc, &prep::rldicl},
    {"rldicr", Form::MD, pat::md(1), {RA, RS, SH6, MB6}, &op_rldicr, F::kRc, &prep::rldicr},
    {"rldic", Form::MD, pat::md(2), {RA, RS, SH6, MB6}, &op_rldic, F::kRc, &prep::rldic},
    {"rldimi", Form::MD, pat::md(3), {RA, RS, SH6, MB6}, &op_rldimi, F::kRc, &prep::rldic},
    {"rldcl", Form::MDS, pat::mds(8), {RA, RS, RB, MB6}, &op_rldcl, F::kRc, &prep::rldcl},
    {"rldcr", Form::MDS, pat::mds(9), {RA, RS, RB, MB6}, &op_rldcr, F::kRc, &prep::rldcr},
    {"slw", Form::X, pat::x31(24), {RA, RS, RB}, &op_slw, F::kRc},
    {"srw", Form::X, pat::x31(536), {RA, RS, RB}, &op_srw, F::kRc},
    {"sraw", Form::X, pat::x31(792), {RA, RS, RB}, &op_sraw, F::kRc},
    {"srawi", Form::X, pat::x31(824), {RA, RS, SH}, &op_srawi, F::kRc},
    {"sld", Form::X, pat::x31(27), {RA, RS, RB}, &op_sld, F::kRc},
    {"srd", Form::X, pat::x31(539), {RA, RS, RB}, &op_srd, F::kRc},
    {"srad", Form::X, pat::x31(794), {RA, RS, RB}, &op_srad, F::kRc},
    {"sradi", Form::XS, pat::xs31(413), {RA, RS, SH6}, &op_sradi, F::kRc, &prep::xs_sh},
    {"extswsli", Form::XS, pat::xs31(445), {RA, RS, SH6}, &op_extswsli, F::kRc, &prep::xs_sh},

    // --- moves, isel, darn (§3.3.16-§3.3.17, §2.5.1) -------------------------------------
    {"isel", Form::A, pat::a(31, 15), {RT, RA0, RB, BCrc}, &op_isel},
    {"darn", Form::X, pat::x31(755), {RT, L14_15}, &op_darn},
    {"mcrxrx", Form::X, pat::x31(576), {BF}, &op_mcrxrx},
    {"mfcr", Form::XFX, pat::xfx11(19, 0), {RT}, &op_mfcr},
    {"mfocrf", Form::XFX, pat::xfx11(19, 1), {RT, FXM}, &op_mfocrf, 0, &prep::fxm},
    {"mtcrf", Form::XFX, pat::xfx11(144, 0), {FXM, RS}, &op_mtcrf, 0, &prep::fxm},
    {"mtocrf", Form::XFX, pat::xfx11(144, 1), {FXM, RS}, &op_mtocrf, 0, &prep::fxm},
    {"mcrf", Form::XL, pat::x(19, 0), {BF, BFA}, &op_mcrf},
    {"crnor", Form::XL, pat::x(19, 33), {BT, BA, BB}, &op_crnor},
    {"crandc", Form::XL, pat::x(19, 129), {BT, BA, BB}, &op_crandc},
    {"crxor", Form::XL, pat::x(19, 193), {BT, BA, BB}, &op_crxor},
    {"crnand", Form::XL, pat::x(19, 225), {BT, BA, BB}, &op_crnand},
    {"crand", Form::XL, pat::x(19, 257), {BT, BA, BB}, &op_crand},
    {"creqv", Form::XL, pat::x(19, 289), {BT, BA, BB}, &op_creqv},
    {"crorc", Form::XL, pat::x(19, 417), {BT, BA, BB}, &op_crorc},
    {"cror", Form::XL, pat::x(19, 449), {BT, BA, BB}, &op_cror},

    // --- branches, system call, interrupt return (§2.4; Book III §4.3) ------------------
    {"b", Form::I, pat::po(18), {LI}, &op_b, F::kBranch | F::kAA | F::kLK},
    {"bc", Form::B, pat::po(16), {BO, BI, BD}, &op_bc, F::kBranch | F::kAA | F::kLK},
    {"bclr", Form::XL, pat::x(19, 16), {BO, BI, BH}, &op_bclr, F::kBranch | F::kLK},
    {"bcctr", Form::XL, pat::x(19, 528), {BO, BI, BH}, &op_bcctr, F::kBranch | F::kLK},
    {"bctar", Form::XL, pat::x(19, 560), {BO, BI, BH}, &op_bctar, F::kBranch | F::kLK},
    {"sc", Form::SC, pat::sc(), {LEV}, &op_sc, F::kBranch},
    {"scv", Form::SC, pat::scv(), {LEV}, &op_scv, F::kBranch},
    {"rfid", Form::XL, pat::x(19, 18), {}, &op_rfid, F::kBranch | F::kPrivileged},
    {"rfscv", Form::XL, pat::x(19, 82), {}, &op_rfscv, F::kBranch | F::kPrivileged},
    {"rfebb", Form::XL, pat::x(19, 146), {}, &op_rfebb, F::kBranch},
    {"hrfid", Form::XL, pat::x(19, 274), {}, &op_hypervisor_only, F::kBranch | F::kHypervisor},
    {"isync", Form::XL, pat::x(19, 150), {}, &op_isync, F::kBranch},
    {"stop", Form::XL, pat::x(19, 370), {}, &op_stop, F::kBranch | F::kPrivileged},

    // --- loads and stores (§3.3.2-§3.3.5) --------------------------------------------------
    {"lwz", Form::D, pat::po(32), {RT, D}, &op_load<uint32_t, false, Addr::D>},
    {"lwzu", Form::D, pat::po(33), {RT, D}, &op_load<uint32_t, false, Addr::DUpdate>, F::kLoadUpdate},
    {"lbz", Form::D, pat::po(34), {RT, D}, &op_load<uint8_t, false, Addr::D>},
    {"lbzu", Form::D, pat::po(35), {RT, D}, &op_load<uint8_t, false, Addr::DUpdate>, F::kLoadUpdate},
    {"stw", Form::D, pat::po(36), {RS, D}, &op_store<uint32_t, Addr::D>},
    {"stwu", Form::D, pat::po(37), {RS, D}, &op_store<uint32_t, Addr::DUpdate>, F::kStoreUpdate},
    {"stb", Form::D, pat::po(38), {RS, D}, &op_store<uint8_t, Addr::D>},
    {"stbu", Form::D, pat::po(39), {RS, D}, &op_store<uint8_t, Addr::DUpdate>, F::kStoreUpdate},
    {"lhz", Form::D, pat::po(40), {RT, D}, &op_load<uint16_t, false, Addr::D>},
    {"lhzu", Form::D, pat::po(41), {RT, D}, &op_load<uint16_t, false, Addr::DUpdate>, F::kLoadUpdate},
    {"lha", Form::D, pat::po(42), {RT, D}, &op_load<uint16_t, true, Addr::D>},
    {"lhau", Form::D, pat::po(43), {RT, D}, &op_load<uint16_t, true, Addr::DUpdate>, F::kLoadUpdate},
    {"sth", Form::D, pat::po(44), {RS, D}, &op_store<uint16_t, Addr::D>},
    {"sthu", Form::D, pat::po(45), {RS, D}, &op_store<uint16_t, Addr::DUpdate>, F::kStoreUpdate},
    {"lmw", Form::D, pat::po(46), {RT, D}, &op_lmw},
    {"stmw", Form::D, pat::po(47), {RS, D}, &op_stmw},
    {"lq", Form::DQ, pat::po(56), {RT, DQ}, &op_lq},
    {"ld", Form::DS, pat::ds(58, 0), {RT, DS}, &op_load<uint64_t, false, Addr::D>},
    {"ldu", Form::DS, pat::ds(58, 1), {RT, DS}, &op_load<uint64_t, false, Addr::DUpdate>, F::kLoadUpdate},
    {"lwa", Form::DS, pat::ds(58, 2), {RT, DS}, &op_load<uint32_t, true, Addr::D>},
    {"std", Form::DS, pat::ds(62, 0), {RS, DS}, &op_store<uint64_t, Addr::D>},
    {"stdu", Form::DS, pat::ds(62, 1), {RS, DS}, &op_store<uint64_t, Addr::DUpdate>, F::kStoreUpdate},
    {"stq", Form::DS, pat::ds(62, 2), {RS, DS}, &op_stq},
    {"lbzx", Form::X, pat::x31(87), {RT, RA0, RB}, &op_load<uint8_t, false, Addr::X>},
    {"lbzux", Form::X, pat::x31(119), {RT, RA, RB}, &op_load<uint8_t, false, Addr::XUpdate>, F::kLoadUpdate},
    {"lhzx", Form::X, pat::x31(279), {RT, RA0, RB}, &op_load<uint16_t, false, Addr::X>},
    {"lhzux", Form::X, pat::x31(311), {RT, RA, RB}, &op_load<uint16_t, false, Addr::XUpdate>, F::kLoadUpdate},
    {"lhax", Form::X, pat::x31(343), {RT, RA0, RB}, &op_load<uint16_t, true, Addr::X>},
    {"lhaux", Form::X, pat::x31(375), {RT, RA, RB}, &op_load<uint16_t, true, Addr::XUpdate>, F::kLoadUpdate},
    {"lwzx", Form::X, pat::x31(23), {RT, RA0, RB}, &op_load<uint32_t, false, Addr::X>},
    {"lwzux", Form::X, pat::x31(55), {RT, RA, RB}, &op_load<uint32_t, false, Addr::XUpdate>, F::kLoadUpdate},
    {"lwax", Form::X, pat::x31(341), {RT, RA0, RB}, &op_load<uint32_t, true, Addr::X>},
    {"lwaux", Form::X, pat::x31(373), {RT, RA, RB}, &op_load<uint32_t, true, Addr::XUpdate>, F::kLoadUpdate},
    {"ldx", Form::X, pat::x31(21), {RT, RA0, RB}, &op_load<uint64_t, false, Addr::X>},
    {"ldux", Form::X, pat::x31(53), {RT, RA, RB}, &op_load<uint64_t, false, Addr::XUpdate>, F::kLoadUpdate},
    {"stbx", Form::X, pat::x31(215), {RS, RA0, RB}, &op_store<uint8_t, Addr::X>},
    {"stbux", Form::X, pat::x31(247), {RS, RA, RB}, &op_store<uint8_t, Addr::XUpdate>, F::kStoreUpdate},
    {"sthx", Form::X, pat::x31(407), {RS, RA0, RB}, &op_store<uint16_t, Addr::X>},
    {"sthux", Form::X, pat::x31(439), {RS, RA, RB}, &op_store<uint16_t, Addr::XUpdate>, F::kStoreUpdate},
    {"stwx", Form::X, pat::x31(151), {RS, RA0, RB}, &op_store<uint32_t, Addr::X>},
    {"stwux", Form::X, pat::x31(183), {RS, RA, RB}, &op_store<uint32_t, Addr::XUpdate>, F::kStoreUpdate},
    {"stdx", Form::X, pat::x31(149), {RS, RA0, RB}, &op_store<uint64_t, Addr::X>},
    {"stdux", Form::X, pat::x31(181), {RS, RA, RB}, &op_store<uint64_t, Addr::XUpdate>, F::kStoreUpdate},
    {"lhbrx", Form::X, pat::x31(790), {RT, RA0, RB}, &op_load<uint16_t, false, Addr::X, true>},
    {"lwbrx", Form::X, pat::x31(534), {RT, RA0, RB}, &op_load<uint32_t, false, Addr::X, true>},
    {"ldbrx", Form::X, pat::x31(532), {RT, RA0, RB}, &op_load<uint64_t, false, Addr::X, true>},
    {"sthbrx", Form::X, pat::x31(918), {RS, RA0, RB}, &op_store<uint16_t, Addr::X, true>},
    {"stwbrx", Form::X, pat::x31(662), {RS, RA0, RB}, &op_store<uint32_t, Addr::X, true>},
    {"stdbrx", Form::X, pat::x31(660), {RS, RA0, RB}, &op_store<uint64_t, Addr::X, true>},
    {"lswi", Form::X, pat::x31(597), {RT, RA0, NB}, &op_lswi},
    {"lswx", Form::X, pat::x31(533), {RT, RA0, RB}, &op_lswx},
    {"stswi", Form::X, pat::x31(725), {RS, RA0, NB}, &op_stswi},
    {"stswx", Form::X, pat::x31(661), {RS, RA0, RB}, &op_stswx},
    {"lwat", Form::X, pat::x31(582), {RT, RA, NB}, &op_lwat},
    {"ldat", Form::X, pat::x31(614), {RT, RA, NB}, &op_ldat},
    {"stwat", Form::X, pat::x31(710), {RS, RA, NB}, &op_stwat},
    {"stdat", Form::X, pat::x31(742), {RS, RA, NB}, &op_stdat},

    // --- larx / stcx. (Book II §4.4.2) ------------------------------------------------------
    {"lbarx", Form::X, pat::x31(52), {RT, RA0, RB}, &op_lbarx},
    {"lharx", Form::X, pat::x31(116), {RT, RA0, RB}, &op_lharx},
    {"lwarx", Form::X, pat::x31(20), {RT, RA0, RB}, &op_lwarx},
    {"ldarx", Form::X, pat::x31(84), {RT, RA0, RB}, &op_ldarx},
    {"lqarx", Form::X, pat::x31(276), {RT, RA0, RB}, &op_lqarx},
    {"stbcx.", Form::X, pat::x31_dot(694), {RS, RA0, RB}, &op_stbcx},
    {"sthcx.", Form::X, pat::x31_dot(726), {RS, RA0, RB}, &op_sthcx},
    {"stwcx.", Form::X, pat::x31_dot(150), {RS, RA0, RB}, &op_stwcx},
    {"stdcx.", Form::X, pat::x31_dot(214), {RS, RA0, RB}, &op_stdcx},
    {"stqcx.", Form::X, pat::x31_dot(182), {RS, RA0, RB}, &op_stqcx},

    // --- storage control (Book II §4.3, §4.6; Book III §6.10) ---------------------------
    {"sync", Form::X, pat::x31(598), {L9_10}, &op_sync},
    {"eieio", Form::X, pat::x31(854), {}, &op_eieio},
    {"msgsync", Form::X, pat::x31(886), {}, &op_msgsync, F::kPrivileged},
    {"dcbz", Form::X, pat::x31(1014), {RA0, RB}, &op_dcbz},
    {"dcbt", Form::X, pat::x31(278), {RA0, RB}, &op_dcb_touch},
    {"dcbtst", Form::X, pat::x31(246), {RA0, RB}, &op_dcb_touch},
    {"dcbf", Form::X, pat::x31(86), {RA0, RB}, &op_dcb_flush},
    {"dcbst", Form::X, pat::x31(54), {RA0, RB}, &op_dcb_flush},
    {"icbi", Form::X, pat::x31(982), {RA0, RB}, &op_icbi},
    {"icbt", Form::X, pat::x31(22), {RA0, RB}, &op_icbt},
    {"tlbie", Form::X, pat::x31(306), {RB, RS, RIC, PRS, Rbit}, &op_tlbie, F::kPrivileged},
    {"tlbiel", Form::X, pat::x31(274), {RB, RS, RIC, PRS, Rbit}, &op_tlbiel, F::kPrivileged},
    {"tlbsync", Form::X, pat::x31(566), {}, &op_tlbsync, F::kPrivileged},
    {"slbia", Form::X, pat::x31(498), {IH}, &op_slbia, F::kPrivileged},
    {"slbie", Form::X, pat::x31(434), {RB}, &op_slbie, F::kPrivileged},
    {"slbieg", Form::X, pat::x31(466), {RS, RB}, &op_hypervisor_only, F::kHypervisor},
    {"slbiag", Form::X, pat::x31(850), {RS}, &op_hypervisor_only, F::kHypervisor},
    {"slbmte", Form::X, pat::x31(402), {RS, RB}, &op_hypervisor_only, F::kHypervisor},
    {"slbmfev", Form::X, pat::x31(851), {RT, RB}, &op_hypervisor_only, F::kHypervisor},
    {"slbmfee", Form::X, pat::x31(915), {RT, RB}, &op_hypervisor_only, F::kHypervisor},
    {"slbfee.", Form::X, pat::x31_dot(979), {RT, RB}, &op_hypervisor_only, F::kHypervisor},
    {"slbsync", Form::X, pat::x31(338), {}, &op_hypervisor_only, F::kHypervisor},
    {"msgsnd", Form::X, pat::x31(206), {RB}, &op_hypervisor_only, F::kHypervisor},
    {"msgclr", Form::X, pat::x31(238), {RB}, &op_hypervisor_only, F::kHypervisor},
    {"msgsndp", Form::X, pat::x31(142), {RB}, &op_msgsndp, F::kPrivileged},
    {"msgclrp", Form::X, pat::x31(174), {RB}, &op_msgclrp, F::kPrivileged},
    {"lwzcix", Form::X, pat::x31(789), {RT, RA0, RB}, &op_hypervisor_only, F::kHypervisor},
    {"lhzcix", Form::X, pat::x31(821), {RT, RA0, RB}, &op_hypervisor_only, F::kHypervisor},
    {"lbzcix", Form::X, pat::x31(853), {RT, RA0, RB}, &op_hypervisor_only, F::kHypervisor},
    {"ldcix", Form::X, pat::x31(885), {RT, RA0, RB}, &op_hypervisor_only, F::kHypervisor},
    {"stwcix", Form::X, pat::x31(917), {RS, RA0, RB}, &op_hypervisor_only, F::kHypervisor},
    {"sthcix", Form::X, pat::x31(949), {RS, RA0, RB}, &op_hypervisor_only, F::kHypervisor},
    {"stbcix", Form::X, pat::x31(981), {RS, RA0, RB}, &op_hypervisor_only, F::kHypervisor},
    {"stdcix", Form::X, pat::x31(1013), {RS, RA0, RB}, &op_hypervisor_only, F::kHypervisor},

    // --- SPRs, MSR, timebase, idle (Book III §4.4, §10) ---------------------------------
    {"mfspr", Form::XFX, pat::x31(339), {RT, SPR}, &op_mfspr},
    {"mtspr", Form::XFX, pat::x31(467), {SPR, RS}, &op_mtspr},
    {"mftb", Form::XFX, pat::x31(371), {RT, TBR}, &op_mftb},
    {"mfmsr", Form::X, pat::x31(83), {RT}, &op_mfmsr, F::kPrivileged},
    {"mtmsr", Form::X, pat::x31(146), {RS, L15}, &op_mtmsr, F::kPrivileged},
    {"mtmsrd", Form::X, pat::x31(178), {RS, L15}, &op_mtmsrd, F::kPrivileged},
    {"wait", Form::X, pat::x31(30), {WC}, &op_wait, F::kBranch},

    // --- floating point, VMX, VSX: facility checks, then Unimplemented (issue 3 item 2) ---
    {"lfs", Form::D, pat::po(48), {RT, D}, &op_facility, F::kFp},
    {"lfsu", Form::D, pat::po(49), {RT, D}, &op_facility, F::kFp},
    {"lfd", Form::D, pat::po(50), {RT, D}, &op_facility, F::kFp},
    {"lfdu", Form::D, pat::po(51), {RT, D}, &op_facility, F::kFp},
    {"stfs", Form::D, pat::po(52), {RT, D}, &op_facility, F::kFp},
    {"stfsu", Form::D, pat::po(53), {RT, D}, &op_facility, F::kFp},
    {"stfd", Form::D, pat::po(54), {RT, D}, &op_facility, F::kFp},
    {"stfdu", Form::D, pat::po(55), {RT, D}, &op_facility, F::kFp},
    {"lfdp", Form::DS, pat::ds(57, 0), {RT, DS}, &op_facility, F::kFp},
    {"lxsd", Form::DS, pat::ds(57, 2), {RT, DS}, &op_facility, F::kVsx},
    {"lxssp", Form::DS, pat::ds(57, 3), {RT, DS}, &op_facility, F::kVsx},
    {"stfdp", Form::DS, pat::ds(61, 0), {RT, DS}, &op_facility, F::kFp},
    {"lxv", Form::DQ, pat::dq(61, 1), {RT, DQ}, &op_facility, F::kVsx},
    {"stxsd", Form::DS, pat::ds(61, 2), {RT, DS}, &op_facility, F::kVsx},
    {"stxssp", Form::DS, pat::ds(61, 3), {RT, DS}, &op_facility, F::kVsx},
    {"stxv", Form::DQ, pat::dq(61, 5), {RT, DQ}, &op_facility, F::kVsx},
    {"lfsx", Form::X, pat::x31(535), {RT, RA0, RB}, &op_facility, F::kFp},
    {"lfsux", Form::X, pat::x31(567), {RT, RA, RB}, &op_facility, F::kFp},
    {"lfdx", Form::X, pat::x31(599), {RT, RA0, RB}, &op_facility, F::kFp},
    {"lfdux", Form::X, pat::x31(631), {RT, RA, RB}, &op_facility, F::kFp},
    {"stfsx", Form::X, pat::x31(663), {RT, RA0, RB}, &op_facility, F::kFp},
    {"stfsux", Form::X, pat::x31(695), {RT, RA, RB}, &op_facility, F::kFp},
    {"stfdx", Form::X, pat::x31(727), {RT, RA0, RB}, &op_facility, F::kFp},
    {"stfdux", Form::X, pat::x31(759), {RT, RA, RB}, &op_facility, F::kFp},
    {"lfiwax", Form::X, pat::x31(855), {RT, RA0, RB}, &op_facility, F::kFp},
    {"lfiwzx", Form::X, pat::x31(887), {RT, RA0, RB}, &op_facility, F::kFp},
    {"stfiwx", Form::X, pat::x31(983), {RT, RA0, RB}, &op_facility, F::kFp},
    {"lvsl", Form::X, pat::x31(6), {RT, RA0, RB}, &op_facility, F::kVec},
    {"lvsr", Form::X, pat::x31(38), {RT, RA0, RB}, &op_facility, F::kVec},
    {"lvebx", Form::X, pat::x31(7), {RT, RA0, RB}, &op_facility, F::kVec},
    {"lvehx", Form::X, pat::x31(39), {RT, RA0, RB}, &op_facility, F::kVec},
    {"lvewx", Form::X, pat::x31(71), {RT, RA0, RB}, &op_facility, F::kVec},
    {"lvx", Form::X, pat::x31(103), {RT, RA0, RB}, &op_facility, F::kVec},
    {"lvxl", Form::X, pat::x31(359), {RT, RA0, RB}, &op_facility, F::kVec},
    {"stvebx", Form::X, pat::x31(135), {RT, RA0, RB}, &op_facility, F::kVec},
    {"stvehx", Form::X, pat::x31(167), {RT, RA0, RB}, &op_facility, F::kVec},
    {"stvewx", Form::X, pat::x31(199), {RT, RA0, RB}, &op_facility, F::kVec},
    {"stvx", Form::X, pat::x31(231), {RT, RA0, RB}, &op_facility, F::kVec},
    {"stvxl", Form::X, pat::x31(487), {RT, RA0, RB}, &op_facility, F::kVec},
    {"lxsiwzx", Form::X, pat::x31(12), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxsiwax", Form::X, pat::x31(76), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxsiwx", Form::X, pat::x31(140), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxvx", Form::X, pat::x31(268), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxvl", Form::X, pat::x31(269), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxvll", Form::X, pat::x31(301), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxvdsx", Form::X, pat::x31(332), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxvwsx", Form::X, pat::x31(364), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxvx", Form::X, pat::x31(396), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxvl", Form::X, pat::x31(397), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxvll", Form::X, pat::x31(429), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxsspx", Form::X, pat::x31(524), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxsdx", Form::X, pat::x31(588), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxsspx", Form::X, pat::x31(652), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxsdx", Form::X, pat::x31(716), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxvw4x", Form::X, pat::x31(780), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxsibzx", Form::X, pat::x31(781), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxvh8x", Form::X, pat::x31(812), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxsihzx", Form::X, pat::x31(813), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxvd2x", Form::X, pat::x31(844), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"lxvb16x", Form::X, pat::x31(876), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxvw4x", Form::X, pat::x31(908), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxsibx", Form::X, pat::x31(909), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxvh8x", Form::X, pat::x31(940), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxsihx", Form::X, pat::x31(941), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxvd2x", Form::X, pat::x31(972), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"stxvb16x", Form::X, pat::x31(1004), {RT, RA0, RB}, &op_facility, F::kVsx},
    {"mfvsrd", Form::X, pat::x31(51), {RA, RT}, &op_facility, F::kVsx},
    {"mfvsrwz", Form::X, pat::x31(115), {RA, RT}, &op_facility, F::kVsx},
    {"mtvsrd", Form::X, pat::x31(179), {RT, RA}, &op_facility, F::kVsx},
    {"mtvsrwa", Form::X, pat::x31(211), {RT, RA}, &op_facility, F::kVsx},
    {"mtvsrwz", Form::X, pat::x31(243), {RT, RA}, &op_facility, F::kVsx},
    {"mfvsrld", Form::X, pat::x31(307), {RA, RT}, &op_facility, F::kVsx},
    {"mtvsrws", Form::X, pat::x31(403), {RT, RA}, &op_facility, F::kVsx},
    {"mtvsrdd", Form::X, pat::x31(435), {RT, RA, RB}, &op_facility, F::kVsx},
    // The rest of the FP (59, 63), VMX (4) and VSX (60) opcode spaces: one entry each,
    // filling only the slots no named instruction took.
    {"vmx-op", Form::Facility, pat::po(4), {Word}, &op_facility, F::kVec | F::kFallback},
    {"fp-op", Form::Facility, pat::po(59), {Word}, &op_facility, F::kFp | F::kFallback},
    {"vsx-op", Form::Facility, pat::po(60), {Word}, &op_facility, F::kVsx | F::kFallback},
    {"fp-op", Form::Facility, pat::po(63), {Word}, &op_facility, F::kFp | F::kFallback},
};

inline constexpr std::size_t kInsnCount = std::size(kInsnTable);
static_assert(kInsnCount < 0xFFFF, "entry indices are 16-bit");

}  // namespace nv2::isa
