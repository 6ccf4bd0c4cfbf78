// The run output fast path (Vcpu::parse_output_fast, docs/perf/l1.md): an output whose
// shape matches the last one the Reader validated for that exit reason is copied straight
// into the cache. These tests pin that it sees the new values, that any other shape goes
// back to the Reader (same results), and that it never accepts what the Reader refuses.
#include "fixture.hpp"

namespace nv2::l1::test {
namespace {

using gsb::IdBitmap;
using papr::Hcall;

class OutputFastPath : public L1Test {
 protected:
  void SetUp() override {
    L1Test::SetUp();
    make_guest();
  }
  static IdBitmap hcall_output() {
    IdBitmap b;
    for (unsigned i = 3; i <= 12; ++i) b.set(gsb::id::gpr(i));
    b.set(gsb::id::kDecExpiry);
    return b;
  }
};

TEST_F(OutputFastPath, RepeatedHcallExitsDeliverEachExitsValues) {
  for (uint64_t k = 1; k <= 5; ++k) {
    auto x = ScriptedExit::hcall(0x58 + 4 * k, {k, k * 100, k * 1000});
    x.l2_writes[gsb::id::gpr(12)] = uint64_t{0xAB00 + k};
    x.l2_writes[gsb::id::kDecExpiry] = uint64_t{5000 + k};
    l0.exits.push_back(x);
    auto e = vcpu->run();
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->received, hcall_output());
    EXPECT_EQ(e->bytes_out, 4u + 11u * 12u);
    EXPECT_EQ(*vcpu->gpr(3), 0x58 + 4 * k);
    EXPECT_EQ(*vcpu->gpr(4), k);
    EXPECT_EQ(*vcpu->gpr(5), k * 100);
    EXPECT_EQ(*vcpu->gpr(6), k * 1000);
    EXPECT_EQ(*vcpu->gpr(12), 0xAB00 + k);
    EXPECT_EQ(vcpu->valid() - kL1Owned, hcall_output());
    ASSERT_TRUE(vcpu->set_gpr(3, 0));  // the handler's answer, sent with the next run
  }
  const auto s = hv->stats();
  EXPECT_EQ(s.gsb_bytes_in, 5u * (4u + 11u * 12u));
  EXPECT_EQ(s.elements_received, 5u * 11u);
  EXPECT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 0u) << "every value came from the outputs";
}

TEST_F(OutputFastPath, AnotherShapeForTheSameReasonGoesThroughTheReader) {
  l0.exits.push_back(ScriptedExit::hcall(0x58, {1}));
  ASSERT_TRUE(vcpu->run());
  // Same reason, different elements (as an L0 with another output choice would write).
  auto x = ScriptedExit::hcall(0x5C, {2});
  x.output = IdBitmap{gsb::id::gpr(3), gsb::id::kNia};
  x.l2_writes[gsb::id::kNia] = uint64_t{0x4000};
  l0.exits.push_back(x);
  auto e = vcpu->run();
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ(e->received, (IdBitmap{gsb::id::gpr(3), gsb::id::kNia}));
  EXPECT_EQ(vcpu->valid() - kL1Owned, (IdBitmap{gsb::id::gpr(3), gsb::id::kNia}));
  EXPECT_EQ(*vcpu->gpr(3), 0x5Cu);
  EXPECT_EQ(*vcpu->nia(), 0x4000u);
  // And back to the usual shape.
  l0.exits.push_back(ScriptedExit::hcall(0x60, {3}));
  e = vcpu->run();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->received, hcall_output());
  EXPECT_EQ(*vcpu->gpr(4), 3u);
}

TEST_F(OutputFastPath, ShapesOfSeveralReasonsAreKeptApart) {
  for (int round = 0; round < 3; ++round) {
    l0.exits.push_back(ScriptedExit::hcall(0x58, {7}));
    auto e = vcpu->run();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->received, hcall_output());
    l0.exits.push_back(ScriptedExit::simple(0x980));
    e = vcpu->run();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->received, IdBitmap{gsb::id::kDecExpiry});
    EXPECT_EQ(e->bytes_out, 4u + 12u);
  }
}

TEST_F(OutputFastPath, AKnownShapeWithOneBadHeaderIsStillADecodeError) {
  l0.exits.push_back(ScriptedExit::hcall(0x58, {1}));
  ASSERT_TRUE(vcpu->run());
  // The next output keeps the count and every header but the second, which names a
  // reserved ID: the header compare must miss and the Reader must report the element.
  run_exits_with_edited_output(
      [](std::span<uint8_t> buf) { gsb::store_be16(buf.data() + 4 + 12, 0x0007); });
  auto e = vcpu->run();
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, ErrorKind::Decode);
  EXPECT_EQ(e.error().element, 0x0007);
}

TEST_F(OutputFastPath, AKnownShapeWithAWrongLengthIsStillADecodeError) {
  l0.exits.push_back(ScriptedExit::hcall(0x58, {1}));
  ASSERT_TRUE(vcpu->run());
  run_exits_with_edited_output([](std::span<uint8_t> buf) {
    gsb::store_be16(buf.data() + 4 + 2, 4);  // GPR3 claims 4 bytes
  });
  auto e = vcpu->run();
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, ErrorKind::Decode);
}

}  // namespace
}  // namespace nv2::l1::test
