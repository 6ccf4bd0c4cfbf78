// The run input fast path (Vcpu::encode_run_input, docs/perf/vmm.md): a run whose dirty
// set is the one the typed Writer encoded last time writes the remembered headers and the
// new values straight into the input buffer. These tests pin that the bytes are exactly
// what the Writer writes for the same values, that another set goes back to the Writer,
// and that the L0 receives every value of every run.
#include <cstring>
#include <vector>

#include "fixture.hpp"
#include "gsb/buffer.hpp"

namespace nv2::l1::test {
namespace {

using gsb::IdBitmap;
using papr::Hcall;

class InputFastPath : public L1Test {
 protected:
  void SetUp() override {
    L1Test::SetUp();
    make_guest();
  }
  // The run input buffer's bytes as the last run left them (the scripted L0 only reads it).
  std::vector<uint8_t> input_bytes(std::size_t n) {
    const auto in = vcpu->run_input_buffer();
    auto s = l0.memory().span(in.address, n);
    return {s.begin(), s.end()};
  }
  // What the typed Writer writes for these (id, value) pairs, in dense-index order.
  static std::vector<uint8_t> writer_bytes(const State& values) {
    std::vector<uint8_t> buf(4096);
    gsb::Writer w(buf);
    IdBitmap ids;
    for (const auto& [id, v] : values) ids.set(id);
    for (gsb::ElementId id : ids) EXPECT_TRUE(w.put(id, values.at(id)));
    buf.resize(w.size());
    return buf;
  }
};

TEST_F(InputFastPath, SameDirtySetReusesTheEncodingWithTheNewValues) {
  for (uint64_t k = 0; k < 6; ++k) {
    l0.exits.push_back(ScriptedExit::hcall(0x24, {k}));
    // As an H_SET_SPRG0 handler answers: r3 and SPRG0 dirty.
    ASSERT_TRUE(vcpu->set_gpr(3, 0x1000 + k));
    ASSERT_TRUE(vcpu->set_sprg(0, 0xABCD0000 + k));
    auto e = vcpu->run();
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->elements_in, 2u);
    EXPECT_EQ(e->bytes_in, 4u + 2u * 12u);
    // The first run teaches the memo; every later one uses it.
    EXPECT_EQ(vcpu->input_memo_hit(), k > 0) << "run " << k;
    const State sent{{gsb::id::gpr(3), uint64_t{0x1000 + k}}, {gsb::id::sprg(0), uint64_t{0xABCD0000 + k}}};
    EXPECT_EQ(input_bytes(e->bytes_in), writer_bytes(sent)) << "run " << k;
    const Recorded& rec = l0.last(Hcall::H_GUEST_RUN_VCPU);
    EXPECT_EQ(rec.values, sent) << "the L0 parsed what the L1 meant to send";
    EXPECT_TRUE(vcpu->dirty().empty());
  }
}

TEST_F(InputFastPath, Be32ElementsAndSetChangesAreEncodedExactly) {
  // Alternate between three dirty sets (one with the Be32 CR); each set's second use is a
  // memo hit, and every buffer equals the Writer's.
  const std::vector<std::vector<gsb::ElementId>> sets = {
      {gsb::id::gpr(3), gsb::id::kCr},
      {gsb::id::gpr(3)},
      {gsb::id::gpr(4), gsb::id::gpr(3), gsb::id::kNia, gsb::id::kCr},
  };
  uint64_t v = 0x1111;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t si = 0; si < sets.size(); ++si) {
      State sent;
      for (gsb::ElementId id : sets[si]) {
        ++v;
        if (id == gsb::id::kCr) {
          ASSERT_TRUE(vcpu->set_cr(static_cast<uint32_t>(v * 0x01010101u)));
          sent[id] = static_cast<uint32_t>(v * 0x01010101u);
        } else {
          ASSERT_TRUE(vcpu->set64(id, v * 0x100000001ull));
          sent[id] = uint64_t{v * 0x100000001ull};
        }
      }
      l0.exits.push_back(ScriptedExit::simple(0x980));
      auto e = vcpu->run();
      ASSERT_TRUE(e) << e.error().message();
      // Each set differs from the previous run's: the Writer encodes it (one memo).
      EXPECT_FALSE(vcpu->input_memo_hit());
      EXPECT_EQ(input_bytes(e->bytes_in), writer_bytes(sent)) << "round " << round << " set " << si;
      EXPECT_EQ(l0.last(Hcall::H_GUEST_RUN_VCPU).values, sent);
      EXPECT_EQ(e->elements_in, sent.size());
    }
  }
  // The same set twice in a row is served by the memo.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(vcpu->set_cr(0x12345678u + static_cast<uint32_t>(i)));
    ASSERT_TRUE(vcpu->set_gpr(3, 77u + static_cast<uint64_t>(i)));
    l0.exits.push_back(ScriptedExit::simple(0x980));
    auto e = vcpu->run();
    ASSERT_TRUE(e);
    EXPECT_EQ(vcpu->input_memo_hit(), i == 1);
    const State sent{{gsb::id::gpr(3), uint64_t{77u + static_cast<uint64_t>(i)}},
                     {gsb::id::kCr, uint32_t{0x12345678u + static_cast<uint32_t>(i)}}};
    EXPECT_EQ(input_bytes(e->bytes_in), writer_bytes(sent));
  }
}

TEST_F(InputFastPath, NothingDirtyIsAnEmptyBufferEachTime) {
  for (int i = 0; i < 3; ++i) {
    l0.exits.push_back(ScriptedExit::simple(0x980));
    auto e = vcpu->run();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->elements_in, 0u);
    EXPECT_EQ(e->bytes_in, 4u);
    EXPECT_EQ(input_bytes(4), (std::vector<uint8_t>{0, 0, 0, 0}));
  }
}

TEST_F(InputFastPath, AFailedRunKeepsTheElementsDirtyAndResendsThem) {
  ASSERT_TRUE(vcpu->set_gpr(3, 5));
  l0.exits.push_back(ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  ASSERT_TRUE(vcpu->set_gpr(3, 6));
  ScriptedExit busy;
  busy.status = papr::HStatus::Busy;
  l0.exits.push_back(busy);
  EXPECT_FALSE(vcpu->run());
  EXPECT_TRUE(vcpu->input_memo_hit());
  EXPECT_TRUE(vcpu->dirty().test(gsb::id::gpr(3)));
  l0.exits.push_back(ScriptedExit::simple(0x980));
  ASSERT_TRUE(vcpu->run());
  EXPECT_EQ(l0.last(Hcall::H_GUEST_RUN_VCPU).values, (State{{gsb::id::gpr(3), uint64_t{6}}}));
}

}  // namespace
}  // namespace nv2::l1::test
