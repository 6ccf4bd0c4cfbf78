#include "l1/hypervisor.hpp"

#include <chrono>
#include <thread>

namespace nv2::l1 {

const ModeInfo& mode_info(Mode m) {
  for (const auto& i : kModes)
    if (i.mode == m) return i;
  return kModes.back();
}

namespace {

using papr::Hcall;
using papr::HcallRegs;
using papr::HStatus;

// The nestedv2 backend: the H_GUEST_* hcalls of papr-nestedv2.md §3.
class NestedV2Backend final : public Backend {
 public:
  explicit NestedV2Backend(Hypervisor& hv) : hv_(hv) {}
  Api api() const override { return Api::NestedV2; }

  Result<Mode> negotiate(uint64_t supported) override {
    auto get = HcallRegs::make(Hcall::H_GUEST_GET_CAPABILITIES, {0});
    hv_.call(get);
    // §3: GET failing means the L0 has no nestedv2 (PowerVM without it, or an L0 that
    // does not know the hcall and answers H_FUNCTION).
    if (get.status() != HStatus::Success)
      return Unexpected{Error{ErrorKind::NoNestedV2, get.status(),
                              papr::opcode(Hcall::H_GUEST_GET_CAPABILITIES), 0, 0}};
    offered_ = get.out(0);
    for (const auto& m : kModes) {
      if ((offered_ & supported & m.capability) == 0) continue;
      // Commit exactly the chosen mode: the L1 runs its L2s in one mode (docs/decisions/l1.md).
      auto set = HcallRegs::make(Hcall::H_GUEST_SET_CAPABILITIES, {0, m.capability});
      hv_.call(set);
      if (set.status() != HStatus::Success)
        return Unexpected{Error::hcall(Hcall::H_GUEST_SET_CAPABILITIES, set.status(), set.out(0))};
      return m.mode;
    }
    return Unexpected{Error::of(ErrorKind::NoCommonMode, 0, offered_)};
  }

  Result<uint64_t> create_guest() override {
    // §3: first call with continue token -1; H_BUSY / long busy hand back a token in r4
    // that the retry passes on.
    auto regs = HcallRegs::make(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken});
    const HStatus s = hv_.call_retrying(regs, 1);
    if (s != HStatus::Success) return Unexpected{Error::hcall(Hcall::H_GUEST_CREATE, s, regs.out(0))};
    return regs.out(0);
  }

  Result<void> create_vcpu(uint64_t guest, uint64_t vcpu) override {
    auto regs = HcallRegs::make(Hcall::H_GUEST_CREATE_VCPU, {0, guest, vcpu});
    const HStatus s = hv_.call_retrying(regs);
    if (s != HStatus::Success)
      return Unexpected{Error::hcall(Hcall::H_GUEST_CREATE_VCPU, s, regs.out(0))};
    return {};
  }

  Result<void> delete_guest(uint64_t guest) override {
    auto regs = HcallRegs::make(Hcall::H_GUEST_DELETE, {0, guest});
    const HStatus s = hv_.call_retrying(regs);
    if (s != HStatus::Success) return Unexpected{Error::hcall(Hcall::H_GUEST_DELETE, s, regs.out(0))};
    return {};
  }

  Result<void> delete_all() override {
    auto regs = HcallRegs::make(Hcall::H_GUEST_DELETE, {papr::delete_flag::kDeleteAll, 0});
    const HStatus s = hv_.call_retrying(regs);
    if (s != HStatus::Success) return Unexpected{Error::hcall(Hcall::H_GUEST_DELETE, s, regs.out(0))};
    return {};
  }

  uint64_t offered() const { return offered_; }

 private:
  Hypervisor& hv_;
  uint64_t offered_ = 0;
};

// How long a busy answer asks the caller to wait (PAPR long-busy orders), capped so a
// misbehaving L0 cannot stall the L1 for minutes (docs/decisions/l1.md).
std::chrono::microseconds busy_delay(HStatus s) {
  if (s == HStatus::LongBusyOrder1Msec) return std::chrono::microseconds(1000);
  if (papr::is_busy(s) && s != HStatus::Busy) return std::chrono::microseconds(10000);
  return std::chrono::microseconds(0);
}

}  // namespace

Hypervisor::Hypervisor(papr::HcallPort& port, papr::RealMemory mem, HypervisorOptions opts)
    : port_(&port), mem_(mem), opts_(opts), alloc_(mem, opts.memory_base, opts.memory_size),
      backend_(std::make_unique<NestedV2Backend>(*this)) {}

Hypervisor::~Hypervisor() = default;

Result<std::unique_ptr<Hypervisor>> Hypervisor::probe(papr::HcallPort& port, papr::RealMemory mem,
                                                      HypervisorOptions opts) {
  std::unique_ptr<Hypervisor> hv(new Hypervisor(port, mem, opts));
  auto mode = hv->backend_->negotiate(opts.supported_modes);
  if (!mode) return Unexpected{mode.error()};
  hv->mode_ = *mode;
  hv->offered_ = static_cast<NestedV2Backend&>(*hv->backend_).offered();
  return hv;
}

void Hypervisor::call(papr::HcallRegs& regs) {
  counters_.hcall(regs.opcode());
  port_->hcall(regs);
}

papr::HStatus Hypervisor::call_retrying(papr::HcallRegs& regs, int token_arg) {
  const papr::HcallRegs first = regs;
  for (unsigned attempt = 0;; ++attempt) {
    call(regs);
    const HStatus s = regs.status();
    if (!papr::is_busy(s) || attempt >= opts_.busy_retries) return s;
    const uint64_t token = regs.out(0);
    const auto delay = busy_delay(s);
    regs = first;
    if (token_arg >= 0) regs.r[4 + static_cast<unsigned>(token_arg)] = token;
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
  }
}

Result<void> Hypervisor::reset() { return backend_->delete_all(); }

}  // namespace nv2::l1
