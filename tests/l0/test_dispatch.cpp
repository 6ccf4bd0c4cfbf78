// The dispatch table against the spec's hcall list, the one finish(), and the element →
// state accessor table against the element table.
#include <gtest/gtest.h>

#include <set>

#include "gsb/elements.hpp"
#include "isa/state.hpp"
#include "l0/dispatch.hpp"
#include "l0/guest.hpp"
#include "l0/run_output.hpp"
#include "l0/state_access.hpp"
#include "support_l1.hpp"

namespace nv2::l0 {
namespace {

using papr::Hcall;
using papr::HStatus;

TEST(Dispatch, TableServesExactlyTheSpecHcalls) {
  // §3: the eight H_GUEST_* calls with semantics, plus H_RPT_INVALIDATE for the L1 (§8).
  const std::set<uint64_t> expected = {0x448, 0x460, 0x464, 0x470, 0x474, 0x478, 0x47C, 0x480, 0x488};
  std::set<uint64_t> served;
  for (uint64_t op = 0; op <= papr::kMaxHcall + 8; ++op)
    if (handler_for(op)) served.insert(op);
  EXPECT_EQ(served, expected);
  // Every nestedv2 opcode of the papr table is served except H_GUEST_COPY_MEMORY.
  for (const auto& h : papr::kHcallTable) {
    if (!h.nested_v2) continue;
    EXPECT_EQ(handler_for(papr::opcode(h.hcall)).has_value(), h.hcall != Hcall::H_GUEST_COPY_MEMORY)
        << h.name;
  }
  EXPECT_EQ(kSlots.size(), papr::kHcallSlots);
}

TEST(Dispatch, UnknownUnassignedAndReservedOpcodesAnswerHFunction) {
  test::World w;
  for (uint64_t op : {uint64_t{0x468}, uint64_t{0x46C}, papr::opcode(Hcall::H_GUEST_COPY_MEMORY),
                      uint64_t{0}, uint64_t{0x461}, uint64_t{0x4}, papr::opcode(Hcall::H_ENTER_NESTED),
                      papr::opcode(Hcall::H_SET_PARTITION_TABLE), papr::kMaxHcall + 4,
                      ~uint64_t{0}, uint64_t{1} << 40}) {
    const auto a = w.l1.raw(op, {0, 0, 0});
    EXPECT_EQ(a.status, HStatus::Function) << std::hex << op;
  }
}

TEST(Dispatch, FinishWritesStatusAndOnlyTheOutputsGiven) {
  papr::HcallRegs regs;
  regs.r[4] = 111;
  regs.r[5] = 222;
  finish(regs, HcallResult::with(HStatus::P2, 1));
  EXPECT_EQ(regs.r[3], papr::to_abi(HStatus::P2));
  EXPECT_EQ(regs.r[4], 1u);
  EXPECT_EQ(regs.r[5], 222u);  // untouched
  finish(regs, HcallResult::error(HStatus::Hardware));
  EXPECT_EQ(regs.r[3], static_cast<uint64_t>(-1));
  EXPECT_EQ(regs.r[4], 1u);
}

TEST(StateAccess, EveryElementIdHasAHomeAndWritableOnesRoundTrip) {
  isa::VcpuState vcpu;
  isa::PartitionConfig config;
  VcpuRegistration reg;
  HostCounters host{1, 2, 3, 4, 5};
  StateRefs refs{&vcpu, &reg, &config, &host};
  std::size_t n = 0;
  for (gsb::ElementId id : gsb::kIdByDenseIndex) {
    const Accessor* a = accessor(id);
    ASSERT_NE(a, nullptr) << gsb::element_name(id);
    const gsb::ElementDesc* d = gsb::find(id);
    EXPECT_EQ(a->type, d->type) << gsb::element_name(id);
    ++n;
    if (!d->writable()) {
      EXPECT_EQ(a->set, nullptr) << gsb::element_name(id);
      continue;
    }
    // A distinct value per ID, inside the settable mask, survives a write and a read.
    const uint64_t x = 0x0101010101010101ull * (id & 0xFF) ^ id;
    gsb::Value v;
    switch (d->type) {
      case gsb::Type::Be32: v = static_cast<uint32_t>(x); break;
      case gsb::Type::Be64: v = x & settable_bits(id); break;
      case gsb::Type::Vec128: v = gsb::Vec128{x, ~x}; break;
      case gsb::Type::PartitionTable: v = gsb::PartitionTableInfo{x, 52, 0x10000}; break;
      case gsb::Type::ProcessTable: v = gsb::ProcessTableInfo{x, 0x1000}; break;
      case gsb::Type::BufferInfo: v = gsb::BufferInfo{x, 0x100}; break;
    }
    write_element(refs, id, v);
    EXPECT_EQ(read_element(refs, id), v) << gsb::element_name(id);
  }
  EXPECT_EQ(n, gsb::kElementCount);
}

TEST(StateAccess, DistinctElementsHaveDistinctHomes) {
  // Writing one thread-wide register must not change any other: no two IDs share a home.
  for (gsb::ElementId id : gsb::kIdByDenseIndex) {
    const gsb::ElementDesc* d = gsb::find(id);
    if (d->scope != gsb::Scope::Thread || !d->writable() || d->type == gsb::Type::BufferInfo) continue;
    isa::VcpuState vcpu;
    VcpuRegistration reg;
    StateRefs refs{&vcpu, &reg, nullptr, nullptr};
    const isa::VcpuState before = vcpu;
    gsb::Value v;
    if (d->type == gsb::Type::Be32) v = uint32_t{0xA5A5A5A5};
    else if (d->type == gsb::Type::Be64) v = uint64_t{0x00A5A5A5A5A5A5A4} & settable_bits(id);
    else v = gsb::Vec128{1, 2};
    write_element(refs, id, v);
    if (id == gsb::id::kVpa) {
      EXPECT_EQ(vcpu, before);
      continue;
    }
    EXPECT_NE(vcpu, before) << gsb::element_name(id) << " has no home in VcpuState";
    // Exactly one element changed: all others read as before.
    StateRefs before_refs{const_cast<isa::VcpuState*>(&before), &reg, nullptr, nullptr};
    for (gsb::ElementId other : gsb::kIdByDenseIndex) {
      const gsb::ElementDesc* od = gsb::find(other);
      if (other == id || od->scope != gsb::Scope::Thread || od->first == gsb::id::kRunInput ||
          other == gsb::id::kRunOutput || other == gsb::id::kVpa)
        continue;
      EXPECT_EQ(read_element(refs, other), read_element(before_refs, other))
          << gsb::element_name(id) << " also changed " << gsb::element_name(other);
    }
  }
}

TEST(StateAccess, SettableMasksKeepTheL0OwnedBits) {
  // §9.2 nv2 decision: bits outside the settable mask are silently kept, not rejected.
  isa::VcpuState vcpu;
  vcpu.msr = 0x1000;  // ME, owned by the L0
  isa::PartitionConfig config;
  StateRefs refs{&vcpu, nullptr, &config, nullptr};
  write_element(refs, gsb::id::kMsr, gsb::Value{~uint64_t{0} & ~uint64_t{0x1000}});
  // The L0 also keeps the HISI cause bits (reserved in the MSR; docs/decisions/l0.md).
  EXPECT_EQ(vcpu.msr, (gsb::kMsrSettable & ~hisi::kCauseBits) | 0x1000);
  write_element(refs, gsb::id::kLpcr, gsb::Value{~uint64_t{0}});
  EXPECT_EQ(vcpu.lpcr, gsb::kLpcrSettable);
  write_element(refs, 0x104F, gsb::Value{~uint64_t{0}});  // HDEXCR
  EXPECT_EQ(vcpu.hdexcr, gsb::kHdexcrSettable);
  write_element(refs, gsb::id::kTbOffset, gsb::Value{~uint64_t{0}});
  EXPECT_EQ(config.tb_offset, gsb::kTbOffsetSettable);
}

TEST(RunOutput, EveryExitReasonHasItsSpecElementsAndDecExpiry) {
  for (const auto& e : kExitOutputs) {
    const auto ids = e.elements();
    EXPECT_EQ(ids.back(), gsb::id::kDecExpiry);
    for (auto id : ids) {
      ASSERT_NE(gsb::find(id), nullptr);
      EXPECT_TRUE(gsb::find(id)->readable());
      EXPECT_EQ(gsb::find(id)->scope, gsb::Scope::Thread);
    }
    EXPECT_LE(encoded_size(e), kRunOutputMinSize);
  }
  EXPECT_EQ(exit_outputs(papr::ExitReason::Hcall).count, 11);
  EXPECT_EQ(exit_outputs(papr::ExitReason::Hdsi).count, 6);
  EXPECT_EQ(kRunOutputMinSize, 136u);
}

TEST(RunOutput, EngineExitsMapToTheSpecExitReasons) {
  using isa::ExitKind;
  using papr::ExitReason;
  EXPECT_EQ(exit_reason(ExitKind::Stopped), ExitReason::Stopped);
  EXPECT_EQ(exit_reason(ExitKind::Hdec), ExitReason::Hdec);
  EXPECT_EQ(exit_reason(ExitKind::Hcall), ExitReason::Hcall);
  EXPECT_EQ(exit_reason(ExitKind::Hdsi), ExitReason::Hdsi);
  EXPECT_EQ(exit_reason(ExitKind::Hisi), ExitReason::Hisi);
  EXPECT_EQ(exit_reason(ExitKind::Hea), ExitReason::Hea);
  EXPECT_EQ(exit_reason(ExitKind::HvFacilityUnavailable), ExitReason::HvFacilityUnavailable);
  // nv2 decisions: an instruction the engine lacks is the L1's to emulate (HEA, HEIR set);
  // a run whose guest was deleted has no exit reason (the hcall answers H_STATE).
  EXPECT_EQ(exit_reason(ExitKind::Unimplemented), ExitReason::Hea);
  EXPECT_FALSE(exit_reason(ExitKind::Deleted).has_value());
  // The r4 values are the engine's for every exit the L1 sees.
  for (auto k : {ExitKind::Stopped, ExitKind::Hdec, ExitKind::Hcall, ExitKind::Hdsi, ExitKind::Hisi, ExitKind::Hea,
                 ExitKind::HvFacilityUnavailable})
    EXPECT_EQ(static_cast<uint64_t>(*exit_reason(k)), static_cast<uint64_t>(k));
}

}  // namespace
}  // namespace nv2::l0
