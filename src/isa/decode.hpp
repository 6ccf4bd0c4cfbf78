// Decoder and disassembler, both driven by the instruction table (insn_table.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "isa/insn.hpp"

namespace nv2::isa {

// The table entry a word decodes to, or nullptr for an illegal/unknown encoding or an
// invalid form (update with RA=0 or RA=RT, lq with odd RTp, ...). Both lead to HEA.
const InsnDesc* decode(uint32_t word);

// The predecoded instruction: handler and operands. An undecodable word gets op_illegal.
Decoded predecode(uint32_t word);

// Disassembly text, e.g. "addi r3,r1,-16", "bc 12,2,+0x10", "stdu r1,-32(r1)".
// `cia` resolves relative branch targets when given; otherwise they print as offsets.
// An undecodable word prints as ".long 0x........".
std::string disassemble(uint32_t word);

// Number of table entries and access by index (tests walk the table).
std::size_t insn_count();
const InsnDesc& insn(std::size_t i);

// Compile-time validity of a table (the property decode.cpp enforces with a consteval
// builder): no two non-fallback entries may claim the same encoding. Exposed so a test
// can show a duplicate is rejected.
struct TableCheck {
  bool ok;
  int first_conflict;   // index of the entry that collided, or -1
  int second_conflict;
};

}  // namespace nv2::isa
