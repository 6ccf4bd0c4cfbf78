// Interrupts taken inside an L2 (Power ISA 3.0B Book III §7 "Interrupts"; issue 3 item 4;
// papr-nestedv2.md §5).
//
// The engine delivers every interrupt the L2 handles itself (DSI, ISI, program, sc 0,
// decrementer, external, doorbell, ...) by setting SRR0/SRR1/MSR/NIA exactly as the ISA
// says; the partition-scoped and hypervisor-only events leave the engine as an Exit
// instead (isa/exit.hpp). Register bits are written by their book numbers (MSB-0).
#pragma once

#include <cstdint>
#include <optional>

#include "isa/exit.hpp"
#include "isa/mmu.hpp"
#include "isa/state.hpp"
#include "util/bits.hpp"

namespace nv2::isa {

// Interrupt vectors (ISA 3.0B Book III §7.5, Figure "Interrupt vectors"). The values are
// the offsets from the interrupt base (0, or the LPCR[AIL] base when that applies).
enum class Vector : uint32_t {
  SystemReset = 0x100,
  DataStorage = 0x300,
  DataSegment = 0x380,
  InstructionStorage = 0x400,
  InstructionSegment = 0x480,
  External = 0x500,
  Alignment = 0x600,
  Program = 0x700,
  FpUnavailable = 0x800,
  Decrementer = 0x900,
  DirectedPrivilegedDoorbell = 0xA00,
  SystemCall = 0xC00,
  Trace = 0xD00,
  PerformanceMonitor = 0xF00,
  VmxUnavailable = 0xF20,
  VsxUnavailable = 0xF40,
  FacilityUnavailable = 0xF60,
};

// Cause bits placed in SRR1 bits 33:36 and 42:47 (ISA 3.0B Book III §7.5.x, one table per
// interrupt). Pass them as `srr1_cause` to deliver_interrupt.
namespace srr1 {
using bits::bit;
// Program interrupt (§7.5.9): exactly one reason bit is set.
inline constexpr uint64_t kProgramFpEnabled = bit(43);
inline constexpr uint64_t kProgramIllegal = bit(44);
inline constexpr uint64_t kProgramPrivileged = bit(45);
inline constexpr uint64_t kProgramTrap = bit(46);
inline constexpr uint64_t kProgramSrr0Next = bit(47);  // SRR0 holds the next instruction
// Instruction storage interrupt (§7.5.5), the same bit places as the DSISR causes.
inline constexpr uint64_t kIsiNoTranslation = bit(33);  // no valid PTE / radix entry
inline constexpr uint64_t kIsiNoExecGuard = bit(35);    // fetch from a no-execute page
inline constexpr uint64_t kIsiProtection = bit(36);     // EAA forbids the fetch
inline constexpr uint64_t kIsiIamr = bit(42);           // IAMR key 0 forbids the fetch
inline constexpr uint64_t kIsiBadConfig = bit(44);      // unsupported radix tree configuration
// The SRR1 bits an interrupt sets from its cause rather than copying from the MSR.
inline constexpr uint64_t kCauseMask = bits::field_mask(33, 36) | bits::field_mask(42, 47);
static_assert(kProgramIllegal == 0x80000 && kProgramPrivileged == 0x40000 &&
              kProgramTrap == 0x20000);
static_assert(kIsiNoTranslation == 0x40000000 && kIsiNoExecGuard == 0x10000000 &&
              kIsiProtection == 0x08000000 && kIsiIamr == 0x00200000);
}  // namespace srr1

// DSISR cause bits (ISA 3.0B Book III §7.5.3; the same places serve HDSISR, §7.5.17).
// DSISR is a 32-bit register numbered 32:63 in the ISA.
namespace dsisr {
inline constexpr uint32_t bit(unsigned n) { return static_cast<uint32_t>(bits::bit(n)); }
inline constexpr uint32_t kNoTranslation = bit(33);  // no valid radix entry
inline constexpr uint32_t kProtection = bit(36);     // EAA forbids the access
inline constexpr uint32_t kStore = bit(38);          // the access was a store
inline constexpr uint32_t kAmr = bit(42);            // AMR key 0 forbids the access
inline constexpr uint32_t kBadConfig = bit(44);      // unsupported radix tree configuration
inline constexpr uint32_t kAtomicRc = bit(45);       // R/C update could not be done atomically
inline constexpr uint32_t kTableWalk = bit(46);      // (HDSISR) fault on a process-scoped table read
static_assert(kNoTranslation == 0x40000000 && kProtection == 0x08000000 && kStore == 0x02000000 &&
              kAmr == 0x00200000 && kBadConfig == 0x00080000 && kTableWalk == 0x00020000);
}  // namespace dsisr

// MSR bits (ISA 3.0B Book III §4.2.1).
namespace msr {
using bits::bit;
inline constexpr uint64_t kSF = bit(0);
inline constexpr uint64_t kHV = bit(3);
inline constexpr uint64_t kTS = bits::field_mask(29, 30);
inline constexpr uint64_t kTM = bit(31);
inline constexpr uint64_t kVEC = bit(38);
inline constexpr uint64_t kVSX = bit(40);
inline constexpr uint64_t kS = bit(41);
inline constexpr uint64_t kEE = bit(48);
inline constexpr uint64_t kPR = bit(49);
inline constexpr uint64_t kFP = bit(50);
inline constexpr uint64_t kME = bit(51);
inline constexpr uint64_t kFE0 = bit(52);
inline constexpr uint64_t kSE = bit(53);
inline constexpr uint64_t kBE = bit(54);
inline constexpr uint64_t kFE1 = bit(55);
inline constexpr uint64_t kIR = bit(58);
inline constexpr uint64_t kDR = bit(59);
inline constexpr uint64_t kPMM = bit(61);
inline constexpr uint64_t kRI = bit(62);
inline constexpr uint64_t kLE = bit(63);
// Bits 33:36 and 42:47: where SRR1/HSRR1 carry interrupt-specific causes (§7.5: ISI, DSI
// and program reasons). Reserved in the MSR itself, so rfid and mtmsrd never set them: an
// L2 returning from its own ISI with rfid must not carry the cause into its MSR.
inline constexpr uint64_t kSrr1Cause = bits::field_mask(33, 36) | bits::field_mask(42, 47);
static_assert(kSF == 0x8000000000000000ull && kEE == 0x8000 && kPR == 0x4000 && kIR == 0x20 &&
              kDR == 0x10 && kLE == 0x1 && kSrr1Cause == 0x783F0000);
}  // namespace msr

// LPCR fields an L2's execution depends on (ISA 3.0B Book III §2.2; the L1-settable set is
// papr-nestedv2.md §4, element 0x102C).
namespace lpcr {
using bits::bit;
inline constexpr uint64_t kILE = bit(38);                       // interrupts taken little-endian
inline constexpr uint64_t kAIL = bits::field_mask(39, 40);     // alternate interrupt location
inline constexpr uint64_t kLD = bit(46);                        // large decrementer
inline constexpr uint64_t kMER = bit(52);                       // mediated external request
inline constexpr uint64_t kGTSE = bit(53);
inline constexpr uint64_t ail(uint64_t lpcr) { return bits::extract(lpcr, 39, 40); }
static_assert(kILE == 0x0000000002000000ull && kAIL == 0x0000000001800000ull &&
              kLD == 0x20000 && kMER == 0x800 && kGTSE == 0x400);
}  // namespace lpcr

// FSCR / HFSCR (ISA 3.0B Book III §4.2.x): facility enable bits and the interrupt cause
// field (bits 0:7) that a (hypervisor) facility unavailable interrupt sets.
namespace fscr {
// Facility numbers: the IC value and the enable bit `63 - n`.
enum class Facility : uint8_t { Fp = 0, VecVsx = 1, Dscr = 2, Pm = 3, Bhrb = 4, Tm = 5, Ebb = 7,
                                Tar = 8, Msgp = 10, Scv = 12, Prefix = 13 };
inline constexpr uint64_t enable(Facility f) { return bits::bit(63 - static_cast<unsigned>(f)); }
inline constexpr uint64_t kCauseMask = bits::field_mask(0, 7);
inline constexpr uint64_t with_cause(uint64_t reg, Facility f) {
  return bits::insert(reg, 0, 7, static_cast<uint64_t>(f));
}
static_assert(enable(Facility::Tar) == 0x100 && with_cause(0, Facility::Ebb) == 0x0700000000000000ull);
}  // namespace fscr

// Take interrupt `v` inside the L2 (ISA 3.0B Book III §7.4-§7.5):
//   SRR0 = srr0; SRR1 = the MSR bits the ISA keeps (0:32, 37:41, 48:63) | srr1_cause;
//   new MSR: SF=1, LE=LPCR[ILE], HV/ME/S kept, IR=DR=LPCR[AIL] relocation when it applies,
//   everything else 0; NIA = vector, or vector + the AIL base (0x18000 or 0xC000000000004000)
//   when the interrupt occurred with MSR[IR]=MSR[DR]=1 and is not a system reset.
void deliver_interrupt(VcpuState& s, Vector v, uint64_t srr0, uint64_t srr1_cause);

// Deliver the L2 interrupt for a fault translate() reported as ProcessFault or SegmentFault:
// DSI (DAR = ea, DSISR = cause) / ISI (SRR1 cause) / data or instruction segment. `nia` is
// the address of the faulting instruction (SRR0 for data faults; for fetches SRR0 = ea).
void deliver_storage_interrupt(VcpuState& s, const Translation& t, uint64_t ea, AccessType type,
                               uint64_t nia);

// Record a PartitionFault for the L0 (papr-nestedv2.md §5, §8): HDAR = ea, HDSISR = cause,
// ASDR = the L2 real page. Returns ExitKind::Hdsi for data accesses, Hisi for fetches. For
// HISI the cause bits (srr1::kIsi*) are also left in HDSISR; an L0 that mirrors hardware
// reports them in the MSR of the exit (HSRR1), which is where Linux's L1 reads them.
ExitKind record_partition_fault(VcpuState& s, const Translation& t, uint64_t ea, AccessType type);

// The asynchronous interrupt to take at this instruction boundary, if any, in priority
// order: system reset request; external (request or LPCR[MER]) when MSR[EE]; decrementer
// (L2 TB >= DEC expiry) when MSR[EE]; directed privileged doorbell (DPDES != 0 or request)
// when MSR[EE].
struct AsyncRequests {
  bool external = false;
  bool doorbell = false;
  bool system_reset = false;
};
std::optional<Vector> pending_async_interrupt(const VcpuState& s, uint64_t l2_tb,
                                              const AsyncRequests& r);

// True when the decrementer has expired at L2 timebase `l2_tb` (nv2 decision: DEC = expiry -
// TB, and it counts as negative from the expiry on, docs/decisions/isa-system.md).
inline bool decrementer_expired(const VcpuState& s, uint64_t l2_tb) {
  return l2_tb >= s.dec_expiry_tb;
}

}  // namespace nv2::isa
