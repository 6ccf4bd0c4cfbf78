// Differential test of the lazy cache (style-examples §15): a seeded random sequence of
// setters, getters, batched fetches and runs (the "L2" changing random registers, the "L0"
// reporting a random output set) against the scripted L0's ground truth. After every step,
// every element the L1 holds as valid and clean equals the L0's value; a dirty one reaches
// the L0 by the next entry. Mismatches print the seed, the step and the element.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "fixture.hpp"

namespace nv2::l1 {
namespace {

using gsb::IdBitmap;
using test::ScriptedExit;

class Differential : public test::L1Test {
 protected:
  gsb::Value random_value(gsb::ElementId id) {
    const uint64_t a = rng(), b = rng();
    switch (gsb::find(id)->type) {
      case gsb::Type::Be32: return static_cast<uint32_t>(a);
      case gsb::Type::Be64: return a;
      case gsb::Type::Vec128: return gsb::Vec128{a, b};
      case gsb::Type::PartitionTable: return gsb::PartitionTableInfo{a, b, a ^ b};
      case gsb::Type::ProcessTable: return gsb::ProcessTableInfo{a, b};
      case gsb::Type::BufferInfo: return gsb::BufferInfo{a, b};
    }
    return a;
  }
  gsb::ElementId pick(const std::vector<gsb::ElementId>& from) {
    return from[static_cast<std::size_t>(rng() % from.size())];
  }
  // Valid and clean thread-wide elements equal the L0's truth.
  void check(int step, const char* what) {
    for (gsb::ElementId id : vcpu->valid() - vcpu->dirty()) {
      const gsb::ElementDesc& d = *gsb::find(id);
      if (!d.readable()) continue;
      const auto& truth = l0.vcpu_state(0);
      auto it = truth.find(id);
      const gsb::Value expect = it != truth.end() ? it->second : test::zero_of(id);
      auto got = vcpu->get(id);
      ASSERT_TRUE(got);
      ASSERT_EQ(*got, expect) << "seed " << seed << " step " << step << " (" << what << "): "
                              << gsb::element_name(id);
    }
  }
  uint64_t seed = 0;
  std::mt19937_64 rng;
};

TEST_F(Differential, CacheAgreesWithTheL0AfterEveryStep) {
  // Thread-wide elements by role. The L2 can change any register but the L1-owned ones.
  std::vector<gsb::ElementId> settable, readable, l2_changeable;
  for (gsb::ElementId id : gsb::kIdByDenseIndex) {
    const gsb::ElementDesc& d = *gsb::find(id);
    if (d.scope != gsb::Scope::Thread) continue;
    if (d.writable() && d.run_input) settable.push_back(id);
    if (d.readable()) readable.push_back(id);
    if (d.readable() && !kL1Owned.test(id)) l2_changeable.push_back(id);
  }
  for (seed = 1; seed <= 20; ++seed) {
    make_guest();
    rng.seed(seed);
    for (int step = 0; step < 300; ++step) {
      switch (rng() % 4) {
        case 0: {  // setter
          const gsb::ElementId id = pick(settable);
          ASSERT_TRUE(vcpu->set(id, random_value(id))) << gsb::element_name(id);
          check(step, "set");
          break;
        }
        case 1: {  // getter
          ASSERT_TRUE(vcpu->get(pick(readable)));
          check(step, "get");
          break;
        }
        case 2: {  // batched fetch: at most one GET_STATE
          std::vector<gsb::ElementId> ids;
          for (unsigned i = 0, n = 1 + static_cast<unsigned>(rng() % 6); i < n; ++i) ids.push_back(pick(readable));
          const auto gets = l0.count(papr::Hcall::H_GUEST_GET_STATE);
          ASSERT_TRUE(vcpu->fetch(ids));
          ASSERT_LE(l0.count(papr::Hcall::H_GUEST_GET_STATE), gets + 1);
          check(step, "fetch");
          break;
        }
        default: {  // run: the L2 changes registers, the L0 reports some of them
          const IdBitmap dirty = vcpu->dirty();
          ScriptedExit e = ScriptedExit::simple(0x980);
          for (unsigned i = 0, n = static_cast<unsigned>(rng() % 8); i < n; ++i) {
            const gsb::ElementId id = pick(l2_changeable);
            e.l2_writes[id] = random_value(id);
          }
          for (unsigned i = 0, n = static_cast<unsigned>(rng() % 8); i < n; ++i) e.output.set(pick(readable));
          // What the L1 had dirty must be what the L0 holds before the L2 runs.
          l0.exits.push_back(e);
          ASSERT_TRUE(vcpu->run());
          for (gsb::ElementId id : dirty) {
            if (e.l2_writes.count(id)) continue;  // the L2 overwrote it since
            ASSERT_TRUE(l0.vcpu_state(0).count(id)) << gsb::element_name(id);
          }
          EXPECT_TRUE(vcpu->dirty().empty());
          check(step, "run");
          break;
        }
      }
    }
  }
}

}  // namespace
}  // namespace nv2::l1
