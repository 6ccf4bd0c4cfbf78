// Superinstructions: pairs of predecoded instructions executed by one handler
// (issue 3 item 3, speed). The architected effect is exactly that of the pair; only the
// dispatch between them goes away.
#pragma once

#include <cstddef>

#include "isa/insn.hpp"

namespace nv2::isa {
struct Exec;
}

namespace nv2::isa {

// Rewrite the handlers of a freshly decoded block in place where a pair can be fused.
// Today: a compare (cmp, cmpl, cmpi, cmpli) followed by the block-ending `bc` that tests a
// bit of the field the compare set and does not use CTR; the compare may be up to four
// instructions earlier when those cannot fault and touch neither CR, XER nor its operands
// (it is then moved down next to the branch: Block::words keeps the address order).
void fuse_block(Decoded* insns, std::size_t count);

// Superblocks: a block goes on past a conditional `bc`/`bclr` (BO not "branch always"); such a side
// exit leaves the block when taken and continues with the next instruction when not.
bool is_side_exit(const Decoded& d);
// bc as a side exit: op_bc when taken; when not taken, the next decoded instruction.
Flow op_bc_side(Exec& x, const Decoded& d);
Flow op_bclr_side(Exec& x, const Decoded& d);

}  // namespace nv2::isa
