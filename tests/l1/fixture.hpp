// Shared set-up for the L1 tests: a scripted L0, a negotiated Hypervisor, one guest.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <span>

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
  // From now on every H_GUEST_RUN_VCPU returns an HCALL exit (0xC00) whose run output buffer
  // is vCPU 0's as the last run left it, changed by `edit`: the bytes a (hostile or buggy)
  // L0 might write, without going through the scripted encoder.
  void run_exits_with_edited_output(std::function<void(std::span<uint8_t>)> edit) {
    const auto out = vcpu->run_output_buffer();
    l0.intercept = [this, out, edit = std::move(edit)](papr::HcallRegs& r) {
      if (r.opcode() != papr::opcode(papr::Hcall::H_GUEST_RUN_VCPU)) return false;
      edit(l0.memory().span(out.address, out.size));
      r.r[3] = 0;
      r.r[4] = 0xC00;
      return true;
    };
  }

  ScriptedL0 l0;
  std::unique_ptr<Hypervisor> hv;
  std::unique_ptr<Guest> guest;
  Vcpu* vcpu = nullptr;
};

}  // namespace nv2::l1::test
