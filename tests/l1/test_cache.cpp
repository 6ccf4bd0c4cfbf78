// Issue 5 item 3: the lazy state cache (papr-nestedv2.md §6) against a scripted L0 that
// records every hcall and the decoded GSB it carried.
#include <gtest/gtest.h>

#include "fixture.hpp"
#include "l1/state_io.hpp"

namespace nv2::l1 {
namespace {

using gsb::IdBitmap;
using papr::Hcall;
using papr::HStatus;
using test::ScriptedExit;

class Cache : public test::L1Test {
 protected:
  void SetUp() override {
    L1Test::SetUp();
    make_guest();
  }
  const test::Recorded& last_run() { return l0.last(Hcall::H_GUEST_RUN_VCPU); }
};

TEST_F(Cache, SetterMarksDirtyAndTheValueRidesInTheNextRunInputBuffer) {
  ASSERT_TRUE(vcpu->set_gpr(5, 0xABCD));
  ASSERT_TRUE(vcpu->set_nia(0x4000));
  ASSERT_TRUE(vcpu->set_cr(0x22000000));
  EXPECT_EQ(vcpu->dirty(), (IdBitmap{gsb::id::gpr(5), gsb::id::kNia, gsb::id::kCr}));
  EXPECT_TRUE(l0.log.empty()) << "a setter makes no hcall";
  l0.exits.push_back(ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  ASSERT_EQ(l0.log.size(), 1u) << "one RUN, nothing else";
  const auto& run = last_run();
  EXPECT_EQ(run.ids, (IdBitmap{gsb::id::gpr(5), gsb::id::kNia, gsb::id::kCr}));
  EXPECT_EQ(std::get<uint64_t>(run.values.at(gsb::id::gpr(5))), 0xABCDu);
  EXPECT_EQ(std::get<uint64_t>(run.values.at(gsb::id::kNia)), 0x4000u);
  EXPECT_EQ(std::get<uint32_t>(run.values.at(gsb::id::kCr)), 0x22000000u);
  EXPECT_TRUE(vcpu->dirty().empty());
  l0.exits.push_back(ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  EXPECT_TRUE(last_run().ids.empty()) << "sent once, not again";
}

TEST_F(Cache, GettersBatchTheRequestedElementsIntoOneGetState) {
  l0.vcpu_state(0)[gsb::id::gpr(1)] = uint64_t{11};
  l0.vcpu_state(0)[gsb::id::gpr(2)] = uint64_t{22};
  l0.vcpu_state(0)[gsb::id::kLr] = uint64_t{33};
  ASSERT_TRUE(vcpu->fetch({gsb::id::gpr(1), gsb::id::gpr(2), gsb::id::kLr}));
  ASSERT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 1u);
  const auto& get = l0.last(Hcall::H_GUEST_GET_STATE);
  EXPECT_EQ(get.ids, (IdBitmap{gsb::id::gpr(1), gsb::id::gpr(2), gsb::id::kLr}));
  EXPECT_EQ(get.args[0], 0u);
  EXPECT_EQ(get.args[1], guest->id());
  EXPECT_EQ(get.args[2], 0u);
  EXPECT_EQ(*vcpu->gpr(1), 11u);
  EXPECT_EQ(*vcpu->gpr(2), 22u);
  EXPECT_EQ(*vcpu->lr(), 33u);
  EXPECT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 1u) << "valid copies cost nothing";
  // Only the invalid ones of a request are fetched.
  ASSERT_TRUE(vcpu->fetch({gsb::id::gpr(1), gsb::id::kCtr}));
  EXPECT_EQ(l0.last(Hcall::H_GUEST_GET_STATE).ids, IdBitmap{gsb::id::kCtr});
  const auto s = hv->stats();
  EXPECT_EQ(s.get_state_calls, 2u);
  EXPECT_EQ(s.elements_fetched, 4u);
}

TEST_F(Cache, AfterARunOnlyTheOutputBufferElementsAreValid) {
  ASSERT_TRUE(vcpu->fetch({gsb::id::kCtr, gsb::id::gpr(20), gsb::id::kSrr0}));
  ASSERT_TRUE(vcpu->set_gpr(4, 1));
  l0.exits.push_back(ScriptedExit::hcall(0x58, {0, 3, 0x41424300}));
  auto e = vcpu->run();
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ(e->reason, papr::ExitReason::Hcall);
  IdBitmap expect;
  for (unsigned i = 3; i <= 12; ++i) expect.set(gsb::id::gpr(i));
  expect.set(gsb::id::kDecExpiry);
  EXPECT_EQ(e->received, expect);
  EXPECT_EQ(vcpu->valid() - kL1Owned, expect) << "CTR, GPR20, SRR0 are stale now";
  EXPECT_EQ(*vcpu->gpr(3), 0x58u);
  EXPECT_EQ(*vcpu->gpr(6), 0x41424300u);
  EXPECT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 1u) << "only the initial fetch";
  // A stale element is fetched again, with the L0's current value.
  l0.vcpu_state(0)[gsb::id::kCtr] = uint64_t{77};
  EXPECT_EQ(*vcpu->ctr(), 77u);
  EXPECT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 2u);
}

TEST_F(Cache, VpaRegistrationGoesBySetStateNeverInTheRunInputBuffer) {
  ASSERT_TRUE(vcpu->set_vpa(0x3000));
  ASSERT_TRUE(vcpu->set_gpr(3, 0));
  l0.exits.push_back(ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  ASSERT_EQ(l0.log.size(), 2u);
  EXPECT_EQ(l0.log[0].opcode, papr::opcode(Hcall::H_GUEST_SET_STATE));
  EXPECT_EQ(l0.log[0].args[0], 0u) << "thread-wide SET_STATE";
  EXPECT_EQ(l0.log[0].ids, IdBitmap{gsb::id::kVpa});
  EXPECT_EQ(std::get<uint64_t>(l0.log[0].values.at(gsb::id::kVpa)), 0x3000u);
  EXPECT_EQ(l0.log[1].ids, IdBitmap{gsb::id::gpr(3)}) << "VPA is not in the run input buffer";
}

TEST_F(Cache, MerIsRecomputedAndSentOnEveryEntryWhileAnExternalIsPending) {
  l0.vcpu_state(0)[gsb::id::kLpcr] = uint64_t{lpcr::kILE | lpcr::kGTSE};
  vcpu->set_external_pending(true);
  for (int i = 0; i < 3; ++i) {
    l0.exits.push_back(ScriptedExit::hcall(0x64));
    ASSERT_TRUE(vcpu->run());
    const auto& run = last_run();
    ASSERT_TRUE(run.ids.test(gsb::id::kLpcr)) << "entry " << i;
    EXPECT_EQ(std::get<uint64_t>(run.values.at(gsb::id::kLpcr)),
              lpcr::kILE | lpcr::kGTSE | lpcr::kMER)
        << "entry " << i << ": MER set, the other LPCR bits kept";
    EXPECT_EQ(run.args[0], 0u) << "the RUN external flag is not used (MER is)";
  }
  EXPECT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 1u) << "LPCR fetched once, it is L1-owned";
  vcpu->set_external_pending(false);
  l0.exits.push_back(ScriptedExit::hcall(0x64));
  ASSERT_TRUE(vcpu->run());
  ASSERT_TRUE(last_run().ids.test(gsb::id::kLpcr)) << "MER cleared must reach the L0 too";
  EXPECT_EQ(std::get<uint64_t>(last_run().values.at(gsb::id::kLpcr)), lpcr::kILE | lpcr::kGTSE);
  l0.exits.push_back(ScriptedExit::hcall(0x64));
  ASSERT_TRUE(vcpu->run());
  EXPECT_FALSE(last_run().ids.test(gsb::id::kLpcr)) << "no longer pending, unchanged: not sent";
}

TEST_F(Cache, DecExpiryFromTheOutputBufferIsNeverSentBack) {
  l0.vcpu_state(0)[gsb::id::kDecExpiry] = uint64_t{1000};
  l0.exits.push_back(ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  EXPECT_EQ(*vcpu->dec_expiry(), 1000u);
  // The L2 reprograms its DEC while running: the L1 copy (1000) is stale but clean.
  auto e = ScriptedExit::simple(0x980);
  e.l2_writes[gsb::id::kDecExpiry] = uint64_t{5000};
  l0.exits.push_back(e);
  l0.exits.push_back(ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  ASSERT_TRUE(vcpu->run());
  EXPECT_FALSE(last_run().ids.test(gsb::id::kDecExpiry)) << "a stale DEC expiry is never re-sent";
  EXPECT_EQ(std::get<uint64_t>(l0.vcpu_state(0).at(gsb::id::kDecExpiry)), 5000u);
}

TEST_F(Cache, AQueuedDecTheL2NoLongerNeedsIsCancelled) {
  l0.vcpu_state(0)[gsb::id::kDecExpiry] = uint64_t{1000};
  vcpu->queue_dec(1000);
  // Still the same expiry (e.g. MSR[EE]=0 kept it from being taken): stays queued.
  l0.exits.push_back(ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  EXPECT_TRUE(vcpu->dec_queued());
  // The L2 took it and reprogrammed DEC: the queued one is stale and cancelled.
  auto e = ScriptedExit::simple(0x980);
  e.l2_writes[gsb::id::kDecExpiry] = uint64_t{900000};
  l0.exits.push_back(e);
  ASSERT_TRUE(vcpu->run());
  EXPECT_FALSE(vcpu->dec_queued());
  EXPECT_EQ(hv->stats().dec_cancelled, 1u);
}

// A value of `id`'s type that differs per ID, and that the L0's value rules accept.
gsb::Value distinct_value(Vcpu& v, Guest& g, gsb::ElementId id) {
  const uint64_t k = 0x1000000 + id;
  switch (gsb::find(id)->type) {
    case gsb::Type::Be32:
      if (id == gsb::id::kLogicalPvr) return uint32_t{papr::pvr::kPower9};
      return static_cast<uint32_t>(k);
    case gsb::Type::Be64: return uint64_t{k} << 8;
    case gsb::Type::Vec128: return gsb::Vec128{k, ~k};
    case gsb::Type::PartitionTable:
      return gsb::PartitionTableInfo{g.partition_table().root(), 52, g.partition_table().root_size()};
    case gsb::Type::ProcessTable: return gsb::ProcessTableInfo{k << 12, 4096};
    case gsb::Type::BufferInfo:
      return id == gsb::id::kRunInput ? v.run_input_buffer() : v.run_output_buffer();
  }
  return uint64_t{0};
}

TEST_F(Cache, EveryElementOfTheTableIsHandledByGenericGetAndSet) {
  // Differential check (style-examples §15): after setting every writable ID and one run,
  // the L0's truth holds exactly the values the L1 set, whatever path each took.
  std::size_t set_ok = 0;
  for (gsb::ElementId id : gsb::kIdByDenseIndex) {
    const gsb::ElementDesc& d = *gsb::find(id);
    const gsb::Value v = distinct_value(*vcpu, *guest, id);
    auto r = vcpu->set(id, v);
    if (d.scope == gsb::Scope::Host || !d.writable()) {
      ASSERT_FALSE(r) << gsb::element_name(id);
      EXPECT_EQ(r.error().kind, ErrorKind::NotWritable) << gsb::element_name(id);
      continue;
    }
    ASSERT_TRUE(r) << gsb::element_name(id) << ": " << r.error().message();
    ++set_ok;
    auto back = vcpu->get(id);
    ASSERT_TRUE(back) << gsb::element_name(id);
    EXPECT_EQ(*back, v) << gsb::element_name(id);
  }
  EXPECT_EQ(l0.log.size(), 0u) << "set then get of a written value needs no hcall";
  l0.exits.push_back(ScriptedExit::simple(0x980));
  auto e = vcpu->run();
  ASSERT_TRUE(e) << e.error().message();
  std::size_t checked = 0;
  for (gsb::ElementId id : gsb::kIdByDenseIndex) {
    const gsb::ElementDesc& d = *gsb::find(id);
    if (d.scope == gsb::Scope::Host || !d.writable()) continue;
    const auto& truth = d.scope == gsb::Scope::Guest ? l0.guest_state() : l0.vcpu_state(0);
    auto it = truth.find(id);
    ASSERT_NE(it, truth.end()) << gsb::element_name(id) << " never reached the L0";
    if (id != gsb::id::kDecExpiry) {  // the scripted exit reports DEC expiry back
      EXPECT_EQ(it->second, distinct_value(*vcpu, *guest, id)) << gsb::element_name(id);
    }
    ++checked;
  }
  EXPECT_EQ(checked, set_ok);
  // The run input buffer carried exactly the run-input elements; the rest went by SET_STATE.
  const auto run_ids = last_run().ids;
  for (gsb::ElementId id : run_ids) EXPECT_TRUE(gsb::find(id)->run_input) << gsb::element_name(id);
  EXPECT_TRUE(run_ids.test(gsb::id::kDexcr) && run_ids.test(gsb::id::kHashkeyr) &&
              run_ids.test(gsb::id::kHashpkeyr) && run_ids.test(gsb::id::kDpdes))
      << "the IDs Linux's hand-written switch dropped";

  // Every readable ID is fetched from the L0 by the generic getter.
  for (gsb::ElementId id : gsb::kIdByDenseIndex) {
    const gsb::ElementDesc& d = *gsb::find(id);
    if (d.scope != gsb::Scope::Thread || !d.readable() || vcpu->valid().test(id)) continue;
    l0.vcpu_state(0)[id] = distinct_value(*vcpu, *guest, id);
    auto got = vcpu->get(id);
    ASSERT_TRUE(got) << gsb::element_name(id);
    EXPECT_EQ(*got, distinct_value(*vcpu, *guest, id)) << gsb::element_name(id);
  }
}

TEST_F(Cache, GenericAccessRejectsWhatTheTableForbids) {
  auto unknown = vcpu->get(0x0007);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::UnknownElement);
  EXPECT_EQ(vcpu->set(0x1054, gsb::Value{uint64_t{1}}).error().kind, ErrorKind::UnknownElement);
  EXPECT_EQ(vcpu->set(gsb::id::kHeir, gsb::Value{uint64_t{1}}).error().kind, ErrorKind::NotWritable);
  EXPECT_EQ(vcpu->get(0x103A).error().kind, ErrorKind::NotReadable) << "PPR is write-only";
  EXPECT_EQ(vcpu->set(gsb::id::kNia, gsb::Value{uint32_t{1}}).error().kind, ErrorKind::InvalidValue)
      << "wrong value type";
  EXPECT_FALSE(vcpu->gpr(32));
  EXPECT_TRUE(l0.log.empty());
}

TEST_F(Cache, AnEncoderErrorIsReportedAndNothingIsSent) {
  // A buffer too small for the two elements: the writer's Capacity error comes back.
  auto r = detail::set_state({hv.get(), 0, guest->id(), 0, vcpu->state_buffer(), 16},
                             IdBitmap{gsb::id::kNia, gsb::id::kMsr},
                             [](gsb::Writer& w, gsb::ElementId id) { return w.put_be64(id, 1); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::Encode);
  EXPECT_EQ(r.error().status, HStatus::OutputBufferTooSmall);
  EXPECT_EQ(r.error().element, gsb::id::kMsr) << "header + NIA fill the 16 bytes; MSR does not fit";
  EXPECT_TRUE(l0.log.empty());
}

TEST_F(Cache, ARefusedRunInputReportsTheElementAndKeepsItDirty) {
  ASSERT_TRUE(vcpu->set_gpr(7, 1));
  ASSERT_TRUE(vcpu->set_msr(2));
  auto bad = ScriptedExit::simple(0);
  bad.status = HStatus::InvalidElementValue;
  bad.fail_r4 = 1;  // index 1 = MSR (IDs go in ascending order: GPR7, MSR)
  l0.exits.push_back(bad);
  auto e = vcpu->run();
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().status, HStatus::InvalidElementValue);
  EXPECT_EQ(e.error().element, gsb::id::kMsr);
  EXPECT_EQ(vcpu->dirty(), (IdBitmap{gsb::id::gpr(7), gsb::id::kMsr}));
}

TEST_F(Cache, AMalformedOutputBufferIsADecodeError) {
  run_exits_with_edited_output([](std::span<uint8_t> buf) {
    gsb::store_be32(buf.data(), 1);
    gsb::store_be16(buf.data() + 4, 0x0007);  // a reserved ID
    gsb::store_be16(buf.data() + 6, 8);
  });
  auto e = vcpu->run();
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, ErrorKind::Decode);
  EXPECT_EQ(e.error().element, 0x0007);
}

TEST_F(Cache, BytesAndElementsAreCountedEachWay) {
  ASSERT_TRUE(vcpu->set_gpr(3, 0));
  l0.exits.push_back(ScriptedExit::hcall(0x58));
  auto e = vcpu->run();
  ASSERT_TRUE(e);
  const auto s = hv->stats();
  EXPECT_EQ(e->bytes_in, 4u + 12u) << "header + GPR3";
  EXPECT_EQ(e->bytes_out, 4u + 11u * 12u) << "header + GPR3–12 + DEC expiry";
  EXPECT_EQ(s.gsb_bytes_out, e->bytes_in);
  EXPECT_EQ(s.gsb_bytes_in, e->bytes_out);
  EXPECT_EQ(s.elements_sent, 1u);
  EXPECT_EQ(s.elements_received, 11u);
  EXPECT_EQ(s.runs, 1u);
  EXPECT_EQ(s.exit_count(papr::ExitReason::Hcall), 1u);
}

}  // namespace
}  // namespace nv2::l1
