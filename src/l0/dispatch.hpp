// The hcall dispatch table (style-examples.md §8; papr-nestedv2.md §3).
//
// Dense, indexed by opcode / 4 (papr::kHcallSlots slots), built at compile time: a byte per
// slot names the handler, 0 = unserved (H_FUNCTION). H_GUEST_COPY_MEMORY (no public
// semantics) and the unassigned 0x468/0x46C are left unserved on purpose.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "l0/host.hpp"
#include "papr/hcall.hpp"

namespace nv2::l0 {

using Handler = HcallResult (Partition::*)(const papr::HcallRegs&);

struct HandlerEntry {
  papr::Hcall hcall;
  Handler handler;
};

// The hcalls this L0 serves, sorted by opcode.
inline constexpr std::array kServed = {
    HandlerEntry{papr::Hcall::H_RPT_INVALIDATE, &Partition::h_rpt_invalidate},
    HandlerEntry{papr::Hcall::H_GUEST_GET_CAPABILITIES, &Partition::h_guest_get_capabilities},
    HandlerEntry{papr::Hcall::H_GUEST_SET_CAPABILITIES, &Partition::h_guest_set_capabilities},
    HandlerEntry{papr::Hcall::H_GUEST_CREATE, &Partition::h_guest_create},
    HandlerEntry{papr::Hcall::H_GUEST_CREATE_VCPU, &Partition::h_guest_create_vcpu},
    HandlerEntry{papr::Hcall::H_GUEST_GET_STATE, &Partition::h_guest_get_state},
    HandlerEntry{papr::Hcall::H_GUEST_SET_STATE, &Partition::h_guest_set_state},
    HandlerEntry{papr::Hcall::H_GUEST_RUN_VCPU, &Partition::h_guest_run_vcpu},
    HandlerEntry{papr::Hcall::H_GUEST_DELETE, &Partition::h_guest_delete},
};

// opcode / 4 → 1 + index into kServed (0 = H_FUNCTION). A duplicate or misaligned entry
// makes the consteval lambda fail to compile (style §2: collisions are compile errors).
inline constexpr auto kSlots = [] {
  std::array<uint8_t, papr::kHcallSlots> slots{};
  for (std::size_t i = 0; i < kServed.size(); ++i) {
    const uint64_t op = papr::opcode(kServed[i].hcall);
    if (op % 4 != 0 || op / 4 >= slots.size() || slots[op / 4] != 0)
      throw "hcall dispatch: misaligned, out of range or duplicate opcode";
    slots[op / 4] = static_cast<uint8_t>(i + 1);
  }
  return slots;
}();

// The handler serving `opcode`, or nothing (H_FUNCTION).
constexpr std::optional<Handler> handler_for(uint64_t opcode) {
  if (opcode % 4 != 0 || opcode / 4 >= kSlots.size()) return std::nullopt;
  const uint8_t s = kSlots[opcode / 4];
  if (s == 0) return std::nullopt;
  return kServed[s - 1u].handler;
}

// The one place a handler's result becomes register values: r3 = papr::to_abi(status),
// r4/r5 = the outputs the handler gave.
void finish(papr::HcallRegs& regs, const HcallResult& result);

}  // namespace nv2::l0
