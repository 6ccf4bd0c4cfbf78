// Issue 5 item 2: VM and vCPU objects against a scripted L0.
#include <gtest/gtest.h>

#include <array>

#include "fixture.hpp"

namespace nv2::l1 {
namespace {

using papr::Hcall;
using papr::HStatus;
using test::L1Test;

TEST_F(L1Test, CreateRetriesBusyPassingTheContinueToken) {
  l0.create_busy = {HStatus::Busy, HStatus::LongBusyOrder1Msec, HStatus::Busy};
  l0.next_guest_id = 42;
  GuestConfig cfg;
  cfg.ram_size = 1 << 20;
  auto g = Guest::create(*hv, cfg);
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_EQ((*g)->id(), 42u);
  const auto creates = l0.calls(Hcall::H_GUEST_CREATE);
  ASSERT_EQ(creates.size(), 4u);
  EXPECT_EQ(creates[0].args[1], papr::kCreateFirstCallToken) << "first call: token -1";
  // Each retry passes back the token the previous busy answer gave in r4.
  for (std::size_t i = 1; i < creates.size(); ++i) {
    EXPECT_EQ(creates[i].args[1], creates[i - 1].r4) << "retry " << i;
    EXPECT_EQ(creates[i].args[0], 0u) << "flags stay 0";
  }
}

TEST_F(L1Test, CreateFailureIsReported) {
  l0.intercept = [](papr::HcallRegs& r) {
    if (r.opcode() != papr::opcode(Hcall::H_GUEST_CREATE)) return false;
    r.r[3] = papr::to_abi(HStatus::NotEnoughResources);
    return true;
  };
  auto g = Guest::create(*hv, GuestConfig{1 << 20});
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().kind, ErrorKind::Hcall);
  EXPECT_EQ(g.error().status, HStatus::NotEnoughResources);
}

TEST_F(L1Test, ARefusedSetUpDeletesTheNewGuestAndNamesTheElement) {
  l0.next_guest_id = 7;
  l0.intercept = [](papr::HcallRegs& r) {
    if (r.opcode() != papr::opcode(Hcall::H_GUEST_SET_STATE)) return false;
    r.r[3] = papr::to_abi(HStatus::InvalidElementValue);
    r.r[4] = 1;  // index 1 of (LOGICAL_PVR, TB_OFFSET, PARTITION_TABLE)
    return true;
  };
  const auto before = hv->allocator().stats().bytes_in_use;
  auto g = Guest::create(*hv, GuestConfig{1 << 20});
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().status, HStatus::InvalidElementValue);
  EXPECT_EQ(g.error().element, gsb::id::kTbOffset);
  EXPECT_NE(g.error().message().find("TB_OFFSET"), std::string::npos) << g.error().message();
  ASSERT_EQ(l0.count(Hcall::H_GUEST_DELETE), 1u);
  EXPECT_EQ(l0.last(Hcall::H_GUEST_DELETE).args[1], 7u);
  EXPECT_EQ(hv->allocator().stats().bytes_in_use, before) << "nothing leaked";
}

TEST_F(L1Test, CreateSendsTheGuestWideSetUpInOneSetState) {
  GuestConfig cfg;
  cfg.ram_size = 1 << 20;
  cfg.tb_offset = 0x1234;
  auto g = Guest::create(*hv, cfg);
  ASSERT_TRUE(g);
  const auto sets = l0.calls(Hcall::H_GUEST_SET_STATE);
  ASSERT_EQ(sets.size(), 1u);
  const auto& s = sets[0];
  EXPECT_EQ(s.args[0], papr::state_flag::kGuestWide);
  EXPECT_EQ(s.args[1], (*g)->id());
  EXPECT_EQ(s.ids, (gsb::IdBitmap{gsb::id::kLogicalPvr, gsb::id::kTbOffset, gsb::id::kPartitionTable}));
  EXPECT_EQ(std::get<uint32_t>(s.values.at(gsb::id::kLogicalPvr)), hv->logical_pvr());
  EXPECT_EQ(std::get<uint64_t>(s.values.at(gsb::id::kTbOffset)), 0x1234u);
  const auto pt = std::get<gsb::PartitionTableInfo>(s.values.at(gsb::id::kPartitionTable));
  EXPECT_EQ(pt.root, (*g)->partition_table().root());
  EXPECT_EQ(pt.ea_bits, 52u);
  EXPECT_EQ(pt.root_size, 65536u) << "2^13 entries of 8 bytes";
  EXPECT_EQ(pt.root % 65536, 0u) << "root aligned to its size";
}

TEST_F(L1Test, LogicalPvrZeroIsNeverSent) {
  make_guest();
  auto r = guest->set_logical_pvr(0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::InvalidValue);
  EXPECT_FALSE(vcpu->set(gsb::id::kLogicalPvr, gsb::Value{uint32_t{0}}));
  l0.exits.push_back(test::ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  EXPECT_EQ(l0.count(Hcall::H_GUEST_SET_STATE), 0u) << "nothing guest-wide was dirty";
  // A config PVR of 0 means "the negotiated mode's", never 0 on the wire.
  GuestConfig cfg;
  cfg.ram_size = 1 << 20;
  cfg.logical_pvr = 0;
  auto g = Guest::create(*hv, cfg);
  ASSERT_TRUE(g);
  for (const auto& s : l0.calls(Hcall::H_GUEST_SET_STATE)) {
    if (s.values.count(gsb::id::kLogicalPvr)) {
      EXPECT_NE(std::get<uint32_t>(s.values.at(gsb::id::kLogicalPvr)), 0u);
    }
  }
}

TEST_F(L1Test, VcpuCreationRegistersRunBuffersBySetState) {
  make_guest();
  auto v = guest->create_vcpu(3);
  ASSERT_TRUE(v);
  ASSERT_EQ(l0.count(Hcall::H_GUEST_CREATE_VCPU), 1u);
  EXPECT_EQ(l0.last(Hcall::H_GUEST_CREATE_VCPU).args[1], guest->id());
  EXPECT_EQ(l0.last(Hcall::H_GUEST_CREATE_VCPU).args[2], 3u);
  const auto& s = l0.last(Hcall::H_GUEST_SET_STATE);
  EXPECT_EQ(s.args[0], 0u) << "thread-wide";
  EXPECT_EQ(s.args[2], 3u);
  EXPECT_EQ(s.ids, (gsb::IdBitmap{gsb::id::kRunInput, gsb::id::kRunOutput}));
  const auto in = std::get<gsb::BufferInfo>(s.values.at(gsb::id::kRunInput));
  const auto out = std::get<gsb::BufferInfo>(s.values.at(gsb::id::kRunOutput));
  EXPECT_EQ(in, (*v)->run_input_buffer());
  EXPECT_EQ(out, (*v)->run_output_buffer());
  EXPECT_TRUE(l0.memory().contains(in.address, in.size));
  EXPECT_TRUE(l0.memory().contains(out.address, out.size));
  EXPECT_GE(out.size, 0x80u) << "QEMU's minimum output buffer";
  EXPECT_FALSE(guest->create_vcpu(3)) << "duplicate vCPU id";
}

TEST_F(L1Test, GuestWideElementsAreCachedAndSentBySetStateBeforeTheRun) {
  make_guest();
  // TB offset was set at creation: reading it costs nothing (§6: no reload of TB offset).
  auto tb = guest->tb_offset();
  ASSERT_TRUE(tb);
  EXPECT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 0u);
  ASSERT_TRUE(guest->set_process_table(0x10000, 0x1000));
  ASSERT_TRUE(vcpu->set(gsb::id::kTbOffset, gsb::Value{uint64_t{99}}));
  EXPECT_EQ(l0.log.size(), 0u) << "setters only mark dirty";
  l0.exits.push_back(test::ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  ASSERT_EQ(l0.log.size(), 2u);
  const auto& set = l0.log[0];
  EXPECT_EQ(set.opcode, papr::opcode(Hcall::H_GUEST_SET_STATE));
  EXPECT_EQ(set.args[0], papr::state_flag::kGuestWide);
  EXPECT_EQ(set.ids, (gsb::IdBitmap{gsb::id::kProcessTable, gsb::id::kTbOffset}));
  EXPECT_EQ(l0.log[1].opcode, papr::opcode(Hcall::H_GUEST_RUN_VCPU));
  EXPECT_FALSE(l0.log[1].ids.test(gsb::id::kProcessTable)) << "never in the run input buffer";
  // Guest-wide elements survive the run: no GET to read them back.
  auto pt = guest->process_table();
  ASSERT_TRUE(pt);
  EXPECT_EQ(pt->address, 0x10000u);
  EXPECT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 0u);
}

TEST_F(L1Test, UnknownGuestWideElementIsFetchedOnce) {
  make_guest();
  l0.guest_state()[gsb::id::kRunOutputMinSize] = uint64_t{0x80};
  auto v = guest->get(gsb::id::kRunOutputMinSize);
  ASSERT_TRUE(v);
  EXPECT_EQ(std::get<uint64_t>(*v), 0x80u);
  ASSERT_TRUE(guest->get(gsb::id::kRunOutputMinSize));
  ASSERT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 1u);
  EXPECT_EQ(l0.last(Hcall::H_GUEST_GET_STATE).args[0], papr::state_flag::kGuestWide);
}

TEST_F(L1Test, HostWideElementsAreReadWithTheHostWideFlagEveryTime) {
  make_guest();
  l0.host_state[gsb::id::kHostHeapInUse] = uint64_t{4096};
  auto v = guest->get(gsb::id::kHostHeapInUse);
  ASSERT_TRUE(v);
  EXPECT_EQ(std::get<uint64_t>(*v), 4096u);
  l0.host_state[gsb::id::kHostHeapInUse] = uint64_t{8192};
  v = guest->get(gsb::id::kHostHeapInUse);
  ASSERT_TRUE(v);
  EXPECT_EQ(std::get<uint64_t>(*v), 8192u) << "host-wide usage is never cached";
  EXPECT_EQ(l0.last(Hcall::H_GUEST_GET_STATE).args[0], papr::state_flag::kHostWide);
  EXPECT_FALSE(guest->set(gsb::id::kHostHeapInUse, gsb::Value{uint64_t{1}}));
}

TEST_F(L1Test, DestructionDeletesTheGuestAndFreesItsMemory) {
  const auto before = hv->allocator().stats().bytes_in_use;
  make_guest();
  const uint64_t id = guest->id();
  ASSERT_TRUE(guest->map_page(0x20000));
  EXPECT_GT(hv->allocator().stats().bytes_in_use, before);
  guest.reset();
  ASSERT_EQ(l0.count(Hcall::H_GUEST_DELETE), 1u);
  EXPECT_EQ(l0.last(Hcall::H_GUEST_DELETE).args[0], 0u);
  EXPECT_EQ(l0.last(Hcall::H_GUEST_DELETE).args[1], id);
  EXPECT_EQ(hv->allocator().stats().bytes_in_use, before);
}

TEST_F(L1Test, DeleteRetriesBusy) {
  make_guest();
  int busy = 2;
  l0.intercept = [&busy](papr::HcallRegs& r) {
    if (r.opcode() != papr::opcode(Hcall::H_GUEST_DELETE) || busy == 0) return false;
    --busy;
    r.r[3] = papr::to_abi(HStatus::Busy);
    return true;
  };
  guest.reset();
  EXPECT_EQ(l0.count(Hcall::H_GUEST_DELETE), 3u);
}

TEST_F(L1Test, ChangingAMappingInvalidatesByReSettingThePartitionTable) {
  make_guest();
  auto first = guest->map_page(0x30000);
  ASSERT_TRUE(first);
  // Moving an L2 page: unmap, map elsewhere, then tell the L0 (§8: re-SET of 0x0005).
  ASSERT_TRUE(guest->partition_table().unmap(0x30000));
  auto other = hv->allocator().allocate(kPage64K, kPage64K);
  ASSERT_TRUE(other);
  ASSERT_TRUE(guest->partition_table().map(0x30000, *other));
  l0.clear_log();
  ASSERT_TRUE(guest->invalidate_translations());
  ASSERT_EQ(l0.log.size(), 1u);
  const auto& s = l0.log[0];
  EXPECT_EQ(s.opcode, papr::opcode(Hcall::H_GUEST_SET_STATE));
  EXPECT_EQ(s.args[0], papr::state_flag::kGuestWide);
  EXPECT_EQ(s.ids, gsb::IdBitmap{gsb::id::kPartitionTable});
  EXPECT_EQ(std::get<gsb::PartitionTableInfo>(s.values.at(gsb::id::kPartitionTable)).root,
            guest->partition_table().root());
  EXPECT_EQ(guest->partition_table().lookup(0x30000), *other);
}

TEST_F(L1Test, L2MemoryReadAndWriteMapLazily) {
  make_guest(1u << 20);
  const std::array<uint8_t, 6> data{1, 2, 3, 4, 5, 6};
  // Across a 64 KiB page boundary: both pages get mapped.
  ASSERT_TRUE(guest->write(0x1FFFD, data));
  EXPECT_EQ(guest->pages_mapped(), 2u);
  std::array<uint8_t, 6> back{};
  ASSERT_TRUE(guest->read(0x1FFFD, back));
  EXPECT_EQ(back, data);
  std::array<uint8_t, 4> zero{9, 9, 9, 9};
  ASSERT_TRUE(guest->read(0x50000, zero)) << "unmapped RAM reads as zeros";
  EXPECT_EQ(zero, (std::array<uint8_t, 4>{}));
  EXPECT_EQ(guest->pages_mapped(), 2u) << "reading does not map";
  EXPECT_EQ(guest->write(1u << 20, data).error().kind, ErrorKind::BadAddress);
  EXPECT_EQ(guest->map_page(1u << 20).error().kind, ErrorKind::BadAddress);
  EXPECT_TRUE(l0.log.empty()) << "the L1 touches its own memory without hcalls";
}

}  // namespace
}  // namespace nv2::l1
