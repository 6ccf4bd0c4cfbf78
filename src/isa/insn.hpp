// Instruction descriptors: the vocabulary of the one instruction table (insn_table.hpp).
//
// Power ISA 3.0B Book I §1.6 (instruction formats). Every field of a 32-bit instruction
// word is named by its MSB-0 bit numbers through `field()` (style-examples.md §3).
#pragma once

#include <cstdint>
#include <string_view>

#include "util/bits.hpp"

namespace nv2::isa {

// Bits first..last (MSB-0) of a 32-bit instruction word, right-aligned.
constexpr uint32_t field(uint32_t word, unsigned first, unsigned last) {
  return static_cast<uint32_t>(bits::extract<32>(word, first, last));
}
// Word with `value` placed in bits first..last (MSB-0): builds opcode patterns.
constexpr uint32_t place(unsigned first, unsigned last, uint32_t value) {
  return static_cast<uint32_t>(bits::insert<32>(0, first, last, value));
}
constexpr uint32_t mask_of(unsigned first, unsigned last) {
  return static_cast<uint32_t>(bits::field_mask<32>(first, last));
}
static_assert(field(0x7C0802A6u, 0, 5) == 31 && place(0, 5, 31) == 0x7C000000u);

struct Exec;
struct Decoded;

// What a handler tells the run loop.
enum class Flow : uint8_t {
  Next,       // completed; continue with the next decoded instruction of the block
  Branch,     // completed; the handler set NIA (taken or not, or end of block)
  EndBlock,   // block sentinel: NIA set to the fall-through address, nothing retired
  Interrupt,  // an interrupt was delivered inside the L2 (NIA = vector); not retired
  Exit,       // an exit to the L0 was recorded in the Exec; not retired
};

using Handler = Flow (*)(Exec&, const Decoded&);

// One predecoded instruction: the handler and its operands, extracted once per block
// (issue 3 item 3: "predecode into blocks of decoded instructions").
struct Decoded {
  Handler fn = nullptr;
  int64_t imm = 0;     // the form's immediate, already sign-extended/shifted (see Prep)
  uint32_t word = 0;   // the instruction word as the ISA numbers it
  uint8_t rt = 0;      // bits 6-10  (RT, RS, BO, BF||L, TO)
  uint8_t ra = 0;      // bits 11-15 (RA, BI, BFA)
  uint8_t rb = 0;      // bits 16-20 (RB, SH, NB)
  uint8_t rc = 0;      // bits 21-25 (RC of VA-form, MB of M-form, BC of isel)
  uint16_t desc = 0;   // index of the table entry (disassembly, statistics)
};

// Book I §1.6 instruction forms.
enum class Form : uint8_t {
  I, B, SC, D, DS, DQ, DX, X, XL, XFX, XFL, XS, XO, A, M, MD, MDS, VA, Z23, Facility
};

// Operand kinds: both the disassembly text and where the handler finds the value.
enum class Op : uint8_t {
  None,
  RT, RA, RB, RS, RC,   // GPRs at 6-10, 11-15, 16-20, 6-10, 21-25
  RA0,                  // RA, printed "0" when 0 ((RA|0) operands)
  SI, UI,               // 16-bit immediates at 16-31
  D,                    // D(RA|0): displacement at 16-31
  DS,                   // DS(RA|0): bits 16-29 || 0b00
  DQ,                   // DQ(RA|0): bits 16-27 || 0b0000
  BF, BFA,              // CR fields at 6-8, 11-13
  L10, L9_10, L15,      // L at bit 10 (cmp), 9-10 (sync), 15 (mtmsrd)
  BT, BA, BB,           // CR bits at 6-10, 11-15, 16-20
  BO, BI, BH,           // branch fields 6-10, 11-15, 19-20
  LI, BD,               // branch targets (relative unless AA)
  SH, MB, ME,           // rlw*: 16-20, 21-25, 26-30
  SH6, MB6,             // rld*: sh 16-20||30, mb/me 21-26 (mb5||mb0 swapped)
  SPR, TBR,             // split field 11-20
  FXM, TO, NB, LEV,     // 12-19, 6-10, 16-20, 20-26
  CY, WC, BCrc,         // addex 21-22, wait 9-10, isel BC at 21-25
  IH, RIC, PRS, Rbit,   // tlbie fields: 8-10, 12-13, 14, 15
  L14_15,               // darn L
  DXimm,                // addpcis d0||d1||d2
  Word,                 // the raw word (facility placeholders)
};

// Table entry flags.
namespace flag {
inline constexpr uint32_t kRc = 1u << 0;          // bit 31 is Rc ("." form)
inline constexpr uint32_t kOe = 1u << 1;          // bit 21 is OE ("o" form)
inline constexpr uint32_t kBranch = 1u << 2;      // ends a predecoded block
inline constexpr uint32_t kPrivileged = 1u << 3;  // program interrupt in problem state
inline constexpr uint32_t kHypervisor = 1u << 4;  // hypervisor-only: HEA from an L2
inline constexpr uint32_t kFp = 1u << 5;          // needs MSR[FP]
inline constexpr uint32_t kVec = 1u << 6;         // needs MSR[VEC]
inline constexpr uint32_t kVsx = 1u << 7;         // needs MSR[VSX]
inline constexpr uint32_t kFallback = 1u << 8;    // fills only slots no other entry took
inline constexpr uint32_t kLoadUpdate = 1u << 9;  // invalid form when RA=0 or RA=RT
inline constexpr uint32_t kStoreUpdate = 1u << 10;// invalid form when RA=0
inline constexpr uint32_t kAA = 1u << 11;         // bit 30 is AA (absolute address)
inline constexpr uint32_t kLK = 1u << 12;         // bit 31 is LK (link)
}  // namespace flag

// An opcode pattern: the word matches when (word & mask) == match.
struct Pattern {
  uint32_t match;
  uint32_t mask;
};

// Operand pre-extraction beyond the generic fields (rotate masks, split shift counts).
using Prep = void (*)(Decoded&);

struct InsnDesc {
  std::string_view mnemonic;
  Form form;
  Pattern pat;
  Op ops[5];            // disassembly order
  Handler fn;
  uint32_t flags = 0;
  Prep prep = nullptr;  // nullptr: imm from the first immediate operand of `ops`
};

}  // namespace nv2::isa
