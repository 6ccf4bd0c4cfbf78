// Why the engine stopped running an L2 vCPU (papr-nestedv2.md §5; issue 3 item 6).
//
// The values of the exits that the L0 reports to the L1 are the r4 exit reasons of
// H_GUEST_RUN_VCPU. The L0 turns the two engine-only kinds into an hcall answer.
#pragma once

#include <cstdint>

namespace nv2::isa {

enum class ExitKind : uint32_t {
  Stopped = 0x000,                // external stop request, or idle past the HDEC deadline
  Hdec = 0x980,                   // timebase reached HDEC expiry
  Hcall = 0xC00,                  // sc 1 from L2 privileged state
  Hdsi = 0xE00,                   // partition-scoped data fault: HDAR, HDSISR, ASDR set
  Hisi = 0xE20,                   // partition-scoped instruction fault: ASDR set
  Hea = 0xE40,                    // HEIR set
  HvFacilityUnavailable = 0xF80,  // HFSCR interrupt cause set
  // Engine-only: an enabled FP/VMX/VSX instruction the engine does not implement yet.
  // HEIR holds the instruction; the L0 reports it to the L1 as HEA (docs/decisions.md).
  Unimplemented = 0x10000,
  // Engine-only: the vCPU's guest was deleted under it (the L0 answers H_STATE).
  Deleted = 0x10001,
};

struct Exit {
  ExitKind kind = ExitKind::Stopped;
  uint64_t instructions = 0;  // retired during this run
};

}  // namespace nv2::isa
