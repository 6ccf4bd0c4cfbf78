// Issue 5 item 1: detection and negotiation against a scripted L0.
#include <gtest/gtest.h>

#include "l1/hypervisor.hpp"
#include "scripted_l0.hpp"

namespace nv2::l1 {
namespace {

using papr::Hcall;
using papr::HStatus;
using test::ScriptedL0;

TEST(Negotiation, PicksTheBestCommonModeAndCommitsOnlyIt) {
  ScriptedL0 l0;
  l0.capabilities = papr::cap::kPower9 | papr::cap::kPower10;
  auto hv = Hypervisor::probe(l0, l0.memory());
  ASSERT_TRUE(hv) << hv.error().message();
  EXPECT_EQ((*hv)->mode(), Mode::Power10);
  EXPECT_EQ((*hv)->logical_pvr(), papr::pvr::kPower10);
  EXPECT_EQ((*hv)->api(), Api::NestedV2);
  ASSERT_EQ(l0.log.size(), 2u);
  EXPECT_EQ(l0.log[0].opcode, papr::opcode(Hcall::H_GUEST_GET_CAPABILITIES));
  EXPECT_EQ(l0.log[0].args[0], 0u) << "GET flags are reserved";
  EXPECT_EQ(l0.log[1].opcode, papr::opcode(Hcall::H_GUEST_SET_CAPABILITIES));
  EXPECT_EQ(l0.log[1].args[0], 0u);
  EXPECT_EQ(l0.log[1].args[1], papr::cap::kPower10);
}

TEST(Negotiation, Power11WinsWhenEveryModeIsOffered) {
  ScriptedL0 l0;
  l0.capabilities = papr::cap::kAllModes | papr::cap::kCopyMem;
  auto hv = Hypervisor::probe(l0, l0.memory());
  ASSERT_TRUE(hv);
  EXPECT_EQ((*hv)->mode(), Mode::Power11);
  EXPECT_EQ(l0.last(Hcall::H_GUEST_SET_CAPABILITIES).args[1], papr::cap::kPower11)
      << "COPY_MEM is never requested";
}

TEST(Negotiation, RestrictedByTheModesThisL1Supports) {
  ScriptedL0 l0;
  l0.capabilities = papr::cap::kAllModes;
  HypervisorOptions o;
  o.supported_modes = papr::cap::kPower9;
  auto hv = Hypervisor::probe(l0, l0.memory(), o);
  ASSERT_TRUE(hv);
  EXPECT_EQ((*hv)->mode(), Mode::Power9);
  EXPECT_EQ((*hv)->logical_pvr(), papr::pvr::kPower9);
}

TEST(Negotiation, GetCapabilitiesFailureMeansNoNestedV2) {
  for (HStatus s : {HStatus::Function, HStatus::Hardware, HStatus::Parameter}) {
    ScriptedL0 l0;
    l0.get_capabilities_status = s;
    auto hv = Hypervisor::probe(l0, l0.memory());
    ASSERT_FALSE(hv);
    EXPECT_EQ(hv.error().kind, ErrorKind::NoNestedV2);
    EXPECT_EQ(hv.error().status, s);
    EXPECT_EQ(l0.count(Hcall::H_GUEST_SET_CAPABILITIES), 0u) << "no SET after a failed GET";
    EXPECT_NE(hv.error().message().find("nestedv2"), std::string::npos) << hv.error().message();
  }
}

TEST(Negotiation, NoCommonModeIsReported) {
  ScriptedL0 l0;
  l0.capabilities = papr::cap::kCopyMem;  // no processor mode at all
  auto hv = Hypervisor::probe(l0, l0.memory());
  ASSERT_FALSE(hv);
  EXPECT_EQ(hv.error().kind, ErrorKind::NoCommonMode);
  EXPECT_EQ(l0.count(Hcall::H_GUEST_SET_CAPABILITIES), 0u);
}

TEST(Negotiation, SetCapabilitiesFailureIsAnHcallError) {
  ScriptedL0 l0;
  l0.set_capabilities_status = HStatus::State;
  auto hv = Hypervisor::probe(l0, l0.memory());
  ASSERT_FALSE(hv);
  EXPECT_EQ(hv.error().kind, ErrorKind::Hcall);
  EXPECT_EQ(hv.error().status, HStatus::State);
  EXPECT_EQ(hv.error().opcode, papr::opcode(Hcall::H_GUEST_SET_CAPABILITIES));
}

TEST(Negotiation, ResetDeletesAllGuests) {
  ScriptedL0 l0;
  auto hv = Hypervisor::probe(l0, l0.memory());
  ASSERT_TRUE(hv);
  ASSERT_TRUE((*hv)->reset());
  const auto& del = l0.last(Hcall::H_GUEST_DELETE);
  EXPECT_EQ(del.args[0], papr::delete_flag::kDeleteAll);
}

TEST(Negotiation, HcallsAreCountedByOpcode) {
  ScriptedL0 l0;
  auto hv = Hypervisor::probe(l0, l0.memory());
  ASSERT_TRUE(hv);
  const auto s = (*hv)->stats();
  EXPECT_EQ(s.hcall_count(Hcall::H_GUEST_GET_CAPABILITIES), 1u);
  EXPECT_EQ(s.hcall_count(Hcall::H_GUEST_SET_CAPABILITIES), 1u);
  EXPECT_EQ(s.hcalls_total, 2u);
  EXPECT_NE(s.to_json().find("\"H_GUEST_GET_CAPABILITIES\":1"), std::string::npos) << s.to_json();
  EXPECT_NE(s.to_text().find("H_GUEST_SET_CAPABILITIES"), std::string::npos);
}

}  // namespace
}  // namespace nv2::l1
