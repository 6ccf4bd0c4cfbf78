// Shared set-up for the L1 tests: a scripted L0, a negotiated Hypervisor, one guest.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "l1/guest.hpp"
#include "l1/hypervisor.hpp"
#include "l1/vcpu.hpp"
#include "scripted_l0.hpp"

namespace nv2::l1::test {

class L1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = Hypervisor::probe(l0, l0.memory());
    ASSERT_TRUE(h) << h.error().message();
    hv = std::move(*h);
  }
  // A guest with `ram` bytes of L2 RAM and vCPU 0; the log starts empty afterwards.
  void make_guest(uint64_t ram = 16u << 20) {
    GuestConfig cfg;
    cfg.ram_size = ram;
    auto g = Guest::create(*hv, cfg);
    ASSERT_TRUE(g) << g.error().message();
    guest = std::move(*g);
    auto v = guest->create_vcpu(0);
    ASSERT_TRUE(v) << v.error().message();
    vcpu = *v;
    l0.clear_log();
    hv->counters().reset();
  }

  ScriptedL0 l0;
  std::unique_ptr<Hypervisor> hv;
  std::unique_ptr<Guest> guest;
  Vcpu* vcpu = nullptr;
};

}  // namespace nv2::l1::test
