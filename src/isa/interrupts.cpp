// Interrupt delivery inside an L2 (Power ISA 3.0B Book III §7.4 "Interrupt Processing",
// §7.5 "Interrupt Definitions").
#include "isa/interrupts.hpp"

#include <cassert>

namespace nv2::isa {

namespace {

// The MSR bits an interrupt to privileged (non-hypervisor) state keeps (§7.5, Figure "MSR
// setting due to interrupt"): HV (an L2 has HV=0 and keeps it), ME, S and the transaction
// state. SF is set, LE comes from LPCR[ILE], IR/DR from LPCR[AIL]; all others become 0.
constexpr uint64_t kMsrKept = msr::kHV | msr::kME | msr::kS | msr::kTS;

// LPCR[AIL] (§2.2, §7.4): 0 none, 1 reserved (treated as 0), 2 offset 0x18000, 3 offset
// 0xC000000000004000; both with relocation on.
constexpr uint64_t kAilOffset[4] = {0, 0, 0x18000, 0xC000000000004000ull};

// AIL applies when the interrupt occurs with MSR[IR]=MSR[DR]=1 and is not a System Reset
// or Machine Check (§7.4; those always run at the real-mode vector).
bool ail_applies(uint64_t old_msr, Vector v) {
  return v != Vector::SystemReset && (old_msr & msr::kIR) != 0 && (old_msr & msr::kDR) != 0;
}

}  // namespace

void deliver_interrupt(VcpuState& s, Vector v, uint64_t srr0, uint64_t srr1_cause) {
  const uint64_t old = s.msr;
  s.srr0 = srr0;
  // SRR1 33:36 and 42:47 come from the cause; every other bit is copied from the MSR.
  s.srr1 = (old & ~srr1::kCauseMask) | (srr1_cause & srr1::kCauseMask);

  uint64_t m = (old & kMsrKept) | msr::kSF;
  if ((s.lpcr & lpcr::kILE) != 0) m |= msr::kLE;
  uint64_t vector = static_cast<uint64_t>(v);
  const uint64_t ail = lpcr::ail(s.lpcr);
  if (ail_applies(old, v) && kAilOffset[ail] != 0) {
    m |= msr::kIR | msr::kDR;
    vector += kAilOffset[ail];
  }
  s.msr = m;
  s.nia = vector;
}

void deliver_storage_interrupt(VcpuState& s, const Translation& t, uint64_t ea, AccessType type,
                               uint64_t nia) {
  assert((t.kind == Translation::Kind::ProcessFault ||
          t.kind == Translation::Kind::SegmentFault) && "not an L2 storage fault");
  const bool segment = t.kind == Translation::Kind::SegmentFault;
  if (type == AccessType::Fetch) {
    // ISI/ISegI (§7.5.5, §7.5.6): SRR0 = the address of the instruction that was fetched.
    deliver_interrupt(s, segment ? Vector::InstructionSegment : Vector::InstructionStorage, ea,
                      segment ? 0 : t.cause);
    return;
  }
  // DSI/DSegI (§7.5.3, §7.5.4): SRR0 = the faulting instruction, DAR = EA, DSISR = cause.
  s.dar = ea;
  if (!segment) s.dsisr = t.cause;
  deliver_interrupt(s, segment ? Vector::DataSegment : Vector::DataStorage, nia, 0);
}

ExitKind record_partition_fault(VcpuState& s, const Translation& t, uint64_t ea, AccessType type) {
  assert(t.kind == Translation::Kind::PartitionFault && "not a partition-scoped fault");
  s.hdar = ea;
  s.hdsisr = t.cause;
  s.asdr = t.l2_real & ~uint64_t{0xFFF};
  return type == AccessType::Fetch ? ExitKind::Hisi : ExitKind::Hdsi;
}

std::optional<Vector> pending_async_interrupt(const VcpuState& s, uint64_t l2_tb,
                                              const AsyncRequests& r) {
  // Priority order of §7.8 restricted to what an L2 can see; System Reset is not maskable.
  if (r.system_reset) return Vector::SystemReset;
  if ((s.msr & msr::kEE) == 0) return std::nullopt;
  if (r.external || (s.lpcr & lpcr::kMER) != 0) return Vector::External;
  if (decrementer_expired(s, l2_tb)) return Vector::Decrementer;
  if (r.doorbell || s.dpdes != 0) return Vector::DirectedPrivilegedDoorbell;
  return std::nullopt;
}

}  // namespace nv2::isa
