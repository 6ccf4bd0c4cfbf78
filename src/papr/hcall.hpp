// Hcall opcodes (papr-nestedv2.md §3 and §7; l2-machine.md "Hcalls the L1 serves").
//
// One table: the L0 dispatch, the L1 counters and the tracer all name hcalls from it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace nv2::papr {

enum class Hcall : uint64_t {
  // Served by the L1 for its L2 (PAPR, Linux hvcall.h numbering).
  H_SET_SPRG0 = 0x24,
  H_SET_DABR = 0x28,
  H_PAGE_INIT = 0x2C,
  H_GET_TERM_CHAR = 0x54,
  H_PUT_TERM_CHAR = 0x58,
  H_EOI = 0x64,
  H_CPPR = 0x68,
  H_IPI = 0x6C,
  H_IPOLL = 0x70,
  H_XIRR = 0x74,
  H_REGISTER_VPA = 0xDC,
  H_CEDE = 0xE0,
  H_CONFER = 0xE4,
  H_PROD = 0xE8,
  H_SET_XDABR = 0x134,
  H_XIRR_X = 0x2FC,
  H_RANDOM = 0x300,
  H_SET_MODE = 0x31C,
  H_REGISTER_PROC_TBL = 0x37C,
  H_RPT_INVALIDATE = 0x448,
  // nestedv2 (§3).
  H_GUEST_GET_CAPABILITIES = 0x460,
  H_GUEST_SET_CAPABILITIES = 0x464,
  H_GUEST_CREATE = 0x470,
  H_GUEST_CREATE_VCPU = 0x474,
  H_GUEST_GET_STATE = 0x478,
  H_GUEST_SET_STATE = 0x47C,
  H_GUEST_RUN_VCPU = 0x480,
  H_GUEST_COPY_MEMORY = 0x484,
  H_GUEST_DELETE = 0x488,
  // RTAS entry used by the L2's RTAS blob.
  H_RTAS = 0xF000,
  // nestedv1 (§7).
  H_SET_PARTITION_TABLE = 0xF800,
  H_ENTER_NESTED = 0xF804,
  H_TLB_INVALIDATE = 0xF808,
  H_COPY_TOFROM_GUEST = 0xF80C,
};

// One past the largest opcode: dense dispatch tables are sized kHcallSlots = max/4 + 1.
inline constexpr uint64_t kMaxHcall = 0xF80C;
inline constexpr uint64_t kHcallSlots = kMaxHcall / 4 + 1;

constexpr uint64_t opcode(Hcall h) { return static_cast<uint64_t>(h); }

struct HcallInfo {
  Hcall hcall;
  std::string_view name;
  bool nested_v2;  // one of the H_GUEST_* calls an L1 makes to the L0
};

inline constexpr std::array kHcallTable = {
    HcallInfo{Hcall::H_SET_SPRG0, "H_SET_SPRG0", false},
    HcallInfo{Hcall::H_SET_DABR, "H_SET_DABR", false},
    HcallInfo{Hcall::H_PAGE_INIT, "H_PAGE_INIT", false},
    HcallInfo{Hcall::H_GET_TERM_CHAR, "H_GET_TERM_CHAR", false},
    HcallInfo{Hcall::H_PUT_TERM_CHAR, "H_PUT_TERM_CHAR", false},
    HcallInfo{Hcall::H_EOI, "H_EOI", false},
    HcallInfo{Hcall::H_CPPR, "H_CPPR", false},
    HcallInfo{Hcall::H_IPI, "H_IPI", false},
    HcallInfo{Hcall::H_IPOLL, "H_IPOLL", false},
    HcallInfo{Hcall::H_XIRR, "H_XIRR", false},
    HcallInfo{Hcall::H_REGISTER_VPA, "H_REGISTER_VPA", false},
    HcallInfo{Hcall::H_CEDE, "H_CEDE", false},
    HcallInfo{Hcall::H_CONFER, "H_CONFER", false},
    HcallInfo{Hcall::H_PROD, "H_PROD", false},
    HcallInfo{Hcall::H_SET_XDABR, "H_SET_XDABR", false},
    HcallInfo{Hcall::H_XIRR_X, "H_XIRR_X", false},
    HcallInfo{Hcall::H_RANDOM, "H_RANDOM", false},
    HcallInfo{Hcall::H_SET_MODE, "H_SET_MODE", false},
    HcallInfo{Hcall::H_REGISTER_PROC_TBL, "H_REGISTER_PROC_TBL", false},
    HcallInfo{Hcall::H_RPT_INVALIDATE, "H_RPT_INVALIDATE", false},
    HcallInfo{Hcall::H_GUEST_GET_CAPABILITIES, "H_GUEST_GET_CAPABILITIES", true},
    HcallInfo{Hcall::H_GUEST_SET_CAPABILITIES, "H_GUEST_SET_CAPABILITIES", true},
    HcallInfo{Hcall::H_GUEST_CREATE, "H_GUEST_CREATE", true},
    HcallInfo{Hcall::H_GUEST_CREATE_VCPU, "H_GUEST_CREATE_VCPU", true},
    HcallInfo{Hcall::H_GUEST_GET_STATE, "H_GUEST_GET_STATE", true},
    HcallInfo{Hcall::H_GUEST_SET_STATE, "H_GUEST_SET_STATE", true},
    HcallInfo{Hcall::H_GUEST_RUN_VCPU, "H_GUEST_RUN_VCPU", true},
    HcallInfo{Hcall::H_GUEST_COPY_MEMORY, "H_GUEST_COPY_MEMORY", true},
    HcallInfo{Hcall::H_GUEST_DELETE, "H_GUEST_DELETE", true},
    HcallInfo{Hcall::H_RTAS, "H_RTAS", false},
    HcallInfo{Hcall::H_SET_PARTITION_TABLE, "H_SET_PARTITION_TABLE", false},
    HcallInfo{Hcall::H_ENTER_NESTED, "H_ENTER_NESTED", false},
    HcallInfo{Hcall::H_TLB_INVALIDATE, "H_TLB_INVALIDATE", false},
    HcallInfo{Hcall::H_COPY_TOFROM_GUEST, "H_COPY_TOFROM_GUEST", false},
};

constexpr std::string_view hcall_name(uint64_t op) {
  for (const auto& e : kHcallTable)
    if (opcode(e.hcall) == op) return e.name;
  return "H_UNKNOWN";
}

consteval bool hcall_table_is_sane() {
  for (std::size_t i = 0; i < kHcallTable.size(); ++i) {
    if (opcode(kHcallTable[i].hcall) % 4 != 0) return false;
    if (opcode(kHcallTable[i].hcall) > kMaxHcall) return false;
    if (i > 0 && opcode(kHcallTable[i - 1].hcall) >= opcode(kHcallTable[i].hcall)) return false;
  }
  return true;
}
static_assert(hcall_table_is_sane(), "hcall opcodes must be 4-aligned, sorted and unique");

}  // namespace nv2::papr
