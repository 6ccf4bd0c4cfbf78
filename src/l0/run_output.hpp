// What H_GUEST_RUN_VCPU writes to the run output buffer for each exit
// (papr-nestedv2.md §5 table; nv2 adds DEC expiry 0x102A to every exit, as PowerVM does).
//
// One table: the output writer, the minimum output buffer size (element 0x0002) and the
// tests all read it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "gsb/elements.hpp"
#include "gsb/wire.hpp"
#include "isa/exit.hpp"
#include "isa/state.hpp"
#include "papr/flags.hpp"
#include "util/bits.hpp"

namespace nv2::l0 {

struct StateRefs;

// The HISI exit's MSR element (0x1022) is HSRR1, as hardware reports the fault to the L1:
// the L2's MSR with the ISI cause bits in their SRR1 places (ISA 3.0B Book III §7.5.5
// "Instruction Storage Interrupt" defines the bits; the Hypervisor Instruction Storage
// Interrupt sets them in HSRR1 the same way). A nestedv2 L1 reads the cause from there
// (Linux: `msr & DSISR_SRR1_MATCH_64S` on an 0xE20 exit). The engine leaves the cause in
// HDSISR (isa::record_partition_fault; the same bit places, DSISR numbering 32:63), which
// the HISI exit does not send (§5). docs/decisions/l0.md "HISI cause in the MSR element".
namespace hisi {
using bits::bit;
inline constexpr uint64_t kNoTranslation = bit(33);  // §7.5.5: no valid radix entry
inline constexpr uint64_t kNoExecGuard = bit(35);    // §7.5.5: no-execute or guarded storage
inline constexpr uint64_t kProtection = bit(36);     // §7.5.5: the EAA forbids the fetch
inline constexpr uint64_t kKey = bit(42);            // §7.5.5: IAMR key forbids the fetch
inline constexpr uint64_t kBadConfig = bit(44);      // §7.5.5: unsupported radix tree configuration
inline constexpr uint64_t kAtomicRc = bit(45);       // §7.5.5: R/C could not be set atomically
inline constexpr uint64_t kTableWalk = bit(46);      // HISI only: fault on a process-scoped table read
// Every cause bit; all are reserved in the MSR itself (ISA 3.0B Book III §4.2.1), so the
// L0 never lets an L1 write them into an L2's MSR (state_access.cpp, l0-owned MSR bits).
inline constexpr uint64_t kCauseBits =
    kNoTranslation | kNoExecGuard | kProtection | kKey | kBadConfig | kAtomicRc | kTableWalk;
static_assert(kCauseBits == 0x582E0000, "bits 33, 35, 36, 42, 44, 45, 46 (MSB-0)");

// HSRR1 of an HISI: the cause bits come from the cause, every other bit from the MSR (an
// MSR bit left in a cause place, which no L1 write can put there, is not reported as a cause).
constexpr uint64_t exit_msr(uint64_t msr, uint32_t hdsisr) {
  return (msr & ~kCauseBits) | (uint64_t{hdsisr} & kCauseBits);
}
}  // namespace hisi

struct ExitOutputs {
  papr::ExitReason reason;
  std::array<gsb::ElementId, 11> ids;
  uint8_t count;

  constexpr std::span<const gsb::ElementId> elements() const { return {ids.data(), count}; }
};

namespace detail {
using namespace gsb::id;
inline constexpr std::array kExitOutputs = {
    ExitOutputs{papr::ExitReason::Stopped, {kDecExpiry}, 1},
    ExitOutputs{papr::ExitReason::Hdec, {kDecExpiry}, 1},
    ExitOutputs{papr::ExitReason::Hcall,
                {gpr(3), gpr(4), gpr(5), gpr(6), gpr(7), gpr(8), gpr(9), gpr(10), gpr(11),
                 gpr(12), kDecExpiry},
                11},
    ExitOutputs{papr::ExitReason::Hdsi, {kHdar, kHdsisr, kAsdr, kNia, kMsr, kDecExpiry}, 6},
    ExitOutputs{papr::ExitReason::Hisi, {kHdar, kAsdr, kNia, kMsr, kDecExpiry}, 5},
    ExitOutputs{papr::ExitReason::Hea, {kHeir, kNia, kMsr, kDecExpiry}, 4},
    ExitOutputs{papr::ExitReason::HvFacilityUnavailable, {kHfscr, kNia, kMsr, kDecExpiry}, 4},
};
}  // namespace detail
inline constexpr auto& kExitOutputs = detail::kExitOutputs;

// The row of an exit reason (every ExitReason has one).
constexpr const ExitOutputs& exit_outputs(papr::ExitReason r) {
  for (const auto& e : kExitOutputs)
    if (e.reason == r) return e;
  return kExitOutputs[0];
}

// The exit the L1 sees for an engine exit (run.cpp). Unimplemented (an enabled instruction
// the engine lacks; HEIR holds it) is reported as HEA so the L1 can emulate or reflect it
// (nv2 decision, docs/decisions/l0.md). Deleted has no exit reason: the run answers H_STATE.
// The §5 reason of an engine exit, or kNoExitReason for a deleted guest's. A plain word:
// an std::optional return was a store-forwarding stall on every exit (perf, docs/perf/l0.md).
inline constexpr uint64_t kNoExitReason = ~uint64_t{0};
constexpr uint64_t exit_reason_code(isa::ExitKind k) {
  switch (k) {
    case isa::ExitKind::Stopped: return static_cast<uint64_t>(papr::ExitReason::Stopped);
    case isa::ExitKind::Hdec: return static_cast<uint64_t>(papr::ExitReason::Hdec);
    case isa::ExitKind::Hcall: return static_cast<uint64_t>(papr::ExitReason::Hcall);
    case isa::ExitKind::Hdsi: return static_cast<uint64_t>(papr::ExitReason::Hdsi);
    case isa::ExitKind::Hisi: return static_cast<uint64_t>(papr::ExitReason::Hisi);
    case isa::ExitKind::Hea: return static_cast<uint64_t>(papr::ExitReason::Hea);
    case isa::ExitKind::HvFacilityUnavailable: return static_cast<uint64_t>(papr::ExitReason::HvFacilityUnavailable);
    case isa::ExitKind::Unimplemented: return static_cast<uint64_t>(papr::ExitReason::Hea);
    case isa::ExitKind::Deleted: return kNoExitReason;
  }
  return kNoExitReason;
}
constexpr std::optional<papr::ExitReason> exit_reason(isa::ExitKind k) {
  const uint64_t r = exit_reason_code(k);
  if (r == kNoExitReason) return std::nullopt;
  return static_cast<papr::ExitReason>(r);
}

// Encoded size of one exit's output buffer: header + (element header + value) each.
constexpr uint64_t encoded_size(const ExitOutputs& e) {
  uint64_t n = gsb::kHeaderSize;
  for (gsb::ElementId id : e.elements()) n += gsb::kElementHeaderSize + gsb::find(id)->size();
  return n;
}

// Element 0x0002 (nv2 decision §9.5): the largest output any exit writes, so a buffer of
// this size always suffices. QEMU says 0x80; nv2's HCALL exit carries DEC expiry too and
// needs 136 bytes.
inline constexpr uint64_t kRunOutputMinSize = [] {
  uint64_t m = 0;
  for (const auto& e : kExitOutputs) m = encoded_size(e) > m ? encoded_size(e) : m;
  return m;
}();
static_assert(kRunOutputMinSize == 4 + 11 * 12, "HCALL exit: GPR3-12 + DEC expiry");

// The fast path of the output writer (run_output.cpp): the exit's elements encoded from
// `state` into `dst` by one precomputed program (header, state offset, width per element),
// byte for byte what the general pass (gsb::Writer + read_element) writes. Returns the bytes written, or
// 0 (nothing written) when the exit has no program or `dst` is too small: the caller then
// takes the general path. (A plain count: an std::optional return was a store-forwarding
// stall on every exit, perf.)
std::size_t encode_exit_output_fast(papr::ExitReason r, const isa::VcpuState& state, std::span<uint8_t> dst);
// The value element `id` (one of exit `r`'s row) has in that exit's output: the element
// as GET_STATE reads it, except the HISI exit's MSR (hisi::exit_msr). The general path
// (run.cpp) writes these; the fast path writes the same bytes.
gsb::Value exit_output_value(papr::ExitReason r, const StateRefs& refs, gsb::ElementId id);
// Whether encode_exit_output_fast serves this exit (every §5 exit does: their elements
// are all scalar members of the state).
bool has_exit_output_layout(papr::ExitReason r);

}  // namespace nv2::l0
