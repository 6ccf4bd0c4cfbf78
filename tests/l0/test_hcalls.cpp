// One test per hcall per return code of papr-nestedv2.md §3 (the run exits themselves are
// in test_run.cpp, concurrency outcomes in test_run_concurrency.cpp).
#include <gtest/gtest.h>

#include "l0/guest.hpp"
#include "l0/run_output.hpp"
#include "support_l1.hpp"

namespace nv2::l0::test {
namespace {

using gsb::id::kLogicalPvr;
constexpr uint64_t kGuestWide = papr::state_flag::kGuestWide;
constexpr uint64_t kHostWide = papr::state_flag::kHostWide;

// ---- H_GUEST_GET_CAPABILITIES --------------------------------------------------------

TEST(GetCapabilities, SuccessReportsTheConfiguredModes) {
  World w;
  const Answer a = w.l1.call(Hcall::H_GUEST_GET_CAPABILITIES, {0});
  EXPECT_EQ(a.status, HStatus::Success);
  EXPECT_EQ(a.r4, papr::cap::kPower9 | papr::cap::kPower10);
  HostConfig cfg;
  cfg.capabilities = papr::cap::kPower11 | papr::cap::kCopyMem | papr::cap::kBitmap2;
  World w11(cfg);
  // COPY_MEM and BITMAP2 are never offered (no semantics / no second bitmap).
  EXPECT_EQ(w11.l1.call(Hcall::H_GUEST_GET_CAPABILITIES, {0}).r4, papr::cap::kPower11);
}

TEST(GetCapabilities, ReservedFlagsAreHParameter) {
  World w;
  for (unsigned b = 0; b < 64; ++b)
    EXPECT_EQ(w.l1.call(Hcall::H_GUEST_GET_CAPABILITIES, {bits::bit(b)}).status, HStatus::Parameter) << b;
}

// ---- H_GUEST_SET_CAPABILITIES --------------------------------------------------------

TEST(SetCapabilities, SuccessWithASubsetOfTheOffer) {
  World w;
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_SET_CAPABILITIES, {0, papr::cap::kPower10}).status, HStatus::Success);
  EXPECT_EQ(w.part.negotiated_capabilities(), papr::cap::kPower10);
  // Until a guest exists the L1 may change its mind.
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_SET_CAPABILITIES, {0, papr::cap::kPower9}).status, HStatus::Success);
  EXPECT_EQ(w.part.negotiated_capabilities(), papr::cap::kPower9);
}

TEST(SetCapabilities, ReservedFlagsAreHParameter) {
  World w;
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_SET_CAPABILITIES, {1, papr::cap::kPower9}).status, HStatus::Parameter);
  EXPECT_EQ(w.part.negotiated_capabilities(), 0u);
}

TEST(SetCapabilities, BitsNotOfferedAreHP2WithBitmapCountAndFirstBadBit) {
  World w;
  Answer a = w.l1.call(Hcall::H_GUEST_SET_CAPABILITIES, {0, papr::cap::kCopyMem | papr::cap::kPower9});
  EXPECT_EQ(a.status, HStatus::P2);
  EXPECT_EQ(a.r4, 1u);  // one bad bitmap
  EXPECT_EQ(a.r5, 0u);  // COPY_MEM is bit 0
  a = w.l1.call(Hcall::H_GUEST_SET_CAPABILITIES, {0, papr::cap::kPower11});
  EXPECT_EQ(a.status, HStatus::P2);
  EXPECT_EQ(a.r5, 3u);
  a = w.l1.call(Hcall::H_GUEST_SET_CAPABILITIES, {0, papr::cap::kBitmap2 | papr::cap::kPower9});
  EXPECT_EQ(a.status, HStatus::P2);
  EXPECT_EQ(a.r5, 63u);
  // No mode at all: r5 names the first mode offered (POWER9, bit 1).
  a = w.l1.call(Hcall::H_GUEST_SET_CAPABILITIES, {0, 0});
  EXPECT_EQ(a.status, HStatus::P2);
  EXPECT_EQ(a.r4, 1u);
  EXPECT_EQ(a.r5, 1u);
  EXPECT_EQ(w.part.negotiated_capabilities(), 0u);
}

TEST(SetCapabilities, AfterAGuestExistsIsHState) {
  World w;
  w.l1.negotiate();
  w.l1.create_guest();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_SET_CAPABILITIES, {0, papr::cap::kPower9}).status, HStatus::State);
  EXPECT_EQ(w.part.negotiated_capabilities(), papr::cap::kPower9 | papr::cap::kPower10);
}

// ---- H_GUEST_CREATE ------------------------------------------------------------------

TEST(Create, SuccessGivesDistinctNonZeroIds) {
  World w;
  w.l1.negotiate();
  const uint64_t a = w.l1.create_guest();
  const uint64_t b = w.l1.create_guest();
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(w.part.guest_count(), 2u);
}

TEST(Create, BeforeSetCapabilitiesIsHState) {
  World w;
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken}).status, HStatus::State);
  EXPECT_EQ(w.part.guest_count(), 0u);
}

TEST(Create, ReservedFlagsAreHParameter) {
  World w;
  w.l1.negotiate();
  for (unsigned b = 0; b < 64; ++b)
    EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE, {bits::bit(b), papr::kCreateFirstCallToken}).status,
              HStatus::Parameter);
  EXPECT_EQ(w.part.guest_count(), 0u);
}

TEST(Create, AtTheGuestLimitIsHNotEnoughResourcesAndNothingLeaks) {
  HostConfig cfg;
  cfg.max_guests_per_partition = 2;
  World w(cfg);
  w.l1.negotiate();
  w.l1.create_guest();
  w.l1.create_guest();
  const uint64_t heap = w.host.accounting().heap_in_use();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken}).status,
            HStatus::NotEnoughResources);
  EXPECT_EQ(w.part.guest_count(), 2u);
  EXPECT_EQ(w.host.accounting().heap_in_use(), heap);
}

TEST(Create, BeyondTheHostHeapIsHNotEnoughResources) {
  HostConfig cfg;
  cfg.guest_heap_max = 64;  // less than one Guest
  World w(cfg);
  w.l1.negotiate();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken}).status,
            HStatus::NotEnoughResources);
  EXPECT_EQ(w.host.accounting().heap_in_use(), 0u);
  EXPECT_EQ(w.part.guest_count(), 0u);
}

TEST(Create, BusyHostAnswersHBusyWithAContinueTokenThenSucceeds) {
  HostConfig cfg;
  cfg.create_busy_count = 2;
  World w(cfg);
  w.l1.negotiate();
  Answer a = w.l1.call(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken});
  ASSERT_EQ(a.status, HStatus::Busy);
  const uint64_t token = a.r4;
  EXPECT_NE(token, papr::kCreateFirstCallToken);
  a = w.l1.call(Hcall::H_GUEST_CREATE, {0, token});
  ASSERT_EQ(a.status, HStatus::Busy);
  EXPECT_EQ(a.r4, token);
  EXPECT_EQ(w.part.guest_count(), 0u);
  a = w.l1.call(Hcall::H_GUEST_CREATE, {0, token});
  ASSERT_EQ(a.status, HStatus::Success);
  EXPECT_NE(a.r4, 0u);
  EXPECT_EQ(w.part.guest_count(), 1u);
  // The token is spent.
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE, {0, token}).status, HStatus::P2);
}

TEST(Create, LongBusyIsTheConfiguredCode) {
  HostConfig cfg;
  cfg.create_busy_count = 1;
  cfg.create_busy_status = HStatus::LongBusyOrder10Msec;
  World w(cfg);
  w.l1.negotiate();
  const Answer a = w.l1.call(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken});
  EXPECT_EQ(a.status, HStatus::LongBusyOrder10Msec);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE, {0, a.r4}).status, HStatus::Success);
}

TEST(Create, UnknownContinueTokenIsHP2) {
  HostConfig cfg;
  cfg.create_busy_count = 1;
  World w(cfg);
  w.l1.negotiate();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE, {0, 12345}).status, HStatus::P2);
  EXPECT_EQ(w.part.snapshot().pending_creates, 0u);
}

// ---- H_GUEST_CREATE_VCPU -------------------------------------------------------------

TEST(CreateVcpu, SuccessInAnyOrder) {
  World w;
  w.l1.negotiate();
  const uint64_t g = w.l1.create_guest();
  for (uint64_t v : {5u, 0u, 2047u})
    EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, v}).status, HStatus::Success) << v;
  const auto s = w.part.snapshot();
  ASSERT_EQ(s.guests.size(), 1u);
  ASSERT_EQ(s.guests[0].vcpus.size(), 3u);
  EXPECT_EQ(s.guests[0].vcpus[2].id, 2047u);
}

TEST(CreateVcpu, ReservedFlagsAreHParameter) {
  World w;
  w.l1.negotiate();
  const uint64_t g = w.l1.create_guest();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {1, g, 0}).status, HStatus::Parameter);
}

TEST(CreateVcpu, UnknownGuestIsHP2) {
  World w;
  w.l1.negotiate();
  const uint64_t g = w.l1.create_guest();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g + 1, 0}).status, HStatus::P2);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, 0, 0}).status, HStatus::P2);
}

TEST(CreateVcpu, OutOfRangeOrDuplicateIdIsHP3) {
  World w;
  w.l1.negotiate();
  const uint64_t g = w.l1.create_guest();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 2048}).status, HStatus::P3);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, ~uint64_t{0}}).status, HStatus::P3);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 1}).status, HStatus::Success);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 1}).status, HStatus::P3);
}

TEST(CreateVcpu, BeyondTheHostHeapIsHNotEnoughResources) {
  HostConfig cfg;
  cfg.guest_heap_max = 1024;  // a Guest fits, a Vcpu (its architected state alone is 2 KiB) does not
  World w(cfg);
  w.l1.negotiate();
  const uint64_t g = w.l1.create_guest();
  const uint64_t heap = w.host.accounting().heap_in_use();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 0}).status, HStatus::NotEnoughResources);
  EXPECT_EQ(w.host.accounting().heap_in_use(), heap);
}

// ---- H_GUEST_GET_STATE / H_GUEST_SET_STATE --------------------------------------------

struct StateTest : ::testing::Test {
  World w;
  uint64_t g = 0;
  void SetUp() override {
    w.l1.negotiate();
    g = w.l1.create_guest();
    ASSERT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 0}).status, HStatus::Success);
  }
};

TEST_F(StateTest, SuccessThreadWideSetThenGet) {
  EXPECT_EQ(w.l1.set(0, g, 0, {{gsb::id::gpr(7), uint64_t{77}}, {gsb::id::kCr, uint32_t{0x12345678}},
                              {gsb::id::vsr(40), gsb::Vec128{1, 2}}, {gsb::id::kDpdes, uint64_t{1}}})
                .status,
            HStatus::Success);
  auto [a, v] = w.l1.get(0, g, 0, {gsb::id::gpr(7), gsb::id::kCr, gsb::id::vsr(40), gsb::id::kDpdes});
  ASSERT_EQ(a.status, HStatus::Success);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], gsb::Value{uint64_t{77}});
  EXPECT_EQ(v[1], gsb::Value{uint32_t{0x12345678}});
  EXPECT_EQ(v[2], (gsb::Value{gsb::Vec128{1, 2}}));
  EXPECT_EQ(v[3], gsb::Value{uint64_t{1}});
}

TEST_F(StateTest, SuccessGuestWideSetThenGetIncludingReadOnlyInfo) {
  EXPECT_EQ(w.l1.set(kGuestWide, g, 0, {{kLogicalPvr, papr::pvr::kPower10}, {gsb::id::kTbOffset, uint64_t{1000}},
                                        {gsb::id::kProcessTable, gsb::ProcessTableInfo{0x8000, 0x1000}}})
                .status,
            HStatus::Success);
  auto [a, v] = w.l1.get(kGuestWide, g, 0, {gsb::id::kL0VcpuStateSize, gsb::id::kRunOutputMinSize,
                                            kLogicalPvr, gsb::id::kTbOffset, gsb::id::kProcessTable});
  ASSERT_EQ(a.status, HStatus::Success);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0], gsb::Value{kVcpuStateSize});
  EXPECT_EQ(v[1], gsb::Value{kRunOutputMinSize});
  EXPECT_EQ(v[2], gsb::Value{papr::pvr::kPower10});
  EXPECT_EQ(v[3], gsb::Value{uint64_t{1000}});
  EXPECT_EQ(v[4], (gsb::Value{gsb::ProcessTableInfo{0x8000, 0x1000}}));
}

TEST_F(StateTest, SuccessHostWideReportsTheRealAccounting) {
  const uint64_t before = std::get<uint64_t>(w.l1.get1(kHostWide, 0, 0, gsb::id::kHostHeapInUse));
  EXPECT_EQ(before, w.host.accounting().heap_in_use());
  EXPECT_GT(before, sizeof(isa::VcpuState));  // one guest with one vCPU is held
  ASSERT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 1}).status, HStatus::Success);
  // Guest and vCPU IDs are ignored for a host-wide GET.
  auto [a, v] = w.l1.get(kHostWide, 999, 4000, {gsb::id::kHostHeapInUse, gsb::id::kHostHeapMax,
                                                gsb::id::kHostPgtableInUse, gsb::id::kHostPgtableMax,
                                                gsb::id::kHostPgtableReclaim});
  ASSERT_EQ(a.status, HStatus::Success);
  const uint64_t after = std::get<uint64_t>(v[0]);
  EXPECT_GE(after - before, sizeof(Vcpu));  // the new vCPU's allocations, counted
  EXPECT_EQ(std::get<uint64_t>(v[1]), HostConfig{}.guest_heap_max);
  EXPECT_EQ(std::get<uint64_t>(v[3]), HostConfig{}.guest_pgtable_max);
  // Deleting the guest gives it all back.
  ASSERT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {0, g}).status, HStatus::Success);
  EXPECT_EQ(std::get<uint64_t>(w.l1.get1(kHostWide, 0, 0, gsb::id::kHostHeapInUse)), 0u);
}

TEST_F(StateTest, ReservedOrConflictingFlagsAreHParameter) {
  for (unsigned b = 2; b < 64; ++b) {
    EXPECT_EQ(w.l1.set(bits::bit(b), g, 0, {{gsb::id::gpr(1), uint64_t{1}}}).status, HStatus::Parameter) << b;
    EXPECT_EQ(w.l1.get(bits::bit(b), g, 0, {gsb::id::gpr(1)}).first.status, HStatus::Parameter) << b;
  }
  EXPECT_EQ(w.l1.get(kGuestWide | kHostWide, g, 0, {gsb::id::kHostHeapInUse}).first.status, HStatus::Parameter);
  // Host-wide is GET only.
  EXPECT_EQ(w.l1.set(kHostWide, g, 0, {{gsb::id::gpr(1), uint64_t{1}}}).status, HStatus::Parameter);
}

TEST_F(StateTest, UnknownGuestIsHP2) {
  EXPECT_EQ(w.l1.set(0, g + 1, 0, {{gsb::id::gpr(1), uint64_t{1}}}).status, HStatus::P2);
  EXPECT_EQ(w.l1.get(kGuestWide, 0, 0, {kLogicalPvr}).first.status, HStatus::P2);
}

TEST_F(StateTest, UnknownVcpuIsHP3) {
  EXPECT_EQ(w.l1.set(0, g, 1, {{gsb::id::gpr(1), uint64_t{1}}}).status, HStatus::P3);
  EXPECT_EQ(w.l1.get(0, g, 2048, {gsb::id::gpr(1)}).first.status, HStatus::P3);
  // A guest-wide request ignores the vCPU ID.
  EXPECT_EQ(w.l1.get(kGuestWide, g, 77, {kLogicalPvr}).first.status, HStatus::Success);
}

TEST_F(StateTest, BufferOutsideMemoryIsHP4) {
  for (uint64_t addr : {kMemSize, kMemSize + 4096, ~uint64_t{0}, uint64_t{1} << 63})
    EXPECT_EQ(w.l1.call(Hcall::H_GUEST_GET_STATE, {0, g, 0, addr, 16}).status, HStatus::P4) << addr;
}

TEST_F(StateTest, BadSizeIsHP5) {
  auto wr = w.l1.writer();
  ASSERT_TRUE(wr.put(gsb::id::gpr(1), uint64_t{1}).has_value());
  for (uint64_t size : {uint64_t{0}, uint64_t{3}, kMemSize, ~uint64_t{0}, kMemSize - kGsbAddr + 1})
    EXPECT_EQ(w.l1.call(Hcall::H_GUEST_SET_STATE, {0, g, 0, kGsbAddr, size}).status, HStatus::P5) << size;
  // The count promises more elements than the size holds: truncated.
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_SET_STATE, {0, g, 0, kGsbAddr, wr.size() - 1}).status, HStatus::P5);
}

TEST_F(StateTest, InvalidElementIdWithItsIndexInR4) {
  // Unknown ID at index 1.
  auto wr = w.l1.writer();
  ASSERT_TRUE(wr.put(gsb::id::gpr(1), uint64_t{1}).has_value());
  const std::size_t at = wr.size();
  ASSERT_TRUE(wr.put(gsb::id::gpr(2), uint64_t{2}).has_value());
  gsb::store_be16(w.l1.mem().base() + kGsbAddr + at, 0x1054);  // reserved ID
  Answer a = w.l1.call(Hcall::H_GUEST_SET_STATE, {0, g, 0, kGsbAddr, wr.size()});
  EXPECT_EQ(a.status, HStatus::InvalidElementId);
  EXPECT_EQ(a.r4, 1u);
  // Wrong scope: a guest-wide element in a thread-wide SET, at index 2.
  a = w.l1.set(0, g, 0, {{gsb::id::gpr(1), uint64_t{1}}, {gsb::id::gpr(2), uint64_t{1}},
                         {gsb::id::kTbOffset, uint64_t{1}}});
  EXPECT_EQ(a.status, HStatus::InvalidElementId);
  EXPECT_EQ(a.r4, 2u);
  // Read-only in a SET (nv2 decision): HDAR, and 0x0001 guest-wide.
  a = w.l1.set(0, g, 0, {{gsb::id::kHdar, uint64_t{1}}});
  EXPECT_EQ(a.status, HStatus::InvalidElementId);
  EXPECT_EQ(a.r4, 0u);
  EXPECT_EQ(w.l1.set(kGuestWide, g, 0, {{gsb::id::kL0VcpuStateSize, uint64_t{1}}}).status,
            HStatus::InvalidElementId);
  // Write-only (PPR) in a GET.
  a = w.l1.get(0, g, 0, {gsb::id::gpr(0), 0x103A}).first;
  EXPECT_EQ(a.status, HStatus::InvalidElementId);
  EXPECT_EQ(a.r4, 1u);
  // A thread-wide element in a guest-wide GET.
  EXPECT_EQ(w.l1.get(kGuestWide, g, 0, {gsb::id::kNia}).first.status, HStatus::InvalidElementId);
}

TEST_F(StateTest, InvalidElementSizeWithItsIndexInR4) {
  auto wr = w.l1.writer();
  ASSERT_TRUE(wr.put(gsb::id::kCr, uint32_t{1}).has_value());
  const std::size_t at = wr.size();
  ASSERT_TRUE(wr.put(gsb::id::gpr(2), uint64_t{2}).has_value());
  gsb::store_be16(w.l1.mem().base() + kGsbAddr + at + 2, 4);  // GPR2 claims 4 bytes
  const Answer a = w.l1.call(Hcall::H_GUEST_SET_STATE, {0, g, 0, kGsbAddr, wr.size()});
  EXPECT_EQ(a.status, HStatus::InvalidElementSize);
  EXPECT_EQ(a.r4, 1u);
}

TEST_F(StateTest, InvalidElementValueWithItsIndexInR4) {
  // Logical PVR 0, and a PVR of a mode not negotiated (POWER11).
  Answer a = w.l1.set(kGuestWide, g, 0, {{gsb::id::kTbOffset, uint64_t{0}}, {kLogicalPvr, uint32_t{0}}});
  EXPECT_EQ(a.status, HStatus::InvalidElementValue);
  EXPECT_EQ(a.r4, 1u);
  a = w.l1.set(kGuestWide, g, 0, {{kLogicalPvr, papr::pvr::kPower11}});
  EXPECT_EQ(a.status, HStatus::InvalidElementValue);
  EXPECT_EQ(a.r4, 0u);
  // Partition table root outside L1 memory.
  a = w.l1.set(kGuestWide, g, 0, {{gsb::id::kPartitionTable, gsb::PartitionTableInfo{kMemSize, 52, 0x10000}}});
  EXPECT_EQ(a.status, HStatus::InvalidElementValue);
  // Run buffers outside or straddling L1 memory; a VPA that does not fit.
  a = w.l1.set(0, g, 0, {{gsb::id::kRunInput, gsb::BufferInfo{kRunIn, 0x1000}},
                         {gsb::id::kRunOutput, gsb::BufferInfo{kMemSize - 0x10, 0x1000}}});
  EXPECT_EQ(a.status, HStatus::InvalidElementValue);
  EXPECT_EQ(a.r4, 1u);
  a = w.l1.set(0, g, 0, {{gsb::id::kVpa, uint64_t{kMemSize - 0x100}}});
  EXPECT_EQ(a.status, HStatus::InvalidElementValue);
  // All of these left the state as it was.
  EXPECT_EQ(w.l1.get1(kGuestWide, g, 0, kLogicalPvr), gsb::Value{uint32_t{0}});
  EXPECT_EQ(w.l1.get1(0, g, 0, gsb::id::kRunInput), gsb::Value{gsb::BufferInfo{}});
}

TEST_F(StateTest, SetIsAllOrNothing) {
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::gpr(3), uint64_t{3}}}).status, HStatus::Success);
  const auto before = w.part.snapshot();
  // Good elements first, a bad one last: none is applied.
  const Answer a = w.l1.set(0, g, 0, {{gsb::id::gpr(3), uint64_t{33}}, {gsb::id::kNia, uint64_t{0x100}},
                                      {gsb::id::kVpa, uint64_t{kMemSize}}});
  EXPECT_EQ(a.status, HStatus::InvalidElementValue);
  EXPECT_EQ(a.r4, 2u);
  EXPECT_EQ(w.part.snapshot(), before);
}

TEST_F(StateTest, DuplicatesApplyInOrderLastWins) {
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::gpr(3), uint64_t{1}}, {gsb::id::gpr(3), uint64_t{2}}}).status,
            HStatus::Success);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::gpr(3)), 2u);
}

TEST_F(StateTest, SettableMasksAreAppliedSilently) {
  // §9.2 nv2 decision: MSR HV/S/ME and the HISI cause bits (reserved in the MSR) stay the
  // L0's; LPCR keeps only DPFD ILE AIL LD MER GTSE.
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kMsr, ~uint64_t{0}}, {gsb::id::kLpcr, ~uint64_t{0}}}).status,
            HStatus::Success);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kMsr), (gsb::kMsrSettable & ~hisi::kCauseBits) | 0x1000);  // ME always on
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kLpcr), gsb::kLpcrSettable);
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kMsr, uint64_t{0}}}).status, HStatus::Success);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kMsr), 0x1000u);
}

TEST_F(StateTest, RunBufferAndVpaRegistrationsReadBack) {
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kRunInput, gsb::BufferInfo{kRunIn, 0x100}},
                               {gsb::id::kRunOutput, gsb::BufferInfo{kRunOut, 0x200}},
                               {gsb::id::kVpa, uint64_t{kVpaAddr}}})
                .status,
            HStatus::Success);
  EXPECT_EQ(w.l1.get1(0, g, 0, gsb::id::kRunOutput), (gsb::Value{gsb::BufferInfo{kRunOut, 0x200}}));
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kVpa), kVpaAddr);
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kVpa, kVpaDeregister}}).status, HStatus::Success);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kVpa), kVpaDeregister);
}

TEST_F(StateTest, HostWideWithGuestOrThreadElementsIsInvalidElementId) {
  Answer a = w.l1.get(kHostWide, g, 0, {gsb::id::kHostHeapInUse, gsb::id::gpr(1)}).first;
  EXPECT_EQ(a.status, HStatus::InvalidElementId);
  EXPECT_EQ(a.r4, 1u);
  a = w.l1.get(kHostWide, g, 0, {kLogicalPvr}).first;
  EXPECT_EQ(a.status, HStatus::InvalidElementId);
  EXPECT_EQ(a.r4, 0u);
  // And host-wide elements in a thread-wide or guest-wide request.
  EXPECT_EQ(w.l1.get(0, g, 0, {gsb::id::kHostHeapInUse}).first.status, HStatus::InvalidElementId);
  EXPECT_EQ(w.l1.get(kGuestWide, g, 0, {gsb::id::kHostHeapMax}).first.status, HStatus::InvalidElementId);
}

// ---- H_GUEST_RUN_VCPU (argument and buffer errors; exits in test_run.cpp) --------------

struct RunErrors : ::testing::Test {
  World w;
  uint64_t g = 0;
  void SetUp() override {
    w.l1.negotiate();
    g = w.l1.create_guest();
    ASSERT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 0}).status, HStatus::Success);
  }
  void define_partition_table() {
    ASSERT_EQ(w.l1.set(kGuestWide, g, 0, {{gsb::id::kPartitionTable, gsb::PartitionTableInfo{kPtRoot, 52, kPtRootSize}}})
                  .status,
              HStatus::Success);
  }
};

TEST_F(RunErrors, ReservedFlagsAreHParameter) {
  for (unsigned b = 3; b < 64; ++b) EXPECT_EQ(w.l1.run(g, 0, bits::bit(b)).status, HStatus::Parameter) << b;
}

TEST_F(RunErrors, UnknownGuestIsHP2AndUnknownVcpuHP3) {
  EXPECT_EQ(w.l1.run(g + 1, 0).status, HStatus::P2);
  EXPECT_EQ(w.l1.run(g, 1).status, HStatus::P3);
  EXPECT_EQ(w.l1.run(g, 4096).status, HStatus::P3);
}

TEST_F(RunErrors, MissingBuffersAreNotDefined) {
  define_partition_table();
  EXPECT_EQ(w.l1.run(g, 0).status, HStatus::InputBufferNotDefined);
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kRunInput, gsb::BufferInfo{kRunIn, kRunBufSize}}}).status, HStatus::Success);
  EXPECT_EQ(w.l1.run(g, 0).status, HStatus::OutputBufferNotDefined);
}

TEST_F(RunErrors, OutputBelowTheMinimumIsOutputBufferTooSmall) {
  define_partition_table();
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kRunInput, gsb::BufferInfo{kRunIn, kRunBufSize}},
                               {gsb::id::kRunOutput, gsb::BufferInfo{kRunOut, kRunOutputMinSize - 1}}})
                .status,
            HStatus::Success);
  const uint64_t before = digest(w.l1.mem(), kRunOut, 0x1000);
  EXPECT_EQ(w.l1.run(g, 0).status, HStatus::OutputBufferTooSmall);
  EXPECT_EQ(digest(w.l1.mem(), kRunOut, 0x1000), before);
}

TEST_F(RunErrors, InputElementsPastItsSizeAreInputBufferTooSmall) {
  define_partition_table();
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kRunInput, gsb::BufferInfo{kRunIn, 8}},
                               {gsb::id::kRunOutput, gsb::BufferInfo{kRunOut, kRunBufSize}}})
                .status,
            HStatus::Success);
  w.l1.run_input({{gsb::id::gpr(1), uint64_t{1}}});  // 16 bytes in an 8-byte input buffer
  const Answer a = w.l1.run(g, 0);
  EXPECT_EQ(a.status, HStatus::InputBufferTooSmall);
  EXPECT_EQ(a.r4, 0u);
}

TEST_F(RunErrors, NoPartitionTableIsPartitionPageTableNotDefined) {
  w.l1.register_run_buffers(g, 0);
  w.l1.run_input();
  EXPECT_EQ(w.l1.run(g, 0).status, HStatus::PartitionPageTableNotDefined);
}

TEST_F(RunErrors, InputElementErrorsCarryTheIndexAndApplyNothing) {
  define_partition_table();
  w.l1.register_run_buffers(g, 0);
  const auto before = w.part.snapshot();
  // Guest-wide element, at index 1.
  w.l1.run_input({{gsb::id::gpr(3), uint64_t{3}}, {gsb::id::kTbOffset, uint64_t{3}}});
  Answer a = w.l1.run(g, 0);
  EXPECT_EQ(a.status, HStatus::InvalidElementId);
  EXPECT_EQ(a.r4, 1u);
  // Registration elements never ride in a run input buffer (§6).
  w.l1.run_input({{gsb::id::kVpa, uint64_t{kVpaAddr}}});
  EXPECT_EQ(w.l1.run(g, 0).status, HStatus::InvalidElementId);
  // Wrong size at index 2.
  w.l1.run_input({{gsb::id::gpr(3), uint64_t{3}}, {gsb::id::gpr(4), uint64_t{3}}, {gsb::id::kCr, uint32_t{0}}});
  gsb::store_be16(w.l1.mem().base() + kRunIn + 4 + 12 + 12 + 2, 8);
  a = w.l1.run(g, 0);
  EXPECT_EQ(a.status, HStatus::InvalidElementSize);
  EXPECT_EQ(a.r4, 2u);
  EXPECT_EQ(w.part.snapshot(), before);
}

// ---- H_GUEST_DELETE ------------------------------------------------------------------

TEST(Delete, SuccessRemovesOneGuestAndItsMemory) {
  World w;
  w.l1.negotiate();
  const uint64_t a = w.l1.create_guest();
  const uint64_t b = w.l1.create_guest();
  ASSERT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, a, 0}).status, HStatus::Success);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {0, a}).status, HStatus::Success);
  EXPECT_EQ(w.part.guest_count(), 1u);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, a, 1}).status, HStatus::P2);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, b, 0}).status, HStatus::Success);
  // IDs are not reused.
  EXPECT_NE(w.l1.create_guest(), a);
}

TEST(Delete, DeleteAllIgnoresTheGuestId) {
  World w;
  w.l1.negotiate();
  for (int i = 0; i < 3; ++i) w.l1.create_guest();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {papr::delete_flag::kDeleteAll, 12345}).status, HStatus::Success);
  EXPECT_EQ(w.part.guest_count(), 0u);
  EXPECT_EQ(w.host.accounting().heap_in_use(), 0u);
  // With no guest left the capabilities may be set again.
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_SET_CAPABILITIES, {0, papr::cap::kPower9}).status, HStatus::Success);
}

TEST(Delete, ReservedFlagsAreHParameter) {
  World w;
  w.l1.negotiate();
  const uint64_t g = w.l1.create_guest();
  for (unsigned b = 1; b < 64; ++b)
    EXPECT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {bits::bit(b), g}).status, HStatus::Parameter) << b;
  EXPECT_EQ(w.part.guest_count(), 1u);
}

TEST(Delete, UnknownGuestIsHP2) {
  World w;
  w.l1.negotiate();
  const uint64_t g = w.l1.create_guest();
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {0, g + 1}).status, HStatus::P2);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {0, g}).status, HStatus::Success);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {0, g}).status, HStatus::P2);
}

// ---- H_RPT_INVALIDATE ----------------------------------------------------------------

TEST(RptInvalidate, NestedInvalidationOfAKnownGuestSucceeds) {
  World w;
  w.l1.negotiate();
  const uint64_t g = w.l1.create_guest();
  const uint64_t type = 0x1 | 0x2;  // NESTED | TLB
  EXPECT_EQ(w.l1.call(Hcall::H_RPT_INVALIDATE, {g, 0x1, type, 0x7, 0, ~uint64_t{0}}).status, HStatus::Success);
  // The L1's own (non-nested) translations: nothing to do.
  EXPECT_EQ(w.l1.call(Hcall::H_RPT_INVALIDATE, {0, 0x1, 0x2, 0x7, 0, ~uint64_t{0}}).status, HStatus::Success);
}

TEST(RptInvalidate, BadArgumentsAreRejected) {
  World w;
  w.l1.negotiate();
  const uint64_t g = w.l1.create_guest();
  EXPECT_EQ(w.l1.call(Hcall::H_RPT_INVALIDATE, {g, 0, 0x3, 0x7, 0, 1}).status, HStatus::P2);
  EXPECT_EQ(w.l1.call(Hcall::H_RPT_INVALIDATE, {g, 0x8, 0x3, 0x7, 0, 1}).status, HStatus::P2);
  EXPECT_EQ(w.l1.call(Hcall::H_RPT_INVALIDATE, {g, 0x1, 0, 0x7, 0, 1}).status, HStatus::P3);
  EXPECT_EQ(w.l1.call(Hcall::H_RPT_INVALIDATE, {g, 0x1, 0x10, 0x7, 0, 1}).status, HStatus::P3);
  EXPECT_EQ(w.l1.call(Hcall::H_RPT_INVALIDATE, {g, 0x1, 0x3, 0x7, 2, 1}).status, HStatus::P5);
  EXPECT_EQ(w.l1.call(Hcall::H_RPT_INVALIDATE, {g + 1, 0x1, 0x3, 0x7, 0, 1}).status, HStatus::Parameter);
}

}  // namespace
}  // namespace nv2::l0::test
