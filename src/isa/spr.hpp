// Special-purpose registers an L2 reaches with mfspr/mtspr/mftb (Power ISA 3.0B Book III §4,
// §5.4.4 "Move To/From System Register"; issue 3 item 2).
//
// One table (spr.cpp, kSprTable) lists every SPR number nv2 knows: its name, who may read
// and who may write it (problem state, privileged state, hypervisor only), the facility
// bit of FSCR/HFSCR that gates it, and where its value lives in VcpuState (with any side
// effect). An L2 always runs with MSR[HV]=0, so a hypervisor-only SPR is an HEA exit that
// the L0 reports to the L1 (Illegal), as on POWER9.
#pragma once

#include <cstdint>
#include <span>

#include "isa/mmu.hpp"
#include "isa/state.hpp"

namespace nv2::isa {

enum class SprOutcome : uint8_t {
  Ok,
  Privileged,             // program interrupt 0x700, SRR1 privileged reason (caller delivers)
  Illegal,                // HEA: hypervisor-only or unknown SPR, reported to the L0 (caller exits)
  FacilityUnavailable,    // FSCR[IC] was set: caller delivers 0xF60 inside L2
  HvFacilityUnavailable,  // HFSCR[IC] was set: caller exits ExitKind::HvFacilityUnavailable
};

struct SprEnv {
  uint64_t l2_tb = 0;      // L2 timebase now, for TB/DEC reads and DEC writes
  uint32_t pvr = 0;        // logical PVR (element 0x0003), what mfspr PVR returns
  uint32_t pir = 0;        // processor id of this vCPU, what mfspr PIR returns
};

// Who may perform an access (the L2 always has MSR[HV]=0).
enum class SprAccess : uint8_t {
  None,        // no such access (read-only / write-only SPR): treated as Illegal
  Problem,     // any state
  Privileged,  // MSR[PR]=0
  Hypervisor,  // MSR[HV]=1: never an L2 -> Illegal
};

// FSCR/HFSCR gate (ISA 3.0B Book III §4.2.x): the facility number (the IC value), or kNone.
inline constexpr uint8_t kNoFacility = 0xFF;

struct SprInfo {
  uint16_t number;
  const char* name;
  SprAccess read;
  SprAccess write;
  uint8_t facility;     // checked against HFSCR always, and FSCR in problem state
  bool fscr_problem_only;  // FSCR gates only problem-state accesses (all of nv2's so far)
  uint64_t (*get)(const VcpuState&, const SprEnv&);
  void (*set)(VcpuState&, const SprEnv&, uint64_t, SoftTlb&);
};

// The table, sorted by number (spr.cpp static_asserts it).
std::span<const SprInfo> spr_table();
// The entry for `sprn` (0..1023), or nullptr for an SPR nv2 does not define.
const SprInfo* find_spr(unsigned sprn);

// mfspr/mtspr from the L2 with MSR `s.msr` (only PR matters: HV is always 0). `sprn` is the
// SPR number (the instruction's split field already swapped). On Ok the value is read or
// written; otherwise nothing changes except the IC field of FSCR/HFSCR on a facility
// unavailable outcome. Privilege per ISA 3.0B Book III §4.4.4: an SPR number with bit 4 of
// the 10-bit number set (0x10) is privileged; problem state access to it is Privileged even
// when nv2 does not define it.
SprOutcome read_spr(VcpuState& s, unsigned sprn, const SprEnv& env, uint64_t& value);
SprOutcome write_spr(VcpuState& s, unsigned sprn, const SprEnv& env, uint64_t value,
                     SoftTlb& tlb /* PIDR writes flush */);

// The DEC value at `l2_tb` (ISA 3.0B Book III §6.2): dec_expiry_tb - tb, as a zero-extended
// 32-bit value (LPCR[LD]=0) or the 56-bit large decrementer sign-extended (LPCR[LD]=1).
uint64_t dec_value(const VcpuState& s, uint64_t l2_tb);
// mtspr DEC: dec_expiry_tb = tb + sign-extended value.
void set_dec(VcpuState& s, uint64_t l2_tb, uint64_t value);

}  // namespace nv2::isa
