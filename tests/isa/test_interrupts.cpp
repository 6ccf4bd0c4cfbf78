// Interrupt delivery inside an L2 (Power ISA 3.0B Book III §7.4-§7.5): SRR0, SRR1, the new
// MSR and NIA for each vector, with LPCR[ILE] and LPCR[AIL] variants; async priorities.
#include <gtest/gtest.h>

#include <vector>

#include "isa/interrupts.hpp"

namespace nv2::isa {
namespace {

constexpr Vector kAllVectors[] = {
    Vector::SystemReset,   Vector::DataStorage,       Vector::DataSegment,
    Vector::InstructionStorage, Vector::InstructionSegment, Vector::External,
    Vector::Alignment,     Vector::Program,           Vector::FpUnavailable,
    Vector::Decrementer,   Vector::DirectedPrivilegedDoorbell, Vector::SystemCall,
    Vector::Trace,         Vector::PerformanceMonitor, Vector::VmxUnavailable,
    Vector::VsxUnavailable, Vector::FacilityUnavailable};

// A busy user-mode MSR: every bit an interrupt must clear or keep is set.
constexpr uint64_t kUserMsr = msr::kSF | msr::kVEC | msr::kVSX | msr::kEE | msr::kPR | msr::kFP |
                              msr::kME | msr::kFE0 | msr::kSE | msr::kFE1 | msr::kIR | msr::kDR |
                              msr::kPMM | msr::kRI | msr::kLE;

TEST(Interrupts, EveryVectorSavesStateAndEntersPrivilegedRealMode) {
  for (const Vector v : kAllVectors) {
    VcpuState s;
    s.msr = kUserMsr;
    s.lpcr = 0;  // ILE=0, AIL=0
    deliver_interrupt(s, v, 0x10001234, 0);
    EXPECT_EQ(s.srr0, 0x10001234u) << std::hex << static_cast<uint32_t>(v);
    EXPECT_EQ(s.srr1, kUserMsr) << std::hex << static_cast<uint32_t>(v);
    EXPECT_EQ(s.nia, static_cast<uint64_t>(v));
    // SF=1, ME kept, LE from ILE (0): big-endian, everything else off.
    EXPECT_EQ(s.msr, msr::kSF | msr::kME) << std::hex << static_cast<uint32_t>(v);
  }
}

TEST(Interrupts, Srr1CauseBitsReplaceTheMsrBitsInTheirPlaces) {
  VcpuState s;
  // MSR bits 33:36 and 42:47 are not architected MSR bits in use, but SRR1 must not copy them.
  s.msr = kUserMsr | bits::bit(33) | bits::bit(42);
  deliver_interrupt(s, Vector::Program, 0x700000, srr1::kProgramTrap);
  EXPECT_EQ(s.srr1, kUserMsr | srr1::kProgramTrap);
  deliver_interrupt(s, Vector::Program, 0x700000, srr1::kProgramPrivileged | msr::kEE);
  EXPECT_EQ(s.srr1 & srr1::kCauseMask, srr1::kProgramPrivileged);  // non-cause bits ignored
  EXPECT_EQ(srr1::kProgramIllegal, bits::bit(44));
}

TEST(Interrupts, LpcrIleSelectsLittleEndianHandlers) {
  VcpuState s;
  s.msr = msr::kSF | msr::kEE;
  s.lpcr = lpcr::kILE;
  deliver_interrupt(s, Vector::Decrementer, 0x100, 0);
  EXPECT_EQ(s.msr, msr::kSF | msr::kLE);
  EXPECT_EQ(s.srr1, msr::kSF | msr::kEE);
}

struct AilCase {
  uint64_t ail;
  uint64_t old_msr;
  Vector v;
  uint64_t want_nia;
  bool want_reloc;
};

TEST(Interrupts, AlternateInterruptLocation) {
  const uint64_t reloc = msr::kSF | msr::kIR | msr::kDR;
  const std::vector<AilCase> cases = {
      {3, reloc, Vector::SystemCall, 0xC000000000004C00ull, true},
      {3, reloc, Vector::DataStorage, 0xC000000000004300ull, true},
      {3, reloc | msr::kPR, Vector::Decrementer, 0xC000000000004900ull, true},
      {2, reloc, Vector::External, 0x18500, true},
      {1, reloc, Vector::External, 0x500, false},  // reserved: no relocation
      {0, reloc, Vector::External, 0x500, false},
      {3, msr::kSF | msr::kIR, Vector::External, 0x500, false},  // DR=0: AIL does not apply
      {3, msr::kSF | msr::kDR, Vector::External, 0x500, false},  // IR=0
      {3, reloc, Vector::SystemReset, 0x100, false},             // never for system reset
  };
  for (const AilCase& c : cases) {
    VcpuState s;
    s.msr = c.old_msr;
    s.lpcr = c.ail << (63 - 40) | lpcr::kILE;
    deliver_interrupt(s, c.v, 0x1000, 0);
    EXPECT_EQ(s.nia, c.want_nia) << "AIL " << c.ail << " vector " << std::hex
                                 << static_cast<uint32_t>(c.v);
    EXPECT_EQ((s.msr & (msr::kIR | msr::kDR)) != 0, c.want_reloc);
    EXPECT_EQ(s.msr & msr::kLE, msr::kLE);
    EXPECT_EQ(s.msr & msr::kPR, 0u);
  }
}

TEST(Interrupts, HypervisorStateIsKept) {
  // An L2 never has HV=1 (the settable MSR mask excludes it), but the rule is "kept".
  VcpuState s;
  s.msr = msr::kSF | msr::kPR;
  deliver_interrupt(s, Vector::SystemCall, 0x2000, 0);
  EXPECT_EQ(s.msr & msr::kHV, 0u);
}

TEST(AsyncInterrupts, PriorityAndMasking) {
  VcpuState s;
  s.msr = msr::kSF | msr::kEE;
  s.dec_expiry_tb = 1000;
  const AsyncRequests none;
  EXPECT_EQ(pending_async_interrupt(s, 999, none), std::nullopt);
  EXPECT_EQ(pending_async_interrupt(s, 1000, none), Vector::Decrementer);

  AsyncRequests all;
  all.external = all.doorbell = all.system_reset = true;
  EXPECT_EQ(pending_async_interrupt(s, 1000, all), Vector::SystemReset);
  all.system_reset = false;
  EXPECT_EQ(pending_async_interrupt(s, 1000, all), Vector::External);
  all.external = false;
  EXPECT_EQ(pending_async_interrupt(s, 1000, all), Vector::Decrementer);
  EXPECT_EQ(pending_async_interrupt(s, 10, all), Vector::DirectedPrivilegedDoorbell);

  // MSR[EE]=0 masks everything but system reset.
  s.msr = msr::kSF;
  s.dpdes = 1;
  s.lpcr = lpcr::kMER;
  AsyncRequests ext;
  ext.external = true;
  EXPECT_EQ(pending_async_interrupt(s, 5000, ext), std::nullopt);
  AsyncRequests sreset;
  sreset.system_reset = true;
  EXPECT_EQ(pending_async_interrupt(s, 0, sreset), Vector::SystemReset);
}

TEST(AsyncInterrupts, MediatedExternalAndDpdes) {
  VcpuState s;
  s.msr = msr::kSF | msr::kEE;
  s.dec_expiry_tb = ~uint64_t{0};
  EXPECT_EQ(pending_async_interrupt(s, 0, {}), std::nullopt);
  s.lpcr = lpcr::kMER;
  EXPECT_EQ(pending_async_interrupt(s, 0, {}), Vector::External);
  s.lpcr = 0;
  s.dpdes = 1;
  EXPECT_EQ(pending_async_interrupt(s, 0, {}), Vector::DirectedPrivilegedDoorbell);
}

TEST(AsyncInterrupts, DeliveringADecrementerFromUserMode) {
  VcpuState s;
  s.msr = msr::kSF | msr::kEE | msr::kPR | msr::kIR | msr::kDR | msr::kLE;
  s.lpcr = lpcr::kILE | lpcr::kAIL;  // AIL=3, as Linux runs
  s.nia = 0x10000100;
  s.dec_expiry_tb = 5;
  const auto v = pending_async_interrupt(s, 6, {});
  ASSERT_EQ(v, Vector::Decrementer);
  deliver_interrupt(s, *v, s.nia, 0);
  EXPECT_EQ(s.srr0, 0x10000100u);
  EXPECT_EQ(s.srr1, msr::kSF | msr::kEE | msr::kPR | msr::kIR | msr::kDR | msr::kLE);
  EXPECT_EQ(s.nia, 0xC000000000004900ull);
  EXPECT_EQ(s.msr, msr::kSF | msr::kIR | msr::kDR | msr::kLE);
  // With EE now 0, nothing more is pending.
  EXPECT_EQ(pending_async_interrupt(s, 6, {}), std::nullopt);
}

}  // namespace
}  // namespace nv2::isa
