// The counters snapshot (issue 5 item 3): exact per-vCPU and shared totals, and the text
// and JSON forms the vmm prints for `nv2-run --stats`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixture.hpp"

namespace nv2::l1 {
namespace {

using papr::Hcall;
using test::ScriptedExit;

using CountersTest = test::L1Test;

TEST_F(CountersTest, JsonHasEveryCounterAndParses) {
  make_guest();
  l0.exits.push_back(ScriptedExit::hcall(0x58));
  l0.exits.push_back(ScriptedExit::hdsi(0x10000, 0x10000, 0x100, msr::kSF));
  ASSERT_TRUE(vcpu->run());
  ASSERT_TRUE(vcpu->run());
  ASSERT_TRUE(vcpu->fetch({gsb::id::kCtr}));
  const auto s = hv->stats();
  const auto j = nlohmann::json::parse(s.to_json());
  EXPECT_EQ(j.at("runs").get<uint64_t>(), 2u);
  EXPECT_EQ(j.at("get_state_calls").get<uint64_t>(), 1u);
  EXPECT_EQ(j.at("elements_fetched").get<uint64_t>(), 1u);
  EXPECT_EQ(j.at("hcalls_total").get<uint64_t>(), 3u);
  EXPECT_EQ(j.at("hcalls").at("H_GUEST_RUN_VCPU").get<uint64_t>(), 2u);
  EXPECT_EQ(j.at("hcalls").at("H_GUEST_GET_STATE").get<uint64_t>(), 1u);
  EXPECT_EQ(j.at("exits").at("hcall").get<uint64_t>(), 1u);
  EXPECT_EQ(j.at("exits").at("hdsi").get<uint64_t>(), 1u);
  EXPECT_EQ(j.at("gsb_bytes_in").get<uint64_t>(), s.gsb_bytes_in);
  EXPECT_EQ(j.at("exits").size(), kExitSlots);
  EXPECT_EQ(j.at("hcalls").size(), kHcallCounterSlots);
  const std::string text = s.to_text();
  EXPECT_NE(text.find("runs"), std::string::npos);
  EXPECT_NE(text.find("hcall H_GUEST_RUN_VCPU"), std::string::npos) << text;
  EXPECT_NE(text.find("exit hdsi"), std::string::npos) << text;
  EXPECT_EQ(text.find("exit hisi"), std::string::npos) << "zero counters are left out of the text";
}

TEST_F(CountersTest, AVcpusCountsSurviveItsDestruction) {
  make_guest();
  l0.exits.push_back(ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  EXPECT_EQ(hv->stats().runs, 1u);
  guest.reset();  // the vCPU's private block folds into the shared one
  vcpu = nullptr;
  const auto s = hv->stats();
  EXPECT_EQ(s.runs, 1u);
  EXPECT_EQ(s.exit_count(papr::ExitReason::Hdec), 1u);
  EXPECT_EQ(s.hcall_count(Hcall::H_GUEST_RUN_VCPU), 1u);
  EXPECT_EQ(s.hcall_count(Hcall::H_GUEST_DELETE), 1u);
}

TEST(CounterSlots, UnknownOpcodesAndReasonsHaveTheirOwnSlot) {
  EXPECT_EQ(hcall_slot(papr::opcode(Hcall::H_GUEST_RUN_VCPU)),
            hcall_slot(papr::opcode(Hcall::H_GUEST_RUN_VCPU)));
  EXPECT_EQ(hcall_slot(0x3), papr::kHcallTable.size());
  EXPECT_EQ(hcall_slot(0x1234), papr::kHcallTable.size());
  EXPECT_EQ(hcall_slot(~uint64_t{0}), papr::kHcallTable.size());
  for (std::size_t i = 0; i < papr::kHcallTable.size(); ++i)
    EXPECT_EQ(hcall_slot(papr::opcode(papr::kHcallTable[i].hcall)), i) << papr::kHcallTable[i].name;
  EXPECT_EQ(exit_slot(0x500), kExitReasons.size());
  EXPECT_EQ(exit_name(exit_slot(0xE40)), "hea");
}

}  // namespace
}  // namespace nv2::l1
